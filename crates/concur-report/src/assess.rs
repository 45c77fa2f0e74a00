//! `concur assess`: the answer to a clinician's question (drug, site, technique, timing, planned
//! schedule) from the review's studies, analyses and guidance, every number with its locator.

use crate::analyses::AnalysisRun;
use crate::dose::{range_text, schedule_doses};
use crate::render::{estimate_text, natural_name, pooled_json, prediction_text};
use crate::DISCLAIMER;
use concur_evidence::{
    Drug, OutcomeKind, Review, Site, Stance, Statement, Statistic, Study, Technique, TimingMode,
};
use concur_stats::dose::Schedule;
use serde_json::{json, Value};

/// The question.
#[derive(Debug, Clone)]
pub struct Query {
    /// Drug name or synonym as typed.
    pub drug: String,
    /// Site to irradiate.
    pub site: Site,
    /// Planned technique.
    pub technique: Option<Technique>,
    /// `None` means any timing.
    pub timing: Option<TimingMode>,
    /// Planned total dose (Gy).
    pub dose_gy: Option<f64>,
    /// Planned number of fractions.
    pub fractions: Option<f64>,
    /// Planned gap in days between a drug dose and radiotherapy.
    pub interval_days: Option<u32>,
}

/// Why a question cannot be answered as asked.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryError(pub String);

impl std::fmt::Display for QueryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for QueryError {}

/// The answer, as data; rendered by [`answer_json`] and [`answer_markdown`].
pub struct Answer<'a> {
    /// The question as asked.
    pub query: Query,
    /// The drug it resolved to.
    pub drug: &'a Drug,
    /// Studies with the drug, site, technique and timing.
    pub studies: Vec<&'a Study>,
    /// Analyses of the drug at the site.
    pub analyses: Vec<&'a AnalysisRun<'a>>,
    /// Guidance statements that apply.
    pub guidance: Vec<&'a Statement>,
    /// Studies shown because nothing matched exactly, with how they relate.
    pub nearest: Vec<(&'a Study, String)>,
    /// Studies of other drugs sharing a class with the asked drug, at the site: class-level evidence.
    pub class_level: Vec<(&'a Study, String)>,
    /// For a planned interval: studies whose concurrency window contains it, and those whose does not.
    pub windows: Vec<(&'a Study, bool, String)>,
    /// For a planned interval: statements with a hold, and whether the plan meets it.
    pub holds: Vec<(&'a Statement, bool)>,
    /// Where statements disagree with each other or with the studies' definitions.
    pub disagreements: Vec<String>,
    /// Caveats drawn from the data.
    pub caveats: Vec<String>,
    /// Planned schedule: endpoint, alpha/beta, EQD2.
    pub planned: Vec<(String, f64, f64)>,
}

fn timing_matches(study: &Study, wanted: Option<TimingMode>) -> bool {
    let Some(wanted) = wanted else { return true };
    match study
        .timing
        .as_ref()
        .map(|t| (t.mode, t.concurrent, t.sequential))
    {
        Some((mode, _, _)) if mode == wanted => true,
        Some((TimingMode::Mixed, c, s)) => match wanted {
            TimingMode::Concurrent => c.is_none_or(|c| c > 0),
            TimingMode::Sequential => s.is_none_or(|s| s > 0),
            _ => false,
        },
        _ => false,
    }
}

fn at_site(study: &Study, site: Site, technique: Option<Technique>) -> bool {
    study
        .sites()
        .iter()
        .any(|s| site.covers(*s) || s.covers(site))
        && technique.is_none_or(|t| study.techniques().contains(&t))
}

/// Answers the question.
pub fn assess<'a>(
    review: &'a Review,
    runs: &'a [AnalysisRun<'a>],
    query: Query,
) -> Result<Answer<'a>, QueryError> {
    let drug = review.find_drug(&query.drug).ok_or_else(|| {
        let mut known: Vec<String> = review
            .drugs
            .iter()
            .map(|d| format!("{} ({})", d.id, d.synonyms.join(", ")))
            .collect();
        known.sort();
        QueryError(format!(
            "unknown drug `{}`; known drugs and synonyms: {}",
            query.drug,
            known.join("; ")
        ))
    })?;
    if query.dose_gy.is_some() != query.fractions.is_some() {
        return Err(QueryError(
            "give both --dose-gy and --fractions for the planned schedule".into(),
        ));
    }
    let has_drug = |s: &Study| s.drug_ids().contains(&drug.id.as_str());
    let studies: Vec<&Study> = review
        .studies
        .iter()
        .filter(|s| {
            has_drug(s)
                && at_site(s, query.site, query.technique)
                && timing_matches(s, query.timing)
        })
        .collect();
    let analyses: Vec<&AnalysisRun<'_>> = runs
        .iter()
        .filter(|r| {
            let d = r.decl;
            d.drugs.contains(&drug.id)
                && (query.site.covers(d.site) || d.site.covers(query.site))
                && query
                    .technique
                    .is_none_or(|t| d.techniques.is_empty() || d.techniques.contains(&t))
        })
        .collect();
    let guidance: Vec<&Statement> = review
        .guidance
        .iter()
        .filter(|g| {
            g.drugs.contains(&drug.id)
                && g.sites
                    .iter()
                    .any(|s| query.site.covers(*s) || s.covers(query.site))
                && query
                    .technique
                    .is_none_or(|t| g.techniques.is_empty() || g.techniques.contains(&t))
                && query
                    .timing
                    .is_none_or(|t| g.timing.is_none_or(|gt| gt == t))
        })
        .collect();
    let shared_class = |s: &Study| -> Option<String> {
        s.drug_ids()
            .iter()
            .filter_map(|id| review.find_drug(id))
            .filter(|d| d.id != drug.id)
            .find_map(|d| {
                d.classes
                    .iter()
                    .find(|c| drug.classes.contains(c))
                    .map(|c| format!("{} ({c})", d.name))
            })
    };
    let class_level: Vec<(&Study, String)> = review
        .studies
        .iter()
        .filter(|s| !has_drug(s) && at_site(s, query.site, query.technique))
        .filter_map(|s| {
            shared_class(s).map(|why| (s, format!("class-level: {why}, not {}", drug.name)))
        })
        .collect();
    let mut windows = Vec::new();
    let mut holds = Vec::new();
    if let Some(days) = query.interval_days {
        for s in studies
            .iter()
            .copied()
            .chain(class_level.iter().map(|(s, _)| *s))
        {
            if let Some(w) = s.timing.as_ref().and_then(|t| t.window_days) {
                let inside = days <= w.after || days <= w.before;
                windows.push((
                    s,
                    inside,
                    format!(
                        "from {} days before to {} days after a dose",
                        w.before, w.after
                    ),
                ));
            }
        }
        for g in &guidance {
            if let Some(h) = g.hold_days {
                holds.push((*g, days >= h));
            }
        }
    }
    let mut disagreements = Vec::new();
    let restrictive: Vec<&Statement> = guidance
        .iter()
        .copied()
        .filter(|g| matches!(g.stance, Stance::Avoid | Stance::Caution | Stance::Hold))
        .collect();
    let permissive: Vec<&Statement> = guidance
        .iter()
        .copied()
        .filter(|g| matches!(g.stance, Stance::NoHold | Stance::Feasible))
        .collect();
    if !restrictive.is_empty() && !permissive.is_empty() {
        let list = |v: &[&Statement]| {
            v.iter()
                .map(|g| {
                    format!(
                        "{} ({}: {})",
                        g.issuer,
                        g.stance.label().to_lowercase(),
                        g.id
                    )
                })
                .collect::<Vec<_>>()
                .join("; ")
        };
        disagreements.push(format!(
            "Statements point different ways: {} versus {}.",
            list(&restrictive),
            list(&permissive)
        ));
    }
    for g in guidance
        .iter()
        .filter(|g| g.hold_days.is_some_and(|h| h > 0))
    {
        let h = g.hold_days.unwrap_or(0);
        let wider: Vec<String> = studies
            .iter()
            .copied()
            .chain(class_level.iter().map(|(s, _)| *s))
            .filter_map(|s| {
                s.timing
                    .as_ref()
                    .and_then(|t| t.window_days)
                    .filter(|w| w.after > h || w.before > h)
                    .map(|w| format!("{} (-{}/+{} days)", s.label, w.before, w.after))
            })
            .collect();
        if !wider.is_empty() {
            disagreements.push(format!(
                "{} recommends a {h}-day hold, but these studies counted radiotherapy further from a dose as concurrent, so a plan that respects the hold can still fall inside the exposure they studied: {}.",
                g.issuer,
                wider.join(", ")
            ));
        }
    }
    for run in analyses
        .iter()
        .filter(|r| r.decl.kind == concur_evidence::AnalysisKind::Proportion)
    {
        if let (Some(fit), false) = (run.primary(), permissive.is_empty()) {
            if let Some(t) = fit.transformed.filter(|t| t.ci_lb > 0.1) {
                disagreements.push(format!(
                    "The pooled data ({}: {:.0}%, lower limit {:.0}%) sit uneasily with statements that need no hold or call the combination feasible for this site.",
                    run.decl.id,
                    t.estimate * 100.0,
                    t.ci_lb * 100.0
                ));
            }
        }
    }
    let mut nearest = Vec::new();
    if studies.is_empty() {
        for s in review.studies.iter().filter(|s| {
            has_drug(s) && !s.radiotherapy.is_empty() && !at_site(s, query.site, query.technique)
        }) {
            let sites: Vec<&str> = s.sites().iter().map(|x| x.label()).collect();
            nearest.push((
                s,
                format!("same drug, other site or technique ({})", sites.join(", ")),
            ));
        }
        for (s, _) in &class_level {
            if let Some(why) = shared_class(s) {
                nearest.push((
                    *s,
                    format!("same site, another drug of the same class: {why}"),
                ));
            }
        }
    }
    let mut caveats = Vec::new();
    let definitions: Vec<String> = studies
        .iter()
        .filter(|s| {
            s.timing
                .as_ref()
                .is_some_and(|t| matches!(t.mode, TimingMode::Concurrent | TimingMode::Mixed))
        })
        .map(|s| {
            let def = s
                .timing
                .as_ref()
                .and_then(|t| t.definition.clone())
                .unwrap_or_else(|| "not defined in the source".into());
            format!("{}: {def}", s.label)
        })
        .collect();
    if !definitions.is_empty() {
        caveats.push(format!(
            "\"Concurrent\" is defined differently, or not at all: {}.",
            definitions.join("; ")
        ));
    }
    let small: Vec<&str> = studies
        .iter()
        .filter(|s| s.n.as_ref().is_some_and(|n| n.value < 20))
        .map(|s| s.label.as_str())
        .collect();
    if !small.is_empty() {
        caveats.push(format!(
            "Small numbers: {} have fewer than 20 patients each.",
            small.join(", ")
        ));
    }
    if analyses.iter().any(|a| {
        a.rows.iter().any(|r| {
            r.group.derivation.is_some()
                || r.control.as_ref().is_some_and(|c| c.derivation.is_some())
        })
    }) {
        caveats.push("Some counts in the analyses are derived from printed percentages or group sizes; each is marked and explained.".into());
    }
    let audit = concur_evidence::audit(review);
    let flagged: Vec<&str> = audit
        .findings
        .iter()
        .filter(|f| {
            studies.iter().any(|s| s.id == f.study)
                && f.severity == concur_evidence::Severity::Error
        })
        .map(|f| f.id.as_str())
        .collect();
    if !flagged.is_empty() {
        caveats.push(format!(
            "The source contradicts itself on {} point(s) for these studies (run `concur audit`): {}.",
            flagged.len(),
            flagged.join(", ")
        ));
    }
    if query.technique == Some(Technique::Srs)
        || studies
            .iter()
            .any(|s| s.techniques().contains(&Technique::Srs))
    {
        caveats.push("EQD2 for single-fraction radiosurgery uses the linear-quadratic model outside its reliable range; read it as a rough comparison.".into());
    }
    let mut planned = Vec::new();
    if let (Some(total), Some(fractions)) = (query.dose_gy, query.fractions) {
        let schedule = Schedule::new(total, fractions)
            .map_err(|e| QueryError(format!("planned schedule: {e}")))?;
        for se in review
            .meta
            .radiobiology
            .site_endpoints
            .iter()
            .filter(|s| s.site == query.site)
        {
            for e in &se.endpoints {
                if let Some(ab) = review.alpha_beta(e) {
                    let eqd2 = schedule
                        .eqd2(ab.gy)
                        .map_err(|e| QueryError(e.to_string()))?;
                    planned.push((e.clone(), ab.gy, eqd2));
                }
            }
        }
    }
    let mixed: Vec<&str> = studies
        .iter()
        .filter(|s| s.drug_ids().iter().any(|d| *d != drug.id))
        .map(|s| s.label.as_str())
        .collect();
    if !mixed.is_empty() {
        caveats.push(format!("Some matching studies also include other drugs, so their results are not specific to {}: {}.", drug.name, mixed.join(", ")));
    }
    let unverified: Vec<String> = studies
        .iter()
        .filter(|s| !s.unverified.is_empty())
        .map(|s| format!("{} ({})", s.label, s.unverified.join("; ")))
        .collect();
    if !unverified.is_empty() {
        caveats.push(format!(
            "Unverified in the sources, so not entered: {}.",
            unverified.join("; ")
        ));
    }
    Ok(Answer {
        query,
        drug,
        studies,
        analyses,
        guidance,
        nearest,
        class_level,
        windows,
        holds,
        disagreements,
        caveats,
        planned,
    })
}

/// What a study reported for the outcomes that matter (toxicity and feasibility rates, including
/// cumulative incidences), at its first place, with the unit of each rate.
fn happened(study: &Study) -> Vec<(String, String)> {
    let relevant = |o: &&concur_evidence::Outcome| {
        o.kind != OutcomeKind::Efficacy
            && matches!(
                o.statistic,
                Statistic::Proportion | Statistic::CumulativeIncidence | Statistic::RateAtTime
            )
    };
    let first = study
        .outcomes
        .iter()
        .find(relevant)
        .map(|o| o.locator.clone());
    study
        .outcomes
        .iter()
        .filter(relevant)
        .filter(|o| Some(&o.locator) == first.as_ref())
        .map(|o| {
            let label = crate::studies::outcome_label(o);
            let mut value = crate::studies::rate_text(o);
            if let Some([lb, ub]) = o.ci {
                value.push_str(&format!(" (95% CI {lb}-{ub})"));
            }
            if let Some(u) = o.unit {
                value.push_str(&format!(", {}", u.label()));
            }
            (format!("{label}: {value}"), o.locator.clone())
        })
        .collect()
}

fn rt_text(review: &Review, s: &Study) -> Vec<String> {
    let doses = schedule_doses(review, s);
    s.radiotherapy
        .iter()
        .enumerate()
        .map(|(i, rt)| {
            let mut t = crate::studies::schedule_label(rt);
            for d in doses.iter().filter(|d| d.schedule == i) {
                t.push_str(&format!(
                    ", EQD2 {} Gy (a/b {})",
                    range_text(d.eqd2_gy),
                    d.alpha_beta_gy
                ));
            }
            t.push_str(&format!(" [{}]", rt.locator));
            t
        })
        .collect()
}

fn question_text(a: &Answer<'_>) -> String {
    let q = &a.query;
    let mut t = format!(
        "{} ({}) with {} radiotherapy",
        a.drug.name,
        a.drug.id,
        q.site.label().to_lowercase()
    );
    if let Some(tech) = q.technique {
        t.push_str(&format!(" ({})", tech.label()));
    }
    t.push_str(&format!(
        ", timing: {}",
        q.timing.map_or("any".into(), |t| t.to_string())
    ));
    if let (Some(d), Some(f)) = (q.dose_gy, q.fractions) {
        t.push_str(&format!(
            ", planned {d} Gy in {f} fraction{}",
            if f == 1.0 { "" } else { "s" }
        ));
    }
    t
}

/// The answer as Markdown (also used, unchanged, for `--format text`).
pub fn answer_markdown(review: &Review, a: &Answer<'_>) -> String {
    let mut out = format!("# {}\n\n", question_text(a));
    out.push_str(&format!("> {DISCLAIMER}\n\n"));
    if !a.guidance.is_empty() {
        out.push_str("## What the guidance says\n\n");
        for g in &a.guidance {
            out.push_str(&format!("- **{}** — {}", g.stance.label(), g.text));
            out.push_str(&format!(
                " ({}: {}{}",
                g.kind.label().to_lowercase(),
                g.issuer,
                g.year.map_or(String::new(), |y| format!(", {y}"))
            ));
            if let Some(h) = g.hold_days {
                out.push_str(&format!("; hold {h} days"));
            }
            out.push_str(&format!("; {}", g.locator));
            if !g.studies.is_empty() {
                out.push_str(&format!("; studies: {}", g.studies.join(", ")));
            }
            out.push(')');
            if let Some(o) = &g.obtained {
                out.push_str(&format!(" Obtained: {o}"));
            }
            if !g.unverified.is_empty() {
                out.push_str(&format!(" Unverified: {}.", g.unverified.join("; ")));
            }
            out.push('\n');
        }
        out.push('\n');
    }
    if !a.disagreements.is_empty() {
        out.push_str("## Where guidance and data disagree\n\n");
        for d in &a.disagreements {
            out.push_str(&format!("- {d}\n"));
        }
        out.push('\n');
    }
    if let Some(days) = a.query.interval_days {
        out.push_str(&format!(
            "## Your planned interval: {days} days between dose and radiotherapy\n\n"
        ));
        for (g, met) in &a.holds {
            out.push_str(&format!(
                "- {} recommends holding {} days: your plan {} [{}]\n",
                g.issuer,
                g.hold_days.unwrap_or(0),
                if *met { "meets it" } else { "is shorter" },
                g.locator
            ));
        }
        for (s, inside, w) in &a.windows {
            out.push_str(&format!(
                "- {}: concurrency defined {w}; your plan falls {} it [{}]\n",
                s.label,
                if *inside { "inside" } else { "outside" },
                s.timing.as_ref().map_or("-", |t| t.locator.as_str())
            ));
        }
        if a.windows.is_empty() {
            out.push_str("- No matching study defines concurrency as a window in days.\n");
        }
        out.push('\n');
    }
    if !a.analyses.is_empty() {
        out.push_str("## Pooled evidence\n\n");
        for run in &a.analyses {
            match run.primary() {
                Some(fit) => {
                    out.push_str(&format!("- **{}**: {} {}", run.decl.title, natural_name(fit.spec.measure), estimate_text(fit)));
                    if let Some(p) = prediction_text(fit) {
                        out.push_str(&format!(", prediction interval {p}"));
                    }
                    out.push_str(&format!(
                        "; {} rows, {} events in {} patients; certainty **{}** [analysis `{}`]\n",
                        fit.k,
                        run.total_events(),
                        run.total_patients(),
                        run.certainty.level,
                        run.decl.id
                    ));
                    for r in &run.rows {
                        let mut line = format!("{}: {}/{}", r.label, r.group.events, r.group.total);
                        if let Some(c) = &r.control {
                            line.push_str(&format!(" vs {}/{}", c.events, c.total));
                        }
                        line.push_str(&format!(" [{}]", r.group.locator));
                        if let Some(d) = &r.group.derivation {
                            line.push_str(&format!(" (derived: {d})"));
                        }
                        out.push_str(&format!("  - {line}\n"));
                    }
                    if let Some(Ok(s)) = &run.subgroups {
                        for (name, f) in &s.groups {
                            out.push_str(&format!("  - {name}: {}\n", estimate_text(f)));
                        }
                        out.push_str(&format!("  - difference between subgroups: p = {:.2}\n", s.q_between_p));
                    }
                    if let Some(n) = &run.decl.note {
                        out.push_str(&format!("  - note: {n}\n"));
                    }
                }
                None => out.push_str(&format!(
                    "- **{}**: not pooled ({} events in {} patients); certainty **{}** [analysis `{}`]\n",
                    run.decl.title,
                    run.total_events(),
                    run.total_patients(),
                    run.certainty.level,
                    run.decl.id
                )),
            }
            for reason in &run.certainty.reasons {
                out.push_str(&format!("  - certainty: {reason}\n"));
            }
        }
        out.push('\n');
    }
    out.push_str("## Matching studies\n\n");
    if a.studies.is_empty() {
        out.push_str("No study in the review matches this question exactly.\n\n");
    }
    for s in &a.studies {
        out.push_str(&format!(
            "- **{}** ({}; N = {}; timing {} [{}])\n",
            s.label,
            s.design.label(),
            s.n.as_ref().map_or("not reported".into(), |n| format!(
                "{} [{}]",
                n.value, n.locator
            )),
            crate::studies::timing_text(s),
            s.timing.as_ref().map_or("-", |t| t.locator.as_str())
        ));
        for rt in rt_text(review, s) {
            out.push_str(&format!("  - radiotherapy: {rt}\n"));
        }
        for (what, loc) in happened(s) {
            out.push_str(&format!("  - {what} [{loc}]\n"));
        }
        if let Some(sum) = &s.summary {
            out.push_str(&format!("  - summary: {sum}\n"));
        }
    }
    if !a.class_level.is_empty() {
        out.push_str("## Class-level evidence (other drugs of the same class; not evidence on this drug)\n\n");
        for (s, why) in &a.class_level {
            out.push_str(&format!(
                "- **{}** ({}; N = {}): {why}\n",
                s.label,
                s.design.label(),
                s.n.as_ref()
                    .map_or("not reported".into(), |n| n.value.to_string())
            ));
            for (what, loc) in happened(s) {
                out.push_str(&format!("  - {what} [{loc}]\n"));
            }
        }
        out.push('\n');
    }
    if !a.nearest.is_empty() {
        out.push_str("## Nearest evidence (does not match the question; read with care)\n\n");
        for (s, why) in &a.nearest {
            out.push_str(&format!("- {} ({}): {why}\n", s.label, s.design.label()));
        }
        out.push('\n');
    }
    if !a.planned.is_empty() {
        out.push_str("\n## Planned schedule\n\n");
        for (e, ab, eqd2) in &a.planned {
            out.push_str(&format!("- EQD2 {eqd2:.1} Gy for {e} (alpha/beta {ab} Gy, a model assumption from review.toml)\n"));
        }
        out.push_str("- Compare with the EQD2 of the schedules in the matching studies above.\n");
    }
    if !a.caveats.is_empty() {
        out.push_str("\n## Caveats\n\n");
        for c in &a.caveats {
            out.push_str(&format!("- {c}\n"));
        }
    }
    out.push_str(&format!("\n{DISCLAIMER}\n"));
    out
}

/// The answer as JSON (documented in docs/cli.md).
pub fn answer_json(review: &Review, a: &Answer<'_>) -> Value {
    let q = &a.query;
    json!({
        "question": {
            "drug": q.drug, "drug_id": a.drug.id, "drug_name": a.drug.name, "drug_classes": a.drug.classes,
            "site": q.site, "technique": q.technique, "timing": q.timing.map_or("any".to_string(), |t| t.to_string()),
            "dose_gy": q.dose_gy, "fractions": q.fractions, "interval_days": q.interval_days, "text": question_text(a),
        },
        "studies": a.studies.iter().map(|s| json!({
            "id": s.id, "label": s.label, "design": s.design, "n": s.n.as_ref().map(|n| n.value),
            "n_locator": s.n.as_ref().map(|n| n.locator.clone()),
            "timing": crate::studies::timing_text(s), "timing_locator": s.timing.as_ref().map(|t| t.locator.clone()),
            "radiotherapy": rt_text(review, s),
            "results": happened(s).into_iter().map(|(what, locator)| json!({"result": what, "locator": locator})).collect::<Vec<_>>(),
            "summary": s.summary,
        })).collect::<Vec<_>>(),
        "analyses": a.analyses.iter().map(|r| {
            let mut v = crate::render::run_json(r);
            if let Value::Object(m) = &mut v {
                m.insert("pooled".into(), r.primary().map_or(Value::Null, pooled_json));
            }
            v
        }).collect::<Vec<_>>(),
        "comparisons": a.analyses.iter().filter(|r| r.decl.kind == concur_evidence::AnalysisKind::Comparison).map(|r| r.decl.id.clone()).collect::<Vec<_>>(),
        "guidance": a.guidance.iter().map(|g| json!({
            "id": g.id, "kind": g.kind, "issuer": g.issuer, "year": g.year, "stance": g.stance, "hold_days": g.hold_days,
            "text": g.text, "studies": g.studies, "locator": g.locator, "obtained": g.obtained, "unverified": g.unverified,
        })).collect::<Vec<_>>(),
        "certainty": a.analyses.iter().map(|r| json!({"analysis": r.decl.id, "level": r.certainty.level, "reasons": r.certainty.reasons})).collect::<Vec<_>>(),
        "dose": {
            "planned": a.planned.iter().map(|(e, ab, eqd2)| json!({"endpoint": e, "alpha_beta_gy": ab, "eqd2_gy": eqd2})).collect::<Vec<_>>(),
        },
        "nearest": a.nearest.iter().map(|(s, why)| json!({"id": s.id, "label": s.label, "relation": why})).collect::<Vec<_>>(),
        "class_level": a.class_level.iter().map(|(s, why)| json!({
            "id": s.id, "label": s.label, "design": s.design, "relation": why,
            "results": happened(s).into_iter().map(|(what, locator)| json!({"result": what, "locator": locator})).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "interval": a.query.interval_days.map(|days| json!({
            "days": days,
            "holds": a.holds.iter().map(|(g, met)| json!({"statement": g.id, "issuer": g.issuer, "hold_days": g.hold_days, "met": met, "locator": g.locator})).collect::<Vec<_>>(),
            "windows": a.windows.iter().map(|(s, inside, w)| json!({"study": s.id, "window": w, "inside": inside, "locator": s.timing.as_ref().map(|t| t.locator.clone())})).collect::<Vec<_>>(),
        })),
        "disagreements": a.disagreements,
        "caveats": a.caveats,
        "disclaimer": DISCLAIMER,
    })
}
