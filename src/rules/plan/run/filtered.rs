//! The rows of a `rows:` (or aggregate) step: the filter is bound to its
//! columns once and answered for the whole row set a column at a time
//! ([`crate::rules::select`]); a filter over a whole dataset that other
//! rules may ask for too is computed once per audit
//! ([`crate::rules::shared`]).

use super::super::join::Probe;
use super::super::table::Table;
use super::binding::Probing;
use super::{Ctx, Slot};
use crate::rules::condition::Condition;
use crate::rules::select::Mask;
use crate::rules::shared;
use std::sync::Arc;

impl Ctx<'_> {
    /// The rows behind `from` that meet `filter`, in dataset order. With no
    /// filter over a named set, the set itself, not a copy (a sum over a
    /// million won deals reads them where they are).
    pub(super) fn filtered(
        &self,
        from: &str,
        dataset: &str,
        filter: Option<&Condition>,
    ) -> (Option<Table<'_>>, Arc<Vec<u32>>) {
        let Some(table) = self.table(from, dataset) else {
            return (None, Arc::default());
        };
        let n = table.ds.rows;
        let named = self.slot(from).and_then(Slot::row_set).map(|(rows, _)| rows);
        let Some(filter) = filter else {
            let rows = match named {
                Some(rows) => Arc::clone(rows),
                // Made for the step and dropped with it: a list of a
                // million rows kept for the audit would raise its peak.
                None => Arc::new((0..crate::rules::plan::row_id(n)).collect()),
            };
            return (Some(table), rows);
        };
        let of_set = named.map(|rows| rows.as_slice());
        let probing = Probing {
            ctx: self,
            probe: Probe {
                from,
                table,
                rows: of_set,
            },
        };
        // A computed field is the rule's own, even where another rule
        // computes one of the same name.
        let whole_dataset = of_set.is_none() && table.computed.is_none();
        let rows = match whole_dataset.then(|| shared::key(filter, &probing)).flatten() {
            Some(key) => self.shared.rows(dataset, key, || {
                filter.bind_cols(&table, &probing).select(&Mask::all(n))
            }),
            None => filter.bind_cols(&table, &probing).select_rows(n, of_set),
        };
        (Some(table), Arc::new(rows))
    }
}
