//! The sentences for the synthesis's typed results: one place words each kind of finding, so
//! that every output format says the same thing the same way.

use crate::render::{estimate_text, natural_name};
use concur_evidence::{Stance, Statement, Study, Unit};
use concur_synthesis::{
    AnalysisRun, AnalysisState, Basis, Caveat, Certainty, ClassLink, Concern, Derivation,
    Disagreement, Domain, DoseAssumption, DoseRow, Finding, GroupSize, Nearness, PlannedDose,
    PrismaFlow, PrismaSource, Reason, RowProblem, SettingChange, Start, Width,
};

/// `1 study`, `2 studies`.
pub(crate) fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `Concurrent` from `concurrent`.
fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map_or(String::new(), |c| c.to_uppercase().chain(chars).collect())
}

/// `1 event`, `7 events`.
pub(crate) fn events_text(n: u32) -> String {
    count(n as usize, "event", "events")
}

/// A total in the unit it counts: `1 patient`, `40 lesions`, `3 courses`.
pub fn units(n: u32, unit: Unit) -> String {
    let (one, many) = match unit {
        Unit::Patient => ("patient", "patients"),
        Unit::Lesion => ("lesion", "lesions"),
        Unit::Course => ("course", "courses"),
        Unit::NotStated => ("(unit not stated)", "(unit not stated)"),
    };
    count(n as usize, one, many)
}

/// Where the certainty rating started: `low: single-group (observational) data`.
pub fn start_text(start: Start) -> &'static str {
    match start {
        Start::Randomised => "high: randomised comparison",
        Start::NonRandomisedComparison => "low: the groups compared were not randomised",
        Start::SingleGroup => "low: single-group (observational) data",
    }
}

fn width_text(w: Width) -> String {
    match w {
        Width::Ratio(r) => format!("upper/lower limit ratio {r:.1}"),
        Width::Points(p) => format!("interval width {p:.0} percentage points"),
    }
}

/// A domain and how serious its concern is: `imprecision, serious (-1)`.
pub fn reason_head(r: &Reason) -> String {
    let domain = match r.domain {
        Domain::RiskOfBias => "risk of bias",
        Domain::Imprecision => "imprecision",
        Domain::Inconsistency => "inconsistency",
        Domain::Indirectness => "indirectness",
    };
    let concern = match r.concern {
        Concern::NotSerious => ", not serious",
        Concern::Serious => ", serious (-1)",
        Concern::VerySerious => ", very serious (-2)",
        Concern::NotAssessable => "",
    };
    format!("{domain}{concern}")
}

/// One domain's rating: `imprecision, serious (-1): 14 events in total, interval width 31
/// percentage points`.
pub fn reason_text(r: &Reason) -> String {
    let basis = match &r.basis {
        Basis::WeakDesigns { studies } => format!(
            "case reports, case series or retrospective cohorts ({})",
            studies.join(", ")
        ),
        Basis::Judged {
            judgements,
            unjudged_weak,
        } => {
            let mut parts: Vec<String> = judgements
                .iter()
                .map(|j| {
                    format!(
                        "{} {} ({})",
                        j.study,
                        j.overall.replace('-', " "),
                        j.tool.name()
                    )
                })
                .collect();
            if !unjudged_weak.is_empty() {
                parts.push(format!(
                    "not judged, weak design: {}",
                    unjudged_weak.join(", ")
                ));
            }
            format!("judged {}", parts.join("; "))
        }
        Basis::Precision { events, width } if r.concern == Concern::NotSerious => {
            format!("{}, {}", events_text(*events), width_text(*width))
        }
        Basis::Precision { events, width } => {
            format!("{} in total, {}", events_text(*events), width_text(*width))
        }
        Basis::NotPooled {
            events,
            patients,
            unit,
        } => format!(
            "{} in {}, not pooled",
            events_text(*events),
            units(*patients, *unit)
        ),
        Basis::OneStudy => "not assessable (one study)".to_string(),
        Basis::Heterogeneity { i2 } => format!("I² = {i2:.0}%"),
        Basis::Indirect {
            terms,
            mixed_timing,
        } => {
            let mut parts = Vec::new();
            if !terms.is_empty() {
                parts.push(format!("outcome definitions differ ({})", terms.join("; ")));
            }
            if !mixed_timing.is_empty() {
                parts.push(format!(
                    "concurrent and sequential patients pooled together ({})",
                    mixed_timing.join(", ")
                ));
            }
            parts.join("; ")
        }
    };
    format!("{}: {basis}", reason_head(r))
}

/// Every reason of a rating, in order.
pub fn reasons_text(c: &Certainty) -> Vec<String> {
    c.reasons.iter().map(reason_text).collect()
}

fn size_text(size: &GroupSize) -> String {
    match size {
        GroupSize::Timing {
            count,
            mode,
            locator,
        } => format!("{count} {mode} patients ({locator})"),
        GroupSize::Arm { n, arm, locator } => format!("{n} patients in `{arm}` ({locator})"),
        GroupSize::Stated { n } => format!("stated denominator {n}"),
    }
}

/// How a count was derived, with its arithmetic.
pub fn derivation_text(d: &Derivation) -> String {
    match d {
        Derivation::Recorded { text } => text.clone(),
        Derivation::Denominator { size } => format!("denominator = {}", size_text(size)),
        Derivation::FromPercent {
            percent,
            size,
            exact,
            events,
        } => {
            let mut how = format!(
                "events = {percent}% x {} = {exact:.2}, rounded to {events} (N: {})",
                size.n(),
                size_text(size)
            );
            if d.uneven() {
                how.push_str(
                    "; the percent is not a whole number of patients out of N, see the audit",
                );
            }
            how
        }
    }
}

/// Why a declared row or model of an analysis could not be used.
pub fn problem_text(p: &RowProblem) -> String {
    match p {
        RowProblem::UnknownStudy { study } => format!("unknown study {study}"),
        RowProblem::NoRecord {
            study,
            outcome_kind,
            arm,
            timing,
            terms,
            grade,
            prefer,
        } => format!(
            "{study}: no {outcome_kind} record for {}{} with terms {terms:?}{}{}",
            arm.as_deref()
                .map_or("the whole study".to_string(), |a| format!("arm `{a}`")),
            timing.map_or(String::new(), |t| format!(", timing {t}")),
            grade.as_deref().map_or(String::new(), |g| format!(
                ", grade {}",
                crate::render::grade_label(g)
            )),
            prefer
                .as_deref()
                .map_or(String::new(), |p| format!(" printed at `{p}`")),
        ),
        RowProblem::BadModel {
            analysis,
            what,
            value,
        } => format!("{analysis}: unknown {what} `{value}`"),
    }
}

/// `30 Gy / 10 fx`, the schedule as reported.
pub fn dose_reported(d: &DoseRow) -> String {
    format!(
        "{} Gy{}",
        d.total_gy,
        d.fractions.map_or(String::new(), |f| format!(" / {f} fx"))
    )
}

/// An assumption made to normalise a schedule.
pub fn assumption_text(a: DoseAssumption) -> &'static str {
    match a {
        DoseAssumption::FractionsFromDosePerFraction => {
            "fractions = total dose / dose per fraction"
        }
        DoseAssumption::RadiosurgerySingleFraction => {
            "radiosurgery taken as a single fraction (fractions not reported); the LQ model is least reliable at these doses"
        }
    }
}

/// `32.5` or `128.0-288.0`, one decimal, lower value first.
pub fn range_text(v: [f64; 2]) -> String {
    let (lo, hi) = (v[0].min(v[1]), v[0].max(v[1]));
    if (hi - lo).abs() < 1e-9 {
        format!("{lo:.1}")
    } else {
        format!("{lo:.1}-{hi:.1}")
    }
}

/// A caveat as a sentence.
pub fn caveat_text(c: &Caveat<'_>, drug_name: &str) -> String {
    let labels = |v: &[&Study]| {
        v.iter()
            .map(|s| s.label.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    match c {
        Caveat::ConcurrentDefinitions(defs) => format!(
            "\"Concurrent\" is defined differently, or not at all: {}.",
            defs.iter()
                .map(|(s, d)| format!(
                    "{}: {}",
                    s.label,
                    d.as_deref().unwrap_or("not defined in the source")
                ))
                .collect::<Vec<_>>()
                .join("; ")
        ),
        Caveat::SmallStudies(v) => format!(
            "Small numbers: {} have fewer than 20 patients each.",
            labels(v)
        ),
        Caveat::DerivedCounts => "Some counts in the analyses are derived from printed percentages or group sizes; each is marked and explained.".into(),
        Caveat::SourceContradictions(ids) => format!(
            "The source contradicts itself on {} for these studies (see the audit): {}.",
            count(ids.len(), "point", "points"),
            ids.join(", ")
        ),
        Caveat::RadiosurgeryEqd2 => "EQD2 for single-fraction radiosurgery uses the linear-quadratic model outside its reliable range; read it as a rough comparison.".into(),
        Caveat::OtherDrugs(v) => format!(
            "Some matching studies also include other drugs, so their results are not specific to {drug_name}: {}.",
            labels(v)
        ),
        Caveat::TechniqueNotStated(v) => format!(
            "The source does not state the technique of {}; {} kept rather than left out.",
            labels(v),
            if v.len() == 1 { "it is" } else { "they are" }
        ),
        Caveat::BroaderThanAsked {
            analysis,
            all_techniques,
            other_timing,
        } => {
            let mut why = Vec::new();
            if *all_techniques {
                why.push("it pools every technique".to_string());
            }
            if !other_timing.is_empty() {
                why.push(format!(
                    "it includes rows not of the timing asked ({})",
                    other_timing.join(", ")
                ));
            }
            format!(
                "{} is broader than the question: {} [analysis `{}`].",
                analysis.decl.title,
                why.join("; "),
                analysis.decl.id
            )
        }
        Caveat::Unverified(v) => format!(
            "Unverified in the sources, so not entered: {}.",
            v.iter()
                .map(|s| format!("{} ({})", s.label, s.unverified.join("; ")))
                .collect::<Vec<_>>()
                .join("; ")
        ),
    }
}

/// Where guidance and data disagree, as a sentence.
pub fn disagreement_text(d: &Disagreement<'_>) -> String {
    match d {
        Disagreement::StatementsDiffer {
            restrictive,
            permissive,
        } => {
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
            format!(
                "Statements point different ways: {} versus {}.",
                list(restrictive),
                list(permissive)
            )
        }
        Disagreement::HoldInsideStudiedWindows {
            statement,
            hold_days,
            studies,
        } => format!(
            "{} recommends a {hold_days}-day hold, but these studies counted radiotherapy further from a dose as concurrent, so a plan that respects the hold can still fall inside the exposure they studied: {}.",
            statement.issuer,
            studies
                .iter()
                .map(|(s, w)| format!("{} (-{}/+{} days)", s.label, w.before, w.after))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Disagreement::HarmAgainstPermissive {
            analysis,
            statements,
        } => {
            let estimate = analysis.primary().map_or(String::new(), |fit| {
                format!(" ({} {})", natural_name(fit.spec.measure), estimate_text(fit))
            });
            format!(
                "{}{estimate} points to more harm than its comparator, while {} {} [analysis `{}`].",
                analysis.decl.title,
                issuers(statements).0,
                if issuers(statements).1 { "need no hold or call the combination feasible" } else { "needs no hold or calls the combination feasible" },
                analysis.decl.id
            )
        }
    }
}

/// `class-level: trastuzumab deruxtecan (her2-adc), not trastuzumab emtansine; why: ...`.
pub fn class_text(link: &ClassLink<'_>, drug_name: &str) -> String {
    format!(
        "class-level: {} ({}), not {drug_name}; why the class's evidence may bear on it: {} [{}]",
        link.drug.name, link.class.id, link.class.reason, link.class.locator
    )
}

/// Why a study that does not match the question is shown.
pub fn nearness_text(n: &Nearness<'_>) -> String {
    match n {
        Nearness::OtherSite { sites } => format!(
            "same drug, other site or technique ({})",
            sites
                .iter()
                .map(|s| s.label())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Nearness::SameClass(link) => format!(
            "same site, another drug of the same class: {} ({})",
            link.drug.name, link.class.id
        ),
    }
}

/// `from 7 days before to 21 days after a dose`.
pub fn window_text(w: &concur_evidence::Window) -> String {
    format!(
        "from {} days before to {} days after a dose",
        w.before, w.after
    )
}

/// An analysis as one edition has it: `proportion 39.1% [...]` or `not pooled (...)`.
pub fn state_text(s: &AnalysisState) -> String {
    match &s.pooled {
        Some(f) => format!("{} {}", natural_name(f.spec.measure), estimate_text(f)),
        None => format!(
            "not pooled ({}: {} in {})",
            s.outcome,
            events_text(s.events),
            units(s.patients, s.unit)
        ),
    }
}

/// The plain-language paragraph of what changed in one setting, assembled from the numbers: the
/// studies added grouped by drug, the pooled estimates that moved (or that none did), new
/// analyses and new statements by issuer.
pub fn setting_paragraph(c: &SettingChange, from: &str, to: &str) -> String {
    let site = c.site;
    let mut p = format!(
        "{}: the {from} edition held {} with {} radiotherapy",
        site.label(),
        count(c.studies_before, "study", "studies"),
        site.label().to_lowercase()
    );
    if c.added.is_empty() {
        p.push_str(&format!("; the {to} edition adds none."));
    } else {
        let mut by_drug: Vec<(String, Vec<&str>)> = Vec::new();
        for s in &c.added {
            let key = if s.drugs.is_empty() {
                "no study drug".to_string()
            } else {
                s.drugs.join(" + ")
            };
            match by_drug.iter_mut().find(|(k, _)| *k == key) {
                Some((_, labels)) => labels.push(&s.label),
                None => by_drug.push((key, vec![&s.label])),
            }
        }
        p.push_str(&format!(
            "; the {to} edition adds {}: {}.",
            c.added.len(),
            by_drug
                .iter()
                .map(|(drug, labels)| format!("{drug}: {}", labels.join(", ")))
                .collect::<Vec<_>>()
                .join("; ")
        ));
    }
    let mut moved = Vec::new();
    let mut unchanged = 0;
    for change in &c.analyses {
        match (&change.before, &change.after) {
            (Some(x), Some(y)) if x.same_as(y) => unchanged += 1,
            (Some(x), Some(y)) => moved.push(format!(
                "{} moves from {} ({}, certainty {}) to {} ({}, certainty {}).",
                change.title,
                state_text(x),
                count(x.rows, "row", "rows"),
                x.certainty.as_str(),
                state_text(y),
                count(y.rows, "row", "rows"),
                y.certainty.as_str()
            )),
            (None, Some(y)) => moved.push(format!(
                "New analysis — {}: {}, certainty {}.",
                change.title,
                state_text(y),
                y.certainty.as_str()
            )),
            (Some(x), None) => moved.push(format!(
                "{} is no longer analysed (was {}).",
                change.title,
                state_text(x)
            )),
            (None, None) => {}
        }
    }
    if moved.is_empty() && unchanged > 0 {
        p.push_str(" No pooled estimate changed.");
    } else {
        for m in &moved {
            p.push(' ');
            p.push_str(m);
        }
        if unchanged > 0 {
            p.push_str(&format!(
                " {} unchanged.",
                count(unchanged, "other analysis is", "other analyses are")
            ));
        }
    }
    if !c.new_guidance.is_empty() {
        let statements: Vec<String> = c
            .new_guidance
            .iter()
            .map(|g| {
                let stance = match (g.stance, g.hold_days) {
                    (Stance::Hold, Some(h)) => format!("hold {h} days"),
                    (Stance::NoHold, _) => "no hold needed".to_string(),
                    (s, Some(h)) if h > 0 => format!("{}, hold {h} days", s.label().to_lowercase()),
                    (s, _) => s.label().to_lowercase(),
                };
                format!("{} ({stance})", g.issuer)
            })
            .collect();
        p.push_str(&format!(" New statements: {}.", statements.join("; ")));
    }
    p
}

/// Where a PRISMA flow's counts come from, in words.
pub fn prisma_note(flow: &PrismaFlow) -> String {
    match &flow.source {
        PrismaSource::Review { note } => note.clone(),
        PrismaSource::Workspace {
            identified,
            searched,
            imported,
            deleted,
        } => {
            let imported_from = |source: &str| {
                imported
                    .iter()
                    .find(|(s, _)| s.eq_ignore_ascii_case(source))
                    .map_or(0, |(_, n)| *n)
            };
            let sources = identified
                .iter()
                .map(
                    |(source, k)| match searched.iter().find(|s| &s.database == source) {
                        Some(s) => format!(
                            "{source} {k} (saved search \"{}\" of {}; {} of them imported)",
                            s.name,
                            s.run_at.get(..10).unwrap_or(&s.run_at),
                            imported_from(source)
                        ),
                        None => format!("{source} {k} (imported)"),
                    },
                )
                .collect::<Vec<_>>()
                .join(", ");
            let screening = match &flow.screening {
                Some(_) => "Screening counts are the decisions in effect in the workspace's log (a resolution settles a conflict; include or maybe moves a record on to full text).",
                None => "Screening decisions are not recorded yet.",
            };
            format!(
                "Counts from the workspace: identified {sources}; duplicates removed by concur dedup; {deleted} deleted by PubMed update files. {screening}"
            )
        }
    }
}

/// Issuers of statements, each once, in order (`ESTRO consensus, source-review`), and whether
/// there are several.
fn issuers(statements: &[&Statement]) -> (String, bool) {
    let mut names: Vec<&str> = Vec::new();
    for s in statements {
        if !names.contains(&s.issuer.as_str()) {
            names.push(&s.issuer);
        }
    }
    (names.join(", "), names.len() > 1)
}

/// One finding of the bottom line as a sentence, naming its analysis where it has one.
pub fn finding_text(f: &Finding<'_>) -> String {
    let tally = |r: &AnalysisRun<'_>| {
        format!(
            "{} in {}",
            events_text(r.total_events()),
            units(r.total_patients(), r.decl.unit)
        )
    };
    match f {
        Finding::PooledRisk(r) => match r.primary() {
            Some(fit) => format!(
                "{}: {}{} {} from {} ({}); certainty {} [analysis `{}`].",
                r.decl.title,
                if r.rows.len() > 1 { "pooled " } else { "" },
                natural_name(fit.spec.measure),
                estimate_text(fit),
                count(r.rows.len(), "row", "rows"),
                tally(r),
                r.certainty.level.as_str(),
                r.decl.id
            ),
            None => format!("{}: not pooled [analysis `{}`].", r.decl.title, r.decl.id),
        },
        Finding::NotPooled(r) => format!(
            "{}: too little to pool ({}: {}); certainty {} [analysis `{}`].",
            r.decl.title,
            r.decl.terms.join(" / "),
            tally(r),
            r.certainty.level.as_str(),
            r.decl.id
        ),
        Finding::ByTiming(r) => match &r.subgroups {
            Some(Ok(s)) => format!(
                "By timing: {}; test for a difference p = {:.2}, certainty {} [analysis `{}`].",
                s.groups
                    .iter()
                    .map(|(name, fit)| format!("{name} {}", estimate_text(fit)))
                    .collect::<Vec<_>>()
                    .join(" against "),
                s.q_between_p,
                r.certainty.level.as_str(),
                r.decl.id
            ),
            _ => format!("{} [analysis `{}`].", r.decl.title, r.decl.id),
        },
        Finding::TimingAsked {
            analysis,
            group,
            left_out,
        } => match &analysis.subgroups {
            Some(Ok(s)) => match s.groups.iter().find(|(name, _)| name == group) {
                Some((_, fit)) => format!(
                    "{} only: {} {} from {}; left out as not {group}: {}; certainty {} [analysis `{}`].",
                    capitalised(group),
                    natural_name(fit.spec.measure),
                    estimate_text(fit),
                    count(fit.k, "row", "rows"),
                    if left_out.is_empty() { "none".to_string() } else { left_out.join(", ") },
                    analysis.certainty.level.as_str(),
                    analysis.decl.id
                ),
                None => format!("{} [analysis `{}`].", analysis.decl.title, analysis.decl.id),
            },
            _ => format!("{} [analysis `{}`].", analysis.decl.title, analysis.decl.id),
        },
        Finding::Comparison(r) => match r.primary() {
            Some(fit) => format!(
                "{}: {} {} from {}, {}; certainty {} [analysis `{}`].",
                r.decl.title,
                natural_name(fit.spec.measure),
                estimate_text(fit),
                count(r.rows.len(), "row", "rows"),
                // Whether the groups were randomised decides how far the comparison can be read
                // as cause.
                match r.certainty.start {
                    Start::Randomised => "randomised groups",
                    _ => "groups not randomised",
                },
                r.certainty.level.as_str(),
                r.decl.id
            ),
            None => format!("{}: not pooled [analysis `{}`].", r.decl.title, r.decl.id),
        },
        Finding::NoTimingComparison => {
            "No analysis in this review compares concurrent with sequential timing for this question.".into()
        }
        Finding::Guidance {
            restrictive,
            permissive,
            longest_hold,
        } => {
            let hold = longest_hold
                .filter(|h| *h > 0)
                .map_or(String::new(), |h| format!(" (the longest hold recommended: {h} days)"));
            let ((strict, strict_many), (easy, easy_many)) = (issuers(restrictive), issuers(permissive));
            let advise = if strict_many { "advise" } else { "advises" };
            let need = if easy_many { "need no hold or call" } else { "needs no hold or calls" };
            match (restrictive.is_empty(), permissive.is_empty()) {
                (false, false) => format!(
                    "The statements disagree: {strict} {advise} caution, a hold or avoidance{hold}; {easy} {need} the combination feasible."
                ),
                (false, true) => format!(
                    "The statements agree on caution: {strict} {advise} caution, a hold or avoidance{hold}."
                ),
                _ => format!("The statements agree: {easy} {need} the combination feasible."),
            }
        }
        Finding::NoMatchingStudy { nearest } => format!(
            "No study in the review matches this question; {} of the same drug elsewhere or of its class at this site {} shown below, to read with care.",
            count(*nearest, "study", "studies"),
            if *nearest == 1 { "is" } else { "are" }
        ),
    }
}

/// Where the planned schedule's EQD2 lies among the studied schedules, in one sentence.
pub fn placement_text(p: &PlannedDose<'_>, planned_fractions: f64) -> String {
    let studied = |(s, d): &(&Study, DoseRow)| {
        format!(
            "{}'s {} (EQD2 {} Gy)",
            s.label,
            dose_reported(d),
            range_text(d.eqd2_gy)
        )
    };
    let mut text = if !p.within.is_empty() {
        format!(
            "EQD2 {:.1} Gy for {} lies within {}",
            p.eqd2_gy,
            p.endpoint,
            p.within.iter().map(studied).collect::<Vec<_>>().join("; ")
        )
    } else {
        match (&p.below, &p.above) {
            (Some(b), Some(a)) => format!(
                "EQD2 {:.1} Gy for {} lies between {} and {}",
                p.eqd2_gy,
                p.endpoint,
                studied(b),
                studied(a)
            ),
            (Some(b), None) => format!(
                "EQD2 {:.1} Gy for {} is above every studied schedule; the highest is {}",
                p.eqd2_gy,
                p.endpoint,
                studied(b)
            ),
            (None, Some(a)) => format!(
                "EQD2 {:.1} Gy for {} is below every studied schedule; the lowest is {}",
                p.eqd2_gy,
                p.endpoint,
                studied(a)
            ),
            (None, None) => format!(
                "EQD2 {:.1} Gy for {}: no matching study reports a schedule to compare with",
                p.eqd2_gy, p.endpoint
            ),
        }
    };
    text.push_str(&format!(
        " (alpha/beta {} Gy, a model assumption from review.toml).",
        p.alpha_beta_gy
    ));
    if !p.same_fractionation && (p.below.is_some() || p.above.is_some() || !p.within.is_empty()) {
        text.push_str(&format!(
            " No matching study gave {}: the comparison rests on the linear-quadratic model.",
            count(planned_fractions.round() as usize, "fraction", "fractions")
        ));
    }
    text
}

/// The PRISMA flow as text for a terminal: each box on a line.
pub fn prisma_text(p: &PrismaFlow) -> String {
    let n = |v: Option<u64>| v.map_or("not recorded".to_string(), |n| n.to_string());
    let reasons = |list: &[(String, u64)]| {
        list.iter()
            .map(|(r, k)| format!("    - {r}: {k}\n"))
            .collect::<String>()
    };
    let mut s = String::from("PRISMA 2020 flow\n");
    let identified = match &p.source {
        PrismaSource::Workspace { identified, .. } => identified
            .iter()
            .map(|(src, k)| format!("{src} {k}"))
            .collect::<Vec<_>>()
            .join(", "),
        PrismaSource::Review { .. } => p.databases.join(", "),
    };
    s.push_str(&format!(
        "- records identified: {} ({identified})\n- duplicates removed: {}\n",
        n(p.records_identified),
        n(p.duplicates_removed)
    ));
    if let Some(sd) = &p.screening {
        let auto: u64 = sd.excluded_automatically.iter().map(|(_, k)| k).sum();
        s.push_str(&format!("- excluded by the review's hard limits: {auto}\n"));
        s.push_str(&reasons(&sd.excluded_automatically));
    }
    s.push_str(&format!("- records screened: {}\n", n(p.records_screened)));
    if let Some(a) = p.awaiting_screening {
        s.push_str(&format!("- awaiting screening: {a}\n"));
    }
    s.push_str(&format!("- records excluded: {}\n", n(p.records_excluded)));
    if let Some(sd) = &p.screening {
        s.push_str(&reasons(&sd.records_excluded));
        s.push_str(&format!(
            "- in conflict: {}\n- reports sought: {}\n",
            sd.conflicts, sd.reports_sought
        ));
    }
    s.push_str(&format!(
        "- reports assessed: {}\n- reports excluded: {}\n",
        n(p.reports_assessed),
        n(p.reports_excluded)
    ));
    if let Some(sd) = &p.screening {
        s.push_str(&reasons(&sd.reports_excluded));
        s.push_str(&format!(
            "- reports unsure or in conflict: {}\n- reports included: {}\n",
            sd.reports_unsettled, sd.reports_included
        ));
    }
    s.push_str(&format!(
        "- publications in the review: {}\n\n{}\n",
        p.included(),
        prisma_note(p)
    ));
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use concur_synthesis::{Basis, Concern, Domain, Reason, Width};

    #[test]
    fn ranges_read_low_to_high_whichever_way_they_come() {
        assert_eq!(range_text([64.6, 43.8]), "43.8-64.6");
        assert_eq!(range_text([43.8, 64.6]), "43.8-64.6");
        assert_eq!(range_text([32.5, 32.5]), "32.5");
    }

    #[test]
    fn each_concern_reads_as_grade_words() {
        let reason = |concern, basis| {
            reason_text(&Reason {
                domain: Domain::Imprecision,
                concern,
                basis,
            })
        };
        let precision = |events| Basis::Precision {
            events,
            width: Width::Points(31.0),
        };
        assert_eq!(
            reason(Concern::Serious, precision(14)),
            "imprecision, serious (-1): 14 events in total, interval width 31 percentage points"
        );
        assert_eq!(
            reason(Concern::NotSerious, precision(40)),
            "imprecision, not serious: 40 events, interval width 31 percentage points"
        );
        assert_eq!(
            reason_text(&Reason {
                domain: Domain::Inconsistency,
                concern: Concern::NotAssessable,
                basis: Basis::OneStudy,
            }),
            "inconsistency: not assessable (one study)"
        );
    }
}
