//! Realistic synthetic records for the search benchmark, seeded from the real fixture records.
//!
//! Each generated record takes a real record as its template (its number of title words, its
//! abstract's sections and their lengths, its MeSH headings, publication types, languages,
//! journal and its number of authors) and fills it with new text: titles and abstracts are
//! walked from a word-bigram chain trained on every fixture title and abstract, so words and
//! phrases keep their real frequencies ("breast cancer", "trastuzumab emtansine"), with a
//! long tail of rare gene- and drug-like words as real indexes have; authors and affiliations
//! are drawn from the fixtures' pools; publication dates grow towards the present as PubMed
//! does. The same seed gives the same records, so both engines index exactly the same text.

use concur_lit::{read_file, Author, Item, ReadOptions, Record, Section};
use std::collections::HashMap;
use std::path::Path;

/// Marks the end of one text in the chain's stream.
const END: u32 = u32::MAX;

/// The fixture records and the text model drawn from them.
pub struct Model {
    templates: Vec<Record>,
    words: Vec<String>,
    stream: Vec<u32>,
    /// Where each word occurs in `stream`: the next word is drawn from what follows one of them.
    at: Vec<Vec<u32>>,
    starts: Vec<u32>,
    last_names: Vec<String>,
    first_names: Vec<String>,
    affiliations: Vec<String>,
}

impl Model {
    /// Reads the fixture records: those from PubMed, MEDLINE and RIS files are the templates,
    /// and their text with the biomedical screening sets' titles and abstracts trains the chain.
    pub fn from_fixtures(root: &Path) -> Result<Model, Box<dyn std::error::Error>> {
        let mut m = Model {
            templates: Vec::new(),
            words: Vec::new(),
            stream: Vec::new(),
            at: Vec::new(),
            starts: Vec::new(),
            last_names: Vec::new(),
            first_names: Vec::new(),
            affiliations: Vec::new(),
        };
        let mut ids = HashMap::new();
        for sub in ["pubmed", "medline", "ris", "screening"] {
            let mut files = Vec::new();
            collect(&root.join(sub), &mut files)?;
            // Not biomedical text, and a made-up record with thousands of authors.
            files.retain(|p| {
                let p = p.to_string_lossy();
                !p.contains("Radjenovic") && !p.contains("many_authors")
            });
            files.sort();
            for f in &files {
                read_file(f, &ReadOptions::default(), &mut |item| {
                    if let Item::Record(r) = item {
                        for text in r
                            .title
                            .iter()
                            .chain(r.abstract_sections.iter().map(|s| &s.text))
                        {
                            m.learn(text, &mut ids);
                        }
                        if sub != "screening" && r.title.is_some() && !r.authors.is_empty() {
                            for a in &r.authors {
                                if !a.collective && !a.last.is_empty() {
                                    m.last_names.push(a.last.clone());
                                    m.first_names.extend(a.first.clone());
                                }
                                m.affiliations.extend(a.affiliations.iter().cloned());
                            }
                            m.templates.push(*r);
                        }
                    }
                })?;
            }
        }
        if m.templates.is_empty() || m.words.is_empty() || m.last_names.is_empty() {
            return Err(format!("no usable records under {}", root.display()).into());
        }
        Ok(m)
    }

    fn learn(&mut self, text: &str, ids: &mut HashMap<String, u32>) {
        let mut first = true;
        for w in text.split_whitespace() {
            let id = *ids.entry(w.to_string()).or_insert_with(|| {
                self.words.push(w.to_string());
                self.at.push(Vec::new());
                (self.words.len() - 1) as u32
            });
            if first {
                self.starts.push(self.stream.len() as u32);
                first = false;
            }
            self.at[id as usize].push(self.stream.len() as u32);
            self.stream.push(id);
        }
        self.stream.push(END);
    }

    /// How many fixture records serve as templates.
    pub fn templates(&self) -> usize {
        self.templates.len()
    }

    /// The records of `seed`, one after another.
    pub fn records(&self, seed: u64) -> Records<'_> {
        Records {
            m: self,
            rng: fastrand::Rng::with_seed(seed),
            n: 0,
        }
    }
}

fn collect(dir: &Path, out: &mut Vec<std::path::PathBuf>) -> std::io::Result<()> {
    for e in std::fs::read_dir(dir)? {
        let p = e?.path();
        if p.is_dir() {
            collect(&p, out)?;
        } else if p
            .extension()
            .is_some_and(|x| ["xml", "nbib", "ris", "csv"].contains(&&*x.to_string_lossy()))
        {
            out.push(p);
        }
    }
    Ok(())
}

/// An endless run of generated records with their publication day (`yyyymmdd`).
pub struct Records<'m> {
    m: &'m Model,
    rng: fastrand::Rng,
    n: u64,
}

impl Records<'_> {
    fn text(&mut self, words: usize) -> String {
        let m = self.m;
        let mut out = String::new();
        let mut pos = m.starts[self.rng.usize(..m.starts.len())] as usize;
        for i in 0..words.max(1) {
            if i > 0 {
                out.push(' ');
            }
            // One word in forty is a rare one (a gene, a compound, a trial acronym), so the
            // vocabulary has a long tail as PubMed's has.
            if self.rng.u32(..40) == 0 {
                let letters = self.rng.usize(2..5);
                for _ in 0..letters {
                    out.push(self.rng.uppercase());
                }
                out.push_str(&self.rng.u32(1..2000).to_string());
            } else {
                out.push_str(&m.words[m.stream[pos] as usize]);
            }
            let next = pos + 1;
            pos = if next < m.stream.len() && m.stream[next] != END {
                // Continue from another place where this word occurs.
                let places = &m.at[m.stream[next] as usize];
                places[self.rng.usize(..places.len())] as usize
            } else {
                m.starts[self.rng.usize(..m.starts.len())] as usize
            };
        }
        out
    }
}

impl Iterator for Records<'_> {
    type Item = (Record, i64);

    fn next(&mut self) -> Option<(Record, i64)> {
        let m = self.m;
        let t = &m.templates[self.rng.usize(..m.templates.len())];
        self.n += 1;
        let title_words = t
            .title
            .as_deref()
            .map_or(12, |s| s.split_whitespace().count());
        let mut r = Record {
            title: Some(self.text(title_words)),
            pmid: Some(self.n.to_string()),
            doi: Some(format!("10.5555/bench.{}", self.n)),
            ..Record::default()
        };
        for s in &t.abstract_sections {
            let words = s.text.split_whitespace().count();
            r.abstract_sections.push(Section {
                label: s.label.clone(),
                text: self.text(words),
            });
        }
        // The template's affiliations, each replaced by one drawn from the pool, so that a
        // record repeats an affiliation as often as its template does.
        let mut places: HashMap<&str, String> = HashMap::new();
        for a in &t.authors {
            let i = self.rng.usize(..m.last_names.len());
            r.authors.push(Author {
                last: m.last_names[i].clone(),
                first: (!m.first_names.is_empty())
                    .then(|| m.first_names[self.rng.usize(..m.first_names.len())].clone()),
                collective: false,
                affiliations: a
                    .affiliations
                    .iter()
                    .map(|x| {
                        places
                            .entry(x)
                            .or_insert_with(|| {
                                m.affiliations[self.rng.usize(..m.affiliations.len())].clone()
                            })
                            .clone()
                    })
                    .collect(),
            });
        }
        // PubMed grows by a few per cent a year: most records are recent.
        let back = (-(self.rng.f64().max(1e-12)).ln() * 14.0) as i64;
        let year = (2026 - back).max(1950);
        let (month, day) = (self.rng.i64(1..13), self.rng.i64(1..29));
        r.year = Some(year as u16);
        r.date = Some(format!("{year}/{month:02}/{day:02}"));
        r.journal = t.journal.clone();
        r.journal_abbrev = t.journal_abbrev.clone();
        r.languages = if t.languages.is_empty() {
            vec!["eng".to_string()]
        } else {
            t.languages.clone()
        };
        r.publication_types = t.publication_types.clone();
        r.mesh = t.mesh.clone();
        r.keywords = t.keywords.clone();
        Some((r, year * 10000 + month * 100 + day))
    }
}
