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
    /// The stretches' anchors, for fields read when shown.
    pub anchors: Vec<(u32, usize)>,
}

impl Merged {
    /// Whether a reason to stop was found: rows after it are not read.
    pub(super) fn stopped(&self) -> bool {
        self.noticed.stop.is_some()
    }

    /// Appends the next stretches of the file (in order) to `ds`, and adds
    /// up what they noticed (the first cell errors over all stretches). The
    /// first reason to stop ends the merge: its stretch and all later ones
    /// are not appended (the file is then not a dataset). Gives back the
    /// appended stretches' columns, emptied, for the next ones to be read
    /// into.
    pub(super) fn add(&mut self, plan: &Plan, ds: &mut Dataset, stretches: Vec<RowSink<'_>>) -> Vec<Spare> {
        if self.stopped() {
            return Vec::new();
        }
        let mut kept: Vec<RowSink<'_>> = Vec::new();
        for mut s in stretches {
            // A footer in an earlier stretch followed by data in this one
            // (a stretch's stop comes after its rows).
            if let Some(at) = self.noticed.footer
                && s.rows > 0
            {
                self.noticed.stop = Some(Stop::Shape { loc: at, width: 1 });
                return Vec::new();
            }
            self.noticed.add(std::mem::take(&mut s.noticed));
            if self.stopped() {
                return Vec::new();
            }
            if let Some(anchors) = s.anchors.as_mut() {
                self.anchors.append(anchors);
            }
            kept.push(s);
        }
        append(plan, ds, kept)
    }
}

/// A stretch's columns once joined, emptied with their room kept (in
/// [`RowSink::into_columns`] order).
pub(super) type Spare = Vec<Option<Column>>;

/// Appends the stretches' rows to `ds`, each field's parts joined on its
/// own thread, and gives back their columns emptied.
fn append(plan: &Plan, ds: &mut Dataset, kept: Vec<RowSink<'_>>) -> Vec<Spare> {
    let fields = plan
        .columns
        .iter()
        .map(|c| &c.field)
        .chain(plan.derived.iter().map(|d| &d.field))
        .chain(plan.constants.iter().map(|c| &c.0));
    ds.rows += kept.iter().map(|s| s.rows).sum::<usize>();
    let mut spares: Vec<Spare> = Vec::with_capacity(kept.len());
    for s in kept {
        ds.lines.append(&s.lines);
        spares.push(s.into_columns());
    }
    // Per field kept: its joined column, the slot it has in each stretch,
    // and the stretches' parts of it (taken out and put back once joined).
    let mut joins: Vec<(Column, usize, Vec<Column>, &String)> = Vec::new();
    for (slot, field) in fields.enumerate() {
        let Some(col) = ds.columns.remove(field.as_str()) else {
            // Not kept (or a field named twice, joined at its first slot).
            spares
                .iter_mut()
                .filter_map(|s| s.get_mut(slot))
                .for_each(|part| *part = None);
            continue;
        };
        let parts = spares.iter_mut().filter_map(|s| s.get_mut(slot)?.take()).collect();
        joins.push((col, slot, parts, field));
    }
    joins.par_iter_mut().for_each(|(col, _, parts, _)| {
        col.append_all(parts);
        parts.iter_mut().for_each(Column::clear);
    });
    for (col, slot, parts, field) in joins {
        ds.columns.insert(field.clone(), col);
        // Every stretch of a file keeps the same fields, so each gets its
        // own part back.
        for (spare, part) in spares.iter_mut().zip(parts) {
            if let Some(at) = spare.get_mut(slot) {
                *at = Some(part);
            }
        }
    }
    spares
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
