//! The Markdown report, for code hosts and wikis: the same sections as the
//! HTML report, tables for evidence, and the category chart as a Mermaid
//! block (GitHub and GitLab draw it; elsewhere the table beside it reads
//! alone). Layout lives in `reports/templates/report.md`.

use super::branding::Branding;
use super::engine::{self, Escape};
use super::{Report, view};
use crate::error::Problems;
use crate::value::format_number;
use minijinja::{Value, context};
use std::path::Path;

pub fn render(report: &Report, branding: &Branding, template: Option<&Path>) -> Result<String, Problems> {
    let view = view::build(report, branding);
    let ctx = context! {
        charts => context! { categories => Value::from_safe_string(category_chart(report)) },
        ..Value::from_serialize(&view)
    };
    engine::render("report.md", template, Escape::Markdown, ctx)
}

/// A Mermaid bar chart of the assessed categories; empty when none was
/// assessed. Category names are fixed words, so nothing here needs escaping.
fn category_chart(report: &Report) -> String {
    let assessed: Vec<(&str, f64)> = report
        .categories
        .iter()
        .filter_map(|c| c.score.map(|s| (c.category.title(), s)))
        .collect();
    if assessed.is_empty() {
        return String::new();
    }
    let names: Vec<String> = assessed.iter().map(|(n, _)| format!("\"{n}\"")).collect();
    let scores: Vec<String> = assessed.iter().map(|(_, s)| format_number(*s)).collect();
    format!(
        "```mermaid\nxychart-beta\n    title \"Category scores (out of 100)\"\n    x-axis [{}]\n    y-axis \"Score\" 0 --> 100\n    bar [{}]\n```\n",
        names.join(", "),
        scores.join(", ")
    )
}
