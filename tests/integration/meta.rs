//! `concur meta` and `concur proportion` from the command line: numbers tie back to the metafor
//! reference, and bad files give located errors.

use crate::common::{concur, json};
use predicates::prelude::*;
use serde_json::Value;
use std::path::PathBuf;

/// Writes a CSV into a temporary folder and returns (folder guard, path).
fn csv(text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("studies.csv");
    std::fs::write(&path, text).unwrap();
    (dir, path)
}

fn reference_case(id: &str) -> Value {
    let text = include_str!("../../crates/concur-stats/tests/fixtures/metafor-reference.json");
    let all: Value = serde_json::from_str(text).unwrap();
    all["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap()
        .clone()
}

/// The BCG trials as CSV, built from the reference battery's own inputs.
fn bcg_csv() -> String {
    let d = &reference_case("bcg/RR/REML/z")["data"];
    let col = |k: &str| {
        d[k].as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap() as u64)
            .collect::<Vec<_>>()
    };
    let (a, n1, c, n2) = (
        col("events_t"),
        col("total_t"),
        col("events_c"),
        col("total_c"),
    );
    let mut out = String::from("study,events_t,total_t,events_c,total_c,group\n");
    for i in 0..a.len() {
        out.push_str(&format!(
            "trial {},{},{},{},{},{}\n",
            i + 1,
            a[i],
            n1[i],
            c[i],
            n2[i],
            if i % 2 == 0 { "even" } else { "odd" }
        ));
    }
    out
}

#[test]
fn meta_json_matches_metafor_for_every_method_on_bcg() {
    let (_dir, path) = csv(&bcg_csv());
    for method in ["EE", "DL", "REML", "PM", "MH"] {
        let id = format!("bcg/RR/{method}/z");
        let expected = &reference_case(&id)["expected"];
        let got = json(&[
            "meta",
            "--data",
            path.to_str().unwrap(),
            "--measure",
            "RR",
            "--method",
            method,
            "--json",
        ]);
        for field in ["estimate", "se", "ci_lb", "ci_ub", "q"] {
            let (g, e) = (
                got[field].as_f64().unwrap(),
                expected[field].as_f64().unwrap(),
            );
            assert!((g - e).abs() <= 1e-6 * e.abs(), "{id} {field}: {g} vs {e}");
        }
        assert_eq!(got["k"], 13);
        assert_eq!(got["studies"].as_array().unwrap().len(), 13);
        assert_eq!(got["studies"][0]["study"], "trial 1");
        if method == "MH" {
            assert!(
                got["tau2"].is_null() && got["pi_lb"].is_null(),
                "MH defines no tau2 or prediction interval"
            );
        }
    }
}

#[test]
fn meta_json_has_the_documented_fields() {
    let (_dir, path) = csv("study,events,total\na,9,23\nb,4,7\nc,2,4\n");
    let got = json(&[
        "meta",
        "--data",
        path.to_str().unwrap(),
        "--measure",
        "PLO",
        "--method",
        "REML",
        "--test",
        "knha",
        "--json",
        "--leave-one-out",
    ]);
    for field in [
        "k",
        "measure",
        "method",
        "test",
        "level",
        "estimate",
        "se",
        "ci_lb",
        "ci_ub",
        "stat",
        "p",
        "tau2",
        "tau2_ci",
        "i2",
        "h2",
        "q",
        "q_df",
        "q_p",
        "pi_lb",
        "pi_ub",
        "transformed",
        "studies",
        "leave_one_out",
    ] {
        assert!(got.get(field).is_some(), "missing {field}");
    }
    for field in ["estimate", "ci_lb", "ci_ub", "pi_lb", "pi_ub"] {
        let v = got["transformed"][field].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&v), "{field} {v}");
    }
    assert_eq!(got["test"], "knha");
    assert_eq!(got["leave_one_out"].as_array().unwrap().len(), 3);
}

#[test]
fn meta_text_shows_a_forest_plot_and_subgroups() {
    let (_dir, path) = csv(&bcg_csv());
    concur()
        .args([
            "meta",
            "--data",
            path.to_str().unwrap(),
            "--measure",
            "RR",
            "--subgroup",
            "group",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("as risk ratio: 0.4894"))
        .stdout(predicate::str::contains("◆"))
        .stdout(predicate::str::contains("test for subgroup differences"));
}

#[test]
fn glmm_runs_from_the_cli_and_refuses_all_zero_data() {
    let (_dir, path) = csv("study,events,total\na,9,23\nb,4,7\nc,2,4\n");
    let got = json(&[
        "meta",
        "--data",
        path.to_str().unwrap(),
        "--measure",
        "PLO",
        "--method",
        "GLMM",
        "--json",
    ]);
    let expected = &reference_case("tdm1_srs_necrosis/PLO/GLMM/z")["expected"];
    let (g, e) = (
        got["estimate"].as_f64().unwrap(),
        expected["estimate"].as_f64().unwrap(),
    );
    assert!((g - e).abs() < 1e-4 * e.abs(), "{g} vs {e}");
    let (_dir2, zeros) = csv("study,events,total\na,0,10\nb,0,12\n");
    concur()
        .args([
            "meta",
            "--data",
            zeros.to_str().unwrap(),
            "--measure",
            "PLO",
            "--method",
            "GLMM",
        ])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("GLMM"))
        .stderr(predicate::str::contains("no finite maximum"));
}

#[test]
fn bad_files_give_located_errors() {
    let cases: &[(&str, &str, &str)] = &[
        ("study,events\na,3\n", "PR", "no `total` column"),
        (
            "study,events,total\na,3,10\nb,x,10\n",
            "PR",
            "line 3, column `events`, value `x`: expected a number",
        ),
        (
            "study,events,total\na,30,10\n",
            "PR",
            "line 2, column `events`, value `30`: events cannot exceed total",
        ),
        (
            "study,events,total\na,3,10,7\n",
            "PR",
            "line 2: this row has 4 fields but the header has 3",
        ),
        ("study,events,total\n", "PR", "no studies"),
        ("", "PR", "no `events` column"),
        ("study,events,total\na,2.5,10\n", "PR", "whole number"),
        ("study,events,total\na,-1,10\n", "PR", "whole number"),
        ("study,yi\na,0.3\n", "GEN", "`vi`"),
        (
            "study,hr,ci_lb,ci_ub\na,0.5,0.7,0.9\n",
            "HR",
            "0 < ci_lb <= hr <= ci_ub",
        ),
    ];
    for (text, measure, message) in cases {
        let (_dir, path) = csv(text);
        concur()
            .args([
                "meta",
                "--data",
                path.to_str().unwrap(),
                "--measure",
                measure,
            ])
            .assert()
            .code(3)
            .stderr(predicate::str::contains("studies.csv"))
            .stderr(predicate::str::contains(*message));
    }
    let (_dir, path) = csv("");
    std::fs::write(&path, b"study,events,total\na,\xff\xfe,10\n").unwrap();
    concur()
        .args(["meta", "--data", path.to_str().unwrap(), "--measure", "PR"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("not UTF-8"));
    concur()
        .args(["meta", "--data", "/no/such/file.csv", "--measure", "PR"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("cannot read"));
}

#[test]
fn incompatible_options_are_explained() {
    let (_dir, path) = csv("study,events,total\na,3,10\nb,4,12\n");
    let p = path.to_str().unwrap();
    concur()
        .args(["meta", "--data", p, "--measure", "PR", "--method", "MH"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("two-group tables"));
    concur()
        .args(["meta", "--data", p, "--measure", "XYZ"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("known: PR, PLO"));
    concur()
        .args(["meta", "--data", p, "--measure", "PR", "--method", "BAYES"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("known: EE"));
    concur()
        .args(["meta", "--data", p, "--measure", "PR", "--test", "t"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("known: z, knha"));
    concur()
        .args(["meta", "--data", p, "--measure", "PR", "--subgroup", "arm"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("no subgroup column `arm`"));
}

#[test]
fn proportion_prints_the_four_intervals() {
    let got = json(&["proportion", "9", "23", "--json"]);
    let text = include_str!("../../crates/concur-stats/tests/fixtures/metafor-reference.json");
    let all: Value = serde_json::from_str(text).unwrap();
    let r = all["intervals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["events"] == 9 && c["total"] == 23)
        .unwrap();
    for name in ["clopper_pearson", "wilson", "jeffreys", "agresti_coull"] {
        for i in 0..2 {
            let (g, e) = (got[name][i].as_f64().unwrap(), r[name][i].as_f64().unwrap());
            assert!((g - e).abs() < 1e-10, "{name}[{i}] {g} vs {e}");
        }
    }
    concur()
        .args(["proportion", "9", "23"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Clopper-Pearson"));
    concur()
        .args(["proportion", "30", "23"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("events <= total"));
    concur()
        .args(["proportion", "3", "10", "--level", "120"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("level"));
}
