//! A typed column of a dataset: text in one buffer with its cells' ends (or
//! numbered, for few distinct values), numbers and dates as vectors, each
//! kept in its narrowest form once loaded ([`Ends`], [`Days`], [`Figures`],
//! [`super::CodeRows`]); the cell-by-cell reading that fills it is in `push`.

use super::codes::Codes;
use super::days::Days;
use super::ends::Ends;
use super::figures::Figures;
use crate::value::{FieldType, Value, days_to_date};
use chrono::NaiveDate;

mod ordered;
pub use ordered::OrderedIds;
mod push;

/// A typed column. Missing values: empty text, NaN, `i32::MIN`, 2.
#[derive(Debug, Clone)]
pub struct Column {
    pub ty: FieldType,
    pub data: ColumnData,
    /// The values numbered, once a condition asks (see [`Codes`]).
    pub(super) codes: std::sync::OnceLock<Option<Box<Codes>>>,
    /// Whether its texts are ordered ids, once something asks.
    ordered: std::sync::OnceLock<Option<Box<OrderedIds>>>,
}

#[derive(Debug, Clone)]
pub enum ColumnData {
    /// Text and lists (list items joined by U+001F). Empty string = missing.
    Text {
        buf: String,
        ends: Ends,
    },
    /// A text column (not a list) of at most [`codes::MAX_CODES`] distinct
    /// values, stored as its values numbered from the load on (stage,
    /// source, campaign id): one or two bytes a row instead of the text and
    /// its end. Read through the same methods as `Text`.
    Coded(Box<Codes>),
    Number(Figures),
    /// Days since 1970-01-01.
    Date(Days),
    Bool(Vec<u8>),
}

/// The parts' cells of one kind, as slices.
fn slices<T>(parts: &[Column], take: impl Fn(&ColumnData) -> Option<&[T]>) -> Vec<&[T]> {
    parts.iter().filter_map(|p| take(&p.data)).collect()
}

fn append_vecs<T: Copy>(into: &mut Vec<T>, parts: &[Column], take: impl Fn(&ColumnData) -> Option<&[T]>) {
    extend_all(into, &slices(parts, take));
}

/// Appends every part, with room made once for all of them.
pub(super) fn extend_all<T: Copy>(into: &mut Vec<T>, parts: &[&[T]]) {
    into.reserve(parts.iter().map(|p| p.len()).sum());
    for p in parts {
        into.extend_from_slice(p);
    }
}

const LIST_SEP: char = '\u{1f}';
/// The stored day number of a date cell that is empty or not a date.
pub const NULL_DATE: i32 = i32::MIN;

impl Column {
    pub fn new(ty: FieldType) -> Self {
        let data = match ty {
            FieldType::Text | FieldType::List => ColumnData::Text {
                buf: String::new(),
                ends: Ends::default(),
            },
            FieldType::Number | FieldType::Percent => ColumnData::Number(Figures::default()),
            FieldType::Date => ColumnData::Date(Days::default()),
            FieldType::Bool => ColumnData::Bool(Vec::new()),
        };
        Self {
            ty,
            data,
            codes: std::sync::OnceLock::new(),
            ordered: std::sync::OnceLock::new(),
        }
    }

    /// Appends columns of the same type read from later parts of the file.
    /// A text column is numbered as it is joined (see
    /// [`ColumnData::Coded`]) until it has too many values.
    pub fn append_all(&mut self, parts: &[Column]) {
        self.ordered = std::sync::OnceLock::new();
        let fresh_text = self.ty == FieldType::Text && self.is_empty() && matches!(self.data, ColumnData::Text { .. });
        let mut parts = parts;
        if fresh_text || matches!(self.data, ColumnData::Coded(_)) {
            match self.append_coded(parts) {
                Ok(()) => return,
                Err(at) => parts = &parts[at..],
            }
        }
        match &mut self.data {
            ColumnData::Text { buf, ends } => {
                buf.reserve(parts.iter().map(|p| p.text_bytes()).sum());
                if let Ends::Each(v) = ends {
                    v.reserve(parts.iter().map(Column::len).sum());
                }
                for p in parts {
                    match &p.data {
                        ColumnData::Text { buf: b, ends: e } => {
                            let base = u32::try_from(buf.len()).unwrap_or(u32::MAX);
                            buf.push_str(b);
                            ends.append(base, e);
                        }
                        // A stretch numbered as it was read.
                        ColumnData::Coded(codes) => codes.append_text_to(buf, ends),
                        _ => {}
                    }
                }
            }
            // A coded column took the parts above, or became plain text.
            ColumnData::Coded(_) => {}
            ColumnData::Number(v) => v.append(&slices(parts, |d| match d {
                ColumnData::Number(x) => x.as_wide(),
                _ => None,
            })),
            ColumnData::Date(v) => v.append(&slices(parts, |d| match d {
                ColumnData::Date(x) => x.as_wide(),
                _ => None,
            })),
            ColumnData::Bool(v) => append_vecs(v, parts, |d| match d {
                ColumnData::Bool(x) => Some(x),
                _ => None,
            }),
        }
    }

    /// Empties the column and keeps its room, for the next stretch of a
    /// file to be read into (a fresh one would be grown and faulted in anew).
    pub(super) fn clear(&mut self) {
        match &mut self.data {
            ColumnData::Text { buf, ends } => {
                buf.clear();
                ends.clear();
            }
            // Numbered as read: made to number again or to hold text by
            // [`Column::number_as_read`] before the next stretch.
            ColumnData::Coded(codes) => codes.clear(),
            ColumnData::Number(v) => v.clear(),
            ColumnData::Date(v) => v.clear(),
            ColumnData::Bool(v) => v.clear(),
        }
        self.codes = std::sync::OnceLock::new();
        self.ordered = std::sync::OnceLock::new();
    }

    /// Gives back capacity beyond the column's cells.
    pub(crate) fn shrink_to_fit(&mut self) {
        match &mut self.data {
            ColumnData::Text { buf, ends } => {
                buf.shrink_to_fit();
                ends.shrink_to_fit();
            }
            ColumnData::Coded(c) => c.loaded(),
            ColumnData::Number(v) => v.shrink_to_fit(),
            ColumnData::Date(v) => v.shrink_to_fit(),
            ColumnData::Bool(v) => v.shrink_to_fit(),
        }
    }

    fn text_bytes(&self) -> usize {
        match &self.data {
            ColumnData::Text { buf, .. } => buf.len(),
            _ => 0,
        }
    }

    #[inline]
    pub fn len(&self) -> usize {
        match &self.data {
            ColumnData::Text { ends, .. } => ends.len(),
            ColumnData::Coded(c) => c.of_row.len(),
            ColumnData::Number(v) => v.len(),
            ColumnData::Date(v) => v.len(),
            ColumnData::Bool(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The raw text of a text or list cell ("" when missing).
    // Called per row by every filter and aggregate over text.
    #[inline]
    pub fn text(&self, row: usize) -> Option<&str> {
        match &self.data {
            ColumnData::Text { buf, ends } => {
                let (start, end) = ends.span(row)?;
                Some(&buf[start..end])
            }
            ColumnData::Coded(c) => c.of_row.get(row).and_then(|k| c.texts.get(k)).map(String::as_str),
            _ => None,
        }
    }

    /// Calls `f` with each row's text, in row order, while it says to go
    /// on, for a column of texts (not numbered); rows without one are
    /// passed over. False, calling nothing, for any other column.
    pub fn each_text(&self, mut f: impl FnMut(usize, &str) -> bool) -> bool {
        let ColumnData::Text { buf, ends } = &self.data else {
            return false;
        };
        ends.each_span(|row, start, end| f(row, &buf[start..end]));
        true
    }

    pub fn number(&self, row: usize) -> Option<f64> {
        match &self.data {
            ColumnData::Number(v) => v.known(row),
            ColumnData::Bool(v) => v.get(row).copied().filter(|b| *b < 2).map(f64::from),
            _ => None,
        }
    }

    /// A date cell as its day number (cheaper to compare than a date).
    pub fn days(&self, row: usize) -> Option<i32> {
        match &self.data {
            ColumnData::Date(v) => v.known(row),
            _ => None,
        }
    }

    pub fn date(&self, row: usize) -> Option<NaiveDate> {
        match &self.data {
            ColumnData::Date(v) => v.known(row).and_then(days_to_date),
            _ => None,
        }
    }

    // Called per row by every filter and aggregate over text.
    #[inline]
    pub fn is_null(&self, row: usize) -> bool {
        match &self.data {
            // By the text's bounds, not the text: asked for every row of many filters.
            ColumnData::Text { ends, .. } => ends.is_empty_at(row),
            ColumnData::Coded(_) => self.text(row).is_none_or(str::is_empty),
            ColumnData::Number(v) => v.known(row).is_none(),
            ColumnData::Date(v) => v.known(row).is_none(),
            ColumnData::Bool(v) => v.get(row).is_none_or(|b| *b >= 2),
        }
    }

    /// Applies `test` to the cell's text, or to each item of a list cell;
    /// false on a missing cell. Text cells are tested in place, without a copy,
    /// because filters run over every row of million-row datasets.
    pub fn any_text(&self, row: usize, test: impl Fn(&str) -> bool) -> bool {
        if self.is_null(row) {
            return false;
        }
        match (&self.data, self.ty) {
            (ColumnData::Text { .. }, FieldType::List) => self.text(row).is_some_and(|t| t.split(LIST_SEP).any(&test)),
            (ColumnData::Text { .. } | ColumnData::Coded(_), _) => self.text(row).is_some_and(test),
            (ColumnData::Number(_), _) => self.number(row).is_some_and(|n| test(&crate::value::format_number(n))),
            _ => test(&self.value(row).to_text()),
        }
    }

    /// The cell as a grouping key: borrowed for text, formatted otherwise.
    pub fn key_text(&self, row: usize) -> std::borrow::Cow<'_, str> {
        match (&self.data, self.ty) {
            (ColumnData::Text { .. } | ColumnData::Coded(_), FieldType::Text) => {
                std::borrow::Cow::Borrowed(self.text(row).unwrap_or_default())
            }
            _ => std::borrow::Cow::Owned(self.value(row).to_text()),
        }
    }

    pub fn value(&self, row: usize) -> Value {
        if self.is_null(row) {
            return Value::Null;
        }
        match &self.data {
            ColumnData::Text { .. } | ColumnData::Coded(_) => {
                let t = self.text(row).unwrap_or_default();
                if self.ty == FieldType::List {
                    Value::List(t.split(LIST_SEP).map(str::to_string).collect())
                } else {
                    Value::Text(t.to_string())
                }
            }
            ColumnData::Number(v) => v.get(row).map_or(Value::Null, Value::Number),
            ColumnData::Date(_) => self.date(row).map_or(Value::Null, Value::Date),
            ColumnData::Bool(v) => Value::Bool(v[row] == 1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_store_and_return_typed_values() {
        let mut c = Column::new(FieldType::Number);
        c.push_text("1,200").unwrap();
        c.push_text("--").unwrap();
        assert!(c.push_text("abc").is_err());
        assert_eq!(c.len(), 3);
        assert_eq!(c.value(0), Value::Number(1200.0));
        assert_eq!(c.value(1), Value::Null);
        assert_eq!(c.value(2), Value::Null);

        let mut d = Column::new(FieldType::Date);
        d.push_text("2025-03-01").unwrap();
        d.push_text("").unwrap();
        assert_eq!(d.value(0), Value::Date(NaiveDate::from_ymd_opt(2025, 3, 1).unwrap()));
        assert!(d.is_null(1));

        let mut l = Column::new(FieldType::List);
        l.push_text("p-ceo; p-cmo").unwrap();
        l.push_text("").unwrap();
        assert_eq!(l.value(0), Value::List(vec!["p-ceo".into(), "p-cmo".into()]));
        assert_eq!(l.value(1), Value::Null);

        let mut t = Column::new(FieldType::Text);
        t.push_text("a").unwrap();
        t.push_text("").unwrap();
        t.push_text("ccc").unwrap();
        assert_eq!(t.text(2), Some("ccc"));
        assert!(t.is_null(1));
    }
}
