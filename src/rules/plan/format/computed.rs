//! Computed fields (`with:` on a `rows` step) as serde reads them:
//! expressions, templates, lookups and related aggregates.

use crate::rules::format::RawCondition;
use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

/// A computed field: an expression, `{ text: TEMPLATE }` rendered per row,
/// `{ lookup: ... }`, a field of the matching row of another set, or an
/// aggregate over the rows of another set that match this row
/// (`{ sum: { from, field, on?, within?, where? } }`).
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(
    untagged,
    expecting = "a computed field is an expression, `{ text: TEMPLATE }`, `{ lookup: { from, on, field } }` or an aggregate such as `{ count: { from, on } }`"
)]
pub enum RawComputed {
    Expr(String),
    Number(f64),
    Text(RawText),
    Lookup(RawLookupField),
    Related(Box<RawRelated>),
}

#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawLookupField {
    pub lookup: RawLookup,
}

/// `{ from: opportunities, on: { id: opportunity_id }, field: amount }`: the
/// `field` of the first row of `from` whose `id` equals this row's
/// `opportunity_id` (compared as `in_rows` compares); missing when none does.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawLookup {
    /// A dataset, or a row set of the plan.
    pub from: String,
    /// One pair, as in every `on:`: a field of `from` -> the field of this
    /// row it must equal.
    pub on: IndexMap<String, String>,
    /// The field of `from` to take.
    pub field: String,
}

/// An aggregate per row over the matching rows of another row set or dataset.
#[derive(Debug, Clone, Deserialize, Serialize, Default, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawRelated {
    #[serde(default)]
    pub count: Option<RawRelatedAgg>,
    #[serde(default)]
    pub sum: Option<RawRelatedAgg>,
    #[serde(default)]
    pub avg: Option<RawRelatedAgg>,
    #[serde(default)]
    pub min: Option<RawRelatedAgg>,
    #[serde(default)]
    pub max: Option<RawRelatedAgg>,
}

#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawRelatedAgg {
    /// The other rows: a row set of the plan or a dataset.
    pub from: String,
    /// The field aggregated (`count` without one counts rows).
    #[serde(default)]
    pub field: Option<String>,
    /// A condition on the other rows (the same for every row of this set).
    #[serde(rename = "where", default)]
    pub filter: Option<RawCondition>,
    /// Keys that must agree: a field of the other rows -> a field of this
    /// row (`{ campaign_id: id }`), compared as vocabularies compare words.
    #[serde(default)]
    pub on: IndexMap<String, String>,
    /// The other rows' date must fall in this row's range.
    #[serde(default)]
    pub within: Option<RawWithin>,
}

/// `{ date: OTHER_DATE, start: EXPR, end: EXPR }`: the other row's date from
/// `start` to `end` inclusive, each an expression over this row.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawWithin {
    pub date: String,
    pub start: String,
    pub end: String,
}

#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawText {
    pub text: String,
}
