//! A batch of rows into the columns, a column at a time.

use super::{RowSink, is_blank};
use crate::bundle::table::{Loc, TableRow};
use crate::bundle::unquoted::Batch;
use crate::value::CellError;

impl RowSink<'_> {
    /// Takes a batch of rows, a column at a time when every row of it is
    /// an ordinary row of data (as wide as the header, not blank, not a
    /// totals row, no footer before it), else row by row; false once the
    /// stretch cannot be read further. The columns, lines and notes are
    /// the ones [`RowSink::accept_at`] would give row by row.
    pub fn accept_batch(&mut self, batch: &Batch<'_>) -> bool {
        let ordinary = self.noticed.footer.is_none()
            && (0..batch.len()).all(|k| {
                let row = batch.row(k);
                row.width() == self.header_width
                    && (batch.starts_with_text(k) || !is_blank(&row))
                    && !self.plan.is_skipped_row((0..row.width()).map(|i| row.cell(i)))
            });
        if !ordinary {
            return (0..batch.len()).all(|k| {
                let (line, at) = batch.line(k);
                self.accept_at(&batch.row(k), line, at)
            });
        }
        // Cells that could not be read, noted in row order once every
        // column is read (only the first so many are kept).
        let mut issues: Vec<(usize, usize, &str, CellError)> = Vec::new();
        let mut cells: Vec<&str> = Vec::with_capacity(batch.len());
        for i in 0..self.plan.columns.len() {
            if self.target(i).is_none() {
                // Neither kept nor checked (text no rule reads).
                continue;
            }
            let index = self.plan.columns[i].index;
            cells.clear();
            cells.extend(batch.column(index, self.header_width));
            let mut k = 0;
            while k < cells.len() {
                // Plain cells a run at a time, into the column or the
                // scratch one that checks them; any other through `read_cell`.
                if self.plain[i]
                    && let Some(col) = self.target(i)
                {
                    k += col.push_plain_run(&cells[k..]);
                    if k == cells.len() {
                        break;
                    }
                }
                if let Err((cell, error)) = self.read_cell(i, cells[k]) {
                    issues.push((k, i, cell, error));
                }
                k += 1;
            }
        }
        issues.sort_by_key(|(k, i, ..)| (*k, *i));
        let mut issues = issues.into_iter().peekable();
        // Most files have no field derived from another nor a constant one.
        let derives = !(self.plan.derived.is_empty() && self.plan.constants.is_empty());
        for k in 0..batch.len() {
            let (line, at) = batch.line(k);
            self.anchor(line, at);
            let loc = Loc::Line(line);
            if issues.peek().is_some() {
                while let Some((_, i, cell, error)) = issues.next_if(|(row, ..)| *row == k) {
                    self.cell_issue(i, loc, cell, error);
                }
            }
            if derives {
                self.push_derived(&batch.row(k));
            }
            self.lines.push(loc.line_number());
            self.rows += 1;
        }
        true
    }
}
