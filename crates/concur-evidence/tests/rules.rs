//! Every validation rule fails on a broken review; every audit rule fires on the smallest input
//! that shows it; the default review loads, audits clean, and traces to the source text.

use concur_evidence::{audit, load_dir, load_files, EvidenceError, Problem, ReviewFile};
use std::path::{Path, PathBuf};

const REVIEW: &str = r#"
id = "mini"
title = "Minimal review"
[[sources]]
id = "src"
citation = "A source"
file = "src.txt"
[question]
population = "p"
intervention = "i"
comparison = "c"
outcomes = ["o"]
[search]
databases = ["PubMed"]
term_groups = [["a"]]
combination = "a"
searched_until = "2020"
languages = ["English"]
conference_proceedings = "none"
case_reports_included = true
locator = "methods"
[eligibility]
include = ["x"]
locator = "methods"
[[editions]]
id = "2021-01"
label = "first"
[radiobiology]
[[radiobiology.alpha_beta]]
endpoint = "late-cns"
gy = 2.0
reasoning = "convention"
[[radiobiology.site_endpoints]]
site = "brain"
endpoints = ["late-cns"]
"#;

const DRUGS: &str = r#"
[[drugs]]
id = "t-dm1"
name = "trastuzumab emtansine"
synonyms = ["Kadcyla"]
classes = ["her2-adc"]
"#;

const REFERENCES: &str = r#"
[[references]]
number = 1
authors = ["Smith A", "et al."]
year = 2019
title = "A study of drug X in the ALPHA trial"
journal = "J"

[[references]]
number = 2
authors = ["Jones B"]
year = 2018
title = "Another paper"
journal = "J"
"#;

const STUDY: &str = r#"id = "smith-2019"
label = "Smith 2019"
since = "2021-01"
source_ref = 1
design = "case-series"
design_locator = "table 1"
setting = ["metastatic"]
population = "people"

[n]
value = 10
locator = "table 1"

[[arms]]
id = "a"
label = "A"
drugs = ["t-dm1"]
n = 6
locator = "table 1"

[[arms]]
id = "b"
label = "B"
n = 4
locator = "table 1"

[[radiotherapy]]
sites = ["brain"]
techniques = ["srs"]
total_dose_gy = 20
locator = "table 1"

[[outcomes]]
kind = "toxicity"
term = "necrosis"
grade = "any"
arm = "a"
events = 3
denominator = 6
percent = 50.0
unit = "patient"
locator = "table 1"
"#;

const GUIDANCE: &str = r#"
[[statements]]
id = "s1"
issuer = "source-review"
since = "2021-01"
sites = ["brain"]
drugs = ["t-dm1"]
stance = "caution"
text = "careful"
studies = ["smith-2019"]
locator = "conclusion"
"#;

fn files(study: &str, extra: &[(&str, &str)]) -> Vec<ReviewFile> {
    let mut files = vec![
        file("review.toml", REVIEW),
        file("drugs.toml", DRUGS),
        file("references.toml", REFERENCES),
        file("guidance.toml", GUIDANCE),
        file("studies/smith-2019.toml", study),
    ];
    for (path, text) in extra {
        files.retain(|f| f.path != *path);
        files.push(file(path, text));
    }
    files
}

fn file(path: &str, text: &str) -> ReviewFile {
    ReviewFile {
        path: path.to_string(),
        text: text.to_string(),
    }
}

/// Loads the review expecting failure and returns its problems.
fn problems(files: Vec<ReviewFile>) -> Vec<Problem> {
    match load_files(files) {
        Err(EvidenceError::Invalid(p)) => p,
        Err(other) => panic!("expected located problems, got {other}"),
        Ok(_) => panic!("expected the review to be rejected"),
    }
}

/// 1-based line of the first occurrence of `needle` in `text`.
fn line_of(text: &str, needle: &str) -> usize {
    let offset = text
        .find(needle)
        .unwrap_or_else(|| panic!("`{needle}` not in the test input"));
    text[..offset].lines().count() + usize::from(text[..offset].ends_with('\n') || offset == 0)
}

/// Asserts one problem names the field (by suffix) in the file, on the given line.
fn assert_problem(found: &[Problem], file: &str, field_suffix: &str, line: usize) {
    assert!(
        found
            .iter()
            .any(|p| p.file == file && p.field.ends_with(field_suffix) && p.line == Some(line)),
        "no problem for {file}:{line} {field_suffix} in:\n{}",
        found
            .iter()
            .map(|p| p.to_string())
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn the_minimal_review_is_valid() {
    let review = load_files(files(STUDY, &[])).unwrap();
    assert_eq!(review.studies.len(), 1);
    assert_eq!(review.studies[0].outcomes[0].percent_decimals, Some(1));
}

#[test]
fn syntax_error_is_located() {
    let broken = STUDY.replace("label = \"Smith 2019\"", "label = \"Smith 2019");
    let p = problems(files(&broken, &[]));
    assert_eq!(p[0].file, "studies/smith-2019.toml");
    assert_eq!(p[0].line, Some(2));
}

#[test]
fn unknown_technique_lists_the_known_ones() {
    let broken = STUDY.replace("techniques = [\"srs\"]", "techniques = [\"gamma-knife\"]");
    let p = problems(files(&broken, &[]));
    assert_eq!(p[0].line, Some(line_of(&broken, "gamma-knife")));
    assert!(
        p[0].found.contains("gamma-knife") && p[0].found.contains("wbrt"),
        "{}",
        p[0]
    );
}

#[test]
fn missing_locator_is_rejected() {
    let broken = STUDY.replace(
        "unit = \"patient\"\nlocator = \"table 1\"",
        "unit = \"patient\"",
    );
    let p = problems(files(&broken, &[]));
    assert!(p[0].found.contains("locator"), "{}", p[0]);
    let empty = STUDY.replace(
        "unit = \"patient\"\nlocator = \"table 1\"",
        "unit = \"patient\"\nlocator = \" \"",
    );
    assert_problem(
        &problems(files(&empty, &[])),
        "studies/smith-2019.toml",
        "outcomes[0].locator",
        line_of(&empty, "locator = \" \""),
    );
}

#[test]
fn events_above_denominator_are_rejected() {
    let broken = STUDY.replace("events = 3", "events = 7");
    assert_problem(
        &problems(files(&broken, &[])),
        "studies/smith-2019.toml",
        "outcomes[0].events",
        line_of(&broken, "events = 7"),
    );
}

#[test]
fn percent_outside_0_100_is_rejected() {
    let broken = STUDY.replace("percent = 50.0", "percent = 150.0");
    assert_problem(
        &problems(files(&broken, &[])),
        "studies/smith-2019.toml",
        "outcomes[0].percent",
        line_of(&broken, "percent = 150"),
    );
}

#[test]
fn rate_without_unit_is_rejected() {
    let broken = STUDY.replace("unit = \"patient\"\n", "");
    assert_problem(
        &problems(files(&broken, &[])),
        "studies/smith-2019.toml",
        "outcomes[0].unit",
        line_of(&broken, "[[outcomes]]"),
    );
}

#[test]
fn arm_sizes_must_add_up() {
    let broken = STUDY.replace("n = 4", "n = 3");
    assert_problem(
        &problems(files(&broken, &[])),
        "studies/smith-2019.toml",
        "arms",
        line_of(&broken, "[[arms]]"),
    );
    let ok = broken.replace(
        "population = \"people\"",
        "population = \"people\"\narms_partial = true",
    );
    assert!(load_files(files(&ok, &[])).is_ok());
    let over = STUDY.replace("n = 4", "n = 9");
    let p = problems(files(
        &over.replace(
            "population = \"people\"",
            "population = \"people\"\narms_partial = true",
        ),
        &[],
    ));
    assert!(p.iter().any(|p| p.field == "arms"));
}

#[test]
fn unknown_arm_reference_is_rejected() {
    let broken = STUDY.replace("arm = \"a\"", "arm = \"c\"");
    assert_problem(
        &problems(files(&broken, &[])),
        "studies/smith-2019.toml",
        "outcomes[0].arm",
        line_of(&broken, "arm = \"c\""),
    );
}

#[test]
fn unknown_study_in_guidance_is_rejected() {
    let guidance = GUIDANCE.replace("studies = [\"smith-2019\"]", "studies = [\"smith-2091\"]");
    let p = problems(files(STUDY, &[("guidance.toml", &guidance)]));
    assert_problem(
        &p,
        "guidance.toml",
        "statements[0].studies[0]",
        line_of(&guidance, "smith-2091"),
    );
    assert!(p[0].found.contains("smith-2091"));
}

#[test]
fn unknown_drug_is_rejected() {
    let broken = STUDY.replace("drugs = [\"t-dm1\"]", "drugs = [\"kadcyla\"]");
    assert_problem(
        &problems(files(&broken, &[])),
        "studies/smith-2019.toml",
        "arms[0].drugs[0]",
        line_of(&broken, "kadcyla"),
    );
}

#[test]
fn file_name_must_match_the_id() {
    let broken = STUDY.replace("id = \"smith-2019\"", "id = \"smith-2020\"");
    assert_problem(
        &problems(files(&broken, &[])),
        "studies/smith-2019.toml",
        "id",
        1,
    );
}

#[test]
fn derived_fields_need_a_derivation() {
    let broken = STUDY.replace(
        "unit = \"patient\"\n",
        "unit = \"patient\"\nderived = [\"events\"]\n",
    );
    assert_problem(
        &problems(files(&broken, &[])),
        "studies/smith-2019.toml",
        "outcomes[0].derived",
        line_of(&broken, "derived ="),
    );
}

#[test]
fn inconsistent_schedule_is_rejected() {
    let broken = STUDY.replace(
        "total_dose_gy = 20",
        "total_dose_gy = 20\nfractions = 5\ndose_per_fraction_gy = 3",
    );
    assert_problem(
        &problems(files(&broken, &[])),
        "studies/smith-2019.toml",
        "radiotherapy[0].total_dose_gy",
        line_of(&broken, "total_dose_gy"),
    );
}

#[test]
fn bad_grade_and_p_value_are_rejected() {
    let broken = STUDY
        .replace("grade = \"any\"", "grade = \"severe\"")
        .replace(
            "unit = \"patient\"\n",
            "unit = \"patient\"\np = \"small\"\n",
        );
    let p = problems(files(&broken, &[]));
    assert_problem(
        &p,
        "studies/smith-2019.toml",
        "outcomes[0].grade",
        line_of(&broken, "severe"),
    );
    assert_problem(
        &p,
        "studies/smith-2019.toml",
        "outcomes[0].p",
        line_of(&broken, "small"),
    );
}

#[test]
fn unknown_edition_is_rejected() {
    let broken = STUDY.replace("since = \"2021-01\"", "since = \"2030\"");
    assert_problem(
        &problems(files(&broken, &[])),
        "studies/smith-2019.toml",
        "since",
        line_of(&broken, "since"),
    );
}

#[test]
fn with_editions_every_study_says_since_when() {
    let broken = STUDY.replace("since = \"2021-01\"\n", "");
    let p = problems(files(&broken, &[]));
    assert!(
        p.iter()
            .any(|p| p.field == "since" && p.expected.contains("2021-01")),
        "{p:?}"
    );
}

#[test]
fn a_folder_without_review_toml_is_not_a_review() {
    let dir = tempfile::tempdir().unwrap();
    assert!(matches!(
        load_dir(dir.path()),
        Err(EvidenceError::NotAReview(_))
    ));
}

#[test]
fn broken_folder_on_disk_reports_every_problem() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("studies")).unwrap();
    for f in files(&STUDY.replace("events = 3", "events = 70"), &[]) {
        std::fs::write(dir.path().join(&f.path), f.text).unwrap();
    }
    std::fs::write(
        dir.path().join("studies/other.toml"),
        "id = \"other\"\nlabel = 3\n",
    )
    .unwrap();
    let p = problems(concur_evidence::read_dir(dir.path()).unwrap());
    assert!(p.iter().any(|p| p.file == "studies/other.toml"), "{p:?}");
}

// ---- audit rules ----

fn audited(study: &str, extra: &[(&str, &str)]) -> Vec<concur_evidence::Finding> {
    audit(&load_files(files(study, extra)).unwrap()).findings
}

fn rules(findings: &[concur_evidence::Finding]) -> Vec<&str> {
    findings.iter().map(|f| f.rule).collect()
}

const OUTCOME: &str = "\n[[outcomes]]\nkind = \"toxicity\"\nterm = \"necrosis\"\ngrade = \"any\"\narm = \"a\"\nunit = \"patient\"\n";

#[test]
fn clean_study_has_no_findings() {
    assert!(audited(STUDY, &[]).is_empty());
}

#[test]
fn percent_that_does_not_match_its_count_is_found() {
    let f = audited(&STUDY.replace("percent = 50.0", "percent = 60.0"), &[]);
    assert_eq!(rules(&f), ["percent-count"]);
    assert!(f[0].numbers.contains("3/6"), "{}", f[0].numbers);
}

#[test]
fn percent_impossible_for_the_arm_size_is_found() {
    let s = format!(
        "{STUDY}{}percent = 28.6\nlocator = \"text\"\n",
        OUTCOME.replace("arm = \"a\"", "arm = \"b\"")
    );
    let f = audited(&s, &[]);
    assert_eq!(rules(&f), ["implied-denominator"]);
    assert!(
        f[0].numbers.contains("implies a denominator of 7"),
        "{}",
        f[0].numbers
    );
}

#[test]
fn same_quantity_with_two_values_is_found_with_both_locators() {
    let s =
        format!("{STUDY}{OUTCOME}events = 2\ndenominator = 6\nlocator = \"text, paragraph 2\"\n");
    let f = audited(&s, &[]);
    assert_eq!(rules(&f), ["conflicting-values"]);
    assert_eq!(f[0].locators, ["table 1", "text, paragraph 2"]);
}

#[test]
fn subgroups_that_do_not_add_up_are_found() {
    let s = STUDY.replace(
        "[[radiotherapy]]",
        "[[arms]]\nid = \"a1\"\nlabel = \"a1\"\nn = 4\nsubset_of = \"a\"\nlocator = \"t\"\n\n[[arms]]\nid = \"a2\"\nlabel = \"a2\"\nn = 3\nsubset_of = \"a\"\nlocator = \"t\"\n\n[[radiotherapy]]",
    );
    assert_eq!(rules(&audited(&s, &[])), ["subset-sum"]);
}

#[test]
fn timing_counts_that_do_not_add_up_are_found() {
    let s = format!("{STUDY}\n[timing]\nmode = \"mixed\"\nof_arm = \"a\"\nconcurrent = 4\nsequential = 1\nlocator = \"t\"\n");
    assert_eq!(rules(&audited(&s, &[])), ["subset-sum"]);
}

#[test]
fn a_value_copied_from_efficacy_is_found() {
    let s = STUDY.replace("percent = 50.0", "percent = 88.2").replace("events = 3\ndenominator = 6\n", "")
        + "\n[[outcomes]]\nkind = \"efficacy\"\nterm = \"3-year IDFS\"\narm = \"a\"\npercent = 88.2\nunit = \"patient\"\nlocator = \"table 1, note column\"\n";
    let f = audited(&s, &[]);
    assert!(rules(&f).contains(&"copied-value"), "{f:?}");
}

#[test]
fn response_rate_against_its_responses_is_found() {
    let s = format!(
        "{STUDY}\n[[outcomes]]\nkind = \"efficacy\"\nterm = \"ORR\"\narm = \"b\"\npercent = 75\nunit = \"patient\"\nlocator = \"t\"\n\n[[outcomes]]\nkind = \"efficacy\"\nterm = \"CR\"\nstatistic = \"count\"\narm = \"b\"\nvalue = 1\nlocator = \"x\"\n\n[[outcomes]]\nkind = \"efficacy\"\nterm = \"PR\"\nstatistic = \"count\"\narm = \"b\"\nvalue = 1\nlocator = \"x\"\n"
    );
    assert_eq!(rules(&audited(&s, &[])), ["response-sum"]);
}

#[test]
fn reference_problems_are_found() {
    let missing = format!("{STUDY}\n[[mentions]]\nreference = 9\nlocator = \"text\"\n");
    assert_eq!(rules(&audited(&missing, &[])), ["reference-missing"]);
    let wrong_author = format!("{STUDY}\n[[mentions]]\nreference = 2\nlocator = \"text\"\n");
    assert_eq!(rules(&audited(&wrong_author, &[])), ["reference-author"]);
    let other = STUDY
        .replace("id = \"smith-2019\"", "id = \"other\"")
        .replace("source_ref = 1\n", "trial = \"ALPHA\"\n");
    let wrong_trial = STUDY.replace("source_ref = 1\n", "trial = \"BETA\"\n")
        + "\n[[mentions]]\nreference = 1\nlocator = \"text\"\n";
    let f = audited(&wrong_trial, &[("studies/other.toml", &other)]);
    assert_eq!(rules(&f), ["reference-trial"]);
}

#[test]
fn duplicate_publications_are_found() {
    let twin = STUDY.replace("id = \"smith-2019\"", "id = \"twin\"");
    let f = audited(STUDY, &[("studies/twin.toml", &twin)]);
    assert_eq!(rules(&f), ["duplicate"]);
}

#[test]
fn acknowledged_findings_stay_visible_and_stale_ones_are_reported() {
    let s = STUDY.replace("percent = 50.0", "percent = 60.0");
    let ack = "[[acknowledged]]\nfinding = \"percent-count/smith-2019/necrosis-gany-a\"\nexplanation = \"source error\"\n\n[[acknowledged]]\nfinding = \"gone/x/y\"\nexplanation = \"old\"\n";
    let report = audit(&load_files(files(&s, &[("audit.toml", ack)])).unwrap());
    assert_eq!(report.findings.len(), 1);
    assert_eq!(
        report.findings[0].acknowledged.as_deref(),
        Some("source error")
    );
    assert_eq!(report.unacknowledged_errors(), 0);
    assert_eq!(report.stale_acknowledgements, ["gone/x/y"]);
}

// ---- the default review ----

fn default_review_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../reviews/tdm1-radiotherapy")
}

#[test]
fn default_review_loads_and_has_no_unacknowledged_error() {
    let review = load_dir(&default_review_dir()).unwrap();
    let report = audit(&review);
    assert_eq!(report.unacknowledged_errors(), 0);
    assert!(
        report.stale_acknowledgements.is_empty(),
        "{:?}",
        report.stale_acknowledgements
    );
    // The source's own inconsistencies are found by the rules, not hidden.
    let found: std::collections::BTreeSet<&str> = report.findings.iter().map(|f| f.rule).collect();
    for rule in [
        "implied-denominator",
        "subset-sum",
        "conflicting-values",
        "copied-value",
        "response-sum",
        "reference-author",
        "reference-trial",
    ] {
        assert!(
            found.contains(rule),
            "no {rule} finding in the default review"
        );
    }
}

/// Where the source text lives; `None` (with a notice) when absent, unless fixtures are required.
fn source_text() -> Option<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/sources/muto-2021-tdm1-concurrent-radiotherapy-review.txt");
    match std::fs::read_to_string(&path) {
        Ok(text) => Some(text),
        Err(_) if std::env::var("CONCUR_REQUIRE_FIXTURES").as_deref() == Ok("1") => {
            panic!(
                "CONCUR_REQUIRE_FIXTURES=1 but {} is missing",
                path.display()
            )
        }
        Err(_) => {
            eprintln!(
                "notice: {} absent; skipping the source-trace test",
                path.display()
            );
            None
        }
    }
}

/// Line numbers named in a locator: `(line 119)`, `(lines 115-117)`, `(lines 127 and 140)`.
fn lines_of(locator: &str) -> Vec<usize> {
    let mut lines = Vec::new();
    for part in locator.split("line").skip(1) {
        let part = part.trim_start_matches('s').trim_start();
        let nums: Vec<usize> = part
            .split(|c: char| !c.is_ascii_digit())
            .take_while(|s| !s.is_empty())
            .filter_map(|s| s.parse().ok())
            .collect();
        if let [a, b] = nums[..] {
            if part.contains('-') && b > a {
                lines.extend(a..=b);
                continue;
            }
        }
        lines.extend(nums);
        if let Some(and) = part.split(" and ").nth(1) {
            lines.extend(
                and.split(|c: char| !c.is_ascii_digit())
                    .find_map(|s| s.parse::<usize>().ok()),
            );
        }
    }
    lines
}

/// Small counts are often written as words in the source.
const NUMBER_WORDS: &[&str] = &[
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve",
];

#[test]
fn every_reported_number_is_printed_at_its_locator() {
    let Some(text) = source_text() else { return };
    let source: Vec<&str> = text.lines().collect();
    let review = load_dir(&default_review_dir()).unwrap();
    let mut missing = Vec::new();
    for study in review.studies.iter().filter(|s| s.source.is_none()) {
        for o in study
            .outcomes
            .iter()
            .filter(|o| !o.locator.starts_with("update"))
        {
            let lines = lines_of(&o.locator);
            assert!(
                !lines.is_empty(),
                "{}: locator without a line: {}",
                study.id,
                o.locator
            );
            let printed: String = lines
                .iter()
                .filter_map(|l| source.get(l - 1))
                .copied()
                .collect::<Vec<_>>()
                .join(" ");
            let mut check = |field: &str, v: f64, decimals: Option<u8>| {
                if o.is_derived(field) {
                    return;
                }
                let text = match decimals {
                    Some(d) => format!("{:.*}", usize::from(d), v),
                    None => concur_evidence::trim_float(v),
                };
                let alt = format!("{v:.2}");
                if !printed.contains(&text) && !printed.contains(&alt) {
                    missing.push(format!("{}: {field} {text} not on {}", study.id, o.locator));
                }
            };
            if let Some(p) = o.percent {
                check("percent", p, o.percent_decimals);
            }
            if let Some(v) = o
                .value
                .filter(|_| o.statistic != concur_evidence::Statistic::Count)
            {
                check("value", v, None);
            }
        }
        for arm in &study.arms {
            if let Some(n) = arm.n.filter(|_| arm.derivation.is_none()) {
                let printed: String = lines_of(&arm.locator)
                    .iter()
                    .filter_map(|l| source.get(l - 1))
                    .copied()
                    .collect();
                let word = NUMBER_WORDS.get(n as usize).copied().unwrap_or("");
                if !printed.contains(&n.to_string())
                    && (word.is_empty() || !printed.to_lowercase().contains(word))
                {
                    missing.push(format!(
                        "{}: arm {} n {n} not on {}",
                        study.id, arm.id, arm.locator
                    ));
                }
            }
        }
    }
    assert!(
        missing.is_empty(),
        "numbers not found where their locators point:\n{}",
        missing.join("\n")
    );
}

/// Every figure entered from the update file appears on the row its locator names.
#[test]
fn every_update_number_is_printed_in_its_row_of_the_update_file() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/sources/evidence-update-2021-2026.md");
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(_) if std::env::var("CONCUR_REQUIRE_FIXTURES").as_deref() == Ok("1") => {
            panic!("{} missing", path.display())
        }
        Err(_) => {
            eprintln!(
                "notice: {} absent; skipping the update trace test",
                path.display()
            );
            return;
        }
    };
    let review = load_dir(&default_review_dir()).unwrap();
    let mut missing = Vec::new();
    let mut checked = 0;
    for study in &review.studies {
        for o in study
            .outcomes
            .iter()
            .filter(|o| o.locator.starts_with("update"))
        {
            // "update §1 brain table, Mills row" -> the row key "Mills".
            let key = o
                .locator
                .rsplit(", ")
                .next()
                .unwrap_or("")
                .trim_end_matches(" row")
                .to_lowercase();
            let key = key.split_whitespace().next().unwrap_or("").to_string();
            let lines: Vec<&str> = text
                .lines()
                .filter(|l| l.to_lowercase().contains(&key))
                .collect();
            assert!(
                !lines.is_empty(),
                "{}: no line of the update file mentions `{key}`",
                study.id
            );
            let joined = lines.join(" ");
            let mut check = |v: f64, decimals: Option<u8>| {
                checked += 1;
                let text = match decimals {
                    Some(d) => format!("{:.*}", usize::from(d), v),
                    None => concur_evidence::trim_float(v),
                };
                let alt = format!("{v:.2}");
                if !joined.contains(&text) && !joined.contains(&alt) {
                    missing.push(format!(
                        "{}: {text} not in the update rows for `{key}`",
                        study.id
                    ));
                }
            };
            if let (Some(p), false) = (o.percent, o.is_derived("percent")) {
                check(p, o.percent_decimals);
            }
            if let (Some(v), false) = (o.value, o.is_derived("value")) {
                check(v, None);
            }
            for e in [o.events, o.denominator].into_iter().flatten() {
                check(f64::from(e), None);
            }
        }
    }
    assert!(checked > 50, "only {checked} numbers checked");
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

#[test]
fn a_schedule_count_above_the_studys_patients_must_say_it_counts_lesions() {
    let lesions = STUDY.replace(
        "total_dose_gy = 20\n",
        "total_dose_gy = 20\npatients = 24\n",
    );
    let p = problems(files(&lesions, &[]));
    assert_problem(
        &p,
        "studies/smith-2019.toml",
        "radiotherapy[0].patients",
        line_of(&lesions, "patients = 24"),
    );
    assert!(p[0].hint.as_deref().unwrap_or("").contains("lesion"));
    let said = lesions.replace("patients = 24\n", "patients = 24\nunit = \"lesion\"\n");
    assert!(load_files(files(&said, &[])).is_ok());
    let bare = STUDY.replace(
        "total_dose_gy = 20\n",
        "total_dose_gy = 20\nunit = \"lesion\"\n",
    );
    let p = problems(files(&bare, &[]));
    assert_problem(
        &p,
        "studies/smith-2019.toml",
        "radiotherapy[0].unit",
        line_of(&bare, "unit = \"lesion\""),
    );
}

#[test]
fn a_class_that_links_evidence_says_why_and_belongs_to_a_drug() {
    let declared = format!(
        "{DRUGS}\n[[classes]]\nid = \"her2-adc\"\nreason = \"a shared payload\"\nlocator = \"introduction\"\n"
    );
    let review = load_files(files(STUDY, &[("drugs.toml", &declared)])).unwrap();
    assert_eq!(review.classes.len(), 1);
    let stray = format!("{DRUGS}\n[[classes]]\nid = \"tki\"\nreason = \"\"\nlocator = \"\"\n");
    let p = problems(files(STUDY, &[("drugs.toml", &stray)]));
    let line = line_of(&stray, "id = \"tki\"");
    assert_problem(&p, "drugs.toml", "classes[0].id", line);
    assert_problem(&p, "drugs.toml", "classes[0].reason", line + 1);
    assert_problem(&p, "drugs.toml", "classes[0].locator", line + 2);
}

#[test]
fn a_drug_cycle_needs_its_locator() {
    let cycled = DRUGS.replace(
        "classes = [\"her2-adc\"]",
        "classes = [\"her2-adc\"]\ncycle_days = 21",
    );
    let p = problems(files(STUDY, &[("drugs.toml", &cycled)]));
    assert!(
        p.iter().any(|p| p.field == "drugs[0].cycle_locator"),
        "{p:?}"
    );
}

/// REVIEW with an analysis appended.
fn with_analysis(id: &str, kind: &str, measure: &str, method: &str) -> String {
    format!(
        "{REVIEW}\n[[analyses]]\nid = \"{id}\"\ntitle = \"t\"\nsite = \"brain\"\ndrugs = [\"t-dm1\"]\nkind = \"{kind}\"\noutcome_kind = \"toxicity\"\nterms = [\"necrosis\"]\nunit = \"patient\"\nprimary = {{ measure = \"{measure}\", method = \"{method}\" }}\nrows = [{{ study = \"smith-2019\", arm = \"a\" }}]\n"
    )
}

#[test]
fn ids_that_would_leave_a_folder_are_rejected() {
    let review = with_analysis("../../pwned", "proportion", "PLO", "GLMM");
    let found = problems(files(STUDY, &[("review.toml", &review)]));
    assert_problem(
        &found,
        "review.toml",
        "analyses[0].id",
        line_of(&review, "id = \"../../pwned\""),
    );
    let study = STUDY.replace("id = \"smith-2019\"", "id = \"smith 2019/x\"");
    let found = problems(files(&study, &[]));
    assert!(found
        .iter()
        .any(|p| p.field == "id" && p.expected.contains("letters, digits")));
}

#[test]
fn models_that_cannot_run_are_rejected_at_load() {
    for (kind, measure, method, field) in [
        ("proportion", "XYZ", "GLMM", "primary.measure"),
        ("proportion", "PLO", "NOPE", "primary.method"),
        ("proportion", "PLO", "PETO", "primary"),
        ("proportion", "RR", "REML", "primary"),
        ("proportion", "PR", "GLMM", "primary"),
        ("comparison", "PLO", "REML", "primary"),
        ("comparison", "RR", "PETO", "primary"),
    ] {
        let review = with_analysis("a1", kind, measure, method);
        let found = problems(files(STUDY, &[("review.toml", &review)]));
        assert!(
            found
                .iter()
                .any(|p| p.field == format!("analyses[0].{field}") && p.line.is_some()),
            "{kind} {measure} {method}: {found:?}"
        );
    }
    // A model that runs loads.
    let review = with_analysis("a1", "proportion", "PLO", "GLMM");
    assert!(load_files(files(STUDY, &[("review.toml", &review)])).is_ok());
}

#[test]
fn editions_need_their_own_ids_and_real_dates() {
    let review = REVIEW.replace(
        "[[editions]]\nid = \"2021-01\"\nlabel = \"first\"\n",
        "[[editions]]\nid = \"2021-01\"\nlabel = \"first\"\ndate = \"2021-02-30\"\n[[editions]]\nid = \"2021-01\"\nlabel = \"again\"\n",
    );
    let found = problems(files(STUDY, &[("review.toml", &review)]));
    assert_problem(
        &found,
        "review.toml",
        "editions[0].date",
        line_of(&review, "date = \"2021-02-30\""),
    );
    assert!(
        found.iter().any(|p| p.field == "editions[1].id"),
        "{found:?}"
    );
}

#[test]
fn a_synonym_of_two_drugs_is_rejected() {
    let drugs = format!("{DRUGS}\n[[drugs]]\nid = \"t-dxd\"\nname = \"trastuzumab deruxtecan\"\nsynonyms = [\"kadcyla\"]\nclasses = [\"her2-adc\"]\n");
    let found = problems(files(STUDY, &[("drugs.toml", &drugs)]));
    assert!(
        found
            .iter()
            .any(|p| p.file == "drugs.toml" && p.field == "drugs[1].synonyms[0]"),
        "{found:?}"
    );
}

#[test]
fn impossible_schedules_are_rejected() {
    for (line, field) in [
        ("total_dose_gy = 1e308", "total_dose_gy"),
        ("total_dose_gy = 20\nfractions = 2.5", "fractions"),
        (
            "total_dose_gy = 20\ndose_per_fraction_gy = 400",
            "dose_per_fraction_gy",
        ),
    ] {
        let study = STUDY.replace("total_dose_gy = 20", line);
        let found = problems(files(&study, &[]));
        assert!(
            found.iter().any(|p| p.field.ends_with(field)),
            "{line}: {found:?}"
        );
    }
}
