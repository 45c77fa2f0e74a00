//! The review workspace: a folder with `concur.toml` and a SQLite database (`concur.db`, WAL).
//!
//! Imports are batches: one file, one transaction. A killed import leaves the database as it was
//! before the batch, and running it again completes it; importing the same file twice is a no-op
//! (files are known by their BLAKE3 hash). Deduplication runs are recorded with what each one
//! changed, so any run can be undone, and a person's "not a duplicate" is kept for later runs.
#![warn(missing_docs)]

use concur_lit::dedup::{self, Keys, Settings, Version};
use concur_lit::{Item, Record};
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// How long a command waits for another connection's write lock before giving up.
const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

mod schema;
mod writeback;

/// The workspace's settings file.
pub const CONFIG_FILE: &str = "concur.toml";
/// The workspace's database file.
pub const DATABASE_FILE: &str = "concur.db";

/// Errors of the workspace.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No workspace where one was looked for.
    #[error("no concur workspace in {0} or its parents (no {CONFIG_FILE}); create one with `concur init`")]
    NotFound(PathBuf),
    /// `init` on a folder that already is a workspace.
    #[error("{0} is already a concur workspace")]
    Exists(PathBuf),
    /// The settings file could not be read.
    #[error("{path}: {message}")]
    Config {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The database was written by a newer concur.
    #[error("the workspace database is at schema version {found}, newer than this concur knows ({known}); update concur")]
    NewerSchema {
        /// Version in the file.
        found: i64,
        /// Newest version this build knows.
        known: i64,
    },
    /// A request that the workspace's state does not allow.
    #[error("{0}")]
    Invalid(String),
    /// Another command held the workspace's write lock for longer than the busy timeout.
    #[error("the workspace is busy: another concur command (an import?) is writing to it; run this again when it has finished")]
    Busy,
    /// SQLite.
    #[error("database: {0}")]
    Sql(#[source] rusqlite::Error),
    /// Files.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// Record (de)serialisation.
    #[error("record data: {0}")]
    Json(#[from] serde_json::Error),
    /// A record that could not be written as JSON.
    #[error("record data: {0}")]
    JsonWrite(#[from] sonic_rs::Error),
}

type Result<T> = std::result::Result<T, StoreError>;

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) => {
                StoreError::Busy
            }
            _ => StoreError::Sql(e),
        }
    }
}

/// What `concur.toml` holds.
#[derive(Debug, Clone, Serialize, Deserialize, Default, PartialEq)]
pub struct Config {
    /// The review this workspace belongs to: a folder path (relative to the workspace) or empty
    /// for the review built into concur.
    #[serde(default)]
    pub review: Option<String>,
}

/// An open workspace.
pub struct Workspace {
    root: PathBuf,
    conn: Connection,
    /// The settings from `concur.toml`.
    pub config: Config,
    /// Whether import batches switched the database to the rollback journal, which it keeps
    /// until [`Workspace::finish_imports`] (see `Workspace::bulk_journal`).
    rollback_journal: bool,
}

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
    /// Creates a workspace in `dir` (created if missing).
    pub fn init(dir: &Path, config: Config) -> Result<Workspace> {
        std::fs::create_dir_all(dir)?;
        let config_path = dir.join(CONFIG_FILE);
        if config_path.exists() {
            return Err(StoreError::Exists(dir.to_path_buf()));
        }
        let text = format!(
            "# concur workspace: the records live in {DATABASE_FILE} (SQLite)\n{}",
            toml::to_string(&config).map_err(|e| StoreError::Config {
                path: config_path.clone(),
                message: e.to_string(),
            })?
        );
        std::fs::write(&config_path, text)?;
        Workspace::open(dir)
    }

    /// Finds the workspace at `start` or in one of its parents.
    pub fn find(start: &Path) -> Result<PathBuf> {
        let mut dir = Some(start);
        while let Some(d) = dir {
            if d.join(CONFIG_FILE).is_file() {
                return Ok(d.to_path_buf());
            }
            dir = d.parent();
        }
        Err(StoreError::NotFound(start.to_path_buf()))
    }

    /// Opens the workspace in `dir`, migrating its database to the current schema.
    pub fn open(dir: &Path) -> Result<Workspace> {
        let config_path = dir.join(CONFIG_FILE);
        let text = std::fs::read_to_string(&config_path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                StoreError::NotFound(dir.to_path_buf())
            } else {
                StoreError::Io(e)
            }
        })?;
        let config: Config = toml::from_str(&text).map_err(|e| StoreError::Config {
            path: config_path,
            message: e.to_string(),
        })?;
        let mut conn = Connection::open(dir.join(DATABASE_FILE))?;
        // The largest pages SQLite allows: records of about 4 KB of JSON pack into fewer, fuller
        // pages, so imports write less (XML 0.76 -> 0.73 s, RIS 1.17 -> 1.09 s, and the
        // database 11 % smaller than with 16 KB pages). Set before the first table exists;
        // ignored for an existing database.
        conn.pragma_update(None, "page_size", 65536)?;
        // Back to WAL if a bulk import batch was killed (its hot journal is rolled back first).
        // While another command writes bulk batches the switch is refused at once; that command
        // switches back itself when its imports end.
        switch_journal(&conn, "wal");
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        // A 4 MB page cache. A 64 MB one made imports slower, not faster (XML 0.87 -> 0.79 s,
        // RIS 1.14 -> 1.09 s, medians of interleaved runs): its pages are faulted in one by one,
        // and a batch's pages then go to the file at commit, when nothing else runs.
        conn.pragma_update(None, "cache_size", -4096)?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        schema::migrate(&mut conn)?;
        Ok(Workspace {
            root: dir.to_path_buf(),
            conn,
            config,
            rollback_journal: false,
        })
    }

    /// The workspace folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The schema version of the database.
    pub fn schema_version(&self) -> Result<i64> {
        Ok(self
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))?)
    }

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
        self.rollback_journal |= self.bulk_journal();
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
    pub fn resume_import(&mut self, batch: Suspended) -> Import<'_> {
        Import {
            conn: &mut self.conn,
            open: true,
            state: batch,
        }
    }

    /// Switches to a rollback journal for import batches, when no other connection has the
    /// database open (nothing is done when it is in that journal already). A batch's pages are
    /// then written once, into the database file, instead of into the WAL and again by the
    /// checkpoint that follows (a 30,000-record PubMed import went from 1.00 to 0.79 s;
    /// docs/benchmarks.md). The batch stays one transaction either way: a killed import leaves a
    /// hot journal that the next open rolls back. When another connection is open (a running web
    /// app, say) the switch is refused at once and the batch goes through the WAL. The workspace
    /// stays in the rollback journal from batch to batch, and returns to WAL with
    /// [`Workspace::finish_imports`], when it is dropped, or at the next open: switching at every
    /// batch cost two more transactions, six syncs, per file (docs/benchmarks.md). The price: a
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

    /// Appends to the audit log.
    pub fn log(&self, command: &str, detail: &str) -> Result<()> {
        self.conn.execute(
            "INSERT INTO audit_log (at, command, detail)
             VALUES (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), ?1, ?2)",
            params![command, detail],
        )?;
        Ok(())
    }

    /// The audit log, oldest first: (time, command, detail).
    pub fn audit_log(&self) -> Result<Vec<(String, String, String)>> {
        let mut stmt = self
            .conn
            .prepare("SELECT at, command, detail FROM audit_log ORDER BY id")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
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
    conn: &'c mut Connection,
    /// Whether the transaction is still open (rolled back on drop).
    open: bool,
    state: Suspended,
}

/// An import batch set aside with [`Import::suspend`], its transaction still open, so that a
/// caller can keep it between calls without borrowing the workspace; [`Workspace::resume_import`]
/// takes it up again. Dropped without being resumed, it leaves the transaction open until the
/// workspace closes, which rolls it back.
pub struct Suspended {
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
/// are built on the parsing threads and freed on the storing thread, and nine strings each
/// meant nine frees from another thread and nine allocations (docs/benchmarks.md).
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

/// A record as JSON, appended to `out`. sonic-rs escapes strings with SIMD: serde_json's
/// byte-by-byte escaping was a twentieth of a PubMed import's CPU (0.70 -> 0.67 s;
/// docs/benchmarks.md). The text is plain JSON, read back with serde_json. sonic-rs reserves room
/// for the worst case of escaping, about four times the text, so the caller copies the text out
/// at its size: records wait in a queue for the database, and that room was most of an import's
/// memory.
fn write_json(out: &mut Vec<u8>, r: &Record) -> Result<()> {
    sonic_rs::to_writer(out, r)?;
    Ok(())
}

impl Import<'_> {
    /// Sets the batch aside without ending it (see [`Suspended`]).
    pub fn suspend(mut self) -> Suspended {
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

    /// Finishes the batch: counts and an audit-log entry written, transaction committed. A batch
    /// of an unhashed file needs [`Import::set_file_hash`] first.
    pub fn commit(mut self) -> Result<Batch> {
        if !self.state.hashed {
            return Err(StoreError::Invalid(
                "an import batch cannot be committed before its file's hash is known".into(),
            ));
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
    .ok_or_else(|| StoreError::Invalid(format!("there is no record {record}")))
}

/// The records of the cluster a record is in (itself alone if it is in none), in id order.
fn cluster_of(conn: &Connection, record: i64) -> Result<Vec<i64>> {
    let primary = primary_of(conn, record)?;
    let mut stmt =
        conn.prepare("SELECT id FROM record WHERE id = ?1 OR duplicate_of = ?1 ORDER BY id")?;
    let rows = stmt.query_map([primary.unwrap_or(record)], |r| r.get(0))?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

/// Sets the journal mode if no other connection stands in the way, without waiting for one;
/// whether the database is now in `mode`.
fn switch_journal(conn: &Connection, mode: &str) -> bool {
    let switched = conn.busy_timeout(std::time::Duration::ZERO).is_ok()
        && conn
            .pragma_update_and_check(None, "journal_mode", mode, |r| r.get::<_, String>(0))
            .is_ok_and(|now| now.eq_ignore_ascii_case(mode));
    let _ = conn.busy_timeout(BUSY_TIMEOUT);
    switched
}

impl Drop for Workspace {
    /// Back to WAL if import batches left the rollback journal on.
    fn drop(&mut self) {
        self.finish_imports();
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
        let tx = self.conn.transaction()?;
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
            return Err(StoreError::Invalid("there is no dedup run to undo".into()));
        };
        let run = run.unwrap_or(latest);
        if run != latest {
            return Err(StoreError::Invalid(format!(
                "run {run} is not the latest run still in effect ({latest}); undo {latest} first"
            )));
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
            return Err(StoreError::Invalid(format!(
                "record {record} is neither in a duplicate cluster nor in a pair to check by hand"
            )));
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
            return Err(StoreError::Invalid(format!(
                "records {record} and {other} are in one cluster; `--not-duplicate {other}` takes \
                 one out of it"
            )));
        }
        for a in &one {
            for b in &two {
                decide(&tx, *a, *b, Decision::Apart)?;
            }
        }
        tx.commit()?;
        Ok((one, two))
    }

    /// A person's decision that two records are one publication, whatever the matcher says
    /// (a pair it flagged, say): the next dedup run joins them, and so does every later run
    /// (replacing any earlier decision that they are different).
    pub fn keep_together(&mut self, record: i64, other: i64) -> Result<()> {
        if record == other {
            return Err(StoreError::Invalid(format!(
                "a record is one publication with itself already ({record})"
            )));
        }
        let tx = self.conn.transaction()?;
        for id in [record, other] {
            let deleted: Option<Option<i64>> = tx
                .query_row("SELECT deleted_by FROM record WHERE id = ?1", [id], |r| {
                    r.get(0)
                })
                .optional()?;
            match deleted {
                None => return Err(StoreError::Invalid(format!("there is no record {id}"))),
                Some(Some(batch)) => {
                    return Err(StoreError::Invalid(format!(
                        "record {id} was deleted by batch {batch} (a PubMed update) and takes part in no dedup run"
                    )))
                }
                Some(None) => {}
            }
        }
        decide(&tx, record, other, Decision::Together)?;
        tx.commit()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests;
