//! `join_on:` in bundle.yaml: a reference field that holds another key than
//! the target's id (a deal carrying its contact's email), or none at all (a
//! lead whose opportunity is its account's). The keys are resolved into the
//! target's ids here, once, when the bundle loads: every rule that joins on
//! the reference (`in_rows: { from: opportunities, fields: [lead_id] }`)
//! then works unchanged, and `inspect` and the report's notes say which key
//! was used and how many rows found their record.

use super::manifest::Manifest;
use super::schema::{DatasetSchema, Schema};
use super::{Column, ColumnRead, Dataset, DatasetRead, Demand, Note, Origin};
use crate::error::{ErrorCode, Problem, Problems};
use crate::value::FieldType;
use std::collections::{BTreeMap, HashMap};

/// What a reference field of bundle.yaml's `join_on:` holds.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
#[serde(untagged)]
pub enum JoinOn {
    /// The target's field the reference column holds, e.g. `email`.
    Key(String),
    /// The target's field `on`, read from this dataset's field `from` (when
    /// the file has no column for the reference itself).
    Linked(LinkedKey),
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, serde::Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkedKey {
    /// The target dataset's field to match, e.g. `account`.
    pub on: String,
    /// The field of this dataset holding the same key (default: the reference field itself).
    #[serde(default)]
    pub from: Option<String>,
}

// By hand rather than untagged: a mistyped key (`frm:`) is then named, not
// reported as "no variant matched".
impl<'de> serde::Deserialize<'de> for JoinOn {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = JoinOn;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a field of the target (`email`) or `{ on: FIELD, from: FIELD }`")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<JoinOn, E> {
                Ok(JoinOn::Key(v.to_string()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<JoinOn, A::Error> {
                <LinkedKey as serde::Deserialize>::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(JoinOn::Linked)
            }
        }
        d.deserialize_any(Visit)
    }
}

impl JoinOn {
    /// The target's field the key is matched against.
    pub fn on(&self) -> &str {
        match self {
            JoinOn::Key(on) => on,
            JoinOn::Linked(l) => &l.on,
        }
    }

    /// This dataset's field holding the key (`field`, the reference, unless `from:` names another).
    pub fn from<'a>(&'a self, field: &'a str) -> &'a str {
        match self {
            JoinOn::Linked(LinkedKey { from: Some(f), .. }) => f,
            _ => field,
        }
    }
}

/// One reference resolved through `join_on:`, with its match rate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyedJoin {
    pub dataset: String,
    /// The reference field, e.g. `lead_id`.
    pub field: String,
    pub target: String,
    /// The target's field matched, e.g. `email`.
    pub on: String,
    /// This dataset's field the key was read from (the reference itself unless `from:`).
    pub from: String,
    /// Rows with a key.
    pub linked: usize,
    /// Of those, rows whose key is a record's of the target.
    pub matched: usize,
    /// Of those, rows whose key several records of the target share.
    pub ambiguous: usize,
    /// The first few keys that found no record, in file order.
    pub unmatched: Vec<String>,
}

impl KeyedJoin {
    /// `opportunities.lead_id -> leads.email`, or
    /// `leads.account -> opportunities.account (as leads.opportunity_id)`.
    pub fn label(&self) -> String {
        if self.from == self.field {
            format!("{}.{} -> {}.{}", self.dataset, self.field, self.target, self.on)
        } else {
            format!(
                "{}.{} -> {}.{} (as {}.{})",
                self.dataset, self.from, self.target, self.on, self.dataset, self.field
            )
        }
    }

    fn note(&self, file: &str) -> Note {
        let mut message = format!(
            "{} (join_on in bundle.yaml): {} of {} find their record",
            self.label(),
            self.matched,
            self.linked
        );
        let missed = self.linked - self.matched;
        if missed > 0 && self.from == self.field {
            message.push_str(&format!(
                "; {} no {} {} (e.g. {}) and stay{} as written: links to records missing from the export",
                matches(missed),
                self.target,
                self.on,
                self.unmatched.join(", "),
                if missed == 1 { "s" } else { "" }
            ));
        } else if missed > 0 {
            message.push_str(&format!(
                "; {} no {} {} and get{} no {}",
                matches(missed),
                self.target,
                self.on,
                if missed == 1 { "s" } else { "" },
                self.field
            ));
        }
        if self.ambiguous > 0 {
            message.push_str(&format!(
                "; {} more than one {} record: each is linked to the earliest created (the first in the file among equals)",
                matches(self.ambiguous),
                self.target
            ));
        }
        Note {
            file: file.to_string(),
            message,
        }
    }
}

mod check;
pub(super) use check::check_manifest;

const EXAMPLES: usize = 5;

fn matches(n: usize) -> String {
    format!("{n} {}", if n == 1 { "matches" } else { "match" })
}

/// Keys compare ignoring case and runs of spaces: `Ana@Globex.com` is
/// `ana@globex.com`, `Globex  Corp` is `globex corp`.
fn key(text: &str) -> String {
    text.split_whitespace()
        .flat_map(|w| std::iter::once(" ").chain(std::iter::once(w)))
        .skip(1)
        .collect::<String>()
        .to_lowercase()
}

/// The join_on entries that are well formed: (dataset, reference, target, on, from).
fn entries(manifest: &Manifest) -> Vec<(&str, &str, &str, &str, &str)> {
    let schema = Schema::get();
    let mut out = Vec::new();
    for (name, mapping) in &manifest.datasets {
        let Some(ds) = schema.dataset(name) else { continue };
        for (field, join) in &mapping.join_on {
            let Some(target) = ds.fields.get(field).and_then(|f| f.references.as_deref()) else {
                continue;
            };
            let (on, from) = (join.on(), join.from(field));
            let known = |d: &DatasetSchema, f: &str| d.fields.get(f).is_some_and(|f| f.ty == FieldType::Text);
            if schema.dataset(target).is_some_and(|t| known(t, on)) && known(ds, from) {
                out.push((name.as_str(), field.as_str(), target, on, from));
            }
        }
    }
    out
}

/// The demand with what resolving the demanded references needs: the key
/// field of this dataset, and the target's key and date fields.
pub(super) fn with_keys(manifest: &Manifest, demand: &Demand) -> Demand {
    let mut out = demand.clone();
    for (name, field, target, on, from) in entries(manifest) {
        if !demand.get(name).is_some_and(|f| f.contains(field)) {
            continue;
        }
        out.entry(name.to_string()).or_default().insert(from.to_string());
        let t = out.entry(target.to_string()).or_default();
        t.insert(on.to_string());
        if let Some(dates) = Schema::get().dataset(target).and_then(|d| d.dates.as_ref()) {
            t.insert(dates.from.clone());
        }
    }
    out
}

/// Resolves every `join_on:` key into the target's ids, in place. A key
/// that finds no record stays as written when the reference column held it
/// (a broken link, which COMP-007 names), and gives no link when it was read
/// from another field (`from:`: a lead whose account has no deal did not
/// convert). Columns the file lacks are errors at their bundle.yaml line.
pub(super) fn resolve(
    manifest: &Manifest,
    datasets: &mut BTreeMap<String, Dataset>,
    reads: &mut BTreeMap<String, DatasetRead>,
    notes: &mut Vec<Note>,
    problems: &mut Problems,
) -> Vec<KeyedJoin> {
    let mut out = Vec::new();
    for (name, field, target, on, from) in entries(manifest) {
        let Some(ds) = datasets.get(name) else { continue };
        let problem = |message: String, label: &str, help: String| {
            let p = Problem::new(ErrorCode::BundleManifestJoin, message).help(help);
            match &manifest.source_file {
                Some(src) => {
                    let path = ["datasets", name, "join_on", field];
                    let at = super::yaml_at::find_key_path(&src.text, &path);
                    p.at(src, at, field.len(), label)
                }
                None => p,
            }
        };
        if !ds.has_field(from) {
            let help = if from == field {
                format!(
                    "map the column that holds the {target}' {on} under `columns:` (`HEADER: {field}`), or read the key from another field with `{field}: {{ on: {on}, from: FIELD }}`"
                )
            } else {
                format!("map the column that holds it under `columns:` (`HEADER: {from}`)")
            };
            problems.push(problem(
                format!("join_on `{field}`: `{}` has no column for `{name}.{from}`", ds.file),
                "no column to read the key from",
                help,
            ));
            continue;
        }
        if from != field && ds.has_field(field) {
            let header = ds.mapped_from.get(field).cloned().unwrap_or_default();
            problems.push(problem(
                format!(
                    "join_on `{field}`: `{}` has a column for `{name}.{field}` (`{header}`), and join_on would fill it from `{from}` too",
                    ds.file
                ),
                "two sources for one field",
                format!(
                    "to link by `{from}`, add `{header}: ignore` under `columns:`; to read the column instead, remove `from: {from}`"
                ),
            ));
            continue;
        }
        let Some(target_ds) = datasets.get(target) else {
            continue;
        };
        if !target_ds.has_field(on) {
            let mut has: Vec<&str> = target_ds.mapped_from.keys().map(String::as_str).collect();
            has.sort_unstable();
            problems.push(problem(
                format!(
                    "join_on `{field}`: `{}` has no column for `{target}.{on}` to match",
                    target_ds.file
                ),
                "the target has no such column",
                format!(
                    "add the column to the {target} export (or map it under `datasets: {target}: columns:`); its fields are: {}",
                    has.join(", ")
                ),
            ));
            continue;
        }
        let (Some(keys), Some(ids), Some(values)) = (
            target_ds.column(on),
            target_ds.column(&target_ds.id_field),
            ds.column(from),
        ) else {
            continue; // not loaded: no rule of this run reads the reference
        };
        let dates = Schema::get()
            .dataset(target)
            .and_then(|d| d.dates.as_ref())
            .and_then(|d| target_ds.column(&d.from));
        let (column, join) = link(
            values,
            keys,
            ids,
            dates,
            KeyedJoin {
                dataset: name.into(),
                field: field.into(),
                target: target.into(),
                on: on.into(),
                from: from.into(),
                linked: 0,
                matched: 0,
                ambiguous: 0,
                unmatched: Vec::new(),
            },
        );
        let from_header = ds.mapped_from.get(from).cloned().unwrap_or_default();
        notes.push(join.note(&ds.file));
        let ds = datasets.get_mut(name).expect("looked up above");
        ds.columns.insert(field.to_string(), column);
        if from != field {
            ds.mapped_from.insert(field.to_string(), from_header.clone());
            if let Some(read) = reads.get_mut(name) {
                read.columns.push(ColumnRead {
                    header: from_header,
                    field: field.to_string(),
                    origin: Origin::Joined {
                        on: format!("{target}.{on}"),
                    },
                });
            }
        }
        out.push(join);
    }
    out
}

/// The reference column: each row's key replaced by the id of the target
/// record holding it (the earliest dated, then the first in the file).
fn link(
    values: &Column,
    keys: &Column,
    ids: &Column,
    dates: Option<&Column>,
    mut join: KeyedJoin,
) -> (Column, KeyedJoin) {
    // key -> (best row, records sharing the key)
    let mut index: HashMap<String, (usize, usize)> = HashMap::new();
    let when = |r: usize| dates.and_then(|d| d.days(r)).unwrap_or(i32::MAX);
    for r in 0..keys.len() {
        let (Some(k), Some(id)) = (keys.text(r), ids.text(r)) else {
            continue;
        };
        if k.is_empty() || id.is_empty() {
            continue;
        }
        index
            .entry(key(k))
            .and_modify(|(best, n)| {
                *n += 1;
                if when(r) < when(*best) {
                    *best = r;
                }
            })
            .or_insert((r, 1));
    }
    let mut column = Column::new(FieldType::Text);
    for r in 0..values.len() {
        let v = values.text(r).unwrap_or_default();
        if v.trim().is_empty() {
            let _ = column.push_text("");
            continue;
        }
        join.linked += 1;
        match index.get(&key(v)) {
            Some(&(best, n)) => {
                join.matched += 1;
                if n > 1 {
                    join.ambiguous += 1;
                }
                let _ = column.push_text(ids.text(best).unwrap_or_default());
            }
            None => {
                if join.unmatched.len() < EXAMPLES && !join.unmatched.iter().any(|u| u == v) {
                    join.unmatched.push(v.to_string());
                }
                let _ = column.push_text(if join.from == join.field { v } else { "" });
            }
        }
    }
    (column, join)
}

#[cfg(test)]
mod tests;
