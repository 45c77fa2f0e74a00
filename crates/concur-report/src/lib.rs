//! Renders the evidence base and analyses for people (aligned text) and machines (JSON): the study
//! table with filters, one study with every field and locator (plus BED/EQD2 of its schedules), the
//! audit, and meta-analyses read from CSV (`concur meta`, `concur proportion`).
#![warn(missing_docs)]

mod assess;
mod audit;
mod diff;
mod meta;
mod render;
mod report;
mod studies;
mod svg;
mod table;
pub mod wire;
mod words;

pub use assess::{answer_json, answer_markdown};
pub use audit::{audit_json, audit_text};
pub use diff::{diff_json, diff_markdown};
pub use meta::{
    analysis_json, analysis_text, leave_one_out_json, meta_json, meta_text, proportion_json,
    proportion_text, subgroups_json,
};
pub use render::{estimate_text, fmt_natural, natural_name, pooled_json, run_json, run_markdown};
pub use report::{build_report, Report, ReportFile};
pub use studies::{study_detail_json, study_detail_text, study_rows_json, study_table};
pub use words::{
    caveat_text, derivation_text, disagreement_text, problem_text, reason_text, start_text,
};

/// Printed under every output that could inform a treatment decision.
pub const DISCLAIMER: &str =
    "concur summarises published evidence; it does not replace clinical judgement.";

/// Pretty JSON with the keys of every object in alphabetical order, whatever the order of the
/// struct fields, so that outputs compare line by line from one version to the next.
pub fn json_text<T: serde::Serialize + ?Sized>(value: &T) -> serde_json::Result<String> {
    serde_json::to_value(value).and_then(|v| serde_json::to_string_pretty(&v))
}

/// What `concur check` reports of a review that loaded (an invalid one is an error).
pub fn check_json(review: &concur_evidence::Review) -> wire::Check {
    wire::Check {
        review: review.meta.id.clone(),
        studies: review.studies.len(),
        guidance: review.guidance.len(),
        references: review.references.len(),
        valid: true,
    }
}
