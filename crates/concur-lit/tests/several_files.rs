//! Several files read as one stream (`read_files`): each file's items and then its end
//! reach the sink in order, whatever the formats, the thread count or a file that fails.

use concur_lit::{read_files, Event, Format, Item};
use std::io::Write;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

/// RIS text of `n` records, long enough together to span several 1 MB blocks.
fn ris(n: usize, tag: &str) -> String {
    (0..n)
        .map(|i| {
            format!(
                "TY  - JOUR\r\nTI  - {tag} record {i}\r\nAB  - {}\r\nPY  - 2020\r\nER  - \r\n\r\n",
                "abstract text ".repeat(40)
            )
        })
        .collect()
}

fn medline(n: usize) -> String {
    (0..n)
        .map(|i| {
            format!(
                "PMID- {}\nTI  - Medline record {i}\nAB  - {}\n\n",
                1000 + i,
                "words ".repeat(80)
            )
        })
        .collect()
}

fn pubmed(n: usize) -> String {
    let mut doc = String::from("<?xml version=\"1.0\"?>\n<PubmedArticleSet>\n");
    for i in 0..n {
        doc += &format!(
            "<PubmedArticle><MedlineCitation><PMID Version=\"1\">{}</PMID><Article><ArticleTitle>PubMed record {i}</ArticleTitle><Abstract><AbstractText>{}</AbstractText></Abstract></Article></MedlineCitation></PubmedArticle>\n",
            5000 + i,
            "text ".repeat(100)
        );
    }
    doc + "</PubmedArticleSet>\n"
}

fn gz(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

/// What a sink saw of one file: its titles and problems in order, and how it ended.
#[derive(Debug, PartialEq)]
struct Seen {
    items: Vec<String>,
    end: Option<Result<u64, String>>,
}

fn item_text(item: Item) -> String {
    match item {
        Item::Record(r) => r.title.unwrap_or_default(),
        Item::Rejected(p) | Item::Repaired(p) => format!("problem: {p}"),
        Item::Delete(ids) => format!("delete {ids:?}"),
    }
}

/// Reads `files` together, checking that events come in file order, that nothing of a file
/// comes after its end, and that a file that ends well has passed whole through the tap.
fn read_together(files: &[(&Path, Format)], threads: usize) -> Vec<Seen> {
    let tapped: Vec<std::sync::Mutex<Vec<u8>>> = files.iter().map(|_| Default::default()).collect();
    let tap = |i: usize, bytes: &[u8]| tapped[i].lock().unwrap().extend_from_slice(bytes);
    let mut seen: Vec<Seen> = files
        .iter()
        .map(|_| Seen {
            items: Vec::new(),
            end: None,
        })
        .collect();
    let mut last = 0;
    let total = read_files(
        files,
        &concur_lit::ReadOptions {
            format: None,
            threads: Some(threads),
        },
        &item_text,
        &tap,
        &mut |i, event| {
            assert!(i >= last, "file {i} after file {last}");
            last = i;
            assert!(seen[i].end.is_none(), "file {i} went on after its end");
            match event {
                Event::Item(text) => seen[i].items.push(text),
                Event::End(result) => seen[i].end = Some(result.map_err(|e| e.to_string())),
            }
            ControlFlow::Continue(())
        },
    )
    .unwrap();
    let ended: u64 = seen
        .iter()
        .filter_map(|s| s.end.as_ref().and_then(|e| e.as_ref().ok()))
        .sum();
    assert!(
        total >= ended,
        "{total} records handed out, {ended} in ended files"
    );
    seen
}

/// The same file read alone.
fn read_alone(path: &Path, format: Format) -> Seen {
    let mut items = Vec::new();
    let end = concur_lit::read_file(
        path,
        &concur_lit::ReadOptions {
            format: Some(format),
            threads: Some(1),
        },
        &mut |item| items.push(item_text(item)),
    )
    .map(|(_, n)| n)
    .map_err(|e| e.to_string());
    Seen {
        items,
        end: Some(end),
    }
}

#[test]
fn files_read_together_give_what_each_gives_alone() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, bytes: &[u8]| -> PathBuf {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    };
    let pubmed_text = pubmed(6000);
    let mut truncated = gz(pubmed_text.as_bytes());
    truncated.truncate(truncated.len() * 2 / 3);
    let files = [
        (write("a.ris", ris(5000, "first").as_bytes()), Format::Ris),
        (write("b.nbib", medline(4000).as_bytes()), Format::Medline),
        (
            write("c.xml.gz", &gz(pubmed_text.as_bytes())),
            Format::PubmedXml,
        ),
        (dir.path().join("missing.ris"), Format::Ris),
        (
            write("d.csv", b"title,year\nA CSV record,2021\nAnother,2022\n"),
            Format::Csv,
        ),
        (write("e.xml.gz", &truncated), Format::PubmedXml),
        (write("f.ris", ris(3000, "last").as_bytes()), Format::Ris),
        (write("g.ris", b""), Format::Ris),
    ];
    let list: Vec<(&Path, Format)> = files.iter().map(|(p, f)| (p.as_path(), *f)).collect();
    let alone: Vec<Seen> = list.iter().map(|(p, f)| read_alone(p, *f)).collect();
    // The cases that fail do fail, and the others read many blocks' worth.
    assert!(matches!(&alone[3].end, Some(Err(_))));
    assert!(
        matches!(&alone[5].end, Some(Err(e)) if e.contains("gzip")),
        "{:?}",
        alone[5].end
    );
    assert_eq!(alone[0].end, Some(Ok(5000)));
    assert_eq!(alone[2].end, Some(Ok(6000)));
    for threads in [1, 2, 3] {
        let together = read_together(&list, threads);
        for (i, (a, t)) in alone.iter().zip(&together).enumerate() {
            assert_eq!(a.end, t.end, "{threads} threads, file {i}");
            if a.end.as_ref().is_some_and(|e| e.is_ok()) {
                assert_eq!(a.items, t.items, "{threads} threads, file {i}");
            } else {
                // Of a file that fails, whole blocks before the failure come, in order.
                assert!(a.items.starts_with(&t.items), "{threads} threads, file {i}");
            }
        }
    }
}

#[test]
fn a_sink_that_says_stop_ends_every_file() {
    let dir = tempfile::tempdir().unwrap();
    let paths: Vec<PathBuf> = (0..3)
        .map(|i| {
            let path = dir.path().join(format!("{i}.ris"));
            std::fs::write(&path, ris(4000, &format!("file {i}"))).unwrap();
            path
        })
        .collect();
    let list: Vec<(&Path, Format)> = paths.iter().map(|p| (p.as_path(), Format::Ris)).collect();
    for threads in [1, 2] {
        let mut events = 0;
        let mut after_stop = 0;
        read_files(
            &list,
            &concur_lit::ReadOptions {
                format: None,
                threads: Some(threads),
            },
            &item_text,
            &|_, _| {},
            &mut |i, _| {
                events += 1;
                if events > 5000 {
                    after_stop += 1;
                }
                // Stop in the second file.
                if i == 1 && events >= 5000 {
                    ControlFlow::Break(())
                } else {
                    ControlFlow::Continue(())
                }
            },
        )
        .unwrap();
        assert_eq!(events, 5000, "{threads} threads");
        assert_eq!(after_stop, 0);
    }
}
