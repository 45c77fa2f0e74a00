//! The living cycle on the default review: one of the update's publications (Dastgheyb 2023,
//! from `evidence-update-2021-2026.md`) is taken out of a copy of the review and walked back in:
//! record → screening by two → full text → extraction by two → check → comparison → acceptance
//! into a new edition → diff; and `concur update` reports what waits and is a no-op when run
//! twice, on the workspace alone and against the replayed PubMed server.

use crate::common::concur;
use crate::import::{fixtures, in_workspace};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// The update file, or `None` (with a notice) when the shared sources are absent.
fn update_source() -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/sources/evidence-update-2021-2026.md");
    if path.is_file() {
        return Some(path);
    }
    if std::env::var("CONCUR_REQUIRE_FIXTURES").as_deref() == Ok("1") {
        panic!(
            "CONCUR_REQUIRE_FIXTURES=1 but {} is missing",
            path.display()
        );
    }
    eprintln!(
        "notice: {} absent; skipping the living-cycle walk-through",
        path.display()
    );
    None
}

fn run(ws: &Path, args: &[&str]) -> (i32, String) {
    let out = in_workspace(ws).args(args).output().unwrap();
    assert!(
        out.status.code().is_some_and(|c| c <= 1),
        "concur {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
    )
}

fn run_json(ws: &Path, args: &[&str]) -> (i32, Value) {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    let (code, out) = run(ws, &all);
    (code, serde_json::from_str(&out).expect("JSON"))
}

/// Alice's completed form: every number as the update's Dastgheyb row prints it, at `line`
/// of the attached text.
fn alice_form(line: usize) -> String {
    let at = format!("page 1, line {line}");
    let mut f = format!(
        r#"id = "dastgheyb-2023"
label = "Dastgheyb 2023"
design = "retrospective-cohort"
design_locator = "{at}"
setting = ["early"]
population = "The first 35 patients at one institution given T-DM1 with breast or chest-wall radiotherapy, with or without nodes."
summary = "Grade 2 or worse radiation dermatitis in most patients; grade 3 in three."
provenance = "Read from the evidence update's summary of the PubMed abstract; full text not read."

[citation]
authors = ["Dastgheyb"]
year = 2023
journal = "Breast"
volume = "67"
pages = "26-29"
pmid = "36566691"
doi = "10.1016/j.breast.2022.12.002"
locator = "workspace record 1 (PMID 36566691)"

[n]
value = 35
locator = "{at}"

[[arms]]
id = "tdm1"
label = "T-DM1 with concurrent RT"
drugs = ["t-dm1"]
n = 35
locator = "{at}"

[[radiotherapy]]
sites = ["breast", "chest-wall", "regional-nodes"]
techniques = ["whole-breast", "post-mastectomy", "regional-nodal"]
locator = "{at}"

[timing]
mode = "concurrent"
locator = "{at}"

[[outcomes]]
kind = "toxicity"
term = "acute radiation dermatitis"
grade = ">=2"
arm = "tdm1"
events = 22
denominator = 35
unit = "patient"
locator = "{at}"

[[outcomes]]
kind = "toxicity"
term = "acute radiation dermatitis"
grade = "3"
arm = "tdm1"
events = 3
denominator = 35
unit = "patient"
locator = "{at}"

[risk_of_bias]
tool = "jbi-case-series"
overall = "some-concerns"
"#
    );
    for q in 1..=10 {
        let (judgement, support) = match q {
            4 => ("yes", "The first 35 patients treated were studied."),
            8 => ("yes", "Dermatitis grades are given for all 35 patients."),
            _ => (
                "unclear",
                "The summary of the abstract does not report this.",
            ),
        };
        f.push_str(&format!(
            "\n[[risk_of_bias.domains]]\ndomain = \"Q{q}\"\njudgement = \"{judgement}\"\nsupport = \"{support}\"\nlocator = \"{at}\"\n"
        ));
    }
    f
}

#[test]
fn a_publication_of_the_update_walks_from_record_to_a_new_edition() {
    let Some(source) = update_source() else {
        return;
    };
    let text = std::fs::read_to_string(&source).unwrap();
    let line = text
        .lines()
        .position(|l| l.starts_with("| Dastgheyb"))
        .expect("the update lists Dastgheyb 2023")
        + 1;
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path();
    concur()
        .args(["init", "--with-review"])
        .arg(ws)
        .assert()
        .success();
    // Replay: the study and its analysis row go, as before the update found them.
    let review = ws.join("review");
    std::fs::remove_file(review.join("studies/dastgheyb-2023.toml")).unwrap();
    let toml = std::fs::read_to_string(review.join("review.toml")).unwrap();
    let row = r#"rows = [ { study = "dastgheyb-2023", arm = "tdm1" } ]"#;
    assert!(toml.contains(row));
    std::fs::write(review.join("review.toml"), toml.replace(row, "rows = []")).unwrap();
    run(ws, &["check"]);

    run(
        ws,
        &[
            "edition",
            "new",
            "2026-12",
            "--label",
            "Monthly update, December 2026",
        ],
    );
    // The record, as the update's row cites it (no title: the row gives none).
    let ris = ws.join("dastgheyb.ris");
    std::fs::write(
        &ris,
        "TY  - JOUR\nAU  - Dastgheyb\nPY  - 2023\nJO  - Breast\nVL  - 67\nSP  - 26\nEP  - 29\nDO  - 10.1016/j.breast.2022.12.002\nDB  - PubMed\nAN  - 36566691\nER  - \n",
    )
    .unwrap();
    run(ws, &["import", "--quiet", ris.to_str().unwrap()]);
    for reviewer in ["alice", "bob"] {
        for stage in ["title-abstract", "full-text"] {
            run(
                ws,
                &[
                    "screen",
                    "decide",
                    "1",
                    "--decision",
                    "include",
                    "--reviewer",
                    reviewer,
                    "--stage",
                    stage,
                ],
            );
        }
    }
    // update sees the included record without a form; run twice, it changes nothing.
    let (code, first) = run_json(ws, &["update", "--offline"]);
    assert_eq!(code, 0);
    assert_eq!(first["included_without_extraction"], serde_json::json!([1]));
    assert_eq!(first["new_records"], serde_json::json!([1]));
    let (_, second) = run_json(ws, &["update", "--offline"]);
    assert_eq!(second["new_records"], serde_json::json!([]));
    assert_eq!(second["imported"], 0);
    assert_eq!(
        second["included_without_extraction"],
        serde_json::json!([1])
    );

    // The full text: here the update's own text, where the figures were read.
    run(ws, &["records", "attach", "1", source.to_str().unwrap()]);
    for reviewer in ["alice", "bob"] {
        run(
            ws,
            &[
                "extract",
                "new",
                "1",
                "--reviewer",
                reviewer,
                "--design",
                "retrospective-cohort",
            ],
        );
    }
    let form = ws.join("extractions/alice/dastgheyb-2023.toml");
    let blank = std::fs::read_to_string(&form).unwrap();
    assert!(blank.contains("pmid = \"36566691\"") && blank.contains("events = \"\""));
    // A fresh form fails its check with every empty value located.
    let (code, checks) = run_json(
        ws,
        &["extract", "check", "dastgheyb-2023", "--reviewer", "alice"],
    );
    assert_eq!(code, 1);
    let problems = checks[0]["problems"].as_array().unwrap();
    assert!(problems.len() > 20);
    assert!(problems.iter().all(|p| p["line"].as_u64().is_some()));
    let events = problems
        .iter()
        .find(|p| p["field"] == "outcomes[0].events")
        .unwrap();
    assert_eq!(
        blank
            .lines()
            .nth(events["line"].as_u64().unwrap() as usize - 1),
        Some("events = \"\"")
    );
    let (_, second) = run_json(ws, &["update", "--offline"]);
    assert_eq!(second["included_without_extraction"], serde_json::json!([]));
    assert_eq!(
        second["awaiting_comparison"],
        serde_json::json!(["dastgheyb-2023"])
    );

    // Alice fills her form; Bob's differs in six planted places.
    let alice = alice_form(line);
    std::fs::write(&form, &alice).unwrap();
    let (code, checks) = run_json(
        ws,
        &["extract", "check", "dastgheyb-2023", "--reviewer", "alice"],
    );
    assert_eq!(code, 0, "{checks}");
    assert_eq!(checks[0]["valid"], true);
    let numbers = checks[0]["numbers"].as_array().unwrap();
    assert!(numbers.len() >= 6 && numbers.iter().all(|n| n["found"] == true));
    let at = format!("page 1, line {line}");
    let bob = alice
        .replacen("events = 22", "events = 21", 1)
        .replacen(
            &format!("[n]\nvalue = 35\nlocator = \"{at}\""),
            &format!("[n]\nvalue = 35\nlocator = \"page 1, line {}\"", line + 1),
            1,
        )
        .replacen("drugs = [\"t-dm1\"]", "drugs = [\"t-dm1\", \"trastuzumab\"]", 1)
        .replacen("grade = \"3\"\narm = \"tdm1\"\nevents = 3\ndenominator = 35\nunit = \"patient\"", "grade = \"3\"\narm = \"tdm1\"\nevents = 3\ndenominator = 35\nunit = \"lesion\"", 1)
        .replacen("domain = \"Q4\"\njudgement = \"yes\"", "domain = \"Q4\"\njudgement = \"unclear\"", 1)
        .replacen(
            "[risk_of_bias]",
            &format!("[[outcomes]]\nkind = \"toxicity\"\nterm = \"radiation pneumonitis\"\ngrade = \"any\"\narm = \"tdm1\"\nevents = 0\ndenominator = 35\nunit = \"patient\"\nlocator = \"{at}\"\n\n[risk_of_bias]"),
            1,
        );
    std::fs::write(ws.join("extractions/bob/dastgheyb-2023.toml"), &bob).unwrap();
    let (code, compared) = run_json(ws, &["extract", "compare", "dastgheyb-2023"]);
    assert_eq!(code, 1);
    let diffs = compared["differences"].as_array().unwrap();
    let kind_of = |field: &str| {
        diffs
            .iter()
            .find(|d| d["field"].as_str().unwrap().contains(field))
            .map(|d| d["kind"].as_str().unwrap().to_string())
            .unwrap_or_else(|| panic!("no difference at {field}: {compared}"))
    };
    assert_eq!(kind_of("grade >=2, arm tdm1].events"), "value");
    assert_eq!(kind_of("n.locator"), "locator");
    assert_eq!(kind_of("arms[tdm1].drugs"), "arm");
    assert_eq!(kind_of("grade 3, arm tdm1].unit"), "unit");
    assert_eq!(kind_of("domains[Q4].judgement"), "risk-of-bias");
    assert_eq!(kind_of("outcomes[radiation pneumonitis"), "missing");
    assert_eq!(diffs.len(), 6, "{compared}");
    // Bob's 21 is not printed where he says: the full-text check catches it.
    let (code, checks) = run_json(
        ws,
        &["extract", "check", "dastgheyb-2023", "--reviewer", "bob"],
    );
    assert_eq!(code, 1);
    assert!(checks[0]["numbers"]
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n["found"] == false && n["value"] == 21.0));

    // Alice's form is accepted into the new edition; the analysis gains its row.
    let (code, accepted) = run_json(
        ws,
        &["extract", "accept", "dastgheyb-2023", "--from", "alice"],
    );
    assert_eq!(code, 0);
    assert_eq!(accepted["edition"], "2026-12");
    assert_eq!(accepted["checked_by"], serde_json::json!(["bob"]));
    assert_eq!(
        accepted["rows_added"][0]["analysis"],
        "breast-dermatitis-g2plus-concurrent"
    );
    assert_eq!(
        accepted["analyses_changed"],
        serde_json::json!(["breast-dermatitis-g2plus-concurrent"])
    );
    let study = std::fs::read_to_string(review.join("studies/dastgheyb-2023.toml")).unwrap();
    assert!(study.contains("since = \"2026-12\"") && study.contains("extracted_by = [\"alice\"]"));
    // Accepting twice is refused; the review still loads and the audit runs over the study.
    let again = in_workspace(ws)
        .args(["extract", "accept", "dastgheyb-2023", "--from", "alice"])
        .output()
        .unwrap();
    assert!(!again.status.success());
    run(ws, &["check"]);
    let (_, audit) = run_json(ws, &["audit"]);
    assert_eq!(audit["unacknowledged_errors"], 0);

    // The diff from the edition before says what changed, with the new estimate.
    let (_, diff) = run_json(ws, &["diff"]);
    assert_eq!(
        (diff["from"].as_str(), diff["to"].as_str()),
        (Some("current"), Some("2026-12"))
    );
    assert!(diff.to_string().contains("Dastgheyb 2023"));
    let change = diff["analyses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == "breast-dermatitis-g2plus-concurrent")
        .expect("the analysis is in the diff");
    assert!(
        change["before"]["estimate"]
            .as_str()
            .unwrap()
            .starts_with("not pooled"),
        "{change}"
    );
    let after = change["after"]["estimate"].as_str().unwrap();
    assert!(after.contains("62.9%"), "{change}");
    assert_eq!(change["after"]["rows"], 1);
    // The report of the new edition says what changed since `current`.
    let out = ws.join("report");
    run(ws, &["report", "--out", out.to_str().unwrap()]);
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(md.contains("What changed from current to 2026-12"));
    assert!(
        md.contains("JBI checklist for case series"),
        "risk of bias beside the forest plot"
    );
    let (_, last) = run_json(ws, &["update", "--offline"]);
    assert_eq!(
        last["accepted_since_last_edition"],
        serde_json::json!(["dastgheyb-2023"])
    );
    assert_eq!(
        last["estimates_changing"],
        serde_json::json!(["breast-dermatitis-g2plus-concurrent"])
    );
    assert_eq!(last["awaiting_comparison"], serde_json::json!([]));
}

#[test]
fn update_imports_only_what_pubmed_has_new_and_a_second_run_changes_nothing() {
    let Some(fx) = fixtures() else { return };
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path();
    concur().arg("init").arg(ws).assert().success();
    let base = crate::search::replay_server(&fx);
    run(
        ws,
        &[
            "pubmed",
            "search",
            "asthma",
            "--base-url",
            &base,
            "--email",
            "a@example.org",
            "--save",
            "asthma",
        ],
    );
    let (code, first) = run_json(
        ws,
        &["update", "--base-url", &base, "--email", "a@example.org"],
    );
    assert_eq!(code, 0);
    assert_eq!(first["imported"], 10, "{first}");
    assert_eq!(first["new_records"].as_array().unwrap().len(), 10);
    assert_eq!(first["searches"][0]["name"], "asthma");
    let (_, second) = run_json(
        ws,
        &["update", "--base-url", &base, "--email", "a@example.org"],
    );
    assert_eq!(second["imported"], 0, "{second}");
    assert_eq!(second["new_records"], serde_json::json!([]));
    assert!(
        second["searches"][0]["saved"].is_null(),
        "no new run logged: {second}"
    );
    let log = run_json(ws, &["search", "log"]).1;
    assert_eq!(log.as_array().unwrap().len(), 1, "{log}");
    // Text output names what waits; offline it does not ask PubMed.
    let (_, text) = run(ws, &["update", "--offline"]);
    assert!(text.contains("0 new since the last update"), "{text}");
}

#[test]
fn the_documented_walk_through_runs_as_written() {
    let Some(source) = update_source() else {
        return;
    };
    let page = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/living-review.md"),
    )
    .unwrap();
    // Every ```sh block of the page, in order, as one script.
    let mut script = String::new();
    let mut inside = false;
    for line in page.lines() {
        match (inside, line.trim_end()) {
            (false, "```sh") => inside = true,
            (true, "```") => inside = false,
            (true, l) => {
                script.push_str(l);
                script.push('\n');
            }
            _ => {}
        }
    }
    assert!(script.contains("concur extract accept"), "{script}");
    let bin = assert_cmd::cargo::cargo_bin("concur");
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg(&script)
        .current_dir(dir.path())
        .env("PATH", path)
        .env("SOURCES", source.parent().unwrap())
        .env_remove("CONCUR_REVIEWER")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "the walk-through failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for said in [
        "opened edition 2026-12",
        "1 difference between alice and bob",
        "alice and bob extracted dastgheyb-2023 the same way",
        "accepted dastgheyb-2023 into edition 2026-12",
        "What changed from current to 2026-12",
        "62.9%",
        "pooled estimates that change from current to 2026-12: breast-dermatitis-g2plus-concurrent",
    ] {
        assert!(
            stdout.contains(said),
            "the walk-through did not say `{said}`:\n{stdout}"
        );
    }
}
