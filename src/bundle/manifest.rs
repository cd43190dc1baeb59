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
    /// The export the file comes from, e.g. `salesforce-opportunity`,
    /// `hubspot-contacts`, `google-ads-campaigns` (see docs/sources.md).
    /// Without it, a known export is recognised by its header.
    #[serde(default)]
    pub source: Option<String>,
    /// A mapping file of your own inside the bundle (same format as the
    /// built-in sources), used like `source`.
    #[serde(default)]
    pub mapping: Option<String>,
    /// For a spreadsheet (.xlsx): the sheet to read (default: the sheet named
    /// like the dataset, else the first sheet).
    #[serde(default)]
    pub sheet: Option<String>,
    /// A chrono format for dates that are not ISO, e.g. `%d/%m/%Y`.
    #[serde(default)]
    pub date_format: Option<String>,
    /// Column header in the file -> field of the dataset (or `ignore`). These
    /// win over the source mapping; other headers are still matched by the
    /// source, the field's own name and its known aliases.
    #[serde(default)]
    pub columns: BTreeMap<String, String>,
}

impl Manifest {
    pub fn currency(&self) -> &str {
        self.currency.as_deref().unwrap_or("USD")
    }
}
