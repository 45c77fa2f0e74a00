//! The synthesis on the smallest review that shows each behaviour: two case series of one drug
//! at one site, one analysis, two statements that point different ways.

use crate::*;
use concur_evidence::{load_files, Review, ReviewFile, Site, Technique};

const REVIEW: &str = r#"
id = "mini"
title = "Minimal review"
[[sources]]
id = "src"
citation = "A source"
file = "src.txt"
[question]
population = "p"
intervention = "i"
comparison = "c"
outcomes = ["o"]
[search]
databases = ["PubMed"]
term_groups = [["a"]]
combination = "a"
searched_until = "2020"
languages = ["English"]
conference_proceedings = "none"
case_reports_included = true
locator = "methods"
[eligibility]
include = ["x"]
locator = "methods"
[[editions]]
id = "2021-01"
label = "first"
[[editions]]
id = "2026-12"
label = "update"
[radiobiology]
[[radiobiology.alpha_beta]]
endpoint = "late-cns"
gy = 2.0
reasoning = "convention"
[[radiobiology.site_endpoints]]
site = "brain"
endpoints = ["late-cns"]

[[analyses]]
id = "necrosis"
since = "2021-01"
title = "Necrosis after SRS"
site = "brain"
techniques = ["srs"]
drugs = ["t-dm1"]
kind = "proportion"
outcome_kind = "toxicity"
terms = ["necrosis"]
grade = "any"
unit = "patient"
primary = { measure = "PLO", method = "REML" }
rows = [
  { study = "smith-2019", arm = "a" },
  { study = "jones-2024", arm = "a" },
]
"#;

const DRUGS: &str = r#"
[[drugs]]
id = "t-dm1"
name = "trastuzumab emtansine"
synonyms = ["Kadcyla"]
classes = ["her2-adc"]

[[drugs]]
id = "t-dxd"
name = "trastuzumab deruxtecan"
synonyms = ["Enhertu"]
classes = ["her2-adc"]
"#;

const REFERENCES: &str = r#"
[[references]]
number = 1
authors = ["Smith A"]
year = 2019
title = "Smith's series"
journal = "J"
"#;

/// A case series: `events` of `n` patients on arm `a`, or only a percent when `events` is None.
fn study(id: &str, since: &str, n: u32, events: Option<u32>, percent: f64) -> String {
    let counts = match events {
        Some(e) => format!("events = {e}\ndenominator = {n}\npercent = {percent}"),
        None => format!("percent = {percent}"),
    };
    format!(
        r#"id = "{id}"
label = "{id}"
since = "{since}"
design = "case-series"
design_locator = "table 1"
setting = ["metastatic"]
population = "people"

[n]
value = {n}
locator = "table 1"

[[arms]]
id = "a"
label = "A"
drugs = ["t-dm1"]
n = {n}
locator = "table 1"

[[radiotherapy]]
sites = ["brain"]
techniques = ["srs"]
total_dose_gy = 20
locator = "table 1"

[[outcomes]]
kind = "toxicity"
term = "necrosis"
grade = "any"
arm = "a"
{counts}
unit = "patient"
locator = "table 2"
"#
    )
}

const GUIDANCE: &str = r#"
[[statements]]
id = "careful"
issuer = "society-a"
since = "2021-01"
sites = ["brain"]
drugs = ["t-dm1"]
stance = "caution"
text = "careful"
locator = "conclusion"

[[statements]]
id = "fine"
issuer = "society-b"
since = "2021-01"
sites = ["brain"]
drugs = ["t-dm1"]
stance = "no-hold"
hold_days = 0
text = "no hold"
locator = "statement"
"#;

fn file(path: &str, text: &str) -> ReviewFile {
    ReviewFile {
        path: path.to_string(),
        text: text.to_string(),
    }
}

/// The review; Jones 2024 reports only a percent (40 % of 10 patients).
fn review() -> Review {
    load_files(vec![
        file("review.toml", REVIEW),
        file("drugs.toml", DRUGS),
        file("references.toml", REFERENCES),
        file("guidance.toml", GUIDANCE),
        file(
            "studies/smith-2019.toml",
            &study("smith-2019", "2021-01", 12, Some(3), 25.0),
        ),
        file(
            "studies/jones-2024.toml",
            &study("jones-2024", "2026-12", 10, None, 40.0),
        ),
    ])
    .expect("the test review is valid")
}

fn question(drug: &str) -> Query {
    Query {
        drug: drug.into(),
        site: Site::Brain,
        technique: Some(Technique::Srs),
        timing: None,
        dose_gy: None,
        fractions: None,
        interval_days: None,
    }
}

#[test]
fn evidence_runs_every_analysis_once_with_typed_derivations_and_certainty() {
    let review = review();
    let evidence = Evidence::new(&review);
    assert_eq!(evidence.analyses().len(), 1);
    // Analysed once: every caller gets the same runs.
    assert!(std::ptr::eq(evidence.analyses(), evidence.analyses()));
    let run = &evidence.analyses()[0];
    assert_eq!(run.rows.len(), 2);
    assert!(run.problems.is_empty(), "{:?}", run.problems);
    // Smith's counts are printed; Jones's events come from 40 % of the arm's 10 patients.
    assert_eq!(run.rows[0].group.derivation, None);
    match &run.rows[1].group.derivation {
        Some(Derivation::FromPercent {
            percent,
            size: GroupSize::Arm { n: 10, arm, .. },
            events: 4,
            ..
        }) => assert_eq!((*percent, arm.as_str()), (40.0, "a")),
        other => panic!("expected a derivation from the percent, got {other:?}"),
    }
    assert_eq!((run.total_events(), run.total_patients()), (7, 22));
    assert!(run.primary().is_some());
    // Two case series: low to start, down for risk of bias and for 7 events.
    let c = &run.certainty;
    assert_eq!(c.start, Start::SingleGroup);
    assert_eq!(c.level, Level::VeryLow);
    assert!(c
        .reasons
        .iter()
        .any(|r| r.domain == Domain::RiskOfBias && r.concern == Concern::Serious));
    assert!(c.reasons.iter().any(|r| r.domain == Domain::Imprecision
        && r.concern == Concern::VerySerious
        && matches!(r.basis, Basis::Precision { events: 7, .. })));
}

#[test]
fn assess_resolves_synonyms_and_types_what_it_finds() {
    let review = review();
    let evidence = Evidence::new(&review);
    let answer = assess(&evidence, question("Kadcyla")).unwrap();
    assert_eq!(answer.drug.id, "t-dm1");
    assert_eq!(answer.studies.len(), 2);
    assert_eq!(answer.analyses.len(), 1);
    assert_eq!(answer.guidance.len(), 2);
    assert!(answer.disagreements.iter().any(|d| matches!(
        d,
        Disagreement::StatementsDiffer { restrictive, permissive }
            if restrictive[0].id == "careful" && permissive[0].id == "fine"
    )));
    assert!(answer
        .caveats
        .iter()
        .any(|c| matches!(c, Caveat::SmallStudies(s) if s.len() == 2)));
    assert!(answer
        .caveats
        .iter()
        .any(|c| matches!(c, Caveat::DerivedCounts)));
    assert!(answer
        .caveats
        .iter()
        .any(|c| matches!(c, Caveat::RadiosurgeryEqd2)));
}

#[test]
fn assess_gives_the_planned_schedules_eqd2_and_refuses_half_a_schedule() {
    let review = review();
    let evidence = Evidence::new(&review);
    let planned = assess(
        &evidence,
        Query {
            dose_gy: Some(20.0),
            fractions: Some(1.0),
            ..question("t-dm1")
        },
    )
    .unwrap()
    .planned;
    // 20 Gy in one fraction at alpha/beta 2: EQD2 = 20 x (20 + 2) / (2 + 2) = 110 Gy.
    assert_eq!(planned.len(), 1);
    assert_eq!(planned[0].endpoint, "late-cns");
    assert!((planned[0].eqd2_gy - 110.0).abs() < 1e-9);
    // Both studies gave 20 Gy of radiosurgery (taken as one fraction): the plan lies within them.
    assert_eq!(planned[0].within.len(), 2);
    assert!(planned[0].same_fractionation);
    let ten_fractions = assess(
        &evidence,
        Query {
            dose_gy: Some(30.0),
            fractions: Some(10.0),
            ..question("t-dm1")
        },
    )
    .unwrap()
    .planned;
    // 30 Gy in 10 at alpha/beta 2 is an EQD2 of 37.5 Gy, below the studies' 110 Gy.
    assert!(ten_fractions[0].within.is_empty());
    assert!(ten_fractions[0].below.is_none());
    let (_, above) = ten_fractions[0]
        .above
        .as_ref()
        .expect("a studied schedule above");
    assert!((above.eqd2_gy[0] - 110.0).abs() < 1e-9);
    assert!(!ten_fractions[0].same_fractionation);
    let half = assess(
        &evidence,
        Query {
            dose_gy: Some(20.0),
            ..question("t-dm1")
        },
    );
    assert!(matches!(half, Err(SynthesisError::IncompleteSchedule)));
    for (dose, fractions) in [
        (1e308, 1.0),
        (20.0, 2.5),
        (20.0, 0.0),
        (-1.0, 1.0),
        (150.0, 1.0),
    ] {
        let impossible = assess(
            &evidence,
            Query {
                dose_gy: Some(dose),
                fractions: Some(fractions),
                ..question("t-dm1")
            },
        );
        assert!(
            matches!(impossible, Err(SynthesisError::ImpossibleSchedule { .. })),
            "{dose} Gy in {fractions}"
        );
    }
}

#[test]
fn an_unknown_drug_is_an_error_that_lists_the_known_ones() {
    let review = review();
    let evidence = Evidence::new(&review);
    match assess(&evidence, question("aspirin")) {
        Err(SynthesisError::UnknownDrug {
            name,
            suggestions,
            known,
        }) => {
            assert_eq!(name, "aspirin");
            assert!(suggestions.is_empty(), "{suggestions:?}");
            assert!(known.iter().any(|k| k.contains("Kadcyla")));
        }
        Err(other) => panic!("expected an unknown drug, got {other}"),
        Ok(_) => panic!("expected an unknown drug"),
    }
    let filter = StudyFilter {
        drug: Some("aspirin".into()),
        ..StudyFilter::default()
    };
    assert!(matches!(
        evidence.select(&filter),
        Err(SynthesisError::UnknownDrugOrClass { .. })
    ));
    let class = StudyFilter {
        drug: Some("her2-adc".into()),
        ..StudyFilter::default()
    };
    assert_eq!(evidence.select(&class).unwrap().len(), 2);
}

#[test]
fn editions_cut_the_review_and_the_diff_says_what_moved() {
    let full = review();
    let first = edition(&full, "2021-01").unwrap();
    assert_eq!(first.studies.len(), 1);
    assert!(matches!(
        edition(&full, "1999"),
        Err(SynthesisError::Evidence(_))
    ));
    let d = diff(&full, "2021-01", "2026-12").unwrap();
    assert_eq!(d.studies_added.len(), 1);
    let brain = d.settings.iter().find(|s| s.site == Site::Brain).unwrap();
    assert_eq!(brain.studies_before, 1);
    assert_eq!(brain.added[0].drugs, ["trastuzumab emtansine"]);
    let change = &brain.analyses[0];
    let (before, after) = (
        change.before.as_ref().unwrap(),
        change.after.as_ref().unwrap(),
    );
    assert_eq!((before.rows, after.rows), (1, 2));
    assert!(!before.same_as(after));
}

#[test]
fn the_prisma_flow_takes_a_workspaces_counts_when_given() {
    let review = review();
    let evidence = Evidence::new(&review);
    let as_recorded = evidence.prisma(None);
    assert_eq!(as_recorded.records_identified, None);
    assert_eq!(as_recorded.included(), 2);
    let counts = LiteratureCounts {
        identified: vec![("embase".into(), 5), ("pubmed".into(), 7)],
        duplicates: 3,
        deleted: 1,
        remaining: 8,
        searches: Vec::new(),
        screening: None,
    };
    let flow = evidence.prisma(Some(&counts));
    assert_eq!(flow.records_identified, Some(12));
    assert_eq!(flow.duplicates_removed, Some(3));
    assert_eq!(flow.records_screened, None, "nothing was screened");
    assert_eq!(flow.awaiting_screening, Some(8));
    assert_eq!(flow.databases, ["embase", "pubmed"]);
    assert_eq!(flow.included.with_toxicity, 2);
    assert!(matches!(
        flow.source,
        PrismaSource::Workspace { deleted: 1, .. }
    ));
}

#[test]
fn a_databases_identified_count_is_its_latest_saved_search() {
    let review = review();
    let evidence = Evidence::new(&review);
    let run = |name: &str, database: &str, day: &str, count| SearchRun {
        name: name.into(),
        database: database.into(),
        query: "q".into(),
        translation: "q".into(),
        run_at: format!("2026-12-{day}T10:00:00Z"),
        count,
    };
    let counts = LiteratureCounts {
        identified: vec![("embase".into(), 5), ("PubMed".into(), 7)],
        searches: vec![
            run("first", "pubmed", "01", 40),
            run("strategy #4", "workspace", "03", 9),
            run("second", "pubmed", "02", 41),
        ],
        ..LiteratureCounts::default()
    };
    let flow = evidence.prisma(Some(&counts));
    // PubMed's search found 41 (7 of them imported so far); the workspace search identifies
    // nothing; embase, never searched from here, counts its imports.
    assert_eq!(flow.records_identified, Some(46));
    assert_eq!(flow.databases, ["pubmed", "embase"]);
    assert_eq!(
        flow.searches.len(),
        3,
        "the search table shows every saved search"
    );
    let PrismaSource::Workspace {
        searched, imported, ..
    } = &flow.source
    else {
        panic!("{:?}", flow.source)
    };
    assert_eq!(searched.len(), 1);
    assert_eq!(searched[0].name, "second");
    assert_eq!(imported.len(), 2);
}

#[test]
fn meta_reads_a_csv_and_says_where_it_is_wrong() {
    let options = MetaOptions {
        measure: Measure::Pr,
        pooling: Pooling::parse("REML").unwrap(),
        test: Test::Z,
        level: 95.0,
        leave_one_out: true,
        subgroup: None,
    };
    let fit = meta(b"study,events,total\na,1,10\nb,3,12\n", &options).unwrap();
    assert_eq!(fit.fit.k, 2);
    assert_eq!(fit.leave_one_out.map(|l| l.len()), Some(2));
    match meta(b"study,events,total\na,1,10\nb,13,12\n", &options) {
        Err(SynthesisError::Csv(p)) => {
            assert_eq!((p.line, p.column.as_deref()), (3, Some("events")))
        }
        other => panic!(
            "expected a located CSV problem, got {:?}",
            other.map(|r| r.fit.k)
        ),
    }
    assert!(matches!(
        meta(b"study,events,total\na,1,10\n\xff", &options),
        Err(SynthesisError::NotUtf8 { .. })
    ));
}

#[test]
fn a_misspelt_drug_gets_the_names_it_is_closest_to() {
    let review = review();
    let evidence = Evidence::new(&review);
    for (typed, expected) in [
        ("Kadcila", "Kadcyla (t-dm1)"),
        ("Enhretu", "Enhertu (t-dxd)"),
        ("trastuzumab emtansin", "trastuzumab emtansine (t-dm1)"),
    ] {
        match assess(&evidence, question(typed)) {
            Err(SynthesisError::UnknownDrug { suggestions, .. }) => {
                assert_eq!(
                    suggestions.first().map(String::as_str),
                    Some(expected),
                    "{typed}"
                );
            }
            _ => panic!("{typed} should be unknown"),
        }
    }
    let e = assess(&evidence, question("Kadcila"))
        .err()
        .unwrap()
        .to_string();
    assert!(
        e.contains(": did you mean Kadcyla (t-dm1)? known drugs"),
        "{e}"
    );
}

#[test]
fn the_bottom_line_leads_with_the_pooled_risk_and_names_its_sources() {
    let review = review();
    let evidence = Evidence::new(&review);
    let answer = assess(&evidence, question("t-dm1")).unwrap();
    let line = bottom_line(&answer);
    assert!(matches!(line[0], Finding::PooledRisk(r) if r.decl.id == "necrosis"));
    assert_eq!(line[0].sources(), ["necrosis"]);
    assert!(line
        .iter()
        .any(|f| matches!(f, Finding::NoTimingComparison)));
    match line.last() {
        Some(
            f @ Finding::Guidance {
                restrictive,
                permissive,
                longest_hold,
            },
        ) => {
            assert_eq!((restrictive.len(), permissive.len()), (1, 1));
            assert_eq!(*longest_hold, Some(0));
            assert_eq!(f.sources(), ["careful", "fine"]);
        }
        other => panic!("expected the statements last, got {other:?}"),
    }
}

#[test]
fn a_screening_log_fills_the_screening_boxes_with_the_reviews_words_for_its_reasons() {
    let mut review = review();
    review
        .meta
        .eligibility
        .reasons
        .push(concur_evidence::ExclusionReason {
            id: "not-tdm1".into(),
            label: "No T-DM1".into(),
            locator: None,
            note: None,
        });
    let evidence = Evidence::new(&review);
    let counts = LiteratureCounts {
        identified: vec![("pubmed".into(), 10)],
        remaining: 10,
        screening: Some(crate::ScreeningFlow {
            excluded_automatically: vec![("language".into(), 1)],
            screened: 7,
            excluded: vec![("not-tdm1".into(), 4), ("unstated".into(), 1)],
            conflicts: 1,
            awaiting: 2,
            sought: 2,
            assessed: 2,
            reports_excluded: vec![("not-tdm1".into(), 1)],
            reports_unsettled: 0,
            included: 1,
        }),
        ..LiteratureCounts::default()
    };
    let flow = evidence.prisma(Some(&counts));
    assert_eq!(flow.records_screened, Some(7));
    assert_eq!(flow.records_excluded, Some(5));
    assert_eq!(flow.reports_assessed, Some(2));
    assert_eq!(flow.reports_excluded, Some(1));
    assert_eq!(flow.awaiting_screening, Some(2));
    let sd = flow.screening.unwrap();
    assert_eq!(
        sd.records_excluded,
        vec![("No T-DM1".to_string(), 4), ("unstated".to_string(), 1)]
    );
    assert_eq!(sd.excluded_automatically, vec![("language".to_string(), 1)]);
    assert_eq!(sd.reports_included, 1);
}

/// A JBI case-series judgement for a study file, every item answered `answer`.
fn judged(study: &str, overall: &str, answer: &str) -> String {
    let mut s =
        format!("{study}\n[risk_of_bias]\ntool = \"jbi-case-series\"\noverall = \"{overall}\"\n");
    for q in 1..=10 {
        s.push_str(&format!(
            "[[risk_of_bias.domains]]\ndomain = \"Q{q}\"\njudgement = \"{answer}\"\nsupport = \"as reported\"\nlocator = \"methods\"\n"
        ));
    }
    s
}

#[test]
fn risk_of_bias_reads_the_reviewers_judgements_when_there_are_any() {
    let with = |smith: &str, jones: &str| {
        load_files(vec![
            file("review.toml", REVIEW),
            file("drugs.toml", DRUGS),
            file("references.toml", REFERENCES),
            file("studies/smith-2019.toml", smith),
            file("studies/jones-2024.toml", jones),
        ])
        .expect("valid")
    };
    let smith = study("smith-2019", "2021-01", 12, Some(3), 25.0);
    let jones = study("jones-2024", "2026-12", 10, Some(4), 40.0);
    let rob = |review: &Review| {
        let evidence = Evidence::new(review);
        evidence.analyses()[0]
            .certainty
            .reasons
            .iter()
            .find(|r| r.domain == Domain::RiskOfBias)
            .cloned()
    };
    // Both judged low: no downgrade, and the judgements are the basis (not the design).
    let low = with(&judged(&smith, "low", "yes"), &judged(&jones, "low", "yes"));
    let r = rob(&low).expect("a risk-of-bias reason");
    assert_eq!(r.concern, Concern::NotSerious);
    match &r.basis {
        Basis::Judged {
            judgements,
            unjudged_weak,
        } => {
            assert_eq!(judgements.len(), 2);
            assert!(unjudged_weak.is_empty());
        }
        other => panic!("expected judgements, got {other:?}"),
    }
    // Both high: very serious.
    let high = with(&judged(&smith, "high", "no"), &judged(&jones, "high", "no"));
    assert_eq!(rob(&high).unwrap().concern, Concern::VerySerious);
    // One judged low, one case series unjudged: serious, naming the unjudged one.
    let mixed = with(&judged(&smith, "low", "yes"), &jones);
    let r = rob(&mixed).unwrap();
    assert_eq!(r.concern, Concern::Serious);
    assert!(
        matches!(&r.basis, Basis::Judged { unjudged_weak, .. } if unjudged_weak == &["jones-2024".to_string()])
    );
    // A judgement with the wrong tool for the design is refused on load.
    let wrong = judged(&smith, "low", "yes").replace("jbi-case-series", "rob2");
    let err = load_files(vec![
        file("review.toml", REVIEW),
        file("drugs.toml", DRUGS),
        file("studies/smith-2019.toml", &wrong),
    ])
    .unwrap_err();
    assert!(err.to_string().contains("risk_of_bias.tool"), "{err}");
}
