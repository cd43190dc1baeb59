//! Fields looked up for the findings shown (a finding's `with:`): the
//! deal named in 25 findings is looked up 25 times, not once for each of a
//! hundred thousand rows the findings are chosen from.

use super::super::ShownLookup;
use super::super::bind::cell;
use super::compute::Index;
use super::{Ctx, to_value};
use crate::rules::vocab::{TextSet, normalize_into};
use crate::value::Value;

impl Ctx<'_> {
    /// For each finding shown (its value of the lookup's key, if any), the
    /// looked-up field of the first row of `from` that matches, as a
    /// `with:` lookup on the rows would give it; all of them in one scan.
    pub(super) fn looked_up(&self, l: &ShownLookup, keys: &[Option<Value>]) -> Vec<Value> {
        let mut wanted = TextSet::default();
        let mut buf = String::new();
        let of_row: Vec<Option<u32>> = keys
            .iter()
            .map(|k| {
                let text = k.as_ref().filter(|v| !matches!(v, Value::Null))?.to_text();
                normalize_into(&text, &mut buf);
                (!buf.is_empty()).then(|| wanted.number(&buf).0)
            })
            .collect();
        if wanted.is_empty() {
            return vec![Value::Null; keys.len()];
        }
        let (table, index) = self.lookup_index(&l.from, &l.dataset, &l.on, Some((wanted, of_row)));
        let Some(table) = table else {
            return vec![Value::Null; keys.len()];
        };
        let column = table.column(&l.field);
        let Index::Numbered { of_row, first } = index else {
            return vec![Value::Null; keys.len()];
        };
        of_row
            .iter()
            .map(|n| match (n.and_then(|n| first[n as usize]), column) {
                (Some(at), Some(c)) => to_value(&cell(c, at)),
                // A field only shown is read from the file for this row.
                (Some(at), None) => table.value(&l.field, at),
                (None, _) => Value::Null,
            })
            .collect()
    }
}
