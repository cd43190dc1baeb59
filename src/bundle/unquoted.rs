//! Rows of a stretch of CSV text that holds no quote character, split at
//! its line breaks and separators directly. Most CRM and ad-platform exports
//! quote nothing; for them the csv parser's byte-by-byte state machine was
//! the largest single cost of an audit (about a seventh of its CPU time on a
//! million-row bundle). Without quotes a record is exactly a line and a cell
//! exactly the text between two separators, so both are found with `memchr`.
//! A stretch with a quote, or a carriage return that does not end a line, is
//! left to the csv parser: the rows, cells and line numbers are the ones it
//! would give (a property test holds the two to that).

use super::table::TableRow;

/// Whether `text` can be split at `delimiter` without the csv parser: an
/// ASCII separator (so that no cut falls inside a character), no quote, and
/// every carriage return the first half of a CRLF.
pub(super) fn splittable(text: &[u8], delimiter: u8) -> bool {
    delimiter.is_ascii()
        && memchr::memchr(b'"', text).is_none()
        && memchr::memchr_iter(b'\r', text).all(|i| text.get(i + 1) == Some(&b'\n'))
}

/// One line's cells: where each ends in the line.
pub(super) struct Row<'t> {
    line: &'t [u8],
    ends: Vec<usize>,
}

impl TableRow for Row<'_> {
    fn width(&self) -> usize {
        self.ends.len()
    }
    fn cell(&self, i: usize) -> &str {
        let Some(&end) = self.ends.get(i) else {
            return "";
        };
        let start = if i == 0 { 0 } else { self.ends[i - 1] + 1 };
        // SAFETY: `line` is cut from a `&str` (see `read_rows`) only at ASCII
        // bytes (line breaks, and the separator, ASCII per `splittable`), and
        // a cell lies between such cuts; in UTF-8 an ASCII byte never belongs
        // to a multi-byte character, so every cell is valid UTF-8.
        unsafe { std::str::from_utf8_unchecked(&self.line[start..end]) }
    }
}

/// Calls `accept` with each non-empty line of `text` (a stretch
/// [`splittable`] at `delimiter`) as a row, with its 1-based line number and
/// where the line starts in `text`, until it returns false; returns how many
/// line breaks `text` holds. Empty lines are skipped, as the csv parser
/// skips them.
pub(super) fn read_rows(text: &str, delimiter: u8, mut accept: impl FnMut(&Row<'_>, usize, usize) -> bool) -> usize {
    let text = text.as_bytes();
    let mut row = Row {
        line: &[],
        ends: Vec::new(),
    };
    let (mut start, mut line) = (0, 1);
    // Separators and line breaks are found 64 bytes at a time, as a bit per
    // byte: cells are short, and a search started per cell cost more than
    // it scanned (a call per cell, twenty million on a million-row bundle).
    for (block, chunk) in text.chunks(64).enumerate() {
        let base = block * 64;
        let mut found = breaks(chunk, delimiter);
        while found != 0 {
            let at = base + found.trailing_zeros() as usize;
            found &= found - 1;
            if text[at] == delimiter {
                row.ends.push(at - start);
                continue;
            }
            if !emit(&mut row, &text[start..at], (line, start), &mut accept) {
                return 0;
            }
            (start, line) = (at + 1, line + 1);
        }
    }
    if !emit(&mut row, &text[start..], (line, start), &mut accept) {
        return 0;
    }
    line - 1
}

/// Rows of a stretch a batch at a time, for the loader to read a column at a
/// time: each line's start, number and cells, as the ends of its cells in
/// the stretch.
pub(super) struct Batch<'t> {
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
pub(super) struct BatchRow<'b, 't> {
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
pub(super) fn read_batches(text: &str, delimiter: u8, mut accept: impl FnMut(&Batch<'_>) -> bool) -> usize {
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

/// Bit `i` set where `chunk[i]` (up to 64 bytes) is the separator or a line break.
fn breaks(chunk: &[u8], delimiter: u8) -> u64 {
    #[cfg(target_arch = "x86_64")]
    if let Ok(block) = <&[u8; 64]>::try_from(chunk) {
        return breaks_sse2(block, delimiter);
    }
    breaks_bytewise(chunk, delimiter)
}

fn breaks_bytewise(chunk: &[u8], delimiter: u8) -> u64 {
    chunk
        .iter()
        .enumerate()
        .fold(0, |m, (i, &b)| m | (u64::from(b == delimiter || b == b'\n') << i))
}

/// [`breaks_bytewise`] for a whole block, sixteen bytes per compare (SSE2,
/// which every x86-64 processor has).
#[cfg(target_arch = "x86_64")]
fn breaks_sse2(block: &[u8; 64], delimiter: u8) -> u64 {
    use std::arch::x86_64::{__m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8};
    let mut mask = 0u64;
    // SAFETY: SSE2 is part of the x86-64 baseline, so these instructions
    // exist on every processor this code is built for; each unaligned load
    // reads exactly the 16 bytes of `part`.
    unsafe {
        let sep = _mm_set1_epi8(delimiter as i8);
        let newline = _mm_set1_epi8(b'\n' as i8);
        for (i, part) in block.chunks_exact(16).enumerate() {
            let bytes = _mm_loadu_si128(part.as_ptr().cast::<__m128i>());
            let hits = _mm_or_si128(_mm_cmpeq_epi8(bytes, sep), _mm_cmpeq_epi8(bytes, newline));
            // One bit per byte, in the low 16 bits.
            let bits = u64::from(_mm_movemask_epi8(hits) as u32 & 0xffff);
            mask |= bits << (16 * i);
        }
    }
    mask
}

/// Passes one line (its separators already in `row.ends`) to `accept`,
/// unless it is empty; leaves `row` ready for the next line.
fn emit<'t>(
    row: &mut Row<'t>,
    line_text: &'t [u8],
    (line, start): (usize, usize),
    accept: &mut impl FnMut(&Row<'_>, usize, usize) -> bool,
) -> bool {
    let cells = line_text.strip_suffix(b"\r").unwrap_or(line_text);
    let mut go_on = true;
    if !cells.is_empty() {
        row.line = cells;
        row.ends.push(cells.len());
        go_on = accept(row, line, start);
    }
    row.ends.clear();
    go_on
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rows (line, cells) and line breaks as the csv crate reads `text`.
    fn by_csv(text: &str, delimiter: u8) -> (Vec<(usize, Vec<String>)>, usize) {
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .flexible(true)
            .has_headers(false)
            .from_reader(text.as_bytes());
        let mut rows = Vec::new();
        let mut record = csv::StringRecord::new();
        while reader.read_record(&mut record).unwrap() {
            let line = super::super::delimited::record_line(text.as_bytes(), record.position().unwrap());
            rows.push((line, record.iter().map(str::to_string).collect()));
        }
        (rows, usize::try_from(reader.position().line()).unwrap() - 1)
    }

    fn by_split(text: &str, delimiter: u8) -> (Vec<(usize, Vec<String>)>, usize) {
        let mut rows = Vec::new();
        let breaks = read_rows(text, delimiter, |row, line, _| {
            rows.push((line, (0..row.width()).map(|i| row.cell(i).to_string()).collect()));
            true
        });
        (rows, breaks)
    }

    /// Rows as [`read_batches`] gives them, with the lines and starts
    /// [`read_rows`] gives.
    fn by_batches(text: &str, delimiter: u8) -> (Vec<(usize, Vec<String>)>, usize) {
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

    #[test]
    fn lines_cells_and_breaks() {
        let text = "a,b\r\n\r\n,\nc ,é,\n\n  \nlast";
        assert!(splittable(text.as_bytes(), b','));
        assert_eq!(by_split(text, b','), by_csv(text, b','));
        assert_eq!(
            by_split(text, b',').0[2],
            (4, vec!["c ".to_string(), "é".into(), String::new()])
        );
        assert!(!splittable(b"a,\"b\"\n", b',') && !splittable(b"a\rb\n", b','));
        assert!(
            !splittable(b"a\xc2b\n", 0xc2),
            "a separator that is not ASCII could cut a character"
        );
    }

    #[test]
    fn stopping_early_reports_no_breaks() {
        let mut seen = 0;
        assert_eq!(
            read_rows("a\nb\nc\n", b',', |_, _, _| {
                seen += 1;
                seen < 2
            }),
            0
        );
        assert_eq!(seen, 2);
    }

    proptest::proptest! {
        /// The bits of a block are the bytes that end a cell, however found.
        #[test]
        fn a_block_marks_separators_and_line_breaks(block in proptest::collection::vec(proptest::sample::select(b"a,;\t\n\r\xc3\xa9".to_vec()), 64), tab in proptest::bool::ANY) {
            let delimiter = if tab { b'\t' } else { b',' };
            let expected = (0..64).filter(|i| block[*i] == delimiter || block[*i] == b'\n').fold(0u64, |m, i| m | 1 << i);
            proptest::prop_assert_eq!(breaks(&block, delimiter), expected);
            proptest::prop_assert_eq!(breaks_bytewise(&block, delimiter), expected);
            proptest::prop_assert_eq!(breaks(&block[..40], delimiter), expected & ((1 << 40) - 1));
        }

        /// Long stretches (several blocks) read as the csv crate reads them.
        #[test]
        fn long_stretches_split_as_the_csv_crate_reads(text in "([a-cé ,]{0,9}(\r\n|\n)?){20,60}") {
            proptest::prop_assume!(splittable(text.as_bytes(), b','));
            proptest::prop_assert_eq!(by_split(&text, b','), by_csv(&text, b','));
            proptest::prop_assert_eq!(by_batches(&text, b','), by_csv(&text, b','));
        }

        /// Any text the splitter takes reads as the csv crate reads it.
        #[test]
        fn splits_as_the_csv_crate_reads(text in "([a-cé ;,\t]{0,4}(\r\n|\n)?){0,12}", tab in proptest::bool::ANY) {
            let delimiter = if tab { b'\t' } else { b',' };
            proptest::prop_assume!(splittable(text.as_bytes(), delimiter));
            proptest::prop_assert_eq!(by_split(&text, delimiter), by_csv(&text, delimiter));
            proptest::prop_assert_eq!(by_batches(&text, delimiter), by_csv(&text, delimiter));
        }
    }
}
