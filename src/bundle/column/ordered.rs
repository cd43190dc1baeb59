//! Ids that are one prefix and a number, in increasing order (`O-0000001`,
//! `O-0000002`, ...; HubSpot's `12345`, `12346`): how most exports write
//! their record ids, and what lets a million of them be searched in place
//! instead of hashed. Found once per column, on first ask, and kept with it.

use super::{Column, ColumnData};
use crate::value::FieldType;

/// What a column of ordered ids has in common: every row holds its prefix
/// followed by one or more ASCII digits (the prefix ends in no digit), and
/// each row's text sorts after the one before it, byte by byte. So no id
/// repeats, and a row is found by a binary search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderedIds {
    prefix: Box<str>,
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
        let mut previous: &[u8] = &[];
        let mut rows = 0usize;
        let mut ordered = true;
        // A million ids a column: each is read once, and its prefix is not
        // compared. Ids in increasing order between two that start with the
        // prefix start with it too (the first does; the last is checked below).
        ends.each_span(|_, start, end| {
            let text = &bytes[start..end];
            ordered = text.len() > p
                && text[p..].iter().all(u8::is_ascii_digit)
                && (rows == 0 || crate::value::compare_bytes(previous, text).is_lt());
            previous = text;
            rows += 1;
            ordered
        });
        // `each_span` passes over empty rows: an id on every row is one call a row.
        if !ordered || rows != col.len() || !previous.starts_with(prefix.as_bytes()) {
            return None;
        }
        Some(OrderedIds { prefix: prefix.into() })
    }
}

impl Column {
    /// The column's ordered ids, if that is what it holds (see [`OrderedIds`]).
    pub fn ordered_ids(&self) -> Option<&OrderedIds> {
        self.ordered
            .get_or_init(|| OrderedIds::of(self).map(Box::new))
            .as_deref()
    }

    /// The row whose id is the prefix of `ids` followed by `digits`, by a
    /// binary search; `ids` is what [`Column::ordered_ids`] found.
    pub fn row_of_id(&self, ids: &OrderedIds, digits: &str) -> Option<usize> {
        let (prefix, digits) = (ids.prefix.as_bytes(), digits.as_bytes());
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
        }
        let mut list = Column::new(FieldType::List);
        list.push_text("1").unwrap();
        assert_eq!(list.ordered_ids(), None);
    }

    #[test]
    fn a_row_is_found_by_its_digits() {
        let texts: Vec<String> = (0..1000).map(|n| format!("L-{:07}", n * 3)).collect();
        let c = column(&texts.iter().map(String::as_str).collect::<Vec<_>>());
        let ids = c.ordered_ids().expect("ordered ids");
        for n in 0..3000 {
            let found = c.row_of_id(ids, &format!("{n:07}"));
            assert_eq!(found, (n % 3 == 0).then_some(n / 3), "{n}");
        }
        assert_eq!(c.row_of_id(ids, "3"), None);
        assert_eq!(c.row_of_id(ids, "99999999"), None);
    }
}
