//! The fuzz targets, each bounded by `CONCUR_FUZZ_SECONDS` (docs/security.md): the readers of
//! every format (from bytes and from files, gzip included), the review loader, the query parser
//! and the CSV input of `concur meta`. Nothing may panic or hang; what they return is not judged.

use concur_fuzz::{fixture_seeds, fuzz};
use concur_lit::{Format, Item, ReadOptions};
use std::io::Cursor;

const BIB_TOKENS: [&[u8]; 22] = [
    b"TY  - JOUR\n",
    b"ER  - \n",
    b"TI  - ",
    b"AU  - ",
    b"PMID- 1\n",
    b"\n\n",
    b"PT J\n",
    b"<1. >\n",
    b"<PubmedArticle>",
    b"</PubmedArticle>",
    b"<ArticleTitle>",
    b"<!DOCTYPE x [<!ENTITY a \"aaaa\">]>",
    b"&a;",
    b"&#x0;",
    b"<![CDATA[",
    b"\"",
    b",",
    b"\t",
    b"\r\n",
    b"\xff\xfe",
    b"\0",
    b"{\"title\": ",
];

fn builtin_bib_seeds() -> Vec<Vec<u8>> {
    vec![
        b"TY  - JOUR\nTI  - Radiosurgery with T-DM1\nAU  - Stumpf, P\nPY  - 2020\nER  - \n".to_vec(),
        b"PMID- 1\nTI  - A title\nAU  - Stumpf P\nDP  - 2020\nSO  - J\n\nPMID- 2\nTI  - B\n".to_vec(),
        b"title,abstract,year,doi\n\"T-DM1, and SRS\",text,2020,10.1/x\n".to_vec(),
        b"<?xml version=\"1.0\"?><PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>1</PMID><Article><ArticleTitle>T</ArticleTitle></Article></MedlineCitation></PubmedArticle></PubmedArticleSet>".to_vec(),
        b"{\"title\": \"T\", \"year\": 2020}\n".to_vec(),
    ]
}

fn read_all(bytes: &[u8], format: Option<Format>) {
    let mut n = 0u64;
    let _ = concur_lit::read(
        Cursor::new(bytes),
        &ReadOptions {
            format,
            threads: Some(1),
        },
        &mut |item| {
            if let Item::Record(_) = item {
                n += 1;
            }
        },
    );
}

#[test]
fn fuzz_readers() {
    let mut seeds = builtin_bib_seeds();
    for sub in ["pubmed", "medline", "ris", "screening"] {
        seeds.extend(fixture_seeds(sub, 12, 256 << 10));
    }
    fuzz("readers", &seeds, &BIB_TOKENS, |bytes| {
        read_all(bytes, None);
        for f in Format::ALL {
            read_all(bytes, Some(f));
        }
    });
}

#[test]
fn fuzz_files_and_gzip() {
    let mut seeds = builtin_bib_seeds();
    seeds.extend(fixture_seeds("ris", 4, 64 << 10));
    // Compressed seeds: mutations then damage the gzip stream itself.
    let gz: Vec<Vec<u8>> = seeds
        .iter()
        .map(|s| {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            std::io::Write::write_all(&mut e, s).unwrap();
            e.finish().unwrap()
        })
        .collect();
    seeds.extend(gz);
    fuzz("files", &seeds, &BIB_TOKENS, |bytes| {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("input");
        std::fs::write(&path, bytes).unwrap();
        let _ = concur_lit::read_file(&path, &ReadOptions::default(), &mut |_| {});
    });
}

/// The default review's files.
fn review_files() -> Vec<concur_evidence::ReviewFile> {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../reviews/tdm1-radiotherapy");
    concur_evidence::read_dir(&dir).unwrap()
}

fn fuzz_review_file(name: &str, path: &str) {
    let files = review_files();
    let seed = files
        .iter()
        .find(|f| f.path == path)
        .map(|f| f.text.clone().into_bytes())
        .unwrap();
    let tokens: [&[u8]; 12] = [
        b"\n[[analyses]]\nid = \"../x\"\n",
        b"\"",
        b"=",
        b"[",
        b"]",
        b"{",
        b"1e308",
        b"-1",
        b"nan",
        b"\n[[editions]]\nid = \"2021-01\"\nlabel = \"x\"\n",
        b"since = \"nope\"\n",
        b"locator = \"\"\n",
    ];
    let path = path.to_string();
    fuzz(name, &[seed], &tokens, move |bytes| {
        let mut files = files.clone();
        if let Some(f) = files.iter_mut().find(|f| f.path == path) {
            f.text = String::from_utf8_lossy(bytes).into_owned();
        }
        if let Ok(review) = concur_evidence::load_files(files) {
            // A review that loads must analyse and audit without a panic.
            let evidence = concur_synthesis::Evidence::new(&review);
            let _ = evidence.analyses();
            let _ = evidence.audit();
        }
    });
}

#[test]
fn fuzz_review_toml() {
    fuzz_review_file("review-toml", "review.toml");
}

#[test]
fn fuzz_study_file() {
    fuzz_review_file("study", "studies/stumpf-2019.toml");
}

#[test]
fn fuzz_query_parser() {
    let seeds: Vec<Vec<u8>> = [
        "(\"breast cancer\"[tiab] OR breast neoplasms[mh]) AND radiother*[tiab]",
        "T-DM1 AND english[la] AND 2000/01/01:2026/11/27[dp]",
        "\"radiation necrosis\"[tiab:~3] NOT review[pt]",
        "#1 AND #2",
    ]
    .iter()
    .map(|s| s.as_bytes().to_vec())
    .collect();
    let tokens: [&[u8]; 12] = [
        b"(", b")", b"\"", b"[", b"]", b" AND ", b" OR ", b" NOT ", b"*", b"[tiab:~", b":", b"#",
    ];
    fuzz("query", &seeds, &tokens, |bytes| {
        let _ = concur_search::parse(&String::from_utf8_lossy(bytes));
    });
}

#[test]
fn fuzz_meta_csv() {
    let seeds: Vec<Vec<u8>> = [
        "study,events,total\na,3,10\nb,0,12\nc,5,5\n",
        "study,events_t,total_t,events_c,total_c\na,3,10,1,10\nb,0,12,2,11\n",
        "study,yi,vi\na,0.1,0.02\nb,-0.3,0.5\n",
        "study,hr,ci_lb,ci_ub\na,0.8,0.5,1.2\nb,1.1,0.9,1.4\n",
    ]
    .iter()
    .map(|s| s.as_bytes().to_vec())
    .collect();
    let tokens: [&[u8]; 10] = [
        b",",
        b"\n",
        b"\"",
        b"-1",
        b"1e308",
        b"nan",
        b"inf",
        b"0",
        b"7400000",
        b"0.000001",
    ];
    fuzz("meta-csv", &seeds, &tokens, |bytes| {
        use concur_stats::{Measure, Spec};
        let text = String::from_utf8_lossy(bytes);
        for (measure, method) in [
            ("PLO", "REML"),
            ("PLO", "GLMM"),
            ("PFT", "DL"),
            ("OR", "MH"),
            ("OR", "PETO"),
            ("RR", "REML"),
            ("GEN", "PM"),
            ("HR", "EE"),
        ] {
            let spec = Spec::parse(measure, method, None).unwrap();
            let m = Measure::parse(measure).unwrap();
            if let Ok(input) = concur_synthesis::read_meta_csv(&text, m, None) {
                let _ = concur_stats::analyse(&input.data, &spec);
                let _ = concur_stats::leave_one_out(&input.data, &spec);
            }
        }
    });
}
