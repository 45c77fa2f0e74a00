//! Opens the report in headless Chromium as a reader would: the page loads from disk with no
//! network, renders its tables and inline figures, and a screenshot is produced.
//! Skipped with a notice when Chromium is absent, unless CONCUR_REQUIRE_BROWSER=1 (set by .ci/run).

use assert_cmd::Command;
use std::path::{Path, PathBuf};

fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
        .find(|p| p.is_file())
}

fn headless(browser: &Path, profile: &Path) -> std::process::Command {
    let mut cmd = std::process::Command::new(browser);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1280,4000",
    ])
    .arg(format!("--user-data-dir={}", profile.display()));
    cmd
}

#[test]
fn the_report_renders_in_a_browser() {
    let Some(browser) = chromium() else {
        if std::env::var("CONCUR_REQUIRE_BROWSER").as_deref() == Ok("1") {
            panic!("CONCUR_REQUIRE_BROWSER=1 but no Chromium on PATH");
        }
        eprintln!("notice: Chromium not found; skipping the browser test");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report");
    Command::cargo_bin("concur")
        .unwrap()
        .args(["report", "--out", out.to_str().unwrap()])
        .assert()
        .success();
    let page = format!("file://{}", out.join("index.html").display());

    let profile = tempfile::tempdir().unwrap();
    let dom = headless(&browser, profile.path())
        .arg("--dump-dom")
        .arg(&page)
        .output()
        .expect("chromium runs");
    let dom = String::from_utf8_lossy(&dom.stdout);
    assert!(
        dom.contains("Stumpf 2019 [51]"),
        "the evidence table did not render"
    );
    assert!(
        dom.matches("<svg").count() >= 10,
        "inline figures missing: {} svg elements",
        dom.matches("<svg").count()
    );
    assert!(dom.contains("does not replace clinical judgement"));

    let shot = dir.path().join("report.png");
    let profile = tempfile::tempdir().unwrap();
    let status = headless(&browser, profile.path())
        .arg(format!("--screenshot={}", shot.display()))
        .arg(&page)
        .output()
        .expect("chromium runs");
    assert!(
        status.status.success(),
        "screenshot failed: {}",
        String::from_utf8_lossy(&status.stderr)
    );
    let png = std::fs::read(&shot).expect("a screenshot was written");
    assert!(png.starts_with(b"\x89PNG"), "not a PNG");
    assert!(
        png.len() > 50_000,
        "screenshot suspiciously small ({} bytes)",
        png.len()
    );
}
