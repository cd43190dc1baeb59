//! Expressions of the rule language: arithmetic, comparisons and logic over
//! the plan's named values, params (`$name`), the org profile (`org.field`)
//! and the audit's dates (`as_of`, `period_start`, `period_end`).
//!
//! An expression cannot loop or call out: it is parsed once when the rule
//! loads (every name checked there, errors at the column) and evaluated in
//! time proportional to its length. Missing values propagate as SQL's NULL
//! does: `null + 1` is null, a comparison with null is false, `a ?? b`
//! takes `b` when `a` is null, and a division by zero is null.

use std::fmt;

/// A value an expression computes.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Null,
    Num(f64),
    Bool(bool),
    Text(String),
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

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Num(f64),
    Str(String),
    Ident(String),
    Param(String),
    Op(&'static str),
    LParen,
    RParen,
    Comma,
}

fn lex(src: &str) -> Result<Vec<(Tok, usize)>, ParseError> {
    let bytes = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let err = |message: String, at: usize| ParseError { message, at };
    while i < bytes.len() {
        let c = bytes[i];
        let start = i;
        match c {
            b' ' | b'\t' | b'\n' | b'\r' => i += 1,
            b'(' => {
                out.push((Tok::LParen, i));
                i += 1;
            }
            b')' => {
                out.push((Tok::RParen, i));
                i += 1;
            }
            b',' => {
                out.push((Tok::Comma, i));
                i += 1;
            }
            b'0'..=b'9' | b'.' if c != b'.' || bytes.get(i + 1).is_some_and(u8::is_ascii_digit) => {
                while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b'.' || bytes[i] == b'_') {
                    i += 1;
                }
                let text: String = src[start..i].chars().filter(|c| *c != '_').collect();
                let n = text
                    .parse::<f64>()
                    .map_err(|_| err(format!("`{}` is not a number", &src[start..i]), start))?;
                out.push((Tok::Num(n), start));
            }
            b'\'' | b'"' => {
                let end = src[i + 1..]
                    .find(c as char)
                    .ok_or_else(|| err("this text is not closed".into(), start))?;
                out.push((Tok::Str(src[i + 1..i + 1 + end].to_string()), start));
                i += end + 2;
            }
            b'$' => {
                i += 1;
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                    i += 1;
                }
                if i == start + 1 {
                    return Err(err("`$` must be followed by a param name".into(), start));
                }
                out.push((Tok::Param(src[start + 1..i].to_string()), start));
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || matches!(bytes[i], b'_' | b'.')) {
                    i += 1;
                }
                out.push((Tok::Ident(src[start..i].to_string()), start));
            }
            _ => {
                let two = src.get(i..i + 2).unwrap_or("");
                let op = ["<=", ">=", "==", "!=", "??", "&&", "||"]
                    .into_iter()
                    .find(|o| *o == two)
                    .or_else(|| {
                        ["<", ">", "+", "-", "*", "/", "!"]
                            .into_iter()
                            .find(|o| o.as_bytes()[0] == c)
                    })
                    .ok_or_else(|| {
                        err(
                            format!("unexpected `{}`", &src[i..].chars().next().unwrap_or(' ')),
                            start,
                        )
                    })?;
                out.push((Tok::Op(op), start));
                i += op.len();
            }
        }
    }
    Ok(out)
}

struct Parser {
    toks: Vec<(Tok, usize)>,
    pos: usize,
    len: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|(t, _)| t)
    }
    fn at(&self) -> usize {
        self.toks.get(self.pos).map_or(self.len, |(_, a)| *a)
    }
    fn err(&self, message: impl Into<String>) -> ParseError {
        ParseError {
            message: message.into(),
            at: self.at(),
        }
    }
    fn eat_op(&mut self, ops: &[&str]) -> Option<&'static str> {
        match self.peek() {
            Some(Tok::Op(o)) if ops.contains(o) => {
                let o = *o;
                self.pos += 1;
                Some(o)
            }
            Some(Tok::Ident(w)) => {
                let word = match w.as_str() {
                    "and" => "&&",
                    "or" => "||",
                    _ => return None,
                };
                if ops.contains(&word) {
                    self.pos += 1;
                    Some(word)
                } else {
                    None
                }
            }
            _ => None,
        }
    }

    fn binary(&mut self, level: usize) -> Result<Expr, ParseError> {
        const LEVELS: [&[&str]; 6] = [
            &["||"],
            &["&&"],
            &["==", "!=", "<", "<=", ">", ">="],
            &["??"],
            &["+", "-"],
            &["*", "/"],
        ];
        if level == LEVELS.len() {
            return self.unary();
        }
        let mut left = self.binary(level + 1)?;
        while let Some(op) = self.eat_op(LEVELS[level]) {
            let right = self.binary(level + 1)?;
            let op = match op {
                "||" => BinOp::Or,
                "&&" => BinOp::And,
                "==" => BinOp::Eq,
                "!=" => BinOp::Ne,
                "<" => BinOp::Lt,
                "<=" => BinOp::Lte,
                ">" => BinOp::Gt,
                ">=" => BinOp::Gte,
                "??" => BinOp::Coalesce,
                "+" => BinOp::Add,
                "-" => BinOp::Sub,
                "*" => BinOp::Mul,
                _ => BinOp::Div,
            };
            left = Expr::Bin(op, Box::new(left), Box::new(right));
            // `a < b < c` reads as a range but would compare a boolean.
            if level == 2 && self.eat_op(LEVELS[2]).is_some() {
                return Err(self.err("comparisons do not chain: write `a < b and b < c`"));
            }
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, ParseError> {
        if self.eat_op(&["-"]).is_some() {
            return Ok(Expr::Neg(Box::new(self.unary()?)));
        }
        if self.eat_op(&["!"]).is_some() || matches!(self.peek(), Some(Tok::Ident(w)) if w == "not") {
            if matches!(self.peek(), Some(Tok::Ident(_))) {
                self.pos += 1;
            }
            return Ok(Expr::Not(Box::new(self.unary()?)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Expr, ParseError> {
        let Some((tok, _)) = self.toks.get(self.pos).cloned() else {
            return Err(self.err("the expression ends too early"));
        };
        self.pos += 1;
        match tok {
            Tok::Num(n) => Ok(Expr::Lit(Val::Num(n))),
            Tok::Str(s) => Ok(Expr::Lit(Val::Text(s))),
            Tok::Param(p) => Ok(Expr::Param(p)),
            Tok::LParen => {
                let e = self.binary(0)?;
                match self.peek() {
                    Some(Tok::RParen) => {
                        self.pos += 1;
                        Ok(e)
                    }
                    _ => Err(self.err("expected `)`")),
                }
            }
            Tok::Ident(name) => match name.as_str() {
                "true" => Ok(Expr::Lit(Val::Bool(true))),
                "false" => Ok(Expr::Lit(Val::Bool(false))),
                "null" => Ok(Expr::Lit(Val::Null)),
                _ if matches!(self.peek(), Some(Tok::LParen)) => {
                    self.pos -= 1;
                    if !FUNCTIONS.iter().any(|(f, _)| *f == name) {
                        let names: Vec<&str> = FUNCTIONS.iter().map(|(f, _)| *f).collect();
                        return Err(self.err(format!(
                            "unknown function `{name}`: {}",
                            crate::error::suggest(&name, &names)
                        )));
                    }
                    self.pos += 2;
                    let mut args = Vec::new();
                    if !matches!(self.peek(), Some(Tok::RParen)) {
                        loop {
                            args.push(self.binary(0)?);
                            match self.peek() {
                                Some(Tok::Comma) => self.pos += 1,
                                Some(Tok::RParen) => break,
                                _ => return Err(self.err("expected `,` or `)`")),
                            }
                        }
                    }
                    self.pos += 1;
                    Ok(Expr::Call(name, args))
                }
                _ => Ok(Expr::Name(name)),
            },
            Tok::Op(o) => {
                self.pos -= 1;
                Err(self.err(format!("unexpected `{o}`")))
            }
            Tok::RParen => {
                self.pos -= 1;
                Err(self.err("unexpected `)`"))
            }
            Tok::Comma => {
                self.pos -= 1;
                Err(self.err("unexpected `,`"))
            }
        }
    }
}

/// Parses an expression.
pub fn parse(src: &str) -> Result<Expr, ParseError> {
    let toks = lex(src)?;
    if toks.is_empty() {
        return Err(ParseError {
            message: "the expression is empty".into(),
            at: 0,
        });
    }
    let mut p = Parser {
        toks,
        pos: 0,
        len: src.len(),
    };
    let e = p.binary(0)?;
    if p.pos < p.toks.len() {
        return Err(p.err("unexpected text after the expression"));
    }
    Ok(e)
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

fn binary(op: BinOp, a: &Expr, b: &Expr, env: &dyn Env) -> Val {
    match op {
        BinOp::And => return Val::Bool(a.eval(env).truthy() && b.eval(env).truthy()),
        BinOp::Or => return Val::Bool(a.eval(env).truthy() || b.eval(env).truthy()),
        BinOp::Coalesce => {
            let v = a.eval(env);
            return if v == Val::Null { b.eval(env) } else { v };
        }
        _ => {}
    }
    combine(op, a.eval(env), b.eval(env))
}

/// `-x`: numbers only.
pub(crate) fn negate(v: Val) -> Val {
    match v {
        Val::Num(n) => Val::Num(-n),
        _ => Val::Null,
    }
}

/// An operator that reads both sides (all but `and`, `or` and `??`), on
/// their values.
pub(crate) fn combine(op: BinOp, x: Val, y: Val) -> Val {
    let cmp = |o: std::cmp::Ordering| {
        Val::Bool(match op {
            BinOp::Lt => o.is_lt(),
            BinOp::Lte => o.is_le(),
            BinOp::Gt => o.is_gt(),
            BinOp::Gte => o.is_ge(),
            BinOp::Eq => o.is_eq(),
            _ => o.is_ne(),
        })
    };
    let is_cmp = matches!(
        op,
        BinOp::Lt | BinOp::Lte | BinOp::Gt | BinOp::Gte | BinOp::Eq | BinOp::Ne
    );
    match (&x, &y) {
        (Val::Null, _) | (_, Val::Null) => {
            if op == BinOp::Eq {
                Val::Bool(x == y)
            } else if op == BinOp::Ne {
                Val::Bool(x != y)
            } else if is_cmp {
                Val::Bool(false)
            } else {
                Val::Null
            }
        }
        (Val::Date(d), Val::Date(e)) if is_cmp => cmp(d.cmp(e)),
        (Val::Date(d), Val::Date(e)) if op == BinOp::Sub => Val::Num(f64::from(d - e)),
        (Val::Date(d), n) | (n, Val::Date(d)) if matches!(op, BinOp::Add | BinOp::Sub) => {
            let Some(n) = n.as_num() else { return Val::Null };
            if !n.is_finite() || n.abs() > 1e6 {
                return Val::Null;
            }
            let n = n.round() as i32;
            if op == BinOp::Add {
                Val::Date(d + n)
            } else if matches!(x, Val::Date(_)) {
                Val::Date(d - n)
            } else {
                Val::Null
            }
        }
        (Val::Text(s), Val::Text(t)) if is_cmp => {
            cmp(crate::rules::vocab::normalize(s).cmp(&crate::rules::vocab::normalize(t)))
        }
        _ => {
            let (Some(p), Some(q)) = (x.as_num(), y.as_num()) else {
                return if op == BinOp::Eq {
                    Val::Bool(false)
                } else if op == BinOp::Ne {
                    Val::Bool(true)
                } else {
                    Val::Null
                };
            };
            if is_cmp {
                return cmp(p.partial_cmp(&q).unwrap_or(std::cmp::Ordering::Equal));
            }
            let r = match op {
                BinOp::Add => p + q,
                BinOp::Sub => p - q,
                BinOp::Mul => p * q,
                _ if q == 0.0 => return Val::Null,
                _ => p / q,
            };
            if r.is_finite() { Val::Num(r) } else { Val::Null }
        }
    }
}

fn call(f: &str, args: &[Expr], env: &dyn Env) -> Val {
    match f {
        "if" => {
            let chosen = if args.first().is_some_and(|a| a.eval(env).truthy()) {
                1
            } else {
                2
            };
            args.get(chosen).map_or(Val::Null, |a| a.eval(env))
        }
        "has" => match args.first() {
            Some(Expr::Name(path)) => Val::Bool(env.has(path)),
            _ => Val::Bool(false),
        },
        // A missing value is no term, as with `in_vocab:` on a field.
        "in_vocab" => match (args.first().map_or(Val::Null, |a| a.eval(env)), args.get(1)) {
            (Val::Text(t), Some(Expr::Lit(Val::Text(vocab)))) => Val::Bool(env.in_vocab(vocab, &t)),
            _ => Val::Bool(false),
        },
        _ => apply(f, args.len(), &|i| args[i].eval(env)),
    }
}

/// A function that reads its arguments in order (all but `if`, `has` and
/// `in_vocab`): `arg(i)` is the value of argument `i` of `n`.
pub(crate) fn apply(f: &str, n: usize, arg: &dyn Fn(usize) -> Val) -> Val {
    let nums = || (0..n).filter_map(|i| arg(i).as_num());
    let one = || if n > 0 { arg(0) } else { Val::Null };
    let map = |g: fn(f64) -> f64| one().as_num().map_or(Val::Null, |x| Val::Num(g(x)));
    match f {
        "min" => nums().reduce(f64::min).map_or(Val::Null, Val::Num),
        "max" => nums().reduce(f64::max).map_or(Val::Null, Val::Num),
        "abs" => map(f64::abs),
        "round" => map(f64::round),
        "floor" => map(f64::floor),
        "ceil" => map(f64::ceil),
        "is_null" => Val::Bool(one() == Val::Null),
        "days" => match (one(), if n > 1 { arg(1) } else { Val::Null }) {
            (Val::Date(a), Val::Date(b)) => Val::Num(f64::from(b - a)),
            _ => Val::Null,
        },
        "month" => match one() {
            Val::Date(d) => {
                crate::bundle::days_to_date(d).map_or(Val::Null, |d| Val::Text(d.format("%Y-%m").to_string()))
            }
            _ => Val::Null,
        },
        "per_year" => match one() {
            Val::Text(t) => per_year(&t).map_or(Val::Null, Val::Num),
            _ => Val::Null,
        },
        "join" => {
            let text = |v: Val| match v {
                Val::Null => String::new(),
                Val::Text(t) => t,
                Val::Num(n) => crate::value::format_number(n),
                Val::Bool(b) => b.to_string(),
                Val::Date(d) => crate::bundle::days_to_date(d).map_or_else(String::new, |d| d.to_string()),
            };
            let sep = text(one());
            let mut joined = String::new();
            for part in (1..n).map(|i| text(arg(i))).filter(|t| !t.is_empty()) {
                if !joined.is_empty() {
                    joined.push_str(&sep);
                }
                joined.push_str(&part);
            }
            Val::Text(joined)
        }
        _ => Val::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Vars;
    impl Env for Vars {
        fn name(&self, name: &str) -> Val {
            match name {
                "a" => Val::Num(3.0),
                "b" => Val::Num(4.0),
                "none" => Val::Null,
                "d" => Val::Date(100),
                "label" => Val::Text("Board of Directors".into()),
                _ => Val::Null,
            }
        }
        fn param(&self, name: &str) -> Val {
            if name == "limit" { Val::Num(0.5) } else { Val::Null }
        }
        fn has(&self, path: &str) -> bool {
            path == "leads.stage"
        }
    }

    fn ev(src: &str) -> Val {
        parse(src).unwrap_or_else(|e| panic!("{src}: {e}")).eval(&Vars)
    }

    #[test]
    fn if_takes_one_arm() {
        assert_eq!(ev("if(a < b, 'less', 'more')"), Val::Text("less".into()));
        assert_eq!(ev("if(none > 1, 1, 2)"), Val::Num(2.0));
        assert_eq!(ev("if(is_null(none), null, a)"), Val::Null);
        assert_eq!(ev("2 * if(a > b, a, b)"), Val::Num(8.0));
    }

    #[test]
    fn arithmetic_logic_and_precedence() {
        assert_eq!(ev("a + b * 2"), Val::Num(11.0));
        assert_eq!(ev("(a + b) * 2"), Val::Num(14.0));
        assert_eq!(ev("a / b < $limit"), Val::Bool(false));
        assert_eq!(ev("a / b >= $limit and not (a > b)"), Val::Bool(true));
        assert_eq!(ev("a > b or b > a"), Val::Bool(true));
        assert_eq!(ev("-a + 1"), Val::Num(-2.0));
        assert_eq!(ev("min(a, b, none)"), Val::Num(3.0));
        assert_eq!(ev("max(a, b) - 1_000"), Val::Num(-996.0));
        assert_eq!(ev("round(2.5) + floor(1.9) + ceil(0.1)"), Val::Num(5.0));
        assert_eq!(ev("has(leads.stage) && !has(leads.sql_date)"), Val::Bool(true));
        assert_eq!(ev("label == 'board of directors'"), Val::Bool(true));
    }

    #[test]
    fn nulls_propagate_like_sql() {
        assert_eq!(ev("none + 1"), Val::Null);
        assert_eq!(ev("none < 1"), Val::Bool(false));
        assert_eq!(ev("none >= 1"), Val::Bool(false));
        assert_eq!(ev("none == null"), Val::Bool(true));
        assert_eq!(ev("none ?? a"), Val::Num(3.0));
        assert_eq!(ev("a / 0"), Val::Null);
        assert_eq!(ev("is_null(a / 0)"), Val::Bool(true));
    }

    #[test]
    fn dates_add_days_and_subtract_to_days() {
        assert_eq!(ev("d - 30"), Val::Date(70));
        assert_eq!(ev("d + 1 > d"), Val::Bool(true));
        assert_eq!(ev("d - (d - 7)"), Val::Num(7.0));
        assert_eq!(ev("days(d - 7, d)"), Val::Num(7.0));
        assert_eq!(ev("month(d)"), Val::Text("1970-04".into()));
    }

    #[test]
    fn cadences_read_as_times_a_year_and_texts_join() {
        assert_eq!(ev("per_year('Monthly')"), Val::Num(12.0));
        assert_eq!(ev("per_year('bi-weekly')"), Val::Num(26.0));
        assert_eq!(ev("per_year('BiMonthly')"), Val::Num(6.0));
        assert_eq!(ev("per_year('semi_annual')"), Val::Num(2.0));
        assert_eq!(ev("per_year('ad hoc')"), Val::Num(0.0));
        assert_eq!(ev("per_year('whenever')"), Val::Null);
        assert_eq!(ev("per_year(none)"), Val::Null);
        assert_eq!(ev("join('; ', 'a', '', none, 'b')"), Val::Text("a; b".into()));
        assert_eq!(ev("join(', ')"), Val::Text(String::new()));
        assert_eq!(
            ev("if(a > b, 'more', join(' ', 'not', 'more'))"),
            Val::Text("not more".into())
        );
        assert_eq!(ev("if(none, 1, 2) + if(a, 10)"), Val::Num(12.0));
        assert_eq!(ev("if(false, 1)"), Val::Null);
    }

    #[test]
    fn if_chooses_one_side() {
        assert_eq!(ev("if(a < b, d, d + 1)"), Val::Date(100));
        assert_eq!(ev("if(none > 1, 'x', 'y')"), Val::Text("y".into()));
        assert_eq!(ev("if(a > b, 1)"), Val::Null);
        assert_eq!(ev("if(a, b / 0, 0) ?? 5"), Val::Num(5.0));
    }

    #[test]
    fn errors_name_the_column() {
        let e = parse("a + * b").unwrap_err();
        assert_eq!((e.message.as_str(), e.at), ("unexpected `*`", 4));
        let e = parse("mni(a, b)").unwrap_err();
        assert!(
            e.message.contains("unknown function `mni`") && e.message.contains("min"),
            "{}",
            e.message
        );
        assert_eq!(
            parse("a < b < 3").unwrap_err().message,
            "comparisons do not chain: write `a < b and b < c`"
        );
        assert_eq!(parse("'open").unwrap_err().at, 0);
        assert_eq!(parse("(a + b").unwrap_err().message, "expected `)`");
        assert_eq!(parse("").unwrap_err().message, "the expression is empty");
    }

    #[test]
    fn names_lists_what_an_expression_reads() {
        let e = parse("share < $fail_below and has(leads.stage) and org.sales_motion == 'smb'").unwrap();
        let (mut names, mut params) = (Vec::new(), Vec::new());
        e.names(&mut names, &mut params);
        assert_eq!(names, ["share", "org.sales_motion"]);
        assert_eq!(params, ["fail_below"]);
    }
}
