//! The command line as clap types: every command, argument and value parser, and nothing else.

use clap::{Args, Parser, Subcommand, ValueEnum};
use concur_evidence::{Design, Setting, Site, Technique, TimingMode};
use concur_store::{Format, OutFormat, Status};
use concur_synthesis::{Measure, Pooling, Test};
use std::path::PathBuf;

/// concur: evidence on giving cancer drugs together with radiotherapy.
///
/// Works out of the box on the embedded review (T-DM1 with radiotherapy in HER2-positive breast
/// cancer). It summarises published evidence; it does not replace clinical judgement.
#[derive(Parser)]
#[command(name = "concur", version, about, long_about)]
pub struct Cli {
    /// Review folder to load instead of the embedded default review.
    #[arg(long, global = true, value_name = "DIR")]
    pub review: Option<PathBuf>,
    /// Edition of the review to use (default: the latest, `current`); e.g. 2021-01 for the review
    /// as published.
    #[arg(long, global = true, value_name = "EDITION")]
    pub edition: Option<String>,
    /// Workspace folder for init, import, dedup and records (default: the current folder or the
    /// nearest parent with a concur.toml).
    #[arg(long, global = true, value_name = "DIR")]
    pub workspace: Option<PathBuf>,
    /// Print JSON instead of text (every reporting command; shapes in docs/cli.md).
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Command,
}

/// How `assess` prints its answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AnswerFormat {
    /// Text for a terminal.
    Text,
    /// Markdown.
    Markdown,
    /// JSON (the same as `--json`).
    Json,
}

#[derive(Subcommand)]
pub enum Command {
    /// List the studies of the review, with filters; `studies show ID` prints one in full.
    Studies(StudiesArgs),
    /// Check the evidence base and the source for inconsistencies; fails on unacknowledged errors.
    Audit,
    /// Meta-analysis of a CSV of studies, with metafor's methods and numbers.
    ///
    /// CSV columns: study,events,total (PR, PLO, PAS, PFT); study,events_t,total_t,events_c,total_c
    /// (RR, OR, RD; first group = treatment); study,yi,vi or study,yi,sei (GEN); study,hr,ci_lb,ci_ub (HR).
    Meta(MetaArgs),
    /// The four confidence intervals of one proportion (Clopper-Pearson, Wilson, Jeffreys, Agresti-Coull).
    Proportion {
        /// Number of events.
        events: u64,
        /// Number of patients.
        total: u64,
        /// Confidence level in percent.
        #[arg(long, default_value_t = 95.0)]
        level: f64,
    },
    /// Regenerate the whole review: index.html, report.md, tables/*.csv, analyses.json, figures/*.svg.
    Report {
        /// Output folder (created if missing; files of the same names are replaced).
        #[arg(long, default_value = "concur-report", value_name = "DIR")]
        out: PathBuf,
    },
    /// Answer a clinician's question: the evidence on a drug given with radiotherapy to a site.
    Assess(AssessArgs),
    /// What changed between two editions: studies, pooled estimates, certainty, guidance.
    Diff {
        /// The earlier edition (default: the one before `--to`).
        #[arg(long)]
        from: Option<String>,
        /// The later edition (default: the latest).
        #[arg(long)]
        to: Option<String>,
    },
    /// Create a review workspace (concur.toml and a SQLite database) for imported records.
    Init(InitArgs),
    /// Import PubMed XML (.xml, .xml.gz), MEDLINE, RIS, Web of Science, Ovid, CSV or JSON Lines
    /// files into the workspace: one batch (one transaction) per file; the same file twice is a no-op.
    Import(ImportArgs),
    /// Find duplicate records (identifiers, then title + year + first author); undo any run.
    Dedup(DedupArgs),
    /// List, show and export the workspace's records; batches and PRISMA counts.
    Records(RecordsArgs),
    /// Search the workspace's records with PubMed's query language; `--strategy` runs the
    /// review's search strategy, `search log` lists saved searches.
    Search(SearchArgs),
    /// Search PubMed itself over NCBI's E-utilities; `--import` fetches every record found into
    /// the workspace (resumable), `--save` logs the run for PRISMA.
    Pubmed(PubmedArgs),
    /// Screening: the terminal screener (`concur screen --reviewer NAME`), its script commands
    /// (next, decide, undo, conflicts, resolve, agreement, status, auto, export) and
    /// `screen simulate`, which replays a labelled set with ASReview's metrics.
    Screen(ScreenArgs),
    /// The PRISMA 2020 flow diagram from the workspace's log: identified, duplicates, automatic
    /// exclusions, screening and full-text decisions with reasons.
    Prisma {
        /// Draw the diagram to this SVG file.
        #[arg(long, value_name = "FILE.svg")]
        svg: Option<PathBuf>,
    },
    /// Validate the review folder and print a one-line summary.
    Check,
    /// Data extraction from included records: a form per reviewer (`extract new`), its check
    /// against the review's rules and the full text, the comparison of two reviewers' forms, and
    /// acceptance into the review folder.
    Extract(ExtractArgs),
    /// The review's editions: `edition new ID --label ...` opens the next one, `edition list`.
    Edition(EditionArgs),
    /// The web app: the clinician's question, the evidence, the report and a JSON API, on
    /// loopback by default; prints the address to open.
    Serve {
        /// Address to listen on (another address than loopback makes the pages reachable from
        /// the network).
        #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDRESS:PORT")]
        bind: std::net::SocketAddr,
    },
    /// Reviewers of the web app: `reviewer add NAME` makes a sign-in token (shown once, stored
    /// hashed), `reviewer list`, `reviewer remove NAME`.
    Reviewer {
        #[command(subcommand)]
        command: ReviewerCommand,
    },
    /// The monthly turn of a living review: re-run every saved search, import only what is new,
    /// deduplicate, and report what waits (screening, extraction, comparison, pooled estimates
    /// that would change). Safe from cron: asks nothing, and a second run changes nothing.
    Update(UpdateArgs),
}

#[derive(Subcommand)]
pub enum ReviewerCommand {
    /// Make (or replace) a reviewer's sign-in token and print it.
    Add {
        /// The reviewer (letters, digits, `.`, `_`, `-`).
        name: String,
    },
    /// The reviewers with a token.
    List,
    /// Take a reviewer's token away (their decisions stay).
    Remove {
        /// The reviewer.
        name: String,
    },
}

#[derive(Args)]
pub struct ExtractArgs {
    #[command(subcommand)]
    pub command: ExtractCommand,
}

#[derive(Subcommand)]
pub enum ExtractCommand {
    /// Write an extraction form for a record into extractions/REVIEWER/STUDY.toml: the review's
    /// study format, prefilled with what the record knows, every other value empty.
    New {
        /// The workspace record (its number in `records list`).
        record: i64,
        /// Who extracts (letters, digits, `.`, `_`, `-`).
        #[arg(long, value_name = "NAME", env = "CONCUR_REVIEWER")]
        reviewer: String,
        /// The study id (default: first author's surname and year, e.g. dastgheyb-2023).
        #[arg(long, value_name = "ID")]
        study: Option<String>,
        #[arg(long, value_parser = vocab::<Design>, help = help::<Design>(
            "The design, when known: fills in the risk-of-bias tool and its domains"))]
        design: Option<Design>,
    },
    /// Check forms: what is still empty, every rule of the review's loader (located), and each
    /// number whose locator names a page of the record's full text, at that place.
    Check {
        /// The study.
        study: String,
        /// Only this reviewer's form (default: every form of the study).
        #[arg(long, value_name = "NAME")]
        reviewer: Option<String>,
    },
    /// List, field by field, where two reviewers' forms of a study differ (values, units,
    /// locators, arms, risk of bias). Exits 1 when they differ, like diff.
    Compare {
        /// The study.
        study: String,
        /// The two reviewers (default: the study's two forms).
        #[arg(long, value_name = "NAME", num_args = 2)]
        reviewers: Option<Vec<String>>,
    },
    /// Move a checked form into the review folder's studies/, with `since` set to the latest
    /// edition and who extracted and checked it, and add its rows to the analyses it belongs in.
    Accept {
        /// The study.
        study: String,
        /// Whose form to accept.
        #[arg(
            long,
            value_name = "NAME",
            required_unless_present = "file",
            conflicts_with = "file"
        )]
        from: Option<String>,
        /// A resolved form to accept instead (e.g. one the two reviewers agreed on).
        #[arg(long, value_name = "FILE")]
        file: Option<PathBuf>,
        /// Do not add rows to analyses.
        #[arg(long)]
        no_analyses: bool,
    },
    /// Every form in the workspace with its state.
    List,
}

#[derive(Args)]
pub struct EditionArgs {
    #[command(subcommand)]
    pub command: EditionCommand,
}

#[derive(Subcommand)]
pub enum EditionCommand {
    /// Open the next edition: accepted studies join it, and `concur diff` compares it with the
    /// one before.
    New {
        /// Its id (letters, digits, `.`, `_`, `-`), e.g. 2026-12.
        id: String,
        /// What it is, in a line.
        #[arg(long)]
        label: String,
        /// Its date (ISO), when it is fixed.
        #[arg(long, value_name = "YYYY-MM-DD")]
        date: Option<String>,
    },
    /// The editions, oldest first.
    List,
}

#[derive(Args)]
pub struct UpdateArgs {
    /// Re-run searches on the workspace only; do not ask PubMed.
    #[arg(long)]
    pub offline: bool,
    #[command(flatten)]
    pub eutils: EutilsArgs,
    /// No progress display.
    #[arg(long)]
    pub quiet: bool,
}

#[derive(Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct StudiesArgs {
    #[command(subcommand)]
    pub show: Option<StudiesCommand>,
    #[arg(long, value_parser = vocab::<Site>,
          help = help::<Site>("Irradiated site; `breast` also covers chest wall and regional nodes"))]
    pub site: Option<Site>,
    #[arg(long, value_parser = vocab_group::<Technique>,
          help = group_help::<Technique>("Radiotherapy technique"))]
    pub technique: Option<AnyOf<Technique>>,
    #[arg(long, value_parser = vocab::<TimingMode>, help = help::<TimingMode>(
        "Timing of drug and radiotherapy; `concurrent` also lists mixed studies with concurrent patients"))]
    pub timing: Option<TimingMode>,
    #[arg(long, value_parser = vocab_group::<Design>, help = group_help::<Design>("Study design"))]
    pub design: Option<AnyOf<Design>>,
    /// Drug name, synonym (e.g. Kadcyla) or class (e.g. her2-adc).
    #[arg(long)]
    pub drug: Option<String>,
    #[arg(long, value_parser = vocab::<Setting>, help = help::<Setting>("Disease setting"))]
    pub setting: Option<Setting>,
}

#[derive(Subcommand)]
pub enum StudiesCommand {
    /// Print one study with every field, its locators, and BED/EQD2 of its schedules.
    Show {
        /// Study id, as listed by `concur studies`.
        id: String,
    },
}

#[derive(Args)]
pub struct AssessArgs {
    /// Drug name or synonym (T-DM1, TDM1, trastuzumab emtansine, ado-trastuzumab emtansine, Kadcyla, ...).
    #[arg(long)]
    pub drug: String,
    #[arg(long, value_parser = vocab::<Site>,
          help = help::<Site>("Site to irradiate; `breast` also covers chest wall and regional nodes"))]
    pub site: Site,
    #[arg(long, value_parser = vocab_one::<Technique>, help = help::<Technique>("Planned technique"))]
    pub technique: Option<Technique>,
    /// Planned timing of drug and radiotherapy: concurrent, sequential or any.
    #[arg(long, default_value = "any", value_parser = parse_timing)]
    pub timing: TimingChoice,
    /// Planned total dose in Gy (with --fractions), to compare its EQD2 with the evidence.
    #[arg(long, value_name = "GY")]
    pub dose_gy: Option<f64>,
    /// Planned number of fractions (with --dose-gy).
    #[arg(long)]
    pub fractions: Option<f64>,
    /// Planned days from a drug dose to the start of radiotherapy (negative when radiotherapy
    /// comes first): shows which studies' concurrency windows the plan falls inside, and whether
    /// it meets recommended holds on both sides when the drug's cycle is known.
    #[arg(long, value_name = "DAYS", allow_negative_numbers = true)]
    pub interval_days: Option<i32>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: AnswerFormat,
}

/// `--timing` of `assess`: a timing mode, or any.
#[derive(Debug, Clone, Copy)]
pub struct TimingChoice(pub Option<TimingMode>);

fn parse_timing(text: &str) -> Result<TimingChoice, String> {
    match TimingMode::parse_words(text) {
        _ if text.trim().eq_ignore_ascii_case("any") => Ok(TimingChoice(None)),
        Some(mode @ (TimingMode::Concurrent | TimingMode::Sequential)) => {
            Ok(TimingChoice(Some(mode)))
        }
        _ => Err(format!(
            "unknown timing `{text}`; known: concurrent, sequential, any"
        )),
    }
}

#[derive(Args)]
pub struct MetaArgs {
    /// CSV file of studies (see the command's help for the columns).
    #[arg(long, value_name = "FILE.csv")]
    pub data: PathBuf,
    /// Effect measure: PR, PLO, PAS, PFT, RR, OR, RD, GEN, HR.
    #[arg(long, value_parser = parse_measure)]
    pub measure: Measure,
    /// Method: EE (alias FE), DL, REML, ML, PM, SJ, HE, HS, MH, PETO, GLMM.
    #[arg(long, default_value = "REML", value_parser = parse_pooling)]
    pub method: Pooling,
    /// Test for the pooled estimate: z, or knha (Hartung-Knapp).
    #[arg(long, default_value = "z", value_parser = parse_test)]
    pub test: Test,
    /// Confidence level in percent.
    #[arg(long, default_value_t = 95.0)]
    pub level: f64,
    /// Also refit without each study in turn.
    #[arg(long)]
    pub leave_one_out: bool,
    /// Column holding subgroup labels: fit each subgroup and test their differences.
    #[arg(long, value_name = "COLUMN")]
    pub subgroup: Option<String>,
}

fn parse_measure(text: &str) -> Result<Measure, String> {
    Measure::parse(text).ok_or_else(|| {
        format!("unknown measure `{text}`; known: PR, PLO, PAS, PFT, RR, OR, RD, GEN, HR")
    })
}

fn parse_pooling(text: &str) -> Result<Pooling, String> {
    Pooling::parse(text).ok_or_else(|| {
        format!(
            "unknown method `{text}`; known: EE, FE, DL, REML, ML, PM, SJ, HE, HS, MH, PETO, GLMM"
        )
    })
}

fn parse_test(text: &str) -> Result<Test, String> {
    match text.to_ascii_lowercase().as_str() {
        "z" => Ok(Test::Z),
        "knha" => Ok(Test::Knha),
        _ => Err(format!("unknown test `{text}`; known: z, knha")),
    }
}

/// Parses one of the review vocabularies (an identifier or a clinical word for one), listing
/// the known values on error.
fn vocab<T: Vocabulary>(text: &str) -> Result<T, String> {
    T::parse_id(text).ok_or_else(|| format!("unknown value `{text}`; known: {}", T::known_ids()))
}

/// A filter's values: any of them matches (a newtype, as clap reads a bare `Vec` as a list of
/// arguments).
#[derive(Debug, Clone)]
pub struct AnyOf<T>(pub Vec<T>);

/// A filter's value: one of the vocabulary, or a word for several (any of them matches).
fn vocab_group<T: Vocabulary + concur_evidence::GroupWords + Copy>(
    text: &str,
) -> Result<AnyOf<T>, String> {
    match concur_evidence::parse_group::<T>(text) {
        Some(values) => Ok(AnyOf(values)),
        None => vocab::<T>(text).map(|v| AnyOf(vec![v])),
    }
}

/// A filter's help: [`help`], and the words it takes for several values.
fn group_help<T: Vocabulary + concur_evidence::GroupWords>(what: &str) -> String {
    let groups: Vec<&str> = concur_evidence::group_words::<T>()
        .iter()
        .map(|(w, _)| *w)
        .collect();
    format!("{}; for several: {}", help::<T>(what), groups.join(", "))
}

/// A question's value: one of the vocabulary; a word for several says which to choose from.
fn vocab_one<T: Vocabulary + concur_evidence::GroupWords + Copy + std::fmt::Display>(
    text: &str,
) -> Result<T, String> {
    match concur_evidence::parse_group::<T>(text) {
        Some(values) => Err(format!(
            "`{text}` means several values ({}); a question asks about one of them",
            values
                .iter()
                .map(|v| v.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )),
        None => vocab::<T>(text),
    }
}

/// A vocabulary argument's help: what it is, its values, and the clinical words it also takes.
fn help<T: Vocabulary>(what: &str) -> String {
    let words = T::word_list();
    if words.is_empty() {
        format!("{what} [values: {}]", T::known_ids())
    } else {
        format!("{what} [values: {}; also: {words}]", T::known_ids())
    }
}

/// The vocabularies the CLI accepts as filters.
trait Vocabulary: Sized + Clone + Send + Sync + 'static {
    fn parse_id(text: &str) -> Option<Self>;
    fn known_ids() -> String;
    fn word_list() -> String;
}

macro_rules! vocabulary {
    ($($t:ty),*) => {$(
        impl Vocabulary for $t {
            fn parse_id(text: &str) -> Option<Self> { <$t>::parse_words(text) }
            fn known_ids() -> String { <$t>::known() }
            fn word_list() -> String {
                concur_evidence::words::<$t>()
                    .iter()
                    .map(|(w, _)| *w)
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        }
    )*};
}
vocabulary!(Site, Technique, TimingMode, Design, Setting);

/// Arguments of `concur init`.
#[derive(Args)]
pub struct InitArgs {
    /// Folder of the new workspace (created if missing).
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// Write a copy of the review (the embedded default, or `--review`) into DIR/review for the
    /// team to keep, and serve it: extraction, acceptance and editions change that copy.
    #[arg(long)]
    pub with_review: bool,
}

/// Arguments of `concur import`.
#[derive(Args)]
pub struct ImportArgs {
    /// Files to import: PubMed XML (.xml, .xml.gz), MEDLINE (.nbib), RIS, Web of Science, Ovid,
    /// CSV/TSV or JSON Lines. The format is read from the content.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Source database the files come from (pubmed, embase, scopus, ...); default: the format.
    #[arg(long)]
    pub source: Option<String>,
    /// Force a format: pubmed-xml, medline, ris, wos, ovid, csv, tsv, jsonl.
    #[arg(long, value_parser = parse_format)]
    pub format: Option<Format>,
    /// Fail a file (and import nothing of it) when any record of it cannot be read.
    #[arg(long)]
    pub strict: bool,
    /// No progress display.
    #[arg(long)]
    pub quiet: bool,
}

/// Arguments of `concur dedup`.
#[derive(Args)]
pub struct DedupArgs {
    /// Show the clusters without changing anything.
    #[arg(long)]
    pub dry_run: bool,
    /// Undo the latest dedup run (or the run given, which must be the latest still in effect).
    #[arg(long, value_name = "RUN", num_args = 0..=1, conflicts_with = "dry_run",
          value_parser = clap::value_parser!(i64).range(1..))]
    pub undo: Option<Option<i64>>,
    /// A person's decision: this record is not a duplicate of its cluster, or of the records it
    /// was flagged with (kept apart from now on).
    #[arg(long, value_name = "RECORD", conflicts_with_all = ["dry_run", "undo"])]
    pub not_duplicate: Option<i64>,
    /// A person's decision: these two records are one publication, whatever the matcher says
    /// (joined by this run and every later one).
    #[arg(long, num_args = 2, value_names = ["RECORD", "OTHER"],
          conflicts_with_all = ["dry_run", "undo", "not_duplicate"])]
    pub same: Option<Vec<i64>>,
    /// A person's decision: these two records (and the clusters they are in) are different
    /// publications; the pairs between them are no longer to check (kept apart from now on).
    #[arg(long, num_args = 2, value_names = ["RECORD", "OTHER"],
          conflicts_with_all = ["dry_run", "undo", "not_duplicate", "same"])]
    pub different: Option<Vec<i64>>,
    /// Title similarity (0.5-1) at or above which titles match.
    #[arg(long, default_value_t = 0.95, value_parser = parse_similarity)]
    pub similarity: f64,
}

fn parse_similarity(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(v) if (0.5..=1.0).contains(&v) => Ok(v),
        _ => Err(format!("`{text}` is not a similarity between 0.5 and 1")),
    }
}

/// Arguments of `concur records`.
#[derive(Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct RecordsArgs {
    #[command(subcommand)]
    pub command: Option<RecordsCommand>,
    #[command(flatten)]
    pub filter: FilterArgs,
}

#[derive(Subcommand)]
pub enum RecordsCommand {
    /// The records, filtered (the same as `concur records` without a subcommand).
    List {
        #[command(flatten)]
        filter: FilterArgs,
    },
    /// One record in full.
    Show {
        /// Record number.
        id: i64,
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
    Batches,
    /// Pairs the latest dedup run left to check by hand (errata, preprints, conflicting ids).
    Flagged,
    /// Counts for the PRISMA flow: identified per source, duplicates, deleted, remaining.
    Counts,
    /// Attach a full text (PDF or plain text) to a record: the file is kept in the workspace
    /// and its text extracted page by page.
    Attach {
        /// Record number.
        id: i64,
        /// The PDF or text file.
        file: PathBuf,
    },
    /// Print a record's full text with page and line numbers.
    Text {
        /// Record number.
        id: i64,
        /// Only this page (from 1).
        #[arg(long)]
        page: Option<usize>,
        /// Only the places where this text occurs (whitespace and line breaks ignored).
        #[arg(long, value_name = "TEXT")]
        find: Option<String>,
    },
}

#[derive(Args, Default, Clone)]
pub struct FilterArgs {
    /// Only records of this import batch.
    #[arg(long)]
    pub batch: Option<i64>,
    /// Only these years: 2019 or 2015-2020.
    #[arg(long, value_parser = parse_years)]
    pub year: Option<(u16, u16)>,
    /// Only this language, as the source writes it (eng, English, ...).
    #[arg(long)]
    pub language: Option<String>,
    /// Only records of this duplicate status: unique, primary, duplicate, deleted.
    #[arg(long, value_parser = parse_status)]
    pub status: Option<Status>,
    /// At most this many records.
    #[arg(long)]
    pub limit: Option<usize>,
}

impl FilterArgs {
    /// The store's filter.
    pub fn filter(&self) -> concur_store::Filter {
        concur_store::Filter {
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

#[derive(Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct SearchArgs {
    #[command(subcommand)]
    pub command: Option<SearchCommand>,
    /// The query, in PubMed's syntax: "breast cancer"[tiab] AND (T-DM1 OR emtansine) AND
    /// 2000:2020[dp]. `#id` names a line of the review's strategy.
    #[arg(value_name = "QUERY", required_unless_present = "strategy")]
    pub query: Option<String>,
    /// Run the review's search strategy, line by line, with each line's count.
    #[arg(long, conflicts_with = "query")]
    pub strategy: bool,
    /// Print only the number of records found.
    #[arg(long)]
    pub count: bool,
    /// How many records to list.
    #[arg(long, default_value_t = 20, value_name = "N")]
    pub limit: usize,
    /// Log the search under this name (query, time, count, translation, every record found).
    #[arg(long, value_name = "NAME")]
    pub save: Option<String>,
    /// Print the query as a tree with the count of every part.
    #[arg(long)]
    pub explain: bool,
    /// Include records marked as duplicates.
    #[arg(long)]
    pub duplicates: bool,
    /// NLM MeSH file for explosion and entry terms (d20XX.bin, desc20XX.xml or mtrees20XX.bin);
    /// may be repeated; adds to the workspace's `mesh` setting.
    #[arg(long, value_name = "FILE")]
    pub mesh: Vec<PathBuf>,
    /// Also search untagged terms that are MeSH entry terms as their heading, as PubMed's
    /// automatic term mapping does (needs a MeSH descriptor file).
    #[arg(long)]
    pub map_mesh: bool,
}

#[derive(Subcommand)]
pub enum SearchCommand {
    /// The saved searches, oldest first.
    Log,
}

#[derive(Args)]
pub struct PubmedArgs {
    #[command(subcommand)]
    pub command: PubmedCommand,
}

#[derive(Subcommand)]
pub enum PubmedCommand {
    /// Run a query on PubMed: its count and PubMed's own translation.
    Search(PubmedSearchArgs),
}

#[derive(Args)]
pub struct PubmedSearchArgs {
    /// The query, in PubMed's syntax.
    #[arg(value_name = "QUERY")]
    pub query: String,
    /// Log the run under this name (query, time, count, PubMed's translation, the PMIDs).
    #[arg(long, value_name = "NAME")]
    pub save: Option<String>,
    /// Fetch every record found as PubMed XML and import it into the workspace; an interrupted
    /// fetch continues where it stopped when run again.
    #[arg(long)]
    pub import: bool,
    #[command(flatten)]
    pub eutils: EutilsArgs,
}

/// How to reach PubMed's E-utilities.
#[derive(Args)]
pub struct EutilsArgs {
    /// NCBI API key (10 requests a second instead of 3); default: $NCBI_API_KEY.
    #[arg(long, value_name = "KEY")]
    pub api_key: Option<String>,
    /// Contact address sent to NCBI with every request; default: $NCBI_EMAIL.
    #[arg(long, value_name = "ADDRESS")]
    pub email: Option<String>,
    /// E-utilities address (for a mirror or a test server).
    #[arg(
        long,
        value_name = "URL",
        default_value = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/"
    )]
    pub base_url: String,
}

#[derive(Args)]
pub struct ScreenArgs {
    #[command(subcommand)]
    pub command: Option<ScreenCommand>,
    /// Who screens (the terminal screener; letters, digits, `.`, `_`, `-`).
    #[arg(long, value_name = "NAME", env = "CONCUR_REVIEWER")]
    pub reviewer: Option<String>,
    /// The stage to screen.
    #[arg(long, value_enum, default_value_t = StageArg::TitleAbstract)]
    pub stage: StageArg,
    /// Seeds the ranking model and random samples.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

/// A screening stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StageArg {
    /// Titles and abstracts.
    TitleAbstract,
    /// Full texts (records included or maybe at title and abstract).
    FullText,
}

/// A screening decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum VerdictArg {
    /// Relevant: moves on.
    Include,
    /// Not relevant.
    Exclude,
    /// Unsure: moves on to full text.
    Maybe,
}

/// Who screens and where.
#[derive(Args, Clone)]
pub struct ReviewerStage {
    /// The reviewer.
    #[arg(long, value_name = "NAME", env = "CONCUR_REVIEWER")]
    pub reviewer: String,
    /// The stage.
    #[arg(long, value_enum, default_value_t = StageArg::TitleAbstract)]
    pub stage: StageArg,
}

/// A decision's verdict and why.
#[derive(Args, Clone)]
pub struct VerdictArgs {
    /// The record.
    pub id: i64,
    /// The decision.
    #[arg(long, value_enum)]
    pub decision: VerdictArg,
    /// The exclusion reason's id (one of the review's; `concur screen reasons` lists them).
    #[arg(long, value_name = "ID")]
    pub reason: Option<String>,
    /// The reason in your words.
    #[arg(long, value_name = "TEXT")]
    pub reason_text: Option<String>,
    /// A note kept with the decision.
    #[arg(long, value_name = "TEXT")]
    pub note: Option<String>,
}

#[derive(Subcommand)]
pub enum ScreenCommand {
    /// The record a reviewer should screen next (ranked by the model trained on their own
    /// decisions), with the eligibility criteria and the stopping indicator; marks it shown.
    Next {
        #[command(flatten)]
        who: ReviewerStage,
        /// A record drawn at random instead (a random sample, for the recall estimate).
        #[arg(long)]
        sample: bool,
        /// Seeds the model and the random order.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Record a reviewer's decision on a record.
    Decide {
        #[command(flatten)]
        verdict: VerdictArgs,
        #[command(flatten)]
        who: ReviewerStage,
    },
    /// Undo a reviewer's latest decision still in effect (a new row; history is kept).
    Undo {
        #[command(flatten)]
        who: ReviewerStage,
    },
    /// Records the reviewers disagree on (and merged records one reviewer judged differently).
    Conflicts {
        /// The stage.
        #[arg(long, value_enum, default_value_t = StageArg::TitleAbstract)]
        stage: StageArg,
    },
    /// Settle a conflict: the resolver's decision stands for the record.
    Resolve {
        #[command(flatten)]
        verdict: VerdictArgs,
        #[command(flatten)]
        who: ReviewerStage,
    },
    /// Agreement between two reviewers over the records both screened: percent, Cohen's kappa
    /// with its interval, Gwet's AC1; and how many records only one of them screened.
    Agreement {
        /// The stage.
        #[arg(long, value_enum, default_value_t = StageArg::TitleAbstract)]
        stage: StageArg,
        /// The two reviewers (default: the first two by name).
        #[arg(long, value_delimiter = ',', value_name = "A,B", num_args = 1)]
        reviewers: Option<Vec<String>>,
    },
    /// Progress per stage and each reviewer's stopping indicator.
    Status {
        /// The stage.
        #[arg(long, value_enum, default_value_t = StageArg::TitleAbstract)]
        stage: StageArg,
    },
    /// Exclude the records that fail the review's hard limits (language, years, publication
    /// types), each with its logged reason.
    Auto {
        /// Say what would be excluded without recording it.
        #[arg(long)]
        dry_run: bool,
    },
    /// The review's exclusion reasons and eligibility criteria.
    Reasons,
    /// Every decision row, oldest first (of one record when given).
    History {
        /// Only this record (and the records merged into it).
        id: Option<i64>,
    },
    /// Write the screening results: the included records (RIS or CSV, by the file's extension)
    /// and every decision with reviewer and reason (CSV).
    Export {
        /// The records included at full text (or, with --stage title-abstract, those that moved
        /// on from title and abstract).
        #[arg(long, value_name = "FILE.ris|FILE.csv")]
        included: Option<PathBuf>,
        /// Every decision row.
        #[arg(long, value_name = "FILE.csv")]
        decisions: Option<PathBuf>,
        /// Which stage's inclusions `--included` writes.
        #[arg(long, value_enum, default_value_t = StageArg::FullText)]
        stage: StageArg,
    },
    /// Replay a labelled set (CSV with title, abstract, label_included) through the ranking
    /// loop and BUSCAR, one run per seed: WSS@95, WSS@100, RRF@10, ATD, loss, where BUSCAR
    /// stops and the recall there.
    Simulate(SimulateArgs),
}

#[derive(Args)]
pub struct SimulateArgs {
    /// The labelled CSV.
    #[arg(
        long,
        value_name = "FILE.csv",
        required_unless_present = "from_workspace"
    )]
    pub data: Option<PathBuf>,
    /// Replay the workspace's own settled title-and-abstract decisions instead (include or
    /// maybe as relevant, exclude as not).
    #[arg(long, conflicts_with = "data")]
    pub from_workspace: bool,
    /// The first run's seed (priors and model); run i uses seed + i.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// How many runs.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=1000))]
    pub runs: u64,
    /// Relevant records screened first (drawn at random).
    #[arg(long, default_value_t = 1)]
    pub prior_included: usize,
    /// Irrelevant records screened first (drawn at random).
    #[arg(long, default_value_t = 1)]
    pub prior_excluded: usize,
    /// Screen these rows first (numbered from 0 in file order, as ASReview's record ids), in
    /// place of drawing the priors: to replay another tool's priors.
    #[arg(long, value_delimiter = ',', value_name = "ROW,ROW")]
    pub priors: Option<Vec<usize>>,
    /// Draw the recall curves (with the random and perfect lines) to this SVG file.
    #[arg(long, value_name = "FILE.svg")]
    pub svg: Option<PathBuf>,
}
