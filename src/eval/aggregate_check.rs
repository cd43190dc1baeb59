//! An `aggregate:` check: a metric over a dataset (or per month of the
//! period) judged against warn and fail thresholds.

use super::{EvalOptions, Evidence, Finding, RuleResult, Status, evidence_file, push_finding};
use crate::bundle::Bundle;
use crate::rules::condition::{Period, number_param};
use crate::rules::format::{EmptyOutcome, RawAggregateCheck};
use crate::rules::metric::{Metric, Window};
use crate::rules::params::ParamValues;
use crate::template;
use crate::value::Value;
use chrono::{Datelike, Months, NaiveDate};
use std::collections::BTreeSet;

#[derive(Debug, Clone, Copy)]
struct Thresholds {
    fail_below: Option<f64>,
    warn_below: Option<f64>,
    fail_above: Option<f64>,
    warn_above: Option<f64>,
}

impl Thresholds {
    /// The status of a value and the threshold it crossed (or the nearest one).
    fn classify(&self, v: f64) -> (Status, Option<f64>) {
        if let Some(t) = self.fail_below.filter(|t| v < *t) {
            return (Status::Fail, Some(t));
        }
        if let Some(t) = self.fail_above.filter(|t| v > *t) {
            return (Status::Fail, Some(t));
        }
        if let Some(t) = self.warn_below.filter(|t| v < *t) {
            return (Status::Warn, Some(t));
        }
        if let Some(t) = self.warn_above.filter(|t| v > *t) {
            return (Status::Warn, Some(t));
        }
        (
            Status::Pass,
            self.warn_below
                .or(self.fail_below)
                .or(self.warn_above)
                .or(self.fail_above),
        )
    }
}

pub(super) fn aggregate_check(
    c: &RawAggregateCheck,
    values: &ParamValues,
    bundle: &Bundle,
    period: &Period,
    opts: &EvalOptions,
    result: &mut RuleResult,
) -> Result<(), String> {
    let metric = Metric::compile(&c.value, values).map_err(|e| e.message)?;
    let t = |x: &Option<crate::rules::format::Threshold>| {
        x.as_ref()
            .map(|t| number_param(t, values))
            .transpose()
            .map_err(|e| e.message)
    };
    let th = Thresholds {
        fail_below: t(&c.fail_below)?,
        warn_below: t(&c.warn_below)?,
        fail_above: t(&c.fail_above)?,
        warn_above: t(&c.warn_above)?,
    };
    let mut datasets = BTreeSet::new();
    metric.datasets(&mut datasets);
    let evidence: Vec<Evidence> = datasets.iter().map(|d| evidence_file(bundle, d)).collect();
    let render = |value: f64, threshold: Option<f64>, month: Option<&str>| {
        let lookup = |name: &str| match name {
            "value" => Some(Value::Number(value)),
            "threshold" => Some(threshold.map_or(Value::Null, Value::Number)),
            "warn" => Some(th.warn_below.or(th.warn_above).map_or(Value::Null, Value::Number)),
            "fail" => Some(th.fail_below.or(th.fail_above).map_or(Value::Null, Value::Number)),
            "month" => Some(month.map_or(Value::Null, |m| Value::Text(m.to_string()))),
            other => values.get(other).cloned(),
        };
        template::render(&c.message, &lookup)
    };
    let empty = c.when_empty.unwrap_or(EmptyOutcome::NotAssessed);

    let Some(field) = &c.per_month else {
        let Some(v) = metric.eval(bundle, period, None) else {
            return empty_outcome(
                empty,
                result,
                "the value cannot be computed from the data (e.g. a ratio over zero records)",
            );
        };
        let (status, threshold) = th.classify(v);
        result.status = status;
        result.value = Some(v);
        result.threshold = threshold;
        result.message = render(v, threshold, None);
        if status != Status::Pass {
            let finding = Finding {
                message: result.message.clone(),
                key: String::new(),
                value: Some(v),
                threshold,
                evidence,
            };
            push_finding(result, finding, opts.max_findings);
        }
        return Ok(());
    };

    let mut worst = Status::Pass;
    let mut months_evaluated = 0usize;
    let mut breaches = 0usize;
    for (label, start, end) in months(period) {
        let window = Window { field, start, end };
        let Some(v) = metric.eval(bundle, period, Some(&window)) else {
            continue;
        };
        months_evaluated += 1;
        let (status, threshold) = th.classify(v);
        if status != Status::Pass {
            breaches += 1;
            worst = worst.max(status);
            let finding = Finding {
                message: render(v, threshold, Some(&label)),
                key: format!("month:{label}"),
                value: Some(v),
                threshold,
                evidence: evidence.clone(),
            };
            push_finding(result, finding, opts.max_findings);
        }
    }
    if months_evaluated == 0 {
        return empty_outcome(empty, result, "no month of the period has data to compute the value");
    }
    result.status = worst;
    result.value = Some(breaches as f64);
    result.message = if breaches == 0 {
        format!("All {months_evaluated} months of the period are within the thresholds.")
    } else {
        format!("{breaches} of {months_evaluated} months breach the thresholds.")
    };
    Ok(())
}

fn empty_outcome(empty: EmptyOutcome, result: &mut RuleResult, why: &str) -> Result<(), String> {
    match empty {
        EmptyOutcome::NotAssessed => {
            result.status = Status::NotAssessed;
            result.reason = Some(why.to_string());
            result.message = format!("Not assessed: {why}.");
        }
        EmptyOutcome::Pass => {
            result.status = Status::Pass;
            result.message = format!("Nothing to flag: {why}.");
        }
        EmptyOutcome::Fail => {
            result.status = Status::Fail;
            result.message = format!("Fails: {why}.");
        }
    }
    Ok(())
}

/// Calendar months overlapping the period: ("2025-03", first day, last day).
fn months(period: &Period) -> Vec<(String, NaiveDate, NaiveDate)> {
    let mut out = Vec::new();
    let Some(mut cursor) = NaiveDate::from_ymd_opt(period.start.year(), period.start.month(), 1) else {
        return out;
    };
    while cursor <= period.end && out.len() < 1200 {
        // At the calendar's last month there is no next one: stop, never panic.
        let Some(next) = cursor.checked_add_months(Months::new(1)) else {
            break;
        };
        let Some(last) = next.pred_opt() else { break };
        out.push((
            cursor.format("%Y-%m").to_string(),
            cursor.max(period.start),
            last.min(period.end),
        ));
        cursor = next;
    }
    out
}
