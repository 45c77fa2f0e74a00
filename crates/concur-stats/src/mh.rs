//! Mantel-Haenszel (metafor's `rma.mh`) and Peto (`rma.peto`) pooling of two-group tables.
//!
//! Mantel-Haenszel, on the raw counts (no continuity correction):
//! * OR: `sum(a d / N) / sum(b c / N)`, variance of its log by Robins, Breslow & Greenland (1986).
//! * RR: `sum(a n2 / N) / sum(c n1 / N)`, variance of its log by Greenland & Robins (1985).
//! * RD: `sum((a n2 - c n1) / N) / sum(n1 n2 / N)`, variance by Sato, Greenland & Robins (1989).
//!
//! Peto: `log OR = sum(O - E) / sum(V)`, `se = 1 / sqrt(sum(V))`, with `E = n1 (a + c) / N` and
//! `V = (a + c)(b + d) n1 n2 / (N^2 (N - 1))` (Yusuf et al. 1985).
//!
//! Heterogeneity, as metafor: for MH, `Q = sum((yi - b)^2 / vi)` over the tables whose escalc
//! values exist (tables with no events, or only events, in both groups are dropped; others get
//! the 1/2 correction when a cell is 0); for Peto, `Q = sum((O-E)^2/V) - (sum(O-E))^2 / sum(V)`
//! over tables with V > 0. `I2 = max(0, 100 (Q - df) / Q)`, `H2 = Q / df`.

use crate::analysis::Estimate;
use crate::dist::{pchisq_upper, qnorm};
use crate::effect::{two_group, Measure, TwoByTwo};
use crate::{Result, StatsError};

/// A fixed-effect pooled result of MH or Peto.
#[derive(Debug, Clone, PartialEq)]
pub struct PooledTables {
    /// Tables pooled.
    pub k: usize,
    /// Pooled log ratio (or risk difference), with its interval and z test.
    pub pooled: Estimate,
    /// Cochran's Q.
    pub q: f64,
    /// Degrees of freedom of Q.
    pub q_df: usize,
    /// p-value of the test of heterogeneity.
    pub q_p: f64,
    /// I² in percent.
    pub i2: f64,
    /// H².
    pub h2: f64,
    /// Per-table escalc values used for Q (NaN for dropped tables).
    pub yi: Vec<f64>,
    /// Each table's sampling variance on the analysis scale.
    pub vi: Vec<f64>,
    /// Weights in percent, as metafor's `weights()` (MH: b c / N for OR, c n1 / N for RR,
    /// n1 n2 / N for RD; Peto: V).
    pub weights: Vec<f64>,
}

fn heterogeneity(q: f64, k_used: usize) -> (f64, usize, f64, f64, f64) {
    if k_used > 1 {
        let df = k_used - 1;
        let i2 = if q > 0.0 {
            (100.0 * (q - df as f64) / q).max(0.0)
        } else {
            0.0
        };
        (q, df, pchisq_upper(q, df as f64), i2, q / df as f64)
    } else {
        (q, 0, 1.0, 0.0, 1.0)
    }
}

fn is_double_zero(t: &TwoByTwo) -> bool {
    let [a, b, c, d] = t.cells();
    (a == 0.0 && c == 0.0) || (b == 0.0 && d == 0.0)
}

/// Escalc values used for Q: NaN where metafor drops the table (drop00 = TRUE).
fn q_values(measure: Measure, tables: &[TwoByTwo]) -> Result<(Vec<f64>, Vec<f64>)> {
    let (mut yi, mut vi) = two_group(measure, tables)?;
    for (i, t) in tables.iter().enumerate() {
        if is_double_zero(t) {
            yi[i] = f64::NAN;
            vi[i] = f64::NAN;
        }
    }
    Ok((yi, vi))
}

/// Mantel-Haenszel pooled RR, OR or RD (estimate on the log scale for RR and OR).
pub fn mantel_haenszel(measure: Measure, tables: &[TwoByTwo], level: f64) -> Result<PooledTables> {
    if tables.is_empty() {
        return Err(StatsError::Input("no tables to pool".into()));
    }
    let (yi, vi) = q_values(measure, tables)?;
    let (mut r, mut s) = (0.0, 0.0);
    let (mut pr, mut ps_qr, mut qs) = (0.0, 0.0, 0.0);
    let (mut num_rr, mut num_rd, mut den_rd, mut rd_a, mut rd_b) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for t in tables {
        let [a, b, c, d] = t.cells();
        let (n1, n2) = (a + b, c + d);
        let n = n1 + n2;
        match measure {
            Measure::Or => {
                let (p, q) = ((a + d) / n, (b + c) / n);
                let (ri, si) = (a / n * d, b / n * c);
                r += ri;
                s += si;
                pr += p * ri;
                ps_qr += p * si + q * ri;
                qs += q * si;
            }
            Measure::Rr => {
                r += a * (n2 / n);
                s += c * (n1 / n);
                num_rr += (n1 / n) * (n2 / n) * (a + c) - (a / n) * c;
            }
            _ => {
                num_rd += a * (n2 / n) - c * (n1 / n);
                den_rd += n1 * (n2 / n);
                rd_a += c * (n1 / n).powi(2) - a * (n2 / n).powi(2)
                    + (n1 / n) * (n2 / n) * (n2 - n1) / 2.0;
                rd_b += a * (n2 - c) / n + c * (n1 - a) / n;
            }
        }
    }
    let (estimate, se) = match measure {
        Measure::Or => {
            if r == 0.0 || s == 0.0 {
                return Err(no_events("OR"));
            }
            let var = 0.5 * (pr / (r * r) + ps_qr / (r * s) + qs / (s * s));
            ((r / s).ln(), var.sqrt())
        }
        Measure::Rr => {
            let (sa, sc): (f64, f64) = tables
                .iter()
                .fold((0.0, 0.0), |(x, y), t| (x + t.events_t, y + t.events_c));
            if sa == 0.0 || sc == 0.0 {
                return Err(no_events("RR"));
            }
            ((r / s).ln(), (num_rr / (r * s)).sqrt())
        }
        Measure::Rd => {
            let b = num_rd / den_rd;
            (b, ((b * rd_a + rd_b / 2.0) / (den_rd * den_rd)).sqrt())
        }
        other => {
            return Err(StatsError::Input(format!(
                "Mantel-Haenszel pools RR, OR or RD, not {}",
                other.name()
            )))
        }
    };
    let used: Vec<usize> = (0..yi.len()).filter(|&i| yi[i].is_finite()).collect();
    let q = used
        .iter()
        .map(|&i| (yi[i] - estimate).powi(2) / vi[i])
        .sum::<f64>()
        .max(0.0);
    let weights = tables
        .iter()
        .map(|t| {
            let [a, b, c, d] = t.cells();
            let n = a + b + c + d;
            match measure {
                Measure::Or => b / n * c,
                Measure::Rr => c / n * (a + b),
                _ => (a + b) / n * (c + d),
            }
        })
        .collect();
    Ok(assemble(
        tables.len(),
        estimate,
        se,
        level,
        q,
        used.len(),
        yi,
        vi,
        weights,
    ))
}

fn no_events(what: &str) -> StatsError {
    StatsError::Input(format!(
        "the Mantel-Haenszel {what} is undefined: one group has no events in any table; try Peto's method (PETO) or the risk-difference (RD) measure"
    ))
}

fn percent(raw: Vec<f64>) -> Vec<f64> {
    let total: f64 = raw.iter().sum();
    raw.iter().map(|w| 100.0 * w / total).collect()
}

#[allow(clippy::too_many_arguments)]
fn assemble(
    k: usize,
    estimate: f64,
    se: f64,
    level: f64,
    q: f64,
    k_used: usize,
    yi: Vec<f64>,
    vi: Vec<f64>,
    weights: Vec<f64>,
) -> PooledTables {
    let crit = qnorm(1.0 - (1.0 - level / 100.0) / 2.0);
    let (q, q_df, q_p, i2, h2) = heterogeneity(q, k_used);
    PooledTables {
        k,
        pooled: Estimate::wald(estimate, se, crit),
        q,
        q_df,
        q_p,
        i2,
        h2,
        yi,
        vi,
        weights: percent(weights),
    }
}

/// Peto's one-step pooled log odds ratio.
pub fn peto(tables: &[TwoByTwo], level: f64) -> Result<PooledTables> {
    if tables.is_empty() {
        return Err(StatsError::Input("no tables to pool".into()));
    }
    let mut o_e = Vec::with_capacity(tables.len());
    let mut var = Vec::with_capacity(tables.len());
    for (i, t) in tables.iter().enumerate() {
        let [a, b, c, d] = t.cells();
        if [a, b, c, d].iter().any(|v| !(v.is_finite() && *v >= 0.0)) {
            return Err(StatsError::Input(format!(
                "table {} has impossible counts",
                i + 1
            )));
        }
        let (n1, n2) = (a + b, c + d);
        let n = n1 + n2;
        let (xt, yt) = (a + c, b + d);
        o_e.push(a - xt * n1 / n);
        var.push(if n > 1.0 {
            xt * yt * (n1 / n) * (n2 / n) / (n - 1.0)
        } else {
            0.0
        });
    }
    let sum_v: f64 = var.iter().sum();
    if sum_v == 0.0 {
        return Err(StatsError::Input(
            "one of the two outcomes never occurred in any table: Peto's method cannot be used"
                .into(),
        ));
    }
    let sum_oe: f64 = o_e.iter().sum();
    let estimate = sum_oe / sum_v;
    let se = (1.0 / sum_v).sqrt();
    let mut q = 0.0;
    let mut sum_vpos = 0.0;
    let mut k_pos = 0;
    let mut yi = Vec::with_capacity(tables.len());
    let mut vi = Vec::with_capacity(tables.len());
    for (oe, v) in o_e.iter().zip(&var) {
        if *v > 0.0 {
            q += oe * oe / v;
            sum_vpos += v;
            k_pos += 1;
            yi.push(oe / v);
            vi.push(1.0 / v);
        } else {
            yi.push(f64::NAN);
            vi.push(f64::NAN);
        }
    }
    q = (q - sum_oe * sum_oe / sum_vpos).max(0.0);
    Ok(assemble(
        tables.len(),
        estimate,
        se,
        level,
        q,
        k_pos,
        yi,
        vi,
        var,
    ))
}
