//! PubMed's query language as reviewers write it, parsed to a tree whose every node knows where
//! in the query it came from.
//!
//! Booleans are evaluated left to right, as PubMed does: `a OR b AND c` is `(a OR b) AND c`.
//! Words in a row with no operator between them are one phrase when a tag follows them
//! (`breast cancer[tiab]`, as PubMed reads it) and are otherwise ANDed.

use crate::field::Field;
use serde::Serialize;
use std::fmt;

/// A place in the query: byte offsets, start inclusive and end exclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Span {
    /// Byte offset where it starts.
    pub start: usize,
    /// Byte offset just past its end.
    pub end: usize,
}

/// A Boolean operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Op {
    /// Both.
    And,
    /// Either.
    Or,
    /// The first without the others.
    Not,
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Op::And => "AND",
            Op::Or => "OR",
            Op::Not => "NOT",
        })
    }
}

/// Words to find in a field.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Term {
    /// The words as written, without quotes or tag (a trailing `*` kept on a truncated word).
    pub text: String,
    /// Whether the words were quoted.
    pub quoted: bool,
    /// The field the tag names ([`Field::All`] when untagged).
    pub field: Field,
    /// `[tiab:~N]`: the words within N words of each other, in any order.
    pub proximity: Option<u32>,
    /// Where the term (with its quotes and tag) is in the query.
    pub span: Span,
}

impl Term {
    /// Whether the last word is truncated (`radiother*`).
    pub fn truncated(&self) -> bool {
        self.text.ends_with('*')
    }

    /// The words without the truncation mark.
    pub fn stem(&self) -> &str {
        self.text.trim_end_matches('*')
    }
}

/// A publication-date range, both ends inclusive, as `yyyymmdd` numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DateRange {
    /// The first day.
    pub from: i64,
    /// The last day.
    pub to: i64,
}

/// A node of the parsed query.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Node {
    /// Words in a field.
    Term(Term),
    /// A publication-date range (`2000:2020[dp]`).
    Date {
        /// The range.
        range: DateRange,
        /// The dates as written.
        text: String,
        /// Where it is in the query.
        span: Span,
    },
    /// A reference to an earlier line of a search strategy (`#1`).
    Line {
        /// The line's id.
        id: String,
        /// Where it is in the query.
        span: Span,
    },
    /// An operator over two or more operands, applied left to right.
    Bool {
        /// The operator.
        op: Op,
        /// The operands, in order.
        children: Vec<Node>,
    },
}

/// What is wrong with a query, in a reviewer's words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseErrorKind {
    /// An empty query.
    #[error("the query is empty")]
    Empty,
    /// A quote that is not closed.
    #[error("this quote is not closed: add a closing \"")]
    UnclosedQuote,
    /// A tag that is not closed.
    #[error("this field tag is not closed: add a closing ]")]
    UnclosedTag,
    /// An unknown tag.
    #[error("unknown field tag [{0}]; concur reads {1}")]
    UnknownTag(String, String),
    /// A tag with nothing before it.
    #[error("a field tag must follow the words it applies to, as in \"breast cancer\"[tiab]")]
    TagWithoutTerm,
    /// `(` without `)`.
    #[error("this parenthesis is not closed: add a closing )")]
    UnclosedParen,
    /// `)` without `(`.
    #[error("this closing parenthesis has no opening one")]
    StrayParen,
    /// An operator with nothing on one side.
    #[error("{0} needs a search term on each side")]
    MissingOperand(Op),
    /// `()`.
    #[error("empty parentheses")]
    EmptyParens,
    /// A `*` with too few letters before it.
    #[error(
        "truncation needs at least four letters before * (as in PubMed): \"{0}\" is too short"
    )]
    ShortTruncation(String),
    /// A `*` not at the end of a word.
    #[error("* truncates the end of the last word only: write it at the end, as in radiotherap*")]
    MisplacedTruncation,
    /// Proximity on a field that does not allow it, or a bad distance.
    #[error("proximity (~N) works in [tiab], [ti], [ab] and [ad], on two or more quoted words, as in \"hip pain\"[tiab:~2]")]
    BadProximity,
    /// A date that cannot be read.
    #[error(
        "\"{0}\" is not a publication date: write YYYY, YYYY/MM or YYYY/MM/DD, or a range FROM:TO"
    )]
    BadDate(String),
    /// A date range whose end is before its start.
    #[error("the date range ends before it starts")]
    BackwardsDates,
    /// A `:` range between terms that are not both dates.
    #[error("a range with : joins two publication dates, as in 2000/01/01[dp]:2020/01/20[dp]")]
    BadRange,
    /// `#` without a line id.
    #[error("# must be followed by the id of an earlier search line, as in #1")]
    EmptyLine,
}

/// A query that could not be parsed: what is wrong, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind} (column {column})")]
pub struct ParseError {
    /// What is wrong.
    pub kind: ParseErrorKind,
    /// Where: byte offsets in the query.
    pub span: Span,
    /// 1-based column, in characters, of the start of the problem.
    pub column: usize,
}

impl ParseError {
    fn new(query: &str, kind: ParseErrorKind, span: Span) -> ParseError {
        let column = query[..span.start.min(query.len())].chars().count() + 1;
        ParseError { kind, span, column }
    }

    /// The query with a caret line under the problem, for a terminal.
    pub fn pointer(&self, query: &str) -> String {
        let start = self.span.start.min(query.len());
        let end = self.span.end.clamp(start, query.len());
        let pad = query[..start].chars().count();
        let width = query[start..end].chars().count().max(1);
        format!("{query}\n{}{}", " ".repeat(pad), "^".repeat(width))
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Open,
    Close,
    Word(String),
    Quoted(String),
    Tag(String),
    Colon,
    Line(String),
    Op(Op),
}

fn lex(query: &str) -> Result<Vec<(Tok, Span)>, ParseError> {
    let mut out = Vec::new();
    let bytes = query.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let c = query[i..].chars().next().unwrap_or(' ');
        let len = c.len_utf8();
        match c {
            c if c.is_whitespace() => i += len,
            '(' => {
                out.push((
                    Tok::Open,
                    Span {
                        start: i,
                        end: i + 1,
                    },
                ));
                i += 1;
            }
            ')' => {
                out.push((
                    Tok::Close,
                    Span {
                        start: i,
                        end: i + 1,
                    },
                ));
                i += 1;
            }
            ':' => {
                out.push((
                    Tok::Colon,
                    Span {
                        start: i,
                        end: i + 1,
                    },
                ));
                i += 1;
            }
            '"' | '\u{201c}' | '\u{201d}' => {
                let start = i;
                let body = i + len;
                let close = query[body..]
                    .char_indices()
                    .find(|(_, c)| matches!(c, '"' | '\u{201c}' | '\u{201d}'));
                let Some((at, q)) = close else {
                    return Err(ParseError::new(
                        query,
                        ParseErrorKind::UnclosedQuote,
                        Span { start, end: body },
                    ));
                };
                let text = query[body..body + at].to_string();
                i = body + at + q.len_utf8();
                out.push((Tok::Quoted(text), Span { start, end: i }));
            }
            '[' => {
                let start = i;
                let Some(at) = query[i + 1..].find(']') else {
                    return Err(ParseError::new(
                        query,
                        ParseErrorKind::UnclosedTag,
                        Span { start, end: i + 1 },
                    ));
                };
                let text = query[i + 1..i + 1 + at].to_string();
                i = i + 1 + at + 1;
                out.push((Tok::Tag(text), Span { start, end: i }));
            }
            '#' => {
                let start = i;
                i += 1;
                while i < bytes.len()
                    && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'-' || bytes[i] == b'_')
                {
                    i += 1;
                }
                if i == start + 1 {
                    return Err(ParseError::new(
                        query,
                        ParseErrorKind::EmptyLine,
                        Span { start, end: i },
                    ));
                }
                out.push((
                    Tok::Line(query[start + 1..i].to_string()),
                    Span { start, end: i },
                ));
            }
            _ => {
                let start = i;
                while i < bytes.len() {
                    let c = query[i..].chars().next().unwrap_or(' ');
                    // A ':' ends a word only where a date range is written with tags on both
                    // sides; inside `2000:2020` it belongs to the word.
                    if c.is_whitespace()
                        || matches!(c, '(' | ')' | '[' | ']' | '"' | '\u{201c}' | '\u{201d}')
                    {
                        break;
                    }
                    i += c.len_utf8();
                }
                if i == start {
                    // A stray ']' is read as part of nothing: report it as a tag problem.
                    return Err(ParseError::new(
                        query,
                        ParseErrorKind::TagWithoutTerm,
                        Span {
                            start,
                            end: start + 1,
                        },
                    ));
                }
                let word = &query[start..i];
                let span = Span { start, end: i };
                match word {
                    "AND" => out.push((Tok::Op(Op::And), span)),
                    "OR" => out.push((Tok::Op(Op::Or), span)),
                    "NOT" => out.push((Tok::Op(Op::Not), span)),
                    w if w.starts_with(':') && matches!(out.last(), Some((Tok::Tag(_), _))) => {
                        out.push((
                            Tok::Colon,
                            Span {
                                start,
                                end: start + 1,
                            },
                        ));
                        if w.len() > 1 {
                            out.push((
                                Tok::Word(w[1..].to_string()),
                                Span {
                                    start: start + 1,
                                    end: i,
                                },
                            ));
                        }
                    }
                    w => out.push((Tok::Word(w.to_string()), span)),
                }
            }
        }
    }
    Ok(out)
}

/// Parses a query.
pub fn parse(query: &str) -> Result<Node, ParseError> {
    let toks = lex(query)?;
    if toks.is_empty() {
        return Err(ParseError::new(
            query,
            ParseErrorKind::Empty,
            Span::default(),
        ));
    }
    let mut p = Parser { query, toks, at: 0 };
    let node = p.expr(0)?;
    if let Some((_, span)) = p.toks.get(p.at) {
        return Err(ParseError::new(query, ParseErrorKind::StrayParen, *span));
    }
    Ok(node)
}

struct Parser<'q> {
    query: &'q str,
    toks: Vec<(Tok, Span)>,
    at: usize,
}

impl Parser<'_> {
    fn err(&self, kind: ParseErrorKind, span: Span) -> ParseError {
        ParseError::new(self.query, kind, span)
    }

    fn peek(&self) -> Option<&(Tok, Span)> {
        self.toks.get(self.at)
    }

    fn end_span(&self) -> Span {
        let n = self.query.len();
        Span { start: n, end: n }
    }

    /// Operands joined by operators, left to right, until `)` or the end.
    fn expr(&mut self, depth: usize) -> Result<Node, ParseError> {
        let mut left = match self.peek() {
            Some((Tok::Op(op), span)) => {
                return Err(self.err(ParseErrorKind::MissingOperand(*op), *span));
            }
            _ => self.unit(depth)?,
        };
        loop {
            let (op, span) = match self.peek() {
                None => break,
                Some((Tok::Close, span)) => {
                    if depth == 0 {
                        return Err(self.err(ParseErrorKind::StrayParen, *span));
                    }
                    break;
                }
                Some((Tok::Op(op), span)) => {
                    let (op, span) = (*op, *span);
                    self.at += 1;
                    (op, span)
                }
                // Terms side by side: AND, as PubMed joins them.
                Some((_, span)) => (Op::And, *span),
            };
            match self.peek() {
                None | Some((Tok::Close, _)) | Some((Tok::Op(_), _)) => {
                    return Err(self.err(ParseErrorKind::MissingOperand(op), span));
                }
                _ => {}
            }
            let right = self.unit(depth)?;
            left = join(op, left, right);
        }
        Ok(left)
    }

    fn unit(&mut self, depth: usize) -> Result<Node, ParseError> {
        let Some((tok, span)) = self.peek().cloned() else {
            return Err(self.err(ParseErrorKind::Empty, self.end_span()));
        };
        match tok {
            Tok::Open => {
                self.at += 1;
                if let Some((Tok::Close, close)) = self.peek() {
                    let close = *close;
                    return Err(self.err(
                        ParseErrorKind::EmptyParens,
                        Span {
                            start: span.start,
                            end: close.end,
                        },
                    ));
                }
                let inner = self.expr(depth + 1)?;
                match self.peek() {
                    Some((Tok::Close, _)) => {
                        self.at += 1;
                        Ok(inner)
                    }
                    _ => Err(self.err(ParseErrorKind::UnclosedParen, span)),
                }
            }
            Tok::Close => Err(self.err(ParseErrorKind::StrayParen, span)),
            Tok::Op(op) => Err(self.err(ParseErrorKind::MissingOperand(op), span)),
            Tok::Tag(_) => Err(self.err(ParseErrorKind::TagWithoutTerm, span)),
            Tok::Colon => Err(self.err(ParseErrorKind::BadRange, span)),
            Tok::Line(id) => {
                self.at += 1;
                Ok(Node::Line { id, span })
            }
            Tok::Quoted(text) => {
                self.at += 1;
                let first = self.tagged(text, true, span)?;
                self.range(first)
            }
            Tok::Word(_) => {
                // Words in a row: one phrase if a tag follows, else each word on its own.
                let mut words = Vec::new();
                while let Some((Tok::Word(w), s)) = self.peek() {
                    words.push((w.clone(), *s));
                    self.at += 1;
                }
                if let Some((Tok::Tag(_), _)) = self.peek() {
                    let text = words
                        .iter()
                        .map(|(w, _)| w.as_str())
                        .collect::<Vec<_>>()
                        .join(" ");
                    let span = Span {
                        start: words[0].1.start,
                        end: words[words.len() - 1].1.end,
                    };
                    let first = self.tagged(text, false, span)?;
                    return self.range(first);
                }
                let mut nodes = Vec::new();
                for (w, s) in words {
                    nodes.push(self.term(w, false, Field::All, None, s)?);
                }
                let mut it = nodes.into_iter();
                let first = it
                    .next()
                    .ok_or_else(|| self.err(ParseErrorKind::Empty, span))?;
                Ok(it.fold(first, |l, r| join(Op::And, l, r)))
            }
        }
    }

    /// A term with the tag that follows it, if any.
    fn tagged(&mut self, text: String, quoted: bool, span: Span) -> Result<Node, ParseError> {
        let (field, proximity, end) = match self.peek().cloned() {
            Some((Tok::Tag(tag), tspan)) => {
                self.at += 1;
                let (name, proximity) = match tag.split_once(":~") {
                    Some((name, n)) => {
                        let n: u32 = n
                            .trim()
                            .parse()
                            .map_err(|_| self.err(ParseErrorKind::BadProximity, tspan))?;
                        (name, Some(n))
                    }
                    None => (tag.as_str(), None),
                };
                let field = Field::from_tag(name).ok_or_else(|| {
                    self.err(
                        ParseErrorKind::UnknownTag(
                            tag.clone(),
                            Field::short_tags()
                                .map(|t| format!("[{t}]"))
                                .collect::<Vec<_>>()
                                .join(" "),
                        ),
                        tspan,
                    )
                })?;
                (field, proximity, tspan.end)
            }
            _ => (Field::All, None, span.end),
        };
        let span = Span {
            start: span.start,
            end,
        };
        if let Some(_n) = proximity {
            if !field.allows_proximity() || !quoted || text.split_whitespace().count() < 2 {
                return Err(self.err(ParseErrorKind::BadProximity, span));
            }
        }
        self.term(text, quoted, field, proximity, span)
    }

    fn term(
        &self,
        text: String,
        quoted: bool,
        field: Field,
        proximity: Option<u32>,
        span: Span,
    ) -> Result<Node, ParseError> {
        if field == Field::Dp {
            let range = date_range(&text)
                .ok_or_else(|| self.err(ParseErrorKind::BadDate(text.clone()), span))?;
            if range.to < range.from {
                return Err(self.err(ParseErrorKind::BackwardsDates, span));
            }
            return Ok(Node::Date { range, text, span });
        }
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err(self.err(ParseErrorKind::Empty, span));
        }
        let body = trimmed.trim_end_matches('*');
        if body.contains('*') {
            return Err(self.err(ParseErrorKind::MisplacedTruncation, span));
        }
        if trimmed.ends_with('*') {
            let last = body.split_whitespace().last().unwrap_or("");
            if last.chars().filter(|c| c.is_alphanumeric()).count() < 4 {
                return Err(self.err(ParseErrorKind::ShortTruncation(trimmed.to_string()), span));
            }
        }
        Ok(Node::Term(Term {
            text: trimmed.split_whitespace().collect::<Vec<_>>().join(" "),
            quoted,
            field,
            proximity,
            span,
        }))
    }

    /// `DATE[dp] : DATE[dp]`.
    fn range(&mut self, first: Node) -> Result<Node, ParseError> {
        let Some((Tok::Colon, cspan)) = self.peek().cloned() else {
            return Ok(first);
        };
        self.at += 1;
        let second = match self.peek().cloned() {
            Some((Tok::Quoted(t), s)) | Some((Tok::Word(t), s)) => {
                self.at += 1;
                self.tagged(t, false, s)?
            }
            _ => return Err(self.err(ParseErrorKind::BadRange, cspan)),
        };
        match (first, second) {
            (
                Node::Date {
                    range: a,
                    text: ta,
                    span: sa,
                },
                Node::Date {
                    range: b,
                    text: tb,
                    span: sb,
                },
            ) => {
                let span = Span {
                    start: sa.start,
                    end: sb.end,
                };
                if b.to < a.from {
                    return Err(self.err(ParseErrorKind::BackwardsDates, span));
                }
                Ok(Node::Date {
                    range: DateRange {
                        from: a.from,
                        to: b.to,
                    },
                    text: format!("{ta}:{tb}"),
                    span,
                })
            }
            _ => Err(self.err(ParseErrorKind::BadRange, cspan)),
        }
    }
}

impl Node {
    /// Where the node is in the query.
    pub fn span(&self) -> Span {
        match self {
            Node::Term(t) => t.span,
            Node::Date { span, .. } | Node::Line { span, .. } => *span,
            Node::Bool { children, .. } => {
                let first = children.first().map(Node::span).unwrap_or_default();
                let last = children.last().map(Node::span).unwrap_or_default();
                Span {
                    start: first.start,
                    end: last.end,
                }
            }
        }
    }

    /// Replaces each `#id` with the query of that line, as `lines` gives it.
    pub fn resolve<'a, E>(&self, lines: &impl Fn(&str) -> Result<&'a Node, E>) -> Result<Node, E> {
        Ok(match self {
            Node::Line { id, .. } => lines(id)?.clone(),
            Node::Bool { op, children } => Node::Bool {
                op: *op,
                children: children
                    .iter()
                    .map(|c| c.resolve(lines))
                    .collect::<Result<_, _>>()?,
            },
            other => other.clone(),
        })
    }
}

/// `left op right`, merging into `left` when it has the same operator: evaluation is left to
/// right, so `(a OR b) OR c` and `a OR b OR c` are one OR of three, and `a NOT b NOT c` is `a`
/// without `b` and without `c`.
fn join(op: Op, left: Node, right: Node) -> Node {
    match left {
        Node::Bool {
            op: lop,
            mut children,
        } if lop == op => {
            children.push(right);
            Node::Bool { op, children }
        }
        left => Node::Bool {
            op,
            children: vec![left, right],
        },
    }
}

/// Reads `YYYY`, `YYYY/MM`, `YYYY/MM/DD` (or with `-`), or `FROM:TO`, as PubMed's `[dp]` does: a
/// date names all the days it covers; `3000` is PubMed's way to say "to the present".
pub fn date_range(text: &str) -> Option<DateRange> {
    let text = text.trim();
    let (a, b) = match text.split_once(':') {
        Some((a, b)) => (a.trim(), b.trim()),
        None => (text, text),
    };
    let from = date_bounds(a)?.0;
    let to = date_bounds(b)?.1;
    Some(DateRange { from, to })
}

fn date_bounds(text: &str) -> Option<(i64, i64)> {
    let parts: Vec<&str> = text.split(['/', '-']).collect();
    let num = |s: &str, digits: std::ops::RangeInclusive<usize>| -> Option<i64> {
        (digits.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    let year = num(parts.first()?, 4..=4)?;
    if !(1000..=3000).contains(&year) {
        return None;
    }
    match parts.len() {
        1 => Some((year * 10000 + 101, year * 10000 + 1231)),
        2 => {
            let m = num(parts[1], 1..=2)?;
            if !(1..=12).contains(&m) {
                return None;
            }
            Some((
                year * 10000 + m * 100 + 1,
                year * 10000 + m * 100 + days_in_month(year, m),
            ))
        }
        3 => {
            let m = num(parts[1], 1..=2)?;
            let d = num(parts[2], 1..=2)?;
            if !(1..=12).contains(&m) || d < 1 || d > days_in_month(year, m) {
                return None;
            }
            let day = year * 10000 + m * 100 + d;
            Some((day, day))
        }
        _ => None,
    }
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 31,
    }
}

impl fmt::Display for Node {
    /// The query as concur reads it, in PubMed's translation style: every term quoted with its
    /// long field name, every group in parentheses.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Node::Term(t) => {
                write!(f, "\"{}\"[{}", t.text, t.field.long_name())?;
                if let Some(n) = t.proximity {
                    write!(f, ":~{n}")?;
                }
                f.write_str("]")
            }
            Node::Date { range, .. } => {
                let d = |n: i64| format!("{:04}/{:02}/{:02}", n / 10000, n / 100 % 100, n % 100);
                write!(f, "{}:{}[Date - Publication]", d(range.from), d(range.to))
            }
            Node::Line { id, .. } => write!(f, "#{id}"),
            Node::Bool { op, children } => {
                for (i, c) in children.iter().enumerate() {
                    if i > 0 {
                        write!(f, " {op} ")?;
                    }
                    match c {
                        Node::Bool { .. } => write!(f, "({c})")?,
                        c => write!(f, "{c}")?,
                    }
                }
                Ok(())
            }
        }
    }
}
