//! How text becomes index terms, the same way for records and for queries.
//!
//! Words are runs of letters and digits, lower-cased with diacritics folded. Spelling variants
//! that differ by a hyphen or a space are one term: beside `t` and `dm1`, "T-DM1" and "T DM1"
//! also index `tdm1`, which is how "TDM1" is written, so any of the three finds the others.
//! Words joined by a hyphen are always also indexed joined (`re-irradiation`, `reirradiation`);
//! words joined by a space only when one of them has a digit and both are short (`HER 2`),
//! since joining every pair of words would make "in patients" match "inpatients". Nothing is
//! stemmed: PubMed does not stem, and `radiotherap*` says what a reviewer means.

use tantivy::tokenizer::{
    AsciiFoldingFilter, LowerCaser, TextAnalyzer, Token, TokenStream, Tokenizer,
};

/// The longest word a space may join to a word with a digit (`HER 2`, `T DM1`).
const SPACE_JOIN_MAX: usize = 4;

/// The analyzer's name in the index.
pub const WORDS: &str = "concur_words";

/// The text analyzer for record text and text queries.
pub fn words() -> TextAnalyzer {
    TextAnalyzer::builder(WordTokenizer::default())
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

/// Splits text into words and adds the joined forms of hyphen- and space-separated variants.
#[derive(Clone, Default)]
pub struct WordTokenizer {
    tokens: Vec<Token>,
}

/// The words of one text, handed out in order.
pub struct WordStream<'a> {
    tokens: &'a mut Vec<Token>,
    next: usize,
}

impl Tokenizer for WordTokenizer {
    type TokenStream<'a> = WordStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> WordStream<'a> {
        split(text, &mut self.tokens);
        WordStream {
            tokens: &mut self.tokens,
            next: 0,
        }
    }
}

impl TokenStream for WordStream<'_> {
    fn advance(&mut self) -> bool {
        self.next += 1;
        self.next <= self.tokens.len()
    }

    fn token(&self) -> &Token {
        &self.tokens[self.next - 1]
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.next - 1]
    }
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric()
}

/// Fills `out` with the words of `text` and their joined variants. A joined form is given twice,
/// at the positions of its first and of its last word, so that phrases find it after the words
/// before it and before the words after it.
pub(crate) fn split(text: &str, out: &mut Vec<Token>) {
    out.clear();
    // (start, end) of each word, in bytes.
    let mut words: Vec<(usize, usize)> = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        match (is_word(c), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                words.push((s, i));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        words.push((s, text.len()));
    }
    let mut run_start = 0;
    for (k, &(s, e)) in words.iter().enumerate() {
        let position = k;
        push(out, text, s, e, position);
        let joined = k > 0 && joins(text, words[k - 1], (s, e));
        if !joined {
            run_start = k;
        }
        // Each time a run grows, its joined form so far (up to three words) is a term.
        if joined && k - run_start < 3 {
            let first = words[run_start];
            let mut text_joined = String::with_capacity(e - first.0);
            for &(ws, we) in &words[run_start..=k] {
                text_joined.push_str(&text[ws..we]);
            }
            let first_pos = position - (k - run_start);
            for p in [first_pos, position] {
                out.push(Token {
                    offset_from: first.0,
                    offset_to: e,
                    position: p,
                    text: text_joined.clone(),
                    position_length: 1,
                });
            }
        }
    }
    // Terms must reach the index in position order for each term; sorting by position keeps the
    // words' own order and puts the early copy of a joined form where it belongs.
    out.sort_by_key(|t| t.position);
}

fn push(out: &mut Vec<Token>, text: &str, s: usize, e: usize, position: usize) {
    out.push(Token {
        offset_from: s,
        offset_to: e,
        position,
        text: text[s..e].to_string(),
        position_length: 1,
    });
}

/// Whether two neighbouring words are a spelling variant of one word.
fn joins(text: &str, a: (usize, usize), b: (usize, usize)) -> bool {
    let gap = &text[a.1..b.0];
    match gap {
        "-" | "\u{2010}" | "\u{2011}" => true,
        " " => {
            let (wa, wb) = (&text[a.0..a.1], &text[b.0..b.1]);
            let digit = |w: &str| w.bytes().any(|b| b.is_ascii_digit());
            (digit(wa) || digit(wb))
                && wa.chars().count() <= SPACE_JOIN_MAX
                && wb.chars().count() <= SPACE_JOIN_MAX
        }
        _ => false,
    }
}

/// The analysed words of a query term: the words in order, and the whole term written joined
/// when its words are one spelling variant (`T-DM1` gives `t`, `dm1` and `tdm1`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Analysed {
    /// The words, one per position.
    pub words: Vec<String>,
    /// The words with each joined run written as one word, when any run was joined.
    pub joined: Option<Vec<String>>,
}

/// Analyses a query's words the way record text is analysed.
pub fn analyse(analyzer: &mut TextAnalyzer, text: &str) -> Analysed {
    let mut stream = analyzer.token_stream(text);
    let mut by_pos: Vec<Vec<(String, usize, usize)>> = Vec::new();
    while stream.advance() {
        let t = stream.token();
        if by_pos.len() <= t.position {
            by_pos.resize(t.position + 1, Vec::new());
        }
        by_pos[t.position].push((t.text.clone(), t.offset_from, t.offset_to));
    }
    let words: Vec<String> = by_pos
        .iter()
        .filter_map(|p| p.first().map(|(t, _, _)| t.clone()))
        .collect();
    // A joined form spans more than one word; the longest one starting at a position replaces
    // the words it covers.
    let mut joined = Vec::new();
    let mut any = false;
    let mut p = 0;
    while p < by_pos.len() {
        let start = by_pos[p].first().map(|x| x.1).unwrap_or(0);
        let best = by_pos[p]
            .iter()
            .skip(1)
            .filter(|(_, s, _)| *s == start)
            .max_by_key(|(_, _, e)| *e);
        match best {
            Some((text, _, end)) => {
                any = true;
                joined.push(text.clone());
                // Skip the words the joined form covers.
                while p < by_pos.len() && by_pos[p].first().map(|x| x.2 <= *end).unwrap_or(false) {
                    p += 1;
                }
            }
            None => {
                if let Some((t, _, _)) = by_pos[p].first() {
                    joined.push(t.clone());
                }
                p += 1;
            }
        }
    }
    Analysed {
        words,
        joined: any.then_some(joined),
    }
}

/// Folds a whole value (a heading, a journal, an author) for the exact-value fields: lower case,
/// diacritics folded, spaces collapsed, a final full stop dropped.
pub fn fold_value(text: &str) -> String {
    let folded = deunicode::deunicode(text).to_lowercase();
    let mut out = String::with_capacity(folded.len());
    for w in folded.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    }
    while out.ends_with('.') {
        out.pop();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(text: &str) -> Vec<(String, usize)> {
        let mut a = words();
        let mut s = a.token_stream(text);
        let mut out = Vec::new();
        while s.advance() {
            out.push((s.token().text.clone(), s.token().position));
        }
        out
    }

    #[test]
    fn hyphen_and_space_variants_share_a_joined_term() {
        let t = terms("T-DM1 and Ré-irradiation");
        assert!(
            t.contains(&("tdm1".into(), 0)) && t.contains(&("tdm1".into(), 1)),
            "{t:?}"
        );
        assert!(t.contains(&("reirradiation".into(), 3)), "{t:?}");
        assert!(terms("T DM1").iter().any(|(w, _)| w == "tdm1"));
        assert!(terms("HER 2 status").iter().any(|(w, _)| w == "her2"));
        // Long words joined by a space are two words only.
        assert!(!terms("in patients").iter().any(|(w, _)| w == "inpatients"));
        assert!(!terms("grade 3 events").iter().any(|(w, _)| w == "grade3"));
    }

    #[test]
    fn positions_never_go_back_for_a_term() {
        let t = terms("a-b-c-d e-f");
        let mut last = std::collections::HashMap::new();
        for (w, p) in t {
            if let Some(prev) = last.insert(w.clone(), p) {
                assert!(prev <= p, "{w}");
            }
        }
    }

    #[test]
    fn a_query_term_knows_its_joined_form() {
        let mut a = words();
        let q = analyse(&mut a, "T-DM1");
        assert_eq!(q.words, ["t", "dm1"]);
        assert_eq!(q.joined, Some(vec!["tdm1".to_string()]));
        let q = analyse(&mut a, "T-DM1 radiotherapy");
        assert_eq!(
            q.joined,
            Some(vec!["tdm1".to_string(), "radiotherapy".to_string()])
        );
        assert_eq!(analyse(&mut a, "breast cancer").joined, None);
    }

    #[test]
    fn values_fold_case_accents_and_spacing() {
        assert_eq!(fold_value("  Götze   R. "), "gotze r");
        assert_eq!(fold_value("Breast Neoplasms"), "breast neoplasms");
    }
}
