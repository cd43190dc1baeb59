//! Rows in order and rows summed up: the sorts behind `first`, `list` and
//! findings, and the aggregates of `count`, `sum`, `avg` and the rest, over
//! a row set's table (its dataset and computed fields).

use super::Agg;
use super::expr::Val;
use super::keysort::{self, NONE, SORT_FROM};
use super::table::Table;
use crate::bundle::{ColumnData, Figures};
use crate::rules::ordered_keys::IdKeys;
use crate::rules::vocab::{TextSet, normalize_into};
use crate::value::FieldType;

/// A row's sort key: nulls last, then numbers and dates, or normalised text.
type SortKey = (u8, f64, String);

pub(super) fn sort_key(col: &crate::bundle::Column, r: usize) -> SortKey {
    let mut key = (1, 0.0, String::new());
    sort_key_into(col, r, &mut key);
    key
}

/// [`sort_key`] written over `key`, whose text's room is reused: a sort of a
/// million rows by a text field then allocates once per row kept, not per row.
fn sort_key_into(col: &crate::bundle::Column, r: usize, key: &mut SortKey) {
    key.2.clear();
    (key.0, key.1) = if col.is_null(r) {
        (1, 0.0)
    } else {
        match col.ty {
            FieldType::Number | FieldType::Percent | FieldType::Bool => (0, col.number(r).unwrap_or(0.0)),
            FieldType::Date => (0, f64::from(col.days(r).unwrap_or(0))),
            _ => {
                normalize_into(&col.key_text(r), &mut key.2);
                (0, 0.0)
            }
        }
    };
}

/// Nulls last whatever the direction; ties in file order.
fn key_order(a: &(SortKey, u32), b: &(SortKey, u32), desc: bool) -> std::cmp::Ordering {
    let (ka, kb) = (&a.0, &b.0);
    ka.0.cmp(&kb.0)
        .then_with(|| {
            let o = ka.1.total_cmp(&kb.1).then_with(|| ka.2.cmp(&kb.2));
            if desc { o.reverse() } else { o }
        })
        .then(a.1.cmp(&b.1))
}

/// The first row in sort order: one pass, nothing copied.
pub(super) fn first_row(ds: Table<'_>, rows: &[u32], field: &str, desc: bool) -> Option<u32> {
    let Some(col) = ds.column(field) else {
        return rows.first().copied();
    };
    // Dates and numbers are compared as they are stored: the row their
    // sort keys give, without a key per row (COMP-001's first and last
    // lead of a cohort of 350,000).
    match (&col.data, col.ty) {
        (ColumnData::Date(_), FieldType::Date) => first_by(rows, desc, |r| col.days(r).map(f64::from)),
        (ColumnData::Number(_), FieldType::Number | FieldType::Percent) => first_by(rows, desc, |r| col.number(r)),
        _ => first_by_key(col, rows, desc),
    }
}

/// [`first_row`] by a row's number (None when missing): missing last either
/// way, ties to the lower row, as [`key_order`] orders sort keys.
fn first_by(rows: &[u32], desc: bool, number: impl Fn(usize) -> Option<f64>) -> Option<u32> {
    let (&head, rest) = rows.split_first()?;
    let mut best = (number(head as usize), head);
    for &r in rest {
        let n = number(r as usize);
        let better = match (n, best.0) {
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => r < best.1,
            (Some(a), Some(b)) => {
                let o = if desc { b.total_cmp(&a) } else { a.total_cmp(&b) };
                o.then(r.cmp(&best.1)).is_lt()
            }
        };
        if better {
            best = (n, r);
        }
    }
    Some(best.1)
}

/// [`first_row`] by each row's sort key.
fn first_by_key(col: &crate::bundle::Column, rows: &[u32], desc: bool) -> Option<u32> {
    let (&head, rest) = rows.split_first()?;
    let mut best = (sort_key(col, head as usize), head);
    let mut next = ((1, 0.0, String::new()), 0);
    for &r in rest {
        sort_key_into(col, r as usize, &mut next.0);
        next.1 = r;
        if key_order(&next, &best, desc).is_lt() {
            std::mem::swap(&mut best, &mut next);
        }
    }
    Some(best.1)
}

/// The first `keep` of `rows` ordered by a field (missing values last either
/// way, ties in file order). Each key is computed once; a few findings out of
/// a million rows keep only the best few keys as they go (a bounded heap),
/// instead of a key for every row.
pub(super) fn top_rows(ds: Table<'_>, rows: &[u32], field: &str, desc: bool, keep: usize) -> Vec<u32> {
    let Some(col) = ds.column(field) else {
        return rows.iter().take(keep).copied().collect();
    };
    if keep == 1 {
        return first_row(ds, rows, field, desc).into_iter().collect();
    }
    let order = |a: &(SortKey, u32), b: &(SortKey, u32)| key_order(a, b, desc);
    if keep.saturating_mul(FEW_OF) < rows.len() {
        return few_best(col, rows, keep, desc);
    }
    let mut keyed: Vec<(SortKey, u32)> = rows.iter().map(|r| (sort_key(col, *r as usize), *r)).collect();
    if keep < keyed.len() {
        keyed.select_nth_unstable_by(keep, order);
        keyed.truncate(keep);
    }
    keyed.sort_unstable_by(order);
    keyed.into_iter().map(|(_, r)| r).collect()
}

/// Below one row kept in this many, the kept rows are chosen as the keys
/// go by, not from a key for every row (18 MB for COMP-006's findings list
/// of 20 out of 380,207 stale opportunities).
const FEW_OF: usize = 8;

/// The `keep` best of `rows` by `col` in order, holding at most `keep` keys
/// and one more being read.
fn few_best(col: &crate::bundle::Column, rows: &[u32], keep: usize, desc: bool) -> Vec<u32> {
    /// A key ordered as [`key_order`] orders it, so that the heap's top is
    /// the worst key kept.
    struct Ranked((SortKey, u32), bool);
    impl PartialEq for Ranked {
        fn eq(&self, other: &Self) -> bool {
            self.cmp(other).is_eq()
        }
    }
    impl Eq for Ranked {}
    impl PartialOrd for Ranked {
        fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
            Some(self.cmp(other))
        }
    }
    impl Ord for Ranked {
        fn cmp(&self, other: &Self) -> std::cmp::Ordering {
            key_order(&self.0, &other.0, self.1)
        }
    }
    if keep == 0 {
        return Vec::new();
    }
    let mut kept: std::collections::BinaryHeap<Ranked> = std::collections::BinaryHeap::with_capacity(keep + 1);
    // The key being read; a key pushed out of the heap lends it its room.
    let mut next = Ranked(((1, 0.0, String::new()), 0), desc);
    for &r in rows {
        sort_key_into(col, r as usize, &mut next.0.0);
        next.0.1 = r;
        if kept.len() < keep {
            kept.push(Ranked(std::mem::take(&mut next.0), desc));
        } else if let Some(mut worst) = kept.peek_mut()
            && next < *worst
        {
            std::mem::swap(&mut *worst, &mut next);
        }
    }
    kept.into_sorted_vec().into_iter().map(|Ranked((_, r), _)| r).collect()
}

/// `rows` ordered by a field: see [`top_rows`].
pub(super) fn sort_rows(ds: Table<'_>, rows: &mut Vec<u32>, field: &str, desc: bool) {
    *rows = top_rows(ds, rows, field, desc, rows.len());
}

pub(super) fn aggregate(agg: Agg, ds: Option<Table<'_>>, field: Option<&str>, rows: &[u32]) -> Val {
    let Some(ds) = ds else {
        return if agg == Agg::Count { Val::Num(0.0) } else { Val::Null };
    };
    aggregate_column(agg, field.and_then(|f| ds.column(f)), field.is_some(), rows)
}

/// [`aggregate`] of the column `col` found for its field (`field`: whether
/// one is aggregated; a field with no column counts 0, else is missing).
pub(super) fn aggregate_column(agg: Agg, col: Option<&crate::bundle::Column>, field: bool, rows: &[u32]) -> Val {
    if field && col.is_none() {
        return if agg == Agg::Count { Val::Num(0.0) } else { Val::Null };
    }
    match agg {
        Agg::Count => Val::Num(match col {
            Some(c) => rows.iter().filter(|r| !c.is_null(**r as usize)).count(),
            None => rows.len(),
        } as f64),
        Agg::Distinct => {
            let Some(c) = col else { return Val::Null };
            Val::Num(distinct(c, rows) as f64)
        }
        // A number column's form matched once, not for every row (a sum
        // over half a million won deals).
        _ => match col.map(|c| &c.data) {
            Some(ColumnData::Number(Figures::Wide(v))) => reduce(
                agg,
                rows.iter()
                    .filter_map(|r| v.get(*r as usize).copied().filter(|n| !n.is_nan())),
            ),
            Some(ColumnData::Number(Figures::Whole(v))) => reduce(
                agg,
                rows.iter()
                    .filter_map(|r| v.get(*r as usize).and_then(|n| Figures::known_whole(*n))),
            ),
            _ => reduce(agg, rows.iter().filter_map(|r| col.and_then(|c| c.number(*r as usize)))),
        },
    }
}

/// The sum, average, minimum, maximum or median of numbers (of rows, or of
/// a key set's values); missing where there are none, but a sum of none is
/// 0. Counts are not reductions of the numbers: a count or distinct count
/// here is missing.
pub(super) fn reduce(agg: Agg, nums: impl Iterator<Item = f64>) -> Val {
    let num = |v: Option<f64>| v.map_or(Val::Null, Val::Num);
    match agg {
        // Folded from +0.0: `Sum for f64` starts at -0.0, so a sum of no rows showed as -0.
        Agg::Sum => Val::Num(nums.fold(0.0, |a, b| a + b)),
        Agg::Avg => {
            let (n, s) = nums.fold((0usize, 0.0), |(n, s), v| (n + 1, s + v));
            num((n > 0).then(|| s / n as f64))
        }
        Agg::Min => num(nums.reduce(f64::min)),
        Agg::Max => num(nums.reduce(f64::max)),
        Agg::Median => median(nums.collect()),
        Agg::Count | Agg::Distinct => Val::Null,
    }
}

/// How many different normalised values `rows` hold in `col`.
fn distinct(col: &crate::bundle::Column, rows: &[u32]) -> usize {
    // Ordered ids: every row has one, and no two read alike.
    if IdKeys::of(col).is_some() {
        return rows.len();
    }
    // Many rows of many values are counted by sorting their hashes (see
    // keysort); a few rows, or a numbered column's few values, in a set
    // that stays in cache.
    if rows.len() >= SORT_FROM && rows.len() < NONE as usize && col.codes().is_none() {
        let key = |i: usize, buf: &mut String| {
            let r = rows[i] as usize;
            if col.is_null(r) {
                return false;
            }
            normalize_into(&col.key_text(r), buf);
            true
        };
        return keysort::number(rows.len(), key).1;
    }
    // One buffer per pass; the set copies only texts it has not seen.
    let (mut set, mut buf) = (TextSet::default(), String::new());
    if let Some(codes) = col.codes() {
        // Each value the rows hold, normalised once.
        let mut held = vec![false; codes.texts.len()];
        rows.iter().for_each(|r| held[codes.of_row.at(*r as usize)] = true);
        for (text, _) in codes.texts.iter().zip(held).filter(|(t, held)| *held && !t.is_empty()) {
            normalize_into(text, &mut buf);
            set.insert(&buf);
        }
        return set.len();
    }
    for r in rows.iter().map(|r| *r as usize).filter(|r| !col.is_null(*r)) {
        normalize_into(&col.key_text(r), &mut buf);
        set.insert(&buf);
    }
    set.len()
}

/// The middle value (the mean of the two middle ones for an even count);
/// missing for no values.
pub(super) fn median(mut v: Vec<f64>) -> Val {
    if v.is_empty() {
        return Val::Null;
    }
    v.sort_by(f64::total_cmp);
    let m = v.len() / 2;
    Val::Num(if v.len() % 2 == 1 {
        v[m]
    } else {
        (v[m - 1] + v[m]) / 2.0
    })
}

#[cfg(test)]
mod tests;
