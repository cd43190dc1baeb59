//! Lines of an unquoted stretch split into cells a batch at a time, for the
//! loader to read them a column at a time (see [`super::read_rows`] for how
//! lines and cells are found).

use super::breaks;
use crate::bundle::table::TableRow;

/// Rows of a stretch a batch at a time, for the loader to read a column at a
/// time: each line's start, number and cells, as the ends of its cells in
/// the stretch.
pub(in crate::bundle) struct Batch<'t> {
    text: &'t [u8],
    /// Per non-empty line: where it starts, its 1-based number, and where
    /// its cells' ends start in `ends`.
    lines: Vec<(u32, u32, u32)>,
    /// The end of each cell of each line, in order (a line's last cell ends
    /// before its `\r\n` or `\n`).
    ends: Vec<u32>,
}

/// Lines read per batch: enough that a column's loop runs long, few enough
/// that the batch's ends stay in cache.
const BATCH_LINES: usize = 256;

impl<'t> Batch<'t> {
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    /// The `k`-th line of the batch: its number and where it starts.
    pub fn line(&self, k: usize) -> (usize, usize) {
        let (start, line, _) = self.lines[k];
        (line as usize, start as usize)
    }

    /// Where the `k`-th line's cell ends lie in `ends`.
    fn cells_of(&self, k: usize) -> std::ops::Range<usize> {
        let first = self.lines[k].2 as usize;
        let next = self.lines.get(k + 1).map_or(self.ends.len(), |l| l.2 as usize);
        first..next
    }

    /// Cell `i` of the `k`-th line ("" past its last cell).
    #[inline]
    pub fn cell(&self, k: usize, i: usize) -> &'t str {
        let cells = self.cells_of(k);
        let Some(&end) = self.ends.get(cells.start + i).filter(|_| i < cells.len()) else {
            return "";
        };
        let start = if i == 0 {
            self.lines[k].0
        } else {
            self.ends[cells.start + i - 1] + 1
        };
        // SAFETY: as for `Row::cell`: the stretch is a `&str` cut only at
        // ASCII bytes (line breaks and the ASCII separator).
        unsafe { std::str::from_utf8_unchecked(&self.text[start as usize..end as usize]) }
    }

    /// Cell `i` of every line, in order, when every line has `width` cells.
    pub fn column(&self, i: usize, width: usize) -> impl Iterator<Item = &'t str> + '_ {
        debug_assert!(i < width && self.ends.len() == self.lines.len() * width);
        let text = self.text;
        self.lines.iter().enumerate().map(move |(k, line)| {
            let at = k * width + i;
            let start = if i == 0 { line.0 } else { self.ends[at - 1] + 1 };
            // SAFETY: as for `Row::cell`.
            unsafe { std::str::from_utf8_unchecked(&text[start as usize..self.ends[at] as usize]) }
        })
    }

    /// The `k`-th line as a row.
    pub fn row(&self, k: usize) -> BatchRow<'_, 't> {
        BatchRow { batch: self, k }
    }
}

/// One line of a [`Batch`].
pub(in crate::bundle) struct BatchRow<'b, 't> {
    batch: &'b Batch<'t>,
    k: usize,
}

impl TableRow for BatchRow<'_, '_> {
    fn width(&self) -> usize {
        self.batch.cells_of(self.k).len()
    }
    fn cell(&self, i: usize) -> &str {
        self.batch.cell(self.k, i)
    }
}

/// [`read_rows`], a batch of lines at a time: calls `accept` with each
/// batch until it returns false; returns how many line breaks `text` holds
/// (0 when stopped). `text` must be shorter than 4 GiB.
pub(in crate::bundle) fn read_batches(text: &str, delimiter: u8, mut accept: impl FnMut(&Batch<'_>) -> bool) -> usize {
    let bytes = text.as_bytes();
    debug_assert!(u32::try_from(bytes.len()).is_ok());
    let mut batch = Batch {
        text: bytes,
        lines: Vec::with_capacity(BATCH_LINES),
        ends: Vec::new(),
    };
    let (mut start, mut line) = (0usize, 1u32);
    let mut cells_from = 0usize;
    let mut end_line = |batch: &mut Batch<'_>, start: usize, at: usize, line: u32, cells_from: &mut usize| -> bool {
        let end = if at > start && bytes[at - 1] == b'\r' {
            at - 1
        } else {
            at
        };
        if end == start {
            // An empty line: skipped, as the csv parser skips it.
            batch.ends.truncate(*cells_from);
        } else {
            batch.ends.push(end as u32);
            batch.lines.push((start as u32, line, *cells_from as u32));
            *cells_from = batch.ends.len();
        }
        if batch.lines.len() < BATCH_LINES {
            return true;
        }
        let go_on = accept(batch);
        batch.lines.clear();
        batch.ends.clear();
        *cells_from = 0;
        go_on
    };
    for (block, chunk) in bytes.chunks(64).enumerate() {
        let base = block * 64;
        let mut found = breaks(chunk, delimiter);
        while found != 0 {
            let at = base + found.trailing_zeros() as usize;
            found &= found - 1;
            if bytes[at] == delimiter {
                batch.ends.push(at as u32);
                continue;
            }
            if !end_line(&mut batch, start, at, line, &mut cells_from) {
                return 0;
            }
            (start, line) = (at + 1, line + 1);
        }
    }
    if !end_line(&mut batch, start, bytes.len(), line, &mut cells_from) {
        return 0;
    }
    if !batch.lines.is_empty() && !accept(&batch) {
        return 0;
    }
    line as usize - 1
}

#[cfg(test)]
pub(super) mod tests {
    use super::super::read_rows;
    use super::super::tests::by_split;
    use super::*;

    /// Rows as [`read_batches`] gives them, with the lines and starts
    /// [`read_rows`] gives.
    pub(in super::super) fn by_batches(text: &str, delimiter: u8) -> (Vec<(usize, Vec<String>)>, usize) {
        let mut rows = Vec::new();
        let mut starts = Vec::new();
        let breaks = read_batches(text, delimiter, |batch| {
            for k in 0..batch.len() {
                let row = batch.row(k);
                let (line, start) = batch.line(k);
                rows.push((line, (0..row.width()).map(|i| row.cell(i).to_string()).collect()));
                starts.push(start);
                // A cell past the row's last reads as empty, as `Row::cell`.
                assert_eq!(row.cell(row.width()), "");
            }
            true
        });
        let mut split_starts = Vec::new();
        read_rows(text, delimiter, |_, _, start| {
            split_starts.push(start);
            true
        });
        assert_eq!(starts, split_starts, "where each row's line starts");
        (rows, breaks)
    }

    #[test]
    fn batches_of_lines_read_as_lines_one_by_one() {
        let many: String = (0..BATCH_LINES * 2 + 7).map(|i| format!("{i},x{i}\r\n\n")).collect();
        assert_eq!(by_batches(&many, b','), by_split(&many, b','));
        let text = "a,b\r\n\r\n,\nc ,é,\n\n  \nlast";
        assert_eq!(by_batches(text, b','), by_split(text, b','));
        let mut seen = 0;
        assert_eq!(
            read_batches(&many, b',', |_| {
                seen += 1;
                false
            }),
            0,
            "stopped: no breaks counted"
        );
        assert_eq!(seen, 1);
    }

    #[test]
    fn a_batch_reads_a_column_of_its_lines() {
        let text: String = (0..300).map(|i| format!("{i},name {i},\n")).collect();
        read_batches(&text, b',', |batch| {
            let names: Vec<&str> = batch.column(1, 3).collect();
            let ids: Vec<&str> = batch.column(0, 3).collect();
            let lasts: Vec<&str> = batch.column(2, 3).collect();
            for k in 0..batch.len() {
                assert_eq!((ids[k], names[k], lasts[k]), (batch.cell(k, 0), batch.cell(k, 1), ""));
            }
            assert_eq!(names[0], format!("name {}", ids[0]));
            true
        });
    }
}
