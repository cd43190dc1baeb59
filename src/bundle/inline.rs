//! A bundle from data written inline (a rule's tests), read through the
//! same datasets, schema and checks as a bundle folder.

use super::manifest::Manifest;
use super::plan::Resolver;
use super::schema::Schema;
use super::table::DatasetBuilder;
use super::yaml_at::find_key;
use super::{Bundle, DatasetRead};
use crate::error::ErrorCode;
use crate::error::{Problem, Problems, SourceFile, suggest};
use std::collections::BTreeMap;

/// Builds a bundle from inline data (rule tests): dataset name -> records.
/// Problems point at `source`, the file the data was written in.
pub fn bundle_from_inline(
    root_name: &str,
    data: &indexmap::IndexMap<String, crate::yaml::Value>,
    manifest: Manifest,
    source: &SourceFile,
) -> Result<Bundle, Problems> {
    let mut problems = Problems::default();
    let mut notes = Vec::new();
    let mut datasets = BTreeMap::new();
    for (name, value) in data {
        let Some(schema) = Schema::get().dataset(name) else {
            problems.push(
                Problem::new(ErrorCode::BundleInline, format!("unknown dataset `{name}`"))
                    .at(
                        source,
                        find_key(&source.text, name),
                        name.len(),
                        "not a dataset of the bundle format",
                    )
                    .help(suggest(name, &Schema::get().dataset_names())),
            );
            continue;
        };
        let doc = match serde_json::to_value(value) {
            Ok(d) => d,
            Err(e) => {
                problems.push(Problem::new(
                    ErrorCode::BundleInline,
                    format!("data for `{name}` cannot be read: {e}"),
                ));
                continue;
            }
        };
        let rel = format!("{root_name}/{name}");
        let mut builder = DatasetBuilder {
            name,
            rel: &rel,
            schema,
            resolver: Resolver {
                schema,
                overrides: manifest.datasets.get(name).map(|m| &m.columns),
                source: None,
                constants: manifest.datasets.get(name).map(|m| &m.constants),
            },
            manifest_src: None,
            source_fixed: true,
            date_format: None,
            wanted: None,
            notes: &mut notes,
            problems: &mut problems,
            cell_errors: 0,
            src: source.clone(),
            sheet: None,
            read: DatasetRead::default(),
            decimal_comma: false,
            stretch_bytes: super::delimited::STRETCH_BYTES,
            keep_all: false,
            shown_only: None,
            shown_at: std::collections::BTreeMap::new(),
            delimited: false,
        };
        if let Some(mut ds) = builder.records_from(&doc, false) {
            let mut read = DatasetRead::default();
            super::periods::fill_from_label(&mut ds, schema, &|_| true, source, &mut read, &mut problems);
            datasets.insert(name.clone(), ds);
        }
    }
    let keyed_joins = super::joins::resolve(
        &manifest,
        &mut datasets,
        &mut BTreeMap::new(),
        &mut notes,
        &mut problems,
    );
    problems.into_result(Bundle {
        root: std::path::PathBuf::from(root_name),
        manifest,
        datasets,
        reads: BTreeMap::new(),
        notes,
        profile_overrides: BTreeMap::new(),
        keyed_joins,
    })
}
