//! Fields looked up for the findings shown (a finding's `with:`): the
//! deal named in 25 findings is looked up 25 times, not once for each of a
//! hundred thousand rows the findings are chosen from.

use super::super::bind::cell;
use super::super::{FindingSpec, ShownLookup};
use super::compute::Index;
use super::{Ctx, to_value};
use crate::rules::vocab::{TextSet, normalize_into};
use crate::value::Value;

/// The first row of `from` for each key a computed field's lookup on `on`
/// looked up: a finding's lookup of keys among them needs no scan (CRED-003
/// names the deals its credits already looked up).
pub(super) struct Found {
    pub from: String,
    pub on: String,
    pub keys: TextSet,
    pub first: std::sync::Arc<Vec<Option<usize>>>,
}

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
        let found = self.found.as_ref().map(std::cell::RefCell::borrow);
        let known = found.iter().flat_map(|f| f.iter()).find_map(|f| {
            if f.from != l.from || f.on != l.on {
                return None;
            }
            // By the wanted keys' numbers (the set's texts come in no order).
            let mut first = vec![None; wanted.len()];
            for key in wanted.texts() {
                let theirs = f.keys.find(key)?;
                first[wanted.find(key)? as usize] = f.first[theirs as usize];
            }
            Some(first)
        });
        // The lookup below may add to what was found.
        drop(found);
        let (table, index) = match known {
            Some(first) => {
                let (table, _) = self.rows_of(&l.from, &l.dataset);
                (
                    table,
                    Index::Numbered {
                        of_row,
                        first: first.into(),
                    },
                )
            }
            None => self.lookup_index(&l.from, &l.dataset, &l.on, Some((wanted, of_row))),
        };
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

impl Ctx<'_> {
    /// The values of a finding's `with:` lookups for the findings shown,
    /// by name; `keys_of` gives each finding's value of a lookup's key.
    pub(super) fn looked_up_all<'s>(
        &self,
        spec: &'s FindingSpec,
        keys_of: impl Fn(&str) -> Vec<Option<Value>>,
    ) -> Vec<(&'s str, Vec<Value>)> {
        spec.shown
            .iter()
            .map(|l| (l.name.as_str(), self.looked_up(l, &keys_of(&l.key))))
            .collect()
    }
}

/// Finding `i`'s value of the looked-up field `name`, if it is one.
pub(super) fn shown_value(looked: &[(&str, Vec<Value>)], name: &str, i: usize) -> Option<Value> {
    looked.iter().find(|(n, _)| *n == name).map(|(_, v)| v[i].clone())
}
