//! Streaming reader of PubMed XML: efetch result sets, annual baseline and daily update files
//! (with `DeleteCitation`), `PubmedBookArticle`, and the legacy `MedlineCitationSet`.
//!
//! It keeps only the path of open elements and the record being built, so memory stays flat
//! whatever the file size. Fields are taken by path, so identifiers inside reference lists or
//! comment/correction lists are never mistaken for the record's own.

use crate::chunk::{self, Block, Chunker};
use crate::record::{squash, year_in, Author, Item, Mesh, Position, Record, Section};
use crate::xml::{attribute, decode_into, Scanner, Token};
use crate::Problem;
use memchr::memmem;
use std::borrow::Cow;
use std::io::Read;
use std::sync::LazyLock;

/// Element names the reader cares about, interned so that the open-element path allocates nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tag {
    Other,
    /// One of [`SKIPPED`], by index.
    Skipped(u8),
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

/// The interned tag of an element name. Names are told apart by length first, so a name is compared
/// with at most a few candidates (this runs for every tag of the file).
fn tag(name: &[u8]) -> Tag {
    let found = match name.len() {
        3 => match name {
            b"Day" => Tag::Day,
            _ => Tag::Other,
        },
        4 => match name {
            b"PMID" => Tag::Pmid,
            b"Book" => Tag::Book,
            b"Year" => Tag::Year,
            _ => Tag::Other,
        },
        5 => match name {
            b"Title" => Tag::Title,
            b"Month" => Tag::Month,
            b"Issue" => Tag::Issue,
            b"Grant" => Tag::Grant,
            _ => Tag::Other,
        },
        6 => match name {
            b"Author" => Tag::Author,
            b"Volume" => Tag::Volume,
            _ => Tag::Other,
        },
        7 => match name {
            b"Article" => Tag::Article,
            b"Journal" => Tag::Journal,
            b"PubDate" => Tag::PubDate,
            b"Keyword" => Tag::Keyword,
            b"GrantID" => Tag::GrantID,
            _ => Tag::Other,
        },
        8 => match name {
            b"Abstract" => Tag::Abstract,
            b"LastName" => Tag::LastName,
            b"ForeName" => Tag::ForeName,
            b"Initials" => Tag::Initials,
            b"Language" => Tag::Language,
            _ => Tag::Other,
        },
        9 => match name {
            b"BookTitle" => Tag::BookTitle,
            b"ArticleId" => Tag::ArticleId,
            _ => Tag::Other,
        },
        10 => match name {
            b"AuthorList" => Tag::AuthorList,
            b"Pagination" => Tag::Pagination,
            b"MedlinePgn" => Tag::MedlinePgn,
            b"PubmedData" => Tag::PubmedData,
            _ => Tag::Other,
        },
        11 => match name {
            b"Affiliation" => Tag::Affiliation,
            b"MedlineDate" => Tag::MedlineDate,
            b"MeshHeading" => Tag::MeshHeading,
            b"KeywordList" => Tag::KeywordList,
            b"ELocationID" => Tag::ELocationID,
            _ => Tag::Other,
        },
        12 => match name {
            b"BookDocument" => Tag::BookDocument,
            b"ArticleTitle" => Tag::ArticleTitle,
            b"AbstractText" => Tag::AbstractText,
            b"JournalIssue" => Tag::JournalIssue,
            _ => Tag::Other,
        },
        13 => match name {
            b"PubmedArticle" => Tag::PubmedArticle,
            b"OtherAbstract" => Tag::OtherAbstract,
            b"QualifierName" => Tag::QualifierName,
            b"ArticleIdList" => Tag::ArticleIdList,
            _ => Tag::Other,
        },
        14 => match name {
            b"DeleteCitation" => Tag::DeleteCitation,
            b"CollectiveName" => Tag::CollectiveName,
            b"DescriptorName" => Tag::DescriptorName,
            b"PubmedBookData" => Tag::PubmedBookData,
            _ => Tag::Other,
        },
        15 => match name {
            b"MedlineCitation" => Tag::MedlineCitation,
            b"VernacularTitle" => Tag::VernacularTitle,
            b"AffiliationInfo" => Tag::AffiliationInfo,
            b"ISOAbbreviation" => Tag::ISOAbbreviation,
            b"PublicationType" => Tag::PublicationType,
            _ => Tag::Other,
        },
        17 => match name {
            b"PubmedBookArticle" => Tag::PubmedBookArticle,
            _ => Tag::Other,
        },
        18 => match name {
            b"MedlineCitationSet" => Tag::MedlineCitationSet,
            _ => Tag::Other,
        },
        19 => match name {
            b"PublicationTypeList" => Tag::PublicationTypeList,
            _ => Tag::Other,
        },
        _ => Tag::Other,
    };
    if found == Tag::Other && SKIPPED_LENGTHS & (1 << name.len().min(63)) != 0 {
        if let Some(i) = SKIPPED.iter().position(|s| s.as_bytes() == name) {
            return Tag::Skipped(i as u8);
        }
    }
    found
}

/// The lengths of the [`SKIPPED`] names, one bit each: most names are of none of these lengths
/// and are not compared with the list at all.
const SKIPPED_LENGTHS: u64 = {
    let mut bits = 0u64;
    let mut i = 0;
    while i < SKIPPED.len() {
        bits |= 1 << SKIPPED[i].len();
        i += 1;
    }
    bits
};

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

struct Capture<'a> {
    field: Field,
    depth: usize,
    /// Borrowed from the block while the text comes in one piece (the usual case).
    text: Cow<'a, str>,
    /// IdType of an ArticleId, EIdType of an ELocationID, Label of an AbstractText.
    attr: Option<Cow<'a, str>>,
    major: bool,
}

impl<'a> Capture<'a> {
    fn push(&mut self, piece: &'a str) {
        if self.text.is_empty() {
            self.text = Cow::Borrowed(piece);
        } else {
            self.text.to_mut().push_str(piece);
        }
    }
}

/// Elements whose whole content the record model does not use: skipped with one substring
/// search instead of being scanned. Only a reference list can hold elements of its own name
/// ([`NESTS`]); for the others the first closing tag is the right one. (Reference lists are a
/// large part of a baseline file and hold identifiers a naive reader would take for the
/// record's own; a whole list is skipped at once rather than reference by reference.)
const SKIPPED: [&str; 21] = [
    "ReferenceList",
    "Reference",
    "History",
    "CommentsCorrectionsList",
    "ChemicalList",
    "SupplMeshList",
    "InvestigatorList",
    "DataBankList",
    // Dates other than the publication date, the journal's catalogue entry, notes and the
    // like, none of them in the record model: skipping them is cheaper than parsing them.
    "DateCompleted",
    "DateRevised",
    "ArticleDate",
    "MedlineJournalInfo",
    "CitationSubset",
    "CoiStatement",
    "GeneralNote",
    "OtherID",
    "PersonalNameSubjectList",
    "NumberOfReferences",
    "PublicationStatus",
    "SpaceFlightMission",
    "GeneSymbolList",
];

/// The index in [`SKIPPED`] of the one element that nests (PubMed's DTD lets a `ReferenceList`
/// hold further `ReferenceList`s).
const NESTS: u8 = 0;

/// The closing tags of [`SKIPPED`], as searchers built once.
static SKIP_TO: LazyLock<Vec<memmem::Finder<'static>>> = LazyLock::new(|| {
    SKIPPED
        .iter()
        .map(|name| memmem::Finder::new(format!("</{name}>").as_bytes()).into_owned())
        .collect()
});

/// The opening tag of the nesting element ([`NESTS`]), without its `>`.
static NESTED_OPEN: LazyLock<memmem::Finder<'static>> = LazyLock::new(|| {
    memmem::Finder::new(format!("<{}", SKIPPED[usize::from(NESTS)]).as_bytes()).into_owned()
});

/// The length of the prefix of `bytes` that ends after the last whole record (for
/// [`crate::chunk::Chunker`]). Legacy `MedlineCitationSet` files end records at
/// `</MedlineCitation>`; in the modern form that tag is inside a record, so it is used only when
/// the block has no modern record at all.
pub(crate) fn boundary(bytes: &[u8]) -> Option<usize> {
    let article = memmem::rfind(bytes, b"</PubmedArticle>").map(|i| i + 16);
    // Only a book record after the last article can move the cut.
    let tail = article.unwrap_or(0);
    let book = memmem::rfind(&bytes[tail..], b"</PubmedBookArticle>").map(|i| tail + i + 20);
    match article.max(book) {
        Some(cut) => Some(cut),
        None if memmem::find(bytes, b"<PubmedArticle").is_some()
            || memmem::find(bytes, b"<PubmedBookArticle").is_some() =>
        {
            None
        }
        None => memmem::rfind(bytes, b"</MedlineCitation>").map(|i| i + 18),
    }
}

/// A PubMed XML stream as an input of [`chunk::run_inputs`].
pub(crate) fn input<'a, R: Read + Send + 'a>(reader: R) -> chunk::Input<'a> {
    chunk::Input {
        cut: Box::new(Chunker::new(reader, boundary)),
        parse: &parse_block,
        describe: |e| e,
    }
}

/// UTF-8 validation with SIMD (the std check was a tenth of the parse time); the slower std check
/// runs only to locate an error.
pub(crate) fn utf8(bytes: &[u8]) -> Result<&str, std::str::Utf8Error> {
    match simdutf8::basic::from_utf8(bytes) {
        Ok(text) => Ok(text),
        Err(_) => std::str::from_utf8(bytes),
    }
}

/// Where a byte of the block is, as a position in the file.
fn position_in(block: &Block, at: usize) -> Position {
    let at = at.min(block.bytes.len());
    Position {
        byte: block.byte + at as u64,
        line: block.line + memchr::memchr_iter(b'\n', &block.bytes[..at]).count() as u64 + 1,
    }
}

/// The next record start at or after `from`, for resuming after a malformed record.
fn next_record_start(text: &str, from: usize, legacy: bool) -> Option<usize> {
    let bytes = text.as_bytes();
    let names: &[&[u8]] = if legacy {
        &[b"<MedlineCitation"]
    } else {
        &[b"<PubmedArticle", b"<PubmedBookArticle"]
    };
    names
        .iter()
        .filter_map(|name| {
            let mut at = from;
            while let Some(i) = memmem::find(&bytes[at.min(bytes.len())..], name) {
                let start = at + i;
                match bytes.get(start + name.len()) {
                    Some(b'>' | b' ' | b'\t' | b'\r' | b'\n') => return Some(start),
                    _ => at = start + name.len(),
                }
            }
            None
        })
        .min()
}

/// Parses one block of whole records, handing each item to `emit` as soon as it is read. Blocks
/// start between records, so nothing carries over.
pub(crate) fn parse_block(block: &Block, emit: &mut dyn FnMut(Item)) {
    let text = match utf8(&block.bytes) {
        Ok(t) => Cow::Borrowed(t),
        Err(e) => {
            emit(Item::Repaired(Problem {
                position: position_in(block, e.valid_up_to()),
                reason: "invalid UTF-8 from here on in this part of the file was replaced by \
                         U+FFFD; the records were kept"
                    .into(),
            }));
            String::from_utf8_lossy(&block.bytes)
        }
    };
    let text: &str = &text;
    let mut state = State::default();
    let mut from = 0;
    // Each pass reads until the block ends or an error; after an error the malformed record is
    // reported and reading resumes at the next record start.
    loop {
        match parse_from(block, text, from, &mut state, emit) {
            Ok(()) => break,
            Err((at, message)) => {
                let reason = if state.record.is_some() || message.contains("end of input") {
                    if block.last && message.contains("end of input") {
                        format!("the file ends inside a record (truncated?): {message}")
                    } else {
                        format!(
                            "malformed XML at {}: {message}; this record was skipped",
                            position_in(block, at)
                        )
                    }
                } else {
                    format!("malformed XML: {message}")
                };
                let position = state
                    .record
                    .as_ref()
                    .map(|r| position_in(block, (r.position.byte - block.byte) as usize))
                    .unwrap_or_else(|| position_in(block, at));
                emit(Item::Rejected(Problem { position, reason }));
                let legacy = state.legacy;
                state = State {
                    legacy,
                    ..State::default()
                };
                match next_record_start(text, at.max(from + 1), legacy) {
                    Some(next) => from = next,
                    None => break,
                }
            }
        }
    }
}

#[derive(Default)]
struct State<'a> {
    /// Open elements, interned, and their names as written (to check closing tags).
    path: Vec<Tag>,
    names: Vec<&'a str>,
    record: Option<Record>,
    record_depth: usize,
    capture: Option<Capture<'a>>,
    author: Option<Author>,
    mesh: Option<Mesh>,
    deletions: Option<Vec<String>>,
    date_parts: (Option<String>, Option<String>, Option<String>),
    legacy: bool,
}

/// Reads tokens from `text[from..]` until the end of the block; an error gives its offset in the
/// block and a message.
fn parse_from<'a>(
    block: &Block,
    text: &'a str,
    from: usize,
    st: &mut State<'a>,
    emit: &mut dyn FnMut(Item),
) -> Result<(), (usize, String)> {
    let mut scanner = Scanner::new(text, from);
    loop {
        let position = scanner.position();
        let token = scanner
            .next_token()
            .map_err(|e| (e.at, e.message.to_string()))?;
        match token {
            Token::Start {
                name: full,
                attrs,
                empty,
            } => {
                // PubMed's own elements have no prefix; only a name that is not one of them is
                // looked up again by its local part (after any `prefix:`).
                let name = match tag(full.as_bytes()) {
                    Tag::Other => match full.rsplit_once(':') {
                        Some((_, local)) => tag(local.as_bytes()),
                        None => Tag::Other,
                    },
                    known => known,
                };
                if let Tag::Skipped(i) = name {
                    let inside = st.record.is_some() && st.capture.is_none() && !empty;
                    let close = &SKIP_TO[usize::from(i)];
                    if inside
                        && match i {
                            NESTS => scanner.skip_past_nested(&NESTED_OPEN, close),
                            _ => scanner.skip_past(close),
                        }
                    {
                        continue;
                    }
                }
                if empty {
                    continue; // no text, and nothing the record model reads from attributes alone
                }
                let parent = st.path.last().copied();
                st.path.push(name);
                st.names.push(full);
                let depth = st.path.len();
                if st.record.is_none() {
                    if name == Tag::MedlineCitationSet {
                        st.legacy = true;
                    }
                    let starts = matches!(name, Tag::PubmedArticle | Tag::PubmedBookArticle)
                        || (name == Tag::MedlineCitation
                            && (parent == Some(Tag::MedlineCitationSet) || parent.is_none()));
                    if starts {
                        if name == Tag::MedlineCitation {
                            st.legacy = true;
                        }
                        let mut r = Record {
                            position: Position {
                                byte: block.byte + position as u64,
                                line: 0,
                            },
                            ..Record::default()
                        };
                        if name == Tag::PubmedBookArticle {
                            r.kind = Some("PubmedBookArticle".into());
                        }
                        st.record = Some(r);
                        st.record_depth = depth;
                        st.date_parts = (None, None, None);
                    } else if name == Tag::DeleteCitation {
                        st.deletions = Some(Vec::new());
                    } else if name == Tag::Pmid && st.deletions.is_some() {
                        st.capture = Some(Capture {
                            field: Field::DeletePmid,
                            depth,
                            text: Cow::Borrowed(""),
                            attr: None,
                            major: false,
                        });
                    }
                    continue;
                }
                if st.capture.is_some() {
                    continue; // inline markup inside a captured text: keep its text only
                }
                let field = field_for(&st.path);
                match name {
                    Tag::Author if in_author_list(&st.path) => st.author = Some(Author::default()),
                    Tag::MeshHeading => st.mesh = Some(Mesh::default()),
                    _ => {}
                }
                if let Some(field) = field {
                    let attr = match field {
                        Field::ArticleId => attribute(attrs, "IdType"),
                        Field::ELocation => attribute(attrs, "EIdType"),
                        Field::Abstract => attribute(attrs, "Label"),
                        _ => None,
                    };
                    let major = matches!(field, Field::Descriptor | Field::Qualifier)
                        && attribute(attrs, "MajorTopicYN").as_deref() == Some("Y");
                    st.capture = Some(Capture {
                        field,
                        depth,
                        text: Cow::Borrowed(""),
                        attr,
                        major,
                    });
                }
            }
            Token::Text(raw) => {
                if let Some(c) = st.capture.as_mut() {
                    if memchr::memchr(b'&', raw.as_bytes()).is_none() {
                        c.push(raw);
                    } else {
                        decode_into(raw, c.text.to_mut());
                    }
                }
            }
            Token::CData(t) => {
                if let Some(c) = st.capture.as_mut() {
                    c.push(t);
                }
            }
            Token::End { name: closing } => {
                let depth = st.path.len();
                let (Some(name), Some(open)) = (st.path.pop(), st.names.pop()) else {
                    // A closing tag of the enclosing set, before the block's first record.
                    if st.record.is_some() {
                        return Err((position, "a closing tag without its opening tag".into()));
                    }
                    continue;
                };
                if closing != open {
                    return Err((position, format!("expected </{open}>, found </{closing}>")));
                }
                if st.capture.as_ref().is_some_and(|c| c.depth == depth) {
                    if let Some(c) = st.capture.take() {
                        if c.field == Field::DeletePmid {
                            if let Some(d) = st.deletions.as_mut() {
                                d.push(squash(&c.text));
                            }
                        } else if let Some(r) = st.record.as_mut() {
                            store(r, c, &mut st.author, &mut st.mesh, &mut st.date_parts);
                        }
                    }
                    continue;
                }
                if st.capture.is_some() {
                    continue;
                }
                match name {
                    Tag::Author => {
                        if let (Some(a), Some(r)) = (st.author.take(), st.record.as_mut()) {
                            if !a.last.is_empty() {
                                r.authors.push(a);
                            }
                        }
                    }
                    Tag::MeshHeading => {
                        if let (Some(m), Some(r)) = (st.mesh.take(), st.record.as_mut()) {
                            r.mesh.push(m);
                        }
                    }
                    Tag::PubDate => {
                        if let Some(r) = st.record.as_mut() {
                            if r.date.is_none() {
                                let d = &st.date_parts;
                                let parts: Vec<&str> = [&d.0, &d.1, &d.2]
                                    .into_iter()
                                    .flatten()
                                    .map(String::as_str)
                                    .collect();
                                if !parts.is_empty() {
                                    r.date = Some(parts.join(" "));
                                }
                            }
                        }
                    }
                    Tag::DeleteCitation => {
                        if let Some(d) = st.deletions.take() {
                            emit(Item::Delete(d));
                        }
                    }
                    _ => {}
                }
                if depth == st.record_depth && st.record.is_some() {
                    if let Some(mut r) = st.record.take() {
                        if r.year.is_none() {
                            r.year = r.date.as_deref().and_then(year_in);
                        }
                        if r.pmid.is_none() {
                            emit(Item::Rejected(Problem {
                                position: position_in(
                                    block,
                                    (r.position.byte - block.byte) as usize,
                                ),
                                reason: "record without a PMID".into(),
                            }));
                        } else {
                            emit(Item::Record(Box::new(r)));
                        }
                    }
                }
            }
            Token::Eof => {
                if st.record.is_some() || (block.last && st.path.len() > 1) {
                    return Err((text.len(), "end of input inside an element".to_string()));
                }
                return Ok(());
            }
        }
    }
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
                    label: c.attr.filter(|l| !l.is_empty()).map(Cow::into_owned),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_skipped_name_is_found_and_no_other() {
        for (i, name) in SKIPPED.iter().enumerate() {
            assert_eq!(tag(name.as_bytes()), Tag::Skipped(i as u8), "{name}");
        }
        for other in [
            "Country",
            "ISSNLinking",
            "Citation",
            "PubMedPubDate",
            "Referenc",
        ] {
            assert_eq!(tag(other.as_bytes()), Tag::Other, "{other}");
        }
        assert_eq!(SKIPPED[usize::from(NESTS)], "ReferenceList");
    }
}
