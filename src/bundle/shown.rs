//! Fields a run only shows in findings (a deal's name beside its amount),
//! read from the file for the rows shown instead of kept for every row: on
//! a million-opportunity export the names are the largest column (20 MB)
//! and no rule computes with them. The rules say which fields these are
//! (`RulePack::shown_only`); a field read from a delimited file's own
//! column, as written (no value map, no null words), qualifies.
//!
//! A row's cell is found from its start line: a few hundred lines from the
//! nearest anchor (a line and where it starts, kept every [`ANCHOR_ROWS`]
//! rows as the file is read), then one record parsed there, so quoted cells
//! and records over several lines read as the loader read them.

use super::plan::Plan;
use super::table::DatasetBuilder;
use crate::fsutil::FileText;
use crate::value::FieldType;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Rows between two anchors: a cell is at most this many lines (and blank
/// lines) from one, a few kilobytes to scan.
pub(super) const ANCHOR_ROWS: usize = 256;

/// The largest folio a page cache maps at once (a huge page).
const FOLIO: usize = 2 << 20;

#[derive(Debug)]
pub struct ShownFields {
    /// Field -> the index of its cell in a record.
    fields: BTreeMap<String, usize>,
    text: Arc<FileText>,
    delimiter: u8,
    /// (line, byte offset where it starts), lines ascending.
    anchors: Vec<(u32, usize)>,
}

impl ShownFields {
    pub(super) fn new(
        fields: BTreeMap<String, usize>,
        text: Arc<FileText>,
        delimiter: u8,
        mut anchors: Vec<(u32, usize)>,
    ) -> Self {
        anchors.sort_unstable();
        anchors.dedup();
        Self {
            fields,
            text,
            delimiter,
            anchors,
        }
    }

    pub(super) fn has(&self, field: &str) -> bool {
        self.fields.contains_key(field)
    }

    /// The cell of `field` in the record that starts on `line`, trimmed as
    /// the loader trims a text cell; None when it is empty or not there.
    pub(super) fn text(&self, field: &str, line: u32) -> Option<String> {
        let index = *self.fields.get(field)?;
        let bytes = self.text.bytes();
        let (mut at_line, mut at) = match self.anchors.partition_point(|(l, _)| *l <= line) {
            0 => (1, 0),
            n => self.anchors[n - 1],
        };
        let anchor_at = at;
        while at_line < line {
            at += memchr::memchr(b'\n', bytes.get(at..)?)? + 1;
            at_line += 1;
        }
        let rest = bytes.get(at..)?;
        // A record with no quote is its line, split at the delimiter (a
        // csv reader costs more to build than a findings' worth of cells
        // takes to read); one with a quote is parsed as the loader did.
        let line = &rest[..memchr::memchr2(b'\n', b'\r', rest).unwrap_or(rest.len())];
        let (read, cell) = if memchr::memchr(b'"', line).is_none() {
            (
                line.len(),
                line.split(|b| *b == self.delimiter).nth(index).map(Cow::Borrowed),
            )
        } else {
            let mut reader = super::delimited::csv_reader(self.delimiter, rest);
            let mut record = csv::ByteRecord::new();
            let read = reader.read_byte_record(&mut record).ok() == Some(true);
            let cell = read.then(|| record.get(index).map(<[u8]>::to_vec)).flatten();
            (record.as_slice().len(), cell.map(Cow::Owned))
        };
        let cell = cell
            .and_then(|c| {
                std::str::from_utf8(&c)
                    .ok()
                    .map(|c| crate::value::trim_cell(c).to_string())
            })
            .filter(|c| !c.is_empty());
        // What was read can go, with the rest of the large folio (2 MB) a
        // page cache may have mapped for it.
        let start = anchor_at.min(at) & !(FOLIO - 1);
        let end = (at + read + FOLIO).min(bytes.len()) & !(FOLIO - 1);
        self.text.release(&bytes[start..end.max(start)]);
        cell
    }

    pub(crate) fn heap_bytes(&self) -> usize {
        self.anchors.capacity() * std::mem::size_of::<(u32, usize)>()
    }
}

impl DatasetBuilder<'_> {
    /// The index of `field`'s cell when the run only shows it and this
    /// delimited file has it as written: its own text column, with no value
    /// map or null words to apply.
    pub(super) fn read_when_shown(&self, plan: &Plan, field: &str) -> Option<usize> {
        if !self.delimited || !self.shown_only?.contains(field) || !plan.nulls.is_empty() {
            return None;
        }
        let c = plan.columns.iter().find(|c| c.field == field)?;
        (c.ty == FieldType::Text && c.values.is_empty()).then_some(c.index)
    }
}
