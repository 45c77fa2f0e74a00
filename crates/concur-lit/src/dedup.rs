//! Duplicate detection: normalised keys and clustering.
//!
//! Records are joined when they share an identifier (PMID, DOI normalised, PMC), and then when
//! their normalised titles are nearly the same, their years agree (or one is missing) and their
//! first authors agree (or one is missing). Pairs that look alike but should not be merged
//! silently (an erratum or a preprint and its article, two records with different PMIDs or DOIs)
//! are *flagged* for a person to decide, not joined.

use crate::record::Record;
use memchr::memmem::Finder;
use rustc_hash::FxHashMap;
use std::sync::LazyLock;

/// The normalised keys of one record that matching uses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Keys {
    /// PubMed id.
    pub pmid: Option<String>,
    /// DOI, lower-cased and without its resolver prefix.
    pub doi: Option<String>,
    /// PubMed Central id.
    pub pmc: Option<String>,
    /// Title reduced to lowercase ASCII words (see [`title_key`]).
    pub title: String,
    /// Publication year.
    pub year: Option<u16>,
    /// First author's family name, lowercase ASCII letters.
    pub first_author: Option<String>,
    /// What kind of version this is, when it is not the article itself.
    pub version: Option<Version>,
}

/// Versions that are flagged rather than merged with their article.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    /// A correction of another publication.
    Erratum,
    /// A preprint of a later publication.
    Preprint,
    /// A retraction notice.
    Retraction,
}

impl Version {
    /// Parses what [`Version::name`] writes.
    pub fn parse(name: &str) -> Option<Version> {
        [Version::Erratum, Version::Preprint, Version::Retraction]
            .into_iter()
            .find(|v| v.name() == name)
    }

    /// The name used in reasons and flags.
    pub fn name(self) -> &'static str {
        match self {
            Version::Erratum => "erratum",
            Version::Preprint => "preprint",
            Version::Retraction => "retraction",
        }
    }
}

impl Keys {
    /// The keys of a record.
    pub fn of(record: &Record) -> Keys {
        let doi = record.doi.as_deref().and_then(normalise_doi);
        let version = version_of(record, doi.as_deref());
        Keys {
            pmid: record
                .pmid
                .as_deref()
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(str::to_string),
            doi,
            pmc: record
                .pmc
                .as_deref()
                .map(|p| p.trim().to_ascii_uppercase())
                .filter(|p| !p.is_empty()),
            title: record.title.as_deref().map(title_key).unwrap_or_default(),
            year: record.year,
            first_author: record
                .authors
                .first()
                .map(|a| ascii_letters(&a.last))
                .filter(|a| !a.is_empty()),
            version,
        }
    }
}

/// A DOI in one spelling: lowercase, without resolver prefixes, `doi:` or trailing punctuation.
pub fn normalise_doi(doi: &str) -> Option<String> {
    let mut d = doi.trim().to_lowercase();
    for prefix in [
        "https://doi.org/",
        "http://doi.org/",
        "https://dx.doi.org/",
        "http://dx.doi.org/",
        "doi.org/",
        "doi:",
        "doi ",
    ] {
        if let Some(rest) = d.strip_prefix(prefix) {
            d = rest.trim().to_string();
        }
    }
    let d = d
        .trim_end_matches(['.', ',', ';', ' '])
        .replace("%2f", "/")
        .to_string();
    (d.starts_with("10.") && d.contains('/')).then_some(d)
}

/// A title reduced for matching: HTML/XML markup and entities removed, a translated title's
/// square brackets dropped, diacritics folded to ASCII, lowercase, punctuation to spaces; at
/// most [`MAX_TITLE_KEY`] bytes.
pub fn title_key(title: &str) -> String {
    let mut key = title_key_uncapped(title);
    let cut = capped(&key).len();
    key.truncate(cut);
    key
}

fn title_key_uncapped(title: &str) -> String {
    // Most titles are plain ASCII without markup or entities; for them the key is their letters
    // and digits alone (brackets and trailing dots are punctuation, dropped anyway).
    if title.is_ascii() && !title.bytes().any(|b| b == b'<' || b == b'&') {
        return alphanumeric_words(title);
    }
    title_key_in_full(title)
}

/// [`title_key`] with every step taken: mojibake, markup, entities, brackets, diacritics.
fn title_key_in_full(title: &str) -> String {
    let repaired = repair_mojibake(title);
    let title = repaired.as_deref().unwrap_or(title);
    let mut text = String::with_capacity(title.len());
    let mut in_tag = false;
    for c in title.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            _ if !in_tag => text.push(c),
            _ => {}
        }
    }
    // Titles here have markup, an entity or non-ASCII; only those with a `&` pay for the
    // replacements.
    if text.contains('&') {
        text = text
            .replace("&amp;", "&")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&#39;", "'");
    }
    let trimmed = text.trim().trim_end_matches('.').trim();
    // "[Radiotherapy and trastuzumab emtansine]." is how MEDLINE prints a translated title.
    let unbracketed = trimmed
        .strip_prefix('[')
        .and_then(|t| t.strip_suffix(']'))
        .unwrap_or(trimmed);
    let folded = if unbracketed.is_ascii() {
        std::borrow::Cow::Borrowed(unbracketed)
    } else {
        std::borrow::Cow::Owned(deunicode::deunicode(unbracketed))
    };
    alphanumeric_words(&folded)
}

/// The ASCII letters and digits of `text`, lowercase, each run of anything else made one space.
fn alphanumeric_words(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut key = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        while at < bytes.len() && !bytes[at].is_ascii_alphanumeric() {
            at += 1;
        }
        let start = at;
        while at < bytes.len() && bytes[at].is_ascii_alphanumeric() {
            at += 1;
        }
        if start < at {
            if !key.is_empty() {
                key.push(b' ');
            }
            key.extend_from_slice(&bytes[start..at]);
        }
    }
    key.make_ascii_lowercase();
    // Only ASCII letters, digits and spaces went in, so this is always valid UTF-8.
    String::from_utf8(key).unwrap_or_default()
}

/// Undoes the commonest text damage in exports: UTF-8 read as Windows-1252 and saved again
/// ("â€œSepsis Sixâ€\u{9d}" for "“Sepsis Six”"). Returns None when the text does not look damaged
/// or does not decode. Hand-written: no maintained crate does this one repair.
pub fn repair_mojibake(text: &str) -> Option<String> {
    if !text.contains(['â', 'Ã', 'Â']) {
        return None;
    }
    // Windows-1252's characters for bytes 0x80-0x9F (undefined bytes map to the C1 control).
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž',
        '\u{8f}', '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}',
        'ž', 'Ÿ',
    ];
    let mut bytes = Vec::with_capacity(text.len());
    for c in text.chars() {
        let code = c as u32;
        if code < 0x80 || (0xA0..=0xFF).contains(&code) {
            bytes.push(code as u8);
        } else if let Some(i) = HIGH.iter().position(|h| *h == c) {
            bytes.push(0x80 + i as u8);
        } else {
            return None;
        }
    }
    String::from_utf8(bytes).ok().filter(|fixed| fixed != text)
}

fn ascii_letters(text: &str) -> String {
    deunicode::deunicode(text)
        .chars()
        .filter(char::is_ascii_alphabetic)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Substring searchers built once: `str::contains` builds one per call, which showed in the
/// profile of an import (several per record).
static ERRATUM: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new("erratum"));
static RETRACTION_OF: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new("retraction of"));
/// Journal names of preprint servers, lowercase.
static PREPRINT_SERVERS: LazyLock<[Finder<'static>; 6]> = LazyLock::new(|| {
    [
        "biorxiv",
        "medrxiv",
        "arxiv",
        "research square",
        "ssrn",
        "preprints",
    ]
    .map(Finder::new)
});

/// Errata, retractions and preprints, from publication types, titles, journals and DOI prefixes
/// (`doi` normalised).
fn version_of(r: &Record, doi: Option<&str>) -> Option<Version> {
    let types = r
        .publication_types
        .iter()
        .map(|t| t.to_lowercase())
        .collect::<Vec<_>>();
    // Only the title's start is looked at: no need to lowercase the rest.
    let title: String = r
        .title
        .as_deref()
        .unwrap_or("")
        .trim()
        .chars()
        .take(16)
        .collect();
    let title = title.to_lowercase();
    if types.iter().any(|t| ERRATUM.find(t.as_bytes()).is_some())
        || ["erratum", "correction to", "corrigendum", "correction:"]
            .iter()
            .any(|p| title.starts_with(p))
    {
        return Some(Version::Erratum);
    }
    if types
        .iter()
        .any(|t| RETRACTION_OF.find(t.as_bytes()).is_some())
        || title.starts_with("retraction")
        || title.starts_with("retracted")
    {
        return Some(Version::Retraction);
    }
    let journal = r.journal.as_deref().unwrap_or("").to_lowercase();
    let doi = doi.unwrap_or_default();
    if types.iter().any(|t| t == "preprint")
        || PREPRINT_SERVERS
            .iter()
            .any(|j| j.find(journal.as_bytes()).is_some())
        || [
            "10.1101/",
            "10.21203/",
            "10.2139/",
            "10.20944/",
            "10.48550/",
        ]
        .iter()
        .any(|p| doi.starts_with(p))
    {
        return Some(Version::Preprint);
    }
    None
}

/// Why two records were joined or flagged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// The PubMed id.
    Pmid,
    /// The DOI.
    Doi,
    /// The PubMed Central id.
    Pmc,
    /// Nearly the same title, with agreeing year and first author.
    Title,
    /// A person said the two are one publication.
    Person,
}

impl Reason {
    /// The name used in reasons and flags.
    pub fn name(self) -> &'static str {
        match self {
            Reason::Pmid => "same PMID",
            Reason::Doi => "same DOI",
            Reason::Pmc => "same PMC id",
            Reason::Title => "same title, year and first author",
            Reason::Person => "a person's decision",
        }
    }
}

/// Settings of the matcher.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// Title similarity (normalised Levenshtein on the keys) at or above which titles match.
    pub title_similarity: f64,
    /// Titles shorter than this many characters only match exactly.
    pub min_title_len: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            title_similarity: 0.95,
            min_title_len: 20,
        }
    }
}

/// A group of records found to be one publication.
#[derive(Debug, Clone, PartialEq)]
pub struct Cluster {
    /// Indexes into the input, the primary first.
    pub members: Vec<usize>,
    /// For each member after the first: what joined it to the cluster.
    pub reasons: Vec<Reason>,
}

/// A pair that looks like one publication but is left for a person to decide.
#[derive(Debug, Clone, PartialEq)]
pub struct Flag {
    /// One record (index into the records given).
    pub a: usize,
    /// The other record.
    pub b: usize,
    /// Why they look alike and why they were not joined.
    pub why: String,
}

/// What [`find`] returns.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Found {
    /// Clusters of two or more records.
    pub clusters: Vec<Cluster>,
    /// Pairs flagged for review, not joined.
    pub flagged: Vec<Flag>,
}

struct UnionFind {
    parent: Vec<usize>,
}

impl UnionFind {
    fn root(&mut self, mut i: usize) -> usize {
        while self.parent[i] != i {
            self.parent[i] = self.parent[self.parent[i]];
            i = self.parent[i];
        }
        i
    }
    fn join(&mut self, a: usize, b: usize) -> bool {
        let (ra, rb) = (self.root(a), self.root(b));
        if ra == rb {
            return false;
        }
        self.parent[ra.max(rb)] = ra.min(rb);
        true
    }
}

/// Whether two records' identifiers say they are different publications.
fn ids_conflict(a: &Keys, b: &Keys) -> Option<&'static str> {
    match (&a.pmid, &b.pmid) {
        (Some(x), Some(y)) if x != y => return Some("different PMIDs"),
        _ => {}
    }
    match (&a.doi, &b.doi) {
        (Some(x), Some(y)) if x != y => Some("different DOIs"),
        _ => None,
    }
}

/// A person's decisions about pairs of records, by index into the keys given to [`find`].
#[derive(Debug, Clone, Copy, Default)]
pub struct Decisions<'d> {
    /// Pairs that are different publications: never joined directly.
    pub apart: &'d [(usize, usize)],
    /// Pairs that are one publication: always joined, whatever their identifiers, titles or
    /// versions say (the person has looked at a pair the matcher only flagged).
    pub together: &'d [(usize, usize)],
}

/// Finds duplicate clusters among `keys`, respecting a person's `decisions`. The primary of
/// each cluster is chosen by `rank` (highest first; ties go to the earlier record).
pub fn find(
    keys: &[Keys],
    settings: Settings,
    decisions: Decisions<'_>,
    rank: &dyn Fn(usize) -> i64,
) -> Found {
    let n = keys.len();
    let mut uf = UnionFind {
        parent: (0..n).collect(),
    };
    let apart: rustc_hash::FxHashSet<(usize, usize)> = decisions
        .apart
        .iter()
        .map(|&(a, b)| (a.min(b), a.max(b)))
        .collect();
    let is_apart = |a: usize, b: usize| apart.contains(&(a.min(b), a.max(b)));
    let mut joined_by: Vec<Option<Reason>> = vec![None; n];
    let mut flagged = Vec::new();
    // 0. A person's word that two records are one publication.
    for &(a, b) in decisions.together {
        if a != b && a < n && b < n && uf.join(a, b) {
            joined_by[a.max(b)].get_or_insert(Reason::Person);
        }
    }
    let mut link =
        |uf: &mut UnionFind, a: usize, b: usize, reason: Reason, flagged: &mut Vec<Flag>| {
            if is_apart(a, b) {
                return;
            }
            // A version (erratum, preprint) is never merged silently with an article.
            if keys[a].version != keys[b].version {
                let v = keys[a]
                    .version
                    .or(keys[b].version)
                    .map_or("", Version::name);
                flagged.push(Flag {
                    a: a.min(b),
                    b: a.max(b),
                    why: format!("{}; one is a {v}", reason.name()),
                });
                return;
            }
            if uf.join(a, b) {
                let later = a.max(b);
                joined_by[later].get_or_insert(reason);
            }
        };
    // 1. Identifiers.
    for (reason, get) in [
        (
            Reason::Pmid,
            (|k: &Keys| k.pmid.clone()) as fn(&Keys) -> Option<String>,
        ),
        (Reason::Doi, |k: &Keys| k.doi.clone()),
        (Reason::Pmc, |k: &Keys| k.pmc.clone()),
    ] {
        let mut first: FxHashMap<String, usize> = FxHashMap::default();
        for (i, k) in keys.iter().enumerate() {
            if let Some(id) = get(k) {
                match first.get(&id) {
                    Some(&j) => {
                        match ids_conflict(&keys[j], k).filter(|_| reason != Reason::Pmid) {
                            Some(conflict) if !is_apart(j, i) => flagged.push(Flag {
                                a: j,
                                b: i,
                                why: format!("{}, but {conflict}", reason.name()),
                            }),
                            Some(_) => {}
                            None => link(&mut uf, j, i, reason, &mut flagged),
                        }
                    }
                    None => {
                        first.insert(id, i);
                    }
                }
            }
        }
    }
    // 2. Titles: candidates share the first or the last 12 characters of the title key (so an
    // edit at either end still meets), then the similarity, year and author are checked.
    let head = |i: usize| {
        let t = keys[i].title.as_str();
        &t[..t.len().min(12)]
    };
    let mut blocks: FxHashMap<(u8, &str), Vec<usize>> = FxHashMap::default();
    for (i, k) in keys.iter().enumerate() {
        if k.title.is_empty() {
            continue;
        }
        let t = k.title.as_str();
        blocks.entry((0, head(i))).or_default().push(i);
        blocks
            .entry((1, &t[t.len().saturating_sub(12)..]))
            .or_default()
            .push(i);
    }
    // A huge block is a common opening ("the effect of"): the other end still blocks it.
    const LARGEST_BLOCK: usize = 500;
    // A pair that shares both ends meets in its head block and again in its tail block; it is
    // compared in the first only, which costs far less than keeping a set of every pair compared.
    let compared_by_head: rustc_hash::FxHashSet<&str> = blocks
        .iter()
        .filter(|((end, _), members)| *end == 0 && members.len() <= LARGEST_BLOCK)
        .map(|((_, text), _)| *text)
        .collect();
    let mut block_list: Vec<_> = blocks.into_iter().collect();
    block_list.sort_by(|a, b| a.0.cmp(&b.0));
    // Whether a pair of matching titles is one publication: years within one, the same first
    // author (where known), and no identifier that says otherwise (then it is flagged).
    let mut consider = |uf: &mut UnionFind, a: usize, b: usize, flagged: &mut Vec<Flag>| {
        let (ka, kb) = (&keys[a], &keys[b]);
        if !titles_match(&ka.title, &kb.title, settings) {
            return;
        }
        let years = match (ka.year, kb.year) {
            (Some(x), Some(y)) => x.abs_diff(y) <= 1,
            _ => true,
        };
        let authors = match (&ka.first_author, &kb.first_author) {
            (Some(x), Some(y)) => x == y,
            _ => true,
        };
        if !years || !authors {
            return;
        }
        if let Some(conflict) = ids_conflict(ka, kb) {
            if !is_apart(a, b) && uf.root(a) != uf.root(b) {
                flagged.push(Flag {
                    a,
                    b,
                    why: format!("{}, but {conflict}", Reason::Title.name()),
                });
            }
            return;
        }
        link(uf, a, b, Reason::Title, flagged);
    };
    for ((end, _), members) in block_list {
        if members.len() > LARGEST_BLOCK {
            continue;
        }
        for (x, &a) in members.iter().enumerate() {
            for &b in &members[x + 1..] {
                if end == 1 && head(a) == head(b) && compared_by_head.contains(head(a)) {
                    continue;
                }
                consider(&mut uf, a, b, &mut flagged);
            }
        }
    }
    // Identical title keys always meet, however crowded both their ends are: within a group of
    // one key, records in order of first author and year are compared with their neighbour
    // (linear in the group, which can be large for titles such as "Editorial").
    let mut same: FxHashMap<&str, Vec<usize>> = FxHashMap::default();
    for (i, k) in keys.iter().enumerate() {
        if !k.title.is_empty() {
            same.entry(k.title.as_str()).or_default().push(i);
        }
    }
    let mut groups_of_one_title: Vec<Vec<usize>> =
        same.into_values().filter(|m| m.len() > 1).collect();
    groups_of_one_title.sort();
    for mut members in groups_of_one_title {
        members.sort_by(|&a, &b| {
            (&keys[a].first_author, keys[a].year, a).cmp(&(&keys[b].first_author, keys[b].year, b))
        });
        for pair in members.windows(2) {
            if uf.root(pair[0]) != uf.root(pair[1]) {
                consider(&mut uf, pair[0], pair[1], &mut flagged);
            }
        }
    }
    // Collect clusters, primary first.
    let mut groups: FxHashMap<usize, Vec<usize>> = FxHashMap::default();
    for i in 0..n {
        let r = uf.root(i);
        groups.entry(r).or_default().push(i);
    }
    let mut clusters: Vec<Cluster> = groups
        .into_values()
        .filter(|m| m.len() > 1)
        .map(|mut members| {
            members.sort_by_key(|&i| (std::cmp::Reverse(rank(i)), i));
            let reasons = members[1..]
                .iter()
                .map(|&i| joined_by[i].unwrap_or(Reason::Title))
                .collect();
            Cluster { members, reasons }
        })
        .collect();
    clusters.sort_by_key(|c| c.members.iter().copied().min());
    flagged.sort_by_key(|f| (f.a, f.b));
    flagged.dedup_by_key(|f| (f.a, f.b));
    // A flagged pair that ended up in one cluster through another path is not a question.
    flagged.retain(|f| uf.root(f.a) != uf.root(f.b));
    Found { clusters, flagged }
}

/// The longest title key compared, in bytes: real titles are far shorter, and the edit distance
/// costs the product of the two lengths, so a record with a title of many kilobytes would
/// otherwise hold up a whole run.
pub const MAX_TITLE_KEY: usize = 1000;

/// A title key cut at [`MAX_TITLE_KEY`] bytes (on a character boundary).
fn capped(key: &str) -> &str {
    if key.len() <= MAX_TITLE_KEY {
        return key;
    }
    let mut end = MAX_TITLE_KEY;
    while !key.is_char_boundary(end) {
        end -= 1;
    }
    &key[..end]
}

/// Whether two title keys are the same title (compared on their first [`MAX_TITLE_KEY`] bytes).
pub fn titles_match(a: &str, b: &str, settings: Settings) -> bool {
    let (a, b) = (capped(a), capped(b));
    if a == b {
        return !a.is_empty();
    }
    if a.len().min(b.len()) < settings.min_title_len {
        return false;
    }
    let longer = a.len().max(b.len()) as f64;
    if (a.len().abs_diff(b.len()) as f64) / longer > 1.0 - settings.title_similarity {
        return false;
    }
    // A different number ("part 1" / "part 2", "phase II" / "phase III") is another paper.
    let digits = |t: &str| {
        t.split(' ')
            .filter(|w| w.chars().any(|c| c.is_ascii_digit()) || is_number_word(w))
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    if digits(a) != digits(b) {
        return false;
    }
    strsim::normalized_levenshtein(a, b) >= settings.title_similarity
}

/// Roman numerals and number words: a title that differs only in one of them is another paper
/// ("thirteenth" / "sixteenth rheumatism review").
fn is_number_word(word: &str) -> bool {
    const NUMBER_WORDS: [&str; 40] = [
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "first",
        "second",
        "third",
        "fourth",
        "fifth",
        "sixth",
        "seventh",
        "eighth",
        "ninth",
        "tenth",
        "eleventh",
        "twelfth",
        "thirteenth",
        "fourteenth",
        "fifteenth",
        "sixteenth",
        "seventeenth",
        "eighteenth",
        "nineteenth",
        "twentieth",
        "i",
        "ii",
        "iii",
        "iv",
        "vi",
        "vii",
        "viii",
        "ix",
    ];
    NUMBER_WORDS.contains(&word)
}

/// Precision and recall of found clusters against labelled duplicate pairs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Accuracy {
    /// Pairs that are duplicates by the labels.
    pub true_pairs: usize,
    /// Pairs the matcher joined.
    pub found_pairs: usize,
    /// Pairs joined that are duplicates by the labels.
    pub correct_pairs: usize,
}

impl Accuracy {
    /// Compares the pairs implied by `found` (every two members of a cluster) with `truth`
    /// (pairs of indexes that are the same publication; clusters of the truth are closed
    /// transitively first).
    pub fn measure(found: &Found, truth: &[(usize, usize)], n: usize) -> Accuracy {
        let mut uf = UnionFind {
            parent: (0..n).collect(),
        };
        for &(a, b) in truth {
            uf.join(a, b);
        }
        let mut groups: FxHashMap<usize, usize> = FxHashMap::default();
        for i in 0..n {
            *groups.entry(uf.root(i)).or_default() += 1;
        }
        let true_pairs = groups.values().map(|m| m * (m - 1) / 2).sum();
        let mut found_pairs = 0;
        let mut correct_pairs = 0;
        for c in &found.clusters {
            for (x, &a) in c.members.iter().enumerate() {
                for &b in &c.members[x + 1..] {
                    found_pairs += 1;
                    if uf.root(a) == uf.root(b) {
                        correct_pairs += 1;
                    }
                }
            }
        }
        Accuracy {
            true_pairs,
            found_pairs,
            correct_pairs,
        }
    }

    /// Share of joined pairs that are true duplicates (1 when none was joined).
    pub fn precision(&self) -> f64 {
        if self.found_pairs == 0 {
            1.0
        } else {
            self.correct_pairs as f64 / self.found_pairs as f64
        }
    }

    /// Share of true duplicate pairs that were joined (1 when there are none).
    pub fn recall(&self) -> f64 {
        if self.true_pairs == 0 {
            1.0
        } else {
            self.correct_pairs as f64 / self.true_pairs as f64
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Author;

    fn rec(title: &str, year: u16, author: &str) -> Record {
        Record {
            title: Some(title.into()),
            year: Some(year),
            authors: vec![Author {
                last: author.into(),
                ..Author::default()
            }],
            ..Record::default()
        }
    }

    /// The same article under two PMIDs: what the matcher flags for a person rather than joins.
    fn one_article_two_pmids() -> (Record, Record) {
        let mut a = rec(
            "Trastuzumab emtansine with radiotherapy: a cohort",
            2020,
            "Li",
        );
        a.pmid = Some("11".into());
        let mut b = a.clone();
        b.pmid = Some("12".into());
        (a, b)
    }

    proptest::proptest! {
        /// The shortcut for plain ASCII titles gives the key that every step would have given.
        #[test]
        fn plain_ascii_titles_take_the_shortcut_to_the_same_key(
            title in "[ -%'-;=?-~\t\n]{0,80}"
        ) {
            proptest::prop_assert_eq!(title_key(&title), title_key_in_full(&title));
        }
    }

    #[test]
    fn title_keys_fold_markup_case_diacritics_and_brackets() {
        assert_eq!(
            title_key("[Radiothérapie et <i>T-DM1</i> &amp; SRS]."),
            "radiotherapie et t dm1 srs"
        );
        assert_eq!(
            title_key("HER2-Positive  Breast Cancer."),
            "her2 positive breast cancer"
        );
    }

    #[test]
    fn mojibake_is_repaired_before_keying() {
        assert_eq!(
            repair_mojibake("implement â€œSepsis Sixâ€\u{9d}").as_deref(),
            Some("implement “Sepsis Six”")
        );
        assert_eq!(repair_mojibake("Radiothérapie"), None);
        assert_eq!(
            title_key("â€œSepsis Sixâ€\u{9d}"),
            title_key("\"Sepsis Six\"")
        );
    }

    #[test]
    fn very_long_titles_are_compared_on_their_beginning_in_bounded_time() {
        let long: String = (0..10_000).map(|i| format!("w{i} ")).collect();
        let key = title_key(&long);
        assert!(key.len() <= MAX_TITLE_KEY);
        let other = title_key(&format!("{long} and more"));
        // 50 KB titles compare as their first kilobyte: at once, and as the same title.
        assert!(titles_match(&key, &other, Settings::default()));
        assert!(titles_match(
            &long,
            &format!("{long}x"),
            Settings::default()
        ));
    }

    #[test]
    fn identical_titles_meet_even_when_both_ends_are_crowded() {
        // 600 titles share their first and last twelve characters, so their blocks are too big
        // to compare; each title appears twice, and every pair is still found.
        let mut records = Vec::new();
        for i in 0..600 {
            let title = format!("Radiosurgery cohort number {i} with metastases");
            records.push(rec(&title, 2020, "Stumpf"));
            records.push(rec(&format!("{}.", title.to_uppercase()), 2020, "Stumpf"));
        }
        let keys: Vec<Keys> = records.iter().map(Keys::of).collect();
        let found = find(&keys, Settings::default(), Decisions::default(), &|_| 0);
        assert_eq!(found.clusters.len(), 600);
    }

    #[test]
    fn dois_are_normalised() {
        assert_eq!(
            normalise_doi("https://doi.org/10.1016/J.IJROBP.2019.01.001.").as_deref(),
            Some("10.1016/j.ijrobp.2019.01.001")
        );
        assert_eq!(normalise_doi("not a doi"), None);
    }

    #[test]
    fn clusters_by_ids_and_titles_and_flags_versions() {
        let mut a = rec(
            "Radionecrosis after radiosurgery with T-DM1",
            2019,
            "Stumpf",
        );
        a.pmid = Some("1".into());
        let mut b = rec(
            "Radionecrosis after Radiosurgery with T‑DM1.",
            2019,
            "Stümpf",
        );
        b.doi = Some("10.1/x".into());
        let mut c = rec("Something else entirely, about bone", 2019, "Stumpf");
        c.doi = Some("doi:10.1/X".into());
        let mut d = rec(
            "Erratum: Radionecrosis after radiosurgery with T-DM1",
            2020,
            "Stumpf",
        );
        d.publication_types = vec!["Published Erratum".into()];
        let mut e = rec(
            "Radionecrosis after radiosurgery with T-DM1",
            2019,
            "Stumpf",
        );
        e.journal = Some("medRxiv".into());
        let part2 = rec(
            "Radionecrosis after radiosurgery with T-DM1, part 2",
            2019,
            "Stumpf",
        );
        let keys: Vec<Keys> = [&a, &b, &c, &d, &e, &part2]
            .iter()
            .map(|r| Keys::of(r))
            .collect();
        let found = find(&keys, Settings::default(), Decisions::default(), &|i| {
            -(i as i64)
        });
        assert_eq!(found.clusters.len(), 1);
        assert_eq!(found.clusters[0].members, [0, 1, 2]);
        assert_eq!(found.clusters[0].reasons, [Reason::Title, Reason::Doi]);
        assert!(found
            .flagged
            .iter()
            .any(|f| (f.a, f.b) == (0, 4) && f.why.contains("preprint")));
        // The erratum's title differs at the start; it is not joined either way.
        assert!(found.clusters[0].members.iter().all(|&m| m != 3 && m != 5));
        // A person's "not a duplicate" is respected.
        let apart = find(
            &keys,
            Settings::default(),
            Decisions {
                apart: &[(0, 1)],
                together: &[],
            },
            &|i| -(i as i64),
        );
        assert!(apart
            .clusters
            .iter()
            .all(|c| !(c.members.contains(&0) && c.members.contains(&1))));
    }

    #[test]
    fn different_pmids_are_flagged_not_joined() {
        let (a, b) = one_article_two_pmids();
        let keys = [Keys::of(&a), Keys::of(&b)];
        let found = find(&keys, Settings::default(), Decisions::default(), &|_| 0);
        assert!(found.clusters.is_empty());
        assert_eq!(found.flagged.len(), 1);
    }

    #[test]
    fn titles_meet_by_either_end_even_when_one_end_is_crowded() {
        // 600 titles open alike: their head block is too large to compare and is passed over.
        let mut records: Vec<Record> = (0..600)
            .map(|i| {
                rec(
                    &format!("Radiotherapy and trastuzumab emtansine: cohort number {i}"),
                    2020,
                    &format!("Author{i}"),
                )
            })
            .collect();
        // 600: a copy of 7, found by the end of its title alone.
        records.push(records[7].clone());
        // 601 and 602 differ at the start, 603 and 604 at the end.
        records.push(rec(
            "Xadionecrosis after radiosurgery with T-DM1 in 40 women",
            2019,
            "B",
        ));
        records.push(rec(
            "Radionecrosis after radiosurgery with T-DM1 in 40 women",
            2019,
            "B",
        ));
        records.push(rec(
            "Radionecrosis after radiosurgery with T-DM1 in 40 womex",
            2019,
            "C",
        ));
        records.push(rec(
            "Radionecrosis after radiosurgery with T-DM1 in 40 women",
            2019,
            "C",
        ));
        let keys: Vec<Keys> = records.iter().map(Keys::of).collect();
        let found = find(&keys, Settings::default(), Decisions::default(), &|_| 0);
        let members: Vec<&[usize]> = found.clusters.iter().map(|c| &c.members[..]).collect();
        assert_eq!(members, [&[7, 600][..], &[601, 602], &[603, 604]]);
    }

    #[test]
    fn a_persons_decision_joins_what_the_matcher_only_flagged() {
        let (a, b) = one_article_two_pmids();
        let mut erratum = a.clone();
        erratum.pmid = None;
        erratum.publication_types = vec!["Published Erratum".into()];
        let keys = [Keys::of(&a), Keys::of(&b), Keys::of(&erratum)];
        let alone = find(&keys, Settings::default(), Decisions::default(), &|_| 0);
        assert!(alone.clusters.is_empty());
        assert_eq!(alone.flagged.len(), 3, "{:?}", alone.flagged);
        let decided = Decisions {
            apart: &[],
            together: &[(1, 0), (0, 2)],
        };
        let found = find(&keys, Settings::default(), decided, &|_| 0);
        assert_eq!(found.clusters.len(), 1);
        assert_eq!(found.clusters[0].members, [0, 1, 2]);
        assert_eq!(found.clusters[0].reasons, [Reason::Person, Reason::Person]);
        assert!(found.flagged.is_empty(), "{:?}", found.flagged);
        // "Different": a shared DOI with different PMIDs is no longer a question either.
        let (mut c, mut d) = (a.clone(), b.clone());
        c.doi = Some("10.1/x".into());
        d.doi = Some("10.1/x".into());
        d.title = Some("Another title altogether, on bone metastases".into());
        let keys = [Keys::of(&c), Keys::of(&d)];
        let flagged = find(&keys, Settings::default(), Decisions::default(), &|_| 0).flagged;
        assert_eq!(flagged.len(), 1, "{flagged:?}");
        let decided = Decisions {
            apart: &[(1, 0)],
            together: &[],
        };
        assert!(find(&keys, Settings::default(), decided, &|_| 0)
            .flagged
            .is_empty());
    }

    #[test]
    fn accuracy_counts_pairs() {
        let found = Found {
            clusters: vec![Cluster {
                members: vec![0, 1, 2],
                reasons: vec![Reason::Title, Reason::Title],
            }],
            flagged: vec![],
        };
        let acc = Accuracy::measure(&found, &[(0, 1), (3, 4)], 5);
        assert_eq!(
            (acc.true_pairs, acc.found_pairs, acc.correct_pairs),
            (2, 3, 1)
        );
    }
}
