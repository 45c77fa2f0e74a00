//! The PRISMA 2020 flow: counts from a literature workspace when there is one, else as the
//! review records them; unknown counts stay unknown.

use concur_evidence::Review;
use serde::Serialize;

/// What a literature workspace counts (the store's counts, in the synthesis's terms).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct LiteratureCounts {
    /// Records imported, per source database.
    pub identified: Vec<(String, u64)>,
    /// Records marked as duplicates.
    pub duplicates: u64,
    /// Records deleted by PubMed update files.
    pub deleted: u64,
    /// Records left for screening.
    pub remaining: u64,
}

/// Where the flow's counts come from.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "from", rename_all = "kebab-case")]
pub enum PrismaSource {
    /// The review's own record, with its note.
    Review {
        /// Where the counts come from, or why they are missing, in the review's words.
        note: String,
    },
    /// A literature workspace.
    Workspace {
        /// Records imported per source.
        identified: Vec<(String, u64)>,
        /// Records deleted by PubMed update files.
        deleted: u64,
    },
}

/// The PRISMA 2020 flow diagram's counts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PrismaFlow {
    /// The databases searched, as the review names them.
    pub databases: Vec<String>,
    /// Records identified.
    pub records_identified: Option<u64>,
    /// Duplicates removed.
    pub duplicates_removed: Option<u64>,
    /// Records screened.
    pub records_screened: Option<u64>,
    /// Records excluded at screening.
    pub records_excluded: Option<u64>,
    /// Reports assessed for eligibility.
    pub reports_assessed: Option<u64>,
    /// Reports excluded.
    pub reports_excluded: Option<u64>,
    /// Clinical publications included.
    pub included_clinical: usize,
    /// Preclinical publications included.
    pub included_preclinical: usize,
    /// Where the counts come from.
    pub source: PrismaSource,
}

impl PrismaFlow {
    /// The flow of a review, with a workspace's counts in place of the review's when given.
    pub fn new(review: &Review, literature: Option<&LiteratureCounts>) -> PrismaFlow {
        let p = review.meta.prisma.clone().unwrap_or_default();
        let clinical = review
            .studies
            .iter()
            .filter(|s| !s.design.is_preclinical())
            .count();
        let mut flow = PrismaFlow {
            databases: review.meta.search.databases.clone(),
            records_identified: p.records_identified.map(u64::from),
            duplicates_removed: p.duplicates_removed.map(u64::from),
            records_screened: p.records_screened.map(u64::from),
            records_excluded: p.records_excluded.map(u64::from),
            reports_assessed: p.reports_assessed.map(u64::from),
            reports_excluded: p.reports_excluded.map(u64::from),
            included_clinical: clinical,
            included_preclinical: review.studies.len() - clinical,
            source: PrismaSource::Review { note: p.note },
        };
        if let Some(c) = literature {
            flow.records_identified = Some(c.identified.iter().map(|(_, n)| n).sum());
            flow.duplicates_removed = Some(c.duplicates);
            flow.records_screened = Some(c.remaining);
            flow.source = PrismaSource::Workspace {
                identified: c.identified.clone(),
                deleted: c.deleted,
            };
        }
        flow
    }

    /// Publications included.
    pub fn included(&self) -> usize {
        self.included_clinical + self.included_preclinical
    }
}
