//! Statistics for concur: pure functions, no I/O, checked against R's metafor.
//!
//! * [`effect`]: effect sizes and variances as metafor's `escalc` (PR, PLO, PAS, PFT, RR, OR, RD,
//!   GEN, HR), back-transformations.
//! * [`rma`]: inverse-variance models as `rma.uni` (EE/FE, DL, HE, HS, SJ, ML, REML, PM; z and
//!   Hartung-Knapp tests; Q, I², H², Q-profile CI of tau², prediction interval, weights).
//! * [`mh`]: Mantel-Haenszel and Peto pooling (`rma.mh`, `rma.peto`).
//! * [`glmm`]: random-effects logistic-normal model for proportions (`rma.glmm`, PLO).
//! * [`analysis`]: one entry point for all of them, leave-one-out and subgroups.
//! * [`interval`]: single-proportion confidence intervals.
//! * [`dose`]: BED and EQD2.
//!
//! Every function documents its formula and a reference; `docs/statistics.md` lists where concur
//! deliberately differs from metafor.
//!
//! ```
//! use concur_stats::{analyse, Data, Measure, Method, Pooling, Proportion, Spec, Test};
//! // Radionecrosis after SRS with T-DM1 in three series (9/23, 4/7, 2/4), logit random effects.
//! let data = Data::Proportions(vec![
//!     Proportion { events: 9.0, total: 23.0 },
//!     Proportion { events: 4.0, total: 7.0 },
//!     Proportion { events: 2.0, total: 4.0 },
//! ]);
//! let spec = Spec { measure: Measure::Plo, pooling: Pooling::InverseVariance(Method::Reml), test: Test::Z, level: 95.0 };
//! let fit = analyse(&data, &spec).unwrap();
//! let risk = fit.transformed.unwrap();
//! assert!(risk.ci_lb < risk.estimate && risk.estimate < risk.ci_ub);
//! ```
#![warn(missing_docs)]

pub mod analysis;
mod dist;
pub mod dose;
pub mod effect;
pub mod glmm;
pub mod interval;
pub mod mh;
pub mod rma;

pub use analysis::{
    analyse, leave_one_out, spec_problem, subgroups, Analysis, Data, Estimate, Natural, Pooling,
    Shape, Spec, StudyValue, Subgroups,
};
pub use effect::{Measure, Proportion, TwoByTwo};
pub use interval::{proportion_intervals, ProportionIntervals};
pub use rma::{Method, Test};

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
    /// The data cannot be analysed as asked.
    #[error("{0}")]
    Input(String),
    /// A computation produced a non-finite result.
    #[error("{0}")]
    Numerical(String),
    /// An iterative estimator did not converge.
    #[error("the {method} estimator did not converge for these {k} studies; {hint}")]
    NoConvergence {
        /// The method that failed.
        method: String,
        /// Number of studies.
        k: usize,
        /// What to try instead.
        hint: String,
    },
}

/// Result with [`StatsError`].
pub type Result<T> = std::result::Result<T, StatsError>;
