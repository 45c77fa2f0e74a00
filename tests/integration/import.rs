//! The workspace from the command line: init, import (every fixture, re-import, update files,
//! bad input, --strict, kill and rerun), dedup (dry run, apply, undo, keep apart), records.

use crate::common::concur;
use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};

pub(crate) fn fixtures() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures");
    if dir.is_dir() {
        return Some(dir);
    }
    if std::env::var("CONCUR_REQUIRE_FIXTURES").as_deref() == Ok("1") {
        panic!("CONCUR_REQUIRE_FIXTURES=1 but {} is missing", dir.display());
    }
    eprintln!("notice: {} absent; skipping import tests", dir.display());
    None
}

pub(crate) fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    concur().args(["init"]).arg(dir.path()).assert().success();
    dir
}

/// `concur --workspace WS`, to which a test adds the command.
pub(crate) fn in_workspace(ws: impl AsRef<std::ffi::OsStr>) -> Command {
    let mut command = concur();
    command.arg("--workspace").arg(ws);
    command
}

/// `concur import --quiet FILE` in the workspace, running in the background (to be killed).
pub(crate) fn spawn_import(ws: &Path, file: &Path) -> std::process::Child {
    std::process::Command::new(assert_cmd::cargo::cargo_bin("concur"))
        .arg("--workspace")
        .arg(ws)
        .args(["import", "--quiet"])
        .arg(file)
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap()
}

/// `bytes` as a gzip stream.
fn gzipped(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut gz, bytes).unwrap();
    gz.finish().unwrap()
}

fn run_json(ws: &Path, args: &[&str]) -> Value {
    let out = in_workspace(ws).args(args).output().unwrap();
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{args:?}: {e}\nstdout: {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// The titles of the workspace's records, in id order.
fn stored_titles(ws: &Path) -> Vec<String> {
    let records = run_json(ws, &["records", "--json"]);
    records
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["record"]["title"].as_str().unwrap().to_string())
        .collect()
}

fn fixture_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for sub in ["pubmed", "medline", "ris", "ris/other-tagged"] {
        for entry in std::fs::read_dir(dir.join(sub)).unwrap() {
            let path = entry.unwrap().path();
            if path.is_file() && path.extension().is_some_and(|e| e != "md") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

#[test]
fn every_fixture_imports_with_its_reader_counts_and_reimport_is_a_no_op() {
    let Some(dir) = fixtures() else { return };
    let ws = workspace();
    let files = fixture_files(&dir);
    let mut args = vec!["import".to_string(), "--json".to_string()];
    args.extend(files.iter().map(|f| f.display().to_string()));
    let out = run_json(
        ws.path(),
        &args.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    let out = out.as_array().unwrap();
    assert_eq!(out.len(), files.len());
    for (file, o) in files.iter().zip(out) {
        // The reader's own count (tested against the README figures in concur-lit).
        let mut expected = 0;
        concur_lit::read_file(file, &concur_lit::ReadOptions::default(), &mut |i| {
            if matches!(i, concur_lit::Item::Record(_)) {
                expected += 1;
            }
        })
        .unwrap();
        // The .xml.gz update fixture is the same bytes as its .xml once inflated, but another
        // file: it imports as its own batch.
        assert_eq!(o["batch"]["records"], expected, "{}", file.display());
        assert_eq!(o["skipped"], false);
    }
    let total: i64 = out
        .iter()
        .map(|o| o["batch"]["records"].as_i64().unwrap())
        .sum();
    // Importing the same files again changes nothing.
    let again = run_json(
        ws.path(),
        &args.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    assert!(again
        .as_array()
        .unwrap()
        .iter()
        .all(|o| o["skipped"] == true));
    let records = run_json(ws.path(), &["records", "--json"]);
    assert_eq!(records.as_array().unwrap().len() as i64, total);
    let batches = run_json(ws.path(), &["records", "batches", "--json"]);
    assert_eq!(batches.as_array().unwrap().len(), files.len());
}

#[test]
fn a_file_given_twice_in_one_command_is_imported_once() {
    let ws = workspace();
    let ris = "TY  - JOUR\nTI  - Trastuzumab emtansine with radiotherapy\nPY  - 2020\nER  - \n";
    let (a, b) = (ws.path().join("a.ris"), ws.path().join("copy of a.ris"));
    std::fs::write(&a, ris).unwrap();
    std::fs::write(&b, ris).unwrap();
    let out = run_json(
        ws.path(),
        &[
            "import",
            "--json",
            a.to_str().unwrap(),
            b.to_str().unwrap(),
            a.to_str().unwrap(),
        ],
    );
    let skipped: Vec<&Value> = out
        .as_array()
        .unwrap()
        .iter()
        .map(|o| &o["skipped"])
        .collect();
    assert_eq!(skipped, [false, true, true]);
    let records = run_json(ws.path(), &["records", "--json"]);
    assert_eq!(records.as_array().unwrap().len(), 1);
}

#[test]
fn files_of_the_same_size_with_other_bytes_are_all_imported_and_hashed() {
    // Same length, different bytes: hashed before reading (a size some file shares), and not
    // taken for one another. A third file of a new size is hashed while it is read; all three
    // are then recognised when imported again.
    let ws = workspace();
    let record =
        |year: u32| format!("TY  - JOUR\nTI  - Radiotherapy and T-DM1\nPY  - {year}\nER  - \n");
    let files = [
        (ws.path().join("a.ris"), record(2019)),
        (ws.path().join("b.ris"), record(2020)),
        (
            ws.path().join("c.ris"),
            format!("{}{}", record(2021), record(2022)),
        ),
    ];
    for (path, text) in &files {
        std::fs::write(path, text).unwrap();
    }
    let paths: Vec<&str> = files.iter().map(|(p, _)| p.to_str().unwrap()).collect();
    let import = |paths: &[&str]| {
        let mut args = vec!["import", "--json"];
        args.extend_from_slice(paths);
        let out = run_json(ws.path(), &args);
        out.as_array()
            .unwrap()
            .iter()
            .map(|o| {
                (
                    o["skipped"].as_bool().unwrap(),
                    o["batch"]["file_hash"].as_str().unwrap().to_string(),
                )
            })
            .collect::<Vec<_>>()
    };
    let first = import(&paths);
    assert!(first.iter().all(|(skipped, _)| !skipped));
    assert!(first.iter().all(|(_, hash)| hash.len() == 64));
    assert_ne!(first[0].1, first[1].1);
    let records = run_json(ws.path(), &["records", "--json"]);
    assert_eq!(records.as_array().unwrap().len(), 4);
    // Again, in another order: every file is known by its hash now.
    let again = import(&[paths[2], paths[0], paths[1]]);
    assert_eq!(
        again.iter().map(|(s, _)| *s).collect::<Vec<_>>(),
        [true, true, true]
    );
    assert_eq!(again[0].1, first[2].1);
}

#[test]
fn update_files_apply_their_deletions() {
    let Some(dir) = fixtures() else { return };
    let update = dir.join("pubmed/pmparser_update_pubmed26n1335.xml");
    let text = std::fs::read_to_string(&update).unwrap();
    let start = text
        .find("<DeleteCitation>")
        .expect("the update deletes records");
    let deleted: Vec<String> = text[start..]
        .split("<PMID")
        .skip(1)
        .filter_map(|p| Some(p.split_once('>')?.1.split_once('<')?.0.to_string()))
        .collect();
    assert!(!deleted.is_empty());
    // A workspace that holds one of the deleted records (as an earlier file would have it).
    let ws = workspace();
    let earlier = ws.path().join("earlier.xml");
    std::fs::write(
        &earlier,
        format!(
            "<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>{}</PMID><Article>\
             <ArticleTitle>A record the update deletes</ArticleTitle></Article></MedlineCitation>\
             </PubmedArticle></PubmedArticleSet>",
            deleted[0]
        ),
    )
    .unwrap();
    in_workspace(ws.path())
        .arg("import")
        .arg(&earlier)
        .assert()
        .success();
    let out = run_json(ws.path(), &["import", "--json", update.to_str().unwrap()]);
    let batch = &out[0]["batch"];
    assert_eq!(batch["deletions"], deleted.len());
    assert_eq!(batch["deleted"], 1);
    let gone = run_json(ws.path(), &["records", "--status", "deleted", "--json"]);
    assert_eq!(gone[0]["record"]["pmid"], deleted[0].as_str());
    assert_eq!(gone.as_array().map(Vec::len), Some(1));
    // `records list` is `records` spelled out, filters included.
    let listed = run_json(
        ws.path(),
        &["records", "list", "--status", "deleted", "--json"],
    );
    assert_eq!(listed, gone);
    let counts = run_json(ws.path(), &["records", "counts", "--json"]);
    assert_eq!(counts["deleted"], 1);
}

#[test]
fn bad_files_give_located_errors_and_lose_no_good_record() {
    let ws = workspace();
    let d = ws.path();
    let good = "<PubmedArticleSet>\n<PubmedArticle><MedlineCitation><PMID>1</PMID><Article><ArticleTitle>One</ArticleTitle></Article></MedlineCitation></PubmedArticle>\n";
    let broken = format!(
        "{good}<PubmedArticle><MedlineCitation><PMID>2</PMID><Article><ArticleTitle>Two</Wrong></Article></MedlineCitation></PubmedArticle>\n<PubmedArticle><MedlineCitation><PMID>3</PMID><Article><ArticleTitle>Three</ArticleTitle></Article></MedlineCitation></PubmedArticle>\n</PubmedArticleSet>\n"
    );
    std::fs::write(d.join("malformed.xml"), &broken).unwrap();
    std::fs::write(d.join("empty.ris"), "").unwrap();
    std::fs::write(d.join("binary.nbib"), [0u8, 1, 2, 3, 0, 255]).unwrap();
    std::fs::write(
        d.join("utf8.ris"),
        b"TY  - JOUR\nTI  - Bad \xff byte\nER  - \nTY  - JOUR\nTI  - Fine\nER  - \n",
    )
    .unwrap();
    std::fs::write(
        d.join("really-ris.xml"),
        "TY  - JOUR\nTI  - Wrong extension\nER  - \n",
    )
    .unwrap();
    let gz = gzipped(good.as_bytes());
    std::fs::write(d.join("truncated.xml.gz"), &gz[..gz.len() - 10]).unwrap();
    let out = in_workspace(d)
        .args([
            "import",
            "malformed.xml",
            "empty.ris",
            "binary.nbib",
            "utf8.ris",
            "really-ris.xml",
            "truncated.xml.gz",
            "missing.ris",
        ])
        .current_dir(d)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(3),
        "failed files make the exit code 3"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("malformed.xml: line 3, byte")
            && stderr.contains("expected </ArticleTitle>, found </Wrong>"),
        "{stderr}"
    );
    assert!(stderr.contains("empty.ris: the file is empty"), "{stderr}");
    assert!(
        stderr.contains("binary.nbib: the file is binary"),
        "{stderr}"
    );
    assert!(
        stderr.contains("utf8.ris: line 2, byte 11: invalid UTF-8"),
        "{stderr}"
    );
    assert!(
        stderr.contains("truncated.xml.gz: the gzip data is corrupt or truncated"),
        "{stderr}"
    );
    let titles = stored_titles(d);
    assert_eq!(
        titles,
        [
            "One",
            "Three",
            "Bad \u{fffd} byte",
            "Fine",
            "Wrong extension"
        ],
        "every good record is kept; the truncated gzip file is not imported at all"
    );
    // The failed files can be imported once fixed; nothing of them was recorded.
    let batches = run_json(d, &["records", "batches", "--json"]);
    assert_eq!(batches.as_array().unwrap().len(), 3);
    // The repaired byte is counted as a repair, not as a rejected record: both records are in.
    let utf8 = batches
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["file_name"].as_str().unwrap().ends_with("utf8.ris"))
        .unwrap();
    assert_eq!(
        (&utf8["records"], &utf8["rejected"], &utf8["repaired"]),
        (&Value::from(2), &Value::from(0), &Value::from(1))
    );
}

#[test]
fn a_file_damaged_after_many_blocks_keeps_its_whole_records_among_files_read_as_one_stream() {
    // Files are read as one stream, the next one parsed while the one before is stored: a file
    // damaged after several blocks keeps the whole records before the damage, in its own batch,
    // with a warning that says where reading stopped, and the files around it (a CSV among them,
    // read apart) keep every record, in their own batches, in order.
    let ws = workspace();
    let d = ws.path();
    let ris = |tag: &str, n: usize| -> String {
        (0..n)
            .map(|i| {
                format!(
                    "TY  - JOUR\nTI  - {tag} {i}\nAB  - {}\nER  - \n",
                    "text ".repeat(150)
                )
            })
            .collect()
    };
    std::fs::write(d.join("a.ris"), ris("first", 3000)).unwrap();
    std::fs::write(d.join("b.csv"), "title,year\nFrom a CSV,2021\n").unwrap();
    let articles: String = (0..4000)
        .map(|i| format!("<PubmedArticle><MedlineCitation><PMID>{}</PMID><Article><ArticleTitle>Lost {i}</ArticleTitle><Abstract><AbstractText>{}</AbstractText></Abstract></Article></MedlineCitation></PubmedArticle>\n", i + 1, "words ".repeat(150)))
        .collect();
    let gz = gzipped(format!("<PubmedArticleSet>\n{articles}</PubmedArticleSet>\n").as_bytes());
    std::fs::write(d.join("c.xml.gz"), &gz[..gz.len() * 3 / 4]).unwrap();
    std::fs::write(d.join("d.ris"), ris("last", 3000)).unwrap();
    let out = in_workspace(d)
        .args(["import", "--json", "a.ris", "b.csv", "c.xml.gz", "d.ris"])
        .env("CONCUR_THREADS", "2")
        .current_dir(d)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let outcome: Value = serde_json::from_slice(&out.stdout).unwrap();
    let records: Vec<&Value> = outcome
        .as_array()
        .unwrap()
        .iter()
        .map(|o| &o["batch"]["records"])
        .collect();
    let kept = records[2].as_u64().unwrap() as usize;
    assert!(kept > 1000 && kept < 4000, "{kept}");
    assert_eq!(
        [records[0], records[1], records[3]],
        [&Value::from(3000), &Value::from(1), &Value::from(3000)]
    );
    assert!(
        outcome[2]["problems"].as_array().unwrap().iter().any(|p| p
            .as_str()
            .unwrap()
            .contains("gzip data is corrupt or truncated")),
        "{}",
        outcome[2]
    );
    let titles = stored_titles(d);
    assert_eq!(titles.len(), 6001 + kept);
    let at = |i: usize| titles[i].as_str();
    assert_eq!(
        (at(0), at(2999), at(3000)),
        ("first 0", "first 2999", "From a CSV")
    );
    // The whole records before the damage, in order, and nothing after it.
    let lost: Vec<String> = (0..kept).map(|i| format!("Lost {i}")).collect();
    assert_eq!(&titles[3001..3001 + kept], &lost[..]);
    assert_eq!((at(3001 + kept), at(6000 + kept)), ("last 0", "last 2999"));
}

#[test]
fn strict_refuses_a_file_with_unreadable_records() {
    let ws = workspace();
    let file = ws.path().join("one-bad.ris");
    std::fs::write(
        &file,
        "TY  - JOUR\nTI  - Good\nER  - \nTY  - JOUR\nTI  - No end\n",
    )
    .unwrap();
    let out = in_workspace(ws.path())
        .args(["import", "--strict"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--strict"));
    assert_eq!(
        run_json(ws.path(), &["records", "--json"])
            .as_array()
            .unwrap()
            .len(),
        0
    );
    // Without --strict the same file imports, with the problem reported: the cut-off record is
    // kept with a repair, so it is not also counted as rejected.
    in_workspace(ws.path())
        .arg("import")
        .arg(&file)
        .assert()
        .success();
    let counts = run_json(ws.path(), &["records", "counts", "--json"]);
    assert_eq!(
        (counts["remaining"].as_i64(), counts["rejected"].as_i64()),
        (Some(2), Some(0))
    );
    let batches = run_json(ws.path(), &["records", "batches", "--json"]);
    assert_eq!(batches[0]["repaired"], 1);
}

#[test]
fn a_killed_import_leaves_the_workspace_as_before_and_rerunning_completes_it() {
    let Some(dir) = fixtures() else { return };
    let ws = workspace();
    // A file big enough to be killed in the middle: a real RIS export repeated.
    let ris = std::fs::read(dir.join("ris/zotero__asreview_baseline_zotero_crlf.ris")).unwrap();
    let copies = 1500;
    let big = ws.path().join("big.ris");
    std::fs::write(&big, ris.repeat(copies)).unwrap();
    let small = ws.path().join("small.ris");
    std::fs::write(&small, &ris).unwrap();
    in_workspace(ws.path())
        .arg("import")
        .arg(&small)
        .assert()
        .success();
    // The batch's transaction writes to the rollback journal (a workspace alone) or to the WAL.
    let size = |name: &str| {
        std::fs::metadata(ws.path().join(name))
            .map(|m| m.len())
            .unwrap_or(0)
    };
    let before = size("concur.db-wal");
    let mut child = spawn_import(ws.path(), &big);
    // Kill it once the batch's transaction is being written (a journal exists or the WAL grows).
    let started = std::time::Instant::now();
    loop {
        let writing = size("concur.db-journal") > 0 || size("concur.db-wal") > before + 4_000_000;
        if writing || started.elapsed().as_secs() > 60 {
            // Some way into the batch, not at its first page.
            std::thread::sleep(std::time::Duration::from_millis(200));
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let finished_early = child.try_wait().unwrap().is_some();
    child.kill().ok();
    child.wait().unwrap();
    let count = |ws: &Path| run_json(ws, &["records", "counts", "--json"])["remaining"].as_i64();
    let batches = run_json(ws.path(), &["records", "batches", "--json"]);
    if !finished_early {
        assert_eq!(
            count(ws.path()),
            Some(100),
            "only the first file's records remain"
        );
        assert_eq!(
            batches.as_array().unwrap().len(),
            1,
            "the killed batch left no trace"
        );
    }
    in_workspace(ws.path())
        .arg("import")
        .arg(&big)
        .assert()
        .success();
    assert_eq!(count(ws.path()), Some(100 + 100 * copies as i64));
}

#[test]
fn dedup_dry_run_apply_undo_and_keep_apart() {
    let ws = workspace();
    let d = ws.path();
    std::fs::write(
        d.join("a.ris"),
        "TY  - JOUR\nTI  - Radionecrosis after stereotactic radiosurgery with trastuzumab emtansine\nAU  - Stumpf, Phillip\nPY  - 2019\nDO  - 10.1000/example.1\nER  - \n\
         TY  - JOUR\nTI  - Bone metastases irradiated during trastuzumab emtansine treatment\nAU  - Smith, A\nPY  - 2016\nER  - \n",
    )
    .unwrap();
    std::fs::write(
        d.join("b.csv"),
        "title,authors,year,doi\n\"RADIONECROSIS AFTER STEREOTACTIC RADIOSURGERY WITH TRASTUZUMAB EMTANSINE.\",\"Stümpf, P\",2019,\n\"Something unrelated to the review at all\",\"Doe, J\",2020,https://doi.org/10.1000/EXAMPLE.9\n",
    )
    .unwrap();
    in_workspace(d)
        .args(["import", "a.ris", "b.csv"])
        .current_dir(d)
        .assert()
        .success();
    let dry = run_json(d, &["dedup", "--dry-run", "--json"]);
    assert_eq!(dry["run"], Value::Null);
    assert_eq!(dry["clusters"][0]["primary"], 1);
    assert_eq!(dry["clusters"][0]["duplicates"][0][0], 3);
    assert_eq!(
        run_json(d, &["records", "counts", "--json"])["duplicates"],
        0
    );
    let run = run_json(d, &["dedup", "--json"]);
    assert_eq!(run["run"], 1);
    assert_eq!(
        run_json(d, &["records", "counts", "--json"])["duplicates"],
        1
    );
    let shown = run_json(d, &["records", "show", "3", "--json"]);
    assert_eq!(
        (shown["status"].as_str(), shown["duplicate_of"].as_i64()),
        (Some("duplicate"), Some(1))
    );
    // Export leaves the duplicate out by default.
    let out = in_workspace(d)
        .args(["records", "export", "--format", "ris"])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout)
            .matches("ER  -")
            .count(),
        3
    );
    let undo = run_json(d, &["dedup", "--undo", "--json"]);
    assert_eq!(undo["undone"], 1);
    assert_eq!(
        run_json(d, &["records", "counts", "--json"])["duplicates"],
        0
    );
    run_json(d, &["dedup", "--json"]);
    run_json(d, &["dedup", "--not-duplicate", "3", "--json"]);
    let again = run_json(d, &["dedup", "--json"]);
    assert_eq!(
        again["clusters"].as_array().unwrap().len(),
        0,
        "a person's decision holds"
    );
    let flagged = run_json(d, &["records", "flagged", "--json"]);
    assert_eq!(flagged.as_array().unwrap().len(), 0);
    // A person says 3 and 1 are one publication after all: this run and later ones join them.
    let same = run_json(d, &["dedup", "--same", "3", "1", "--json"]);
    assert_eq!(same["clusters"][0]["primary"], 1);
    assert_eq!(same["clusters"][0]["duplicates"][0][0], 3);
    assert_eq!(
        same["clusters"][0]["duplicates"][0][1],
        "a person's decision"
    );
    in_workspace(d)
        .args(["dedup", "--same", "3", "1", "--dry-run"])
        .assert()
        .failure();
    // "Different" speaks for whole clusters, and is refused within one.
    let different = run_json(d, &["dedup", "--different", "1", "2", "--json"]);
    assert_eq!(different["records"], serde_json::json!([1, 3]));
    assert_eq!(different["kept_apart_from"], serde_json::json!([2]));
    in_workspace(d)
        .args(["dedup", "--different", "1", "3"])
        .assert()
        .failure()
        .stderr(predicates::str::contains("in one cluster"));
}

#[test]
fn exported_records_import_again_unchanged() {
    let Some(dir) = fixtures() else { return };
    let ws = workspace();
    let source = dir.join("pubmed/biomedquery_efetch_sample.xml");
    in_workspace(ws.path())
        .arg("import")
        .arg(&source)
        .assert()
        .success();
    let original = run_json(ws.path(), &["records", "--json"]);
    for format in ["jsonl", "ris", "csv"] {
        let file = ws.path().join(format!("export.{format}"));
        in_workspace(ws.path())
            .args(["records", "export", "--format", format, "--out"])
            .arg(&file)
            .assert()
            .success();
        let other = workspace();
        in_workspace(other.path())
            .arg("import")
            .arg(&file)
            .assert()
            .success();
        let back = run_json(other.path(), &["records", "--json"]);
        assert_eq!(
            back.as_array().unwrap().len(),
            original.as_array().unwrap().len(),
            "{format}"
        );
        for (a, b) in original
            .as_array()
            .unwrap()
            .iter()
            .zip(back.as_array().unwrap())
        {
            assert_eq!(a["record"]["title"], b["record"]["title"], "{format}");
            assert_eq!(a["record"]["pmid"], b["record"]["pmid"], "{format}");
            if format == "jsonl" {
                assert_eq!(a["record"]["mesh"], b["record"]["mesh"]);
            }
        }
    }
}

#[test]
fn workspace_commands_outside_a_workspace_say_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let out = concur()
        .args(["records"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("concur init"));
    let again = concur().arg("init").arg(dir.path()).output().unwrap();
    assert!(again.status.success());
    let twice = concur().arg("init").arg(dir.path()).output().unwrap();
    assert_eq!(twice.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&twice.stderr).contains("already a concur workspace"));
}

#[test]
fn report_reads_prisma_counts_from_the_workspace() {
    let ws = workspace();
    let d = ws.path();
    std::fs::write(
        d.join("a.ris"),
        "TY  - JOUR\nTI  - Radionecrosis after stereotactic radiosurgery with trastuzumab emtansine\nPY  - 2019\nER  - \n\
         TY  - JOUR\nTI  - RADIONECROSIS AFTER STEREOTACTIC RADIOSURGERY WITH TRASTUZUMAB EMTANSINE.\nPY  - 2019\nER  - \n\
         TY  - JOUR\nTI  - Bone metastases irradiated during trastuzumab emtansine treatment\nPY  - 2016\nER  - \n",
    )
    .unwrap();
    in_workspace(d)
        .args(["import", "--source", "embase", "a.ris"])
        .current_dir(d)
        .assert()
        .success();
    in_workspace(d).arg("dedup").assert().success();
    let out = d.join("report");
    in_workspace(d)
        .arg("report")
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let svg = std::fs::read_to_string(out.join("figures/prisma.svg")).unwrap();
    assert!(svg.contains("Records identified: 3 (embase 3)<"), "{svg}");
    assert!(svg.contains("Duplicates removed: 1<"), "{svg}");
    // Nothing was screened: the box says so, and what waits.
    assert!(
        svg.contains("Records screened: not recorded yet; 2 await"),
        "{svg}"
    );
    assert!(
        !svg.contains("PubMed/MEDLINE"),
        "the workspace's sources, not the review's: {svg}"
    );
    assert!(svg.contains("Publications in the review: "), "{svg}");
    // No text line of the diagram is cut inside a word, and no absolute path is printed.
    assert!(!svg.contains(&d.display().to_string()), "{svg}");
    for line in svg.lines().filter(|l| l.starts_with("<text")) {
        let inner = &line[line.find('>').unwrap() + 1..line.rfind('<').unwrap()];
        assert!(
            !inner.ends_with('-') && inner.chars().count() <= 130,
            "{inner}"
        );
    }
    // Without a workspace the counts stay "not reported" (the source gives none).
    let plain = d.join("plain");
    concur()
        .arg("report")
        .arg("--out")
        .arg(&plain)
        .current_dir(d)
        .assert()
        .success();
    let svg = std::fs::read_to_string(plain.join("figures/prisma.svg")).unwrap();
    assert!(svg.contains("Duplicates removed: not reported"));
}

/// A file cut off in its last record says so, and its counts agree with what was stored: a record
/// kept with a repair is not also counted as rejected.
#[test]
fn a_truncated_last_record_is_kept_and_counted_once() {
    let ws = workspace();
    let d = ws.path();
    std::fs::write(
        d.join("cut.ris"),
        "TY  - JOUR\nTI  - One\nER  - \nTY  - JOUR\nTI  - Two, cut off",
    )
    .unwrap();
    let out = in_workspace(d)
        .args(["import", "--json", "cut.ris"])
        .current_dir(d)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let outcome: Value = serde_json::from_slice(&out).unwrap();
    let batch = &outcome[0]["batch"];
    assert_eq!(
        (&batch["records"], &batch["rejected"], &batch["repaired"]),
        (&Value::from(2), &Value::from(0), &Value::from(1)),
        "{outcome}"
    );
    assert!(outcome[0]["problems"][0]
        .as_str()
        .unwrap()
        .contains("no end tag"));
    assert_eq!(stored_titles(d), ["One", "Two, cut off"]);
}

/// Without `--source`, a batch is named after the database its records name (RIS `DB`), else
/// after its format; `--source` always wins.
#[test]
fn a_batch_takes_the_database_its_records_name() {
    let ws = workspace();
    let d = ws.path();
    std::fs::write(
        d.join("embase.ris"),
        "TY  - JOUR\nTI  - One\nDB  - Embase\nER  - \nTY  - JOUR\nTI  - Two\nDB  - Embase\nER  - \n",
    )
    .unwrap();
    std::fs::write(d.join("plain.ris"), "TY  - JOUR\nTI  - Three\nER  - \n").unwrap();
    std::fs::write(
        d.join("named.ris"),
        "TY  - JOUR\nTI  - Four\nDB  - Embase\nER  - \n",
    )
    .unwrap();
    in_workspace(d)
        .args(["import", "embase.ris", "plain.ris"])
        .current_dir(d)
        .assert()
        .success();
    in_workspace(d)
        .args(["import", "--source", "scopus", "named.ris"])
        .current_dir(d)
        .assert()
        .success();
    let batches = run_json(d, &["records", "batches", "--json"]);
    let sources: Vec<&str> = batches
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["source"].as_str().unwrap())
        .collect();
    assert_eq!(sources, ["Embase", "ris", "scopus"]);
}

#[test]
fn hostile_records_reach_the_terminal_and_exports_as_plain_text() {
    let ws = workspace();
    let d = ws.path();
    std::fs::write(
        d.join("h.ris"),
        "TY  - JOUR\nTI  - =HYPERLINK(\"http://x\") \x1b]0;owned\x07\x1b[2J<script>alert(1)</script>\nAU  - @Evil, A\nER  - \n",
    )
    .unwrap();
    in_workspace(d)
        .args(["import", "h.ris"])
        .current_dir(d)
        .assert()
        .success();
    for args in [&["records"][..], &["records", "show", "1"]] {
        let out = in_workspace(d).args(args).output().unwrap();
        assert!(out.status.success());
        assert!(
            !out.stdout.iter().any(|&b| b == 0x1b || b == 0x07),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
    let out = in_workspace(d)
        .args(["records", "export", "--format", "csv"])
        .output()
        .unwrap();
    let csv = String::from_utf8_lossy(&out.stdout);
    assert!(
        csv.contains("\"'=HYPERLINK(") && csv.contains("'@Evil"),
        "{csv}"
    );
    // And concur reads its own export back to the same title.
    std::fs::write(d.join("back.csv"), csv.as_bytes()).unwrap();
    let fresh = workspace();
    in_workspace(fresh.path())
        .args(["import"])
        .arg(d.join("back.csv"))
        .assert()
        .success();
    assert_eq!(stored_titles(fresh.path()), stored_titles(d));
}
