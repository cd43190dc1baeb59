//! Evaluation: every rule against the bundle, each ending as pass, warn,
//! fail, not assessed (its data is missing: never a pass) or error (the
//! rule itself broke; the audit goes on). Findings carry their evidence.

use crate::bundle::{Bundle, coverage};
use crate::rules::condition::{Condition, Period, number_param};
use crate::rules::format::{EmptyOutcome, PeriodNeed, RawAggregateCheck, RawRowsCheck};
use crate::rules::metric::{Metric, Window};
use crate::rules::params::{self, ParamValues};
use crate::rules::script::{CompiledScript, Org};
use crate::rules::shared::SharedRows;
use crate::rules::vocab::Vocabularies;
use crate::rules::{Check, Rule, RulePack};
use crate::template;
use crate::value::Value;
use chrono::{Datelike, Months, NaiveDate};
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// Findings kept per rule; the rest are counted, not listed.
pub const DEFAULT_MAX_FINDINGS: usize = 50;

// What a rule can end as; declared with the rules, which produce it.
pub use crate::rules::Status;

mod outcome;
pub use outcome::{AtStake, Evidence, Finding, ParamUse, RuleResult};

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

fn rows_check(
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

fn aggregate_check(
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

fn plan_check(
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

fn script_check(
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
