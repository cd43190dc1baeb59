//! A text column's distinct values, numbered: a condition over a million
//! rows of `stage` or `source` (a few dozen values) is then answered once per
//! value and looked up by number per row, instead of hashing each cell's text.

use super::code_rows::CodeRows;
use super::ends::Ends;
use super::{Column, ColumnData};
use crate::value::FieldType;
use std::collections::HashMap;

/// Most distinct values a column is numbered for: past this (ids, emails,
/// names) a lookup per row saves nothing over testing the text.
pub const MAX_CODES: usize = 4096;
const _: () = assert!(MAX_CODES <= 1 << 16, "a value's number fits in two bytes");

/// Each row's value as a number, and the values by number.
#[derive(Debug, Clone)]
pub struct Codes {
    pub of_row: CodeRows,
    pub texts: Vec<String>,
}

impl Codes {
    /// Numbers the values of a text column (not a list: its items are tested
    /// one by one), or None past [`MAX_CODES`] values, which is found within
    /// the first few thousand rows of an id column.
    pub(super) fn build(col: &Column) -> Option<Codes> {
        if col.ty != FieldType::Text {
            return None;
        }
        let mut codes = Codes {
            of_row: CodeRows::default(),
            texts: Vec::new(),
        };
        // The column as the one part of a new numbered column.
        number_parts(&mut codes, std::slice::from_ref(col)).is_none().then(|| {
            codes.of_row.shrink_to_fit();
            codes
        })
    }
}

impl Column {
    /// The column's values numbered (see [`Codes`]): as stored when it was
    /// numbered at load, else built on first use and shared by every rule of
    /// the audit; None for other columns. Only asked once the bundle is
    /// loaded: a column is not pushed to afterwards.
    pub fn codes(&self) -> Option<&Codes> {
        if let ColumnData::Coded(codes) = &self.data {
            return Some(codes);
        }
        self.codes.get_or_init(|| Codes::build(self).map(Box::new)).as_deref()
    }

    /// Appends plain text parts to a new or numbered text column, numbering
    /// their cells. Err: the index of the part that would pass
    /// [`MAX_CODES`] values; it and the parts after it are not appended, and
    /// the column is then plain text holding the cells before them.
    pub(super) fn append_coded(&mut self, parts: &[Column]) -> Result<(), usize> {
        let mut codes = match std::mem::replace(&mut self.data, ColumnData::Bool(Vec::new())) {
            ColumnData::Coded(codes) => codes,
            ColumnData::Text { ends, .. } if ends.is_empty() => Box::new(Codes {
                of_row: CodeRows::default(),
                texts: Vec::new(),
            }),
            other => {
                self.data = other;
                return Err(0);
            }
        };
        match number_parts(&mut codes, parts) {
            None => {
                self.data = ColumnData::Coded(codes);
                Ok(())
            }
            Some(at) => {
                self.data = plain(&codes);
                Err(at)
            }
        }
    }

    /// A numbered column as plain text (before it is pushed to).
    pub(super) fn uncode(&mut self) {
        if let ColumnData::Coded(codes) = &self.data {
            self.data = plain(codes);
        }
    }
}

/// Numbers the cells of `parts` into `codes`, a part at a time. Returns the
/// first part that would pass [`MAX_CODES`] values (it and those after it
/// are left out).
fn number_parts(codes: &mut Codes, parts: &[Column]) -> Option<usize> {
    let Codes { of_row, texts } = codes;
    // A part's numbers, appended to `of_row` once the part is numbered.
    let mut numbered: Vec<u16> = Vec::new();
    // New values borrowed from the parts, added to `texts` at the end.
    let mut added: Vec<&str> = Vec::new();
    let mut too_many = None;
    let mut numbers = Numbers::default();
    for (t, c) in texts.iter().zip(0u16..) {
        numbers.insert(t, c);
    }
    'parts: for (at, part) in parts.iter().enumerate() {
        let ColumnData::Text { buf, ends } = &part.data else {
            too_many = Some(at);
            break;
        };
        let added_before = added.len();
        numbered.clear();
        numbered.reserve(ends.len());
        let bytes = buf.as_bytes();
        let mut start = 0usize;
        // The cell before's value and number: exports sorted by date or id
        // repeat a stage or campaign on the next row as often as not
        // (40% of the cells of the generated bundles), and two words
        // compare for less than a hash and probe.
        let mut previous: Option<(Key<'_>, u16)> = None;
        for end in ends.iter() {
            let span = start..end as usize;
            start = span.end;
            // Bytes, not text: a value is made text only when it is new.
            let key = Key::of(bytes.get(span.clone()).unwrap_or_default());
            if let Some((last, code)) = &previous
                && *last == key
            {
                numbered.push(*code);
                continue;
            }
            let code = match numbers.get(&key) {
                Some(c) => c,
                None => {
                    let next = texts.len() + added.len();
                    let Some(c) = u16::try_from(next).ok().filter(|_| next < MAX_CODES) else {
                        added.truncate(added_before);
                        too_many = Some(at);
                        break 'parts;
                    };
                    let text = buf.get(span).unwrap_or_default();
                    numbers.insert(text, c);
                    added.push(text);
                    c
                }
            };
            numbered.push(code);
            previous = Some((key, code));
        }
        of_row.extend(&numbered, texts.len() + added.len());
    }
    drop(numbers);
    texts.extend(added.into_iter().map(str::to_string));
    too_many
}

/// Value numbers by value: values of up to 16 bytes (what numbered columns
/// mostly hold) in a table of their own, found by their two words and length
/// without a string compare; longer ones in a hash map. The table holds
/// value numbers (two bytes a slot, little to clear for each join) and the
/// words sit beside it by number.
struct Numbers<'t> {
    /// A value's number + 1 by its hash; 0 empty.
    slots: Vec<u16>,
    /// (length, first word, last word) of each short value, by number.
    words: Vec<(u8, u64, u64)>,
    long: HashMap<&'t [u8], u16, foldhash::fast::RandomState>,
}

/// Slots of the short table: twice the values it may hold.
const SHORT_SLOTS: usize = 2 * MAX_CODES;

impl Default for Numbers<'_> {
    fn default() -> Self {
        Numbers {
            slots: vec![0; SHORT_SLOTS],
            words: Vec::new(),
            long: HashMap::default(),
        }
    }
}

impl<'t> Numbers<'t> {
    /// The slot of a short value: its own, or the empty one it would take.
    #[inline]
    fn slot(&self, key: (u8, u64, u64)) -> usize {
        let (len, a, b) = key;
        let h = (a ^ b.rotate_left(23) ^ (u64::from(len) << 57)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let mut at = usize::try_from(h >> (64 - SHORT_SLOTS.trailing_zeros())).unwrap_or_default();
        loop {
            match self.slots[at] {
                0 => return at,
                n if self.words[usize::from(n - 1)] == key => return at,
                _ => at = (at + 1) & (SHORT_SLOTS - 1),
            }
        }
    }

    #[inline]
    fn get(&self, key: &Key<'_>) -> Option<u16> {
        match *key {
            Key::Short(len, a, b) => self.slots[self.slot((len, a, b))].checked_sub(1),
            Key::Long(t) => self.long.get(t).copied(),
        }
    }

    fn insert(&mut self, text: &'t str, code: u16) {
        match Key::of(text.as_bytes()) {
            Key::Short(len, a, b) => {
                let at = self.slot((len, a, b));
                let n = usize::from(code);
                if self.words.len() <= n {
                    self.words.resize(n + 1, (0, 0, 0));
                }
                self.words[n] = (len, a, b);
                self.slots[at] = code + 1;
            }
            Key::Long(t) => {
                self.long.insert(t, code);
            }
        }
    }
}

/// A value as a hash key. Values of up to 16 bytes (a stage, a campaign
/// id: what numbered columns hold) are two words, compared without a call
/// to `memcmp` for every cell of the column.
#[derive(PartialEq, Eq)]
enum Key<'t> {
    /// The length, and the first and last eight bytes (or four, or the
    /// bytes themselves when shorter), which with the length are the value.
    Short(u8, u64, u64),
    Long(&'t [u8]),
}

impl<'t> Key<'t> {
    fn of(b: &'t [u8]) -> Self {
        let n = b.len();
        let bytes = |s: &[u8]| s.iter().rev().fold(0u64, |w, x| (w << 8) | u64::from(*x));
        let u64_at = |s: &[u8]| <[u8; 8]>::try_from(s).map_or(0, u64::from_le_bytes);
        let u32_at = |s: &[u8]| <[u8; 4]>::try_from(s).map_or(0, |w| u64::from(u32::from_le_bytes(w)));
        let len = u8::try_from(n).unwrap_or(u8::MAX);
        match n {
            8..=16 => Key::Short(len, u64_at(&b[..8]), u64_at(&b[n - 8..])),
            4..=7 => Key::Short(len, u32_at(&b[..4]), u32_at(&b[n - 4..])),
            0..=3 => Key::Short(len, bytes(b), 0),
            _ => Key::Long(b),
        }
    }
}

/// The cells of a numbered column as text.
fn plain(codes: &Codes) -> ColumnData {
    let mut buf = String::new();
    let mut ends = Ends::Each(Vec::with_capacity(codes.of_row.len()));
    for code in codes.of_row.iter() {
        buf.push_str(codes.texts.get(code).map_or("", String::as_str));
        ends.push(u32::try_from(buf.len()).unwrap_or(u32::MAX));
    }
    ColumnData::Text { buf, ends }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::{TestCaseError, prop_assert, prop_assert_eq};

    #[test]
    fn few_values_are_numbered_in_order_of_first_appearance() {
        let mut c = Column::new(FieldType::Text);
        for t in ["won", "", "lost", "won"] {
            c.push_text(t).unwrap();
        }
        let codes = c.codes().unwrap();
        assert_eq!(codes.of_row.iter().collect::<Vec<_>>(), [0, 1, 2, 0]);
        assert_eq!(codes.texts, ["won", "", "lost"]);
    }

    /// A text column joined from parts (as the loader joins a file's
    /// stretches), numbered or not, reads like the same cells pushed one by
    /// one into plain text.
    fn joined_reads_like_plain(cells: &[String], cuts: &[usize], windows: usize) -> Result<(), TestCaseError> {
        let mut plain = Column::new(FieldType::Text);
        for c in cells {
            plain.push_text(c).unwrap();
        }
        let mut parts: Vec<Column> = Vec::new();
        let mut start = 0;
        for cut in cuts.iter().map(|c| c % (cells.len() + 1)).chain([cells.len()]) {
            let end = cut.max(start);
            let mut part = Column::new(FieldType::Text);
            for c in &cells[start..end] {
                prop_assert!(part.push_plain(c));
            }
            parts.push(part);
            start = end;
        }
        let mut joined = Column::new(FieldType::Text);
        let per_window = parts.len().div_ceil(windows.max(1)).max(1);
        while !parts.is_empty() {
            let rest = parts.split_off(per_window.min(parts.len()));
            joined.append_all(&std::mem::replace(&mut parts, rest));
        }
        joined.shrink_to_fit();
        prop_assert_eq!(joined.len(), plain.len());
        for row in 0..=plain.len() {
            prop_assert_eq!(joined.text(row), plain.text(row));
            prop_assert_eq!(joined.is_null(row), plain.is_null(row));
            prop_assert_eq!(joined.value(row), plain.value(row));
            prop_assert_eq!(joined.key_text(row), plain.key_text(row));
            prop_assert_eq!(joined.number(row), plain.number(row));
            let short = |t: &str| t.len() < 3;
            prop_assert_eq!(joined.any_text(row, short), plain.any_text(row, short));
        }
        let numbered = |c: &Column| {
            c.codes()
                .map(|c| (c.of_row.iter().collect::<Vec<_>>(), c.texts.clone()))
        };
        prop_assert_eq!(numbered(&joined), numbered(&plain));
        prop_assert_eq!(matches!(joined.data, ColumnData::Coded(_)), plain.codes().is_some());
        // Pushed to after the join (as a column made by a rule may be), it
        // is plain text again and still reads the same.
        joined.push_text("late").unwrap();
        plain.push_text("late").unwrap();
        prop_assert_eq!(joined.text(cells.len()), Some("late"));
        prop_assert_eq!(joined.text(0), plain.text(0));
        Ok(())
    }

    proptest::proptest! {
        #[test]
        fn few_values_joined_read_like_plain_text(
            cells in proptest::collection::vec("|won|lost|open|[a-z]{1,2}", 0..200),
            cuts in proptest::collection::vec(0usize..200, 0..6),
            windows in 1usize..4,
        ) {
            joined_reads_like_plain(&cells, &cuts, windows)?;
        }

        /// Past [`MAX_CODES`] values, in the first part or a later one.
        #[test]
        fn many_values_joined_read_like_plain_text(
            distinct in (MAX_CODES - 2)..(MAX_CODES + 3),
            cuts in proptest::collection::vec(0usize..5000, 0..4),
            windows in 1usize..4,
        ) {
            let cells: Vec<String> = (0..distinct + 100).map(|i| format!("v{}", i % distinct)).collect();
            joined_reads_like_plain(&cells, &cuts, windows)?;
        }
    }

    proptest::proptest! {
        /// Two values have the same key exactly when they are equal.
        #[test]
        fn keys_are_the_values(a in "[ab\u{e9}]{0,18}", b in "[ab\u{e9}]{0,18}") {
            prop_assert_eq!(Key::of(a.as_bytes()) == Key::of(b.as_bytes()), a == b);
        }

        /// The value table gives each value the number it was given, short
        /// and long values alike, values alike in their first and last bytes
        /// included.
        #[test]
        fn values_find_their_numbers(values in proptest::collection::vec("[ab\u{e9}]{0,20}", 0..300)) {
            let mut numbers = Numbers::default();
            let mut known: HashMap<&str, u16> = HashMap::new();
            for v in &values {
                let expected = known.get(v.as_str()).copied();
                prop_assert_eq!(numbers.get(&Key::of(v.as_bytes())), expected, "{:?}", v);
                if expected.is_none() {
                    let code = u16::try_from(known.len()).unwrap();
                    known.insert(v, code);
                    numbers.insert(v, code);
                }
            }
        }
    }

    #[test]
    fn many_values_and_other_columns_are_not_numbered() {
        let mut ids = Column::new(FieldType::Text);
        for i in 0..=MAX_CODES {
            ids.push_text(&format!("L-{i}")).unwrap();
        }
        assert!(ids.codes().is_none());
        let mut list = Column::new(FieldType::List);
        list.push_text("a; b").unwrap();
        assert!(list.codes().is_none());
        assert!(Column::new(FieldType::Number).codes().is_none());
    }
}
