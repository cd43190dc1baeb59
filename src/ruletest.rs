//! `mktaudit rules test`: runs each rule's inline tests. Like ast-grep's
//! verify, a rule is *noisy* when it flags a case that should pass, and
//! *missing* when it stays silent on a case that should fail.

use crate::bundle::{Manifest, bundle_from_inline};
use crate::eval::{EvalOptions, Status, evaluate_rule};
use crate::rules::format::ExpectedStatus;
use crate::rules::params::yaml_to_value;
use crate::rules::{Rule, RulePack};
use chrono::NaiveDate;
use std::collections::BTreeMap;
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The rule gave the expected outcome.
    Validated,
    /// It flagged (warn/fail) a case expected to pass or be not assessed.
    Noisy,
    /// It did not flag a case expected to warn or fail.
    Missing,
    /// Any other mismatch (wrong flag level, assessed when data is missing, error).
    Wrong,
}

#[derive(Debug, Clone)]
pub struct CaseResult {
    pub rule: String,
    pub case: String,
    pub expected: ExpectedStatus,
    pub actual: Status,
    pub verdict: Verdict,
    pub detail: String,
}

fn expected_status(e: ExpectedStatus) -> Status {
    match e {
        ExpectedStatus::Pass => Status::Pass,
        ExpectedStatus::Warn => Status::Warn,
        ExpectedStatus::Fail => Status::Fail,
        ExpectedStatus::NotAssessed => Status::NotAssessed,
        ExpectedStatus::NotApplicable => Status::NotApplicable,
    }
}

pub const DEFAULT_TEST_DATE: (i32, u32, u32) = (2025, 12, 31);

pub fn run_rule_tests(rule: &Rule, pack: &RulePack) -> Vec<CaseResult> {
    rule.tests
        .iter()
        .map(|t| {
            let as_of = t.as_of.unwrap_or_else(|| {
                let (y, m, d) = DEFAULT_TEST_DATE;
                NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
            });
            let manifest = t.manifest.clone().unwrap_or_else(Manifest::default);
            let bundle = match bundle_from_inline(&format!("test `{}`", t.name), &t.data, manifest, &rule.source) {
                Ok(b) => Arc::new(b),
                Err(problems) => {
                    return CaseResult {
                        rule: rule.id.clone(),
                        case: t.name.clone(),
                        expected: t.expect,
                        actual: Status::Error,
                        verdict: Verdict::Wrong,
                        detail: format!("test data does not load: {problems}"),
                    };
                }
            };
            let mut opts = EvalOptions::new(as_of);
            let overrides: BTreeMap<String, crate::value::Value> = t
                .params
                .iter()
                .filter_map(|(k, v)| yaml_to_value(v).ok().map(|v| (k.clone(), v)))
                .collect();
            opts.param_overrides.insert(rule.id.clone(), overrides);
            let result = evaluate_rule(rule, &pack.vocabularies, &bundle, &opts);
            let score_mismatch = t.expect_score.and_then(|want| {
                let got = category_score(rule, pack, &bundle, &opts);
                match got {
                    Some(g) if (g - want).abs() < 0.05 => None,
                    Some(g) => Some(format!("expected a {} score of {want}, got {g}", rule.category)),
                    None => Some(format!(
                        "expected a {} score of {want}, but nothing in it was assessed",
                        rule.category
                    )),
                }
            });
            let expected = expected_status(t.expect);
            let flagged = |s: Status| matches!(s, Status::Warn | Status::Fail);
            let text = result.reason.as_deref().unwrap_or(&result.message);
            let mismatch = detail_mismatch(
                t.expect_message.as_deref(),
                t.expect_findings,
                text,
                result.findings_total,
            )
            .or(score_mismatch)
            .or_else(|| at_stake_mismatch(t.expect_at_stake, result.at_stake.as_ref()));
            let verdict = if result.status == expected && mismatch.is_none() {
                Verdict::Validated
            } else if result.status == expected {
                Verdict::Wrong
            } else if flagged(result.status) && !flagged(expected) {
                Verdict::Noisy
            } else if flagged(expected) && !flagged(result.status) {
                Verdict::Missing
            } else {
                Verdict::Wrong
            };
            // An error's message already quotes its reason; say it once.
            let detail = match &result.reason {
                Some(r) if !result.message.contains(r.as_str()) => format!("{}: {r}", result.message),
                _ => result.message.clone(),
            };
            let detail = match mismatch {
                Some(m) if result.status == expected => format!("{m} (message: {detail})"),
                _ => detail,
            };
            CaseResult {
                rule: rule.id.clone(),
                case: t.name.clone(),
                expected: t.expect,
                actual: result.status,
                verdict,
                detail,
            }
        })
        .collect()
}

/// The score of `rule`'s category when every rule of it in `pack` runs on
/// `bundle` (params overridden by the case apply to `rule` only).
fn category_score(
    rule: &Rule,
    pack: &RulePack,
    bundle: &Arc<crate::bundle::Bundle>,
    opts: &EvalOptions,
) -> Option<f64> {
    let items: Vec<crate::score::Scored> = pack
        .rules
        .iter()
        .filter(|r| r.category == rule.category)
        .map(|r| crate::score::Scored {
            category: r.category,
            weight: r.weight,
            status: evaluate_rule(r, &pack.vocabularies, bundle, opts).status,
        })
        .collect();
    let card = crate::score::score_items(&items, &crate::score::GRADE_BANDS);
    card.categories.into_iter().find(|c| c.category == rule.category)?.score
}

/// What a case's `expect_message` / `expect_findings` say that the outcome does not.
fn detail_mismatch(pattern: Option<&str>, findings: Option<usize>, text: &str, total: usize) -> Option<String> {
    if let Some(p) = pattern {
        match regex::Regex::new(p) {
            Ok(re) if !re.is_match(text) => return Some(format!("the message does not match `{p}`")),
            Err(e) => return Some(format!("`expect_message` is not a valid regex: {e}")),
            Ok(_) => {}
        }
    }
    match findings {
        Some(n) if n != total => Some(format!("expected {n} findings, got {total}")),
        _ => None,
    }
}

/// What a case's `expect_at_stake` says that the outcome does not (0: none named).
fn at_stake_mismatch(want: Option<f64>, got: Option<&crate::eval::AtStake>) -> Option<String> {
    let want = want?;
    let got_amount = got.map_or(0.0, |a| a.amount);
    ((got_amount - want).abs() >= 0.005).then(|| match got {
        Some(a) => format!("expected {want} at stake, got {} {}", a.amount, a.label),
        None => format!("expected {want} at stake, got none"),
    })
}

/// Runs the tests of every rule (or of one), in id order.
pub fn run_pack_tests(pack: &RulePack, only: Option<&str>) -> Vec<CaseResult> {
    pack.rules
        .iter()
        .filter(|r| only.is_none_or(|id| r.id == id))
        .flat_map(|r| run_rule_tests(r, pack))
        .collect()
}

/// Rules that ship fewer than the three kinds of case (pass, fail, not assessed).
pub fn incomplete_rules(pack: &RulePack) -> Vec<(String, Vec<&'static str>)> {
    pack.rules
        .iter()
        .filter_map(|r| {
            let has = |e: ExpectedStatus| r.tests.iter().any(|t| t.expect == e);
            let mut lacking = Vec::new();
            if !has(ExpectedStatus::Pass) {
                lacking.push("pass");
            }
            if !has(ExpectedStatus::Fail) && !has(ExpectedStatus::Warn) {
                lacking.push("fail");
            }
            if !has(ExpectedStatus::NotAssessed) {
                lacking.push("not_assessed");
            }
            (!lacking.is_empty()).then(|| (r.id.clone(), lacking))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expect_at_stake_catches_a_wrong_or_missing_amount() {
        let named = crate::eval::AtStake {
            amount: 3000.0,
            label: "of ad spend".into(),
        };
        assert_eq!(at_stake_mismatch(Some(3000.0), Some(&named)), None);
        assert_eq!(at_stake_mismatch(None, Some(&named)), None);
        assert_eq!(at_stake_mismatch(Some(0.0), None), None);
        assert!(at_stake_mismatch(Some(2500.0), Some(&named)).is_some());
        assert!(at_stake_mismatch(Some(0.0), Some(&named)).is_some());
        assert!(at_stake_mismatch(Some(3000.0), None).is_some());
    }
}
