use super::*;
use crate::bundle::Dataset;
use proptest::prelude::*;
use std::collections::BTreeMap;

/// The plan around the rows: two values, a param, a vocabulary.
struct Plan(Arc<Vocabulary>);

impl Env for Plan {
    fn name(&self, name: &str) -> Val {
        match name {
            "total" => Val::Num(120.0),
            "label" => Val::Text("Closed Won".into()),
            "as_of" => Val::Date(20_000),
            _ => Val::Null,
        }
    }
    fn param(&self, name: &str) -> Val {
        if name == "p" { Val::Num(0.5) } else { Val::Null }
    }
    fn has(&self, path: &str) -> bool {
        path == "leads.stage"
    }
    fn in_vocab(&self, vocab: &str, text: &str) -> bool {
        vocab == "won" && self.0.contains(text)
    }
}

impl Around for Plan {
    fn vocabulary(&self, name: &str) -> Option<Arc<Vocabulary>> {
        (name == "won").then(|| Arc::clone(&self.0))
    }
}

/// A row read by names, as computed fields were read before binding:
/// the fields computed so far, then the row's fields, then the plan.
struct ByName<'a> {
    plan: &'a Plan,
    table: Table<'a>,
    row: usize,
    fields: &'a [String],
    local: &'a [(&'a str, Val)],
}

impl Env for ByName<'_> {
    fn name(&self, name: &str) -> Val {
        if let Some((_, v)) = self.local.iter().find(|(n, _)| *n == name) {
            return v.clone();
        }
        if self.fields.iter().any(|f| f == name) {
            return to_val(&self.table.value(name, self.row));
        }
        self.plan.name(name)
    }
    fn param(&self, name: &str) -> Val {
        self.plan.param(name)
    }
    fn has(&self, path: &str) -> bool {
        self.plan.has(path)
    }
    fn in_vocab(&self, vocab: &str, text: &str) -> bool {
        self.plan.in_vocab(vocab, text)
    }
}

/// Fields of the data; `gone` is a field of the row set that this file lacks.
const FIELDS: [&str; 7] = ["amount", "name", "day", "won", "tags", "closed", "gone"];
const COMPUTED: [&str; 3] = ["c0", "c1", "c2"];
/// What `days(a, b)` is given: the two date fields most often.
const DAY_ARGS: [&str; 6] = ["day", "closed", "day", "closed", "amount", "c0"];

fn dataset(rows: &[(String, String, String, String, String, String)]) -> Dataset {
    let mut columns = BTreeMap::new();
    for (i, (field, ty)) in [
        ("amount", FieldType::Number),
        ("name", FieldType::Text),
        ("day", FieldType::Date),
        ("won", FieldType::Bool),
        ("tags", FieldType::List),
        ("closed", FieldType::Date),
    ]
    .into_iter()
    .enumerate()
    {
        let mut col = Column::new(ty);
        for r in rows {
            let cell = [&r.0, &r.1, &r.2, &r.3, &r.4, &r.5][i];
            let _ = col.push_text(cell);
        }
        columns.insert(field.to_string(), col);
    }
    Dataset {
        name: "deals".into(),
        file: "deals.csv".into(),
        rows: rows.len(),
        columns,
        lines: Default::default(),
        mapped_from: FIELDS.iter().map(|f| (f.to_string(), f.to_string())).collect(),
        unloaded: Vec::new(),
        shown: None,
        id_field: "id".into(),
    }
}

fn cells() -> impl Strategy<Value = (String, String, String, String, String, String)> {
    (
        prop_oneof![Just(String::new()), "-?[0-9]{1,4}", Just("12.5".into())],
        prop_oneof![Just(String::new()), Just("Closed Won".into()), "[a-zA-Z ]{1,6}"],
        prop_oneof![
            Just(String::new()),
            Just("2025-03-01".into()),
            Just("2024-12-31".into())
        ],
        prop_oneof![Just(String::new()), Just("true".into()), Just("false".into())],
        prop_oneof![Just(String::new()), Just("a; b".into()), Just("won".into())],
        prop_oneof![
            Just(String::new()),
            Just("2025-06-15".into()),
            Just("2024-11-30".into())
        ],
    )
}

fn expr() -> impl Strategy<Value = Expr> {
    let names: Vec<&str> = FIELDS
        .iter()
        .chain(&COMPUTED)
        .chain(&["total", "label", "as_of", "unknown"])
        .copied()
        .collect();
    let leaf = prop_oneof![
        1 => (-3i32..40).prop_map(|n| Expr::Lit(Val::Num(f64::from(n)))),
        1 => prop_oneof![Just(""), Just("won"), Just(" / "), Just("x")].prop_map(|t| Expr::Lit(Val::Text(t.into()))),
        1 => Just(Expr::Lit(Val::Null)),
        1 => any::<bool>().prop_map(|b| Expr::Lit(Val::Bool(b))),
        3 => proptest::sample::select(names).prop_map(|n| Expr::Name(n.into())),
        2 => proptest::sample::select(&COMPUTED[..]).prop_map(|n| Expr::Name(n.into())),
        1 => prop_oneof![Just("p"), Just("q")].prop_map(|p| Expr::Param(p.into())),
        // Days between two fields: of two date columns, read as stored.
        1 => (proptest::sample::select(&DAY_ARGS[..]), proptest::sample::select(&DAY_ARGS[..]))
            .prop_map(|(a, b)| Expr::Call("days".into(), vec![Expr::Name(a.into()), Expr::Name(b.into())])),
        1 => prop_oneof![Just("leads.stage"), Just("leads.sql_date")]
            .prop_map(|p| Expr::Call("has".into(), vec![Expr::Name(p.into())])),
    ];
    leaf.prop_recursive(4, 24, 3, |inner| {
        let ops = [
            BinOp::Add,
            BinOp::Sub,
            BinOp::Mul,
            BinOp::Div,
            BinOp::Lt,
            BinOp::Lte,
            BinOp::Gt,
            BinOp::Gte,
            BinOp::Eq,
            BinOp::Ne,
            BinOp::And,
            BinOp::Or,
            BinOp::Coalesce,
        ];
        let funcs: Vec<&str> = expr::FUNCTIONS
            .iter()
            .map(|(f, _)| *f)
            .filter(|f| *f != "has")
            .collect();
        prop_oneof![
            inner.clone().prop_map(|e| Expr::Neg(Box::new(e))),
            inner.clone().prop_map(|e| Expr::Not(Box::new(e))),
            (proptest::sample::select(ops.to_vec()), inner.clone(), inner.clone()).prop_map(|(op, a, b)| Expr::Bin(
                op,
                Box::new(a),
                Box::new(b)
            )),
            (
                proptest::sample::select(funcs),
                proptest::collection::vec(inner.clone(), 0..4)
            )
                .prop_map(|(f, args)| Expr::Call(f.into(), args)),
            (inner, prop_oneof![Just("won"), Just("lost")])
                .prop_map(|(e, v)| Expr::Call("in_vocab".into(), vec![e, Expr::Lit(Val::Text(v.into()))])),
        ]
    })
}

/// The names in `e` that are fields of the row as compiled: the data's
/// and the computed fields before position `i`.
fn row_fields(e: &Expr, i: usize) -> Vec<String> {
    let (mut names, mut params) = (Vec::new(), Vec::new());
    e.names(&mut names, &mut params);
    let mut out: Vec<String> = names
        .into_iter()
        .filter(|n| FIELDS.contains(n) || COMPUTED[..i].contains(n))
        .map(str::to_string)
        .collect();
    out.sort();
    out.dedup();
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    /// Computed fields reading each other, the row's fields (one missing
    /// from the file), params and plan values give the same values bound
    /// as read by names.
    #[test]
    fn bound_fields_read_what_names_read(
        rows in proptest::collection::vec(cells(), 1..6),
        exprs in proptest::collection::vec(expr(), 3),
    ) {
        let ds = dataset(&rows);
        let table = Table { ds: &ds, computed: None };
        let plan = Plan(Arc::new(Vocabulary::new(String::new(), vec!["closed won".into(), "won".into()])));
        let fields: Vec<Vec<String>> = exprs.iter().enumerate().map(|(i, e)| row_fields(e, i)).collect();
        let bound: Vec<BoundExpr<'_>> = exprs
            .iter()
            .enumerate()
            .map(|(i, e)| bind(e, &Scope { table, fields: &fields[i], earlier: &COMPUTED[..i], around: &plan }))
            .collect();
        for row in 0..ds.rows {
            let mut by_name: Vec<(&str, Val)> = Vec::new();
            let mut local: Vec<Val> = Vec::new();
            for (i, e) in exprs.iter().enumerate() {
                let want = e.eval(&ByName { plan: &plan, table, row, fields: &fields[i], local: &by_name });
                let got = bound[i].eval(&At { row, local: &local, around: &plan });
                prop_assert_eq!(format!("{got:?}"), format!("{want:?}"), "{:?} at row {}", e, row);
                by_name.push((COMPUTED[i], want));
                local.push(got);
            }
        }
    }

    /// A stored day reads as a date exactly when the column gives one.
    #[test]
    fn a_day_is_a_date_within_the_calendar(offset in -3i32..3) {
        let (min, max) = (date_to_days(chrono::NaiveDate::MIN), date_to_days(chrono::NaiveDate::MAX));
        let mut col = Column::new(FieldType::Date);
        if let ColumnData::Date(v) = &mut col.data {
            v.wide().extend([min + offset, max + offset, offset, crate::bundle::NULL_DATE]);
        }
        for r in 0..4 {
            prop_assert_eq!(cell(&col, r), to_val(&col.value(r)));
        }
    }

    /// A cell read straight from its column is the value the column gives.
    #[test]
    fn a_cell_is_its_value(rows in proptest::collection::vec(cells(), 1..8)) {
        let ds = dataset(&rows);
        for col in ds.columns.values() {
            for r in 0..ds.rows {
                prop_assert_eq!(cell(col, r), to_val(&col.value(r)));
            }
        }
    }
}
