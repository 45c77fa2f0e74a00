//! How well a screening order finds the relevant records, as ASReview and its insights
//! extension define the figures. `order` is the labels in the order screened, priors first.

use serde::Serialize;

/// The figures of one screening order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Metrics {
    /// Work saved over sampling at 95 % recall: (records − screened_to_95) / records − 0.05.
    pub wss95: f64,
    /// Work saved over sampling at 100 % recall: (records − screened_to_100) / records.
    pub wss100: f64,
    /// Share of the relevant records found in the first 10 % of records (rounded down).
    pub rrf10: f64,
    /// Mean position (from 1) of the relevant records, divided by the records.
    pub atd: f64,
    /// ASReview's loss: the normalised area between the perfect and the actual recall curves.
    pub loss: f64,
    /// Records screened when recall first reached 95 %.
    pub screened_to_95: usize,
    /// Records screened when the last relevant record was found.
    pub screened_to_100: usize,
}

impl Metrics {
    /// The figures of `order` (relevant or not, in the order screened) among `records`
    /// records; records never screened count as screened last, in any order. `None` when
    /// there is no relevant record or `order` finds fewer than all of them.
    pub fn of(order: &[bool], records: usize) -> Option<Metrics> {
        let relevant = order.iter().filter(|&&y| y).count();
        if relevant == 0 || records == 0 || records < order.len() {
            return None;
        }
        // The first position (from 1) where `found` relevant records have been seen.
        let reach = |found: usize| {
            let mut seen = 0;
            order
                .iter()
                .position(|&y| {
                    seen += usize::from(y);
                    seen >= found
                })
                .map(|p| p + 1)
        };
        // 95 % of the relevant records, rounded up (integer arithmetic: no float edge).
        let to95 = reach((95 * relevant).div_ceil(100))?;
        let to100 = reach(relevant)?;
        let n = records as f64;
        let first10 = order.iter().take(records / 10).filter(|&&y| y).count();
        let positions: usize = order
            .iter()
            .enumerate()
            .filter(|(_, &y)| y)
            .map(|(i, _)| i + 1)
            .sum();
        Some(Metrics {
            wss95: (n - to95 as f64) / n - 0.05,
            wss100: (n - to100 as f64) / n,
            rrf10: first10 as f64 / relevant as f64,
            atd: positions as f64 / relevant as f64 / n,
            loss: loss(order, records)?,
            screened_to_95: to95,
            screened_to_100: to100,
        })
    }
}

/// ASReview's `metrics.loss` over the labels padded with irrelevant records to `records`:
/// (Ny (Nx − (Ny − 1) / 2) − Σ cumsum) / (Ny (Nx − Ny)).
pub fn loss(order: &[bool], records: usize) -> Option<f64> {
    let ny = order.iter().filter(|&&y| y).count() as f64;
    let nx = records as f64;
    if ny == 0.0 || ny == nx {
        return None;
    }
    let mut found = 0.0;
    let mut area = 0.0;
    for &y in order {
        found += f64::from(u8::from(y));
        area += found;
    }
    // The padding: every later position has found them all.
    area += found * (records - order.len()) as f64;
    Some((ny * (nx - (ny - 1.0) / 2.0) - area) / (ny * (nx - ny)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(s: &str) -> Vec<bool> {
        s.chars().map(|c| c == '1').collect()
    }

    #[test]
    fn figures_of_a_hand_computed_order() {
        // 10 records, 4 relevant at positions 1, 2, 4 and 7.
        let m = Metrics::of(&labels("1101001000"), 10).unwrap();
        // 95 % of 4 is 3.8, so all 4: the 4th relevant at position 7.
        assert_eq!(m.screened_to_95, 7);
        assert_eq!(m.screened_to_100, 7);
        assert!((m.wss95 - (0.3 - 0.05)).abs() < 1e-12);
        assert!((m.wss100 - 0.3).abs() < 1e-12);
        // First 10 % = 1 record, 1 relevant of 4.
        assert!((m.rrf10 - 0.25).abs() < 1e-12);
        // Mean position (1 + 2 + 4 + 7) / 4 = 3.5, over 10 records.
        assert!((m.atd - 0.35).abs() < 1e-12);
        // Cumulative found: 1 2 2 3 3 3 4 4 4 4 = 30; Ny (Nx − (Ny − 1)/2) = 4 × 8.5 = 34;
        // Ny (Nx − Ny) = 24: (34 − 30) / 24.
        assert!((m.loss - 4.0 / 24.0).abs() < 1e-12);
    }

    #[test]
    fn perfect_and_worst_orders_bound_the_loss() {
        assert_eq!(loss(&labels("1100000000"), 10), Some(0.0));
        assert_eq!(loss(&labels("0000000011"), 10), Some(1.0));
        // Unscreened records count as irrelevant and last.
        assert_eq!(loss(&labels("11"), 10), Some(0.0));
        assert_eq!(loss(&labels("0000"), 10), None);
    }

    #[test]
    fn twenty_relevant_need_nineteen_for_95() {
        let mut order = vec![true; 19];
        order.extend([false; 10]);
        order.push(true);
        let m = Metrics::of(&order, 100).unwrap();
        assert_eq!(m.screened_to_95, 19);
        assert_eq!(m.screened_to_100, 30);
    }
}
