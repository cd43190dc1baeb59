//! A condition bound to a dataset: each field test resolved to its column,
//! params and the period to values, lists to sets, once before the rows.

use super::{BindEnv, Bound, Columns, PeriodEnv, param_regex};
use crate::bundle::Dataset;
use crate::rules::condition::{Condition, Period, Rhs, value_list};
use crate::rules::filter::Wanted;
use crate::rules::plan::expr::Val;
use crate::rules::vocab::normalize;
use crate::value::FieldType;
use std::cell::RefCell;
use std::sync::Arc;

impl Condition {
    pub fn bind<'a>(&'a self, ds: &'a Dataset, period: &Period) -> Bound<'a> {
        self.bind_in(ds, &PeriodEnv(*period, period.end))
    }

    pub fn bind_in<'a>(&'a self, ds: &'a Dataset, env: &dyn BindEnv) -> Bound<'a> {
        self.bind_cols(&ds, env)
    }

    /// [`Condition::bind_in`] over any columns: a dataset, or a row set's
    /// view of one with its computed fields. A test on a coded text column
    /// is answered once per distinct value.
    pub fn bind_cols<'a>(&'a self, ds: &dyn Columns<'a>, env: &dyn BindEnv) -> Bound<'a> {
        self.bind_uncoded(ds, env).coded()
    }

    pub(crate) fn bind_uncoded<'a>(&'a self, ds: &dyn Columns<'a>, env: &dyn BindEnv) -> Bound<'a> {
        let period = &env.period();
        let bind_all = |list: &'a [Condition]| list.iter().map(|c| c.bind_cols(ds, env)).collect();
        match self {
            Condition::Matches { field, regex } => match regex.resolve(env, |v| param_regex(&v.to_text())) {
                Some(regex) => Bound::Matches(ds.column(field), regex, RefCell::default()),
                None => Bound::Never,
            },
            Condition::OneOf { field, values } => match values.resolve(env, |v| Some(value_list(v))) {
                Some(values) => Bound::OneOf(ds.column(field), Wanted::new(values.into_iter().map(Some).collect())),
                None => Bound::Never,
            },
            Condition::Compare { field, cmp, value } => match value.resolve(env, crate::value::Value::as_f64) {
                Some(value) => Bound::Compare(ds.column(field), *cmp, value),
                None => Bound::Never,
            },
            Condition::Present { field } => Bound::Present(ds.column(field)),
            Condition::InPeriod { field } => Bound::InPeriod(
                ds.column(field),
                crate::bundle::date_to_days(period.start),
                crate::bundle::date_to_days(period.end),
            ),
            Condition::All(list) => Bound::All(bind_all(list)),
            Condition::Any(list) => Bound::Any(bind_all(list)),
            Condition::Not(c) => Bound::Not(Box::new(c.bind_cols(ds, env))),
            Condition::InVocab { field, vocab } => match env.vocabulary(vocab) {
                Some(v) => Bound::Vocab(ds.column(field), v, RefCell::default()),
                None => Bound::Never,
            },
            Condition::Mentions { field, regex } => match regex.resolve(env, |v| param_regex(&v.to_text())) {
                Some(regex) => Bound::Mentions(ds.column(field), regex, RefCell::default()),
                None => Bound::Never,
            },
            Condition::InRows {
                field,
                from,
                fields,
                or_vocab,
            } => {
                if or_vocab.is_none()
                    && let Some(rows) = env.rows_in(from, fields, field)
                {
                    return Bound::RowsIn(rows);
                }
                let mut set = env.values_of(from, fields, field);
                if let Some(v) = or_vocab.as_deref().and_then(|v| env.vocabulary(v)) {
                    Arc::make_mut(&mut set).extend(v.normalized());
                }
                Bound::InSet(ds.column(field), set)
            }
            Condition::InKeys { field, keys, month } => {
                let keys = env.keys_of(keys);
                if *month {
                    Bound::InMonths(ds.column(field), keys)
                } else {
                    Bound::InSet(ds.column(field), Arc::new(keys.iter().map(|k| normalize(k)).collect()))
                }
            }
            Condition::Follows { field, from, within } => {
                let within = match within {
                    Some(w) => match w.resolve(env, crate::value::Value::as_f64) {
                        Some(n) => Some(n),
                        None => return Bound::Never,
                    },
                    None => None,
                };
                Bound::Follows(ds.column(field), env.dates_of(from, field), within)
            }
            Condition::Versus { field, cmp, rhs } => {
                let col = ds.column(field);
                match rhs {
                    Rhs::Field(other) => Bound::VersusField(col, *cmp, ds.column(other)),
                    Rhs::Expr(e) => match (env.value(e), col.map(|c| c.ty)) {
                        (Val::Date(d), Some(FieldType::Date)) => Bound::VersusConst(col, *cmp, f64::from(d)),
                        (Val::Num(n), Some(ty)) if ty != FieldType::Date => Bound::VersusConst(col, *cmp, n),
                        _ => Bound::Never,
                    },
                }
            }
        }
    }
}
