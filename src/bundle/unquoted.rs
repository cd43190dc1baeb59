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

mod batch;
pub(super) use batch::{Batch, read_batches};

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
pub(super) mod tests {
    use super::*;

    /// Rows (line, cells) and line breaks as the csv crate reads `text`.
    pub(in super::super) fn by_csv(text: &str, delimiter: u8) -> (Vec<(usize, Vec<String>)>, usize) {
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

    pub(in super::super) fn by_split(text: &str, delimiter: u8) -> (Vec<(usize, Vec<String>)>, usize) {
        let mut rows = Vec::new();
        let breaks = read_rows(text, delimiter, |row, line, _| {
            rows.push((line, (0..row.width()).map(|i| row.cell(i).to_string()).collect()));
            true
        });
        (rows, breaks)
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
            proptest::prop_assert_eq!(super::batch::tests::by_batches(&text, b','), by_csv(&text, b','));
        }

        /// Any text the splitter takes reads as the csv crate reads it.
        #[test]
        fn splits_as_the_csv_crate_reads(text in "([a-cé ;,\t]{0,4}(\r\n|\n)?){0,12}", tab in proptest::bool::ANY) {
            let delimiter = if tab { b'\t' } else { b',' };
            proptest::prop_assume!(splittable(text.as_bytes(), delimiter));
            proptest::prop_assert_eq!(by_split(&text, delimiter), by_csv(&text, delimiter));
            proptest::prop_assert_eq!(super::batch::tests::by_batches(&text, delimiter), by_csv(&text, delimiter));
        }
    }
}
