//! Computed fields (`with:` on a `rows` step), row by row. Everything a
//! field reads is found before the first row: its expression is bound to
//! the row set's columns (see [`super::super::bind`]), and lookups into the
//! same set on the same key share one index and, per row, one normalised
//! key and one probe, whatever number of the found row's fields they read
//! (CRED-003 reads a deal's amount, date and name).

use super::super::bind::{Around, At, BoundExpr, Scope, bind, cell};
use super::super::expr::{Expr, Val};
use super::super::table::{Builder, Computed, Table};
use super::super::{Computation, ComputedField, Related, Within};
use super::{Ctx, to_value};
use crate::bundle::Column;
use crate::rules::keyfilter::KeyFilter;
use crate::rules::ordered_keys::IdKeys;
use crate::rules::vocab::{TextSet, Vocabulary, normalize_into};
use crate::value::FieldType;
use std::collections::HashMap;
use std::sync::Arc;

/// A lookup's index: the first row of the set looked in for each key.
pub(super) enum Index {
    /// The keys these rows name, numbered (`of_row`: each row's, by its
    /// position in the rows), and the first row for each number: a row's
    /// probe is two reads, with no key to normalise or hash.
    Numbered {
        of_row: Vec<Option<u32>>,
        first: Arc<Vec<Option<usize>>>,
    },
    /// By normalised key: for a key computed in the step, whose values are
    /// not known before the rows are read.
    ByText(HashMap<String, usize, foldhash::fast::RandomState>),
}

/// A lookup index, by what shares it: (the set looked in, its field, the
/// field of these rows whose keys it holds).
type Shared<'a> = ((&'a str, &'a str, &'a str), Option<Table<'a>>, Arc<Index>);

/// Where a row's lookup key (or related key) comes from: a field computed
/// before for the row, or a column of the row set.
#[derive(Clone, Copy)]
pub(super) enum Key<'a> {
    Local(usize),
    Column(Option<&'a Column>),
}

impl<'a> Key<'a> {
    fn bind(name: &str, earlier: &[&str], table: Table<'a>) -> Self {
        match earlier.iter().position(|n| *n == name) {
            Some(i) => Key::Local(i),
            None => Key::Column(table.column(name)),
        }
    }

    fn same(&self, other: &Key<'_>) -> bool {
        match (self, other) {
            (Key::Local(a), Key::Local(b)) => a == b,
            (Key::Column(a), Key::Column(b)) => a.map(std::ptr::from_ref) == b.map(std::ptr::from_ref),
            _ => false,
        }
    }
}

/// An index of one set by one of its fields, and the key of these rows
/// that is looked up in it: each row is probed once for all the lookups
/// that share it.
struct Probe<'a> {
    key: Key<'a>,
    table: Option<Table<'a>>,
    index: Arc<Index>,
}

impl Probe<'_> {
    /// The row of the set whose field equals the key of row `row`, at
    /// position `pos` of the rows, if any.
    fn find(&self, (pos, row): (usize, usize), local: &[Val], buf: &mut String) -> Option<usize> {
        self.table?;
        let index = match &*self.index {
            Index::Numbered { of_row, first } => return of_row[pos].and_then(|k| first[k as usize]),
            Index::ByText(index) => index,
        };
        match self.key {
            Key::Local(i) => normalize_into(&super::super::table::text(&local[i]), buf),
            Key::Column(Some(c)) if !c.is_null(row) => normalize_into(&c.key_text(row), buf),
            Key::Column(_) => buf.clear(),
        }
        if buf.is_empty() {
            return None;
        }
        index.get(buf.as_str()).copied()
    }
}

/// A computed field, ready for the row loop.
enum Field<'a> {
    Expr(BoundExpr<'a>),
    Text(&'a str),
    /// The field (column) of the row that probe number `probe` finds.
    Lookup {
        probe: usize,
        column: Option<&'a Column>,
    },
    Related {
        l: &'a Related,
        index: Arc<super::related::RelatedIndex>,
        on: Vec<Key<'a>>,
        within: Option<(BoundExpr<'a>, BoundExpr<'a>)>,
    },
}

impl Around for Ctx<'_> {
    fn vocabulary(&self, name: &str) -> Option<Arc<Vocabulary>> {
        self.vocabs.get(name).cloned()
    }
}

impl<'c> Ctx<'c> {
    /// Keeps the rows for which a `rows` step's `if:` holds.
    pub(super) fn keep_rows(&self, table: Table<'_>, rows: &mut Vec<u32>, test: &Expr, fields: &[String]) {
        let e = bind(
            test,
            &Scope {
                table,
                fields,
                earlier: &[],
                around: self,
            },
        );
        let holds = |row: usize| {
            e.eval(&At {
                row,
                local: &[],
                around: self,
            })
            .truthy()
        };
        // A test that reads no field of the row (`if: can_measure`) holds
        // for every row or none: asked once, not per row of a million.
        if fields.is_empty() {
            if rows.first().is_some_and(|r| !holds(*r as usize)) {
                rows.clear();
            }
            return;
        }
        rows.retain(|r| holds(*r as usize));
    }

    /// The computed fields of a `rows` step for its rows, in order, added to
    /// those of the set it refines.
    pub(super) fn compute(&self, table: Table<'_>, rows: &[u32], with: &[ComputedField]) -> Computed {
        let names: Vec<&str> = with.iter().map(|f| f.name.as_str()).collect();
        let (fields, probes) = self.bind_fields(table, rows, with, &names);
        let mut columns: Vec<Builder> = with.iter().map(|f| Builder::new(f.ty, table.ds.rows)).collect();
        let mut local: Vec<Val> = Vec::with_capacity(with.len());
        // Per probe, the row it found for the current row, once asked.
        let mut found: Vec<Option<Option<usize>>> = vec![None; probes.len()];
        let mut buf = String::new();
        for (pos, r) in rows.iter().map(|r| *r as usize).enumerate() {
            local.clear();
            found.fill(None);
            for (i, f) in fields.iter().enumerate() {
                let v = match f {
                    Field::Expr(e) => e.eval(&At {
                        row: r,
                        local: &local,
                        around: self,
                    }),
                    Field::Text(t) => Val::Text(
                        self.render(t, &|n| match names[..i].iter().position(|x| *x == n) {
                            Some(j) => Some(to_value(&local[j])),
                            None => table.has_field(n).then(|| table.value(n, r)),
                        })
                        .into(),
                    ),
                    Field::Lookup { probe, column } => {
                        let at = *found[*probe].get_or_insert_with(|| probes[*probe].find((pos, r), &local, &mut buf));
                        match (at, column) {
                            (Some(at), Some(c)) => cell(c, at),
                            _ => Val::Null,
                        }
                    }
                    Field::Related { l, index, on, within } => index.value(l, on, within.as_ref(), (r, &local), self),
                };
                columns[i].set(r, &v);
                local.push(v);
            }
        }
        let mut out = table.computed.cloned().unwrap_or_default();
        for (f, col) in with.iter().zip(columns) {
            out.insert(f.name.clone(), Arc::new(col.finish()));
        }
        out
    }

    /// Each field bound to what it reads, and the probes its lookups share.
    fn bind_fields<'a>(
        &'a self,
        table: Table<'a>,
        rows: &[u32],
        with: &'a [ComputedField],
        names: &[&'a str],
    ) -> (Vec<Field<'a>>, Vec<Probe<'a>>) {
        // Lookups into the same set on the same field share one index;
        // those that also read the same key share one probe per row.
        let mut indexes: Vec<Shared<'a>> = Vec::new();
        let mut probes: Vec<(usize, Probe<'a>)> = Vec::new();
        // Aggregates over the same other rows by the same key and dates
        // share one index (see `shares_index`).
        let mut related: Vec<(&'a Related, Arc<super::related::RelatedIndex>)> = Vec::new();
        let mut fields = Vec::with_capacity(with.len());
        for (i, f) in with.iter().enumerate() {
            let earlier = &names[..i];
            let field = match &f.how {
                Computation::Expr(e, read) => Field::Expr(bind(
                    e,
                    &Scope {
                        table,
                        fields: read,
                        earlier,
                        around: self,
                    },
                )),
                Computation::Text(t) => Field::Text(t),
                Computation::Lookup {
                    from,
                    dataset,
                    key,
                    on,
                    field,
                } => {
                    let at = (from.as_str(), on.as_str(), key.as_str());
                    let ix = match indexes.iter().position(|(k, ..)| *k == at) {
                        Some(ix) => ix,
                        None => {
                            // Only the keys these rows name are indexed (a hundred
                            // thousand credits against a million deals), unless
                            // the key is computed in this step and not known yet.
                            let computed_here = names.contains(&key.as_str());
                            let wanted = table
                                .column(key)
                                .filter(|_| !computed_here)
                                .map(|col| lookup_keys(col, rows));
                            let (t, index) = self.lookup_index(from, dataset, on, wanted);
                            indexes.push((at, t, Arc::new(index)));
                            indexes.len() - 1
                        }
                    };
                    let (_, t, index) = &indexes[ix];
                    let key = Key::bind(key, earlier, table);
                    let probe = match probes.iter().position(|(p_ix, p)| *p_ix == ix && p.key.same(&key)) {
                        Some(p) => p,
                        None => {
                            probes.push((
                                ix,
                                Probe {
                                    key,
                                    table: *t,
                                    index: Arc::clone(index),
                                },
                            ));
                            probes.len() - 1
                        }
                    };
                    Field::Lookup {
                        probe,
                        column: t.and_then(|t| t.column(field)),
                    }
                }
                Computation::Related(l) => {
                    let bound = |(e, read): &'a (Expr, Vec<String>)| {
                        bind(
                            e,
                            &Scope {
                                table,
                                fields: read,
                                earlier,
                                around: self,
                            },
                        )
                    };
                    let shared = related
                        .iter()
                        .find(|(built, _)| super::related::shares_index(built, l))
                        .map(|(_, index)| Arc::clone(index));
                    let index = shared.unwrap_or_else(|| {
                        let index = Arc::new(self.related_index(l));
                        related.push((l, Arc::clone(&index)));
                        index
                    });
                    Field::Related {
                        l,
                        index,
                        on: l.on.iter().map(|(_, mine)| Key::bind(mine, earlier, table)).collect(),
                        within: l.within.as_ref().map(|w: &'a Within| (bound(&w.start), bound(&w.end))),
                    }
                }
            };
            fields.push(field);
        }
        (fields, probes.into_iter().map(|(_, p)| p).collect())
    }

    /// With `wanted` (the keys these rows name, numbered, and each row's
    /// number), only those keys are indexed: the first row of each is the
    /// same either way.
    pub(super) fn lookup_index(
        &self,
        from: &str,
        dataset: &str,
        on: &str,
        wanted: Option<(TextSet, Vec<Option<u32>>)>,
    ) -> (Option<Table<'_>>, Index) {
        let (table, rows) = self.rows_of(from, dataset);
        let col = table.and_then(|t| t.column(on));
        // Every row of a column of ordered ids: each wanted key is searched
        // for, where a scan would read a million ids.
        let ids = col
            .filter(|c| wanted.is_some() && rows.len() == c.len())
            .and_then(IdKeys::of);
        let filter = wanted
            .as_ref()
            .filter(|_| ids.is_none())
            .and_then(|(keys, _)| KeyFilter::for_probes(keys, rows.len()));
        let mut buf = String::new();
        // Calls `found` with each row's normalised key, in order, until it
        // says stop (a row whose key is surely not wanted is passed over).
        let mut scan = |found: &mut dyn FnMut(&str, usize) -> bool| {
            let Some(col) = col else { return };
            let mut test = |key: &str, r: usize| {
                if filter.as_ref().is_some_and(|f| !f.may_hold(key)) {
                    return true;
                }
                normalize_into(key, &mut buf);
                buf.is_empty() || found(&buf, r)
            };
            // Every row of a column of texts (a million deal ids): walked
            // in order, not row by row (a list's key is its items joined).
            if rows.len() == col.len() && col.ty == FieldType::Text && col.each_text(|r, key| test(key, r)) {
                return;
            }
            for r in rows.iter().map(|r| *r as usize) {
                if !col.is_null(r) && !test(&col.key_text(r), r) {
                    return;
                }
            }
        };
        let index = match wanted {
            Some((keys, of_row)) => {
                let mut first = vec![None; keys.len()];
                let mut missing = keys.len();
                match &ids {
                    Some(ids) => keys.numbered().for_each(|(n, key)| first[n as usize] = ids.row_of(key)),
                    None => scan(&mut |key, r| {
                        if let Some(n) = keys.find(key)
                            && first[n as usize].is_none()
                        {
                            first[n as usize] = Some(r);
                            missing -= 1;
                        }
                        // Once each key has its first row, later rows change nothing.
                        missing > 0
                    }),
                }
                let first = Arc::new(first);
                if let Some(found) = &self.found {
                    found.borrow_mut().push(super::shown::Found {
                        from: from.to_string(),
                        on: on.to_string(),
                        keys,
                        first: Arc::clone(&first),
                    });
                }
                Index::Numbered { of_row, first }
            }
            None => {
                let mut index = HashMap::default();
                scan(&mut |key, r| {
                    if !index.contains_key(key) {
                        index.insert(key.to_string(), r);
                    }
                    true
                });
                Index::ByText(index)
            }
        };
        (table, index)
    }
}

/// The normalised keys a lookup's rows name, numbered as the lookup
/// compares them, and each row's number (none for a row without a key);
/// a semi-join over ids numbers its tested rows' keys so too.
pub(super) fn lookup_keys(col: &Column, rows: &[u32]) -> (TextSet, Vec<Option<u32>>) {
    let mut keys = TextSet::default();
    let mut buf = String::new();
    if let Some(codes) = col.codes() {
        // A numbered column (a campaign id over the credits): each value
        // normalised once, when a row first names it.
        let mut key_of_code: Vec<Option<Option<u32>>> = vec![None; codes.texts.len()];
        let of_row = rows
            .iter()
            .map(|&r| {
                let code = codes.of_row.at(r as usize);
                *key_of_code[code].get_or_insert_with(|| {
                    normalize_into(&codes.texts[code], &mut buf);
                    (!buf.is_empty()).then(|| keys.number(&buf).0)
                })
            })
            .collect();
        return (keys, of_row);
    }
    // The row before's text and number: credits and other child records
    // come grouped by their parent, so a key is as often as not the one
    // just normalised.
    let mut previous: Option<(&str, Option<u32>)> = None;
    let of_row = rows
        .iter()
        .map(|&r| {
            let r = r as usize;
            if col.is_null(r) {
                return None;
            }
            let text = col.text(r).filter(|_| col.ty == FieldType::Text);
            if let (Some(text), Some((before, key))) = (text, previous)
                && text == before
            {
                return key;
            }
            normalize_into(&col.key_text(r), &mut buf);
            let key = (!buf.is_empty()).then(|| keys.number(&buf).0);
            previous = text.map(|t| (t, key));
            key
        })
        .collect();
    (keys, of_row)
}

#[cfg(test)]
mod tests;
