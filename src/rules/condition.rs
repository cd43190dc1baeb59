//! Row conditions (`where`, `flag`): compiled once per audit with the params
//! in force, then tested against rows straight from the typed columns.
//!
//! A missing value matches no value: `equals`, `in`, `matches`, `gt`… are
//! false on it, and each `not_*` operator is the exact negation of its pair.

use super::format::{Operand, RawCondition, Threshold};
use super::params::ParamValues;
use super::pattern::Pattern;
use super::plan::expr::{self, Expr};
use crate::bundle::schema::DatasetSchema;
use crate::error::suggest;
use crate::value::{FieldType, Value};
use chrono::NaiveDate;

mod compile;
mod field_test;
#[cfg(test)]
mod tests;

pub use compile::check_expr_names;

/// A problem in a check, located by a piece of text to find in the rule file.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckError {
    pub message: String,
    /// Text in the rule file to point at.
    pub needle: String,
    pub help: Option<String>,
    /// Where below `check:` the error was found (`plan`, `let`, `dated`): the
    /// needle is looked for there first, not at its first use in the file.
    pub scope: Vec<String>,
}

impl CheckError {
    pub fn new(message: impl Into<String>, needle: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            needle: needle.into(),
            help: None,
            scope: Vec::new(),
        }
    }
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    Gt,
    Gte,
    Lt,
    Lte,
}

/// A value a condition compares with: written in the rule, or a param's,
/// bound when the condition is bound for a pass (a plan is compiled once,
/// with the params' defaults, and each audit supplies its own values).
#[derive(Debug, Clone)]
pub enum ParamOr<T> {
    Fixed(T),
    Param(String),
}

/// What a param bound at run time must be, for [`param_uses`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamUse {
    Regex,
    Number,
    List,
}

#[derive(Debug, Clone)]
pub enum Condition {
    Matches {
        field: String,
        regex: ParamOr<Pattern>,
    },
    OneOf {
        field: String,
        values: ParamOr<Vec<String>>,
    },
    Compare {
        field: String,
        cmp: Cmp,
        value: ParamOr<f64>,
    },
    Present {
        field: String,
    },
    InPeriod {
        field: String,
    },
    /// The text (or a list item) is a term of a vocabulary.
    InVocab {
        field: String,
        vocab: String,
    },
    /// A regex over the text with separators and camelCase read as spaces.
    Mentions {
        field: String,
        regex: ParamOr<Pattern>,
    },
    /// The text (or a list item) is among the values of `fields` in a row set.
    InRows {
        field: String,
        from: String,
        fields: Vec<String>,
        or_vocab: Option<String>,
    },
    /// The value (a date: its month) is a key of a key set of the plan.
    InKeys {
        field: String,
        keys: String,
        month: bool,
    },
    /// The date is later than the same field in some row of a row set (less
    /// than `within` days later than the latest of them, when set).
    Follows {
        field: String,
        from: String,
        within: Option<ParamOr<f64>>,
    },
    /// A number or date compared with an expression or another field.
    Versus {
        field: String,
        cmp: Cmp,
        rhs: Rhs,
    },
    All(Vec<Condition>),
    Any(Vec<Condition>),
    Not(Box<Condition>),
}

/// The right side of [`Condition::Versus`].
#[derive(Debug, Clone)]
pub enum Rhs {
    Expr(Expr),
    Field(String),
}

/// What a condition may refer to besides the dataset's fields and params:
/// the plan's named values and the pack's vocabularies.
#[derive(Default, Clone, Copy)]
pub struct Names<'a> {
    /// Named row sets and their dataset (for `in_rows`).
    pub row_sets: &'a [(String, String)],
    /// `groups` steps and the dataset of the rows they group: `in_rows`
    /// reads the rows of the groups one keeps.
    pub group_rows: &'a [(String, String)],
    /// The `groups` steps whose kept rows are read as a row set, noted as
    /// conditions are compiled (so those steps keep their rows).
    pub members_read: Option<&'a std::cell::RefCell<Vec<String>>>,
    /// Every named value (for expressions).
    pub values: &'a [String],
    /// Known vocabularies (None: not checked here).
    pub vocabs: Option<&'a std::collections::BTreeSet<String>>,
    /// Whether plan-only operators (expressions, row sets) are allowed;
    /// inside a plan, params are also bound at run time ([`ParamOr`]).
    pub in_plan: bool,
}

/// The audited period, inclusive.
#[derive(Debug, Clone, Copy)]
pub struct Period {
    pub start: NaiveDate,
    pub end: NaiveDate,
}

impl Period {
    pub fn contains(&self, d: NaiveDate) -> bool {
        self.start <= d && d <= self.end
    }
}

/// The params a condition binds at run time, and what each must be.
pub fn param_uses(c: &Condition, out: &mut Vec<(String, ParamUse)>) {
    match c {
        Condition::Matches {
            regex: ParamOr::Param(p),
            ..
        }
        | Condition::Mentions {
            regex: ParamOr::Param(p),
            ..
        } => out.push((p.clone(), ParamUse::Regex)),
        Condition::OneOf {
            values: ParamOr::Param(p),
            ..
        } => out.push((p.clone(), ParamUse::List)),
        Condition::Compare {
            value: ParamOr::Param(p),
            ..
        }
        | Condition::Follows {
            within: Some(ParamOr::Param(p)),
            ..
        } => out.push((p.clone(), ParamUse::Number)),
        Condition::All(list) | Condition::Any(list) => list.iter().for_each(|c| param_uses(c, out)),
        Condition::Not(c) => param_uses(c, out),
        _ => {}
    }
}

/// A param's value as a list to match: a list, or one value.
pub fn value_list(value: &Value) -> Vec<String> {
    match value {
        Value::List(items) => items.clone(),
        Value::Null => Vec::new(),
        other => vec![other.to_text()],
    }
}

/// `$name` -> the name, when a string refers to a param.
pub fn param_ref(s: &str) -> Option<&str> {
    s.strip_prefix('$').filter(|n| !n.is_empty() && !n.starts_with('$'))
}

fn lookup<'a>(name: &str, params: &'a ParamValues) -> Result<&'a Value, CheckError> {
    params.get(name).ok_or_else(|| {
        let known: Vec<&str> = params.keys().map(String::as_str).collect();
        CheckError::new(
            format!("param `${name}` is used but not declared under `params:`"),
            format!("${name}"),
        )
        .help(if known.is_empty() {
            format!("declare it:\nparams:\n  {name}:\n    default: …")
        } else {
            suggest(name, &known)
        })
    })
}

pub fn text_param(s: &str, params: &ParamValues) -> Result<String, CheckError> {
    match param_ref(s) {
        Some(name) => Ok(lookup(name, params)?.to_text()),
        None => Ok(s
            .strip_prefix("$$")
            .map_or_else(|| s.to_string(), |rest| format!("${rest}"))),
    }
}

pub fn number_param(t: &Threshold, params: &ParamValues) -> Result<f64, CheckError> {
    match t {
        Threshold::Number(n) => Ok(*n),
        Threshold::Param(s) => {
            let Some(name) = param_ref(s) else {
                return Err(CheckError::new(
                    format!("`{s}` is not a number or a `$param`"),
                    s.clone(),
                ));
            };
            lookup(name, params)?
                .as_f64()
                .ok_or_else(|| CheckError::new(format!("param `${name}` must be a number here"), s.clone()))
        }
    }
}

fn list_param(v: &crate::yaml::Value, params: &ParamValues) -> Result<Vec<String>, CheckError> {
    let value = match v {
        crate::yaml::Value::String(s) if param_ref(s).is_some() => {
            lookup(param_ref(s).expect("checked"), params)?.clone()
        }
        other => super::params::yaml_to_value(other).map_err(|e| CheckError::new(e, "in:"))?,
    };
    Ok(value_list(&value))
}
