//! `concur report`: the whole review regenerated from data, deterministically (same input, same
//! bytes): report.md, a self-contained index.html, tables/*.csv, analyses.json, figures/*.svg.

use crate::render::{estimate_text, natural_name, run_json, run_markdown};
use crate::svg::{escape, forest, prisma};
use crate::DISCLAIMER;
use concur_evidence::{OutcomeKind, Review, Site, Study};
use concur_synthesis::{AnalysisRun, Evidence, PrismaFlow, SearchRun};

/// A file of the report: path inside the output folder, and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportFile {
    /// Path inside the output folder, with `/`.
    pub path: String,
    /// Contents.
    pub bytes: Vec<u8>,
}

/// The report's files and a short summary for the terminal.
pub struct Report {
    /// Every file, sorted by path.
    pub files: Vec<ReportFile>,
    /// A few lines for the terminal.
    pub summary: String,
}

/// First source line named in a locator, to order rows as the source prints them.
fn first_line(locator: &str) -> u32 {
    locator
        .split("line")
        .nth(1)
        .and_then(|rest| {
            rest.trim_start_matches('s')
                .split(|c: char| !c.is_ascii_digit() && c != ' ')
                .next()
        })
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(u32::MAX)
}

/// Study sections of the evidence tables, in report order.
fn sections(review: &Review) -> Vec<(&'static str, &'static str, Vec<&Study>)> {
    fn by_line(mut v: Vec<&Study>) -> Vec<&Study> {
        v.sort_by_key(|s| (first_line(&s.design_locator), s.id.clone()));
        v
    }
    let site = |want: Site| -> Vec<&Study> {
        review
            .studies
            .iter()
            .filter(|s| s.sites().iter().any(|x| want.covers(*x)))
            .collect()
    };
    let efficacy: Vec<&Study> = review
        .studies
        .iter()
        .filter(|s| s.radiotherapy.is_empty() && !s.design.is_preclinical())
        .collect();
    let preclinical: Vec<&Study> = review
        .studies
        .iter()
        .filter(|s| s.design.is_preclinical())
        .collect();
    vec![
        (
            "brain",
            "Brain radiotherapy (the source's Table 1)",
            by_line(site(Site::Brain)),
        ),
        (
            "breast",
            "Breast, chest wall and regional nodal radiotherapy (the source's Table 2)",
            by_line(site(Site::Breast)),
        ),
        ("bone", "Bone metastases", by_line(site(Site::Bone))),
        (
            "efficacy",
            "Efficacy trials of T-DM1 summarised by the source (no radiotherapy data)",
            by_line(efficacy),
        ),
        ("preclinical", "Preclinical studies", by_line(preclinical)),
    ]
}

/// The study label with the source's reference number, as the source's tables cite it.
fn citation(s: &Study) -> String {
    s.source_ref
        .map_or(s.label.clone(), |r| format!("{} [{r}]", s.label))
}

/// Every result of the given kinds, grouped by the place it is printed (the study's table row
/// first, when it has one): `label: value; label: value (place)`.
fn results(s: &Study, kinds: &[OutcomeKind]) -> String {
    let pick: Vec<&concur_evidence::Outcome> = s
        .outcomes
        .iter()
        .filter(|o| kinds.contains(&o.kind))
        .collect();
    let mut places: Vec<&str> = Vec::new();
    for o in &pick {
        if !places.contains(&o.locator.as_str()) {
            places.push(&o.locator);
        }
    }
    // The source's own table row leads, as its tables print it.
    places.sort_by_key(|p| !p.starts_with("table"));
    if places.is_empty() {
        return "-".into();
    }
    places
        .iter()
        .map(|place| {
            let items: Vec<String> = pick
                .iter()
                .filter(|o| o.locator == *place)
                .map(|o| crate::studies::outcome_text(o))
                .collect();
            format!("{} ({place})", items.join("; "))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn best_response(s: &Study) -> String {
    s.claims
        .iter()
        .find(|c| c.quantity == "best response")
        .map_or("-".into(), |c| c.value.clone())
}

/// The searches a workspace logged, as a review's search table shows them: each saved search's
/// latest run, where it ran, the query as the database read it, and what it found.
/// The risk-of-bias judgements of an analysis's studies, for the place beside its forest plot;
/// empty when no study of it has been judged.
fn rob_table(run: &AnalysisRun<'_>) -> String {
    let mut seen = Vec::new();
    let mut out = String::new();
    for r in &run.rows {
        let (Some(rob), false) = (&r.study.risk_of_bias, seen.contains(&r.study.id)) else {
            continue;
        };
        seen.push(r.study.id.clone());
        if out.is_empty() {
            out.push_str(
                "\nRisk of bias:\n\n| Study | Tool | Domains | Overall |\n|---|---|---|---|\n",
            );
        }
        let domains: Vec<String> = rob
            .domains
            .iter()
            .map(|d| format!("{} {}", d.domain, d.judgement.replace('-', " ")))
            .collect();
        out.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            md_cell(&r.study.label),
            rob.tool.name(),
            md_cell(&domains.join(", ")),
            md_cell(&rob.overall.replace('-', " "))
        ));
    }
    out
}

fn search_table(runs: &[SearchRun]) -> String {
    if runs.is_empty() {
        return String::new();
    }
    let mut md = String::from(
        "Searches run, from the workspace's log (the latest run of each saved search):\n\n| Search | Database | Run | Query as read | Records |\n|---|---|---|---|---:|\n",
    );
    for r in runs {
        md.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            md_cell(&r.name),
            md_cell(&r.database),
            md_cell(r.run_at.get(..10).unwrap_or(&r.run_at)),
            md_cell(&r.translation),
            r.count
        ));
    }
    md.push('\n');
    md
}

fn md_cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

fn csv_line(cells: &[String]) -> String {
    cells
        .iter()
        .map(|c| concur_lit::csv_cell(c))
        .map(|c| {
            if c.contains([',', '"', '\n']) {
                format!("\"{}\"", c.replace('"', "\"\""))
            } else {
                c.into_owned()
            }
        })
        .collect::<Vec<_>>()
        .join(",")
        + "\n"
}

/// The names of a study's drugs, as the review names them.
fn drug_names(review: &Review, s: &Study) -> String {
    let names: Vec<String> = s
        .drug_ids()
        .iter()
        .map(|id| {
            review
                .find_drug(id)
                .map_or(id.to_string(), |d| d.name.clone())
        })
        .collect();
    if names.is_empty() {
        "-".into()
    } else {
        names.join(", ")
    }
}

fn table_rows(
    review: &Review,
    studies: &[&Study],
    key: &str,
) -> (Vec<&'static str>, Vec<Vec<String>>) {
    match key {
        "efficacy" => (
            vec!["Study", "Trial", "Design", "N", "Setting", "Results"],
            studies
                .iter()
                .map(|s| {
                    vec![
                        citation(s),
                        s.trial.clone().unwrap_or_default(),
                        s.design.label().into(),
                        s.n.as_ref().map_or("-".into(), |n| n.value.to_string()),
                        s.setting
                            .iter()
                            .map(|x| x.label())
                            .collect::<Vec<_>>()
                            .join(", "),
                        results(s, &[OutcomeKind::Efficacy, OutcomeKind::Toxicity]),
                    ]
                })
                .collect(),
        ),
        "preclinical" => (
            vec!["Study", "Design", "Model", "Agents", "Finding"],
            studies
                .iter()
                .flat_map(|s| {
                    s.experiments.iter().map(move |e| {
                        vec![
                            citation(s),
                            e.system.label().into(),
                            e.model.clone(),
                            e.agents.join(", "),
                            format!("{} ({})", e.finding, e.locator),
                        ]
                    })
                })
                .collect(),
        ),
        _ => (
            vec![
                "Study",
                "Drugs",
                "Design",
                "N",
                "Timing",
                "Radiotherapy",
                "Best response",
                "Results",
                "Source of N",
            ],
            studies
                .iter()
                .map(|s| {
                    vec![
                        citation(s),
                        drug_names(review, s),
                        s.design.label().into(),
                        s.n.as_ref().map_or("-".into(), |n| n.value.to_string()),
                        crate::studies::timing_text(s),
                        crate::studies::rt_text(s),
                        best_response(s),
                        results(
                            s,
                            &[
                                OutcomeKind::Toxicity,
                                OutcomeKind::Feasibility,
                                OutcomeKind::Efficacy,
                            ],
                        ),
                        s.n.as_ref().map_or("-".into(), |n| n.locator.clone()),
                    ]
                })
                .collect(),
        ),
    }
}

/// The table of contents, linking the sections' anchors.
fn contents(changes: bool) -> String {
    let mut out = String::from("## Contents {#contents}\n\n");
    for (anchor, title) in [
        ("bottom-line", "Bottom line"),
        ("summary-of-findings", "Summary of findings"),
        ("question", "Question"),
        ("methods", "Methods"),
        ("evidence", "Evidence tables"),
        ("analyses", "Analyses"),
        ("guidance", "Guidance"),
    ] {
        out.push_str(&format!("- [{title}](#{anchor})\n"));
    }
    if changes {
        out.push_str("- [What changed](#changes)\n");
    }
    out.push_str("- [References](#references)\n\n");
    out
}

/// Each setting's bottom line, as `assess` opens with it.
fn bottom_line_section(evidence: &Evidence<'_>) -> String {
    let mut out = String::from("## Bottom line {#bottom-line}\n\n");
    for (site, findings) in concur_synthesis::bottom_lines(evidence) {
        if findings.is_empty() {
            continue;
        }
        out.push_str(&format!("### {} radiotherapy\n\n", site.label()));
        for f in &findings {
            out.push_str(&format!("- {}\n", crate::words::finding_text(f)));
        }
        out.push('\n');
    }
    out
}

/// The summary of findings in the GRADE manner: each outcome with its studies and totals, the
/// risk or effect with its interval, the certainty with the domains that lowered it, a comment.
fn summary_of_findings(runs: &[AnalysisRun<'_>]) -> String {
    let mut out = String::from(
        "## Summary of findings {#summary-of-findings}\n\n| Outcome | Rows and totals | Risk or effect (95% CI) | Certainty | Comment |\n|---|---|---|---|---|\n",
    );
    for run in runs {
        let totals = format!(
            "{}; {} in {}",
            crate::words::count(run.rows.len(), "row", "rows"),
            crate::words::count(run.total_events() as usize, "event", "events"),
            crate::words::units(run.total_patients(), run.decl.unit)
        );
        let effect = run.primary().map_or("not pooled".to_string(), |fit| {
            format!("{} {}", natural_name(fit.spec.measure), estimate_text(fit))
        });
        let lowered: Vec<String> = run
            .certainty
            .reasons
            .iter()
            .filter(|r| r.concern.downgrade() > 0)
            .map(crate::words::reason_head)
            .collect();
        let certainty = if lowered.is_empty() {
            run.certainty.level.as_str().to_string()
        } else {
            format!("{} ({})", run.certainty.level.as_str(), lowered.join("; "))
        };
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            md_cell(&run.decl.title),
            totals,
            effect,
            certainty,
            md_cell(run.decl.note.as_deref().unwrap_or("-"))
        ));
    }
    out.push('\n');
    out
}

/// Every publication of the review with the identifiers its file gives (PMID, DOI), linked.
fn references(review: &Review) -> String {
    let mut out = String::from("## References {#references}\n\n");
    for s in &review.studies {
        let mut line = format!("- <a id=\"ref-{}\"></a>{}", s.id, md_cell(&citation(s)));
        if let Some(c) = &s.citation {
            if !c.authors.is_empty() || c.title.is_some() {
                line.push_str(&format!(
                    ": {}{}",
                    md_cell(&c.authors.join(", ")),
                    c.title
                        .as_deref()
                        .map_or(String::new(), |t| format!(". {}", md_cell(t)))
                ));
            }
            if let Some(j) = &c.journal {
                line.push_str(&format!(". {}", md_cell(j)));
            }
            if let Some(y) = c.year {
                line.push_str(&format!(" {y}"));
            }
            if let Some(pmid) = &c.pmid {
                line.push_str(&format!(
                    ". PMID [{pmid}](https://pubmed.ncbi.nlm.nih.gov/{pmid}/)"
                ));
            }
            if let Some(doi) = &c.doi {
                line.push_str(&format!(". DOI [{doi}](https://doi.org/{doi})"));
            }
        }
        if let Some(r) = s.source_ref.and_then(|n| review.reference(n)) {
            line.push_str(&format!(
                ". Source reference {}: {} ({}) {}",
                r.number,
                md_cell(&r.authors.join(", ")),
                r.year.map_or("n.d.".into(), |y| y.to_string()),
                md_cell(&r.title)
            ));
        }
        line.push('\n');
        out.push_str(&line);
    }
    out.push('\n');
    out
}

/// Builds the report from analysed evidence and its PRISMA flow. `what_changed` is the Markdown
/// of the diff from the first edition, for later editions.
pub fn build_report(
    evidence: &Evidence<'_>,
    flow: &PrismaFlow,
    what_changed: Option<&str>,
) -> Report {
    let review = evidence.review;
    let audit = evidence.audit();
    let runs = evidence.analyses();
    let mut files = Vec::new();
    let mut md = String::new();
    let meta = &review.meta;
    md.push_str(&format!("# {}\n\n> {DISCLAIMER}\n\n", meta.title));
    if let Some(e) = meta.editions.last() {
        md.push_str(&format!(
            "Edition: **{}** — {}{}.\n\n",
            e.id,
            e.label,
            e.date
                .as_deref()
                .map_or(String::new(), |d| format!(" ({d})"))
        ));
    }
    md.push_str(&contents(what_changed.is_some()));
    md.push_str(&bottom_line_section(evidence));
    md.push_str(&summary_of_findings(runs));
    md.push_str("## Question {#question}\n\n");
    md.push_str(&format!(
        "- Population: {}\n- Intervention: {}\n- Comparison: {}\n- Outcomes: {}\n\n",
        meta.question.population,
        meta.question.intervention,
        meta.question.comparison,
        meta.question.outcomes.join("; ")
    ));
    md.push_str("## Methods {#methods}\n\n");
    // Only the sources this edition's evidence uses (the first source is the default of studies).
    let default_source = meta.sources.first().map(|s| s.id.as_str());
    let used: Vec<&str> = review
        .studies
        .iter()
        .filter_map(|s| s.source.as_deref().or(default_source))
        .chain(review.guidance.iter().filter_map(|g| g.source.as_deref()))
        .collect();
    for (i, s) in meta
        .sources
        .iter()
        .filter(|s| used.contains(&s.id.as_str()))
        .enumerate()
    {
        let role = if i == 0 {
            "Source review"
        } else {
            "Update source"
        };
        md.push_str(&format!("{role}: {}", s.citation));
        if let Some(note) = &s.note {
            md.push_str(&format!(" {note}"));
        }
        md.push_str("\n\n");
    }
    let search = &meta.search;
    md.push_str(&format!(
        "Search as the source states it ({}): {} ({}), searched until {}; languages: {}; {}; case reports {}.\n\n",
        search.locator,
        search.databases.join(", "),
        search.term_groups.iter().map(|g| format!("({})", g.join(" OR "))).collect::<Vec<_>>().join(" AND "),
        search.searched_until,
        search.languages.join(", "),
        search.conference_proceedings,
        if search.case_reports_included { "included" } else { "excluded" }
    ));
    md.push_str(&format!("{}\n\n", search.combination));
    md.push_str(&search_table(&flow.searches));
    md.push_str("Analyses use the counts printed in the source; where a count had to be derived, the table marks it (*) and says how. Pooled risks use a logistic-normal random-effects model (GLMM) with inverse-variance sensitivity analyses; comparisons use risk or odds ratios. Certainty is rated GRADE-style with the reasons printed (docs/certainty.md). Doses are compared as EQD2 with alpha/beta values that are model assumptions (review.toml).\n\n");
    md.push_str("![PRISMA 2020 flow diagram](figures/prisma.svg)\n\n");
    files.push(ReportFile {
        path: "figures/prisma.svg".into(),
        bytes: prisma(flow).into_bytes(),
    });

    md.push_str("## Evidence tables {#evidence}\n\n");
    for (key, title, studies) in sections(review) {
        if studies.is_empty() {
            continue;
        }
        let (header, rows) = table_rows(review, &studies, key);
        // The source's tables, and what later sources added to them, said as such.
        let default_source = review.meta.sources.first().map(|s| s.id.as_str());
        let added = studies
            .iter()
            .filter(|s| {
                s.source
                    .as_deref()
                    .is_some_and(|x| Some(x) != default_source)
            })
            .count();
        let title = match (title.find(" (the source's "), added) {
            (Some(cut), n) if n > 0 => format!(
                "{} ({} and {} the update added)",
                &title[..cut],
                &title[cut + 2..title.len() - 1],
                crate::words::count(n, "study", "studies")
            ),
            _ => title.to_string(),
        };
        md.push_str(&format!(
            "### {title}\n\n| {} |\n|{}|\n",
            header.join(" | "),
            header.iter().map(|_| "---").collect::<Vec<_>>().join("|")
        ));
        let mut csv = csv_line(&header.iter().map(|h| h.to_string()).collect::<Vec<_>>());
        for row in &rows {
            // The study links to its entry in the references (in the Markdown, not the CSV).
            let cells: Vec<String> = row
                .iter()
                .enumerate()
                .map(
                    |(k, c)| match studies.iter().find(|s| k == 0 && citation(s) == *c) {
                        Some(s) => format!(
                            "[{}](#ref-{})",
                            md_cell(c).replace('[', "\\[").replace(']', "\\]"),
                            s.id
                        ),
                        None => md_cell(c),
                    },
                )
                .collect();
            md.push_str(&format!("| {} |\n", cells.join(" | ")));
            csv.push_str(&csv_line(row));
        }
        md.push('\n');
        files.push(ReportFile {
            path: format!("tables/{key}.csv"),
            bytes: csv.into_bytes(),
        });
    }

    md.push_str("## Analyses {#analyses}\n\n");
    let mut analysis_csv = csv_line(
        &[
            "analysis",
            "row",
            "study",
            "group_events",
            "group_total",
            "control_events",
            "control_total",
            "locator",
            "derivation",
        ]
        .map(String::from),
    );
    let mut sites: Vec<Site> = Vec::new();
    for r in runs {
        if !sites.contains(&r.decl.site) {
            sites.push(r.decl.site);
        }
    }
    for site in sites {
        let in_site: Vec<&AnalysisRun<'_>> = runs.iter().filter(|r| r.decl.site == site).collect();
        md.push_str(&format!("### {}\n\n", site.label()));
        for run in in_site {
            md.push_str(&run_markdown(run, "####"));
            if let Some(svg) = forest(run) {
                let path = format!("figures/{}.svg", run.decl.id);
                md.push_str(&format!("\n![Forest plot: {}]({path})\n", run.decl.title));
                files.push(ReportFile {
                    path,
                    bytes: svg.into_bytes(),
                });
            }
            md.push_str(&rob_table(run));
            md.push('\n');
            for r in &run.rows {
                analysis_csv.push_str(&csv_line(&[
                    run.decl.id.clone(),
                    r.label.clone(),
                    r.study.id.clone(),
                    r.group.events.to_string(),
                    r.group.total.to_string(),
                    r.control
                        .as_ref()
                        .map_or(String::new(), |c| c.events.to_string()),
                    r.control
                        .as_ref()
                        .map_or(String::new(), |c| c.total.to_string()),
                    r.group.locator.clone(),
                    r.group
                        .derivation
                        .as_ref()
                        .map(crate::words::derivation_text)
                        .unwrap_or_default(),
                ]));
            }
        }
    }
    files.push(ReportFile {
        path: "tables/analyses.csv".into(),
        bytes: analysis_csv.into_bytes(),
    });

    md.push_str("## Guidance {#guidance}\n\n");
    for g in &review.guidance {
        md.push_str(&format!(
            "- **{}** — {} ({}; {}).{}\n",
            g.stance.label(),
            g.text,
            g.issuer,
            g.locator,
            if g.studies.is_empty() {
                String::new()
            } else {
                format!(" Studies: {}.", g.studies.join(", "))
            }
        ));
    }
    md.push_str("\n## Audit of the source and the evidence base\n\n");
    let open = audit.unacknowledged_errors();
    md.push_str(&format!("{} findings; {} unacknowledged errors. Each finding names both places in the source where they disagree.\n\n", audit.findings.len(), open));
    let mut audit_csv = csv_line(
        &[
            "id",
            "severity",
            "study",
            "locators",
            "numbers",
            "reason",
            "acknowledged",
        ]
        .map(String::from),
    );
    md.push_str("| Severity | Study | Where | Numbers | Status |\n|---|---|---|---|---|\n");
    for f in &audit.findings {
        md.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            f.severity,
            f.study,
            md_cell(&f.locators.join("; ")),
            md_cell(&f.numbers),
            md_cell(
                &f.acknowledged
                    .as_ref()
                    .map_or("open".to_string(), |e| format!("acknowledged: {e}"))
            )
        ));
        audit_csv.push_str(&csv_line(&[
            f.id.clone(),
            f.severity.to_string(),
            f.study.clone(),
            f.locators.join("; "),
            f.numbers.clone(),
            f.reason.clone(),
            f.acknowledged.clone().unwrap_or_default(),
        ]));
    }
    files.push(ReportFile {
        path: "tables/audit.csv".into(),
        bytes: audit_csv.into_bytes(),
    });
    if let Some(changes) = what_changed {
        md.push_str("\n<a id=\"changes\"></a>\n\n");
        md.push_str(changes);
        md.push('\n');
    }
    md.push_str(&references(review));
    md.push_str(&format!("\n---\n\n{DISCLAIMER}\n"));

    let analyses: Vec<_> = runs.iter().map(run_json).collect();
    files.push(ReportFile {
        path: "analyses.json".into(),
        bytes: (crate::json_text(&analyses).unwrap_or_default() + "\n").into_bytes(),
    });
    let md = crate::html::markdown_safe(&md);
    let html = html_page(&meta.title, &md, &files);
    files.push(ReportFile {
        path: "report.md".into(),
        bytes: md.into_bytes(),
    });
    files.push(ReportFile {
        path: "index.html".into(),
        bytes: html.into_bytes(),
    });
    files.sort_by(|a, b| a.path.cmp(&b.path));

    let mut summary = format!("{}: {} studies, {} analyses, {} guidance statements, audit: {} findings ({} unacknowledged errors)\n", meta.id, review.studies.len(), runs.len(), review.guidance.len(), audit.findings.len(), open);
    for run in runs {
        if let Some(fit) = run.primary() {
            summary.push_str(&format!(
                "  {}: {} {} (certainty {})\n",
                run.decl.id,
                natural_name(fit.spec.measure),
                estimate_text(fit),
                run.certainty.level.as_str()
            ));
        }
    }
    Report { files, summary }
}

const CSS: &str = "body{font-family:Helvetica,Arial,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}\
h1{color:#1f4e79}h2{border-bottom:2px solid #1f4e79;padding-bottom:.2em;margin-top:2em}\
table{border-collapse:collapse;width:100%;font-size:.85em;margin:1em 0}th,td{border:1px solid #bbb;padding:.3em .5em;vertical-align:top;text-align:left}\
th{background:#dbe5f1}tr:nth-child(even) td{background:#f6f8fb}blockquote{background:#fff4e5;border-left:4px solid #e69500;margin:1em 0;padding:.5em 1em}\
.scroll,.figure{display:block;overflow-x:auto;margin:1em 0}.figure svg{max-width:none;height:auto;display:block}\
code{background:#eef;padding:0 .2em}td{min-width:4em}p,li{overflow-wrap:anywhere}\
@media print{body{max-width:none}h2{page-break-before:always}svg,table{page-break-inside:avoid}}";

/// Renders the Markdown to one self-contained page, with the SVG figures inline.
fn html_page(title: &str, md: &str, files: &[ReportFile]) -> String {
    let mut body = crate::markdown_html(md);
    for f in files.iter().filter(|f| f.path.ends_with(".svg")) {
        let svg = String::from_utf8_lossy(&f.bytes);
        let needle = format!("src=\"{}\"", f.path);
        while let Some(pos) = body.find(&needle) {
            let start = body[..pos].rfind("<img").unwrap_or(pos);
            let end = body[pos..].find('>').map_or(body.len(), |e| pos + e + 1);
            body.replace_range(start..end, &format!("<span class=\"figure\">{svg}</span>"));
        }
    }
    // On a phone, a wide table or figure scrolls in its own box, at its full size, rather than
    // widening the page or shrinking its text below legibility.
    let body = body
        .replace("<table>", "<div class=\"scroll\"><table>")
        .replace("</table>", "</table></div>");
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n{body}</body>\n</html>\n",
        escape(title)
    )
}
