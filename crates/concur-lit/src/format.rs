//! The input formats and how each is recognised from the first bytes of a file.

use crate::tagged;

/// Input formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// PubMed XML (`PubmedArticleSet`), plain or gzip.
    PubmedXml,
    /// MEDLINE / nbib tagged text (`PMID- `).
    Medline,
    /// RIS (`TY  - `).
    Ris,
    /// Web of Science plain text (`PT `).
    WebOfScience,
    /// Ovid MEDLINE export (`<1. >`).
    Ovid,
    /// Comma-separated values with a header row.
    Csv,
    /// Tab-separated values with a header row.
    Tsv,
    /// JSON Lines as concur writes it: one record object per line.
    Jsonl,
}

impl Format {
    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Format::PubmedXml => "pubmed-xml",
            Format::Medline => "medline",
            Format::Ris => "ris",
            Format::WebOfScience => "wos",
            Format::Ovid => "ovid",
            Format::Csv => "csv",
            Format::Tsv => "tsv",
            Format::Jsonl => "jsonl",
        }
    }

    /// Every format concur reads.
    pub const ALL: [Format; 8] = [
        Format::PubmedXml,
        Format::Medline,
        Format::Ris,
        Format::WebOfScience,
        Format::Ovid,
        Format::Csv,
        Format::Tsv,
        Format::Jsonl,
    ];

    /// Parses a command-line name.
    pub fn parse(text: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| {
            f.name() == text.to_ascii_lowercase()
                || (text.eq_ignore_ascii_case("nbib") && *f == Format::Medline)
                || (text.eq_ignore_ascii_case("xml") && *f == Format::PubmedXml)
        })
    }
}

/// Guesses the format from the first bytes of the (decompressed) content.
pub fn detect(head: &[u8]) -> Option<Format> {
    let text = String::from_utf8_lossy(head);
    let text = text.trim_start_matches('\u{feff}');
    let body = text.trim_start();
    if body.starts_with('{') {
        return Some(Format::Jsonl);
    }
    if body.starts_with('<')
        && (body.starts_with("<?xml")
            || body.contains("<PubmedArticle")
            || body.contains("<MedlineCitation")
            || body.contains("<!DOCTYPE"))
    {
        return Some(Format::PubmedXml);
    }
    let lines: Vec<&str> = text
        .lines()
        .map(|l| l.trim_end_matches('\r'))
        .filter(|l| !l.trim().is_empty())
        .take(40)
        .collect();
    let first = lines.first().copied().unwrap_or("");
    if lines.iter().any(|l| l.starts_with("PMID- ")) {
        return Some(Format::Medline);
    }
    if lines.iter().any(|l| l.starts_with("TY  -")) {
        return Some(Format::Ris);
    }
    if first.starts_with("FN ")
        || lines
            .iter()
            .any(|l| l.starts_with("PT J") || l.starts_with("PT B"))
    {
        return Some(Format::WebOfScience);
    }
    if lines.iter().any(|l| tagged::is_ovid_start(l)) {
        return Some(Format::Ovid);
    }
    if first.contains('\t') {
        return Some(Format::Tsv);
    }
    if first.contains(',') {
        return Some(Format::Csv);
    }
    None
}
