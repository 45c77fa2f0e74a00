//! `concur assess`: the answer to a clinician's question (drug, site, technique, timing, planned
//! schedule) from the review's studies, analyses and guidance, every number with its locator.

use crate::analyses::AnalysisRun;
use crate::dose::{range_text, schedule_doses};
use crate::render::{estimate_text, natural_name, pooled_json, prediction_text};
use crate::DISCLAIMER;
use concur_evidence::{
    Drug, OutcomeKind, Review, Site, Statement, Statistic, Study, Technique, TimingMode,
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
        for s in review
            .studies
            .iter()
            .filter(|s| !has_drug(s) && at_site(s, query.site, query.technique))
        {
            let shared: Vec<&str> = s
                .drug_ids()
                .iter()
                .filter_map(|id| review.find_drug(id))
                .flat_map(|d| {
                    d.classes
                        .iter()
                        .filter(|c| drug.classes.contains(c))
                        .map(String::as_str)
                })
                .collect();
            if let Some(class) = shared.first() {
                nearest.push((s, format!("same site, another drug of class {class}")));
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
    Ok(Answer {
        query,
        drug,
        studies,
        analyses,
        guidance,
        nearest,
        caveats,
        planned,
    })
}

/// What a study reported for the outcomes that matter: toxicity and feasibility rates, first place.
fn happened(study: &Study) -> Vec<(String, String)> {
    let first = study
        .outcomes
        .iter()
        .find(|o| o.kind != OutcomeKind::Efficacy && o.statistic == Statistic::Proportion)
        .map(|o| o.locator.clone());
    study
        .outcomes
        .iter()
        .filter(|o| {
            o.kind != OutcomeKind::Efficacy
                && o.statistic == Statistic::Proportion
                && Some(&o.locator) == first.as_ref()
        })
        .map(|o| {
            let mut label = o.term.clone();
            if let Some(a) = &o.arm {
                label.push_str(&format!(" [{a}]"));
            }
            if let Some(t) = o.timing {
                label.push_str(&format!(" [{t}]"));
            }
            (
                format!("{label}: {}", crate::studies::rate_text(o)),
                o.locator.clone(),
            )
        })
        .collect()
}

fn timing_text(s: &Study) -> String {
    s.timing
        .as_ref()
        .map_or("not reported".into(), |t| match t.mode {
            TimingMode::Mixed => format!(
                "mixed ({} concurrent, {} sequential)",
                t.concurrent.map_or("?".into(), |v| v.to_string()),
                t.sequential.map_or("?".into(), |v| v.to_string())
            ),
            m => m.as_str().into(),
        })
}

fn rt_text(review: &Review, s: &Study) -> Vec<String> {
    let doses = schedule_doses(review, s);
    s.radiotherapy
        .iter()
        .enumerate()
        .map(|(i, rt)| {
            let mut t = rt
                .techniques
                .iter()
                .map(|x| x.label())
                .collect::<Vec<_>>()
                .join("+");
            if let Some(d) = rt.total_dose_gy {
                t.push_str(&format!(" {d} Gy"));
            }
            if let Some(f) = rt.fractions {
                t.push_str(&format!(" in {f} fractions"));
            }
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
            out.push_str(&format!(
                "- **{}** ({}): {} [{}; studies: {}]\n",
                g.stance.label(),
                g.issuer,
                g.text,
                g.locator,
                g.studies.join(", ")
            ));
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
            timing_text(s),
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
            "dose_gy": q.dose_gy, "fractions": q.fractions, "text": question_text(a),
        },
        "studies": a.studies.iter().map(|s| json!({
            "id": s.id, "label": s.label, "design": s.design, "n": s.n.as_ref().map(|n| n.value),
            "n_locator": s.n.as_ref().map(|n| n.locator.clone()),
            "timing": timing_text(s), "timing_locator": s.timing.as_ref().map(|t| t.locator.clone()),
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
            "id": g.id, "issuer": g.issuer, "stance": g.stance, "text": g.text, "studies": g.studies, "locator": g.locator,
        })).collect::<Vec<_>>(),
        "certainty": a.analyses.iter().map(|r| json!({"analysis": r.decl.id, "level": r.certainty.level, "reasons": r.certainty.reasons})).collect::<Vec<_>>(),
        "dose": {
            "planned": a.planned.iter().map(|(e, ab, eqd2)| json!({"endpoint": e, "alpha_beta_gy": ab, "eqd2_gy": eqd2})).collect::<Vec<_>>(),
        },
        "nearest": a.nearest.iter().map(|(s, why)| json!({"id": s.id, "label": s.label, "relation": why})).collect::<Vec<_>>(),
        "caveats": a.caveats,
        "disclaimer": DISCLAIMER,
    })
}
