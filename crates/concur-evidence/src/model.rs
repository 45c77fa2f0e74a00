//! The review model as it is written in a review folder (TOML), and as the rest of concur reads it.
//!
//! Every number that comes from a source sits in a record that carries a `locator` (where in the
//! source it is printed) and says which of its fields, if any, were derived by us (`derived`, with
//! the arithmetic in `derivation`). See `docs/data-model.md` for the format.

use crate::vocab::{
    Basis, Design, OutcomeKind, Setting, Site, Stance, StatementKind, Statistic, System, Technique,
    TimingMode, Unit,
};
use serde::{Deserialize, Serialize};

/// A whole review: its definition, the source's reference list, the drug catalogue, the studies,
/// the guidance statements and the acknowledged audit findings.
#[derive(Debug, Clone, Serialize)]
pub struct Review {
    /// `review.toml`.
    pub meta: ReviewMeta,
    /// `references.toml`: the reference list of the source review, by number.
    pub references: Vec<Reference>,
    /// `drugs.toml`: drugs with synonyms and classes.
    pub drugs: Vec<Drug>,
    /// `drugs.toml`: the classes whose members' evidence bears on one another, each with why.
    pub classes: Vec<DrugClass>,
    /// `studies/*.toml`, sorted by id.
    pub studies: Vec<Study>,
    /// `guidance.toml`.
    pub guidance: Vec<Statement>,
    /// `audit.toml`: findings reviewed by a person and explained.
    pub acknowledgements: Vec<Acknowledgement>,
    /// Text of every file read, by path inside the folder, to locate fields for messages.
    #[serde(skip)]
    pub(crate) texts: std::collections::BTreeMap<String, String>,
}

impl Review {
    /// The declared class through which evidence on `other` bears on `drug`, if any.
    pub fn shared_class(&self, drug: &Drug, other: &Drug) -> Option<&DrugClass> {
        self.classes
            .iter()
            .find(|c| drug.classes.contains(&c.id) && other.classes.contains(&c.id))
    }

    /// The study with this id.
    pub fn study(&self, id: &str) -> Option<&Study> {
        self.studies.iter().find(|s| s.id == id)
    }

    /// The source's reference entry with this number.
    pub fn reference(&self, number: u32) -> Option<&Reference> {
        self.references.iter().find(|r| r.number == number)
    }

    /// Finds a drug by id, name or any synonym, ignoring case, spaces and hyphens.
    pub fn find_drug(&self, name: &str) -> Option<&Drug> {
        let wanted = fold_name(name);
        self.drugs.iter().find(|d| {
            fold_name(&d.id) == wanted
                || fold_name(&d.name) == wanted
                || d.synonyms.iter().any(|s| fold_name(s) == wanted)
        })
    }

    /// Position of an edition in the declared order.
    pub fn edition_index(&self, id: &str) -> Option<usize> {
        self.meta.editions.iter().position(|e| e.id == id)
    }

    /// The latest edition (the default), if editions are declared.
    pub fn current_edition(&self) -> Option<&str> {
        self.meta.editions.last().map(|e| e.id.as_str())
    }

    /// The review as it stood at an edition: only the studies, statements, analyses and analysis
    /// rows that are evidence from that edition or earlier. Acknowledgements of audit findings are
    /// kept as they are (which of them an edition needs is for whoever runs the audit).
    pub fn at_edition(&self, id: &str) -> Result<Review, crate::EvidenceError> {
        let Some(limit) = self.edition_index(id) else {
            return Err(crate::EvidenceError::UnknownEdition {
                id: id.to_string(),
                known: self.meta.editions.iter().map(|e| e.id.clone()).collect(),
            });
        };
        let within = |since: Option<&str>| {
            since
                .and_then(|s| self.edition_index(s))
                .is_none_or(|i| i <= limit)
        };
        let mut review = self.clone();
        review.studies.retain(|s| within(s.since.as_deref()));
        for s in &mut review.studies {
            s.outcomes.retain(|o| within(o.since.as_deref()));
            s.claims.retain(|c| within(c.since.as_deref()));
        }
        review.guidance.retain(|g| within(g.since.as_deref()));
        let present: std::collections::BTreeSet<String> =
            review.studies.iter().map(|s| s.id.clone()).collect();
        review.meta.analyses.retain(|a| within(a.since.as_deref()));
        for a in &mut review.meta.analyses {
            a.rows
                .retain(|r| within(r.since.as_deref()) && present.contains(&r.study));
            a.excluded.retain(|x| present.contains(&x.study));
        }
        for g in &mut review.guidance {
            g.studies.retain(|s| present.contains(s));
        }
        review.meta.editions.truncate(limit + 1);
        Ok(review)
    }

    /// The radiobiology parameters for an endpoint.
    pub fn alpha_beta(&self, endpoint: &str) -> Option<&AlphaBeta> {
        self.meta
            .radiobiology
            .alpha_beta
            .iter()
            .find(|a| a.endpoint == endpoint)
    }
}

/// Lower-cases and drops spaces, hyphens and punctuation so that "T-DM1", "tdm1" and "TDM-1" meet.
pub fn fold_name(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// `review.toml`: what the review asks, how it searched, what it admits.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewMeta {
    /// Short identifier, e.g. `tdm1-radiotherapy`.
    pub id: String,
    /// Title for reports.
    pub title: String,
    /// The publications whose text the locators point into.
    pub sources: Vec<SourceDocument>,
    /// Population, intervention, comparison, outcomes.
    pub question: Question,
    /// The search strategy exactly as the source states it.
    pub search: SearchStrategy,
    /// Eligibility criteria.
    pub eligibility: Eligibility,
    /// Editions of the review (e.g. the published 2021 state).
    #[serde(default)]
    pub editions: Vec<Edition>,
    /// Linear-quadratic parameters per endpoint, for BED/EQD2.
    pub radiobiology: Radiobiology,
    /// Declared analyses: what to pool or describe, from which study arms, with which methods.
    #[serde(default)]
    pub analyses: Vec<AnalysisDecl>,
    /// Counts for the PRISMA 2020 flow diagram, where the review records them.
    #[serde(default)]
    pub prisma: Option<Prisma>,
}

/// What the review records of its selection process (PRISMA 2020). Unknown counts stay empty.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)] // each field is described in docs/data-model.md
pub struct Prisma {
    #[serde(default)]
    pub records_identified: Option<u32>,
    #[serde(default)]
    pub duplicates_removed: Option<u32>,
    #[serde(default)]
    pub records_screened: Option<u32>,
    #[serde(default)]
    pub records_excluded: Option<u32>,
    #[serde(default)]
    pub reports_assessed: Option<u32>,
    #[serde(default)]
    pub reports_excluded: Option<u32>,
    /// Where the counts come from, or why they are missing.
    pub note: String,
}

/// Kind of analysis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AnalysisKind {
    /// Pool single-group proportions.
    Proportion,
    /// Compare two groups (risk ratio, odds ratio, risk difference).
    Comparison,
    /// Describe the studies without pooling.
    Descriptive,
}

/// A model to fit: measure, method and test, as `concur meta` names them.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)] // each field is described in docs/data-model.md
pub struct ModelSpec {
    pub measure: String,
    pub method: String,
    #[serde(default)]
    pub test: Option<String>,
    /// Why this model (shown in the report).
    #[serde(default)]
    pub why: Option<String>,
}

/// One group of patients an analysis draws on: a study arm, optionally restricted by timing.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)] // each field is described in docs/data-model.md
pub struct GroupRef {
    pub arm: Option<String>,
    #[serde(default)]
    pub timing: Option<TimingMode>,
}

/// One row of an analysis: a study and the group(s) it contributes.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)] // each field is described in docs/data-model.md
pub struct AnalysisRow {
    pub study: String,
    /// Label in tables and plots (default: the study label).
    #[serde(default)]
    pub label: Option<String>,
    /// The group for proportions, or the treatment group for comparisons.
    #[serde(default)]
    pub arm: Option<String>,
    #[serde(default)]
    pub timing: Option<TimingMode>,
    /// The control group for comparisons.
    #[serde(default)]
    pub control: Option<GroupRef>,
    /// Subgroup label for subgroup analysis (e.g. `concurrent`).
    #[serde(default)]
    pub subgroup: Option<String>,
    /// Use the record printed at this place (a fragment of its locator) when the source prints
    /// the quantity in more than one place; say why in the analysis note.
    #[serde(default)]
    pub prefer: Option<String>,
    /// From which edition the row is part of the analysis (default: the analysis's).
    #[serde(default)]
    pub since: Option<String>,
}

/// A study deliberately left out of an analysis, with the reason.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)] // each field is described in docs/data-model.md
pub struct Exclusion {
    pub study: String,
    pub reason: String,
}

/// An analysis declared as data.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)] // each field is described in docs/data-model.md
pub struct AnalysisDecl {
    pub id: String,
    pub title: String,
    /// Report section: the radiotherapy setting.
    pub site: Site,
    #[serde(default)]
    pub techniques: Vec<Technique>,
    /// Drugs whose evidence this is (ids from drugs.toml).
    pub drugs: Vec<String>,
    pub kind: AnalysisKind,
    pub outcome_kind: OutcomeKind,
    /// Outcome terms accepted (the studies' own wording differs).
    pub terms: Vec<String>,
    /// Grade threshold; records must state the same grade.
    #[serde(default)]
    pub grade: Option<String>,
    pub unit: Unit,
    /// The primary model (not for descriptive analyses).
    #[serde(default)]
    pub primary: Option<ModelSpec>,
    /// Further models (sensitivity analyses, or other measures such as RR beside OR).
    #[serde(default)]
    pub sensitivity: Vec<ModelSpec>,
    pub rows: Vec<AnalysisRow>,
    #[serde(default)]
    pub excluded: Vec<Exclusion>,
    /// Our note on how to read the analysis (e.g. which measure a printed figure is).
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default)]
    pub since: Option<String>,
}

/// A document locators refer to.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceDocument {
    /// Identifier used by studies' `source` field.
    pub id: String,
    /// Full citation.
    pub citation: String,
    /// File name of the plain-text copy the locators were read from.
    pub file: String,
    /// Publication date (ISO).
    #[serde(default)]
    pub published: Option<String>,
    /// Free notes (e.g. that figures come from abstracts only).
    #[serde(default)]
    pub note: Option<String>,
}

/// PICO question.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)] // each field is described in docs/data-model.md
pub struct Question {
    pub population: String,
    pub intervention: String,
    pub comparison: String,
    pub outcomes: Vec<String>,
}

/// The search strategy as declared by the source.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchStrategy {
    /// Databases searched.
    pub databases: Vec<String>,
    /// Groups of terms; terms within a group are alternatives.
    pub term_groups: Vec<Vec<String>>,
    /// How the groups combine, in the source's words paraphrased.
    pub combination: String,
    /// Last search date (ISO) or as stated.
    pub searched_until: String,
    /// Publication-date window, if any.
    #[serde(default)]
    pub date_range: Option<String>,
    /// Languages admitted.
    pub languages: Vec<String>,
    /// Conference proceedings screened.
    pub conference_proceedings: String,
    /// Whether case reports were admitted.
    pub case_reports_included: bool,
    /// Where in the source this is stated.
    pub locator: String,
    /// The search as runnable queries in PubMed's syntax, line by line (`concur search
    /// --strategy`); a line may combine earlier ones as `#id`.
    #[serde(default)]
    pub strategy: Vec<StrategyLine>,
}

/// One line of a runnable search strategy.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StrategyLine {
    /// Its id, which later lines use as `#id`.
    pub id: String,
    /// What it searches for, in a few words.
    pub label: String,
    /// The query, in PubMed's syntax.
    pub query: String,
    /// Why the line is written this way, when it is our reading of the source.
    #[serde(default)]
    pub note: Option<String>,
}

/// Inclusion and exclusion criteria.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)] // each field is described in docs/data-model.md
pub struct Eligibility {
    pub include: Vec<String>,
    #[serde(default)]
    pub exclude: Vec<String>,
    pub locator: String,
    /// Who the studies must be about (PICO's P), as the screener shows it.
    #[serde(default)]
    pub population: Option<String>,
    /// The treatment studied.
    #[serde(default)]
    pub intervention: Option<String>,
    /// The timing of drug and radiotherapy that qualifies.
    #[serde(default)]
    pub timing: Option<String>,
    /// Study designs accepted, in words.
    #[serde(default)]
    pub designs: Vec<String>,
    /// Hard limits applied to records automatically, each with the reason it logs.
    #[serde(default)]
    pub limits: Limits,
    /// The reasons a record may be excluded for, with ids that decisions store.
    #[serde(default)]
    pub reasons: Vec<ExclusionReason>,
    /// Words the screener highlights: signs of a relevant record and signs of an irrelevant one.
    #[serde(default)]
    pub highlight: Highlight,
}

impl Eligibility {
    /// The exclusion reasons' ids, as decisions name them.
    pub fn reason_ids(&self) -> Vec<String> {
        self.reasons.iter().map(|r| r.id.clone()).collect()
    }
}

/// Limits a record's metadata can be checked against without a person.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// Languages accepted (ISO 639-2 codes as MEDLINE writes them, e.g. `eng`); empty accepts any.
    #[serde(default)]
    pub languages: Vec<String>,
    /// The earliest publication year accepted.
    #[serde(default)]
    pub published_from: Option<i32>,
    /// The latest publication year accepted.
    #[serde(default)]
    pub published_until: Option<i32>,
    /// Publication types refused (as records name them, e.g. `Editorial`).
    #[serde(default)]
    pub excluded_types: Vec<String>,
    /// The exclusion reason id each limit logs: language, date and publication type.
    #[serde(default)]
    pub reason_language: Option<String>,
    #[serde(default)]
    #[allow(missing_docs)]
    pub reason_date: Option<String>,
    #[serde(default)]
    #[allow(missing_docs)]
    pub reason_type: Option<String>,
}

/// One reason a record may be excluded for.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExclusionReason {
    /// A short id decisions store (`not-tdm1`).
    pub id: String,
    /// The reason in words.
    pub label: String,
    /// Where the source review states it; empty for a reason the review team added.
    #[serde(default)]
    pub locator: Option<String>,
    /// Why the reason is there, when the source does not state it.
    #[serde(default)]
    pub note: Option<String>,
}

/// The screener's highlighted words.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Highlight {
    /// Words that suggest a record is relevant.
    #[serde(default)]
    pub include: Vec<String>,
    /// Words that suggest it is not.
    #[serde(default)]
    pub exclude: Vec<String>,
}

/// A dated state of the review.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)] // each field is described in docs/data-model.md
pub struct Edition {
    pub id: String,
    pub label: String,
    #[serde(default)]
    pub date: Option<String>,
}

/// α/β ratios used for dose normalisation.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)] // each field is described in docs/data-model.md
pub struct Radiobiology {
    pub alpha_beta: Vec<AlphaBeta>,
    /// Which endpoints apply to each irradiated site.
    pub site_endpoints: Vec<SiteEndpoints>,
}

/// One α/β ratio with its reasoning.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlphaBeta {
    /// e.g. `brain-necrosis`.
    pub endpoint: String,
    /// α/β in Gy.
    pub gy: f64,
    /// Why this value; it is a model assumption, not a number from the evidence.
    pub reasoning: String,
}

/// The endpoints whose α/β apply to a site.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)] // each field is described in docs/data-model.md
pub struct SiteEndpoints {
    pub site: Site,
    pub endpoints: Vec<String>,
}

/// One entry of the source's reference list.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)] // each field is described in docs/data-model.md
pub struct Reference {
    /// The number in the source's list.
    pub number: u32,
    /// Authors as listed ("et al." kept as listed).
    pub authors: Vec<String>,
    pub year: Option<u16>,
    pub title: String,
    pub journal: Option<String>,
    #[serde(default)]
    pub volume: Option<String>,
    #[serde(default)]
    pub pages: Option<String>,
}

impl Reference {
    /// The first author's surname as printed (e.g. `Stumpf`).
    pub fn first_author_surname(&self) -> Option<&str> {
        self.authors.first().map(|a| surname(a))
    }
}

/// The surname part of "Stumpf PK" or "Von Minckwitz G".
pub fn surname(author: &str) -> &str {
    let author = author.trim();
    match author.rfind(' ') {
        Some(i)
            if author[i + 1..]
                .chars()
                .all(|c| c.is_uppercase() || c == '-') =>
        {
            &author[..i]
        }
        _ => author,
    }
}

/// `drugs.toml`: a drug with its synonyms and classes.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)] // each field is described in docs/data-model.md
pub struct Drug {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub synonyms: Vec<String>,
    /// e.g. `her2-adc`, `adc`, `anti-her2-antibody`, `tki`, `chemotherapy`.
    pub classes: Vec<String>,
    /// Not one drug but a comparator or a mix of drugs (e.g. treatment of physician's choice):
    /// studies may name it, a question may not.
    #[serde(default)]
    pub group: bool,
    /// Days between doses, when the sources give the schedule; unknown stays empty.
    #[serde(default)]
    pub cycle_days: Option<u32>,
    /// Where the sources give the cycle.
    #[serde(default)]
    pub cycle_locator: Option<String>,
}

/// A drug class whose members may share how they interact with radiotherapy: evidence on one
/// member is shown, labelled as class-level, for another. A class without such a declaration
/// (a target or a chemical family alone) links no evidence.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DrugClass {
    /// The class id drugs name in `classes`.
    pub id: String,
    /// Why its members' evidence with radiotherapy may bear on one another, in the review's words.
    pub reason: String,
    /// Where the sources support the reason.
    pub locator: String,
}

/// A citation given in the study file itself (when the source's list lacks it, or to add ids).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)] // each field is described in docs/data-model.md
pub struct Citation {
    #[serde(default)]
    pub authors: Vec<String>,
    #[serde(default)]
    pub year: Option<u16>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub journal: Option<String>,
    #[serde(default)]
    pub volume: Option<String>,
    #[serde(default)]
    pub pages: Option<String>,
    /// Only where a file in the sources gives it.
    #[serde(default)]
    pub pmid: Option<String>,
    /// Only where a file in the sources gives it.
    #[serde(default)]
    pub doi: Option<String>,
    /// Where the identifiers were read.
    #[serde(default)]
    pub locator: Option<String>,
}

/// One source publication and what it reports.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)] // each field is described in docs/data-model.md
pub struct Study {
    /// File stem, e.g. `stumpf-2019`.
    pub id: String,
    /// The file the study was read from, inside the review folder.
    #[serde(skip_deserializing)]
    pub file: String,
    /// Display label, e.g. "Stumpf 2019".
    pub label: String,
    /// Which source document the locators point into (default: the review's first source).
    #[serde(default)]
    pub source: Option<String>,
    /// The number of this publication in the source's reference list.
    #[serde(default)]
    pub source_ref: Option<u32>,
    /// Citation details beyond (or instead of) the reference list.
    #[serde(default)]
    pub citation: Option<Citation>,
    /// Trial acronym, e.g. `KATHERINE`.
    #[serde(default)]
    pub trial: Option<String>,
    /// The study this one is a subgroup or secondary analysis of.
    #[serde(default)]
    pub parent: Option<String>,
    /// From which edition on the study is part of the evidence.
    #[serde(default)]
    pub since: Option<String>,
    pub design: Design,
    /// Where the design is stated.
    pub design_locator: String,
    pub setting: Vec<Setting>,
    pub population: String,
    /// Total patients (or lesions, units) and where that number is printed.
    #[serde(default)]
    pub n: Option<Count>,
    /// True when the arms cover only part of the study's patients (e.g. 7 of 13 had T-DM1).
    #[serde(default)]
    pub arms_partial: bool,
    #[serde(default)]
    pub arms: Vec<Arm>,
    #[serde(default)]
    pub radiotherapy: Vec<Radiotherapy>,
    #[serde(default)]
    pub timing: Option<Timing>,
    #[serde(default)]
    pub outcomes: Vec<Outcome>,
    #[serde(default)]
    pub experiments: Vec<Experiment>,
    /// Places where the source cites a reference number for this study.
    #[serde(default)]
    pub mentions: Vec<Mention>,
    /// Other statements the source makes about the study (design labels, follow-up), by place.
    #[serde(default)]
    pub claims: Vec<Claim>,
    /// Our own summary of what happened.
    #[serde(default)]
    pub summary: Option<String>,
    /// How the figures were obtained (e.g. read from a public abstract at an address).
    #[serde(default)]
    pub provenance: Option<String>,
    /// What the source marks as unverified; these stay unverified (no number is entered for them).
    #[serde(default)]
    pub unverified: Vec<String>,
    /// Risk of bias, judged with the tool that fits the design.
    #[serde(default)]
    pub risk_of_bias: Option<RiskOfBias>,
    /// Who extracted the study's data and who checked it (studies accepted from a workspace).
    #[serde(default)]
    pub extraction: Option<ExtractionRecord>,
}

/// A study's risk of bias: one judgement per domain of its tool, each with what supports it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RiskOfBias {
    /// The tool used.
    pub tool: crate::rob::RobTool,
    /// The overall judgement, in the tool's words (`low`, `some-concerns`, `high` for RoB 2).
    pub overall: String,
    /// One judgement per domain of the tool.
    #[serde(default)]
    pub domains: Vec<RobJudgement>,
}

/// One domain's judgement with its support.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RobJudgement {
    /// The domain's id in the tool (`D1`..`D5` for RoB 2, `Q1`.. for JBI checklists).
    pub domain: String,
    /// The answer in the tool's words.
    pub judgement: String,
    /// A quote from the paper, or our words on what it reports, behind the judgement.
    pub support: String,
    /// Where the support is printed.
    pub locator: String,
}

/// Who extracted an accepted study and who checked it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExtractionRecord {
    /// The reviewers whose extraction was accepted.
    pub extracted_by: Vec<String>,
    /// The reviewers who extracted independently and compared.
    #[serde(default)]
    pub checked_by: Vec<String>,
    /// The record it was extracted from, as the workspace knows it (e.g. `PMID 36566691`).
    #[serde(default)]
    pub record: Option<String>,
    /// When it was accepted (ISO date).
    #[serde(default)]
    pub accepted: Option<String>,
}

impl Study {
    /// All drug ids given to any arm or used in any experiment.
    pub fn drug_ids(&self) -> Vec<&str> {
        let mut ids: Vec<&str> = self
            .arms
            .iter()
            .flat_map(|a| a.drugs.iter().map(String::as_str))
            .chain(
                self.experiments
                    .iter()
                    .flat_map(|e| e.agents.iter().map(String::as_str)),
            )
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    /// The arm with this id.
    pub fn arm(&self, id: &str) -> Option<&Arm> {
        self.arms.iter().find(|a| a.id == id)
    }

    /// Sites irradiated in any radiotherapy entry.
    pub fn sites(&self) -> Vec<Site> {
        let mut sites: Vec<Site> = self
            .radiotherapy
            .iter()
            .flat_map(|r| r.sites.iter().copied())
            .collect();
        sites.sort_unstable();
        sites.dedup();
        sites
    }

    /// Techniques used in any radiotherapy entry.
    pub fn techniques(&self) -> Vec<Technique> {
        let mut t: Vec<Technique> = self
            .radiotherapy
            .iter()
            .flat_map(|r| r.techniques.iter().copied())
            .collect();
        t.sort_unstable();
        t.dedup();
        t
    }
}

/// A count with the place it is printed.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)] // each field is described in docs/data-model.md
pub struct Count {
    pub value: u32,
    pub locator: String,
    /// Set when we computed the count; `derivation` says how.
    #[serde(default)]
    pub derivation: Option<String>,
}

impl Count {
    /// Reported or derived.
    pub fn basis(&self) -> Basis {
        if self.derivation.is_some() {
            Basis::Derived
        } else {
            Basis::Reported
        }
    }
}

/// A treatment group (or a reported subgroup of one).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)] // each field is described in docs/data-model.md
pub struct Arm {
    pub id: String,
    pub label: String,
    /// Drug ids from `drugs.toml`; empty for a no-drug comparison group.
    #[serde(default)]
    pub drugs: Vec<String>,
    /// Other systemic therapy in words (e.g. anthracycline-based chemotherapy first).
    #[serde(default)]
    pub systemic: Option<String>,
    #[serde(default)]
    pub n: Option<u32>,
    /// Where the arm and its size are printed.
    pub locator: String,
    /// Set when `n` was computed by us.
    #[serde(default)]
    pub derivation: Option<String>,
    /// `arm` (same study) or `study/arm` of which this group is a subset.
    #[serde(default)]
    pub subset_of: Option<String>,
    /// Whether the arm received radiotherapy (for with/without-RT subgroups).
    #[serde(default)]
    pub radiotherapy: Option<bool>,
}

/// A dose, fraction number or dose per fraction: one value or a range as printed.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
#[allow(missing_docs)] // each field is described in docs/data-model.md
pub enum Amount {
    Value(f64),
    Range { min: f64, max: f64 },
}

impl Amount {
    /// Lowest value.
    pub fn min(self) -> f64 {
        match self {
            Amount::Value(v) => v,
            Amount::Range { min, .. } => min,
        }
    }

    /// Highest value.
    pub fn max(self) -> f64 {
        match self {
            Amount::Value(v) => v,
            Amount::Range { max, .. } => max,
        }
    }
}

impl std::fmt::Display for Amount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Amount::Value(v) => write!(f, "{}", trim_float(*v)),
            Amount::Range { min, max } => write!(f, "{}-{}", trim_float(*min), trim_float(*max)),
        }
    }
}

/// Prints 30.0 as "30" and 2.5 as "2.5".
pub fn trim_float(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// A radiotherapy schedule as reported.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)] // each field is described in docs/data-model.md
pub struct Radiotherapy {
    /// Restricts the schedule to one arm.
    #[serde(default)]
    pub arm: Option<String>,
    pub sites: Vec<Site>,
    pub techniques: Vec<Technique>,
    #[serde(default)]
    pub total_dose_gy: Option<Amount>,
    #[serde(default)]
    pub fractions: Option<Amount>,
    #[serde(default)]
    pub dose_per_fraction_gy: Option<Amount>,
    /// How many received this schedule, counted in `unit` (patients unless it says otherwise).
    #[serde(default)]
    pub patients: Option<u32>,
    /// What `patients` counts: patients (the default), lesions or courses.
    #[serde(default)]
    pub unit: Option<Unit>,
    /// Free description (e.g. "institutional standards").
    #[serde(default)]
    pub description: Option<String>,
    pub locator: String,
    /// Fields we computed, e.g. `["fractions"]`.
    #[serde(default)]
    pub derived: Vec<String>,
    #[serde(default)]
    pub derivation: Option<String>,
}

/// When systemic therapy was given relative to radiotherapy.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)] // each field is described in docs/data-model.md
pub struct Timing {
    pub mode: TimingMode,
    /// Patients treated concurrently (for `mixed`).
    #[serde(default)]
    pub concurrent: Option<u32>,
    /// Patients treated sequentially (for `mixed`).
    #[serde(default)]
    pub sequential: Option<u32>,
    /// The arm the counts divide.
    #[serde(default)]
    pub of_arm: Option<String>,
    /// The study's definition of concurrency, in our words, where the source states it.
    #[serde(default)]
    pub definition: Option<String>,
    /// Concurrency as an explicit window around a drug dose, when the source gives one.
    #[serde(default)]
    pub window_days: Option<Window>,
    pub locator: String,
}

/// A concurrency window: radiotherapy from `before` days before to `after` days after a dose.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)] // each field is described in docs/data-model.md
pub struct Window {
    pub before: u32,
    pub after: u32,
}

/// One result as printed in one place of the source.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)] // each field is described in docs/data-model.md
pub struct Outcome {
    pub kind: OutcomeKind,
    /// Toxicity term or efficacy endpoint (e.g. "radiation pneumonitis", "OS", "3-year IDFS").
    pub term: String,
    #[serde(default = "default_statistic")]
    pub statistic: Statistic,
    /// Grade threshold for toxicities: `any`, `3`, `>=3`, `1-2`.
    #[serde(default)]
    pub grade: Option<String>,
    /// The arm (or subgroup arm) the result is for.
    #[serde(default)]
    pub arm: Option<String>,
    /// Comparator arm, for ratios and differences.
    #[serde(default)]
    pub versus: Option<String>,
    /// Restricts the result to patients treated with this timing.
    #[serde(default)]
    pub timing: Option<TimingMode>,
    /// Any other restriction, in words (e.g. "previously irradiated lesions").
    #[serde(default)]
    pub subgroup: Option<String>,
    #[serde(default)]
    pub events: Option<u32>,
    #[serde(default)]
    pub denominator: Option<u32>,
    /// Percent as printed (its decimals are read from the file text).
    #[serde(default)]
    pub percent: Option<f64>,
    /// Digits after the decimal point of `percent` as written in the file.
    #[serde(skip_deserializing)]
    pub percent_decimals: Option<u8>,
    /// Value of a non-proportion statistic (median, ratio, difference).
    #[serde(default)]
    pub value: Option<f64>,
    /// Confidence interval [lower, upper].
    #[serde(default)]
    pub ci: Option<[f64; 2]>,
    /// P value as printed: `0.02`, `<0.001`.
    #[serde(default)]
    pub p: Option<String>,
    /// What the rate counts; mandatory for every rate.
    #[serde(default)]
    pub unit: Option<Unit>,
    pub locator: String,
    /// Fields we computed (`events`, `denominator`, `percent`, `value`).
    #[serde(default)]
    pub derived: Vec<String>,
    #[serde(default)]
    pub derivation: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
    /// From which edition this record is evidence (default: the study's).
    #[serde(default)]
    pub since: Option<String>,
}

fn default_statement_kind() -> StatementKind {
    StatementKind::ReviewConclusion
}

fn default_statistic() -> Statistic {
    Statistic::Proportion
}

impl Outcome {
    /// Whether `field` was computed by us.
    pub fn is_derived(&self, field: &str) -> bool {
        self.derived.iter().any(|f| f == field)
    }

    /// Reported or derived, for one field.
    pub fn basis(&self, field: &str) -> Basis {
        if self.is_derived(field) {
            Basis::Derived
        } else {
            Basis::Reported
        }
    }

    /// Whether the record is a survival-type percentage (a Kaplan-Meier estimate such as 3-year
    /// IDFS), which is not events / N and so escapes the percent-versus-count rules.
    pub fn is_time_to_event(&self) -> bool {
        let term = self.term.to_lowercase();
        term.contains("survival")
            || term.contains("recurrence")
            || term
                .split(|c: char| !c.is_alphanumeric())
                .any(|w| matches!(w, "os" | "pfs" | "dfs" | "idfs" | "efs"))
    }

    /// Whether this record holds a rate (events, denominator or percent).
    pub fn is_rate(&self) -> bool {
        self.statistic == Statistic::Proportion
    }

    /// A short name of the quantity for finding ids: term, grade, arm, timing, subgroup.
    pub fn short_key(&self) -> String {
        [
            Some(self.term.to_lowercase()),
            self.grade.as_deref().map(|g| format!("g{g}")),
            self.arm.clone(),
            self.timing.map(|t| t.to_string()),
            self.subgroup.clone(),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ")
    }

    /// The key under which two records describe the same quantity.
    pub fn quantity_key(&self) -> String {
        let mut key = format!("{} {}", self.kind, self.term.to_lowercase());
        for part in [
            self.grade.as_deref().map(|g| format!("grade {g}")),
            Some(self.statistic.as_str().to_string()),
            self.arm.as_deref().map(|a| format!("arm {a}")),
            self.versus.as_deref().map(|v| format!("vs {v}")),
            self.timing.map(|t| format!("timing {t}")),
            self.subgroup.as_deref().map(|s| format!("subgroup {s}")),
            self.unit.map(|u| u.label().to_string()),
        ]
        .into_iter()
        .flatten()
        {
            key.push_str(", ");
            key.push_str(&part);
        }
        key
    }
}

/// A laboratory experiment (preclinical studies, or the laboratory part of a clinical paper).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)] // each field is described in docs/data-model.md
pub struct Experiment {
    pub system: System,
    /// Cells or animals used.
    pub model: String,
    /// Agents combined with radiation.
    pub agents: Vec<String>,
    /// Radiation given, in words.
    #[serde(default)]
    pub radiation: Option<String>,
    /// What was found, in our words.
    pub finding: String,
    pub locator: String,
}

/// The source cites reference `reference` for this study at `locator`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)] // each field is described in docs/data-model.md
pub struct Mention {
    pub reference: u32,
    pub locator: String,
}

/// Another statement the source makes about the study (a design label, a follow-up), compared
/// across places by the audit.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)] // each field is described in docs/data-model.md
pub struct Claim {
    /// What is claimed, e.g. `design` or `patients with SRS`.
    pub quantity: String,
    /// As printed.
    pub value: String,
    pub locator: String,
    /// From which edition this statement is evidence (default: the study's).
    #[serde(default)]
    pub since: Option<String>,
}

/// A conclusion or recommendation, linked to the studies behind it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)] // each field is described in docs/data-model.md
pub struct Statement {
    pub id: String,
    /// Review conclusion, systematic review, consensus statement or guideline.
    #[serde(default = "default_statement_kind")]
    pub kind: StatementKind,
    /// Who says it: `source-review` for the source's own conclusions, or an organisation.
    pub issuer: String,
    /// Publication year of the statement.
    #[serde(default)]
    pub year: Option<u16>,
    /// Citation of the statement.
    #[serde(default)]
    pub citation: Option<String>,
    /// What the statement covers.
    #[serde(default)]
    pub scope: Option<String>,
    /// Days to hold the drug around radiotherapy, where the statement recommends a hold.
    #[serde(default)]
    pub hold_days: Option<u32>,
    /// How concur obtained it: read directly, or as tabulated by another public source.
    #[serde(default)]
    pub obtained: Option<String>,
    /// What is marked unverified about the statement.
    #[serde(default)]
    pub unverified: Vec<String>,
    /// The source document the locator points into.
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub since: Option<String>,
    pub sites: Vec<Site>,
    #[serde(default)]
    pub techniques: Vec<Technique>,
    pub drugs: Vec<String>,
    #[serde(default)]
    pub timing: Option<TimingMode>,
    pub stance: Stance,
    /// The statement in our words.
    pub text: String,
    /// Study ids behind the statement.
    #[serde(default)]
    pub studies: Vec<String>,
    pub locator: String,
}

/// A finding a person has reviewed: it stays visible, marked acknowledged, with the reason.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Acknowledgement {
    /// The finding id printed by `concur audit`.
    pub finding: String,
    /// Why this is the source's own inconsistency (or otherwise accepted).
    pub explanation: String,
}
