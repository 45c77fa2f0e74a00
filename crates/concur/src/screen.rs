//! `concur screen`: the terminal screener, its script commands, exports, and the simulation.

use crate::cli::{
    ReviewerStage, ScreenArgs, ScreenCommand, SimulateArgs, StageArg, VerdictArg, VerdictArgs,
};
use crate::print;
use crate::queue::{decided, highlight_terms, pool, CONFIDENCE, RECALL_TARGET};
use anyhow::{Context, Result};
use concur_evidence::{Eligibility, Review};
use concur_screen::{read_labelled, simulate_labelled, Limit, SimOptions, Stopping};
use concur_store::{Filter, NewDecision, Stage, StoredRecord, Verdict, Workspace, AUTOMATION};
use serde::Serialize;
use std::io::IsTerminal;
use std::path::Path;

impl From<StageArg> for Stage {
    fn from(s: StageArg) -> Stage {
        match s {
            StageArg::TitleAbstract => Stage::TitleAbstract,
            StageArg::FullText => Stage::FullText,
        }
    }
}

impl From<VerdictArg> for Verdict {
    fn from(v: VerdictArg) -> Verdict {
        match v {
            VerdictArg::Include => Verdict::Include,
            VerdictArg::Exclude => Verdict::Exclude,
            VerdictArg::Maybe => Verdict::Maybe,
        }
    }
}

pub fn run(
    args: ScreenArgs,
    review: Option<&Path>,
    workspace: Option<&Path>,
    json: bool,
) -> Result<u8> {
    let command = match args.command {
        Some(ScreenCommand::Simulate(a)) => return simulate(a, workspace, json),
        Some(c) => c,
        None => {
            let ws = crate::open(workspace)?;
            let review = crate::review_of(&ws, review)?;
            let Some(reviewer) = args.reviewer else {
                anyhow::bail!(
                    "name the reviewer with --reviewer NAME (or CONCUR_REVIEWER): decisions are \
                     kept per reviewer"
                );
            };
            return crate::screener::run(&ws, &review, &reviewer, args.stage.into(), args.seed);
        }
    };
    if let ScreenCommand::Reasons = command {
        // The criteria are the review's: no workspace needed, though its review is used if there
        // is one.
        let review = match crate::open(workspace) {
            Ok(ws) => crate::review_of(&ws, review)?,
            Err(_) => crate::load(review)?,
        };
        let e = &review.meta.eligibility;
        if json {
            print::json(e)?;
        } else {
            print::prose(&eligibility_text(e))?;
        }
        return Ok(0);
    }
    let ws = crate::open(workspace)?;
    let review = crate::review_of(&ws, review)?;
    let eligibility = &review.meta.eligibility;
    let reasons = eligibility.reason_ids();
    match command {
        ScreenCommand::Simulate(_) => unreachable!("handled above"),
        ScreenCommand::Next { who, sample, seed } => next(&ws, &review, &who, sample, seed, json),
        ScreenCommand::Decide { verdict, who } => {
            let id = ws.decide(&new_decision(&verdict, &who), &reasons)?;
            print::result(
                json,
                &serde_json::json!({ "decision": id, "record": verdict.id }),
                &format!(
                    "recorded {} on record {} by {} at {} (decision {id})",
                    Verdict::from(verdict.decision).as_str(),
                    verdict.id,
                    who.reviewer,
                    Stage::from(who.stage).as_str()
                ),
            )?;
            Ok(0)
        }
        ScreenCommand::Resolve { verdict, who } => {
            let id = ws.resolve(&new_decision(&verdict, &who), &reasons)?;
            print::result(
                json,
                &serde_json::json!({ "decision": id, "record": verdict.id }),
                &format!(
                    "resolved record {} as {} by {} (decision {id})",
                    verdict.id,
                    Verdict::from(verdict.decision).as_str(),
                    who.reviewer
                ),
            )?;
            Ok(0)
        }
        ScreenCommand::Undo { who } => {
            let undone = ws.undo_decision(&who.reviewer, who.stage.into())?;
            print::result(
                json,
                &undone,
                &format!(
                    "undid decision {} ({} on record {}); the record is back in {}'s queue",
                    undone.id,
                    undone.verdict.map_or("", Verdict::as_str),
                    undone.record,
                    who.reviewer
                ),
            )?;
            Ok(0)
        }
        ScreenCommand::Conflicts { stage } => conflicts(&ws, stage.into(), json),
        ScreenCommand::Agreement { stage, reviewers } => {
            agreement(&ws, stage.into(), reviewers, json)
        }
        ScreenCommand::Status { stage } => status(&ws, stage.into(), json),
        ScreenCommand::Auto { dry_run } => auto(&ws, eligibility, dry_run, json),
        ScreenCommand::Reasons => unreachable!("handled above"),
        ScreenCommand::History { id } => {
            let rows = ws.decision_history(None, id)?;
            if json {
                print::json(&rows)?;
            } else {
                let mut s = String::new();
                for d in &rows {
                    s.push_str(&format!(
                        "{:>5}  record {:<6} {:<14} {:<12} {:<8} {:<8} {}{}\n",
                        d.id,
                        d.record,
                        print::clean(&d.reviewer),
                        d.stage.as_str(),
                        format!("{:?}", d.kind).to_lowercase(),
                        d.verdict.map_or("", Verdict::as_str),
                        d.reason.as_deref().map(print::clean).unwrap_or_default(),
                        d.undoes.map_or(String::new(), |u| format!(" (undoes {u})")),
                    ));
                }
                if rows.is_empty() {
                    s.push_str("no decisions yet\n");
                }
                print::text(&s)?;
            }
            Ok(0)
        }
        ScreenCommand::Export {
            included,
            decisions,
            stage,
        } => export(
            &ws,
            included.as_deref(),
            decisions.as_deref(),
            stage.into(),
            json,
        ),
    }
}

fn new_decision<'a>(v: &'a VerdictArgs, who: &'a ReviewerStage) -> NewDecision<'a> {
    NewDecision {
        record: v.id,
        reviewer: &who.reviewer,
        stage: who.stage.into(),
        verdict: v.decision.into(),
        reason: v.reason.as_deref(),
        reason_text: v.reason_text.as_deref(),
        note: v.note.as_deref(),
    }
}

#[derive(Serialize)]
struct NextAnswer<'a> {
    reviewer: &'a str,
    stage: Stage,
    /// The record to screen, its rank and the model; none when the reviewer has screened all.
    next: Option<concur_screen::Next>,
    record: Option<&'a StoredRecord>,
    highlighted: Vec<(String, concur_screen::Mark)>,
    eligibility: &'a Eligibility,
    stopping: Stopping,
}

fn next(
    ws: &Workspace,
    review: &Review,
    who: &ReviewerStage,
    sample: bool,
    seed: u64,
    json: bool,
) -> Result<u8> {
    let stage: Stage = who.stage.into();
    let screening = ws.screening(stage)?;
    let (pool, records) = pool(ws, &screening, seed)?;
    let settled = screening.excluded_automatically();
    let mine = decided(&screening, &who.reviewer);
    let next = pool.next(&mine, &settled, sample);
    if let Some(n) = &next {
        ws.mark_shown(&who.reviewer, stage, n.record, &n.model, n.rank as i64)?;
    }
    let stopping = pool.stopping(&mine, settled.len(), RECALL_TARGET, CONFIDENCE);
    let record = next.as_ref().and_then(|n| records.get(&n.record));
    let (include, exclude) = highlight_terms(review);
    let highlighted = record.map_or(Vec::new(), |r| {
        let text = concur_screen::record_text(&r.record);
        concur_screen::terms_found(&text, &concur_screen::highlight(&text, &include, &exclude))
    });
    let answer = NextAnswer {
        reviewer: &who.reviewer,
        stage,
        next,
        record,
        highlighted,
        eligibility: &review.meta.eligibility,
        stopping,
    };
    if json {
        print::json(&answer)?;
        return Ok(0);
    }
    let mut s = String::new();
    match (&answer.next, answer.record) {
        (Some(n), Some(r)) => {
            s.push_str(&format!(
                "record {} (rank {} of {} left; {})\n",
                n.record, n.rank, n.left, n.model
            ));
            print::text(&s)?;
            print::record(r)?;
            s.clear();
            if !answer.highlighted.is_empty() {
                let words: Vec<String> = answer
                    .highlighted
                    .iter()
                    .map(|(w, m)| format!("{} ({})", print::clean(w), mark_name(*m)))
                    .collect();
                s.push_str(&format!("highlighted   {}\n", words.join(", ")));
            }
            s.push_str(&format!(
                "\ndecide with `concur screen decide {} --decision include|exclude|maybe [--reason ID] --reviewer {}`\n",
                n.record, who.reviewer
            ));
        }
        _ => s.push_str(&format!(
            "{} has no record left to screen at {}\n",
            who.reviewer,
            stage.as_str()
        )),
    }
    s.push('\n');
    for l in concur_report::stopping_lines(&answer.stopping) {
        s.push_str(&l);
        s.push('\n');
    }
    if answer.stopping.random_sample == 0 {
        s.push_str(&format!(
            "(a random record: `concur screen next --sample --reviewer {}`)\n",
            who.reviewer
        ));
    }
    print::prose(&s)?;
    Ok(0)
}

fn mark_name(m: concur_screen::Mark) -> &'static str {
    match m {
        concur_screen::Mark::Include => "suggests relevant",
        concur_screen::Mark::Exclude => "suggests irrelevant",
    }
}

fn conflicts(ws: &Workspace, stage: Stage, json: bool) -> Result<u8> {
    let screening = ws.screening(stage)?;
    let list = screening.conflicts();
    if json {
        print::json(&list)?;
        return Ok(0);
    }
    if list.is_empty() {
        print::line(&format!("no conflicts at {}", stage.as_str()))?;
        return Ok(0);
    }
    let mut s = String::new();
    for c in &list {
        let title = ws
            .record(c.record)?
            .and_then(|r| r.record.title)
            .unwrap_or_default();
        s.push_str(&format!(
            "record {}  {}\n",
            c.record,
            print::shorten(&print::clean(&title), 90)
        ));
        for (name, e) in &c.reviewers {
            s.push_str(&format!(
                "  {:<16} {}{}\n",
                print::clean(name),
                e.verdict.as_str(),
                e.reason
                    .as_deref()
                    .map_or(String::new(), |r| format!(" ({})", print::clean(r)))
            ));
        }
        for (name, list) in &c.merged_conflicts {
            let parts: Vec<String> = list
                .iter()
                .map(|(r, v)| format!("record {r}: {}", v.as_str()))
                .collect();
            s.push_str(&format!(
                "  {} judged the merged copies differently: {}\n",
                print::clean(name),
                parts.join("; ")
            ));
        }
    }
    s.push_str(&format!(
        "\n{} record(s); settle each with `concur screen resolve ID --decision ... --reviewer NAME`\n",
        list.len()
    ));
    print::text(&s)?;
    Ok(0)
}

fn agreement(
    ws: &Workspace,
    stage: Stage,
    reviewers: Option<Vec<String>>,
    json: bool,
) -> Result<u8> {
    let screening = ws.screening(stage)?;
    let names = match reviewers {
        Some(v) if v.len() == 2 => v,
        Some(v) => anyhow::bail!("name two reviewers, not {}", v.len()),
        None => {
            let all = screening.reviewers();
            if all.len() < 2 {
                anyhow::bail!(
                    "agreement needs two reviewers; {} screened at {}",
                    if all.is_empty() {
                        "none has".to_string()
                    } else {
                        format!("only {} has", all.join(", "))
                    },
                    stage.as_str()
                );
            }
            all[..2].to_vec()
        }
    };
    let pairs = screening.pairs(&names[0], &names[1]);
    let a = concur_screen::Agreement::of(&pairs.table(), 0.95);
    if json {
        print::json(&serde_json::json!({
            "stage": stage,
            "reviewers": names,
            "agreement": a,
            "table": pairs.table(),
            "only_first": pairs.only_first,
            "only_second": pairs.only_second,
        }))?;
    } else {
        print::prose(&concur_report::agreement_text(
            &names[0],
            &names[1],
            &a,
            pairs.only_first,
            pairs.only_second,
        ))?;
    }
    Ok(0)
}

#[derive(Serialize)]
struct ReviewerStatus {
    reviewer: String,
    stopping: Stopping,
}

fn status(ws: &Workspace, stage: Stage, json: bool) -> Result<u8> {
    let screening = ws.screening(stage)?;
    let counts = ws.screening_counts()?;
    let reviewers: Vec<ReviewerStatus> = crate::queue::stoppings(&screening)
        .into_iter()
        .map(|(reviewer, stopping)| ReviewerStatus { reviewer, stopping })
        .collect();
    if json {
        print::json(&serde_json::json!({
            "stage": stage,
            "counts": counts,
            "reviewers": reviewers,
        }))?;
        return Ok(0);
    }
    let mut s = format!(
        "title and abstract: {} screened, {} awaiting, {} in conflict, {} excluded automatically\n\
         full text: {} sought, {} assessed, {} included\n",
        counts.screened,
        counts.awaiting,
        counts.conflicts,
        counts
            .excluded_automatically
            .iter()
            .map(|(_, n)| n)
            .sum::<u64>(),
        counts.sought,
        counts.assessed,
        counts.included
    );
    for r in &reviewers {
        s.push_str(&format!(
            "\n{} at {}:\n",
            print::clean(&r.reviewer),
            stage.as_str()
        ));
        for l in concur_report::stopping_lines(&r.stopping) {
            s.push_str(&format!("- {l}\n"));
        }
    }
    print::prose(&s)?;
    Ok(0)
}

/// The review's hard limits as the screening crate takes them.
fn limits(e: &Eligibility) -> concur_screen::Limits {
    concur_screen::Limits {
        languages: e.limits.languages.clone(),
        from: e.limits.published_from,
        until: e.limits.published_until,
        excluded_types: e.limits.excluded_types.clone(),
    }
}

fn auto(ws: &Workspace, e: &Eligibility, dry_run: bool, json: bool) -> Result<u8> {
    let limits = limits(e);
    if limits.is_empty() {
        anyhow::bail!("the review declares no hard limits ([eligibility.limits] in review.toml)");
    }
    let reason = |l: Limit| -> String {
        let (given, default) = match l {
            Limit::Language => (&e.limits.reason_language, "language"),
            Limit::Date => (&e.limits.reason_date, "date"),
            Limit::PublicationType => (&e.limits.reason_type, "publication-type"),
        };
        given.clone().unwrap_or_else(|| default.to_string())
    };
    let check = |r: &concur_store::Record| limits.check(r).map(|(l, what)| (reason(l), what));
    let hits = ws.apply_limits(&check, dry_run)?;
    let mut by_reason: std::collections::BTreeMap<&str, u64> = Default::default();
    for h in &hits {
        *by_reason.entry(h.reason.as_str()).or_default() += 1;
    }
    let summary: Vec<String> = by_reason.iter().map(|(r, n)| format!("{r} {n}")).collect();
    print::result(
        json,
        &serde_json::json!({ "dry_run": dry_run, "reviewer": AUTOMATION, "excluded": hits }),
        &format!(
            "{} {} record(s) by hard limits{}",
            if dry_run { "would exclude" } else { "excluded" },
            hits.len(),
            if summary.is_empty() {
                String::new()
            } else {
                format!(" ({})", summary.join(", "))
            }
        ),
    )?;
    Ok(0)
}

pub(crate) fn eligibility_text(e: &Eligibility) -> String {
    let mut s = String::new();
    let mut field = |k: &str, v: &Option<String>| {
        if let Some(v) = v {
            s.push_str(&format!("{k}: {v}\n"));
        }
    };
    field("population", &e.population);
    field("intervention", &e.intervention);
    field("timing", &e.timing);
    if !e.designs.is_empty() {
        s.push_str(&format!("designs: {}\n", e.designs.join("; ")));
    }
    for i in &e.include {
        s.push_str(&format!("- include: {i}\n"));
    }
    for x in &e.exclude {
        s.push_str(&format!("- exclude: {x}\n"));
    }
    s.push_str(&format!("(source: {})\n", e.locator));
    if !e.reasons.is_empty() {
        s.push_str("\nexclusion reasons:\n");
        for r in &e.reasons {
            s.push_str(&format!("- {}: {}\n", r.id, r.label));
        }
    }
    s
}

fn export(
    ws: &Workspace,
    included: Option<&Path>,
    decisions: Option<&Path>,
    stage: Stage,
    json: bool,
) -> Result<u8> {
    if included.is_none() && decisions.is_none() {
        anyhow::bail!("name what to write: --included FILE.ris|FILE.csv, --decisions FILE.csv");
    }
    let mut written = serde_json::Map::new();
    if let Some(path) = included {
        let format = path
            .extension()
            .and_then(|e| e.to_str())
            .and_then(concur_store::OutFormat::parse)
            .with_context(|| {
                format!(
                    "{}: name the file .ris, .csv or .jsonl to choose the format",
                    path.display()
                )
            })?;
        let screening = ws.screening(stage)?;
        let keep = |r: &StoredRecord| {
            let o = screening.outcome(r.id);
            match stage {
                Stage::FullText => o == concur_store::Outcome::Include,
                Stage::TitleAbstract => matches!(
                    o,
                    concur_store::Outcome::Include | concur_store::Outcome::Maybe
                ),
            }
        };
        let file = std::fs::File::create(path)
            .with_context(|| format!("cannot write {}", path.display()))?;
        let n = ws.export(
            &Filter::default(),
            &keep,
            Box::new(std::io::BufWriter::new(file)),
            format,
        )?;
        written.insert("included".into(), n.into());
        if !json {
            print::line(&format!(
                "wrote {n} record(s) included at {} to {}",
                stage.as_str(),
                path.display()
            ))?;
        }
    }
    if let Some(path) = decisions {
        let file = std::fs::File::create(path)
            .with_context(|| format!("cannot write {}", path.display()))?;
        let n = ws.export_decisions(Box::new(std::io::BufWriter::new(file)))?;
        written.insert("decisions".into(), n.into());
        if !json {
            print::line(&format!("wrote {n} decision row(s) to {}", path.display()))?;
        }
    }
    if json {
        print::json(&written)?;
    }
    Ok(0)
}

/// A workspace's settled title-and-abstract decisions as a labelled set, in record order.
fn labelled_from(ws: &Workspace) -> Result<Vec<concur_screen::Labelled>> {
    Ok(ws
        .settled_by_people()?
        .into_iter()
        .map(|(r, relevant)| concur_screen::Labelled {
            title: r.record.title.clone().unwrap_or_default(),
            abstract_text: r.record.abstract_text().unwrap_or_default(),
            relevant,
        })
        .collect())
}

fn simulate(a: SimulateArgs, workspace: Option<&Path>, json: bool) -> Result<u8> {
    let (records, path) = match &a.data {
        Some(data) => {
            let path = data.display().to_string();
            let bytes = std::fs::read(data).with_context(|| format!("cannot read {path}"))?;
            (read_labelled(&bytes).with_context(|| path.clone())?, path)
        }
        None => {
            let ws = crate::open(workspace)?;
            let path = format!("the decisions in {}", ws.root().display());
            (labelled_from(&ws)?, path)
        }
    };
    let options = SimOptions {
        seed: a.seed,
        prior_included: a.prior_included,
        prior_excluded: a.prior_excluded,
        ..SimOptions::default()
    };
    let runs = a.runs as usize;
    let bar = (std::io::stderr().is_terminal() && runs > 1).then(|| {
        let bar = indicatif::ProgressBar::new(runs as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "simulating {bar:30} {pos}/{len} runs {elapsed}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    });
    let sim = simulate_labelled(&records, &options, a.priors.as_deref(), runs, &mut |done| {
        if let Some(bar) = &bar {
            bar.set_position(done as u64);
        }
    })
    .with_context(|| path.clone())?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    if let Some(svg) = &a.svg {
        std::fs::write(svg, concur_report::recall_svg(&sim))
            .with_context(|| format!("cannot write {}", svg.display()))?;
    }
    if json {
        print::json(&sim)?;
    } else {
        print::text(&concur_report::simulation_text(&sim))?;
    }
    Ok(0)
}
