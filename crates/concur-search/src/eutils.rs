//! PubMed's E-utilities.

/// An error from E-utilities.
#[derive(Debug, thiserror::Error)]
pub enum EutilsError {
    /// Placeholder until the client lands in this change.
    #[error("E-utilities: {0}")]
    Other(String),
}
