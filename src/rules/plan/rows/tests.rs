use super::*;
use crate::bundle::Column;
use crate::rules::vocab::normalize;
use std::collections::HashSet;

#[test]
fn numbers_reduce_alike_from_rows_or_keys() {
    let r = |agg, v: &[f64]| match reduce(agg, v.iter().copied()) {
        Val::Num(n) => Some(n),
        _ => None,
    };
    let v = [3.0, -1.0, 4.0, 1.5];
    assert_eq!(r(Agg::Sum, &v), Some(7.5));
    assert_eq!(r(Agg::Avg, &v), Some(1.875));
    assert_eq!((r(Agg::Min, &v), r(Agg::Max, &v)), (Some(-1.0), Some(4.0)));
    assert_eq!(r(Agg::Median, &v), Some(2.25));
    // A sum of nothing is +0 (not -0); the rest of nothing is missing.
    assert!(r(Agg::Sum, &[]).is_some_and(|n| n == 0.0 && n.is_sign_positive()));
    assert!(
        [Agg::Avg, Agg::Min, Agg::Max, Agg::Median]
            .iter()
            .all(|a| r(*a, &[]).is_none())
    );
    assert!(r(Agg::Avg, &[-0.0, -0.0]).is_some_and(|n| n.is_sign_positive()));
}

proptest::proptest! {
    /// The rows a findings list shows, chosen as they go by (few kept) or
    /// from a key for every row, are the first of a full sort by key
    /// then file order: numbers, or texts compared normalised, missing
    /// ones last either way.
    #[test]
    fn top_rows_are_the_first_of_a_full_sort(
        cells in proptest::collection::vec(proptest::option::of(-3i32..4), 0..80),
        text in proptest::bool::ANY,
        desc in proptest::bool::ANY,
        keep in 0usize..90,
        every_other in proptest::bool::ANY,
    ) {
        let ty = if text { FieldType::Text } else { FieldType::Number };
        let dates = !text && every_other && keep % 2 == 1;
        let ty = if dates { FieldType::Date } else { ty };
        let mut col = Column::new(ty);
        for c in &cells {
            // Texts differ in case and spacing, which normalising drops.
            let t = c.map_or(String::new(), |n| match (text, n % 2 == 0) {
                (false, _) if dates => format!("2025-03-{:02}", n + 10),
                (false, _) => n.to_string(),
                (true, true) => format!(" V{n}"),
                (true, false) => format!("v{n}"),
            });
            col.push_text(&t).unwrap();
        }
        let mut columns = std::collections::BTreeMap::new();
        columns.insert("f".to_string(), col);
        let ds = crate::bundle::Dataset {
            name: "d".into(),
            file: "d.csv".into(),
            rows: cells.len(),
            columns,
            lines: Default::default(),
            mapped_from: Default::default(),
            unloaded: Vec::new(),
            shown: None,
            id_field: "id".into(),
        };
        let table = Table { ds: &ds, computed: None };
        let rows: Vec<u32> = (0..crate::rules::plan::row_id(cells.len())).filter(|r| !every_other || r % 2 == 0).collect();
        let key = |r: u32| cells[r as usize].map(|n| if text { normalize(&format!("v{n}")) } else { n.to_string() });
        let mut want = rows.clone();
        // Stable: ties stay in file order.
        want.sort_by(|a, b| match (key(*a), key(*b)) {
            (None, None) => std::cmp::Ordering::Equal,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (Some(_), None) => std::cmp::Ordering::Less,
            (Some(x), Some(y)) => {
                let o = if text { x.cmp(&y) } else { x.parse::<i32>().unwrap().cmp(&y.parse::<i32>().unwrap()) };
                if desc { o.reverse() } else { o }
            }
        });
        want.truncate(keep);
        proptest::prop_assert_eq!(top_rows(table, &rows, "f", desc, keep), want);
    }

    /// The first row of a column of dates or numbers, found by its
    /// numbers, is the one its sort keys give, whatever order the rows
    /// come in: missing ones last, ties to the lower row.
    #[test]
    fn the_first_row_by_numbers_is_the_first_by_sort_keys(
        cells in proptest::collection::vec(proptest::option::of(-3i32..4), 0..60),
        order in proptest::collection::vec(0usize..60, 0..60),
        dates in proptest::bool::ANY,
        desc in proptest::bool::ANY,
    ) {
        let mut col = Column::new(if dates { FieldType::Date } else { FieldType::Number });
        for c in &cells {
            let t = c.map_or(String::new(), |n| if dates { format!("2025-03-{:02}", n + 10) } else { n.to_string() });
            col.push_text(&t).unwrap();
        }
        let rows: Vec<u32> = order.iter().filter(|i| **i < cells.len()).map(|i| *i as u32).collect();
        let number = |r: usize| if dates { col.days(r).map(f64::from) } else { col.number(r) };
        proptest::prop_assert_eq!(first_by(&rows, desc, number), first_by_key(&col, &rows, desc));
    }

    /// Counted by sorting (many values) or in a set, as a set of normalised texts counts.
    #[test]
    fn a_distinct_count_counts_normalised_texts(
        values in proptest::collection::vec("[aAbB -]{0,3}", 0..40),
        many in proptest::bool::ANY,
    ) {
        let mut values = values;
        if many {
            values.extend((0..4200).map(|i| format!("L-{}", i % 4150)));
        }
        let mut col = Column::new(FieldType::Text);
        for v in &values {
            col.push_text(v).unwrap();
        }
        let rows: Vec<u32> = (0..crate::rules::plan::row_id(values.len())).collect();
        let want: HashSet<String> = rows.iter().map(|r| *r as usize).filter(|r| !col.is_null(*r)).map(|r| normalize(&values[r])).collect();
        proptest::prop_assert_eq!(distinct(&col, &rows), want.len());
    }
}
