//! A source mapping resolved against one header row: which column feeds
//! which field and why, values to translate, fields to derive or set.

use super::schema::DatasetSchema;
use super::source::{SourceDef, scalar_text};
use crate::value::{FieldType, compact_name, normalize_name};
use indexmap::IndexMap;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// Why a column became a field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, PartialOrd, Ord)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum Origin {
    /// `columns:` in bundle.yaml.
    Manifest,
    /// The source mapping's `columns:`.
    Source { source: String },
    /// The header is the field's own name.
    FieldName,
    /// The header is one of the field's aliases in datasets.yaml.
    Alias,
    /// Computed from another column by the source mapping's `derive:`.
    Derived { source: String },
    /// Set for every row by the source mapping's `constants:`.
    Constant { source: String },
    /// Read from the row's period label (`Q3 2025`) where it gives no date.
    Label,
    /// Linked through bundle.yaml's `join_on:` from this column to the target's `on` field.
    Joined { on: String },
}

impl Origin {
    pub fn describe(&self) -> String {
        match self {
            Origin::Manifest => "bundle.yaml columns".into(),
            Origin::Source { source } => format!("source {source}"),
            Origin::FieldName => "field name".into(),
            Origin::Alias => "alias".into(),
            Origin::Derived { source } => format!("derived by source {source}"),
            Origin::Constant { source } if source == "bundle.yaml" => "constant in bundle.yaml".into(),
            Origin::Constant { source } => format!("constant of source {source}"),
            Origin::Label => "read from the period label".into(),
            Origin::Joined { on } => format!("linked to {on} by bundle.yaml join_on"),
        }
    }
}

/// Maps the headers of one file: manifest overrides first, then the source
/// mapping, then the field names and aliases of datasets.yaml.
pub struct Resolver<'a> {
    pub schema: &'a DatasetSchema,
    pub overrides: Option<&'a BTreeMap<String, String>>,
    pub source: Option<&'a SourceDef>,
    /// `constants:` of the dataset in bundle.yaml: field -> the value of every row.
    pub constants: Option<&'a BTreeMap<String, crate::yaml::Value>>,
}

/// The mapping target that drops a column on purpose (no note about it).
pub const IGNORE: &str = "ignore";

/// A resolved header: the field (None: dropped on purpose) and why.
pub type Resolved = (Option<String>, Origin);

impl Resolver<'_> {
    pub fn resolve(&self, header: &str) -> Option<Resolved> {
        let normalized = normalize_name(header);
        if let Some(overrides) = self.overrides {
            let hit = overrides.get(header).or_else(|| {
                overrides
                    .iter()
                    .find(|(k, _)| compact_name(k) == compact_name(&normalized))
                    .map(|(_, v)| v)
            });
            if let Some(target) = hit {
                // A field the dataset lacks is a manifest error, reported
                // where bundle.yaml is read: the column is left out meanwhile.
                let field = (target != IGNORE && self.schema.fields.contains_key(target)).then(|| target.clone());
                return Some((field, Origin::Manifest));
            }
        }
        if let Some(source) = self.source
            && let Some(field) = source.field_for_header(&normalized)
        {
            let origin = Origin::Source {
                source: source.name.clone(),
            };
            return Some((Some(field.to_string()), origin));
        }
        let field = self.schema.field_for_column(header)?;
        let origin = if field == normalized {
            Origin::FieldName
        } else {
            Origin::Alias
        };
        Some((Some(field.to_string()), origin))
    }

    /// How many headers of a candidate header row map to a field.
    pub fn score(&self, headers: &[&str]) -> usize {
        headers
            .iter()
            .filter(|h| !h.trim().is_empty() && self.resolve(h).is_some_and(|(f, _)| f.is_some()))
            .count()
    }
}

/// One column of the file that feeds a field.
#[derive(Debug, Clone)]
pub struct PlannedColumn {
    pub index: usize,
    pub header: String,
    pub field: String,
    pub ty: FieldType,
    pub origin: Origin,
    /// Export value -> bundle value (compared trimmed, ignoring ASCII case).
    pub values: Vec<(String, String)>,
}

/// A field computed from another column's cell.
#[derive(Debug, Clone)]
pub struct PlannedDerive {
    pub field: String,
    pub ty: FieldType,
    pub from_index: usize,
    pub from_header: String,
    pub map: Vec<(String, String)>,
    pub otherwise: String,
    pub source: String,
}

/// Everything needed to turn the rows of one file into a dataset.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub columns: Vec<PlannedColumn>,
    pub derived: Vec<PlannedDerive>,
    pub constants: Vec<(String, FieldType, String, String)>,
    /// Headers that map to nothing (reported as ignored).
    pub ignored: Vec<String>,
    /// Headers dropped on purpose (`ignore` in bundle.yaml).
    pub dropped: Vec<String>,
    pub nulls: Vec<String>,
    pub date_formats: Vec<String>,
    pub skip_rows: Vec<String>,
    /// Ignored headers close to a field no column feeds: (header, field).
    pub near_misses: Vec<(String, String)>,
    /// Columns the source mapping recognised.
    pub source_columns: usize,
    /// Per planned column: no rule of the run reads its field, so a bad
    /// cell in it is a note, not an error (set by the loader).
    pub unread: Vec<bool>,
}

fn pairs(map: &IndexMap<String, crate::yaml::Value>) -> Vec<(String, String)> {
    map.iter()
        .map(|(k, v)| (k.trim().to_string(), scalar_text(v)))
        .collect()
}

impl Plan {
    /// Resolves a header row. `date_format` (from bundle.yaml) comes before the source's formats.
    pub fn new(resolver: &Resolver<'_>, headers: &[String], date_format: Option<&str>) -> Plan {
        let mut plan = Plan::default();
        let mut claimed: BTreeSet<String> = BTreeSet::new();
        // A constant of bundle.yaml is what the user says of every row: it wins.
        for (field, value) in resolver.constants.into_iter().flatten() {
            let Some(f) = resolver.schema.fields.get(field) else {
                continue; // reported where bundle.yaml is read
            };
            claimed.insert(field.clone());
            plan.constants
                .push((field.clone(), f.ty, scalar_text(value), "bundle.yaml".to_string()));
        }
        let resolved: Vec<Option<Resolved>> = headers.iter().map(|h| resolver.resolve(h)).collect();
        // Two headers for one field: what the user wrote in bundle.yaml wins,
        // then the export's own mapping, then field names and aliases; within
        // one kind, the first in the file. A `columns:` line must never lose
        // to a header that merely happens to be named like the field.
        let rank = |origin: &Origin| match origin {
            Origin::Manifest => 0,
            Origin::Source { .. } => 1,
            _ => 2,
        };
        let mut reader: BTreeMap<&str, (u8, usize)> = BTreeMap::new();
        for (index, r) in resolved.iter().enumerate() {
            if let Some((Some(field), origin)) = r {
                let candidate = (rank(origin), index);
                let best = reader.entry(field.as_str()).or_insert(candidate);
                *best = (*best).min(candidate);
            }
        }
        for (index, (header, resolution)) in headers.iter().zip(resolved.iter().cloned()).enumerate() {
            match resolution {
                Some((Some(field), _)) if claimed.contains(&field) => {
                    plan.ignored.push(format!("{header} (duplicate of `{field}`)"));
                }
                Some((Some(field), _)) if reader[field.as_str()].1 != index => {
                    let read = &headers[reader[field.as_str()].1];
                    plan.ignored
                        .push(format!("{header} (duplicate of `{field}`, read from `{read}`)"));
                }
                Some((Some(field), origin)) => {
                    if matches!(origin, Origin::Source { .. }) {
                        plan.source_columns += 1;
                    }
                    let values = resolver
                        .source
                        .and_then(|s| s.values.get(&field))
                        .map(pairs)
                        .unwrap_or_default();
                    claimed.insert(field.clone());
                    plan.columns.push(PlannedColumn {
                        index,
                        header: header.clone(),
                        ty: resolver.schema.fields[&field].ty,
                        field,
                        origin,
                        values,
                    });
                }
                Some((None, _)) => plan.dropped.push(header.clone()),
                None if header.trim().is_empty() => {}
                None => plan.ignored.push(header.clone()),
            }
        }
        plan.date_formats.extend(date_format.map(str::to_string));
        plan.near_misses = near_misses(resolver.schema, &plan.ignored, &claimed);
        let Some(source) = resolver.source else {
            return plan;
        };
        for (field, d) in &source.derive {
            if claimed.contains(field) {
                continue; // the export has the field itself: it wins
            }
            let Some(from) = plan.columns.iter().find(|c| c.field == d.from) else {
                continue;
            };
            plan.derived.push(PlannedDerive {
                field: field.clone(),
                ty: resolver.schema.fields[field].ty,
                from_index: from.index,
                from_header: from.header.clone(),
                map: pairs(&d.map),
                otherwise: d.otherwise.as_ref().map(scalar_text).unwrap_or_default(),
                source: source.name.clone(),
            });
            claimed.insert(field.clone());
        }
        for (field, value) in &source.constants {
            if claimed.insert(field.clone()) {
                plan.constants.push((
                    field.clone(),
                    resolver.schema.fields[field].ty,
                    scalar_text(value),
                    source.name.clone(),
                ));
            }
        }
        plan.nulls.clone_from(&source.nulls);
        plan.date_formats.extend(source.date_formats.iter().cloned());
        plan.skip_rows.clone_from(&source.skip_rows);
        plan
    }

    /// Whether a row is a totals row to drop.
    pub fn is_skipped_row<'r>(&self, mut cells: impl Iterator<Item = &'r str>) -> bool {
        if self.skip_rows.is_empty() {
            return false;
        }
        let first = cells.find(|c| !c.trim().is_empty()).unwrap_or_default().trim_start();
        self.skip_rows.iter().any(|p| starts_with_ignore_case(first, p))
    }

    pub fn is_null(&self, cell: &str) -> bool {
        let t = crate::value::trim_cell(cell);
        self.nulls.iter().any(|n| t.eq_ignore_ascii_case(n))
    }
}

/// Ignored headers that are probably a field under another spelling
/// (`Campain Name`, `Lead Sourse`): close to the compact name of a field, or
/// of one of its aliases, that no column feeds.
fn near_misses(schema: &DatasetSchema, ignored: &[String], claimed: &BTreeSet<String>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for header in ignored {
        let compact = compact_name(header);
        let h = compact.as_str();
        if h.len() < 4 {
            continue;
        }
        let best = schema
            .fields
            .iter()
            .filter(|(field, _)| !claimed.contains(*field))
            .flat_map(|(field, f)| {
                std::iter::once(field)
                    .chain(&f.aliases)
                    .map(move |name| (strsim::jaro_winkler(h, &compact_name(name)), field))
            })
            .filter(|(score, _)| *score >= 0.9)
            .max_by(|a, b| a.0.total_cmp(&b.0));
        if let Some((_, field)) = best {
            out.push((header.clone(), field.clone()));
        }
    }
    out
}

fn starts_with_ignore_case(text: &str, prefix: &str) -> bool {
    text.len() >= prefix.len()
        && text.is_char_boundary(prefix.len())
        && text[..prefix.len()].eq_ignore_ascii_case(prefix)
}

/// Looks a cell up in a value map; the mapped value, or the cell itself.
pub fn map_value<'c>(map: &'c [(String, String)], cell: &'c str) -> &'c str {
    if map.is_empty() {
        return cell;
    }
    let t = crate::value::trim_cell(cell);
    map.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(t))
        .map_or(cell, |(_, v)| v.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn misspelled_headers_are_named_as_near_misses() {
        let schema = crate::bundle::schema::Schema::get().dataset("leads").unwrap();
        let claimed = BTreeSet::from(["id".to_string()]);
        let ignored = vec![
            "Lead Sourse".to_string(),
            "Favourite colour".to_string(),
            "ID".to_string(),
        ];
        assert_eq!(
            near_misses(schema, &ignored, &claimed),
            vec![("Lead Sourse".to_string(), "source".to_string())]
        );
    }

    #[test]
    fn values_map_case_insensitively() {
        let map = vec![("Closed Won".to_string(), "true".to_string())];
        assert_eq!(map_value(&map, " closed won "), "true");
        assert_eq!(map_value(&map, "Open"), "Open");
    }
}
