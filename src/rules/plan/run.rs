//! Evaluates a compiled plan against a bundle: each named value once, in
//! order, natively over the typed columns; then the outcome and the records
//! behind it.

use super::bind::to_val;
use super::expr::{Env, Expr, Val};
use super::group::Grouping;
use super::join::Probe;
use super::rows::{aggregate, first_row, sort_rows, sort_rows_top};
use super::table::{Computed, Table};
use super::{Agg, Body, FindingSpec, GroupHow, GroupLet, Judge, Plan, SetOp, Step, builtin_date};
use crate::bundle::{Bundle, Dataset, date_to_days, days_to_date};
use crate::rules::Status;
use crate::rules::bound::BindEnv;
use crate::rules::condition::{Condition, Period};
use crate::rules::params::ParamValues;
use crate::rules::shared::SharedRows;
use crate::rules::vocab::{TextSet, Vocabularies, Vocabulary, normalize};
use crate::value::{FieldType, Value};
use chrono::{Datelike, NaiveDate};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;

mod compute;
mod filtered;
mod groups;
mod related;

/// A named value at run time.
#[derive(Debug, Clone)]
enum Slot {
    Val(Val),
    Rows {
        dataset: String,
        rows: Arc<Vec<usize>>,
        /// The fields the row set computed (`with:`), and those of the sets it refines.
        computed: Option<Arc<Computed>>,
    },
    Keys {
        dataset: Option<String>,
        keys: Arc<BTreeSet<String>>,
        /// Per key of a `groups` set: its `count` and `let:` values, for templates.
        values: Arc<GroupValues>,
        /// Per key of a `groups` set: its first rows, the evidence of a finding.
        rows: Arc<GroupRows>,
    },
}

/// Key -> (name, value) of the values computed for that group.
type GroupValues = BTreeMap<String, Vec<(String, Value)>>;

/// Key -> the group's first rows (at most [`GROUP_EVIDENCE_ROWS`]).
type GroupRows = BTreeMap<String, Vec<usize>>;

/// Records cited as evidence of one group's finding: enough to check the
/// finding in the export; the finding's message gives the counts.
const GROUP_EVIDENCE_ROWS: usize = 5;

/// One record (or key, or the org) behind an outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanFinding {
    pub message: String,
    pub dataset: Option<String>,
    pub row: Option<usize>,
    /// For key findings (`month:2025-03`).
    pub key: Option<String>,
    /// A group's finding: the first rows of the group, its evidence.
    pub rows: Vec<usize>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PlanOutcome {
    pub status: Status,
    pub message: String,
    pub value: Option<f64>,
    pub threshold: Option<f64>,
    /// The value's formula with the numbers that went into it.
    pub formula: Option<String>,
    pub findings: Vec<PlanFinding>,
    /// Findings beyond those listed.
    pub unlisted: usize,
    /// Datasets the plan read (evidence for org-level findings).
    pub datasets: Vec<String>,
    /// The money at stake (amount, label) of a warning or failure, when the
    /// plan names it and the data gives an amount above 0.
    pub at_stake: Option<(f64, String)>,
}

struct Ctx<'a> {
    bundle: &'a Bundle,
    period: Period,
    as_of: NaiveDate,
    params: &'a ParamValues,
    vocabs: &'a Vocabularies,
    /// The plan's named steps, each computed the first time it is needed: an
    /// outcome decided by a KPI list never reads the million leads its later
    /// branches would judge.
    steps: &'a [(String, Step)],
    index: HashMap<&'a str, usize>,
    slots: Vec<std::cell::OnceCell<Slot>>,
    /// Steps before this index are visible to the names being evaluated.
    visible: std::cell::Cell<usize>,
    max_findings: usize,
    /// Semi-join sets already built in this run, by row set and fields: a
    /// plan often tests the same join in several values.
    joins: std::cell::RefCell<Joins>,
    /// Groupings a distinct count built for a later `groups:` of the same
    /// rows and field, by (rows, field): one hash of each key for both.
    groupings: std::cell::RefCell<HashMap<(RowsOf, String), Grouping>>,
    /// Filters over a whole dataset, shared with the audit's other rules.
    shared: &'a SharedRows,
}

/// Which rows a `from` names where it is read: a step's row set (by its
/// index: a later step may reuse a dataset's name), or the dataset.
type RowsOf = (Option<usize>, String);

/// Semi-join sets by (row set, fields), and for a set built from the tested
/// side, (tested row set, tested field).
type Joins = HashMap<(String, Vec<String>, Option<(String, String)>), Arc<TextSet>>;

impl Env for Ctx<'_> {
    fn name(&self, name: &str) -> Val {
        match self.slot(name) {
            Some(Slot::Val(v)) => v.clone(),
            Some(Slot::Rows { rows, .. }) => Val::Num(rows.len() as f64),
            Some(Slot::Keys { keys, .. }) => Val::Num(keys.len() as f64),
            None => self.builtin(name),
        }
    }
    fn param(&self, name: &str) -> Val {
        self.params.get(name).map_or(Val::Null, to_val)
    }
    fn in_vocab(&self, vocab: &str, text: &str) -> bool {
        self.vocabs.get(vocab).is_some_and(|v| v.contains(text))
    }
    fn has(&self, path: &str) -> bool {
        let (ds, field) = match path.split_once('.') {
            Some((d, f)) => (d, Some(f)),
            None => (path, None),
        };
        if ds == "org" {
            return field.is_some_and(|f| !self.bundle.profile_value(f).is_null());
        }
        self.bundle.dataset(ds).is_some_and(|d| match field {
            Some(f) => d.has_field(f) && (d.rows == 0 || d.has_values(f)),
            None => true,
        })
    }
}

fn to_value(v: &Val) -> Value {
    match v {
        Val::Null => Value::Null,
        Val::Bool(b) => Value::Bool(*b),
        Val::Num(n) => Value::Number(*n),
        Val::Text(t) => Value::Text(t.clone()),
        Val::Date(d) => days_to_date(*d).map_or(Value::Null, Value::Date),
    }
}

/// Month labels from `from` to `to` (inclusive), at most 1,200.
fn months_between(from: NaiveDate, to: NaiveDate) -> Vec<String> {
    let mut out = Vec::new();
    let (mut y, mut m) = (from.year(), from.month());
    while (y, m) <= (to.year(), to.month()) && out.len() < 1200 {
        out.push(format!("{y:04}-{m:02}"));
        m += 1;
        if m > 12 {
            m = 1;
            y += 1;
        }
    }
    out
}

impl Ctx<'_> {
    /// A named step's result, computed on first use.
    fn slot(&self, name: &str) -> Option<&Slot> {
        let i = *self.index.get(name)?;
        // A step sees the steps before it only: in `leads: { rows: { from:
        // leads } }` the `from` is the dataset, as when the plan compiled.
        if i >= self.visible.get() {
            return None;
        }
        Some(self.slots[i].get_or_init(|| {
            let outer = self.visible.replace(i);
            let slot = self.step(&self.steps[i].1);
            self.visible.set(outer);
            slot
        }))
    }

    fn builtin(&self, name: &str) -> Val {
        if let Some(v) = builtin_date(name, &self.period, self.as_of) {
            return v;
        }
        match name {
            "period_months" => Val::Num(self.period_months().len() as f64),
            "elapsed_months" => Val::Num(self.elapsed_months().len() as f64),
            "currency" => Val::Text(self.bundle.manifest.currency().to_string()),
            _ => match name.strip_prefix("org.") {
                Some(f) => to_val(&self.bundle.profile_value(f)),
                None => Val::Null,
            },
        }
    }

    fn period_months(&self) -> Vec<String> {
        months_between(self.period.start, self.period.end)
    }

    /// The period's months up to the audit date (none before the period starts).
    fn elapsed_months(&self) -> Vec<String> {
        if self.as_of < self.period.start {
            return Vec::new();
        }
        months_between(self.period.start, self.as_of.min(self.period.end))
    }

    fn dataset(&self, name: &str) -> Option<&Dataset> {
        self.bundle.dataset(name)
    }

    /// The dataset behind `from` as that row set sees it: with its computed fields.
    fn table(&self, from: &str, dataset: &str) -> Option<Table<'_>> {
        let ds = self.dataset(dataset)?;
        let computed = match self.slot(from) {
            Some(Slot::Rows { computed, .. }) => computed.as_deref(),
            _ => None,
        };
        Some(Table { ds, computed })
    }

    /// The rows behind `from`: a named row set, or every row of a dataset.
    fn rows_of(&self, from: &str, dataset: &str) -> (Option<Table<'_>>, Vec<usize>) {
        self.filtered(from, dataset, None)
    }

    fn keys(&self, name: &str) -> BTreeSet<String> {
        match name {
            "period_months" => self.period_months().into_iter().collect(),
            "elapsed_months" => self.elapsed_months().into_iter().collect(),
            _ => match self.slot(name) {
                Some(Slot::Keys { keys, .. }) => (**keys).clone(),
                _ => BTreeSet::new(),
            },
        }
    }

    fn step(&self, step: &Step) -> Slot {
        match step {
            Step::Expr(e) => Slot::Val(e.eval(self)),
            Step::Rows {
                from,
                dataset,
                filter,
                test,
                with,
            } => {
                let (table, mut rows) = self.filtered(from, dataset, filter.as_ref());
                if let (Some(t), Some((e, fields))) = (table, test) {
                    self.keep_rows(t, &mut rows, e, fields);
                }
                let computed = match table {
                    Some(t) if !with.is_empty() => Some(Arc::new(self.compute(t, &rows, with))),
                    Some(t) => t.computed.map(|c| Arc::new(c.clone())),
                    None => None,
                };
                Slot::Rows {
                    dataset: dataset.clone(),
                    rows: Arc::new(rows),
                    computed,
                }
            }
            Step::Agg {
                agg,
                from,
                dataset,
                field,
                filter,
            } => {
                let (ds, rows) = self.filtered(from, dataset, filter.as_ref());
                if let (Agg::Distinct, Some(f), None, Some(t)) = (agg, field, filter, ds)
                    && let Some(n) = self.distinct_by_grouping(from, f, t, &rows)
                {
                    return Slot::Val(Val::Num(n as f64));
                }
                Slot::Val(aggregate(*agg, ds, field.as_deref(), &rows))
            }
            Step::KeyAgg { agg, from, field } => Slot::Val(self.key_agg(*agg, from, field.as_deref())),
            Step::Months {
                from,
                dataset,
                date,
                end,
                open,
                filter,
            } => {
                let (ds, rows) = self.filtered(from, dataset, filter.as_ref());
                let mut keys = BTreeSet::new();
                if let Some(ds) = ds {
                    let (p0, p1) = (date_to_days(self.period.start), date_to_days(self.period.end));
                    let start_col = ds.column(date);
                    let end_col = end.as_deref().and_then(|e| ds.column(e));
                    for r in rows {
                        let s = start_col.and_then(|c| c.days(r));
                        let e = end_col.and_then(|c| c.days(r));
                        let (s, e) = match (end.is_some(), s, e, open) {
                            (false, Some(s), _, _) => (s, s),
                            (false, None, _, _) => continue,
                            (true, Some(s), Some(e), _) => (s, e),
                            (true, Some(s), None, super::format::OpenRange::StartMonth) => (s, s),
                            (true, Some(s), None, super::format::OpenRange::Period) => (s, p1),
                            (true, None, Some(e), super::format::OpenRange::Period) => (p0, e),
                            (true, None, None, super::format::OpenRange::Period) => (p0, p1),
                            (true, None, _, super::format::OpenRange::StartMonth) => continue,
                        };
                        // Months of the period only: a range from 1900 costs nothing.
                        let (s, e) = (s.max(p0), e.min(p1));
                        if s > e {
                            continue;
                        }
                        let (Some(a), Some(b)) = (days_to_date(s), days_to_date(e)) else {
                            continue;
                        };
                        keys.extend(months_between(a, b));
                    }
                }
                Slot::Keys {
                    dataset: Some(dataset.clone()),
                    keys: Arc::new(keys),
                    values: Arc::default(),
                    rows: Arc::default(),
                }
            }
            Step::Groups {
                from,
                dataset,
                by,
                by_month,
                any,
                none,
                lets,
                having,
            } => {
                let (keys, values, rows) = self.groups(from, dataset, by, *by_month, any, none, lets, having.as_ref());
                Slot::Keys {
                    dataset: Some(dataset.clone()),
                    keys: Arc::new(keys),
                    values: Arc::new(values),
                    rows: Arc::new(rows),
                }
            }
            Step::Keys { of, op } => {
                let a = self.keys(of);
                let keys = match op {
                    None => a,
                    Some((op, other)) => {
                        let b = self.keys(other);
                        match op {
                            SetOp::Minus => a.difference(&b).cloned().collect(),
                            SetOp::And => a.intersection(&b).cloned().collect(),
                            SetOp::Or => a.union(&b).cloned().collect(),
                        }
                    }
                };
                let (dataset, values, rows) = match self.slot(of) {
                    Some(Slot::Keys {
                        dataset, values, rows, ..
                    }) => (dataset.clone(), Arc::clone(values), Arc::clone(rows)),
                    _ => (None, Arc::default(), Arc::default()),
                };
                Slot::Keys {
                    dataset,
                    keys: Arc::new(keys),
                    values,
                    rows,
                }
            }
            Step::List {
                from,
                show,
                limit,
                sort,
                sep,
                distinct,
            } => Slot::Val(Val::Text(self.list(
                from,
                show.as_deref(),
                *limit,
                sort.as_ref(),
                sep,
                *distinct,
            ))),
            Step::Pick { cond, then, otherwise } => {
                let chosen = if cond.eval(self).truthy() { then } else { otherwise };
                self.slot(chosen).cloned().unwrap_or(Slot::Val(Val::Null))
            }
            Step::Text(t) => Slot::Val(Val::Text(self.render(t, &|_| None))),
            Step::First { from, field, sort } => {
                let Some(Slot::Rows { dataset, rows, .. }) = self.slot(from) else {
                    return Slot::Val(Val::Null);
                };
                let Some(ds) = self.table(from, dataset) else {
                    return Slot::Val(Val::Null);
                };
                let first = match sort {
                    Some((s, desc)) => first_row(ds, rows, s, *desc),
                    None => rows.first().copied(),
                };
                Slot::Val(first.map_or(Val::Null, |r| to_val(&ds.value(field, r))))
            }
        }
    }

    /// A template rendered for one key of a key set: `{key}`, and the
    /// group's own values when the set comes from `groups`.
    fn render_key(&self, template: &str, values: &GroupValues, key: &str) -> String {
        let own = values.get(key);
        self.render(template, &|n| {
            if n == "key" {
                return Some(Value::Text(key.to_string()));
            }
            own.and_then(|v| v.iter().find(|(name, _)| name == n))
                .map(|(_, v)| v.clone())
        })
    }

    fn list(
        &self,
        from: &str,
        show: Option<&str>,
        limit: Option<usize>,
        sort: Option<&(String, bool)>,
        sep: &str,
        distinct: bool,
    ) -> String {
        let items: Vec<String> = match self.slot(from) {
            Some(Slot::Rows { dataset, rows, .. }) => {
                let Some(ds) = self.table(from, dataset) else {
                    return String::new();
                };
                self.show_rows(ds, rows.to_vec(), show, sort)
            }
            Some(Slot::Keys { keys, values, .. }) => match show {
                Some(t) => keys.iter().map(|k| self.render_key(t, values, k)).collect(),
                None => keys.iter().cloned().collect(),
            },
            _ => self.keys(from).into_iter().collect(),
        };
        join_items(items, limit, sep, distinct)
    }

    /// Rows shown by a template (or by their ids), in order.
    fn show_rows(
        &self,
        ds: Table<'_>,
        mut rows: Vec<usize>,
        show: Option<&str>,
        sort: Option<&(String, bool)>,
    ) -> Vec<String> {
        if let Some((s, desc)) = sort {
            sort_rows(ds, &mut rows, s, *desc);
        }
        rows.iter()
            .map(|r| match show {
                Some(t) => self.render_row(t, ds, *r),
                None => ds.record_id(*r),
            })
            .collect()
    }

    /// A plan-level name as a template value: row sets show their count, key sets their keys.
    fn template_value(&self, name: &str) -> Option<Value> {
        if let Some(slot) = self.slot(name) {
            return Some(match slot {
                Slot::Val(v) => to_value(v),
                Slot::Rows { rows, .. } => Value::Number(rows.len() as f64),
                Slot::Keys { keys, .. } => Value::List(keys.iter().cloned().collect()),
            });
        }
        if matches!(name, "period_months" | "elapsed_months") {
            return Some(Value::List(self.keys(name).into_iter().collect()));
        }
        if let Some(v) = self.params.get(name) {
            return Some(v.clone());
        }
        let v = self.builtin(name);
        (v != Val::Null || super::is_builtin(name)).then(|| to_value(&v))
    }

    fn render(&self, template: &str, extra: &dyn Fn(&str) -> Option<Value>) -> String {
        crate::template::render_in(
            template,
            &|name| extra(name).or_else(|| self.template_value(name)),
            Some(self.bundle.manifest.currency()),
        )
    }

    fn render_row(&self, template: &str, ds: Table<'_>, row: usize) -> String {
        self.render(template, &|name| ds.has_field(name).then(|| ds.value(name, row)))
    }
}

impl Ctx<'_> {
    /// A semi-join's set: the normalised values of `fields` in the row set
    /// (or dataset) `from`, built once per run. With `probe` (the rows a
    /// filter tests, and their field) fewer than the rows read, only the
    /// values those rows name are kept (see [`super::join`]).
    fn join_set(&self, from: &str, fields: &[String], probe: Option<(Probe<'_>, &str)>) -> Arc<TextSet> {
        let (table, set_rows) = match self.slot(from) {
            Some(Slot::Rows { dataset, rows, .. }) => (self.table(from, dataset), Some(rows)),
            _ => (self.table(from, from), None),
        };
        // No field to read the values of (ACCT-006: opportunities exported
        // without lead_id): nothing to hash on the tested side either.
        let Some(table) = table.filter(|t| fields.iter().any(|f| t.column(f).is_some())) else {
            return Arc::default();
        };
        let read = set_rows.map_or(table.ds.rows, |r| r.len());
        let probe = probe.filter(|(p, _)| p.len() < read);
        let key = (
            from.to_string(),
            fields.to_vec(),
            probe.map(|(p, f)| (p.from.to_string(), f.to_string())),
        );
        if let Some(set) = self.joins.borrow().get(&key) {
            return Arc::clone(set);
        }
        let only = probe.map(|(p, field)| p.values(field));
        let set = if only.as_ref().is_some_and(TextSet::is_empty) {
            TextSet::default()
        } else {
            let all: Vec<usize>;
            let rows = match set_rows {
                Some(r) => r.as_slice(),
                None => {
                    all = (0..table.ds.rows).collect();
                    &all
                }
            };
            super::join::values(table, rows, fields, only.as_ref())
        };
        let set = Arc::new(set);
        self.joins.borrow_mut().insert(key, Arc::clone(&set));
        set
    }
}

/// A filter's environment while it is bound for a pass over known rows: a
/// semi-join in it can be built from the side of the rows it tests.
struct Probing<'c, 'a> {
    ctx: &'c Ctx<'a>,
    probe: Probe<'c>,
}

impl BindEnv for Probing<'_, '_> {
    fn period(&self) -> Period {
        self.ctx.period
    }
    fn vocabulary(&self, name: &str) -> Option<Arc<Vocabulary>> {
        self.ctx.vocabulary(name)
    }
    fn values_of(&self, from: &str, fields: &[String], probe: &str) -> Arc<TextSet> {
        self.ctx.join_set(from, fields, Some((self.probe, probe)))
    }
    fn value(&self, e: &Expr) -> Val {
        self.ctx.value(e)
    }
    fn keys_of(&self, name: &str) -> HashSet<String> {
        self.ctx.keys_of(name)
    }
    fn param_value(&self, name: &str) -> Value {
        self.ctx.param_value(name)
    }
    fn dates_of(&self, from: &str, field: &str) -> Vec<i32> {
        self.ctx.dates_of(from, field)
    }
}

impl BindEnv for Ctx<'_> {
    fn period(&self) -> Period {
        self.period
    }
    fn vocabulary(&self, name: &str) -> Option<Arc<Vocabulary>> {
        self.vocabs.get(name).cloned()
    }
    fn values_of(&self, from: &str, fields: &[String], _: &str) -> Arc<TextSet> {
        self.join_set(from, fields, None)
    }
    fn value(&self, e: &Expr) -> Val {
        e.eval(self)
    }
    fn keys_of(&self, name: &str) -> HashSet<String> {
        self.keys(name).into_iter().collect()
    }
    fn param_value(&self, name: &str) -> Value {
        self.params.get(name).cloned().unwrap_or(Value::Null)
    }
    fn dates_of(&self, from: &str, field: &str) -> Vec<i32> {
        let Some(Slot::Rows { dataset, rows, .. }) = self.slot(from) else {
            return Vec::new();
        };
        let Some(col) = self.table(from, dataset).and_then(|d| d.column(field)) else {
            return Vec::new();
        };
        let mut dates: Vec<i32> = rows.iter().filter_map(|r| col.days(*r)).collect();
        dates.sort_unstable();
        dates
    }
}

impl Ctx<'_> {
    /// `count`, `sum`, … of one value of each group of a key set.
    fn key_agg(&self, agg: Agg, from: &str, field: Option<&str>) -> Val {
        let Some(Slot::Keys { keys, values, .. }) = self.slot(from) else {
            return if agg == Agg::Count { Val::Num(0.0) } else { Val::Null };
        };
        let Some(field) = field else {
            return Val::Num(keys.len() as f64);
        };
        let of = |k: &String| {
            values
                .get(k)
                .and_then(|v| v.iter().find(|(n, _)| n == field))
                .map_or(Value::Null, |(_, v)| v.clone())
        };
        let vals: Vec<Value> = keys.iter().map(of).filter(|v| !v.is_null()).collect();
        match agg {
            Agg::Count => Val::Num(vals.len() as f64),
            Agg::Distinct => Val::Num(
                vals.iter()
                    .map(|v| normalize(&v.to_text()))
                    .collect::<HashSet<_>>()
                    .len() as f64,
            ),
            _ => super::rows::reduce(agg, vals.iter().filter_map(Value::as_f64)),
        }
    }
}

/// The outcome of one judge (the plan, or one of its parts).
struct Judged {
    status: Status,
    message: String,
    value: Option<f64>,
    threshold: Option<f64>,
    formula: Option<String>,
    findings: Vec<PlanFinding>,
    unlisted: usize,
}

impl Ctx<'_> {
    fn num(&self, e: &Expr) -> Option<f64> {
        e.eval(self).as_num()
    }

    fn judge(&self, j: &Judge) -> Judged {
        let mut out = Judged {
            status: Status::Pass,
            message: String::new(),
            value: None,
            threshold: j.threshold.as_ref().and_then(|t| self.num(t)),
            formula: None,
            findings: Vec::new(),
            unlisted: 0,
        };
        if let Some((w, otherwise)) = &j.when
            && !w.eval(self).truthy()
        {
            out.status = Status::NotApplicable;
            out.message = self.render(otherwise, &|_| None);
            return out;
        }
        if let Some((v, at_least, reason)) = &j.min_sample
            && self.num(v).unwrap_or(0.0) < self.num(at_least).unwrap_or(f64::INFINITY)
        {
            out.status = Status::NotAssessed;
            out.message = self.render(reason, &|_| None);
            return out;
        }
        out.value = j.value.as_ref().and_then(|(v, _)| self.num(v));
        out.formula = j.value.as_ref().map(|(v, src)| formula(v, src, self));
        let value = out.value;
        let with_value = |name: &str| match name {
            "value" => Some(value.map_or(Value::Null, Value::Number)),
            _ => None,
        };
        let chosen = j
            .branches
            .iter()
            .find(|b| b.cond.as_ref().is_none_or(|c| c.eval(self).truthy()));
        if let Some(b) = chosen {
            out.status = b.status;
            if let Some(t) = b.threshold.as_ref().and_then(|t| self.num(t)) {
                out.threshold = Some(t);
            }
            if let Some((v, src)) = &b.value {
                out.value = self.num(v);
                out.formula = Some(formula(v, src, self));
            }
            let (threshold, value) = (out.threshold, out.value);
            out.message = self.render(&b.message, &|n| match n {
                "value" => Some(value.map_or(Value::Null, Value::Number)),
                "threshold" => Some(threshold.map_or(Value::Null, Value::Number)),
                _ => None,
            });
            if !b.status.assessed() {
                // Nothing was measured: no value, and no threshold unless the branch names one.
                out.value = None;
                out.formula = None;
                out.threshold = b.threshold.as_ref().and_then(|t| self.num(t));
                return out;
            }
        }
        match &j.body {
            _ if chosen.is_some() => {}
            Body::Branches => {}
            Body::Thresholds {
                fail_below,
                warn_below,
                fail_above,
                warn_above,
                message,
            } => {
                let t = |e: &Option<Expr>| e.as_ref().and_then(|e| self.num(e));
                let (fb, wb, fa, wa) = (t(fail_below), t(warn_below), t(fail_above), t(warn_above));
                let Some(v) = value else {
                    out.status = Status::NotAssessed;
                    out.message = "the value cannot be computed from the data (e.g. a share of zero records)".into();
                    return out;
                };
                let (status, threshold) = if let Some(t) = fb.filter(|t| v < *t) {
                    (Status::Fail, Some(t))
                } else if let Some(t) = fa.filter(|t| v > *t) {
                    (Status::Fail, Some(t))
                } else if let Some(t) = wb.filter(|t| v < *t) {
                    (Status::Warn, Some(t))
                } else if let Some(t) = wa.filter(|t| v > *t) {
                    (Status::Warn, Some(t))
                } else {
                    (Status::Pass, wb.or(fb).or(wa).or(fa))
                };
                out.status = status;
                out.threshold = threshold;
                out.message = self.render(message, &|n| {
                    with_value(n).or_else(|| (n == "threshold").then(|| threshold.map_or(Value::Null, Value::Number)))
                });
            }
            Body::Parts(parts) => {
                let results: Vec<(Option<&str>, Judged)> =
                    parts.iter().map(|p| (p.name.as_deref(), self.judge(p))).collect();
                let assessed: Vec<&Judged> = results.iter().map(|(_, r)| r).filter(|r| r.status.assessed()).collect();
                if assessed.is_empty() {
                    let missing: Vec<String> = results
                        .iter()
                        .filter(|(_, r)| r.status == Status::NotAssessed)
                        .map(|(n, r)| format!("{}: {}", n.unwrap_or("part"), r.message))
                        .collect();
                    if missing.is_empty() {
                        out.status = Status::NotApplicable;
                        out.message = results
                            .iter()
                            .map(|(_, r)| r.message.clone())
                            .collect::<Vec<_>>()
                            .join("; ");
                    } else {
                        out.status = Status::NotAssessed;
                        out.message = missing.join("; ");
                    }
                    return out;
                }
                let worst = assessed.iter().map(|r| r.status).max().unwrap_or(Status::Pass);
                let unassessed: Vec<String> = results
                    .iter()
                    .filter(|(_, r)| r.status == Status::NotAssessed)
                    .map(|(n, r)| format!("{}: {}", n.unwrap_or("part"), r.message))
                    .collect();
                // A part that could not be judged might have failed: only a
                // failure is certain without it. Passing or warning on the
                // rest would let withholding one part's data lift the rule.
                if worst != Status::Fail && !unassessed.is_empty() {
                    let judged: Vec<String> = results
                        .iter()
                        .filter(|(_, r)| r.status.assessed())
                        .map(|(n, r)| format!("{} {} ({})", n.unwrap_or("part"), r.status.as_str(), r.message))
                        .collect();
                    out.status = Status::NotAssessed;
                    out.message = format!("{}; judged without it: {}", unassessed.join("; "), judged.join("; "));
                    return out;
                }
                out.status = worst;
                out.message = capitalise(
                    &assessed
                        .iter()
                        .map(|r| r.message.as_str())
                        .filter(|m| !m.is_empty())
                        .collect::<Vec<_>>()
                        .join("; "),
                );
                let lead = assessed.iter().find(|r| r.status == worst).expect("one is the worst");
                if out.value.is_none() {
                    out.value = lead.value;
                    out.formula = lead.formula.clone();
                }
                if out.threshold.is_none() {
                    out.threshold = lead.threshold;
                }
                for (_, r) in results {
                    out.findings.extend(r.findings);
                    out.unlisted += r.unlisted;
                }
            }
        }
        for spec in &j.findings {
            self.findings(spec, out.status, &mut out);
        }
        out
    }

    fn findings(&self, spec: &FindingSpec, status: Status, out: &mut Judged) {
        let wanted = match &spec.cond {
            Some(c) => c.eval(self).truthy(),
            None => matches!(status, Status::Warn | Status::Fail),
        };
        if !wanted {
            return;
        }
        let limit = spec.limit.unwrap_or(usize::MAX).min(self.max_findings);
        match spec.from.as_deref().and_then(|f| self.slot(f).map(|s| (f, s))) {
            Some((from, Slot::Rows { dataset, rows, .. })) => {
                let Some(ds) = self.table(from, dataset) else { return };
                let mut rows = rows.to_vec();
                let total = rows.len();
                if let Some((s, desc)) = &spec.sort {
                    sort_rows_top(ds, &mut rows, s, *desc, limit);
                }
                out.unlisted += total.saturating_sub(limit);
                for &r in rows.iter().take(limit) {
                    out.findings.push(PlanFinding {
                        message: self.render_row(&spec.message, ds, r),
                        dataset: Some(dataset.clone()),
                        row: Some(r),
                        key: None,
                        rows: Vec::new(),
                    });
                }
            }
            Some((
                _,
                Slot::Keys {
                    dataset,
                    keys,
                    values,
                    rows: cited,
                },
            )) => {
                out.unlisted += keys.len().saturating_sub(limit);
                let mut keys: Vec<&String> = keys.iter().collect();
                if let Some((s, desc)) = &spec.sort {
                    sort_keys(&mut keys, values, s, *desc);
                }
                for k in keys.into_iter().take(limit) {
                    let is_month = k.len() == 7 && k.as_bytes()[4] == b'-';
                    out.findings.push(PlanFinding {
                        message: self.render_key(&spec.message, values, k),
                        dataset: dataset.clone(),
                        row: None,
                        rows: cited.get(k.as_str()).cloned().unwrap_or_default(),
                        key: Some(if is_month {
                            format!("month:{k}")
                        } else {
                            format!("group:{k}")
                        }),
                    });
                }
            }
            _ => out.findings.push(PlanFinding {
                message: self.render(&spec.message, &|_| None),
                dataset: None,
                row: None,
                key: None,
                rows: Vec::new(),
            }),
        }
    }
}

/// Keys by one value of their group: numbers by size, texts as words, the
/// missing last either way; ties keep key order.
fn sort_keys(keys: &mut [&String], values: &GroupValues, field: &str, desc: bool) {
    let key = |k: &String| -> (u8, f64, String) {
        match values
            .get(k)
            .and_then(|v| v.iter().find(|(n, _)| n == field))
            .map(|(_, v)| v)
        {
            None | Some(Value::Null) => (1, 0.0, String::new()),
            Some(v) => match v.as_f64() {
                Some(n) => (0, n, String::new()),
                None => (0, 0.0, normalize(&v.to_text())),
            },
        }
    };
    let mut keyed: Vec<((u8, f64, String), &String)> = keys.iter().map(|k| (key(k), *k)).collect();
    keyed.sort_by(|(ka, _), (kb, _)| {
        ka.0.cmp(&kb.0).then_with(|| {
            let o = ka.1.total_cmp(&kb.1).then_with(|| ka.2.cmp(&kb.2));
            if desc { o.reverse() } else { o }
        })
    });
    for (slot, (_, k)) in keys.iter_mut().zip(keyed) {
        *slot = k;
    }
}

/// Items joined, each distinct text once if asked, "and N more" past `limit`.
fn join_items(mut items: Vec<String>, limit: Option<usize>, sep: &str, distinct: bool) -> String {
    if distinct {
        let mut seen = HashSet::new();
        items.retain(|i| seen.insert(normalize(i)));
    }
    let total = items.len();
    if let Some(l) = limit.filter(|l| total > *l) {
        items.truncate(l);
        let more = format!("and {} more", total - l);
        items.push(more);
    }
    items.join(sep)
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// `attended / meetings` -> `attended / meetings = 3 / 10`.
fn formula(e: &Expr, src: &str, ctx: &Ctx<'_>) -> String {
    fn show(e: &Expr, ctx: &Ctx<'_>, out: &mut String) {
        match e {
            Expr::Name(_) | Expr::Param(_) => {
                out.push_str(&crate::template::format_value(&to_value(&e.eval(ctx)), None))
            }
            Expr::Lit(v) => out.push_str(&crate::template::format_value(&to_value(v), None)),
            Expr::Neg(x) => {
                out.push('-');
                show(x, ctx, out);
            }
            Expr::Not(x) => {
                out.push_str("not ");
                show(x, ctx, out);
            }
            Expr::Bin(op, a, b) => {
                out.push('(');
                show(a, ctx, out);
                out.push_str(match op {
                    super::expr::BinOp::Add => " + ",
                    super::expr::BinOp::Sub => " - ",
                    super::expr::BinOp::Mul => " × ",
                    super::expr::BinOp::Div => " / ",
                    super::expr::BinOp::Lt => " < ",
                    super::expr::BinOp::Lte => " <= ",
                    super::expr::BinOp::Gt => " > ",
                    super::expr::BinOp::Gte => " >= ",
                    super::expr::BinOp::Eq => " == ",
                    super::expr::BinOp::Ne => " != ",
                    super::expr::BinOp::And => " and ",
                    super::expr::BinOp::Or => " or ",
                    super::expr::BinOp::Coalesce => " ?? ",
                });
                show(b, ctx, out);
                out.push(')');
            }
            Expr::Call(f, args) => {
                out.push_str(f);
                out.push('(');
                // The branch `if` did not take is not computed (it may be a
                // pass over a million rows): shown as `…`.
                let skipped = match (f.as_str(), args.first()) {
                    ("if", Some(cond)) => Some(if cond.eval(ctx).truthy() { 2 } else { 1 }),
                    _ => None,
                };
                for (i, a) in args.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    if skipped == Some(i) {
                        out.push('…');
                    } else {
                        show(a, ctx, out);
                    }
                }
                out.push(')');
            }
        }
    }
    if matches!(e, Expr::Name(_) | Expr::Lit(_) | Expr::Param(_)) {
        return src.to_string();
    }
    let mut numbers = String::new();
    show(e, ctx, &mut numbers);
    let numbers = numbers
        .strip_prefix('(')
        .and_then(|s| s.strip_suffix(')'))
        .unwrap_or(&numbers)
        .to_string();
    format!("{src} = {numbers}")
}

/// Evaluates `plan` on `bundle` alone (the tests' entry: an audit shares
/// row sets across its rules, [`run_shared`]).
#[cfg(test)]
pub(crate) fn run(
    plan: &Plan,
    bundle: &Bundle,
    period: Period,
    as_of: NaiveDate,
    params: &ParamValues,
    vocabs: &Vocabularies,
    max_findings: usize,
) -> PlanOutcome {
    let shared = SharedRows::default();
    run_shared(plan, bundle, period, as_of, params, vocabs, max_findings, &shared)
}

/// Evaluates `plan` on `bundle`, sharing filtered row sets with the audit's other rules.
#[allow(clippy::too_many_arguments)]
pub(crate) fn run_shared(
    plan: &Plan,
    bundle: &Bundle,
    period: Period,
    as_of: NaiveDate,
    params: &ParamValues,
    vocabs: &Vocabularies,
    max_findings: usize,
    shared: &SharedRows,
) -> PlanOutcome {
    let ctx = Ctx {
        bundle,
        period,
        as_of,
        params,
        vocabs,
        steps: &plan.lets,
        index: plan
            .lets
            .iter()
            .enumerate()
            .map(|(i, (name, _))| (name.as_str(), i))
            .collect(),
        slots: plan.lets.iter().map(|_| std::cell::OnceCell::new()).collect(),
        visible: std::cell::Cell::new(plan.lets.len()),
        max_findings,
        joins: Default::default(),
        groupings: Default::default(),
        shared,
    };
    let datasets: BTreeSet<String> = plan
        .lets
        .iter()
        .filter_map(|(_, step)| step.dataset())
        .filter(|d| bundle.dataset(d).is_some())
        .map(str::to_string)
        .collect();
    let j = ctx.judge(&plan.root);
    let at_stake = match &plan.root.at_stake {
        Some((amount, label)) if matches!(j.status, Status::Warn | Status::Fail) => ctx
            .num(amount)
            .filter(|a| a.is_finite() && *a > 0.0)
            .map(|a| (a, ctx.render(label, &|_| None))),
        _ => None,
    };
    PlanOutcome {
        at_stake,
        status: j.status,
        message: j.message,
        value: j.value,
        threshold: j.threshold,
        formula: j.formula,
        findings: j.findings,
        unlisted: j.unlisted,
        datasets: datasets.into_iter().collect(),
    }
}

#[cfg(test)]
mod pick_and_branch_value_tests {
    use super::*;
    use crate::bundle::Manifest;
    use crate::error::SourceFile;
    use crate::rules::plan::format::RawPlan;

    fn outcome(plan: &str, data: &str) -> PlanOutcome {
        let raw: RawPlan = crate::yaml::from_str(plan).unwrap();
        let params = ParamValues::new();
        let plan = Plan::compile(&raw, &params, None).unwrap_or_else(|e| panic!("{e:?}"));
        let data: indexmap::IndexMap<String, crate::yaml::Value> = crate::yaml::from_str(data).unwrap();
        let source = SourceFile::new("test", String::new());
        let bundle = crate::bundle::bundle_from_inline("test", &data, Manifest::default(), &source).unwrap();
        let day = |m, d| NaiveDate::from_ymd_opt(2025, m, d).unwrap();
        let period = Period {
            start: day(1, 1),
            end: day(12, 31),
        };
        run(&plan, &bundle, period, day(12, 31), &params, &Vocabularies::new(), 50)
    }

    const PLAN: &str = r#"
let:
  approved: { rows: { from: plans, where: { field: status, equals: approved } } }
  all: { rows: { from: plans } }
  counted: { pick: { if: "has(plans.status)", then: approved, else: all } }
value: counted
outcome:
  - if: counted > 2
    warn: "{counted} plans, value {value}"
    value: counted * 10
    threshold: 5
  - pass: "{counted} plans, value {value}"
findings:
  - from: counted
    message: "{id}"
"#;

    #[test]
    fn pick_chooses_a_row_set_by_a_condition() {
        let with_status = "plans: [{id: A, status: approved}, {id: B, status: draft}]";
        let o = outcome(PLAN, with_status);
        assert_eq!((o.status, o.message.as_str()), (Status::Pass, "1 plans, value 1"));
        let without_status = "plans: [{id: A}, {id: B}, {id: C}]";
        let o = outcome(PLAN, without_status);
        assert_eq!(o.status, Status::Warn);
        let ids: Vec<&str> = o.findings.iter().map(|f| f.message.as_str()).collect();
        assert_eq!(ids, ["A", "B", "C"]);
    }

    const AT_STAKE: &str = r#"
let:
  idle: { rows: { from: campaigns, where: { field: leads, lte: 0 } } }
  idle_cost: { sum: { from: idle, field: cost } }
outcome:
  - if: idle > 0
    fail: "{idle} idle"
  - pass: none idle
at_stake:
  amount: idle_cost
  label: "of spend on {idle:n idle campaign}"
"#;

    #[test]
    fn the_money_at_stake_is_named_only_for_a_warning_or_failure_with_an_amount() {
        let o = outcome(
            AT_STAKE,
            "campaigns: [{id: A, leads: 0, cost: 1200}, {id: B, leads: 3, cost: 50}]",
        );
        assert_eq!(o.status, Status::Fail);
        assert_eq!(o.at_stake, Some((1200.0, "of spend on 1 idle campaign".to_string())));
        let o = outcome(AT_STAKE, "campaigns: [{id: A, leads: 2, cost: 1200}]");
        assert_eq!((o.status, o.at_stake), (Status::Pass, None));
        // No amount recorded: nothing is at stake rather than a made-up 0.
        let o = outcome(AT_STAKE, "campaigns: [{id: A, leads: 0}]");
        assert_eq!((o.status, o.at_stake), (Status::Fail, None));
    }

    #[test]
    fn a_part_cannot_name_its_own_money_at_stake() {
        let raw: RawPlan = crate::yaml::from_str(
            "parts:\n  - name: a\n    outcome: [{ pass: ok }]\n    at_stake: { amount: '1', label: x }\n",
        )
        .unwrap();
        let errors = Plan::compile(&raw, &ParamValues::new(), None).unwrap_err();
        assert!(errors.iter().any(|e| e.message.contains("`at_stake`")), "{errors:?}");
    }

    #[test]
    fn a_branch_reports_its_own_value() {
        let o = outcome(PLAN, "plans: [{id: A}, {id: B}, {id: C}]");
        assert_eq!(o.message, "3 plans, value 30");
        assert_eq!((o.value, o.threshold), (Some(30.0), Some(5.0)));
        assert_eq!(o.formula.as_deref(), Some("counted * 10 = 3 × 10"));
    }

    #[test]
    fn a_sum_of_no_rows_is_plus_zero() {
        let plan = "let: { none: { rows: { from: campaigns, where: { field: type, equals: x } } }, total: { sum: { from: none, field: cost } } }\nvalue: total\noutcome: [{ pass: '{total}' }]";
        let o = outcome(plan, "campaigns: [{id: A, type: event, cost: 5}]");
        assert!(
            o.value.is_some_and(|v| v == 0.0 && v.is_sign_positive()),
            "{:?}",
            o.value
        );
        assert_eq!(o.message, "0");
    }

    #[test]
    fn pick_needs_row_sets_of_one_dataset() {
        let raw: RawPlan = crate::yaml::from_str(
            r#"
let:
  a: { rows: { from: plans } }
  b: { rows: { from: kpis } }
  c: { pick: { if: "true", then: a, else: b } }
outcome:
  - pass: ok
"#,
        )
        .unwrap();
        let errors = Plan::compile(&raw, &ParamValues::new(), None).unwrap_err();
        assert!(errors[0].message.contains("row sets of one dataset"), "{errors:?}");
    }
}

#[cfg(test)]
mod tests {
    use crate::ruletest::{Verdict, run_rule_tests};

    /// A rule whose inline tests pin a `rows` step's `if` and an empty sum.
    const RULE: &str = r#"
id: ACCT-901
title: Reports to leadership at least monthly
severity: low
rationale: test
remediation: test
params:
  min_per_year: { default: 12, description: Fewest reports a year. }
check:
  plan:
    let:
      all: { rows: { from: reports } }
      regular: { rows: { from: all, if: "per_year(cadence) >= $min_per_year" } }
      unknown: { rows: { from: reports, if: "is_null(per_year(cadence))" } }
      spend: { sum: { from: budget, field: amount, where: { field: line, equals: Media } } }
      names: "join(', ', 'reports', '', null)"
    outcome:
      - if: all == 0
        not_assessed: no reports
      - if: regular == 0
        fail: 'none of {all} reports is regular ({unknown} with no cadence; {names}; spend {spend:pct0})'
      - pass: '{regular} regular'
tests:
  - name: weekly and monthly are regular
    expect: pass
    expect_message: '^2 regular$'
    data:
      reports:
        - { id: R1, cadence: Weekly }
        - { id: R2, cadence: monthly }
        - { id: R3, cadence: quarterly }
  - name: quarterly is not, an unknown cadence is counted, an empty sum is 0
    expect: fail
    expect_message: '^none of 2 reports is regular \(1 with no cadence; reports; spend 0%\)$'
    data:
      reports:
        - { id: R1, cadence: Quarterly }
        - { id: R2, cadence: whenever }
      budget:
        - { id: B1, line: Team, amount: 5000 }
  - name: nothing to judge
    expect: not_assessed
    data: {}
"#;

    #[test]
    fn a_rows_step_tests_each_row_with_an_expression() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("accountable")).unwrap();
        std::fs::write(dir.path().join("accountable/ACCT-901.yaml"), RULE).unwrap();
        let loaded = crate::rules::load_rule_dirs(&[dir.path().to_path_buf()]).unwrap_or_else(|p| panic!("{p}"));
        let rule = loaded.pack.get("ACCT-901").unwrap();
        let results = run_rule_tests(rule, &loaded.pack);
        assert_eq!(results.len(), 3);
        for r in results {
            assert_eq!(r.verdict, Verdict::Validated, "{}: {}", r.case, r.detail);
        }
    }
}

#[cfg(test)]
mod keys_and_follows_tests {
    use super::*;
    use crate::bundle::{Manifest, bundle_from_inline};
    use crate::error::SourceFile;

    fn outcome(plan: &str, data: &str) -> PlanOutcome {
        let raw: super::super::format::RawPlan = crate::yaml::from_str(plan).unwrap();
        let params = ParamValues::new();
        let plan = Plan::compile(&raw, &params, None).unwrap_or_else(|e| panic!("{e:?}"));
        let data: indexmap::IndexMap<String, crate::yaml::Value> = crate::yaml::from_str(data).unwrap();
        let bundle = bundle_from_inline("test", &data, Manifest::default(), &SourceFile::new("t.yaml", "")).unwrap();
        let d = |m, d| NaiveDate::from_ymd_opt(2025, m, d).unwrap();
        let period = Period {
            start: d(1, 1),
            end: d(12, 31),
        };
        run(&plan, &bundle, period, d(12, 31), &params, &Vocabularies::new(), 100)
    }

    #[test]
    fn in_keys_keeps_rows_whose_value_or_month_is_a_key() {
        let o = outcome(
            "let:
  attended: { rows: { from: meetings, where: { field: attendees, in_rows: { from: people, fields: [id] } } } }
  months: { months: { from: meetings, date: date } }
  covered: { months: { from: attended, date: date } }
  gaps: { keys: { of: months, minus: covered } }
  missed: { rows: { from: meetings, where: { field: date, in_keys: gaps } } }
  ids: { groups: { from: meetings, by: id, having: count > 0 } }
  named: { rows: { from: meetings, where: { field: id, in_keys: ids } } }
  other: { rows: { from: meetings, where: { field: date, not_in_keys: gaps } } }
  note: { text: '{missed} missed{?gaps: in {gaps}}{!named:, none named}' }
outcome:
  - fail: '{note}'
findings:
  - from: missed
    if: 'true'
    message: '{id}'",
            "people: [{ id: p-cmo }]
meetings:
  - { id: M-1, date: 2025-01-07, attendees: p-cro }
  - { id: M-2, date: 2025-01-28, attendees: p-cmo }
  - { id: M-3, date: 2025-02-25, attendees: p-cro }
  - { id: M-4, date: 2025-02-26 }",
        );
        assert_eq!(o.message, "2 missed in 2025-02");
        let ids: Vec<&str> = o.findings.iter().map(|f| f.message.as_str()).collect();
        assert_eq!(ids, ["M-3", "M-4"]);
    }

    #[test]
    fn a_not_assessed_outcome_carries_no_value() {
        let o = outcome(
            "let:\n  n: { count: { from: meetings } }\noutcome:\n  - if: n < 5\n    not_assessed: too few\n  - pass: ok\nvalue: n\nthreshold: 5",
            "meetings: [{ id: M-1 }]",
        );
        assert_eq!(
            (o.status, o.value, o.threshold, o.formula),
            (Status::NotAssessed, None, None, None)
        );
    }

    #[test]
    fn follows_finds_a_later_date_and_its_gap_to_the_latest_earlier_one() {
        let o = outcome(
            "let:
  dated: { rows: { from: positioning, where: { field: status, equals: approved } } }
  changes: { rows: { from: positioning, where: { field: effective_date, follows: { from: dated } } } }
  quick: { rows: { from: positioning, where: { field: effective_date, follows: { from: dated, within_days: 100 } } } }
outcome:
  - fail: '{changes} changes, {quick} quick'
findings:
  - from: quick
    message: '{id}'",
            "positioning:
  - { id: P-1, effective_date: 2024-01-01, status: approved }
  - { id: P-2, effective_date: 2024-03-01, status: approved }
  - { id: P-3, effective_date: 2024-09-01, status: approved }
  - { id: P-4, effective_date: 2024-01-01, status: approved }
  - { id: P-5, status: approved }",
        );
        assert_eq!(o.message, "2 changes, 1 quick");
        assert_eq!(o.findings[0].message, "P-2");
    }

    #[test]
    fn in_keys_names_a_key_set_of_the_plan() {
        let raw: super::super::format::RawPlan = crate::yaml::from_str(
            "let:
  x: { rows: { from: meetings, where: { field: date, in_keys: nope } } }
outcome:
  - pass: ok",
        )
        .unwrap();
        let errors = Plan::compile(&raw, &ParamValues::new(), None).unwrap_err();
        assert!(errors[0].message.contains("`in_keys` names `nope`"), "{errors:?}");
    }
}
