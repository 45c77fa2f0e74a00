//! The JSON shapes concur prints and serves (documented in docs/cli.md), as typed structs: every
//! front end (the CLI's `--json`, the web app's API) serialises these, so the shapes cannot drift.
//! Numbers that are not finite are `null`.

use concur_evidence::{
    AnalysisKind, Design, Exclusion, Finding, Setting, Site, Stance, StatementKind, Technique,
    TimingMode, Unit,
};
use serde::Serialize;

/// A finite number, or `None` (JSON `null`).
pub(crate) fn fin(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}

/// A fitted model of `concur meta` (also each leave-one-out fit and each subgroup).
#[derive(Debug, Clone, Serialize)]
pub struct Fit {
    /// Studies pooled.
    pub k: usize,
    /// Effect measure.
    pub measure: &'static str,
    /// Pooling method.
    pub method: &'static str,
    /// Test.
    pub test: &'static str,
    /// Confidence level in percent.
    pub level: f64,
    /// Estimate on the analysis scale.
    pub estimate: Option<f64>,
    /// Its standard error.
    pub se: Option<f64>,
    /// Lower confidence limit.
    pub ci_lb: Option<f64>,
    /// Upper confidence limit.
    pub ci_ub: Option<f64>,
    /// Test statistic.
    pub stat: Option<f64>,
    /// p-value.
    pub p: Option<f64>,
    /// Degrees of freedom of a t test.
    pub df: Option<f64>,
    /// Between-study variance.
    pub tau2: Option<f64>,
    /// Its confidence interval.
    pub tau2_ci: Option<[Option<f64>; 2]>,
    /// I² in percent.
    pub i2: Option<f64>,
    /// H².
    pub h2: Option<f64>,
    /// Cochran's Q.
    pub q: Option<f64>,
    /// Its degrees of freedom.
    pub q_df: usize,
    /// Its p-value.
    pub q_p: Option<f64>,
    /// Lower prediction limit.
    pub pi_lb: Option<f64>,
    /// Upper prediction limit.
    pub pi_ub: Option<f64>,
    /// The estimate back on the natural scale, for transformed measures.
    pub transformed: Option<Natural>,
    /// Each study's effect size, variance and weight (not in leave-one-out or subgroup fits).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub studies: Option<Vec<StudyValue>>,
    /// The study left out (leave-one-out fits only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub omitted: Option<String>,
    /// The subgroup (subgroup fits only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
}

/// An estimate on the natural scale.
#[derive(Debug, Clone, Serialize)]
pub struct Natural {
    /// Estimate.
    pub estimate: Option<f64>,
    /// Lower confidence limit.
    pub ci_lb: Option<f64>,
    /// Upper confidence limit.
    pub ci_ub: Option<f64>,
    /// Lower prediction limit.
    pub pi_lb: Option<f64>,
    /// Upper prediction limit.
    pub pi_ub: Option<f64>,
}

/// One study of a fit.
#[derive(Debug, Clone, Serialize)]
pub struct StudyValue {
    /// The study's label.
    pub study: String,
    /// Effect size on the analysis scale.
    pub yi: Option<f64>,
    /// Sampling variance.
    pub vi: Option<f64>,
    /// Weight in percent.
    pub weight: Option<f64>,
}

/// `concur meta --json`: the fit, with leave-one-out and subgroups when asked for.
#[derive(Debug, Clone, Serialize)]
pub struct Meta {
    /// The fit of every study.
    #[serde(flatten)]
    pub fit: Fit,
    /// The fits without each study in turn.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub leave_one_out: Option<Vec<Fit>>,
    /// Subgroup fits and the test of their differences.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subgroups: Option<Subgroups>,
}

/// Subgroup fits and the test of their differences.
#[derive(Debug, Clone, Serialize)]
pub struct Subgroups {
    /// One fit per subgroup.
    pub groups: Vec<Fit>,
    /// Q between subgroups.
    pub q_between: Option<f64>,
    /// Its degrees of freedom.
    pub q_between_df: usize,
    /// Its p-value.
    pub q_between_p: Option<f64>,
}

/// `concur proportion --json`.
#[derive(Debug, Clone, Serialize)]
pub struct ProportionIntervals {
    /// Events.
    pub events: u64,
    /// Patients.
    pub total: u64,
    /// Confidence level in percent.
    pub level: f64,
    /// events / total.
    pub estimate: f64,
    /// Clopper-Pearson interval.
    pub clopper_pearson: [f64; 2],
    /// Wilson interval.
    pub wilson: [f64; 2],
    /// Jeffreys interval.
    pub jeffreys: [f64; 2],
    /// Agresti-Coull interval.
    pub agresti_coull: [f64; 2],
}

/// `concur audit --json`.
#[derive(Debug, Clone, Serialize)]
pub struct Audit<'a> {
    /// Every finding.
    pub findings: &'a [Finding],
    /// Acknowledgements in audit.toml that match no finding.
    pub stale_acknowledgements: &'a [String],
    /// Errors nobody has acknowledged.
    pub unacknowledged_errors: usize,
}

/// A pooled result on the natural scale, as the analyses and assess JSON give it.
#[derive(Debug, Clone, Serialize)]
pub struct Pooled {
    /// Effect measure.
    pub measure: &'static str,
    /// What the natural-scale estimate is called (risk, risk ratio, ...).
    pub scale: &'static str,
    /// Pooling method.
    pub method: &'static str,
    /// Test.
    pub test: &'static str,
    /// Estimate on the natural scale.
    pub estimate: Option<f64>,
    /// Lower confidence limit.
    pub ci_lb: Option<f64>,
    /// Upper confidence limit.
    pub ci_ub: Option<f64>,
    /// Lower prediction limit (more than one study).
    pub pi_lb: Option<f64>,
    /// Upper prediction limit (more than one study).
    pub pi_ub: Option<f64>,
    /// Between-study variance.
    pub tau2: Option<f64>,
    /// I² in percent (more than one study).
    pub i2: Option<f64>,
    /// Studies pooled.
    pub k: usize,
}

/// A model's result: pooled, or why not.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum ModelResult {
    /// The pooled result.
    Pooled(Pooled),
    /// Why the model could not be fitted.
    Error {
        /// The reason.
        error: String,
    },
}

/// One model of an analysis.
#[derive(Debug, Clone, Serialize)]
pub struct Model {
    /// Measure, method and test.
    pub model: String,
    /// Whether it is the primary model.
    pub primary: bool,
    /// Why the review chose it.
    pub why: Option<String>,
    /// Its result.
    pub result: ModelResult,
}

/// One group's counts in an analysis row.
#[derive(Debug, Clone, Serialize)]
pub struct Group {
    /// Patients with the outcome.
    pub events: u32,
    /// Patients in the group.
    pub total: u32,
    /// The outcome term as the study words it.
    pub term: String,
    /// Where the counts are printed.
    pub locator: String,
    /// `reported` or `derived`.
    pub basis: &'static str,
    /// How a derived count was derived.
    pub derivation: Option<String>,
}

/// One row of an analysis.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    /// Label in tables and plots.
    pub label: String,
    /// The study id.
    pub study: String,
    /// The study's design.
    pub design: Design,
    /// The group's counts.
    pub group: Group,
    /// The control group's counts (comparisons).
    pub control: Option<Group>,
    /// The subgroup label.
    pub subgroup: Option<String>,
}

/// Subgroups of an analysis: fits and the test, or why not.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum AnalysisSubgroups {
    /// The fits and the test.
    Fitted {
        /// One pooled result per subgroup.
        groups: Vec<SubgroupPooled>,
        /// Q between subgroups.
        q_between: Option<f64>,
        /// Its degrees of freedom.
        q_between_df: usize,
        /// Its p-value.
        q_between_p: Option<f64>,
    },
    /// Why the subgroups could not be fitted.
    Error {
        /// The reason.
        error: String,
    },
}

/// One subgroup's pooled result.
#[derive(Debug, Clone, Serialize)]
pub struct SubgroupPooled {
    /// The subgroup.
    pub group: String,
    /// Its pooled result.
    pub pooled: Pooled,
}

/// A certainty rating in words.
#[derive(Debug, Clone, Serialize)]
pub struct Certainty {
    /// `high`, `moderate`, `low` or `very low`.
    pub level: &'static str,
    /// Where the rating started and why.
    pub start: &'static str,
    /// Each domain's rating.
    pub reasons: Vec<String>,
}

/// One analysis (analyses.json and `analyses` in the assess JSON).
#[derive(Debug, Clone, Serialize)]
pub struct Analysis {
    /// Analysis id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Radiotherapy setting.
    pub site: Site,
    /// Kind of analysis.
    pub kind: AnalysisKind,
    /// Outcome terms.
    pub outcome: String,
    /// Grade.
    pub grade: Option<String>,
    /// Unit counted.
    pub unit: Unit,
    /// Rows used.
    pub k: usize,
    /// The rows.
    pub rows: Vec<Row>,
    /// The primary model's pooled result.
    pub pooled: Option<Pooled>,
    /// Every model.
    pub models: Vec<Model>,
    /// Subgroups.
    pub subgroups: Option<AnalysisSubgroups>,
    /// Certainty of the evidence.
    pub certainty: Certainty,
    /// Studies left out, with why.
    pub excluded: Vec<Exclusion>,
    /// The review's note.
    pub note: Option<String>,
    /// Rows or models that could not be used.
    pub problems: Vec<String>,
}

/// The question of an assess answer.
#[derive(Debug, Clone, Serialize)]
pub struct Question {
    /// The drug as asked.
    pub drug: String,
    /// The drug's id.
    pub drug_id: String,
    /// Its name.
    pub drug_name: String,
    /// Its classes.
    pub drug_classes: Vec<String>,
    /// Site.
    pub site: Site,
    /// Technique.
    pub technique: Option<Technique>,
    /// Timing, or `any`.
    pub timing: String,
    /// Planned total dose.
    pub dose_gy: Option<f64>,
    /// Planned fractions.
    pub fractions: Option<f64>,
    /// Planned interval.
    pub interval_days: Option<i32>,
    /// The question in words.
    pub text: String,
}

/// A result a study reported, with its place.
#[derive(Debug, Clone, Serialize)]
pub struct Result {
    /// The result in words.
    pub result: String,
    /// Where it is printed.
    pub locator: String,
}

/// A study matching the question.
#[derive(Debug, Clone, Serialize)]
pub struct AnswerStudy {
    /// Study id.
    pub id: String,
    /// Label.
    pub label: String,
    /// Design.
    pub design: Design,
    /// Patients.
    pub n: Option<u32>,
    /// Where N is printed.
    pub n_locator: Option<String>,
    /// Timing in words.
    pub timing: String,
    /// Where the timing is printed.
    pub timing_locator: Option<String>,
    /// Each schedule with its EQD2 and locator.
    pub radiotherapy: Vec<String>,
    /// What happened.
    pub results: Vec<Result>,
    /// Factors the study reports behind its toxicity (p values, unnamed ratios).
    pub associations: Vec<Result>,
    /// The review's summary.
    pub summary: Option<String>,
}

/// A guidance statement.
#[derive(Debug, Clone, Serialize)]
pub struct Guidance {
    /// Statement id.
    pub id: String,
    /// Kind.
    pub kind: StatementKind,
    /// Who issued it.
    pub issuer: String,
    /// When.
    pub year: Option<u16>,
    /// Its stance.
    pub stance: Stance,
    /// Recommended hold in days.
    pub hold_days: Option<u32>,
    /// The statement in the review's words.
    pub text: String,
    /// Studies it cites.
    pub studies: Vec<String>,
    /// Where it is printed.
    pub locator: String,
    /// How it was obtained.
    pub obtained: Option<String>,
    /// What could not be verified.
    pub unverified: Vec<String>,
}

/// One analysis's certainty in the assess JSON.
#[derive(Debug, Clone, Serialize)]
pub struct AnalysisCertainty {
    /// Analysis id.
    pub analysis: String,
    /// Level.
    pub level: &'static str,
    /// Reasons.
    pub reasons: Vec<String>,
}

/// The planned schedule's EQD2 for one endpoint.
#[derive(Debug, Clone, Serialize)]
pub struct PlannedDose {
    /// Endpoint.
    pub endpoint: String,
    /// α/β (Gy).
    pub alpha_beta_gy: f64,
    /// EQD2 (Gy).
    pub eqd2_gy: f64,
    /// Where it lies among the matching studies' schedules, in words.
    pub placement: String,
    /// Studies with a schedule whose EQD2 range holds the plan's.
    pub within: Vec<String>,
    /// Whether a matching study gave the same number of fractions.
    pub same_fractionation: bool,
}

/// The dose section of an answer.
#[derive(Debug, Clone, Serialize)]
pub struct Dose {
    /// The planned schedule per endpoint.
    pub planned: Vec<PlannedDose>,
}

/// A study shown although it does not match.
#[derive(Debug, Clone, Serialize)]
pub struct Nearest {
    /// Study id.
    pub id: String,
    /// Label.
    pub label: String,
    /// How it relates to the question.
    pub relation: String,
}

/// Class-level evidence.
#[derive(Debug, Clone, Serialize)]
pub struct ClassLevel {
    /// Study id.
    pub id: String,
    /// Label.
    pub label: String,
    /// Design.
    pub design: Design,
    /// How it relates to the question.
    pub relation: String,
    /// What happened.
    pub results: Vec<Result>,
}

/// A hold recommended by a statement, against the planned interval.
#[derive(Debug, Clone, Serialize)]
pub struct Hold {
    /// Statement id.
    pub statement: String,
    /// Who issued it.
    pub issuer: String,
    /// The hold in days.
    pub hold_days: Option<u32>,
    /// Whether the plan meets it.
    pub met: bool,
    /// Where it is printed.
    pub locator: String,
}

/// A study's concurrency window, against the planned interval.
#[derive(Debug, Clone, Serialize)]
pub struct WindowCheck {
    /// Study id.
    pub study: String,
    /// The window in words.
    pub window: String,
    /// Whether the plan falls inside it.
    pub inside: bool,
    /// Where the timing is printed.
    pub locator: Option<String>,
}

/// The planned interval and what it meets.
#[derive(Debug, Clone, Serialize)]
pub struct Interval {
    /// Days from a dose to radiotherapy (negative: radiotherapy first).
    pub days: i32,
    /// Days from radiotherapy to the next dose, when the drug's cycle is known.
    pub next_dose_days: Option<i32>,
    /// Holds recommended.
    pub holds: Vec<Hold>,
    /// Studies' windows.
    pub windows: Vec<WindowCheck>,
}

/// One sentence of the bottom line, with the analyses and statements behind it.
#[derive(Debug, Clone, Serialize)]
pub struct SummaryLine {
    /// The sentence.
    pub text: String,
    /// Ids of the analyses or statements it rests on.
    pub sources: Vec<String>,
}

/// `concur assess --format json`.
#[derive(Debug, Clone, Serialize)]
pub struct Answer {
    /// The bottom line, most telling finding first.
    pub summary: Vec<SummaryLine>,
    /// The question.
    pub question: Question,
    /// Matching studies.
    pub studies: Vec<AnswerStudy>,
    /// Analyses of the drug at the site.
    pub analyses: Vec<Analysis>,
    /// Ids of the comparisons among them.
    pub comparisons: Vec<String>,
    /// Guidance statements that apply.
    pub guidance: Vec<Guidance>,
    /// Certainty per analysis.
    pub certainty: Vec<AnalysisCertainty>,
    /// The planned schedule.
    pub dose: Dose,
    /// Studies shown because nothing matched exactly.
    pub nearest: Vec<Nearest>,
    /// Class-level evidence.
    pub class_level: Vec<ClassLevel>,
    /// The planned interval, when given.
    pub interval: Option<Interval>,
    /// Where guidance and data disagree.
    pub disagreements: Vec<String>,
    /// Caveats.
    pub caveats: Vec<String>,
    /// The disclaimer.
    pub disclaimer: &'static str,
}

/// One row of `concur studies --json`.
#[derive(Debug, Clone, Serialize)]
pub struct StudyRow {
    /// Study id.
    pub id: String,
    /// Label.
    pub label: String,
    /// Design.
    pub design: Design,
    /// Settings.
    pub setting: Vec<Setting>,
    /// Patients.
    pub n: Option<u32>,
    /// Drug ids.
    pub drugs: Vec<String>,
    /// Irradiated sites.
    pub sites: Vec<Site>,
    /// Techniques.
    pub techniques: Vec<Technique>,
    /// Timing.
    pub timing: Option<TimingMode>,
    /// Concurrent and sequential counts.
    pub timing_counts: Option<TimingCounts>,
    /// Radiotherapy in words.
    pub radiotherapy: String,
    /// Toxicity in words (the figures at the study's first toxicity locator).
    pub toxicity: String,
    /// Every result of the study in words, with its locator.
    pub results: Vec<Result>,
    /// The citation as the source's reference list gives it.
    pub citation: Option<String>,
}

/// Concurrent and sequential counts of a study.
#[derive(Debug, Clone, Serialize)]
pub struct TimingCounts {
    /// Patients treated concurrently.
    pub concurrent: Option<u32>,
    /// Patients treated sequentially.
    pub sequential: Option<u32>,
}

/// One normalised schedule of `studies show --json`.
#[derive(Debug, Clone, Serialize)]
pub struct Dose1 {
    /// Index of the schedule in the study.
    pub schedule: usize,
    /// The schedule as reported.
    pub reported: String,
    /// Where it is printed.
    pub locator: String,
    /// Endpoint.
    pub endpoint: String,
    /// α/β (Gy).
    pub alpha_beta_gy: f64,
    /// BED `[low, high]` (Gy).
    pub bed_gy: [f64; 2],
    /// EQD2 `[low, high]` (Gy).
    pub eqd2_gy: [f64; 2],
    /// Assumptions in words.
    pub assumptions: Vec<&'static str>,
}

/// `concur studies show ID --json`: the study as in the data model, its citation and doses.
#[derive(Debug, Clone, Serialize)]
pub struct StudyDetail<'a> {
    /// The study, every field.
    #[serde(flatten)]
    pub study: &'a concur_evidence::Study,
    /// The citation in words.
    pub citation_text: Option<String>,
    /// Each schedule normalised per endpoint.
    pub doses: Vec<Dose1>,
}

/// One analysis before or after, in `concur diff --json`.
#[derive(Debug, Clone, Serialize)]
pub struct DiffState {
    /// The estimate in words.
    pub estimate: String,
    /// Rows used.
    pub rows: usize,
    /// Certainty level.
    pub certainty: &'static str,
}

/// One analysis in `concur diff --json`.
#[derive(Debug, Clone, Serialize)]
pub struct DiffAnalysis {
    /// Analysis id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Setting.
    pub site: Site,
    /// In the earlier edition.
    pub before: Option<DiffState>,
    /// In the later edition.
    pub after: Option<DiffState>,
}

/// A study added, in `concur diff --json`.
#[derive(Debug, Clone, Serialize)]
pub struct DiffStudy {
    /// Study id.
    pub id: String,
    /// Label.
    pub label: String,
    /// Design.
    pub design: Design,
    /// What could not be verified.
    pub unverified: Vec<String>,
}

/// A statement added, in `concur diff --json`.
#[derive(Debug, Clone, Serialize)]
pub struct DiffStatement {
    /// Statement id.
    pub id: String,
    /// Who issued it.
    pub issuer: String,
    /// Its stance.
    pub stance: Stance,
    /// Its text.
    pub text: String,
    /// Its hold.
    pub hold_days: Option<u32>,
}

/// A statement changed, in `concur diff --json`.
#[derive(Debug, Clone, Serialize)]
pub struct DiffChanged {
    /// Statement id.
    pub id: String,
    /// The text before.
    pub before: String,
    /// The text after.
    pub after: String,
}

/// A setting's paragraph, in `concur diff --json`.
#[derive(Debug, Clone, Serialize)]
pub struct DiffSummary {
    /// The setting.
    pub site: Site,
    /// What changed, in words.
    pub summary: String,
}

/// `concur diff --json`.
#[derive(Debug, Clone, Serialize)]
pub struct Diff {
    /// Earlier edition.
    pub from: String,
    /// Later edition.
    pub to: String,
    /// Studies added.
    pub studies_added: Vec<DiffStudy>,
    /// Ids of studies removed.
    pub studies_removed: Vec<String>,
    /// Every analysis of either edition.
    pub analyses: Vec<DiffAnalysis>,
    /// Statements added.
    pub guidance_added: Vec<DiffStatement>,
    /// Statements changed.
    pub guidance_changed: Vec<DiffChanged>,
    /// Ids of statements removed.
    pub guidance_removed: Vec<String>,
    /// One paragraph per setting.
    pub summaries: Vec<DiffSummary>,
}

/// `concur check --json`.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    /// The review's id.
    pub review: String,
    /// Studies.
    pub studies: usize,
    /// Guidance statements.
    pub guidance: usize,
    /// References of the source.
    pub references: usize,
    /// Always true: an invalid review is an error with every problem listed.
    pub valid: bool,
}

/// Pretty JSON with the keys of every object in alphabetical order, whatever the order of the
/// struct fields, so that outputs compare line by line from one version to the next.
pub fn json_text<T: serde::Serialize + ?Sized>(value: &T) -> serde_json::Result<String> {
    serde_json::to_value(value).and_then(|v| serde_json::to_string_pretty(&v))
}

/// What `concur check` reports of a review that loaded (an invalid one is an error).
pub fn check_json(review: &concur_evidence::Review) -> Check {
    Check {
        review: review.meta.id.clone(),
        studies: review.studies.len(),
        guidance: review.guidance.len(),
        references: review.references.len(),
        valid: true,
    }
}
