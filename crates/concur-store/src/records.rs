//! Reading the stored records: filters, one record, PRISMA counts.

use crate::error::Result;
use crate::workspace::Workspace;
use concur_lit::{OutFormat, Record};
use serde::Serialize;

/// A record's duplicate status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// No duplicate found.
    Unique,
    /// The kept record of a cluster.
    Primary,
    /// A duplicate of another record.
    Duplicate,
    /// Deleted by a PubMed update file.
    Deleted,
}

impl Status {
    /// Parses a command-line name.
    pub fn parse(text: &str) -> Option<Status> {
        match text {
            "unique" => Some(Status::Unique),
            "primary" => Some(Status::Primary),
            "duplicate" => Some(Status::Duplicate),
            "deleted" => Some(Status::Deleted),
            _ => None,
        }
    }
}

/// A stored record with its workspace facts.
#[derive(Debug, Clone, Serialize)]
pub struct StoredRecord {
    /// Record number in the workspace.
    pub id: i64,
    /// Import batch.
    pub batch: i64,
    /// Duplicate status.
    pub status: Status,
    /// The primary record, for a duplicate.
    pub duplicate_of: Option<i64>,
    /// The record.
    pub record: Record,
}

/// Filters for listing and exporting records.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Only this record.
    pub id: Option<i64>,
    /// Only this batch.
    pub batch: Option<i64>,
    /// Only these years (inclusive).
    pub years: Option<(u16, u16)>,
    /// Only records in this language (as the source writes it, e.g. `eng`, `English`).
    pub language: Option<String>,
    /// Only this status.
    pub status: Option<Status>,
    /// At most this many.
    pub limit: Option<usize>,
}

/// Counts for the PRISMA flow: identified per source, duplicates removed.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Counts {
    /// Records imported, per source database.
    pub identified: Vec<(String, i64)>,
    /// Records marked as duplicates.
    pub duplicates: i64,
    /// Records deleted by PubMed update files.
    pub deleted: i64,
    /// Records left for screening.
    pub remaining: i64,
    /// Records that could not be read.
    pub rejected: i64,
}

impl Workspace {
    /// Records in id order that pass the filter.
    pub fn records(&self, filter: &Filter) -> Result<Vec<StoredRecord>> {
        let mut out = Vec::new();
        self.each_record(filter, &mut |r| {
            out.push(r);
            Ok(())
        })?;
        Ok(out)
    }

    /// Calls `f` for each record that passes the filter, in id order, without holding them all.
    pub fn each_record(
        &self,
        filter: &Filter,
        f: &mut dyn FnMut(StoredRecord) -> Result<()>,
    ) -> Result<()> {
        let mut sql = String::from(
            "SELECT r.id, r.batch_id, r.deleted_by, r.duplicate_of,
                    EXISTS (SELECT 1 FROM record d WHERE d.duplicate_of = r.id), r.data
             FROM record r WHERE 1 = 1",
        );
        let mut args: Vec<rusqlite::types::Value> = Vec::new();
        if let Some(id) = filter.id {
            sql.push_str(" AND r.id = ?");
            args.push(id.into());
        }
        if let Some(b) = filter.batch {
            sql.push_str(" AND r.batch_id = ?");
            args.push(b.into());
        }
        if let Some((from, to)) = filter.years {
            sql.push_str(" AND r.year BETWEEN ? AND ?");
            args.push(i64::from(from).into());
            args.push(i64::from(to).into());
        }
        if let Some(l) = &filter.language {
            sql.push_str(" AND lower(r.language) = lower(?)");
            args.push(l.clone().into());
        }
        match filter.status {
            Some(Status::Deleted) => sql.push_str(" AND r.deleted_by IS NOT NULL"),
            Some(Status::Duplicate) => {
                sql.push_str(" AND r.deleted_by IS NULL AND r.duplicate_of IS NOT NULL")
            }
            Some(Status::Primary) => sql.push_str(
                " AND r.deleted_by IS NULL AND r.duplicate_of IS NULL
                  AND EXISTS (SELECT 1 FROM record d WHERE d.duplicate_of = r.id)",
            ),
            Some(Status::Unique) => sql.push_str(
                " AND r.deleted_by IS NULL AND r.duplicate_of IS NULL
                  AND NOT EXISTS (SELECT 1 FROM record d WHERE d.duplicate_of = r.id)",
            ),
            None => {}
        }
        sql.push_str(" ORDER BY r.id");
        if let Some(n) = filter.limit {
            sql.push_str(&format!(" LIMIT {n}"));
        }
        let mut stmt = self.conn.prepare(&sql)?;
        let mut rows = stmt.query(rusqlite::params_from_iter(args))?;
        while let Some(row) = rows.next()? {
            let deleted: Option<i64> = row.get(2)?;
            let duplicate_of: Option<i64> = row.get(3)?;
            let has_duplicates: bool = row.get(4)?;
            let data: String = row.get(5)?;
            let status = match (deleted, duplicate_of, has_duplicates) {
                (Some(_), _, _) => Status::Deleted,
                (None, Some(_), _) => Status::Duplicate,
                (None, None, true) => Status::Primary,
                (None, None, false) => Status::Unique,
            };
            f(StoredRecord {
                id: row.get(0)?,
                batch: row.get(1)?,
                status,
                duplicate_of,
                record: serde_json::from_str(&data)?,
            })?;
        }
        Ok(())
    }

    /// One record by id.
    pub fn record(&self, id: i64) -> Result<Option<StoredRecord>> {
        let filter = Filter {
            id: Some(id),
            ..Filter::default()
        };
        Ok(self.records(&filter)?.pop())
    }

    /// Counts for the PRISMA flow diagram.
    pub fn counts(&self) -> Result<Counts> {
        let mut stmt = self.conn.prepare(
            "SELECT b.source, count(r.id) FROM batch b LEFT JOIN record r ON r.batch_id = b.id
             GROUP BY b.source ORDER BY b.source",
        )?;
        let identified = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<std::result::Result<Vec<_>, _>>()?;
        let one = |sql: &str| -> Result<i64> { Ok(self.conn.query_row(sql, [], |r| r.get(0))?) };
        Ok(Counts {
            identified,
            duplicates: one(
                "SELECT count(*) FROM record WHERE duplicate_of IS NOT NULL AND deleted_by IS NULL",
            )?,
            deleted: one("SELECT count(*) FROM record WHERE deleted_by IS NOT NULL")?,
            remaining: one(
                "SELECT count(*) FROM record WHERE duplicate_of IS NULL AND deleted_by IS NULL",
            )?,
            rejected: one("SELECT count(*) FROM rejected")?,
        })
    }

    /// Writes the records that pass the filter and `keep` as RIS, CSV or JSON Lines, in id order,
    /// without holding them all; returns how many were written.
    pub fn export(
        &self,
        filter: &Filter,
        keep: &dyn Fn(&StoredRecord) -> bool,
        out: Box<dyn std::io::Write + '_>,
        format: OutFormat,
    ) -> Result<usize> {
        let mut writer = concur_lit::Writer::new(out, format)?;
        let mut n = 0;
        self.each_record(filter, &mut |r| {
            if keep(&r) {
                writer.write(&r.record)?;
                n += 1;
            }
            Ok(())
        })?;
        writer.finish()?.flush()?;
        Ok(n)
    }
}
