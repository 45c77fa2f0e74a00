//! The HTML pages.

use crate::error::WebError;
use crate::query::{AskParams, DiffParams, StudyParams};
use crate::views::{self, AnalysisView};
use crate::App;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode, Uri};
use axum::response::{Html, IntoResponse, Response};
use concur_evidence::{Site, Technique};
use concur_report::wire;
use std::sync::Arc;

/// Pages render to HTML or fail with a page that says why.
type Page = Result<Html<String>, WebError>;

fn render(t: &impl Template) -> Page {
    Ok(Html(t.render()?))
}

/// A choice in a form's select: value, label, whether chosen.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

fn choices(all: &[(&str, &str)], current: Option<&str>) -> Vec<Choice> {
    all.iter()
        .map(|(v, l)| Choice {
            value: v.to_string(),
            label: l.to_string(),
            selected: current.is_some_and(|c| c.eq_ignore_ascii_case(v)),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "ask.html")]
struct AskPage {
    title: String,
    params: AskParams,
    drugs: Vec<String>,
    sites: Vec<Choice>,
    techniques: Vec<Choice>,
    timings: Vec<Choice>,
    error: Option<String>,
    answer: Option<wire::Answer>,
    analyses: Vec<AnalysisView>,
    disclaimer: &'static str,
}

/// `/`: the clinician's question and, when asked, the answer (the question is in the URL, so
/// the answer can be shared).
pub async fn ask(State(app): State<Arc<App>>, Query(params): Query<AskParams>) -> Response {
    let review = app.evidence.review;
    let mut drugs: Vec<String> = review
        .drugs
        .iter()
        .filter(|d| !d.group)
        .flat_map(|d| std::iter::once(d.name.clone()).chain(d.synonyms.iter().cloned()))
        .collect();
    drugs.sort_by_key(|d| d.to_lowercase());
    drugs.dedup();
    let site_list: Vec<(&str, &str)> = Site::ALL.iter().map(|s| (s.as_str(), s.label())).collect();
    let technique_list: Vec<(&str, &str)> = std::iter::once(("", "any technique"))
        .chain(Technique::ALL.iter().map(|t| (t.as_str(), t.label())))
        .collect();
    let timing_list = [
        ("any", "any timing"),
        ("concurrent", "concurrent"),
        ("sequential", "sequential"),
    ];
    let mut page = AskPage {
        title: review.meta.title.clone(),
        sites: choices(&site_list, params.site.as_deref().or(Some("brain"))),
        techniques: choices(&technique_list, params.technique.as_deref()),
        timings: choices(&timing_list, params.timing.as_deref().or(Some("any"))),
        drugs,
        error: None,
        answer: None,
        analyses: Vec::new(),
        disclaimer: concur_report::DISCLAIMER,
        params: params.clone(),
    };
    let mut status = StatusCode::OK;
    if params.asked() {
        match params
            .query()
            .and_then(|q| Ok(concur_synthesis::assess(&app.evidence, q)?))
        {
            Ok(answer) => {
                let json = concur_report::answer_json(review, &answer);
                page.analyses = views::answer_analyses(&app.evidence, &json);
                page.answer = Some(json);
            }
            Err(e) => {
                status = e.status();
                page.error = Some(e.to_string());
            }
        }
    }
    match render(&page) {
        Ok(html) => (status, html).into_response(),
        Err(e) => e.into_response(),
    }
}

#[derive(Template)]
#[template(path = "studies.html")]
struct StudiesPage {
    rows: Vec<wire::StudyRow>,
    params: StudyParams,
    sites: Vec<Choice>,
    sort: String,
    total: usize,
}

/// `/studies`: the study table, filtered and sorted as the query string says.
pub async fn studies(State(app): State<Arc<App>>, Query(params): Query<StudyParams>) -> Page {
    let filter = params.filter()?;
    let selected = app.evidence.select(&filter)?;
    let mut rows = concur_report::study_rows_json(app.evidence.review, &selected);
    let sort = params.sort.clone().unwrap_or_else(|| "label".into());
    match sort.as_str() {
        "n" => rows.sort_by_key(|r| std::cmp::Reverse(r.n)),
        "design" => rows.sort_by(|a, b| a.design.label().cmp(b.design.label())),
        "year" => {
            let review = app.evidence.review;
            let year = |id: &str| {
                review.study(id).and_then(|s| {
                    s.citation
                        .as_ref()
                        .and_then(|c| c.year)
                        .or_else(|| s.source_ref.and_then(|r| review.reference(r)?.year))
                })
            };
            rows.sort_by_key(|r| std::cmp::Reverse(year(&r.id)))
        }
        _ => rows.sort_by_key(|r| r.label.to_lowercase()),
    }
    let site_list: Vec<(&str, &str)> = std::iter::once(("", "any site"))
        .chain(Site::ALL.iter().map(|s| (s.as_str(), s.label())))
        .collect();
    render(&StudiesPage {
        total: app.evidence.review.studies.len(),
        sites: choices(&site_list, params.site.as_deref()),
        rows,
        params,
        sort,
    })
}

#[derive(Template)]
#[template(path = "study.html")]
struct StudyPage {
    label: String,
    detail: String,
    analyses: Vec<AnalysisView>,
    disclaimer: &'static str,
}

/// `/studies/{id}`: one study with every number and its locator, and the analyses it is in.
pub async fn study(State(app): State<Arc<App>>, Path(id): Path<String>) -> Page {
    let s = app.evidence.study(&id)?;
    let analyses = app
        .evidence
        .analyses()
        .iter()
        .filter(|r| r.rows.iter().any(|row| row.study.id == s.id))
        .map(views::analysis)
        .collect();
    render(&StudyPage {
        label: s.label.clone(),
        detail: concur_report::study_detail_text(app.evidence.review, s),
        analyses,
        disclaimer: concur_report::DISCLAIMER,
    })
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    text: String,
    findings: usize,
    open: usize,
}

/// `/audit`: the audit's findings.
pub async fn audit(State(app): State<Arc<App>>) -> Page {
    let a = app.evidence.audit();
    render(&AuditPage {
        text: concur_report::audit_text(a),
        findings: a.findings.len(),
        open: a.unacknowledged_errors(),
    })
}

#[derive(Template)]
#[template(path = "editions.html")]
struct EditionsPage {
    editions: Vec<(String, String, String, Option<String>)>,
}

/// `/editions`: the editions, each linked to what changed since the one before.
pub async fn editions(State(app): State<Arc<App>>) -> Page {
    let list = &app.full.meta.editions;
    let editions = list
        .iter()
        .enumerate()
        .map(|(i, e)| {
            (
                e.id.clone(),
                e.label.clone(),
                e.date.clone().unwrap_or_default(),
                i.checked_sub(1).map(|p| list[p].id.clone()),
            )
        })
        .collect();
    render(&EditionsPage { editions })
}

#[derive(Template)]
#[template(path = "diff.html")]
struct DiffPage {
    from: String,
    to: String,
    markdown: String,
}

/// The editions a diff compares: as asked, else the latest and the one before it.
pub(crate) fn diff_editions(app: &App, params: &DiffParams) -> Result<(String, String), WebError> {
    let full = app.full;
    let to = match params.to.as_deref().filter(|s| !s.is_empty()) {
        Some(t) => t.to_string(),
        None => full
            .current_edition()
            .ok_or_else(|| WebError::BadQuery("the review declares no editions".into()))?
            .to_string(),
    };
    let from = match params.from.as_deref().filter(|s| !s.is_empty()) {
        Some(f) => f.to_string(),
        None => full
            .edition_index(&to)
            .and_then(|i| i.checked_sub(1))
            .map(|i| full.meta.editions[i].id.clone())
            .ok_or_else(|| WebError::BadQuery(format!("there is no edition before {to}")))?,
    };
    Ok((from, to))
}

/// `/diff?from=..&to=..`: what changed between two editions.
pub async fn diff(State(app): State<Arc<App>>, Query(params): Query<DiffParams>) -> Page {
    let (from, to) = diff_editions(&app, &params)?;
    let d = concur_synthesis::diff(app.full, &from, &to)?;
    render(&DiffPage {
        markdown: views::markdown(&concur_report::diff_markdown(&d)),
        from,
        to,
    })
}

/// The report's files, built from the review as it is now (the folder is read again when the
/// review came from one).
fn report_files(app: &App) -> Result<Vec<concur_report::ReportFile>, WebError> {
    let reloaded;
    let full = match &app.review_dir {
        Some(dir) => {
            reloaded = concur_evidence::load_dir(dir)?;
            &reloaded
        }
        None => app.full,
    };
    let review = match full.current_edition() {
        Some(e) => concur_synthesis::edition(full, e)?,
        None => full.clone(),
    };
    let evidence = concur_synthesis::Evidence::new(&review);
    let flow = evidence.prisma(None);
    let changes = full.current_edition().and_then(|e| {
        let i = full.edition_index(e)?.checked_sub(1)?;
        let from = &full.meta.editions[i].id;
        let d = concur_synthesis::diff(full, from, e).ok()?;
        Some(concur_report::diff_markdown(&d))
    });
    Ok(concur_report::build_report(&evidence, &flow, changes.as_deref()).files)
}

/// The report's own policy: its page carries its style sheet and figures inline.
const REPORT_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; base-uri 'none'";

fn report_response(path: &str, bytes: Vec<u8>) -> Response {
    let kind = match path.rsplit('.').next() {
        Some("html") => "text/html; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("csv") => "text/csv; charset=utf-8",
        Some("json") => "application/json",
        Some("md") => "text/markdown; charset=utf-8",
        _ => "application/octet-stream",
    };
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(kind)),
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(REPORT_CSP),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// `/report/`: the report's page, regenerated from the data.
pub async fn report_index(State(app): State<Arc<App>>) -> Response {
    report_file(State(app), Path("index.html".to_string())).await
}

/// `/report/{path}`: one file of the report (tables/*.csv, figures/*.svg, report.md, ...).
pub async fn report_file(State(app): State<Arc<App>>, Path(path): Path<String>) -> Response {
    let files = match tokio::task::spawn_blocking({
        let app = app.clone();
        move || report_files(&app)
    })
    .await
    {
        Ok(Ok(files)) => files,
        Ok(Err(e)) => return e.into_response(),
        Err(_) => return WebError::NotFound(format!("/report/{path}")).into_response(),
    };
    match files.into_iter().find(|f| f.path == path) {
        Some(f) => report_response(&f.path, f.bytes),
        None => WebError::NotFound(format!("/report/{path}")).into_response(),
    }
}

/// `/static/app.css`.
pub async fn css() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        include_str!("../static/app.css"),
    )
        .into_response()
}

/// Any other address.
pub async fn not_found(uri: Uri) -> WebError {
    WebError::NotFound(uri.path().to_string())
}
