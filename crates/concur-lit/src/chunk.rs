//! Record-boundary chunking and the parallel read pipeline.
//!
//! A stream is cut into blocks of about [`BLOCK`] bytes that end exactly between two records, so
//! each block can be parsed on its own, on any thread, from a borrowed slice (no copy per event).
//! Each worker takes the next block itself (reading and inflating it while it holds the input),
//! parses it, turning each item into the caller's type as soon as it is read, and leaves the
//! results in a mailbox. The caller's thread is one of the workers: it hands the parsed blocks
//! to the sink in file order as they become ready, and parses a block itself whenever none is.
//! Halfway through a block, a worker takes its next block as soon as the input is free, so that
//! while another worker holds the input it still has the rest of its block to parse. Workers
//! stay at most a few blocks ahead of the sink, and block buffers are reused, so memory stays
//! flat whatever the file size. Several inputs are one stream: the next one is opened when the last
//! block of the one before has been cut, and an input's end reaches the sink after its last
//! block, while the next input is already being parsed.
//!
//! Hand-written because the job is small and specific: rayon's `par_bridge` loses the order and
//! a crate for ordered pipelines would add more than these lines.

use crate::record::Item;
use crate::{Event, LitError};
use std::io::Read;
use std::ops::ControlFlow;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex};

/// Target size of one block.
pub(crate) const BLOCK: usize = 1 << 20;

/// The largest record read, in bytes: a block grows to hold a long record, and no bibliographic
/// record comes near this (PubMed's longest are a few hundred kilobytes).
pub const MAX_RECORD: usize = 16 << 20;

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
    /// until the record ends (memory is bounded by the largest record, not by the file), up to
    /// [`MAX_RECORD`], past which reading stops with an error that says where.
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
                _ if buf.len() >= MAX_RECORD => {
                    self.done = true;
                    return Err(LitError::Format(format!(
                        "the record starting at line {} (byte {}) is over {} MB, the most concur \
                         reads in one record; it and what follows it were not read",
                        self.line + 1,
                        self.byte,
                        MAX_RECORD >> 20
                    )));
                }
                _ => want = (buf.len() * 2).min(MAX_RECORD),
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

/// One input cut into blocks: a [`Chunker`] of any reader and boundary, so that the inputs of one
/// [`run_inputs`] may differ in both.
pub(crate) trait Cut: Send {
    /// The next block, or None at the end (see [`Chunker::next_block`]).
    fn next_block(&mut self) -> Result<Option<Block>, LitError>;
    /// Takes back the buffer of a parsed block (of this input or another).
    fn recycle(&mut self, buffer: Vec<u8>);
    /// Reads whatever the reader holds after the last block, so that damage at the very end (a
    /// truncated gzip stream) is noticed.
    fn finish(&mut self) -> Result<(), LitError>;
}

impl<R: Read + Send, B: Fn(&[u8]) -> Option<usize> + Send> Cut for Chunker<R, B> {
    fn next_block(&mut self) -> Result<Option<Block>, LitError> {
        Chunker::next_block(self)
    }

    fn recycle(&mut self, buffer: Vec<u8>) {
        Chunker::recycle(self, buffer)
    }

    fn finish(&mut self) -> Result<(), LitError> {
        std::io::copy(&mut self.input, &mut std::io::sink())?;
        Ok(())
    }
}

/// An input of [`run_inputs`], opened: how to cut it and how to parse its blocks.
pub(crate) struct Input<'a> {
    pub cut: Box<dyn Cut + 'a>,
    pub parse: Parse<'a>,
    /// Turns a reading error into what to report (a gzip stream's I/O error is damage).
    pub describe: fn(LitError) -> LitError,
}

/// Opens input number `i` of [`run_inputs`], when its turn comes (so that only one is open).
pub(crate) type Open<'o, 'a> = &'o mut (dyn FnMut(usize) -> Result<Input<'a>, LitError> + Send);

/// Turns each item into what the caller wants, on the parsing threads.
pub(crate) type Map<'m, T> = &'m (dyn Fn(Item) -> T + Sync);

/// Takes the items in file order; says [`ControlFlow::Break`] to stop the reading. It runs on
/// the caller's thread.
pub(crate) type Sink<'s, T> = &'s mut dyn FnMut(T) -> ControlFlow<()>;

/// The sink of [`run_inputs`]: every item and then the end of each input, with its number, in
/// order. Called like a [`Sink`].
pub(crate) type EventSink<'s, T> = &'s mut dyn FnMut(usize, Event<T>) -> ControlFlow<()>;

/// Blocks the workers may run ahead of the sink, per thread: the slack between the workers that
/// only parse and the caller's thread, which runs the sink and parses. Memory stays flat, bounded
/// by this window whatever the input's size.
const WINDOW_PER_THREAD: usize = 8;

/// Reads the whole input, turns every item into a `T` with `map` on the same thread as soon as it
/// is parsed, hands the results to `sink` in file order, and returns the number of records handed
/// out. The sink runs on the caller's thread; with one thread, everything does. When `sink` says
/// [`ControlFlow::Break`], nothing more is read or handed out.
pub(crate) fn run<T: Send>(
    input: Input<'_>,
    map: Map<'_, T>,
    threads: usize,
    sink: Sink<'_, T>,
) -> Result<u64, LitError> {
    let mut input = Some(input);
    let mut open = |_| {
        input
            .take()
            .ok_or_else(|| LitError::Format("the input is read once".into()))
    };
    let mut end = Ok(());
    let records = run_inputs(1, &mut open, map, threads, &mut |_, event| match event {
        Event::Item(item) => sink(item),
        Event::End(result) => {
            end = result.map(|_| ());
            ControlFlow::Continue(())
        }
    })?;
    end.map(|()| records)
}

/// Reads `inputs` inputs one after another as one stream of blocks (the next input's first
/// blocks are parsed while the last ones of the input before are still being handed out), turns
/// every item into a `T` with `map` on the parsing thread, and hands the items and then each
/// input's end to `sink`, in order. An input that cannot be opened or read ends with its error,
/// and the next one is read. The sink runs on the caller's thread. Returns the number of records
/// handed out; fails only when a parser, `map` or `sink` panicked. When `sink` says
/// [`ControlFlow::Break`], nothing more is read or handed out.
pub(crate) fn run_inputs<'a, T: Send>(
    inputs: usize,
    open: Open<'_, 'a>,
    map: Map<'_, T>,
    threads: usize,
    sink: EventSink<'_, T>,
) -> Result<u64, LitError> {
    if threads <= 1 {
        return Ok(run_alone(inputs, open, map, sink));
    }
    // Every worker reads (and inflates) its next block itself, in turn, then parses it: no
    // thread waits on a reading thread that the scheduler has put aside. The caller's thread
    // hands the parsed blocks to the sink, in order, and parses blocks itself whenever none is
    // ready: no thread of its own for the sink, so no third thread takes turns on two cores, and
    // the sink's state stays in one core's cache.
    let shared = Shared {
        source: Mutex::new(Source {
            open,
            inputs,
            current: None,
            next: 0,
            spare: Vec::new(),
            cut: 0,
        }),
        stop: AtomicBool::new(false),
        mailbox: Mailbox::new(),
        map,
        window: (threads * WINDOW_PER_THREAD) as u64,
    };
    let mut desk = Desk {
        records: 0,
        all_records: 0,
        failed: None,
        outcome: Ok(()),
        halted: false,
        sink,
    };
    std::thread::scope(|scope| {
        for _ in 1..threads {
            scope.spawn(|| shared.parse_only());
        }
        shared.hand_out_and_parse(&mut desk);
    });
    desk.outcome.map(|()| desk.all_records)
}

/// [`run_inputs`] on the caller's thread alone.
fn run_alone<T>(inputs: usize, open: Open<'_, '_>, map: Map<'_, T>, sink: EventSink<'_, T>) -> u64 {
    let mut all_records = 0;
    for i in 0..inputs {
        let mut input = match open(i) {
            Ok(input) => input,
            Err(e) => {
                if sink(i, Event::End(Err(e))).is_break() {
                    break;
                }
                continue;
            }
        };
        let mut records = 0u64;
        let mut stop = false;
        let end = loop {
            let block = match input.cut.next_block() {
                Ok(Some(block)) => block,
                Ok(None) => break input.cut.finish().map(|()| records),
                Err(e) => break Err(e),
            };
            (input.parse)(&block, &mut |item| {
                if stop {
                    return;
                }
                if matches!(item, Item::Record(_)) {
                    records += 1;
                }
                stop = sink(i, Event::Item(map(item))).is_break();
            });
            if stop {
                break Ok(records);
            }
            input.cut.recycle(block.bytes);
        };
        all_records += records;
        if stop || sink(i, Event::End(end.map_err(input.describe))).is_break() {
            break;
        }
    }
    all_records
}

/// What the workers of [`run_inputs`] share.
struct Shared<'s, 'o, 'a, T> {
    source: Mutex<Source<'o, 'a>>,
    /// Set when a sink panicked or said to stop: no more blocks are cut.
    stop: AtomicBool,
    mailbox: Mailbox<T>,
    map: Map<'s, T>,
    /// How many blocks may be cut beyond the last one handed out: memory stays flat.
    window: u64,
}

impl<'a, T> Shared<'_, '_, 'a, T> {
    /// A worker that parses blocks and leaves them in the mailbox, until the inputs end or
    /// everything stops.
    fn parse_only(&self) {
        let mut spent = None;
        let mut ahead = None;
        loop {
            let next = match ahead.take() {
                Some(next) => next,
                None => loop {
                    let Ok(mut src) = self.source.lock() else {
                        return;
                    };
                    src.give_back(&mut spent);
                    if stopped(&self.stop) || self.mailbox.has_room(src.cut, self.window) {
                        break src.take(&self.stop, &self.mailbox);
                    }
                    let cut = src.cut;
                    drop(src);
                    if !self.mailbox.wait_for_room(cut, self.window, &self.stop) {
                        return;
                    }
                },
            };
            let Some(taken) = next else { return };
            ahead = self.parse(taken, &mut spent);
        }
    }

    /// The caller's thread: hands every block that is ready to the sink, in order, and parses a
    /// block itself whenever none is; then, once every input has been cut, hands out the rest.
    fn hand_out_and_parse(&self, desk: &mut Desk<'_, T>) {
        let (source, stop, mailbox) = (&self.source, &self.stop, &self.mailbox);
        let mut spent = None;
        let mut ahead = None;
        loop {
            self.mailbox.hand_out(desk, stop);
            let next = match ahead.take() {
                Some(next) => next,
                None => {
                    let Ok(mut src) = source.lock() else { return };
                    src.give_back(&mut spent);
                    if !stopped(stop) && !mailbox.has_room(src.cut, self.window) {
                        // The block the sink waits for is being parsed by another worker.
                        drop(src);
                        if !mailbox.wait_for_next() {
                            return;
                        }
                        continue;
                    }
                    src.take(stop, mailbox)
                }
            };
            let Some(taken) = next else { break };
            ahead = self.parse(taken, &mut spent);
        }
        // Every block has been cut (or everything stops): the last ones arrive from the other
        // workers.
        let Ok(cut) = source.lock().map(|src| src.cut) else {
            return;
        };
        while mailbox.hand_out(desk, stop) < cut {
            if !mailbox.wait_for_next() {
                return;
            }
        }
    }

    /// Parses a block, turning each item into a `T` as soon as it is read, and leaves it in the
    /// mailbox; the block's buffer goes to `spent`. Returns the next block if it was taken while
    /// parsing this one.
    fn parse(&self, taken: Taken<'a>, spent: &mut Option<Vec<u8>>) -> Option<Option<Taken<'a>>> {
        let (source, stop, mailbox) = (&self.source, &self.stop, &self.mailbox);
        let Taken {
            seq,
            input,
            parse,
            block,
        } = taken;
        let mut ahead = None;
        // Once past the first half of its block, the worker takes its next block as soon as the
        // input is free, and parses the rest of this one after: while another worker holds the
        // input (inflating), this one still has work. Each item is turned into a `T` the moment
        // it is parsed, while its record is still in the cache.
        let early = block.byte + block.bytes.len() as u64 / 2;
        let mut out = Vec::with_capacity(256);
        let mut count = 0u64;
        let parsed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            parse(&block, &mut |item| {
                let at = item.byte();
                if matches!(item, Item::Record(_)) {
                    count += 1;
                }
                out.push((self.map)(item));
                if ahead.is_none() && at >= early {
                    if let Ok(mut src) = source.try_lock() {
                        src.give_back(spent);
                        if stopped(stop) || mailbox.has_room(src.cut, self.window) {
                            ahead = Some(src.take(stop, mailbox));
                        }
                    }
                }
            })
        }));
        let done = match parsed {
            Ok(()) => Ok((count, out)),
            Err(_) => Err(stopped_unexpectedly()),
        };
        mailbox.post(seq, Letter::Block { input, done });
        *spent = Some(block.bytes);
        ahead
    }
}

/// A block cut from an input, with its number in the stream of all inputs' blocks.
struct Taken<'a> {
    seq: u64,
    input: usize,
    parse: Parse<'a>,
    block: Block,
}

/// The sink of [`run_inputs`] and what has come of handing blocks to it.
struct Desk<'s, T> {
    /// Records handed out of the current input, and of all.
    records: u64,
    all_records: u64,
    /// The input whose end has been handed out early, because one of its blocks failed: what
    /// else comes of it is dropped.
    failed: Option<usize>,
    /// Set when a sink panicked.
    outcome: Result<(), LitError>,
    /// Whether the sink has said to stop.
    halted: bool,
    sink: EventSink<'s, T>,
}

impl<T> Desk<'_, T> {
    /// Hands what one letter holds to the sink.
    fn take(&mut self, letter: Letter<T>, stop: &AtomicBool) {
        if self.halted || self.outcome.is_err() {
            return;
        }
        let said = match letter {
            Letter::Block { input, .. } | Letter::End { input, .. }
                if self.failed == Some(input) =>
            {
                return;
            }
            Letter::Block {
                input,
                done: Ok((n, items)),
            } => {
                self.records += n;
                self.all_records += n;
                let sink = &mut self.sink;
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    items
                        .into_iter()
                        .any(|item| sink(input, Event::Item(item)).is_break())
                }))
            }
            Letter::Block {
                input,
                done: Err(e),
            } => {
                self.failed = Some(input);
                self.end(input, Err(e))
            }
            Letter::End { input, result } => {
                let records = self.records;
                self.end(input, result.map(|()| records))
            }
        };
        // Whether the sink said to stop, or panicked.
        match said {
            Ok(false) => return,
            Ok(true) => self.halted = true,
            Err(_) => self.outcome = Err(stopped_unexpectedly()),
        }
        // No more blocks are cut, and those already parsed are dropped; workers waiting for room
        // are woken when the letter is counted.
        stop.store(true, Ordering::Release);
    }

    /// Hands the end of an input to the sink; the next input's records count from zero.
    fn end(&mut self, input: usize, result: Result<u64, LitError>) -> std::thread::Result<bool> {
        self.records = 0;
        let sink = &mut self.sink;
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            sink(input, Event::End(result)).is_break()
        }))
    }
}

/// A parsed block (its record count and items, or why it could not be read) or the end of an
/// input, as workers leave them to be handed out.
enum Letter<T> {
    Block {
        input: usize,
        done: Done<T>,
    },
    End {
        input: usize,
        result: Result<(), LitError>,
    },
}

type Done<T> = Result<(u64, Vec<T>), LitError>;

/// Where workers leave parsed blocks, by number, until the caller's thread hands them out in
/// order. Hand-written rather than a channel: blocks arrive out of order and leave in order.
struct Mailbox<T> {
    state: Mutex<Letters<T>>,
    /// Wakes workers waiting for room when a letter has been handed out.
    room: Condvar,
    /// Wakes the caller's thread, waiting for the letter the sink waits for, when it arrives.
    arrived: Condvar,
}

struct Letters<T> {
    early: std::collections::BTreeMap<u64, Letter<T>>,
    /// Letters handed out so far: the number the sink waits for.
    handed: u64,
    /// Whether the caller's thread waits for letter number `handed`.
    waiting: bool,
}

impl<T> Mailbox<T> {
    fn new() -> Self {
        Mailbox {
            state: Mutex::new(Letters {
                early: std::collections::BTreeMap::new(),
                handed: 0,
                waiting: false,
            }),
            room: Condvar::new(),
            arrived: Condvar::new(),
        }
    }

    /// Leaves letter number `seq`, waking the caller's thread if it waits for that one.
    fn post(&self, seq: u64, letter: Letter<T>) {
        if let Ok(mut letters) = self.state.lock() {
            letters.early.insert(seq, letter);
            if letters.waiting && seq == letters.handed {
                letters.waiting = false;
                self.arrived.notify_one();
            }
        }
    }

    /// Hands the letters to `desk` in order, as long as the next one has arrived, and returns
    /// the number handed out so far. Workers waiting for room are woken after each letter.
    fn hand_out(&self, desk: &mut Desk<'_, T>, stop: &AtomicBool) -> u64 {
        let Ok(mut letters) = self.state.lock() else {
            return u64::MAX;
        };
        loop {
            let handed = letters.handed;
            let Some(letter) = letters.early.remove(&handed) else {
                return handed;
            };
            drop(letters);
            desk.take(letter, stop);
            letters = match self.state.lock() {
                Ok(letters) => letters,
                Err(_) => return u64::MAX,
            };
            letters.handed += 1;
            self.room.notify_all();
        }
    }

    /// Waits until the letter the sink waits for has arrived; false when the lock is poisoned.
    fn wait_for_next(&self) -> bool {
        let Ok(mut letters) = self.state.lock() else {
            return false;
        };
        while !letters.early.contains_key(&letters.handed) {
            letters.waiting = true;
            letters = match self.arrived.wait(letters) {
                Ok(letters) => letters,
                Err(_) => return false,
            };
        }
        true
    }

    /// Whether letter number `cut` may be cut: at most `window` ahead of the sink.
    fn has_room(&self, cut: u64, window: u64) -> bool {
        self.state
            .lock()
            .is_ok_and(|letters| cut < letters.handed + window)
    }

    /// Waits until letter number `cut` may be cut or everything stops; false when the lock is
    /// poisoned. (A stop is set before the letter that set it is counted, which wakes this.)
    fn wait_for_room(&self, cut: u64, window: u64, stop: &AtomicBool) -> bool {
        let Ok(mut letters) = self.state.lock() else {
            return false;
        };
        while !stopped(stop) && cut >= letters.handed + window {
            letters = match self.room.wait(letters) {
                Ok(letters) => letters,
                Err(_) => return false,
            };
        }
        true
    }
}

fn stopped_unexpectedly() -> LitError {
    LitError::Format("a parsing thread stopped unexpectedly".into())
}

/// The input side shared by the workers of [`run_inputs`]: whoever holds it reads (and inflates)
/// the next block, opening the next input when one ends.
struct Source<'o, 'a> {
    open: Open<'o, 'a>,
    inputs: usize,
    /// The input being cut, with its number.
    current: Option<(usize, Input<'a>)>,
    /// The number of the next input to open.
    next: usize,
    /// Buffers given back while no input is open.
    spare: Vec<Vec<u8>>,
    /// Letters numbered so far (the next one's number): blocks and ends of inputs.
    cut: u64,
}

impl<'a> Source<'_, 'a> {
    /// Takes back the buffer of a worker's last parsed block, if it has one.
    fn give_back(&mut self, spent: &mut Option<Vec<u8>>) {
        if let Some(buffer) = spent.take() {
            match &mut self.current {
                Some((_, input)) => input.cut.recycle(buffer),
                None if self.spare.len() < 4 => self.spare.push(buffer),
                None => {}
            }
        }
    }

    /// Cuts the next block, with its number; None when every input has ended, or after a stop.
    /// The end of each input (with its error, if it could not be opened or read) is posted
    /// under its own number, to reach the sink after every block of the input.
    fn take<T>(&mut self, stop: &AtomicBool, mailbox: &Mailbox<T>) -> Option<Taken<'a>> {
        loop {
            if stopped(stop) {
                return None;
            }
            let Some((i, input)) = &mut self.current else {
                if self.next == self.inputs {
                    return None;
                }
                let i = self.next;
                self.next += 1;
                match (self.open)(i) {
                    Ok(mut input) => {
                        for buffer in self.spare.drain(..) {
                            input.cut.recycle(buffer);
                        }
                        self.current = Some((i, input));
                    }
                    Err(e) => self.post_end(mailbox, i, Err(e)),
                }
                continue;
            };
            let i = *i;
            let end = match input.cut.next_block() {
                Ok(Some(block)) => {
                    self.cut += 1;
                    return Some(Taken {
                        seq: self.cut - 1,
                        input: i,
                        parse: input.parse,
                        block,
                    });
                }
                Ok(None) => input.cut.finish(),
                Err(e) => Err(e),
            };
            let end = end.map_err(input.describe);
            self.current = None;
            self.post_end(mailbox, i, end);
        }
    }

    fn post_end<T>(&mut self, mailbox: &Mailbox<T>, input: usize, result: Result<(), LitError>) {
        mailbox.post(self.cut, Letter::End { input, result });
        self.cut += 1;
    }
}

fn stopped(stop: &AtomicBool) -> bool {
    stop.load(Ordering::Acquire)
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

    /// A [`counted`] stream as an input, parsed by `parse`.
    fn numbers_input<'a, R: Read + Send + 'a>(reader: R, parse: Parse<'a>) -> Input<'a> {
        Input {
            cut: Box::new(Chunker::new(reader, ends_at_x)),
            parse,
            describe: |e| e,
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
        let result = run(numbers_input(input, parse), &|i| i, threads, &mut |i| {
            seen.extend(number(&i));
            ControlFlow::Continue(())
        });
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
            let result = run(numbers_input(input, &numbers), &|i| i, threads, &mut |i| {
                seen.extend(number(&i));
                if seen.len() == 1000 {
                    ControlFlow::Break(())
                } else {
                    ControlFlow::Continue(())
                }
            });
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
            // More blocks than the window holds (the numbers take at least six bytes each).
            let n = ((threads * WINDOW_PER_THREAD + 4) * BLOCK / 6) as u32;
            let text = counted(n);
            assert!(text.len() > (threads * WINDOW_PER_THREAD + 2) * BLOCK);
            let (result, seen) = collect_numbers(text.as_slice(), &parse, threads);
            result.unwrap();
            assert_eq!(seen, (0..n).collect::<Vec<_>>(), "{threads} threads");
        }
    }

    #[test]
    fn a_map_that_panics_is_an_error_not_a_hang() {
        let mut handed = 0;
        let result = run(
            numbers_input(counted(300_000).as_slice(), &numbers),
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
    fn a_sink_that_panics_is_an_error_not_a_hang() {
        for threads in [2, 3] {
            let mut handed = 0;
            let result = run(
                numbers_input(counted(3_000_000).as_slice(), &numbers),
                &|i| i,
                threads,
                &mut |_| {
                    handed += 1;
                    assert!(handed < 500_000, "the sink never stopped");
                    ControlFlow::Continue(())
                },
            );
            assert!(
                matches!(&result, Err(LitError::Format(m)) if m.contains("stopped unexpectedly")),
                "{threads} threads: {result:?}"
            );
        }
    }

    #[test]
    fn the_sink_runs_on_the_callers_thread() {
        // The sink's state then stays on one core; the sink need not be `Send`
        // (the `Rc` here would not compile otherwise).
        let caller = std::thread::current().id();
        for threads in [1, 2, 3] {
            let seen = std::rc::Rc::new(std::cell::Cell::new(0u32));
            let on_caller = std::rc::Rc::clone(&seen);
            let result = run(
                numbers_input(counted(600_000).as_slice(), &numbers),
                &|i| i,
                threads,
                &mut |i| {
                    assert_eq!(std::thread::current().id(), caller, "{threads} threads");
                    assert_eq!(number(&i), Some(on_caller.get()));
                    on_caller.set(on_caller.get() + 1);
                    ControlFlow::Continue(())
                },
            );
            assert!(result.is_ok(), "{threads} threads: {result:?}");
            assert_eq!(seen.get(), 600_000, "{threads} threads");
        }
    }

    #[test]
    fn the_caller_waits_at_the_window_for_a_block_another_worker_parses() {
        // The first block each other worker parses is slow, so the caller parses block after
        // block until the window is full, and then waits for that block; a lost wake-up when
        // the block arrives would hang here.
        let caller = std::thread::current().id();
        thread_local!(static SLOWED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) });
        let parse = |b: &Block, emit: &mut dyn FnMut(Item)| {
            if std::thread::current().id() != caller && !SLOWED.replace(true) {
                std::thread::sleep(std::time::Duration::from_millis(300));
            }
            numbers(b, emit)
        };
        for threads in [2, 3] {
            let n = ((threads * WINDOW_PER_THREAD + 4) * BLOCK / 6) as u32;
            let (result, seen) = collect_numbers(counted(n).as_slice(), &parse, threads);
            result.unwrap();
            assert_eq!(seen, (0..n).collect::<Vec<_>>(), "{threads} threads");
        }
    }

    #[test]
    fn every_block_is_handed_out_whichever_worker_parses_or_stores_slowly() {
        // Blocks that parse slowly or store slowly, at places that differ by thread count, leave
        // the caller's thread now storing, now parsing, now waiting; a block left behind would
        // be missing here (or hang the run at the window).
        let parse = |b: &Block, emit: &mut dyn FnMut(Item)| {
            if (b.byte / BLOCK as u64) % 3 == 1 {
                std::thread::sleep(std::time::Duration::from_millis(3));
            }
            numbers(b, emit)
        };
        for threads in [2, 3, 4] {
            let mut seen = Vec::new();
            let result = run(
                numbers_input(counted(3_000_000).as_slice(), &parse),
                &|i| i,
                threads,
                &mut |i| {
                    let n = number(&i).unwrap_or(u32::MAX);
                    if n % 200_000 == threads as u32 {
                        std::thread::sleep(std::time::Duration::from_millis(5));
                    }
                    seen.push(n);
                    ControlFlow::Continue(())
                },
            );
            assert_eq!(result.unwrap(), 0, "no records, only numbers");
            assert_eq!(
                seen,
                (0..3_000_000).collect::<Vec<_>>(),
                "{threads} threads"
            );
        }
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
