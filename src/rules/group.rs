//! Totals per distinct value of a field (`org.group_count`, `org.group_sum`)
//! over million-row datasets. Rows are grouped by the cell as stored (day
//! numbers, number bits, borrowed text), and each group's key is written as
//! text once at the end, not once per row.

use crate::bundle::{Column, ColumnData, Days, NULL_DATE};
use crate::value::FieldType;
use std::collections::{BTreeMap, HashMap};

/// The key of a missing cell.
pub const MISSING_KEY: &str = "(none)";

#[derive(PartialEq, Eq, Hash)]
enum Key<'a> {
    Missing,
    /// A text cell: the key is the text itself.
    Text(&'a str),
    /// A list cell, written as text at the end.
    List(&'a str),
    /// A number, date or yes/no cell, written as text at the end.
    Raw(u64),
}

fn key_of(column: &Column, row: usize) -> Key<'_> {
    if column.is_null(row) {
        return Key::Missing;
    }
    match (&column.data, column.ty) {
        (ColumnData::Text { .. }, FieldType::List) => Key::List(column.text(row).unwrap_or_default()),
        (ColumnData::Text { .. } | ColumnData::Coded(_), _) => Key::Text(column.text(row).unwrap_or_default()),
        (ColumnData::Number(v), _) => Key::Raw(v.get(row).unwrap_or(f64::NAN).to_bits()),
        (ColumnData::Date(v), _) => Key::Raw(u64::from_ne_bytes(
            i64::from(v.get(row).unwrap_or(NULL_DATE)).to_ne_bytes(),
        )),
        (ColumnData::Bool(v), _) => Key::Raw(u64::from(v[row])),
    }
}

/// More distinct keys than allowed.
#[derive(Debug, PartialEq)]
pub struct TooManyGroups;

/// Count (no `value`) or sum of `value` per distinct key over `rows`, keys
/// as text in sorted order. Stops as soon as there are more than `max_groups`.
pub fn totals(
    key: Option<&Column>,
    value: Option<Option<&Column>>,
    mut rows: impl Iterator<Item = usize>,
    max_groups: usize,
) -> Result<BTreeMap<String, f64>, TooManyGroups> {
    if let Some(ColumnData::Date(days)) = key.map(|c| &c.data)
        && let Some(result) = date_totals(days, key, value, &mut rows, max_groups)
    {
        return result;
    }
    hashed_totals(key, value, rows, max_groups)
}

/// `totals` for any key column, with a hash map of the stored keys.
fn hashed_totals(
    key: Option<&Column>,
    value: Option<Option<&Column>>,
    rows: impl Iterator<Item = usize>,
    max_groups: usize,
) -> Result<BTreeMap<String, f64>, TooManyGroups> {
    // Each group keeps its total and a row that holds its key.
    let mut groups: HashMap<Key<'_>, (f64, usize), foldhash::fast::RandomState> = HashMap::default();
    for row in rows {
        let k = key.map_or(Key::Missing, |c| key_of(c, row));
        let add = match value {
            Some(v) => v.and_then(|c| c.number(row)).unwrap_or(0.0),
            None => 1.0,
        };
        match groups.get_mut(&k) {
            Some(group) => group.0 += add,
            None => {
                if groups.len() == max_groups {
                    return Err(TooManyGroups);
                }
                groups.insert(k, (add, row));
            }
        }
    }
    let mut out = BTreeMap::new();
    // Summed into a sorted map, so the hash order does not show.
    #[allow(clippy::iter_over_hash_type)]
    for (k, (total, row)) in groups {
        let text = match (k, key) {
            (Key::Text(t), _) => t.to_string(),
            (Key::List(_) | Key::Raw(_), Some(c)) => c.key_text(row).into_owned(),
            _ => MISSING_KEY.to_string(),
        };
        // Two stored forms may read the same (0 and -0): one group.
        *out.entry(text).or_insert(0.0) += total;
    }
    Ok(out)
}

/// Dates span a few thousand days: above this many, they are grouped by hash.
const DENSE_DAYS: i64 = 1 << 16;

/// `totals` keyed by a date column: a slot per day of the column's span
/// instead of a hash map, because per-day counts over a million leads are
/// what the default pack asks most. None when the dates span too many days.
fn date_totals(
    days: &Days,
    key: Option<&Column>,
    value: Option<Option<&Column>>,
    rows: &mut impl Iterator<Item = usize>,
    max_groups: usize,
) -> Option<Result<BTreeMap<String, f64>, TooManyGroups>> {
    let key = key?;
    let mut known = days.iter().filter(|d| *d != NULL_DATE);
    let first = i64::from(known.next().unwrap_or(0));
    let (low, high) = known.fold((first, first), |(lo, hi), d| {
        (lo.min(i64::from(d)), hi.max(i64::from(d)))
    });
    if high - low >= DENSE_DAYS {
        return None;
    }
    // Per day: the total and a row holding that day (usize::MAX: no row yet).
    let mut slots = vec![(0.0, usize::MAX); (high - low + 1) as usize];
    let mut missing = (0.0, usize::MAX);
    let mut groups = 0;
    for row in rows {
        let add = match value {
            Some(v) => v.and_then(|c| c.number(row)).unwrap_or(0.0),
            None => 1.0,
        };
        let day = days.get(row).unwrap_or(NULL_DATE);
        let slot = if day == NULL_DATE {
            &mut missing
        } else {
            &mut slots[(i64::from(day) - low) as usize]
        };
        if slot.1 == usize::MAX {
            if groups == max_groups {
                return Some(Err(TooManyGroups));
            }
            groups += 1;
            slot.1 = row;
        }
        slot.0 += add;
    }
    let mut out = BTreeMap::new();
    for &(total, row) in slots.iter().filter(|s| s.1 != usize::MAX) {
        out.insert(key.key_text(row).into_owned(), total);
    }
    if missing.1 != usize::MAX {
        out.insert(MISSING_KEY.to_string(), missing.0);
    }
    Some(Ok(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(ty: FieldType, cells: &[&str]) -> Column {
        let mut c = Column::new(ty);
        for cell in cells {
            c.push_text(cell).unwrap();
        }
        c
    }

    #[test]
    fn dates_numbers_and_text_group_by_their_written_value() {
        let dates = column(FieldType::Date, &["2025-01-02", "", "2025-01-02", "2024-12-31"]);
        let amounts = column(FieldType::Number, &["10", "5", "2.5", "1"]);
        let sums = totals(Some(&dates), Some(Some(&amounts)), 0..4, 10).unwrap();
        let expected: BTreeMap<String, f64> = [("(none)", 5.0), ("2024-12-31", 1.0), ("2025-01-02", 12.5)]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        assert_eq!(sums, expected);
        let counts = totals(Some(&amounts), None, [0, 2, 3].into_iter(), 10).unwrap();
        assert_eq!(counts.keys().collect::<Vec<_>>(), ["1", "10", "2.5"]);
        let text = column(FieldType::Text, &["Web", "web", "Web"]);
        let counts = totals(Some(&text), None, 0..3, 10).unwrap();
        assert_eq!(counts.get("Web"), Some(&2.0), "text keys keep their case");
    }

    proptest::proptest! {
        /// Dates grouped by day slots agree with dates grouped by hash, for
        /// any dates (spans too wide for slots included), rows and limit.
        #[test]
        fn day_slots_group_like_the_hash_map(
            days in proptest::collection::vec(proptest::option::weighted(0.8, -3i32..400), 0..60),
            far in proptest::bool::ANY,
            picks in proptest::collection::vec(proptest::bool::ANY, 60),
            max_groups in 0usize..30,
        ) {
            let cells: Vec<String> = days
                .iter()
                .enumerate()
                .map(|(i, d)| match d {
                    // A date far away forces the hash map for the whole column.
                    Some(_) if far && i == 0 => "2400-01-01".to_string(),
                    Some(d) => crate::value::iso_date(
                        chrono::NaiveDate::from_ymd_opt(2024, 12, 1).unwrap() + chrono::Days::new((d + 3) as u64),
                    ),
                    None => String::new(),
                })
                .collect();
            let dates = column(FieldType::Date, &cells.iter().map(String::as_str).collect::<Vec<_>>());
            let amounts: Vec<String> = (0..cells.len()).map(|i| format!("{}.5", i % 7)).collect();
            let amounts = column(FieldType::Number, &amounts.iter().map(String::as_str).collect::<Vec<_>>());
            let rows = || (0..cells.len()).filter(|r| picks[*r]);
            for value in [None, Some(Some(&amounts)), Some(None)] {
                proptest::prop_assert_eq!(
                    totals(Some(&dates), value, rows(), max_groups),
                    hashed_totals(Some(&dates), value, rows(), max_groups)
                );
            }
        }
    }

    #[test]
    fn too_many_groups_stops_early() {
        let ids = column(FieldType::Text, &["a", "b", "c", "a"]);
        assert_eq!(totals(Some(&ids), None, 0..4, 2), Err(TooManyGroups));
        assert_eq!(totals(Some(&ids), None, 0..4, 3).unwrap().len(), 3);
    }
}
