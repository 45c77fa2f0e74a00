//! Rankers: models that learn from the records screened so far and score the rest.
//!
//! The first is ASReview's default made fast: a linear SVM (L2-regularised squared hinge, as
//! sklearn's `LinearSVC`) over TF-IDF, with ASReview's balanced sample weights, trained by dual
//! coordinate descent (Hsieh et al. 2008, the method of LIBLINEAR that `LinearSVC` wraps) and
//! warm-started from the previous step, so each new decision costs a few passes.
//! Written here: no well-kept Rust crate trains a sparse linear SVM with sample weights and a
//! warm start (linfa-svm is dense and kernel-based).

use crate::features::Features;
use rayon::prelude::*;

/// A model that puts the likeliest relevant records first.
pub trait Ranker {
    /// A short name for logs and decisions (`svm-tfidf`).
    fn name(&self) -> &str;
    /// Learns from the screened records: `(row, relevant)` pairs, in the order screened.
    fn fit(&mut self, x: &Features, labelled: &[(usize, bool)]);
    /// Scores the records `rows` (higher is likelier relevant) into `out`, in the same order.
    fn score(&self, x: &Features, rows: &[usize], out: &mut Vec<f32>);
    /// A bound on how far the score of any row of length at most 1 moved in the last fit, if
    /// the ranker knows one: a caller may then rescore only the rows that could now lead.
    fn drift(&self) -> Option<f64> {
        None
    }
}

/// The linear SVM's settings (ASReview's `elas_u4` but for C: see `c`).
#[derive(Debug, Clone, Copy)]
pub struct SvmOptions {
    /// Regularisation: larger fits the screened records more closely. 0.5 rather than
    /// ASReview's 0.11: holding out each labelled set in turn, the value that ranked best on the
    /// other three was 0.5 or 1.0, never 0.11 (docs/screening.md).
    pub c: f64,
    /// ASReview's balance ratio: an excluded record weighs relevant / (ratio × excluded) of a
    /// relevant one, before the weights are scaled to sum to the number of records.
    pub ratio: f64,
    /// Stop when the projected gradient's spread is under this.
    pub tolerance: f64,
    /// At most this many passes over the screened records per fit.
    pub max_passes: usize,
    /// Seeds the order of the coordinate passes.
    pub seed: u64,
    /// Once more records than this are screened, a step updates the new records and this many
    /// others drawn at random instead of refitting to convergence, and a full fit comes each
    /// time the screened records have grown by a tenth: the cost of a step stops growing with
    /// the records screened. 0 always refits to convergence.
    pub budget: usize,
}

impl Default for SvmOptions {
    fn default() -> SvmOptions {
        SvmOptions {
            c: 0.5,
            ratio: 9.8,
            tolerance: 0.1,
            max_passes: 1000,
            seed: 0,
            budget: 1000,
        }
    }
}

/// Linear SVM over TF-IDF with an intercept (a constant feature of 1, regularised as in
/// LIBLINEAR).
#[derive(Debug, Clone)]
pub struct Svm {
    options: SvmOptions,
    w: Vec<f32>,
    bias: f64,
    /// Dual variables by row (kept between fits: the warm start).
    alpha: Vec<f64>,
    rng: fastrand::Rng,
    order: Vec<usize>,
    /// Screened records at the last fit, and at the last full fit.
    seen: usize,
    full_at: usize,
    /// How far each weight moved in the current fit, the weights that moved, and how far
    /// scores could have moved in the last fit.
    delta: Vec<f32>,
    moved: Vec<u32>,
    drift: Option<f64>,
}

impl Svm {
    /// A model with these settings.
    pub fn new(options: SvmOptions) -> Svm {
        Svm {
            rng: fastrand::Rng::with_seed(options.seed),
            options,
            w: Vec::new(),
            bias: 0.0,
            alpha: Vec::new(),
            order: Vec::new(),
            seen: 0,
            full_at: 0,
            delta: Vec::new(),
            moved: Vec::new(),
            drift: None,
        }
    }

    /// The weight of each class's records: (relevant, excluded).
    fn weights(&self, labelled: &[(usize, bool)]) -> (f64, f64) {
        let n1 = labelled.iter().filter(|(_, y)| *y).count() as f64;
        let n0 = labelled.len() as f64 - n1;
        if n1 == 0.0 || n0 == 0.0 {
            return (1.0, 1.0);
        }
        let w0 = n1 / (self.options.ratio * n0);
        let scale = labelled.len() as f64 / (n1 + w0 * n0);
        (scale, w0 * scale)
    }
}

impl Svm {
    /// Coordinate descent from the kept alphas (see `fit`).
    fn fit_inner(&mut self, x: &Features, labelled: &[(usize, bool)]) {
        // w = sum of alpha_i y_i x_i holds between fits (the kept alphas are the warm start);
        // only the class weights, and with them the dual's diagonal, move as decisions arrive.
        let (w1, w0) = self.weights(labelled);
        // Squared hinge: D_ii = 1 / (2 C_i), no upper bound on alpha. Coordinate descent with
        // LIBLINEAR's shrinking: a record at alpha = 0 whose gradient says it will stay there
        // is left out of later passes until the rest converge, then everything is checked once
        // more.
        let c = self.options.c;
        let d = move |y: bool| 0.5 / (c * if y { w1 } else { w0 });
        let l = labelled.len();
        let budget = self.options.budget;
        if budget > 0 && l > budget && self.seen <= l && l * 10 < self.full_at * 11 {
            // Between full fits: the records new since the last fit, then `budget` others.
            let old = self.seen;
            let drawn: Vec<usize> = (0..budget).map(|_| self.rng.usize(..old.max(1))).collect();
            for k in (old..l).chain(drawn) {
                let (i, y) = labelled[k];
                let dii = d(y);
                let g = self.gradient(x, i, y, dii);
                if self.alpha[i] > 0.0 || g < 0.0 {
                    self.step(x, i, y, g, dii);
                }
            }
            self.seen = l;
            return;
        }
        self.seen = l;
        self.full_at = l;
        self.order.clear();
        self.order.extend(0..l);
        let mut active = l;
        // Without an upper bound on alpha only the lower bound shrinks (LIBLINEAR's PGmax).
        let mut pg_max_old = f64::INFINITY;
        for _ in 0..self.options.max_passes {
            self.rng.shuffle(&mut self.order[..active]);
            let (mut hi, mut lo) = (f64::NEG_INFINITY, f64::INFINITY);
            let mut s = 0;
            while s < active {
                let (i, y) = labelled[self.order[s]];
                let dii = d(y);
                let g = self.gradient(x, i, y, dii);
                let pg = if self.alpha[i] == 0.0 {
                    if g > pg_max_old {
                        active -= 1;
                        self.order.swap(s, active);
                        continue;
                    }
                    g.min(0.0)
                } else {
                    g
                };
                hi = hi.max(pg);
                lo = lo.min(pg);
                if pg.abs() > 1e-12 {
                    self.step(x, i, y, g, dii);
                }
                s += 1;
            }
            if hi - lo <= self.options.tolerance {
                if active == l {
                    break;
                }
                active = l;
                pg_max_old = f64::INFINITY;
                continue;
            }
            pg_max_old = if hi <= 0.0 { f64::INFINITY } else { hi };
        }
    }

    /// The dual's gradient for record `i`: y f(x) − 1 + D_ii alpha_i.
    fn gradient(&self, x: &Features, i: usize, y: bool, dii: f64) -> f64 {
        let margin = f64::from(x.dot(i, &self.w)) + self.bias;
        (if y { margin } else { -margin }) - 1.0 + dii * self.alpha[i]
    }

    /// The exact minimisation along record `i`'s coordinate, keeping w and the intercept.
    fn step(&mut self, x: &Features, i: usize, y: bool, g: f64, dii: f64) {
        let (c, v) = x.row(i);
        // Rows are unit length (or empty) and the intercept's feature is 1.
        let q = if c.is_empty() { 1.0 } else { 2.0 } + dii;
        let old = self.alpha[i];
        let new = (old - g / q).max(0.0);
        self.alpha[i] = new;
        let step = (new - old) * if y { 1.0 } else { -1.0 };
        for (&k, &xv) in c.iter().zip(v) {
            let change = (step * f64::from(xv)) as f32;
            if change == 0.0 {
                continue;
            }
            self.w[k as usize] += change;
            let d = &mut self.delta[k as usize];
            if *d == 0.0 {
                // Marked by a change that is never exactly zero in practice; a weight that moves
                // back to a delta of exactly zero is listed again, which the sum tolerates.
                self.moved.push(k);
            }
            *d += change;
        }
        self.bias += step;
    }
}

impl Ranker for Svm {
    fn name(&self) -> &str {
        "svm-tfidf"
    }

    fn fit(&mut self, x: &Features, labelled: &[(usize, bool)]) {
        if self.w.len() != x.terms() || self.alpha.len() != x.len() {
            self.w = vec![0.0; x.terms()];
            self.alpha = vec![0.0; x.len()];
            self.bias = 0.0;
            self.seen = 0;
            self.full_at = 0;
            self.drift = None;
            self.delta = vec![0.0; x.terms()];
            self.moved.clear();
        }
        let first = self.drift.is_none() && self.seen == 0;
        let bias_before = self.bias;
        self.fit_inner(x, labelled);
        // |Δw·x + Δb| ≤ ‖Δw‖ + |Δb| for ‖x‖ ≤ 1; Δw is summed over the weights that moved only.
        let mut dw = 0.0f64;
        for &k in &self.moved {
            dw += f64::from(self.delta[k as usize]).powi(2);
            self.delta[k as usize] = 0.0;
        }
        self.moved.clear();
        self.drift = (!first).then(|| dw.sqrt() + (self.bias - bias_before).abs());
    }

    fn drift(&self) -> Option<f64> {
        self.drift
    }

    fn score(&self, x: &Features, rows: &[usize], out: &mut Vec<f32>) {
        out.clear();
        out.resize(rows.len(), 0.0);
        if self.w.len() != x.terms() {
            return;
        }
        let b = self.bias as f32;
        // Terms in one record only are left out: their weight is zero unless that record was
        // screened, and screened records need no score.
        out.par_chunks_mut(1024)
            .zip(rows.par_chunks(1024))
            .for_each(|(scores, rows)| {
                for (s, &i) in scores.iter_mut().zip(rows) {
                    *s = x.shared_dot(i, &self.w) + b;
                }
            });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::TfidfOptions;

    fn corpus() -> Features {
        let texts = [
            "trastuzumab emtansine radiotherapy brain necrosis",
            "emtansine radiosurgery necrosis risk",
            "knee cartilage stem cells",
            "cartilage repair in the knee",
            "stem cell injection for osteoarthritis",
            "radiotherapy with emtansine and necrosis",
        ];
        Features::tfidf(
            &texts,
            TfidfOptions {
                max_df: 1.0,
                ..TfidfOptions::default()
            },
        )
    }

    #[test]
    fn learns_to_put_the_relevant_first() {
        let x = corpus();
        let mut svm = Svm::new(SvmOptions::default());
        svm.fit(&x, &[(0, true), (2, false), (3, false)]);
        let mut s = Vec::new();
        svm.score(&x, &(0..x.len()).collect::<Vec<_>>(), &mut s);
        // The unscreened relevant records (1, 5) outrank the unscreened irrelevant one (4).
        assert!(s[1] > s[4] && s[5] > s[4], "{s:?}");
    }

    #[test]
    fn the_same_decisions_and_seed_give_the_same_scores() {
        let x = corpus();
        let run = || {
            let mut svm = Svm::new(SvmOptions {
                seed: 7,
                ..SvmOptions::default()
            });
            svm.fit(&x, &[(0, true), (2, false)]);
            svm.fit(&x, &[(0, true), (2, false), (1, true), (4, false)]);
            let mut s = Vec::new();
            svm.score(&x, &(0..x.len()).collect::<Vec<_>>(), &mut s);
            s
        };
        assert_eq!(run(), run());
    }

    #[test]
    fn a_step_budget_keeps_learning_between_full_fits() {
        let texts: Vec<String> = (0..41)
            .map(|i| {
                if i % 5 == 0 {
                    format!("emtansine radiotherapy necrosis case {i}")
                } else {
                    format!("knee cartilage repair study {i}")
                }
            })
            .collect();
        let x = Features::tfidf(&texts, TfidfOptions::default());
        let labelled: Vec<(usize, bool)> = (0..36).map(|i| (i, i % 5 == 0)).collect();
        let mut svm = Svm::new(SvmOptions {
            budget: 3,
            ..SvmOptions::default()
        });
        let mut budgeted = 0;
        for k in 2..=labelled.len() {
            svm.fit(&x, &labelled[..k]);
            budgeted += usize::from(svm.full_at < k);
        }
        // From 12 screened records on, a step adds under a tenth: most steps are budgeted.
        assert!(budgeted > 15, "{budgeted}");
        let mut s = Vec::new();
        svm.score(&x, &[40, 36, 37, 38, 39], &mut s);
        // Row 40 is the unscreened relevant one.
        assert!(s[1..].iter().all(|&o| s[0] > o), "{s:?}");
    }

    #[test]
    fn the_fit_satisfies_the_dual_optimality_conditions() {
        let x = corpus();
        let labelled = [(0, true), (1, true), (2, false), (3, false), (4, false)];
        let mut svm = Svm::new(SvmOptions {
            tolerance: 1e-9,
            ..SvmOptions::default()
        });
        svm.fit(&x, &labelled);
        let (w1, w0) = svm.weights(&labelled);
        for &(i, y) in &labelled {
            let sy = if y { 1.0 } else { -1.0 };
            let margin = f64::from(x.dot(i, &svm.w)) + svm.bias;
            let ci = svm.options.c * if y { w1 } else { w0 };
            // KKT for the squared hinge: alpha_i = 2 C_i max(0, 1 - y_i f(x_i)).
            let expected = 2.0 * ci * (1.0 - sy * margin).max(0.0);
            assert!(
                (svm.alpha[i] - expected).abs() < 1e-4,
                "{i}: {} {expected}",
                svm.alpha[i]
            );
        }
    }
}
