//! Value numbers by value, and the loop that numbers a column's cells with
//! them: the one cost per cell of a numbered column, paid as a stretch of a
//! file is read (or as plain text is numbered on first use).

use super::MAX_CODES;
use std::collections::HashMap;

/// Value numbers by value: values of up to 16 bytes (what numbered columns
/// mostly hold) in a table of their own, found by their two words and length
/// without a string compare; longer ones in a hash map. The table holds
/// value numbers (two bytes a slot, little to clear) and the words sit
/// beside it by number.
#[derive(Clone)]
pub(in crate::bundle) struct Numbers {
    /// A value's number + 1 by its hash; 0 empty.
    slots: Vec<u16>,
    /// (length, first word, last word) of each short value, by number.
    words: Vec<(u8, u64, u64)>,
    long: HashMap<Box<[u8]>, u16, foldhash::fast::RandomState>,
    /// The numbers of a run of cells, before they join the column's rows
    /// (kept to be reused by the next run of the same column).
    pub(super) run: Vec<u16>,
}

impl std::fmt::Debug for Numbers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Numbers({} short, {} long)", self.words.len(), self.long.len())
    }
}

/// Slots of the short table: twice the values it may hold.
const SHORT_SLOTS: usize = 2 * MAX_CODES;

impl Default for Numbers {
    fn default() -> Self {
        Numbers {
            slots: vec![0; SHORT_SLOTS],
            words: Vec::new(),
            long: HashMap::default(),
            run: Vec::new(),
        }
    }
}

impl Numbers {
    /// The numbers of values already numbered (value `i` has number `i`).
    pub(super) fn of(texts: &[String]) -> Self {
        let mut numbers = Numbers::default();
        for (t, c) in texts.iter().zip(0u16..) {
            numbers.insert(&Key::of(t.as_bytes()), c);
        }
        numbers
    }

    /// Forgets every value, keeping the room.
    pub(super) fn clear(&mut self) {
        self.slots.fill(0);
        self.words.clear();
        self.long.clear();
        self.run.clear();
    }

    /// The slot of a short value: its own, or the empty one it would take.
    #[inline(always)]
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

    #[inline(always)]
    fn get(&self, key: &Key<'_>) -> Option<u16> {
        match *key {
            Key::Short(len, a, b) => self.slots[self.slot((len, a, b))].checked_sub(1),
            Key::Long(t) => self.long.get(t).copied(),
        }
    }

    fn insert(&mut self, key: &Key<'_>, code: u16) {
        match *key {
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
                self.long.insert(t.into(), code);
            }
        }
    }
}

/// Numbers `cells` in order, appending their numbers to `out`: a value not
/// in `numbers` takes the next number and is added to `texts` (which holds
/// the values by number). Stops before the first cell that would pass
/// [`MAX_CODES`] values: false then, with the cells before it numbered.
/// Cells are bytes of UTF-8 text, made text only when new.
#[inline]
pub(super) fn number_cells<'c>(
    numbers: &mut Numbers,
    texts: &mut Vec<String>,
    out: &mut Vec<u16>,
    cells: impl Iterator<Item = &'c [u8]>,
) -> bool {
    // The cell before's value and number: exports sorted by date or id
    // repeat a stage or campaign on the next row as often as not (40% of
    // the cells of the generated bundles), and two words compare for less
    // than a hash and probe.
    let mut previous: Option<(Key<'c>, u16)> = None;
    for cell in cells {
        let key = Key::of(cell);
        if let Some((last, code)) = &previous
            && *last == key
        {
            out.push(*code);
            continue;
        }
        let code = match numbers.get(&key) {
            Some(c) => c,
            None => {
                let next = texts.len();
                let Some(c) = u16::try_from(next).ok().filter(|_| next < MAX_CODES) else {
                    return false;
                };
                numbers.insert(&key, c);
                texts.push(String::from_utf8_lossy(cell).into_owned());
                c
            }
        };
        out.push(code);
        previous = Some((key, code));
    }
    true
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
    #[inline(always)]
    fn of(b: &'t [u8]) -> Self {
        let n = b.len();
        let u64_at = |s: &[u8]| <[u8; 8]>::try_from(s).map_or(0, u64::from_le_bytes);
        let u32_at = |s: &[u8]| <[u8; 4]>::try_from(s).map_or(0, |w| u64::from(u32::from_le_bytes(w)));
        let len = u8::try_from(n).unwrap_or(u8::MAX);
        match n {
            8..=16 => Key::Short(len, u64_at(&b[..8]), u64_at(&b[n - 8..])),
            4..=7 => Key::Short(len, u32_at(&b[..4]), u32_at(&b[n - 4..])),
            // Empty cells (a lead with no deal), flags, country codes: the
            // first, middle and last bytes are the bytes.
            1..=3 => Key::Short(
                len,
                u64::from(b[0]) | u64::from(b[n / 2]) << 8 | u64::from(b[n - 1]) << 16,
                0,
            ),
            0 => Key::Short(0, 0, 0),
            _ => Key::Long(b),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::prop_assert_eq;

    proptest::proptest! {
        /// Two values have the same key exactly when they are equal.
        #[test]
        fn keys_are_the_values(a in "[ab\u{e9}]{0,18}", b in "[ab\u{e9}]{0,18}") {
            prop_assert_eq!(Key::of(a.as_bytes()) == Key::of(b.as_bytes()), a == b);
        }

        /// The value table gives each value the number it was given, short
        /// and long values alike, values alike in their first and last bytes
        /// included; and numbering cells gives the same numbers, new values
        /// in order of first appearance.
        #[test]
        fn values_find_their_numbers(values in proptest::collection::vec("[ab\u{e9}]{0,20}", 0..300)) {
            let mut numbers = Numbers::default();
            let mut known: HashMap<&str, u16> = HashMap::new();
            let mut expected_codes = Vec::new();
            for v in &values {
                let expected = known.get(v.as_str()).copied();
                prop_assert_eq!(numbers.get(&Key::of(v.as_bytes())), expected, "{:?}", v);
                let code = expected.unwrap_or_else(|| {
                    let code = u16::try_from(known.len()).unwrap();
                    known.insert(v, code);
                    numbers.insert(&Key::of(v.as_bytes()), code);
                    code
                });
                expected_codes.push(code);
            }
            let (mut fresh, mut texts, mut out) = (Numbers::default(), Vec::new(), Vec::new());
            prop_assert_eq!(number_cells(&mut fresh, &mut texts, &mut out, values.iter().map(|v| v.as_bytes())), true);
            prop_assert_eq!(out, expected_codes);
            prop_assert_eq!(texts.len(), known.len());
            for (t, c) in texts.iter().zip(0u16..) {
                prop_assert_eq!(known.get(t.as_str()), Some(&c));
            }
            // Built again from the texts, and cleared.
            let again = Numbers::of(&texts);
            for v in &values {
                prop_assert_eq!(again.get(&Key::of(v.as_bytes())), known.get(v.as_str()).copied());
            }
            fresh.clear();
            for v in &values {
                prop_assert_eq!(fresh.get(&Key::of(v.as_bytes())), None);
            }
        }
    }

    #[test]
    fn numbering_stops_before_the_value_past_the_most() {
        let cells: Vec<String> = (0..=MAX_CODES).map(|i| format!("v{i}")).collect();
        let (mut numbers, mut texts, mut out) = (Numbers::default(), Vec::new(), Vec::new());
        let all = number_cells(&mut numbers, &mut texts, &mut out, cells.iter().map(|c| c.as_bytes()));
        assert!(!all);
        assert_eq!((out.len(), texts.len()), (MAX_CODES, MAX_CODES));
        // A value already numbered still is.
        assert!(number_cells(
            &mut numbers,
            &mut texts,
            &mut out,
            [b"v7".as_slice()].into_iter()
        ));
        assert_eq!(out.last(), Some(&7));
    }
}
