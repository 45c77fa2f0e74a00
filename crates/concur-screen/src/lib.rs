//! Screening for concur: TF-IDF features of records, active-learning rankers behind the
//! [`Ranker`] trait, the BUSCAR stopping rule, agreement between two reviewers, and the
//! simulation and metrics that compare a ranking with ASReview's. Pure: it reads only what it
//! is handed.
//!
//! ```
//! use concur_screen::{simulate, Features, SimOptions, TfidfOptions};
//! let texts: Vec<String> = (0..40)
//!     .map(|i| if i % 8 == 0 { format!("emtansine radiotherapy {i}") } else { format!("knee cartilage {i}") })
//!     .collect();
//! let labels: Vec<bool> = (0..40).map(|i| i % 8 == 0).collect();
//! let x = Features::tfidf(&texts, TfidfOptions::default());
//! let run = simulate(&x, &labels, &SimOptions::default(), None).unwrap();
//! assert_eq!(run.metrics.screened_to_100, 6);
//! ```
#![warn(missing_docs)]

mod agreement;
mod buscar;
mod error;
mod features;
mod highlight;
mod labelled;
mod limits;
mod metrics;
mod queue;
mod rank;
mod session;
mod simulate;

pub use agreement::Agreement;
pub use buscar::{irrelevant_in_a_row, Buscar};
pub use error::ScreenError;
pub use features::{Features, TfidfOptions};
pub use highlight::{highlight, terms_found, Mark, Span};
pub use labelled::{read_labelled, Labelled};
pub use limits::{Limit, Limits};
pub use metrics::{loss, Metrics};
pub use queue::{record_text, stopping, Queue, Ranking, Stopping, MODEL_VERSION};
pub use rank::{Ranker, Svm, SvmOptions};
pub use session::{reviewer_stopping, Decided, Next, Pool};
pub use simulate::{
    simulate, simulate_labelled, simulate_runs, MeanRun, SimOptions, SimRun, Simulation,
};
