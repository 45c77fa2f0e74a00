//! BED and EQD2 of each reported radiotherapy schedule, for every endpoint whose α/β the review
//! declares for the irradiated site.

use concur_evidence::{Amount, Review, Study, Technique};
use concur_stats::dose::Schedule;
use serde::Serialize;

/// One schedule normalised for one endpoint.
#[derive(Debug, Clone, Serialize)]
pub struct DoseRow {
    /// Index of the radiotherapy entry in the study.
    pub schedule: usize,
    /// Total dose as reported (Gy).
    pub total_gy: Amount,
    /// Fractions as reported.
    pub fractions: Option<Amount>,
    /// Where it is printed.
    pub locator: String,
    /// Endpoint whose α/β was used, e.g. `late-cns`.
    pub endpoint: String,
    /// α/β in Gy from review.toml.
    pub alpha_beta_gy: f64,
    /// BED in Gy: a value or `[low, high]` for a dose range.
    pub bed_gy: [f64; 2],
    /// EQD2 in Gy: a value or `[low, high]` for a dose range.
    pub eqd2_gy: [f64; 2],
    /// Assumptions made to compute it (e.g. SRS taken as one fraction).
    pub assumptions: Vec<DoseAssumption>,
}

/// An assumption needed to normalise a schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DoseAssumption {
    /// Fractions = total dose / dose per fraction.
    FractionsFromDosePerFraction,
    /// Radiosurgery taken as a single fraction (fractions not reported), where the LQ model is
    /// least reliable.
    RadiosurgerySingleFraction,
}

/// Computes BED/EQD2 for every schedule of the study with a known total dose.
pub fn schedule_doses(review: &Review, study: &Study) -> Vec<DoseRow> {
    let mut rows = Vec::new();
    for (i, rt) in study.radiotherapy.iter().enumerate() {
        let Some(total) = rt.total_dose_gy else {
            continue;
        };
        let mut assumptions = Vec::new();
        let fractions = match (rt.fractions, rt.dose_per_fraction_gy) {
            (Some(f), _) => f,
            (None, Some(d)) => {
                assumptions.push(DoseAssumption::FractionsFromDosePerFraction);
                Amount::Value(total.min() / d.min())
            }
            (None, None) if rt.techniques.contains(&Technique::Srs) => {
                assumptions.push(DoseAssumption::RadiosurgerySingleFraction);
                Amount::Value(1.0)
            }
            (None, None) => continue,
        };
        let mut endpoints: Vec<&str> = Vec::new();
        for site in &rt.sites {
            for se in review
                .meta
                .radiobiology
                .site_endpoints
                .iter()
                .filter(|s| s.site == *site)
            {
                for e in &se.endpoints {
                    if !endpoints.contains(&e.as_str()) {
                        endpoints.push(e);
                    }
                }
            }
        }
        for endpoint in endpoints {
            let Some(ab) = review.alpha_beta(endpoint) else {
                continue;
            };
            let compute = |t: f64, n: f64| {
                Schedule::new(t, n).and_then(|s| Ok((s.bed(ab.gy)?, s.eqd2(ab.gy)?)))
            };
            let (Ok(low), Ok(high)) = (
                compute(total.min(), fractions.min()),
                compute(total.max(), fractions.max()),
            ) else {
                continue;
            };
            rows.push(DoseRow {
                schedule: i,
                total_gy: total,
                fractions: rt.fractions,
                locator: rt.locator.clone(),
                endpoint: endpoint.to_string(),
                alpha_beta_gy: ab.gy,
                bed_gy: [low.0, high.0],
                eqd2_gy: [low.1, high.1],
                assumptions: assumptions.clone(),
            });
        }
    }
    rows
}
