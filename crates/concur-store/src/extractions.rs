//! The living cycle's log: extraction forms (files under `extractions/REVIEWER/STUDY.toml`, with
//! the record each came from), studies accepted into the review, and `concur update` runs.

use crate::decisions::check_reviewer;
use crate::error::{Result, StoreError};
use crate::workspace::Workspace;
use rusqlite::{params, OptionalExtension};
use serde::Serialize;
use std::path::PathBuf;

/// The folder of extraction forms inside a workspace.
pub const EXTRACTIONS_DIR: &str = "extractions";

/// One reviewer's extraction form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Extraction {
    /// The study id (and file stem).
    pub study: String,
    /// Who extracts.
    pub reviewer: String,
    /// The record it is extracted from.
    pub record: Option<i64>,
    /// When the form was created (UTC).
    pub created_at: String,
    /// The form's file.
    pub path: PathBuf,
}

/// A study accepted into the review folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Acceptance {
    /// The study id.
    pub study: String,
    /// The edition it joined.
    pub edition: String,
    /// Whose extraction was accepted.
    pub extracted_by: Vec<String>,
    /// Who extracted it independently as a check.
    pub checked_by: Vec<String>,
    /// The record it came from.
    pub record: Option<i64>,
    /// When (UTC).
    pub accepted_at: String,
}

/// A run of `concur update`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UpdateRun {
    /// Its number.
    pub id: i64,
    /// When it started (UTC).
    pub started_at: String,
    /// When it finished; empty for a run that was stopped.
    pub finished_at: Option<String>,
    /// The highest record id when it finished: later records are new for the next run.
    pub last_record: i64,
    /// What it found, as JSON.
    pub summary: serde_json::Value,
}

/// Whether a text may be a study id and so a file name: lower-case letters, digits and hyphens.
fn check_study(id: &str) -> Result<()> {
    let ok = id.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
        && id.len() <= 80
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if ok {
        Ok(())
    } else {
        Err(StoreError::BadStudyId(id.to_string()))
    }
}

impl Workspace {
    /// Where a reviewer's form for a study lives (the names are checked, so the path stays in
    /// the workspace).
    pub fn extraction_path(&self, reviewer: &str, study: &str) -> Result<PathBuf> {
        check_reviewer(reviewer)?;
        check_study(study)?;
        Ok(self
            .root()
            .join(EXTRACTIONS_DIR)
            .join(reviewer)
            .join(format!("{study}.toml")))
    }

    /// Writes a new extraction form and logs which record it is for. An existing form is never
    /// overwritten: it holds a person's work.
    pub fn create_extraction(
        &self,
        study: &str,
        reviewer: &str,
        record: Option<i64>,
        text: &str,
    ) -> Result<PathBuf> {
        let path = self.extraction_path(reviewer, study)?;
        if path.exists() {
            return Err(StoreError::ExtractionExists {
                study: study.into(),
                reviewer: reviewer.into(),
                path,
            });
        }
        if let Some(id) = record {
            if self.record(id)?.is_none() {
                return Err(StoreError::NoRecord(id));
            }
        }
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        // Written whole and renamed, so a killed command leaves no half form.
        let partial = path.with_extension("toml.partial");
        std::fs::write(&partial, text)?;
        std::fs::rename(&partial, &path)?;
        self.conn.execute(
            "INSERT OR REPLACE INTO extraction (study, reviewer, record_id, created_at)
             VALUES (?1, ?2, ?3, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))",
            params![study, reviewer, record],
        )?;
        self.log("extract new", &format!("{study} by {reviewer}"))?;
        Ok(path)
    }

    /// Every extraction form: those logged, and any form a person put in the folder by hand.
    pub fn extractions(&self) -> Result<Vec<Extraction>> {
        let mut stmt = self.conn.prepare(
            "SELECT study, reviewer, record_id, created_at FROM extraction ORDER BY study, reviewer",
        )?;
        let mut out: Vec<Extraction> = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<i64>>(2)?,
                    r.get::<_, String>(3)?,
                ))
            })?
            .collect::<std::result::Result<Vec<_>, _>>()?
            .into_iter()
            .filter_map(|(study, reviewer, record, created_at)| {
                let path = self.extraction_path(&reviewer, &study).ok()?;
                path.exists().then_some(Extraction {
                    study,
                    reviewer,
                    record,
                    created_at,
                    path,
                })
            })
            .collect();
        let dir = self.root().join(EXTRACTIONS_DIR);
        if let Ok(reviewers) = std::fs::read_dir(&dir) {
            for reviewer in reviewers.flatten() {
                let name = reviewer.file_name().to_string_lossy().into_owned();
                let Ok(forms) = std::fs::read_dir(reviewer.path()) else {
                    continue;
                };
                for form in forms.flatten() {
                    let file = form.file_name().to_string_lossy().into_owned();
                    let Some(study) = file.strip_suffix(".toml") else {
                        continue;
                    };
                    if check_reviewer(&name).is_err() || check_study(study).is_err() {
                        continue;
                    }
                    if !out.iter().any(|e| e.study == study && e.reviewer == name) {
                        out.push(Extraction {
                            study: study.to_string(),
                            reviewer: name.clone(),
                            record: None,
                            created_at: String::new(),
                            path: form.path(),
                        });
                    }
                }
            }
        }
        out.sort_by(|a, b| (&a.study, &a.reviewer).cmp(&(&b.study, &b.reviewer)));
        Ok(out)
    }

    /// The forms for one study, by reviewer.
    pub fn extractions_of(&self, study: &str) -> Result<Vec<Extraction>> {
        check_study(study)?;
        Ok(self
            .extractions()?
            .into_iter()
            .filter(|e| e.study == study)
            .collect())
    }

    /// Logs a study's acceptance into the review.
    pub fn record_acceptance(&self, a: &Acceptance) -> Result<()> {
        self.conn.execute(
            "INSERT INTO acceptance (study, edition, extracted_by, checked_by, record_id, accepted_at)
             VALUES (?1, ?2, ?3, ?4, ?5, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))",
            params![
                a.study,
                a.edition,
                serde_json::to_string(&a.extracted_by)?,
                serde_json::to_string(&a.checked_by)?,
                a.record
            ],
        )?;
        self.log(
            "extract accept",
            &format!(
                "{} into edition {} from {}",
                a.study,
                a.edition,
                a.extracted_by.join(", ")
            ),
        )?;
        Ok(())
    }

    /// Every acceptance, oldest first.
    pub fn acceptances(&self) -> Result<Vec<Acceptance>> {
        let mut stmt = self.conn.prepare(
            "SELECT study, edition, extracted_by, checked_by, record_id, accepted_at
             FROM acceptance ORDER BY id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, Option<i64>>(4)?,
                r.get::<_, String>(5)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (study, edition, by, checked, record, accepted_at) = row?;
            out.push(Acceptance {
                study,
                edition,
                extracted_by: serde_json::from_str(&by)?,
                checked_by: serde_json::from_str(&checked)?,
                record,
                accepted_at,
            });
        }
        Ok(out)
    }

    /// The time now (UTC, ISO 8601), as the log writes it.
    pub fn now_utc(&self) -> Result<String> {
        Ok(self
            .conn
            .query_row("SELECT strftime('%Y-%m-%dT%H:%M:%SZ', 'now')", [], |r| {
                r.get(0)
            })?)
    }

    /// The highest record id in the workspace (0 when empty).
    pub fn last_record_id(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("SELECT COALESCE(MAX(id), 0) FROM record", [], |r| r.get(0))?)
    }

    /// The latest finished update run.
    pub fn last_update(&self) -> Result<Option<UpdateRun>> {
        let row = self
            .conn
            .query_row(
                "SELECT id, started_at, finished_at, last_record, summary FROM update_run
                 WHERE finished_at IS NOT NULL ORDER BY id DESC LIMIT 1",
                [],
                |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, Option<String>>(2)?,
                        r.get::<_, i64>(3)?,
                        r.get::<_, String>(4)?,
                    ))
                },
            )
            .optional()?;
        Ok(match row {
            Some((id, started_at, finished_at, last_record, summary)) => Some(UpdateRun {
                id,
                started_at,
                finished_at,
                last_record,
                summary: serde_json::from_str(&summary)?,
            }),
            None => None,
        })
    }

    /// Logs a finished update run: the highest record id now, and what it found.
    pub fn finish_update(&self, started_at: &str, summary: &serde_json::Value) -> Result<i64> {
        let last = self.last_record_id()?;
        self.conn.execute(
            "INSERT INTO update_run (started_at, finished_at, last_record, summary)
             VALUES (?1, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), ?2, ?3)",
            params![started_at, last, summary.to_string()],
        )?;
        let id = self.conn.last_insert_rowid();
        self.log("update", &format!("run {id}"))?;
        Ok(id)
    }

    /// Of these PMIDs, the ones no record of the workspace (deleted ones aside) carries.
    pub fn pmids_missing(&self, pmids: &[String]) -> Result<Vec<String>> {
        let mut stmt = self
            .conn
            .prepare("SELECT 1 FROM record WHERE pmid = ?1 AND deleted_by IS NULL LIMIT 1")?;
        let mut out = Vec::new();
        for p in pmids {
            if !stmt.exists([p])? {
                out.push(p.clone());
            }
        }
        Ok(out)
    }

    /// Record ids above `after` that are not duplicates of an earlier record: what is new.
    pub fn new_records_since(&self, after: i64) -> Result<Vec<i64>> {
        let mut stmt = self.conn.prepare(
            "SELECT id FROM record WHERE id > ?1 AND duplicate_of IS NULL AND deleted_by IS NULL
             ORDER BY id",
        )?;
        let ids = stmt.query_map([after], |r| r.get(0))?;
        Ok(ids.collect::<std::result::Result<_, _>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workspace::Config;

    #[test]
    fn forms_are_kept_never_overwritten_and_their_names_stay_in_the_folder() {
        let dir = tempfile::tempdir().unwrap();
        let ws = Workspace::init(dir.path(), Config::default()).unwrap();
        let path = ws
            .create_extraction("smith-2020", "alice", None, "id = \"smith-2020\"\n")
            .unwrap();
        assert!(path.starts_with(dir.path().join(EXTRACTIONS_DIR)));
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "id = \"smith-2020\"\n"
        );
        std::fs::write(&path, "edited").unwrap();
        assert!(matches!(
            ws.create_extraction("smith-2020", "alice", None, "new"),
            Err(StoreError::ExtractionExists { .. })
        ));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "edited");
        for (study, reviewer) in [
            ("../x", "alice"),
            ("a/b", "alice"),
            ("ok", ".."),
            ("ok", ".hidden"),
        ] {
            assert!(
                ws.create_extraction(study, reviewer, None, "x").is_err(),
                "{study} {reviewer}"
            );
        }
        assert!(matches!(
            ws.create_extraction("smith-2020", "bob", Some(99), "x"),
            Err(StoreError::NoRecord(99))
        ));
        // A form put in the folder by hand is listed too.
        let by_hand = dir.path().join(EXTRACTIONS_DIR).join("bob/smith-2020.toml");
        std::fs::create_dir_all(by_hand.parent().unwrap()).unwrap();
        std::fs::write(&by_hand, "x").unwrap();
        let forms = ws.extractions_of("smith-2020").unwrap();
        assert_eq!(
            forms
                .iter()
                .map(|e| e.reviewer.as_str())
                .collect::<Vec<_>>(),
            ["alice", "bob"]
        );
    }

    #[test]
    fn acceptances_and_update_runs_are_logged() {
        let dir = tempfile::tempdir().unwrap();
        let ws = Workspace::init(dir.path(), Config::default()).unwrap();
        let a = Acceptance {
            study: "s".into(),
            edition: "2026-12".into(),
            extracted_by: vec!["alice".into()],
            checked_by: vec!["bob".into()],
            record: None,
            accepted_at: String::new(),
        };
        ws.record_acceptance(&a).unwrap();
        let got = ws.acceptances().unwrap();
        assert_eq!(
            (got[0].study.as_str(), got[0].checked_by.clone()),
            ("s", vec!["bob".to_string()])
        );
        assert!(ws.last_update().unwrap().is_none());
        ws.finish_update("2026-12-07T00:00:00Z", &serde_json::json!({"new": 0}))
            .unwrap();
        let run = ws.last_update().unwrap().unwrap();
        assert_eq!((run.last_record, run.summary["new"].as_i64()), (0, Some(0)));
        assert!(ws.new_records_since(0).unwrap().is_empty());
    }
}
