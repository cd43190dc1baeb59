//! A Rhai `script:` check, run in the sandbox with the host API over the
//! bundle; its findings cite the rows and files it names.

use super::{EvalOptions, Finding, RuleResult, Status, evidence_file, evidence_row, push_finding};
use crate::bundle::Bundle;
use crate::rules::Rule;
use crate::rules::condition::Period;
use crate::rules::params::ParamValues;
use crate::rules::script::{CompiledScript, Org};
use crate::rules::vocab::Vocabularies;
use std::sync::Arc;

pub(super) fn script_check(
    rule: &Rule,
    script: &CompiledScript,
    values: &ParamValues,
    (bundle, vocabs): (&Arc<Bundle>, &Vocabularies),
    period: &Period,
    opts: &EvalOptions,
    result: &mut RuleResult,
) -> Result<(), String> {
    let mut allowed = rule.requires.clone();
    for (ds, fields) in &rule.optional {
        allowed.entry(ds.clone()).or_default().extend(fields.iter().cloned());
    }
    let org = Org::new(Arc::clone(bundle), *period, allowed).with_vocabularies(vocabs);
    let outcome = script.run(org, values, opts.as_of).map_err(|e| match e.location {
        Some(loc) => format!("{} (at {loc})", e.message),
        None => e.message,
    })?;
    result.status = outcome.status;
    result.value = outcome.value;
    result.threshold = outcome.threshold;
    result.message = outcome.message.clone();
    if result.status == Status::NotAssessed {
        let reason = outcome
            .reason
            .clone()
            .unwrap_or_else(|| "the script could not assess the data".into());
        result.message = format!("Not assessed: {reason}");
        result.reason = Some(reason);
        return Ok(());
    }
    for f in &outcome.findings {
        let evidence = match (&f.dataset, f.row) {
            (Some(ds), Some(row)) if bundle.dataset(ds).is_some_and(|d| row < d.rows) => {
                vec![evidence_row(bundle, ds, row)]
            }
            (Some(ds), _) if bundle.dataset(ds).is_some() => vec![evidence_file(bundle, ds)],
            _ => Vec::new(),
        };
        let key = match (&f.dataset, f.row) {
            (Some(ds), Some(row)) => bundle
                .dataset(ds)
                .map_or_else(String::new, |d| format!("{ds}:{}", d.record_id(row))),
            _ => String::new(),
        };
        push_finding(
            result,
            Finding {
                message: f.message.clone(),
                key,
                value: None,
                threshold: None,
                evidence,
            },
            opts.max_findings,
        );
    }
    if result.status != Status::Pass && result.findings_total == 0 {
        let evidence = rule
            .requires
            .keys()
            .filter(|d| bundle.dataset(d).is_some())
            .map(|d| evidence_file(bundle, d))
            .collect();
        let finding = Finding {
            message: result.message.clone(),
            key: String::new(),
            value: result.value,
            threshold: result.threshold,
            evidence,
        };
        push_finding(result, finding, opts.max_findings);
    }
    Ok(())
}
