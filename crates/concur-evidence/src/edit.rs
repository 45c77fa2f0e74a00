//! Changes to a review folder's `review.toml` that the living cycle makes: a new edition, and an
//! accepted study's rows in the analyses it belongs to. Edits keep the file's comments and layout
//! (`toml_edit`), since people write and read these files.

use crate::model::{AnalysisKind, AnalysisRow, Edition, GroupRef, Review, Study};
use crate::vocab::{Site, Statistic};
use serde::Serialize;

/// Why `review.toml` could not be edited.
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    /// The file is not TOML.
    #[error("review.toml is not valid TOML: {0}")]
    Syntax(#[from] toml_edit::TomlError),
    /// The edition exists already.
    #[error("the review already declares the edition `{0}`")]
    EditionExists(String),
    /// An edition id that cannot be one.
    #[error("`{0}` cannot be an edition id: use letters, digits, `.`, `_` and `-`")]
    BadEditionId(String),
    /// The analysis named is not in the file.
    #[error("review.toml has no analysis `{0}`")]
    NoAnalysis(String),
}

/// Adds an edition after the last one declared.
pub fn add_edition(review_toml: &str, edition: &Edition) -> Result<String, EditError> {
    let ok = !edition.id.is_empty()
        && edition.id.len() <= 40
        && edition
            .id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if !ok {
        return Err(EditError::BadEditionId(edition.id.clone()));
    }
    let mut doc: toml_edit::DocumentMut = review_toml.parse()?;
    let mut table = toml_edit::Table::new();
    table.insert("id", toml_edit::value(edition.id.as_str()));
    table.insert("label", toml_edit::value(edition.label.as_str()));
    if let Some(d) = &edition.date {
        table.insert("date", toml_edit::value(d.as_str()));
    }
    match doc.get_mut("editions") {
        Some(item) => {
            let Some(list) = item.as_array_of_tables_mut() else {
                return Err(EditError::EditionExists(edition.id.clone()));
            };
            if list
                .iter()
                .any(|t| t.get("id").and_then(|v| v.as_str()) == Some(edition.id.as_str()))
            {
                return Err(EditError::EditionExists(edition.id.clone()));
            }
            // Placed right after the last edition, not at the end of the file.
            if let Some(position) = list.iter().filter_map(|t| t.position()).max() {
                table.set_position(Some(position));
            }
            list.push(table);
        }
        None => {
            let mut list = toml_edit::ArrayOfTables::new();
            list.push(table);
            doc.insert("editions", toml_edit::Item::ArrayOfTables(list));
        }
    }
    Ok(doc.to_string())
}

/// An accepted study's place in an analysis: the row to add.
#[derive(Debug, Clone, Serialize)]
pub struct Placement {
    /// The analysis.
    pub analysis: String,
    /// The row.
    pub row: AnalysisRow,
}

fn covers(analysis_site: Site, study_sites: &[Site]) -> bool {
    study_sites.contains(&analysis_site)
        || (analysis_site == Site::Breast
            && study_sites
                .iter()
                .any(|s| matches!(s, Site::ChestWall | Site::RegionalNodes)))
}

/// The analyses a study's results belong in, with the row for each: the analysis's site,
/// technique and drug match the study, and an arm reports a count of the outcome with the
/// analysis's term, grade and unit (for a comparison, one arm with the drug and one without).
/// Analyses that already name the study are left alone; so are ambiguous comparisons.
pub fn placements(review: &Review, study: &Study, edition: &str) -> Vec<Placement> {
    let sites = study.sites();
    let techniques = study.techniques();
    let mut out = Vec::new();
    for a in &review.meta.analyses {
        if a.rows.iter().any(|r| r.study == study.id)
            || a.excluded.iter().any(|x| x.study == study.id)
        {
            continue;
        }
        if !covers(a.site, &sites)
            || !(a.techniques.is_empty() || a.techniques.iter().any(|t| techniques.contains(t)))
        {
            continue;
        }
        let has_drug = |arm: &str| {
            study
                .arm(arm)
                .is_some_and(|x| x.drugs.iter().any(|d| a.drugs.contains(d)))
        };
        // Arms with a count of the outcome the analysis reads.
        let mut arms: Vec<&str> = study
            .outcomes
            .iter()
            .filter(|o| {
                o.kind == a.outcome_kind
                    && o.statistic == Statistic::Proportion
                    && o.timing.is_none()
                    && o.subgroup.is_none()
                    && o.grade == a.grade
                    && o.unit == Some(a.unit)
                    && a.terms.iter().any(|t| t.eq_ignore_ascii_case(&o.term))
                    && (a.kind == AnalysisKind::Descriptive
                        || (o.events.is_some() && o.denominator.is_some()))
            })
            .filter_map(|o| o.arm.as_deref())
            .collect();
        arms.sort_unstable();
        arms.dedup();
        let treated: Vec<&str> = arms.iter().copied().filter(|x| has_drug(x)).collect();
        let row = |arm: &str, control: Option<&str>, several: bool| AnalysisRow {
            study: study.id.clone(),
            label: several
                .then(|| {
                    study
                        .arm(arm)
                        .map(|x| format!("{} ({})", study.label, x.label))
                })
                .flatten(),
            arm: Some(arm.to_string()),
            timing: None,
            control: control.map(|c| GroupRef {
                arm: Some(c.to_string()),
                timing: None,
            }),
            subgroup: None,
            prefer: None,
            since: Some(edition.to_string()),
        };
        match a.kind {
            AnalysisKind::Proportion | AnalysisKind::Descriptive => {
                for arm in &treated {
                    out.push(Placement {
                        analysis: a.id.clone(),
                        row: row(arm, None, treated.len() > 1),
                    });
                }
            }
            AnalysisKind::Comparison => {
                let controls: Vec<&str> = arms.iter().copied().filter(|x| !has_drug(x)).collect();
                if let ([t], [c]) = (treated.as_slice(), controls.as_slice()) {
                    out.push(Placement {
                        analysis: a.id.clone(),
                        row: row(t, Some(c), false),
                    });
                }
            }
        }
    }
    out
}

/// Adds rows to the analyses of `review.toml`.
pub fn add_rows(review_toml: &str, placements: &[Placement]) -> Result<String, EditError> {
    let mut doc: toml_edit::DocumentMut = review_toml.parse()?;
    for p in placements {
        let table = doc
            .get_mut("analyses")
            .and_then(|i| i.as_array_of_tables_mut())
            .and_then(|list| {
                list.iter_mut()
                    .find(|t| t.get("id").and_then(|v| v.as_str()) == Some(p.analysis.as_str()))
            })
            .ok_or_else(|| EditError::NoAnalysis(p.analysis.clone()))?;
        let mut row = toml_edit::InlineTable::new();
        row.insert("study", p.row.study.as_str().into());
        if let Some(l) = &p.row.label {
            row.insert("label", l.as_str().into());
        }
        if let Some(a) = &p.row.arm {
            row.insert("arm", a.as_str().into());
        }
        if let Some(c) = p.row.control.as_ref().and_then(|c| c.arm.as_deref()) {
            let mut control = toml_edit::InlineTable::new();
            control.insert("arm", c.into());
            row.insert("control", toml_edit::Value::InlineTable(control));
        }
        if let Some(s) = &p.row.since {
            row.insert("since", s.as_str().into());
        }
        match table.get_mut("rows").and_then(|r| r.as_array_mut()) {
            Some(rows) => {
                rows.push(row);
                rows.fmt();
            }
            None => {
                let mut rows = toml_edit::Array::new();
                rows.push(row);
                table.insert("rows", toml_edit::value(rows));
            }
        }
    }
    Ok(doc.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const REVIEW: &str = "id = \"x\"\n\n# the editions\n[[editions]]\nid = \"a\"\nlabel = \"A\"\n\n# radiobiology\n[radiobiology]\nalpha_beta = []\n\n[[analyses]]\nid = \"one\"\nrows = [ { study = \"s\", arm = \"t\" } ]\n";

    #[test]
    fn a_new_edition_follows_the_last_and_keeps_the_comments() {
        let out = add_edition(
            REVIEW,
            &Edition {
                id: "b".into(),
                label: "B".into(),
                date: None,
            },
        )
        .unwrap();
        assert!(out.contains("# the editions") && out.contains("# radiobiology"));
        let a = out.find("id = \"a\"").unwrap();
        let b = out.find("id = \"b\"").unwrap();
        let radio = out.find("[radiobiology]").unwrap();
        assert!(a < b && b < radio, "{out}");
        let again = add_edition(
            &out,
            &Edition {
                id: "b".into(),
                label: "again".into(),
                date: None,
            },
        );
        assert!(matches!(again, Err(EditError::EditionExists(_))));
        assert!(matches!(
            add_edition(
                REVIEW,
                &Edition {
                    id: "../x".into(),
                    label: String::new(),
                    date: None
                }
            ),
            Err(EditError::BadEditionId(_))
        ));
    }

    #[test]
    fn rows_join_their_analysis() {
        let p = Placement {
            analysis: "one".into(),
            row: AnalysisRow {
                study: "new".into(),
                label: None,
                arm: Some("t".into()),
                timing: None,
                control: Some(GroupRef {
                    arm: Some("c".into()),
                    timing: None,
                }),
                subgroup: None,
                prefer: None,
                since: Some("b".into()),
            },
        };
        let out = add_rows(REVIEW, std::slice::from_ref(&p)).unwrap();
        let parsed: toml::Table = toml::from_str(&out).unwrap();
        let rows = parsed["analyses"][0]["rows"].as_array().unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1]["study"].as_str(), Some("new"));
        assert_eq!(rows[1]["control"]["arm"].as_str(), Some("c"));
        assert_eq!(rows[1]["since"].as_str(), Some("b"));
        let missing = Placement {
            analysis: "none".into(),
            ..p
        };
        assert!(matches!(
            add_rows(REVIEW, &[missing]),
            Err(EditError::NoAnalysis(_))
        ));
    }
}
