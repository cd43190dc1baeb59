//! The metrics of an `aggregate:` check (count, sum, average, ratio, share),
//! as serde reads them.

use super::RawCondition;
use serde::{Deserialize, Serialize};

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
