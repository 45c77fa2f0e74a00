//! Early writeback: while a batch is being stored, the kernel is asked now and then to start
//! writing the pages SQLite has already handed it, so that the commit's `fsync` finds little
//! left to write. Without it, every page of a batch waits for the commit's `fsync` at the very
//! end, when nothing else can run.
//!
//! This only starts the writing (Linux `sync_file_range` with `SYNC_FILE_RANGE_WRITE`, which
//! does not wait); durability is still the commit's `fsync`. No crate wraps this one call for
//! a file we did not open ourselves, hence the few lines of `libc`. Elsewhere it does nothing.

use std::fs::File;
use std::path::Path;

/// Records between two writeback requests (about 3 MB of PubMed records): the commit's `fsync`
/// then has at most that much left to write.
pub(crate) const EVERY: i64 = 1024;

/// The database file and its WAL, opened for reading only: enough to name them to the kernel.
#[derive(Default)]
pub(crate) struct Writeback {
    files: Vec<File>,
}

impl Writeback {
    /// Opens the database file and, if there is one, its WAL; a file that cannot be opened is
    /// left out (writeback only saves time, nothing depends on it).
    pub(crate) fn new(database: Option<&Path>) -> Writeback {
        let mut files = Vec::new();
        if let Some(db) = database {
            let mut wal = db.as_os_str().to_owned();
            wal.push("-wal");
            for path in [db, Path::new(&wal)] {
                if let Ok(f) = File::open(path) {
                    files.push(f);
                }
            }
        }
        Writeback { files }
    }

    /// Asks the kernel to start writing the files' dirty pages, without waiting for it.
    pub(crate) fn start(&self) {
        for f in &self.files {
            start_writing(f);
        }
    }
}

#[cfg(target_os = "linux")]
fn start_writing(f: &File) {
    use std::os::fd::AsRawFd;
    // SAFETY: the descriptor is open for as long as `f` lives; offset 0 and length 0 mean the
    // whole file; the call reads no memory of ours. A failure only means no early writeback.
    unsafe {
        libc::sync_file_range(f.as_raw_fd(), 0, 0, libc::SYNC_FILE_RANGE_WRITE);
    }
}

#[cfg(not(target_os = "linux"))]
fn start_writing(_: &File) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_database_and_its_wal_when_they_exist() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("concur.db");
        assert_eq!(Writeback::new(Some(&db)).files.len(), 0);
        std::fs::write(&db, b"pages").unwrap();
        assert_eq!(Writeback::new(Some(&db)).files.len(), 1);
        std::fs::write(dir.path().join("concur.db-wal"), b"frames").unwrap();
        let writeback = Writeback::new(Some(&db));
        assert_eq!(writeback.files.len(), 2);
        writeback.start(); // only starts writing: nothing to observe but that it returns
        assert_eq!(std::fs::read(&db).unwrap(), b"pages");
        assert_eq!(Writeback::new(None).files.len(), 0);
    }
}
