//! Row sets shared by all rules of one audit: a filter over a whole dataset
//! (created in the period, marketing-sourced, won, ...) is computed once,
//! and every rule that asks for the same filter again reads the answer.
//!
//! Only filters that depend on nothing but the dataset and values fixed for
//! the whole audit are shared: the period, the pack's vocabularies, and the
//! values a rule's params and expressions resolve to, which are part of the
//! key. A filter over an earlier step's rows, over computed fields, or that
//! reads a row or key set of its plan (`in_rows`, `in_keys`, `follows`) is
//! computed by its rule alone. A shared set is kept as a bitmap (125 KB per
//! million rows), and each rule takes its own list of rows from it.

use crate::rules::bound::BindEnv;
use crate::rules::condition::{Condition, Rhs, value_list};
use crate::rules::select::Mask;
use std::collections::HashMap;
use std::fmt::Write;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

/// One audit's shared row sets, by dataset and filter key. Made for one
/// bundle, period and pack of vocabularies (the key names vocabularies by
/// name): [`crate::eval::evaluate_timed`] makes one per audit.
#[derive(Default)]
pub(crate) struct SharedRows {
    sets: Mutex<HashMap<(String, String), Shared>>,
}

/// A shared set, once computed.
type Shared = Arc<OnceLock<Mask>>;

impl SharedRows {
    /// The rows of `dataset` that `key`'s filter selects, computed by
    /// `select` the first time any rule asks; a rule asking while another
    /// computes it waits for that answer (the computation starts no parallel
    /// work of its own, so the wait always ends).
    pub(crate) fn rows(&self, dataset: &str, key: String, select: impl FnOnce() -> Mask) -> Vec<u32> {
        let cell = {
            let mut sets = self.sets.lock().unwrap_or_else(PoisonError::into_inner);
            Arc::clone(sets.entry((dataset.to_string(), key)).or_default())
        };
        cell.get_or_init(select).rows()
    }
}

/// What decides which rows `c` selects besides the dataset, written out
/// (fields, operators and the values params and expressions resolve to in
/// `env`); None when the filter reads a row or key set of its plan.
pub(crate) fn key(c: &Condition, env: &dyn BindEnv) -> Option<String> {
    let mut out = String::new();
    write_key(c, env, &mut out)?;
    Some(out)
}

fn write_key(c: &Condition, env: &dyn BindEnv, out: &mut String) -> Option<()> {
    // Debug formatting quotes and escapes texts: two keys are equal only
    // when every field, operator and value is.
    let _ = match c {
        Condition::Matches { field, regex } => {
            let regex = regex.resolve(env, |v| crate::rules::bound::param_regex(&v.to_text()));
            write!(
                out,
                "matches({field:?},{:?})",
                regex.as_ref().map(super::pattern::Pattern::as_str)
            )
        }
        Condition::Mentions { field, regex } => {
            let regex = regex.resolve(env, |v| crate::rules::bound::param_regex(&v.to_text()));
            write!(
                out,
                "mentions({field:?},{:?})",
                regex.as_ref().map(super::pattern::Pattern::as_str)
            )
        }
        Condition::OneOf { field, values } => {
            let values = values.resolve(env, |v| Some(value_list(v)));
            write!(out, "one_of({field:?},{values:?})")
        }
        Condition::Compare { field, cmp, value } => {
            let value = value.resolve(env, crate::value::Value::as_f64);
            write!(out, "compare({field:?},{cmp:?},{:?})", value.map(f64::to_bits))
        }
        Condition::Present { field } => write!(out, "present({field:?})"),
        Condition::InPeriod { field } => {
            let p = env.period();
            write!(out, "in_period({field:?},{},{})", p.start, p.end)
        }
        Condition::InVocab { field, vocab } => write!(out, "in_vocab({field:?},{vocab:?})"),
        Condition::Versus { field, cmp, rhs } => match rhs {
            Rhs::Field(other) => write!(out, "versus({field:?},{cmp:?},field {other:?})"),
            Rhs::Expr(e) => write!(out, "versus({field:?},{cmp:?},{:?})", env.value(e)),
        },
        Condition::InRows { .. } | Condition::InKeys { .. } | Condition::Follows { .. } => return None,
        Condition::All(list) | Condition::Any(list) => {
            out.push_str(if matches!(c, Condition::All(_)) { "all[" } else { "any[" });
            for c in list {
                write_key(c, env, out)?;
                out.push(';');
            }
            out.push(']');
            Ok(())
        }
        Condition::Not(c) => {
            out.push_str("not(");
            write_key(c, env, out)?;
            out.push(')');
            Ok(())
        }
    };
    Some(())
}

#[cfg(test)]
mod tests;
