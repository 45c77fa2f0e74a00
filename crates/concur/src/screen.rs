//! `concur screen`: the simulation (and, later, the screener).

use crate::cli::{ScreenArgs, ScreenCommand, SimulateArgs};
use crate::print;
use anyhow::{Context, Result};
use concur_screen::{read_labelled, simulate_labelled, SimOptions};
use std::io::IsTerminal;

pub fn run(args: ScreenArgs, json: bool) -> Result<u8> {
    match args.command {
        ScreenCommand::Simulate(a) => simulate(a, json),
    }
}

fn simulate(a: SimulateArgs, json: bool) -> Result<u8> {
    let path = a.data.display().to_string();
    let bytes = std::fs::read(&a.data).with_context(|| format!("cannot read {path}"))?;
    let records = read_labelled(&bytes).with_context(|| path.clone())?;
    let options = SimOptions {
        seed: a.seed,
        prior_included: a.prior_included,
        prior_excluded: a.prior_excluded,
        ..SimOptions::default()
    };
    let runs = a.runs as usize;
    let bar = (std::io::stderr().is_terminal() && runs > 1).then(|| {
        let bar = indicatif::ProgressBar::new(runs as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "simulating {bar:30} {pos}/{len} runs {elapsed}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    });
    let sim = simulate_labelled(&records, &options, a.priors.as_deref(), runs, &mut |done| {
        if let Some(bar) = &bar {
            bar.set_position(done as u64);
        }
    })
    .with_context(|| path.clone())?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    if let Some(svg) = &a.svg {
        std::fs::write(svg, concur_report::recall_svg(&sim))
            .with_context(|| format!("cannot write {}", svg.display()))?;
    }
    if json {
        print::json(&sim)?;
    } else {
        print::text(&concur_report::simulation_text(&sim))?;
    }
    Ok(0)
}
