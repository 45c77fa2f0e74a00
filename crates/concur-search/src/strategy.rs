//! A search strategy: numbered lines, each a query that may combine earlier lines (`#1 AND #2`),
//! as a review's search table prints it.

use crate::error::SearchError;
use crate::query::{parse, Node};
use serde::{Deserialize, Serialize};

/// One line of a strategy as the review writes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Line {
    /// Its id, used as `#id` by later lines.
    pub id: String,
    /// What it searches for, in a few words.
    #[serde(default)]
    pub label: String,
    /// The query.
    pub query: String,
}

/// A line parsed, with the earlier lines it names written out.
#[derive(Debug, Clone, PartialEq)]
pub struct Resolved {
    /// Its id.
    pub id: String,
    /// What it searches for.
    pub label: String,
    /// The query as written.
    pub query: String,
    /// The query with every `#id` replaced by that line's query.
    pub node: Node,
}

/// Parses every line, in order; a line may name only lines before it.
pub fn resolve(lines: &[Line]) -> Result<Vec<Resolved>, SearchError> {
    let mut out: Vec<Resolved> = Vec::with_capacity(lines.len());
    for line in lines {
        if out.iter().any(|r| r.id == line.id) {
            return Err(SearchError::DuplicateLine(line.id.clone()));
        }
        let node = parse_with(&line.query, &out)?;
        out.push(Resolved {
            id: line.id.clone(),
            label: line.label.clone(),
            query: line.query.clone(),
            node,
        });
    }
    Ok(out)
}

/// Parses one query, resolving `#id` against a strategy's lines.
pub fn parse_with(query: &str, lines: &[Resolved]) -> Result<Node, SearchError> {
    let node = parse(query)?;
    node.resolve(&|id: &str| {
        lines
            .iter()
            .find(|r| r.id == id)
            .map(|r| &r.node)
            .ok_or_else(|| SearchError::UnknownLine(id.to_string()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(id: &str, q: &str) -> Line {
        Line {
            id: id.into(),
            label: String::new(),
            query: q.into(),
        }
    }

    #[test]
    fn lines_combine_earlier_lines() {
        let r = resolve(&[line("1", "a"), line("2", "b OR c"), line("3", "#1 AND #2")]).unwrap();
        assert_eq!(
            r[2].node.to_string(),
            "\"a\"[All Fields] AND (\"b\"[All Fields] OR \"c\"[All Fields])"
        );
    }

    #[test]
    fn a_line_cannot_name_a_later_or_repeated_line() {
        assert!(
            matches!(resolve(&[line("1", "#2"), line("2", "a")]), Err(SearchError::UnknownLine(id)) if id == "2")
        );
        assert!(matches!(
            resolve(&[line("1", "a"), line("1", "b")]),
            Err(SearchError::DuplicateLine(_))
        ));
    }
}
