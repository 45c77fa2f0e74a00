//! The application layer as a second front end (the web app) will use it: a file imported and a
//! clinician's question answered through the library API alone, with no call into the binary.

use concur_evidence::Site;
use concur_store::{ImportOptions, Workspace};
use concur_synthesis::{assess, Evidence, LiteratureCounts, Query};
use std::path::Path;

#[test]
fn a_front_end_imports_records_and_answers_a_question_through_the_libraries() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("search.ris");
    std::fs::write(
        &file,
        "TY  - JOUR\nTI  - Concurrent T-DM1 and radiosurgery\nPY  - 2021\nER  - \n\
         TY  - JOUR\nTI  - Radiation necrosis after T-DM1\nPY  - 2022\nER  - \n",
    )
    .unwrap();
    let mut ws = Workspace::init(&dir.path().join("ws"), Default::default()).unwrap();
    let mut started = Vec::new();
    let outcomes = ws
        .import_files(
            std::slice::from_ref(&file),
            &ImportOptions {
                source: Some("embase".into()),
                ..ImportOptions::default()
            },
            &mut |p| {
                if let concur_store::ImportProgress::Started(f) = p {
                    started.push(f.to_path_buf());
                }
            },
        )
        .unwrap();
    assert_eq!(started, vec![file.clone()]);
    assert_eq!(outcomes.len(), 1);
    assert_eq!(outcomes[0].batch.as_ref().map(|b| b.records), Some(2));
    // The same file again is a no-op.
    let again = ws
        .import_files(&[file], &ImportOptions::default(), &mut |_| {})
        .unwrap();
    assert!(again[0].skipped);

    let review_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../reviews/tdm1-radiotherapy");
    let review = concur_evidence::load_dir(&review_dir).unwrap();
    let evidence = Evidence::new(&review);
    let answer = assess(
        &evidence,
        Query {
            drug: "Kadcyla".into(),
            site: Site::Brain,
            technique: None,
            timing: None,
            dose_gy: None,
            fractions: None,
            interval_days: None,
        },
    )
    .unwrap();
    assert_eq!(answer.drug.id, "t-dm1");
    assert!(!answer.studies.is_empty());
    assert!(answer.analyses.iter().any(|a| a.primary().is_some()));

    let c = ws.counts().unwrap();
    let counts = LiteratureCounts {
        identified: c
            .identified
            .iter()
            .map(|(s, n)| (s.clone(), *n as u64))
            .collect(),
        duplicates: c.duplicates as u64,
        deleted: c.deleted as u64,
        remaining: c.remaining as u64,
        searches: Vec::new(),
        screening: None,
    };
    let flow = evidence.prisma(Some(&counts));
    assert_eq!(flow.records_identified, Some(2));
    assert_eq!(flow.included(), review.studies.len());
}
