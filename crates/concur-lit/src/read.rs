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

/// Inflated gzip data may grow to this many bytes whatever its ratio (a PubMed baseline file
/// inflates to about 150 MB at a ratio near 8).
pub const INFLATE_FLOOR: u64 = 1 << 30;

/// Past [`INFLATE_FLOOR`], inflated data may be at most this many times the compressed bytes
/// read so far: a higher ratio is a decompression bomb, not a bibliography.
pub const INFLATE_RATIO: u64 = 100;

/// Counts the bytes read from the file, for the inflation ratio.
struct Counted<R> {
    inner: R,
    read: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read
            .fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
        Ok(n)
    }
}

/// Stops inflating when the data grows past the floor and the ratio.
struct Bounded<R> {
    inner: R,
    compressed: std::sync::Arc<std::sync::atomic::AtomicU64>,
    inflated: u64,
    floor: u64,
}

impl<R: Read> Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.inflated += n as u64;
        let compressed = self.compressed.load(std::sync::atomic::Ordering::Relaxed);
        if self.inflated > self.floor && self.inflated > compressed.saturating_mul(INFLATE_RATIO) {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!(
                    "it inflates to over {} MB at more than {INFLATE_RATIO} times its compressed \
                     size (a decompression bomb, not a bibliography)",
                    self.inflated >> 20
                ),
            ));
        }
        Ok(n)
    }
}

/// [`open`], with every byte read from the file (before inflating) handed to the tap. Only
/// regular files are read: a device or a pipe may never end. UTF-16 (with a byte-order mark, or
/// ASCII text with every other byte NUL) is decoded to UTF-8.
fn open_tapped<'t>(
    path: &Path,
    tap: Option<(usize, Tap<'t>)>,
) -> Result<(Box<dyn BufRead + Send + 't>, bool), LitError> {
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(LitError::Format(
            "not a regular file (a folder, device or pipe); concur reads files".into(),
        ));
    }
    let file = std::fs::File::open(path)?;
    let raw: Box<dyn Read + Send + 't> = match tap {
        Some((number, tap)) => Box::new(Tapped { file, number, tap }),
        None => Box::new(file),
    };
    let compressed = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let raw = Counted {
        inner: raw,
        read: compressed.clone(),
    };
    let mut raw = BufReader::with_capacity(1 << 16, raw);
    let gz = raw.fill_buf()?.starts_with(&[0x1f, 0x8b]);
    let mut input: Box<dyn BufRead + Send + 't> = if gz {
        Box::new(BufReader::with_capacity(
            1 << 16,
            Bounded {
                inner: flate2::bufread::MultiGzDecoder::new(raw),
                compressed,
                inflated: 0,
                floor: INFLATE_FLOOR,
            },
        ))
    } else {
        Box::new(raw)
    };
    let head = input.fill_buf()?;
    if let Some(encoding) = utf16(head) {
        let decoded = encoding_rs_io::DecodeReaderBytesBuilder::new()
            .encoding(Some(encoding))
            .build(input);
        input = Box::new(BufReader::with_capacity(1 << 16, Filling(decoded)));
    }
    Ok((input, gz))
}

/// Reads until the buffer is full or the input ends: the decoder's reads can be a character
/// long, too little for the format to be told from the first one.
struct Filling<R>(R);

impl<R: Read> Read for Filling<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let mut filled = 0;
        while filled < buf.len() {
            match self.0.read(&mut buf[filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) if filled == 0 => return Err(e),
                Err(_) => break,
            }
        }
        Ok(filled)
    }
}

/// The UTF-16 encoding of a text that starts like one: a byte-order mark, or mostly ASCII with
/// every other byte NUL.
fn utf16(head: &[u8]) -> Option<&'static encoding_rs::Encoding> {
    if head.starts_with(&[0xff, 0xfe]) {
        return Some(encoding_rs::UTF_16LE);
    }
    if head.starts_with(&[0xfe, 0xff]) {
        return Some(encoding_rs::UTF_16BE);
    }
    let pairs: Vec<&[u8]> = head.chunks_exact(2).take(32).collect();
    if pairs.len() < 4 {
        return None;
    }
    // Most of the first characters are ASCII (tags, keys, markup): some accented letters among
    // them do not hide the pattern.
    let ascii = |b: u8| b != 0 && b.is_ascii();
    let most =
        |f: &dyn Fn(&[u8]) -> bool| pairs.iter().filter(|p| f(p)).count() * 4 >= pairs.len() * 3;
    if most(&|p| ascii(p[0]) && p[1] == 0) {
        Some(encoding_rs::UTF_16LE)
    } else if most(&|p| p[0] == 0 && ascii(p[1])) {
        Some(encoding_rs::UTF_16BE)
    } else {
        None
    }
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
    // A stray NUL in a text export is dropped with the other control characters; many are a
    // binary file (a PDF, a spreadsheet, an image).
    let nuls = head.iter().filter(|&&b| b == 0).count();
    if nuls > 1 && nuls * 100 > head.len() {
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

#[cfg(test)]
mod limits {
    use super::*;

    #[test]
    fn inflating_stops_past_the_floor_at_a_bombs_ratio() {
        let zeros = vec![0u8; 1 << 20];
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        std::io::Write::write_all(&mut gz, &zeros).unwrap();
        let packed = gz.finish().unwrap();
        let compressed = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        let raw = BufReader::new(Counted {
            inner: &packed[..],
            read: compressed.clone(),
        });
        let mut bounded = Bounded {
            inner: flate2::bufread::MultiGzDecoder::new(raw),
            compressed,
            inflated: 0,
            floor: 1 << 16,
        };
        let err = std::io::copy(&mut bounded, &mut std::io::sink()).unwrap_err();
        assert!(err.to_string().contains("decompression bomb"), "{err}");
    }

    #[test]
    fn utf16_is_recognised_with_and_without_a_mark() {
        let le: Vec<u8> = "TY  - JOUR\n"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        let be: Vec<u8> = "TY  - JOUR\n"
            .encode_utf16()
            .flat_map(u16::to_be_bytes)
            .collect();
        assert_eq!(utf16(&le), Some(encoding_rs::UTF_16LE));
        assert_eq!(utf16(&be), Some(encoding_rs::UTF_16BE));
        assert_eq!(utf16(&[0xff, 0xfe, b'T', 0]), Some(encoding_rs::UTF_16LE));
        assert_eq!(utf16(b"TY  - JOUR\n"), None);
    }
}
