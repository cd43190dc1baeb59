//! The declarative rule language: a `plan:` check names values computed
//! from the bundle (row sets, aggregates, months, groups, lists,
//! expressions), then decides an outcome from them, with the records behind
//! it as findings. A plan is validated when its rule loads, names and fields
//! checked and every error pointed at its line; `run.rs` evaluates it.

pub mod expr;
pub mod format;
mod run;

pub use run::run;

use super::condition::{CheckError, Condition, Names, check_expr_names, param_ref};
use super::format::{RawCondition, Threshold};
use super::params::ParamValues;
use crate::bundle::schema::{DatasetSchema, Schema};
use crate::error::suggest;
use crate::rules::Status;
use crate::value::FieldType;
use chrono::NaiveDate;
use expr::{Expr, Val};
use format::{OpenRange, RawPlan, RawStep, RawStepMap};
use std::collections::BTreeSet;

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
        lets: Vec<(String, Agg, Option<String>, Option<Condition>)>,
        having: Option<Expr>,
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

/// A compiled plan, for one set of param values.
#[derive(Debug, Clone)]
pub struct Plan {
    lets: Vec<(String, Step)>,
    root: Judge,
}

/// Every row condition of a plan's values, with the dataset it filters: a
/// named row set (or a `pick` of two) stands for its dataset.
pub fn conditions(raw: &RawPlan) -> Vec<(String, &RawCondition)> {
    let mut out = Vec::new();
    let mut datasets: Vec<(&str, String)> = Vec::new();
    let dataset_of = |from: &str, datasets: &[(&str, String)]| {
        datasets
            .iter()
            .find(|(n, _)| *n == from)
            .map_or_else(|| from.to_string(), |(_, d)| d.clone())
    };
    for (name, step) in &raw.lets {
        let RawStep::Step(m) = step else { continue };
        if let Some(r) = &m.rows {
            let ds = dataset_of(&r.from, &datasets);
            out.extend(r.filter.iter().map(|c| (ds.clone(), c)));
            datasets.push((name, ds));
        }
        if let Some(p) = &m.pick {
            let ds = dataset_of(&p.then, &datasets);
            datasets.push((name, ds));
        }
        for a in [&m.count, &m.sum, &m.avg, &m.min, &m.max, &m.distinct, &m.median]
            .into_iter()
            .flatten()
        {
            out.extend(a.filter.iter().map(|c| (dataset_of(&a.from, &datasets), c)));
        }
        if let Some(mo) = &m.months {
            out.extend(mo.filter.iter().map(|c| (dataset_of(&mo.from, &datasets), c)));
        }
        if let Some(g) = &m.groups {
            let ds = dataset_of(&g.from, &datasets);
            out.extend([&g.any, &g.none].into_iter().flatten().map(|c| (ds.clone(), c)));
            for a in g.lets.values() {
                for f in [&a.count, &a.sum, &a.avg, &a.min, &a.max].into_iter().flatten() {
                    out.extend(f.filter.iter().map(|c| (ds.clone(), c)));
                }
            }
        }
    }
    out
}

/// Datasets and fields a plan may read (its optional data needs).
pub fn reads(raw: &RawPlan) -> Vec<(String, Option<String>)> {
    let mut out = Vec::new();
    let mut lets: Vec<(String, String)> = Vec::new();
    let dataset_of = |from: &str, lets: &[(String, String)]| {
        lets.iter()
            .find(|(n, _)| n == from)
            .map(|(_, d)| d.clone())
            .unwrap_or_else(|| from.to_string())
    };
    let cond = |ds: &str, c: &RawCondition, out: &mut Vec<(String, Option<String>)>, lets: &[(String, String)]| {
        let mut fields = Vec::new();
        Condition::fields_of(c, &mut fields);
        out.extend(fields.into_iter().map(|f| (ds.to_string(), Some(f))));
        in_rows_reads(c, out, lets);
    };
    for (name, step) in &raw.lets {
        let RawStep::Step(m) = step else { continue };
        let m: &RawStepMap = m;
        let from_field = |from: &str,
                          fields: &[Option<&String>],
                          filter: Option<&RawCondition>,
                          out: &mut Vec<_>,
                          lets: &mut Vec<(String, String)>,
                          keep: bool| {
            let ds = dataset_of(from, lets);
            out.push((ds.clone(), None));
            for f in fields.iter().flatten() {
                out.push((ds.clone(), Some((*f).clone())));
            }
            if let Some(c) = filter {
                cond(&ds, c, out, lets);
            }
            if keep {
                lets.push((name.clone(), ds));
            }
        };
        if let Some(r) = &m.rows {
            if let Some(e) = r.test.as_deref().and_then(|t| expr::parse(t).ok()) {
                let (mut used, mut params) = (Vec::new(), Vec::new());
                e.names(&mut used, &mut params);
                let ds = dataset_of(&r.from, &lets);
                out.extend(used.into_iter().map(|n| (ds.clone(), Some(n.to_string()))));
            }
            from_field(&r.from, &[], r.filter.as_ref(), &mut out, &mut lets, true);
        }
        if let Some(p) = &m.pick {
            let ds = dataset_of(&p.then, &lets);
            lets.push((name.clone(), ds));
        }
        for a in [&m.count, &m.sum, &m.avg, &m.min, &m.max, &m.distinct, &m.median]
            .into_iter()
            .flatten()
        {
            from_field(
                &a.from,
                &[a.field.as_ref()],
                a.filter.as_ref(),
                &mut out,
                &mut lets,
                false,
            );
        }
        if let Some(mo) = &m.months {
            from_field(
                &mo.from,
                &[Some(&mo.date), mo.end.as_ref()],
                mo.filter.as_ref(),
                &mut out,
                &mut lets,
                false,
            );
        }
        if let Some(g) = &m.groups {
            let ds = dataset_of(&g.from, &lets);
            from_field(
                &g.from,
                &[g.by.as_ref(), g.by_month.as_ref()],
                None,
                &mut out,
                &mut lets,
                false,
            );
            for c in [&g.any, &g.none].into_iter().flatten() {
                cond(&ds, c, &mut out, &lets);
            }
            for a in g.lets.values() {
                for f in [&a.count, &a.sum, &a.avg, &a.min, &a.max].into_iter().flatten() {
                    if let Some(field) = &f.field {
                        out.push((ds.clone(), Some(field.clone())));
                    }
                    if let Some(c) = &f.filter {
                        cond(&ds, c, &mut out, &lets);
                    }
                }
            }
        }
        for (from, field, sort) in [
            m.first.as_ref().map(|f| (&f.from, Some(&f.field), f.sort_by.as_ref())),
            m.list.as_ref().map(|l| (&l.from, None, l.sort_by.as_ref())),
        ]
        .into_iter()
        .flatten()
        {
            let ds = dataset_of(from, &lets);
            for f in [field, sort].into_iter().flatten() {
                out.push((ds.clone(), Some(f.clone())));
            }
            if let Some(show) = m.list.as_ref().and_then(|l| l.show.as_ref()) {
                template_reads(show, &ds, &mut out);
            }
        }
    }
    judge_reads(raw, &lets, &mut out);
    // `org.prospects`, `has(budget.purpose)`: what expressions and messages name.
    if let Ok(text) = serde_json::to_string(raw) {
        out.extend(dotted_names(&text).map(|(d, f)| (d.to_string(), Some(f.to_string()))));
    }
    out.sort();
    out.dedup();
    // Only the schema's fields: a template's `{name}` may be a plan value.
    out.retain(|(ds, f)| {
        Schema::get()
            .dataset(ds)
            .is_some_and(|s| f.as_ref().is_none_or(|f| s.fields.contains_key(f)))
    });
    out
}

/// Every `name.field` in a text (kept when it names a dataset's field).
fn dotted_names(text: &str) -> impl Iterator<Item = (&str, &str)> {
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut pairs = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices().chain(std::iter::once((text.len(), ' '))) {
        match (ident(c) || c == '.', start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                let word = &text[s..i];
                if let Some((d, f)) = word.split_once('.')
                    && !f.contains('.')
                    && !d.is_empty()
                    && !f.is_empty()
                {
                    pairs.push((d, f));
                }
                start = None;
            }
            _ => {}
        }
    }
    pairs.into_iter()
}

fn in_rows_reads(c: &RawCondition, out: &mut Vec<(String, Option<String>)>, lets: &[(String, String)]) {
    for r in [&c.in_rows, &c.not_in_rows].into_iter().flatten() {
        let ds = lets
            .iter()
            .find(|(n, _)| *n == r.from)
            .map_or_else(|| r.from.clone(), |(_, d)| d.clone());
        out.extend(r.fields.iter().map(|f| (ds.clone(), Some(f.clone()))));
    }
    for list in [&c.all, &c.any].into_iter().flatten() {
        list.iter().for_each(|c| in_rows_reads(c, out, lets));
    }
    if let Some(n) = &c.not {
        in_rows_reads(n, out, lets);
    }
}

fn template_reads(template: &str, ds: &str, out: &mut Vec<(String, Option<String>)>) {
    for name in crate::template::placeholders(template) {
        for alt in name.split('|') {
            out.push((ds.to_string(), Some(alt.trim().to_string())));
        }
    }
}

fn judge_reads(raw: &RawPlan, lets: &[(String, String)], out: &mut Vec<(String, Option<String>)>) {
    for f in &raw.findings {
        if let Some(ds) = f.from.as_ref().and_then(|from| lets.iter().find(|(n, _)| n == from)) {
            template_reads(&f.message, &ds.1, out);
            if let Some(s) = &f.sort_by {
                out.push((ds.1.clone(), Some(s.clone())));
            }
        }
    }
    for p in raw.parts.iter().flatten() {
        judge_reads(p, lets, out);
    }
}

struct Compiler<'a> {
    params: &'a ParamValues,
    vocabs: Option<&'a BTreeSet<String>>,
    kinds: Vec<(String, Kind)>,
    value_names: Vec<String>,
    /// The values computed per group (`let:` of every `groups`, and
    /// `count`): a key's template may show them.
    group_values: Vec<String>,
    row_sets: Vec<(String, String)>,
    errors: Vec<CheckError>,
}

impl Compiler<'_> {
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
                Ok(()) => Some(e),
                Err(err) => {
                    self.errors.push(err);
                    None
                }
            },
            Err(e) => {
                self.errors.push(
                    CheckError::new(format!("in `{src}`: {} (column {})", e.message, e.at + 1), src)
                        .help("expressions: + - * /, < <= > >= == !=, and, or, not, ??, functions min, max, abs, round, days, has, is_null, month"),
                );
                None
            }
        }
    }

    /// An expression over one row: the dataset's fields are names too (they
    /// win over plan values of the same name). Returns the fields it reads.
    fn row_expr(&mut self, src: &str, schema: &DatasetSchema) -> Option<(Expr, Vec<String>)> {
        let before = self.value_names.len();
        self.value_names.extend(schema.fields.keys().cloned());
        let e = self.expr(src);
        self.value_names.truncate(before);
        let e = e?;
        let (mut used, mut params) = (Vec::new(), Vec::new());
        e.names(&mut used, &mut params);
        let mut fields: Vec<String> = used
            .into_iter()
            .filter(|n| schema.fields.contains_key(*n))
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
    fn source(&mut self, from: &str, what: &str) -> Option<(String, &'static DatasetSchema)> {
        let ds = match self.kinds.iter().find(|(n, _)| n == from) {
            Some((_, Kind::Rows(ds))) => ds.clone(),
            Some(_) => {
                self.errors.push(CheckError::new(
                    format!("`{what}` needs rows, and `{from}` is not a row set"),
                    from,
                ));
                return None;
            }
            None => from.to_string(),
        };
        match Schema::get().dataset(&ds) {
            Some(s) => Some((ds, s)),
            None => {
                let mut known: Vec<&str> = self.row_sets.iter().map(|(n, _)| n.as_str()).collect();
                known.extend(Schema::get().dataset_names());
                self.errors.push(
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
                self.errors.push(
                    CheckError::new(format!("dataset `{ds}` has no field `{field}`"), field)
                        .help(suggest(field, &schema.field_names())),
                );
                false
            }
            Some(f) => match want {
                Some(FieldType::Date) if f.ty != FieldType::Date => {
                    self.errors
                        .push(CheckError::new(format!("`{ds}.{field}` is not a date"), field));
                    false
                }
                Some(FieldType::Number)
                    if !matches!(f.ty, FieldType::Number | FieldType::Percent | FieldType::Bool) =>
                {
                    self.errors
                        .push(CheckError::new(format!("`{ds}.{field}` is not a number"), field));
                    false
                }
                _ => true,
            },
        }
    }

    fn cond(&mut self, raw: Option<&RawCondition>, schema: &DatasetSchema, ds: &str) -> Option<Condition> {
        let raw = raw?;
        match Condition::compile_in(raw, schema, ds, self.params, &self.names()) {
            Ok(c) => Some(c),
            Err(e) => {
                self.errors.push(e);
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
            self.errors.push(
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
            self.errors.push(CheckError::new(
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
            let filter = self.cond(r.filter.as_ref(), schema, &ds);
            let test = match &r.test {
                Some(t) => Some(self.row_expr(t, schema)?),
                None => None,
            };
            return Some((
                Step::Rows {
                    from: r.from.clone(),
                    dataset: ds.clone(),
                    filter,
                    test,
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
            let (ds, schema) = self.source(&a.from, keys[0])?;
            match (&a.field, agg) {
                (Some(f), Agg::Count | Agg::Distinct) => {
                    self.field(schema, &ds, f, None);
                }
                (Some(f), _) => {
                    self.field(schema, &ds, f, Some(FieldType::Number));
                }
                (None, Agg::Count) => {}
                (None, _) => self.errors.push(CheckError::new(
                    format!("`{}` needs a `field`", keys[0]),
                    format!("{name}:"),
                )),
            }
            let filter = self.cond(a.filter.as_ref(), schema, &ds);
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
            self.field(schema, &ds, &mo.date, Some(FieldType::Date));
            if let Some(e) = &mo.end {
                self.field(schema, &ds, e, Some(FieldType::Date));
            }
            let filter = self.cond(mo.filter.as_ref(), schema, &ds);
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
                    self.field(schema, &ds, f, None);
                    (f.clone(), false)
                }
                (None, Some(f)) => {
                    self.field(schema, &ds, f, Some(FieldType::Date));
                    (f.clone(), true)
                }
                _ => {
                    self.errors.push(CheckError::new(
                        "`groups` needs exactly one of `by`, `by_month`",
                        format!("{name}:"),
                    ));
                    return None;
                }
            };
            let any = self.cond(g.any.as_ref(), schema, &ds);
            let none = self.cond(g.none.as_ref(), schema, &ds);
            let mut lets = Vec::new();
            for (n, a) in &g.lets {
                let found = [
                    (Agg::Count, &a.count),
                    (Agg::Sum, &a.sum),
                    (Agg::Avg, &a.avg),
                    (Agg::Min, &a.min),
                    (Agg::Max, &a.max),
                ]
                .into_iter()
                .filter_map(|(k, f)| f.as_ref().map(|f| (k, f)))
                .collect::<Vec<_>>();
                let [(agg, f)] = found.as_slice() else {
                    self.errors.push(CheckError::new(
                        format!("group value `{n}` needs exactly one of count, sum, avg, min, max"),
                        format!("{n}:"),
                    ));
                    continue;
                };
                if let Some(field) = &f.field {
                    let want = (*agg != Agg::Count).then_some(FieldType::Number);
                    self.field(schema, &ds, field, want);
                }
                let filter = self.cond(f.filter.as_ref(), schema, &ds);
                lets.push((n.clone(), *agg, f.field.clone(), filter));
            }
            self.group_values.extend(lets.iter().map(|(n, ..)| n.clone()));
            let having = match &g.having {
                Some(h) => {
                    // A group's own values are names in `having`.
                    let before = self.value_names.len();
                    self.value_names.extend(lets.iter().map(|(n, ..)| n.clone()));
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
                self.errors.push(CheckError::new(
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
                    self.field(schema, &ds, s, None);
                }
                if let Some(show) = &l.show {
                    self.row_template(show, schema, &ds);
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
                    Some((_, Kind::Rows(_))) => self.errors.push(CheckError::new(
                        format!(
                            "`pick` chooses between row sets of one dataset; `{}` and `{}` are not",
                            p.then, p.otherwise
                        ),
                        set.clone(),
                    )),
                    _ => {
                        let known: Vec<&str> = self.row_sets.iter().map(|(n, _)| n.as_str()).collect();
                        self.errors.push(
                            CheckError::new(
                                format!("`pick` needs row sets of the plan; `{set}` is not one"),
                                set.clone(),
                            )
                            .help(suggest(set, &known)),
                        );
                    }
                }
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
        self.field(schema, &ds, &f.field, None);
        if let Some(s) = &f.sort_by {
            self.field(schema, &ds, s, None);
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

    /// A per-row template names the row's fields, plan values or params.
    fn row_template(&mut self, template: &str, schema: &DatasetSchema, ds: &str) {
        for name in crate::template::placeholders(template) {
            for alt in name.split('|').map(str::trim) {
                if alt.starts_with('"') || schema.fields.contains_key(alt) || self.plan_name(alt) {
                    continue;
                }
                let mut known = schema.field_names();
                known.extend(self.value_names.iter().map(String::as_str));
                self.errors.push(
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
                self.errors.push(
                    CheckError::new(
                        format!("message placeholder `{{{alt}}}` names no plan value, param or built-in"),
                        format!("{{{name}"),
                    )
                    .help(suggest(alt, &known)),
                );
            }
        }
    }

    fn judge(&mut self, raw: &RawPlan, top: bool) -> Option<Judge> {
        if !top && !raw.lets.is_empty() {
            self.errors.push(CheckError::new(
                "a part cannot have its own `let`: name values at the top of the plan",
                "let:",
            ));
        }
        if !top && raw.name.is_none() {
            self.errors.push(CheckError::new("each part needs a `name`", "parts:"));
        }
        // One amount per rule: parts' amounts may count the same money twice.
        if !top && raw.at_stake.is_some() {
            self.errors.push(CheckError::new(
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
        let when = match (&raw.when, &raw.otherwise) {
            (Some(w), Some(o)) => {
                self.message(o);
                Some((self.expr(w)?, o.clone()))
            }
            (Some(w), None) => {
                self.errors.push(
                    CheckError::new(
                        "`when:` needs `otherwise:`, the message shown when the rule does not apply",
                        w,
                    )
                    .help("e.g. otherwise: \"No follow-up SLA is in force, so there is nothing to judge\""),
                );
                None
            }
            (None, Some(o)) => {
                self.errors.push(CheckError::new("`otherwise:` goes with `when:`", o));
                None
            }
            (None, None) => None,
        };
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
        if has_thresholds && raw.parts.is_some() {
            self.errors.push(CheckError::new(
                "a plan decides with `parts:` or with thresholds on `value`, not both",
                at,
            ));
            return None;
        }
        let value = match &raw.value {
            Some(v) => Some((self.expr(v)?, v.clone())),
            None => None,
        };
        let threshold = match &raw.threshold {
            Some(t) => Some(self.threshold(t)?),
            None => None,
        };
        let mut branches = Vec::new();
        for b in raw.outcome.iter().flatten() {
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
                self.errors.push(CheckError::new(
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
        if let Some(pos) = branches.iter().position(|b| b.cond.is_none())
            && pos + 1 < branches.len()
        {
            self.errors.push(CheckError::new(
                "an outcome without `if` decides everything after it: make it the last one",
                "outcome:",
            ));
        }
        let decided = branches.last().is_some_and(|b| b.cond.is_none());
        let body = if let Some(parts) = &raw.parts {
            Body::Parts(parts.iter().filter_map(|p| self.judge(p, false)).collect())
        } else if has_thresholds {
            let Some(message) = &raw.message else {
                self.errors.push(CheckError::new("thresholds need a `message`", at));
                return None;
            };
            if value.is_none() {
                self.errors
                    .push(CheckError::new("thresholds need a `value` to compare", at));
            }
            self.message(message);
            let mut t = |x: &Option<Threshold>| x.as_ref().and_then(|t| self.threshold(t));
            Body::Thresholds {
                fail_below: t(&raw.fail_below),
                warn_below: t(&raw.warn_below),
                fail_above: t(&raw.fail_above),
                warn_above: t(&raw.warn_above),
                message: message.clone(),
            }
        } else if decided {
            if raw.message.is_some() {
                self.errors.push(CheckError::new(
                    "`message` goes with thresholds; each outcome carries its own message",
                    at,
                ));
            }
            Body::Branches
        } else {
            self.errors.push(
                CheckError::new(
                    "the plan does not always decide: end `outcome:` with a branch without `if`, or add thresholds on `value` (fail_below, warn_below, fail_above, warn_above) or `parts:`",
                    at,
                )
                .help("e.g. `- pass: \"...\"` as the last outcome"),
            );
            return None;
        };
        let mut findings = Vec::new();
        for f in &raw.findings {
            let cond = match &f.cond {
                Some(c) => Some(self.expr(c)?),
                None => None,
            };
            match f.from.as_deref() {
                Some(from) => match self.kinds.iter().find(|(n, _)| n == from).map(|(_, k)| k.clone()) {
                    Some(Kind::Rows(ds)) => {
                        let schema = Schema::get().dataset(&ds).expect("known dataset");
                        self.row_template(&f.message, schema, &ds);
                        if let Some(s) = &f.sort_by {
                            self.field(schema, &ds, s, None);
                        }
                    }
                    Some(Kind::Keys(_)) => self.key_template(&f.message),
                    _ => {
                        let known: Vec<&str> = self
                            .kinds
                            .iter()
                            .filter(|(_, k)| !matches!(k, Kind::Scalar))
                            .map(|(n, _)| n.as_str())
                            .collect();
                        self.errors.push(
                            CheckError::new(
                                format!("findings come from a row or key set; `{from}` is neither"),
                                from,
                            )
                            .help(suggest(from, &known)),
                        );
                    }
                },
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
    /// Compiles a plan with the params in force; `vocabs` lists the known
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
            row_sets: Vec::new(),
            errors: Vec::new(),
        };
        let mut lets = Vec::new();
        for (name, raw_step) in &raw.lets {
            if is_builtin(name) || name == "value" || name == "threshold" || name == "key" {
                c.errors.push(CheckError::new(
                    format!("`{name}` is a built-in name: choose another"),
                    format!("{name}:"),
                ));
                continue;
            }
            if param_ref(name).is_some() || c.value_names.contains(name) {
                c.errors
                    .push(CheckError::new(format!("`{name}` is named twice"), format!("{name}:")));
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
                if let Kind::Rows(ds) = &kind {
                    c.row_sets.push((name.clone(), ds.clone()));
                }
                c.kinds.push((name.clone(), kind));
                lets.push((name.clone(), step));
            }
            // Named even when broken, so later uses do not repeat the error.
            c.value_names.push(name.clone());
        }
        let root = c.judge(raw, true);
        match root {
            Some(root) if c.errors.is_empty() => Ok(Plan { lets, root }),
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
