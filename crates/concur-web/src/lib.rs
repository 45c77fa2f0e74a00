//! The local web app of concur: the clinician's question (`/`), the evidence (studies, a study,
//! the audit, editions and what changed), the report, and a JSON API with the CLI's `--json`
//! shapes (`/api/...`, docs/api.md). Pages are rendered on the server from compile-time
//! templates (askama), which escape every value; every reading page works without JavaScript.
//!
//! The app computes nothing of its own: it calls `concur-synthesis` for the evidence and
//! `concur-report` for words, figures and JSON, exactly as the command line does.
#![warn(missing_docs)]

mod api;
mod error;
mod pages;
mod query;
pub mod queue;
mod screening;
pub mod search;
mod views;

use axum::http::{header, HeaderValue};
use axum::routing::{get, post};
use axum::Router;
use concur_evidence::Review;
use concur_synthesis::Evidence;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;

pub use error::WebError;
pub use screening::literature_counts;

/// The largest request body accepted (forms and JSON are small).
pub const BODY_LIMIT: usize = 64 * 1024;

/// How long a request may take before it is answered with an error.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);

/// What the app serves.
pub struct Options {
    /// The review, loaded (the embedded default, or a folder).
    pub review: Review,
    /// The folder the review was loaded from, if any: the report is regenerated from it.
    pub review_dir: Option<PathBuf>,
    /// The workspace whose records reviewers screen, if any.
    pub workspace: Option<PathBuf>,
    /// Where to listen.
    pub bind: SocketAddr,
    /// Every page and API call needs a signed-in reviewer (for an address other than
    /// loopback); only signing in and the style sheet are open.
    pub require_sign_in: bool,
}

/// The app's state: the review at its latest edition, analysed once.
pub struct App {
    pub(crate) full: &'static Review,
    pub(crate) evidence: Evidence<'static>,
    pub(crate) review_dir: Option<PathBuf>,
    pub(crate) workspace: Option<PathBuf>,
    pub(crate) screens: screening::Screens,
    pub(crate) require_sign_in: bool,
    /// The workspace's search index, opened on the first search.
    pub(crate) index: std::sync::Mutex<Option<concur_search::Index>>,
    /// A connection held open while the server runs: with it open, an import keeps the
    /// workspace in WAL mode, so that readers go on reading while its batches write.
    _keeper: Option<std::sync::Mutex<concur_store::Workspace>>,
}

impl App {
    /// Analyses the review once; every request reads the same analyses.
    pub fn new(
        review: Review,
        review_dir: Option<PathBuf>,
        workspace: Option<PathBuf>,
    ) -> Result<App, WebError> {
        // Leaked on purpose: the review lives as long as the server, and the analyses borrow it.
        let full: &'static Review = Box::leak(Box::new(review));
        let current: &'static Review = match full.current_edition() {
            Some(e) => Box::leak(Box::new(concur_synthesis::edition(full, e)?)),
            None => full,
        };
        let evidence = Evidence::new(current);
        // Computed now, so that the first request is as fast as the others.
        let _ = evidence.analyses();
        let _ = evidence.audit();
        let keeper = match &workspace {
            Some(dir) => Some(std::sync::Mutex::new(concur_store::Workspace::open(dir)?)),
            None => None,
        };
        Ok(App {
            full,
            evidence,
            review_dir,
            workspace,
            screens: screening::Screens::default(),
            require_sign_in: false,
            index: std::sync::Mutex::new(None),
            _keeper: keeper,
        })
    }
}

/// Every route of the app, with its security headers, body limit and timeout.
pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/", get(pages::ask))
        .route("/studies", get(pages::studies))
        .route("/studies/{id}", get(pages::study))
        .route("/audit", get(pages::audit))
        .route("/editions", get(pages::editions))
        .route("/diff", get(pages::diff))
        .route("/report", get(pages::report_index))
        .route("/report/", get(pages::report_index))
        .route("/report/{*path}", get(pages::report_file))
        .route("/static/app.css", get(pages::css))
        .route("/static/screen.js", get(screening::script))
        .route(
            "/signin",
            get(screening::signin_page).post(screening::signin),
        )
        .route("/signout", post(screening::signout))
        .route("/screen", get(screening::screen))
        .route("/screen/decide", post(screening::decide))
        .route("/screen/undo", post(screening::undo))
        .route("/conflicts", get(screening::conflicts))
        .route("/conflicts/resolve", post(screening::resolve))
        .route("/progress", get(screening::progress))
        .route("/prisma.svg", get(screening::prisma_svg))
        .route("/api/signin", post(screening::api_signin))
        .route("/api/screen/next", get(screening::api_next))
        .route("/api/screen/decide", post(screening::api_decide))
        .route("/api/screen/undo", post(screening::api_undo))
        .route("/api/screen/status", get(screening::api_status))
        .route("/api/conflicts", get(screening::api_conflicts))
        .route("/api/conflicts/resolve", post(screening::api_resolve))
        .route("/api/agreement", get(screening::api_agreement))
        .route("/api/prisma", get(screening::api_prisma))
        .route("/search", get(search::page))
        .route("/search/save", post(search::save_page))
        .route("/api/search", get(search::api))
        .route("/api/search/save", post(search::api_save))
        .route("/api/searches", get(search::api_log))
        .route("/api/assess", get(api::assess))
        .route("/api/studies", get(api::studies))
        .route("/api/studies/{id}", get(api::study))
        .route("/api/audit", get(api::audit))
        .route("/api/diff", get(api::diff))
        .route("/api/check", get(api::check))
        .fallback(pages::not_found)
        .layer(axum::middleware::from_fn_with_state(app.clone(), guard))
        .with_state(app)
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        // `same-origin`, not `no-referrer`: with no referrer, browsers send `Origin: null` on
        // the app's own forms, and the same-origin check of writes could not tell them apart.
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
}

/// When the server is reachable from the network, everything but signing in needs a session.
async fn guard(
    axum::extract::State(app): axum::extract::State<Arc<App>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let open = matches!(
        request.uri().path(),
        "/signin" | "/api/signin" | "/static/app.css"
    );
    if app.require_sign_in && !open && app.screens.of(request.headers()).is_none() {
        use axum::response::IntoResponse;
        if request.uri().path().starts_with("/api/") {
            return error::ApiError(WebError::Forbidden(
                "sign in first (POST /api/signin)".into(),
            ))
            .into_response();
        }
        return axum::response::Redirect::to("/signin").into_response();
    }
    next.run(request).await
}

/// The pages' Content-Security-Policy: nothing but the app's own style sheet and script, and
/// inline figures (SVG in the page).
pub const CSP: &str = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Listens on `options.bind` and serves until the process ends; `ready` is told the address
/// (useful with port 0).
pub async fn serve(options: Options, ready: impl FnOnce(SocketAddr)) -> Result<(), WebError> {
    let mut app = App::new(options.review, options.review_dir, options.workspace)?;
    app.require_sign_in = options.require_sign_in;
    let app = Arc::new(app);
    let listener = tokio::net::TcpListener::bind(options.bind)
        .await
        .map_err(|source| WebError::Bind {
            address: options.bind,
            source,
        })?;
    let address = listener.local_addr().map_err(|source| WebError::Bind {
        address: options.bind,
        source,
    })?;
    ready(address);
    axum::serve(listener, router(app))
        .await
        .map_err(|source| WebError::Bind { address, source })
}

/// [`serve`] on a runtime of its own, for a front end without one.
pub fn serve_blocking(options: Options, ready: impl FnOnce(SocketAddr)) -> Result<(), WebError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|source| WebError::Bind {
            address: options.bind,
            source,
        })?;
    runtime.block_on(serve(options, ready))
}

#[cfg(test)]
mod tests;
