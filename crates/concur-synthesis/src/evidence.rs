//! A review analysed once: the value every front end takes (`report`, `assess`, `studies`,
//! `audit`, the web app).

use crate::analyses::{run_analyses, AnalysisRun};
use crate::filter::StudyFilter;
use crate::prisma::{LiteratureCounts, PrismaFlow};
use crate::SynthesisError;
use concur_evidence::{fold_name, AuditReport, Review, Study};

/// A review with its audit and its analyses, each computed once.
pub struct Evidence<'r> {
    /// The review (at the edition it was built for).
    pub review: &'r Review,
    /// The audit of the review and its source.
    pub audit: AuditReport,
    /// Every analysis the review declares, fitted.
    pub analyses: Vec<AnalysisRun<'r>>,
}

impl<'r> Evidence<'r> {
    /// Audits the review and runs its analyses.
    pub fn new(review: &'r Review) -> Evidence<'r> {
        Evidence {
            review,
            audit: concur_evidence::audit(review),
            analyses: run_analyses(review),
        }
    }

    /// One study by id.
    pub fn study(&self, id: &str) -> Result<&'r Study, SynthesisError> {
        self.review
            .study(id)
            .ok_or_else(|| SynthesisError::UnknownStudy {
                id: id.to_string(),
                known: self.review.studies.iter().map(|s| s.id.clone()).collect(),
            })
    }

    /// The studies a filter selects, in the review's order. A drug that is neither a drug, a
    /// synonym nor a class of the review is an error, not an empty list.
    pub fn select(&self, filter: &StudyFilter) -> Result<Vec<&'r Study>, SynthesisError> {
        let review = self.review;
        if let Some(drug) = &filter.drug {
            let is_class = review
                .drugs
                .iter()
                .any(|d| d.classes.iter().any(|c| fold_name(c) == fold_name(drug)));
            if review.find_drug(drug).is_none() && !is_class {
                let mut known: Vec<String> = review.drugs.iter().map(|d| d.id.clone()).collect();
                let mut classes: Vec<String> = review
                    .drugs
                    .iter()
                    .flat_map(|d| d.classes.iter().cloned())
                    .collect();
                known.sort_unstable();
                classes.sort_unstable();
                classes.dedup();
                return Err(SynthesisError::UnknownDrugOrClass {
                    name: drug.clone(),
                    drugs: known,
                    classes,
                });
            }
        }
        Ok(review
            .studies
            .iter()
            .filter(|s| filter.matches(review, s))
            .collect())
    }

    /// The PRISMA flow: from the workspace's counts when given, else as the review records it.
    pub fn prisma(&self, literature: Option<&LiteratureCounts>) -> PrismaFlow {
        PrismaFlow::new(self.review, literature)
    }
}

/// The review as it stood at an edition (`full` holds every edition). Acknowledgements of audit
/// findings that only later editions produce are dropped; those that no edition produces are
/// kept, so that a stale entry in `audit.toml` is still reported as stale.
pub fn edition(full: &Review, id: &str) -> Result<Review, SynthesisError> {
    let mut review = full.at_edition(id)?;
    let here = concur_evidence::audit(&review);
    let everywhere = concur_evidence::audit(full);
    let exists = |report: &AuditReport, id: &str| report.findings.iter().any(|f| f.id == id);
    review
        .acknowledgements
        .retain(|a| exists(&here, &a.finding) || !exists(&everywhere, &a.finding));
    Ok(review)
}
