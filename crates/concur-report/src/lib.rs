//! Renders the evidence base for people (aligned text) and machines (JSON): the study table with
//! filters, one study with every field and locator (plus BED/EQD2 of its schedules), and the audit.
#![warn(missing_docs)]

mod audit;
mod dose;
mod studies;
mod table;

pub use audit::{audit_json, audit_text};
pub use dose::{schedule_doses, DoseRow};
pub use studies::{
    study_detail_json, study_detail_text, study_rows_json, study_table, StudyFilter,
};

/// Printed under every output that could inform a treatment decision.
pub const DISCLAIMER: &str =
    "concur summarises published evidence; it does not replace clinical judgement.";
