//! "How values were read": for each field the rules interpret through a
//! vocabulary, its values and what each was read as, so a client can check
//! that "Board of Directors" counted as leadership and see the words the
//! audit did not know.

use crate::rules::unrecognised::FieldReading;
use serde::Serialize;

/// Values shown per field; the rest are counted.
const SHOWN: usize = 12;

#[derive(Debug, Clone, Serialize)]
pub struct FieldValuesView {
    /// `reports.audience`
    pub field: String,
    pub file: String,
    pub rules: String,
    pub values: Vec<ValueView>,
    /// Values past those shown.
    pub more: usize,
    /// Values no word of the pack knew.
    pub unknown: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct ValueView {
    pub value: String,
    pub count: usize,
    /// "leadership audience", or "not understood".
    pub read_as: String,
    pub understood: bool,
}

pub fn field_values(readings: &[FieldReading]) -> Vec<FieldValuesView> {
    readings
        .iter()
        .filter(|r| !r.values.is_empty())
        .map(|r| FieldValuesView {
            field: format!("{}.{}", r.dataset, r.field),
            file: r.file.clone(),
            rules: r.rules.join(", "),
            values: r
                .values
                .iter()
                .take(SHOWN)
                .map(|v| ValueView {
                    value: v.value.clone(),
                    count: v.count,
                    read_as: read_as(&v.read_as, &r.vocabularies),
                    understood: !v.read_as.is_empty(),
                })
                .collect(),
            more: r.values.len().saturating_sub(SHOWN),
            unknown: r.values.iter().filter(|v| v.read_as.is_empty()).count(),
        })
        .collect()
}

/// What a value was read as, in words: the vocabularies the rules read the
/// field with first, then those that only name it; "not understood" when no
/// word of the pack knew it.
fn read_as(matched: &[String], read_with: &[String]) -> String {
    if matched.is_empty() {
        return "not understood".to_string();
    }
    let (mut names, known): (Vec<&String>, Vec<&String>) = matched.iter().partition(|n| read_with.contains(n));
    names.extend(known);
    names
        .iter()
        .map(|n| super::wording::label(n))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_vocabulary_reads_as_words_with_its_acronyms() {
        let matched = vec!["sla_agreement".to_string(), "leadership_audience".to_string()];
        let read_with = vec!["leadership_audience".to_string()];
        assert_eq!(
            super::read_as(&matched, &read_with),
            "leadership audience, SLA agreement"
        );
        assert_eq!(super::read_as(&[], &read_with), "not understood");
    }
}
