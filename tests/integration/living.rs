//! The living review: editions, `concur diff`, concurrency windows, consensus statements.

use crate::common::{concur, json};
use serde_json::Value;

#[test]
fn the_2021_edition_reproduces_the_published_review() {
    let dir = tempfile::tempdir().unwrap();
    concur()
        .args([
            "--edition",
            "2021-01",
            "report",
            "--out",
            dir.path().to_str().unwrap(),
        ])
        .assert()
        .success();
    let md = std::fs::read_to_string(dir.path().join("report.md")).unwrap();
    for absent in [
        "Mills 2021",
        "Meattini",
        "DESTINY-Breast05",
        "update §",
        "What changed",
    ] {
        assert!(!md.contains(absent), "the 2021 edition shows `{absent}`");
    }
    insta::assert_snapshot!("report_2021_md", md);
    let audit = json(&["--edition", "2021-01", "audit", "--json"]);
    assert_eq!(audit["findings"].as_array().unwrap().len(), 34);
    assert_eq!(audit["unacknowledged_errors"], 0);
    assert!(audit["stale_acknowledgements"]
        .as_array()
        .unwrap()
        .is_empty());
}

#[test]
fn the_current_report_shows_what_changed() {
    let dir = tempfile::tempdir().unwrap();
    concur()
        .args(["report", "--out", dir.path().to_str().unwrap()])
        .assert()
        .success();
    let md = std::fs::read_to_string(dir.path().join("report.md")).unwrap();
    for present in [
        "Edition: **current**",
        "What changed from 2021-01 to current",
        "Mills 2021",
        "hold T-DM1 for 7 days",
        "Update source",
    ] {
        assert!(md.contains(present), "the current report lacks `{present}`");
    }
}

#[test]
fn diff_lists_changes_with_numbers() {
    let d = json(&["diff", "--from", "2021-01", "--to", "current", "--json"]);
    assert_eq!(d["studies_added"].as_array().unwrap().len(), 17);
    let analyses = d["analyses"].as_array().unwrap();
    let necrosis = analyses
        .iter()
        .find(|a| a["id"] == "brain-srs-necrosis")
        .unwrap();
    assert_eq!(
        necrosis["before"], necrosis["after"],
        "no new per-patient T-DM1 counts for SRS necrosis"
    );
    assert!(necrosis["before"]["estimate"]
        .as_str()
        .unwrap()
        .contains("40.5%"));
    let new = analyses
        .iter()
        .find(|a| a["id"] == "breast-skin-g2-atempt")
        .unwrap();
    assert!(
        new["before"].is_null()
            && new["after"]["estimate"]
                .as_str()
                .unwrap()
                .contains("risk ratio")
    );
    let added: Vec<&str> = d["guidance_added"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["id"].as_str().unwrap())
        .collect();
    assert!(added.contains(&"meattini-2024-intracranial-hold"));
    let summaries = d["summaries"].as_array().unwrap();
    assert_eq!(summaries.len(), 3);
    assert!(summaries[0]["summary"]
        .as_str()
        .unwrap()
        .starts_with("Brain: the 2021-01 edition held 6 studies"));
    concur()
        .args(["diff", "--from", "1999", "--to", "current"])
        .assert()
        .code(3)
        .stderr(predicates::str::contains("unknown edition `1999`"));
}

#[test]
fn assess_with_an_interval_names_the_consensus_and_the_windows_that_cover_it() {
    let a = json(&[
        "assess",
        "--drug",
        "t-dm1",
        "--site",
        "brain",
        "--technique",
        "srs",
        "--interval-days",
        "7",
        "--format",
        "json",
    ]);
    let interval = &a["interval"];
    let hold = interval["holds"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["statement"] == "meattini-2024-intracranial-hold")
        .unwrap();
    assert_eq!(hold["hold_days"], 7);
    assert_eq!(hold["met"], true);
    let windows = interval["windows"].as_array().unwrap();
    let inside: Vec<&str> = windows
        .iter()
        .filter(|w| w["inside"] == true)
        .map(|w| w["study"].as_str().unwrap())
        .collect();
    for id in ["lebow", "mills-2021"] {
        assert!(
            inside.contains(&id),
            "{id} should cover a 7-day interval: {inside:?}"
        );
    }
    assert!(
        a["guidance"]
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g["kind"] == "consensus"
                && g["obtained"].as_str().unwrap().contains("tabulated"))
    );
    assert!(a["disagreements"]
        .as_array()
        .unwrap()
        .iter()
        .any(|d| d.as_str().unwrap().contains("7-day hold")));
    assert!(a["class_level"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["id"] == "khatri-2024"));

    let short = json(&[
        "assess",
        "--drug",
        "t-dm1",
        "--site",
        "brain",
        "--interval-days",
        "3",
        "--format",
        "json",
    ]);
    let hold = short["interval"]["holds"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["statement"] == "meattini-2024-intracranial-hold")
        .unwrap();
    assert_eq!(hold["met"], false);
}

#[test]
fn rates_per_lesion_and_per_patient_are_never_pooled_together() {
    let analyses: Value = {
        let dir = tempfile::tempdir().unwrap();
        concur()
            .args(["report", "--out", dir.path().to_str().unwrap()])
            .assert()
            .success();
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("analyses.json")).unwrap())
            .unwrap()
    };
    let lesion = analyses
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == "brain-stereotactic-necrosis-per-lesion")
        .unwrap();
    assert_eq!(lesion["unit"], "lesion");
    assert_eq!(lesion["rows"][0]["group"]["total"], 40);
    let patient = analyses
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == "brain-srs-necrosis")
        .unwrap();
    assert_eq!(patient["unit"], "patient");
    assert!(patient["rows"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["study"] != "mills-2021"));
}

#[test]
fn unverified_items_stay_unverified() {
    let duke = json(&["studies", "show", "duke-2022", "--json"]);
    assert!(duke["unverified"]
        .as_array()
        .unwrap()
        .iter()
        .any(|u| u == "first author"));
    assert!(
        duke["citation"]["authors"].as_array().unwrap().is_empty(),
        "no first author may be entered"
    );
    let id_said = json(&["studies", "show", "id-said-2022", "--json"]);
    assert!(
        id_said["outcomes"].as_array().unwrap().is_empty(),
        "no numbers for an unfound study"
    );
}
