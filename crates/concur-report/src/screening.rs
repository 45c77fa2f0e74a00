//! Screening simulations in words and as recall curves.

use crate::svg::escape;
use concur_screen::Simulation;

/// The simulation as a table: one row per seed and the mean.
pub fn simulation_text(s: &Simulation) -> String {
    let mut out = format!(
        "{} records, {} relevant; {} run(s). BUSCAR: recall target 95 %, confidence 95 %.\n\n",
        s.records,
        s.relevant,
        s.runs.len()
    );
    out.push_str(&format!(
        "{:>6} {:>7} {:>7} {:>7} {:>7} {:>7} {:>8} {:>8} {:>8} {:>8} {:>8}\n",
        "seed",
        "WSS@95",
        "WSS@100",
        "RRF@10",
        "ATD",
        "loss",
        "to 95%",
        "BUSCAR",
        "recall",
        "step ms",
        "wall s"
    ));
    for r in &s.runs {
        let m = &r.metrics;
        out.push_str(&format!(
            "{:>6} {:>7.3} {:>7.3} {:>7.3} {:>7.3} {:>7.3} {:>8} {:>8} {:>8} {:>8.3} {:>8.2}\n",
            r.seed,
            m.wss95,
            m.wss100,
            m.rrf10,
            m.atd,
            m.loss,
            m.screened_to_95,
            r.buscar_stop.map_or("never".into(), |n| n.to_string()),
            r.recall_at_buscar_stop
                .map_or("-".into(), |x| format!("{:.3}", x)),
            r.step_ms,
            r.wall_s
        ));
    }
    let m = &s.mean;
    out.push_str(&format!(
        "{:>6} {:>7.3} {:>7.3} {:>7.3} {:>7.3} {:>7.3} {:>8.1} {:>8.1} {:>8.3} {:>8.3} {:>8.2}\n",
        "mean",
        m.wss95,
        m.wss100,
        m.rrf10,
        m.atd,
        m.loss,
        m.screened_to_95,
        m.buscar_stop,
        m.recall_at_buscar_stop,
        m.step_ms,
        m.wall_s
    ));
    out.push_str(
        "\nWSS: share of records not screened at that recall, less the share random order would \
         save. BUSCAR stops when the chance of having missed 5 % of the relevant records is under \
         5 %; a simulation replays known labels and does not replace screening.\n",
    );
    out
}

/// Recall curves of every run, with the perfect and the random (diagonal) orders.
pub fn recall_svg(s: &Simulation) -> String {
    let (w, h, left, top, size) = (640.0, 480.0, 60.0, 30.0, 380.0);
    let x = |n: f64| left + size * 1.4 * n / s.records.max(1) as f64;
    let y = |r: f64| top + size * (1.0 - r);
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" font-family=\"sans-serif\" font-size=\"12\">\n"
    );
    svg.push_str(&format!(
        "<rect x=\"{left}\" y=\"{top}\" width=\"{:.1}\" height=\"{size}\" fill=\"none\" stroke=\"#999\"/>\n",
        size * 1.4
    ));
    let relevant = s.relevant.max(1) as f64;
    // Random order: recall grows in proportion to records screened.
    svg.push_str(&format!(
        "<line x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"#bbb\" stroke-dasharray=\"4 3\"/>\n",
        x(0.0),
        y(0.0),
        x(s.records as f64),
        y(1.0)
    ));
    svg.push_str(&format!(
        "<polyline points=\"{:.1},{:.1} {:.1},{:.1} {:.1},{:.1}\" fill=\"none\" stroke=\"#2a7\" stroke-dasharray=\"2 2\"/>\n",
        x(0.0),
        y(0.0),
        x(relevant),
        y(1.0),
        x(s.records as f64),
        y(1.0)
    ));
    for r in &s.runs {
        let mut found = 0.0;
        let mut points = format!("{:.1},{:.1}", x(0.0), y(0.0));
        for (i, &rel) in r.order.iter().enumerate() {
            if rel {
                found += 1.0;
                points.push_str(&format!(
                    " {:.1},{:.1}",
                    x(i as f64 + 1.0),
                    y(found / relevant)
                ));
            }
        }
        points.push_str(&format!(
            " {:.1},{:.1}",
            x(s.records as f64),
            y(found / relevant)
        ));
        svg.push_str(&format!(
            "<polyline points=\"{points}\" fill=\"none\" stroke=\"#c33\" stroke-opacity=\"0.6\"/>\n"
        ));
        if let Some(stop) = r.buscar_stop {
            svg.push_str(&format!(
                "<line x1=\"{0:.1}\" y1=\"{1:.1}\" x2=\"{0:.1}\" y2=\"{2:.1}\" stroke=\"#36c\" stroke-opacity=\"0.5\"/>\n",
                x(stop as f64),
                y(0.0),
                y(1.0)
            ));
        }
    }
    for (tx, ty, anchor, label) in [
        (
            left + size * 0.7,
            h - 40.0,
            "middle",
            format!("records screened (of {})", s.records),
        ),
        (
            left,
            top - 10.0,
            "start",
            format!("recall ({} relevant)", s.relevant),
        ),
        (
            left + size * 1.4,
            top - 10.0,
            "end",
            "red: runs; green: perfect; grey: random; blue: BUSCAR stop".to_string(),
        ),
    ] {
        svg.push_str(&format!(
            "<text x=\"{tx:.1}\" y=\"{ty:.1}\" text-anchor=\"{anchor}\">{}</text>\n",
            escape(&label)
        ));
    }
    svg.push_str("</svg>\n");
    svg
}

/// The stopping indicator in words: BUSCAR first, each rule explained in a sentence, the
/// random-sample prompt when no sample was screened, and the run of irrelevant records last,
/// labelled as the weaker heuristic it is.
pub fn stopping_lines(s: &concur_screen::Stopping) -> Vec<String> {
    let pct = |x: f64| format!("{:.0} %", x * 100.0);
    let mut out = vec![format!(
        "Screened {} of {} records; {} relevant (included or maybe).",
        s.screened, s.records, s.relevant
    )];
    let buscar = match s.buscar_p {
        None => format!(
            "BUSCAR (recall {}, confidence {}): no relevant record yet, so no test. BUSCAR asks \
             whether the records screened last could have missed {} of the relevant ones; it \
             says stop only when that is unlikely.",
            pct(s.recall_target),
            pct(s.confidence),
            pct(1.0 - s.recall_target)
        ),
        Some(p) if s.buscar_stop => format!(
            "BUSCAR (recall {}, confidence {}): p = {p:.3}, under {:.2}: screening may stop. \
             It is unlikely that recall is below {}.",
            pct(s.recall_target),
            pct(s.confidence),
            1.0 - s.confidence,
            pct(s.recall_target)
        ),
        Some(p) => format!(
            "BUSCAR (recall {}, confidence {}): p = {p:.3}, not under {:.2}: keep screening. \
             It cannot yet be ruled out that recall is below {}.",
            pct(s.recall_target),
            pct(s.confidence),
            1.0 - s.confidence,
            pct(s.recall_target)
        ),
    };
    out.push(buscar);
    if s.random_sample == 0 {
        out.push(
            "No random sample screened yet: screen one first; it estimates how many relevant \
             records there are, which the recall estimate needs."
                .into(),
        );
    } else {
        out.push(match s.estimated_recall {
            Some(r) => format!(
                "Estimated recall {} (from a random sample of {} with {} relevant; a rough guide \
                 beside BUSCAR).",
                pct(r),
                s.random_sample,
                s.random_relevant
            ),
            None => format!(
                "Random sample of {} held no relevant record: too few to estimate recall.",
                s.random_sample
            ),
        });
    }
    out.push(format!(
        "{} irrelevant in a row since the last relevant record (a heuristic that often stops too \
         early; do not stop on it alone).",
        s.irrelevant_in_a_row
    ));
    out
}

/// Agreement between two reviewers in words.
pub fn agreement_text(
    first: &str,
    second: &str,
    a: &concur_screen::Agreement,
    only_first: u64,
    only_second: u64,
) -> String {
    let f = |x: Option<f64>| x.map_or("not defined".to_string(), |v| format!("{v:.3}"));
    let mut out = format!(
        "{first} and {second}: {} records screened by both; {only_first} only by {first}, \
         {only_second} only by {second} (not counted below).\n",
        a.records
    );
    if a.records == 0 {
        out.push_str("No record screened by both: no agreement to measure.\n");
        return out;
    }
    out.push_str(&format!(
        "percent agreement  {:.1} %\nCohen's kappa      {}{}\nGwet's AC1         {}\n",
        a.percent * 100.0,
        f(a.kappa),
        a.kappa_ci.map_or(String::new(), |(l, u)| format!(
            " (95 % CI {l:.3} to {u:.3})"
        )),
        f(a.ac1)
    ));
    out.push_str(
        "Decisions are compared as moves on (include or maybe) against excluded. Kappa falls \
         when nearly every record is excluded even if the reviewers agree; AC1 does not.\n",
    );
    out
}
