//! What changed between two editions of a review: studies, pooled estimates, certainty,
//! guidance, and the same grouped per radiotherapy setting.

use crate::analyses::AnalysisRun;
use crate::certainty::Level;
use crate::evidence::{edition, Evidence};
use crate::SynthesisError;
use concur_evidence::{Review, Site, Statement, Study, Unit};
use concur_stats::Analysis;

/// An analysis as one edition has it.
#[derive(Debug, Clone)]
pub struct AnalysisState {
    /// The primary model's fit, when it pooled.
    pub pooled: Option<Analysis>,
    /// Events in all rows.
    pub events: u32,
    /// Patients in all rows.
    pub patients: u32,
    /// Rows used.
    pub rows: usize,
    /// Certainty of the evidence.
    pub certainty: Level,
    /// The outcome, as the analysis names its terms.
    pub outcome: String,
    /// What the totals count (patients, lesions, courses).
    pub unit: Unit,
}

impl AnalysisState {
    /// Whether nothing a reader sees changed: the pooled numbers, the rows and the certainty.
    pub fn same_as(&self, other: &AnalysisState) -> bool {
        let numbers = |a: &Analysis| (a.spec.measure, a.k, a.pooled);
        self.pooled.as_ref().map(numbers) == other.pooled.as_ref().map(numbers)
            && (self.events, self.patients, self.rows, self.certainty)
                == (other.events, other.patients, other.rows, other.certainty)
    }
}

/// One analysis before and after.
#[derive(Debug, Clone)]
pub struct AnalysisChange {
    /// Analysis id.
    pub id: String,
    /// Analysis title.
    pub title: String,
    /// Report setting.
    pub site: Site,
    /// The analysis in the `from` edition (None: not in it).
    pub before: Option<AnalysisState>,
    /// The same in the `to` edition.
    pub after: Option<AnalysisState>,
}

/// A study an edition adds, with the names of its drugs.
#[derive(Debug, Clone)]
pub struct AddedStudy {
    /// The study's label.
    pub label: String,
    /// Names of its drugs.
    pub drugs: Vec<String>,
}

/// What changed within one radiotherapy setting.
#[derive(Debug, Clone)]
pub struct SettingChange {
    /// The setting.
    pub site: Site,
    /// Studies of the setting in the `from` edition.
    pub studies_before: usize,
    /// Studies of the setting the `to` edition adds.
    pub added: Vec<AddedStudy>,
    /// The setting's analyses.
    pub analyses: Vec<AnalysisChange>,
    /// Statements for the setting new in `to`.
    pub new_guidance: Vec<Statement>,
}

/// Everything that changed.
pub struct Diff {
    /// Earlier edition.
    pub from: String,
    /// Later edition.
    pub to: String,
    /// Studies in `to` but not in `from`.
    pub studies_added: Vec<Study>,
    /// Studies in `from` but not in `to`.
    pub studies_removed: Vec<Study>,
    /// Every analysis of either edition.
    pub analyses: Vec<AnalysisChange>,
    /// Statements new in `to`.
    pub guidance_added: Vec<Statement>,
    /// Statements whose text or stance changed.
    pub guidance_changed: Vec<(Statement, Statement)>,
    /// Statements dropped.
    pub guidance_removed: Vec<Statement>,
    /// The same per setting (brain, breast, bone).
    pub settings: Vec<SettingChange>,
}

fn state(run: &AnalysisRun<'_>) -> AnalysisState {
    AnalysisState {
        pooled: run.primary().cloned(),
        events: run.total_events(),
        patients: run.total_patients(),
        rows: run.rows.len(),
        certainty: run.certainty.level,
        outcome: run.decl.terms.join(" / "),
        unit: run.decl.unit,
    }
}

/// Whether a study irradiated within a report setting (a study can belong to several).
fn in_setting(s: &Study, setting: Site) -> bool {
    s.sites().iter().any(|x| setting.covers(*x))
}

/// Compares two editions of the review (`full` holds every edition).
pub fn diff(full: &Review, from: &str, to: &str) -> Result<Diff, SynthesisError> {
    let a = edition(full, from)?;
    let b = edition(full, to)?;
    Ok(compare(
        full,
        (from, &Evidence::new(&a)),
        (to, &Evidence::new(&b)),
    ))
}

/// Compares two editions already analysed (`full` holds every edition, for drug names): a front
/// end that has the later edition's evidence in hand does not analyse it again.
pub fn compare(
    full: &Review,
    (from, earlier): (&str, &Evidence<'_>),
    (to, later): (&str, &Evidence<'_>),
) -> Diff {
    let (a, b) = (earlier.review, later.review);
    let (runs_a, runs_b) = (earlier.analyses(), later.analyses());
    let ids_a: Vec<&str> = a.studies.iter().map(|s| s.id.as_str()).collect();
    let ids_b: Vec<&str> = b.studies.iter().map(|s| s.id.as_str()).collect();
    let studies_added: Vec<Study> = b
        .studies
        .iter()
        .filter(|s| !ids_a.contains(&s.id.as_str()))
        .cloned()
        .collect();
    let studies_removed: Vec<Study> = a
        .studies
        .iter()
        .filter(|s| !ids_b.contains(&s.id.as_str()))
        .cloned()
        .collect();
    let mut analyses = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    for run in runs_a.iter().chain(runs_b) {
        if seen.contains(&run.decl.id.as_str()) {
            continue;
        }
        seen.push(&run.decl.id);
        let find =
            |runs: &[AnalysisRun<'_>]| runs.iter().find(|r| r.decl.id == run.decl.id).map(state);
        analyses.push(AnalysisChange {
            id: run.decl.id.clone(),
            title: run.decl.title.clone(),
            site: run.decl.site,
            before: find(runs_a),
            after: find(runs_b),
        });
    }
    let g_a: Vec<&Statement> = a.guidance.iter().collect();
    let guidance_added: Vec<Statement> = b
        .guidance
        .iter()
        .filter(|g| !g_a.iter().any(|x| x.id == g.id))
        .cloned()
        .collect();
    let guidance_removed: Vec<Statement> = a
        .guidance
        .iter()
        .filter(|g| !b.guidance.iter().any(|x| x.id == g.id))
        .cloned()
        .collect();
    let guidance_changed: Vec<(Statement, Statement)> = a
        .guidance
        .iter()
        .filter_map(|g| {
            b.guidance
                .iter()
                .find(|x| x.id == g.id && (x.text != g.text || x.stance != g.stance))
                .map(|x| (g.clone(), x.clone()))
        })
        .collect();

    let mut settings = Vec::new();
    for site in [Site::Brain, Site::Breast, Site::Bone] {
        let drug_names = |s: &Study| {
            s.drug_ids()
                .iter()
                .filter_map(|d| full.find_drug(d))
                .map(|d| d.name.clone())
                .collect()
        };
        settings.push(SettingChange {
            site,
            studies_before: a.studies.iter().filter(|s| in_setting(s, site)).count(),
            added: studies_added
                .iter()
                .filter(|s| in_setting(s, site))
                .map(|s| AddedStudy {
                    label: s.label.clone(),
                    drugs: drug_names(s),
                })
                .collect(),
            analyses: analyses
                .iter()
                .filter(|c| c.site == site)
                .cloned()
                .collect(),
            new_guidance: guidance_added
                .iter()
                .filter(|g| g.sites.iter().any(|s| site.covers(*s)))
                .cloned()
                .collect(),
        });
    }
    Diff {
        from: from.into(),
        to: to.into(),
        studies_added,
        studies_removed,
        analyses,
        guidance_added,
        guidance_changed,
        guidance_removed,
        settings,
    }
}
