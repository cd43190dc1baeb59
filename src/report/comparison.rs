//! The model of what changed between audits: a baseline comparison (part of
//! a report) and a trend over several. `crate::compare` computes them from
//! saved reports; the report formats render them. The arrow runs one way:
//! compare -> report.
//!
//! A problem's identity is its rule and its subject. Every rule judges the
//! organisation as a whole, so the subject is the org (and reports of two
//! orgs are not compared unless asked): a rule that is flagged in both
//! audits is one persisting problem, whichever records show it each time.
//! The records are its detail (which are new, which are gone), matched by
//! their business key (`kpis:K-03`), never by line.

use crate::eval::Status;
use crate::rules::{Category, Severity};
use serde::Serialize;
use std::collections::BTreeMap;

/// One side of a comparison.
#[derive(Debug, Clone, Serialize, PartialEq, schemars::JsonSchema)]
pub struct Side {
    pub org: String,
    pub as_of: String,
    pub score: Option<f64>,
    pub grade: Option<String>,
    pub coverage: f64,
}

#[derive(Debug, Clone, Serialize, PartialEq, schemars::JsonSchema)]
pub struct CategoryDelta {
    pub category: Category,
    pub old: Option<f64>,
    pub new: Option<f64>,
    pub delta: Option<f64>,
}

/// A flagged rule (warn or fail) in one or both audits.
#[derive(Debug, Clone, Serialize, PartialEq, schemars::JsonSchema)]
pub struct Problem {
    pub rule: String,
    pub title: String,
    pub category: Category,
    pub severity: Severity,
    /// Its status in the earlier audit (absent: the rule was not in it).
    pub old_status: Option<Status>,
    pub new_status: Option<Status>,
    /// The latest message: the new audit's, or the old one's for a resolved problem.
    pub message: String,
    /// Keys of the records that show it now (then, for a resolved problem).
    pub records: Vec<String>,
    /// Of a persisting problem: records that show it now and did not before.
    pub records_added: Vec<String>,
    /// Of a persisting problem: records that showed it before and no longer do.
    pub records_gone: Vec<String>,
}

/// One finding (a record of a problem), for changes that are about records: waivers.
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
    /// Problems that appear or disappear only because rules were added, removed or changed.
    pub problems_new: Vec<Problem>,
    pub problems_gone: Vec<Problem>,
}

/// What changed between two audits of the same org.
#[derive(Debug, Clone, Serialize, PartialEq, schemars::JsonSchema)]
pub struct Comparison {
    pub old: Side,
    pub new: Side,
    pub overall_delta: Option<f64>,
    pub categories: Vec<CategoryDelta>,
    /// Set when the two reports are of different orgs (compared on request only).
    pub different_orgs: bool,
    /// Real change, by rule and subject: problems flagged now and not before.
    pub new_problems: Vec<Problem>,
    /// Flagged before, passing now (not by a waiver or a changed rule).
    pub resolved_problems: Vec<Problem>,
    /// Flagged in both, with the records that came and went as detail.
    pub persisting_problems: Vec<Problem>,
    /// Findings that left the score because a waiver now covers them (not resolved).
    pub newly_waived: Vec<FindingRef>,
    /// Findings waived in the old audit that count again (the waiver expired
    /// or was removed): not new problems, old ones back on the books.
    pub back_from_waiver: Vec<FindingRef>,
    pub methodology: MethodologyChange,
}

/// Overall and category scores over time, oldest first.
#[derive(Debug, Clone, Serialize, PartialEq, schemars::JsonSchema)]
pub struct Trend {
    pub org: String,
    pub points: Vec<TrendPoint>,
    /// Set when the rule pack or scoring method differs along the series.
    pub methodology_changes: Vec<String>,
    /// What moved most, in words (from the numbers above, deterministically).
    pub commentary: Vec<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq, schemars::JsonSchema)]
pub struct TrendPoint {
    pub as_of: String,
    pub score: Option<f64>,
    pub grade: Option<String>,
    pub coverage: f64,
    pub categories: BTreeMap<Category, Option<f64>>,
}
