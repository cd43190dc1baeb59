//! Aggregate values (`count`, `sum`, `ratio`, `share`, …) computed natively
//! over the typed columns: one pass over the rows a metric reads, no
//! per-row allocation. `None` means "cannot be computed" (a ratio over zero
//! rows, a missing profile field), which a check turns into not assessed.

use super::condition::{CheckError, Condition, Period};
use super::format::{RawAggregate, RawMetric};
use super::params::ParamValues;
use crate::bundle::Bundle;
use crate::bundle::schema::Schema;
use crate::error::suggest;
use crate::value::FieldType;
use chrono::NaiveDate;
use std::collections::BTreeSet;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AggKind {
    Count,
    Sum,
    Avg,
    Min,
    Max,
    Distinct,
}

#[derive(Debug, Clone)]
pub enum Metric {
    Agg {
        kind: AggKind,
        dataset: String,
        field: Option<String>,
        filter: Option<Condition>,
    },
    Share {
        dataset: String,
        field: Option<String>,
        part: Condition,
        within: Option<Condition>,
    },
    Ratio(Box<Metric>, Box<Metric>),
    Sub(Vec<Metric>),
    Mul(Vec<Metric>),
    Const(f64),
    Profile(String),
}

/// Restricts every aggregate to rows whose `field` date is in [start, end].
#[derive(Debug, Clone)]
pub struct Window<'a> {
    pub field: &'a str,
    pub start: NaiveDate,
    pub end: NaiveDate,
}

fn metric_keys(raw: &RawMetric) -> Vec<&'static str> {
    [
        ("count", raw.count.is_some()),
        ("sum", raw.sum.is_some()),
        ("avg", raw.avg.is_some()),
        ("min", raw.min.is_some()),
        ("max", raw.max.is_some()),
        ("distinct", raw.distinct.is_some()),
        ("ratio", raw.ratio.is_some()),
        ("share", raw.share.is_some()),
        ("sub", raw.sub.is_some()),
        ("mul", raw.mul.is_some()),
        ("param", raw.param.is_some()),
        ("profile", raw.profile.is_some()),
        ("number", raw.number.is_some()),
    ]
    .into_iter()
    .filter(|(_, on)| *on)
    .map(|(k, _)| k)
    .collect()
}

fn dataset_schema(name: &str) -> Result<&'static crate::bundle::schema::DatasetSchema, CheckError> {
    Schema::get().dataset(name).ok_or_else(|| {
        CheckError::new(format!("unknown dataset `{name}`"), name).help(suggest(name, &Schema::get().dataset_names()))
    })
}

fn check_field(dataset: &str, field: &str, numeric: bool) -> Result<(), CheckError> {
    let schema = dataset_schema(dataset)?;
    let Some(fs) = schema.fields.get(field) else {
        return Err(
            CheckError::new(format!("dataset `{dataset}` has no field `{field}`"), field)
                .help(suggest(field, &schema.field_names())),
        );
    };
    if numeric && !matches!(fs.ty, FieldType::Number | FieldType::Percent | FieldType::Bool) {
        return Err(CheckError::new(
            format!("`{dataset}.{field}` is not a number, so it cannot be summed or averaged"),
            field,
        ));
    }
    Ok(())
}

impl Metric {
    pub fn compile(raw: &RawMetric, params: &ParamValues) -> Result<Metric, CheckError> {
        let keys = metric_keys(raw);
        if keys.len() != 1 {
            return Err(CheckError::new(
                format!(
                    "a value needs exactly one of count, sum, avg, min, max, distinct, ratio, share, sub, mul, param, profile, number; found {}",
                    if keys.is_empty() {
                        "none".to_string()
                    } else {
                        keys.join(", ")
                    }
                ),
                keys.first().copied().unwrap_or("value:"),
            ));
        }
        let agg = |kind: AggKind, a: &RawAggregate| -> Result<Metric, CheckError> {
            let schema = dataset_schema(&a.dataset)?;
            let needs_field = !matches!(kind, AggKind::Count);
            match (&a.field, needs_field) {
                (Some(f), _) => check_field(&a.dataset, f, !matches!(kind, AggKind::Count | AggKind::Distinct))?,
                (None, true) => {
                    return Err(CheckError::new(
                        format!("`{}` over `{}` needs a `field`", keys[0], a.dataset),
                        a.dataset.clone(),
                    ));
                }
                (None, false) => {}
            }
            let filter = a
                .filter
                .as_ref()
                .map(|f| Condition::compile(f, schema, &a.dataset, params))
                .transpose()?;
            Ok(Metric::Agg {
                kind,
                dataset: a.dataset.clone(),
                field: a.field.clone(),
                filter,
            })
        };
        let list = |items: &Vec<RawMetric>| -> Result<Vec<Metric>, CheckError> {
            if items.len() < 2 {
                return Err(CheckError::new("`sub` and `mul` need at least two values", "sub"));
            }
            items.iter().map(|m| Metric::compile(m, params)).collect()
        };
        Ok(match keys[0] {
            "count" => agg(AggKind::Count, raw.count.as_ref().expect("key"))?,
            "sum" => agg(AggKind::Sum, raw.sum.as_ref().expect("key"))?,
            "avg" => agg(AggKind::Avg, raw.avg.as_ref().expect("key"))?,
            "min" => agg(AggKind::Min, raw.min.as_ref().expect("key"))?,
            "max" => agg(AggKind::Max, raw.max.as_ref().expect("key"))?,
            "distinct" => agg(AggKind::Distinct, raw.distinct.as_ref().expect("key"))?,
            "ratio" => {
                let r = raw.ratio.as_ref().expect("key");
                Metric::Ratio(
                    Box::new(Metric::compile(&r.of, params)?),
                    Box::new(Metric::compile(&r.to, params)?),
                )
            }
            "share" => {
                let s = raw.share.as_ref().expect("key");
                let schema = dataset_schema(&s.dataset)?;
                if let Some(f) = &s.field {
                    check_field(&s.dataset, f, true)?;
                }
                Metric::Share {
                    dataset: s.dataset.clone(),
                    field: s.field.clone(),
                    part: Condition::compile(&s.filter, schema, &s.dataset, params)?,
                    within: s
                        .within
                        .as_ref()
                        .map(|w| Condition::compile(w, schema, &s.dataset, params))
                        .transpose()?,
                }
            }
            "sub" => Metric::Sub(list(raw.sub.as_ref().expect("key"))?),
            "mul" => Metric::Mul(list(raw.mul.as_ref().expect("key"))?),
            "param" => {
                let name = raw.param.as_ref().expect("key");
                let t = super::format::Threshold::Param(format!("${}", name.trim_start_matches('$')));
                Metric::Const(super::condition::number_param(&t, params)?)
            }
            "profile" => {
                let f = raw.profile.as_ref().expect("key");
                check_field("org", f, true)?;
                Metric::Profile(f.clone())
            }
            _ => Metric::Const(raw.number.expect("key")),
        })
    }

    /// (dataset, field) pairs a raw metric reads, for the rule's data needs.
    pub fn reads_of(raw: &RawMetric, out: &mut Vec<(String, Option<String>)>) {
        let mut agg = |a: &RawAggregate| {
            out.push((a.dataset.clone(), a.field.clone()));
            if let Some(f) = &a.filter {
                let mut fields = Vec::new();
                Condition::fields_of(f, &mut fields);
                out.extend(fields.into_iter().map(|f| (a.dataset.clone(), Some(f))));
            }
        };
        for a in [&raw.count, &raw.sum, &raw.avg, &raw.min, &raw.max, &raw.distinct]
            .into_iter()
            .flatten()
        {
            agg(a);
        }
        if let Some(r) = &raw.ratio {
            Metric::reads_of(&r.of, out);
            Metric::reads_of(&r.to, out);
        }
        if let Some(s) = &raw.share {
            out.push((s.dataset.clone(), s.field.clone()));
            let mut fields = Vec::new();
            Condition::fields_of(&s.filter, &mut fields);
            if let Some(w) = &s.within {
                Condition::fields_of(w, &mut fields);
            }
            out.extend(fields.into_iter().map(|f| (s.dataset.clone(), Some(f))));
        }
        for list in [&raw.sub, &raw.mul].into_iter().flatten() {
            for m in list {
                Metric::reads_of(m, out);
            }
        }
        if let Some(p) = &raw.profile {
            out.push(("org".into(), Some(p.clone())));
        }
    }

    /// Datasets this metric reads (for evidence).
    pub fn datasets(&self, out: &mut BTreeSet<String>) {
        match self {
            Metric::Agg { dataset, .. } | Metric::Share { dataset, .. } => {
                out.insert(dataset.clone());
            }
            Metric::Ratio(a, b) => {
                a.datasets(out);
                b.datasets(out);
            }
            Metric::Sub(l) | Metric::Mul(l) => l.iter().for_each(|m| m.datasets(out)),
            Metric::Profile(_) => {
                out.insert("org".into());
            }
            Metric::Const(_) => {}
        }
    }

    pub fn eval(&self, bundle: &Bundle, period: &Period, window: Option<&Window<'_>>) -> Option<f64> {
        match self {
            Metric::Const(n) => Some(*n),
            Metric::Profile(f) => bundle.profile_value(f).as_f64(),
            Metric::Ratio(a, b) => {
                let (a, b) = (a.eval(bundle, period, window)?, b.eval(bundle, period, window)?);
                (b != 0.0).then(|| a / b)
            }
            Metric::Sub(list) => {
                let mut it = list.iter().map(|m| m.eval(bundle, period, window));
                let first = it.next()??;
                it.try_fold(first, |acc, v| Some(acc - v?))
            }
            Metric::Mul(list) => list
                .iter()
                .try_fold(1.0, |acc, m| Some(acc * m.eval(bundle, period, window)?)),
            Metric::Share {
                dataset,
                field,
                part,
                within,
            } => {
                let ds = bundle.dataset(dataset)?;
                let (mut num, mut den) = (0.0, 0.0);
                let within = within.as_ref().map(|w| w.bind(ds, period));
                let part = part.bind(ds, period);
                let column = field.as_ref().map(|f| ds.column(f));
                for row in rows_in_window(ds, window) {
                    if within.as_ref().is_some_and(|w| !w.eval(row)) {
                        continue;
                    }
                    let v = match column {
                        Some(c) => c.and_then(|c| c.number(row)).unwrap_or(0.0),
                        None => 1.0,
                    };
                    den += v;
                    if part.eval(row) {
                        num += v;
                    }
                }
                (den != 0.0).then(|| num / den)
            }
            Metric::Agg {
                kind,
                dataset,
                field,
                filter,
            } => {
                let ds = bundle.dataset(dataset)?;
                let filter = filter.as_ref().map(|f| f.bind(ds, period));
                let rows = rows_in_window(ds, window).filter(|r| filter.as_ref().is_none_or(|f| f.eval(*r)));
                aggregate(*kind, ds, field.as_deref(), rows)
            }
        }
    }
}

fn rows_in_window<'a>(
    ds: &'a crate::bundle::Dataset,
    window: Option<&'a Window<'_>>,
) -> impl Iterator<Item = usize> + 'a {
    let col = window.and_then(|w| ds.column(w.field));
    let days = window.map(|w| (crate::bundle::date_to_days(w.start), crate::bundle::date_to_days(w.end)));
    (0..ds.rows).filter(move |r| match (days, col) {
        (None, _) => true,
        (Some((start, end)), Some(c)) => c.days(*r).is_some_and(|d| start <= d && d <= end),
        (Some(_), None) => false,
    })
}

fn aggregate(
    kind: AggKind,
    ds: &crate::bundle::Dataset,
    field: Option<&str>,
    rows: impl Iterator<Item = usize>,
) -> Option<f64> {
    let col = field.and_then(|f| ds.column(f));
    match kind {
        AggKind::Count => Some(rows.filter(|r| col.is_none_or(|c| !c.is_null(*r))).count() as f64),
        AggKind::Distinct => {
            let col = col?;
            let set: BTreeSet<String> = rows
                .filter(|r| !col.is_null(*r))
                .map(|r| col.value(r).to_text().to_lowercase())
                .collect();
            Some(set.len() as f64)
        }
        AggKind::Sum => Some(rows.filter_map(|r| col?.number(r)).sum()),
        AggKind::Avg => {
            let (mut n, mut sum) = (0usize, 0.0);
            for v in rows.filter_map(|r| col?.number(r)) {
                n += 1;
                sum += v;
            }
            (n > 0).then(|| sum / n as f64)
        }
        AggKind::Min => rows.filter_map(|r| col?.number(r)).reduce(f64::min),
        AggKind::Max => rows.filter_map(|r| col?.number(r)).reduce(f64::max),
    }
}
