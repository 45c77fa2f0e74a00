//! Hard limits of the eligibility criteria (language, publication year, publication type) that
//! a record's metadata settles without a person. A record that does not say is kept: an unknown
//! language or year is for a reviewer to judge.

use concur_lit::Record;
use serde::Serialize;

/// The limits.
#[derive(Debug, Clone, Default)]
pub struct Limits {
    /// Languages accepted (codes like `eng` or names like `English`); empty accepts any.
    pub languages: Vec<String>,
    /// Earliest year accepted.
    pub from: Option<i32>,
    /// Latest year accepted.
    pub until: Option<i32>,
    /// Publication types refused.
    pub excluded_types: Vec<String>,
}

/// Which limit a record fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Limit {
    /// Its language.
    Language,
    /// Its publication year.
    Date,
    /// Its publication type.
    PublicationType,
}

/// MEDLINE's language codes and the English names other formats use, for the languages met
/// most in biomedical records; a code or name not listed matches itself only.
const LANGUAGES: &[(&str, &str)] = &[
    ("eng", "english"),
    ("fre", "french"),
    ("ger", "german"),
    ("spa", "spanish"),
    ("ita", "italian"),
    ("por", "portuguese"),
    ("dut", "dutch"),
    ("jpn", "japanese"),
    ("chi", "chinese"),
    ("rus", "russian"),
    ("pol", "polish"),
    ("kor", "korean"),
    ("tur", "turkish"),
    ("cze", "czech"),
    ("swe", "swedish"),
    ("nor", "norwegian"),
    ("dan", "danish"),
    ("hun", "hungarian"),
    ("gre", "greek"),
    ("heb", "hebrew"),
    ("per", "persian"),
    ("ara", "arabic"),
];

fn language_key(text: &str) -> String {
    let t = text.trim().to_lowercase();
    LANGUAGES
        .iter()
        .find(|(code, name)| t == *code || t == *name)
        .map_or(t, |(code, _)| (*code).to_string())
}

impl Limits {
    /// Whether there is any limit to apply.
    pub fn is_empty(&self) -> bool {
        self.languages.is_empty()
            && self.from.is_none()
            && self.until.is_none()
            && self.excluded_types.is_empty()
    }

    /// The first limit `r` fails, with what it says, if any.
    pub fn check(&self, r: &Record) -> Option<(Limit, String)> {
        if !self.languages.is_empty() && !r.languages.is_empty() {
            let accepted: Vec<String> = self.languages.iter().map(|l| language_key(l)).collect();
            if !r
                .languages
                .iter()
                .any(|l| accepted.contains(&language_key(l)))
            {
                return Some((Limit::Language, r.languages.join(", ")));
            }
        }
        if let Some(year) = r.year.map(i32::from) {
            if self.from.is_some_and(|f| year < f) || self.until.is_some_and(|u| year > u) {
                return Some((Limit::Date, year.to_string()));
            }
        }
        if let Some(t) = r.publication_types.iter().find(|t| {
            self.excluded_types
                .iter()
                .any(|x| x.eq_ignore_ascii_case(t.trim()))
        }) {
            return Some((Limit::PublicationType, t.clone()));
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_names_match_and_unknowns_are_kept() {
        let l = Limits {
            languages: vec!["eng".into()],
            from: Some(2000),
            until: Some(2020),
            excluded_types: vec!["Editorial".into()],
        };
        let mut r = Record {
            languages: vec!["English".into()],
            year: Some(2019),
            ..Record::default()
        };
        assert_eq!(l.check(&r), None);
        r.languages = vec!["fre".into()];
        assert_eq!(l.check(&r), Some((Limit::Language, "fre".into())));
        r.languages = vec!["fre".into(), "eng".into()];
        assert_eq!(l.check(&r), None);
        r.year = Some(1999);
        assert_eq!(l.check(&r), Some((Limit::Date, "1999".into())));
        r.year = None;
        r.publication_types = vec!["editorial".into()];
        assert_eq!(
            l.check(&r),
            Some((Limit::PublicationType, "editorial".into()))
        );
        // No language, no year, no type: nothing to apply.
        assert_eq!(l.check(&Record::default()), None);
    }
}
