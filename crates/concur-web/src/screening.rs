//! The workspace side of the app: sign-in with a reviewer token, sessions and their CSRF tokens,
//! one record at a time with its highlighted terms, decisions, undo, conflicts and their
//! resolution, agreement, the stopping indicator and the PRISMA diagram, live.

use crate::error::WebError;
use crate::queue;
use crate::App;
use askama::Template;
use axum::extract::{Form, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use concur_evidence::Eligibility;
use concur_screen::{Mark, Pool};
use concur_store::{NewDecision, Stage, StoreError, Verdict, Workspace};
use concur_synthesis::{LiteratureCounts, SearchRun};
use serde::Deserialize;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// A workspace's counts as the PRISMA flow takes them.
pub fn literature_counts(ws: &Workspace) -> Result<LiteratureCounts, StoreError> {
    let c = ws.counts()?;
    let n = |v: i64| u64::try_from(v).unwrap_or(0);
    Ok(LiteratureCounts {
        identified: c
            .identified
            .iter()
            .map(|(s, k)| (s.clone(), n(*k)))
            .collect(),
        duplicates: n(c.duplicates),
        deleted: n(c.deleted),
        remaining: n(c.remaining),
        searches: ws
            .latest_searches()?
            .into_iter()
            .map(|s| SearchRun {
                name: s.name,
                database: s.database,
                query: s.query,
                translation: s.translation,
                run_at: s.run_at,
                count: s.count,
            })
            .collect(),
        screening: screening_flow(ws)?,
    })
}

/// The screening log's counts, when anything was decided.
fn screening_flow(ws: &Workspace) -> Result<Option<concur_synthesis::ScreeningFlow>, StoreError> {
    let c = ws.screening_counts()?;
    let auto: u64 = c.excluded_automatically.iter().map(|(_, n)| n).sum();
    if c.screened + auto == 0 {
        return Ok(None);
    }
    Ok(Some(concur_synthesis::ScreeningFlow {
        excluded_automatically: c.excluded_automatically,
        screened: c.screened,
        excluded: c.excluded,
        conflicts: c.conflicts,
        awaiting: c.awaiting,
        sought: c.sought,
        assessed: c.assessed,
        reports_excluded: c.reports_excluded,
        reports_unsettled: c.reports_unsettled,
        included: c.included,
    }))
}

/// The name of the session cookie.
pub const COOKIE: &str = "concur_session";

/// A signed-in reviewer.
#[derive(Debug, Clone)]
pub struct Session {
    /// Who.
    pub reviewer: String,
    /// The token every form and write request of the session must carry.
    pub csrf: String,
}

/// The server's sessions and each stage's pool with its features (built once per set of
/// records, as building them is the slow part of choosing the next record).
#[derive(Default)]
pub struct Screens {
    sessions: Mutex<HashMap<String, Session>>,
    pools: Mutex<HashMap<&'static str, CachedPool>>,
}

/// A stage's pool and the record ids it was built from.
type CachedPool = (Vec<i64>, Arc<Pool>);

fn random_hex() -> String {
    let mut bytes = [0u8; 32];
    // Without randomness there is no safe session: the process cannot go on serving.
    getrandom::fill(&mut bytes).expect("the operating system's random numbers");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Screens {
    fn start(&self, reviewer: &str) -> (String, Session) {
        let id = random_hex();
        let session = Session {
            reviewer: reviewer.to_string(),
            csrf: random_hex(),
        };
        self.sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id.clone(), session.clone());
        (id, session)
    }

    fn end(&self, id: &str) {
        self.sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(id);
    }

    /// The session a request's cookie names.
    pub fn of(&self, headers: &HeaderMap) -> Option<(String, Session)> {
        let id = cookie(headers)?;
        let sessions = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        sessions.get(&id).map(|s| (id.clone(), s.clone()))
    }

    fn pool(
        &self,
        ws: &Workspace,
        stage: Stage,
        screening: &concur_store::Screening,
    ) -> Result<Arc<Pool>, StoreError> {
        let key = stage.as_str();
        if let Some((ids, pool)) = self
            .pools
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(key)
        {
            if *ids == screening.pool {
                return Ok(pool.clone());
            }
        }
        let (pool, _) = queue::pool(ws, screening, 1)?;
        let pool = Arc::new(pool);
        self.pools
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key, (screening.pool.clone(), pool.clone()));
        Ok(pool)
    }
}

fn cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|kv| {
            let (k, v) = kv.trim().split_once('=')?;
            (k == COOKIE).then(|| v.to_string())
        })
}

/// A write from another site is refused: its Origin (when the browser sends one) must be this
/// server's.
fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let origin_host = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"));
    matches!((origin_host, host), (Some(o), Some(h)) if o == h)
}

/// Why a write was refused.
fn forbidden(why: &str) -> Response {
    WebError::Forbidden(why.to_string()).into_response()
}

/// The session of a write request, checked: a cookie, the same origin, the session's CSRF token.
pub(crate) fn writer(
    app: &App,
    headers: &HeaderMap,
    csrf: Option<&str>,
) -> Result<Session, Response> {
    let Some((_, session)) = app.screens.of(headers) else {
        return Err(forbidden("sign in first"));
    };
    if !same_origin(headers) {
        return Err(forbidden("a request from another site"));
    }
    let token = csrf.or_else(|| headers.get("x-csrf-token").and_then(|v| v.to_str().ok()));
    if token != Some(session.csrf.as_str()) {
        return Err(forbidden(
            "the form is stale or came from elsewhere; reload the page",
        ));
    }
    Ok(session)
}

fn workspace_dir(app: &App) -> Result<&PathBuf, WebError> {
    app.workspace
        .as_ref()
        .ok_or_else(|| WebError::NotFound("screening (the server runs without a workspace)".into()))
}

/// Runs blocking workspace work off the async threads.
pub(crate) async fn blocking<T: Send + 'static>(
    app: &Arc<App>,
    work: impl FnOnce(&App, Workspace) -> Result<T, WebError> + Send + 'static,
) -> Result<T, WebError> {
    let app = app.clone();
    tokio::task::spawn_blocking(move || {
        let dir = workspace_dir(&app)?;
        let ws = Workspace::open(dir)?;
        work(&app, ws)
    })
    .await
    .map_err(|_| WebError::Busy)?
}

fn stage_of(text: Option<&str>) -> Stage {
    text.and_then(Stage::parse).unwrap_or(Stage::TitleAbstract)
}

#[derive(Template)]
#[template(path = "signin.html")]
struct SignIn {
    failed: bool,
}

/// `GET /signin`.
pub async fn signin_page() -> Result<Html<String>, WebError> {
    Ok(Html(SignIn { failed: false }.render()?))
}

/// The sign-in form.
#[derive(Deserialize)]
pub struct SignInForm {
    token: String,
}

/// `POST /signin`: a reviewer's token opens a session (an HttpOnly, SameSite=Strict cookie).
pub async fn signin(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Form(form): Form<SignInForm>,
) -> Response {
    if !same_origin(&headers) {
        return forbidden("a request from another site");
    }
    let token = form.token;
    let found = blocking(&app, move |_, ws| Ok(ws.reviewer_for_token(&token)?)).await;
    match found {
        Ok(Some(reviewer)) => {
            let (id, _) = app.screens.start(&reviewer);
            let cookie = format!("{COOKIE}={id}; HttpOnly; SameSite=Strict; Path=/");
            let mut response = Redirect::to("/screen").into_response();
            if let Ok(v) = HeaderValue::from_str(&cookie) {
                response.headers_mut().insert(header::SET_COOKIE, v);
            }
            response
        }
        Ok(None) => (
            StatusCode::UNAUTHORIZED,
            Html(SignIn { failed: true }.render().unwrap_or_default()),
        )
            .into_response(),
        Err(e) => e.into_response(),
    }
}

/// A form that carries only its CSRF token.
#[derive(Deserialize)]
pub struct CsrfForm {
    csrf: Option<String>,
    stage: Option<String>,
}

/// `POST /signout`.
pub async fn signout(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Response {
    if let Err(r) = writer(&app, &headers, form.csrf.as_deref()) {
        return r;
    }
    if let Some((id, _)) = app.screens.of(&headers) {
        app.screens.end(&id);
    }
    let mut response = Redirect::to("/").into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static("concur_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0"),
    );
    response
}

/// A piece of a highlighted text.
pub struct Piece {
    pub text: String,
    pub mark: Option<&'static str>,
}

fn pieces(text: &str, include: &[String], exclude: &[String]) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut at = 0;
    for s in concur_screen::highlight(text, include, exclude) {
        if s.start < at
            || s.end > text.len()
            || !text.is_char_boundary(s.start)
            || !text.is_char_boundary(s.end)
        {
            continue;
        }
        if s.start > at {
            out.push(Piece {
                text: text[at..s.start].to_string(),
                mark: None,
            });
        }
        out.push(Piece {
            text: text[s.start..s.end].to_string(),
            mark: Some(match s.mark {
                Mark::Include => "include",
                Mark::Exclude => "exclude",
            }),
        });
        at = s.end;
    }
    if at < text.len() {
        out.push(Piece {
            text: text[at..].to_string(),
            mark: None,
        });
    }
    out
}

/// Authors, journal, year and identifiers in a line.
fn citation(r: &concur_store::Record) -> String {
    let mut authors: Vec<String> = r.authors.iter().take(3).map(|a| a.display()).collect();
    if r.authors.len() > 3 {
        authors.push("et al.".into());
    }
    let mut parts = vec![authors.join(", ")];
    parts.extend(r.journal.clone());
    parts.extend(r.year.map(|y| y.to_string()));
    parts.extend(r.pmid.as_ref().map(|p| format!("PMID {p}")));
    parts.extend(r.doi.as_ref().map(|d| format!("doi {d}")));
    parts.retain(|p| !p.is_empty());
    parts.join(" · ")
}

/// The record before a reviewer.
pub struct Shown {
    pub id: i64,
    pub rank: usize,
    pub left: usize,
    pub model: String,
    pub title: Vec<Piece>,
    pub abstract_text: Vec<Piece>,
    pub citation: String,
}

#[derive(Template)]
#[template(path = "screen.html")]
struct ScreenPage {
    reviewer: String,
    csrf: String,
    stage: &'static str,
    stage_label: &'static str,
    shown: Option<Shown>,
    eligibility: Eligibility,
    stopping: Vec<String>,
    screened: usize,
    records: usize,
    message: Option<String>,
}

/// The screen page's query.
#[derive(Deserialize)]
pub struct ScreenQuery {
    stage: Option<String>,
    sample: Option<String>,
    done: Option<String>,
}

/// `GET /screen`: the next record for the signed-in reviewer, ranked by their own decisions.
pub async fn screen(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Query(q): Query<ScreenQuery>,
) -> Response {
    let Some((_, session)) = app.screens.of(&headers) else {
        return Redirect::to("/signin").into_response();
    };
    let stage = stage_of(q.stage.as_deref());
    let sample = q.sample.is_some();
    let message = q.done.map(|d| format!("recorded: {d}"));
    let reviewer = session.reviewer.clone();
    let page = blocking(&app, move |app, ws| {
        let screening = ws.screening(stage)?;
        let pool = app.screens.pool(&ws, stage, &screening)?;
        let settled = screening.excluded_automatically();
        let mine = queue::decided(&screening, &reviewer);
        let next = pool.next(&mine, &settled, sample);
        let stopping = pool.stopping(
            &mine,
            settled.len(),
            queue::RECALL_TARGET,
            queue::CONFIDENCE,
        );
        let (include, exclude) = queue::highlight_terms(app.full);
        let shown = match &next {
            Some(n) => {
                ws.mark_shown(&reviewer, stage, n.record, &n.model, n.rank as i64)?;
                ws.record(n.record)?.map(|r| Shown {
                    id: n.record,
                    rank: n.rank,
                    left: n.left,
                    model: n.model.clone(),
                    title: pieces(
                        r.record.title.as_deref().unwrap_or("(no title)"),
                        &include,
                        &exclude,
                    ),
                    abstract_text: pieces(
                        &r.record.abstract_text().unwrap_or_default(),
                        &include,
                        &exclude,
                    ),
                    citation: citation(&r.record),
                })
            }
            None => None,
        };
        Ok(ScreenPage {
            stopping: concur_report::stopping_lines(&stopping),
            screened: stopping.screened,
            records: stopping.records,
            reviewer,
            csrf: session.csrf.clone(),
            stage: stage.as_str(),
            stage_label: match stage {
                Stage::TitleAbstract => "title and abstract",
                Stage::FullText => "full text",
            },
            shown,
            eligibility: app.full.meta.eligibility.clone(),
            message,
        })
    })
    .await;
    match page.and_then(|p| Ok(Html(p.render()?))) {
        Ok(html) => html.into_response(),
        Err(e) => e.into_response(),
    }
}

/// A decision from the screen page or a script.
#[derive(Deserialize)]
pub struct DecideForm {
    csrf: Option<String>,
    stage: Option<String>,
    record: i64,
    decision: String,
    reason: Option<String>,
    note: Option<String>,
}

fn verdict(text: &str) -> Result<Verdict, WebError> {
    Verdict::parse(text).ok_or_else(|| {
        WebError::BadQuery(format!(
            "unknown decision `{text}`; known: include, exclude, maybe"
        ))
    })
}

fn some(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

async fn record_decision(
    app: &Arc<App>,
    session: Session,
    form: DecideForm,
    resolve: bool,
) -> Result<(Stage, i64), WebError> {
    let stage = stage_of(form.stage.as_deref());
    let v = verdict(&form.decision)?;
    blocking(app, move |app, ws| {
        let reasons = app.full.meta.eligibility.reason_ids();
        let d = NewDecision {
            record: form.record,
            reviewer: &session.reviewer,
            stage,
            verdict: v,
            reason: some(&form.reason),
            reason_text: None,
            note: some(&form.note),
        };
        let id = if resolve {
            ws.resolve(&d, &reasons)?
        } else {
            ws.decide(&d, &reasons)?
        };
        Ok((stage, id))
    })
    .await
}

/// `POST /screen/decide`.
pub async fn decide(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Form(form): Form<DecideForm>,
) -> Response {
    let session = match writer(&app, &headers, form.csrf.as_deref()) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let what = format!("{} on record {}", form.decision, form.record);
    match record_decision(&app, session, form, false).await {
        Ok((stage, _)) => Redirect::to(&format!(
            "/screen?stage={}&done={}",
            stage.as_str(),
            urlencode(&what)
        ))
        .into_response(),
        Err(e) => e.into_response(),
    }
}

pub(crate) fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `POST /screen/undo`: the reviewer's latest decision at the stage.
pub async fn undo(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Response {
    let session = match writer(&app, &headers, form.csrf.as_deref()) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let stage = stage_of(form.stage.as_deref());
    let undone = blocking(&app, move |_, ws| {
        Ok(ws.undo_decision(&session.reviewer, stage)?)
    })
    .await;
    match undone {
        Ok(d) => Redirect::to(&format!(
            "/screen?stage={}&done={}",
            stage.as_str(),
            urlencode(&format!("undid decision {} on record {}", d.id, d.record))
        ))
        .into_response(),
        Err(e) => e.into_response(),
    }
}

/// One conflict as the page shows it.
pub struct ConflictView {
    pub record: i64,
    pub title: String,
    pub verdicts: Vec<String>,
}

#[derive(Template)]
#[template(path = "conflicts.html")]
struct ConflictsPage {
    csrf: String,
    stage: &'static str,
    conflicts: Vec<ConflictView>,
    reasons: Vec<(String, String)>,
}

/// The stage in a query.
#[derive(Deserialize)]
pub struct StageQuery {
    stage: Option<String>,
}

/// `GET /conflicts`: records the reviewers disagree on, each with a form to resolve it.
pub async fn conflicts(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Query(q): Query<StageQuery>,
) -> Response {
    let Some((_, session)) = app.screens.of(&headers) else {
        return Redirect::to("/signin").into_response();
    };
    let stage = stage_of(q.stage.as_deref());
    let page = blocking(&app, move |app, ws| {
        let screening = ws.screening(stage)?;
        let mut conflicts = Vec::new();
        for c in screening.conflicts() {
            let title = ws
                .record(c.record)?
                .and_then(|r| r.record.title)
                .unwrap_or_else(|| "(no title)".into());
            conflicts.push(ConflictView {
                record: c.record,
                title,
                verdicts: c
                    .reviewers
                    .iter()
                    .map(|(who, e)| {
                        format!(
                            "{who}: {}{}",
                            e.verdict.as_str(),
                            e.reason
                                .as_deref()
                                .map(|r| format!(" ({r})"))
                                .unwrap_or_default()
                        )
                    })
                    .collect(),
            });
        }
        Ok(ConflictsPage {
            csrf: session.csrf.clone(),
            stage: stage.as_str(),
            conflicts,
            reasons: app
                .full
                .meta
                .eligibility
                .reasons
                .iter()
                .map(|r| (r.id.clone(), r.label.clone()))
                .collect(),
        })
    })
    .await;
    match page.and_then(|p| Ok(Html(p.render()?))) {
        Ok(html) => html.into_response(),
        Err(e) => e.into_response(),
    }
}

/// `POST /conflicts/resolve`.
pub async fn resolve(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Form(form): Form<DecideForm>,
) -> Response {
    let session = match writer(&app, &headers, form.csrf.as_deref()) {
        Ok(s) => s,
        Err(r) => return r,
    };
    match record_decision(&app, session, form, true).await {
        Ok((stage, _)) => {
            Redirect::to(&format!("/conflicts?stage={}", stage.as_str())).into_response()
        }
        Err(e) => e.into_response(),
    }
}

/// The progress page: counts, each reviewer's stopping indicator, agreement, PRISMA.
#[derive(Template)]
#[template(path = "progress.html")]
struct ProgressPage {
    counts: concur_store::ScreeningCounts,
    reviewers: Vec<(String, Vec<String>)>,
    agreement: Option<String>,
    prisma: String,
}

/// `GET /progress`: where screening stands, live.
pub async fn progress(State(app): State<Arc<App>>) -> Response {
    let page = blocking(&app, move |app, ws| {
        let stage = Stage::TitleAbstract;
        let screening = ws.screening(stage)?;
        let counts = ws.screening_counts()?;
        let names = screening.reviewers();
        let reviewers = queue::stoppings(&screening)
            .into_iter()
            .map(|(name, s)| (name, concur_report::stopping_lines(&s)))
            .collect();
        let agreement = (names.len() >= 2).then(|| {
            let pairs = screening.pairs(&names[0], &names[1]);
            let a = concur_screen::Agreement::of(&pairs.table(), 0.95);
            concur_report::agreement_text(
                &names[0],
                &names[1],
                &a,
                pairs.only_first,
                pairs.only_second,
            )
        });
        let flow = app.evidence.prisma(Some(&literature_counts(&ws)?));
        Ok(ProgressPage {
            counts,
            reviewers,
            agreement,
            prisma: concur_report::prisma_svg(&flow),
        })
    })
    .await;
    match page.and_then(|p| Ok(Html(p.render()?))) {
        Ok(html) => html.into_response(),
        Err(e) => e.into_response(),
    }
}

/// `GET /static/screen.js`: the screen page's keys.
pub async fn script() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        include_str!("../static/screen.js"),
    )
        .into_response()
}

// ---- The JSON API of screening: the shapes of `concur screen ... --json` (docs/api.md). ----

use crate::error::ApiError;
use axum::Json;
use serde::Serialize;

/// `POST /api/signin` `{"token": ...}`: signs in like the form; answers the reviewer and the
/// session's CSRF token (send it as `x-csrf-token` with every write).
pub async fn api_signin(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Json(form): Json<SignInForm>,
) -> Response {
    if !same_origin(&headers) {
        return ApiError(WebError::Forbidden("a request from another site".into())).into_response();
    }
    let token = form.token;
    match blocking(&app, move |_, ws| Ok(ws.reviewer_for_token(&token)?)).await {
        Ok(Some(reviewer)) => {
            let (id, session) = app.screens.start(&reviewer);
            let mut response =
                Json(serde_json::json!({ "reviewer": reviewer, "csrf": session.csrf }))
                    .into_response();
            if let Ok(v) =
                HeaderValue::from_str(&format!("{COOKIE}={id}; HttpOnly; SameSite=Strict; Path=/"))
            {
                response.headers_mut().insert(header::SET_COOKIE, v);
            }
            response
        }
        Ok(None) => (
            StatusCode::UNAUTHORIZED,
            Json(serde_json::json!({ "error": "unknown token" })),
        )
            .into_response(),
        Err(e) => ApiError(e).into_response(),
    }
}

fn reader(app: &App, headers: &HeaderMap) -> Result<Session, ApiError> {
    app.screens.of(headers).map(|(_, s)| s).ok_or_else(|| {
        ApiError(WebError::Forbidden(
            "sign in first (POST /api/signin)".into(),
        ))
    })
}

fn api_writer(app: &App, headers: &HeaderMap) -> Result<Session, ApiError> {
    writer(app, headers, None).map_err(|_| {
        ApiError(WebError::Forbidden(
            "sign in first, from this site, with the session's x-csrf-token header".into(),
        ))
    })
}

#[derive(Serialize)]
struct NextAnswer {
    reviewer: String,
    stage: Stage,
    next: Option<concur_screen::Next>,
    record: Option<concur_store::StoredRecord>,
    highlighted: Vec<(String, Mark)>,
    eligibility: Eligibility,
    stopping: concur_screen::Stopping,
}

/// `GET /api/screen/next?stage=..&sample=1`: `concur screen next --json`.
pub async fn api_next(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Query(q): Query<ScreenQuery>,
) -> Result<Response, ApiError> {
    let session = reader(&app, &headers)?;
    let stage = stage_of(q.stage.as_deref());
    let sample = q.sample.is_some();
    let answer = blocking(&app, move |app, ws| {
        let screening = ws.screening(stage)?;
        let pool = app.screens.pool(&ws, stage, &screening)?;
        let settled = screening.excluded_automatically();
        let mine = queue::decided(&screening, &session.reviewer);
        let next = pool.next(&mine, &settled, sample);
        if let Some(n) = &next {
            ws.mark_shown(&session.reviewer, stage, n.record, &n.model, n.rank as i64)?;
        }
        let record = match &next {
            Some(n) => ws.record(n.record)?,
            None => None,
        };
        let (include, exclude) = queue::highlight_terms(app.full);
        let highlighted = record.as_ref().map_or(Vec::new(), |r| {
            let text = concur_screen::record_text(&r.record);
            concur_screen::terms_found(&text, &concur_screen::highlight(&text, &include, &exclude))
        });
        Ok(NextAnswer {
            stopping: pool.stopping(
                &mine,
                settled.len(),
                queue::RECALL_TARGET,
                queue::CONFIDENCE,
            ),
            reviewer: session.reviewer,
            stage,
            next,
            record,
            highlighted,
            eligibility: app.full.meta.eligibility.clone(),
        })
    })
    .await?;
    Ok(Json(answer).into_response())
}

/// A decision sent as JSON.
#[derive(Deserialize)]
pub struct DecideJson {
    stage: Option<String>,
    record: i64,
    decision: String,
    reason: Option<String>,
    note: Option<String>,
}

impl From<DecideJson> for DecideForm {
    fn from(d: DecideJson) -> DecideForm {
        DecideForm {
            csrf: None,
            stage: d.stage,
            record: d.record,
            decision: d.decision,
            reason: d.reason,
            note: d.note,
        }
    }
}

/// `POST /api/screen/decide`: `concur screen decide --json`.
pub async fn api_decide(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Json(d): Json<DecideJson>,
) -> Result<Response, ApiError> {
    let session = api_writer(&app, &headers)?;
    let record = d.record;
    let (_, id) = record_decision(&app, session, d.into(), false).await?;
    Ok(Json(serde_json::json!({ "decision": id, "record": record })).into_response())
}

/// `POST /api/conflicts/resolve`: `concur screen resolve --json`.
pub async fn api_resolve(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Json(d): Json<DecideJson>,
) -> Result<Response, ApiError> {
    let session = api_writer(&app, &headers)?;
    let record = d.record;
    let (_, id) = record_decision(&app, session, d.into(), true).await?;
    Ok(Json(serde_json::json!({ "decision": id, "record": record })).into_response())
}

/// The stage of a JSON write.
#[derive(Deserialize)]
pub struct StageJson {
    stage: Option<String>,
}

/// `POST /api/screen/undo`: `concur screen undo --json`.
pub async fn api_undo(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Json(s): Json<StageJson>,
) -> Result<Response, ApiError> {
    let session = api_writer(&app, &headers)?;
    let stage = stage_of(s.stage.as_deref());
    let undone = blocking(&app, move |_, ws| {
        Ok(ws.undo_decision(&session.reviewer, stage)?)
    })
    .await?;
    Ok(Json(undone).into_response())
}

/// `GET /api/conflicts?stage=..`: `concur screen conflicts --json`.
pub async fn api_conflicts(
    State(app): State<Arc<App>>,
    Query(q): Query<StageQuery>,
) -> Result<Response, ApiError> {
    let stage = stage_of(q.stage.as_deref());
    let list = blocking(&app, move |_, ws| {
        let screening = ws.screening(stage)?;
        Ok(screening
            .conflicts()
            .into_iter()
            .cloned()
            .collect::<Vec<_>>())
    })
    .await?;
    Ok(Json(list).into_response())
}

/// `GET /api/agreement?stage=..`: `concur screen agreement --json` for the first two reviewers.
pub async fn api_agreement(
    State(app): State<Arc<App>>,
    Query(q): Query<StageQuery>,
) -> Result<Response, ApiError> {
    let stage = stage_of(q.stage.as_deref());
    let value = blocking(&app, move |_, ws| {
        let screening = ws.screening(stage)?;
        let names = screening.reviewers();
        if names.len() < 2 {
            return Err(WebError::BadQuery(format!(
                "agreement needs two reviewers; {} screened at {}",
                names.len(),
                stage.as_str()
            )));
        }
        let names = names[..2].to_vec();
        let pairs = screening.pairs(&names[0], &names[1]);
        Ok(serde_json::json!({
            "stage": stage,
            "reviewers": names,
            "agreement": concur_screen::Agreement::of(&pairs.table(), 0.95),
            "table": pairs.table(),
            "only_first": pairs.only_first,
            "only_second": pairs.only_second,
        }))
    })
    .await?;
    Ok(Json(value).into_response())
}

/// `GET /api/screen/status?stage=..`: `concur screen status --json`.
pub async fn api_status(
    State(app): State<Arc<App>>,
    Query(q): Query<StageQuery>,
) -> Result<Response, ApiError> {
    let stage = stage_of(q.stage.as_deref());
    let value = blocking(&app, move |_, ws| {
        let screening = ws.screening(stage)?;
        let counts = ws.screening_counts()?;
        let reviewers: Vec<serde_json::Value> = queue::stoppings(&screening)
            .into_iter()
            .map(|(name, stopping)| serde_json::json!({ "reviewer": name, "stopping": stopping }))
            .collect();
        Ok(serde_json::json!({ "stage": stage, "counts": counts, "reviewers": reviewers }))
    })
    .await?;
    Ok(Json(value).into_response())
}

/// `GET /api/prisma`: `concur prisma --json`.
pub async fn api_prisma(State(app): State<Arc<App>>) -> Result<Response, ApiError> {
    let flow = blocking(&app, move |app, ws| {
        Ok(app.evidence.prisma(Some(&literature_counts(&ws)?)))
    })
    .await?;
    Ok(Json(flow).into_response())
}

/// `GET /prisma.svg`: the PRISMA 2020 diagram, live.
pub async fn prisma_svg(State(app): State<Arc<App>>) -> Response {
    match blocking(&app, move |app, ws| {
        Ok(concur_report::prisma_svg(
            &app.evidence.prisma(Some(&literature_counts(&ws)?)),
        ))
    })
    .await
    {
        Ok(svg) => ([(header::CONTENT_TYPE, "image/svg+xml")], svg).into_response(),
        Err(e) => e.into_response(),
    }
}
