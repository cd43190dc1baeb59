use super::*;
use crate::rules::condition::Condition;
use std::collections::BTreeMap;

fn dataset(columns: Vec<(&str, FieldType, &[&str])>) -> Dataset {
    let mut map = BTreeMap::new();
    let mut rows = 0;
    for (name, ty, cells) in columns {
        let mut col = Column::new(ty);
        for c in cells {
            // A cell that does not read is stored as missing, as the loader does.
            let _ = col.push_text(c);
        }
        rows = cells.len();
        map.insert(name.to_string(), col);
    }
    Dataset {
        name: "opportunities".into(),
        file: "opportunities.csv".into(),
        rows,
        columns: map,
        lines: Default::default(),
        mapped_from: BTreeMap::new(),
        unloaded: Vec::new(),
        shown: None,
        id_field: "id".into(),
    }
}

/// Numbered and true/false columns answer per value exactly as a test of
/// each cell does.
#[test]
fn answers_per_value_are_the_answers_per_cell() {
    let ds = dataset(vec![
        ("is_won", FieldType::Bool, &["true", "false", "", "true", "n/a"]),
        (
            "stage",
            FieldType::Text,
            &["Closed Won", "", "closed won", "Open", "n/a"],
        ),
    ]);
    let period = Period {
        start: NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(),
        end: NaiveDate::from_ymd_opt(2025, 12, 31).unwrap(),
    };
    let env = PeriodEnv(period, period.end);
    let one_of = |field: &str, values: &[&str]| Condition::OneOf {
        field: field.into(),
        values: crate::rules::condition::ParamOr::Fixed(values.iter().map(|v| v.to_string()).collect()),
    };
    let conditions = [
        one_of("is_won", &["true"]),
        one_of("is_won", &["FALSE"]),
        one_of("stage", &["closed won"]),
        one_of("stage", &["open", "closed won"]),
    ];
    for c in &conditions {
        let (fast, cell_by_cell) = (c.bind_in(&ds, &env), c.bind_uncoded(&&ds, &env));
        assert!(matches!(fast, Bound::Flags(..) | Bound::Coded(..)));
        let a: Vec<bool> = (0..ds.rows).map(|r| fast.eval(r)).collect();
        let b: Vec<bool> = (0..ds.rows).map(|r| cell_by_cell.eval(r)).collect();
        assert_eq!(a, b, "{c:?}");
    }
    assert_eq!(
        (0..ds.rows)
            .map(|r| conditions[0].bind_in(&ds, &env).eval(r))
            .collect::<Vec<_>>(),
        [true, false, false, true, false]
    );
}
