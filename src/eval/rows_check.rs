//! A `rows:` check: a finding for each row a condition matches.

use super::{EvalOptions, Finding, RuleResult, Status, evidence_row, push_finding};
use crate::bundle::Bundle;
use crate::rules::condition::{Condition, Period, number_param};
use crate::rules::format::{EmptyOutcome, RawRowsCheck};
use crate::rules::params::ParamValues;
use crate::template;
use crate::value::Value;

pub(super) fn rows_check(
    c: &RawRowsCheck,
    values: &ParamValues,
    bundle: &Bundle,
    period: &Period,
    opts: &EvalOptions,
    result: &mut RuleResult,
) -> Result<(), String> {
    let schema = crate::bundle::schema::Schema::get()
        .dataset(&c.dataset)
        .ok_or("unknown dataset")?;
    let ds = bundle.dataset(&c.dataset).ok_or("dataset missing")?;
    let compile = |raw| Condition::compile(raw, schema, &c.dataset, values).map_err(|e| e.message);
    let filter = c.filter.as_ref().map(compile).transpose()?;
    let flag = compile(&c.flag)?;
    let fail_above = c
        .fail_above
        .as_ref()
        .map(|t| number_param(t, values))
        .transpose()
        .map_err(|e| e.message)?
        .unwrap_or(0.0);
    let warn_above = c
        .warn_above
        .as_ref()
        .map(|t| number_param(t, values))
        .transpose()
        .map_err(|e| e.message)?;

    let mut in_scope = 0usize;
    let mut n = 0usize;
    // Only the rows shown become findings: over a million flagged rows,
    // rendering a message and evidence for each would cost more than the check.
    let mut sample = Vec::new();
    let filter = filter.as_ref().map(|f| f.bind(ds, period));
    let flag = flag.bind(ds, period);
    for row in 0..ds.rows {
        if filter.as_ref().is_some_and(|f| !f.eval(row)) {
            continue;
        }
        in_scope += 1;
        if flag.eval(row) {
            n += 1;
            if sample.len() < opts.max_findings {
                sample.push(row);
            }
        }
    }
    for &row in &sample {
        let lookup = |name: &str| {
            if ds.has_field(name) {
                Some(ds.value(name, row))
            } else if name == "count" {
                Some(Value::Number(n as f64))
            } else {
                values.get(name).cloned()
            }
        };
        let finding = Finding {
            message: template::render(&c.message, &lookup),
            key: format!("{}:{}", c.dataset, ds.record_id(row)),
            value: None,
            threshold: None,
            evidence: vec![evidence_row(bundle, &c.dataset, row)],
        };
        push_finding(result, finding, opts.max_findings);
    }
    result.findings_total += n - sample.len();
    result.value = Some(n as f64);
    result.threshold = Some(fail_above);
    if in_scope == 0 {
        match c.when_empty.unwrap_or(EmptyOutcome::Pass) {
            EmptyOutcome::NotAssessed => {
                result.status = Status::NotAssessed;
                result.reason = Some(format!("no `{}` records in scope", c.dataset));
                result.message = format!("Not assessed: no `{}` records in scope.", c.dataset);
                result.missing = vec![c.dataset.clone()];
                return Ok(());
            }
            EmptyOutcome::Fail => {
                result.status = Status::Fail;
                result.message = format!("No `{}` records in scope.", c.dataset);
                return Ok(());
            }
            EmptyOutcome::Pass => {}
        }
    }
    let nf = n as f64;
    result.status = if nf > fail_above {
        Status::Fail
    } else if warn_above.is_some_and(|w| nf > w) {
        Status::Warn
    } else {
        Status::Pass
    };
    let noun = if in_scope == 1 { "record" } else { "records" };
    result.message = match (result.status, result.findings.first()) {
        // The dataset is named as the export a client handed over, not as a code.
        (Status::Pass, _) if n == 0 => format!("No issue found in the {} export ({in_scope} {noun}).", c.dataset),
        (_, Some(f)) if n == 1 => f.message.clone(),
        _ => format!("{n} of the {in_scope} {noun} in the {} export flagged.", c.dataset),
    };
    Ok(())
}
