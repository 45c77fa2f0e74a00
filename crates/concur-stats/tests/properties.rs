//! Invariants of the models: order of studies does not matter, EE equals RE when tau2 = 0,
//! intervals contain the estimate, back-transformed proportions stay inside [0, 1].

use concur_stats::{
    analyse, proportion_intervals, Data, Measure, Method, Pooling, Proportion, Spec, Test,
};
use proptest::prelude::*;

fn studies() -> impl Strategy<Value = Vec<(u32, u32)>> {
    prop::collection::vec((1u32..200).prop_flat_map(|n| (0..=n, Just(n))), 2..25)
}

fn data(v: &[(u32, u32)]) -> Data {
    Data::Proportions(
        v.iter()
            .map(|&(x, n)| Proportion {
                events: f64::from(x),
                total: f64::from(n),
            })
            .collect(),
    )
}

fn spec(measure: Measure, method: Method, test: Test) -> Spec {
    Spec {
        measure,
        pooling: Pooling::InverseVariance(method),
        test,
        level: 95.0,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn order_of_studies_does_not_matter(v in studies(), seed in any::<u64>()) {
        let mut shuffled = v.clone();
        // A deterministic shuffle from the seed.
        let mut s = seed;
        for i in (1..shuffled.len()).rev() {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            shuffled.swap(i, (s >> 33) as usize % (i + 1));
        }
        for method in [Method::Dl, Method::Reml, Method::Pm] {
            let a = analyse(&data(&v), &spec(Measure::Plo, method, Test::Z)).unwrap();
            let b = analyse(&data(&shuffled), &spec(Measure::Plo, method, Test::Z)).unwrap();
            prop_assert!((a.pooled.estimate - b.pooled.estimate).abs() <= 1e-9 * (1.0 + a.pooled.estimate.abs()));
            prop_assert!((a.tau2.unwrap() - b.tau2.unwrap()).abs() <= 1e-9 * (1.0 + a.tau2.unwrap()));
        }
    }

    #[test]
    fn random_effects_equal_equal_effects_when_tau2_is_zero(v in studies()) {
        for method in [Method::Dl, Method::Reml, Method::Ml, Method::Pm, Method::He, Method::Hs] {
            let re = analyse(&data(&v), &spec(Measure::Pft, method, Test::Z)).unwrap();
            if re.tau2 == Some(0.0) {
                let ee = analyse(&data(&v), &spec(Measure::Pft, Method::Ee, Test::Z)).unwrap();
                prop_assert!((re.pooled.estimate - ee.pooled.estimate).abs() < 1e-12);
                prop_assert!((re.pooled.se - ee.pooled.se).abs() < 1e-12);
            }
        }
    }

    #[test]
    fn intervals_contain_the_estimate_and_back_transforms_stay_in_0_1(v in studies()) {
        for measure in [Measure::Pr, Measure::Plo, Measure::Pas, Measure::Pft] {
            for test in [Test::Z, Test::Knha] {
                let fit = analyse(&data(&v), &spec(measure, Method::Reml, test)).unwrap();
                prop_assert!(fit.pooled.ci_lb <= fit.pooled.estimate && fit.pooled.estimate <= fit.pooled.ci_ub);
                prop_assert!(fit.pi_lb.unwrap() <= fit.pooled.ci_lb + 1e-12 && fit.pooled.ci_ub <= fit.pi_ub.unwrap() + 1e-12);
                let t = fit.transformed.unwrap();
                for x in [t.estimate, t.ci_lb, t.ci_ub, t.pi_lb.unwrap(), t.pi_ub.unwrap()] {
                    prop_assert!((0.0..=1.0).contains(&x), "{measure:?} {x}");
                }
                prop_assert!(t.ci_lb <= t.estimate + 1e-12 && t.estimate <= t.ci_ub + 1e-12);
                if let Some([lb, ub]) = fit.tau2_ci {
                    prop_assert!(lb <= ub);
                }
            }
        }
    }

    #[test]
    fn single_proportion_intervals_contain_the_estimate(n in 1u64..500, frac in 0.0f64..=1.0) {
        let x = ((n as f64) * frac).round() as u64;
        let ci = proportion_intervals(x, n, 95.0).unwrap();
        for [lb, ub] in [ci.clopper_pearson, ci.wilson, ci.jeffreys, ci.agresti_coull] {
            prop_assert!((0.0..=1.0).contains(&lb) && (0.0..=1.0).contains(&ub));
            prop_assert!(lb <= ci.estimate + 1e-12 && ci.estimate <= ub + 1e-12);
        }
    }
}
