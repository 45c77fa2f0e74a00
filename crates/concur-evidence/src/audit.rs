//! Rule-based consistency checks of the evidence base and of the source itself.
//!
//! The rules know nothing about particular studies: they compare printed percentages with their
//! counts, sizes of subgroups with their totals, the same quantity printed in two places, values
//! that reappear under another outcome, reference numbers with the studies they are cited for,
//! and duplicate entries. A finding that is the source's own error stays visible; a person marks it
//! acknowledged in `audit.toml` with an explanation.

use crate::model::{fold_name, surname, Outcome, Review, Study};
use crate::vocab::{Grade, OutcomeKind, Severity, Statistic, TimingMode};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// One inconsistency.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// Stable id: `rule/study/quantity`, used to acknowledge it.
    pub id: String,
    /// The rule that found it.
    pub rule: &'static str,
    /// How serious: an error of the source or a warning.
    pub severity: Severity,
    /// The study the finding is about.
    pub study: String,
    /// The places in the source involved (both, where two places disagree).
    pub locators: Vec<String>,
    /// The numbers compared.
    pub numbers: String,
    /// Why this is inconsistent.
    pub reason: String,
    /// The explanation from `audit.toml`, when a person has acknowledged it.
    pub acknowledged: Option<String>,
}

/// All findings, and acknowledgements that no longer match a finding.
#[derive(Debug, Clone, Serialize)]
pub struct AuditReport {
    /// Every finding, in rule order.
    pub findings: Vec<Finding>,
    /// Acknowledged ids that no rule reports any more (stale entries in `audit.toml`).
    pub stale_acknowledgements: Vec<String>,
}

impl AuditReport {
    /// Errors nobody has acknowledged: these fail `concur audit`.
    pub fn unacknowledged_errors(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Error && f.acknowledged.is_none())
            .count()
    }
}

/// The rules, with a line each, for documentation and `--help`.
pub const RULES: &[(&str, &str)] = &[
    (
        "percent-count",
        "a printed percent differs from events / denominator at its printed rounding",
    ),
    (
        "implied-denominator",
        "a printed percent cannot come from the stated N; the N it implies is shown",
    ),
    (
        "subset-sum",
        "subgroup sizes, timing counts or split events do not add up to their total",
    ),
    (
        "conflicting-values",
        "the same quantity is printed with different values in two places",
    ),
    (
        "copied-value",
        "a value reappears under another outcome of the same group, as if copied",
    ),
    (
        "response-sum",
        "a response rate differs from complete plus partial responses",
    ),
    (
        "reference-missing",
        "a cited reference number is not in the reference list",
    ),
    (
        "reference-author",
        "a cited reference's first author is not the study's first author",
    ),
    (
        "reference-trial",
        "a cited reference names a different trial than the study's",
    ),
    (
        "duplicate",
        "two studies share a reference number, PMID, DOI or title",
    ),
];

struct Audit<'a> {
    review: &'a Review,
    findings: Vec<Finding>,
}

impl Audit<'_> {
    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        rule: &'static str,
        severity: Severity,
        study: &Study,
        slug: &str,
        locators: Vec<String>,
        numbers: String,
        reason: String,
    ) {
        let mut locators = locators;
        locators.dedup();
        let base = format!("{rule}/{}/{}", study.id, slugify(slug));
        let mut id = base.clone();
        let mut n = 2;
        while self.findings.iter().any(|f| f.id == id) {
            id = format!("{base}-{n}");
            n += 1;
        }
        self.findings.push(Finding {
            id,
            rule,
            severity,
            study: study.id.clone(),
            locators,
            numbers,
            reason,
            acknowledged: None,
        });
    }
}

/// Runs every rule over the review and marks acknowledged findings.
pub fn audit(review: &Review) -> AuditReport {
    let mut a = Audit {
        review,
        findings: Vec::new(),
    };
    for study in &review.studies {
        percent_rules(&mut a, study);
        subset_rules(&mut a, study);
        conflicting_values(&mut a, study);
        copied_values(&mut a, study);
        response_sum(&mut a, study);
        reference_rules(&mut a, study);
    }
    duplicates(&mut a);

    let mut findings = a.findings;
    let acks: BTreeMap<&str, &str> = review
        .acknowledgements
        .iter()
        .map(|ack| (ack.finding.as_str(), ack.explanation.as_str()))
        .collect();
    for f in &mut findings {
        f.acknowledged = acks.get(f.id.as_str()).map(|e| e.to_string());
    }
    let ids: BTreeSet<&str> = findings.iter().map(|f| f.id.as_str()).collect();
    let stale = acks
        .keys()
        .filter(|k| !ids.contains(*k))
        .map(|k| k.to_string())
        .collect();
    findings
        .sort_by(|x, y| (x.study.as_str(), x.id.as_str()).cmp(&(y.study.as_str(), y.id.as_str())));
    AuditReport {
        findings,
        stale_acknowledgements: stale,
    }
}

/// Lower-case words joined by hyphens, for finding ids.
fn slugify(text: &str) -> String {
    let mut slug = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if c == '>' {
            slug.push_str("ge");
        } else if c == '=' {
            continue;
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    slug.trim_end_matches('-').to_string()
}

/// Whether `pct`, printed with `decimals` digits, can be the rounding of `events / n`.
fn rounds_to(events: u32, n: u32, pct: f64, decimals: u8) -> bool {
    if n == 0 {
        return false;
    }
    let exact = f64::from(events) / f64::from(n) * 100.0;
    let half = 0.5 * 10f64.powi(-i32::from(decimals));
    (exact - pct).abs() <= half + 1e-9
}

/// Denominators near `n` that, with some whole number of events (or exactly `events`), give `pct`.
fn implied_denominators(events: Option<u32>, n: u32, pct: f64, decimals: u8) -> Vec<u32> {
    let hi = (n * 2).max(10);
    let fits = |d: u32| match events {
        Some(e) => e <= d && rounds_to(e, d, pct, decimals),
        None => (0..=d).any(|e| rounds_to(e, d, pct, decimals)),
    };
    let mut found: Vec<u32> = (1..=hi).filter(|&d| fits(d)).collect();
    found.sort_by_key(|&d| (d.abs_diff(n), d));
    found.truncate(3);
    found.sort_unstable();
    found
}

/// The N a rate refers to when the record states no denominator: its arm, its timing group, the
/// study. Returns the N and where it comes from.
fn fallback_n(study: &Study, o: &Outcome) -> Option<(u32, String)> {
    if let (Some(mode), Some(t)) = (o.timing, &study.timing) {
        let same_arm = o.arm.is_none() || o.arm == t.of_arm;
        let count = match mode {
            TimingMode::Concurrent => t.concurrent,
            TimingMode::Sequential => t.sequential,
            _ => None,
        };
        if let (true, Some(count)) = (same_arm, count) {
            return Some((count, format!("{mode} patients ({})", t.locator)));
        }
    }
    if let Some(arm) = o.arm.as_deref().and_then(|a| study.arm(a)) {
        if let Some(n) = arm.n {
            return Some((n, format!("arm `{}` n ({})", arm.id, arm.locator)));
        }
    }
    study
        .n
        .as_ref()
        .map(|n| (n.value, format!("study n ({})", n.locator)))
}

fn pct_text(p: f64, decimals: u8) -> String {
    format!("{:.*}%", usize::from(decimals), p)
}

fn percent_rules(a: &mut Audit<'_>, study: &Study) {
    for o in study
        .outcomes
        .iter()
        .filter(|o| o.is_rate() && !o.is_time_to_event())
    {
        let Some(pct) = o.percent else { continue };
        if o.is_derived("percent") {
            continue;
        }
        let decimals = o.percent_decimals.unwrap_or(1);
        let (n, n_from, stated) = match o.denominator {
            Some(d) if !o.is_derived("denominator") => (d, "stated denominator".to_string(), true),
            _ => match fallback_n(study, o) {
                Some((n, from)) => (n, from, false),
                None => continue,
            },
        };
        let events = o.events.filter(|_| !o.is_derived("events"));
        let ok = match events {
            Some(e) => rounds_to(e, n, pct, decimals),
            None => (0..=n).any(|e| rounds_to(e, n, pct, decimals)),
        };
        if ok {
            continue;
        }
        let implied = implied_denominators(events, n, pct, decimals);
        let implied_text = if implied.is_empty() {
            "no nearby denominator fits".to_string()
        } else {
            format!(
                "{} implies a denominator of {}",
                pct_text(pct, decimals),
                implied
                    .iter()
                    .map(u32::to_string)
                    .collect::<Vec<_>>()
                    .join(" or ")
            )
        };
        let unit = 10f64.powi(-i32::from(decimals));
        match events {
            Some(e) => {
                let exact = f64::from(e) / f64::from(n) * 100.0;
                let rounding_only = (exact - pct).abs() <= unit + 1e-9;
                let rule = if stated {
                    "percent-count"
                } else {
                    "implied-denominator"
                };
                a.push(
                    rule,
                    if rounding_only {
                        Severity::Warning
                    } else {
                        Severity::Error
                    },
                    study,
                    &o.short_key(),
                    vec![o.locator.clone()],
                    format!(
                        "{e}/{n} = {} (n: {n_from}); printed {}; {implied_text}",
                        pct_text(exact, decimals + 1),
                        pct_text(pct, decimals)
                    ),
                    if rounding_only {
                        "the printed percent is one unit off the rounding of events / denominator"
                            .into()
                    } else {
                        "the printed percent does not match events / denominator".into()
                    },
                );
            }
            None => a.push(
                "implied-denominator",
                Severity::Error,
                study,
                &o.short_key(),
                vec![o.locator.clone()],
                format!(
                    "{} of {n} ({n_from}) is {:.2} patients; {implied_text}",
                    pct_text(pct, decimals),
                    pct / 100.0 * f64::from(n)
                ),
                "no whole number of patients out of N gives the printed percent".into(),
            ),
        }
    }
}

fn subset_rules(a: &mut Audit<'_>, study: &Study) {
    // Subgroup arms against the arm they split.
    let mut groups: BTreeMap<&str, Vec<&crate::model::Arm>> = BTreeMap::new();
    for arm in &study.arms {
        if let Some(target) = &arm.subset_of {
            groups.entry(target).or_default().push(arm);
        }
    }
    for (target, parts) in groups {
        let parent = match target.split_once('/') {
            Some((sid, aid)) => a.review.study(sid).and_then(|s| s.arm(aid)),
            None => study.arm(target),
        };
        let Some(parent) = parent else { continue };
        let Some(total) = parent.n else { continue };
        if parts.iter().any(|p| p.n.is_none()) {
            continue;
        }
        let sum: u32 = parts.iter().filter_map(|p| p.n).sum();
        // Two or more subgroups split the arm and must add up; a single subgroup is only a part.
        let broken = if parts.len() >= 2 {
            sum != total
        } else {
            sum > total
        };
        if broken {
            let mut locators = vec![parent.locator.clone()];
            locators.extend(parts.iter().map(|p| p.locator.clone()));
            a.push(
                "subset-sum",
                Severity::Error,
                study,
                &format!("subgroups of {target}"),
                locators,
                format!(
                    "{} = {sum}; `{target}` has n = {total}",
                    parts
                        .iter()
                        .map(|p| format!("{} ({})", p.n.unwrap_or(0), p.id))
                        .collect::<Vec<_>>()
                        .join(" + ")
                ),
                "the subgroups of an arm do not add up to the arm".into(),
            );
        }
    }
    // Timing counts against the group they divide.
    if let Some(t) = &study.timing {
        if let (Some(c), Some(s)) = (t.concurrent, t.sequential) {
            let pool = match &t.of_arm {
                Some(arm) => study
                    .arm(arm)
                    .and_then(|x| x.n.map(|n| (n, x.locator.clone()))),
                None => study.n.as_ref().map(|n| (n.value, n.locator.clone())),
            };
            if let Some((n, loc)) = pool {
                if c + s != n {
                    a.push(
                        "subset-sum",
                        Severity::Error,
                        study,
                        "timing counts",
                        vec![t.locator.clone(), loc],
                        format!("{c} concurrent + {s} sequential = {}; N = {n}", c + s),
                        "concurrent and sequential patients do not add up to the group".into(),
                    );
                }
            }
        }
    }
    // Events split by timing against the undivided count.
    let mut by_key: BTreeMap<String, [Option<&Outcome>; 3]> = BTreeMap::new();
    for o in study
        .outcomes
        .iter()
        .filter(|o| o.is_rate() && o.events.is_some())
    {
        let key = format!(
            "{}|{}|{:?}|{:?}|{:?}|{:?}",
            o.kind,
            o.term.to_lowercase(),
            o.grade,
            o.arm,
            o.subgroup,
            o.unit
        );
        let slot = match o.timing {
            None => 0,
            Some(TimingMode::Concurrent) => 1,
            Some(TimingMode::Sequential) => 2,
            Some(_) => continue,
        };
        by_key.entry(key).or_default()[slot].get_or_insert(o);
    }
    for [total, conc, seq] in by_key.into_values() {
        if let (Some(t), Some(c), Some(s)) = (total, conc, seq) {
            let (te, ce, se) = (
                t.events.unwrap_or(0),
                c.events.unwrap_or(0),
                s.events.unwrap_or(0),
            );
            if ce + se != te {
                a.push(
                    "subset-sum",
                    Severity::Error,
                    study,
                    &format!("{} by timing", t.short_key()),
                    vec![t.locator.clone(), c.locator.clone(), s.locator.clone()],
                    format!(
                        "{ce} concurrent + {se} sequential = {}; total {te}",
                        ce + se
                    ),
                    "events split by timing do not add up to the total".into(),
                );
            }
        }
    }
}

/// The printed numbers of a record, for comparison.
fn printed(o: &Outcome) -> Vec<(&'static str, f64, u8)> {
    let mut v = Vec::new();
    if let Some(e) = o.events.filter(|_| !o.is_derived("events")) {
        v.push(("events", f64::from(e), 0));
    }
    if let Some(d) = o.denominator.filter(|_| !o.is_derived("denominator")) {
        v.push(("denominator", f64::from(d), 0));
    }
    if let Some(p) = o.percent.filter(|_| !o.is_derived("percent")) {
        v.push(("percent", p, o.percent_decimals.unwrap_or(1)));
    }
    if let Some(x) = o.value.filter(|_| !o.is_derived("value")) {
        v.push(("value", x, 6));
    }
    v
}

fn conflicting_values(a: &mut Audit<'_>, study: &Study) {
    let mut groups: BTreeMap<String, Vec<&Outcome>> = BTreeMap::new();
    for o in &study.outcomes {
        groups.entry(o.quantity_key()).or_default().push(o);
    }
    for records in groups.into_values() {
        for (i, x) in records.iter().enumerate() {
            for y in &records[i + 1..] {
                if x.locator == y.locator {
                    continue;
                }
                for (field, xv, xd) in printed(x) {
                    let Some((_, yv, yd)) = printed(y).into_iter().find(|(f, ..)| *f == field)
                    else {
                        continue;
                    };
                    let tolerance = 0.5 * 10f64.powi(-i32::from(xd.min(yd))) + 1e-9;
                    if (xv - yv).abs() > tolerance {
                        a.push(
                            "conflicting-values",
                            Severity::Error,
                            study,
                            &format!("{} {field}", x.short_key()),
                            vec![x.locator.clone(), y.locator.clone()],
                            format!("{field}: {} vs {}", fmt_num(xv, xd), fmt_num(yv, yd)),
                            "the same quantity is printed with different values in two places"
                                .into(),
                        );
                    }
                }
            }
        }
    }
    let mut claims: BTreeMap<String, Vec<&crate::model::Claim>> = BTreeMap::new();
    for c in &study.claims {
        claims.entry(c.quantity.to_lowercase()).or_default().push(c);
    }
    for (quantity, list) in claims {
        let norm = |s: &str| {
            s.split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .to_lowercase()
        };
        for (i, x) in list.iter().enumerate() {
            for y in &list[i + 1..] {
                if norm(&x.value) != norm(&y.value) {
                    a.push(
                        "conflicting-values",
                        Severity::Warning,
                        study,
                        &quantity,
                        vec![x.locator.clone(), y.locator.clone()],
                        format!("{quantity}: \"{}\" vs \"{}\"", x.value, y.value),
                        "the source describes the same thing differently in two places".into(),
                    );
                }
            }
        }
    }
}

fn fmt_num(v: f64, decimals: u8) -> String {
    if decimals >= 6 {
        crate::model::trim_float(v)
    } else {
        format!("{:.*}", usize::from(decimals), v)
    }
}

fn significant_digits(v: f64, decimals: u8) -> usize {
    let text = format!("{:.*}", usize::from(decimals), v.abs());
    text.trim_start_matches(['0', '.'])
        .chars()
        .filter(char::is_ascii_digit)
        .count()
}

fn copied_values(a: &mut Audit<'_>, study: &Study) {
    let rates: Vec<&Outcome> = study
        .outcomes
        .iter()
        .filter(|o| o.percent.is_some() && !o.is_derived("percent"))
        .collect();
    for (i, x) in rates.iter().enumerate() {
        for y in &rates[i + 1..] {
            let same_group = x.arm == y.arm && x.timing == y.timing && x.subgroup == y.subgroup;
            let (xd, yd) = (
                x.percent_decimals.unwrap_or(1),
                y.percent_decimals.unwrap_or(1),
            );
            let (Some(xp), Some(yp)) = (x.percent, y.percent) else {
                continue;
            };
            if !same_group || x.locator == y.locator || xd != yd || (xp - yp).abs() > 1e-9 {
                continue;
            }
            let cross_kind = x.kind != y.kind && significant_digits(xp, xd) >= 3;
            let min_grade = |o: &Outcome| o.grade.as_deref().and_then(Grade::parse).map(|g| g.min);
            let other_grade = x.kind == y.kind
                && x.term.eq_ignore_ascii_case(&y.term)
                && min_grade(x) != min_grade(y)
                && xd >= 1;
            if !(cross_kind || other_grade) {
                continue;
            }
            a.push(
                "copied-value",
                if cross_kind {
                    Severity::Error
                } else {
                    Severity::Warning
                },
                study,
                &format!("{} = {}", x.short_key(), y.short_key()),
                vec![x.locator.clone(), y.locator.clone()],
                format!(
                    "{}: {} | {}: {}",
                    x.quantity_key(),
                    pct_text(xp, xd),
                    y.quantity_key(),
                    pct_text(yp, yd)
                ),
                if cross_kind {
                    "a toxicity and an efficacy result of the same group carry the same figure"
                        .into()
                } else {
                    "two grades of the same outcome carry the same figure in different places"
                        .into()
                },
            );
        }
    }
}

fn is_term(o: &Outcome, names: &[&str]) -> bool {
    let t = o.term.to_lowercase();
    names.iter().any(|n| t == *n)
}

fn response_sum(a: &mut Audit<'_>, study: &Study) {
    const ORR: &[&str] = &["orr", "objective response rate", "response rate"];
    const CR: &[&str] = &["cr", "complete response"];
    const PR: &[&str] = &["pr", "partial response"];
    let eff = || {
        study
            .outcomes
            .iter()
            .filter(|o| o.kind == OutcomeKind::Efficacy)
    };
    for orr in eff().filter(|o| is_term(o, ORR)) {
        let same =
            |o: &&Outcome| o.arm == orr.arm && o.timing == orr.timing && o.subgroup == orr.subgroup;
        let count = |names: &[&str]| -> Option<(u32, String)> {
            eff()
                .filter(same)
                .find(|o| {
                    is_term(o, names)
                        && matches!(o.statistic, Statistic::Count | Statistic::Proportion)
                })
                .and_then(|o| {
                    o.events
                        .or(o.value.map(|v| v as u32))
                        .map(|e| (e, o.locator.clone()))
                })
        };
        let (Some((cr, cl)), Some((pr, pl))) = (count(CR), count(PR)) else {
            continue;
        };
        let Some(n) = orr
            .denominator
            .or_else(|| fallback_n(study, orr).map(|x| x.0))
        else {
            continue;
        };
        let Some(pct) = orr.percent else { continue };
        let decimals = orr.percent_decimals.unwrap_or(1);
        if !rounds_to(cr + pr, n, pct, decimals) {
            a.push(
                "response-sum",
                Severity::Error,
                study,
                &orr.short_key(),
                vec![orr.locator.clone(), cl, pl],
                format!(
                    "response rate {} of {n}; CR {cr} + PR {pr} = {} of {n} = {}",
                    pct_text(pct, decimals),
                    cr + pr,
                    pct_text(f64::from(cr + pr) / f64::from(n) * 100.0, decimals)
                ),
                "the response rate does not equal complete plus partial responses".into(),
            );
        }
    }
}

/// Folds accents and case so that "Géraud" and "Geraud" compare equal.
fn fold_accents(text: &str) -> String {
    // Hand-written: surnames in reference lists need only Latin accents, not full Unicode
    // normalisation, and this crate stays free of a normalisation dependency.
    text.chars()
        .map(|c| match c {
            'à' | 'á' | 'â' | 'ä' | 'ã' | 'å' | 'À' | 'Á' | 'Â' | 'Ä' => 'a',
            'è' | 'é' | 'ê' | 'ë' | 'È' | 'É' | 'Ê' | 'Ë' => 'e',
            'ì' | 'í' | 'î' | 'ï' | 'Í' | 'Î' => 'i',
            'ò' | 'ó' | 'ô' | 'ö' | 'õ' | 'Ó' | 'Ö' => 'o',
            'ù' | 'ú' | 'û' | 'ü' | 'Ú' | 'Ü' => 'u',
            'ç' | 'Ç' => 'c',
            'ñ' | 'Ñ' => 'n',
            other => other,
        })
        .collect::<String>()
        .to_lowercase()
}

/// The study's first author: from its own citation, else from its reference entry.
fn first_author(review: &Review, study: &Study) -> Option<String> {
    study
        .citation
        .as_ref()
        .and_then(|c| c.authors.first())
        .map(|a| surname(a).to_string())
        .or_else(|| {
            study
                .source_ref
                .and_then(|r| review.reference(r))
                .and_then(|r| r.first_author_surname().map(str::to_string))
        })
}

fn reference_rules(a: &mut Audit<'_>, study: &Study) {
    if a.review.references.is_empty() {
        return;
    }
    let trials: BTreeSet<String> = a
        .review
        .studies
        .iter()
        .filter_map(|s| s.trial.clone())
        .collect();
    let author = first_author(a.review, study);
    let mut cited: Vec<(u32, String)> = study
        .mentions
        .iter()
        .map(|m| (m.reference, m.locator.clone()))
        .collect();
    if let Some(r) = study.source_ref {
        cited.push((r, "reference list".to_string()));
    }
    for (number, locator) in cited {
        let Some(reference) = a.review.reference(number) else {
            let last = a
                .review
                .references
                .iter()
                .map(|r| r.number)
                .max()
                .unwrap_or(0);
            a.push(
                "reference-missing",
                Severity::Error,
                study,
                &format!("ref {number}"),
                vec![locator],
                format!("[{number}]; the reference list ends at [{last}]"),
                "the cited reference number is not in the reference list".into(),
            );
            continue;
        };
        if let (Some(ours), Some(theirs)) = (&author, reference.first_author_surname()) {
            if fold_accents(ours) != fold_accents(theirs) {
                a.push(
                    "reference-author",
                    Severity::Error,
                    study,
                    &format!("ref {number}"),
                    vec![locator.clone()],
                    format!(
                        "[{number}] is {theirs} ({}); the study is {ours}",
                        reference.year.map_or("-".into(), |y| y.to_string())
                    ),
                    "the reference cited at this place is another publication".into(),
                );
                continue;
            }
        }
        if let Some(trial) = &study.trial {
            let title = fold_name(&reference.title);
            let named: Vec<&String> = trials
                .iter()
                .filter(|t| *t != trial && title.contains(&fold_name(t)))
                .collect();
            if !named.is_empty() && !title.contains(&fold_name(trial)) {
                a.push(
                    "reference-trial",
                    Severity::Error,
                    study,
                    &format!("ref {number}"),
                    vec![locator.clone()],
                    format!(
                        "[{number}] is about {}; the study is {trial}",
                        named
                            .iter()
                            .map(|s| s.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    "the reference cited for this trial reports another trial".into(),
                );
            }
        }
    }
}

fn duplicates(a: &mut Audit<'_>) {
    let review = a.review;
    let mut keys: BTreeMap<String, Vec<&Study>> = BTreeMap::new();
    for s in &review.studies {
        if let Some(r) = s.source_ref {
            keys.entry(format!("reference [{r}]")).or_default().push(s);
        }
        if let Some(c) = &s.citation {
            if let Some(p) = &c.pmid {
                keys.entry(format!("PMID {p}")).or_default().push(s);
            }
            if let Some(d) = &c.doi {
                keys.entry(format!("DOI {}", d.to_lowercase()))
                    .or_default()
                    .push(s);
            }
            if let Some(t) = &c.title {
                keys.entry(format!("title \"{}\"", fold_name(t)))
                    .or_default()
                    .push(s);
            }
        }
    }
    for (key, studies) in keys {
        if studies.len() < 2 {
            continue;
        }
        let ids: Vec<&str> = studies.iter().map(|s| s.id.as_str()).collect();
        a.push(
            "duplicate",
            Severity::Error,
            studies[0],
            &key,
            studies.iter().map(|s| s.file.clone()).collect(),
            format!("{key}: {}", ids.join(", ")),
            "two study files describe the same publication; merge them".into(),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_matches_printed_precision() {
        assert!(rounds_to(9, 23, 39.1, 1));
        assert!(rounds_to(4, 7, 57.0, 0));
        assert!(!rounds_to(1, 77, 2.6, 1));
        assert!(rounds_to(7, 743, 1.0, 0));
        assert!(!rounds_to(10, 743, 1.4, 1));
    }

    #[test]
    fn implied_denominator_finds_the_nearest_fitting_n() {
        assert_eq!(implied_denominators(None, 8, 28.6, 1), vec![7, 14]);
        let found = implied_denominators(Some(5), 153, 3.4, 1);
        assert!(found.contains(&147) && found.contains(&148), "{found:?}");
    }

    #[test]
    fn slugs_are_readable() {
        assert_eq!(
            slugify("toxicity adverse events, grade >=3, arm x"),
            "toxicity-adverse-events-grade-ge3-arm-x"
        );
    }

    #[test]
    fn accents_fold() {
        assert_eq!(fold_accents("Géraud"), fold_accents("Geraud"));
    }
}
