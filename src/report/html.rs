//! The HTML report: one self-contained file for a client's CEO. Inline CSS
//! and SVG, no script, and a Content-Security-Policy that forbids scripts
//! and every request, so the file renders the same offline, mailed or printed.
//! Layout lives in `reports/templates/report.html`.

use super::branding::Branding;
use super::engine::{self, Escape};
use super::{Report, view};
use crate::error::Problems;
use minijinja::{Value, context};
use std::path::Path;

pub fn render(report: &Report, branding: &Branding, template: Option<&Path>) -> Result<String, Problems> {
    let view = view::build(report, branding);
    let ctx = context! {
        charts => context! { categories => Value::from_safe_string(view::category_chart(report)) },
        ..Value::from_serialize(&view)
    };
    engine::render("report.html", template, Escape::Html, ctx)
}
