//! The rule language from an author's side: packs written to a temporary
//! folder, loaded as a user's pack would be, their tests run.

mod common;
use common::write_files;
use mktaudit::testing::ruletest::{Verdict, run_pack_tests};
use std::path::Path;

/// Loads `files` as a pack beside the default pack and runs its rules' tests.
fn run_pack(files: &[(&str, &str)]) -> Result<Vec<(String, Verdict, String)>, String> {
    let (_dir, loaded) = common::pack_of(files);
    Ok(run_pack_tests(&loaded?.pack, None)
        .into_iter()
        .map(|c| (format!("{} :: {}", c.rule, c.case), c.verdict, c.detail))
        .collect())
}

fn assert_all_ok(results: &[(String, Verdict, String)]) {
    assert!(!results.is_empty(), "the pack has test cases");
    for (case, verdict, detail) in results {
        assert_eq!(*verdict, Verdict::Validated, "{case}: {detail}");
    }
}

/// Each mistake (`from` written as `to` in `rule`, loaded from `path` of a
/// pack) is refused with a message holding `says`, pointing at the line
/// where `to` is written.
fn assert_mistakes_point_at_their_line(rule: &str, path: &str, mistakes: &[(&str, &str, &str)]) {
    let file = path.rsplit('/').next().unwrap_or(path);
    for (from, to, says) in mistakes {
        let broken = rule.replace(from, to);
        assert_ne!(broken, rule, "{from}");
        let err = run_pack(&[(path, &broken)]).unwrap_err();
        assert!(err.contains(says), "{says}: {err}");
        let line = broken[..broken.find(to).unwrap()].matches('\n').count() + 1;
        assert!(err.contains(&format!("{file}:{line}:")), "{says} at line {line}: {err}");
    }
}

const SHARED: &str = "// helpers for every script of the pack\nfn pct(x) { `${(x * 100.0).round().to_int()}%` }\n";

const SCRIPT_RULE: &str = r#"
id: T-001
title: Few KPIs are reported
severity: low
rationale: r
remediation: r
references: [{ convention: test }]
requires: { kpis: [name] }
check:
  script: |
    let n = org.count("kpis");
    if n < 2 { fail(`only ${pct(n / 4.0)} of four`) } else { pass() }
tests:
  - name: one KPI
    expect: fail
    expect_message: 'only 25% of four'
    data: { kpis: [{ id: K1, name: Pipeline }] }
  - name: two KPIs
    expect: pass
    data: { kpis: [{ id: K1, name: Pipeline }, { id: K2, name: Win rate }] }
"#;

#[test]
fn scripts_call_the_packs_shared_functions() {
    let results = run_pack(&[("shared.rhai", SHARED), ("competent/T-001.yaml", SCRIPT_RULE)]).unwrap();
    assert_all_ok(&results);
}

#[test]
fn a_script_may_not_define_a_shared_function_again() {
    let copied = SCRIPT_RULE.replace("    let n =", "    fn pct(x) { x }\n    let n =");
    let err = run_pack(&[("shared.rhai", SHARED), ("competent/T-001.yaml", &copied)]).unwrap_err();
    assert!(err.contains("`pct` is defined in the pack's shared.rhai"), "{err}");
}

#[test]
fn a_shared_script_holds_only_functions() {
    let err = run_pack(&[
        ("shared.rhai", "fn pct(x) { x }\nlet leaked = 1;\n"),
        ("competent/T-001.yaml", SCRIPT_RULE),
    ])
    .unwrap_err();
    assert!(err.contains("only `fn` definitions"), "{err}");
    assert!(err.contains("shared.rhai:2"), "the diagnostic points at line 2: {err}");
}

/// A bundle whose marketing leader has a title no vocabulary knows.
fn growth_lead_bundle(dir: &Path) {
    write_files(
        dir,
        &[
            ("people.csv", "id,name,role\np-ceo,Ann,CEO\np-gl,Dana,Growth Lead\n"),
            (
                "meetings.csv",
                "id,title,type,date,attendees\nM1,Strategy day,Strategy,2025-03-01,p-ceo;p-gl\nM2,Offsite,Leadership Offsite,2025-06-01,p-ceo\n",
            ),
        ],
    );
}

fn strat_003(bundle: &Path, config: Option<&Path>) -> serde_json::Value {
    let mut args = vec![
        "audit",
        bundle.to_str().unwrap(),
        "--as-of",
        "2025-12-31",
        "--format",
        "json",
    ];
    if let Some(c) = config {
        args.extend(["--config", c.to_str().unwrap()]);
    }
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_mktaudit"))
        .args(&args)
        .output()
        .unwrap();
    assert!(
        o.status.code().is_some_and(|c| c < 2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    report["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "STRAT-003")
        .cloned()
        .unwrap()
}

#[test]
fn an_org_adds_its_own_words_to_a_vocabulary() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("bundle");
    growth_lead_bundle(&bundle);
    let before = strat_003(&bundle, None);
    assert_eq!(before["status"], "not_assessed", "{before}");
    let config = dir.path().join("mktaudit.yaml");
    std::fs::write(&config, "vocabularies:\n  marketing_leader_role: [Growth Lead]\n").unwrap();
    let after = strat_003(&bundle, Some(&config));
    assert_eq!(after["status"], "warn", "attended 1 of 2, below 75%: {after}");
    assert_eq!(after["value"], 0.5);
    assert_eq!(after["findings"][0]["evidence"][0]["record"], "M2", "{after}");
}

#[test]
fn a_vocabulary_the_packs_lack_is_a_config_error() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("bundle");
    growth_lead_bundle(&bundle);
    let config = dir.path().join("mktaudit.yaml");
    std::fs::write(&config, "vocabularies:\n  marketing_leader_roles: [Growth Lead]\n").unwrap();
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_mktaudit"))
        .args(["audit", bundle.to_str().unwrap(), "--config", config.to_str().unwrap()])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("did you mean `marketing_leader_role`?"), "{err}");
}

#[test]
fn a_declarative_result_carries_its_formula_with_the_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("bundle");
    growth_lead_bundle(&bundle);
    let config = dir.path().join("mktaudit.yaml");
    std::fs::write(&config, "vocabularies:\n  marketing_leader_role: [growth_lead]\n").unwrap();
    let r = strat_003(&bundle, Some(&config));
    assert_eq!(r["formula"], "attended / meetings = 1 / 2", "{r}");
    assert_eq!(r["threshold"], 0.75);
}

#[test]
fn values_no_vocabulary_recognises_are_named_with_the_line_to_add() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("bundle");
    growth_lead_bundle(&bundle);
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_mktaudit"))
        .args([
            "audit",
            bundle.to_str().unwrap(),
            "--as-of",
            "2025-12-31",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let notes = report.to_string();
    assert!(
        notes.contains("\\\"Growth Lead\\\" (1)") && notes.contains("vocabularies: { marketing_leader_role: ["),
        "{}",
        report["bundle"]["notes"]
    );
    // A CEO is a role the rules read as none of theirs on purpose (a vocabulary
    // `describes` people.role), not a word the audit did not understand.
    assert!(!notes.contains("\\\"CEO\\\""), "{}", report["bundle"]["notes"]);
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_mktaudit"))
        .args(["inspect", bundle.to_str().unwrap()])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("\"Growth Lead\" (1)") && text.contains("STRAT-003"),
        "{text}"
    );
}

#[test]
fn a_plan_error_points_at_the_step_it_is_in() {
    // `owner` is written first in a valid step; the error is in the third.
    let rule = r#"id: T-002
title: Campaigns have an owner
severity: low
rationale: r
remediation: r
check:
  plan:
    let:
      owners: { rows: { from: people, where: { field: role, mentions: owner } } }
      costed: { rows: { from: campaigns, where: { field: cost, gt: 0 } } }
      owned: { rows: { from: costed, where: { field: owner, present: true } } }
    value: count(owned)
    outcome:
      - pass: ok
"#;
    let err = run_pack(&[("competent/T-002.yaml", rule)]).unwrap_err();
    assert!(err.contains("has no field `owner`"), "{err}");
    assert!(
        err.contains("T-002.yaml:11:"),
        "the diagnostic points at line 11, the `owned` step: {err}"
    );
}

/// A rule whose plan computes per-row fields: a later set filters on one,
/// an aggregate and a sort read them, and messages show them.
const COMPUTED_RULE: &str = r#"
id: T-003
title: Targets are far from their baseline
severity: low
rationale: r
remediation: r
references: [{ convention: test }]
params:
  max_gain: { default: 0.5, description: Most growth over the baseline. }
check:
  plan:
    let:
      dated:
        rows:
          from: targets
          where: { field: baseline, gt: 0 }
          with:
            gain: value / baseline - 1
            share: in_vocab(metric, 'market_share_metric')
            label: { text: "{id} (+{gain:pct}{?share:, a share})" }
      steep: { rows: { from: dated, where: { field: gain, gt: $max_gain }, with: { double: gain * 2 } } }
      biggest: { max: { from: steep, field: double } }
      first: { first: { from: steep, field: label, sort_by: gain, desc: true } }
      names: { list: { from: steep, show: "{label}", sort_by: gain } }
    outcome:
      - if: steep > 0
        fail: "{steep} steep: {names}; first {first}; twice the biggest gain {biggest:pct}"
      - pass: none steep
    findings:
      - from: steep
        message: "{label}"
        sort_by: double
        desc: true
tests:
  - name: two steep targets, sorted by their gain
    expect: fail
    expect_findings: 2
    expect_message: '^2 steep: T-3 \(\+60%\), T-2 \(\+100%, a share\); first T-2 \(\+100%, a share\); twice the biggest gain 200%$'
    data:
      targets:
        - { id: T-1, metric: revenue, value: 110, baseline: 100 }
        - { id: T-2, metric: Market Share, value: 0.1, baseline: 0.05 }
        - { id: T-3, metric: leads, value: 160, baseline: 100 }
        - { id: T-4, metric: leads, value: 500 }
  - name: gentle targets
    expect: pass
    data:
      targets: [{ id: T-1, metric: revenue, value: 110, baseline: 100 }]
"#;

#[test]
fn computed_fields_are_read_by_later_steps_like_fields() {
    assert_all_ok(&run_pack(&[("competent/T-003.yaml", COMPUTED_RULE)]).unwrap());
}

#[test]
fn a_computed_field_may_not_hide_a_field_nor_name_an_unknown_vocabulary() {
    let clash = COMPUTED_RULE.replace("gain: value / baseline - 1", "value: value / baseline - 1");
    let err = run_pack(&[("competent/T-003.yaml", &clash)]).unwrap_err();
    assert!(err.contains("`value` is already a field"), "{err}");
    let vocab = COMPUTED_RULE.replace("'market_share_metric'", "'market_shares'");
    let err = run_pack(&[("competent/T-003.yaml", &vocab)]).unwrap_err();
    assert!(
        err.contains("no vocabulary is called `market_shares`") && err.contains("T-003.yaml:19:"),
        "the error points at the computed field's line: {err}"
    );
}

#[test]
fn scripts_format_numbers_as_templates_do() {
    let rule = r#"
id: T-004
title: Numbers in a script's message
severity: low
rationale: r
remediation: r
references: [{ convention: test }]
requires: { budget: [amount] }
check:
  script: |
    let total = org.sum("budget", "amount");
    fail(`${fmt(0.125, "pct")} ${fmt(0.1, "pct")} ${fmt(0.05, "pct1")} ${fmt(1234567.8, "num")} ${fmt(2, "n point")} ${fmt((), "pct")} ${org.money(total)}`)
tests:
  - name: every format
    expect: fail
    expect_message: '^12\.5% 10% 5\.0% 1,234,568 2 points \(none\) \$1,500$'
    data: { budget: [{ id: B1, amount: 1000 }, { id: B2, amount: 500 }] }
"#;
    assert_all_ok(&run_pack(&[("competent/T-004.yaml", rule)]).unwrap());
}

/// Lookups join a row to the one it names; groups compute first values and
/// lists per group, sort their findings by a group value, and add one value
/// up across the groups kept.
const LOOKUP_RULE: &str = r#"
id: T-004
title: Deals are credited more than once
severity: low
rationale: r
remediation: r
references: [{ convention: test }]
check:
  plan:
    let:
      big: { rows: { from: opportunities, where: { field: amount, gte: 1000 } } }
      credits:
        rows:
          from: campaign_influence
          with:
            deal_amount: { lookup: { from: big, on: { id: opportunity_id }, field: amount } }
            deal_name: { lookup: { from: opportunities, on: { id: opportunity_id }, field: name } }
            credit: share * deal_amount
      over:
        groups:
          from: credits
          by: opportunity_id
          let:
            deal: { first: { field: deal_name } }
            worth: { max: { field: deal_amount } }
            claimed: { sum: { field: credit } }
            top: { first: { field: campaign_id, sort_by: share, desc: true } }
            who: { list: { show: "{campaign_id}", sort_by: campaign_id, sep: " + " } }
          having: claimed > worth
      claimed: { sum: { from: over, field: claimed } }
      deals: { count: { from: over } }
      named: { count: { from: over, field: deal } }
      distinct_tops: { distinct: { from: over, field: top } }
    outcome:
      - if: over > 0
        fail: "{deals} deals ({named} named, {distinct_tops} top campaigns) credited {claimed:money}"
      - pass: none
    findings:
      - from: over
        sort_by: claimed
        desc: true
        message: "{deal|key} ({worth:money}): {claimed:money} by {who}, most by {top}"
tests:
  - name: two deals over-credited, the larger first; a small deal is not looked up
    expect: fail
    expect_findings: 2
    expect_message: '^2 deals \(1 named, 2 top campaigns\) credited \$6,500$'
    data:
      opportunities:
        - { id: O1, name: Alpha, amount: 1000 }
        - { id: O2, amount: 2000 }
        - { id: O3, name: Small, amount: 500 }
      campaign_influence:
        - { id: I1, opportunity_id: o1, campaign_id: C2, share: 100% }
        - { id: I2, opportunity_id: O1, campaign_id: C1, share: 50% }
        - { id: I3, opportunity_id: O2, campaign_id: C3, share: 100% }
        - { id: I4, opportunity_id: O2, campaign_id: C1, share: 150% }
        - { id: I5, opportunity_id: O3, campaign_id: C1, share: 300% }
        - { id: I6, opportunity_id: O9, campaign_id: C1, share: 300% }
  - name: credits that add up
    expect: pass
    data:
      opportunities: [{ id: O1, amount: 1000 }]
      campaign_influence: [{ id: I1, opportunity_id: O1, campaign_id: C1, share: 100% }]
"#;

/// The findings' messages of `rule` (at `path` of a pack of its own),
/// audited alone on a bundle of `files`.
fn finding_messages(path: &str, rule: &str, files: &[(&str, &str)]) -> Vec<String> {
    let pack = common::folder_with(&[(path, rule)]);
    let bundle = common::folder_with(files);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_mktaudit"))
        .args([
            "audit",
            bundle.path().to_str().unwrap(),
            "--no-default-rules",
            "--rules",
        ])
        .arg(pack.path())
        .args(["--as-of", "2025-12-31", "--format", "json"])
        .output()
        .unwrap();
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    r["results"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["message"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn lookups_and_values_per_group_trace_credits_to_their_deals() {
    assert_all_ok(&run_pack(&[("credible/T-004.yaml", LOOKUP_RULE)]).unwrap());
    // The findings come largest claim first, each with its own group's values.
    let files = [
        ("opportunities.csv", "id,name,amount\nO1,Alpha,1000\nO2,,2000\n"),
        (
            "campaign_influence.csv",
            "id,opportunity_id,campaign_id,share\nI1,O1,C2,100%\nI2,O1,C1,50%\nI3,O2,C3,100%\nI4,O2,C1,150%\n",
        ),
    ];
    let messages = finding_messages("credible/T-004.yaml", LOOKUP_RULE, &files);
    assert_eq!(
        messages,
        [
            "O2 ($2,000): $5,000 by C1 + C3, most by C1",
            "Alpha ($1,000): $1,500 by C1 + C2, most by C2"
        ]
    );
}

/// `having:` may read any value of the group, a list or a first value too;
/// values it does not read are computed for the groups kept only, and
/// still show in messages.
#[test]
fn having_reads_lists_and_first_values_of_each_group() {
    let rule = LOOKUP_RULE
        .replace(
            "having: claimed > worth",
            "having: who != 'C1' and top != 'C9' and claimed > worth",
        )
        .replace("T-004", "T-014");
    assert_all_ok(&run_pack(&[("credible/T-014.yaml", rule.as_str())]).unwrap());
    let rule = LOOKUP_RULE
        .replace("having: claimed > worth", "having: who == 'C1 + C2'")
        .replace("T-004", "T-015")
        .replace(
            r"'^2 deals \(1 named, 2 top campaigns\) credited \$6,500$'",
            r"'^1 deals \(1 named, 1 top campaigns\) credited \$1,500$'",
        )
        .replace("expect_findings: 2", "expect_findings: 1");
    assert_all_ok(&run_pack(&[("credible/T-015.yaml", rule.as_str())]).unwrap());
}

#[test]
fn lookup_and_group_value_mistakes_point_at_their_line() {
    assert_mistakes_point_at_their_line(
        LOOKUP_RULE,
        "credible/T-004.yaml",
        &[
            (
                "field: amount } }\n            deal_name",
                "field: amout } }\n            deal_name",
                "has no field `amout`",
            ),
            (
                "on: { id: opportunity_id }, field: name",
                "on: { id: opportunity_id, name: campaign_id }, field: name",
                "exactly one pair",
            ),
            (
                "on: { id: opportunity_id }, field: name",
                "on: { id: opportunity }, field: name",
                "matches on `opportunity`",
            ),
            (
                "{ sum: { from: over, field: claimed } }",
                "{ sum: { from: over, field: claims } }",
                "compute no value `claims`",
            ),
            (
                "worth: { max: { field: deal_amount } }",
                "worth: { max: { field: deal_amount }, first: { field: id } }",
                "exactly one of count, sum, avg, min, max, first, list",
            ),
            (
                "sort_by: claimed\n",
                "sort_by: claim\n",
                "sort by a value computed per group; `claim` is none",
            ),
        ],
    );
}

/// The budget rules read what a budget line is from the pack's
/// definitions.yaml, and `explain` says which definitions a rule uses.
#[test]
fn explain_lists_the_shared_conditions_a_rule_uses() {
    let o = common::mktaudit(&["explain", "COMP-004"]);
    assert_eq!(o.status.code(), Some(0), "{}", common::stderr(&o));
    let text = common::stdout(&o);
    assert!(text.contains("Definitions used (definitions.yaml)"), "{text}");
    assert!(text.contains("  program_line: A program line of any kind."), "{text}");
    assert!(text.contains("  overhead_line: "), "{text}");
    // A rule that uses none lists none.
    let o = common::mktaudit(&["explain", "CRED-001"]);
    assert!(!common::stdout(&o).contains("Definitions used"));
}

/// A finding's `with:` looks fields up for the findings shown only: from a
/// group's value (or its key) or from a row's field.
const SHOWN_LOOKUP_RULE: &str = r#"
id: T-016
title: Deals credited beyond their amount
severity: high
rationale: r
remediation: r
references: [{ convention: test }]
requires: { opportunities: [amount], campaign_influence: [opportunity_id] }
check:
  plan:
    let:
      credits:
        rows:
          from: campaign_influence
          where: { field: opportunity_id, present: true }
          with:
            deal_amount: { lookup: { from: opportunities, on: { id: opportunity_id }, field: amount } }
            credit: share * deal_amount
      over:
        groups:
          from: credits
          by: opportunity_id
          let:
            deal: { first: { field: opportunity_id } }
            claimed: { sum: { field: credit } }
            worth: { max: { field: deal_amount } }
          having: claimed > worth
    outcome:
      - if: over > 0
        fail: "{over:n deal} credited beyond their amount"
      - pass: none
    findings:
      - from: over
        sort_by: claimed
        desc: true
        with:
          deal_name: { lookup: { from: opportunities, on: { id: deal }, field: name } }
          deal_stage: { lookup: { from: opportunities, on: { id: key }, field: stage } }
        message: '{deal_name|deal} ({deal_stage|"no stage"}): {claimed:money} of {worth:money}'
      - from: credits
        if: over > 0
        limit: 1
        sort_by: credit
        desc: true
        with:
          campaign: { lookup: { from: campaigns, on: { id: campaign_id }, field: name } }
        message: "largest credit: {campaign|campaign_id} {credit:money}"
tests:
  - name: two deals over-credited
    expect: fail
    expect_message: '^2 deals credited beyond their amount$'
    data:
      opportunities:
        - { id: O1, name: Alpha, stage: Proposal, amount: 1000 }
        - { id: O2, amount: 2000 }
      campaign_influence:
        - { id: I1, opportunity_id: O1, campaign_id: C2, share: 100% }
        - { id: I2, opportunity_id: O1, campaign_id: C1, share: 50% }
        - { id: I3, opportunity_id: O2, campaign_id: C3, share: 100% }
        - { id: I4, opportunity_id: O2, campaign_id: C1, share: 150% }
  - name: credits that add up
    expect: pass
    data:
      opportunities: [{ id: O1, amount: 1000 }]
      campaign_influence: [{ id: I1, opportunity_id: O1, campaign_id: C1, share: 100% }]
"#;

#[test]
fn findings_look_up_fields_for_the_findings_shown() {
    assert_all_ok(&run_pack(&[("credible/T-016.yaml", SHOWN_LOOKUP_RULE)]).unwrap());
    let files = [
        (
            "opportunities.csv",
            "id,name,stage,amount\nO1,Alpha,Proposal,1000\nO2,,,2000\no3,Gamma,Won,10\n",
        ),
        (
            "campaign_influence.csv",
            "id,opportunity_id,campaign_id,share\nI1,O1,C2,100%\nI2,O1,C1,50%\nI3,O2,C3,100%\nI4,O2,c1,150%\nI5,O3,C3,100%\n",
        ),
        ("campaigns.csv", "id,name\nC1,Webinar\nC3,Trade show\n"),
    ];
    let messages = finding_messages("credible/T-016.yaml", SHOWN_LOOKUP_RULE, &files);
    // Keys match as `in_rows` compares them (`c1` is C1); a deal with no
    // name or stage falls back; the credit's campaign is named.
    assert_eq!(
        messages,
        [
            "O2 (no stage): $5,000 of $2,000",
            "Alpha (Proposal): $1,500 of $1,000",
            "largest credit: Webinar $3,000",
        ]
    );
}

#[test]
fn finding_lookup_mistakes_point_at_their_line() {
    assert_mistakes_point_at_their_line(
        SHOWN_LOOKUP_RULE,
        "credible/T-016.yaml",
        &[
            (
                "on: { id: deal }",
                "on: { id: dael }",
                "matches on `dael`, which is no value of the groups",
            ),
            (
                "on: { id: campaign_id }",
                "on: { id: campaign }",
                "dataset `campaign_influence` has no field `campaign`",
            ),
            (
                "deal_stage: { lookup",
                "claimed: { lookup",
                "`claimed` is already a name of these findings",
            ),
            (
                "field: stage } }",
                "field: stages } }",
                "dataset `opportunities` has no field `stages`",
            ),
            (
                "{ from: campaigns,",
                "{ from: campaign,",
                "`campaign` is neither a row set of the plan nor a dataset",
            ),
        ],
    );
    let org_level = SHOWN_LOOKUP_RULE.replace("      - from: credits\n        if:", "      - if:");
    assert_ne!(org_level, SHOWN_LOOKUP_RULE);
    let err = run_pack(&[("credible/T-016.yaml", &org_level)]).unwrap_err();
    assert!(err.contains("`with:` needs `from:`"), "{err}");
}

/// The fields a pack only shows in findings, which the loader reads from
/// the file for the rows shown: the default pack shows deals' names and
/// computes nothing with them; a rule that filters on the name keeps them.
#[test]
fn fields_only_shown_are_those_no_rule_computes_with() {
    let loaded = mktaudit::testing::rules::load_rule_dirs(&[mktaudit::testing::rules::default_pack_dir()]).unwrap();
    let shown = loaded.pack.shown_only();
    assert!(
        shown.get("opportunities").is_some_and(|f| f.contains("name")),
        "{shown:?}"
    );
    assert!(
        !shown.get("opportunities").is_some_and(|f| f.contains("amount")),
        "amounts are summed: {shown:?}"
    );
    let filters_on_names = r#"
id: T-017
title: Deals named as tests
severity: low
rationale: r
remediation: r
references: [{ convention: test }]
check:
  plan:
    let:
      tests: { rows: { from: opportunities, where: { field: name, mentions: 'test' } } }
    outcome:
      - if: tests > 0
        warn: '{tests:n deal} named as tests'
      - pass: none
    findings:
      - from: tests
        message: '{name|id}'
tests:
  - name: one test deal
    expect: warn
    data: { opportunities: [{ id: O1, name: Test deal }] }
  - name: none
    expect: pass
    data: { opportunities: [{ id: O1, name: Globex }] }
"#;
    let dir = common::folder_with(&[("credible/T-017.yaml", filters_on_names)]);
    let loaded = mktaudit::testing::rules::load_rule_dirs(&[
        mktaudit::testing::rules::default_pack_dir(),
        dir.path().to_path_buf(),
    ])
    .unwrap();
    let shown = loaded.pack.shown_only();
    assert!(
        !shown.get("opportunities").is_some_and(|f| f.contains("name")),
        "a rule filters on the names: {shown:?}"
    );
}

const SEVERAL_RULE: &str = r#"
id: T-020
title: Deals are credited more than once under one model
severity: low
rationale: r
remediation: r
references: [{ convention: test }]
check:
  plan:
    let:
      credits:
        rows:
          from: campaign_influence
          with:
            deal_amount: { lookup: { from: opportunities, on: { id: opportunity_id }, field: amount } }
            credit: share * deal_amount
      over:
        groups:
          from: credits
          by: [opportunity_id, model]
          let:
            credited: { sum: { field: share } }
          having: credited > 1.05
      over_rows: { rows: { from: over } }
      big: { rows: { from: over, where: { field: credit, gte: 1000 } } }
    outcome:
      - if: over > 0
        fail: "{over:count} groups: {over}; {over_rows} credits, {big} of 1,000 or more"
      - pass: none
    findings:
      - from: over_rows
        message: "{id} {credit:money}"
tests:
  - name: a deal under one model, and one with no model, credited twice
    expect: fail
    expect_findings: 4
    expect_message: '^2 groups: O1 / Even, O3; 4 credits, 2 of 1,000 or more$'
    data:
      opportunities:
        - { id: O1, amount: 1000 }
        - { id: O2, amount: 2000 }
        - { id: O3, amount: 500 }
      campaign_influence:
        - { id: I1, opportunity_id: O1, campaign_id: C1, model: Even, share: 100% }
        - { id: I2, opportunity_id: O1, campaign_id: C2, model: even, share: 100% }
        - { id: I3, opportunity_id: O1, campaign_id: C1, model: First, share: 100% }
        - { id: I4, opportunity_id: O2, campaign_id: C1, model: Even, share: 50% }
        - { id: I5, opportunity_id: O2, campaign_id: C2, model: Even, share: 50% }
        - { id: I6, opportunity_id: O3, campaign_id: C1, share: 100% }
        - { id: I7, opportunity_id: O3, campaign_id: C2, share: 100% }
  - name: each model adds up to the deal once
    expect: pass
    data:
      opportunities: [{ id: O1, amount: 1000 }]
      campaign_influence:
        - { id: I1, opportunity_id: O1, campaign_id: C1, model: First, share: 100% }
        - { id: I2, opportunity_id: O1, campaign_id: C2, model: Even, share: 100% }
  - name: two groups that read alike keep a key each
    expect: fail
    expect_message: '^2 groups: O1 / Even, O1 / Even \(2\); 4 credits, 4 of 1,000 or more$'
    data:
      opportunities: [{ id: O1, amount: 1000 }, { id: O1 / Even, amount: 1000 }]
      campaign_influence:
        - { id: I1, opportunity_id: O1, campaign_id: C1, model: Even, share: 100% }
        - { id: I2, opportunity_id: O1 / Even, campaign_id: C1, share: 100% }
        - { id: I3, opportunity_id: O1, campaign_id: C2, model: Even, share: 100% }
        - { id: I4, opportunity_id: O1 / Even, campaign_id: C2, share: 100% }
"#;

/// `by:` of several fields groups by their values together (an empty one a
/// value of its own), and `rows: { from: GROUPS }` reads the rows of the
/// groups kept, in the export's order, with their computed fields.
#[test]
fn groups_of_several_fields_and_the_rows_of_the_groups_kept() {
    assert_all_ok(&run_pack(&[("credible/T-020.yaml", SEVERAL_RULE)]).unwrap());
    let files = [
        ("opportunities.csv", "id,amount\nO1,1000\nO3,500\n"),
        (
            "campaign_influence.csv",
            "id,opportunity_id,campaign_id,share\nI6,O3,C1,100%\nI1,O1,C1,100%\nI7,O3,C2,100%\nI2,O1,C2,100%\n",
        ),
    ];
    // No model exported: grouped by deal alone; the rows of both groups
    // in the export's order, not group by group.
    assert_eq!(
        finding_messages("credible/T-020.yaml", SEVERAL_RULE, &files),
        ["I6 $500", "I1 $1,000", "I7 $500", "I2 $1,000"]
    );
}

#[test]
fn several_fields_and_rows_of_groups_mistakes_point_at_their_line() {
    assert_mistakes_point_at_their_line(
        SEVERAL_RULE,
        "credible/T-020.yaml",
        &[
            ("by: [opportunity_id, model]", "by: []", "`by` names no field"),
            (
                "by: [opportunity_id, model]",
                "by: [opportunity_id, modle]",
                "has no field `modle`",
            ),
            (
                "field: credit, gte: 1000",
                "field: credits, gte: 1000",
                "has no field `credits`",
            ),
            (
                "over_rows: { rows: { from: over } }",
                "over_rows: { rows: { from: ovr } }",
                "`ovr` is neither",
            ),
        ],
    );
}

const GROUP_ROWS_RULE: &str = r#"
id: T-021
title: Campaigns are credited on deals counted twice
severity: low
rationale: r
remediation: r
references: [{ convention: test }]
check:
  plan:
    let:
      # Deals credited by more than one campaign.
      twice: { groups: { from: campaign_influence, by: opportunity_id, having: count > 1 } }
      involved: { rows: { from: campaigns, where: { field: id, in_rows: { from: twice, fields: [campaign_id] } } } }
      clear: { rows: { from: campaigns, where: { field: id, not_in_rows: { from: twice, fields: [campaign_id] } } } }
    outcome:
      - if: involved > 0
        fail: "{involved} campaigns credited on {twice:count} deals counted twice; {clear} not"
      - pass: none
    findings:
      - from: involved
        message: "{name}"
tests:
  - name: two campaigns share a deal, a third has its own
    expect: fail
    expect_message: '^2 campaigns credited on 1 deals counted twice; 1 not$'
    data:
      campaigns: [{ id: C1, name: Webinar }, { id: c-2, name: Event }, { id: C3, name: Search }]
      campaign_influence:
        - { id: I1, opportunity_id: O1, campaign_id: C1 }
        - { id: I2, opportunity_id: o1, campaign_id: C 2 }
        - { id: I3, opportunity_id: O2, campaign_id: C3 }
  - name: every deal credited once
    expect: pass
    data:
      campaigns: [{ id: C1, name: Webinar }]
      campaign_influence: [{ id: I1, opportunity_id: O1, campaign_id: C1 }]
"#;

/// `in_rows: { from: GROUPS }` reads the rows of the groups a `groups` step
/// keeps (here a field other than the one grouped by), as `rows:` does.
#[test]
fn in_rows_reads_the_rows_of_the_groups_kept() {
    assert_all_ok(&run_pack(&[("credible/T-021.yaml", GROUP_ROWS_RULE)]).unwrap());
    // `campaign_id` is read only through `in_rows`: the loader keeps it.
    let files = [
        ("campaigns.csv", "id,name\nC1,Webinar\nC2,Event\nC3,Search\nC4,Fair\n"),
        (
            "campaign_influence.csv",
            "id,opportunity_id,campaign_id\nI1,O1,C4\nI2,O2,C3\nI3,O1,C1\nI4,O3,C2\nI5,O3,C2\n",
        ),
    ];
    assert_eq!(
        finding_messages("credible/T-021.yaml", GROUP_ROWS_RULE, &files),
        ["Webinar", "Event", "Fair"]
    );
    assert_mistakes_point_at_their_line(
        GROUP_ROWS_RULE,
        "credible/T-021.yaml",
        &[
            (
                "in_rows: { from: twice,",
                "in_rows: { from: twise,",
                "`in_rows` names `twise`, which is neither",
            ),
            (
                "fields: [campaign_id] } } } }\n      clear",
                "fields: [campaign] } } } }\n      clear",
                "dataset `campaign_influence` has no field `campaign`",
            ),
        ],
    );
}

/// A mistake the YAML reading finds inside a step (a misspelt key, a value
/// of the wrong form) is named at its line and column, with what is
/// expected there, as `rules test` shows it.
#[test]
fn mistakes_inside_a_step_name_themselves_where_they_are_written() {
    for (from, to, says, at) in [
        (
            "over_rows: { rows: { from: over } }",
            "over_rows: { rows: { from: over, wher: x } }",
            ["unknown field `wher`", "did you mean `where`?"],
            "T-020.yaml:24:40]",
        ),
        (
            "by: [opportunity_id, model]",
            "by: { opportunity_id: model }",
            ["`by` takes a field, or a list of fields", "by: [opportunity_id, model]"],
            "T-020.yaml:20:15]",
        ),
        (
            "field: amount } }",
            "feild: amount } }",
            ["a computed field is an expression", "{ lookup: { from, on, field } }"],
            "T-020.yaml:15:26]",
        ),
        (
            "field: credit, gte: 1000",
            "field: credit, gte: { feild: share }",
            ["a comparison takes a number, a `$param`", "`{ field: NAME }`"],
            "T-020.yaml:25:63]",
        ),
        (
            "references: [{ convention: test }]",
            "references: [{ conventoin: test }]",
            ["a reference is a text, or `{ seed: FILE }`", "`{ convention: ... }`"],
            "T-020.yaml:7:14]",
        ),
    ] {
        let broken = SEVERAL_RULE.replace(from, to);
        assert_ne!(broken, SEVERAL_RULE, "{from}");
        let pack = common::folder_with(&[("credible/T-020.yaml", broken.as_str())]);
        let out = common::mktaudit(&[
            "rules",
            "test",
            "--no-default-rules",
            "--rules",
            pack.path().to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(2), "{to}");
        let err = common::stderr(&out);
        for s in says {
            assert!(err.contains(s), "{s}: {err}");
        }
        assert!(err.contains(at), "{to} at {at}: {err}");
    }
}
