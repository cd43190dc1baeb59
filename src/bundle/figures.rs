//! The numbers of a number column.
//!
//! Amounts, counts and scores are whole numbers in most exports: a loaded
//! column whose every number is whole and within ±2.1 billion keeps four
//! bytes a row instead of eight (4 MB less a million deals). Columns are read
//! and written as `f64` while they are built (and computed columns stay so).

/// A missing number among whole ones.
const MISSING: i32 = i32::MIN;

#[derive(Debug, Clone, PartialEq)]
pub enum Figures {
    /// NaN when missing.
    Wide(Vec<f64>),
    /// [`MISSING`] when missing.
    Whole(Vec<i32>),
}

impl Default for Figures {
    fn default() -> Self {
        Figures::Wide(Vec::new())
    }
}

impl Figures {
    #[inline]
    pub fn len(&self) -> usize {
        match self {
            Figures::Wide(v) => v.len(),
            Figures::Whole(v) => v.len(),
        }
    }

    /// The row's stored number (NaN when missing); None past the end.
    #[inline]
    pub fn get(&self, row: usize) -> Option<f64> {
        match self {
            Figures::Wide(v) => v.get(row).copied(),
            Figures::Whole(v) => v.get(row).map(|n| if *n == MISSING { f64::NAN } else { f64::from(*n) }),
        }
    }

    /// A number of a [`Figures::Whole`] column, when it is not missing.
    #[inline]
    pub fn known_whole(n: i32) -> Option<f64> {
        (n != MISSING).then(|| f64::from(n))
    }

    /// The row's number when it has one.
    #[inline]
    pub fn known(&self, row: usize) -> Option<f64> {
        self.get(row).filter(|n| !n.is_nan())
    }

    /// `len` missing numbers, four bytes each until one is written that is
    /// not whole (see [`Figures::set`]): a computed field sized for its
    /// dataset (a sales cycle in days over a million deals) is mostly whole.
    pub fn missing(len: usize) -> Self {
        Figures::Whole(vec![MISSING; len])
    }

    /// Writes `n` (NaN: missing) at `row`, the column widened to eight bytes
    /// a number the first time one is not whole.
    pub fn set(&mut self, row: usize, n: f64) {
        if let Figures::Whole(v) = self {
            match whole(n) {
                Some(i) => return v[row] = i,
                None if n.is_nan() => return v[row] = MISSING,
                None => {}
            }
        }
        self.wide()[row] = n;
    }

    /// The eight-byte numbers, for building the column (a loaded column is
    /// not written to; this keeps it right if it is).
    pub fn wide(&mut self) -> &mut Vec<f64> {
        if let Figures::Whole(v) = self {
            let wide = v
                .iter()
                .map(|n| if *n == MISSING { f64::NAN } else { f64::from(*n) })
                .collect();
            *self = Figures::Wide(wide);
        }
        match self {
            Figures::Wide(v) => v,
            Figures::Whole(_) => unreachable!("widened above"),
        }
    }

    /// The eight-byte numbers, when the column is kept so.
    pub fn as_wide(&self) -> Option<&[f64]> {
        match self {
            Figures::Wide(v) => Some(v),
            Figures::Whole(_) => None,
        }
    }

    /// Appends the numbers of a file's later stretches, kept four bytes a
    /// number while they are whole: the column is then never built at eight
    /// bytes a number only to be narrowed at the end.
    pub fn append(&mut self, parts: &[&[f64]]) {
        if self.len() == 0 {
            *self = Figures::Whole(Vec::new());
        }
        let more = parts.iter().map(|p| p.len()).sum();
        if let Figures::Whole(v) = self
            && parts
                .iter()
                .all(|p| p.iter().all(|n| n.is_nan() || whole(*n).is_some()))
        {
            v.reserve(more);
            for p in parts {
                v.extend(p.iter().map(|n| whole(*n).unwrap_or(MISSING)));
            }
            return;
        }
        super::column::extend_all(self.wide(), parts);
    }

    pub fn clear(&mut self) {
        match self {
            Figures::Wide(v) => v.clear(),
            Figures::Whole(_) => *self = Figures::default(),
        }
    }

    /// Keeps four bytes a number when every number is whole and fits (the
    /// same bits back: -0.0 stays wide), else gives back the spare room.
    pub fn shrink_to_fit(&mut self) {
        let v = match self {
            Figures::Wide(v) => v,
            Figures::Whole(v) => return v.shrink_to_fit(),
        };
        if v.iter().all(|n| n.is_nan() || whole(*n).is_some()) {
            *self = Figures::Whole(v.iter().map(|n| whole(*n).unwrap_or(MISSING)).collect());
        } else {
            v.shrink_to_fit();
        }
    }

    pub fn heap_bytes(&self) -> usize {
        match self {
            Figures::Wide(v) => v.capacity() * 8,
            Figures::Whole(v) => v.capacity() * 4,
        }
    }
}

/// The number as four bytes, when it is whole and fits (the same bits back:
/// -0.0 does not).
fn whole(n: f64) -> Option<i32> {
    let i = n as i32;
    (i != MISSING && f64::from(i).to_bits() == n.to_bits()).then_some(i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shrunk(numbers: &[f64]) -> Figures {
        let mut f = Figures::Wide(numbers.to_vec());
        f.shrink_to_fit();
        let back: Vec<u64> = (0..numbers.len()).map(|r| f.get(r).unwrap().to_bits()).collect();
        let nan = f64::NAN.to_bits();
        let want: Vec<u64> = numbers
            .iter()
            .map(|n| if n.is_nan() { nan } else { n.to_bits() })
            .collect();
        assert_eq!(back, want, "the numbers read back as stored");
        f
    }

    #[test]
    fn whole_numbers_take_four_bytes_and_read_the_same() {
        let f = shrunk(&[22_784.0, f64::NAN, -5.0, 0.0, 2_147_483_647.0, -2_147_483_647.0]);
        assert!(matches!(f, Figures::Whole(_)), "{f:?}");
        assert_eq!((f.known(0), f.known(1), f.get(6)), (Some(22_784.0), None, None));
        assert_eq!(f.heap_bytes(), 24);
    }

    #[test]
    fn numbers_set_stay_four_bytes_until_one_is_not_whole() {
        let mut f = Figures::missing(4);
        f.set(1, 31.0);
        f.set(2, f64::NAN);
        assert!(matches!(f, Figures::Whole(_)), "{f:?}");
        f.set(3, -0.0);
        assert!(matches!(f, Figures::Wide(_)), "-0.0 keeps its sign: {f:?}");
        f.set(0, 2.5);
        let read: Vec<Option<f64>> = (0..5).map(|r| f.known(r)).collect();
        assert_eq!(read, [Some(2.5), Some(31.0), None, Some(-0.0), None]);
        assert!(f.known(3).is_some_and(|n| n.is_sign_negative()));
    }

    #[test]
    fn stretches_appended_stay_four_bytes_until_one_is_not_whole() {
        let mut f = Figures::default();
        f.append(&[&[1.0, f64::NAN], &[]]);
        f.append(&[&[-7.0]]);
        assert!(matches!(f, Figures::Whole(_)), "{f:?}");
        f.append(&[&[2.5], &[3.0]]);
        assert!(matches!(f, Figures::Wide(_)), "{f:?}");
        let back: Vec<Option<f64>> = (0..5).map(|r| f.known(r)).collect();
        assert_eq!(back, [Some(1.0), None, Some(-7.0), Some(2.5), Some(3.0)]);
    }

    #[test]
    fn fractions_minus_zero_and_numbers_too_big_keep_eight_bytes() {
        for odd in [0.5, -0.0, 2_147_483_648.0, -2_147_483_648.0, 1e300, f64::INFINITY] {
            assert!(matches!(shrunk(&[1.0, odd]), Figures::Wide(_)), "{odd}");
        }
    }
}
