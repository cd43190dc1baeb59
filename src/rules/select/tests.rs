//! The rows a condition selects a column at a time are the rows it accepts
//! one by one, for random small datasets, conditions and row sets.

use super::*;
use crate::bundle::Dataset;
use crate::rules::bound::BindEnv;
use crate::rules::condition::{Condition, ParamOr, Period, Rhs};
use crate::rules::plan::expr::{Expr, Val};
use crate::rules::vocab::{TextSet, Vocabulary};
use chrono::NaiveDate;
use proptest::prelude::*;
use std::collections::BTreeMap;
use std::sync::Arc;

const STAGES: &[&str] = &["Won", "closed won", "Lost", "Open", "", " open ", "n/a"];
const FLAGS: &[&str] = &["true", "false", "", "n/a"];
const AMOUNTS: &[&str] = &["", "0", "5", "-3", "12.5", "n/a"];
const DATES: &[&str] = &["", "2024-12-31", "2025-01-01", "2025-06-15", "2025-12-31", "2026-01-01"];
const TAGS: &[&str] = &["", "won; open", "lost", "Open;x"];
const FIELDS: &[&str] = &["stage", "is_won", "amount", "created", "closed", "tags", "absent"];

struct Env;

impl BindEnv for Env {
    fn period(&self) -> Period {
        Period {
            start: NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(),
            end: NaiveDate::from_ymd_opt(2025, 12, 31).unwrap(),
        }
    }
    fn vocabulary(&self, name: &str) -> Option<Arc<Vocabulary>> {
        (name == "won").then(|| Arc::new(Vocabulary::new(String::new(), vec!["won".into(), "closed won".into()])))
    }
    /// `in_rows` of the set `none` finds nothing; of any other, these words.
    fn values_of(&self, from: &str, _: &[String], _: &str) -> Arc<TextSet> {
        match from {
            "none" => Arc::default(),
            _ => Arc::new(["won", "open", "5"].iter().map(|t| t.to_string()).collect()),
        }
    }
    fn value(&self, e: &Expr) -> Val {
        match e {
            Expr::Lit(v) => v.clone(),
            _ => Val::Null,
        }
    }
}

/// A row: an index into each pool.
type Row = [usize; 6];

fn dataset(rows: &[Row]) -> Dataset {
    let pools: [(&str, FieldType, &[&str]); 6] = [
        ("stage", FieldType::Text, STAGES),
        ("is_won", FieldType::Bool, FLAGS),
        ("amount", FieldType::Number, AMOUNTS),
        ("created", FieldType::Date, DATES),
        ("closed", FieldType::Date, DATES),
        ("tags", FieldType::List, TAGS),
    ];
    let mut columns = BTreeMap::new();
    for (i, (name, ty, pool)) in pools.iter().enumerate() {
        let mut col = Column::new(*ty);
        for row in rows {
            // A cell that does not read is stored as missing, as the loader does.
            let _ = col.push_text(pool[row[i] % pool.len()]);
        }
        columns.insert(name.to_string(), col);
    }
    // One date column kept as loaded columns are (two bytes a day), the
    // other as built (four): the filters read each form their own way.
    if let Some(closed) = columns.get_mut("closed") {
        closed.shrink_to_fit();
        assert!(
            rows.iter().all(|r| DATES[r[4] % DATES.len()].is_empty())
                || matches!(
                    &closed.data,
                    crate::bundle::ColumnData::Date(crate::bundle::Days::Narrow { .. })
                ),
            "the dates span less than 179 years"
        );
    }
    Dataset {
        name: "opportunities".into(),
        file: "opportunities.csv".into(),
        rows: rows.len(),
        columns,
        lines: Default::default(),
        mapped_from: BTreeMap::new(),
        unloaded: Vec::new(),
        shown: None,
        id_field: "id".into(),
    }
}

fn field() -> impl Strategy<Value = String> {
    proptest::sample::select(FIELDS).prop_map(str::to_string)
}

fn cmp() -> impl Strategy<Value = Cmp> {
    proptest::sample::select(&[Cmp::Gt, Cmp::Gte, Cmp::Lt, Cmp::Lte][..])
}

fn leaf() -> impl Strategy<Value = Condition> {
    let values = proptest::collection::vec(
        proptest::sample::select(&["won", "TRUE", "false", "open", "5", "lost"][..]),
        0..3,
    )
    .prop_map(|v| ParamOr::Fixed(v.into_iter().map(str::to_string).collect()));
    let regex = proptest::sample::select(&["(?i)^w", "pen", "^5$", "o"][..])
        .prop_map(|r| ParamOr::Fixed(crate::rules::pattern::Pattern::new(r).unwrap()));
    // The day numbers of DATES, exactly and near: a date compared with a
    // whole day or a number between two days.
    let days = proptest::sample::select(&[20_088, 20_089, 20_254, 20_453, 20_454][..]);
    let constant = prop_oneof![
        (-4.0..14.0f64).prop_map(Val::Num),
        (20_080..20_460i32).prop_map(Val::Date),
        days.clone().prop_map(Val::Date),
        (days, -1.0..1.0f64).prop_map(|(d, off)| Val::Num(f64::from(d) + off)),
        Just(Val::Null),
    ];
    prop_oneof![
        (field(), values).prop_map(|(field, values)| Condition::OneOf { field, values }),
        (field(), cmp(), -4.0..14.0f64).prop_map(|(field, cmp, v)| Condition::Compare {
            field,
            cmp,
            value: ParamOr::Fixed(v)
        }),
        field().prop_map(|field| Condition::Present { field }),
        field().prop_map(|field| Condition::InPeriod { field }),
        (field(), proptest::sample::select(&["won", "unknown"][..])).prop_map(|(field, v)| Condition::InVocab {
            field,
            vocab: v.to_string()
        }),
        (field(), regex.clone()).prop_map(|(field, regex)| Condition::Matches { field, regex }),
        (field(), regex).prop_map(|(field, regex)| Condition::Mentions { field, regex }),
        (field(), cmp(), field()).prop_map(|(field, cmp, other)| Condition::Versus {
            field,
            cmp,
            rhs: Rhs::Field(other)
        }),
        (field(), proptest::sample::select(&["some", "none"][..])).prop_map(|(field, from)| Condition::InRows {
            field,
            from: from.to_string(),
            fields: vec!["id".into()],
            or_vocab: None,
        }),
        (field(), cmp(), constant).prop_map(|(field, cmp, v)| Condition::Versus {
            field,
            cmp,
            rhs: Rhs::Expr(Expr::Lit(v))
        }),
    ]
}

fn condition() -> impl Strategy<Value = Condition> {
    leaf().prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Condition::All),
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Condition::Any),
            inner.prop_map(|c| Condition::Not(Box::new(c))),
        ]
    })
}

fn rows() -> impl Strategy<Value = Vec<Row>> {
    proptest::collection::vec(proptest::array::uniform6(0..8usize), 0..200)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    #[test]
    fn a_whole_set_selects_the_rows_accepted_one_by_one(
        rows in rows(),
        c in condition(),
        subset in proptest::collection::vec(any::<bool>(), 200),
    ) {
        let ds = dataset(&rows);
        let n = crate::rules::plan::row_id(ds.rows);
        let of: Vec<u32> = (0..n).filter(|r| subset[*r as usize]).collect();
        // Numbered columns answered per value (and tests of a missing
        // field answered once), and every cell tested: the same rows.
        let mut accepted = Vec::new();
        for bound in [c.bind_in(&ds, &Env), c.bind_uncoded(&&ds, &Env)] {
            let one_by_one: Vec<u32> = (0..n).filter(|r| bound.eval(*r as usize)).collect();
            prop_assert_eq!(bound.select_rows(ds.rows, None), one_by_one.clone(), "{:?}", c);
            accepted.push(one_by_one);
            let one_by_one: Vec<u32> = of.iter().copied().filter(|r| bound.eval(*r as usize)).collect();
            prop_assert_eq!(bound.select_rows(ds.rows, Some(&of)), one_by_one, "{:?}", c);
        }
        prop_assert_eq!(&accepted[0], &accepted[1], "{:?}", c);
    }
}

#[test]
fn dates_compared_with_a_day_select_as_one_by_one_in_both_forms() {
    // Every date of the pool on every row pattern: `created` is kept four
    // bytes a day, `closed` two (see `dataset`).
    let rows: Vec<Row> = (0..DATES.len()).map(|i| [0, 0, 0, i, i, 0]).collect();
    let ds = dataset(&rows);
    for field in ["created", "closed"] {
        for cmp in [Cmp::Gt, Cmp::Gte, Cmp::Lt, Cmp::Lte] {
            for day in [20_087, 20_088, 20_089, 20_090, 20_254, 20_453, 20_454, 20_455] {
                let c = Condition::Versus {
                    field: field.into(),
                    cmp,
                    rhs: Rhs::Expr(Expr::Lit(Val::Date(day))),
                };
                let bound = c.bind_in(&ds, &Env);
                let one_by_one: Vec<u32> = (0..crate::rules::plan::row_id(ds.rows))
                    .filter(|r| bound.eval(*r as usize))
                    .collect();
                assert_eq!(bound.select_rows(ds.rows, None), one_by_one, "{field} {cmp:?} {day}");
            }
        }
        for c in [
            Condition::InPeriod { field: field.into() },
            Condition::Present { field: field.into() },
        ] {
            let bound = c.bind_in(&ds, &Env);
            let one_by_one: Vec<u32> = (0..crate::rules::plan::row_id(ds.rows))
                .filter(|r| bound.eval(*r as usize))
                .collect();
            assert_eq!(bound.select_rows(ds.rows, None), one_by_one, "{c:?}");
        }
    }
}

#[test]
fn rows_out_of_order_keep_their_order() {
    let ds = dataset(&[[0; 6], [1; 6], [2; 6], [3; 6]]);
    let c = Condition::Present { field: "stage".into() };
    let bound = c.bind_in(&ds, &Env);
    assert_eq!(bound.select_rows(ds.rows, Some(&[3, 0, 2])), [3, 0, 2]);
    assert_eq!(bound.select_rows(ds.rows, Some(&[0, 1, 2, 3])), [0, 1, 2, 3]);
}

#[test]
fn masks_hold_exactly_their_rows() {
    for n in [0, 1, 63, 64, 65, 130] {
        assert_eq!(
            Mask::all(n).rows(),
            (0..crate::rules::plan::row_id(n)).collect::<Vec<_>>()
        );
        let some: Vec<u32> = (0..crate::rules::plan::row_id(n)).filter(|r| r % 3 == 1).collect();
        assert_eq!(Mask::of_rows(n, &some).rows(), some);
    }
}

proptest! {
    /// A mask made of rows holds exactly those rows, and gives them back in order.
    #[test]
    fn a_mask_of_rows_holds_exactly_them(n in 0usize..300, picks in proptest::collection::vec(any::<u16>(), 0..40)) {
        let rows: std::collections::BTreeSet<u32> = picks.iter().filter(|p| usize::from(**p) < n).map(|p| u32::from(*p)).collect();
        let list: Vec<u32> = rows.iter().copied().collect();
        let mask = Mask::of_rows(n, &list);
        for r in 0..(n as u32 + 70) {
            prop_assert_eq!(mask.contains(r), rows.contains(&r), "row {}", r);
        }
        prop_assert_eq!(mask.rows(), list);
    }
}
