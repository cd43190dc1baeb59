//! Conditions (`where:`, `when:`), as serde reads them: field tests,
//! `all`/`any`/`not`, and the operands, semi-joins and date tests they use.

use super::Threshold;
use serde::{Deserialize, Serialize};

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
#[serde(
    untagged,
    expecting = "a comparison takes a number, a `$param`, an expression over plan values, or `{ field: NAME }`"
)]
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
    /// A row set of the plan (`let:`), a `groups` step of the plan (the rows
    /// of the groups it keeps) or a dataset.
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
