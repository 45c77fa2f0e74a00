//! MeSH: the tree (for explosion) and the entry terms (for mapping words to headings), read from
//! NLM's files.
//!
//! concur reads, by content:
//! - NLM's descriptor file in ASCII (`d2025.bin`: `MH = `, `MN = `, `ENTRY = ` lines) or XML
//!   (`desc2025.xml`): headings, tree numbers and entry terms;
//! - NLM's tree file (`mtrees2025.bin`: `Heading;C04.588.180` per line): headings and tree numbers;
//! - a CSV with `descriptor_name` and `tree_numbers` (`;`-separated) columns, as in the test
//!   fixtures.

use crate::analyze::fold_value;
use crate::error::SearchError;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// Headings with their tree numbers and entry terms.
#[derive(Debug, Default, Clone)]
pub struct Mesh {
    /// Folded heading → tree numbers.
    trees: HashMap<String, Vec<String>>,
    /// Tree number → heading as NLM writes it.
    by_tree: BTreeMap<String, String>,
    /// Folded entry term → heading as NLM writes it.
    entries: HashMap<String, String>,
    /// Folded heading → heading as NLM writes it.
    names: HashMap<String, String>,
}

impl Mesh {
    /// Reads one or more NLM files into one vocabulary.
    pub fn load(paths: &[impl AsRef<Path>]) -> Result<Mesh, SearchError> {
        let mut mesh = Mesh::default();
        for path in paths {
            let path = path.as_ref();
            let bytes = std::fs::read(path).map_err(|e| SearchError::Mesh {
                path: path.to_path_buf(),
                message: e.to_string(),
            })?;
            let text = String::from_utf8_lossy(&bytes);
            let before = mesh.names.len();
            if text.trim_start().starts_with('<') {
                mesh.read_xml(&text);
            } else if text.contains("*NEWRECORD") {
                mesh.read_ascii(&text);
            } else if text
                .lines()
                .next()
                .is_some_and(|l| l.contains("descriptor_name"))
            {
                mesh.read_csv(&text);
            } else {
                mesh.read_trees(&text);
            }
            if mesh.names.len() == before {
                return Err(SearchError::Mesh {
                    path: path.to_path_buf(),
                    message: "no MeSH headings found: expected NLM's d20XX.bin, desc20XX.xml or mtrees20XX.bin".into(),
                });
            }
        }
        Ok(mesh)
    }

    fn add(&mut self, name: &str, trees: &[String], entries: &[String]) {
        let name = name.trim();
        if name.is_empty() {
            return;
        }
        let key = fold_value(name);
        self.names
            .entry(key.clone())
            .or_insert_with(|| name.to_string());
        let list = self.trees.entry(key).or_default();
        for t in trees {
            let t = t.trim();
            if !t.is_empty() && !list.iter().any(|x| x == t) {
                list.push(t.to_string());
                self.by_tree.insert(t.to_string(), name.to_string());
            }
        }
        for e in entries {
            let e = fold_value(e);
            if !e.is_empty() {
                self.entries.entry(e).or_insert_with(|| name.to_string());
            }
        }
    }

    fn read_trees(&mut self, text: &str) {
        for line in text.lines() {
            if let Some((name, tree)) = line.rsplit_once(';') {
                self.add(name, &[tree.to_string()], &[]);
            }
        }
    }

    fn read_csv(&mut self, text: &str) {
        let mut reader = csv::ReaderBuilder::new().from_reader(text.as_bytes());
        let Ok(headers) = reader.headers().cloned() else {
            return;
        };
        let col = |n: &str| headers.iter().position(|h| h == n);
        let (Some(name), Some(trees)) = (col("descriptor_name"), col("tree_numbers")) else {
            return;
        };
        for row in reader.records().flatten() {
            let trees: Vec<String> = row
                .get(trees)
                .unwrap_or("")
                .split(';')
                .map(str::to_string)
                .collect();
            self.add(row.get(name).unwrap_or(""), &trees, &[]);
        }
    }

    fn read_ascii(&mut self, text: &str) {
        let (mut name, mut trees, mut entries) = (String::new(), Vec::new(), Vec::new());
        let flush = |name: &mut String,
                     trees: &mut Vec<String>,
                     entries: &mut Vec<String>,
                     m: &mut Mesh| {
            m.add(name, trees, entries);
            name.clear();
            trees.clear();
            entries.clear();
        };
        for line in text.lines() {
            if line.starts_with("*NEWRECORD") {
                flush(&mut name, &mut trees, &mut entries, self);
            } else if let Some(v) = line.strip_prefix("MH = ") {
                name = v.to_string();
            } else if let Some(v) = line.strip_prefix("MN = ") {
                trees.push(v.to_string());
            } else if let Some(v) = line
                .strip_prefix("ENTRY = ")
                .or_else(|| line.strip_prefix("PRINT ENTRY = "))
            {
                // `term|T047|...`: the term is before the first bar.
                entries.push(v.split('|').next().unwrap_or("").to_string());
            }
        }
        flush(&mut name, &mut trees, &mut entries, self);
    }

    fn read_xml(&mut self, text: &str) {
        use quick_xml::events::Event;
        let mut reader = quick_xml::Reader::from_str(text);
        let mut path: Vec<Vec<u8>> = Vec::new();
        let (mut name, mut trees, mut entries) = (String::new(), Vec::new(), Vec::new());
        loop {
            match reader.read_event() {
                Ok(Event::Start(e)) => path.push(e.name().as_ref().to_vec()),
                Ok(Event::End(e)) => {
                    if e.name().as_ref() == b"DescriptorRecord" {
                        self.add(&name, &trees, &entries);
                        name.clear();
                        trees.clear();
                        entries.clear();
                    }
                    path.pop();
                }
                Ok(Event::Text(t)) => {
                    let value = t.xml_content().map(|c| c.into_owned()).unwrap_or_default();
                    let ends = |tail: &[&[u8]]| {
                        path.len() >= tail.len()
                            && path[path.len() - tail.len()..]
                                .iter()
                                .zip(tail)
                                .all(|(a, b)| a.as_slice() == *b)
                    };
                    if ends(&[b"DescriptorRecord", b"DescriptorName", b"String"]) {
                        name = value;
                    } else if ends(&[b"TreeNumberList", b"TreeNumber"]) {
                        trees.push(value);
                    } else if ends(&[b"Term", b"String"]) {
                        entries.push(value);
                    }
                }
                Ok(Event::Eof) | Err(_) => break,
                _ => {}
            }
        }
    }

    /// The heading as NLM writes it, for a heading or (when entry terms are known) an entry term.
    pub fn heading(&self, term: &str) -> Option<&str> {
        let key = fold_value(term);
        self.names
            .get(&key)
            .or_else(|| self.entries.get(&key))
            .map(String::as_str)
    }

    /// The heading an entry term maps to, when it is an entry term and not itself a heading.
    pub fn entry_heading(&self, term: &str) -> Option<&str> {
        let key = fold_value(term);
        if self.names.contains_key(&key) {
            return None;
        }
        self.entries.get(&key).map(String::as_str)
    }

    /// The heading and every heading below it in the tree, as NLM writes them; `None` when the
    /// heading is not known.
    pub fn explode(&self, heading: &str) -> Option<Vec<String>> {
        let name = self.heading(heading)?;
        let trees = self.trees.get(&fold_value(name))?;
        let mut out = vec![name.to_string()];
        for t in trees {
            let prefix = format!("{t}.");
            for (_, n) in self
                .by_tree
                .range(prefix.clone()..)
                .take_while(|(k, _)| k.starts_with(&prefix))
            {
                if !out.contains(n) {
                    out.push(n.clone());
                }
            }
        }
        Some(out)
    }

    /// How many headings are known.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether no heading is known.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(text: &str) -> tempfile::NamedTempFile {
        let f = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(f.path(), text).unwrap();
        f
    }

    #[test]
    fn a_tree_file_explodes_headings() {
        let f = write("Breast Neoplasms;C04.588.180\nBreast Neoplasms, Male;C04.588.180.260\nCarcinoma, Ductal, Breast;C04.588.180.390\nNeoplasms;C04\n");
        let m = Mesh::load(&[f.path()]).unwrap();
        let e = m.explode("breast neoplasms").unwrap();
        assert_eq!(
            e,
            [
                "Breast Neoplasms",
                "Breast Neoplasms, Male",
                "Carcinoma, Ductal, Breast"
            ]
        );
        assert_eq!(m.explode("Breast Neoplasms, Male").unwrap().len(), 1);
        assert!(m.explode("Radiotherapy").is_none());
    }

    #[test]
    fn the_ascii_descriptor_file_gives_entry_terms() {
        let f = write("*NEWRECORD\nRECTYPE = D\nMH = Breast Neoplasms\nENTRY = Breast Cancer|T191|NON|EQV|NLM (1990)|900101|abcdef\nPRINT ENTRY = Tumors, Breast\nMN = C04.588.180\nUI = D001943\n");
        let m = Mesh::load(&[f.path()]).unwrap();
        assert_eq!(m.entry_heading("breast cancer"), Some("Breast Neoplasms"));
        assert_eq!(m.entry_heading("Tumors, Breast"), Some("Breast Neoplasms"));
        assert_eq!(m.entry_heading("Breast Neoplasms"), None);
    }

    #[test]
    fn the_xml_descriptor_file_gives_trees_and_entry_terms() {
        let f = write(
            r#"<?xml version="1.0"?><DescriptorRecordSet><DescriptorRecord><DescriptorUI>D001943</DescriptorUI><DescriptorName><String>Breast Neoplasms</String></DescriptorName><TreeNumberList><TreeNumber>C04.588.180</TreeNumber></TreeNumberList><ConceptList><Concept><ConceptName><String>Breast Neoplasms</String></ConceptName><TermList><Term><String>Breast Cancer</String></Term></TermList></Concept></ConceptList></DescriptorRecord></DescriptorRecordSet>"#,
        );
        let m = Mesh::load(&[f.path()]).unwrap();
        assert_eq!(m.entry_heading("Breast cancer"), Some("Breast Neoplasms"));
        assert_eq!(m.explode("Breast Neoplasms").unwrap(), ["Breast Neoplasms"]);
    }

    #[test]
    fn a_file_with_no_headings_is_refused() {
        let f = write("nothing here\n");
        assert!(matches!(
            Mesh::load(&[f.path()]),
            Err(SearchError::Mesh { .. })
        ));
    }
}
