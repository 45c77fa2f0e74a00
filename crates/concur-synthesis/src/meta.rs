//! `concur meta`: a meta-analysis of the user's own study table, read from CSV with located
//! errors and fitted with the review's statistics (plus leave-one-out and subgroups on request).

use crate::SynthesisError;
use concur_stats::{Analysis, Data, Measure, Pooling, Proportion, Spec, Subgroups, Test, TwoByTwo};
use std::fmt;

/// What to fit.
#[derive(Debug, Clone)]
pub struct MetaOptions {
    /// Effect measure.
    pub measure: Measure,
    /// Pooling method.
    pub pooling: Pooling,
    /// Test for the pooled estimate.
    pub test: Test,
    /// Confidence level in percent.
    pub level: f64,
    /// Also refit without each study in turn.
    pub leave_one_out: bool,
    /// Column of subgroup labels: fit each subgroup and test their differences.
    pub subgroup: Option<String>,
}

/// A fitted meta-analysis of a CSV.
#[derive(Debug, Clone)]
pub struct MetaResult {
    /// What was read.
    pub input: MetaInput,
    /// The fit of every study.
    pub fit: Analysis,
    /// The fit without each study in turn, in study order.
    pub leave_one_out: Option<Vec<Analysis>>,
    /// Subgroup fits and the test of their differences.
    pub subgroups: Option<Subgroups>,
}

/// Reads a CSV of studies (UTF-8 text) and fits the model.
pub fn meta(bytes: &[u8], options: &MetaOptions) -> Result<MetaResult, SynthesisError> {
    let text = std::str::from_utf8(bytes).map_err(|e| SynthesisError::NotUtf8 {
        offset: e.valid_up_to(),
    })?;
    let input = read_meta_csv(text, options.measure, options.subgroup.as_deref())?;
    let spec = Spec {
        measure: options.measure,
        pooling: options.pooling,
        test: options.test,
        level: options.level,
    };
    let fit = concur_stats::analyse(&input.data, &spec)?;
    let leave_one_out = if options.leave_one_out {
        Some(concur_stats::leave_one_out(&input.data, &spec).map_err(SynthesisError::LeaveOneOut)?)
    } else {
        None
    };
    let subgroups = match &input.groups {
        Some(g) => Some(concur_stats::subgroups(&input.data, g, &spec)?),
        None => None,
    };
    Ok(MetaResult {
        input,
        fit,
        leave_one_out,
        subgroups,
    })
}

/// A problem in the input CSV, located to line and column.
#[derive(Debug, Clone, PartialEq)]
pub struct CsvProblem {
    /// 1-based line in the file (the header is line 1).
    pub line: u64,
    /// Column name, when the problem is in a cell.
    pub column: Option<String>,
    /// The offending value, when there is one.
    pub value: Option<String>,
    /// What is wrong and what is expected.
    pub why: String,
}

impl fmt::Display for CsvProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}", self.line)?;
        if let Some(c) = &self.column {
            write!(f, ", column `{c}`")?;
        }
        if let Some(v) = &self.value {
            write!(f, ", value `{v}`")?;
        }
        write!(f, ": {}", self.why)
    }
}

impl std::error::Error for CsvProblem {}

/// Studies read from a CSV: labels, data, and optional subgroup labels.
#[derive(Debug, Clone)]
pub struct MetaInput {
    /// Study labels (the `study` column, or `study N`).
    pub labels: Vec<String>,
    /// The study data for the measure.
    pub data: Data,
    /// Values of the subgroup column, when one was asked for.
    pub groups: Option<Vec<String>>,
}

/// Reads the CSV text for a measure. Columns are matched by name, ignoring case and spaces.
pub fn read_meta_csv(
    text: &str,
    measure: Measure,
    subgroup: Option<&str>,
) -> Result<MetaInput, CsvProblem> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(false)
        .from_reader(text.as_bytes());
    let headers = reader.headers().map_err(|e| csv_error(&e, 1))?.clone();
    let find = |name: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(name));
    let wanted: Vec<&str> = match measure {
        m if m.is_proportion() => vec!["events", "total"],
        m if m.is_two_group() => vec!["events_t", "total_t", "events_c", "total_c"],
        Measure::Gen => vec!["yi"],
        _ => vec!["hr", "ci_lb", "ci_ub"],
    };
    let mut columns = Vec::new();
    for name in &wanted {
        columns.push(find(name).ok_or_else(|| CsvProblem {
            line: 1,
            column: None,
            value: None,
            why: format!(
                "the header has no `{name}` column; measure {} needs {}",
                measure.name(),
                concur_stats::analysis::columns(measure)
            ),
        })?);
    }
    let variance = if measure == Measure::Gen {
        match (find("vi"), find("sei")) {
            (Some(i), _) => Some((i, false)),
            (None, Some(i)) => Some((i, true)),
            (None, None) => return Err(CsvProblem {
                line: 1,
                column: None,
                value: None,
                why:
                    "measure GEN needs a `vi` (sampling variance) or `sei` (standard error) column"
                        .into(),
            }),
        }
    } else {
        None
    };
    let study_col = find("study");
    let group_col = match subgroup {
        Some(name) => Some(find(name).ok_or_else(|| CsvProblem {
            line: 1,
            column: Some(name.to_string()),
            value: None,
            why: format!(
                "no subgroup column `{name}` in the header ({})",
                headers.iter().collect::<Vec<_>>().join(", ")
            ),
        })?),
        None => None,
    };

    let mut labels = Vec::new();
    let mut groups = Vec::new();
    let mut rows: Vec<Vec<f64>> = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i as u64 + 2;
        let record = record.map_err(|e| csv_error(&e, line))?;
        let line = record.position().map_or(line, |p| p.line());
        let cell = |col: usize| record.get(col).unwrap_or("");
        let mut values = Vec::new();
        let mut all = columns.clone();
        if let Some((v, _)) = variance {
            all.push(v);
        }
        for &col in &all {
            let raw = cell(col);
            let name = headers.get(col).unwrap_or("?").to_string();
            let v: f64 = raw.parse().map_err(|_| CsvProblem {
                line,
                column: Some(name.clone()),
                value: Some(raw.to_string()),
                why: "expected a number".into(),
            })?;
            if !v.is_finite() {
                return Err(CsvProblem {
                    line,
                    column: Some(name),
                    value: Some(raw.to_string()),
                    why: "expected a finite number".into(),
                });
            }
            let is_count = matches!(
                name.to_ascii_lowercase().as_str(),
                "events" | "total" | "events_t" | "total_t" | "events_c" | "total_c"
            );
            if is_count && (v < 0.0 || v.fract() != 0.0) {
                return Err(CsvProblem {
                    line,
                    column: Some(name),
                    value: Some(raw.to_string()),
                    why: "expected a whole number of patients (0 or more)".into(),
                });
            }
            values.push(v);
        }
        check_row(measure, &values, &headers, &all, line)?;
        labels.push(study_col.map_or_else(|| format!("study {}", i + 1), |c| cell(c).to_string()));
        if let Some(g) = group_col {
            groups.push(cell(g).to_string());
        }
        rows.push(values);
    }
    if rows.is_empty() {
        return Err(CsvProblem {
            line: 1,
            column: None,
            value: None,
            why: "the file has a header but no studies".into(),
        });
    }
    let data = match measure {
        m if m.is_proportion() => Data::Proportions(
            rows.iter()
                .map(|r| Proportion {
                    events: r[0],
                    total: r[1],
                })
                .collect(),
        ),
        m if m.is_two_group() => Data::Tables(
            rows.iter()
                .map(|r| TwoByTwo {
                    events_t: r[0],
                    total_t: r[1],
                    events_c: r[2],
                    total_c: r[3],
                })
                .collect(),
        ),
        Measure::Gen => {
            let as_se = variance.is_some_and(|(_, se)| se);
            Data::Generic {
                yi: rows.iter().map(|r| r[0]).collect(),
                vi: rows
                    .iter()
                    .map(|r| if as_se { r[1] * r[1] } else { r[1] })
                    .collect(),
            }
        }
        _ => Data::HazardRatios(rows.iter().map(|r| (r[0], r[1], r[2])).collect()),
    };
    Ok(MetaInput {
        labels,
        data,
        groups: group_col.map(|_| groups),
    })
}

fn check_row(
    measure: Measure,
    v: &[f64],
    headers: &csv::StringRecord,
    cols: &[usize],
    line: u64,
) -> Result<(), CsvProblem> {
    let name = |i: usize| headers.get(cols[i]).map(str::to_string);
    let fail = |i: usize, why: &str| CsvProblem {
        line,
        column: name(i),
        value: Some(v[i].to_string()),
        why: why.to_string(),
    };
    match measure {
        m if m.is_proportion() => {
            if v[1] == 0.0 {
                return Err(fail(1, "total must be at least 1"));
            }
            if v[0] > v[1] {
                return Err(fail(0, "events cannot exceed total"));
            }
        }
        m if m.is_two_group() => {
            for (e, t) in [(0, 1), (2, 3)] {
                if v[t] == 0.0 {
                    return Err(fail(t, "a group total must be at least 1"));
                }
                if v[e] > v[t] {
                    return Err(fail(e, "events cannot exceed the group total"));
                }
            }
        }
        Measure::Gen => {
            if v[1] <= 0.0 {
                return Err(fail(
                    1,
                    "the sampling variance (or standard error) must be positive",
                ));
            }
        }
        _ => {
            if !(v[0] > 0.0 && v[1] > 0.0 && v[1] <= v[0] && v[0] <= v[2]) {
                return Err(fail(0, "needs 0 < ci_lb <= hr <= ci_ub"));
            }
        }
    }
    Ok(())
}

fn csv_error(e: &csv::Error, line: u64) -> CsvProblem {
    let line = e.position().map_or(line, |p| p.line());
    let why = match e.kind() {
        csv::ErrorKind::Utf8 { .. } => "the file is not valid UTF-8 text".to_string(),
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => {
            format!("this row has {len} fields but the header has {expected_len}")
        }
        _ => e.to_string(),
    };
    CsvProblem {
        line,
        column: None,
        value: None,
        why,
    }
}
