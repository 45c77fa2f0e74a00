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
