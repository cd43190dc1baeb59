//! Reads a bundle folder: finds the manifest, discovers data files with
//! walkdir, maps files and columns onto the bundle format and parses them
//! into typed columns. Every problem is collected; nothing stops at the first.

use super::discover::FileRef;
use super::manifest::Manifest;
use super::plan::Resolver;
use super::schema::{DatasetSchema, Schema};
use super::source::SourceDef;
use super::structured::Structured;
use super::table::{DatasetBuilder, MAX_CELL_ERRORS_PER_FILE, note};
use super::xlsx::SHEET_EXTENSIONS;
use super::{Bundle, Dataset, DatasetRead, Note};
use crate::error::ErrorCode;
use crate::error::{Problem, Problems, SourceFile, suggest};
use crate::fsutil::{FileBytes, FileText};
use crate::value::normalize_name;
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Which fields of which datasets a run needs. `None` loads everything.
pub type Demand = BTreeMap<String, BTreeSet<String>>;

/// How files are read; the defaults are right for every run. Tests vary
/// them to check that the result does not depend on them.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// Big CSV files are read in stretches of about this many bytes, in
    /// parallel.
    pub stretch_bytes: usize,
    /// Keep every column in memory (`inspect` shows them all), while the
    /// demand still decides which columns are read: a bad cell in one no
    /// rule reads is a note either way.
    pub keep_all: bool,
}

impl Default for LoadOptions {
    fn default() -> Self {
        Self {
            stretch_bytes: super::delimited::STRETCH_BYTES,
            keep_all: false,
        }
    }
}

/// Loads the bundle at `root`, keeping only the demanded fields in memory.
pub fn load_bundle(root: &Path, demand: Option<&Demand>) -> Result<Bundle, Problems> {
    load_bundle_with(root, demand, &LoadOptions::default())
}

/// [`load_bundle`] with explicit reading options.
pub fn load_bundle_with(root: &Path, demand: Option<&Demand>, options: &LoadOptions) -> Result<Bundle, Problems> {
    let mut problems = Problems::default();
    if root.is_file() {
        problems.push(
            Problem::new(
                ErrorCode::BundleNotAFolder,
                format!(
                    "`{}` is a file; a bundle is the folder that holds the org's exports",
                    root.display()
                ),
            )
            .help(match root.parent().filter(|p| !p.as_os_str().is_empty()) {
                Some(parent) => format!("pass its folder: `{}`", parent.display()),
                None => "pass its folder: `.`".to_string(),
            }),
        );
        return Err(problems);
    }
    if !root.is_dir() {
        problems.push(
            Problem::new(
                ErrorCode::BundleNotFound,
                format!("bundle folder `{}` does not exist", root.display()),
            )
            .help("pass the folder that holds the org's exports; `mktaudit init DIR` starts one"),
        );
        return Err(problems);
    }
    let (manifest, sources) = super::manifest::read_manifest(root, &mut problems);
    let mut notes = Vec::new();
    let files = super::discover::discover(root, &manifest, &sources, &mut notes, &mut problems);
    let keyed_demand = demand.map(|d| super::joins::with_keys(&manifest, d));
    let demand = keyed_demand.as_ref();

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
                options,
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
    let keyed_joins = super::joins::resolve(&manifest, &mut datasets, &mut reads, &mut notes, &mut problems);
    notes.sort();
    problems.into_result(Bundle {
        root: root.to_path_buf(),
        manifest,
        datasets,
        reads,
        notes,
        profile_overrides: BTreeMap::new(),
        keyed_joins,
    })
}

pub(super) fn relative(root: &Path, path: &Path) -> String {
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
pub(super) fn decode(bytes: Vec<u8>) -> (String, Option<usize>) {
    let from = |encoding: &'static encoding_rs::Encoding, bytes: &[u8]| {
        encoding.decode_without_bom_handling(bytes).0.into_owned()
    };
    let text = match bytes.get(..2) {
        Some([0xFF, 0xFE]) => from(encoding_rs::UTF_16LE, &bytes[2..]),
        Some([0xFE, 0xFF]) => from(encoding_rs::UTF_16BE, &bytes[2..]),
        _ => match String::from_utf8(bytes) {
            Ok(t) => t,
            Err(e) => {
                let bad = e.utf8_error().valid_up_to();
                return (from(encoding_rs::WINDOWS_1252, e.as_bytes()), Some(bad));
            }
        },
    };
    (text, None)
}

/// Whether `bytes` look like UTF-16 text written without a byte order mark
/// (Some(true) little-endian, Some(false) big-endian): in text that is
/// mostly ASCII, as exports are, every other byte is NUL. UTF-8 and
/// Windows-1252 text has no NUL bytes at all.
fn utf16_without_bom(bytes: &[u8]) -> Option<bool> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) || bytes.len() < 4 {
        return None;
    }
    let sample = &bytes[..bytes.len().min(4096) & !1];
    let pairs = sample.len() / 2;
    let nul_at = |odd: usize| sample.chunks_exact(2).filter(|p| p[odd] == 0).count();
    let (even, odd) = (nul_at(0), nul_at(1));
    // Most pairs carry their NUL on one side and almost none on the other.
    match (even * 10 >= pairs * 6, odd * 10 >= pairs * 6) {
        (false, true) if even * 20 <= pairs => Some(true),
        (true, false) if odd * 20 <= pairs => Some(false),
        _ => None,
    }
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
    let bytes = match FileText::bytes_of(path) {
        Ok(b) => b,
        Err(e) => {
            problems.push(Problem::new(ErrorCode::BundleRead, format!("cannot read `{rel}`: {e}")).in_file(path));
            return None;
        }
    };
    let head: &[u8] = match &bytes {
        FileBytes::Mapped(map) => map,
        FileBytes::Owned(b) => b,
    };
    let bomless_utf16 = utf16_without_bom(head);
    // A big UTF-8 file (the usual export) stays mapped, not copied.
    let bytes = match bytes {
        FileBytes::Mapped(map)
            if bomless_utf16.is_none() && !map.starts_with(&[0xFF, 0xFE]) && !map.starts_with(&[0xFE, 0xFF]) =>
        {
            let bom = if map.starts_with("\u{feff}".as_bytes()) { 3 } else { 0 };
            match FileText::from_map(map, bom) {
                Ok(text) if text.contains('\n') || !text.contains('\r') => {
                    return Some(SourceFile::new(display_path(root, &rel), text));
                }
                Ok(text) => text.as_bytes().to_vec(),
                Err(map) => map.to_vec(),
            }
        }
        FileBytes::Mapped(map) => map.to_vec(),
        FileBytes::Owned(bytes) => bytes,
    };
    let bytes = match bomless_utf16 {
        Some(little_endian) => {
            notes.push(note(
                &rel,
                &format!(
                    "UTF-16 ({}-endian) without a byte order mark; read as UTF-16. Save it as UTF-8 to be sure.",
                    if little_endian { "little" } else { "big" }
                ),
            ));
            let mut with_bom = if little_endian {
                vec![0xFF, 0xFE]
            } else {
                vec![0xFE, 0xFF]
            };
            with_bom.extend_from_slice(&bytes);
            with_bom
        }
        None => bytes,
    };
    let (text, bad) = decode(bytes);
    if let Some(offset) = bad {
        let line = text[..text.char_indices().nth(offset).map_or(text.len(), |(i, _)| i)]
            .matches('\n')
            .count()
            + 1;
        notes.push(note(
            &rel,
            &format!(
                "not valid UTF-8 (first bad byte on line {line}); read as Latin-1 (Windows-1252). Save it as UTF-8 to be sure."
            ),
        ));
    }
    let mut text = text.strip_prefix('\u{feff}').map(str::to_string).unwrap_or(text);
    if !text.contains('\n') && text.contains('\r') {
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
    options: &LoadOptions,
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
                    Problem::new(ErrorCode::BundleXlsx, format!("cannot open the workbook `{rel}`: {e}"))
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
                        ErrorCode::BundleXlsxSheet,
                        format!("`{rel}` has no sheet `{}`", wanted_sheet.unwrap_or_default()),
                    )
                    .in_file(&root.join("bundle.yaml"))
                    .help({
                        let known: Vec<&str> = names.iter().map(String::as_str).collect();
                        match suggest(wanted_sheet.unwrap_or_default(), &known) {
                            s if s.starts_with("did you mean") => format!("{s} (its sheets: {})", names.join(", ")),
                            _ => format!("its sheets: {}", names.join(", ")),
                        }
                    }),
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
            constants: entry.map(|e| &e.constants),
        },
        manifest_src: manifest.source_file.as_ref(),
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
        stretch_bytes: options.stretch_bytes,
        keep_all: options.keep_all,
    };
    let mut ds = match (ext.as_str(), &sheet) {
        (_, Some(sheet)) => builder.sheet(&path, sheet),
        ("csv" | "tsv", _) => builder.csv(ext == "tsv"),
        ("json", _) => builder.structured(Structured::Json),
        _ => builder.structured(Structured::Yaml),
    };
    if let Some(ds) = ds.as_mut() {
        let (mut read, mut found) = (std::mem::take(&mut builder.read), Problems::default());
        let keep = |f: &str| builder.keep(f);
        super::periods::fill_from_label(ds, schema, &keep, &src, &mut read, &mut found);
        builder.read = read;
        builder.problems.extend(found);
    }
    if builder.cell_errors > MAX_CELL_ERRORS_PER_FILE {
        let more = builder.cell_errors - MAX_CELL_ERRORS_PER_FILE;
        builder.problems.push(
            Problem::new(
                ErrorCode::BundleCell,
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
            src: source,
            sheet: None,
            read: DatasetRead::default(),
            decimal_comma: false,
            stretch_bytes: super::delimited::STRETCH_BYTES,
            keep_all: false,
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

/// A problem at the location the YAML parser reports.
pub(crate) fn yaml_problem(code: ErrorCode, src: &SourceFile, e: &crate::yaml::Error, message: &str) -> Problem {
    let reason = crate::error::short_serde_reason(&e.to_string());
    let p = Problem::new(code, message.to_string());
    p.at(src, e.offset(&src.text), 1, reason)
}

/// Byte offset of `key:` in a YAML text (for pointing at manifest keys).
pub(crate) fn find_key(text: &str, key: &str) -> usize {
    find_key_from(text, 0, key).unwrap_or(0)
}

/// Byte offset of the last key of `path`, each key looked for after the one
/// before (`[datasets, leads, columns, Orign]`), so a key that appears under
/// several datasets is found under the right one; else of the deepest found.
pub(crate) fn find_key_path(text: &str, path: &[&str]) -> usize {
    let mut at = 0;
    for key in path {
        match find_key_from(text, at, key) {
            Some(found) => at = found,
            None => break,
        }
    }
    at
}

fn find_key_from(text: &str, start: usize, key: &str) -> Option<usize> {
    let normalized = normalize_name(key);
    let start = text.get(start..).map_or(text.len(), |_| start);
    let mut offset = start;
    for line in text[start..].split_inclusive('\n') {
        let content = line.trim_start();
        let k = content
            .split(':')
            .next()
            .unwrap_or_default()
            .trim()
            .trim_matches(['"', '\'']);
        if content.contains(':') && (k == key || normalize_name(k) == normalized) {
            return Some(offset + (line.len() - content.len()));
        }
        offset += line.len();
    }
    None
}
