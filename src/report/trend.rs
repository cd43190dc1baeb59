//! `mktaudit trend`: the score table over time, per category, with a line
//! chart (SVG in HTML, Mermaid in Markdown) and a short written commentary.
//! Layout of the md and html trend lives in `reports/templates/trend.{html,md}`.

use super::branding::Branding;
use super::comparison::Trend;
use super::engine::{self, Escape};
use super::svg::{self, Series};
use crate::error::Problems;
use crate::rules::Category;
use crate::template::format_percent;
use crate::value::format_number;
use minijinja::{Value, context};
use serde::Serialize;
use std::path::Path;

#[derive(Debug, Serialize)]
struct TrendView {
    org: String,
    branding: Branding,
    categories: Vec<&'static str>,
    points: Vec<PointView>,
    /// First to last audit, per category ("+12.5").
    changes: Vec<String>,
    overall_change: String,
    commentary: Vec<String>,
    methodology_changes: Vec<String>,
}

#[derive(Debug, Serialize)]
struct PointView {
    as_of: String,
    score: String,
    grade: String,
    coverage: String,
    categories: Vec<String>,
}

fn text(s: Option<f64>) -> String {
    s.map_or_else(|| "-".to_string(), format_number)
}

fn category_values(t: &Trend, c: Category) -> Vec<Option<f64>> {
    t.points
        .iter()
        .map(|p| p.categories.get(&c).copied().flatten())
        .collect()
}

const LINE_STYLES: [(&str, &str); 5] = [
    ("#6a1b9a", ""),
    ("#00838f", "6 3"),
    ("#ef6c00", "2 3"),
    ("#2e7d32", "8 3 2 3"),
    ("#5d4037", "1 3"),
];

fn svg_chart(t: &Trend, accent: &str) -> String {
    let labels: Vec<String> = t.points.iter().map(|p| p.as_of.clone()).collect();
    let mut series = vec![Series {
        label: "Overall",
        values: t.points.iter().map(|p| p.score).collect(),
        colour: accent,
        width: 3.0,
        dash: "",
    }];
    for (c, (colour, dash)) in Category::ALL.into_iter().zip(LINE_STYLES) {
        series.push(Series {
            label: c.title(),
            values: category_values(t, c),
            colour,
            width: 1.5,
            dash,
        });
    }
    svg::line_chart(&labels, &series)
}

/// Dates come from the JSON files given on the command line: keep only
/// what a date needs, so nothing can break out of the Mermaid block.
fn plain_label(s: &str) -> String {
    s.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').collect()
}

/// Mermaid's xychart has no legend: the lines take the colours of
/// `LINE_STYLES` (overall first, in black), and the template names them
/// in that order under the chart; the table beside it has the numbers.
fn mermaid_chart(t: &Trend) -> String {
    if t.points.iter().all(|p| p.score.is_none()) {
        return String::new();
    }
    let labels: Vec<String> = t
        .points
        .iter()
        .map(|p| format!("\"{}\"", plain_label(&p.as_of)))
        .collect();
    // A line needs a value at every point: a gap is drawn at 0 by Mermaid, so
    // a series with a gap is left to the table.
    let line = |values: Vec<Option<f64>>| -> Option<String> {
        let vs: Option<Vec<String>> = values.into_iter().map(|v| v.map(format_number)).collect();
        vs.map(|vs| format!("    line [{}]\n", vs.join(", ")))
    };
    let mut lines = String::new();
    let mut colours = Vec::new();
    if let Some(l) = line(t.points.iter().map(|p| p.score).collect()) {
        lines.push_str(&l);
        colours.push("#1d1d1f");
    }
    for (c, (colour, _)) in Category::ALL.into_iter().zip(LINE_STYLES) {
        if let Some(l) = line(category_values(t, c)) {
            lines.push_str(&l);
            colours.push(colour);
        }
    }
    format!(
        "```mermaid\n%%{{init: {{\"themeVariables\": {{\"xyChart\": {{\"plotColorPalette\": \"{}\"}}}}}}}}%%\nxychart-beta\n    title \"Scores over time\"\n    x-axis [{}]\n    y-axis \"Score\" 0 --> 100\n{lines}```\n",
        colours.join(", "),
        labels.join(", ")
    )
}

/// Which line is which in the Mermaid chart, in its colours' order.
fn mermaid_legend(t: &Trend) -> Vec<String> {
    let complete = |values: Vec<Option<f64>>| values.iter().all(Option::is_some);
    let mut names = Vec::new();
    if complete(t.points.iter().map(|p| p.score).collect()) {
        names.push("Overall (black)".to_string());
    }
    for (c, name) in Category::ALL
        .into_iter()
        .zip(["purple", "teal", "orange", "green", "brown"])
    {
        if complete(category_values(t, c)) {
            names.push(format!("{} ({name})", c.title()));
        }
    }
    names
}

fn change(first: Option<f64>, last: Option<f64>) -> String {
    super::changes::delta_text(first.zip(last).map(|(a, b)| ((b - a) * 10.0).round() / 10.0))
}

/// The trend as plain text (terminal).
pub fn render_text(t: &Trend) -> String {
    use std::fmt::Write;
    let mut out = format!("Trend for {}\n\n", t.org);
    let _ = write!(
        out,
        "  {:<11} {:>7} {:>5} {:>8}",
        "as of", "overall", "grade", "coverage"
    );
    for c in Category::ALL {
        let _ = write!(out, " {:>11}", c.title());
    }
    out.push('\n');
    for p in &t.points {
        let _ = write!(
            out,
            "  {:<11} {:>7} {:>5} {:>8}",
            p.as_of,
            text(p.score),
            p.grade.as_deref().unwrap_or("-"),
            format_percent(p.coverage)
        );
        for c in Category::ALL {
            let _ = write!(out, " {:>11}", text(p.categories.get(&c).copied().flatten()));
        }
        out.push('\n');
    }
    if let (Some(first), Some(last)) = (t.points.first(), t.points.last())
        && t.points.len() > 1
    {
        let _ = write!(
            out,
            "  {:<11} {:>7} {:>5} {:>8}",
            "change",
            change(first.score, last.score),
            "",
            ""
        );
        for c in Category::ALL {
            let _ = write!(
                out,
                " {:>11}",
                change(
                    first.categories.get(&c).copied().flatten(),
                    last.categories.get(&c).copied().flatten()
                )
            );
        }
        out.push('\n');
    }
    if !t.commentary.is_empty() {
        out.push('\n');
        for line in &t.commentary {
            let _ = writeln!(out, "  {line}");
        }
    }
    for m in &t.methodology_changes {
        let _ = writeln!(out, "  note: {m}; scores on either side are not strictly comparable");
    }
    out
}

pub fn render(t: &Trend, html: bool, branding: &Branding, template: Option<&Path>) -> Result<String, Problems> {
    let view = TrendView {
        org: t.org.clone(),
        branding: branding.clone(),
        categories: Category::ALL.iter().map(|c| c.title()).collect(),
        points: t
            .points
            .iter()
            .map(|p| PointView {
                as_of: p.as_of.clone(),
                score: text(p.score),
                grade: p.grade.clone().unwrap_or_else(|| "-".into()),
                coverage: format_percent(p.coverage),
                categories: Category::ALL
                    .iter()
                    .map(|c| text(p.categories.get(c).copied().flatten()))
                    .collect(),
            })
            .collect(),
        changes: Category::ALL
            .iter()
            .map(|c| {
                let at =
                    |p: Option<&super::comparison::TrendPoint>| p.and_then(|p| p.categories.get(c).copied().flatten());
                change(at(t.points.first()), at(t.points.last()))
            })
            .collect(),
        overall_change: change(
            t.points.first().and_then(|p| p.score),
            t.points.last().and_then(|p| p.score),
        ),
        commentary: t.commentary.clone(),
        methodology_changes: t.methodology_changes.clone(),
    };
    let legend = if html { Vec::new() } else { mermaid_legend(t) };
    let (chart, name, escape) = if html {
        (svg_chart(t, &branding.accent), "trend.html", Escape::Html)
    } else {
        (mermaid_chart(t), "trend.md", Escape::Markdown)
    };
    let ctx = context! {
        chart => Value::from_safe_string(chart),
        legend => legend,
        ..Value::from_serialize(&view)
    };
    engine::render(name, template, escape, ctx)
}
