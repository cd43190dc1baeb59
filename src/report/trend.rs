//! `mktaudit trend --format md|html`: the score table over time with a line
//! chart (SVG in HTML, Mermaid in Markdown). Layout lives in
//! `reports/templates/trend.{html,md}`.

use super::branding::Branding;
use super::engine::{self, Escape};
use super::svg::{self, Series};
use crate::compare::Trend;
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
        .map(|p| p.categories.get(c.as_str()).copied().flatten())
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

/// Mermaid has no legend for several lines, so the chart shows the overall
/// score; the table beside it has every category.
fn mermaid_chart(t: &Trend) -> String {
    let points: Vec<(String, f64)> = t
        .points
        .iter()
        .filter_map(|p| p.score.map(|s| (plain_label(&p.as_of), s)))
        .collect();
    if points.is_empty() {
        return String::new();
    }
    let labels: Vec<String> = points.iter().map(|(l, _)| format!("\"{l}\"")).collect();
    let values: Vec<String> = points.iter().map(|(_, v)| format_number(*v)).collect();
    format!(
        "```mermaid\nxychart-beta\n    title \"Overall score over time\"\n    x-axis [{}]\n    y-axis \"Score\" 0 --> 100\n    line [{}]\n```\n",
        labels.join(", "),
        values.join(", ")
    )
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
                    .map(|c| text(p.categories.get(c.as_str()).copied().flatten()))
                    .collect(),
            })
            .collect(),
        methodology_changes: t.methodology_changes.clone(),
    };
    let (chart, name, escape) = if html {
        (svg_chart(t, &branding.accent), "trend.html", Escape::Html)
    } else {
        (mermaid_chart(t), "trend.md", Escape::Markdown)
    };
    let ctx = context! {
        chart => Value::from_safe_string(chart),
        ..Value::from_serialize(&view)
    };
    engine::render(name, template, escape, ctx)
}
