//! `bundle.yaml`: the optional manifest of a bundle. It names the org, the
//! audited period and the currency, and maps files and columns with other
//! names onto the bundle format, so an export loads without being edited.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The manifest file names, in the order they are looked for.
pub const MANIFEST_NAMES: &[&str] = &["bundle.yaml", "bundle.yml"];

#[derive(Debug, Clone, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Name of the audited organisation.
    #[serde(default)]
    pub org: Option<String>,
    /// The audited period. Rules that look at "the period" use it; without
    /// it they use the 12 months up to the audit date.
    #[serde(default)]
    pub period: Option<Period>,
    /// ISO currency code of every amount in the bundle (default USD).
    #[serde(default)]
    pub currency: Option<String>,
    /// Per dataset: which file holds it and how its columns are named.
    #[serde(default)]
    pub datasets: BTreeMap<String, DatasetMapping>,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Period {
    pub start: NaiveDate,
    pub end: NaiveDate,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DatasetMapping {
    /// Path of the file, relative to the bundle folder.
    #[serde(default)]
    pub file: Option<String>,
    /// Column header in the file -> field of the dataset. Headers not named
    /// here are still matched by the field's own name and known aliases.
    #[serde(default)]
    pub columns: BTreeMap<String, String>,
}

impl Manifest {
    pub fn currency(&self) -> &str {
        self.currency.as_deref().unwrap_or("USD")
    }
}
