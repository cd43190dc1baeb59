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
//! a few rows, a numbered column (a few thousand values) and months through
//! a hash table.

use super::keysort::{self, NONE, SORT_FROM};
use crate::bundle::{Column, days_to_date};
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

impl Grouping {
    /// `rows` grouped by `key_col` (by the month of a date with `by_month`);
    /// rows with no key are in no group.
    pub fn build(key_col: &Column, rows: &[u32], by_month: bool) -> Grouping {
        let words = !by_month && key_col.ty == FieldType::Text;
        let codes = if words { key_col.codes() } else { None };
        let (group_of, count) = if by_month || codes.is_some() || rows.len() < SORT_FROM || rows.len() >= NONE as usize
        {
            number_hashed(key_col, rows, by_month)
        } else {
            number_sorted(key_col, rows, words)
        };
        Self::lay_out(key_col, rows, by_month, &group_of, count)
    }

    /// The grouping of rows numbered by group (in order of first
    /// appearance), each group named by its most frequent spelling.
    fn lay_out(key_col: &Column, rows: &[u32], by_month: bool, group_of: &[u32], count: usize) -> Grouping {
        let words = !by_month && key_col.ty == FieldType::Text;
        let codes = if words { key_col.codes() } else { None };
        let mut key_rows: Vec<u32> = Vec::with_capacity(count);
        let mut sizes: Vec<u32> = vec![0; count];
        // Spellings other than their group's first: (group, spelling) ->
        // place in `others`, which keeps (group, a row so spelled, rows so
        // spelled) in order of first appearance.
        let mut other_of: HashMap<(u32, &str), usize, foldhash::fast::RandomState> = HashMap::default();
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
            if words {
                let spelling = key_col.text(r as usize).unwrap_or_default();
                let first = key_rows[g as usize] as usize;
                let differs = match codes {
                    Some(c) => c.of_row[r as usize] != c.of_row[first],
                    None => spelling != key_col.text(first).unwrap_or_default(),
                };
                if differs {
                    let at = *other_of.entry((g, spelling)).or_insert_with(|| {
                        others.push((g, r, 0));
                        others.len() - 1
                    });
                    others[at].2 += 1;
                }
            }
        }
        drop(other_of);
        // The first spelling's rows are the group's less the others'; a
        // later spelling names the group only with strictly more rows.
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
        drop(best);
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
        for n in &sizes {
            starts.push(at);
            at += *n as usize;
        }
        starts.push(at);
        let mut members = vec![0u32; at];
        let mut next = starts.clone();
        for (&r, &g) in rows.iter().zip(group_of) {
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

    /// Group `g`'s key as shown: its spelling, or its month.
    pub fn key<'c>(&self, key_col: &'c Column, g: usize) -> Cow<'c, str> {
        let r = self.key_rows[g] as usize;
        if self.by_month {
            return Cow::Owned(key_col.days(r).and_then(month_label).unwrap_or_default());
        }
        key_col.key_text(r)
    }
}

/// Rows numbered by group by sorting their keys ([`keysort`]): many rows,
/// mostly distinct keys.
fn number_sorted(key_col: &Column, rows: &[u32], words: bool) -> (Vec<u32>, usize) {
    keysort::number(rows.len(), |i, buf| {
        let r = rows[i] as usize;
        if key_col.is_null(r) {
            return false;
        }
        if words {
            normalize_into(key_col.text(r).unwrap_or_default(), buf);
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
    let codes = if words { key_col.codes() } else { None };
    let mut group_of_code: Vec<Option<u32>> = vec![None; codes.map_or(0, |c| c.texts.len())];
    for r in rows.iter().map(|r| *r as usize) {
        let g = if let Some(codes) = codes {
            let code = codes.of_row[r] as usize;
            let text = codes.texts[code].as_str();
            match &mut group_of_code[code] {
                _ if text.is_empty() => None,
                Some(g) => Some(*g),
                slot @ None => {
                    normalize_into(text, &mut buf);
                    let g = index.number(&buf).0;
                    *slot = Some(g);
                    Some(g)
                }
            }
        } else if by_month {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::vocab::normalize;
    use std::collections::BTreeMap;

    fn text_column(values: &[&str]) -> Column {
        let mut c = Column::new(FieldType::Text);
        for v in values {
            c.push_text(v).unwrap();
        }
        c
    }

    /// The groups as (key, rows), sorted by key.
    fn groups(col: &Column, rows: &[u32]) -> Vec<(String, Vec<u32>)> {
        let g = Grouping::build(col, rows, false);
        let mut out: Vec<(String, Vec<u32>)> = (0..g.len())
            .map(|i| (g.key(col, i).into_owned(), g.rows(i).to_vec()))
            .collect();
        out.sort();
        out
    }

    #[test]
    fn spellings_of_one_word_are_one_group_named_by_the_most_frequent() {
        let col = text_column(&["webinar", "Webinar", "", "Event", "Webinar", "event", "WEBINAR"]);
        let all: Vec<u32> = (0..7).collect();
        assert_eq!(
            groups(&col, &all),
            [
                ("Event".to_string(), vec![3, 5]),
                ("Webinar".to_string(), vec![0, 1, 4, 6])
            ]
        );
        // Only the rows given; a tie goes to the spelling written first.
        assert_eq!(groups(&col, &[5, 3]), [("event".to_string(), vec![5, 3])]);
    }

    /// A plan's message over leads with these emails.
    fn message(plan: &str, emails: &[&str]) -> String {
        let rows: Vec<String> = emails
            .iter()
            .enumerate()
            .map(|(i, e)| format!("{{ id: L{i}, email: '{e}' }}"))
            .collect();
        super::super::testing::outcome(plan, &format!("leads: [{}]\n", rows.join(", "))).message
    }

    #[test]
    fn a_distinct_count_shared_with_a_group_by_counts_as_one_alone() {
        let emails = ["a@x.com", "A@X.com", "b@x.com", "", "c@x.com", "b@x.com", "a@x.com"];
        let shared = r#"
let:
  emails: { distinct: { from: leads, field: email } }
  repeated: { groups: { from: leads, by: email, having: count > 1 } }
outcome:
  - pass: '{emails} {repeated}'
"#;
        let alone = r#"
let:
  emails: { distinct: { from: leads, field: email } }
outcome:
  - pass: '{emails}'
"#;
        // a@x.com (three spellings of one address, the lower case twice) and b@x.com repeat.
        assert_eq!(message(shared, &emails), "3 a@x.com, b@x.com");
        assert_eq!(message(alone, &emails), "3");
        // A later step named like the dataset: its rows are another grouping.
        let shadowed = r#"
let:
  emails: { distinct: { from: leads, field: email } }
  leads: { rows: { from: leads, where: { field: id, equals: L0 } } }
  repeated: { groups: { from: leads, by: email, having: count > 1 } }
  n: repeated + 0
outcome:
  - pass: '{emails} {n}'
"#;
        assert_eq!(message(shadowed, &emails), "3 0");
    }

    #[test]
    fn having_reads_the_values_it_names_and_kept_groups_show_all_theirs() {
        let emails = ["a@x.com", "b@x.com", "A@X.com", "c@x.com", "b@x.com", "a@x.com"];
        let plan = r#"
let:
  repeated:
    groups:
      from: leads
      by: email
      let:
        firsts: { count: { where: { field: id, in: [L0, L1] } } }
        ids: { list: { show: '{id}', sep: '+' } }
      having: firsts > 0 and count > 1
  shown: { list: { from: repeated, show: '{key} {firsts} {ids} {count}' } }
outcome:
  - pass: '{shown}'
"#;
        assert_eq!(message(plan, &emails), "a@x.com 1 L0+L2+L5 3, b@x.com 1 L1+L4 2");
        // Lists no `having:` reads are worked out when a message reads them,
        // over the whole group and each its own filter, as if computed with
        // the others; a later step named like the dataset changes nothing.
        let later = r#"
let:
  repeated:
    groups:
      from: leads
      by: email
      let:
        ids: { list: { show: '{id}', sep: '+' } }
        some: { list: { show: '{id}', sep: '+', where: { field: id, in: [L2, L4, L5] }, limit: 1 } }
        none: { list: { show: '{id}', where: { field: id, equals: L9 } } }
      having: count > 1
  leads: { rows: { from: leads, where: { field: id, equals: L0 } } }
  shown: { list: { from: repeated, show: '{key} {ids} [{some}] [{none}] {count}' } }
outcome:
  - pass: '{shown} {leads}'
"#;
        assert_eq!(
            message(later, &emails),
            "a@x.com L0+L2+L5 [L2+and 1 more] [(none)] 3, b@x.com L1+L4 [L4] [(none)] 2 1"
        );
    }

    /// The groups worked out directly: by normalised text, each named by
    /// its most frequent spelling, the first seen on a tie.
    fn expected(col: &Column, rows: &[u32]) -> Vec<(String, Vec<u32>)> {
        // The cells as the column holds them (a blank one is missing).
        let values: Vec<&str> = rows.iter().map(|r| col.text(*r as usize).unwrap_or_default()).collect();
        let mut by_words: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (r, v) in values.iter().enumerate().filter(|(r, _)| !col.is_null(*r)) {
            by_words.entry(normalize(v)).or_default().push(r);
        }
        let mut out: Vec<(String, Vec<u32>)> = by_words
            .into_values()
            .map(|rows| {
                let mut best: (usize, &str) = (0, "");
                for r in &rows {
                    let s = values[*r];
                    let n = rows.iter().filter(|x| values[**x] == s).count();
                    if n > best.0 {
                        best = (n, s);
                    }
                }
                (
                    best.1.to_string(),
                    rows.into_iter().map(crate::rules::plan::row_id).collect(),
                )
            })
            .collect();
        out.sort();
        out
    }

    #[test]
    fn a_column_of_too_many_values_to_number_groups_alike() {
        // Past the numbered columns' limit: ids, a few repeated in other spellings.
        let values: Vec<String> = (0..5000)
            .map(|i| match i % 7 {
                0 => format!("L-{}", i / 2),
                3 => format!("l {}", i / 2),
                _ => format!("L-{i}"),
            })
            .collect();
        let col = text_column(&values.iter().map(String::as_str).collect::<Vec<_>>());
        assert!(col.codes().is_none());
        let rows: Vec<u32> = (0..crate::rules::plan::row_id(values.len())).collect();
        let got = groups(&col, &rows);
        assert!(got.len() < values.len());
        assert_eq!(got, expected(&col, &rows));
    }

    /// The groups as (key, rows) in their order, numbered one way or the other.
    fn groups_via(col: &Column, rows: &[u32], sorting: bool) -> Vec<(String, Vec<u32>)> {
        let words = col.ty == FieldType::Text;
        let (group_of, count) = if sorting {
            number_sorted(col, rows, words)
        } else {
            number_hashed(col, rows, false)
        };
        let g = Grouping::lay_out(col, rows, false, &group_of, count);
        (0..g.len())
            .map(|i| (g.key(col, i).into_owned(), g.rows(i).to_vec()))
            .collect()
    }

    #[test]
    fn sorted_ids_are_groups_of_one_row_each() {
        let values: Vec<String> = (0..6000).map(|i| format!("L-{i:07}")).collect();
        let col = text_column(&values.iter().map(String::as_str).collect::<Vec<_>>());
        let rows: Vec<u32> = (0..crate::rules::plan::row_id(values.len())).rev().step_by(2).collect();
        let g = Grouping::build(&col, &rows, false);
        assert!(g.starts.is_none());
        let got: Vec<(String, Vec<u32>)> = (0..g.len())
            .map(|i| (g.key(&col, i).into_owned(), g.rows(i).to_vec()))
            .collect();
        assert_eq!(got.len(), 3000);
        assert_eq!(got[0], (values[5999].clone(), vec![5999]));
        assert_eq!(got, groups_via(&col, &rows, false));
    }

    proptest::proptest! {
        /// Sorting the keys or hashing them, the same groups in the same
        /// order, named alike (numbered columns, and not, and sorted input).
        #[test]
        fn sorting_groups_as_hashing_does(
            values in proptest::collection::vec("[aAbB -]{0,3}", 0..80),
            sorted in proptest::bool::ANY,
            ids in proptest::bool::ANY,
        ) {
            let mut values = values;
            if ids {
                // Too many values to number: the column's own texts.
                values.extend((0..4100).map(|i| format!("x{}", i % 4099)));
            }
            if sorted {
                values.sort();
            }
            let col = text_column(&values.iter().map(String::as_str).collect::<Vec<_>>());
            let rows: Vec<u32> = (0..crate::rules::plan::row_id(values.len())).collect();
            let hashed = groups_via(&col, &rows, false);
            proptest::prop_assert_eq!(groups_via(&col, &rows, true), hashed.clone());
            let mut built: Vec<(String, Vec<u32>)> = {
                let g = Grouping::build(&col, &rows, false);
                (0..g.len()).map(|i| (g.key(&col, i).into_owned(), g.rows(i).to_vec())).collect()
            };
            proptest::prop_assert_eq!(&built, &hashed);
            built.sort();
            proptest::prop_assert_eq!(built, expected(&col, &rows));
        }

        /// As the direct computation (a column of few values is numbered).
        #[test]
        fn groups_as_a_map_of_words_does(values in proptest::collection::vec("[aAbB -]{0,3}", 0..40)) {
            let col = text_column(&values.iter().map(String::as_str).collect::<Vec<_>>());
            let rows: Vec<u32> = (0..crate::rules::plan::row_id(values.len())).collect();
            proptest::prop_assert_eq!(groups(&col, &rows), expected(&col, &rows));
        }
    }
}
