//! A `groups:` step as serde reads it: the key, the values computed per group
//! and the test that keeps a group.

use crate::rules::format::RawCondition;
use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawGroups {
    pub from: String,
    /// Group by this field's value, or by the values of several fields
    /// together (`[opportunity_id, model]`)…
    #[serde(default)]
    pub by: Option<RawBy>,
    /// …or by the month of this date field.
    #[serde(default)]
    pub by_month: Option<String>,
    /// Keep a group when any of its rows meets this.
    #[serde(default)]
    pub any: Option<RawCondition>,
    /// Keep a group when none of its rows meets this.
    #[serde(default)]
    pub none: Option<RawCondition>,
    /// Values per group (`count`, `sum`, …, with `from` omitted) for `having`.
    #[serde(rename = "let", default)]
    pub lets: IndexMap<String, RawGroupAgg>,
    /// Keep a group when this expression over its values holds.
    #[serde(default)]
    pub having: Option<String>,
}

/// The field (or fields) `groups:` groups by.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(
    untagged,
    expecting = "`by` takes a field, or a list of fields (`by: [opportunity_id, model]`)"
)]
pub enum RawBy {
    One(String),
    Several(Vec<String>),
}

impl RawBy {
    pub fn fields(&self) -> &[String] {
        match self {
            RawBy::One(f) => std::slice::from_ref(f),
            RawBy::Several(fs) => fs,
        }
    }
}

/// An aggregate over one group's rows.
#[derive(Debug, Clone, Deserialize, Serialize, Default, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawGroupAgg {
    #[serde(default)]
    pub count: Option<RawGroupField>,
    #[serde(default)]
    pub sum: Option<RawGroupField>,
    #[serde(default)]
    pub avg: Option<RawGroupField>,
    #[serde(default)]
    pub min: Option<RawGroupField>,
    #[serde(default)]
    pub max: Option<RawGroupField>,
    /// The value of `field` in the group's first row (after `sort_by`).
    #[serde(default)]
    pub first: Option<RawGroupFirst>,
    /// Text: the group's rows, each shown by a template, joined.
    #[serde(default)]
    pub list: Option<RawGroupList>,
}

#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawGroupFirst {
    pub field: String,
    #[serde(default)]
    pub sort_by: Option<String>,
    #[serde(default)]
    pub desc: bool,
    #[serde(rename = "where", default)]
    pub filter: Option<RawCondition>,
}

#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawGroupList {
    /// How each row is shown (`"{campaign_name} ({share:pct0})"`); default its id.
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
    #[serde(rename = "where", default)]
    pub filter: Option<RawCondition>,
}

#[derive(Debug, Clone, Deserialize, Serialize, Default, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawGroupField {
    #[serde(default)]
    pub field: Option<String>,
    #[serde(rename = "where", default)]
    pub filter: Option<RawCondition>,
}
