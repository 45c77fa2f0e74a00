//! Bibliographic records for concur: streaming readers for PubMed XML (plain or gzip; efetch,
//! baseline and update files), MEDLINE/nbib, RIS, Web of Science and Ovid tagged text, and CSV,
//! all producing one [`Record`] model. Readers stream: memory stays flat whatever the file size.
//!
//! A malformed record is reported as [`Item::Rejected`] with its position and the rest of the file
//! is still read; only an unreadable file (I/O, undetectable format) is an error.
//!
//! ```
//! let ris = "TY  - JOUR\nTI  - Trastuzumab emtansine and SRS\nPY  - 2019\nER  - \n";
//! let mut titles = Vec::new();
//! let options = concur_lit::ReadOptions::default();
//! concur_lit::read(ris.as_bytes(), &options, &mut |item| {
//!     if let concur_lit::Item::Record(r) = item {
//!         titles.push(r.title.clone());
//!     }
//! })
//! .unwrap();
//! assert_eq!(titles, [Some("Trastuzumab emtansine and SRS".to_string())]);
//! ```
#![warn(missing_docs)]

mod chunk;
pub use chunk::MAX_RECORD;
mod csv_in;
pub mod dedup;
mod error;
mod format;
mod pubmed;
mod read;
mod record;
mod sink;
mod tagged;
mod write;
mod xml;

pub use error::{Event, LitError, Problem};
pub use format::{detect, Format};
pub use read::{default_threads, detect_file, read, read_file, read_files, ReadOptions, Tap};
pub use record::{Author, Item, Mesh, Position, Record, Section};
pub use sink::RecordSink;
pub use tagged::Tagged;
pub use write::{csv_cell, csv_cell_read, write_records, OutFormat, Writer};
