//! A bad cell in a column no rule of the run reads. Nothing is judged on
//! it, so it does not stop the audit; but a column the next rule pack reads
//! would, and `inspect` and `audit` say the same of it: one note per column
//! naming the file, the first bad cell's line and column, and the fix.

use super::Note;
use super::noticed::CellIssue;
use super::table::{DatasetBuilder, Loc, column_letters, date_format_for, type_word, yaml_key};
use crate::value::FieldType;

/// The note for a column's bad cells: `count` of them, the first `first`.
pub(super) fn note(b: &DatasetBuilder<'_>, first: &CellIssue, count: usize, header: &str) -> Note {
    let name = b.name;
    let at = match first.loc {
        Loc::Line(line) => format!("line {line}"),
        Loc::Sheet { row, first_col } => format!(
            "[{}] {}{}",
            b.sheet.as_deref().unwrap_or_default(),
            column_letters(first_col + u32::try_from(first.index).unwrap_or(0)),
            row + 1
        ),
    };
    let more = match count {
        0 | 1 => String::new(),
        n => format!(" ({} more cell{} like it)", n - 1, if n == 2 { "" } else { "s" }),
    };
    let fix = match date_format_for(&first.error.found) {
        Some((format, other)) if first.error.expected == FieldType::Date => {
            let or = other
                .map(|o| format!(" (or `\"{o}\"` if the other order is right)"))
                .unwrap_or_default();
            format!("to read it, add `date_format: \"{format}\"`{or} under `datasets: {name}:` in bundle.yaml")
        }
        _ => format!(
            "correct the values (`{name}.{}` is {}), or add `{}: ignore` under `datasets: {name}: columns:` in bundle.yaml to leave the column out",
            first.field,
            type_word(first.error.expected),
            yaml_key(header)
        ),
    };
    Note {
        file: b.rel.to_string(),
        message: format!(
            "{at}, column `{header}` ({name}.{}): {}{more}; no rule of this run reads the column, so nothing was judged on it: {fix}",
            first.field, first.error
        ),
    }
}
