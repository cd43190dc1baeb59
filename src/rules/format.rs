//! The rule file format v1, as serde reads it. These structs mirror the YAML
//! exactly; `load.rs` validates them into `Rule`s. Every struct denies unknown
//! keys so a typo is an error at its line, with a suggestion, and none uses
//! `flatten`, which would silently switch that check off.

use super::{Category, Severity};
use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

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
#[serde(untagged)]
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
#[serde(untagged)]
pub enum Threshold {
    Number(f64),
    Param(String),
}

/// A row condition: either `field` with exactly one operator, or one of
/// `all`, `any`, `not`.
#[derive(Debug, Clone, Deserialize, Serialize, Default, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawCondition {
    /// A named condition of the pack's `definitions.yaml`, standing alone
    /// (`{ is: program_line }`); expanded when the rule loads.
    #[serde(default)]
    pub is: Option<String>,
    #[serde(default)]
    pub field: Option<String>,
    /// Regex (or `$param`), matched case-sensitively unless it starts with `(?i)`.
    #[serde(default)]
    pub matches: Option<String>,
    #[serde(default)]
    pub not_matches: Option<String>,
    /// Equal, ignoring case and surrounding space for text.
    #[serde(default)]
    #[schemars(with = "Option<serde_json::Value>")]
    pub equals: Option<crate::yaml::Value>,
    #[serde(default)]
    #[schemars(with = "Option<serde_json::Value>")]
    pub not_equals: Option<crate::yaml::Value>,
    /// One of these values (a list, or `$param` holding a list).
    #[serde(rename = "in", default)]
    #[schemars(with = "Option<serde_json::Value>")]
    pub is_in: Option<crate::yaml::Value>,
    #[serde(default)]
    #[schemars(with = "Option<serde_json::Value>")]
    pub not_in: Option<crate::yaml::Value>,
    #[serde(default)]
    pub gt: Option<Operand>,
    #[serde(default)]
    pub gte: Option<Operand>,
    #[serde(default)]
    pub lt: Option<Operand>,
    #[serde(default)]
    pub lte: Option<Operand>,
    /// true: the field has a value; false: it is empty.
    #[serde(default)]
    pub present: Option<bool>,
    /// true: the date falls inside the audited period.
    #[serde(default)]
    pub in_period: Option<bool>,
    /// The text (or any item of a list) is a term of this vocabulary (`vocabularies.yaml`),
    /// ignoring case, punctuation and camelCase.
    #[serde(default)]
    pub in_vocab: Option<String>,
    #[serde(default)]
    pub not_in_vocab: Option<String>,
    /// Regex matched against the text with `_`, `-`, `/` and camelCase read as spaces,
    /// so `\bclick rate\b` finds `email_click_rate` and `emailClickRate`.
    #[serde(default)]
    pub mentions: Option<String>,
    #[serde(default)]
    pub not_mentions: Option<String>,
    /// The value (or any item of a list) is one of the values of `fields` in another
    /// row set of the plan, or another dataset: a semi-join (`attendees` in the people who lead marketing).
    #[serde(default)]
    pub in_rows: Option<RawInRows>,
    #[serde(default)]
    pub not_in_rows: Option<RawInRows>,
    /// The value is a key of a key set of the plan (`months`, `groups`, `keys`,
    /// `period_months`, `elapsed_months`); a date is taken by its month (`2025-03`).
    #[serde(default)]
    pub in_keys: Option<String>,
    #[serde(default)]
    pub not_in_keys: Option<String>,
    /// The date is later than the same date field of some row of a row set of
    /// the plan (e.g. a version that replaced an earlier one); with
    /// `within_days`, less than that many days later than the latest such row.
    #[serde(default)]
    pub follows: Option<Box<RawFollows>>,
    /// Dates: before / after / on or before / on or after a date expression
    /// (`as_of`, `period_start - 90`, a plan value) or `{ field: other_date_field }`.
    #[serde(default)]
    pub before: Option<Operand>,
    #[serde(default)]
    pub after: Option<Operand>,
    #[serde(default)]
    pub on_or_before: Option<Operand>,
    #[serde(default)]
    pub on_or_after: Option<Operand>,
    /// The date falls in the N days up to the audit date.
    #[serde(default)]
    pub within_days: Option<Threshold>,
    /// Days from the date to the audit date, compared: `age_days: { gt: 30 }`.
    // Boxed, like `follows`: a condition is deserialized on the stack of each
    // enclosing struct, and debug builds overflowed a 2 MB worker stack.
    #[serde(default)]
    pub age_days: Option<Box<RawAge>>,
    /// The range from this date field to `end` overlaps the audited period; a
    /// missing start or end is open.
    #[serde(default)]
    pub overlaps_period: Option<RawOverlap>,
    #[serde(default)]
    pub all: Option<Vec<RawCondition>>,
    #[serde(default)]
    pub any: Option<Vec<RawCondition>>,
    #[serde(default)]
    pub not: Option<Box<RawCondition>>,
}

/// The right side of a comparison: a number, a `$param`, an expression over
/// plan values (`as_of - 30`), or another field of the same row.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, schemars::JsonSchema)]
#[serde(untagged)]
pub enum Operand {
    Number(f64),
    Expr(String),
    Field(FieldRef),
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FieldRef {
    pub field: String,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawInRows {
    /// A row set of the plan (`let:`) or a dataset.
    pub from: String,
    /// The fields whose values count (any of them).
    pub fields: Vec<String>,
    /// Also count these words (a vocabulary name), e.g. roles written in place of a person.
    #[serde(default)]
    pub or_vocab: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Default, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawAge {
    #[serde(default)]
    pub gt: Option<Threshold>,
    #[serde(default)]
    pub gte: Option<Threshold>,
    #[serde(default)]
    pub lt: Option<Threshold>,
    #[serde(default)]
    pub lte: Option<Threshold>,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawFollows {
    /// A row set of the plan, of the same dataset.
    pub from: String,
    /// Only when the latest earlier row is less than this many days earlier.
    #[serde(default)]
    pub within_days: Option<Threshold>,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawOverlap {
    /// The date field where the range ends (the start field's own date when absent).
    #[serde(default)]
    pub end: Option<String>,
}

/// A value computed from the bundle. Exactly one key.
#[derive(Debug, Clone, Deserialize, Serialize, Default, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawMetric {
    /// Number of rows of a dataset (in scope of `where`).
    #[serde(default)]
    pub count: Option<RawAggregate>,
    #[serde(default)]
    pub sum: Option<RawAggregate>,
    #[serde(default)]
    pub avg: Option<RawAggregate>,
    #[serde(default)]
    pub min: Option<RawAggregate>,
    #[serde(default)]
    pub max: Option<RawAggregate>,
    /// Number of distinct values of `field`.
    #[serde(default)]
    pub distinct: Option<RawAggregate>,
    /// `of` divided by `to`; not computable when `to` is zero.
    #[serde(default)]
    pub ratio: Option<Box<RawRatio>>,
    /// Share of rows (or of `field`'s sum) that match `where` among all rows in `within`.
    #[serde(default)]
    pub share: Option<RawShare>,
    #[serde(default)]
    pub sub: Option<Vec<RawMetric>>,
    #[serde(default)]
    pub mul: Option<Vec<RawMetric>>,
    /// A param's value.
    #[serde(default)]
    pub param: Option<String>,
    /// A field of the org profile.
    #[serde(default)]
    pub profile: Option<String>,
    /// A constant.
    #[serde(default)]
    pub number: Option<f64>,
}

#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawAggregate {
    pub dataset: String,
    #[serde(default)]
    pub field: Option<String>,
    #[serde(rename = "where", default)]
    pub filter: Option<RawCondition>,
}

#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawRatio {
    pub of: RawMetric,
    pub to: RawMetric,
}

#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawShare {
    pub dataset: String,
    /// Sum this field instead of counting rows.
    #[serde(default)]
    pub field: Option<String>,
    /// The part.
    #[serde(rename = "where")]
    pub filter: RawCondition,
    /// The whole (all rows when absent).
    #[serde(default)]
    pub within: Option<RawCondition>,
}

/// An inline test: a tiny bundle and the outcome the rule must give.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawTest {
    pub name: String,
    pub expect: ExpectedStatus,
    /// Audit date for the test (default 2025-12-31).
    #[serde(default)]
    pub as_of: Option<chrono::NaiveDate>,
    /// Optional manifest (org, period, currency).
    #[serde(default)]
    pub manifest: Option<crate::bundle::Manifest>,
    /// Param values for this test.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, serde_json::Value>")]
    pub params: BTreeMap<String, crate::yaml::Value>,
    /// Dataset name -> records (a list; a mapping for `org`).
    #[serde(default)]
    #[schemars(with = "IndexMap<String, serde_json::Value>")]
    pub data: IndexMap<String, crate::yaml::Value>,
    /// A regex the outcome's message (or not-assessed reason) must match.
    #[serde(default)]
    pub expect_message: Option<String>,
    /// How many findings the outcome must list (its `findings_total`).
    #[serde(default)]
    pub expect_findings: Option<usize>,
    /// The money at stake the outcome must name (the plan's `at_stake`
    /// amount); 0 pins that it names none.
    #[serde(default)]
    pub expect_at_stake: Option<f64>,
    /// The score (0-100) of the rule's category when every rule of that
    /// category in the pack is run on this case's data: pins how the fixture
    /// grades, not only what this rule says.
    #[serde(default)]
    pub expect_score: Option<f64>,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExpectedStatus {
    Pass,
    Warn,
    Fail,
    NotAssessed,
    NotApplicable,
}

impl ExpectedStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ExpectedStatus::Pass => "pass",
            ExpectedStatus::Warn => "warn",
            ExpectedStatus::Fail => "fail",
            ExpectedStatus::NotAssessed => "not_assessed",
            ExpectedStatus::NotApplicable => "not_applicable",
        }
    }
}
