//! Ids that are one prefix and a number, in increasing order (`O-0000001`,
//! `O-0000002`, ...; HubSpot's `12345`, `12346`): how most exports write
//! their record ids, and what lets a million of them be searched in place
//! instead of hashed. Found once per column, on first ask, and kept with it.

use super::{Column, ColumnData, Ends};
use crate::value::FieldType;

/// What a column of ordered ids has in common: every row holds its prefix
/// followed by one or more ASCII digits (the prefix ends in no digit), and
/// each row's text sorts after the one before it, byte by byte. So no id
/// repeats, and a row is found by a binary search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderedIds {
    prefix: Box<str>,
    /// The numbers of the first and last ids, when they have at most 18
    /// digits: where an id's row is guessed.
    numbers: Option<(u64, u64)>,
}

/// The number an id's digits write, when it fits.
fn number_of(digits: &[u8]) -> Option<u64> {
    (!digits.is_empty() && digits.len() <= 18 && digits.iter().all(u8::is_ascii_digit))
        .then(|| digits.iter().fold(0u64, |n, d| n * 10 + u64::from(d - b'0')))
}

impl OrderedIds {
    /// The text every id starts with (ASCII, maybe empty).
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// What the ids of `col` have in common, if they are ordered ids: a
    /// text column (not a list) with an id on every row.
    fn of(col: &Column) -> Option<OrderedIds> {
        let ColumnData::Text { buf, ends } = &col.data else {
            return None;
        };
        if col.ty != FieldType::Text || col.is_empty() {
            return None;
        }
        let first = col.text(0).unwrap_or_default();
        let prefix = &first[..first.len() - first.bytes().rev().take_while(u8::is_ascii_digit).count()];
        if !prefix.is_ascii() {
            return None;
        }
        let (bytes, p) = (buf.as_bytes(), prefix.len());
        // A million ids a column: each is read once, and its prefix is not
        // compared. Ids in increasing order between two that start with the
        // prefix start with it too (the first does; the last is checked here).
        let ordered = match ends {
            Ends::Fixed { width, len } if *width <= 16 => of_one_width(bytes, *width as usize, p, *len),
            _ => of_any_width(bytes, ends, p, col.len()),
        };
        let last = col.text(col.len() - 1).unwrap_or_default();
        if !ordered || !last.starts_with(prefix) {
            return None;
        }
        let numbers = number_of(&first.as_bytes()[prefix.len()..]).zip(number_of(&last.as_bytes()[prefix.len()..]));
        Some(OrderedIds {
            prefix: prefix.into(),
            numbers,
        })
    }

    /// The row an id with these digits would be on if the `rows` ids from
    /// the first to the last were evenly spread (as ids numbered one by one
    /// are: then it is the row).
    fn guess(&self, digits: &[u8], rows: usize) -> Option<usize> {
        let (first, last) = self.numbers?;
        let n = number_of(digits)?;
        if n < first || n > last || last == first {
            return (n == first).then_some(0);
        }
        let row = u128::from(n - first) * (rows.saturating_sub(1) as u128) / u128::from(last - first);
        usize::try_from(row).ok()
    }
}

/// Whether every id has digits after the prefix's `p` bytes and sorts
/// after the one before it; every row has one.
fn of_any_width(bytes: &[u8], ends: &Ends, p: usize, rows: usize) -> bool {
    let mut previous: &[u8] = &[];
    let mut seen = 0usize;
    let mut ordered = true;
    ends.each_span(|_, start, end| {
        let text = &bytes[start..end];
        ordered = text.len() > p
            && text[p..].iter().all(u8::is_ascii_digit)
            && (seen == 0 || crate::value::compare_bytes(previous, text).is_lt());
        previous = text;
        seen += 1;
        ordered
    });
    // `each_span` passes over empty rows: an id on every row is one call a row.
    ordered && seen == rows
}

/// [`of_any_width`] for `len` ids of one width of at most 16 bytes: each
/// read as one number, its bytes most significant first (ids of one width
/// sort as those numbers do), and its digits checked together (a byte is a
/// digit when its high half is 3 and adding 6 to its low half carries
/// nothing).
fn of_one_width(bytes: &[u8], width: usize, p: usize, len: usize) -> bool {
    if width <= p || width > 16 {
        return false;
    }
    let every = |byte: u8| u128::from_ne_bytes([byte; 16]);
    let digits = u128::MAX >> (8 * (16 - (width - p)));
    let (high, threes, sixes) = (every(0xF0) & digits, every(0x30) & digits, every(0x06) & digits);
    let shift = 8 * (16 - width);
    let read = |r: usize| -> u128 {
        let start = r * width;
        match bytes.get(start..start + 16) {
            Some(word) => u128::from_be_bytes(word.try_into().unwrap_or_default()) >> shift,
            None => {
                let mut word = [0u8; 16];
                word[16 - width..].copy_from_slice(&bytes[start..start + width]);
                u128::from_be_bytes(word)
            }
        }
    };
    let mut previous = None;
    (0..len).all(|r| {
        let id = read(r);
        let ordered = id & high == threes && id.wrapping_add(sixes) & high == threes && previous.is_none_or(|p| p < id);
        previous = Some(id);
        ordered
    })
}

impl Column {
    /// The column's ordered ids, if that is what it holds (see [`OrderedIds`]).
    pub fn ordered_ids(&self) -> Option<&OrderedIds> {
        self.ordered
            .get_or_init(|| OrderedIds::of(self).map(Box::new))
            .as_deref()
    }

    /// The row whose id is the prefix of its ordered ids followed by
    /// `digits`: where the ids' numbers say it is when they are numbered
    /// one by one, else found by a binary search; none when the column's
    /// ids are not ordered ids.
    pub fn row_of_id(&self, digits: &str) -> Option<usize> {
        let ids = self.ordered_ids()?;
        let (prefix, digits) = (ids.prefix.as_bytes(), digits.as_bytes());
        if let Some(row) = ids.guess(digits, self.len())
            && self.text(row).and_then(|t| t.as_bytes().get(prefix.len()..)) == Some(digits)
        {
            return Some(row);
        }
        let (mut low, mut high) = (0, self.len());
        while low < high {
            let mid = low + (high - low) / 2;
            let text = self.text(mid)?.as_bytes();
            // The ids all start with the prefix: the digits decide.
            match text.get(prefix.len()..).unwrap_or_default().cmp(digits) {
                std::cmp::Ordering::Less => low = mid + 1,
                std::cmp::Ordering::Greater => high = mid,
                std::cmp::Ordering::Equal => return Some(mid),
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(texts: &[&str]) -> Column {
        let mut c = Column::new(FieldType::Text);
        for t in texts {
            c.push_text(t).unwrap();
        }
        c
    }

    #[test]
    fn ids_of_one_prefix_in_order_are_ordered_ids() {
        let c = column(&["O-0000001", "O-0000002", "O-0000010"]);
        assert_eq!(c.ordered_ids().map(OrderedIds::prefix), Some("O-"));
        let numbers = column(&["1", "2", "30"]);
        assert_eq!(numbers.ordered_ids().map(OrderedIds::prefix), Some(""));
    }

    #[test]
    fn anything_else_is_not() {
        for texts in [
            &["O-2", "O-1"][..],                       // out of order
            &["O-1", "O-1"],                           // repeated
            &["O-1", "P-2"],                           // two prefixes
            &["O-1", ""],                              // a row without an id
            &["O-1", "O-2a"],                          // not ending in digits
            &["O-1", "O-2", "O-"],                     // no digits
            &["Ö-1", "Ö-2"],                           // a prefix not ASCII
            &["0015g00000AbCdE1", "0015g00000AbCdF2"], // Salesforce's: a prefix each
        ] {
            assert_eq!(column(texts).ordered_ids(), None, "{texts:?}");
            // Kept as cells of one width where they have one.
            let mut narrowed = column(texts);
            narrowed.shrink_to_fit();
            assert_eq!(narrowed.ordered_ids(), None, "{texts:?}");
        }
        let mut list = Column::new(FieldType::List);
        list.push_text("1").unwrap();
        assert_eq!(list.ordered_ids(), None);
    }

    /// What ordered ids are, written as plainly as possible.
    fn ordered_ids_by_definition(texts: &[String]) -> Option<String> {
        let first = texts.first()?;
        let prefix = first.trim_end_matches(|c: char| c.is_ascii_digit());
        let shaped = texts.iter().all(|t| {
            t.strip_prefix(prefix)
                .is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
        });
        let increasing = texts.windows(2).all(|w| w[0].as_bytes() < w[1].as_bytes());
        (shaped && increasing && prefix.is_ascii()).then(|| prefix.to_string())
    }

    proptest::proptest! {
        /// Columns of one width (read a word at a time) and of many widths
        /// (read byte by byte) are found ordered exactly when they are.
        #[test]
        fn ordered_ids_are_found_as_defined(
            prefix in "|A|B/|/",
            // Mostly ids of the one prefix; some of another, or with a
            // byte that is not a digit (`:` and `/` sit beside the digits).
            mut texts in proptest::collection::vec(
                proptest::prop_oneof![8 => "[0-9]{1,3}", 1 => "[0-9]{0,2}[:/A][0-9]?", 1 => "B/[0-9]"],
                1..12,
            ),
            sort in proptest::bool::ANY,
            widths in proptest::bool::ANY,
            repeat in proptest::option::of(0usize..12),
        ) {
            if widths {
                texts.iter_mut().for_each(|t| *t = format!("{t:0>3}"));
            }
            texts.iter_mut().for_each(|t| t.insert_str(0, &prefix));
            if sort {
                texts.sort();
            }
            // One id written twice, where the rest are in order.
            if let Some(at) = repeat.filter(|at| *at < texts.len()) {
                texts.insert(at, texts[at].clone());
            }
            let mut col = column(&texts.iter().map(String::as_str).collect::<Vec<_>>());
            col.shrink_to_fit();
            let found = col.ordered_ids().map(|o| o.prefix().to_string());
            proptest::prop_assert_eq!(found, ordered_ids_by_definition(&texts), "{:?} {:?}", texts, col.data);
        }
    }

    #[test]
    fn ids_of_one_width_are_read_as_numbers() {
        for width in 1..=16usize {
            let texts: Vec<String> = (0..40u64)
                .map(|n| format!("X{:0w$}", n * 7, w = width - 1))
                .filter(|t| t.len() == width)
                .collect();
            let mut col = column(&texts.iter().map(String::as_str).collect::<Vec<_>>());
            col.shrink_to_fit();
            let expected = (width > 1).then(|| "X".to_string());
            assert!(
                matches!(
                    col.data,
                    ColumnData::Text {
                        ends: Ends::Fixed { .. },
                        ..
                    }
                ) || texts.is_empty(),
                "{width}"
            );
            assert_eq!(col.ordered_ids().map(|o| o.prefix().to_string()), expected, "{width}");
            // One digit that is not: at each place of each id.
            for (i, t) in texts.iter().enumerate() {
                for at in 1..t.len() {
                    let mut bad = texts.clone();
                    let mut b = bad[i].clone().into_bytes();
                    b[at] = b':';
                    bad[i] = String::from_utf8(b).unwrap();
                    let mut col = column(&bad.iter().map(String::as_str).collect::<Vec<_>>());
                    col.shrink_to_fit();
                    assert_eq!(col.ordered_ids(), None, "{bad:?}");
                }
            }
        }
    }

    #[test]
    fn a_row_is_found_by_its_digits() {
        let texts: Vec<String> = (0..1000).map(|n| format!("L-{:07}", n * 3)).collect();
        let c = column(&texts.iter().map(String::as_str).collect::<Vec<_>>());
        assert!(c.ordered_ids().is_some());
        for n in 0..3000 {
            let found = c.row_of_id(&format!("{n:07}"));
            assert_eq!(found, (n % 3 == 0).then_some(n / 3), "{n}");
        }
        assert_eq!(c.row_of_id("3"), None);
        assert_eq!(c.row_of_id("99999999"), None);
    }

    #[test]
    fn a_row_is_found_where_the_ids_are_not_evenly_spread() {
        // Squares, of one width and of several: a guess by the numbers
        // mostly misses, and the search finds the row.
        for width in [7, 0] {
            // Of several widths, ordered ids sort byte by byte ("HS16" before "HS4").
            let mut texts: Vec<String> = (1..300).map(|n| format!("HS{:0width$}", n * n)).collect();
            texts.sort();
            let c = column(&texts.iter().map(String::as_str).collect::<Vec<_>>());
            assert!(c.ordered_ids().is_some());
            for n in 0..90_000 {
                let expected = texts.iter().position(|t| t[2..] == format!("{n:0width$}"));
                assert_eq!(c.row_of_id(&format!("{n:0width$}")), expected, "{n}");
            }
            // The number of an id, written otherwise, is not its id.
            assert_eq!(c.row_of_id(&format!("0{:0width$}", 4)), None);
        }
        let one = column(&["O-7"]);
        assert_eq!(
            (one.row_of_id("7"), one.row_of_id("8"), one.row_of_id("07")),
            (Some(0), None, None)
        );
    }
}
