//! Times one model on a `yi,vi` CSV in process: `time_rma FILE METHOD REPS` prints the mean
//! seconds per fit and the estimate (used by `scripts/bench-meta` beside R's metafor).

use concur_stats::rma::{rma, Method, Options, Test};
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, file, method, reps] = &args[..] else {
        return Err("usage: time_rma FILE METHOD REPS".into());
    };
    let text = std::fs::read_to_string(file)?;
    let (mut yi, mut vi) = (Vec::new(), Vec::new());
    for line in text.lines().skip(1) {
        let mut parts = line.split(',');
        yi.push(parts.next().ok_or("missing yi")?.parse::<f64>()?);
        vi.push(parts.next().ok_or("missing vi")?.parse::<f64>()?);
    }
    let method = Method::parse(method).ok_or("unknown method")?;
    let reps: u32 = reps.parse()?;
    let opts = Options {
        method,
        test: Test::Z,
        level: 95.0,
    };
    let mut estimate = 0.0;
    let start = Instant::now();
    for _ in 0..reps {
        estimate = rma(std::hint::black_box(&yi), std::hint::black_box(&vi), &opts)?
            .pooled
            .estimate;
    }
    println!(
        "{:.9} {estimate:.12}",
        start.elapsed().as_secs_f64() / f64::from(reps)
    );
    Ok(())
}
