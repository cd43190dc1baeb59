//! The terminal and JSON reports of a small bundle, reviewed as snapshots.

mod common;
use common::*;

#[test]
fn terminal_report() {
    insta::assert_snapshot!("mini_terminal", stdout(&audit_mini(&[])));
}

#[test]
fn json_report() {
    let o = audit_mini(&["--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    insta::assert_json_snapshot!("mini_json", v, { ".tool.version" => "[version]" });
}
