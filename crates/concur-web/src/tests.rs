//! Every route over HTTP (in process): status, content, escaping, limits.

use super::*;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use std::path::Path;
use std::sync::OnceLock;
use tower::ServiceExt;

fn default_review() -> Review {
    concur_evidence::load_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../../reviews/tdm1-radiotherapy"),
    )
    .expect("the default review loads")
}

/// One app for the tests (analysing the review takes a moment).
fn app() -> Arc<App> {
    static APP: OnceLock<Arc<App>> = OnceLock::new();
    APP.get_or_init(|| Arc::new(App::new(default_review(), None, None).unwrap()))
        .clone()
}

async fn get(app: Arc<App>, uri: &str) -> (StatusCode, axum::http::HeaderMap, String) {
    let response = router(app)
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, headers, String::from_utf8_lossy(&body).into_owned())
}

#[tokio::test]
async fn the_ask_page_answers_from_the_query_string_with_forest_plots() {
    let (status, headers, html) = get(
        app(),
        "/?drug=Kadcyla&site=brain&technique=srs&timing=concurrent",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers[axum::http::header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap()
        .contains("default-src 'none'"));
    assert!(html.contains("<svg"), "a forest plot");
    assert!(html.contains("Radionecrosis"));
    assert!(html.contains("does not replace clinical judgement"));
    assert!(html.contains("value=\"Kadcyla\""));
    // The form alone without a question.
    let (status, _, html) = get(app(), "/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<form") && !html.contains("Bottom line"));
}

#[tokio::test]
async fn unknown_drugs_and_sites_get_the_clis_message_as_a_page() {
    let (status, _, html) = get(app(), "/?drug=aspirin&site=brain").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(html.contains("unknown drug `aspirin`"), "{html}");
    let (status, _, html) = get(app(), "/?drug=T-DM1&site=liverx").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(html.contains("unknown site `liverx`"));
    let (status, _, json) = get(app(), "/api/assess?drug=aspirin&site=brain").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(json.contains("\"error\""));
}

#[tokio::test]
async fn api_assess_is_the_clis_json() {
    let (status, headers, body) = get(
        app(),
        "/api/assess?drug=T-DM1&site=breast&dose_gy=40&fractions=15",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        headers[axum::http::header::CONTENT_TYPE],
        "application/json"
    );
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    let review = app().evidence.review;
    let evidence = concur_synthesis::Evidence::new(review);
    let q = concur_synthesis::Query {
        drug: "T-DM1".into(),
        site: concur_evidence::Site::Breast,
        technique: None,
        timing: None,
        dose_gy: Some(40.0),
        fractions: Some(15.0),
        interval_days: None,
    };
    let cli = concur_report::answer_json(review, &concur_synthesis::assess(&evidence, q).unwrap());
    // Compared as text: parsing floats back is not exact to the last bit.
    assert!(
        body == serde_json::to_string(&cli).unwrap(),
        "/api/assess differs from assess --json"
    );
    assert!(v["dose"]["planned"]
        .as_array()
        .is_some_and(|p| !p.is_empty()));
}

#[tokio::test]
async fn evidence_pages_and_their_json() {
    for (uri, needle) in [
        ("/studies", "Stumpf 2019"),
        ("/studies?site=brain&sort=n", "Stumpf 2019"),
        (
            "/studies/stumpf-2019",
            "clinically significant radiation necrosis",
        ),
        ("/audit", "findings"),
        ("/editions", "what changed since 2021-01"),
        ("/diff", "What changed from 2021-01 to current"),
        ("/report/", "<svg"),
        ("/report/report.md", "# T-DM1"),
        ("/report/tables/analyses.csv", "analysis,row,study"),
        ("/api/studies?site=bone", "\"id\""),
        ("/api/studies/stumpf-2019", "\"stumpf-2019\""),
        ("/api/audit", "\"findings\""),
        ("/api/diff", "\"analyses\""),
        ("/api/check", "\"studies\""),
    ] {
        let (status, _, body) = get(app(), uri).await;
        assert_eq!(status, StatusCode::OK, "{uri}");
        assert!(body.contains(needle), "{uri} lacks {needle}");
    }
    for uri in [
        "/studies/nobody",
        "/nowhere",
        "/report/../../etc/passwd",
        "/api/studies/nobody",
    ] {
        let (status, _, body) = get(app(), uri).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{uri}");
        assert!(!body.contains("panicked"));
    }
    let (status, _, _) = get(app(), "/studies?site=moon").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn hostile_text_in_the_question_is_escaped() {
    let attack = "%22%3E%3Csvg%20onload%3Dalert(1)%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E";
    let (_, _, html) = get(app(), &format!("/?drug={attack}&site=brain")).await;
    assert!(!html.contains("<script>alert(1)"), "{html}");
    assert!(!html.contains("<svg onload"), "{html}");
    assert!(html.contains("&lt;script&gt;") || html.contains("&#60;script&#62;"));
}

/// A workspace with `n` records (two with hostile titles) and tokens for `reviewers`.
fn screening_app(n: usize, reviewers: &[&str]) -> (tempfile::TempDir, Arc<App>, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    let mut ws =
        concur_store::Workspace::init(dir.path(), concur_store::Config::default()).unwrap();
    let mut ris = String::new();
    ris.push_str("TY  - JOUR\nTI  - <script>alert(1)</script> trastuzumab emtansine\nAB  - \"><svg onload=alert(1)> radiosurgery\nPY  - 2020\nER  - \n");
    for i in 1..n {
        ris.push_str(&format!(
            "TY  - JOUR\nTI  - Record {i} on radiotherapy and T-DM1 number {i}\nAB  - Patients {i} received stereotactic radiosurgery.\nPY  - 2020\nER  - \n"
        ));
    }
    let file = dir.path().join("r.ris");
    std::fs::write(&file, ris).unwrap();
    ws.import_files(
        &[file],
        &concur_store::ImportOptions::default(),
        &mut |_| {},
    )
    .unwrap();
    let tokens = reviewers
        .iter()
        .map(|r| ws.add_reviewer(r).unwrap())
        .collect();
    drop(ws);
    let app = Arc::new(App::new(default_review(), None, Some(dir.path().to_path_buf())).unwrap());
    (dir, app, tokens)
}

async fn send(
    app: Arc<App>,
    request: Request<Body>,
) -> (StatusCode, axum::http::HeaderMap, String) {
    let response = router(app).oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, headers, String::from_utf8_lossy(&body).into_owned())
}

fn post(uri: &str, cookie: Option<&str>, body: String) -> Request<Body> {
    let mut r = Request::post(uri)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("host", "localhost");
    if let Some(c) = cookie {
        r = r.header("cookie", c);
    }
    r.body(Body::from(body)).unwrap()
}

/// Signs in; returns the cookie and the session's CSRF token.
async fn sign_in(app: &Arc<App>, token: &str) -> (String, String) {
    let (status, headers, _) =
        send(app.clone(), post("/signin", None, format!("token={token}"))).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let set = headers["set-cookie"].to_str().unwrap().to_string();
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Strict"),
        "{set}"
    );
    let cookie = set.split(';').next().unwrap().to_string();
    let (status, _, html) = send(
        app.clone(),
        Request::get("/screen")
            .header("cookie", &cookie)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let csrf = html
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_string();
    (cookie, csrf)
}

fn decision_rows(dir: &Path) -> i64 {
    let ws = concur_store::Workspace::open(dir).unwrap();
    ws.decision_history(None, None).unwrap().len() as i64
}

#[tokio::test]
async fn reviewers_sign_in_and_every_write_needs_the_session_and_its_csrf_token() {
    let (dir, app, tokens) = screening_app(5, &["alice", "bob"]);
    // A wrong token is refused; screening without a session leads to the sign-in page.
    let (status, _, _) = send(app.clone(), post("/signin", None, "token=guess".into())).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, headers, _) = get(app.clone(), "/screen").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers["location"], "/signin");
    let (alice, csrf_a) = sign_in(&app, &tokens[0]).await;
    let (bob, csrf_b) = sign_in(&app, &tokens[1]).await;
    // Hostile titles and abstracts are escaped on the screen page.
    let (_, _, html) = send(
        app.clone(),
        Request::get("/screen?stage=title-abstract")
            .header("cookie", &alice)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert!(
        !html.contains("<script>alert") && !html.contains("<svg onload"),
        "unescaped record text"
    );
    // Writes: without the token, with another's token, from another site, without a session.
    for (cookie, body, origin) in [
        (
            Some(alice.as_str()),
            "record=1&decision=include".to_string(),
            None,
        ),
        (
            Some(alice.as_str()),
            format!("csrf={csrf_b}&record=1&decision=include"),
            None,
        ),
        (
            Some(alice.as_str()),
            format!("csrf={csrf_a}&record=1&decision=include"),
            Some("http://evil.example"),
        ),
        (
            None,
            format!("csrf={csrf_a}&record=1&decision=include"),
            None,
        ),
    ] {
        let mut r = post("/screen/decide", cookie, body);
        if let Some(o) = origin {
            r.headers_mut().insert("origin", o.parse().unwrap());
        }
        let (status, _, _) = send(app.clone(), r).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
    assert_eq!(decision_rows(dir.path()), 0);
    // Alice includes record 1, Bob excludes it: a conflict, which Alice resolves.
    let (status, _, _) = send(
        app.clone(),
        post(
            "/screen/decide",
            Some(&alice),
            format!("csrf={csrf_a}&stage=title-abstract&record=1&decision=include"),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, _, _) = send(
        app.clone(),
        post(
            "/screen/decide",
            Some(&bob),
            format!("csrf={csrf_b}&stage=title-abstract&record=1&decision=exclude&reason=not-tdm1"),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, _, html) = send(
        app.clone(),
        Request::get("/conflicts")
            .header("cookie", &alice)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert!(html.contains("id=\"conflict-1\""), "{html}");
    let (_, _, progress) = get(app.clone(), "/progress").await;
    assert!(progress.contains("id=\"conflicts\">1<"));
    assert!(
        progress.contains("kappa") || progress.contains("κ"),
        "agreement shown"
    );
    let (status, _, _) = send(app.clone(), post("/conflicts/resolve", Some(&alice), format!("csrf={csrf_a}&stage=title-abstract&record=1&decision=include&note=both+agree+on+reading"))).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, _, html) = send(
        app.clone(),
        Request::get("/conflicts")
            .header("cookie", &alice)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert!(!html.contains("id=\"conflict-1\""));
    // Undo takes Bob's decision back; an unknown reason is refused with a message.
    let (status, _, _) = send(
        app.clone(),
        post(
            "/screen/undo",
            Some(&bob),
            format!("csrf={csrf_b}&stage=title-abstract"),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, _, html) = send(
        app.clone(),
        post(
            "/screen/decide",
            Some(&bob),
            format!("csrf={csrf_b}&record=2&decision=exclude&reason=made-up"),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(html.contains("made-up"));
    assert_eq!(decision_rows(dir.path()), 4);
    // Signing out ends the session.
    let (status, _, _) = send(
        app.clone(),
        post("/signout", Some(&bob), format!("csrf={csrf_b}")),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, _, _) = send(
        app.clone(),
        post(
            "/screen/decide",
            Some(&bob),
            format!("csrf={csrf_b}&record=3&decision=include"),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // A body over the limit is refused before it is read.
    let (status, _, _) = send(
        app.clone(),
        post("/signin", None, "x".repeat(BODY_LIMIT + 10)),
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn many_reviewers_deciding_at_once_lose_no_decision() {
    let names: Vec<String> = (0..8).map(|i| format!("r{i}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let records = 25;
    let (dir, app, tokens) = screening_app(records, &refs);
    let mut sessions = Vec::new();
    for t in &tokens {
        sessions.push(sign_in(&app, t).await);
    }
    let mut tasks = Vec::new();
    for (cookie, csrf) in sessions {
        let app = app.clone();
        tasks.push(tokio::spawn(async move {
            for record in 1..=records {
                let verdict = if record % 3 == 0 {
                    "exclude"
                } else {
                    "include"
                };
                let (status, _, body) = send(
                    app.clone(),
                    post(
                        "/screen/decide",
                        Some(&cookie),
                        format!(
                            "csrf={csrf}&stage=title-abstract&record={record}&decision={verdict}"
                        ),
                    ),
                )
                .await;
                assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(decision_rows(dir.path()), (8 * records) as i64);
    let ws = concur_store::Workspace::open(dir.path()).unwrap();
    let screening = ws.screening(concur_store::Stage::TitleAbstract).unwrap();
    for name in &names {
        assert_eq!(screening.decisions_of(name).len(), records, "{name}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_keep_answering_while_an_import_writes() {
    let (dir, app, _) = screening_app(3, &["alice"]);
    // A large file, imported by another connection while the server reads.
    let mut ris = String::new();
    for i in 0..20_000 {
        ris.push_str(&format!(
            "TY  - JOUR\nTI  - Imported while serving {i}\nAB  - {}\nPY  - 2021\nER  - \n",
            "words ".repeat(40)
        ));
    }
    let file = dir.path().join("big.ris");
    std::fs::write(&file, ris).unwrap();
    let root = dir.path().to_path_buf();
    let import = std::thread::spawn(move || {
        let mut ws = concur_store::Workspace::open(&root).unwrap();
        ws.import_files(
            &[file],
            &concur_store::ImportOptions::default(),
            &mut |_| {},
        )
        .unwrap()
    });
    let mut answered = 0;
    while !import.is_finished() {
        let started = std::time::Instant::now();
        let (status, _, _) = get(app.clone(), "/progress").await;
        assert_eq!(status, StatusCode::OK, "a page failed during the import");
        assert!(
            started.elapsed() < std::time::Duration::from_secs(5),
            "a page waited for the import"
        );
        answered += 1;
    }
    let outcomes = import.join().unwrap();
    assert_eq!(outcomes[0].batch.as_ref().unwrap().records, 20_000);
    assert!(answered > 0);
}

fn json_request(
    method: &str,
    uri: &str,
    cookie: Option<&str>,
    csrf: Option<&str>,
    body: serde_json::Value,
) -> Request<Body> {
    let mut r = Request::builder()
        .method(method)
        .uri(uri)
        .header("content-type", "application/json")
        .header("host", "localhost");
    if let Some(c) = cookie {
        r = r.header("cookie", c);
    }
    if let Some(t) = csrf {
        r = r.header("x-csrf-token", t);
    }
    r.body(Body::from(body.to_string())).unwrap()
}

#[tokio::test]
async fn the_screening_api_has_the_clis_shapes_and_the_same_protections() {
    let (_dir, app, tokens) = screening_app(4, &["alice", "bob"]);
    let (status, headers, body) = send(
        app.clone(),
        json_request(
            "POST",
            "/api/signin",
            None,
            None,
            serde_json::json!({"token": tokens[0]}),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["reviewer"], "alice");
    let csrf = v["csrf"].as_str().unwrap().to_string();
    let cookie = headers["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let (status, _, body) = send(
        app.clone(),
        Request::get("/api/screen/next")
            .header("cookie", &cookie)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let next: serde_json::Value = serde_json::from_str(&body).unwrap();
    let record = next["next"]["record"].as_i64().unwrap();
    for key in [
        "reviewer",
        "stage",
        "record",
        "highlighted",
        "eligibility",
        "stopping",
    ] {
        assert!(next.get(key).is_some(), "screen next lacks {key}");
    }
    // A write without the header is refused; with it, it is recorded.
    let decide = serde_json::json!({"record": record, "decision": "include"});
    let (status, _, _) = send(
        app.clone(),
        json_request(
            "POST",
            "/api/screen/decide",
            Some(&cookie),
            None,
            decide.clone(),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, body) = send(
        app.clone(),
        json_request(
            "POST",
            "/api/screen/decide",
            Some(&cookie),
            Some(&csrf),
            decide,
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let d: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(d["record"], record);
    let (status, _, body) = get(app.clone(), "/api/screen/status").await;
    assert_eq!(status, StatusCode::OK);
    let s: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(s["counts"]["screened"], 1);
    assert_eq!(s["reviewers"][0]["reviewer"], "alice");
    let (status, _, body) = send(
        app.clone(),
        json_request(
            "POST",
            "/api/screen/undo",
            Some(&cookie),
            Some(&csrf),
            serde_json::json!({}),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _, body) = get(app.clone(), "/api/agreement").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "one reviewer: {body}");
    let (status, _, body) = get(app.clone(), "/api/conflicts").await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "[]"));
    let (status, _, body) = get(app.clone(), "/api/prisma").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("identified"), "{body}");
    let (status, headers, body) = get(app.clone(), "/prisma.svg").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "image/svg+xml");
    assert!(body.starts_with("<svg"));
    // Without a session, the API says to sign in.
    let (status, _, body) = get(app.clone(), "/api/screen/next").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(body.contains("sign in"));
}

#[tokio::test]
async fn a_server_reachable_from_the_network_asks_for_sign_in_everywhere() {
    let (dir, _, tokens) = screening_app(2, &["alice"]);
    let mut app = App::new(default_review(), None, Some(dir.path().to_path_buf())).unwrap();
    app.require_sign_in = true;
    let app = Arc::new(app);
    for uri in ["/", "/studies", "/report/", "/progress", "/search?q=x"] {
        let (status, headers, _) = get(app.clone(), uri).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{uri}");
        assert_eq!(headers["location"], "/signin");
    }
    for uri in ["/api/assess?drug=T-DM1&site=brain", "/api/search?q=x"] {
        let (status, _, _) = get(app.clone(), uri).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{uri}");
    }
    let (status, _, _) = get(app.clone(), "/signin").await;
    assert_eq!(status, StatusCode::OK);
    let (cookie, _) = sign_in(&app, &tokens[0]).await;
    let (status, _, _) = send(
        app.clone(),
        Request::get("/studies")
            .header("cookie", &cookie)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn search_runs_a_query_shows_counts_and_saves_it_signed_in() {
    let (dir, app, tokens) = screening_app(6, &["alice"]);
    // The strategy's lines with their counts, and a query with its highlighted results; hostile
    // titles stay text.
    let (status, _, html) = get(app.clone(), "/search?q=radiosurgery%5Btiab%5D").await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("<strong>6</strong> records"), "{html}");
    assert!(html.contains("&#60;script&#62;alert(1)"), "{html}");
    assert!(!html.contains("<script>alert"), "{html}");
    assert!(html.contains("id=\"strategy\""), "{html}");
    assert!(html.contains("Sign in</a> to save"), "{html}");
    let (_, _, html) = get(app.clone(), "/search?q=radiotherapy").await;
    assert!(
        html.contains("<strong>5</strong> records")
            && html.contains("<mark class=\"include\">radiotherapy</mark>"),
        "{html}"
    );
    // A query that cannot be read says where, as a page.
    let (status, _, html) = get(app.clone(), "/search?q=%28radiotherapy").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(html.contains("cannot be read"), "{html}");
    // The API is `concur search --json`.
    let (status, _, body) = get(app.clone(), "/api/search?q=T-DM1&limit=2").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["count"], 5);
    assert_eq!(v["results"].as_array().unwrap().len(), 2);
    assert!(v["translation"].is_string());
    let (_, _, body) = get(app.clone(), "/api/search").await;
    let rows: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert!(!rows.as_array().unwrap().is_empty(), "{body}");
    assert!(rows[0]["count"].is_u64());
    // Saving is a write: without a session it is refused and nothing is logged.
    let (status, _, _) = send(
        app.clone(),
        post("/search/save", None, "q=T-DM1&name=x&csrf=y".into()),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (cookie, csrf) = sign_in(&app, &tokens[0]).await;
    let (status, _, _) = send(
        app.clone(),
        post(
            "/search/save",
            Some(&cookie),
            "q=T-DM1&name=x&csrf=not-the-token".into(),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, headers, _) = send(
        app.clone(),
        post(
            "/search/save",
            Some(&cookie),
            format!("q=T-DM1&name=monthly&csrf={csrf}"),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(headers["location"].to_str().unwrap().contains("saved=1"));
    let (status, _, body) = send(
        app.clone(),
        json_request(
            "POST",
            "/api/search/save",
            Some(&cookie),
            Some(&csrf),
            serde_json::json!({"query": "radiosurgery[tiab]", "name": "api"}),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        (v["saved"].as_i64(), v["count"].as_u64()),
        (Some(2), Some(6))
    );
    let log = concur_store::Workspace::open(dir.path())
        .unwrap()
        .searches()
        .unwrap();
    assert_eq!(
        log.iter()
            .map(|s| (s.name.as_str(), s.count))
            .collect::<Vec<_>>(),
        [("monthly", 5), ("api", 6)]
    );
    let (_, _, body) = get(app.clone(), "/api/searches").await;
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 2);
    let (_, _, html) = send(
        app.clone(),
        Request::get("/search?q=T-DM1&saved=1")
            .header("cookie", &cookie)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert!(
        html.contains("Saved as search 1") && html.contains("id=\"log\""),
        "{html}"
    );
    assert!(html.contains("id=\"save\""), "{html}");
}
