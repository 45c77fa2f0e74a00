//! Statistics for concur: pure functions, no I/O.
//!
//! Today this crate holds radiobiological dose normalisation ([`dose`]); effect sizes and
//! meta-analysis models join it as the statistics engine grows. Every function documents its
//! formula and a reference.
#![warn(missing_docs)]

pub mod dose;

/// Errors of the statistics crate.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StatsError {
    /// An argument is outside the domain of the formula.
    #[error("{name} must be {expected}, got {value}")]
    Domain {
        /// Argument name.
        name: &'static str,
        /// What the argument must be.
        expected: &'static str,
        /// What it was.
        value: f64,
    },
}

/// Result with [`StatsError`].
pub type Result<T> = std::result::Result<T, StatsError>;
