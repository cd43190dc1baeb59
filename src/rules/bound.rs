//! A condition bound to one dataset for a pass over its rows: columns are
//! looked up once (not by name on every row), the period becomes day
//! numbers, and `in:` lists become hashed sets, so a condition costs a few
//! comparisons per row over a million rows.

use super::condition::{Cmp, Condition, Period};
use super::filter::Wanted;
use crate::bundle::{Column, Dataset};
use regex::Regex;

pub enum Bound<'a> {
    Matches(Option<&'a Column>, &'a Regex),
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
            Condition::Matches { field, regex } => Bound::Matches(ds.column(field), regex),
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
            Bound::Matches(col, regex) => col.is_some_and(|c| c.any_text(row, |t| regex.is_match(t))),
        }
    }
}
