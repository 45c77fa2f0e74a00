//! The answer to a clinician's question (drug, site, technique, timing, planned schedule) from
//! the review's studies, analyses and guidance, as data with references into the review.

use crate::analyses::AnalysisRun;
use crate::dose::{schedule_doses, DoseRow};
use crate::evidence::Evidence;
use crate::SynthesisError;
use concur_evidence::{
    fold_name, AnalysisKind, Drug, DrugClass, Review, Severity, Site, Stance, Statement, Study,
    Technique, TimingMode, Window,
};
use concur_stats::dose::Schedule;
use concur_stats::Measure;

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
    /// Planned days from a drug dose to the start of radiotherapy: positive when radiotherapy
    /// follows the dose, negative when it comes before.
    pub interval_days: Option<i32>,
}

/// A study of another drug that shares a class with the asked drug.
#[derive(Debug, Clone)]
pub struct ClassLink<'a> {
    /// The study.
    pub study: &'a Study,
    /// Its drug that shares the class.
    pub drug: &'a Drug,
    /// The class shared, with why its members' evidence bears on one another.
    pub class: &'a DrugClass,
}

/// Why a study is shown although it does not match the question.
#[derive(Debug, Clone)]
pub enum Nearness<'a> {
    /// The same drug at another site or with another technique.
    OtherSite {
        /// The sites the study irradiated.
        sites: Vec<Site>,
    },
    /// Another drug of the same class at the same site.
    SameClass(ClassLink<'a>),
}

/// A study's concurrency window set against the planned interval.
#[derive(Debug, Clone)]
pub struct WindowCheck<'a> {
    /// The study.
    pub study: &'a Study,
    /// Whether the planned interval falls inside the window.
    pub inside: bool,
    /// The window (days before and after a dose).
    pub window: Window,
}

/// Where statements disagree with each other or with the data.
#[derive(Debug, Clone)]
pub enum Disagreement<'a> {
    /// Some statements advise caution, a hold or avoidance; others need no hold or call the
    /// combination feasible.
    StatementsDiffer {
        /// Avoid, caution or hold.
        restrictive: Vec<&'a Statement>,
        /// No hold or feasible.
        permissive: Vec<&'a Statement>,
    },
    /// A statement's hold is shorter than the windows within which studies counted radiotherapy
    /// as concurrent.
    HoldInsideStudiedWindows {
        /// The statement.
        statement: &'a Statement,
        /// Its hold in days.
        hold_days: u32,
        /// Studies with a wider window.
        studies: Vec<(&'a Study, Window)>,
    },
    /// A comparison whose whole interval points to more harm with the drug (or the timing) than
    /// with its comparator, set against statements that need no hold or call the combination
    /// feasible. Only a comparison is set against a statement: a single-group rate has no
    /// baseline to say it is high, so it is described, not flagged.
    HarmAgainstPermissive {
        /// The comparison.
        analysis: &'a AnalysisRun<'a>,
        /// The permissive statements.
        statements: Vec<&'a Statement>,
    },
}

/// A caveat drawn from the data.
#[derive(Debug, Clone)]
pub enum Caveat<'a> {
    /// "Concurrent" is defined differently or not at all: each study with its definition.
    ConcurrentDefinitions(Vec<(&'a Study, Option<String>)>),
    /// Studies with fewer than 20 patients.
    SmallStudies(Vec<&'a Study>),
    /// Some counts in the analyses are derived (each is marked and explained).
    DerivedCounts,
    /// The audit finds the source contradicting itself for these studies: finding ids.
    SourceContradictions(Vec<String>),
    /// EQD2 of single-fraction radiosurgery is outside the LQ model's reliable range.
    RadiosurgeryEqd2,
    /// Matching studies that include other drugs too.
    OtherDrugs(Vec<&'a Study>),
    /// Studies with facts the sources do not verify (not entered).
    Unverified(Vec<&'a Study>),
    /// Matching studies whose technique the source does not state (kept, not dropped).
    TechniqueNotStated(Vec<&'a Study>),
    /// Analyses broader than the question: pooled over every technique when one was asked, or
    /// with rows that are not of the timing asked.
    BroaderThanAsked {
        /// The analysis.
        analysis: &'a AnalysisRun<'a>,
        /// Whether it covers every technique although one was asked.
        all_techniques: bool,
        /// Labels of rows that are not of the timing asked.
        other_timing: Vec<String>,
    },
}

/// The planned schedule's EQD2 for one endpoint, placed among the matching studies' schedules.
#[derive(Debug, Clone)]
pub struct PlannedDose<'a> {
    /// The endpoint, e.g. `late-cns`.
    pub endpoint: String,
    /// Its α/β (Gy).
    pub alpha_beta_gy: f64,
    /// EQD2 of the planned schedule (Gy).
    pub eqd2_gy: f64,
    /// Matching studies' schedules whose EQD2 range holds the plan's.
    pub within: Vec<(&'a Study, DoseRow)>,
    /// The studied schedule with the highest EQD2 below the plan's, if the plan is above some.
    pub below: Option<(&'a Study, DoseRow)>,
    /// The studied schedule with the lowest EQD2 above the plan's, if the plan is below some.
    pub above: Option<(&'a Study, DoseRow)>,
    /// Whether any matching study gave the same number of fractions as planned.
    pub same_fractionation: bool,
}

/// The answer, as data.
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
    pub nearest: Vec<(&'a Study, Nearness<'a>)>,
    /// Studies of other drugs sharing a class with the asked drug, at the site: class-level evidence.
    pub class_level: Vec<ClassLink<'a>>,
    /// For a planned interval: studies whose concurrency window contains it, and those whose does not.
    pub windows: Vec<WindowCheck<'a>>,
    /// For a planned interval: statements with a hold, and whether the plan meets it.
    pub holds: Vec<(&'a Statement, bool)>,
    /// For a planned interval after a dose: days from radiotherapy to the next dose, when the
    /// review knows the drug's cycle.
    pub next_dose_days: Option<i32>,
    /// Where statements disagree with each other or with the studies' definitions.
    pub disagreements: Vec<Disagreement<'a>>,
    /// Caveats drawn from the data.
    pub caveats: Vec<Caveat<'a>>,
    /// The planned schedule's EQD2 per endpoint, placed among the studied schedules.
    pub planned: Vec<PlannedDose<'a>>,
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
    site_match(study, site, technique) != SiteMatch::No
}

/// How a study matches the site and technique asked about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SiteMatch {
    /// The site, with the technique asked (or any technique when none was).
    Yes,
    /// The site, but the source does not say which technique: kept, and said so, rather than
    /// silently dropped.
    TechniqueNotStated,
    /// Another site, or another technique.
    No,
}

fn site_match(study: &Study, site: Site, technique: Option<Technique>) -> SiteMatch {
    let here: Vec<&concur_evidence::Radiotherapy> = study
        .radiotherapy
        .iter()
        .filter(|r| r.sites.iter().any(|s| site.covers(*s) || s.covers(site)))
        .collect();
    if here.is_empty() {
        return SiteMatch::No;
    }
    let Some(t) = technique else {
        return SiteMatch::Yes;
    };
    if here.iter().any(|r| r.techniques.contains(&t)) {
        SiteMatch::Yes
    } else if here
        .iter()
        .all(|r| r.techniques.iter().all(|x| *x == Technique::Unspecified))
    {
        SiteMatch::TechniqueNotStated
    } else {
        SiteMatch::No
    }
}

/// Answers the question from analysed evidence.
pub fn assess<'a>(evidence: &'a Evidence<'_>, query: Query) -> Result<Answer<'a>, SynthesisError> {
    let review = evidence.review;
    let runs = evidence.analyses();
    let drug = review
        .find_drug(&query.drug)
        .filter(|d| !d.group)
        .ok_or_else(|| unknown_drug(review, &query.drug))?;
    if query.dose_gy.is_some() != query.fractions.is_some() {
        return Err(SynthesisError::IncompleteSchedule);
    }
    if let (Some(total), Some(n)) = (query.dose_gy, query.fractions) {
        use concur_evidence::{MAX_FRACTIONS, MAX_FRACTION_DOSE_GY, MAX_TOTAL_DOSE_GY};
        let what = if !(total > 0.0 && total <= MAX_TOTAL_DOSE_GY) {
            Some(format!("{total:?} Gy in all"))
        } else if !((1.0..=MAX_FRACTIONS).contains(&n) && n.fract() == 0.0) {
            Some(format!("{n:?} fractions"))
        } else if total / n > MAX_FRACTION_DOSE_GY {
            Some(format!("{} Gy per fraction", total / n))
        } else {
            None
        };
        if let Some(what) = what {
            return Err(SynthesisError::ImpossibleSchedule { what });
        }
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
    let shared_class = |s: &'a Study| -> Option<ClassLink<'a>> {
        s.drug_ids()
            .iter()
            .filter_map(|id| review.find_drug(id))
            .filter(|d| d.id != drug.id)
            .find_map(|d| {
                review.shared_class(drug, d).map(|class| ClassLink {
                    study: s,
                    drug: d,
                    class,
                })
            })
    };
    let class_level: Vec<ClassLink<'a>> = review
        .studies
        .iter()
        .filter(|s| !has_drug(s) && at_site(s, query.site, query.technique))
        .filter_map(shared_class)
        .collect();
    let mut windows = Vec::new();
    let mut holds = Vec::new();
    // Radiotherapy `days` after a dose is also (cycle - days) before the next one; before a dose
    // (negative days) it is that far before it.
    let next_dose_days = query
        .interval_days
        .filter(|d| *d >= 0)
        .and_then(|d| drug.cycle_days.map(|c| c as i32 - d));
    if let Some(days) = query.interval_days {
        let before_next = if days < 0 {
            Some(-days)
        } else {
            next_dose_days
        };
        let after_last = (days >= 0).then_some(days);
        for s in studies
            .iter()
            .copied()
            .chain(class_level.iter().map(|c| c.study))
        {
            if let Some(w) = s.timing.as_ref().and_then(|t| t.window_days) {
                let inside = after_last.is_some_and(|d| d <= w.after as i32)
                    || before_next.is_some_and(|d| d <= w.before as i32);
                windows.push(WindowCheck {
                    study: s,
                    inside,
                    window: w,
                });
            }
        }
        for g in &guidance {
            if let Some(h) = g.hold_days {
                let h = h as i32;
                // The hold must stand on each side of radiotherapy that is known.
                let met = after_last.is_none_or(|d| d >= h) && before_next.is_none_or(|d| d >= h);
                holds.push((*g, met));
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
    let has_permissive = !permissive.is_empty();
    if !restrictive.is_empty() && has_permissive {
        disagreements.push(Disagreement::StatementsDiffer {
            restrictive,
            permissive: permissive.clone(),
        });
    }
    for g in guidance.iter().copied() {
        let Some(hold_days) = g.hold_days.filter(|h| *h > 0) else {
            continue;
        };
        let wider: Vec<(&Study, Window)> = studies
            .iter()
            .copied()
            .chain(class_level.iter().map(|c| c.study))
            .filter_map(|s| {
                s.timing
                    .as_ref()
                    .and_then(|t| t.window_days)
                    .filter(|w| w.after > hold_days || w.before > hold_days)
                    .map(|w| (s, w))
            })
            .collect();
        if !wider.is_empty() {
            disagreements.push(Disagreement::HoldInsideStudiedWindows {
                statement: g,
                hold_days,
                studies: wider,
            });
        }
    }
    for run in analyses
        .iter()
        .copied()
        .filter(|r| r.decl.kind == AnalysisKind::Comparison)
    {
        // Harm: a ratio whose interval lies above 1, or a risk difference above 0.
        let harm = run.primary().is_some_and(|fit| match fit.spec.measure {
            Measure::Rd => fit.pooled.ci_lb > 0.0,
            _ => fit
                .transformed
                .map_or(fit.pooled.ci_lb > 0.0, |t| t.ci_lb > 1.0),
        });
        if harm && has_permissive {
            disagreements.push(Disagreement::HarmAgainstPermissive {
                analysis: run,
                statements: permissive.clone(),
            });
        }
    }
    let mut nearest = Vec::new();
    if studies.is_empty() {
        for s in review.studies.iter().filter(|s| {
            has_drug(s) && !s.radiotherapy.is_empty() && !at_site(s, query.site, query.technique)
        }) {
            nearest.push((s, Nearness::OtherSite { sites: s.sites() }));
        }
        for link in &class_level {
            nearest.push((link.study, Nearness::SameClass(link.clone())));
        }
    }
    let mut caveats = Vec::new();
    let definitions: Vec<(&Study, Option<String>)> = studies
        .iter()
        .filter_map(|s| {
            s.timing
                .as_ref()
                .filter(|t| matches!(t.mode, TimingMode::Concurrent | TimingMode::Mixed))
                .map(|t| (*s, t.definition.clone()))
        })
        .collect();
    if !definitions.is_empty() {
        caveats.push(Caveat::ConcurrentDefinitions(definitions));
    }
    let small: Vec<&Study> = studies
        .iter()
        .copied()
        .filter(|s| s.n.as_ref().is_some_and(|n| n.value < 20))
        .collect();
    if !small.is_empty() {
        caveats.push(Caveat::SmallStudies(small));
    }
    if analyses.iter().any(|a| {
        a.rows.iter().any(|r| {
            r.group.derivation.is_some()
                || r.control.as_ref().is_some_and(|c| c.derivation.is_some())
        })
    }) {
        caveats.push(Caveat::DerivedCounts);
    }
    let flagged: Vec<String> = evidence
        .audit()
        .findings
        .iter()
        .filter(|f| studies.iter().any(|s| s.id == f.study) && f.severity == Severity::Error)
        .map(|f| f.id.clone())
        .collect();
    if !flagged.is_empty() {
        caveats.push(Caveat::SourceContradictions(flagged));
    }
    if query.technique == Some(Technique::Srs)
        || studies
            .iter()
            .any(|s| s.techniques().contains(&Technique::Srs))
    {
        caveats.push(Caveat::RadiosurgeryEqd2);
    }
    let mut planned = Vec::new();
    if let (Some(total), Some(fractions)) = (query.dose_gy, query.fractions) {
        let schedule = Schedule::new(total, fractions).map_err(SynthesisError::PlannedSchedule)?;
        for se in review
            .meta
            .radiobiology
            .site_endpoints
            .iter()
            .filter(|s| s.site == query.site)
        {
            for e in &se.endpoints {
                if let Some(ab) = review.alpha_beta(e) {
                    let eqd2_gy = schedule
                        .eqd2(ab.gy)
                        .map_err(SynthesisError::PlannedSchedule)?;
                    let rows: Vec<(&Study, DoseRow)> = studies
                        .iter()
                        .flat_map(|s| {
                            schedule_doses(review, s)
                                .into_iter()
                                .filter(|d| d.endpoint == *e)
                                .map(move |d| (*s, d))
                        })
                        .collect();
                    let lo = |d: &DoseRow| d.eqd2_gy[0].min(d.eqd2_gy[1]);
                    let hi = |d: &DoseRow| d.eqd2_gy[0].max(d.eqd2_gy[1]);
                    let within = rows
                        .iter()
                        .filter(|(_, d)| (lo(d) - 1e-9..=hi(d) + 1e-9).contains(&eqd2_gy))
                        .cloned()
                        .collect();
                    let below = rows
                        .iter()
                        .filter(|(_, d)| hi(d) < eqd2_gy)
                        .max_by(|a, b| hi(&a.1).total_cmp(&hi(&b.1)))
                        .cloned();
                    let above = rows
                        .iter()
                        .filter(|(_, d)| lo(d) > eqd2_gy)
                        .min_by(|a, b| lo(&a.1).total_cmp(&lo(&b.1)))
                        .cloned();
                    // Radiosurgery whose fractions are not reported is taken as one fraction,
                    // as its EQD2 is.
                    let same_fractionation = rows.iter().any(|(_, d)| {
                        let single = d
                            .assumptions
                            .contains(&crate::dose::DoseAssumption::RadiosurgerySingleFraction);
                        match d.fractions {
                            Some(f) => (f.min()..=f.max()).contains(&fractions),
                            None => single && fractions == 1.0,
                        }
                    });
                    planned.push(PlannedDose {
                        endpoint: e.clone(),
                        alpha_beta_gy: ab.gy,
                        eqd2_gy,
                        within,
                        below,
                        above,
                        same_fractionation,
                    });
                }
            }
        }
    }
    let mixed: Vec<&Study> = studies
        .iter()
        .copied()
        .filter(|s| s.drug_ids().iter().any(|d| *d != drug.id))
        .collect();
    if !mixed.is_empty() {
        caveats.push(Caveat::OtherDrugs(mixed));
    }
    let unverified: Vec<&Study> = studies
        .iter()
        .copied()
        .filter(|s| !s.unverified.is_empty())
        .collect();
    if !unverified.is_empty() {
        caveats.push(Caveat::Unverified(unverified));
    }
    let unstated: Vec<&Study> = studies
        .iter()
        .copied()
        .filter(|s| site_match(s, query.site, query.technique) == SiteMatch::TechniqueNotStated)
        .collect();
    if !unstated.is_empty() {
        caveats.push(Caveat::TechniqueNotStated(unstated));
    }
    for run in analyses.iter().copied() {
        let all_techniques = query.technique.is_some() && run.decl.techniques.is_empty();
        let other_timing: Vec<String> = match query.timing {
            Some(wanted) => run
                .rows
                .iter()
                .filter(|row| {
                    // Of the timing asked: restricted to it, from a study wholly of it, or a
                    // subgroup or arm that the review names after it.
                    let named = |name: Option<&str>| name == Some(wanted.as_str());
                    let mode = row
                        .timing
                        .or_else(|| row.study.timing.as_ref().map(|t| t.mode));
                    !(mode == Some(wanted)
                        || named(row.subgroup.as_deref())
                        || named(row.arm.as_deref()))
                })
                .map(|row| row.label.clone())
                .collect(),
            None => Vec::new(),
        };
        if all_techniques || !other_timing.is_empty() {
            caveats.push(Caveat::BroaderThanAsked {
                analysis: run,
                all_techniques,
                other_timing,
            });
        }
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
        next_dose_days,
        disagreements,
        caveats,
        planned,
    })
}

/// The error for a drug name the review does not know: the names it is closest to, and every
/// drug with its synonyms.
fn unknown_drug(review: &Review, name: &str) -> SynthesisError {
    let mut known: Vec<String> = review
        .drugs
        .iter()
        .filter(|d| !d.group)
        .map(|d| match d.synonyms.is_empty() {
            true => d.id.clone(),
            false => format!("{} ({})", d.id, d.synonyms.join(", ")),
        })
        .collect();
    known.sort();
    SynthesisError::UnknownDrug {
        name: name.to_string(),
        suggestions: suggestions(review, name),
        known,
    }
}

/// The review's drug names and synonyms closest to a misspelt name, best first: a typo or two
/// in a brand name (Kadcila) or a code (TDM1 written T-DMI) finds the drug.
pub(crate) fn suggestions(review: &Review, name: &str) -> Vec<String> {
    let wanted = fold_name(name);
    if wanted.is_empty() {
        return Vec::new();
    }
    let mut scored: Vec<(f64, String)> = review
        .drugs
        .iter()
        .filter(|d| !d.group)
        .flat_map(|d| {
            std::iter::once(&d.id)
                .chain(std::iter::once(&d.name))
                .chain(&d.synonyms)
                .map(move |n| (n, d))
        })
        .filter_map(|(n, d)| {
            let score = strsim::normalized_damerau_levenshtein(&wanted, &fold_name(n));
            let shown = if *n == d.id || fold_name(n) == fold_name(&d.id) {
                d.id.clone()
            } else {
                format!("{n} ({})", d.id)
            };
            (score >= 0.7).then_some((score, shown))
        })
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    let mut out: Vec<String> = Vec::new();
    for (_, shown) in scored {
        if !out.contains(&shown) && out.len() < 3 {
            out.push(shown);
        }
    }
    out
}
