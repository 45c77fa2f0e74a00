//! The review model of concur: studies, arms, radiotherapy schedules, timing, outcomes and guidance,
//! read from a folder of TOML files, validated, and audited for inconsistencies.
//!
//! A review folder holds `review.toml` (question, search, eligibility, radiobiology),
//! `references.toml` (the source's reference list), `drugs.toml`, `guidance.toml`, `audit.toml`
//! (acknowledged findings) and one file per publication under `studies/`.
//!
//! ```no_run
//! let review = concur_evidence::load_dir(std::path::Path::new("reviews/tdm1-radiotherapy"))?;
//! let report = concur_evidence::audit(&review);
//! println!("{} studies, {} findings", review.studies.len(), report.findings.len());
//! # Ok::<(), concur_evidence::EvidenceError>(())
//! ```
#![warn(missing_docs)]

mod audit;
mod edit;
mod error;
mod extract;
mod load;
mod model;
mod rob;
mod span;
mod validate;
mod vocab;

pub use audit::{audit, AuditReport, Finding, RULES};
pub use edit::{add_edition, add_rows, placements, EditError, Placement};
pub use error::{EvidenceError, Problem, Result};
pub use extract::{
    accepted_text, check_extraction, cited_numbers, compare, empty_values, extraction_form,
    is_study_id, numbers_in, page_place, suggest_study_id, verify_numbers, Difference,
    DifferenceKind, NumberCheck, PagePlace, RecordFacts, Side,
};
pub use load::{load_dir, load_files, read_dir, ReviewFile};
pub use model::*;
pub use rob::{RobLevel, RobTool};
pub use validate::{is_safe_id, parse_p, MAX_FRACTIONS, MAX_FRACTION_DOSE_GY, MAX_TOTAL_DOSE_GY};
pub use vocab::{
    group_words, parse_group, words, Basis, Design, Grade, GroupWords, OutcomeKind, Setting,
    Severity, Site, Stance, StatementKind, Statistic, System, Technique, TimingMode, Unit, Words,
};
