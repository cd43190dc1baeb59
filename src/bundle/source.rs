//! Source mappings: how an export from another tool (Salesforce, HubSpot,
//! Google Ads, Meta Ads Manager…) becomes a dataset of the bundle format.
//!
//! Mappings are data (`sources/*.yaml`, embedded at build time; users write
//! their own in the same format). A mapping is resolved once per file header
//! into a [`super::plan::Plan`]; rows then only index into it, so a
//! million-row export costs no more than a file in our own format.

use super::schema::Schema;
use crate::value::normalize_name;
use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

/// The mappings shipped with mktaudit, by name.
const BUILTIN: &[(&str, &str)] = &[
    (
        "google-ads-campaigns",
        include_str!("sources/google-ads-campaigns.yaml"),
    ),
    ("hubspot-contacts", include_str!("sources/hubspot-contacts.yaml")),
    ("hubspot-deals", include_str!("sources/hubspot-deals.yaml")),
    (
        "maven-crm-opportunities",
        include_str!("sources/maven-crm-opportunities.yaml"),
    ),
    ("marketo-leads", include_str!("sources/marketo-leads.yaml")),
    ("meta-ads-campaigns", include_str!("sources/meta-ads-campaigns.yaml")),
    ("salesforce-campaign", include_str!("sources/salesforce-campaign.yaml")),
    (
        "salesforce-campaign-influence",
        include_str!("sources/salesforce-campaign-influence.yaml"),
    ),
    (
        "salesforce-campaign-member",
        include_str!("sources/salesforce-campaign-member.yaml"),
    ),
    ("salesforce-lead", include_str!("sources/salesforce-lead.yaml")),
    (
        "salesforce-opportunity",
        include_str!("sources/salesforce-opportunity.yaml"),
    ),
];

/// How many lines at the top of a file are searched for the header row
/// (exports put titles and date ranges above it).
pub const HEADER_SEARCH_LINES: usize = 20;

/// One source mapping, as written in YAML.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SourceDef {
    /// Name used in bundle.yaml (`source: NAME`); a user file defaults to its file name.
    #[serde(default)]
    pub name: String,
    /// What export this reads, for people.
    #[serde(default)]
    pub title: String,
    /// The dataset the export provides.
    pub dataset: String,
    /// Header sets that identify the export when bundle.yaml names no
    /// source: any one set, all of its headers present, is a match.
    #[serde(default)]
    pub detect: Vec<Vec<String>>,
    /// Field -> the headers it is read from (API names, report labels).
    #[serde(default)]
    pub columns: IndexMap<String, Vec<String>>,
    /// Field -> cell value as exported -> value in the bundle format.
    #[serde(default)]
    pub values: IndexMap<String, IndexMap<String, crate::yaml::Value>>,
    /// Fields computed from another field's cell when no column gives them.
    #[serde(default)]
    pub derive: IndexMap<String, Derive>,
    /// Fields set to one value for every row when no column gives them.
    #[serde(default)]
    pub constants: IndexMap<String, crate::yaml::Value>,
    /// Cell texts that mean "no value" in this export, besides the usual ones.
    #[serde(default)]
    pub nulls: Vec<String>,
    /// chrono formats for dates that are not ISO (e.g. `%m/%d/%Y`).
    #[serde(default)]
    pub date_formats: Vec<String>,
    /// Rows whose first non-empty cell starts with one of these are dropped
    /// (totals and subtotals).
    #[serde(default)]
    pub skip_rows: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Derive {
    /// The field whose cell is looked up.
    pub from: String,
    /// Cell value -> value of the derived field.
    pub map: IndexMap<String, crate::yaml::Value>,
    /// Value when the cell matches no key (empty: missing).
    #[serde(default)]
    pub otherwise: Option<crate::yaml::Value>,
}

pub(super) fn scalar_text(v: &crate::yaml::Value) -> String {
    match v {
        crate::yaml::Value::String(s) => s.clone(),
        crate::yaml::Value::Null => String::new(),
        other => crate::yaml::scalar_text(other),
    }
}

/// The built-in mappings, parsed once.
pub fn builtin() -> &'static BTreeMap<String, SourceDef> {
    static SOURCES: OnceLock<BTreeMap<String, SourceDef>> = OnceLock::new();
    SOURCES.get_or_init(|| {
        BUILTIN
            .iter()
            .map(|(name, text)| {
                // A broken embedded mapping is a bug in mktaudit, caught by the unit test below.
                let mut def: SourceDef = crate::yaml::from_str(text).expect("embedded source mappings are valid");
                def.name = (*name).to_string();
                (def.name.clone(), def)
            })
            .collect()
    })
}

pub fn builtin_names() -> Vec<&'static str> {
    BUILTIN.iter().map(|(n, _)| *n).collect()
}

impl SourceDef {
    /// Everything wrong with the mapping against the bundle format, as messages.
    pub fn validate(&self) -> Vec<String> {
        let schema = Schema::get();
        let Some(ds) = schema.dataset(&self.dataset) else {
            return vec![format!(
                "`dataset: {}` is not a dataset of the bundle format ({})",
                self.dataset,
                crate::error::suggest(&self.dataset, &schema.dataset_names())
            )];
        };
        let mut out = Vec::new();
        let mut check = |what: &str, field: &str| {
            if !ds.fields.contains_key(field) {
                out.push(format!(
                    "{what} `{field}` is not a field of `{}` ({})",
                    self.dataset,
                    crate::error::suggest(field, &ds.field_names())
                ));
            }
        };
        for f in self.columns.keys() {
            check("columns:", f);
        }
        for f in self.values.keys() {
            check("values:", f);
        }
        for (f, d) in &self.derive {
            check("derive:", f);
            check("derive: from", &d.from);
        }
        for f in self.constants.keys() {
            check("constants:", f);
        }
        // Derived and constant values are not in the file: a wrong one would
        // silently become missing, so it is refused here.
        let derived = self
            .derive
            .iter()
            .flat_map(|(f, d)| d.map.values().chain(&d.otherwise).map(move |v| (f, v)));
        for (field, v) in derived.chain(&self.constants) {
            let Some(schema) = ds.fields.get(field) else {
                continue;
            };
            if let Err(e) = crate::value::parse_cell(&scalar_text(v), schema.ty) {
                out.push(format!("value for `{field}`: {e}"));
            }
        }
        for fmt in &self.date_formats {
            if chrono::NaiveDate::parse_from_str("2025-01-02", fmt).is_err()
                && chrono::format::StrftimeItems::new(fmt).any(|i| matches!(i, chrono::format::Item::Error))
            {
                out.push(format!("date format `{fmt}` is not a chrono format such as %m/%d/%Y"));
            }
        }
        out
    }

    /// How many headers of the first matching `detect` set the header row
    /// has (0: not this export).
    pub fn detect_score(&self, headers: &BTreeSet<String>) -> usize {
        self.detect
            .iter()
            .filter(|set| !set.is_empty() && set.iter().all(|h| headers.contains(&normalize_name(h))))
            .map(Vec::len)
            .max()
            .unwrap_or(0)
    }

    pub(super) fn field_for_header(&self, normalized: &str) -> Option<&str> {
        let compact = crate::value::compact_name(normalized);
        self.columns
            .iter()
            .find(|(_, headers)| headers.iter().any(|h| crate::value::compacts_to(h, &compact)))
            .map(|(f, _)| f.as_str())
    }
}

/// The built-in source that best recognises a header row, if any, among
/// those that provide `dataset` (any dataset when None).
pub fn detect(headers: &[String], dataset: Option<&str>) -> Option<&'static SourceDef> {
    let set: BTreeSet<String> = headers.iter().map(|h| normalize_name(h)).collect();
    builtin()
        .values()
        .filter(|s| dataset.is_none_or(|d| s.dataset == d))
        .map(|s| (s.detect_score(&set), s))
        .filter(|(score, _)| *score > 0)
        // Highest score wins; on a tie the first by name, so the choice is stable.
        .max_by(|a, b| a.0.cmp(&b.0).then_with(|| b.1.name.cmp(&a.1.name)))
        .map(|(_, s)| s)
}

/// The reference part of docs/sources.md, generated from the mapping files.
pub fn reference_markdown() -> String {
    use std::fmt::Write;
    let mut out = String::new();
    for def in builtin().values() {
        let _ = writeln!(
            out,
            "### `{}`\n\n{}. Dataset: `{}`.\n",
            def.name, def.title, def.dataset
        );
        let detect: Vec<String> = def
            .detect
            .iter()
            .map(|set| set.iter().map(|h| format!("`{h}`")).collect::<Vec<_>>().join(" + "))
            .collect();
        let _ = writeln!(out, "Recognised by the headers {}.\n", detect.join(", or "));
        let _ = writeln!(out, "| field | read from |\n|---|---|");
        for (field, headers) in &def.columns {
            let h: Vec<String> = headers.iter().map(|h| format!("`{}`", h.replace('|', "\\|"))).collect();
            let _ = writeln!(out, "| `{field}` | {} |", h.join(", "));
        }
        for (field, d) in &def.derive {
            let map: Vec<String> = d
                .map
                .iter()
                .map(|(k, v)| format!("`{k}` → `{}`", scalar_text(v)))
                .collect();
            let otherwise = d
                .otherwise
                .as_ref()
                .map(|o| format!(", otherwise `{}`", scalar_text(o)))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "| `{field}` | derived from `{}` when no column gives it: {}{otherwise} |",
                d.from,
                map.join(", ")
            );
        }
        for (field, v) in &def.constants {
            let _ = writeln!(
                out,
                "| `{field}` | `{}` for every row when no column gives it |",
                scalar_text(v)
            );
        }
        out.push('\n');
        for (field, map) in &def.values {
            let pairs: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("`{k}` → `{}`", scalar_text(v)))
                .collect();
            let _ = writeln!(out, "Values of `{field}`: {}.\n", pairs.join(", "));
        }
        let mut extra = Vec::new();
        if !def.nulls.is_empty() {
            extra.push(format!("empty values also written {}", quoted(&def.nulls)));
        }
        if !def.date_formats.is_empty() {
            extra.push(format!("dates also read as {}", quoted(&def.date_formats)));
        }
        if !def.skip_rows.is_empty() {
            extra.push(format!("rows starting with {} dropped", quoted(&def.skip_rows)));
        }
        if !extra.is_empty() {
            let _ = writeln!(out, "Also: {}.\n", extra.join("; "));
        }
    }
    out
}

fn quoted(items: &[String]) -> String {
    items.iter().map(|i| format!("`{i}`")).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_mappings_are_valid() {
        assert_eq!(builtin().len(), BUILTIN.len());
        for (name, def) in builtin() {
            assert_eq!(def.validate(), Vec::<String>::new(), "{name}");
            assert!(!def.detect.is_empty(), "{name}: give it a `detect` header set");
            assert!(!def.title.is_empty(), "{name}: give it a title");
        }
    }

    #[test]
    fn detection_picks_the_export() {
        let h = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let sf = h(&["ID", "NAME", "STAGENAME", "AMOUNT", "CLOSEDATE", "ISWON"]);
        assert_eq!(detect(&sf, None).unwrap().name, "salesforce-opportunity");
        let maven = h(&["opportunity_id", "deal_stage", "engage_date", "close_value"]);
        assert_eq!(detect(&maven, None).unwrap().name, "maven-crm-opportunities");
        let hs = h(&["Record ID", "Lifecycle Stage", "Original Source", "Create Date"]);
        assert_eq!(detect(&hs, None).unwrap().name, "hubspot-contacts");
        assert!(detect(&h(&["id", "name"]), None).is_none());
        assert!(detect(&sf, Some("leads")).is_none());
    }
}
