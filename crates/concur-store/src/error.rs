//! The store's errors: what went wrong, in words a person can act on.

use std::path::PathBuf;

use crate::workspace::CONFIG_FILE;

/// Errors of the workspace.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No workspace where one was looked for.
    #[error("no concur workspace in {0} or its parents (no {CONFIG_FILE}); create one first")]
    NotFound(PathBuf),
    /// A review folder named for a new workspace that does not exist.
    #[error("the review folder {0} does not exist")]
    NoReview(PathBuf),
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
    /// A decision with an exclusion reason the review does not list.
    #[error("`{reason}` is not one of the review's exclusion reasons ({known})")]
    UnknownReason {
        /// The reason given.
        reason: String,
        /// The reasons the review lists.
        known: String,
    },
    /// A reviewer name that is empty or holds characters other than letters, digits, `.`, `_`, `-`.
    #[error("`{0}` is not a reviewer name (a letter or digit, then letters, digits, `.`, `_` and `-`, at most 64)")]
    BadReviewer(String),
    /// A study id that cannot be a file name.
    #[error("`{0}` is not a study id (lower-case letters, digits and `-`, at most 80)")]
    BadStudyId(String),
    /// The reviewer has an extraction form for this study already.
    #[error("{reviewer} has an extraction form for {study} already: {}", path.display())]
    ExtractionExists {
        /// The study.
        study: String,
        /// The reviewer.
        reviewer: String,
        /// The form.
        path: PathBuf,
    },
    /// No form for this study by this reviewer.
    #[error("{reviewer} has no extraction form for {study}")]
    NoExtraction {
        /// The study.
        study: String,
        /// The reviewer.
        reviewer: String,
    },
    /// An undo when the reviewer has no decision in effect at the stage.
    #[error("{reviewer} has no {stage} decision to undo")]
    NoDecisionToUndo {
        /// The reviewer.
        reviewer: String,
        /// The stage.
        stage: &'static str,
    },
    /// A full-text decision on a record not included at title and abstract.
    #[error("record {0} has not passed title and abstract screening (included or maybe), so it has no full-text stage yet")]
    NotAtFullText(i64),
    /// A record number the workspace does not hold.
    #[error("there is no record {0}")]
    NoRecord(i64),
    /// An undo with no dedup run in effect.
    #[error("there is no dedup run to undo")]
    NothingToUndo,
    /// An undo of a run that a later run still builds on.
    #[error("run {run} is not the latest run still in effect ({latest}); undo {latest} first")]
    NotLatestRun {
        /// The run asked for.
        run: i64,
        /// The latest run still in effect.
        latest: i64,
    },
    /// "Not a duplicate" for a record that is in no cluster and no flagged pair.
    #[error("record {0} is neither in a duplicate cluster nor in a pair to check by hand")]
    NotInCluster(i64),
    /// "Different publications" for two records of one cluster.
    #[error("records {record} and {other} are in one cluster; a decision that record {other} is not a duplicate takes it out")]
    SameCluster {
        /// One record.
        record: i64,
        /// The other.
        other: i64,
    },
    /// "One publication" for a record and itself.
    #[error("a record is one publication with itself already ({0})")]
    SameRecord(i64),
    /// A decision about a record that a PubMed update deleted.
    #[error("record {record} was deleted by batch {batch} (a PubMed update) and takes part in no dedup run")]
    Deleted {
        /// The record.
        record: i64,
        /// The batch that deleted it.
        batch: i64,
    },
    /// A batch committed before its file's hash is known.
    #[error("an import batch cannot be committed before its file's hash is known")]
    Unhashed,
    /// Another command held the workspace's write lock for longer than the busy timeout.
    #[error("the workspace is busy: another concur command (an import?) is writing to it; run this again when it has finished")]
    Busy,
    /// SQLite.
    #[error("database: {0}")]
    Sql(#[source] rusqlite::Error),
    /// Files.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// Reading the files to import stopped.
    #[error("reading the files stopped: {0}")]
    Read(#[from] concur_lit::LitError),
    /// Record (de)serialisation.
    #[error("record data: {0}")]
    Json(#[from] serde_json::Error),
    /// A record that could not be written as JSON.
    #[error("record data: {0}")]
    JsonWrite(#[from] sonic_rs::Error),
}

pub(crate) type Result<T> = std::result::Result<T, StoreError>;

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
