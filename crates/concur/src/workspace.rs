//! Workspace commands: `init`, `import`, `dedup`, `records`. Wiring only: the work is in
//! `concur-lit` (reading, duplicate matching) and `concur-store` (the database).

use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};
use concur_lit::{Event, Format, Item, OutFormat};
use concur_store::{Config, FileInfo, Filter, Status, StoredRecord, Workspace};
use std::io::{IsTerminal, Write};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Arguments of `concur init`.
#[derive(Args)]
pub struct InitArgs {
    /// Folder of the new workspace (created if missing).
    #[arg(default_value = ".")]
    dir: PathBuf,
}

/// Arguments of `concur import`.
#[derive(Args)]
pub struct ImportArgs {
    /// Files to import: PubMed XML (.xml, .xml.gz), MEDLINE (.nbib), RIS, Web of Science, Ovid,
    /// CSV/TSV or JSON Lines. The format is read from the content.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Source database the files come from (pubmed, embase, scopus, ...); default: the format.
    #[arg(long)]
    source: Option<String>,
    /// Force a format: pubmed-xml, medline, ris, wos, ovid, csv, tsv, jsonl.
    #[arg(long, value_parser = parse_format)]
    format: Option<Format>,
    /// Fail a file (and import nothing of it) when any record of it cannot be read.
    #[arg(long)]
    strict: bool,
    /// No progress display.
    #[arg(long)]
    quiet: bool,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

/// Arguments of `concur dedup`.
#[derive(Args)]
pub struct DedupArgs {
    /// Show the clusters without changing anything.
    #[arg(long)]
    dry_run: bool,
    /// Undo the latest dedup run (or the run given, which must be the latest still in effect).
    #[arg(long, value_name = "RUN", num_args = 0..=1, default_missing_value = "0")]
    undo: Option<i64>,
    /// A person's decision: this record is not a duplicate of its cluster, or of the records it
    /// was flagged with (kept apart from now on).
    #[arg(long, value_name = "RECORD", conflicts_with_all = ["dry_run", "undo"])]
    not_duplicate: Option<i64>,
    /// A person's decision: these two records are one publication, whatever the matcher says
    /// (joined by this run and every later one).
    #[arg(long, num_args = 2, value_names = ["RECORD", "OTHER"],
          conflicts_with_all = ["dry_run", "undo", "not_duplicate"])]
    same: Option<Vec<i64>>,
    /// A person's decision: these two records (and the clusters they are in) are different
    /// publications; the pairs between them are no longer to check (kept apart from now on).
    #[arg(long, num_args = 2, value_names = ["RECORD", "OTHER"],
          conflicts_with_all = ["dry_run", "undo", "not_duplicate", "same"])]
    different: Option<Vec<i64>>,
    /// Title similarity (0-1) at or above which titles match.
    #[arg(long, default_value_t = 0.95)]
    similarity: f64,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

/// Arguments of `concur records`.
#[derive(Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct RecordsArgs {
    #[command(subcommand)]
    command: Option<RecordsCommand>,
    #[command(flatten)]
    filter: FilterArgs,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

#[derive(Subcommand)]
enum RecordsCommand {
    /// The records, filtered (the same as `concur records` without a subcommand).
    List {
        #[command(flatten)]
        filter: FilterArgs,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// One record in full.
    Show {
        /// Record number.
        id: i64,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Write records as RIS, CSV or JSON Lines (default: the records left after deduplication).
    Export {
        /// Output format: ris, csv or jsonl.
        #[arg(long, value_parser = parse_out_format)]
        format: OutFormat,
        /// Output file (default: standard output).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Export every record, duplicates and deleted ones included.
        #[arg(long)]
        all: bool,
        #[command(flatten)]
        filter: FilterArgs,
    },
    /// Import batches: what PRISMA's "records identified" reads.
    Batches {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Pairs the latest dedup run left to check by hand (errata, preprints, conflicting ids).
    Flagged {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Counts for the PRISMA flow: identified per source, duplicates, deleted, remaining.
    Counts {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Args, Default, Clone)]
struct FilterArgs {
    /// Only records of this import batch.
    #[arg(long)]
    batch: Option<i64>,
    /// Only these years: 2019 or 2015-2020.
    #[arg(long, value_parser = parse_years)]
    year: Option<(u16, u16)>,
    /// Only this language, as the source writes it (eng, English, ...).
    #[arg(long)]
    language: Option<String>,
    /// Only records of this duplicate status: unique, primary, duplicate, deleted.
    #[arg(long, value_parser = parse_status)]
    status: Option<Status>,
    /// At most this many records.
    #[arg(long)]
    limit: Option<usize>,
}

impl FilterArgs {
    fn filter(&self) -> Filter {
        Filter {
            id: None,
            batch: self.batch,
            years: self.year,
            language: self.language.clone(),
            status: self.status,
            limit: self.limit,
        }
    }
}

fn parse_format(text: &str) -> Result<Format, String> {
    Format::parse(text).ok_or_else(|| {
        format!(
            "unknown format '{text}': use pubmed-xml, medline, ris, wos, ovid, csv, tsv or jsonl"
        )
    })
}

fn parse_out_format(text: &str) -> Result<OutFormat, String> {
    OutFormat::parse(text)
        .ok_or_else(|| format!("unknown output format '{text}': use ris, csv or jsonl"))
}

fn parse_status(text: &str) -> Result<Status, String> {
    Status::parse(text).ok_or_else(|| {
        format!("unknown status '{text}': use unique, primary, duplicate or deleted")
    })
}

fn parse_years(text: &str) -> Result<(u16, u16), String> {
    let bad = || format!("'{text}' is not a year or a range like 2015-2020");
    let (a, b) = text.split_once('-').unwrap_or((text, text));
    let (a, b) = (
        a.trim().parse::<u16>().map_err(|_| bad())?,
        b.trim().parse::<u16>().map_err(|_| bad())?,
    );
    if a > b {
        return Err(bad());
    }
    Ok((a, b))
}

/// The workspace folder: `--workspace`, else the current folder or one of its parents.
fn locate(workspace: Option<&Path>) -> Result<PathBuf> {
    match workspace {
        Some(dir) => Ok(dir.to_path_buf()),
        None => Ok(Workspace::find(&std::env::current_dir()?)?),
    }
}

fn open(workspace: Option<&Path>) -> Result<Workspace> {
    let dir = locate(workspace)?;
    Workspace::open(&dir).with_context(|| format!("opening the workspace in {}", dir.display()))
}

/// `concur init`.
pub fn init(args: InitArgs, review: Option<&Path>, workspace: Option<&Path>) -> Result<u8> {
    let dir = workspace.unwrap_or(&args.dir);
    let review = match review {
        Some(r) => {
            // Stored relative to the workspace when it is inside it, so the folder can move.
            let absolute = std::fs::canonicalize(r)
                .with_context(|| format!("the review folder {} does not exist", r.display()))?;
            std::fs::create_dir_all(dir)?;
            let root = std::fs::canonicalize(dir)?;
            Some(
                absolute
                    .strip_prefix(&root)
                    .map(Path::to_path_buf)
                    .unwrap_or(absolute)
                    .display()
                    .to_string(),
            )
        }
        None => None,
    };
    let ws = Workspace::init(dir, Config { review })?;
    ws.log("init", &format!("schema {}", ws.schema_version()?))?;
    println!(
        "created a concur workspace in {} ({}, {}); import records with `concur import FILE...`",
        dir.display(),
        concur_store::CONFIG_FILE,
        concur_store::DATABASE_FILE
    );
    Ok(0)
}

/// A record prepared for storing (on the parsing thread), or another item of the file.
enum Entry {
    Record(concur_store::Prepared),
    Other(Item),
}

/// Records between two updates of the progress bar.
const PROGRESS_EVERY: i64 = 256;

/// `concur import`.
pub fn import(args: ImportArgs, workspace: Option<&Path>) -> Result<u8> {
    let mut ws = open(workspace)?;
    let files = args.files.clone();
    // Files are read one after another as one stream, with every core. This thread stores the
    // records in file order and parses blocks whenever none is ready to store (see
    // `concur_lit::read_files_mapped`): a database thread of its own made three busy threads on
    // two cores, and storing from whichever thread had parsed the block moved SQLite's pages
    // from core to core (docs/benchmarks.md).
    // (Reading several files at once, one core each, was slower: a batch's writes cannot start
    // before the previous batch commits, so the last file's writes were left to run alone at
    // the end.)
    let threads = concur_lit::default_threads();
    // Files already imported (same bytes) are skipped before any reading; a file that cannot be
    // opened is reported with the others' results, not instead of them. Only a file of a size
    // that some batch or another file of this command has can be one already imported: such
    // files are hashed first, on every core. The others are read at once and hashed from the
    // bytes as the reading passes them on, as the hash is needed only when their batch commits.
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
                ws.has_batch_of_size(*n)?
                    || sizes
                        .iter()
                        .enumerate()
                        .any(|(j, other)| j != i && *other == Some(*n))
            }
            None => true, // hashing it gives the error to report
        });
    }
    let hash_file = |(f, first): (&PathBuf, &bool)| {
        if *first {
            FileInfo::of(f)
        } else {
            FileInfo::unhashed(f)
        }
        .map_err(|e| format!("cannot read the file: {e}"))
    };
    let per_thread = files.len().div_ceil(threads).max(1);
    let infos: Vec<Result<FileInfo, String>> = std::thread::scope(|scope| {
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
    });
    let known: Vec<Option<concur_store::Batch>> = infos
        .iter()
        .map(|i| match i {
            Ok(info) if !info.hash.is_empty() => ws.batch_with_hash(&info.hash),
            _ => Ok(None),
        })
        .collect::<Result<_, _>>()?;
    let formats: Vec<Result<Format, String>> = files
        .iter()
        .zip(&infos)
        .map(|(f, info)| match (info, args.format) {
            (Err(e), _) => Err(e.clone()),
            (Ok(_), Some(fmt)) => Ok(fmt),
            (Ok(_), None) => concur_lit::detect_file(f).map_err(|e| e.to_string()),
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
    let mut progress = Progress::new(!args.quiet && !args.json && std::io::stderr().is_terminal());
    // What became of each file, in the command's order; the files to read, in the same order.
    let mut outcomes: Vec<Option<FileOutcome>> = Vec::with_capacity(files.len());
    let mut to_read = Vec::new();
    for (i, file) in files.iter().enumerate() {
        outcomes.push(match (&known[i], &formats[i], &infos[i]) {
            (Some(batch), _, _) => Some(FileOutcome::skipped(file, batch)),
            // Settled once its twin earlier in the list has been imported (or has failed).
            _ if repeated[i] => None,
            (None, Ok(format), Ok(_)) => {
                to_read.push((i, *format));
                None
            }
            (None, Err(e), _) | (None, _, Err(e)) => Some(FileOutcome::failed(file, e)),
        });
    }
    {
        // Records are prepared for storage (duplicate keys, JSON) as they are parsed.
        let prepare = |item| match item {
            Item::Record(r) => match concur_store::Prepared::new(&r) {
                Ok(p) => Entry::Record(p),
                Err(e) => Entry::Other(Item::Rejected(concur_lit::Problem {
                    position: r.position,
                    reason: format!("cannot store the record: {e}"),
                })),
            },
            other => Entry::Other(other),
        };
        // The files are read as one stream: the next file's first blocks are parsed while the
        // last records of the one before are stored and its batch commits (each batch still
        // one transaction, committed in file order). The sink keeps the open batch set aside
        // between calls.
        let list: Vec<(&Path, Format)> = to_read
            .iter()
            .map(|&(i, format)| (files[i].as_path(), format))
            .collect();
        let mut open: Option<concur_store::Suspended> = None;
        let mut problems = Vec::new();
        let mut stored: Result<()> = Ok(());
        let ws = &mut ws;
        // The files read before their hash is known are hashed from the bytes the reading passes
        // on, instead of being read a second time by a thread of their own (docs/benchmarks.md).
        let hashers: Vec<Mutex<Option<concur_store::FileHasher>>> = to_read
            .iter()
            .map(|&(i, _)| {
                let unhashed = infos[i].as_ref().is_ok_and(|info| info.hash.is_empty());
                Mutex::new(unhashed.then(concur_store::FileHasher::new))
            })
            .collect();
        let tap = |k: usize, bytes: &[u8]| {
            if let Ok(mut hasher) = hashers[k].lock() {
                if let Some(hasher) = hasher.as_mut() {
                    hasher.update(bytes);
                }
            }
        };
        concur_lit::read_files_mapped(&list, threads, &prepare, &tap, &mut |k, event| {
            let (i, format) = to_read[k];
            let file = &files[i];
            let step = (|| -> Result<()> {
                let mut batch = match open.take() {
                    Some(batch) => ws.resume_import(batch),
                    None => {
                        progress.start(file);
                        let source = args
                            .source
                            .clone()
                            .unwrap_or_else(|| default_source(format).to_string());
                        let info = infos[i].as_ref().map_err(|e| anyhow::anyhow!("{e}"))?;
                        ws.begin_import(info, &source, format.name())?
                    }
                };
                match event {
                    Event::Item(Entry::Record(p)) => {
                        batch.add_prepared(p)?;
                        if batch.records() % PROGRESS_EVERY == 0 {
                            progress.set(batch.records());
                        }
                    }
                    Event::Item(Entry::Other(item)) => {
                        if let Item::Rejected(p) | Item::Repaired(p) = &item {
                            problems.push(p.to_string());
                        }
                        batch.add(item)?;
                    }
                    Event::End(read) => {
                        progress.finish();
                        let problems = std::mem::take(&mut problems);
                        let hash = match hashers[k].lock() {
                            Ok(mut hasher) => hasher.take().map(|h| h.finish()),
                            Err(_) => None,
                        };
                        outcomes[i] = Some(finish_file(
                            batch,
                            file,
                            read,
                            problems,
                            args.strict,
                            hash,
                            &progress,
                        )?);
                        return Ok(());
                    }
                }
                open = Some(batch.suspend());
                Ok(())
            })();
            match step {
                Ok(()) => ControlFlow::Continue(()),
                Err(e) => {
                    // A database error ends the command: nothing more is read, and the open
                    // batch rolls back.
                    stored = Err(e);
                    ControlFlow::Break(())
                }
            }
        })?;
        if let Some(batch) = open {
            drop(ws.resume_import(batch));
        }
        ws.finish_imports();
        stored?;
    }
    for (i, file) in files.iter().enumerate() {
        if outcomes[i].is_none() && repeated[i] {
            // Its twin earlier in the list has been imported by now, or has failed.
            let hash = infos[i]
                .as_ref()
                .map(|info| info.hash.as_str())
                .unwrap_or("");
            outcomes[i] = Some(match ws.batch_with_hash(hash)? {
                Some(batch) => FileOutcome::skipped(file, &batch),
                None => FileOutcome::failed(
                    file,
                    "the same bytes as an earlier file of this command, which failed",
                ),
            });
        }
    }
    let outcome: Vec<FileOutcome> = outcomes.into_iter().flatten().collect();
    let failed = outcome.iter().any(|o| o.error.is_some());
    if args.json {
        println!("{}", serde_json::to_string_pretty(&outcome)?);
    } else {
        for o in &outcome {
            o.print();
        }
    }
    Ok(if failed { crate::exit::INPUT } else { 0 })
}

/// Ends a file's batch once the file has been read: rolled back when the reading failed (or
/// left problems under `--strict`) or when another command imported the same file meanwhile,
/// committed otherwise.
fn finish_file(
    mut batch: concur_store::Import<'_>,
    file: &Path,
    read: std::result::Result<u64, concur_lit::LitError>,
    problems: Vec<String>,
    strict: bool,
    hash: Option<String>,
    progress: &Progress,
) -> Result<FileOutcome> {
    // A batch dropped below rolls back: nothing of the file stays.
    if let Err(e) = read {
        return Ok(FileOutcome::failed(file, &e.to_string()));
    }
    if strict && !problems.is_empty() {
        let mut o = FileOutcome::failed(
            file,
            &format!(
                "{} record(s) could not be read and --strict is set; nothing of this file was imported",
                problems.len()
            ),
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
        problems,
        seconds: progress.elapsed(),
    })
}

fn default_source(format: Format) -> &'static str {
    match format {
        Format::PubmedXml | Format::Medline => "pubmed",
        Format::WebOfScience => "web-of-science",
        Format::Ovid => "ovid",
        other => other.name(),
    }
}

#[derive(serde::Serialize)]
struct FileOutcome {
    file: String,
    batch: Option<concur_store::Batch>,
    skipped: bool,
    error: Option<String>,
    problems: Vec<String>,
    seconds: f64,
}

impl FileOutcome {
    fn skipped(file: &Path, batch: &concur_store::Batch) -> FileOutcome {
        FileOutcome {
            file: file.display().to_string(),
            batch: Some(batch.clone()),
            skipped: true,
            error: None,
            problems: Vec::new(),
            seconds: 0.0,
        }
    }

    fn failed(file: &Path, error: &str) -> FileOutcome {
        FileOutcome {
            file: file.display().to_string(),
            batch: None,
            skipped: false,
            error: Some(error.to_string()),
            problems: Vec::new(),
            seconds: 0.0,
        }
    }

    fn print(&self) {
        const SHOWN: usize = 10;
        for p in self.problems.iter().take(SHOWN) {
            eprintln!("{}: {p}", self.file);
        }
        if self.problems.len() > SHOWN {
            eprintln!(
                "{}: ... and {} more problems (all are stored in the workspace)",
                self.file,
                self.problems.len() - SHOWN
            );
        }
        match (&self.batch, &self.error) {
            (_, Some(e)) => eprintln!("error: {}: {e}", self.file),
            (Some(b), None) if self.skipped => println!(
                "{}: already imported as batch {} on {} ({} records); nothing to do",
                self.file, b.id, b.imported_at, b.records
            ),
            (Some(b), None) => {
                let rate = if self.seconds > 0.0 {
                    format!(", {:.0} records/s", b.records as f64 / self.seconds)
                } else {
                    String::new()
                };
                let mut line = format!(
                    "{}: batch {}, {} records from {} ({}){rate}",
                    self.file, b.id, b.records, b.source, b.format
                );
                if b.rejected > 0 {
                    line.push_str(&format!(", {} rejected", b.rejected));
                }
                if b.repaired > 0 {
                    line.push_str(&format!(
                        ", {} place(s) with invalid UTF-8 repaired (records kept)",
                        b.repaired
                    ));
                }
                if b.deletions > 0 {
                    line.push_str(&format!(
                        ", {} deletions listed ({} records deleted)",
                        b.deletions, b.deleted
                    ));
                }
                println!("{line}");
            }
            (None, None) => {}
        }
    }
}

/// A progress line (records and records/s) on a terminal; nothing when piped or `--quiet`.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    started: std::time::Instant,
}

impl Progress {
    fn new(show: bool) -> Progress {
        let bar = show.then(|| {
            let bar = indicatif::ProgressBar::new_spinner();
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{spinner} {msg} {human_pos} records ({per_sec}) {elapsed}",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
            );
            bar
        });
        Progress {
            bar,
            started: std::time::Instant::now(),
        }
    }
    fn start(&mut self, file: &Path) {
        self.started = std::time::Instant::now();
        if let Some(bar) = &self.bar {
            bar.reset();
            bar.set_message(file.display().to_string());
            bar.enable_steady_tick(std::time::Duration::from_millis(120));
        }
    }
    fn set(&self, records: i64) {
        if let Some(bar) = &self.bar {
            bar.set_position(records as u64);
        }
    }
    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
    fn elapsed(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }
}

/// `concur dedup`.
pub fn dedup(args: DedupArgs, workspace: Option<&Path>) -> Result<u8> {
    let mut ws = open(workspace)?;
    if let Some(run) = args.undo {
        let (run, changed) = ws.undo_dedup((run != 0).then_some(run))?;
        ws.log(
            "dedup --undo",
            &format!("run {run}: {changed} records restored"),
        )?;
        print_result(
            args.json,
            serde_json::json!({"undone": run, "records_restored": changed}),
            format!("undid dedup run {run}: {changed} records back to their earlier status"),
        );
        return Ok(0);
    }
    if let Some(record) = args.not_duplicate {
        let others = ws.keep_apart(record)?;
        ws.log(
            "dedup --not-duplicate",
            &format!("record {record} kept apart from {others:?}"),
        )?;
        print_result(
            args.json,
            serde_json::json!({"record": record, "kept_apart_from": others}),
            format!(
                "record {record} is no longer a duplicate; it stays apart from records {} in later runs",
                id_list(&others)
            ),
        );
        return Ok(0);
    }
    if let Some([record, other]) = args.different.as_deref() {
        let (one, two) = ws.keep_different(*record, *other)?;
        ws.log(
            "dedup --different",
            &format!("records {one:?} kept apart from records {two:?}"),
        )?;
        print_result(
            args.json,
            serde_json::json!({"records": one, "kept_apart_from": two}),
            format!(
                "records {} are a different publication from records {}; kept apart in later runs",
                id_list(&one),
                id_list(&two)
            ),
        );
        return Ok(0);
    }
    if !(0.5..=1.0).contains(&args.similarity) {
        bail!("--similarity must be between 0.5 and 1");
    }
    if let Some([record, other]) = args.same.as_deref() {
        ws.keep_together(*record, *other)?;
        ws.log(
            "dedup --same",
            &format!("records {record} and {other} are one publication"),
        )?;
        if !args.json {
            println!("records {record} and {other} are one publication, from this run on");
        }
    }
    let settings = concur_lit::dedup::Settings {
        title_similarity: args.similarity,
        ..Default::default()
    };
    let result = ws.dedup(settings, args.dry_run)?;
    if let Some(run) = result.run {
        ws.log(
            "dedup",
            &format!(
                "run {run}: {} clusters, {} newly merged, {} flagged",
                result.clusters.len(),
                result.newly_merged,
                result.flagged.len()
            ),
        )?;
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&result)?);
        return Ok(0);
    }
    let title = |id: i64| -> String {
        ws.record(id)
            .ok()
            .flatten()
            .and_then(|r| r.record.title)
            .map(|t| shorten(&t, 70))
            .unwrap_or_default()
    };
    for c in &result.clusters {
        println!("cluster: keep {} {}", c.primary, title(c.primary));
        for (d, why) in &c.duplicates {
            println!("  duplicate {d} ({why}) {}", title(*d));
        }
    }
    for f in &result.flagged {
        println!("check by hand: {} and {}: {}", f.a, f.b, f.why);
    }
    let duplicates: usize = result.clusters.iter().map(|c| c.duplicates.len()).sum();
    match result.run {
        Some(run) => println!(
            "dedup run {run}: {} records, {} clusters, {duplicates} duplicates ({} newly marked), {} pairs to check by hand; undo with `concur dedup --undo`",
            result.records,
            result.clusters.len(),
            result.newly_merged,
            result.flagged.len()
        ),
        None => println!(
            "dry run: {} records, {} clusters, {duplicates} duplicates, {} pairs to check by hand; nothing changed",
            result.records,
            result.clusters.len(),
            result.flagged.len()
        ),
    }
    Ok(0)
}

/// Prints the result of a command that changes one thing: `value` with `--json`, otherwise the
/// sentence for people.
fn print_result(json: bool, value: serde_json::Value, text: String) {
    if json {
        println!("{value}");
    } else {
        println!("{text}");
    }
}

/// Record ids as people read them: "1, 5, 9".
fn id_list(ids: &[i64]) -> String {
    ids.iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

fn shorten(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let cut: String = text.chars().take(width - 1).collect();
    format!("{cut}…")
}

/// `concur records`.
pub fn records(args: RecordsArgs, workspace: Option<&Path>) -> Result<u8> {
    let ws = open(workspace)?;
    // `concur records` with no subcommand is `records list`.
    let command = args.command.unwrap_or(RecordsCommand::List {
        filter: args.filter,
        json: args.json,
    });
    match command {
        RecordsCommand::List { filter, json } => {
            let list = ws.records(&filter.filter())?;
            if json {
                println!("{}", serde_json::to_string_pretty(&list)?);
                return Ok(0);
            }
            let mut out = std::io::stdout().lock();
            writeln!(
                out,
                "{:>6}  {:>5}  {:<9}  {:<4}  {:<10}  title",
                "id", "batch", "status", "year", "pmid"
            )?;
            for r in &list {
                writeln!(
                    out,
                    "{:>6}  {:>5}  {:<9}  {:<4}  {:<10}  {}",
                    r.id,
                    r.batch,
                    status_name(r),
                    r.record.year.map(|y| y.to_string()).unwrap_or_default(),
                    r.record.pmid.clone().unwrap_or_default(),
                    shorten(r.record.title.as_deref().unwrap_or(""), 80)
                )?;
            }
            writeln!(out, "{} records", list.len())?;
        }
        RecordsCommand::Show { id, json } => {
            let Some(r) = ws.record(id)? else {
                bail!("there is no record {id}; `concur records` lists them");
            };
            if json {
                println!("{}", serde_json::to_string_pretty(&r)?);
            } else {
                print!("{}", show_text(&r));
            }
        }
        RecordsCommand::Export {
            format,
            out,
            all,
            filter,
        } => {
            let mut f = filter.filter();
            let stdout = std::io::stdout();
            let sink: Box<dyn Write> = match &out {
                Some(path) => Box::new(std::io::BufWriter::new(
                    std::fs::File::create(path)
                        .with_context(|| format!("creating {}", path.display()))?,
                )),
                None => Box::new(std::io::BufWriter::new(stdout.lock())),
            };
            let mut writer = concur_lit::Writer::new(sink, format)?;
            let mut n = 0usize;
            // Default: what goes on to screening, i.e. not duplicates and not deleted.
            if all {
                f.status = None;
            }
            let chosen = f.status.is_some();
            let keep = |r: &StoredRecord| {
                all || chosen || matches!(r.status, Status::Unique | Status::Primary)
            };
            ws.each_record(&f, &mut |r| {
                if keep(&r) {
                    writer.write(&r.record)?;
                    n += 1;
                }
                Ok(())
            })?;
            writer.finish()?;
            if let Some(path) = out {
                eprintln!("wrote {n} records to {}", path.display());
            }
        }
        RecordsCommand::Batches { json } => {
            let batches = ws.batches()?;
            if json {
                println!("{}", serde_json::to_string_pretty(&batches)?);
                return Ok(0);
            }
            println!(
                "{:>5}  {:<20}  {:<10}  {:>8}  {:>8}  {:>8}  {:>8}  {:<20}  file",
                "batch",
                "imported",
                "source",
                "records",
                "rejected",
                "repaired",
                "deleted",
                "format"
            );
            for b in &batches {
                println!(
                    "{:>5}  {:<20}  {:<10}  {:>8}  {:>8}  {:>8}  {:>8}  {:<20}  {}",
                    b.id,
                    b.imported_at,
                    b.source,
                    b.records,
                    b.rejected,
                    b.repaired,
                    b.deleted,
                    b.format,
                    b.file_name
                );
            }
        }
        RecordsCommand::Flagged { json } => {
            let flagged = ws.flagged()?;
            if json {
                println!("{}", serde_json::to_string_pretty(&flagged)?);
                return Ok(0);
            }
            for f in &flagged {
                println!("{} and {}: {}", f.a, f.b, f.why);
            }
            println!(
                "{} pairs to check; a decision is recorded with `concur dedup --different ID OTHER` \
                 or `concur dedup --same ID OTHER`",
                flagged.len()
            );
        }
        RecordsCommand::Counts { json } => {
            let c = ws.counts()?;
            if json {
                println!("{}", serde_json::to_string_pretty(&c)?);
                return Ok(0);
            }
            for (source, n) in &c.identified {
                println!("identified from {source}: {n}");
            }
            println!("duplicates removed: {}", c.duplicates);
            println!("deleted by PubMed updates: {}", c.deleted);
            println!("records to screen: {}", c.remaining);
            println!("unreadable records reported: {}", c.rejected);
        }
    }
    Ok(0)
}

fn status_name(r: &StoredRecord) -> &'static str {
    match r.status {
        Status::Unique => "unique",
        Status::Primary => "primary",
        Status::Duplicate => "duplicate",
        Status::Deleted => "deleted",
    }
}

fn show_text(r: &StoredRecord) -> String {
    let rec = &r.record;
    let mut s = String::new();
    let mut line = |k: &str, v: Option<String>| {
        if let Some(v) = v.filter(|v| !v.is_empty()) {
            s.push_str(&format!("{k:<13} {v}\n"));
        }
    };
    line("record", Some(r.id.to_string()));
    line("batch", Some(r.batch.to_string()));
    line(
        "status",
        Some(match r.duplicate_of {
            Some(p) => format!("duplicate of {p}"),
            None => status_name(r).to_string(),
        }),
    );
    line("title", rec.title.clone());
    line(
        "authors",
        Some(
            rec.authors
                .iter()
                .map(|a| a.display())
                .collect::<Vec<_>>()
                .join(", "),
        ),
    );
    line("journal", rec.journal.clone());
    line("year", rec.year.map(|y| y.to_string()));
    line("date", rec.date.clone());
    line("pmid", rec.pmid.clone());
    line("doi", rec.doi.clone());
    line("pmc", rec.pmc.clone());
    line("language", Some(rec.languages.join(", ")));
    line("types", Some(rec.publication_types.join("; ")));
    line(
        "mesh",
        Some(
            rec.mesh
                .iter()
                .map(|m| format!("{}{}", if m.major { "*" } else { "" }, m.descriptor))
                .collect::<Vec<_>>()
                .join("; "),
        ),
    );
    line("keywords", Some(rec.keywords.join("; ")));
    line(
        "position",
        Some(format!("{}", rec.position))
            .filter(|_| rec.position.byte > 0 || rec.position.line > 0),
    );
    for section in &rec.abstract_sections {
        let label = section.label.clone().unwrap_or_else(|| "abstract".into());
        line(&label.to_lowercase(), Some(section.text.clone()));
    }
    s
}

/// With `concur report --workspace DIR`: the PRISMA identification and screening counts come from
/// the workspace (import batches and dedup) instead of being shown as not reported.
pub fn prisma_counts(workspace: &Path, review: &mut concur_evidence::Review) -> Result<()> {
    let ws = Workspace::open(workspace)
        .with_context(|| format!("opening the workspace in {}", workspace.display()))?;
    let c = ws.counts()?;
    let n = |v: i64| u32::try_from(v).ok();
    let identified: i64 = c.identified.iter().map(|(_, k)| k).sum();
    let prisma = review.meta.prisma.get_or_insert_with(Default::default);
    prisma.records_identified = n(identified);
    prisma.duplicates_removed = n(c.duplicates);
    prisma.records_screened = n(c.remaining);
    prisma.note = format!(
        "Counts from the workspace {}: identified {}; duplicates removed by concur dedup; {} deleted by PubMed update files. Screening decisions are not recorded yet.",
        workspace.display(),
        c.identified
            .iter()
            .map(|(source, k)| format!("{source} {k}"))
            .collect::<Vec<_>>()
            .join(", "),
        c.deleted
    );
    Ok(())
}
