//! Comparing audits: a baseline against the current audit (`audit
//! --baseline`, `diff`) and a series over time (`trend`). History lives in
//! the JSON reports themselves, so nothing needs a server.
//!
//! Findings are matched by rule and business entity (the finding `key`, e.g.
//! `kpis:K-03`), never by line number. A rule whose definition changed
//! between the two reports (its `rule_hash`), or that exists in only one,
//! is counted as a methodology change, apart from real change.

use crate::error::{Problem, Problems};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The parts of a saved JSON report that comparisons read. Unknown fields
/// are ignored so newer reports (minor schema versions) still compare.
#[derive(Debug, Clone, Deserialize)]
pub struct SavedReport {
    pub schema_version: String,
    pub audit: SavedAudit,
    pub summary: SavedSummary,
    pub categories: Vec<SavedCategory>,
    pub results: Vec<SavedResult>,
    pub methodology: SavedMethodology,
    #[serde(default)]
    pub waivers: SavedWaivers,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct SavedWaivers {
    #[serde(default)]
    pub waived: Vec<SavedWaived>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SavedWaived {
    pub rule: String,
    pub key: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SavedAudit {
    pub org: String,
    pub as_of: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SavedSummary {
    pub score: Option<f64>,
    pub grade: Option<String>,
    pub coverage: f64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SavedCategory {
    pub category: String,
    pub score: Option<f64>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SavedResult {
    pub id: String,
    pub title: String,
    pub status: String,
    #[serde(default)]
    pub findings: Vec<SavedFinding>,
    #[serde(default)]
    pub rule_hash: String,
    #[serde(default)]
    pub weight: Option<f64>,
    #[serde(default)]
    pub params: BTreeMap<String, SavedParam>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct SavedParam {
    pub value: serde_json::Value,
}

impl SavedResult {
    /// Whether the rule was judged differently: another definition, weight or param values.
    fn judged_differently(&self, other: &SavedResult) -> bool {
        (!self.rule_hash.is_empty() && self.rule_hash != other.rule_hash)
            || self.weight != other.weight
            || self.params != other.params
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct SavedFinding {
    pub key: String,
    pub message: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SavedMethodology {
    pub scoring_method_version: String,
    pub rule_pack_hash: String,
}

/// Reads a JSON report written by `mktaudit audit --format json`.
pub fn read_report(path: &Path) -> Result<SavedReport, Problems> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Problems(vec![
            Problem::new("compare::read", format!("cannot read report `{}`: {e}", path.display()))
                .help("pass a report written with `mktaudit audit BUNDLE --format json --output FILE`"),
        ])
    })?;
    serde_json::from_str(&text).map_err(|e| {
        let src = crate::error::SourceFile::new(path.display().to_string(), text.clone());
        let at = src.offset(e.line(), e.column());
        Problems(vec![
            Problem::new(
                "compare::parse",
                format!("`{}` is not a mktaudit JSON report", path.display()),
            )
            .at(&src, at, 1, e.to_string())
            .help("pass a report written with `--format json`"),
        ])
    })
}

/// Report JSON -> the saved form (for comparing with a fresh audit).
pub fn saved(report: &crate::report::Report) -> SavedReport {
    let value = serde_json::to_value(report).expect("the report model serialises");
    serde_json::from_value(value).expect("a fresh report has every field a saved one needs")
}

#[derive(Debug, Clone, Serialize, PartialEq, schemars::JsonSchema)]
pub struct Side {
    pub as_of: String,
    pub score: Option<f64>,
    pub grade: Option<String>,
    pub coverage: f64,
}

#[derive(Debug, Clone, Serialize, PartialEq, schemars::JsonSchema)]
pub struct CategoryDelta {
    pub category: String,
    pub old: Option<f64>,
    pub new: Option<f64>,
    pub delta: Option<f64>,
}

#[derive(Debug, Clone, Serialize, PartialEq, schemars::JsonSchema)]
pub struct FindingRef {
    pub rule: String,
    pub title: String,
    pub key: String,
    pub message: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, Default, schemars::JsonSchema)]
pub struct MethodologyChange {
    pub scoring_method_changed: bool,
    pub rule_pack_changed: bool,
    pub rules_added: Vec<String>,
    pub rules_removed: Vec<String>,
    /// Rules in both reports whose definition, weight or param values changed.
    pub rules_changed: Vec<String>,
    /// Findings that appear or disappear only because rules were added, removed or changed.
    pub findings_new: Vec<FindingRef>,
    pub findings_gone: Vec<FindingRef>,
}

/// What changed between two audits of the same org.
#[derive(Debug, Clone, Serialize, PartialEq, schemars::JsonSchema)]
pub struct Comparison {
    pub old: Side,
    pub new: Side,
    pub overall_delta: Option<f64>,
    pub categories: Vec<CategoryDelta>,
    /// Real change: findings of unchanged rules, matched by rule and entity.
    pub new_findings: Vec<FindingRef>,
    pub resolved_findings: Vec<FindingRef>,
    pub persisting_findings: Vec<FindingRef>,
    /// Findings that left the score because a waiver now covers them (not resolved).
    pub newly_waived: Vec<FindingRef>,
    /// Findings waived in the old audit that count again (the waiver expired
    /// or was removed): not new problems, old ones back on the books.
    pub back_from_waiver: Vec<FindingRef>,
    pub methodology: MethodologyChange,
}

fn side(r: &SavedReport) -> Side {
    Side {
        as_of: r.audit.as_of.clone(),
        score: r.summary.score,
        grade: r.summary.grade.clone(),
        coverage: r.summary.coverage,
    }
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

fn delta(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    Some(round1(b? - a?))
}

fn findings(r: &SavedResult) -> BTreeMap<String, FindingRef> {
    let flagged = matches!(r.status.as_str(), "warn" | "fail");
    r.findings
        .iter()
        .filter(|_| flagged)
        .map(|f| {
            let fr = FindingRef {
                rule: r.id.clone(),
                title: r.title.clone(),
                key: f.key.clone(),
                message: f.message.clone(),
            };
            // Rule-level findings (empty key) match by rule alone.
            (f.key.clone(), fr)
        })
        .collect()
}

pub fn compare(old: &SavedReport, new: &SavedReport) -> Comparison {
    let old_rules: BTreeMap<&str, &SavedResult> = old.results.iter().map(|r| (r.id.as_str(), r)).collect();
    let new_rules: BTreeMap<&str, &SavedResult> = new.results.iter().map(|r| (r.id.as_str(), r)).collect();
    let ids: BTreeSet<&str> = old_rules.keys().chain(new_rules.keys()).copied().collect();
    let mut c = Comparison {
        old: side(old),
        new: side(new),
        overall_delta: delta(old.summary.score, new.summary.score),
        categories: Vec::new(),
        new_findings: Vec::new(),
        resolved_findings: Vec::new(),
        persisting_findings: Vec::new(),
        newly_waived: Vec::new(),
        back_from_waiver: Vec::new(),
        methodology: MethodologyChange {
            scoring_method_changed: old.methodology.scoring_method_version != new.methodology.scoring_method_version,
            rule_pack_changed: old.methodology.rule_pack_hash != new.methodology.rule_pack_hash,
            ..MethodologyChange::default()
        },
    };
    let cats: BTreeSet<&str> = old
        .categories
        .iter()
        .chain(&new.categories)
        .map(|c| c.category.as_str())
        .collect();
    let score_of = |r: &SavedReport, cat: &str| r.categories.iter().find(|c| c.category == cat).and_then(|c| c.score);
    // Keep the report's category order (the five characteristics), not alphabetical.
    let mut ordered: Vec<&str> = new.categories.iter().map(|c| c.category.as_str()).collect();
    let extra: Vec<&str> = cats.iter().copied().filter(|c| !ordered.contains(c)).collect();
    ordered.extend(extra);
    for cat in ordered {
        let (a, b) = (score_of(old, cat), score_of(new, cat));
        c.categories.push(CategoryDelta {
            category: cat.to_string(),
            old: a,
            new: b,
            delta: delta(a, b),
        });
    }
    for id in ids {
        let (o, n) = (old_rules.get(id), new_rules.get(id));
        let of = o.map(|r| findings(r)).unwrap_or_default();
        let nf = n.map(|r| findings(r)).unwrap_or_default();
        let methodology = match (o, n) {
            (None, Some(_)) => {
                c.methodology.rules_added.push(id.to_string());
                true
            }
            (Some(_), None) => {
                c.methodology.rules_removed.push(id.to_string());
                true
            }
            (Some(a), Some(b)) if a.judged_differently(b) => {
                c.methodology.rules_changed.push(id.to_string());
                true
            }
            _ => false,
        };
        for (key, f) in &nf {
            let was_waived = || old.waivers.waived.iter().any(|w| w.rule == id && w.key == *key);
            match (of.contains_key(key), methodology) {
                (true, _) => c.persisting_findings.push(f.clone()),
                (false, _) if was_waived() => c.back_from_waiver.push(f.clone()),
                (false, false) => c.new_findings.push(f.clone()),
                (false, true) => c.methodology.findings_new.push(f.clone()),
            }
        }
        for (key, f) in &of {
            if !nf.contains_key(key) {
                let waived = new.waivers.waived.iter().any(|w| w.rule == id && w.key == *key);
                if waived {
                    c.newly_waived.push(f.clone());
                } else if methodology {
                    c.methodology.findings_gone.push(f.clone());
                } else {
                    c.resolved_findings.push(f.clone());
                }
            }
        }
    }
    c
}

fn fmt_score(s: Option<f64>) -> String {
    s.map_or_else(|| "-".to_string(), crate::value::format_number)
}

fn fmt_delta(d: Option<f64>) -> String {
    match d {
        None => "-".into(),
        Some(d) if d > 0.0 => format!("+{}", crate::value::format_number(d)),
        Some(d) => crate::value::format_number(d),
    }
}

/// The comparison as plain text (terminal).
pub fn render_text(c: &Comparison) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Compared with the audit of {}: overall {} -> {} ({}), grade {} -> {}",
        c.old.as_of,
        fmt_score(c.old.score),
        fmt_score(c.new.score),
        fmt_delta(c.overall_delta),
        c.old.grade.as_deref().unwrap_or("-"),
        c.new.grade.as_deref().unwrap_or("-")
    );
    let _ = writeln!(out, "  {:<12} {:>6} {:>6} {:>7}", "Category", "before", "now", "change");
    for d in &c.categories {
        let _ = writeln!(
            out,
            "  {:<12} {:>6} {:>6} {:>7}",
            d.category,
            fmt_score(d.old),
            fmt_score(d.new),
            fmt_delta(d.delta)
        );
    }
    let list = |out: &mut String, title: &str, items: &[FindingRef]| {
        if items.is_empty() {
            return;
        }
        let _ = writeln!(out, "  {title} ({}):", items.len());
        for f in items {
            let subject = if f.key.is_empty() {
                f.rule.clone()
            } else {
                format!("{} {}", f.rule, f.key)
            };
            let _ = writeln!(out, "    {subject}: {}", f.message);
        }
    };
    list(&mut out, "New findings", &c.new_findings);
    list(&mut out, "Resolved", &c.resolved_findings);
    list(&mut out, "Waived since (not resolved)", &c.newly_waived);
    list(&mut out, "Back from a waiver (expired or removed)", &c.back_from_waiver);
    let _ = writeln!(out, "  Persisting: {}", c.persisting_findings.len());
    let m = &c.methodology;
    if m.scoring_method_changed || m.rule_pack_changed || !m.rules_changed.is_empty() {
        let _ = writeln!(
            out,
            "  Methodology changed between the two audits ({}): part of the change is not the organisation's.",
            [
                m.scoring_method_changed.then_some("scoring method"),
                m.rule_pack_changed.then_some("rule pack"),
                (!m.rules_changed.is_empty()).then_some("rules, weights or thresholds"),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(", ")
        );
        for (label, ids) in [
            ("added", &m.rules_added),
            ("removed", &m.rules_removed),
            ("changed", &m.rules_changed),
        ] {
            if !ids.is_empty() {
                let _ = writeln!(out, "    rules {label}: {}", ids.join(", "));
            }
        }
        list(&mut out, "  findings from new or changed rules", &m.findings_new);
        list(
            &mut out,
            "  findings gone with removed or changed rules",
            &m.findings_gone,
        );
    }
    out
}

/// Overall and category scores over time, oldest first.
#[derive(Debug, Clone, Serialize, PartialEq, schemars::JsonSchema)]
pub struct Trend {
    pub org: String,
    pub points: Vec<TrendPoint>,
    /// Set when the rule pack or scoring method differs along the series.
    pub methodology_changes: Vec<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq, schemars::JsonSchema)]
pub struct TrendPoint {
    pub as_of: String,
    pub score: Option<f64>,
    pub grade: Option<String>,
    pub coverage: f64,
    pub categories: BTreeMap<String, Option<f64>>,
}

pub fn trend(reports: &[SavedReport]) -> Trend {
    let mut sorted: Vec<&SavedReport> = reports.iter().collect();
    sorted.sort_by(|a, b| a.audit.as_of.cmp(&b.audit.as_of));
    let mut changes = Vec::new();
    for pair in sorted.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        if a.methodology.rule_pack_hash != b.methodology.rule_pack_hash {
            changes.push(format!(
                "rule pack changed between {} and {}",
                a.audit.as_of, b.audit.as_of
            ));
        }
        if a.methodology.scoring_method_version != b.methodology.scoring_method_version {
            changes.push(format!(
                "scoring method changed between {} and {}",
                a.audit.as_of, b.audit.as_of
            ));
        }
    }
    Trend {
        org: sorted.last().map(|r| r.audit.org.clone()).unwrap_or_default(),
        points: sorted
            .iter()
            .map(|r| TrendPoint {
                as_of: r.audit.as_of.clone(),
                score: r.summary.score,
                grade: r.summary.grade.clone(),
                coverage: r.summary.coverage,
                categories: r.categories.iter().map(|c| (c.category.clone(), c.score)).collect(),
            })
            .collect(),
        methodology_changes: changes,
    }
}

const CATEGORY_ORDER: [&str; 5] = ["competent", "credible", "accountable", "strategic", "integrated"];

pub fn render_trend_text(t: &Trend) -> String {
    use std::fmt::Write;
    let mut out = format!("Trend for {}\n\n", t.org);
    let _ = write!(
        out,
        "  {:<11} {:>7} {:>5} {:>8}",
        "as of", "overall", "grade", "coverage"
    );
    for c in CATEGORY_ORDER {
        let _ = write!(out, " {:>11}", c);
    }
    out.push('\n');
    for p in &t.points {
        let _ = write!(
            out,
            "  {:<11} {:>7} {:>5} {:>8}",
            p.as_of,
            fmt_score(p.score),
            p.grade.as_deref().unwrap_or("-"),
            crate::template::format_percent(p.coverage)
        );
        for c in CATEGORY_ORDER {
            let _ = write!(out, " {:>11}", fmt_score(p.categories.get(c).copied().flatten()));
        }
        out.push('\n');
    }
    for m in &t.methodology_changes {
        let _ = writeln!(out, "  note: {m}; scores on either side are not strictly comparable");
    }
    out
}

/// The trend as a Markdown table.
pub fn render_trend_markdown(t: &Trend) -> String {
    use std::fmt::Write;
    let mut out = format!(
        "# Trend for {}\n\n| as of | overall | grade | coverage |",
        crate::template::markdown_escape(&t.org)
    );
    for c in CATEGORY_ORDER {
        let _ = write!(out, " {c} |");
    }
    out.push_str("\n|---|---|---|---|");
    out.push_str(&"---|".repeat(CATEGORY_ORDER.len()));
    out.push('\n');
    for p in &t.points {
        let _ = write!(
            out,
            "| {} | {} | {} | {} |",
            p.as_of,
            fmt_score(p.score),
            p.grade.as_deref().unwrap_or("-"),
            crate::template::format_percent(p.coverage)
        );
        for c in CATEGORY_ORDER {
            let _ = write!(out, " {} |", fmt_score(p.categories.get(c).copied().flatten()));
        }
        out.push('\n');
    }
    for m in &t.methodology_changes {
        let _ = writeln!(out, "\n> Note: {m}; scores on either side are not strictly comparable.");
    }
    out
}
