//! A text column's distinct values, numbered: a condition over a million
//! rows of `stage` or `source` (a few dozen values) is then answered once per
//! value and looked up by number per row, instead of hashing each cell's text.

use super::{Column, ColumnData};
use crate::value::FieldType;
use std::collections::HashMap;

/// Most distinct values a column is numbered for: past this (ids, emails,
/// names) a lookup per row saves nothing over testing the text.
pub const MAX_CODES: usize = 4096;

/// Each row's value as a number, and the values by number.
#[derive(Debug, Clone)]
pub struct Codes {
    pub of_row: Vec<u32>,
    pub texts: Vec<String>,
}

impl Codes {
    /// Numbers the values of a text column (not a list: its items are tested
    /// one by one), or None past [`MAX_CODES`] values, which is found within
    /// the first few thousand rows of an id column.
    pub(super) fn build(col: &Column) -> Option<Codes> {
        let ColumnData::Text { buf, ends } = &col.data else {
            return None;
        };
        if col.ty != FieldType::Text {
            return None;
        }
        let mut numbers: HashMap<&str, u32, foldhash::fast::RandomState> = HashMap::default();
        let mut texts = Vec::new();
        let mut of_row = Vec::with_capacity(ends.len());
        let mut start = 0usize;
        for end in ends {
            let end = *end as usize;
            let text = buf.get(start..end).unwrap_or_default();
            start = end;
            let code = match numbers.get(text) {
                Some(c) => *c,
                None => {
                    if texts.len() >= MAX_CODES {
                        return None;
                    }
                    let c = u32::try_from(texts.len()).ok()?;
                    numbers.insert(text, c);
                    texts.push(text.to_string());
                    c
                }
            };
            of_row.push(code);
        }
        Some(Codes { of_row, texts })
    }
}

impl Column {
    /// The column's values numbered (see [`Codes`]), built on first use and
    /// shared by every rule of the audit; None for other columns. Only asked
    /// once the bundle is loaded: a column is not pushed to afterwards.
    pub fn codes(&self) -> Option<&Codes> {
        self.codes.get_or_init(|| Codes::build(self).map(Box::new)).as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn few_values_are_numbered_in_order_of_first_appearance() {
        let mut c = Column::new(FieldType::Text);
        for t in ["won", "", "lost", "won"] {
            c.push_text(t).unwrap();
        }
        let codes = c.codes().unwrap();
        assert_eq!(codes.of_row, [0, 1, 2, 0]);
        assert_eq!(codes.texts, ["won", "", "lost"]);
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
