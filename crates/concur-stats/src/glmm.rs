//! Random-effects logistic-normal model for proportions, as metafor's `rma.glmm(measure = "PLO")`
//! (which calls `lme4::glmer(cbind(x, n - x) ~ 1 + (1 | study), family = binomial, nAGQ = 7)`).
//!
//! `x_i ~ Binomial(n_i, expit(mu + tau u_i))`, `u_i ~ N(0, 1)`. Each study's marginal likelihood
//! `L_i = ∫ f(x_i | u) φ(u) du` is approximated by 7-point adaptive Gauss-Hermite quadrature:
//! centred at the conditional mode `û_i` and scaled by `σ_i = (1 + tau² n_i p_i (1 - p_i))^(-1/2)`,
//! `L_i ≈ σ_i Σ_j w_j f(x_i | û_i + σ_i z_j) exp(-(û_i + σ_i z_j)²/2 + z_j²/2)` (Pinheiro & Bates
//! 1995; lme4's `GHrule`). `(mu, tau)` maximise `Σ log L_i` (profiled: `mu` for each `tau`,
//! `tau ≥ 0` by Brent's method); the standard error of `mu` comes from the inverse observed
//! information of both parameters, as lme4's `vcov`.
//!
//! Heterogeneity: Q is the likelihood-ratio statistic of the common-proportion model against the
//! saturated model (metafor's `QE.LRT`); metafor's Wald-type `QE.Wld` comes from a saturated
//! logistic fit that does not converge when a study has 0 events, so concur reports the LRT only.
//! I² and H² use the escalc PLO variances, as metafor.

use crate::analysis::{Analysis, Estimate, Spec, StudyValue};
use crate::dist::{pchisq_upper, qnorm};
use crate::effect::{proportions, Measure, Proportion};
use crate::{Result, StatsError};

/// Nodes and weights of the Gauss-Hermite rule for the standard normal density (weights sum to
/// 1), computed by Newton's method on the Hermite polynomials (Golub & Welsch give the same).
pub fn gauss_hermite(n: usize) -> (Vec<f64>, Vec<f64>) {
    // Physicists' rule for exp(-x^2), then rescaled to the normal density.
    let mut nodes = vec![0.0; n];
    let mut weights = vec![0.0; n];
    let m = n.div_ceil(2);
    let pi_m4 = std::f64::consts::PI.powf(-0.25);
    let mut z = 0.0;
    for i in 0..m {
        z = match i {
            0 => (2.0 * n as f64 + 1.0).sqrt() - 1.85575 * (2.0 * n as f64 + 1.0).powf(-1.0 / 6.0),
            1 => z - 1.14 * (n as f64).powf(0.426) / z,
            2 => 1.86 * z - 0.86 * nodes[0],
            3 => 1.91 * z - 0.91 * nodes[1],
            _ => 2.0 * z - nodes[i - 2],
        };
        let mut pp = 0.0;
        for _ in 0..100 {
            let (mut p1, mut p2) = (pi_m4, 0.0);
            for j in 0..n {
                let p3 = p2;
                p2 = p1;
                p1 = z * (2.0 / (j as f64 + 1.0)).sqrt() * p2
                    - ((j as f64) / (j as f64 + 1.0)).sqrt() * p3;
            }
            pp = (2.0 * n as f64).sqrt() * p2;
            let z1 = z;
            z = z1 - p1 / pp;
            if (z - z1).abs() <= 1e-15 {
                break;
            }
        }
        nodes[i] = z;
        nodes[n - 1 - i] = -z;
        weights[i] = 2.0 / (pp * pp);
        weights[n - 1 - i] = weights[i];
    }
    // exp(-x^2) rule -> standard normal: z = sqrt(2) x, w / sqrt(pi).
    let sqrt_pi = std::f64::consts::PI.sqrt();
    let mut pairs: Vec<(f64, f64)> = nodes
        .iter()
        .zip(&weights)
        .map(|(x, w)| (x * std::f64::consts::SQRT_2, w / sqrt_pi))
        .collect();
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    pairs.into_iter().unzip()
}

/// log of n choose x, for the binomial constant (so that log-likelihoods compare with glm's).
fn log_choose(n: f64, x: f64) -> f64 {
    statrs::function::gamma::ln_gamma(n + 1.0)
        - statrs::function::gamma::ln_gamma(x + 1.0)
        - statrs::function::gamma::ln_gamma(n - x + 1.0)
}

/// log f(x | eta) for a binomial with logit eta, without the constant.
fn log_binom_kernel(x: f64, n: f64, eta: f64) -> f64 {
    // n log(1 + e^eta) computed stably.
    let log1pexp = if eta > 0.0 {
        eta + (-eta).exp().ln_1p()
    } else {
        eta.exp().ln_1p()
    };
    x * eta - n * log1pexp
}

struct Quadrature {
    nodes: Vec<f64>,
    weights: Vec<f64>,
}

impl Quadrature {
    /// AGQ log-likelihood of all studies (with binomial constants) at (mu, tau).
    fn loglik(&self, data: &[Proportion], mu: f64, tau: f64) -> f64 {
        data.iter().map(|d| self.study(d, mu, tau)).sum()
    }

    fn study(&self, d: &Proportion, mu: f64, tau: f64) -> f64 {
        let (x, n) = (d.events, d.total);
        let constant = log_choose(n, x);
        if tau == 0.0 {
            return constant + log_binom_kernel(x, n, mu);
        }
        // Conditional mode of u by Newton's method on h(u) = log f(x|mu + tau u) - u^2/2.
        let mut u = 0.0;
        for _ in 0..200 {
            let p = 1.0 / (1.0 + (-(mu + tau * u)).exp());
            let grad = tau * (x - n * p) - u;
            let hess = -(tau * tau * n * p * (1.0 - p)) - 1.0;
            let step = grad / hess;
            u -= step;
            if step.abs() < 1e-13 * (1.0 + u.abs()) {
                break;
            }
        }
        let p = 1.0 / (1.0 + (-(mu + tau * u)).exp());
        let sigma = 1.0 / (1.0 + tau * tau * n * p * (1.0 - p)).sqrt();
        // log-sum-exp over the nodes.
        let terms: Vec<f64> = self
            .nodes
            .iter()
            .zip(&self.weights)
            .map(|(z, w)| {
                let v = u + sigma * z;
                w.ln() + log_binom_kernel(x, n, mu + tau * v) - v * v / 2.0 + z * z / 2.0
            })
            .collect();
        let top = terms.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        constant + sigma.ln() + top + terms.iter().map(|t| (t - top).exp()).sum::<f64>().ln()
    }
}

/// Brent's method for the maximum of a unimodal function on [a, b].
fn brent_max(f: impl Fn(f64) -> f64, mut a: f64, mut b: f64, tol: f64) -> f64 {
    let golden = 0.5 * (3.0 - 5f64.sqrt());
    let start = a + golden * (b - a);
    let (mut x, mut w, mut v) = (start, start, start);
    let mut fx = -f(x);
    let (mut fw, mut fv) = (fx, fx);
    let (mut d, mut e): (f64, f64) = (0.0, 0.0);
    for _ in 0..500 {
        let m = 0.5 * (a + b);
        let tol1 = tol * x.abs() + 1e-14;
        let tol2 = 2.0 * tol1;
        if (x - m).abs() <= tol2 - 0.5 * (b - a) {
            break;
        }
        let mut golden_step = true;
        if e.abs() > tol1 {
            let r = (x - w) * (fx - fv);
            let mut q = (x - v) * (fx - fw);
            let mut p = (x - v) * q - (x - w) * r;
            q = 2.0 * (q - r);
            if q > 0.0 {
                p = -p;
            }
            q = q.abs();
            if p.abs() < (0.5 * q * e).abs() && p > q * (a - x) && p < q * (b - x) {
                e = d;
                d = p / q;
                let u = x + d;
                if u - a < tol2 || b - u < tol2 {
                    d = if x < m { tol1 } else { -tol1 };
                }
                golden_step = false;
            }
        }
        if golden_step {
            e = if x < m { b - x } else { a - x };
            d = golden * e;
        }
        let u = x + if d.abs() >= tol1 {
            d
        } else if d > 0.0 {
            tol1
        } else {
            -tol1
        };
        let fu = -f(u);
        if fu <= fx {
            if u < x {
                b = x;
            } else {
                a = x;
            }
            v = w;
            fv = fw;
            w = x;
            fw = fx;
            x = u;
            fx = fu;
        } else {
            if u < x {
                a = u;
            } else {
                b = u;
            }
            if fu <= fw || w == x {
                v = w;
                fv = fw;
                w = u;
                fw = fu;
            } else if fu <= fv || v == x || v == w {
                v = u;
                fv = fu;
            }
        }
    }
    x
}

/// Fits the model and returns the estimate of mu, tau, and the maximised log-likelihood.
/// Bracket for the pooled logit: the corrected study logits widened by 5 on each side.
fn search_range(data: &[Proportion]) -> (f64, f64) {
    let logits = data
        .iter()
        .map(|d| ((d.events + 0.5) / (d.total - d.events + 0.5)).ln());
    let (lo, hi) = logits.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), l| {
        (a.min(l), b.max(l))
    });
    (lo - 5.0, hi + 5.0)
}

fn fit(data: &[Proportion], quad: &Quadrature) -> (f64, f64, f64) {
    let (lo, hi) = search_range(data);
    let best_mu = |tau: f64| brent_max(|mu| quad.loglik(data, mu, tau), lo, hi, 1e-12);
    let profile = |tau: f64| quad.loglik(data, best_mu(tau), tau);
    let tau_hi = (hi - lo).max(1.0) * 2.0;
    let mut tau = brent_max(profile, 0.0, tau_hi, 1e-12);
    // The boundary tau = 0 is admissible; Brent never evaluates the end point itself.
    if profile(0.0) >= profile(tau) {
        tau = 0.0;
    }
    let mu = best_mu(tau);
    (mu, tau, quad.loglik(data, mu, tau))
}

/// Standard error of mu from the inverse observed information of (mu, tau) (of mu alone when
/// tau is at its boundary 0), by central finite differences.
fn se_mu(data: &[Proportion], quad: &Quadrature, mu: f64, tau: f64) -> f64 {
    let f = |m: f64, t: f64| quad.loglik(data, m, t);
    let h_m = 1e-4 * (1.0 + mu.abs());
    let d2_mm = (f(mu + h_m, tau) - 2.0 * f(mu, tau) + f(mu - h_m, tau)) / (h_m * h_m);
    if tau <= 0.0 {
        return (-1.0 / d2_mm).sqrt();
    }
    let h_t = 1e-4 * (1.0 + tau);
    let d2_tt = (f(mu, tau + h_t) - 2.0 * f(mu, tau) + f(mu, tau - h_t)) / (h_t * h_t);
    let d2_mt = (f(mu + h_m, tau + h_t) - f(mu + h_m, tau - h_t) - f(mu - h_m, tau + h_t)
        + f(mu - h_m, tau - h_t))
        / (4.0 * h_m * h_t);
    // Information matrix I = -H; var(mu) = [I^-1]_mm = I_tt / det(I).
    let (i_mm, i_tt, i_mt) = (-d2_mm, -d2_tt, -d2_mt);
    let det = i_mm * i_tt - i_mt * i_mt;
    (i_tt / det).sqrt()
}

/// Fits the GLMM and reports it in the common result shape.
pub fn analyse(data: &[Proportion], spec: &Spec) -> Result<Analysis> {
    if spec.test != crate::rma::Test::Z {
        return Err(StatsError::Input(
            "the GLMM uses the z test; choose the z test".into(),
        ));
    }
    let (yi, vi) = proportions(Measure::Plo, data)?;
    let k = data.len();
    if k < 2 {
        return Err(StatsError::Input(
            "the GLMM needs at least 2 studies to estimate between-study variance; use the equal-effects (EE) method"
                .into(),
        ));
    }
    if data.iter().all(|d| d.events == 0.0) || data.iter().all(|d| d.events == d.total) {
        return Err(StatsError::NoConvergence {
            method: "GLMM".into(),
            k,
            hint: "every study has 0 events (or only events), so the logit has no finite maximum; report the counts and an exact interval (concur proportion), or use the Freeman-Tukey (PFT) measure".into(),
        });
    }
    let (nodes, weights) = gauss_hermite(7);
    let quad = Quadrature { nodes, weights };
    let (mu, tau, _loglik) = fit(data, &quad);
    let se = se_mu(data, &quad, mu, tau);
    let (lo, hi) = search_range(data);
    if mu - lo < 1e-6 || hi - mu < 1e-6 {
        return Err(StatsError::NoConvergence {
            method: "GLMM".into(),
            k,
            hint: "the pooled logit ran to the edge of the search range; try the REML method with the Freeman-Tukey (PFT) measure".into(),
        });
    }
    if !(mu.is_finite() && se.is_finite() && se > 0.0) {
        return Err(StatsError::NoConvergence {
            method: "GLMM".into(),
            k,
            hint: "the likelihood has no interior maximum (e.g. every study has 0 events); try the REML method with the logit (PLO) or Freeman-Tukey (PFT) measure".into(),
        });
    }
    let tau2 = tau * tau;
    let crit = qnorm(1.0 - (1.0 - spec.level / 100.0) / 2.0);
    // Heterogeneity: LRT of the common-proportion model against the saturated model.
    let total_x: f64 = data.iter().map(|d| d.events).sum();
    let total_n: f64 = data.iter().map(|d| d.total).sum();
    let p_common = total_x / total_n;
    let ll_fe: f64 = data
        .iter()
        .map(|d| {
            log_choose(d.total, d.events)
                + xlogy(d.events, p_common)
                + xlogy(d.total - d.events, 1.0 - p_common)
        })
        .sum();
    let ll_sat: f64 = data
        .iter()
        .map(|d| {
            let p = d.events / d.total;
            log_choose(d.total, d.events) + xlogy(d.events, p) + xlogy(d.total - d.events, 1.0 - p)
        })
        .sum();
    let q = (-2.0 * (ll_fe - ll_sat)).max(0.0);
    let (s1, s2) = vi
        .iter()
        .fold((0.0, 0.0), |(a, b), v| (a + 1.0 / v, b + 1.0 / (v * v)));
    let (i2, h2, q_p) = if k > 1 {
        let vt = (k as f64 - 1.0) * s1 / (s1 * s1 - s2);
        (
            Some(100.0 * tau2 / (vt + tau2)),
            Some(tau2 / vt + 1.0),
            Some(pchisq_upper(q, (k - 1) as f64)),
        )
    } else {
        (Some(0.0), Some(1.0), Some(1.0))
    };
    let spread = (se * se + tau2).sqrt();
    Ok(Analysis {
        k,
        spec: *spec,
        pooled: Estimate::wald(mu, se, crit),
        df: None,
        tau2: Some(tau2),
        tau2_ci: None,
        i2,
        h2,
        q,
        q_df: k.saturating_sub(1),
        q_p,
        pi_lb: Some(mu - crit * spread),
        pi_ub: Some(mu + crit * spread),
        transformed: None,
        studies: yi
            .iter()
            .zip(&vi)
            .map(|(y, v)| StudyValue {
                yi: *y,
                vi: *v,
                weight: f64::NAN,
            })
            .collect(),
    })
}

/// x log(y), 0 when x = 0.
fn xlogy(x: f64, y: f64) -> f64 {
    if x == 0.0 {
        0.0
    } else {
        x * y.ln()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seven_point_rule_integrates_polynomials_exactly() {
        let (z, w) = gauss_hermite(7);
        assert_eq!(z.len(), 7);
        let moment = |k: i32| z.iter().zip(&w).map(|(z, w)| w * z.powi(k)).sum::<f64>();
        assert!((moment(0) - 1.0).abs() < 1e-14);
        assert!(moment(1).abs() < 1e-14);
        assert!((moment(2) - 1.0).abs() < 1e-13);
        assert!((moment(4) - 3.0).abs() < 1e-12);
        assert!((moment(12) - 10395.0).abs() < 1e-7);
    }

    fn spec() -> Spec {
        Spec {
            measure: Measure::Plo,
            pooling: crate::Pooling::Glmm,
            test: crate::Test::Z,
            level: 95.0,
        }
    }

    fn props(v: &[(f64, f64)]) -> Vec<Proportion> {
        v.iter()
            .map(|&(events, total)| Proportion { events, total })
            .collect()
    }

    #[test]
    fn no_interior_maximum_is_an_error_not_a_number() {
        for data in [
            props(&[(0.0, 10.0), (0.0, 12.0)]),
            props(&[(10.0, 10.0), (8.0, 8.0)]),
            props(&[(3.0, 20.0)]),
        ] {
            let err = analyse(&data, &spec()).unwrap_err().to_string();
            assert!(err.contains("GLMM"), "{err}");
        }
    }

    #[test]
    fn identical_proportions_give_tau2_zero() {
        let fit = analyse(
            &props(&[(5.0, 50.0), (10.0, 100.0), (20.0, 200.0)]),
            &spec(),
        )
        .unwrap();
        assert_eq!(fit.tau2, Some(0.0));
        assert!((fit.pooled.estimate - (0.1f64 / 0.9).ln()).abs() < 1e-8);
    }

    #[test]
    fn tau_zero_is_the_plain_binomial_likelihood() {
        let (nodes, weights) = gauss_hermite(7);
        let q = Quadrature { nodes, weights };
        let d = Proportion {
            events: 3.0,
            total: 10.0,
        };
        let direct = log_choose(10.0, 3.0) + log_binom_kernel(3.0, 10.0, 0.2);
        assert!((q.study(&d, 0.2, 0.0) - direct).abs() < 1e-12);
    }
}
