//! Biologically effective dose (BED) and equivalent dose in 2 Gy fractions (EQD2) under the
//! linear-quadratic model.
//!
//! For `n` fractions of `d` Gy (total `D = n·d`) and a tissue's `α/β` in Gy:
//!
//! * `BED = D · (1 + d / (α/β))`
//! * `EQD2 = BED / (1 + 2 / (α/β)) = D · (d + α/β) / (2 + α/β)`
//!
//! Reference: Fowler JF. The linear-quadratic formula and progress in fractionated radiotherapy.
//! Br J Radiol 1989;62:679-694. The model ignores repopulation and incomplete repair, and is least
//! reliable for single fractions above about 10 Gy (radiosurgery); callers must say so.

use crate::{Result, StatsError};

/// A fractionated schedule: total dose and number of fractions.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Schedule {
    /// Total physical dose in Gy.
    pub total_gy: f64,
    /// Number of fractions (may be non-integer only in derived scenarios; must be positive).
    pub fractions: f64,
}

impl Schedule {
    /// Checks that dose and fractions are positive and finite.
    pub fn new(total_gy: f64, fractions: f64) -> Result<Schedule> {
        positive("total dose (Gy)", total_gy)?;
        positive("fractions", fractions)?;
        Ok(Schedule {
            total_gy,
            fractions,
        })
    }

    /// Dose per fraction in Gy.
    pub fn dose_per_fraction(&self) -> f64 {
        self.total_gy / self.fractions
    }

    /// Biologically effective dose in Gy for the given α/β (Gy).
    pub fn bed(&self, alpha_beta: f64) -> Result<f64> {
        positive("alpha/beta (Gy)", alpha_beta)?;
        Ok(self.total_gy * (1.0 + self.dose_per_fraction() / alpha_beta))
    }

    /// Equivalent dose in 2 Gy fractions, in Gy, for the given α/β (Gy).
    pub fn eqd2(&self, alpha_beta: f64) -> Result<f64> {
        positive("alpha/beta (Gy)", alpha_beta)?;
        Ok(self.total_gy * (self.dose_per_fraction() + alpha_beta) / (2.0 + alpha_beta))
    }
}

fn positive(name: &'static str, value: f64) -> Result<()> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(StatsError::Domain {
            name,
            expected: "a positive finite number",
            value,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn textbook_values() {
        // 30 Gy in 10 fractions, alpha/beta 10: BED = 30 * 1.3 = 39, EQD2 = 39 / 1.2 = 32.5.
        let s = Schedule::new(30.0, 10.0).unwrap();
        assert!((s.bed(10.0).unwrap() - 39.0).abs() < 1e-12);
        assert!((s.eqd2(10.0).unwrap() - 32.5).abs() < 1e-12);
        // 20 Gy single fraction, alpha/beta 2: BED = 20 * 11 = 220, EQD2 = 110.
        let srs = Schedule::new(20.0, 1.0).unwrap();
        assert!((srs.eqd2(2.0).unwrap() - 110.0).abs() < 1e-12);
    }

    #[test]
    fn rejects_nonsense() {
        assert!(Schedule::new(0.0, 5.0).is_err());
        assert!(Schedule::new(20.0, f64::NAN).is_err());
        assert!(Schedule::new(20.0, 5.0).unwrap().eqd2(0.0).is_err());
    }

    proptest! {
        #[test]
        fn two_gy_fractions_are_their_own_eqd2(n in 1u32..40, ab in 0.5f64..20.0) {
            let s = Schedule::new(2.0 * f64::from(n), f64::from(n)).unwrap();
            prop_assert!((s.eqd2(ab).unwrap() - s.total_gy).abs() < 1e-9);
        }

        #[test]
        fn eqd2_is_bed_over_the_2gy_factor(total in 1.0f64..80.0, n in 1u32..40, ab in 0.5f64..20.0) {
            let s = Schedule::new(total, f64::from(n)).unwrap();
            let expected = s.bed(ab).unwrap() / (1.0 + 2.0 / ab);
            prop_assert!((s.eqd2(ab).unwrap() - expected).abs() < 1e-9 * expected.max(1.0));
        }

        #[test]
        fn hypofractionation_raises_eqd2_above_the_physical_dose(total in 10.0f64..60.0, ab in 0.5f64..20.0) {
            // Fewer fractions (dose per fraction above 2 Gy) give EQD2 above the total dose.
            let s = Schedule::new(total, total / 4.0).unwrap();
            prop_assert!(s.eqd2(ab).unwrap() > total);
        }
    }
}
