//! What can go wrong in screening, in a reviewer's words.

/// A screening error.
#[derive(Debug, thiserror::Error)]
pub enum ScreenError {
    /// The labelled file lacks a column it needs.
    #[error("the labelled file has no `{0}` column (it needs title, abstract and label_included)")]
    MissingColumn(&'static str),
    /// A label is not 0 or 1.
    #[error("line {line}: label_included is {value:?}; it must be 0 or 1")]
    BadLabel {
        /// The line of the file (from 1, the header being line 1).
        line: u64,
        /// The value found.
        value: String,
    },
    /// A row could not be read as CSV.
    #[error("line {line}: {message}")]
    Csv {
        /// The line of the file.
        line: u64,
        /// What is wrong.
        message: String,
    },
    /// The file has no records.
    #[error("the labelled file has no records")]
    Empty,
    /// Every record has the same label, so there is nothing to find or nothing to skip.
    #[error("the labelled file has no {0} records: a simulation needs both relevant and irrelevant records")]
    OneClass(&'static str),
    /// A prior names a row the file does not have.
    #[error("prior row {row} is not in the file (rows 0 to {} of {records})", records - 1)]
    NoSuchRow {
        /// The row asked for.
        row: usize,
        /// Records in the file.
        records: usize,
    },
    /// More priors were asked for than the file has.
    #[error("{asked} prior {kind} records were asked for, but the file has {available}")]
    TooManyPriors {
        /// Relevant or irrelevant.
        kind: &'static str,
        /// How many were asked for.
        asked: usize,
        /// How many there are.
        available: usize,
    },
}
