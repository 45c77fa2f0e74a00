//! The web app in a real browser (headless Chromium driven over WebDriver by Debian's
//! chromedriver): a clinician asks a question and sees the forest plot; two reviewers, in two
//! browsers at once, sign in and screen three records each with the keyboard, and the counts,
//! the conflict and kappa change. Skipped with a notice when Chromium or chromedriver is absent,
//! unless CONCUR_REQUIRE_BROWSER=1 (set by .ci/run).

use crate::common::concur;
use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::{Client, ClientBuilder, Locator};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn on_path(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    names
        .iter()
        .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
        .find(|p| p.is_file())
}

/// Chromium and chromedriver, or `None` with a notice.
fn browser() -> Option<(PathBuf, PathBuf)> {
    match (
        on_path(&["chromium", "chromium-browser", "google-chrome"]),
        on_path(&["chromedriver"]),
    ) {
        (Some(b), Some(d)) => Some((b, d)),
        _ if std::env::var("CONCUR_REQUIRE_BROWSER").as_deref() == Ok("1") => {
            panic!("CONCUR_REQUIRE_BROWSER=1 but Chromium or chromedriver is not on PATH")
        }
        _ => {
            eprintln!(
                "notice: Chromium or chromedriver not found; skipping the web app's browser test"
            );
            None
        }
    }
}

/// A child process killed when the test ends, pass or fail.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `concur serve` on a free port; returns the process and its address.
fn serve(ws: &Path) -> (Killed, String) {
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("concur"))
        .arg("--workspace")
        .arg(ws)
        .args(["serve", "--bind", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let address = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .expect("concur serve prints its address")
        .trim_end_matches('/')
        .to_string();
    (Killed(child), address)
}

fn chromedriver(driver: &Path) -> (Killed, u16) {
    let port = free_port();
    let child = Command::new(driver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "chromedriver did not start"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    (Killed(child), port)
}

async fn open(browser: &Path, port: u16, profile: &Path) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": browser,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--window-size=1280,1000",
                format!("--user-data-dir={}", profile.display()),
            ],
        }),
    );
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("a browser session")
}

async fn press(c: &Client, key: char) {
    let keys = KeyActions::new("keyboard".into())
        .then(KeyAction::Down { value: key })
        .then(KeyAction::Up { value: key });
    c.perform_actions(keys).await.unwrap();
}

/// Presses a decision key and waits for the page that confirms it.
async fn decide(c: &Client, key: char) -> String {
    let record = c
        .find(Locator::Css("input[name=record]"))
        .await
        .unwrap()
        .attr("value")
        .await
        .unwrap()
        .unwrap();
    press(c, key).await;
    // The decision's page confirms it by the record's number (the one before named another).
    let started = Instant::now();
    loop {
        let done = match c.find(Locator::Css("#done")).await {
            Ok(e) => e.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        if done.ends_with(&format!("record {record}")) {
            return record;
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "no confirmation after `{key}`"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// With CONCUR_SCREENSHOTS=DIR, saves what the browser shows at laptop and phone widths.
async fn screenshots(c: &Client, name: &str) {
    let Ok(dir) = std::env::var("CONCUR_SCREENSHOTS") else {
        return;
    };
    for (w, h) in [(1280, 1000), (390, 844)] {
        c.set_window_size(w, h).await.unwrap();
        let png = c.screenshot().await.unwrap();
        std::fs::write(Path::new(&dir).join(format!("{name}-{w}.png")), png).unwrap();
    }
    c.set_window_size(1280, 1000).await.unwrap();
}

async fn progress(c: &Client, address: &str) -> (u64, u64, String) {
    c.goto(&format!("{address}/progress")).await.unwrap();
    let number = |id: &'static str| async move {
        c.find(Locator::Id(id))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
            .trim()
            .parse::<u64>()
            .unwrap()
    };
    let screened = number("screened").await;
    let conflicts = number("conflicts").await;
    let agreement = match c.find(Locator::Id("agreement")).await {
        Ok(e) => e.text().await.unwrap(),
        Err(_) => String::new(),
    };
    (screened, conflicts, agreement)
}

async fn sign_in(c: &Client, address: &str, token: &str) {
    c.goto(&format!("{address}/signin")).await.unwrap();
    let field = c.find(Locator::Css("input[name=token]")).await.unwrap();
    field.send_keys(token).await.unwrap();
    c.find(Locator::Css("form button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    if c.wait()
        .for_element(Locator::Css("form#decide"))
        .await
        .is_err()
    {
        panic!(
            "no screen page after signing in: {} {}",
            c.current_url().await.unwrap(),
            c.source().await.unwrap_or_default()
        );
    }
}

#[test]
fn a_clinician_asks_and_two_reviewers_screen_in_two_browsers() {
    let Some((chromium, driver)) = browser() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    concur().arg("init").arg(&ws).assert().success();
    let ris = dir.path().join("r.ris");
    let mut text = String::new();
    for i in 1..=8 {
        text.push_str(&format!(
            "TY  - JOUR\nTI  - Trastuzumab emtansine and stereotactic radiosurgery, series {i}\nAB  - Patients with HER2-positive brain metastases, report {i}.\nPY  - 2022\nER  - \n"
        ));
    }
    std::fs::write(&ris, text).unwrap();
    concur()
        .arg("--workspace")
        .arg(&ws)
        .arg("import")
        .arg(&ris)
        .assert()
        .success();
    let token = |name: &str| -> String {
        let out = concur()
            .arg("--workspace")
            .arg(&ws)
            .args(["--json", "reviewer", "add", name])
            .output()
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        v["token"].as_str().unwrap().to_string()
    };
    let (alice_token, bob_token) = (token("alice"), token("bob"));
    let (_server, address) = serve(&ws);
    let (_driver, port) = chromedriver(&driver);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let (pa, pb) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let alice = open(&chromium, port, pa.path()).await;
        let bob = open(&chromium, port, pb.path()).await;

        // The clinician's question, typed into the form.
        alice.goto(&format!("{address}/")).await.unwrap();
        alice
            .find(Locator::Css("input[name=drug]"))
            .await
            .unwrap()
            .send_keys("Kadcyla")
            .await
            .unwrap();
        alice
            .find(Locator::Css("select[name=technique] option[value=srs]"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        alice
            .find(Locator::Css("form.ask button"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        alice
            .wait()
            .for_element(Locator::Css("figure.forest svg"))
            .await
            .expect("a forest plot");
        let url = alice.current_url().await.unwrap();
        assert!(
            url.as_str().contains("drug=Kadcyla"),
            "the answer's URL holds the question: {url}"
        );
        let plots = alice
            .find_all(Locator::Css("figure.forest svg"))
            .await
            .unwrap();
        assert!(!plots.is_empty());
        screenshots(&alice, "ask").await;

        // Two reviewers, two browsers, blind to each other, with the keyboard.
        sign_in(&alice, &address, &alice_token).await;
        sign_in(&bob, &address, &bob_token).await;
        let (screened, conflicts, _) = progress(&alice, &address).await;
        assert_eq!((screened, conflicts), (0, 0));
        alice.goto(&format!("{address}/screen")).await.unwrap();
        bob.goto(&format!("{address}/screen")).await.unwrap();
        let mut a = Vec::new();
        let mut b = Vec::new();
        for (ka, kb) in [('i', 'e'), ('i', 'i'), ('e', 'i')] {
            a.push((decide(&alice, ka).await, ka));
            b.push((decide(&bob, kb).await, kb));
        }
        screenshots(&bob, "screen").await;
        // Both saw the same first record (the same random order before any decision), and
        // judged it differently: a conflict.
        assert_eq!(a[0].0, b[0].0);
        let (screened, conflicts, agreement) = progress(&alice, &address).await;
        assert!(screened >= 3, "screened {screened}");
        assert!(conflicts >= 1, "no conflict");
        assert!(
            agreement.contains("kappa") || agreement.contains("κ"),
            "{agreement}"
        );
        screenshots(&alice, "progress").await;
        // The conflicts page lists it; a resolution settles it.
        alice.goto(&format!("{address}/conflicts")).await.unwrap();
        let first = a[0].0.clone();
        alice
            .find(Locator::Css(&format!("#conflict-{first} button.include")))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        alice.wait().for_element(Locator::Css("h1")).await.unwrap();
        let (_, after, _) = progress(&alice, &address).await;
        assert_eq!(after, conflicts - 1);
        alice.close().await.unwrap();
        bob.close().await.unwrap();
    });
}
