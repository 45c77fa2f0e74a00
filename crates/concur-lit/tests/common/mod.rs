//! Helpers shared by the test files that read ../shared/fixtures.
#![allow(dead_code)] // each test binary uses its own subset

use concur_lit::{read_file, Item, Record};
use std::path::{Path, PathBuf};

/// The real fixtures, or None (with a notice) when they are absent. With
/// `CONCUR_REQUIRE_FIXTURES=1` (as CI sets) their absence fails the test instead.
pub fn fixtures() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures");
    if dir.is_dir() {
        return Some(dir);
    }
    if std::env::var("CONCUR_REQUIRE_FIXTURES").as_deref() == Ok("1") {
        panic!("CONCUR_REQUIRE_FIXTURES=1 but {} is missing", dir.display());
    }
    eprintln!("notice: {} absent; skipping fixture tests", dir.display());
    None
}

/// The records of a file (problems and deletions ignored); panics when the file cannot be read.
pub fn records(path: &Path) -> Vec<Record> {
    let mut out = Vec::new();
    read_file(path, &concur_lit::ReadOptions::default(), &mut |i| {
        if let Item::Record(r) = i {
            out.push(*r);
        }
    })
    .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    out
}
