//! Printing: text and JSON to standard output (a closed pipe is an error `main` turns into a quiet
//! exit), and the terminal text of the workspace's results.

use concur_store::{Batch, DedupResult, FileOutcome, Status, StoredRecord};
use std::io::Write;

/// Writes text to standard output, made safe for a terminal ([`safe`]).
pub fn text(s: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(safe(s).as_bytes())?;
    out.flush()
}

/// Text made safe for a terminal with its lines kept: control and escape characters other
/// than newline and tab (which could move the cursor, recolour the screen or rewrite the title)
/// become spaces. Every text this binary prints passes through it, so no record or review file
/// can send a terminal an escape sequence.
pub fn safe(text: &str) -> std::borrow::Cow<'_, str> {
    let bad = |c: char| c.is_control() && c != '\n' && c != '\t';
    if !text.chars().any(bad) {
        return std::borrow::Cow::Borrowed(text);
    }
    std::borrow::Cow::Owned(text.chars().map(|c| if bad(c) { ' ' } else { c }).collect())
}

/// Writes a line to standard error, made safe for a terminal.
pub fn eline(s: &str) {
    let mut err = std::io::stderr().lock();
    // Nothing is left to tell if standard error itself is closed.
    let _ = err.write_all(safe(s).as_bytes());
    let _ = err.write_all(b"\n");
}

/// Writes a line built by this binary with its own terminal styles around pieces that were
/// made safe first ([`clean`]).
pub fn styled_line(s: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(s.as_bytes())?;
    out.write_all(b"\n")?;
    out.flush()
}

/// Writes text for people: wrapped to the terminal's width when standard output is one (list
/// items keep their indent on the lines they wrap to), as it is otherwise.
pub fn prose(s: &str) -> std::io::Result<()> {
    use std::io::IsTerminal;
    let width = std::io::stdout()
        .is_terminal()
        .then(terminal_size::terminal_size)
        .flatten()
        .map(|(w, _)| usize::from(w.0));
    match width {
        Some(width) if width >= 40 => text(&wrap(s, width)),
        _ => text(s),
    }
}

/// Wraps each line at `width`, a list item's continuation lines under its text.
fn wrap(s: &str, width: usize) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 16);
    for line in s.lines() {
        let body = line.trim_start();
        let indent = line.len() - body.len();
        let hang = indent + if body.starts_with("- ") { 2 } else { 0 };
        let hanging = " ".repeat(hang);
        let options = textwrap::Options::new(width)
            .subsequent_indent(&hanging)
            .break_words(false);
        // An empty line wraps to one empty line.
        for wrapped in textwrap::wrap(line, options) {
            out.push_str(&wrapped);
            out.push('\n');
        }
    }
    out
}

/// Text from a record or a review file made safe for a terminal: control and escape characters
/// (which could move the cursor or recolour the screen) become spaces.
pub fn clean(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// Writes a line to standard output, made safe for a terminal ([`safe`]).
pub fn line(s: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(safe(s).as_bytes())?;
    out.write_all(b"\n")?;
    out.flush()
}

/// Writes one of the report's JSON shapes (keys in alphabetical order) and a newline. The text is
/// made first, so that a failed write is the plain I/O error `main` recognises for a closed pipe.
pub fn json<T: serde::Serialize + ?Sized>(value: &T) -> anyhow::Result<()> {
    line(&concur_report::json_text(value)?)?;
    Ok(())
}

/// Writes a workspace value as pretty JSON, keys in the order of its fields, and a newline.
pub fn record_json<T: serde::Serialize + ?Sized>(value: &T) -> anyhow::Result<()> {
    line(&serde_json::to_string_pretty(value)?)?;
    Ok(())
}

/// `dedup --undo --json`.
#[derive(serde::Serialize)]
pub struct Undone {
    pub undone: i64,
    pub records_restored: usize,
}

/// `dedup --not-duplicate --json`.
#[derive(serde::Serialize)]
pub struct KeptApart<'a> {
    pub record: i64,
    pub kept_apart_from: &'a [i64],
}

/// `dedup --different --json`.
#[derive(serde::Serialize)]
pub struct KeptDifferent<'a> {
    pub records: &'a [i64],
    pub kept_apart_from: &'a [i64],
}

/// Prints the result of a command that changes one thing: `value` as compact JSON with
/// `--json`, otherwise the sentence for people.
pub fn result(json: bool, value: &impl serde::Serialize, sentence: &str) -> anyhow::Result<()> {
    if json {
        line(&serde_json::to_string(value)?)?;
    } else {
        line(sentence)?;
    }
    Ok(())
}

/// Record ids as people read them: "1, 5, 9".
pub fn id_list(ids: &[i64]) -> String {
    ids.iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// A text cut to `width` characters, with an ellipsis when cut.
pub fn shorten(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let cut: String = text.chars().take(width - 1).collect();
    format!("{cut}…")
}

/// What became of one imported file: problems and errors on standard error, the batch on
/// standard output.
pub fn file_outcome(o: &FileOutcome) -> std::io::Result<()> {
    const SHOWN: usize = 10;
    for p in o.problems.iter().take(SHOWN) {
        crate::print::eline(&format!("{}: {p}", o.file));
    }
    if o.problems.len() > SHOWN {
        crate::print::eline(&format!(
            "{}: ... and {} more problems (all are stored in the workspace)",
            o.file,
            o.problems.len() - SHOWN
        ));
    }
    match (&o.batch, &o.error) {
        (_, Some(e)) => crate::print::eline(&format!("error: {}: {e}", o.file)),
        (Some(b), None) if o.skipped => line(&format!(
            "{}: already imported as batch {} on {} ({} records); nothing to do",
            o.file, b.id, b.imported_at, b.records
        ))?,
        (Some(b), None) => line(&imported_line(o, b))?,
        (None, None) => {}
    }
    Ok(())
}

fn imported_line(o: &FileOutcome, b: &Batch) -> String {
    let rate = if o.seconds > 0.0 {
        format!(", {:.0} records/s", b.records as f64 / o.seconds)
    } else {
        String::new()
    };
    let mut line = format!(
        "{}: batch {}, {} records from {} ({}){rate}",
        o.file, b.id, b.records, b.source, b.format
    );
    if b.rejected > 0 {
        line.push_str(&format!(", {} rejected", b.rejected));
    }
    if b.repaired > 0 {
        line.push_str(&format!(
            ", {} read with a repair (records kept; see above)",
            if b.repaired == 1 {
                "1 place".to_string()
            } else {
                format!("{} places", b.repaired)
            }
        ));
    }
    if b.deletions > 0 {
        line.push_str(&format!(
            ", {} deletions listed ({} records deleted)",
            b.deletions, b.deleted
        ));
    }
    line
}

/// A dedup run's clusters, pairs to check and totals; `title` gives a record's title.
pub fn dedup_result(result: &DedupResult, title: &dyn Fn(i64) -> String) -> std::io::Result<()> {
    let mut out = String::new();
    for c in &result.clusters {
        out.push_str(&format!(
            "cluster: keep {} {}\n",
            c.primary,
            title(c.primary)
        ));
        for (d, why) in &c.duplicates {
            out.push_str(&format!("  duplicate {d} ({why}) {}\n", title(*d)));
        }
    }
    for f in &result.flagged {
        out.push_str(&format!("check by hand: {} and {}: {}\n", f.a, f.b, f.why));
    }
    let duplicates: usize = result.clusters.iter().map(|c| c.duplicates.len()).sum();
    out.push_str(&match result.run {
        Some(run) => format!(
            "dedup run {run}: {} records, {} clusters, {duplicates} duplicates ({} newly marked), {} pairs to check by hand; undo with `concur dedup --undo`\n",
            result.records,
            result.clusters.len(),
            result.newly_merged,
            result.flagged.len()
        ),
        None => format!(
            "dry run: {} records, {} clusters, {duplicates} duplicates, {} pairs to check by hand; nothing changed\n",
            result.records,
            result.clusters.len(),
            result.flagged.len()
        ),
    });
    text(&out)
}

fn status_name(r: &StoredRecord) -> &'static str {
    match r.status {
        Status::Unique => "unique",
        Status::Primary => "primary",
        Status::Duplicate => "duplicate",
        Status::Deleted => "deleted",
    }
}

/// The records as a table.
pub fn record_table(list: &[StoredRecord]) -> std::io::Result<()> {
    let mut out = format!(
        "{:>6}  {:>5}  {:<9}  {:<4}  {:<10}  title\n",
        "id", "batch", "status", "year", "pmid"
    );
    for r in list {
        out.push_str(&format!(
            "{:>6}  {:>5}  {:<9}  {:<4}  {:<10}  {}\n",
            r.id,
            r.batch,
            status_name(r),
            r.record.year.map(|y| y.to_string()).unwrap_or_default(),
            r.record.pmid.clone().unwrap_or_default(),
            shorten(r.record.title.as_deref().unwrap_or(""), 80)
        ));
    }
    out.push_str(&format!("{} records\n", list.len()));
    text(&out)
}

/// One record in full, a field a line.
pub fn record(r: &StoredRecord) -> std::io::Result<()> {
    let rec = &r.record;
    let mut s = String::new();
    let mut line = |k: &str, v: Option<String>| {
        if let Some(v) = v.filter(|v| !v.is_empty()) {
            s.push_str(&format!("{k:<13} {v}\n"));
        }
    };
    line("record", Some(r.id.to_string()));
    line("batch", Some(r.batch.to_string()));
    line(
        "status",
        Some(match r.duplicate_of {
            Some(p) => format!("duplicate of {p}"),
            None => status_name(r).to_string(),
        }),
    );
    line("title", rec.title.clone());
    line(
        "authors",
        Some(
            rec.authors
                .iter()
                .map(|a| a.display())
                .collect::<Vec<_>>()
                .join(", "),
        ),
    );
    line("journal", rec.journal.clone());
    line("year", rec.year.map(|y| y.to_string()));
    line("date", rec.date.clone());
    line("pmid", rec.pmid.clone());
    line("doi", rec.doi.clone());
    line("pmc", rec.pmc.clone());
    line("language", Some(rec.languages.join(", ")));
    line("types", Some(rec.publication_types.join("; ")));
    line(
        "mesh",
        Some(
            rec.mesh
                .iter()
                .map(|m| format!("{}{}", if m.major { "*" } else { "" }, m.descriptor))
                .collect::<Vec<_>>()
                .join("; "),
        ),
    );
    line("keywords", Some(rec.keywords.join("; ")));
    line(
        "position",
        Some(format!("{}", rec.position))
            .filter(|_| rec.position.byte > 0 || rec.position.line > 0),
    );
    for section in &rec.abstract_sections {
        let label = section.label.clone().unwrap_or_else(|| "abstract".into());
        line(&label.to_lowercase(), Some(section.text.clone()));
    }
    text(&s)
}

/// The import batches as a table.
pub fn batches(batches: &[Batch]) -> std::io::Result<()> {
    let mut out = format!(
        "{:>5}  {:<20}  {:<10}  {:>8}  {:>8}  {:>8}  {:>8}  {:<20}  file\n",
        "batch", "imported", "source", "records", "rejected", "repaired", "deleted", "format"
    );
    for b in batches {
        out.push_str(&format!(
            "{:>5}  {:<20}  {:<10}  {:>8}  {:>8}  {:>8}  {:>8}  {:<20}  {}\n",
            b.id,
            b.imported_at,
            b.source,
            b.records,
            b.rejected,
            b.repaired,
            b.deleted,
            b.format,
            b.file_name
        ));
    }
    text(&out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn list_items_wrap_under_their_text() {
        let out = super::wrap("- one two three four\n\nplain", 10);
        assert_eq!(out, "- one two\n  three\n  four\n\nplain\n");
    }
}
