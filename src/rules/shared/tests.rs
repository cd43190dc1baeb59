use super::*;
use crate::rules::condition::{Cmp, ParamOr, Period};
use crate::rules::plan::expr::{Expr, Val};
use crate::rules::vocab::{TextSet, Vocabulary};
use crate::value::Value;
use chrono::NaiveDate;
use std::sync::atomic::{AtomicUsize, Ordering};

/// An audit's values: `min` is a param, `as_of - 30` an expression.
struct Env(f64);

impl BindEnv for Env {
    fn period(&self) -> Period {
        Period {
            start: NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(),
            end: NaiveDate::from_ymd_opt(2025, 12, 31).unwrap(),
        }
    }
    fn vocabulary(&self, _: &str) -> Option<Arc<Vocabulary>> {
        None
    }
    fn values_of(&self, _: &str, _: &[String], _: &str) -> Arc<TextSet> {
        Arc::default()
    }
    fn value(&self, _: &Expr) -> Val {
        Val::Date(20_000 + self.0 as i32)
    }
    fn param_value(&self, name: &str) -> Value {
        if name == "min" {
            Value::Number(self.0)
        } else {
            Value::Null
        }
    }
}

fn at_least_min() -> Condition {
    Condition::All(vec![
        Condition::Compare {
            field: "amount".into(),
            cmp: Cmp::Gte,
            value: ParamOr::Param("min".into()),
        },
        Condition::Not(Box::new(Condition::Present { field: "stage".into() })),
    ])
}

#[test]
fn keys_differ_exactly_when_a_resolved_value_or_a_field_does() {
    let c = at_least_min();
    assert_eq!(key(&c, &Env(5.0)), key(&c, &Env(5.0)));
    assert_ne!(key(&c, &Env(5.0)), key(&c, &Env(6.0)));
    let fixed = Condition::Compare {
        field: "amount".into(),
        cmp: Cmp::Gte,
        value: ParamOr::Fixed(5.0),
    };
    let by_param = Condition::Compare {
        field: "amount".into(),
        cmp: Cmp::Gte,
        value: ParamOr::Param("min".into()),
    };
    // The same test, whether written in the rule or given by a param.
    assert_eq!(key(&fixed, &Env(5.0)), key(&by_param, &Env(5.0)));
    let versus = |field: &str| Condition::Versus {
        field: field.into(),
        cmp: Cmp::Lt,
        rhs: Rhs::Expr(Expr::Name("as_of".into())),
    };
    assert_ne!(
        key(&versus("close_date"), &Env(1.0)),
        key(&versus("close_date"), &Env(2.0))
    );
    assert_ne!(
        key(&versus("close_date"), &Env(1.0)),
        key(&versus("created_date"), &Env(1.0))
    );
    // A field name cannot pose as the end of another test.
    let odd = Condition::Present {
        field: "a\"),present(\"b".into(),
    };
    let two = Condition::All(vec![
        Condition::Present { field: "a".into() },
        Condition::Present { field: "b".into() },
    ]);
    assert_ne!(key(&Condition::All(vec![odd]), &Env(1.0)), key(&two, &Env(1.0)));
}

#[test]
fn a_filter_that_reads_the_plan_is_not_shared() {
    let in_rows = Condition::InRows {
        field: "id".into(),
        from: "won".into(),
        fields: vec!["lead_id".into()],
        or_vocab: None,
    };
    assert_eq!(key(&in_rows, &Env(1.0)), None);
    assert_eq!(key(&Condition::Any(vec![at_least_min(), in_rows]), &Env(1.0)), None);
    assert!(key(&at_least_min(), &Env(1.0)).is_some());
}

#[test]
fn rules_asking_at_once_compute_a_set_once() {
    let shared = SharedRows::default();
    let computed = AtomicUsize::new(0);
    let ask = |key: &str| {
        shared.rows("opportunities", key.to_string(), || {
            computed.fetch_add(1, Ordering::SeqCst);
            std::thread::sleep(std::time::Duration::from_millis(20));
            Mask::of_rows(100, &[3, 64, 99])
        })
    };
    let answers: Vec<Vec<u32>> = std::thread::scope(|s| {
        let asks: Vec<_> = (0..4).map(|_| s.spawn(|| ask("won"))).collect();
        asks.into_iter().map(|a| a.join().unwrap()).collect()
    });
    assert!(answers.iter().all(|a| a == &[3, 64, 99]));
    assert_eq!(computed.load(Ordering::SeqCst), 1);
    ask("lost");
    assert_eq!(computed.load(Ordering::SeqCst), 2);
}

/// Two rules whose filters differ only in a param's value, and two that
/// write the same filter, run on one shared cache: each gets the rows its
/// own filter selects.
#[test]
fn rules_sharing_a_cache_get_their_own_filters_rows() {
    use crate::rules::plan::{Plan, format::RawPlan, run_shared};
    let data: indexmap::IndexMap<String, crate::yaml::Value> = crate::yaml::from_str(
        "opportunities:\n  - { id: O1, amount: 3 }\n  - { id: O2, amount: 7 }\n  - { id: O3, amount: 12 }\n  - { id: O4 }\n",
    )
    .unwrap();
    let source = crate::error::SourceFile::new("test", String::new());
    let bundle = crate::bundle::bundle_from_inline("test", &data, crate::bundle::Manifest::default(), &source).unwrap();
    let raw: RawPlan = crate::yaml::from_str(
        "let:\n  big: { rows: { from: opportunities, where: { field: amount, gte: $min } } }\n  ids: { list: { from: big } }\nvalue: big\nwarn_above: 100\nmessage: '{ids}'\n",
    )
    .unwrap();
    let params = |min: f64| crate::rules::params::ParamValues::from([("min".to_string(), Value::Number(min))]);
    let plan = Plan::compile(&raw, &params(5.0), None).unwrap_or_else(|e| panic!("{e:?}"));
    let period = Env(0.0).period();
    let shared = SharedRows::default();
    let vocabs = crate::rules::vocab::Vocabularies::new();
    let run = |min: f64| run_shared(&plan, &bundle, period, period.end, &params(min), &vocabs, 50, &shared).message;
    assert_eq!(run(5.0), "O2, O3");
    assert_eq!(run(10.0), "O3");
    assert_eq!(run(5.0), "O2, O3");
    assert_eq!(run(0.0), "O1, O2, O3");
    assert_eq!(shared.sets.lock().unwrap().len(), 3);
}
