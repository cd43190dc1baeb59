//! The day numbers of a date column.
//!
//! A loaded column's dates nearly always span less than 179 years, so each is
//! kept as two bytes from the column's first day instead of four: a million
//! rows with four dates save 8 MB. Columns are read and written as four-byte
//! day numbers while they are built (and computed columns stay so).

use super::column::NULL_DATE;

/// A missing date among two-byte days.
pub(crate) const MISSING: u16 = u16::MAX;

#[derive(Debug, Clone, PartialEq)]
pub enum Days {
    /// Days since 1970-01-01, [`NULL_DATE`] when missing.
    Wide(Vec<i32>),
    /// Days since `base`, [`MISSING`] when missing.
    Narrow { base: i32, offsets: Vec<u16> },
}

impl Default for Days {
    fn default() -> Self {
        Days::Wide(Vec::new())
    }
}

impl Days {
    #[inline]
    pub fn len(&self) -> usize {
        match self {
            Days::Wide(v) => v.len(),
            Days::Narrow { offsets, .. } => offsets.len(),
        }
    }

    /// The row's stored day number ([`NULL_DATE`] when missing); None past the end.
    #[inline]
    pub fn get(&self, row: usize) -> Option<i32> {
        match self {
            Days::Wide(v) => v.get(row).copied(),
            Days::Narrow { base, offsets } => offsets
                .get(row)
                .map(|o| if *o == MISSING { NULL_DATE } else { base + i32::from(*o) }),
        }
    }

    /// The row's day number when it has a date.
    #[inline]
    pub fn known(&self, row: usize) -> Option<i32> {
        self.get(row).filter(|d| *d != NULL_DATE)
    }

    /// Every row's stored day number, in order.
    pub fn iter(&self) -> impl Iterator<Item = i32> + '_ {
        (0..self.len()).map(|row| self.get(row).unwrap_or(NULL_DATE))
    }

    /// The four-byte days, for building the column (a loaded column is not
    /// written to; this keeps it right if it is).
    pub fn wide(&mut self) -> &mut Vec<i32> {
        if let Days::Narrow { .. } = self {
            *self = Days::Wide(self.iter().collect());
        }
        match self {
            Days::Wide(v) => v,
            Days::Narrow { .. } => unreachable!("widened above"),
        }
    }

    /// The four-byte days, when the column is kept so.
    pub fn as_wide(&self) -> Option<&[i32]> {
        match self {
            Days::Wide(v) => Some(v),
            Days::Narrow { .. } => None,
        }
    }

    /// Appends the days of a file's later stretches, kept two bytes a day
    /// while they fall within 89 years either side of the earliest of the
    /// first stretches that hold a date: the column is then never built at
    /// four bytes a day only to be narrowed at the end (a sparse date's
    /// first rows, read while the header was found, often hold none).
    pub fn append(&mut self, parts: &[&[i32]]) {
        if let Days::Wide(v) = self {
            let first = parts
                .iter()
                .flat_map(|p| p.iter())
                .copied()
                .filter(|d| *d != NULL_DATE)
                .min();
            // The rows so far are read only when these hold a date: a
            // column with none is not read again for each stretch.
            if let Some(first) = first
                && v.iter().all(|d| *d == NULL_DATE)
            {
                *self = Days::Narrow {
                    base: first.saturating_sub(i32::from(MISSING / 2)),
                    offsets: vec![MISSING; v.len()],
                };
            }
        }
        let more = parts.iter().map(|p| p.len()).sum();
        if let Days::Narrow { base, offsets } = self {
            let base = *base;
            let offset = |d: i32| -> Option<u16> {
                if d == NULL_DATE {
                    return Some(MISSING);
                }
                u16::try_from(i64::from(d) - i64::from(base))
                    .ok()
                    .filter(|o| *o != MISSING)
            };
            // Narrowed in one pass, and taken back in the rare case a day
            // falls outside the range.
            let before = offsets.len();
            offsets.reserve(more);
            let mut fits = true;
            for p in parts {
                offsets.extend(p.iter().map(|d| {
                    let o = offset(*d);
                    fits &= o.is_some();
                    o.unwrap_or(MISSING)
                }));
            }
            if fits {
                return;
            }
            offsets.truncate(before);
        }
        super::column::extend_all(self.wide(), parts);
    }

    pub fn clear(&mut self) {
        match self {
            Days::Wide(v) => v.clear(),
            Days::Narrow { .. } => *self = Days::default(),
        }
    }

    /// Keeps two bytes a day when the column's dates span less than 179
    /// years, else gives back the spare room.
    pub fn shrink_to_fit(&mut self) {
        let v = match self {
            Days::Wide(v) => v,
            Days::Narrow { offsets, .. } => return offsets.shrink_to_fit(),
        };
        let mut known = v.iter().copied().filter(|d| *d != NULL_DATE);
        let Some(first) = known.next() else {
            v.shrink_to_fit();
            return;
        };
        let (low, high) = known.fold((first, first), |(lo, hi), d| (lo.min(d), hi.max(d)));
        if i64::from(high) - i64::from(low) >= i64::from(MISSING) {
            v.shrink_to_fit();
            return;
        }
        let offsets = v
            .iter()
            .map(|d| match u16::try_from(i64::from(*d) - i64::from(low)) {
                Ok(o) if *d != NULL_DATE => o,
                _ => MISSING,
            })
            .collect();
        *self = Days::Narrow { base: low, offsets };
    }

    pub fn heap_bytes(&self) -> usize {
        match self {
            Days::Wide(v) => v.capacity() * 4,
            Days::Narrow { offsets, .. } => offsets.capacity() * 2,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shrunk(days: &[i32]) -> Days {
        let mut d = Days::Wide(days.to_vec());
        d.shrink_to_fit();
        assert_eq!(d.iter().collect::<Vec<_>>(), days, "the days read back as stored");
        d
    }

    #[test]
    fn dates_within_179_years_take_two_bytes_and_read_the_same() {
        let days = shrunk(&[20_000, NULL_DATE, 19_000, 19_000 + 65_534]);
        assert!(matches!(days, Days::Narrow { base: 19_000, .. }), "{days:?}");
        assert_eq!((days.known(0), days.known(1), days.get(4)), (Some(20_000), None, None));
        assert_eq!(days.heap_bytes(), 8);
        assert!(matches!(shrunk(&[-3, NULL_DATE, 5]), Days::Narrow { base: -3, .. }));
    }

    #[test]
    fn stretches_appended_stay_two_bytes_until_a_day_is_too_far() {
        let mut days = Days::default();
        days.append(&[&[NULL_DATE], &[20_000, 19_000]]);
        days.append(&[&[20_000 + 30_000]]);
        assert!(matches!(days, Days::Narrow { .. }), "{days:?}");
        days.append(&[&[19_000 - 40_000]]);
        assert!(matches!(days, Days::Wide(_)), "{days:?}");
        assert_eq!(
            days.iter().collect::<Vec<_>>(),
            [NULL_DATE, 20_000, 19_000, 50_000, -21_000]
        );
        // The whole column spans 71,000 days: too many for two bytes.
        days.shrink_to_fit();
        assert!(matches!(days, Days::Wide(_)));
    }

    #[test]
    fn stretches_after_rows_with_no_date_are_kept_two_bytes_a_day() {
        let mut days = Days::default();
        days.append(&[&[NULL_DATE, NULL_DATE]]);
        days.append(&[&[]]);
        days.append(&[&[20_000], &[NULL_DATE, 19_000]]);
        assert!(matches!(days, Days::Narrow { .. }), "{days:?}");
        assert_eq!(
            days.iter().collect::<Vec<_>>(),
            [NULL_DATE, NULL_DATE, 20_000, NULL_DATE, 19_000]
        );
        assert_eq!((days.known(1), days.known(4)), (None, Some(19_000)));
    }

    #[test]
    fn dates_further_apart_keep_four_bytes() {
        assert!(matches!(shrunk(&[19_000, 19_000 + 65_535]), Days::Wide(_)));
    }

    #[test]
    fn a_column_of_missing_dates_stays_wide_and_a_written_one_widens() {
        let mut none = Days::Wide(vec![NULL_DATE, NULL_DATE]);
        none.shrink_to_fit();
        assert_eq!(none, Days::Wide(vec![NULL_DATE, NULL_DATE]));

        let mut days = Days::Wide(vec![10, 12]);
        days.shrink_to_fit();
        days.wide().push(NULL_DATE);
        assert_eq!(days, Days::Wide(vec![10, 12, NULL_DATE]));
    }
}
