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
use crate::bundle::{Codes, Column, ColumnData, Days, date_to_days};
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
    /// `days(from, to)` of two date fields of the row: the days read as
    /// stored, with no function looked up by name or value made per field
    /// (a sales cycle over 300,000 won deals).
    DaysBetween(&'a Days, &'a Days),
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
            _ => {
                let args: Vec<BoundExpr<'a>> = args.iter().map(|a| bind(a, s)).collect();
                match (f.as_str(), args.as_slice()) {
                    ("days", [BoundExpr::Field(from), BoundExpr::Field(to)]) => match (&from.data, &to.data) {
                        (ColumnData::Date(from), ColumnData::Date(to)) => BoundExpr::DaysBetween(from, to),
                        _ => BoundExpr::Call(f, args),
                    },
                    _ => BoundExpr::Call(f, args),
                }
            }
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
                let code = codes.of_row.at(at.row);
                Val::Bool(*answers[code].get_or_init(|| {
                    let text = &codes.texts[code];
                    !text.is_empty() && vocab.contains(text)
                }))
            }
            BoundExpr::DaysBetween(from, to) => match (day(from, at.row), day(to, at.row)) {
                (Some(from), Some(to)) => Val::Num(f64::from(to - from)),
                _ => Val::Null,
            },
            BoundExpr::Call(f, args) => expr::apply(f, args.len(), &|i| args[i].eval(at)),
        }
    }
}

/// A date cell's day, as [`cell`] reads it (none for a missing date).
fn day(days: &Days, row: usize) -> Option<i32> {
    days.get(row).filter(|d| DAYS.contains(d))
}

/// The day numbers that are dates (the calendar's range; the stored
/// missing date is below it).
static DAYS: std::sync::LazyLock<std::ops::RangeInclusive<i32>> =
    std::sync::LazyLock::new(|| date_to_days(chrono::NaiveDate::MIN)..=date_to_days(chrono::NaiveDate::MAX));

/// A cell as an expression reads it: text, numbers and dates straight from
/// the column, the rest as [`to_val`] of its value.
pub(crate) fn cell(col: &Column, row: usize) -> Val {
    match (&col.data, col.ty) {
        (ColumnData::Number(v), _) => v.known(row).map_or(Val::Null, Val::Num),
        (ColumnData::Date(v), _) => day(v, row).map_or(Val::Null, Val::Date),
        (ColumnData::Text { .. } | ColumnData::Coded(_), FieldType::Text) => match col.text(row) {
            Some(t) if !t.is_empty() => Val::Text(t.into()),
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
        Value::Text(t) => Val::Text(t.as_str().into()),
        Value::Date(d) => Val::Date(date_to_days(*d)),
        Value::List(l) => Val::Text(l.join(", ").into()),
    }
}

#[cfg(test)]
mod tests;
