//! MeSH explosion with NLM's real 2017 tree (the subset in `shared/fixtures/mesh`).

use concur_search::Mesh;
use std::path::PathBuf;

#[test]
fn the_real_tree_explodes_radiotherapy_and_breast_neoplasms() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/fixtures/mesh/mesh2017_radiotherapy_breast_subset.csv");
    if !path.exists() {
        if std::env::var("CONCUR_REQUIRE_FIXTURES").as_deref() == Ok("1") {
            panic!(
                "CONCUR_REQUIRE_FIXTURES=1 but {} is missing",
                path.display()
            );
        }
        eprintln!("skipped: {} is missing", path.display());
        return;
    }
    let mesh = Mesh::load(&[&path]).unwrap();
    assert_eq!(mesh.len(), 96);
    let radiotherapy = mesh.explode("radiotherapy").unwrap();
    assert_eq!(radiotherapy[0], "Radiotherapy");
    assert!(
        radiotherapy.iter().any(|h| h == "Radiosurgery"),
        "{radiotherapy:?}"
    );
    assert!(radiotherapy.len() > 5);
    let breast = mesh.explode("Breast Neoplasms").unwrap();
    assert!(
        breast.iter().any(|h| h == "Breast Neoplasms, Male"),
        "{breast:?}"
    );
    assert!(!breast.iter().any(|h| h == "Radiosurgery"));
}
