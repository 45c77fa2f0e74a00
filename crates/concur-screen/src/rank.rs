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
    /// Scores every record (higher is likelier relevant) into `out`.
    fn score(&self, x: &Features, out: &mut Vec<f32>);
}

/// The linear SVM's settings (the defaults are ASReview's `elas_u4`).
#[derive(Debug, Clone, Copy)]
pub struct SvmOptions {
    /// Regularisation: larger fits the screened records more closely.
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
}

impl Default for SvmOptions {
    fn default() -> SvmOptions {
        SvmOptions {
            c: 0.11,
            ratio: 9.8,
            tolerance: 0.1,
            max_passes: 1000,
            seed: 0,
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

impl Ranker for Svm {
    fn name(&self) -> &str {
        "svm-tfidf"
    }

    fn fit(&mut self, x: &Features, labelled: &[(usize, bool)]) {
        if self.w.len() != x.terms() || self.alpha.len() != x.len() {
            self.w = vec![0.0; x.terms()];
            self.alpha = vec![0.0; x.len()];
            self.bias = 0.0;
        }
        // w = sum of alpha_i y_i x_i holds between fits (the kept alphas are the warm start);
        // only the class weights, and with them the dual's diagonal, move as decisions arrive.
        let (w1, w0) = self.weights(labelled);
        // Squared hinge: D_ii = 1 / (2 C_i), no upper bound on alpha. Coordinate descent with
        // LIBLINEAR's shrinking: a record at alpha = 0 whose gradient says it will stay there
        // is left out of later passes until the rest converge, then everything is checked once
        // more.
        let d = |y: bool| 0.5 / (self.options.c * if y { w1 } else { w0 });
        let l = labelled.len();
        self.order.clear();
        self.order.extend(0..l);
        let mut active = l;
        let (mut pg_max_old, mut pg_min_old) = (f64::INFINITY, f64::NEG_INFINITY);
        for _ in 0..self.options.max_passes {
            self.rng.shuffle(&mut self.order[..active]);
            let (mut hi, mut lo) = (f64::NEG_INFINITY, f64::INFINITY);
            let mut s = 0;
            while s < active {
                let (i, y) = labelled[self.order[s]];
                let sy = if y { 1.0 } else { -1.0 };
                let margin = f64::from(x.dot(i, &self.w)) + self.bias;
                let dii = d(y);
                let g = sy * margin - 1.0 + dii * self.alpha[i];
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
                    let (c, v) = x.row(i);
                    // Rows are unit length (or empty) and the intercept's feature is 1.
                    let q = if c.is_empty() { 1.0 } else { 2.0 } + dii;
                    let old = self.alpha[i];
                    let new = (old - g / q).max(0.0);
                    self.alpha[i] = new;
                    let step = (new - old) * sy;
                    for (&k, &xv) in c.iter().zip(v) {
                        self.w[k as usize] += (step * f64::from(xv)) as f32;
                    }
                    self.bias += step;
                }
                s += 1;
            }
            if hi - lo <= self.options.tolerance {
                if active == l {
                    break;
                }
                active = l;
                (pg_max_old, pg_min_old) = (f64::INFINITY, f64::NEG_INFINITY);
                continue;
            }
            pg_max_old = if hi <= 0.0 { f64::INFINITY } else { hi };
            pg_min_old = if lo >= 0.0 { f64::NEG_INFINITY } else { lo };
        }
        let _ = pg_min_old;
    }

    fn score(&self, x: &Features, out: &mut Vec<f32>) {
        out.clear();
        if self.w.len() != x.terms() {
            out.resize(x.len(), 0.0);
            return;
        }
        let b = self.bias as f32;
        out.resize(x.len(), 0.0);
        // Terms in one record only are left out: their weight is zero unless that record was
        // screened, and screened records need no score.
        out.par_chunks_mut(4096).enumerate().for_each(|(c, chunk)| {
            for (j, s) in chunk.iter_mut().enumerate() {
                *s = x.shared_dot(c * 4096 + j, &self.w) + b;
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
        svm.score(&x, &mut s);
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
            svm.score(&x, &mut s);
            s
        };
        assert_eq!(run(), run());
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
