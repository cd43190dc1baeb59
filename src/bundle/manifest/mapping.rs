//! Where a dataset entry of bundle.yaml points: the source mapping it names
//! (built in, or a mapping file of the bundle), and its file, which must be
//! a path inside the bundle.

use super::DatasetMapping;
use crate::bundle::read::read_source;
use crate::bundle::source::SourceDef;
use crate::bundle::yaml_at::{find_key, yaml_problem};
use crate::error::ErrorCode;
use crate::error::{Problem, Problems, SourceFile, suggest};
use std::path::Path;

/// The source mapping a dataset entry of bundle.yaml names (`source:` or
/// `mapping:`), checked against the dataset.
pub(super) fn manifest_source(
    root: &Path,
    manifest_src: &SourceFile,
    dataset: &str,
    mapping: &DatasetMapping,
    problems: &mut Problems,
) -> Option<(SourceDef, String)> {
    let (def, by) = match (&mapping.source, &mapping.mapping) {
        (None, None) => return None,
        (Some(_), Some(_)) => {
            let at = find_key(&manifest_src.text, "mapping");
            problems.push(
                Problem::new(
                    ErrorCode::BundleManifestSource,
                    format!("dataset `{dataset}` names both a `source` and a `mapping`"),
                )
                .at(manifest_src, at, 7, "one or the other")
                .help("keep `source:` for a built-in mapping, or `mapping:` for your own file"),
            );
            return None;
        }
        (Some(name), None) => {
            let Some(def) = crate::bundle::source::builtin().get(name.as_str()) else {
                let at = manifest_src.text.find(name.as_str()).unwrap_or(0);
                problems.push(
                    Problem::new(ErrorCode::BundleManifestSource, format!("unknown source `{name}`"))
                        .at(manifest_src, at, name.len(), "not a known export")
                        .help(format!(
                            "{} (`mktaudit docs sources` lists them; `mapping: FILE` reads a mapping of your own)",
                            suggest(name, &crate::bundle::source::builtin_names())
                        )),
                );
                return None;
            };
            (def.clone(), "bundle.yaml".to_string())
        }
        (None, Some(file)) => (read_mapping_file(root, file, problems)?, format!("mapping file {file}")),
    };
    if def.dataset != dataset {
        let at = manifest_src.text.find(def.name.as_str()).unwrap_or(0);
        problems.push(
            Problem::new(
                ErrorCode::BundleManifestSource,
                format!(
                    "`{}` maps an export onto `{}`, but bundle.yaml uses it for `{dataset}`",
                    def.name, def.dataset
                ),
            )
            .at(manifest_src, at, def.name.len(), "wrong dataset")
            .help(format!("move it under `datasets: {}:`", def.dataset)),
        );
        return None;
    }
    Some((def, by))
}

/// A user's mapping file (same format as `src/bundle/sources/*.yaml`).
fn read_mapping_file(root: &Path, file: &str, problems: &mut Problems) -> Option<SourceDef> {
    let path = root.join(file.replace('\\', "/"));
    let inside = path
        .canonicalize()
        .ok()
        .zip(root.canonicalize().ok())
        .is_some_and(|(p, r)| p.starts_with(r));
    if !inside {
        problems.push(
            Problem::new(
                ErrorCode::BundleMapping,
                format!("mapping file `{file}` is not a file inside the bundle"),
            )
            .in_file(&root.join("bundle.yaml"))
            .help("put the mapping file in the bundle folder and give its path relative to it"),
        );
        return None;
    }
    let src = read_source(root, &path, false, &mut Vec::new(), problems)?;
    let mut def: SourceDef = match crate::yaml::from_str(&src.text) {
        Ok(d) => d,
        Err(e) => {
            let help = crate::error::unknown_key_help(&e.to_string()).unwrap_or_else(|| {
                "keys: name, title, dataset, detect, columns, values, derive, constants, nulls, date_formats, skip_rows; `mktaudit docs sources` describes them".into()
            });
            problems.push(yaml_problem(ErrorCode::BundleMapping, &src, &e, "not a valid mapping file").help(help));
            return None;
        }
    };
    if def.name.is_empty() {
        def.name = Path::new(file)
            .file_stem()
            .map_or_else(|| file.to_string(), |s| s.to_string_lossy().into_owned());
    }
    let errors = def.validate();
    for e in &errors {
        let key = e.split('`').nth(1).unwrap_or_default();
        let at = find_key(&src.text, key);
        problems.push(
            Problem::new(ErrorCode::BundleMapping, format!("mapping `{}`: {e}", def.name))
                .at(&src, at, key.len().max(1), "here")
                .help("fields are those of the dataset in `mktaudit docs bundle`"),
        );
    }
    errors.is_empty().then_some(def)
}

/// `file` of a dataset as the path discovery knows it (`./a//b.csv` is
/// `a/b.csv`), or a problem at its line when it leaves the bundle.
pub(super) fn inside_path(file: &str, src: &SourceFile, problems: &mut Problems) -> Option<String> {
    let unified = file.replace('\\', "/");
    let mut parts: Vec<&str> = Vec::new();
    let mut escapes = unified.starts_with('/') || unified.contains(':');
    for part in unified.split('/') {
        match part {
            "" | "." => {}
            ".." => escapes = true,
            p => parts.push(p),
        }
    }
    if escapes || parts.is_empty() {
        let at = src.text.find(file).unwrap_or(0);
        problems.push(
            Problem::new(
                ErrorCode::BundleManifestFile,
                format!("`{file}` is not a path inside the bundle"),
            )
            .at(src, at, file.len(), "outside the bundle")
            .help("give the path relative to the bundle folder, without `..`, e.g. `file: exports/kpis.csv`; copy files from elsewhere into the bundle"),
        );
        return None;
    }
    Some(parts.join("/"))
}
