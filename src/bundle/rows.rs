//! Rows below the header into typed columns. A [`RowSink`] takes one stretch
//! of rows (a whole sheet, or one chunk of a big CSV file parsed on its own
//! thread) and keeps what went wrong as plain data, so stretches read in
//! parallel merge, in file order, into the same dataset and the same
//! problems a single pass would give.

use super::noticed::{CellIssue, MAX_CELL_ERRORS_PER_FILE, Noticed, Stop};
use super::plan::{Plan, map_value};
use super::table::{Loc, TableRow};
use super::{Column, Dataset};
use crate::value::{CellError, FieldType, parse_date};
use chrono::NaiveDate;

mod batch;

/// Whether a cell of this type can fail to read: text and lists cannot, so
/// an unread column of them costs nothing.
fn can_fail(ty: FieldType) -> bool {
    !matches!(ty, FieldType::Text | FieldType::List)
}

/// A scratch column is emptied after this many cells: unread columns are
/// checked, not stored.
const SCRATCH_CELLS: usize = 1024;

/// The kept columns of a stretch, in plan order: the row loop indexes them
/// instead of looking fields up by name.
pub(super) struct Slots {
    columns: Vec<Option<Column>>,
    derived: Vec<Option<Column>>,
    constants: Vec<Option<Column>>,
}

impl Slots {
    /// Empty columns for the fields `ds` keeps.
    pub fn like(plan: &Plan, ds: &Dataset) -> Self {
        let fresh = |field: &str| ds.columns.get(field).map(|c| Column::new(c.ty));
        Slots {
            columns: plan.columns.iter().map(|c| fresh(&c.field)).collect(),
            derived: plan.derived.iter().map(|d| fresh(&d.field)).collect(),
            constants: plan.constants.iter().map(|c| fresh(&c.0)).collect(),
        }
    }

    fn all(self) -> impl Iterator<Item = Option<Column>> {
        self.columns.into_iter().chain(self.derived).chain(self.constants)
    }
}

/// Everything one stretch of rows produced.
pub(super) struct RowSink<'p> {
    plan: &'p Plan,
    header_width: usize,
    decimal_comma: bool,
    slots: Slots,
    pub lines: super::Lines,
    pub rows: usize,
    pub noticed: Noticed,
    /// A record held a line break inside a quoted field.
    pub multiline_record: bool,
    /// The stretch was not UTF-8, and was not read.
    pub not_utf8: bool,
    /// (line, byte offset in the file where it starts) every
    /// [`super::shown::ANCHOR_ROWS`] rows, when fields are read when shown.
    pub anchors: Option<Vec<(u32, usize)>>,
    /// Where the stretch starts in the file.
    pub base: usize,
    /// Per planned column: its cells need no mapping, so plain ones take
    /// [`Column::push_plain`].
    plain: Vec<bool>,
    /// Per planned column not kept: a scratch column its cells are checked
    /// in, when they can fail to read.
    checks: Vec<Option<Column>>,
}

impl<'p> RowSink<'p> {
    pub fn new(plan: &'p Plan, ds: &Dataset, header_width: usize, decimal_comma: bool) -> Self {
        let plain = plan
            .columns
            .iter()
            .map(|c| plan.nulls.is_empty() && c.values.is_empty() && !decimal_comma && plan.date_formats.is_empty())
            .collect();
        let checks = plan
            .columns
            .iter()
            .map(|c| (!ds.columns.contains_key(&c.field) && can_fail(c.ty)).then(|| Column::new(c.ty)))
            .collect();
        Self::empty(plan, header_width, decimal_comma, Slots::like(plan, ds), plain, checks)
    }

    /// A sink that has read nothing yet, into these columns.
    fn empty(
        plan: &'p Plan,
        header_width: usize,
        decimal_comma: bool,
        slots: Slots,
        plain: Vec<bool>,
        checks: Vec<Option<Column>>,
    ) -> Self {
        Self {
            plan,
            header_width,
            decimal_comma,
            slots,
            lines: super::Lines::default(),
            rows: 0,
            noticed: Noticed::new(plan),
            multiline_record: false,
            not_utf8: false,
            anchors: None,
            base: 0,
            plain,
            checks,
        }
    }

    /// Per planned column, whether a stretch read by [`RowSink::fresh`]
    /// numbers its plain cells as it reads them (see
    /// [`Column::number_as_read`]): for the kept text columns `ds` still
    /// numbers, so an id column is numbered in its file's first stretches
    /// only.
    pub(super) fn numbered(&self, ds: &Dataset) -> Vec<bool> {
        (self.plan.columns.iter().zip(&self.plain))
            .map(|(c, plain)| *plain && ds.columns.get(&c.field).is_some_and(Column::numbers_more))
            .collect()
    }

    /// Moves every line this stretch recorded down by `by` lines (a stretch
    /// numbers its lines from 1 until it knows where it sits in the file).
    pub fn shift_lines(&mut self, by: usize) {
        if by == 0 {
            return;
        }
        let by32 = u32::try_from(by).unwrap_or(u32::MAX);
        self.lines.shift(by32);
        self.noticed.shift(by);
        for (line, _) in self.anchors.iter_mut().flatten() {
            *line = line.saturating_add(by32);
        }
    }

    /// Takes one row (see [`RowSink::accept`]) whose line starts `at` bytes
    /// into the stretch, keeping an anchor every so many rows.
    pub fn accept_at<R: TableRow>(&mut self, row: &R, line: usize, at: usize) -> bool {
        self.anchor(line, at);
        self.accept(row, Loc::Line(line))
    }

    /// Keeps where the next row's line starts, every so many rows.
    fn anchor(&mut self, line: usize, at: usize) {
        if let Some(anchors) = &mut self.anchors
            && self.rows.is_multiple_of(super::shown::ANCHOR_ROWS)
        {
            anchors.push((u32::try_from(line).unwrap_or(u32::MAX), self.base + at));
        }
    }

    /// Takes one row; false once the stretch cannot be read further.
    pub fn accept<R: TableRow>(&mut self, row: &R, loc: Loc) -> bool {
        if is_blank(row) {
            return true;
        }
        if self.plan.is_skipped_row((0..row.width()).map(|i| row.cell(i))) {
            self.noticed.totals_dropped += 1;
            return true;
        }
        if row.width() != self.header_width {
            let filled = (0..row.width()).filter(|i| !row.cell(*i).trim().is_empty()).count();
            // Report exports end with one-cell lines (totals, copyright,
            // "Generated by"): dropped, as long as no data follows them.
            if row.width() < self.header_width && filled <= 1 {
                self.noticed.footer.get_or_insert(loc);
                self.noticed.footer_dropped += 1;
                return true;
            }
            self.noticed.stop = Some(Stop::Shape {
                loc,
                width: row.width(),
            });
            return false;
        }
        if let Some(at) = self.noticed.footer {
            self.noticed.stop = Some(Stop::Shape { loc: at, width: 1 });
            return false;
        }
        self.push_row(row, loc);
        self.lines.push(loc.line_number());
        self.rows += 1;
        true
    }

    fn push_row<R: TableRow>(&mut self, row: &R, loc: Loc) {
        for i in 0..self.plan.columns.len() {
            let raw = row.cell(self.plan.columns[i].index);
            if let Err((cell, error)) = self.read_cell(i, raw) {
                self.cell_issue(i, loc, cell, error);
            }
        }
        self.push_derived(row);
    }

    /// Reads a cell of planned column `i` into its column (a scratch one
    /// when the column is only checked); the cell as read and why it could
    /// not be, on error.
    #[inline]
    fn read_cell<'c>(&mut self, i: usize, raw: &'c str) -> Result<(), (&'c str, CellError)>
    where
        'p: 'c,
    {
        let plan = self.plan;
        let c = &plan.columns[i];
        let (plain, decimal_comma) = (self.plain[i], self.decimal_comma);
        let Some(col) = self.target(i) else {
            return Ok(());
        };
        if plain && col.push_plain(raw) {
            return Ok(());
        }
        let cell = if plan.is_null(raw) {
            ""
        } else {
            map_value(&c.values, raw)
        };
        push_cell(col, cell, &plan.date_formats, decimal_comma).map_err(|error| (cell, error))
    }

    /// The column planned column `i`'s cells go into: its own when kept, a
    /// scratch one (emptied every so many cells) when they are only
    /// checked, none when neither.
    fn target(&mut self, i: usize) -> Option<&mut Column> {
        match (&mut self.slots.columns[i], &mut self.checks[i]) {
            (Some(col), _) => Some(col),
            (None, Some(scratch)) => {
                if scratch.len() >= SCRATCH_CELLS {
                    *scratch = Column::new(scratch.ty);
                }
                Some(scratch)
            }
            (None, None) => None,
        }
    }

    /// Notes a cell of planned column `i` that could not be read: an error
    /// where a rule reads the column, else a note.
    fn cell_issue(&mut self, i: usize, loc: Loc, cell: &str, error: CellError) {
        let c = &self.plan.columns[i];
        let issue = || CellIssue {
            loc,
            index: c.index,
            cell: cell.to_string(),
            field: c.field.clone(),
            error,
        };
        // A column not kept is read by no rule; a kept one may be too
        // (`inspect` keeps every column).
        if self.slots.columns[i].is_none() || self.plan.unread.get(i).copied().unwrap_or(false) {
            self.noticed.unread[i].add(issue);
            return;
        }
        self.noticed.cell_errors += 1;
        if self.noticed.cell_issues.len() < MAX_CELL_ERRORS_PER_FILE {
            self.noticed.cell_issues.push(issue());
        }
    }

    /// The fields derived from the row's cells, and the constant ones.
    fn push_derived<R: TableRow>(&mut self, row: &R) {
        let plan = self.plan;
        for (d, col) in plan.derived.iter().zip(&mut self.slots.derived) {
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
        for ((_, _, value, _), col) in plan.constants.iter().zip(&mut self.slots.constants) {
            if let Some(col) = col {
                let _ = col.push_text(value);
            }
        }
    }

    /// The stretch's columns in plan order (None where a field is not kept).
    pub(super) fn into_columns(self) -> Vec<Option<Column>> {
        self.slots.all().collect()
    }

    /// An empty sink for another stretch of the same file, reading into
    /// `spare` (the emptied columns of a stretch already joined, in
    /// [`RowSink::into_columns`] order) where given, numbering the columns
    /// `number` says to (see [`RowSink::numbered`]).
    pub(super) fn fresh(&self, spare: Option<Vec<Option<Column>>>, number: &[bool]) -> Self {
        let empty = |c: &Option<Column>| c.as_ref().map(|c| Column::new(c.ty));
        let (columns, derived, constants) = (&self.slots.columns, &self.slots.derived, &self.slots.constants);
        let mut slots = match spare {
            Some(mut all) if all.len() == columns.len() + derived.len() + constants.len() => {
                let mut derived_on = all.split_off(columns.len());
                let constants_on = derived_on.split_off(derived.len());
                Slots {
                    columns: all,
                    derived: derived_on,
                    constants: constants_on,
                }
            }
            _ => Slots {
                columns: columns.iter().map(empty).collect(),
                derived: derived.iter().map(empty).collect(),
                constants: constants.iter().map(empty).collect(),
            },
        };
        for (i, col) in slots.columns.iter_mut().enumerate() {
            if let Some(col) = col {
                col.number_as_read(number.get(i).copied().unwrap_or(false));
            }
        }
        let checks = self.checks.iter().map(empty).collect();
        let anchored = self.anchors.is_some();
        let mut sink = Self::empty(
            self.plan,
            self.header_width,
            self.decimal_comma,
            slots,
            self.plain.clone(),
            checks,
        );
        if anchored {
            sink.anchors = Some(Vec::new());
        }
        sink
    }
}

pub(super) fn is_blank<R: TableRow>(row: &R) -> bool {
    (0..row.width()).all(|i| crate::value::trim_cell(row.cell(i)).is_empty())
}

/// Pushes a cell, reading non-ISO dates with the plan's formats, decimal
/// commas (in `;` files) and "12.5%" in number fields.
pub(super) fn push_cell(
    col: &mut Column,
    cell: &str,
    formats: &[String],
    decimal_comma: bool,
) -> Result<(), CellError> {
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

#[cfg(test)]
mod tests;
