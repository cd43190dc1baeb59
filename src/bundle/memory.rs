//! What the loaded bundle holds in memory, column by column, for
//! `MKTAUDIT_TIMINGS=1`: the audit's peak is the loaded data plus the rules'
//! working sets, and this says how much of it is the data.

use super::{Bundle, Column, ColumnData};

impl Column {
    /// Bytes this column holds on the heap (capacity, not length: what the
    /// allocator gave it), with its value numbers once built.
    pub fn heap_bytes(&self) -> usize {
        let data = match &self.data {
            ColumnData::Text { buf, ends } => buf.capacity() + ends.heap_bytes(),
            ColumnData::Coded(c) => c.of_row.heap_bytes() + c.texts.iter().map(|t| t.capacity() + 24).sum::<usize>(),
            ColumnData::Number(v) => v.heap_bytes(),
            ColumnData::Date(v) => v.heap_bytes(),
            ColumnData::Bool(v) => v.capacity(),
        };
        let codes = self.codes.get().and_then(Option::as_deref).map_or(0, |c| {
            c.of_row.heap_bytes() + c.texts.iter().map(|t| t.capacity() + 24).sum::<usize>()
        });
        data + codes
    }
}

/// The bundle's columns and line numbers by size, largest first:
/// (`dataset.field` or `dataset (lines)`, bytes).
pub fn memory_by_column(bundle: &Bundle) -> Vec<(String, usize)> {
    let mut out: Vec<(String, usize)> = Vec::new();
    for (name, ds) in &bundle.datasets {
        for (field, col) in &ds.columns {
            out.push((format!("{name}.{field}"), col.heap_bytes()));
        }
        out.push((format!("{name} (lines)"), ds.lines.heap_bytes()));
        if let Some(shown) = &ds.shown {
            out.push((
                format!("{name} (where rows start, for fields read when shown)"),
                shown.heap_bytes(),
            ));
        }
    }
    out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    out
}

/// This process's resident memory now and at its peak, in bytes, where the
/// system shows them (Linux's `/proc/self/status`).
pub fn resident_bytes() -> Option<(usize, usize)> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb = |key: &str| -> Option<usize> {
        let line = status.lines().find(|l| l.starts_with(key))?;
        line[key.len()..]
            .trim()
            .trim_end_matches("kB")
            .trim()
            .parse::<usize>()
            .ok()
            .map(|k| k * 1024)
    };
    Some((kb("VmRSS:")?, kb("VmHWM:")?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::FieldType;

    #[test]
    fn a_column_counts_what_it_holds() {
        let mut c = Column::new(FieldType::Text);
        assert_eq!(c.heap_bytes(), 0);
        for t in ["won", "lost", "won"] {
            c.push_text(t).unwrap();
        }
        let before = c.heap_bytes();
        assert!(before >= 10 + 3 * 4, "{before}");
        c.codes().unwrap();
        assert!(c.heap_bytes() >= before + 3 * 4 + 7, "the numbers count too");
    }
}
