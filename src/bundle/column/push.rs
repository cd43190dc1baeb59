//! Reading cells into a column: a cell as text (parsed as the column's
//! type), a plain cell on the loader's fast path, a date or a typed value.

use super::{Column, ColumnData, LIST_SEP, NULL_DATE};
use crate::value::{CellError, FieldType, Value, date_to_days, parse_bool, parse_number, parse_percent, split_list};
use chrono::NaiveDate;

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

/// A plain text cell appended to a text column's buffer and ends.
#[inline(always)]
fn push_plain_text(buf: &mut String, ends: &mut super::Ends, t: &str) {
    push_short(buf, t);
    ends.push(u32::try_from(buf.len()).unwrap_or(u32::MAX));
}

/// A trimmed cell as the plain path reads a number: empty is missing (NaN).
#[inline(always)]
fn plain_number_cell(t: &str) -> Option<f64> {
    if t.is_empty() { Some(f64::NAN) } else { plain_number(t) }
}

/// A trimmed cell as the plain path reads a date: empty is missing.
#[inline(always)]
fn plain_date_cell(t: &str) -> Option<i32> {
    if t.is_empty() {
        Some(NULL_DATE)
    } else {
        crate::value::parse_date_days(t)
    }
}

/// A trimmed cell as the plain path reads a percent: "35%", or a share
/// ("0.35") or a number of percent ("35") told apart as
/// [`crate::value::parse_percent`] tells them; empty is missing.
#[inline(always)]
fn plain_percent_cell(t: &str) -> Option<f64> {
    if t.is_empty() {
        return Some(f64::NAN);
    }
    match t.strip_suffix('%') {
        Some(n) => plain_number(n).map(|n| n / 100.0),
        None => plain_number(t).map(|n| if n.abs() > 1.0 { n / 100.0 } else { n }),
    }
}

/// Pushes cells read by `read` until one it declines: how many were pushed.
#[inline(always)]
fn push_while<'c, T>(v: &mut Vec<T>, cells: impl Iterator<Item = &'c str>, read: impl Fn(&str) -> Option<T>) -> usize {
    let mut taken = 0;
    for t in cells {
        let Some(x) = read(t) else { break };
        v.push(x);
        taken += 1;
    }
    taken
}

/// `buf.push_str(t)` for the short cells most of an export holds (ids,
/// stages, sources): two overlapping word copies instead of a library
/// `memcpy` call per cell.
#[inline(always)]
fn push_short(buf: &mut String, t: &str) {
    let n = t.len();
    if !(4..=16).contains(&n) {
        buf.push_str(t);
        return;
    }
    buf.reserve(n);
    // SAFETY: `reserve` made room for `n` more bytes after `len`; each copy
    // reads inside `t` (4 <= n <= 16, so both halves lie within it) and
    // writes inside the reserved room; `t` is a whole `&str`, so the buffer
    // stays UTF-8 once its length takes the `n` bytes in.
    unsafe {
        let v = buf.as_mut_vec();
        let len = v.len();
        let src = t.as_ptr();
        let dst = v.as_mut_ptr().add(len);
        if n >= 8 {
            let head = std::ptr::read_unaligned(src.cast::<u64>());
            let tail = std::ptr::read_unaligned(src.add(n - 8).cast::<u64>());
            std::ptr::write_unaligned(dst.cast::<u64>(), head);
            std::ptr::write_unaligned(dst.add(n - 8).cast::<u64>(), tail);
        } else {
            let head = std::ptr::read_unaligned(src.cast::<u32>());
            let tail = std::ptr::read_unaligned(src.add(n - 4).cast::<u32>());
            std::ptr::write_unaligned(dst.cast::<u32>(), head);
            std::ptr::write_unaligned(dst.add(n - 4).cast::<u32>(), tail);
        }
        v.set_len(len + n);
    }
}

impl Column {
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
    /// an integer or decimal, a percent, an ISO date, true or false, or empty. False: nothing was
    /// appended, and the cell takes the full path ([`Column::push_text`]),
    /// which gives the same result for every cell this accepts.
    // Inlined into the loader's row loop, its one caller on the audit path:
    // as a call, its prologue and epilogue were a quarter of its cost, paid
    // for every cell of a big export (2-3% of an audit's CPU).
    #[inline(always)]
    pub fn push_plain(&mut self, raw: &str) -> bool {
        if let ColumnData::Coded(_) = self.data {
            return self.push_plain_run(std::slice::from_ref(&raw)) == 1;
        }
        let t = crate::value::trim_cell(raw);
        match (&mut self.data, self.ty) {
            (ColumnData::Text { buf, ends }, FieldType::Text) => {
                push_plain_text(buf, ends, t);
                true
            }
            (ColumnData::Number(v), FieldType::Number) => plain_number_cell(t).inspect(|n| v.wide().push(*n)).is_some(),
            (ColumnData::Number(v), FieldType::Percent) => {
                plain_percent_cell(t).inspect(|n| v.wide().push(*n)).is_some()
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
            (ColumnData::Date(v), _) => plain_date_cell(t).inspect(|d| v.wide().push(*d)).is_some(),
            _ => false,
        }
    }

    /// [`Column::push_plain`] for cells in order, with the column's type
    /// matched once: how many were taken before the first it declines.
    pub fn push_plain_run(&mut self, cells: &[&str]) -> usize {
        let trimmed = cells.iter().map(|c| crate::value::trim_cell(c));
        match (&mut self.data, self.ty) {
            (ColumnData::Text { buf, ends }, FieldType::Text) => {
                trimmed.for_each(|t| push_plain_text(buf, ends, t));
                cells.len()
            }
            // Numbered as read (see `Column::number_as_read`), until a
            // cell would pass the most values: then plain text.
            (ColumnData::Coded(codes), FieldType::Text) => {
                let taken = codes.number_run(trimmed);
                if taken < cells.len() {
                    self.uncode();
                    return taken + self.push_plain_run(&cells[taken..]);
                }
                taken
            }
            (ColumnData::Number(v), FieldType::Number) => push_while(v.wide(), trimmed, plain_number_cell),
            (ColumnData::Number(v), FieldType::Percent) => push_while(v.wide(), trimmed, plain_percent_cell),
            (ColumnData::Date(v), _) => push_while(v.wide(), trimmed, plain_date_cell),
            _ => cells.iter().take_while(|c| self.push_plain(c)).count(),
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
}

#[cfg(test)]
mod tests {
    use super::push_short;

    #[test]
    fn short_cells_are_copied_whole_at_every_length() {
        let text = "O-0000001é€abcdefghijklmnopq";
        let mut expected = String::new();
        let mut buf = String::from("x");
        expected.push('x');
        for end in (0..=text.len()).filter(|e| text.is_char_boundary(*e)) {
            let cell = &text[..end];
            push_short(&mut buf, cell);
            expected.push_str(cell);
            assert_eq!(buf, expected, "after a cell of {end} bytes");
        }
    }
}
