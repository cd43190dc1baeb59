//! Normalised keys found among ordered ids ([`Column::ordered_ids`]) by a binary
//! search, where a semi-join or lookup would otherwise normalise and hash a
//! million ids (CRED-003's and COMP-007's deals, COMP-005's distinct leads).
//!
//! Normalising (see [`normalize`]) an id that is a prefix and digits reads
//! the prefix the same way whatever the digits are, and copies the digits
//! as they are after it: every id of the column reads as one text `Q`
//! followed by its own digits. So no two ids read alike, and a normalised
//! key names the row whose digits follow `Q` in it, or no row.

use super::vocab::normalize;
use crate::bundle::Column;

pub(crate) struct IdKeys<'c> {
    col: &'c Column,
    /// What every id reads as before its digits (`o ` for `O-0000001`).
    normalized_prefix: String,
}

impl<'c> IdKeys<'c> {
    /// The column's ids as normalised keys, if they are ordered ids.
    pub fn of(col: &'c Column) -> Option<Self> {
        let mut normalized_prefix = normalize(&format!("{}0", col.ordered_ids()?.prefix()));
        (normalized_prefix.pop() == Some('0')).then_some(IdKeys { col, normalized_prefix })
    }

    /// The row whose id normalises to `key`.
    pub fn row_of(&self, key: &str) -> Option<usize> {
        let digits = key.strip_prefix(self.normalized_prefix.as_str())?;
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        self.col.row_of_id(digits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::FieldType;

    proptest::proptest! {
        /// The claim the module rests on: a prefix reads the same whatever
        /// digits follow it, and the digits are copied as they are.
        #[test]
        fn an_id_reads_as_its_prefix_then_its_digits(prefix in "[ -~]{0,8}[ -/:-~]|", digits in "[0-9]{1,9}") {
            let mut q = normalize(&format!("{prefix}0"));
            proptest::prop_assert_eq!(q.pop(), Some('0'));
            proptest::prop_assert_eq!(normalize(&format!("{prefix}{digits}")), format!("{q}{digits}"));
        }

        /// A key finds the first row whose id normalises to it, as a scan
        /// of every row would, and no row where there is none.
        #[test]
        fn a_key_finds_the_row_a_scan_finds(
            prefix in "[ -~]{0,6}[ -/:-~]|",
            numbers in proptest::collection::btree_set(0u32..5000, 1..40),
            probes in proptest::collection::vec((0u32..5000, 0usize..4), 1..40),
        ) {
            let mut col = Column::new(FieldType::Text);
            numbers.iter().for_each(|n| col.push_text(&format!("{prefix}{n:04}")).unwrap());
            let keys = IdKeys::of(&col).expect("ordered ids");
            for (n, spelling) in probes {
                let raw = format!("{prefix}{n:04}");
                // The key as written elsewhere: as the id, lower-cased, with
                // other separators, or a different number of digits.
                let written = match spelling {
                    0 => raw.clone(),
                    1 => raw.to_lowercase(),
                    2 => raw.replace(['-', '_', ' '], "."),
                    _ => format!("{prefix}{n}"),
                };
                let key = normalize(&written);
                let scanned = (0..col.len()).position(|r| col.text(r).is_some_and(|id| normalize(id) == key));
                proptest::prop_assert_eq!(keys.row_of(&key), scanned, "key {:?}", key);
            }
        }
    }
}
