//! Inverse-variance meta-analysis with an intercept only, as metafor's `rma.uni`.
//!
//! Given estimates `yi` with sampling variances `vi`, the random-effects model is
//! `yi = mu + u_i + e_i`, `u_i ~ N(0, tau2)`, `e_i ~ N(0, vi)`. With `w_i = 1 / (vi + tau2)`:
//!
//! * `mu_hat = sum(w y) / sum(w)`, `se = sqrt(1 / sum(w))` (z test), or with Hartung-Knapp
//!   (`test = "knha"`) `se = sqrt(s2 / sum(w))`, `s2 = sum(w (y - mu_hat)^2) / (k - 1)`, t on k-1 df.
//! * `Q = sum(w0 (y - mu0)^2)` with `w0 = 1 / vi` (Cochran), on k-1 df.
//! * `I2 = 100 tau2 / (tau2 + vt)`, `H2 = (tau2 + vt) / vt`, with the typical within-study
//!   variance `vt = (k-1) sum(w0) / (sum(w0)^2 - sum(w0^2))` (Higgins & Thompson 2002); for the
//!   equal-effects model `I2 = 100 max(0, (Q - (k-1)) / Q)`, `H2 = Q / (k-1)`.
//! * Prediction interval `mu_hat ± crit sqrt(se^2 + tau2)` (crit from N(0,1), or t on k-1 df).
//! * tau2 confidence interval by the Q-profile method (Viechtbauer 2007): the tau2 values at which
//!   the generalised Q statistic equals the chi-square quantiles on k-1 df.
//!
//! tau2 estimators (Viechtbauer 2005; metafor documentation): DerSimonian-Laird (DL),
//! Hedges (HE), Hunter-Schmidt (HS), Sidik-Jonkman (SJ), maximum likelihood (ML), restricted
//! maximum likelihood (REML, the default), Paule-Mandel (PM). Iterative estimators are solved to
//! machine precision (metafor stops at a change below 1e-5 by default; our reference values are
//! generated with a tight threshold, see `scripts/metafor-reference.R`).

use crate::analysis::Estimate;
use crate::dist::{p_t, p_z, pchisq_upper, qchisq, qnorm, qt};
use crate::{Result, StatsError};

/// How tau2 is estimated (or fixed at 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// Equal (fixed) effects: tau2 = 0. metafor's `EE`, alias `FE`.
    Ee,
    /// DerSimonian-Laird.
    Dl,
    /// Hedges.
    He,
    /// Hunter-Schmidt.
    Hs,
    /// Sidik-Jonkman.
    Sj,
    /// Maximum likelihood.
    Ml,
    /// Restricted maximum likelihood.
    Reml,
    /// Paule-Mandel.
    Pm,
}

impl Method {
    /// Every inverse-variance method.
    pub const ALL: &'static [Method] = &[
        Method::Ee,
        Method::Dl,
        Method::He,
        Method::Hs,
        Method::Sj,
        Method::Ml,
        Method::Reml,
        Method::Pm,
    ];

    /// metafor's name.
    pub fn name(self) -> &'static str {
        match self {
            Method::Ee => "EE",
            Method::Dl => "DL",
            Method::He => "HE",
            Method::Hs => "HS",
            Method::Sj => "SJ",
            Method::Ml => "ML",
            Method::Reml => "REML",
            Method::Pm => "PM",
        }
    }

    /// Parses metafor's name; `FE` is an alias of `EE`.
    pub fn parse(text: &str) -> Option<Method> {
        let t = text.trim().to_ascii_uppercase();
        if t == "FE" {
            return Some(Method::Ee);
        }
        Method::ALL.iter().copied().find(|m| m.name() == t)
    }
}

/// Test and interval distribution for the pooled estimate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Test {
    /// Wald z test, normal quantiles.
    Z,
    /// Hartung-Knapp(-Sidik-Jonkman) adjustment, t quantiles on k-1 df.
    Knha,
}

impl Test {
    /// metafor's name.
    pub fn name(self) -> &'static str {
        match self {
            Test::Z => "z",
            Test::Knha => "knha",
        }
    }
}

/// Options of a fit.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Estimator of tau² (or equal effects).
    pub method: Method,
    /// Test for the pooled estimate.
    pub test: Test,
    /// Confidence level in percent, e.g. 95.
    pub level: f64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            method: Method::Reml,
            test: Test::Z,
            level: 95.0,
        }
    }
}

/// A fitted model. Values metafor does not define for the case are `None`.
#[derive(Debug, Clone, PartialEq)]
pub struct Fit {
    /// Studies.
    pub k: usize,
    /// Pooled estimate on the analysis scale, with its interval and its z or t test.
    pub pooled: Estimate,
    /// Degrees of freedom of the t test (knha), else `None`.
    pub df: Option<f64>,
    /// Between-study variance (0 for equal effects).
    pub tau2: f64,
    /// Q-profile confidence interval of tau².
    pub tau2_ci: Option<[f64; 2]>,
    /// I² in percent.
    pub i2: Option<f64>,
    /// H².
    pub h2: Option<f64>,
    /// Cochran's Q.
    pub q: f64,
    /// Degrees of freedom of Q.
    pub q_df: usize,
    /// p-value of the test of heterogeneity.
    pub q_p: Option<f64>,
    /// Lower prediction limit.
    pub pi_lb: f64,
    /// Upper prediction limit.
    pub pi_ub: f64,
    /// Weights in percent, as metafor's `weights()`.
    pub weights: Vec<f64>,
}

/// Checks inputs shared by all models.
pub(crate) fn check_inputs(yi: &[f64], vi: &[f64], level: f64) -> Result<()> {
    if yi.is_empty() {
        return Err(StatsError::Input("no studies to pool".into()));
    }
    if yi.len() != vi.len() {
        return Err(StatsError::Input(format!(
            "{} estimates but {} variances",
            yi.len(),
            vi.len()
        )));
    }
    if let Some(i) = yi.iter().position(|y| !y.is_finite()) {
        return Err(StatsError::Input(format!(
            "estimate of study {} is not finite",
            i + 1
        )));
    }
    if let Some(i) = vi.iter().position(|v| !(v.is_finite() && *v > 0.0)) {
        return Err(StatsError::Input(format!(
            "sampling variance of study {} must be positive and finite (got {})",
            i + 1,
            vi[i]
        )));
    }
    if !(level > 0.0 && level < 100.0) {
        return Err(StatsError::Input(format!(
            "level must be between 0 and 100, got {level}"
        )));
    }
    Ok(())
}

/// Weighted mean and sum of weights for a given tau2.
fn weighted(yi: &[f64], vi: &[f64], tau2: f64) -> (f64, f64) {
    let mut sw = 0.0;
    let mut swy = 0.0;
    for (y, v) in yi.iter().zip(vi) {
        let w = 1.0 / (v + tau2);
        sw += w;
        swy += w * y;
    }
    (swy / sw, sw)
}

/// Generalised Q: sum of w (y - mu(tau2))^2 with w = 1/(v + tau2).
pub(crate) fn q_gen(yi: &[f64], vi: &[f64], tau2: f64) -> f64 {
    let (mu, _) = weighted(yi, vi, tau2);
    yi.iter()
        .zip(vi)
        .map(|(y, v)| (y - mu).powi(2) / (v + tau2))
        .sum()
}

/// Fits the model.
pub fn rma(yi: &[f64], vi: &[f64], opts: &Options) -> Result<Fit> {
    check_inputs(yi, vi, opts.level)?;
    let k = yi.len();
    let tau2 = if k == 1 {
        0.0
    } else {
        estimate_tau2(yi, vi, opts.method)?
    };
    let mut fit = finish(yi, vi, tau2, opts)?;
    if opts.method != Method::Ee && k > 1 {
        fit.tau2_ci = Some(tau2_ci(yi, vi, opts.level)?);
    }
    Ok(fit)
}

/// Computes everything that follows from tau2.
pub(crate) fn finish(yi: &[f64], vi: &[f64], tau2: f64, opts: &Options) -> Result<Fit> {
    let k = yi.len();
    let (mu, sw) = weighted(yi, vi, tau2);
    let alpha = 1.0 - opts.level / 100.0;
    let (se, stat, p, crit, df) = match opts.test {
        Test::Z => {
            let se = (1.0 / sw).sqrt();
            (se, mu / se, p_z(mu / se), qnorm(1.0 - alpha / 2.0), None)
        }
        Test::Knha => {
            if k < 2 {
                return Err(StatsError::Input(
                    "the Hartung-Knapp test needs at least 2 studies; use the z test".into(),
                ));
            }
            let df = (k - 1) as f64;
            let s2 = q_gen(yi, vi, tau2) / df;
            let se = (s2 / sw).sqrt();
            (
                se,
                mu / se,
                p_t(mu / se, df),
                qt(1.0 - alpha / 2.0, df),
                Some(df),
            )
        }
    };
    // Cochran's Q with the equal-effects weights.
    let q = q_gen(yi, vi, 0.0);
    let q_df = k - 1;
    // With one study metafor reports Q = 0, p = 1, I2 = 0, H2 = 1.
    let q_p = Some(if k > 1 {
        pchisq_upper(q, q_df as f64)
    } else {
        1.0
    });
    let (i2, h2) = if k < 2 {
        (Some(0.0), Some(1.0))
    } else if opts.method == Method::Ee {
        let i2 = if q > 0.0 {
            100.0 * ((q - q_df as f64) / q).max(0.0)
        } else {
            0.0
        };
        (Some(i2), Some(q / q_df as f64))
    } else {
        let (s1, s2) = vi
            .iter()
            .fold((0.0, 0.0), |(a, b), v| (a + 1.0 / v, b + 1.0 / (v * v)));
        let vt = (k as f64 - 1.0) * s1 / (s1 * s1 - s2);
        (Some(100.0 * tau2 / (vt + tau2)), Some((vt + tau2) / vt))
    };
    let spread = (se * se + tau2).sqrt();
    let weights = vi.iter().map(|v| 100.0 / (v + tau2) / sw).collect();
    let fit = Fit {
        k,
        pooled: Estimate {
            estimate: mu,
            se,
            ci_lb: mu - crit * se,
            ci_ub: mu + crit * se,
            stat,
            p,
        },
        df,
        tau2,
        tau2_ci: None,
        i2,
        h2,
        q,
        q_df,
        q_p,
        pi_lb: mu - crit * spread,
        pi_ub: mu + crit * spread,
        weights,
    };
    if [
        fit.pooled.estimate,
        fit.pooled.se,
        fit.pooled.ci_lb,
        fit.pooled.ci_ub,
    ]
    .iter()
    .any(|v| !v.is_finite())
    {
        return Err(StatsError::Numerical(format!(
            "the pooled estimate of {k} studies is not finite; check for extreme variances"
        )));
    }
    Ok(fit)
}

/// Estimates tau2 by the chosen method (k >= 2).
pub fn estimate_tau2(yi: &[f64], vi: &[f64], method: Method) -> Result<f64> {
    let k = yi.len() as f64;
    let mean = yi.iter().sum::<f64>() / k;
    let ss: f64 = yi.iter().map(|y| (y - mean).powi(2)).sum();
    let sum_w: f64 = vi.iter().map(|v| 1.0 / v).sum();
    let sum_w2: f64 = vi.iter().map(|v| 1.0 / (v * v)).sum();
    let q = q_gen(yi, vi, 0.0);
    Ok(match method {
        Method::Ee => 0.0,
        Method::Dl => ((q - (k - 1.0)) / (sum_w - sum_w2 / sum_w)).max(0.0),
        Method::He => (ss / (k - 1.0) - vi.iter().sum::<f64>() / k).max(0.0),
        Method::Hs => ((q - k) / sum_w).max(0.0),
        Method::Sj => {
            let tau0 = ss / k;
            if tau0 <= 0.0 {
                0.0
            } else {
                tau0 * q_gen(yi, vi, tau0) / (k - 1.0)
            }
        }
        Method::Pm => paule_mandel(yi, vi)?,
        Method::Ml | Method::Reml => fisher_scoring(yi, vi, method)?,
    })
}

/// Paule-Mandel: the tau2 at which the generalised Q equals k - 1 (0 if Q(0) <= k - 1).
fn paule_mandel(yi: &[f64], vi: &[f64]) -> Result<f64> {
    let target = yi.len() as f64 - 1.0;
    if q_gen(yi, vi, 0.0) <= target {
        return Ok(0.0);
    }
    solve_q(yi, vi, target, "PM")
}

/// Generalised Q and its derivative in tau2, `dQ/dtau2 = -sum(w^2 (y - mu)^2)` (the term through
/// mu vanishes because mu minimises Q).
fn q_and_slope(yi: &[f64], vi: &[f64], tau2: f64) -> (f64, f64) {
    let (mu, _) = weighted(yi, vi, tau2);
    let (mut q, mut slope) = (0.0, 0.0);
    for (y, v) in yi.iter().zip(vi) {
        let w = 1.0 / (v + tau2);
        let r2 = (y - mu).powi(2);
        q += w * r2;
        slope -= w * w * r2;
    }
    (q, slope)
}

/// The tau2 at which the generalised Q (decreasing in tau2) equals `target`, given Q(0) > target.
/// Newton's method safeguarded by a bracket that bisection falls back on, to machine precision.
fn solve_q(yi: &[f64], vi: &[f64], target: f64, what: &str) -> Result<f64> {
    let mut hi = vi.iter().cloned().fold(0.0, f64::max).max(1.0);
    let mut grow = 0;
    while q_gen(yi, vi, hi) > target {
        hi *= 4.0;
        grow += 1;
        if grow > 200 {
            return Err(StatsError::NoConvergence {
                method: what.to_string(),
                k: yi.len(),
                hint: "tau2 has no finite solution; the estimates may be far apart relative to their variances".into(),
            });
        }
    }
    let mut lo = 0.0;
    let mut x = 0.0;
    for _ in 0..500 {
        let (q, slope) = q_and_slope(yi, vi, x);
        let f = q - target;
        if f > 0.0 {
            lo = x;
        } else {
            hi = x;
        }
        if f == 0.0 || hi - lo <= 4.0 * f64::EPSILON * hi {
            return Ok(x);
        }
        let newton = x - f / slope;
        let next = if slope < 0.0 && newton > lo && newton < hi {
            newton
        } else {
            0.5 * (lo + hi)
        };
        if (next - x).abs() <= 1e-15 * next.abs() {
            return Ok(next);
        }
        x = next;
    }
    Ok(x)
}

/// ML and REML by Fisher scoring from the Hedges estimate, halving steps that would leave
/// [0, inf), as metafor does, iterated to machine precision.
fn fisher_scoring(yi: &[f64], vi: &[f64], method: Method) -> Result<f64> {
    let mut tau2 = estimate_tau2(yi, vi, Method::He)?;
    for _ in 0..10_000 {
        let (mu, _) = weighted(yi, vi, tau2);
        let (mut sw, mut sw2, mut sw3, mut sw2r2) = (0.0, 0.0, 0.0, 0.0);
        for (y, v) in yi.iter().zip(vi) {
            let w = 1.0 / (v + tau2);
            sw += w;
            sw2 += w * w;
            sw3 += w * w * w;
            sw2r2 += w * w * (y - mu).powi(2);
        }
        let mut adj = match method {
            Method::Ml => (sw2r2 - sw) / sw2,
            _ => {
                let tr_p = sw - sw2 / sw;
                let tr_pp = sw2 - 2.0 * sw3 / sw + (sw2 / sw).powi(2);
                (sw2r2 - tr_p) / tr_pp
            }
        };
        if !adj.is_finite() {
            break;
        }
        while tau2 + adj < 0.0 {
            adj /= 2.0;
        }
        let next = tau2 + adj;
        // 1e-13 relative is above the rounding floor of the sums at large k and far inside the
        // 1e-6 agreement required with metafor.
        if (next - tau2).abs() <= 1e-13 * next.max(1e-12) {
            return Ok(next);
        }
        tau2 = next;
        if tau2 < 1e-300 {
            return Ok(0.0);
        }
    }
    Err(StatsError::NoConvergence {
        method: method.name().to_string(),
        k: yi.len(),
        hint: "try the Paule-Mandel (PM) or DerSimonian-Laird (DL) method, which do not iterate on the likelihood".into(),
    })
}

/// Q-profile confidence interval for tau2 (Viechtbauer 2007).
pub fn tau2_ci(yi: &[f64], vi: &[f64], level: f64) -> Result<[f64; 2]> {
    let df = yi.len() as f64 - 1.0;
    let alpha = 1.0 - level / 100.0;
    let q_hi = qchisq(1.0 - alpha / 2.0, df);
    let q_lo = qchisq(alpha / 2.0, df);
    let q0 = q_gen(yi, vi, 0.0);
    let lb = if q0 < q_hi {
        0.0
    } else {
        solve_q(yi, vi, q_hi, "Q-profile")?
    };
    let ub = if q0 < q_lo {
        0.0
    } else {
        solve_q(yi, vi, q_lo, "Q-profile")?
    };
    Ok([lb, ub])
}
