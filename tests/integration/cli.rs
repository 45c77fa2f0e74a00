//! `concur` as a user runs it: exit codes, filters, errors, and stable JSON (golden snapshot).

use crate::common::{concur, json};
use predicates::prelude::*;
use serde_json::Value;

fn ids(value: &Value) -> Vec<String> {
    value
        .as_array()
        .expect("an array")
        .iter()
        .map(|s| s["id"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn brain_lists_the_six_studies_of_table_1() {
    let brain = ids(&json(&[
        "--edition",
        "2021-01",
        "studies",
        "--site",
        "brain",
        "--json",
    ]));
    assert_eq!(
        brain,
        [
            "borges-2015",
            "carlson-2014",
            "geraud-2017",
            "mitsuya-2016",
            "ricciardi-2018",
            "stumpf-2019"
        ]
    );
}

#[test]
fn breast_lists_the_five_studies_of_table_2_and_bone_the_bone_series() {
    let edition = ["--edition", "2021-01"];
    let breast = ids(&json(
        &[&edition[..], &["studies", "--site", "breast", "--json"]].concat(),
    ));
    assert_eq!(
        breast,
        [
            "corbin-2020",
            "krop-2015",
            "loibl-2020",
            "von-minckwitz-2019",
            "zolcsak-2020"
        ]
    );
    assert_eq!(
        ids(&json(
            &[&edition[..], &["studies", "--site", "bone", "--json"]].concat()
        )),
        ["geraud-2016"]
    );
    // The current edition adds the living update's studies to the same settings.
    let current = ids(&json(&["studies", "--site", "brain", "--json"]));
    for id in ["stumpf-2019", "mills-2021", "lebow", "khatri-2024"] {
        assert!(
            current.contains(&id.to_string()),
            "{id} missing from the current edition"
        );
    }
}

#[test]
fn filters_combine_and_drug_synonyms_match() {
    let srs_concurrent = ids(&json(&[
        "--edition",
        "2021-01",
        "studies",
        "--technique",
        "srs",
        "--timing",
        "concurrent",
        "--json",
    ]));
    assert_eq!(
        srs_concurrent,
        ["carlson-2014", "geraud-2017", "stumpf-2019"]
    );
    let kadcyla = ids(&json(&[
        "studies",
        "--drug",
        "Kadcyla",
        "--design",
        "case-report",
        "--json",
    ]));
    assert_eq!(
        kadcyla,
        [
            "borges-2015",
            "corbin-2020",
            "gurlek-2022",
            "ricciardi-2018"
        ]
    );
    let tdxd = ids(&json(&[
        "studies", "--drug", "enhertu", "--site", "brain", "--json",
    ]));
    assert_eq!(
        tdxd,
        [
            "debbi-2025",
            "grinzinger-2025",
            "khatri-2024",
            "koide-2024",
            "lebow"
        ]
    );
    let lapatinib = ids(&json(&[
        "studies",
        "--drug",
        "tki",
        "--setting",
        "preclinical",
        "--json",
    ]));
    assert_eq!(lapatinib, ["sambade-2009", "sambade-2010", "yu-2016"]);
}

#[test]
fn table_output_shows_design_n_timing_dose_and_toxicity() {
    concur()
        .args(["studies", "--site", "brain"])
        .assert()
        .success()
        .stdout(predicate::str::contains("stumpf-2019"))
        .stdout(predicate::str::contains(
            "mixed: 16 concurrent, 7 sequential",
        ))
        .stdout(predicate::str::contains("9/23 (39.1%)"))
        .stdout(predicate::str::contains("SRS 16-24 Gy"))
        .stdout(predicate::str::contains("6 studies"));
}

#[test]
fn show_prints_every_locator_and_the_eqd2() {
    concur()
        .args(["studies", "show", "corbin-2020"])
        .assert()
        .success()
        .stdout(predicate::str::contains("50 Gy, 25 fractions"))
        .stdout(predicate::str::contains("[results: breast RT (line 148)]"))
        .stdout(predicate::str::contains("EQD2"))
        .stdout(predicate::str::contains(
            "does not replace clinical judgement",
        ));
    let stumpf = json(&["studies", "show", "stumpf-2019", "--json"]);
    let derived = stumpf["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["timing"] == "sequential")
        .unwrap();
    assert_eq!(
        derived["derived"],
        serde_json::json!(["events", "denominator"])
    );
    assert!(derived["derivation"].as_str().unwrap().contains("9"));
}

#[test]
fn studies_json_is_stable() {
    insta::assert_json_snapshot!(
        "studies",
        json(&["--edition", "2021-01", "studies", "--json"])
    );
}

#[test]
fn audit_passes_on_the_default_review_and_lists_acknowledged_findings() {
    let report = json(&["audit", "--json"]);
    assert_eq!(report["unacknowledged_errors"], 0);
    let findings = report["findings"].as_array().unwrap();
    let krop = findings
        .iter()
        .find(|f| f["id"] == "conflicting-values/krop-2015/adverse-events-g3-concurrent-percent")
        .expect("the Krop table/text conflict is found");
    assert_eq!(krop["locators"].as_array().unwrap().len(), 2);
    assert!(krop["acknowledged"].is_string());
}

/// Copies the default review into a temporary folder, letting the test break one file.
fn review_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let src =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../reviews/tdm1-radiotherapy");
    std::fs::create_dir(dir.path().join("studies")).unwrap();
    for sub in ["", "studies"] {
        for entry in std::fs::read_dir(src.join(sub)).unwrap() {
            let path = entry.unwrap().path();
            if path.is_file() {
                std::fs::copy(&path, dir.path().join(sub).join(path.file_name().unwrap())).unwrap();
            }
        }
    }
    dir
}

#[test]
fn audit_fails_on_an_unacknowledged_error() {
    let dir = review_copy();
    std::fs::write(dir.path().join("audit.toml"), "").unwrap();
    concur()
        .args(["--review", dir.path().to_str().unwrap(), "audit"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("unacknowledged"));
}

#[test]
fn stale_acknowledgements_are_reported_in_every_edition() {
    let dir = review_copy();
    let mut audit = std::fs::read_to_string(dir.path().join("audit.toml")).unwrap();
    audit.push_str("\n[[acknowledged]]\nfinding = \"percent-count/nobody/gone\"\nexplanation = \"an old entry\"\n");
    std::fs::write(dir.path().join("audit.toml"), audit).unwrap();
    for edition in [&[][..], &["--edition", "2021-01"][..]] {
        let mut args = vec!["--review", dir.path().to_str().unwrap()];
        args.extend_from_slice(edition);
        args.extend_from_slice(&["audit", "--json"]);
        let report = json(&args);
        assert_eq!(
            report["stale_acknowledgements"],
            serde_json::json!(["percent-count/nobody/gone"]),
            "{edition:?}"
        );
    }
}

#[test]
fn invalid_review_gives_a_located_error() {
    let dir = review_copy();
    let path = dir.path().join("studies/stumpf-2019.toml");
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replacen("events = 9\n", "events = 90\n", 1);
    std::fs::write(&path, text).unwrap();
    concur()
        .args(["--review", dir.path().to_str().unwrap(), "studies"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("studies/stumpf-2019.toml:"))
        .stderr(predicate::str::contains(
            "outcomes[1].events: expected events no more than the denominator (23), found 90",
        ));
}

#[test]
fn bad_arguments_are_clear_errors() {
    concur()
        .args(["studies", "--drug", "aspirin"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("unknown drug `aspirin`"))
        .stderr(predicate::str::contains("t-dm1"));
    concur()
        .args(["studies", "--site", "lung"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("known: brain, breast"));
    concur()
        .args(["studies", "show", "nobody-1999"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("no study `nobody-1999`"));
    concur()
        .args(["--review", "/nonexistent", "studies"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("not a review folder"));
}

#[test]
fn every_subcommand_has_help() {
    for args in [
        &["--help"][..],
        &["studies", "--help"],
        &["studies", "show", "--help"],
        &["audit", "--help"],
        &["check", "--help"],
    ] {
        concur()
            .args(args)
            .assert()
            .success()
            .stdout(predicate::str::contains("Usage"));
    }
}

#[test]
fn a_closed_standard_output_ends_the_command_quietly() {
    for args in [
        &["studies", "--json"][..],
        &["audit"],
        &["assess", "--drug", "t-dm1", "--site", "brain"],
        &["studies"],
        &["check"],
        &["diff"],
        &["proportion", "3", "10"],
        &["--help"],
        &["meta", "--help"],
    ] {
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("concur"))
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // Closed before the command writes anything: its first write meets a broken pipe.
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        assert!(
            out.stderr.is_empty(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn filters_take_clinical_words_and_help_lists_the_values() {
    let by_id = ids(&json(&["studies", "--technique", "srs", "--json"]));
    let by_word = ids(&json(&["studies", "--technique", "Radiosurgery", "--json"]));
    assert!(!by_id.is_empty());
    assert_eq!(by_id, by_word);
    assert_eq!(
        ids(&json(&["studies", "--site", "intracranial", "--json"])),
        ids(&json(&["studies", "--site", "brain", "--json"]))
    );
    // A word for several values: a filter takes any of them, a question asks which one.
    let stereotactic = ids(&json(&["studies", "--technique", "stereotactic", "--json"]));
    assert!(by_id.iter().all(|id| stereotactic.contains(id)));
    let fsrt = ids(&json(&["studies", "--technique", "fsrt", "--json"]));
    assert!(fsrt.iter().all(|id| stereotactic.contains(id)));
    let rct = json(&["studies", "--design", "RCT", "--json"]);
    let designs: Vec<&str> = rct
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["design"].as_str().unwrap())
        .collect();
    assert!(!designs.is_empty());
    assert!(designs.iter().all(|d| d.ends_with("-rct")), "{designs:?}");
    concur()
        .args([
            "assess",
            "--drug",
            "t-dm1",
            "--site",
            "brain",
            "--technique",
            "stereotactic",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "means several values (srs, fsrt, sbrt)",
        ));
    concur()
        .args(["studies", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("values: brain, breast"))
        .stdout(predicate::str::contains("radiosurgery"));
    concur()
        .args([
            "assess",
            "--drug",
            "t-dm1",
            "--site",
            "brain",
            "--timing",
            "concomitant",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("timing: concurrent"));
}

#[test]
fn flag_combinations_that_cannot_work_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    concur().args(["init"]).arg(dir.path()).assert().success();
    for args in [
        &["dedup", "--undo", "--dry-run"][..],
        &["dedup", "--undo", "0"],
        &["dedup", "--undo", "-3"],
    ] {
        concur()
            .arg("--workspace")
            .arg(dir.path())
            .args(args)
            .assert()
            .code(2);
    }
    // An absurd schedule is a clear error, not an answer.
    concur()
        .args([
            "assess",
            "--drug",
            "t-dm1",
            "--site",
            "brain",
            "--dose-gy",
            "1e308",
            "--fractions",
            "1",
        ])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("cannot be given"));
    // The interval search of a rare proportion ends.
    concur()
        .args(["proportion", "3", "7400000", "--json"])
        .assert()
        .success();
}

#[test]
fn hostile_text_in_a_review_reaches_no_output_as_markup_or_formula() {
    let dir = review_copy();
    let hostile = r#"<script>alert(1)</script> \"><svg onload=alert(1)> [x](javascript:alert(1))"#;
    let edit = |file: &str, from: &str, to: &str| {
        let path = dir.path().join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{file}: {from}");
        std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
    };
    edit(
        "studies/adams-2016.toml",
        "label = \"Adams 2016\"",
        &format!("label = \"=HYPERLINK(1) {hostile}\""),
    );
    edit(
        "review.toml",
        "title = \"Radionecrosis (clinically significant or symptomatic) after SRS with T-DM1\"",
        &format!("title = \"{hostile}\""),
    );
    edit(
        "guidance.toml",
        "text = \"Use caution",
        &format!("text = \"{hostile} Use caution"),
    );
    let out = tempfile::tempdir().unwrap();
    concur()
        .args(["--review", dir.path().to_str().unwrap(), "report", "--out"])
        .arg(out.path())
        .assert()
        .success();
    let mut seen = 0;
    for entry in walk(out.path()) {
        let text = std::fs::read_to_string(&entry).unwrap();
        let name = entry.display().to_string();
        if name.ends_with(".html") || name.ends_with(".svg") || name.ends_with(".md") {
            assert!(!text.contains("<script>alert"), "{name}");
            assert!(!text.contains("<svg onload"), "{name}");
            assert!(
                !text.to_lowercase().contains("href=\"javascript:"),
                "{name}"
            );
        }
        if name.ends_with(".csv") {
            assert!(
                text.lines()
                    .flat_map(|l| l.split(','))
                    .all(|cell| !cell.trim_start_matches('"').starts_with("=HYPERLINK")),
                "{name}"
            );
        }
        seen += text.contains("alert(1)") as usize;
    }
    assert!(
        seen >= 3,
        "the hostile text is shown, as text, in the outputs: {seen}"
    );
}

/// Every file under a folder.
fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[test]
fn an_id_that_would_leave_the_report_folder_is_refused_by_check() {
    let dir = review_copy();
    let path = dir.path().join("review.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let first = text.find("[[analyses]]\nid = \"").unwrap() + "[[analyses]]\nid = \"".len();
    let end = first + text[first..].find('"').unwrap();
    let mut broken = text.clone();
    broken.replace_range(first..end, "../../pwned");
    std::fs::write(&path, broken).unwrap();
    concur()
        .args(["--review", dir.path().to_str().unwrap(), "check"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("pwned"));
}
