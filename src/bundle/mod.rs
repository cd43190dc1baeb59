//! The organisation's export bundle, loaded into typed columns.
//!
//! Rows are stored column by column (text in one buffer with offsets, numbers
//! and dates as plain vectors) rather than as a map per row: a million leads
//! then cost a few bytes per cell instead of a hash map each, and aggregates
//! run over contiguous memory.

mod code_rows;
pub use code_rows::CodeRows;
mod codes;
pub use codes::Codes;
mod column;
pub use column::{Column, ColumnData, NULL_DATE};
mod days;
pub use days::Days;
pub(crate) use days::MISSING as MISSING_DAY_OFFSET;
pub mod coverage;
mod delimited;
mod discover;
mod ends;
mod figures;
pub use figures::Figures;
pub mod integrity;
pub mod joins;
pub use discover::is_data_file;
mod lines;
pub use lines::Lines;
mod inline;
mod load;
mod manifest;
mod memory;
mod merge;
mod noticed;
pub use manifest::{CONFIG_NAMES, MAX_YEAR, MIN_YEAR};
pub use memory::{memory_by_column, resident_bytes};
pub mod periods;
pub mod plan;
mod read;
mod rows;
pub mod schema;
mod shown;
pub use shown::ShownFields;
pub mod source;
mod structured;
mod table;
mod unquoted;
mod unread;
mod xlsx;
mod yaml_at;

pub use inline::bundle_from_inline;
pub use load::{Demand, LoadOptions, check_root, load_bundle, load_bundle_with};
pub use manifest::Manifest;
pub use plan::Origin;

/// The JSON Schema `mktaudit init` writes beside bundle.yaml for editors.
pub const SCHEMA_FILE: &str = "bundle.schema.json";
/// Files `mktaudit init` writes that are not data.
pub const SCAFFOLD_FILES: &[&str] = &[SCHEMA_FILE, "GATHER.md"];

use crate::value::Value;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// The loaded bundle: what the rules are evaluated against.
#[derive(Debug)]
pub struct Bundle {
    pub root: PathBuf,
    pub manifest: Manifest,
    pub datasets: BTreeMap<String, Dataset>,
    /// How each dataset was read (also those found empty), for `inspect`.
    pub reads: BTreeMap<String, DatasetRead>,
    /// Files and columns that were read but not used, and other remarks.
    pub notes: Vec<Note>,
    /// Profile fields set by config; they win over the `org` dataset.
    pub profile_overrides: BTreeMap<String, Value>,
    /// References resolved through bundle.yaml's `join_on:`, with their match rates.
    pub keyed_joins: Vec<joins::KeyedJoin>,
}

/// Something the user should know about how the bundle was read.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord, schemars::JsonSchema)]
pub struct Note {
    pub file: String,
    pub message: String,
}

impl Bundle {
    pub fn dataset(&self, name: &str) -> Option<&Dataset> {
        self.datasets.get(name)
    }

    /// The org profile record (dataset `org`), if the bundle has one.
    pub fn profile_value(&self, field: &str) -> Value {
        if let Some(v) = self.profile_overrides.get(field) {
            return v.clone();
        }
        self.dataset("org")
            .filter(|d| d.rows > 0)
            .map_or(Value::Null, |d| d.value(field, 0))
    }

    /// The organisation's name: manifest first, then the profile.
    pub fn org_name(&self) -> String {
        self.manifest
            .org
            .clone()
            .or_else(|| match self.profile_value("name") {
                Value::Null => None,
                v => Some(v.to_text()),
            })
            .unwrap_or_else(|| {
                self.root
                    .file_name()
                    .map_or_else(|| "unnamed organisation".into(), |n| n.to_string_lossy().into_owned())
            })
    }
}

/// How one dataset was read: file, sheet, source mapping, which column
/// became which field and why, and what was skipped.
#[derive(Debug, Clone, Default, Serialize)]
pub struct DatasetRead {
    pub dataset: String,
    pub file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
    /// The source mapping applied, e.g. `salesforce-opportunity`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// How the source was chosen: `bundle.yaml`, `mapping file …`, `recognised by its header`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_by: Option<String>,
    /// Line (or sheet row) of the header; 0 for YAML/JSON.
    pub header_line: usize,
    pub rows: usize,
    pub columns: Vec<ColumnRead>,
    /// Headers that map to no field.
    pub ignored: Vec<String>,
    /// Headers dropped on purpose (`ignore` in bundle.yaml).
    pub dropped: Vec<String>,
    /// Lines above the header (report titles, date ranges).
    pub skipped_above: Vec<String>,
    pub totals_dropped: usize,
    pub footer_dropped: usize,
}

/// One field of a dataset and where it came from.
#[derive(Debug, Clone, Serialize)]
pub struct ColumnRead {
    /// The column header (for a constant: `= value`).
    pub header: String,
    pub field: String,
    pub origin: Origin,
}

/// One dataset, from one file.
#[derive(Debug)]
pub struct Dataset {
    pub name: String,
    /// Path of the file relative to the bundle root, with `/` separators.
    pub file: String,
    pub rows: usize,
    pub columns: BTreeMap<String, Column>,
    /// Line in the file where each row starts (1-based); 0 when unknown.
    pub lines: Lines,
    /// Field -> the column header (or key) it was read from.
    pub mapped_from: BTreeMap<String, String>,
    /// Fields the file has that this run did not need to keep in memory.
    pub unloaded: Vec<String>,
    pub id_field: String,
    /// Fields only shown in findings, read from the file for the rows shown.
    pub shown: Option<Box<ShownFields>>,
}

impl Dataset {
    /// Whether the file has this field (loaded or not).
    pub fn has_field(&self, field: &str) -> bool {
        self.mapped_from.contains_key(field)
    }

    pub fn column(&self, field: &str) -> Option<&Column> {
        self.columns.get(field)
    }

    pub fn value(&self, field: &str, row: usize) -> Value {
        match self.columns.get(field) {
            Some(c) => c.value(row),
            None => self.shown_value(field, row),
        }
    }

    /// A field only shown (see [`ShownFields`]), read from the file.
    fn shown_value(&self, field: &str, row: usize) -> Value {
        let Some(shown) = self.shown.as_deref().filter(|s| s.has(field)) else {
            return Value::Null;
        };
        let text = self.lines.get(row).and_then(|line| shown.text(field, line));
        text.map_or(Value::Null, Value::Text)
    }

    pub fn number(&self, field: &str, row: usize) -> Option<f64> {
        self.columns.get(field).and_then(|c| c.number(row))
    }

    /// How a row is named in evidence: its id, or "row N".
    pub fn record_id(&self, row: usize) -> String {
        match self.value(&self.id_field, row) {
            Value::Null => format!("row {}", row + 1),
            v => v.to_text(),
        }
    }

    pub fn line(&self, row: usize) -> Option<u32> {
        self.lines.get(row)
    }

    /// Whether any row has a value for the field (stops at the first).
    pub fn has_values(&self, field: &str) -> bool {
        self.columns
            .get(field)
            .is_some_and(|c| (0..self.rows).any(|r| !c.is_null(r)))
    }

    /// Number of rows where the field has a value.
    pub fn non_null(&self, field: &str) -> usize {
        self.columns
            .get(field)
            .map_or(0, |c| (0..self.rows).filter(|r| !c.is_null(*r)).count())
    }
}

pub use crate::value::{date_to_days, days_to_date};
