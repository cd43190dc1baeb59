//! The comparison with a baseline audit (`audit --baseline`) as the HTML
//! and Markdown reports show it: score changes, then new and resolved
//! findings, with methodology changes kept apart from real change.

use super::view::{category_title, score_text};
use crate::value::format_number;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct BaselineView {
    pub old_as_of: String,
    pub old_score: String,
    pub new_score: String,
    pub old_grade: String,
    pub new_grade: String,
    pub delta: String,
    pub categories: Vec<DeltaRow>,
    pub new_findings: Vec<crate::compare::FindingRef>,
    pub resolved_findings: Vec<crate::compare::FindingRef>,
    pub newly_waived: Vec<crate::compare::FindingRef>,
    pub back_from_waiver: Vec<crate::compare::FindingRef>,
    pub persisting: usize,
    /// Empty when the method and rules are the same in both audits.
    pub methodology_changes: Vec<String>,
    pub methodology_findings_new: Vec<crate::compare::FindingRef>,
    pub methodology_findings_gone: Vec<crate::compare::FindingRef>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DeltaRow {
    pub category: String,
    pub old: String,
    pub new: String,
    pub delta: String,
}

fn delta_text(d: Option<f64>) -> String {
    match d {
        None => "-".into(),
        Some(d) if d > 0.0 => format!("+{}", format_number(d)),
        Some(d) => format_number(d),
    }
}

pub fn baseline_view(c: &crate::compare::Comparison) -> BaselineView {
    let m = &c.methodology;
    let mut changes = Vec::new();
    if m.scoring_method_changed {
        changes.push("the scoring method changed".to_string());
    }
    if m.rule_pack_changed {
        changes.push("the rule pack changed".to_string());
    }
    for (label, ids) in [
        ("rules added", &m.rules_added),
        ("rules removed", &m.rules_removed),
        ("rules, weights or thresholds changed", &m.rules_changed),
    ] {
        if !ids.is_empty() {
            changes.push(format!("{label}: {}", ids.join(", ")));
        }
    }
    BaselineView {
        old_as_of: c.old.as_of.clone(),
        old_score: score_text(c.old.score),
        new_score: score_text(c.new.score),
        old_grade: c.old.grade.clone().unwrap_or_else(|| "-".into()),
        new_grade: c.new.grade.clone().unwrap_or_else(|| "-".into()),
        delta: delta_text(c.overall_delta),
        categories: c
            .categories
            .iter()
            .map(|d| DeltaRow {
                category: category_title(&d.category),
                old: score_text(d.old),
                new: score_text(d.new),
                delta: delta_text(d.delta),
            })
            .collect(),
        new_findings: c.new_findings.clone(),
        resolved_findings: c.resolved_findings.clone(),
        newly_waived: c.newly_waived.clone(),
        back_from_waiver: c.back_from_waiver.clone(),
        persisting: c.persisting_findings.len(),
        methodology_changes: changes,
        methodology_findings_new: m.findings_new.clone(),
        methodology_findings_gone: m.findings_gone.clone(),
    }
}
