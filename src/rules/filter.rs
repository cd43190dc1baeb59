//! Script filters (`#{ field: value }` or `#{ field: [values] }`): which rows
//! of a dataset hold one of the wanted values, ignoring ASCII case. They run
//! natively over every row of million-row datasets, often with hundreds of
//! wanted values (campaign ids), so each cell costs one hash lookup and no
//! allocation.

use crate::bundle::Column;
use std::collections::HashMap;

/// The wanted values of one field.
pub struct Wanted {
    /// `()` among the values: a missing cell matches.
    pub missing: bool,
    values: Vec<String>,
    /// Case-insensitive hash -> indices into `values`.
    by_hash: HashMap<u64, Vec<usize>>,
}

/// FNV-1a over the ASCII-lowercased bytes: equal under `eq_ignore_ascii_case`
/// gives an equal hash, so a lookup needs no lowercased copy of the cell.
fn caseless_hash(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b.to_ascii_lowercase())).wrapping_mul(0x0100_0000_01b3)
    })
}

impl Wanted {
    /// `None` stands for `()`.
    pub fn new(values: Vec<Option<String>>) -> Self {
        let missing = values.iter().any(Option::is_none);
        let values: Vec<String> = values.into_iter().flatten().collect();
        let mut by_hash: HashMap<u64, Vec<usize>> = HashMap::new();
        for (i, v) in values.iter().enumerate() {
            by_hash.entry(caseless_hash(v)).or_default().push(i);
        }
        Self {
            missing,
            values,
            by_hash,
        }
    }

    fn contains(&self, text: &str) -> bool {
        self.by_hash
            .get(&caseless_hash(text))
            .is_some_and(|ids| ids.iter().any(|i| self.values[*i].eq_ignore_ascii_case(text)))
    }

    /// [`Wanted::matches`] for a text cell given as its text (empty: missing).
    pub fn matches_text(&self, text: &str) -> bool {
        if text.is_empty() {
            self.missing
        } else {
            !self.values.is_empty() && self.contains(text)
        }
    }

    pub fn matches(&self, column: Option<&Column>, row: usize) -> bool {
        match column {
            None => self.missing,
            Some(c) if c.is_null(row) => self.missing,
            Some(c) => !self.values.is_empty() && c.any_text(row, |t| self.contains(t)),
        }
    }
}

/// The rows of a dataset where every field holds one of its wanted values,
/// tested as they are read: a count, sum or grouping over a million rows
/// makes one pass and lists no row numbers.
pub struct RowFilter<'a> {
    rows: usize,
    tests: Vec<(Option<&'a Column>, Wanted)>,
}

impl<'a> RowFilter<'a> {
    /// `tests`: each field's column (None: the export lacks it) and wanted values.
    pub fn new(rows: usize, tests: Vec<(Option<&'a Column>, Wanted)>) -> Self {
        Self { rows, tests }
    }

    /// Selects nothing (an absent dataset).
    pub fn none() -> Self {
        Self::new(0, Vec::new())
    }

    pub fn rows(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.rows).filter(|row| self.tests.iter().all(|(col, wanted)| wanted.matches(*col, *row)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wanted_values_match_ignoring_case_and_missing_cells_match_unit() {
        let w = Wanted::new(vec![Some("C-001".into()), Some("webinar".into()), None]);
        assert!(w.contains("c-001") && w.contains("WEBINAR"));
        assert!(!w.contains("C-0011") && !w.contains(""));
        assert!(w.missing);
        assert_eq!(caseless_hash("AbC"), caseless_hash("aBc"));
    }
}
