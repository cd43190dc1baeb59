//! Delimited text (CSV, TSV, `;`-separated) into the table reader: the
//! separator is sniffed, lines are counted from byte offsets, and a line too
//! long to be an export is refused before it costs parser buffers.

use super::merge::Merged;
use super::noticed::Stop;
use super::rows::RowSink;
use super::table::{DatasetBuilder, Loc, TableRow};
use super::unquoted;
use super::{Dataset, ShownFields};
use crate::error::ErrorCode;
use crate::error::{Problem, SourceFile};
use rayon::prelude::*;

mod sniff;
pub(super) use sniff::sniff_delimiter;

/// Longest CSV line accepted. Exports have short lines; a longer one is a
/// wrong or hostile file, refused before it costs memory.
pub const MAX_LINE_BYTES: usize = 4 * 1024 * 1024;

/// The rows below the header are read in stretches of about this size, each
/// on its own thread. A fixed size (not one per thread) keeps the stretches,
/// and so the order of everything found in them, the same on any machine.
pub(super) const STRETCH_BYTES: usize = 2 * 1024 * 1024;
const _: () = assert!(
    STRETCH_BYTES < MAX_LINE_BYTES,
    "a stretch no longer than the line limit needs no line scan"
);

/// Stretches read at once (in parallel) before they are joined, per thread:
/// enough to keep every core busy, few enough that their columns stay
/// small (two big files load side by side, each with a window in flight).
/// Two held the same CPU time as four, with 15 MB less resident after the
/// load of a million-row bundle; one as two, with 2,000 fewer pages touched
/// for the first time (the kernel's faults are a sixth of an audit's CPU).
/// What is read does not depend on it.
const WINDOW_PER_THREAD: usize = 1;

/// A record parsed from a `&str`, read without checking each cell's UTF-8
/// again (the check showed in profiles of million-row files).
struct TextRecord<'r>(&'r csv::ByteRecord);

impl TableRow for TextRecord<'_> {
    fn width(&self) -> usize {
        self.0.len()
    }
    fn cell(&self, i: usize) -> &str {
        let bytes = self.0.get(i).unwrap_or_default();
        // SAFETY: the record was parsed from a `&str` (see `read_stretch`).
        // The parser cuts text only at ASCII bytes (separator, quote, CR, LF)
        // and unescaping drops ASCII quotes; in UTF-8 an ASCII byte is never
        // part of a multi-byte character, so every cell is valid UTF-8.
        unsafe { std::str::from_utf8_unchecked(bytes) }
    }
}

/// A big file mapped to be checked as it is read turned out not to be UTF-8.
struct NotUtf8;

impl DatasetBuilder<'_> {
    pub(super) fn csv(&mut self, tab: bool) -> Option<Dataset> {
        let (notes, problems, read) = (self.notes.len(), self.problems.0.len(), self.read.clone());
        match self.csv_checking(tab) {
            Ok(ds) => ds,
            Err(NotUtf8) => {
                // Read again from the start as decoded text, as if it had
                // been decoded when opened: what the first try noted goes.
                self.notes.truncate(notes);
                self.problems.0.truncate(problems);
                self.read = read;
                self.cell_errors = 0;
                self.src = super::read::redecode(&self.src, self.rel, self.notes);
                // Decoded text is in memory, and every part of it is text.
                self.csv_checking(tab).unwrap_or_default()
            }
        }
    }

    /// Reads the file, checking a mapped file's UTF-8 as it goes: the lines
    /// the header is looked for in, then each stretch of rows just before
    /// it is parsed (in cache, on the thread that parses it).
    fn csv_checking(&mut self, tab: bool) -> Result<Option<Dataset>, NotUtf8> {
        // An Arc clone: the file's text is shared, not copied.
        let src = self.src.clone();
        let bytes = src.text.bytes();
        // The lines the header is looked for in are checked before parsing,
        // so a hostile line costs no parser buffers; the rest are checked
        // stretch by stretch.
        if let Some((line, len)) = long_line(bytes, Some(super::source::HEADER_SEARCH_LINES * 50)) {
            if !src.text.is_utf8() {
                return Err(NotUtf8);
            }
            self.long_line(line, len);
            return Ok(None);
        }
        let delimiter = if tab { b'\t' } else { sniff_delimiter(bytes) };
        self.decimal_comma = delimiter == b';';
        let mut ds = self.empty_dataset();
        self.delimited = true;
        let mut reader = csv_reader(delimiter, bytes);
        let mut not_utf8 = false;
        let head = {
            let rel = self.rel.to_string();
            let src = &src;
            let not_utf8 = &mut not_utf8;
            let mut rows = std::iter::from_fn(|| {
                let mut record = csv::ByteRecord::new();
                let from = usize::try_from(reader.position().byte()).unwrap_or(usize::MAX);
                match reader.read_byte_record(&mut record) {
                    Ok(false) => None,
                    Ok(true) => {
                        let to = usize::try_from(reader.position().byte()).unwrap_or(usize::MAX);
                        // The record's own text, checked as it is read.
                        let Some(record) = src
                            .text
                            .part(from..to)
                            .and_then(|_| csv::StringRecord::from_byte_record(record).ok())
                        else {
                            *not_utf8 = true;
                            return None;
                        };
                        let line = record.position().map_or(1, |p| record_line(bytes, p));
                        if record.as_slice().len() > MAX_LINE_BYTES {
                            return Some(Err(Box::new(long_line_problem(src, line, record.as_slice().len()))));
                        }
                        Some(Ok((record, Loc::Line(line))))
                    }
                    Err(e) => {
                        let line = e.position().map_or(1, |p| usize::try_from(p.line()).unwrap_or(1));
                        Some(Err(Box::new(
                            Problem::new(ErrorCode::BundleCsv, format!("`{rel}` is not valid CSV: {e}"))
                                .at_line(src, line, 1, "here")
                                .help("check the quoting on this line"),
                        )))
                    }
                }
            });
            self.head(&mut rows, &mut ds)
        };
        if not_utf8 || (head.is_err() && !src.text.is_utf8()) {
            return Err(NotUtf8);
        }
        let head = match head {
            Err(()) => return Ok(None),
            Ok(None) => return if src.text.is_utf8() { Ok(Some(ds)) } else { Err(NotUtf8) },
            Ok(Some(h)) => h,
        };
        let position = reader.position();
        let data_start = usize::try_from(position.byte()).unwrap_or(bytes.len()).min(bytes.len());
        // The reader stops after a record, at a line start.
        let data = &bytes[data_start..];
        let first_line = usize::try_from(position.line()).unwrap_or(1);

        let mut proto = RowSink::new(&head.plan, &ds, head.width, self.decimal_comma);
        if !self.shown_at.is_empty() {
            proto.anchors = Some(Vec::new());
        }
        let above = || {
            let mut above = proto.fresh(None, &[]);
            for (row, loc) in &head.after {
                if !above.accept(row, *loc) {
                    break;
                }
            }
            above
        };
        let mut merged = Merged::default();
        merged.add(&head.plan, &mut ds, vec![above()]);
        let stretches = split_at_lines(data, self.stretch_bytes.max(1));
        // Finding where stretches end read a page at each end, and a page
        // cache of large folios maps a whole folio (2 MB) for it: let them
        // go again before the stretches are read (a million-row export had
        // 60 MB of its file mapped before its first row was parsed).
        src.text.release(data);
        let many = stretches.len() > 1;
        // Each stretch numbers its lines from 1; they are shifted once the
        // stretches before it have counted theirs.
        let mut start = first_line;
        let mut multiline = false;
        // Each window reads into the columns the one before it was joined
        // from: they are warm and already large enough.
        let mut spares = Vec::new();
        for window in stretches.chunks(WINDOW_PER_THREAD * rayon::current_num_threads()) {
            let number = proto.numbered(&ds);
            let reuse: Vec<_> = window.iter().map(|_| spares.pop()).collect();
            let sinks: Vec<(RowSink<'_>, usize)> = window
                .par_iter()
                .zip(reuse)
                .map(|(range, spare)| {
                    let mut sink = proto.fresh(spare, &number);
                    let range = data_start + range.start..data_start + range.end;
                    sink.base = range.start;
                    let Some(stretch) = src.text.part(range.clone()) else {
                        sink.not_utf8 = true;
                        return (sink, 0);
                    };
                    let lines = read_stretch(&mut sink, stretch, delimiter, many);
                    // Read: its memory can go (a mapped file is not copied).
                    src.text.release(stretch.as_bytes());
                    (sink, lines)
                })
                .collect();
            if sinks.iter().any(|(s, _)| s.not_utf8) {
                return Err(NotUtf8);
            }
            // A quoted cell with a line break may straddle a stretch
            // boundary: such a file is read again in one pass. (The stretch
            // it starts in comes before any it garbles, so it is seen here
            // before a wrong row could stop the merge.)
            if sinks.iter().any(|(s, _)| s.multiline_record) {
                multiline = true;
                break;
            }
            let mut parts = Vec::with_capacity(sinks.len());
            for (mut sink, lines) in sinks {
                sink.shift_lines(start - 1);
                start += lines;
                parts.push(sink);
            }
            spares = merged.add(&head.plan, &mut ds, parts);
            if merged.stopped() {
                break;
            }
        }
        // Stopped early, or to read again in one pass: the rest is checked
        // whole (the file is read as decoded text if any of it is not UTF-8).
        if !src.text.is_utf8() {
            return Err(NotUtf8);
        }
        if multiline {
            super::merge::clear(&mut ds);
            merged = Merged::default();
            let mut sink = proto.fresh(None, &[]);
            sink.base = data_start;
            let text = src.text.part(data_start..bytes.len()).ok_or(NotUtf8)?;
            read_stretch(&mut sink, text, delimiter, false);
            sink.shift_lines(first_line - 1);
            merged.add(&head.plan, &mut ds, vec![above(), sink]);
        }
        super::merge::shrink(&mut ds);
        if !self.shown_at.is_empty() {
            let fields = std::mem::take(&mut self.shown_at);
            let anchors = std::mem::take(&mut merged.anchors);
            ds.shown = Some(Box::new(ShownFields::new(fields, src.text.clone(), delimiter, anchors)));
        }
        Ok(self.finish(merged, &head.headers).then_some(ds))
    }

    fn long_line(&mut self, line: usize, len: usize) {
        let p = long_line_problem(&self.src, line, len);
        self.problems.push(p);
    }
}

pub(super) fn csv_reader(delimiter: u8, bytes: &[u8]) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .has_headers(false)
        .from_reader(bytes)
}

/// The 1-based line a record starts on. The csv crate places a record where
/// the previous one ended: before the LF of a CRLF and before skipped blank
/// lines, with the line count of that place.
pub(super) fn record_line(text: &[u8], position: &csv::Position) -> usize {
    let at = usize::try_from(position.byte()).unwrap_or(usize::MAX).min(text.len());
    let skipped = text[at..]
        .iter()
        .take_while(|b| matches!(b, b'\r' | b'\n'))
        .filter(|b| **b == b'\n')
        .count();
    usize::try_from(position.line()).unwrap_or(1) + skipped
}

/// Reads one stretch of rows starting at a line boundary, numbering its lines
/// from 1; returns how many line breaks it holds. With `stop_on_multiline`,
/// a record holding a line break (a quoted cell) marks the stretch so the
/// caller can read the file in one pass instead.
fn read_stretch(sink: &mut RowSink<'_>, stretch: &str, delimiter: u8, stop_on_multiline: bool) -> usize {
    let text = stretch.as_bytes();
    // A stretch ends at the first line break after its nominal size, so
    // only one longer than the line limit can hold an over-long line.
    if text.len() > MAX_LINE_BYTES
        && let Some((line, len)) = long_line(text, None)
    {
        sink.noticed.stop = Some(Stop::LongLine { line, len });
        return 0;
    }
    if unquoted::splittable(text, delimiter) {
        return unquoted::read_batches(stretch, delimiter, |batch| sink.accept_batch(batch));
    }
    let quoted = memchr::memchr(b'"', text).is_some();
    let mut reader = csv_reader(delimiter, text);
    let mut record = csv::ByteRecord::new();
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(false) => return usize::try_from(reader.position().line()).unwrap_or(1) - 1,
            Ok(true) => {
                let line = record.position().map_or(1, |p| record_line(text, p));
                if record.as_slice().len() > MAX_LINE_BYTES {
                    sink.noticed.stop = Some(Stop::LongLine {
                        line,
                        len: record.as_slice().len(),
                    });
                    return 0;
                }
                if stop_on_multiline && quoted && memchr::memchr(b'\n', record.as_slice()).is_some() {
                    sink.multiline_record = true;
                    return 0;
                }
                // Where the record's line starts (its position may fall
                // before the line break that ends the record before it),
                // for the anchors of fields read when shown.
                let at = match (&sink.anchors, record.position()) {
                    (Some(_), Some(p)) => {
                        let at = usize::try_from(p.byte()).unwrap_or(0).min(text.len());
                        at + text[at..].iter().take_while(|b| matches!(b, b'\r' | b'\n')).count()
                    }
                    _ => 0,
                };
                if !sink.accept_at(&TextRecord(&record), line, at) {
                    return 0;
                }
            }
            Err(e) => {
                let line = e.position().map_or(1, |p| usize::try_from(p.line()).unwrap_or(1));
                sink.noticed.stop = Some(Stop::Csv {
                    line,
                    message: e.to_string(),
                });
                return 0;
            }
        }
    }
}

/// Byte ranges of about `size` bytes, each ending just after a line break
/// (or at the end of the text).
fn split_at_lines(text: &[u8], size: usize) -> Vec<std::ops::Range<usize>> {
    let mut ranges = Vec::new();
    let mut start = 0;
    while start < text.len() {
        let end = if text.len() - start <= size + size / 2 {
            text.len()
        } else {
            memchr::memchr(b'\n', &text[start + size..]).map_or(text.len(), |i| start + size + i + 1)
        };
        ranges.push(start..end);
        start = end;
    }
    ranges
}

/// The first line longer than [`MAX_LINE_BYTES`] (its 1-based number and
/// length), among the first `max_lines` lines when given.
fn long_line(text: &[u8], max_lines: Option<usize>) -> Option<(usize, usize)> {
    let mut start = 0;
    let mut line = 1;
    while start < text.len() && max_lines.is_none_or(|m| line <= m) {
        let end = memchr::memchr(b'\n', &text[start..]).map_or(text.len(), |i| start + i);
        if end - start > MAX_LINE_BYTES {
            return Some((line, end - start));
        }
        start = end + 1;
        line += 1;
    }
    None
}

pub(super) fn long_line_problem(src: &SourceFile, line: usize, len: usize) -> Problem {
    Problem::new(
        ErrorCode::BundleCsvLineTooLong,
        format!(
            "{}:{line}: a line of {} MiB; the limit is {} MiB",
            src.name,
            len / (1024 * 1024),
            MAX_LINE_BYTES / (1024 * 1024)
        ),
    )
    .help("this does not look like a CSV export: check the file, its delimiter and its quotes (an unclosed quote swallows the rest of the file)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_start_after_crlf_and_blank_lines() {
        let text = b"id\r\nO1\r\n\r\n\r\nO2\nO3";
        let mut reader = csv_reader(b',', text);
        let mut record = csv::ByteRecord::new();
        let mut lines = Vec::new();
        while reader.read_byte_record(&mut record).unwrap() {
            lines.push(record_line(text, record.position().unwrap()));
        }
        assert_eq!(lines, [1, 2, 5, 6]);
    }
}
