//! Expressions of the rule language: arithmetic, comparisons and logic over
//! the plan's named values, params (`$name`), the org profile (`org.field`)
//! and the audit's dates (`as_of`, `period_start`, `period_end`).
//!
//! An expression cannot loop or call out: it is parsed once when the rule
//! loads (every name checked there, errors at the column) and evaluated in
//! time proportional to its length. Missing values propagate as SQL's NULL
//! does: `null + 1` is null, a comparison with null is false, `a ?? b`
//! takes `b` when `a` is null, and a division by zero is null.

use compact_str::CompactString;
use std::fmt;

mod ops;
mod parse;
#[cfg(test)]
mod tests;

pub(crate) use ops::{apply, combine, negate};
use ops::{binary, call};
pub use parse::parse;

/// A value an expression computes.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Null,
    Num(f64),
    Bool(bool),
    Text(CompactString),
    /// Days since 1970-01-01.
    Date(i32),
}

impl Val {
    pub fn truthy(&self) -> bool {
        match self {
            Val::Bool(b) => *b,
            Val::Num(n) => *n != 0.0,
            Val::Text(t) => !t.is_empty(),
            Val::Date(_) => true,
            Val::Null => false,
        }
    }
    pub fn as_num(&self) -> Option<f64> {
        match self {
            Val::Num(n) => Some(*n),
            Val::Bool(b) => Some(f64::from(u8::from(*b))),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Lt,
    Lte,
    Gt,
    Gte,
    Eq,
    Ne,
    And,
    Or,
    Coalesce,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Lit(Val),
    /// A plan value or a built-in name (`as_of`, `org.sales_motion`).
    Name(String),
    /// `$name`: a param.
    Param(String),
    Neg(Box<Expr>),
    Not(Box<Expr>),
    Bin(BinOp, Box<Expr>, Box<Expr>),
    Call(String, Vec<Expr>),
}

/// A parse error at a byte offset of the expression text.
#[derive(Debug, Clone, PartialEq)]
pub struct ParseError {
    pub message: String,
    pub at: usize,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at column {})", self.message, self.at + 1)
    }
}

/// Functions an expression may call, with their number of arguments.
pub const FUNCTIONS: &[(&str, &str)] = &[
    ("min", "min(a, b, ...): the smallest non-null value"),
    ("max", "max(a, b, ...): the largest non-null value"),
    ("abs", "abs(x)"),
    ("round", "round(x): to the nearest integer"),
    ("floor", "floor(x)"),
    ("ceil", "ceil(x)"),
    ("days", "days(from, to): days from one date to another"),
    ("is_null", "is_null(x): whether x has no value"),
    (
        "has",
        "has(dataset) or has(dataset.field): whether the bundle has it, with values",
    ),
    ("month", "month(date): the date's month as text, 2025-03"),
    (
        "per_year",
        "per_year(cadence): how many times a year a cadence word means (weekly 52, monthly 12, quarterly 4, ad hoc 0; null when not understood)",
    ),
    (
        "join",
        "join(sep, a, b, ...): the texts that are not empty, joined by sep",
    ),
    (
        "if",
        "if(cond, a, b): a when cond holds, else b (only the one chosen is computed)",
    ),
    (
        "in_vocab",
        "in_vocab(text, 'vocabulary'): whether the text is a term of the vocabulary (as `in_vocab:` reads it)",
    ),
];

/// How many times a year a cadence such as `monthly`, `bi-weekly` or
/// `Quarterly` happens: `daily` 260 (working days), `weekly` 52, `biweekly`
/// 26, `semi-monthly` 24, `monthly` 12, `bimonthly` 6, `quarterly` 4,
/// `semi-annual` 2, `annual` 1, `ad hoc` 0; `None` when the text names no cadence.
pub fn per_year(text: &str) -> Option<f64> {
    let s = crate::rules::vocab::normalize(text);
    let has = |words: &[&str]| words.iter().any(|w| s.contains(w));
    let n = if s.is_empty() {
        return None;
    } else if has(&["daily"]) {
        260.0
    } else if has(&["biweekly", "bi weekly", "fortnight"]) {
        26.0
    } else if has(&["weekly"]) {
        52.0
    } else if has(&["semi monthly", "semimonthly", "twice monthly", "twice a month"]) {
        24.0
    } else if has(&["bimonthly", "bi monthly"]) {
        6.0
    } else if has(&["monthly"]) {
        12.0
    } else if has(&["quarter"]) {
        4.0
    } else if has(&["semi annual", "semiannual", "half year", "biannual"]) {
        2.0
    } else if has(&["annual", "yearly"]) {
        1.0
    } else if has(&["ad hoc", "adhoc", "on request", "irregular"]) {
        0.0
    } else {
        return None;
    };
    Some(n)
}

impl Expr {
    /// Every name and param the expression reads.
    pub fn names<'a>(&'a self, out: &mut Vec<&'a str>, params: &mut Vec<&'a str>) {
        match self {
            Expr::Lit(_) => {}
            Expr::Name(n) => out.push(n),
            Expr::Param(p) => params.push(p),
            Expr::Neg(e) | Expr::Not(e) => e.names(out, params),
            Expr::Bin(_, a, b) => {
                a.names(out, params);
                b.names(out, params);
            }
            // `has(leads.stage)` names data, not a value.
            Expr::Call(f, _) if f == "has" => {}
            Expr::Call(_, args) => args.iter().for_each(|a| a.names(out, params)),
        }
    }

    /// Evaluates with `name` resolving plan values and built-ins, `param`
    /// resolving params and `has` answering `has(...)`.
    pub fn eval(&self, env: &dyn Env) -> Val {
        match self {
            Expr::Lit(v) => v.clone(),
            Expr::Name(n) => env.name(n),
            Expr::Param(p) => env.param(p),
            Expr::Neg(e) => negate(e.eval(env)),
            Expr::Not(e) => Val::Bool(!e.eval(env).truthy()),
            Expr::Bin(op, a, b) => binary(*op, a, b, env),
            Expr::Call(f, args) => call(f, args, env),
        }
    }
}

/// Where an expression's names get their values.
pub trait Env {
    fn name(&self, name: &str) -> Val;
    fn param(&self, name: &str) -> Val;
    fn has(&self, path: &str) -> bool;
    /// Whether `text` is a term of the vocabulary; false where there are none.
    fn in_vocab(&self, _vocab: &str, _text: &str) -> bool {
        false
    }
}
