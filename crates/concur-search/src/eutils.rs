//! PubMed over NCBI's E-utilities: esearch with the history server, efetch in batches of PubMed
//! XML to files the importer reads, within NCBI's rate limits, with retries, and resumable.
//!
//! A download keeps its state in a folder (`state.json` and one file per batch, each written
//! whole or not at all), so a run that was interrupted continues where it stopped. esearch
//! serves at most 10,000 records per query: larger results are split on publication-date ranges
//! until every part is under the ceiling.

use serde::{Deserialize, Serialize};
use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// NCBI's E-utilities.
pub const DEFAULT_BASE: &str = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/";

/// The most records esearch's history serves for one query.
pub const CEILING: u64 = 10_000;

/// Records per efetch request.
pub const BATCH: u64 = 500;

/// An error from E-utilities.
#[derive(Debug, thiserror::Error)]
pub enum EutilsError {
    /// The server could not be reached, or kept failing after every retry.
    #[error("PubMed's E-utilities at {url} did not answer after {attempts} attempts: {last}")]
    Unreachable {
        /// The address asked.
        url: String,
        /// How many times it was asked.
        attempts: u32,
        /// The last failure.
        last: String,
    },
    /// The server answered with an error message.
    #[error("PubMed's E-utilities refused the request: {0}")]
    Refused(String),
    /// A reply could not be read.
    #[error("PubMed's E-utilities sent a reply that cannot be read ({utility}): {message}")]
    BadReply {
        /// Which utility.
        utility: String,
        /// What is wrong.
        message: String,
    },
    /// The query's result cannot be split under the 10,000-record ceiling (more than 10,000
    /// records on one publication day).
    #[error(
        "{count} records share the publication day {day}: more than esearch serves for one query"
    )]
    TooManyOnOneDay {
        /// The day, as yyyy/mm/dd.
        day: String,
        /// How many records.
        count: u64,
    },
    /// The download folder could not be read or written.
    #[error("the download folder: {0}")]
    Io(#[from] std::io::Error),
}

/// How to reach E-utilities.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The E-utilities address (ends with `/`).
    pub base_url: String,
    /// An NCBI API key: 10 requests a second instead of 3.
    pub api_key: Option<String>,
    /// A contact address NCBI can write to, sent with every request.
    pub email: Option<String>,
    /// The tool name sent with every request.
    pub tool: String,
    /// How long one request may take.
    pub timeout: Duration,
    /// How many times a request is tried.
    pub attempts: u32,
    /// The wait before the first retry; it doubles after each failure.
    pub backoff: Duration,
    /// The least time between two requests; `None` uses NCBI's limit (3 a second, 10 with a key).
    pub interval: Option<Duration>,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            base_url: DEFAULT_BASE.to_string(),
            api_key: None,
            email: None,
            tool: "concur".to_string(),
            timeout: Duration::from_secs(120),
            attempts: 6,
            backoff: Duration::from_secs(1),
            interval: None,
        }
    }
}

/// What esearch says about a query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Found {
    /// How many records match.
    pub count: u64,
    /// PubMed's reading of the query.
    pub translation: String,
    /// The history server's session.
    pub webenv: Option<String>,
    /// The query's key in that session.
    pub query_key: Option<String>,
    /// PMIDs in the reply (the first `retmax`).
    pub ids: Vec<String>,
    /// Phrases PubMed did not find, and its other warnings.
    pub warnings: Vec<String>,
}

/// A client that keeps NCBI's rate limit.
pub struct Client {
    settings: Settings,
    agent: ureq::Agent,
    last: Cell<Option<Instant>>,
}

/// One part of a download: a publication-date range under the ceiling.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Part {
    /// First publication date (yyyy/mm/dd), if the query was split.
    pub from: Option<String>,
    /// Last publication date (yyyy/mm/dd), if the query was split.
    pub to: Option<String>,
    /// Records in the part.
    pub count: u64,
}

/// A download's state, kept in its folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct State {
    /// The query.
    pub term: String,
    /// How many records it matched when the download started.
    pub count: u64,
    /// PubMed's translation.
    pub translation: String,
    /// PubMed's warnings.
    pub warnings: Vec<String>,
    /// The parts, each under the ceiling.
    pub parts: Vec<Part>,
}

/// What a download fetched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Downloaded {
    /// The state: query, count, translation, parts.
    pub state: State,
    /// The batch files, in order.
    pub files: Vec<PathBuf>,
    /// Batches fetched by this run (the others were there from an earlier run).
    pub fetched: usize,
}

impl Client {
    /// A client with these settings.
    pub fn new(settings: Settings) -> Client {
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(settings.timeout))
            .http_status_as_error(false)
            .user_agent(format!("{}/{}", settings.tool, env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        Client {
            settings,
            agent,
            last: Cell::new(None),
        }
    }

    fn interval(&self) -> Duration {
        self.settings
            .interval
            .unwrap_or(if self.settings.api_key.is_some() {
                Duration::from_millis(100)
            } else {
                Duration::from_millis(334)
            })
    }

    /// How long to wait before the next request so as to keep the interval since the last one.
    fn wait_needed(&self) -> Duration {
        match self.last.get() {
            Some(t) => self.interval().saturating_sub(t.elapsed()),
            None => Duration::ZERO,
        }
    }

    /// One request, within the rate limit, retried with backoff on throttling, server errors,
    /// timeouts and replies that `complete` rejects.
    fn get(
        &self,
        utility: &str,
        params: &[(&str, String)],
        complete: &dyn Fn(&[u8]) -> bool,
    ) -> Result<Vec<u8>, EutilsError> {
        let url = format!("{}{utility}.fcgi", self.settings.base_url);
        let mut wait = self.settings.backoff;
        let mut last = String::new();
        for attempt in 1..=self.settings.attempts.max(1) {
            std::thread::sleep(self.wait_needed());
            self.last.set(Some(Instant::now()));
            let mut req = self.agent.get(&url).query("tool", &self.settings.tool);
            if let Some(e) = &self.settings.email {
                req = req.query("email", e);
            }
            if let Some(k) = &self.settings.api_key {
                req = req.query("api_key", k);
            }
            for (k, v) in params {
                req = req.query(*k, v);
            }
            let mut retry_after = None;
            match req.call() {
                Ok(mut resp) => {
                    let status = resp.status().as_u16();
                    retry_after = resp
                        .headers()
                        .get("retry-after")
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.trim().parse::<u64>().ok())
                        .map(Duration::from_secs);
                    let body = resp.body_mut().with_config().limit(1 << 30).read_to_vec();
                    match (status, body) {
                        (200, Ok(body)) if is_rate_limit(&body) => {
                            last = "rate limit exceeded".into()
                        }
                        (200, Ok(body)) if complete(&body) => return Ok(body),
                        (200, Ok(_)) => last = "an incomplete reply".into(),
                        (200, Err(e)) => last = format!("the reply broke off: {e}"),
                        (429, _) => last = "too many requests (429)".into(),
                        (s, _) if s >= 500 => last = format!("server error ({s})"),
                        (s, body) => {
                            let text = body
                                .map(|b| {
                                    String::from_utf8_lossy(&b)
                                        .chars()
                                        .take(300)
                                        .collect::<String>()
                                })
                                .unwrap_or_default();
                            return Err(EutilsError::Refused(format!("HTTP {s}: {text}")));
                        }
                    }
                }
                Err(e) => last = e.to_string(),
            }
            if attempt < self.settings.attempts {
                std::thread::sleep(retry_after.unwrap_or(wait).min(Duration::from_secs(60)));
                wait *= 2;
            }
        }
        Err(EutilsError::Unreachable {
            url,
            attempts: self.settings.attempts.max(1),
            last,
        })
    }

    /// esearch: the count, translation and (with history) the session of a query, optionally
    /// limited to publication dates.
    pub fn esearch(
        &self,
        term: &str,
        history: bool,
        retmax: u64,
        dates: Option<(&str, &str)>,
    ) -> Result<Found, EutilsError> {
        let mut params = vec![
            ("db", "pubmed".to_string()),
            ("term", term.to_string()),
            ("retmode", "json".to_string()),
            ("retmax", retmax.to_string()),
        ];
        if history {
            params.push(("usehistory", "y".into()));
        }
        if let Some((from, to)) = dates {
            params.push(("datetype", "pdat".into()));
            params.push(("mindate", from.into()));
            params.push(("maxdate", to.into()));
        }
        let body = self.get("esearch", &params, &|b| {
            serde_json::from_slice::<serde_json::Value>(b).is_ok()
        })?;
        parse_esearch(&body)
    }

    /// efetch: one batch of PubMed XML from the history server.
    pub fn efetch(
        &self,
        webenv: &str,
        query_key: &str,
        start: u64,
        max: u64,
    ) -> Result<Vec<u8>, EutilsError> {
        let params = [
            ("db", "pubmed".to_string()),
            ("WebEnv", webenv.to_string()),
            ("query_key", query_key.to_string()),
            ("retstart", start.to_string()),
            ("retmax", max.to_string()),
            ("retmode", "xml".to_string()),
        ];
        let body = self.get("efetch", &params, &complete_xml)?;
        if let Some(e) = xml_error(&body) {
            return Err(EutilsError::Refused(e));
        }
        Ok(body)
    }

    /// efetch by PMID: PubMed XML of the records named (at most [`BATCH`] at a time).
    pub fn efetch_ids(&self, pmids: &[String]) -> Result<Vec<u8>, EutilsError> {
        let params = [
            ("db", "pubmed".to_string()),
            ("id", pmids.join(",")),
            ("retmode", "xml".to_string()),
        ];
        let body = self.get("efetch", &params, &complete_xml)?;
        if let Some(e) = xml_error(&body) {
            return Err(EutilsError::Refused(e));
        }
        Ok(body)
    }

    /// Splits a query's result into publication-date parts under the ceiling.
    fn parts(&self, term: &str, count: u64) -> Result<Vec<Part>, EutilsError> {
        if count <= CEILING {
            return Ok(vec![Part {
                from: None,
                to: None,
                count,
            }]);
        }
        let mut out = Vec::new();
        let mut stack = vec![(day_number(1800, 1, 1), day_number(3000, 12, 31))];
        while let Some((a, b)) = stack.pop() {
            let (from, to) = (day_text(a), day_text(b));
            let n = self.esearch(term, false, 0, Some((&from, &to)))?.count;
            if n == 0 {
                continue;
            }
            if n <= CEILING {
                out.push(Part {
                    from: Some(from),
                    to: Some(to),
                    count: n,
                });
            } else if a == b {
                return Err(EutilsError::TooManyOnOneDay {
                    day: from,
                    count: n,
                });
            } else {
                let mid = a + (b - a) / 2;
                // Later half first on the stack, so parts come out oldest first.
                stack.push((mid + 1, b));
                stack.push((a, mid));
            }
        }
        Ok(out)
    }

    /// Downloads every record a query finds into `dir` as PubMed XML batch files, continuing an
    /// earlier run of the same query in the same folder. `progress` is told (records fetched,
    /// records in all).
    pub fn download(
        &self,
        term: &str,
        dir: &Path,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<Downloaded, EutilsError> {
        std::fs::create_dir_all(dir)?;
        let state_path = dir.join("state.json");
        let state = match std::fs::read(&state_path)
            .ok()
            .and_then(|b| serde_json::from_slice::<State>(&b).ok())
        {
            Some(s) if s.term == term => s,
            _ => {
                let found = self.esearch(term, false, 0, None)?;
                let parts = self.parts(term, found.count)?;
                let s = State {
                    term: term.to_string(),
                    count: found.count,
                    translation: found.translation,
                    warnings: found.warnings,
                    parts,
                };
                write_whole(
                    &state_path,
                    &serde_json::to_vec_pretty(&s).unwrap_or_default(),
                )?;
                s
            }
        };
        let mut files = Vec::new();
        let mut fetched = 0;
        let mut done = 0;
        for (p, part) in state.parts.iter().enumerate() {
            let batches = part.count.div_ceil(BATCH);
            let mut session: Option<(String, String)> = None;
            for b in 0..batches {
                let path = batch_path(dir, p, b);
                if !path.exists() {
                    if session.is_none() {
                        let dates = part.from.as_deref().zip(part.to.as_deref());
                        let found = self.esearch(term, true, 0, dates)?;
                        match (found.webenv, found.query_key) {
                            (Some(w), Some(k)) => session = Some((w, k)),
                            _ => {
                                return Err(EutilsError::BadReply {
                                    utility: "esearch".into(),
                                    message: "no history session (WebEnv) in the reply".into(),
                                })
                            }
                        }
                    }
                    let (webenv, key) = session
                        .as_ref()
                        .map(|(w, k)| (w.as_str(), k.as_str()))
                        .unwrap_or_default();
                    let body = self.efetch(webenv, key, b * BATCH, BATCH)?;
                    write_whole(&path, &body)?;
                    fetched += 1;
                }
                done = (done + BATCH).min(state.count);
                progress(done, state.count);
                files.push(path);
            }
        }
        Ok(Downloaded {
            state,
            files,
            fetched,
        })
    }
}

fn batch_path(dir: &Path, part: usize, batch: u64) -> PathBuf {
    dir.join(format!("part{part:03}-batch{batch:05}.xml"))
}

/// Writes a file so that it is either whole or absent: to a temporary name, then renamed.
fn write_whole(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension("partial");
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(tmp, path)
}

/// NCBI's rate-limit reply, which may come with status 200.
fn is_rate_limit(body: &[u8]) -> bool {
    body.len() < 300 && String::from_utf8_lossy(body).contains("API rate limit exceeded")
}

/// Whether an efetch reply is a whole PubMed XML document (a reply cut off in transit is not).
fn complete_xml(body: &[u8]) -> bool {
    let text = String::from_utf8_lossy(&body[body.len().saturating_sub(200)..]);
    let t = text.trim_end();
    t.ends_with("</PubmedArticleSet>") || t.ends_with("</eFetchResult>") || t.ends_with("</ERROR>")
}

fn xml_error(body: &[u8]) -> Option<String> {
    let head = String::from_utf8_lossy(&body[..body.len().min(2000)]);
    let start = head.find("<ERROR>")? + "<ERROR>".len();
    let end = head[start..].find("</ERROR>")? + start;
    Some(head[start..end].trim().to_string())
}

/// Reads esearch's JSON reply.
pub fn parse_esearch(body: &[u8]) -> Result<Found, EutilsError> {
    let bad = |m: &str| EutilsError::BadReply {
        utility: "esearch".into(),
        message: m.into(),
    };
    let v: serde_json::Value = serde_json::from_slice(body).map_err(|e| bad(&e.to_string()))?;
    let r = v
        .get("esearchresult")
        .ok_or_else(|| bad("no esearchresult"))?;
    if let Some(e) = r.get("ERROR").and_then(|e| e.as_str()) {
        return Err(EutilsError::Refused(e.to_string()));
    }
    let text = |k: &str| r.get(k).and_then(|x| x.as_str()).map(str::to_string);
    let count = text("count")
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| bad("no count"))?;
    let ids = r
        .get("idlist")
        .and_then(|l| l.as_array())
        .map(|l| {
            l.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let mut warnings = Vec::new();
    for list in ["errorlist", "warninglist"] {
        if let Some(obj) = r.get(list).and_then(|x| x.as_object()) {
            for (kind, items) in obj {
                for item in items.as_array().into_iter().flatten() {
                    if let Some(s) = item.as_str() {
                        warnings.push(format!("{kind}: {s}"));
                    }
                }
            }
        }
    }
    Ok(Found {
        count,
        translation: text("querytranslation").unwrap_or_default(),
        webenv: text("webenv"),
        query_key: text("querykey"),
        ids,
        warnings,
    })
}

/// Days since 1 January 1 in the proleptic Gregorian calendar, for halving date ranges.
fn day_number(y: i64, m: i64, d: i64) -> i64 {
    let (y, m) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
    365 * y + y / 4 - y / 100 + y / 400 + (153 * m + 2) / 5 + d - 1
}

fn day_text(n: i64) -> String {
    // Inverse of `day_number` (civil-from-days).
    let y = (10000 * n + 14780) / 3652425;
    let mut ddd = n - (365 * y + y / 4 - y / 100 + y / 400);
    let mut y = y;
    if ddd < 0 {
        y -= 1;
        ddd = n - (365 * y + y / 4 - y / 100 + y / 400);
    }
    let mi = (100 * ddd + 52) / 3060;
    let mm = (mi + 2) % 12 + 1;
    let y = y + (mi + 2) / 12;
    let dd = ddd - (mi * 306 + 5) / 10 + 1;
    format!("{y:04}/{mm:02}/{dd:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_numbers_read_back() {
        for (y, m, d) in [
            (1800, 1, 1),
            (2000, 2, 29),
            (2020, 1, 20),
            (2026, 12, 31),
            (3000, 12, 31),
        ] {
            assert_eq!(
                day_text(day_number(y, m, d)),
                format!("{y:04}/{m:02}/{d:02}")
            );
        }
        assert_eq!(day_number(2000, 3, 1) - day_number(2000, 2, 28), 2);
    }

    #[test]
    fn requests_keep_ncbis_rate_limit() {
        let without = Client::new(Settings::default());
        assert_eq!(without.interval(), Duration::from_millis(334));
        let with = Client::new(Settings {
            api_key: Some("k".into()),
            ..Settings::default()
        });
        assert_eq!(with.interval(), Duration::from_millis(100));
        // Two requests in a row are spaced by the interval: the client waits out what is left.
        let c = Client::new(Settings {
            interval: Some(Duration::from_millis(40)),
            ..Settings::default()
        });
        c.last.set(Some(Instant::now()));
        assert!(c.wait_needed() > Duration::ZERO);
        c.last.set(Some(Instant::now() - Duration::from_millis(50)));
        assert_eq!(c.wait_needed(), Duration::ZERO);
    }

    #[test]
    fn replies_cut_off_are_incomplete() {
        assert!(complete_xml(
            b"<PubmedArticleSet><PubmedArticle/></PubmedArticleSet>\n"
        ));
        assert!(!complete_xml(b"<PubmedArticleSet><PubmedArticle>"));
        assert!(is_rate_limit(
            br#"{"error":"API rate limit exceeded","count":"11"}"#
        ));
    }
}
