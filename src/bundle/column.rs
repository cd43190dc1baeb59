//! A typed column of a dataset: text in one buffer with offsets (or
//! numbered, for few distinct values), numbers and dates as plain vectors,
//! and the cell-by-cell reading that fills it.

use super::codes::Codes;
use super::days::Days;
use super::ends::Ends;
use super::figures::Figures;
use crate::value::{
    CellError, FieldType, Value, date_to_days, days_to_date, parse_bool, parse_number, parse_percent, split_list,
};
use chrono::NaiveDate;

/// A typed column. Missing values: empty text, NaN, `i32::MIN`, 2.
#[derive(Debug, Clone)]
pub struct Column {
    pub ty: FieldType,
    pub data: ColumnData,
    /// The values numbered, once a condition asks (see [`Codes`]).
    pub(super) codes: std::sync::OnceLock<Option<Box<Codes>>>,
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
    /// source, campaign id): two bytes a row instead of the text and its
    /// end. Read through the same methods as `Text`.
    Coded(Box<Codes>),
    Number(Figures),
    /// Days since 1970-01-01.
    Date(Days),
    Bool(Vec<u8>),
}

/// A number written plainly: digits with an optional sign and decimals.
/// Integers (amounts, counts) are read by hand, the rest by the standard
/// parser; None for anything else ("1,234", "$5", "12%").
fn plain_number(t: &str) -> Option<f64> {
    let digits = t.strip_prefix('-').unwrap_or(t);
    if !digits.is_empty() && digits.len() <= 15 && digits.bytes().all(|b| b.is_ascii_digit()) {
        let n = digits.bytes().fold(0u64, |n, b| n * 10 + u64::from(b - b'0')) as f64;
        return Some(if digits.len() < t.len() { -n } else { n });
    }
    t.parse::<f64>().ok().filter(|n| n.is_finite())
}

/// The parts' cells of one kind, as slices.
fn slices<T>(parts: &[Column], take: impl Fn(&ColumnData) -> Option<&[T]>) -> Vec<&[T]> {
    parts.iter().filter_map(|p| take(&p.data)).collect()
}

fn append_vecs<T: Copy>(into: &mut Vec<T>, parts: &[Column], take: impl Fn(&ColumnData) -> Option<&[T]>) {
    let parts = slices(parts, take);
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
        }
    }

    /// Appends a cell given as text, parsing it as the column's type. On error
    /// the cell is stored as missing so the column stays aligned with rows.
    pub fn push_text(&mut self, text: &str) -> Result<(), CellError> {
        self.uncode();
        let t = crate::value::trim_cell(text);
        // Values are parsed first and null markers ("n/a", "-") looked for
        // only when that fails: most cells of a big export are values.
        let null = || crate::value::is_null_marker(t);
        let err = |ty| CellError {
            expected: ty,
            found: t.chars().take(40).collect(),
        };
        match &mut self.data {
            ColumnData::Text { buf, ends } => {
                if self.ty == FieldType::List {
                    let items = split_list(t);
                    buf.push_str(&items.join(&LIST_SEP.to_string()));
                } else {
                    buf.push_str(t);
                }
                ends.push(u32::try_from(buf.len()).unwrap_or(u32::MAX));
                Ok(())
            }
            // Made plain text above.
            ColumnData::Coded(_) => Ok(()),
            ColumnData::Number(v) => {
                let parsed = if self.ty == FieldType::Percent {
                    parse_percent(t)
                } else {
                    t.parse::<f64>().ok().filter(|n| n.is_finite())
                };
                let parsed = parsed.or_else(|| null().then_some(f64::NAN)).or_else(|| {
                    if self.ty == FieldType::Percent {
                        None
                    } else {
                        parse_number(t)
                    }
                });
                v.wide().push(parsed.unwrap_or(f64::NAN));
                if parsed.is_some() { Ok(()) } else { Err(err(self.ty)) }
            }
            ColumnData::Date(v) => {
                let parsed = crate::value::parse_date_days(t).or_else(|| null().then_some(NULL_DATE));
                v.wide().push(parsed.unwrap_or(NULL_DATE));
                if parsed.is_some() {
                    Ok(())
                } else {
                    Err(err(FieldType::Date))
                }
            }
            ColumnData::Bool(v) => {
                let parsed = parse_bool(t).map(u8::from).or_else(|| null().then_some(2));
                v.push(parsed.unwrap_or(2));
                if parsed.is_some() {
                    Ok(())
                } else {
                    Err(err(FieldType::Bool))
                }
            }
        }
    }

    /// Appends a plain cell (no value map, null markers or date formats of a
    /// source to apply) when it is what most cells of a big export are: text,
    /// an integer or decimal, an ISO date, true or false, or empty. False: nothing was
    /// appended, and the cell takes the full path ([`Column::push_text`]),
    /// which gives the same result for every cell this accepts.
    pub fn push_plain(&mut self, raw: &str) -> bool {
        let t = crate::value::trim_cell(raw);
        match (&mut self.data, self.ty) {
            (ColumnData::Text { buf, ends }, FieldType::Text) => {
                buf.push_str(t);
                ends.push(u32::try_from(buf.len()).unwrap_or(u32::MAX));
                true
            }
            (ColumnData::Number(v), FieldType::Number) => {
                let n = if t.is_empty() { Some(f64::NAN) } else { plain_number(t) };
                n.inspect(|n| v.wide().push(*n)).is_some()
            }
            (ColumnData::Bool(v), FieldType::Bool) => {
                // The words exports write for flags; others take the full path.
                let b = match t {
                    "" => 2,
                    "true" | "TRUE" | "True" => 1,
                    "false" | "FALSE" | "False" => 0,
                    _ => return false,
                };
                v.push(b);
                true
            }
            (ColumnData::Date(v), _) => {
                let d = if t.is_empty() {
                    Some(NULL_DATE)
                } else {
                    crate::value::parse_date_days(t)
                };
                d.inspect(|d| v.wide().push(*d)).is_some()
            }
            _ => false,
        }
    }

    /// Appends a date parsed by the caller (None: missing).
    pub fn push_date(&mut self, date: Option<NaiveDate>) {
        match &mut self.data {
            ColumnData::Date(v) => v.wide().push(date.map_or(NULL_DATE, date_to_days)),
            // Only date columns get here; keep other columns aligned anyway.
            _ => {
                let _ = self.push_text("");
            }
        }
    }

    /// Appends an already typed value (from YAML or JSON).
    pub fn push_value(&mut self, value: &Value) -> Result<(), CellError> {
        self.uncode();
        match (value, &mut self.data) {
            (Value::Number(n), ColumnData::Number(v)) => {
                let n = if self.ty == FieldType::Percent && n.abs() > 1.0 {
                    n / 100.0
                } else {
                    *n
                };
                v.wide().push(n);
                Ok(())
            }
            (Value::Bool(b), ColumnData::Bool(v)) => {
                v.push(u8::from(*b));
                Ok(())
            }
            (Value::List(items), ColumnData::Text { buf, ends }) => {
                buf.push_str(&items.join(&LIST_SEP.to_string()));
                ends.push(u32::try_from(buf.len()).unwrap_or(u32::MAX));
                Ok(())
            }
            _ => self.push_text(&value.to_text()),
        }
    }

    /// Appends columns of the same type read from later parts of the file.
    /// A text column is numbered as it is joined (see
    /// [`ColumnData::Coded`]) until it has too many values.
    pub fn append_all(&mut self, parts: &[Column]) {
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
                    if let ColumnData::Text { buf: b, ends: e } = &p.data {
                        let base = u32::try_from(buf.len()).unwrap_or(u32::MAX);
                        buf.push_str(b);
                        ends.append(base, e);
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
        self.uncode();
        match &mut self.data {
            ColumnData::Text { buf, ends } => {
                buf.clear();
                ends.clear();
            }
            ColumnData::Coded(_) => {}
            ColumnData::Number(v) => v.clear(),
            ColumnData::Date(v) => v.clear(),
            ColumnData::Bool(v) => v.clear(),
        }
        self.codes = std::sync::OnceLock::new();
    }

    /// Gives back capacity beyond the column's cells.
    pub(crate) fn shrink_to_fit(&mut self) {
        match &mut self.data {
            ColumnData::Text { buf, ends } => {
                buf.shrink_to_fit();
                ends.shrink_to_fit();
            }
            ColumnData::Coded(c) => c.of_row.shrink_to_fit(),
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
