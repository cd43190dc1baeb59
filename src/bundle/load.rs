//! Reads a bundle folder: finds the manifest, discovers data files with
//! walkdir, maps files and columns onto the bundle format and parses them
//! into typed columns. Every problem is collected; nothing stops at the first.

use super::manifest::{MANIFEST_NAMES, Manifest};
use super::schema::{DatasetSchema, Schema};
use super::source::{Resolver, SourceDef};
use super::structured::Structured;
use super::table::{DatasetBuilder, MAX_CELL_ERRORS_PER_FILE, note};
use super::xlsx::SHEET_EXTENSIONS;
use super::{Bundle, Dataset, DatasetRead, Note};
use crate::error::{Problem, Problems, SourceFile, suggest};
use crate::value::normalize_name;
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Which fields of which datasets a run needs. `None` loads everything.
pub type Demand = BTreeMap<String, BTreeSet<String>>;

/// Files that are config, not data, and are never treated as datasets.
const CONFIG_NAMES: &[&str] = &["mktaudit.yaml", "mktaudit.yml"];
const TEXT_EXTENSIONS: &[&str] = &["csv", "tsv", "yaml", "yml", "json"];
/// Bytes read from an unrecognised file to see whether it is a known export.
const SNIFF_BYTES: u64 = 64 * 1024;

/// Where a dataset comes from: a file, and for a spreadsheet its sheet.
#[derive(Debug, Clone)]
struct FileRef {
    rel: String,
    sheet: Option<String>,
}

/// The source mapping bundle.yaml names for a dataset, and how it named it.
type ChosenSources = BTreeMap<String, (SourceDef, String)>;

/// Loads the bundle at `root`, keeping only the demanded fields in memory.
pub fn load_bundle(root: &Path, demand: Option<&Demand>) -> Result<Bundle, Problems> {
    let mut problems = Problems::default();
    if !root.is_dir() {
        problems.push(
            Problem::new(
                "bundle::not_found",
                format!("bundle folder `{}` does not exist", root.display()),
            )
            .help("pass the folder that holds the org's exports, e.g. `mktaudit audit examples/acme-vanity`"),
        );
        return Err(problems);
    }
    let (manifest, sources) = read_manifest(root, &mut problems);
    let mut notes = Vec::new();
    let files = discover(root, &manifest, &sources, &mut notes, &mut problems);

    // Files parse in parallel; results are merged in file order, so notes,
    // problems and datasets come out the same whatever the thread count.
    let files: Vec<(String, FileRef)> = files.into_iter().collect();
    let loaded: Vec<_> = files
        .into_par_iter()
        .map(|(name, file)| {
            let (mut file_notes, mut file_problems) = (Vec::new(), Problems::default());
            let wanted = demand.map(|d| d.get(&name));
            let (ds, read) = read_dataset(
                root,
                &file,
                &name,
                &manifest,
                sources.get(&name),
                wanted,
                &mut file_notes,
                &mut file_problems,
            );
            (name, ds, read, file_notes, file_problems)
        })
        .collect();
    let mut datasets = BTreeMap::new();
    let mut reads = BTreeMap::new();
    for (name, ds, mut read, file_notes, file_problems) in loaded {
        notes.extend(file_notes);
        problems.extend(file_problems);
        if let Some(ds) = ds {
            read.rows = ds.rows;
            // A file with a header and no rows (an unfilled template) is no
            // data: rules needing it end not assessed rather than passing.
            if ds.rows == 0 {
                notes.push(note(
                    &read.file,
                    &format!("no rows: dataset `{name}` is treated as missing"),
                ));
            } else {
                datasets.insert(name.clone(), ds);
            }
        }
        reads.insert(name, read);
    }
    notes.sort();
    problems.into_result(Bundle {
        root: root.to_path_buf(),
        manifest,
        datasets,
        reads,
        notes,
        profile_overrides: BTreeMap::new(),
    })
}

fn read_manifest(root: &Path, problems: &mut Problems) -> (Manifest, ChosenSources) {
    let Some(path) = MANIFEST_NAMES.iter().map(|n| root.join(n)).find(|p| p.is_file()) else {
        return Default::default();
    };
    let Some(src) = read_source(root, &path, &mut Vec::new(), problems) else {
        return Default::default();
    };
    let manifest: Manifest = match serde_yaml::from_str(&src.text) {
        Ok(m) => m,
        Err(e) => {
            let help = crate::error::unknown_key_help(&e.to_string()).unwrap_or_else(|| {
                "known keys: org, period (start, end), currency, datasets (file, source, mapping, sheet, date_format, columns); see docs/bundle.md".into()
            });
            problems.push(yaml_problem("bundle::manifest", &src, &e, "bundle.yaml is not a valid manifest").help(help));
            return Default::default();
        }
    };
    let schema = Schema::get();
    let mut sources = ChosenSources::new();
    for (name, mapping) in &manifest.datasets {
        let Some(ds) = schema.dataset(name) else {
            let at = find_key(&src.text, name);
            problems.push(
                Problem::new(
                    "bundle::manifest_dataset",
                    format!("unknown dataset `{name}` in bundle.yaml"),
                )
                .at(&src, at, name.len(), "not a dataset of the bundle format")
                .help(suggest(name, &schema.dataset_names())),
            );
            continue;
        };
        for (column, field) in &mapping.columns {
            if field != "ignore" && !ds.fields.contains_key(field) {
                let at = find_key(&src.text, column);
                problems.push(
                    Problem::new(
                        "bundle::manifest_field",
                        format!("column `{column}` is mapped to `{field}`, which `{name}` does not have"),
                    )
                    .at(&src, at, column.len(), "unknown field")
                    .help(format!("{} (or `ignore`)", suggest(field, &ds.field_names()))),
                );
            }
        }
        if let Some(chosen) = manifest_source(root, &src, name, mapping, problems) {
            sources.insert(name.clone(), chosen);
        }
    }
    if let Some(p) = manifest.period
        && p.start > p.end
    {
        let at = find_key(&src.text, "period");
        problems.push(
            Problem::new("bundle::manifest_period", "the period ends before it starts")
                .at(&src, at, 6, "start is after end")
                .help("swap start and end"),
        );
    }
    (manifest, sources)
}

/// The source mapping a dataset entry of bundle.yaml names (`source:` or
/// `mapping:`), checked against the dataset.
fn manifest_source(
    root: &Path,
    manifest_src: &SourceFile,
    dataset: &str,
    mapping: &super::DatasetMapping,
    problems: &mut Problems,
) -> Option<(SourceDef, String)> {
    let (def, by) = match (&mapping.source, &mapping.mapping) {
        (None, None) => return None,
        (Some(_), Some(_)) => {
            let at = find_key(&manifest_src.text, "mapping");
            problems.push(
                Problem::new(
                    "bundle::manifest_source",
                    format!("dataset `{dataset}` names both a `source` and a `mapping`"),
                )
                .at(manifest_src, at, 7, "one or the other")
                .help("keep `source:` for a built-in mapping, or `mapping:` for your own file"),
            );
            return None;
        }
        (Some(name), None) => {
            let Some(def) = super::source::builtin().get(name.as_str()) else {
                let at = manifest_src.text.find(name.as_str()).unwrap_or(0);
                problems.push(
                    Problem::new("bundle::manifest_source", format!("unknown source `{name}`"))
                        .at(manifest_src, at, name.len(), "not a known export")
                        .help(format!(
                            "{} (docs/sources.md lists them; `mapping: FILE` reads a mapping of your own)",
                            suggest(name, &super::source::builtin_names())
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
                "bundle::manifest_source",
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
                "bundle::mapping",
                format!("mapping file `{file}` is not a file inside the bundle"),
            )
            .in_file(&root.join("bundle.yaml"))
            .help("put the mapping file in the bundle folder and give its path relative to it"),
        );
        return None;
    }
    let src = read_source(root, &path, &mut Vec::new(), problems)?;
    let mut def: SourceDef = match serde_yaml::from_str(&src.text) {
        Ok(d) => d,
        Err(e) => {
            let help = crate::error::unknown_key_help(&e.to_string()).unwrap_or_else(|| {
                "keys: name, title, dataset, detect, columns, values, derive, constants, nulls, date_formats, skip_rows; see docs/sources.md".into()
            });
            problems.push(yaml_problem("bundle::mapping", &src, &e, "not a valid mapping file").help(help));
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
            Problem::new("bundle::mapping", format!("mapping `{}`: {e}", def.name))
                .at(&src, at, key.len().max(1), "here")
                .help("fields are those of the dataset in docs/bundle.md"),
        );
    }
    errors.is_empty().then_some(def)
}

/// Finds which file (and sheet) provides which dataset: bundle.yaml first,
/// then file names, then sheet names, then the header of a known export.
fn discover(
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
            if !root.join(&file).is_file() {
                problems.push(
                    Problem::new(
                        "bundle::manifest_file",
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
                    "bundle::walk",
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
                problems.push(
                    Problem::new(
                        "bundle::duplicate_dataset",
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
        super::table::sniff_delimiter(text)
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

fn relative(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Bytes as text: UTF-16 with a BOM (Excel's "Unicode text" and Google Ads'
/// "Excel CSV"), UTF-8 with or without BOM, else Latin-1 (older spreadsheet
/// tools write Windows-1252; every ASCII byte, so all structure, reads the
/// same). Returns the text and, for Latin-1, the first bad byte's offset.
fn decode(bytes: Vec<u8>) -> (String, Option<usize>) {
    let utf16 = |le: bool| {
        let units: Vec<u16> = bytes[2..]
            .chunks_exact(2)
            .map(|c| {
                if le {
                    u16::from_le_bytes([c[0], c[1]])
                } else {
                    u16::from_be_bytes([c[0], c[1]])
                }
            })
            .collect();
        String::from_utf16_lossy(&units)
    };
    let text = match bytes.get(..2) {
        Some([0xFF, 0xFE]) => utf16(true),
        Some([0xFE, 0xFF]) => utf16(false),
        _ => match String::from_utf8(bytes) {
            Ok(t) => t,
            Err(e) => {
                let bytes = e.into_bytes();
                let bad = std::str::from_utf8(&bytes).map_or_else(|e| e.valid_up_to(), |_| 0);
                return (bytes.iter().map(|&b| char::from(b)).collect(), Some(bad));
            }
        },
    };
    (text, None)
}

/// Reads a file as text (see [`decode`]). A file whose lines end with a lone
/// CR (old Mac exports) gets LF endings, so lines are counted right.
pub(super) fn read_source(
    root: &Path,
    path: &Path,
    notes: &mut Vec<Note>,
    problems: &mut Problems,
) -> Option<SourceFile> {
    let rel = relative(root, path);
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            problems.push(Problem::new("bundle::read", format!("cannot read `{rel}`: {e}")).in_file(path));
            return None;
        }
    };
    let (text, bad) = decode(bytes);
    if let Some(offset) = bad {
        let line = text[..text.char_indices().nth(offset).map_or(text.len(), |(i, _)| i)]
            .matches('\n')
            .count()
            + 1;
        notes.push(note(
            &rel,
            &format!("not valid UTF-8 (first bad byte on line {line}); read as Latin-1. Save it as UTF-8 to be sure."),
        ));
    }
    let mut text = text.strip_prefix('\u{feff}').map(str::to_string).unwrap_or(text);
    if text.contains('\r') && !text.contains('\n') {
        text = text.replace('\r', "\n");
    }
    Some(SourceFile::new(display_path(root, &rel), text))
}

/// The name a file is shown with in diagnostics: the bundle folder's name
/// joined with the file's path inside it.
fn display_path(root: &Path, rel: &str) -> String {
    let base = root.display().to_string();
    let base = base.trim_end_matches(['/', '\\']);
    if base.is_empty() || base == "." {
        rel.to_string()
    } else {
        format!("{base}/{rel}")
    }
}

#[allow(clippy::too_many_arguments)]
fn read_dataset(
    root: &Path,
    file: &FileRef,
    name: &str,
    manifest: &Manifest,
    source: Option<&(SourceDef, String)>,
    wanted: Option<Option<&BTreeSet<String>>>,
    notes: &mut Vec<Note>,
    problems: &mut Problems,
) -> (Option<Dataset>, DatasetRead) {
    let schema: &DatasetSchema = Schema::get().dataset(name).expect("discovered datasets are known");
    let entry = manifest.datasets.get(name);
    let rel = file.rel.as_str();
    let ext = rel.rsplit('.').next().unwrap_or_default().to_lowercase();
    let mut read = DatasetRead {
        dataset: name.to_string(),
        file: rel.to_string(),
        source: source.map(|(d, _)| d.name.clone()),
        source_by: source.map(|(_, by)| by.clone()),
        ..DatasetRead::default()
    };
    let path = root.join(rel);
    let is_sheet = SHEET_EXTENSIONS.contains(&ext.as_str());
    let src = if is_sheet {
        SourceFile::new(display_path(root, rel), "")
    } else {
        match read_source(root, &path, notes, problems) {
            Some(s) => s,
            None => return (None, read),
        }
    };
    let sheet = if is_sheet {
        let names = match super::xlsx::sheet_names(&path) {
            Ok(n) => n,
            Err(e) => {
                problems.push(
                    Problem::new("bundle::xlsx", format!("cannot open the workbook `{rel}`: {e}"))
                        .in_file(&path)
                        .help(
                            "open it in a spreadsheet program and save it again as .xlsx, or export the sheet as CSV",
                        ),
                );
                return (None, read);
            }
        };
        let wanted_sheet = file.sheet.as_deref().or(entry.and_then(|e| e.sheet.as_deref()));
        match super::xlsx::pick_sheet(&names, wanted_sheet, name, &schema.files) {
            Some(s) => Some(s.to_string()),
            None => {
                problems.push(
                    Problem::new(
                        "bundle::xlsx_sheet",
                        format!("`{rel}` has no sheet `{}`", wanted_sheet.unwrap_or_default()),
                    )
                    .in_file(&root.join("bundle.yaml"))
                    .help(format!("its sheets: {}", names.join(", "))),
                );
                return (None, read);
            }
        }
    } else {
        None
    };
    read.sheet.clone_from(&sheet);
    let mut builder = DatasetBuilder {
        name,
        rel,
        schema,
        resolver: Resolver {
            schema,
            overrides: entry.map(|e| &e.columns),
            source: source.map(|(d, _)| d),
        },
        source_fixed: source.is_some(),
        date_format: entry.and_then(|e| e.date_format.as_deref()),
        wanted,
        notes,
        problems,
        cell_errors: 0,
        src: &src,
        sheet: sheet.clone(),
        read,
        decimal_comma: false,
    };
    let ds = match (ext.as_str(), &sheet) {
        (_, Some(sheet)) => builder.sheet(&path, sheet),
        ("csv" | "tsv", _) => builder.csv(ext == "tsv"),
        ("json", _) => builder.structured(Structured::Json),
        _ => builder.structured(Structured::Yaml),
    };
    if builder.cell_errors > MAX_CELL_ERRORS_PER_FILE {
        let more = builder.cell_errors - MAX_CELL_ERRORS_PER_FILE;
        builder.problems.push(
            Problem::new(
                "bundle::cell",
                format!("{more} more cells in `{rel}` could not be read"),
            )
            .in_file(&path)
            .help("fix the cells above first; the same cause usually explains the rest"),
        );
    }
    if let Some(s) = &builder.read.source {
        let by = builder.read.source_by.clone().unwrap_or_default();
        builder.notes.push(note(rel, &format!("read as `{s}` ({by})")));
    }
    (ds, builder.read)
}

/// Builds a bundle from inline data (rule tests): dataset name -> records.
/// Problems point at `source`, the file the data was written in.
pub fn bundle_from_inline(
    root_name: &str,
    data: &indexmap::IndexMap<String, serde_yaml::Value>,
    manifest: Manifest,
    source: &SourceFile,
) -> Result<Bundle, Problems> {
    let mut problems = Problems::default();
    let mut notes = Vec::new();
    let mut datasets = BTreeMap::new();
    for (name, value) in data {
        let Some(schema) = Schema::get().dataset(name) else {
            problems.push(
                Problem::new("bundle::inline", format!("unknown dataset `{name}`"))
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
                    "bundle::inline",
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
            },
            source_fixed: true,
            date_format: None,
            wanted: None,
            notes: &mut notes,
            problems: &mut problems,
            cell_errors: 0,
            src: source,
            sheet: None,
            read: DatasetRead::default(),
            decimal_comma: false,
        };
        if let Some(ds) = builder.records_from(&doc, false) {
            datasets.insert(name.clone(), ds);
        }
    }
    problems.into_result(Bundle {
        root: std::path::PathBuf::from(root_name),
        manifest,
        datasets,
        reads: BTreeMap::new(),
        notes,
        profile_overrides: BTreeMap::new(),
    })
}

/// A problem at the location serde_yaml reports.
pub(crate) fn yaml_problem(code: &'static str, src: &SourceFile, e: &serde_yaml::Error, message: &str) -> Problem {
    let reason = crate::error::short_serde_reason(&e.to_string());
    let p = Problem::new(code, message.to_string());
    match e.location() {
        Some(loc) => p.at(src, loc.index(), 1, reason),
        None => p.at(src, 0, 1, reason),
    }
}

/// Byte offset of `key:` in a YAML text (for pointing at manifest keys).
pub(crate) fn find_key(text: &str, key: &str) -> usize {
    let normalized = normalize_name(key);
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let content = line.trim_start();
        let k = content
            .split(':')
            .next()
            .unwrap_or_default()
            .trim()
            .trim_matches(['"', '\'']);
        if content.contains(':') && (k == key || normalize_name(k) == normalized) {
            return offset + (line.len() - content.len());
        }
        offset += line.len();
    }
    0
}
