//! `concur search` and `concur pubmed search` from the command line: results, explain, saved
//! runs, the review's strategy, parse errors, the index kept in step through kills, and PubMed
//! through a local replay server.

use crate::import::{fixtures, in_workspace, spawn_import, workspace};
use serde_json::Value;
use std::io::{Read, Write};
use std::path::Path;

/// `--workspace WS` and then `rest`.
fn args<'a>(ws: &'a Path, rest: &[&'a str]) -> Vec<&'a str> {
    let mut all = vec!["--workspace", ws.to_str().expect("a UTF-8 temporary path")];
    all.extend_from_slice(rest);
    all
}

fn run_json(ws: &Path, rest: &[&str]) -> Value {
    let mut all = args(ws, rest);
    all.push("--json");
    crate::common::json(&all)
}

/// Standard output of a successful command in the workspace.
fn text(ws: &Path, rest: &[&str]) -> String {
    crate::common::stdout(&args(ws, rest))
}

fn count(ws: &Path, query: &str) -> u64 {
    run_json(ws, &["search", query, "--count"])["count"]
        .as_u64()
        .unwrap()
}

/// A workspace with the 100-record RIS fixture and a word from its first title.
fn imported() -> Option<(tempfile::TempDir, String)> {
    let dir = fixtures()?;
    let ws = workspace();
    in_workspace(ws.path())
        .arg("import")
        .arg(dir.join("ris/zotero__asreview_baseline_zotero_crlf.ris"))
        .assert()
        .success();
    let records = run_json(ws.path(), &["records", "list", "--limit", "1"]);
    let title = records[0]["record"]["title"].as_str().unwrap().to_string();
    let word = title
        .split(|c: char| !c.is_alphanumeric())
        .max_by_key(|w| w.len())
        .unwrap()
        .to_string();
    Some((ws, word))
}

#[test]
fn a_search_lists_ranked_records_with_its_translation() {
    let Some((ws, word)) = imported() else { return };
    let q = format!("{word}[ti]");
    let found = run_json(ws.path(), &["search", &q]);
    assert_eq!(found["query"], q.as_str());
    assert_eq!(found["translation"], format!("\"{word}\"[Title]").as_str());
    let n = found["count"].as_u64().unwrap();
    assert!(n >= 1);
    let first = &found["results"][0];
    for key in ["record", "pmid", "doi", "title", "year"] {
        assert!(first.get(key).is_some(), "{key} in {first}");
    }
    assert!(first["title"]
        .as_str()
        .unwrap()
        .to_lowercase()
        .contains(&word.to_lowercase()));
    // Text: the matched word is marked, and --count prints the count alone.
    let listed = text(ws.path(), &["search", &q]);
    assert!(listed.contains("**"), "{listed}");
    let c = text(ws.path(), &["search", &q, "--count"]);
    assert_eq!(c.trim(), n.to_string());
    // NOT takes the word's records away.
    assert_eq!(count(ws.path(), &format!("{word}[ti] NOT {word}[ti]")), 0);
}

#[test]
fn explain_shows_every_part_with_its_count() {
    let Some((ws, word)) = imported() else { return };
    let q = format!("{word}[ti] OR nothingmatchesthis");
    let found = run_json(ws.path(), &["search", &q, "--explain"]);
    let e = &found["explain"];
    assert_eq!(e["count"], found["count"]);
    assert_eq!(e["children"][1]["count"], 0);
    let tree = text(ws.path(), &["search", &q, "--explain"]);
    assert!(
        tree.contains("OR") && tree.contains("\"nothingmatchesthis\"[All Fields]"),
        "{tree}"
    );
}

#[test]
fn saved_searches_are_logged_with_their_results() {
    let Some((ws, word)) = imported() else { return };
    let q = format!("{word}[ti]");
    let found = run_json(ws.path(), &["search", &q, "--save", "first"]);
    assert!(found["saved"].as_i64().is_some());
    let log = run_json(ws.path(), &["search", "log"]);
    assert_eq!(log[0]["name"], "first");
    assert_eq!(log[0]["database"], "workspace");
    assert_eq!(log[0]["count"], found["count"]);
    assert_eq!(log[0]["translation"], found["translation"]);
}

#[test]
fn the_review_strategy_runs_line_by_line() {
    let Some((ws, _)) = imported() else { return };
    let rows = run_json(ws.path(), &["search", "--strategy", "--save", "muto"]);
    let rows = rows.as_array().unwrap();
    assert_eq!(
        rows.iter()
            .map(|r| r["id"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["1", "2", "3", "4", "5", "6"]
    );
    let n = |i: usize| rows[i]["count"].as_u64().unwrap();
    // Line 4 is lines 1-3 ANDed; lines 5 and 6 limit line 4.
    assert!(n(3) <= n(0).min(n(1)).min(n(2)));
    assert!(n(4) <= n(3) && n(5) <= n(3) && n(4) <= n(5));
    assert!(rows[3]["translation"]
        .as_str()
        .unwrap()
        .contains("\"breast cancer\"[All Fields]"));
    let log = run_json(ws.path(), &["search", "log"]);
    assert_eq!(log.as_array().unwrap().len(), 6);
    assert_eq!(log[3]["name"], "muto #4");
}

#[test]
fn a_query_that_cannot_be_read_points_at_the_column() {
    let Some((ws, _)) = imported() else { return };
    let out = in_workspace(ws.path())
        .args(["search", "(breast OR cancer[tiab]"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("not closed") && err.contains("column 1") && err.contains('^'),
        "{err}"
    );
    let out = in_workspace(ws.path())
        .args(["search", "cancer[xx]"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown field tag [xx]"));
}

/// The index answers as a rebuilt one would: after records changed behind its back, after a
/// kill at any point of an import, and after dedup and its undo.
#[test]
fn the_index_follows_the_database_through_kills_dedup_and_undo() {
    let Some((ws, word)) = imported() else { return };
    let dir = fixtures().unwrap();
    let q = format!("{word}[ti]");
    let rebuilt = |ws: &Path, q: &str, extra: &[&str]| -> u64 {
        std::fs::remove_dir_all(ws.join("search-index")).ok();
        let mut args = vec!["search", q, "--count"];
        args.extend_from_slice(extra);
        run_json(ws, &args)["count"].as_u64().unwrap()
    };
    let one = count(ws.path(), &q);
    let ris = std::fs::read(dir.join("ris/zotero__asreview_baseline_zotero_crlf.ris")).unwrap();
    let big = ws.path().join("big.ris");
    std::fs::write(&big, ris.repeat(150)).unwrap();
    for delay_ms in [100u64, 500, 1500] {
        let mut child = spawn_import(ws.path(), &big);
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        child.kill().ok();
        child.wait().unwrap();
        let repaired = count(ws.path(), &q);
        assert_eq!(
            repaired,
            rebuilt(ws.path(), &q, &[]),
            "after a kill at {delay_ms} ms"
        );
    }
    in_workspace(ws.path())
        .arg("import")
        .arg(&big)
        .assert()
        .success();
    let all = count(ws.path(), &q);
    assert_eq!(all, one * 151, "every copy of the record is found");
    // Dedup merges the copies; the index follows, and follows the undo.
    in_workspace(ws.path()).args(["dedup"]).assert().success();
    let after = count(ws.path(), &q);
    assert_eq!(after, one);
    assert_eq!(count(ws.path(), &q), rebuilt(ws.path(), &q, &[]));
    let with_dups = run_json(ws.path(), &["search", &q, "--count", "--duplicates"])["count"]
        .as_u64()
        .unwrap();
    assert_eq!(with_dups, all);
    in_workspace(ws.path())
        .args(["dedup", "--undo"])
        .assert()
        .success();
    assert_eq!(count(ws.path(), &q), all);
}

/// A loopback server with PubMed's replies: a real esearch reply (its count set to the 10
/// records of the real efetch sample it serves).
pub(crate) fn replay_server(fixtures: &Path) -> String {
    let esearch = String::from_utf8(
        std::fs::read(fixtures.join("eutils/pubmedclient_esearch_search_with_history.json"))
            .unwrap(),
    )
    .unwrap()
    .replace("\"count\":\"239805\"", "\"count\":\"10\"");
    let efetch = std::fs::read(fixtures.join("pubmed/biomedquery_efetch_sample.xml")).unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}/", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { continue };
            let mut buf = [0u8; 8192];
            let n = s.read(&mut buf).unwrap_or(0);
            let head = String::from_utf8_lossy(&buf[..n]);
            let body: &[u8] = if head.contains("esearch.fcgi") {
                esearch.as_bytes()
            } else {
                &efetch
            };
            let _ = write!(
                s,
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = s.write_all(body);
        }
    });
    base
}

#[test]
fn pubmed_search_logs_pubmeds_translation_and_imports_what_it_found() {
    let Some(dir) = fixtures() else { return };
    let ws = workspace();
    let base = replay_server(&dir);
    let found = run_json(
        ws.path(),
        &[
            "pubmed",
            "search",
            "asthma",
            "--base-url",
            &base,
            "--email",
            "a@example.org",
            "--save",
            "pubmed-1",
            "--import",
        ],
    );
    assert_eq!(found["count"], 10);
    assert!(found["translation"]
        .as_str()
        .unwrap()
        .contains("\"asthma\"[MeSH Terms]"));
    assert_eq!(found["imported"][0]["batch"]["records"], 10);
    let log = run_json(ws.path(), &["search", "log"]);
    assert_eq!(log[0]["database"], "pubmed");
    assert_eq!(log[0]["count"], 10);
    // The imported records are searchable at once, and PRISMA counts them under PubMed.
    let counts = run_json(ws.path(), &["records", "counts"]);
    assert!(
        counts["identified"].to_string().contains("PubMed"),
        "{counts}"
    );
    // Run again: nothing is fetched or imported twice.
    let again = run_json(
        ws.path(),
        &[
            "pubmed",
            "search",
            "asthma",
            "--base-url",
            &base,
            "--import",
        ],
    );
    assert_eq!(again["imported"][0]["skipped"], true, "{again}");
    // The report's search table and PRISMA read the log: PubMed's identified count is its
    // latest saved search's; a source without a saved search counts what was imported.
    std::fs::write(
        ws.path().join("e.ris"),
        "TY  - JOUR\nTI  - One\nER  - \nTY  - JOUR\nTI  - Two\nER  - \n",
    )
    .unwrap();
    let e = ws.path().join("e.ris");
    text(
        ws.path(),
        &["import", "--source", "embase", e.to_str().unwrap()],
    );
    run_json(ws.path(), &["search", "--strategy", "--save", "muto"]);
    let out = ws.path().join("report");
    text(ws.path(), &["report", "--out", out.to_str().unwrap()]);
    let svg = std::fs::read_to_string(out.join("figures/prisma.svg")).unwrap();
    assert!(
        svg.contains("Records identified: 12 (pubmed 10, embase 2)"),
        "{svg}"
    );
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(md.contains("| pubmed-1 | pubmed | "), "{md}");
    assert!(md.contains("| muto #4 | workspace | "), "{md}");
    assert!(
        svg.contains("pubmed-1"),
        "the diagram names the search: {svg}"
    );
}
