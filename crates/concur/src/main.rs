//! `concur`: the command-line front of the evidence engine. This file only wires arguments to the
//! library crates and turns their errors into messages for people.

use anyhow::{anyhow, bail, Context, Result};
use clap::{Args, Parser, Subcommand};
use concur_evidence::{Design, Review, ReviewFile, Setting, Site, Technique, TimingMode};
use concur_report::StudyFilter;
use concur_stats::{Measure, Pooling, Spec, Test};
use include_dir::{include_dir, Dir};
use std::path::PathBuf;
use std::process::ExitCode;

/// mimalloc instead of the system allocator: records are built and freed on the parsing threads
/// (not always the same one), and readers make many small allocations; reading MEDLINE went
/// from 1.12 to 0.75 s with it. Built without transparent huge pages (see Cargo.toml): four RIS
/// or MEDLINE files import 6-10 % faster on two cores (docs/benchmarks.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod workspace;

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

/// concur: evidence on giving cancer drugs together with radiotherapy.
///
/// Works out of the box on the embedded review (T-DM1 with radiotherapy in HER2-positive breast
/// cancer). It summarises published evidence; it does not replace clinical judgement.
#[derive(Parser)]
#[command(name = "concur", version, about, long_about)]
struct Cli {
    /// Review folder to load instead of the embedded default review.
    #[arg(long, global = true, value_name = "DIR")]
    review: Option<PathBuf>,
    /// Edition of the review to use (default: the latest, `current`); e.g. 2021-01 for the review
    /// as published.
    #[arg(long, global = true, value_name = "EDITION")]
    edition: Option<String>,
    /// Workspace folder for init, import, dedup and records (default: the current folder or the
    /// nearest parent with a concur.toml).
    #[arg(long, global = true, value_name = "DIR")]
    workspace: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// List the studies of the review, with filters; `studies show ID` prints one in full.
    Studies(StudiesArgs),
    /// Check the evidence base and the source for inconsistencies; fails on unacknowledged errors.
    Audit {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
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
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
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
        /// The earlier edition.
        #[arg(long, default_value = "2021-01")]
        from: String,
        /// The later edition.
        #[arg(long, default_value = "current")]
        to: String,
        /// Print JSON instead of Markdown.
        #[arg(long)]
        json: bool,
    },
    /// Create a review workspace (concur.toml and a SQLite database) for imported records.
    Init(workspace::InitArgs),
    /// Import PubMed XML (.xml, .xml.gz), MEDLINE, RIS, Web of Science, Ovid, CSV or JSON Lines
    /// files into the workspace: one batch (one transaction) per file; the same file twice is a no-op.
    Import(workspace::ImportArgs),
    /// Find duplicate records (identifiers, then title + year + first author); undo any run.
    Dedup(workspace::DedupArgs),
    /// List, show and export the workspace's records; batches and PRISMA counts.
    Records(workspace::RecordsArgs),
    /// Validate the review folder and print a one-line summary.
    Check {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Args)]
#[command(args_conflicts_with_subcommands = true)]
struct StudiesArgs {
    #[command(subcommand)]
    show: Option<StudiesCommand>,
    /// Irradiated site; `breast` also covers chest wall and regional nodes.
    #[arg(long, value_parser = vocab::<Site>)]
    site: Option<Site>,
    /// Radiotherapy technique.
    #[arg(long, value_parser = vocab::<Technique>)]
    technique: Option<Technique>,
    /// Timing of drug and radiotherapy; `concurrent` also lists mixed studies with concurrent patients.
    #[arg(long, value_parser = vocab::<TimingMode>)]
    timing: Option<TimingMode>,
    /// Study design.
    #[arg(long, value_parser = vocab::<Design>)]
    design: Option<Design>,
    /// Drug name, synonym (e.g. Kadcyla) or class (e.g. her2-adc).
    #[arg(long)]
    drug: Option<String>,
    /// Disease setting.
    #[arg(long, value_parser = vocab::<Setting>)]
    setting: Option<Setting>,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct AssessArgs {
    /// Drug name or synonym (T-DM1, TDM1, trastuzumab emtansine, ado-trastuzumab emtansine, Kadcyla, ...).
    #[arg(long)]
    drug: String,
    /// Site to irradiate; `breast` also covers chest wall and regional nodes.
    #[arg(long, value_parser = vocab::<Site>)]
    site: Site,
    /// Planned technique.
    #[arg(long, value_parser = vocab::<Technique>)]
    technique: Option<Technique>,
    /// Planned timing of drug and radiotherapy.
    #[arg(long, default_value = "any", value_parser = parse_timing)]
    timing: TimingChoice,
    /// Planned total dose in Gy (with --fractions), to compare its EQD2 with the evidence.
    #[arg(long, value_name = "GY")]
    dose_gy: Option<f64>,
    /// Planned number of fractions (with --dose-gy).
    #[arg(long)]
    fractions: Option<f64>,
    /// Planned gap in days between a drug dose and radiotherapy: shows which studies' concurrency
    /// windows the plan falls inside, and whether it meets recommended holds.
    #[arg(long, value_name = "DAYS")]
    interval_days: Option<u32>,
    /// Output format.
    #[arg(long, default_value = "text", value_parser = ["text", "markdown", "json"])]
    format: String,
}

/// `--timing`: a timing mode, or any.
#[derive(Debug, Clone, Copy)]
struct TimingChoice(Option<TimingMode>);

fn parse_timing(text: &str) -> std::result::Result<TimingChoice, String> {
    match text.to_ascii_lowercase().as_str() {
        "any" => Ok(TimingChoice(None)),
        "concurrent" => Ok(TimingChoice(Some(TimingMode::Concurrent))),
        "sequential" => Ok(TimingChoice(Some(TimingMode::Sequential))),
        _ => Err(format!(
            "unknown timing `{text}`; known: concurrent, sequential, any"
        )),
    }
}

#[derive(Args)]
struct MetaArgs {
    /// CSV file of studies (see the command's help for the columns).
    #[arg(long, value_name = "FILE.csv")]
    data: PathBuf,
    /// Effect measure: PR, PLO, PAS, PFT, RR, OR, RD, GEN, HR.
    #[arg(long, value_parser = parse_measure)]
    measure: Measure,
    /// Method: EE (alias FE), DL, REML, ML, PM, SJ, HE, HS, MH, PETO, GLMM.
    #[arg(long, default_value = "REML", value_parser = parse_pooling)]
    method: Pooling,
    /// Test for the pooled estimate: z, or knha (Hartung-Knapp).
    #[arg(long, default_value = "z", value_parser = parse_test)]
    test: Test,
    /// Confidence level in percent.
    #[arg(long, default_value_t = 95.0)]
    level: f64,
    /// Also refit without each study in turn.
    #[arg(long)]
    leave_one_out: bool,
    /// Column holding subgroup labels: fit each subgroup and test their differences.
    #[arg(long, value_name = "COLUMN")]
    subgroup: Option<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

fn parse_measure(text: &str) -> std::result::Result<Measure, String> {
    Measure::parse(text).ok_or_else(|| {
        format!("unknown measure `{text}`; known: PR, PLO, PAS, PFT, RR, OR, RD, GEN, HR")
    })
}

fn parse_pooling(text: &str) -> std::result::Result<Pooling, String> {
    Pooling::parse(text).ok_or_else(|| {
        format!(
            "unknown method `{text}`; known: EE, FE, DL, REML, ML, PM, SJ, HE, HS, MH, PETO, GLMM"
        )
    })
}

fn parse_test(text: &str) -> std::result::Result<Test, String> {
    match text.to_ascii_lowercase().as_str() {
        "z" => Ok(Test::Z),
        "knha" => Ok(Test::Knha),
        _ => Err(format!("unknown test `{text}`; known: z, knha")),
    }
}

#[derive(Subcommand)]
enum StudiesCommand {
    /// Print one study with every field, its locators, and BED/EQD2 of its schedules.
    Show {
        /// Study id, as listed by `concur studies`.
        id: String,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

/// Parses one of the review vocabularies, listing the known values on error.
fn vocab<T: Vocabulary>(text: &str) -> std::result::Result<T, String> {
    T::parse_id(text).ok_or_else(|| format!("unknown value `{text}`; known: {}", T::known_ids()))
}

/// The vocabularies the CLI accepts as filters.
trait Vocabulary: Sized + Clone + Send + Sync + 'static {
    fn parse_id(text: &str) -> Option<Self>;
    fn known_ids() -> String;
}

macro_rules! vocabulary {
    ($($t:ty),*) => {$(
        impl Vocabulary for $t {
            fn parse_id(text: &str) -> Option<Self> { <$t>::parse(text) }
            fn known_ids() -> String { <$t>::known() }
        }
    )*};
}
vocabulary!(Site, Technique, TimingMode, Design, Setting);

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(exit::INPUT)
        }
    }
}

fn load(review: Option<&PathBuf>) -> Result<Review> {
    match review {
        Some(dir) => concur_evidence::load_dir(dir)
            .map_err(|e| anyhow!("{e}"))
            .with_context(|| format!("loading the review in {}", dir.display())),
        None => {
            let mut files = Vec::new();
            collect(&DEFAULT_REVIEW, &mut files);
            concur_evidence::load_files(files)
                .map_err(|e| anyhow!("{e}"))
                .context("loading the embedded default review")
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

fn print_json(value: &serde_json::Value) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

fn run(cli: Cli) -> Result<u8> {
    let ws = cli.workspace.as_deref();
    // Commands on user-supplied data need no review.
    match cli.command {
        Command::Init(args) => return workspace::init(args, cli.review.as_deref(), ws),
        Command::Import(args) => return workspace::import(args, ws),
        Command::Dedup(args) => return workspace::dedup(args, ws),
        Command::Records(args) => return workspace::records(args, ws),
        Command::Meta(args) => return meta(args),
        Command::Proportion {
            events,
            total,
            level,
            json,
        } => {
            let p = concur_stats::proportion_intervals(events, total, level)
                .map_err(|e| anyhow!("{e}"))?;
            if json {
                print_json(&concur_report::proportion_json(&p, level))?;
            } else {
                print!("{}", concur_report::proportion_text(&p, level));
            }
            return Ok(0);
        }
        _ => {}
    }
    let full = load(cli.review.as_ref())?;
    if let Command::Diff { from, to, json } = &cli.command {
        let d = concur_report::diff(&full, from, to).map_err(|e| anyhow!("{e}"))?;
        if *json {
            print_json(&concur_report::diff_json(&d))?;
        } else {
            print!("{}", concur_report::diff_markdown(&d));
        }
        return Ok(0);
    }
    let edition = cli
        .edition
        .clone()
        .or_else(|| full.current_edition().map(str::to_string));
    let review = match &edition {
        Some(e) => full.at_edition(e).map_err(|e| anyhow!("{e}"))?,
        None => full.clone(),
    };
    match cli.command {
        Command::Diff { .. } => unreachable!("handled above"),
        Command::Meta(_)
        | Command::Proportion { .. }
        | Command::Init(_)
        | Command::Import(_)
        | Command::Dedup(_)
        | Command::Records(_) => unreachable!("handled above"),
        Command::Studies(args) => studies(&review, args),
        Command::Audit { json } => {
            let report = concur_evidence::audit(&review);
            if json {
                print_json(&concur_report::audit_json(&report))?;
            } else {
                print!("{}", concur_report::audit_text(&report));
            }
            Ok(if report.unacknowledged_errors() > 0 {
                exit::FINDINGS
            } else {
                0
            })
        }
        Command::Report { out } => {
            let mut review = review;
            if let Some(ws) = cli.workspace.as_deref() {
                workspace::prisma_counts(ws, &mut review)?;
            }
            let audit = concur_evidence::audit(&review);
            let first = full.meta.editions.first().map(|e| e.id.clone());
            let changes = match (&first, &edition) {
                (Some(f), Some(e)) if f != e => Some(concur_report::diff_markdown(
                    &concur_report::diff(&full, f, e).map_err(|e| anyhow!("{e}"))?,
                )),
                _ => None,
            };
            let report = concur_report::build_report(&review, &audit, changes.as_deref());
            for file in &report.files {
                let path = out.join(&file.path);
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent)
                        .with_context(|| format!("cannot create {}", parent.display()))?;
                }
                std::fs::write(&path, &file.bytes)
                    .with_context(|| format!("cannot write {}", path.display()))?;
            }
            print!("{}", report.summary);
            println!(
                "wrote {} files to {}; open {}",
                report.files.len(),
                out.display(),
                out.join("index.html").display()
            );
            println!("{}", concur_report::DISCLAIMER);
            Ok(0)
        }
        Command::Assess(args) => {
            let runs = concur_report::run_analyses(&review);
            let query = concur_report::Query {
                drug: args.drug,
                site: args.site,
                technique: args.technique,
                timing: args.timing.0,
                dose_gy: args.dose_gy,
                fractions: args.fractions,
                interval_days: args.interval_days,
            };
            let answer =
                concur_report::assess(&review, &runs, query).map_err(|e| anyhow!("{e}"))?;
            match args.format.as_str() {
                "json" => print_json(&concur_report::answer_json(&review, &answer))?,
                "markdown" => print!("{}", concur_report::answer_markdown(&review, &answer)),
                _ => print!(
                    "{}",
                    concur_report::answer_markdown(&review, &answer).replace("**", "")
                ),
            }
            Ok(0)
        }
        Command::Check { json } => {
            let summary = serde_json::json!({
                "review": review.meta.id,
                "studies": review.studies.len(),
                "guidance": review.guidance.len(),
                "references": review.references.len(),
                "valid": true,
            });
            if json {
                print_json(&summary)?;
            } else {
                println!(
                    "{}: valid ({} studies, {} guidance statements, {} references)",
                    review.meta.id,
                    review.studies.len(),
                    review.guidance.len(),
                    review.references.len()
                );
            }
            Ok(0)
        }
    }
}

fn meta(args: MetaArgs) -> Result<u8> {
    let path = args.data.display().to_string();
    let bytes = std::fs::read(&args.data).with_context(|| format!("cannot read {path}"))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        anyhow!(
            "{path}: not UTF-8 text (first bad byte at offset {})",
            e.utf8_error().valid_up_to()
        )
    })?;
    let input = concur_report::read_meta_csv(&text, args.measure, args.subgroup.as_deref())
        .map_err(|e| anyhow!("{path}: {e}"))?;
    let spec = Spec {
        measure: args.measure,
        pooling: args.method,
        test: args.test,
        level: args.level,
    };
    let fit = concur_stats::analyse(&input.data, &spec).map_err(|e| anyhow!("{path}: {e}"))?;
    let loo = if args.leave_one_out {
        Some(
            concur_stats::leave_one_out(&input.data, &spec)
                .map_err(|e| anyhow!("{path}: leave-one-out: {e}"))?,
        )
    } else {
        None
    };
    let groups = match &input.groups {
        Some(g) => Some(
            concur_stats::subgroups(&input.data, g, &spec).map_err(|e| anyhow!("{path}: {e}"))?,
        ),
        None => None,
    };
    if args.json {
        let mut value = concur_report::analysis_json(&fit, &input.labels);
        if let serde_json::Value::Object(map) = &mut value {
            if let Some(l) = &loo {
                map.insert(
                    "leave_one_out".into(),
                    concur_report::leave_one_out_json(l, &input.labels),
                );
            }
            if let Some(g) = &groups {
                map.insert("subgroups".into(), concur_report::subgroups_json(g));
            }
        }
        print_json(&value)?;
    } else {
        print!("{}", concur_report::analysis_text(&fit, &input));
        if let Some(l) = &loo {
            println!(
                "
leave-one-out (estimate on the analysis scale, tau², I²):"
            );
            for (f, label) in l.iter().zip(&input.labels) {
                println!(
                    "  without {label:<24} {:>9.4} [{:>9.4}, {:>9.4}]  tau² {:>8}  I² {:>6}",
                    f.estimate,
                    f.ci_lb,
                    f.ci_ub,
                    f.tau2.map_or("-".into(), |t| format!("{t:.4}")),
                    f.i2.map_or("-".into(), |i| format!("{i:.1}%"))
                );
            }
        }
        if let Some(g) = &groups {
            println!(
                "
subgroups:"
            );
            for (name, f) in &g.groups {
                println!(
                    "  {name:<24} k={:<3} {:>9.4} [{:>9.4}, {:>9.4}]",
                    f.k, f.estimate, f.ci_lb, f.ci_ub
                );
            }
            println!(
                "  test for subgroup differences: Q({}) = {:.4}, p = {:.4}",
                g.q_between_df, g.q_between, g.q_between_p
            );
        }
    }
    Ok(0)
}

fn studies(review: &Review, args: StudiesArgs) -> Result<u8> {
    if let Some(StudiesCommand::Show { id, json }) = args.show {
        let Some(study) = review.study(&id) else {
            let known: Vec<&str> = review.studies.iter().map(|s| s.id.as_str()).collect();
            bail!(
                "no study `{id}` in the review; known ids: {}",
                known.join(", ")
            );
        };
        if json {
            print_json(&concur_report::study_detail_json(review, study))?;
        } else {
            print!("{}", concur_report::study_detail_text(review, study));
            println!("\n{}", concur_report::DISCLAIMER);
        }
        return Ok(0);
    }
    if let Some(drug) = &args.drug {
        let is_class = review.drugs.iter().any(|d| {
            d.classes
                .iter()
                .any(|c| concur_evidence::fold_name(c) == concur_evidence::fold_name(drug))
        });
        if review.find_drug(drug).is_none() && !is_class {
            let mut known: Vec<&str> = review.drugs.iter().map(|d| d.id.as_str()).collect();
            let mut classes: Vec<&str> = review
                .drugs
                .iter()
                .flat_map(|d| d.classes.iter().map(String::as_str))
                .collect();
            classes.sort_unstable();
            classes.dedup();
            known.sort_unstable();
            bail!(
                "unknown drug `{drug}`; known drugs: {} (synonyms such as Kadcyla work too); known classes: {}",
                known.join(", "),
                classes.join(", ")
            );
        }
    }
    let filter = StudyFilter {
        site: args.site,
        technique: args.technique,
        timing: args.timing,
        design: args.design,
        drug: args.drug,
        setting: args.setting,
    };
    let selected: Vec<_> = review
        .studies
        .iter()
        .filter(|s| filter.matches(review, s))
        .collect();
    if args.json {
        print_json(&concur_report::study_rows_json(review, &selected))?;
    } else {
        print!("{}", concur_report::study_table(review, &selected));
    }
    Ok(0)
}
