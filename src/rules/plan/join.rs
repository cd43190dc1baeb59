//! Semi-join sets (`in_rows`): the normalised values of some fields of a row
//! set, looked up by the rows a filter tests.
//!
//! When the tested rows are fewer than the rows the set is read from
//! (COMP-007: a few thousand leads naming an opportunity, against a million
//! opportunities), the set is built from the smaller side: the values the
//! tested rows name are hashed first, and the larger side is scanned against
//! them, keeping only the values found. A tested row gets the same answer
//! either way, and a million ids are looked up in a small table that stays
//! in cache instead of inserted at random into a large one.

use super::table::Table;
use crate::bundle::{Codes, Column};
use crate::rules::keyfilter::KeyFilter;
use crate::rules::ordered_keys::IdKeys;
use crate::rules::vocab::{TextSet, normalize_into};
use crate::value::FieldType;
use std::cell::RefCell;

/// The rows a filter is bound for: a row set (or every row) of a table.
#[derive(Clone, Copy)]
pub(super) struct Probe<'p> {
    /// The row set's name (or the dataset's): with the field, the cache key.
    pub from: &'p str,
    pub table: Table<'p>,
    /// None: every row of the dataset.
    pub rows: Option<&'p [u32]>,
}

impl Probe<'_> {
    pub fn len(&self) -> usize {
        self.rows.map_or(self.table.ds.rows, <[u32]>::len)
    }

    /// Every normalised text a bound `in_rows` test on `field` looks up for
    /// these rows: a cell's text, each item of a list, a number or date as
    /// text (exactly what [`crate::rules::bound::Bound::eval`] tests).
    pub fn values(&self, field: &str) -> TextSet {
        let Some(col) = self.table.column(field) else {
            return TextSet::default();
        };
        if let Some(codes) = col.codes() {
            let mut out = TextSet::default();
            let mut buf = String::new();
            for text in codes_named(codes, self.rows, self.table.ds.rows) {
                normalize_into(text, &mut buf);
                out.insert(&buf);
            }
            return out;
        }
        let out = RefCell::new(TextSet::default());
        let buf = RefCell::new(String::new());
        let mut visit = |r: usize| {
            col.any_text(r, |t| {
                let mut buf = buf.borrow_mut();
                normalize_into(t, &mut buf);
                out.borrow_mut().insert(&buf);
                false
            });
        };
        each_row(self.rows, self.table.ds.rows, &mut visit);
        out.into_inner()
    }

    /// The tested rows' `field` when it holds one text a cell whose values
    /// are not numbered (ids): testing such rows one by one normalises and
    /// looks up each key again.
    pub fn id_column(&self, field: &str) -> Option<&Column> {
        self.table
            .column(field)
            .filter(|c| c.ty == FieldType::Text && c.codes().is_none())
    }
}

/// The normalised non-empty values of `fields` over `rows` (every row of
/// the table when None), each item of a list cell on its own, numbers and
/// dates as their text; with `only`, just those among its texts.
pub(super) fn values(table: Table<'_>, rows: Option<&[u32]>, fields: &[String], only: Option<TextSet>) -> TextSet {
    match only {
        // Which of its texts were found, by number: the answer is those
        // texts (often all of them), not a second set built text by text
        // (COMP-007 finds the 91,519 deals its leads name among a million).
        Some(only) => {
            let found = found(table, rows, fields, &only);
            if found.iter().all(|f| *f) {
                only
            } else {
                only.numbered_only(|n| found[n as usize])
            }
        }
        None => {
            let mut out = TextSet::default();
            scan(table, rows, fields, None, &mut |text| {
                out.insert(text);
            });
            out
        }
    }
}

/// Which of `keys` (by number) are among the values of `fields` over
/// `rows`, as [`values`] reads them.
pub(super) fn found(table: Table<'_>, rows: Option<&[u32]>, fields: &[String], keys: &TextSet) -> Vec<bool> {
    let mut found = vec![false; keys.len()];
    // Every row of a column of ordered ids: each key searched for, no id read.
    if let ([field], None) = (fields, rows)
        && let Some(ids) = table.column(field).and_then(IdKeys::of)
    {
        for (n, key) in keys.numbered() {
            found[n as usize] = ids.row_of(key).is_some();
        }
        return found;
    }
    scan(table, rows, fields, Some(keys), &mut |text| {
        if let Some(n) = keys.find(text) {
            found[n as usize] = true;
        }
    });
    found
}

/// Calls `f` with each normalised non-empty value of `fields` over `rows`
/// (see [`values`]); with `only`, a value surely not among its texts may be
/// passed over.
fn scan(table: Table<'_>, rows: Option<&[u32]>, fields: &[String], only: Option<&TextSet>, f: &mut dyn FnMut(&str)) {
    let probes = rows.map_or(table.ds.rows, <[u32]>::len) * fields.len();
    let filter = only.and_then(|o| KeyFilter::for_probes(o, probes));
    // Each text is normalised into one buffer.
    let mut buf = String::new();
    let mut add = |text: &str| {
        if filter.as_ref().is_some_and(|k| !k.may_hold(text)) {
            return;
        }
        normalize_into(text, &mut buf);
        if !buf.is_empty() {
            f(&buf);
        }
    };
    for field in fields {
        let Some(col) = table.column(field) else { continue };
        // A numbered column (a campaign id over a million deals): each value
        // the rows hold is read once, not once per row.
        if let Some(codes) = col.codes() {
            for text in codes_named(codes, rows, table.ds.rows) {
                text.split('\u{1f}').filter(|t| !t.is_empty()).for_each(&mut add);
            }
            continue;
        }
        // Every row of a column of texts: walked in order, not row by row.
        if rows.is_none()
            && col.each_text(|_, text| {
                split_items(text, &mut add);
                true
            })
        {
            continue;
        }
        each_row(rows, table.ds.rows, |r| text_items(col, r, &mut add));
    }
}

/// Calls `f` with each row of `rows`, in order (every row of `0..n` when None).
fn each_row(rows: Option<&[u32]>, n: usize, mut f: impl FnMut(usize)) {
    match rows {
        Some(rows) => rows.iter().for_each(|r| f(*r as usize)),
        None => (0..n).for_each(f),
    }
}

/// The non-empty values of a numbered column that `rows` (every row of
/// `0..n` when None) hold, each once, in number order.
fn codes_named<'c>(codes: &'c Codes, rows: Option<&[u32]>, n: usize) -> impl Iterator<Item = &'c str> + use<'c> {
    let mut held = vec![false; codes.texts.len()];
    let mut mark = |r: usize| {
        if let Some(c) = codes.of_row.get(r) {
            held[c] = true;
        }
    };
    each_row(rows, n, &mut mark);
    codes
        .texts
        .iter()
        .zip(held)
        .filter(|(t, held)| *held && !t.is_empty())
        .map(|(t, _)| t.as_str())
}

/// A cell's texts as a join reads them: a text cell split into its list
/// items, another cell (number, date) as its text when present.
fn text_items(col: &Column, r: usize, mut f: impl FnMut(&str)) {
    let Some(text) = col.text(r) else {
        // Numbers and dates: their text is made per cell.
        if !col.is_null(r) {
            f(&col.key_text(r));
        }
        return;
    };
    split_items(text, f);
}

/// A text cell's items (list items are joined by `\u{1f}`), the empty ones
/// passed over.
fn split_items(text: &str, mut f: impl FnMut(&str)) {
    // Most cells hold one value: passed whole, with no splitter.
    if memchr::memchr(0x1f, text.as_bytes()).is_none() {
        if !text.is_empty() {
            f(text);
        }
        return;
    }
    for item in text.split('\u{1f}') {
        if !item.is_empty() {
            f(item);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::plan::testing;
    use crate::rules::vocab::normalize;
    use std::collections::HashSet;

    /// Opportunities (and leads) linked both ways; `matched` and `broken`
    /// each test the same join, from the leads and from the opportunities.
    const PLAN: &str = r#"
let:
  links: { rows: { from: leads, where: { field: opportunity_id, present: true } } }
  matched: { rows: { from: links, where: { field: opportunity_id, in_rows: { from: opportunities, fields: [id] } } } }
  broken: { rows: { from: links, where: { not: { field: opportunity_id, in_rows: { from: opportunities, fields: [id] } } } } }
  sourced: { rows: { from: opportunities, where: { field: id, in_rows: { from: links, fields: [opportunity_id] } } } }
outcome:
  - pass: '{matched} {broken} {sourced}'
"#;

    fn counts(leads: &[Option<String>], opps: &[String]) -> String {
        let lead_rows: Vec<String> = leads
            .iter()
            .enumerate()
            .map(|(i, o)| match o {
                Some(o) => format!("{{ id: L{i}, opportunity_id: '{o}' }}"),
                None => format!("{{ id: L{i} }}"),
            })
            .collect();
        let opp_rows: Vec<String> = opps.iter().map(|o| format!("{{ id: '{o}' }}")).collect();
        let data = format!(
            "leads: [{}]\nopportunities: [{}]\n",
            lead_rows.join(", "),
            opp_rows.join(", ")
        );
        testing::outcome(PLAN, &data).message
    }

    /// The same counts worked out directly: ids compare as normalised words.
    fn expected(leads: &[Option<String>], opps: &[String]) -> String {
        let ids: HashSet<String> = opps.iter().map(|o| normalize(o)).filter(|o| !o.is_empty()).collect();
        let named: HashSet<String> = leads
            .iter()
            .flatten()
            .map(|o| normalize(o))
            .filter(|o| !o.is_empty())
            .collect();
        let links: Vec<&String> = leads.iter().flatten().filter(|o| !o.trim().is_empty()).collect();
        let matched = links.iter().filter(|o| ids.contains(&normalize(o))).count();
        let sourced = opps
            .iter()
            .filter(|o| !o.trim().is_empty() && named.contains(&normalize(o)))
            .count();
        format!("{matched} {} {sourced}", links.len() - matched)
    }

    #[test]
    fn a_few_links_against_many_records_and_many_against_few() {
        let opps: Vec<String> = (0..40).map(|i| format!("O-{i}")).collect();
        let leads = vec![Some("o-3".to_string()), Some("O-77".into()), None, Some("O 39".into())];
        // Three leads name an opportunity (one missing) among 40; 40
        // opportunities are looked up among the 3 the leads name.
        assert_eq!(counts(&leads, &opps), "2 1 2");
        assert_eq!(counts(&leads, &opps), expected(&leads, &opps));
        let few: Vec<String> = opps[..2].to_vec();
        let many: Vec<Option<String>> = (0..30).map(|i| Some(format!("O-{}", i % 5))).collect();
        assert_eq!(counts(&many, &few), "12 18 2");
        assert_eq!(counts(&many, &few), expected(&many, &few));
    }

    /// Past 4,096 distinct values a column is not numbered and its rows are
    /// read one by one: the answers are the same as a numbered column's.
    #[test]
    fn a_join_over_a_column_too_varied_to_number() {
        let opps: Vec<String> = (0..5000).map(|i| format!("O-{i}")).collect();
        // 4,667 links to 4,667 different deals, a seventh of them found.
        let leads: Vec<Option<String>> = (0..7000)
            .map(|i| (i % 3 != 0).then(|| format!("o {}", i * 7)))
            .collect();
        assert_eq!(counts(&leads, &opps).replace(',', ""), expected(&leads, &opps));
    }

    #[test]
    fn a_join_on_a_field_the_set_side_lacks_finds_nothing() {
        let plan = r#"
let:
  links: { rows: { from: leads, where: { field: opportunity_id, present: true } } }
  found: { rows: { from: links, where: { field: id, in_rows: { from: opportunities, fields: [lead_id] } } } }
  missed: { rows: { from: leads, where: { not: { field: id, in_rows: { from: opportunities, fields: [lead_id] } } } } }
outcome:
  - pass: '{links} {found} {missed}'
"#;
        let data = "leads: [{ id: L1, opportunity_id: O1 }, { id: L2 }, { id: L3 }]\nopportunities: [{ id: O1 }]\n";
        let run = testing::outcome(plan, data);
        assert_eq!(run.message, "1 0 3");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
        /// Whichever side is smaller, each tested row gets the answer of the whole set.
        #[test]
        fn a_join_answers_as_the_whole_set_does(
            leads in proptest::collection::vec(proptest::option::of("[oO]-?[0-9]{1,2}"), 0..25),
            opps in proptest::collection::vec("[oO][- ]?[0-9]{1,2}", 0..25),
        ) {
            proptest::prop_assert_eq!(counts(&leads, &opps), expected(&leads, &opps));
        }
    }
}
