//! Reads a review folder (from disk or from embedded files) into a [`Review`], reporting every
//! syntax and schema problem with its file and line before validation runs.

use crate::error::{EvidenceError, Problem, Result};
use crate::model::{
    Acknowledgement, Drug, DrugClass, Reference, Review, ReviewMeta, Statement, Study,
};
use crate::span;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

/// A file of a review folder: its path inside the folder (with `/`) and its text.
#[derive(Debug, Clone)]
pub struct ReviewFile {
    /// Path inside the review folder, with `/` separators (e.g. `studies/stumpf-2019.toml`).
    pub path: String,
    /// The file's TOML text.
    pub text: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReferencesFile {
    references: Vec<Reference>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DrugsFile {
    drugs: Vec<Drug>,
    #[serde(default)]
    classes: Vec<DrugClass>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GuidanceFile {
    #[serde(default)]
    statements: Vec<Statement>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AuditFile {
    #[serde(default)]
    acknowledged: Vec<Acknowledgement>,
}

/// Reads every `.toml` file of a review folder (top level and `studies/`).
pub fn read_dir(dir: &Path) -> Result<Vec<ReviewFile>> {
    if !dir.join("review.toml").is_file() {
        return Err(EvidenceError::NotAReview(dir.display().to_string()));
    }
    let mut files = Vec::new();
    for sub in ["", "studies"] {
        let folder = dir.join(sub);
        if !folder.is_dir() {
            continue;
        }
        let entries = std::fs::read_dir(&folder).map_err(|source| EvidenceError::Io {
            path: folder.display().to_string(),
            source,
        })?;
        for entry in entries {
            let entry = entry.map_err(|source| EvidenceError::Io {
                path: folder.display().to_string(),
                source,
            })?;
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "toml") && path.is_file() {
                let text = std::fs::read_to_string(&path).map_err(|source| EvidenceError::Io {
                    path: path.display().to_string(),
                    source,
                })?;
                let name = entry.file_name().to_string_lossy().into_owned();
                let path = if sub.is_empty() {
                    name
                } else {
                    format!("{sub}/{name}")
                };
                files.push(ReviewFile { path, text });
            }
        }
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

/// Loads and validates a review folder from disk.
pub fn load_dir(dir: &Path) -> Result<Review> {
    load_files(read_dir(dir)?)
}

/// Loads and validates a review from its files (e.g. embedded in the binary).
pub fn load_files(files: Vec<ReviewFile>) -> Result<Review> {
    let mut problems = Vec::new();
    let texts: BTreeMap<String, String> = files.into_iter().map(|f| (f.path, f.text)).collect();

    let meta: Option<ReviewMeta> = match texts.get("review.toml") {
        Some(text) => parse(&mut problems, "review.toml", text),
        None => return Err(EvidenceError::NotAReview("the given files".into())),
    };
    let references = optional::<ReferencesFile>(&mut problems, &texts, "references.toml")
        .map_or_else(Vec::new, |f| f.references);
    let (drugs, classes) = optional::<DrugsFile>(&mut problems, &texts, "drugs.toml")
        .map_or_else(|| (Vec::new(), Vec::new()), |f| (f.drugs, f.classes));
    let guidance = optional::<GuidanceFile>(&mut problems, &texts, "guidance.toml")
        .map_or_else(Vec::new, |f| f.statements);
    let acknowledgements = optional::<AuditFile>(&mut problems, &texts, "audit.toml")
        .map_or_else(Vec::new, |f| f.acknowledged);

    let mut studies = Vec::new();
    for (path, text) in texts.iter().filter(|(p, _)| p.starts_with("studies/")) {
        let Some(mut study) = parse::<Study>(&mut problems, path, text) else {
            continue;
        };
        study.file = path.clone();
        for (outcome, decimals) in study.outcomes.iter_mut().zip(span::percent_decimals(text)) {
            outcome.percent_decimals = decimals;
        }
        studies.push(study);
    }
    studies.sort_by(|a, b| a.id.cmp(&b.id));

    let Some(meta) = meta else {
        return Err(EvidenceError::Invalid(problems));
    };
    if !problems.is_empty() {
        return Err(EvidenceError::Invalid(problems));
    }
    let review = Review {
        meta,
        references,
        drugs,
        classes,
        studies,
        guidance,
        acknowledgements,
        texts,
    };
    let problems = crate::validate::validate(&review);
    if problems.is_empty() {
        Ok(review)
    } else {
        Err(EvidenceError::Invalid(problems))
    }
}

fn optional<T: DeserializeOwned>(
    problems: &mut Vec<Problem>,
    texts: &BTreeMap<String, String>,
    path: &str,
) -> Option<T> {
    texts.get(path).and_then(|text| parse(problems, path, text))
}

fn parse<T: DeserializeOwned>(problems: &mut Vec<Problem>, path: &str, text: &str) -> Option<T> {
    match toml::from_str::<T>(text) {
        Ok(value) => Some(value),
        Err(err) => {
            problems.push(syntax_problem(
                path,
                text,
                &err,
                "valid review TOML",
                "see docs/data-model.md for the fields each file takes",
            ));
            None
        }
    }
}

/// A file that does not parse (or lacks a field, or has one too many), located.
pub(crate) fn syntax_problem(
    path: &str,
    text: &str,
    err: &toml::de::Error,
    expected: &str,
    hint: &str,
) -> Problem {
    let (line, column) = err
        .span()
        .map(|s| span::line_col(text, s.start))
        .map_or((None, None), |(l, c)| (Some(l), Some(c)));
    Problem {
        file: path.to_string(),
        line,
        column,
        field: String::new(),
        expected: expected.into(),
        found: err.message().trim().to_string(),
        hint: Some(hint.into()),
    }
}

impl Review {
    /// Line and column of a field in one of the review's files, for messages.
    pub fn locate(&self, file: &str, field: &str) -> Option<(usize, usize)> {
        let text = self.texts.get(file)?;
        span::offset_of(text, field).map(|o| span::line_col(text, o))
    }
}
