//! What a rule ends as, with its evidence: the one model of an outcome,
//! from evaluation to the JSON report.

use super::Status;
use crate::rules::format::{Effort, Reference};
use crate::rules::params::ParamOrigin;
use crate::rules::{Category, Rule, Severity};
use crate::value::Value;
use serde::Serialize;
use std::collections::BTreeMap;

/// Where a finding's evidence sits in the bundle.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Evidence {
    pub dataset: String,
    pub file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Finding {
    pub message: String,
    /// The business entity the finding is about (`kpis:K-01`, `month:2025-03`,
    /// or empty for the org as a whole): stable across quarters, unlike lines.
    pub key: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub threshold: Option<f64>,
    pub evidence: Vec<Evidence>,
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct ParamUse {
    pub value: Value,
    pub default: Value,
    pub origin: ParamOrigin,
}

/// Money a warning or failure puts at stake, as the data records it.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct AtStake {
    /// In the bundle's currency (`audit.currency`), above 0.
    pub amount: f64,
    /// What the amount is, as words that follow it ("of ad spend with no conversion").
    pub label: String,
}

// The outcome of one rule, and the one model of it: evaluation fills it,
// scoring and waivers read it, and the report writes it as is (its
// `results[]`), so an outcome field is declared here and nowhere else. The
// rule's own words travel with it, so nothing looks the rule up again to
// explain an outcome. Plain comments where the report schema had no
// description, so the published schema keeps its bytes.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
// The report schema has always called a result `RuleReport`.
#[schemars(rename = "RuleReport")]
pub struct RuleResult {
    pub id: String,
    /// Names the problem the rule looks for.
    pub title: String,
    /// Names what is working when the rule passes, if the rule says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pass_title: Option<String>,
    pub category: Category,
    pub severity: Severity,
    pub weight: f64,
    pub status: Status,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub threshold: Option<f64>,
    /// How the value was computed, with the numbers that went in (`attended / meetings = 3 / 10`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub formula: Option<String>,
    // Not assessed: why; error: what broke.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    // Datasets or fields whose absence stopped the rule (`leads`, `kpis.audience`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub missing: Vec<String>,
    /// How much the overall score would rise if this rule passed.
    // Zero until the report is built: it needs the scorecard's total weight.
    pub points_recoverable: f64,
    /// The money a warning or failure puts at stake, in `audit.currency`,
    /// when the rule names it and the data records the amounts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at_stake: Option<AtStake>,
    pub findings: Vec<Finding>,
    // All findings, including those beyond the kept sample.
    pub findings_total: usize,
    pub rationale: String,
    pub remediation: String,
    /// How much work the remediation is, if the rule says: quick, moderate or major.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effort: Option<Effort>,
    pub references: Vec<Reference>,
    pub params: BTreeMap<String, ParamUse>,
    /// sha256 of the rule's definition: a baseline comparison uses it to tell
    /// a changed rule from a changed organisation.
    pub rule_hash: String,
}

impl RuleResult {
    /// A pass with no message yet, carrying the rule's own words.
    pub fn new(rule: &Rule, params: BTreeMap<String, ParamUse>) -> Self {
        RuleResult {
            id: rule.id.clone(),
            title: rule.title.clone(),
            pass_title: rule.pass_title.clone(),
            category: rule.category,
            severity: rule.severity,
            weight: rule.weight,
            status: Status::Pass,
            message: String::new(),
            value: None,
            threshold: None,
            formula: None,
            reason: None,
            missing: Vec::new(),
            points_recoverable: 0.0,
            at_stake: None,
            findings: Vec::new(),
            findings_total: 0,
            rationale: rule.rationale.trim().to_string(),
            remediation: rule.remediation.trim().to_string(),
            effort: rule.effort,
            references: rule.references.clone(),
            params,
            rule_hash: rule.hash.clone(),
        }
    }
}
