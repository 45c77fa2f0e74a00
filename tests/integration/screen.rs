//! `concur screen simulate` from the command line: the JSON shape, reproducibility for a seed,
//! BUSCAR on a real labelled set, the recall figure, and labelled files it must refuse.

use crate::common::{concur, json};
use crate::import::fixtures;

#[test]
fn a_simulation_is_reproducible_and_stops_past_95_percent_recall() {
    let Some(dir) = fixtures() else { return };
    let data = dir.join("screening/Jeyaraman_2020/Jeyaraman_2020.csv");
    let data = data.to_str().unwrap();
    let svg = tempfile::NamedTempFile::new().unwrap();
    let svg_path = svg.path().to_str().unwrap();
    let args = [
        "screen", "simulate", "--data", data, "--runs", "2", "--seed", "5", "--json", "--svg",
        svg_path,
    ];
    let a = json(&args);
    assert_eq!(a["records"], 1175);
    assert_eq!(a["relevant"], 96);
    let runs = a["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 2);
    assert_eq!(runs[0]["seed"], 5);
    assert_eq!(runs[1]["seed"], 6);
    for r in runs {
        for key in [
            "wss95", "wss100", "rrf10", "atd", "loss", "wall_s", "step_ms",
        ] {
            assert!(r[key].is_f64(), "{key}: {r}");
        }
        let to95 = r["screened_to_95"].as_u64().unwrap();
        let stop = r["buscar_stop"].as_u64().unwrap();
        assert!(stop >= to95, "BUSCAR stopped before 95 % recall: {r}");
        assert!(r["recall_at_buscar_stop"].as_f64().unwrap() >= 0.95);
        // Better than screening in random order.
        assert!(r["wss95"].as_f64().unwrap() > 0.3, "{r}");
    }
    let mean = a["mean"]["wss95"].as_f64().unwrap();
    let by_hand = (runs[0]["wss95"].as_f64().unwrap() + runs[1]["wss95"].as_f64().unwrap()) / 2.0;
    assert!((mean - by_hand).abs() < 1e-12);
    // The same seed gives the same order, so the same figures (times aside).
    let b = json(&args);
    for key in ["wss95", "loss", "screened_to_95", "buscar_stop"] {
        assert_eq!(a["runs"][0][key], b["runs"][0][key], "{key}");
    }
    let drawn = std::fs::read_to_string(svg.path()).unwrap();
    assert!(drawn.starts_with("<svg") && drawn.matches("<polyline").count() >= 3);
}

#[test]
fn labelled_files_it_cannot_use_are_refused_with_the_line() {
    let dir = tempfile::tempdir().unwrap();
    for (content, says) in [
        ("title,label_included\nA,1\n", "no `abstract` column"),
        (
            "title,abstract,label_included\nA,x,1\nB,y,maybe\n",
            "line 3: label_included is \"maybe\"",
        ),
        (
            "title,abstract,label_included\nA,x,0\nB,y,0\n",
            "no relevant records",
        ),
        ("title,abstract,label_included\n", "no records"),
        ("", "no records"),
    ] {
        let path = dir.path().join("l.csv");
        std::fs::write(&path, content).unwrap();
        let out = concur()
            .args(["screen", "simulate", "--data"])
            .arg(&path)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(3), "{content:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(says), "{content:?}: {err}");
        assert!(err.contains("l.csv"), "names the file: {err}");
    }
}

/// Five records (one in French) as RIS.
fn ris(records: &[(&str, &str, &str)]) -> String {
    let mut s = String::new();
    for (title, abstract_text, language) in records {
        s.push_str(&format!(
            "TY  - JOUR\nTI  - {title}\nAB  - {abstract_text}\nLA  - {language}\nPY  - 2019\nER  - \n\n"
        ));
    }
    s
}

fn run_in(ws: &std::path::Path, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["--workspace", ws.to_str().unwrap(), "--json"];
    all.extend_from_slice(args);
    json(&all)
}

#[test]
fn two_reviewers_screen_blind_resolve_a_conflict_and_the_prisma_flow_comes_from_the_log() {
    let dir = crate::import::workspace();
    let ws = dir.path();
    let file = ws.join("a.ris");
    std::fs::write(
        &file,
        ris(&[
            (
                "Radionecrosis after radiosurgery with T-DM1",
                "Brain metastases treated with trastuzumab emtansine and SRS.",
                "English",
            ),
            (
                "Skin toxicity of breast radiotherapy with T-DM1",
                "Concurrent T-DM1 and adjuvant radiotherapy.",
                "English",
            ),
            (
                "Knee cartilage repair",
                "Athletes after surgery.",
                "English",
            ),
            ("Radiothérapie et T-DM1", "Étude de cas.", "French"),
            (
                "Seagrass die-off in Florida Bay",
                "Water quality.",
                "English",
            ),
        ]),
    )
    .unwrap();
    concur()
        .args(["--workspace", ws.to_str().unwrap(), "import"])
        .arg(&file)
        .assert()
        .success();
    let auto = run_in(ws, &["screen", "auto"]);
    assert_eq!(auto["excluded"].as_array().unwrap().len(), 1);
    assert_eq!(auto["excluded"][0]["reason"], "not-english");

    // Each reviewer screens everything left; ben disagrees on one record.
    for reviewer in ["ana", "ben"] {
        loop {
            let next = run_in(ws, &["screen", "next", "--reviewer", reviewer]);
            if next["next"].is_null() {
                // Done: the stopping indicator is still there.
                assert_eq!(next["stopping"]["screened"], 4);
                break;
            }
            assert!(next["eligibility"]["reasons"].is_array());
            let id = next["next"]["record"].as_i64().unwrap();
            let title = next["record"]["record"]["title"]
                .as_str()
                .unwrap()
                .to_string();
            let relevant = title.contains("T-DM1") || (reviewer == "ben" && title.contains("Knee"));
            let id = id.to_string();
            let mut args = vec!["screen", "decide", &id, "--reviewer", reviewer];
            if relevant {
                args.extend(["--decision", "include"]);
            } else {
                args.extend([
                    "--decision",
                    "exclude",
                    "--reason",
                    "not-tdm1",
                    "--note",
                    "=HYPERLINK(\"x\")",
                ]);
            }
            let d = run_in(ws, &args);
            assert!(d["decision"].as_i64().unwrap() > 0);
        }
    }
    // A reason the review does not list is refused, with the list.
    concur()
        .args([
            "--workspace",
            ws.to_str().unwrap(),
            "screen",
            "decide",
            "1",
            "--decision",
            "exclude",
            "--reason",
            "boring",
            "--reviewer",
            "ana",
        ])
        .assert()
        .failure()
        .stderr(predicates::str::contains("not-tdm1"));

    let conflicts = run_in(ws, &["screen", "conflicts"]);
    let conflicts = conflicts.as_array().unwrap();
    assert_eq!(conflicts.len(), 1);
    let knee = conflicts[0]["record"].as_i64().unwrap();
    assert_eq!(conflicts[0]["outcome"], "conflict");

    let agreement = run_in(ws, &["screen", "agreement"]);
    assert_eq!(agreement["reviewers"], serde_json::json!(["ana", "ben"]));
    assert_eq!(agreement["agreement"]["records"], 4);
    assert_eq!(agreement["table"], serde_json::json!([[2, 0], [1, 1]]));
    assert!((agreement["agreement"]["percent"].as_f64().unwrap() - 0.75).abs() < 1e-12);

    let knee = knee.to_string();
    run_in(
        ws,
        &[
            "screen",
            "resolve",
            &knee,
            "--decision",
            "exclude",
            "--reason",
            "not-breast",
            "--reviewer",
            "carla",
        ],
    );
    assert!(run_in(ws, &["screen", "conflicts"])
        .as_array()
        .unwrap()
        .is_empty());

    // Undo is a new row; the history keeps both.
    let undone = run_in(ws, &["screen", "undo", "--reviewer", "carla"]);
    assert_eq!(undone["kind"], "resolve");
    assert_eq!(
        run_in(ws, &["screen", "conflicts"])
            .as_array()
            .unwrap()
            .len(),
        1
    );
    run_in(
        ws,
        &[
            "screen",
            "resolve",
            &knee,
            "--decision",
            "exclude",
            "--reason",
            "not-breast",
            "--reviewer",
            "carla",
        ],
    );
    let history = run_in(ws, &["screen", "history", &knee]);
    let kinds: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["screen", "screen", "resolve", "undo", "resolve"]);

    // Full text: one included, one excluded.
    let ft = |id: &str, decision: &str, reason: Option<&str>| {
        let mut args = vec![
            "screen",
            "decide",
            id,
            "--stage",
            "full-text",
            "--reviewer",
            "ana",
            "--decision",
            decision,
        ];
        if let Some(r) = reason {
            args.extend(["--reason", r]);
        }
        run_in(ws, &args);
    };
    let first_ft = run_in(
        ws,
        &[
            "screen",
            "next",
            "--reviewer",
            "ana",
            "--stage",
            "full-text",
        ],
    );
    let a = first_ft["next"]["record"].as_i64().unwrap().to_string();
    ft(&a, "include", None);
    let second_ft = run_in(
        ws,
        &[
            "screen",
            "next",
            "--reviewer",
            "ana",
            "--stage",
            "full-text",
        ],
    );
    let b = second_ft["next"]["record"].as_i64().unwrap().to_string();
    ft(&b, "exclude", Some("no-radiotherapy"));

    let svg = ws.join("prisma.svg");
    let flow = run_in(ws, &["prisma", "--svg", svg.to_str().unwrap()]);
    assert_eq!(flow["records_identified"], 5);
    assert_eq!(flow["records_screened"], 4);
    assert_eq!(flow["records_excluded"], 2);
    assert_eq!(flow["reports_assessed"], 2);
    assert_eq!(flow["reports_excluded"], 1);
    assert_eq!(flow["screening"]["reports_included"], 1);
    assert_eq!(
        flow["screening"]["excluded_automatically"],
        serde_json::json!([["Not written in English", 1]])
    );
    // The diagram's words, with the lines its boxes wrap them to joined again.
    let svg = std::fs::read_to_string(&svg).unwrap();
    let words: String = svg
        .split('<')
        .filter_map(|part| part.split_once('>').map(|(_, text)| text.trim()))
        .filter(|t| !t.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        words.contains("Reports included from the workspace: 1"),
        "{words}"
    );
    assert!(
        words.contains("No radiotherapy given with T-DM1: 1"),
        "{words}"
    );

    // A new import keeps every decision.
    let more = ws.join("b.ris");
    std::fs::write(
        &more,
        ris(&[(
            "Pneumonitis after T-DM1 and radiotherapy",
            "Case report.",
            "English",
        )]),
    )
    .unwrap();
    concur()
        .args(["--workspace", ws.to_str().unwrap(), "import"])
        .arg(&more)
        .assert()
        .success();
    let again = run_in(ws, &["prisma"]);
    assert_eq!(again["records_screened"], 4);
    assert_eq!(again["awaiting_screening"], 1);

    // The workspace's own settled decisions replay as a labelled set: the two T-DM1 records
    // included, the knee and seagrass records excluded (the French record was excluded by a
    // limit, not by a person, and the new record is unscreened).
    let sim = run_in(ws, &["screen", "simulate", "--from-workspace"]);
    assert_eq!(
        (sim["records"].as_u64(), sim["relevant"].as_u64()),
        (Some(4), Some(2))
    );

    // Exports: the included record as RIS (it imports again), every decision as CSV with the
    // formula in a note neutralised.
    let inc = ws.join("included.ris");
    let dec = ws.join("decisions.csv");
    let written = run_in(
        ws,
        &[
            "screen",
            "export",
            "--included",
            inc.to_str().unwrap(),
            "--decisions",
            dec.to_str().unwrap(),
        ],
    );
    assert_eq!(written["included"], 1);
    let ris_out = std::fs::read_to_string(&inc).unwrap();
    assert!(ris_out.contains(&format!(
        "TI  - {}",
        first_ft["record"]["record"]["title"].as_str().unwrap()
    )));
    let csv = std::fs::read_to_string(&dec).unwrap();
    assert!(csv.starts_with("decision,record,counts_for,title,reviewer"));
    assert!(csv.contains("'=HYPERLINK"), "{csv}");
    assert!(!csv.contains(",=HYPERLINK"), "{csv}");
}
