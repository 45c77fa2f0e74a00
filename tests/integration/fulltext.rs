//! `concur records attach` and `records text`: a real PDF kept with a record, its text by page
//! and line, a located search, and files it cannot read.

use crate::common::{concur, json};
use crate::import::{fixtures, workspace};

#[test]
fn a_pdf_attached_to_a_record_prints_by_page_and_finds_a_phrase_where_it_is() {
    let Some(fx) = fixtures() else { return };
    let dir = workspace();
    let ws = dir.path().to_str().unwrap();
    let ris = dir.path().join("a.ris");
    std::fs::write(
        &ris,
        "TY  - JOUR\nTI  - Autologous Fat Grafting Reduces Pain in Irradiated Breast\nER  - \n",
    )
    .unwrap();
    concur()
        .args(["--workspace", ws, "import"])
        .arg(&ris)
        .assert()
        .success();
    let pdf = fx.join("fulltext/hindawi_PMC4709779_10.1155-2016-2527349.pdf");
    let a = json(&[
        "--workspace",
        ws,
        "--json",
        "records",
        "attach",
        "1",
        pdf.to_str().unwrap(),
    ]);
    assert_eq!(a["pages"], 5);
    assert_eq!(a["kind"], "pdf");
    assert!(std::path::Path::new(a["path"].as_str().unwrap()).is_file());
    let page = json(&[
        "--workspace",
        ws,
        "--json",
        "records",
        "text",
        "1",
        "--page",
        "2",
    ]);
    assert_eq!(page["pages"].as_array().unwrap().len(), 1);
    assert_eq!(page["pages"][0]["page"], 2);
    let found = json(&[
        "--workspace",
        ws,
        "--json",
        "records",
        "text",
        "1",
        "--find",
        "Autologous Fat Grafting",
    ]);
    assert_eq!(found[0]["page"], 1);
    // A page past the end, a record without a full text, a binary file: refused with a reason.
    concur()
        .args(["--workspace", ws, "records", "text", "1", "--page", "9"])
        .assert()
        .failure()
        .stderr(predicates::str::contains("has 5 pages"));
    let bin = dir.path().join("x.bin");
    std::fs::write(&bin, [0u8, 159, 146, 150]).unwrap();
    concur()
        .args(["--workspace", ws, "records", "attach", "1"])
        .arg(&bin)
        .assert()
        .failure()
        .stderr(predicates::str::contains("not UTF-8"));
}
