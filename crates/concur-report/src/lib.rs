//! Renders the evidence base and analyses for people (aligned text) and machines (JSON): the study
//! table with filters, one study with every field and locator (plus BED/EQD2 of its schedules), the
//! audit, and meta-analyses read from CSV (`concur meta`, `concur proportion`).
#![warn(missing_docs)]

mod analyses;
mod assess;
mod audit;
mod diff;
mod dose;
mod meta;
mod render;
mod report;
mod studies;
mod svg;
mod table;

pub use analyses::{run_analyses, AnalysisRun, Certainty, Counts, ModelRun, Row};
pub use assess::{answer_json, answer_markdown, assess, Answer, Query, QueryError};
pub use audit::{audit_json, audit_text};
pub use diff::{diff, diff_json, diff_markdown, AnalysisChange, Diff};
pub use dose::{schedule_doses, DoseRow};
pub use meta::{
    analysis_json, analysis_text, leave_one_out_json, proportion_json, proportion_text,
    read_meta_csv, subgroups_json, CsvProblem, MetaInput,
};
pub use render::{estimate_text, fmt_natural, natural_name, pooled_json, run_json, run_markdown};
pub use report::{build_report, Report, ReportFile};
pub use studies::{
    study_detail_json, study_detail_text, study_rows_json, study_table, StudyFilter,
};

/// Printed under every output that could inform a treatment decision.
pub const DISCLAIMER: &str =
    "concur summarises published evidence; it does not replace clinical judgement.";
