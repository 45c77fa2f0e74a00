//! `concur diff`: what changed between two editions of a review — studies, pooled estimates,
//! certainty, guidance — and a plain-language paragraph per radiotherapy setting built from those
//! numbers (no free text is invented: every sentence is assembled from the data).

use crate::analyses::{run_analyses, AnalysisRun};
use crate::render::{estimate_text, natural_name};
use concur_evidence::{Review, Site, Statement, Study};
use serde_json::{json, Value};

/// One analysis before and after.
pub struct AnalysisChange {
    /// Analysis id.
    pub id: String,
    /// Analysis title.
    pub title: String,
    /// Report setting.
    pub site: Site,
    /// Primary estimate text, rows and certainty in the `from` edition (None: not in it).
    pub before: Option<(String, usize, &'static str)>,
    /// The same in the `to` edition.
    pub after: Option<(String, usize, &'static str)>,
}

/// Everything that changed.
pub struct Diff {
    /// Earlier edition.
    pub from: String,
    /// Later edition.
    pub to: String,
    /// Studies in `to` but not in `from`.
    pub studies_added: Vec<Study>,
    /// Studies in `from` but not in `to`.
    pub studies_removed: Vec<Study>,
    /// Every analysis of either edition.
    pub analyses: Vec<AnalysisChange>,
    /// Statements new in `to`.
    pub guidance_added: Vec<Statement>,
    /// Statements whose text or stance changed.
    pub guidance_changed: Vec<(Statement, Statement)>,
    /// Statements dropped.
    pub guidance_removed: Vec<Statement>,
    /// One paragraph per setting.
    pub summaries: Vec<(Site, String)>,
}

fn state(run: &AnalysisRun<'_>) -> (String, usize, &'static str) {
    let text = run.primary().map_or_else(
        || {
            format!(
                "not pooled ({} events in {} patients)",
                run.total_events(),
                run.total_patients()
            )
        },
        |f| format!("{} {}", natural_name(f.spec.measure), estimate_text(f)),
    );
    (text, run.rows.len(), run.certainty.level)
}

/// Whether a study irradiated within a report setting (a study can belong to several).
fn in_setting(s: &Study, setting: Site) -> bool {
    s.sites().iter().any(|x| setting.covers(*x))
}

/// `1 study`, `2 studies`.
fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Compares two editions of the review (`full` holds every edition).
pub fn diff(full: &Review, from: &str, to: &str) -> Result<Diff, String> {
    let a = full.at_edition(from)?;
    let b = full.at_edition(to)?;
    let runs_a = run_analyses(&a);
    let runs_b = run_analyses(&b);
    let ids_a: Vec<&str> = a.studies.iter().map(|s| s.id.as_str()).collect();
    let ids_b: Vec<&str> = b.studies.iter().map(|s| s.id.as_str()).collect();
    let studies_added: Vec<Study> = b
        .studies
        .iter()
        .filter(|s| !ids_a.contains(&s.id.as_str()))
        .cloned()
        .collect();
    let studies_removed: Vec<Study> = a
        .studies
        .iter()
        .filter(|s| !ids_b.contains(&s.id.as_str()))
        .cloned()
        .collect();
    let mut analyses = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    for run in runs_a.iter().chain(&runs_b) {
        if seen.contains(&run.decl.id.as_str()) {
            continue;
        }
        seen.push(&run.decl.id);
        let find =
            |runs: &[AnalysisRun<'_>]| runs.iter().find(|r| r.decl.id == run.decl.id).map(state);
        analyses.push(AnalysisChange {
            id: run.decl.id.clone(),
            title: run.decl.title.clone(),
            site: run.decl.site,
            before: find(&runs_a),
            after: find(&runs_b),
        });
    }
    let g_a: Vec<&Statement> = a.guidance.iter().collect();
    let guidance_added: Vec<Statement> = b
        .guidance
        .iter()
        .filter(|g| !g_a.iter().any(|x| x.id == g.id))
        .cloned()
        .collect();
    let guidance_removed: Vec<Statement> = a
        .guidance
        .iter()
        .filter(|g| !b.guidance.iter().any(|x| x.id == g.id))
        .cloned()
        .collect();
    let guidance_changed: Vec<(Statement, Statement)> = a
        .guidance
        .iter()
        .filter_map(|g| {
            b.guidance
                .iter()
                .find(|x| x.id == g.id && (x.text != g.text || x.stance != g.stance))
                .map(|x| (g.clone(), x.clone()))
        })
        .collect();

    let mut summaries = Vec::new();
    for site in [Site::Brain, Site::Breast, Site::Bone] {
        let before = a.studies.iter().filter(|s| in_setting(s, site)).count();
        let added: Vec<&Study> = studies_added
            .iter()
            .filter(|s| in_setting(s, site))
            .collect();
        let mut p = format!(
            "{}: the {from} edition held {} with {} radiotherapy",
            site.label(),
            count(before, "study", "studies"),
            site.label().to_lowercase()
        );
        if added.is_empty() {
            p.push_str(&format!("; the {to} edition adds none."));
        } else {
            let drug_names = |s: &Study| {
                s.drug_ids()
                    .iter()
                    .filter_map(|d| full.find_drug(d))
                    .map(|d| d.name.clone())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            p.push_str(&format!(
                "; the {to} edition adds {}: {}.",
                added.len(),
                added
                    .iter()
                    .map(|s| format!("{} ({})", s.label, drug_names(s)))
                    .collect::<Vec<_>>()
                    .join("; ")
            ));
        }
        for change in analyses.iter().filter(|c| c.site == site) {
            match (&change.before, &change.after) {
                (Some(x), Some(y)) if x == y => p.push_str(&format!(
                    " {} is unchanged: {} from {}, certainty {}.",
                    change.title,
                    y.0,
                    count(y.1, "row", "rows"),
                    y.2
                )),
                (Some(x), Some(y)) => p.push_str(&format!(
                    " {} moves from {} ({}, certainty {}) to {} ({}, certainty {}).",
                    change.title,
                    x.0,
                    count(x.1, "row", "rows"),
                    x.2,
                    y.0,
                    count(y.1, "row", "rows"),
                    y.2
                )),
                (None, Some(y)) => p.push_str(&format!(
                    " New analysis — {}: {}, certainty {}.",
                    change.title, y.0, y.2
                )),
                (Some(x), None) => p.push_str(&format!(
                    " {} is no longer analysed (was {}).",
                    change.title, x.0
                )),
                (None, None) => {}
            }
        }
        let new_guidance: Vec<String> = guidance_added
            .iter()
            .filter(|g| g.sites.iter().any(|s| site.covers(*s)))
            .map(|g| {
                let hold = match g.hold_days {
                    Some(0) => " (no hold)".to_string(),
                    Some(h) => format!(" (hold {h} days)"),
                    None => String::new(),
                };
                format!(
                    "{} {}{hold}: {}",
                    g.issuer,
                    g.stance.label().to_lowercase(),
                    g.text
                )
            })
            .collect();
        if !new_guidance.is_empty() {
            p.push_str(&format!(" New statements: {}", new_guidance.join(" ")));
        }
        summaries.push((site, p));
    }
    Ok(Diff {
        from: from.into(),
        to: to.into(),
        studies_added,
        studies_removed,
        analyses,
        guidance_added,
        guidance_changed,
        guidance_removed,
        summaries,
    })
}

/// The diff as Markdown.
pub fn diff_markdown(d: &Diff) -> String {
    let mut out = format!("## What changed from {} to {}\n\n", d.from, d.to);
    out.push_str("### In plain language\n\n");
    for (_, p) in &d.summaries {
        out.push_str(&format!("{p}\n\n"));
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
        let cell = |s: &Option<(String, usize, &str)>| {
            s.as_ref().map_or("-".to_string(), |(t, k, _)| {
                format!("{t} ({})", count(*k, "row", "rows"))
            })
        };
        let cert = match (&c.before, &c.after) {
            (Some(x), Some(y)) if x.2 == y.2 => y.2.to_string(),
            (Some(x), Some(y)) => format!("{} -> {}", x.2, y.2),
            (None, Some(y)) => format!("new: {}", y.2),
            (Some(x), None) => format!("was {}", x.2),
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
pub fn diff_json(d: &Diff) -> Value {
    let state = |s: &Option<(String, usize, &str)>| {
        s.as_ref()
            .map(|(t, k, c)| json!({"estimate": t, "rows": k, "certainty": c}))
    };
    json!({
        "from": d.from,
        "to": d.to,
        "studies_added": d.studies_added.iter().map(|s| json!({"id": s.id, "label": s.label, "design": s.design, "unverified": s.unverified})).collect::<Vec<_>>(),
        "studies_removed": d.studies_removed.iter().map(|s| s.id.clone()).collect::<Vec<_>>(),
        "analyses": d.analyses.iter().map(|c| json!({"id": c.id, "title": c.title, "site": c.site, "before": state(&c.before), "after": state(&c.after)})).collect::<Vec<_>>(),
        "guidance_added": d.guidance_added.iter().map(|g| json!({"id": g.id, "issuer": g.issuer, "stance": g.stance, "text": g.text, "hold_days": g.hold_days})).collect::<Vec<_>>(),
        "guidance_changed": d.guidance_changed.iter().map(|(a, b)| json!({"id": a.id, "before": a.text, "after": b.text})).collect::<Vec<_>>(),
        "guidance_removed": d.guidance_removed.iter().map(|g| g.id.clone()).collect::<Vec<_>>(),
        "summaries": d.summaries.iter().map(|(s, p)| json!({"site": s, "summary": p})).collect::<Vec<_>>(),
    })
}
