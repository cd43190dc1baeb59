//! Params are bound when a plan runs, not compiled into it: a plan is
//! compiled once, when its rule loads, and an audit (or a test case) with
//! other values than the defaults runs that same plan. This file holds one
//! test so that the process-wide count of compilations is this test's own.

mod common;
use mktaudit::testing::rules::plan::compilations;
use mktaudit::testing::ruletest::{Verdict, run_pack_tests};

/// Every kind of param use a condition binds (a regex, a list, a number
/// compared with a field, `follows … within_days`) and an expression threshold.
const RULE: &str = r#"
id: T-010
title: Vanity metrics are reported to leadership
severity: low
rationale: r
remediation: r
references: [{ convention: test }]
params:
  vanity: { default: '(?i)clicks?', description: Vanity names. }
  audiences: { default: [board], description: Leadership audiences. }
  min_actual: { default: 0, description: Only KPIs with an actual above this. }
  max_vanity: { default: 0, description: Fail above this many. }
check:
  plan:
    let:
      shown: { rows: { from: kpis, where: { all: [{ field: audience, in: $audiences }, { field: actual, gt: $min_actual }] } } }
      vanity: { rows: { from: shown, where: { field: name, matches: $vanity } } }
    value: vanity
    fail_above: $max_vanity
    message: "{vanity} vanity KPIs of {shown}"
tests:
  - name: defaults flag the click rate shown to the board
    expect: fail
    expect_message: '^1 vanity KPIs of 2$'
    data: &kpis
      kpis:
        - { id: K1, name: Click rate, audience: board, actual: 5 }
        - { id: K2, name: Followers, audience: board, actual: 900 }
        - { id: K3, name: Followers, audience: ELT, actual: 800 }
        - { id: K4, name: Clicks, audience: ELT, actual: 0 }
  - name: another pattern and audience list
    expect: fail
    expect_message: '^2 vanity KPIs of 3$'
    params: { vanity: '(?i)followers', audiences: [board, elt] }
    data: *kpis
  - name: a higher floor on the actual and a looser threshold
    expect: pass
    expect_message: '^2 vanity KPIs of 2$'
    params: { min_actual: 10, audiences: [board, elt], vanity: '(?i)followers', max_vanity: 2 }
    data: *kpis
"#;

#[test]
fn a_plan_is_compiled_once_and_runs_with_each_cases_params() {
    let (_dir, loaded) = common::pack_of(&[("credible/T-010.yaml", RULE)]);
    let loaded = loaded.unwrap_or_else(|p| panic!("{p}"));
    let compiled = compilations();
    assert!(compiled > 0, "loading compiles the plans");
    let results = run_pack_tests(&loaded.pack, Some("T-010"));
    assert_eq!(results.len(), 3);
    for r in &results {
        assert_eq!(r.verdict, Verdict::Validated, "{}: {}", r.case, r.detail);
    }
    assert_eq!(
        compilations(),
        compiled,
        "running with other params compiled a plan again"
    );
}
