//! What can go wrong when searching.

use std::path::PathBuf;

/// An error from the query language, the index or PubMed.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// The query cannot be parsed.
    #[error("the query cannot be read: {0}")]
    Parse(#[from] crate::query::ParseError),
    /// A strategy line refers to a line that is not before it.
    #[error("search line #{0} is not defined before it is used")]
    UnknownLine(String),
    /// A strategy line id is used twice.
    #[error("search line #{0} is defined twice")]
    DuplicateLine(String),
    /// A MeSH file cannot be read.
    #[error("cannot read the MeSH file {path}: {message}")]
    Mesh {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The index cannot be opened, read or written.
    #[error("the search index: {0}")]
    Index(#[from] tantivy::TantivyError),
    /// The index folder cannot be opened.
    #[error("the search index folder: {0}")]
    IndexDir(#[from] tantivy::directory::error::OpenDirectoryError),
    /// The store could not send the records that changed.
    #[error("reading the records that changed")]
    Feed(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// PubMed (E-utilities) failed.
    #[error(transparent)]
    Eutils(#[from] crate::eutils::EutilsError),
    /// A file could not be read or written.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}
