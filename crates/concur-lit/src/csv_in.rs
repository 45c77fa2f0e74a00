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
    for (i, row) in reader.byte_records().enumerate() {
        let line = i as u64 + 2;
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
            count += 1;
            sink(Item::Record(Box::new(r)));
        }
    }
    Ok(count)
}
