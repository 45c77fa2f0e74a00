//! A tag scanner for machine-written XML such as PubMed's, over text already checked as UTF-8.
//!
//! Written by hand, not taken from quick-xml: the PubMed reader only needs the names of
//! elements, a few attribute values and the text of a few elements, and a general tokeniser
//! spends most of the parse on text the reader throws away and on validating UTF-8 again on
//! every event, after the block has been validated once with SIMD. This scanner finds tags with
//! `memchr`, hands out text as borrowed slices without looking inside them, and leaves entity
//! decoding to the few texts that are kept ([`decode_into`]).
//!
//! It checks what a reader of records needs to stay correct: every `<` starts a tag, comment,
//! processing instruction, CDATA section or declaration that ends before the input does, names
//! are well formed, and quotes in attributes are balanced. Matching closing tags against opening
//! ones is left to the caller, which keeps the stack of open elements anyway.

use memchr::{memchr, memchr3, memmem};
use std::borrow::Cow;

/// One piece of the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Token<'a> {
    /// `<name attrs>` or `<name attrs/>` (`empty`); `attrs` is the raw text after the name.
    Start {
        name: &'a str,
        attrs: &'a str,
        empty: bool,
    },
    /// `</name>`.
    End {
        name: &'a str,
    },
    /// Character data between tags, entities not yet decoded.
    Text(&'a str),
    /// The content of a `<![CDATA[...]]>` section, taken literally.
    CData(&'a str),
    Eof,
}

/// A scanning error: the byte offset in the scanned text where it was found, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ScanError {
    pub at: usize,
    pub message: &'static str,
}

/// Scans `text` from a starting offset, one token at a time.
pub(crate) struct Scanner<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Scanner<'a> {
    pub fn new(text: &'a str, from: usize) -> Self {
        Scanner {
            text,
            pos: from.min(text.len()),
        }
    }

    /// The offset of the next token.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// Moves past the next occurrence of `needle`; false (and nothing moved) when there is none.
    pub fn skip_past(&mut self, needle: &memmem::Finder<'_>) -> bool {
        match needle.find(&self.text.as_bytes()[self.pos..]) {
            Some(i) => {
                self.pos += i + needle.needle().len();
                true
            }
            None => false,
        }
    }

    /// Moves past the end of an element that may hold elements of its own name, the scanner
    /// standing just after its opening tag: `open` finds `<name` and `close` finds `</name>`.
    /// False (and nothing moved) when the element does not end.
    pub fn skip_past_nested(
        &mut self,
        open: &memmem::Finder<'_>,
        close: &memmem::Finder<'_>,
    ) -> bool {
        let bytes = self.text.as_bytes();
        let mut at = self.pos;
        let mut depth = 1usize;
        while depth > 0 {
            let Some(end) = close.find(&bytes[at..]).map(|i| at + i) else {
                return false;
            };
            // Elements of the same name opened before this closing tag (not `<name/>`, nor a
            // longer name that starts the same).
            let mut from = at;
            while let Some(start) = open.find(&bytes[from..end]).map(|i| from + i) {
                let after = start + open.needle().len();
                from = after;
                match bytes.get(after) {
                    Some(b'>') => depth += 1,
                    Some(b' ' | b'\t' | b'\r' | b'\n') => match tag_end(&bytes[after..end]) {
                        Some(gt) if bytes[after + gt - 1] != b'/' => depth += 1,
                        _ => {}
                    },
                    _ => {}
                }
            }
            depth -= 1;
            at = end + close.needle().len();
        }
        self.pos = at;
        true
    }

    pub fn next_token(&mut self) -> Result<Token<'a>, ScanError> {
        let bytes = self.text.as_bytes();
        loop {
            let start = self.pos;
            if start >= bytes.len() {
                return Ok(Token::Eof);
            }
            if bytes[start] != b'<' {
                let end = memchr(b'<', &bytes[start..]).map_or(bytes.len(), |i| start + i);
                self.pos = end;
                return Ok(Token::Text(&self.text[start..end]));
            }
            let fail = |message| Err(ScanError { at: start, message });
            match bytes.get(start + 1) {
                Some(b'/') => {
                    let Some(close) = memchr(b'>', &bytes[start + 2..]) else {
                        return fail("end of input inside a closing tag");
                    };
                    let end = start + 2 + close;
                    let mut name = &self.text[start + 2..end];
                    if name.ends_with(is_space) {
                        name = name.trim_end_matches(is_space);
                    }
                    if !is_name(name) {
                        return fail("a closing tag without a valid name");
                    }
                    self.pos = end + 1;
                    return Ok(Token::End { name });
                }
                Some(b'?') => match memmem::find(&bytes[start + 2..], b"?>") {
                    Some(i) => self.pos = start + 2 + i + 2,
                    None => return fail("end of input inside a processing instruction"),
                },
                Some(b'!') => {
                    let rest = &bytes[start..];
                    if rest.starts_with(b"<!--") {
                        match memmem::find(&rest[4..], b"-->") {
                            Some(i) => self.pos = start + 4 + i + 3,
                            None => return fail("end of input inside a comment"),
                        }
                    } else if rest.starts_with(b"<![CDATA[") {
                        let from = start + 9;
                        return match memmem::find(&bytes[from..], b"]]>") {
                            Some(i) => {
                                self.pos = from + i + 3;
                                Ok(Token::CData(&self.text[from..from + i]))
                            }
                            None => fail("end of input inside a CDATA section"),
                        };
                    } else {
                        // <!DOCTYPE ...>, possibly with an internal subset in brackets.
                        let Some(end) = declaration_end(&bytes[start..]) else {
                            return fail("end of input inside a declaration");
                        };
                        self.pos = start + end;
                    }
                }
                Some(_) => {
                    let from = start + 1;
                    // The name runs to the first byte that cannot be in one; only white space,
                    // `/` and `>` may end it.
                    let name_len = bytes[from..]
                        .iter()
                        .position(|&b| NOT_IN_NAME[usize::from(b)])
                        .unwrap_or(bytes.len() - from);
                    let ends_name = bytes
                        .get(from + name_len)
                        .is_none_or(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'/' | b'>'));
                    let name = &self.text[from..from + name_len];
                    if !ends_name || !starts_name(name) {
                        return fail("a '<' that does not start a valid tag");
                    }
                    // Most tags have no attributes: their name ends at the `>`.
                    let after_name = &bytes[from + name_len..];
                    let close = if after_name.first() == Some(&b'>') {
                        Some(0)
                    } else {
                        tag_end(after_name)
                    };
                    let Some(close) = close else {
                        return fail("end of input inside a tag");
                    };
                    let close = from + name_len + close;
                    let empty = bytes[close - 1] == b'/' && close > from + name_len;
                    let attrs_end = if empty { close - 1 } else { close };
                    self.pos = close + 1;
                    return Ok(Token::Start {
                        name,
                        attrs: &self.text[from + name_len..attrs_end],
                        empty,
                    });
                }
                None => return fail("end of input inside a tag"),
            }
        }
    }
}

fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

/// An XML name, loosely: it starts with a letter, `_`, `:` or a non-ASCII character and holds no
/// markup characters or white space.
fn is_name(name: &str) -> bool {
    starts_name(name) && !name.bytes().any(|b| NOT_IN_NAME[usize::from(b)])
}

/// Whether the first character of `name` may start an XML name (loosely, as in [`is_name`]).
fn starts_name(name: &str) -> bool {
    name.as_bytes()
        .first()
        .is_some_and(|c| c.is_ascii_alphabetic() || matches!(c, b'_' | b':') || *c >= 0x80)
}

/// The bytes that cannot be part of a name: white space and markup characters. A table, as the
/// name of every tag is scanned byte by byte.
static NOT_IN_NAME: [bool; 256] = {
    let mut table = [false; 256];
    let bytes = b" \t\r\n<>&\"'=/";
    let mut i = 0;
    while i < bytes.len() {
        table[bytes[i] as usize] = true;
        i += 1;
    }
    table
};

/// The offset of the `>` ending a start tag, skipping over quoted attribute values (which may
/// hold `>`).
fn tag_end(bytes: &[u8]) -> Option<usize> {
    let mut at = 0;
    loop {
        let i = at + memchr3(b'>', b'"', b'\'', &bytes[at..])?;
        match bytes[i] {
            b'>' => return Some(i),
            quote => at = i + 1 + memchr(quote, &bytes[i + 1..])? + 1,
        }
    }
}

/// The length of a `<!...>` declaration, including an internal subset in brackets.
fn declaration_end(bytes: &[u8]) -> Option<usize> {
    let close = memchr(b'>', bytes)?;
    match memchr(b'[', &bytes[..close]) {
        None => Some(close + 1),
        Some(open) => {
            let end = open + memmem::find(&bytes[open..], b"]")?;
            let after = end + 1 + memchr(b'>', &bytes[end + 1..])?;
            Some(after + 1)
        }
    }
}

/// The value of attribute `key` (compared by local name, after any `prefix:`) in a start tag's
/// raw attribute text, entities decoded (borrowed when there are none).
pub(crate) fn attribute<'a>(attrs: &'a str, key: &str) -> Option<Cow<'a, str>> {
    let b = attrs.as_bytes();
    let mut at = 0;
    while at < b.len() {
        while at < b.len() && matches!(b[at], b' ' | b'\t' | b'\r' | b'\n') {
            at += 1;
        }
        let name_end = at + memchr(b'=', &b[at..])?;
        let name = attrs[at..name_end].trim_end_matches(is_space);
        let mut v = name_end + 1;
        while v < b.len() && matches!(b[v], b' ' | b'\t' | b'\r' | b'\n') {
            v += 1;
        }
        let quote = *b.get(v).filter(|q| matches!(q, b'"' | b'\''))?;
        let value_end = v + 1 + memchr(quote, &b[v + 1..])?;
        let local = name.rsplit(':').next().unwrap_or(name);
        if local == key {
            let raw = &attrs[v + 1..value_end];
            if memchr(b'&', raw.as_bytes()).is_none() {
                return Some(Cow::Borrowed(raw));
            }
            let mut out = String::new();
            decode_into(raw, &mut out);
            return Some(Cow::Owned(out));
        }
        at = value_end + 1;
    }
    None
}

/// Appends `raw` to `out` with the predefined and numeric character references decoded; a
/// reference to an unknown entity is dropped (PubMed declares none), and a `&` that starts no
/// reference is kept as it is.
pub(crate) fn decode_into(raw: &str, out: &mut String) {
    let b = raw.as_bytes();
    let mut from = 0;
    while let Some(i) = memchr(b'&', &b[from..]) {
        let amp = from + i;
        out.push_str(&raw[from..amp]);
        let end = b[amp + 1..]
            .iter()
            .take(32)
            .position(|&c| c == b';')
            .map(|j| amp + 1 + j);
        let Some(end) = end else {
            out.push('&');
            from = amp + 1;
            continue;
        };
        let name = &raw[amp + 1..end];
        let decoded = match name {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => match name.strip_prefix('#') {
                Some(num) => match num.strip_prefix(['x', 'X']) {
                    Some(hex) => u32::from_str_radix(hex, 16).ok(),
                    None => num.parse().ok(),
                }
                .and_then(char::from_u32),
                None => None,
            },
        };
        if let Some(c) = decoded {
            out.push(c);
        } else if name.starts_with('#') || !is_name(name) {
            // Not a reference after all (or a code point that does not exist): keep the text.
            out.push_str(&raw[amp..=end]);
        }
        from = end + 1;
    }
    out.push_str(&raw[from..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(text: &str) -> Result<Vec<Token<'_>>, ScanError> {
        let mut s = Scanner::new(text, 0);
        let mut out = Vec::new();
        loop {
            match s.next_token()? {
                Token::Eof => return Ok(out),
                t => out.push(t),
            }
        }
    }

    #[test]
    fn tags_text_and_what_is_skipped() {
        let doc = "<?xml version=\"1.0\"?>\n<!DOCTYPE Set PUBLIC \"-//x//EN\" \"x.dtd\">\
                   <Set><!-- note --><A Label=\"a>b\" x='1'>t &amp; u<B/></A><![CDATA[<raw>]]></Set >";
        let t = tokens(doc).unwrap();
        assert_eq!(
            t,
            [
                Token::Text("\n"),
                Token::Start {
                    name: "Set",
                    attrs: "",
                    empty: false
                },
                Token::Start {
                    name: "A",
                    attrs: " Label=\"a>b\" x='1'",
                    empty: false
                },
                Token::Text("t &amp; u"),
                Token::Start {
                    name: "B",
                    attrs: "",
                    empty: true
                },
                Token::End { name: "A" },
                Token::CData("<raw>"),
                Token::End { name: "Set" },
            ]
        );
        assert_eq!(
            attribute(" Label=\"a&gt;b\" x='1'", "Label").as_deref(),
            Some("a>b")
        );
        assert_eq!(attribute(" Label=\"a\" x = '1'", "x").as_deref(), Some("1"));
        assert_eq!(attribute(" Label=\"a\"", "IdType"), None);
        assert_eq!(
            tokens("<!DOCTYPE a [<!ENTITY x \"y\">]><a/>")
                .unwrap()
                .len(),
            1
        );
    }

    #[test]
    fn nested_elements_are_skipped_whole() {
        let open = memmem::Finder::new(b"<L");
        let close = memmem::Finder::new(b"</L>");
        fn skip<'a>(
            doc: &'a str,
            open: &memmem::Finder,
            close: &memmem::Finder,
        ) -> Option<Token<'a>> {
            let mut s = Scanner::new(doc, 0);
            assert!(matches!(s.next_token(), Ok(Token::Start { name: "L", .. })));
            s.skip_past_nested(open, close)
                .then(|| s.next_token().unwrap())
        }
        // Lists inside the list, one with attributes; `<L/>` and `<Lx>` open nothing to close.
        let doc = "<L><r/><L><L a='>'><r/></L></L><L/><Lx>t</Lx><r/></L><after/>";
        let after = Token::Start {
            name: "after",
            attrs: "",
            empty: true,
        };
        assert_eq!(skip(doc, &open, &close), Some(after));
        assert_eq!(skip("<L><r/></L><after/>", &open, &close), Some(after));
        // An inner list that never ends: nothing is skipped and the scanner has not moved.
        let mut s = Scanner::new("<L><L></L>", 0);
        s.next_token().unwrap();
        let at = s.position();
        assert!(!s.skip_past_nested(&open, &close));
        assert_eq!(s.position(), at);
    }

    #[test]
    fn malformed_input_is_located() {
        for (doc, at) in [
            ("<a>x < y</a>", 5),
            ("<a><b", 3),
            ("<a x=\"1>", 0),
            ("<a></", 3),
            ("<a><!-- x", 3),
            ("<a><![CDATA[x", 3),
            ("ok<", 2),
        ] {
            let err = tokens(doc).unwrap_err();
            assert_eq!(err.at, at, "{doc}: {err:?}");
        }
    }

    #[test]
    fn references_are_decoded() {
        let mut out = String::new();
        decode_into(
            "a &amp; b &#946; &#x3B1; &lt;i&gt; &unknown; AT&T &#xZZ;",
            &mut out,
        );
        assert_eq!(out, "a & b β α <i>  AT&T &#xZZ;");
    }

    /// A small XML tree for the round-trip property.
    #[derive(Debug, Clone, PartialEq)]
    enum Node {
        Element {
            name: String,
            label: Option<String>,
            children: Vec<Node>,
        },
        Text(String),
    }

    fn escape(text: &str) -> String {
        text.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    }

    /// Writes a tree, mixing in what a scanner must step over: comments, CDATA and character
    /// references.
    fn write(node: &Node, out: &mut String) {
        match node {
            Node::Text(t) if t.contains('β') => {
                out.push_str(&escape(t).replace('β', "&#946;"));
            }
            Node::Text(t) if t.starts_with('c') => {
                out.push_str(&format!("<![CDATA[{t}]]>"));
            }
            Node::Text(t) => out.push_str(&escape(t)),
            Node::Element {
                name,
                label,
                children,
            } => {
                out.push('<');
                out.push_str(name);
                if let Some(l) = label {
                    out.push_str(&format!(" Label=\"{}\" x='>'", escape(l)));
                }
                if children.is_empty() {
                    out.push_str("/>");
                    return;
                }
                out.push('>');
                out.push_str("<!-- a comment -->");
                for c in children {
                    write(c, out);
                }
                out.push_str(&format!("</{name} >"));
            }
        }
    }

    /// Reads a tree back from the scanner's tokens.
    fn read(text: &str) -> Vec<Node> {
        let mut s = Scanner::new(text, 0);
        let mut stack: Vec<(String, Option<String>, Vec<Node>)> =
            vec![(String::new(), None, vec![])];
        loop {
            match s.next_token().unwrap() {
                Token::Eof => break,
                Token::Start { name, attrs, empty } => {
                    let label = attribute(attrs, "Label").map(Cow::into_owned);
                    if empty {
                        let node = Node::Element {
                            name: name.into(),
                            label,
                            children: vec![],
                        };
                        stack.last_mut().unwrap().2.push(node);
                    } else {
                        stack.push((name.into(), label, vec![]));
                    }
                }
                Token::End { name } => {
                    let (open, label, children) = stack.pop().unwrap();
                    assert_eq!(open, name);
                    let node = Node::Element {
                        name: open,
                        label,
                        children,
                    };
                    stack.last_mut().unwrap().2.push(node);
                }
                Token::Text(raw) => {
                    let mut t = String::new();
                    decode_into(raw, &mut t);
                    stack.last_mut().unwrap().2.push(Node::Text(t));
                }
                Token::CData(t) => stack.last_mut().unwrap().2.push(Node::Text(t.into())),
            }
        }
        stack.pop().unwrap().2
    }

    fn tree() -> impl proptest::strategy::Strategy<Value = Node> {
        use proptest::prelude::*;
        // Texts are never empty and never adjacent (the writer would merge them).
        let text = "[a-z &<>\"'β]{1,12}".prop_map(Node::Text);
        text.prop_recursive(4, 40, 5, |inner| {
            (
                "[A-Z][A-Za-z]{0,8}",
                proptest::option::of("[a-zA-Z &<>\"]{0,10}"),
                proptest::collection::vec(inner, 0..5),
            )
                .prop_map(|(name, label, children)| {
                    let mut merged: Vec<Node> = Vec::new();
                    for c in children {
                        if matches!((merged.last(), &c), (Some(Node::Text(_)), Node::Text(_))) {
                            continue;
                        }
                        merged.push(c);
                    }
                    Node::Element {
                        name,
                        label,
                        children: merged,
                    }
                })
        })
    }

    proptest::proptest! {
        #[test]
        fn written_trees_scan_back_unchanged(root in tree()) {
            let root = match root {
                Node::Text(t) => Node::Element { name: "Root".into(), label: None, children: vec![Node::Text(t)] },
                element => element,
            };
            let mut text = String::new();
            write(&root, &mut text);
            proptest::prop_assert_eq!(read(&text), vec![root], "{}", text);
        }
    }
}
