//! Per-fit time of the models at growing k (run: `cargo bench -p concur-stats`).
//! Data are generated deterministically here (no files), the same recipe `scripts/bench-meta` uses.

use concur_stats::rma::{rma, Method, Options, Test};
use concur_stats::{analyse, Data, Measure, Pooling, Proportion, Spec};

fn main() {
    divan::main();
}

/// Deterministic pseudo-random effect sizes: yi in about [-1, 1], vi in [0.01, 0.2].
pub fn generic(k: usize) -> (Vec<f64>, Vec<f64>) {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    (0..k)
        .map(|_| (next() * 2.0 - 1.0, 0.01 + next() * 0.19))
        .unzip()
}

#[divan::bench(args = [10, 100, 1_000, 10_000, 100_000, 1_000_000])]
fn reml(bencher: divan::Bencher, k: usize) {
    let (yi, vi) = generic(k);
    let opts = Options {
        method: Method::Reml,
        test: Test::Z,
        level: 95.0,
    };
    bencher.bench(|| rma(divan::black_box(&yi), divan::black_box(&vi), &opts).unwrap());
}

#[divan::bench(args = [10, 100, 1_000])]
fn dl(bencher: divan::Bencher, k: usize) {
    let (yi, vi) = generic(k);
    let opts = Options {
        method: Method::Dl,
        test: Test::Z,
        level: 95.0,
    };
    bencher.bench(|| rma(divan::black_box(&yi), divan::black_box(&vi), &opts).unwrap());
}

#[divan::bench(args = [10, 100])]
fn glmm(bencher: divan::Bencher, k: usize) {
    let props: Vec<Proportion> = (0..k)
        .map(|i| Proportion {
            events: (i % 7) as f64,
            total: 20.0 + (i % 13) as f64,
        })
        .collect();
    let data = Data::Proportions(props);
    let spec = Spec {
        measure: Measure::Plo,
        pooling: Pooling::Glmm,
        test: Test::Z,
        level: 95.0,
    };
    bencher.bench(|| analyse(divan::black_box(&data), &spec).unwrap());
}
