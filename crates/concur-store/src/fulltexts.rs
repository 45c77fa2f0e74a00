//! Full texts attached to records: the file as given and its extracted text, both stored in the
//! workspace folder under `fulltext/` by the file's BLAKE3 hash (so the same file attached twice
//! is stored once), and a row per attachment.

use crate::error::{Result, StoreError};
use crate::workspace::Workspace;
use rusqlite::{params, OptionalExtension};
use serde::Serialize;
use std::path::PathBuf;

/// The folder full texts are kept in.
pub const FULLTEXT_DIR: &str = "fulltext";

/// A full text to attach: the file and its text, already extracted.
#[derive(Debug, Clone)]
pub struct NewFullText<'a> {
    /// The record.
    pub record: i64,
    /// The file's name as given (kept for people; the stored copy is named by its hash).
    pub file_name: &'a str,
    /// The file's bytes.
    pub bytes: &'a [u8],
    /// `pdf` or `txt`.
    pub kind: &'a str,
    /// The extracted text, pages separated by form feeds.
    pub text: &'a str,
    /// How many pages.
    pub pages: usize,
}

/// An attached full text.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Attachment {
    /// Its number.
    pub id: i64,
    /// The record.
    pub record: i64,
    /// The file's BLAKE3 hash.
    pub hash: String,
    /// The file's name as given.
    pub file_name: String,
    /// `pdf` or `txt`.
    pub kind: String,
    /// The file's size.
    pub bytes: u64,
    /// Pages.
    pub pages: u64,
    /// When (UTC).
    pub attached_at: String,
    /// The stored copy.
    pub path: PathBuf,
}

impl Workspace {
    fn fulltext_path(&self, hash: &str, ext: &str) -> PathBuf {
        self.root().join(FULLTEXT_DIR).join(format!("{hash}.{ext}"))
    }

    /// Stores a full text with a record. The files are written (then renamed into place) before
    /// the row, so a killed attach leaves at most an unreferenced file that the next attach of
    /// the same file reuses.
    pub fn attach_fulltext(&self, f: &NewFullText<'_>) -> Result<Attachment> {
        let exists: Option<i64> = self
            .conn
            .query_row("SELECT id FROM record WHERE id = ?1", [f.record], |r| {
                r.get(0)
            })
            .optional()?;
        if exists.is_none() {
            return Err(StoreError::NoRecord(f.record));
        }
        let hash = blake3::hash(f.bytes).to_hex().to_string();
        std::fs::create_dir_all(self.root().join(FULLTEXT_DIR))?;
        for (ext, content) in [(f.kind, f.bytes), ("text", f.text.as_bytes())] {
            let path = self.fulltext_path(&hash, ext);
            if !path.exists() {
                let partial = path.with_extension(format!("{ext}.partial"));
                std::fs::write(&partial, content)?;
                std::fs::rename(&partial, &path)?;
            }
        }
        self.conn.execute(
            "INSERT INTO fulltext (record_id, hash, file_name, kind, bytes, pages, attached_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))",
            params![
                f.record,
                hash,
                f.file_name,
                f.kind,
                f.bytes.len() as i64,
                f.pages as i64
            ],
        )?;
        self.log(
            "records attach",
            &format!("{} ({} pages) to record {}", f.file_name, f.pages, f.record),
        )?;
        self.fulltext(f.record)?
            .ok_or(StoreError::NoRecord(f.record))
    }

    /// The latest full text attached to a record (or to the records merged into it), if any.
    pub fn fulltext(&self, record: i64) -> Result<Option<Attachment>> {
        let row = self
            .conn
            .query_row(
                "SELECT f.id, f.record_id, f.hash, f.file_name, f.kind, f.bytes, f.pages,
                        f.attached_at
                 FROM fulltext f JOIN record r ON r.id = f.record_id
                 WHERE f.record_id = ?1 OR COALESCE(r.duplicate_of, r.id) = ?1
                 ORDER BY f.id DESC LIMIT 1",
                [record],
                |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, i64>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, String>(4)?,
                        r.get::<_, i64>(5)?,
                        r.get::<_, i64>(6)?,
                        r.get::<_, String>(7)?,
                    ))
                },
            )
            .optional()?;
        Ok(row.map(
            |(id, record, hash, file_name, kind, bytes, pages, attached_at)| {
                let path = self.fulltext_path(&hash, &kind);
                Attachment {
                    id,
                    record,
                    hash,
                    file_name,
                    kind,
                    bytes: bytes as u64,
                    pages: pages as u64,
                    attached_at,
                    path,
                }
            },
        ))
    }

    /// The extracted text of an attachment (pages separated by form feeds).
    pub fn fulltext_text(&self, a: &Attachment) -> Result<String> {
        Ok(std::fs::read_to_string(
            self.fulltext_path(&a.hash, "text"),
        )?)
    }
}
