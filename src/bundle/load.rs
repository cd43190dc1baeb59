//! Reads a bundle folder: finds the manifest, discovers data files with
//! walkdir, maps files and columns onto the bundle format and parses them
//! into typed columns. Every problem is collected; nothing stops at the first.

use super::manifest::{MANIFEST_NAMES, Manifest};
use super::schema::{DatasetSchema, Schema};
use super::{Bundle, Column, Dataset, Note};
use crate::error::{Problem, Problems, SourceFile, suggest};
use crate::value::{Value, normalize_name};
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Which fields of which datasets a run needs. `None` loads everything.
pub type Demand = BTreeMap<String, BTreeSet<String>>;

/// Longest CSV line accepted. Exports have short lines; a longer one is a
/// wrong or hostile file, refused before it costs memory.
pub const MAX_LINE_BYTES: usize = 4 * 1024 * 1024;
/// Cell errors reported per file before the rest are summarised.
const MAX_CELL_ERRORS_PER_FILE: usize = 10;
/// The mapping target that drops a column on purpose (no note about it).
const IGNORE: &str = "ignore";
/// Files that are config, not data, and are never treated as datasets.
const CONFIG_NAMES: &[&str] = &["mktaudit.yaml", "mktaudit.yml"];
const DATA_EXTENSIONS: &[&str] = &["csv", "tsv", "yaml", "yml", "json"];

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
    let manifest = read_manifest(root, &mut problems);
    let mut notes = Vec::new();
    let files = discover(root, &manifest, &mut notes, &mut problems);

    // Files parse in parallel; results are merged in file order, so notes,
    // problems and datasets come out the same whatever the thread count.
    let files: Vec<(String, String)> = files.into_iter().collect();
    let loaded: Vec<_> = files
        .into_par_iter()
        .map(|(name, rel)| {
            let schema = Schema::get().dataset(&name).expect("discovered datasets are known");
            let mapping = manifest.datasets.get(&name).map(|m| &m.columns);
            let wanted = demand.map(|d| d.get(&name));
            let (mut file_notes, mut file_problems) = (Vec::new(), Problems::default());
            let ds = read_dataset(
                root,
                &rel,
                &name,
                schema,
                mapping,
                wanted,
                &mut file_notes,
                &mut file_problems,
            );
            (name, ds, file_notes, file_problems)
        })
        .collect();
    let mut datasets = BTreeMap::new();
    for (name, ds, file_notes, file_problems) in loaded {
        notes.extend(file_notes);
        problems.extend(file_problems);
        if let Some(ds) = ds {
            datasets.insert(name, ds);
        }
    }
    notes.sort();
    problems.into_result(Bundle {
        root: root.to_path_buf(),
        manifest,
        datasets,
        notes,
        profile_overrides: BTreeMap::new(),
    })
}

fn read_manifest(root: &Path, problems: &mut Problems) -> Manifest {
    let Some(path) = MANIFEST_NAMES.iter().map(|n| root.join(n)).find(|p| p.is_file()) else {
        return Manifest::default();
    };
    let Some(src) = read_source(root, &path, &mut Vec::new(), problems) else {
        return Manifest::default();
    };
    let manifest: Manifest = match serde_yaml::from_str(&src.text) {
        Ok(m) => m,
        Err(e) => {
            let help = crate::error::unknown_key_help(&e.to_string()).unwrap_or_else(|| {
                "known keys: org, period (start, end), currency, datasets (file, columns); see docs/bundle.md".into()
            });
            problems.push(yaml_problem("bundle::manifest", &src, &e, "bundle.yaml is not a valid manifest").help(help));
            return Manifest::default();
        }
    };
    let schema = Schema::get();
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
    manifest
}

/// Finds which file provides which dataset.
fn discover(
    root: &Path,
    manifest: &Manifest,
    notes: &mut Vec<Note>,
    problems: &mut Problems,
) -> BTreeMap<String, String> {
    let schema = Schema::get();
    let mut by_manifest: BTreeMap<String, String> = BTreeMap::new();
    // Unknown dataset names were reported when the manifest was read.
    for (name, m) in manifest.datasets.iter().filter(|(n, _)| schema.dataset(n).is_some()) {
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
            by_manifest.insert(file, name.clone());
        }
    }
    let mapped_names: BTreeSet<&String> = by_manifest.values().collect();

    let mut found: BTreeMap<String, String> = BTreeMap::new();
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
        if !entry.file_type().is_file() {
            continue;
        }
        let file_name = entry.file_name().to_string_lossy().to_lowercase();
        if entry.depth() == 1
            && (MANIFEST_NAMES.contains(&file_name.as_str()) || CONFIG_NAMES.contains(&file_name.as_str()))
        {
            continue;
        }
        let ext = entry
            .path()
            .extension()
            .map(|e| e.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        let dataset = if let Some(name) = by_manifest.get(&rel) {
            name.clone()
        } else if !DATA_EXTENSIONS.contains(&ext.as_str()) {
            notes.push(note(&rel, "not a data file (csv, tsv, yaml, yml, json); ignored"));
            continue;
        } else {
            let stem = entry
                .path()
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            match schema.dataset_for_stem(&stem) {
                Some(name) if mapped_names.contains(&name.to_string()) => {
                    notes.push(note(
                        &rel,
                        &format!("ignored: bundle.yaml takes dataset `{name}` from another file"),
                    ));
                    continue;
                }
                Some(name) => name.to_string(),
                None => {
                    notes.push(note(
                        &rel,
                        "not a known dataset name; ignored (map it in bundle.yaml under `datasets:` to use it)",
                    ));
                    continue;
                }
            }
        };
        if let Some(first) = found.get(&dataset) {
            problems.push(
                Problem::new(
                    "bundle::duplicate_dataset",
                    format!("two files provide dataset `{dataset}`: `{first}` and `{rel}`"),
                )
                .in_file(entry.path())
                .help(format!(
                    "merge them, or name the one to use in bundle.yaml:\n  datasets:\n    {dataset}:\n      file: {first}"
                )),
            );
            continue;
        }
        found.insert(dataset, rel);
    }
    found
}

fn relative(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

fn note(file: &str, message: &str) -> Note {
    Note {
        file: file.to_string(),
        message: message.to_string(),
    }
}

/// Reads a file as UTF-8 text. Exports saved by older spreadsheet tools are
/// often Windows-1252; those are read as Latin-1 with a note rather than
/// rejected, since every ASCII byte (all structure) reads the same.
fn read_source(root: &Path, path: &Path, notes: &mut Vec<Note>, problems: &mut Problems) -> Option<SourceFile> {
    let rel = relative(root, path);
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            problems.push(Problem::new("bundle::read", format!("cannot read `{rel}`: {e}")).in_file(path));
            return None;
        }
    };
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let bytes = e.into_bytes();
            let (line, _) = SourceFile::new("", String::from_utf8_lossy(&bytes).into_owned())
                .line_col(std::str::from_utf8(&bytes).map_or_else(|e| e.valid_up_to(), |_| 0));
            notes.push(note(
                &rel,
                &format!(
                    "not valid UTF-8 (first bad byte on line {line}); read as Latin-1. Save it as UTF-8 to be sure."
                ),
            ));
            bytes.iter().map(|&b| char::from(b)).collect()
        }
    };
    let text = text.strip_prefix('\u{feff}').map(str::to_string).unwrap_or(text);
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
    rel: &str,
    name: &str,
    schema: &DatasetSchema,
    mapping: Option<&BTreeMap<String, String>>,
    wanted: Option<Option<&BTreeSet<String>>>,
    notes: &mut Vec<Note>,
    problems: &mut Problems,
) -> Option<Dataset> {
    let src = read_source(root, &root.join(rel), notes, problems)?;
    let mut builder = DatasetBuilder {
        name,
        rel,
        schema,
        mapping,
        wanted,
        notes,
        problems,
        cell_errors: 0,
        src: &src,
    };
    let ext = rel.rsplit('.').next().unwrap_or_default().to_lowercase();
    let ds = match ext.as_str() {
        "csv" | "tsv" => builder.csv(ext == "tsv"),
        "json" => builder.structured(Structured::Json),
        _ => builder.structured(Structured::Yaml),
    };
    if builder.cell_errors > MAX_CELL_ERRORS_PER_FILE {
        let more = builder.cell_errors - MAX_CELL_ERRORS_PER_FILE;
        builder.problems.push(
            Problem::new(
                "bundle::cell",
                format!("{more} more cells in `{rel}` could not be read"),
            )
            .in_file(&root.join(rel))
            .help("fix the cells above first; the same cause usually explains the rest"),
        );
    }
    ds
}

enum Structured {
    Json,
    Yaml,
}

struct DatasetBuilder<'a> {
    name: &'a str,
    rel: &'a str,
    schema: &'a DatasetSchema,
    mapping: Option<&'a BTreeMap<String, String>>,
    /// None: keep every field. Some(None): the run needs no field of this dataset.
    wanted: Option<Option<&'a BTreeSet<String>>>,
    notes: &'a mut Vec<Note>,
    problems: &'a mut Problems,
    cell_errors: usize,
    src: &'a SourceFile,
}

impl DatasetBuilder<'_> {
    /// The field a column/key stands for, or None when it is not part of the format.
    fn field_for(&self, column: &str) -> Option<String> {
        if let Some(target) = self.mapping.and_then(|m| m.get(column)) {
            return (target != IGNORE).then(|| target.clone());
        }
        self.schema.field_for_column(column).map(str::to_string)
    }

    fn keep(&self, field: &str) -> bool {
        match self.wanted {
            None => true,
            Some(w) => field == self.schema.id || w.is_some_and(|set| set.contains(field)),
        }
    }

    fn empty_dataset(&self) -> Dataset {
        Dataset {
            name: self.name.to_string(),
            file: self.rel.to_string(),
            rows: 0,
            columns: BTreeMap::new(),
            lines: Vec::new(),
            mapped_from: BTreeMap::new(),
            unloaded: Vec::new(),
            id_field: self.schema.id.clone(),
        }
    }

    /// Maps headers to fields; returns (column index, field) for kept fields.
    fn map_headers(&mut self, headers: &[String], ds: &mut Dataset) -> Vec<(usize, String)> {
        let mut kept = Vec::new();
        let mut ignored = Vec::new();
        for (i, h) in headers.iter().enumerate() {
            match self.field_for(h) {
                Some(field) if ds.mapped_from.contains_key(&field) => {
                    ignored.push(format!("{h} (duplicate of `{field}`)"));
                }
                Some(field) => {
                    ds.mapped_from.insert(field.clone(), h.clone());
                    if self.keep(&field) {
                        let ty = self.schema.fields[&field].ty;
                        ds.columns.insert(field.clone(), Column::new(ty));
                        kept.push((i, field));
                    } else {
                        ds.unloaded.push(field);
                    }
                }
                None if h.trim().is_empty() || self.mapping.is_some_and(|m| m.get(h).is_some_and(|t| t == IGNORE)) => {}
                None => ignored.push(h.clone()),
            }
        }
        if !ignored.is_empty() {
            self.notes.push(note(
                self.rel,
                &format!(
                    "columns not in the `{}` format, ignored: {}",
                    self.name,
                    ignored.join(", ")
                ),
            ));
        }
        kept
    }

    fn cell_problem(&mut self, line: usize, cell: &str, field: &str, header: &str, err: &crate::value::CellError) {
        self.cell_errors += 1;
        if self.cell_errors > MAX_CELL_ERRORS_PER_FILE {
            return;
        }
        let line_start = self.src.offset(line, 1);
        let line_text = self.src.text[line_start..].lines().next().unwrap_or_default();
        let trimmed = cell.trim();
        let (at, len) = match line_text.find(trimmed).filter(|_| !trimmed.is_empty()) {
            Some(pos) => (line_start + pos, trimmed.len()),
            None => (line_start, line_text.len().max(1)),
        };
        let p = Problem::new("bundle::cell", format!("`{header}` ({}.{field}): {err}", self.name))
            .at(self.src, at, len, format!("not {}", type_word(err.expected)))
            .help(format!(
                "correct the value, or leave the cell empty if it is unknown; `{}.{field}` is {}",
                self.name,
                type_word(err.expected)
            ));
        self.problems.push(p);
    }

    fn csv(&mut self, tab: bool) -> Option<Dataset> {
        let text = self.src.text.clone();
        // Checked before parsing, so a hostile line costs no parser buffers.
        if let Some((i, line)) = text.split('\n').enumerate().find(|(_, l)| l.len() > MAX_LINE_BYTES) {
            self.long_line(i + 1, line.len());
            return None;
        }
        let delimiter = if tab { b'\t' } else { sniff_delimiter(&text) };
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .flexible(true)
            .has_headers(false)
            .from_reader(text.as_bytes());
        let mut records = reader.records();
        let mut ds = self.empty_dataset();
        let headers: Vec<String> = match records.next() {
            None => {
                self.notes.push(note(self.rel, "empty file: no header, no rows"));
                return Some(ds);
            }
            Some(Ok(h)) if h.as_slice().len() > MAX_LINE_BYTES => {
                self.long_line(1, h.as_slice().len());
                return None;
            }
            Some(Ok(h)) => h.iter().map(str::to_string).collect(),
            Some(Err(e)) => {
                self.csv_problem(&e);
                return None;
            }
        };
        let kept = self.map_headers(&headers, &mut ds);
        for record in records {
            let record = match record {
                Ok(r) => r,
                Err(e) => {
                    self.csv_problem(&e);
                    return None;
                }
            };
            let line = record.position().map_or(0, |p| usize::try_from(p.line()).unwrap_or(0));
            if record.as_slice().len() > MAX_LINE_BYTES {
                self.long_line(line, record.as_slice().len());
                return None;
            }
            if record.len() == 1 && record.get(0).is_some_and(|c| c.trim().is_empty()) {
                continue; // blank line
            }
            if record.len() != headers.len() {
                self.problems.push(
                    Problem::new(
                        "bundle::csv_shape",
                        format!("row has {} fields but the header has {}", record.len(), headers.len()),
                    )
                    .at_line(self.src, line, 1, "this row")
                    .help("a field with a comma or line break inside must be quoted with \"…\""),
                );
                return None;
            }
            for (i, field) in &kept {
                let cell = record.get(*i).unwrap_or_default();
                let col = ds.columns.get_mut(field).expect("kept fields have columns");
                if let Err(e) = col.push_text(cell) {
                    let header = headers[*i].clone();
                    self.cell_problem(line, cell, field, &header, &e);
                }
            }
            ds.lines.push(u32::try_from(line).unwrap_or(0));
            ds.rows += 1;
        }
        Some(ds)
    }

    fn long_line(&mut self, line: usize, len: usize) {
        self.problems.push(
            Problem::new(
                "bundle::csv_line_too_long",
                format!(
                    "{}:{line}: a line of {} MiB; the limit is {} MiB",
                    self.src.name,
                    len / (1024 * 1024),
                    MAX_LINE_BYTES / (1024 * 1024)
                ),
            )
            .help("this does not look like a CSV export: check the file, its delimiter and its quotes (an unclosed quote swallows the rest of the file)"),
        );
    }

    fn csv_problem(&mut self, e: &csv::Error) {
        let line = e.position().map_or(1, |p| usize::try_from(p.line()).unwrap_or(1));
        self.problems.push(
            Problem::new("bundle::csv", format!("`{}` is not valid CSV: {e}", self.rel))
                .at_line(self.src, line, 1, "here")
                .help("check the quoting on this line"),
        );
    }

    fn structured(&mut self, kind: Structured) -> Option<Dataset> {
        let parsed: Result<serde_json::Value, Box<Problem>> = match kind {
            Structured::Json => serde_json::from_str(&self.src.text).map_err(|e| {
                let at = self.src.offset(e.line(), e.column());
                Box::new(
                    Problem::new("bundle::json", format!("`{}` is not valid JSON", self.rel))
                        .at(self.src, at, 1, e.to_string())
                        .help("check brackets, commas and quotes near here"),
                )
            }),
            Structured::Yaml => serde_yaml::from_str::<serde_yaml::Value>(&self.src.text)
                .map_err(|e| {
                    Box::new(yaml_problem(
                        "bundle::yaml",
                        self.src,
                        &e,
                        &format!("`{}` is not valid YAML", self.rel),
                    ))
                })
                .and_then(|v| {
                    serde_json::to_value(v).map_err(|e| {
                        Box::new(
                            Problem::new(
                                "bundle::yaml",
                                format!("`{}` has values JSON cannot hold: {e}", self.rel),
                            )
                            .in_file(Path::new(self.rel)),
                        )
                    })
                }),
        };
        let doc = match parsed {
            Ok(d) => d,
            Err(p) => {
                self.problems.push(*p);
                return None;
            }
        };
        self.records_from(&doc, true)
    }

    /// Builds the dataset from a parsed YAML/JSON document. `locate` says
    /// whether line numbers can be found in the source text.
    fn records_from(&mut self, doc: &serde_json::Value, locate: bool) -> Option<Dataset> {
        let items: Vec<&serde_json::Map<String, serde_json::Value>> = match doc {
            serde_json::Value::Null => Vec::new(),
            serde_json::Value::Object(m) if self.schema.single => vec![m],
            serde_json::Value::Object(m) => match wrapped_list(m, self.name) {
                Some(list) => list,
                None => {
                    self.problems.push(
                        Problem::new(
                            "bundle::shape",
                            format!("`{}` should hold a list of `{}` records", self.rel, self.name),
                        )
                        .at(self.src, 0, 1, "a mapping was found")
                        .help(format!(
                            "write `- {{…}}` items, or `{}:` followed by the list",
                            self.name
                        )),
                    );
                    return None;
                }
            },
            serde_json::Value::Array(a) => {
                let objects: Vec<_> = a.iter().filter_map(|v| v.as_object()).collect();
                if objects.len() != a.len() {
                    self.problems.push(
                        Problem::new(
                            "bundle::shape",
                            format!("every item of `{}` must be a record (key: value)", self.rel),
                        )
                        .at(self.src, 0, 1, "a list item is not a record")
                        .help("write each item as `- name: …` with one key per field"),
                    );
                    return None;
                }
                objects
            }
            _ => {
                self.problems.push(
                    Problem::new(
                        "bundle::shape",
                        format!("`{}` holds a single value, not records", self.rel),
                    )
                    .at(self.src, 0, 1, "here")
                    .help("see docs/bundle.md for the shape of each dataset"),
                );
                return None;
            }
        };
        let lines = if locate {
            item_lines(&self.src.text, items.len(), self.schema.single)
        } else {
            vec![0; items.len()]
        };
        let mut ds = self.empty_dataset();
        let mut keys: Vec<String> = Vec::new();
        for item in &items {
            for k in item.keys() {
                if !keys.contains(k) {
                    keys.push(k.clone());
                }
            }
        }
        let kept = self.map_headers(&keys, &mut ds);
        for (row, item) in items.iter().enumerate() {
            let line = lines.get(row).copied().unwrap_or(0);
            for (i, field) in &kept {
                let value = item.get(&keys[*i]).map_or(Value::Null, json_to_value);
                let col = ds.columns.get_mut(field).expect("kept fields have columns");
                if let Err(e) = col.push_value(&value) {
                    let header = keys[*i].clone();
                    self.cell_problem(line.max(1), &value.to_text(), field, &header, &e);
                }
            }
            ds.lines.push(u32::try_from(line).unwrap_or(0));
            ds.rows += 1;
        }
        Some(ds)
    }
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
        let mapping = manifest.datasets.get(name).map(|m| &m.columns);
        let mut builder = DatasetBuilder {
            name,
            rel: &rel,
            schema,
            mapping,
            wanted: None,
            notes: &mut notes,
            problems: &mut problems,
            cell_errors: 0,
            src: source,
        };
        if let Some(ds) = builder.records_from(&doc, false) {
            datasets.insert(name.clone(), ds);
        }
    }
    problems.into_result(Bundle {
        root: std::path::PathBuf::from(root_name),
        manifest,
        datasets,
        notes,
        profile_overrides: BTreeMap::new(),
    })
}

fn type_word(ty: crate::value::FieldType) -> &'static str {
    use crate::value::FieldType;
    match ty {
        FieldType::Number => "a number",
        FieldType::Percent => "a percentage",
        FieldType::Date => "a date (YYYY-MM-DD)",
        FieldType::Bool => "true or false",
        FieldType::Text => "text",
        FieldType::List => "a list",
    }
}

/// `{kpis: [...]}` or any mapping with exactly one list of records.
fn wrapped_list<'a>(
    m: &'a serde_json::Map<String, serde_json::Value>,
    name: &str,
) -> Option<Vec<&'a serde_json::Map<String, serde_json::Value>>> {
    let list = m
        .get(name)
        .or_else(|| (m.len() == 1).then(|| m.values().next()).flatten())?
        .as_array()?;
    list.iter().map(|v| v.as_object()).collect()
}

fn json_to_value(v: &serde_json::Value) -> Value {
    match v {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => n.as_f64().map_or(Value::Null, Value::Number),
        serde_json::Value::String(s) => Value::Text(s.clone()),
        serde_json::Value::Array(a) => Value::List(
            a.iter()
                .map(|x| match x {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect(),
        ),
        serde_json::Value::Object(_) => Value::Text(v.to_string()),
    }
}

/// Picks `;` or tab over `,` when the header line uses them (European
/// spreadsheet exports write `;`).
fn sniff_delimiter(text: &str) -> u8 {
    let header = text.lines().next().unwrap_or_default();
    let count = |c: char| header.matches(c).count();
    let (comma, semi, tab) = (count(','), count(';'), count('\t'));
    if semi > comma && semi >= tab {
        b';'
    } else if tab > comma {
        b'\t'
    } else {
        b','
    }
}

/// Best-effort first line of each top-level record in a YAML or JSON text,
/// so evidence can point at `kpis.yaml:14`. Records of a single-record file
/// start on line 1.
fn item_lines(text: &str, count: usize, single: bool) -> Vec<usize> {
    if single {
        return vec![1; count];
    }
    let trimmed = text.trim_start();
    let lines = if trimmed.starts_with('[') || trimmed.starts_with('{') {
        json_item_lines(text)
    } else {
        yaml_item_lines(text)
    };
    if lines.len() == count { lines } else { vec![0; count] }
}

fn yaml_item_lines(text: &str) -> Vec<usize> {
    let mut indent: Option<usize> = None;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let content = line.trim_start();
        if content.starts_with('#') {
            continue;
        }
        let this_indent = line.len() - content.len();
        if content == "-" || content.starts_with("- ") {
            let level = *indent.get_or_insert(this_indent);
            if this_indent == level {
                out.push(i + 1);
            }
        }
    }
    out
}

fn json_item_lines(text: &str) -> Vec<usize> {
    let mut out = Vec::new();
    let mut stack: Vec<u8> = Vec::new();
    let mut list_depth: Option<usize> = None;
    let (mut in_string, mut escaped, mut line) = (false, false, 1);
    for b in text.bytes() {
        if b == b'\n' {
            line += 1;
        }
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' => {
                stack.push(b);
                list_depth.get_or_insert(stack.len());
            }
            b'{' => {
                if Some(stack.len()) == list_depth && stack.last() == Some(&b'[') {
                    out.push(line);
                }
                stack.push(b);
            }
            b']' | b'}' => {
                stack.pop();
            }
            _ => {}
        }
    }
    out
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_and_json_item_lines() {
        let yaml = "# KPIs\n- name: a\n  owner: x\n- name: b\n  tags:\n    - t\n";
        assert_eq!(yaml_item_lines(yaml), vec![2, 4]);
        let json = "[\n {\"name\": \"a{\"},\n {\"name\": \"b\", \"x\": {\"y\": 1}}\n]";
        assert_eq!(json_item_lines(json), vec![2, 3]);
        let wrapped = "{\"kpis\": [\n {\"a\": 1},\n {\"a\": 2}]}";
        assert_eq!(json_item_lines(wrapped), vec![2, 3]);
    }

    #[test]
    fn delimiters() {
        assert_eq!(sniff_delimiter("a;b;c\n1;2;3"), b';');
        assert_eq!(sniff_delimiter("a,b\n"), b',');
        assert_eq!(sniff_delimiter("a\tb\tc"), b'\t');
    }
}
