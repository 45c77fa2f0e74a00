//! Validation on load: every rule a review must satisfy before concur will use it. Each problem
//! names the file, line and field, what was expected and what was found.
//!
//! Validation rejects data that cannot be right whatever the source says (events above their
//! denominator, unknown references, missing locators). Inconsistencies *of the source* are not
//! rejected here: they are entered as printed and reported by the audit.

use crate::error::Problem;
use crate::model::{Amount, Outcome, Review, Study};
use crate::rob::RobTool;
use crate::vocab::{Grade, Statistic, Unit};
use std::collections::BTreeSet;

/// Fields of an outcome that may be marked as derived.
const DERIVABLE: &[&str] = &["events", "denominator", "percent", "value", "ci"];

/// Collects problems for one file, locating each field.
struct Checker<'a> {
    review: &'a Review,
    problems: Vec<Problem>,
}

impl Checker<'_> {
    fn report(&mut self, file: &str, field: &str, expected: &str, found: String, hint: &str) {
        let (line, column) = self
            .review
            .locate(file, field)
            .map_or((None, None), |(l, c)| (Some(l), Some(c)));
        self.problems.push(Problem {
            file: file.to_string(),
            line,
            column,
            field: field.to_string(),
            expected: expected.to_string(),
            found,
            hint: (!hint.is_empty()).then(|| hint.to_string()),
        });
    }
}

/// The most fractions a schedule may have.
pub const MAX_FRACTIONS: f64 = 100.0;
/// The highest total dose a schedule may have, in Gy.
pub const MAX_TOTAL_DOSE_GY: f64 = 200.0;
/// The highest dose per fraction a schedule may have, in Gy.
pub const MAX_FRACTION_DOSE_GY: f64 = 50.0;

/// Runs every validation rule and returns the problems found (empty when the review is valid).
pub fn validate(review: &Review) -> Vec<Problem> {
    let mut c = Checker {
        review,
        problems: Vec::new(),
    };
    check_meta(&mut c);
    let mut seen = BTreeSet::new();
    for study in &review.studies {
        if !seen.insert(study.id.as_str()) {
            c.report(
                &study.file,
                "id",
                "a study id used by one file only",
                format!("`{}` again", study.id),
                "give each study file its own id",
            );
        }
        check_study(&mut c, study);
    }
    check_guidance(&mut c);
    check_analyses(&mut c);
    check_classes(&mut c);
    let mut acks = BTreeSet::new();
    for (i, ack) in review.acknowledgements.iter().enumerate() {
        if !acks.insert(ack.finding.as_str()) {
            c.report(
                "audit.toml",
                &format!("acknowledged[{i}].finding"),
                "each finding acknowledged once",
                format!("`{}` again", ack.finding),
                "merge the explanations into one entry",
            );
        }
        if ack.explanation.trim().is_empty() {
            c.report(
                "audit.toml",
                &format!("acknowledged[{i}].explanation"),
                "an explanation of why the finding is accepted",
                "an empty text".into(),
                "",
            );
        }
    }
    c.problems
}

fn check_meta(c: &mut Checker<'_>) {
    check_eligibility(c);
    let meta = &c.review.meta;
    let mut editions = BTreeSet::new();
    for (i, e) in meta.editions.iter().enumerate() {
        check_id(c, "review.toml", &format!("editions[{i}].id"), &e.id);
        if !editions.insert(e.id.as_str()) {
            c.report(
                "review.toml",
                &format!("editions[{i}].id"),
                "an edition id used once",
                format!("`{}` again", e.id),
                "",
            );
        }
        if let Some(date) = e.date.as_deref().filter(|d| !is_date(d)) {
            c.report(
                "review.toml",
                &format!("editions[{i}].date"),
                "a calendar date, YYYY-MM-DD",
                format!("`{date}`"),
                "",
            );
        }
    }
    for (i, src) in meta.sources.iter().enumerate() {
        check_id(c, "review.toml", &format!("sources[{i}].id"), &src.id);
    }
    if meta.sources.is_empty() {
        c.report(
            "review.toml",
            "sources",
            "at least one source document",
            "none".into(),
            "add a [[sources]] table for the publication the locators point into",
        );
    }
    let endpoints: BTreeSet<&str> = meta
        .radiobiology
        .alpha_beta
        .iter()
        .map(|a| a.endpoint.as_str())
        .collect();
    for (i, ab) in meta.radiobiology.alpha_beta.iter().enumerate() {
        if !(ab.gy.is_finite() && ab.gy > 0.0) {
            c.report(
                "review.toml",
                &format!("radiobiology.alpha_beta[{i}].gy"),
                "a positive α/β in Gy",
                ab.gy.to_string(),
                "",
            );
        }
    }
    for (i, se) in meta.radiobiology.site_endpoints.iter().enumerate() {
        for e in &se.endpoints {
            if !endpoints.contains(e.as_str()) {
                c.report(
                    "review.toml",
                    &format!("radiobiology.site_endpoints[{i}].endpoints"),
                    &format!("one of the α/β endpoints ({})", join(&endpoints)),
                    format!("`{e}`"),
                    "add an [[radiobiology.alpha_beta]] entry or fix the name",
                );
            }
        }
    }
}

/// Exclusion reason ids are stored with decisions and named on the command line: unique, in a
/// closed character set; every limit logs a reason the review lists; a year range runs forward.
fn check_eligibility(c: &mut Checker<'_>) {
    let e = &c.review.meta.eligibility;
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    let mut problems = Vec::new();
    for (i, r) in e.reasons.iter().enumerate() {
        let ok = !r.id.is_empty()
            && r.id.len() <= 64
            && r.id
                .chars()
                .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '-');
        if !ok {
            problems.push((
                format!("eligibility.reasons[{i}].id"),
                "an id of lower-case letters, digits and `-`".to_string(),
                format!("`{}`", r.id),
                String::new(),
            ));
        }
        if !seen.insert(r.id.as_str()) {
            problems.push((
                format!("eligibility.reasons[{i}].id"),
                "an id no other reason has".to_string(),
                format!("`{}` again", r.id),
                "give each reason its own id".to_string(),
            ));
        }
    }
    let l = &e.limits;
    for (field, reason) in [
        ("reason_language", &l.reason_language),
        ("reason_date", &l.reason_date),
        ("reason_type", &l.reason_type),
    ] {
        if let Some(r) = reason {
            if !seen.contains(r.as_str()) {
                problems.push((
                    format!("eligibility.limits.{field}"),
                    format!("one of the exclusion reasons ({})", join(&seen)),
                    format!("`{r}`"),
                    "add it as an [[eligibility.reasons]] entry".to_string(),
                ));
            }
        }
    }
    if let (Some(from), Some(until)) = (l.published_from, l.published_until) {
        if from > until {
            problems.push((
                "eligibility.limits.published_from".to_string(),
                format!("a year no later than published_until ({until})"),
                from.to_string(),
                String::new(),
            ));
        }
    }
    for (field, expected, found, hint) in problems {
        c.report("review.toml", &field, &expected, found, &hint);
    }
}

fn check_study(c: &mut Checker<'_>, study: &Study) {
    let review = c.review;
    let file = study.file.as_str();
    check_id(c, file, "id", &study.id);
    let stem = file
        .rsplit('/')
        .next()
        .and_then(|n| n.strip_suffix(".toml"))
        .unwrap_or(file);
    if study.id != stem {
        c.report(
            file,
            "id",
            &format!("the file name without .toml (`{stem}`)"),
            format!("`{}`", study.id),
            "rename the file or the id so that they match",
        );
    }
    if let Some(source) = &study.source {
        if !review.meta.sources.iter().any(|s| &s.id == source) {
            let known: BTreeSet<&str> = review.meta.sources.iter().map(|s| s.id.as_str()).collect();
            c.report(
                file,
                "source",
                &format!("a source id from review.toml ({})", join(&known)),
                format!("`{source}`"),
                "",
            );
        }
    }
    check_edition(c, file, "since", study.since.as_deref());
    require_edition(c, file, "since", study.since.as_deref());
    if let Some(parent) = &study.parent {
        if review.study(parent).is_none() {
            c.report(
                file,
                "parent",
                "the id of another study in this review",
                format!("`{parent}`"),
                "",
            );
        }
    }
    for field in ["design_locator", "population"] {
        let value = if field == "population" {
            &study.population
        } else {
            &study.design_locator
        };
        if value.trim().is_empty() {
            c.report(file, field, "a non-empty text", "an empty text".into(), "");
        }
    }
    if let Some(n) = &study.n {
        if n.locator.trim().is_empty() {
            missing_locator(c, file, "n.locator");
        }
    }

    // Arms.
    let mut arm_ids = BTreeSet::new();
    for (i, arm) in study.arms.iter().enumerate() {
        if !arm_ids.insert(arm.id.as_str()) {
            c.report(
                file,
                &format!("arms[{i}].id"),
                "an arm id unique in the study",
                format!("`{}` again", arm.id),
                "",
            );
        }
        if arm.locator.trim().is_empty() {
            missing_locator(c, file, &format!("arms[{i}].locator"));
        }
        for (j, drug) in arm.drugs.iter().enumerate() {
            if review.find_drug(drug).is_none_or(|d| &d.id != drug) {
                unknown_drug(c, file, &format!("arms[{i}].drugs[{j}]"), drug);
            }
        }
        if let Some(target) = &arm.subset_of {
            let ok = match target.split_once('/') {
                Some((sid, aid)) => review.study(sid).is_some_and(|s| s.arm(aid).is_some()),
                None => study.arm(target).is_some(),
            };
            if !ok {
                c.report(
                    file,
                    &format!("arms[{i}].subset_of"),
                    "an arm id of this study, or `study-id/arm-id`",
                    format!("`{target}`"),
                    "",
                );
            }
        }
    }
    check_arm_sizes(c, study);

    for (i, rt) in study.radiotherapy.iter().enumerate() {
        let base = format!("radiotherapy[{i}]");
        if rt.locator.trim().is_empty() {
            missing_locator(c, file, &format!("{base}.locator"));
        }
        if let Some(arm) = &rt.arm {
            check_arm_ref(c, study, &format!("{base}.arm"), arm);
        }
        if rt.sites.is_empty() {
            c.report(
                file,
                &format!("{base}.sites"),
                "at least one site",
                "none".into(),
                "",
            );
        }
        match (rt.patients, rt.unit) {
            (None, Some(unit)) => c.report(
                file,
                &format!("{base}.unit"),
                "a unit only with the count it describes (`patients`)",
                format!("`{}` without a count", unit.as_str()),
                "",
            ),
            (Some(_), Some(Unit::NotStated)) => c.report(
                file,
                &format!("{base}.unit"),
                "patient, lesion or course",
                "`not-stated`".into(),
                "a schedule's count says what it counts; leave the count out if the source does not say",
            ),
            (Some(count), None | Some(Unit::Patient)) => {
                if let Some(n) = study.n.as_ref().filter(|n| count > n.value) {
                    c.report(
                        file,
                        &format!("{base}.patients"),
                        &format!("at most the study's {} patients", n.value),
                        count.to_string(),
                        "if the source counts lesions or courses here, say so with `unit = \"lesion\"` or `unit = \"course\"`",
                    );
                }
            }
            _ => {}
        }
        for (name, amount) in [
            ("total_dose_gy", rt.total_dose_gy),
            ("fractions", rt.fractions),
            ("dose_per_fraction_gy", rt.dose_per_fraction_gy),
        ] {
            if let Some(a) = amount {
                if !(a.min() > 0.0 && a.min() <= a.max() && a.max().is_finite()) {
                    c.report(
                        file,
                        &format!("{base}.{name}"),
                        "a positive value or a range with min <= max",
                        a.to_string(),
                        "",
                    );
                    continue;
                }
                let (most, what) = match name {
                    "fractions" => (MAX_FRACTIONS, "fractions"),
                    "total_dose_gy" => (MAX_TOTAL_DOSE_GY, "Gy in all"),
                    _ => (MAX_FRACTION_DOSE_GY, "Gy per fraction"),
                };
                let whole =
                    name != "fractions" || (a.min().fract() == 0.0 && a.max().fract() == 0.0);
                if a.max() > most || !whole {
                    c.report(
                        file,
                        &format!("{base}.{name}"),
                        &format!(
                            "{}at most {most} {what}",
                            if name == "fractions" {
                                "a whole number of fractions, "
                            } else {
                                ""
                            }
                        ),
                        a.to_string(),
                        "",
                    );
                }
            }
        }
        if let (Some(Amount::Value(total)), Some(Amount::Value(n)), Some(Amount::Value(d))) =
            (rt.total_dose_gy, rt.fractions, rt.dose_per_fraction_gy)
        {
            if (n * d - total).abs() > 0.01 * total {
                c.report(
                    file,
                    &format!("{base}.total_dose_gy"),
                    &format!("fractions × dose per fraction ({n} × {d} = {} Gy)", n * d),
                    format!("{total} Gy"),
                    "check the schedule against the source",
                );
            }
        }
        check_derived(
            c,
            file,
            &base,
            &rt.derived,
            rt.derivation.as_deref(),
            &["total_dose_gy", "fractions", "dose_per_fraction_gy"],
        );
    }

    if let Some(t) = &study.timing {
        if t.locator.trim().is_empty() {
            missing_locator(c, file, "timing.locator");
        }
        let pool = match &t.of_arm {
            Some(arm) => {
                check_arm_ref(c, study, "timing.of_arm", arm);
                study.arm(arm).and_then(|a| a.n)
            }
            None => study.n.as_ref().map(|n| n.value),
        };
        for (name, count) in [("concurrent", t.concurrent), ("sequential", t.sequential)] {
            if let (Some(count), Some(pool)) = (count, pool) {
                if count > pool {
                    c.report(
                        file,
                        &format!("timing.{name}"),
                        &format!("at most the {pool} patients it divides"),
                        count.to_string(),
                        "",
                    );
                }
            }
        }
    }

    for (i, outcome) in study.outcomes.iter().enumerate() {
        check_outcome(c, study, i, outcome);
        check_edition(
            c,
            file,
            &format!("outcomes[{i}].since"),
            outcome.since.as_deref(),
        );
    }
    for (i, e) in study.experiments.iter().enumerate() {
        if e.locator.trim().is_empty() {
            missing_locator(c, file, &format!("experiments[{i}].locator"));
        }
        for (j, drug) in e.agents.iter().enumerate() {
            if review.find_drug(drug).is_none_or(|d| &d.id != drug) {
                unknown_drug(c, file, &format!("experiments[{i}].agents[{j}]"), drug);
            }
        }
    }
    for (i, m) in study.mentions.iter().enumerate() {
        if m.reference == 0 {
            c.report(
                file,
                &format!("mentions[{i}].reference"),
                "a reference number from 1",
                "0".into(),
                "",
            );
        }
        if m.locator.trim().is_empty() {
            missing_locator(c, file, &format!("mentions[{i}].locator"));
        }
    }
    for (i, claim) in study.claims.iter().enumerate() {
        if claim.locator.trim().is_empty() {
            missing_locator(c, file, &format!("claims[{i}].locator"));
        }
        check_edition(
            c,
            file,
            &format!("claims[{i}].since"),
            claim.since.as_deref(),
        );
    }
    check_risk_of_bias(c, study);
    if let Some(x) = &study.extraction {
        if x.extracted_by.is_empty() {
            c.report(
                file,
                "extraction.extracted_by",
                "the reviewers whose extraction was accepted",
                "none".into(),
                "",
            );
        }
    }
}

fn check_risk_of_bias(c: &mut Checker<'_>, study: &Study) {
    let Some(rob) = &study.risk_of_bias else {
        return;
    };
    let file = study.file.as_str();
    let tool = rob.tool;
    match RobTool::for_study(study) {
        Some(fits) if fits != tool => c.report(
            file,
            "risk_of_bias.tool",
            &format!(
                "the tool that fits a {} with {} arm(s): {}",
                study.design.label(),
                study.arms.len(),
                fits
            ),
            format!("`{tool}`"),
            "RoB 2 for randomised trials, ROBINS-I for non-randomised comparisons, JBI's checklists for single groups (jbi-case-series) and case reports (jbi-case-report)",
        ),
        None => c.report(
            file,
            "risk_of_bias",
            &format!("no risk-of-bias tool for a {}", study.design.label()),
            format!("`{tool}`"),
            "",
        ),
        _ => {}
    }
    if tool.overall_level(&rob.overall).is_none() {
        c.report(
            file,
            "risk_of_bias.overall",
            &format!(
                "one of {}",
                words_of(tool.overall_answers().iter().map(|a| a.0))
            ),
            format!("`{}`", rob.overall),
            "",
        );
    }
    let mut seen = BTreeSet::new();
    for (i, d) in rob.domains.iter().enumerate() {
        let base = format!("risk_of_bias.domains[{i}]");
        if !tool.domains().iter().any(|(id, _)| *id == d.domain) {
            c.report(
                file,
                &format!("{base}.domain"),
                &format!(
                    "a domain of {} ({})",
                    tool.name(),
                    words_of(tool.domains().iter().map(|d| d.0))
                ),
                format!("`{}`", d.domain),
                "",
            );
        } else if !seen.insert(d.domain.as_str()) {
            c.report(
                file,
                &format!("{base}.domain"),
                "each domain judged once",
                format!("`{}` again", d.domain),
                "",
            );
        }
        if tool.level(&d.judgement).is_none() {
            c.report(
                file,
                &format!("{base}.judgement"),
                &format!("one of {}", words_of(tool.answers().iter().map(|a| a.0))),
                format!("`{}`", d.judgement),
                "",
            );
        }
        if d.support.trim().is_empty() {
            c.report(
                file,
                &format!("{base}.support"),
                "a quote or our words on what the paper reports",
                "an empty text".into(),
                "",
            );
        }
        if d.locator.trim().is_empty() {
            missing_locator(c, file, &format!("{base}.locator"));
        }
    }
    for (id, what) in tool.domains() {
        if !seen.contains(id) && !rob.domains.iter().any(|d| d.domain == *id) {
            c.report(
                file,
                "risk_of_bias.domains",
                &format!("a judgement for every domain of {}", tool.name()),
                format!("none for {id} ({what})"),
                &format!("add [[risk_of_bias.domains]] with domain = \"{id}\", judgement, support and locator"),
            );
        }
    }
}

fn words_of<'a>(words: impl Iterator<Item = &'a str>) -> String {
    words.collect::<Vec<_>>().join(", ")
}

/// The study's own arms (not subsets of other arms) must add up to the study's size.
fn check_arm_sizes(c: &mut Checker<'_>, study: &Study) {
    let Some(n) = &study.n else { return };
    let top: Vec<u32> = study
        .arms
        .iter()
        .filter(|a| a.subset_of.is_none())
        .filter_map(|a| a.n)
        .collect();
    if top.is_empty() {
        return;
    }
    let sum: u32 = top.iter().sum();
    let parts = top
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(" + ");
    if sum > n.value || (sum < n.value && !study.arms_partial) {
        c.report(
            &study.file,
            "arms",
            &format!("arm sizes that add up to the study size n = {}", n.value),
            format!("{parts} = {sum}"),
            if sum > n.value {
                "arms cannot hold more patients than the study; check n and the arm sizes"
            } else {
                "fix the sizes, or set arms_partial = true if the arms cover only some patients"
            },
        );
    }
}

fn check_outcome(c: &mut Checker<'_>, study: &Study, i: usize, o: &Outcome) {
    let file = study.file.as_str();
    let base = format!("outcomes[{i}]");
    if o.locator.trim().is_empty() {
        missing_locator(c, file, &format!("{base}.locator"));
    }
    if o.term.trim().is_empty() {
        c.report(
            file,
            &format!("{base}.term"),
            "a term or endpoint",
            "an empty text".into(),
            "",
        );
    }
    for (name, arm) in [("arm", &o.arm), ("versus", &o.versus)] {
        if let Some(arm) = arm {
            check_arm_ref(c, study, &format!("{base}.{name}"), arm);
        }
    }
    if let Some(grade) = &o.grade {
        if Grade::parse(grade).is_none() {
            c.report(
                file,
                &format!("{base}.grade"),
                "`any`, a grade 1-5, `>=N` or a band `N-M`",
                format!("`{grade}`"),
                "",
            );
        }
    }
    if let (Some(events), Some(den)) = (o.events, o.denominator) {
        if events > den {
            c.report(
                file,
                &format!("{base}.events"),
                &format!("events no more than the denominator ({den})"),
                events.to_string(),
                "check which number is the denominator in the source",
            );
        }
    }
    if o.denominator == Some(0) {
        c.report(
            file,
            &format!("{base}.denominator"),
            "a denominator above 0",
            "0".into(),
            "",
        );
    }
    if let Some(p) = o.percent {
        if !(0.0..=100.0).contains(&p) {
            c.report(
                file,
                &format!("{base}.percent"),
                "a percent from 0 to 100",
                p.to_string(),
                "",
            );
        }
    }
    if matches!(
        o.statistic,
        Statistic::CumulativeIncidence | Statistic::RateAtTime
    ) {
        if o.percent.is_none() {
            c.report(
                file,
                &format!("{base}.percent"),
                &format!("the percent of the statistic `{}`", o.statistic),
                "no percent".into(),
                "",
            );
        }
        if o.unit.is_none() {
            c.report(
                file,
                &format!("{base}.unit"),
                "the unit of analysis of the rate (patient, lesion, course, or not-stated)",
                "no unit".into(),
                "every rate must say what it counts; use not-stated when the source does not say",
            );
        }
    } else if o.statistic == Statistic::Proportion {
        if o.events.is_none() && o.denominator.is_none() && o.percent.is_none() {
            c.report(
                file,
                &base,
                "a proportion with events, denominator or percent",
                "none of them".into(),
                "enter what the source prints, or use another statistic",
            );
        }
        if o.unit.is_none() {
            c.report(
                file,
                &format!("{base}.unit"),
                "the unit of analysis of the rate (patient, lesion, course, or not-stated)",
                "no unit".into(),
                "every rate must say what it counts",
            );
        }
    } else if o.value.is_none() && o.p.is_none() {
        c.report(
            file,
            &format!("{base}.value"),
            &format!("a value for the statistic `{}`", o.statistic),
            "no value".into(),
            "",
        );
    }
    if let Some([lb, ub]) = o.ci {
        let inside = o.value.is_none_or(|v| lb <= v && v <= ub);
        if lb > ub || !inside {
            c.report(
                file,
                &format!("{base}.ci"),
                "an interval [lower, upper] that contains the value",
                format!(
                    "[{lb}, {ub}] with value {}",
                    o.value.map_or("-".into(), |v| v.to_string())
                ),
                "",
            );
        }
    }
    if let Some(p) = &o.p {
        if parse_p(p).is_none() {
            c.report(
                file,
                &format!("{base}.p"),
                "a p value such as `0.02` or `<0.001`",
                format!("`{p}`"),
                "",
            );
        }
    }
    check_derived(
        c,
        file,
        &base,
        &o.derived,
        o.derivation.as_deref(),
        DERIVABLE,
    );
}

/// Parses a printed p value: `0.02`, `<0.001`, `< 0.01`.
pub fn parse_p(text: &str) -> Option<(Option<char>, f64)> {
    let t = text.trim();
    let (bound, rest) = match t.chars().next()? {
        c @ ('<' | '>' | '=') => (Some(c), t[1..].trim()),
        _ => (None, t),
    };
    rest.parse::<f64>()
        .ok()
        .filter(|v| (0.0..=1.0).contains(v))
        .map(|v| (bound.filter(|&b| b != '='), v))
}

fn check_derived(
    c: &mut Checker<'_>,
    file: &str,
    base: &str,
    derived: &[String],
    derivation: Option<&str>,
    allowed: &[&str],
) {
    for (j, field) in derived.iter().enumerate() {
        if !allowed.contains(&field.as_str()) {
            c.report(
                file,
                &format!("{base}.derived[{j}]"),
                &format!("one of {}", allowed.join(", ")),
                format!("`{field}`"),
                "",
            );
        }
    }
    let has_text = derivation.is_some_and(|d| !d.trim().is_empty());
    if !derived.is_empty() && !has_text {
        c.report(
            file,
            &format!("{base}.derived"),
            "a `derivation` saying how the derived numbers were computed",
            "no derivation".into(),
            "write the arithmetic and the places of its inputs",
        );
    }
    if derived.is_empty() && derivation.is_some() {
        c.report(
            file,
            &format!("{base}.derivation"),
            "`derived` to list which fields the derivation computed",
            "a derivation without derived fields".into(),
            "",
        );
    }
}

fn check_arm_ref(c: &mut Checker<'_>, study: &Study, field: &str, arm: &str) {
    if study.arm(arm).is_none() {
        let known: BTreeSet<&str> = study.arms.iter().map(|a| a.id.as_str()).collect();
        c.report(
            &study.file,
            field,
            &format!("an arm id of this study ({})", join(&known)),
            format!("`{arm}`"),
            "",
        );
    }
}

/// Ids that become file names or anchors (analyses, studies, editions, statements, sources):
/// letters, digits, `.`, `_` and `-`, starting with a letter or digit, at most 80 characters.
pub fn is_safe_id(id: &str) -> bool {
    id.len() <= 80
        && id.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

fn check_id(c: &mut Checker<'_>, file: &str, field: &str, id: &str) {
    if !is_safe_id(id) {
        c.report(
            file,
            field,
            "an id of letters, digits, `.`, `_` and `-`, starting with a letter or digit (at most 80 characters)",
            format!("`{id}`"),
            "ids name files and links, so they cannot hold slashes, spaces or other characters",
        );
    }
}

/// A model the analysis can run: a measure, method and test concur knows, that fit the
/// analysis's kind of data.
fn check_model(
    c: &mut Checker<'_>,
    field: &str,
    m: &crate::model::ModelSpec,
    shape: Option<concur_stats::Shape>,
) {
    match concur_stats::Spec::parse(&m.measure, &m.method, m.test.as_deref()) {
        Err(what) => {
            let (expected, found) = match what {
                "measure" => (
                    "a measure: PR, PLO, PAS, PFT (proportions), RR, OR, RD (two groups)",
                    &m.measure,
                ),
                "method" => (
                    "a method: EE (FE), DL, REML, ML, PM, SJ, HE, HS, EB, MH, PETO or GLMM",
                    &m.method,
                ),
                _ => ("a test: z or knha", m.test.as_ref().unwrap_or(&m.method)),
            };
            c.report(
                "review.toml",
                &format!("{field}.{what}"),
                expected,
                format!("`{found}`"),
                "",
            );
        }
        Ok(spec) => {
            if let Some(problem) = shape.and_then(|s| concur_stats::spec_problem(&spec, s)) {
                c.report(
                    "review.toml",
                    field,
                    "a model that can pool this analysis's data",
                    format!(
                        "{} with {}: {problem}",
                        spec.measure.name(),
                        spec.pooling.name()
                    ),
                    "",
                );
            }
        }
    }
}

/// A calendar date written `YYYY-MM-DD`.
fn is_date(text: &str) -> bool {
    let mut parts = text.split('-');
    let (Some(y), Some(m), Some(d), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    let (Ok(y), Ok(m), Ok(d)) = (y.parse::<i32>(), m.parse::<u8>(), d.parse::<u8>()) else {
        return false;
    };
    (1900..=2999).contains(&y)
        && time::Month::try_from(m).is_ok_and(|m| time::Date::from_calendar_date(y, m, d).is_ok())
}

fn check_edition(c: &mut Checker<'_>, file: &str, field: &str, edition: Option<&str>) {
    let Some(edition) = edition else { return };
    let editions = &c.review.meta.editions;
    if !editions.iter().any(|e| e.id == edition) {
        let known: BTreeSet<&str> = editions.iter().map(|e| e.id.as_str()).collect();
        c.report(
            file,
            field,
            &format!("an edition declared in review.toml ({})", join(&known)),
            format!("`{edition}`"),
            "",
        );
    }
}

/// With editions declared, every study, statement and analysis must say from which one it counts.
fn require_edition(c: &mut Checker<'_>, file: &str, field: &str, edition: Option<&str>) {
    let editions = &c.review.meta.editions;
    if edition.is_none() && !editions.is_empty() {
        let known: BTreeSet<&str> = editions.iter().map(|e| e.id.as_str()).collect();
        c.report(
            file,
            field,
            &format!("the edition from which this is evidence ({})", join(&known)),
            "none".into(),
            "add since = \"<edition>\"",
        );
    }
}

fn check_guidance(c: &mut Checker<'_>) {
    let review = c.review;
    let mut ids = BTreeSet::new();
    for (i, s) in review.guidance.iter().enumerate() {
        let base = format!("statements[{i}]");
        check_id(c, "guidance.toml", &format!("{base}.id"), &s.id);
        if !ids.insert(s.id.as_str()) {
            c.report(
                "guidance.toml",
                &format!("{base}.id"),
                "a statement id used once",
                format!("`{}` again", s.id),
                "",
            );
        }
        if s.locator.trim().is_empty() {
            missing_locator(c, "guidance.toml", &format!("{base}.locator"));
        }
        for (j, id) in s.studies.iter().enumerate() {
            if review.study(id).is_none() {
                c.report(
                    "guidance.toml",
                    &format!("{base}.studies[{j}]"),
                    "the id of a study in studies/",
                    format!("`{id}`"),
                    "a study id is the `id` of one of the files in studies/",
                );
            }
        }
        for (j, drug) in s.drugs.iter().enumerate() {
            if review.find_drug(drug).is_none_or(|d| &d.id != drug) {
                unknown_drug(c, "guidance.toml", &format!("{base}.drugs[{j}]"), drug);
            }
        }
        check_edition(
            c,
            "guidance.toml",
            &format!("{base}.since"),
            s.since.as_deref(),
        );
    }
}

fn check_analyses(c: &mut Checker<'_>) {
    let review = c.review;
    let mut ids = BTreeSet::new();
    for (i, a) in review.meta.analyses.iter().enumerate() {
        let base = format!("analyses[{i}]");
        if !ids.insert(a.id.as_str()) {
            c.report(
                "review.toml",
                &format!("{base}.id"),
                "an analysis id used once",
                format!("`{}` again", a.id),
                "",
            );
        }
        check_id(c, "review.toml", &format!("{base}.id"), &a.id);
        let shape = match a.kind {
            crate::model::AnalysisKind::Proportion => Some(concur_stats::Shape::Proportions),
            crate::model::AnalysisKind::Comparison => Some(concur_stats::Shape::Tables),
            crate::model::AnalysisKind::Descriptive => None,
        };
        let models = a.primary.iter().map(|m| ("primary".to_string(), m)).chain(
            a.sensitivity
                .iter()
                .enumerate()
                .map(|(j, m)| (format!("sensitivity[{j}]"), m)),
        );
        for (name, m) in models {
            check_model(c, &format!("{base}.{name}"), m, shape);
        }
        if a.kind != crate::model::AnalysisKind::Descriptive && a.primary.is_none() {
            c.report(
                "review.toml",
                &format!("{base}.primary"),
                "a primary model (measure and method) for a pooled analysis",
                "none".into(),
                "add primary = { measure = \"PLO\", method = \"GLMM\" }, or make the analysis descriptive",
            );
        }
        if a.terms.is_empty() {
            c.report(
                "review.toml",
                &format!("{base}.terms"),
                "at least one outcome term",
                "none".into(),
                "",
            );
        }
        for (j, drug) in a.drugs.iter().enumerate() {
            if review.find_drug(drug).is_none_or(|d| &d.id != drug) {
                unknown_drug(c, "review.toml", &format!("{base}.drugs[{j}]"), drug);
            }
        }
        check_edition(
            c,
            "review.toml",
            &format!("{base}.since"),
            a.since.as_deref(),
        );
        for (j, row) in a.rows.iter().enumerate() {
            let field = format!("{base}.rows[{j}]");
            check_edition(
                c,
                "review.toml",
                &format!("{field}.since"),
                row.since.as_deref(),
            );
            let Some(study) = review.study(&row.study) else {
                c.report(
                    "review.toml",
                    &format!("{field}.study"),
                    "the id of a study in studies/",
                    format!("`{}`", row.study),
                    "a study id is the `id` of one of the files in studies/",
                );
                continue;
            };
            let arms = [
                row.arm.as_deref(),
                row.control.as_ref().and_then(|g| g.arm.as_deref()),
            ];
            for (name, arm) in ["arm", "control.arm"].iter().zip(arms) {
                if let Some(arm) = arm {
                    if study.arm(arm).is_none() {
                        let known: BTreeSet<&str> =
                            study.arms.iter().map(|a| a.id.as_str()).collect();
                        c.report(
                            "review.toml",
                            &format!("{field}.{name}"),
                            &format!("an arm of {} ({})", study.id, join(&known)),
                            format!("`{arm}`"),
                            "",
                        );
                    }
                }
            }
            if a.kind == crate::model::AnalysisKind::Comparison && row.control.is_none() {
                c.report(
                    "review.toml",
                    &field,
                    "a control group (`control = { arm = ... }`) in a comparison",
                    "none".into(),
                    "",
                );
            }
        }
        for (j, x) in a.excluded.iter().enumerate() {
            if review.study(&x.study).is_none() {
                c.report(
                    "review.toml",
                    &format!("{base}.excluded[{j}].study"),
                    "the id of a study in studies/",
                    format!("`{}`", x.study),
                    "",
                );
            }
        }
    }
}

fn missing_locator(c: &mut Checker<'_>, file: &str, field: &str) {
    c.report(
        file,
        field,
        "a locator naming where in the source the number is printed",
        "an empty locator".into(),
        "e.g. `table 1, Stumpf row` or `results: brain RT, paragraph 4`",
    );
}

fn unknown_drug(c: &mut Checker<'_>, file: &str, field: &str, drug: &str) {
    let known: BTreeSet<&str> = c.review.drugs.iter().map(|d| d.id.as_str()).collect();
    c.report(
        file,
        field,
        &format!("a drug id from drugs.toml ({})", join(&known)),
        format!("`{drug}`"),
        "use the drug's id, or add it to drugs.toml",
    );
}

fn join(set: &BTreeSet<&str>) -> String {
    set.iter().copied().collect::<Vec<_>>().join(", ")
}

/// A class that links evidence says why, where the sources support it, and is a class some drug
/// has.
fn check_classes(c: &mut Checker<'_>) {
    let review = c.review;
    // A name (id, name or synonym, compared as a question is) must lead to one drug only.
    let mut names: std::collections::BTreeMap<String, &str> = std::collections::BTreeMap::new();
    for (i, d) in review.drugs.iter().enumerate() {
        let own = [(&d.id, "id".to_string()), (&d.name, "name".to_string())]
            .into_iter()
            .chain(
                d.synonyms
                    .iter()
                    .enumerate()
                    .map(|(j, s)| (s, format!("synonyms[{j}]"))),
            );
        let mut mine = BTreeSet::new();
        for (name, field) in own {
            let key = crate::model::fold_name(name);
            if key.is_empty() || !mine.insert(key.clone()) {
                continue;
            }
            match names.get(&key) {
                Some(other) if *other != d.id => c.report(
                    "drugs.toml",
                    &format!("drugs[{i}].{field}"),
                    "a name that leads to one drug only",
                    format!("`{name}`, also a name of `{other}`"),
                    "a question naming it could not tell the drugs apart; keep it on one",
                ),
                _ => {
                    names.insert(key, &d.id);
                }
            }
        }
    }
    for (i, d) in review.drugs.iter().enumerate() {
        match (d.cycle_days, d.cycle_locator.as_deref()) {
            (Some(0), _) => c.report(
                "drugs.toml",
                &format!("drugs[{i}].cycle_days"),
                "a cycle of at least one day",
                "0".into(),
                "",
            ),
            (Some(_), None) => {
                missing_locator(c, "drugs.toml", &format!("drugs[{i}].cycle_locator"))
            }
            _ => {}
        }
    }
    let mut seen = BTreeSet::new();
    for (i, class) in review.classes.iter().enumerate() {
        let base = format!("classes[{i}]");
        if !seen.insert(class.id.as_str()) {
            c.report(
                "drugs.toml",
                &format!("{base}.id"),
                "a class declared once",
                format!("`{}` again", class.id),
                "",
            );
        }
        if !review.drugs.iter().any(|d| d.classes.contains(&class.id)) {
            c.report(
                "drugs.toml",
                &format!("{base}.id"),
                "a class that some drug has",
                format!("`{}`", class.id),
                "add the class to the drugs it covers, or remove the declaration",
            );
        }
        if class.reason.trim().is_empty() {
            c.report(
                "drugs.toml",
                &format!("{base}.reason"),
                "why the class's evidence bears on its members",
                "nothing".into(),
                "",
            );
        }
        if class.locator.trim().is_empty() {
            missing_locator(c, "drugs.toml", &format!("{base}.locator"));
        }
    }
}
