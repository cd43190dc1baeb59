//! What operators and functions compute, NULL propagating as in SQL.

use super::{BinOp, Env, Expr, Val, per_year};
use compact_str::CompactString;

pub(super) fn binary(op: BinOp, a: &Expr, b: &Expr, env: &dyn Env) -> Val {
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

pub(super) fn call(f: &str, args: &[Expr], env: &dyn Env) -> Val {
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
                crate::bundle::days_to_date(d).map_or(Val::Null, |d| Val::Text(d.format("%Y-%m").to_string().into()))
            }
            _ => Val::Null,
        },
        "per_year" => match one() {
            Val::Text(t) => per_year(&t).map_or(Val::Null, Val::Num),
            _ => Val::Null,
        },
        "join" => {
            let text = |v: Val| -> CompactString {
                match v {
                    Val::Null => CompactString::default(),
                    Val::Text(t) => t,
                    Val::Num(n) => crate::value::format_number(n).into(),
                    Val::Bool(b) => b.to_string().into(),
                    Val::Date(d) => {
                        crate::bundle::days_to_date(d).map_or_else(CompactString::default, |d| d.to_string().into())
                    }
                }
            };
            let sep = text(one());
            let mut joined = CompactString::default();
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
