//! Analysed evidence: the step between a review (`concur-evidence`) and what people read
//! (`concur-report`, the web app).
//!
//! [`Evidence`] holds a review with its audit and every analysis it declares, each computed once
//! when first needed; everything else takes that value: [`assess`] answers a clinician's question, [`Evidence::select`] filters the
//! studies, [`Evidence::prisma`] gives the flow diagram's counts, [`diff`] compares two editions.
//! Results are typed data (no sentences), so that every front end words them its own way.
//!
//! ```no_run
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let review = concur_evidence::load_dir(std::path::Path::new("reviews/tdm1-radiotherapy"))?;
//! let evidence = concur_synthesis::Evidence::new(&review);
//! let answer = concur_synthesis::assess(
//!     &evidence,
//!     concur_synthesis::Query {
//!         drug: "Kadcyla".into(),
//!         site: concur_evidence::Site::Brain,
//!         technique: None,
//!         timing: None,
//!         dose_gy: None,
//!         fractions: None,
//!         interval_days: None,
//!     },
//! )?;
//! println!("{} studies, {} analyses", answer.studies.len(), answer.analyses.len());
//! # Ok(())
//! # }
//! ```
#![warn(missing_docs)]

mod analyses;
mod assess;
mod certainty;
mod diff;
mod dose;
mod evidence;
mod filter;
mod meta;
mod prisma;
mod summary;

pub use analyses::{
    run_analyses, AnalysisRun, Counts, Derivation, GroupSize, ModelRun, Row, RowProblem,
};
pub use assess::{
    assess, Answer, Caveat, ClassLink, Disagreement, Nearness, PlannedDose, Query, WindowCheck,
};
pub use certainty::{
    certainty, Basis, Certainty, Concern, Domain, Judged, Level, Reason, Start, Width,
};
pub use diff::{compare, diff, AddedStudy, AnalysisChange, AnalysisState, Diff, SettingChange};
pub use dose::{schedule_doses, DoseAssumption, DoseRow};
pub use evidence::{edition, Evidence};
pub use filter::StudyFilter;
pub use meta::{meta, read_meta_csv, CsvProblem, MetaInput, MetaOptions, MetaResult};
pub use prisma::{
    Included, LiteratureCounts, PrismaFlow, PrismaSource, ScreeningDetail, ScreeningFlow, SearchRun,
};
pub use summary::{bottom_line, bottom_lines, Finding};

/// The statistics' vocabularies and the proportion intervals, for front ends that take them as
/// arguments.
pub use concur_stats::{proportion_intervals, Measure, Pooling, ProportionIntervals, Test};

/// Why evidence could not be given for what was asked.
#[derive(Debug, thiserror::Error)]
pub enum SynthesisError {
    /// The review could not be cut to an edition.
    #[error(transparent)]
    Evidence(#[from] concur_evidence::EvidenceError),
    /// A drug name that is no drug or synonym of the review.
    #[error("unknown drug `{name}`{} known drugs and synonyms: {}", did_you_mean(suggestions), known.join("; "))]
    UnknownDrug {
        /// The name asked for.
        name: String,
        /// The known names closest to it, best first.
        suggestions: Vec<String>,
        /// Each known drug with its synonyms.
        known: Vec<String>,
    },
    /// A drug name that is no drug, synonym or drug class of the review.
    #[error("unknown drug `{name}`{} known drugs: {} (synonyms such as Kadcyla work too); known classes: {}", did_you_mean(suggestions), drugs.join(", "), classes.join(", "))]
    UnknownDrugOrClass {
        /// The name asked for.
        name: String,
        /// The known names closest to it, best first.
        suggestions: Vec<String>,
        /// Known drug ids.
        drugs: Vec<String>,
        /// Known classes.
        classes: Vec<String>,
    },
    /// A study id the review does not hold.
    #[error("no study `{id}` in the review; known ids: {}", known.join(", "))]
    UnknownStudy {
        /// The id asked for.
        id: String,
        /// Known ids.
        known: Vec<String>,
    },
    /// A planned schedule with a total dose but no fractions, or the other way round.
    #[error("the planned schedule needs both its total dose and its number of fractions")]
    IncompleteSchedule,
    /// A planned schedule no one could give: a dose or a number of fractions out of range.
    #[error(
        "the planned schedule cannot be given: {what} (a schedule has 1 to {max_fractions} \
         whole fractions and up to {max_total} Gy in all, {max_per_fraction} Gy per fraction)",
        max_fractions = concur_evidence::MAX_FRACTIONS,
        max_total = concur_evidence::MAX_TOTAL_DOSE_GY,
        max_per_fraction = concur_evidence::MAX_FRACTION_DOSE_GY
    )]
    ImpossibleSchedule {
        /// What is wrong, in words.
        what: String,
    },
    /// A table of studies that is not UTF-8 text.
    #[error("not UTF-8 text (first bad byte at offset {offset})")]
    NotUtf8 {
        /// Where the first bad byte is.
        offset: usize,
    },
    /// A table of studies with a problem at a place.
    #[error(transparent)]
    Csv(#[from] CsvProblem),
    /// A model that cannot be fitted to the data.
    #[error(transparent)]
    Stats(#[from] concur_stats::StatsError),
    /// A leave-one-out refit that cannot be made.
    #[error("leave-one-out: {0}")]
    LeaveOneOut(#[source] concur_stats::StatsError),
    /// A planned schedule that cannot be normalised.
    #[error("planned schedule: {0}")]
    PlannedSchedule(#[source] concur_stats::StatsError),
}

/// `: did you mean Kadcyla (t-dm1)?`, or `;` when nothing is close.
fn did_you_mean(suggestions: &[String]) -> String {
    match suggestions {
        [] => ";".into(),
        [one] => format!(": did you mean {one}?"),
        more => format!(": did you mean one of {}?", more.join(", ")),
    }
}

#[cfg(test)]
mod tests;
