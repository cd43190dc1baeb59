//! A rule's inline tests (`tests:`), as serde reads them: data, the outcome
//! expected and what its message or findings must show.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

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
