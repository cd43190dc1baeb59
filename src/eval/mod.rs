//! Evaluation: every rule against the bundle, each ending as pass, warn,
//! fail, not assessed (its data is missing: never a pass) or error (the
//! rule itself broke; the audit goes on). Findings carry their evidence.

use crate::bundle::{Bundle, coverage};
use crate::rules::condition::Period;
use crate::rules::format::PeriodNeed;
use crate::rules::params;
use crate::rules::shared::SharedRows;
use crate::rules::vocab::Vocabularies;
use crate::rules::{Check, Rule, RulePack};
use crate::value::Value;
use chrono::{Months, NaiveDate};
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// Findings kept per rule; the rest are counted, not listed.
pub const DEFAULT_MAX_FINDINGS: usize = 50;

// What a rule can end as; declared with the rules, which produce it.
pub use crate::rules::Status;

mod aggregate_check;
mod outcome;
mod plan_check;
mod rows_check;
mod script_check;
use aggregate_check::aggregate_check;
pub use outcome::{AtStake, Evidence, Finding, ParamUse, RuleResult};
use plan_check::plan_check;
use rows_check::rows_check;
use script_check::script_check;

/// Everything about a run that is not the rules or the data.
#[derive(Debug, Clone)]
pub struct EvalOptions {
    pub as_of: NaiveDate,
    /// Rule id -> param -> value, from config.
    pub param_overrides: BTreeMap<String, BTreeMap<String, Value>>,
    pub max_findings: usize,
}

impl EvalOptions {
    pub fn new(as_of: NaiveDate) -> Self {
        Self {
            as_of,
            param_overrides: BTreeMap::new(),
            max_findings: DEFAULT_MAX_FINDINGS,
        }
    }
}

/// The audited period: the manifest's, else the 12 months up to the audit date.
pub fn audit_period(bundle: &Bundle, as_of: NaiveDate) -> Period {
    match bundle.manifest.period {
        Some(p) => Period {
            start: p.start,
            end: p.end,
        },
        None => Period {
            start: as_of
                .checked_sub_months(Months::new(12))
                .map_or(as_of, |d| d.succ_opt().unwrap_or(d)),
            end: as_of,
        },
    }
}

pub fn evaluate(pack: &RulePack, bundle: &Arc<Bundle>, opts: &EvalOptions) -> Vec<RuleResult> {
    evaluate_timed(pack, bundle, opts).into_iter().map(|(r, _)| r).collect()
}

/// [`evaluate`], with how long each rule took (to find the slow one).
pub fn evaluate_timed(
    pack: &RulePack,
    bundle: &Arc<Bundle>,
    opts: &EvalOptions,
) -> Vec<(RuleResult, std::time::Duration)> {
    // Rules are independent; par_iter keeps their order in the output.
    // One rule per task: a few rules over a million rows take most of the
    // time, and single tasks let an idle thread take the next one.
    let shared = SharedRows::default();
    pack.rules
        .par_iter()
        .with_max_len(1)
        .map(|rule| {
            let start = std::time::Instant::now();
            let result = evaluate_rule_in(rule, (&pack.vocabularies, &shared), bundle, opts);
            (result, start.elapsed())
        })
        .collect()
}

pub fn evaluate_rule(rule: &Rule, vocabs: &Vocabularies, bundle: &Arc<Bundle>, opts: &EvalOptions) -> RuleResult {
    evaluate_rule_in(rule, (vocabs, &SharedRows::default()), bundle, opts)
}

/// [`evaluate_rule`] within an audit of several rules, sharing its row sets.
fn evaluate_rule_in(
    rule: &Rule,
    (vocabs, shared): (&Vocabularies, &SharedRows),
    bundle: &Arc<Bundle>,
    opts: &EvalOptions,
) -> RuleResult {
    // A profile value reads as the band a vocabulary says it is ("Enterprise
    // (named accounts)" is enterprise); audit refuses one no band knows.
    let profile = |f: &str| crate::config::profile::read(bundle, f, vocabs);
    let (values, origins) = params::resolve(rule, &profile, opts.param_overrides.get(&rule.id));
    let params_used = rule
        .params
        .iter()
        .map(|(name, p)| {
            let use_ = ParamUse {
                value: values[name].clone(),
                default: p.default.clone(),
                origin: origins[name],
            };
            (name.clone(), use_)
        })
        .collect();
    let mut result = RuleResult::new(rule, params_used);
    // Interpreted fields leave out what `requires:` names, so none is listed twice.
    let mut missing = missing_data(&rule.requires, bundle);
    missing.extend(missing_interpreted(rule, bundle));
    if !missing.is_empty() {
        result.status = Status::NotAssessed;
        result.reason = Some(format!("missing data: {}", missing.join(", ")));
        result.message = format!("Not assessed: the bundle lacks {}.", missing.join(", "));
        result.missing = missing;
        return result;
    }
    let period = audit_period(bundle, opts.as_of);
    if let Some(short) = period_shortfall(rule, bundle, &period, opts.as_of) {
        let end = period.end.min(opts.as_of);
        let exports: Vec<String> = short.iter().map(|(ds, why)| format!("the {ds} export {why}")).collect();
        result.status = Status::NotAssessed;
        result.reason = Some(format!("data does not cover the period: {}", exports.join("; ")));
        result.message = format!(
            "Not assessed: this rule judges the whole period ({} to {end}), but {}. Give data for the whole period, or audit the period the data covers.",
            period.start,
            exports.join(", and ")
        );
        result.missing = short
            .iter()
            .map(|(ds, _)| format!("{ds} from {} to {end}", period.start))
            .collect();
        return result;
    }
    let outcome = match &rule.check {
        Check::Rows(c) => rows_check(c, &values, bundle, &period, opts, &mut result),
        Check::Aggregate(c) => aggregate_check(c, &values, bundle, &period, opts, &mut result),
        Check::Script(s) => script_check(rule, s, &values, (bundle, vocabs), &period, opts, &mut result),
        Check::Plan(p) => plan_check(p, &values, (vocabs, shared), bundle, &period, opts, &mut result),
    };
    if let Err(message) = outcome {
        result.status = Status::Error;
        result.message = format!("Rule error: {message}");
        result.reason = Some(message);
        result.findings.clear();
        result.findings_total = 0;
    }
    result
}

/// For a rule that judges the whole period: each dated dataset it reads that
/// covers less of the period (up to the audit date), with what it covers.
fn period_shortfall(rule: &Rule, bundle: &Bundle, period: &Period, as_of: NaiveDate) -> Option<Vec<(String, String)>> {
    if rule.period != PeriodNeed::Whole {
        return None;
    }
    let end = period.end.min(as_of);
    if end < period.start {
        // Before the period starts there is nothing of it to cover; the rule says what it judges then.
        return None;
    }
    let short: Vec<(String, String)> = rule
        .datasets()
        .into_iter()
        .filter_map(|ds| {
            let why = coverage::coverage(bundle, ds)?.shortfall(period.start, end)?;
            Some((ds.to_string(), why))
        })
        .collect();
    (!short.is_empty()).then_some(short)
}

/// Datasets and fields a rule needs that the bundle does not have (or has empty).
pub fn missing_data(requires: &BTreeMap<String, BTreeSet<String>>, bundle: &Bundle) -> Vec<String> {
    let mut missing = Vec::new();
    for (ds_name, fields) in requires {
        if ds_name == "org" && fields.iter().all(|f| bundle.profile_overrides.contains_key(f)) {
            continue;
        }
        let Some(ds) = bundle.dataset(ds_name) else {
            missing.push(ds_name.clone());
            continue;
        };
        for f in fields {
            if ds_name == "org" && bundle.profile_overrides.contains_key(f) {
                continue;
            }
            missing.extend(field_gap(ds, ds_name, f));
        }
    }
    missing
}

/// `dataset.field` when the dataset lacks the field, or holds no value in it.
fn field_gap(ds: &crate::bundle::Dataset, dataset: &str, field: &str) -> Option<String> {
    if !ds.has_field(field) {
        Some(format!("{dataset}.{field}"))
    } else if ds.rows > 0 && ds.column(field).is_some() && !ds.has_values(field) {
        Some(format!("{dataset}.{field} (every value empty)"))
    } else {
        None
    }
}

/// Fields a rule reads through a vocabulary that a dataset it has lacks, or
/// holds no value in: read as "none of these" on every row, they would pass or
/// fail the rule on nothing. (A dataset absent altogether is the rule's to
/// judge: its `requires:` says whether it can do without.)
fn missing_interpreted(rule: &Rule, bundle: &Bundle) -> Vec<String> {
    let mut missing = Vec::new();
    for (dataset, field) in rule
        .interprets
        .iter()
        .flat_map(|(d, fs)| fs.iter().map(move |f| (d, f)))
    {
        let Some(ds) = bundle.dataset(dataset) else { continue };
        if ds.rows > 0 {
            missing.extend(field_gap(ds, dataset, field));
        }
    }
    missing
}

fn evidence_row(bundle: &Bundle, dataset: &str, row: usize) -> Evidence {
    let ds = bundle.dataset(dataset);
    Evidence {
        dataset: dataset.to_string(),
        file: ds.map(|d| d.file.clone()).unwrap_or_default(),
        line: ds.and_then(|d| d.line(row)),
        record: ds.map(|d| d.record_id(row)),
    }
}

fn evidence_file(bundle: &Bundle, dataset: &str) -> Evidence {
    Evidence {
        dataset: dataset.to_string(),
        file: bundle.dataset(dataset).map(|d| d.file.clone()).unwrap_or_default(),
        line: None,
        record: None,
    }
}

fn push_finding(result: &mut RuleResult, finding: Finding, max: usize) {
    result.findings_total += 1;
    if result.findings.len() < max {
        result.findings.push(finding);
    }
}
