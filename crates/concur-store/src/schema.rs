//! Schema migrations: each step runs once, in order, in a transaction; `PRAGMA user_version`
//! says how many have run. A database from a newer concur is refused rather than damaged.

use crate::error::{Result, StoreError};
use rusqlite::Connection;

/// The migrations, oldest first. Never edit a published step; add a new one.
const MIGRATIONS: &[&str] = &[
    // 1: batches, records, rejected records, deduplication runs and decisions, audit log.
    "CREATE TABLE batch (
        id INTEGER PRIMARY KEY,
        source TEXT NOT NULL,
        file_name TEXT NOT NULL,
        file_hash TEXT NOT NULL UNIQUE,
        file_bytes INTEGER NOT NULL,
        format TEXT NOT NULL,
        imported_at TEXT NOT NULL,
        record_count INTEGER NOT NULL DEFAULT 0,
        rejected_count INTEGER NOT NULL DEFAULT 0,
        deletion_count INTEGER NOT NULL DEFAULT 0,
        deleted_count INTEGER NOT NULL DEFAULT 0
    ) STRICT;
    CREATE TABLE record (
        id INTEGER PRIMARY KEY,
        batch_id INTEGER NOT NULL REFERENCES batch(id),
        byte INTEGER NOT NULL,
        line INTEGER NOT NULL,
        pmid TEXT,
        doi TEXT,
        pmc TEXT,
        title TEXT,
        title_key TEXT NOT NULL,
        year INTEGER,
        first_author TEXT,
        journal TEXT,
        language TEXT,
        version TEXT,
        data TEXT NOT NULL,
        deleted_by INTEGER REFERENCES batch(id),
        duplicate_of INTEGER REFERENCES record(id)
    ) STRICT;
    CREATE INDEX record_batch ON record(batch_id);
    CREATE INDEX record_pmid ON record(pmid) WHERE pmid IS NOT NULL;
    CREATE INDEX record_duplicate_of ON record(duplicate_of) WHERE duplicate_of IS NOT NULL;
    CREATE TABLE rejected (
        batch_id INTEGER NOT NULL REFERENCES batch(id),
        byte INTEGER NOT NULL,
        line INTEGER NOT NULL,
        reason TEXT NOT NULL
    ) STRICT;
    CREATE TABLE dedup_run (
        id INTEGER PRIMARY KEY,
        started_at TEXT NOT NULL,
        settings TEXT NOT NULL,
        clusters INTEGER NOT NULL,
        merged INTEGER NOT NULL,
        flagged INTEGER NOT NULL,
        undone_at TEXT
    ) STRICT;
    CREATE TABLE dedup_change (
        run_id INTEGER NOT NULL REFERENCES dedup_run(id),
        record_id INTEGER NOT NULL REFERENCES record(id),
        before INTEGER,
        after INTEGER,
        reason TEXT NOT NULL
    ) STRICT;
    CREATE TABLE dedup_flag (
        run_id INTEGER NOT NULL REFERENCES dedup_run(id),
        a INTEGER NOT NULL,
        b INTEGER NOT NULL,
        why TEXT NOT NULL
    ) STRICT;
    CREATE TABLE keep_apart (
        a INTEGER NOT NULL,
        b INTEGER NOT NULL,
        decided_at TEXT NOT NULL,
        PRIMARY KEY (a, b)
    ) STRICT;
    CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        command TEXT NOT NULL,
        detail TEXT NOT NULL
    ) STRICT;",
    // 2: places read with a repair (invalid UTF-8 replaced), apart from rejected records: their
    // records were kept, so they are not counted as rejected.
    "CREATE TABLE repaired (
        batch_id INTEGER NOT NULL REFERENCES batch(id),
        byte INTEGER NOT NULL,
        line INTEGER NOT NULL,
        reason TEXT NOT NULL
    ) STRICT;
    ALTER TABLE batch ADD COLUMN repaired_count INTEGER NOT NULL DEFAULT 0;",
    // 3: a person's decisions that two records are one publication (`dedup --same`).
    "CREATE TABLE keep_together (
        a INTEGER NOT NULL,
        b INTEGER NOT NULL,
        decided_at TEXT NOT NULL,
        PRIMARY KEY (a, b)
    ) STRICT;",
    // 4: what a copy of the records (the search index) needs to catch up: the workspace's
    // identity, and every change to a stored record after its insert (new records are found by
    // their id); and the log of saved searches.
    "CREATE TABLE workspace_identity (id TEXT NOT NULL) STRICT;
    INSERT INTO workspace_identity (id) VALUES (lower(hex(randomblob(16))));
    CREATE TABLE record_change (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        record_id INTEGER NOT NULL
    ) STRICT;
    CREATE TRIGGER record_updated AFTER UPDATE OF deleted_by, duplicate_of, data ON record
    BEGIN INSERT INTO record_change (record_id) VALUES (NEW.id); END;
    CREATE TRIGGER record_deleted AFTER DELETE ON record
    BEGIN INSERT INTO record_change (record_id) VALUES (OLD.id); END;
    CREATE TABLE search_run (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        database TEXT NOT NULL,
        query TEXT NOT NULL,
        translation TEXT NOT NULL,
        run_at TEXT NOT NULL,
        count INTEGER NOT NULL,
        results TEXT NOT NULL,
        detail TEXT NOT NULL DEFAULT '{}'
    ) STRICT;
    CREATE INDEX search_run_name ON search_run(name);",
    // 5: screening decisions, never overwritten: a changed decision, an undo and a resolution are
    // new rows. `shown` keeps what the ranking put before a reviewer, so a decision records the
    // model and rank that led to it.
    "CREATE TABLE decision (
        id INTEGER PRIMARY KEY,
        record_id INTEGER NOT NULL REFERENCES record(id),
        reviewer TEXT NOT NULL,
        stage TEXT NOT NULL CHECK (stage IN ('title-abstract', 'full-text')),
        kind TEXT NOT NULL CHECK (kind IN ('screen', 'resolve', 'auto', 'undo')),
        decision TEXT CHECK (decision IN ('include', 'exclude', 'maybe')),
        undoes INTEGER REFERENCES decision(id),
        reason TEXT,
        reason_text TEXT,
        note TEXT,
        model TEXT,
        rank INTEGER,
        decided_at TEXT NOT NULL
    ) STRICT;
    CREATE INDEX decision_record ON decision(record_id);
    CREATE TABLE shown (
        reviewer TEXT NOT NULL,
        stage TEXT NOT NULL,
        record_id INTEGER NOT NULL REFERENCES record(id),
        model TEXT NOT NULL,
        rank INTEGER NOT NULL,
        shown_at TEXT NOT NULL,
        PRIMARY KEY (reviewer, stage, record_id)
    ) STRICT;",
    // 6: full texts attached to records. The files live in the workspace folder under
    // `fulltext/`, named by their BLAKE3 hash; a newer attachment of a record supersedes the
    // older, which is kept.
    "CREATE TABLE fulltext (
        id INTEGER PRIMARY KEY,
        record_id INTEGER NOT NULL REFERENCES record(id),
        hash TEXT NOT NULL,
        file_name TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('pdf', 'txt')),
        bytes INTEGER NOT NULL,
        pages INTEGER NOT NULL,
        attached_at TEXT NOT NULL
    ) STRICT;
    CREATE INDEX fulltext_record ON fulltext(record_id);",
    // 7: the living cycle. Extraction forms live as files under `extractions/REVIEWER/`; these
    // rows say which record each came from. An acceptance records a study moved into the review
    // folder; an update run records what `concur update` found, so the next run can say what is
    // new since.
    "CREATE TABLE extraction (
        study TEXT NOT NULL,
        reviewer TEXT NOT NULL,
        record_id INTEGER REFERENCES record(id),
        created_at TEXT NOT NULL,
        PRIMARY KEY (study, reviewer)
    ) STRICT;
    CREATE TABLE acceptance (
        id INTEGER PRIMARY KEY,
        study TEXT NOT NULL,
        edition TEXT NOT NULL,
        extracted_by TEXT NOT NULL,
        checked_by TEXT NOT NULL,
        record_id INTEGER REFERENCES record(id),
        accepted_at TEXT NOT NULL
    ) STRICT;
    CREATE TABLE update_run (
        id INTEGER PRIMARY KEY,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        last_record INTEGER NOT NULL,
        summary TEXT NOT NULL DEFAULT '{}'
    ) STRICT;",
    // 8: reviewers who sign in to the web app: only a hash of each token is kept.
    "CREATE TABLE reviewer (
        name TEXT PRIMARY KEY,
        token_hash TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL
    ) STRICT;",
];

/// The first schema version, as it was published (for migration tests).
#[cfg(test)]
pub(crate) const FIRST: &str = MIGRATIONS[0];

/// The newest schema version this build knows.
pub const CURRENT: i64 = MIGRATIONS.len() as i64;

/// Brings the database to [`CURRENT`].
pub(crate) fn migrate(conn: &mut Connection) -> Result<()> {
    let found: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if found > CURRENT {
        return Err(StoreError::NewerSchema {
            found,
            known: CURRENT,
        });
    }
    for (step, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", step as i64 + 1)?;
        tx.commit()?;
    }
    Ok(())
}
