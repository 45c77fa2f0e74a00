//! Reading questions from query strings, with the CLI's flag names (`drug`, `site`, `technique`,
//! `timing`, `dose_gy`, `fractions`, `interval_days`) and its messages for values it does not
//! know.

use crate::error::WebError;
use concur_evidence::{parse_group, Design, GroupWords, Setting, Site, Technique, TimingMode};
use concur_synthesis::{Query, StudyFilter};
use serde::Deserialize;

/// The clinician's question as typed in the form or the URL; every field is text, so that a
/// wrong value gets a message rather than a bare 400.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AskParams {
    pub drug: Option<String>,
    pub site: Option<String>,
    pub technique: Option<String>,
    pub timing: Option<String>,
    pub dose_gy: Option<String>,
    pub fractions: Option<String>,
    pub interval_days: Option<String>,
}

/// A field with something in it.
fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

macro_rules! one_of {
    ($t:ty, $name:literal, $text:expr) => {
        <$t>::parse_words($text).ok_or_else(|| {
            WebError::BadQuery(format!(
                "unknown {} `{}`; known: {}",
                $name,
                $text,
                <$t>::known()
            ))
        })
    };
}

fn number<T: std::str::FromStr>(name: &str, text: Option<&str>) -> Result<Option<T>, WebError> {
    text.map(|t| {
        t.parse()
            .map_err(|_| WebError::BadQuery(format!("{name} must be a number, not `{t}`")))
    })
    .transpose()
}

impl AskParams {
    /// Whether a question was asked at all (the form alone otherwise).
    pub fn asked(&self) -> bool {
        given(&self.drug).is_some() || given(&self.site).is_some()
    }

    /// The question, or why it cannot be read.
    pub fn query(&self) -> Result<Query, WebError> {
        let drug = given(&self.drug).ok_or_else(|| {
            WebError::BadQuery("name the drug (a name or synonym, e.g. T-DM1 or Kadcyla)".into())
        })?;
        let site = given(&self.site).ok_or_else(|| {
            WebError::BadQuery(format!(
                "name the site to irradiate; known: {}",
                Site::known()
            ))
        })?;
        let site = one_of!(Site, "site", site)?;
        let technique =
            match given(&self.technique) {
                None => None,
                Some(t) => {
                    if let Some(values) = parse_group::<Technique>(t) {
                        return Err(WebError::BadQuery(format!(
                        "`{t}` means several techniques ({}); a question asks about one of them",
                        values.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", ")
                    )));
                    }
                    Some(one_of!(Technique, "technique", t)?)
                }
            };
        let timing = match given(&self.timing) {
            None => None,
            Some(t) if t.eq_ignore_ascii_case("any") => None,
            Some(t) => match TimingMode::parse_words(t) {
                Some(m @ (TimingMode::Concurrent | TimingMode::Sequential)) => Some(m),
                _ => {
                    return Err(WebError::BadQuery(format!(
                        "unknown timing `{t}`; known: concurrent, sequential, any"
                    )))
                }
            },
        };
        let dose_gy = number::<f64>("the planned dose (Gy)", given(&self.dose_gy))?;
        let fractions = number::<f64>("the number of fractions", given(&self.fractions))?;
        let interval_days = number::<i32>("the interval in days", given(&self.interval_days))?;
        Ok(Query {
            drug: drug.to_string(),
            site,
            technique,
            timing,
            dose_gy,
            fractions,
            interval_days,
        })
    }
}

/// The study table's filters and order, as `concur studies` names them.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct StudyParams {
    pub site: Option<String>,
    pub technique: Option<String>,
    pub timing: Option<String>,
    pub design: Option<String>,
    pub drug: Option<String>,
    pub setting: Option<String>,
    /// `label` (default), `year`, `n`, `design`.
    pub sort: Option<String>,
}

fn any_of<T: GroupWords + Copy>(
    text: Option<&str>,
    parse: fn(&str) -> Option<T>,
    name: &str,
    known: String,
) -> Result<Vec<T>, WebError> {
    match text {
        None => Ok(Vec::new()),
        Some(t) => match parse_group::<T>(t) {
            Some(v) => Ok(v),
            None => parse(t)
                .map(|v| vec![v])
                .ok_or_else(|| WebError::BadQuery(format!("unknown {name} `{t}`; known: {known}"))),
        },
    }
}

impl StudyParams {
    /// The filter, or why it cannot be read.
    pub fn filter(&self) -> Result<StudyFilter, WebError> {
        Ok(StudyFilter {
            site: given(&self.site)
                .map(|s| one_of!(Site, "site", s))
                .transpose()?,
            technique: any_of(
                given(&self.technique),
                Technique::parse_words,
                "technique",
                Technique::known(),
            )?,
            timing: given(&self.timing)
                .map(|t| one_of!(TimingMode, "timing", t))
                .transpose()?,
            design: any_of(
                given(&self.design),
                Design::parse_words,
                "design",
                Design::known(),
            )?,
            drug: given(&self.drug).map(str::to_string),
            setting: given(&self.setting)
                .map(|s| one_of!(Setting, "setting", s))
                .transpose()?,
        })
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct DiffParams {
    pub from: Option<String>,
    pub to: Option<String>,
}
