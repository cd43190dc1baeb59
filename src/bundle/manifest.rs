//! `bundle.yaml`: the optional manifest of a bundle. It names the org, the
//! audited period and the currency, and maps files and columns with other
//! names onto the bundle format, so an export loads without being edited.

pub use super::joins::JoinOn;
use super::plan::IGNORE;
use super::read::read_source;
use super::schema::Schema;
use super::source::SourceDef;
use super::yaml_at::{find_key, find_key_path, yaml_problem};
use crate::error::ErrorCode;
use crate::error::{Problem, Problems, SourceFile, suggest};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

mod mapping;
use mapping::{inside_path, manifest_source};

/// The manifest file names, in the order they are looked for.
pub const MANIFEST_NAMES: &[&str] = &["bundle.yaml", "bundle.yml"];
/// The config's file names. Declared here, below the config, because
/// discovery must know them to leave the config out of the data; the config
/// module looks for these same names.
pub const CONFIG_NAMES: &[&str] = &["mktaudit.yaml", "mktaudit.yml"];

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
    /// The text of bundle.yaml, for problems found when the files are read
    /// (a mapped column the file does not have).
    #[serde(skip)]
    #[schemars(skip)]
    pub(crate) source_file: Option<SourceFile>,
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
    /// The dates the export covers (`{ start: 2025-03-01, end: 2025-03-31 }`),
    /// when it is narrower than what its rows' dates suggest: an ads report
    /// of one month, a log exported from a date. Rules that judge the whole
    /// period are not assessed when it covers less of the period.
    #[serde(default)]
    pub covers: Option<Period>,
    /// Column header in the file -> field of the dataset (or `ignore`). These
    /// win over the source mapping; other headers are still matched by the
    /// source, the field's own name and its known aliases.
    #[serde(default)]
    pub columns: BTreeMap<String, String>,
    /// Field -> a value every row of the file has, e.g. `source: marketing`
    /// for a file of marketing-sourced deals. Wins over any column.
    #[serde(default)]
    pub constants: BTreeMap<String, crate::yaml::Value>,
    /// Reference field -> the key it holds when that is not the target's id:
    /// `lead_id: email` (the column holds the lead's email), or
    /// `opportunity_id: { on: account, from: account }` (no such column: link
    /// each row by its `account` to the opportunity with that `account`).
    /// Keys are resolved into the target's ids when the bundle loads.
    #[serde(default)]
    pub join_on: BTreeMap<String, JoinOn>,
}

impl Manifest {
    pub fn currency(&self) -> &str {
        self.currency.as_deref().unwrap_or("USD")
    }
}

/// The source mapping bundle.yaml names for a dataset, and how it named it.
pub(super) type ChosenSources = BTreeMap<String, (SourceDef, String)>;

/// Reads and checks bundle.yaml (default when absent), with the source
/// mappings its datasets name.
pub(super) fn read_manifest(root: &Path, problems: &mut Problems) -> (Manifest, ChosenSources) {
    let Some(path) = MANIFEST_NAMES
        .iter()
        .map(|n| root.join(n))
        .find(|p| std::fs::symlink_metadata(p).is_ok())
    else {
        return Default::default();
    };
    // A linked manifest could be any file of the machine, and a parse error
    // would quote it: it is refused unopened.
    if std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink()) {
        problems.push(
            Problem::new(
                ErrorCode::BundleManifestLink,
                format!(
                    "`{}` is a symbolic link; mktaudit reads only files inside the bundle and follows no link",
                    path.file_name().unwrap_or_default().to_string_lossy()
                ),
            )
            .in_file(&path)
            .help("replace the link with the file itself"),
        );
        return Default::default();
    }
    if !path.is_file() {
        return Default::default();
    }
    let Some(src) = read_source(root, &path, false, &mut Vec::new(), problems) else {
        return Default::default();
    };
    let mut manifest: Manifest = match crate::yaml::from_str(&src.text) {
        Ok(m) => m,
        Err(e) => {
            let help = crate::error::unknown_key_help(&e.to_string()).unwrap_or_else(|| {
                "known keys: org, period (start, end), currency, datasets (file, source, mapping, sheet, date_format, covers, columns, constants, join_on: FIELD: KEY or { on: KEY, from: FIELD }); a key appears once per mapping; `mktaudit docs bundle` describes them".into()
            });
            problems.push(
                yaml_problem(
                    ErrorCode::BundleManifest,
                    &src,
                    &e,
                    "bundle.yaml is not a valid manifest",
                )
                .help(help),
            );
            return Default::default();
        }
    };
    for mapping in manifest.datasets.values_mut() {
        if let Some(file) = mapping.file.take() {
            mapping.file = inside_path(&file, &src, problems);
        }
    }
    let schema = Schema::get();
    let mut sources = ChosenSources::new();
    for (name, mapping) in &manifest.datasets {
        let Some(ds) = schema.dataset(name) else {
            let at = find_key(&src.text, name);
            problems.push(
                Problem::new(
                    ErrorCode::BundleManifestDataset,
                    format!("unknown dataset `{name}` in bundle.yaml"),
                )
                .at(&src, at, name.len(), "not a dataset of the bundle format")
                .help(suggest(name, &schema.dataset_names())),
            );
            continue;
        };
        for (column, field) in &mapping.columns {
            if field != IGNORE && !ds.fields.contains_key(field) {
                let at = find_key_path(&src.text, &["datasets", name, "columns", column]);
                problems.push(
                    Problem::new(
                        ErrorCode::BundleManifestField,
                        format!("column `{column}` is mapped to `{field}`, which `{name}` does not have"),
                    )
                    .at(&src, at, column.len(), "unknown field")
                    .help(format!("{} (or `ignore`)", suggest(field, &ds.field_names()))),
                );
            }
        }
        let mut fed_by: BTreeMap<&str, &str> = BTreeMap::new();
        for (column, field) in &mapping.columns {
            if field == IGNORE {
                continue;
            }
            if let Some(first) = fed_by.insert(field.as_str(), column.as_str()) {
                let at = find_key_path(&src.text, &["datasets", name, "columns", column]);
                problems.push(
                    Problem::new(
                        ErrorCode::BundleManifestField,
                        format!("columns `{first}` and `{column}` are both mapped to `{name}.{field}`; one column feeds a field"),
                    )
                    .at(&src, at, column.len(), "second column for the same field")
                    .help(format!(
                        "keep the column that holds `{field}` and map the other to its own field, or to `ignore`"
                    )),
                );
            }
        }
        for (field, value) in &mapping.constants {
            let at = find_key_path(&src.text, &["datasets", name, "constants", field]);
            match ds.fields.get(field) {
                None => problems.push(
                    Problem::new(
                        ErrorCode::BundleManifestField,
                        format!("constant `{field}`: `{name}` has no such field"),
                    )
                    .at(&src, at, field.len(), "unknown field")
                    .help(suggest(field, &ds.field_names())),
                ),
                Some(f) => {
                    if let Err(e) = crate::value::parse_cell(&super::source::scalar_text(value), f.ty) {
                        problems.push(
                            Problem::new(
                                ErrorCode::BundleManifestField,
                                format!("constant `{name}.{field}`: {e}"),
                            )
                            .at(&src, at, field.len(), "not a value of this field")
                            .help(format!("`{name}.{field}` is {}", super::table::type_word(f.ty))),
                        );
                    }
                }
            }
        }
        super::joins::check_manifest(&src, name, ds, &mapping.join_on, problems);
        if let Some(chosen) = manifest_source(root, &src, name, mapping, problems) {
            sources.insert(name.clone(), chosen);
        }
    }
    if let Some(p) = manifest.period
        && [p.start, p.end]
            .iter()
            .any(|d| !(MIN_YEAR..=MAX_YEAR).contains(&d.year()))
    {
        let at = find_key(&src.text, "period");
        problems.push(
            Problem::new(
                ErrorCode::BundleManifestPeriod,
                format!(
                    "the period {} to {} is outside the years {MIN_YEAR} to {MAX_YEAR}",
                    p.start, p.end
                ),
            )
            .at(&src, at, 6, "a year out of range")
            .help("write the dates as YYYY-MM-DD, e.g. start: 2025-01-01 and end: 2025-12-31"),
        );
        // An out-of-range period is not audited: month arithmetic near the
        // calendar's ends has no next month.
        manifest.period = None;
    } else if let Some(p) = manifest.period
        && p.start > p.end
    {
        let at = find_key(&src.text, "period");
        problems.push(
            Problem::new(ErrorCode::BundleManifestPeriod, "the period ends before it starts")
                .at(&src, at, 6, "start is after end")
                .help("swap start and end"),
        );
    }
    manifest.source_file = Some(src);
    (manifest, sources)
}

/// The years a manifest's period may span: every export writes four-digit
/// years, and date arithmetic (the months of a period) stays far from the
/// calendar's ends.
pub const MIN_YEAR: i32 = 1000;
pub const MAX_YEAR: i32 = 9999;
