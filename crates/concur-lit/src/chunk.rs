//! Record-boundary chunking and the parallel read pipeline.
//!
//! A stream is cut into blocks of about [`BLOCK`] bytes that end exactly between two records, so
//! each block can be parsed on its own, on any thread, from a borrowed slice (no copy per event).
//! Each worker takes the next block itself (reading and inflating it while it holds the input),
//! parses it, turning each item into the caller's type as soon as it is read, and the calling
//! thread hands the results to the sink in file order. Halfway through a block, a worker takes
//! its next block as soon as the input is free, so that while another worker holds the input it
//! still has the rest of its block to parse. Workers stay at most a few blocks ahead of the sink,
//! and block buffers are reused, so memory stays flat whatever the file size.
//!
//! Hand-written because the job is small and specific: rayon's `par_bridge` loses the order and
//! a crate for ordered pipelines would add more than these lines.

use crate::record::Item;
use crate::LitError;
use std::io::Read;
use std::ops::ControlFlow;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Condvar, Mutex};

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

/// Parses one block, handing each item to the given function, in order, as soon as it is read.
pub(crate) type Parse<'p> = &'p (dyn Fn(&Block, &mut dyn FnMut(Item)) + Sync);

/// Cuts a stream into blocks at record boundaries. `B` says where the last record boundary of
/// some bytes is: the length of the prefix that holds only whole records, or None when there is
/// none yet.
pub(crate) struct Chunker<R, B> {
    input: R,
    /// The bytes after the last cut, which start the next block.
    pending: Vec<u8>,
    /// Buffers of parsed blocks, for the next blocks: a fresh megabyte each time cost page faults
    /// (zeroing new memory was half the reading thread's time when a file started).
    spare: Vec<Vec<u8>>,
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
            spare: Vec::new(),
            byte: 0,
            line: 0,
            boundary,
            done: false,
        }
    }

    /// Takes back the buffer of a block that has been parsed.
    pub(crate) fn recycle(&mut self, mut buffer: Vec<u8>) {
        if self.spare.len() < 4 {
            buffer.clear();
            self.spare.push(buffer);
        }
    }

    /// The next block, or None at the end. A record larger than a block makes the block grow
    /// until the record ends (memory is bounded by the largest record, not by the file).
    pub(crate) fn next_block(&mut self) -> Result<Option<Block>, LitError> {
        if self.done {
            return Ok(None);
        }
        let mut buf = self
            .spare
            .pop()
            .unwrap_or_else(|| Vec::with_capacity(BLOCK + BLOCK / 4));
        buf.extend_from_slice(&self.pending);
        self.pending.clear();
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
        self.pending.extend_from_slice(&buf[cut..]);
        buf.truncate(cut);
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
/// thread as soon as it is parsed, hands the results to `sink` in file order, and returns the
/// number of records handed out. With one thread everything runs on the caller's thread. When
/// `sink` says [`ControlFlow::Break`], nothing more is read or handed out.
pub(crate) fn run<R: Read + Send, B: Fn(&[u8]) -> Option<usize> + Send, T: Send>(
    mut chunker: Chunker<R, B>,
    parse: Parse<'_>,
    map: Map<'_, T>,
    threads: usize,
    sink: &mut dyn FnMut(T) -> ControlFlow<()>,
) -> Result<u64, LitError> {
    let mut records = 0u64;
    if threads <= 1 {
        while let Some(block) = chunker.next_block()? {
            let mut stop = false;
            parse(&block, &mut |item| {
                if stop {
                    return;
                }
                if matches!(item, Item::Record(_)) {
                    records += 1;
                }
                stop = sink(map(item)).is_break();
            });
            if stop {
                break;
            }
            chunker.recycle(block.bytes);
        }
        return Ok(records);
    }
    // Hands a block's items to the sink; true when the sink says to stop.
    let mut hand_out = |(n, items): (u64, Vec<T>)| {
        records += n;
        items.into_iter().any(|item| sink(item).is_break())
    };
    // Every worker reads (and inflates) its next block itself, in turn, then parses it: no
    // thread waits on a reading thread that the scheduler has put aside. (A separate reading
    // thread left the cores idle about a tenth of the time; docs/benchmarks.md.)
    // Blocks parse in uneven times, so a worker may run a few blocks ahead of the one the sink
    // waits for. Two blocks a thread: with four, workers no longer waited at this limit (3-20 ms
    // per two-file import), but imports were no faster in A/B runs and took more memory
    // (docs/benchmarks.md).
    let window = (threads * 2) as u64;
    let source = Mutex::new(Source { chunker, cut: 0 });
    let progress = Progress {
        handed: AtomicU64::new(0),
        stop: AtomicBool::new(false),
        gate: Mutex::new(()),
        handed_out: Condvar::new(),
    };
    let mailbox = Mailbox::new(threads);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            let (source, progress, mailbox) = (&source, &progress, &mailbox);
            scope.spawn(move || {
                // Tells the hand-out thread when this worker ends, however it ends.
                let _leaving = Leaving(mailbox);
                // The buffer of the last block parsed, handed back with the next take of the
                // input, and the next block when it was taken while parsing the last one.
                let mut spent: Option<Vec<u8>> = None;
                let mut ahead: Option<Option<(u64, Block)>> = None;
                loop {
                    let next = match ahead.take() {
                        Some(next) => next,
                        None => loop {
                            let Ok(mut src) = source.lock() else { return };
                            src.give_back(&mut spent);
                            if progress.stopped() || progress.has_room(src.cut, window) {
                                break src.take(progress, mailbox);
                            }
                            // At most `window` blocks ahead of the sink: memory stays flat.
                            let cut = src.cut;
                            drop(src);
                            if !progress.wait_for_room(cut, window) {
                                return;
                            }
                        },
                    };
                    let Some((seq, block)) = next else { return };
                    // Once past the first half of its block, the worker takes its next block as
                    // soon as the input is free, and parses the rest of this one after: while
                    // another worker holds the input (inflating), this one still has work.
                    // (Past a quarter or three quarters measured the same; never early was
                    // slower; docs/benchmarks.md.) Each item is turned into a `T` the moment it
                    // is parsed, while its record is still in the cache: turning a whole parsed
                    // block later cost about 5 % more CPU with two threads.
                    let early = block.byte + block.bytes.len() as u64 / 2;
                    let mut out = Vec::with_capacity(256);
                    let mut count = 0u64;
                    let parsed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        parse(&block, &mut |item| {
                            let at = item.byte();
                            if matches!(item, Item::Record(_)) {
                                count += 1;
                            }
                            out.push(map(item));
                            if ahead.is_none() && at >= early {
                                if let Ok(mut src) = source.try_lock() {
                                    src.give_back(&mut spent);
                                    if progress.stopped() || progress.has_room(src.cut, window) {
                                        ahead = Some(src.take(progress, mailbox));
                                    }
                                }
                            }
                        })
                    }));
                    let done = match parsed {
                        Ok(()) => Ok((count, out)),
                        Err(_) => Err(stopped_unexpectedly()),
                    };
                    mailbox.post(seq, done);
                    spent = Some(block.bytes);
                }
            });
        }
        // Items leave in file order: results that arrive early wait for the ones before them.
        let mut next = 0u64;
        let mut outcome = Ok(());
        let mut halted = false;
        while let Some(result) = mailbox.collect(next) {
            next += 1;
            match result {
                Ok(done) if outcome.is_ok() && !halted => {
                    if hand_out(done) {
                        // The sink wants no more: no more blocks are cut, and those
                        // already parsed are dropped.
                        halted = true;
                        progress.stop.store(true, Ordering::Release);
                    }
                }
                Ok(_) => {}
                Err(e) => {
                    if outcome.is_ok() {
                        outcome = Err(e);
                    }
                    progress.stop.store(true, Ordering::Release);
                }
            }
            progress.set_handed(next);
        }
        outcome
    })?;
    Ok(records)
}

/// A parsed block as workers send it to the hand-out thread: its record count and items, or why
/// it could not be read.
type Done<T> = Result<(u64, Vec<T>), LitError>;

/// Where workers leave parsed blocks for the hand-out thread, by number. Hand-written rather
/// than a channel: the hand-out thread is woken only when the block it waits for arrives, and
/// no lock is held while anyone sleeps (with `std::sync::mpsc`, workers and the hand-out thread
/// waited on the channel's own lock, leaving a core idle; docs/benchmarks.md).
struct Mailbox<T> {
    state: Mutex<Letters<T>>,
    arrived: Condvar,
}

struct Letters<T> {
    early: std::collections::BTreeMap<u64, Done<T>>,
    /// Workers still running: when none is, nothing more will come.
    workers: usize,
    /// The number the hand-out thread is waiting for, if it waits.
    wanted: Option<u64>,
}

impl<T> Mailbox<T> {
    fn new(workers: usize) -> Self {
        Mailbox {
            state: Mutex::new(Letters {
                early: std::collections::BTreeMap::new(),
                workers,
                wanted: None,
            }),
            arrived: Condvar::new(),
        }
    }

    /// Leaves block number `seq`.
    fn post(&self, seq: u64, done: Done<T>) {
        let Ok(mut letters) = self.state.lock() else {
            return;
        };
        letters.early.insert(seq, done);
        let wake = letters.wanted == Some(seq);
        drop(letters);
        if wake {
            self.arrived.notify_one();
        }
    }

    /// Block number `seq`, waiting for it; None when every worker has ended without it.
    fn collect(&self, seq: u64) -> Option<Done<T>> {
        let mut letters = self.state.lock().ok()?;
        loop {
            if let Some(done) = letters.early.remove(&seq) {
                letters.wanted = None;
                return Some(done);
            }
            if letters.workers == 0 {
                return None;
            }
            letters.wanted = Some(seq);
            letters = self.arrived.wait(letters).ok()?;
        }
    }
}

/// Marks a worker's end in the [`Mailbox`] when dropped.
struct Leaving<'m, T>(&'m Mailbox<T>);

impl<T> Drop for Leaving<'_, T> {
    fn drop(&mut self) {
        if let Ok(mut letters) = self.0.state.lock() {
            letters.workers -= 1;
        }
        self.0.arrived.notify_one();
    }
}

fn stopped_unexpectedly() -> LitError {
    LitError::Format("a parsing thread stopped unexpectedly".into())
}

/// The input side shared by the workers of [`run`]: whoever holds it reads (and inflates) the
/// next block.
struct Source<R, B> {
    chunker: Chunker<R, B>,
    /// Blocks cut so far (the next block's number).
    cut: u64,
}

impl<R: Read, B: Fn(&[u8]) -> Option<usize>> Source<R, B> {
    /// Takes back the buffer of a worker's last parsed block, if it has one.
    fn give_back(&mut self, spent: &mut Option<Vec<u8>>) {
        if let Some(buffer) = spent.take() {
            self.chunker.recycle(buffer);
        }
    }

    /// Cuts the next block, with its number; None at the end, after a stop, or when the reading
    /// fails (the error then goes to the hand-out thread under the failing number, and
    /// everything stops).
    fn take<T>(&mut self, progress: &Progress, mailbox: &Mailbox<T>) -> Option<(u64, Block)> {
        if progress.stopped() {
            return None;
        }
        match self.chunker.next_block() {
            Ok(Some(block)) => {
                self.cut += 1;
                Some((self.cut - 1, block))
            }
            Ok(None) => None,
            Err(e) => {
                progress.stop.store(true, Ordering::Release);
                mailbox.post(self.cut, Err(e));
                None
            }
        }
    }
}

/// How far the hand-out thread of [`run`] has come, kept apart from the input's lock so that
/// handing out never waits for a worker that is inflating (that wait held up the database
/// thread; docs/benchmarks.md).
struct Progress {
    /// Blocks handed to the sink so far.
    handed: AtomicU64,
    /// Set when reading or parsing failed or the sink said to stop: no more blocks are cut.
    stop: AtomicBool,
    /// Guards waiting for `handed` to move, so that no wake-up is lost.
    gate: Mutex<()>,
    handed_out: Condvar,
}

impl Progress {
    fn stopped(&self) -> bool {
        self.stop.load(Ordering::Acquire)
    }

    /// Whether block number `cut` may be cut: at most `window` blocks ahead of the sink.
    fn has_room(&self, cut: u64, window: u64) -> bool {
        cut < self.handed.load(Ordering::Acquire) + window
    }

    /// Waits until block number `cut` may be cut or everything stops; false when the lock is
    /// poisoned.
    fn wait_for_room(&self, cut: u64, window: u64) -> bool {
        let Ok(mut gate) = self.gate.lock() else {
            return false;
        };
        while !self.stopped() && !self.has_room(cut, window) {
            gate = match self.handed_out.wait(gate) {
                Ok(gate) => gate,
                Err(_) => return false,
            };
        }
        true
    }

    /// Records that `handed` blocks are out and wakes the workers (also those to be told of a
    /// stop, which is set before).
    fn set_handed(&self, handed: u64) {
        self.handed.store(handed, Ordering::Release);
        // Taking the gate orders this store with a worker between its check and its wait.
        drop(self.gate.lock());
        self.handed_out.notify_all();
    }
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

    /// "0x1x2x...": numbers, each record ending at an `x`.
    fn counted(n: u32) -> Vec<u8> {
        (0..n).flat_map(|i| format!("{i}x").into_bytes()).collect()
    }

    /// A parser of [`counted`] blocks: one item per number, placed where the number starts (so
    /// that workers take their next block early, as with real records).
    fn numbers(b: &Block, emit: &mut dyn FnMut(Item)) {
        let mut at = 0;
        for s in b.bytes.split(|c| *c == b'x') {
            if !s.is_empty() {
                emit(Item::Rejected(crate::Problem {
                    position: crate::Position {
                        byte: b.byte + at as u64,
                        line: 0,
                    },
                    reason: String::from_utf8_lossy(s).into_owned(),
                }));
            }
            at += s.len() + 1;
        }
    }

    /// The number of an item of [`numbers`].
    fn number(item: &Item) -> Option<u32> {
        match item {
            Item::Rejected(p) => p.reason.parse().ok(),
            _ => None,
        }
    }

    /// The numbers a run hands out, in order.
    fn collect_numbers<R: Read + Send>(
        input: R,
        parse: Parse<'_>,
        threads: usize,
    ) -> (Result<u64, LitError>, Vec<u32>) {
        let mut seen = Vec::new();
        let result = run(
            Chunker::new(input, ends_at_x),
            parse,
            &|i| i,
            threads,
            &mut |i| {
                seen.extend(number(&i));
                ControlFlow::Continue(())
            },
        );
        (result, seen)
    }

    #[test]
    fn parallel_run_keeps_file_order() {
        let (result, seen) = collect_numbers(counted(200_000).as_slice(), &numbers, 3);
        result.unwrap();
        assert_eq!(seen, (0..200_000).collect::<Vec<_>>());
    }

    /// Gives `good` bytes, then an I/O error.
    struct FailsAfter {
        good: Vec<u8>,
        at: usize,
    }

    impl Read for FailsAfter {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if self.at == self.good.len() {
                return Err(std::io::Error::other("disk gone"));
            }
            let n = buf.len().min(self.good.len() - self.at).min(4096);
            buf[..n].copy_from_slice(&self.good[self.at..self.at + n]);
            self.at += n;
            Ok(n)
        }
    }

    #[test]
    fn a_read_error_comes_after_every_item_before_it() {
        for threads in [1, 2, 3] {
            let input = FailsAfter {
                good: counted(600_000),
                at: 0,
            };
            let (result, seen) = collect_numbers(input, &numbers, threads);
            assert!(matches!(result, Err(LitError::Io(_))), "{threads} threads");
            // Whole blocks before the failure arrive, in order, and nothing after a gap.
            assert!(!seen.is_empty() && seen.len() < 600_000);
            assert_eq!(seen, (0..seen.len() as u32).collect::<Vec<_>>());
        }
    }

    /// Counts the bytes read through it.
    struct Counting<'a> {
        inner: &'a [u8],
        read: &'a std::sync::atomic::AtomicUsize,
    }

    impl Read for Counting<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.inner.read(buf)?;
            self.read.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
            Ok(n)
        }
    }

    #[test]
    fn a_sink_that_says_stop_ends_the_reading() {
        let text = counted(3_000_000);
        for threads in [1, 2, 3] {
            let read = std::sync::atomic::AtomicUsize::new(0);
            let input = Counting {
                inner: &text,
                read: &read,
            };
            let mut seen = Vec::new();
            let result = run(
                Chunker::new(input, ends_at_x),
                &numbers,
                &|i| i,
                threads,
                &mut |i| {
                    seen.extend(number(&i));
                    if seen.len() == 1000 {
                        ControlFlow::Break(())
                    } else {
                        ControlFlow::Continue(())
                    }
                },
            );
            assert!(result.is_ok(), "{threads} threads: {result:?}");
            // Nothing after the stop, and the reading stopped within a few blocks of it.
            assert_eq!(seen, (0..1000).collect::<Vec<_>>(), "{threads} threads");
            let bytes = read.load(std::sync::atomic::Ordering::Relaxed);
            assert!(
                bytes < 20 * BLOCK && bytes < text.len() / 2,
                "{threads} threads read {bytes} of {} bytes",
                text.len()
            );
        }
    }

    #[test]
    fn workers_held_at_the_window_go_on_when_a_slow_block_is_handed_out() {
        // The first block parses slowly, so the others run ahead until the window stops them;
        // a lost wake-up would hang here.
        let parse = |b: &Block, emit: &mut dyn FnMut(Item)| {
            if b.byte == 0 {
                std::thread::sleep(std::time::Duration::from_millis(200));
            }
            numbers(b, emit)
        };
        for threads in [2, 3] {
            let (result, seen) = collect_numbers(counted(1_000_000).as_slice(), &parse, threads);
            result.unwrap();
            assert_eq!(
                seen,
                (0..1_000_000).collect::<Vec<_>>(),
                "{threads} threads"
            );
        }
    }

    #[test]
    fn a_map_that_panics_is_an_error_not_a_hang() {
        let mut handed = 0;
        let result = run(
            Chunker::new(counted(300_000).as_slice(), ends_at_x),
            &numbers,
            &|i| match number(&i) {
                Some(250_000) => panic!("cannot map"),
                _ => i,
            },
            2,
            &mut |_| {
                handed += 1;
                ControlFlow::Continue(())
            },
        );
        assert!(
            matches!(&result, Err(LitError::Format(m)) if m.contains("stopped unexpectedly")),
            "{result:?}"
        );
        assert!(handed < 250_000);
    }

    #[test]
    fn a_parser_that_panics_is_an_error_not_a_hang() {
        let parse = |b: &Block, emit: &mut dyn FnMut(Item)| {
            assert!(b.byte == 0, "only the first block parses");
            numbers(b, emit)
        };
        let (result, _) = collect_numbers(counted(300_000).as_slice(), &parse, 2);
        assert!(
            matches!(&result, Err(LitError::Format(m)) if m.contains("stopped unexpectedly")),
            "{result:?}"
        );
    }
}
