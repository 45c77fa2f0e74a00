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
