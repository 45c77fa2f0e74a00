//! Streaming reader of PubMed XML: efetch result sets, annual baseline and daily update files
//! (with `DeleteCitation`), `PubmedBookArticle`, and the legacy `MedlineCitationSet`.
//!
//! It keeps only the path of open elements and the record being built, so memory stays flat
//! whatever the file size. Fields are taken by path, so identifiers inside reference lists or
//! comment/correction lists are never mistaken for the record's own.

use crate::record::{squash, year_in, Author, Item, Mesh, Position, Record, Section};
use crate::{LitError, Problem};
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;
use std::io::BufRead;

/// What a text being captured belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Pmid,
    Title,
    VernacularTitle,
    BookTitle,
    Abstract,
    LastName,
    ForeName,
    Initials,
    Collective,
    Affiliation,
    Journal,
    JournalAbbrev,
    Year,
    MedlineDate,
    Month,
    Day,
    Volume,
    Issue,
    Pages,
    Language,
    PublicationType,
    Descriptor,
    Qualifier,
    Keyword,
    Grant,
    ArticleId,
    ELocation,
    DeletePmid,
}

struct Capture {
    field: Field,
    depth: usize,
    text: String,
    /// IdType of an ArticleId, EIdType of an ELocationID, Label of an AbstractText.
    attr: Option<String>,
    major: bool,
}

/// Reads every item of a PubMed XML stream, calling `sink` for each, in file order.
pub fn read_pubmed_xml<R: BufRead>(input: R, sink: &mut dyn FnMut(Item)) -> Result<u64, LitError> {
    let mut reader = Reader::from_reader(input);
    reader.config_mut().trim_text(false);
    let mut buf = Vec::new();
    let mut path: Vec<Vec<u8>> = Vec::new();
    let mut record: Option<Record> = None;
    let mut record_depth = 0;
    let mut capture: Option<Capture> = None;
    let mut author: Option<Author> = None;
    let mut mesh: Option<Mesh> = None;
    let mut deletions: Option<Vec<String>> = None;
    let mut date_parts: (Option<String>, Option<String>, Option<String>) = (None, None, None);
    let mut count = 0u64;
    loop {
        let position = reader.buffer_position();
        let event = match reader.read_event_into(&mut buf) {
            Ok(e) => e,
            Err(e) => {
                let at = reader.error_position();
                let message = e.to_string();
                let reason = if message.contains("end of input") {
                    format!("the file ends inside a record (truncated?): {message}")
                } else {
                    format!("malformed XML: {message}; the rest of the file cannot be read")
                };
                sink(Item::Rejected(Problem {
                    position: Position { byte: at, line: 0 },
                    reason,
                }));
                return Ok(count);
            }
        };
        match event {
            Event::Start(e) => {
                let name = e.local_name().as_ref().as_bytes().to_vec();
                let parent_is_set = path
                    .last()
                    .is_some_and(|p| p.as_slice() == b"MedlineCitationSet");
                path.push(name);
                let depth = path.len();
                let name = path[depth - 1].as_slice();
                if record.is_none() {
                    let starts = matches!(name, b"PubmedArticle" | b"PubmedBookArticle")
                        || (name == b"MedlineCitation" && parent_is_set);
                    if starts {
                        let mut r = Record {
                            position: Position {
                                byte: position,
                                line: 0,
                            },
                            ..Record::default()
                        };
                        if name == b"PubmedBookArticle" {
                            r.kind = Some("PubmedBookArticle".into());
                        }
                        record = Some(r);
                        record_depth = depth;
                        date_parts = (None, None, None);
                    } else if name == b"DeleteCitation" {
                        deletions = Some(Vec::new());
                    } else if name == b"PMID" && deletions.is_some() {
                        capture = Some(Capture {
                            field: Field::DeletePmid,
                            depth,
                            text: String::new(),
                            attr: None,
                            major: false,
                        });
                    }
                    continue;
                }
                if capture.is_some() {
                    continue; // inline markup inside a captured text: keep its text only
                }
                let field = field_for(&path);
                match (field, name) {
                    (_, b"Author") if in_author_list(&path) => author = Some(Author::default()),
                    (_, b"MeshHeading") => mesh = Some(Mesh::default()),
                    _ => {}
                }
                if let Some(field) = field {
                    let attr = match field {
                        Field::ArticleId => attr_value(&e, b"IdType"),
                        Field::ELocation => attr_value(&e, b"EIdType"),
                        Field::Abstract => attr_value(&e, b"Label"),
                        _ => None,
                    };
                    let major = attr_value(&e, b"MajorTopicYN").as_deref() == Some("Y");
                    capture = Some(Capture {
                        field,
                        depth,
                        text: String::new(),
                        attr,
                        major,
                    });
                }
            }
            Event::Empty(e) => {
                let _ = e;
            }
            Event::Text(t) => {
                if let Some(c) = capture.as_mut() {
                    c.text.push_str(t.as_ref());
                }
            }
            Event::CData(t) => {
                if let Some(c) = capture.as_mut() {
                    c.text.push_str(t.as_ref());
                }
            }
            Event::GeneralRef(r) => {
                if let Some(c) = capture.as_mut() {
                    match r.resolve_char_ref() {
                        Ok(Some(ch)) => c.text.push(ch),
                        _ => c.text.push_str(match r.as_ref() {
                            "amp" => "&",
                            "lt" => "<",
                            "gt" => ">",
                            "quot" => "\"",
                            "apos" => "'",
                            _ => "",
                        }),
                    }
                }
            }
            Event::End(_) => {
                let depth = path.len();
                let name = path.pop().unwrap_or_default();
                if capture.as_ref().is_some_and(|c| c.depth == depth) {
                    if let Some(c) = capture.take() {
                        if c.field == Field::DeletePmid {
                            if let Some(d) = deletions.as_mut() {
                                d.push(squash(&c.text));
                            }
                        } else if let Some(r) = record.as_mut() {
                            store(r, c, &mut author, &mut mesh, &mut date_parts);
                        }
                    }
                    continue;
                }
                if capture.is_some() {
                    continue;
                }
                match name.as_slice() {
                    b"Author" => {
                        if let (Some(a), Some(r)) = (author.take(), record.as_mut()) {
                            if !a.last.is_empty() {
                                r.authors.push(a);
                            }
                        }
                    }
                    b"MeshHeading" => {
                        if let (Some(m), Some(r)) = (mesh.take(), record.as_mut()) {
                            r.mesh.push(m);
                        }
                    }
                    b"PubDate" => {
                        if let Some(r) = record.as_mut() {
                            if r.date.is_none() {
                                let parts: Vec<&String> =
                                    [&date_parts.0, &date_parts.1, &date_parts.2]
                                        .into_iter()
                                        .flatten()
                                        .collect();
                                if !parts.is_empty() {
                                    r.date = Some(
                                        parts
                                            .iter()
                                            .map(|s| s.as_str())
                                            .collect::<Vec<_>>()
                                            .join(" "),
                                    );
                                }
                            }
                        }
                    }
                    b"DeleteCitation" => {
                        if let Some(d) = deletions.take() {
                            sink(Item::Delete(d));
                        }
                    }
                    _ => {}
                }
                if depth == record_depth && record.is_some() {
                    if let Some(mut r) = record.take() {
                        if r.year.is_none() {
                            r.year = r.date.as_deref().and_then(year_in);
                        }
                        if r.pmid.is_none() {
                            sink(Item::Rejected(Problem {
                                position: r.position,
                                reason: "record without a PMID".into(),
                            }));
                        } else {
                            count += 1;
                            sink(Item::Record(Box::new(r)));
                        }
                    }
                }
            }
            Event::Eof => {
                if record.is_some() || path.len() > 1 {
                    sink(Item::Rejected(Problem {
                        position: Position {
                            byte: reader.buffer_position(),
                            line: 0,
                        },
                        reason: "the file ends inside a record (truncated?)".into(),
                    }));
                }
                return Ok(count);
            }
            _ => {}
        }
        buf.clear();
    }
}

fn attr_value(e: &BytesStart<'_>, name: &[u8]) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref().as_bytes() == name)
        .map(|a| a.value.to_string())
}

fn ends_with(path: &[Vec<u8>], tail: &[&[u8]]) -> bool {
    path.len() >= tail.len()
        && path[path.len() - tail.len()..]
            .iter()
            .zip(tail)
            .all(|(a, b)| a.as_slice() == *b)
}

fn in_author_list(path: &[Vec<u8>]) -> bool {
    ends_with(path, &[b"Article", b"AuthorList", b"Author"])
        || ends_with(path, &[b"BookDocument", b"AuthorList", b"Author"])
}

/// The field an element at this path captures, if any.
fn field_for(path: &[Vec<u8>]) -> Option<Field> {
    let name = path.last()?.as_slice();
    let parent = path.len().checked_sub(2).map(|i| path[i].as_slice());
    let author = path.len() >= 2 && in_author_list(&path[..path.len() - 1]);
    Some(match (name, parent) {
        (b"PMID", Some(b"MedlineCitation" | b"BookDocument")) => Field::Pmid,
        (b"ArticleTitle", Some(b"Article" | b"BookDocument")) => Field::Title,
        (b"BookTitle", Some(b"Book")) => Field::BookTitle,
        (b"VernacularTitle", Some(b"Article")) => Field::VernacularTitle,
        (b"AbstractText", Some(b"Abstract"))
            if !path.iter().any(|p| p.as_slice() == b"OtherAbstract") =>
        {
            Field::Abstract
        }
        (b"LastName", _) if author => Field::LastName,
        (b"ForeName", _) if author => Field::ForeName,
        (b"Initials", _) if author => Field::Initials,
        (b"CollectiveName", _) if author => Field::Collective,
        (b"Affiliation", Some(b"AffiliationInfo"))
            if path.len() >= 3 && in_author_list(&path[..path.len() - 2]) =>
        {
            Field::Affiliation
        }
        (b"Title", Some(b"Journal")) => Field::Journal,
        (b"ISOAbbreviation", Some(b"Journal")) => Field::JournalAbbrev,
        (b"Year", Some(b"PubDate")) => Field::Year,
        (b"MedlineDate", Some(b"PubDate")) => Field::MedlineDate,
        (b"Month", Some(b"PubDate")) => Field::Month,
        (b"Day", Some(b"PubDate")) => Field::Day,
        (b"Volume", Some(b"JournalIssue")) => Field::Volume,
        (b"Issue", Some(b"JournalIssue")) => Field::Issue,
        (b"MedlinePgn", Some(b"Pagination")) => Field::Pages,
        (b"Language", Some(b"Article" | b"BookDocument")) => Field::Language,
        (b"PublicationType", Some(b"PublicationTypeList")) => Field::PublicationType,
        (b"DescriptorName", Some(b"MeshHeading")) => Field::Descriptor,
        (b"QualifierName", Some(b"MeshHeading")) => Field::Qualifier,
        (b"Keyword", Some(b"KeywordList")) => Field::Keyword,
        (b"GrantID", Some(b"Grant")) => Field::Grant,
        (b"ArticleId", Some(b"ArticleIdList"))
            if ends_with(path, &[b"PubmedData", b"ArticleIdList", b"ArticleId"])
                || ends_with(path, &[b"PubmedBookData", b"ArticleIdList", b"ArticleId"]) =>
        {
            Field::ArticleId
        }
        (b"ELocationID", Some(b"Article")) => Field::ELocation,
        _ => return None,
    })
}

fn store(
    r: &mut Record,
    c: Capture,
    author: &mut Option<Author>,
    mesh: &mut Option<Mesh>,
    date: &mut (Option<String>, Option<String>, Option<String>),
) {
    let text = squash(&c.text);
    if text.is_empty() && c.field != Field::Abstract {
        return;
    }
    match c.field {
        Field::Pmid => {
            if r.pmid.is_none() {
                r.pmid = Some(text);
            }
        }
        Field::Title => r.title = Some(text),
        // A record whose ArticleTitle is empty keeps its title in the original language only.
        Field::BookTitle | Field::VernacularTitle => {
            if r.title.is_none() {
                r.title = Some(text);
            }
        }
        Field::Abstract => {
            if !text.is_empty() {
                r.abstract_sections.push(Section {
                    label: c.attr.filter(|l| !l.is_empty()),
                    text,
                });
            }
        }
        Field::LastName | Field::Collective => {
            if let Some(a) = author.as_mut() {
                a.last = text;
                a.collective = c.field == Field::Collective;
            }
        }
        Field::ForeName => {
            if let Some(a) = author.as_mut() {
                a.first = Some(text);
            }
        }
        Field::Initials => {
            if let Some(a) = author.as_mut() {
                if a.first.is_none() {
                    a.first = Some(text);
                }
            }
        }
        Field::Affiliation => {
            if let Some(a) = author.as_mut() {
                a.affiliations.push(text);
            }
        }
        Field::Journal => r.journal = Some(text),
        Field::JournalAbbrev => r.journal_abbrev = Some(text),
        Field::Year => {
            r.year = text.parse().ok();
            date.0 = Some(text);
        }
        Field::Month => date.1 = Some(text),
        Field::Day => date.2 = Some(text),
        Field::MedlineDate => {
            r.year = year_in(&text);
            r.date = Some(text);
        }
        Field::Volume => r.volume = Some(text),
        Field::Issue => r.issue = Some(text),
        Field::Pages => r.pages = Some(text),
        Field::Language => r.languages.push(text),
        Field::PublicationType => r.publication_types.push(text),
        Field::Descriptor => {
            if let Some(m) = mesh.as_mut() {
                m.descriptor = text;
                m.major = c.major;
            }
        }
        Field::Qualifier => {
            if let Some(m) = mesh.as_mut() {
                m.qualifiers.push((text, c.major));
            }
        }
        Field::Keyword => r.keywords.push(text),
        Field::Grant => r.grants.push(text),
        Field::ArticleId => match c.attr.as_deref() {
            Some("pubmed") => {
                if r.pmid.is_none() {
                    r.pmid = Some(text);
                }
            }
            Some("doi") => r.doi = Some(text),
            Some("pmc") => r.pmc = Some(text),
            Some(other) => r.other_ids.push((other.to_string(), text)),
            None => r.other_ids.push(("unknown".into(), text)),
        },
        Field::ELocation => {
            if c.attr.as_deref() == Some("doi") && r.doi.is_none() {
                r.doi = Some(text);
            }
        }
        Field::DeletePmid => {}
    }
}
