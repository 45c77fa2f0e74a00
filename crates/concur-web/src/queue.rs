//! What every screening front end shares (the command line, the terminal screener and the web
//! app): a stage's pool with its features, one reviewer's decisions as the ranking reads them,
//! the highlighted words, and the stopping rule's defaults.

use concur_evidence::Review;
use concur_screen::{Decided, Pool};
use concur_store::StoreError;
use concur_store::{Filter, Screening, StoredRecord, Workspace};
use std::collections::HashMap;

/// BUSCAR's default recall target.
pub const RECALL_TARGET: f64 = 0.95;
/// BUSCAR's default confidence.
pub const CONFIDENCE: f64 = 0.95;

/// The pool of a stage with the text the model reads, and its records by id.
pub fn pool(
    ws: &Workspace,
    screening: &Screening,
    seed: u64,
) -> Result<(Pool, HashMap<i64, StoredRecord>), StoreError> {
    let wanted: std::collections::HashSet<i64> = screening.pool.iter().copied().collect();
    let mut records = HashMap::with_capacity(wanted.len());
    ws.each_record(&Filter::default(), &mut |r| {
        if wanted.contains(&r.id) {
            records.insert(r.id, r);
        }
        Ok(())
    })?;
    let texts: Vec<(i64, String)> = screening
        .pool
        .iter()
        .filter_map(|id| {
            records
                .get(id)
                .map(|r| (*id, concur_screen::record_text(&r.record)))
        })
        .collect();
    Ok((Pool::new(&texts, seed), records))
}

/// A reviewer's decisions as the ranking reads them.
pub fn decided(screening: &Screening, reviewer: &str) -> Vec<Decided> {
    screening
        .decisions_of(reviewer)
        .into_iter()
        .map(|(record, e)| Decided {
            record,
            relevant: e.verdict.moves_on(),
            random: e.model.as_deref().is_some_and(|m| m.starts_with("random/")),
        })
        .collect()
}

/// Each reviewer of a stage with their stopping indicator, in the order the stage names them.
pub fn stoppings(screening: &Screening) -> Vec<(String, concur_screen::Stopping)> {
    let settled = screening.excluded_automatically();
    let in_pool: std::collections::HashSet<i64> = screening.pool.iter().copied().collect();
    screening
        .reviewers()
        .into_iter()
        .map(|name| {
            let stopping = concur_screen::reviewer_stopping(
                screening.pool.len(),
                &|r| in_pool.contains(&r),
                &decided(screening, &name),
                settled.len(),
                RECALL_TARGET,
                CONFIDENCE,
            );
            (name, stopping)
        })
        .collect()
}

/// The words a screener highlights: the eligibility's, and the search's terms as signs of a
/// relevant record.
pub fn highlight_terms(review: &Review) -> (Vec<String>, Vec<String>) {
    let e = &review.meta.eligibility;
    let mut include = e.highlight.include.clone();
    for group in &review.meta.search.term_groups {
        for t in group {
            if !include.iter().any(|i| i.eq_ignore_ascii_case(t)) {
                include.push(t.clone());
            }
        }
    }
    (include, e.highlight.exclude.clone())
}
