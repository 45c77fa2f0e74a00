use super::*;
use crate::model::ExtractionRecord;
use std::path::Path;

fn review() -> Review {
    crate::load_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../reviews/tdm1-radiotherapy"))
        .unwrap()
}

fn facts() -> RecordFacts {
    RecordFacts {
        record: "workspace record 7 (PMID 36566691)".into(),
        authors: vec!["Dastgheyb SS".into()],
        title: None,
        journal: Some("Breast".into()),
        year: Some(2023),
        volume: Some("67".into()),
        pages: Some("26-29".into()),
        pmid: Some("36566691".into()),
        doi: Some("10.1016/j.breast.2022.12.002".into()),
    }
}

/// A form filled in as a reviewer would: values replace the empty ones, unknown lines go.
fn filled(form: &str, fill: &[(&str, &str)], drop: &[&str]) -> String {
    let mut out = String::new();
    let mut section = String::new();
    for line in form.lines() {
        let t = line.trim_start();
        if t.starts_with('[') {
            section = t.to_string();
        }
        let key = t.split([' ', '=']).next().unwrap_or("");
        let here = format!("{section}{key}");
        if drop.iter().any(|d| *d == here || *d == key) && t.contains("= \"\"")
            || drop.iter().any(|d| *d == here) && t.contains("= []")
        {
            continue;
        }
        match fill.iter().find(|(k, _)| *k == here || *k == key) {
            Some((_, v)) if t.contains("= \"\"") || t.contains("= []") => {
                out.push_str(&format!("{key} = {v}\n"));
            }
            _ => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    out
}

const LOC: &str = "\"page 1, line 3\"";

fn dastgheyb(form: &str) -> String {
    filled(
        form,
        &[
            ("design", "\"retrospective-cohort\""),
            ("design_locator", LOC),
            ("setting", "[\"early\"]"),
            (
                "population",
                "\"35 patients given T-DM1 with breast radiotherapy\"",
            ),
            ("summary", "\"Grade 2 dermatitis in most\""),
            ("provenance", "\"Abstract read\""),
            ("[n]value", "35"),
            ("locator", LOC),
            ("id", "\"tdm1\""),
            ("label", "\"T-DM1 with RT\""),
            ("drugs", "[\"t-dm1\"]"),
            ("n", "35"),
            ("sites", "[\"breast\", \"chest-wall\"]"),
            ("techniques", "[\"whole-breast\"]"),
            ("mode", "\"concurrent\""),
            ("kind", "\"toxicity\""),
            ("term", "\"acute radiation dermatitis\""),
            ("grade", "\">=2\""),
            ("arm", "\"tdm1\""),
            ("events", "22"),
            ("denominator", "35"),
            ("unit", "\"patient\""),
            ("tool", "\"jbi-case-series\""),
            ("overall", "\"some-concerns\""),
        ],
        &[
            "total_dose_gy",
            "fractions",
            "dose_per_fraction_gy",
            "patients",
            "definition",
            "window_days",
            "percent",
        ],
    )
}

#[test]
fn a_new_form_lists_every_empty_value_by_line_and_a_filled_one_validates() {
    let review = review();
    let form = extraction_form(&review, &facts(), "dastgheyb-2023", "alice", None);
    let path = "extractions/alice/dastgheyb-2023.toml";
    let problems = check_extraction(&review, path, &form).unwrap_err();
    assert!(problems.len() > 20, "{problems:?}");
    let design = problems.iter().find(|p| p.field == "design").unwrap();
    assert_eq!(
        form.lines()
            .nth(design.line.unwrap() - 1)
            .map(|l| l.starts_with("design =")),
        Some(true)
    );
    assert!(problems.iter().any(|p| p.field == "outcomes[0].events"));
    // The record's facts are filled in, with the record as their locator.
    assert!(form.contains("pmid = \"36566691\"") && form.contains("workspace record 7"));
    // The analyses' terms and units are offered.
    assert!(
        form.contains("acute radiation dermatitis")
            && form.contains("breast-dermatitis-g2plus-concurrent")
    );

    let done = dastgheyb(&form);
    // JBI's ten items still wait for judgements.
    let problems = check_extraction(&review, path, &done).unwrap_err();
    assert!(
        problems
            .iter()
            .any(|p| p.field == "risk_of_bias.domains" && p.found.contains("Q1")),
        "{problems:?}"
    );
    let mut with_rob = done.clone();
    for q in 1..=10 {
        with_rob.push_str(&format!(
            "\n[[risk_of_bias.domains]]\ndomain = \"Q{q}\"\njudgement = \"unclear\"\nsupport = \"The abstract does not say.\"\nlocator = {LOC}\n"
        ));
    }
    let study = check_extraction(&review, path, &with_rob).unwrap();
    assert_eq!(study.outcomes[0].events, Some(22));
    // A value of the wrong kind is located too.
    let wrong = with_rob.replace("events = 22", "events = 40");
    let problems = check_extraction(&review, path, &wrong).unwrap_err();
    assert!(
        problems.iter().any(|p| p.field.starts_with("outcomes[0]")),
        "{problems:?}"
    );
    let bad_drug = with_rob.replace("[\"t-dm1\"]", "[\"tdm-x\"]");
    let problems = check_extraction(&review, path, &bad_drug).unwrap_err();
    assert!(problems[0].line.is_some(), "{problems:?}");
}

#[test]
fn a_known_design_brings_its_tool_and_domains() {
    let review = review();
    let form = extraction_form(&review, &facts(), "x-2023", "bob", Some(Design::Phase3Rct));
    assert!(form.contains("tool = \"rob2\""));
    assert_eq!(form.matches("[[risk_of_bias.domains]]").count(), 5);
    let cohort = extraction_form(
        &review,
        &facts(),
        "x-2023",
        "bob",
        Some(Design::RetrospectiveCohort),
    );
    assert!(
        cohort.contains("tool = \"\""),
        "a cohort may compare groups or not"
    );
}

const LEFT: &str = r#"
id = "s"
label = "S 2023"
design = "retrospective-cohort"
design_locator = "page 1"
setting = ["early"]
population = "p"
[n]
value = 35
locator = "page 1, line 3"
[[arms]]
id = "tdm1"
label = "T-DM1"
drugs = ["t-dm1"]
n = 35
locator = "page 1"
[[outcomes]]
kind = "toxicity"
term = "acute radiation dermatitis"
grade = ">=2"
arm = "tdm1"
events = 22
denominator = 35
unit = "patient"
locator = "page 2, table 1"
[[outcomes]]
kind = "toxicity"
term = "acute radiation dermatitis"
grade = "3"
arm = "tdm1"
events = 3
denominator = 35
unit = "patient"
locator = "page 2, table 1"
[risk_of_bias]
tool = "jbi-case-series"
overall = "low"
[[risk_of_bias.domains]]
domain = "Q1"
judgement = "yes"
support = "criteria listed"
locator = "page 1"
"#;

#[test]
fn compare_finds_every_planted_difference() {
    // Planted: an outcome's events, a unit, a locator, an arm's drugs, a result only one side
    // has, a risk-of-bias judgement; the order of outcomes differs and must not matter.
    let right = LEFT
        .replace("events = 22", "events = 21")
        .replace(
            "value = 35\nlocator = \"page 1, line 3\"",
            "value = 35\nlocator = \"page 1, line 4\"",
        )
        .replace(
            "drugs = [\"t-dm1\"]",
            "drugs = [\"t-dm1\", \"trastuzumab\"]",
        )
        .replace("judgement = \"yes\"", "judgement = \"unclear\"");
    // Move the grade 3 result first and give it another unit; drop nothing else.
    let (head, rest) = right.split_once("[[outcomes]]").unwrap();
    let (first, rest) = rest.split_once("[[outcomes]]").unwrap();
    let (second, tail) = rest.split_once("[risk_of_bias]").unwrap();
    let second = second.replace("unit = \"patient\"", "unit = \"lesion\"");
    let right = format!(
        "{head}[[outcomes]]{second}[[outcomes]]{first}[[outcomes]]\nkind = \"toxicity\"\nterm = \"pneumonitis\"\nlocator = \"page 3\"\n[risk_of_bias]{tail}"
    );
    let diffs = compare(
        Side {
            reviewer: "alice",
            text: LEFT,
        },
        Side {
            reviewer: "bob",
            text: &right,
        },
    )
    .unwrap();
    let find = |field: &str| diffs.iter().find(|d| d.field.contains(field));
    let events = find("grade >=2, arm tdm1].events").expect("events");
    assert_eq!(
        (events.left.as_deref(), events.right.as_deref()),
        (Some("22"), Some("21"))
    );
    assert_eq!(events.kind, DifferenceKind::Value);
    assert!(events.left_line.is_some() && events.right_line.is_some());
    assert_eq!(
        find("grade 3, arm tdm1].unit").expect("unit").kind,
        DifferenceKind::Unit
    );
    assert_eq!(
        find("n.locator").expect("locator").kind,
        DifferenceKind::Locator
    );
    assert_eq!(
        find("arms[tdm1].drugs").expect("drugs").kind,
        DifferenceKind::Arm
    );
    let only = find("outcomes[pneumonitis").expect("extra outcome");
    assert_eq!(
        (only.kind, only.left.is_none()),
        (DifferenceKind::Missing, true)
    );
    assert_eq!(
        find("domains[Q1].judgement").expect("rob").kind,
        DifferenceKind::RiskOfBias
    );
    assert_eq!(diffs.len(), 6, "{diffs:#?}");
    // The same text has no differences.
    assert!(compare(
        Side {
            reviewer: "a",
            text: LEFT
        },
        Side {
            reviewer: "b",
            text: LEFT
        }
    )
    .unwrap()
    .is_empty());
}

#[test]
fn numbers_are_checked_at_the_cited_page_and_line() {
    assert_eq!(
        page_place("page 5, table 2"),
        Some(PagePlace {
            page: 5,
            line: None
        })
    );
    assert_eq!(
        page_place("Page 3, line 12"),
        Some(PagePlace {
            page: 3,
            line: Some(12)
        })
    );
    assert_eq!(
        page_place("p. 4"),
        Some(PagePlace {
            page: 4,
            line: None
        })
    );
    assert_eq!(page_place("update §2 breast table"), None);
    assert_eq!(
        numbers_in("22/35 (62,9%) of 1,635"),
        vec![22.0, 35.0, 629.0, 62.9, 1635.0, 1.635]
    );

    let mut study: Study = toml::from_str(LEFT).unwrap();
    study.file = "s.toml".into();
    let pages = vec![
        "Methods\nWe treated\n35 patients with T-DM1.\n".to_string(),
        "Table 1\nGrade >=2: 22 of 35\n".to_string(),
    ];
    let checks = verify_numbers(&study, &pages);
    let get = |f: &str| checks.iter().find(|c| c.field == f).unwrap();
    assert!(get("n.value").found);
    assert!(get("arms[0].n").found);
    assert!(get("outcomes[0].events").found);
    // Grade 3's 3 events are not printed on page 2.
    assert!(!get("outcomes[1].events").found);
    // A line that does not hold the number fails.
    let moved = LEFT.replace("page 1, line 3", "page 1, line 1");
    let mut study: Study = toml::from_str(&moved).unwrap();
    study.file = "s.toml".into();
    let checks = verify_numbers(&study, &pages);
    assert!(!checks.iter().find(|c| c.field == "n.value").unwrap().found);
    // A page beyond the text fails rather than panics.
    let far = LEFT.replace("page 2, table 1", "page 9");
    let study: Study = toml::from_str(&far).unwrap();
    assert!(verify_numbers(&study, &pages).iter().any(|c| !c.found));
}

#[test]
fn an_accepted_form_carries_its_edition_and_reviewers_and_no_comments() {
    let form = "# guidance\nid = \"s\"  # the id\nlabel = \"S\"\ndesign = \"case-report\" # one of\n[n]\nvalue = 1\nlocator = \"a # b\"\n";
    let text = accepted_text(
        form,
        "2026-12",
        &ExtractionRecord {
            extracted_by: vec!["alice".into()],
            checked_by: vec!["bob".into()],
            record: Some("PMID 1".into()),
            accepted: Some("2026-12-07".into()),
        },
    )
    .unwrap();
    assert!(!text.contains("# guidance") && !text.contains("the id"));
    assert!(text.contains("locator = \"a # b\""), "{text}");
    let t: toml::Table = toml::from_str(&text).unwrap();
    assert_eq!(t["since"].as_str(), Some("2026-12"));
    assert_eq!(t["extraction"]["checked_by"][0].as_str(), Some("bob"));
    assert!(text.find("since").unwrap() < text.find("design").unwrap());
}

#[test]
fn study_ids_are_file_names_that_stay_in_their_folder() {
    assert_eq!(suggest_study_id(&facts()), "dastgheyb-2023");
    assert!(is_study_id("dastgheyb-2023"));
    for bad in ["../x", "a/b", "", "-a", "A", "a.toml"] {
        assert!(!is_study_id(bad), "{bad}");
    }
}

proptest::proptest! {
    /// A form compared with itself has no differences, whatever it holds; a form compared with
    /// one whose results are reordered and whose values change reports exactly the changed
    /// fields, both ways round.
    #[test]
    fn compare_reports_exactly_what_changed(
        results in proptest::collection::vec((0u32..50, 1u32..60, 0usize..3), 1..6),
        changed in proptest::collection::vec(proptest::bool::ANY, 6),
    ) {
        let grades = ["any", "3", ">=2"];
        let form = |rows: &[(u32, u32, usize)], bump: &[bool], reverse: bool| {
            let mut items: Vec<String> = rows
                .iter()
                .enumerate()
                .map(|(i, (e, d, _))| {
                    let e = if bump[i] { e + 1 } else { *e };
                    format!(
                        "[[outcomes]]\nkind = \"toxicity\"\nterm = \"t{i}\"\ngrade = \"{}\"\nevents = {e}\ndenominator = {d}\nlocator = \"page 1\"\n",
                        grades[rows[i].2]
                    )
                })
                .collect();
            if reverse {
                items.reverse();
            }
            format!("id = \"s\"\n{}", items.concat())
        };
        let same = vec![false; results.len()];
        let a = form(&results, &same, false);
        let itself = compare(Side { reviewer: "a", text: &a }, Side { reviewer: "b", text: &a }).unwrap();
        proptest::prop_assert!(itself.is_empty());
        let bump: Vec<bool> = changed.iter().copied().take(results.len()).chain(std::iter::repeat(false)).take(results.len()).collect();
        let b = form(&results, &bump, true);
        let expected = bump.iter().filter(|b| **b).count();
        let there = compare(Side { reviewer: "a", text: &a }, Side { reviewer: "b", text: &b }).unwrap();
        let back = compare(Side { reviewer: "b", text: &b }, Side { reviewer: "a", text: &a }).unwrap();
        proptest::prop_assert_eq!(there.len(), expected);
        proptest::prop_assert_eq!(back.len(), expected);
        let all_events = there.iter().all(|d| d.field.ends_with(".events") && d.kind == DifferenceKind::Value);
        proptest::prop_assert!(all_events);
    }
}
