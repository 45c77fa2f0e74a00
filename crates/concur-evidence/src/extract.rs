//! Data extraction: the form a reviewer fills for one publication (a study file in the review's
//! own format, every value empty), its check with located problems, the field-by-field
//! comparison of two reviewers' forms, the check that each extracted number is printed where its
//! locator says, and the study file an accepted form becomes.

use crate::error::Problem;
use crate::model::{ExtractionRecord, Review, Study};
use crate::rob::RobTool;
use crate::span;
use crate::vocab::{Design, OutcomeKind, Setting, Site, Technique, TimingMode};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use toml::de::{DeTable, DeValue};

/// What a bibliographic record knows about a publication, for the form's citation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordFacts {
    /// How the workspace names the record (e.g. `workspace record 12`): the citation's locator.
    pub record: String,
    /// Authors as the record lists them.
    pub authors: Vec<String>,
    /// Title.
    pub title: Option<String>,
    /// Journal.
    pub journal: Option<String>,
    /// Publication year.
    pub year: Option<u16>,
    /// Volume.
    pub volume: Option<String>,
    /// Pages.
    pub pages: Option<String>,
    /// PubMed id.
    pub pmid: Option<String>,
    /// DOI.
    pub doi: Option<String>,
}

/// Whether a text may be a study id (and so a file name): lower-case letters, digits and
/// hyphens, starting with a letter or digit.
pub fn is_study_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 80
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !id.starts_with('-')
}

/// A study id from the first author's surname and the year, e.g. `dastgheyb-2023`.
pub fn suggest_study_id(facts: &RecordFacts) -> String {
    let surname = facts
        .authors
        .first()
        .map(|a| {
            let a = a.split(',').next().unwrap_or(a);
            crate::model::surname(a).to_string()
        })
        .unwrap_or_default();
    let mut id: String = surname
        .chars()
        .filter_map(|c| {
            let c = c.to_ascii_lowercase();
            if c.is_ascii_lowercase() || c.is_ascii_digit() {
                Some(c)
            } else if c == ' ' || c == '-' {
                Some('-')
            } else {
                None
            }
        })
        .collect();
    if id.is_empty() {
        id = "study".into();
    }
    if let Some(y) = facts.year {
        let _ = write!(id, "-{y}");
    }
    id.trim_matches('-').to_string()
}

/// The study's label from the record: "Surname Year".
fn suggest_label(facts: &RecordFacts) -> String {
    let surname = facts
        .authors
        .first()
        .map(|a| crate::model::surname(a.split(',').next().unwrap_or(a)).to_string())
        .unwrap_or_default();
    match facts.year {
        Some(y) => format!("{surname} {y}").trim().to_string(),
        None => surname,
    }
}

fn quote(text: &str) -> String {
    toml_edit::Value::from(text).to_string().trim().to_string()
}

fn quote_list<'a>(items: impl IntoIterator<Item = &'a str>) -> String {
    let items: Vec<String> = items.into_iter().map(quote).collect();
    format!("[{}]", items.join(", "))
}

fn menu<'a>(items: impl IntoIterator<Item = &'a str>) -> String {
    items.into_iter().collect::<Vec<_>>().join(", ")
}

/// The extraction form for one record: a study file in the review's format, prefilled with what
/// the record knows (each with the record as its locator), with every other value empty and the
/// review's analyses listed as what to look for. `design`, when known, fills in the tool for
/// risk of bias and its domains.
pub fn extraction_form(
    review: &Review,
    facts: &RecordFacts,
    id: &str,
    reviewer: &str,
    design: Option<Design>,
) -> String {
    let mut f = String::new();
    let _ = writeln!(
        f,
        "# Extraction form for {}, by {reviewer}, for the review {}.",
        facts.record, review.meta.id
    );
    f.push_str(
        "# Fill every empty value (\"\" or []) from the paper, or delete its line when the paper does not\n\
         # report it: unknown stays empty. Locators say where a value is printed, e.g. \"page 5, table 2\"\n\
         # or \"page 3, line 12\" of the attached full text; numbers are checked at that place.\n\
         # Copy a [[...]] block for each further arm, schedule or result. `concur extract check`\n\
         # lists what is still empty or wrong, by line.\n\n",
    );
    let _ = writeln!(f, "id = {}", quote(id));
    let _ = writeln!(f, "label = {}", quote(&suggest_label(facts)));
    let _ = writeln!(
        f,
        "design = {}  # {}",
        quote(design.map_or("", |d| d.as_str())),
        menu(Design::ALL.iter().map(|d| d.as_str()))
    );
    f.push_str("design_locator = \"\"\n");
    let _ = writeln!(
        f,
        "setting = []  # {}",
        menu(Setting::ALL.iter().map(|s| s.as_str()))
    );
    f.push_str("population = \"\"  # who the patients were, in your words\n");
    f.push_str("summary = \"\"  # what happened, in your words\n");
    f.push_str("provenance = \"\"  # e.g. full text read; or abstract only\n\n");

    f.push_str("[citation]\n");
    if !facts.authors.is_empty() {
        let _ = writeln!(
            f,
            "authors = {}",
            quote_list(facts.authors.iter().map(String::as_str))
        );
    }
    if let Some(y) = facts.year {
        let _ = writeln!(f, "year = {y}");
    }
    for (key, value) in [
        ("title", &facts.title),
        ("journal", &facts.journal),
        ("volume", &facts.volume),
        ("pages", &facts.pages),
        ("pmid", &facts.pmid),
        ("doi", &facts.doi),
    ] {
        if let Some(v) = value.as_deref().filter(|v| !v.trim().is_empty()) {
            let _ = writeln!(f, "{key} = {}", quote(v));
        }
    }
    let _ = writeln!(f, "locator = {}\n", quote(&facts.record));

    f.push_str(
        "[n]\nvalue = \"\"  # patients in the study (or lesions, courses)\nlocator = \"\"\n\n",
    );

    let drugs = menu(review.drugs.iter().map(|d| d.id.as_str()));
    f.push_str("[[arms]]\nid = \"\"  # short, e.g. tdm1\nlabel = \"\"\n");
    let _ = writeln!(f, "drugs = []  # {drugs}");
    f.push_str("n = \"\"\nlocator = \"\"\n\n");

    f.push_str("[[radiotherapy]]\n");
    let _ = writeln!(
        f,
        "sites = []  # {}",
        menu(Site::ALL.iter().map(|s| s.as_str()))
    );
    let _ = writeln!(
        f,
        "techniques = []  # {}",
        menu(Technique::ALL.iter().map(|t| t.as_str()))
    );
    f.push_str(
        "total_dose_gy = \"\"\nfractions = \"\"\ndose_per_fraction_gy = \"\"\npatients = \"\"\nlocator = \"\"\n\n",
    );

    f.push_str("[timing]\n");
    let _ = writeln!(
        f,
        "mode = \"\"  # {}",
        menu(TimingMode::ALL.iter().map(|t| t.as_str()))
    );
    f.push_str("definition = \"\"  # the study's own definition of concurrent, in your words\n");
    f.push_str("window_days = { before = \"\", after = \"\" }  # days around a drug dose\n");
    f.push_str("locator = \"\"\n\n");

    f.push_str(&analyses_menu(review));
    f.push_str("[[outcomes]]\n");
    let _ = writeln!(
        f,
        "kind = \"\"  # {}",
        menu(OutcomeKind::ALL.iter().map(|k| k.as_str()))
    );
    let terms: BTreeSet<&str> = review
        .meta
        .analyses
        .iter()
        .flat_map(|a| a.terms.iter().map(String::as_str))
        .collect();
    let grades: BTreeSet<&str> = review
        .meta
        .analyses
        .iter()
        .filter_map(|a| a.grade.as_deref())
        .collect();
    let units: BTreeSet<&str> = review
        .meta
        .analyses
        .iter()
        .map(|a| a.unit.as_str())
        .collect();
    let _ = writeln!(f, "term = \"\"  # as the analyses name it: {}", menu(terms));
    let _ = writeln!(f, "grade = \"\"  # {}", menu(grades));
    f.push_str("arm = \"\"\nevents = \"\"\ndenominator = \"\"\npercent = \"\"\n");
    let _ = writeln!(f, "unit = \"\"  # {}", menu(units));
    f.push_str("locator = \"\"\n\n");

    f.push_str(&rob_form(design, 1));
    f
}

/// The review's analyses as a comment: what each reads, so the extractor knows what to look for.
fn analyses_menu(review: &Review) -> String {
    let mut f = String::from(
        "# Results the review's analyses read; enter each as printed, one [[outcomes]] per arm and grade:\n",
    );
    for a in &review.meta.analyses {
        let techniques = menu(a.techniques.iter().map(|t| t.as_str()));
        let _ = writeln!(
            f,
            "#   {}: {} {}{}, {} \"{}\", grade {}, per {}",
            a.id,
            a.site.as_str(),
            a.drugs.join("/"),
            if techniques.is_empty() {
                String::new()
            } else {
                format!(" ({techniques})")
            },
            a.outcome_kind.as_str(),
            a.terms.join("\" or \""),
            a.grade.as_deref().unwrap_or("not stated"),
            a.unit.as_str()
        );
    }
    f
}

/// The risk-of-bias part of the form: the tool that fits the design with one empty judgement per
/// domain, or an empty tool with the choices when the design is not known yet.
fn rob_form(design: Option<Design>, arms: usize) -> String {
    // A cohort's tool depends on whether it compares groups, which the form does not know yet.
    let tool = design
        .filter(|d| RobTool::fitting(*d, 1) == RobTool::fitting(*d, 2))
        .and_then(|d| RobTool::fitting(d, arms));
    let mut f = String::from(
        "# Risk of bias with the tool that fits the design: rob2 (randomised trials), robins-i\n\
         # (non-randomised comparisons), jbi-case-series (single groups), jbi-case-report.\n\
         # Each domain's judgement needs a supporting quote or your words, and where it is printed.\n",
    );
    f.push_str("[risk_of_bias]\n");
    match tool {
        Some(tool) => {
            let _ = writeln!(f, "tool = {}  # {}", quote(tool.as_str()), tool.name());
            let _ = writeln!(
                f,
                "overall = \"\"  # {}",
                menu(tool.overall_answers().iter().map(|a| a.0))
            );
            for (id, what) in tool.domains() {
                let _ = writeln!(
                    f,
                    "\n[[risk_of_bias.domains]]\ndomain = {}  # {what}\njudgement = \"\"  # {}\nsupport = \"\"\nlocator = \"\"",
                    quote(id),
                    menu(tool.answers().iter().map(|a| a.0))
                );
            }
        }
        None => {
            f.push_str("tool = \"\"\noverall = \"\"\n");
        }
    }
    f
}

/// Every empty value (`""`, `[]`) of a form, located: what the extractor has still to fill in.
pub fn empty_values(path: &str, text: &str) -> Vec<Problem> {
    let Ok(root) = DeTable::parse(text) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut walk = Walk {
        path,
        text,
        out: &mut out,
    };
    walk.table("", root.get_ref());
    out.sort_by_key(|p| (p.line, p.column));
    out
}

struct Walk<'a> {
    path: &'a str,
    text: &'a str,
    out: &'a mut Vec<Problem>,
}

impl Walk<'_> {
    fn table(&mut self, prefix: &str, table: &DeTable<'_>) {
        for (key, value) in table.iter() {
            let field = if prefix.is_empty() {
                key.get_ref().to_string()
            } else {
                format!("{prefix}.{}", key.get_ref())
            };
            self.value(&field, value.get_ref(), value.span().start);
        }
    }

    fn value(&mut self, field: &str, value: &DeValue<'_>, at: usize) {
        let empty = match value {
            DeValue::String(s) => s.trim().is_empty(),
            DeValue::Array(a) if a.is_empty() => true,
            DeValue::Array(a) => {
                for (i, v) in a.iter().enumerate() {
                    if matches!(v.get_ref(), DeValue::Table(_)) {
                        self.value(&format!("{field}[{i}]"), v.get_ref(), v.span().start);
                    }
                }
                false
            }
            DeValue::Table(t) => {
                self.table(field, t);
                false
            }
            _ => false,
        };
        if empty {
            let (line, column) = span::line_col(self.text, at);
            self.out.push(Problem {
                file: self.path.to_string(),
                line: Some(line),
                column: Some(column),
                field: field.to_string(),
                expected: "a value from the paper".into(),
                found: "an empty value".into(),
                hint: Some("fill it in, or delete the line if the paper does not report it".into()),
            });
        }
    }
}

/// Checks an extraction form as the review's loader checks a study file: first what is still
/// empty, then the format, then every validation rule in the context of the review (drugs,
/// editions, arms, risk of bias). Problems name `path`.
pub fn check_extraction(review: &Review, path: &str, text: &str) -> Result<Study, Vec<Problem>> {
    let empty = empty_values(path, text);
    if !empty.is_empty() {
        return Err(empty);
    }
    let mut study: Study = match toml::from_str(text) {
        Ok(s) => s,
        Err(err) => {
            return Err(vec![crate::load::syntax_problem(
                path,
                text,
                &err,
                "a study in the review's format",
                "see docs/data-model.md for the fields a study takes",
            )]);
        }
    };
    study.file = path.to_string();
    for (outcome, decimals) in study.outcomes.iter_mut().zip(span::percent_decimals(text)) {
        outcome.percent_decimals = decimals;
    }
    // A form has no edition yet: acceptance sets it, so it is checked as of the latest.
    if study.since.is_none() {
        study.since = review.current_edition().map(str::to_string);
    }
    let mut context = review.clone();
    context.studies.retain(|s| s.id != study.id);
    context.studies.push(study.clone());
    context.texts.insert(path.to_string(), text.to_string());
    let problems: Vec<Problem> = crate::validate::validate(&context)
        .into_iter()
        .filter(|p| p.file == path)
        .collect();
    if problems.is_empty() {
        Ok(study)
    } else {
        Err(problems)
    }
}

/// What kind of field two extractions disagree on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DifferenceKind {
    /// A number or a text.
    Value,
    /// What a count counts.
    Unit,
    /// Where a value is printed.
    Locator,
    /// An arm: its drugs, size or label.
    Arm,
    /// A risk-of-bias judgement or its support.
    RiskOfBias,
    /// Present in one extraction only.
    Missing,
}

/// One field where two extractions differ.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Difference {
    /// The field, with array items named by what they are (`outcomes[acute radiation
    /// dermatitis, grade >=2, arm tdm1].events`).
    pub field: String,
    /// What kind of field.
    pub kind: DifferenceKind,
    /// The first reviewer's value as written (empty when absent).
    pub left: Option<String>,
    /// The second reviewer's value.
    pub right: Option<String>,
    /// Line of the field in the first file.
    pub left_line: Option<usize>,
    /// Line of the field in the second file.
    pub right_line: Option<usize>,
}

/// One reviewer's extraction, by name and text.
#[derive(Debug, Clone, Copy)]
pub struct Side<'a> {
    /// The reviewer.
    pub reviewer: &'a str,
    /// The form's text.
    pub text: &'a str,
}

/// Lists, field by field, where two reviewers' extractions differ. Arms are matched by id,
/// results by what they measure (kind, term, grade, statistic, arm, comparator, timing,
/// subgroup), schedules by arm and sites, risk-of-bias domains by domain; anything else by
/// position. Who accepted or when is not compared.
pub fn compare(left: Side<'_>, right: Side<'_>) -> Result<Vec<Difference>, Box<Problem>> {
    let parse = |side: Side<'_>| {
        toml::from_str::<toml::Table>(side.text).map_err(|e| {
            Box::new(crate::load::syntax_problem(
                side.reviewer,
                side.text,
                &e,
                "valid TOML",
                "fix the form; `concur extract check` locates the problem",
            ))
        })
    };
    let (a, b) = (parse(left)?, parse(right)?);
    let mut c = Comparer {
        left,
        right,
        out: Vec::new(),
    };
    c.tables("", "", "", &a, &b);
    Ok(c.out)
}

struct Comparer<'a> {
    left: Side<'a>,
    right: Side<'a>,
    out: Vec<Difference>,
}

const NOT_COMPARED: &[&str] = &["since", "extraction"];

fn join_path(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

fn shown(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The name an item of an array of tables is matched by.
fn item_key(array: &str, item: &toml::Table) -> Option<String> {
    let text = |k: &str| item.get(k).map(shown).unwrap_or_default();
    let name = array.rsplit('.').next().unwrap_or(array);
    let key = match name {
        "arms" => text("id"),
        "domains" => text("domain"),
        "outcomes" => {
            let mut parts = vec![text("term").to_lowercase()];
            for (k, label) in [
                ("kind", ""),
                ("grade", "grade "),
                ("statistic", ""),
                ("arm", "arm "),
                ("versus", "vs "),
                ("timing", ""),
                ("subgroup", ""),
            ] {
                if let Some(v) = item.get(k) {
                    parts.push(format!("{label}{}", shown(v)));
                }
            }
            parts.join(", ")
        }
        "radiotherapy" => {
            let mut parts = vec![text("arm")];
            parts.push(text("sites"));
            parts.retain(|p| !p.is_empty());
            parts.join(" ")
        }
        _ => return None,
    };
    Some(key)
}

impl Comparer<'_> {
    fn kind(field: &str) -> DifferenceKind {
        let last = field.rsplit('.').next().unwrap_or(field);
        if last == "locator" || last.ends_with("_locator") {
            DifferenceKind::Locator
        } else if last == "unit" {
            DifferenceKind::Unit
        } else if field.starts_with("arms") {
            DifferenceKind::Arm
        } else if field.starts_with("risk_of_bias") {
            DifferenceKind::RiskOfBias
        } else {
            DifferenceKind::Value
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        field: String,
        kind: DifferenceKind,
        lpath: &str,
        rpath: &str,
        left: Option<String>,
        right: Option<String>,
    ) {
        let line =
            |text: &str, path: &str| span::offset_of(text, path).map(|o| span::line_col(text, o).0);
        self.out.push(Difference {
            field,
            kind,
            left_line: left.as_ref().and(line(self.left.text, lpath)),
            right_line: right.as_ref().and(line(self.right.text, rpath)),
            left,
            right,
        });
    }

    /// `field` names the place for people; `lpath` and `rpath` are its paths in each file.
    fn tables(&mut self, field: &str, lpath: &str, rpath: &str, a: &toml::Table, b: &toml::Table) {
        let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
        for key in keys {
            if field.is_empty() && NOT_COMPARED.contains(&key.as_str()) {
                continue;
            }
            let (f, lp, rp) = (
                join_path(field, key),
                join_path(lpath, key),
                join_path(rpath, key),
            );
            match (a.get(key), b.get(key)) {
                (Some(x), Some(y)) => self.values(&f, &lp, &rp, x, y),
                (Some(x), None) => {
                    self.push(f, DifferenceKind::Missing, &lp, &rp, Some(shown(x)), None)
                }
                (None, Some(y)) => {
                    self.push(f, DifferenceKind::Missing, &lp, &rp, None, Some(shown(y)))
                }
                (None, None) => {}
            }
        }
    }

    fn values(&mut self, field: &str, lpath: &str, rpath: &str, x: &toml::Value, y: &toml::Value) {
        use toml::Value as V;
        match (x, y) {
            (V::Table(a), V::Table(b)) => self.tables(field, lpath, rpath, a, b),
            (V::Array(a), V::Array(b))
                if a.iter().chain(b).all(|v| v.is_table()) && !(a.is_empty() && b.is_empty()) =>
            {
                self.arrays(field, lpath, rpath, a, b)
            }
            _ if same(x, y) => {}
            _ => self.push(
                field.to_string(),
                Comparer::kind(field),
                lpath,
                rpath,
                Some(shown(x)),
                Some(shown(y)),
            ),
        }
    }

    fn arrays(
        &mut self,
        field: &str,
        lpath: &str,
        rpath: &str,
        a: &[toml::Value],
        b: &[toml::Value],
    ) {
        let key = |i: usize, v: &toml::Value| {
            v.as_table()
                .and_then(|t| item_key(field, t))
                .unwrap_or_else(|| i.to_string())
        };
        let mut rights: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (j, v) in b.iter().enumerate() {
            rights.entry(key(j, v)).or_default().push(j);
        }
        let mut used = BTreeSet::new();
        for (i, v) in a.iter().enumerate() {
            let k = key(i, v);
            let j = rights
                .get_mut(&k)
                .and_then(|js| (!js.is_empty()).then(|| js.remove(0)));
            let f = format!("{field}[{k}]");
            let lp = format!("{lpath}[{i}]");
            match j {
                Some(j) => {
                    used.insert(j);
                    self.values(&f, &lp, &format!("{rpath}[{j}]"), v, &b[j]);
                }
                None => self.push(f, DifferenceKind::Missing, &lp, "", Some(summary(v)), None),
            }
        }
        for (j, v) in b.iter().enumerate() {
            if !used.contains(&j) {
                let f = format!("{field}[{}]", key(j, v));
                self.push(
                    f,
                    DifferenceKind::Missing,
                    "",
                    &format!("{rpath}[{j}]"),
                    None,
                    Some(summary(v)),
                );
            }
        }
    }
}

/// Integers and floats of the same value are the same value.
fn same(x: &toml::Value, y: &toml::Value) -> bool {
    use toml::Value as V;
    match (x, y) {
        (V::Integer(i), V::Float(f)) | (V::Float(f), V::Integer(i)) => {
            (*i as f64 - f).abs() < 1e-12
        }
        (V::String(a), V::String(b)) => a.trim() == b.trim(),
        _ => x == y,
    }
}

fn summary(v: &toml::Value) -> String {
    match v.as_table() {
        Some(t) => t
            .iter()
            .map(|(k, v)| format!("{k} = {}", shown(v)))
            .collect::<Vec<_>>()
            .join("; "),
        None => shown(v),
    }
}

/// A place in an attached full text: a page, and a line on it when the locator gives one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PagePlace {
    /// 1-based page.
    pub page: u32,
    /// 1-based line of the page.
    pub line: Option<u32>,
}

/// Reads `page 5`, `p. 5, table 2` or `page 3, line 12` from a locator; other locators (a
/// section of a source file) are not places in a full text.
pub fn page_place(locator: &str) -> Option<PagePlace> {
    let lower = locator.to_lowercase();
    let number_after = |word: &str| -> Option<u32> {
        let at = lower.find(word)? + word.len();
        let rest = lower[at..].trim_start_matches([' ', '.']);
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        digits.parse().ok()
    };
    let page = number_after("page").or_else(|| {
        lower
            .starts_with("p.")
            .then(|| number_after("p."))
            .flatten()
    })?;
    Some(PagePlace {
        page,
        line: number_after("line"),
    })
}

/// One extracted number and whether it is printed where its locator points.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NumberCheck {
    /// The field (`outcomes[0].events`).
    pub field: String,
    /// The number as entered.
    pub value: f64,
    /// The locator it cites.
    pub locator: String,
    /// The place read from the locator.
    pub place: PagePlace,
    /// Whether the number is printed there.
    pub found: bool,
}

/// The numbers of a study that are read from the paper (not derived by us), with the locator of
/// each.
pub fn cited_numbers(study: &Study) -> Vec<(String, f64, String)> {
    let mut out = Vec::new();
    if let Some(n) = study.n.as_ref().filter(|n| n.derivation.is_none()) {
        out.push(("n.value".into(), f64::from(n.value), n.locator.clone()));
    }
    for (i, a) in study.arms.iter().enumerate() {
        if let Some(n) = a.n.filter(|_| a.derivation.is_none()) {
            out.push((format!("arms[{i}].n"), f64::from(n), a.locator.clone()));
        }
    }
    for (i, r) in study.radiotherapy.iter().enumerate() {
        for (name, amount) in [
            ("total_dose_gy", r.total_dose_gy),
            ("fractions", r.fractions),
            ("dose_per_fraction_gy", r.dose_per_fraction_gy),
        ] {
            if r.derived.iter().any(|d| d == name) {
                continue;
            }
            if let Some(a) = amount {
                out.push((
                    format!("radiotherapy[{i}].{name}"),
                    a.min(),
                    r.locator.clone(),
                ));
                if a.max() != a.min() {
                    out.push((
                        format!("radiotherapy[{i}].{name}"),
                        a.max(),
                        r.locator.clone(),
                    ));
                }
            }
        }
    }
    for (i, o) in study.outcomes.iter().enumerate() {
        let fields = [
            ("events", o.events.map(f64::from)),
            ("denominator", o.denominator.map(f64::from)),
            ("percent", o.percent),
            ("value", o.value),
        ];
        for (name, v) in fields {
            if let Some(v) = v.filter(|_| !o.is_derived(name)) {
                out.push((format!("outcomes[{i}].{name}"), v, o.locator.clone()));
            }
        }
        if let Some([lo, hi]) = o.ci.filter(|_| !o.is_derived("ci")) {
            out.push((format!("outcomes[{i}].ci"), lo, o.locator.clone()));
            out.push((format!("outcomes[{i}].ci"), hi, o.locator.clone()));
        }
    }
    out
}

/// The numbers printed in a text, as values (`22`, `62.9`, `62,9`, `1,635`).
pub fn numbers_in(text: &str) -> Vec<f64> {
    let mut out = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() && (i == 0 || !chars[i - 1].is_ascii_digit()) {
            let start = i;
            while i < chars.len()
                && (chars[i].is_ascii_digit()
                    || (matches!(chars[i], '.' | ',')
                        && chars.get(i + 1).is_some_and(char::is_ascii_digit)))
            {
                i += 1;
            }
            let token: String = chars[start..i].iter().collect();
            // "1,635" is a thousands separator; "62,9" a decimal comma: both readings count.
            if let Ok(v) = token.replace(',', "").parse() {
                out.push(v);
            }
            if token.matches(',').count() == 1 && !token.contains('.') {
                if let Ok(v) = token.replace(',', ".").parse() {
                    out.push(v);
                }
            }
        } else {
            i += 1;
        }
    }
    out
}

/// Checks that each number of a study that cites a page of the full text is printed on that page
/// (on the cited line, or the line before or after, when a line is given). `pages` holds the
/// text of each page, first page first. Numbers whose locators name no page are not checked.
pub fn verify_numbers(study: &Study, pages: &[String]) -> Vec<NumberCheck> {
    let mut out = Vec::new();
    for (field, value, locator) in cited_numbers(study) {
        let Some(place) = page_place(&locator) else {
            continue;
        };
        let text = pages
            .get(place.page as usize - 1)
            .filter(|_| place.page > 0)
            .map(|page| match place.line {
                Some(line) => {
                    let lines: Vec<&str> = page.lines().collect();
                    let at = line as usize;
                    lines[at.saturating_sub(2).min(lines.len())..(at + 1).min(lines.len())]
                        .join("\n")
                }
                None => page.clone(),
            });
        let found = text.is_some_and(|t| {
            numbers_in(&t)
                .iter()
                .any(|n| (n - value).abs() <= 1e-9 * value.abs().max(1.0))
        });
        out.push(NumberCheck {
            field,
            value,
            locator,
            place,
            found,
        });
    }
    out
}

/// The study file an accepted form becomes: the form with `since` set to the edition and who
/// extracted and checked it recorded; the form's guidance comments are dropped.
pub fn accepted_text(
    form: &str,
    edition: &str,
    record: &ExtractionRecord,
) -> Result<String, toml_edit::TomlError> {
    let mut doc: toml_edit::DocumentMut = form.parse()?;
    doc.remove("since");
    doc.remove("extraction");
    // Keys are written in order: id, label, since, then the rest as the extractor left them.
    let mut top = toml_edit::DocumentMut::new();
    for key in ["id", "label"] {
        if let Some(item) = doc.remove(key) {
            top.insert(key, item);
        }
    }
    top.insert("since", toml_edit::value(edition));
    for (key, item) in doc.iter() {
        top.insert(key, item.clone());
    }
    let mut x = toml_edit::Table::new();
    let list = |v: &[String]| {
        let mut a = toml_edit::Array::new();
        for s in v {
            a.push(s.as_str());
        }
        toml_edit::value(a)
    };
    x.insert("extracted_by", list(&record.extracted_by));
    x.insert("checked_by", list(&record.checked_by));
    if let Some(r) = &record.record {
        x.insert("record", toml_edit::value(r.as_str()));
    }
    if let Some(d) = &record.accepted {
        x.insert("accepted", toml_edit::value(d.as_str()));
    }
    top.insert("extraction", toml_edit::Item::Table(x));
    let text = top.to_string();
    Ok(strip_comments(&text))
}

/// Drops whole-line comments and trailing `# ...` comments outside strings.
fn strip_comments(text: &str) -> String {
    let mut out = String::new();
    let mut blank = false;
    for line in text.lines() {
        if line.trim_start().starts_with('#') {
            continue;
        }
        let line = cut_comment(line).trim_end();
        if line.is_empty() {
            if blank || out.is_empty() {
                continue;
            }
            blank = true;
        } else {
            blank = false;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

fn cut_comment(line: &str) -> &str {
    let (mut in_basic, mut in_literal, mut escaped) = (false, false, false);
    for (i, c) in line.char_indices() {
        match c {
            '\\' if in_basic && !escaped => {
                escaped = true;
                continue;
            }
            '"' if !in_literal && !escaped => in_basic = !in_basic,
            '\'' if !in_basic => in_literal = !in_literal,
            '#' if !in_basic && !in_literal => return &line[..i],
            _ => {}
        }
        escaped = false;
    }
    line
}

#[cfg(test)]
mod tests;
