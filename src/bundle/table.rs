//! Tables (CSV, TSV, spreadsheet sheets) into typed columns.
//!
//! Exports are not clean tables: titles and date ranges sit above the header,
//! totals rows and report footers below the data. The header row is found by
//! how many of its cells map to fields; the mapping is resolved once for it
//! ([`Plan`]); rows then go straight into the columns.

use super::plan::{Origin, Plan, Resolver, map_value};
use super::{ColumnRead, Dataset, DatasetRead, Note, schema::DatasetSchema};
use crate::error::{Problem, Problems, SourceFile};
use crate::value::{CellError, FieldType, parse_date};
use chrono::NaiveDate;
use std::collections::{BTreeMap, BTreeSet};

/// Cell errors reported per file before the rest are summarised.
pub(super) const MAX_CELL_ERRORS_PER_FILE: usize = 10;

/// Where a row or cell is, for evidence and diagnostics.
#[derive(Debug, Clone, Copy)]
pub(super) enum Loc {
    /// A 1-based line of a text file.
    Line(usize),
    /// A 0-based row of a sheet and the 0-based column where its data starts.
    Sheet { row: u32, first_col: u32 },
}

impl Loc {
    fn line_number(self) -> u32 {
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
    pub src: &'a SourceFile,
    /// For a spreadsheet: the sheet, named in cell locations.
    pub sheet: Option<String>,
    pub read: DatasetRead,
    /// Numbers are written "1.234,5" (files separated by `;`).
    pub decimal_comma: bool,
}

impl DatasetBuilder<'_> {
    pub(super) fn keep(&self, field: &str) -> bool {
        match self.wanted {
            None => true,
            Some(w) => field == self.schema.id || w.is_some_and(|set| set.contains(field)),
        }
    }

    pub(super) fn empty_dataset(&self) -> Dataset {
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

    /// Resolves the header row, creates the kept columns and records how
    /// each field was found.
    pub(super) fn plan(&mut self, headers: &[String], ds: &mut Dataset) -> Plan {
        let plan = Plan::new(&self.resolver, headers, self.date_format);
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
        for (field, ty, header, origin) in fields {
            ds.mapped_from.insert(field.clone(), header.clone());
            if self.keep(&field) {
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
                plan.ignored.join(", ")
            );
            self.notes.push(note(self.rel, &message));
        }
        plan
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

    /// Reads a table: finds the header, then turns every row into cells of
    /// the kept columns. `rows` yields Err when the file itself is broken.
    pub(super) fn table<R: TableRow>(
        &mut self,
        rows: &mut dyn Iterator<Item = Result<(R, Loc), Box<Problem>>>,
    ) -> Option<Dataset> {
        let mut ds = self.empty_dataset();
        let mut first: Vec<(R, Loc)> = Vec::new();
        for row in &mut *rows {
            match row {
                Ok(r) if is_blank(&r.0) => {}
                Ok(r) => first.push(r),
                Err(p) => {
                    self.problems.push(*p);
                    return None;
                }
            }
            if first.len() == super::source::HEADER_SEARCH_LINES {
                break;
            }
        }
        if first.is_empty() {
            self.notes.push(note(self.rel, "empty file: no header, no rows"));
            return Some(ds);
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
        let plan = self.plan(&headers, &mut ds);
        let mut slots = Slots::take(&plan, &mut ds);
        let mut footer: Option<Loc> = None;
        for row in buffered.map(Ok).chain(rows) {
            let (row, loc) = match row {
                Ok(r) => r,
                Err(p) => {
                    self.problems.push(*p);
                    return None;
                }
            };
            if is_blank(&row) {
                continue;
            }
            if plan.is_skipped_row((0..row.width()).map(|i| row.cell(i))) {
                self.read.totals_dropped += 1;
                continue;
            }
            if row.width() != headers.len() {
                let filled = (0..row.width()).filter(|i| !row.cell(*i).trim().is_empty()).count();
                // Report exports end with one-cell lines (totals, copyright,
                // "Generated by"): dropped, as long as no data follows them.
                if row.width() < headers.len() && filled <= 1 {
                    footer.get_or_insert(loc);
                    self.read.footer_dropped += 1;
                    continue;
                }
                self.shape_problem(loc, row.width(), headers.len());
                return None;
            }
            if let Some(at) = footer {
                self.shape_problem(at, 1, headers.len());
                return None;
            }
            self.push_row(&plan, &row, loc, &headers, &mut slots);
            ds.lines.push(loc.line_number());
            ds.rows += 1;
        }
        slots.put_back(&plan, &mut ds);
        if self.read.footer_dropped > 0 {
            let message = format!(
                "dropped {} line(s) after the last row (report footer: totals, copyright, generated by)",
                self.read.footer_dropped
            );
            self.notes.push(note(self.rel, &message));
        }
        if self.read.totals_dropped > 0 {
            let message = format!("dropped {} totals row(s)", self.read.totals_dropped);
            self.notes.push(note(self.rel, &message));
        }
        Some(ds)
    }

    fn push_row<R: TableRow>(&mut self, plan: &Plan, row: &R, loc: Loc, headers: &[String], slots: &mut Slots) {
        for (c, col) in plan.columns.iter().zip(&mut slots.columns) {
            let Some(col) = col else {
                continue;
            };
            let raw = row.cell(c.index);
            let cell = if plan.is_null(raw) {
                ""
            } else {
                map_value(&c.values, raw)
            };
            if let Err(e) = push_cell(col, cell, &plan.date_formats, self.decimal_comma) {
                let header = headers[c.index].clone();
                self.cell_problem_at(loc, c.index, cell, &c.field, &header, &e);
            }
        }
        for (d, col) in plan.derived.iter().zip(&mut slots.derived) {
            let Some(col) = col else {
                continue;
            };
            let raw = row.cell(d.from_index);
            let value = if crate::value::trim_cell(raw).is_empty() || plan.is_null(raw) {
                ""
            } else {
                let t = raw.trim();
                d.map
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(t))
                    .map_or(d.otherwise.as_str(), |(_, v)| v.as_str())
            };
            // Derived values come from our own mapping files, checked by tests.
            let _ = col.push_text(value);
        }
        for ((_, _, value, _), col) in plan.constants.iter().zip(&mut slots.constants) {
            if let Some(col) = col {
                let _ = col.push_text(value);
            }
        }
    }

    fn shape_problem(&mut self, loc: Loc, width: usize, header: usize) {
        let p = Problem::new(
            "bundle::csv_shape",
            format!("row has {width} fields but the header has {header}"),
        )
        .help("a field with a comma or line break inside must be quoted with \"…\"");
        let p = match loc {
            Loc::Line(line) => p.at_line(self.src, line, 1, "this row"),
            Loc::Sheet { row, .. } => self.sheet_problem(p, row, None),
        };
        self.problems.push(p);
    }

    /// Names a spreadsheet location, e.g. `kpis.xlsx [Sheet1] C7`.
    pub(super) fn sheet_problem(&self, mut p: Problem, row: u32, col: Option<u32>) -> Problem {
        let sheet = self.sheet.as_deref().unwrap_or_default();
        let at = match col {
            Some(c) => format!("{}{}", column_letters(c), row + 1),
            None => format!("row {}", row + 1),
        };
        p.path = Some(format!("{} [{sheet}] {at}", self.src.name));
        p
    }

    fn cell_problem_at(&mut self, loc: Loc, index: usize, cell: &str, field: &str, header: &str, err: &CellError) {
        match loc {
            Loc::Line(_) => self.cell_problem(loc, cell, field, header, err),
            Loc::Sheet { row, first_col } => {
                self.cell_errors += 1;
                if self.cell_errors > MAX_CELL_ERRORS_PER_FILE {
                    return;
                }
                let col = first_col + u32::try_from(index).unwrap_or(0);
                let p = self.cell_message(field, header, err);
                let p = self.sheet_problem(p, row, Some(col));
                self.problems.push(p);
            }
        }
    }

    fn cell_message(&self, field: &str, header: &str, err: &CellError) -> Problem {
        Problem::new("bundle::cell", format!("`{header}` ({}.{field}): {err}", self.name)).help(format!(
            "correct the value, or leave the cell empty if it is unknown; `{}.{field}` is {}",
            self.name,
            type_word(err.expected)
        ))
    }

    pub(super) fn cell_problem(&mut self, loc: Loc, cell: &str, field: &str, header: &str, err: &CellError) {
        let Loc::Line(line) = loc else {
            return self.cell_problem_at(loc, 0, cell, field, header, err);
        };
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
        let p = self
            .cell_message(field, header, err)
            .at(self.src, at, len, format!("not {}", type_word(err.expected)));
        self.problems.push(p);
    }
}

/// The kept columns, in plan order, out of the dataset's map while rows are
/// read: the row loop indexes them instead of looking fields up by name.
struct Slots {
    columns: Vec<Option<super::Column>>,
    derived: Vec<Option<super::Column>>,
    constants: Vec<Option<super::Column>>,
}

impl Slots {
    fn take(plan: &Plan, ds: &mut Dataset) -> Self {
        Slots {
            columns: plan.columns.iter().map(|c| ds.columns.remove(&c.field)).collect(),
            derived: plan.derived.iter().map(|d| ds.columns.remove(&d.field)).collect(),
            constants: plan.constants.iter().map(|c| ds.columns.remove(&c.0)).collect(),
        }
    }

    fn put_back(self, plan: &Plan, ds: &mut Dataset) {
        let fields = plan
            .columns
            .iter()
            .map(|c| &c.field)
            .chain(plan.derived.iter().map(|d| &d.field))
            .chain(plan.constants.iter().map(|c| &c.0));
        let columns = self.columns.into_iter().chain(self.derived).chain(self.constants);
        for (field, col) in fields.zip(columns) {
            if let Some(col) = col {
                ds.columns.insert(field.clone(), col);
            }
        }
    }
}

fn is_blank<R: TableRow>(row: &R) -> bool {
    (0..row.width()).all(|i| crate::value::trim_cell(row.cell(i)).is_empty())
}

/// Pushes a cell, reading non-ISO dates with the plan's formats, decimal
/// commas (in `;` files) and "12.5%" in number fields.
fn push_cell(col: &mut super::Column, cell: &str, formats: &[String], decimal_comma: bool) -> Result<(), CellError> {
    if matches!(col.ty, FieldType::Number | FieldType::Percent) {
        let t = crate::value::trim_cell(cell);
        let converted = if decimal_comma { european_number(t) } else { None };
        let t = converted.as_deref().unwrap_or(t);
        if col.ty == FieldType::Number
            && let Some(n) = t.strip_suffix('%').and_then(crate::value::parse_number)
        {
            return col.push_text(&format!("{}", n / 100.0));
        }
        if converted.is_some() {
            return col.push_text(t);
        }
    }
    if col.ty == FieldType::Date && !formats.is_empty() {
        let t = cell.trim();
        if !t.is_empty() && !crate::value::is_null_marker(t) && parse_date(t).is_none() {
            // "3/15/2025 9:15 AM": the date is the first word.
            let head = t.split_whitespace().next().unwrap_or(t);
            if let Some(d) = formats.iter().find_map(|f| NaiveDate::parse_from_str(head, f).ok()) {
                col.push_date(Some(d));
                return Ok(());
            }
        }
    }
    col.push_text(cell)
}

/// "1.234,5" and "3,5" as "1234.5" and "3.5"; None when the cell is already
/// written with a decimal point ("1,234.50") or has no comma.
fn european_number(t: &str) -> Option<String> {
    let comma = t.rfind(',')?;
    if t.rfind('.').is_some_and(|dot| dot > comma) {
        return None;
    }
    Some(
        t.chars()
            .filter(|c| *c != '.')
            .map(|c| if c == ',' { '.' } else { c })
            .collect(),
    )
}

pub(super) fn note(file: &str, message: &str) -> Note {
    Note {
        file: file.to_string(),
        message: message.to_string(),
    }
}

pub(super) fn type_word(ty: FieldType) -> &'static str {
    match ty {
        FieldType::Number => "a number",
        FieldType::Percent => "a percentage",
        FieldType::Date => "a date (YYYY-MM-DD)",
        FieldType::Bool => "true or false",
        FieldType::Text => "text",
        FieldType::List => "a list",
    }
}

/// `A`, `B`, … `Z`, `AA`… for a 0-based column.
pub fn column_letters(mut col: u32) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b'A' + u8::try_from(col % 26).unwrap_or(0));
        if col < 26 {
            break;
        }
        col = col / 26 - 1;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn european_numbers() {
        assert_eq!(european_number("3,5").as_deref(), Some("3.5"));
        assert_eq!(european_number("1.234,50").as_deref(), Some("1234.50"));
        assert_eq!(european_number("1,234.50"), None);
        assert_eq!(european_number("1234"), None);
        let mut c = crate::bundle::Column::new(FieldType::Number);
        push_cell(&mut c, "3,5%", &[], true).unwrap();
        push_cell(&mut c, "12.5%", &[], false).unwrap();
        assert_eq!(c.number(0), Some(0.035));
        assert_eq!(c.number(1), Some(0.125));
    }

    #[test]
    fn column_names() {
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(2), "C");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(27), "AB");
    }
}
