//! The living cycle's commands: `extract` (forms, checks, comparison, acceptance), `edition` and
//! `update`. The policy lives in concur-evidence (forms, checks, edits of review.toml) and
//! concur-store (the log); this module reads files, calls them and prints.

use crate::cli::{EditionArgs, EditionCommand, ExtractArgs, ExtractCommand, UpdateArgs};
use crate::{exit, open, print, review_of};
use anyhow::{bail, Context, Result};
use concur_evidence::{
    Difference, Edition, ExtractionRecord, NumberCheck, Placement, Problem, RecordFacts, Review,
    Side,
};
use concur_store::{Acceptance, Stage, StoredRecord, Workspace};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// The review folder the living cycle writes into: `--review`, else the one the workspace
/// serves. The embedded review cannot be written.
fn review_dir(ws: Option<&Workspace>, review: Option<&Path>) -> Result<PathBuf> {
    if let Some(dir) = review {
        return Ok(dir.to_path_buf());
    }
    match ws.and_then(|w| w.config.review.as_deref().map(|d| w.root().join(d))) {
        Some(dir) => Ok(dir),
        None => bail!(
            "this changes a review folder, and the embedded review cannot be changed: name a folder \
             with --review, or create a workspace with its own copy (`concur init DIR --with-review`)"
        ),
    }
}

/// Writes a file whole: a killed command leaves the old file or the new, never half of one.
fn write_whole(path: &Path, text: &str) -> Result<()> {
    let partial = path.with_extension("partial");
    std::fs::write(&partial, text)
        .with_context(|| format!("cannot write {}", partial.display()))?;
    std::fs::rename(&partial, path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

fn facts(r: &StoredRecord) -> RecordFacts {
    let rec = &r.record;
    let mut name = format!("workspace record {}", r.id);
    if let Some(p) = &rec.pmid {
        name.push_str(&format!(" (PMID {p})"));
    }
    RecordFacts {
        record: name,
        authors: rec.authors.iter().map(|a| a.display()).collect(),
        title: rec.title.clone(),
        journal: rec.journal.clone(),
        year: rec.year,
        volume: rec.volume.clone(),
        pages: rec.pages.clone(),
        pmid: rec.pmid.clone(),
        doi: rec.doi.clone(),
    }
}

/// A form's path inside the workspace, as problems name it.
fn form_name(reviewer: &str, study: &str) -> String {
    format!("extractions/{reviewer}/{study}.toml")
}

/// The pages of a record's full text, when one is attached.
fn pages(ws: &Workspace, record: Option<i64>) -> Result<Option<Vec<String>>> {
    let Some(id) = record else { return Ok(None) };
    let Some(a) = ws.fulltext(id)? else {
        return Ok(None);
    };
    let text = ws.fulltext_text(&a)?;
    Ok(Some(text.split('\x0c').map(str::to_string).collect()))
}

#[derive(Serialize)]
struct FormCheck {
    study: String,
    reviewer: String,
    path: PathBuf,
    valid: bool,
    problems: Vec<Problem>,
    /// Numbers checked against the attached full text (none without one).
    numbers: Vec<NumberCheck>,
    fulltext: bool,
}

#[derive(Serialize)]
struct Compared<'a> {
    study: &'a str,
    left: &'a str,
    right: &'a str,
    differences: &'a [Difference],
}

#[derive(Serialize)]
struct Accepted {
    study: String,
    edition: String,
    file: PathBuf,
    extracted_by: Vec<String>,
    checked_by: Vec<String>,
    rows_added: Vec<Placement>,
    /// Analyses whose pooled estimate, totals or certainty change with the study.
    analyses_changed: Vec<String>,
    numbers_not_found: Vec<NumberCheck>,
}

/// `concur extract`.
pub(crate) fn extract(
    args: ExtractArgs,
    review: Option<&Path>,
    workspace: Option<&Path>,
    json: bool,
) -> Result<u8> {
    let ws = open(workspace)?;
    match args.command {
        ExtractCommand::New {
            record,
            reviewer,
            study,
            design,
        } => {
            let full = review_of(&ws, review)?;
            let Some(r) = ws.record(record)? else {
                Err(concur_store::StoreError::NoRecord(record))?
            };
            let facts = facts(&r);
            let id = study.unwrap_or_else(|| concur_evidence::suggest_study_id(&facts));
            if !concur_evidence::is_study_id(&id) {
                bail!("`{id}` cannot be a study id (lower-case letters, digits and `-`); name one with --study");
            }
            if full.study(&id).is_some() {
                bail!("the review has a study `{id}` already; name this one with --study");
            }
            let form = concur_evidence::extraction_form(&full, &facts, &id, &reviewer, design);
            let path = ws.create_extraction(&id, &reviewer, Some(record), &form)?;
            let empty = concur_evidence::empty_values(&form_name(&reviewer, &id), &form).len();
            print::result(
                json,
                &serde_json::json!({
                    "study": id, "reviewer": reviewer, "record": record,
                    "path": path, "empty_values": empty,
                }),
                &format!(
                    "wrote {} for {reviewer}: {empty} values to fill in from the paper; \
                     `concur extract check {id}` lists them by line",
                    path.display()
                ),
            )?;
            Ok(0)
        }
        ExtractCommand::Check { study, reviewer } => {
            let full = review_of(&ws, review)?;
            let forms: Vec<_> = ws
                .extractions_of(&study)?
                .into_iter()
                .filter(|e| reviewer.as_deref().is_none_or(|r| r == e.reviewer))
                .collect();
            if forms.is_empty() {
                bail!(
                    "no extraction form for {study}{}; write one with `concur extract new RECORD --reviewer NAME`",
                    reviewer.map(|r| format!(" by {r}")).unwrap_or_default()
                );
            }
            let mut checks = Vec::new();
            for form in forms {
                let text = std::fs::read_to_string(&form.path)
                    .with_context(|| format!("cannot read {}", form.path.display()))?;
                let name = form_name(&form.reviewer, &form.study);
                let pages = pages(&ws, form.record)?;
                let (problems, numbers) =
                    match concur_evidence::check_extraction(&full, &name, &text) {
                        Ok(s) => (
                            Vec::new(),
                            pages
                                .as_deref()
                                .map(|p| concur_evidence::verify_numbers(&s, p))
                                .unwrap_or_default(),
                        ),
                        Err(p) => (p, Vec::new()),
                    };
                checks.push(FormCheck {
                    valid: problems.is_empty() && numbers.iter().all(|n| n.found),
                    study: form.study,
                    reviewer: form.reviewer,
                    path: form.path,
                    problems,
                    numbers,
                    fulltext: pages.is_some(),
                });
            }
            let ok = checks.iter().all(|c| c.valid);
            if json {
                print::json(&checks)?;
            } else {
                for c in &checks {
                    print_check(c)?;
                }
            }
            Ok(if ok { 0 } else { exit::FINDINGS })
        }
        ExtractCommand::Compare { study, reviewers } => {
            let forms = ws.extractions_of(&study)?;
            let names: Vec<String> = match reviewers {
                Some(r) => r,
                None if forms.len() == 2 => forms.iter().map(|f| f.reviewer.clone()).collect(),
                None => bail!(
                    "{study} has {} extraction forms ({}); name the two to compare with --reviewers A B",
                    forms.len(),
                    forms.iter().map(|f| f.reviewer.as_str()).collect::<Vec<_>>().join(", ")
                ),
            };
            let read = |name: &str| -> Result<String> {
                let Some(f) = forms.iter().find(|f| f.reviewer == name) else {
                    Err(concur_store::StoreError::NoExtraction {
                        study: study.clone(),
                        reviewer: name.to_string(),
                    })?
                };
                std::fs::read_to_string(&f.path)
                    .with_context(|| format!("cannot read {}", f.path.display()))
            };
            let (a, b) = (read(&names[0])?, read(&names[1])?);
            let diffs = concur_evidence::compare(
                Side {
                    reviewer: &names[0],
                    text: &a,
                },
                Side {
                    reviewer: &names[1],
                    text: &b,
                },
            )
            .map_err(|p| anyhow::anyhow!("{p}"))?;
            if json {
                print::json(&Compared {
                    study: &study,
                    left: &names[0],
                    right: &names[1],
                    differences: &diffs,
                })?;
            } else {
                print_differences(&study, &names[0], &names[1], &diffs)?;
            }
            Ok(if diffs.is_empty() { 0 } else { exit::FINDINGS })
        }
        ExtractCommand::Accept {
            study,
            from,
            file,
            no_analyses,
        } => accept(&ws, review, &study, from, file, no_analyses, json),
        ExtractCommand::List => {
            let full = review_of(&ws, review)?;
            let accepted = ws.acceptances()?;
            let mut rows = Vec::new();
            for e in ws.extractions()? {
                let text = std::fs::read_to_string(&e.path).unwrap_or_default();
                let problems = concur_evidence::check_extraction(
                    &full,
                    &form_name(&e.reviewer, &e.study),
                    &text,
                )
                .err()
                .map_or(0, |p| p.len());
                rows.push(serde_json::json!({
                    "study": e.study, "reviewer": e.reviewer, "record": e.record,
                    "path": e.path, "problems": problems,
                    "accepted": accepted.iter().any(|a| a.study == e.study),
                }));
            }
            if json {
                print::json(&rows)?;
                return Ok(0);
            }
            if rows.is_empty() {
                print::line("no extraction forms; write one with `concur extract new RECORD --reviewer NAME`")?;
            }
            for r in &rows {
                let state = match (r["accepted"].as_bool(), r["problems"].as_u64()) {
                    (Some(true), _) => "accepted".to_string(),
                    (_, Some(0)) => "valid".to_string(),
                    (_, Some(n)) => format!("{n} to fix"),
                    _ => String::new(),
                };
                print::line(&format!(
                    "{:<28} {:<12} record {:<6} {}",
                    print::clean(r["study"].as_str().unwrap_or("")),
                    print::clean(r["reviewer"].as_str().unwrap_or("")),
                    r["record"].as_i64().map_or("-".into(), |n| n.to_string()),
                    state
                ))?;
            }
            Ok(0)
        }
    }
}

fn print_check(c: &FormCheck) -> std::io::Result<()> {
    if c.valid {
        print::line(&format!(
            "{} ({}): valid{}",
            c.study,
            c.reviewer,
            if c.fulltext {
                format!(
                    "; {} numbers found where their locators point in the full text",
                    c.numbers.len()
                )
            } else {
                "; no full text attached, numbers not checked against it".into()
            }
        ))?;
        return Ok(());
    }
    print::line(&format!(
        "{} ({}): {} problem{}",
        c.study,
        c.reviewer,
        c.problems.len() + c.numbers.iter().filter(|n| !n.found).count(),
        if c.problems.len() == 1 { "" } else { "s" }
    ))?;
    for p in &c.problems {
        for l in p.to_string().lines() {
            print::line(&format!("  {}", print::clean(l)))?;
        }
    }
    for n in c.numbers.iter().filter(|n| !n.found) {
        print::line(&format!(
            "  {}: {} is not printed at {} of the full text",
            n.field,
            concur_evidence::trim_float(n.value),
            print::clean(&n.locator)
        ))?;
    }
    Ok(())
}

fn print_differences(study: &str, a: &str, b: &str, diffs: &[Difference]) -> std::io::Result<()> {
    if diffs.is_empty() {
        return print::line(&format!("{a} and {b} extracted {study} the same way"));
    }
    print::line(&format!(
        "{} difference{} between {a} and {b} in {study}:",
        diffs.len(),
        if diffs.len() == 1 { "" } else { "s" }
    ))?;
    let side = |v: &Option<String>, line: Option<usize>| match (v, line) {
        (Some(v), Some(l)) => format!("{} (line {l})", print::clean(v)),
        (Some(v), None) => print::clean(v),
        (None, _) => "(absent)".into(),
    };
    for d in diffs {
        print::line(&format!(
            "- {} [{}]\n    {a}: {}\n    {b}: {}",
            print::clean(&d.field),
            serde_json::to_value(d.kind)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
            side(&d.left, d.left_line),
            side(&d.right, d.right_line)
        ))?;
    }
    Ok(())
}

fn accept(
    ws: &Workspace,
    review: Option<&Path>,
    study: &str,
    from: Option<String>,
    file: Option<PathBuf>,
    no_analyses: bool,
    json: bool,
) -> Result<u8> {
    let dir = review_dir(Some(ws), review)?;
    let full = concur_evidence::load_dir(&dir)
        .with_context(|| format!("loading the review in {}", dir.display()))?;
    let Some(edition) = full.current_edition().map(str::to_string) else {
        bail!("the review declares no edition for the study to join; open one with `concur edition new ID --label ...`");
    };
    if full.study(study).is_some() {
        bail!("the review has the study {study} already");
    }
    let forms = ws.extractions_of(study)?;
    let reviewers: Vec<String> = forms.iter().map(|f| f.reviewer.clone()).collect();
    let (text, extracted_by, checked_by) = match (&from, &file) {
        (Some(name), _) => {
            let Some(f) = forms.iter().find(|f| &f.reviewer == name) else {
                Err(concur_store::StoreError::NoExtraction {
                    study: study.to_string(),
                    reviewer: name.clone(),
                })?
            };
            let text = std::fs::read_to_string(&f.path)
                .with_context(|| format!("cannot read {}", f.path.display()))?;
            let others: Vec<String> = reviewers.iter().filter(|r| *r != name).cloned().collect();
            (text, vec![name.clone()], others)
        }
        (None, Some(path)) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            // A resolved form is the reviewers' joint work: each extracted and each checked.
            (text, reviewers.clone(), reviewers.clone())
        }
        (None, None) => bail!("name the form to accept"),
    };
    if extracted_by.is_empty() {
        bail!("{study} has no extraction form in this workspace; who extracted it is not known");
    }
    let name = format!("studies/{study}.toml");
    let new_study = match concur_evidence::check_extraction(&full, &name, &text) {
        Ok(s) => s,
        Err(problems) => {
            for p in &problems {
                for l in p.to_string().lines() {
                    crate::print::eline(&format!("  {}", print::clean(l)));
                }
            }
            bail!(
                "{study} is not ready: {} problem(s); `concur extract check {study}` lists them",
                problems.len()
            );
        }
    };
    if new_study.id != study {
        bail!("the form's id is `{}`, not {study}", new_study.id);
    }
    let record = forms.iter().find_map(|f| f.record);
    let numbers_not_found: Vec<NumberCheck> = pages(ws, record)?
        .map(|p| concur_evidence::verify_numbers(&new_study, &p))
        .unwrap_or_default()
        .into_iter()
        .filter(|n| !n.found)
        .collect();
    let record_name =
        record
            .and_then(|id| ws.record(id).ok().flatten())
            .map(|r| match &r.record.pmid {
                Some(p) => format!("PMID {p}"),
                None => format!("workspace record {}", r.id),
            });
    let today = time_today();
    let study_text = concur_evidence::accepted_text(
        &text,
        &edition,
        &ExtractionRecord {
            extracted_by: extracted_by.clone(),
            checked_by: checked_by.clone(),
            record: record_name,
            accepted: Some(today),
        },
    )?;
    // Where the study's rows go, judged with the study in the review.
    let mut with_study = full.clone();
    let mut placed = new_study.clone();
    placed.since = Some(edition.clone());
    with_study.studies.push(placed.clone());
    let rows = if no_analyses {
        Vec::new()
    } else {
        concur_evidence::placements(&with_study, &placed, &edition)
    };
    let review_toml = dir.join("review.toml");
    let before_toml = std::fs::read_to_string(&review_toml)
        .with_context(|| format!("cannot read {}", review_toml.display()))?;
    let after_toml = concur_evidence::add_rows(&before_toml, &rows)?;
    let study_path = dir.join("studies").join(format!("{study}.toml"));
    std::fs::create_dir_all(dir.join("studies"))?;
    write_whole(&study_path, &study_text)?;
    write_whole(&review_toml, &after_toml)?;
    // The folder must still load; if not, both files go back as they were.
    let after = match concur_evidence::load_dir(&dir) {
        Ok(r) => r,
        Err(e) => {
            let _ = std::fs::remove_file(&study_path);
            let _ = write_whole(&review_toml, &before_toml);
            return Err(anyhow::Error::new(e)
                .context("the accepted study did not load; nothing was changed"));
        }
    };
    ws.record_acceptance(&Acceptance {
        study: study.to_string(),
        edition: edition.clone(),
        extracted_by: extracted_by.clone(),
        checked_by: checked_by.clone(),
        record,
        accepted_at: String::new(),
    })?;
    let analyses_changed = changed_analyses(&full, &after, &edition)?;
    let out = Accepted {
        study: study.to_string(),
        edition: edition.clone(),
        file: study_path.clone(),
        extracted_by,
        checked_by,
        rows_added: rows,
        analyses_changed,
        numbers_not_found,
    };
    if json {
        print::json(&out)?;
        return Ok(0);
    }
    print::line(&format!(
        "accepted {study} into edition {edition}: {} (extracted by {}{})",
        out.file.display(),
        out.extracted_by.join(", "),
        if out.checked_by.is_empty() {
            String::new()
        } else {
            format!(", checked by {}", out.checked_by.join(", "))
        }
    ))?;
    for p in &out.rows_added {
        print::line(&format!(
            "  added to analysis {} (arm {})",
            p.analysis,
            p.row.arm.as_deref().unwrap_or("-")
        ))?;
    }
    for n in &out.numbers_not_found {
        print::line(&format!(
            "  warning: {} = {} is not printed at {} of the full text",
            n.field,
            concur_evidence::trim_float(n.value),
            print::clean(&n.locator)
        ))?;
    }
    if out.analyses_changed.is_empty() {
        print::line("  no pooled estimate changes")?;
    } else {
        print::line(&format!(
            "  changes: {}; `concur diff` shows how",
            out.analyses_changed.join(", ")
        ))?;
    }
    Ok(0)
}

/// Analyses whose state at `edition` differs between two versions of the review.
fn changed_analyses(before: &Review, after: &Review, edition: &str) -> Result<Vec<String>> {
    let a = concur_synthesis::edition(before, edition)?;
    let b = concur_synthesis::edition(after, edition)?;
    let (ea, eb) = (
        concur_synthesis::Evidence::new(&a),
        concur_synthesis::Evidence::new(&b),
    );
    let d = concur_synthesis::compare(after, (edition, &ea), (edition, &eb));
    Ok(d.analyses
        .iter()
        .filter(|c| match (&c.before, &c.after) {
            (Some(x), Some(y)) => !x.same_as(y),
            _ => true,
        })
        .map(|c| c.id.clone())
        .collect())
}

/// Today's date (UTC) as ISO.
fn time_today() -> String {
    let days = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() / 86_400) as i64;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm): no date crate needed
    // for one line.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// `concur edition`.
pub(crate) fn edition(
    args: EditionArgs,
    review: Option<&Path>,
    workspace: Option<&Path>,
    json: bool,
) -> Result<u8> {
    let ws = match (review, workspace) {
        (Some(_), None) => None,
        _ => open(workspace).ok(),
    };
    match args.command {
        EditionCommand::List => {
            let full = match &ws {
                Some(w) => review_of(w, review)?,
                None => crate::load(review)?,
            };
            if json {
                print::json(&full.meta.editions)?;
            } else {
                for e in &full.meta.editions {
                    print::line(&format!(
                        "{:<12} {:<12} {}",
                        e.id,
                        e.date.as_deref().unwrap_or(""),
                        e.label
                    ))?;
                }
            }
            Ok(0)
        }
        EditionCommand::New { id, label, date } => {
            let dir = review_dir(ws.as_ref(), review)?;
            let path = dir.join("review.toml");
            let before = std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            let after = concur_evidence::add_edition(
                &before,
                &Edition {
                    id: id.clone(),
                    label: label.clone(),
                    date: date.clone(),
                },
            )?;
            write_whole(&path, &after)?;
            if let Err(e) = concur_evidence::load_dir(&dir) {
                write_whole(&path, &before)?;
                return Err(anyhow::Error::new(e)
                    .context("with the new edition the review did not load; nothing was changed"));
            }
            print::result(
                json,
                &Edition {
                    id: id.clone(),
                    label,
                    date,
                },
                &format!(
                    "opened edition {id} in {}: studies accepted from now on join it; `concur diff` compares it with the edition before",
                    path.display()
                ),
            )?;
            Ok(0)
        }
    }
}

/// What `concur update` found and what waits.
#[derive(Serialize)]
struct UpdateSummary {
    started_at: String,
    searches: Vec<SearchUpdate>,
    imported: u64,
    dedup_run: Option<i64>,
    new_records: Vec<i64>,
    screening: Vec<ReviewerWaiting>,
    awaiting_title_abstract: u64,
    included_without_extraction: Vec<i64>,
    awaiting_second_extraction: Vec<String>,
    awaiting_comparison: Vec<String>,
    accepted_since_last_edition: Vec<String>,
    edition: Option<String>,
    previous_edition: Option<String>,
    estimates_changing: Vec<String>,
}

#[derive(Serialize)]
struct SearchUpdate {
    name: String,
    database: String,
    before: u64,
    now: u64,
    new: u64,
    saved: Option<i64>,
}

#[derive(Serialize)]
struct ReviewerWaiting {
    reviewer: String,
    next: Option<i64>,
    left: usize,
    stopping: concur_screen::Stopping,
}

/// `concur update`.
pub(crate) fn update(
    args: UpdateArgs,
    review: Option<&Path>,
    workspace: Option<&Path>,
    json: bool,
) -> Result<u8> {
    let mut ws = open(workspace)?;
    let full = review_of(&ws, review)?;
    let quiet = json || args.quiet;
    let started_at = ws.now_utc()?;
    let previous = ws.last_update()?;
    let mut searches = Vec::new();
    let mut imported = 0u64;
    for saved in ws.latest_searches()? {
        let before = saved.count;
        let (now, new, logged) = match saved.database.as_str() {
            "pubmed" if !args.offline => {
                let (now, new, logged) =
                    crate::search::update_pubmed(&mut ws, &saved, &args, quiet)?;
                imported += new;
                (now, new, logged)
            }
            "workspace" => crate::search::update_workspace(&ws, &full, &saved, quiet)?,
            _ => (before, 0, None),
        };
        searches.push(SearchUpdate {
            name: saved.name,
            database: saved.database,
            before,
            now,
            new,
            saved: logged,
        });
    }
    let dedup_run = if imported > 0 {
        let result = ws.dedup(concur_store::DedupSettings::default(), false)?;
        crate::search::after_change(&ws, quiet);
        result.run
    } else {
        None
    };
    let new_records = ws.new_records_since(previous.as_ref().map_or(0, |p| p.last_record))?;

    // Screening: each reviewer's next record under the ranking with the new records in it.
    let screening = ws.screening(Stage::TitleAbstract)?;
    let counts = ws.screening_counts()?;
    let settled = screening.excluded_automatically();
    let reviewers = screening.reviewers();
    let mut waiting = Vec::new();
    if !reviewers.is_empty() && !screening.pool.is_empty() {
        let (pool, _) = crate::queue::pool(&ws, &screening, 1)?;
        for name in reviewers {
            let decided = crate::queue::decided(&screening, &name);
            let (order, _) = pool.ranking(&decided, &settled, false);
            waiting.push(ReviewerWaiting {
                next: order.first().copied(),
                left: order.len(),
                stopping: pool.stopping(
                    &decided,
                    settled.len(),
                    crate::queue::RECALL_TARGET,
                    crate::queue::CONFIDENCE,
                ),
                reviewer: name,
            });
        }
    }

    // Extraction: included records with no form, forms waiting for a second reviewer or for
    // comparison, studies accepted into the edition being prepared.
    let full_text = ws.screening(Stage::FullText)?;
    let forms = ws.extractions()?;
    let accepted = ws.acceptances()?;
    let included_without_extraction: Vec<i64> = full_text
        .states
        .keys()
        .copied()
        .filter(|r| full_text.outcome(*r) == concur_store::Outcome::Include)
        .filter(|r| !forms.iter().any(|f| f.record == Some(*r)))
        .collect();
    let mut studies: Vec<&str> = forms.iter().map(|f| f.study.as_str()).collect();
    studies.dedup();
    let pending: Vec<&str> = studies
        .into_iter()
        .filter(|s| !accepted.iter().any(|a| a.study == *s) && full.study(s).is_none())
        .collect();
    let count = |s: &str| forms.iter().filter(|f| f.study == s).count();
    let awaiting_second_extraction = pending
        .iter()
        .filter(|s| count(s) == 1)
        .map(|s| s.to_string())
        .collect();
    let awaiting_comparison = pending
        .iter()
        .filter(|s| count(s) >= 2)
        .map(|s| s.to_string())
        .collect();
    let edition = full.current_edition().map(str::to_string);
    let previous_edition = edition
        .as_deref()
        .and_then(|e| full.edition_index(e))
        .and_then(|i| i.checked_sub(1))
        .map(|i| full.meta.editions[i].id.clone());
    let accepted_since_last_edition = match &edition {
        Some(e) => full
            .studies
            .iter()
            .filter(|s| s.since.as_deref() == Some(e.as_str()) && previous_edition.is_some())
            .map(|s| s.id.clone())
            .collect(),
        None => Vec::new(),
    };
    let estimates_changing = match (&previous_edition, &edition) {
        (Some(p), Some(e)) => {
            let d = concur_synthesis::diff(&full, p, e)?;
            d.analyses
                .iter()
                .filter(|c| match (&c.before, &c.after) {
                    (Some(x), Some(y)) => !x.same_as(y),
                    (None, Some(y)) => y.pooled.is_some(),
                    _ => false,
                })
                .map(|c| c.id.clone())
                .collect()
        }
        _ => Vec::new(),
    };
    let summary = UpdateSummary {
        started_at: started_at.clone(),
        searches,
        imported,
        dedup_run,
        new_records,
        screening: waiting,
        awaiting_title_abstract: counts.awaiting,
        included_without_extraction,
        awaiting_second_extraction,
        awaiting_comparison,
        accepted_since_last_edition,
        edition,
        previous_edition,
        estimates_changing,
    };
    ws.finish_update(&started_at, &serde_json::to_value(&summary)?)?;
    if json {
        print::json(&summary)?;
    } else {
        print_update(&summary)?;
    }
    Ok(0)
}

fn print_update(s: &UpdateSummary) -> std::io::Result<()> {
    if s.searches.is_empty() {
        print::line("no saved searches to run again; save one with `concur search QUERY --save NAME` or `concur pubmed search QUERY --save NAME --import`")?;
    }
    for q in &s.searches {
        print::line(&format!(
            "search {} ({}): {} records (was {}), {} new",
            print::clean(&q.name),
            q.database,
            q.now,
            q.before,
            q.new
        ))?;
    }
    print::line(&format!(
        "{} records imported{}; {} new since the last update",
        s.imported,
        s.dedup_run
            .map(|r| format!(", deduplicated (run {r})"))
            .unwrap_or_default(),
        s.new_records.len()
    ))?;
    print::line(&format!(
        "title and abstract: {} records not screened yet",
        s.awaiting_title_abstract
    ))?;
    for r in &s.screening {
        print::line(&format!(
            "  {}: {} left{}",
            print::clean(&r.reviewer),
            r.left,
            r.next
                .map(|n| format!(", next record {n}"))
                .unwrap_or_default()
        ))?;
        for l in concur_report::stopping_lines(&r.stopping) {
            print::line(&format!("    {l}"))?;
        }
    }
    let list = |v: &[String]| {
        if v.is_empty() {
            "none".to_string()
        } else {
            v.join(", ")
        }
    };
    let ids: Vec<String> = s
        .included_without_extraction
        .iter()
        .map(i64::to_string)
        .collect();
    print::line(&format!(
        "included records without an extraction form: {}",
        list(&ids)
    ))?;
    print::line(&format!(
        "forms waiting for a second reviewer: {}",
        list(&s.awaiting_second_extraction)
    ))?;
    print::line(&format!(
        "forms waiting to be compared and accepted: {}",
        list(&s.awaiting_comparison)
    ))?;
    if let Some(e) = &s.edition {
        print::line(&format!(
            "edition {e}: studies new since {}: {}",
            s.previous_edition.as_deref().unwrap_or("the start"),
            list(&s.accepted_since_last_edition)
        ))?;
        print::line(&format!(
            "pooled estimates that change from {} to {e}: {}",
            s.previous_edition.as_deref().unwrap_or("the start"),
            list(&s.estimates_changing)
        ))?;
    }
    Ok(())
}
