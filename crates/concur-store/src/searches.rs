//! The log of saved searches: what was searched, where, when, how it was read and what it found.
//! PRISMA's "records identified" and the living update read it.

use crate::error::Result;
use crate::workspace::Workspace;
use serde::Serialize;

/// A search to log.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewSearch<'a> {
    /// The name it is saved under (a strategy line, "pubmed-2026-12").
    pub name: &'a str,
    /// Where it ran: `workspace` or `pubmed`.
    pub database: &'a str,
    /// The query as written.
    pub query: &'a str,
    /// The query as the database read it (concur's or PubMed's translation).
    pub translation: &'a str,
    /// How many records it found.
    pub count: u64,
    /// What it found: workspace record ids or PMIDs.
    pub results: &'a [String],
    /// Anything else worth keeping (PubMed's server, its warnings), as JSON.
    pub detail: serde_json::Value,
}

/// A logged search.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SavedSearch {
    /// Its number in the log.
    pub id: i64,
    /// The name it was saved under.
    pub name: String,
    /// Where it ran: `workspace` or `pubmed`.
    pub database: String,
    /// The query as written.
    pub query: String,
    /// The query as the database read it.
    pub translation: String,
    /// When it ran (UTC, ISO 8601).
    pub run_at: String,
    /// How many records it found.
    pub count: u64,
    /// Anything else kept with it.
    pub detail: serde_json::Value,
}

impl Workspace {
    /// The folder a PubMed download of this query keeps its batches and state in: the same for
    /// the same query, so that running it again continues the download.
    pub fn pubmed_dir(&self, query: &str) -> std::path::PathBuf {
        let hash = blake3::hash(query.as_bytes()).to_hex();
        self.root().join("pubmed").join(&hash[..16])
    }

    /// Logs a search; returns its number.
    pub fn save_search(&self, s: &NewSearch<'_>) -> Result<i64> {
        self.conn.execute(
            "INSERT INTO search_run (name, database, query, translation, run_at, count, results, detail)
             VALUES (?1, ?2, ?3, ?4, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), ?5, ?6, ?7)",
            (
                s.name,
                s.database,
                s.query,
                s.translation,
                s.count as i64,
                serde_json::to_string(s.results)?,
                s.detail.to_string(),
            ),
        )?;
        let id = self.conn.last_insert_rowid();
        self.log(
            "search",
            &format!(
                "saved {} ({}, {} records) as {}",
                s.name, s.database, s.count, id
            ),
        )?;
        Ok(id)
    }

    /// Every logged search, oldest first.
    pub fn searches(&self) -> Result<Vec<SavedSearch>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, name, database, query, translation, run_at, count, detail
             FROM search_run ORDER BY id",
        )?;
        let rows = stmt.query_map([], |r| {
            let detail: String = r.get(7)?;
            Ok(SavedSearch {
                id: r.get(0)?,
                name: r.get(1)?,
                database: r.get(2)?,
                query: r.get(3)?,
                translation: r.get(4)?,
                run_at: r.get(5)?,
                count: r.get::<_, i64>(6)? as u64,
                detail: serde_json::from_str(&detail).unwrap_or(serde_json::Value::Null),
            })
        })?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    /// The latest run under each name, in the order the names were first saved.
    pub fn latest_searches(&self) -> Result<Vec<SavedSearch>> {
        let all = self.searches()?;
        let mut order: Vec<String> = Vec::new();
        for s in &all {
            if !order.contains(&s.name) {
                order.push(s.name.clone());
            }
        }
        Ok(order
            .iter()
            .filter_map(|n| all.iter().rev().find(|s| &s.name == n).cloned())
            .collect())
    }

    /// What a logged search found (record ids or PMIDs).
    pub fn search_results(&self, id: i64) -> Result<Option<Vec<String>>> {
        let text: Option<String> = self
            .conn
            .query_row("SELECT results FROM search_run WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .map(Some)
            .or_else(|e| match e {
                rusqlite::Error::QueryReturnedNoRows => Ok(None),
                e => Err(e),
            })?;
        Ok(match text {
            Some(t) => Some(serde_json::from_str(&t)?),
            None => None,
        })
    }
}
