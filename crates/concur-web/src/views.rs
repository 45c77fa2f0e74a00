//! What the templates show, prepared from the report crate's words and JSON shapes. Every text
//! here is plain text: the templates escape it. The only markup is the report crate's SVG
//! figures, which escape their own text.

use concur_report::wire;
use concur_synthesis::{AnalysisRun, Evidence};

/// An analysis as the Ask page and the study pages show it.
pub struct AnalysisView {
    pub id: String,
    pub title: String,
    pub estimate: String,
    pub certainty: String,
    pub reasons: Vec<String>,
    pub note: Option<String>,
    pub rows: Vec<RowView>,
    /// The forest plot (SVG from concur-report, which escapes its text).
    pub forest: Option<String>,
}

/// One row of an analysis: whose counts, and where they are printed.
pub struct RowView {
    pub label: String,
    pub study: String,
    pub counts: String,
    pub locator: String,
    pub basis: String,
}

fn group_text(g: &wire::Group) -> String {
    format!("{}/{}", g.events, g.total)
}

/// The view of one analysis run.
pub fn analysis(run: &AnalysisRun<'_>) -> AnalysisView {
    let json = concur_report::run_json(run);
    AnalysisView {
        id: json.id.clone(),
        title: json.title.clone(),
        estimate: concur_report::run_estimate_text(run),
        certainty: json.certainty.level.to_string(),
        reasons: json.certainty.reasons.clone(),
        note: json.note.clone(),
        rows: json
            .rows
            .iter()
            .map(|r| RowView {
                label: r.label.clone(),
                study: r.study.clone(),
                counts: match &r.control {
                    Some(c) => format!("{} vs {}", group_text(&r.group), group_text(c)),
                    None => group_text(&r.group),
                },
                locator: match &r.control {
                    Some(c) if c.locator != r.group.locator => {
                        format!("{}; {}", r.group.locator, c.locator)
                    }
                    _ => r.group.locator.clone(),
                },
                basis: r.group.basis.to_string(),
            })
            .collect(),
        forest: concur_report::forest_svg(run),
    }
}

/// The analyses of an answer, in its order, each with its forest plot.
pub fn answer_analyses(evidence: &Evidence<'_>, answer: &wire::Answer) -> Vec<AnalysisView> {
    answer
        .analyses
        .iter()
        .filter_map(|a| evidence.analyses().iter().find(|r| r.decl.id == a.id))
        .map(analysis)
        .collect()
}

/// Markdown from concur-report as HTML, with any HTML in it shown as text: review files and
/// records may hold markup, and none of it may reach the page as markup.
pub fn markdown(md: &str) -> String {
    concur_report::markdown_html(md)
}
