//! Controlled vocabularies of the review model: designs, settings, sites, techniques, timing,
//! outcome kinds, statistics and units. Each is a closed set so that a typo in a review folder is
//! an error that lists what is known, never a silent new category.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Lower case without spaces, hyphens or underscores: "Whole-brain", "whole brain" and
/// "wholebrain" meet.
fn fold_word(text: &str) -> String {
    text.chars()
        .filter(|c| !matches!(c, ' ' | '-' | '_'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// The clinical words people use for a vocabulary's values, where a word means one value only
/// (a word for several, such as "stereotactic", is left out rather than guessed).
pub trait Words: Sized + 'static {
    /// Each word with the value it means.
    const WORDS: &'static [(&'static str, Self)];
}

/// The clinical words for a vocabulary.
pub fn words<T: Words>() -> &'static [(&'static str, T)] {
    T::WORDS
}

/// Clinical words that mean several values of a vocabulary: a filter takes any of them, a
/// question asks for one.
pub fn group_words<T: GroupWords>() -> &'static [(&'static str, &'static [T])] {
    T::GROUPS
}

/// Words for several values at once.
pub trait GroupWords: Sized + 'static {
    /// Each word with the values it covers.
    const GROUPS: &'static [(&'static str, &'static [Self])];
}

impl GroupWords for Technique {
    const GROUPS: &'static [(&'static str, &'static [Technique])] = &[(
        "stereotactic",
        &[Technique::Srs, Technique::Fsrt, Technique::Sbrt],
    )];
}

impl GroupWords for Design {
    const GROUPS: &'static [(&'static str, &'static [Design])] = &[
        ("rct", &[Design::Phase3Rct, Design::Phase2Rct]),
        ("randomised", &[Design::Phase3Rct, Design::Phase2Rct]),
        ("randomized", &[Design::Phase3Rct, Design::Phase2Rct]),
    ];
}

/// The values a group word covers (ignoring case, spaces and hyphens), if it is one.
pub fn parse_group<T: GroupWords + Copy>(text: &str) -> Option<Vec<T>> {
    let wanted = fold_word(text);
    T::GROUPS
        .iter()
        .find(|(w, _)| fold_word(w) == wanted)
        .map(|(_, values)| values.to_vec())
}

/// Vocabularies people do not type, or whose identifiers are their words.
macro_rules! no_words {
    ($($t:ty),*) => {$(
        impl Words for $t {
            const WORDS: &'static [(&'static str, $t)] = &[];
        }
    )*};
}
no_words!(
    OutcomeKind,
    Statistic,
    Unit,
    Basis,
    System,
    StatementKind,
    Stance,
    Severity
);

impl Words for Site {
    const WORDS: &'static [(&'static str, Site)] = &[
        ("intracranial", Site::Brain),
        ("cns", Site::Brain),
        ("brain metastases", Site::Brain),
        ("chest wall", Site::ChestWall),
        ("nodes", Site::RegionalNodes),
        ("nodal", Site::RegionalNodes),
        ("axilla", Site::RegionalNodes),
        ("supraclavicular", Site::RegionalNodes),
        ("bones", Site::Bone),
        ("bone metastases", Site::Bone),
        ("spine", Site::Bone),
    ];
}

impl Words for Technique {
    const WORDS: &'static [(&'static str, Technique)] = &[
        ("radiosurgery", Technique::Srs),
        ("stereotactic radiosurgery", Technique::Srs),
        ("gamma knife", Technique::Srs),
        ("srt", Technique::Fsrt),
        ("fractionated stereotactic", Technique::Fsrt),
        ("fractionated srs", Technique::Fsrt),
        ("hfsrt", Technique::Fsrt),
        ("whole brain", Technique::Wbrt),
        ("whole brain radiotherapy", Technique::Wbrt),
        ("wbi", Technique::WholeBreast),
        ("whole breast irradiation", Technique::WholeBreast),
        ("pmrt", Technique::PostMastectomy),
        ("postmastectomy", Technique::PostMastectomy),
        ("rni", Technique::RegionalNodal),
        ("regional nodal irradiation", Technique::RegionalNodal),
        ("sabr", Technique::Sbrt),
        ("stereotactic body", Technique::Sbrt),
    ];
}

impl Words for Design {
    const WORDS: &'static [(&'static str, Design)] = &[
        ("phase iii rct", Design::Phase3Rct),
        ("randomised phase ii", Design::Phase2Rct),
        ("randomized phase ii", Design::Phase2Rct),
        ("randomised phase 2", Design::Phase2Rct),
        ("randomized phase 2", Design::Phase2Rct),
        ("phase i", Design::Phase1),
    ];
}

impl Words for TimingMode {
    const WORDS: &'static [(&'static str, TimingMode)] = &[
        ("concomitant", TimingMode::Concurrent),
        ("simultaneous", TimingMode::Concurrent),
        ("during", TimingMode::Concurrent),
        ("consecutive", TimingMode::Sequential),
        ("before or after", TimingMode::Sequential),
    ];
}

impl Words for Setting {
    const WORDS: &'static [(&'static str, Setting)] = &[
        ("stage iv", Setting::Metastatic),
        ("post-neoadjuvant", Setting::Adjuvant),
        ("laboratory", Setting::Preclinical),
    ];
}

/// Defines a kebab-case vocabulary enum with its display names and the list of known values.
macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal, $label:literal;)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum $name {
            $($(#[$vmeta])* #[doc = $label] #[serde(rename = $text)] $variant,)+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The identifier used in review files and on the command line.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text,)+ }
            }

            /// A short human label for tables.
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label,)+ }
            }

            /// Parses the identifier used in review files (case-insensitive).
            pub fn parse(text: &str) -> Option<$name> {
                let wanted = text.trim().to_ascii_lowercase();
                $name::ALL.iter().copied().find(|v| v.as_str() == wanted)
            }

            /// The known identifiers, comma-separated, for error messages.
            pub fn known() -> String {
                $name::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", ")
            }

            /// Parses what a person types: an identifier or a clinical word for one (see
            /// [`words`]), ignoring case, spaces, hyphens and underscores. Review files take
            /// identifiers only.
            pub fn parse_words(text: &str) -> Option<$name> {
                let wanted = fold_word(text);
                $name::ALL
                    .iter()
                    .copied()
                    .find(|v| fold_word(v.as_str()) == wanted)
                    .or_else(|| {
                        words::<$name>()
                            .iter()
                            .find(|(w, _)| fold_word(w) == wanted)
                            .map(|(_, v)| *v)
                    })
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

vocabulary! {
    /// Study design, as the source describes it.
    Design {
        Phase3Rct => "phase-3-rct", "Phase III RCT";
        Phase2Rct => "phase-2-rct", "Randomised phase II";
        Phase2 => "phase-2", "Phase II";
        SingleArmPhase3b => "single-arm-phase-3b", "Single-arm phase IIIb";
        Phase1 => "phase-1", "Phase I";
        ProspectiveCohort => "prospective-cohort", "Prospective cohort";
        RetrospectiveCohort => "retrospective-cohort", "Retrospective cohort";
        CaseSeries => "case-series", "Case series";
        CaseReport => "case-report", "Case report";
        SubgroupAnalysis => "subgroup-analysis", "Subgroup analysis";
        PostHocAnalysis => "post-hoc-analysis", "Post-hoc analysis";
        SystematicReview => "systematic-review", "Systematic review";
        InVitro => "in-vitro", "In vitro";
        InVivo => "in-vivo", "In vivo";
        /// The design could not be read from any available source.
        NotStated => "not-stated", "Not stated";
    }
}

impl Design {
    /// Whether patients were allocated at random (the GRADE starting point).
    pub fn is_randomised(self) -> bool {
        matches!(self, Design::Phase3Rct | Design::Phase2Rct)
    }

    /// Whether the study is laboratory work rather than patients.
    pub fn is_preclinical(self) -> bool {
        matches!(self, Design::InVitro | Design::InVivo)
    }
}

vocabulary! {
    /// Disease setting of the patients (or preclinical).
    Setting {
        Early => "early", "Early";
        Neoadjuvant => "neoadjuvant", "Neoadjuvant";
        Adjuvant => "adjuvant", "Adjuvant";
        Metastatic => "metastatic", "Metastatic";
        Preclinical => "preclinical", "Preclinical";
    }
}

vocabulary! {
    /// Anatomical site irradiated.
    Site {
        Brain => "brain", "Brain";
        Breast => "breast", "Breast";
        ChestWall => "chest-wall", "Chest wall";
        RegionalNodes => "regional-nodes", "Regional nodes";
        Bone => "bone", "Bone";
        Other => "other", "Other";
    }
}

impl Site {
    /// Whether irradiating `other` counts as irradiating `self` when filtering: `breast` stands for
    /// the whole locoregional breast field (breast, chest wall, regional nodes), as clinicians and
    /// the source use "breast radiotherapy"; every other site matches only itself.
    pub fn covers(self, other: Site) -> bool {
        self == other
            || (self == Site::Breast && matches!(other, Site::ChestWall | Site::RegionalNodes))
    }
}

vocabulary! {
    /// Radiotherapy technique.
    Technique {
        Srs => "srs", "SRS";
        Fsrt => "fsrt", "Fractionated SRT";
        Wbrt => "wbrt", "WBRT";
        WholeBreast => "whole-breast", "Whole breast";
        Boost => "boost", "Tumour-bed boost";
        PostMastectomy => "post-mastectomy", "Post-mastectomy";
        RegionalNodal => "regional-nodal", "Regional nodal";
        Palliative => "palliative", "Palliative";
        Sbrt => "sbrt", "Extracranial stereotactic";
        Unspecified => "unspecified", "Unspecified";
    }
}

vocabulary! {
    /// How systemic therapy and radiotherapy were timed, as the source reports it.
    TimingMode {
        Concurrent => "concurrent", "Concurrent";
        Sequential => "sequential", "Sequential";
        Mixed => "mixed", "Mixed";
        NotReported => "not-reported", "Not reported";
        NotApplicable => "not-applicable", "Not applicable";
    }
}

vocabulary! {
    /// Which kind of result an outcome record holds.
    OutcomeKind {
        Toxicity => "toxicity", "Toxicity";
        Efficacy => "efficacy", "Efficacy";
        Feasibility => "feasibility", "Feasibility";
    }
}

vocabulary! {
    /// The statistic an outcome record reports.
    Statistic {
        /// Events over a denominator, and/or a percentage.
        Proportion => "proportion", "Proportion";
        MedianMonths => "median-months", "Median (months)";
        HazardRatio => "hazard-ratio", "Hazard ratio";
        /// A ratio whose measure the source does not name (e.g. "13.5-fold").
        UnnamedRatio => "unnamed-ratio", "Ratio (measure not stated)";
        DifferenceMonths => "difference-months", "Difference (months)";
        DifferencePoints => "difference-points", "Difference (percentage points)";
        RelativeReductionPercent => "relative-reduction-percent", "Relative reduction (%)";
        Count => "count", "Count";
        PValue => "p-value", "P value";
        /// Cumulative incidence at a time point (a time-to-event estimate in percent, not events/N).
        CumulativeIncidence => "cumulative-incidence", "Cumulative incidence (%)";
        /// Subdistribution hazard ratio of a competing-risk model.
        SubdistributionHazardRatio => "subdistribution-hazard-ratio", "Subdistribution HR";
        /// A local-control or similar rate at a time point (percent).
        RateAtTime => "rate-at-time", "Rate at a time point (%)";
    }
}

vocabulary! {
    /// What a rate counts: patients, lesions, treatment courses.
    Unit {
        Patient => "patient", "per patient";
        Lesion => "lesion", "per lesion";
        Course => "course", "per course";
        /// The source does not say what the rate counts; such rates are never pooled.
        NotStated => "not-stated", "unit not stated";
    }
}

vocabulary! {
    /// Where a number came from: printed in the source, or computed by us from printed numbers.
    Basis {
        Reported => "reported", "reported";
        Derived => "derived", "derived";
    }
}

vocabulary! {
    /// Experimental system of a preclinical experiment.
    System {
        InVitro => "in-vitro", "In vitro";
        InVivo => "in-vivo", "In vivo";
    }
}

vocabulary! {
    /// What kind of statement a guidance entry is.
    StatementKind {
        ReviewConclusion => "review-conclusion", "Review conclusion";
        SystematicReview => "systematic-review", "Systematic review";
        Consensus => "consensus", "Consensus statement";
        Guideline => "guideline", "Guideline";
    }
}

vocabulary! {
    /// Direction of a guidance statement.
    Stance {
        Avoid => "avoid", "Avoid";
        Caution => "caution", "Caution";
        Feasible => "feasible", "Feasible";
        NoHold => "no-hold", "No hold needed";
        Hold => "hold", "Hold";
        Research => "research", "Research need";
    }
}

vocabulary! {
    /// How severe an audit finding is.
    Severity {
        Error => "error", "error";
        Warning => "warning", "warning";
        Info => "info", "info";
    }
}

/// A toxicity grade threshold: `any`, a single grade (`3`), at least (`>=3`) or a band (`1-2`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Grade {
    /// Lowest CTCAE grade counted.
    pub min: u8,
    /// Highest CTCAE grade counted.
    pub max: u8,
}

impl Grade {
    /// Every grade, 1 to 5.
    pub const ANY: Grade = Grade { min: 1, max: 5 };

    /// Parses `any`, `3`, `>=3` (or `≥3`), `1-2`. Grades run from 1 to 5.
    pub fn parse(text: &str) -> Option<Grade> {
        let t = text.trim().replace('≥', ">=");
        let grade = |s: &str| s.trim().parse::<u8>().ok().filter(|g| (1..=5).contains(g));
        if t.eq_ignore_ascii_case("any") {
            return Some(Grade::ANY);
        }
        if let Some(rest) = t.strip_prefix(">=") {
            return grade(rest).map(|min| Grade { min, max: 5 });
        }
        if let Some((a, b)) = t.split_once('-') {
            let (min, max) = (grade(a)?, grade(b)?);
            return (min <= max).then_some(Grade { min, max });
        }
        grade(&t).map(|g| Grade { min: g, max: g })
    }
}

impl Grade {
    /// The grade as people read it: `any`, `≥ 3`, `3`, `1-2`.
    pub fn label(self) -> String {
        match (self.min, self.max) {
            (1, 5) => "any".into(),
            (a, 5) => format!("≥ {a}"),
            (a, b) if a == b => a.to_string(),
            (a, b) => format!("{a}-{b}"),
        }
    }
}

impl fmt::Display for Grade {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.min, self.max) {
            (1, 5) => f.write_str("any"),
            (a, 5) => write!(f, ">={a}"),
            (a, b) if a == b => write!(f, "{a}"),
            (a, b) => write!(f, "{a}-{b}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grade_forms_parse_and_print_back() {
        for text in ["any", "3", ">=3", "1-2"] {
            let grade = Grade::parse(text).unwrap();
            assert_eq!(grade.to_string(), text);
        }
        assert_eq!(Grade::parse("≥2"), Some(Grade { min: 2, max: 5 }));
        assert_eq!(
            Grade::parse(">=2").map(Grade::label).as_deref(),
            Some("≥ 2")
        );
    }

    #[test]
    fn grade_rejects_nonsense() {
        for text in ["", "6", ">=0", "3-1", "severe"] {
            assert_eq!(Grade::parse(text), None, "{text}");
        }
    }

    #[test]
    fn people_s_words_parse_but_only_where_they_mean_one_value() {
        assert_eq!(Technique::parse_words("Radiosurgery"), Some(Technique::Srs));
        assert_eq!(Technique::parse_words("whole-brain"), Some(Technique::Wbrt));
        assert_eq!(
            Technique::parse_words("Whole Breast"),
            Some(Technique::WholeBreast)
        );
        assert_eq!(Site::parse_words("intracranial"), Some(Site::Brain));
        assert_eq!(
            TimingMode::parse_words("concomitant"),
            Some(TimingMode::Concurrent)
        );
        // A word for several values is not guessed.
        assert_eq!(Technique::parse_words("stereotactic"), None);
        // Review files take identifiers only.
        assert_eq!(Technique::parse("radiosurgery"), None);
        for (word, _) in words::<Technique>() {
            assert!(Technique::parse_words(word).is_some(), "{word}");
        }
    }

    #[test]
    fn vocabulary_round_trips_and_lists_known_values() {
        assert_eq!(Technique::parse("SRS"), Some(Technique::Srs));
        assert_eq!(Technique::parse("sbrt-lung"), None);
        assert!(Technique::known().contains("whole-breast"));
        for t in Technique::ALL {
            assert_eq!(Technique::parse(t.as_str()), Some(*t));
        }
    }
}
