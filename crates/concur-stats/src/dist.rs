//! Distribution functions used by the models, from statrs (matches R to about 1e-14).

use statrs::distribution::{ChiSquared, ContinuousCDF, Normal, StudentsT};

/// Standard normal CDF.
pub fn pnorm(x: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    std_normal().cdf(x)
}

/// Standard normal quantile.
pub fn qnorm(p: f64) -> f64 {
    std_normal().inverse_cdf(p)
}

fn std_normal() -> Normal {
    // Parameters are constants; `Normal::standard` cannot fail.
    Normal::standard()
}

/// Student t CDF with `df` degrees of freedom (df > 0). statrs panics on non-finite
/// arguments, so those are answered here.
pub fn pt(x: f64, df: f64) -> f64 {
    if x.is_nan() || df.is_nan() || df <= 0.0 {
        return f64::NAN;
    }
    if x.is_infinite() {
        return if x > 0.0 { 1.0 } else { 0.0 };
    }
    StudentsT::new(0.0, 1.0, df).map_or(f64::NAN, |t| t.cdf(x))
}

/// Student t quantile.
pub fn qt(p: f64, df: f64) -> f64 {
    if !(p > 0.0 && p < 1.0 && df > 0.0) {
        return f64::NAN;
    }
    if df > T_AS_EXPANSION {
        // statrs's inverse of the incomplete beta loses precision for large df and does not
        // return for very large df; there the Cornish-Fisher expansion around the normal
        // quantile is exact to about 1e-13.
        let z = qnorm(p);
        let z2 = z * z;
        let g1 = (z2 + 1.0) * z / 4.0;
        let g2 = ((5.0 * z2 + 16.0) * z2 + 3.0) * z / 96.0;
        let g3 = (((3.0 * z2 + 19.0) * z2 + 17.0) * z2 - 15.0) * z / 384.0;
        return z + g1 / df + g2 / (df * df) + g3 / (df * df * df);
    }
    StudentsT::new(0.0, 1.0, df).map_or(f64::NAN, |t| t.inverse_cdf(p))
}

/// Above these degrees of freedom the t quantile is computed from its expansion.
const T_AS_EXPANSION: f64 = 3000.0;

/// Above these degrees of freedom the chi-square quantile is computed from its approximation.
const CHISQ_AS_EXPANSION: f64 = 1e7;

/// Upper tail of the chi-square distribution, P(X > x).
pub fn pchisq_upper(x: f64, df: f64) -> f64 {
    if x.is_nan() || df.is_nan() || df <= 0.0 {
        return f64::NAN;
    }
    if x <= 0.0 {
        return 1.0;
    }
    if x.is_infinite() {
        return 0.0;
    }
    ChiSquared::new(df).map_or(f64::NAN, |c| c.sf(x))
}

/// Chi-square quantile.
pub fn qchisq(p: f64, df: f64) -> f64 {
    if !(p > 0.0 && p < 1.0 && df > 0.0) {
        return f64::NAN;
    }
    if df > CHISQ_AS_EXPANSION {
        // statrs's gamma inverse slows down badly for very large df; there the Wilson-Hilferty
        // cube is accurate to about 1e-10 relative, far below what such analyses report.
        let h = 2.0 / (9.0 * df);
        let c = 1.0 - h + qnorm(p) * h.sqrt();
        return df * c * c * c;
    }
    ChiSquared::new(df).map_or(f64::NAN, |c| c.inverse_cdf(p))
}

/// Beta quantile, by bisection on the regularised incomplete beta function: statrs's own
/// inverse does not return for a very lopsided Beta (3 events in 7.4 million), while bisection
/// on floats ends within a fixed number of steps whatever the parameters.
pub fn qbeta(p: f64, a: f64, b: f64) -> f64 {
    if !(p > 0.0 && p < 1.0 && a > 0.0 && b > 0.0 && a.is_finite() && b.is_finite()) {
        return f64::NAN;
    }
    let cdf = |x: f64| statrs::function::beta::checked_beta_reg(a, b, x).unwrap_or(f64::NAN);
    let (mut lo, mut hi) = (0.0_f64, 1.0_f64);
    // Each step halves the bracket; 1,100 steps reach adjacent floats anywhere in [0, 1]
    // (down to the smallest subnormal), so the loop always ends.
    for _ in 0..1100 {
        let mid = lo + (hi - lo) / 2.0;
        if mid <= lo || mid >= hi {
            break;
        }
        let c = cdf(mid);
        if c.is_nan() {
            return f64::NAN;
        }
        if c < p {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    lo + (hi - lo) / 2.0
}

/// Two-sided p value of a z statistic.
pub fn p_z(z: f64) -> f64 {
    2.0 * pnorm(-z.abs())
}

/// Two-sided p value of a t statistic.
pub fn p_t(t: f64, df: f64) -> f64 {
    2.0 * pt(-t.abs(), df)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qbeta_ends_and_inverts_the_cdf_for_lopsided_parameters() {
        for &(p, a, b) in &[
            (0.025, 3.0, 7_399_998.0),
            (0.975, 4.0, 7_399_997.0),
            (0.5, 0.5, 1e12),
            (0.025, 1e9, 2.0),
            (0.3, 2.0, 3.0),
        ] {
            let q = qbeta(p, a, b);
            assert!(q > 0.0 && q < 1.0, "{p} {a} {b}: {q}");
            let back = statrs::function::beta::beta_reg(a, b, q);
            assert!((back - p).abs() < 1e-9, "{p} {a} {b}: {q} gives {back}");
        }
        assert!(qbeta(0.5, 0.0, 1.0).is_nan());
        assert!(qbeta(1.0, 1.0, 1.0).is_nan());
        assert!(qbeta(0.5, f64::INFINITY, 1.0).is_nan());
    }
}

#[cfg(test)]
mod extremes {
    use super::*;

    #[test]
    fn the_expansions_meet_the_exact_quantiles_where_they_take_over() {
        let df = T_AS_EXPANSION;
        for p in [0.001, 0.025, 0.5, 0.975] {
            let exact = StudentsT::new(0.0, 1.0, df).unwrap().inverse_cdf(p);
            let approx = qt(p, df * (1.0 + 1e-12));
            assert!((approx - exact).abs() < 1e-10, "t {p}: {approx} {exact}");
            let df = CHISQ_AS_EXPANSION;
            let exact = ChiSquared::new(df).unwrap().inverse_cdf(p);
            let approx = qchisq(p, df * (1.0 + 1e-12));
            assert!(
                ((approx - exact) / exact).abs() < 1e-9,
                "chisq {p}: {approx} {exact}"
            );
        }
    }

    #[test]
    fn quantiles_end_for_extreme_degrees_of_freedom() {
        for df in [1e-3, 0.5, 1.0, 1e5, 1e9, 1e15] {
            for p in [1e-12, 0.025, 0.5, 0.975, 1.0 - 1e-12] {
                assert!(qt(p, df).is_finite(), "{p} {df}");
                assert!(qchisq(p, df).is_finite(), "{p} {df}");
            }
        }
    }
}
