//! `concur meta` and `concur proportion`: reading a study CSV with located errors, and rendering a
//! fitted model as JSON (the documented shape) or as a readable summary with a text forest plot.

use crate::wire::{self, fin};
use concur_stats::{Analysis, Data, Measure, Pooling, ProportionIntervals, Subgroups, Test};
use concur_synthesis::{MetaInput, MetaResult};

/// A fitted model in the documented JSON shape (docs/cli.md); `labels` name the studies (none:
/// the per-study values are left out).
pub fn analysis_json(fit: &Analysis, labels: &[String]) -> wire::Fit {
    wire::Fit {
        k: fit.k,
        measure: fit.spec.measure.name(),
        method: fit.spec.pooling.name(),
        test: fit.spec.test.name(),
        level: fit.spec.level,
        estimate: fin(fit.pooled.estimate),
        se: fin(fit.pooled.se),
        ci_lb: fin(fit.pooled.ci_lb),
        ci_ub: fin(fit.pooled.ci_ub),
        stat: fin(fit.pooled.stat),
        p: fin(fit.pooled.p),
        df: fit.df.and_then(fin),
        tau2: fit.tau2.and_then(fin),
        tau2_ci: fit.tau2_ci.map(|[a, b]| [fin(a), fin(b)]),
        i2: fit.i2.and_then(fin),
        h2: fit.h2.and_then(fin),
        q: fin(fit.q),
        q_df: fit.q_df,
        q_p: fit.q_p.and_then(fin),
        pi_lb: fit.pi_lb.and_then(fin),
        pi_ub: fit.pi_ub.and_then(fin),
        transformed: fit.transformed.map(|t| wire::Natural {
            estimate: fin(t.estimate),
            ci_lb: fin(t.ci_lb),
            ci_ub: fin(t.ci_ub),
            pi_lb: t.pi_lb.and_then(fin),
            pi_ub: t.pi_ub.and_then(fin),
        }),
        studies: (!labels.is_empty()).then(|| {
            fit.studies
                .iter()
                .zip(labels)
                .map(|(s, label)| wire::StudyValue {
                    study: label.clone(),
                    yi: fin(s.yi),
                    vi: fin(s.vi),
                    weight: fin(s.weight),
                })
                .collect()
        }),
        omitted: None,
        group: None,
    }
}

/// Leave-one-out results as JSON: one entry per omitted study.
pub fn leave_one_out_json(fits: &[Analysis], labels: &[String]) -> Vec<wire::Fit> {
    fits.iter()
        .zip(labels)
        .map(|(f, omitted)| wire::Fit {
            omitted: Some(omitted.clone()),
            ..analysis_json(f, &[])
        })
        .collect()
}

/// Subgroup results as JSON.
pub fn subgroups_json(s: &Subgroups) -> wire::Subgroups {
    wire::Subgroups {
        groups: s
            .groups
            .iter()
            .map(|(name, f)| wire::Fit {
                group: Some(name.clone()),
                ..analysis_json(f, &[])
            })
            .collect(),
        q_between: fin(s.q_between),
        q_between_df: s.q_between_df,
        q_between_p: fin(s.q_between_p),
    }
}

fn natural(measure: Measure) -> &'static str {
    match measure {
        m if m.is_proportion() => "proportion",
        Measure::Rr => "risk ratio",
        Measure::Or => "odds ratio",
        Measure::Hr => "hazard ratio",
        Measure::Rd => "risk difference",
        _ => "estimate",
    }
}

fn f4(v: f64) -> String {
    if v.is_finite() {
        format!("{v:.4}")
    } else {
        "-".into()
    }
}

fn pval(p: f64) -> String {
    if p < 1e-4 {
        "<.0001".into()
    } else {
        format!("{p:.4}")
    }
}

/// A readable summary with a text forest plot.
pub fn analysis_text(fit: &Analysis, input: &MetaInput) -> String {
    let m = fit.spec.measure;
    let mut out = String::new();
    let method = match fit.spec.pooling {
        Pooling::InverseVariance(concur_stats::Method::Ee) => "equal-effects model".to_string(),
        Pooling::InverseVariance(me) => {
            format!("random-effects model (tau² estimator {})", me.name())
        }
        Pooling::MantelHaenszel => "Mantel-Haenszel (equal effects)".into(),
        Pooling::Peto => "Peto's method (equal effects)".into(),
        Pooling::Glmm => "random-effects logistic-normal model (GLMM)".into(),
    };
    out.push_str(&format!("{method}, k = {}, measure {}", fit.k, m.name()));
    if fit.spec.test == Test::Knha {
        out.push_str(", Hartung-Knapp test");
    }
    out.push('\n');
    if let Some(tau2) = fit.tau2 {
        let ci = fit
            .tau2_ci
            .map_or(String::new(), |[a, b]| format!(" [{}, {}]", f4(a), f4(b)));
        out.push_str(&format!("tau² = {}{ci}", f4(tau2)));
        out.push_str(&format!(
            "   I² = {}%   H² = {}\n",
            fit.i2.map_or("-".into(), |v| format!("{v:.2}")),
            fit.h2.map_or("-".into(), |v| format!("{v:.2}"))
        ));
    } else {
        out.push_str(&format!(
            "I² = {}%   H² = {}\n",
            fit.i2.map_or("-".into(), |v| format!("{v:.2}")),
            fit.h2.map_or("-".into(), |v| format!("{v:.2}"))
        ));
    }
    out.push_str(&format!(
        "heterogeneity: Q({}) = {}, p = {}\n\n",
        fit.q_df,
        f4(fit.q),
        fit.q_p.map_or("-".into(), pval)
    ));
    let stat = if fit.df.is_some() {
        format!("t({})", fit.df.unwrap_or(0.0))
    } else {
        "z".into()
    };
    out.push_str(&format!(
        "estimate {}  se {}  {stat} {}  p {}  {}% CI [{}, {}]\n",
        f4(fit.pooled.estimate),
        f4(fit.pooled.se),
        f4(fit.pooled.stat),
        pval(fit.pooled.p),
        fit.spec.level,
        f4(fit.pooled.ci_lb),
        f4(fit.pooled.ci_ub)
    ));
    if let (Some(a), Some(b)) = (fit.pi_lb, fit.pi_ub) {
        out.push_str(&format!("prediction interval [{}, {}]\n", f4(a), f4(b)));
    }
    if let Some(t) = fit.transformed {
        out.push_str(&format!(
            "as {}: {}  CI [{}, {}]",
            natural(m),
            f4(t.estimate),
            f4(t.ci_lb),
            f4(t.ci_ub)
        ));
        if let (Some(a), Some(b)) = (t.pi_lb, t.pi_ub) {
            out.push_str(&format!("  PI [{}, {}]", f4(a), f4(b)));
        }
        out.push('\n');
    }
    out.push('\n');
    out.push_str(&forest(fit, input));
    out
}

/// A text forest plot on the natural scale.
fn forest(fit: &Analysis, input: &MetaInput) -> String {
    const WIDTH: usize = 40;
    let m = fit.spec.measure;
    let z = concur_stats::effect::z_crit(fit.spec.level);
    let sizes: Vec<f64> = match &input.data {
        Data::Proportions(p) => p.iter().map(|x| x.total).collect(),
        Data::Tables(t) => t.iter().map(|x| x.total_t + x.total_c).collect(),
        _ => vec![f64::NAN; fit.k],
    };
    let rows: Vec<[f64; 3]> = fit
        .studies
        .iter()
        .zip(&sizes)
        .map(|(s, size)| concur_stats::effect::study_interval(m, s.yi, s.vi, *size, z))
        .collect();
    let pooled = fit.transformed.map_or(
        [fit.pooled.estimate, fit.pooled.ci_lb, fit.pooled.ci_ub],
        |t| [t.estimate, t.ci_lb, t.ci_ub],
    );
    let log_axis = matches!(m, Measure::Rr | Measure::Or | Measure::Hr);
    let tx = |v: f64| if log_axis { v.ln() } else { v };
    let finite: Vec<f64> = rows
        .iter()
        .flatten()
        .chain(pooled.iter())
        .map(|v| tx(*v))
        .filter(|v| v.is_finite())
        .collect();
    let (lo, hi) = finite
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(*v), b.max(*v))
        });
    let span = if hi > lo { hi - lo } else { 1.0 };
    let pos = |v: f64| -> Option<usize> {
        let x = tx(v);
        x.is_finite().then(|| {
            (((x - lo) / span) * (WIDTH - 1) as f64)
                .round()
                .clamp(0.0, (WIDTH - 1) as f64) as usize
        })
    };
    let bar = |r: [f64; 3], mark: char| -> String {
        let mut line = vec![' '; WIDTH];
        if let (Some(a), Some(b)) = (pos(r[1]), pos(r[2])) {
            for c in line.iter_mut().take(b + 1).skip(a) {
                *c = '-';
            }
            line[a] = '[';
            line[b] = ']';
        }
        if let Some(p) = pos(r[0]) {
            line[p] = mark;
        }
        line.into_iter().collect()
    };
    let label_w = input
        .labels
        .iter()
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(5)
        .clamp(5, 28);
    let mut out = String::new();
    for ((label, r), s) in input.labels.iter().zip(&rows).zip(&fit.studies) {
        let short: String = label.chars().take(label_w).collect();
        let weight = if s.weight.is_finite() {
            format!("{:5.1}%", s.weight)
        } else {
            "     -".into()
        };
        out.push_str(&format!(
            "{short:<label_w$}  {}  {:>8} [{:>8}, {:>8}]  {weight}\n",
            bar(*r, '■'),
            f4(r[0]),
            f4(r[1]),
            f4(r[2])
        ));
    }
    out.push_str(&format!(
        "{:<label_w$}  {}  {:>8} [{:>8}, {:>8}]\n",
        "pooled",
        bar(pooled, '◆'),
        f4(pooled[0]),
        f4(pooled[1]),
        f4(pooled[2])
    ));
    out
}

/// The four single-proportion intervals as JSON.
pub fn proportion_json(p: &ProportionIntervals, level: f64) -> wire::ProportionIntervals {
    wire::ProportionIntervals {
        events: p.events,
        total: p.total,
        level,
        estimate: p.estimate,
        clopper_pearson: p.clopper_pearson,
        wilson: p.wilson,
        jeffreys: p.jeffreys,
        agresti_coull: p.agresti_coull,
    }
}

/// A proportion to four decimals, or to three significant digits when four decimals would show
/// a rare event as 0.0000.
fn proportion_value(x: f64) -> String {
    // Below 1e-12 is rounding noise around zero (Wilson's lower bound at 0 events).
    if x > 1e-12 && x < 0.0005 {
        format!("{x:.2e}")
    } else {
        format!("{x:.4}")
    }
}

/// A percentage to one decimal, or to three significant digits when one decimal would show 0.0.
fn percent_value(x: f64) -> String {
    let pct = x * 100.0;
    if x > 1e-12 && pct < 0.05 {
        format!("{pct:.2e}%")
    } else {
        format!("{pct:.1}%")
    }
}

/// The four single-proportion intervals as text.
pub fn proportion_text(p: &ProportionIntervals, level: f64) -> String {
    let mut out = format!(
        "{}/{} = {} ({})\n{level}% confidence intervals:\n",
        p.events,
        p.total,
        proportion_value(p.estimate),
        percent_value(p.estimate)
    );
    for (name, [a, b]) in [
        ("Clopper-Pearson (exact)", p.clopper_pearson),
        ("Wilson", p.wilson),
        ("Jeffreys", p.jeffreys),
        ("Agresti-Coull", p.agresti_coull),
    ] {
        out.push_str(&format!(
            "  {name:<24} {} to {}  ({} to {})\n",
            proportion_value(a),
            proportion_value(b),
            percent_value(a),
            percent_value(b)
        ));
    }
    out
}

/// A `concur meta` result as JSON: the fit, and leave-one-out and subgroups when asked for.
pub fn meta_json(result: &MetaResult) -> wire::Meta {
    let labels = &result.input.labels;
    wire::Meta {
        fit: analysis_json(&result.fit, labels),
        leave_one_out: result
            .leave_one_out
            .as_ref()
            .map(|l| leave_one_out_json(l, labels)),
        subgroups: result.subgroups.as_ref().map(subgroups_json),
    }
}

/// A `concur meta` result as text: the summary with its forest plot, then leave-one-out and
/// subgroups when asked for.
pub fn meta_text(result: &MetaResult) -> String {
    let mut out = analysis_text(&result.fit, &result.input);
    if let Some(l) = &result.leave_one_out {
        out.push_str("\nleave-one-out (estimate on the analysis scale, tau², I²):\n");
        for (f, label) in l.iter().zip(&result.input.labels) {
            out.push_str(&format!(
                "  without {label:<24} {:>9.4} [{:>9.4}, {:>9.4}]  tau² {:>8}  I² {:>6}\n",
                f.pooled.estimate,
                f.pooled.ci_lb,
                f.pooled.ci_ub,
                f.tau2.map_or("-".into(), |t| format!("{t:.4}")),
                f.i2.map_or("-".into(), |i| format!("{i:.1}%"))
            ));
        }
    }
    if let Some(g) = &result.subgroups {
        out.push_str("\nsubgroups:\n");
        for (name, f) in &g.groups {
            out.push_str(&format!(
                "  {name:<24} k={:<3} {:>9.4} [{:>9.4}, {:>9.4}]\n",
                f.k, f.pooled.estimate, f.pooled.ci_lb, f.pooled.ci_ub
            ));
        }
        out.push_str(&format!(
            "  test for subgroup differences: Q({}) = {:.4}, p = {:.4}\n",
            g.q_between_df, g.q_between, g.q_between_p
        ));
    }
    out
}

#[cfg(test)]
mod rare {
    #[test]
    fn rare_proportions_keep_their_digits_and_noise_stays_zero() {
        assert_eq!(super::proportion_value(4.05e-7), "4.05e-7");
        assert_eq!(super::percent_value(4.05e-7), "4.05e-5%");
        assert_eq!(super::proportion_value(0.3913), "0.3913");
        assert_eq!(super::proportion_value(1.39e-17), "0.0000");
        assert_eq!(super::percent_value(1.39e-17), "0.0%");
    }
}
