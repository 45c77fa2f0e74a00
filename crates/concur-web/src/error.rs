//! The app's errors, and how each becomes a page a person understands (or, under `/api/`, a JSON
//! object): never a stack trace, never a crash of the server.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use std::net::SocketAddr;

/// What can go wrong.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    /// The address could not be listened on.
    #[error("cannot listen on {address}: {source}")]
    Bind {
        /// The address.
        address: SocketAddr,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The evidence could not answer (an unknown drug, study or edition).
    #[error(transparent)]
    Synthesis(#[from] concur_synthesis::SynthesisError),
    /// The review folder could not be read again.
    #[error(transparent)]
    Evidence(#[from] concur_evidence::EvidenceError),
    /// A question that cannot be read (an unknown site, a dose that is not a number).
    #[error("{0}")]
    BadQuery(String),
    /// No such page or file.
    #[error("there is no page at {0}")]
    NotFound(String),
    /// The workspace could not be read or written.
    #[error(transparent)]
    Store(#[from] concur_store::StoreError),
    /// The workspace's search index could not be opened or read.
    #[error(transparent)]
    Search(#[from] concur_search::SearchError),
    /// A write without a signed-in session, from another site, or with a stale form.
    #[error("not allowed: {0}")]
    Forbidden(String),
    /// The server could not finish the work (it was shutting down).
    #[error("the server is busy; try again")]
    Busy,
    /// A template failed to render.
    #[error("the page could not be rendered: {0}")]
    Render(#[from] askama::Error),
}

impl WebError {
    /// The HTTP status of the error.
    pub fn status(&self) -> StatusCode {
        use concur_synthesis::SynthesisError as S;
        match self {
            WebError::BadQuery(_) => StatusCode::BAD_REQUEST,
            WebError::NotFound(_) => StatusCode::NOT_FOUND,
            WebError::Synthesis(S::UnknownStudy { .. }) => StatusCode::NOT_FOUND,
            WebError::Synthesis(_) => StatusCode::BAD_REQUEST,
            WebError::Forbidden(_) => StatusCode::FORBIDDEN,
            WebError::Busy => StatusCode::SERVICE_UNAVAILABLE,
            WebError::Store(concur_store::StoreError::Busy) => StatusCode::SERVICE_UNAVAILABLE,
            WebError::Store(
                concur_store::StoreError::NoRecord(_)
                | concur_store::StoreError::UnknownReason { .. }
                | concur_store::StoreError::NoDecisionToUndo { .. }
                | concur_store::StoreError::NotAtFullText(_)
                | concur_store::StoreError::BadReviewer(_),
            ) => StatusCode::BAD_REQUEST,
            WebError::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
            WebError::Search(
                concur_search::SearchError::Parse(_)
                | concur_search::SearchError::UnknownLine(_)
                | concur_search::SearchError::DuplicateLine(_),
            ) => StatusCode::BAD_REQUEST,
            WebError::Search(_) => StatusCode::INTERNAL_SERVER_ERROR,
            WebError::Evidence(_) | WebError::Render(_) | WebError::Bind { .. } => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    title: &'a str,
    message: String,
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let status = self.status();
        let title = match status {
            StatusCode::NOT_FOUND => "Not found",
            StatusCode::BAD_REQUEST => "That cannot be done as asked",
            StatusCode::FORBIDDEN => "Not allowed",
            _ => "Something went wrong",
        };
        let page = ErrorPage {
            title,
            message: self.to_string(),
        };
        match page.render() {
            Ok(html) => (status, Html(html)).into_response(),
            Err(_) => (status, self.to_string()).into_response(),
        }
    }
}

/// An error under `/api/`: the same status, as `{"error": "..."}`.
pub struct ApiError(pub WebError);

impl<E: Into<WebError>> From<E> for ApiError {
    fn from(e: E) -> ApiError {
        ApiError(e.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (
            self.0.status(),
            axum::Json(serde_json::json!({ "error": self.0.to_string() })),
        )
            .into_response()
    }
}
