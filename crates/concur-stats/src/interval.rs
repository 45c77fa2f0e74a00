//! Confidence intervals for a single proportion x/n.
//!
//! * Clopper-Pearson (exact): Beta(α/2; x, n-x+1) to Beta(1-α/2; x+1, n-x); 0 and 1 at the ends.
//! * Wilson score: (p + z²/2n ± z sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n).
//! * Jeffreys: Beta(α/2; x+1/2, n-x+1/2) to Beta(1-α/2; x+1/2, n-x+1/2); 0 when x = 0 and 1 when
//!   x = n (Brown, Cai & DasGupta 2001).
//! * Agresti-Coull: Wald interval around p~ = (x + z²/2)/(n + z²) with n~ = n + z², clamped to [0, 1].
//!
//! Reference: Brown LD, Cai TT, DasGupta A (2001) Interval estimation for a binomial proportion.
//! Stat Sci 16:101-133.

use crate::dist::{qbeta, qnorm};
use crate::{Result, StatsError};

/// The four intervals of one proportion.
#[derive(Debug, Clone, PartialEq)]
pub struct ProportionIntervals {
    /// Events.
    pub events: u64,
    /// Patients.
    pub total: u64,
    /// events / total.
    pub estimate: f64,
    /// Clopper-Pearson (exact) interval.
    pub clopper_pearson: [f64; 2],
    /// Wilson score interval.
    pub wilson: [f64; 2],
    /// Jeffreys interval.
    pub jeffreys: [f64; 2],
    /// Agresti-Coull interval.
    pub agresti_coull: [f64; 2],
}

/// Computes the four intervals at `level` percent.
pub fn proportion_intervals(events: u64, total: u64, level: f64) -> Result<ProportionIntervals> {
    if total == 0 || events > total {
        return Err(StatsError::Input(format!(
            "needs 0 <= events <= total and total > 0 (events {events}, total {total})"
        )));
    }
    if !(level > 0.0 && level < 100.0) {
        return Err(StatsError::Input(format!(
            "level must be between 0 and 100, got {level}"
        )));
    }
    let (x, n) = (events as f64, total as f64);
    let alpha = 1.0 - level / 100.0;
    let z = qnorm(1.0 - alpha / 2.0);
    let p = x / n;
    let cp = [
        if events == 0 {
            0.0
        } else {
            qbeta(alpha / 2.0, x, n - x + 1.0)
        },
        if events == total {
            1.0
        } else {
            qbeta(1.0 - alpha / 2.0, x + 1.0, n - x)
        },
    ];
    let z2 = z * z;
    let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / (1.0 + z2 / n);
    // Exact arithmetic keeps Wilson inside [0, 1]; floating point can overshoot by an ulp.
    let wilson = [(centre - half).max(0.0), (centre + half).min(1.0)];
    let jeffreys = [
        if events == 0 {
            0.0
        } else {
            qbeta(alpha / 2.0, x + 0.5, n - x + 0.5)
        },
        if events == total {
            1.0
        } else {
            qbeta(1.0 - alpha / 2.0, x + 0.5, n - x + 0.5)
        },
    ];
    let n_t = n + z2;
    let p_t = (x + z2 / 2.0) / n_t;
    let h = z * (p_t * (1.0 - p_t) / n_t).sqrt();
    let agresti_coull = [(p_t - h).max(0.0), (p_t + h).min(1.0)];
    Ok(ProportionIntervals {
        events,
        total,
        estimate: p,
        clopper_pearson: cp,
        wilson,
        jeffreys,
        agresti_coull,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rare_event_in_millions_has_intervals_around_its_estimate() {
        let r = proportion_intervals(3, 7_400_000, 95.0).unwrap();
        for [lo, hi] in [r.clopper_pearson, r.wilson, r.jeffreys, r.agresti_coull] {
            assert!(lo <= r.estimate && r.estimate <= hi && hi < 1e-5, "{r:?}");
        }
    }
}
