//! A review analysed once: the value every front end takes (`report`, `assess`, `studies`,
//! `audit`, the web app).

use crate::analyses::{run_analyses, AnalysisRun};
use crate::filter::StudyFilter;
use crate::prisma::{LiteratureCounts, PrismaFlow};
use crate::SynthesisError;
use concur_evidence::{fold_name, AuditReport, Review, Study};
use std::sync::OnceLock;

/// A review with its audit and its analyses, each computed at most once, when first asked for
/// (listing studies needs neither; a report needs both).
pub struct Evidence<'r> {
    /// The review (at the edition it was built for).
    pub review: &'r Review,
    audit: OnceLock<AuditReport>,
    analyses: OnceLock<Vec<AnalysisRun<'r>>>,
}

impl<'r> Evidence<'r> {
    /// The evidence of a review; nothing is computed yet.
    pub fn new(review: &'r Review) -> Evidence<'r> {
        Evidence {
            review,
            audit: OnceLock::new(),
            analyses: OnceLock::new(),
        }
    }

    /// The audit of the review and its source.
    pub fn audit(&self) -> &AuditReport {
        self.audit
            .get_or_init(|| concur_evidence::audit(self.review))
    }

    /// Every analysis the review declares, fitted, in the review's order.
    pub fn analyses(&self) -> &[AnalysisRun<'r>] {
        self.analyses.get_or_init(|| run_analyses(self.review))
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
                let mut known: Vec<String> = review
                    .drugs
                    .iter()
                    .filter(|d| !d.group)
                    .map(|d| d.id.clone())
                    .collect();
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
                    suggestions: crate::assess::suggestions(review, drug),
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
    if full.current_edition() == Some(id) {
        // The latest edition holds everything: no finding exists only in a later one.
        return Ok(review);
    }
    let here = concur_evidence::audit(&review);
    let everywhere = concur_evidence::audit(full);
    let exists = |report: &AuditReport, id: &str| report.findings.iter().any(|f| f.id == id);
    review
        .acknowledgements
        .retain(|a| exists(&here, &a.finding) || !exists(&everywhere, &a.finding));
    Ok(review)
}
