//! The error type of the evidence crate: I/O failures and located problems in a review folder.

use std::fmt;

/// One thing wrong in a review folder, located to file, line and field.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    /// File inside the review folder, e.g. `studies/stumpf-2019.toml`.
    pub file: String,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// 1-based column, when known.
    pub column: Option<usize>,
    /// Dotted path of the field, e.g. `outcomes[2].events`.
    pub field: String,
    /// What the field must hold.
    pub expected: String,
    /// What it holds.
    pub found: String,
    /// What to do about it.
    pub hint: Option<String>,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        if !self.field.is_empty() {
            write!(f, ": {}", self.field)?;
        }
        write!(f, ": expected {}, found {}", self.expected, self.found)?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  help: {hint}")?;
        }
        Ok(())
    }
}

/// Errors of loading a review.
#[derive(Debug, thiserror::Error)]
pub enum EvidenceError {
    /// A file or folder could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file or folder.
        path: String,
        #[source]
        /// Why it could not be read.
        source: std::io::Error,
    },
    /// The folder is not a review (no `review.toml`).
    #[error("{0} is not a review folder: it has no review.toml")]
    NotAReview(String),
    /// An edition the review does not declare.
    #[error("unknown edition `{id}`; the review declares: {}", known.join(", "))]
    UnknownEdition {
        /// The edition asked for.
        id: String,
        /// The editions declared, oldest first.
        known: Vec<String>,
    },
    /// The review has problems; all of them are listed.
    #[error("{} problem{} in the review:\n{}", .0.len(), if .0.len() == 1 { "" } else { "s" }, list(.0))]
    Invalid(Vec<Problem>),
}

fn list(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(|p| format!("  {p}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Result with [`EvidenceError`].
pub type Result<T, E = EvidenceError> = std::result::Result<T, E>;
