//! Distribution functions used by the models, from statrs (matches R to about 1e-14).

use statrs::distribution::{Beta, ChiSquared, ContinuousCDF, Normal, StudentsT};

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
    StudentsT::new(0.0, 1.0, df).map_or(f64::NAN, |t| t.inverse_cdf(p))
}

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
    ChiSquared::new(df).map_or(f64::NAN, |c| c.inverse_cdf(p))
}

/// Beta quantile.
pub fn qbeta(p: f64, a: f64, b: f64) -> f64 {
    if !(p > 0.0 && p < 1.0) {
        return f64::NAN;
    }
    Beta::new(a, b).map_or(f64::NAN, |d| d.inverse_cdf(p))
}

/// Two-sided p value of a z statistic.
pub fn p_z(z: f64) -> f64 {
    2.0 * pnorm(-z.abs())
}

/// Two-sided p value of a t statistic.
pub fn p_t(t: f64, df: f64) -> f64 {
    2.0 * pt(-t.abs(), df)
}
