//! The one normalised record model every reader produces.

use serde::{Deserialize, Serialize};

/// Where in its file a record (or a problem) is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Position {
    /// Byte offset of the record's start in the (decompressed) input.
    pub byte: u64,
    /// 1-based line of the record's start, where the format is line-based (0 when unknown).
    pub line: u64,
}

impl std::fmt::Display for Position {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line > 0 {
            write!(f, "line {}, byte {}", self.line, self.byte)
        } else {
            write!(f, "byte {}", self.byte)
        }
    }
}

/// An author: a person or a collective (group) name.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Author {
    /// Family name, or the whole name when it cannot be split.
    pub last: String,
    /// Given names or initials.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first: Option<String>,
    /// A group author ("KATHERINE Investigators").
    pub collective: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub affiliations: Vec<String>,
}

impl Author {
    /// "Stumpf PK" style display name.
    pub fn display(&self) -> String {
        match &self.first {
            Some(f) if !self.collective => format!("{} {f}", self.last),
            _ => self.last.clone(),
        }
    }
}

/// A MeSH heading with its qualifiers and major-topic flags.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Mesh {
    pub descriptor: String,
    pub major: bool,
    /// Qualifier names with their major-topic flags.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub qualifiers: Vec<(String, bool)>,
}

/// A labelled section of a structured abstract (label empty for unstructured text).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Section {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    pub text: String,
}

/// One bibliographic record, whatever format it came from.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Record {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pmid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub doi: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pmc: Option<String>,
    /// Other identifiers as (type, value), e.g. ("pii", "S0…"), ("accession", "…").
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub other_ids: Vec<(String, String)>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub abstract_sections: Vec<Section>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub authors: Vec<Author>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub journal: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub journal_abbrev: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub year: Option<u16>,
    /// The publication date as printed (e.g. `2019 Jun 15`, `1998 Dec-1999 Jan`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub volume: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issue: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pages: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub languages: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub publication_types: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub mesh: Vec<Mesh>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub keywords: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub grants: Vec<String>,
    /// RIS reference type (`JOUR`, `BOOK`, …) or PubMed record kind (`PubmedBookArticle`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Screening label carried by the file (CSV `label_included`, ASReview RIS notes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<bool>,
    /// Where the record starts.
    pub position: Position,
}

impl Record {
    /// The whole abstract as one text (sections joined, labelled ones prefixed).
    pub fn abstract_text(&self) -> Option<String> {
        if self.abstract_sections.is_empty() {
            return None;
        }
        Some(
            self.abstract_sections
                .iter()
                .map(|s| match &s.label {
                    Some(l) => format!("{l}: {}", s.text),
                    None => s.text.clone(),
                })
                .collect::<Vec<_>>()
                .join(" "),
        )
    }

    /// Whether the record has anything to identify it by.
    pub fn is_empty(&self) -> bool {
        self.pmid.is_none() && self.doi.is_none() && self.title.is_none()
    }
}

/// What a reader hands out, in file order.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// A record.
    Record(Box<Record>),
    /// PMIDs an update file deletes (`DeleteCitation`).
    Delete(Vec<String>),
    /// A record that could not be read; the rest of the file goes on.
    Rejected(crate::Problem),
}

/// Collapses runs of white space to one space and trims.
/// A searcher for two spaces, built once (building one per call cost more than the search).
static DOUBLE_SPACE: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
    std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"  "));

pub(crate) fn squash(text: &str) -> String {
    // Most field texts are already clean. A few SIMD scans (memchr) decide that, and the text is
    // copied once; otherwise the char-by-char pass runs.
    let b = text.as_bytes();
    let clean = !text.starts_with(' ')
        && !text.ends_with(' ')
        && memchr::memchr3(b'\n', b'\r', b'\t', b).is_none()
        && memchr::memchr2(0x0b, 0x0c, b).is_none()
        && DOUBLE_SPACE.find(b).is_none()
        // Lead bytes of every non-ASCII white-space character (NEL, NBSP, U+1680, U+2000-U+205F,
        // U+3000): texts with them take the slow path.
        && (text.is_ascii()
            || (memchr::memchr3(0xC2, 0xE1, 0xE2, b).is_none()
                && memchr::memchr(0xE3, b).is_none()));
    if clean {
        return text.to_string();
    }
    squash_slow(text)
}

fn squash_slow(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.chars() {
        if c.is_whitespace() {
            space = !out.is_empty();
        } else {
            if space {
                out.push(' ');
                space = false;
            }
            out.push(c);
        }
    }
    out
}

/// The first four-digit year 1000-2999 in a text.
pub(crate) fn year_in(text: &str) -> Option<u16> {
    let b = text.as_bytes();
    (0..b.len().saturating_sub(3)).find_map(|i| {
        let w = &b[i..i + 4];
        let digits = w.iter().all(u8::is_ascii_digit);
        let bounded = (i == 0 || !b[i - 1].is_ascii_digit())
            && b.get(i + 4).is_none_or(|c| !c.is_ascii_digit());
        (digits && bounded && (w[0] == b'1' || w[0] == b'2'))
            .then(|| std::str::from_utf8(w).ok()?.parse().ok())
            .flatten()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn squash_and_year() {
        assert_eq!(squash("  a \n  b\tc "), "a b c");
        assert_eq!(year_in("1998 Dec-1999 Jan"), Some(1998));
        assert_eq!(year_in("vol 12345"), None);
        assert_eq!(year_in("10 15"), None);
    }

    proptest::proptest! {
        #[test]
        fn fast_squash_is_the_slow_one(text in "[ a\t\n\r\u{a0}\u{2009}\u{3000}\u{b}\u{c}é≥]{0,12}") {
            proptest::prop_assert_eq!(squash(&text), squash_slow(&text));
        }
    }
}
