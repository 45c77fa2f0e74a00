//! Searching a workspace: the glue between its records and the search index, shared by the
//! command line (`concur search`) and the web app, and the web app's search page and API.

use crate::error::{ApiError, WebError};
use crate::screening::{blocking, writer};
use crate::App;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Form, Json};
use concur_evidence::Review;
use concur_search::{Explained, Hit, Index, Mesh, Node, Options, Resolved, SearchError};
use concur_store::{NewSearch, SavedSearch, StoreError, Workspace};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::sync::Arc;

/// The index's folder inside the workspace.
pub const INDEX_DIR: &str = "search-index";

/// The most results a page or API call lists.
pub const MAX_LIMIT: usize = 1000;

/// Why the workspace could not be searched.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// The index could not be opened, updated or read.
    #[error(transparent)]
    Search(#[from] SearchError),
    /// The workspace could not be read or written.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The workspace's search index (with the workspace's MeSH files and `extra_mesh`), brought up
/// to date with its records first; `progress` is told (done, expected) while records arrive.
pub fn open_index(
    ws: &Workspace,
    extra_mesh: &[PathBuf],
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Index, IndexError> {
    let mut files: Vec<PathBuf> = ws.config.mesh.iter().map(|m| ws.root().join(m)).collect();
    files.extend(extra_mesh.iter().cloned());
    let mesh = if files.is_empty() {
        None
    } else {
        Some(Arc::new(Mesh::load(&files)?))
    };
    let mut index = Index::open(&ws.root().join(INDEX_DIR))?.with_mesh(mesh);
    sync(ws, &mut index, progress)?;
    Ok(index)
}

/// Sends the index every record that changed since it was last updated.
pub fn sync(
    ws: &Workspace,
    index: &mut Index,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<(), IndexError> {
    let current = ws.change_mark()?;
    index.sync(
        &current,
        |mark, sink| ws.changes_since(mark, sink),
        progress,
    )?;
    Ok(())
}

/// The review's search strategy, its `#id` references resolved.
pub fn strategy_lines(review: &Review) -> Result<Vec<Resolved>, SearchError> {
    let lines: Vec<concur_search::Line> = review
        .meta
        .search
        .strategy
        .iter()
        .map(|l| concur_search::Line {
            id: l.id.clone(),
            label: l.label.clone(),
            query: l.query.clone(),
        })
        .collect();
    concur_search::resolve(&lines)
}

/// Saves a search in the workspace's log with the ids of every record it finds; returns its
/// number in the log and how many records it found.
pub fn save(
    ws: &Workspace,
    index: &Index,
    name: &str,
    query: &str,
    node: &Node,
    options: Options,
) -> Result<(i64, u64), IndexError> {
    let ids: Vec<String> = index
        .ids(node, options)?
        .iter()
        .map(i64::to_string)
        .collect();
    let count = ids.len() as u64;
    let id = ws.save_search(&NewSearch {
        name,
        database: "workspace",
        query,
        translation: &node.to_string(),
        count,
        results: &ids,
        detail: serde_json::json!({ "duplicates": options.duplicates, "map_mesh": options.map_mesh }),
    })?;
    Ok((id, count))
}

/// What a search found: `concur search --json` and `/api/search`.
#[derive(Debug, Serialize)]
pub struct Found<'a> {
    /// The query as written.
    pub query: &'a str,
    /// How many records it finds.
    pub count: u64,
    /// The query as concur reads it.
    pub translation: String,
    /// The best-ranked records.
    pub results: &'a [Hit],
    /// Each node of the query with its own count, when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explain: Option<&'a Explained>,
    /// What concur did with terms beyond their words.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<concur_search::Note>,
    /// The search's number in the log, when it was saved.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub saved: Option<i64>,
}

/// One line of the review's strategy with its count: `concur search --strategy --json`.
#[derive(Debug, Serialize)]
pub struct StrategyRow<'a> {
    /// The line's id.
    pub id: &'a str,
    /// What it searches for.
    pub label: &'a str,
    /// The query as written.
    pub query: &'a str,
    /// The query as concur reads it.
    pub translation: String,
    /// How many records it finds.
    pub count: u64,
    /// Its number in the log, when it was saved.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub saved: Option<i64>,
}

impl From<IndexError> for WebError {
    fn from(e: IndexError) -> WebError {
        match e {
            IndexError::Store(e) => WebError::Store(e),
            IndexError::Search(e) => WebError::Search(e),
        }
    }
}

/// Runs `work` with the workspace and its index, brought up to date (opened on first use and
/// then kept, as opening reads the index's files).
async fn with_index<T: Send + 'static>(
    app: &Arc<App>,
    work: impl FnOnce(&App, &Workspace, &Index) -> Result<T, WebError> + Send + 'static,
) -> Result<T, WebError> {
    blocking(app, move |app, ws| {
        let mut held = app.index.lock().unwrap_or_else(|e| e.into_inner());
        let index = match held.as_mut() {
            Some(index) => {
                sync(&ws, index, &mut |_, _| {})?;
                index
            }
            None => held.insert(open_index(&ws, &[], &mut |_, _| {})?),
        };
        work(app, &ws, index)
    })
    .await
}

/// A query as the search page and API take it.
#[derive(Debug, Default, Deserialize)]
pub struct SearchQuery {
    /// The query, in concur's (PubMed's) syntax.
    #[serde(default)]
    q: Option<String>,
    /// How many results to list.
    #[serde(default)]
    limit: Option<usize>,
    /// Include records marked as duplicates.
    #[serde(default)]
    duplicates: Option<String>,
    /// Also search untagged MeSH entry terms as their heading.
    #[serde(default)]
    map_mesh: Option<String>,
    /// Only count (API).
    #[serde(default)]
    count: Option<String>,
    /// Each node's own count (API).
    #[serde(default)]
    explain: Option<String>,
    /// The number of a search just saved (page).
    #[serde(default)]
    saved: Option<i64>,
}

/// A checkbox or flag: present and not `0`/`false`/`off`.
fn flag(v: &Option<String>) -> bool {
    v.as_deref()
        .is_some_and(|v| !matches!(v, "0" | "false" | "off"))
}

impl SearchQuery {
    fn options(&self) -> Options {
        Options {
            duplicates: flag(&self.duplicates),
            map_mesh: flag(&self.map_mesh),
        }
    }

    fn limit(&self) -> usize {
        self.limit.unwrap_or(50).min(MAX_LIMIT)
    }
}

/// Reads a query against the review's strategy; a query that cannot be read says where.
fn parse(query: &str, lines: &[Resolved]) -> Result<Node, WebError> {
    match concur_search::parse_with(query, lines) {
        Ok(node) => Ok(node),
        Err(SearchError::Parse(e)) => Err(WebError::BadQuery(format!("{e}\n{}", e.pointer(query)))),
        Err(e) => Err(e.into()),
    }
}

/// A piece of a result's title, marked when the query matched it.
pub struct Marked {
    text: String,
    hit: bool,
}

fn marked(title: &str, ranges: &[(usize, usize)]) -> Vec<Marked> {
    let mut out = Vec::new();
    let mut at = 0;
    for &(start, end) in ranges {
        if start < at
            || end > title.len()
            || !title.is_char_boundary(start)
            || !title.is_char_boundary(end)
        {
            continue;
        }
        if start > at {
            out.push(Marked {
                text: title[at..start].to_string(),
                hit: false,
            });
        }
        out.push(Marked {
            text: title[start..end].to_string(),
            hit: true,
        });
        at = end;
    }
    if at < title.len() {
        out.push(Marked {
            text: title[at..].to_string(),
            hit: false,
        });
    }
    out
}

/// One result as the page shows it.
pub struct ResultRow {
    rank: usize,
    record: i64,
    title: Vec<Marked>,
    year: Option<u16>,
    pmid: Option<String>,
    doi: Option<String>,
}

/// A strategy line as the page shows it.
pub struct LineRow {
    id: String,
    label: String,
    query: String,
    count: u64,
}

/// What the page found.
pub struct Results {
    count: u64,
    translation: String,
    notes: Vec<String>,
    rows: Vec<ResultRow>,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    q: String,
    limit: usize,
    duplicates: bool,
    map_mesh: bool,
    results: Option<Results>,
    error: Option<String>,
    strategy: Vec<LineRow>,
    log: Vec<SavedSearch>,
    csrf: Option<String>,
    saved: Option<i64>,
}

/// A note in words.
pub fn note_text(n: &concur_search::Note) -> String {
    use concur_search::Note;
    match n {
        Note::Exploded { heading, headings } => {
            format!("{heading}[mh] searched with the {headings} headings below it")
        }
        Note::NotExploded { heading } => {
            format!("{heading}[mh] is not in the MeSH tree given; searched as written")
        }
        Note::EntryTerm { term, heading } => {
            format!("{term}[mh] is an entry term, searched as {heading}[mh]")
        }
        Note::MappingAvailable { term, heading } => format!(
            "\"{term}\" is an entry term of {heading}[mh], which PubMed would also search; \
             tick \"map MeSH entry terms\" to do so"
        ),
    }
}

/// `GET /search`: the review's strategy with its counts, a query with its results, the saved
/// searches, and (signed in) a form to save the query.
pub async fn page(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Query(q): Query<SearchQuery>,
) -> Response {
    let csrf = app.screens.of(&headers).map(|(_, s)| s.csrf);
    let review = app.full;
    let page = with_index(&app, move |_, ws, index| {
        let options = q.options();
        let lines = strategy_lines(review)?;
        let strategy = lines
            .iter()
            .map(|l| {
                Ok(LineRow {
                    id: l.id.clone(),
                    label: l.label.clone(),
                    query: l.query.clone(),
                    count: index.count(&l.node, options)?,
                })
            })
            .collect::<Result<Vec<_>, SearchError>>()?;
        let text = q.q.clone().unwrap_or_default();
        let mut error = None;
        let mut results = None;
        if !text.trim().is_empty() {
            match parse(&text, &lines) {
                Ok(node) => {
                    let (count, hits) = index.search(&node, q.limit(), options)?;
                    let notes = index.notes(&node, options)?;
                    results = Some(Results {
                        count,
                        translation: node.to_string(),
                        notes: notes.iter().map(note_text).collect(),
                        rows: hits
                            .iter()
                            .map(|h| ResultRow {
                                rank: h.rank,
                                record: h.record,
                                title: marked(
                                    h.title.as_deref().unwrap_or("(no title)"),
                                    if h.title.is_some() {
                                        &h.highlights
                                    } else {
                                        &[]
                                    },
                                ),
                                year: h.year,
                                pmid: h.pmid.clone(),
                                doi: h.doi.clone(),
                            })
                            .collect(),
                    });
                }
                Err(WebError::BadQuery(m)) => error = Some(m),
                Err(e) => return Err(e),
            }
        }
        Ok(SearchPage {
            limit: q.limit(),
            duplicates: options.duplicates,
            map_mesh: options.map_mesh,
            q: text,
            results,
            error,
            strategy,
            log: ws.searches()?,
            csrf,
            saved: q.saved,
        })
    })
    .await;
    match page {
        Ok(p) => match p.render() {
            Ok(html) => {
                let status = if p.error.is_some() {
                    axum::http::StatusCode::BAD_REQUEST
                } else {
                    axum::http::StatusCode::OK
                };
                (status, Html(html)).into_response()
            }
            Err(e) => WebError::from(e).into_response(),
        },
        Err(e) => e.into_response(),
    }
}

/// The save form.
#[derive(Debug, Deserialize)]
pub struct SaveForm {
    csrf: Option<String>,
    q: String,
    name: String,
    #[serde(default)]
    duplicates: Option<String>,
    #[serde(default)]
    map_mesh: Option<String>,
}

/// Saves a query under a name; the name must say something.
async fn save_query(
    app: &Arc<App>,
    name: String,
    query: String,
    options: Options,
) -> Result<(i64, u64, Node), WebError> {
    let name = name.trim().to_string();
    if name.is_empty() {
        return Err(WebError::BadQuery("a saved search needs a name".into()));
    }
    let review = app.full;
    with_index(app, move |_, ws, index| {
        let lines = strategy_lines(review)?;
        let node = parse(&query, &lines)?;
        let (id, count) = save(ws, index, &name, &query, &node, options)?;
        Ok((id, count, node))
    })
    .await
}

/// `POST /search/save`: saves the query in the workspace's search log (signed in).
pub async fn save_page(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Form(form): Form<SaveForm>,
) -> Response {
    if let Err(r) = writer(&app, &headers, form.csrf.as_deref()) {
        return r;
    }
    let options = Options {
        duplicates: flag(&form.duplicates),
        map_mesh: flag(&form.map_mesh),
    };
    match save_query(&app, form.name, form.q.clone(), options).await {
        Ok((id, _, _)) => Redirect::to(&format!(
            "/search?q={}&saved={id}{}{}",
            crate::screening::urlencode(&form.q),
            if options.duplicates {
                "&duplicates=1"
            } else {
                ""
            },
            if options.map_mesh { "&map_mesh=1" } else { "" },
        ))
        .into_response(),
        Err(e) => e.into_response(),
    }
}

/// `GET /api/search?q=...`: `concur search QUERY --json` (`count=1` and `explain=1` as its
/// flags); without `q`, the review's strategy as `concur search --strategy --json`.
pub async fn api(
    State(app): State<Arc<App>>,
    Query(q): Query<SearchQuery>,
) -> Result<Response, ApiError> {
    let review = app.full;
    let value = with_index(&app, move |_, _, index| {
        let options = q.options();
        let lines = strategy_lines(review)?;
        let Some(text) = q.q.as_deref().filter(|t| !t.trim().is_empty()) else {
            let rows = lines
                .iter()
                .map(|l| {
                    Ok(StrategyRow {
                        id: &l.id,
                        label: &l.label,
                        query: &l.query,
                        translation: l.node.to_string(),
                        count: index.count(&l.node, options)?,
                        saved: None,
                    })
                })
                .collect::<Result<Vec<_>, SearchError>>()?;
            return Ok(serde_json::to_value(rows).unwrap_or_default());
        };
        let node = parse(text, &lines)?;
        let explained = flag(&q.explain)
            .then(|| index.explain(&node, options))
            .transpose()?;
        let (count, hits) = if flag(&q.count) {
            (index.count(&node, options)?, Vec::new())
        } else {
            index.search(&node, q.limit(), options)?
        };
        let found = Found {
            query: text,
            count,
            translation: node.to_string(),
            results: &hits,
            explain: explained.as_ref(),
            notes: index.notes(&node, options)?,
            saved: None,
        };
        Ok(serde_json::to_value(found).unwrap_or_default())
    })
    .await?;
    Ok(Json(value).into_response())
}

/// The body of `POST /api/search/save`.
#[derive(Debug, Deserialize)]
pub struct ApiSave {
    query: String,
    name: String,
    #[serde(default)]
    duplicates: bool,
    #[serde(default)]
    map_mesh: bool,
}

/// `POST /api/search/save`: `concur search QUERY --save NAME --json` (signed in, with the
/// session's `X-CSRF-Token`).
pub async fn api_save(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Json(body): Json<ApiSave>,
) -> Response {
    if let Err(r) = writer(&app, &headers, None) {
        return r;
    }
    let options = Options {
        duplicates: body.duplicates,
        map_mesh: body.map_mesh,
    };
    let query = body.query.clone();
    match save_query(&app, body.name, body.query, options).await {
        Ok((id, count, node)) => Json(Found {
            query: &query,
            count,
            translation: node.to_string(),
            results: &[],
            explain: None,
            notes: Vec::new(),
            saved: Some(id),
        })
        .into_response(),
        Err(e) => ApiError(e).into_response(),
    }
}

/// `GET /api/searches`: the workspace's search log, as `concur search log --json`.
pub async fn api_log(State(app): State<Arc<App>>) -> Result<Response, ApiError> {
    let log = blocking(&app, |_, ws| Ok(ws.searches()?)).await?;
    Ok(Json(log).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marked_splits_at_the_matches_and_skips_ranges_it_cannot_use() {
        let pieces = marked(
            "T-DM1 and radiotherapy",
            &[(0, 5), (3, 4), (10, 22), (30, 40)],
        );
        let text: Vec<(&str, bool)> = pieces.iter().map(|p| (p.text.as_str(), p.hit)).collect();
        assert_eq!(
            text,
            [("T-DM1", true), (" and ", false), ("radiotherapy", true)]
        );
    }

    #[test]
    fn flags_read_like_checkboxes() {
        assert!(flag(&Some("on".into())));
        assert!(flag(&Some("1".into())));
        assert!(!flag(&Some("0".into())));
        assert!(!flag(&None));
    }
}
