//! The full-text index of a workspace's records, kept in step with the database, and queries on
//! it.
//!
//! The index lives in the workspace folder. Its last commit carries the store's mark (see
//! `concur_store::Workspace::changes_since`): when the database has moved on (a command was
//! killed between changing records and updating the index, or an older concur changed them),
//! the next use sends the index what it missed before searching.

use crate::analyze::{analyse, fold_value, words, Analysed, WORDS};
use crate::error::SearchError;
use crate::field::Field as Tag;
use crate::mesh::Mesh;
use crate::query::{Node, Op, Term as QTerm};
use concur_lit::{Record, RecordSink};
use serde::Serialize;
use std::ops::Bound;
use std::path::Path;
use std::sync::Arc;
use tantivy::collector::{Count, DocSetCollector, TopDocs};
use tantivy::query::{
    AllQuery, BooleanQuery, EmptyQuery, Occur, PhrasePrefixQuery, PhraseQuery, Query, RangeQuery,
    TermQuery, TermSetQuery,
};
use tantivy::schema::{
    Field, IndexRecordOption, NumericOptions, Schema, TextFieldIndexing, TextOptions, Value,
};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{DocAddress, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

/// Changes to the schema or the analyzers bump this, and an index of another version is rebuilt.
const SCHEMA_VERSION: u32 = 1;

/// The writer's memory budget: large enough that a million records make few segments.
const WRITER_BUDGET: usize = 512 << 20;

/// How long a command waits for another command that is updating the index.
const LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(120);

#[derive(Clone, Copy)]
struct Fields {
    id: Field,
    primary: Field,
    ti: Field,
    ab: Field,
    ot: Field,
    mesh_t: Field,
    pt_t: Field,
    ad: Field,
    ta_t: Field,
    au_t: Field,
    au: Field,
    fau: Field,
    lau: Field,
    mh: Field,
    majr: Field,
    sh: Field,
    pt: Field,
    la: Field,
    ta: Field,
    pmid: Field,
    doi: Field,
    dp: Field,
    year: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(WORDS)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    let keyword = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer("raw")
            .set_index_option(IndexRecordOption::Basic),
    );
    let number = NumericOptions::default().set_indexed().set_fast();
    let fields = Fields {
        id: b.add_i64_field("id", number.clone().set_stored()),
        primary: b.add_u64_field("primary", number.clone()),
        ti: b.add_text_field("ti", text.clone().set_stored()),
        ab: b.add_text_field("ab", text.clone()),
        ot: b.add_text_field("ot", text.clone()),
        mesh_t: b.add_text_field("mesh_t", text.clone()),
        pt_t: b.add_text_field("pt_t", text.clone()),
        ad: b.add_text_field("ad", text.clone()),
        ta_t: b.add_text_field("ta_t", text.clone()),
        au_t: b.add_text_field("au_t", text),
        au: b.add_text_field("au", keyword.clone()),
        fau: b.add_text_field("fau", keyword.clone()),
        lau: b.add_text_field("lau", keyword.clone()),
        mh: b.add_text_field("mh", keyword.clone()),
        majr: b.add_text_field("majr", keyword.clone()),
        sh: b.add_text_field("sh", keyword.clone()),
        pt: b.add_text_field("pt", keyword.clone()),
        la: b.add_text_field("la", keyword.clone()),
        ta: b.add_text_field("ta", keyword.clone()),
        pmid: b.add_text_field("pmid", keyword.clone().set_stored()),
        doi: b.add_text_field("doi", keyword.set_stored()),
        dp: b.add_i64_field("dp", number),
        year: b.add_u64_field("year", NumericOptions::default().set_stored()),
    };
    (b.build(), fields)
}

/// How a search runs.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Include records marked as duplicates (by default only one record per publication).
    pub duplicates: bool,
    /// Also search untagged terms that are MeSH entry terms as their heading (`[mh]`), as
    /// PubMed's automatic term mapping would; needs a MeSH descriptor file.
    pub map_mesh: bool,
}

/// One record found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hit {
    /// 1 for the best match.
    pub rank: usize,
    /// The workspace record id.
    pub record: i64,
    /// The relevance score (BM25 over the words that matched).
    pub score: f32,
    /// PubMed id.
    pub pmid: Option<String>,
    /// DOI.
    pub doi: Option<String>,
    /// Title.
    pub title: Option<String>,
    /// Publication year.
    pub year: Option<u16>,
    /// Byte ranges of the title's words that the query matched.
    pub highlights: Vec<(usize, usize)>,
}

/// A node of the query with how many records it finds on its own.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Explained {
    /// The node as concur reads it.
    pub translation: String,
    /// Records it finds on its own.
    pub count: u64,
    /// What concur did with it beyond the words (MeSH explosion, entry-term mapping).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<Note>,
    /// Its operands, for an operator.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<Explained>,
}

/// Something concur did with a term that the words alone do not say.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Note {
    /// A MeSH heading searched with the headings below it.
    Exploded {
        /// The heading.
        heading: String,
        /// How many headings were searched, it included.
        headings: usize,
    },
    /// A MeSH heading not in the tree that was given (or no tree given): searched as written.
    NotExploded {
        /// The heading.
        heading: String,
    },
    /// An entry term searched as its heading.
    EntryTerm {
        /// The term as written.
        term: String,
        /// Its heading.
        heading: String,
    },
    /// An untagged term that is a MeSH entry term, which PubMed would also search as the
    /// heading; concur does so only when asked to map terms.
    MappingAvailable {
        /// The term as written.
        term: String,
        /// Its heading.
        heading: String,
    },
}

/// What a sync did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Synced {
    /// Records added or replaced.
    pub put: u64,
    /// Records removed.
    pub removed: u64,
    /// Whether the index was rebuilt from nothing.
    pub rebuilt: bool,
}

/// The search index of one workspace.
pub struct Index {
    index: tantivy::Index,
    reader: IndexReader,
    f: Fields,
    mesh: Option<Arc<Mesh>>,
}

impl Index {
    /// Opens the index in `dir`, creating it (empty) if missing, and rebuilding it empty if it
    /// was made by another schema version or cannot be read.
    pub fn open(dir: &Path) -> Result<Index, SearchError> {
        std::fs::create_dir_all(dir)?;
        let (schema, f) = schema();
        let index = match tantivy::Index::open_in_dir(dir) {
            Ok(index) if payload_version(&index) == Some(SCHEMA_VERSION) || is_empty(&index) => {
                index
            }
            Ok(_) | Err(_) if dir.join("meta.json").exists() => {
                // Another version's index, or a damaged one: start again; the store sends
                // everything, as the empty index has no mark.
                std::fs::remove_dir_all(dir)?;
                std::fs::create_dir_all(dir)?;
                tantivy::Index::create_in_dir(dir, schema)?
            }
            _ => tantivy::Index::create_in_dir(dir, schema)?,
        };
        Index::ready(index, f)
    }

    /// An index in memory (for tests and benchmarks).
    pub fn in_memory() -> Result<Index, SearchError> {
        let (schema, f) = schema();
        Index::ready(tantivy::Index::create_in_ram(schema), f)
    }

    /// The index with its analyzer registered and a reader that reloads when told to.
    fn ready(index: tantivy::Index, f: Fields) -> Result<Index, SearchError> {
        index.tokenizers().register(WORDS, words());
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(Index {
            index,
            reader,
            f,
            mesh: None,
        })
    }

    /// Uses this MeSH vocabulary for explosion and entry terms.
    pub fn with_mesh(mut self, mesh: Option<Arc<Mesh>>) -> Index {
        self.mesh = mesh;
        self
    }

    /// The store's mark as of the last commit.
    pub fn mark(&self) -> Option<String> {
        let payload = self.index.load_metas().ok()?.payload?;
        let (version, mark) = payload.split_once('|')?;
        (version.parse() == Ok(SCHEMA_VERSION)).then(|| mark.to_string())
    }

    /// Brings the index to the store's `current` mark: when its own mark differs, `feed` is
    /// asked for what changed since it (given the index's mark and a sink) and returns the mark
    /// to keep. `progress` is told (done, expected) as records arrive.
    pub fn sync<E>(
        &mut self,
        current: &str,
        feed: impl FnOnce(Option<&str>, &mut dyn RecordSink) -> Result<String, E>,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<Synced, SearchError>
    where
        E: std::error::Error + Send + Sync + 'static,
    {
        let mark = self.mark();
        if mark.as_deref() == Some(current) {
            return Ok(Synced::default());
        }
        let writer = self.writer()?;
        let mut up = Updater {
            index: self,
            writer,
            error: None,
            synced: Synced::default(),
            expected: 0,
            progress,
        };
        let new_mark =
            feed(mark.as_deref(), &mut up).map_err(|e| SearchError::Feed(Box::new(e)))?;
        let Updater {
            mut writer,
            error,
            synced,
            ..
        } = up;
        if let Some(e) = error {
            return Err(e.into());
        }
        let mut prepared = writer.prepare_commit()?;
        prepared.set_payload(&format!("{SCHEMA_VERSION}|{new_mark}"));
        prepared.commit()?;
        writer.wait_merging_threads()?;
        self.reader.reload()?;
        Ok(synced)
    }

    fn writer(&self) -> Result<IndexWriter, SearchError> {
        let threads = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
            .min(4);
        let started = std::time::Instant::now();
        loop {
            match self.index.writer_with_num_threads(threads, WRITER_BUDGET) {
                Ok(w) => return Ok(w),
                Err(tantivy::TantivyError::LockFailure(..)) if started.elapsed() < LOCK_WAIT => {
                    std::thread::sleep(std::time::Duration::from_millis(100));
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// How many records the index holds (duplicates included).
    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Whether the index holds no record.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn document(&self, id: i64, r: &Record, primary: bool) -> TantivyDocument {
        let f = &self.f;
        let mut d = TantivyDocument::new();
        d.add_i64(f.id, id);
        d.add_u64(f.primary, u64::from(primary));
        if let Some(t) = &r.title {
            d.add_text(f.ti, t);
        }
        for s in &r.abstract_sections {
            d.add_text(f.ab, &s.text);
        }
        for k in &r.keywords {
            d.add_text(f.ot, k);
        }
        for m in &r.mesh {
            let heading = fold_value(&m.descriptor);
            d.add_text(f.mesh_t, &m.descriptor);
            d.add_text(f.mh, &heading);
            if m.major {
                d.add_text(f.majr, &heading);
            }
            for (q, major) in &m.qualifiers {
                let q_folded = fold_value(q);
                d.add_text(f.mesh_t, q);
                d.add_text(f.sh, &q_folded);
                d.add_text(f.mh, format!("{heading}/{q_folded}"));
                if *major {
                    d.add_text(f.majr, &heading);
                    d.add_text(f.majr, format!("{heading}/{q_folded}"));
                }
            }
        }
        for p in &r.publication_types {
            d.add_text(f.pt_t, p);
            d.add_text(f.pt, fold_value(p));
        }
        for l in &r.languages {
            for v in languages(l) {
                d.add_text(f.la, v);
            }
        }
        let n = r.authors.len();
        let mut places: Vec<&str> = Vec::new();
        for (i, a) in r.authors.iter().enumerate() {
            let key = author_key(&a.last, a.first.as_deref(), a.collective);
            d.add_text(f.au_t, a.display());
            if !key.is_empty() {
                d.add_text(f.au, &key);
                if i == 0 {
                    d.add_text(f.fau, &key);
                }
                if i + 1 == n {
                    d.add_text(f.lau, &key);
                }
            }
            // Records often give every author the same affiliation: index each once.
            for aff in &a.affiliations {
                if !places.contains(&aff.as_str()) {
                    places.push(aff);
                    d.add_text(f.ad, aff);
                }
            }
        }
        for j in [&r.journal, &r.journal_abbrev].into_iter().flatten() {
            d.add_text(f.ta_t, j);
            d.add_text(f.ta, journal_key(j));
        }
        if let Some(p) = &r.pmid {
            d.add_text(f.pmid, p.trim());
        }
        if let Some(doi) = &r.doi {
            d.add_text(f.doi, doi.trim().to_lowercase());
        }
        if let Some(day) = record_day(r) {
            d.add_i64(f.dp, day);
        }
        if let Some(y) = r.year {
            d.add_u64(f.year, u64::from(y));
        }
        d
    }

    /// How many records a query finds.
    pub fn count(&self, node: &Node, options: Options) -> Result<u64, SearchError> {
        let q = self.top(node, options)?;
        Ok(q.count(&self.reader.searcher())? as u64)
    }

    /// The best `limit` records a query finds, and how many it finds in all.
    pub fn search(
        &self,
        node: &Node,
        limit: usize,
        options: Options,
    ) -> Result<(u64, Vec<Hit>), SearchError> {
        let q = self.top(node, options)?;
        let searcher = self.reader.searcher();
        // Counted apart from ranking: a count alone skips scoring (and reads a term's count
        // without visiting its records), and the best few alone can skip records that cannot
        // rank.
        let count = q.count(&searcher)?;
        let top = searcher.search(&q, &TopDocs::with_limit(limit.max(1)).order_by_score())?;
        let mut analyzer = words();
        let marks = Marks::of(node, &mut analyzer);
        let mut hits = Vec::new();
        for (rank, (score, addr)) in top.into_iter().take(limit).enumerate() {
            let doc: TantivyDocument = searcher.doc(addr)?;
            let text = |field| {
                doc.get_first(field)
                    .and_then(|v| v.as_str())
                    .map(str::to_string)
            };
            let title = text(self.f.ti);
            let highlights = title
                .as_deref()
                .map(|t| highlight(&mut analyzer, t, &marks))
                .unwrap_or_default();
            hits.push(Hit {
                rank: rank + 1,
                record: doc
                    .get_first(self.f.id)
                    .and_then(|v| v.as_i64())
                    .unwrap_or_default(),
                score,
                pmid: text(self.f.pmid),
                doi: text(self.f.doi),
                title,
                year: doc
                    .get_first(self.f.year)
                    .and_then(|v| v.as_u64())
                    .and_then(|y| u16::try_from(y).ok()),
                highlights,
            });
        }
        Ok((count as u64, hits))
    }

    /// Every record id a query finds, in id order.
    pub fn ids(&self, node: &Node, options: Options) -> Result<Vec<i64>, SearchError> {
        let q = self.top(node, options)?;
        let searcher = self.reader.searcher();
        let docs = searcher.search(&q, &DocSetCollector)?;
        let mut by_segment: Vec<Vec<u32>> = vec![Vec::new(); searcher.segment_readers().len()];
        for DocAddress {
            segment_ord,
            doc_id,
        } in docs
        {
            by_segment[segment_ord as usize].push(doc_id);
        }
        let mut out = Vec::new();
        for (ord, docs) in by_segment.into_iter().enumerate() {
            let column = searcher
                .segment_reader(ord as u32)
                .fast_fields()
                .i64("id")?;
            out.extend(docs.into_iter().filter_map(|d| column.first(d)));
        }
        out.sort_unstable();
        Ok(out)
    }

    /// The query's tree with each node's count on its own.
    pub fn explain(&self, node: &Node, options: Options) -> Result<Explained, SearchError> {
        let mut notes = Vec::new();
        let query = self.build(node, options, &mut words(), &mut notes)?;
        let count = self
            .reader
            .searcher()
            .search(&self.primary_only(query, options), &Count)? as u64;
        let children = match node {
            Node::Bool { children, .. } => children
                .iter()
                .map(|c| self.explain(c, options))
                .collect::<Result<_, _>>()?,
            _ => Vec::new(),
        };
        Ok(Explained {
            translation: node.to_string(),
            count,
            // An operator's notes are its operands' and are shown with them.
            notes: if children.is_empty() {
                notes
            } else {
                Vec::new()
            },
            children,
        })
    }

    /// What concur did with the query's terms beyond their words.
    pub fn notes(&self, node: &Node, options: Options) -> Result<Vec<Note>, SearchError> {
        let mut notes = Vec::new();
        self.build(node, options, &mut words(), &mut notes)?;
        Ok(notes)
    }

    fn top(&self, node: &Node, options: Options) -> Result<Box<dyn Query>, SearchError> {
        let q = self.build(node, options, &mut words(), &mut Vec::new())?;
        Ok(self.primary_only(q, options))
    }

    /// The query limited to one record per publication, unless duplicates are asked for.
    fn primary_only(&self, q: Box<dyn Query>, options: Options) -> Box<dyn Query> {
        let duplicate = Term::from_field_u64(self.f.primary, 0);
        // Excluding the few duplicates costs less than intersecting with every primary record,
        // and nothing at all when the index holds none.
        if options.duplicates || self.reader.searcher().doc_freq(&duplicate).unwrap_or(1) == 0 {
            return q;
        }
        Box::new(BooleanQuery::new(vec![
            (Occur::Must, q),
            (
                Occur::MustNot,
                Box::new(TermQuery::new(duplicate, IndexRecordOption::Basic)),
            ),
        ]))
    }

    fn build(
        &self,
        node: &Node,
        options: Options,
        a: &mut TextAnalyzer,
        notes: &mut Vec<Note>,
    ) -> Result<Box<dyn Query>, SearchError> {
        Ok(match node {
            Node::Bool { op, children } => {
                let mut clauses = Vec::with_capacity(children.len());
                for (i, c) in children.iter().enumerate() {
                    let occur = match (op, i) {
                        (Op::And, _) | (Op::Not, 0) => Occur::Must,
                        (Op::Or, _) => Occur::Should,
                        (Op::Not, _) => Occur::MustNot,
                    };
                    clauses.push((occur, self.build(c, options, a, notes)?));
                }
                Box::new(BooleanQuery::new(clauses))
            }
            Node::Date { range, .. } => Box::new(RangeQuery::new(
                Bound::Included(Term::from_field_i64(self.f.dp, range.from)),
                Bound::Included(Term::from_field_i64(self.f.dp, range.to)),
            )),
            Node::Line { id, .. } => return Err(SearchError::UnknownLine(id.clone())),
            Node::Term(t) => self.term(t, options, a, notes),
        })
    }

    fn term(
        &self,
        t: &QTerm,
        options: Options,
        a: &mut TextAnalyzer,
        notes: &mut Vec<Note>,
    ) -> Box<dyn Query> {
        let f = &self.f;
        let text_fields: &[Field] = match t.field {
            Tag::All => &[f.ti, f.ab, f.ot, f.mesh_t, f.pt_t, f.ad, f.ta_t, f.au_t],
            Tag::TiAb => &[f.ti, f.ab, f.ot],
            Tag::Ti => &[f.ti],
            Tag::Ab => &[f.ab],
            Tag::Ad => &[f.ad],
            Tag::Tw => &[f.ti, f.ab, f.ot, f.mesh_t, f.pt_t],
            Tag::Ot => &[f.ot],
            _ => &[],
        };
        if !text_fields.is_empty() {
            let analysed = analyse(a, t.stem());
            let mut alts: Vec<Box<dyn Query>> = text_fields
                .iter()
                .filter_map(|&field| text_query(field, &analysed, t.truncated(), t.proximity))
                .collect();
            if t.field == Tag::All {
                // A bare id finds its record, as in PubMed's All Fields.
                alts.push(exact(f.pmid, t.stem().trim()));
                alts.push(exact(f.doi, &t.stem().trim().to_lowercase()));
                if let Some(mesh) = &self.mesh {
                    if let Some(h) = mesh
                        .entry_heading(t.stem())
                        .or_else(|| mesh.heading(t.stem()))
                    {
                        let h = h.to_string();
                        if options.map_mesh {
                            notes.push(Note::EntryTerm {
                                term: t.text.clone(),
                                heading: h.clone(),
                            });
                            alts.push(self.heading(f.mh, &h, true, &mut Vec::new()));
                        } else {
                            notes.push(Note::MappingAvailable {
                                term: t.text.clone(),
                                heading: h,
                            });
                        }
                    }
                }
            }
            return any(alts);
        }
        let value = fold_value(t.stem());
        match t.field {
            Tag::Au | Tag::FirstAu | Tag::LastAu => {
                let field = match t.field {
                    Tag::FirstAu => f.fau,
                    Tag::LastAu => f.lau,
                    _ => f.au,
                };
                let key = author_query(t.stem());
                if t.quoted && !t.truncated() {
                    exact(field, &key)
                } else if key.contains(' ') || t.truncated() {
                    // PubMed truncates author names: "smith j" finds "smith ja".
                    prefix(field, &key)
                } else {
                    any(vec![exact(field, &key), prefix(field, &format!("{key} "))])
                }
            }
            Tag::Mh | Tag::Majr => self.heading(
                if t.field == Tag::Mh { f.mh } else { f.majr },
                t.stem(),
                true,
                notes,
            ),
            Tag::MhNoExp | Tag::MajrNoExp => self.heading(
                if t.field == Tag::MhNoExp {
                    f.mh
                } else {
                    f.majr
                },
                t.stem(),
                false,
                notes,
            ),
            Tag::Sh => exact_or_prefix(f.sh, &value, t.truncated()),
            Tag::Pt => exact_or_prefix(f.pt, &value, t.truncated()),
            Tag::La => exact_or_prefix(f.la, &value, t.truncated()),
            Tag::Ta => exact_or_prefix(f.ta, &journal_key(t.stem()), t.truncated()),
            Tag::Pmid => exact(f.pmid, t.stem().trim()),
            Tag::Doi => exact(f.doi, &t.stem().trim().to_lowercase()),
            _ => Box::new(EmptyQuery),
        }
    }

    /// A MeSH heading (or heading/subheading), exploded through the tree when asked and known.
    fn heading(
        &self,
        field: Field,
        text: &str,
        explode: bool,
        notes: &mut Vec<Note>,
    ) -> Box<dyn Query> {
        let (heading, qualifier) = match text.split_once('/') {
            Some((h, q)) => (h.trim(), Some(fold_value(q))),
            None => (text.trim(), None),
        };
        let mut name = heading.to_string();
        if let Some(mesh) = &self.mesh {
            if let Some(h) = mesh.entry_heading(heading) {
                notes.push(Note::EntryTerm {
                    term: heading.to_string(),
                    heading: h.to_string(),
                });
                name = h.to_string();
            }
        }
        let mut headings = vec![name.clone()];
        if explode {
            match self.mesh.as_ref().and_then(|m| m.explode(&name)) {
                Some(list) => {
                    notes.push(Note::Exploded {
                        heading: name.clone(),
                        headings: list.len(),
                    });
                    headings = list;
                }
                None => notes.push(Note::NotExploded {
                    heading: name.clone(),
                }),
            }
        }
        let terms: Vec<Term> = headings
            .iter()
            .map(|h| {
                let h = fold_value(h);
                let v = match &qualifier {
                    Some(q) => format!("{h}/{q}"),
                    None => h,
                };
                Term::from_field_text(field, &v)
            })
            .collect();
        Box::new(TermSetQuery::new(terms))
    }
}

/// Records' and queries' words in one text field.
fn text_query(
    field: Field,
    a: &Analysed,
    truncated: bool,
    proximity: Option<u32>,
) -> Option<Box<dyn Query>> {
    if a.words.is_empty() {
        return None;
    }
    let mut alts: Vec<Box<dyn Query>> = Vec::new();
    for words in std::iter::once(&a.words).chain(a.joined.as_ref()) {
        let terms: Vec<Term> = words
            .iter()
            .map(|w| Term::from_field_text(field, w))
            .collect();
        match (terms.len(), truncated) {
            (1, false) => alts.push(Box::new(TermQuery::new(
                terms[0].clone(),
                IndexRecordOption::WithFreqs,
            ))),
            (1, true) => alts.push(prefix(field, &words[0])),
            (_, true) => alts.push(Box::new(PhrasePrefixQuery::new(terms))),
            (n, false) => {
                let slop = proximity.unwrap_or(0);
                let mut q = PhraseQuery::new(terms.clone());
                q.set_slop(slop);
                alts.push(Box::new(q));
                // Proximity is in any order, as in PubMed: two words also the other way round.
                if proximity.is_some() && n == 2 {
                    let mut r = PhraseQuery::new(vec![terms[1].clone(), terms[0].clone()]);
                    r.set_slop(slop);
                    alts.push(Box::new(r));
                }
            }
        }
    }
    Some(any(alts))
}

fn any(mut alts: Vec<Box<dyn Query>>) -> Box<dyn Query> {
    match alts.len() {
        0 => Box::new(EmptyQuery),
        1 => alts.remove(0),
        _ => Box::new(BooleanQuery::new(
            alts.into_iter().map(|q| (Occur::Should, q)).collect(),
        )),
    }
}

fn exact(field: Field, value: &str) -> Box<dyn Query> {
    if value.is_empty() {
        return Box::new(EmptyQuery);
    }
    Box::new(TermQuery::new(
        Term::from_field_text(field, value),
        IndexRecordOption::Basic,
    ))
}

fn exact_or_prefix(field: Field, value: &str, truncated: bool) -> Box<dyn Query> {
    if truncated {
        prefix(field, value)
    } else {
        exact(field, value)
    }
}

/// Every term of `field` that starts with `start`.
fn prefix(field: Field, start: &str) -> Box<dyn Query> {
    if start.is_empty() {
        return Box::new(AllQuery);
    }
    Box::new(RangeQuery::new(
        Bound::Included(Term::from_field_text(field, start)),
        Bound::Excluded(Term::from_field_text(field, &format!("{start}\u{10FFFF}"))),
    ))
}

fn payload_version(index: &tantivy::Index) -> Option<u32> {
    let payload = index.load_metas().ok()?.payload?;
    payload.split_once('|')?.0.parse().ok()
}

fn is_empty(index: &tantivy::Index) -> bool {
    index
        .load_metas()
        .map(|m| m.segments.is_empty() && m.payload.is_none())
        .unwrap_or(false)
}

/// "Stumpf PK" from a record's author: family name and initials, folded.
fn author_key(last: &str, first: Option<&str>, collective: bool) -> String {
    if collective {
        return fold_value(last);
    }
    let initials = first.map(initials).unwrap_or_default();
    fold_value(&format!("{last} {initials}"))
}

/// Initials from given names: "Priscilla K" and "P.K." both give "PK".
fn initials(first: &str) -> String {
    let has_lower = first.chars().any(char::is_lowercase);
    if has_lower {
        first
            .split(|c: char| c.is_whitespace() || c == '-' || c == '.')
            .filter_map(|w| w.chars().next())
            .filter(|c| c.is_alphabetic())
            .collect()
    } else {
        first.chars().filter(|c| c.is_alphabetic()).collect()
    }
}

/// An author as a query writes it: "Stumpf PK", "Stumpf, P K", "stumpf".
fn author_query(text: &str) -> String {
    let text = text.replace(',', " ");
    let mut words = text.split_whitespace();
    let Some(last) = words.next() else {
        return String::new();
    };
    let rest: Vec<&str> = words.collect();
    // The last word holds initials when it is short and upper case, or the query is lower case.
    if rest.is_empty() {
        return fold_value(last);
    }
    let initials: String = rest
        .iter()
        .flat_map(|w| w.chars().filter(|c| c.is_alphabetic()))
        .collect();
    if rest
        .iter()
        .all(|w| w.chars().filter(|c| c.is_alphabetic()).count() <= 3)
    {
        fold_value(&format!("{last} {initials}"))
    } else {
        // A full name ("Smith John"): PubMed would read the given name's initial.
        let initials: String = rest.iter().filter_map(|w| w.chars().next()).collect();
        fold_value(&format!("{last} {initials}"))
    }
}

/// A journal name folded, without full stops (`J. Clin. Oncol.` is `j clin oncol`).
fn journal_key(name: &str) -> String {
    fold_value(&name.replace('.', " "))
}

/// ISO 639-2 codes and English names, so that `eng[la]` and `english[la]` find both spellings.
const LANGUAGES: &[(&str, &str)] = &[
    ("eng", "english"),
    ("fre", "french"),
    ("fra", "french"),
    ("ger", "german"),
    ("deu", "german"),
    ("spa", "spanish"),
    ("ita", "italian"),
    ("jpn", "japanese"),
    ("chi", "chinese"),
    ("zho", "chinese"),
    ("rus", "russian"),
    ("por", "portuguese"),
    ("dut", "dutch"),
    ("nld", "dutch"),
    ("pol", "polish"),
    ("kor", "korean"),
    ("swe", "swedish"),
    ("dan", "danish"),
    ("nor", "norwegian"),
    ("fin", "finnish"),
    ("tur", "turkish"),
    ("heb", "hebrew"),
    ("gre", "greek"),
    ("ell", "greek"),
    ("cze", "czech"),
    ("ces", "czech"),
    ("hun", "hungarian"),
    ("ara", "arabic"),
    ("per", "persian"),
    ("fas", "persian"),
];

fn languages(text: &str) -> Vec<String> {
    let v = fold_value(text);
    let mut out = vec![v.clone()];
    for (code, name) in LANGUAGES {
        if v == *code && !out.iter().any(|x| x == name) {
            out.push(name.to_string());
        }
        if v == *name && !out.iter().any(|x| x == code) {
            out.push(code.to_string());
        }
    }
    out
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

/// The record's publication date as `yyyymmdd`: its first day when only the year or month is
/// known (as PubMed files it).
pub(crate) fn record_day(r: &Record) -> Option<i64> {
    if let Some(text) = &r.date {
        let words: Vec<&str> = text
            .split(|c: char| c.is_whitespace() || c == '/' || c == '-')
            .filter(|w| !w.is_empty())
            .collect();
        if let Some(year) = words
            .first()
            .and_then(|w| (w.len() == 4).then(|| w.parse::<i64>().ok()).flatten())
        {
            let month = words.get(1).and_then(|w| {
                let lw = w.to_lowercase();
                MONTHS
                    .iter()
                    .position(|m| lw.starts_with(m))
                    .map(|m| m as i64 + 1)
                    .or_else(|| w.parse::<i64>().ok().filter(|m| (1..=12).contains(m)))
            });
            let day = month
                .and(words.get(2))
                .and_then(|w| w.parse::<i64>().ok())
                .filter(|d| (1..=31).contains(d));
            return Some(year * 10000 + month.unwrap_or(1) * 100 + day.unwrap_or(1));
        }
    }
    r.year.map(|y| i64::from(y) * 10000 + 101)
}

/// What a hit's title should show as matched: the exact words and the truncated stems of the
/// query's terms that search the title and are not subtracted by NOT.
#[derive(Debug, Default)]
struct Marks {
    words: Vec<String>,
    stems: Vec<String>,
}

impl Marks {
    fn of(node: &Node, a: &mut TextAnalyzer) -> Marks {
        let mut marks = Marks::default();
        collect_marks(node, a, &mut marks);
        marks
    }
}

fn collect_marks(node: &Node, a: &mut TextAnalyzer, marks: &mut Marks) {
    match node {
        Node::Bool { op, children } => {
            for (i, c) in children.iter().enumerate() {
                if *op != Op::Not || i == 0 {
                    collect_marks(c, a, marks);
                }
            }
        }
        Node::Term(t) if matches!(t.field, Tag::All | Tag::TiAb | Tag::Ti | Tag::Tw) => {
            let analysed = analyse(a, t.stem());
            let n = analysed.words.len();
            for (i, w) in analysed.words.iter().enumerate() {
                if t.truncated() && i + 1 == n {
                    marks.stems.push(w.clone());
                } else {
                    marks.words.push(w.clone());
                }
            }
            if let Some(j) = analysed.joined {
                marks.words.extend(j);
            }
        }
        _ => {}
    }
}

fn highlight(a: &mut TextAnalyzer, title: &str, marks: &Marks) -> Vec<(usize, usize)> {
    let mut out: Vec<(usize, usize)> = Vec::new();
    let mut stream = a.token_stream(title);
    while stream.advance() {
        let t = stream.token();
        if marks.words.contains(&t.text)
            || marks.stems.iter().any(|s| t.text.starts_with(s.as_str()))
        {
            out.push((t.offset_from, t.offset_to));
        }
    }
    out.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for (s, e) in out {
        match merged.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }
    merged
}

struct Updater<'i, 'p> {
    index: &'i Index,
    writer: IndexWriter,
    error: Option<tantivy::TantivyError>,
    synced: Synced,
    expected: u64,
    progress: &'p mut dyn FnMut(u64, u64),
}

impl Updater<'_, '_> {
    fn id_term(&self, id: i64) -> Term {
        Term::from_field_i64(self.index.f.id, id)
    }

    fn tick(&mut self) {
        let done = self.synced.put + self.synced.removed;
        if done.is_multiple_of(4096) {
            (self.progress)(done, self.expected);
        }
    }
}

impl RecordSink for Updater<'_, '_> {
    fn reset(&mut self) {
        if let Err(e) = self.writer.delete_all_documents() {
            self.error.get_or_insert(e);
        }
        self.synced.rebuilt = true;
    }

    fn put(&mut self, id: i64, record: &Record, primary: bool) {
        if !self.synced.rebuilt {
            self.writer.delete_term(self.id_term(id));
        }
        self.add(id, record, primary);
    }

    fn add(&mut self, id: i64, record: &Record, primary: bool) {
        // A new record has no older copy to delete, and looking for one costs a lookup in
        // every segment.
        if let Err(e) = self
            .writer
            .add_document(self.index.document(id, record, primary))
        {
            self.error.get_or_insert(e);
        }
        self.synced.put += 1;
        self.tick();
    }

    fn remove(&mut self, id: i64) {
        self.writer.delete_term(self.id_term(id));
        self.synced.removed += 1;
        self.tick();
    }

    fn expect(&mut self, count: u64) {
        self.expected += count;
        (self.progress)(self.synced.put + self.synced.removed, self.expected);
    }
}
