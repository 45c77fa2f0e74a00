//! The peer: SQLite FTS5 over the same records, as a user would set it up (one FTS5 table with
//! a column per field, diacritics folded; publication days in an indexed side table), and each
//! query translated as closely as FTS5's syntax allows.

use concur_lit::Record;
use concur_search::{Field, Mesh, Node, Op};
use rusqlite::{params, Connection};
use std::path::Path;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

/// The FTS5 database.
pub struct Table {
    db: Connection,
}

/// A query in FTS5's terms: a MATCH expression and publication-day ranges, either of them
/// possibly absent.
pub struct Sql {
    matched: Option<String>,
    days: Vec<(i64, i64)>,
}

impl Table {
    pub fn create(path: &Path) -> Result<Table> {
        let _ = std::fs::remove_file(path);
        let db = Connection::open(path)?;
        // The fastest bulk load SQLite offers; durability is not what is measured.
        db.execute_batch(
            "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -1000000;
             CREATE VIRTUAL TABLE r USING fts5(ti, ab, ot, mh, pt, au, ad, ta, la, pmid, doi,
                 tokenize = 'unicode61 remove_diacritics 2');
             CREATE TABLE d(id INTEGER PRIMARY KEY, day INTEGER NOT NULL);",
        )?;
        Ok(Table { db })
    }

    pub fn open(path: &Path) -> Result<Table> {
        let db = Connection::open(path)?;
        db.execute_batch("PRAGMA cache_size = -1000000;")?;
        Ok(Table { db })
    }

    pub fn insert(&mut self, first: i64, chunk: &[(Record, i64)]) -> Result<()> {
        let tx = self.db.transaction()?;
        {
            let mut r = tx.prepare(
                "INSERT INTO r(rowid, ti, ab, ot, mh, pt, au, ad, ta, la, pmid, doi)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            )?;
            let mut d = tx.prepare("INSERT INTO d(id, day) VALUES (?, ?)")?;
            for (i, (rec, day)) in chunk.iter().enumerate() {
                let id = first + i as i64;
                let join = |v: Vec<&str>| v.join(" | ");
                let mesh = rec
                    .mesh
                    .iter()
                    .flat_map(|m| {
                        std::iter::once(m.descriptor.as_str())
                            .chain(m.qualifiers.iter().map(|(q, _)| q.as_str()))
                    })
                    .collect();
                let authors: Vec<String> = rec.authors.iter().map(|a| a.display()).collect();
                let affiliations = rec
                    .authors
                    .iter()
                    .flat_map(|a| a.affiliations.iter().map(String::as_str))
                    .collect();
                let languages: Vec<String> = rec
                    .languages
                    .iter()
                    .map(|l| match l.as_str() {
                        "eng" => "eng english".to_string(),
                        other => other.to_string(),
                    })
                    .collect();
                r.execute(params![
                    id,
                    rec.title,
                    join(
                        rec.abstract_sections
                            .iter()
                            .map(|s| s.text.as_str())
                            .collect()
                    ),
                    join(rec.keywords.iter().map(String::as_str).collect()),
                    join(mesh),
                    join(rec.publication_types.iter().map(String::as_str).collect()),
                    join(authors.iter().map(String::as_str).collect()),
                    join(affiliations),
                    join(
                        [&rec.journal, &rec.journal_abbrev]
                            .into_iter()
                            .flatten()
                            .map(String::as_str)
                            .collect()
                    ),
                    join(languages.iter().map(String::as_str).collect()),
                    rec.pmid,
                    rec.doi,
                ])?;
                d.execute(params![id, day])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// What a user would do once loaded: the day index, and FTS5's merge into one b-tree.
    pub fn finish(&mut self) -> Result<()> {
        self.db
            .execute_batch("CREATE INDEX d_day ON d(day); INSERT INTO r(r) VALUES ('optimize');")?;
        Ok(())
    }

    /// The count and the best `limit` records with their titles, as concur answers.
    pub fn search(&self, q: &Sql, limit: usize) -> Result<u64> {
        let days: String = q
            .days
            .iter()
            .map(|(a, b)| format!(" AND d.day BETWEEN {a} AND {b}"))
            .collect();
        let (count_sql, top_sql) = match &q.matched {
            Some(_) if q.days.is_empty() => (
                "SELECT count(*) FROM r WHERE r MATCH ?1".to_string(),
                format!("SELECT rowid, ti FROM r WHERE r MATCH ?1 ORDER BY rank LIMIT {limit}"),
            ),
            Some(_) => (
                format!("SELECT count(*) FROM r JOIN d ON d.id = r.rowid WHERE r MATCH ?1{days}"),
                format!(
                    "SELECT r.rowid, r.ti FROM r JOIN d ON d.id = r.rowid WHERE r MATCH ?1{days} ORDER BY r.rank LIMIT {limit}"
                ),
            ),
            None => (
                format!("SELECT count(*) FROM d WHERE 1{days}"),
                format!(
                    "SELECT d.id, r.ti FROM d JOIN r ON r.rowid = d.id WHERE 1{days} LIMIT {limit}"
                ),
            ),
        };
        let p: Vec<&dyn rusqlite::ToSql> = match &q.matched {
            Some(m) => vec![m],
            None => vec![],
        };
        let count: i64 = self
            .db
            .prepare_cached(&count_sql)?
            .query_row(&*p, |row| row.get(0))?;
        let mut top = self.db.prepare_cached(&top_sql)?;
        let mut rows = top.query(&*p)?;
        while let Some(row) = rows.next()? {
            std::hint::black_box(row.get::<_, Option<String>>(1)?);
        }
        Ok(count as u64)
    }
}

/// The query in FTS5's terms; `None` where FTS5 cannot say it (a date range under OR or NOT).
pub fn translate(node: &Node, mesh: Option<&Mesh>) -> Option<Sql> {
    let mut sql = Sql {
        matched: None,
        days: Vec::new(),
    };
    match node {
        Node::Date { range, .. } => sql.days.push((range.from, range.to)),
        Node::Bool {
            op: Op::And,
            children,
        } => {
            let mut parts = Vec::new();
            for c in children {
                match c {
                    Node::Date { range, .. } => sql.days.push((range.from, range.to)),
                    other => parts.push(format!("({})", expr(other, mesh)?)),
                }
            }
            sql.matched = (!parts.is_empty()).then(|| parts.join(" AND "));
        }
        other => sql.matched = Some(expr(other, mesh)?),
    }
    Some(sql)
}

fn expr(node: &Node, mesh: Option<&Mesh>) -> Option<String> {
    match node {
        Node::Date { .. } | Node::Line { .. } => None,
        Node::Bool { op, children } => {
            let mut parts = children.iter().map(|c| expr(c, mesh));
            let mut out = format!("({})", parts.next()??);
            for p in parts {
                out = match op {
                    Op::And => format!("{out} AND ({})", p?),
                    Op::Or => format!("{out} OR ({})", p?),
                    Op::Not => format!("({out}) NOT ({})", p?),
                };
            }
            Some(out)
        }
        Node::Term(t) => {
            let columns = match t.field {
                Field::All => "ti ab ot mh pt au ad ta",
                Field::TiAb => "ti ab ot",
                Field::Ti => "ti",
                Field::Ab => "ab",
                Field::Tw => "ti ab ot mh pt",
                Field::Ot => "ot",
                Field::Au | Field::FirstAu | Field::LastAu => "au",
                Field::Ad => "ad",
                Field::Ta => "ta",
                Field::Mh | Field::MhNoExp | Field::Majr | Field::MajrNoExp | Field::Sh => "mh",
                Field::Pt => "pt",
                Field::La => "la",
                Field::Pmid => "pmid",
                Field::Doi => "doi",
                Field::Dp => return None,
            };
            let phrase = |text: &str| {
                let words: Vec<String> = text
                    .split(|c: char| !c.is_alphanumeric())
                    .filter(|w| !w.is_empty())
                    .map(str::to_lowercase)
                    .collect();
                (!words.is_empty()).then(|| format!("\"{}\"", words.join(" ")))
            };
            let body = if let Some(n) = t.proximity {
                let words: Vec<String> = t.stem().split_whitespace().filter_map(phrase).collect();
                format!("NEAR({}, {n})", words.join(" "))
            } else if matches!(t.field, Field::Mh | Field::Majr) {
                // Exploded as concur explodes it, each heading a phrase in the MeSH column.
                let headings = mesh
                    .and_then(|m| m.explode(t.stem()))
                    .unwrap_or_else(|| vec![t.stem().to_string()]);
                let parts: Vec<String> = headings.iter().filter_map(|h| phrase(h)).collect();
                format!("({})", parts.join(" OR "))
            } else {
                let p = phrase(t.stem())?;
                if t.truncated() {
                    format!("{p} *")
                } else {
                    p
                }
            };
            Some(format!("{{{columns}}}: {body}"))
        }
    }
}
