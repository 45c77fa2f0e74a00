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

/// Element names the reader cares about, interned so that the open-element path allocates nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tag {
    Other,
    PubmedArticle,
    PubmedBookArticle,
    MedlineCitation,
    MedlineCitationSet,
    DeleteCitation,
    Pmid,
    Article,
    BookDocument,
    ArticleTitle,
    BookTitle,
    Book,
    VernacularTitle,
    Abstract,
    AbstractText,
    OtherAbstract,
    AuthorList,
    Author,
    LastName,
    ForeName,
    Initials,
    CollectiveName,
    AffiliationInfo,
    Affiliation,
    Journal,
    Title,
    ISOAbbreviation,
    PubDate,
    Year,
    MedlineDate,
    Month,
    Day,
    JournalIssue,
    Volume,
    Issue,
    Pagination,
    MedlinePgn,
    Language,
    PublicationTypeList,
    PublicationType,
    MeshHeading,
    DescriptorName,
    QualifierName,
    KeywordList,
    Keyword,
    Grant,
    GrantID,
    ArticleIdList,
    ArticleId,
    PubmedData,
    PubmedBookData,
    ELocationID,
}

fn tag(name: &[u8]) -> Tag {
    match name {
        b"PubmedArticle" => Tag::PubmedArticle,
        b"PubmedBookArticle" => Tag::PubmedBookArticle,
        b"MedlineCitation" => Tag::MedlineCitation,
        b"MedlineCitationSet" => Tag::MedlineCitationSet,
        b"DeleteCitation" => Tag::DeleteCitation,
        b"PMID" => Tag::Pmid,
        b"Article" => Tag::Article,
        b"BookDocument" => Tag::BookDocument,
        b"ArticleTitle" => Tag::ArticleTitle,
        b"BookTitle" => Tag::BookTitle,
        b"Book" => Tag::Book,
        b"VernacularTitle" => Tag::VernacularTitle,
        b"Abstract" => Tag::Abstract,
        b"AbstractText" => Tag::AbstractText,
        b"OtherAbstract" => Tag::OtherAbstract,
        b"AuthorList" => Tag::AuthorList,
        b"Author" => Tag::Author,
        b"LastName" => Tag::LastName,
        b"ForeName" => Tag::ForeName,
        b"Initials" => Tag::Initials,
        b"CollectiveName" => Tag::CollectiveName,
        b"AffiliationInfo" => Tag::AffiliationInfo,
        b"Affiliation" => Tag::Affiliation,
        b"Journal" => Tag::Journal,
        b"Title" => Tag::Title,
        b"ISOAbbreviation" => Tag::ISOAbbreviation,
        b"PubDate" => Tag::PubDate,
        b"Year" => Tag::Year,
        b"MedlineDate" => Tag::MedlineDate,
        b"Month" => Tag::Month,
        b"Day" => Tag::Day,
        b"JournalIssue" => Tag::JournalIssue,
        b"Volume" => Tag::Volume,
        b"Issue" => Tag::Issue,
        b"Pagination" => Tag::Pagination,
        b"MedlinePgn" => Tag::MedlinePgn,
        b"Language" => Tag::Language,
        b"PublicationTypeList" => Tag::PublicationTypeList,
        b"PublicationType" => Tag::PublicationType,
        b"MeshHeading" => Tag::MeshHeading,
        b"DescriptorName" => Tag::DescriptorName,
        b"QualifierName" => Tag::QualifierName,
        b"KeywordList" => Tag::KeywordList,
        b"Keyword" => Tag::Keyword,
        b"Grant" => Tag::Grant,
        b"GrantID" => Tag::GrantID,
        b"ArticleIdList" => Tag::ArticleIdList,
        b"ArticleId" => Tag::ArticleId,
        b"PubmedData" => Tag::PubmedData,
        b"PubmedBookData" => Tag::PubmedBookData,
        b"ELocationID" => Tag::ELocationID,
        _ => Tag::Other,
    }
}

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
    let mut path: Vec<Tag> = Vec::with_capacity(32);
    let mut record: Option<Record> = None;
    let mut record_depth = 0;
    let mut capture: Option<Capture> = None;
    let mut author: Option<Author> = None;
    let mut mesh: Option<Mesh> = None;
    let mut deletions: Option<Vec<String>> = None;
    let mut date_parts: (Option<String>, Option<String>, Option<String>) = (None, None, None);
    let mut count = 0u64;
    loop {
        // Cleared here, not at the end of the body: branches that `continue` must not let the
        // event buffer grow with the file.
        buf.clear();
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
                let name = tag(e.local_name().as_ref().as_bytes());
                let parent_is_set = path.last() == Some(&Tag::MedlineCitationSet);
                path.push(name);
                let depth = path.len();
                if record.is_none() {
                    let starts = matches!(name, Tag::PubmedArticle | Tag::PubmedBookArticle)
                        || (name == Tag::MedlineCitation && parent_is_set);
                    if starts {
                        let mut r = Record {
                            position: Position {
                                byte: position,
                                line: 0,
                            },
                            ..Record::default()
                        };
                        if name == Tag::PubmedBookArticle {
                            r.kind = Some("PubmedBookArticle".into());
                        }
                        record = Some(r);
                        record_depth = depth;
                        date_parts = (None, None, None);
                    } else if name == Tag::DeleteCitation {
                        deletions = Some(Vec::new());
                    } else if name == Tag::Pmid && deletions.is_some() {
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
                match name {
                    Tag::Author if in_author_list(&path) => author = Some(Author::default()),
                    Tag::MeshHeading => mesh = Some(Mesh::default()),
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
                let name = path.pop().unwrap_or(Tag::Other);
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
                match name {
                    Tag::Author => {
                        if let (Some(a), Some(r)) = (author.take(), record.as_mut()) {
                            if !a.last.is_empty() {
                                r.authors.push(a);
                            }
                        }
                    }
                    Tag::MeshHeading => {
                        if let (Some(m), Some(r)) = (mesh.take(), record.as_mut()) {
                            r.mesh.push(m);
                        }
                    }
                    Tag::PubDate => {
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
                    Tag::DeleteCitation => {
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
    }
}

fn attr_value(e: &BytesStart<'_>, name: &[u8]) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref().as_bytes() == name)
        .map(|a| a.value.to_string())
}

fn ends_with(path: &[Tag], tail: &[Tag]) -> bool {
    path.len() >= tail.len() && &path[path.len() - tail.len()..] == tail
}

fn in_author_list(path: &[Tag]) -> bool {
    ends_with(path, &[Tag::Article, Tag::AuthorList, Tag::Author])
        || ends_with(path, &[Tag::BookDocument, Tag::AuthorList, Tag::Author])
}

/// The field an element at this path captures, if any.
fn field_for(path: &[Tag]) -> Option<Field> {
    let name = *path.last()?;
    let parent = path.len().checked_sub(2).map(|i| path[i]);
    let author = path.len() >= 2 && in_author_list(&path[..path.len() - 1]);
    Some(match (name, parent) {
        (Tag::Pmid, Some(Tag::MedlineCitation | Tag::BookDocument)) => Field::Pmid,
        (Tag::ArticleTitle, Some(Tag::Article | Tag::BookDocument)) => Field::Title,
        (Tag::BookTitle, Some(Tag::Book)) => Field::BookTitle,
        (Tag::VernacularTitle, Some(Tag::Article)) => Field::VernacularTitle,
        (Tag::AbstractText, Some(Tag::Abstract)) if !path.contains(&Tag::OtherAbstract) => {
            Field::Abstract
        }
        (Tag::LastName, _) if author => Field::LastName,
        (Tag::ForeName, _) if author => Field::ForeName,
        (Tag::Initials, _) if author => Field::Initials,
        (Tag::CollectiveName, _) if author => Field::Collective,
        (Tag::Affiliation, Some(Tag::AffiliationInfo))
            if path.len() >= 3 && in_author_list(&path[..path.len() - 2]) =>
        {
            Field::Affiliation
        }
        (Tag::Title, Some(Tag::Journal)) => Field::Journal,
        (Tag::ISOAbbreviation, Some(Tag::Journal)) => Field::JournalAbbrev,
        (Tag::Year, Some(Tag::PubDate)) => Field::Year,
        (Tag::MedlineDate, Some(Tag::PubDate)) => Field::MedlineDate,
        (Tag::Month, Some(Tag::PubDate)) => Field::Month,
        (Tag::Day, Some(Tag::PubDate)) => Field::Day,
        (Tag::Volume, Some(Tag::JournalIssue)) => Field::Volume,
        (Tag::Issue, Some(Tag::JournalIssue)) => Field::Issue,
        (Tag::MedlinePgn, Some(Tag::Pagination)) => Field::Pages,
        (Tag::Language, Some(Tag::Article | Tag::BookDocument)) => Field::Language,
        (Tag::PublicationType, Some(Tag::PublicationTypeList)) => Field::PublicationType,
        (Tag::DescriptorName, Some(Tag::MeshHeading)) => Field::Descriptor,
        (Tag::QualifierName, Some(Tag::MeshHeading)) => Field::Qualifier,
        (Tag::Keyword, Some(Tag::KeywordList)) => Field::Keyword,
        (Tag::GrantID, Some(Tag::Grant)) => Field::Grant,
        (Tag::ArticleId, Some(Tag::ArticleIdList))
            if ends_with(path, &[Tag::PubmedData, Tag::ArticleIdList, Tag::ArticleId])
                || ends_with(
                    path,
                    &[Tag::PubmedBookData, Tag::ArticleIdList, Tag::ArticleId],
                ) =>
        {
            Field::ArticleId
        }
        (Tag::ELocationID, Some(Tag::Article)) => Field::ELocation,
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
