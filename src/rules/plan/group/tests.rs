use super::*;
use crate::rules::vocab::normalize;
use std::collections::BTreeMap;

fn text_column(values: &[&str]) -> Column {
    let mut c = Column::new(FieldType::Text);
    for v in values {
        c.push_text(v).unwrap();
    }
    c
}

/// The groups as (key, rows), sorted by key.
fn groups(col: &Column, rows: &[u32]) -> Vec<(String, Vec<u32>)> {
    let g = Grouping::build(col, rows, false);
    let mut out: Vec<(String, Vec<u32>)> = (0..g.len())
        .map(|i| (g.key(&[Some(col)], i).into_owned(), g.rows(i).to_vec()))
        .collect();
    out.sort();
    out
}

#[test]
fn spellings_of_one_word_are_one_group_named_by_the_most_frequent() {
    let col = text_column(&["webinar", "Webinar", "", "Event", "Webinar", "event", "WEBINAR"]);
    let all: Vec<u32> = (0..7).collect();
    assert_eq!(
        groups(&col, &all),
        [
            ("Event".to_string(), vec![3, 5]),
            ("Webinar".to_string(), vec![0, 1, 4, 6])
        ]
    );
    // Only the rows given; a tie goes to the spelling written first.
    assert_eq!(groups(&col, &[5, 3]), [("event".to_string(), vec![5, 3])]);
}

/// A plan's message over leads with these emails.
fn message(plan: &str, emails: &[&str]) -> String {
    let rows: Vec<String> = emails
        .iter()
        .enumerate()
        .map(|(i, e)| format!("{{ id: L{i}, email: '{e}' }}"))
        .collect();
    super::super::testing::outcome(plan, &format!("leads: [{}]\n", rows.join(", "))).message
}

#[test]
fn a_distinct_count_shared_with_a_group_by_counts_as_one_alone() {
    let emails = ["a@x.com", "A@X.com", "b@x.com", "", "c@x.com", "b@x.com", "a@x.com"];
    let shared = r#"
let:
  emails: { distinct: { from: leads, field: email } }
  repeated: { groups: { from: leads, by: email, having: count > 1 } }
outcome:
  - pass: '{emails} {repeated}'
"#;
    let alone = r#"
let:
  emails: { distinct: { from: leads, field: email } }
outcome:
  - pass: '{emails}'
"#;
    // a@x.com (three spellings of one address, the lower case twice) and b@x.com repeat.
    assert_eq!(message(shared, &emails), "3 a@x.com, b@x.com");
    assert_eq!(message(alone, &emails), "3");
    // A later step named like the dataset: its rows are another grouping.
    let shadowed = r#"
let:
  emails: { distinct: { from: leads, field: email } }
  leads: { rows: { from: leads, where: { field: id, equals: L0 } } }
  repeated: { groups: { from: leads, by: email, having: count > 1 } }
  n: repeated + 0
outcome:
  - pass: '{emails} {n}'
"#;
    assert_eq!(message(shadowed, &emails), "3 0");
}

#[test]
fn having_reads_the_values_it_names_and_kept_groups_show_all_theirs() {
    let emails = ["a@x.com", "b@x.com", "A@X.com", "c@x.com", "b@x.com", "a@x.com"];
    let plan = r#"
let:
  repeated:
    groups:
      from: leads
      by: email
      let:
        firsts: { count: { where: { field: id, in: [L0, L1] } } }
        ids: { list: { show: '{id}', sep: '+' } }
      having: firsts > 0 and count > 1
  shown: { list: { from: repeated, show: '{key} {firsts} {ids} {count}' } }
outcome:
  - pass: '{shown}'
"#;
    assert_eq!(message(plan, &emails), "a@x.com 1 L0+L2+L5 3, b@x.com 1 L1+L4 2");
    // Lists no `having:` reads are worked out when a message reads them,
    // over the whole group and each its own filter, as if computed with
    // the others; a later step named like the dataset changes nothing.
    let later = r#"
let:
  repeated:
    groups:
      from: leads
      by: email
      let:
        ids: { list: { show: '{id}', sep: '+' } }
        some: { list: { show: '{id}', sep: '+', where: { field: id, in: [L2, L4, L5] }, limit: 1 } }
        none: { list: { show: '{id}', where: { field: id, equals: L9 } } }
      having: count > 1
  leads: { rows: { from: leads, where: { field: id, equals: L0 } } }
  shown: { list: { from: repeated, show: '{key} {ids} [{some}] [{none}] {count}' } }
outcome:
  - pass: '{shown} {leads}'
"#;
    assert_eq!(
        message(later, &emails),
        "a@x.com L0+L2+L5 [L2+and 1 more] [(none)] 3, b@x.com L1+L4 [L4] [(none)] 2 1"
    );
}

/// The groups worked out directly: by normalised text, each named by
/// its most frequent spelling, the first seen on a tie.
fn expected(col: &Column, rows: &[u32]) -> Vec<(String, Vec<u32>)> {
    // The cells as the column holds them (a blank one is missing).
    let values: Vec<&str> = rows.iter().map(|r| col.text(*r as usize).unwrap_or_default()).collect();
    let mut by_words: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (r, v) in values.iter().enumerate().filter(|(r, _)| !col.is_null(*r)) {
        by_words.entry(normalize(v)).or_default().push(r);
    }
    let mut out: Vec<(String, Vec<u32>)> = by_words
        .into_values()
        .map(|rows| {
            let mut best: (usize, &str) = (0, "");
            for r in &rows {
                let s = values[*r];
                let n = rows.iter().filter(|x| values[**x] == s).count();
                if n > best.0 {
                    best = (n, s);
                }
            }
            (
                best.1.to_string(),
                rows.into_iter().map(crate::rules::plan::row_id).collect(),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn a_column_of_too_many_values_to_number_groups_alike() {
    // Past the numbered columns' limit: ids, a few repeated in other spellings.
    let values: Vec<String> = (0..5000)
        .map(|i| match i % 7 {
            0 => format!("L-{}", i / 2),
            3 => format!("l {}", i / 2),
            _ => format!("L-{i}"),
        })
        .collect();
    let col = text_column(&values.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(col.codes().is_none());
    let rows: Vec<u32> = (0..crate::rules::plan::row_id(values.len())).collect();
    let got = groups(&col, &rows);
    assert!(got.len() < values.len());
    assert_eq!(got, expected(&col, &rows));
}

/// The groups as (key, rows) in their order, numbered one way or the other.
fn groups_via(col: &Column, rows: &[u32], sorting: bool) -> Vec<(String, Vec<u32>)> {
    let words = col.ty == FieldType::Text;
    let (group_of, count) = if sorting {
        number_sorted(col, rows, words)
    } else {
        number_hashed(col, rows, false)
    };
    let g = Grouping::lay_out(&[Some(col)], rows, false, &group_of, count);
    (0..g.len())
        .map(|i| (g.key(&[Some(col)], i).into_owned(), g.rows(i).to_vec()))
        .collect()
}

#[test]
fn sorted_ids_are_groups_of_one_row_each() {
    let values: Vec<String> = (0..6000).map(|i| format!("L-{i:07}")).collect();
    let col = text_column(&values.iter().map(String::as_str).collect::<Vec<_>>());
    let rows: Vec<u32> = (0..crate::rules::plan::row_id(values.len())).rev().step_by(2).collect();
    let g = Grouping::build(&col, &rows, false);
    assert!(g.starts.is_none());
    let got: Vec<(String, Vec<u32>)> = (0..g.len())
        .map(|i| (g.key(&[Some(&col)], i).into_owned(), g.rows(i).to_vec()))
        .collect();
    assert_eq!(got.len(), 3000);
    assert_eq!(got[0], (values[5999].clone(), vec![5999]));
    assert_eq!(got, groups_via(&col, &rows, false));
}

proptest::proptest! {
    /// Sorting the keys or hashing them, the same groups in the same
    /// order, named alike (numbered columns, and not, and sorted input).
    #[test]
    fn sorting_groups_as_hashing_does(
        values in proptest::collection::vec("[aAbB -]{0,3}", 0..80),
        sorted in proptest::bool::ANY,
        ids in proptest::bool::ANY,
    ) {
        let mut values = values;
        if ids {
            // Too many values to number: the column's own texts.
            values.extend((0..4100).map(|i| format!("x{}", i % 4099)));
        }
        if sorted {
            values.sort();
        }
        let col = text_column(&values.iter().map(String::as_str).collect::<Vec<_>>());
        let rows: Vec<u32> = (0..crate::rules::plan::row_id(values.len())).collect();
        let hashed = groups_via(&col, &rows, false);
        proptest::prop_assert_eq!(groups_via(&col, &rows, true), hashed.clone());
        let mut built: Vec<(String, Vec<u32>)> = {
            let g = Grouping::build(&col, &rows, false);
            (0..g.len()).map(|i| (g.key(&[Some(&col)], i).into_owned(), g.rows(i).to_vec())).collect()
        };
        proptest::prop_assert_eq!(&built, &hashed);
        built.sort();
        proptest::prop_assert_eq!(built, expected(&col, &rows));
        // Some of the rows, in another order: a numbered column's groups
        // (counted a value at a time) as the texts' own.
        let some: Vec<u32> = rows.iter().rev().copied().filter(|r| r % 3 != 1).collect();
        let g = Grouping::build(&col, &some, false);
        let built: Vec<(String, Vec<u32>)> = (0..g.len()).map(|i| (g.key(&[Some(&col)], i).into_owned(), g.rows(i).to_vec())).collect();
        proptest::prop_assert_eq!(built, groups_via(&col, &some, false));
    }

    /// As the direct computation (a column of few values is numbered).
    #[test]
    fn groups_as_a_map_of_words_does(values in proptest::collection::vec("[aAbB -]{0,3}", 0..40)) {
        let col = text_column(&values.iter().map(String::as_str).collect::<Vec<_>>());
        let rows: Vec<u32> = (0..crate::rules::plan::row_id(values.len())).collect();
        proptest::prop_assert_eq!(groups(&col, &rows), expected(&col, &rows));
    }
}

/// Groups by two columns worked out directly: rows with a first value, by
/// the pair of normalised values (an empty second one a value of its own),
/// each named by its most frequent pair of spellings (the first seen on a
/// tie), the non-empty ones joined by ` / `.
fn expected_by_two(a: &Column, b: &Column, rows: &[u32]) -> Vec<(String, Vec<u32>)> {
    let text = |c: &Column, r: u32| c.text(r as usize).unwrap_or_default().to_string();
    let mut by_words: Vec<((String, String), Vec<u32>)> = Vec::new();
    for &r in rows.iter().filter(|r| !a.is_null(**r as usize)) {
        let words = (normalize(&text(a, r)), normalize(&text(b, r)));
        match by_words.iter_mut().find(|(w, _)| *w == words) {
            Some((_, rs)) => rs.push(r),
            None => by_words.push((words, vec![r])),
        }
    }
    let mut out: Vec<(String, Vec<u32>)> = by_words
        .into_iter()
        .map(|(_, rs)| {
            let spelled = |r: u32| (text(a, r), text(b, r));
            let mut best = (0, spelled(rs[0]));
            for r in &rs {
                let n = rs.iter().filter(|x| spelled(**x) == spelled(*r)).count();
                if n > best.0 {
                    best = (n, spelled(*r));
                }
            }
            let (x, y) = best.1;
            let key = if y.is_empty() { x } else { format!("{x} / {y}") };
            (key, rs)
        })
        .collect();
    out.sort();
    out
}

#[test]
fn several_fields_group_by_their_values_together() {
    let deal = text_column(&["O1", "O1", "o1", "O2", "", "O2", "O1"]);
    let model = text_column(&["Even", "First", "even", "Even", "Even", "", "Even"]);
    let all: Vec<u32> = (0..7).collect();
    let g = Grouping::build_by(&[Some(&deal), Some(&model)], &all);
    let got: Vec<(String, Vec<u32>)> = (0..g.len())
        .map(|i| (g.key(&[Some(&deal), Some(&model)], i).into_owned(), g.rows(i).to_vec()))
        .collect();
    // In order of first appearance; O2 with no model is a group of its own,
    // shown by its deal alone; a row with no deal is in none.
    assert_eq!(
        got,
        [
            ("O1 / Even".to_string(), vec![0, 2, 6]),
            ("O1 / First".to_string(), vec![1]),
            ("O2 / Even".to_string(), vec![3]),
            ("O2".to_string(), vec![5]),
        ]
    );
    // A field the export lacks is empty in every row: groups by the first.
    let g = Grouping::build_by(&[Some(&deal), None], &all);
    let got: Vec<String> = (0..g.len())
        .map(|i| g.key(&[Some(&deal), None], i).into_owned())
        .collect();
    assert_eq!(got, ["O1", "O2"]);
}

proptest::proptest! {
    /// Grouped by two fields, as the direct computation groups them:
    /// numbered columns and not, many rows (sorted numbering) and few.
    #[test]
    fn two_fields_group_as_pairs_of_words_do(
        pairs in proptest::collection::vec(("[aAbB -]{0,2}", "[xX y]{0,2}"), 0..60),
        many in proptest::bool::ANY,
    ) {
        let mut pairs = pairs;
        if many {
            // Past the numbered columns' limit and the sorting threshold.
            pairs.extend((0..4200).map(|i| (format!("d{}", i % 4150), ["x", "X", ""][i % 3].to_string())));
        }
        let a = text_column(&pairs.iter().map(|p| p.0.as_str()).collect::<Vec<_>>());
        let b = text_column(&pairs.iter().map(|p| p.1.as_str()).collect::<Vec<_>>());
        let rows: Vec<u32> = (0..crate::rules::plan::row_id(pairs.len())).rev().collect();
        let g = Grouping::build_by(&[Some(&a), Some(&b)], &rows);
        let mut got: Vec<(String, Vec<u32>)> =
            (0..g.len()).map(|i| (g.key(&[Some(&a), Some(&b)], i).into_owned(), g.rows(i).to_vec())).collect();
        got.sort();
        proptest::prop_assert_eq!(got, expected_by_two(&a, &b, &rows));
    }
}
