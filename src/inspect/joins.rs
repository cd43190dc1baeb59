//! Whether the datasets join up: for each reference the bundle format
//! declares (a lead's opportunity, a deal's campaign), how many keys find
//! their record, with examples of those that do not.

use super::{JoinIssue, MatchRate};
use crate::bundle::schema::Schema;
use crate::bundle::{self, Bundle, ColumnData};
use std::collections::BTreeSet;

/// Salesforce shows 15-character ids in reports and 18-character ones in
/// Data Loader exports; the first 15 characters are the same record.
fn id_key(id: &str) -> &str {
    if id.len() == 18 && id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        &id[..15]
    } else {
        id
    }
}

const EXAMPLES: usize = 5;

pub(super) fn joins(bundle: &Bundle, match_rates: &mut Vec<MatchRate>) -> Vec<JoinIssue> {
    let schema = Schema::get();
    let mut out = Vec::new();
    for (name, ds) in &bundle.datasets {
        let Some(ds_schema) = schema.dataset(name) else {
            continue;
        };
        for (field, f) in &ds_schema.fields {
            let (Some(target), Some(col)) = (&f.references, ds.column(field)) else {
                continue;
            };
            let keyed = bundle
                .keyed_joins
                .iter()
                .find(|k| &k.dataset == name && &k.field == field);
            // A link read from another field (`join_on` with `from:`) is
            // absent where the key found nothing: its rate is the key's.
            if let Some(k) = keyed.filter(|k| k.from != k.field) {
                match_rates.push(MatchRate {
                    join: k.label(),
                    linked: k.linked,
                    matched: k.matched,
                });
                continue;
            }
            let Some(target_ds) = bundle.dataset(target) else {
                out.push(JoinIssue {
                    kind: "not_checked",
                    dataset: name.clone(),
                    field: field.clone(),
                    count: ds.non_null(field),
                    examples: Vec::new(),
                    message: format!("{name}.{field} names `{target}` records, but the bundle has no `{target}`"),
                });
                continue;
            };
            // Reports name a campaign where exports give its id: accept either.
            let mut known: BTreeSet<String> = BTreeSet::new();
            for key_field in [target_ds.id_field.as_str(), "name"] {
                if let Some(c) = target_ds.column(key_field) {
                    for r in 0..target_ds.rows {
                        if let Some(t) = c.text(r).filter(|t| !t.is_empty()) {
                            known.insert(id_key(t).to_string());
                        }
                    }
                }
            }
            let mut unknown: BTreeSet<String> = BTreeSet::new();
            let (mut count, mut linked) = (0, 0);
            for r in 0..ds.rows {
                let Some(v) = col.text(r).filter(|t| !t.is_empty()) else {
                    continue;
                };
                linked += 1;
                if !known.contains(id_key(v)) {
                    count += 1;
                    unknown.insert(v.to_string());
                }
            }
            if linked > 0 {
                match_rates.push(MatchRate {
                    join: keyed.map_or_else(|| format!("{name}.{field} -> {target}"), |k| k.label()),
                    linked,
                    matched: linked - count,
                });
            }
            if count > 0 {
                out.push(JoinIssue {
                    kind: "unknown_reference",
                    dataset: name.clone(),
                    field: field.clone(),
                    count,
                    examples: unknown.into_iter().take(EXAMPLES).collect(),
                    message: format!(
                        "{count} of {} {name} point at a {target} record that is not in `{}`",
                        ds.rows, target_ds.file
                    ),
                });
            }
        }
        if let Some(d) = bundle::integrity::duplicate_ids(bundle, name) {
            out.push(JoinIssue {
                kind: "duplicate_id",
                dataset: name.clone(),
                field: ds.id_field.clone(),
                count: d.ids,
                message: format!(
                    "{} {name} ids appear more than once ({} extra rows in `{}`)",
                    d.ids, d.extra_rows, ds.file
                ),
                examples: d.examples,
            });
        }
        if let Some(p) = bundle.manifest.period {
            for (field, col) in &ds.columns {
                if !matches!(col.data, ColumnData::Date(_)) {
                    continue;
                }
                // Each date column on its own, read as the audit reads a record's dates.
                let Some((_, outside)) = bundle::coverage::placement_by(ds, field, p.start, p.end) else {
                    continue;
                };
                if outside.is_empty() {
                    continue;
                }
                out.push(JoinIssue {
                    kind: "outside_period",
                    dataset: name.clone(),
                    field: field.clone(),
                    count: outside.len(),
                    examples: outside.iter().take(EXAMPLES).map(|r| ds.record_id(*r)).collect(),
                    message: format!(
                        "{} of {} {name} have a {field} outside the period {} to {}",
                        outside.len(),
                        ds.rows,
                        p.start,
                        p.end
                    ),
                });
            }
        }
    }
    out
}
