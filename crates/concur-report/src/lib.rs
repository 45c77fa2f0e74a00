//! Renders analysed evidence (`concur-synthesis`) for people and machines: the whole report
//! ([`build_report`]: HTML, Markdown, CSV tables, SVG forest plots and the PRISMA diagram, as
//! bytes), the answer to a clinician's question, the study table and one study in full, the
//! audit, the diff between editions, and `concur meta` / `concur proportion` results, each as text
//! (or Markdown) and as JSON in the shapes of [`wire`].
//!
//! It computes no evidence: every number comes from the synthesis, and one module (`words.rs`)
//! words each kind of finding once, so that every format says the same thing.
#![warn(missing_docs)]

mod assess;
mod audit;
mod diff;
mod html;
mod meta;
mod render;
mod report;
mod screening;
mod studies;
mod svg;
mod table;
pub mod wire;
mod words;

pub use assess::{answer_json, answer_markdown};
pub use audit::{audit_json, audit_text};
pub use diff::{diff_json, diff_markdown};
pub use html::markdown_html;
pub use meta::{
    analysis_json, analysis_text, leave_one_out_json, meta_json, meta_text, proportion_json,
    proportion_text, subgroups_json,
};
pub use render::{
    estimate_text, fmt_natural, natural_name, pooled_json, run_estimate_text, run_json,
    run_markdown,
};
pub use report::{build_report, Report, ReportFile};
pub use screening::{agreement_text, recall_svg, simulation_text, stopping_lines};
pub use studies::{study_detail_json, study_detail_text, study_rows_json, study_table};
pub use wire::{check_json, json_text};
pub use words::{
    caveat_text, derivation_text, disagreement_text, prisma_text, problem_text, reason_text,
    start_text,
};

/// An analysis's forest plot as SVG (every text escaped), when it has rows to plot.
pub fn forest_svg(run: &concur_synthesis::AnalysisRun<'_>) -> Option<String> {
    svg::forest(run)
}

/// The PRISMA 2020 flow diagram as SVG.
pub fn prisma_svg(flow: &concur_synthesis::PrismaFlow) -> String {
    svg::prisma(flow)
}

/// Printed under every output that could inform a treatment decision.
pub const DISCLAIMER: &str =
    "concur summarises published evidence; it does not replace clinical judgement.";
