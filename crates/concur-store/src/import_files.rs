//! Importing a list of files: which to skip (already imported, repeated), which to read, and what
//! became of each. This is the one import pipeline every front end calls
//! ([`Workspace::import_files`]).

use crate::error::Result;
use crate::import::{Batch, FileHasher, FileInfo, Import, Prepared, Suspended};
use crate::workspace::Workspace;
use concur_lit::{Event, Format, Item, LitError};
use serde::Serialize;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

/// How files are imported.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// The source database the files come from (pubmed, embase, ...); `None` names it after the
    /// format.
    pub source: Option<String>,
    /// The format of every file; `None` reads it from each file's content.
    pub format: Option<Format>,
    /// Keep nothing of a file any of whose records cannot be read.
    pub strict: bool,
}

/// What the import is doing, for a progress display.
#[derive(Debug, Clone, Copy)]
pub enum ImportProgress<'a> {
    /// A file's batch has begun.
    Started(&'a Path),
    /// Records stored so far from the current file.
    Records(i64),
    /// The current file is done.
    Finished,
}

/// Records between two [`ImportProgress::Records`] reports.
const PROGRESS_EVERY: i64 = 256;

/// What became of one file of an import.
#[derive(Debug, Clone, Serialize)]
pub struct FileOutcome {
    /// The file as given.
    pub file: String,
    /// Its batch: the new one, or the earlier one when the file was already imported.
    pub batch: Option<Batch>,
    /// The file had been imported before (same bytes): nothing was done.
    pub skipped: bool,
    /// Why nothing of the file was imported.
    pub error: Option<String>,
    /// What kind of failure `error` is, for a front end that adds its own advice.
    #[serde(skip)]
    pub failure: Option<Failure>,
    /// Records that could not be read or were read with a repair, located.
    pub problems: Vec<String>,
    /// Time spent on the file.
    pub seconds: f64,
}

impl FileOutcome {
    fn skipped(file: &Path, batch: &Batch) -> FileOutcome {
        FileOutcome {
            file: file.display().to_string(),
            batch: Some(batch.clone()),
            skipped: true,
            error: None,
            failure: None,
            problems: Vec::new(),
            seconds: 0.0,
        }
    }

    fn failed(file: &Path, error: &str, failure: Failure) -> FileOutcome {
        FileOutcome {
            file: file.display().to_string(),
            batch: None,
            skipped: false,
            error: Some(error.to_string()),
            failure: Some(failure),
            problems: Vec::new(),
            seconds: 0.0,
        }
    }
}

/// Kinds of failure of a file that a front end may advise on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// The file's content is none of the formats read; naming the format may help.
    UnknownFormat,
    /// Records could not be read and the import was strict.
    Strict,
    /// Anything else (unreadable, damaged, a repeat of a failed file).
    Other,
}

/// A record prepared for storing (on the parsing thread), with the database its file names, or
/// another item of the file.
enum Entry {
    Record(Prepared, Option<Box<str>>),
    Other(Item),
}

/// The source a file's records are counted under when none is named.
fn default_source(format: Format) -> &'static str {
    match format {
        Format::PubmedXml | Format::Medline => "pubmed",
        Format::WebOfScience => "web-of-science",
        Format::Ovid => "ovid",
        other => other.name(),
    }
}

impl Workspace {
    /// Imports files, one batch (one transaction) each, and says what became of each file in
    /// the order given. A file already imported (the same bytes), or given twice, is imported
    /// once; a file that cannot be opened or read is reported with the others' results, not
    /// instead of them. Only a database error ends the import early (the open batch rolls back).
    pub fn import_files(
        &mut self,
        files: &[PathBuf],
        options: &ImportOptions,
        progress: &mut dyn FnMut(ImportProgress<'_>),
    ) -> Result<Vec<FileOutcome>> {
        // Files are read one after another as one stream, with every core; this thread stores
        // the records in file order and parses blocks whenever none is ready to store (see
        // `concur_lit::read_files`), so SQLite's pages and statements stay on one core.
        let threads = concur_lit::default_threads();
        let infos = self.file_infos(files, threads)?;
        let known: Vec<Option<Batch>> = infos
            .iter()
            .map(|i| match i {
                Ok(info) if !info.hash.is_empty() => self.batch_with_hash(&info.hash),
                _ => Ok(None),
            })
            .collect::<Result<_>>()?;
        let formats: Vec<std::result::Result<Format, (String, Failure)>> = files
            .iter()
            .zip(&infos)
            .map(|(f, info)| match (info, options.format) {
                (Err(e), _) => Err((e.clone(), Failure::Other)),
                (Ok(_), Some(fmt)) => Ok(fmt),
                (Ok(_), None) => concur_lit::detect_file(f).map_err(|e| {
                    let failure = match e {
                        LitError::UnknownFormat => Failure::UnknownFormat,
                        _ => Failure::Other,
                    };
                    (e.to_string(), failure)
                }),
            })
            .collect();
        // A file given twice (or two files with the same bytes) is read and imported once.
        let repeated: Vec<bool> = infos
            .iter()
            .enumerate()
            .map(|(i, info)| {
                info.as_ref().is_ok_and(|info| {
                    !info.hash.is_empty()
                        && infos[..i]
                            .iter()
                            .any(|o| o.as_ref().is_ok_and(|o| o.hash == info.hash))
                })
            })
            .collect();
        // What became of each file, in the given order; the files to read, in the same order.
        let mut outcomes: Vec<Option<FileOutcome>> = Vec::with_capacity(files.len());
        let mut to_read = Vec::new();
        for (i, file) in files.iter().enumerate() {
            outcomes.push(match (&known[i], &formats[i], &infos[i]) {
                (Some(batch), _, _) => Some(FileOutcome::skipped(file, batch)),
                // Settled once its twin earlier in the list has been imported (or has failed).
                _ if repeated[i] => None,
                (None, Ok(format), Ok(info)) => {
                    to_read.push((i, *format, info.clone()));
                    None
                }
                (None, Err((e, failure)), _) => Some(FileOutcome::failed(file, e, *failure)),
                (None, _, Err(e)) => Some(FileOutcome::failed(file, e, Failure::Other)),
            });
        }
        self.read_and_store(files, &to_read, options, threads, &mut outcomes, progress)?;
        for (i, file) in files.iter().enumerate() {
            if outcomes[i].is_none() && repeated[i] {
                // Its twin earlier in the list has been imported by now, or has failed.
                let hash = infos[i]
                    .as_ref()
                    .map(|info| info.hash.as_str())
                    .unwrap_or("");
                outcomes[i] = Some(match self.batch_with_hash(hash)? {
                    Some(batch) => FileOutcome::skipped(file, &batch),
                    None => FileOutcome::failed(
                        file,
                        "the same bytes as an earlier file of this import, which failed",
                        Failure::Other,
                    ),
                });
            }
        }
        Ok(outcomes.into_iter().flatten().collect())
    }

    /// Size and, where it may matter, hash of each file. Only a file of a size that some batch or
    /// another file of the list has can be one already imported: such files are hashed first, on
    /// every core. The others are hashed from the bytes as the reading passes them on, as the
    /// hash is needed only when their batch commits.
    fn file_infos(
        &self,
        files: &[PathBuf],
        threads: usize,
    ) -> Result<Vec<std::result::Result<FileInfo, String>>> {
        let sizes: Vec<Option<u64>> = files
            .iter()
            .map(|f| {
                std::fs::metadata(f)
                    .ok()
                    .filter(|m| m.is_file())
                    .map(|m| m.len())
            })
            .collect();
        let mut hash_first = Vec::with_capacity(files.len());
        for (i, size) in sizes.iter().enumerate() {
            hash_first.push(match size {
                Some(n) => {
                    self.has_batch_of_size(*n)?
                        || sizes
                            .iter()
                            .enumerate()
                            .any(|(j, other)| j != i && *other == Some(*n))
                }
                None => true, // hashing it gives the error to report
            });
        }
        let hash_file = |(f, first): (&PathBuf, &bool)| {
            // A device or a pipe may never end: it is not hashed or read.
            if std::fs::metadata(f).is_ok_and(|m| !m.is_file()) {
                return Err(
                    "not a regular file (a folder, device or pipe); concur reads files".into(),
                );
            }
            if *first {
                FileInfo::of(f)
            } else {
                FileInfo::unhashed(f)
            }
            .map_err(|e| format!("cannot read the file: {e}"))
        };
        let per_thread = files.len().div_ceil(threads).max(1);
        Ok(std::thread::scope(|scope| {
            let parts: Vec<_> = files
                .chunks(per_thread)
                .zip(hash_first.chunks(per_thread))
                .map(|(part, first)| {
                    (
                        part.len(),
                        scope.spawn(move || part.iter().zip(first).map(hash_file).collect()),
                    )
                })
                .collect();
            parts
                .into_iter()
                .flat_map(|(len, part)| {
                    part.join()
                        .unwrap_or_else(|_| vec![Err("hashing the file failed".to_string()); len])
                })
                .collect()
        }))
    }

    /// Reads the files as one stream and stores each in its batch: the next file's first blocks
    /// are parsed while the last records of the one before are stored and its batch commits
    /// (each batch still one transaction, committed in file order).
    fn read_and_store(
        &mut self,
        files: &[PathBuf],
        to_read: &[(usize, Format, FileInfo)],
        options: &ImportOptions,
        threads: usize,
        outcomes: &mut [Option<FileOutcome>],
        progress: &mut dyn FnMut(ImportProgress<'_>),
    ) -> Result<()> {
        let read_options = concur_lit::ReadOptions {
            format: None,
            threads: Some(threads),
        };
        // Records are prepared for storage (duplicate keys, JSON) on the thread that parsed them.
        let prepare = |item| match item {
            Item::Record(r) => match Prepared::new(&r) {
                Ok(p) => Entry::Record(p, r.database.as_deref().map(Box::from)),
                Err(e) => Entry::Other(Item::Rejected(concur_lit::Problem {
                    position: r.position,
                    reason: format!("cannot store the record: {e}"),
                })),
            },
            other => Entry::Other(other),
        };
        let list: Vec<(&Path, Format)> = to_read
            .iter()
            .map(|(i, format, _)| (files[*i].as_path(), *format))
            .collect();
        // The files whose hash is not known yet are hashed from the bytes the reading passes on.
        let hashers: Vec<Mutex<Option<FileHasher>>> = to_read
            .iter()
            .map(|(_, _, info)| Mutex::new(info.hash.is_empty().then(FileHasher::new)))
            .collect();
        let tap = |k: usize, bytes: &[u8]| {
            if let Ok(mut hasher) = hashers[k].lock() {
                if let Some(hasher) = hasher.as_mut() {
                    hasher.update(bytes);
                }
            }
        };
        // The sink keeps the open batch set aside between calls, as it cannot borrow the
        // workspace across them.
        let mut open: Option<Suspended> = None;
        let mut problems = Vec::new();
        // The databases the current file's records name (RIS `DB`), with how many name each.
        let mut databases: Vec<(Box<str>, u64)> = Vec::new();
        let mut stored: Result<()> = Ok(());
        let mut started = Instant::now();
        let ws = &mut *self;
        // A file's reading error is its outcome, reported through its `Event::End`; the stream
        // itself fails only when a parsing thread stopped.
        let read = concur_lit::read_files(&list, &read_options, &prepare, &tap, &mut |k, event| {
            let (i, format, info) = &to_read[k];
            let file = &files[*i];
            let step = (|| -> Result<()> {
                let mut batch = match open.take() {
                    Some(batch) => ws.resume_import(batch),
                    None => {
                        started = Instant::now();
                        progress(ImportProgress::Started(file));
                        let source = options
                            .source
                            .clone()
                            .unwrap_or_else(|| default_source(*format).to_string());
                        ws.begin_import(info, &source, format.name())?
                    }
                };
                match event {
                    Event::Item(Entry::Record(p, database)) => {
                        if let Some(db) = database {
                            match databases.iter_mut().find(|(d, _)| *d == db) {
                                Some((_, n)) => *n += 1,
                                None => databases.push((db, 1)),
                            }
                        }
                        batch.add_prepared(p)?;
                        if batch.records() % PROGRESS_EVERY == 0 {
                            progress(ImportProgress::Records(batch.records()));
                        }
                    }
                    Event::Item(Entry::Other(item)) => {
                        if let Item::Rejected(p) | Item::Repaired(p) = &item {
                            problems.push(p.to_string());
                        }
                        batch.add(item)?;
                    }
                    Event::End(read) => {
                        progress(ImportProgress::Finished);
                        // Without a source named for the import, the batch takes the database
                        // most of its records name, when they name one.
                        let named = std::mem::take(&mut databases);
                        if options.source.is_none() {
                            if let Some((db, _)) = named.iter().max_by_key(|(_, n)| *n) {
                                batch.set_source(db)?;
                            }
                        }
                        let hash = match hashers[k].lock() {
                            Ok(mut hasher) => hasher.take().map(|h| h.finish()),
                            Err(_) => None,
                        };
                        let mut outcome = finish_file(
                            batch,
                            file,
                            read,
                            std::mem::take(&mut problems),
                            options.strict,
                            hash,
                        )?;
                        if !outcome.skipped && outcome.error.is_none() {
                            outcome.seconds = started.elapsed().as_secs_f64();
                        }
                        outcomes[*i] = Some(outcome);
                        return Ok(());
                    }
                }
                open = Some(batch.suspend());
                Ok(())
            })();
            match step {
                Ok(()) => ControlFlow::Continue(()),
                Err(e) => {
                    // A database error ends the import: nothing more is read, and the open
                    // batch rolls back.
                    stored = Err(e);
                    ControlFlow::Break(())
                }
            }
        });
        if let Some(batch) = open {
            drop(self.resume_import(batch));
        }
        self.finish_imports();
        stored?;
        read?;
        Ok(())
    }
}

/// Ends a file's batch once the file has been read: rolled back when the reading failed (or
/// left problems in a strict import) or when another command imported the same file meanwhile,
/// committed otherwise.
fn finish_file(
    mut batch: Import<'_>,
    file: &Path,
    read: std::result::Result<u64, LitError>,
    problems: Vec<String>,
    strict: bool,
    hash: Option<String>,
) -> Result<FileOutcome> {
    // A file damaged part-way (a truncated gzip stream, a record past the size limit) keeps the
    // whole records read before the damage, with a warning that says where reading stopped; a
    // file with none is a failure and its batch, dropped below, rolls back.
    let mut problems = problems;
    let hash = match read {
        Err(e) if batch.records() == 0 || strict => {
            return Ok(FileOutcome::failed(file, &e.to_string(), Failure::Other));
        }
        Err(e) => {
            problems.push(format!(
                "reading stopped part-way: {e}; the {} whole records before it were imported, \
                 and nothing after it",
                batch.records()
            ));
            // The bytes after the damage were not all hashed: the file is hashed now, so that
            // importing it again is recognised.
            Some(crate::import::hash_file(file)?)
        }
        Ok(_) => hash,
    };
    if strict && !problems.is_empty() {
        let mut o = FileOutcome::failed(
            file,
            &format!(
                "{} record(s) could not be read and the import is strict; nothing of this file was imported",
                problems.len()
            ),
            Failure::Strict,
        );
        o.problems = problems;
        return Ok(o);
    }
    // A file read before its hash was known has passed whole through the hasher by now.
    if let Some(hash) = hash {
        if let Some(earlier) = batch.set_file_hash(&hash)? {
            // Imported by another command while this one read it: nothing changes.
            return Ok(FileOutcome::skipped(file, &earlier));
        }
    }
    let done = batch.commit()?;
    Ok(FileOutcome {
        file: file.display().to_string(),
        batch: Some(done),
        skipped: false,
        error: None,
        failure: None,
        problems,
        seconds: 0.0,
    })
}
