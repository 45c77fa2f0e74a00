//! `concur`: the command-line front of the evidence engine. This file only wires arguments to the
//! library crates and turns their errors into messages for people.

use anyhow::{anyhow, bail, Context, Result};
use clap::{Args, Parser, Subcommand};
use concur_evidence::{Design, Review, ReviewFile, Setting, Site, Technique, TimingMode};
use concur_report::StudyFilter;
use include_dir::{include_dir, Dir};
use std::path::PathBuf;
use std::process::ExitCode;

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
    let review = load(cli.review.as_ref())?;
    match cli.command {
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
