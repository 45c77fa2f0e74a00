//! Reads a bibliographic file and prints the records, deletions, problems and records per second
//! (used by `scripts/bench-import` beside pubmed_parser and rispy).

use concur_lit::{read_file, Item};

/// The allocator of the `concur` binary, so that the figures are the binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).ok_or("usage: count_records FILE")?;
    let (mut records, mut deleted, mut problems, mut authors) = (0u64, 0usize, 0usize, 0usize);
    let start = Instant::now();
    let (format, _) = read_file(
        std::path::Path::new(&path),
        &concur_lit::ReadOptions::default(),
        &mut |item| match item {
            Item::Record(r) => {
                records += 1;
                authors += r.authors.len();
            }
            Item::Delete(d) => deleted += d.len(),
            Item::Rejected(_) | Item::Repaired(_) => problems += 1,
        },
    )?;
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{} records ({} authors), {deleted} deletions, {problems} problems, format {}, {secs:.3} s, {:.0} records/s",
        records,
        authors,
        format.name(),
        records as f64 / secs
    );
    Ok(())
}
