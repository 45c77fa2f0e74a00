//! Screening decisions: who decided what about which record, at which stage, why, and what put
//! the record in front of them. Rows are never changed: a new decision, an undo and a conflict's
//! resolution are each a new row, and the state of a record is read from its rows in order.
//!
//! A decision belongs to the record it was made on; it is read as a decision on that record's
//! primary, so decisions follow a deduplication merge (and go back with its undo), and a
//! re-import, which only adds records, leaves every decision as it was.

use crate::error::{Result, StoreError};
use crate::workspace::Workspace;
use rusqlite::{params, OptionalExtension};
use serde::Serialize;
use std::collections::BTreeMap;

/// The screening stages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Stage {
    /// Title and abstract.
    TitleAbstract,
    /// Full text.
    FullText,
}

impl Stage {
    /// The stored and command-line name.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::TitleAbstract => "title-abstract",
            Stage::FullText => "full-text",
        }
    }

    /// Parses a stored or command-line name.
    pub fn parse(text: &str) -> Option<Stage> {
        match text {
            "title-abstract" => Some(Stage::TitleAbstract),
            "full-text" => Some(Stage::FullText),
            _ => None,
        }
    }
}

/// A reviewer's verdict on a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Relevant: goes on to the next stage (or into the review, at full text).
    Include,
    /// Not relevant.
    Exclude,
    /// Unsure: goes on to full text, where a person decides.
    Maybe,
}

impl Verdict {
    /// The stored and command-line name.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Include => "include",
            Verdict::Exclude => "exclude",
            Verdict::Maybe => "maybe",
        }
    }

    /// Parses a stored or command-line name.
    pub fn parse(text: &str) -> Option<Verdict> {
        match text {
            "include" => Some(Verdict::Include),
            "exclude" => Some(Verdict::Exclude),
            "maybe" => Some(Verdict::Maybe),
            _ => None,
        }
    }

    /// Whether the record moves on (include or maybe).
    pub fn moves_on(self) -> bool {
        self != Verdict::Exclude
    }
}

/// What a decision row is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DecisionKind {
    /// A reviewer's own screening decision.
    Screen,
    /// The resolution of a disagreement.
    Resolve,
    /// A hard limit of the eligibility criteria applied without a person.
    Auto,
    /// The undo of an earlier row.
    Undo,
}

impl DecisionKind {
    fn as_str(self) -> &'static str {
        match self {
            DecisionKind::Screen => "screen",
            DecisionKind::Resolve => "resolve",
            DecisionKind::Auto => "auto",
            DecisionKind::Undo => "undo",
        }
    }

    fn parse(text: &str) -> DecisionKind {
        match text {
            "resolve" => DecisionKind::Resolve,
            "auto" => DecisionKind::Auto,
            "undo" => DecisionKind::Undo,
            _ => DecisionKind::Screen,
        }
    }
}

/// The reviewer name automatic decisions are recorded under.
pub const AUTOMATION: &str = "concur";

/// A decision to record.
#[derive(Debug, Clone)]
pub struct NewDecision<'a> {
    /// The record decided on.
    pub record: i64,
    /// Who decided.
    pub reviewer: &'a str,
    /// At which stage.
    pub stage: Stage,
    /// What.
    pub verdict: Verdict,
    /// The exclusion reason's id.
    pub reason: Option<&'a str>,
    /// The reason in the reviewer's words.
    pub reason_text: Option<&'a str>,
    /// A note.
    pub note: Option<&'a str>,
}

/// A stored decision row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decision {
    /// Its number.
    pub id: i64,
    /// The record it was made on.
    pub record: i64,
    /// The record it counts for now (the record's primary, or the record itself).
    pub primary: i64,
    /// Who decided (`concur` for automation).
    pub reviewer: String,
    /// The stage.
    pub stage: Stage,
    /// What the row is.
    pub kind: DecisionKind,
    /// The verdict (none for an undo).
    pub verdict: Option<Verdict>,
    /// The row an undo reverses.
    pub undoes: Option<i64>,
    /// The exclusion reason's id.
    pub reason: Option<String>,
    /// The reason in words.
    pub reason_text: Option<String>,
    /// A note.
    pub note: Option<String>,
    /// The model that put the record in front of the reviewer.
    pub model: Option<String>,
    /// Its rank then (1 = first).
    pub rank: Option<i64>,
    /// When (UTC, ISO 8601).
    pub at: String,
}

/// A verdict in effect, with the row that made it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InEffect {
    /// Who.
    pub reviewer: String,
    /// What.
    pub verdict: Verdict,
    /// Why, for an exclusion.
    pub reason: Option<String>,
    /// The reason in words.
    pub reason_text: Option<String>,
    /// The note.
    pub note: Option<String>,
    /// The row.
    pub decision: i64,
    /// The model that ranked the record when it was decided (`random/1` for a random sample).
    pub model: Option<String>,
}

/// Where a record stands at a stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// No decision in effect.
    Undecided,
    /// Included (by agreement, a single reviewer, or a resolution).
    Include,
    /// Excluded.
    Exclude,
    /// Moves on, unsure.
    Maybe,
    /// Reviewers disagree (one excludes, another does not) and no resolution says which.
    Conflict,
}

/// A record's decisions in effect at one stage.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecordState {
    /// The record (a primary, or a record with no duplicates).
    pub record: i64,
    /// Each reviewer's verdict in effect (automation apart).
    pub reviewers: BTreeMap<String, InEffect>,
    /// A hard limit's exclusion, if one applies.
    pub automatic: Option<InEffect>,
    /// The resolution in effect, if any (its reviewer is who resolved).
    pub resolution: Option<InEffect>,
    /// Reviewers whose verdicts on records merged into this one differ: the record each was
    /// made on and the verdict.
    pub merged_conflicts: BTreeMap<String, Vec<(i64, Verdict)>>,
    /// The record's standing.
    pub outcome: Outcome,
}

impl RecordState {
    /// The verdict in effect that settles the outcome, if one does: the resolution, else an
    /// exclusion by automation with no person's verdict, else the first reviewer's.
    pub fn settling(&self) -> Option<&InEffect> {
        match self.outcome {
            Outcome::Undecided | Outcome::Conflict => None,
            _ => self
                .resolution
                .as_ref()
                .or(self.reviewers.values().next())
                .or(self.automatic.as_ref()),
        }
    }
}

/// The state of one stage: its pool of records and each record's decisions.
#[derive(Debug, Clone, Serialize)]
pub struct Screening {
    /// The stage.
    pub stage: Stage,
    /// The records to screen at this stage, in id order: at title and abstract every record
    /// kept after deduplication and not deleted; at full text those that moved on.
    pub pool: Vec<i64>,
    /// The state of every record with a decision in effect (records of the pool without one
    /// are undecided).
    pub states: BTreeMap<i64, RecordState>,
}

/// Two reviewers' verdicts over the records both screened, and how many only one of them did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pairs {
    /// (first reviewer's verdict, second reviewer's verdict) per record both screened.
    pub both: Vec<(Verdict, Verdict)>,
    /// Records only the first reviewer screened.
    pub only_first: u64,
    /// Records only the second reviewer screened.
    pub only_second: u64,
}

impl Pairs {
    /// The two-by-two table agreement statistics take: rows the first reviewer's verdict,
    /// columns the second's, each "moves on" (include or maybe) then "excluded".
    pub fn table(&self) -> Vec<Vec<u64>> {
        let mut t = vec![vec![0u64; 2]; 2];
        for (a, b) in &self.both {
            t[usize::from(!a.moves_on())][usize::from(!b.moves_on())] += 1;
        }
        t
    }
}

impl Screening {
    /// A reviewer's verdicts in effect in the order they were made.
    pub fn decisions_of(&self, reviewer: &str) -> Vec<(i64, &InEffect)> {
        let mut out: Vec<(i64, &InEffect)> = self
            .states
            .values()
            .filter_map(|s| s.reviewers.get(reviewer).map(|e| (s.record, e)))
            .collect();
        out.sort_by_key(|(_, e)| e.decision);
        out
    }

    /// Records a hard limit excluded with no person's verdict.
    pub fn excluded_automatically(&self) -> Vec<i64> {
        self.states
            .values()
            .filter(|s| s.automatic.is_some() && s.reviewers.is_empty() && s.resolution.is_none())
            .map(|s| s.record)
            .collect()
    }

    /// A record's outcome at this stage.
    pub fn outcome(&self, record: i64) -> Outcome {
        self.states
            .get(&record)
            .map_or(Outcome::Undecided, |s| s.outcome)
    }

    /// The reviewers who decided at this stage, in name order (automation apart).
    pub fn reviewers(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .states
            .values()
            .flat_map(|s| s.reviewers.keys().cloned())
            .collect();
        names.sort();
        names.dedup();
        names
    }

    /// Records of the pool that `reviewer` has no verdict on.
    pub fn unscreened_by(&self, reviewer: &str) -> Vec<i64> {
        self.pool
            .iter()
            .copied()
            .filter(|r| {
                self.states
                    .get(r)
                    .is_none_or(|s| !s.reviewers.contains_key(reviewer) && s.automatic.is_none())
            })
            .collect()
    }

    /// The records in conflict.
    pub fn conflicts(&self) -> Vec<&RecordState> {
        self.states
            .values()
            .filter(|s| s.outcome == Outcome::Conflict || !s.merged_conflicts.is_empty())
            .collect()
    }

    /// The two reviewers' verdicts side by side.
    pub fn pairs(&self, first: &str, second: &str) -> Pairs {
        let mut p = Pairs {
            both: Vec::new(),
            only_first: 0,
            only_second: 0,
        };
        for s in self.states.values() {
            match (s.reviewers.get(first), s.reviewers.get(second)) {
                (Some(a), Some(b)) => p.both.push((a.verdict, b.verdict)),
                (Some(_), None) => p.only_first += 1,
                (None, Some(_)) => p.only_second += 1,
                (None, None) => {}
            }
        }
        p
    }
}

/// Whether a reviewer name is safe to store and show: it appears in file names of exports and
/// in the web app's sign-in, and names a folder of extraction forms (so it starts with a letter or
/// digit: `.` and `..` are not names).
pub(crate) fn check_reviewer(name: &str) -> Result<()> {
    let ok = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric())
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(())
    } else {
        Err(StoreError::BadReviewer(name.to_string()))
    }
}

impl Workspace {
    /// Records that the ranking put `record` before `reviewer` at `rank` (1 = first) with
    /// `model`; the decision that follows keeps both.
    pub fn mark_shown(
        &self,
        reviewer: &str,
        stage: Stage,
        record: i64,
        model: &str,
        rank: i64,
    ) -> Result<()> {
        check_reviewer(reviewer)?;
        self.conn.execute(
            "INSERT OR REPLACE INTO shown (reviewer, stage, record_id, model, rank, shown_at)
             VALUES (?1, ?2, ?3, ?4, ?5, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))",
            params![reviewer, stage.as_str(), record, model, rank],
        )?;
        Ok(())
    }

    /// Records a reviewer's decision; `reasons` are the review's exclusion reason ids (a
    /// reason outside them is refused; empty accepts any). Returns the row's number.
    pub fn decide(&self, d: &NewDecision<'_>, reasons: &[String]) -> Result<i64> {
        self.insert_decision(d, DecisionKind::Screen, reasons)
    }

    /// Records the resolution of a disagreement by `d.reviewer`.
    pub fn resolve(&self, d: &NewDecision<'_>, reasons: &[String]) -> Result<i64> {
        self.insert_decision(d, DecisionKind::Resolve, reasons)
    }

    /// Records that a hard limit excludes a record (reviewer [`AUTOMATION`]).
    pub fn exclude_automatically(&self, record: i64, reason: &str, note: &str) -> Result<i64> {
        self.insert_decision(
            &NewDecision {
                record,
                reviewer: AUTOMATION,
                stage: Stage::TitleAbstract,
                verdict: Verdict::Exclude,
                reason: Some(reason),
                reason_text: None,
                note: Some(note),
            },
            DecisionKind::Auto,
            &[],
        )
    }

    fn insert_decision(
        &self,
        d: &NewDecision<'_>,
        kind: DecisionKind,
        reasons: &[String],
    ) -> Result<i64> {
        check_reviewer(d.reviewer)?;
        let primary: i64 = self
            .conn
            .query_row(
                "SELECT COALESCE(duplicate_of, id) FROM record WHERE id = ?1",
                [d.record],
                |r| r.get(0),
            )
            .optional()?
            .ok_or(StoreError::NoRecord(d.record))?;
        if let Some(reason) = d.reason {
            if !reasons.is_empty() && !reasons.iter().any(|r| r == reason) {
                return Err(StoreError::UnknownReason {
                    reason: reason.to_string(),
                    known: reasons.join(", "),
                });
            }
        }
        if d.stage == Stage::FullText
            && !matches!(
                self.screening(Stage::TitleAbstract)?.outcome(primary),
                Outcome::Include | Outcome::Maybe
            )
        {
            return Err(StoreError::NotAtFullText(d.record));
        }
        let shown: Option<(String, i64)> = self
            .conn
            .query_row(
                "SELECT model, rank FROM shown
                 WHERE reviewer = ?1 AND stage = ?2 AND record_id IN (?3, ?4)
                 ORDER BY shown_at DESC LIMIT 1",
                params![d.reviewer, d.stage.as_str(), d.record, primary],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let (model, rank) = match (kind, shown) {
            (DecisionKind::Screen, Some((m, r))) => (Some(m), Some(r)),
            _ => (None, None),
        };
        self.conn.execute(
            "INSERT INTO decision (record_id, reviewer, stage, kind, decision, reason, reason_text,
                                   note, model, rank, decided_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
            params![
                d.record,
                d.reviewer,
                d.stage.as_str(),
                kind.as_str(),
                d.verdict.as_str(),
                d.reason,
                d.reason_text,
                d.note,
                model,
                rank
            ],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Undoes `reviewer`'s latest decision still in effect at `stage` (a screening decision or
    /// a resolution) with a new row; returns the decision undone.
    pub fn undo_decision(&self, reviewer: &str, stage: Stage) -> Result<Decision> {
        check_reviewer(reviewer)?;
        let history = self.decision_rows(Some(stage), None)?;
        let undone: std::collections::HashSet<i64> =
            history.iter().filter_map(|d| d.undoes).collect();
        let last = history
            .iter()
            .rev()
            .find(|d| {
                d.reviewer == reviewer
                    && matches!(d.kind, DecisionKind::Screen | DecisionKind::Resolve)
                    && !undone.contains(&d.id)
            })
            .cloned()
            .ok_or_else(|| StoreError::NoDecisionToUndo {
                reviewer: reviewer.to_string(),
                stage: stage.as_str(),
            })?;
        self.conn.execute(
            "INSERT INTO decision (record_id, reviewer, stage, kind, undoes, decided_at)
             VALUES (?1, ?2, ?3, 'undo', ?4, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
            params![last.record, reviewer, stage.as_str(), last.id],
        )?;
        Ok(last)
    }

    /// Every decision row, oldest first; of one stage and one record (or the records merged
    /// into it) when given.
    pub fn decision_history(
        &self,
        stage: Option<Stage>,
        record: Option<i64>,
    ) -> Result<Vec<Decision>> {
        self.decision_rows(stage, record)
    }

    fn decision_rows(&self, stage: Option<Stage>, record: Option<i64>) -> Result<Vec<Decision>> {
        let mut stmt = self.conn.prepare(
            "SELECT d.id, d.record_id, COALESCE(r.duplicate_of, r.id), d.reviewer, d.stage, d.kind,
                    d.decision, d.undoes, d.reason, d.reason_text, d.note, d.model, d.rank,
                    d.decided_at
             FROM decision d JOIN record r ON r.id = d.record_id
             WHERE (?1 IS NULL OR d.stage = ?1)
               AND (?2 IS NULL OR COALESCE(r.duplicate_of, r.id) = ?2
                    OR d.record_id = ?2)
             ORDER BY d.id",
        )?;
        let rows = stmt.query_map(params![stage.map(Stage::as_str), record], |r| {
            let stage: String = r.get(4)?;
            let kind: String = r.get(5)?;
            let verdict: Option<String> = r.get(6)?;
            Ok(Decision {
                id: r.get(0)?,
                record: r.get(1)?,
                primary: r.get(2)?,
                reviewer: r.get(3)?,
                stage: Stage::parse(&stage).unwrap_or(Stage::TitleAbstract),
                kind: DecisionKind::parse(&kind),
                verdict: verdict.as_deref().and_then(Verdict::parse),
                undoes: r.get(7)?,
                reason: r.get(8)?,
                reason_text: r.get(9)?,
                note: r.get(10)?,
                model: r.get(11)?,
                rank: r.get(12)?,
                at: r.get(13)?,
            })
        })?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    /// The state of a stage, read from the decision rows in order.
    pub fn screening(&self, stage: Stage) -> Result<Screening> {
        let rows = self.decision_rows(Some(stage), None)?;
        let states = states_of(&rows);
        let pool = match stage {
            Stage::TitleAbstract => {
                let mut stmt = self.conn.prepare(
                    "SELECT id FROM record
                     WHERE duplicate_of IS NULL AND deleted_by IS NULL ORDER BY id",
                )?;
                let ids = stmt.query_map([], |r| r.get(0))?;
                ids.collect::<std::result::Result<Vec<i64>, _>>()?
            }
            Stage::FullText => {
                let ta = self.screening(Stage::TitleAbstract)?;
                ta.pool
                    .iter()
                    .copied()
                    .filter(|r| matches!(ta.outcome(*r), Outcome::Include | Outcome::Maybe))
                    .collect()
            }
        };
        Ok(Screening {
            stage,
            pool,
            states,
        })
    }
}

/// Each record's state from its decision rows (oldest first).
fn states_of(rows: &[Decision]) -> BTreeMap<i64, RecordState> {
    let undone: std::collections::HashSet<i64> = rows.iter().filter_map(|d| d.undoes).collect();
    let mut states: BTreeMap<i64, RecordState> = BTreeMap::new();
    // Per primary and reviewer: the verdict in effect on each source record, to find merged
    // records a reviewer judged differently.
    let mut per_source: BTreeMap<(i64, String), BTreeMap<i64, Verdict>> = BTreeMap::new();
    for d in rows {
        let (Some(verdict), false) = (d.verdict, undone.contains(&d.id)) else {
            continue;
        };
        let s = states.entry(d.primary).or_insert_with(|| RecordState {
            record: d.primary,
            reviewers: BTreeMap::new(),
            automatic: None,
            resolution: None,
            merged_conflicts: BTreeMap::new(),
            outcome: Outcome::Undecided,
        });
        let effect = InEffect {
            reviewer: d.reviewer.clone(),
            verdict,
            reason: d.reason.clone(),
            reason_text: d.reason_text.clone(),
            note: d.note.clone(),
            decision: d.id,
            model: d.model.clone(),
        };
        match d.kind {
            DecisionKind::Screen => {
                per_source
                    .entry((d.primary, d.reviewer.clone()))
                    .or_default()
                    .insert(d.record, verdict);
                s.reviewers.insert(d.reviewer.clone(), effect);
            }
            DecisionKind::Resolve => s.resolution = Some(effect),
            DecisionKind::Auto => s.automatic = Some(effect),
            DecisionKind::Undo => {}
        }
    }
    for ((primary, reviewer), sources) in per_source {
        let mut verdicts: Vec<Verdict> = sources.values().copied().collect();
        verdicts.sort();
        verdicts.dedup();
        if verdicts.len() > 1 {
            if let Some(s) = states.get_mut(&primary) {
                s.merged_conflicts
                    .insert(reviewer, sources.into_iter().collect());
            }
        }
    }
    for s in states.values_mut() {
        s.outcome = outcome(s);
    }
    states.retain(|_, s| {
        !(s.reviewers.is_empty() && s.resolution.is_none() && s.automatic.is_none())
    });
    states
}

/// A resolution settles a record; else the reviewers' verdicts do: one verdict or agreement is
/// the outcome, include beside maybe moves on as maybe, exclude beside either is a conflict. An
/// automatic exclusion stands until a person decides.
fn outcome(s: &RecordState) -> Outcome {
    if let Some(r) = &s.resolution {
        return of(r.verdict);
    }
    let mut verdicts: Vec<Verdict> = s.reviewers.values().map(|e| e.verdict).collect();
    verdicts.sort();
    verdicts.dedup();
    match verdicts.as_slice() {
        [] => match &s.automatic {
            Some(a) => of(a.verdict),
            None => Outcome::Undecided,
        },
        [one] => of(*one),
        v if v.contains(&Verdict::Exclude) => Outcome::Conflict,
        _ => Outcome::Maybe,
    }
}

fn of(v: Verdict) -> Outcome {
    match v {
        Verdict::Include => Outcome::Include,
        Verdict::Exclude => Outcome::Exclude,
        Verdict::Maybe => Outcome::Maybe,
    }
}

/// The screening counts of the PRISMA 2020 flow, from the decisions in effect.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ScreeningCounts {
    /// Records excluded by a hard limit with no person's verdict, per reason.
    pub excluded_automatically: Vec<(String, u64)>,
    /// Records screened at title and abstract (an outcome other than undecided, automation
    /// apart).
    pub screened: u64,
    /// Records excluded at title and abstract, per reason (`unstated` when none was given).
    pub excluded: Vec<(String, u64)>,
    /// Records in conflict at title and abstract.
    pub conflicts: u64,
    /// Records not screened yet at title and abstract.
    pub awaiting: u64,
    /// Reports sought for full-text assessment (included or maybe at title and abstract).
    pub sought: u64,
    /// Reports assessed at full text (an outcome other than undecided).
    pub assessed: u64,
    /// Reports excluded at full text, per reason.
    pub reports_excluded: Vec<(String, u64)>,
    /// Reports in conflict or still unsure at full text.
    pub reports_unsettled: u64,
    /// Reports included.
    pub included: u64,
}

impl Workspace {
    /// The PRISMA counts of the screening so far.
    pub fn screening_counts(&self) -> Result<ScreeningCounts> {
        let ta = self.screening(Stage::TitleAbstract)?;
        let ft = self.screening(Stage::FullText)?;
        let mut c = ScreeningCounts::default();
        let mut auto: BTreeMap<String, u64> = BTreeMap::new();
        let mut excluded: BTreeMap<String, u64> = BTreeMap::new();
        for r in &ta.pool {
            match ta.states.get(r) {
                None => c.awaiting += 1,
                Some(s) => match s.outcome {
                    Outcome::Undecided => c.awaiting += 1,
                    Outcome::Exclude if s.reviewers.is_empty() && s.resolution.is_none() => {
                        *auto.entry(reason_of(s)).or_default() += 1
                    }
                    Outcome::Exclude => {
                        c.screened += 1;
                        *excluded.entry(reason_of(s)).or_default() += 1
                    }
                    Outcome::Conflict => {
                        c.screened += 1;
                        c.conflicts += 1
                    }
                    Outcome::Include | Outcome::Maybe => c.screened += 1,
                },
            }
        }
        let mut reports: BTreeMap<String, u64> = BTreeMap::new();
        c.sought = ft.pool.len() as u64;
        for r in &ft.pool {
            match ft.outcome(*r) {
                Outcome::Undecided => {}
                Outcome::Include => {
                    c.assessed += 1;
                    c.included += 1
                }
                Outcome::Exclude => {
                    c.assessed += 1;
                    if let Some(s) = ft.states.get(r) {
                        *reports.entry(reason_of(s)).or_default() += 1
                    }
                }
                Outcome::Maybe | Outcome::Conflict => {
                    c.assessed += 1;
                    c.reports_unsettled += 1
                }
            }
        }
        c.excluded_automatically = auto.into_iter().collect();
        c.excluded = excluded.into_iter().collect();
        c.reports_excluded = reports.into_iter().collect();
        Ok(c)
    }
}

/// The reason of the verdict that settles an exclusion.
fn reason_of(s: &RecordState) -> String {
    s.settling()
        .and_then(|e| e.reason.clone())
        .unwrap_or_else(|| "unstated".to_string())
}

use concur_lit::csv_cell as cell;

impl Workspace {
    /// Writes every decision row as CSV (oldest first), with the record's title; returns how
    /// many rows were written.
    pub fn export_decisions(&self, out: Box<dyn std::io::Write + '_>) -> Result<usize> {
        let rows = self.decision_rows(None, None)?;
        let mut titles: std::collections::HashMap<i64, String> = std::collections::HashMap::new();
        {
            let mut stmt = self.conn.prepare(
                "SELECT id, COALESCE(title, '') FROM record
                 WHERE id IN (SELECT record_id FROM decision)",
            )?;
            let found = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            for f in found {
                let (id, t): (i64, String) = f?;
                titles.insert(id, t);
            }
        }
        let mut w = csv::Writer::from_writer(out);
        let io = |e: csv::Error| StoreError::Io(e.into());
        w.write_record([
            "decision",
            "record",
            "counts_for",
            "title",
            "reviewer",
            "stage",
            "kind",
            "verdict",
            "undoes",
            "reason",
            "reason_text",
            "note",
            "model",
            "rank",
            "at",
        ])
        .map_err(io)?;
        for d in &rows {
            let title = titles.get(&d.record).map_or("", String::as_str);
            w.write_record([
                d.id.to_string().as_str(),
                &d.record.to_string(),
                &d.primary.to_string(),
                &cell(title),
                &cell(&d.reviewer),
                d.stage.as_str(),
                d.kind.as_str(),
                d.verdict.map_or("", Verdict::as_str),
                &d.undoes.map(|u| u.to_string()).unwrap_or_default(),
                &cell(d.reason.as_deref().unwrap_or("")),
                &cell(d.reason_text.as_deref().unwrap_or("")),
                &cell(d.note.as_deref().unwrap_or("")),
                d.model.as_deref().unwrap_or(""),
                &d.rank.map(|r| r.to_string()).unwrap_or_default(),
                &d.at,
            ])
            .map_err(io)?;
        }
        w.flush()?;
        Ok(rows.len())
    }
}

/// A record a hard limit excludes: the reason id to log and what the record says.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LimitHit {
    /// The record.
    pub record: i64,
    /// The reason id logged.
    pub reason: String,
    /// What the record says (its language, year or type).
    pub value: String,
}

impl Workspace {
    /// Applies hard limits at title and abstract: `check` says, for a record of the pool that no
    /// person and no limit has decided yet, the reason id it fails and what it says. Records the
    /// exclusions (unless `dry_run`) and returns them.
    pub fn apply_limits(
        &self,
        check: &dyn Fn(&concur_lit::Record) -> Option<(String, String)>,
        dry_run: bool,
    ) -> Result<Vec<LimitHit>> {
        let screening = self.screening(Stage::TitleAbstract)?;
        let pool: std::collections::HashSet<i64> = screening.pool.iter().copied().collect();
        let mut hits = Vec::new();
        self.each_record(&crate::Filter::default(), &mut |r| {
            let untouched = screening
                .states
                .get(&r.id)
                .is_none_or(|s| s.automatic.is_none() && s.reviewers.is_empty());
            if pool.contains(&r.id) && untouched {
                if let Some((reason, value)) = check(&r.record) {
                    hits.push(LimitHit {
                        record: r.id,
                        reason,
                        value,
                    });
                }
            }
            Ok(())
        })?;
        if !dry_run && !hits.is_empty() {
            let tx = self.conn.unchecked_transaction()?;
            for h in &hits {
                self.exclude_automatically(h.record, &h.reason, &h.value)?;
            }
            crate::workspace::log(
                &tx,
                "screen auto",
                &format!("{} record(s) excluded by hard limits", hits.len()),
            )?;
            tx.commit()?;
        }
        Ok(hits)
    }

    /// The records a person settled at title and abstract (a reviewer's verdict or a
    /// resolution, not a hard limit alone), with whether they moved on, in record order: a
    /// workspace's own labelled set.
    pub fn settled_by_people(&self) -> Result<Vec<(crate::StoredRecord, bool)>> {
        let screening = self.screening(Stage::TitleAbstract)?;
        let pool: std::collections::HashSet<i64> = screening.pool.iter().copied().collect();
        let mut out = Vec::new();
        self.each_record(&crate::Filter::default(), &mut |r| {
            let Some(state) = screening.states.get(&r.id) else {
                return Ok(());
            };
            if !pool.contains(&r.id) || (state.reviewers.is_empty() && state.resolution.is_none()) {
                return Ok(());
            }
            let relevant = match state.outcome {
                Outcome::Include | Outcome::Maybe => true,
                Outcome::Exclude => false,
                Outcome::Undecided | Outcome::Conflict => return Ok(()),
            };
            out.push((r, relevant));
            Ok(())
        })?;
        Ok(out)
    }
}
