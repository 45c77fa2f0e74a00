//! One reviewer's screening of a pool of records: what comes next and where they stand. It is
//! handed the pool and the reviewer's own decisions (never another reviewer's: screening is
//! blind), so the command line and the web app ask the same thing the same way.

use crate::queue::{stopping, Queue, Ranking, Stopping};
use serde::Serialize;
use std::collections::HashMap;

/// A reviewer's decision as the ranking reads it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Decided {
    /// The record.
    pub record: i64,
    /// Whether it moved on (include or maybe).
    pub relevant: bool,
    /// Whether it was shown in a random order (a random-sample decision).
    pub random: bool,
}

/// The record to screen next.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Next {
    /// The record.
    pub record: i64,
    /// Its rank among the records left (1 = first).
    pub rank: usize,
    /// The model that ranked it.
    pub model: String,
    /// Whether the order is random.
    pub random: bool,
    /// Records the reviewer has left to screen, this one included.
    pub left: usize,
}

/// A pool of records with their features.
pub struct Pool {
    ids: Vec<i64>,
    rows: HashMap<i64, usize>,
    queue: Queue,
}

impl Pool {
    /// The pool: `(record, text)` pairs; `seed` seeds the model and the random orders.
    pub fn new(records: &[(i64, String)], seed: u64) -> Pool {
        let texts: Vec<&str> = records.iter().map(|(_, t)| t.as_str()).collect();
        let ids: Vec<i64> = records.iter().map(|(id, _)| *id).collect();
        let rows = ids.iter().enumerate().map(|(row, &id)| (id, row)).collect();
        Pool {
            queue: Queue::new(&texts, seed),
            ids,
            rows,
        }
    }

    /// Records in the pool.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether the pool is empty.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Whether the record is in the pool.
    pub fn contains(&self, record: i64) -> bool {
        self.rows.contains_key(&record)
    }

    /// The records the reviewer has not decided on and that are not `settled` (excluded by a
    /// hard limit), in the order to screen them: random when `sample` is asked for or the
    /// model has nothing to learn from yet, else the model's.
    pub fn ranking(
        &self,
        decided: &[Decided],
        settled: &[i64],
        sample: bool,
    ) -> (Vec<i64>, Ranking) {
        let mut done = vec![false; self.ids.len()];
        let mut labelled = Vec::with_capacity(decided.len());
        for d in decided {
            if let Some(&row) = self.rows.get(&d.record) {
                done[row] = true;
                labelled.push((row, d.relevant));
            }
        }
        for r in settled {
            if let Some(&row) = self.rows.get(r) {
                done[row] = true;
            }
        }
        let unscreened: Vec<usize> = (0..self.ids.len()).filter(|&i| !done[i]).collect();
        let ranking = if sample {
            self.queue.random(labelled.len(), &unscreened)
        } else {
            self.queue.rank(&labelled, &unscreened)
        };
        (
            ranking.order.iter().map(|&r| self.ids[r]).collect(),
            ranking,
        )
    }

    /// The record to screen next, if any is left.
    pub fn next(&self, decided: &[Decided], settled: &[i64], sample: bool) -> Option<Next> {
        let (order, ranking) = self.ranking(decided, settled, sample);
        order.first().map(|&record| Next {
            record,
            rank: 1,
            model: ranking.model,
            random: ranking.random,
            left: order.len(),
        })
    }

    /// Where the reviewer stands against the stopping rules; the pool less the `settled`
    /// records is what they screen.
    pub fn stopping(
        &self,
        decided: &[Decided],
        settled: usize,
        recall_target: f64,
        confidence: f64,
    ) -> Stopping {
        reviewer_stopping(
            self.ids.len(),
            &|r| self.contains(r),
            decided,
            settled,
            recall_target,
            confidence,
        )
    }
}

/// The stopping indicator of a reviewer over a pool of `records` (of which `in_pool` says which
/// ids), less the `settled` ones: no features needed, so a status report need not build them.
pub fn reviewer_stopping(
    records: usize,
    in_pool: &dyn Fn(i64) -> bool,
    decided: &[Decided],
    settled: usize,
    recall_target: f64,
    confidence: f64,
) -> Stopping {
    let mine: Vec<&Decided> = decided.iter().filter(|d| in_pool(d.record)).collect();
    let order: Vec<bool> = mine.iter().map(|d| d.relevant).collect();
    let sample = mine.iter().take_while(|d| d.random).count();
    let records = records.saturating_sub(settled).max(order.len());
    stopping(&order, records, sample, recall_target, confidence)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_skips_what_the_reviewer_and_the_limits_settled() {
        let records: Vec<(i64, String)> = (10..30)
            .map(|i| {
                let text = if i % 5 == 0 {
                    format!("emtansine radiotherapy {i}")
                } else {
                    format!("cartilage knee {i}")
                };
                (i, text)
            })
            .collect();
        let pool = Pool::new(&records, 1);
        let decided = [
            Decided {
                record: 10,
                relevant: true,
                random: true,
            },
            Decided {
                record: 11,
                relevant: false,
                random: true,
            },
        ];
        let next = pool.next(&decided, &[15], false).unwrap();
        // 15 is settled; the other relevant records come first.
        assert!([20, 25].contains(&next.record), "{next:?}");
        assert_eq!(next.left, 17);
        assert!(!next.random);
        let s = pool.stopping(&decided, 1, 0.95, 0.95);
        assert_eq!((s.records, s.screened, s.random_sample), (19, 2, 2));
        assert!(pool.next(&decided, &[15], true).unwrap().random);
    }
}
