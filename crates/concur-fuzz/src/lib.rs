//! A mutation fuzzer that runs on stable Rust under `cargo test`: cargo-fuzz needs a nightly
//! toolchain, which the project does not use, and a fuzzer in-process keeps every target a
//! plain function call. Each target starts from a corpus (real files from the fixtures and
//! small built-in seeds), mutates inputs with byte flips, insertions of the format's own tokens,
//! deletions, duplications, truncations and splices, and runs them for a time budget. A panic,
//! or an input that takes longer than [`SLOW`], saves the input under `target/fuzz-crashes/`
//! and fails; copied into `regressions/<target>/`, it is replayed by every later run.
#![warn(missing_docs)]

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The longest one input may take before it counts as a hang.
pub const SLOW: Duration = Duration::from_secs(10);

/// How long each target runs: `CONCUR_FUZZ_SECONDS` (default 8).
pub fn budget() -> Duration {
    let seconds = std::env::var("CONCUR_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s >= 0.0)
        .unwrap_or(8.0);
    Duration::from_secs_f64(seconds)
}

/// The random seed: `CONCUR_FUZZ_SEED`, or one from the clock (printed, to replay a run).
pub fn seed() -> u64 {
    std::env::var("CONCUR_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(1, |d| d.as_nanos() as u64)
        })
}

/// What a run did.
#[derive(Debug, Clone, Copy, Default)]
pub struct Ran {
    /// Inputs run (regressions and seeds included).
    pub inputs: u64,
}

/// Mutates `input` with a few random edits, some of them inserting `tokens`.
pub fn mutate(
    rng: &mut fastrand::Rng,
    input: &[u8],
    others: &[Vec<u8>],
    tokens: &[&[u8]],
) -> Vec<u8> {
    let mut out = input.to_vec();
    for _ in 0..rng.usize(1..=8) {
        let len = out.len();
        let at = if len == 0 { 0 } else { rng.usize(0..len) };
        match rng.u8(0..8) {
            0 if len > 0 => out[at] ^= 1 << rng.u8(0..8),
            1 if len > 0 => out[at] = rng.u8(..),
            2 => {
                let token = tokens
                    .get(rng.usize(0..tokens.len().max(1)))
                    .copied()
                    .unwrap_or(b"\n");
                out.splice(at..at, token.iter().copied());
            }
            3 if len > 0 => {
                let end = (at + rng.usize(1..=64)).min(len);
                out.drain(at..end);
            }
            4 if len > 0 => {
                let end = (at + rng.usize(1..=256)).min(len);
                let piece = out[at..end].to_vec();
                let to = rng.usize(0..=len);
                out.splice(to..to, piece);
            }
            5 if len > 0 => out.truncate(at),
            6 if !others.is_empty() => {
                let other = &others[rng.usize(0..others.len())];
                if !other.is_empty() {
                    let from = rng.usize(0..other.len());
                    let end = (from + rng.usize(1..=512)).min(other.len());
                    out.splice(at..at, other[from..end].iter().copied());
                }
            }
            _ => out.insert(at.min(out.len()), rng.u8(..)),
        }
    }
    out
}

/// Runs `target` on every regression input of `name`, every seed, then mutated seeds until the
/// budget is spent; panics (after saving the input) on the first input that panics or hangs.
pub fn fuzz(
    name: &str,
    seeds: &[Vec<u8>],
    tokens: &[&[u8]],
    target: impl Fn(&[u8]) + Send + Sync + 'static,
) -> Ran {
    let target = std::sync::Arc::new(target);
    let seed = seed();
    let mut rng = fastrand::Rng::with_seed(seed);
    eprintln!(
        "fuzz {name}: seed {seed} (CONCUR_FUZZ_SEED={seed} repeats it), {} seeds",
        seeds.len()
    );
    let mut ran = Ran::default();
    let regressions = regressions(name);
    for input in regressions.iter().chain(seeds) {
        run_one(name, &target, input);
        ran.inputs += 1;
    }
    if seeds.is_empty() {
        return ran;
    }
    let started = Instant::now();
    let budget = budget();
    while started.elapsed() < budget {
        let base = &seeds[rng.usize(0..seeds.len())];
        let input = mutate(&mut rng, base, seeds, tokens);
        run_one(name, &target, &input);
        ran.inputs += 1;
    }
    eprintln!(
        "fuzz {name}: {} inputs in {:.1} s",
        ran.inputs,
        started.elapsed().as_secs_f64()
    );
    ran
}

/// Runs one input on a worker thread, so that a hang is noticed.
fn run_one(
    name: &str,
    target: &std::sync::Arc<impl Fn(&[u8]) + Send + Sync + 'static>,
    input: &[u8],
) {
    let (tx, rx) = mpsc::channel();
    let owned = input.to_vec();
    let target = target.clone();
    std::thread::spawn(move || {
        let result = catch_unwind(AssertUnwindSafe(|| target(&owned)));
        let _ = tx.send(result.is_ok());
    });
    match rx.recv_timeout(SLOW) {
        Ok(true) => {}
        Ok(false) | Err(mpsc::RecvTimeoutError::Disconnected) => {
            let path = save(name, input);
            panic!(
                "fuzz {name}: an input panicked; saved as {}",
                path.display()
            );
        }
        Err(mpsc::RecvTimeoutError::Timeout) => {
            let path = save(name, input);
            panic!(
                "fuzz {name}: an input took over {} s; saved as {}",
                SLOW.as_secs(),
                path.display()
            );
        }
    }
}

fn save(name: &str, input: &[u8]) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/fuzz-crashes");
    let _ = std::fs::create_dir_all(&dir);
    // FNV-1a: a stable short name for the input, nothing more.
    let hash = input.iter().fold(0xcbf29ce484222325u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x100000001b3)
    });
    let path = dir.join(format!("{name}-{hash:016x}"));
    let _ = std::fs::write(&path, input);
    path
}

/// The saved inputs of a target that once failed, replayed first.
pub fn regressions(name: &str) -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("regressions")
        .join(name);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.sort();
    files.iter().filter_map(|p| std::fs::read(p).ok()).collect()
}

/// The real test data, or None (with a notice); with `CONCUR_REQUIRE_FIXTURES=1` its absence
/// fails.
pub fn fixtures() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures");
    if dir.is_dir() {
        return Some(dir);
    }
    if std::env::var("CONCUR_REQUIRE_FIXTURES").as_deref() == Ok("1") {
        panic!("CONCUR_REQUIRE_FIXTURES=1 but {} is missing", dir.display());
    }
    eprintln!(
        "notice: {} absent; fuzzing from the built-in seeds only",
        dir.display()
    );
    None
}

/// Up to `most` files under `sub` of the fixtures, each at most `largest` bytes (smaller inputs
/// are mutated faster).
pub fn fixture_seeds(sub: &str, most: usize, largest: u64) -> Vec<Vec<u8>> {
    let Some(dir) = fixtures() else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = walk(&dir.join(sub));
    files.sort();
    files
        .into_iter()
        .filter(|p| p.extension().is_none_or(|e| e != "md"))
        .filter(|p| std::fs::metadata(p).is_ok_and(|m| m.len() <= largest))
        .take(most)
        .filter_map(|p| std::fs::read(p).ok())
        .collect()
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}
