//! The PRISMA 2020 flow: counts from a literature workspace when there is one, else as the
//! review records them; unknown counts stay unknown.

use concur_evidence::{Design, OutcomeKind, Review};
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
    /// The latest run of each saved search, in the order the searches were first saved.
    pub searches: Vec<SearchRun>,
    /// The screening decisions in effect, when any were recorded.
    pub screening: Option<ScreeningFlow>,
}

/// What the screening log counts (the store's screening counts, in the synthesis's terms);
/// reasons are the review's exclusion reason ids (`unstated` when none was given).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ScreeningFlow {
    /// Records excluded by a hard limit, per reason.
    pub excluded_automatically: Vec<(String, u64)>,
    /// Records screened at title and abstract.
    pub screened: u64,
    /// Records excluded at title and abstract, per reason.
    pub excluded: Vec<(String, u64)>,
    /// Records the reviewers disagree on, unresolved.
    pub conflicts: u64,
    /// Records not screened yet.
    pub awaiting: u64,
    /// Reports sought for full-text assessment.
    pub sought: u64,
    /// Reports assessed.
    pub assessed: u64,
    /// Reports excluded, per reason.
    pub reports_excluded: Vec<(String, u64)>,
    /// Reports in conflict or still unsure.
    pub reports_unsettled: u64,
    /// Reports included.
    pub included: u64,
}

/// One logged run of a saved search.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SearchRun {
    /// The name it was saved under (`strategy #4` for a strategy line).
    pub name: String,
    /// Where it ran: `workspace` (the imported records) or a bibliographic database (`pubmed`).
    pub database: String,
    /// The query as written.
    pub query: String,
    /// The query as the database read it.
    pub translation: String,
    /// When it ran (UTC, RFC 3339).
    pub run_at: String,
    /// Records found.
    pub count: u64,
}

impl SearchRun {
    /// Whether the run searched a bibliographic database (and so identified records), rather
    /// than the records already in the workspace.
    pub fn identifies(&self) -> bool {
        self.database != "workspace"
    }
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
        /// Records identified per source: a database's latest saved search where there is
        /// one, else the records imported from the source.
        identified: Vec<(String, u64)>,
        /// The saved database searches whose counts are those of their database above.
        searched: Vec<SearchRun>,
        /// Records imported per source.
        imported: Vec<(String, u64)>,
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
    /// Records imported and left after deduplication, still to screen (from a workspace).
    pub awaiting_screening: Option<u64>,
    /// What the included publications are.
    pub included: Included,
    /// Where the counts come from.
    pub source: PrismaSource,
    /// The search table: the latest run of each saved search (from a workspace).
    pub searches: Vec<SearchRun>,
    /// The screening log's details, with each reason as the review words it (from a workspace
    /// with decisions).
    pub screening: Option<ScreeningDetail>,
}

/// The screening boxes' details from a workspace's log.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ScreeningDetail {
    /// Records removed before screening by the review's hard limits, per reason.
    pub excluded_automatically: Vec<(String, u64)>,
    /// Records excluded at title and abstract, per reason.
    pub records_excluded: Vec<(String, u64)>,
    /// Records in unresolved conflict at title and abstract.
    pub conflicts: u64,
    /// Reports sought for retrieval.
    pub reports_sought: u64,
    /// Reports not assessed yet.
    pub reports_awaiting: u64,
    /// Reports excluded, per reason.
    pub reports_excluded: Vec<(String, u64)>,
    /// Reports in conflict or still unsure.
    pub reports_unsettled: u64,
    /// Reports included.
    pub reports_included: u64,
}

/// What the review's included publications are, so that "included" says what it counts.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Included {
    /// Clinical studies with toxicity or feasibility data.
    pub with_toxicity: usize,
    /// Clinical studies with efficacy data only (no radiotherapy toxicity).
    pub efficacy_only: usize,
    /// Systematic reviews.
    pub systematic_reviews: usize,
    /// Laboratory studies.
    pub preclinical: usize,
    /// Entries with something the sources do not verify (counted in the groups above too).
    pub unverified: usize,
}

impl PrismaFlow {
    /// The flow of a review, with a workspace's counts in place of the review's when given.
    pub fn new(review: &Review, literature: Option<&LiteratureCounts>) -> PrismaFlow {
        let p = review.meta.prisma.clone().unwrap_or_default();
        let mut included = Included::default();
        for s in &review.studies {
            if s.design.is_preclinical() {
                included.preclinical += 1;
            } else if s.design == Design::SystematicReview {
                included.systematic_reviews += 1;
            } else if s
                .outcomes
                .iter()
                .any(|o| matches!(o.kind, OutcomeKind::Toxicity | OutcomeKind::Feasibility))
            {
                included.with_toxicity += 1;
            } else {
                included.efficacy_only += 1;
            }
            if !s.unverified.is_empty() {
                included.unverified += 1;
            }
        }
        let mut flow = PrismaFlow {
            databases: review.meta.search.databases.clone(),
            awaiting_screening: None,
            included,
            records_identified: p.records_identified.map(u64::from),
            duplicates_removed: p.duplicates_removed.map(u64::from),
            records_screened: p.records_screened.map(u64::from),
            records_excluded: p.records_excluded.map(u64::from),
            reports_assessed: p.reports_assessed.map(u64::from),
            reports_excluded: p.reports_excluded.map(u64::from),
            source: PrismaSource::Review { note: p.note },
            searches: Vec::new(),
            screening: None,
        };
        if let Some(c) = literature {
            // The workspace's own flow: its sources, its duplicates, and no screening yet, so no
            // screening or eligibility counts (the review's, of another search, do not apply).
            let searched = latest_per_database(&c.searches);
            let mut identified: Vec<(String, u64)> = searched
                .iter()
                .map(|s| (s.database.clone(), s.count))
                .collect();
            for (source, n) in &c.identified {
                if !searched
                    .iter()
                    .any(|s| s.database.eq_ignore_ascii_case(source))
                {
                    identified.push((source.clone(), *n));
                }
            }
            flow.databases = identified.iter().map(|(s, _)| s.clone()).collect();
            flow.records_identified = Some(identified.iter().map(|(_, n)| n).sum());
            flow.duplicates_removed = Some(c.duplicates);
            flow.records_screened = None;
            flow.records_excluded = None;
            flow.reports_assessed = None;
            flow.reports_excluded = None;
            flow.awaiting_screening = Some(c.remaining);
            flow.searches = c.searches.clone();
            if let Some(sc) = &c.screening {
                // The review's words for its reason ids; an id it does not list stays as it is.
                let label = |list: &[(String, u64)]| -> Vec<(String, u64)> {
                    list.iter()
                        .map(|(id, n)| {
                            let words = review
                                .meta
                                .eligibility
                                .reasons
                                .iter()
                                .find(|r| &r.id == id)
                                .map_or(id.clone(), |r| r.label.clone());
                            (words, *n)
                        })
                        .collect()
                };
                let sum = |list: &[(String, u64)]| list.iter().map(|(_, n)| n).sum::<u64>();
                flow.records_screened = Some(sc.screened);
                flow.records_excluded = Some(sum(&sc.excluded));
                flow.reports_assessed = Some(sc.assessed);
                flow.reports_excluded = Some(sum(&sc.reports_excluded));
                flow.awaiting_screening = Some(sc.awaiting);
                flow.screening = Some(ScreeningDetail {
                    excluded_automatically: label(&sc.excluded_automatically),
                    records_excluded: label(&sc.excluded),
                    conflicts: sc.conflicts,
                    reports_sought: sc.sought,
                    reports_awaiting: sc.sought.saturating_sub(sc.assessed),
                    reports_excluded: label(&sc.reports_excluded),
                    reports_unsettled: sc.reports_unsettled,
                    reports_included: sc.included,
                });
            }
            flow.source = PrismaSource::Workspace {
                identified,
                searched,
                imported: c.identified.clone(),
                deleted: c.deleted,
            };
        }
        flow
    }

    /// Publications included.
    pub fn included(&self) -> usize {
        let i = &self.included;
        i.with_toxicity + i.efficacy_only + i.systematic_reviews + i.preclinical
    }
}

/// The latest run on each bibliographic database, in the order the databases were first
/// searched: the search whose records a review imports is its last.
fn latest_per_database(runs: &[SearchRun]) -> Vec<SearchRun> {
    let mut out: Vec<SearchRun> = Vec::new();
    for r in runs.iter().filter(|r| r.identifies()) {
        match out.iter_mut().find(|o| o.database == r.database) {
            Some(o) if r.run_at >= o.run_at => *o = r.clone(),
            Some(_) => {}
            None => out.push(r.clone()),
        }
    }
    out
}
