//! The readers' entry points: one stream, one file, or several files as one stream, all with one
//! [`ReadOptions`]; gzip inflated by its magic bytes; every format detected from the content.

use crate::format::detect;
use crate::{chunk, csv_in, pubmed, tagged, write, Event, Format, Item, LitError, Tagged};
use std::io::{BufRead, BufReader, Read};
use std::ops::ControlFlow;
use std::path::Path;

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
