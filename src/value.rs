//! Cell values and how text from an export becomes one.
//!
//! Exports are messy: "1,234", "$12.50", "12%", "--" and "" all occur in real
//! files. Parsing lives here, in one place, so every reader (CSV, YAML, JSON)
//! treats a cell the same way and the rules never see raw text for a number.

use chrono::NaiveDate;
use serde::Serialize;
use std::fmt;

/// The type a dataset field is declared with in the bundle schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    Text,
    Number,
    /// A number that may be written as "12%" (stored as 0.12) or as 0.12.
    Percent,
    Date,
    Bool,
    /// Several values in one cell, separated by `;` or `|` (in YAML/JSON: a list).
    List,
}

/// One cell, after parsing. `Null` is a missing value, never zero.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
#[serde(untagged)]
pub enum Value {
    Null,
    Bool(bool),
    Number(f64),
    Text(String),
    Date(NaiveDate),
    List(Vec<String>),
}

impl Value {
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Number(n) => Some(*n),
            Value::Bool(b) => Some(f64::from(u8::from(*b))),
            _ => None,
        }
    }

    /// Text form used for regex matching, equality and messages.
    pub fn to_text(&self) -> String {
        match self {
            Value::Null => String::new(),
            Value::Bool(b) => b.to_string(),
            Value::Number(n) => format_number(*n),
            Value::Text(s) => s.clone(),
            Value::Date(d) => iso_date(*d),
            Value::List(items) => items.join("; "),
        }
    }
}

/// `YYYY-MM-DD`, without chrono's format-string interpreter: dates are
/// formatted per row when scripts group or filter million-row datasets.
pub fn iso_date(d: NaiveDate) -> String {
    use chrono::Datelike;
    let (y, m, day) = (d.year(), d.month(), d.day());
    if !(0..=9999).contains(&y) {
        return d.format("%Y-%m-%d").to_string();
    }
    let y = y as u32;
    let digit = |n: u32| b'0' + (n % 10) as u8;
    let bytes = [
        digit(y / 1000),
        digit(y / 100),
        digit(y / 10),
        digit(y),
        b'-',
        digit(m / 10),
        digit(m),
        b'-',
        digit(day / 10),
        digit(day),
    ];
    String::from_utf8_lossy(&bytes).into_owned()
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_text())
    }
}

/// Formats a number without noise: integers without ".0", others with up to
/// four significant decimals.
pub fn format_number(n: f64) -> String {
    if n.is_finite() && n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{n:.0}")
    } else {
        let s = format!("{n:.4}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// Why a cell could not be read as its declared type.
#[derive(Debug, Clone, PartialEq)]
pub struct CellError {
    pub expected: FieldType,
    pub found: String,
}

impl fmt::Display for CellError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.expected {
            FieldType::Number => "a number (e.g. 1234, 1,234.50 or $1,234)",
            FieldType::Percent => "a percentage (e.g. 12%, 12.5 % or 0.125)",
            FieldType::Date => "a date (YYYY-MM-DD, optionally followed by a time)",
            FieldType::Bool => "true/false, yes/no or 1/0",
            FieldType::Text | FieldType::List => "text",
        };
        write!(f, "expected {what}, found `{}`", self.found)
    }
}

/// Markers exports use for "no value". Compared after trimming, case-insensitively.
const NULL_MARKERS: &[&str] = &["", "--", "-", "n/a", "na", "null", "none", "(not set)", "#n/a"];

pub fn is_null_marker(text: &str) -> bool {
    let t = trim_cell(text);
    // Every marker is short; real values rarely are, so most cells stop here.
    t.len() <= 9 && NULL_MARKERS.iter().any(|m| t.eq_ignore_ascii_case(m))
}

/// Two byte strings in order, eight bytes at a time: consecutive ids share
/// most of their bytes, and a library compare per pair of a million short
/// ids (a call each) cost more than the rest of a check that they come in
/// order (the duplicate-id note, the numbering of keys that come sorted).
pub fn compare_bytes(a: &[u8], b: &[u8]) -> std::cmp::Ordering {
    let mut a_words = a.chunks_exact(8);
    let mut b_words = b.chunks_exact(8);
    for (x, y) in a_words.by_ref().zip(b_words.by_ref()) {
        let (x, y) = (
            u64::from_be_bytes(x.try_into().unwrap_or_default()),
            u64::from_be_bytes(y.try_into().unwrap_or_default()),
        );
        if x != y {
            return x.cmp(&y);
        }
    }
    let at = a.len().min(b.len()) / 8 * 8;
    for (x, y) in a[at..].iter().zip(&b[at..]) {
        if x != y {
            return x.cmp(y);
        }
    }
    a.len().cmp(&b.len())
}

/// `str::trim`, with a fast path for the usual cell that starts and ends with
/// a visible ASCII character: it is called several times on every cell of
/// million-row files, and the Unicode-aware trim shows up in profiles.
pub fn trim_cell(text: &str) -> &str {
    match (text.as_bytes().first(), text.as_bytes().last()) {
        (Some(a), Some(b)) if a.is_ascii_graphic() && b.is_ascii_graphic() => text,
        // An empty cell (most of an export's optional columns).
        (None, _) => text,
        _ => text.trim(),
    }
}

/// Parses one cell of text as the declared type.
pub fn parse_cell(text: &str, ty: FieldType) -> Result<Value, CellError> {
    let t = text.trim();
    if ty != FieldType::Text && is_null_marker(t) || t.is_empty() {
        return Ok(Value::Null);
    }
    let err = || CellError {
        expected: ty,
        found: truncate(t, 40),
    };
    match ty {
        FieldType::Text => Ok(Value::Text(t.to_string())),
        FieldType::Number => parse_number(t).map(Value::Number).ok_or_else(err),
        FieldType::Percent => parse_percent(t).map(Value::Number).ok_or_else(err),
        FieldType::Date => parse_date(t).map(Value::Date).ok_or_else(err),
        FieldType::Bool => parse_bool(t).map(Value::Bool).ok_or_else(err),
        FieldType::List => Ok(Value::List(split_list(t))),
    }
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let head: String = s.chars().take(max).collect();
        format!("{head}…")
    }
}

/// Accepts "1234", "1,234.5", "$1,234", "€ 12", "1 234", "-5", "1.2e3".
/// Rejects NaN and infinities: a report cannot defend a score built on them.
pub fn parse_number(t: &str) -> Option<f64> {
    let cleaned: String = t
        .chars()
        .filter(|c| !matches!(c, ',' | ' ' | '\u{a0}' | '$' | '€' | '£' | '¥' | '_'))
        .collect();
    let cleaned = cleaned
        .strip_prefix("USD")
        .or_else(|| cleaned.strip_prefix("EUR"))
        .or_else(|| cleaned.strip_prefix("GBP"))
        .unwrap_or(&cleaned);
    if cleaned.is_empty() || cleaned.chars().any(|c| c.is_ascii_alphabetic() && c != 'e' && c != 'E') {
        return None;
    }
    let n: f64 = cleaned.parse().ok()?;
    n.is_finite().then_some(n)
}

/// "12%" and "12 %" become 0.12; a bare number is taken as already a fraction
/// when it is at most 1, and as a percentage otherwise ("12" → 0.12).
pub fn parse_percent(t: &str) -> Option<f64> {
    if let Some(num) = t.strip_suffix('%') {
        return parse_number(num).map(|n| n / 100.0);
    }
    let n = parse_number(t)?;
    Some(if n.abs() > 1.0 { n / 100.0 } else { n })
}

/// ISO dates, with an optional time part ("2025-03-01T10:00:00Z",
/// "2025-03-01 10:00"), and "2025/03/01".
pub fn parse_date(t: &str) -> Option<NaiveDate> {
    // ISO dates are nearly every date cell of a big export: read them by hand.
    if let [y0, y1, y2, y3, b'-', m0, m1, b'-', d0, d1] = t.as_bytes() {
        let digit = |b: &u8| b.is_ascii_digit().then(|| u32::from(b - b'0'));
        let (y, m, d) = (
            digit(y0)? * 1000 + digit(y1)? * 100 + digit(y2)? * 10 + digit(y3)?,
            digit(m0)? * 10 + digit(m1)?,
            digit(d0)? * 10 + digit(d1)?,
        );
        return NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, m, d);
    }
    let head = t.get(..10)?;
    let rest = &t[10..];
    if !(rest.is_empty() || rest.starts_with('T') || rest.starts_with(' ')) {
        return None;
    }
    NaiveDate::parse_from_str(head, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(head, "%Y/%m/%d"))
        .ok()
}

/// [`parse_date`] as days since 1970-01-01, the form date columns store.
/// ISO dates (nearly every date cell of a big export) are counted by hand:
/// the ten bytes checked at once, not one by one.
pub fn parse_date_days(t: &str) -> Option<i32> {
    if let Ok(&[y0, y1, y2, y3, dash1, m0, m1, dash2, d0, d1]) = <&[u8; 10]>::try_from(t.as_bytes()) {
        // Each byte less its '0' (or '-'): a digit leaves 0-9, a dash 0, and
        // any other byte a value with its top bit set, before or after
        // adding what takes 9 (a digit) or 0 (a dash) to 0x7f.
        let head = u64::from_le_bytes([y0, y1, y2, y3, dash1, m0, m1, dash2]).wrapping_sub(0x2d30_302d_3030_3030);
        let tail = u16::from_le_bytes([d0, d1]).wrapping_sub(0x3030);
        let iso = (head | head.wrapping_add(0x7f76_767f_7676_7676)) & 0x8080_8080_8080_8080 == 0
            && (tail | tail.wrapping_add(0x7676)) & 0x8080 == 0;
        if iso {
            // Each byte times ten plus the next: no byte carries (at most
            // 99), and bytes 0, 2 and 5 are then the year's two halves and
            // the month.
            let pairs = head.wrapping_mul(10).wrapping_add(head >> 8);
            let byte = |i: u32| ((pairs >> (8 * i)) & 0xff) as u32;
            let y = byte(0) * 100 + byte(2);
            let d = u32::from(tail & 0xff) * 10 + u32::from(tail >> 8);
            return civil_days(y, byte(5), d);
        }
    }
    parse_date(t).map(date_to_days)
}

const EPOCH_DAYS_FROM_CE: i32 = 719_163;

/// A date as the day number date columns store (days since 1970-01-01).
pub fn date_to_days(d: NaiveDate) -> i32 {
    use chrono::Datelike;
    d.num_days_from_ce() - EPOCH_DAYS_FROM_CE
}

pub fn days_to_date(days: i32) -> Option<NaiveDate> {
    NaiveDate::from_num_days_from_ce_opt(days + EPOCH_DAYS_FROM_CE)
}

/// Days since 1970-01-01 of a valid year (0-9999), month and day
/// (H. Hinnant's `days_from_civil`), from a table for the years exports hold.
fn civil_days(y: u32, m: u32, d: u32) -> Option<i32> {
    // A year of the table is a leap year when the next starts 366 days
    // later; others are tested without branches (the dates of an export
    // are in no order, and a leap year tested by `&&` was a branch
    // mispredicted about once a date).
    let at = y.wrapping_sub(TABLE_FIRST_YEAR) as usize;
    let (start, leap) = match (YEAR_STARTS.get(at), YEAR_STARTS.get(at + 1)) {
        (Some(start), Some(next)) => (Some(*start), usize::from(next - start == 366)),
        _ => (
            None,
            usize::from(y.is_multiple_of(4) & (!y.is_multiple_of(100) | y.is_multiple_of(400))),
        ),
    };
    // By month number (0 and 13-15 are no month: no day is in them).
    const MONTH_DAYS: [[u32; 16]; 2] = [
        [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31, 0, 0, 0],
        [0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31, 0, 0, 0],
    ];
    const DAYS_BEFORE_MONTH: [[i32; 16]; 2] = [
        [0, 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 0, 0, 0],
        [0, 0, 31, 60, 91, 121, 152, 182, 213, 244, 274, 305, 335, 0, 0, 0],
    ];
    let month = (m & 15) as usize;
    if m > 12 || d == 0 || d > MONTH_DAYS[leap][month] {
        return None;
    }
    let in_year = DAYS_BEFORE_MONTH[leap][month] + d as i32 - 1;
    Some(start.unwrap_or_else(|| days_from_civil(i64::from(y), 1, 1)) + in_year)
}

const TABLE_FIRST_YEAR: u32 = 1900;
/// Day number of January 1st of 1900..=2155.
static YEAR_STARTS: [i32; 256] = {
    let mut table = [0; 256];
    let mut i = 0;
    while i < 256 {
        table[i] = days_from_civil(TABLE_FIRST_YEAR as i64 + i as i64, 1, 1);
        i += 1;
    }
    table
};

const fn days_from_civil(y: i64, m: i64, d: i64) -> i32 {
    // Years start in March, so the leap day ends a year.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let month_from_march = (m + 9) % 12;
    let day_of_year = (153 * month_from_march + 2) / 5 + d - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    (era * 146_097 + day_of_era - 719_468) as i32
}

pub fn parse_bool(t: &str) -> Option<bool> {
    let is = |words: &[&str]| words.iter().any(|w| t.eq_ignore_ascii_case(w));
    if is(&["true", "yes", "y", "1", "x"]) {
        Some(true)
    } else if is(&["false", "no", "n", "0"]) {
        Some(false)
    } else {
        None
    }
}

pub fn split_list(t: &str) -> Vec<String> {
    t.split([';', '|'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// A column name with every separator and case difference removed:
/// `campaignName`, `CampaignName`, `campaign_name` and `Campaign Name` are
/// all `campaignname`. Headers are matched to fields on this form, so any
/// spelling of a known name maps.
pub fn compact_name(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Whether `name`'s [`compact_name`] is `compact`, without building it:
/// header recognition compares each header with every alias.
pub fn compacts_to(name: &str, compact: &str) -> bool {
    name.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .eq(compact.chars())
}

/// Normalises names for matching: lower case, every run of non-alphanumerics
/// becomes one `_`. "Lead Source" and "lead-source" both become "lead_source".
pub fn normalize_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut pending_sep = false;
    for c in name.trim().chars() {
        if c.is_alphanumeric() {
            if pending_sep && !out.is_empty() {
                out.push('_');
            }
            pending_sep = false;
            out.extend(c.to_lowercase());
        } else {
            pending_sep = true;
        }
    }
    out
}

#[cfg(test)]
mod tests;
