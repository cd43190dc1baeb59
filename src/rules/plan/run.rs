//! Evaluates a compiled plan against a bundle: each named value once, in
//! order, natively over the typed columns; then the outcome and the records
//! behind it.

use super::bind::to_val;
use super::expr::{Env, Expr, Val};
use super::group::{Counted, Grouping};
use super::join::Probe;
use super::rows::{first_row, sort_rows, top_rows};
use super::table::{Computed, Table};
use super::{Agg, Body, FindingSpec, GroupHow, GroupLet, Judge, Plan, Step, builtin_date};
use crate::bundle::{Bundle, Dataset, days_to_date};
use crate::rules::Status;
use crate::rules::bound::BindEnv;
use crate::rules::condition::{Condition, Period};
use crate::rules::params::ParamValues;
use crate::rules::select::Mask;
use crate::rules::shared::SharedRows;
use crate::rules::vocab::{TextSet, Vocabularies, Vocabulary, normalize, normalize_into};
use crate::value::{FieldType, Value};
use chrono::{Datelike, NaiveDate};
use groups::GroupValues;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;
use step::join_items;

mod binding;
mod compute;
mod filtered;
mod groups;
mod judge;
mod related;
mod render;
mod shown;
mod step;
#[cfg(test)]
mod tests;

/// A named value at run time.
#[derive(Debug, Clone)]
enum Slot {
    Val(Val),
    Rows {
        dataset: String,
        rows: Arc<Vec<u32>>,
        /// The fields the row set computed (`with:`), and those of the sets it refines.
        computed: Option<Arc<Computed>>,
    },
    Keys {
        dataset: Option<String>,
        keys: Arc<BTreeSet<String>>,
        /// Per key of a `groups` set: its `count` and `let:` values, for
        /// templates, and its first rows, the evidence of a finding.
        values: Arc<GroupValues>,
        /// The rows of the groups kept, in dataset order, and the fields
        /// computed for them: when a later step reads them as a row set.
        members: Option<Members>,
    },
}

/// The rows of a `groups` set's kept groups, and their computed fields.
type Members = (Arc<Vec<u32>>, Option<Arc<Computed>>);

impl Slot {
    /// The rows a later step reads from this value, and the fields computed
    /// for them: a row set's, or a `groups` set's kept rows when it keeps them.
    fn row_set(&self) -> Option<(&Arc<Vec<u32>>, Option<&Computed>)> {
        match self {
            Slot::Rows { rows, computed, .. }
            | Slot::Keys {
                members: Some((rows, computed)),
                ..
            } => Some((rows, computed.as_deref())),
            _ => None,
        }
    }
}

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
    /// Semi-joins answered as the tested rows that match (see `join_rows`).
    join_rows: std::cell::RefCell<HashMap<JoinKey, Arc<Mask>>>,
    /// Groupings a distinct count built for a later `groups:` of the same
    /// rows and field, by (rows, field): one hash of each key for both.
    groupings: std::cell::RefCell<HashMap<(RowsOf, String), Counted>>,
    /// Filters over a whole dataset, shared with the audit's other rules.
    shared: &'a SharedRows,
    /// The first rows found by the lookups of computed fields, for the
    /// lookups of findings to read (see `run/shown.rs`); None when no
    /// finding of the plan looks anything up.
    found: Option<std::cell::RefCell<Vec<shown::Found>>>,
}

/// Which rows a `from` names where it is read: a step's row set (by its
/// index: a later step may reuse a dataset's name), or the dataset.
type RowsOf = (Option<usize>, String);

/// A semi-join in the run's caches: the set's rows and fields, and the
/// tested rows and field when it is built from their side (rows by what a
/// name means where it is read: a step may reuse a dataset's name).
type JoinKey = (RowsOf, Vec<String>, Option<(RowsOf, String)>);

/// Semi-join sets by (row set, fields), and for a set built from the tested
/// side, (tested row set, tested field).
type Joins = HashMap<JoinKey, Arc<TextSet>>;

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
        Val::Text(t) => Value::Text(t.to_string()),
        Val::Date(d) => days_to_date(*d).map_or(Value::Null, Value::Date),
    }
}

/// Whether `v` reads as no value once shown (see [`to_value`]).
fn shows_as_null(v: &Val) -> bool {
    match v {
        Val::Null => true,
        Val::Date(d) => days_to_date(*d).is_none(),
        _ => false,
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
            "currency" => Val::Text(self.bundle.manifest.currency().into()),
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
        let computed = self.slot(from).and_then(Slot::row_set).and_then(|(_, c)| c);
        Some(Table { ds, computed })
    }

    /// The rows behind `from`: a named row set, or every row of a dataset.
    fn rows_of(&self, from: &str, dataset: &str) -> (Option<Table<'_>>, Arc<Vec<u32>>) {
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
        join_rows: Default::default(),
        groupings: Default::default(),
        shared,
        found: plan.root.looks_up().then(Default::default),
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
