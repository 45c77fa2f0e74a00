//! Full texts of articles: the text of a PDF page by page (pdf-extract, pure Rust, no external
//! service) or of a plain-text file (pages split at form feeds), kept with page and line
//! numbers so that an extracted number can be cited as "page 5, line 12" and checked there.
//!
//! ```
//! let text = concur_fulltext::read(b"Results\n12 of 40 lesions\x0cpage two").unwrap();
//! assert_eq!(text.pages.len(), 2);
//! assert_eq!(text.find("12 of 40")[0].page, 1);
//! ```
#![warn(missing_docs)]

use serde::Serialize;

/// What went wrong reading a full text.
#[derive(Debug, thiserror::Error)]
pub enum FullTextError {
    /// A PDF whose text could not be extracted.
    #[error("the PDF's text could not be extracted: {0}")]
    Pdf(String),
    /// Neither a PDF nor UTF-8 text.
    #[error("not a PDF and not UTF-8 text (byte {0} is not valid UTF-8)")]
    NotText(usize),
    /// A file with no text at all (a scanned PDF without a text layer, an empty file).
    #[error("no text found (a scanned PDF without a text layer needs OCR first)")]
    Empty,
}

/// What the full text was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A PDF.
    Pdf,
    /// Plain text.
    Text,
}

impl Kind {
    /// The file extension a stored copy gets.
    pub fn extension(self) -> &'static str {
        match self {
            Kind::Pdf => "pdf",
            Kind::Text => "txt",
        }
    }
}

/// A full text, page by page (page 1 first).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FullText {
    /// What it was read from.
    pub kind: Kind,
    /// The text of each page.
    pub pages: Vec<String>,
}

/// A place in a full text: page and line, both from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Locator {
    /// The page.
    pub page: usize,
    /// The line on the page.
    pub line: usize,
}

/// Reads a full text from a file's bytes: a PDF (by its `%PDF-` header) or UTF-8 text.
pub fn read(bytes: &[u8]) -> Result<FullText, FullTextError> {
    let head = &bytes[..bytes.len().min(1024)];
    let is_pdf = head.windows(5).any(|w| w == b"%PDF-");
    let text = if is_pdf {
        // pdf-extract panics on some malformed files; a bad PDF must be an error, not a crash.
        let pages = std::panic::catch_unwind(|| pdf_extract::extract_text_from_mem_by_pages(bytes))
            .map_err(|_| FullTextError::Pdf("the PDF is malformed".into()))?
            .map_err(|e| FullTextError::Pdf(e.to_string()))?;
        FullText {
            kind: Kind::Pdf,
            pages: pages.into_iter().map(|p| tidy(&p)).collect(),
        }
    } else {
        let text =
            std::str::from_utf8(bytes).map_err(|e| FullTextError::NotText(e.valid_up_to()))?;
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        FullText {
            kind: Kind::Text,
            pages: text.split('\x0c').map(tidy).collect(),
        }
    };
    if text.pages.iter().all(|p| p.trim().is_empty()) {
        return Err(FullTextError::Empty);
    }
    Ok(text)
}

/// Line ends made `\n`, runs of blank lines made one, control characters other than tab made
/// spaces (they would otherwise reach a terminal), trailing spaces dropped.
fn tidy(page: &str) -> String {
    let mut out = String::with_capacity(page.len());
    let mut blank = 0;
    for line in page.split(['\n', '\r']) {
        let line: String = line
            .chars()
            .map(|c| if c.is_control() && c != '\t' { ' ' } else { c })
            .collect();
        let line = line.trim_end();
        if line.is_empty() {
            blank += 1;
            if blank > 1 {
                continue;
            }
        } else {
            blank = 0;
        }
        out.push_str(line);
        out.push('\n');
    }
    out.trim_matches('\n').to_string()
}

/// Text with every run of whitespace made one space, for matching across line breaks.
fn squash(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A page as one line with single spaces, and where each of its lines starts in it. A line
/// ending in a hyphen after a letter joins the next without a space; with `drop_hyphen`, the
/// hyphen goes too when the next line starts with a lower-case letter (a word broken by
/// typesetting).
fn flatten(page: &str, drop_hyphen: bool) -> (String, Vec<usize>) {
    let mut flat = String::new();
    let mut starts = Vec::new();
    let mut joined = false;
    for line in page.lines() {
        let squashed = squash(line);
        if squashed.is_empty() {
            starts.push(flat.len());
            joined = false;
            continue;
        }
        if joined {
            if drop_hyphen && squashed.starts_with(|c: char| c.is_lowercase()) {
                flat.pop();
            }
        } else if !flat.is_empty() {
            flat.push(' ');
        }
        starts.push(flat.len());
        flat.push_str(&squashed);
        let mut tail = squashed.chars().rev();
        joined = tail.next() == Some('-') && tail.next().is_some_and(char::is_alphabetic);
    }
    (flat, starts)
}

impl FullText {
    /// Pages joined by form feeds, the form `read` takes back.
    pub fn to_text(&self) -> String {
        self.pages.join("\x0c")
    }

    /// Page `n` (from 1).
    pub fn page(&self, n: usize) -> Option<&str> {
        n.checked_sub(1)
            .and_then(|i| self.pages.get(i))
            .map(String::as_str)
    }

    /// Where `needle` occurs (whitespace and line breaks ignored; case kept): the page and the
    /// line each occurrence starts on. A word broken by a hyphen at a line end is found joined
    /// ("radiother-" "apy" as "radiotherapy"; "T-" "DM1" as "T-DM1") and, in case the hyphen
    /// was the word's own, with it ("dose-" "escalation" as "dose-escalation").
    pub fn find(&self, needle: &str) -> Vec<Locator> {
        let needle = squash(needle);
        if needle.is_empty() {
            return Vec::new();
        }
        let mut out = Vec::new();
        for (p, page) in self.pages.iter().enumerate() {
            for drop_hyphen in [false, true] {
                let (flat, starts) = flatten(page, drop_hyphen);
                let mut from = 0;
                while let Some(at) = flat[from..].find(&needle) {
                    let pos = from + at;
                    let line = starts.iter().rposition(|&s| s <= pos).map_or(1, |i| i + 1);
                    let here = Locator { page: p + 1, line };
                    if !out.contains(&here) {
                        out.push(here);
                    }
                    from = pos + needle.len().max(1);
                    while !flat.is_char_boundary(from) {
                        from += 1;
                    }
                }
            }
        }
        out.sort_by_key(|l| (l.page, l.line));
        out
    }

    /// Words in the whole text.
    pub fn words(&self) -> usize {
        self.pages
            .iter()
            .map(|p| p.split_whitespace().count())
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_pages_lines_and_finding_across_line_breaks() {
        let t = read("\u{feff}Title\r\n\r\n\r\nGrade 3 pneumonitis in\n2 of 39 patients\x0cPage two\x1b[31m red".as_bytes()).unwrap();
        assert_eq!(t.kind, Kind::Text);
        assert_eq!(
            t.pages[0],
            "Title\n\nGrade 3 pneumonitis in\n2 of 39 patients"
        );
        // Escape bytes do not survive.
        assert!(!t.pages[1].contains('\x1b'));
        assert_eq!(
            t.find("pneumonitis in 2 of 39"),
            [Locator { page: 1, line: 3 }]
        );
        assert_eq!(t.find("2 of 39"), [Locator { page: 1, line: 4 }]);
        assert_eq!(t.find("Page two")[0].page, 2);
        assert!(t.find("3 of 39").is_empty());
        let h = read(b"treated with radiother-\napy and T-\nDM1 together").unwrap();
        assert_eq!(
            h.find("radiotherapy and T-DM1"),
            [Locator { page: 1, line: 1 }]
        );
        assert_eq!(h.find("DM1 together"), [Locator { page: 1, line: 3 }]);
        let own = read(b"a dose-\nescalation trial").unwrap();
        assert_eq!(own.find("dose-escalation").len(), 1);
        assert_eq!(own.find("doseescalation").len(), 1);
        assert_eq!(read(&t.to_text().into_bytes()).unwrap().pages, t.pages);
        assert_eq!(t.page(2).map(|p| p.starts_with("Page two")), Some(true));
        assert_eq!(t.page(0), None);
    }

    #[test]
    fn bad_files_are_errors_not_crashes() {
        assert!(matches!(read(b""), Err(FullTextError::Empty)));
        assert!(matches!(read(b"ab\xffcd"), Err(FullTextError::NotText(2))));
        assert!(matches!(
            read(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer <<>>\n%%EOF"),
            Err(FullTextError::Pdf(_))
        ));
    }

    fn fixtures() -> Option<std::path::PathBuf> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/fixtures/fulltext");
        if dir.is_dir() {
            return Some(dir);
        }
        if std::env::var("CONCUR_REQUIRE_FIXTURES").as_deref() == Ok("1") {
            panic!("CONCUR_REQUIRE_FIXTURES=1 but {} is missing", dir.display());
        }
        eprintln!("notice: {} absent; skipping the PDF checks", dir.display());
        None
    }

    /// The words of an article's body in XML: the text of every element inside `root`
    /// (`body` in JATS, `bdy` in BioMed Central's own format).
    fn body_words(xml: &[u8], root: &[u8]) -> Vec<String> {
        use quick_xml::events::Event;
        let mut reader = quick_xml::Reader::from_reader(xml);
        let mut depth = 0usize;
        let mut text = String::new();
        let mut buf = Vec::new();
        loop {
            match reader.read_event_into(&mut buf).unwrap() {
                Event::Start(e) if e.name().as_ref() == root || depth > 0 => depth += 1,
                Event::End(_) if depth > 0 => depth -= 1,
                Event::Text(t) if depth > 0 => {
                    text.push_str(&t.decode().unwrap());
                    text.push(' ');
                }
                Event::Eof => break,
                _ => {}
            }
            buf.clear();
        }
        words(&text)
    }

    fn words(text: &str) -> Vec<String> {
        text.split(|c: char| !c.is_alphanumeric())
            .filter(|w| w.chars().count() >= 4 && w.chars().all(char::is_alphabetic))
            .map(str::to_lowercase)
            .collect()
    }

    #[test]
    fn pdf_text_agrees_with_the_articles_xml_and_keeps_its_pages() {
        let Some(dir) = fixtures() else { return };
        for (name, pages, xml, root) in [
            (
                "hindawi_PMC4709779_10.1155-2016-2527349",
                5,
                "jats.xml",
                &b"body"[..],
            ),
            (
                "hindawi_PMC4709619_10.1155-2016-8947505",
                9,
                "jats.xml",
                b"body",
            ),
            ("trials_10.1186-1745-6215-16-2", 7, "bmc.xml", b"bdy"),
        ] {
            let pdf = read(&std::fs::read(dir.join(format!("{name}.pdf"))).unwrap()).unwrap();
            assert_eq!(pdf.kind, Kind::Pdf);
            assert_eq!(pdf.pages.len(), pages, "{name}");
            let found: std::collections::HashSet<String> =
                words(&pdf.to_text()).into_iter().collect();
            let body = body_words(
                &std::fs::read(dir.join(format!("{name}.{xml}"))).unwrap(),
                root,
            );
            assert!(body.len() > 1000, "{name}: {} body words", body.len());
            let missing = body.iter().filter(|w| !found.contains(*w)).count();
            let share = 1.0 - missing as f64 / body.len() as f64;
            assert!(
                share > 0.95,
                "{name}: only {share:.3} of the body's words extracted"
            );
        }
        // Every fixture PDF has a text layer.
        for name in [
            "bmccancer_10.1186-s12885-016-2685-3.pdf",
            "jtmo_10.1186-1752-2897-4-1.pdf",
        ] {
            let t = read(&std::fs::read(dir.join(name)).unwrap()).unwrap();
            assert!(t.words() > 2000, "{name}: {} words", t.words());
        }
    }
}
