//! The stretches of a file, joined into its dataset in file order. A big
//! file's stretches are joined a window at a time, as they are read: their
//! columns are then copied while still in cache and freed for the next
//! window, instead of all of them being held until the end (which doubled
//! the loader's peak: every column twice, in parts and joined).

use super::noticed::{Noticed, Stop};
use super::plan::Plan;
use super::rows::RowSink;
use super::{Column, Dataset};
use rayon::prelude::*;

/// The stretches of one file, merged.
#[derive(Default)]
pub(super) struct Merged {
    pub noticed: Noticed,
}

impl Merged {
    /// Whether a reason to stop was found: rows after it are not read.
    pub(super) fn stopped(&self) -> bool {
        self.noticed.stop.is_some()
    }

    /// Appends the next stretches of the file (in order) to `ds`, and adds
    /// up what they noticed (the first cell errors over all stretches). The
    /// first reason to stop ends the merge: its stretch and all later ones
    /// are not appended (the file is then not a dataset).
    pub(super) fn add(&mut self, plan: &Plan, ds: &mut Dataset, stretches: Vec<RowSink<'_>>) {
        if self.stopped() {
            return;
        }
        let mut kept: Vec<RowSink<'_>> = Vec::new();
        for mut s in stretches {
            // A footer in an earlier stretch followed by data in this one
            // (a stretch's stop comes after its rows).
            if let Some(at) = self.noticed.footer
                && s.rows > 0
            {
                self.noticed.stop = Some(Stop::Shape { loc: at, width: 1 });
                return;
            }
            self.noticed.add(std::mem::take(&mut s.noticed));
            if self.stopped() {
                return;
            }
            kept.push(s);
        }
        append(plan, ds, kept);
    }
}

/// Appends the stretches' rows to `ds`, each field's parts joined on its
/// own thread.
fn append(plan: &Plan, ds: &mut Dataset, kept: Vec<RowSink<'_>>) {
    let fields: Vec<&String> = plan
        .columns
        .iter()
        .map(|c| &c.field)
        .chain(plan.derived.iter().map(|d| &d.field))
        .chain(plan.constants.iter().map(|c| &c.0))
        .collect();
    ds.rows += kept.iter().map(|s| s.rows).sum::<usize>();
    let mut stretches: Vec<std::vec::IntoIter<Option<Column>>> = Vec::new();
    for s in kept {
        ds.lines.append(&s.lines);
        stretches.push(s.into_columns().into_iter());
    }
    let mut joins: Vec<(Column, Vec<Column>, &String)> = Vec::new();
    for field in fields {
        let parts: Vec<Column> = stretches.iter_mut().filter_map(|s| s.next().flatten()).collect();
        if let Some(col) = ds.columns.remove(field.as_str()) {
            joins.push((col, parts, field));
        }
    }
    joins
        .par_iter_mut()
        .for_each(|(col, parts, _)| col.append_all(std::mem::take(parts)));
    for (col, _, field) in joins {
        ds.columns.insert(field.clone(), col);
    }
}

/// Gives back the room the joined columns grew into beyond their rows
/// (each window's append may have doubled them).
pub(super) fn shrink(ds: &mut Dataset) {
    ds.lines.shrink_to_fit();
    for col in ds.columns.values_mut() {
        col.shrink_to_fit();
    }
}

/// Empties `ds`'s rows and columns, to read its file again from the start.
pub(super) fn clear(ds: &mut Dataset) {
    ds.rows = 0;
    ds.lines = super::Lines::default();
    for col in ds.columns.values_mut() {
        *col = Column::new(col.ty);
    }
}
