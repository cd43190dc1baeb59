//! The declarative rule language: a `plan:` check names values computed
//! from the bundle (row sets, aggregates, months, groups, lists,
//! expressions), then decides an outcome from them, with the records behind
//! it as findings. A plan is validated when its rule loads, names and fields
//! checked and every error pointed at its line; `run.rs` evaluates it.

mod bind;
mod compile;
mod compile_fields;
mod compile_findings;
mod compile_groups;
mod compile_judge;
mod compile_plan;
mod compile_step;
pub mod expr;
pub mod format;
mod group;
mod join;
mod keysort;
mod lookup;
mod reads;
mod rows;
mod run;
mod table;
#[cfg(test)]
mod testing;

use compile_plan::Compiler;
pub use compile_plan::compilations;
pub use reads::{conditions, reads_and_shown};
pub(crate) use run::run_shared;

use super::condition::{CheckError, Condition, Names, ParamUse, check_expr_names, param_ref};
use super::format::{RawCondition, Threshold};
use super::params::ParamValues;
use crate::bundle::schema::{DatasetSchema, Schema};
use crate::error::suggest;
use crate::rules::Status;
use crate::value::FieldType;
use chrono::NaiveDate;
use expr::{Expr, Val};
use format::{OpenRange, RawComputed, RawPlan, RawStep, RawStepMap};
use indexmap::IndexMap;
use std::collections::BTreeSet;
use std::sync::Arc;

/// Names every expression and message may use besides the plan's own values.
pub const BUILTINS: &[&str] = &[
    "as_of",
    "period_start",
    "period_end",
    "period_days",
    "period_months",
    "elapsed_months",
    "currency",
];

pub fn is_builtin(name: &str) -> bool {
    BUILTINS.contains(&name)
        || name
            .strip_prefix("org.")
            .is_some_and(|f| Schema::get().dataset("org").is_some_and(|s| s.fields.contains_key(f)))
}

/// The built-in dates, as day numbers.
pub fn builtin_date(name: &str, period: &super::condition::Period, as_of: NaiveDate) -> Option<Val> {
    let d = |d: NaiveDate| Some(Val::Date(crate::bundle::date_to_days(d)));
    match name {
        "as_of" => d(as_of),
        "period_start" => d(period.start),
        "period_end" => d(period.end),
        "period_days" => Some(Val::Num(f64::from((period.end - period.start).num_days() as i32 + 1))),
        _ => None,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Agg {
    Count,
    Sum,
    Avg,
    Min,
    Max,
    Distinct,
    Median,
}

/// What a named value holds, known when the plan compiles.
#[derive(Debug, Clone, PartialEq)]
enum Kind {
    /// Rows of this dataset.
    Rows(String),
    /// Keys (months or group values), from rows of this dataset if any.
    Keys(Option<String>),
    Scalar,
}

#[derive(Debug, Clone)]
pub(crate) enum Step {
    Expr(Expr),
    Rows {
        from: String,
        dataset: String,
        filter: Option<Condition>,
        /// A per-row expression, and which of its names are the row's fields.
        test: Option<(Expr, Vec<String>)>,
        /// Fields computed for each kept row, in order.
        with: Vec<ComputedField>,
    },
    Agg {
        agg: Agg,
        from: String,
        dataset: String,
        field: Option<String>,
        filter: Option<Condition>,
    },
    Months {
        from: String,
        dataset: String,
        date: String,
        end: Option<String>,
        open: OpenRange,
        filter: Option<Condition>,
    },
    Groups {
        from: String,
        dataset: String,
        /// One field, or several grouped together (one date with `by_month`).
        by: Vec<String>,
        by_month: bool,
        /// Whether a later step reads the rows of the groups kept
        /// (`rows: { from: <groups> }`): then they are kept with the keys.
        members: bool,
        any: Option<Condition>,
        none: Option<Condition>,
        lets: Vec<GroupLet>,
        having: Option<Expr>,
    },
    /// An aggregate of one value of each group of a key set (`count` alone: its keys).
    KeyAgg {
        agg: Agg,
        from: String,
        field: Option<String>,
    },
    Keys {
        of: String,
        op: Option<(SetOp, String)>,
    },
    List {
        from: String,
        show: Option<String>,
        limit: Option<usize>,
        sort: Option<(String, bool)>,
        sep: String,
        distinct: bool,
    },
    First {
        from: String,
        field: String,
        sort: Option<(String, bool)>,
    },
    /// The row set `then` when `cond` holds, else `otherwise`.
    Pick {
        cond: Expr,
        then: String,
        otherwise: String,
    },
    /// A template rendered to text.
    Text(String),
}

impl Step {
    /// The row conditions of the step.
    fn conditions(&self) -> Vec<&Condition> {
        match self {
            Step::Rows { filter, with, .. } => filter
                .iter()
                .chain(with.iter().filter_map(|f| match &f.how {
                    Computation::Related(l) => l.filter.as_ref(),
                    _ => None,
                }))
                .collect(),
            Step::Agg { filter, .. } | Step::Months { filter, .. } => filter.iter().collect(),
            Step::Groups { any, none, lets, .. } => any
                .iter()
                .chain(none)
                .chain(lets.iter().filter_map(|l| l.filter.as_ref()))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The dataset a step reads, if any.
    fn dataset(&self) -> Option<&str> {
        match self {
            Step::Rows { dataset, .. }
            | Step::Agg { dataset, .. }
            | Step::Months { dataset, .. }
            | Step::Groups { dataset, .. } => Some(dataset),
            _ => None,
        }
    }
}

/// A value computed per group (`let:` of `groups`), over the group's rows
/// that meet `filter`.
#[derive(Debug, Clone)]
pub(crate) struct GroupLet {
    name: String,
    how: GroupHow,
    filter: Option<Condition>,
}

#[derive(Debug, Clone)]
pub(crate) enum GroupHow {
    Agg(Agg, Option<String>),
    First {
        field: String,
        sort: Option<(String, bool)>,
    },
    List {
        show: Option<String>,
        limit: Option<usize>,
        sort: Option<(String, bool)>,
        sep: String,
        distinct: bool,
    },
}

/// A field a `rows` step computes for each of its rows (`with:`).
#[derive(Debug, Clone)]
pub(crate) struct ComputedField {
    name: String,
    ty: FieldType,
    how: Computation,
}

#[derive(Debug, Clone)]
pub(crate) enum Computation {
    /// An expression, with the names in it that are the row's fields.
    Expr(Expr, Vec<String>),
    /// A message template rendered for the row.
    Text(String),
    /// The `field` of the first row of `from` whose `on` equals this row's `key`.
    Lookup {
        from: String,
        dataset: String,
        key: String,
        on: String,
        field: String,
    },
    /// An aggregate over the rows of another set that match this row.
    Related(Box<Related>),
}

/// `with: { x: { sum: { from, field, on, within, where } } }`, compiled.
#[derive(Debug, Clone)]
pub(crate) struct Related {
    agg: Agg,
    from: String,
    dataset: String,
    field: Option<String>,
    filter: Option<Condition>,
    /// (a field of the other rows, a field of this row).
    on: Vec<(String, String)>,
    within: Option<Within>,
}

/// An expression over one row, with the names in it that are the row's fields.
type RowExpr = (Expr, Vec<String>);

/// A lookup's `within:`: the other rows' date field, and this row's range.
#[derive(Debug, Clone)]
pub(crate) struct Within {
    date: String,
    start: RowExpr,
    end: RowExpr,
}

/// A dataset's schema, or a row set's: the dataset's with its computed fields.
#[derive(Clone)]
enum SchemaRef {
    Dataset(&'static DatasetSchema),
    Computed(Arc<DatasetSchema>),
}

impl std::ops::Deref for SchemaRef {
    type Target = DatasetSchema;
    fn deref(&self) -> &DatasetSchema {
        match self {
            SchemaRef::Dataset(s) => s,
            SchemaRef::Computed(s) => s,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SetOp {
    Minus,
    And,
    Or,
}

#[derive(Debug, Clone)]
pub(crate) struct Branch {
    cond: Option<Expr>,
    status: Status,
    message: String,
    threshold: Option<Expr>,
    value: Option<(Expr, String)>,
}

/// What decides when no branch of `outcome` does.
#[derive(Debug, Clone)]
pub(crate) enum Body {
    /// The last branch has no `if`: nothing else decides.
    Branches,
    Thresholds {
        fail_below: Option<Expr>,
        warn_below: Option<Expr>,
        fail_above: Option<Expr>,
        warn_above: Option<Expr>,
        message: String,
    },
    Parts(Vec<Judge>),
}

#[derive(Debug, Clone)]
pub(crate) struct FindingSpec {
    from: Option<String>,
    message: String,
    cond: Option<Expr>,
    limit: Option<usize>,
    sort: Option<(String, bool)>,
    /// Fields looked up for the findings shown (`with:`).
    shown: Vec<ShownLookup>,
}

/// `name: { lookup: { from, on: { on: key }, field } }` of a finding: `key`
/// is a field of the finding's rows, or a value of its groups (or `key`).
#[derive(Debug, Clone)]
pub(crate) struct ShownLookup {
    name: String,
    from: String,
    dataset: String,
    key: String,
    on: String,
    field: String,
}

impl Judge {
    /// Whether a finding of this judge or of its parts looks a field up.
    fn looks_up(&self) -> bool {
        self.findings.iter().any(|f| !f.shown.is_empty())
            || matches!(&self.body, Body::Parts(parts) if parts.iter().any(Judge::looks_up))
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Judge {
    name: Option<String>,
    /// The amount at stake (an expression) and its label template.
    at_stake: Option<(Expr, String)>,
    when: Option<(Expr, String)>,
    min_sample: Option<(Expr, Expr, String)>,
    branches: Vec<Branch>,
    body: Body,
    value: Option<(Expr, String)>,
    threshold: Option<Expr>,
    findings: Vec<FindingSpec>,
}

/// A compiled plan. It is compiled once, when its rule loads, and run with
/// each audit's param values: expressions read `$param` as they run, and
/// conditions bind theirs when bound for a pass.
#[derive(Debug, Clone)]
pub struct Plan {
    lets: Vec<(String, Step)>,
    root: Judge,
    /// The params its conditions bind at run time, and what each must be.
    param_uses: Vec<(String, ParamUse)>,
}

/// A row's number in a row set: four bytes, not eight (a million-row set is
/// 4 MB). Text columns already address their text in 32 bits, so no loaded
/// dataset comes near `u32::MAX` rows.
pub(crate) fn row_id(row: usize) -> u32 {
    u32::try_from(row).unwrap_or(u32::MAX)
}
