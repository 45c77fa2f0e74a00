//! GRADE-style certainty of an analysis: where the rating starts, and each domain's concern with
//! the data behind it (rules in docs/certainty.md).

use crate::analyses::AnalysisRun;
use concur_evidence::{AnalysisKind, Design, RobLevel, RobTool, TimingMode, Unit};
use concur_stats::Measure;
use serde::Serialize;

/// The four GRADE levels, lowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Default)]
pub enum Level {
    /// Very low certainty.
    #[default]
    #[serde(rename = "very low")]
    VeryLow,
    /// Low certainty.
    #[serde(rename = "low")]
    Low,
    /// Moderate certainty.
    #[serde(rename = "moderate")]
    Moderate,
    /// High certainty.
    #[serde(rename = "high")]
    High,
}

impl Level {
    /// The level's name as GRADE writes it: `very low`, `low`, `moderate`, `high`.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::VeryLow => "very low",
            Level::Low => "low",
            Level::Moderate => "moderate",
            Level::High => "high",
        }
    }

    fn from_score(score: i32) -> Level {
        match score {
            i32::MIN..=0 => Level::VeryLow,
            1 => Level::Low,
            2 => Level::Moderate,
            _ => Level::High,
        }
    }
}

/// Where the rating starts, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Start {
    /// High: every row is a randomised comparison.
    Randomised,
    /// Low: the groups compared were not randomised.
    NonRandomisedComparison,
    /// Low: single-group (observational) data.
    #[default]
    SingleGroup,
}

/// The GRADE domains concur rates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Domain {
    /// Risk of bias.
    RiskOfBias,
    /// Imprecision.
    Imprecision,
    /// Inconsistency.
    Inconsistency,
    /// Indirectness.
    Indirectness,
}

/// How serious a domain's concern is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Concern {
    /// No downgrade.
    NotSerious,
    /// One level down.
    Serious,
    /// Two levels down.
    VerySerious,
    /// Cannot be judged from the data (e.g. one study for inconsistency).
    NotAssessable,
}

impl Concern {
    /// Levels taken off.
    pub fn downgrade(self) -> i32 {
        match self {
            Concern::Serious => 1,
            Concern::VerySerious => 2,
            Concern::NotSerious | Concern::NotAssessable => 0,
        }
    }
}

/// How wide a pooled interval is, on the scale its measure is read on.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "scale", content = "value", rename_all = "kebab-case")]
pub enum Width {
    /// Upper over lower limit, for ratio measures.
    Ratio(f64),
    /// Upper minus lower limit, in percentage points.
    Points(f64),
}

/// The data behind a domain's rating.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "basis", rename_all = "kebab-case")]
pub enum Basis {
    /// Rows from designs without a control of confounding (labels of their studies).
    WeakDesigns {
        /// Study labels, each once.
        studies: Vec<String>,
    },
    /// The reviewers' risk-of-bias judgements of the studies, and any studies without one whose
    /// design alone is weak.
    Judged {
        /// One per judged study.
        judgements: Vec<Judged>,
        /// Labels of unjudged studies without a control of confounding.
        unjudged_weak: Vec<String>,
    },
    /// Events and the pooled interval's width.
    Precision {
        /// Events in all rows.
        events: u32,
        /// The width.
        width: Width,
    },
    /// Nothing pooled: the counts alone.
    NotPooled {
        /// Events in all rows.
        events: u32,
        /// Patients (or lesions, or courses: see `unit`) in all rows.
        patients: u32,
        /// What the totals count.
        unit: Unit,
    },
    /// One study: nothing to be consistent with.
    OneStudy,
    /// Between-study heterogeneity.
    Heterogeneity {
        /// I² in percent.
        i2: f64,
    },
    /// Why the rows answer a slightly different question.
    Indirect {
        /// Outcome terms when rows define the outcome differently (two or more), else empty.
        terms: Vec<String>,
        /// Labels of studies whose rows pool concurrent and sequential patients together.
        mixed_timing: Vec<String>,
    },
}

/// A study's overall risk-of-bias judgement, as its reviewers entered it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Judged {
    /// The study's label.
    pub study: String,
    /// The tool used.
    pub tool: RobTool,
    /// The overall judgement in the tool's words.
    pub overall: String,
    /// Its level, when the tool knows the word (validation makes sure it does).
    pub level: Option<RobLevel>,
}

/// One domain's rating.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reason {
    /// The domain.
    pub domain: Domain,
    /// How serious.
    pub concern: Concern,
    /// The data behind it.
    pub basis: Basis,
}

/// GRADE-style certainty with its reasons.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Certainty {
    /// The level reached.
    pub level: Level,
    /// Where the rating started and why.
    pub start: Start,
    /// Each domain considered, downgrades and not.
    pub reasons: Vec<Reason>,
}

/// The GRADE-style rating of an analysis.
pub fn certainty(run: &AnalysisRun<'_>) -> Certainty {
    let randomised = !run.rows.is_empty()
        && run.decl.kind == AnalysisKind::Comparison
        && run.rows.iter().all(|r| r.study.design.is_randomised());
    let start = if randomised {
        Start::Randomised
    } else if run.decl.kind == AnalysisKind::Comparison {
        Start::NonRandomisedComparison
    } else {
        Start::SingleGroup
    };
    let mut reasons = Vec::new();
    let mut reason = |domain, concern, basis| {
        reasons.push(Reason {
            domain,
            concern,
            basis,
        })
    };
    // Risk of bias: the reviewers' judgements where a study has them; otherwise inferred from
    // the design (no control of confounding, or reported only as case series).
    let mut judged: Vec<Judged> = Vec::new();
    let mut weak: Vec<&str> = Vec::new();
    for r in &run.rows {
        match &r.study.risk_of_bias {
            Some(rob) if !judged.iter().any(|j| j.study == r.study.label) => {
                judged.push(Judged {
                    study: r.study.label.clone(),
                    tool: rob.tool,
                    overall: rob.overall.clone(),
                    level: rob.tool.overall_level(&rob.overall),
                });
            }
            Some(_) => {}
            None if matches!(
                r.study.design,
                Design::CaseReport | Design::CaseSeries | Design::RetrospectiveCohort
            ) =>
            {
                weak.push(r.study.label.as_str())
            }
            None => {}
        }
    }
    if judged.is_empty() {
        if !weak.is_empty() {
            reason(
                Domain::RiskOfBias,
                Concern::Serious,
                Basis::WeakDesigns {
                    studies: dedup(weak),
                },
            );
        }
    } else {
        let levels: Vec<RobLevel> = judged.iter().filter_map(|j| j.level).collect();
        let concern = if levels.contains(&RobLevel::Critical)
            || (!levels.is_empty()
                && levels.iter().all(|l| *l == RobLevel::High)
                && weak.is_empty())
        {
            Concern::VerySerious
        } else if levels
            .iter()
            .any(|l| matches!(l, RobLevel::Some | RobLevel::High))
            || !weak.is_empty()
        {
            Concern::Serious
        } else {
            Concern::NotSerious
        };
        reason(
            Domain::RiskOfBias,
            concern,
            Basis::Judged {
                judgements: judged,
                unjudged_weak: dedup(weak),
            },
        );
    }
    let events = run.total_events();
    match run.primary() {
        Some(fit) if run.decl.kind != AnalysisKind::Descriptive => {
            let natural = fit
                .transformed
                .map_or((fit.pooled.ci_lb, fit.pooled.ci_ub), |t| (t.ci_lb, t.ci_ub));
            let ratio_scale = matches!(fit.spec.measure, Measure::Rr | Measure::Or | Measure::Hr);
            let (wide, very_wide, width) = if ratio_scale {
                let r = natural.1 / natural.0;
                (r > 3.0, r > 10.0, Width::Ratio(r))
            } else {
                let w = natural.1 - natural.0;
                (w > 0.2, w > 0.4, Width::Points(w * 100.0))
            };
            let concern = if events < 10 || very_wide {
                Concern::VerySerious
            } else if events < 30 || wide {
                Concern::Serious
            } else {
                Concern::NotSerious
            };
            reason(
                Domain::Imprecision,
                concern,
                Basis::Precision { events, width },
            );
            if fit.k < 2 {
                reason(
                    Domain::Inconsistency,
                    Concern::NotAssessable,
                    Basis::OneStudy,
                );
            } else {
                let i2 = fit.i2.unwrap_or(0.0);
                let concern = if i2 > 50.0 {
                    Concern::Serious
                } else {
                    Concern::NotSerious
                };
                reason(Domain::Inconsistency, concern, Basis::Heterogeneity { i2 });
            }
        }
        _ => reason(
            Domain::Imprecision,
            Concern::VerySerious,
            Basis::NotPooled {
                events,
                patients: run.total_patients(),
                unit: run.decl.unit,
            },
        ),
    }
    // Indirectness: mixed timing, or outcome definitions that differ between rows.
    let terms = dedup(run.rows.iter().map(|r| r.group.term.as_str()).collect());
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
    if terms.len() > 1 || !mixed.is_empty() {
        reason(
            Domain::Indirectness,
            Concern::Serious,
            Basis::Indirect {
                terms: if terms.len() > 1 { terms } else { Vec::new() },
                mixed_timing: dedup(mixed),
            },
        );
    }
    let base = if randomised { 3 } else { 1 };
    let score = base - reasons.iter().map(|r| r.concern.downgrade()).sum::<i32>();
    Certainty {
        level: Level::from_score(score),
        start,
        reasons,
    }
}

/// The texts in their first order, each once.
fn dedup(v: Vec<&str>) -> Vec<String> {
    let mut seen: Vec<String> = Vec::new();
    for x in v {
        if !seen.iter().any(|s| s == x) {
            seen.push(x.to_string());
        }
    }
    seen
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_clamp_at_both_ends() {
        assert_eq!(Level::from_score(-3), Level::VeryLow);
        assert_eq!(Level::from_score(1), Level::Low);
        assert_eq!(Level::from_score(2), Level::Moderate);
        assert_eq!(Level::from_score(7), Level::High);
        assert_eq!(
            serde_json::to_value(Level::VeryLow).unwrap(),
            serde_json::json!("very low")
        );
    }

    #[test]
    fn not_assessable_and_not_serious_take_nothing_off() {
        assert_eq!(Concern::NotAssessable.downgrade(), 0);
        assert_eq!(Concern::NotSerious.downgrade(), 0);
        assert_eq!(Concern::VerySerious.downgrade(), 2);
    }
}
