//! The comparison with a baseline audit (`audit --baseline`, `diff`) as the
//! reports show it: score changes, then problems new, resolved and
//! persisting (with their records as detail), with methodology changes kept
//! apart from real change.

use super::comparison::{Comparison, FindingRef, Problem};
use super::view::score_text;
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
    /// Set when the two audits are of different orgs (compared on request).
    pub other_org: Option<String>,
    pub categories: Vec<DeltaRow>,
    pub new_problems: Vec<ProblemView>,
    pub resolved_problems: Vec<ProblemView>,
    pub persisting_problems: Vec<ProblemView>,
    pub newly_waived: Vec<FindingRef>,
    pub back_from_waiver: Vec<FindingRef>,
    /// Empty when the method and rules are the same in both audits.
    pub methodology_changes: Vec<String>,
    pub methodology_problems_new: Vec<ProblemView>,
    pub methodology_problems_gone: Vec<ProblemView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DeltaRow {
    pub category: String,
    pub old: String,
    pub new: String,
    pub delta: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProblemView {
    pub rule: String,
    pub title: String,
    pub message: String,
    /// "fail -> warn", "new: fail", ...
    pub status_change: String,
    /// The records, in words: "3 records (2 new since, 1 no longer)".
    pub detail: String,
}

pub(super) fn delta_text(d: Option<f64>) -> String {
    match d {
        None => "-".into(),
        Some(d) if d > 0.0 => format!("+{}", format_number(d)),
        Some(d) => format_number(d),
    }
}

fn status_word(s: Option<crate::eval::Status>) -> &'static str {
    s.map_or("absent", |s| super::view::status_label(s))
}

fn flagged(s: Option<crate::eval::Status>) -> bool {
    matches!(s, Some(crate::eval::Status::Warn | crate::eval::Status::Fail))
}

fn records_text(n: usize) -> String {
    format!("{n} record{}", if n == 1 { "" } else { "s" })
}

fn problem_view(p: &Problem) -> ProblemView {
    let mut detail = if p.records.is_empty() {
        String::new()
    } else {
        records_text(p.records.len())
    };
    let moved: Vec<String> = [
        (!p.records_added.is_empty()).then(|| format!("{} new since", p.records_added.len())),
        (!p.records_gone.is_empty()).then(|| format!("{} no longer", p.records_gone.len())),
    ]
    .into_iter()
    .flatten()
    .collect();
    if !moved.is_empty() {
        detail = format!("{detail} ({})", moved.join(", "));
    } else if !detail.is_empty() && flagged(p.old_status) && flagged(p.new_status) {
        detail.push_str(" (the same as before)");
    }
    ProblemView {
        rule: p.rule.clone(),
        title: p.title.clone(),
        message: p.message.clone(),
        status_change: format!("{} -> {}", status_word(p.old_status), status_word(p.new_status)),
        detail,
    }
}

fn views(ps: &[Problem]) -> Vec<ProblemView> {
    ps.iter().map(problem_view).collect()
}

pub fn baseline_view(c: &Comparison) -> BaselineView {
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
        other_org: c.different_orgs.then(|| c.old.org.clone()),
        categories: c
            .categories
            .iter()
            .map(|d| DeltaRow {
                category: d.category.title().to_string(),
                old: score_text(d.old),
                new: score_text(d.new),
                delta: delta_text(d.delta),
            })
            .collect(),
        new_problems: views(&c.new_problems),
        resolved_problems: views(&c.resolved_problems),
        persisting_problems: views(&c.persisting_problems),
        newly_waived: c.newly_waived.clone(),
        back_from_waiver: c.back_from_waiver.clone(),
        methodology_changes: changes,
        methodology_problems_new: views(&m.problems_new),
        methodology_problems_gone: views(&m.problems_gone),
    }
}

/// The comparison as plain text (terminal and `diff`).
pub fn render_text(c: &Comparison) -> String {
    use std::fmt::Write;
    let v = baseline_view(c);
    let mut out = String::new();
    if let Some(org) = &v.other_org {
        let _ = writeln!(
            out,
            "Note: the earlier audit is of {org}, not {}: compared on request.",
            c.new.org
        );
    }
    let _ = writeln!(
        out,
        "Compared with the audit of {}: overall {} -> {} ({}), grade {} -> {}",
        v.old_as_of, v.old_score, v.new_score, v.delta, v.old_grade, v.new_grade
    );
    let _ = writeln!(out, "  {:<12} {:>6} {:>6} {:>7}", "Category", "before", "now", "change");
    for d in &v.categories {
        let _ = writeln!(out, "  {:<12} {:>6} {:>6} {:>7}", d.category, d.old, d.new, d.delta);
    }
    let problems = |out: &mut String, title: &str, items: &[ProblemView]| {
        if items.is_empty() {
            return;
        }
        let _ = writeln!(out, "  {title} ({}):", items.len());
        for p in items {
            let detail = if p.detail.is_empty() {
                String::new()
            } else {
                format!("; {}", p.detail)
            };
            let _ = writeln!(out, "    {} {} [{}{detail}]", p.rule, p.title, p.status_change);
        }
    };
    let findings = |out: &mut String, title: &str, items: &[FindingRef]| {
        if items.is_empty() {
            return;
        }
        let _ = writeln!(out, "  {title} ({}):", items.len());
        for f in items {
            let _ = writeln!(out, "    {} {}: {}", f.rule, f.key, f.message);
        }
    };
    problems(&mut out, "New problems", &v.new_problems);
    problems(&mut out, "Resolved", &v.resolved_problems);
    problems(&mut out, "Persisting", &v.persisting_problems);
    findings(&mut out, "Waived since (not resolved)", &v.newly_waived);
    findings(&mut out, "Back from a waiver (expired or removed)", &v.back_from_waiver);
    if !v.methodology_changes.is_empty() {
        let _ = writeln!(
            out,
            "  Methodology changed between the two audits: part of the change is not the organisation's."
        );
        for line in &v.methodology_changes {
            let _ = writeln!(out, "    {line}");
        }
        problems(
            &mut out,
            "  problems from new or changed rules",
            &v.methodology_problems_new,
        );
        problems(
            &mut out,
            "  problems gone with removed or changed rules",
            &v.methodology_problems_gone,
        );
    }
    out
}
