//! Bibliographic records for concur: streaming readers for PubMed XML (plain or gzip; efetch,
//! baseline and update files), MEDLINE/nbib, RIS, Web of Science and Ovid tagged text, and CSV,
//! all producing one [`Record`] model. Readers stream: memory stays flat whatever the file size.
//!
//! A malformed record is reported as [`Item::Rejected`] with its position and the rest of the file
//! is still read; only an unreadable file (I/O, undetectable format) is an error.
//!
//! ```
//! let ris = "TY  - JOUR\nTI  - Trastuzumab emtansine and SRS\nPY  - 2019\nER  - \n";
//! let mut titles = Vec::new();
//! let options = concur_lit::ReadOptions::default();
//! concur_lit::read(ris.as_bytes(), &options, &mut |item| {
//!     if let concur_lit::Item::Record(r) = item {
//!         titles.push(r.title.clone());
//!     }
//! })
//! .unwrap();
//! assert_eq!(titles, [Some("Trastuzumab emtansine and SRS".to_string())]);
//! ```
#![warn(missing_docs)]

mod chunk;
mod csv_in;
pub mod dedup;
mod pubmed;
mod record;
mod tagged;
mod write;
mod xml;

pub use record::{Author, Item, Mesh, Position, Record, Section};
pub use tagged::Tagged;
pub use write::{write_records, OutFormat, Writer};

use std::io::{BufRead, BufReader, Read};
use std::ops::ControlFlow;
use std::path::Path;

/// A record that could not be read, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Where the record starts in the file.
    pub position: Position,
    /// What is wrong.
    pub reason: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.position, self.reason)
    }
}

/// Errors that stop a whole file.
#[derive(Debug, thiserror::Error)]
pub enum LitError {
    #[error("cannot read: {0}")]
    /// The file could not be read.
    Io(#[from] std::io::Error),
    #[error("{0}")]
    /// The content is damaged or not of the format.
    Format(String),
    /// The content is none of the formats read.
    #[error("unknown format: expected PubMed XML, MEDLINE (PMID- ), RIS (TY  - ), Web of Science, Ovid, CSV or JSON Lines; name the format if the file is one of these")]
    UnknownFormat,
}

/// What the sink of [`read_files`] gets, with the file's number: each item of the file, in
/// order, then the file's end.
pub enum Event<T> {
    /// One item of the file, as `map` made it.
    Item(T),
    /// The file has been read: its record count, or why it could not be read (whole blocks
    /// before the failure have been handed out).
    End(Result<u64, LitError>),
}

/// Input formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// PubMed XML (`PubmedArticleSet`), plain or gzip.
    PubmedXml,
    /// MEDLINE / nbib tagged text (`PMID- `).
    Medline,
    /// RIS (`TY  - `).
    Ris,
    /// Web of Science plain text (`PT `).
    WebOfScience,
    /// Ovid MEDLINE export (`<1. >`).
    Ovid,
    /// Comma-separated values with a header row.
    Csv,
    /// Tab-separated values with a header row.
    Tsv,
    /// JSON Lines as concur writes it: one record object per line.
    Jsonl,
}

impl Format {
    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Format::PubmedXml => "pubmed-xml",
            Format::Medline => "medline",
            Format::Ris => "ris",
            Format::WebOfScience => "wos",
            Format::Ovid => "ovid",
            Format::Csv => "csv",
            Format::Tsv => "tsv",
            Format::Jsonl => "jsonl",
        }
    }

    /// Parses a command-line name.
    pub fn parse(text: &str) -> Option<Format> {
        [
            Format::PubmedXml,
            Format::Medline,
            Format::Ris,
            Format::WebOfScience,
            Format::Ovid,
            Format::Csv,
            Format::Tsv,
            Format::Jsonl,
        ]
        .into_iter()
        .find(|f| {
            f.name() == text.to_ascii_lowercase()
                || (text.eq_ignore_ascii_case("nbib") && *f == Format::Medline)
                || (text.eq_ignore_ascii_case("xml") && *f == Format::PubmedXml)
        })
    }
}

/// Guesses the format from the first bytes of the (decompressed) content.
pub fn detect(head: &[u8]) -> Option<Format> {
    let text = String::from_utf8_lossy(head);
    let text = text.trim_start_matches('\u{feff}');
    let body = text.trim_start();
    if body.starts_with('{') {
        return Some(Format::Jsonl);
    }
    if body.starts_with('<')
        && (body.starts_with("<?xml")
            || body.contains("<PubmedArticle")
            || body.contains("<MedlineCitation")
            || body.contains("<!DOCTYPE"))
    {
        return Some(Format::PubmedXml);
    }
    let lines: Vec<&str> = text
        .lines()
        .map(|l| l.trim_end_matches('\r'))
        .filter(|l| !l.trim().is_empty())
        .take(40)
        .collect();
    let first = lines.first().copied().unwrap_or("");
    if lines.iter().any(|l| l.starts_with("PMID- ")) {
        return Some(Format::Medline);
    }
    if lines.iter().any(|l| l.starts_with("TY  -")) {
        return Some(Format::Ris);
    }
    if first.starts_with("FN ")
        || lines
            .iter()
            .any(|l| l.starts_with("PT J") || l.starts_with("PT B"))
    {
        return Some(Format::WebOfScience);
    }
    if lines.iter().any(|l| tagged::is_ovid_start(l)) {
        return Some(Format::Ovid);
    }
    if first.contains('\t') {
        return Some(Format::Tsv);
    }
    if first.contains(',') {
        return Some(Format::Csv);
    }
    None
}

/// The number of threads readers parse with by default: the machine's cores, or the
/// `CONCUR_THREADS` environment variable.
pub fn default_threads() -> usize {
    chunk::parse_threads()
}

/// How the readers read: every entry point ([`read`], [`read_file`], [`read_files`]) takes one.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReadOptions {
    /// The format; `None` detects it from the content (after inflating gzip).
    pub format: Option<Format>,
    /// Parsing threads; `None` is [`default_threads`]. With 1, everything runs on the caller's
    /// thread.
    pub threads: Option<usize>,
}

impl ReadOptions {
    fn threads(&self) -> usize {
        self.threads.unwrap_or_else(default_threads).max(1)
    }
}

/// Reads one stream. PubMed XML and the tagged formats are cut into blocks at record boundaries
/// and parsed on several threads; items reach `sink` in file order either way, on the caller's
/// thread, which also parses whenever no parsed block is ready for the sink. Returns the number
/// of records read.
pub fn read<R: BufRead + Send>(
    mut input: R,
    options: &ReadOptions,
    sink: &mut dyn FnMut(Item),
) -> Result<u64, LitError> {
    let format = match options.format {
        Some(f) => f,
        None => detect_head(&mut input)?,
    };
    read_mapped(
        input,
        format,
        options.threads(),
        &|item| item,
        &mut |item| {
            sink(item);
            ControlFlow::Continue(())
        },
    )
}

/// Reads a stream with `map` applied to every item on the parsing threads before `sink` gets it
/// (in file order): work per record that should run in parallel goes there. When `sink` says
/// [`ControlFlow::Break`] (its reader has gone, say), no more is read in the block-parsed
/// formats, and nothing more is handed to it in any.
fn read_mapped<R: BufRead + Send, T: Send>(
    input: R,
    format: Format,
    threads: usize,
    map: &(dyn Fn(Item) -> T + Sync),
    sink: &mut dyn FnMut(T) -> ControlFlow<()>,
) -> Result<u64, LitError> {
    if let Some(make) = block_reader(format) {
        return chunk::run(make(input), map, threads, sink);
    }
    // The others read on the calling thread, to the end; after a stop, nothing is handed out.
    let mut stopped = false;
    let mut each = |item| {
        if !stopped {
            stopped = sink(map(item)).is_break();
        }
    };
    match format {
        Format::Csv => csv_in::read_csv(input, b',', &mut each),
        Format::Tsv => csv_in::read_csv(input, b'\t', &mut each),
        Format::Jsonl => write::read_jsonl(input, &mut each),
        other => Err(LitError::Format(format!(
            "{} has no reader on one thread",
            other.name()
        ))),
    }
}

/// Reads a file, inflating gzip (by its magic bytes, whatever the extension) and detecting the
/// format unless the options name one. Returns the format and the number of records read.
pub fn read_file(
    path: &Path,
    options: &ReadOptions,
    sink: &mut dyn FnMut(Item),
) -> Result<(Format, u64), LitError> {
    let mut each = |item| {
        sink(item);
        ControlFlow::Continue(())
    };
    read_file_tapped(
        path,
        options.format,
        options.threads(),
        &|item| item,
        &mut each,
        None,
    )
}

/// Opens a file for reading: gzip (by its magic bytes, whatever the extension) is inflated.
fn open(path: &Path) -> Result<(Box<dyn BufRead + Send>, bool), LitError> {
    open_tapped(path, None)
}

/// Sees every byte of a file as it is read from disk, in order: for a checksum of the file
/// without reading it twice.
pub type Tap<'t> = &'t (dyn Fn(usize, &[u8]) + Sync);

/// The file's reader, handing what it reads to the tap with the file's number.
struct Tapped<'t> {
    file: std::fs::File,
    number: usize,
    tap: Tap<'t>,
}

impl Read for Tapped<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.file.read(buf)?;
        (self.tap)(self.number, &buf[..n]);
        Ok(n)
    }
}

/// [`open`], with every byte read from the file (before inflating) handed to the tap.
fn open_tapped<'t>(
    path: &Path,
    tap: Option<(usize, Tap<'t>)>,
) -> Result<(Box<dyn BufRead + Send + 't>, bool), LitError> {
    let file = std::fs::File::open(path)?;
    let raw: Box<dyn Read + Send + 't> = match tap {
        Some((number, tap)) => Box::new(Tapped { file, number, tap }),
        None => Box::new(file),
    };
    let mut raw = BufReader::with_capacity(1 << 16, raw);
    let gz = raw.fill_buf()?.starts_with(&[0x1f, 0x8b]);
    let input: Box<dyn BufRead + Send + 't> = if gz {
        Box::new(BufReader::with_capacity(
            1 << 16,
            flate2::bufread::MultiGzDecoder::new(raw),
        ))
    } else {
        Box::new(raw)
    };
    Ok((input, gz))
}

/// A reading error of a gzip stream: the stream is damaged.
fn gzip_damage(e: LitError) -> LitError {
    match e {
        LitError::Io(io) => {
            LitError::Format(format!("the gzip data is corrupt or truncated: {io}"))
        }
        other => other,
    }
}

/// How a format is read in blocks on several threads: what makes a reader into a block input of
/// [`chunk::run_inputs`]. None for the formats read on one thread (CSV, TSV, JSON Lines), which
/// cannot be cut at record boundaries. The one list of block-read formats.
fn block_reader<'a, R: Read + Send + 'a>(format: Format) -> Option<fn(R) -> chunk::Input<'a>> {
    let make: fn(R) -> chunk::Input<'a> = match format {
        Format::PubmedXml => pubmed::input,
        Format::Medline => |r| tagged::input(r, Tagged::Medline),
        Format::Ris => |r| tagged::input(r, Tagged::Ris),
        Format::WebOfScience => |r| tagged::input(r, Tagged::WebOfScience),
        Format::Ovid => |r| tagged::input(r, Tagged::Ovid),
        Format::Csv | Format::Tsv | Format::Jsonl => return None,
    };
    Some(make)
}

/// Whether a format is read in blocks on several threads (the others are read on one).
fn in_blocks(format: Format) -> bool {
    block_reader::<std::io::Empty>(format).is_some()
}

/// Opens a file of a block-read format as an input of [`chunk::run_inputs`].
fn open_input<'t>(
    path: &Path,
    format: Format,
    tap: (usize, Tap<'t>),
) -> Result<chunk::Input<'t>, LitError> {
    let make = block_reader(format)
        .ok_or_else(|| LitError::Format(format!("{} is not read in blocks", format.name())))?;
    let (reader, gz) = open_tapped(path, Some(tap))?;
    let mut input = make(reader);
    if gz {
        input.describe = gzip_damage;
    }
    Ok(input)
}

/// Reads several files of known formats one after another, with `map` applied to every item on
/// the parsing threads (work per record that should run in parallel goes there), and hands
/// `sink` each file's items and then its end, with the file's number, in order, on the caller's
/// thread. Consecutive files read in blocks are read as one stream: the next file's first blocks
/// are parsed while the last records of the one before are still being handed out, so the cores
/// do not wait at the boundary. The options' format is not used (each file has its own). A file that cannot be read ends with its error, and the next one is read. `tap`
/// sees every byte of each file as it is read from disk (before inflating), in order, with the
/// file's number: a file read to its end has passed whole through it. Returns the number of
/// records handed out; fails only when a thread stopped unexpectedly. When `sink` says
/// [`ControlFlow::Break`], nothing more is read or handed out.
pub fn read_files<T: Send>(
    files: &[(&Path, Format)],
    options: &ReadOptions,
    map: &(dyn Fn(Item) -> T + Sync),
    tap: Tap<'_>,
    sink: &mut dyn FnMut(usize, Event<T>) -> ControlFlow<()>,
) -> Result<u64, LitError> {
    let threads = options.threads();
    let mut records = 0;
    let mut first = 0;
    while first < files.len() {
        let mut halted = false;
        let (path, format) = files[first];
        if !in_blocks(format) {
            let mut each = |item| {
                let flow = sink(first, Event::Item(item));
                halted = flow.is_break();
                flow
            };
            let tap = Some((first, tap));
            let read = read_file_tapped(path, Some(format), threads, map, &mut each, tap);
            if halted {
                break;
            }
            let read = read.map(|(_, n)| n);
            records += read.as_ref().map_or(0, |n| *n);
            if sink(first, Event::End(read)).is_break() {
                break;
            }
            first += 1;
            continue;
        }
        let end = (first..files.len())
            .find(|&i| !in_blocks(files[i].1))
            .unwrap_or(files.len());
        let group = &files[first..end];
        let mut open = |i: usize| open_input(group[i].0, group[i].1, (first + i, tap));
        records += chunk::run_inputs(group.len(), &mut open, map, threads, &mut |i, event| {
            let flow = sink(first + i, event);
            halted = flow.is_break();
            flow
        })?;
        if halted {
            break;
        }
        first = end;
    }
    Ok(records)
}

fn detect_head(input: &mut dyn BufRead) -> Result<Format, LitError> {
    let head = input.fill_buf()?;
    if head.is_empty() {
        return Err(LitError::Format("the file is empty".into()));
    }
    let head = head[..head.len().min(8192)].to_vec();
    if head.contains(&0) {
        return Err(LitError::Format(
            "the file is binary, not a bibliographic export (it contains NUL bytes)".into(),
        ));
    }
    detect(&head).ok_or(LitError::UnknownFormat)
}

/// The format of a file, from its content (inflating gzip first).
pub fn detect_file(path: &Path) -> Result<Format, LitError> {
    let (mut input, gz) = open(path)?;
    detect_head(&mut input).map_err(|e| match e {
        LitError::Io(io) if gz => LitError::Format(format!("the gzip data is corrupt: {io}")),
        other => other,
    })
}

/// Reads a file with `map` applied on the parsing threads, every byte read from the file handed
/// to `tap`.
fn read_file_tapped<T: Send>(
    path: &Path,
    format: Option<Format>,
    threads: usize,
    map: &(dyn Fn(Item) -> T + Sync),
    sink: &mut dyn FnMut(T) -> ControlFlow<()>,
    tap: Option<(usize, Tap<'_>)>,
) -> Result<(Format, u64), LitError> {
    let (mut input, gz) = open_tapped(path, tap)?;
    let format = match format {
        Some(f) => f,
        None => detect_head(&mut input)?,
    };
    let count = read_mapped(&mut input, format, threads, map, sink).map_err(|e| match gz {
        true => gzip_damage(e),
        false => e,
    })?;
    // Read whatever the reader left unread, so that a truncated gzip stream is noticed.
    let mut rest = Vec::new();
    if let Err(io) = input.read_to_end(&mut rest) {
        return Err(LitError::Format(format!(
            "the gzip data is corrupt or truncated: {io}"
        )));
    }
    Ok((format, count))
}
