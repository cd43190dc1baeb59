//! Rows of a stretch of CSV text that holds no quote character, split at
//! its line breaks and separators directly. Most CRM and ad-platform exports
//! quote nothing; for them the csv parser's byte-by-byte state machine was
//! the largest single cost of an audit (about a seventh of its CPU time on a
//! million-row bundle). Without quotes a record is exactly a line and a cell
//! exactly the text between two separators, so both are found by comparing
//! 64 bytes at a time. Lines are read a batch at a time, for the loader to
//! read a column at a time.
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

/// Rows of a stretch a batch at a time, for the loader to read a column at a
/// time: each line's start, number and cells, as the ends of its cells in
/// the stretch.
pub(super) struct Batch<'t> {
    text: &'t [u8],
    /// The non-empty lines, in order.
    lines: Vec<Line>,
    /// The end of each cell of each line, in order (a line's last cell ends
    /// before its `\r\n` or `\n`).
    ends: Vec<usize>,
    /// Where the ends of the line being split start in `ends`.
    pending: usize,
}

/// A line of a [`Batch`].
struct Line {
    /// Where it starts in the stretch.
    start: usize,
    /// Its 1-based number in the stretch.
    number: usize,
    /// Where its cells' ends start in the batch's `ends`.
    first_end: usize,
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
        (self.lines[k].number, self.lines[k].start)
    }

    /// Where the `k`-th line's cell ends lie in `ends`.
    fn cells_of(&self, k: usize) -> std::ops::Range<usize> {
        let first = self.lines[k].first_end;
        let next = self.lines.get(k + 1).map_or(self.ends.len(), |l| l.first_end);
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
            self.lines[k].start
        } else {
            self.ends[cells.start + i - 1] + 1
        };
        // SAFETY: the stretch is a `&str` (see `read_batches`) cut only at
        // ASCII bytes (line breaks, and the separator, ASCII per
        // `splittable`), and a cell lies between such cuts; in UTF-8 an
        // ASCII byte never belongs to a multi-byte character, so every cell
        // is valid UTF-8.
        unsafe { std::str::from_utf8_unchecked(&self.text[start..end]) }
    }

    /// Whether the `k`-th line starts with a letter or digit: its first
    /// cell then holds text, so the line is not blank.
    #[inline]
    pub fn starts_with_text(&self, k: usize) -> bool {
        self.text
            .get(self.lines[k].start)
            .is_some_and(u8::is_ascii_alphanumeric)
    }

    /// Cell `i` of every line, in order, when every line has `width` cells.
    pub fn column(&self, i: usize, width: usize) -> impl Iterator<Item = &'t str> + '_ {
        debug_assert!(i < width && self.ends.len() == self.lines.len() * width);
        let text = self.text;
        // A line's ends as a slice of `width`: the index checks are the
        // same for every line, and made once.
        self.lines
            .iter()
            .zip(self.ends.chunks_exact(width.max(1)))
            .map(move |(line, ends)| {
                let start = if i == 0 { line.start } else { ends[i - 1] + 1 };
                let end = ends[i];
                debug_assert!(start <= end && end <= text.len());
                // SAFETY: as for `Batch::cell`; and a line's ends are
                // positions in the text found in increasing order after the
                // line's start, so `start..end` lies within the text.
                unsafe { std::str::from_utf8_unchecked(text.get_unchecked(start..end)) }
            })
    }

    /// Ends the line that runs from `start` to the line break at `at` (or
    /// the end of the text): kept unless it is empty, as the csv parser
    /// skips empty lines. (An empty line holds no separator, so no end.)
    fn end_line(&mut self, start: usize, at: usize, number: usize) {
        let end = if at > start && self.text[at - 1] == b'\r' {
            at - 1
        } else {
            at
        };
        if end == start {
            return;
        }
        self.ends.push(end);
        self.lines.push(Line {
            start,
            number,
            first_end: self.pending,
        });
        self.pending = self.ends.len();
    }

    /// Empties the batch for the next lines.
    fn clear(&mut self) {
        self.lines.clear();
        self.ends.clear();
        self.pending = 0;
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

/// Calls `accept` with the non-empty lines of `text` (a stretch
/// [`splittable`] at `delimiter`) a batch at a time, each line with its
/// 1-based number and where it starts in `text`, until it returns false;
/// returns how many line breaks `text` holds (0 when stopped). Empty lines
/// are skipped, as the csv parser skips them.
pub(super) fn read_batches(text: &str, delimiter: u8, mut accept: impl FnMut(&Batch<'_>) -> bool) -> usize {
    let bytes = text.as_bytes();
    let mut batch = Batch {
        text: bytes,
        lines: Vec::with_capacity(BATCH_LINES),
        ends: Vec::new(),
        pending: 0,
    };
    let (mut start, mut line) = (0, 1);
    // Separators and line breaks are found 64 bytes at a time, as a bit per
    // byte: cells are short, and a search started per cell cost more than
    // it scanned (a call per cell, twenty million on a million-row bundle).
    for (block, chunk) in bytes.chunks(64).enumerate() {
        let base = block * 64;
        let (found, mut newlines) = breaks(chunk, delimiter);
        let mut separators = found & !newlines;
        // The separators before each line break, then the break; then those
        // after the block's last break.
        loop {
            let before = match newlines {
                0 => u64::MAX,
                n => (1u64 << n.trailing_zeros()) - 1,
            };
            let mut cells = separators & before;
            separators &= !before;
            while cells != 0 {
                batch.ends.push(base + cells.trailing_zeros() as usize);
                cells &= cells - 1;
            }
            if newlines == 0 {
                break;
            }
            let at = base + newlines.trailing_zeros() as usize;
            newlines &= newlines - 1;
            batch.end_line(start, at, line);
            if batch.lines.len() == BATCH_LINES {
                if !accept(&batch) {
                    return 0;
                }
                batch.clear();
            }
            (start, line) = (at + 1, line + 1);
        }
    }
    batch.end_line(start, bytes.len(), line);
    if !batch.lines.is_empty() && !accept(&batch) {
        return 0;
    }
    line - 1
}

/// Bit `i` set where `chunk[i]` (up to 64 bytes) is the separator or a
/// line break, and where it is a line break.
fn breaks(chunk: &[u8], delimiter: u8) -> (u64, u64) {
    #[cfg(target_arch = "x86_64")]
    if let Ok(block) = <&[u8; 64]>::try_from(chunk) {
        return breaks_sse2(block, delimiter);
    }
    breaks_bytewise(chunk, delimiter)
}

fn breaks_bytewise(chunk: &[u8], delimiter: u8) -> (u64, u64) {
    let bits = |of: &dyn Fn(u8) -> bool| {
        chunk
            .iter()
            .enumerate()
            .fold(0, |m, (i, &b)| m | (u64::from(of(b)) << i))
    };
    (bits(&|b| b == delimiter || b == b'\n'), bits(&|b| b == b'\n'))
}

/// [`breaks_bytewise`] for a whole block, sixteen bytes per compare (SSE2,
/// which every x86-64 processor has).
#[cfg(target_arch = "x86_64")]
fn breaks_sse2(block: &[u8; 64], delimiter: u8) -> (u64, u64) {
    use std::arch::x86_64::{__m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8};
    let (mut mask, mut lines) = (0u64, 0u64);
    // SAFETY: SSE2 is part of the x86-64 baseline, so these instructions
    // exist on every processor this code is built for; each unaligned load
    // reads exactly the 16 bytes of `part`.
    unsafe {
        let sep = _mm_set1_epi8(delimiter as i8);
        let newline = _mm_set1_epi8(b'\n' as i8);
        for (i, part) in block.chunks_exact(16).enumerate() {
            let bytes = _mm_loadu_si128(part.as_ptr().cast::<__m128i>());
            let breaks = _mm_cmpeq_epi8(bytes, newline);
            let hits = _mm_or_si128(_mm_cmpeq_epi8(bytes, sep), breaks);
            // One bit per byte, in the low 16 bits.
            let bits = |v| u64::from(_mm_movemask_epi8(v) as u32 & 0xffff) << (16 * i);
            mask |= bits(hits);
            lines |= bits(breaks);
        }
    }
    (mask, lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rows (line, cells) and line breaks as [`read_batches`] gives them;
    /// each row's start is checked to be where its line starts.
    fn by_batches(text: &str, delimiter: u8) -> (Vec<(usize, Vec<String>)>, usize) {
        let mut rows = Vec::new();
        let mut starts = Vec::new();
        let breaks = read_batches(text, delimiter, |batch| {
            for k in 0..batch.len() {
                let row = batch.row(k);
                let (line, start) = batch.line(k);
                rows.push((line, (0..row.width()).map(|i| row.cell(i).to_string()).collect()));
                starts.push((line, start));
                // A cell past the row's last reads as empty.
                assert_eq!(row.cell(row.width()), "");
            }
            true
        });
        for (line, start) in starts {
            let before = &text.as_bytes()[..start];
            assert!(start == 0 || before.ends_with(b"\n"), "line {line} starts at {start}");
            assert_eq!(memchr::memchr_iter(b'\n', before).count() + 1, line);
        }
        (rows, breaks)
    }

    #[test]
    fn lines_over_several_batches_read_as_the_csv_crate_reads() {
        let many: String = (0..BATCH_LINES * 2 + 7).map(|i| format!("{i},x{i}\r\n\n")).collect();
        let (rows, breaks) = by_batches(&many, b',');
        assert_eq!((rows.len(), breaks), (BATCH_LINES * 2 + 7, (BATCH_LINES * 2 + 7) * 2));
        assert_eq!((rows.clone(), breaks), by_csv(&many, b','));
        assert_eq!(rows[BATCH_LINES].1, ["256", "x256"]);
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

    #[test]
    fn lines_cells_and_breaks() {
        let text = "a,b\r\n\r\n,\nc ,é,\n\n  \nlast";
        assert!(splittable(text.as_bytes(), b','));
        assert_eq!(by_batches(text, b','), by_csv(text, b','));
        assert_eq!(
            by_batches(text, b',').0[2],
            (4, vec!["c ".to_string(), "é".into(), String::new()])
        );
        assert!(!splittable(b"a,\"b\"\n", b',') && !splittable(b"a\rb\n", b','));
        assert!(
            !splittable(b"a\xc2b\n", 0xc2),
            "a separator that is not ASCII could cut a character"
        );
    }

    proptest::proptest! {
        /// The bits of a block are the bytes that end a cell, however found.
        #[test]
        fn a_block_marks_separators_and_line_breaks(block in proptest::collection::vec(proptest::sample::select(b"a,;\t\n\r\xc3\xa9".to_vec()), 64), tab in proptest::bool::ANY) {
            let delimiter = if tab { b'\t' } else { b',' };
            let bits = |of: &dyn Fn(u8) -> bool| (0..64).filter(|i| of(block[*i])).fold(0u64, |m, i| m | 1 << i);
            let expected = (bits(&|b| b == delimiter || b == b'\n'), bits(&|b| b == b'\n'));
            proptest::prop_assert_eq!(breaks(&block, delimiter), expected);
            proptest::prop_assert_eq!(breaks_bytewise(&block, delimiter), expected);
            let first_40 = (1 << 40) - 1;
            proptest::prop_assert_eq!(breaks(&block[..40], delimiter), (expected.0 & first_40, expected.1 & first_40));
        }

        /// Long stretches (several blocks) read as the csv crate reads them.
        #[test]
        fn long_stretches_split_as_the_csv_crate_reads(text in "([a-cé ,]{0,9}(\r\n|\n)?){20,60}") {
            proptest::prop_assume!(splittable(text.as_bytes(), b','));
            proptest::prop_assert_eq!(by_batches(&text, b','), by_csv(&text, b','));
        }

        /// Any text the splitter takes reads as the csv crate reads it.
        #[test]
        fn splits_as_the_csv_crate_reads(text in "([a-cé ;,\t]{0,4}(\r\n|\n)?){0,12}", tab in proptest::bool::ANY) {
            let delimiter = if tab { b'\t' } else { b',' };
            proptest::prop_assume!(splittable(text.as_bytes(), delimiter));
            proptest::prop_assert_eq!(by_batches(&text, delimiter), by_csv(&text, delimiter));
        }
    }
}
