//! Agreement between two reviewers over the records both screened: percent agreement, Cohen's
//! kappa with its large-sample confidence interval (Fleiss, Cohen & Everitt 1969) and Gwet's
//! AC1, which stays stable when nearly every record is excluded (where kappa collapses).

use serde::Serialize;
use statrs::distribution::{ContinuousCDF, Normal};

/// Agreement over a square table of counts: `table[a][b]` records the first reviewer put in
/// category a and the second in b.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Agreement {
    /// Records both screened.
    pub records: u64,
    /// Share of them given the same decision.
    pub percent: f64,
    /// Cohen's kappa (`None` when chance agreement is total, e.g. one category only).
    pub kappa: Option<f64>,
    /// Its confidence interval.
    pub kappa_ci: Option<(f64, f64)>,
    /// Gwet's AC1.
    pub ac1: Option<f64>,
}

impl Agreement {
    /// The figures of `table` with a `level` confidence interval (0.95).
    pub fn of(table: &[Vec<u64>], level: f64) -> Agreement {
        let q = table.len();
        let n: u64 = table.iter().flatten().sum();
        let empty = Agreement {
            records: n,
            percent: 0.0,
            kappa: None,
            kappa_ci: None,
            ac1: None,
        };
        if n == 0 || table.iter().any(|r| r.len() != q) {
            return empty;
        }
        let nf = n as f64;
        let p = |a: usize, b: usize| table[a][b] as f64 / nf;
        let row: Vec<f64> = (0..q).map(|a| (0..q).map(|b| p(a, b)).sum()).collect();
        let col: Vec<f64> = (0..q).map(|b| (0..q).map(|a| p(a, b)).sum()).collect();
        let po: f64 = (0..q).map(|a| p(a, a)).sum();
        let pe: f64 = (0..q).map(|a| row[a] * col[a]).sum();
        let (kappa, kappa_ci) = if (1.0 - pe).abs() < 1e-15 {
            (None, None)
        } else {
            let k = (po - pe) / (1.0 - pe);
            // Fleiss, Cohen & Everitt's variance of kappa (not under the null).
            let mut s = 0.0;
            for a in 0..q {
                s += p(a, a) * ((1.0 - pe) - (row[a] + col[a]) * (1.0 - po)).powi(2);
                for b in (0..q).filter(|&b| b != a) {
                    s += (1.0 - po).powi(2) * p(a, b) * (col[a] + row[b]).powi(2);
                }
            }
            s -= (po * pe - 2.0 * pe + po).powi(2);
            let se = (s.max(0.0) / (nf * (1.0 - pe).powi(4))).sqrt();
            let z = Normal::standard().inverse_cdf(0.5 + level / 2.0);
            (Some(k), Some((k - z * se, k + z * se)))
        };
        // AC1: chance agreement from the mean share of each category across the reviewers.
        let ac1 = (q > 1).then(|| {
            let pe1: f64 = (0..q)
                .map(|a| {
                    let pi = (row[a] + col[a]) / 2.0;
                    pi * (1.0 - pi)
                })
                .sum::<f64>()
                / (q as f64 - 1.0);
            (po - pe1) / (1.0 - pe1)
        });
        Agreement {
            records: n,
            percent: po,
            kappa,
            kappa_ci,
            ac1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_two_by_two_table_by_hand() {
        // 50 records: both include 20, both exclude 15, 5 and 10 disagreements.
        let a = Agreement::of(&[vec![20, 5], vec![10, 15]], 0.95);
        assert!((a.percent - 0.7).abs() < 1e-12);
        // Chance: 25/50 × 30/50 + 25/50 × 20/50 = 0.5; kappa = 0.2 / 0.5.
        assert!((a.kappa.unwrap() - 0.4).abs() < 1e-12);
        // AC1: mean shares 0.55 and 0.45; chance 2 × 0.55 × 0.45 = 0.495.
        assert!((a.ac1.unwrap() - 0.205 / 0.505).abs() < 1e-12);
        // Variance by hand: 0.4·(0.5 − 1.1·0.3)² + 0.3·(0.5 − 0.9·0.3)² + 0.09·(0.1·1.1² +
        // 0.2·0.9²) − (0.35 − 1 + 0.7)² = 0.01156 + 0.01587 + 0.02547 − 0.0025 = 0.0504;
        // SE = sqrt(0.0504 / (50 × 0.0625)).
        let se = (0.0504f64 / 3.125).sqrt();
        let (lo, hi) = a.kappa_ci.unwrap();
        assert!((hi - lo - 2.0 * 1.959964 * se).abs() < 1e-4, "{lo} {hi}");
    }

    #[test]
    fn kappa_collapses_where_ac1_does_not() {
        // 100 records, 95 both exclude, 1 both include, 4 disagreements.
        let a = Agreement::of(&[vec![1, 2], vec![2, 95]], 0.95);
        assert!(a.kappa.unwrap() < 0.35);
        assert!(a.ac1.unwrap() > 0.95);
        // One category only: kappa undefined.
        let b = Agreement::of(&[vec![10, 0], vec![0, 0]], 0.95);
        assert_eq!(b.kappa, None);
        assert_eq!(b.percent, 1.0);
    }
}
