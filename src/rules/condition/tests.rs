//! Conditions compiled from YAML and tested on rows.

use super::*;
use crate::bundle::schema::Schema;
use crate::bundle::{Column, Dataset};

fn kpis() -> Dataset {
    let schema = Schema::get().dataset("kpis").unwrap();
    let mut ds = Dataset {
        name: "kpis".into(),
        file: "kpis.csv".into(),
        rows: 3,
        columns: Default::default(),
        lines: [2, 3, 4].into_iter().collect(),
        mapped_from: Default::default(),
        unloaded: vec![],
        shown: None,
        id_field: "id".into(),
    };
    let cols: [(&str, [&str; 3]); 3] = [
        ("name", ["Email click rate", "Marketing-sourced pipeline", "Awards won"]),
        ("audience", ["Board", "board", ""]),
        ("actual", ["0.031", "5400000", "--"]),
    ];
    for (field, cells) in cols {
        let mut c = Column::new(schema.fields[field].ty);
        for cell in cells {
            c.push_text(cell).unwrap();
        }
        ds.columns.insert(field.into(), c);
    }
    ds
}

fn cond(yaml: &str, params: &ParamValues) -> Result<Condition, CheckError> {
    let raw: RawCondition = crate::yaml::from_str(yaml).unwrap();
    Condition::compile(&raw, Schema::get().dataset("kpis").unwrap(), "kpis", params)
}

fn rows_matching(yaml: &str) -> Vec<usize> {
    let mut params = ParamValues::new();
    params.insert("vanity".into(), Value::Text("(?i)click|award".into()));
    params.insert("big".into(), Value::Number(1000.0));
    let c = cond(yaml, &params).unwrap();
    let ds = kpis();
    let period = Period {
        start: NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(),
        end: NaiveDate::from_ymd_opt(2025, 12, 31).unwrap(),
    };
    let bound = c.bind(&ds, &period);
    (0..ds.rows).filter(|r| bound.eval(*r)).collect()
}

#[test]
fn operators_on_rows() {
    assert_eq!(rows_matching("{field: name, matches: $vanity}"), vec![0, 2]);
    assert_eq!(rows_matching("{field: name, not_matches: $vanity}"), vec![1]);
    assert_eq!(rows_matching("{field: audience, equals: board}"), vec![0, 1]);
    assert_eq!(rows_matching("{field: audience, in: [executive, BOARD]}"), vec![0, 1]);
    assert_eq!(rows_matching("{field: audience, not_in: [board]}"), vec![2]);
    assert_eq!(rows_matching("{field: actual, gt: $big}"), vec![1]);
    assert_eq!(rows_matching("{field: actual, lt: 1}"), vec![0]);
    assert_eq!(rows_matching("{field: actual, present: false}"), vec![2]);
    assert_eq!(
        rows_matching("{all: [{field: audience, equals: board}, {not: {field: name, matches: pipeline}}]}"),
        vec![0]
    );
    assert_eq!(
        rows_matching("{any: [{field: actual, gt: 1000}, {field: audience, present: false}]}"),
        vec![1, 2]
    );
}

#[test]
fn compile_errors_explain() {
    let p = ParamValues::new();
    let e = cond("{field: nmae, present: true}", &p).unwrap_err();
    assert_eq!(e.message, "dataset `kpis` has no field `nmae`");
    assert_eq!(e.help.as_deref(), Some("did you mean `name`?"));
    let e = cond("{field: name, matches: '(unclosed'}", &p).unwrap_err();
    assert!(e.message.starts_with("invalid regex for `name`"), "{}", e.message);
    assert_eq!(e.needle, "(unclosed");
    let e = cond("{field: name, matches: $nope}", &p).unwrap_err();
    assert_eq!(e.message, "param `$nope` is used but not declared under `params:`");
    let e = cond("{field: name, gt: 3}", &p).unwrap_err();
    assert!(e.message.contains("not a number"));
    let e = cond("{field: name, present: true, equals: x}", &p).unwrap_err();
    assert!(e.message.contains("exactly one operator"));
}

#[test]
fn a_bound_condition_answers_repeated_texts_like_the_first_time() {
    let mut ds = kpis();
    // The same names again, so the bound condition answers from memory.
    let names = ["Email click rate", "Marketing-sourced pipeline", "Awards won"];
    let mut column = Column::new(FieldType::Text);
    for name in names.iter().cycle().take(9) {
        column.push_text(name).unwrap();
    }
    ds.columns.insert("name".into(), column);
    ds.rows = 9;
    let mut params = ParamValues::new();
    params.insert("vanity".into(), Value::Text("(?i)click|award".into()));
    let period = Period {
        start: NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(),
        end: NaiveDate::from_ymd_opt(2025, 12, 31).unwrap(),
    };
    for (yaml, expected) in [
        ("{field: name, matches: $vanity}", [true, false, true]),
        ("{field: name, not_matches: $vanity}", [false, true, false]),
    ] {
        let c = cond(yaml, &params).unwrap();
        let bound = c.bind(&ds, &period);
        let got: Vec<bool> = (0..9).map(|r| bound.eval(r)).collect();
        let want: Vec<bool> = expected.iter().cycle().take(9).copied().collect();
        assert_eq!(got, want, "{yaml}");
    }
}
