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

/// Chromium and a fresh report in a temporary folder's `report/`; `None` (with a notice) when
/// there is no Chromium and it is not required.
fn browser_and_report() -> Option<(PathBuf, tempfile::TempDir)> {
    let Some(browser) = chromium() else {
        if std::env::var("CONCUR_REQUIRE_BROWSER").as_deref() == Ok("1") {
            panic!("CONCUR_REQUIRE_BROWSER=1 but no Chromium on PATH");
        }
        eprintln!("notice: Chromium not found; skipping the browser test");
        return None;
    };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report");
    Command::cargo_bin("concur")
        .unwrap()
        .args(["report", "--out", out.to_str().unwrap()])
        .assert()
        .success();
    Some((browser, dir))
}

#[test]
fn the_report_renders_in_a_browser() {
    let Some((browser, dir)) = browser_and_report() else {
        return;
    };
    let out = dir.path().join("report");
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

/// Measures the report as laid out at `width` pixels, from inside the browser: the smallest
/// rendered text of the figures, and how far the page itself is wider than the window.
fn layout_at(browser: &Path, report: &Path, width: u32) -> serde_json::Value {
    let dir = report.parent().unwrap();
    let probe = dir.join(format!("probe-{width}.html"));
    std::fs::write(
        &probe,
        r#"<!DOCTYPE html><html><head><meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="margin:0"><iframe id="r" src="report/index.html" style="border:0;width:100%;height:2000px"></iframe>
<pre id="out">pending</pre>
<script>
document.getElementById('r').addEventListener('load', function () {
  var d = this.contentDocument, w = this.contentWindow, min = 1e9, worst = '';
  d.querySelectorAll('svg text').forEach(function (t) {
    var m = t.getScreenCTM();
    var size = parseFloat(w.getComputedStyle(t).fontSize) * Math.sqrt(m.a * m.a + m.b * m.b);
    if (size < min) { min = size; worst = t.textContent; }
  });
  var texts = d.querySelectorAll('svg text').length;
  var overflow = d.documentElement.scrollWidth - w.innerWidth;
  document.getElementById('out').textContent =
    JSON.stringify({min: min, worst: worst, texts: texts, overflow: overflow, width: w.innerWidth});
});
</script></body></html>"#,
    )
    .unwrap();
    let profile = tempfile::tempdir().unwrap();
    let out = headless(browser, profile.path())
        .arg(format!("--window-size={width},2000"))
        .arg("--allow-file-access-from-files")
        .arg("--virtual-time-budget=5000")
        .arg("--dump-dom")
        .arg(format!("file://{}", probe.display()))
        .output()
        .expect("chromium runs");
    let dom = String::from_utf8_lossy(&out.stdout);
    let start = dom.find("<pre id=\"out\">").expect("the probe") + "<pre id=\"out\">".len();
    let end = start + dom[start..].find("</pre>").unwrap();
    serde_json::from_str(
        &dom[start..end]
            .replace("&quot;", "\"")
            .replace("&amp;", "&"),
    )
    .unwrap_or_else(|e| panic!("{e}: {}", &dom[start..end]))
}

/// At a phone's width (390 px) and a laptop's (1280 px) the page is never wider than the window
/// (wide tables and figures scroll in their own boxes), and the figures' text is never under
/// 10 px as rendered.
#[test]
fn the_report_reads_on_a_phone_and_a_laptop() {
    let Some((browser, dir)) = browser_and_report() else {
        return;
    };
    let out = dir.path().join("report");
    for width in [390, 1280] {
        let layout = layout_at(&browser, &out, width);
        assert!(layout["texts"].as_u64().unwrap() > 100, "{width}: {layout}");
        assert!(
            layout["overflow"].as_f64().unwrap() <= 1.0,
            "{width} px: the page is wider than the window: {layout}"
        );
        assert!(
            layout["min"].as_f64().unwrap() >= 10.0,
            "{width} px: figure text under 10 px: {layout}"
        );
        // Keep screenshots to look at (not asserted on).
        let profile = tempfile::tempdir().unwrap();
        let _ = headless(&browser, profile.path())
            .arg(format!("--window-size={width},2400"))
            .arg(format!(
                "--screenshot={}",
                std::env::temp_dir()
                    .join(format!("concur-report-{width}.png"))
                    .display()
            ))
            .arg(format!("file://{}", out.join("index.html").display()))
            .output();
    }
}
