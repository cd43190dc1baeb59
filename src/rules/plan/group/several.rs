//! Groups by several fields together (`by: [opportunity_id, model]`): each
//! field's values are numbered as a one-field grouping numbers them, and
//! the numbers are then paired, so no key text is joined per row.

use super::super::keysort::{NONE, SORT_FROM};
use super::{Grouping, number_hashed, number_sorted};
use crate::bundle::{Codes, Column};
use crate::rules::vocab::{TextSet, normalize_into};
use crate::value::FieldType;
use std::collections::HashMap;

impl Grouping {
    /// `rows` grouped by the values of `cols` together, in order (None: a
    /// field the export lacks, empty in every row). A row is in a group
    /// when its first field has a value; an empty later field is a value
    /// of its own (a deal's credits under no model are one group).
    pub fn build_by(cols: &[Option<&Column>], rows: &[u32]) -> Grouping {
        let (first, later) = match cols {
            [Some(first)] => return Self::build(first, rows, false),
            [Some(first), later @ ..] => (first, later),
            _ => return Self::lay_out(cols, &[], false, &[], 0),
        };
        // Numbered in order of first appearance by the pairing.
        let (mut group_of, mut count) = (numbers(first, rows), 0);
        for col in later {
            let part = match col {
                Some(c) => numbers(c, rows),
                None => vec![NONE; rows.len()],
            };
            (group_of, count) = pair(&group_of, &part);
        }
        Self::lay_out(cols, rows, false, &group_of, count)
    }
}

/// Each row's number for its value of `col` (NONE when empty): equal
/// numbers for values that read alike, in no particular order.
fn numbers(col: &Column, rows: &[u32]) -> Vec<u32> {
    let words = col.ty == FieldType::Text;
    if let Some(codes) = col.codes().filter(|_| words) {
        return code_numbers(codes, rows);
    }
    if rows.len() < SORT_FROM || rows.len() >= NONE as usize {
        number_hashed(col, rows, false).0
    } else {
        number_sorted(col, rows, words).0
    }
}

/// [`numbers`] of a numbered column: each value normalised once.
fn code_numbers(codes: &Codes, rows: &[u32]) -> Vec<u32> {
    let mut index = TextSet::default();
    let mut buf = String::new();
    let number_of_code: Vec<u32> = codes
        .texts
        .iter()
        .map(|text| {
            if text.is_empty() {
                return NONE;
            }
            normalize_into(text, &mut buf);
            index.number(&buf).0
        })
        .collect();
    rows.iter()
        .map(|r| number_of_code[codes.of_row.at(*r as usize)])
        .collect()
}

/// Numbers the pairs (a row's group so far, its next field's number) in
/// order of first appearance; a row in no group stays in none.
fn pair(so_far: &[u32], next: &[u32]) -> (Vec<u32>, usize) {
    let mut index: HashMap<u64, u32, foldhash::fast::RandomState> = HashMap::default();
    // The row before's pair and number: rows of one group often come together.
    let mut previous = (NONE, NONE, NONE);
    let paired = so_far
        .iter()
        .zip(next)
        .map(|(&a, &b)| {
            if a == NONE {
                return NONE;
            }
            if (a, b) == (previous.0, previous.1) {
                return previous.2;
            }
            let n = index.len() as u32;
            let number = *index.entry((u64::from(a) << 32) | u64::from(b)).or_insert(n);
            previous = (a, b, number);
            number
        })
        .collect();
    (paired, index.len())
}
