//! Labelled screening sets (ASReview's and SYNERGY's CSV shape): `title`, `abstract` and
//! `label_included` (0 or 1), other columns ignored.

use crate::error::ScreenError;

/// One labelled record.
#[derive(Debug, Clone, PartialEq)]
pub struct Labelled {
    /// Its title.
    pub title: String,
    /// Its abstract (empty when missing).
    pub abstract_text: String,
    /// Whether the review included it.
    pub relevant: bool,
}

impl Labelled {
    /// Title and abstract, the text the ranker reads.
    pub fn text(&self) -> String {
        format!("{} {}", self.title, self.abstract_text)
    }
}

/// Reads a labelled CSV (with a header row). Errors name the line.
pub fn read_labelled(data: &[u8]) -> Result<Vec<Labelled>, ScreenError> {
    let data = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
    let mut r = csv::ReaderBuilder::new().flexible(true).from_reader(data);
    let headers = r
        .headers()
        .map_err(|e| csv_error(&e))?
        .iter()
        .map(|h| h.trim().to_lowercase())
        .collect::<Vec<_>>();
    if headers.iter().all(|h| h.is_empty()) {
        return Err(ScreenError::Empty);
    }
    let col = |name: &'static str| {
        headers
            .iter()
            .position(|h| h == name)
            .ok_or(ScreenError::MissingColumn(name))
    };
    let (title, abstract_col, label) = (col("title")?, col("abstract")?, col("label_included")?);
    let mut out = Vec::new();
    for row in r.records() {
        let row = row.map_err(|e| csv_error(&e))?;
        let line = row.position().map_or(0, |p| p.line());
        let field = |i: usize| row.get(i).unwrap_or("").trim();
        let relevant = match field(label) {
            "1" | "1.0" => true,
            "0" | "0.0" => false,
            other => {
                return Err(ScreenError::BadLabel {
                    line,
                    value: other.to_string(),
                })
            }
        };
        out.push(Labelled {
            title: field(title).to_string(),
            abstract_text: field(abstract_col).to_string(),
            relevant,
        });
    }
    if out.is_empty() {
        return Err(ScreenError::Empty);
    }
    if !out.iter().any(|l| l.relevant) {
        return Err(ScreenError::OneClass("relevant"));
    }
    if out.iter().all(|l| l.relevant) {
        return Err(ScreenError::OneClass("irrelevant"));
    }
    Ok(out)
}

fn csv_error(e: &csv::Error) -> ScreenError {
    ScreenError::Csv {
        line: e.position().map_or(0, |p| p.line()),
        message: match e.kind() {
            csv::ErrorKind::Utf8 { .. } => "the text is not UTF-8".to_string(),
            _ => e.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_columns_it_needs_and_ignores_the_rest() {
        let data = "\u{feff}record_id,title,abstract,label_included\n1,A,x,1\n2,B,,0\n";
        let l = read_labelled(data.as_bytes()).unwrap();
        assert_eq!(l.len(), 2);
        assert!(l[0].relevant && !l[1].relevant);
        assert_eq!(l[1].abstract_text, "");
    }

    #[test]
    fn bad_files_say_where_and_what() {
        let err = |s: &str| read_labelled(s.as_bytes()).unwrap_err().to_string();
        assert!(err("title,label_included\nA,1\n").contains("no `abstract` column"));
        assert!(err("title,abstract,label_included\nA,x,1\nB,y,yes\n").starts_with("line 3:"));
        assert!(err("title,abstract,label_included\nA,x,2\n").contains("must be 0 or 1"));
        assert!(err("title,abstract,label_included\nA,x,0\nB,y,0\n").contains("no relevant"));
        assert!(err("title,abstract,label_included\nA,x,1\n").contains("no irrelevant"));
        assert!(err("title,abstract,label_included\n").contains("no records"));
        assert!(err("").contains("no records"));
    }
}
