//! Values the rules interpret but did not recognise: a leadership audience
//! written "Verwaltungsrat", a meeting type "Exec sync". Such a value is read
//! as "not one of these", which can hide a finding, so every one is named in
//! `inspect` and the report's notes, with the rules it affects and the line
//! that would teach it to the audit.

use super::format::RawCondition;
use super::plan::format::RawPlan;

use super::RulePack;
use crate::bundle::{Bundle, Note};
use crate::rules::vocab::normalize;
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// A (dataset, field, vocabulary) that a condition reads with `in_vocab` or `not_in_vocab`.
pub type VocabUse = (String, String, String);

/// Every vocabulary use of a plan's conditions, found when the rule loads.
pub fn vocab_uses(plan: &RawPlan) -> Vec<VocabUse> {
    let mut out = Vec::new();
    for (dataset, c) in super::plan::conditions(plan) {
        condition_vocab_uses(c, &dataset, &mut out);
    }
    out
}

/// The vocabulary uses of one condition (and those it nests) on `dataset`.
pub fn condition_vocab_uses(c: &RawCondition, dataset: &str, out: &mut Vec<VocabUse>) {
    if let Some(field) = &c.field {
        for v in [&c.in_vocab, &c.not_in_vocab].into_iter().flatten() {
            out.push((dataset.to_string(), field.clone(), v.clone()));
        }
    }
    for list in [&c.all, &c.any].into_iter().flatten() {
        list.iter().for_each(|c| condition_vocab_uses(c, dataset, out));
    }
    if let Some(n) = &c.not {
        condition_vocab_uses(n, dataset, out);
    }
}

/// Distinct values read per field: a column of unique ids is not a vocabulary.
const MAX_DISTINCT: usize = 5_000;
/// Values named per field in a note.
const MAX_SHOWN: usize = 8;

/// How the rules read one field's values: each distinct value (list items one
/// by one), how often it occurs, and the vocabularies it matched.
#[derive(Debug, Clone, serde::Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FieldReading {
    pub dataset: String,
    pub field: String,
    pub file: String,
    /// The vocabularies the rules read the field with.
    pub vocabularies: Vec<String>,
    /// The rules that read it so.
    pub rules: Vec<String>,
    /// Most frequent first; `read_as` empty when no vocabulary knew the value.
    pub values: Vec<ValueReading>,
}

#[derive(Debug, Clone, serde::Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ValueReading {
    pub value: String,
    pub count: usize,
    pub read_as: Vec<String>,
}

/// Every field a rule reads through a vocabulary, with what each value was read as.
pub fn readings(pack: &RulePack, bundle: &Bundle) -> Vec<FieldReading> {
    // (dataset, field) -> the vocabularies that read it and the rules that do.
    let mut uses: BTreeMap<(String, String), (BTreeSet<String>, BTreeSet<String>)> = BTreeMap::new();
    for rule in &pack.rules {
        for (key, vocabs) in rule.vocabulary_reads() {
            let entry = uses.entry(key).or_default();
            entry.0.extend(vocabs);
            entry.1.insert(rule.id.clone());
        }
    }
    // Each field's values are counted on their own, in parallel (a
    // million leads' sources and stages); the readings keep the map's order.
    let uses: Vec<_> = uses.into_iter().collect();
    uses.par_iter()
        .filter_map(|((dataset, field), (vocabs, rules))| {
            // Words for the values rules read as "none of these" on purpose.
            let path = format!("{dataset}.{field}");
            let describing: Vec<&String> = pack
                .vocabularies
                .iter()
                .filter(|(name, v)| !vocabs.contains(*name) && v.describes.contains(&path))
                .map(|(name, _)| name)
                .collect();
            let ds = bundle.dataset(dataset)?;
            let col = ds.column(field)?;
            let known: Vec<_> = vocabs
                .iter()
                .chain(describing)
                .filter_map(|v| Some((v, pack.vocabularies.get(v)?)))
                .collect();
            let counts = value_counts(col, ds.rows)?;
            let mut values: Vec<ValueReading> = counts
                .into_iter()
                .filter(|(t, _)| !normalize(t).is_empty())
                .map(|(t, n)| ValueReading {
                    value: t.to_string(),
                    count: n,
                    read_as: known
                        .iter()
                        .filter(|(_, v)| v.contains(t))
                        .map(|(name, _)| (*name).clone())
                        .collect(),
                })
                .collect();
            values.sort_by(|a, b| b.count.cmp(&a.count).then(a.value.cmp(&b.value)));
            Some(FieldReading {
                dataset: dataset.clone(),
                field: field.clone(),
                file: ds.file.clone(),
                vocabularies: vocabs.iter().cloned().collect(),
                rules: rules.iter().cloned().collect(),
                values,
            })
        })
        .collect()
}

type Counts<'c> = HashMap<&'c str, usize, foldhash::fast::FixedState>;

/// Each distinct non-empty text of the first `rows` cells (list items one by
/// one) and how often it occurs; None past [`MAX_DISTINCT`] texts. A column
/// with few values is counted by its value numbers (shared with the rules'
/// conditions), not by hashing a million cells.
fn value_counts(col: &crate::bundle::Column, rows: usize) -> Option<Counts<'_>> {
    let counts = match col.codes() {
        Some(codes) => {
            let mut per_code = vec![0usize; codes.texts.len()];
            for code in codes.of_row.iter().take(rows) {
                per_code[code] += 1;
            }
            let mut counts = Counts::default();
            for (text, n) in codes.texts.iter().zip(per_code) {
                if n > 0 && !text.is_empty() {
                    for item in text.split(LIST_SEP) {
                        *counts.entry(item).or_default() += n;
                    }
                }
            }
            counts
        }
        None => counted(col, rows),
    };
    Some(counts).filter(|c| c.len() <= MAX_DISTINCT)
}

/// [`value_counts`] by hashing each cell's text; stops one text past
/// [`MAX_DISTINCT`], enough to say there are too many.
fn counted(col: &crate::bundle::Column, rows: usize) -> Counts<'_> {
    let mut counts = Counts::default();
    for row in 0..rows {
        let Some(text) = col.text(row).filter(|t| !t.is_empty()) else {
            continue;
        };
        for item in text.split(LIST_SEP) {
            if let Some(n) = counts.get_mut(item) {
                *n += 1;
            } else if counts.len() <= MAX_DISTINCT {
                counts.insert(item, 1);
            } else {
                return counts;
            }
        }
    }
    counts
}

/// How list items are joined in a text column.
const LIST_SEP: char = '\u{1f}';

/// One note per field whose values the rules' vocabularies did not all recognise.
pub fn notes(readings: &[FieldReading]) -> Vec<Note> {
    let mut notes = Vec::new();
    for reading in readings {
        let unknown: Vec<&ValueReading> = reading.values.iter().filter(|v| v.read_as.is_empty()).collect();
        let Some(first) = unknown.first() else { continue };
        let shown: Vec<String> = unknown
            .iter()
            .take(MAX_SHOWN)
            .map(|v| format!("\"{}\" ({})", v.value, v.count))
            .collect();
        let more = unknown.len().saturating_sub(MAX_SHOWN);
        let first_vocab = reading.vocabularies.first().map_or("", String::as_str);
        let (dataset, field) = (&reading.dataset, &reading.field);
        notes.push(Note {
            file: reading.file.clone(),
            message: format!(
                "{} value{} of `{dataset}.{field}` matched none of the words the rules read it with ({}): {}{}. Rules {} treat them as none of these. If one means one of them, add it to mktaudit.yaml, e.g. `vocabularies: {{ {first_vocab}: [\"{}\"] }}`",
                unknown.len(),
                if unknown.len() == 1 { "" } else { "s" },
                reading.vocabularies.join(", "),
                shown.join(", "),
                if more > 0 { format!(", and {more} more") } else { String::new() },
                reading.rules.join(", "),
                first.value,
            ),
        });
    }
    notes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::Column;
    use crate::value::FieldType;

    proptest::proptest! {
        /// Counting by value numbers gives what hashing every cell gives,
        /// for few values (numbered), many (not numbered) and list items.
        #[test]
        fn counts_by_number_match_counts_by_text(
            cells in proptest::collection::vec("[a-c]{0,2}(\u{1f}[a-c]{0,2})?|v[0-9]{1,4}", 0..300),
            spread in 0usize..3,
        ) {
            let mut col = Column::new(FieldType::Text);
            for (i, cell) in cells.iter().enumerate() {
                // `spread` 2 makes every cell distinct: more than can be numbered.
                let text = if spread == 2 { format!("{cell}-{i}") } else { cell.clone() };
                col.push_text(&text).unwrap();
            }
            let rows = col.len().saturating_sub(spread);
            let plain = Some(counted(&col, rows)).filter(|c| c.len() <= MAX_DISTINCT);
            let by_codes = value_counts(&col, rows);
            let sorted = |c: Option<Counts<'_>>| c.map(|c| c.into_iter().map(|(t, n)| (t.to_string(), n)).collect::<BTreeMap<_, _>>());
            proptest::prop_assert_eq!(sorted(by_codes), sorted(plain));
        }
    }

    #[test]
    fn too_many_values_are_no_vocabulary() {
        let mut col = Column::new(FieldType::Text);
        for i in 0..=MAX_DISTINCT {
            col.push_text(&format!("id-{i}")).unwrap();
        }
        assert!(value_counts(&col, MAX_DISTINCT).is_some_and(|c| c.len() == MAX_DISTINCT));
        assert!(value_counts(&col, MAX_DISTINCT + 1).is_none());
    }
}
