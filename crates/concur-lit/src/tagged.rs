//! Line-tagged formats: MEDLINE/nbib (`PMID- `), RIS (`TY  - `), Web of Science plain text
//! (`PT J`) and Ovid tagged (`<1. >`). Hand-written line readers: no crate reads nbib or the
//! Ovid/WoS forms, and a streaming line reader is simple and fast (memchr for line ends).
//!
//! All four share the same shape: a tag at the start of a line, a value, continuation lines,
//! record boundaries. BOMs, CRLF and mixed line endings, blank lines, junk between records and
//! invalid UTF-8 (read lossily, and reported) are handled.

use crate::chunk::{self, Block, Chunker};
use crate::record::{squash, year_in, Author, Item, Mesh, Position, Record, Section};
use crate::Problem;
use std::io::Read;

/// Which tagged format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tagged {
    /// MEDLINE / nbib.
    Medline,
    /// RIS.
    Ris,
    /// Web of Science plain text.
    WebOfScience,
    /// Ovid MEDLINE.
    Ovid,
}

/// A tag and its value lines, in order, borrowed from the block.
struct Field<'a> {
    tag: &'a str,
    lines: Vec<&'a str>,
}

/// Splits `line` into (tag, value) for the format, or None for a continuation/other line.
fn split_tag(format: Tagged, line: &str) -> Option<(&str, &str)> {
    let b = line.as_bytes();
    match format {
        Tagged::Medline => {
            // "PMID- 123", "AU  - Name": tag letters, padding to column 4, "- ".
            if b.len() >= 5 && b[4] == b'-' && b[0].is_ascii_uppercase() {
                let tag = line[..4].trim_end();
                if tag
                    .bytes()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
                    && !tag.is_empty()
                {
                    return Some((tag, line.get(5..).unwrap_or("").trim()));
                }
            }
            None
        }
        Tagged::Ris | Tagged::Ovid => {
            // "TY  - JOUR", "ER  -", "A1  - ...". Ovid also has 3-4 letter tags ("VN  - ").
            let dash = if b.len() >= 5 && &b[2..5] == b"  -" {
                2
            } else {
                line.get(..8)?.find("  -")?
            };
            if !(2..=4).contains(&dash) {
                return None;
            }
            let tag = &line[..dash];
            if !tag
                .bytes()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
                || !tag.starts_with(|c: char| c.is_ascii_uppercase())
            {
                return None;
            }
            Some((tag, line[dash + 3..].trim()))
        }
        Tagged::WebOfScience => {
            if b.len() >= 2
                && b[0].is_ascii_uppercase()
                && (b[1].is_ascii_uppercase() || b[1].is_ascii_digit())
                && (b.len() == 2 || b[2] == b' ')
            {
                return Some((&line[..2], line.get(3..).unwrap_or("").trim()));
            }
            None
        }
    }
}

/// Whether a line starts a record of the format.
fn starts_record(format: Tagged, line: &[u8]) -> bool {
    match format {
        Tagged::Medline => line.starts_with(b"PMID-"),
        Tagged::Ris => line.starts_with(b"TY  -"),
        Tagged::WebOfScience => line.starts_with(b"PT "),
        Tagged::Ovid => std::str::from_utf8(line).is_ok_and(is_ovid_start),
    }
}

/// A tagged stream as an input of [`chunk::run_inputs`].
pub(crate) fn input<'a, R: Read + Send + 'a>(reader: R, format: Tagged) -> chunk::Input<'a> {
    fn medline(b: &Block, emit: &mut dyn FnMut(Item)) {
        parse_block(b, Tagged::Medline, emit)
    }
    fn ris(b: &Block, emit: &mut dyn FnMut(Item)) {
        parse_block(b, Tagged::Ris, emit)
    }
    fn web_of_science(b: &Block, emit: &mut dyn FnMut(Item)) {
        parse_block(b, Tagged::WebOfScience, emit)
    }
    fn ovid(b: &Block, emit: &mut dyn FnMut(Item)) {
        parse_block(b, Tagged::Ovid, emit)
    }
    let boundary =
        move |b: &[u8]| chunk::before_last_line_starting(b, |line| starts_record(format, line));
    chunk::Input {
        cut: Box::new(Chunker::new(reader, boundary)),
        parse: match format {
            Tagged::Medline => &medline,
            Tagged::Ris => &ris,
            Tagged::WebOfScience => &web_of_science,
            Tagged::Ovid => &ovid,
        },
        describe: |e| e,
    }
}

/// Parses one block that starts at a record start (or the file start), handing each item to
/// `emit` as soon as it is read.
fn parse_block(block: &Block, format: Tagged, emit: &mut dyn FnMut(Item)) {
    let mut bad_utf8 = None;
    let text = match crate::pubmed::utf8(&block.bytes) {
        Ok(t) => std::borrow::Cow::Borrowed(t),
        Err(e) => {
            bad_utf8 = Some(e.valid_up_to());
            String::from_utf8_lossy(&block.bytes)
        }
    };
    let mut line_no = block.line;
    let mut offset = 0usize;
    let mut fields: Vec<Field> = Vec::new();
    let mut start = Position::default();
    let mut in_record = false;
    // Tags found outside a record (no start line before them): kept as a record only when they
    // hold a title, as a record that lost its start line does; trailing tags some exports put
    // after a record's end (Ovid's `NL  -`) and file headers (`FN`, `VR`) are not records.
    let mut tentative = false;
    let finish = |fields: &mut Vec<Field>,
                  start: Position,
                  tentative: &mut bool,
                  emit: &mut dyn FnMut(Item)| {
        if std::mem::take(tentative) {
            let titled = fields
                .iter()
                .any(|f| matches!(f.tag, "TI" | "T1" | "CT" | "BT" | "T2"));
            if !titled {
                fields.clear();
                return;
            }
            emit(Item::Repaired(Problem {
                position: start,
                reason: format!(
                    "a record starts without its {} line; it was read from its first tag",
                    match format {
                        Tagged::Medline => "PMID",
                        Tagged::Ris => "TY",
                        Tagged::WebOfScience => "PT",
                        Tagged::Ovid => "number",
                    }
                ),
            }));
        }
        if fields.is_empty() {
            return;
        }
        // A record with tags but no title or identifier is still a record of the export (a
        // reference manager's empty entry); it is kept, never dropped.
        emit(Item::Record(Box::new(build(format, fields, start))));
        fields.clear();
    };
    // The tag every finished record of the block ended with, while they agree: a last record
    // without it was cut off (MEDLINE and Ovid have no end tag to miss).
    let mut closing: Option<Option<String>> = None;
    let mut finished = 0usize;
    let bytes = text.as_bytes();
    while offset < bytes.len() {
        let end = memchr::memchr(b'\n', &bytes[offset..]).map_or(bytes.len(), |i| offset + i);
        line_no += 1;
        let here = Position {
            byte: block.byte + offset as u64,
            line: line_no,
        };
        if let Some(bad) = bad_utf8 {
            if bad < end + 1 && bad >= offset {
                emit(Item::Repaired(Problem {
                    position: here,
                    reason: "invalid UTF-8 from this line on was replaced by U+FFFD; the records \
                             were kept"
                        .into(),
                }));
                bad_utf8 = None;
            }
        }
        let mut line = &text[offset..end];
        offset = end + 1;
        line = line.strip_suffix('\r').unwrap_or(line);
        let line = line.trim_start_matches('\u{feff}');
        let tag = split_tag(format, line);
        let starts = match (tag, format) {
            (Some((t, _)), Tagged::Medline) => t == "PMID",
            (Some((t, _)), Tagged::Ris) => t == "TY",
            (Some((t, _)), Tagged::WebOfScience) => t == "PT",
            (_, Tagged::Ovid) => is_ovid_start(line),
            _ => false,
        };
        let ends = match (tag, format) {
            (Some((t, _)), Tagged::Ris | Tagged::WebOfScience) => t == "ER",
            _ => false,
        };
        if starts {
            if in_record {
                if !tentative {
                    note_closing(&mut closing, &fields);
                    finished += 1;
                }
                finish(&mut fields, start, &mut tentative, emit);
            }
            in_record = true;
            start = here;
            if format == Tagged::Ovid {
                continue;
            }
        }
        if !in_record {
            let orphan = match (tag, format) {
                (Some((t, _)), Tagged::Ris | Tagged::WebOfScience) => t != "ER" && t != "EF",
                (Some(_), Tagged::Medline) => true,
                _ => false,
            };
            if !orphan {
                continue; // junk before the first record or between records
            }
            in_record = true;
            tentative = true;
            start = here;
        }
        if ends {
            finish(&mut fields, start, &mut tentative, emit);
            in_record = false;
            continue;
        }
        if format == Tagged::Medline && line.trim().is_empty() {
            if !tentative {
                note_closing(&mut closing, &fields);
                finished += 1;
            }
            finish(&mut fields, start, &mut tentative, emit);
            in_record = false;
            continue;
        }
        match tag {
            Some((t, v)) if !(format == Tagged::WebOfScience && t == "EF") => fields.push(Field {
                tag: t,
                lines: vec![v],
            }),
            _ => {
                let text = line.trim();
                if !text.is_empty() {
                    if let Some(last) = fields.last_mut() {
                        last.lines.push(text);
                    }
                }
            }
        }
    }
    if in_record && !fields.is_empty() {
        if block.last && matches!(format, Tagged::Ris | Tagged::WebOfScience) && !tentative {
            // The record is kept: a repair to report, not a record lost.
            emit(Item::Repaired(Problem {
                position: start,
                reason: "the last record has no end tag (ER); it was read anyway".into(),
            }));
        }
        if let (true, false, Some(Some(tag))) = (block.last, tentative, closing.as_ref()) {
            if matches!(format, Tagged::Medline | Tagged::Ovid)
                && finished >= 2
                && !fields.iter().any(|f| f.tag == tag)
            {
                emit(Item::Repaired(Problem {
                    position: start,
                    reason: format!(
                        "the last record lacks the {tag} field every other record ends with: \
                         it may be cut off; it was read as far as it goes"
                    ),
                }));
            }
        }
        finish(&mut fields, start, &mut tentative, emit);
    }
}

/// Keeps the tag that every finished record has ended with so far (`Some(None)` once they
/// differ).
fn note_closing(closing: &mut Option<Option<String>>, fields: &[Field<'_>]) {
    let last = fields.last().map(|f| f.tag);
    *closing = match closing.take() {
        None => Some(last.map(str::to_string)),
        Some(Some(c)) if Some(c.as_str()) == last => Some(Some(c)),
        Some(_) => Some(None),
    };
}

/// `<3001. >`: the numbered record header of Ovid tagged exports.
pub(crate) fn is_ovid_start(line: &str) -> bool {
    let t = line.trim();
    t.len() > 4
        && t.starts_with('<')
        && t.ends_with(". >")
        && t[1..t.len() - 3].chars().all(|c| c.is_ascii_digit())
}

/// Joins a field's lines: continuation lines are part of the same value.
fn joined(f: &Field) -> String {
    match f.lines.as_slice() {
        [one] => squash(one),
        more => squash(&more.join(" ")),
    }
}

/// "Stumpf, Phillip K" or "Stumpf PK" into an author.
fn author_from(text: &str) -> Author {
    let text = text.trim();
    if let Some((last, first)) = text.split_once(',') {
        return Author {
            last: last.trim().to_string(),
            first: Some(first.trim().to_string()).filter(|f| !f.is_empty()),
            ..Author::default()
        };
    }
    match text.rsplit_once(' ') {
        // "Stumpf PK": initials are a short run of capitals; a longer capital word ends a group
        // name ("Gruppo Tecnico PASSI").
        Some((last, first))
            if first.chars().count() <= 3
                && first.chars().all(|c| c.is_uppercase() || c == '-') =>
        {
            Author {
                last: last.to_string(),
                first: Some(first.to_string()),
                ..Author::default()
            }
        }
        _ => Author {
            last: text.to_string(),
            ..Author::default()
        },
    }
}

fn strip_suffix_tag(value: &str, tag: &str) -> Option<String> {
    value.strip_suffix(tag).map(|v| v.trim().to_string())
}

fn build(format: Tagged, fields: &[Field], position: Position) -> Record {
    let mut r = Record {
        position,
        ..Record::default()
    };
    let mut full_authors: Vec<Author> = Vec::new();
    let mut short_authors: Vec<Author> = Vec::new();
    let mut start_page: Option<String> = None;
    let mut end_page: Option<String> = None;
    let mut database = String::new();
    let mut accession: Option<String> = None;
    let mut secondary_title: Option<String> = None;
    let mut short_title: Option<String> = None;
    for f in fields {
        let value = joined(f);
        if value.is_empty() {
            continue; // "TY  -" with nothing after it says nothing
        }
        let tag = f.tag;
        match (format, tag) {
            (Tagged::Medline, "PMID") => r.pmid = Some(value),
            (Tagged::Medline, "TI")
            | (Tagged::Ris | Tagged::Ovid, "TI" | "T1")
            | (Tagged::WebOfScience, "TI")
                if r.title.is_none() || tag == "TI" =>
            {
                r.title = Some(value);
            }
            (Tagged::Ris, "CT") => {
                r.title.get_or_insert(value);
            }
            (Tagged::Ris, "BT" | "T2") => secondary_title = Some(value),
            (Tagged::Ris, "ST") => short_title = Some(value),
            (Tagged::Medline | Tagged::WebOfScience | Tagged::Ovid, "AB")
            | (Tagged::Ris, "AB" | "N2")
                if !value.is_empty() && r.abstract_sections.is_empty() =>
            {
                r.abstract_sections.push(Section {
                    label: None,
                    text: value,
                });
            }
            (Tagged::Medline, "FAU") => {
                full_authors.push(author_from(&value));
            }
            (Tagged::Medline, "AU") => {
                short_authors.push(author_from(&value));
            }
            (Tagged::Medline, "CN") => full_authors.push(Author {
                last: value,
                collective: true,
                ..Author::default()
            }),
            // An author's lines come as FAU, AU, AD: the affiliation belongs to that author in both lists.
            (Tagged::Medline, "AD") => {
                if let Some(a) = full_authors.last_mut() {
                    a.affiliations.push(value.clone());
                }
                if let Some(a) = short_authors.last_mut() {
                    a.affiliations.push(value);
                }
            }
            (Tagged::Ris | Tagged::Ovid, "AU" | "A1") => short_authors.push(author_from(&value)),
            (Tagged::WebOfScience, "AF") => {
                for l in &f.lines {
                    full_authors.push(author_from(l));
                }
            }
            (Tagged::WebOfScience, "AU") => {
                for l in &f.lines {
                    short_authors.push(author_from(l));
                }
            }
            (Tagged::Medline, "JT")
            | (Tagged::Ris, "JF" | "JO")
            | (Tagged::WebOfScience, "SO")
            | (Tagged::Ovid, "JN" | "SO")
                if r.journal.is_none() || tag == "JF" || tag == "JT" =>
            {
                r.journal = Some(value);
            }
            (Tagged::Medline, "TA") | (Tagged::Ris, "JA" | "J2") | (Tagged::WebOfScience, "J9") => {
                r.journal_abbrev.get_or_insert(value);
            }
            (Tagged::Medline, "DP")
            | (Tagged::Ris, "PY" | "Y1" | "DA")
            | (Tagged::WebOfScience, "PY")
            | (Tagged::Ovid, "YR" | "PY") => {
                if r.year.is_none() {
                    r.year = year_in(&value);
                }
                if r.date.is_none() && !value.is_empty() {
                    r.date = Some(value);
                }
            }
            (_, "VI" | "VL") => r.volume = Some(value),
            (_, "IP" | "IS") if format != Tagged::Ris || tag == "IS" => {
                if format == Tagged::Medline && tag == "IS" {
                    continue; // MEDLINE IS is the ISSN
                }
                r.issue = Some(value);
            }
            (Tagged::Medline, "PG") => r.pages = Some(value),
            (Tagged::Ris, "SP") | (Tagged::WebOfScience, "BP") => start_page = Some(value),
            (Tagged::Ris, "EP") | (Tagged::WebOfScience, "EP") => end_page = Some(value),
            (_, "LA") => r.languages.push(value),
            (Tagged::Medline, "PT") | (Tagged::WebOfScience, "DT") | (Tagged::Ovid, "PT") => {
                r.publication_types.push(value)
            }
            (Tagged::Ris, "TY") => r.kind = Some(value),
            (Tagged::Medline, "MH") => r.mesh.push(mesh_from(&value)),
            (Tagged::Medline, "OT") => r.keywords.push(value),
            (Tagged::Ris | Tagged::Ovid, "KW") => {
                for l in &f.lines {
                    for k in l.split(';') {
                        let k = squash(k);
                        if !k.is_empty() {
                            r.keywords.push(k);
                        }
                    }
                }
            }
            (Tagged::WebOfScience, "DE" | "ID") => {
                r.keywords
                    .extend(value.split(';').map(squash).filter(|k| !k.is_empty()));
            }
            (Tagged::Medline, "GR") => r.grants.push(value),
            (Tagged::Medline, "AID" | "LID") => {
                if let Some(doi) = strip_suffix_tag(&value, "[doi]") {
                    r.doi.get_or_insert(doi);
                } else if let Some(pii) = strip_suffix_tag(&value, "[pii]") {
                    r.other_ids.push(("pii".into(), pii));
                }
            }
            (Tagged::Medline, "PMC") => r.pmc = Some(value),
            (Tagged::Ris | Tagged::Ovid, "DO") | (Tagged::WebOfScience, "DI") => {
                r.doi.get_or_insert(clean_doi(&value));
            }
            (Tagged::WebOfScience, "PM") => r.pmid = Some(value),
            (Tagged::WebOfScience, "UT") => r.other_ids.push(("accession".into(), value)),
            (Tagged::Ris, "AN") | (Tagged::Ovid, "UI" | "AN") => accession = Some(value),
            (Tagged::Ris | Tagged::Ovid, "DB" | "DP") => {
                database.push_str(&value.to_lowercase());
                // DB names the database the record was exported from; DP (the provider) only
                // helps read an accession number.
                if tag == "DB" {
                    r.database = Some(value.trim().to_string()).filter(|v| !v.is_empty());
                }
            }
            (Tagged::Ris, "N1") => {
                let v = value.to_lowercase();
                if v.contains("asreview_relevant") {
                    r.label = Some(true);
                } else if v.contains("asreview_irrelevant") {
                    r.label = Some(false);
                }
            }
            (Tagged::Ris, "C2" | "C1") if value.starts_with("PMC") => r.pmc = Some(value),
            _ => {}
        }
    }
    if let Some(a) = accession {
        let pubmed =
            database.contains("pubmed") || database.contains("medline") || database.contains("nlm");
        if pubmed && a.chars().all(|c| c.is_ascii_digit()) && !a.is_empty() {
            r.pmid.get_or_insert(a);
        } else {
            r.other_ids.push(("accession".into(), a));
        }
    }
    if r.title.is_none() {
        r.title = short_title;
    }
    if r.journal.is_none() {
        r.journal = secondary_title.filter(|_| format == Tagged::Ris);
    }
    r.authors = if full_authors.is_empty() {
        short_authors
    } else {
        full_authors
    };
    if r.pages.is_none() {
        r.pages = match (start_page, end_page) {
            (Some(s), Some(e)) => Some(format!("{s}-{e}")),
            (Some(s), None) => Some(s),
            _ => None,
        };
    }
    r
}

fn clean_doi(value: &str) -> String {
    let v = value.trim();
    for prefix in [
        "https://doi.org/",
        "http://doi.org/",
        "http://dx.doi.org/",
        "https://dx.doi.org/",
        "doi:",
    ] {
        if let Some(rest) = v.strip_prefix(prefix) {
            return rest.trim().to_string();
        }
    }
    v.to_string()
}

/// "Breast Neoplasms/*drug therapy/radiotherapy" or "*Radiosurgery".
fn mesh_from(value: &str) -> Mesh {
    let mut parts = value.split('/');
    let descriptor = parts.next().unwrap_or("").trim();
    let (major, descriptor) = match descriptor.strip_prefix('*') {
        Some(d) => (true, d),
        None => (false, descriptor),
    };
    Mesh {
        descriptor: descriptor.to_string(),
        major,
        qualifiers: parts
            .map(|q| {
                let q = q.trim();
                match q.strip_prefix('*') {
                    Some(q) => (q.to_string(), true),
                    None => (q.to_string(), false),
                }
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str, f: Tagged) -> Vec<Item> {
        let mut items = Vec::new();
        chunk::run(input(text.as_bytes(), f), &|i| i, 1, &mut |i| {
            items.push(i);
            std::ops::ControlFlow::Continue(())
        })
        .unwrap();
        items
    }

    #[test]
    fn medline_continuations_authors_and_mesh() {
        let text = "PMID- 1\nTI  - A long\n      title\nFAU - Stumpf, Phillip K\nAU  - Stumpf PK\nAD  - Denver\nMH  - *Radiosurgery/adverse effects/*methods\nAID - 10.1/x [doi]\n\nPMID- 2\nTI  - B\n";
        let items = read(text, Tagged::Medline);
        let Item::Record(r) = &items[0] else { panic!() };
        assert_eq!(r.title.as_deref(), Some("A long title"));
        assert_eq!(r.authors[0].last, "Stumpf");
        assert_eq!(r.authors[0].affiliations, ["Denver"]);
        assert!(r.mesh[0].major && r.mesh[0].qualifiers[1] == ("methods".to_string(), true));
        assert_eq!(r.doi.as_deref(), Some("10.1/x"));
        assert_eq!(items.len(), 2);
    }

    #[test]
    fn ris_with_bom_crlf_junk_and_continuations() {
        let text = "\u{feff}Record #1 of 2\r\nTY  - JOUR\r\nTI  - First\r\nAB  - line one\r\nline two\r\nKW  - a\r\nb\r\nER  - \r\njunk\r\nTY  - JOUR\r\nTI  - Second\r\nER  -\r\n";
        let items = read(text, Tagged::Ris);
        assert_eq!(items.len(), 2);
        let Item::Record(r) = &items[0] else { panic!() };
        assert_eq!(r.abstract_text().as_deref(), Some("line one line two"));
        assert_eq!(r.keywords, ["a", "b"]);
    }

    #[test]
    fn a_record_without_its_start_line_is_kept_and_reported() {
        let items = read(
            "TY  - JOUR\nTI  - First\nER  - \n\nTI  - No start\nPY  - 2020\nER  - \n",
            Tagged::Ris,
        );
        let titles: Vec<_> = items
            .iter()
            .filter_map(|i| match i {
                Item::Record(r) => r.title.clone(),
                _ => None,
            })
            .collect();
        assert_eq!(titles, ["First", "No start"]);
        assert!(items
            .iter()
            .any(|i| matches!(i, Item::Repaired(p) if p.reason.contains("TY"))));
    }

    #[test]
    fn a_cut_off_last_medline_record_is_reported() {
        let items = read(
            "PMID- 1\nTI  - One\nSO  - J 2020\n\nPMID- 2\nTI  - Two\nSO  - J 2021\n\nPMID- 3\nTI  - Three is cut o",
            Tagged::Medline,
        );
        assert!(items
            .iter()
            .any(|i| matches!(i, Item::Repaired(p) if p.reason.contains("cut off"))));
        assert_eq!(
            items
                .iter()
                .filter(|i| matches!(i, Item::Record(_)))
                .count(),
            3
        );
        let whole = read(
            "PMID- 1\nTI  - One\nSO  - J\n\nPMID- 2\nTI  - Two\nSO  - J",
            Tagged::Medline,
        );
        assert!(!whole.iter().any(|i| matches!(i, Item::Repaired(_))));
    }

    #[test]
    fn missing_end_tag_is_reported_and_the_record_kept() {
        let items = read("TY  - JOUR\nTI  - Alone\n", Tagged::Ris);
        // A repair, not a rejection: the record is not lost.
        assert!(matches!(items[0], Item::Repaired(_)));
        assert!(matches!(items[1], Item::Record(_)));
    }
}
