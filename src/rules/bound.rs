//! A condition bound to one dataset for a pass over its rows: columns are
//! looked up once (not by name on every row), the period becomes day
//! numbers, and `in:` lists become hashed sets, so a condition costs a few
//! comparisons per row over a million rows.

use super::condition::{Cmp, ParamOr, Period};
use super::filter::Wanted;
use super::pattern::Pattern;
use super::plan::expr::{Expr, Val};
use super::select::Mask;
use super::vocab::{TextSet, Vocabulary, with_normalized};
use crate::bundle::{CodeRows, Column, ColumnData, Dataset};
use crate::value::FieldType;
use chrono::{Datelike, NaiveDate};
use std::cell::RefCell;
use std::collections::HashMap;
use std::collections::HashSet;
use std::sync::Arc;

mod bind;
#[cfg(test)]
mod tests;

/// Distinct texts whose `matches:` answer a pass remembers.
const MAX_REMEMBERED: usize = 10_000;

pub enum Bound<'a> {
    /// With the answers for text already seen: exports repeat a few values
    /// (sources, stages) over a million rows.
    Matches(
        Option<&'a Column>,
        Pattern,
        RefCell<HashMap<&'a str, bool, foldhash::fast::RandomState>>,
    ),
    OneOf(Option<&'a Column>, Wanted),
    Compare(Option<&'a Column>, Cmp, f64),
    Present(Option<&'a Column>),
    /// The column and the period as day numbers.
    InPeriod(Option<&'a Column>, i32, i32),
    /// A vocabulary, with the answers for text already seen.
    Vocab(
        Option<&'a Column>,
        Arc<Vocabulary>,
        RefCell<HashMap<&'a str, bool, foldhash::fast::RandomState>>,
    ),
    Mentions(
        Option<&'a Column>,
        Pattern,
        RefCell<HashMap<&'a str, bool, foldhash::fast::RandomState>>,
    ),
    /// The rows a semi-join keeps, known when it was built (a bit per row
    /// of the dataset).
    RowsIn(Arc<Mask>),
    /// Normalised values to find (a semi-join). Not remembered by text, as
    /// the other text tests are: a semi-join's column that is not numbered
    /// holds ids, nearly all distinct, and normalising and looking one up
    /// costs what remembering it would (COMP-007 over 96,000 lead links).
    InSet(Option<&'a Column>, Arc<TextSet>),
    /// Month labels (`2025-03`) a date's month must be one of.
    InMonths(Option<&'a Column>, HashSet<String>),
    /// Earlier dates (sorted day numbers) and the most days since the latest of them.
    Follows(Option<&'a Column>, Vec<i32>, Option<f64>),
    /// A number or date against a constant (days for dates).
    VersusConst(Option<&'a Column>, Cmp, f64),
    VersusField(Option<&'a Column>, Cmp, Option<&'a Column>),
    /// A test answered once per value of a numbered column (see
    /// [`crate::bundle::Codes`]): each row's value number, and the answers.
    Coded(&'a CodeRows, Vec<bool>),
    /// A one-of test on a true/false column, answered for false, true and
    /// missing (stored 0, 1 and 2): formatting each cell as text to compare
    /// it cost an allocation per row.
    Flags(&'a [u8], [bool; 3]),
    Never,
    All(Vec<Bound<'a>>),
    Any(Vec<Bound<'a>>),
    Not(Box<Bound<'a>>),
}

/// What a condition needs besides its dataset when it is bound for a pass.
pub trait BindEnv {
    fn period(&self) -> Period;
    fn vocabulary(&self, name: &str) -> Option<Arc<Vocabulary>>;
    /// Normalised values of `fields` in a row set of the plan or a dataset,
    /// as `probe` (the field of the rows being tested) will look them up:
    /// the set may leave out values no tested row names.
    fn values_of(&self, from: &str, fields: &[String], probe: &str) -> Arc<TextSet>;
    /// The rows being tested whose `probe` field is among those values, when
    /// they are known without testing row by row (see the plan's semi-joins).
    fn rows_in(&self, _from: &str, _fields: &[String], _probe: &str) -> Option<Arc<Mask>> {
        None
    }
    fn value(&self, e: &Expr) -> Val;
    /// The keys of a key set of the plan (`in_keys`); none outside a plan.
    fn keys_of(&self, _name: &str) -> HashSet<String> {
        HashSet::new()
    }
    /// The day numbers of a date field in a row set of the plan, sorted (`follows`).
    fn dates_of(&self, _from: &str, _field: &str) -> Vec<i32> {
        Vec::new()
    }
    /// A param's value in this run (a plan's conditions bind theirs here).
    fn param_value(&self, _name: &str) -> crate::value::Value {
        crate::value::Value::Null
    }
}

/// A param's pattern as a regex: compiled once per distinct pattern, as
/// the audits of a portfolio bind the same values again and again. None for
/// an invalid one (`Plan::check_params` reports it before the run).
pub fn param_regex(pattern: &str) -> Option<Pattern> {
    static CACHE: std::sync::LazyLock<std::sync::Mutex<HashMap<String, Option<Pattern>>>> =
        std::sync::LazyLock::new(Default::default);
    let cache = || CACHE.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(compiled) = cache().get(pattern) {
        return compiled.clone();
    }
    // Compiled outside the lock: the rules of a pack load in parallel, and
    // a pattern takes up to a millisecond (two threads may both compile a
    // new one; the first kept is as good as the second).
    let compiled = Pattern::new(pattern).ok();
    let mut cache = cache();
    if cache.len() > 1_000 {
        cache.clear();
    }
    cache.entry(pattern.to_string()).or_insert(compiled).clone()
}

/// A pattern compiled through the cache of [`param_regex`], or why it is
/// not a regex (compiled again only then, for the message): a rule checks
/// its patterns when it loads and binds the same ones when it runs.
pub fn checked_regex(pattern: &str) -> Result<Pattern, regex::Error> {
    param_regex(pattern).map_or_else(|| Pattern::new(pattern), Ok)
}

impl<T> ParamOr<T> {
    /// The value in force: written in the rule, or the param's in `env`.
    pub(crate) fn resolve(&self, env: &dyn BindEnv, from_param: impl Fn(&crate::value::Value) -> Option<T>) -> Option<T>
    where
        T: Clone,
    {
        match self {
            ParamOr::Fixed(v) => Some(v.clone()),
            ParamOr::Param(name) => from_param(&env.param_value(name)),
        }
    }
}

/// Where a bound condition finds its columns by name.
pub trait Columns<'a> {
    fn column(&self, field: &str) -> Option<&'a Column>;
}

impl<'a> Columns<'a> for &'a Dataset {
    fn column(&self, field: &str) -> Option<&'a Column> {
        Dataset::column(self, field)
    }
}

/// Outside a plan: the period, the audit date and nothing else.
pub struct PeriodEnv(pub Period, pub NaiveDate);

impl BindEnv for PeriodEnv {
    fn period(&self) -> Period {
        self.0
    }
    fn vocabulary(&self, _: &str) -> Option<Arc<Vocabulary>> {
        None
    }
    fn values_of(&self, _: &str, _: &[String], _: &str) -> Arc<TextSet> {
        Arc::default()
    }
    fn value(&self, e: &Expr) -> Val {
        struct Dates(Period, NaiveDate);
        impl super::plan::expr::Env for Dates {
            fn name(&self, name: &str) -> Val {
                super::plan::builtin_date(name, &self.0, self.1).unwrap_or(Val::Null)
            }
            fn param(&self, _: &str) -> Val {
                Val::Null
            }
            fn has(&self, _: &str) -> bool {
                false
            }
        }
        e.eval(&Dates(self.0, self.1))
    }
}

/// A cell as a number to compare: dates as day numbers.
fn comparable(col: Option<&Column>, row: usize) -> Option<f64> {
    let c = col?;
    if c.ty == FieldType::Date {
        c.days(row).map(f64::from)
    } else {
        c.number(row)
    }
}

/// False for NaN, as a missing cell (the filters a column at a time,
/// `select.rs`, compare with this too).
#[inline]
pub(crate) fn compare(n: f64, cmp: Cmp, value: f64) -> bool {
    match cmp {
        Cmp::Gt => n > value,
        Cmp::Gte => n >= value,
        Cmp::Lt => n < value,
        Cmp::Lte => n <= value,
    }
}

/// Whether any text of the cell passes `test`, remembering answers by text.
fn remembered<'a>(
    col: Option<&'a Column>,
    row: usize,
    seen: &RefCell<HashMap<&'a str, bool, foldhash::fast::RandomState>>,
    test: impl Fn(&str) -> bool,
) -> bool {
    let Some(c) = col else { return false };
    if c.ty != FieldType::Text {
        return c.any_text(row, test);
    }
    let Some(text) = c.text(row).filter(|t| !t.is_empty()) else {
        return false;
    };
    if let Some(answer) = seen.borrow().get(text) {
        return *answer;
    }
    let answer = test(text);
    let mut seen = seen.borrow_mut();
    if seen.len() < MAX_REMEMBERED {
        seen.insert(text, answer);
    }
    answer
}

/// Text with `_`, `-`, `/` and camelCase boundaries read as spaces, case kept
/// (a `(?i)` pattern decides about case).
pub fn plain_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 4);
    let mut prev: Option<char> = None;
    for c in text.chars() {
        match c {
            '_' | '-' | '/' => out.push(' '),
            c if c.is_uppercase() && prev.is_some_and(char::is_lowercase) => {
                out.push(' ');
                out.push(c);
            }
            c => out.push(c),
        }
        prev = Some(c);
    }
    out
}

impl<'a> Bound<'a> {
    /// The same test answered once where that is enough: per value when
    /// its column is numbered (each answer what [`Bound::eval`] gives a row
    /// holding that value; an empty text is a missing cell), and never when
    /// it tests a text or date of a field the data lacks.
    fn coded(self) -> Self {
        let answers = |col: &'a Column, test: &dyn Fn(&str) -> bool| {
            let codes = col.codes()?;
            Some(Bound::Coded(
                &codes.of_row,
                codes.texts.iter().map(|t| test(t)).collect(),
            ))
        };
        // A text or date test of a field the data lacks holds for no row
        // (as `eval` answers it): said once, not asked of each of a million
        // rows (an opportunities export without `type`, for ACCT-004).
        if matches!(
            &self,
            Bound::Vocab(None, ..)
                | Bound::Mentions(None, ..)
                | Bound::Matches(None, ..)
                | Bound::InSet(None, _)
                | Bound::InMonths(None, _)
                | Bound::Follows(None, ..)
        ) {
            return Bound::Never;
        }
        let coded = match &self {
            Bound::Vocab(Some(c), vocab, _) => answers(c, &|t| !t.is_empty() && vocab.contains(t)),
            Bound::Mentions(Some(c), regex, _) => answers(c, &|t| !t.is_empty() && regex.is_match(&plain_text(t))),
            Bound::InSet(Some(c), set) => answers(c, &|t| {
                !set.is_empty() && !t.is_empty() && with_normalized(t, |n| set.contains(n))
            }),
            Bound::Matches(Some(c), regex, _) => answers(c, &|t| !t.is_empty() && regex.is_match(t)),
            Bound::OneOf(Some(c), wanted) => match &c.data {
                // As `Wanted::matches` reads a cell: missing, or its value as text.
                ColumnData::Bool(flags) if c.ty == FieldType::Bool => Some(Bound::Flags(
                    flags,
                    [0u8, 1, 2].map(|s| match s {
                        2 => wanted.missing,
                        _ => wanted.matches_text(&crate::value::Value::Bool(s == 1).to_text()),
                    }),
                )),
                _ => answers(c, &|t| wanted.matches_text(t)),
            },
            _ => None,
        };
        coded.unwrap_or(self)
    }

    pub fn eval(&self, row: usize) -> bool {
        match self {
            Bound::Never => false,
            Bound::Flags(flags, answers) => flags.get(row).is_some_and(|s| answers[usize::from((*s).min(2))]),
            Bound::Coded(of_row, answers) => of_row
                .get(row)
                .is_some_and(|c| answers.get(c).copied().unwrap_or(false)),
            Bound::Vocab(col, vocab, seen) => remembered(*col, row, seen, |t| vocab.contains(t)),
            Bound::Mentions(col, regex, seen) => remembered(*col, row, seen, |t| regex.is_match(&plain_text(t))),
            Bound::RowsIn(rows) => u32::try_from(row).is_ok_and(|r| rows.contains(r)),
            Bound::InSet(col, set) => {
                !set.is_empty() && col.is_some_and(|c| c.any_text(row, |t| with_normalized(t, |n| set.contains(n))))
            }
            Bound::InMonths(col, set) => col
                .and_then(|c| c.days(row))
                .and_then(crate::bundle::days_to_date)
                .is_some_and(|d| set.contains(&format!("{:04}-{:02}", d.year(), d.month()))),
            Bound::Follows(col, dates, within) => {
                let Some(d) = col.and_then(|c| c.days(row)) else {
                    return false;
                };
                let earlier = dates.partition_point(|p| *p < d);
                earlier > 0 && within.is_none_or(|n| f64::from(d - dates[earlier - 1]) < n)
            }
            Bound::VersusConst(col, cmp, value) => comparable(*col, row).is_some_and(|n| compare(n, *cmp, *value)),
            Bound::VersusField(col, cmp, other) => match (comparable(*col, row), comparable(*other, row)) {
                (Some(a), Some(b)) => compare(a, *cmp, b),
                _ => false,
            },
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
