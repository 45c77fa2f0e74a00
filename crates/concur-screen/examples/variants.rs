//! Ranking variants side by side on a labelled set with given priors (for choosing defaults by
//! cross-checking on every set, not for CI): `cargo run --release -p concur-screen --example
//! variants -- DATA.csv SEED PRIOR,PRIOR VARIANT...`. Prints `variant wss95 loss` lines.

use concur_screen::{read_labelled, simulate, Features, SimOptions, SvmOptions, TfidfOptions};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let bytes = std::fs::read(&args[1]).expect("data");
    let seed: u64 = args[2].parse().expect("seed");
    let priors: Vec<usize> = args[3]
        .split(',')
        .map(|p| p.parse().expect("prior"))
        .collect();
    let records = read_labelled(&bytes).expect("labelled");
    let labels: Vec<bool> = records.iter().map(|r| r.relevant).collect();
    for variant in &args[4..] {
        let mut t = TfidfOptions::default();
        let mut svm = SvmOptions::default();
        let mut title_times = 1;
        for part in variant.split('+') {
            match part.split_once('=') {
                Some(("c", v)) => svm.c = v.parse().expect("c"),
                Some(("ratio", v)) => svm.ratio = v.parse().expect("ratio"),
                Some(("budget", v)) => svm.budget = v.parse().expect("budget"),
                Some(("mindf", v)) => t.min_df = v.parse().expect("min_df"),
                Some(("maxdf", v)) => t.max_df = v.parse().expect("max_df"),
                Some(("title", v)) => title_times = v.parse().expect("title"),
                _ if part == "base" => {}
                _ => panic!("unknown variant part {part}"),
            }
        }
        let texts: Vec<String> = records
            .iter()
            .map(|r| {
                let mut s = String::new();
                for _ in 0..title_times {
                    s.push_str(&r.title);
                    s.push(' ');
                }
                s.push_str(&r.abstract_text);
                s
            })
            .collect();
        let x = Features::tfidf(&texts, t);
        let o = SimOptions {
            seed,
            svm,
            ..SimOptions::default()
        };
        let run = simulate(&x, &labels, &o, Some(&priors)).expect("simulate");
        println!(
            "{variant} {:.4} {:.4} {:.3}",
            run.metrics.wss95, run.metrics.loss, run.step_ms
        );
    }
}
