//! The rule file format v1, as serde reads it. These structs mirror the YAML
//! exactly; `load.rs` validates them into `Rule`s. Every struct denies unknown
//! keys so a typo is an error at its line, with a suggestion, and none uses
//! `flatten`, which would silently switch that check off.

use super::{Category, Severity};
use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

mod condition;
mod metric;
mod rule_test;

pub use condition::{Operand, RawCondition};
pub use metric::{RawAggregate, RawMetric};
pub use rule_test::{ExpectedStatus, RawTest};

/// One rule file: metadata, parameters, data needs, one check, tests.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawRule {
    /// Stable identifier, e.g. `CRED-001`. Defaults to the file name without extension.
    #[serde(default)]
    pub id: Option<String>,
    /// One line that names the problem the rule flags.
    pub title: String,
    /// One line that names what is working when the rule passes (the report's
    /// "what is working" section); without it a pass is shown as "Checked: <title>".
    #[serde(default)]
    pub pass_title: Option<String>,
    /// competent, credible, accountable, strategic or integrated. Defaults to the folder name.
    #[serde(default)]
    pub category: Option<Category>,
    /// info, low, medium, high or critical. Used by `--fail-on` and to order findings.
    pub severity: Severity,
    /// Weight in the category score. Defaults by severity (info 0, low 1, medium 2, high 3, critical 5).
    #[serde(default)]
    pub weight: Option<f64>,
    /// Why the pattern hurts the organisation, in plain words.
    pub rationale: String,
    /// What to do about it.
    pub remediation: String,
    /// How much work the remediation is: quick (days, one owner), moderate
    /// (weeks, a project) or major (a quarter or more, several teams). Orders
    /// the remediation plan among rules worth the same points: quick wins first.
    #[serde(default)]
    pub effort: Option<Effort>,
    /// Sources: the seed article, benchmark sources, or a note that a threshold is convention.
    #[serde(default)]
    pub references: Vec<Reference>,
    /// Named thresholds and patterns, referenced in the check as `$name`.
    #[serde(default)]
    pub params: IndexMap<String, RawParam>,
    /// Datasets and fields the rule needs beyond those its check names (scripts list theirs here).
    #[serde(default)]
    pub requires: BTreeMap<String, Vec<String>>,
    /// Datasets and fields a script may read when present; their absence does not stop the rule.
    #[serde(default)]
    pub optional: BTreeMap<String, Vec<String>>,
    /// `whole`: the rule judges the whole audit period (months in market, a
    /// year's load of requests), so it is not assessed when a dated dataset it
    /// reads covers less of the period. `any` (the default): any stretch will do.
    #[serde(default)]
    pub period: PeriodNeed,
    pub check: RawCheck,
    /// Small inline bundles with the outcome the rule must give on each.
    #[serde(default)]
    pub tests: Vec<RawTest>,
}

/// How much work a remediation is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Effort {
    Quick,
    Moderate,
    Major,
}

impl Effort {
    pub fn label(self) -> &'static str {
        match self {
            Effort::Quick => "quick win",
            Effort::Moderate => "moderate",
            Effort::Major => "major",
        }
    }
}

/// How much of the audit period a rule's data must cover.
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, PartialEq, Eq, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PeriodNeed {
    #[default]
    Any,
    Whole,
}

/// A reference: a plain string, or a structured entry.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, schemars::JsonSchema)]
#[serde(
    untagged,
    expecting = "a reference is a text, or `{ seed: FILE }`, `{ title: ..., url: ... }` or `{ convention: ... }`"
)]
pub enum Reference {
    Text(String),
    Entry(ReferenceEntry),
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Default, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReferenceEntry {
    /// A seed article in `shared/seeds` the rule comes from.
    #[serde(default)]
    pub seed: Option<String>,
    /// Title of a published source.
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
    /// Says that a threshold has no solid source and is a practitioner convention.
    #[serde(default)]
    pub convention: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawParam {
    /// The value used unless config or the org profile says otherwise.
    #[schemars(with = "serde_json::Value")]
    pub default: crate::yaml::Value,
    #[serde(default)]
    pub description: Option<String>,
    /// Defaults that depend on the org profile: profile field -> value of that field -> param value.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, BTreeMap<String, serde_json::Value>>")]
    pub by_profile: BTreeMap<String, BTreeMap<String, crate::yaml::Value>>,
}

/// Exactly one of `rows`, `aggregate`, `script`, `script_file`.
#[derive(Debug, Clone, Deserialize, Serialize, Default, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawCheck {
    #[serde(default)]
    pub rows: Option<RawRowsCheck>,
    #[serde(default)]
    pub aggregate: Option<RawAggregateCheck>,
    /// Rhai source; its last expression is the result.
    #[serde(default)]
    pub script: Option<String>,
    /// A `.rhai` file next to the rule file.
    #[serde(default)]
    pub script_file: Option<String>,
    /// A declarative plan: named values, then an outcome (docs/rules.md).
    #[serde(default)]
    pub plan: Option<Box<super::plan::format::RawPlan>>,
}

/// Flags rows of a dataset; the outcome depends on how many are flagged.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawRowsCheck {
    pub dataset: String,
    /// Which rows are in scope (all when absent).
    #[serde(rename = "where", default)]
    pub filter: Option<RawCondition>,
    /// A row in scope that matches this is a finding.
    pub flag: RawCondition,
    /// Message per flagged row; `{field}` is replaced by the row's value.
    pub message: String,
    /// Fail when more than this many rows are flagged (default 0).
    #[serde(default)]
    pub fail_above: Option<Threshold>,
    /// Warn when more than this many rows are flagged (and fail_above is not reached).
    #[serde(default)]
    pub warn_above: Option<Threshold>,
    /// Outcome when no row is in scope: `pass` (default) or `not_assessed`.
    #[serde(default)]
    pub when_empty: Option<EmptyOutcome>,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum EmptyOutcome {
    Pass,
    Fail,
    NotAssessed,
}

/// Computes one value (optionally per month) and compares it to thresholds.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawAggregateCheck {
    pub value: RawMetric,
    /// Evaluate per calendar month of the audited period, on this date field.
    #[serde(default)]
    pub per_month: Option<String>,
    #[serde(default)]
    pub fail_below: Option<Threshold>,
    #[serde(default)]
    pub warn_below: Option<Threshold>,
    #[serde(default)]
    pub fail_above: Option<Threshold>,
    #[serde(default)]
    pub warn_above: Option<Threshold>,
    /// `{value}`, `{threshold}` and `{month}` are filled in; `{value:pct}` shows a percentage.
    pub message: String,
    /// Outcome when the value cannot be computed (e.g. a ratio over zero rows):
    /// `not_assessed` (default), `pass` or `fail`.
    #[serde(default)]
    pub when_empty: Option<EmptyOutcome>,
}

/// A number, or `$name` of a declared param.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, schemars::JsonSchema)]
#[serde(untagged, expecting = "a threshold is a number, or `$name` of a declared param")]
pub enum Threshold {
    Number(f64),
    Param(String),
}
