//! Import batches: one file, one transaction; the records prepared for storage on the parsing
//! threads; files known by their hash.

use crate::error::{Result, StoreError};
use crate::workspace::{switch_journal, Workspace};
use crate::writeback;
use concur_lit::dedup::{Keys, Version};
use concur_lit::{Item, Record};
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use std::path::Path;

/// One import batch: a file as it was imported.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Batch {
    /// Batch number.
    pub id: i64,
    /// Source database named by the user (or the format when not named).
    pub source: String,
    /// File name as given.
    pub file_name: String,
    /// BLAKE3 of the file's bytes.
    pub file_hash: String,
    /// Size of the file in bytes.
    pub file_bytes: i64,
    /// Format read.
    pub format: String,
    /// When (UTC).
    pub imported_at: String,
    /// Records imported.
    pub records: i64,
    /// Records that could not be read.
    pub rejected: i64,
    /// Places read with a repair (invalid UTF-8 replaced by U+FFFD); their records were kept.
    pub repaired: i64,
    /// PMIDs the file lists for deletion (PubMed update files).
    pub deletions: i64,
    /// Records of earlier batches marked deleted by those PMIDs.
    pub deleted: i64,
}

/// What a file is, before it is imported.
#[derive(Debug, Clone)]
pub struct FileInfo {
    /// File name as given.
    pub file_name: String,
    /// BLAKE3 of the bytes.
    pub hash: String,
    /// Size in bytes.
    pub bytes: u64,
}

impl FileInfo {
    /// Hashes a file (read in pieces: memory stays small).
    pub fn of(path: &Path) -> Result<FileInfo> {
        Ok(FileInfo {
            file_name: path.display().to_string(),
            hash: hash_file(path)?,
            bytes: std::fs::metadata(path)?.len(),
        })
    }

    /// A file whose hash is not known yet: its import sets it with [`Import::set_file_hash`]
    /// before it commits.
    pub fn unhashed(path: &Path) -> Result<FileInfo> {
        Ok(FileInfo {
            file_name: path.display().to_string(),
            hash: String::new(),
            bytes: std::fs::metadata(path)?.len(),
        })
    }
}

/// The BLAKE3 hash of a file's bytes, in hex.
pub fn hash_file(path: &Path) -> Result<String> {
    let mut hasher = FileHasher::new();
    hasher.0.update_reader(std::fs::File::open(path)?)?;
    Ok(hasher.finish())
}

/// A file's hash (as [`hash_file`] gives it) computed from its bytes as they pass, so that a file
/// being read anyway is not read a second time for its hash.
#[derive(Default)]
pub struct FileHasher(blake3::Hasher);

impl FileHasher {
    /// A hasher that has seen no bytes yet.
    pub fn new() -> FileHasher {
        FileHasher::default()
    }

    /// The next bytes of the file.
    pub fn update(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    /// The hash in hex.
    pub fn finish(&self) -> String {
        self.0.finalize().to_hex().to_string()
    }
}

impl Workspace {
    /// The batch that imported a file with this hash, if any.
    pub fn batch_with_hash(&self, hash: &str) -> Result<Option<Batch>> {
        Ok(self
            .conn
            .query_row(
                &format!("{BATCH_SELECT} WHERE file_hash = ?1"),
                [hash],
                batch_row,
            )
            .optional()?)
    }

    /// Whether some batch imported a file of exactly this many bytes. A file of a size never
    /// seen cannot have been imported before, so its hash need not be known before it is read.
    pub fn has_batch_of_size(&self, bytes: u64) -> Result<bool> {
        Ok(self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM batch WHERE file_bytes = ?1)",
            [bytes as i64],
            |r| r.get(0),
        )?)
    }

    /// All batches, oldest first.
    pub fn batches(&self) -> Result<Vec<Batch>> {
        let mut stmt = self.conn.prepare(&format!("{BATCH_SELECT} ORDER BY id"))?;
        let rows = stmt.query_map([], batch_row)?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    /// Starts importing a file: everything until [`Import::commit`] is one transaction.
    pub fn begin_import(
        &mut self,
        file: &FileInfo,
        source: &str,
        format: &str,
    ) -> Result<Import<'_>> {
        if self.config.bulk_journal {
            self.rollback_journal |= self.bulk_journal();
        }
        self.conn.execute_batch("BEGIN IMMEDIATE")?;
        let writeback = writeback::Writeback::new(self.conn.path().map(Path::new));
        // From here on, dropping `import` (an error below, say) rolls the batch back.
        let mut import = Import {
            conn: &mut self.conn,
            open: true,
            state: Suspended {
                writeback,
                ..Suspended::none()
            },
        };
        // An unhashed file's batch holds an empty hash until `set_file_hash`; the write lock
        // held from BEGIN IMMEDIATE to COMMIT keeps any other batch from seeing or clashing with it.
        import.conn.execute(
            "INSERT INTO batch (source, file_name, file_hash, file_bytes, format, imported_at)
             VALUES (?1, ?2, ?3, ?4, ?5, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))",
            params![source, file.file_name, file.hash, file.bytes as i64, format],
        )?;
        import.state.batch = import.conn.last_insert_rowid();
        import.state.hashed = !file.hash.is_empty();
        Ok(import)
    }

    /// Takes up a batch set aside with [`Import::suspend`].
    pub(crate) fn resume_import(&mut self, batch: Suspended) -> Import<'_> {
        Import {
            conn: &mut self.conn,
            open: true,
            state: batch,
        }
    }

    /// Switches to a rollback journal for import batches, when no other connection has the
    /// database open (nothing is done when it is in that journal already). A batch's pages are
    /// then written once, into the database file, instead of into the WAL and again by the
    /// checkpoint that follows. The batch stays one transaction either way: a killed import leaves a
    /// hot journal that the next open rolls back. When another connection is open (a running web
    /// app, say) the switch is refused at once and the batch goes through the WAL. The workspace
    /// stays in the rollback journal from batch to batch, and returns to WAL with
    /// [`Workspace::finish_imports`], when it is dropped, or at the next open: switching at every
    /// batch would cost two more transactions per file. The price: a
    /// connection opened during a batch (which could not return the database to WAL) is idle
    /// and unseen when the next batch starts, so it may wait on that batch's writes too.
    fn bulk_journal(&self) -> bool {
        switch_journal(&self.conn, "delete")
    }

    /// Returns the database to WAL after import batches, so that other commands can read while
    /// one writes (see `Workspace::bulk_journal`). If another command holds the database just
    /// now, the next open does it.
    pub fn finish_imports(&mut self) {
        if std::mem::take(&mut self.rollback_journal) {
            switch_journal(&self.conn, "wal");
        }
    }
}

const BATCH_SELECT: &str =
    "SELECT id, source, file_name, file_hash, file_bytes, format, imported_at,
    record_count, rejected_count, deletion_count, deleted_count, repaired_count FROM batch";

fn batch_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Batch> {
    Ok(Batch {
        id: r.get(0)?,
        source: r.get(1)?,
        file_name: r.get(2)?,
        file_hash: r.get(3)?,
        file_bytes: r.get(4)?,
        format: r.get(5)?,
        imported_at: r.get(6)?,
        records: r.get(7)?,
        rejected: r.get(8)?,
        deletions: r.get(9)?,
        deleted: r.get(10)?,
        repaired: r.get(11)?,
    })
}

/// An import in progress: one transaction. Dropping it without [`Import::commit`] rolls the
/// whole batch back.
pub struct Import<'c> {
    /// Held exclusively: nothing else uses the connection while the batch is open, and the batch
    /// may be filled from any thread.
    pub(crate) conn: &'c mut Connection,
    /// Whether the transaction is still open (rolled back on drop).
    open: bool,
    state: Suspended,
}

/// An import batch set aside with [`Import::suspend`], its transaction still open, so that a
/// caller can keep it between calls without borrowing the workspace; [`Workspace::resume_import`]
/// takes it up again. Dropped without being resumed, it leaves the transaction open until the
/// workspace closes, which rolls it back.
pub(crate) struct Suspended {
    batch: i64,
    records: i64,
    rejected: i64,
    repaired: i64,
    deletions: i64,
    deleted: i64,
    /// Whether the batch row holds its file's hash (see [`FileInfo::unhashed`]).
    hashed: bool,
    /// Starts the kernel writing stored pages early (see `writeback`).
    writeback: writeback::Writeback,
}

impl Suspended {
    /// No batch: what a suspended import leaves in its place (not public, so that no batch can
    /// be made up outside [`Workspace::begin_import`]).
    fn none() -> Suspended {
        Suspended {
            batch: 0,
            records: 0,
            rejected: 0,
            repaired: 0,
            deletions: 0,
            deleted: 0,
            hashed: false,
            writeback: writeback::Writeback::default(),
        }
    }
}

/// A record ready to be stored: its matching keys and its JSON, computed wherever the record was
/// read (so that the thread writing the database does nothing else).
///
/// Every text lives in one buffer: the short fields one after another, then the JSON. Records
/// are built on the parsing threads and freed on the storing thread, so one buffer means one
/// allocation and one free from another thread instead of one per field.
pub struct Prepared {
    text: Box<[u8]>,
    /// Where each of the [`FIELDS`] ends in `text`; the JSON follows the last.
    ends: [usize; FIELDS],
    /// Bit `i` set when field `i` is present (an empty field is not an absent one).
    present: u8,
    year: Option<u16>,
    version: Option<Version>,
    byte: u64,
    line: u64,
}

thread_local! {
    /// Where a [`Prepared`] record is written before it is copied out at its size: the room
    /// sonic-rs reserves for escaping is then made once per thread, not once per record.
    static SCRATCH: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The most room [`SCRATCH`] keeps between records.
const SCRATCH_KEPT: usize = 1 << 20;

/// The short texts of a [`Prepared`] record, in the order they are written.
const FIELDS: usize = 8;
const PMID: usize = 0;
const DOI: usize = 1;
const PMC: usize = 2;
const TITLE_KEY: usize = 3;
const FIRST_AUTHOR: usize = 4;
const TITLE: usize = 5;
const JOURNAL: usize = 6;
const LANGUAGE: usize = 7;

impl Prepared {
    /// Computes the keys and the JSON of a record.
    pub fn new(r: &Record) -> Result<Prepared> {
        let keys = Keys::of(r);
        let mut fields: [Option<&str>; FIELDS] = [None; FIELDS];
        fields[PMID] = keys.pmid.as_deref();
        fields[DOI] = keys.doi.as_deref();
        fields[PMC] = keys.pmc.as_deref();
        fields[TITLE_KEY] = Some(&keys.title);
        fields[FIRST_AUTHOR] = keys.first_author.as_deref();
        fields[TITLE] = r.title.as_deref();
        fields[JOURNAL] = r.journal.as_deref();
        fields[LANGUAGE] = r.languages.first().map(String::as_str);
        let mut ends = [0; FIELDS];
        let mut present = 0u8;
        let text = SCRATCH.with_borrow_mut(|scratch| -> Result<Box<[u8]>> {
            scratch.clear();
            for (i, field) in fields.iter().enumerate() {
                if let Some(field) = field {
                    scratch.extend_from_slice(field.as_bytes());
                    present |= 1 << i;
                }
                ends[i] = scratch.len();
            }
            write_json(scratch, r)?;
            let text = Box::from(scratch.as_slice());
            if scratch.capacity() > SCRATCH_KEPT {
                // A huge record's room is not kept for the records after it.
                *scratch = Vec::new();
            }
            Ok(text)
        })?;
        Ok(Prepared {
            text,
            ends,
            present,
            year: keys.year,
            version: keys.version,
            byte: r.position.byte,
            line: r.position.line,
        })
    }

    /// Field `i` (one of the [`FIELDS`]), as SQL text or NULL.
    fn field(&self, i: usize) -> SqlText<'_> {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        SqlText((self.present >> i & 1 == 1).then(|| &self.text[start..self.ends[i]]))
    }

    /// The record as JSON.
    fn json(&self) -> &[u8] {
        &self.text[self.ends[FIELDS - 1]..]
    }
}

/// UTF-8 bytes bound as SQL text (NULL for None), without checking them again as a `str`.
struct SqlText<'a>(Option<&'a [u8]>);

impl rusqlite::ToSql for SqlText<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(ToSqlOutput::Borrowed(match self.0 {
            Some(bytes) => ValueRef::Text(bytes),
            None => ValueRef::Null,
        }))
    }
}

/// A record as JSON, appended to `out`. sonic-rs escapes strings with SIMD, where serde_json
/// escapes byte by byte; the text is the same plain JSON, read back with serde_json. sonic-rs reserves room
/// for the worst case of escaping, about four times the text, so the caller copies the text out
/// at its size: records wait in a queue for the database, and that room was most of an import's
/// memory.
fn write_json(out: &mut Vec<u8>, r: &Record) -> Result<()> {
    sonic_rs::to_writer(out, r)?;
    Ok(())
}

impl Import<'_> {
    /// Sets the batch aside without ending it (see [`Suspended`]).
    pub(crate) fn suspend(mut self) -> Suspended {
        self.open = false;
        std::mem::replace(&mut self.state, Suspended::none())
    }

    /// Stores one item of the file.
    pub fn add(&mut self, item: Item) -> Result<()> {
        match item {
            Item::Record(r) => self.add_prepared(Prepared::new(&r)?),
            other => self.add_other(other),
        }
    }

    /// Stores a record prepared (keys computed, JSON written) on another thread.
    pub fn add_prepared(&mut self, p: Prepared) -> Result<()> {
        let mut stmt = self.conn.prepare_cached(
            "INSERT INTO record (batch_id, byte, line, pmid, doi, pmc, title, title_key,
                 year, first_author, journal, language, version, data)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
        )?;
        stmt.execute(params![
            self.state.batch,
            p.byte as i64,
            p.line as i64,
            p.field(PMID),
            p.field(DOI),
            p.field(PMC),
            p.field(TITLE),
            p.field(TITLE_KEY),
            p.year,
            p.field(FIRST_AUTHOR),
            p.field(JOURNAL),
            p.field(LANGUAGE),
            p.version.map(Version::name),
            SqlText(Some(p.json())),
        ])?;
        self.state.records += 1;
        if self.state.records % writeback::EVERY == 0 {
            self.state.writeback.start();
        }
        Ok(())
    }

    fn add_other(&mut self, item: Item) -> Result<()> {
        match item {
            Item::Record(r) => self.add_prepared(Prepared::new(&r)?)?,
            Item::Delete(pmids) => {
                let mut stmt = self.conn.prepare_cached(
                    "UPDATE record SET deleted_by = ?1
                     WHERE pmid = ?2 AND deleted_by IS NULL AND batch_id <> ?1",
                )?;
                for pmid in &pmids {
                    self.state.deleted +=
                        stmt.execute(params![self.state.batch, pmid.trim()])? as i64;
                }
                self.state.deletions += pmids.len() as i64;
            }
            Item::Rejected(p) => {
                self.add_problem("rejected", &p)?;
                self.state.rejected += 1;
            }
            Item::Repaired(p) => {
                self.add_problem("repaired", &p)?;
                self.state.repaired += 1;
            }
        }
        Ok(())
    }

    /// Stores a reader's problem in `table` (`rejected` or `repaired`).
    fn add_problem(&self, table: &str, p: &concur_lit::Problem) -> Result<()> {
        self.conn
            .prepare_cached(&format!(
                "INSERT INTO {table} (batch_id, byte, line, reason) VALUES (?1, ?2, ?3, ?4)"
            ))?
            .execute(params![
                self.state.batch,
                p.position.byte as i64,
                p.position.line as i64,
                p.reason
            ])?;
        Ok(())
    }

    /// Records so far.
    pub fn records(&self) -> i64 {
        self.state.records
    }

    /// Sets the hash of a file begun with [`FileInfo::unhashed`]. If another batch, committed
    /// meanwhile, already holds a file with that hash, it is returned and this batch should be
    /// dropped (rolled back): the file was imported already.
    pub fn set_file_hash(&mut self, hash: &str) -> Result<Option<Batch>> {
        let earlier = self
            .conn
            .query_row(
                &format!("{BATCH_SELECT} WHERE file_hash = ?1 AND id <> ?2"),
                params![hash, self.state.batch],
                batch_row,
            )
            .optional()?;
        if earlier.is_none() {
            self.conn.execute(
                "UPDATE batch SET file_hash = ?2 WHERE id = ?1",
                params![self.state.batch, hash],
            )?;
            self.state.hashed = true;
        }
        Ok(earlier)
    }

    /// Names the source database of the batch (from what its records say), in place of the one
    /// it began with.
    pub(crate) fn set_source(&mut self, source: &str) -> Result<()> {
        self.conn.execute(
            "UPDATE batch SET source = ?2 WHERE id = ?1",
            params![self.state.batch, source],
        )?;
        Ok(())
    }

    /// Finishes the batch: counts and an audit-log entry written, transaction committed. A batch
    /// of an unhashed file needs [`Import::set_file_hash`] first.
    pub fn commit(mut self) -> Result<Batch> {
        if !self.state.hashed {
            return Err(StoreError::Unhashed);
        }
        self.conn.execute(
            "UPDATE batch SET record_count = ?2, rejected_count = ?3, deletion_count = ?4,
                 deleted_count = ?5, repaired_count = ?6 WHERE id = ?1",
            params![
                self.state.batch,
                self.state.records,
                self.state.rejected,
                self.state.deletions,
                self.state.deleted,
                self.state.repaired
            ],
        )?;
        let batch = self.conn.query_row(
            &format!("{BATCH_SELECT} WHERE id = ?1"),
            [self.state.batch],
            batch_row,
        )?;
        // The audit entry commits with the batch: one transaction (and one sync) fewer, and no
        // batch without its entry.
        self.conn.execute(
            "INSERT INTO audit_log (at, command, detail)
             VALUES (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), 'import', ?1)",
            [format!(
                "batch {} {} ({}, {}): {} records, {} rejected, {} repaired, {} deleted",
                batch.id,
                batch.file_name,
                batch.source,
                batch.file_hash,
                batch.records,
                batch.rejected,
                batch.repaired,
                batch.deleted
            )],
        )?;
        self.conn.execute_batch("COMMIT")?;
        self.open = false;
        Ok(batch)
    }
}

impl Drop for Import<'_> {
    /// A batch dropped without [`Import::commit`] is rolled back: nothing of it stays.
    fn drop(&mut self) {
        if self.open {
            let _ = self.conn.execute_batch("ROLLBACK");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use concur_lit::{Author, Position};

    proptest::proptest! {
        /// The record JSON (written with sonic-rs) is what serde_json writes, byte for byte, and
        /// reads back to the same record, whatever the texts hold (quotes, controls, any Unicode).
        #[test]
        fn record_json_is_serde_json(
            title in proptest::option::of(proptest::prelude::any::<String>()),
            text in "[\"\\\\/\u{0}-\u{1f}\u{7f}a-zé\u{2028}\u{1F600} ]{0,40}",
            keywords in proptest::collection::vec(proptest::prelude::any::<String>(), 0..4),
            year in proptest::option::of(proptest::prelude::any::<u16>()),
            byte in proptest::prelude::any::<u64>(),
            pmid in proptest::option::of("[0-9]{1,8}"),
            pmc in proptest::option::of("PMC[0-9]{1,8}"),
            doi in proptest::option::of("10\\.[0-9]{4}/[A-Za-z0-9.()-]{1,12}"),
            language in proptest::option::of("[a-z]{0,3}"),
        ) {
            let r = Record {
                title,
                pmid,
                pmc,
                doi,
                languages: language.into_iter().collect(),
                journal: Some(text.clone()),
                authors: vec![Author { last: text, ..Author::default() }],
                keywords,
                year,
                label: Some(true),
                position: Position { byte, line: 7 },
                ..Record::default()
            };
            let prepared = Prepared::new(&r).unwrap();
            let ours = String::from_utf8(prepared.json().to_vec()).unwrap();
            proptest::prop_assert_eq!(&ours, &serde_json::to_string(&r).unwrap());
            // The short fields come back out of the one buffer as they went in; an empty text stays
            // an empty text, not a missing one.
            let field = |i| prepared.field(i).0.map(|b| String::from_utf8(b.to_vec()).unwrap());
            let keys = Keys::of(&r);
            proptest::prop_assert_eq!(field(TITLE), r.title.clone());
            proptest::prop_assert_eq!(field(JOURNAL), r.journal.clone());
            proptest::prop_assert_eq!(field(LANGUAGE), r.languages.first().cloned());
            proptest::prop_assert_eq!(field(TITLE_KEY), Some(keys.title));
            proptest::prop_assert_eq!(field(FIRST_AUTHOR), keys.first_author);
            proptest::prop_assert_eq!(field(PMID), keys.pmid);
            proptest::prop_assert_eq!(field(DOI), keys.doi);
            proptest::prop_assert_eq!(field(PMC), keys.pmc);
            proptest::prop_assert_eq!((prepared.year, prepared.version), (keys.year, keys.version));
            proptest::prop_assert_eq!(serde_json::from_str::<Record>(&ours).unwrap(), r);
        }
    }
}
