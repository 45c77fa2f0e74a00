//! The workspace: a folder with `concur.toml` and a SQLite database; opening, creating and
//! finding it, its settings and its audit log.

use crate::error::{Result, StoreError};
use crate::schema;
use rusqlite::{params, Connection};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// How long a command waits for another connection's write lock before giving up, unless
/// [`wait_patiently`] set another time on its thread.
pub const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// How often a waiting connection tries again.
const RETRY: std::time::Duration = std::time::Duration::from_millis(25);

/// How often the wait is told to the notice, while it lasts.
const NOTICE_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

/// Whom a waiting connection tells how long it has waited.
type Notice = fn(std::time::Duration);

thread_local! {
    /// How long connections used on this thread wait for another's lock, and whom they tell.
    static PATIENCE: std::cell::Cell<(std::time::Duration, Option<Notice>)> =
        const { std::cell::Cell::new((BUSY_TIMEOUT, None)) };
}

/// Makes connections used on this thread wait up to `limit` for another command's write lock
/// (an import batch, a dedup run) instead of [`BUSY_TIMEOUT`], calling `notice` with the time
/// waited every few seconds: a command queues behind another instead of failing. A front end
/// for people calls it once; a server keeps the short default, so that a request never hangs.
pub fn wait_patiently(limit: std::time::Duration, notice: fn(std::time::Duration)) {
    PATIENCE.with(|p| p.set((limit, Some(notice))));
}

/// SQLite's busy handler: sleeps and tries again until the thread's patience runs out.
fn patient(retries: i32) -> bool {
    let (limit, notice) = PATIENCE.with(std::cell::Cell::get);
    let waited = RETRY * u32::try_from(retries).unwrap_or(u32::MAX);
    if waited >= limit {
        return false;
    }
    let every = (NOTICE_EVERY.as_millis() / RETRY.as_millis()) as i32;
    if let (Some(notice), true) = (notice, retries > 0 && retries % every == 0) {
        notice(waited);
    }
    std::thread::sleep(RETRY);
    true
}

/// Installs the waiting busy handler.
pub(crate) fn be_patient(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_handler(Some(patient))
}

/// The workspace's settings file.
pub const CONFIG_FILE: &str = "concur.toml";
/// The workspace's database file.
pub const DATABASE_FILE: &str = "concur.db";

/// What `concur.toml` holds.
#[derive(Debug, Clone, Serialize, Deserialize, Default, PartialEq)]
pub struct Config {
    /// The review this workspace belongs to: a folder path (relative to the workspace) or empty
    /// for the review built into concur.
    #[serde(default)]
    pub review: Option<String>,
    /// NLM MeSH files searches use for explosion and entry terms (paths relative to the
    /// workspace, or absolute).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mesh: Vec<String>,
    /// Import batches through a rollback journal when no other command has the workspace open
    /// (each page written once: faster bulk loads), at the price that a command started during
    /// a batch waits for it. Off by default: batches go through the WAL and others read on.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub bulk_journal: bool,
}

impl Config {
    /// Settings for a workspace in `workspace` that serves the review folder `review`, stored
    /// relative to the workspace when it is inside it, so that the folder can move.
    pub fn for_review(workspace: &Path, review: &Path) -> Result<Config> {
        let absolute = std::fs::canonicalize(review)
            .map_err(|_| StoreError::NoReview(review.to_path_buf()))?;
        std::fs::create_dir_all(workspace)?;
        let root = std::fs::canonicalize(workspace)?;
        Ok(Config {
            mesh: Vec::new(),
            bulk_journal: false,
            review: Some(
                absolute
                    .strip_prefix(&root)
                    .map(Path::to_path_buf)
                    .unwrap_or(absolute)
                    .display()
                    .to_string(),
            ),
        })
    }
}

/// An open workspace.
pub struct Workspace {
    root: PathBuf,
    pub(crate) conn: Connection,
    /// The settings from `concur.toml`.
    pub config: Config,
    /// Whether import batches switched the database to the rollback journal, which it keeps
    /// until [`Workspace::finish_imports`] (see `Workspace::bulk_journal`).
    pub(crate) rollback_journal: bool,
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
        let ws = Workspace::open(dir)?;
        ws.log("init", &format!("schema {}", ws.schema_version()?))?;
        Ok(ws)
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

    /// The settings of the workspace in `dir`, without opening its database.
    pub fn config(dir: &Path) -> Result<Config> {
        let config_path = dir.join(CONFIG_FILE);
        let text = std::fs::read_to_string(&config_path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                StoreError::NotFound(dir.to_path_buf())
            } else {
                StoreError::Io(e)
            }
        })?;
        toml::from_str(&text).map_err(|e| StoreError::Config {
            path: config_path,
            message: e.to_string(),
        })
    }

    /// Opens the workspace in `dir`, migrating its database to the current schema.
    pub fn open(dir: &Path) -> Result<Workspace> {
        let config = Workspace::config(dir)?;
        let mut conn = Connection::open(dir.join(DATABASE_FILE))?;
        // The largest pages SQLite allows: records of a few kilobytes of JSON pack into fewer,
        // fuller pages, so imports write less and the database is smaller. Set before the first
        // table exists; ignored for an existing database.
        conn.pragma_update(None, "page_size", 65536)?;
        // Back to WAL if a bulk import batch was killed (its hot journal is rolled back first).
        // While another command writes bulk batches the switch is refused at once; that command
        // switches back itself when its imports end.
        switch_journal(&conn, "wal");
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        // A small page cache: a large one makes imports slower, not faster, as its pages are
        // faulted in one by one and a batch's pages then go to the file at commit, when nothing
        // else runs.
        conn.pragma_update(None, "cache_size", -4096)?;
        be_patient(&conn)?;
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

    /// Appends to the audit log.
    pub fn log(&self, command: &str, detail: &str) -> Result<()> {
        log(&self.conn, command, detail)
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

/// Appends to the audit log on a connection (inside the caller's transaction, if one is open).
pub(crate) fn log(conn: &Connection, command: &str, detail: &str) -> Result<()> {
    conn.execute(
        "INSERT INTO audit_log (at, command, detail)
         VALUES (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), ?1, ?2)",
        params![command, detail],
    )?;
    Ok(())
}

/// Sets the journal mode if no other connection stands in the way, without waiting for one;
/// whether the database is now in `mode`.
pub(crate) fn switch_journal(conn: &Connection, mode: &str) -> bool {
    let switched = conn.busy_timeout(std::time::Duration::ZERO).is_ok()
        && conn
            .pragma_update_and_check(None, "journal_mode", mode, |r| r.get::<_, String>(0))
            .is_ok_and(|now| now.eq_ignore_ascii_case(mode));
    let _ = be_patient(conn);
    switched
}

impl Drop for Workspace {
    /// Back to WAL if import batches left the rollback journal on.
    fn drop(&mut self) {
        self.finish_imports();
    }
}
