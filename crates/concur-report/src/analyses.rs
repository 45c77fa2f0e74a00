//! Runs the analyses a review declares: picks, for each row, the outcome record to use (printed
//! counts first; a derived count only when nothing better exists, with the arithmetic shown), fits
//! the primary and sensitivity models, tests subgroups, and rates the certainty of the evidence.

use concur_evidence::{
    AnalysisDecl, AnalysisKind, Grade, ModelSpec, Outcome, Review, Statistic, Study, TimingMode,
};
use concur_stats::{Analysis, Data, Measure, Pooling, Proportion, Spec, Subgroups, Test, TwoByTwo};

/// Counts of one group with where they come from.
#[derive(Debug, Clone, PartialEq)]
pub struct Counts {
    /// Patients with the outcome.
    pub events: u32,
    /// Patients in the group.
    pub total: u32,
    /// The record's locator.
    pub locator: String,
    /// How a count was derived, when one was.
    pub derivation: Option<String>,
    /// The outcome term as the study words it.
    pub term: String,
}

/// One row of an analysis, resolved.
#[derive(Debug, Clone)]
pub struct Row<'a> {
    /// Label in tables and plots.
    pub label: String,
    /// The study the row comes from.
    pub study: &'a Study,
    /// The group (or treatment group) counts.
    pub group: Counts,
    /// The control group counts, for comparisons.
    pub control: Option<Counts>,
    /// Subgroup label, for subgroup analysis.
    pub subgroup: Option<String>,
}

/// A model fitted (or not) for an analysis.
#[derive(Debug, Clone)]
pub struct ModelRun {
    /// Measure, method, test.
    pub spec: Spec,
    /// Why the review chose the model.
    pub why: Option<String>,
    /// Whether this is the primary model.
    pub primary: bool,
    /// The fit, or why it could not be made.
    pub result: Result<Analysis, String>,
}

/// GRADE-style certainty with its reasons.
#[derive(Debug, Clone, PartialEq)]
pub struct Certainty {
    /// `high`, `moderate`, `low` or `very low`.
    pub level: &'static str,
    /// Where the rating started and why.
    pub start: String,
    /// Each downgrade (or consideration) with its reason.
    pub reasons: Vec<String>,
}

/// A resolved and fitted analysis.
#[derive(Debug, Clone)]
pub struct AnalysisRun<'a> {
    /// The declaration in review.toml.
    pub decl: &'a AnalysisDecl,
    /// Resolved rows.
    pub rows: Vec<Row<'a>>,
    /// Rows that could not be resolved, with why.
    pub problems: Vec<String>,
    /// Primary model first, then sensitivity models.
    pub models: Vec<ModelRun>,
    /// Subgroup analysis, when every row has a subgroup label.
    pub subgroups: Option<Result<Subgroups, String>>,
    /// Certainty of the evidence.
    pub certainty: Certainty,
}

impl AnalysisRun<'_> {
    /// The primary model's result, when it fitted.
    pub fn primary(&self) -> Option<&Analysis> {
        self.models
            .iter()
            .find(|m| m.primary)
            .and_then(|m| m.result.as_ref().ok())
    }

    /// Total events across rows (both groups for comparisons).
    pub fn total_events(&self) -> u32 {
        self.rows
            .iter()
            .map(|r| r.group.events + r.control.as_ref().map_or(0, |c| c.events))
            .sum()
    }

    /// Total patients across rows.
    pub fn total_patients(&self) -> u32 {
        self.rows
            .iter()
            .map(|r| r.group.total + r.control.as_ref().map_or(0, |c| c.total))
            .sum()
    }
}

/// Runs every analysis of the review.
pub fn run_analyses(review: &Review) -> Vec<AnalysisRun<'_>> {
    review
        .meta
        .analyses
        .iter()
        .map(|a| run(review, a))
        .collect()
}

fn grade_matches(record: Option<&str>, wanted: Option<&str>) -> bool {
    match (record.and_then(Grade::parse), wanted.and_then(Grade::parse)) {
        (Some(a), Some(b)) => a == b,
        (None, None) => true,
        (None, Some(b)) => b == Grade::ANY && record.is_none(),
        (Some(_), None) => false,
    }
}

/// The N a group has: its timing count, else its arm size.
fn group_size(
    study: &Study,
    arm: Option<&str>,
    timing: Option<TimingMode>,
) -> Option<(u32, String)> {
    if let (Some(mode), Some(t)) = (timing, &study.timing) {
        let count = match mode {
            TimingMode::Concurrent => t.concurrent,
            TimingMode::Sequential => t.sequential,
            _ => None,
        };
        if let Some(c) = count {
            return Some((c, format!("{c} {mode} patients ({})", t.locator)));
        }
    }
    let arm = study.arm(arm?)?;
    arm.n
        .map(|n| (n, format!("{n} patients in `{}` ({})", arm.id, arm.locator)))
}

/// Picks the record for a group and turns it into counts.
fn pick(
    decl: &AnalysisDecl,
    study: &Study,
    arm: Option<&str>,
    timing: Option<TimingMode>,
    prefer: Option<&str>,
) -> Result<Counts, String> {
    let candidates: Vec<&Outcome> = study
        .outcomes
        .iter()
        .filter(|o| {
            o.kind == decl.outcome_kind
                && o.statistic == Statistic::Proportion
                && decl.terms.iter().any(|t| t.eq_ignore_ascii_case(&o.term))
                && grade_matches(o.grade.as_deref(), decl.grade.as_deref())
                && o.arm.as_deref() == arm
                && o.timing == timing
                && o.unit.is_none_or(|u| u == decl.unit)
                && prefer.is_none_or(|p| o.locator.contains(p))
        })
        .collect();
    let mut best: Option<(u8, Counts)> = None;
    for o in candidates {
        let Some(resolved) = resolve(study, o, arm, timing) else {
            continue;
        };
        if best.as_ref().is_none_or(|(rank, _)| resolved.0 < *rank) {
            best = Some(resolved);
        }
    }
    best.map(|(_, c)| c).ok_or_else(|| {
        format!(
            "{}: no {} record for {}{} with terms {:?}{}",
            study.id,
            decl.outcome_kind,
            arm.map_or("the whole study".to_string(), |a| format!("arm `{a}`")),
            timing.map_or(String::new(), |t| format!(", timing {t}")),
            decl.terms,
            decl.grade
                .as_deref()
                .map_or(String::new(), |g| format!(", grade {g}")),
        ) + &prefer.map_or(String::new(), |p| format!(" printed at `{p}`"))
    })
}

/// Counts from one record, ranked: 0 printed counts, 1 printed events with the group's N,
/// 2 counts the data file derives, 3 events derived from a printed percent.
fn resolve(
    study: &Study,
    o: &Outcome,
    arm: Option<&str>,
    timing: Option<TimingMode>,
) -> Option<(u8, Counts)> {
    let counts = |events: u32, total: u32, derivation: Option<String>| Counts {
        events,
        total,
        locator: o.locator.clone(),
        derivation,
        term: o.term.clone(),
    };
    let record_derivation = o.derivation.clone();
    match (o.events, o.denominator) {
        (Some(e), Some(n)) => {
            let rank = if o.derived.is_empty() { 0 } else { 2 };
            Some((rank, counts(e, n, record_derivation)))
        }
        (Some(e), None) => {
            let (n, from) = group_size(study, arm, timing)?;
            Some((1, counts(e, n, Some(format!("denominator = {from}")))))
        }
        (None, denominator) => {
            let pct = o.percent?;
            let (n, from) = match denominator {
                Some(n) => (n, format!("stated denominator {n}")),
                None => group_size(study, arm, timing)?,
            };
            let exact = pct / 100.0 * f64::from(n);
            let events = exact.round() as u32;
            let mut how =
                format!("events = {pct}% x {n} = {exact:.2}, rounded to {events} (N: {from})");
            if (exact - f64::from(events)).abs() > 0.05 {
                how.push_str(
                    "; the percent is not a whole number of patients out of N, see the audit",
                );
            }
            Some((3, counts(events, n, Some(how))))
        }
    }
}

/// Parses a model spec of the review.
fn parse_spec(m: &ModelSpec) -> Result<Spec, String> {
    let measure =
        Measure::parse(&m.measure).ok_or_else(|| format!("unknown measure `{}`", m.measure))?;
    let pooling =
        Pooling::parse(&m.method).ok_or_else(|| format!("unknown method `{}`", m.method))?;
    let test = match m.test.as_deref().map(str::to_ascii_lowercase).as_deref() {
        None | Some("z") => Test::Z,
        Some("knha") => Test::Knha,
        Some(other) => return Err(format!("unknown test `{other}`")),
    };
    Ok(Spec {
        measure,
        pooling,
        test,
        level: 95.0,
    })
}

fn run<'a>(review: &'a Review, decl: &'a AnalysisDecl) -> AnalysisRun<'a> {
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    for r in &decl.rows {
        let Some(study) = review.study(&r.study) else {
            problems.push(format!("unknown study {}", r.study));
            continue;
        };
        let prefer = r.prefer.as_deref();
        let group = pick(decl, study, r.arm.as_deref(), r.timing, prefer);
        let control = r
            .control
            .as_ref()
            .map(|c| pick(decl, study, c.arm.as_deref(), c.timing, prefer));
        match (group, control.transpose()) {
            (Ok(group), Ok(control)) => rows.push(Row {
                label: r.label.clone().unwrap_or_else(|| study.label.clone()),
                study,
                group,
                control,
                subgroup: r.subgroup.clone(),
            }),
            (Err(e), _) | (_, Err(e)) => problems.push(e),
        }
    }
    let data = match decl.kind {
        AnalysisKind::Comparison => Data::Tables(
            rows.iter()
                .filter_map(|r| {
                    r.control.as_ref().map(|c| TwoByTwo {
                        events_t: f64::from(r.group.events),
                        total_t: f64::from(r.group.total),
                        events_c: f64::from(c.events),
                        total_c: f64::from(c.total),
                    })
                })
                .collect(),
        ),
        _ => Data::Proportions(
            rows.iter()
                .map(|r| Proportion {
                    events: f64::from(r.group.events),
                    total: f64::from(r.group.total),
                })
                .collect(),
        ),
    };
    let mut models = Vec::new();
    if decl.kind != AnalysisKind::Descriptive && !data.is_empty() {
        let specs = decl
            .primary
            .iter()
            .map(|m| (m, true))
            .chain(decl.sensitivity.iter().map(|m| (m, false)));
        for (m, primary) in specs {
            match parse_spec(m) {
                Ok(spec) => models.push(ModelRun {
                    spec,
                    why: m.why.clone(),
                    primary,
                    result: concur_stats::analyse(&data, &spec).map_err(|e| e.to_string()),
                }),
                Err(e) => problems.push(format!("{}: {e}", decl.id)),
            }
        }
    }
    let labels: Vec<String> = rows.iter().filter_map(|r| r.subgroup.clone()).collect();
    let subgroups = match (
        labels.len() == rows.len() && !rows.is_empty(),
        models.iter().find(|m| m.primary),
    ) {
        (true, Some(primary)) => {
            Some(concur_stats::subgroups(&data, &labels, &primary.spec).map_err(|e| e.to_string()))
        }
        _ => None,
    };
    let mut out = AnalysisRun {
        decl,
        rows,
        problems,
        models,
        subgroups,
        certainty: Certainty {
            level: "very low",
            start: String::new(),
            reasons: Vec::new(),
        },
    };
    out.certainty = certainty(&out);
    out
}

/// The GRADE-style rating (rules in docs/certainty.md).
pub fn certainty(run: &AnalysisRun<'_>) -> Certainty {
    const LEVELS: [&str; 4] = ["very low", "low", "moderate", "high"];
    let randomised = !run.rows.is_empty()
        && run.decl.kind == AnalysisKind::Comparison
        && run.rows.iter().all(|r| r.study.design.is_randomised());
    let mut score: i32 = if randomised { 3 } else { 1 };
    let start = if randomised {
        "high: randomised comparison".to_string()
    } else if run.decl.kind == AnalysisKind::Comparison {
        "low: the groups compared were not randomised".to_string()
    } else {
        "low: single-group (observational) data".to_string()
    };
    let mut reasons = Vec::new();
    // Risk of bias: designs without a control of confounding, or reported only as case series.
    let weak: Vec<&str> = run
        .rows
        .iter()
        .filter(|r| {
            matches!(
                r.study.design,
                concur_evidence::Design::CaseReport
                    | concur_evidence::Design::CaseSeries
                    | concur_evidence::Design::RetrospectiveCohort
            )
        })
        .map(|r| r.study.label.as_str())
        .collect();
    if !weak.is_empty() {
        score -= 1;
        reasons.push(format!(
            "risk of bias, serious (-1): case reports, case series or retrospective cohorts ({})",
            dedup(weak).join(", ")
        ));
    }
    // Imprecision.
    let events = run.total_events();
    match run.primary() {
        Some(fit) if run.decl.kind != AnalysisKind::Descriptive => {
            let natural = fit
                .transformed
                .map_or((fit.ci_lb, fit.ci_ub), |t| (t.ci_lb, t.ci_ub));
            let ratio_scale = matches!(fit.spec.measure, Measure::Rr | Measure::Or | Measure::Hr);
            let (wide, very_wide, width) = if ratio_scale {
                let r = natural.1 / natural.0;
                (r > 3.0, r > 10.0, format!("upper/lower limit ratio {r:.1}"))
            } else {
                let w = natural.1 - natural.0;
                (
                    w > 0.2,
                    w > 0.4,
                    format!("interval width {:.0} percentage points", w * 100.0),
                )
            };
            if events < 10 || very_wide {
                score -= 2;
                reasons.push(format!(
                    "imprecision, very serious (-2): {events} events in total, {width}"
                ));
            } else if events < 30 || wide {
                score -= 1;
                reasons.push(format!(
                    "imprecision, serious (-1): {events} events in total, {width}"
                ));
            } else {
                reasons.push(format!(
                    "imprecision, not serious: {events} events, {width}"
                ));
            }
            // Inconsistency.
            if fit.k < 2 {
                reasons.push("inconsistency: not assessable (one study)".into());
            } else if fit.i2.is_some_and(|i| i > 50.0) {
                score -= 1;
                reasons.push(format!(
                    "inconsistency, serious (-1): I² = {:.0}%",
                    fit.i2.unwrap_or(0.0)
                ));
            } else {
                reasons.push(format!(
                    "inconsistency, not serious: I² = {:.0}%",
                    fit.i2.unwrap_or(0.0)
                ));
            }
        }
        _ => {
            score -= 2;
            reasons.push(format!(
                "imprecision, very serious (-2): {events} events in {} patients, not pooled",
                run.total_patients()
            ));
        }
    }
    // Indirectness: mixed timing, or outcome definitions that differ between rows.
    let mut indirect = Vec::new();
    let terms: Vec<&str> = dedup(run.rows.iter().map(|r| r.group.term.as_str()).collect());
    if terms.len() > 1 {
        indirect.push(format!("outcome definitions differ ({})", terms.join("; ")));
    }
    let mixed: Vec<&str> = run
        .rows
        .iter()
        .filter(|r| {
            // A row mixes timings when it takes the whole group that the study's timing counts
            // divide (its `of_arm`, or the study's only arm) without restricting the timing.
            let decl_row = run.decl.rows.iter().find(|d| {
                d.study == r.study.id
                    && r.label == d.label.clone().unwrap_or_else(|| r.study.label.clone())
            });
            let (row_arm, row_timing) =
                decl_row.map_or((None, None), |d| (d.arm.as_deref(), d.timing));
            r.control.is_none()
                && row_timing.is_none()
                && r.study.timing.as_ref().is_some_and(|t| {
                    t.mode == TimingMode::Mixed
                        && match &t.of_arm {
                            Some(of) => row_arm == Some(of.as_str()),
                            None => r.study.arms.len() <= 1,
                        }
                })
        })
        .map(|r| r.study.label.as_str())
        .collect();
    if !mixed.is_empty() {
        indirect.push(format!(
            "concurrent and sequential patients pooled together ({})",
            dedup(mixed).join(", ")
        ));
    }
    if !indirect.is_empty() {
        score -= 1;
        reasons.push(format!(
            "indirectness, serious (-1): {}",
            indirect.join("; ")
        ));
    }
    Certainty {
        level: LEVELS[score.clamp(0, 3) as usize],
        start,
        reasons,
    }
}

fn dedup(mut v: Vec<&str>) -> Vec<&str> {
    let mut seen = Vec::new();
    v.retain(|x| {
        if seen.contains(x) {
            false
        } else {
            seen.push(*x);
            true
        }
    });
    v
}
