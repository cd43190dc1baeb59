//! Reads a bundle folder: finds the manifest, discovers data files with
//! walkdir, maps files and columns onto the bundle format and parses them
//! into typed columns. Every problem is collected; nothing stops at the first.

use super::discover::FileRef;
use super::manifest::Manifest;
use super::plan::Resolver;
use super::read::{display_path, read_source};
use super::schema::{DatasetSchema, Schema};
use super::source::SourceDef;
use super::structured::Structured;
use super::table::{DatasetBuilder, MAX_CELL_ERRORS_PER_FILE, note};
use super::xlsx::SHEET_EXTENSIONS;
use super::{Bundle, Dataset, DatasetRead, Note};
use crate::error::ErrorCode;
use crate::error::{Problem, Problems, SourceFile, suggest};
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
    /// Fields the run only shows in findings (`RulePack::shown_only`): a
    /// delimited file's own column of one is read for the rows shown, not
    /// kept for every row (see `bundle/shown.rs`).
    pub shown_only: Demand,
}

impl Default for LoadOptions {
    fn default() -> Self {
        Self {
            stretch_bytes: super::delimited::STRETCH_BYTES,
            keep_all: false,
            shown_only: Demand::new(),
        }
    }
}

/// Loads the bundle at `root`, keeping only the demanded fields in memory.
pub fn load_bundle(root: &Path, demand: Option<&Demand>) -> Result<Bundle, Problems> {
    load_bundle_with(root, demand, &LoadOptions::default())
}

/// Refuses a bundle path that is a file or does not exist, before anything
/// is read (an audit checks it before it loads its rules).
pub fn check_root(root: &Path) -> Result<(), Problems> {
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
    Ok(())
}

/// [`load_bundle`] with explicit reading options.
pub fn load_bundle_with(root: &Path, demand: Option<&Demand>, options: &LoadOptions) -> Result<Bundle, Problems> {
    check_root(root)?;
    let mut problems = Problems::default();
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
        match read_source(root, &path, matches!(ext.as_str(), "csv" | "tsv"), notes, problems) {
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
        src,
        sheet: sheet.clone(),
        read,
        decimal_comma: false,
        stretch_bytes: options.stretch_bytes,
        keep_all: options.keep_all,
        shown_only: options.shown_only.get(name).filter(|_| !options.keep_all),
        shown_at: BTreeMap::new(),
        delimited: false,
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
        super::periods::fill_from_label(ds, schema, &keep, &builder.src, &mut read, &mut found);
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
