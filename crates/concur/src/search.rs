//! `concur search`: dispatch and printing; the query language and the index are concur-search's.

use crate::cli::{SearchArgs, SearchCommand};
use crate::print;
use anyhow::{Context, Result};
use concur_evidence::Review;
use concur_search::{Explained, Index, Options};
use concur_store::{NewSearch, Workspace};
use concur_web::search::{self as web_search, Found, StrategyRow};
use serde::Serialize;
use std::io::IsTerminal;
use std::path::PathBuf;

/// The workspace's search index, brought up to date with its records first (with a progress
/// bar on a terminal).
pub fn index(ws: &Workspace, extra_mesh: &[PathBuf], quiet: bool) -> Result<Index> {
    let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
        let bar = indicatif::ProgressBar::new(0);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "indexing {bar:30} {human_pos}/{human_len} records ({per_sec}) {elapsed}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    });
    let mut progress = |done: u64, total: u64| {
        if let Some(bar) = &bar {
            bar.set_length(total);
            bar.set_position(done);
        }
    };
    let index = web_search::open_index(ws, extra_mesh, &mut progress)
        .context("opening and updating the workspace's search index")?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    Ok(index)
}

/// Updates the index after a command changed records; a failure is reported but does not undo
/// the change, as the next search repairs the index.
pub fn after_change(ws: &Workspace, quiet: bool) {
    if let Err(e) = index(ws, &[], quiet) {
        crate::print::eline(&format!(
            "warning: the search index was not updated ({e:#}); the next search updates it"
        ));
    }
}

/// The review's search strategy, its `#id` references resolved.
fn strategy_lines(review: &Review) -> Result<Vec<concur_search::Resolved>> {
    web_search::strategy_lines(review).context("the review's search strategy")
}

/// Runs `concur search`.
pub fn run(args: SearchArgs, ws: &Workspace, review: &Review, json: bool) -> Result<u8> {
    if let Some(SearchCommand::Log) = args.command {
        let log = ws.searches()?;
        if json {
            print::record_json(&log)?;
            return Ok(0);
        }
        if log.is_empty() {
            print::line("no saved searches; save one with `concur search QUERY --save NAME`")?;
        }
        for s in &log {
            print::line(&format!(
                "{:>3}  {}  {:<10} {:>8}  {}  {}",
                s.id, s.run_at, s.database, s.count, s.name, s.query
            ))?;
        }
        return Ok(0);
    }
    let options = Options {
        duplicates: args.duplicates,
        map_mesh: args.map_mesh,
    };
    let index = index(ws, &args.mesh, json)?;
    let resolved = strategy_lines(review)?;
    if args.strategy {
        return strategy(&args, ws, &index, &resolved, options, json);
    }
    let query = args.query.as_deref().unwrap_or_default();
    let node = match concur_search::parse_with(query, &resolved) {
        Ok(node) => node,
        Err(concur_search::SearchError::Parse(e)) => {
            crate::print::eline(&format!("error: {e}"));
            for line in e.pointer(query).lines() {
                crate::print::eline(&format!("  {line}"));
            }
            return Ok(crate::exit::INPUT);
        }
        Err(e) => return Err(e.into()),
    };
    let translation = node.to_string();
    let saved = match &args.save {
        Some(name) => Some(web_search::save(ws, &index, name, query, &node, options)?.0),
        None => None,
    };
    let explained = args
        .explain
        .then(|| index.explain(&node, options))
        .transpose()?;
    let (count, hits) = if args.count {
        (index.count(&node, options)?, Vec::new())
    } else {
        index.search(&node, args.limit, options)?
    };
    let notes = index.notes(&node, options)?;
    if json {
        print::record_json(&Found {
            query,
            count,
            translation,
            results: &hits,
            explain: explained.as_ref(),
            notes,
            saved,
        })?;
        return Ok(0);
    }
    if args.count && !args.explain {
        print::line(&count.to_string())?;
        return Ok(0);
    }
    print::line(&format!(
        "{count} {} for {translation}",
        if count == 1 { "record" } else { "records" }
    ))?;
    for note in &notes {
        print::line(&format!("  note: {}", note_text(note)))?;
    }
    if let Some(e) = &explained {
        print::line("")?;
        explain_lines(e, 0)?;
        print::line("")?;
    }
    let bold = std::io::stdout().is_terminal();
    for h in &hits {
        let title = h
            .title
            .as_deref()
            .map(|t| mark(t, &h.highlights, bold))
            .unwrap_or_else(|| "(no title)".into());
        let mut ids = vec![format!("record {}", h.record)];
        if let Some(p) = &h.pmid {
            ids.push(format!("PMID {p}"));
        }
        if let Some(d) = &h.doi {
            ids.push(format!("doi {d}"));
        }
        let year = h.year.map(|y| format!(" ({y})")).unwrap_or_default();
        print::styled_line(&format!("{:>4}. {title}{year}", h.rank))?;
        print::line(&format!("      {}", ids.join(" · ")))?;
    }
    if (hits.len() as u64) < count && !args.count {
        print::line(&format!(
            "… {} more; show more with --limit",
            count - hits.len() as u64
        ))?;
    }
    if let Some(id) = saved {
        print::line(&format!(
            "saved as search {id} ({})",
            args.save.as_deref().unwrap_or("")
        ))?;
    }
    Ok(0)
}

fn strategy(
    args: &SearchArgs,
    ws: &Workspace,
    index: &Index,
    lines: &[concur_search::Resolved],
    options: Options,
    json: bool,
) -> Result<u8> {
    if lines.is_empty() {
        anyhow::bail!(
            "the review declares no search strategy ([[search.strategy]] in review.toml)"
        );
    }
    let mut rows = Vec::new();
    for l in lines {
        let (saved, count) = match &args.save {
            Some(name) => {
                let name = format!("{name} #{}", l.id);
                let (id, count) = web_search::save(ws, index, &name, &l.query, &l.node, options)?;
                (Some(id), count)
            }
            None => (None, index.count(&l.node, options)?),
        };
        rows.push(StrategyRow {
            id: &l.id,
            label: &l.label,
            query: &l.query,
            translation: l.node.to_string(),
            count,
            saved,
        });
    }
    if json {
        print::record_json(&rows)?;
        return Ok(0);
    }
    let width = rows
        .iter()
        .map(|r| r.label.chars().count())
        .max()
        .unwrap_or(0);
    print::line(&format!(
        "{:>3}  {:<width$}  {:>8}  query",
        "#", "search", "records"
    ))?;
    for r in &rows {
        print::line(&format!(
            "{:>3}  {:<width$}  {:>8}  {}",
            r.id, r.label, r.count, r.query
        ))?;
    }
    if let Some(name) = &args.save {
        print::line(&format!("saved {} lines as \"{name} #id\"", rows.len()))?;
    }
    Ok(0)
}

fn explain_lines(e: &Explained, depth: usize) -> std::io::Result<()> {
    let text = match e.children.is_empty() {
        true => e.translation.clone(),
        false => {
            // An operator: name it, its operands follow indented.
            let op = e
                .translation
                .split_whitespace()
                .find(|w| matches!(*w, "AND" | "OR" | "NOT"));
            op.unwrap_or("").to_string()
        }
    };
    print::line(&format!("{:>8}  {}{text}", e.count, "  ".repeat(depth)))?;
    for n in &e.notes {
        print::line(&format!(
            "{:>8}  {}  ({})",
            "",
            "  ".repeat(depth),
            note_text(n)
        ))?;
    }
    for c in &e.children {
        explain_lines(c, depth + 1)?;
    }
    Ok(())
}

fn note_text(n: &concur_search::Note) -> String {
    use concur_search::Note;
    match n {
        Note::Exploded { heading, headings } => {
            format!("{heading} searched with the headings below it in the MeSH tree: {headings} in all")
        }
        Note::NotExploded { heading } => {
            format!("{heading}: no MeSH tree given or heading not in it, searched as written (give NLM's tree with --mesh)")
        }
        Note::EntryTerm { term, heading } => format!("\"{term}\" searched as the MeSH heading {heading}"),
        Note::MappingAvailable { term, heading } => format!(
            "\"{term}\" is a MeSH entry term of {heading}; PubMed would also search {heading}[mh] (add it, or use --map-mesh)"
        ),
    }
}

/// The title with the matched words marked: bold on a terminal, `**word**` otherwise.
fn mark(title: &str, ranges: &[(usize, usize)], bold: bool) -> String {
    let (open, close) = if bold {
        ("\x1b[1m", "\x1b[0m")
    } else {
        ("**", "**")
    };
    let mut out = String::with_capacity(title.len() + ranges.len() * 8);
    let mut at = 0;
    for &(s, e) in ranges {
        if s < at || e > title.len() || !title.is_char_boundary(s) || !title.is_char_boundary(e) {
            continue;
        }
        out.push_str(&print::clean(&title[at..s]));
        out.push_str(open);
        out.push_str(&print::clean(&title[s..e]));
        out.push_str(close);
        at = e;
    }
    out.push_str(&print::clean(&title[at..]));
    out
}

#[derive(Serialize)]
struct PubmedFound<'a> {
    query: &'a str,
    database: &'static str,
    count: u64,
    translation: &'a str,
    warnings: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    saved: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    imported: Option<Vec<concur_store::FileOutcome>>,
}

/// A client for PubMed's E-utilities, with the key and address from the flags or the
/// environment.
fn eutils_client(args: &crate::cli::EutilsArgs) -> concur_search::eutils::Client {
    use concur_search::eutils::{Client, Settings};
    Client::new(Settings {
        base_url: if args.base_url.ends_with('/') {
            args.base_url.clone()
        } else {
            format!("{}/", args.base_url)
        },
        api_key: args
            .api_key
            .clone()
            .or_else(|| std::env::var("NCBI_API_KEY").ok()),
        email: args
            .email
            .clone()
            .or_else(|| std::env::var("NCBI_EMAIL").ok()),
        ..Settings::default()
    })
}

/// Runs `concur pubmed search`.
pub fn pubmed(
    args: crate::cli::PubmedArgs,
    workspace: Option<&std::path::Path>,
    json: bool,
) -> Result<u8> {
    use concur_search::eutils::CEILING;
    let crate::cli::PubmedCommand::Search(args) = args.command;
    let client = eutils_client(&args.eutils);
    // The PMIDs are logged with a saved run; esearch lists at most the ceiling's worth.
    let retmax = if args.save.is_some() { CEILING } else { 0 };
    let found = client.esearch(&args.query, false, retmax, None)?;
    let ws = if args.save.is_some() || args.import {
        Some(crate::open(workspace)?)
    } else {
        None
    };
    let mut imported = None;
    if let (true, Some(ws)) = (args.import, &ws) {
        let dir = ws.pubmed_dir(&args.query);
        let bar = (!json && std::io::stderr().is_terminal()).then(|| {
            let bar = indicatif::ProgressBar::new(found.count);
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "fetching {bar:30} {human_pos}/{human_len} records {elapsed}",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            bar
        });
        let downloaded = client
            .download(&args.query, &dir, &mut |done, _| {
                if let Some(b) = &bar {
                    b.set_position(done);
                }
            })
            .with_context(|| {
                format!(
                    "fetching from PubMed into {} (run again to continue)",
                    dir.display()
                )
            })?;
        if let Some(b) = bar {
            b.finish_and_clear();
        }
        let mut ws = crate::open(workspace)?;
        let options = concur_store::ImportOptions {
            source: Some("PubMed".into()),
            format: None,
            strict: false,
        };
        let outcomes = ws.import_files(&downloaded.files, &options, &mut |_| {})?;
        after_change(&ws, json);
        imported = Some(outcomes);
    }
    let saved = match (&args.save, &ws) {
        (Some(name), Some(ws)) => Some(ws.save_search(&NewSearch {
            name,
            database: "pubmed",
            query: &args.query,
            translation: &found.translation,
            count: found.count,
            results: &found.ids,
            detail: serde_json::json!({ "base_url": args.eutils.base_url, "warnings": found.warnings, "pmids_listed": found.ids.len() }),
        })?),
        _ => None,
    };
    if json {
        print::record_json(&PubmedFound {
            query: &args.query,
            database: "pubmed",
            count: found.count,
            translation: &found.translation,
            warnings: &found.warnings,
            saved,
            imported,
        })?;
        return Ok(0);
    }
    print::line(&format!(
        "{} records in PubMed for {}",
        found.count, args.query
    ))?;
    print::line(&format!("PubMed's translation: {}", found.translation))?;
    for w in &found.warnings {
        print::line(&format!("warning: {w}"))?;
    }
    if let Some(outcomes) = &imported {
        for o in outcomes {
            print::file_outcome(o)?;
        }
    }
    if let Some(id) = saved {
        print::line(&format!(
            "saved as search {id} ({})",
            args.save.as_deref().unwrap_or("")
        ))?;
    }
    Ok(0)
}

/// `concur update` for a saved workspace search: runs its query again and logs a new run only
/// when what it finds changed. Returns (count now, records it finds that it did not, the new
/// run's number).
pub fn update_workspace(
    ws: &Workspace,
    review: &Review,
    saved: &concur_store::SavedSearch,
    quiet: bool,
) -> Result<(u64, u64, Option<i64>)> {
    let index = index(ws, &[], quiet)?;
    let resolved = strategy_lines(review)?;
    let node = concur_search::parse_with(&saved.query, &resolved)
        .with_context(|| format!("the saved search {}", saved.name))?;
    let options = Options {
        duplicates: saved.detail["duplicates"].as_bool().unwrap_or(false),
        map_mesh: saved.detail["map_mesh"].as_bool().unwrap_or(false),
    };
    let ids: Vec<String> = index
        .ids(&node, options)?
        .iter()
        .map(i64::to_string)
        .collect();
    let before: Vec<String> = ws.search_results(saved.id)?.unwrap_or_default();
    let new = ids.iter().filter(|i| !before.contains(i)).count() as u64;
    if ids == before {
        return Ok((ids.len() as u64, 0, None));
    }
    let (id, count) = web_search::save(ws, &index, &saved.name, &saved.query, &node, options)?;
    Ok((count, new, Some(id)))
}

/// `concur update` for a saved PubMed search: runs it on PubMed again, fetches and imports only
/// the PMIDs the workspace lacks, and logs a new run when PubMed's answer changed. Returns
/// (count now, records imported, the new run's number).
pub fn update_pubmed(
    ws: &mut Workspace,
    saved: &concur_store::SavedSearch,
    args: &crate::cli::UpdateArgs,
    quiet: bool,
) -> Result<(u64, u64, Option<i64>)> {
    use concur_search::eutils::{BATCH, CEILING};
    let client = eutils_client(&args.eutils);
    let found = client
        .esearch(&saved.query, false, CEILING, None)
        .with_context(|| format!("running the saved search {} on PubMed", saved.name))?;
    let missing = ws.pmids_missing(&found.ids)?;
    let mut imported = 0u64;
    if !missing.is_empty() {
        let mut files = Vec::new();
        for chunk in missing.chunks(BATCH as usize) {
            // Kept in a folder named by the PMIDs it holds: a rerun after a crash finds the same
            // file, and the import skips it when it went in already.
            let dir = ws.pubmed_dir(&format!("update {}", chunk.join(",")));
            std::fs::create_dir_all(&dir)?;
            let path = dir.join("update.xml");
            if !path.exists() {
                let body = client.efetch_ids(chunk)?;
                let partial = path.with_extension("partial");
                std::fs::write(&partial, &body)?;
                std::fs::rename(&partial, &path)?;
            }
            files.push(path);
        }
        let options = concur_store::ImportOptions {
            source: Some("PubMed".into()),
            format: None,
            strict: false,
        };
        for o in ws.import_files(&files, &options, &mut |_| {})? {
            if let Some(b) = o.batch.as_ref().filter(|_| !o.skipped) {
                imported += b.records as u64;
            }
            if !quiet {
                print::file_outcome(&o)?;
            }
        }
        after_change(ws, quiet);
    }
    let before = ws.search_results(saved.id)?.unwrap_or_default();
    let logged = if found.ids != before || found.count != saved.count {
        Some(ws.save_search(&NewSearch {
            name: &saved.name,
            database: "pubmed",
            query: &saved.query,
            translation: &found.translation,
            count: found.count,
            results: &found.ids,
            detail: serde_json::json!({ "base_url": args.eutils.base_url, "warnings": found.warnings, "pmids_listed": found.ids.len(), "update": true }),
        })?)
    } else {
        None
    };
    Ok((found.count, imported, logged))
}
