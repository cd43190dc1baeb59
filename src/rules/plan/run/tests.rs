//! Tests of plan evaluation: pick, branch values, key sets, follows.

mod pick_and_branch_value_tests {
    use super::super::*;
    use crate::rules::plan::format::RawPlan;
    use crate::rules::plan::testing::outcome;

    const PLAN: &str = r#"
let:
  approved: { rows: { from: plans, where: { field: status, equals: approved } } }
  all: { rows: { from: plans } }
  counted: { pick: { if: "has(plans.status)", then: approved, else: all } }
value: counted
outcome:
  - if: counted > 2
    warn: "{counted} plans, value {value}"
    value: counted * 10
    threshold: 5
  - pass: "{counted} plans, value {value}"
findings:
  - from: counted
    message: "{id}"
"#;

    #[test]
    fn pick_chooses_a_row_set_by_a_condition() {
        let with_status = "plans: [{id: A, status: approved}, {id: B, status: draft}]";
        let o = outcome(PLAN, with_status);
        assert_eq!((o.status, o.message.as_str()), (Status::Pass, "1 plans, value 1"));
        let without_status = "plans: [{id: A}, {id: B}, {id: C}]";
        let o = outcome(PLAN, without_status);
        assert_eq!(o.status, Status::Warn);
        let ids: Vec<&str> = o.findings.iter().map(|f| f.message.as_str()).collect();
        assert_eq!(ids, ["A", "B", "C"]);
    }

    const AT_STAKE: &str = r#"
let:
  idle: { rows: { from: campaigns, where: { field: leads, lte: 0 } } }
  idle_cost: { sum: { from: idle, field: cost } }
outcome:
  - if: idle > 0
    fail: "{idle} idle"
  - pass: none idle
at_stake:
  amount: idle_cost
  label: "of spend on {idle:n idle campaign}"
"#;

    #[test]
    fn the_money_at_stake_is_named_only_for_a_warning_or_failure_with_an_amount() {
        let o = outcome(
            AT_STAKE,
            "campaigns: [{id: A, leads: 0, cost: 1200}, {id: B, leads: 3, cost: 50}]",
        );
        assert_eq!(o.status, Status::Fail);
        assert_eq!(o.at_stake, Some((1200.0, "of spend on 1 idle campaign".to_string())));
        let o = outcome(AT_STAKE, "campaigns: [{id: A, leads: 2, cost: 1200}]");
        assert_eq!((o.status, o.at_stake), (Status::Pass, None));
        // No amount recorded: nothing is at stake rather than a made-up 0.
        let o = outcome(AT_STAKE, "campaigns: [{id: A, leads: 0}]");
        assert_eq!((o.status, o.at_stake), (Status::Fail, None));
    }

    #[test]
    fn a_part_cannot_name_its_own_money_at_stake() {
        let raw: RawPlan = crate::yaml::from_str(
            "parts:\n  - name: a\n    outcome: [{ pass: ok }]\n    at_stake: { amount: '1', label: x }\n",
        )
        .unwrap();
        let errors = Plan::compile(&raw, &ParamValues::new(), None).unwrap_err();
        assert!(errors.iter().any(|e| e.message.contains("`at_stake`")), "{errors:?}");
    }

    #[test]
    fn a_branch_reports_its_own_value() {
        let o = outcome(PLAN, "plans: [{id: A}, {id: B}, {id: C}]");
        assert_eq!(o.message, "3 plans, value 30");
        assert_eq!((o.value, o.threshold), (Some(30.0), Some(5.0)));
        assert_eq!(o.formula.as_deref(), Some("counted * 10 = 3 × 10"));
    }

    #[test]
    fn a_sum_of_no_rows_is_plus_zero() {
        let plan = "let: { none: { rows: { from: campaigns, where: { field: type, equals: x } } }, total: { sum: { from: none, field: cost } } }\nvalue: total\noutcome: [{ pass: '{total}' }]";
        let o = outcome(plan, "campaigns: [{id: A, type: event, cost: 5}]");
        assert!(
            o.value.is_some_and(|v| v == 0.0 && v.is_sign_positive()),
            "{:?}",
            o.value
        );
        assert_eq!(o.message, "0");
    }

    #[test]
    fn pick_needs_row_sets_of_one_dataset() {
        let raw: RawPlan = crate::yaml::from_str(
            r#"
let:
  a: { rows: { from: plans } }
  b: { rows: { from: kpis } }
  c: { pick: { if: "true", then: a, else: b } }
outcome:
  - pass: ok
"#,
        )
        .unwrap();
        let errors = Plan::compile(&raw, &ParamValues::new(), None).unwrap_err();
        assert!(errors[0].message.contains("row sets of one dataset"), "{errors:?}");
    }
}

mod rule_tests {
    use crate::ruletest::{Verdict, run_rule_tests};

    /// A rule whose inline tests pin a `rows` step's `if` and an empty sum.
    const RULE: &str = r#"
id: ACCT-901
title: Reports to leadership at least monthly
severity: low
rationale: test
remediation: test
params:
  min_per_year: { default: 12, description: Fewest reports a year. }
check:
  plan:
    let:
      all: { rows: { from: reports } }
      regular: { rows: { from: all, if: "per_year(cadence) >= $min_per_year" } }
      unknown: { rows: { from: reports, if: "is_null(per_year(cadence))" } }
      spend: { sum: { from: budget, field: amount, where: { field: line, equals: Media } } }
      names: "join(', ', 'reports', '', null)"
    outcome:
      - if: all == 0
        not_assessed: no reports
      - if: regular == 0
        fail: 'none of {all} reports is regular ({unknown} with no cadence; {names}; spend {spend:pct0})'
      - pass: '{regular} regular'
tests:
  - name: weekly and monthly are regular
    expect: pass
    expect_message: '^2 regular$'
    data:
      reports:
        - { id: R1, cadence: Weekly }
        - { id: R2, cadence: monthly }
        - { id: R3, cadence: quarterly }
  - name: quarterly is not, an unknown cadence is counted, an empty sum is 0
    expect: fail
    expect_message: '^none of 2 reports is regular \(1 with no cadence; reports; spend 0%\)$'
    data:
      reports:
        - { id: R1, cadence: Quarterly }
        - { id: R2, cadence: whenever }
      budget:
        - { id: B1, line: Team, amount: 5000 }
  - name: nothing to judge
    expect: not_assessed
    data: {}
"#;

    #[test]
    fn a_rows_step_tests_each_row_with_an_expression() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("accountable")).unwrap();
        std::fs::write(dir.path().join("accountable/ACCT-901.yaml"), RULE).unwrap();
        let loaded = crate::rules::load_rule_dirs(&[dir.path().to_path_buf()]).unwrap_or_else(|p| panic!("{p}"));
        let rule = loaded.pack.get("ACCT-901").unwrap();
        let results = run_rule_tests(rule, &loaded.pack);
        assert_eq!(results.len(), 3);
        for r in results {
            assert_eq!(r.verdict, Verdict::Validated, "{}: {}", r.case, r.detail);
        }
    }
}

mod keys_and_follows_tests {
    use super::super::*;
    use crate::rules::plan::testing::outcome;

    #[test]
    fn in_keys_keeps_rows_whose_value_or_month_is_a_key() {
        let o = outcome(
            "let:
  attended: { rows: { from: meetings, where: { field: attendees, in_rows: { from: people, fields: [id] } } } }
  months: { months: { from: meetings, date: date } }
  covered: { months: { from: attended, date: date } }
  gaps: { keys: { of: months, minus: covered } }
  missed: { rows: { from: meetings, where: { field: date, in_keys: gaps } } }
  ids: { groups: { from: meetings, by: id, having: count > 0 } }
  named: { rows: { from: meetings, where: { field: id, in_keys: ids } } }
  other: { rows: { from: meetings, where: { field: date, not_in_keys: gaps } } }
  note: { text: '{missed} missed{?gaps: in {gaps}}{!named:, none named}' }
outcome:
  - fail: '{note}'
findings:
  - from: missed
    if: 'true'
    message: '{id}'",
            "people: [{ id: p-cmo }]
meetings:
  - { id: M-1, date: 2025-01-07, attendees: p-cro }
  - { id: M-2, date: 2025-01-28, attendees: p-cmo }
  - { id: M-3, date: 2025-02-25, attendees: p-cro }
  - { id: M-4, date: 2025-02-26 }",
        );
        assert_eq!(o.message, "2 missed in 2025-02");
        let ids: Vec<&str> = o.findings.iter().map(|f| f.message.as_str()).collect();
        assert_eq!(ids, ["M-3", "M-4"]);
    }

    #[test]
    fn a_not_assessed_outcome_carries_no_value() {
        let o = outcome(
            "let:\n  n: { count: { from: meetings } }\noutcome:\n  - if: n < 5\n    not_assessed: too few\n  - pass: ok\nvalue: n\nthreshold: 5",
            "meetings: [{ id: M-1 }]",
        );
        assert_eq!(
            (o.status, o.value, o.threshold, o.formula),
            (Status::NotAssessed, None, None, None)
        );
    }

    #[test]
    fn follows_finds_a_later_date_and_its_gap_to_the_latest_earlier_one() {
        let o = outcome(
            "let:
  dated: { rows: { from: positioning, where: { field: status, equals: approved } } }
  changes: { rows: { from: positioning, where: { field: effective_date, follows: { from: dated } } } }
  quick: { rows: { from: positioning, where: { field: effective_date, follows: { from: dated, within_days: 100 } } } }
outcome:
  - fail: '{changes} changes, {quick} quick'
findings:
  - from: quick
    message: '{id}'",
            "positioning:
  - { id: P-1, effective_date: 2024-01-01, status: approved }
  - { id: P-2, effective_date: 2024-03-01, status: approved }
  - { id: P-3, effective_date: 2024-09-01, status: approved }
  - { id: P-4, effective_date: 2024-01-01, status: approved }
  - { id: P-5, status: approved }",
        );
        assert_eq!(o.message, "2 changes, 1 quick");
        assert_eq!(o.findings[0].message, "P-2");
    }

    #[test]
    fn in_keys_names_a_key_set_of_the_plan() {
        let raw: crate::rules::plan::format::RawPlan = crate::yaml::from_str(
            "let:
  x: { rows: { from: meetings, where: { field: date, in_keys: nope } } }
outcome:
  - pass: ok",
        )
        .unwrap();
        let errors = Plan::compile(&raw, &ParamValues::new(), None).unwrap_err();
        assert!(errors[0].message.contains("`in_keys` names `nope`"), "{errors:?}");
    }
}

mod group_filter_tests {
    use crate::rules::plan::testing::outcome;

    /// Group values with filters, over few rows (answered row by row) and
    /// over more than `MARK_FROM` (answered for all rows at once, and for a
    /// named row set too): the same counts and sums as worked out directly.
    #[test]
    fn filtered_group_values_are_the_same_over_few_rows_and_many() {
        let plan = r#"
let:
  open: { rows: { from: opportunities, where: { not: { field: stage, equals: lost } } } }
  by_source:
    groups:
      from: opportunities
      by: source
      let:
        won: { count: { where: { field: stage, in: [won, WON] } } }
        won_score: { sum: { field: amount, where: { field: stage, equals: won } } }
  open_by_source:
    groups:
      from: open
      by: source
      let:
        scored: { count: { where: { field: amount, gt: 5 } } }
  shown: { list: { from: by_source, show: '{key} {won} {won_score} {count}', sep: '; ' } }
  open_shown: { list: { from: open_by_source, show: '{key} {scored} {count}', sep: '; ' } }
outcome:
  - pass: '{shown} | {open_shown}'
"#;
        // A count as a message shows it: 1,600.
        let n_ = |n: usize| crate::template::format_money(n as f64);
        let sources = ["web", "event", "partner"];
        let stages = ["won", "lost", "open", "WON", "open"];
        for n in [50, 12_000] {
            let rows: Vec<String> = (0..n)
                .map(|i| {
                    format!(
                        "{{id: O{i}, source: {}, stage: {}, amount: {}}}",
                        sources[i % 3],
                        stages[i % 5],
                        i % 11
                    )
                })
                .collect();
            let got = outcome(plan, &format!("opportunities: [{}]\n", rows.join(", "))).message;
            let lead = |i: &usize| (sources[i % 3], stages[i % 5], i % 11);
            let all: Vec<(&str, &str, usize)> = (0..n).map(|i| lead(&i)).collect();
            let mut shown = Vec::new();
            let mut open_shown = Vec::new();
            for s in ["event", "partner", "web"] {
                let of: Vec<_> = all.iter().filter(|l| l.0 == s).collect();
                let won = of.iter().filter(|l| l.1.eq_ignore_ascii_case("won")).count();
                let won_score: usize = of.iter().filter(|l| l.1.eq_ignore_ascii_case("won")).map(|l| l.2).sum();
                shown.push(format!("{s} {} {} {}", n_(won), n_(won_score), n_(of.len())));
                let open: Vec<_> = of.iter().filter(|l| l.1 != "lost").collect();
                let scored = open.iter().filter(|l| l.2 > 5).count();
                open_shown.push(format!("{s} {} {}", n_(scored), n_(open.len())));
            }
            assert_eq!(
                got,
                format!("{} | {}", shown.join("; "), open_shown.join("; ")),
                "{n} opportunities"
            );
        }
    }
}

mod semi_join_tests {
    use crate::rules::plan::testing::outcome;
    use crate::rules::vocab::normalize;

    const PLAN: &str = "let:
  links: { rows: { from: leads, where: { field: opportunity_id, present: true } } }
  found: { rows: { from: links, where: { field: opportunity_id, in_rows: { from: opportunities, fields: [id] } } } }
  missing: { rows: { from: links, where: { not: { field: opportunity_id, in_rows: { from: opportunities, fields: [id] } } } } }
outcome:
  - fail: '{found} {missing}'
findings:
  - from: found
    limit: 1000
    message: '{id}'";

    /// A step that reuses a dataset's name tests other rows than the
    /// dataset: each keeps its own semi-join (the step's is computed first
    /// here, as the message reads it first).
    #[test]
    fn a_step_named_as_its_dataset_keeps_its_own_semi_join() {
        let plan = "let:
  found_all: { count: { from: leads, where: { field: opportunity_id, in_rows: { from: opportunities, fields: [id] } } } }
  leads: { rows: { from: leads, where: { field: stage, equals: sql } } }
  found_sql: { count: { from: leads, where: { field: opportunity_id, in_rows: { from: opportunities, fields: [id] } } } }
outcome:
  - fail: '{found_sql} {found_all}'";
        let data = "opportunities: [{ id: O1 }, { id: O2 }, { id: O3 }, { id: O4 }, { id: O5 }, { id: O6 }]
leads:
  - { id: L1, stage: sql, opportunity_id: O1 }
  - { id: L2, stage: new, opportunity_id: O2 }
  - { id: L3, stage: new, opportunity_id: O9 }";
        assert_eq!(outcome(plan, data).message, "1 2");
    }

    proptest::proptest! {
        /// A few leads tested against many deals (the semi-join built from
        /// the tested side, the deals scanned against it, with or without a
        /// key filter, every key found or some) keep exactly the leads whose
        /// deal id, read as vocabularies read words, is a deal's.
        #[test]
        fn tested_rows_find_exactly_the_keys_the_other_side_holds(
            deals in proptest::collection::btree_set(0u32..200, 1..80),
            named in proptest::collection::vec((0u32..200, 0usize..3), 0..12),
        ) {
            let spell = |n: u32, how: usize| match how {
                0 => format!("O-{n:04}"),
                1 => format!("o_{n:04}"),
                _ => format!(" O {n:04}"),
            };
            let mut data = String::from("opportunities:\n");
            for d in &deals {
                data.push_str(&format!("  - {{ id: 'O-{d:04}' }}\n"));
            }
            data.push_str("leads:\n");
            for (i, (n, how)) in named.iter().enumerate() {
                data.push_str(&format!("  - {{ id: L{i}, opportunity_id: '{}' }}\n", spell(*n, *how)));
            }
            if named.is_empty() {
                data.push_str("  - { id: L-none }\n");
            }
            let held: std::collections::HashSet<String> = deals.iter().map(|d| normalize(&format!("O-{d:04}"))).collect();
            let expected: Vec<String> = named
                .iter()
                .enumerate()
                .filter(|(_, (n, how))| held.contains(&normalize(&spell(*n, *how))))
                .map(|(i, _)| format!("L{i}"))
                .collect();
            let o = outcome(PLAN, &data);
            let found: Vec<&str> = o.findings.iter().map(|f| f.message.as_str()).collect();
            proptest::prop_assert_eq!(&found, &expected);
            proptest::prop_assert_eq!(o.message, format!("{} {}", expected.len(), named.len() - expected.len()));
        }
    }
}

mod related_tests {
    use crate::rules::plan::testing::outcome;

    /// A sum and a count over the same rows and dates read one index; a
    /// count of rows still counts them where the summed field is not
    /// exported, and a min over the same rows keeps an index of its own.
    #[test]
    fn aggregates_over_the_same_rows_share_an_index_and_keep_their_answers() {
        let plan = "let:
  judged:
    rows:
      from: forecasts
      with:
        created: { sum: { from: opportunities, field: amount, within: { date: created_date, start: period_start, end: period_end } } }
        deals: { count: { from: opportunities, within: { date: created_date, start: period_start, end: period_end } } }
        priced: { count: { from: opportunities, field: amount, within: { date: created_date, start: period_start, end: period_end } } }
        least: { min: { from: opportunities, field: amount, within: { date: created_date, start: period_start, end: period_end } } }
outcome:
  - fail: 'n'
findings:
  - from: judged
    message: '{id}: {created|\"none\"} {deals} {priced} {least|\"none\"}'";
        let forecasts = "forecasts:
  - { id: Q1, period_start: 2025-01-01, period_end: 2025-03-31 }
  - { id: Q2, period_start: 2025-04-01, period_end: 2025-06-30 }
";
        let with_amounts = format!(
            "{forecasts}opportunities:
  - {{ id: O1, created_date: 2025-01-05, amount: 100 }}
  - {{ id: O2, created_date: 2025-02-05, amount: 50 }}
  - {{ id: O3, created_date: 2025-04-05 }}
  - {{ id: O4, created_date: 2025-07-05, amount: 7 }}
"
        );
        let messages =
            |data: &str| -> Vec<String> { outcome(plan, data).findings.into_iter().map(|f| f.message).collect() };
        assert_eq!(messages(&with_amounts), ["Q1: 150 2 2 50", "Q2: 0 1 0 none"]);
        let without_amounts = format!(
            "{forecasts}opportunities:
  - {{ id: O1, created_date: 2025-01-05 }}
  - {{ id: O2, created_date: 2025-02-05 }}
  - {{ id: O3, created_date: 2025-04-05 }}
"
        );
        assert_eq!(messages(&without_amounts), ["Q1: none 2 0 none", "Q2: none 1 0 none"]);
    }
}

mod row_test_tests {
    use crate::rules::plan::testing::outcome;

    /// An `if:` that reads no field of the row keeps every row or none; one
    /// that reads a field still tests each row.
    #[test]
    fn a_test_of_no_field_keeps_all_rows_or_none() {
        let plan = |flag: &str| {
            format!(
                "let:
  flag: '{flag}'
  kept: {{ rows: {{ from: leads, if: flag }} }}
  late: {{ rows: {{ from: kept, if: 'days(created_date, as_of) > 30' }} }}
outcome:
  - fail: '{{kept}} {{late}}'"
            )
        };
        let data = "leads:
  - { id: L1, created_date: 2025-12-30 }
  - { id: L2, created_date: 2025-01-05 }
  - { id: L3, created_date: 2025-02-05 }";
        assert_eq!(outcome(&plan("1 > 0"), data).message, "3 2");
        assert_eq!(outcome(&plan("1 > 2"), data).message, "0 0");
    }
}
