//! The change feed for copies of the records (the search index): everything that changed since
//! a copy's mark, and the mark to keep after applying it.
//!
//! A mark names the workspace (so a copy of another workspace's records is rebuilt, not
//! patched), the highest record id the copy has seen (new records are found by id) and the last
//! change it applied (updates and deletions are logged by triggers, so no writer can forget
//! them). A copy whose mark is ahead of the database (a database restored from a backup) is sent
//! everything again.

use crate::error::Result;
use crate::workspace::Workspace;
use concur_lit::{Record, RecordSink};

/// What a copy's mark says it has seen.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Mark {
    workspace: String,
    max_id: i64,
    seq: i64,
}

impl Mark {
    fn parse(text: &str) -> Option<Mark> {
        let mut parts = text.split(':');
        if parts.next()? != "v1" {
            return None;
        }
        Some(Mark {
            workspace: parts.next()?.to_string(),
            max_id: parts.next()?.parse().ok()?,
            seq: parts.next()?.parse().ok()?,
        })
    }

    fn text(&self) -> String {
        format!("v1:{}:{}:{}", self.workspace, self.max_id, self.seq)
    }
}

impl Workspace {
    /// The mark of the records as they are now: a copy with this mark is up to date.
    pub fn change_mark(&self) -> Result<String> {
        Ok(self.now(&self.conn)?.text())
    }

    fn now(&self, conn: &rusqlite::Connection) -> Result<Mark> {
        Ok(Mark {
            workspace: conn.query_row("SELECT id FROM workspace_identity", [], |r| r.get(0))?,
            max_id: conn.query_row("SELECT coalesce(max(id), 0) FROM record", [], |r| r.get(0))?,
            seq: conn.query_row("SELECT coalesce(max(seq), 0) FROM record_change", [], |r| {
                r.get(0)
            })?,
        })
    }

    /// Sends `sink` every record that changed since `mark` (all of them, after a reset, when
    /// there is no mark or it does not fit this database) and returns the mark to keep once the
    /// copy has them. Reads one consistent snapshot.
    pub fn changes_since(&self, mark: Option<&str>, sink: &mut dyn RecordSink) -> Result<String> {
        let tx = self.conn.unchecked_transaction()?;
        let now = self.now(&tx)?;
        let known = mark
            .and_then(Mark::parse)
            .filter(|m| m.workspace == now.workspace && m.max_id <= now.max_id && m.seq <= now.seq);
        let decode = |data: &str| -> Result<Record> { Ok(serde_json::from_str(data)?) };
        let alive_sql = "SELECT id, data, duplicate_of IS NULL FROM record
                         WHERE id > ?1 AND id <= ?2 AND deleted_by IS NULL ORDER BY id";
        let from = match &known {
            None => {
                sink.reset();
                let n: i64 = tx.query_row(
                    "SELECT count(*) FROM record WHERE deleted_by IS NULL",
                    [],
                    |r| r.get(0),
                )?;
                sink.expect(n as u64);
                0
            }
            Some(m) => {
                // Records changed after their insert: sent as they are now, or removed.
                let mut changed = tx.prepare(
                    "SELECT DISTINCT c.record_id, r.data, r.deleted_by IS NULL, r.duplicate_of IS NULL
                     FROM record_change c LEFT JOIN record r ON r.id = c.record_id
                     WHERE c.seq > ?1 AND c.seq <= ?2 AND c.record_id <= ?3",
                )?;
                let mut rows = changed.query((m.seq, now.seq, m.max_id))?;
                while let Some(row) = rows.next()? {
                    let id: i64 = row.get(0)?;
                    let data: Option<String> = row.get(1)?;
                    let alive: Option<bool> = row.get(2)?;
                    match (data, alive) {
                        (Some(data), Some(true)) => sink.put(id, &decode(&data)?, row.get(3)?),
                        _ => sink.remove(id),
                    }
                }
                let n: i64 = tx.query_row(
                    "SELECT count(*) FROM record WHERE id > ?1 AND deleted_by IS NULL",
                    [m.max_id],
                    |r| r.get(0),
                )?;
                sink.expect(n as u64);
                m.max_id
            }
        };
        let mut stmt = tx.prepare(alive_sql)?;
        let mut rows = stmt.query((from, now.max_id))?;
        while let Some(row) = rows.next()? {
            let data: String = row.get(1)?;
            // Inserted after the mark (ids only grow; records are never deleted from the table).
            sink.add(row.get(0)?, &decode(&data)?, row.get(2)?);
        }
        drop(rows);
        drop(stmt);
        tx.finish()?;
        Ok(now.text())
    }
}
