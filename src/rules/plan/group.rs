//! Rows by key for `groups:` (and the distinct count of the same field),
//! without a vector or a string per group: a million distinct ids are a
//! million groups.
//!
//! Text keys group as vocabularies compare words ("Webinar" and "webinar"
//! are one source), so the normalised text numbers the group, and a group is
//! shown in its most frequent spelling (the first written on a tie). Only
//! spellings other than a group's first are counted on the side: an id
//! column has none. Many rows are numbered by sorting their keys' hashes
//! ([`keysort`]: a million ids in a hash table is a miss to memory per id);
//! a few rows and months through a hash table; a numbered column (a few
//! thousand values) by counting each value's rows.

use super::keysort::{self, NONE, SORT_FROM};
use crate::bundle::{Codes, Column, days_to_date};
use crate::rules::vocab::{TextSet, normalize_into};
use crate::value::FieldType;
use chrono::Datelike;
use std::borrow::Cow;
use std::collections::HashMap;

/// Groups numbered in order of first appearance; within a group, rows in
/// the order given.
pub(super) struct Grouping {
    /// The row whose spelling names each group.
    key_rows: Vec<u32>,
    /// Group `g`'s rows are `members[starts[g]..starts[g + 1]]`; None when
    /// every group is its key row alone (an id column: no copy of the rows).
    starts: Option<Vec<usize>>,
    members: Vec<u32>,
    by_month: bool,
}

/// A date's month as a key (`2025-03`).
pub(super) fn month_label(days: i32) -> Option<String> {
    days_to_date(days).map(|d| format!("{:04}-{:02}", d.year(), d.month()))
}

/// A grouping whose groups are counted but not yet laid out: a distinct
/// count needs only how many there are, and the `groups:` step that would
/// read the same grouping later often does not run (COMP-005 lists repeated
/// ids only when it finds some; laying out a million ids took 4 ms).
pub(super) enum Counted {
    Laid(Grouping),
    Numbered {
        group_of: Vec<u32>,
        count: usize,
        by_month: bool,
    },
}

impl Counted {
    /// How many groups (the distinct count of the key).
    pub fn len(&self) -> usize {
        match self {
            Counted::Laid(g) => g.len(),
            Counted::Numbered { count, .. } => *count,
        }
    }

    /// The grouping, of the `rows` of `key_col` it was counted over.
    pub fn lay_out(self, key_col: &Column, rows: &[u32]) -> Grouping {
        match self {
            Counted::Laid(g) => g,
            Counted::Numbered {
                group_of,
                count,
                by_month,
            } => Grouping::lay_out(&[Some(key_col)], rows, by_month, &group_of, count),
        }
    }
}

impl Grouping {
    /// `rows` grouped by `key_col` (by the month of a date with `by_month`);
    /// rows with no key are in no group.
    pub fn build(key_col: &Column, rows: &[u32], by_month: bool) -> Grouping {
        Self::count(key_col, rows, by_month).lay_out(key_col, rows)
    }

    /// [`Grouping::build`], its groups counted and laid out when asked.
    pub fn count(key_col: &Column, rows: &[u32], by_month: bool) -> Counted {
        let words = !by_month && key_col.ty == FieldType::Text;
        if let Some(codes) = key_col.codes().filter(|_| words) {
            return Counted::Laid(Self::of_codes(codes, rows));
        }
        let (group_of, count) = if by_month || rows.len() < SORT_FROM || rows.len() >= NONE as usize {
            number_hashed(key_col, rows, by_month)
        } else {
            number_sorted(key_col, rows, words)
        };
        Counted::Numbered {
            group_of,
            count,
            by_month,
        }
    }

    /// The grouping of rows numbered by group (in order of first
    /// appearance), each group named by its most frequent spelling (of
    /// all its text fields together, when it is grouped by several).
    fn lay_out(cols: &[Option<&Column>], rows: &[u32], by_month: bool, group_of: &[u32], count: usize) -> Grouping {
        let words: Vec<&Column> = match by_month {
            true => Vec::new(),
            false => cols
                .iter()
                .flatten()
                .filter(|c| c.ty == FieldType::Text)
                .copied()
                .collect(),
        };
        let mut key_rows: Vec<u32> = Vec::with_capacity(count);
        let mut sizes: Vec<u32> = vec![0; count];
        // Spellings other than their group's first: (group, spelling) ->
        // place in `others`, which keeps (group, a row so spelled, rows so
        // spelled) in order of first appearance.
        let mut other_of: HashMap<(u32, Vec<&str>), usize, foldhash::fast::RandomState> = HashMap::default();
        let mut others: Vec<(u32, u32, u32)> = Vec::new();
        for (&r, &g) in rows.iter().zip(group_of) {
            if g == NONE {
                continue;
            }
            sizes[g as usize] += 1;
            if g as usize == key_rows.len() {
                key_rows.push(r);
                continue;
            }
            let first = key_rows[g as usize] as usize;
            if words.iter().any(|c| c.text(r as usize) != c.text(first)) {
                let spelling = words.iter().map(|c| c.text(r as usize).unwrap_or_default()).collect();
                let at = *other_of.entry((g, spelling)).or_insert_with(|| {
                    others.push((g, r, 0));
                    others.len() - 1
                });
                others[at].2 += 1;
            }
        }
        drop(other_of);
        // The first spelling's rows are the group's less the others'; a
        // later spelling names the group only with strictly more rows.
        // (Most keys have one spelling: then there is nothing to count.)
        if !others.is_empty() {
            let mut best: Vec<u32> = sizes.clone();
            for (g, _, n) in &others {
                best[*g as usize] -= n;
            }
            for (g, r, n) in others {
                if n > best[g as usize] {
                    best[g as usize] = n;
                    key_rows[g as usize] = r;
                }
            }
        }
        Self::with_members(
            key_rows,
            &sizes,
            by_month,
            rows.iter().zip(group_of).map(|(r, g)| (*r, *g)),
        )
    }

    /// Rows grouped by a numbered column: each value's rows counted in one
    /// pass and placed in a second, with a table of a few values and no
    /// group number kept per row (a source over a million leads). A group
    /// is the values that read alike, named by its most frequent spelling
    /// (the first written on a tie), as [`Self::lay_out`] names it.
    fn of_codes(codes: &Codes, rows: &[u32]) -> Grouping {
        let n = codes.texts.len();
        let mut count_of_code: Vec<u32> = vec![0; n];
        let mut first_of_code: Vec<u32> = vec![NONE; n];
        let mut in_order: Vec<usize> = Vec::new();
        for &r in rows {
            let code = codes.of_row.at(r as usize);
            if first_of_code[code] == NONE {
                first_of_code[code] = r;
                in_order.push(code);
            }
            count_of_code[code] += 1;
        }
        // Values in order of first appearance: a group's first value comes
        // first, so groups are numbered as their first rows come.
        let mut index = TextSet::default();
        let mut buf = String::new();
        let mut group_of_code: Vec<u32> = vec![NONE; n];
        let (mut key_rows, mut sizes, mut best): (Vec<u32>, Vec<u32>, Vec<u32>) = Default::default();
        for code in in_order {
            let text = codes.texts[code].as_str();
            if text.is_empty() {
                continue;
            }
            normalize_into(text, &mut buf);
            let (g, _) = index.number(&buf);
            let (count, first) = (count_of_code[code], first_of_code[code]);
            if g as usize == key_rows.len() {
                key_rows.push(first);
                sizes.push(0);
                best.push(count);
            } else if count > best[g as usize] {
                best[g as usize] = count;
                key_rows[g as usize] = first;
            }
            sizes[g as usize] += count;
            group_of_code[code] = g;
        }
        let rows = rows.iter().map(|&r| (r, group_of_code[codes.of_row.at(r as usize)]));
        Self::with_members(key_rows, &sizes, false, rows)
    }

    /// The grouping of `(row, group)` pairs (NONE: in no group), in order.
    fn with_members(
        key_rows: Vec<u32>,
        sizes: &[u32],
        by_month: bool,
        rows: impl Iterator<Item = (u32, u32)>,
    ) -> Grouping {
        if sizes.iter().all(|n| *n == 1) {
            return Grouping {
                key_rows,
                starts: None,
                members: Vec::new(),
                by_month,
            };
        }
        let mut starts: Vec<usize> = Vec::with_capacity(sizes.len() + 1);
        let mut at = 0usize;
        for n in sizes {
            starts.push(at);
            at += *n as usize;
        }
        starts.push(at);
        let mut members = vec![0u32; at];
        let mut next = starts.clone();
        for (r, g) in rows {
            if g != NONE {
                members[next[g as usize]] = r;
                next[g as usize] += 1;
            }
        }
        Grouping {
            key_rows,
            starts: Some(starts),
            members,
            by_month,
        }
    }

    /// How many groups (the distinct count of the key).
    pub fn len(&self) -> usize {
        self.key_rows.len()
    }

    /// Group `g`'s rows.
    pub fn rows(&self, g: usize) -> &[u32] {
        match &self.starts {
            Some(starts) => &self.members[starts[g]..starts[g + 1]],
            None => std::slice::from_ref(&self.key_rows[g]),
        }
    }

    /// Group `g`'s key as shown: its spelling, or its month; grouped by
    /// several fields (`cols`, in order), their values joined by ` / `,
    /// leaving out an empty one (a field the export lacks).
    pub fn key<'c>(&self, cols: &[Option<&'c Column>], g: usize) -> Cow<'c, str> {
        let r = self.key_rows[g] as usize;
        match cols {
            [Some(col)] if self.by_month => Cow::Owned(col.days(r).and_then(month_label).unwrap_or_default()),
            [Some(col)] => col.key_text(r),
            _ => {
                let parts: Vec<Cow<'c, str>> = cols
                    .iter()
                    .flatten()
                    .filter(|c| !c.is_null(r))
                    .map(|c| c.key_text(r))
                    .collect();
                Cow::Owned(parts.join(" / "))
            }
        }
    }
}

/// Rows numbered by group by sorting their keys ([`keysort`]): many rows,
/// mostly distinct keys.
fn number_sorted(key_col: &Column, rows: &[u32], words: bool) -> (Vec<u32>, usize) {
    // The last text normalised, and its key: rows of one parent (a deal's
    // credits) come together, and a key is asked for more than once.
    let mut last: Option<&str> = None;
    let mut last_key = String::new();
    keysort::number(rows.len(), |i, buf| {
        let r = rows[i] as usize;
        if key_col.is_null(r) {
            return false;
        }
        if words {
            let text = key_col.text(r).unwrap_or_default();
            if last == Some(text) {
                buf.clear();
                buf.push_str(&last_key);
            } else {
                normalize_into(text, buf);
                last = Some(text);
                last_key.clear();
                last_key.push_str(buf);
            }
        } else {
            buf.clear();
            buf.push_str(&key_col.key_text(r));
        }
        true
    })
}

/// Rows numbered by group with a hash table of the keys: for a few rows,
/// a numbered column (each value normalised and hashed once, not each row)
/// and months.
fn number_hashed(key_col: &Column, rows: &[u32], by_month: bool) -> (Vec<u32>, usize) {
    let words = !by_month && key_col.ty == FieldType::Text;
    let mut index = TextSet::default();
    let mut buf = String::new();
    let mut group_of: Vec<u32> = Vec::with_capacity(rows.len());
    for r in rows.iter().map(|r| *r as usize) {
        let g = if by_month {
            key_col.days(r).and_then(month_label).map(|m| index.number(&m).0)
        } else if key_col.is_null(r) {
            None
        } else if words {
            normalize_into(key_col.text(r).unwrap_or_default(), &mut buf);
            Some(index.number(&buf).0)
        } else {
            Some(index.number(&key_col.key_text(r)).0)
        };
        group_of.push(g.unwrap_or(NONE));
    }
    (group_of, index.len())
}

mod several;
#[cfg(test)]
mod tests;
