//! Deduplication runs on the workspace: applied, undone, and a person's decisions kept.

use crate::error::{Result, StoreError};
use crate::workspace::{log, Workspace};
use concur_lit::dedup::{self, Keys, Settings, Version};
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

/// What a person said of a pair of records.
#[derive(Clone, Copy)]
enum Decision {
    Apart,
    Together,
}

/// Records a person's decision about a pair, replacing any earlier, opposite one.
fn decide(conn: &Connection, a: i64, b: i64, decision: Decision) -> Result<()> {
    let (table, opposite) = match decision {
        Decision::Apart => ("keep_apart", "keep_together"),
        Decision::Together => ("keep_together", "keep_apart"),
    };
    let pair = params![a.min(b), a.max(b)];
    conn.execute(
        &format!(
            "INSERT OR IGNORE INTO {table} (a, b, decided_at)
             VALUES (?1, ?2, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))"
        ),
        pair,
    )?;
    conn.execute(
        &format!("DELETE FROM {opposite} WHERE a = ?1 AND b = ?2"),
        pair,
    )?;
    Ok(())
}

/// The record a record is a duplicate of (None when it is none's duplicate); an error when there
/// is no such record.
fn primary_of(conn: &Connection, record: i64) -> Result<Option<i64>> {
    conn.query_row(
        "SELECT duplicate_of FROM record WHERE id = ?1",
        [record],
        |r| r.get(0),
    )
    .optional()?
    .ok_or(StoreError::NoRecord(record))
}

/// The records of the cluster a record is in (itself alone if it is in none), in id order.
fn cluster_of(conn: &Connection, record: i64) -> Result<Vec<i64>> {
    let primary = primary_of(conn, record)?;
    let mut stmt =
        conn.prepare("SELECT id FROM record WHERE id = ?1 OR duplicate_of = ?1 ORDER BY id")?;
    let rows = stmt.query_map([primary.unwrap_or(record)], |r| r.get(0))?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

/// One cluster as a dedup run sees it, in workspace record ids.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ClusterView {
    /// The kept record.
    pub primary: i64,
    /// The others, each with what joined it.
    pub duplicates: Vec<(i64, String)>,
}

/// A pair left for a person to decide.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FlagView {
    /// One record.
    pub a: i64,
    /// The other.
    pub b: i64,
    /// Why they look alike and why they were not joined.
    pub why: String,
}

/// What a dedup run found (and, unless it was a dry run, applied).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DedupResult {
    /// The run number (None for a dry run).
    pub run: Option<i64>,
    /// Records considered (not deleted).
    pub records: usize,
    /// Clusters of two or more records.
    pub clusters: Vec<ClusterView>,
    /// Records newly marked duplicate by this run.
    pub newly_merged: usize,
    /// Pairs flagged for review.
    pub flagged: Vec<FlagView>,
}

impl Workspace {
    /// Finds duplicates among the records that are not deleted; applies them unless `dry_run`.
    /// Earlier merges are kept unless a cluster now says otherwise; pairs a person kept apart
    /// stay apart.
    pub fn dedup(&mut self, settings: Settings, dry_run: bool) -> Result<DedupResult> {
        // The run reads and writes in one transaction, taken for writing at once: a second run
        // started meanwhile waits, then reads what this one merged, and records only its own
        // changes (so that undoing one run never reverts the other's).
        let behavior = if dry_run {
            rusqlite::TransactionBehavior::Deferred
        } else {
            rusqlite::TransactionBehavior::Immediate
        };
        let tx = rusqlite::Transaction::new_unchecked(&self.conn, behavior)?;
        let mut ids = Vec::new();
        let mut keys = Vec::new();
        let mut rank = Vec::new();
        let mut current = Vec::new();
        {
            let mut stmt = self.conn.prepare(
                "SELECT r.id, r.pmid, r.doi, r.pmc, r.title_key, r.year, r.first_author, r.version,
                        r.duplicate_of, length(r.data),
                        EXISTS (SELECT 1 FROM record d WHERE d.duplicate_of = r.id)
                 FROM record r WHERE r.deleted_by IS NULL ORDER BY r.id",
            )?;
            let mut rows = stmt.query([])?;
            while let Some(row) = rows.next()? {
                let version: Option<String> = row.get(7)?;
                ids.push(row.get::<_, i64>(0)?);
                keys.push(Keys {
                    pmid: row.get(1)?,
                    doi: row.get(2)?,
                    pmc: row.get(3)?,
                    title: row.get(4)?,
                    year: row.get(5)?,
                    first_author: row.get(6)?,
                    version: version.as_deref().and_then(Version::parse),
                });
                let duplicate_of: Option<i64> = row.get(8)?;
                let size: i64 = row.get(9)?;
                let is_primary: bool = row.get(10)?;
                current.push(duplicate_of);
                // Keep the earlier primary, then a PubMed record, then the fullest record.
                let pubmed = keys.last().is_some_and(|k| k.pmid.is_some());
                rank.push(
                    (i64::from(is_primary) << 40) + (i64::from(pubmed) << 32) + size.min(1 << 31),
                );
            }
        }
        let index: std::collections::HashMap<i64, usize> =
            ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
        // A person's decisions, for the records still in play.
        let decided = |table: &str| -> Result<Vec<(usize, usize)>> {
            let mut pairs = Vec::new();
            let mut stmt = self.conn.prepare(&format!("SELECT a, b FROM {table}"))?;
            let mut rows = stmt.query([])?;
            while let Some(row) = rows.next()? {
                let (a, b): (i64, i64) = (row.get(0)?, row.get(1)?);
                if let (Some(&x), Some(&y)) = (index.get(&a), index.get(&b)) {
                    pairs.push((x, y));
                }
            }
            Ok(pairs)
        };
        let (apart, together) = (decided("keep_apart")?, decided("keep_together")?);
        let decisions = dedup::Decisions {
            apart: &apart,
            together: &together,
        };
        let found = dedup::find(&keys, settings, decisions, &|i| rank[i]);
        let clusters: Vec<ClusterView> = found
            .clusters
            .iter()
            .map(|c| ClusterView {
                primary: ids[c.members[0]],
                duplicates: c.members[1..]
                    .iter()
                    .zip(&c.reasons)
                    .map(|(&m, r)| (ids[m], r.name().to_string()))
                    .collect(),
            })
            .collect();
        let flagged: Vec<FlagView> = found
            .flagged
            .iter()
            .map(|f| FlagView {
                a: ids[f.a],
                b: ids[f.b],
                why: f.why.clone(),
            })
            .collect();
        // The new duplicate_of of every record.
        let mut wanted: Vec<Option<i64>> = vec![None; ids.len()];
        let mut reason: Vec<&str> = vec![""; ids.len()];
        for c in &found.clusters {
            for (&m, r) in c.members[1..].iter().zip(&c.reasons) {
                wanted[m] = Some(ids[c.members[0]]);
                reason[m] = r.name();
            }
        }
        let newly_merged = (0..ids.len())
            .filter(|&i| wanted[i].is_some() && current[i].is_none())
            .count();
        let mut result = DedupResult {
            run: None,
            records: ids.len(),
            clusters,
            newly_merged,
            flagged,
        };
        if dry_run {
            return Ok(result);
        }
        tx.execute(
            "INSERT INTO dedup_run (started_at, settings, clusters, merged, flagged)
             VALUES (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), ?1, ?2, ?3, ?4)",
            params![
                format!(
                    "title_similarity={} min_title_len={}",
                    settings.title_similarity, settings.min_title_len
                ),
                result.clusters.len() as i64,
                newly_merged as i64,
                result.flagged.len() as i64
            ],
        )?;
        let run = tx.last_insert_rowid();
        {
            let mut change = tx.prepare(
                "INSERT INTO dedup_change (run_id, record_id, before, after, reason)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            let mut set = tx.prepare("UPDATE record SET duplicate_of = ?2 WHERE id = ?1")?;
            for i in 0..ids.len() {
                if wanted[i] != current[i] {
                    change.execute(params![run, ids[i], current[i], wanted[i], reason[i]])?;
                    set.execute(params![ids[i], wanted[i]])?;
                }
            }
            let mut flag =
                tx.prepare("INSERT INTO dedup_flag (run_id, a, b, why) VALUES (?1, ?2, ?3, ?4)")?;
            for f in &result.flagged {
                flag.execute(params![run, f.a, f.b, f.why])?;
            }
        }
        log(
            &tx,
            "dedup",
            &format!(
                "run {run}: {} clusters, {newly_merged} newly merged, {} flagged",
                result.clusters.len(),
                result.flagged.len()
            ),
        )?;
        tx.commit()?;
        result.run = Some(run);
        Ok(result)
    }

    /// Undoes a dedup run (the latest one not yet undone, unless `run` names one): every record
    /// it changed goes back to what it was. Later runs must be undone first.
    pub fn undo_dedup(&mut self, run: Option<i64>) -> Result<(i64, usize)> {
        let latest: Option<i64> = self.conn.query_row(
            "SELECT max(id) FROM dedup_run WHERE undone_at IS NULL",
            [],
            |r| r.get(0),
        )?;
        let Some(latest) = latest else {
            return Err(StoreError::NothingToUndo);
        };
        let run = run.unwrap_or(latest);
        if run != latest {
            return Err(StoreError::NotLatestRun { run, latest });
        }
        let tx = self.conn.transaction()?;
        let changed = tx.execute(
            "UPDATE record SET duplicate_of =
                 (SELECT before FROM dedup_change c WHERE c.run_id = ?1 AND c.record_id = record.id)
             WHERE id IN (SELECT record_id FROM dedup_change WHERE run_id = ?1)",
            [run],
        )?;
        tx.execute(
            "UPDATE dedup_run SET undone_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE id = ?1",
            [run],
        )?;
        log(
            &tx,
            "dedup undo",
            &format!("run {run}: {changed} records restored"),
        )?;
        tx.commit()?;
        Ok((run, changed))
    }

    /// The pairs the latest dedup run still in effect left to check by hand, without those a
    /// person has since kept apart.
    pub fn flagged(&self) -> Result<Vec<FlagView>> {
        let mut stmt = self.conn.prepare(
            "SELECT f.a, f.b, f.why FROM dedup_flag f
             WHERE f.run_id = (SELECT max(id) FROM dedup_run WHERE undone_at IS NULL)
               AND NOT EXISTS (SELECT 1 FROM keep_apart k
                               WHERE k.a = min(f.a, f.b) AND k.b = max(f.a, f.b))
             ORDER BY f.a, f.b",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(FlagView {
                a: r.get(0)?,
                b: r.get(1)?,
                why: r.get(2)?,
            })
        })?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    /// A person's decision that a record is not a duplicate of its cluster, or, when it is in
    /// none, of the records it was flagged with: it is separated now and kept apart from those
    /// records in later runs (replacing any earlier decision that they are one publication).
    pub fn keep_apart(&mut self, record: i64) -> Result<Vec<i64>> {
        let tx = self.conn.transaction()?;
        let primary = primary_of(&tx, record)?;
        let root = primary.unwrap_or(record);
        let mut others: Vec<i64> = {
            let mut stmt = tx.prepare(
                "SELECT id FROM record WHERE (duplicate_of = ?1 OR id = ?1) AND id <> ?2",
            )?;
            let rows = stmt.query_map(params![root, record], |r| r.get(0))?;
            rows.collect::<std::result::Result<_, _>>()?
        };
        let clustered = !others.is_empty();
        if !clustered {
            // Not in a cluster: the decision answers the pairs to check by hand.
            let mut stmt = tx.prepare(
                "SELECT CASE WHEN f.a = ?1 THEN f.b ELSE f.a END FROM dedup_flag f
                 WHERE f.run_id = (SELECT max(id) FROM dedup_run WHERE undone_at IS NULL)
                   AND (f.a = ?1 OR f.b = ?1)",
            )?;
            let rows = stmt.query_map([record], |r| r.get(0))?;
            others = rows.collect::<std::result::Result<_, _>>()?;
        }
        others.sort_unstable();
        others.dedup();
        if others.is_empty() {
            return Err(StoreError::NotInCluster(record));
        }
        for o in &others {
            decide(&tx, record, *o, Decision::Apart)?;
        }
        if clustered {
            if primary.is_some() {
                tx.execute(
                    "UPDATE record SET duplicate_of = NULL WHERE id = ?1",
                    [record],
                )?;
            } else {
                // The primary leaves: the next record becomes the primary of the rest.
                let next = others[0];
                tx.execute(
                    "UPDATE record SET duplicate_of = NULL WHERE id = ?1",
                    [next],
                )?;
                tx.execute(
                    "UPDATE record SET duplicate_of = ?1 WHERE duplicate_of = ?2",
                    params![next, record],
                )?;
            }
        }
        log(
            &tx,
            "dedup not-duplicate",
            &format!("record {record} kept apart from {others:?}"),
        )?;
        tx.commit()?;
        Ok(others)
    }

    /// A person's decision that two records are different publications (a pair flagged to check
    /// by hand, say): every record of the one's cluster is kept apart from every record of the
    /// other's, now and in later runs (replacing any earlier decision that they are one
    /// publication). Returns the two clusters' records.
    pub fn keep_different(&mut self, record: i64, other: i64) -> Result<(Vec<i64>, Vec<i64>)> {
        let tx = self.conn.transaction()?;
        let (one, two) = (cluster_of(&tx, record)?, cluster_of(&tx, other)?);
        if one.contains(&other) {
            return Err(StoreError::SameCluster { record, other });
        }
        for a in &one {
            for b in &two {
                decide(&tx, *a, *b, Decision::Apart)?;
            }
        }
        log(
            &tx,
            "dedup different",
            &format!("records {one:?} kept apart from records {two:?}"),
        )?;
        tx.commit()?;
        Ok((one, two))
    }

    /// A person's decision that two records are one publication, whatever the matcher says
    /// (a pair it flagged, say): the next dedup run joins them, and so does every later run
    /// (replacing any earlier decision that they are different).
    pub fn keep_together(&mut self, record: i64, other: i64) -> Result<()> {
        if record == other {
            return Err(StoreError::SameRecord(record));
        }
        let tx = self.conn.transaction()?;
        for id in [record, other] {
            let deleted: Option<Option<i64>> = tx
                .query_row("SELECT deleted_by FROM record WHERE id = ?1", [id], |r| {
                    r.get(0)
                })
                .optional()?;
            match deleted {
                None => return Err(StoreError::NoRecord(id)),
                Some(Some(batch)) => return Err(StoreError::Deleted { record: id, batch }),
                Some(None) => {}
            }
        }
        decide(&tx, record, other, Decision::Together)?;
        log(
            &tx,
            "dedup same",
            &format!("records {record} and {other} are one publication"),
        )?;
        tx.commit()?;
        Ok(())
    }
}
