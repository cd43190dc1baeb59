//! Which file (and sheet) provides which dataset: bundle.yaml first, then
//! file names, then sheet names, then the header of a known export.

use super::Note;
use super::manifest::{CONFIG_NAMES, ChosenSources, MANIFEST_NAMES, Manifest};
use super::read::{decode, relative};
use super::schema::Schema;
use super::source::SourceDef;
use super::table::note;
use super::xlsx::SHEET_EXTENSIONS;
use crate::error::ErrorCode;
use crate::error::{Problem, Problems};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

const TEXT_EXTENSIONS: &[&str] = &["csv", "tsv", "yaml", "yml", "json"];
/// Whether a file could hold a dataset: a data extension, and not the config.
pub fn is_data_file(path: &Path) -> bool {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    (TEXT_EXTENSIONS.contains(&ext.as_str()) || SHEET_EXTENSIONS.contains(&ext.as_str()))
        && !CONFIG_NAMES.contains(&name.as_str())
}

/// Bytes read from an unrecognised file to see whether it is a known export.
const SNIFF_BYTES: u64 = 64 * 1024;

/// Where a dataset comes from: a file, and for a spreadsheet its sheet.
#[derive(Debug, Clone)]
pub(super) struct FileRef {
    pub rel: String,
    pub sheet: Option<String>,
}

/// Finds which file (and sheet) provides which dataset: bundle.yaml first,
/// then file names, then sheet names, then the header of a known export.
pub(super) fn discover(
    root: &Path,
    manifest: &Manifest,
    sources: &ChosenSources,
    notes: &mut Vec<Note>,
    problems: &mut Problems,
) -> BTreeMap<String, FileRef> {
    let schema = Schema::get();
    let mut by_manifest: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut mapping_files: BTreeSet<String> = BTreeSet::new();
    // Unknown dataset names were reported when the manifest was read.
    for (name, m) in manifest.datasets.iter().filter(|(n, _)| schema.dataset(n).is_some()) {
        if let Some(file) = &m.mapping {
            mapping_files.insert(file.replace('\\', "/"));
        }
        if let Some(file) = &m.file {
            let file = file.replace('\\', "/");
            if let Some(link) = linked_part(root, &file) {
                problems.push(
                    Problem::new(
                        ErrorCode::BundleManifestFile,
                        format!(
                            "bundle.yaml maps dataset `{name}` to `{file}`, but `{link}` is a symbolic link; mktaudit follows no link"
                        ),
                    )
                    .in_file(&root.join("bundle.yaml"))
                    .help("copy the file itself into the bundle"),
                );
            } else if !root.join(&file).is_file() {
                problems.push(
                    Problem::new(
                        ErrorCode::BundleManifestFile,
                        format!("bundle.yaml maps dataset `{name}` to `{file}`, which does not exist"),
                    )
                    .in_file(&root.join("bundle.yaml"))
                    .help("give the path relative to the bundle folder"),
                );
            }
            by_manifest.entry(file).or_default().push(name.clone());
        }
    }
    let mapped_names: BTreeSet<&String> = by_manifest.values().flatten().collect();

    let mut found: BTreeMap<String, FileRef> = BTreeMap::new();
    let walker = walkdir::WalkDir::new(root)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter();
    for entry in walker.filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.')) {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                problems.push(Problem::new(
                    ErrorCode::BundleWalk,
                    format!("cannot read the bundle folder: {e}"),
                ));
                continue;
            }
        };
        let rel = relative(root, entry.path());
        if entry.path_is_symlink() {
            notes.push(note(
                &rel,
                "symbolic link not followed (only files inside the bundle are read)",
            ));
            continue;
        }
        if !entry.file_type().is_file() || mapping_files.contains(&rel) {
            continue;
        }
        let file_name = entry.file_name().to_string_lossy().to_lowercase();
        if entry.depth() == 1
            && (MANIFEST_NAMES.contains(&file_name.as_str())
                || CONFIG_NAMES.contains(&file_name.as_str())
                || super::SCAFFOLD_FILES.iter().any(|f| f.eq_ignore_ascii_case(&file_name)))
        {
            continue;
        }
        let ext = entry
            .path()
            .extension()
            .map(|e| e.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        let is_sheet = SHEET_EXTENSIONS.contains(&ext.as_str());
        let stem = entry
            .path()
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut provides: Vec<(String, Option<String>)> = Vec::new();
        if let Some(names) = by_manifest.get(&rel) {
            for name in names {
                let sheet = manifest.datasets.get(name).and_then(|m| m.sheet.clone());
                provides.push((name.clone(), sheet));
            }
        } else if !is_sheet && !TEXT_EXTENSIONS.contains(&ext.as_str()) {
            notes.push(note(&rel, "not a data file (csv, tsv, yaml, yml, json, xlsx); ignored"));
            continue;
        } else if let Some(name) = schema.dataset_for_stem(&stem) {
            if mapped_names.contains(&name.to_string()) {
                notes.push(note(
                    &rel,
                    &format!("ignored: bundle.yaml takes dataset `{name}` from another file"),
                ));
                continue;
            }
            provides.push((name.to_string(), None));
        } else if is_sheet {
            provides = sheets_by_name(entry.path(), &rel, &mapped_names, notes);
        } else if let Some(source) = sniff_source(entry.path(), &ext) {
            if mapped_names.contains(&source.dataset) || sources.contains_key(&source.dataset) {
                notes.push(note(
                    &rel,
                    &format!(
                        "looks like a {} export, but bundle.yaml takes dataset `{}` from another file; ignored",
                        source.title, source.dataset
                    ),
                ));
                continue;
            }
            provides.push((source.dataset.clone(), None));
        } else {
            notes.push(note(
                &rel,
                "not a known dataset name; ignored (map it in bundle.yaml under `datasets:` to use it)",
            ));
            continue;
        }
        for (dataset, sheet) in provides {
            if let Some(first) = found.get(&dataset) {
                // An unfilled template from `mktaudit init` gives way to the
                // export dropped beside it.
                if is_template(entry.path()) {
                    notes.push(note(
                        &rel,
                        &format!("empty template ignored: `{}` provides `{dataset}`", first.rel),
                    ));
                    continue;
                }
                if is_template(&root.join(&first.rel)) {
                    notes.push(note(
                        &first.rel,
                        &format!("empty template ignored: `{rel}` provides `{dataset}`"),
                    ));
                    found.insert(
                        dataset,
                        FileRef {
                            rel: rel.clone(),
                            sheet,
                        },
                    );
                    continue;
                }
                problems.push(
                    Problem::new(
                        ErrorCode::BundleDuplicateDataset,
                        format!("two files provide dataset `{dataset}`: `{}` and `{rel}`", first.rel),
                    )
                    .in_file(entry.path())
                    .help(format!(
                        "merge them, or name the one to use in bundle.yaml:\n  datasets:\n    {dataset}:\n      file: {}",
                        first.rel
                    )),
                );
                continue;
            }
            found.insert(
                dataset,
                FileRef {
                    rel: rel.clone(),
                    sheet,
                },
            );
        }
    }
    found
}

/// A small text table with a header and no rows (what `mktaudit init` writes).
fn is_template(path: &Path) -> bool {
    const SMALL: u64 = 4096;
    let ext = path.extension().map(|e| e.to_string_lossy().to_lowercase());
    if !matches!(ext.as_deref(), Some("csv" | "tsv")) || std::fs::metadata(path).map_or(true, |m| m.len() > SMALL) {
        return false;
    }
    std::fs::read(path).is_ok_and(|b| decode(b).0.lines().filter(|l| !l.trim().is_empty()).count() <= 1)
}

/// The datasets a workbook with an unrecognised name provides: one per sheet
/// named like a dataset.
fn sheets_by_name(
    path: &Path,
    rel: &str,
    mapped: &BTreeSet<&String>,
    notes: &mut Vec<Note>,
) -> Vec<(String, Option<String>)> {
    let names = match super::xlsx::sheet_names(path) {
        Ok(n) => n,
        Err(e) => {
            notes.push(note(rel, &format!("cannot open the workbook ({e}); ignored")));
            return Vec::new();
        }
    };
    let mut out = Vec::new();
    let mut unknown = Vec::new();
    for sheet in names {
        match Schema::get().dataset_for_stem(&sheet) {
            Some(ds) if !mapped.contains(&ds.to_string()) => out.push((ds.to_string(), Some(sheet))),
            _ => unknown.push(sheet),
        }
    }
    if !unknown.is_empty() {
        notes.push(note(
            rel,
            &format!(
                "sheets not named like a dataset, ignored: {} (name the sheet in bundle.yaml with `sheet:` to use it)",
                unknown.join(", ")
            ),
        ));
    }
    out
}

/// The known export an unrecognised text file is, judged by its first lines.
fn sniff_source(path: &Path, ext: &str) -> Option<&'static SourceDef> {
    use std::io::Read;
    if !matches!(ext, "csv" | "tsv") {
        return None;
    }
    let mut head = Vec::new();
    std::fs::File::open(path)
        .ok()?
        .take(SNIFF_BYTES)
        .read_to_end(&mut head)
        .ok()?;
    let text = decode(head).0;
    // The last line may be cut short; it is not needed to recognise a header.
    let text = text.rsplit_once('\n').map_or(text.as_str(), |(a, _)| a);
    let delimiter = if ext == "tsv" {
        b'\t'
    } else {
        super::delimited::sniff_delimiter(text.as_bytes())
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .has_headers(false)
        .from_reader(text.as_bytes());
    reader
        .records()
        .take(super::source::HEADER_SEARCH_LINES)
        .filter_map(Result::ok)
        .find_map(|r| {
            let headers: Vec<String> = r.iter().map(str::to_string).collect();
            super::source::detect(&headers, None)
        })
}

/// The first part of `rel` (a path inside `root`) that is a symbolic link.
fn linked_part(root: &Path, rel: &str) -> Option<String> {
    let mut at = root.to_path_buf();
    for (i, part) in rel.split('/').enumerate() {
        at.push(part);
        if std::fs::symlink_metadata(&at).is_ok_and(|m| m.file_type().is_symlink()) {
            return Some(rel.split('/').take(i + 1).collect::<Vec<_>>().join("/"));
        }
    }
    None
}
