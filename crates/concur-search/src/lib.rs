//! Searching a review's literature: PubMed's query language, a full-text index of the
//! workspace's records kept in step with its database, search strategies, and a client for
//! PubMed's E-utilities.
//!
//! ```
//! let node = concur_search::parse("(\"breast cancer\"[tiab] OR breast neoplasms[mh]) AND T-DM1").unwrap();
//! assert_eq!(
//!     node.to_string(),
//!     "(\"breast cancer\"[Title/Abstract] OR \"breast neoplasms\"[MeSH Terms]) AND \"T-DM1\"[All Fields]"
//! );
//! ```
//!
//! Where concur reads a query differently from PubMed is written in `docs/search.md`.
#![warn(missing_docs)]

mod analyze;
mod error;
pub mod eutils;
mod field;
mod index;
mod mesh;
mod query;
mod strategy;

pub use error::SearchError;
pub use field::Field;
pub use index::{Explained, Hit, Index, Note, Options, Synced};
pub use mesh::Mesh;
pub use query::{date_range, parse, DateRange, Node, Op, ParseError, ParseErrorKind, Span, Term};
pub use strategy::{parse_with, resolve, Line, Resolved};

#[cfg(test)]
mod tests;
