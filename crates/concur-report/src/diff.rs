//! `concur diff` rendered: what changed between two editions, as Markdown and JSON, with a
//! plain-language paragraph per radiotherapy setting assembled from the numbers.

use crate::wire;
use crate::words::{count, setting_paragraph, state_text};
use concur_synthesis::{AnalysisState, Diff};

/// The diff as Markdown.
pub fn diff_markdown(d: &Diff) -> String {
    let mut out = format!("## What changed from {} to {}\n\n", d.from, d.to);
    out.push_str("### In plain language\n\n");
    for c in &d.settings {
        out.push_str(&format!("{}\n\n", setting_paragraph(c, &d.from, &d.to)));
    }
    out.push_str(&format!(
        "### Studies added ({})\n\n",
        d.studies_added.len()
    ));
    for s in &d.studies_added {
        let unverified = if s.unverified.is_empty() {
            String::new()
        } else {
            format!(" Unverified: {}.", s.unverified.join("; "))
        };
        out.push_str(&format!(
            "- {} ({}): {}{unverified}\n",
            s.label,
            s.design.label(),
            s.summary.as_deref().unwrap_or("")
        ));
    }
    for s in &d.studies_removed {
        out.push_str(&format!("- removed: {}\n", s.label));
    }
    out.push_str(
        "\n### Pooled estimates\n\n| Analysis | Before | After | Certainty |\n|---|---|---|---|\n",
    );
    for c in &d.analyses {
        let cell = |s: &Option<AnalysisState>| {
            s.as_ref().map_or("-".to_string(), |s| {
                format!("{} ({})", state_text(s), count(s.rows, "row", "rows"))
            })
        };
        let cert = match (&c.before, &c.after) {
            (Some(x), Some(y)) if x.certainty == y.certainty => y.certainty.as_str().to_string(),
            (Some(x), Some(y)) => {
                format!("{} -> {}", x.certainty.as_str(), y.certainty.as_str())
            }
            (None, Some(y)) => format!("new: {}", y.certainty.as_str()),
            (Some(x), None) => format!("was {}", x.certainty.as_str()),
            (None, None) => "-".into(),
        };
        out.push_str(&format!(
            "| {} | {} | {} | {cert} |\n",
            c.title,
            cell(&c.before),
            cell(&c.after)
        ));
    }
    out.push_str(&format!(
        "\n### Guidance added ({})\n\n",
        d.guidance_added.len()
    ));
    for g in &d.guidance_added {
        out.push_str(&format!(
            "- {} — {} ({}{}; {})\n",
            g.stance.label(),
            g.text,
            g.issuer,
            g.year.map_or(String::new(), |y| format!(", {y}")),
            g.locator
        ));
    }
    for (a, b) in &d.guidance_changed {
        out.push_str(&format!("- changed `{}`: {} -> {}\n", a.id, a.text, b.text));
    }
    for g in &d.guidance_removed {
        out.push_str(&format!("- removed `{}`\n", g.id));
    }
    out
}

/// The diff as JSON.
pub fn diff_json(d: &Diff) -> wire::Diff {
    let state = |s: &Option<AnalysisState>| {
        s.as_ref().map(|s| wire::DiffState {
            estimate: state_text(s),
            rows: s.rows,
            certainty: s.certainty.as_str(),
        })
    };
    wire::Diff {
        from: d.from.clone(),
        to: d.to.clone(),
        studies_added: d
            .studies_added
            .iter()
            .map(|s| wire::DiffStudy {
                id: s.id.clone(),
                label: s.label.clone(),
                design: s.design,
                unverified: s.unverified.clone(),
            })
            .collect(),
        studies_removed: d.studies_removed.iter().map(|s| s.id.clone()).collect(),
        analyses: d
            .analyses
            .iter()
            .map(|c| wire::DiffAnalysis {
                id: c.id.clone(),
                title: c.title.clone(),
                site: c.site,
                before: state(&c.before),
                after: state(&c.after),
            })
            .collect(),
        guidance_added: d
            .guidance_added
            .iter()
            .map(|g| wire::DiffStatement {
                id: g.id.clone(),
                issuer: g.issuer.clone(),
                stance: g.stance,
                text: g.text.clone(),
                hold_days: g.hold_days,
            })
            .collect(),
        guidance_changed: d
            .guidance_changed
            .iter()
            .map(|(a, b)| wire::DiffChanged {
                id: a.id.clone(),
                before: a.text.clone(),
                after: b.text.clone(),
            })
            .collect(),
        guidance_removed: d.guidance_removed.iter().map(|g| g.id.clone()).collect(),
        summaries: d
            .settings
            .iter()
            .map(|c| wire::DiffSummary {
                site: c.site,
                summary: setting_paragraph(c, &d.from, &d.to),
            })
            .collect(),
    }
}
