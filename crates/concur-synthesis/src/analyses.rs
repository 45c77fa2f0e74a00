//! Runs the analyses a review declares: picks, for each row, the outcome record to use (printed
//! counts first; a derived count only when nothing better exists, with the arithmetic shown), fits
//! the primary and sensitivity models, tests subgroups, and rates the certainty of the evidence.

use crate::certainty::{certainty, Certainty};
use concur_evidence::{
    AnalysisDecl, AnalysisKind, Grade, ModelSpec, Outcome, OutcomeKind, Review, Statistic, Study,
    TimingMode,
};
use concur_stats::{Analysis, Data, Proportion, Spec, StatsError, Subgroups, TwoByTwo};
use serde::Serialize;

/// Counts of one group with where they come from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Counts {
    /// Patients with the outcome.
    pub events: u32,
    /// Patients in the group.
    pub total: u32,
    /// The record's locator.
    pub locator: String,
    /// How a count was derived, when one was.
    pub derivation: Option<Derivation>,
    /// The outcome term as the study words it.
    pub term: String,
}

/// Where a group's size (N) was read.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "from", rename_all = "kebab-case")]
pub enum GroupSize {
    /// The study's count of patients with this timing.
    Timing {
        /// Patients.
        count: u32,
        /// Their timing.
        mode: TimingMode,
        /// Where the count is printed.
        locator: String,
    },
    /// The arm's size.
    Arm {
        /// Patients.
        n: u32,
        /// The arm's id.
        arm: String,
        /// Where the size is printed.
        locator: String,
    },
    /// The denominator the record states.
    Stated {
        /// The denominator.
        n: u32,
    },
}

impl GroupSize {
    /// The size.
    pub fn n(&self) -> u32 {
        match self {
            GroupSize::Timing { count, .. } => *count,
            GroupSize::Arm { n, .. } | GroupSize::Stated { n } => *n,
        }
    }
}

/// How a count used in an analysis was derived from what the source prints.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Derivation {
    /// The review file explains the derivation in its own words.
    Recorded {
        /// The explanation.
        text: String,
    },
    /// Printed events over the group's size.
    Denominator {
        /// Where N comes from.
        size: GroupSize,
    },
    /// Events from a printed percent of the group's size.
    FromPercent {
        /// The printed percent.
        percent: f64,
        /// Where N comes from.
        size: GroupSize,
        /// percent × N before rounding.
        exact: f64,
        /// The rounded events.
        events: u32,
    },
}

impl Derivation {
    /// Whether the percent is not a whole number of patients out of N (the audit says more).
    pub fn uneven(&self) -> bool {
        match self {
            Derivation::FromPercent { exact, events, .. } => {
                (exact - f64::from(*events)).abs() > 0.05
            }
            _ => false,
        }
    }
}

/// Why a declared row or model of an analysis could not be used.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum RowProblem {
    /// The row names a study the review does not hold.
    UnknownStudy {
        /// The study id.
        study: String,
    },
    /// No outcome record of the study fits the analysis for this group.
    NoRecord {
        /// The study id.
        study: String,
        /// The outcome kind the analysis reads.
        outcome_kind: OutcomeKind,
        /// The arm, or `None` for the whole study.
        arm: Option<String>,
        /// The timing asked for.
        timing: Option<TimingMode>,
        /// The outcome terms the analysis accepts.
        terms: Vec<String>,
        /// The grade asked for.
        grade: Option<String>,
        /// The locator the record must be printed at.
        prefer: Option<String>,
    },
    /// A model of the analysis names an unknown measure, method or test.
    BadModel {
        /// The analysis id.
        analysis: String,
        /// What is unknown.
        what: &'static str,
        /// The value found.
        value: String,
    },
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
    /// The timing the row is restricted to, when it is.
    pub timing: Option<TimingMode>,
    /// The arm the row reads, when it reads one.
    pub arm: Option<String>,
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
    pub result: Result<Analysis, StatsError>,
}

/// A resolved and fitted analysis.
#[derive(Debug, Clone)]
pub struct AnalysisRun<'a> {
    /// The declaration in review.toml.
    pub decl: &'a AnalysisDecl,
    /// Resolved rows.
    pub rows: Vec<Row<'a>>,
    /// Rows that could not be resolved, with why.
    pub problems: Vec<RowProblem>,
    /// Primary model first, then sensitivity models.
    pub models: Vec<ModelRun>,
    /// Subgroup analysis, when every row has a subgroup label.
    pub subgroups: Option<Result<Subgroups, StatsError>>,
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
fn group_size(study: &Study, arm: Option<&str>, timing: Option<TimingMode>) -> Option<GroupSize> {
    if let (Some(mode), Some(t)) = (timing, &study.timing) {
        let count = match mode {
            TimingMode::Concurrent => t.concurrent,
            TimingMode::Sequential => t.sequential,
            _ => None,
        };
        if let Some(count) = count {
            return Some(GroupSize::Timing {
                count,
                mode,
                locator: t.locator.clone(),
            });
        }
    }
    let arm = study.arm(arm?)?;
    arm.n.map(|n| GroupSize::Arm {
        n,
        arm: arm.id.clone(),
        locator: arm.locator.clone(),
    })
}

/// Picks the record for a group and turns it into counts.
fn pick(
    decl: &AnalysisDecl,
    study: &Study,
    arm: Option<&str>,
    timing: Option<TimingMode>,
    prefer: Option<&str>,
) -> Result<Counts, RowProblem> {
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
    best.map(|(_, c)| c).ok_or_else(|| RowProblem::NoRecord {
        study: study.id.clone(),
        outcome_kind: decl.outcome_kind,
        arm: arm.map(str::to_string),
        timing,
        terms: decl.terms.clone(),
        grade: decl.grade.clone(),
        prefer: prefer.map(str::to_string),
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
    let counts = |events: u32, total: u32, derivation: Option<Derivation>| Counts {
        events,
        total,
        locator: o.locator.clone(),
        derivation,
        term: o.term.clone(),
    };
    let record_derivation = o
        .derivation
        .clone()
        .map(|text| Derivation::Recorded { text });
    match (o.events, o.denominator) {
        (Some(e), Some(n)) => {
            let rank = if o.derived.is_empty() { 0 } else { 2 };
            Some((rank, counts(e, n, record_derivation)))
        }
        (Some(e), None) => {
            let size = group_size(study, arm, timing)?;
            let n = size.n();
            Some((1, counts(e, n, Some(Derivation::Denominator { size }))))
        }
        (None, denominator) => {
            let percent = o.percent?;
            let size = match denominator {
                Some(n) => GroupSize::Stated { n },
                None => group_size(study, arm, timing)?,
            };
            let n = size.n();
            let exact = percent / 100.0 * f64::from(n);
            let events = exact.round() as u32;
            let how = Derivation::FromPercent {
                percent,
                size,
                exact,
                events,
            };
            Some((3, counts(events, n, Some(how))))
        }
    }
}

/// Parses a model spec of the review.
fn parse_spec(analysis: &str, m: &ModelSpec) -> Result<Spec, RowProblem> {
    Spec::parse(&m.measure, &m.method, m.test.as_deref()).map_err(|what| RowProblem::BadModel {
        analysis: analysis.to_string(),
        what,
        value: match what {
            "measure" => m.measure.clone(),
            "method" => m.method.clone(),
            _ => m.test.clone().unwrap_or_default(),
        },
    })
}

fn run<'a>(review: &'a Review, decl: &'a AnalysisDecl) -> AnalysisRun<'a> {
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    for r in &decl.rows {
        let Some(study) = review.study(&r.study) else {
            problems.push(RowProblem::UnknownStudy {
                study: r.study.clone(),
            });
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
                timing: r.timing,
                arm: r.arm.clone(),
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
            match parse_spec(&decl.id, m) {
                Ok(spec) => models.push(ModelRun {
                    spec,
                    why: m.why.clone(),
                    primary,
                    result: concur_stats::analyse(&data, &spec),
                }),
                Err(e) => problems.push(e),
            }
        }
    }
    let labels: Vec<String> = rows.iter().filter_map(|r| r.subgroup.clone()).collect();
    let subgroups = match (
        labels.len() == rows.len() && !rows.is_empty(),
        models.iter().find(|m| m.primary),
    ) {
        (true, Some(primary)) => Some(concur_stats::subgroups(&data, &labels, &primary.spec)),
        _ => None,
    };
    let mut out = AnalysisRun {
        decl,
        rows,
        problems,
        models,
        subgroups,
        certainty: Certainty::default(),
    };
    out.certainty = certainty(&out);
    out
}
