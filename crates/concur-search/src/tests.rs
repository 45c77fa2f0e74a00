//! The query language against a small fixed corpus: every tag, precedence, truncation,
//! proximity, date ranges, variants, MeSH explosion, and parse errors.

use crate::{parse, Index, Mesh, Options, ParseErrorKind};
use concur_lit::{Author, Mesh as MeshHeading, Record, RecordSink, Section};
use std::sync::Arc;

fn author(last: &str, first: &str) -> Author {
    Author {
        last: last.into(),
        first: Some(first.into()),
        ..Author::default()
    }
}

fn heading(d: &str, major: bool, q: &[(&str, bool)]) -> MeshHeading {
    MeshHeading {
        descriptor: d.into(),
        major,
        qualifiers: q.iter().map(|(q, m)| (q.to_string(), *m)).collect(),
    }
}

struct Doc {
    id: i64,
    primary: bool,
    r: Record,
}

/// The corpus; ids, PMIDs and DOIs are made up for the test.
fn corpus() -> Vec<Doc> {
    let rec = |title: Option<&str>, abs: &str, date: &str| Record {
        title: title.map(str::to_string),
        abstract_sections: if abs.is_empty() {
            vec![]
        } else {
            vec![Section {
                label: None,
                text: abs.into(),
            }]
        },
        date: Some(date.into()),
        year: date.get(..4).and_then(|y| y.parse().ok()),
        ..Record::default()
    };
    let mut docs = Vec::new();
    let mut r = rec(
        Some("Trastuzumab emtansine (T-DM1) and stereotactic radiosurgery for brain metastases"),
        "Radionecrosis was frequent after SRS given with T-DM1.",
        "2019 Jul 1",
    );
    r.authors = vec![
        author("Stumpf", "PK"),
        author("Cittelty", "DM"),
        author("Robin", "TP"),
    ];
    r.journal = Some("Clinical Cancer Research".into());
    r.journal_abbrev = Some("Clin Cancer Res".into());
    r.mesh = vec![
        heading("Breast Neoplasms", true, &[("radiotherapy", false)]),
        heading("Radiosurgery", false, &[]),
        heading("Brain Neoplasms", false, &[("secondary", true)]),
    ];
    r.publication_types = vec!["Journal Article".into()];
    r.languages = vec!["eng".into()];
    r.pmid = Some("1001".into());
    r.doi = Some("10.9999/TEST.1".into());
    docs.push(Doc {
        id: 1,
        primary: true,
        r: r.clone(),
    });
    let mut dup = r;
    dup.pmid = None;
    docs.push(Doc {
        id: 8,
        primary: false,
        r: dup,
    });

    let mut r = rec(
        Some("TDM1 with concurrent radiotherapy: a retrospective series"),
        "Patients received TDM1 and breast irradiation. Skin toxicity of grade 3 was rare.",
        "2020 Jan 25",
    );
    r.authors = vec![author("Zolcsák", "Zoltán")];
    r.journal = Some("Breast".into());
    r.mesh = vec![
        heading("Breast Neoplasms", false, &[]),
        heading("Radiotherapy, Adjuvant", true, &[]),
    ];
    r.keywords = vec!["ado-trastuzumab emtansine".into()];
    r.languages = vec!["English".into()];
    r.publication_types = vec!["Journal Article".into()];
    r.pmid = Some("1002".into());
    docs.push(Doc {
        id: 2,
        primary: true,
        r,
    });

    let mut r = rec(
        Some("T DM1 and whole brain radiation therapy"),
        "Whole brain irradiation was followed by pneumonitis.",
        "2017 Mar",
    );
    r.authors = vec![
        Author {
            affiliations: vec!["Institut Curie, Paris".into()],
            ..author("Geraud", "A")
        },
        author("Smith", "J"),
    ];
    r.languages = vec!["fre".into()];
    r.publication_types = vec!["Case Reports".into()];
    r.mesh = vec![heading("Brain Neoplasms", true, &[])];
    docs.push(Doc {
        id: 3,
        primary: true,
        r,
    });

    let mut r = rec(
        Some("Re-irradiation of the chest wall after mastectomy"),
        "Reirradiation was feasible.",
        "2005",
    );
    r.mesh = vec![
        heading("Mastectomy", false, &[]),
        heading("Breast Neoplasms, Male", false, &[]),
    ];
    r.publication_types = vec!["Review".into()];
    r.languages = vec!["eng".into()];
    docs.push(Doc {
        id: 4,
        primary: true,
        r,
    });

    let mut r = rec(
        Some("Lapatinib and capecitabine in HER2-positive breast cancer"),
        "No radiotherapy was given.",
        "2012 Dec",
    );
    r.mesh = vec![heading(
        "Breast Neoplasms",
        false,
        &[("drug therapy", true)],
    )];
    r.keywords = vec!["HER-2".into()];
    r.publication_types = vec!["Randomized Controlled Trial".into()];
    r.languages = vec!["eng".into()];
    r.authors = vec![author("Jones", "AB"), author("Stumpfer", "K")];
    docs.push(Doc {
        id: 5,
        primary: true,
        r,
    });

    let mut r = rec(
        Some("Cardiac toxicity of HER 2 directed therapy with radiation"),
        "Heart events and cardiotoxicity after radiation.",
        "1999",
    );
    r.mesh = vec![heading("Cardiotoxicity", true, &[])];
    r.journal = Some("Journal of Clinical Oncology".into());
    r.journal_abbrev = Some("J. Clin. Oncol.".into());
    r.languages = vec!["eng".into()];
    docs.push(Doc {
        id: 6,
        primary: true,
        r,
    });

    let mut r = rec(
        Some("Breast cancer radiotherapy: hypofractionation"),
        "Hypofractionated whole breast radiation therapy.",
        "2021 Jun 3",
    );
    r.mesh = vec![
        heading("Breast Neoplasms", false, &[("radiotherapy", false)]),
        heading("Radiation Dose Hypofractionation", false, &[]),
    ];
    r.authors = vec![author("Smith", "Jane"), author("Jones", "AB")];
    r.languages = vec!["ger".into()];
    docs.push(Doc {
        id: 7,
        primary: true,
        r,
    });

    let r = rec(
        Some("Pain in the hip after radiotherapy"),
        "Hip related pain was common; the pain of the hip resolved.",
        "2010",
    );
    docs.push(Doc {
        id: 9,
        primary: true,
        r,
    });

    let mut r = rec(
        Some("Ductal carcinoma: radiation sensitivity in vitro"),
        "",
        "2015",
    );
    r.mesh = vec![heading("Carcinoma, Ductal, Breast", false, &[])];
    docs.push(Doc {
        id: 10,
        primary: true,
        r,
    });

    let mut r = rec(None, "", "2016 Feb");
    r.pmid = Some("1011".into());
    r.doi = Some("10.9999/test.11".into());
    docs.push(Doc {
        id: 11,
        primary: true,
        r,
    });

    let mut r = rec(
        Some("Stereotactic body radiotherapy and trastuzumab deruxtecan"),
        "SBRT with T-DXd was given to patients with breast cancer.",
        "2024 Feb 10",
    );
    r.publication_types = vec!["Clinical Trial, Phase II".into()];
    r.languages = vec!["eng".into()];
    docs.push(Doc {
        id: 12,
        primary: true,
        r,
    });
    docs
}

#[derive(Debug)]
struct Never;
impl std::fmt::Display for Never {
    fn fmt(&self, _: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        Ok(())
    }
}
impl std::error::Error for Never {}

fn index(mesh: Option<Mesh>) -> Index {
    let mut index = Index::in_memory().unwrap().with_mesh(mesh.map(Arc::new));
    let docs = corpus();
    index
        .sync(
            "m1",
            |_, sink: &mut dyn RecordSink| {
                sink.reset();
                for d in &docs {
                    sink.put(d.id, &d.r, d.primary);
                }
                Ok::<_, Never>("m1".to_string())
            },
            &mut |_, _| {},
        )
        .unwrap();
    index
}

fn tree() -> Mesh {
    let f = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(
        f.path(),
        "Breast Neoplasms;C04.588.180\nBreast Neoplasms, Male;C04.588.180.260\nCarcinoma, Ductal, Breast;C04.588.180.390\nBrain Neoplasms;C04.588.614.250.195\nRadiotherapy;E02.815\nRadiosurgery;E02.815.100\nRadiotherapy, Adjuvant;E02.815.200\n",
    )
    .unwrap();
    Mesh::load(&[f.path()]).unwrap()
}

fn ids(index: &Index, q: &str) -> Vec<i64> {
    let node = parse(q).unwrap_or_else(|e| panic!("{q}: {e}"));
    index.ids(&node, Options::default()).unwrap()
}

/// (query, records it finds): one row per behaviour, most against PubMed's documented meaning.
const TABLE: &[(&str, &[i64])] = &[
    // Words and phrases, untagged (All Fields).
    // Record 1 has radiotherapy as a MeSH subheading, which All Fields searches.
    ("radiotherapy", &[1, 2, 5, 7, 9, 12]),
    ("RADIOTHERAPY", &[1, 2, 5, 7, 9, 12]),
    ("\"breast cancer\"", &[5, 7, 12]),
    // Unquoted words are ANDed: record 1 has "breast" in MeSH and "cancer" in its journal.
    ("breast cancer", &[1, 5, 7, 12]),
    ("hypofractionation", &[7]),
    ("\"whole brain\"", &[3]),
    ("radionecrosis", &[1]),
    ("emtansine", &[1, 2]),
    ("zolcsak", &[2]),
    ("Zolcsák", &[2]),
    ("paris", &[3]),
    ("1001", &[1]),
    ("10.9999/test.11", &[11]),
    ("nothingmatches", &[]),
    // Hyphen and spacing variants.
    ("T-DM1", &[1, 2, 3]),
    ("TDM1", &[1, 2, 3]),
    ("\"T DM1\"", &[1, 2, 3]),
    ("tdm1[ti]", &[1, 2, 3]),
    ("HER2", &[5, 6]),
    ("\"HER 2\"", &[5, 6]),
    ("HER-2[ot]", &[5]),
    ("reirradiation", &[4]),
    ("re-irradiation[ti]", &[4]),
    ("\"T-DXd\"", &[12]),
    // Field tags, short and long.
    ("radiotherapy[ti]", &[2, 7, 9, 12]),
    ("radiotherapy[Title]", &[2, 7, 9, 12]),
    ("radiotherapy[ab]", &[5]),
    ("radiotherapy[Abstract]", &[5]),
    // "Re-irradiation" holds the word irradiation.
    ("irradiation[tiab]", &[2, 3, 4]),
    ("irradiation[Title/Abstract]", &[2, 3, 4]),
    ("emtansine[tiab]", &[1, 2]),
    ("emtansine[ot]", &[2]),
    ("emtansine[Other Term]", &[2]),
    ("cardiotoxicity[tw]", &[6]),
    ("\"radiation dose hypofractionation\"[tw]", &[7]),
    ("\"case reports\"[tw]", &[3]),
    ("curie[ad]", &[3]),
    ("curie[tiab]", &[]),
    ("\"Institut Curie\"[Affiliation]", &[3]),
    ("Stumpf PK[au]", &[1]),
    ("stumpf p[au]", &[1]),
    ("Stumpf[au]", &[1]),
    ("Stumpf*[au]", &[1, 5]),
    ("\"stumpf p\"[au]", &[]),
    ("Smith J[au]", &[3, 7]),
    ("Smith J[1au]", &[7]),
    ("Smith J[Author - First]", &[7]),
    ("Smith J[lastau]", &[3]),
    ("Zolcsak Z[au]", &[2]),
    ("Zolcsák Zoltán[au]", &[2]),
    ("Robin TP[lastau]", &[1]),
    ("\"Clin Cancer Res\"[ta]", &[1]),
    ("\"clinical cancer research\"[Journal]", &[1]),
    ("J Clin Oncol[ta]", &[6]),
    ("breast[ta]", &[2]),
    ("eng[la]", &[1, 2, 4, 5, 6, 12]),
    ("english[la]", &[1, 2, 4, 5, 6, 12]),
    ("french[Language]", &[3]),
    ("ger[la]", &[7]),
    ("review[pt]", &[4]),
    ("\"Randomized Controlled Trial\"[Publication Type]", &[5]),
    ("clinical trial*[pt]", &[12]),
    ("radiotherapy[sh]", &[1, 7]),
    ("\"drug therapy\"[MeSH Subheading]", &[5]),
    ("1002[pmid]", &[2]),
    ("1002[uid]", &[2]),
    ("10.9999/test.1[doi]", &[1]),
    // MeSH without a tree: exact headings.
    ("\"breast neoplasms\"[mh]", &[1, 2, 5, 7]),
    ("\"Breast Neoplasms\"[MeSH Terms]", &[1, 2, 5, 7]),
    ("\"breast neoplasms\"[mh:noexp]", &[1, 2, 5, 7]),
    ("\"breast neoplasms/radiotherapy\"[mh]", &[1, 7]),
    ("\"breast neoplasms\"[majr]", &[1, 5]),
    ("\"brain neoplasms\"[majr]", &[1, 3]),
    ("\"Brain Neoplasms\"[MeSH Major Topic]", &[1, 3]),
    ("radiosurgery[mh]", &[1]),
    // Truncation.
    ("radiother*", &[1, 2, 5, 7, 9, 12]),
    ("radiother*[ti]", &[2, 7, 9, 12]),
    ("hypofraction*", &[7]),
    ("\"breast canc*\"", &[5, 7, 12]),
    ("stereotac*[ti]", &[1, 12]),
    // Proximity.
    ("\"hip pain\"[tiab]", &[]),
    ("\"hip pain\"[tiab:~1]", &[9]),
    ("\"pain hip\"[tiab:~2]", &[9]),
    ("\"whole radiation\"[ti:~2]", &[3]),
    ("\"whole radiation\"[ti:~1]", &[3]),
    ("\"whole radiation\"[ti:~0]", &[]),
    ("\"radiation whole\"[ti:~1]", &[3]),
    // Dates.
    ("2019[dp]", &[1]),
    ("2019/07[dp]", &[1]),
    ("2019/07/01[dp]", &[1]),
    ("2019/07/02[dp]", &[]),
    ("2000:2020[dp]", &[1, 2, 3, 4, 5, 9, 10, 11]),
    ("2000/01/01:2020/01/20[dp]", &[1, 3, 4, 5, 9, 10, 11]),
    ("2000/01/01[dp]:2020/01/20[dp]", &[1, 3, 4, 5, 9, 10, 11]),
    ("\"2000/01/01\"[dp] : \"2020/01/20\"[dp]", &[1, 3, 4, 5, 9, 10, 11]),
    ("2021:3000[Publication Date]", &[7, 12]),
    ("1999[pdat]", &[6]),
    // Booleans, left to right, and parentheses.
    ("radiotherapy AND emtansine", &[1, 2]),
    ("radiotherapy[tiab] AND emtansine", &[2]),
    ("radiotherapy OR radionecrosis", &[1, 2, 5, 7, 9, 12]),
    ("radiotherapy NOT breast", &[9]),
    ("radiotherapy NOT breast NOT hip", &[]),
    ("hip OR radionecrosis AND brain", &[1]),
    ("hip OR (radionecrosis AND brain)", &[1, 9]),
    ("(hip OR radionecrosis) AND brain", &[1]),
    ("emtansine OR tdm1 NOT brain", &[2]),
    ("emtansine OR (tdm1 NOT brain)", &[1, 2]),
    ("((T-DM1 OR emtansine) AND (radiotherapy[tiab] OR irradiation[tiab] OR \"radiation therapy\"[tiab])) AND english[la]", &[2]),
    ("radiotherapy[ti] english[la]", &[2, 12]),
    ("#1 OR x", &[]),
];

#[test]
fn the_query_table_finds_what_pubmed_would() {
    let index = index(None);
    let mut failures = Vec::new();
    for (q, want) in TABLE {
        if q.starts_with('#') {
            continue;
        }
        let got = ids(&index, q);
        if got != *want {
            failures.push(format!("{q}: want {want:?}, got {got:?}"));
        }
    }
    assert!(TABLE.len() >= 80, "the table has {} rows", TABLE.len());
    assert!(
        failures.is_empty(),
        "{} of {} rows differ:\n{}",
        failures.len(),
        TABLE.len(),
        failures.join("\n")
    );
}

#[test]
fn duplicates_are_left_out_unless_asked_for() {
    let index = index(None);
    let node = parse("radionecrosis").unwrap();
    assert_eq!(index.ids(&node, Options::default()).unwrap(), [1]);
    assert_eq!(
        index
            .ids(
                &node,
                Options {
                    duplicates: true,
                    ..Options::default()
                }
            )
            .unwrap(),
        [1, 8]
    );
}

#[test]
fn mesh_explodes_through_the_tree_and_noexp_does_not() {
    let index = index(Some(tree()));
    assert_eq!(ids(&index, "\"breast neoplasms\"[mh]"), [1, 2, 4, 5, 7, 10]);
    assert_eq!(ids(&index, "\"breast neoplasms\"[mh:noexp]"), [1, 2, 5, 7]);
    assert_eq!(ids(&index, "radiotherapy[mh]"), [1, 2]);
    assert_eq!(ids(&index, "radiotherapy[mh:noexp]"), Vec::<i64>::new());
    // A heading the tree does not know is searched as written.
    assert_eq!(ids(&index, "mastectomy[mh]"), [4]);
}

#[test]
fn entry_terms_map_to_headings_when_asked() {
    let f = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(f.path(), "*NEWRECORD\nMH = Cardiotoxicity\nENTRY = Cardiac Toxicity|T046|NON|EQV|NLM (2015)|140610|abcdef\nMN = C25.100.468.750\n").unwrap();
    let index = index(Some(Mesh::load(&[f.path()]).unwrap()));
    let node = parse("\"cardiac toxicity\"[mh]").unwrap();
    assert_eq!(index.ids(&node, Options::default()).unwrap(), [6]);
    let node = parse("\"heart toxicity\" OR \"cardiac toxicity\"").unwrap();
    let notes = index.notes(&node, Options::default()).unwrap();
    assert!(notes.iter().any(|n| matches!(n, crate::Note::MappingAvailable { heading, .. } if heading == "Cardiotoxicity")), "{notes:?}");
    let mapped = Options {
        map_mesh: true,
        ..Options::default()
    };
    assert_eq!(
        index
            .ids(&parse("\"cardiac toxicity\"").unwrap(), mapped)
            .unwrap(),
        [6]
    );
}

#[test]
fn explain_counts_every_node() {
    let index = index(None);
    let node = parse("(radiotherapy OR radionecrosis) AND english[la] NOT hip").unwrap();
    let e = index.explain(&node, Options::default()).unwrap();
    assert_eq!(e.count, 4);
    let counts: Vec<u64> = e.children.iter().map(|c| c.count).collect();
    // Left to right: ((radiotherapy OR radionecrosis) AND english[la]) NOT hip.
    assert_eq!(counts, [4, 1]);
    assert_eq!(
        e.children[0]
            .children
            .iter()
            .map(|c| c.count)
            .collect::<Vec<_>>(),
        [6, 6]
    );
}

#[test]
fn hits_are_ranked_and_highlight_the_title() {
    let index = index(None);
    let (count, hits) = index
        .search(
            &parse("T-DM1 OR radiosurgery*").unwrap(),
            2,
            Options::default(),
        )
        .unwrap();
    assert_eq!(count, 3);
    assert_eq!(hits.len(), 2);
    assert_eq!(hits[0].rank, 1);
    assert!(hits[0].score >= hits[1].score);
    let top = hits
        .iter()
        .find(|h| h.record == 1)
        .expect("record 1 is in the top two");
    let title = top.title.as_deref().unwrap();
    let marked: Vec<&str> = top.highlights.iter().map(|&(s, e)| &title[s..e]).collect();
    assert_eq!(marked, ["T-DM1", "radiosurgery"]);
    let (_, hits) = index
        .search(
            &parse("radiotherapy NOT hip").unwrap(),
            10,
            Options::default(),
        )
        .unwrap();
    for h in hits {
        let title = h.title.unwrap_or_default();
        let in_title = title.to_lowercase().contains("radiotherapy");
        assert_eq!(!h.highlights.is_empty(), in_title, "{title}");
    }
}

/// (query, what is wrong, column): a reviewer reads the message and the column.
/// Whether an error is of the kind a row expects.
type Is = fn(&ParseErrorKind) -> bool;

const ERRORS: &[(&str, Is, usize)] = &[
    ("", |k| matches!(k, ParseErrorKind::Empty), 1),
    (
        "\"breast cancer",
        |k| matches!(k, ParseErrorKind::UnclosedQuote),
        1,
    ),
    (
        "a AND \"b",
        |k| matches!(k, ParseErrorKind::UnclosedQuote),
        7,
    ),
    (
        "cancer[tiab",
        |k| matches!(k, ParseErrorKind::UnclosedTag),
        7,
    ),
    (
        "cancer[xyz]",
        |k| matches!(k, ParseErrorKind::UnknownTag(t, _) if t == "xyz"),
        7,
    ),
    ("[tiab]", |k| matches!(k, ParseErrorKind::TagWithoutTerm), 1),
    ("(a OR b", |k| matches!(k, ParseErrorKind::UnclosedParen), 1),
    ("a OR b)", |k| matches!(k, ParseErrorKind::StrayParen), 7),
    (
        "a AND",
        |k| matches!(k, ParseErrorKind::MissingOperand(crate::Op::And)),
        3,
    ),
    (
        "OR a",
        |k| matches!(k, ParseErrorKind::MissingOperand(crate::Op::Or)),
        1,
    ),
    (
        "NOT a",
        |k| matches!(k, ParseErrorKind::MissingOperand(crate::Op::Not)),
        1,
    ),
    (
        "a AND OR b",
        |k| matches!(k, ParseErrorKind::MissingOperand(crate::Op::And)),
        3,
    ),
    ("a AND ()", |k| matches!(k, ParseErrorKind::EmptyParens), 7),
    (
        "rad*",
        |k| matches!(k, ParseErrorKind::ShortTruncation(_)),
        1,
    ),
    (
        "ra*diation",
        |k| matches!(k, ParseErrorKind::MisplacedTruncation),
        1,
    ),
    (
        "\"hip pain\"[mh:~2]",
        |k| matches!(k, ParseErrorKind::BadProximity),
        1,
    ),
    (
        "\"hip pain\"[pt:~2]",
        |k| matches!(k, ParseErrorKind::BadProximity),
        1,
    ),
    (
        "hip[tiab:~2]",
        |k| matches!(k, ParseErrorKind::BadProximity),
        1,
    ),
    (
        "\"hip pain\"[tiab:~x]",
        |k| matches!(k, ParseErrorKind::BadProximity),
        11,
    ),
    (
        "2020/13[dp]",
        |k| matches!(k, ParseErrorKind::BadDate(_)),
        1,
    ),
    (
        "2019/02/29[dp]",
        |k| matches!(k, ParseErrorKind::BadDate(_)),
        1,
    ),
    (
        "last year[dp]",
        |k| matches!(k, ParseErrorKind::BadDate(_)),
        1,
    ),
    (
        "2020:2000[dp]",
        |k| matches!(k, ParseErrorKind::BackwardsDates),
        1,
    ),
    (
        "cancer[tiab] : x[tiab]",
        |k| matches!(k, ParseErrorKind::BadRange),
        14,
    ),
    ("# AND a", |k| matches!(k, ParseErrorKind::EmptyLine), 1),
    (
        "é AND (ü",
        |k| matches!(k, ParseErrorKind::UnclosedParen),
        7,
    ),
];

#[test]
fn parse_errors_say_what_and_where() {
    for (q, is, column) in ERRORS {
        let e = parse(q).expect_err(q);
        assert!(is(&e.kind), "{q}: {:?}", e.kind);
        assert_eq!(e.column, *column, "{q}: {}", e);
    }
    let e = parse("cancer[tiab").unwrap_err();
    assert_eq!(e.pointer("cancer[tiab"), "cancer[tiab\n      ^");
}

#[test]
fn leap_days_are_dates() {
    assert!(parse("2020/02/29[dp]").is_ok());
}
