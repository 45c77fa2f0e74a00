//! Replaying a labelled set through the ranking loop and the stopping rule, as ASReview's
//! `simulate` does: priors first, then the top-ranked unscreened record, retraining after each.

use crate::buscar::Buscar;
use crate::error::ScreenError;
use crate::features::{Features, TfidfOptions};
use crate::labelled::Labelled;
use crate::metrics::Metrics;
use crate::rank::{Ranker, Svm, SvmOptions};
use serde::Serialize;
use std::time::Instant;

/// How a simulation runs.
#[derive(Debug, Clone, Copy)]
pub struct SimOptions {
    /// Seeds the priors and the model.
    pub seed: u64,
    /// Relevant records screened first, drawn at random.
    pub prior_included: usize,
    /// Irrelevant records screened first, drawn at random.
    pub prior_excluded: usize,
    /// BUSCAR's recall target.
    pub recall_target: f64,
    /// BUSCAR's confidence.
    pub confidence: f64,
    /// The model.
    pub svm: SvmOptions,
    /// Score every unscreened record at every step, instead of only those that could lead
    /// (the same order, slower: for checking the faster path).
    pub score_all: bool,
}

impl Default for SimOptions {
    fn default() -> SimOptions {
        SimOptions {
            seed: 1,
            prior_included: 1,
            prior_excluded: 1,
            recall_target: 0.95,
            confidence: 0.95,
            svm: SvmOptions::default(),
            score_all: false,
        }
    }
}

/// One simulated screening.
#[derive(Debug, Clone, Serialize)]
pub struct SimRun {
    /// The seed.
    pub seed: u64,
    /// The figures of its order.
    #[serde(flatten)]
    pub metrics: Metrics,
    /// Records screened when BUSCAR said stop (`None`: it never did).
    pub buscar_stop: Option<usize>,
    /// Recall at that point.
    pub recall_at_buscar_stop: Option<f64>,
    /// Seconds the whole simulation took (features excluded).
    pub wall_s: f64,
    /// Mean milliseconds per step to retrain and re-rank.
    pub step_ms: f64,
    /// Whether each record screened was relevant, in order (for recall curves).
    #[serde(skip)]
    pub order: Vec<bool>,
}

/// How often BUSCAR is checked: every record for sets up to 1,000 records, else every 0.1 %
/// of them (each check is one hypergeometric CDF per record screened).
fn check_every(records: usize) -> usize {
    (records / 1000).max(1)
}

/// Simulates screening `x` with the true `labels`; `priors` (rows) are screened first when
/// given, else the options' numbers of each kind are drawn with the seed.
pub fn simulate(
    x: &Features,
    labels: &[bool],
    o: &SimOptions,
    priors: Option<&[usize]>,
) -> Result<SimRun, ScreenError> {
    let n = labels.len();
    let relevant: Vec<usize> = (0..n).filter(|&i| labels[i]).collect();
    let irrelevant: Vec<usize> = (0..n).filter(|&i| !labels[i]).collect();
    if relevant.is_empty() {
        return Err(ScreenError::OneClass("relevant"));
    }
    if irrelevant.is_empty() {
        return Err(ScreenError::OneClass("irrelevant"));
    }
    let mut rng = fastrand::Rng::with_seed(o.seed);
    let mut pick = |pool: &[usize], k: usize, kind| {
        if k > pool.len() {
            return Err(ScreenError::TooManyPriors {
                kind,
                asked: k,
                available: pool.len(),
            });
        }
        let mut pool = pool.to_vec();
        rng.shuffle(&mut pool);
        pool.truncate(k);
        Ok(pool)
    };
    let priors = match priors {
        Some(rows) => {
            if let Some(&bad) = rows.iter().find(|&&r| r >= n) {
                return Err(ScreenError::NoSuchRow {
                    row: bad,
                    records: n,
                });
            }
            let mut once = Vec::with_capacity(rows.len());
            for &r in rows {
                if !once.contains(&r) {
                    once.push(r);
                }
            }
            once
        }
        None => {
            let mut p = pick(&relevant, o.prior_included, "relevant")?;
            p.extend(pick(&irrelevant, o.prior_excluded, "irrelevant")?);
            p
        }
    };
    let started = Instant::now();
    let mut svm = Svm::new(SvmOptions {
        seed: o.seed,
        ..o.svm
    });
    let buscar = Buscar::new(n);
    let mut screened = vec![false; n];
    let mut labelled: Vec<(usize, bool)> = Vec::with_capacity(n);
    let mut order: Vec<bool> = Vec::with_capacity(n);
    for &i in &priors {
        screened[i] = true;
        labelled.push((i, labels[i]));
        order.push(labels[i]);
    }
    let mut found = order.iter().filter(|&&y| y).count();
    let mut stop = None;
    let mut leader = Leader::new(n);
    let (mut steps, mut step_time) = (0usize, 0f64);
    let every = check_every(n);
    while labelled.len() < n && !(found == relevant.len() && stop.is_some()) {
        let both = labelled.iter().any(|l| l.1) && labelled.iter().any(|l| !l.1);
        let next = if both {
            let t = Instant::now();
            svm.fit(x, &labelled);
            let best = leader.next(&svm, x, &screened, o.score_all);
            step_time += t.elapsed().as_secs_f64();
            steps += 1;
            best
        } else {
            // No model yet without both kinds of decision: a random unscreened record.
            let left: Vec<usize> = (0..n).filter(|&i| !screened[i]).collect();
            (!left.is_empty()).then(|| left[rng.usize(..left.len())])
        };
        let Some(i) = next else { break };
        screened[i] = true;
        labelled.push((i, labels[i]));
        order.push(labels[i]);
        found += usize::from(labels[i]);
        if stop.is_none() && (order.len().is_multiple_of(every) || labelled.len() == n) {
            if let Some(p) = buscar.p(&order, o.recall_target) {
                if p < 1.0 - o.confidence {
                    stop = Some(order.len());
                }
            }
        }
    }
    let wall_s = started.elapsed().as_secs_f64();
    let metrics = Metrics::of(&order, n).ok_or(ScreenError::OneClass("relevant"))?;
    let recall_at =
        stop.map(|s| order[..s].iter().filter(|&&y| y).count() as f64 / relevant.len() as f64);
    Ok(SimRun {
        seed: o.seed,
        metrics,
        buscar_stop: stop,
        recall_at_buscar_stop: recall_at,
        wall_s,
        step_ms: if steps == 0 {
            0.0
        } else {
            step_time * 1e3 / steps as f64
        },
        order,
    })
}

/// Keeps the unscreened records in a heap by the highest score each could have now: its score
/// when last computed plus how far the ranker says scores have moved since. A step rescores only
/// the records whose bound reaches the best score found, so late steps, where the model moves
/// little, score a few hundred records instead of all of them; the record chosen is the one a
/// full scan would choose (highest score, then lowest row).
struct Leader {
    heap: std::collections::BinaryHeap<(Key, std::cmp::Reverse<usize>)>,
    /// The sum of the ranker's drifts since the heap was filled.
    moved: f64,
    filled: bool,
    batch: Vec<usize>,
    scores: Vec<f32>,
    records: usize,
}

/// A score bound in the heap (f64 ordered totally).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Key(f64);

impl Eq for Key {}

impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Key {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}

/// Room for rounding: scores are summed in f32.
const ROUNDING: f64 = 1e-4;

impl Leader {
    fn new(records: usize) -> Leader {
        Leader {
            heap: std::collections::BinaryHeap::with_capacity(records),
            moved: 0.0,
            filled: false,
            batch: Vec::new(),
            scores: Vec::new(),
            records,
        }
    }

    /// The unscreened record the ranker scores highest.
    fn next(
        &mut self,
        ranker: &dyn Ranker,
        x: &Features,
        screened: &[bool],
        score_all: bool,
    ) -> Option<usize> {
        match ranker.drift() {
            Some(d) if self.filled && !score_all => self.moved += d,
            _ => {
                // Everything is rescored: the bounds start again from the exact scores.
                self.heap.clear();
                self.moved = 0.0;
                self.batch.clear();
                self.batch
                    .extend((0..self.records).filter(|&i| !screened[i]));
                ranker.score(x, &self.batch, &mut self.scores);
                let mut best: Option<(f32, usize)> = None;
                for (&r, &s) in self.batch.iter().zip(&self.scores) {
                    if best.is_none_or(|(bs, br)| s > bs || (s == bs && r < br)) {
                        best = Some((s, r));
                    }
                    self.heap.push((Key(f64::from(s)), std::cmp::Reverse(r)));
                }
                self.filled = true;
                return best.map(|b| b.1);
            }
        }
        let mut best: Option<(f32, usize)> = None;
        // Rescored records go back into the heap after the search, so that none is scored twice.
        let mut rescored: Vec<(f32, usize)> = Vec::new();
        loop {
            self.batch.clear();
            while self.batch.len() < 256 {
                let Some(&(Key(k), std::cmp::Reverse(r))) = self.heap.peek() else {
                    break;
                };
                if best.is_some_and(|(bs, _)| k + self.moved + ROUNDING < f64::from(bs)) {
                    break;
                }
                self.heap.pop();
                if !screened[r] {
                    self.batch.push(r);
                }
            }
            if self.batch.is_empty() {
                break;
            }
            ranker.score(x, &self.batch, &mut self.scores);
            for (&r, &s) in self.batch.iter().zip(&self.scores) {
                if best.is_none_or(|(bs, br)| s > bs || (s == bs && r < br)) {
                    best = Some((s, r));
                }
                rescored.push((s, r));
            }
        }
        for (s, r) in rescored {
            self.heap
                .push((Key(f64::from(s) - self.moved), std::cmp::Reverse(r)));
        }
        best.map(|b| b.1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::TfidfOptions;

    #[test]
    fn rescoring_only_the_possible_leaders_gives_the_full_scans_order() {
        let (x, labels) = set();
        for seed in 1..4 {
            let o = SimOptions {
                seed,
                svm: SvmOptions {
                    budget: 30,
                    ..SvmOptions::default()
                },
                ..SimOptions::default()
            };
            let lazy = simulate(&x, &labels, &o, None).unwrap();
            let full = simulate(
                &x,
                &labels,
                &SimOptions {
                    score_all: true,
                    ..o
                },
                None,
            )
            .unwrap();
            assert_eq!(lazy.order, full.order);
        }
    }

    /// 200 records: 20 about radiotherapy with T-DM1 (relevant), 180 about other things.
    fn set() -> (Features, Vec<bool>) {
        let mut texts = Vec::new();
        let mut labels = Vec::new();
        let topics = [
            "knee cartilage",
            "depression model",
            "software metrics",
            "nudging doctors",
        ];
        for i in 0..200 {
            if i % 10 == 3 {
                texts.push(format!(
                    "trastuzumab emtansine with radiotherapy case {i} necrosis"
                ));
                labels.push(true);
            } else {
                texts.push(format!("{} study {i} outcomes", topics[i % 4]));
                labels.push(false);
            }
        }
        (Features::tfidf(&texts, TfidfOptions::default()), labels)
    }

    #[test]
    fn finds_the_relevant_records_first_and_the_same_way_twice() {
        let (x, labels) = set();
        let a = simulate(&x, &labels, &SimOptions::default(), None).unwrap();
        let b = simulate(&x, &labels, &SimOptions::default(), None).unwrap();
        assert_eq!(a.order, b.order);
        // Two priors, then all 19 other relevant records before any irrelevant one.
        assert_eq!(a.metrics.screened_to_100, 21, "{:?}", a.metrics);
        assert!(a.metrics.wss95 > 0.8);
        let stop = a.buscar_stop.unwrap();
        assert!(a.recall_at_buscar_stop.unwrap() >= 0.95);
        assert!(stop > 21 && stop < 200);
    }

    #[test]
    fn priors_beyond_the_set_are_refused() {
        let (x, labels) = set();
        let o = SimOptions {
            prior_included: 50,
            ..SimOptions::default()
        };
        let e = simulate(&x, &labels, &o, None).unwrap_err();
        assert!(simulate(&x, &labels, &o, Some(&[3, 500])).is_err());
        // Given priors are used as they are.
        let given = simulate(&x, &labels, &SimOptions::default(), Some(&[13, 0])).unwrap();
        assert_eq!(&given.order[..2], &[true, false]);
        assert!(e.to_string().contains("50 prior relevant"), "{e}");
    }
}

/// Several simulated screenings of one labelled set, one per seed, and their mean.
#[derive(Debug, Clone, Serialize)]
pub struct Simulation {
    /// Records in the set.
    pub records: usize,
    /// Relevant records in the set.
    pub relevant: usize,
    /// One run per seed.
    pub runs: Vec<SimRun>,
    /// The mean over the runs of each figure.
    pub mean: MeanRun,
}

/// The mean of each figure over several runs (a stop that never came counts as screening
/// everything, with full recall).
#[derive(Debug, Clone, Default, Serialize)]
pub struct MeanRun {
    /// Mean WSS@95.
    pub wss95: f64,
    /// Mean WSS@100.
    pub wss100: f64,
    /// Mean RRF@10.
    pub rrf10: f64,
    /// Mean ATD.
    pub atd: f64,
    /// Mean loss.
    pub loss: f64,
    /// Mean records screened to 95 % recall.
    pub screened_to_95: f64,
    /// Mean records screened when BUSCAR said stop.
    pub buscar_stop: f64,
    /// Mean recall there.
    pub recall_at_buscar_stop: f64,
    /// Mean seconds per run.
    pub wall_s: f64,
    /// Mean milliseconds per step.
    pub step_ms: f64,
}

/// Runs `runs` simulations with seeds `o.seed`, `o.seed + 1`, ... (`progress` is told each
/// finished run).
pub fn simulate_runs(
    x: &Features,
    labels: &[bool],
    o: &SimOptions,
    priors: Option<&[usize]>,
    runs: usize,
    progress: &mut dyn FnMut(usize),
) -> Result<Simulation, ScreenError> {
    let mut out = Vec::with_capacity(runs);
    for r in 0..runs {
        let seed = o.seed + r as u64;
        out.push(simulate(x, labels, &SimOptions { seed, ..*o }, priors)?);
        progress(r + 1);
    }
    let n = out.len().max(1) as f64;
    let records = labels.len();
    let mean = |f: &dyn Fn(&SimRun) -> f64| out.iter().map(f).sum::<f64>() / n;
    let mean_run = MeanRun {
        wss95: mean(&|r| r.metrics.wss95),
        wss100: mean(&|r| r.metrics.wss100),
        rrf10: mean(&|r| r.metrics.rrf10),
        atd: mean(&|r| r.metrics.atd),
        loss: mean(&|r| r.metrics.loss),
        screened_to_95: mean(&|r| r.metrics.screened_to_95 as f64),
        buscar_stop: mean(&|r| r.buscar_stop.unwrap_or(records) as f64),
        recall_at_buscar_stop: mean(&|r| r.recall_at_buscar_stop.unwrap_or(1.0)),
        wall_s: mean(&|r| r.wall_s),
        step_ms: mean(&|r| r.step_ms),
    };
    Ok(Simulation {
        records,
        relevant: labels.iter().filter(|&&y| y).count(),
        runs: out,
        mean: mean_run,
    })
}

/// [`simulate_runs`] over a labelled set, with the model's own features (title and abstract).
pub fn simulate_labelled(
    records: &[Labelled],
    o: &SimOptions,
    priors: Option<&[usize]>,
    runs: usize,
    progress: &mut dyn FnMut(usize),
) -> Result<Simulation, ScreenError> {
    let texts: Vec<String> = records.iter().map(Labelled::text).collect();
    let labels: Vec<bool> = records.iter().map(|r| r.relevant).collect();
    let x = Features::tfidf(&texts, TfidfOptions::default());
    simulate_runs(&x, &labels, o, priors, runs, progress)
}
