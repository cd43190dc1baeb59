//! A `plan:` check (the declarative language): the compiled plan run over
//! the bundle, its outcome and findings turned into the rule's result.

use super::{AtStake, EvalOptions, Finding, RuleResult, Status, evidence_file, evidence_row, push_finding};
use crate::bundle::Bundle;
use crate::rules::condition::Period;
use crate::rules::params::ParamValues;
use crate::rules::shared::SharedRows;
use crate::rules::vocab::Vocabularies;

pub(super) fn plan_check(
    check: &crate::rules::PlanCheck,
    values: &ParamValues,
    (vocabs, shared): (&Vocabularies, &SharedRows),
    bundle: &Bundle,
    period: &Period,
    opts: &EvalOptions,
    result: &mut RuleResult,
) -> Result<(), String> {
    // Compiled once when the rule loaded; this audit's params (a profile
    // band, a config override) are bound as it runs.
    let plan = &check.compiled;
    plan.check_params(values)?;
    let out = crate::rules::plan::run_shared(
        plan,
        bundle,
        *period,
        opts.as_of,
        values,
        vocabs,
        opts.max_findings,
        shared,
    );
    result.status = out.status;
    result.value = out.value;
    result.threshold = out.threshold;
    result.formula = out.formula;
    result.at_stake = out.at_stake.map(|(amount, label)| AtStake { amount, label });
    match out.status {
        Status::NotAssessed => {
            result.reason = Some(out.message.clone());
            result.message = format!("Not assessed: {}", out.message);
            return Ok(());
        }
        Status::NotApplicable => {
            result.message = out.message;
            return Ok(());
        }
        _ => result.message = out.message,
    }
    for f in out.findings {
        let evidence = match (&f.dataset, f.row) {
            (Some(ds), Some(row)) => vec![evidence_row(bundle, ds, row)],
            (Some(ds), None) if !f.rows.is_empty() => f.rows.iter().map(|r| evidence_row(bundle, ds, *r)).collect(),
            (Some(ds), None) => vec![evidence_file(bundle, ds)],
            _ => out.datasets.iter().map(|d| evidence_file(bundle, d)).collect(),
        };
        let key = match (&f.dataset, f.row, &f.key) {
            (Some(ds), Some(row), _) => bundle
                .dataset(ds)
                .map_or_else(String::new, |d| format!("{ds}:{}", d.record_id(row))),
            (_, _, Some(k)) => k.clone(),
            _ => String::new(),
        };
        push_finding(
            result,
            Finding {
                message: f.message,
                key,
                value: if f.row.is_none() { out.value } else { None },
                threshold: if f.row.is_none() { out.threshold } else { None },
                evidence,
            },
            opts.max_findings,
        );
    }
    result.findings_total += out.unlisted;
    if matches!(result.status, Status::Warn | Status::Fail) && result.findings_total == 0 {
        let finding = Finding {
            message: result.message.clone(),
            key: String::new(),
            value: result.value,
            threshold: result.threshold,
            evidence: out.datasets.iter().map(|d| evidence_file(bundle, d)).collect(),
        };
        push_finding(result, finding, opts.max_findings);
    }
    Ok(())
}
