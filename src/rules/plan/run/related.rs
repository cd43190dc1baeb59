//! Related aggregates among computed fields (`with: { x: { sum: { from,
//! on, within } } }`): the other rows indexed once per step, by key and in
//! date order (see [`super::super::lookup`]).

use super::super::bind::{At, BoundExpr};
use super::super::expr::Val;
use super::super::lookup::Group;
use super::super::{Agg, Related};
use super::compute::Key;
use super::{Ctx, to_value};
use crate::bundle::Column;
use crate::rules::vocab::normalize_into;
use crate::value::Value;
use std::collections::HashMap;

/// The other rows of a lookup, by key (the normalised `on` values joined),
/// each group in date order when the lookup has `within`.
pub(super) struct RelatedIndex {
    /// The rows do not exist: count 0, else missing.
    no_rows: bool,
    /// The field aggregated does not exist: the same for an aggregate of it.
    no_field: bool,
    groups: HashMap<String, Group, foldhash::fast::RandomState>,
}

/// Whether `b` can read the index built for `a`: the same rows, keys and
/// dates, and the values `a`'s index holds (a count of rows needs none; min
/// and max need trees of their own). INTG-005 sums and counts the same
/// 300,000 deals per forecast period.
pub(super) fn shares_index(a: &Related, b: &Related) -> bool {
    let running = |l: &Related| matches!(l.agg, Agg::Count | Agg::Sum | Agg::Avg);
    a.from == b.from
        && a.dataset == b.dataset
        && a.filter.is_none()
        && b.filter.is_none()
        && a.on
            .iter()
            .map(|(theirs, _)| theirs)
            .eq(b.on.iter().map(|(theirs, _)| theirs))
        && a.within.as_ref().map(|w| &w.date) == b.within.as_ref().map(|w| &w.date)
        && running(a)
        && running(b)
        && (a.field == b.field || (b.field.is_none() && b.agg == Agg::Count))
}

impl Ctx<'_> {
    pub(super) fn related_index(&self, l: &Related) -> RelatedIndex {
        let (table, rows) = self.filtered(&l.from, &l.dataset, l.filter.as_ref());
        let mut groups: HashMap<String, Vec<(i32, usize)>, foldhash::fast::RandomState> = HashMap::default();
        let Some(t) = table else {
            return RelatedIndex {
                no_rows: true,
                no_field: true,
                groups: HashMap::default(),
            };
        };
        let keys: Vec<Option<&Column>> = l.on.iter().map(|(theirs, _)| t.column(theirs)).collect();
        let date = l.within.as_ref().map(|w| t.column(&w.date));
        let (mut buf, mut key) = (String::new(), String::new());
        // Without `on`, every row is in the one group: nothing to key.
        let mut all: Vec<(i32, usize)> = Vec::new();
        'rows: for r in rows.iter().map(|r| *r as usize) {
            let day = match date {
                Some(col) => match col.and_then(|c| c.days(r)) {
                    Some(d) => d,
                    None => continue,
                },
                None => 0,
            };
            if keys.is_empty() {
                all.push((day, r));
                continue;
            }
            key.clear();
            for col in &keys {
                let Some(c) = col.filter(|c| !c.is_null(r)) else {
                    continue 'rows;
                };
                normalize_into(&c.key_text(r), &mut buf);
                key.push_str(&buf);
                key.push('\u{1f}');
            }
            match groups.get_mut(key.as_str()) {
                Some(rows) => rows.push((day, r)),
                None => {
                    groups.insert(key.clone(), vec![(day, r)]);
                }
            }
        }
        if keys.is_empty() && !all.is_empty() {
            groups.insert(String::new(), all);
        }
        let col = l.field.as_deref().and_then(|f| t.column(f));
        RelatedIndex {
            no_rows: false,
            no_field: col.is_none(),
            groups: groups
                .into_iter()
                .map(|(k, rows)| (k, Group::new(rows, col, l.agg)))
                .collect(),
        }
    }
}

impl RelatedIndex {
    /// The aggregate over the other rows matching row `r`; null when the
    /// row has no key or no range to match with.
    pub(super) fn value(
        &self,
        l: &Related,
        on: &[Key<'_>],
        within: Option<&(BoundExpr<'_>, BoundExpr<'_>)>,
        (r, local): (usize, &[Val]),
        ctx: &Ctx<'_>,
    ) -> Val {
        if self.no_rows || (l.field.is_some() && self.no_field) {
            return if l.agg == Agg::Count { Val::Num(0.0) } else { Val::Null };
        }
        let mut key = String::new();
        let mut buf = String::new();
        for mine in on {
            let text = match mine {
                Key::Local(i) => match &local[*i] {
                    Val::Null => return Val::Null,
                    v => to_value(v).to_text(),
                },
                Key::Column(c) => match c.map_or(Value::Null, |c| c.value(r)) {
                    Value::Null => return Val::Null,
                    v => v.to_text(),
                },
            };
            normalize_into(&text, &mut buf);
            key.push_str(&buf);
            key.push('\u{1f}');
        }
        let dates = match within {
            Some((start, end)) => {
                let at = At {
                    row: r,
                    local,
                    around: ctx,
                };
                let (Val::Date(a), Val::Date(b)) = (start.eval(&at), end.eval(&at)) else {
                    return Val::Null;
                };
                Some((a, b))
            }
            None => None,
        };
        match self.groups.get(&key) {
            Some(g) => {
                let (lo, hi) = g.range(dates);
                g.value(l.agg, l.field.is_some(), lo, hi)
            }
            None => Group::new(Vec::new(), None, l.agg).value(l.agg, l.field.is_some(), 0, 0),
        }
    }
}
