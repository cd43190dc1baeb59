//! Row expressions (computed fields' `with:`, a `rows` step's `if:`, a
//! related aggregate's `within:`) bound to one row set before its rows are
//! read: each name becomes the column it reads, the position of a field
//! computed before it for the same row, or a plan value read once; params,
//! `has(...)` and vocabularies are resolved up front. The row loop then
//! compares no name and looks nothing up by name, where the expression read
//! by names would for each field of each row (CRED-003 computes nine fields
//! for each of 117k credits). Operators and functions are the expression's
//! own ([`expr::combine`], [`expr::apply`]), so a value is the same either
//! way; a property test checks it against the names.

use super::expr::{self, BinOp, Env, Expr, Val};
use super::table::Table;
use crate::bundle::{Codes, Column, ColumnData, date_to_days};
use crate::rules::vocab::Vocabulary;
use crate::value::{FieldType, Value};
use std::cell::OnceCell;
use std::sync::Arc;

/// What a row expression reads beyond its row: the plan's values, params,
/// `has(...)` and vocabularies.
pub(crate) trait Around: Env {
    fn vocabulary(&self, name: &str) -> Option<Arc<Vocabulary>>;
}

/// An expression bound to a row set's columns.
pub(crate) enum BoundExpr<'a> {
    Lit(Val),
    /// A field computed before this one for the same row, by position.
    Local(usize),
    /// A field of the row.
    Field(&'a Column),
    /// A plan value or a built-in, the same for every row: read when first needed.
    Outer(&'a str, OnceCell<Val>),
    Neg(Box<BoundExpr<'a>>),
    Not(Box<BoundExpr<'a>>),
    Bin(BinOp, Box<BoundExpr<'a>>, Box<BoundExpr<'a>>),
    If(Vec<BoundExpr<'a>>),
    /// `in_vocab(text, 'name')`; without the vocabulary, nothing is a term.
    InVocab(Box<BoundExpr<'a>>, Option<Arc<Vocabulary>>),
    /// `in_vocab` of a field whose values are numbered (a model, a stage):
    /// answered once per value.
    InVocabCoded(&'a Codes, Arc<Vocabulary>, Vec<OnceCell<bool>>),
    Call(&'a str, Vec<BoundExpr<'a>>),
}

/// The names a row expression may read where it is bound.
pub(crate) struct Scope<'a, 's> {
    pub table: Table<'a>,
    /// The names in the expression that are the row's fields (as compiled).
    pub fields: &'s [String],
    /// The fields computed before it for the same row, in order.
    pub earlier: &'s [&'a str],
    pub around: &'s dyn Around,
}

/// One row, and the values computed before for it (in the order of `earlier`).
pub(crate) struct At<'r> {
    pub row: usize,
    pub local: &'r [Val],
    pub around: &'r dyn Env,
}

/// Binds `e` as a row's expression reads its names: a field computed
/// before it first, then the row's fields, then the plan's values.
pub(crate) fn bind<'a>(e: &'a Expr, s: &Scope<'a, '_>) -> BoundExpr<'a> {
    let arg = |a: &'a Expr| Box::new(bind(a, s));
    match e {
        Expr::Lit(v) => BoundExpr::Lit(v.clone()),
        Expr::Name(n) => match s.earlier.iter().position(|x| x == n) {
            Some(i) => BoundExpr::Local(i),
            None if s.fields.contains(n) => s.table.column(n).map_or(BoundExpr::Lit(Val::Null), BoundExpr::Field),
            None => BoundExpr::Outer(n, OnceCell::new()),
        },
        Expr::Param(p) => BoundExpr::Lit(s.around.param(p)),
        Expr::Neg(a) => BoundExpr::Neg(arg(a)),
        Expr::Not(a) => BoundExpr::Not(arg(a)),
        Expr::Bin(op, a, b) => BoundExpr::Bin(*op, arg(a), arg(b)),
        Expr::Call(f, args) => match f.as_str() {
            "has" => BoundExpr::Lit(Val::Bool(match args.first() {
                Some(Expr::Name(path)) => s.around.has(path),
                _ => false,
            })),
            "in_vocab" => {
                let text = args.first().map_or(BoundExpr::Lit(Val::Null), |a| bind(a, s));
                let vocab = match args.get(1) {
                    Some(Expr::Lit(Val::Text(v))) => s.around.vocabulary(v),
                    _ => None,
                };
                match (text, vocab) {
                    (BoundExpr::Field(col), Some(vocab)) if col.codes().is_some() => {
                        let codes = col.codes().expect("numbered");
                        let answers = std::iter::repeat_with(OnceCell::new).take(codes.texts.len()).collect();
                        BoundExpr::InVocabCoded(codes, vocab, answers)
                    }
                    (text, vocab) => BoundExpr::InVocab(Box::new(text), vocab),
                }
            }
            "if" => BoundExpr::If(args.iter().map(|a| bind(a, s)).collect()),
            _ => BoundExpr::Call(f, args.iter().map(|a| bind(a, s)).collect()),
        },
    }
}

impl BoundExpr<'_> {
    pub fn eval(&self, at: &At<'_>) -> Val {
        match self {
            BoundExpr::Lit(v) => v.clone(),
            BoundExpr::Local(i) => at.local[*i].clone(),
            BoundExpr::Field(c) => cell(c, at.row),
            BoundExpr::Outer(n, v) => v.get_or_init(|| at.around.name(n)).clone(),
            BoundExpr::Neg(a) => expr::negate(a.eval(at)),
            BoundExpr::Not(a) => Val::Bool(!a.eval(at).truthy()),
            BoundExpr::Bin(BinOp::And, a, b) => Val::Bool(a.eval(at).truthy() && b.eval(at).truthy()),
            BoundExpr::Bin(BinOp::Or, a, b) => Val::Bool(a.eval(at).truthy() || b.eval(at).truthy()),
            BoundExpr::Bin(BinOp::Coalesce, a, b) => match a.eval(at) {
                Val::Null => b.eval(at),
                v => v,
            },
            BoundExpr::Bin(op, a, b) => expr::combine(*op, a.eval(at), b.eval(at)),
            BoundExpr::If(args) => {
                let chosen = if args.first().is_some_and(|a| a.eval(at).truthy()) {
                    1
                } else {
                    2
                };
                args.get(chosen).map_or(Val::Null, |a| a.eval(at))
            }
            BoundExpr::InVocab(text, vocab) => match (text.eval(at), vocab) {
                (Val::Text(t), Some(v)) => Val::Bool(v.contains(&t)),
                _ => Val::Bool(false),
            },
            BoundExpr::InVocabCoded(codes, vocab, answers) => {
                let code = codes.of_row[at.row] as usize;
                Val::Bool(*answers[code].get_or_init(|| {
                    let text = &codes.texts[code];
                    !text.is_empty() && vocab.contains(text)
                }))
            }
            BoundExpr::Call(f, args) => expr::apply(f, args.len(), &|i| args[i].eval(at)),
        }
    }
}

/// The day numbers that are dates (the calendar's range; the stored
/// missing date is below it).
static DAYS: std::sync::LazyLock<std::ops::RangeInclusive<i32>> =
    std::sync::LazyLock::new(|| date_to_days(chrono::NaiveDate::MIN)..=date_to_days(chrono::NaiveDate::MAX));

/// A cell as an expression reads it: text, numbers and dates straight from
/// the column, the rest as [`to_val`] of its value.
pub(crate) fn cell(col: &Column, row: usize) -> Val {
    match (&col.data, col.ty) {
        (ColumnData::Number(v), _) => v.get(row).copied().filter(|n| !n.is_nan()).map_or(Val::Null, Val::Num),
        (ColumnData::Date(v), _) => match v.get(row) {
            Some(&d) if DAYS.contains(&d) => Val::Date(d),
            _ => Val::Null,
        },
        (ColumnData::Text { .. } | ColumnData::Coded(_), FieldType::Text) => match col.text(row) {
            Some(t) if !t.is_empty() => Val::Text(t.to_string()),
            _ => Val::Null,
        },
        _ => to_val(&col.value(row)),
    }
}

pub(crate) fn to_val(v: &Value) -> Val {
    match v {
        Value::Null => Val::Null,
        Value::Bool(b) => Val::Bool(*b),
        Value::Number(n) => Val::Num(*n),
        Value::Text(t) => Val::Text(t.clone()),
        Value::Date(d) => Val::Date(date_to_days(*d)),
        Value::List(l) => Val::Text(l.join(", ")),
    }
}

#[cfg(test)]
mod tests {
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
    const FIELDS: [&str; 6] = ["amount", "name", "day", "won", "tags", "gone"];
    const COMPUTED: [&str; 3] = ["c0", "c1", "c2"];

    fn dataset(rows: &[(String, String, String, String, String)]) -> Dataset {
        let mut columns = BTreeMap::new();
        for (i, (field, ty)) in [
            ("amount", FieldType::Number),
            ("name", FieldType::Text),
            ("day", FieldType::Date),
            ("won", FieldType::Bool),
            ("tags", FieldType::List),
        ]
        .into_iter()
        .enumerate()
        {
            let mut col = Column::new(ty);
            for r in rows {
                let cell = [&r.0, &r.1, &r.2, &r.3, &r.4][i];
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
            id_field: "id".into(),
        }
    }

    fn cells() -> impl Strategy<Value = (String, String, String, String, String)> {
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
                (proptest::sample::select(ops.to_vec()), inner.clone(), inner.clone())
                    .prop_map(|(op, a, b)| Expr::Bin(op, Box::new(a), Box::new(b))),
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
                v.extend([min + offset, max + offset, offset, crate::bundle::NULL_DATE]);
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
}
