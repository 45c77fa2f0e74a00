//! Effect sizes and sampling variances, as metafor's `escalc` with its defaults
//! (`add = 1/2, to = "only0", drop00 = FALSE`, `vtype = "LS"`).
//!
//! Continuity correction: for PR and PLO, 1/2 is added to the events and non-events of a study
//! with 0 events or 0 non-events; PAS and PFT need none and get none (metafor sets `add = 0` for
//! them). For two-group tables (RR, OR, RD), 1/2 is added to all four cells of a table with any
//! zero cell.
//!
//! | measure | yi | vi |
//! |---|---|---|
//! | PR | p = x/n | p(1-p)/n |
//! | PLO | log(x/(n-x)) | 1/x + 1/(n-x) |
//! | PAS | asin(sqrt(x/n)) | 1/(4n) |
//! | PFT | (asin(sqrt(x/(n+1))) + asin(sqrt((x+1)/(n+1))))/2 | 1/(4n+2) |
//! | RR | log(p1/p2) | 1/a - 1/n1 + 1/c - 1/n2 |
//! | OR | log(a d/(b c)) | 1/a + 1/b + 1/c + 1/d |
//! | RD | p1 - p2 | p1(1-p1)/n1 + p2(1-p2)/n2 |
//! | HR | log(hr) | ((log(ub) - log(lb)) / (2 z_{0.975}))^2 |
//!
//! References: Viechtbauer W (2010) Conducting meta-analyses in R with the metafor package,
//! J Stat Softw 36(3); Freeman & Tukey (1950) Ann Math Stat 21:607-611.

use crate::dist::qnorm;
use crate::{Result, StatsError};

/// Outcome measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Measure {
    /// Raw proportion.
    Pr,
    /// Logit-transformed proportion.
    Plo,
    /// Arcsine square-root transformed proportion.
    Pas,
    /// Freeman-Tukey double-arcsine transformed proportion.
    Pft,
    /// Log risk ratio.
    Rr,
    /// Log odds ratio.
    Or,
    /// Risk difference.
    Rd,
    /// Generic estimate with its variance (or standard error).
    Gen,
    /// Log hazard ratio from a ratio and its 95% confidence interval.
    Hr,
}

impl Measure {
    /// Every measure.
    pub const ALL: &'static [Measure] = &[
        Measure::Pr,
        Measure::Plo,
        Measure::Pas,
        Measure::Pft,
        Measure::Rr,
        Measure::Or,
        Measure::Rd,
        Measure::Gen,
        Measure::Hr,
    ];

    /// metafor's name.
    pub fn name(self) -> &'static str {
        match self {
            Measure::Pr => "PR",
            Measure::Plo => "PLO",
            Measure::Pas => "PAS",
            Measure::Pft => "PFT",
            Measure::Rr => "RR",
            Measure::Or => "OR",
            Measure::Rd => "RD",
            Measure::Gen => "GEN",
            Measure::Hr => "HR",
        }
    }

    /// Parses metafor's name (case-insensitive).
    pub fn parse(text: &str) -> Option<Measure> {
        let t = text.trim().to_ascii_uppercase();
        Measure::ALL.iter().copied().find(|m| m.name() == t)
    }

    /// Whether the measure pools single proportions.
    pub fn is_proportion(self) -> bool {
        matches!(
            self,
            Measure::Pr | Measure::Plo | Measure::Pas | Measure::Pft
        )
    }

    /// Whether the measure compares two groups' counts.
    pub fn is_two_group(self) -> bool {
        matches!(self, Measure::Rr | Measure::Or | Measure::Rd)
    }
}

/// A study's events out of a total.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Proportion {
    /// Patients with the event.
    pub events: f64,
    /// Patients.
    pub total: f64,
}

/// A two-group table: events and totals of the treatment and control groups.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TwoByTwo {
    /// Events in the treatment group.
    pub events_t: f64,
    /// Patients in the treatment group.
    pub total_t: f64,
    /// Events in the control group.
    pub events_c: f64,
    /// Patients in the control group.
    pub total_c: f64,
}

impl TwoByTwo {
    /// Cells a, b, c, d.
    pub fn cells(&self) -> [f64; 4] {
        [
            self.events_t,
            self.total_t - self.events_t,
            self.events_c,
            self.total_c - self.events_c,
        ]
    }
}

fn check_count(what: &str, i: usize, events: f64, total: f64) -> Result<()> {
    let whole = |v: f64| v.is_finite() && v >= 0.0;
    if !whole(events) || !whole(total) || total <= 0.0 || events > total {
        return Err(StatsError::Input(format!(
            "study {}: {what} needs 0 <= events <= total and total > 0 (events {events}, total {total})",
            i + 1
        )));
    }
    Ok(())
}

/// `yi` and `vi` of single proportions.
pub fn proportions(measure: Measure, data: &[Proportion]) -> Result<(Vec<f64>, Vec<f64>)> {
    let mut yi = Vec::with_capacity(data.len());
    let mut vi = Vec::with_capacity(data.len());
    for (i, d) in data.iter().enumerate() {
        check_count(measure.name(), i, d.events, d.total)?;
        let (x, n) = (d.events, d.total);
        let (y, v) = match measure {
            Measure::Pr | Measure::Plo => {
                let (mut x, mut m) = (x, n - x);
                if x == 0.0 || m == 0.0 {
                    x += 0.5;
                    m += 0.5;
                }
                let n = x + m;
                let p = x / n;
                if measure == Measure::Pr {
                    (p, p * (1.0 - p) / n)
                } else {
                    ((p / (1.0 - p)).ln(), 1.0 / x + 1.0 / m)
                }
            }
            Measure::Pas => ((x / n).sqrt().asin(), 1.0 / (4.0 * n)),
            Measure::Pft => (pft(x, n), 1.0 / (4.0 * n + 2.0)),
            other => {
                return Err(StatsError::Input(format!(
                    "{} is not a single-proportion measure",
                    other.name()
                )))
            }
        };
        yi.push(y);
        vi.push(v);
    }
    Ok((yi, vi))
}

/// Freeman-Tukey double arcsine of x events in n.
pub fn pft(x: f64, n: f64) -> f64 {
    0.5 * ((x / (n + 1.0)).sqrt().asin() + ((x + 1.0) / (n + 1.0)).sqrt().asin())
}

/// `yi` and `vi` of two-group tables.
pub fn two_group(measure: Measure, data: &[TwoByTwo]) -> Result<(Vec<f64>, Vec<f64>)> {
    let mut yi = Vec::with_capacity(data.len());
    let mut vi = Vec::with_capacity(data.len());
    for (i, t) in data.iter().enumerate() {
        check_count("treatment group", i, t.events_t, t.total_t)?;
        check_count("control group", i, t.events_c, t.total_c)?;
        let [mut a, mut b, mut c, mut d] = t.cells();
        if a == 0.0 || b == 0.0 || c == 0.0 || d == 0.0 {
            a += 0.5;
            b += 0.5;
            c += 0.5;
            d += 0.5;
        }
        let (n1, n2) = (a + b, c + d);
        let (p1, p2) = (a / n1, c / n2);
        let (y, v) = match measure {
            Measure::Rr => (p1.ln() - p2.ln(), 1.0 / a - 1.0 / n1 + 1.0 / c - 1.0 / n2),
            Measure::Or => (
                (p1 / (1.0 - p1)).ln() - (p2 / (1.0 - p2)).ln(),
                1.0 / a + 1.0 / b + 1.0 / c + 1.0 / d,
            ),
            Measure::Rd => (p1 - p2, p1 * (1.0 - p1) / n1 + p2 * (1.0 - p2) / n2),
            other => {
                return Err(StatsError::Input(format!(
                    "{} is not a two-group measure",
                    other.name()
                )))
            }
        };
        yi.push(y);
        vi.push(v);
    }
    Ok((yi, vi))
}

/// Log hazard ratios and variances from hazard ratios with 95% confidence limits.
pub fn hazard_ratios(data: &[(f64, f64, f64)]) -> Result<(Vec<f64>, Vec<f64>)> {
    let z = qnorm(0.975);
    let mut yi = Vec::with_capacity(data.len());
    let mut vi = Vec::with_capacity(data.len());
    for (i, &(hr, lb, ub)) in data.iter().enumerate() {
        if !(hr > 0.0 && lb > 0.0 && ub > lb && lb <= hr && hr <= ub && ub.is_finite()) {
            return Err(StatsError::Input(format!(
                "study {}: needs 0 < ci_lb <= hr <= ci_ub (hr {hr}, ci {lb} to {ub})",
                i + 1
            )));
        }
        yi.push(hr.ln());
        vi.push(((ub.ln() - lb.ln()) / (2.0 * z)).powi(2));
    }
    Ok((yi, vi))
}

/// Back-transforms an estimate on the analysis scale to the natural scale: a proportion (clamped
/// to [0, 1]) or a ratio. `n_hm` is the harmonic mean of the sample sizes, used by PFT
/// (metafor's `transf.ipft.hm`).
pub fn back_transform(measure: Measure, x: f64, n_hm: f64) -> f64 {
    match measure {
        Measure::Pr => x.clamp(0.0, 1.0),
        Measure::Plo => 1.0 / (1.0 + (-x).exp()),
        Measure::Pas => {
            if x < 0.0 {
                0.0
            } else if x > std::f64::consts::FRAC_PI_2 {
                1.0
            } else {
                x.sin().powi(2)
            }
        }
        Measure::Pft => ipft(x, n_hm),
        Measure::Rr | Measure::Or | Measure::Hr => x.exp(),
        Measure::Rd | Measure::Gen => x,
    }
}

/// Inverse Freeman-Tukey transformation (Miller 1978), clamped as metafor's `transf.ipft`.
pub fn ipft(x: f64, n: f64) -> f64 {
    if x > pft(n, n) {
        return 1.0;
    }
    if x < pft(0.0, n) {
        return 0.0;
    }
    let s = (2.0 * x).sin();
    let c = (2.0 * x).cos();
    let inner = 1.0 - (s + (s - 1.0 / s) / n).powi(2);
    // R's sign(): 0 at 0.
    let sign = if c > 0.0 {
        1.0
    } else if c < 0.0 {
        -1.0
    } else {
        0.0
    };
    0.5 * (1.0 - sign * inner.max(0.0).sqrt())
}

/// Harmonic mean of sample sizes.
pub fn harmonic_mean(n: &[f64]) -> f64 {
    n.len() as f64 / n.iter().map(|v| 1.0 / v).sum::<f64>()
}

/// Two-sided normal critical value for a confidence level in percent (1.96 for 95).
pub fn z_crit(level: f64) -> f64 {
    qnorm(1.0 - (1.0 - level / 100.0) / 2.0)
}

/// A study's estimate and Wald interval (`yi ± z sqrt(vi)`) on the natural scale, `n` being the
/// study's size (used by PFT), for forest plots.
pub fn study_interval(measure: Measure, yi: f64, vi: f64, n: f64, z: f64) -> [f64; 3] {
    let se = vi.sqrt();
    [yi, yi - z * se, yi + z * se].map(|x| back_transform(measure, x, n))
}
