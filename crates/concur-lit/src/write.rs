//! Writers for RIS, CSV and JSON Lines, so that records leave concur in the formats other tools
//! read. JSON Lines keeps every field (it reads back identical); RIS and CSV keep the fields their
//! formats have (see the round-trip tests).

use crate::record::Record;
use std::io::{self, Write};

/// Output formats of [`write_records`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutFormat {
    /// RIS.
    Ris,
    /// CSV with a header row.
    Csv,
    /// One JSON record a line.
    Jsonl,
}

impl OutFormat {
    /// Parses a command-line name.
    pub fn parse(text: &str) -> Option<OutFormat> {
        match text.to_ascii_lowercase().as_str() {
            "ris" => Some(OutFormat::Ris),
            "csv" => Some(OutFormat::Csv),
            "jsonl" | "json-lines" | "ndjson" => Some(OutFormat::Jsonl),
            _ => None,
        }
    }
}

/// Streams records out in a format: call [`Writer::write`] per record, then [`Writer::finish`].
pub struct Writer<W: Write> {
    format: OutFormat,
    out: Option<W>,
    csv: Option<csv::Writer<W>>,
}

/// CSV columns, named as concur's (and ASReview's) CSV reader expects them.
const CSV_COLUMNS: [&str; 17] = [
    "pmid",
    "doi",
    "pmc",
    "title",
    "abstract",
    "authors",
    "year",
    "date",
    "journal",
    "volume",
    "issue",
    "pages",
    "language",
    "publication_types",
    "keywords",
    "label_included",
    "kind",
];

impl<W: Write> Writer<W> {
    /// A writer of `format` to `out`; writes the header the format needs.
    pub fn new(out: W, format: OutFormat) -> io::Result<Self> {
        if format == OutFormat::Csv {
            let mut csv = csv::Writer::from_writer(out);
            csv.write_record(CSV_COLUMNS).map_err(io::Error::other)?;
            return Ok(Writer {
                format,
                out: None,
                csv: Some(csv),
            });
        }
        Ok(Writer {
            format,
            out: Some(out),
            csv: None,
        })
    }

    /// Writes one record.
    pub fn write(&mut self, r: &Record) -> io::Result<()> {
        if let Some(csv) = self.csv.as_mut() {
            return csv
                .write_record(csv_row(r).iter().map(|c| csv_cell(c).into_owned()))
                .map_err(io::Error::other);
        }
        let Some(out) = self.out.as_mut() else {
            return Ok(());
        };
        match self.format {
            OutFormat::Jsonl => {
                serde_json::to_writer(&mut *out, r).map_err(io::Error::other)?;
                out.write_all(b"\n")
            }
            OutFormat::Ris => write_ris(out, r),
            OutFormat::Csv => Ok(()),
        }
    }

    /// Flushes and returns the output.
    pub fn finish(self) -> io::Result<W> {
        if let Some(csv) = self.csv {
            return csv
                .into_inner()
                .map_err(|e| io::Error::other(e.to_string()));
        }
        let mut out = self
            .out
            .ok_or_else(|| io::Error::other("writer without output"))?;
        out.flush()?;
        Ok(out)
    }
}

/// A cell a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab or carriage return at
/// its start, after any apostrophes) gets a leading apostrophe, which spreadsheets show as text;
/// a number is left as it is. [`csv_cell_read`] undoes it, so that concur's CSV reads back the
/// same (both rules together are a bijection: every written cell that starts with apostrophes
/// and a formula character was given one).
pub fn csv_cell(text: &str) -> std::borrow::Cow<'_, str> {
    if starts_formula(text.trim_start_matches('\'')) && text.parse::<f64>().is_err() {
        std::borrow::Cow::Owned(format!("'{text}"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// Undoes [`csv_cell`]: a cell of one or more apostrophes and then a formula character loses
/// one apostrophe.
pub fn csv_cell_read(text: &str) -> std::borrow::Cow<'_, str> {
    match text.strip_prefix('\'') {
        Some(rest) if starts_formula(rest.trim_start_matches('\'')) => {
            std::borrow::Cow::Borrowed(rest)
        }
        _ => std::borrow::Cow::Borrowed(text),
    }
}

fn starts_formula(text: &str) -> bool {
    text.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

fn csv_row(r: &Record) -> Vec<String> {
    let join = |v: &[String]| v.join("; ");
    vec![
        r.pmid.clone().unwrap_or_default(),
        r.doi.clone().unwrap_or_default(),
        r.pmc.clone().unwrap_or_default(),
        r.title.clone().unwrap_or_default(),
        r.abstract_text().unwrap_or_default(),
        r.authors
            .iter()
            .map(|a| match &a.first {
                Some(f) if !a.collective => format!("{}, {f}", a.last),
                _ => a.last.clone(),
            })
            .collect::<Vec<_>>()
            .join("; "),
        r.year.map(|y| y.to_string()).unwrap_or_default(),
        r.date.clone().unwrap_or_default(),
        r.journal.clone().unwrap_or_default(),
        r.volume.clone().unwrap_or_default(),
        r.issue.clone().unwrap_or_default(),
        r.pages.clone().unwrap_or_default(),
        join(&r.languages),
        join(&r.publication_types),
        join(&r.keywords),
        r.label
            .map(|l| if l { "1" } else { "0" }.to_string())
            .unwrap_or_default(),
        r.kind.clone().unwrap_or_default(),
    ]
}

fn write_ris<W: Write>(out: &mut W, r: &Record) -> io::Result<()> {
    // One value per line: line breaks inside a value would read back as continuation lines,
    // which is what they are, so they are folded to spaces instead.
    let mut tag = |t: &str, v: &str| -> io::Result<()> {
        let v = v.replace(['\r', '\n'], " ");
        writeln!(out, "{t}  - {}", v.trim())
    };
    let kind = r
        .kind
        .as_deref()
        .filter(|k| k.len() <= 6 && k.chars().all(|c| c.is_ascii_uppercase()));
    tag("TY", kind.unwrap_or("JOUR"))?;
    if let Some(t) = &r.title {
        tag("TI", t)?;
    }
    for a in &r.authors {
        match &a.first {
            Some(f) if !a.collective => tag("AU", &format!("{}, {f}", a.last))?,
            _ => tag("AU", &a.last)?,
        }
    }
    if let Some(ab) = r.abstract_text() {
        tag("AB", &ab)?;
    }
    if let Some(y) = r.year {
        tag("PY", &y.to_string())?;
    }
    if let Some(d) = &r.date {
        tag("DA", d)?;
    }
    if let Some(j) = &r.journal {
        tag("JF", j)?;
    }
    if let Some(j) = &r.journal_abbrev {
        tag("J2", j)?;
    }
    if let Some(v) = &r.volume {
        tag("VL", v)?;
    }
    if let Some(v) = &r.issue {
        tag("IS", v)?;
    }
    if let Some(p) = &r.pages {
        match p.split_once('-') {
            Some((s, e)) => {
                tag("SP", s)?;
                tag("EP", e)?;
            }
            None => tag("SP", p)?,
        }
    }
    for l in &r.languages {
        tag("LA", l)?;
    }
    for k in &r.keywords {
        tag("KW", k)?;
    }
    if let Some(d) = &r.doi {
        tag("DO", d)?;
    }
    if let Some(p) = &r.pmid {
        // Ovid MEDLINE exports carry the PMID as the accession number (AN) with a MEDLINE
        // database name; concur's RIS reader reads AN as a PMID when DB (or DP) names PubMed or
        // MEDLINE. The record's own database, when it has one, goes in DB; DP says PubMed.
        tag("AN", p)?;
        tag("DP", "PubMed")?;
    }
    if let Some(db) = &r.database {
        tag("DB", db)?;
    }
    if let Some(p) = &r.pmc {
        tag("C2", p)?;
    }
    match r.label {
        Some(true) => tag("N1", "ASReview_relevant")?,
        Some(false) => tag("N1", "ASReview_irrelevant")?,
        None => {}
    }
    tag("ER", "")?;
    writeln!(out)
}

/// Writes all `records` to `out` in `format`.
pub fn write_records<'r, W: Write>(
    out: W,
    format: OutFormat,
    records: impl IntoIterator<Item = &'r Record>,
) -> io::Result<W> {
    let mut w = Writer::new(out, format)?;
    for r in records {
        w.write(r)?;
    }
    w.finish()
}

/// Reads JSON Lines written by [`Writer`]: one record per line; a line that is not a record is
/// reported with its line number and the others are read.
pub(crate) fn read_jsonl<R: std::io::BufRead>(
    mut input: R,
    sink: &mut dyn FnMut(crate::Item),
) -> Result<u64, crate::LitError> {
    use crate::{Item, Position, Problem};
    let mut bytes = Vec::new();
    let (mut line_no, mut byte, mut count) = (0u64, 0u64, 0u64);
    use std::io::{BufRead as _, Read as _};
    let most = crate::MAX_RECORD as u64;
    loop {
        bytes.clear();
        let n = (&mut input)
            .take(most + 1)
            .read_until(b'\n', &mut bytes)
            .map_err(crate::LitError::Io)?;
        if n == 0 {
            return Ok(count);
        }
        line_no += 1;
        let position = Position {
            byte,
            line: line_no,
        };
        byte += n as u64;
        if n as u64 > most && !bytes.ends_with(b"\n") {
            // A line past the record limit is passed over, not held: the rest of it is read
            // and dropped, and the lines after it are read as usual.
            let mut rest = 0u64;
            loop {
                let buf = input.fill_buf().map_err(crate::LitError::Io)?;
                if buf.is_empty() {
                    break;
                }
                match memchr::memchr(b'\n', buf) {
                    Some(at) => {
                        input.consume(at + 1);
                        rest += at as u64 + 1;
                        break;
                    }
                    None => {
                        let len = buf.len();
                        input.consume(len);
                        rest += len as u64;
                    }
                }
            }
            byte += rest;
            sink(Item::Rejected(Problem {
                position,
                reason: format!(
                    "this line is over {} MB, the most concur reads in one record; it was skipped",
                    crate::MAX_RECORD >> 20
                ),
            }));
            continue;
        }
        // A line with invalid UTF-8 is read lossily and reported, as in the other formats: one
        // bad byte does not cost the record, let alone the rest of the file.
        let line = match std::str::from_utf8(&bytes) {
            Ok(text) => std::borrow::Cow::Borrowed(text),
            Err(e) => {
                sink(Item::Repaired(Problem {
                    position: Position {
                        byte: position.byte + e.valid_up_to() as u64,
                        line: line_no,
                    },
                    reason:
                        "invalid UTF-8 in this line was replaced by U+FFFD; the record was kept"
                            .into(),
                }));
                String::from_utf8_lossy(&bytes)
            }
        };
        let text = line.trim().trim_start_matches('\u{feff}');
        if text.is_empty() {
            continue;
        }
        match serde_json::from_str::<Record>(text) {
            Ok(mut r) => {
                r.position = position;
                count += 1;
                sink(Item::Record(Box::new(r)));
            }
            Err(e) => sink(Item::Rejected(Problem {
                position,
                reason: format!("not a record: {e}"),
            })),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn csv_cells_are_never_formulas_and_read_back_the_same(
            text in "['=+@\\t\\r-]{0,3}[a-z0-9 .=+'-]{0,8}"
        ) {
            let written = csv_cell(&text);
            prop_assert!(
                !starts_formula(&written) || written.parse::<f64>().is_ok(),
                "{written:?}"
            );
            prop_assert_eq!(csv_cell_read(&written), text.as_str());
        }
    }

    #[test]
    fn a_json_line_past_the_record_limit_is_skipped_and_the_next_read() {
        let mut text = String::from("{\"title\": \"first\"}\n{\"title\": \"");
        text.push_str(&"x".repeat(crate::MAX_RECORD + 10));
        text.push_str("\"}\n{\"title\": \"last\"}\n");
        let mut items = Vec::new();
        let n = read_jsonl(text.as_bytes(), &mut |i| items.push(i)).unwrap();
        assert_eq!(n, 2);
        assert!(matches!(&items[1], crate::Item::Rejected(p) if p.position.line == 2));
        assert!(matches!(&items[2], crate::Item::Record(r) if r.title.as_deref() == Some("last")));
    }

    #[test]
    fn numbers_stay_numbers() {
        assert_eq!(csv_cell("-0.5"), "-0.5");
        assert_eq!(csv_cell("=1+1"), "'=1+1");
        assert_eq!(csv_cell("@SUM(A1)"), "'@SUM(A1)");
    }
}
