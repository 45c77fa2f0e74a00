//! The search benchmark (run by `scripts/bench-search`): builds concur's index and an SQLite
//! FTS5 table over the same generated records, then times the same queries on both.
//!
//! ```text
//! search_bench build  --records N --index DIR [--fts5 FILE] [--fixtures DIR] [--seed S]
//! search_bench query  --index DIR [--fts5 FILE] --queries FILE --review review.toml
//!                     [--mesh FILE] [--runs N] [--budget SECONDS]
//! ```
//!
//! Records are generated in chunks outside the timed part; each chunk is added and committed
//! (tantivy) or inserted in one transaction (FTS5) inside it, so both engines are timed on the
//! same work. Query times are whole answers: parse, count and the best 20 with their titles.

mod fts5;
mod gen;

use concur_search::{parse_with, resolve, Index, Line, Mesh, Options};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The `concur` binary's allocator, so that the figures are the binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

const CHUNK: usize = 250_000;
const LIMIT: usize = 20;

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    match args.first().map(String::as_str) {
        Some("build") => build(
            flag("--records").ok_or("--records N")?.parse()?,
            PathBuf::from(flag("--index").ok_or("--index DIR")?),
            flag("--fts5").map(PathBuf::from),
            PathBuf::from(flag("--fixtures").unwrap_or_else(|| "../shared/fixtures".into())),
            flag("--seed").map_or(Ok(2026), |s| s.parse())?,
        ),
        Some("query") => query(
            PathBuf::from(flag("--index").ok_or("--index DIR")?),
            flag("--fts5").map(PathBuf::from),
            PathBuf::from(flag("--queries").ok_or("--queries FILE")?),
            PathBuf::from(flag("--review").ok_or("--review FILE")?),
            flag("--mesh").map(PathBuf::from),
            flag("--runs").map_or(Ok(100), |s| s.parse())?,
            Duration::from_secs_f64(flag("--budget").map_or(Ok(20.0), |s| s.parse())?),
        ),
        _ => Err("usage: search_bench build|query ... (see the source's header)".into()),
    }
}

fn build(
    n: usize,
    dir: PathBuf,
    fts5: Option<PathBuf>,
    fixtures: PathBuf,
    seed: u64,
) -> Result<()> {
    let model = gen::Model::from_fixtures(&fixtures)?;
    eprintln!("{} fixture records as templates", model.templates());
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    let mut index = Index::open(&dir)?;
    let mut db = match &fts5 {
        Some(path) => Some(fts5::Table::create(path)?),
        None => None,
    };
    let (mut ours, mut theirs, mut generating) = (Duration::ZERO, Duration::ZERO, Duration::ZERO);
    let mut records = model.records(seed);
    let (mut done, mut text) = (0, 0);
    while done < n {
        let start = Instant::now();
        let chunk: Vec<_> = records.by_ref().take(CHUNK.min(n - done)).collect();
        generating += start.elapsed();
        text += chunk.iter().map(|(r, _)| text_bytes(r)).sum::<usize>();
        let first = done as i64 + 1;
        let start = Instant::now();
        // Through the path `concur` itself takes: a sync that the store feeds.
        index.sync(
            &format!("bench:{}", done + chunk.len()),
            |_, sink| {
                sink.expect(chunk.len() as u64);
                for (i, (r, _)) in chunk.iter().enumerate() {
                    sink.add(first + i as i64, r, true);
                }
                Ok::<_, std::convert::Infallible>(format!("bench:{}", done + chunk.len()))
            },
            &mut |_, _| {},
        )?;
        ours += start.elapsed();
        if let Some(db) = &mut db {
            let start = Instant::now();
            db.insert(first, &chunk)?;
            theirs += start.elapsed();
        }
        done += chunk.len();
        eprintln!("{done} records");
    }
    let optimise = match &mut db {
        Some(db) => {
            let start = Instant::now();
            db.finish()?;
            let t = start.elapsed();
            theirs += t;
            Some(t)
        }
        None => None,
    };
    let size = |p: &std::path::Path| -> u64 { walk_size(p).unwrap_or(0) };
    println!(
        "records {n}, {:.0} bytes of text each\ngenerating {:.2} s\nconcur index {:.2} s, {:.0} records/s, {:.2} GB on disk",
        text as f64 / n as f64,
        generating.as_secs_f64(),
        ours.as_secs_f64(),
        n as f64 / ours.as_secs_f64(),
        size(&dir) as f64 / 1e9,
    );
    if let (Some(path), Some(optimise)) = (&fts5, optimise) {
        println!(
            "fts5 table {:.2} s (optimize {:.2} s), {:.0} records/s, {:.2} GB on disk\nbuild ratio fts5/concur {:.2}x",
            theirs.as_secs_f64(),
            optimise.as_secs_f64(),
            n as f64 / theirs.as_secs_f64(),
            size(path) as f64 / 1e9,
            theirs.as_secs_f64() / ours.as_secs_f64(),
        );
    }
    Ok(())
}

/// The bytes of text a record has in its title, abstract, keywords and distinct affiliations.
fn text_bytes(r: &concur_lit::Record) -> usize {
    r.title.as_ref().map_or(0, String::len)
        + r.abstract_sections
            .iter()
            .map(|s| s.text.len())
            .sum::<usize>()
        + r.keywords.iter().map(String::len).sum::<usize>()
        + r.authors
            .iter()
            .flat_map(|a| &a.affiliations)
            .collect::<std::collections::HashSet<_>>()
            .into_iter()
            .map(String::len)
            .sum::<usize>()
}

fn walk_size(p: &std::path::Path) -> std::io::Result<u64> {
    let m = std::fs::metadata(p)?;
    if !m.is_dir() {
        return Ok(m.len());
    }
    let mut total = 0;
    for e in std::fs::read_dir(p)? {
        total += walk_size(&e?.path())?;
    }
    Ok(total)
}

/// The review's strategy lines, read from its `review.toml`.
fn strategy(review: &std::path::Path) -> Result<Vec<Line>> {
    #[derive(serde::Deserialize)]
    struct Review {
        search: Search,
    }
    #[derive(serde::Deserialize)]
    struct Search {
        strategy: Vec<StrategyLine>,
    }
    #[derive(serde::Deserialize)]
    struct StrategyLine {
        id: String,
        label: String,
        query: String,
    }
    let r: Review = toml::from_str(&std::fs::read_to_string(review)?)?;
    Ok(r.search
        .strategy
        .into_iter()
        .map(|l| Line {
            id: l.id,
            label: l.label,
            query: l.query,
        })
        .collect())
}

struct Timing {
    count: u64,
    median: f64,
    p99: f64,
    runs: usize,
}

/// Runs `f` once to warm up, then up to `runs` times within `budget` (at least 5 times), and
/// gives the median and the 99th percentile (nearest rank) in milliseconds.
fn time(runs: usize, budget: Duration, mut f: impl FnMut() -> Result<u64>) -> Result<Timing> {
    let count = f()?;
    let mut ms = Vec::new();
    let started = Instant::now();
    while ms.len() < runs && (ms.len() < 5 || started.elapsed() < budget) {
        let t = Instant::now();
        let c = f()?;
        ms.push(t.elapsed().as_secs_f64() * 1e3);
        if c != count {
            return Err("a query's count changed between runs".into());
        }
    }
    ms.sort_by(f64::total_cmp);
    let rank = |q: f64| ms[((q * ms.len() as f64).ceil() as usize).clamp(1, ms.len()) - 1];
    Ok(Timing {
        count,
        median: rank(0.5),
        p99: rank(0.99),
        runs: ms.len(),
    })
}

fn query(
    dir: PathBuf,
    fts5: Option<PathBuf>,
    queries: PathBuf,
    review: PathBuf,
    mesh: Option<PathBuf>,
    runs: usize,
    budget: Duration,
) -> Result<()> {
    let mesh = match &mesh {
        Some(p) => Some(Arc::new(Mesh::load(&[p])?)),
        None => None,
    };
    let index = Index::open(&dir)?.with_mesh(mesh.clone());
    let db = match &fts5 {
        Some(p) => Some(fts5::Table::open(p)?),
        None => None,
    };
    let lines = resolve(&strategy(&review)?)?;
    let mut cases: Vec<(String, String)> = lines
        .iter()
        .map(|l| (format!("strategy #{}", l.id), l.query.clone()))
        .collect();
    for line in std::fs::read_to_string(&queries)?.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with("//") {
            continue;
        }
        let (shape, q) = line.split_once('\t').ok_or("queries: SHAPE<TAB>QUERY")?;
        cases.push((shape.trim().to_string(), q.trim().to_string()));
    }
    println!(
        "{} records; median and p99 in ms; ratio = FTS5 median / concur median",
        index.len()
    );
    println!(
        "{:<28} {:>8} {:>8} {:>8} {:>5} {:>8} {:>9} {:>9} {:>5} {:>7}",
        "shape", "count", "median", "p99", "runs", "fts5 n", "median", "p99", "runs", "ratio"
    );
    let mut worst = (0f64, 0f64, f64::INFINITY);
    for (shape, q) in &cases {
        let node = parse_with(q, &lines)?;
        let ours = time(runs, budget, || {
            let node = parse_with(q, &lines)?;
            let (count, hits) = index.search(&node, LIMIT, Options::default())?;
            std::hint::black_box(hits);
            Ok(count)
        })?;
        worst.0 = worst.0.max(ours.median);
        worst.1 = worst.1.max(ours.p99);
        let theirs = match (&db, fts5::translate(&node, mesh.as_deref())) {
            (Some(db), Some(sql)) => {
                let t = time(runs, budget, || db.search(&sql, LIMIT))?;
                worst.2 = worst.2.min(t.median / ours.median);
                Some(t)
            }
            _ => None,
        };
        print!(
            "{:<28} {:>8} {:>8.2} {:>8.2} {:>5}",
            shape, ours.count, ours.median, ours.p99, ours.runs
        );
        match theirs {
            Some(t) => println!(
                " {:>8} {:>9.2} {:>9.2} {:>5} {:>6.1}x",
                t.count,
                t.median,
                t.p99,
                t.runs,
                t.median / ours.median
            ),
            None => println!(" {:>8}", "n/a"),
        }
    }
    println!(
        "worst concur median {:.2} ms, worst concur p99 {:.2} ms, smallest ratio {:.1}x",
        worst.0, worst.1, worst.2
    );
    Ok(())
}
