//! A text column's distinct values, numbered: a condition over a million
//! rows of `stage` or `source` (a few dozen values) is then answered once per
//! value and looked up by number per row, instead of hashing each cell's text.
//! A file's text columns are numbered as its stretches are read, each
//! stretch on its own; joining them then only renumbers each stretch's few
//! values (see [`Column::number_as_read`]).

use super::code_rows::CodeRows;
use super::ends::Ends;
use super::{Column, ColumnData};
use crate::value::FieldType;

mod numbers;
use numbers::{Numbers, number_cells};

/// Most distinct values a column is numbered for: past this (ids, emails,
/// names) a lookup per row saves nothing over testing the text.
pub const MAX_CODES: usize = 4096;
const _: () = assert!(MAX_CODES <= 1 << 16, "a value's number fits in two bytes");

/// Each row's value as a number, and the values by number.
#[derive(Debug, Clone)]
pub struct Codes {
    pub of_row: CodeRows,
    pub texts: Vec<String>,
    /// The values' numbers by value, while the column is being read (and
    /// more cells may come); None once it is loaded.
    index: Option<Box<Numbers>>,
}

impl Codes {
    fn new(index: Option<Box<Numbers>>) -> Self {
        Codes {
            of_row: CodeRows::default(),
            texts: Vec::new(),
            index,
        }
    }

    /// Numbers the values of a text column (not a list: its items are tested
    /// one by one), or None past [`MAX_CODES`] values, which is found within
    /// the first few thousand rows of an id column.
    pub(super) fn build(col: &Column) -> Option<Codes> {
        if col.ty != FieldType::Text {
            return None;
        }
        let mut codes = Codes::new(None);
        // The column as the one part of a new numbered column.
        number_parts(&mut codes, std::slice::from_ref(col)).is_none().then(|| {
            codes.loaded();
            codes
        })
    }

    /// No more cells come: the index goes, and the rows take their
    /// narrowest form.
    pub(super) fn loaded(&mut self) {
        self.index = None;
        self.of_row.shrink_to_fit();
    }

    /// Numbers the cells of a run (trimmed), as a stretch of a file is read:
    /// how many were numbered before one would pass [`MAX_CODES`] values.
    #[inline]
    pub(super) fn number_run<'c>(&mut self, cells: impl Iterator<Item = &'c str>) -> usize {
        let Codes { of_row, texts, index } = self;
        let numbers = index.get_or_insert_with(|| Box::new(Numbers::of(texts)));
        let mut run = std::mem::take(&mut numbers.run);
        run.clear();
        number_cells(numbers, texts, &mut run, cells.map(str::as_bytes));
        of_row.extend(&run, texts.len());
        let taken = run.len();
        numbers.run = run;
        taken
    }

    /// Appends the cells as text to a text column's buffer and ends.
    pub(super) fn append_text_to(&self, buf: &mut String, ends: &mut Ends) {
        for code in self.of_row.iter() {
            buf.push_str(self.texts.get(code).map_or("", String::as_str));
            ends.push(u32::try_from(buf.len()).unwrap_or(u32::MAX));
        }
    }

    /// Empties a stretch's numbered column for the next stretch, keeping
    /// its room.
    pub(super) fn clear(&mut self) {
        self.of_row.clear();
        self.texts.clear();
        if let Some(index) = &mut self.index {
            index.clear();
        }
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

    /// Whether cells appended to the column are numbered: a text column
    /// still numbered, or not read yet.
    pub(super) fn numbers_more(&self) -> bool {
        self.ty == FieldType::Text
            && match &self.data {
                ColumnData::Coded(_) => true,
                ColumnData::Text { ends, .. } => ends.is_empty(),
                _ => false,
            }
    }

    /// Makes an empty text column of a stretch number its cells as they are
    /// read ([`Column::push_plain_run`]), for a field whose column is still
    /// numbered: joining the stretch then renumbers its values, not its
    /// cells. With `number` false, or past [`MAX_CODES`] values, or for a
    /// cell that takes the full path, it holds plain text.
    pub(super) fn number_as_read(&mut self, number: bool) {
        let number = number && self.ty == FieldType::Text && self.is_empty();
        match &mut self.data {
            // Emptied with its index by `Column::clear`.
            ColumnData::Coded(_) if number => {}
            ColumnData::Text { .. } if number => {
                self.data = ColumnData::Coded(Box::new(Codes::new(Some(Box::default()))));
            }
            ColumnData::Coded(_) => self.uncode(),
            _ => {}
        }
    }

    /// Appends plain text parts to a new or numbered text column, numbering
    /// their cells. Err: the index of the part that would pass
    /// [`MAX_CODES`] values; it and the parts after it are not appended, and
    /// the column is then plain text holding the cells before them.
    pub(super) fn append_coded(&mut self, parts: &[Column]) -> Result<(), usize> {
        let mut codes = match std::mem::replace(&mut self.data, ColumnData::Bool(Vec::new())) {
            ColumnData::Coded(codes) => codes,
            ColumnData::Text { ends, .. } if ends.is_empty() => Box::new(Codes::new(None)),
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

/// Numbers the cells of `parts` into `codes`, a part at a time: a part of
/// plain text cell by cell, a numbered one by its values. Returns the first
/// part that would pass [`MAX_CODES`] values (it and those after it are left
/// out, and the index is dropped).
fn number_parts(codes: &mut Codes, parts: &[Column]) -> Option<usize> {
    let Codes { of_row, texts, index } = codes;
    let numbers = index.get_or_insert_with(|| Box::new(Numbers::of(texts)));
    // A part's numbers, appended to `of_row` once the part is numbered.
    let mut numbered: Vec<u16> = Vec::new();
    for (at, part) in parts.iter().enumerate() {
        let before = texts.len();
        numbered.clear();
        let whole = match &part.data {
            ColumnData::Text { buf, ends } => {
                numbered.reserve(ends.len());
                let bytes = buf.as_bytes();
                let mut start = 0usize;
                let cells = ends.iter().map(|end| {
                    let span = start..end as usize;
                    start = span.end;
                    bytes.get(span).unwrap_or_default()
                });
                number_cells(numbers, texts, &mut numbered, cells)
            }
            // Its values are numbered, its rows renumbered by them.
            ColumnData::Coded(part) => {
                number_cells(numbers, texts, &mut numbered, part.texts.iter().map(String::as_bytes))
            }
            _ => false,
        };
        if !whole {
            texts.truncate(before);
            *index = None;
            return Some(at);
        }
        match &part.data {
            ColumnData::Coded(part) => of_row.extend_mapped(&part.of_row, &numbered, texts.len()),
            _ => of_row.extend(&numbered, texts.len()),
        }
    }
    None
}

/// The cells of a numbered column as text.
fn plain(codes: &Codes) -> ColumnData {
    let mut buf = String::new();
    let mut ends = Ends::Each(Vec::with_capacity(codes.of_row.len()));
    codes.append_text_to(&mut buf, &mut ends);
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
    /// stretches, a window of them at a time, reusing the columns of the
    /// window before), each part numbered as read or plain text, reads like
    /// the same cells pushed one by one into plain text.
    fn joined_reads_like_plain(
        cells: &[String],
        cuts: &[usize],
        windows: usize,
        numbered: &[bool],
    ) -> Result<(), TestCaseError> {
        let mut plain = Column::new(FieldType::Text);
        for c in cells {
            plain.push_text(c).unwrap();
        }
        let mut ranges = Vec::new();
        let mut start = 0;
        for cut in cuts.iter().map(|c| c % (cells.len() + 1)).chain([cells.len()]) {
            let end = cut.max(start);
            ranges.push(start..end);
            start = end;
        }
        let mut joined = Column::new(FieldType::Text);
        let per_window = ranges.len().div_ceil(windows.max(1)).max(1);
        let mut spares: Vec<Column> = Vec::new();
        for (w, window) in ranges.chunks(per_window).enumerate() {
            let mut parts = Vec::new();
            for (k, range) in window.iter().enumerate() {
                let mut part = spares.pop().unwrap_or_else(|| Column::new(FieldType::Text));
                let number = numbered.get((w + k) % numbered.len().max(1)).copied().unwrap_or(false);
                part.number_as_read(number && joined.numbers_more());
                let run: Vec<&str> = cells[range.clone()].iter().map(String::as_str).collect();
                if number {
                    // Runs of a few cells, as a stretch is read in batches.
                    for chunk in run.chunks(7) {
                        prop_assert_eq!(part.push_plain_run(chunk), chunk.len());
                    }
                } else {
                    for c in run {
                        prop_assert!(part.push_plain(c));
                    }
                }
                parts.push(part);
            }
            joined.append_all(&parts);
            for mut part in parts {
                part.clear();
                spares.push(part);
            }
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
            numbered in proptest::collection::vec(proptest::bool::ANY, 0..4),
        ) {
            joined_reads_like_plain(&cells, &cuts, windows, &numbered)?;
        }

        /// Past [`MAX_CODES`] values, in the first part or a later one.
        #[test]
        fn many_values_joined_read_like_plain_text(
            distinct in (MAX_CODES - 2)..(MAX_CODES + 3),
            cuts in proptest::collection::vec(0usize..5000, 0..4),
            windows in 1usize..4,
            numbered in proptest::collection::vec(proptest::bool::ANY, 0..4),
        ) {
            let cells: Vec<String> = (0..distinct + 100).map(|i| format!("v{}", i % distinct)).collect();
            joined_reads_like_plain(&cells, &cuts, windows, &numbered)?;
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
