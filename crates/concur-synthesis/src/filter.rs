//! Which studies a filter of the study table selects.

use concur_evidence::{fold_name, Design, Review, Setting, Site, Study, Technique, TimingMode};

/// Filters of `concur studies`; each set filter must match.
#[derive(Debug, Clone, Default)]
pub struct StudyFilter {
    /// Irradiated site; `breast` covers chest wall and regional nodes too.
    pub site: Option<Site>,
    /// Radiotherapy techniques: any of them (none: any technique).
    pub technique: Vec<Technique>,
    /// `concurrent` also matches mixed studies with concurrent patients; likewise `sequential`.
    pub timing: Option<TimingMode>,
    /// Study designs: any of them (none: any design).
    pub design: Vec<Design>,
    /// A drug id, name, synonym, or drug class (e.g. `her2-adc`).
    pub drug: Option<String>,
    /// Disease setting.
    pub setting: Option<Setting>,
}

impl StudyFilter {
    /// Whether the study passes every set filter.
    pub fn matches(&self, review: &Review, study: &Study) -> bool {
        self.site
            .is_none_or(|s| study.sites().iter().any(|x| s.covers(*x)))
            && (self.technique.is_empty()
                || self
                    .technique
                    .iter()
                    .any(|t| study.techniques().contains(t)))
            && (self.design.is_empty() || self.design.contains(&study.design))
            && self.setting.is_none_or(|s| study.setting.contains(&s))
            && self.timing.is_none_or(|t| timing_matches(study, t))
            && self
                .drug
                .as_deref()
                .is_none_or(|d| drug_matches(review, study, d))
    }
}

fn timing_matches(study: &Study, wanted: TimingMode) -> bool {
    let Some(t) = &study.timing else {
        return wanted == TimingMode::NotReported;
    };
    match (t.mode, wanted) {
        (a, b) if a == b => true,
        (TimingMode::Mixed, TimingMode::Concurrent) => t.concurrent.is_none_or(|c| c > 0),
        (TimingMode::Mixed, TimingMode::Sequential) => t.sequential.is_none_or(|c| c > 0),
        _ => false,
    }
}

fn drug_matches(review: &Review, study: &Study, wanted: &str) -> bool {
    let class = fold_name(wanted);
    let ids = study.drug_ids();
    match review.find_drug(wanted) {
        Some(drug) => ids.contains(&drug.id.as_str()),
        None => ids.iter().any(|id| {
            review
                .find_drug(id)
                .is_some_and(|d| d.classes.iter().any(|c| fold_name(c) == class))
        }),
    }
}
