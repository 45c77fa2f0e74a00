//! `concur meta` and `concur proportion`: reading a study CSV with located errors, and rendering a
//! fitted model as JSON (the documented shape) or as a readable summary with a text forest plot.

use concur_stats::{
    Analysis, Data, Measure, Pooling, Proportion, ProportionIntervals, Subgroups, Test, TwoByTwo,
};
use serde_json::{json, Value};
use std::fmt;

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

/// Non-finite numbers become JSON null.
fn n(v: f64) -> Value {
    if v.is_finite() {
        json!(v)
    } else {
        Value::Null
    }
}

fn on(v: Option<f64>) -> Value {
    v.map_or(Value::Null, n)
}

/// A fitted model in the documented JSON shape (docs/cli.md).
pub fn analysis_json(fit: &Analysis, labels: &[String]) -> Value {
    json!({
        "k": fit.k,
        "measure": fit.spec.measure.name(),
        "method": fit.spec.pooling.name(),
        "test": fit.spec.test.name(),
        "level": fit.spec.level,
        "estimate": n(fit.estimate),
        "se": n(fit.se),
        "ci_lb": n(fit.ci_lb),
        "ci_ub": n(fit.ci_ub),
        "stat": n(fit.stat),
        "p": n(fit.p),
        "df": on(fit.df),
        "tau2": on(fit.tau2),
        "tau2_ci": fit.tau2_ci.map_or(Value::Null, |[a, b]| json!([n(a), n(b)])),
        "i2": on(fit.i2),
        "h2": on(fit.h2),
        "q": n(fit.q),
        "q_df": fit.q_df,
        "q_p": on(fit.q_p),
        "pi_lb": on(fit.pi_lb),
        "pi_ub": on(fit.pi_ub),
        "transformed": fit.transformed.map_or(Value::Null, |t| json!({
            "estimate": n(t.estimate),
            "ci_lb": n(t.ci_lb),
            "ci_ub": n(t.ci_ub),
            "pi_lb": on(t.pi_lb),
            "pi_ub": on(t.pi_ub),
        })),
        "studies": fit.studies.iter().zip(labels).map(|(s, label)| json!({
            "study": label,
            "yi": n(s.yi),
            "vi": n(s.vi),
            "weight": n(s.weight),
        })).collect::<Vec<_>>(),
    })
}

/// Leave-one-out results as JSON: one entry per omitted study.
pub fn leave_one_out_json(fits: &[Analysis], labels: &[String]) -> Value {
    Value::Array(
        fits.iter()
            .zip(labels)
            .map(|(f, omitted)| {
                let mut v = analysis_json(f, &[]);
                if let Value::Object(m) = &mut v {
                    m.remove("studies");
                    m.insert("omitted".into(), json!(omitted));
                }
                v
            })
            .collect(),
    )
}

/// Subgroup results as JSON.
pub fn subgroups_json(s: &Subgroups) -> Value {
    json!({
        "groups": s.groups.iter().map(|(name, f)| {
            let mut v = analysis_json(f, &[]);
            if let Value::Object(m) = &mut v {
                m.remove("studies");
                m.insert("group".into(), json!(name));
            }
            v
        }).collect::<Vec<_>>(),
        "q_between": n(s.q_between),
        "q_between_df": s.q_between_df,
        "q_between_p": n(s.q_between_p),
    })
}

fn natural(measure: Measure) -> &'static str {
    match measure {
        m if m.is_proportion() => "proportion",
        Measure::Rr => "risk ratio",
        Measure::Or => "odds ratio",
        Measure::Hr => "hazard ratio",
        Measure::Rd => "risk difference",
        _ => "estimate",
    }
}

fn f4(v: f64) -> String {
    if v.is_finite() {
        format!("{v:.4}")
    } else {
        "-".into()
    }
}

fn pval(p: f64) -> String {
    if p < 1e-4 {
        "<.0001".into()
    } else {
        format!("{p:.4}")
    }
}

/// A readable summary with a text forest plot.
pub fn analysis_text(fit: &Analysis, input: &MetaInput) -> String {
    let m = fit.spec.measure;
    let mut out = String::new();
    let method = match fit.spec.pooling {
        Pooling::InverseVariance(concur_stats::Method::Ee) => "equal-effects model".to_string(),
        Pooling::InverseVariance(me) => {
            format!("random-effects model (tau² estimator {})", me.name())
        }
        Pooling::MantelHaenszel => "Mantel-Haenszel (equal effects)".into(),
        Pooling::Peto => "Peto's method (equal effects)".into(),
        Pooling::Glmm => "random-effects logistic-normal model (GLMM)".into(),
    };
    out.push_str(&format!("{method}, k = {}, measure {}", fit.k, m.name()));
    if fit.spec.test == Test::Knha {
        out.push_str(", Hartung-Knapp test");
    }
    out.push('\n');
    if let Some(tau2) = fit.tau2 {
        let ci = fit
            .tau2_ci
            .map_or(String::new(), |[a, b]| format!(" [{}, {}]", f4(a), f4(b)));
        out.push_str(&format!("tau² = {}{ci}", f4(tau2)));
        out.push_str(&format!(
            "   I² = {}%   H² = {}\n",
            fit.i2.map_or("-".into(), |v| format!("{v:.2}")),
            fit.h2.map_or("-".into(), |v| format!("{v:.2}"))
        ));
    } else {
        out.push_str(&format!(
            "I² = {}%   H² = {}\n",
            fit.i2.map_or("-".into(), |v| format!("{v:.2}")),
            fit.h2.map_or("-".into(), |v| format!("{v:.2}"))
        ));
    }
    out.push_str(&format!(
        "heterogeneity: Q({}) = {}, p = {}\n\n",
        fit.q_df,
        f4(fit.q),
        fit.q_p.map_or("-".into(), pval)
    ));
    let stat = if fit.df.is_some() {
        format!("t({})", fit.df.unwrap_or(0.0))
    } else {
        "z".into()
    };
    out.push_str(&format!(
        "estimate {}  se {}  {stat} {}  p {}  {}% CI [{}, {}]\n",
        f4(fit.estimate),
        f4(fit.se),
        f4(fit.stat),
        pval(fit.p),
        fit.spec.level,
        f4(fit.ci_lb),
        f4(fit.ci_ub)
    ));
    if let (Some(a), Some(b)) = (fit.pi_lb, fit.pi_ub) {
        out.push_str(&format!("prediction interval [{}, {}]\n", f4(a), f4(b)));
    }
    if let Some(t) = fit.transformed {
        out.push_str(&format!(
            "as {}: {}  CI [{}, {}]",
            natural(m),
            f4(t.estimate),
            f4(t.ci_lb),
            f4(t.ci_ub)
        ));
        if let (Some(a), Some(b)) = (t.pi_lb, t.pi_ub) {
            out.push_str(&format!("  PI [{}, {}]", f4(a), f4(b)));
        }
        out.push('\n');
    }
    out.push('\n');
    out.push_str(&forest(fit, input));
    out
}

/// A text forest plot on the natural scale.
fn forest(fit: &Analysis, input: &MetaInput) -> String {
    const WIDTH: usize = 40;
    let m = fit.spec.measure;
    let z = concur_stats::effect::z_crit(fit.spec.level);
    let sizes: Vec<f64> = match &input.data {
        Data::Proportions(p) => p.iter().map(|x| x.total).collect(),
        Data::Tables(t) => t.iter().map(|x| x.total_t + x.total_c).collect(),
        _ => vec![f64::NAN; fit.k],
    };
    let rows: Vec<[f64; 3]> = fit
        .studies
        .iter()
        .zip(&sizes)
        .map(|(s, size)| concur_stats::effect::study_interval(m, s.yi, s.vi, *size, z))
        .collect();
    let pooled = fit
        .transformed
        .map_or([fit.estimate, fit.ci_lb, fit.ci_ub], |t| {
            [t.estimate, t.ci_lb, t.ci_ub]
        });
    let log_axis = matches!(m, Measure::Rr | Measure::Or | Measure::Hr);
    let tx = |v: f64| if log_axis { v.ln() } else { v };
    let finite: Vec<f64> = rows
        .iter()
        .flatten()
        .chain(pooled.iter())
        .map(|v| tx(*v))
        .filter(|v| v.is_finite())
        .collect();
    let (lo, hi) = finite
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(*v), b.max(*v))
        });
    let span = if hi > lo { hi - lo } else { 1.0 };
    let pos = |v: f64| -> Option<usize> {
        let x = tx(v);
        x.is_finite().then(|| {
            (((x - lo) / span) * (WIDTH - 1) as f64)
                .round()
                .clamp(0.0, (WIDTH - 1) as f64) as usize
        })
    };
    let bar = |r: [f64; 3], mark: char| -> String {
        let mut line = vec![' '; WIDTH];
        if let (Some(a), Some(b)) = (pos(r[1]), pos(r[2])) {
            for c in line.iter_mut().take(b + 1).skip(a) {
                *c = '-';
            }
            line[a] = '[';
            line[b] = ']';
        }
        if let Some(p) = pos(r[0]) {
            line[p] = mark;
        }
        line.into_iter().collect()
    };
    let label_w = input
        .labels
        .iter()
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(5)
        .clamp(5, 28);
    let mut out = String::new();
    for ((label, r), s) in input.labels.iter().zip(&rows).zip(&fit.studies) {
        let short: String = label.chars().take(label_w).collect();
        let weight = if s.weight.is_finite() {
            format!("{:5.1}%", s.weight)
        } else {
            "     -".into()
        };
        out.push_str(&format!(
            "{short:<label_w$}  {}  {:>8} [{:>8}, {:>8}]  {weight}\n",
            bar(*r, '■'),
            f4(r[0]),
            f4(r[1]),
            f4(r[2])
        ));
    }
    out.push_str(&format!(
        "{:<label_w$}  {}  {:>8} [{:>8}, {:>8}]\n",
        "pooled",
        bar(pooled, '◆'),
        f4(pooled[0]),
        f4(pooled[1]),
        f4(pooled[2])
    ));
    out
}

/// The four single-proportion intervals as JSON.
pub fn proportion_json(p: &ProportionIntervals, level: f64) -> Value {
    json!({
        "events": p.events,
        "total": p.total,
        "level": level,
        "estimate": p.estimate,
        "clopper_pearson": p.clopper_pearson,
        "wilson": p.wilson,
        "jeffreys": p.jeffreys,
        "agresti_coull": p.agresti_coull,
    })
}

/// The four single-proportion intervals as text.
pub fn proportion_text(p: &ProportionIntervals, level: f64) -> String {
    let mut out = format!(
        "{}/{} = {:.4} ({:.1}%)\n{level}% confidence intervals:\n",
        p.events,
        p.total,
        p.estimate,
        p.estimate * 100.0
    );
    for (name, [a, b]) in [
        ("Clopper-Pearson (exact)", p.clopper_pearson),
        ("Wilson", p.wilson),
        ("Jeffreys", p.jeffreys),
        ("Agresti-Coull", p.agresti_coull),
    ] {
        out.push_str(&format!(
            "  {name:<24} {a:.4} to {b:.4}  ({:.1}% to {:.1}%)\n",
            a * 100.0,
            b * 100.0
        ));
    }
    out
}
