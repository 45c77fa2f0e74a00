//! `concur assess` rendered: the answer to a clinician's question as Markdown (and terminal text)
//! and JSON, every number with its locator.

use crate::render::{certainty_json, estimate_text, natural_name, prediction_text, run_json};
use crate::wire;
use crate::words::{
    caveat_text, class_text, count, derivation_text, disagreement_text, finding_text,
    nearness_text, placement_text, range_text, reason_text, units, window_text,
};
use crate::DISCLAIMER;
use concur_evidence::{AnalysisKind, OutcomeKind, Review, Statistic, Study};
use concur_synthesis::{bottom_line, schedule_doses, Answer};

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

/// What a study reports of the factors behind its toxicity (number of radiosurgery courses, age,
/// lesions treated, whole-brain radiotherapy): its toxicity p values and unnamed ratios, wherever
/// they are printed.
fn associations(study: &Study) -> Vec<(String, String)> {
    study
        .outcomes
        .iter()
        .filter(|o| {
            o.kind == OutcomeKind::Toxicity
                && matches!(o.statistic, Statistic::PValue | Statistic::UnnamedRatio)
        })
        .map(|o| (crate::studies::outcome_text(o), o.locator.clone()))
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
    let findings = bottom_line(a);
    if !findings.is_empty() {
        out.push_str("## Bottom line\n\n");
        for f in &findings {
            out.push_str(&format!("- {}\n", finding_text(f)));
        }
        out.push('\n');
    }
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
            out.push_str(&format!("- {}\n", disagreement_text(d)));
        }
        out.push('\n');
    }
    if let Some(days) = a.query.interval_days {
        let when = if days >= 0 {
            format!(
                "radiotherapy {} after a dose",
                count(days as usize, "day", "days")
            )
        } else {
            format!(
                "radiotherapy {} before a dose",
                count((-days) as usize, "day", "days")
            )
        };
        out.push_str(&format!("## Your planned interval: {when}\n\n"));
        match (days >= 0, a.next_dose_days, a.drug.cycle_days) {
            (true, Some(next), Some(cycle)) => out.push_str(&format!(
                "- With a {cycle}-day cycle, the next dose comes {} after radiotherapy starts [{}]\n",
                count(next.max(0) as usize, "day", "days"),
                a.drug.cycle_locator.as_deref().unwrap_or("-")
            )),
            (true, _, None) => out.push_str(
                "- The review does not give this drug's cycle, so the gap to the next dose is not known; holds are checked on the side that is\n",
            ),
            _ => {}
        }
        for (g, met) in &a.holds {
            out.push_str(&format!(
                "- {} recommends holding {} days: your plan {} [{}]\n",
                g.issuer,
                g.hold_days.unwrap_or(0),
                if *met { "meets it" } else { "is shorter" },
                g.locator
            ));
        }
        for w in &a.windows {
            out.push_str(&format!(
                "- {}: concurrency defined {}; your plan falls {} it [{}]\n",
                w.study.label,
                window_text(&w.window),
                if w.inside { "inside" } else { "outside" },
                w.study.timing.as_ref().map_or("-", |t| t.locator.as_str())
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
                    out.push_str(&format!(
                        "- **{}**: {} {}",
                        run.decl.title,
                        natural_name(fit.spec.measure),
                        estimate_text(fit)
                    ));
                    if let Some(p) = prediction_text(fit) {
                        out.push_str(&format!(", prediction interval {p}"));
                    }
                    out.push_str(&format!(
                        "; {}, {} in {}; certainty **{}** [analysis `{}`]\n",
                        count(fit.k, "row", "rows"),
                        count(run.total_events() as usize, "event", "events"),
                        units(run.total_patients(), run.decl.unit),
                        run.certainty.level.as_str(),
                        run.decl.id
                    ));
                    for r in &run.rows {
                        let mut line = format!("{}: {}/{}", r.label, r.group.events, r.group.total);
                        if let Some(c) = &r.control {
                            line.push_str(&format!(" vs {}/{}", c.events, c.total));
                        }
                        line.push_str(&format!(" [{}]", r.group.locator));
                        if let Some(d) = &r.group.derivation {
                            line.push_str(&format!(" (derived: {})", derivation_text(d)));
                        }
                        out.push_str(&format!("  - {line}\n"));
                    }
                    if let Some(Ok(s)) = &run.subgroups {
                        for (name, f) in &s.groups {
                            out.push_str(&format!("  - {name}: {}\n", estimate_text(f)));
                        }
                        out.push_str(&format!(
                            "  - difference between subgroups: p = {:.2}\n",
                            s.q_between_p
                        ));
                    }
                    if let Some(n) = &run.decl.note {
                        out.push_str(&format!("  - note: {n}\n"));
                    }
                }
                None => out.push_str(&format!(
                    "- **{}**: not pooled ({}: {} in {}); certainty **{}** [analysis `{}`]\n",
                    run.decl.title,
                    run.decl.terms.join(" / "),
                    count(run.total_events() as usize, "event", "events"),
                    units(run.total_patients(), run.decl.unit),
                    run.certainty.level.as_str(),
                    run.decl.id
                )),
            }
            for reason in &run.certainty.reasons {
                out.push_str(&format!("  - certainty: {}\n", reason_text(reason)));
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
        for (what, loc) in associations(s) {
            out.push_str(&format!("  - reported association: {what} [{loc}]\n"));
        }
        if let Some(sum) = &s.summary {
            out.push_str(&format!("  - summary: {sum}\n"));
        }
    }
    if !a.class_level.is_empty() {
        out.push_str("\n## Class-level evidence (other drugs of the same class; not evidence on this drug)\n\n");
        for link in &a.class_level {
            let s = link.study;
            out.push_str(&format!(
                "- **{}** ({}; N = {}): {}\n",
                s.label,
                s.design.label(),
                s.n.as_ref()
                    .map_or("not reported".into(), |n| n.value.to_string()),
                class_text(link, &a.drug.name)
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
            out.push_str(&format!(
                "- {} ({}): {}\n",
                s.label,
                s.design.label(),
                nearness_text(why)
            ));
        }
        out.push('\n');
    }
    if !a.planned.is_empty() {
        out.push_str("\n## Planned schedule\n\n");
        for p in &a.planned {
            out.push_str(&format!(
                "- {}\n",
                placement_text(p, a.query.fractions.unwrap_or(1.0))
            ));
        }
    }
    if !a.caveats.is_empty() {
        out.push_str("\n## Caveats\n\n");
        for c in &a.caveats {
            out.push_str(&format!("- {}\n", caveat_text(c, &a.drug.name)));
        }
    }
    out.push_str(&format!("\n{DISCLAIMER}\n"));
    out
}

/// The answer as JSON (documented in docs/cli.md).
pub fn answer_json(review: &Review, a: &Answer<'_>) -> wire::Answer {
    let q = &a.query;
    let results = |s: &Study| {
        happened(s)
            .into_iter()
            .map(|(result, locator)| wire::Result { result, locator })
            .collect()
    };
    wire::Answer {
        summary: bottom_line(a)
            .iter()
            .map(|f| wire::SummaryLine {
                text: finding_text(f),
                sources: f.sources(),
            })
            .collect(),
        question: wire::Question {
            drug: q.drug.clone(),
            drug_id: a.drug.id.clone(),
            drug_name: a.drug.name.clone(),
            drug_classes: a.drug.classes.clone(),
            site: q.site,
            technique: q.technique,
            timing: q.timing.map_or("any".to_string(), |t| t.to_string()),
            dose_gy: q.dose_gy,
            fractions: q.fractions,
            interval_days: q.interval_days,
            text: question_text(a),
        },
        studies: a
            .studies
            .iter()
            .map(|s| wire::AnswerStudy {
                id: s.id.clone(),
                label: s.label.clone(),
                design: s.design,
                n: s.n.as_ref().map(|n| n.value),
                n_locator: s.n.as_ref().map(|n| n.locator.clone()),
                timing: crate::studies::timing_text(s),
                timing_locator: s.timing.as_ref().map(|t| t.locator.clone()),
                radiotherapy: rt_text(review, s),
                results: results(s),
                associations: associations(s)
                    .into_iter()
                    .map(|(result, locator)| wire::Result { result, locator })
                    .collect(),
                summary: s.summary.clone(),
            })
            .collect(),
        analyses: a.analyses.iter().map(|r| run_json(r)).collect(),
        comparisons: a
            .analyses
            .iter()
            .filter(|r| r.decl.kind == AnalysisKind::Comparison)
            .map(|r| r.decl.id.clone())
            .collect(),
        guidance: a
            .guidance
            .iter()
            .map(|g| wire::Guidance {
                id: g.id.clone(),
                kind: g.kind,
                issuer: g.issuer.clone(),
                year: g.year,
                stance: g.stance,
                hold_days: g.hold_days,
                text: g.text.clone(),
                studies: g.studies.clone(),
                locator: g.locator.clone(),
                obtained: g.obtained.clone(),
                unverified: g.unverified.clone(),
            })
            .collect(),
        certainty: a
            .analyses
            .iter()
            .map(|r| {
                let c = certainty_json(&r.certainty);
                wire::AnalysisCertainty {
                    analysis: r.decl.id.clone(),
                    level: c.level,
                    reasons: c.reasons,
                }
            })
            .collect(),
        dose: wire::Dose {
            planned: a
                .planned
                .iter()
                .map(|p| wire::PlannedDose {
                    endpoint: p.endpoint.clone(),
                    alpha_beta_gy: p.alpha_beta_gy,
                    eqd2_gy: p.eqd2_gy,
                    placement: placement_text(p, q.fractions.unwrap_or(1.0)),
                    within: p.within.iter().map(|(s, _)| s.id.clone()).collect(),
                    same_fractionation: p.same_fractionation,
                })
                .collect(),
        },
        nearest: a
            .nearest
            .iter()
            .map(|(s, why)| wire::Nearest {
                id: s.id.clone(),
                label: s.label.clone(),
                relation: nearness_text(why),
            })
            .collect(),
        class_level: a
            .class_level
            .iter()
            .map(|link| wire::ClassLevel {
                id: link.study.id.clone(),
                label: link.study.label.clone(),
                design: link.study.design,
                relation: class_text(link, &a.drug.name),
                results: results(link.study),
            })
            .collect(),
        interval: q.interval_days.map(|days| wire::Interval {
            days,
            next_dose_days: a.next_dose_days,
            holds: a
                .holds
                .iter()
                .map(|(g, met)| wire::Hold {
                    statement: g.id.clone(),
                    issuer: g.issuer.clone(),
                    hold_days: g.hold_days,
                    met: *met,
                    locator: g.locator.clone(),
                })
                .collect(),
            windows: a
                .windows
                .iter()
                .map(|w| wire::WindowCheck {
                    study: w.study.id.clone(),
                    window: window_text(&w.window),
                    inside: w.inside,
                    locator: w.study.timing.as_ref().map(|t| t.locator.clone()),
                })
                .collect(),
        }),
        disagreements: a.disagreements.iter().map(disagreement_text).collect(),
        caveats: a
            .caveats
            .iter()
            .map(|c| caveat_text(c, &a.drug.name))
            .collect(),
        disclaimer: DISCLAIMER,
    }
}
