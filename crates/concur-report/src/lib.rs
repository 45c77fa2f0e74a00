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
