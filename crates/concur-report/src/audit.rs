//! Audit findings as text and JSON.

use concur_evidence::AuditReport;

/// Findings grouped by study, with severity, both locators, the numbers and the reason.
pub fn audit_text(report: &AuditReport) -> String {
    let mut out = String::new();
    for f in &report.findings {
        let status = match &f.acknowledged {
            Some(_) => "acknowledged",
            None => "open",
        };
        out.push_str(&format!(
            "{} [{}, {}] {}\n",
            f.severity, f.rule, status, f.id
        ));
        out.push_str(&format!("  study:   {}\n", f.study));
        for l in &f.locators {
            out.push_str(&format!("  at:      {l}\n"));
        }
        out.push_str(&format!("  numbers: {}\n", f.numbers));
        out.push_str(&format!("  why:     {}\n", f.reason));
        if let Some(e) = &f.acknowledged {
            out.push_str(&format!("  note:    {e}\n"));
        }
        out.push('\n');
    }
    for s in &report.stale_acknowledgements {
        out.push_str(&format!(
            "stale acknowledgement in audit.toml (no such finding any more): {s}\n"
        ));
    }
    let count = |sev: concur_evidence::Severity| {
        report.findings.iter().filter(|f| f.severity == sev).count()
    };
    out.push_str(&format!(
        "{} findings: {} errors ({} unacknowledged), {} warnings, {} info\n",
        report.findings.len(),
        count(concur_evidence::Severity::Error),
        report.unacknowledged_errors(),
        count(concur_evidence::Severity::Warning),
        count(concur_evidence::Severity::Info),
    ));
    out
}

/// The report as JSON: `findings`, `stale_acknowledgements`, `unacknowledged_errors`.
pub fn audit_json(report: &AuditReport) -> crate::wire::Audit<'_> {
    crate::wire::Audit {
        findings: &report.findings,
        stale_acknowledgements: &report.stale_acknowledgements,
        unacknowledged_errors: report.unacknowledged_errors(),
    }
}
