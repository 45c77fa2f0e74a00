//! `concur report` and `concur assess`: deterministic, complete outputs (golden snapshots), and
//! clear errors for bad questions.

use crate::common::concur;
use predicates::prelude::*;
use serde_json::Value;
use std::path::Path;

fn report_into(dir: &Path) {
    concur()
        .args(["report", "--out", dir.to_str().unwrap()])
        .assert()
        .success()
        .stdout(predicate::str::contains("brain-srs-necrosis: risk"))
        .stdout(predicate::str::contains(
            "does not replace clinical judgement",
        ));
}

fn read(dir: &Path, path: &str) -> String {
    std::fs::read_to_string(dir.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn report_writes_every_part_and_is_byte_identical_across_runs() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    report_into(a.path());
    report_into(b.path());
    for path in [
        "index.html",
        "report.md",
        "analyses.json",
        "tables/brain.csv",
        "tables/breast.csv",
        "tables/bone.csv",
        "tables/efficacy.csv",
        "tables/analyses.csv",
        "tables/audit.csv",
        "figures/prisma.svg",
        "figures/brain-srs-necrosis.svg",
        "figures/breast-pneumonitis.svg",
    ] {
        assert_eq!(
            read(a.path(), path),
            read(b.path(), path),
            "{path} differs between runs"
        );
    }
    let html = read(a.path(), "index.html");
    assert!(!html.contains("<img"), "figures must be inline");
    assert!(
        !html.contains("http://")
            || html
                .matches("http://")
                .all(|_| html.contains("xmlns=\"http://www.w3.org/2000/svg\""))
    );
    // Links to the publications (DOI, PubMed) may leave the page; nothing it loads may.
    for fetch in ["src=\"http", "<link", "@import", "url(http"] {
        assert!(
            !html.contains(fetch),
            "the page must need no network: {fetch}"
        );
    }
    for must in [
        "Table 1",
        "Table 2",
        "Stumpf 2019 [51]",
        "Krop 2015 [53]",
        "Forest plot",
        "PRISMA 2020",
        "Certainty of evidence",
        "Guidance",
        "Audit",
        "does not replace clinical judgement",
    ] {
        assert!(html.contains(must), "index.html lacks {must}");
    }
}

#[test]
fn report_markdown_and_analyses_are_stable() {
    let dir = tempfile::tempdir().unwrap();
    report_into(dir.path());
    insta::assert_snapshot!("report_md", read(dir.path(), "report.md"));
    let analyses: Value = serde_json::from_str(&read(dir.path(), "analyses.json")).unwrap();
    insta::assert_json_snapshot!("analyses_json", analyses);
}

#[test]
fn the_13_5_fold_figure_is_the_odds_ratio() {
    let dir = tempfile::tempdir().unwrap();
    report_into(dir.path());
    let analyses: Value = serde_json::from_str(&read(dir.path(), "analyses.json")).unwrap();
    let a = analyses
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == "brain-srs-necrosis-tdm1-vs-none")
        .unwrap();
    let models = a["models"].as_array().unwrap();
    let or = models
        .iter()
        .find(|m| m["result"]["measure"] == "OR")
        .unwrap();
    let rr = models
        .iter()
        .find(|m| m["result"]["measure"] == "RR")
        .unwrap();
    assert!((or["result"]["estimate"].as_f64().unwrap() - 13.5).abs() < 1e-9);
    assert!(
        (rr["result"]["estimate"].as_f64().unwrap() - (9.0 / 23.0) / (1.0 / 22.0)).abs() < 1e-9
    );
}

fn assess(args: &[&str]) -> Value {
    let mut all = vec!["assess"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--format", "json"]);
    crate::common::json(&all)
}

#[test]
fn assess_kadcyla_srs_gives_an_evidence_backed_answer() {
    let a = assess(&[
        "--drug",
        "kadcyla",
        "--site",
        "brain",
        "--technique",
        "srs",
        "--dose-gy",
        "20",
        "--fractions",
        "1",
    ]);
    for field in [
        "question",
        "studies",
        "analyses",
        "guidance",
        "certainty",
        "caveats",
        "disclaimer",
    ] {
        assert!(a.get(field).is_some(), "missing {field}");
    }
    assert_eq!(a["question"]["drug_id"], "t-dm1");
    let ids: Vec<&str> = a["studies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    for id in ["carlson-2014", "geraud-2017", "stumpf-2019"] {
        assert!(ids.contains(&id), "{id} missing from {ids:?}");
    }
    let necrosis = a["analyses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == "brain-srs-necrosis")
        .unwrap();
    let pooled = &necrosis["pooled"];
    let (e, lb, ub) = (
        pooled["estimate"].as_f64().unwrap(),
        pooled["ci_lb"].as_f64().unwrap(),
        pooled["ci_ub"].as_f64().unwrap(),
    );
    assert!(lb < e && e < ub && (0.0..=1.0).contains(&lb) && (0.0..=1.0).contains(&ub));
    assert!(necrosis["k"].as_u64().unwrap() >= 3);
    assert!(a["guidance"]
        .as_array()
        .unwrap()
        .iter()
        .any(|g| g["stance"] == "avoid"));
    assert!((a["dose"]["planned"][0]["eqd2_gy"].as_f64().unwrap() - 110.0).abs() < 1e-9);
    assert!(a["disclaimer"]
        .as_str()
        .unwrap()
        .contains("clinical judgement"));
}

#[test]
fn assess_json_is_stable() {
    insta::assert_json_snapshot!(
        "assess_tdm1_brain_srs",
        assess(&[
            "--drug",
            "T-DM1",
            "--site",
            "brain",
            "--technique",
            "srs",
            "--timing",
            "concurrent"
        ])
    );
}

#[test]
fn assess_synonyms_resolve_to_the_same_answer() {
    let base = assess(&["--drug", "t-dm1", "--site", "breast"]);
    for name in [
        "TDM1",
        "trastuzumab emtansine",
        "ado-trastuzumab emtansine",
        "Kadcyla",
    ] {
        let other = assess(&["--drug", name, "--site", "breast"]);
        assert_eq!(base["studies"], other["studies"], "{name}");
        assert_eq!(base["analyses"], other["analyses"], "{name}");
    }
}

#[test]
fn no_match_shows_the_nearest_evidence_labelled() {
    let a = assess(&["--drug", "sacituzumab-govitecan", "--site", "breast"]);
    assert!(a["studies"].as_array().unwrap().is_empty());
    let nearest = a["nearest"].as_array().unwrap();
    assert!(nearest.iter().any(|n| n["relation"]
        .as_str()
        .unwrap()
        .contains("another drug of the same class")));
    // A tyrosine kinase inhibitor shares only a target with the ADCs: no class evidence.
    let a = assess(&[
        "--drug",
        "lapatinib",
        "--site",
        "brain",
        "--technique",
        "srs",
    ]);
    assert!(a["studies"].as_array().unwrap().is_empty());
    assert!(!a["nearest"]
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n["relation"]
            .as_str()
            .unwrap()
            .contains("another drug of the same class")));
    concur()
        .args([
            "assess",
            "--drug",
            "t-dm1",
            "--site",
            "bone",
            "--technique",
            "srs",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("No study in the review matches"))
        .stdout(predicate::str::contains("same drug, other site"));
}

#[test]
fn bad_questions_are_clear_errors() {
    concur()
        .args(["assess", "--drug", "aspirin", "--site", "brain"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("unknown drug `aspirin`"))
        .stderr(predicate::str::contains("Kadcyla"));
    concur()
        .args(["assess", "--drug", "t-dm1", "--site", "liver"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("known: brain, breast"));
    concur()
        .args([
            "assess",
            "--drug",
            "t-dm1",
            "--site",
            "brain",
            "--technique",
            "gamma",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("known: srs"));
    concur()
        .args([
            "assess", "--drug", "t-dm1", "--site", "brain", "--timing", "whenever",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("concurrent, sequential, any"));
    concur()
        .args([
            "assess",
            "--drug",
            "t-dm1",
            "--site",
            "brain",
            "--dose-gy",
            "20",
        ])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("both --dose-gy and --fractions"));
    concur()
        .args([
            "assess",
            "--drug",
            "t-dm1",
            "--site",
            "brain",
            "--dose-gy=-5",
            "--fractions",
            "1",
        ])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("cannot be given: -5.0 Gy"));
}

/// What people read has no `1 events`, no `pts`, no `G>=`, no empty `Studies: .` and no range
/// printed high to low, in any output that words the evidence.
#[test]
fn outputs_read_as_english_with_ranges_low_to_high() {
    let dir = tempfile::tempdir().unwrap();
    report_into(dir.path());
    let mut texts = vec![
        ("report.md".to_string(), read(dir.path(), "report.md")),
        ("index.html".to_string(), read(dir.path(), "index.html")),
    ];
    for args in [
        &["assess", "--drug", "t-dm1", "--site", "brain"][..],
        &["assess", "--drug", "t-dm1", "--site", "breast"],
        &["assess", "--drug", "t-dm1", "--site", "bone"],
        &["studies"],
        &["studies", "--json"],
        &["diff"],
        &[
            "--edition",
            "2021-01",
            "assess",
            "--drug",
            "t-dm1",
            "--site",
            "bone",
        ],
    ] {
        texts.push((args.join(" "), crate::common::stdout(args)));
    }
    for (what, text) in &texts {
        let words: Vec<&str> = text
            .split(|c: char| c.is_whitespace() || "(),;:[]\"|".contains(c))
            .filter(|w| !w.is_empty())
            .collect();
        for pair in words.windows(2) {
            assert!(
                !(pair[0] == "1"
                    && ["events", "rows", "patients", "points", "lesions", "studies"]
                        .contains(&pair[1])),
                "{what}: `1 {}`",
                pair[1]
            );
            // Titles quoted from the sources may say "(pts)"; a count of ours never does.
            assert!(
                !(pair[1] == "pts" && pair[0].parse::<u32>().is_ok()),
                "{what}: `{} pts`",
                pair[0]
            );
        }
        // Every unpooled tally names its outcome: `not pooled (symptom relief: 3 events in ...)`.
        for (i, _) in text.match_indices("not pooled (") {
            let inside = &text[i + "not pooled (".len()..];
            let inside = &inside[..inside.find(')').unwrap_or(inside.len())];
            assert!(
                inside.contains(": "),
                "{what}: `not pooled ({inside})` names no outcome"
            );
        }
        for bad in ["G>=", "Studies: .", "point(s)"] {
            assert!(!text.contains(bad), "{what}: `{bad}`");
        }
        // `a-b Gy` with a > b.
        for (i, _) in text.match_indices(" Gy") {
            let before = &text[..i];
            let start = before
                .rfind(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-'))
                .map_or(0, |p| p + 1);
            if let Some((a, b)) = before[start..].split_once('-') {
                if let (Ok(a), Ok(b)) = (a.parse::<f64>(), b.parse::<f64>()) {
                    assert!(a <= b, "{what}: range {a}-{b} Gy printed high to low");
                }
            }
        }
    }
}

/// The answer opens with its bottom line: the pooled risk that matches, the comparisons, what the
/// statements say, each naming what it rests on; the JSON has it as `summary`.
#[test]
fn assess_opens_with_a_bottom_line_that_names_its_sources() {
    let text = crate::common::stdout(&["assess", "--drug", "Kadcyla", "--site", "brain"]);
    let bottom = text.find("## Bottom line").expect("a bottom line");
    let guidance = text
        .find("## What the guidance says")
        .expect("the guidance");
    assert!(bottom < guidance, "the bottom line comes first");
    let json = assess(&["--drug", "Kadcyla", "--site", "brain"]);
    let summary = json["summary"].as_array().expect("summary");
    assert!((3..=6).contains(&summary.len()), "{summary:?}");
    assert_eq!(summary[0]["sources"][0], "brain-srs-necrosis");
    assert!(summary[0]["text"].as_str().unwrap().contains("40.5%"));
    let statements = summary
        .iter()
        .find(|s| s["text"].as_str().unwrap().starts_with("The statements"))
        .expect("what the statements say");
    assert!(statements["sources"].as_array().unwrap().len() > 1);
    // A question no study matches says so first.
    let json = assess(&["--drug", "sacituzumab-govitecan", "--site", "breast"]);
    assert!(json["summary"][0]["text"]
        .as_str()
        .unwrap()
        .starts_with("No study in the review matches"));
}

/// Every value of the evidence base (counts, percents, cumulative incidences, hazard ratios, p
/// values) appears with its outcome in `studies --json`, in `studies show` and in the report's
/// tables, on its study's row.
#[test]
fn every_value_of_the_evidence_base_renders_in_every_view() {
    let review_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../reviews/tdm1-radiotherapy");
    let review = concur_evidence::load_dir(&review_dir).unwrap();
    let dir = tempfile::tempdir().unwrap();
    report_into(dir.path());
    let report = read(dir.path(), "report.md");
    let rows = crate::common::json(&["studies", "--json"]);
    let mut checked = 0;
    for study in &review.studies {
        let row = rows
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == study.id.as_str())
            .unwrap_or_else(|| panic!("{} in studies --json", study.id));
        let listed: Vec<&str> = row["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["result"].as_str().unwrap())
            .collect();
        let show = crate::common::stdout(&["studies", "show", &study.id]);
        let label = format!("| [{}", study.label);
        // report.md writes `<` as `&lt;` (viewers show `<`).
        let table_rows: Vec<String> = report
            .lines()
            .filter(|l| l.starts_with(&label))
            .map(|l| l.replace("&lt;", "<"))
            .collect();
        for o in &study.outcomes {
            let number = match (o.percent, o.value, o.events, &o.p) {
                (Some(p), _, _, _) => {
                    format!("{:.*}%", usize::from(o.percent_decimals.unwrap_or(1)), p)
                }
                (None, Some(v), _, _) => concur_evidence::trim_float(v),
                (None, None, Some(e), _) => e.to_string(),
                (None, None, None, Some(p)) => p.clone(),
                _ => continue,
            };
            let found = |text: &str| text.contains(&o.term) && text.contains(&number);
            assert!(
                listed.iter().any(|l| found(l)),
                "{}: `{}` {number} not in studies --json",
                study.id,
                o.term
            );
            assert!(
                show.lines().any(found),
                "{}: `{}` {number} not in studies show",
                study.id,
                o.term
            );
            assert!(
                table_rows.iter().any(|l| found(l)),
                "{}: `{}` {number} not on its row of the report's tables",
                study.id,
                o.term
            );
            checked += 1;
        }
    }
    assert!(checked > 100, "only {checked} values checked");
}

/// Data and guidance are set against each other only through a comparison: a single-group rate
/// has no baseline, so it is described, never flagged against a statement.
#[test]
fn only_a_comparison_is_set_against_a_statement() {
    let json = assess(&["--drug", "t-dm1", "--site", "brain"]);
    let flags: Vec<&str> = json["disagreements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_str().unwrap())
        .collect();
    assert!(
        flags
            .iter()
            .any(|d| d.contains("T-DM1 versus no T-DM1")
                && d.contains("more harm than its comparator")),
        "{flags:?}"
    );
    assert!(
        !flags.iter().any(|d| d.contains("sit uneasily")),
        "{flags:?}"
    );
    for site in ["breast", "bone"] {
        let json = assess(&["--drug", "t-dm1", "--site", site]);
        for d in json["disagreements"].as_array().unwrap() {
            let d = d.as_str().unwrap();
            assert!(!d.contains("pooled data"), "{site}: {d}");
        }
    }
}

/// The question steers what leads: a timing leads with that timing's own estimate and names the
/// rows that fall out; analyses broader than the question say so; a technique keeps the studies
/// whose technique the source does not state, and says so.
#[test]
fn the_question_steers_the_answer() {
    let summary = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["--drug", "t-dm1", "--site", "brain"];
        all.extend_from_slice(args);
        assess(&all)["summary"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["text"].as_str().unwrap().to_string())
            .collect()
    };
    let any = summary(&[]);
    assert!(any[0].contains("pooled risk 40.5%"), "{any:?}");
    let concurrent = summary(&["--timing", "concurrent"]);
    assert!(
        concurrent[0].starts_with("Concurrent only: risk 44.5%"),
        "{concurrent:?}"
    );
    assert!(concurrent[0].contains("Geraud 2017 (sequential)"));
    let sequential = summary(&["--timing", "sequential"]);
    assert!(
        sequential[0].starts_with("Sequential only:"),
        "{sequential:?}"
    );

    let json = assess(&[
        "--drug",
        "t-dm1",
        "--site",
        "brain",
        "--technique",
        "srs",
        "--timing",
        "concurrent",
    ]);
    let ids: Vec<&str> = json["studies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert!(
        ids.contains(&"salvestrini-2023"),
        "a study without a stated technique is kept: {ids:?}"
    );
    let caveats: Vec<&str> = json["caveats"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert!(caveats
        .iter()
        .any(|c| c.contains("does not state the technique")));
    assert!(caveats
        .iter()
        .any(|c| c.contains("broader than the question") && c.contains("brain-srs-necrosis`")));
}

/// A planned schedule is placed among the studied ones, with the fractionation said.
#[test]
fn the_planned_schedule_is_placed_among_the_studied_ones() {
    let json = assess(&[
        "--drug",
        "t-dm1",
        "--site",
        "brain",
        "--technique",
        "srs",
        "--dose-gy",
        "20",
        "--fractions",
        "1",
    ]);
    let planned = &json["dose"]["planned"][0];
    assert!(planned["placement"]
        .as_str()
        .unwrap()
        .contains("lies within Carlson 2014's 16-24 Gy"));
    assert_eq!(planned["same_fractionation"], true);
    let json = assess(&[
        "--drug",
        "t-dm1",
        "--site",
        "breast",
        "--dose-gy",
        "40",
        "--fractions",
        "15",
    ]);
    let placement = json["dose"]["planned"][0]["placement"].as_str().unwrap();
    assert!(
        placement.contains("No matching study gave 15 fractions"),
        "{placement}"
    );
}

/// Class-level evidence follows only a class the review declares, with its reason shown: a
/// tyrosine kinase inhibitor gets no ADC evidence; a comparator or a mix of drugs is not a drug
/// one can ask about.
#[test]
fn class_evidence_follows_declared_classes_with_their_reason() {
    let lapatinib = assess(&["--drug", "lapatinib", "--site", "brain"]);
    assert!(
        lapatinib["class_level"].as_array().unwrap().is_empty(),
        "{}",
        lapatinib["class_level"]
    );
    let tdm1 = assess(&["--drug", "t-dm1", "--site", "brain"]);
    let links = tdm1["class_level"].as_array().unwrap();
    assert!(!links.is_empty());
    for link in links {
        let relation = link["relation"].as_str().unwrap();
        assert!(
            relation.contains("why the class's evidence may bear on it:"),
            "{relation}"
        );
    }
    concur()
        .args(["assess", "--drug", "physician-choice", "--site", "brain"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("unknown drug"))
        .stderr(predicate::str::contains("her2-agents-mixed").not());
}

/// The report opens with its contents, the bottom line of each setting and the summary of
/// findings, before the question and methods; what changed follows the findings; every contents
/// link lands on an anchor; the references carry the identifiers the study files give.
#[test]
fn the_report_opens_with_its_findings() {
    let dir = tempfile::tempdir().unwrap();
    report_into(dir.path());
    let md = read(dir.path(), "report.md");
    let at = |heading: &str| md.find(heading).unwrap_or_else(|| panic!("no {heading}"));
    assert!(at("## Contents") < at("## Bottom line"));
    assert!(at("## Bottom line") < at("## Summary of findings"));
    assert!(at("## Summary of findings") < at("## Question"));
    assert!(at("## Guidance") < at("## What changed"));
    assert!(md.contains("### Brain radiotherapy"));
    let html = read(dir.path(), "index.html");
    for (i, _) in html.match_indices("href=\"#") {
        let anchor = &html[i + 7..];
        let anchor = &anchor[..anchor.find('"').unwrap()];
        assert!(
            html.contains(&format!("id=\"{anchor}\"")),
            "no anchor {anchor}"
        );
    }
    assert!(
        html.contains("https://doi.org/10.1186/s12885-021-07971-w"),
        "Mills 2021's DOI"
    );
}

/// What changed is short: studies added grouped by drug, and a plain word when no pooled
/// estimate changed.
#[test]
fn what_changed_groups_by_drug_and_says_when_nothing_moved() {
    let text = crate::common::stdout(&["diff"]);
    let bone = text
        .lines()
        .find(|l| l.starts_with("Bone:"))
        .expect("the bone paragraph");
    assert!(bone.contains("No pooled estimate changed."), "{bone}");
    assert!(
        bone.contains("trastuzumab deruxtecan: Debbi 2025 (TENDANCE), ESMO Breast 2024"),
        "{bone}"
    );
    let brain = text.lines().find(|l| l.starts_with("Brain:")).unwrap();
    assert!(brain.contains("other analyses are unchanged"), "{brain}");
    assert!(
        !brain.contains("is unchanged:"),
        "unchanged analyses are counted, not restated"
    );
}

/// The planned interval has a direction, and the drug's cycle (when the sources give it) tells
/// how far the next dose is: a 3-weekly drug given 14 days before radiotherapy is due again 7
/// days into it.
#[test]
fn the_planned_interval_has_a_direction_and_knows_the_cycle() {
    let interval = |drug: &str, days: &str| {
        assess(&["--drug", drug, "--site", "brain", "--interval-days", days])["interval"].clone()
    };
    let lebow = |i: &serde_json::Value| {
        i["windows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|w| w["study"] == "lebow")
            .map(|w| w["inside"].as_bool().unwrap())
    };
    let tdxd = interval("enhertu", "14");
    assert_eq!(tdxd["next_dose_days"], 7);
    // Lebow counted 7 days before to 21 after a dose as concurrent.
    assert_eq!(lebow(&interval("t-dm1", "25")), Some(false));
    assert_eq!(lebow(&interval("t-dm1", "-5")), Some(true));
    assert_eq!(lebow(&interval("t-dm1", "-9")), Some(false));
    // T-DM1's cycle is not in the sources: the gap to the next dose stays unknown.
    assert!(interval("t-dm1", "14")["next_dose_days"].is_null());
}

/// A comparison in the bottom line says whether its groups were randomised.
#[test]
fn comparisons_say_whether_their_groups_were_randomised() {
    let json = assess(&["--drug", "t-dm1", "--site", "breast"]);
    let lines: Vec<&str> = json["summary"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["text"].as_str().unwrap())
        .collect();
    assert!(
        lines
            .iter()
            .any(|l| l.contains("(KATHERINE)") && l.contains("randomised groups")),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("concurrent versus sequential")
                && l.contains("groups not randomised")),
        "{lines:?}"
    );
}

/// Treatment factors a study reports behind its toxicity show with the study (Stumpf: the number
/// of radiosurgery courses).
#[test]
fn dose_related_findings_show_where_the_data_hold_them() {
    let json = assess(&["--drug", "t-dm1", "--site", "brain", "--technique", "srs"]);
    let stumpf = json["studies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "stumpf-2019")
        .expect("Stumpf 2019 matches");
    assert!(stumpf["associations"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["result"]
            .as_str()
            .unwrap()
            .contains("total number of SRS courses")));
}
