//! The JSON API: the same objects as the command line's `--json` (docs/api.md).

use crate::error::ApiError;
use crate::query::{AskParams, DiffParams, StudyParams};
use crate::App;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use std::sync::Arc;

/// `/api/assess?drug=..&site=..`: `concur assess --format json`.
pub async fn assess(
    State(app): State<Arc<App>>,
    Query(params): Query<AskParams>,
) -> Result<Response, ApiError> {
    let answer = concur_synthesis::assess(&app.evidence, params.query()?)?;
    Ok(Json(concur_report::answer_json(app.evidence.review, &answer)).into_response())
}

/// `/api/studies?site=..`: `concur studies --json`.
pub async fn studies(
    State(app): State<Arc<App>>,
    Query(params): Query<StudyParams>,
) -> Result<Response, ApiError> {
    let selected = app.evidence.select(&params.filter()?)?;
    Ok(Json(concur_report::study_rows_json(
        app.evidence.review,
        &selected,
    ))
    .into_response())
}

/// `/api/studies/{id}`: `concur studies show ID --json`.
pub async fn study(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let s = app.evidence.study(&id)?;
    Ok(Json(concur_report::study_detail_json(app.evidence.review, s)).into_response())
}

/// `/api/audit`: `concur audit --json`.
pub async fn audit(State(app): State<Arc<App>>) -> Response {
    Json(concur_report::audit_json(app.evidence.audit())).into_response()
}

/// `/api/diff?from=..&to=..`: `concur diff --json`.
pub async fn diff(
    State(app): State<Arc<App>>,
    Query(params): Query<DiffParams>,
) -> Result<Response, ApiError> {
    let (from, to) = crate::pages::diff_editions(&app, &params)?;
    let d = concur_synthesis::diff(app.full, &from, &to)?;
    Ok(Json(concur_report::diff_json(&d)).into_response())
}

/// `/api/check`: `concur check --json`.
pub async fn check(State(app): State<Arc<App>>) -> Response {
    Json(concur_report::check_json(app.full)).into_response()
}
