//! What can go wrong reading: a record that cannot be read (the rest of the file still is), and
//! an error that stops a whole file.

use crate::Position;

/// A record that could not be read, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Where the record starts in the file.
    pub position: Position,
    /// What is wrong.
    pub reason: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.position, self.reason)
    }
}

/// Errors that stop a whole file.
#[derive(Debug, thiserror::Error)]
pub enum LitError {
    #[error("cannot read: {0}")]
    /// The file could not be read.
    Io(#[from] std::io::Error),
    #[error("{0}")]
    /// The content is damaged or not of the format.
    Format(String),
    /// The content is none of the formats read.
    #[error("unknown format: expected PubMed XML, MEDLINE (PMID- ), RIS (TY  - ), Web of Science, Ovid, CSV or JSON Lines; name the format if the file is one of these")]
    UnknownFormat,
}

/// What the sink of [`crate::read_files`] gets, with the file's number: each item of the file, in
/// order, then the file's end.
pub enum Event<T> {
    /// One item of the file, as `map` made it.
    Item(T),
    /// The file has been read: its record count, or why it could not be read (whole blocks
    /// before the failure have been handed out).
    End(Result<u64, LitError>),
}
