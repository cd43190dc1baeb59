//! A condition bound to one dataset for a pass over its rows: columns are
//! looked up once (not by name on every row), the period becomes day
//! numbers, and `in:` lists become hashed sets, so a condition costs a few
//! comparisons per row over a million rows.

use super::condition::{Cmp, Condition, Period};
use super::filter::Wanted;
use crate::bundle::{Column, Dataset};
use crate::value::FieldType;
use regex::Regex;
use std::cell::RefCell;
use std::collections::HashMap;

/// Distinct texts whose `matches:` answer a pass remembers.
const MAX_REMEMBERED: usize = 10_000;

pub enum Bound<'a> {
    /// With the answers for text already seen: exports repeat a few values
    /// (sources, stages) over a million rows.
    Matches(
        Option<&'a Column>,
        &'a Regex,
        RefCell<HashMap<&'a str, bool, foldhash::fast::RandomState>>,
    ),
    OneOf(Option<&'a Column>, Wanted),
    Compare(Option<&'a Column>, Cmp, f64),
    Present(Option<&'a Column>),
    /// The column and the period as day numbers.
    InPeriod(Option<&'a Column>, i32, i32),
    All(Vec<Bound<'a>>),
    Any(Vec<Bound<'a>>),
    Not(Box<Bound<'a>>),
}

impl Condition {
    pub fn bind<'a>(&'a self, ds: &'a Dataset, period: &Period) -> Bound<'a> {
        let bind_all = |list: &'a [Condition]| list.iter().map(|c| c.bind(ds, period)).collect();
        match self {
            Condition::Matches { field, regex } => Bound::Matches(ds.column(field), regex, RefCell::default()),
            Condition::OneOf { field, values } => Bound::OneOf(
                ds.column(field),
                Wanted::new(values.iter().cloned().map(Some).collect()),
            ),
            Condition::Compare { field, cmp, value } => Bound::Compare(ds.column(field), *cmp, *value),
            Condition::Present { field } => Bound::Present(ds.column(field)),
            Condition::InPeriod { field } => Bound::InPeriod(
                ds.column(field),
                crate::bundle::date_to_days(period.start),
                crate::bundle::date_to_days(period.end),
            ),
            Condition::All(list) => Bound::All(bind_all(list)),
            Condition::Any(list) => Bound::Any(bind_all(list)),
            Condition::Not(c) => Bound::Not(Box::new(c.bind(ds, period))),
        }
    }
}

impl Bound<'_> {
    pub fn eval(&self, row: usize) -> bool {
        match self {
            Bound::All(list) => list.iter().all(|c| c.eval(row)),
            Bound::Any(list) => list.iter().any(|c| c.eval(row)),
            Bound::Not(c) => !c.eval(row),
            Bound::Present(col) => col.is_some_and(|c| !c.is_null(row)),
            Bound::InPeriod(col, start, end) => col.and_then(|c| c.days(row)).is_some_and(|d| *start <= d && d <= *end),
            Bound::Compare(col, cmp, value) => col.and_then(|c| c.number(row)).is_some_and(|n| match cmp {
                Cmp::Gt => n > *value,
                Cmp::Gte => n >= *value,
                Cmp::Lt => n < *value,
                Cmp::Lte => n <= *value,
            }),
            // A missing column or cell is in no list (the set has no `()`).
            Bound::OneOf(col, wanted) => wanted.matches(*col, row),
            Bound::Matches(Some(c), regex, seen) if c.ty == FieldType::Text => {
                let Some(text) = c.text(row).filter(|t| !t.is_empty()) else {
                    return false;
                };
                if let Some(answer) = seen.borrow().get(text) {
                    return *answer;
                }
                let answer = regex.is_match(text);
                let mut seen = seen.borrow_mut();
                if seen.len() < MAX_REMEMBERED {
                    seen.insert(text, answer);
                }
                answer
            }
            Bound::Matches(col, regex, _) => col.is_some_and(|c| c.any_text(row, |t| regex.is_match(t))),
        }
    }
}
