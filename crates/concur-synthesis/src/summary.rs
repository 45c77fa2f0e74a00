//! The bottom line of an answer: three to six findings, each with the analysis or statements
//! behind it, chosen from the answer's own data (a front end words them).

use crate::analyses::AnalysisRun;
use crate::assess::{assess, Answer, Query};
use crate::evidence::Evidence;
use concur_evidence::{AnalysisKind, Site, Stance, Statement, TimingMode};

/// One finding of the bottom line.
#[derive(Debug, Clone)]
pub enum Finding<'a> {
    /// The pooled risk that matches the question best: the proportion analysis with the most
    /// rows that pooled.
    PooledRisk(&'a AnalysisRun<'a>),
    /// Matching studies but no pooled risk: the counts alone.
    NotPooled(&'a AnalysisRun<'a>),
    /// A comparison of two groups (the drug against none, say), pooled.
    Comparison(&'a AnalysisRun<'a>),
    /// The same outcome by timing subgroup (concurrent against sequential), with its test.
    ByTiming(&'a AnalysisRun<'a>),
    /// The estimate for the timing asked about, from the subgroup of that timing; the rows of
    /// other timings fall out.
    TimingAsked {
        /// The analysis by timing.
        analysis: &'a AnalysisRun<'a>,
        /// The subgroup of the timing asked.
        group: String,
        /// Labels of the rows left out.
        left_out: Vec<String>,
    },
    /// What the consensus statements recommend and whether they agree with each other.
    Guidance {
        /// Statements that advise avoiding, caution or a hold.
        restrictive: Vec<&'a Statement>,
        /// Statements that need no hold or call the combination feasible.
        permissive: Vec<&'a Statement>,
        /// The longest hold any of them recommends, in days.
        longest_hold: Option<u32>,
    },
    /// No analysis of the review compares concurrent with sequential timing for this question.
    NoTimingComparison,
    /// No study matches the question: only nearer or class-level evidence is shown.
    NoMatchingStudy {
        /// Studies of the same drug elsewhere or of its class at the site.
        nearest: usize,
    },
}

impl Finding<'_> {
    /// The analyses and statements the finding rests on, by id.
    pub fn sources(&self) -> Vec<String> {
        match self {
            Finding::PooledRisk(r)
            | Finding::NotPooled(r)
            | Finding::Comparison(r)
            | Finding::ByTiming(r) => vec![r.decl.id.clone()],
            Finding::TimingAsked { analysis, .. } => vec![analysis.decl.id.clone()],
            Finding::Guidance {
                restrictive,
                permissive,
                ..
            } => restrictive
                .iter()
                .chain(permissive)
                .map(|s| s.id.clone())
                .collect(),
            Finding::NoTimingComparison | Finding::NoMatchingStudy { .. } => Vec::new(),
        }
    }
}

/// The bottom line of an answer, most telling finding first.
pub fn bottom_line<'a>(answer: &Answer<'a>) -> Vec<Finding<'a>> {
    let mut out = Vec::new();
    if answer.studies.is_empty() {
        out.push(Finding::NoMatchingStudy {
            nearest: answer.nearest.len() + answer.class_level.len(),
        });
    }
    let proportions: Vec<&'a AnalysisRun<'a>> = answer
        .analyses
        .iter()
        .copied()
        .filter(|r| r.decl.kind == AnalysisKind::Proportion)
        .collect();
    let by_timing = proportions
        .iter()
        .copied()
        .find(|r| matches!(&r.subgroups, Some(Ok(s)) if s.groups.len() > 1));
    // A question about one timing leads with that timing's own estimate, when there is one.
    if let (Some(wanted), Some(run)) = (answer.query.timing, by_timing) {
        if let Some(Ok(s)) = &run.subgroups {
            if s.groups.iter().any(|(name, _)| name == wanted.as_str()) {
                out.push(Finding::TimingAsked {
                    analysis: run,
                    group: wanted.as_str().to_string(),
                    left_out: run
                        .rows
                        .iter()
                        .filter(|r| r.subgroup.as_deref() != Some(wanted.as_str()))
                        .map(|r| r.label.clone())
                        .collect(),
                });
            }
        }
    }
    let pooled = proportions
        .iter()
        .copied()
        .filter(|r| r.primary().is_some() && r.subgroups.is_none())
        .max_by_key(|r| (r.rows.len(), r.total_patients()));
    match pooled {
        Some(run) => out.push(Finding::PooledRisk(run)),
        None => {
            if let Some(run) = proportions
                .iter()
                .copied()
                .max_by_key(|r| r.total_patients())
            {
                out.push(Finding::NotPooled(run));
            }
        }
    }
    if let Some(run) = by_timing {
        out.push(Finding::ByTiming(run));
    }
    let comparisons: Vec<&'a AnalysisRun<'a>> = answer
        .analyses
        .iter()
        .copied()
        .filter(|r| r.decl.kind == AnalysisKind::Comparison && r.primary().is_some())
        .collect();
    // The comparison of timings first (what the question is about), then the largest other.
    let timing = comparisons
        .iter()
        .copied()
        .filter(|r| compares_timings(r))
        .max_by_key(|r| r.total_patients());
    let other = comparisons
        .iter()
        .copied()
        .filter(|r| !compares_timings(r))
        .max_by_key(|r| r.total_patients());
    out.extend(timing.into_iter().chain(other).map(Finding::Comparison));
    if by_timing.is_none() && timing.is_none() && !answer.studies.is_empty() {
        out.push(Finding::NoTimingComparison);
    }
    let restrictive: Vec<&Statement> = answer
        .guidance
        .iter()
        .copied()
        .filter(|g| matches!(g.stance, Stance::Avoid | Stance::Caution | Stance::Hold))
        .collect();
    let permissive: Vec<&Statement> = answer
        .guidance
        .iter()
        .copied()
        .filter(|g| matches!(g.stance, Stance::NoHold | Stance::Feasible))
        .collect();
    if !restrictive.is_empty() || !permissive.is_empty() {
        out.push(Finding::Guidance {
            longest_hold: answer.guidance.iter().filter_map(|g| g.hold_days).max(),
            restrictive,
            permissive,
        });
    }
    out.truncate(6);
    out
}

/// The bottom line of the review for each radiotherapy setting (brain, breast, bone), for the
/// drug its analyses are about (the one most of them name): what a report opens with.
pub fn bottom_lines<'a>(evidence: &'a Evidence<'_>) -> Vec<(Site, Vec<Finding<'a>>)> {
    let review = evidence.review;
    let mut named: Vec<(&str, usize)> = Vec::new();
    for id in review.meta.analyses.iter().flat_map(|a| a.drugs.iter()) {
        match named.iter_mut().find(|(d, _)| *d == id.as_str()) {
            Some((_, n)) => *n += 1,
            None => named.push((id, 1)),
        }
    }
    let Some((drug, _)) = named.iter().max_by_key(|(_, n)| *n) else {
        return Vec::new();
    };
    [Site::Brain, Site::Breast, Site::Bone]
        .into_iter()
        .filter_map(|site| {
            let query = Query {
                drug: drug.to_string(),
                site,
                technique: None,
                timing: None,
                dose_gy: None,
                fractions: None,
                interval_days: None,
            };
            let answer = assess(evidence, query).ok()?;
            Some((site, bottom_line(&answer)))
        })
        .collect()
}

/// Whether a comparison sets one timing against another (concurrent against sequential): its
/// group and control are restricted to, or are arms named after, different timings.
fn compares_timings(run: &AnalysisRun<'_>) -> bool {
    let timing_of = |arm: Option<&str>, timing: Option<TimingMode>| {
        timing.or_else(|| arm.and_then(TimingMode::parse))
    };
    run.decl.rows.iter().any(|r| {
        r.control.as_ref().is_some_and(|c| {
            let (g, k) = (
                timing_of(r.arm.as_deref(), r.timing),
                timing_of(c.arm.as_deref(), c.timing),
            );
            g.is_some() && k.is_some() && g != k
        })
    })
}
