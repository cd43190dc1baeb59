//! The declarative rule language: a `plan:` check names values computed
//! from the bundle (row sets, aggregates, months, groups, lists,
//! expressions), then decides an outcome from them, with the records behind
//! it as findings. A plan is validated when its rule loads, names and fields
//! checked and every error pointed at its line; `run.rs` evaluates it.

mod bind;
pub mod expr;
pub mod format;
mod group;
mod join;
mod lookup;
mod reads;
mod rows;
mod run;
mod table;

pub use reads::{conditions, reads};
pub use run::run;

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
        by: String,
        by_month: bool,
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

/// How many plans this process has compiled: a test that an audit with
/// other params than the defaults runs the plan compiled at load.
static COMPILED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

#[doc(hidden)]
pub fn compilations() -> usize {
    COMPILED.load(std::sync::atomic::Ordering::Relaxed)
}

struct Compiler<'a> {
    params: &'a ParamValues,
    vocabs: Option<&'a BTreeSet<String>>,
    kinds: Vec<(String, Kind)>,
    value_names: Vec<String>,
    /// The values computed per group (`let:` of every `groups`, and
    /// `count`): a key's template may show them.
    group_values: Vec<String>,
    /// Each key set of groups, and the values computed per group.
    key_values: Vec<(String, Vec<String>)>,
    row_sets: Vec<(String, String)>,
    /// Row sets with computed fields, and their schema with those fields.
    schemas: Vec<(String, Arc<DatasetSchema>)>,
    /// The types of the plan's single values, for computed fields that use them.
    scalar_types: Vec<(String, FieldType)>,
    /// Where in the plan the compiler is (`plan`, `outcome`, `1`): an error
    /// found there is pointed at that node of the file, its words looked for
    /// inside it only.
    at: Vec<String>,
    errors: Vec<CheckError>,
}

impl Compiler<'_> {
    fn error(&mut self, mut e: CheckError) {
        if e.scope.is_empty() {
            e.scope = self.at.clone();
        }
        self.errors.push(e);
    }

    /// The scope below the judge at `base`: `base` + `keys`.
    fn at_in(&mut self, base: &[String], keys: &[&str]) {
        self.at = base.iter().cloned().chain(keys.iter().map(|k| k.to_string())).collect();
    }

    fn names(&self) -> Names<'_> {
        Names {
            row_sets: &self.row_sets,
            values: &self.value_names,
            vocabs: self.vocabs,
            in_plan: true,
        }
    }

    /// A template shown per key of a key set: `{key}` and, for groups, the
    /// values computed per group (`{count}`, `{won}`).
    fn key_template(&mut self, template: &str) {
        let before = self.value_names.len();
        self.value_names.push("key".into());
        self.value_names.extend(self.group_values.clone());
        self.message(template);
        self.value_names.truncate(before);
    }

    fn expr(&mut self, src: &str) -> Option<Expr> {
        match expr::parse(src) {
            Ok(e) => match check_expr_names(&e, src, self.params, &self.names()) {
                Ok(()) if self.vocab_calls(&e, src) => Some(e),
                Ok(()) => None,
                Err(err) => {
                    self.error(err);
                    None
                }
            },
            Err(e) => {
                self.error(
                    CheckError::new(format!("in `{src}`: {} (column {})", e.message, e.at + 1), src)
                        .help("expressions: + - * /, < <= > >= == !=, and, or, not, ??, functions min, max, abs, round, days, has, is_null, month"),
                );
                None
            }
        }
    }

    /// Each `in_vocab(x, 'name')` names a vocabulary of the pack, as a text.
    fn vocab_calls(&mut self, e: &Expr, src: &str) -> bool {
        match e {
            Expr::Call(f, args) if f == "in_vocab" => {
                let known = |v: &str| self.vocabs.is_none_or(|k| k.contains(v));
                match args.as_slice() {
                    [x, Expr::Lit(Val::Text(v))] if known(v) => self.vocab_calls(x, src),
                    [_, Expr::Lit(Val::Text(v))] => {
                        let names: Vec<&str> = self.vocabs.into_iter().flatten().map(String::as_str).collect();
                        let help = suggest(v, &names);
                        self.error(
                            CheckError::new(format!("in `{src}`: no vocabulary is called `{v}`"), src).help(help),
                        );
                        false
                    }
                    _ => {
                        self.error(CheckError::new(
                            format!("in `{src}`: `in_vocab` takes a value and a vocabulary's name in quotes, e.g. in_vocab(metric, 'market_share_metric')"),
                            src,
                        ));
                        false
                    }
                }
            }
            Expr::Call(_, args) => args.iter().all(|a| self.vocab_calls(a, src)),
            Expr::Neg(x) | Expr::Not(x) => self.vocab_calls(x, src),
            Expr::Bin(_, a, b) => self.vocab_calls(a, src) && self.vocab_calls(b, src),
            Expr::Lit(_) | Expr::Name(_) | Expr::Param(_) => true,
        }
    }

    /// An expression over one row: the dataset's fields are names too (they
    /// win over plan values of the same name). Returns the fields it reads.
    fn row_expr(&mut self, src: &str, schema: &DatasetSchema) -> Option<(Expr, Vec<String>)> {
        self.row_expr_with(src, schema, &[])
    }

    /// [`Compiler::row_expr`] with the fields a `with:` computed before this one.
    fn row_expr_with(
        &mut self,
        src: &str,
        schema: &DatasetSchema,
        extra: &[(String, FieldType)],
    ) -> Option<(Expr, Vec<String>)> {
        let before = self.value_names.len();
        self.value_names.extend(schema.fields.keys().cloned());
        self.value_names.extend(extra.iter().map(|(n, _)| n.clone()));
        let e = self.expr(src);
        self.value_names.truncate(before);
        let e = e?;
        let (mut used, mut params) = (Vec::new(), Vec::new());
        e.names(&mut used, &mut params);
        let mut fields: Vec<String> = used
            .into_iter()
            .filter(|n| schema.fields.contains_key(*n) || extra.iter().any(|(x, _)| x == n))
            .map(str::to_string)
            .collect();
        fields.sort();
        fields.dedup();
        Some((e, fields))
    }

    fn threshold(&mut self, t: &Threshold) -> Option<Expr> {
        match t {
            Threshold::Number(n) => Some(Expr::Lit(Val::Num(*n))),
            Threshold::Param(s) => self.expr(s),
        }
    }

    /// The dataset behind `from`: a named row set, or a dataset of the schema.
    fn source(&mut self, from: &str, what: &str) -> Option<(String, SchemaRef)> {
        if let Some((_, s)) = self.schemas.iter().find(|(n, _)| n == from) {
            let ds = self.row_sets.iter().find(|(n, _)| n == from).map(|(_, d)| d.clone())?;
            return Some((ds, SchemaRef::Computed(Arc::clone(s))));
        }
        let ds = match self.kinds.iter().find(|(n, _)| n == from) {
            Some((_, Kind::Rows(ds))) => ds.clone(),
            Some(_) => {
                self.error(CheckError::new(
                    format!("`{what}` needs rows, and `{from}` is not a row set"),
                    from,
                ));
                return None;
            }
            None => from.to_string(),
        };
        match Schema::get().dataset(&ds) {
            Some(s) => Some((ds, SchemaRef::Dataset(s))),
            None => {
                let mut known: Vec<&str> = self.row_sets.iter().map(|(n, _)| n.as_str()).collect();
                known.extend(Schema::get().dataset_names());
                self.error(
                    CheckError::new(format!("`{from}` is neither a row set of the plan nor a dataset"), from)
                        .help(suggest(from, &known)),
                );
                None
            }
        }
    }

    fn field(&mut self, schema: &DatasetSchema, ds: &str, field: &str, want: Option<FieldType>) -> bool {
        match schema.fields.get(field) {
            None => {
                self.error(
                    CheckError::new(format!("dataset `{ds}` has no field `{field}`"), field)
                        .help(suggest(field, &schema.field_names())),
                );
                false
            }
            Some(f) => match want {
                Some(FieldType::Date) if f.ty != FieldType::Date => {
                    self.error(CheckError::new(format!("`{ds}.{field}` is not a date"), field));
                    false
                }
                Some(FieldType::Number)
                    if !matches!(f.ty, FieldType::Number | FieldType::Percent | FieldType::Bool) =>
                {
                    self.error(CheckError::new(format!("`{ds}.{field}` is not a number"), field));
                    false
                }
                _ => true,
            },
        }
    }

    /// A condition of the step being compiled, written under `keys` in it
    /// (`rows, where`): an error points inside that condition.
    fn cond(
        &mut self,
        raw: Option<&RawCondition>,
        schema: &DatasetSchema,
        ds: &str,
        keys: &[&str],
    ) -> Option<Condition> {
        let raw = raw?;
        match Condition::compile_in(raw, schema, ds, self.params, &self.names()) {
            Ok(c) => Some(c),
            Err(mut e) => {
                let path: Vec<String> = self
                    .at
                    .iter()
                    .cloned()
                    .chain(keys.iter().map(|k| k.to_string()))
                    .collect();
                e.scope.splice(0..0, path);
                self.error(e);
                None
            }
        }
    }

    fn keys_name(&mut self, name: &str) {
        let ok = matches!(name, "period_months" | "elapsed_months")
            || self.kinds.iter().any(|(n, k)| n == name && matches!(k, Kind::Keys(_)));
        if !ok {
            let known: Vec<&str> = self
                .kinds
                .iter()
                .filter(|(_, k)| matches!(k, Kind::Keys(_)))
                .map(|(n, _)| n.as_str())
                .chain(["period_months", "elapsed_months"])
                .collect();
            self.error(
                CheckError::new(format!("`{name}` is not a set of months or groups"), name).help(suggest(name, &known)),
            );
        }
    }

    fn step(&mut self, name: &str, raw: &RawStep) -> Option<(Step, Kind)> {
        let m = match raw {
            RawStep::Expr(s) => return Some((Step::Expr(self.expr(s)?), Kind::Scalar)),
            RawStep::Number(n) => return Some((Step::Expr(Expr::Lit(Val::Num(*n))), Kind::Scalar)),
            RawStep::Step(m) => m,
        };
        let keys = step_keys(m);
        if keys.len() != 1 {
            self.error(CheckError::new(
                format!(
                    "`{name}` needs exactly one of rows, count, sum, avg, min, max, median, distinct, months, groups, keys, list, first, pick, text; found {}",
                    if keys.is_empty() { "none".to_string() } else { keys.join(", ") }
                ),
                format!("{name}:"),
            ));
            return None;
        }
        if let Some(r) = &m.rows {
            let (ds, schema) = self.source(&r.from, "rows")?;
            let filter = self.cond(r.filter.as_ref(), &schema, &ds, &["rows", "where"]);
            let test = match &r.test {
                Some(t) => Some(self.row_expr(t, &schema)?),
                None => None,
            };
            let with = self.computed(&r.with, &schema, &ds);
            // The row set's own schema: its source's, with the fields computed here.
            let own = if with.is_empty() {
                schema
            } else {
                let extra: Vec<(String, FieldType)> = with.iter().map(|f| (f.name.clone(), f.ty)).collect();
                SchemaRef::Computed(Arc::new(table::extend_schema(&schema, &extra)))
            };
            if let SchemaRef::Computed(s) = own {
                self.schemas.push((name.to_string(), s));
            }
            return Some((
                Step::Rows {
                    from: r.from.clone(),
                    dataset: ds.clone(),
                    filter,
                    test,
                    with,
                },
                Kind::Rows(ds),
            ));
        }
        let aggs = [
            (Agg::Count, &m.count),
            (Agg::Sum, &m.sum),
            (Agg::Avg, &m.avg),
            (Agg::Min, &m.min),
            (Agg::Max, &m.max),
            (Agg::Distinct, &m.distinct),
            (Agg::Median, &m.median),
        ];
        if let Some((agg, a)) = aggs.into_iter().find_map(|(k, a)| a.as_ref().map(|a| (k, a))) {
            if let Some(own) = self
                .key_values
                .iter()
                .find(|(n, _)| *n == a.from)
                .map(|(_, v)| v.clone())
            {
                return self.key_agg(name, keys[0], agg, a, &own);
            }
            let (ds, schema) = self.source(&a.from, keys[0])?;
            match (&a.field, agg) {
                (Some(f), Agg::Count | Agg::Distinct) => {
                    self.field(&schema, &ds, f, None);
                }
                (Some(f), _) => {
                    self.field(&schema, &ds, f, Some(FieldType::Number));
                }
                (None, Agg::Count) => {}
                (None, _) => self.error(CheckError::new(
                    format!("`{}` needs a `field`", keys[0]),
                    format!("{name}:"),
                )),
            }
            let filter = self.cond(a.filter.as_ref(), &schema, &ds, &[keys[0], "where"]);
            return Some((
                Step::Agg {
                    agg,
                    from: a.from.clone(),
                    dataset: ds,
                    field: a.field.clone(),
                    filter,
                },
                Kind::Scalar,
            ));
        }
        if let Some(mo) = &m.months {
            let (ds, schema) = self.source(&mo.from, "months")?;
            self.field(&schema, &ds, &mo.date, Some(FieldType::Date));
            if let Some(e) = &mo.end {
                self.field(&schema, &ds, e, Some(FieldType::Date));
            }
            let filter = self.cond(mo.filter.as_ref(), &schema, &ds, &["months", "where"]);
            return Some((
                Step::Months {
                    from: mo.from.clone(),
                    dataset: ds.clone(),
                    date: mo.date.clone(),
                    end: mo.end.clone(),
                    open: mo.open.unwrap_or(OpenRange::StartMonth),
                    filter,
                },
                Kind::Keys(Some(ds)),
            ));
        }
        if let Some(g) = &m.groups {
            let (ds, schema) = self.source(&g.from, "groups")?;
            let (by, by_month) = match (&g.by, &g.by_month) {
                (Some(f), None) => {
                    self.field(&schema, &ds, f, None);
                    (f.clone(), false)
                }
                (None, Some(f)) => {
                    self.field(&schema, &ds, f, Some(FieldType::Date));
                    (f.clone(), true)
                }
                _ => {
                    self.error(CheckError::new(
                        "`groups` needs exactly one of `by`, `by_month`",
                        format!("{name}:"),
                    ));
                    return None;
                }
            };
            let any = self.cond(g.any.as_ref(), &schema, &ds, &["groups", "any"]);
            let none = self.cond(g.none.as_ref(), &schema, &ds, &["groups", "none"]);
            let mut lets: Vec<GroupLet> = Vec::new();
            for (n, a) in &g.lets {
                if let Some(l) = self.group_let(n, a, &schema, &ds) {
                    lets.push(l);
                }
            }
            self.group_values.extend(lets.iter().map(|l| l.name.clone()));
            let mut own: Vec<String> = vec!["count".into()];
            own.extend(lets.iter().map(|l| l.name.clone()));
            self.key_values.push((name.to_string(), own));
            let having = match &g.having {
                Some(h) => {
                    // A group's own values are names in `having`.
                    let before = self.value_names.len();
                    self.value_names.extend(lets.iter().map(|l| l.name.clone()));
                    self.value_names.push("count".into());
                    let e = self.expr(h);
                    self.value_names.truncate(before);
                    Some(e?)
                }
                None => None,
            };
            return Some((
                Step::Groups {
                    from: g.from.clone(),
                    dataset: ds.clone(),
                    by,
                    by_month,
                    any,
                    none,
                    lets,
                    having,
                },
                Kind::Keys(Some(ds)),
            ));
        }
        if let Some(k) = &m.keys {
            self.keys_name(&k.of);
            let ops = [(SetOp::Minus, &k.minus), (SetOp::And, &k.and), (SetOp::Or, &k.or)];
            let ops: Vec<(SetOp, &String)> = ops
                .into_iter()
                .filter_map(|(o, n)| n.as_ref().map(|n| (o, n)))
                .collect();
            if ops.len() > 1 {
                self.error(CheckError::new(
                    "`keys` takes one of `minus`, `and`, `or`",
                    format!("{name}:"),
                ));
            }
            let op = ops.first().map(|(o, n)| (*o, (*n).clone()));
            if let Some((_, n)) = &op {
                self.keys_name(n);
            }
            let ds = self
                .kinds
                .iter()
                .find(|(n, _)| *n == k.of)
                .and_then(|(_, kind)| match kind {
                    Kind::Keys(ds) => ds.clone(),
                    _ => None,
                });
            if let Some(own) = self.key_values.iter().find(|(n, _)| *n == k.of).map(|(_, v)| v.clone()) {
                self.key_values.push((name.to_string(), own));
            }
            return Some((Step::Keys { of: k.of.clone(), op }, Kind::Keys(ds)));
        }
        if let Some(l) = &m.list {
            let is_keys = matches!(l.from.as_str(), "period_months" | "elapsed_months")
                || self
                    .kinds
                    .iter()
                    .any(|(n, k)| *n == l.from && matches!(k, Kind::Keys(_)));
            if is_keys {
                if let Some(show) = &l.show {
                    self.key_template(show);
                }
            } else {
                let (ds, schema) = self.source(&l.from, "list")?;
                if let Some(s) = &l.sort_by {
                    self.field(&schema, &ds, s, None);
                }
                if let Some(show) = &l.show {
                    self.row_template(show, &schema, &ds);
                }
            }
            return Some((
                Step::List {
                    from: l.from.clone(),
                    show: l.show.clone(),
                    limit: l.limit,
                    sort: l.sort_by.clone().map(|s| (s, l.desc)),
                    sep: l.sep.clone().unwrap_or_else(|| ", ".into()),
                    distinct: l.distinct,
                },
                Kind::Scalar,
            ));
        }
        if let Some(p) = &m.pick {
            let cond = self.expr(&p.cond);
            let mut dataset = None;
            for set in [&p.then, &p.otherwise] {
                match self.kinds.iter().find(|(n, _)| n == set) {
                    Some((_, Kind::Rows(ds))) if dataset.as_ref().is_none_or(|d| d == ds) => dataset = Some(ds.clone()),
                    Some((_, Kind::Rows(_))) => self.error(CheckError::new(
                        format!(
                            "`pick` chooses between row sets of one dataset; `{}` and `{}` are not",
                            p.then, p.otherwise
                        ),
                        set.clone(),
                    )),
                    _ => {
                        let known: Vec<&str> = self.row_sets.iter().map(|(n, _)| n.as_str()).collect();
                        self.error(
                            CheckError::new(
                                format!("`pick` needs row sets of the plan; `{set}` is not one"),
                                set.clone(),
                            )
                            .help(suggest(set, &known)),
                        );
                    }
                }
            }
            // A pick of two row sets with the same computed fields has them too.
            let computed_of = |n: &str| self.schemas.iter().find(|(x, _)| x == n).map(|(_, s)| Arc::clone(s));
            if let (Some(a), Some(b)) = (computed_of(&p.then), computed_of(&p.otherwise))
                && a.fields.keys().eq(b.fields.keys())
            {
                self.schemas.push((name.to_string(), a));
            }
            return Some((
                Step::Pick {
                    cond: cond?,
                    then: p.then.clone(),
                    otherwise: p.otherwise.clone(),
                },
                Kind::Rows(dataset?),
            ));
        }
        if let Some(t) = &m.text {
            self.message(t);
            return Some((Step::Text(t.clone()), Kind::Scalar));
        }
        let f = m.first.as_ref().expect("one key is set");
        let (ds, schema) = self.source(&f.from, "first")?;
        if self.field(&schema, &ds, &f.field, None) {
            self.scalar_types.push((name.to_string(), schema.fields[&f.field].ty));
        }
        if let Some(s) = &f.sort_by {
            self.field(&schema, &ds, s, None);
        }
        Some((
            Step::First {
                from: f.from.clone(),
                field: f.field.clone(),
                sort: f.sort_by.clone().map(|s| (s, f.desc)),
            },
            Kind::Scalar,
        ))
    }

    /// An aggregate over a key set of groups: of one value computed per
    /// group (`sum: { from: over, field: excess }`), or its keys (`count`).
    fn key_agg(
        &mut self,
        name: &str,
        kind: &str,
        agg: Agg,
        a: &format::RawAgg,
        own: &[String],
    ) -> Option<(Step, Kind)> {
        if a.filter.is_some() {
            self.error(CheckError::new(
                format!(
                    "`{kind}` over the groups of `{}` takes no `where`: filter the groups with `having`",
                    a.from
                ),
                "where:",
            ));
            return None;
        }
        match &a.field {
            Some(f) if !own.contains(f) => {
                let known: Vec<&str> = own.iter().map(String::as_str).collect();
                self.error(
                    CheckError::new(format!("the groups of `{}` compute no value `{f}`", a.from), f.clone())
                        .help(suggest(f, &known)),
                );
                return None;
            }
            None if agg != Agg::Count => {
                self.error(CheckError::new(format!("`{kind}` needs a `field`"), format!("{name}:")));
                return None;
            }
            _ => {}
        }
        Some((
            Step::KeyAgg {
                agg,
                from: a.from.clone(),
                field: a.field.clone(),
            },
            Kind::Scalar,
        ))
    }

    /// One value of `groups`' `let:`: an aggregate, the `first` value of a
    /// field, or a `list` of the group's rows.
    fn group_let(&mut self, n: &str, a: &format::RawGroupAgg, schema: &DatasetSchema, ds: &str) -> Option<GroupLet> {
        let aggs = [
            (Agg::Count, &a.count, "count"),
            (Agg::Sum, &a.sum, "sum"),
            (Agg::Avg, &a.avg, "avg"),
            (Agg::Min, &a.min, "min"),
            (Agg::Max, &a.max, "max"),
        ];
        let found = aggs.iter().filter(|(_, f, _)| f.is_some()).count()
            + usize::from(a.first.is_some())
            + usize::from(a.list.is_some());
        if found != 1 {
            self.error(CheckError::new(
                format!("group value `{n}` needs exactly one of count, sum, avg, min, max, first, list"),
                format!("{n}:"),
            ));
            return None;
        }
        let sort_field = |c: &mut Self, s: &Option<String>, desc: bool| {
            s.as_ref().map(|s| {
                c.field(schema, ds, s, None);
                (s.clone(), desc)
            })
        };
        if let Some(f) = &a.first {
            self.field(schema, ds, &f.field, None);
            let sort = sort_field(self, &f.sort_by, f.desc);
            let filter = self.cond(f.filter.as_ref(), schema, ds, &["groups", "let", n, "first", "where"]);
            return Some(GroupLet {
                name: n.to_string(),
                how: GroupHow::First {
                    field: f.field.clone(),
                    sort,
                },
                filter,
            });
        }
        if let Some(l) = &a.list {
            if let Some(show) = &l.show {
                self.row_template(show, schema, ds);
            }
            let sort = sort_field(self, &l.sort_by, l.desc);
            let filter = self.cond(l.filter.as_ref(), schema, ds, &["groups", "let", n, "list", "where"]);
            return Some(GroupLet {
                name: n.to_string(),
                how: GroupHow::List {
                    show: l.show.clone(),
                    limit: l.limit,
                    sort,
                    sep: l.sep.clone().unwrap_or_else(|| ", ".into()),
                    distinct: l.distinct,
                },
                filter,
            });
        }
        let (agg, f, kind) = aggs
            .into_iter()
            .find_map(|(k, f, kind)| f.as_ref().map(|f| (k, f, kind)))?;
        if let Some(field) = &f.field {
            let want = (agg != Agg::Count).then_some(FieldType::Number);
            self.field(schema, ds, field, want);
        }
        let filter = self.cond(f.filter.as_ref(), schema, ds, &["groups", "let", n, kind, "where"]);
        Some(GroupLet {
            name: n.to_string(),
            how: GroupHow::Agg(agg, f.field.clone()),
            filter,
        })
    }

    /// The fields of a `with:`, in order: each name is new to the row set,
    /// and each value may use the row's fields and the fields before it.
    fn computed(
        &mut self,
        raw: &IndexMap<String, RawComputed>,
        schema: &DatasetSchema,
        ds: &str,
    ) -> Vec<ComputedField> {
        let mut out: Vec<ComputedField> = Vec::new();
        let mut extra: Vec<(String, FieldType)> = Vec::new();
        let outer = self.at.clone();
        for (name, c) in raw {
            self.at_in(&outer, &["rows", "with", name]);
            if schema.fields.contains_key(name) || extra.iter().any(|(n, _)| n == name) {
                self.error(
                    CheckError::new(
                        format!("`{name}` is already a field of this row set of `{ds}`: give the computed field another name"),
                        format!("{name}:"),
                    )
                    .help("a computed field may not hide a field of the data"),
                );
                continue;
            }
            let compiled = match c {
                RawComputed::Number(n) => Some((
                    Computation::Expr(Expr::Lit(Val::Num(*n)), Vec::new()),
                    FieldType::Number,
                )),
                RawComputed::Expr(src) => self.row_expr_with(src, schema, &extra).map(|(e, fields)| {
                    let ty = table::infer(&e, &|n| {
                        schema
                            .fields
                            .get(n)
                            .map(|f| f.ty)
                            .or_else(|| extra.iter().find(|(x, _)| x == n).map(|(_, t)| *t))
                            .or_else(|| self.scalar_types.iter().find(|(x, _)| x == n).map(|(_, t)| *t))
                    });
                    (Computation::Expr(e, fields), ty)
                }),
                RawComputed::Text(t) => {
                    let extended = table::extend_schema(schema, &extra);
                    self.row_template(&t.text, &extended, ds);
                    Some((Computation::Text(t.text.clone()), FieldType::Text))
                }
                RawComputed::Lookup(l) => self.lookup(&l.lookup, schema, ds, &extra),
                RawComputed::Related(l) => self
                    .related(name, l, schema, &extra)
                    .map(|l| (Computation::Related(Box::new(l)), FieldType::Number)),
            };
            // Named even when broken, so later uses do not repeat the error.
            let ty = compiled.as_ref().map_or(FieldType::Text, |(_, t)| *t);
            extra.push((name.clone(), ty));
            if let Some((how, ty)) = compiled {
                out.push(ComputedField {
                    name: name.clone(),
                    ty,
                    how,
                });
            }
        }
        self.at = outer;
        out
    }

    /// `{ lookup: { from, on: { other: key }, field } }`: this row's `key`
    /// (a field, or one computed before) is matched to `other` in `from`.
    fn lookup(
        &mut self,
        l: &format::RawLookup,
        schema: &DatasetSchema,
        ds: &str,
        extra: &[(String, FieldType)],
    ) -> Option<(Computation, FieldType)> {
        let [(on, key)] = l.on.iter().collect::<Vec<_>>()[..] else {
            self.error(
                CheckError::new("`lookup` matches on exactly one pair of fields", "on:")
                    .help("e.g. on: { id: opportunity_id } (the id of `from` equals this row's opportunity_id)"),
            );
            return None;
        };
        if !schema.fields.contains_key(key) && !extra.iter().any(|(n, _)| n == key) {
            let mut known = schema.field_names();
            known.extend(extra.iter().map(|(n, _)| n.as_str()));
            self.error(
                CheckError::new(
                    format!("`lookup` matches on `{key}`, which is no field of `{ds}`"),
                    key.clone(),
                )
                .help(suggest(key, &known)),
            );
            return None;
        }
        let (other, other_schema) = self.source(&l.from, "lookup")?;
        let ok = self.field(&other_schema, &other, on, None) & self.field(&other_schema, &other, &l.field, None);
        if !ok {
            return None;
        }
        let ty = match other_schema.fields[&l.field].ty {
            FieldType::Percent => FieldType::Number,
            FieldType::List => FieldType::Text,
            t => t,
        };
        Some((
            Computation::Lookup {
                from: l.from.clone(),
                dataset: other,
                key: key.clone(),
                on: on.clone(),
                field: l.field.clone(),
            },
            ty,
        ))
    }

    /// A computed field aggregating the rows of another set that match the
    /// row: `on` keys that agree, a date `within` the row's range.
    fn related(
        &mut self,
        name: &str,
        raw: &format::RawRelated,
        schema: &DatasetSchema,
        extra: &[(String, FieldType)],
    ) -> Option<Related> {
        let found: Vec<(Agg, &format::RawRelatedAgg, &str)> = [
            (Agg::Count, &raw.count, "count"),
            (Agg::Sum, &raw.sum, "sum"),
            (Agg::Avg, &raw.avg, "avg"),
            (Agg::Min, &raw.min, "min"),
            (Agg::Max, &raw.max, "max"),
        ]
        .into_iter()
        .filter_map(|(a, r, k)| r.as_ref().map(|r| (a, r, k)))
        .collect();
        let [(agg, l, key)] = found.as_slice() else {
            self.error(CheckError::new(
                format!("computed field `{name}` needs exactly one of count, sum, avg, min, max (or an expression, or `text:`)"),
                format!("{name}:"),
            ));
            return None;
        };
        let (ds, other) = self.source(&l.from, key)?;
        match (&l.field, agg) {
            (Some(f), Agg::Count) => {
                self.field(&other, &ds, f, None);
            }
            (Some(f), _) => {
                self.field(&other, &ds, f, Some(FieldType::Number));
            }
            (None, Agg::Count) => {}
            (None, _) => self.error(CheckError::new(format!("`{key}` needs a `field`"), format!("{name}:"))),
        }
        let filter = self.cond(l.filter.as_ref(), &other, &ds, &[key, "where"]);
        let mut on = Vec::new();
        for (theirs, mine) in &l.on {
            self.field(&other, &ds, theirs, None);
            if !schema.fields.contains_key(mine) && !extra.iter().any(|(n, _)| n == mine) {
                let mut known = schema.field_names();
                known.extend(extra.iter().map(|(n, _)| n.as_str()));
                self.error(
                    CheckError::new(
                        format!("`on:` compares `{theirs}` with `{mine}`, which is not a field of this row set"),
                        mine.clone(),
                    )
                    .help(suggest(mine, &known)),
                );
            }
            on.push((theirs.clone(), mine.clone()));
        }
        let within = match &l.within {
            Some(w) => {
                self.field(&other, &ds, &w.date, Some(FieldType::Date));
                let start = self.row_expr_with(&w.start, schema, extra);
                let end = self.row_expr_with(&w.end, schema, extra);
                Some(Within {
                    date: w.date.clone(),
                    start: start?,
                    end: end?,
                })
            }
            None => None,
        };
        if on.is_empty() && within.is_none() {
            self.error(
                CheckError::new(
                    format!("computed field `{name}` aggregates `{}` with nothing to match this row: give `on:` or `within:`", l.from),
                    format!("{name}:"),
                )
                .help("for one total over the whole set, name a plan value instead: `total: { sum: { from, field } }`"),
            );
        }
        Some(Related {
            agg: *agg,
            from: l.from.clone(),
            dataset: ds,
            field: l.field.clone(),
            filter,
            on,
            within,
        })
    }

    /// A per-row template names the row's fields, plan values or params.
    fn row_template(&mut self, template: &str, schema: &DatasetSchema, ds: &str) {
        for name in crate::template::placeholders(template) {
            for alt in name.split('|').map(str::trim) {
                if alt.starts_with('"') || schema.fields.contains_key(alt) || self.plan_name(alt) {
                    continue;
                }
                let mut known = schema.field_names();
                known.extend(self.value_names.iter().map(String::as_str));
                self.error(
                    CheckError::new(
                        format!("`{{{alt}}}` names no field of `{ds}`, plan value or param"),
                        format!("{{{name}"),
                    )
                    .help(suggest(alt, &known)),
                );
            }
        }
    }

    fn plan_name(&self, n: &str) -> bool {
        is_builtin(n)
            || self.value_names.iter().any(|v| v == n)
            || self.params.contains_key(n)
            || matches!(n, "value" | "threshold")
    }

    fn message(&mut self, template: &str) {
        for name in crate::template::placeholders(template) {
            for alt in name.split('|').map(str::trim) {
                if alt.starts_with('"') || self.plan_name(alt) {
                    continue;
                }
                let mut known: Vec<&str> = self.value_names.iter().map(String::as_str).collect();
                known.extend(self.params.keys().map(String::as_str));
                known.extend(BUILTINS);
                self.error(
                    CheckError::new(
                        format!("message placeholder `{{{alt}}}` names no plan value, param or built-in"),
                        format!("{{{name}"),
                    )
                    .help(suggest(alt, &known)),
                );
            }
        }
    }

    /// A judge: the plan itself (`path` is `[plan]`) or one of its parts
    /// (`[plan, parts, 1]`).
    fn judge(&mut self, raw: &RawPlan, path: &[String]) -> Option<Judge> {
        let top = path.len() == 1;
        self.at = path.to_vec();
        if !top && !raw.lets.is_empty() {
            self.error(CheckError::new(
                "a part cannot have its own `let`: name values at the top of the plan",
                "let:",
            ));
        }
        if !top && raw.name.is_none() {
            self.error(CheckError::new("each part needs a `name`", "parts:"));
        }
        self.at_in(path, &["at_stake"]);
        // One amount per rule: parts' amounts may count the same money twice.
        if !top && raw.at_stake.is_some() {
            self.error(CheckError::new(
                "a part cannot have its own `at_stake`: name the amount at the top of the plan",
                "at_stake:",
            ));
        }
        let at_stake = match raw.at_stake.as_ref().filter(|_| top) {
            Some(a) => {
                self.message(&a.label);
                Some((self.expr(&a.amount)?, a.label.clone()))
            }
            None => None,
        };
        self.at_in(path, &["when"]);
        let when = match (&raw.when, &raw.otherwise) {
            (Some(w), Some(o)) => {
                self.message(o);
                Some((self.expr(w)?, o.clone()))
            }
            (Some(w), None) => {
                self.error(
                    CheckError::new(
                        "`when:` needs `otherwise:`, the message shown when the rule does not apply",
                        w,
                    )
                    .help("e.g. otherwise: \"No follow-up SLA is in force, so there is nothing to judge\""),
                );
                None
            }
            (None, Some(o)) => {
                self.error(CheckError::new("`otherwise:` goes with `when:`", o));
                None
            }
            (None, None) => None,
        };
        self.at_in(path, &["min_sample"]);
        let min_sample = match &raw.min_sample {
            Some(m) => {
                self.message(&m.reason);
                Some((self.expr(&m.value)?, self.threshold(&m.at_least)?, m.reason.clone()))
            }
            None => None,
        };
        let has_thresholds = [&raw.fail_below, &raw.warn_below, &raw.fail_above, &raw.warn_above]
            .iter()
            .any(|t| t.is_some());
        let at = if top {
            "plan:"
        } else {
            raw.name.as_deref().unwrap_or("parts:")
        };
        self.at = path.to_vec();
        if has_thresholds && raw.parts.is_some() {
            self.error(CheckError::new(
                "a plan decides with `parts:` or with thresholds on `value`, not both",
                at,
            ));
            return None;
        }
        self.at_in(path, &["value"]);
        let value = match &raw.value {
            Some(v) => Some((self.expr(v)?, v.clone())),
            None => None,
        };
        self.at_in(path, &["threshold"]);
        let threshold = match &raw.threshold {
            Some(t) => Some(self.threshold(t)?),
            None => None,
        };
        let mut branches = Vec::new();
        for (i, b) in raw.outcome.iter().flatten().enumerate() {
            self.at_in(path, &["outcome", &i.to_string()]);
            let set = [
                (Status::Pass, &b.pass),
                (Status::Warn, &b.warn),
                (Status::Fail, &b.fail),
                (Status::NotAssessed, &b.not_assessed),
                (Status::NotApplicable, &b.not_applicable),
            ];
            let set: Vec<_> = set
                .into_iter()
                .filter_map(|(s, m)| m.as_ref().map(|m| (s, m)))
                .collect();
            let [(status, message)] = set.as_slice() else {
                self.error(CheckError::new(
                    "each outcome needs exactly one of pass, warn, fail, not_assessed, not_applicable (with its message)",
                    b.cond.clone().unwrap_or_else(|| "outcome:".into()),
                ));
                continue;
            };
            self.message(message);
            let cond = match &b.cond {
                Some(c) => Some(self.expr(c)?),
                None => None,
            };
            let threshold = match &b.threshold {
                Some(t) => Some(self.threshold(t)?),
                None => None,
            };
            let value = match &b.value {
                Some(v) => Some((self.expr(v)?, v.clone())),
                None => None,
            };
            branches.push(Branch {
                cond,
                status: *status,
                message: (*message).clone(),
                threshold,
                value,
            });
        }
        self.at = path.to_vec();
        if let Some(pos) = branches.iter().position(|b| b.cond.is_none())
            && pos + 1 < branches.len()
        {
            self.error(CheckError::new(
                "an outcome without `if` decides everything after it: make it the last one",
                "outcome:",
            ));
        }
        let decided = branches.last().is_some_and(|b| b.cond.is_none());
        let body = if let Some(parts) = &raw.parts {
            let mut judged = Vec::new();
            for (k, p) in parts.iter().enumerate() {
                let part: Vec<String> = path.iter().cloned().chain(["parts".into(), k.to_string()]).collect();
                judged.extend(self.judge(p, &part));
            }
            self.at = path.to_vec();
            Body::Parts(judged)
        } else if has_thresholds {
            let Some(message) = &raw.message else {
                self.error(CheckError::new("thresholds need a `message`", at));
                return None;
            };
            if value.is_none() {
                self.error(CheckError::new("thresholds need a `value` to compare", at));
            }
            self.at_in(path, &["message"]);
            self.message(message);
            let mut t = |key: &str, x: &Option<Threshold>| {
                self.at_in(path, &[key]);
                x.as_ref().and_then(|t| self.threshold(t))
            };
            let body = Body::Thresholds {
                fail_below: t("fail_below", &raw.fail_below),
                warn_below: t("warn_below", &raw.warn_below),
                fail_above: t("fail_above", &raw.fail_above),
                warn_above: t("warn_above", &raw.warn_above),
                message: message.clone(),
            };
            self.at = path.to_vec();
            body
        } else if decided {
            if raw.message.is_some() {
                self.error(CheckError::new(
                    "`message` goes with thresholds; each outcome carries its own message",
                    at,
                ));
            }
            Body::Branches
        } else {
            self.error(
                CheckError::new(
                    "the plan does not always decide: end `outcome:` with a branch without `if`, or add thresholds on `value` (fail_below, warn_below, fail_above, warn_above) or `parts:`",
                    at,
                )
                .help("e.g. `- pass: \"...\"` as the last outcome"),
            );
            return None;
        };
        let mut findings = Vec::new();
        for (j, f) in raw.findings.iter().enumerate() {
            self.at_in(path, &["findings", &j.to_string()]);
            let cond = match &f.cond {
                Some(c) => Some(self.expr(c)?),
                None => None,
            };
            match f.from.as_deref() {
                Some(from) => {
                    match self.kinds.iter().find(|(n, _)| n == from).map(|(_, k)| k.clone()) {
                        Some(Kind::Rows(ds)) => {
                            let Some((_, schema)) = self.source(from, "findings") else {
                                continue;
                            };
                            self.row_template(&f.message, &schema, &ds);
                            if let Some(s) = &f.sort_by {
                                self.field(&schema, &ds, s, None);
                            }
                        }
                        Some(Kind::Keys(_)) => {
                            self.key_template(&f.message);
                            // Groups sort by a value computed per group; months by themselves.
                            if let Some(s) = &f.sort_by {
                                let own = self.key_values.iter().find(|(n, _)| n == from).map(|(_, v)| v.clone());
                                if !own.as_ref().is_some_and(|v| v.contains(s)) {
                                    let known: Vec<&str> = own.iter().flatten().map(String::as_str).collect();
                                    self.error(
                                    CheckError::new(
                                        format!("findings from `{from}` sort by a value computed per group; `{s}` is none"),
                                        s.clone(),
                                    )
                                    .help(suggest(s, &known)),
                                );
                                }
                            }
                        }
                        _ => {
                            let known: Vec<&str> = self
                                .kinds
                                .iter()
                                .filter(|(_, k)| !matches!(k, Kind::Scalar))
                                .map(|(n, _)| n.as_str())
                                .collect();
                            self.error(
                                CheckError::new(
                                    format!("findings come from a row or key set; `{from}` is neither"),
                                    from,
                                )
                                .help(suggest(from, &known)),
                            );
                        }
                    }
                }
                None => self.message(&f.message),
            }
            findings.push(FindingSpec {
                from: f.from.clone(),
                message: f.message.clone(),
                cond,
                limit: f.limit,
                sort: f.sort_by.clone().map(|s| (s, f.desc)),
            });
        }
        Some(Judge {
            name: raw.name.clone(),
            at_stake,
            when,
            min_sample,
            branches,
            body,
            value,
            threshold,
            findings,
        })
    }
}

fn step_keys(m: &RawStepMap) -> Vec<&'static str> {
    [
        ("rows", m.rows.is_some()),
        ("count", m.count.is_some()),
        ("sum", m.sum.is_some()),
        ("avg", m.avg.is_some()),
        ("min", m.min.is_some()),
        ("max", m.max.is_some()),
        ("distinct", m.distinct.is_some()),
        ("median", m.median.is_some()),
        ("months", m.months.is_some()),
        ("groups", m.groups.is_some()),
        ("keys", m.keys.is_some()),
        ("list", m.list.is_some()),
        ("first", m.first.is_some()),
        ("pick", m.pick.is_some()),
        ("text", m.text.is_some()),
    ]
    .into_iter()
    .filter(|(_, on)| *on)
    .map(|(k, _)| k)
    .collect()
}

impl Plan {
    /// Whether `values` suit the plan's conditions: a config or a test may
    /// set a param the plan compiled with its default. Checked before a run,
    /// so a pattern that is not a regex is the rule's error, not a silent miss.
    pub fn check_params(&self, values: &ParamValues) -> Result<(), String> {
        let mut problems = Vec::new();
        for (name, use_) in &self.param_uses {
            let Some(v) = values.get(name) else { continue };
            match use_ {
                ParamUse::Regex => {
                    if let Err(e) = regex::Regex::new(&v.to_text()) {
                        let why = e.to_string();
                        let why = why.lines().rfind(|l| !l.trim().is_empty()).unwrap_or("").trim();
                        problems.push(format!("param `${name}` is not a valid regex: {why}"));
                    }
                }
                ParamUse::Number if v.as_f64().is_none() => {
                    problems.push(format!("param `${name}` must be a number here"));
                }
                ParamUse::Number | ParamUse::List => {}
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems.join("; "))
        }
    }

    /// Compiles a plan with the params' defaults (their values only check
    /// it: each run binds its own); `vocabs` lists the known
    /// vocabularies (None: not checked). Returns every problem found.
    pub fn compile(
        raw: &RawPlan,
        params: &ParamValues,
        vocabs: Option<&BTreeSet<String>>,
    ) -> Result<Plan, Vec<CheckError>> {
        let mut c = Compiler {
            params,
            vocabs,
            kinds: Vec::new(),
            value_names: Vec::new(),
            group_values: vec!["count".into()],
            key_values: Vec::new(),
            row_sets: Vec::new(),
            schemas: Vec::new(),
            scalar_types: Vec::new(),
            at: Vec::new(),
            errors: Vec::new(),
        };
        let mut lets = Vec::new();
        for (name, raw_step) in &raw.lets {
            c.at = vec!["plan".into(), "let".into(), name.clone()];
            if is_builtin(name) || name == "value" || name == "threshold" || name == "key" {
                c.error(CheckError::new(
                    format!("`{name}` is a built-in name: choose another"),
                    format!("{name}:"),
                ));
                continue;
            }
            if param_ref(name).is_some() || c.value_names.contains(name) {
                c.error(CheckError::new(format!("`{name}` is named twice"), format!("{name}:")));
                continue;
            }
            let before = c.errors.len();
            let compiled = c.step(name, raw_step);
            for e in &mut c.errors[before..] {
                if e.scope.is_empty() {
                    e.scope = vec!["plan".into(), "let".into(), name.clone()];
                }
            }
            if let Some((step, kind)) = compiled {
                let ty = match &step {
                    Step::Expr(e) => Some(table::infer(e, &|n| {
                        c.scalar_types.iter().find(|(x, _)| x == n).map(|(_, t)| *t)
                    })),
                    Step::Text(_) | Step::List { .. } => Some(FieldType::Text),
                    Step::Agg { .. } | Step::KeyAgg { .. } => Some(FieldType::Number),
                    _ => None,
                };
                if let Some(ty) = ty {
                    c.scalar_types.push((name.clone(), ty));
                }
                if let Kind::Rows(ds) = &kind {
                    c.row_sets.push((name.clone(), ds.clone()));
                }
                c.kinds.push((name.clone(), kind));
                lets.push((name.clone(), step));
            }
            // Named even when broken, so later uses do not repeat the error.
            c.value_names.push(name.clone());
        }
        let root = c.judge(raw, &["plan".to_string()]);
        COMPILED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut param_uses = Vec::new();
        for (_, step) in &lets {
            for cond in step.conditions() {
                super::condition::param_uses(cond, &mut param_uses);
            }
        }
        param_uses.sort_by(|a, b| a.0.cmp(&b.0));
        param_uses.dedup();
        match root {
            Some(root) if c.errors.is_empty() => Ok(Plan { lets, root, param_uses }),
            _ => {
                if c.errors.is_empty() {
                    c.errors.push(CheckError::new("the plan is incomplete", "plan:"));
                }
                Err(c.errors)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_another_run_binds_are_checked_as_the_compiler_checked_the_defaults() {
        let raw: RawPlan = crate::yaml::from_str(
            "let:\n  v: { rows: { from: kpis, where: { all: [{ field: name, matches: $vanity }, { field: actual, gt: $floor }] } } }\n\
             outcome:\n  - pass: '{v}'\n",
        )
        .unwrap();
        let mut params = ParamValues::new();
        params.insert("vanity".into(), crate::value::Value::Text("(?i)click".into()));
        params.insert("floor".into(), crate::value::Value::Number(1.0));
        let plan = Plan::compile(&raw, &params, None).unwrap();
        assert_eq!(plan.check_params(&params), Ok(()));
        params.insert("vanity".into(), crate::value::Value::Text("(unclosed".into()));
        params.insert("floor".into(), crate::value::Value::Text("high".into()));
        let err = plan.check_params(&params).unwrap_err();
        assert!(
            err.contains("param `$vanity` is not a valid regex")
                && err.contains("param `$floor` must be a number here"),
            "{err}"
        );
    }

    #[test]
    fn reads_include_the_profile_and_the_fields_expressions_name() {
        let raw: RawPlan = crate::yaml::from_str(
            "let:\n  small: org.prospects <= 250\n  tagged: has(budget.purpose)\n\
             outcome:\n  - if: small\n    warn: '{org.sales_motion} org'\n  - pass: ok, 1.5 of x.y.z\n",
        )
        .unwrap();
        let reads = reads(&raw);
        for (ds, f) in [("org", "prospects"), ("org", "sales_motion"), ("budget", "purpose")] {
            assert!(reads.contains(&(ds.into(), Some(f.into()))), "{ds}.{f} in {reads:?}");
        }
        assert_eq!(reads.len(), 3, "{reads:?}");
    }
}
