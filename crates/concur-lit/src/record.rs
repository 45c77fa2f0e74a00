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
    /// Affiliations as printed.
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
    /// The MeSH descriptor (heading).
    pub descriptor: String,
    /// Whether it is a major topic of the article.
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
    /// The section's label (`BACKGROUND`, `METHODS`, ...), if any.
    pub label: Option<String>,
    /// The section's text.
    pub text: String,
}

/// One bibliographic record, whatever format it came from.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Record {
    #[serde(skip_serializing_if = "Option::is_none")]
    /// PubMed id.
    pub pmid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// DOI as the source gives it.
    pub doi: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// PubMed Central id (`PMC...`).
    pub pmc: Option<String>,
    /// Other identifiers as (type, value), e.g. ("pii", "S0…"), ("accession", "…").
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub other_ids: Vec<(String, String)>,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// Article title.
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    /// The abstract, section by section (one unlabelled section for a plain abstract).
    pub abstract_sections: Vec<Section>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    /// Authors in order.
    pub authors: Vec<Author>,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// Journal title.
    pub journal: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// Journal title abbreviation.
    pub journal_abbrev: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// Publication year.
    pub year: Option<u16>,
    /// The publication date as printed (e.g. `2019 Jun 15`, `1998 Dec-1999 Jan`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// Volume.
    pub volume: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// Issue.
    pub issue: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// Pages as printed (`123-30`, `e456`).
    pub pages: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    /// Languages as the source writes them (`eng`, `English`).
    pub languages: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    /// Publication types (`Journal Article`, `Review`, ...).
    pub publication_types: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    /// MeSH headings.
    pub mesh: Vec<Mesh>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    /// Author keywords.
    pub keywords: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    /// Grant ids.
    pub grants: Vec<String>,
    /// RIS reference type (`JOUR`, `BOOK`, …) or PubMed record kind (`PubmedBookArticle`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Screening label carried by the file (CSV `label_included`, ASReview RIS notes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<bool>,
    /// The database the record was exported from, as the file names it (RIS and Ovid `DB`, else
    /// `DP`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database: Option<String>,
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
    /// A place read with a repair (invalid UTF-8 replaced by U+FFFD, a missing end tag assumed):
    /// reported, but no record was dropped for it.
    Repaired(crate::Problem),
}

impl Item {
    /// Where the item starts in the (decompressed) input; 0 for deletions, which carry no
    /// position.
    pub(crate) fn byte(&self) -> u64 {
        match self {
            Item::Record(r) => r.position.byte,
            Item::Rejected(p) | Item::Repaired(p) => p.position.byte,
            Item::Delete(_) => 0,
        }
    }
}

/// Collapses runs of white space to one space and trims.
pub(crate) fn squash(text: &str) -> String {
    // Most field texts are already clean: one branch-free pass decides that and the text is
    // copied once; otherwise the char-by-char pass runs. (Several memchr scans per text cost
    // more on the short texts that most fields are: names, MeSH terms, journal titles.)
    if is_squashed(text.as_bytes()) {
        return text.to_string();
    }
    squash_slow(text)
}

/// Whether [`squash`] would leave `b` as it is: no space at either end, no two spaces in a row
/// and no other white space (nor any control character, which only sends the text the slow
/// way). Scientific texts are full of non-ASCII (±, °, µ, en dashes, curly quotes), so the
/// non-ASCII white-space characters are matched exactly, not by their lead byte.
fn is_squashed(b: &[u8]) -> bool {
    let (Some(&first), Some(&last)) = (b.first(), b.last()) else {
        return true;
    };
    if first == b' ' || last == b' ' {
        return false;
    }
    // 32 bytes at a time, each seen with the two bytes after it, with no early exit inside:
    // the compiler turns this into vector instructions. The rest goes byte by byte.
    const WIDE: usize = 32;
    let mut at = 0;
    while at + WIDE + 2 <= b.len() {
        let window = |skip: usize| -> &[u8; WIDE] {
            b[at + skip..at + skip + WIDE]
                .try_into()
                .unwrap_or(&[0; WIDE])
        };
        let (here, next, after) = (window(0), window(1), window(2));
        let mut found = false;
        for i in 0..WIDE {
            found |= breaks_squash(here[i], next[i], after[i]);
        }
        if found {
            return false;
        }
        at += WIDE;
    }
    // Short texts (most fields) end up here whole: printable ASCII other than the space,
    // nearly every byte, is passed over at once.
    let byte = |i: usize| b.get(i).copied().unwrap_or(0);
    !(at..b.len()).any(|i| {
        let c = b[i];
        !(0x21..0x7F).contains(&c) && breaks_squash(c, byte(i + 1), byte(i + 2))
    })
}

/// Whether the byte `c`, followed by `n1` and `n2`, starts what [`squash`] changes: two spaces,
/// a control character (tab and line breaks among them; DEL and the C1 controls, NEL among
/// them, too), or the UTF-8 of NBSP, U+1680,
/// U+2000-U+200A, U+2028, U+2029, U+202F, U+205F or U+3000 (the rest of Unicode's white space).
#[inline(always)]
fn breaks_squash(c: u8, n1: u8, n2: u8) -> bool {
    (c < 0x20)
        | (c == 0x7F)
        | ((c == b' ') & (n1 == b' '))
        | ((c == 0xC2) & ((0x80..=0x9F).contains(&n1) | (n1 == 0xA0)))
        | ((c == 0xE1) & (n1 == 0x9A) & (n2 == 0x80))
        | ((c == 0xE2) & (n1 == 0x80) & ((n2 <= 0x8A) | (n2 == 0xA8) | (n2 == 0xA9) | (n2 == 0xAF)))
        | ((c == 0xE2) & (n1 == 0x81) & (n2 == 0x9F))
        | ((c == 0xE3) & (n1 == 0x80) & (n2 == 0x80))
}

fn squash_slow(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    // Control characters (a NUL, an escape) are no part of a bibliographic text: they separate
    // words like spaces, so that they reach no terminal, database or export.
    for word in text
        .split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
    {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
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
        assert_eq!(squash("a\0b\x1b[31mc\u{9b}d\u{7f}"), "a b [31mc d");
        assert_eq!(year_in("1998 Dec-1999 Jan"), Some(1998));
        assert_eq!(year_in("vol 12345"), None);
        assert_eq!(year_in("10 15"), None);
    }

    #[test]
    fn every_white_space_character_and_only_those_take_the_slow_way() {
        // Every character up to U+3100 (all of Unicode's white space is below), a sample above.
        let codes = (0..=0x3100).chain((0x3100..=0x10FFFF).step_by(61));
        for c in codes.filter_map(char::from_u32) {
            let text = format!("a{c}b");
            // Spaces alone are fine; controls go the slow way whether white space or not.
            let expected = c == ' ' || !(c.is_whitespace() || c.is_control());
            assert_eq!(is_squashed(text.as_bytes()), expected, "U+{:04X}", c as u32);
            let long = format!("{}{c}{}", "x".repeat(40), "y".repeat(40));
            assert_eq!(
                is_squashed(long.as_bytes()),
                expected,
                "U+{:04X} in a long text",
                c as u32
            );
        }
    }

    #[test]
    fn two_spaces_are_found_at_every_offset() {
        for at in 1..200 {
            let text = format!("{}  {}", "a".repeat(at), "b".repeat(200 - at));
            assert!(!is_squashed(text.as_bytes()), "two spaces after {at} bytes");
            assert_eq!(
                squash(&text),
                format!("{} {}", "a".repeat(at), "b".repeat(200 - at))
            );
            let clean = format!("{} {}", "a".repeat(at), "b".repeat(200 - at));
            assert!(is_squashed(clean.as_bytes()));
        }
    }

    proptest::proptest! {
        #[test]
        fn fast_squash_is_the_slow_one(text in "[ a\t\n\r\u{a0}\u{85}\u{2009}\u{2028}\u{202f}\u{205f}\u{1680}\u{3000}\u{b}\u{c}\u{1c}é≥–±\u{2030}\u{3001}]{0,12}") {
            proptest::prop_assert_eq!(squash(&text), squash_slow(&text));
        }

        /// Long texts too, where two spaces can straddle the 64-byte blocks of the fast check.
        #[test]
        fn fast_squash_is_the_slow_one_across_blocks(text in "[ ab\t\u{a0}\u{2009}\u{200b}\u{800}é–]{0,300}") {
            proptest::prop_assert_eq!(squash(&text), squash_slow(&text));
        }
    }
}
