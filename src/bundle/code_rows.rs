//! Each row's value number in a numbered column: one byte a row while the
//! column has at most 256 values (stages, sources, statuses: 1 MB a million
//! rows instead of 2), two once it has more.

#[derive(Debug, Clone, PartialEq)]
pub enum CodeRows {
    Two(Vec<u16>),
    One(Vec<u8>),
}

impl Default for CodeRows {
    fn default() -> Self {
        CodeRows::One(Vec::new())
    }
}

impl CodeRows {
    #[inline]
    pub fn len(&self) -> usize {
        match self {
            CodeRows::Two(v) => v.len(),
            CodeRows::One(v) => v.len(),
        }
    }

    /// The row's value number; None past the end.
    #[inline]
    pub fn get(&self, row: usize) -> Option<usize> {
        match self {
            CodeRows::Two(v) => v.get(row).map(|c| usize::from(*c)),
            CodeRows::One(v) => v.get(row).map(|c| usize::from(*c)),
        }
    }

    /// The row's value number, for a row known to be in the column.
    #[inline]
    pub fn at(&self, row: usize) -> usize {
        match self {
            CodeRows::Two(v) => usize::from(v[row]),
            CodeRows::One(v) => usize::from(v[row]),
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.len()).map(|row| self.at(row))
    }

    /// Two bytes a row, for numbering more cells (a loaded column is not
    /// numbered further; this keeps it right if it is).
    pub fn two(&mut self) -> &mut Vec<u16> {
        if let CodeRows::One(v) = self {
            *self = CodeRows::Two(v.iter().map(|c| u16::from(*c)).collect());
        }
        match self {
            CodeRows::Two(v) => v,
            CodeRows::One(_) => unreachable!("widened above"),
        }
    }

    /// Appends the numbers of more rows, of a column that now has `values`
    /// values: one byte a row while they number at most 256.
    pub fn extend(&mut self, codes: &[u16], values: usize) {
        match self {
            CodeRows::One(v) if values <= 256 => v.extend(codes.iter().map(|c| *c as u8)),
            _ => self.two().extend_from_slice(codes),
        }
    }

    /// Appends the rows of a part numbered on its own, by `map` (the
    /// part's number of a value to this column's), in a column that now has
    /// `values` values.
    pub fn extend_mapped(&mut self, part: &CodeRows, map: &[u16], values: usize) {
        match (self, part) {
            (CodeRows::One(v), CodeRows::One(p)) if values <= 256 => {
                // A byte indexes a table of 256 without a bounds check.
                let mut table = [0u8; 256];
                table.iter_mut().zip(map).for_each(|(t, m)| *t = *m as u8);
                v.extend(p.iter().map(|c| table[usize::from(*c)]));
            }
            (rows, CodeRows::One(p)) => {
                let mut table = [0u16; 256];
                table.iter_mut().zip(map).for_each(|(t, m)| *t = *m);
                rows.two().extend(p.iter().map(|c| table[usize::from(*c)]));
            }
            (rows, CodeRows::Two(p)) => {
                let mapped = p.iter().map(|c| map.get(usize::from(*c)).copied().unwrap_or_default());
                rows.two().extend(mapped);
            }
        }
    }

    /// Empties the rows, keeping their room.
    pub fn clear(&mut self) {
        match self {
            CodeRows::Two(v) => v.clear(),
            CodeRows::One(v) => v.clear(),
        }
    }

    /// One byte a row when every number fits, else the spare room given back.
    pub fn shrink_to_fit(&mut self) {
        let v = match self {
            CodeRows::Two(v) => v,
            CodeRows::One(v) => return v.shrink_to_fit(),
        };
        if v.iter().all(|c| *c <= u16::from(u8::MAX)) {
            *self = CodeRows::One(v.iter().map(|c| *c as u8).collect());
        } else {
            v.shrink_to_fit();
        }
    }

    pub fn heap_bytes(&self) -> usize {
        match self {
            CodeRows::Two(v) => v.capacity() * 2,
            CodeRows::One(v) => v.capacity(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn up_to_256_values_take_a_byte_a_row_and_read_the_same() {
        let mut rows = CodeRows::Two(vec![0, 255, 7]);
        rows.shrink_to_fit();
        assert_eq!(rows, CodeRows::One(vec![0, 255, 7]));
        assert_eq!((rows.get(1), rows.at(2), rows.get(3)), (Some(255), 7, None));
        assert_eq!(rows.iter().collect::<Vec<_>>(), [0, 255, 7]);

        let mut many = CodeRows::Two(vec![0, 256]);
        many.shrink_to_fit();
        assert_eq!(many, CodeRows::Two(vec![0, 256]));

        rows.two().push(300);
        assert_eq!(rows, CodeRows::Two(vec![0, 255, 7, 300]));

        let mut grown = CodeRows::default();
        grown.extend(&[0, 1], 2);
        assert_eq!(grown, CodeRows::One(vec![0, 1]));
        grown.extend(&[256], 257);
        assert_eq!(grown, CodeRows::Two(vec![0, 1, 256]));
    }

    #[test]
    fn a_part_numbered_on_its_own_is_mapped_to_the_column_numbers() {
        let map = [5, 0, 2];
        let mut few = CodeRows::One(vec![1]);
        few.extend_mapped(&CodeRows::One(vec![0, 2, 1, 0]), &map, 6);
        assert_eq!(few, CodeRows::One(vec![1, 5, 2, 0, 5]));
        // Past 256 values, the column takes two bytes a row.
        let mut widened = CodeRows::One(vec![1]);
        widened.extend_mapped(&CodeRows::One(vec![2, 0]), &[300, 1, 7], 301);
        assert_eq!(widened, CodeRows::Two(vec![1, 7, 300]));
        let mut many = CodeRows::Two(vec![400]);
        many.extend_mapped(&CodeRows::Two(vec![1, 0]), &[9, 299], 400);
        assert_eq!(many, CodeRows::Two(vec![400, 299, 9]));
    }
}
