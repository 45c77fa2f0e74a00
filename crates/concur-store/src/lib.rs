//! The review workspace: a folder with `concur.toml` and a SQLite database (`concur.db`, WAL).
//!
//! Imports are batches: one file, one transaction. A killed import leaves the database as it was
//! before the batch, and running it again completes it; importing the same file twice is a no-op
//! (files are known by their BLAKE3 hash). Deduplication runs are recorded with what each one
//! changed, so any run can be undone, and a person's "not a duplicate" is kept for later runs.
#![warn(missing_docs)]

mod changes;
mod decisions;
mod dedup;
mod error;
mod extractions;
mod fulltexts;
mod import;
mod import_files;
mod records;
mod reviewers;
mod schema;
mod searches;
mod workspace;
mod writeback;

pub use decisions::{
    Decision, DecisionKind, InEffect, LimitHit, NewDecision, Outcome, Pairs, RecordState,
    Screening, ScreeningCounts, Stage, Verdict, AUTOMATION,
};
pub use dedup::{ClusterView, DedupResult, FlagView};
pub use error::StoreError;
pub use extractions::{Acceptance, Extraction, UpdateRun, EXTRACTIONS_DIR};
pub use fulltexts::{Attachment, NewFullText, FULLTEXT_DIR};
pub use import::{hash_file, Batch, FileHasher, FileInfo, Import, Prepared};
pub use import_files::{Failure, FileOutcome, ImportOptions, ImportProgress};
pub use records::{Counts, Filter, Status, StoredRecord};
pub use searches::{NewSearch, SavedSearch};
pub use workspace::{wait_patiently, Config, Workspace, BUSY_TIMEOUT, CONFIG_FILE, DATABASE_FILE};

/// The formats and matching settings a front end passes through to the readers and dedup.
pub use concur_lit::{dedup::Settings as DedupSettings, Format, OutFormat, Record};

#[cfg(test)]
mod tests;
