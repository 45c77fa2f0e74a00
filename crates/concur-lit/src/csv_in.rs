//! CSV/TSV records with the usual column names (ASReview, Rayyan and similar exports).

use crate::record::{squash, year_in, Author, Item, Position, Record, Section};
use crate::{LitError, Problem};
use std::io::Read;

/// Reads CSV (or TSV when `delimiter` is a tab). Columns are matched by name, ignoring case:
/// title, abstract, authors (`;`-separated), year (or publication_year, py, date), doi, pmid
/// (or pubmed_id), keywords, journal, and a screening label (label_included, included, label).
pub fn read_csv<R: Read>(
    input: R,
    delimiter: u8,
    sink: &mut dyn FnMut(Item),
) -> Result<u64, LitError> {
    let seen = std::rc::Rc::new(std::cell::Cell::new(Seen::default()));
    let input = Watched {
        inner: input,
        seen: seen.clone(),
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(input);
    let headers = match reader.headers() {
        Ok(h) => h
            .iter()
            .map(|h| h.trim().trim_start_matches('\u{feff}').to_lowercase())
            .collect::<Vec<_>>(),
        Err(e) => return Err(LitError::Format(format!("cannot read the CSV header: {e}"))),
    };
    let col = |names: &[&str]| {
        names
            .iter()
            .find_map(|n| headers.iter().position(|h| h == n))
    };
    let title = col(&["title", "primary_title", "ti"]);
    let abstract_ = col(&["abstract", "abstract_note", "ab"]);
    let authors = col(&["authors", "author", "au"]);
    let year = col(&["year", "publication_year", "py", "date"]);
    let doi = col(&["doi"]);
    let pmid = col(&["pmid", "pubmed_id", "pubmedid"]);
    let keywords = col(&["keywords", "kw"]);
    let journal = col(&["journal", "journal_title", "source"]);
    let label = col(&["label_included", "included", "label", "included_label"]);
    let pmc = col(&["pmc", "pmcid"]);
    let date = col(&["date", "publication_date"]);
    let volume = col(&["volume"]);
    let issue = col(&["issue", "number"]);
    let pages = col(&["pages"]);
    let language = col(&["language", "languages"]);
    let types = col(&["publication_types", "publication_type", "type"]);
    let kind = col(&["kind", "reference_type", "ris_type"]);
    if title.is_none() && doi.is_none() && pmid.is_none() {
        return Err(LitError::Format(format!(
            "the CSV has none of the columns title, doi or pmid (columns: {})",
            headers.join(", ")
        )));
    }
    let mut count = 0;
    let mut pending: Option<(Box<Record>, Position, usize)> = None;
    for (i, row) in reader.byte_records().enumerate() {
        let line = i as u64 + 2;
        seen.set(Seen {
            since_row: 0,
            ..seen.get()
        });
        let row = match row.map(csv::StringRecord::from_byte_record) {
            Ok(Ok(r)) => r,
            // Invalid UTF-8 is read lossily and reported, as in the other formats: one bad byte
            // does not cost the record.
            Ok(Err(e)) => {
                let bytes = e.into_byte_record();
                let mut lossy: csv::StringRecord = bytes
                    .iter()
                    .map(|field| String::from_utf8_lossy(field))
                    .collect();
                lossy.set_position(bytes.position().cloned());
                sink(Item::Repaired(Problem {
                    position: Position {
                        byte: bytes.position().map_or(0, |p| p.byte()),
                        line: bytes.position().map_or(line, |p| p.line()),
                    },
                    reason: "invalid UTF-8 in this row was replaced by U+FFFD; the record was kept"
                        .into(),
                }));
                lossy
            }
            Err(e) if e.is_io_error() => {
                // The rows before it are whole: they are handed out before reading stops.
                if let Some((held, _, _)) = pending.take() {
                    sink(Item::Record(held));
                }
                return Err(LitError::Format(e.to_string()));
            }
            Err(e) => {
                let position = Position {
                    byte: e.position().map_or(0, |p| p.byte()),
                    line: e.position().map_or(line, |p| p.line()),
                };
                sink(Item::Rejected(Problem {
                    position,
                    reason: format!("unreadable CSV row: {e}"),
                }));
                continue;
            }
        };
        let position = Position {
            byte: row.position().map_or(0, |p| p.byte()),
            line: row.position().map_or(line, |p| p.line()),
        };
        let get = |c: Option<usize>| {
            c.and_then(|c| row.get(c))
                .map(|v| squash(&crate::write::csv_cell_read(v)))
                .filter(|v| !v.is_empty())
        };
        let mut r = Record {
            position,
            ..Record::default()
        };
        r.title = get(title);
        if let Some(a) = get(abstract_) {
            r.abstract_sections.push(Section {
                label: None,
                text: a,
            });
        }
        if let Some(a) = get(authors) {
            r.authors = a
                .split(';')
                .map(str::trim)
                .filter(|x| !x.is_empty())
                .map(|x| match x.split_once(',') {
                    Some((last, first)) => Author {
                        last: last.trim().into(),
                        first: Some(first.trim().into()),
                        ..Author::default()
                    },
                    None => Author {
                        last: x.into(),
                        ..Author::default()
                    },
                })
                .collect();
        }
        r.year = get(year).as_deref().and_then(year_in);
        r.doi = get(doi);
        r.pmid = get(pmid).map(|p| p.trim_end_matches(".0").to_string());
        if let Some(k) = get(keywords) {
            r.keywords = k.split(';').map(squash).filter(|x| !x.is_empty()).collect();
        }
        r.journal = get(journal);
        r.pmc = get(pmc);
        r.date = get(date).filter(|_| date != year);
        r.volume = get(volume);
        r.issue = get(issue);
        r.pages = get(pages);
        let list = |c| {
            get(c)
                .map(|v| v.split(';').map(squash).filter(|x| !x.is_empty()).collect())
                .unwrap_or_default()
        };
        r.languages = list(language);
        r.publication_types = list(types);
        r.kind = get(kind);
        r.label = get(label).and_then(|v| match v.to_lowercase().as_str() {
            "1" | "true" | "yes" | "included" | "relevant" => Some(true),
            "0" | "false" | "no" | "excluded" | "irrelevant" => Some(false),
            _ => None,
        });
        if row.iter().all(|cell| cell.trim().is_empty()) {
            sink(Item::Rejected(Problem {
                position,
                reason: "empty row".into(),
            }));
        } else {
            // Held back one row: the last row is judged once the end is seen.
            if let Some((held, _, _)) = pending.take() {
                count += 1;
                sink(Item::Record(held));
            }
            pending = Some((Box::new(r), position, row.len()));
        }
    }
    if let Some((held, position, columns)) = pending {
        let seen = seen.get();
        if seen.quotes % 2 == 1 {
            // An opening quote that never closes makes the rest of the file one field: the row
            // is not a record, and the rows it swallowed are named, not silently lost.
            sink(Item::Rejected(Problem {
                position,
                reason: format!(
                    "a quote opened in this row is never closed, so the rest of the file (to line \
                     {}) was read as one field; this row and the rows after it were not imported \
                     (close the quote and import the file again)",
                    seen.lines + 1
                ),
            }));
        } else {
            if columns < headers.len() && seen.last != Some(b'\n') {
                sink(Item::Repaired(Problem {
                    position,
                    reason: format!(
                        "the last row has {columns} of {} columns and the file ends mid-row: it \
                         may be cut off; it was read as far as it goes",
                        headers.len()
                    ),
                }));
            }
            count += 1;
            sink(Item::Record(held));
        }
    }
    Ok(count)
}

/// What the CSV reader has been given so far: quote characters, line ends and the last byte.
#[derive(Debug, Clone, Copy, Default)]
struct Seen {
    quotes: u64,
    lines: u64,
    last: Option<u8>,
    /// Bytes given since the last row was handed out (the reader reads a little ahead).
    since_row: u64,
}

/// Counts as the bytes pass, for the checks at the end of the file.
struct Watched<R> {
    inner: R,
    seen: std::rc::Rc<std::cell::Cell<Seen>>,
}

impl<R: Read> Read for Watched<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n > 0 {
            let mut seen = self.seen.get();
            seen.since_row += n as u64;
            if seen.since_row > crate::MAX_RECORD as u64 {
                // One row would be held whole by the CSV reader: past the record limit it stops.
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!(
                        "a row runs past {} MB, the most concur reads in one record (after line {})",
                        crate::MAX_RECORD >> 20,
                        seen.lines + 1
                    ),
                ));
            }
            seen.quotes += memchr::memchr_iter(b'"', &buf[..n]).count() as u64;
            seen.lines += memchr::memchr_iter(b'\n', &buf[..n]).count() as u64;
            seen.last = Some(buf[n - 1]);
            self.seen.set(seen);
        }
        Ok(n)
    }
}
