//! Risk-of-bias tools: their domains and answers, and which tool fits which design. The domain
//! names are short paraphrases of each tool's published domains, in our words.

use crate::model::Study;
use crate::vocab::Design;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A risk-of-bias tool.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RobTool {
    /// Cochrane's RoB 2, for randomised trials.
    Rob2,
    /// ROBINS-I, for non-randomised comparisons of interventions.
    RobinsI,
    /// JBI's critical appraisal checklist for case series.
    JbiCaseSeries,
    /// JBI's critical appraisal checklist for case reports.
    JbiCaseReport,
}

/// How worrying an answer is, on one scale for every tool.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RobLevel {
    /// Low risk of bias (or a checklist item met).
    Low,
    /// Some concerns, moderate risk, or an item unclear.
    Some,
    /// High or serious risk (or an item not met).
    High,
    /// Critical risk (ROBINS-I).
    Critical,
    /// No information to judge, or not applicable.
    NoInformation,
}

impl RobTool {
    /// Every tool.
    pub const ALL: [RobTool; 4] = [
        RobTool::Rob2,
        RobTool::RobinsI,
        RobTool::JbiCaseSeries,
        RobTool::JbiCaseReport,
    ];

    /// The id written in study files.
    pub fn as_str(self) -> &'static str {
        match self {
            RobTool::Rob2 => "rob2",
            RobTool::RobinsI => "robins-i",
            RobTool::JbiCaseSeries => "jbi-case-series",
            RobTool::JbiCaseReport => "jbi-case-report",
        }
    }

    /// The tool's name as people write it.
    pub fn name(self) -> &'static str {
        match self {
            RobTool::Rob2 => "RoB 2",
            RobTool::RobinsI => "ROBINS-I",
            RobTool::JbiCaseSeries => "JBI checklist for case series",
            RobTool::JbiCaseReport => "JBI checklist for case reports",
        }
    }

    /// The tool's domains (or checklist items): id and what it asks, in our words.
    pub fn domains(self) -> &'static [(&'static str, &'static str)] {
        match self {
            RobTool::Rob2 => &[
                ("D1", "bias arising from the randomisation process"),
                (
                    "D2",
                    "bias due to deviations from the intended interventions",
                ),
                ("D3", "bias due to missing outcome data"),
                ("D4", "bias in measuring the outcome"),
                ("D5", "bias in selecting the result reported"),
            ],
            RobTool::RobinsI => &[
                ("D1", "bias due to confounding"),
                ("D2", "bias in selecting participants"),
                ("D3", "bias in classifying the interventions"),
                (
                    "D4",
                    "bias due to deviations from the intended interventions",
                ),
                ("D5", "bias due to missing data"),
                ("D6", "bias in measuring outcomes"),
                ("D7", "bias in selecting the result reported"),
            ],
            RobTool::JbiCaseSeries => &[
                ("Q1", "clear criteria for including patients"),
                (
                    "Q2",
                    "the condition measured the same, reliable way for everyone",
                ),
                ("Q3", "valid methods to identify the condition"),
                ("Q4", "consecutive inclusion"),
                ("Q5", "complete inclusion"),
                ("Q6", "patients' demographics clearly reported"),
                ("Q7", "patients' clinical information clearly reported"),
                ("Q8", "outcomes or follow-up clearly reported"),
                ("Q9", "the sites' or clinics' demographics reported"),
                ("Q10", "statistical analysis appropriate"),
            ],
            RobTool::JbiCaseReport => &[
                ("Q1", "the patient's demographics clearly described"),
                ("Q2", "the history clearly described, as a timeline"),
                (
                    "Q3",
                    "the clinical condition at presentation clearly described",
                ),
                (
                    "Q4",
                    "tests or assessments and their results clearly described",
                ),
                ("Q5", "the treatment clearly described"),
                ("Q6", "the condition after treatment clearly described"),
                (
                    "Q7",
                    "adverse or unexpected events identified and described",
                ),
                ("Q8", "lessons the report draws"),
            ],
        }
    }

    /// The answers a domain takes, each with its level.
    pub fn answers(self) -> &'static [(&'static str, RobLevel)] {
        match self {
            RobTool::Rob2 => &[
                ("low", RobLevel::Low),
                ("some-concerns", RobLevel::Some),
                ("high", RobLevel::High),
            ],
            RobTool::RobinsI => &[
                ("low", RobLevel::Low),
                ("moderate", RobLevel::Some),
                ("serious", RobLevel::High),
                ("critical", RobLevel::Critical),
                ("no-information", RobLevel::NoInformation),
            ],
            RobTool::JbiCaseSeries | RobTool::JbiCaseReport => &[
                ("yes", RobLevel::Low),
                ("unclear", RobLevel::Some),
                ("no", RobLevel::High),
                ("not-applicable", RobLevel::NoInformation),
            ],
        }
    }

    /// The overall judgements the tool takes. JBI's checklists have no overall rating of their
    /// own, so the reviewers sum theirs up as low, some or high concern.
    pub fn overall_answers(self) -> &'static [(&'static str, RobLevel)] {
        match self {
            RobTool::Rob2 => RobTool::Rob2.answers(),
            RobTool::RobinsI => &[
                ("low", RobLevel::Low),
                ("moderate", RobLevel::Some),
                ("serious", RobLevel::High),
                ("critical", RobLevel::Critical),
            ],
            RobTool::JbiCaseSeries | RobTool::JbiCaseReport => &[
                ("low", RobLevel::Low),
                ("some-concerns", RobLevel::Some),
                ("high", RobLevel::High),
            ],
        }
    }

    /// The level of an overall judgement, if the tool knows it.
    pub fn overall_level(self, answer: &str) -> Option<RobLevel> {
        self.overall_answers()
            .iter()
            .find(|(a, _)| *a == answer)
            .map(|(_, l)| *l)
    }

    /// The level of a domain's answer, if the tool knows it.
    pub fn level(self, answer: &str) -> Option<RobLevel> {
        self.answers()
            .iter()
            .find(|(a, _)| *a == answer)
            .map(|(_, l)| *l)
    }

    /// The tool that fits a study: RoB 2 for randomised trials, ROBINS-I for non-randomised
    /// comparisons (two or more arms), JBI's checklists for single groups and case reports.
    /// Laboratory work and systematic reviews take none.
    pub fn fitting(design: Design, arms: usize) -> Option<RobTool> {
        match design {
            Design::Phase3Rct | Design::Phase2Rct => Some(RobTool::Rob2),
            Design::CaseReport => Some(RobTool::JbiCaseReport),
            Design::InVitro | Design::InVivo | Design::SystematicReview | Design::NotStated => None,
            _ if arms >= 2 => Some(RobTool::RobinsI),
            _ => Some(RobTool::JbiCaseSeries),
        }
    }

    /// The tool that fits a study.
    pub fn for_study(study: &Study) -> Option<RobTool> {
        RobTool::fitting(study.design, study.arms.len())
    }
}

impl fmt::Display for RobTool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_design_gets_the_tool_that_fits_it() {
        assert_eq!(RobTool::fitting(Design::Phase3Rct, 2), Some(RobTool::Rob2));
        assert_eq!(
            RobTool::fitting(Design::RetrospectiveCohort, 2),
            Some(RobTool::RobinsI)
        );
        assert_eq!(
            RobTool::fitting(Design::RetrospectiveCohort, 1),
            Some(RobTool::JbiCaseSeries)
        );
        assert_eq!(
            RobTool::fitting(Design::CaseReport, 1),
            Some(RobTool::JbiCaseReport)
        );
        assert_eq!(RobTool::fitting(Design::InVitro, 0), None);
    }

    #[test]
    fn every_tool_names_distinct_domains_and_answers() {
        for tool in RobTool::ALL {
            let mut ids: Vec<_> = tool.domains().iter().map(|d| d.0).collect();
            ids.dedup();
            assert_eq!(ids.len(), tool.domains().len());
            assert!(tool.level(tool.answers()[0].0).is_some());
            assert!(tool.overall_level("low").is_some(), "{tool}");
        }
    }
}
