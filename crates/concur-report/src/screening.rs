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
