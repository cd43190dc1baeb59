//! The bundle format v1, read from the embedded `datasets.yaml`.
//!
//! Keeping the schema as data means the loader, the docs, `init` templates and
//! the JSON Schema cannot drift apart: they all read this one description.

use crate::value::{FieldType, compact_name, compacts_to, normalize_name};
use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

const DATASETS_YAML: &str = include_str!("datasets.yaml");

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DatasetSchema {
    pub description: String,
    pub files: Vec<String>,
    #[serde(default)]
    pub single: bool,
    pub id: String,
    #[serde(default)]
    pub dates: Option<Dates>,
    #[serde(default)]
    pub gather: Option<Gather>,
    /// Exported from a system (CRM, marketing automation, ad platform) as
    /// opposed to a document someone writes (KPI list, plans, targets).
    #[serde(default)]
    pub export: bool,
    pub fields: IndexMap<String, FieldSchema>,
}

/// The fields that place a record in time: a day, or a range from `from` to `to`.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Dates {
    pub from: String,
    #[serde(default)]
    pub to: Option<String>,
    /// A text field holding the period as a label (`Q3 2025`): it fills
    /// `from` and `to` where a row does not give them (see `periods.rs`).
    #[serde(default)]
    pub label: Option<String>,
}

/// Who usually holds a dataset and what to ask them for.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Gather {
    pub who: String,
    pub what: String,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FieldSchema {
    #[serde(rename = "type")]
    pub ty: FieldType,
    pub description: String,
    pub example: crate::yaml::Value,
    #[serde(default)]
    pub aliases: Vec<String>,
    /// The dataset whose ids this field holds (a join `inspect` checks).
    #[serde(default)]
    pub references: Option<String>,
}

/// Every dataset of the bundle format, in documentation order.
pub struct Schema {
    pub datasets: IndexMap<String, DatasetSchema>,
}

impl Schema {
    pub fn get() -> &'static Schema {
        static SCHEMA: OnceLock<Schema> = OnceLock::new();
        SCHEMA.get_or_init(|| Schema {
            // A broken embedded schema is a bug in mktaudit itself, caught by
            // the unit test below, never by a user.
            datasets: crate::yaml::from_str(DATASETS_YAML).expect("embedded datasets.yaml is valid"),
        })
    }

    pub fn dataset(&self, name: &str) -> Option<&DatasetSchema> {
        self.datasets.get(name)
    }

    /// The dataset a file stem stands for, by its recognised names.
    pub fn dataset_for_stem(&self, stem: &str) -> Option<&str> {
        let stem = normalize_name(stem);
        self.datasets
            .iter()
            .find(|(name, ds)| **name == stem || ds.files.contains(&stem))
            .map(|(name, _)| name.as_str())
    }

    /// The tier of a rule that reads these datasets: `exports` when it reads
    /// only exports (and the org profile), so a client can run it from what
    /// their systems export today; `documents` otherwise.
    pub fn tier_of<'a>(&self, datasets: impl Iterator<Item = &'a String>) -> &'static str {
        let mut any_export = false;
        for name in datasets {
            match self.dataset(name) {
                Some(ds) if ds.export => any_export = true,
                _ if name == "org" => {}
                _ => return "documents",
            }
        }
        if any_export { "exports" } else { "documents" }
    }

    pub fn dataset_names(&self) -> Vec<&str> {
        self.datasets.keys().map(String::as_str).collect()
    }
}

impl DatasetSchema {
    /// The field a column header stands for: its name or one of its aliases.
    pub fn field_for_column(&self, column: &str) -> Option<&str> {
        let col = compact_name(column);
        self.fields
            .iter()
            .find(|(name, f)| compacts_to(name, &col) || f.aliases.iter().any(|a| compacts_to(a, &col)))
            .map(|(name, _)| name.as_str())
    }

    pub fn field_names(&self) -> Vec<&str> {
        self.fields.keys().map(String::as_str).collect()
    }
}

/// The dataset reference of docs/bundle.md, generated from this schema.
pub fn reference_markdown() -> String {
    use std::fmt::Write;
    let mut out = String::new();
    for (name, ds) in &Schema::get().datasets {
        let _ = writeln!(out, "### `{name}`\n\n{}\n", ds.description);
        let files: Vec<String> = std::iter::once(name)
            .chain(ds.files.iter().filter(|f| *f != name))
            .map(|f| format!("`{f}`"))
            .collect();
        let _ = writeln!(
            out,
            "Recognised file names: {} (`.csv`, `.tsv`, `.yaml`, `.yml` or `.json`). {} Records are named in evidence by `{}`.\n",
            files.join(", "),
            if ds.single {
                "One record (a YAML/JSON mapping)."
            } else {
                "A table: CSV rows, or a YAML/JSON list of records."
            },
            ds.id
        );
        if let Some(d) = &ds.dates {
            let range = match &d.to {
                Some(to) => format!("from `{}` to `{to}`", d.from),
                None => format!("on `{}`", d.from),
            };
            let _ = writeln!(
                out,
                "A record is placed in time {range}: rows dated outside the audit period, or not dated, are counted in the report's notes and left out of what the period measures.\n"
            );
            if let Some(label) = &d.label {
                let _ = writeln!(
                    out,
                    "A row may give its period as a label in `{label}` instead of dates: `Q3 2025`, `2025-Q3`, `Q3 FY2025`, `FY25 Q3`, `H1 2025`, `2025-03`, `Mar 2025`, `2025` or `FY2025`, read as calendar periods (give the dates when the fiscal year starts in another month). A label that reads as no period, on a row without dates, is an error naming its line.\n"
                );
            }
        }
        if let Some(g) = &ds.gather {
            let _ = writeln!(out, "Ask: {}. {}\n", g.who, g.what);
        }
        let _ = writeln!(
            out,
            "| field | type | description | example | also read from |\n|---|---|---|---|---|"
        );
        for (field, f) in &ds.fields {
            let example = match &f.example {
                crate::yaml::Value::String(s) => s.clone(),
                other => crate::yaml::scalar_text(other),
            };
            let ty = crate::yaml::scalar_text(&serde_json::to_value(f.ty).unwrap_or_default());
            let aliases: Vec<String> = f.aliases.iter().map(|a| format!("`{a}`")).collect();
            let _ = writeln!(
                out,
                "| `{field}` | {ty} | {} | `{}` | {} |",
                f.description.replace('|', "\\|"),
                example.replace('|', "\\|"),
                aliases.join(", ")
            );
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn embedded_schema_loads_and_ids_are_fields() {
        let schema = Schema::get();
        assert!(schema.datasets.len() >= 15);
        for (name, ds) in &schema.datasets {
            assert!(
                ds.fields.contains_key(&ds.id),
                "{name}: id field `{}` is not a field",
                ds.id
            );
            assert!(ds.gather.is_some(), "{name}: say who to ask for it (`gather`)");
            if let Some(label) = ds.dates.as_ref().and_then(|d| d.label.as_ref()) {
                assert!(
                    ds.fields.get(label).is_some_and(|f| f.ty == FieldType::Text),
                    "{name}: the period label `{label}` is not a text field"
                );
            }
            for date in ds.dates.iter().flat_map(|d| std::iter::once(&d.from).chain(&d.to)) {
                let f = ds.fields.get(date);
                assert!(
                    f.is_some_and(|f| f.ty == FieldType::Date),
                    "{name}: `dates` names `{date}`, which is not a date field"
                );
            }
            for (field, f) in &ds.fields {
                if let Some(target) = &f.references {
                    assert!(
                        schema.dataset(target).is_some(),
                        "{name}.{field} references unknown `{target}`"
                    );
                }
            }
        }
    }

    #[test]
    fn file_names_and_aliases_are_unambiguous() {
        let schema = Schema::get();
        let mut stems: BTreeMap<&str, &str> = BTreeMap::new();
        for (name, ds) in &schema.datasets {
            for stem in std::iter::once(name).chain(&ds.files) {
                if let Some(other) = stems.insert(stem, name) {
                    assert_eq!(other, name, "file stem `{stem}` claimed by {other} and {name}");
                }
            }
            // Headers match on their compact form: two fields must not share one.
            let mut cols: BTreeMap<String, &str> = BTreeMap::new();
            for (field, f) in &ds.fields {
                for col in std::iter::once(field).chain(&f.aliases) {
                    assert_eq!(
                        normalize_name(col),
                        *col,
                        "{name}.{field}: alias `{col}` is not normalised"
                    );
                    if let Some(other) = cols.insert(compact_name(col), field)
                        && other != field
                    {
                        panic!("{name}: column `{col}` claimed by {other} and {field}");
                    }
                }
            }
        }
    }

    #[test]
    fn recognises_export_names() {
        let schema = Schema::get();
        assert_eq!(schema.dataset_for_stem("Opportunities"), Some("opportunities"));
        assert_eq!(schema.dataset_for_stem("sales-requests"), Some("requests"));
        assert_eq!(schema.dataset_for_stem("holiday_photos"), None);
        let opps = schema.dataset("opportunities").unwrap();
        assert_eq!(opps.field_for_column("StageName"), Some("stage"));
        assert_eq!(opps.field_for_column("Close Date"), Some("close_date"));
        // JSON exports write camelCase or PascalCase keys; they match like any spelling.
        let campaigns = schema.dataset("campaigns").unwrap();
        for (key, field) in [
            ("campaignName", "name"),
            ("CampaignName", "name"),
            ("campaign_name", "name"),
            ("campaignType", "type"),
            ("alwaysOn", "always_on"),
            ("AlwaysOn", "always_on"),
            ("campaignId", "id"),
            ("startDate", "start_date"),
        ] {
            assert_eq!(campaigns.field_for_column(key), Some(field), "{key}");
        }
    }
}
