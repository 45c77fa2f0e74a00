//! Bad input never crashes and never loses the good records: each case gives a located error.

use concur_lit::{read_file, Format, Item};
use std::io::Write;

fn write(bytes: &[u8], name: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    (dir, path)
}

fn gz(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

const TWO_ARTICLES: &str = r#"<?xml version="1.0"?>
<PubmedArticleSet>
<PubmedArticle><MedlineCitation><PMID Version="1">1</PMID><Article><ArticleTitle>First <i>title</i> &amp; more</ArticleTitle></Article></MedlineCitation>
<PubmedData><ArticleIdList><ArticleId IdType="pubmed">1</ArticleId><ArticleId IdType="doi">10.1/a</ArticleId></ArticleIdList>
<ReferenceList><Reference><ArticleIdList><ArticleId IdType="doi">10.9/not-mine</ArticleId></ArticleIdList></Reference></ReferenceList></PubmedData></PubmedArticle>
<PubmedArticle><MedlineCitation><PMID Version="1">2</PMID><Article><ArticleTitle>Second</ArticleTitle></Article></MedlineCitation></PubmedArticle>
</PubmedArticleSet>
"#;

fn collect(
    path: &std::path::Path,
    format: Option<Format>,
) -> (Result<u64, String>, Vec<String>, Vec<String>) {
    let mut titles = Vec::new();
    let mut problems = Vec::new();
    let result = read_file(
        path,
        &concur_lit::ReadOptions {
            format,
            threads: None,
        },
        &mut |i| match i {
            Item::Record(r) => titles.push(r.title.clone().unwrap_or_default()),
            Item::Rejected(p) | Item::Repaired(p) => problems.push(p.to_string()),
            Item::Delete(_) => {}
        },
    )
    .map(|(_, n)| n)
    .map_err(|e| e.to_string());
    (result, titles, problems)
}

#[test]
fn nested_reference_lists_are_skipped_and_their_ids_kept_out() {
    // PubMed's DTD lets a ReferenceList hold further ReferenceLists.
    let doc = r#"<PubmedArticleSet>
<PubmedArticle><MedlineCitation><PMID>1</PMID><Article><ArticleTitle>One</ArticleTitle></Article></MedlineCitation>
<PubmedData><ReferenceList><Title>Works cited</Title>
<ReferenceList><Reference><ArticleIdList><ArticleId IdType="doi">10.9/inner</ArticleId></ArticleIdList></Reference></ReferenceList>
<ReferenceList/>
<Reference><ArticleIdList><ArticleId IdType="pmc">PMC999</ArticleId></ArticleIdList></Reference>
</ReferenceList><ArticleIdList><ArticleId IdType="doi">10.1/mine</ArticleId></ArticleIdList></PubmedData></PubmedArticle>
<PubmedArticle><MedlineCitation><PMID>2</PMID><Article><ArticleTitle>Two</ArticleTitle></Article></MedlineCitation></PubmedArticle>
</PubmedArticleSet>"#;
    let (_d, path) = write(doc.as_bytes(), "nested.xml");
    let mut records = Vec::new();
    read_file(
        &path,
        &concur_lit::ReadOptions::default(),
        &mut |i| match i {
            Item::Record(r) => records.push(*r),
            other => panic!("unexpected {other:?}"),
        },
    )
    .unwrap();
    assert_eq!(records.len(), 2);
    assert_eq!(records[0].doi.as_deref(), Some("10.1/mine"));
    assert_eq!(records[0].pmc, None);
    assert_eq!(records[1].title.as_deref(), Some("Two"));
}

#[test]
fn inline_markup_entities_and_reference_ids() {
    let (_d, path) = write(TWO_ARTICLES.as_bytes(), "a.xml");
    let mut records = Vec::new();
    read_file(&path, &concur_lit::ReadOptions::default(), &mut |i| {
        if let Item::Record(r) = i {
            records.push(*r);
        }
    })
    .unwrap();
    assert_eq!(records[0].title.as_deref(), Some("First title & more"));
    assert_eq!(
        records[0].doi.as_deref(),
        Some("10.1/a"),
        "a reference's DOI is not the record's"
    );
    assert_eq!(records.len(), 2);
}

#[test]
fn a_malformed_record_is_skipped_and_the_others_read() {
    let broken = TWO_ARTICLES
        .replace(
            "<ArticleTitle>Second</ArticleTitle>",
            "<ArticleTitle>Second</Wrong>",
        )
        .replace(
            "</PubmedArticleSet>",
            "<PubmedArticle><MedlineCitation><PMID>3</PMID><Article><ArticleTitle>Third</ArticleTitle></Article></MedlineCitation></PubmedArticle>\n</PubmedArticleSet>",
        );
    let (_d, path) = write(broken.as_bytes(), "b.xml");
    for threads in [1, 2] {
        let mut titles = Vec::new();
        let mut problems = Vec::new();
        let n = concur_lit::read_file(
            &path,
            &concur_lit::ReadOptions {
                format: None,
                threads: Some(threads),
            },
            &mut |i| match i {
                Item::Record(r) => titles.push(r.title.clone().unwrap_or_default()),
                Item::Rejected(p) | Item::Repaired(p) => problems.push(p.to_string()),
                Item::Delete(_) => {}
            },
        )
        .unwrap()
        .1;
        assert_eq!(n, 2);
        assert_eq!(titles, ["First title & more", "Third"]);
        assert_eq!(problems.len(), 1, "{problems:?}");
        // The problem points at the broken record's start (line 6) and says what was wrong.
        assert!(
            problems[0].starts_with("line 6, byte ")
                && problems[0].contains("expected </ArticleTitle>, found </Wrong>"),
            "{problems:?}"
        );
    }
}

#[test]
fn truncated_xml_and_truncated_gzip_are_reported() {
    let cut = &TWO_ARTICLES[..TWO_ARTICLES.len() - 60];
    let (_d, path) = write(cut.as_bytes(), "c.xml");
    let (_, titles, problems) = collect(&path, None);
    assert_eq!(titles.len(), 1);
    assert!(
        problems.iter().any(|p| p.contains("truncated")),
        "{problems:?}"
    );

    let whole = gz(TWO_ARTICLES.as_bytes());
    let (_d2, path) = write(&whole[..whole.len() - 12], "d.xml.gz");
    let (result, _, _) = collect(&path, None);
    assert!(
        result.unwrap_err().contains("gzip"),
        "a truncated gzip must be an error"
    );
    let (_d3, path) = write(&whole, "e.xml.gz");
    assert_eq!(collect(&path, None).0.unwrap(), 2);
}

#[test]
fn invalid_utf8_is_reported_and_records_kept() {
    let mut bytes =
        b"TY  - JOUR\nTI  - Good \xff\xfe title\nER  - \nTY  - JOUR\nTI  - Second\nER  - \n"
            .to_vec();
    bytes.extend_from_slice(b"");
    let (_d, path) = write(&bytes, "f.ris");
    let (result, titles, problems) = collect(&path, None);
    assert_eq!(result.unwrap(), 2);
    assert!(titles[0].contains('\u{fffd}'));
    assert!(
        problems
            .iter()
            .any(|p| p.contains("line 2") && p.contains("UTF-8")),
        "{problems:?}"
    );
}

#[test]
fn invalid_utf8_in_json_lines_and_csv_costs_no_record() {
    let jsonl = b"{\"title\":\"First\"}\n{\"title\":\"Bad \xff byte\"}\n{\"title\":\"Third\"}\n";
    let (_d, path) = write(jsonl, "r.jsonl");
    let (result, titles, problems) = collect(&path, Some(Format::Jsonl));
    assert_eq!(result.unwrap(), 3);
    assert_eq!(titles, ["First", "Bad \u{fffd} byte", "Third"]);
    assert!(
        problems.len() == 1 && problems[0].contains("line 2") && problems[0].contains("UTF-8"),
        "{problems:?}"
    );

    let csv = b"title,year\nFirst,2019\nBad \xff byte,2020\nThird,2021\n";
    let (_d2, path) = write(csv, "r.csv");
    let (result, titles, problems) = collect(&path, None);
    assert_eq!(result.unwrap(), 3);
    assert_eq!(titles, ["First", "Bad \u{fffd} byte", "Third"]);
    assert!(
        problems.len() == 1 && problems[0].contains("line 3") && problems[0].contains("UTF-8"),
        "{problems:?}"
    );
}

#[test]
fn binary_empty_and_unknown_files_are_clear_errors() {
    let (_d, path) = write(&[0u8, 159, 146, 150, 0, 1, 2], "g.ris");
    assert!(collect(&path, None).0.unwrap_err().contains("binary"));
    let (_d2, path) = write(b"", "h.nbib");
    assert!(collect(&path, None).0.unwrap_err().contains("empty"));
    let (_d3, path) = write(b"just some words\nand more words\n", "i.txt");
    assert!(collect(&path, None)
        .0
        .unwrap_err()
        .contains("unknown format"));
}

#[test]
fn the_extension_does_not_decide_the_format() {
    // A RIS export saved as .xml, and PubMed XML saved as .ris, are read by their content.
    let (_d, path) = write(b"TY  - JOUR\nTI  - Only\nER  - \n", "j.xml");
    assert_eq!(collect(&path, None).0.unwrap(), 1);
    let (_d2, path) = write(TWO_ARTICLES.as_bytes(), "k.ris");
    assert_eq!(collect(&path, None).0.unwrap(), 2);
}

/// Reads a file's records and its problems.
fn read_path(path: &std::path::Path) -> Result<Vec<concur_lit::Record>, concur_lit::LitError> {
    let mut out = Vec::new();
    concur_lit::read_file(path, &concur_lit::ReadOptions::default(), &mut |i| {
        if let concur_lit::Item::Record(r) = i {
            out.push(*r);
        }
    })?;
    Ok(out)
}

#[test]
fn utf16_exports_are_decoded() {
    let dir = tempfile::tempdir().unwrap();
    let text = "TY  - JOUR\nTI  - Été and T-DM1\nER  - \n\nTY  - JOUR\nTI  - Second\nER  - \n";
    for (name, bytes) in [
        (
            "le-bom.ris",
            [0xff, 0xfe]
                .into_iter()
                .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
                .collect::<Vec<u8>>(),
        ),
        (
            "be.ris",
            text.encode_utf16().flat_map(u16::to_be_bytes).collect(),
        ),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let records = read_path(&path).unwrap();
        let titles: Vec<_> = records.iter().filter_map(|r| r.title.as_deref()).collect();
        assert_eq!(titles, ["Été and T-DM1", "Second"], "{name}");
    }
}

#[test]
fn a_stray_nul_is_dropped_not_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nul.ris");
    std::fs::write(
        &path,
        "TY  - JOUR\nTI  - One\0 title\nER  - \n\nTY  - JOUR\nTI  - Two\nER  - \n",
    )
    .unwrap();
    let records = read_path(&path).unwrap();
    assert_eq!(records[0].title.as_deref(), Some("One title"));
    assert_eq!(records.len(), 2);
    // Many NULs are a binary file.
    std::fs::write(&path, vec![0u8; 4096]).unwrap();
    assert!(read_path(&path).unwrap_err().to_string().contains("binary"));
}

#[cfg(unix)]
#[test]
fn devices_pipes_and_folders_are_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    for path in [
        std::path::Path::new("/dev/zero"),
        fifo.as_path(),
        dir.path(),
    ] {
        let err = read_path(path).unwrap_err().to_string();
        assert!(
            err.contains("not a regular file"),
            "{}: {err}",
            path.display()
        );
    }
}

#[test]
fn an_unclosed_csv_quote_and_a_cut_last_row_are_named() {
    let (_d, path) = write(
        b"title,year,journal\nFirst,2020,J\n\"Second, never closed,2021,J\nThird,2022,J\nFourth,2023,J\n",
        "q.csv",
    );
    let (result, titles, problems) = collect(&path, None);
    assert_eq!(result.unwrap(), 1);
    assert_eq!(titles, ["First"]);
    assert!(
        problems.len() == 1
            && problems[0].contains("never closed")
            && problems[0].contains("line 3"),
        "{problems:?}"
    );
    let (_d, path) = write(b"title,year,journal\nFirst,2020,J\nSecond,20", "cut.csv");
    let (result, titles, problems) = collect(&path, None);
    assert_eq!(result.unwrap(), 2);
    assert_eq!(titles, ["First", "Second"]);
    assert!(problems[0].contains("cut off"), "{problems:?}");
    // A whole file says nothing.
    let (_d, path) = write(b"title,year\n\"A, quoted\",2020\nB,2021\n", "ok.csv");
    let (_, titles, problems) = collect(&path, None);
    assert_eq!((titles.len(), problems.len()), (2, 0), "{problems:?}");
}

#[test]
fn a_csv_row_past_the_record_limit_stops_reading_after_the_whole_rows() {
    let mut text = String::from("title,abstract\nFirst,short\nSecond,short\nHuge,");
    // The reader reads a buffer ahead of the row it hands out: the limit holds within that.
    text.push_str(&"x".repeat(concur_lit::MAX_RECORD + 100_000));
    text.push_str("\nAfter,short\n");
    let (_d, path) = write(text.as_bytes(), "huge.csv");
    let (result, titles, _) = collect(&path, None);
    assert!(result.unwrap_err().contains("MB"));
    assert_eq!(titles, ["First", "Second"]);
}
