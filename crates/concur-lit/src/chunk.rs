//! Record-boundary chunking and the parallel read pipeline.
//!
//! A stream is cut into blocks of about [`BLOCK`] bytes that end exactly between two records, so
//! each block can be parsed on its own, on any thread, from a borrowed slice (no copy per event).
//! One thread reads (and inflates) the input, workers parse blocks, and the calling thread hands
//! the items to the sink in file order. A bounded queue keeps memory flat whatever the file size:
//! at most a few blocks are alive at once.
//!
//! Hand-written because the job is small and specific: rayon's `par_bridge` loses the order and
//! a crate for ordered pipelines would add more than these hundred lines.

use crate::record::Item;
use crate::LitError;
use std::io::Read;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::Mutex;

/// Target size of one block.
pub(crate) const BLOCK: usize = 1 << 20;

/// A block of the input that starts and ends between records.
pub(crate) struct Block {
    /// The bytes of whole records (and whatever lies between them).
    pub bytes: Vec<u8>,
    /// Offset of `bytes[0]` in the (decompressed) input.
    pub byte: u64,
    /// Number of line ends before `bytes[0]` (so its first line is `line + 1`).
    pub line: u64,
    /// Whether this block is the last one.
    pub last: bool,
}

/// Parses one block into items, in order.
pub(crate) type Parse<'p> = &'p (dyn Fn(&Block) -> Vec<Item> + Sync);

/// Cuts a stream into blocks at record boundaries. `B` says where the last record boundary of
/// some bytes is: the length of the prefix that holds only whole records, or None when there is
/// none yet.
pub(crate) struct Chunker<R, B> {
    input: R,
    pending: Vec<u8>,
    byte: u64,
    line: u64,
    boundary: B,
    done: bool,
}

impl<R: Read, B: Fn(&[u8]) -> Option<usize>> Chunker<R, B> {
    pub(crate) fn new(input: R, boundary: B) -> Self {
        Chunker {
            input,
            pending: Vec::new(),
            byte: 0,
            line: 0,
            boundary,
            done: false,
        }
    }

    /// The next block, or None at the end. A record larger than a block makes the block grow
    /// until the record ends (memory is bounded by the largest record, not by the file).
    pub(crate) fn next_block(&mut self) -> Result<Option<Block>, LitError> {
        if self.done {
            return Ok(None);
        }
        let mut buf = std::mem::take(&mut self.pending);
        let mut want = BLOCK;
        let mut eof = false;
        let cut = loop {
            if buf.len() < want {
                let missing = want - buf.len();
                let n = (&mut self.input)
                    .take(missing as u64)
                    .read_to_end(&mut buf)
                    .map_err(LitError::Io)?;
                eof = n < missing;
            }
            if eof {
                break buf.len();
            }
            match (self.boundary)(&buf) {
                Some(cut) if cut > 0 => break cut,
                _ => want = buf.len() * 2,
            }
        };
        self.pending = buf.split_off(cut);
        if eof && self.pending.is_empty() {
            self.done = true;
        }
        if buf.is_empty() && self.done {
            return Ok(None);
        }
        let block = Block {
            byte: self.byte,
            line: self.line,
            last: self.done,
            bytes: buf,
        };
        self.byte += block.bytes.len() as u64;
        self.line += memchr::memchr_iter(b'\n', &block.bytes).count() as u64;
        Ok(Some(block))
    }
}

/// How many threads parse blocks: the machine's cores, or `CONCUR_THREADS` when set.
pub(crate) fn parse_threads() -> usize {
    std::env::var("CONCUR_THREADS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|n: &usize| *n > 0)
        .unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1)
        })
}

/// Turns each item into what the caller wants, on the parsing threads.
pub(crate) type Map<'m, T> = &'m (dyn Fn(Item) -> T + Sync);

/// Reads the whole stream through `parse`, turns every item into a `T` with `map` on the same
/// thread, hands the results to `sink` in file order, and returns the number of records. With
/// one thread everything runs on the caller's thread.
pub(crate) fn run<R: Read + Send, B: Fn(&[u8]) -> Option<usize> + Send, T: Send>(
    mut chunker: Chunker<R, B>,
    parse: Parse<'_>,
    map: Map<'_, T>,
    threads: usize,
    sink: &mut dyn FnMut(T),
) -> Result<u64, LitError> {
    let work = |block: &Block| {
        let items = parse(block);
        let records = items
            .iter()
            .filter(|i| matches!(i, Item::Record(_)))
            .count() as u64;
        (records, items.into_iter().map(map).collect::<Vec<T>>())
    };
    let mut records = 0u64;
    let mut hand_out = |(n, items): (u64, Vec<T>)| {
        records += n;
        items.into_iter().for_each(&mut *sink);
    };
    if threads <= 1 {
        while let Some(block) = chunker.next_block()? {
            hand_out(work(&block));
        }
        return Ok(records);
    }
    type Done<T> = Receiver<(u64, Vec<T>)>;
    type Job<T> = (Block, SyncSender<(u64, Vec<T>)>);
    let (work_tx, work_rx) = sync_channel::<Job<T>>(threads);
    let (order_tx, order_rx) = sync_channel::<Result<Done<T>, LitError>>(threads * 2);
    let work_rx = Mutex::new(work_rx);
    std::thread::scope(|scope| {
        scope.spawn(move || loop {
            match chunker.next_block() {
                Ok(Some(block)) => {
                    let (done_tx, done_rx) = sync_channel(1);
                    if order_tx.send(Ok(done_rx)).is_err()
                        || work_tx.send((block, done_tx)).is_err()
                    {
                        return;
                    }
                }
                Ok(None) => return,
                Err(e) => {
                    let _ = order_tx.send(Err(e));
                    return;
                }
            }
        });
        for _ in 0..threads {
            let (work_rx, work) = (&work_rx, &work);
            scope.spawn(move || loop {
                let next = match work_rx.lock() {
                    Ok(rx) => rx.recv(),
                    Err(_) => return,
                };
                let Ok((block, done_tx)) = next else { return };
                let _ = done_tx.send(work(&block));
            });
        }
        // Items leave in file order: wait for each block's result in the order blocks were cut.
        for next in order_rx {
            let done = next?
                .recv()
                .map_err(|_| LitError::Format("a parsing thread stopped unexpectedly".into()))?;
            hand_out(done);
        }
        Ok::<(), LitError>(())
    })?;
    Ok(records)
}

/// The end of the last line in `bytes` that is followed by a line for which `starts` holds:
/// cutting there puts that record-start line at the head of the next block.
pub(crate) fn before_last_line_starting(
    bytes: &[u8],
    starts: impl Fn(&[u8]) -> bool,
) -> Option<usize> {
    let mut end = bytes.len();
    // Skip the (possibly incomplete) last line: it may be cut in the middle.
    end = memchr::memrchr(b'\n', &bytes[..end])?;
    while let Some(nl) = memchr::memrchr(b'\n', &bytes[..end]) {
        let line = &bytes[nl + 1..end];
        if starts(line) {
            return Some(nl + 1);
        }
        end = nl;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ends_at_x(bytes: &[u8]) -> Option<usize> {
        memchr::memrchr(b'x', bytes).map(|i| i + 1)
    }

    #[test]
    fn blocks_end_at_boundaries_and_cover_the_input() {
        let text: Vec<u8> = (0..300_000)
            .flat_map(|i| format!("rec {i}\nx\n").into_bytes())
            .collect();
        let mut chunker = Chunker::new(text.as_slice(), ends_at_x);
        let mut joined = Vec::new();
        let mut blocks = 0;
        let mut lines = 0;
        while let Some(b) = chunker.next_block().unwrap() {
            assert_eq!(b.byte as usize, joined.len());
            assert_eq!(b.line, lines);
            lines += b.bytes.iter().filter(|c| **c == b'\n').count() as u64;
            joined.extend_from_slice(&b.bytes);
            blocks += 1;
        }
        assert_eq!(joined, text);
        assert!(blocks > 1);
    }

    #[test]
    fn parallel_run_keeps_file_order() {
        let text: Vec<u8> = (0..200_000)
            .flat_map(|i| format!("{i}x").into_bytes())
            .collect();
        let parse = |b: &Block| {
            b.bytes
                .split(|c| *c == b'x')
                .filter(|s| !s.is_empty())
                .map(|s| Item::Delete(vec![String::from_utf8_lossy(s).into_owned()]))
                .collect()
        };
        let mut seen = Vec::new();
        run(
            Chunker::new(text.as_slice(), ends_at_x),
            &parse,
            &|i| i,
            3,
            &mut |i| {
                if let Item::Delete(d) = i {
                    seen.push(d[0].parse::<u32>().unwrap());
                }
            },
        )
        .unwrap();
        assert_eq!(seen, (0..200_000).collect::<Vec<_>>());
    }
}
