//! Maps a field path such as `outcomes[2].events` to its line and column in a TOML file, so that
//! problems found after deserialisation point at the place a person has to edit.

use toml::de::{DeTable, DeValue};

/// One step of a field path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    Key(String),
    Index(usize),
}

/// Parses `outcomes[2].events` into segments; unparseable parts are kept as keys.
pub fn parse_path(path: &str) -> Vec<Segment> {
    let mut segments = Vec::new();
    for part in path.split('.').filter(|p| !p.is_empty()) {
        let mut rest = part;
        if let Some(open) = rest.find('[') {
            segments.push(Segment::Key(rest[..open].to_string()));
            rest = &rest[open..];
            while let Some(stripped) = rest.strip_prefix('[') {
                let Some(close) = stripped.find(']') else {
                    break;
                };
                match stripped[..close].parse() {
                    Ok(i) => segments.push(Segment::Index(i)),
                    Err(_) => segments.push(Segment::Key(stripped[..close].to_string())),
                }
                rest = &stripped[close + 1..];
            }
        } else {
            segments.push(Segment::Key(rest.to_string()));
        }
    }
    segments
}

/// Byte offset of the deepest part of `path` found in `text` (the field, else its table).
pub fn offset_of(text: &str, path: &str) -> Option<usize> {
    let root = DeTable::parse(text).ok()?;
    let segments = parse_path(path);
    let mut best = None;
    let mut current: Option<&DeValue<'_>> = None;
    let table = root.get_ref();
    for (depth, segment) in segments.iter().enumerate() {
        let next = match (depth, segment, current) {
            (0, Segment::Key(k), _) => table.get(k.as_str()),
            (_, Segment::Key(k), Some(v)) => v.get(k.as_str()),
            (_, Segment::Index(i), Some(v)) => v.get(*i),
            _ => None,
        };
        match next {
            Some(spanned) => {
                best = Some(spanned.span().start);
                current = Some(spanned.get_ref());
            }
            None => break,
        }
    }
    best
}

/// 1-based line and column of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let column = before.rfind('\n').map_or(offset, |nl| offset - nl - 1) + 1;
    (line, column)
}

/// Digits after the decimal point as written, for each `outcomes[i].percent` in a study file.
pub fn percent_decimals(text: &str) -> Vec<Option<u8>> {
    let Ok(root) = DeTable::parse(text) else {
        return Vec::new();
    };
    let Some(outcomes) = root
        .get_ref()
        .get("outcomes")
        .and_then(|v| v.get_ref().as_array())
    else {
        return Vec::new();
    };
    outcomes
        .iter()
        .map(|o| {
            let raw = o.get_ref().get("percent")?;
            let written = match raw.get_ref() {
                DeValue::Float(f) => f.as_str(),
                DeValue::Integer(i) => i.as_str(),
                _ => return None,
            };
            Some(written.split_once('.').map_or(0, |(_, frac)| {
                frac.chars().take_while(char::is_ascii_digit).count() as u8
            }))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "id = \"x\"\n\n[[outcomes]]\nterm = \"a\"\npercent = 57\n\n[[outcomes]]\nterm = \"b\"\npercent = 77.0\nevents = 3\n";

    #[test]
    fn path_resolves_to_the_line_of_the_field() {
        let off = offset_of(DOC, "outcomes[1].events").unwrap();
        assert_eq!(line_col(DOC, off).0, 10);
        let off = offset_of(DOC, "id").unwrap();
        assert_eq!(line_col(DOC, off), (1, 6));
    }

    #[test]
    fn missing_field_falls_back_to_its_table() {
        let off = offset_of(DOC, "outcomes[0].locator").unwrap();
        assert_eq!(line_col(DOC, off).0, 3);
    }

    #[test]
    fn decimals_are_read_as_written() {
        assert_eq!(percent_decimals(DOC), vec![Some(0), Some(1)]);
    }

    #[test]
    fn paths_parse() {
        assert_eq!(
            parse_path("a[2].b"),
            vec![
                Segment::Key("a".into()),
                Segment::Index(2),
                Segment::Key("b".into())
            ]
        );
    }
}
