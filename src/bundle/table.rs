//! Tables (CSV, TSV, spreadsheet sheets) into typed columns.
//!
//! Exports are not clean tables: titles and date ranges sit above the header,
//! totals rows and report footers below the data. The header row is found by
//! how many of its cells map to fields; the mapping is resolved once for it
//! ([`Plan`]); rows then go straight into the columns.

use super::plan::{Origin, Plan, Resolver};
use super::yaml_at::find_key_path;
use super::{ColumnRead, Dataset, DatasetRead, Note, schema::DatasetSchema};
use crate::error::ErrorCode;
use crate::error::{Problem, Problems, SourceFile, suggest};
use crate::value::compact_name;
use crate::value::{CellError, FieldType};
use std::collections::{BTreeMap, BTreeSet};

mod problems;
mod wording;
pub use wording::column_letters;
pub(super) use wording::{capped_list, date_format_for, note, type_word, yaml_key};

use super::merge::Merged;
pub(super) use super::noticed::MAX_CELL_ERRORS_PER_FILE;
use super::noticed::Stop;
use super::rows::RowSink;

/// Where a row or cell is, for evidence and diagnostics.
#[derive(Debug, Clone, Copy)]
pub(super) enum Loc {
    /// A 1-based line of a text file.
    Line(usize),
    /// A 0-based row of a sheet and the 0-based column where its data starts.
    Sheet { row: u32, first_col: u32 },
}

impl Loc {
    pub(super) fn line_number(self) -> u32 {
        match self {
            Loc::Line(l) => u32::try_from(l).unwrap_or(0),
            Loc::Sheet { row, .. } => row + 1,
        }
    }
}

/// A row of a table, whatever the file format.
pub(super) trait TableRow {
    fn width(&self) -> usize;
    fn cell(&self, i: usize) -> &str;
}

impl TableRow for csv::StringRecord {
    fn width(&self) -> usize {
        self.len()
    }
    fn cell(&self, i: usize) -> &str {
        self.get(i).unwrap_or_default()
    }
}

impl TableRow for Vec<String> {
    fn width(&self) -> usize {
        self.len()
    }
    fn cell(&self, i: usize) -> &str {
        self.get(i).map_or("", String::as_str)
    }
}

/// The header of a table, its plan, and the rows already read after it.
pub(super) struct Head<R> {
    pub headers: Vec<String>,
    pub width: usize,
    pub plan: Plan,
    pub after: Vec<(R, Loc)>,
}

pub(super) struct DatasetBuilder<'a> {
    pub name: &'a str,
    pub rel: &'a str,
    pub schema: &'a DatasetSchema,
    pub resolver: Resolver<'a>,
    /// Whether the source was named in bundle.yaml (else it may be recognised).
    pub source_fixed: bool,
    pub date_format: Option<&'a str>,
    /// None: keep every field. Some(None): the run needs no field of this dataset.
    pub wanted: Option<Option<&'a BTreeSet<String>>>,
    pub notes: &'a mut Vec<Note>,
    pub problems: &'a mut Problems,
    pub cell_errors: usize,
    /// The file's text; replaced by its decoded text when a file mapped to
    /// be checked as it is read turns out not to be UTF-8.
    pub src: SourceFile,
    /// For a spreadsheet: the sheet, named in cell locations.
    pub sheet: Option<String>,
    pub read: DatasetRead,
    /// Numbers are written "1.234,5" (files separated by `;`).
    pub decimal_comma: bool,
    /// See [`super::LoadOptions`].
    pub stretch_bytes: usize,
    /// See [`super::LoadOptions`].
    pub keep_all: bool,
    /// Fields of this dataset the run only shows (see [`super::LoadOptions`]).
    pub shown_only: Option<&'a BTreeSet<String>>,
    /// Those read from the file when shown, by their cell's index in a
    /// record: set for a delimited file by [`DatasetBuilder::plan`].
    pub shown_at: BTreeMap<String, usize>,
    /// Whether the file is delimited text (the only kind read when shown).
    pub delimited: bool,
    /// bundle.yaml, to point at its lines when the file does not have what it maps.
    pub manifest_src: Option<&'a SourceFile>,
}

impl DatasetBuilder<'_> {
    /// Whether the field is kept in memory.
    pub(super) fn keep(&self, field: &str) -> bool {
        self.keep_all || self.reads(field)
    }

    /// Whether a rule of the run reads the field: a bad cell in it is an
    /// error, elsewhere a note (see [`super::unread`]).
    pub(super) fn reads(&self, field: &str) -> bool {
        match self.wanted {
            None => true,
            Some(w) => {
                field == self.schema.id
                    || w.is_some_and(|set| {
                        // A period label is kept whenever the dates it fills are.
                        set.contains(field)
                            || self.schema.dates.as_ref().is_some_and(|d| {
                                d.label.as_deref() == Some(field)
                                    && (set.contains(&d.from) || d.to.as_ref().is_some_and(|t| set.contains(t)))
                            })
                    })
            }
        }
    }

    pub(super) fn empty_dataset(&self) -> Dataset {
        Dataset {
            name: self.name.to_string(),
            file: self.rel.to_string(),
            rows: 0,
            columns: BTreeMap::new(),
            lines: Default::default(),
            mapped_from: BTreeMap::new(),
            unloaded: Vec::new(),
            shown: None,
            id_field: self.schema.id.clone(),
        }
    }

    /// Resolves the header row, creates the kept columns and records how
    /// each field was found.
    pub(super) fn plan(&mut self, headers: &[String], ds: &mut Dataset) -> Plan {
        let mut plan = Plan::new(&self.resolver, headers, self.date_format);
        plan.unread = plan.columns.iter().map(|c| !self.reads(&c.field)).collect();
        let mut fields: Vec<(String, FieldType, String, Origin)> = plan
            .columns
            .iter()
            .map(|c| (c.field.clone(), c.ty, c.header.clone(), c.origin.clone()))
            .collect();
        for d in &plan.derived {
            let origin = Origin::Derived {
                source: d.source.clone(),
            };
            fields.push((d.field.clone(), d.ty, d.from_header.clone(), origin));
        }
        for (field, ty, value, source) in &plan.constants {
            let origin = Origin::Constant { source: source.clone() };
            fields.push((field.clone(), *ty, format!("= {value}"), origin));
        }
        self.shown_at.clear();
        for (field, ty, header, origin) in fields {
            ds.mapped_from.insert(field.clone(), header.clone());
            if let Some(index) = self.read_when_shown(&plan, &field) {
                self.shown_at.insert(field.clone(), index);
            } else if self.keep(&field) {
                ds.columns.insert(field.clone(), super::Column::new(ty));
            } else {
                ds.unloaded.push(field.clone());
            }
            self.read.columns.push(ColumnRead { header, field, origin });
        }
        self.read.ignored.clone_from(&plan.ignored);
        self.read.dropped.clone_from(&plan.dropped);
        if !plan.ignored.is_empty() {
            let message = format!(
                "columns not in the `{}` format, ignored: {}",
                self.name,
                capped_list(&plan.ignored)
            );
            self.notes.push(note(self.rel, &message));
        }
        for (header, field) in &plan.near_misses {
            let message = format!(
                "column `{header}` is not read, but looks like `{}.{field}`: to read it, add `{}: {field}` under `datasets: {}: columns:` in bundle.yaml",
                self.name,
                yaml_key(header),
                self.name
            );
            self.notes.push(note(self.rel, &message));
        }
        self.check_manifest_mapping(headers, &plan);
        plan
    }

    /// What bundle.yaml says of this file that its header contradicts: a
    /// mapped column it does not have, a source none of its columns match.
    fn check_manifest_mapping(&mut self, headers: &[String], plan: &Plan) {
        let Some(msrc) = self.manifest_src else {
            return;
        };
        let present: Vec<&str> = headers
            .iter()
            .map(String::as_str)
            .filter(|h| !h.trim().is_empty())
            .collect();
        let compact: BTreeSet<String> = present.iter().map(|h| compact_name(h)).collect();
        for column in self.resolver.overrides.into_iter().flat_map(|o| o.keys()) {
            if compact.contains(&compact_name(column)) {
                continue;
            }
            let at = find_key_path(&msrc.text, &["datasets", self.name, "columns", column]);
            let help = match suggest(column, &present) {
                s if s.starts_with("did you mean") => s,
                _ => format!(
                    "its columns are: {}",
                    capped_list(&present.iter().map(|h| h.to_string()).collect::<Vec<_>>())
                ),
            };
            self.problems.push(
                Problem::new(
                    ErrorCode::BundleManifestColumn,
                    format!(
                        "bundle.yaml maps a column `{column}`, but `{}` has no such column",
                        self.rel
                    ),
                )
                .at(msrc, at, column.len(), "not a column of the file")
                .help(help),
            );
        }
        let named_source = self.resolver.source.filter(|_| self.source_fixed);
        if let Some(source) = named_source
            && plan.source_columns == 0
            && !source.columns.is_empty()
        {
            let at = find_key_path(&msrc.text, &["datasets", self.name, "source"]);
            let detected = super::source::detect(headers, Some(self.name))
                .map(|d| format!("its header looks like `{}`; ", d.name))
                .unwrap_or_default();
            self.problems.push(
                Problem::new(
                    ErrorCode::BundleManifestSource,
                    format!(
                        "`{}` reads none of the {} columns of `{}`: it is not that export",
                        source.name,
                        present.len(),
                        self.rel
                    ),
                )
                .at(msrc, at, 6, "no column of the file matches this source")
                .help(format!(
                    "{detected}remove `source:` (columns named like the fields are read without it), or map the columns under `columns:`"
                )),
            );
        }
    }

    /// Chooses the header among the first rows, and the source mapping when
    /// bundle.yaml names none and the header is a known export's.
    fn choose_header<R: TableRow>(&mut self, first: &[(R, Loc)]) -> usize {
        let texts: Vec<Vec<&str>> = first
            .iter()
            .map(|(r, _)| (0..r.width()).map(|i| r.cell(i)).collect())
            .collect();
        if !self.source_fixed {
            for row in &texts {
                let headers: Vec<String> = row.iter().map(|s| s.to_string()).collect();
                if let Some(s) = super::source::detect(&headers, Some(self.name)) {
                    self.resolver.source = Some(s);
                    self.read.source = Some(s.name.clone());
                    self.read.source_by = Some("recognised by its header".into());
                    break;
                }
            }
        }
        let scores: Vec<usize> = texts.iter().map(|r| self.resolver.score(r)).collect();
        if self.resolver.source.is_none() && scores.first().is_some_and(|s| *s > 0) {
            return 0;
        }
        let best = scores.iter().copied().max().unwrap_or(0);
        if best == 0 {
            return 0;
        }
        scores.iter().position(|s| *s == best).unwrap_or(0)
    }

    /// Reads up to the header search depth of rows, chooses the header and
    /// plans its columns. Err: the file is broken (the problem is pushed);
    /// Ok(None): an empty file. The rows read after the header come back
    /// with it, so the caller reads on from where this stopped.
    pub(super) fn head<R: TableRow>(
        &mut self,
        rows: &mut dyn Iterator<Item = Result<(R, Loc), Box<Problem>>>,
        ds: &mut Dataset,
    ) -> Result<Option<Head<R>>, ()> {
        let mut first: Vec<(R, Loc)> = Vec::new();
        for row in &mut *rows {
            match row {
                Ok(r) if super::rows::is_blank(&r.0) => {}
                Ok(r) => first.push(r),
                Err(p) => {
                    self.problems.push(*p);
                    return Err(());
                }
            }
            if first.len() == super::source::HEADER_SEARCH_LINES {
                break;
            }
        }
        if first.is_empty() {
            self.notes.push(note(self.rel, "empty file: no header, no rows"));
            return Ok(None);
        }
        let at = self.choose_header(&first);
        let mut buffered = first.into_iter();
        for (row, _) in buffered.by_ref().take(at) {
            let text: Vec<&str> = (0..row.width())
                .map(|i| row.cell(i))
                .filter(|c| !c.trim().is_empty())
                .collect();
            self.read.skipped_above.push(text.join(" "));
        }
        let (header_row, header_loc) = buffered.next().expect("the header is among the rows read");
        let headers: Vec<String> = (0..header_row.width())
            .map(|i| header_row.cell(i).trim().to_string())
            .collect();
        self.read.header_line = header_loc.line_number() as usize;
        if !self.read.skipped_above.is_empty() {
            let message = format!(
                "skipped {} line(s) above the header: {}",
                self.read.skipped_above.len(),
                self.read.skipped_above.join(" | ")
            );
            self.notes.push(note(self.rel, &message));
        }
        let plan = self.plan(&headers, ds);
        Ok(Some(Head {
            width: headers.len(),
            headers,
            plan,
            after: buffered.collect(),
        }))
    }

    /// Reads a table in one pass: finds the header, then turns every row
    /// into cells of the kept columns. `rows` yields Err when the file
    /// itself is broken.
    pub(super) fn table<R: TableRow>(
        &mut self,
        rows: &mut dyn Iterator<Item = Result<(R, Loc), Box<Problem>>>,
    ) -> Option<Dataset> {
        let mut ds = self.empty_dataset();
        let head = match self.head(rows, &mut ds) {
            Err(()) => return None,
            Ok(None) => return Some(ds),
            Ok(Some(h)) => h,
        };
        let mut sink = RowSink::new(&head.plan, &ds, head.width, self.decimal_comma);
        let mut broken = None;
        for row in head.after.into_iter().map(Ok).chain(rows) {
            match row {
                Ok((row, loc)) => {
                    if !sink.accept(&row, loc) {
                        break;
                    }
                }
                Err(p) => {
                    broken = Some(p);
                    break;
                }
            }
        }
        let mut merged = Merged::default();
        merged.add(&head.plan, &mut ds, vec![sink]);
        let ok = self.finish(merged, &head.headers);
        if let Some(p) = broken {
            self.problems.push(*p);
            return None;
        }
        ok.then_some(ds)
    }
}
