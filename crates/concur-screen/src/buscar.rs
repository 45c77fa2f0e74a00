//! Stopping rules: BUSCAR (Callaghan & Müller-Hansen 2020, "Statistical stopping criteria for
//! automated screening in systematic reviews", Systematic Reviews 9:273), and the count of
//! irrelevant records in a row, a heuristic that often stops too early.

/// BUSCAR over `records` records, with the log-factorials it needs looked up rather than
/// computed (a check runs one hypergeometric CDF per screened record).
#[derive(Debug, Clone)]
pub struct Buscar {
    ln_fact: Vec<f64>,
}

impl Buscar {
    /// For a screening of `records` records.
    pub fn new(records: usize) -> Buscar {
        let mut ln_fact = Vec::with_capacity(records + 1);
        let mut acc = 0.0f64;
        ln_fact.push(0.0);
        for i in 1..=records {
            acc += (i as f64).ln();
            ln_fact.push(acc);
        }
        Buscar { ln_fact }
    }

    fn records(&self) -> usize {
        self.ln_fact.len() - 1
    }

    fn ln_binomial(&self, n: u64, k: u64) -> f64 {
        self.ln_fact[n as usize] - self.ln_fact[k as usize] - self.ln_fact[(n - k) as usize]
    }

    /// The p value for the hypothesis that the records screened so far (relevant or not, in
    /// the order screened) have missed `recall_target` of the relevant records: for each run
    /// of the last k records taken as a random sample from them and the records not yet
    /// screened, the chance of seeing as few relevant records as were seen if enough relevant
    /// records remained to miss the target; the smallest over k. Screening may stop when it
    /// is under 1 − confidence. `None` before any relevant record is seen.
    pub fn p(&self, order: &[bool], recall_target: f64) -> Option<f64> {
        let records = self.records();
        let seen: u64 = order.iter().map(|&y| u64::from(y)).sum();
        if seen == 0 || order.len() > records {
            return None;
        }
        let n = order.len() as u64;
        let mut in_sample = 0u64;
        let mut best = 1.0f64;
        for (k, &y) in order.iter().rev().enumerate() {
            let k = k as u64 + 1;
            in_sample += u64::from(y);
            // The fewest relevant records the sample and the unscreened records would have to
            // hold for recall to be under the target.
            let before = seen - in_sample;
            let needed = (seen as f64 / recall_target + 1.0 - before as f64).floor();
            let population = records as u64 - (n - k);
            let p = if needed > population as f64 {
                // Not enough records left to hide that many: the hypothesis is impossible.
                0.0
            } else {
                self.cdf(in_sample, population, needed.max(0.0) as u64, k)
            };
            best = best.min(p);
        }
        Some(best)
    }

    /// P(X ≤ x) for X hypergeometric: `draws` from `population` holding `successes`. Summed
    /// from the lowest possible count by the ratio of neighbouring probabilities, rescaled as
    /// it goes so that a tiny first term does not underflow.
    pub fn cdf(&self, x: u64, population: u64, successes: u64, draws: u64) -> f64 {
        let lo = draws.saturating_sub(population - successes.min(population));
        let hi = draws.min(successes);
        if x < lo {
            return 0.0;
        }
        if x >= hi {
            return 1.0;
        }
        // The sum is exp(scale) × acc; terms are kept relative to exp(scale).
        let mut scale = self.ln_binomial(successes, lo)
            + self.ln_binomial(population - successes, draws - lo)
            - self.ln_binomial(population, draws);
        let (mut acc, mut term) = (1.0f64, 1.0f64);
        for i in lo..x {
            let ratio = ((successes - i) as f64 * (draws - i) as f64)
                / ((i + 1) as f64 * (population - successes + i + 1 - draws) as f64);
            term *= ratio;
            if term > 1e250 {
                scale += term.ln();
                acc /= term;
                term = 1.0;
            }
            acc += term;
        }
        (scale + acc.ln()).exp().min(1.0)
    }
}

/// How many irrelevant records were screened since the last relevant one.
pub fn irrelevant_in_a_row(order: &[bool]) -> usize {
    order.iter().rev().take_while(|&&y| !y).count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use statrs::distribution::{DiscreteCDF, Hypergeometric};

    #[test]
    fn the_cdf_agrees_with_statrs() {
        for (x, pop, k, n) in [
            (0, 50, 5, 10),
            (2, 50, 5, 10),
            (4, 6000, 120, 300),
            (30, 6000, 120, 3000),
            (1, 20, 20, 3),
            (3, 10, 4, 9),
        ] {
            let ours = Buscar::new(6000).cdf(x, pop, k, n);
            let theirs = Hypergeometric::new(pop, k, n).unwrap().cdf(x);
            assert!(
                (ours - theirs).abs() < 1e-10,
                "{x} {pop} {k} {n}: {ours} {theirs}"
            );
        }
    }

    #[test]
    fn buscar_by_hand() {
        // 20 records; screened 10: relevant at positions 1 and 2, then 8 irrelevant.
        let mut order = vec![true, true];
        order.extend([false; 8]);
        // Last k = 1..=8 records hold no relevant record; 2 seen before; needed =
        // floor(2 / 0.95 + 1 − 2) = floor(1.105) = 1 relevant among the last k and the 10
        // unscreened: p = P(X ≤ 0) drawing k of 10 + k with 1 relevant = 10 / (10 + k).
        // Smallest at k = 8: 10 / 18. With k = 9 (one relevant in the sample): needed = 2,
        // population 19, p = P(X ≤ 1) = 1 − C(9,7)/C(19,9)·... larger. k = 10: needed 3.
        let b = Buscar::new(20);
        let p = b.p(&order, 0.95).unwrap();
        let by_hand = [10.0 / 18.0, b.cdf(1, 19, 2, 9), b.cdf(2, 20, 3, 10)]
            .into_iter()
            .fold(1.0f64, f64::min);
        assert!((p - by_hand).abs() < 1e-12, "{p} {by_hand}");
        assert!((p - 10.0 / 18.0).abs() < 1e-12);
        assert_eq!(b.p(&[false, false], 0.95), None);
    }

    #[test]
    fn buscar_stops_once_everything_is_screened() {
        let order = [true, false, true, false, false, false];
        // Nothing unscreened: missing the target is impossible.
        assert_eq!(Buscar::new(6).p(&order, 0.95), Some(0.0));
    }

    #[test]
    fn a_long_run_of_irrelevant_records() {
        assert_eq!(irrelevant_in_a_row(&[true, false, false]), 2);
        assert_eq!(irrelevant_in_a_row(&[false, true]), 0);
    }
}
