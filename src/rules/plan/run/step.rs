//! One named value of a plan computed from its step: an expression, a row
//! set, an aggregate, months, groups, a key set or a list.

use super::super::bind::to_val;
use super::super::expr::Val;
use super::super::rows::{aggregate, first_row};
use super::super::{Agg, SetOp, Step};
use super::{Ctx, Slot, months_between};
use crate::bundle::{date_to_days, days_to_date};
use crate::rules::vocab::normalize;
use std::collections::{BTreeSet, HashSet};
use std::sync::Arc;

impl Ctx<'_> {
    pub(super) fn step(&self, step: &Step) -> Slot {
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
                    self.keep_rows(t, Arc::make_mut(&mut rows), e, fields);
                }
                let computed = match table {
                    Some(t) if !with.is_empty() => Some(Arc::new(self.compute(t, &rows, with))),
                    Some(t) => t.computed.map(|c| Arc::new(c.clone())),
                    None => None,
                };
                Slot::Rows {
                    dataset: dataset.clone(),
                    rows,
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
                    for &r in rows.iter() {
                        let s = start_col.and_then(|c| c.days(r as usize));
                        let e = end_col.and_then(|c| c.days(r as usize));
                        let (s, e) = match (end.is_some(), s, e, open) {
                            (false, Some(s), _, _) => (s, s),
                            (false, None, _, _) => continue,
                            (true, Some(s), Some(e), _) => (s, e),
                            (true, Some(s), None, super::super::format::OpenRange::StartMonth) => (s, s),
                            (true, Some(s), None, super::super::format::OpenRange::Period) => (s, p1),
                            (true, None, Some(e), super::super::format::OpenRange::Period) => (p0, e),
                            (true, None, None, super::super::format::OpenRange::Period) => (p0, p1),
                            (true, None, _, super::super::format::OpenRange::StartMonth) => continue,
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
                    members: None,
                }
            }
            Step::Groups {
                from,
                dataset,
                by,
                by_month,
                members,
                any,
                none,
                lets,
                having,
            } => {
                let (keys, values, kept) = self.groups(
                    (from, dataset),
                    (by, *by_month, *members),
                    any,
                    none,
                    lets,
                    having.as_ref(),
                );
                // Their computed fields are those of the rows grouped.
                let members = members.then(|| {
                    let computed = match self.slot(from) {
                        Some(Slot::Rows { computed, .. }) => computed.clone(),
                        _ => None,
                    };
                    (Arc::new(kept), computed)
                });
                Slot::Keys {
                    dataset: Some(dataset.clone()),
                    keys: Arc::new(keys),
                    values: Arc::new(values),
                    members,
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
                let (dataset, values) = match self.slot(of) {
                    Some(Slot::Keys { dataset, values, .. }) => (dataset.clone(), Arc::clone(values)),
                    _ => (None, Arc::default()),
                };
                Slot::Keys {
                    dataset,
                    keys: Arc::new(keys),
                    values,
                    members: None,
                }
            }
            Step::List {
                from,
                show,
                limit,
                sort,
                sep,
                distinct,
            } => Slot::Val(Val::Text(
                self.list(from, show.as_deref(), *limit, sort.as_ref(), sep, *distinct)
                    .into(),
            )),
            Step::Pick { cond, then, otherwise } => {
                let chosen = if cond.eval(self).truthy() { then } else { otherwise };
                self.slot(chosen).cloned().unwrap_or(Slot::Val(Val::Null))
            }
            Step::Text(t) => Slot::Val(Val::Text(self.render(t, &|_| None).into())),
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
                Slot::Val(first.map_or(Val::Null, |r| to_val(&ds.value(field, r as usize))))
            }
        }
    }
}

/// Items joined, each distinct text once if asked, "and N more" past `limit`.
pub(super) fn join_items(mut items: Vec<String>, limit: Option<usize>, sep: &str, distinct: bool) -> String {
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
