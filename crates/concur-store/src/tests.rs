use super::*;
use crate::schema;
use concur_lit::dedup::Settings;
use concur_lit::{Author, Item, Position, Problem, Record};
use rusqlite::Connection;
use std::path::Path;

fn record(pmid: Option<&str>, title: &str, year: u16) -> Item {
    Item::Record(Box::new(Record {
        pmid: pmid.map(str::to_string),
        title: Some(title.into()),
        year: Some(year),
        authors: vec![Author {
            last: "Stumpf".into(),
            ..Author::default()
        }],
        ..Record::default()
    }))
}

fn file(name: &str) -> FileInfo {
    FileInfo {
        file_name: name.into(),
        hash: format!("hash-of-{name}"),
        bytes: 10,
    }
}

#[test]
fn init_open_and_migrate() {
    let dir = tempfile::tempdir().unwrap();
    let ws = Workspace::init(dir.path(), Config::default()).unwrap();
    assert_eq!(ws.schema_version().unwrap(), schema::CURRENT);
    drop(ws);
    assert!(matches!(
        Workspace::init(dir.path(), Config::default()),
        Err(StoreError::Exists(_))
    ));
    let sub = dir.path().join("a/b");
    std::fs::create_dir_all(&sub).unwrap();
    assert_eq!(Workspace::find(&sub).unwrap(), dir.path());
    // A database from a newer concur is refused.
    let conn = Connection::open(dir.path().join(DATABASE_FILE)).unwrap();
    conn.pragma_update(None, "user_version", 99).unwrap();
    drop(conn);
    assert!(matches!(
        Workspace::open(dir.path()),
        Err(StoreError::NewerSchema { found: 99, .. })
    ));
}

#[test]
fn a_first_version_database_gains_the_repairs_table_and_keeps_its_batches() {
    let dir = tempfile::tempdir().unwrap();
    drop(Workspace::init(dir.path(), Config::default()).unwrap());
    // Rebuild the database as the first schema version left it, with one batch.
    let path = dir.path().join(DATABASE_FILE);
    std::fs::remove_file(&path).unwrap();
    let conn = Connection::open(&path).unwrap();
    conn.execute_batch(schema::FIRST).unwrap();
    conn.pragma_update(None, "user_version", 1).unwrap();
    conn.execute(
        "INSERT INTO batch (source, file_name, file_hash, file_bytes, format, imported_at,
             record_count, rejected_count)
         VALUES ('pubmed', 'a.xml', 'h', 10, 'pubmed-xml', '2026-01-01T00:00:00Z', 3, 1)",
        [],
    )
    .unwrap();
    drop(conn);
    let ws = Workspace::open(dir.path()).unwrap();
    assert_eq!(ws.schema_version().unwrap(), schema::CURRENT);
    let batches = ws.batches().unwrap();
    assert_eq!(
        (batches[0].records, batches[0].rejected, batches[0].repaired),
        (3, 1, 0)
    );
}

#[test]
fn batches_deletions_rollback_and_dedup_with_undo() {
    let dir = tempfile::tempdir().unwrap();
    let mut ws = Workspace::init(dir.path(), Config::default()).unwrap();
    let mut import = ws
        .begin_import(&file("a.xml"), "pubmed", "pubmed-xml")
        .unwrap();
    import
        .add(record(
            Some("1"),
            "Radionecrosis after radiosurgery with T-DM1",
            2019,
        ))
        .unwrap();
    import
        .add(record(
            Some("2"),
            "Bone metastases irradiated during T-DM1 treatment",
            2016,
        ))
        .unwrap();
    import
        .add(Item::Rejected(Problem {
            position: Position { byte: 5, line: 2 },
            reason: "bad".into(),
        }))
        .unwrap();
    import
        .add(Item::Repaired(Problem {
            position: Position { byte: 9, line: 3 },
            reason: "invalid UTF-8 replaced".into(),
        }))
        .unwrap();
    let batch = import.commit().unwrap();
    // A repair is reported apart: its record was kept, so it is no rejection.
    assert_eq!((batch.records, batch.rejected, batch.repaired), (2, 1, 1));
    assert_eq!(ws.counts().unwrap().rejected, 1);
    assert_eq!(
        ws.batch_with_hash("hash-of-a.xml").unwrap().unwrap().id,
        batch.id
    );

    // An import dropped before commit leaves nothing behind.
    let mut import = ws.begin_import(&file("b.ris"), "embase", "ris").unwrap();
    import
        .add(record(
            None,
            "Radionecrosis after Radiosurgery with T-DM1.",
            2019,
        ))
        .unwrap();
    drop(import);
    assert_eq!(ws.batches().unwrap().len(), 1);
    assert_eq!(ws.records(&Filter::default()).unwrap().len(), 2);

    let mut import = ws.begin_import(&file("b.ris"), "embase", "ris").unwrap();
    import
        .add(record(
            None,
            "Radionecrosis after Radiosurgery with T-DM1.",
            2019,
        ))
        .unwrap();
    let Item::Record(mut preprint) =
        record(None, "Radionecrosis after radiosurgery with T-DM1", 2019)
    else {
        unreachable!()
    };
    preprint.journal = Some("medRxiv".into());
    import.add(Item::Record(preprint)).unwrap();
    import.commit().unwrap();

    let dry = ws.dedup(Settings::default(), true).unwrap();
    assert_eq!(dry.run, None);
    assert_eq!(dry.clusters.len(), 1);
    assert_eq!(
        ws.counts().unwrap().duplicates,
        0,
        "a dry run changes nothing"
    );
    let run = ws.dedup(Settings::default(), false).unwrap();
    assert_eq!(run.newly_merged, 1);
    assert!(!run.flagged.is_empty() && run.flagged.iter().all(|f| f.why.contains("preprint")));
    assert_eq!(ws.flagged().unwrap(), run.flagged);
    assert_eq!(run.clusters[0].primary, 1, "the PubMed record is kept");
    let counts = ws.counts().unwrap();
    assert_eq!(counts.duplicates, 1);
    assert_eq!(
        counts.identified,
        [("embase".to_string(), 2), ("pubmed".to_string(), 2)]
    );
    let dup = ws.record(3).unwrap().unwrap();
    assert_eq!((dup.status, dup.duplicate_of), (Status::Duplicate, Some(1)));
    assert_eq!(ws.record(1).unwrap().unwrap().status, Status::Primary);

    // Undo, redo, then a person keeps the pair apart and later runs respect it.
    assert_eq!(ws.undo_dedup(None).unwrap(), (run.run.unwrap(), 1));
    assert_eq!(ws.counts().unwrap().duplicates, 0);
    assert!(ws.undo_dedup(None).is_err());
    ws.dedup(Settings::default(), false).unwrap();
    assert_eq!(ws.keep_apart(3).unwrap(), [1]);
    assert_eq!(
        ws.dedup(Settings::default(), false).unwrap().clusters.len(),
        0
    );

    // An update file deletes PMID 2.
    let mut import = ws
        .begin_import(&file("update.xml"), "pubmed", "pubmed-xml")
        .unwrap();
    import
        .add(Item::Delete(vec!["2".into(), "999".into()]))
        .unwrap();
    let update = import.commit().unwrap();
    assert_eq!((update.deletions, update.deleted), (2, 1));
    let deleted = Filter {
        status: Some(Status::Deleted),
        ..Filter::default()
    };
    assert_eq!(ws.records(&deleted).unwrap()[0].id, 2);
}

#[test]
fn a_batch_can_be_filled_from_several_threads_in_turn() {
    // The import stores records on whichever parsing thread hands them out; the batch must be
    // `Send` (this fails to compile otherwise) and one transaction whatever thread adds.
    let dir = tempfile::tempdir().unwrap();
    let mut ws = Workspace::init(dir.path(), Config::default()).unwrap();
    let import = std::sync::Mutex::new(ws.begin_import(&file("a.ris"), "scopus", "ris").unwrap());
    std::thread::scope(|scope| {
        for t in 0..2 {
            let import = &import;
            scope.spawn(move || {
                for i in 0..50 {
                    let title = format!("Record {i} of thread {t}");
                    let item = record(Some(&format!("{t}{i:03}")), &title, 2020);
                    import.lock().unwrap().add(item).unwrap();
                }
            });
        }
    });
    let batch = import.into_inner().unwrap().commit().unwrap();
    assert_eq!(batch.records, 100);
    assert_eq!(ws.records(&Filter::default()).unwrap().len(), 100);
}

#[test]
fn a_suspended_batch_goes_on_where_it_stopped_and_still_rolls_back_whole() {
    let dir = tempfile::tempdir().unwrap();
    let mut ws = Workspace::init(dir.path(), Config::default()).unwrap();
    let mut kept = None;
    for i in 0..3 {
        let mut batch = match kept.take() {
            None => ws.begin_import(&file("a.ris"), "scopus", "ris").unwrap(),
            Some(s) => ws.resume_import(s),
        };
        batch
            .add(record(Some(&format!("{i}")), &format!("Record {i}"), 2020))
            .unwrap();
        kept = Some(batch.suspend());
    }
    // Dropped after resuming: the whole batch goes, not only the last part.
    drop(ws.resume_import(kept.take().unwrap()));
    assert!(ws.records(&Filter::default()).unwrap().is_empty());
    assert!(ws.batches().unwrap().is_empty());
    let mut kept = ws
        .begin_import(&file("a.ris"), "scopus", "ris")
        .unwrap()
        .suspend();
    for i in 0..3 {
        let mut batch = ws.resume_import(kept);
        batch
            .add(record(Some(&format!("{i}")), &format!("Record {i}"), 2020))
            .unwrap();
        kept = batch.suspend();
    }
    let batch = ws.resume_import(kept).commit().unwrap();
    assert_eq!(batch.records, 3);
    assert_eq!(ws.records(&Filter::default()).unwrap().len(), 3);
}

fn journal_mode(conn: &Connection) -> String {
    conn.pragma_query_value(None, "journal_mode", |r| r.get(0))
        .unwrap()
}

/// The journal mode the database file's header holds, as a new connection finds it.
fn stored_journal_mode(dir: &Path) -> String {
    journal_mode(&Connection::open(dir.join(DATABASE_FILE)).unwrap())
}

/// Settings that let import batches use the rollback journal.
fn bulk() -> Config {
    Config {
        bulk_journal: true,
        ..Config::default()
    }
}

#[test]
fn by_default_a_batch_goes_through_the_wal_and_others_read_while_it_writes() {
    let dir = tempfile::tempdir().unwrap();
    let mut ws = Workspace::init(dir.path(), Config::default()).unwrap();
    let mut import = ws.begin_import(&file("a.ris"), "ris", "ris").unwrap();
    assert_eq!(journal_mode(import.conn), "wal");
    for i in 0..2000 {
        import
            .add(record(Some(&i.to_string()), &format!("Record {i}"), 2020))
            .unwrap();
    }
    // A reader opened while the batch writes reads at once what was committed before it.
    let reader = std::thread::spawn({
        let dir = dir.path().to_path_buf();
        move || {
            crate::wait_patiently(std::time::Duration::ZERO, |_| {});
            let other = Workspace::open(&dir).unwrap();
            other.records(&Filter::default()).unwrap().len()
        }
    });
    assert_eq!(reader.join().unwrap(), 0);
    import.commit().unwrap();
    assert_eq!(ws.records(&Filter::default()).unwrap().len(), 2000);
}

#[test]
fn batches_alone_use_the_rollback_journal_and_the_workspace_returns_to_wal() {
    let dir = tempfile::tempdir().unwrap();
    let mut ws = Workspace::init(dir.path(), bulk()).unwrap();
    assert_eq!(journal_mode(&ws.conn), "wal");
    let mut import = ws.begin_import(&file("a.ris"), "ris", "ris").unwrap();
    assert_eq!(journal_mode(import.conn), "delete");
    import.add(record(Some("1"), "One", 2020)).unwrap();
    import.commit().unwrap();
    // Kept from batch to batch, whether the batch commits or is dropped (rolled back).
    assert_eq!(journal_mode(&ws.conn), "delete");
    let mut import = ws.begin_import(&file("b.ris"), "ris", "ris").unwrap();
    import.add(record(Some("2"), "Two", 2020)).unwrap();
    drop(import);
    assert_eq!(journal_mode(&ws.conn), "delete");
    assert_eq!(ws.records(&Filter::default()).unwrap().len(), 1);
    ws.finish_imports();
    assert_eq!(journal_mode(&ws.conn), "wal");
    // Dropping the workspace also returns to WAL.
    let mut import = ws.begin_import(&file("c.ris"), "ris", "ris").unwrap();
    import.add(record(Some("3"), "Three", 2020)).unwrap();
    import.commit().unwrap();
    assert_eq!(stored_journal_mode(dir.path()), "delete");
    drop(ws);
    assert_eq!(stored_journal_mode(dir.path()), "wal");
}

#[test]
fn a_command_opened_between_batches_sends_the_next_batch_through_the_wal() {
    let dir = tempfile::tempdir().unwrap();
    let mut ws = Workspace::init(dir.path(), bulk()).unwrap();
    let mut import = ws.begin_import(&file("a.ris"), "ris", "ris").unwrap();
    import.add(record(Some("1"), "One", 2020)).unwrap();
    import.commit().unwrap();
    assert_eq!(journal_mode(&ws.conn), "delete");
    // Opening returns the database to WAL (no batch holds it just now); the next batch cannot
    // leave it while the other command is open, and both see every committed record.
    let other = Workspace::open(dir.path()).unwrap();
    assert_eq!(other.records(&Filter::default()).unwrap().len(), 1);
    let mut import = ws.begin_import(&file("b.ris"), "ris", "ris").unwrap();
    assert_eq!(journal_mode(import.conn), "wal");
    import.add(record(Some("2"), "Two", 2020)).unwrap();
    import.commit().unwrap();
    assert_eq!(other.records(&Filter::default()).unwrap().len(), 2);
    ws.finish_imports();
    assert_eq!(journal_mode(&ws.conn), "wal");
}

#[test]
fn with_another_connection_open_a_batch_goes_through_the_wal() {
    let dir = tempfile::tempdir().unwrap();
    let mut ws = Workspace::init(dir.path(), Config::default()).unwrap();
    let reader = Workspace::open(dir.path()).unwrap();
    assert_eq!(reader.records(&Filter::default()).unwrap().len(), 0);
    let mut import = ws.begin_import(&file("a.ris"), "ris", "ris").unwrap();
    assert_eq!(
        journal_mode(import.conn),
        "wal",
        "the switch is refused while another connection is open"
    );
    import.add(record(Some("1"), "One", 2020)).unwrap();
    import.commit().unwrap();
    assert_eq!(journal_mode(&ws.conn), "wal");
    assert_eq!(reader.records(&Filter::default()).unwrap().len(), 1);
}

#[test]
fn a_command_opened_during_a_bulk_batch_reads_what_is_committed() {
    let dir = tempfile::tempdir().unwrap();
    let mut ws = Workspace::init(dir.path(), bulk()).unwrap();
    let mut import = ws.begin_import(&file("a.ris"), "ris", "ris").unwrap();
    assert_eq!(journal_mode(import.conn), "delete");
    import.add(record(Some("1"), "One", 2020)).unwrap();
    // Opening does not wait for the batch, and sees only what was committed before it.
    let other = Workspace::open(dir.path()).unwrap();
    assert_eq!(other.records(&Filter::default()).unwrap().len(), 0);
    import.commit().unwrap();
    assert_eq!(other.records(&Filter::default()).unwrap().len(), 1);
    ws.finish_imports();
    assert_eq!(journal_mode(&ws.conn), "wal");
}

#[test]
fn a_locked_workspace_is_reported_as_busy() {
    let e = StoreError::from(rusqlite::Error::SqliteFailure(
        rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_BUSY),
        None,
    ));
    assert!(matches!(e, StoreError::Busy));
    assert!(e.to_string().contains("busy"));
}

#[test]
fn an_unhashed_batch_commits_only_with_its_hash_and_yields_to_an_earlier_same_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("records.ris");
    std::fs::write(&path, b"TY  - JOUR\nER  - \n").unwrap();
    let mut ws = Workspace::init(dir.path(), Config::default()).unwrap();
    let unhashed = FileInfo::unhashed(&path).unwrap();
    assert_eq!(unhashed.hash, "");
    assert_eq!(unhashed.bytes, 18);
    assert!(!ws.has_batch_of_size(18).unwrap());

    // Without its hash the batch cannot commit, and nothing of it stays.
    let mut batch = ws.begin_import(&unhashed, "test", "ris").unwrap();
    batch.add(record(Some("1"), "A title", 2020)).unwrap();
    assert!(matches!(batch.commit(), Err(StoreError::Unhashed)));
    assert!(ws.batches().unwrap().is_empty());

    let hash = hash_file(&path).unwrap();
    assert_eq!(hash, FileInfo::of(&path).unwrap().hash);
    let mut batch = ws.begin_import(&unhashed, "test", "ris").unwrap();
    batch.add(record(Some("1"), "A title", 2020)).unwrap();
    assert!(batch.set_file_hash(&hash).unwrap().is_none());
    let first = batch.commit().unwrap();
    assert_eq!(first.file_hash, hash);
    assert!(ws.has_batch_of_size(18).unwrap());

    // The same bytes read again as if new: the earlier batch is found, this one rolls back.
    let mut batch = ws.begin_import(&unhashed, "test", "ris").unwrap();
    batch.add(record(Some("2"), "Another title", 2021)).unwrap();
    let earlier = batch.set_file_hash(&hash).unwrap();
    assert_eq!(earlier.map(|b| b.id), Some(first.id));
    drop(batch);
    assert_eq!(ws.batches().unwrap().len(), 1);
    assert_eq!(ws.records(&Filter::default()).unwrap().len(), 1);
    // The committed batch, and only it, has its entry in the audit log.
    let log = ws.audit_log().unwrap();
    let imports: Vec<_> = log.iter().filter(|(_, c, _)| c == "import").collect();
    assert_eq!(imports.len(), 1);
    assert!(imports[0].2.contains(&hash) && imports[0].2.contains("1 records"));
}

#[test]
fn a_persons_decisions_answer_the_pairs_to_check_and_hold_in_later_runs() {
    let dir = tempfile::tempdir().unwrap();
    let mut ws = Workspace::init(dir.path(), Config::default()).unwrap();
    let mut import = ws
        .begin_import(&file("a.xml"), "pubmed", "pubmed-xml")
        .unwrap();
    // Same title, year and author, different PMIDs: flagged, never joined by the matcher.
    for pmid in ["1", "2"] {
        import
            .add(record(
                Some(pmid),
                "Radionecrosis after radiosurgery with T-DM1",
                2019,
            ))
            .unwrap();
    }
    import
        .add(record(
            Some("3"),
            "Bone metastases irradiated on trastuzumab emtansine",
            2016,
        ))
        .unwrap();
    import.commit().unwrap();
    let first = ws.dedup(Settings::default(), false).unwrap();
    assert!(first.clusters.is_empty());
    assert_eq!(
        first.flagged.iter().map(|f| (f.a, f.b)).collect::<Vec<_>>(),
        [(1, 2)]
    );

    // "One publication": the next run joins them, by a person's decision, and flags nothing.
    assert!(ws.keep_together(1, 1).is_err());
    assert!(ws.keep_together(1, 99).is_err());
    ws.keep_together(2, 1).unwrap();
    let joined = ws.dedup(Settings::default(), false).unwrap();
    assert_eq!(joined.clusters.len(), 1);
    assert_eq!(
        joined.clusters[0].duplicates,
        [(2, "a person's decision".to_string())]
    );
    assert!(joined.flagged.is_empty() && ws.flagged().unwrap().is_empty());
    // Undoing the run undoes the merge; the decision stays for later runs.
    ws.undo_dedup(None).unwrap();
    assert_eq!(ws.counts().unwrap().duplicates, 0);
    assert_eq!(
        ws.dedup(Settings::default(), false).unwrap().clusters.len(),
        1
    );

    // "Different after all": the later decision replaces the earlier one.
    assert_eq!(ws.keep_apart(2).unwrap(), [1]);
    assert_eq!(ws.counts().unwrap().duplicates, 0);
    let apart = ws.dedup(Settings::default(), false).unwrap();
    assert!(apart.clusters.is_empty() && apart.flagged.is_empty());

    // A record only flagged (in no cluster) can be kept apart too; one with neither cannot.
    let mut import = ws
        .begin_import(&file("b.xml"), "pubmed", "pubmed-xml")
        .unwrap();
    import
        .add(record(
            Some("4"),
            "Radionecrosis after radiosurgery with T-DM1",
            2019,
        ))
        .unwrap();
    import.commit().unwrap();
    let flagged = ws.dedup(Settings::default(), false).unwrap().flagged;
    assert_eq!(
        flagged.iter().map(|f| (f.a, f.b)).collect::<Vec<_>>(),
        [(1, 4), (2, 4)]
    );
    assert_eq!(ws.keep_apart(4).unwrap(), [1, 2]);
    assert!(ws.flagged().unwrap().is_empty());
    assert!(ws
        .dedup(Settings::default(), false)
        .unwrap()
        .flagged
        .is_empty());
    let none = ws.keep_apart(3).unwrap_err().to_string();
    assert!(none.contains("neither in a duplicate cluster"), "{none}");
    // A record that does not exist is named as such, whichever way the decision goes.
    let missing = ws.keep_apart(99).unwrap_err().to_string();
    assert!(missing.contains("there is no record 99"), "{missing}");
    let missing = ws.keep_different(1, 99).unwrap_err().to_string();
    assert!(missing.contains("there is no record 99"), "{missing}");
}

#[test]
fn two_clusters_said_to_differ_are_no_longer_questions() {
    let dir = tempfile::tempdir().unwrap();
    let mut ws = Workspace::init(dir.path(), Config::default()).unwrap();
    let mut import = ws.begin_import(&file("a.ris"), "embase", "ris").unwrap();
    // An article and a conference abstract of the same title, each exported twice: two
    // clusters by DOI, and four cross pairs flagged for their different identifiers.
    for (pmid, doi) in [(Some("1"), "10.1/article"), (None, "10.1/article")]
        .into_iter()
        .chain([(Some("3"), "10.1/abstract"), (None, "10.1/abstract")])
    {
        let Item::Record(mut r) = record(pmid, "Angiotensin II and the hepatic tumour", 2014)
        else {
            unreachable!()
        };
        r.doi = Some(doi.into());
        import.add(Item::Record(r)).unwrap();
    }
    import.commit().unwrap();
    let first = ws.dedup(Settings::default(), false).unwrap();
    assert_eq!(first.clusters.len(), 2);
    assert_eq!(first.flagged.len(), 4, "{:?}", first.flagged);

    let same_cluster = ws.keep_different(1, 2).unwrap_err().to_string();
    assert!(same_cluster.contains("in one cluster"), "{same_cluster}");
    ws.keep_together(1, 3).unwrap();
    // The later decision replaces the earlier one, for the whole of both clusters.
    assert_eq!(ws.keep_different(2, 4).unwrap(), (vec![1, 2], vec![3, 4]));
    assert!(ws.flagged().unwrap().is_empty());
    let later = ws.dedup(Settings::default(), false).unwrap();
    assert_eq!(later.clusters.len(), 2);
    assert!(later.flagged.is_empty(), "{:?}", later.flagged);
}

fn screening_workspace() -> (tempfile::TempDir, Workspace) {
    let dir = tempfile::tempdir().unwrap();
    let mut ws = Workspace::init(dir.path(), Config::default()).unwrap();
    let mut import = ws
        .begin_import(&file("a.xml"), "pubmed", "pubmed-xml")
        .unwrap();
    for (pmid, title) in [
        ("1", "Radionecrosis after radiosurgery with T-DM1"),
        ("2", "Bone metastases irradiated during T-DM1 treatment"),
        ("3", "Knee cartilage repair in athletes"),
    ] {
        import.add(record(Some(pmid), title, 2019)).unwrap();
    }
    import.commit().unwrap();
    (dir, ws)
}

fn screen<'a>(record: i64, reviewer: &'a str, verdict: Verdict) -> NewDecision<'a> {
    NewDecision {
        record,
        reviewer,
        stage: Stage::TitleAbstract,
        verdict,
        reason: None,
        reason_text: None,
        note: None,
    }
}

#[test]
fn a_changed_decision_and_an_undo_are_new_rows_and_history_is_kept() {
    let (_dir, ws) = screening_workspace();
    ws.mark_shown("ana", Stage::TitleAbstract, 1, "svm-1", 1)
        .unwrap();
    ws.decide(&screen(1, "ana", Verdict::Exclude), &[]).unwrap();
    ws.decide(&screen(1, "ana", Verdict::Include), &[]).unwrap();
    let s = ws.screening(Stage::TitleAbstract).unwrap();
    assert_eq!(s.outcome(1), Outcome::Include);
    // The undo reverses the change, not the first decision.
    let undone = ws.undo_decision("ana", Stage::TitleAbstract).unwrap();
    assert_eq!(undone.verdict, Some(Verdict::Include));
    assert_eq!(
        ws.screening(Stage::TitleAbstract).unwrap().outcome(1),
        Outcome::Exclude
    );
    ws.undo_decision("ana", Stage::TitleAbstract).unwrap();
    assert_eq!(
        ws.screening(Stage::TitleAbstract).unwrap().outcome(1),
        Outcome::Undecided
    );
    assert!(matches!(
        ws.undo_decision("ana", Stage::TitleAbstract),
        Err(StoreError::NoDecisionToUndo { .. })
    ));
    let history = ws.decision_history(None, Some(1)).unwrap();
    let kinds: Vec<_> = history.iter().map(|d| (d.kind, d.verdict)).collect();
    assert_eq!(
        kinds,
        [
            (DecisionKind::Screen, Some(Verdict::Exclude)),
            (DecisionKind::Screen, Some(Verdict::Include)),
            (DecisionKind::Undo, None),
            (DecisionKind::Undo, None),
        ]
    );
    // The decisions made after the record was shown keep the model and its rank.
    assert_eq!(history[0].model.as_deref(), Some("svm-1"));
    assert_eq!(history[0].rank, Some(1));
    assert_eq!(history[2].undoes, Some(history[1].id));
}

#[test]
fn bad_reviewers_reasons_and_records_are_refused() {
    let (_dir, ws) = screening_workspace();
    let reasons = vec!["not-tdm1".to_string()];
    assert!(matches!(
        ws.decide(&screen(1, "a b", Verdict::Include), &reasons),
        Err(StoreError::BadReviewer(_))
    ));
    assert!(matches!(
        ws.decide(&screen(99, "ana", Verdict::Include), &reasons),
        Err(StoreError::NoRecord(99))
    ));
    let mut d = screen(1, "ana", Verdict::Exclude);
    d.reason = Some("other");
    assert!(matches!(
        ws.decide(&d, &reasons),
        Err(StoreError::UnknownReason { .. })
    ));
    d.reason = Some("not-tdm1");
    ws.decide(&d, &reasons).unwrap();
    // Full text only for records that moved on.
    let mut ft = screen(1, "ana", Verdict::Include);
    ft.stage = Stage::FullText;
    assert!(matches!(
        ws.decide(&ft, &reasons),
        Err(StoreError::NotAtFullText(1))
    ));
}

#[test]
fn disagreements_are_conflicts_until_resolved_and_pairs_count_single_screening() {
    let (_dir, ws) = screening_workspace();
    ws.decide(&screen(1, "ana", Verdict::Include), &[]).unwrap();
    ws.decide(&screen(1, "ben", Verdict::Exclude), &[]).unwrap();
    ws.decide(&screen(2, "ana", Verdict::Include), &[]).unwrap();
    ws.decide(&screen(2, "ben", Verdict::Maybe), &[]).unwrap();
    ws.decide(&screen(3, "ana", Verdict::Exclude), &[]).unwrap();
    let s = ws.screening(Stage::TitleAbstract).unwrap();
    assert_eq!(s.outcome(1), Outcome::Conflict);
    // Include beside maybe moves on without a conflict.
    assert_eq!(s.outcome(2), Outcome::Maybe);
    assert_eq!(s.conflicts().len(), 1);
    let p = s.pairs("ana", "ben");
    assert_eq!(p.both.len(), 2);
    assert_eq!((p.only_first, p.only_second), (1, 0));
    // Ben sees only what he has not screened himself: Ana's decisions do not hide records.
    assert_eq!(s.unscreened_by("ben"), vec![3]);
    ws.resolve(&screen(1, "carla", Verdict::Include), &[])
        .unwrap();
    let s = ws.screening(Stage::TitleAbstract).unwrap();
    assert_eq!(s.outcome(1), Outcome::Include);
    assert!(s.conflicts().is_empty());
    // Full text: the two that moved on.
    let ft = ws.screening(Stage::FullText).unwrap();
    assert_eq!(ft.pool, vec![1, 2]);
    let c = ws.screening_counts().unwrap();
    assert_eq!((c.screened, c.awaiting, c.sought, c.included), (3, 0, 2, 0));
    assert_eq!(c.excluded, vec![("unstated".to_string(), 1)]);
}

#[test]
fn automatic_exclusions_stand_until_a_person_decides_and_are_counted_apart() {
    let (_dir, ws) = screening_workspace();
    ws.exclude_automatically(3, "language", "language fre")
        .unwrap();
    let c = ws.screening_counts().unwrap();
    assert_eq!(c.excluded_automatically, vec![("language".to_string(), 1)]);
    assert_eq!((c.screened, c.awaiting), (0, 2));
    let s = ws.screening(Stage::TitleAbstract).unwrap();
    assert!(!s.unscreened_by("ana").contains(&3));
    ws.decide(&screen(3, "ana", Verdict::Include), &[]).unwrap();
    assert_eq!(
        ws.screening(Stage::TitleAbstract).unwrap().outcome(3),
        Outcome::Include
    );
}

#[test]
fn decisions_survive_a_reimport_and_follow_a_dedup_merge_and_its_undo() {
    let (_dir, mut ws) = screening_workspace();
    ws.decide(&screen(1, "ana", Verdict::Include), &[]).unwrap();
    // A second file with the same publication (record 4) and a new one (record 5).
    let mut import = ws.begin_import(&file("b.ris"), "embase", "ris").unwrap();
    import
        .add(record(
            None,
            "Radionecrosis after Radiosurgery with T-DM1.",
            2019,
        ))
        .unwrap();
    import
        .add(record(None, "Pneumonitis after breast radiotherapy", 2021))
        .unwrap();
    import.commit().unwrap();
    ws.decide(&screen(4, "ana", Verdict::Exclude), &[]).unwrap();
    ws.decide(&screen(4, "ben", Verdict::Include), &[]).unwrap();
    let before = ws.screening(Stage::TitleAbstract).unwrap();
    assert_eq!(before.outcome(1), Outcome::Include);
    assert_eq!(before.pool, vec![1, 2, 3, 4, 5]);
    ws.dedup(Settings::default(), false).unwrap();
    let merged = ws.screening(Stage::TitleAbstract).unwrap();
    assert_eq!(merged.pool, vec![1, 2, 3, 5]);
    let state = &merged.states[&1];
    // Ana's later decision (on record 4) is hers now; that she judged the two copies
    // differently is shown; Ben's decision on the copy counts for the primary.
    assert_eq!(state.reviewers["ana"].verdict, Verdict::Exclude);
    assert_eq!(
        state.merged_conflicts["ana"],
        vec![(1, Verdict::Include), (4, Verdict::Exclude)]
    );
    assert_eq!(state.reviewers["ben"].verdict, Verdict::Include);
    assert_eq!(merged.conflicts().len(), 1);
    ws.undo_dedup(None).unwrap();
    let undone = ws.screening(Stage::TitleAbstract).unwrap();
    assert_eq!(undone.outcome(1), Outcome::Include);
    assert_eq!(undone.outcome(4), Outcome::Conflict);
    assert_eq!(ws.decision_history(None, None).unwrap().len(), 3);
}

#[test]
fn a_full_text_is_stored_once_by_its_hash_and_found_from_the_record() {
    let (dir, ws) = screening_workspace();
    let f = NewFullText {
        record: 2,
        file_name: "paper.txt",
        bytes: b"page one\x0cpage two",
        kind: "txt",
        text: "page one\x0cpage two",
        pages: 2,
    };
    let a = ws.attach_fulltext(&f).unwrap();
    assert_eq!((a.record, a.pages, a.kind.as_str()), (2, 2, "txt"));
    assert!(a.path.starts_with(dir.path().join(FULLTEXT_DIR)));
    assert_eq!(ws.fulltext_text(&a).unwrap(), "page one\x0cpage two");
    // The same file again: a new row, the same stored copy.
    let again = ws.attach_fulltext(&f).unwrap();
    assert_eq!((again.hash, again.path), (a.hash.clone(), a.path.clone()));
    assert_eq!(
        std::fs::read_dir(dir.path().join(FULLTEXT_DIR))
            .unwrap()
            .count(),
        2,
        "the file and its text"
    );
    assert!(ws.fulltext(1).unwrap().is_none());
    assert!(matches!(
        ws.attach_fulltext(&NewFullText { record: 99, ..f }),
        Err(StoreError::NoRecord(99))
    ));
}

#[test]
fn dedup_runs_at_once_take_turns_and_record_each_merge_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut ws = Workspace::init(dir.path(), Config::default()).unwrap();
    let mut import = ws.begin_import(&file("a.ris"), "x", "ris").unwrap();
    for i in 0..200 {
        let title = format!("Radiosurgery with trastuzumab emtansine in patient group {i}");
        import.add(record(None, &title, 2019)).unwrap();
        import
            .add(record(None, &format!("{title}."), 2019))
            .unwrap();
    }
    import.commit().unwrap();
    drop(ws);
    let runs: Vec<_> = (0..4)
        .map(|_| {
            let dir = dir.path().to_path_buf();
            std::thread::spawn(move || {
                let mut ws = Workspace::open(&dir).unwrap();
                ws.dedup(Settings::default(), false).unwrap().newly_merged
            })
        })
        .collect();
    let merged: Vec<usize> = runs.into_iter().map(|r| r.join().unwrap()).collect();
    // One run merged the 200 pairs; the others found them merged already.
    assert_eq!(merged.iter().sum::<usize>(), 200, "{merged:?}");
    let ws = Workspace::open(dir.path()).unwrap();
    let changes: i64 = ws
        .conn
        .query_row("SELECT count(*) FROM dedup_change", [], |r| r.get(0))
        .unwrap();
    assert_eq!(changes, 200);
}

#[test]
fn a_writer_waits_its_turn_as_long_as_its_thread_allows() {
    let dir = tempfile::tempdir().unwrap();
    Workspace::init(dir.path(), Config::default()).unwrap();
    let holder = Workspace::open(dir.path()).unwrap();
    holder.conn.execute_batch("BEGIN IMMEDIATE").unwrap();
    let path = dir.path().to_path_buf();
    let impatient = std::thread::spawn({
        let path = path.clone();
        move || {
            crate::wait_patiently(std::time::Duration::from_millis(100), |_| {});
            let mut ws = Workspace::open(&path).unwrap();
            ws.dedup(Settings::default(), false).map(|_| ())
        }
    });
    assert!(matches!(impatient.join().unwrap(), Err(StoreError::Busy)));
    let patient = std::thread::spawn(move || {
        crate::wait_patiently(std::time::Duration::from_secs(60), |_| {});
        let mut ws = Workspace::open(&path).unwrap();
        ws.dedup(Settings::default(), false).map(|r| r.run)
    });
    std::thread::sleep(std::time::Duration::from_millis(1500));
    holder.conn.execute_batch("COMMIT").unwrap();
    assert!(patient.join().unwrap().unwrap().is_some());
}
