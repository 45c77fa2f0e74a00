//! Renders analysis runs as Markdown (for report.md, assess and the HTML page) and as JSON.

use crate::wire::{self, fin};
use crate::words::{derivation_text, problem_text, reason_text, start_text};
use concur_evidence::AnalysisKind;
use concur_stats::{Analysis, Measure};
use concur_synthesis::{AnalysisRun, Counts, ModelRun, Row};

/// What the natural-scale estimate is called.
pub fn natural_name(m: Measure) -> &'static str {
    match m {
        m if m.is_proportion() => "risk",
        Measure::Rr => "risk ratio",
        Measure::Or => "odds ratio",
        Measure::Rd => "risk difference",
        Measure::Hr => "hazard ratio",
        _ => "estimate",
    }
}

/// Formats a natural-scale value: percent for risks and differences, two decimals for ratios.
pub fn fmt_natural(m: Measure, v: f64) -> String {
    if !v.is_finite() {
        return "-".into();
    }
    match m {
        m if m.is_proportion() => format!("{:.1}%", v * 100.0),
        Measure::Rd => format!("{:+.1} points", v * 100.0),
        _ => format!("{v:.2}"),
    }
}

/// `38.5% (95% CI 22.1% to 57.9%)`.
pub fn estimate_text(fit: &Analysis) -> String {
    let m = fit.spec.measure;
    let (e, lb, ub) = fit.transformed.map_or(
        (fit.pooled.estimate, fit.pooled.ci_lb, fit.pooled.ci_ub),
        |t| (t.estimate, t.ci_lb, t.ci_ub),
    );
    format!(
        "{} (95% CI {} to {})",
        fmt_natural(m, e),
        fmt_natural(m, lb),
        fmt_natural(m, ub)
    )
}

/// Prediction interval text, when defined and k > 1.
pub fn prediction_text(fit: &Analysis) -> Option<String> {
    let t = fit.transformed?;
    (fit.k > 1).then_some(())?;
    let (a, b) = (t.pi_lb?, t.pi_ub?);
    Some(format!(
        "{} to {}",
        fmt_natural(fit.spec.measure, a),
        fmt_natural(fit.spec.measure, b)
    ))
}

/// `PLO, GLMM` or `PFT, REML, Hartung-Knapp`.
pub fn model_name(run: &ModelRun) -> String {
    let mut name = format!("{}, {}", run.spec.measure.name(), run.spec.pooling.name());
    if run.spec.test == concur_stats::Test::Knha {
        name.push_str(", Hartung-Knapp");
    }
    name
}

fn counts(c: &Counts) -> String {
    format!(
        "{}/{}{}",
        c.events,
        c.total,
        if c.derivation.is_some() { "*" } else { "" }
    )
}

fn row_line(r: &Row<'_>, comparison: bool) -> String {
    let mut cells = vec![
        r.label.clone(),
        r.study.design.label().to_string(),
        counts(&r.group),
    ];
    if comparison {
        cells.push(r.control.as_ref().map_or("-".into(), counts));
    }
    let mut src = r.group.locator.clone();
    if let Some(c) = &r.control {
        if c.locator != r.group.locator {
            src.push_str("; ");
            src.push_str(&c.locator);
        }
    }
    cells.push(src);
    format!("| {} |\n", cells.join(" | "))
}

/// One analysis as Markdown: rows with sources, models, subgroups, certainty, notes.
pub fn run_markdown(run: &AnalysisRun<'_>, heading: &str) -> String {
    let d = run.decl;
    let comparison = d.kind == AnalysisKind::Comparison;
    let mut out = format!("{heading} {}\n\n", d.title);
    out.push_str(&format!(
        "Analysis `{}`; outcome: {} ({}), unit: {}.\n\n",
        d.id,
        d.terms.join(" / "),
        d.grade
            .as_deref()
            .map_or("as reported".to_string(), |g| format!(
                "grade {}",
                grade_label(g)
            )),
        d.unit.as_str()
    ));
    if comparison {
        out.push_str("| Study | Design | Group events/N | Comparator events/N | Source |\n|---|---|---|---|---|\n");
    } else {
        out.push_str("| Study | Design | Events/N | Source |\n|---|---|---|---|\n");
    }
    for r in &run.rows {
        out.push_str(&row_line(r, comparison));
    }
    let derived: Vec<String> = run
        .rows
        .iter()
        .flat_map(|r| {
            std::iter::once(&r.group)
                .chain(r.control.iter())
                .filter_map(move |c| {
                    c.derivation
                        .as_ref()
                        .map(|d| format!("{}: {}", r.label, derivation_text(d)))
                })
        })
        .collect();
    if !derived.is_empty() {
        out.push_str("\n\\* derived count:\n");
        for d in derived {
            out.push_str(&format!("- {d}\n"));
        }
    }
    for p in &run.problems {
        out.push_str(&format!("\n> Problem: {}\n", problem_text(p)));
    }
    if !run.models.is_empty() {
        out.push_str("\n| Model | Pooled | Prediction interval | tau² | I² | k |\n|---|---|---|---|---|---|\n");
        for m in &run.models {
            let name = format!(
                "{}{}",
                model_name(m),
                if m.primary { " (primary)" } else { "" }
            );
            match &m.result {
                Ok(fit) => out.push_str(&format!(
                    "| {name} | {}: {} | {} | {} | {} | {} |\n",
                    natural_name(fit.spec.measure),
                    estimate_text(fit),
                    prediction_text(fit).unwrap_or_else(|| "-".into()),
                    fit.tau2.map_or("-".into(), |t| format!("{t:.3}")),
                    fit.i2
                        .filter(|_| fit.k > 1)
                        .map_or("-".into(), |i| format!("{i:.0}%")),
                    fit.k
                )),
                Err(e) => out.push_str(&format!(
                    "| {name} | not estimable: {e} | - | - | - | - |\n"
                )),
            }
        }
        for m in run.models.iter().filter(|m| m.why.is_some()) {
            out.push_str(&format!(
                "\n- {}: {}",
                model_name(m),
                m.why.as_deref().unwrap_or("")
            ));
        }
        out.push('\n');
    }
    if let Some(Ok(s)) = &run.subgroups {
        out.push_str("\nBy subgroup:\n\n");
        for (name, fit) in &s.groups {
            out.push_str(&format!(
                "- {name}: {} ({})\n",
                estimate_text(fit),
                crate::words::count(fit.k, "row", "rows")
            ));
        }
        out.push_str(&format!(
            "- test for subgroup differences: Q({}) = {:.2}, p = {:.3}\n",
            s.q_between_df, s.q_between, s.q_between_p
        ));
    }
    out.push_str(&format!(
        "\nCertainty of evidence: **{}** (start {}).\n",
        run.certainty.level.as_str(),
        start_text(run.certainty.start)
    ));
    for r in &run.certainty.reasons {
        out.push_str(&format!("- {}\n", reason_text(r)));
    }
    if !d.excluded.is_empty() {
        out.push_str("\nNot included:\n");
        for x in &d.excluded {
            out.push_str(&format!("- {}: {}\n", x.study, x.reason));
        }
    }
    if let Some(n) = &d.note {
        out.push_str(&format!("\nNote: {n}\n"));
    }
    out
}

/// The pooled result in the assess/analyses JSON shape: natural-scale estimate and interval.
pub fn pooled_json(fit: &Analysis) -> wire::Pooled {
    let p = &fit.pooled;
    let (e, lb, ub, pl, pu) = fit
        .transformed
        .map_or((p.estimate, p.ci_lb, p.ci_ub, fit.pi_lb, fit.pi_ub), |t| {
            (t.estimate, t.ci_lb, t.ci_ub, t.pi_lb, t.pi_ub)
        });
    let several = fit.k > 1;
    wire::Pooled {
        measure: fit.spec.measure.name(),
        scale: natural_name(fit.spec.measure),
        method: fit.spec.pooling.name(),
        test: fit.spec.test.name(),
        estimate: fin(e),
        ci_lb: fin(lb),
        ci_ub: fin(ub),
        pi_lb: pl.filter(|_| several).and_then(fin),
        pi_ub: pu.filter(|_| several).and_then(fin),
        tau2: fit.tau2.and_then(fin),
        i2: fit.i2.filter(|_| several).and_then(fin),
        k: fit.k,
    }
}

/// One analysis as JSON.
pub fn run_json(run: &AnalysisRun<'_>) -> wire::Analysis {
    let group = |c: &Counts| wire::Group {
        events: c.events,
        total: c.total,
        term: c.term.clone(),
        locator: c.locator.clone(),
        basis: if c.derivation.is_some() {
            "derived"
        } else {
            "reported"
        },
        derivation: c.derivation.as_ref().map(derivation_text),
    };
    wire::Analysis {
        id: run.decl.id.clone(),
        title: run.decl.title.clone(),
        site: run.decl.site,
        kind: run.decl.kind,
        outcome: run.decl.terms.join(" / "),
        grade: run.decl.grade.clone(),
        unit: run.decl.unit,
        k: run.rows.len(),
        rows: run
            .rows
            .iter()
            .map(|r| wire::Row {
                label: r.label.clone(),
                study: r.study.id.clone(),
                design: r.study.design,
                group: group(&r.group),
                control: r.control.as_ref().map(group),
                subgroup: r.subgroup.clone(),
            })
            .collect(),
        pooled: run.primary().map(pooled_json),
        models: run
            .models
            .iter()
            .map(|m| wire::Model {
                model: model_name(m),
                primary: m.primary,
                why: m.why.clone(),
                result: match &m.result {
                    Ok(fit) => wire::ModelResult::Pooled(pooled_json(fit)),
                    Err(e) => wire::ModelResult::Error {
                        error: e.to_string(),
                    },
                },
            })
            .collect(),
        subgroups: run.subgroups.as_ref().map(|s| match s {
            Ok(s) => wire::AnalysisSubgroups::Fitted {
                groups: s
                    .groups
                    .iter()
                    .map(|(n, f)| wire::SubgroupPooled {
                        group: n.clone(),
                        pooled: pooled_json(f),
                    })
                    .collect(),
                q_between: fin(s.q_between),
                q_between_df: s.q_between_df,
                q_between_p: fin(s.q_between_p),
            },
            Err(e) => wire::AnalysisSubgroups::Error {
                error: e.to_string(),
            },
        }),
        certainty: certainty_json(&run.certainty),
        excluded: run.decl.excluded.clone(),
        note: run.decl.note.clone(),
        problems: run.problems.iter().map(problem_text).collect(),
    }
}

/// A certainty rating as JSON: the level, where it started, and each reason in words.
pub fn certainty_json(c: &concur_synthesis::Certainty) -> wire::Certainty {
    wire::Certainty {
        level: c.level.as_str(),
        start: start_text(c.start),
        reasons: crate::words::reasons_text(c),
    }
}

/// A grade as the review writes it (`>=3`), as people read it (`≥ 3`); kept as written when it
/// is not a grade.
pub(crate) fn grade_label(text: &str) -> String {
    concur_evidence::Grade::parse(text).map_or_else(|| text.to_string(), |g| g.label())
}

/// An analysis's result in a phrase: `risk 62.9% (95% CI 46.0% to 77.1%)`, or `not pooled
/// (acute radiation dermatitis: 3 events in 40 patients)`.
pub fn run_estimate_text(run: &AnalysisRun<'_>) -> String {
    match run.primary() {
        Some(f) => format!("{} {}", natural_name(f.spec.measure), estimate_text(f)),
        None => format!(
            "not pooled ({}: {} in {})",
            run.decl.terms.join(" / "),
            crate::words::events_text(run.total_events()),
            crate::words::units(run.total_patients(), run.decl.unit)
        ),
    }
}
