//! The order a reviewer screens a workspace in: the ranker trained on that reviewer's own
//! decisions (blind to anyone else's), or a random order until there is something to learn
//! from, and the stopping indicator over what they have screened.

use crate::buscar::{irrelevant_in_a_row, Buscar};
use crate::features::{Features, TfidfOptions};
use crate::rank::{Ranker, Svm, SvmOptions};
use concur_lit::Record;
use serde::Serialize;

/// The ranker's version: a decision keeps it with the rank it was shown at, and it changes
/// when the model or its features change, so that old ranks are not compared with new ones.
pub const MODEL_VERSION: u32 = 1;

/// The text the model reads of a record: title, abstract and keywords.
pub fn record_text(r: &Record) -> String {
    let mut text = r.title.clone().unwrap_or_default();
    if let Some(a) = r.abstract_text() {
        text.push(' ');
        text.push_str(&a);
    }
    for k in &r.keywords {
        text.push(' ');
        text.push_str(k);
    }
    text
}

/// A reviewer's ranking of the records they have not screened.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ranking {
    /// Rows, likeliest relevant first.
    pub order: Vec<usize>,
    /// The model and what it learnt from (`svm-tfidf/1, 12 decisions`), or `random/1` when
    /// the order is random.
    pub model: String,
    /// Whether the order is random (no model yet, or a random sample asked for).
    pub random: bool,
}

/// Ranks the records of a workspace for one reviewer.
pub struct Queue {
    x: Features,
    seed: u64,
}

impl Queue {
    /// Features for `texts` (one per record, in the rows the rankings use).
    pub fn new<S: AsRef<str>>(texts: &[S], seed: u64) -> Queue {
        Queue {
            x: Features::tfidf(texts, TfidfOptions::default()),
            seed,
        }
    }

    /// How many records it ranks.
    pub fn len(&self) -> usize {
        self.x.len()
    }

    /// Whether it ranks none.
    pub fn is_empty(&self) -> bool {
        self.x.is_empty()
    }

    /// The `unscreened` rows in the order to screen them, from the reviewer's `labelled`
    /// decisions (`(row, relevant)` in the order made): the ranker's order once both kinds of
    /// decision exist, else random. The same decisions and seed give the same order.
    pub fn rank(&self, labelled: &[(usize, bool)], unscreened: &[usize]) -> Ranking {
        let both = labelled.iter().any(|l| l.1) && labelled.iter().any(|l| !l.1);
        if !both {
            return self.random(labelled.len(), unscreened);
        }
        let mut svm = Svm::new(SvmOptions {
            seed: self.seed,
            ..SvmOptions::default()
        });
        svm.fit(&self.x, labelled);
        let mut scores = Vec::new();
        svm.score(&self.x, unscreened, &mut scores);
        let mut idx: Vec<usize> = (0..unscreened.len()).collect();
        idx.sort_by(|&a, &b| {
            scores[b]
                .total_cmp(&scores[a])
                .then(unscreened[a].cmp(&unscreened[b]))
        });
        Ranking {
            order: idx.into_iter().map(|j| unscreened[j]).collect(),
            model: format!(
                "{}/{MODEL_VERSION}, {} decisions",
                svm.name(),
                labelled.len()
            ),
            random: false,
        }
    }

    /// The `unscreened` rows in a random order, seeded by the seed and how many decisions
    /// were made (a random sample for the stopping rule's estimate).
    pub fn random(&self, decisions: usize, unscreened: &[usize]) -> Ranking {
        let mut order = unscreened.to_vec();
        fastrand::Rng::with_seed(self.seed ^ (decisions as u64).wrapping_mul(0x9e37_79b9))
            .shuffle(&mut order);
        Ranking {
            order,
            model: format!("random/{MODEL_VERSION}"),
            random: true,
        }
    }
}

/// Where a reviewer stands against the stopping rules.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stopping {
    /// Records in the pool.
    pub records: usize,
    /// Records the reviewer has screened.
    pub screened: usize,
    /// Relevant (included or maybe) among them.
    pub relevant: usize,
    /// Of the screened, how many were screened as a random sample (in a random order).
    pub random_sample: usize,
    /// Relevant records in the random sample.
    pub random_relevant: usize,
    /// Recall estimated from the random sample: relevant found over the relevant records the
    /// sample's rate predicts (none without a sample, or with none relevant in it).
    pub estimated_recall: Option<f64>,
    /// BUSCAR's recall target.
    pub recall_target: f64,
    /// BUSCAR's confidence.
    pub confidence: f64,
    /// BUSCAR's p value (none before a relevant record is seen).
    pub buscar_p: Option<f64>,
    /// Whether BUSCAR says screening may stop (p under 1 − confidence).
    pub buscar_stop: bool,
    /// Irrelevant records screened since the last relevant one (a heuristic that often stops
    /// too early; shown second).
    pub irrelevant_in_a_row: usize,
}

/// The stopping indicator for a reviewer who screened `order` (relevant or not, in the order
/// screened) of `records`, the first `random_sample` of them in a random order.
pub fn stopping(
    order: &[bool],
    records: usize,
    random_sample: usize,
    recall_target: f64,
    confidence: f64,
) -> Stopping {
    let relevant = order.iter().filter(|&&y| y).count();
    let sample = &order[..random_sample.min(order.len())];
    let random_relevant = sample.iter().filter(|&&y| y).count();
    let estimated_recall = (random_relevant > 0).then(|| {
        let expected = random_relevant as f64 / sample.len() as f64 * records as f64;
        (relevant as f64 / expected.max(relevant as f64)).min(1.0)
    });
    let buscar_p = if order.len() <= records {
        Buscar::new(records).p(order, recall_target)
    } else {
        None
    };
    Stopping {
        records,
        screened: order.len(),
        relevant,
        random_sample: sample.len(),
        random_relevant,
        estimated_recall,
        recall_target,
        confidence,
        buscar_p,
        buscar_stop: buscar_p.is_some_and(|p| p < 1.0 - confidence),
        irrelevant_in_a_row: irrelevant_in_a_row(order),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts() -> Vec<String> {
        (0..60)
            .map(|i| {
                if i % 6 == 0 {
                    format!("trastuzumab emtansine radiotherapy necrosis {i}")
                } else {
                    format!("knee cartilage athletes {i}")
                }
            })
            .collect()
    }

    #[test]
    fn random_until_both_kinds_then_the_model_and_the_same_order_twice() {
        let q = Queue::new(&texts(), 7);
        let rows: Vec<usize> = (1..60).collect();
        let r = q.rank(&[(0, true)], &rows);
        assert!(r.random);
        assert_eq!(r, q.rank(&[(0, true)], &rows));
        let mut sorted = r.order.clone();
        sorted.sort();
        assert_eq!(sorted, rows);
        let rows: Vec<usize> = (2..60).collect();
        let m = q.rank(&[(0, true), (1, false)], &rows);
        assert!(!m.random);
        assert_eq!(m.model, "svm-tfidf/1, 2 decisions");
        // The nine other relevant records first.
        assert!(m.order[..9].iter().all(|i| i % 6 == 0), "{:?}", m.order);
        assert_eq!(m, q.rank(&[(0, true), (1, false)], &rows));
    }

    #[test]
    fn stopping_estimates_recall_from_the_random_sample() {
        // 10 random records with 1 relevant in a pool of 100: about 10 relevant expected.
        let mut order = vec![false; 10];
        order[3] = true;
        order.extend([true, true, true, true, false]);
        let s = stopping(&order, 100, 10, 0.95, 0.95);
        assert_eq!((s.screened, s.relevant, s.random_relevant), (15, 5, 1));
        assert!((s.estimated_recall.unwrap() - 0.5).abs() < 1e-12);
        assert_eq!(s.irrelevant_in_a_row, 1);
        assert!(!s.buscar_stop);
        // Everything screened: BUSCAR may stop.
        let all = vec![true, false, false];
        assert!(stopping(&all, 3, 0, 0.95, 0.95).buscar_stop);
    }
}
