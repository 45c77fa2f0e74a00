//! The study table (`concur studies`) and one study in full (`concur studies show`).

use crate::table;
use crate::wire;
use crate::words::{assumption_text, dose_reported, range_text};
use concur_evidence::{Grade, Outcome, OutcomeKind, Review, Statistic, Study, TimingMode};
use concur_synthesis::{schedule_doses, DoseRow};

/// A readable timing summary: `concurrent`, `mixed: 16 concurrent, 7 sequential`.
pub(crate) fn timing_text(study: &Study) -> String {
    match &study.timing {
        None => "not reported".into(),
        Some(t) if t.mode == TimingMode::Mixed => match (t.concurrent, t.sequential) {
            (None, None) => "mixed (counts not reported)".into(),
            (c, s) => format!(
                "mixed: {} concurrent, {} sequential",
                c.map_or("?".into(), |v| v.to_string()),
                s.map_or("?".into(), |v| v.to_string())
            ),
        },
        Some(t) => t.mode.as_str().to_string(),
    }
}

/// One schedule: `WBRT 30 Gy/10 fx (2 patients)`.
pub(crate) fn schedule_label(rt: &concur_evidence::Radiotherapy) -> String {
    let mut text = rt
        .techniques
        .iter()
        .map(|t| t.label())
        .collect::<Vec<_>>()
        .join("+");
    if let Some(d) = rt.total_dose_gy {
        text.push_str(&format!(" {d} Gy"));
        if let Some(f) = rt.fractions {
            text.push_str(&format!("/{f} fx"));
        }
    }
    if let Some(p) = rt.patients {
        text.push_str(&format!(" ({})", schedule_count(p, rt)));
    }
    text
}

/// How many received a schedule, in what its count counts: `24 lesions`, `2 patients`.
fn schedule_count(count: u32, rt: &concur_evidence::Radiotherapy) -> String {
    crate::words::units(count, rt.unit.unwrap_or(concur_evidence::Unit::Patient))
}

/// All of a study's schedules, each once.
pub(crate) fn rt_text(study: &Study) -> String {
    let mut parts: Vec<String> = Vec::new();
    for rt in &study.radiotherapy {
        let text = schedule_label(rt);
        if !parts.contains(&text) {
            parts.push(text);
        }
    }
    if parts.is_empty() {
        "-".into()
    } else {
        parts.join("; ")
    }
}

/// A rate as `9/23 (39.1%)`, `57%`, `4 events`.
pub fn rate_text(o: &Outcome) -> String {
    let pct = o
        .percent
        .map(|p| format!("{:.*}%", usize::from(o.percent_decimals.unwrap_or(1)), p));
    match (o.events, o.denominator, pct) {
        (Some(e), Some(n), Some(p)) => format!("{e}/{n} ({p})"),
        (Some(e), Some(n), None) => format!("{e}/{n}"),
        (Some(e), None, Some(p)) => format!("{e} ({p})"),
        (Some(e), None, None) => crate::words::count(e as usize, "event", "events"),
        (None, Some(n), Some(p)) => format!("{p} of {n}"),
        (None, _, Some(p)) => p,
        (None, _, None) => "-".into(),
    }
}

/// The value of any outcome record, with what it is: `9/23 (39.1%)`, `cumulative incidence
/// 8.5%`, `subdistribution HR 4.01`, `median 22.7 months`. Whatever the record holds is shown.
pub(crate) fn value_text(o: &Outcome) -> String {
    let number = || o.value.map(concur_evidence::trim_float);
    let mut text = match o.statistic {
        Statistic::Proportion => rate_text(o),
        Statistic::PValue => String::new(),
        Statistic::CumulativeIncidence => format!("cumulative incidence {}", rate_text(o)),
        Statistic::RateAtTime => format!("rate {}", rate_text(o)),
        s => {
            let v = number().unwrap_or_else(|| rate_text(o));
            match s {
                Statistic::MedianMonths => format!("median {v} months"),
                Statistic::DifferenceMonths => format!("difference {v} months"),
                Statistic::DifferencePoints => format!("difference {v} points"),
                Statistic::RelativeReductionPercent => format!("relative reduction {v}%"),
                Statistic::HazardRatio => format!("HR {v}"),
                Statistic::SubdistributionHazardRatio => format!("subdistribution HR {v}"),
                Statistic::Count => v,
                other => format!("{} {v}", other.label().to_lowercase()),
            }
        }
    };
    if let Some([lb, ub]) = o.ci {
        text.push_str(&format!(" (CI {lb}-{ub})"));
    }
    if let Some(p) = &o.p {
        if !text.is_empty() {
            text.push_str(", ");
        }
        text.push_str(&format!("p {p}"));
    }
    text
}

/// `term grade ≥ 3 [arm, vs other, timing, subgroup]`: an outcome record's label.
pub(crate) fn outcome_label(o: &Outcome) -> String {
    let mut label = o.term.clone();
    if let Some(g) = o.grade.as_deref().and_then(Grade::parse) {
        if g != Grade::ANY {
            label.push_str(&format!(" grade {}", g.label()));
        }
    }
    let mut scope = Vec::new();
    if let Some(a) = &o.arm {
        scope.push(a.clone());
    }
    if let Some(v) = &o.versus {
        scope.push(format!("vs {v}"));
    }
    if let Some(t) = o.timing {
        scope.push(t.to_string());
    }
    if let Some(s) = &o.subgroup {
        scope.push(s.clone());
    }
    if !scope.is_empty() {
        label.push_str(&format!(" [{}]", scope.join(", ")));
    }
    label
}

/// An outcome record as `label: value`.
pub(crate) fn outcome_text(o: &Outcome) -> String {
    format!("{}: {}", outcome_label(o), value_text(o))
}

/// The toxicity results printed at the study's first toxicity locator (its table row, when the
/// study has one), compact, for the overview table; every result is in the JSON's `results`.
fn toxicity_summary(study: &Study) -> String {
    let tox: Vec<&Outcome> = study
        .outcomes
        .iter()
        .filter(|o| o.kind == OutcomeKind::Toxicity)
        .collect();
    let Some(first) = tox.first() else {
        return "-".into();
    };
    let parts: Vec<String> = tox
        .iter()
        .filter(|o| o.locator == first.locator)
        .take(3)
        .map(|o| outcome_text(o))
        .collect();
    parts.join("; ")
}

fn n_text(study: &Study) -> String {
    study.n.as_ref().map_or("-".into(), |n| n.value.to_string())
}

/// The overview table: one line per study.
pub fn study_table(_review: &Review, studies: &[&Study]) -> String {
    let rows: Vec<Vec<String>> = studies
        .iter()
        .map(|s| {
            vec![
                s.id.clone(),
                s.design.label().to_string(),
                n_text(s),
                timing_text(s),
                rt_text(s),
                toxicity_summary(s),
            ]
        })
        .collect();
    let mut out = table::render(
        &[
            "study",
            "design",
            "N",
            "timing",
            "radiotherapy",
            "toxicity (first reported place)",
        ],
        &rows,
    );
    out.push_str(&format!("{} studies\n", studies.len()));
    out
}

/// The rows of `concur studies --json`.
pub fn study_rows_json(review: &Review, studies: &[&Study]) -> Vec<wire::StudyRow> {
    studies
        .iter()
        .map(|s| wire::StudyRow {
            id: s.id.clone(),
            label: s.label.clone(),
            design: s.design,
            setting: s.setting.clone(),
            n: s.n.as_ref().map(|n| n.value),
            drugs: s.drug_ids().iter().map(|d| d.to_string()).collect(),
            sites: s.sites(),
            techniques: s.techniques(),
            timing: s.timing.as_ref().map(|t| t.mode),
            timing_counts: s.timing.as_ref().map(|t| wire::TimingCounts {
                concurrent: t.concurrent,
                sequential: t.sequential,
            }),
            radiotherapy: rt_text(s),
            toxicity: toxicity_summary(s),
            results: s
                .outcomes
                .iter()
                .map(|o| wire::Result {
                    result: outcome_text(o),
                    locator: o.locator.clone(),
                })
                .collect(),
            citation: citation_text(review, s),
        })
        .collect()
}

fn citation_text(review: &Review, study: &Study) -> Option<String> {
    if let Some(r) = study.source_ref.and_then(|n| review.reference(n)) {
        let mut text = format!(
            "{} ({}) {}.",
            r.authors.join(", "),
            r.year.map_or("n.d.".into(), |y| y.to_string()),
            r.title
        );
        if let Some(j) = &r.journal {
            text.push_str(&format!(" {j}"));
        }
        if let Some(v) = &r.volume {
            text.push_str(&format!(" {v}"));
        }
        if let Some(p) = &r.pages {
            text.push_str(&format!(": {p}"));
        }
        text.push_str(&format!(" [source reference {}]", r.number));
        return Some(text);
    }
    // Publications outside the source's reference list: their own citation, as far as known.
    let c = study.citation.as_ref()?;
    let mut parts = Vec::new();
    if !c.authors.is_empty() {
        parts.push(format!("{} et al.", c.authors.join(", ")));
    }
    if let Some(y) = c.year {
        parts.push(format!("({y})"));
    }
    if let Some(t) = &c.title {
        parts.push(format!("{t}."));
    }
    let mut journal = c.journal.clone().unwrap_or_default();
    if let Some(v) = &c.volume {
        journal.push_str(&format!(" {v}"));
    }
    if let Some(p) = &c.pages {
        journal.push_str(&format!(": {p}"));
    }
    if !journal.trim().is_empty() {
        parts.push(journal.trim().to_string());
    }
    if let Some(d) = &c.doi {
        parts.push(format!("doi {d}"));
    }
    if let Some(p) = &c.pmid {
        parts.push(format!("PMID {p}"));
    }
    (!parts.is_empty()).then(|| parts.join(" "))
}

/// One study with every field and its locator, and BED/EQD2 of its schedules.
pub fn study_detail_text(review: &Review, study: &Study) -> String {
    let mut out = String::new();
    let mut line = |k: &str, v: String| out.push_str(&format!("{k:<13}{v}\n"));
    line("study", format!("{} ({})", study.label, study.id));
    if let Some(c) = citation_text(review, study) {
        line("citation", c);
    }
    if let Some(c) = &study.citation {
        if let Some(p) = &c.pmid {
            line("PMID", p.clone());
        }
        if let Some(d) = &c.doi {
            line("DOI", d.clone());
        }
    }
    if let Some(t) = &study.trial {
        line("trial", t.clone());
    }
    if let Some(p) = &study.parent {
        line("part of", p.clone());
    }
    line(
        "design",
        format!("{}  [{}]", study.design.label(), study.design_locator),
    );
    line(
        "setting",
        study
            .setting
            .iter()
            .map(|s| s.label())
            .collect::<Vec<_>>()
            .join(", "),
    );
    line("population", study.population.clone());
    if let Some(n) = &study.n {
        line(
            "N",
            format!("{}  [{}{}]", n.value, n.locator, derivation(&n.derivation)),
        );
    }
    if let Some(s) = &study.summary {
        line("summary", s.clone());
    }
    if !study.arms.is_empty() {
        out.push_str("\narms\n");
        for a in &study.arms {
            let drugs = if a.drugs.is_empty() {
                "no study drug".to_string()
            } else {
                a.drugs.join(" + ")
            };
            out.push_str(&format!(
                "  {:<22} {:<13} {}{}  [{}{}]\n",
                a.id,
                // Arms count patients, whatever their label says.
                a.n.map_or("n -".into(), |n| crate::words::units(
                    n,
                    concur_evidence::Unit::Patient
                )),
                drugs,
                a.subset_of
                    .as_deref()
                    .map_or(String::new(), |s| format!(", subset of {s}")),
                a.locator,
                derivation(&a.derivation)
            ));
        }
    }
    if !study.radiotherapy.is_empty() {
        out.push_str("\nradiotherapy\n");
        for rt in &study.radiotherapy {
            let sites: Vec<&str> = rt.sites.iter().map(|s| s.label()).collect();
            let tech: Vec<&str> = rt.techniques.iter().map(|t| t.label()).collect();
            let mut dose = Vec::new();
            if let Some(d) = rt.total_dose_gy {
                dose.push(format!("{d} Gy"));
            }
            if let Some(f) = rt.fractions {
                dose.push(format!("{f} fractions"));
            }
            if let Some(d) = rt.dose_per_fraction_gy {
                dose.push(format!("{d} Gy/fraction"));
            }
            if let Some(p) = rt.patients {
                dose.push(schedule_count(p, rt));
            }
            if let Some(d) = &rt.description {
                dose.push(d.clone());
            }
            out.push_str(&format!(
                "  {} / {}: {}  [{}{}]\n",
                sites.join(", "),
                tech.join(", "),
                if dose.is_empty() {
                    "dose not reported".into()
                } else {
                    dose.join(", ")
                },
                rt.locator,
                derivation(&rt.derivation)
            ));
        }
        let doses = schedule_doses(review, study);
        if !doses.is_empty() {
            out.push_str("\ndose normalisation (linear-quadratic; alpha/beta are model assumptions from review.toml)\n");
            for d in &doses {
                out.push_str(&format!(
                    "  {:<20} {:<10} a/b {:>4} Gy   BED {:>12} Gy   EQD2 {:>12} Gy{}\n",
                    dose_reported(d),
                    d.endpoint,
                    d.alpha_beta_gy,
                    range_text(d.bed_gy),
                    range_text(d.eqd2_gy),
                    if d.assumptions.is_empty() {
                        String::new()
                    } else {
                        let a: Vec<&str> =
                            d.assumptions.iter().map(|a| assumption_text(*a)).collect();
                        format!("  ({})", a.join("; "))
                    }
                ));
            }
        }
    }
    if let Some(t) = &study.timing {
        out.push_str(&format!(
            "\ntiming       {}  [{}]\n",
            timing_text(study),
            t.locator
        ));
        if let Some(d) = &t.definition {
            out.push_str(&format!("  definition: {d}\n"));
        }
        if let Some(w) = &t.window_days {
            out.push_str(&format!(
                "  window: {} days before to {} days after a dose\n",
                w.before, w.after
            ));
        }
    }
    for kind in OutcomeKind::ALL {
        let list: Vec<&Outcome> = study.outcomes.iter().filter(|o| o.kind == *kind).collect();
        if list.is_empty() {
            continue;
        }
        out.push_str(&format!("\n{}\n", kind.label().to_lowercase()));
        for o in list {
            let basis = if o.derived.is_empty() {
                "reported".to_string()
            } else {
                format!("derived {}", o.derived.join(", "))
            };
            out.push_str(&format!(
                "  {}: {}{}  [{}; {}]\n",
                outcome_label(o),
                value_text(o),
                o.unit.map_or(String::new(), |u| format!(" {}", u.label())),
                o.locator,
                basis
            ));
            if let Some(d) = &o.derivation {
                out.push_str(&format!("      how: {d}\n"));
            }
            if let Some(n) = &o.note {
                out.push_str(&format!("      note: {n}\n"));
            }
        }
    }
    if !study.experiments.is_empty() {
        out.push_str("\nexperiments\n");
        for e in &study.experiments {
            out.push_str(&format!(
                "  {} - {} with {}{}: {}  [{}]\n",
                e.system.label(),
                e.model,
                e.agents.join(", "),
                e.radiation
                    .as_deref()
                    .map_or(String::new(), |r| format!("; radiation: {r}")),
                e.finding,
                e.locator
            ));
        }
    }
    if !study.claims.is_empty() {
        out.push_str("\nother statements\n");
        for c in &study.claims {
            out.push_str(&format!("  {}: {}  [{}]\n", c.quantity, c.value, c.locator));
        }
    }
    if !study.mentions.is_empty() {
        out.push_str("\ncited as\n");
        for m in &study.mentions {
            out.push_str(&format!("  [{}]  [{}]\n", m.reference, m.locator));
        }
    }
    if let Some(rob) = &study.risk_of_bias {
        out.push_str(&format!(
            "\nrisk of bias ({}): {}\n",
            rob.tool.name(),
            rob.overall.replace('-', " ")
        ));
        for d in &rob.domains {
            let what = rob
                .tool
                .domains()
                .iter()
                .find(|(id, _)| *id == d.domain)
                .map_or("", |(_, w)| w);
            out.push_str(&format!(
                "  {} {}: {} — {}  [{}]\n",
                d.domain,
                what,
                d.judgement.replace('-', " "),
                d.support,
                d.locator
            ));
        }
    }
    if let Some(x) = &study.extraction {
        out.push_str(&format!(
            "\nextracted by {}{}{}\n",
            x.extracted_by.join(", "),
            if x.checked_by.is_empty() {
                String::new()
            } else {
                format!(", checked by {}", x.checked_by.join(", "))
            },
            x.record
                .as_deref()
                .map_or(String::new(), |r| format!(" (from {r})"))
        ));
    }
    out.push_str(&format!("\nfile: {}\n", study.file));
    out
}

fn derivation(d: &Option<String>) -> String {
    d.as_deref()
        .map_or(String::new(), |d| format!("; derived: {d}"))
}

/// One study as JSON: every field of the model, the citation, and the dose normalisation.
pub fn study_detail_json<'a>(review: &Review, study: &'a Study) -> wire::StudyDetail<'a> {
    wire::StudyDetail {
        study,
        citation_text: citation_text(review, study),
        doses: schedule_doses(review, study)
            .iter()
            .map(dose_json)
            .collect(),
    }
}

/// One normalised schedule as JSON, with the schedule and the assumptions in words.
fn dose_json(d: &DoseRow) -> wire::Dose1 {
    wire::Dose1 {
        schedule: d.schedule,
        reported: dose_reported(d),
        locator: d.locator.clone(),
        endpoint: d.endpoint.clone(),
        alpha_beta_gy: d.alpha_beta_gy,
        bed_gy: d.bed_gy,
        eqd2_gy: d.eqd2_gy,
        assumptions: d.assumptions.iter().map(|a| assumption_text(*a)).collect(),
    }
}
