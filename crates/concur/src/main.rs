//! `concur`: the command-line front of the evidence engine. It parses arguments (`cli.rs`), calls
//! one library function per command, prints the result (`print.rs` and `concur-report`), and
//! turns errors into messages for people, adding the flags that fix them.

use anyhow::{Context, Result};
use clap::Parser;
use cli::{AnswerFormat, Cli, Command, RecordsCommand, StudiesCommand};
use concur_evidence::{Review, ReviewFile};
use concur_store::{Failure, ImportOptions, ImportProgress, Status, StoredRecord, Workspace};
use concur_synthesis::{Evidence, LiteratureCounts, StudyFilter, SynthesisError};
use include_dir::{include_dir, Dir};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// mimalloc instead of the system allocator: records are built on the parsing threads and freed
/// on the storing thread, and readers make many small allocations. Built without transparent
/// huge pages (see Cargo.toml).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod cli;
/// Shared with the web app.
pub(crate) use concur_web::queue;
mod living;
mod print;
mod screen;
mod screener;
mod search;

/// The default review, embedded so that concur works from any directory.
static DEFAULT_REVIEW: Dir<'_> =
    include_dir!("$CARGO_MANIFEST_DIR/../../reviews/tdm1-radiotherapy");

/// Exit codes (documented in docs/cli.md).
mod exit {
    /// The audit found errors nobody has acknowledged.
    pub const FINDINGS: u8 = 1;
    /// Bad input: invalid review folder, unknown study, bad arguments.
    pub const INPUT: u8 = 3;
}

/// How long a command queues behind another that writes the workspace before it gives up.
const PATIENCE: std::time::Duration = std::time::Duration::from_secs(3600);

fn main() -> ExitCode {
    let cli = Cli::parse();
    // A command waits its turn behind another's import batch or dedup run, and says so.
    concur_store::wait_patiently(PATIENCE, |waited| {
        print::eline(&format!(
            "waiting for another concur command to finish writing the workspace ({} s)",
            waited.as_secs()
        ));
    });
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        // A closed standard output (`concur studies | head`) ends the command quietly.
        Err(err) if broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            crate::print::eline(&format!("error: {}", message(&err)));
            if let Some(hint) = hint(&err) {
                crate::print::eline(&format!("  help: {hint}"));
            }
            ExitCode::from(exit::INPUT)
        }
    }
}

fn broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// The error and its causes, each cause once (a message that already quotes its cause is not
/// followed by it again).
fn message(err: &anyhow::Error) -> String {
    let mut text = err.to_string();
    for cause in err.chain().skip(1) {
        let cause = cause.to_string();
        if !text.contains(&cause) {
            text.push_str(": ");
            text.push_str(&cause);
        }
    }
    text
}

/// The command-line way to fix an error that the libraries describe in their own words.
fn hint(err: &anyhow::Error) -> Option<&'static str> {
    err.chain().find_map(|cause| {
        if let Some(e) = cause.downcast_ref::<SynthesisError>() {
            return match e {
                SynthesisError::IncompleteSchedule => Some("give both --dose-gy and --fractions"),
                SynthesisError::Stats(_) | SynthesisError::LeaveOneOut(_) => Some(
                    "the measure, method and test are chosen with --measure, --method and --test",
                ),
                _ => None,
            };
        }
        match cause.downcast_ref::<concur_store::StoreError>() {
            Some(concur_store::StoreError::NotFound(_)) => {
                Some("create one with `concur init`, or name one with --workspace")
            }
            _ => None,
        }
    })
}

fn run(cli: Cli) -> Result<u8> {
    let json = cli.json;
    let ws = cli.workspace.as_deref();
    match cli.command {
        Command::Init(args) => init(&args.dir, args.with_review, cli.review.as_deref(), ws),
        Command::Extract(args) => living::extract(args, cli.review.as_deref(), ws, json),
        Command::Edition(args) => living::edition(args, cli.review.as_deref(), ws, json),
        Command::Update(args) => living::update(args, cli.review.as_deref(), ws, json),
        Command::Serve { bind } => serve(bind, cli.review.as_deref(), ws),
        Command::Reviewer { command } => reviewer(command, ws, json),
        Command::Import(args) => import(args, ws, json),
        Command::Dedup(args) => dedup(args, ws, json),
        Command::Records(args) => records(args, ws, json),
        Command::Pubmed(args) => search::pubmed(args, ws, json),
        Command::Screen(args) => screen::run(args, cli.review.as_deref(), ws, json),
        Command::Prisma { svg } => prisma(cli.review.as_deref(), ws, svg.as_deref(), json),
        Command::Search(args) => {
            let review = load(cli.review.as_deref())?;
            search::run(args, &open(ws)?, &review, json)
        }
        Command::Meta(args) => {
            let path = args.data.display().to_string();
            let bytes = std::fs::read(&args.data).with_context(|| format!("cannot read {path}"))?;
            let options = concur_synthesis::MetaOptions {
                measure: args.measure,
                pooling: args.method,
                test: args.test,
                level: args.level,
                leave_one_out: args.leave_one_out,
                subgroup: args.subgroup,
            };
            let result = concur_synthesis::meta(&bytes, &options).context(path)?;
            if json {
                print::json(&concur_report::meta_json(&result))?;
            } else {
                print::text(&concur_report::meta_text(&result))?;
            }
            Ok(0)
        }
        Command::Proportion {
            events,
            total,
            level,
        } => {
            let p = concur_synthesis::proportion_intervals(events, total, level)?;
            if json {
                print::json(&concur_report::proportion_json(&p, level))?;
            } else {
                print::text(&concur_report::proportion_text(&p, level))?;
            }
            Ok(0)
        }
        command => {
            let served = served_review(cli.review.as_deref(), ws);
            let full = load(served.as_deref())?;
            reviewed(command, &full, cli.edition.as_deref(), ws, json)
        }
    }
}

/// The commands on the review itself.
fn reviewed(
    command: Command,
    full: &Review,
    edition: Option<&str>,
    ws: Option<&Path>,
    json: bool,
) -> Result<u8> {
    if let Command::Diff { from, to } = &command {
        let to = match to.as_deref().or(full.current_edition()) {
            Some(t) => t,
            None => anyhow::bail!("the review declares no editions to compare"),
        };
        let from = match from.as_deref().or_else(|| previous_edition(full, to)) {
            Some(f) => f,
            None => anyhow::bail!("there is no edition before {to} to compare it with"),
        };
        let d = concur_synthesis::diff(full, from, to)?;
        if json {
            print::json(&concur_report::diff_json(&d))?;
        } else {
            print::text(&concur_report::diff_markdown(&d))?;
        }
        return Ok(0);
    }
    let edition = edition.or_else(|| full.current_edition());
    let review = match edition {
        Some(e) => concur_synthesis::edition(full, e)?,
        None => full.clone(),
    };
    let evidence = Evidence::new(&review);
    match command {
        Command::Studies(args) => {
            if let Some(StudiesCommand::Show { id }) = args.show {
                let study = evidence.study(&id)?;
                if json {
                    print::json(&concur_report::study_detail_json(&review, study))?;
                } else {
                    print::text(&concur_report::study_detail_text(&review, study))?;
                    print::line(&format!("\n{}", concur_report::DISCLAIMER))?;
                }
                return Ok(0);
            }
            let filter = StudyFilter {
                site: args.site,
                technique: args.technique.map(|t| t.0).unwrap_or_default(),
                timing: args.timing,
                design: args.design.map(|d| d.0).unwrap_or_default(),
                drug: args.drug,
                setting: args.setting,
            };
            let selected = evidence.select(&filter)?;
            if json {
                print::json(&concur_report::study_rows_json(&review, &selected))?;
            } else {
                print::text(&concur_report::study_table(&review, &selected))?;
            }
            Ok(0)
        }
        Command::Audit => {
            if json {
                print::json(&concur_report::audit_json(evidence.audit()))?;
            } else {
                print::text(&concur_report::audit_text(evidence.audit()))?;
            }
            Ok(if evidence.audit().unacknowledged_errors() > 0 {
                exit::FINDINGS
            } else {
                0
            })
        }
        Command::Report { out } => {
            let counts = match ws {
                Some(dir) => Some(literature_counts(&open_at(dir)?)?),
                None => None,
            };
            let flow = evidence.prisma(counts.as_ref());
            // The report of a later edition says what changed since the one before it.
            let first = edition.and_then(|e| previous_edition(full, e));
            let changes = match (first, edition) {
                (Some(f), Some(e)) if f != e => {
                    let earlier = concur_synthesis::edition(full, f)?;
                    let d = concur_synthesis::compare(
                        full,
                        (f, &Evidence::new(&earlier)),
                        (e, &evidence),
                    );
                    Some(concur_report::diff_markdown(&d))
                }
                _ => None,
            };
            let report = concur_report::build_report(&evidence, &flow, changes.as_deref());
            for file in &report.files {
                // Names come from review ids, which validation keeps to a closed set; a writer
                // still never leaves the folder it was given.
                let inside = Path::new(&file.path)
                    .components()
                    .all(|c| matches!(c, std::path::Component::Normal(_)));
                if !inside {
                    anyhow::bail!(
                        "refusing to write {}: the name would leave {}",
                        file.path,
                        out.display()
                    );
                }
                let path = out.join(&file.path);
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent)
                        .with_context(|| format!("cannot create {}", parent.display()))?;
                }
                std::fs::write(&path, &file.bytes)
                    .with_context(|| format!("cannot write {}", path.display()))?;
            }
            print::text(&report.summary)?;
            print::line(&format!(
                "wrote {} files to {}; open {}",
                report.files.len(),
                out.display(),
                out.join("index.html").display()
            ))?;
            print::line(concur_report::DISCLAIMER)?;
            Ok(0)
        }
        Command::Assess(args) => {
            let query = concur_synthesis::Query {
                drug: args.drug,
                site: args.site,
                technique: args.technique,
                timing: args.timing.0,
                dose_gy: args.dose_gy,
                fractions: args.fractions,
                interval_days: args.interval_days,
            };
            let answer = concur_synthesis::assess(&evidence, query)?;
            let format = if json {
                AnswerFormat::Json
            } else {
                args.format
            };
            match format {
                AnswerFormat::Json => {
                    print::json(&concur_report::answer_json(&review, &answer))?;
                }
                AnswerFormat::Markdown => {
                    print::text(&concur_report::answer_markdown(&review, &answer))?;
                }
                AnswerFormat::Text => print::prose(
                    &concur_report::answer_markdown(&review, &answer).replace("**", ""),
                )?,
            }
            Ok(0)
        }
        Command::Check => {
            let check = concur_report::check_json(&review);
            if json {
                print::json(&check)?;
            } else {
                print::line(&format!(
                    "{}: valid ({} studies, {} guidance statements, {} references)",
                    check.review, check.studies, check.guidance, check.references
                ))?;
            }
            Ok(0)
        }
        Command::Diff { .. }
        | Command::Init(_)
        | Command::Import(_)
        | Command::Dedup(_)
        | Command::Records(_)
        | Command::Search(_)
        | Command::Pubmed(_)
        | Command::Screen(_)
        | Command::Prisma { .. }
        | Command::Extract(_)
        | Command::Edition(_)
        | Command::Update(_)
        | Command::Serve { .. }
        | Command::Reviewer { .. }
        | Command::Meta(_)
        | Command::Proportion { .. } => unreachable!("dispatched in run"),
    }
}

/// The review folder the commands on the review read: `--review`, else the folder the
/// workspace (`--workspace`, or the one the current folder is in) serves, else none (the
/// embedded review).
fn served_review(review: Option<&Path>, workspace: Option<&Path>) -> Option<PathBuf> {
    if let Some(dir) = review {
        return Some(dir.to_path_buf());
    }
    let dir = match workspace {
        Some(d) => d.to_path_buf(),
        None => Workspace::find(&std::env::current_dir().ok()?).ok()?,
    };
    let config = Workspace::config(&dir).ok()?;
    config.review.filter(|r| !r.is_empty()).map(|r| dir.join(r))
}

/// `concur reviewer`: sign-in tokens for the web app.
fn reviewer(command: cli::ReviewerCommand, workspace: Option<&Path>, json: bool) -> Result<u8> {
    let ws = open(workspace)?;
    match command {
        cli::ReviewerCommand::Add { name } => {
            let token = ws.add_reviewer(&name)?;
            print::result(
                json,
                &serde_json::json!({ "reviewer": name, "token": token }),
                &format!("{name}'s sign-in token (shown once; give it to {name} only): {token}"),
            )?;
        }
        cli::ReviewerCommand::List => {
            let list = ws.web_reviewers()?;
            if json {
                print::json(&list)?;
            } else {
                for (name, at) in &list {
                    print::line(&format!("{:<20} token made {at}", print::clean(name)))?;
                }
            }
        }
        cli::ReviewerCommand::Remove { name } => {
            if !ws.remove_reviewer(&name)? {
                anyhow::bail!("{name} has no token");
            }
            print::result(
                json,
                &serde_json::json!({ "removed": name }),
                &format!("{name} can no longer sign in; their decisions stay"),
            )?;
        }
    }
    Ok(0)
}

/// `concur serve`: the web app on the review the other commands would read.
fn serve(bind: std::net::SocketAddr, review: Option<&Path>, ws: Option<&Path>) -> Result<u8> {
    let dir = served_review(review, ws);
    let loaded = load(dir.as_deref())?;
    let workspace = ws
        .map(Path::to_path_buf)
        .or_else(|| Workspace::find(&std::env::current_dir().ok()?).ok());
    let exposed = !bind.ip().is_loopback();
    if exposed {
        let reviewers = match &workspace {
            Some(dir) => open_at(dir)?.web_reviewers()?.len(),
            None => 0,
        };
        if reviewers == 0 {
            anyhow::bail!(
                "{bind} can be reached from other machines, so every page needs a signed-in reviewer, and this workspace has no reviewer tokens: make them first with `concur reviewer add NAME` (or bind to 127.0.0.1)"
            );
        }
        crate::print::eline(&format!(
            "listening on {bind}, reachable from other machines: every page asks for a reviewer's token ({reviewers} reviewer(s) can sign in)"
        ));
    }
    concur_web::serve_blocking(
        concur_web::Options {
            review: loaded,
            review_dir: dir,
            workspace,
            bind,
            require_sign_in: exposed,
        },
        |address| {
            println!("concur serves the review at http://{address}/ (Ctrl-C stops it)");
        },
    )?;
    Ok(0)
}

/// The edition declared just before `id`.
fn previous_edition<'a>(full: &'a Review, id: &str) -> Option<&'a str> {
    let i = full.edition_index(id)?;
    i.checked_sub(1)
        .and_then(|p| full.meta.editions.get(p))
        .map(|e| e.id.as_str())
}

/// The review: the folder given, or the embedded default.
pub(crate) fn load(review: Option<&Path>) -> Result<Review> {
    match review {
        Some(dir) => concur_evidence::load_dir(dir)
            .with_context(|| format!("loading the review in {}", dir.display())),
        None => {
            let mut files = Vec::new();
            collect(&DEFAULT_REVIEW, &mut files);
            concur_evidence::load_files(files).context("loading the embedded default review")
        }
    }
}

fn collect(dir: &Dir<'_>, files: &mut Vec<ReviewFile>) {
    for file in dir.files() {
        let path = file.path().to_string_lossy().replace('\\', "/");
        if let (true, Some(text)) = (path.ends_with(".toml"), file.contents_utf8()) {
            files.push(ReviewFile {
                path,
                text: text.to_string(),
            });
        }
    }
    for sub in dir.dirs() {
        collect(sub, files);
    }
}

/// The review a workspace serves: `--review`, else the folder its `concur.toml` names, else the
/// embedded default.
pub(crate) fn review_of(ws: &Workspace, review: Option<&Path>) -> Result<Review> {
    match (review, ws.config.review.as_deref()) {
        (Some(dir), _) => load(Some(dir)),
        (None, Some(dir)) if !dir.is_empty() => load(Some(&ws.root().join(dir))),
        _ => load(None),
    }
}

/// `concur prisma`: the flow from the workspace's log, with the review's included studies.
fn prisma(
    review: Option<&Path>,
    workspace: Option<&Path>,
    svg: Option<&Path>,
    json: bool,
) -> Result<u8> {
    let ws = open(workspace)?;
    let full = review_of(&ws, review)?;
    let review = match full.current_edition() {
        Some(e) => concur_synthesis::edition(&full, e)?,
        None => full.clone(),
    };
    let evidence = Evidence::new(&review);
    let flow = evidence.prisma(Some(&literature_counts(&ws)?));
    if let Some(path) = svg {
        std::fs::write(path, concur_report::prisma_svg(&flow))
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    if json {
        print::json(&flow)?;
    } else {
        print::prose(&concur_report::prisma_text(&flow))?;
        if let Some(path) = svg {
            print::line(&format!("wrote the diagram to {}", path.display()))?;
        }
    }
    Ok(0)
}

/// The workspace folder: `--workspace`, else the current folder or one of its parents.
pub(crate) fn open(workspace: Option<&Path>) -> Result<Workspace> {
    let dir = match workspace {
        Some(dir) => dir.to_path_buf(),
        None => Workspace::find(&std::env::current_dir()?)?,
    };
    open_at(&dir)
}

fn open_at(dir: &Path) -> Result<Workspace> {
    Workspace::open(dir).with_context(|| format!("opening the workspace in {}", dir.display()))
}

/// A workspace's counts as the PRISMA flow takes them.
fn literature_counts(ws: &Workspace) -> Result<LiteratureCounts> {
    Ok(concur_web::literature_counts(ws)?)
}

fn init(
    dir: &Path,
    with_review: bool,
    review: Option<&Path>,
    workspace: Option<&Path>,
) -> Result<u8> {
    let dir = workspace.unwrap_or(dir);
    let copy = dir.join("review");
    if with_review {
        if dir.join(concur_store::CONFIG_FILE).exists() {
            Err(concur_store::StoreError::Exists(dir.to_path_buf()))?;
        }
        if copy.exists() {
            anyhow::bail!(
                "{} exists already; the workspace's copy of the review goes there",
                copy.display()
            );
        }
        let files = match review {
            Some(r) => concur_evidence::read_dir(r)
                .with_context(|| format!("reading the review in {}", r.display()))?,
            None => {
                let mut files = Vec::new();
                collect(&DEFAULT_REVIEW, &mut files);
                files
            }
        };
        for f in &files {
            let path = copy.join(&f.path);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(&path, &f.text)
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
    }
    let config = match (with_review, review) {
        (true, _) => concur_store::Config::for_review(dir, &copy)?,
        (false, Some(r)) => concur_store::Config::for_review(dir, r)?,
        (false, None) => concur_store::Config::default(),
    };
    Workspace::init(dir, config)?;
    print::line(&format!(
        "created a concur workspace in {} ({}, {}); import records with `concur import FILE...`",
        dir.display(),
        concur_store::CONFIG_FILE,
        concur_store::DATABASE_FILE
    ))?;
    Ok(0)
}

fn import(args: cli::ImportArgs, workspace: Option<&Path>, json: bool) -> Result<u8> {
    let mut ws = open(workspace)?;
    let options = ImportOptions {
        source: args.source,
        format: args.format,
        strict: args.strict,
    };
    let bar = (!args.quiet && !json && std::io::stderr().is_terminal()).then(|| {
        let bar = indicatif::ProgressBar::new_spinner();
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} {msg} {human_pos} records ({per_sec}) {elapsed}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
        );
        bar
    });
    let mut progress = |p: ImportProgress<'_>| {
        let Some(bar) = &bar else { return };
        match p {
            ImportProgress::Started(file) => {
                bar.reset();
                bar.set_message(file.display().to_string());
                bar.enable_steady_tick(std::time::Duration::from_millis(120));
            }
            ImportProgress::Records(n) => bar.set_position(u64::try_from(n).unwrap_or(0)),
            ImportProgress::Finished => bar.finish_and_clear(),
        }
    };
    let outcomes = ws.import_files(&args.files, &options, &mut progress)?;
    search::after_change(&ws, args.quiet || json);
    if json {
        print::record_json(&outcomes)?;
    } else {
        for o in &outcomes {
            print::file_outcome(o)?;
            match o.failure {
                Some(Failure::UnknownFormat) => {
                    crate::print::eline("  help: name the format with --format");
                }
                Some(Failure::Strict) => {
                    crate::print::eline(
                        "  help: without --strict the readable records are imported and the problems stored",
                    );
                }
                _ => {}
            }
        }
    }
    Ok(if outcomes.iter().any(|o| o.error.is_some()) {
        exit::INPUT
    } else {
        0
    })
}

fn dedup(args: cli::DedupArgs, workspace: Option<&Path>, json: bool) -> Result<u8> {
    let mut ws = open(workspace)?;
    if let Some(run) = args.undo {
        let (run, changed) = ws.undo_dedup(run)?;
        search::after_change(&ws, json);
        print::result(
            json,
            &print::Undone {
                undone: run,
                records_restored: changed,
            },
            &format!("undid dedup run {run}: {changed} records back to their earlier status"),
        )?;
        return Ok(0);
    }
    if let Some(record) = args.not_duplicate {
        let others = ws.keep_apart(record)?;
        print::result(
            json,
            &print::KeptApart {
                record,
                kept_apart_from: &others,
            },
            &format!(
                "record {record} is no longer a duplicate; it stays apart from records {} in later runs",
                print::id_list(&others)
            ),
        )?;
        return Ok(0);
    }
    if let Some([record, other]) = args.different.as_deref() {
        let (one, two) = ws.keep_different(*record, *other)?;
        print::result(
            json,
            &print::KeptDifferent {
                records: &one,
                kept_apart_from: &two,
            },
            &format!(
                "records {} are a different publication from records {}; kept apart in later runs",
                print::id_list(&one),
                print::id_list(&two)
            ),
        )?;
        return Ok(0);
    }
    if let Some([record, other]) = args.same.as_deref() {
        ws.keep_together(*record, *other)?;
        if !json {
            print::line(&format!(
                "records {record} and {other} are one publication, from this run on"
            ))?;
        }
    }
    let settings = concur_store::DedupSettings {
        title_similarity: args.similarity,
        ..Default::default()
    };
    let result = ws.dedup(settings, args.dry_run)?;
    search::after_change(&ws, json);
    if json {
        print::record_json(&result)?;
        return Ok(0);
    }
    let title = |id: i64| -> String {
        ws.record(id)
            .ok()
            .flatten()
            .and_then(|r| r.record.title)
            .map(|t| print::shorten(&t, 70))
            .unwrap_or_default()
    };
    print::dedup_result(&result, &title)?;
    Ok(0)
}

fn records(args: cli::RecordsArgs, workspace: Option<&Path>, json: bool) -> Result<u8> {
    let ws = open(workspace)?;
    // `concur records` with no subcommand is `records list`.
    let command = args.command.unwrap_or(RecordsCommand::List {
        filter: args.filter,
    });
    match command {
        RecordsCommand::List { filter } => {
            let list = ws.records(&filter.filter())?;
            if json {
                print::record_json(&list)?;
            } else {
                print::record_table(&list)?;
            }
        }
        RecordsCommand::Show { id } => {
            let Some(r) = ws.record(id)? else {
                anyhow::bail!("there is no record {id}; `concur records` lists them");
            };
            if json {
                print::record_json(&r)?;
            } else {
                print::record(&r)?;
            }
        }
        RecordsCommand::Export {
            format,
            out,
            all,
            filter,
        } => export(&ws, format, out.as_deref(), all, &filter)?,
        RecordsCommand::Attach { id, file } => {
            let bytes =
                std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let text = concur_fulltext::read(&bytes)
                .with_context(|| format!("reading the full text in {}", file.display()))?;
            let name = file.file_name().map_or_else(
                || file.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            );
            let a = ws.attach_fulltext(&concur_store::NewFullText {
                record: id,
                file_name: &name,
                bytes: &bytes,
                kind: text.kind.extension(),
                text: &text.to_text(),
                pages: text.pages.len(),
            })?;
            print::result(
                json,
                &a,
                &format!(
                    "attached {} to record {id}: {} pages, {} words; `concur records text {id}` prints it",
                    print::clean(&name),
                    a.pages,
                    text.words()
                ),
            )?;
        }
        RecordsCommand::Text { id, page, find } => {
            let Some(a) = ws.fulltext(id)? else {
                anyhow::bail!(
                    "record {id} has no full text; attach one with `concur records attach {id} FILE`"
                );
            };
            let text = concur_fulltext::read(ws.fulltext_text(&a)?.as_bytes())
                .with_context(|| format!("reading the stored text of record {id}"))?;
            if let Some(n) = page {
                if text.page(n).is_none() {
                    anyhow::bail!(
                        "record {id}'s full text has {} pages, not {n}",
                        text.pages.len()
                    );
                }
            }
            if let Some(needle) = find {
                let found = text.find(&needle);
                if json {
                    print::json(&found)?;
                } else if found.is_empty() {
                    print::line(&format!("not found in record {id}'s full text"))?;
                } else {
                    for l in found {
                        print::line(&format!("page {}, line {}", l.page, l.line))?;
                    }
                }
                return Ok(0);
            }
            let pages: Vec<(usize, &str)> = text
                .pages
                .iter()
                .enumerate()
                .map(|(i, p)| (i + 1, p.as_str()))
                .filter(|(n, _)| page.is_none_or(|want| want == *n))
                .collect();
            if json {
                let v: Vec<serde_json::Value> = pages
                    .iter()
                    .map(|(n, p)| serde_json::json!({"page": n, "lines": p.lines().collect::<Vec<_>>()}))
                    .collect();
                print::json(&serde_json::json!({"record": id, "file": a.file_name, "pages": v}))?;
            } else {
                let mut s = String::new();
                for (n, p) in pages {
                    s.push_str(&format!("--- page {n} ---\n"));
                    for (k, line) in p.lines().enumerate() {
                        s.push_str(&format!("{:>4}  {}\n", k + 1, line));
                    }
                }
                print::text(&s)?;
            }
        }
        RecordsCommand::Batches => {
            let batches = ws.batches()?;
            if json {
                print::record_json(&batches)?;
            } else {
                print::batches(&batches)?;
            }
        }
        RecordsCommand::Flagged => {
            let flagged = ws.flagged()?;
            if json {
                print::record_json(&flagged)?;
            } else {
                let mut out = String::new();
                for f in &flagged {
                    out.push_str(&format!("{} and {}: {}\n", f.a, f.b, f.why));
                }
                out.push_str(&format!(
                    "{} pairs to check; a decision is recorded with `concur dedup --different ID OTHER` \
                     or `concur dedup --same ID OTHER`\n",
                    flagged.len()
                ));
                print::text(&out)?;
            }
        }
        RecordsCommand::Counts => {
            let c = ws.counts()?;
            if json {
                print::record_json(&c)?;
            } else {
                let mut out = String::new();
                for (source, n) in &c.identified {
                    out.push_str(&format!("identified from {source}: {n}\n"));
                }
                out.push_str(&format!("duplicates removed: {}\n", c.duplicates));
                out.push_str(&format!("deleted by PubMed updates: {}\n", c.deleted));
                out.push_str(&format!("records to screen: {}\n", c.remaining));
                out.push_str(&format!("unreadable records reported: {}\n", c.rejected));
                print::text(&out)?;
            }
        }
    }
    Ok(0)
}

/// `records export`: by default what goes on to screening (neither duplicates nor deleted).
fn export(
    ws: &Workspace,
    format: concur_store::OutFormat,
    out: Option<&Path>,
    all: bool,
    filter: &cli::FilterArgs,
) -> Result<()> {
    let mut f = filter.filter();
    if all {
        f.status = None;
    }
    let chosen = f.status.is_some();
    let keep =
        |r: &StoredRecord| all || chosen || matches!(r.status, Status::Unique | Status::Primary);
    let sink: Box<dyn std::io::Write> = match out {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    let n = ws.export(&f, &keep, sink, format)?;
    if let Some(path) = out {
        crate::print::eline(&format!(
            "wrote {n} records to {}",
            PathBuf::from(path).display()
        ));
    }
    Ok(())
}
