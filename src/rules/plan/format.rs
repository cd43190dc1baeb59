//! The `plan:` check as serde reads it (docs/rules.md). Every struct denies
//! unknown keys, so a typo is an error at its line with a suggestion.

use crate::rules::format::{RawCondition, Threshold};
use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

mod computed;
mod groups;
mod step;

pub use computed::{RawComputed, RawLookup, RawLookupField, RawRelated, RawRelatedAgg};
pub use groups::{RawGroupAgg, RawGroups};

/// Named values computed in order, then an outcome. A part of a composite
/// check (`parts:`) has the same shape, with a `name` and without `let`.
#[derive(Debug, Clone, Deserialize, Serialize, Default, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawPlan {
    /// Named values, each computed once, in order; a later one may use an earlier one.
    #[serde(rename = "let", default)]
    pub lets: IndexMap<String, RawStep>,
    /// A part's short name, shown when it is not assessed.
    #[serde(default)]
    pub name: Option<String>,
    /// Precondition: when this expression is false the rule does not apply
    /// (*not applicable*, never a pass), with `otherwise` as the message.
    #[serde(default)]
    pub when: Option<String>,
    #[serde(default)]
    pub otherwise: Option<String>,
    /// Below this sample size the rule is *not assessed*.
    #[serde(default)]
    pub min_sample: Option<RawMinSample>,
    /// Ordered outcomes: the first whose `if` holds (or that has no `if`) decides.
    #[serde(default)]
    pub outcome: Option<Vec<RawBranch>>,
    /// Sub-checks judged on their own; the worst assessed outcome wins and
    /// their messages are joined.
    #[serde(default)]
    pub parts: Option<Vec<RawPlan>>,
    /// The rule's headline value (an expression), shown with its threshold.
    #[serde(default)]
    pub value: Option<String>,
    /// The threshold shown beside the value when `outcome` decides.
    #[serde(default)]
    pub threshold: Option<Threshold>,
    /// Thresholds on `value` (instead of `outcome`).
    #[serde(default)]
    pub fail_below: Option<Threshold>,
    #[serde(default)]
    pub warn_below: Option<Threshold>,
    #[serde(default)]
    pub fail_above: Option<Threshold>,
    #[serde(default)]
    pub warn_above: Option<Threshold>,
    /// The message with thresholds (any outcome).
    #[serde(default)]
    pub message: Option<String>,
    /// The records (or months, groups) behind the outcome.
    #[serde(default)]
    pub findings: Vec<RawFindings>,
    /// The money at stake when the rule warns or fails: an amount the data
    /// holds, in the bundle's currency (top of the plan only).
    #[serde(default)]
    pub at_stake: Option<RawAtStake>,
}

/// What a warning or failure puts at stake, in money the data records
/// (spend, pipeline), never an estimate: the report shows it beside the fix.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawAtStake {
    /// An expression giving the amount, in the bundle's currency (a `sum` of
    /// a money field); nothing is shown when it is missing or not above 0.
    pub amount: String,
    /// What the amount is, as words that follow it: "of ad spend with no
    /// conversion". A template: `{name}` shows plan values and params.
    pub label: String,
}

#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawMinSample {
    /// An expression: the number of records (or groups) judged.
    pub value: String,
    pub at_least: Threshold,
    /// Says what was too few and what to gather.
    pub reason: String,
}

/// One outcome: `if` (optional) and exactly one status with its message.
#[derive(Debug, Clone, Deserialize, Serialize, Default, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawBranch {
    #[serde(rename = "if", default)]
    pub cond: Option<String>,
    #[serde(default)]
    pub pass: Option<String>,
    #[serde(default)]
    pub warn: Option<String>,
    #[serde(default)]
    pub fail: Option<String>,
    #[serde(default)]
    pub not_assessed: Option<String>,
    #[serde(default)]
    pub not_applicable: Option<String>,
    /// The threshold this branch reports (overrides the judge's).
    #[serde(default)]
    pub threshold: Option<Threshold>,
    /// The value this branch reports, an expression (overrides the judge's `value`).
    #[serde(default)]
    pub value: Option<String>,
}

/// Findings listed when the outcome is warn or fail (or when `if` holds).
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawFindings {
    /// A row set or key set of the plan; absent: one finding about the org.
    #[serde(default)]
    pub from: Option<String>,
    /// Per record: `{field}` of the row, `{a|b}` the first with a value; per key: `{key}`.
    pub message: String,
    #[serde(rename = "if", default)]
    pub cond: Option<String>,
    /// Show at most this many (the count stays exact).
    #[serde(default)]
    pub limit: Option<usize>,
    #[serde(default)]
    pub sort_by: Option<String>,
    #[serde(default)]
    pub desc: bool,
    /// Fields looked up for the findings shown only, not for every row or
    /// group of the set: `name: { lookup: { from, on: { theirs: mine }, field } }`,
    /// `mine` a field of the rows, or a value of the groups (or `key`).
    #[serde(default)]
    pub with: IndexMap<String, RawLookupField>,
}

// Read by hand (`format/step.rs`), not as serde's untagged enum: a mistake
// inside a step (`wher:`) is then named where it is written, not reported as
// a value that matches no form.
/// A named value: an expression (a string), a number, or exactly one step.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[serde(untagged)]
pub enum RawStep {
    Expr(String),
    Number(f64),
    Step(Box<RawStepMap>),
}

#[derive(Debug, Clone, Deserialize, Serialize, Default, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawStepMap {
    /// The rows of a dataset (or of another row set) that meet `where`.
    #[serde(default)]
    pub rows: Option<RawRows>,
    #[serde(default)]
    pub count: Option<RawAgg>,
    #[serde(default)]
    pub sum: Option<RawAgg>,
    #[serde(default)]
    pub avg: Option<RawAgg>,
    #[serde(default)]
    pub min: Option<RawAgg>,
    #[serde(default)]
    pub max: Option<RawAgg>,
    /// Number of distinct values of `field` (normalised text).
    #[serde(default)]
    pub distinct: Option<RawAgg>,
    /// Median of a number field.
    #[serde(default)]
    pub median: Option<RawAgg>,
    /// Calendar months (`2025-03`): of a date field, or covered by date ranges.
    #[serde(default)]
    pub months: Option<RawMonths>,
    /// Keys of the groups of rows (by a field, or by month) that pass a test.
    #[serde(default)]
    pub groups: Option<Box<RawGroups>>,
    /// Set arithmetic over key sets: `{ keys: a, minus: b }`.
    #[serde(default)]
    pub keys: Option<RawKeys>,
    /// Text: the rows (or keys) of a set, each shown by a template, joined.
    #[serde(default)]
    pub list: Option<RawList>,
    /// The value of `field` in the first row of a set (after `sort_by`).
    #[serde(default)]
    pub first: Option<RawFirst>,
    /// One of two row sets of the same dataset, by a condition.
    #[serde(default)]
    pub pick: Option<RawPick>,
    /// A message template rendered once to text, for use in other messages.
    #[serde(default)]
    pub text: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawRows {
    pub from: String,
    #[serde(rename = "where", default)]
    pub filter: Option<RawCondition>,
    /// An expression each row must meet, over the row's fields (and the plan's
    /// values and params), for what a condition cannot say: `per_year(cadence) >= $min`.
    #[serde(rename = "if", default)]
    pub test: Option<String>,
    /// Computed fields: per kept row, an expression over the row's fields
    /// (and the plan's values and params), or a message template; in order,
    /// each may use the ones before it. Later steps read them as fields.
    #[serde(rename = "with", default)]
    pub with: IndexMap<String, RawComputed>,
}

#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawAgg {
    pub from: String,
    #[serde(default)]
    pub field: Option<String>,
    #[serde(rename = "where", default)]
    pub filter: Option<RawCondition>,
}

#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawMonths {
    pub from: String,
    /// The month of this date field (with `end`: where each range starts).
    pub date: String,
    /// Each row covers every month from `date` to `end`.
    #[serde(default)]
    pub end: Option<String>,
    /// What a missing `end` (or `date`) means: `start_month` (the row covers
    /// its start month only, the default) or `period` (open to the period's edge).
    #[serde(default)]
    pub open: Option<OpenRange>,
    #[serde(rename = "where", default)]
    pub filter: Option<RawCondition>,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum OpenRange {
    StartMonth,
    Period,
}

#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawKeys {
    /// A key set of the plan, or `period_months` / `elapsed_months`.
    pub of: String,
    #[serde(default)]
    pub minus: Option<String>,
    #[serde(default)]
    pub and: Option<String>,
    #[serde(default)]
    pub or: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawList {
    pub from: String,
    /// How each row is shown (`"{name|id} ({role})"`); keys show as they are.
    #[serde(default)]
    pub show: Option<String>,
    /// Show at most this many, then "and N more".
    #[serde(default)]
    pub limit: Option<usize>,
    #[serde(default)]
    pub sort_by: Option<String>,
    #[serde(default)]
    pub desc: bool,
    /// Separator (default ", ").
    #[serde(default)]
    pub sep: Option<String>,
    /// Show each distinct text once.
    #[serde(default)]
    pub distinct: bool,
}

#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawFirst {
    pub from: String,
    pub field: String,
    #[serde(default)]
    pub sort_by: Option<String>,
    #[serde(default)]
    pub desc: bool,
}

/// `{ if: EXPR, then: A, else: B }`: row set A when the expression holds, else B.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawPick {
    #[serde(rename = "if")]
    pub cond: String,
    pub then: String,
    #[serde(rename = "else")]
    pub otherwise: String,
}
