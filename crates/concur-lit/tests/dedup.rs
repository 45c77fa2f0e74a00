//! Duplicate detection measured on labelled sets (precision and recall printed; floors asserted).
//!
//! 1. Nagtegaal_2019 (shared/fixtures/screening): 2,019 real screening records, 11 of which the
//!    dataset's authors marked as duplicates of another record (`duplicate_record_id`). Titles
//!    and abstracts only: no identifiers, years or authors.
//! 2. Variants of the real PubMed fixtures made here: every third record gets a copy as another
//!    database would export it (title case and punctuation changed, diacritics and HTML markup,
//!    MEDLINE's bracketed translated-title form, DOI as a resolver URL in capitals, no PMID), and
//!    every tenth gets an erratum and a preprint version, which must be flagged, never merged.

mod common;
use common::fixtures;
use common::records;

use concur_lit::dedup::{find, Accuracy, Decisions, Keys, Settings};
use concur_lit::Record;

fn run(records: &[Record]) -> concur_lit::dedup::Found {
    let keys: Vec<Keys> = records.iter().map(Keys::of).collect();
    find(&keys, Settings::default(), Decisions::default(), &|i| {
        -(i as i64)
    })
}

#[test]
fn nagtegaal_labelled_duplicates() {
    let Some(dir) = fixtures() else { return };
    let path = dir.join("screening/Nagtegaal_2019/Nagtegaal_2019.csv");
    let recs = records(&path);
    let mut ids = Vec::new();
    let mut truth_ids = Vec::new();
    let mut csv = csv::Reader::from_path(&path).unwrap();
    for row in csv.deserialize::<std::collections::HashMap<String, String>>() {
        let row = row.unwrap();
        ids.push(row["record_id"].clone());
        if !row["duplicate_record_id"].is_empty() {
            truth_ids.push((row["record_id"].clone(), row["duplicate_record_id"].clone()));
        }
    }
    assert_eq!(ids.len(), recs.len());
    let index = |id: &str| ids.iter().position(|x| x == id).unwrap();
    let truth: Vec<(usize, usize)> = truth_ids
        .iter()
        .map(|(a, b)| (index(a), index(b)))
        .collect();
    assert_eq!(truth.len(), 11);
    let found = run(&recs);
    let acc = Accuracy::measure(&found, &truth, recs.len());
    println!(
        "Nagtegaal_2019: {} true pairs, {} found, {} correct: precision {:.3}, recall {:.3}; {} pairs flagged",
        acc.true_pairs,
        acc.found_pairs,
        acc.correct_pairs,
        acc.precision(),
        acc.recall(),
        found.flagged.len()
    );
    assert!(acc.recall() >= 0.9 && acc.precision() >= 0.9, "{acc:?}");
}

fn variant(r: &Record, n: usize) -> Record {
    let mut v = r.clone();
    let title = r.title.clone().unwrap_or_default();
    v.title = Some(match n % 4 {
        0 => title.to_uppercase().replace([',', ':'], " "),
        1 => format!("<i>{}</i>", title.replace('e', "é")),
        2 => format!("[{}].", title.trim_end_matches('.')),
        _ => title.to_lowercase().replace('-', " "),
    });
    v.pmid = None;
    v.doi = r
        .doi
        .as_ref()
        .map(|d| format!("https://doi.org/{}", d.to_uppercase()));
    if let Some(a) = v.authors.first_mut() {
        a.last = a.last.to_uppercase();
    }
    v
}

#[test]
fn variants_of_real_records() {
    let Some(dir) = fixtures() else { return };
    let mut originals: Vec<Record> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for entry in std::fs::read_dir(dir.join("pubmed")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "xml") {
            for r in records(&path) {
                // One copy of each PMID (some fixture files overlap) with a usable title.
                let usable = r.title.as_ref().is_some_and(|t| t.len() >= 30);
                if usable && r.pmid.as_ref().is_some_and(|p| seen.insert(p.clone())) {
                    originals.push(r);
                }
            }
        }
    }
    let n = originals.len();
    let mut all = originals.clone();
    let mut truth = Vec::new();
    let mut versions = Vec::new();
    for (i, r) in originals.iter().enumerate() {
        if i % 3 == 0 {
            truth.push((i, all.len()));
            all.push(variant(r, i / 3));
        }
        if i % 10 == 0 && Keys::of(r).version.is_none() {
            let mut erratum = r.clone();
            erratum.pmid = None;
            erratum.doi = None;
            erratum.publication_types = vec!["Published Erratum".into()];
            versions.push((i, all.len()));
            all.push(erratum);
            let mut preprint = r.clone();
            preprint.pmid = None;
            preprint.doi = Some(format!("10.1101/2020.01.{i:04}"));
            preprint.journal = Some("medRxiv".into());
            preprint.publication_types = vec!["Preprint".into()];
            versions.push((i, all.len()));
            all.push(preprint);
        }
    }
    let found = run(&all);
    let acc = Accuracy::measure(&found, &truth, all.len());
    let flagged_versions = versions
        .iter()
        .filter(|(a, b)| found.flagged.iter().any(|f| (f.a, f.b) == (*a, *b)))
        .count();
    let merged_versions = versions
        .iter()
        .filter(|(a, b)| {
            found
                .clusters
                .iter()
                .any(|c| c.members.contains(a) && c.members.contains(b))
        })
        .count();
    println!(
        "fixture variants: {n} originals, {} variants, {} versions; precision {:.3}, recall {:.3}; \
         versions flagged {flagged_versions}/{}, merged {merged_versions}",
        truth.len(),
        versions.len(),
        acc.precision(),
        acc.recall(),
        versions.len()
    );
    assert!(n > 300, "{n}");
    assert_eq!(
        merged_versions, 0,
        "an erratum or preprint was merged silently"
    );
    assert_eq!(flagged_versions, versions.len());
    assert!(acc.precision() >= 0.98 && acc.recall() >= 0.95, "{acc:?}");
}
