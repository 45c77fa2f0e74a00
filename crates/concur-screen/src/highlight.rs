//! Where the eligibility's and the search strategy's words occur in a record's text, so that a
//! screener can colour them: words that suggest a relevant record in one colour, words that
//! suggest an irrelevant one in another.

use serde::Serialize;

/// What a highlighted word suggests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mark {
    /// A sign of a relevant record.
    Include,
    /// A sign of an irrelevant one.
    Exclude,
}

/// A highlighted stretch of text: byte offsets and what it suggests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
    /// What it suggests.
    pub mark: Mark,
}

/// The stretches of `text` where a term occurs as whole words (ASCII case ignored), in order and
/// not overlapping (the longer term wins where two start together; an exclude term wins a tie).
pub fn highlight(text: &str, include: &[String], exclude: &[String]) -> Vec<Span> {
    // ASCII lowering keeps every byte offset, so spans index the original text.
    let lower = text.to_ascii_lowercase();
    let bytes = lower.as_bytes();
    let is_word = |b: u8| b.is_ascii_alphanumeric() || b >= 0x80;
    let mut found: Vec<Span> = Vec::new();
    let terms = exclude
        .iter()
        .map(|t| (t, Mark::Exclude))
        .chain(include.iter().map(|t| (t, Mark::Include)));
    for (term, mark) in terms {
        let t = term.trim().to_ascii_lowercase();
        if t.is_empty() {
            continue;
        }
        let mut from = 0;
        while let Some(at) = lower[from..].find(&t) {
            let start = from + at;
            let end = start + t.len();
            let before = start == 0 || !is_word(bytes[start - 1]);
            let after = end == bytes.len() || !is_word(bytes[end]);
            if before && after {
                found.push(Span { start, end, mark });
            }
            from = start + lower[start..].chars().next().map_or(1, char::len_utf8);
        }
    }
    found.sort_by(|a, b| a.start.cmp(&b.start).then(b.end.cmp(&a.end)));
    let mut out: Vec<Span> = Vec::new();
    for s in found {
        if out.last().is_none_or(|l| s.start >= l.end) {
            out.push(s);
        }
    }
    out
}

/// The distinct terms found, in the text's spelling, with what they suggest.
pub fn terms_found(text: &str, spans: &[Span]) -> Vec<(String, Mark)> {
    let mut out: Vec<(String, Mark)> = Vec::new();
    for s in spans {
        let word = text[s.start..s.end].to_string();
        if !out
            .iter()
            .any(|(w, m)| w.eq_ignore_ascii_case(&word) && *m == s.mark)
        {
            out.push((word, s.mark));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_words_longest_first_and_case_ignored() {
        let text = "T-DM1 with Radiotherapy; not radiotherapyX. Mice received T-DM1.";
        let spans = highlight(
            text,
            &["radiotherapy".into(), "T-DM1".into(), "T-DM1 with".into()],
            &["mice".into()],
        );
        let words: Vec<(&str, Mark)> = spans
            .iter()
            .map(|s| (&text[s.start..s.end], s.mark))
            .collect();
        assert_eq!(
            words,
            [
                ("T-DM1 with", Mark::Include),
                ("Radiotherapy", Mark::Include),
                ("Mice", Mark::Exclude),
                ("T-DM1", Mark::Include),
            ]
        );
        assert_eq!(terms_found(text, &spans).len(), 4);
        // Non-ASCII text keeps its offsets.
        let s = highlight("Ödem nach Radiotherapie", &["ödem".into()], &[]);
        assert!(s.is_empty());
        let s = highlight("œdème radiotherapy", &["radiotherapy".into()], &[]);
        assert_eq!(&"œdème radiotherapy"[s[0].start..s[0].end], "radiotherapy");
    }
}
