//! Checks `join_on:` entries of bundle.yaml against the bundle format when
//! the manifest is read, before any file: each mistake at its line, with a
//! did-you-mean.

use crate::bundle::manifest::JoinOn;
use crate::bundle::schema::{DatasetSchema, Schema};
use crate::error::{ErrorCode, Problem, Problems, SourceFile, suggest};
use crate::value::FieldType;
use std::collections::BTreeMap;

/// The reference fields of a dataset: those naming another dataset's records.
fn reference_fields(ds: &DatasetSchema) -> Vec<&str> {
    ds.fields
        .iter()
        .filter(|(_, f)| f.references.is_some())
        .map(|(n, _)| n.as_str())
        .collect()
}

/// Offset of `needle` in the value of the key at `path` (its key when not found).
fn value_at(src: &SourceFile, path: &[&str], needle: &str) -> usize {
    let at = crate::bundle::yaml_at::find_key_path(&src.text, path);
    let key_len = path.last().map_or(0, |k| k.len());
    let line_end = src.text[at..].find('\n').map_or(src.text.len(), |e| at + e);
    src.text
        .get(at + key_len..line_end)
        .and_then(|rest| rest.find(needle))
        .map_or(at, |i| at + key_len + i)
}

/// Checks `join_on:` of one dataset entry against the bundle format: the
/// field is a reference, the key a text field of its target, `from:` a text
/// field of this dataset.
pub(in crate::bundle) fn check_manifest(
    src: &SourceFile,
    name: &str,
    ds: &DatasetSchema,
    join_on: &BTreeMap<String, JoinOn>,
    problems: &mut Problems,
) {
    let schema = Schema::get();
    for (field, join) in join_on {
        let path = ["datasets", name, "join_on", field.as_str()];
        let key_at = crate::bundle::yaml_at::find_key_path(&src.text, &path);
        let refs = reference_fields(ds);
        let Some(f) = ds.fields.get(field) else {
            problems.push(
                Problem::new(
                    ErrorCode::BundleManifestJoin,
                    format!("join_on `{field}`: `{name}` has no such field"),
                )
                .at(src, key_at, field.len(), "unknown field")
                .help(match suggest(field, &refs) {
                    s if s.starts_with("did you mean") => s,
                    _ => format!(
                        "join_on takes the fields of `{name}` that name another dataset's records: {}",
                        list_or_none(&refs)
                    ),
                }),
            );
            continue;
        };
        let Some(target) = f.references.as_deref() else {
            problems.push(
                Problem::new(
                    ErrorCode::BundleManifestJoin,
                    format!("join_on `{field}`: `{name}.{field}` names no other dataset's records"),
                )
                .at(src, key_at, field.len(), "not a reference")
                .help(format!(
                    "join_on takes the fields of `{name}` that name another dataset's records: {}; to read a column as `{field}`, map it under `columns:`",
                    list_or_none(&refs)
                )),
            );
            continue;
        };
        let target_schema = schema.dataset(target).expect("references name known datasets");
        let on = join.on();
        match target_schema.fields.get(on) {
            None => problems.push(
                Problem::new(
                    ErrorCode::BundleManifestJoin,
                    format!("join_on `{field}`: `{target}` has no field `{on}` to match"),
                )
                .at(src, value_at(src, &path, on), on.len(), "not a field of the target")
                .help(format!("{} (a field of `{target}`)", suggest_field(target_schema, on))),
            ),
            Some(k) if k.ty != FieldType::Text => problems.push(
                Problem::new(
                    ErrorCode::BundleManifestJoin,
                    format!(
                        "join_on `{field}`: `{target}.{on}` is {}, not a key",
                        crate::bundle::table::type_word(k.ty)
                    ),
                )
                .at(src, value_at(src, &path, on), on.len(), "not a text field")
                .help(format!(
                    "match on a text field that names one record: {}",
                    text_fields(target_schema).join(", ")
                )),
            ),
            Some(_) => {}
        }
        let from = join.from(field);
        if from == field {
            continue;
        }
        match ds.fields.get(from) {
            None => problems.push(
                Problem::new(
                    ErrorCode::BundleManifestJoin,
                    format!("join_on `{field}`: `{name}` has no field `{from}` to read the key from"),
                )
                .at(src, value_at(src, &path, from), from.len(), "unknown field")
                .help(suggest_field(ds, from)),
            ),
            Some(k) if k.ty != FieldType::Text => problems.push(
                Problem::new(
                    ErrorCode::BundleManifestJoin,
                    format!(
                        "join_on `{field}`: `{name}.{from}` is {}, not a key",
                        crate::bundle::table::type_word(k.ty)
                    ),
                )
                .at(src, value_at(src, &path, from), from.len(), "not a text field")
                .help(format!(
                    "read the key from a text field: {}",
                    text_fields(ds).join(", ")
                )),
            ),
            Some(_) => {}
        }
    }
}

/// A did-you-mean over a dataset's fields and their aliases (`compny` ->
/// `account`, through its alias `company`), else the list of fields.
fn suggest_field(ds: &DatasetSchema, unknown: &str) -> String {
    let best = ds
        .fields
        .iter()
        .flat_map(|(name, f)| std::iter::once(name).chain(&f.aliases).map(move |n| (n, name)))
        .map(|(n, field)| (strsim::jaro_winkler(unknown, n), field))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0));
    match best {
        Some((_, field)) => format!("did you mean `{field}`?"),
        None => suggest(unknown, &ds.field_names()),
    }
}

fn list_or_none(fields: &[&str]) -> String {
    if fields.is_empty() {
        "none".into()
    } else {
        fields.join(", ")
    }
}

fn text_fields(ds: &DatasetSchema) -> Vec<&str> {
    ds.fields
        .iter()
        .filter(|(_, f)| f.ty == FieldType::Text)
        .map(|(n, _)| n.as_str())
        .collect()
}
