//! A bound condition answered for a whole row set at once, a column at a
//! time: each test is one tight loop over its column's typed vector (day
//! numbers, numbers, flags, value numbers), and `all`/`any`/`not` combine
//! the rows they select as bitmaps. Testing a million rows one by one walked
//! the condition's tree and matched each column's type for every row.
//!
//! The rows selected are exactly those [`Bound::eval`] accepts (a property
//! test below checks it): a test with no loop of its own here asks `eval`,
//! row by row, for the rows still selected.

use super::bound::{Bound, compare};
use super::condition::Cmp;
use crate::bundle::{CodeRows, Column, ColumnData, Days, Figures, MISSING_DAY_OFFSET, NULL_DATE};
use crate::value::FieldType;

/// A selection of rows `0..n` of a dataset, a bit per row (a million rows
/// are 125 KB). Bits at or past `n` are never set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Mask {
    words: Vec<u64>,
}

impl Mask {
    /// Every row of `0..n`.
    pub fn all(n: usize) -> Self {
        let mut words = vec![u64::MAX; n.div_ceil(64)];
        if let Some(last) = words.last_mut()
            && !n.is_multiple_of(64)
        {
            *last = (1u64 << (n % 64)) - 1;
        }
        Mask { words }
    }

    /// `rows` (each below `n`) of `0..n`.
    pub fn of_rows(n: usize, rows: &[u32]) -> Self {
        let mut mask = Mask::none(n.div_ceil(64));
        // The rows of one word gathered before it is stored: rows come in
        // order, most words hold several.
        let (mut at, mut bits) = (0usize, 0u64);
        for &r in rows {
            let word = (r / 64) as usize;
            if word != at {
                mask.words[at] |= bits;
                (at, bits) = (word, 0);
            }
            bits |= 1 << (r % 64);
        }
        if let Some(last) = mask.words.get_mut(at) {
            *last |= bits;
        }
        mask
    }

    /// Whether row `r` is selected.
    pub fn contains(&self, r: u32) -> bool {
        self.words
            .get((r / 64) as usize)
            .is_some_and(|w| w & (1 << (r % 64)) != 0)
    }

    fn none(words: usize) -> Self {
        Mask { words: vec![0; words] }
    }

    fn is_empty(&self) -> bool {
        self.words.iter().all(|w| *w == 0)
    }

    /// The rows selected, in order.
    pub fn rows(&self) -> Vec<u32> {
        let count = self.words.iter().map(|w| w.count_ones() as usize).sum();
        let mut out = Vec::with_capacity(count);
        for (i, &word) in (0u32..).zip(&self.words) {
            // A word of every row (a filter most rows pass) as a range.
            if word == u64::MAX {
                out.extend(i * 64..i * 64 + 64);
                continue;
            }
            let mut w = word;
            while w != 0 {
                out.push(i * 64 + w.trailing_zeros());
                w &= w - 1;
            }
        }
        out
    }

    /// [`Mask::keep`] for a test of a row's value in `values` (a row past
    /// them fails): a word of 64 selected rows reads its 64 values as one
    /// slice, with no index check per row.
    #[inline]
    fn keep_by<T: Copy>(&self, values: &[T], test: impl Fn(T) -> bool) -> Mask {
        let mut out = Mask::none(self.words.len());
        for (i, (&word, kept)) in self.words.iter().zip(&mut out.words).enumerate() {
            let base = i * 64;
            *kept = match values.get(base..base + 64) {
                Some(chunk) if word == u64::MAX => chunk
                    .iter()
                    .enumerate()
                    .fold(0u64, |bits, (b, v)| bits | (u64::from(test(*v)) << b)),
                _ => selected(word, base, |r| values.get(r).is_some_and(|v| test(*v))),
            };
        }
        out
    }

    /// [`Mask::keep_by`] over a numbered column's value numbers, in either width.
    fn keep_coded(&self, of_row: &CodeRows, test: impl Fn(usize) -> bool) -> Mask {
        match of_row {
            CodeRows::One(v) => self.keep_by(v, |c| test(usize::from(c))),
            CodeRows::Two(v) => self.keep_by(v, |c| test(usize::from(c))),
        }
    }

    /// The rows of this selection that pass `test`. A word whose 64 rows are
    /// all selected is tested without a branch per row; elsewhere only the
    /// selected rows are tested ([`selected`]).
    fn keep(&self, test: impl Fn(usize) -> bool) -> Mask {
        let mut out = Mask::none(self.words.len());
        for (i, (&word, kept)) in self.words.iter().zip(&mut out.words).enumerate() {
            let base = i * 64;
            *kept = if word == u64::MAX {
                (0..64).fold(0u64, |bits, b| bits | (u64::from(test(base + b)) << b))
            } else {
                selected(word, base, &test)
            };
        }
        out
    }
}

/// The rows of `word` (rows `base..base + 64`, a bit each) that pass `test`,
/// only the selected ones tested, their answers set without a branch (a
/// test's answer follows no pattern a processor could predict).
#[inline(always)]
fn selected(word: u64, base: usize, test: impl Fn(usize) -> bool) -> u64 {
    let (mut w, mut bits) = (word, 0u64);
    while w != 0 {
        let b = w.trailing_zeros() as usize;
        bits |= u64::from(test(base + b)) << b;
        w &= w - 1;
    }
    bits
}

/// A column read as numbers to compare: numbers, true/false as 1/0, or day
/// numbers (as [`Bound::eval`] reads each kind of cell).
enum Numbers<'a> {
    Num(&'a Figures),
    Flag(&'a [u8]),
    Days(&'a Days),
    Nothing,
}

impl<'a> Numbers<'a> {
    /// As `Column::number` reads a cell.
    fn number(col: Option<&'a Column>) -> Self {
        match col.map(|c| &c.data) {
            Some(ColumnData::Number(v)) => Numbers::Num(v),
            Some(ColumnData::Bool(v)) => Numbers::Flag(v),
            _ => Numbers::Nothing,
        }
    }

    /// Dates as day numbers, the rest as numbers.
    fn comparable(col: Option<&'a Column>) -> Self {
        match col {
            Some(c) if c.ty == FieldType::Date => match &c.data {
                ColumnData::Date(v) => Numbers::Days(v),
                _ => Numbers::Nothing,
            },
            _ => Numbers::number(col),
        }
    }

    #[inline]
    fn get(&self, r: usize) -> Option<f64> {
        match self {
            Numbers::Num(v) => v.known(r),
            Numbers::Flag(v) => v.get(r).copied().filter(|b| *b < 2).map(f64::from),
            Numbers::Days(v) => v.known(r).map(f64::from),
            Numbers::Nothing => None,
        }
    }

    /// The rows of `input` whose number passes `cmp value`: a loop per kind of column.
    fn compared(&self, input: &Mask, cmp: Cmp, value: f64) -> Mask {
        match self {
            Numbers::Num(v) => input.keep(|r| v.known(r).is_some_and(|n| compare(n, cmp, value))),
            Numbers::Flag(v) => input.keep(|r| v.get(r).is_some_and(|b| *b < 2 && compare(f64::from(*b), cmp, value))),
            Numbers::Days(v) => {
                let (lo, hi) = day_range(cmp, value);
                dated_within(input, v, lo, hi)
            }
            Numbers::Nothing => Mask::none(input.words.len()),
        }
    }
}

/// The rows of `input` whose cell is not missing.
fn present(input: &Mask, col: Option<&Column>) -> Mask {
    let Some(col) = col else {
        return Mask::none(input.words.len());
    };
    match &col.data {
        // A word of rows at a time from the cells' ends, row by row past the last.
        ColumnData::Text { ends, .. } => Mask {
            words: (input.words.iter().enumerate())
                .map(|(i, &word)| match ends.filled_word(i * 64) {
                    Some(filled) => word & filled,
                    None => selected(word, i * 64, |r| !ends.is_empty_at(r)),
                })
                .collect(),
        },
        ColumnData::Coded(c) => {
            // A value is present when its text is not empty: answered once per value.
            let filled: Vec<bool> = c.texts.iter().map(|t| !t.is_empty()).collect();
            input.keep_coded(&c.of_row, |k| filled.get(k).copied().unwrap_or(false))
        }
        ColumnData::Number(Figures::Wide(v)) => input.keep_by(v, |n| !n.is_nan()),
        ColumnData::Number(Figures::Whole(v)) => input.keep_by(v, |n| Figures::known_whole(n).is_some()),
        ColumnData::Date(v) => dated_within(input, v, i64::MIN, i64::MAX),
        ColumnData::Bool(v) => input.keep_by(v, |b| b < 2),
    }
}

/// The rows of `input` with a date within `lo..=hi` (day numbers). The
/// column's form is matched once, not for every row: a date filter tests a
/// million rows at a time.
fn dated_within(input: &Mask, days: &Days, lo: i64, hi: i64) -> Mask {
    match days {
        Days::Wide(v) => input.keep_by(v, |d| d != NULL_DATE && lo <= i64::from(d) && i64::from(d) <= hi),
        Days::Narrow { base, offsets } => {
            // A day is `base + offset`: the range moved to offsets instead.
            let (lo, hi) = (lo.saturating_sub(i64::from(*base)), hi.saturating_sub(i64::from(*base)));
            input.keep_by(offsets, |o| {
                o != MISSING_DAY_OFFSET && lo <= i64::from(o) && i64::from(o) <= hi
            })
        }
    }
}

/// The whole day numbers `d` for which `d cmp value` holds, as an inclusive
/// range (empty, `lo > hi`, when none does: a NaN value).
fn day_range(cmp: Cmp, value: f64) -> (i64, i64) {
    if value.is_nan() {
        return (1, 0);
    }
    let (min, max) = (i64::from(i32::MIN), i64::from(i32::MAX));
    // Beyond every day number, infinities included, a bound is one past the ends.
    let v = value.clamp(min as f64 - 1.0, max as f64 + 1.0);
    match cmp {
        Cmp::Gt => (v.floor() as i64 + 1, max),
        Cmp::Gte => (v.ceil() as i64, max),
        Cmp::Lt => (min, v.ceil() as i64 - 1),
        Cmp::Lte => (min, v.floor() as i64),
    }
}

impl Bound<'_> {
    /// The rows of `input` this condition accepts (see the module's doc).
    pub(crate) fn select(&self, input: &Mask) -> Mask {
        let none = || Mask::none(input.words.len());
        match self {
            Bound::Never => none(),
            Bound::RowsIn(rows) => Mask {
                words: input.words.iter().zip(&rows.words).map(|(i, r)| i & r).collect(),
            },
            Bound::Flags(flags, answers) => input.keep_by(flags, |s| answers[usize::from(s.min(2))]),
            Bound::Coded(of_row, answers) => input.keep_coded(of_row, |c| answers.get(c).copied().unwrap_or(false)),
            Bound::Present(col) => present(input, *col),
            // A semi-join with nothing to find (its set side lacks the field).
            Bound::InSet(_, set) if set.is_empty() => none(),
            Bound::InPeriod(col, start, end) => match col.map(|c| &c.data) {
                Some(ColumnData::Date(v)) => dated_within(input, v, i64::from(*start), i64::from(*end)),
                _ => none(),
            },
            Bound::Compare(col, cmp, value) => Numbers::number(*col).compared(input, *cmp, *value),
            Bound::VersusConst(col, cmp, value) => Numbers::comparable(*col).compared(input, *cmp, *value),
            Bound::VersusField(col, cmp, other) => {
                let (a, b) = (Numbers::comparable(*col), Numbers::comparable(*other));
                input.keep(|r| match (a.get(r), b.get(r)) {
                    (Some(x), Some(y)) => compare(x, *cmp, y),
                    _ => false,
                })
            }
            // Each test is asked only for the rows the earlier ones kept.
            Bound::All(list) => {
                let mut kept = input.clone();
                for c in list {
                    if kept.is_empty() {
                        break;
                    }
                    kept = c.select(&kept);
                }
                kept
            }
            // Each test is asked only for the rows no earlier one took.
            Bound::Any(list) => {
                let mut taken = none();
                let mut rest = input.clone();
                for c in list {
                    if rest.is_empty() {
                        break;
                    }
                    let hit = c.select(&rest);
                    for ((t, r), h) in taken.words.iter_mut().zip(&mut rest.words).zip(&hit.words) {
                        *t |= h;
                        *r &= !h;
                    }
                }
                taken
            }
            Bound::Not(c) => {
                let hit = c.select(input);
                Mask {
                    words: input.words.iter().zip(&hit.words).map(|(i, h)| i & !h).collect(),
                }
            }
            // Text tests remember their answer per text; lists, sets of
            // months and earlier dates are tested cell by cell.
            Bound::Vocab(..)
            | Bound::Mentions(..)
            | Bound::InSet(..)
            | Bound::InMonths(..)
            | Bound::Follows(..)
            | Bound::OneOf(..)
            | Bound::Matches(..) => input.keep(|r| self.eval(r)),
        }
    }

    /// The rows of `of` (ascending, each below `n`; every row of `0..n`
    /// when None) this condition accepts, in order.
    pub(crate) fn select_rows(&self, n: usize, of: Option<&[u32]>) -> Vec<u32> {
        match of {
            None => self.select(&Mask::all(n)).rows(),
            Some(rows) if rows.windows(2).all(|w| w[0] < w[1]) && rows.last().is_none_or(|r| (*r as usize) < n) => {
                self.select(&Mask::of_rows(n, rows)).rows()
            }
            // Not a row set in dataset order: tested one by one, order kept.
            Some(rows) => rows.iter().copied().filter(|r| self.eval(*r as usize)).collect(),
        }
    }
}

#[cfg(test)]
mod tests;
