//! The backtest as one self-contained HTML page: inline CSS and SVG
//! charts, no scripts and nothing fetched from elsewhere, so it can be
//! mailed or attached to a ticket.

use std::fmt::Write as _;

use super::backtest::{Bin, DecileRow, Report};
use super::text::{cell, percent, score};
use crate::syntax::print::points;

/// What the page is about, for its title.
pub struct Heading<'a> {
    pub model: &'a str,
    pub leads: &'a str,
    pub as_of: &'a str,
    pub outcome: &'a str,
    /// The thresholds that are a plain score bound (`threshold mql 60`),
    /// by name, marked on the distribution chart.
    pub marks: &'a [(String, f64)],
}

pub fn page(report: &Report, heading: &Heading) -> String {
    let mut html = String::new();
    let title = format!("Backtest of {}", heading.model);
    let _ = write!(
        html,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>{}</h1>\n",
        escape(&title),
        escape(&title)
    );
    let _ = writeln!(
        html,
        "<p class=\"lead\">{} leads from <code>{}</code> scored as of {}; {} converted (<code>{}</code>): a base rate of <b>{}</b>. \
         The score's ROC AUC is <b>{}</b> (0.5 is a coin toss, 1 a perfect ranking).</p>",
        report.leads,
        escape(heading.leads),
        escape(heading.as_of),
        report.converted,
        escape(heading.outcome),
        percent(report.base_rate),
        cell(report.auc.score, 3)
    );
    if !report.auc.groups.is_empty() {
        html.push_str("<p>ROC AUC of each group: ");
        let groups: Vec<String> = report
            .auc
            .groups
            .iter()
            .map(|g| format!("{} <b>{}</b>", escape(&g.group), cell(g.auc, 3)))
            .collect();
        html.push_str(&groups.join(", "));
        html.push_str(".</p>\n");
    }

    html.push_str(
        "<div class=\"charts\">\n<figure>\n<figcaption>Conversion by score decile</figcaption>\n",
    );
    html.push_str(&decile_chart(&report.deciles, report.base_rate));
    html.push_str("</figure>\n<figure>\n<figcaption>Score distribution by outcome</figcaption>\n");
    html.push_str(&distribution_chart(&report.distribution, heading.marks));
    html.push_str("</figure>\n</div>\n");
    decile_table(&mut html, &report.deciles);

    html.push_str("<h2>Thresholds</h2>\n<table>\n<tr><th>threshold</th><th>leads</th><th>converted</th><th>rate</th><th>lift</th><th>precision</th><th>recall</th></tr>\n");
    for t in &report.thresholds {
        let _ = writeln!(
            html,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&t.name),
            t.figures.leads,
            t.figures.converted,
            percent(t.figures.rate),
            cell(t.figures.lift, 2),
            percent(t.precision),
            percent(t.recall)
        );
    }
    html.push_str("</table>\n");

    let suggested = &report.suggested_thresholds;
    html.push_str("<h2>Where the threshold could be</h2>\n<ul>\n");
    if let Some(capacity) = &suggested.capacity {
        match &capacity.threshold {
            Some(c) => {
                let _ = writeln!(
                    html,
                    "<li>For at most {} MQLs: score ≥ <b>{}</b> gives {} leads, {} of them converted (precision {}, recall {}).</li>",
                    capacity.requested,
                    score(c.score),
                    c.leads,
                    c.converted,
                    percent(c.precision),
                    percent(c.recall)
                );
            }
            None => {
                let _ = writeln!(
                    html,
                    "<li>No threshold gives {} MQLs or fewer: more leads than that share the top score.</li>",
                    capacity.requested
                );
            }
        }
    }
    if let Some(c) = &suggested.best_f1 {
        let _ = writeln!(
            html,
            "<li>Best balance of precision and recall (F1 {}): score ≥ <b>{}</b> gives {} leads, {} converted.</li>",
            cell(c.f1, 3),
            score(c.score),
            c.leads,
            c.converted
        );
    }
    html.push_str("</ul>\n");

    for label in &report.labels {
        let _ = writeln!(
            html,
            "<h2>Label {}</h2>\n<table>\n<tr><th>value</th><th>leads</th><th>converted</th><th>rate</th><th>lift</th></tr>",
            escape(&label.name)
        );
        for v in &label.values {
            let _ = writeln!(
                html,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(v.value.as_deref().unwrap_or("(none)")),
                v.figures.leads,
                v.figures.converted,
                percent(v.figures.rate),
                cell(v.figures.lift, 2)
            );
        }
        html.push_str("</table>\n");
    }

    html.push_str("<h2>Rules</h2>\n<p>Lift is the conversion rate of the leads a rule fired for over the base rate. \
        <span class=\"wrong\">Highlighted</span> rules point the wrong way: their points and the sign of their weight in a logistic regression on all rules at once disagree (the lift of a rule alone may say otherwise). \
        Suggested points come from a logistic regression of the outcome on which rules fired, scaled to the model's points.</p>\n");
    html.push_str("<table>\n<tr><th>rule</th><th>group</th><th>points</th><th>hits</th><th>rate when hit</th><th>rate when not</th><th>lift</th><th>suggested</th></tr>\n");
    for r in &report.rules {
        let _ = writeln!(
            html,
            "<tr{}><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            if r.wrong_way { " class=\"wrong\"" } else { "" },
            escape(&r.rule),
            escape(r.group.as_deref().unwrap_or("")),
            r.points.map_or("disqualify".to_string(), points),
            r.hits,
            percent(r.rate_when_hit),
            percent(r.rate_when_not),
            cell(r.lift, 2),
            r.suggested_points.map_or("-".to_string(), points)
        );
    }
    html.push_str("</table>\n");
    html.push_str(GLOSSARY);
    html.push_str("</body>\n</html>\n");
    html
}

/// The deciles as the terminal report shows them: scores, counts, rate, lift.
fn decile_table(html: &mut String, deciles: &[DecileRow]) {
    html.push_str("<h2>Deciles</h2>\n<p>The leads sorted by score and cut into ten bands of equal size; decile 1 holds the highest scores.</p>\n\
        <table>\n<tr><th>decile</th><th>scores</th><th>leads</th><th>converted</th><th>rate</th><th>lift</th></tr>\n");
    for band in deciles {
        let scores = if band.high == band.low {
            score(band.high)
        } else {
            format!("{} to {}", score(band.low), score(band.high))
        };
        let _ = writeln!(
            html,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            band.decile,
            scores,
            band.figures.leads,
            band.figures.converted,
            percent(band.figures.rate),
            cell(band.figures.lift, 2)
        );
    }
    html.push_str("</table>\n");
}

/// The words of the report in plain terms, for readers who do not live in
/// statistics.
const GLOSSARY: &str = "<h2>Words used here</h2>\n<dl>\n\
<dt>Base rate</dt><dd>The share of all leads that converted: what picking leads at random would give.</dd>\n\
<dt>Conversion rate</dt><dd>The share of a set of leads (a decile, the leads past a threshold) that converted.</dd>\n\
<dt>Lift</dt><dd>A set's conversion rate divided by the base rate: 2 means twice as likely to convert as an average lead.</dd>\n\
<dt>Precision</dt><dd>Of the leads past a threshold, the share that converted: how many MQLs sales would find worth the call.</dd>\n\
<dt>Recall</dt><dd>Of the leads that converted, the share past the threshold: how many good leads the threshold catches.</dd>\n\
<dt>F1</dt><dd>One number that balances precision and recall (their harmonic mean); higher is better.</dd>\n\
<dt>ROC AUC</dt><dd>The chance that a lead that converted scores higher than one that did not: 0.5 is a coin toss, 1 a perfect ranking.</dd>\n\
<dt>Decile</dt><dd>One tenth of the leads, sorted by score.</dd>\n\
<dt>Capacity</dt><dd>How many MQLs the sales team can take; the threshold that gives at most that many.</dd>\n\
<dt>Logistic regression</dt><dd>A standard way to estimate how much each rule, on its own, raises the odds of converting; the suggested points come from it.</dd>\n\
</dl>\n";

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:960px;margin:2em auto;padding:0 1em;color:#222}\
h1{font-size:1.5em}h2{font-size:1.15em;margin-top:2em}.lead{font-size:1.05em;line-height:1.5}\
table{border-collapse:collapse;width:100%;font-size:.9em}th,td{padding:.3em .6em;border-bottom:1px solid #ddd;text-align:right}\
th:first-child,td:first-child{text-align:left}th{background:#f4f4f4}tr.wrong td,span.wrong{background:#fde2e1}\
.charts{display:flex;flex-wrap:wrap;gap:2em}figure{margin:0;flex:1 1 420px}figcaption{font-weight:600;margin-bottom:.5em}\
svg text{font-size:11px;fill:#444}svg text.bin{font-size:8px}dt{font-weight:600;margin-top:.5em}dd{margin-left:1.5em}";

const WIDTH: f64 = 440.0;
const HEIGHT: f64 = 220.0;
const LEFT: f64 = 44.0;
const BOTTOM: f64 = 36.0;

/// Bars of the conversion rate of each decile, with the base rate dashed.
fn decile_chart(deciles: &[DecileRow], base: Option<f64>) -> String {
    let top = deciles
        .iter()
        .filter_map(|d| d.figures.rate)
        .chain(base)
        .fold(0.0f64, f64::max)
        .max(0.01);
    let plot = HEIGHT - BOTTOM - 10.0;
    let slot = (WIDTH - LEFT) / deciles.len().max(1) as f64;
    let mut svg = svg_open("Conversion rate by score decile");
    axis(&mut svg, top, plot, "conversion rate");
    for (i, d) in deciles.iter().enumerate() {
        let rate = d.figures.rate.unwrap_or(0.0);
        let h = rate / top * plot;
        let x = LEFT + slot * i as f64 + slot * 0.15;
        let _ = write!(
            svg,
            "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{h:.1}\" fill=\"#2b6cb0\"><title>decile {}: {} of {} converted ({})</title></rect>\
             <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            10.0 + plot - h,
            slot * 0.7,
            d.decile,
            d.figures.converted,
            d.figures.leads,
            percent(d.figures.rate),
            x + slot * 0.35,
            HEIGHT - BOTTOM + 14.0,
            d.decile
        );
    }
    if let Some(base) = base {
        let y = 10.0 + plot - base / top * plot;
        let _ = write!(
            svg,
            "<line x1=\"{LEFT}\" x2=\"{WIDTH}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#c53030\" stroke-dasharray=\"4 3\"/>\
             <text x=\"{WIDTH}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"#c53030\">base rate {}</text>",
            y - 4.0,
            percent(Some(base))
        );
    }
    let _ = writeln!(
        svg,
        "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">decile (1 = highest scores)</text></svg>",
        LEFT + (WIDTH - LEFT) / 2.0,
        HEIGHT - 4.0
    );
    svg
}

/// For each score range, the share of converted and of other leads in it.
fn distribution_chart(bins: &[Bin], marks: &[(String, f64)]) -> String {
    let converted: u64 = bins.iter().map(|b| b.converted).sum();
    let others: u64 = bins.iter().map(|b| b.not_converted).sum();
    let share = |n: u64, total: u64| {
        if total > 0 {
            n as f64 / total as f64
        } else {
            0.0
        }
    };
    let top = bins
        .iter()
        .flat_map(|b| {
            [
                share(b.converted, converted),
                share(b.not_converted, others),
            ]
        })
        .fold(0.0f64, f64::max)
        .max(0.01);
    let plot = HEIGHT - BOTTOM - 10.0;
    let slot = (WIDTH - LEFT) / bins.len().max(1) as f64;
    let mut svg = svg_open("Share of converted and other leads in each score range");
    axis(&mut svg, top, plot, "share of leads");
    for (i, b) in bins.iter().enumerate() {
        for (k, (n, total, colour, what)) in [
            (b.converted, converted, "#2f855a", "converted"),
            (b.not_converted, others, "#a0aec0", "did not convert"),
        ]
        .into_iter()
        .enumerate()
        {
            let h = share(n, total) / top * plot;
            let x = LEFT + slot * i as f64 + slot * (0.1 + 0.4 * k as f64);
            let _ = write!(
                svg,
                "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{h:.1}\" fill=\"{colour}\"><title>scores {} to {}: {n} {what} ({})</title></rect>",
                10.0 + plot - h,
                slot * 0.4,
                score(b.from),
                score(b.to),
                percent(Some(share(n, total)))
            );
        }
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" class=\"bin\">{}–{}</text>",
            LEFT + slot * (i as f64 + 0.5),
            HEIGHT - BOTTOM + 14.0,
            score(b.from),
            score(b.to)
        );
    }
    threshold_marks(&mut svg, bins, marks, plot);
    let _ = writeln!(
        svg,
        "<rect x=\"{LEFT}\" y=\"{:.1}\" width=\"10\" height=\"10\" fill=\"#2f855a\"/><text x=\"{:.1}\" y=\"{:.1}\">converted</text>\
         <rect x=\"{:.1}\" y=\"{:.1}\" width=\"10\" height=\"10\" fill=\"#a0aec0\"/><text x=\"{:.1}\" y=\"{:.1}\">did not convert</text></svg>",
        HEIGHT - 13.0,
        LEFT + 14.0,
        HEIGHT - 4.0,
        LEFT + 100.0,
        HEIGHT - 13.0,
        LEFT + 114.0,
        HEIGHT - 4.0
    );
    // The axis title goes after the legend, on the right.
    svg.insert_str(
        svg.len() - "</svg>\n".len(),
        &format!(
            "<text x=\"{WIDTH}\" y=\"{:.1}\" text-anchor=\"end\">score range</text>",
            HEIGHT - 4.0
        ),
    );
    svg
}

fn svg_open(label: &str) -> String {
    format!(
        "<svg viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" aria-label=\"{}\">",
        escape(label)
    )
}

/// A dashed vertical line at each threshold's score, named at its top.
fn threshold_marks(svg: &mut String, bins: &[Bin], marks: &[(String, f64)], plot: f64) {
    let (Some(first), Some(last)) = (bins.first(), bins.last()) else {
        return;
    };
    let (low, high) = (first.from, last.to);
    if high <= low {
        return;
    }
    for (name, at) in marks {
        if *at < low || *at > high {
            continue;
        }
        let x = LEFT + (at - low) / (high - low) * (WIDTH - LEFT);
        let _ = write!(
            svg,
            "<line x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"10\" y2=\"{:.1}\" stroke=\"#c05621\" stroke-dasharray=\"4 3\"/>\
             <text x=\"{:.1}\" y=\"20\" fill=\"#c05621\">{} ≥ {}</text>",
            10.0 + plot,
            x + 3.0,
            escape(name),
            score(*at)
        );
    }
}

/// The vertical axis: a baseline, the top value as a percentage, and its
/// title written upwards along it.
fn axis(svg: &mut String, top: f64, plot: f64, title: &str) {
    let _ = write!(
        svg,
        "<text transform=\"translate(10 {:.1}) rotate(-90)\" text-anchor=\"middle\">{}</text>",
        10.0 + plot / 2.0,
        escape(title)
    );
    let label = percent(Some(top));
    let _ = write!(
        svg,
        "<line x1=\"{LEFT}\" x2=\"{WIDTH}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"#888\"/>\
         <text x=\"{:.1}\" y=\"14\" text-anchor=\"end\">{label}</text><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">0</text>",
        10.0 + plot,
        10.0 + plot,
        LEFT - 4.0,
        LEFT - 4.0,
        10.0 + plot
    );
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
