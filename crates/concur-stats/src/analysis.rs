//! One entry point for every model: data of any measure, any method, one result shape.
//! Also leave-one-out sensitivity and subgroup analysis with the test for subgroup differences.

use crate::effect::{self, Measure, Proportion, TwoByTwo};
use crate::glmm;
use crate::mh;
use crate::rma::{self, Method, Options, Test};
use crate::{Result, StatsError};

/// Study data for one measure.
#[derive(Debug, Clone, PartialEq)]
pub enum Data {
    /// Events out of totals (PR, PLO, PAS, PFT).
    Proportions(Vec<Proportion>),
    /// Two-group tables (RR, OR, RD).
    Tables(Vec<TwoByTwo>),
    /// Estimates with sampling variances (GEN).
    Generic {
        /// Effect sizes on the analysis scale.
        yi: Vec<f64>,
        /// Their sampling variances.
        vi: Vec<f64>,
    },
    /// Hazard ratios with 95% limits (HR).
    HazardRatios(Vec<(f64, f64, f64)>),
}

impl Data {
    /// Number of studies.
    pub fn len(&self) -> usize {
        match self {
            Data::Proportions(v) => v.len(),
            Data::Tables(v) => v.len(),
            Data::Generic { yi, .. } => yi.len(),
            Data::HazardRatios(v) => v.len(),
        }
    }

    /// Whether there are no studies.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The same data with only the studies whose index passes `keep`.
    pub fn select(&self, keep: impl Fn(usize) -> bool) -> Data {
        fn pick<T: Clone>(v: &[T], keep: &impl Fn(usize) -> bool) -> Vec<T> {
            v.iter()
                .enumerate()
                .filter(|(i, _)| keep(*i))
                .map(|(_, x)| x.clone())
                .collect()
        }
        match self {
            Data::Proportions(v) => Data::Proportions(pick(v, &keep)),
            Data::Tables(v) => Data::Tables(pick(v, &keep)),
            Data::Generic { yi, vi } => Data::Generic {
                yi: pick(yi, &keep),
                vi: pick(vi, &keep),
            },
            Data::HazardRatios(v) => Data::HazardRatios(pick(v, &keep)),
        }
    }

    /// Sample sizes, where the data have them (for the PFT back-transformation).
    fn sizes(&self) -> Vec<f64> {
        match self {
            Data::Proportions(v) => v.iter().map(|p| p.total).collect(),
            Data::Tables(v) => v.iter().map(|t| t.total_t + t.total_c).collect(),
            _ => Vec::new(),
        }
    }
}

/// How studies are pooled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pooling {
    /// Inverse-variance (`rma.uni`) with a tau2 method.
    InverseVariance(Method),
    /// Mantel-Haenszel (`rma.mh`).
    MantelHaenszel,
    /// Peto's method (`rma.peto`).
    Peto,
    /// Random-effects logistic-normal model (`rma.glmm`, measure PLO).
    Glmm,
}

impl Pooling {
    /// metafor's method name.
    pub fn name(self) -> &'static str {
        match self {
            Pooling::InverseVariance(m) => m.name(),
            Pooling::MantelHaenszel => "MH",
            Pooling::Peto => "PETO",
            Pooling::Glmm => "GLMM",
        }
    }

    /// Parses `EE`, `FE`, `DL`, …, `MH`, `PETO`, `GLMM`.
    pub fn parse(text: &str) -> Option<Pooling> {
        match text.trim().to_ascii_uppercase().as_str() {
            "MH" => Some(Pooling::MantelHaenszel),
            "PETO" => Some(Pooling::Peto),
            "GLMM" => Some(Pooling::Glmm),
            other => Method::parse(other).map(Pooling::InverseVariance),
        }
    }
}

/// What to fit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spec {
    /// Effect measure.
    pub measure: Measure,
    /// Pooling method.
    pub pooling: Pooling,
    /// Test for the pooled estimate.
    pub test: Test,
    /// Confidence level in percent.
    pub level: f64,
}

/// Per-study values of a fit.
#[derive(Debug, Clone, PartialEq)]
pub struct StudyValue {
    /// Effect size on the analysis scale (NaN where the method drops the study from Q).
    pub yi: f64,
    /// Sampling variance.
    pub vi: f64,
    /// Weight in percent.
    pub weight: f64,
}

/// A pooled estimate on the analysis scale with its confidence interval and its test against
/// no effect: what every model gives, whatever else it gives.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// The estimate.
    pub estimate: f64,
    /// Its standard error.
    pub se: f64,
    /// Lower confidence limit.
    pub ci_lb: f64,
    /// Upper confidence limit.
    pub ci_ub: f64,
    /// Test statistic (z, or t for Hartung-Knapp).
    pub stat: f64,
    /// p-value of the test that the effect is null.
    pub p: f64,
}

impl Estimate {
    /// A Wald estimate: normal interval with critical value `crit` and a z test.
    pub fn wald(estimate: f64, se: f64, crit: f64) -> Estimate {
        Estimate {
            estimate,
            se,
            ci_lb: estimate - crit * se,
            ci_ub: estimate + crit * se,
            stat: estimate / se,
            p: crate::dist::p_z(estimate / se),
        }
    }
}

/// Estimates on the natural scale (proportion or ratio).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Natural {
    /// Estimate (back-transformed to the natural scale in `Transformed`).
    pub estimate: f64,
    /// Lower confidence limit.
    pub ci_lb: f64,
    /// Upper confidence limit.
    pub ci_ub: f64,
    /// Lower prediction limit (random-effects models).
    pub pi_lb: Option<f64>,
    /// Upper prediction limit (random-effects models).
    pub pi_ub: Option<f64>,
}

/// The result of any model. `None` where metafor does not define the value for the method.
#[derive(Debug, Clone, PartialEq)]
pub struct Analysis {
    /// Studies pooled.
    pub k: usize,
    /// Measure, method, test and level fitted.
    pub spec: Spec,
    /// The pooled estimate on the analysis scale, with its interval and test.
    pub pooled: Estimate,
    /// Degrees of freedom of the t test (Hartung-Knapp).
    pub df: Option<f64>,
    /// Between-study variance (random-effects models).
    pub tau2: Option<f64>,
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
    /// Lower prediction limit (random-effects models).
    pub pi_lb: Option<f64>,
    /// Upper prediction limit (random-effects models).
    pub pi_ub: Option<f64>,
    /// Back-transformed estimates; `None` for measures on their natural scale already (GEN).
    pub transformed: Option<Natural>,
    /// Each study's effect size and variance, in input order.
    pub studies: Vec<StudyValue>,
}

/// Effect sizes of the data for the measure.
pub fn effect_sizes(data: &Data, measure: Measure) -> Result<(Vec<f64>, Vec<f64>)> {
    match (data, measure) {
        (Data::Proportions(p), m) if m.is_proportion() => effect::proportions(m, p),
        (Data::Tables(t), m) if m.is_two_group() => effect::two_group(m, t),
        (Data::Generic { yi, vi }, Measure::Gen) => Ok((yi.clone(), vi.clone())),
        (Data::HazardRatios(h), Measure::Hr) => effect::hazard_ratios(h),
        (_, m) => Err(StatsError::Input(format!(
            "the data do not fit measure {}: {}",
            m.name(),
            columns(m)
        ))),
    }
}

/// The CSV columns each measure takes.
pub fn columns(measure: Measure) -> &'static str {
    match measure {
        Measure::Pr | Measure::Plo | Measure::Pas | Measure::Pft => "study,events,total",
        Measure::Rr | Measure::Or | Measure::Rd => "study,events_t,total_t,events_c,total_c",
        Measure::Gen => "study,yi,vi (or study,yi,sei)",
        Measure::Hr => "study,hr,ci_lb,ci_ub",
    }
}

impl Spec {
    /// A model from a review's words (`measure = "PLO"`, `method = "GLMM"`, `test = "knha"`) at
    /// the 95% level; on failure, which of the three cannot be read.
    pub fn parse(
        measure: &str,
        method: &str,
        test: Option<&str>,
    ) -> std::result::Result<Spec, &'static str> {
        let measure = Measure::parse(measure).ok_or("measure")?;
        let pooling = Pooling::parse(method).ok_or("method")?;
        let test = match test.map(str::to_ascii_lowercase).as_deref() {
            None | Some("z") => Test::Z,
            Some("knha") => Test::Knha,
            Some(_) => return Err("test"),
        };
        Ok(Spec {
            measure,
            pooling,
            test,
            level: 95.0,
        })
    }
}

/// The shape of the data a model is fitted to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// One proportion per study.
    Proportions,
    /// A two-group table per study.
    Tables,
}

/// Why a model cannot be fitted to data of a shape, in words; `None` when it can. Checked when
/// a review is loaded, so that a model that cannot run is refused there and not left unpooled.
pub fn spec_problem(spec: &Spec, shape: Shape) -> Option<String> {
    let m = spec.measure;
    match shape {
        Shape::Proportions if !m.is_proportion() => Some(format!(
            "{} is not a measure of single proportions (PR, PLO, PAS or PFT)",
            m.name()
        )),
        Shape::Tables if !m.is_two_group() => Some(format!(
            "{} is not a measure of two groups (RR, OR or RD)",
            m.name()
        )),
        Shape::Proportions if matches!(spec.pooling, Pooling::MantelHaenszel | Pooling::Peto) => {
            Some(format!(
                "{} pools two-group tables, not single proportions",
                spec.pooling.name()
            ))
        }
        Shape::Tables if spec.pooling == Pooling::Glmm => {
            Some("GLMM here pools single proportions, not two-group tables".into())
        }
        _ if spec.pooling == Pooling::Glmm && m != Measure::Plo => {
            Some("GLMM models the logit of proportions: use the logit (PLO) measure".into())
        }
        _ if spec.pooling == Pooling::Peto && m != Measure::Or => {
            Some("Peto's method pools odds ratios: use the odds-ratio (OR) measure".into())
        }
        _ if matches!(spec.pooling, Pooling::MantelHaenszel | Pooling::Peto)
            && spec.test != Test::Z =>
        {
            Some(format!("{} uses the z test", spec.pooling.name()))
        }
        _ => None,
    }
}

/// Fits the model.
pub fn analyse(data: &Data, spec: &Spec) -> Result<Analysis> {
    if data.is_empty() {
        return Err(StatsError::Input("no studies to pool".into()));
    }
    let sizes = data.sizes();
    let n_hm = if sizes.is_empty() {
        f64::NAN
    } else {
        effect::harmonic_mean(&sizes)
    };
    let mut out = match spec.pooling {
        Pooling::InverseVariance(method) => {
            let (yi, vi) = effect_sizes(data, spec.measure)?;
            let test = if yi.len() == 1 { Test::Z } else { spec.test };
            let fit = rma::rma(
                &yi,
                &vi,
                &Options {
                    method,
                    test,
                    level: spec.level,
                },
            )?;
            Analysis {
                k: fit.k,
                spec: Spec { test, ..*spec },
                pooled: fit.pooled,
                df: fit.df,
                tau2: Some(fit.tau2),
                tau2_ci: fit.tau2_ci,
                i2: fit.i2,
                h2: fit.h2,
                q: fit.q,
                q_df: fit.q_df,
                q_p: fit.q_p,
                pi_lb: Some(fit.pi_lb),
                pi_ub: Some(fit.pi_ub),
                transformed: None,
                studies: yi
                    .iter()
                    .zip(&vi)
                    .zip(&fit.weights)
                    .map(|((y, v), w)| StudyValue {
                        yi: *y,
                        vi: *v,
                        weight: *w,
                    })
                    .collect(),
            }
        }
        Pooling::MantelHaenszel | Pooling::Peto => {
            let Data::Tables(tables) = data else {
                return Err(StatsError::Input(format!(
                    "{} pools two-group tables ({})",
                    spec.pooling.name(),
                    columns(Measure::Or)
                )));
            };
            if spec.test != Test::Z {
                return Err(StatsError::Input(format!(
                    "{} uses the z test; choose the z test",
                    spec.pooling.name()
                )));
            }
            let fit = if spec.pooling == Pooling::Peto {
                if spec.measure != Measure::Or {
                    return Err(StatsError::Input(
                        "Peto's method pools odds ratios: use the odds-ratio (OR) measure".into(),
                    ));
                }
                mh::peto(tables, spec.level)?
            } else {
                mh::mantel_haenszel(spec.measure, tables, spec.level)?
            };
            Analysis {
                k: fit.k,
                spec: *spec,
                pooled: fit.pooled,
                df: None,
                tau2: None,
                tau2_ci: None,
                i2: Some(fit.i2),
                h2: Some(fit.h2),
                q: fit.q,
                q_df: fit.q_df,
                q_p: Some(fit.q_p),
                pi_lb: None,
                pi_ub: None,
                transformed: None,
                studies: fit
                    .yi
                    .iter()
                    .zip(&fit.vi)
                    .zip(&fit.weights)
                    .map(|((y, v), w)| StudyValue {
                        yi: *y,
                        vi: *v,
                        weight: *w,
                    })
                    .collect(),
            }
        }
        Pooling::Glmm => {
            let Data::Proportions(props) = data else {
                return Err(StatsError::Input(format!(
                    "GLMM pools single proportions ({})",
                    columns(Measure::Plo)
                )));
            };
            if spec.measure != Measure::Plo {
                return Err(StatsError::Input(
                    "GLMM models the logit of proportions: use the logit (PLO) measure".into(),
                ));
            }
            if props.len() > MAX_GLMM {
                return Err(StatsError::Input(format!(
                    "GLMM fits at most {MAX_GLMM} studies ({} given); REML on the logits (PLO) \
                     pools them",
                    props.len()
                )));
            }
            glmm::analyse(props, spec)?
        }
    };
    if spec.measure != Measure::Gen && spec.measure != Measure::Rd {
        let bt = |x: f64| effect::back_transform(spec.measure, x, n_hm);
        out.transformed = Some(Natural {
            estimate: bt(out.pooled.estimate),
            ci_lb: bt(out.pooled.ci_lb),
            ci_ub: bt(out.pooled.ci_ub),
            pi_lb: out.pi_lb.map(bt),
            pi_ub: out.pi_ub.map(bt),
        });
    } else if spec.measure == Measure::Rd {
        out.transformed = Some(Natural {
            estimate: out.pooled.estimate,
            ci_lb: out.pooled.ci_lb,
            ci_ub: out.pooled.ci_ub,
            pi_lb: out.pi_lb,
            pi_ub: out.pi_ub,
        });
    }
    Ok(out)
}

/// The model refitted without each study in turn (needs at least 2 studies).
/// The most studies a leave-one-out analysis refits: each of the k refits costs k, so the time
/// grows with k².
pub const MAX_LEAVE_ONE_OUT: usize = 5_000;

/// The most studies GLMM fits: its time grows with k and its iterations, and beyond this an
/// inverse-variance model on the same logits (PLO with REML) answers in a fraction of it.
pub const MAX_GLMM: usize = 20_000;

/// The model refitted without each study in turn (needs at least 2 studies, at most
/// [`MAX_LEAVE_ONE_OUT`]). Each refit keeps its pooled values but not its per-study values, so
/// memory grows with k, not k².
pub fn leave_one_out(data: &Data, spec: &Spec) -> Result<Vec<Analysis>> {
    let k = data.len();
    if k < 2 {
        return Err(StatsError::Input(
            "leave-one-out needs at least 2 studies".into(),
        ));
    }
    if k > MAX_LEAVE_ONE_OUT {
        return Err(StatsError::Input(format!(
            "leave-one-out refits at most {MAX_LEAVE_ONE_OUT} studies ({k} given)"
        )));
    }
    (0..k)
        .map(|left| {
            let mut fit = analyse(&data.select(|i| i != left), spec)?;
            fit.studies = Vec::new();
            Ok(fit)
        })
        .collect()
}

/// Subgroup analysis: one model per group, and the test for subgroup differences.
#[derive(Debug, Clone, PartialEq)]
pub struct Subgroups {
    /// Group name and its model, in order of first appearance.
    pub groups: Vec<(String, Analysis)>,
    /// Q between subgroups: an equal-effects Q of the subgroup estimates with their standard
    /// errors (subgroups with their own tau2), on (groups - 1) df.
    pub q_between: f64,
    /// Degrees of freedom of the test for subgroup differences.
    pub q_between_df: usize,
    /// p-value of the test for subgroup differences.
    pub q_between_p: f64,
}

/// Fits the model within each group and tests whether the group estimates differ.
pub fn subgroups(data: &Data, groups: &[String], spec: &Spec) -> Result<Subgroups> {
    if groups.len() != data.len() {
        return Err(StatsError::Input(format!(
            "{} group labels for {} studies",
            groups.len(),
            data.len()
        )));
    }
    let mut names: Vec<&String> = Vec::new();
    for g in groups {
        if !names.contains(&g) {
            names.push(g);
        }
    }
    if names.len() < 2 {
        return Err(StatsError::Input(
            "subgroup analysis needs at least 2 groups".into(),
        ));
    }
    let mut fits = Vec::new();
    for name in &names {
        let subset = data.select(|i| &groups[i] == *name);
        let fit = analyse(&subset, spec).map_err(|e| {
            StatsError::Input(format!("subgroup `{name}` ({} studies): {e}", subset.len()))
        })?;
        fits.push(((*name).clone(), fit));
    }
    let yi: Vec<f64> = fits.iter().map(|(_, f)| f.pooled.estimate).collect();
    let vi: Vec<f64> = fits
        .iter()
        .map(|(_, f)| f.pooled.se * f.pooled.se)
        .collect();
    let q = rma::q_gen(&yi, &vi, 0.0);
    let df = fits.len() - 1;
    Ok(Subgroups {
        groups: fits,
        q_between: q,
        q_between_df: df,
        q_between_p: crate::dist::pchisq_upper(q, df as f64),
    })
}

#[cfg(test)]
mod limits {
    use super::*;

    fn many(k: usize) -> Data {
        Data::Proportions(
            (0..k)
                .map(|i| Proportion {
                    events: (i % 7) as f64,
                    total: 20.0,
                })
                .collect(),
        )
    }

    #[test]
    fn work_that_grows_past_its_bound_is_refused_with_the_bound() {
        let spec = Spec::parse("PLO", "GLMM", None).unwrap();
        let err = analyse(&many(MAX_GLMM + 1), &spec).unwrap_err().to_string();
        assert!(err.contains("at most 20000"), "{err}");
        let spec = Spec::parse("PLO", "DL", None).unwrap();
        let err = leave_one_out(&many(MAX_LEAVE_ONE_OUT + 1), &spec)
            .unwrap_err()
            .to_string();
        assert!(err.contains("at most 5000"), "{err}");
        let fits = leave_one_out(&many(30), &spec).unwrap();
        assert_eq!(fits.len(), 30);
        assert!(fits.iter().all(|f| f.studies.is_empty()));
    }
}
