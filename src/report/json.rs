//! JSON output: the report model as is (schema in docs/report-json.md).

use super::Report;

pub fn render(report: &Report) -> String {
    let mut out = serde_json::to_string_pretty(report).expect("the report model serialises");
    out.push('\n');
    out
}
