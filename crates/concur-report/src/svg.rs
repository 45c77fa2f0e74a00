//! SVG figures: forest plots and the PRISMA 2020 flow diagram. Hand-written: the layouts are
//! fixed and small, and a plotting crate would add weight for two figures.

use crate::render::fmt_natural;
use concur_evidence::AnalysisKind;
use concur_stats::effect::{study_interval, z_crit};
use concur_stats::Measure;
use concur_synthesis::{AnalysisRun, PrismaFlow, PrismaSource};

/// Escapes text for SVG and HTML.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn text(x: f64, y: f64, anchor: &str, weight: &str, content: &str) -> String {
    format!(
        "<text x=\"{x:.1}\" y=\"{y:.1}\" text-anchor=\"{anchor}\" font-weight=\"{weight}\">{}</text>\n",
        escape(content)
    )
}

/// A forest plot of the primary model: study, events/N, estimate with interval on the natural
/// scale, weight, pooled diamond, prediction interval and a heterogeneity line.
pub fn forest(run: &AnalysisRun<'_>) -> Option<String> {
    let primary = run.models.iter().find(|m| m.primary)?;
    let fit = primary.result.as_ref().ok()?;
    let m = fit.spec.measure;
    let z = z_crit(fit.spec.level);
    let comparison = run.decl.kind == AnalysisKind::Comparison;
    let log_axis = matches!(m, Measure::Rr | Measure::Or | Measure::Hr);
    let rows: Vec<(String, String, [f64; 3], f64)> = run
        .rows
        .iter()
        .zip(&fit.studies)
        .map(|(r, s)| {
            let size = f64::from(r.group.total);
            let counts = match &r.control {
                Some(c) => format!(
                    "{}/{} vs {}/{}",
                    r.group.events, r.group.total, c.events, c.total
                ),
                None => format!("{}/{}", r.group.events, r.group.total),
            };
            (
                r.label.clone(),
                counts,
                study_interval(m, s.yi, s.vi, size, z),
                s.weight,
            )
        })
        .collect();
    let pooled = fit.transformed.map_or(
        [fit.pooled.estimate, fit.pooled.ci_lb, fit.pooled.ci_ub],
        |t| [t.estimate, t.ci_lb, t.ci_ub],
    );
    let pi = fit
        .transformed
        .and_then(|t| Some([t.pi_lb?, t.pi_ub?]))
        .filter(|_| fit.k > 1);
    let tx = |v: f64| if log_axis { v.max(1e-3).ln() } else { v };
    let mut values: Vec<f64> = rows
        .iter()
        .flat_map(|r| r.2)
        .chain(pooled)
        .chain(pi.into_iter().flatten())
        .filter(|v| v.is_finite())
        .map(tx)
        .collect();
    // Show the null (ratio 1, on the log axis) and a risk of 0.
    if log_axis || m.is_proportion() {
        values.push(0.0);
    }
    let (mut lo, mut hi) = values
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(*v), b.max(*v))
        });
    if m.is_proportion() {
        lo = lo.max(0.0);
        hi = hi.min(1.0).max(lo + 0.05);
    }
    if hi - lo < 1e-9 {
        hi = lo + 1.0;
    }
    let (plot_x, plot_w) = (360.0, 300.0);
    let px = |v: f64| plot_x + (tx(v) - lo) / (hi - lo) * plot_w;
    let row_h = 22.0;
    let top = 50.0;
    let height = top + row_h * (rows.len() as f64 + 4.0) + 40.0;
    let width = 900.0;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height:.0}\" viewBox=\"0 0 {width} {height:.0}\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\" role=\"img\" aria-label=\"{}\">\n",
        escape(&format!("Forest plot: {}", run.decl.title))
    );
    svg.push_str(&format!(
        "<rect width=\"{width}\" height=\"{height:.0}\" fill=\"white\"/>\n"
    ));
    svg.push_str(&text(10.0, 18.0, "start", "bold", &run.decl.title));
    let head = top - 10.0;
    svg.push_str(&text(10.0, head, "start", "bold", "Study"));
    svg.push_str(&text(
        250.0,
        head,
        "start",
        "bold",
        if comparison {
            "Events/N (vs control)"
        } else {
            "Events/N"
        },
    ));
    svg.push_str(&text(
        plot_x + plot_w + 90.0,
        head,
        "middle",
        "bold",
        &format!("{} [95% CI]", crate::render::natural_name(m)),
    ));
    svg.push_str(&text(width - 20.0, head, "end", "bold", "Weight"));
    let max_w = rows
        .iter()
        .map(|r| r.3)
        .filter(|w| w.is_finite())
        .fold(0.0, f64::max);
    for (i, (label, counts, est, w)) in rows.iter().enumerate() {
        let y = top + row_h * (i as f64 + 0.5);
        svg.push_str(&text(10.0, y + 4.0, "start", "normal", label));
        svg.push_str(&text(250.0, y + 4.0, "start", "normal", counts));
        if est.iter().all(|v| v.is_finite()) {
            svg.push_str(&format!(
                "<line x1=\"{:.1}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" stroke=\"black\"/>\n",
                px(est[1]).max(plot_x),
                px(est[2]).min(plot_x + plot_w)
            ));
            let side = if w.is_finite() && max_w > 0.0 {
                4.0 + 8.0 * (w / max_w).sqrt()
            } else {
                7.0
            };
            svg.push_str(&format!(
                "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{side:.1}\" height=\"{side:.1}\" fill=\"#1f4e79\"/>\n",
                px(est[0]) - side / 2.0,
                y - side / 2.0
            ));
        }
        svg.push_str(&text(
            plot_x + plot_w + 90.0,
            y + 4.0,
            "middle",
            "normal",
            &interval_label(m, *est),
        ));
        let wt = if w.is_finite() {
            format!("{w:.1}%")
        } else {
            "-".into()
        };
        svg.push_str(&text(width - 20.0, y + 4.0, "end", "normal", &wt));
    }
    let y = top + row_h * (rows.len() as f64 + 0.8);
    svg.push_str(&format!(
        "<polygon points=\"{:.1},{y:.1} {:.1},{:.1} {:.1},{y:.1} {:.1},{:.1}\" fill=\"#c00000\"/>\n",
        px(pooled[1]),
        px(pooled[0]),
        y - 7.0,
        px(pooled[2]),
        px(pooled[0]),
        y + 7.0
    ));
    let model = crate::render::model_name(primary);
    svg.push_str(&text(
        10.0,
        y + 4.0,
        "start",
        "bold",
        &format!("Pooled ({model})"),
    ));
    svg.push_str(&text(
        plot_x + plot_w + 90.0,
        y + 4.0,
        "middle",
        "bold",
        &interval_label(m, pooled),
    ));
    let mut y2 = y + row_h;
    if let Some([a, b]) = pi {
        svg.push_str(&format!(
            "<line x1=\"{:.1}\" y1=\"{y2:.1}\" x2=\"{:.1}\" y2=\"{y2:.1}\" stroke=\"#c00000\" stroke-dasharray=\"4 3\"/>\n",
            px(a).max(plot_x),
            px(b).min(plot_x + plot_w)
        ));
        svg.push_str(&text(
            10.0,
            y2 + 4.0,
            "start",
            "normal",
            "Prediction interval",
        ));
        svg.push_str(&text(
            plot_x + plot_w + 90.0,
            y2 + 4.0,
            "middle",
            "normal",
            &format!("[{}, {}]", fmt_natural(m, a), fmt_natural(m, b)),
        ));
        y2 += row_h;
    }
    let het = match (fit.tau2, fit.i2) {
        _ if fit.k < 2 => "Heterogeneity: not applicable (one study)".to_string(),
        (Some(t), Some(i)) => format!(
            "Heterogeneity: tau² = {t:.3}, I² = {i:.0}%, Q = {:.2} (df {}), p = {:.3}",
            fit.q,
            fit.q_df,
            fit.q_p.unwrap_or(f64::NAN)
        ),
        (None, Some(i)) => format!(
            "Heterogeneity: I² = {i:.0}%, Q = {:.2} (df {}), p = {:.3}",
            fit.q,
            fit.q_df,
            fit.q_p.unwrap_or(f64::NAN)
        ),
        _ => String::new(),
    };
    svg.push_str(&text(10.0, y2 + 4.0, "start", "normal", &het));
    // Axis.
    let base = y2 + 16.0;
    svg.push_str(&format!(
        "<line x1=\"{plot_x}\" y1=\"{base:.1}\" x2=\"{:.1}\" y2=\"{base:.1}\" stroke=\"black\"/>\n",
        plot_x + plot_w
    ));
    let ticks: Vec<f64> = if log_axis {
        [0.01f64, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 10.0, 100.0]
            .into_iter()
            .filter(|t| (lo..=hi).contains(&t.ln()))
            .collect()
    } else {
        // Round ticks: the first step of 1, 2, 2.5 or 5 times a power of ten giving at most 6.
        let raw = (hi - lo) / 5.0;
        let power = 10f64.powf(raw.log10().floor());
        let step = [1.0, 2.0, 2.5, 5.0, 10.0]
            .iter()
            .map(|m| m * power)
            .find(|s| (hi - lo) / s <= 6.0)
            .unwrap_or(10.0 * power);
        let first = (lo / step).ceil() as i64;
        let last = (hi / step).floor() as i64;
        (first..=last).map(|i| i as f64 * step).collect()
    };
    for t in ticks {
        let x = px(t);
        svg.push_str(&format!(
            "<line x1=\"{x:.1}\" y1=\"{base:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"black\"/>\n",
            base + 4.0
        ));
        svg.push_str(&text(
            x,
            base + 16.0,
            "middle",
            "normal",
            &fmt_natural(m, t),
        ));
    }
    if log_axis && (lo..=hi).contains(&0.0) {
        let x = px(1.0);
        svg.push_str(&format!("<line x1=\"{x:.1}\" y1=\"{top:.1}\" x2=\"{x:.1}\" y2=\"{base:.1}\" stroke=\"#888\" stroke-dasharray=\"2 2\"/>\n"));
    }
    svg.push_str("</svg>\n");
    Some(svg)
}

/// The PRISMA 2020 flow diagram (unknown counts are shown as not reported, never invented; boxes
/// a workspace has no data for yet say so).
pub fn prisma(p: &PrismaFlow) -> String {
    let workspace = matches!(p.source, PrismaSource::Workspace { .. });
    let missing = if workspace {
        "not recorded yet"
    } else {
        "not reported"
    };
    let count = |v: Option<u64>| v.map_or(missing.to_string(), |n| n.to_string());
    let identified = match &p.source {
        PrismaSource::Workspace { identified, .. } => format!(
            "Records identified: {} ({})",
            count(p.records_identified),
            identified
                .iter()
                .map(|(source, n)| format!("{source} {n}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        PrismaSource::Review { .. } => format!(
            "Records identified ({}): {}",
            p.databases.join(", "),
            count(p.records_identified)
        ),
    };
    let screened = match p.awaiting_screening {
        Some(n) => format!(
            "Records screened: {}; {n} await screening",
            count(p.records_screened)
        ),
        None => format!("Records screened: {}", count(p.records_screened)),
    };
    let i = &p.included;
    let mut included = format!(
        "Publications in the review: {}: {} with toxicity or feasibility data, {} with efficacy data only, {} systematic reviews, {} preclinical ({} with unverified items)",
        p.included(),
        i.with_toxicity,
        i.efficacy_only,
        i.systematic_reviews,
        i.preclinical,
        i.unverified
    );
    let reasons = |list: &[(String, u64)]| {
        if list.is_empty() {
            String::new()
        } else {
            format!(
                " ({})",
                list.iter()
                    .map(|(r, n)| format!("{r}: {n}"))
                    .collect::<Vec<_>>()
                    .join("; ")
            )
        }
    };
    let mut removed = format!("Duplicates removed: {}", count(p.duplicates_removed));
    let mut excluded = format!("Records excluded: {}", count(p.records_excluded));
    let mut assessed = format!(
        "Reports assessed for eligibility: {}",
        count(p.reports_assessed)
    );
    let mut reports_excluded = format!("Reports excluded: {}", count(p.reports_excluded));
    if let Some(sd) = &p.screening {
        let auto: u64 = sd.excluded_automatically.iter().map(|(_, n)| n).sum();
        removed.push_str(&format!(
            "; marked ineligible by the review's hard limits: {auto}{}",
            reasons(&sd.excluded_automatically)
        ));
        excluded.push_str(&reasons(&sd.records_excluded));
        if sd.conflicts > 0 {
            excluded.push_str(&format!("; {} in conflict, to resolve", sd.conflicts));
        }
        assessed = format!(
            "Reports sought for retrieval: {}; assessed for eligibility: {}; {} await assessment",
            sd.reports_sought,
            count(p.reports_assessed),
            sd.reports_awaiting
        );
        reports_excluded.push_str(&reasons(&sd.reports_excluded));
        if sd.reports_unsettled > 0 {
            reports_excluded.push_str(&format!("; {} unsure or in conflict", sd.reports_unsettled));
        }
        included = format!(
            "Reports included from the workspace: {}. {included}",
            sd.reports_included
        );
    }
    let boxes = [
        ("Identification", identified, removed),
        ("Screening", screened, excluded),
        ("Eligibility", assessed, reports_excluded),
        ("Included", included, String::new()),
    ];
    // Wrapped to the boxes' widths at about 6.2 px a character at 12 px.
    let (main_chars, side_chars, note_chars) = (52, 44, 130);
    let note = wrap(&crate::words::prisma_note(p), note_chars);
    // Each box is as tall as its longer text needs, at least 60 px.
    let heights: Vec<f64> = boxes
        .iter()
        .map(|(_, main, side)| {
            let rows = wrap(main, main_chars)
                .len()
                .max(wrap(side, side_chars).len());
            (14.0 * rows as f64 + 12.0).max(60.0)
        })
        .collect();
    let boxes_end = 40.0 + heights.iter().sum::<f64>() + 25.0 * (heights.len() as f64 - 1.0);
    let (w, h) = (820.0, boxes_end + 40.0 + 16.0 * note.len() as f64);
    let mut svg = format!("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\" role=\"img\" aria-label=\"PRISMA 2020 flow diagram\">\n<rect width=\"{w}\" height=\"{h}\" fill=\"white\"/>\n");
    svg.push_str(&text(
        10.0,
        20.0,
        "start",
        "bold",
        "PRISMA 2020 flow diagram",
    ));
    let lines = |x: f64, y: f64, bh: f64, content: &str, chars: usize| {
        let rows = wrap(content, chars);
        let top = y + bh / 2.0 + 4.0 - 7.0 * (rows.len() as f64 - 1.0);
        rows.iter()
            .enumerate()
            .map(|(k, row)| text(x, top + 14.0 * k as f64, "start", "normal", row))
            .collect::<String>()
    };
    let mut y = 40.0;
    for (k, (stage, main, side)) in boxes.iter().enumerate() {
        let bh = heights[k];
        svg.push_str(&format!("<rect x=\"10\" y=\"{y}\" width=\"110\" height=\"{bh}\" fill=\"#dbe5f1\" stroke=\"#1f4e79\"/>\n"));
        svg.push_str(&text(65.0, y + bh / 2.0 + 4.0, "middle", "bold", stage));
        svg.push_str(&format!("<rect x=\"140\" y=\"{y}\" width=\"340\" height=\"{bh}\" fill=\"white\" stroke=\"black\"/>\n"));
        svg.push_str(&lines(150.0, y, bh, main, main_chars));
        if !side.is_empty() {
            svg.push_str(&format!("<rect x=\"520\" y=\"{y}\" width=\"290\" height=\"{bh}\" fill=\"white\" stroke=\"black\"/>\n"));
            svg.push_str(&lines(530.0, y, bh, side, side_chars));
            svg.push_str(&format!(
                "<line x1=\"480\" y1=\"{0}\" x2=\"520\" y2=\"{0}\" stroke=\"black\"/>\n",
                y + bh / 2.0
            ));
        }
        if k + 1 < boxes.len() {
            svg.push_str(&format!(
                "<line x1=\"310\" y1=\"{}\" x2=\"310\" y2=\"{}\" stroke=\"black\"/>\n",
                y + bh,
                y + bh + 25.0
            ));
        }
        y += bh + 25.0;
    }
    for (k, row) in note.iter().enumerate() {
        svg.push_str(&text(
            10.0,
            boxes_end + 35.0 + 16.0 * k as f64,
            "start",
            "normal",
            row,
        ));
    }
    svg.push_str("</svg>\n");
    svg
}

/// Text cut into lines of at most `width` characters, between words (a word longer than a line
/// stands alone on its line).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// "estimate [lower, upper]" on the natural scale, as the right-hand column shows it.
fn interval_label(m: Measure, [estimate, lower, upper]: [f64; 3]) -> String {
    format!(
        "{} [{}, {}]",
        fmt_natural(m, estimate),
        fmt_natural(m, lower),
        fmt_natural(m, upper)
    )
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn wrapping_cuts_between_words_never_inside_one() {
        let lines = wrap(
            "Counts from the workspace: identified embase 5, pubmed 7",
            20,
        );
        assert_eq!(
            lines,
            [
                "Counts from the",
                "workspace:",
                "identified embase 5,",
                "pubmed 7"
            ]
        );
        assert!(lines.iter().all(|l| l.chars().count() <= 20));
        assert_eq!(
            wrap("supercalifragilistic word", 5),
            ["supercalifragilistic", "word"]
        );
    }
}
