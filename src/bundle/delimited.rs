//! Delimited text (CSV, TSV, `;`-separated) into the table reader: the
//! separator is sniffed, lines are counted from byte offsets, and a line too
//! long to be an export is refused before it costs parser buffers.

use super::Dataset;
use super::table::{DatasetBuilder, Loc};
use crate::error::{Problem, SourceFile};
use std::collections::BTreeMap;

/// Longest CSV line accepted. Exports have short lines; a longer one is a
/// wrong or hostile file, refused before it costs memory.
pub const MAX_LINE_BYTES: usize = 4 * 1024 * 1024;

impl DatasetBuilder<'_> {
    pub(super) fn csv(&mut self, tab: bool) -> Option<Dataset> {
        // An Arc clone: the file's text is shared, not copied.
        let src = self.src.clone();
        let text: &str = &src.text;
        // Checked before parsing, so a hostile line costs no parser buffers.
        if let Some((i, line)) = text.split('\n').enumerate().find(|(_, l)| l.len() > MAX_LINE_BYTES) {
            self.long_line(i + 1, line.len());
            return None;
        }
        let delimiter = if tab { b'\t' } else { sniff_delimiter(text) };
        self.decimal_comma = delimiter == b';';
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .flexible(true)
            .has_headers(false)
            .from_reader(text.as_bytes());
        let rel = self.rel.to_string();
        let mut lines = LineCounter::new(text);
        let mut rows = reader.records().map(|r| match r {
            Ok(record) => {
                let byte = record.position().map_or(0, |p| usize::try_from(p.byte()).unwrap_or(0));
                let line = lines.line_at(byte);
                if record.as_slice().len() > MAX_LINE_BYTES {
                    return Err(Box::new(long_line_problem(&src, line, record.as_slice().len())));
                }
                Ok((record, Loc::Line(line)))
            }
            Err(e) => {
                let line = e.position().map_or(1, |p| usize::try_from(p.line()).unwrap_or(1));
                Err(Box::new(
                    Problem::new("bundle::csv", format!("`{rel}` is not valid CSV: {e}"))
                        .at_line(&src, line, 1, "here")
                        .help("check the quoting on this line"),
                ))
            }
        });
        self.table(&mut rows)
    }

    fn long_line(&mut self, line: usize, len: usize) {
        let p = long_line_problem(self.src, line, len);
        self.problems.push(p);
    }
}

/// Line numbers from byte offsets, counted once over the file as records
/// advance. The csv crate's own line count is one short after a CRLF: it
/// places a record at the LF that ends the line before it.
struct LineCounter<'t> {
    text: &'t str,
    offset: usize,
    line: usize,
}

impl<'t> LineCounter<'t> {
    fn new(text: &'t str) -> Self {
        Self {
            text,
            offset: 0,
            line: 1,
        }
    }

    fn line_at(&mut self, mut byte: usize) -> usize {
        let bytes = self.text.as_bytes();
        if bytes.get(byte) == Some(&b'\n') {
            byte += 1;
        }
        let byte = byte.min(bytes.len()).max(self.offset);
        self.line += bytecount_newlines(&bytes[self.offset..byte]);
        self.offset = byte;
        self.line
    }
}

fn bytecount_newlines(bytes: &[u8]) -> usize {
    bytes.iter().filter(|b| **b == b'\n').count()
}

fn long_line_problem(src: &SourceFile, line: usize, len: usize) -> Problem {
    Problem::new(
        "bundle::csv_line_too_long",
        format!(
            "{}:{line}: a line of {} MiB; the limit is {} MiB",
            src.name,
            len / (1024 * 1024),
            MAX_LINE_BYTES / (1024 * 1024)
        ),
    )
    .help("this does not look like a CSV export: check the file, its delimiter and its quotes (an unclosed quote swallows the rest of the file)")
}

/// The separator of a text table: the one of `,` `;` tab whose count
/// (outside quotes) is the same on most of the first lines. Titles above the
/// header and `;` inside cells (attendee lists) do not fool it.
pub(super) fn sniff_delimiter(text: &str) -> u8 {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).take(20).collect();
    let mut best = (0usize, 0usize, b',');
    for d in [b',', b';', b'\t'] {
        let counts: Vec<usize> = lines.iter().map(|l| count_outside_quotes(l, d)).collect();
        let mut freq: BTreeMap<usize, usize> = BTreeMap::new();
        for c in counts.iter().filter(|c| **c > 0) {
            *freq.entry(*c).or_default() += 1;
        }
        // The most common non-zero count, the larger on a tie.
        let Some((&count, &lines_with_it)) = freq.iter().max_by_key(|(c, n)| (**n, **c)) else {
            continue;
        };
        if (lines_with_it, count) > (best.0, best.1) {
            best = (lines_with_it, count, d);
        }
    }
    best.2
}

fn count_outside_quotes(line: &str, d: u8) -> usize {
    let mut quoted = false;
    let mut n = 0;
    for b in line.bytes() {
        if b == b'"' {
            quoted = !quoted;
        } else if b == d && !quoted {
            n += 1;
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delimiters() {
        assert_eq!(sniff_delimiter("a;b;c\n1;2;3"), b';');
        assert_eq!(sniff_delimiter("a,b\n"), b',');
        assert_eq!(sniff_delimiter("a\tb\tc"), b'\t');
        // Attendee lists with `;` inside a comma-separated file.
        let meetings = "id,date,attendees\nM1,2025-01-01,a;b;c;d;e;f\nM2,2025-01-02,a;b;c;d;e;f;g\n";
        assert_eq!(sniff_delimiter(meetings), b',');
        // A title and a quoted date range above a tab-separated header.
        let ads = "Campaign report\n\"July 1, 2025 - September 30, 2025\"\nCampaign\tCost\tClicks\nA\t1,234.00\t5\n";
        assert_eq!(sniff_delimiter(ads), b'\t');
        // Decimal commas in a `;` file.
        assert_eq!(sniff_delimiter("id;amount;x\n1;1,5;2\n2;2,5;3\n"), b';');
    }

    #[test]
    fn lines_are_counted_from_offsets() {
        let text = "a\r\nb\r\n\r\nc";
        let mut c = LineCounter::new(text);
        assert_eq!(c.line_at(0), 1);
        assert_eq!(
            c.line_at(2),
            2,
            "a record placed at the LF of a CRLF starts on the next line"
        );
        assert_eq!(c.line_at(8), 4);
    }
}
