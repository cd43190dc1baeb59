//! Load errors as the user sees them: file, line, column, label and help,
//! all problems at once, exit code 2. Snapshots hold the rendered text.

mod common;
use common::*;

fn rendered(args: &[&str]) -> String {
    let o = mktaudit(args);
    assert_eq!(
        o.status.code(),
        Some(2),
        "expected exit 2 for {args:?}; stdout:\n{}",
        stdout(&o)
    );
    assert!(
        stdout(&o).is_empty(),
        "nothing is printed as a report when input is bad"
    );
    stderr(&o)
}

fn bundle(case: &str) -> String {
    let path = format!("tests/fixtures/broken/{case}");
    rendered(&["audit", &path, "--no-default-rules", "--rules", CORE_PACK])
}

fn rules(case: &str) -> String {
    rendered(&["rules", "check", &format!("tests/fixtures/broken/{case}")])
}

macro_rules! snapshot_case {
    ($name:ident, $kind:ident, $case:literal) => {
        #[test]
        fn $name() {
            insta::assert_snapshot!($case, $kind($case));
        }
    };
}

snapshot_case!(bad_cell, bundle, "bundle-bad-cell");
snapshot_case!(ragged_csv, bundle, "bundle-ragged-csv");
snapshot_case!(bad_yaml, bundle, "bundle-bad-yaml");
snapshot_case!(bad_json, bundle, "bundle-bad-json");
snapshot_case!(bad_manifest, bundle, "bundle-bad-manifest");
snapshot_case!(manifest_mapping, bundle, "bundle-manifest-mapping");
snapshot_case!(duplicate_dataset, bundle, "bundle-duplicate-dataset");
snapshot_case!(join_on, bundle, "bundle-join-on");
snapshot_case!(join_on_data, bundle, "bundle-join-on-data");
snapshot_case!(join_on_key, bundle, "bundle-join-on-key");
snapshot_case!(unknown_key, rules, "rules-unknown-key");
snapshot_case!(bad_regex, rules, "rules-bad-regex");
snapshot_case!(rhai_syntax, rules, "rules-rhai-syntax");
snapshot_case!(duplicate_id, rules, "rules-duplicate-id");
snapshot_case!(semantic, rules, "rules-semantic");
snapshot_case!(script_escape, rules, "rules-script-escape");

#[test]
fn every_problem_names_file_line_and_column() {
    let out = bundle("bundle-bad-cell");
    assert!(out.contains("opportunities.csv:2:15"), "{out}");
    assert!(out.contains("opportunities.csv:3:4"), "{out}");
    assert!(
        out.contains("2 problems found"),
        "all problems reported together:\n{out}"
    );
}

#[test]
fn a_check_error_points_into_the_check_not_at_the_same_words_elsewhere() {
    let dir = tempfile::tempdir().unwrap();
    let cat = dir.path().join("credible");
    std::fs::create_dir_all(&cat).unwrap();
    let rule = "title: A rule whose rationale quotes its pattern\n\
                severity: high\n\
                rationale: \"flags names matching (?i)click( and others\"\n\
                remediation: y\n\
                references:\n  - \"weight: see (?i)click(\"\n\
                weight: 2\n\
                check:\n  rows:\n    dataset: kpis\n    flag: { field: name, matches: '(?i)click(' }\n    message: \"{name}\"\n";
    std::fs::write(cat.join("quoted.yaml"), rule).unwrap();
    let out = rendered(&["rules", "check", dir.path().to_str().unwrap()]);
    assert!(out.contains("quoted.yaml:11:36"), "{out}");
}

/// A bundle of the CRM-only fixture (a leads and an opportunities export)
/// plus `extra` files, in a temporary folder.
fn crm_bundle(extra: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for f in ["leads.csv", "opportunities.csv"] {
        std::fs::copy(format!("tests/fixtures/exports/crm-only/{f}"), dir.path().join(f)).unwrap();
    }
    for (name, text) in extra {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

/// Runs `audit` and `inspect` on a bundle: both must end with exit 2 and
/// say `expected` (the suggestion), never panic (exit 101).
fn both_refuse(dir: &tempfile::TempDir, expected: &[&str]) {
    let path = dir.path().to_str().unwrap();
    for cmd in ["audit", "inspect"] {
        let args: &[&str] = if cmd == "audit" {
            &[cmd, path, "--as-of", "2025-12-31"]
        } else {
            &[cmd, path]
        };
        let o = mktaudit(args);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{cmd}: expected exit 2\n{err}");
        for e in expected {
            assert!(err.contains(e), "{cmd}: expected `{e}` in\n{err}");
        }
    }
}

#[test]
fn every_mapping_mistake_ends_with_exit_2_and_a_suggestion() {
    // A header mapped to a misspelled field (it panicked at plan.rs:161).
    let d = crm_bundle(&[(
        "bundle.yaml",
        "datasets:\n  leads:\n    columns:\n      Lead Source: sorce\n",
    )]);
    both_refuse(&d, &["bundle.yaml:4:7", "did you mean `source`?"]);
    // A misspelled header: named, with the file's header closest to it.
    let d = crm_bundle(&[(
        "bundle.yaml",
        "datasets:\n  leads:\n    columns:\n      Lead Sorce: source\n",
    )]);
    both_refuse(
        &d,
        &["bundle.yaml:4:7", "has no such column", "did you mean `Lead Source`?"],
    );
    // Two headers for one field: the second is not silently dropped.
    let d = crm_bundle(&[(
        "bundle.yaml",
        "datasets:\n  leads:\n    columns:\n      Lead Source: source\n      Status: source\n",
    )]);
    both_refuse(
        &d,
        &["are both mapped to `leads.source`", "map the other to its own field"],
    );
    // One header listed twice, for two fields: the YAML itself is refused at the second.
    let d = crm_bundle(&[(
        "bundle.yaml",
        "datasets:\n  leads:\n    columns:\n      Lead Source: source\n      Lead Source: campaign_id\n",
    )]);
    both_refuse(
        &d,
        &[
            "bundle.yaml:5:7",
            "duplicate mapping key: Lead Source",
            "a key appears once",
        ],
    );
    // A source none of whose columns the file has.
    let d = crm_bundle(&[
        ("campaigns.csv", "Kampagne,Kosten\nFrühjahr,1200\n"),
        (
            "bundle.yaml",
            "datasets:\n  campaigns:\n    source: meta-ads-campaigns\n",
        ),
    ]);
    both_refuse(
        &d,
        &["bundle.yaml:3:5", "reads none of the 2 columns", "remove `source:`"],
    );
    // A constant for a field the dataset lacks, and one of the wrong type.
    let d = crm_bundle(&[(
        "bundle.yaml",
        "datasets:\n  opportunities:\n    constants:\n      sorce: marketing\n      amount: lots\n",
    )]);
    both_refuse(&d, &["did you mean `source`?", "constant `opportunities.amount`"]);
    // US dates with a time: the help is the date_format line that reads them.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("opportunities.csv"),
        "id,source,amount,created_date,close_date\nO1,web,100,2/26/2018 19:58,3/28/2018 10:00\n",
    )
    .unwrap();
    both_refuse(&dir, &["add `date_format: \"%m/%d/%Y\"`", "`datasets: opportunities:`"]);
    // ...and that line does read them.
    std::fs::write(
        dir.path().join("bundle.yaml"),
        "datasets:\n  opportunities:\n    date_format: \"%m/%d/%Y\"\n",
    )
    .unwrap();
    let o = mktaudit(&["inspect", dir.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("created_date: 2018-02-26 to 2018-02-26"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn a_plan_error_points_at_its_own_branch_or_finding() {
    // The same words appear earlier in the plan: each error points at the
    // node it is in (a branch, a finding, a computed field), not at the
    // first place its words appear.
    let dir = tempfile::tempdir().unwrap();
    let cat = dir.path().join("credible");
    std::fs::create_dir_all(&cat).unwrap();
    let rule = r#"title: Errors in judges and computed fields
severity: low
rationale: r
remediation: r
references: [{ convention: test }]
check:
  plan:
    let:
      shown: { rows: { from: kpis, with: { label: "name", size: "nme" } } }
      names: { list: { from: shown, show: "{label}" } }
      board:
        rows:
          from: kpis
          where:
            all:
              - { field: audience, equals: board }
              - { field: audience, gt: 3 }
    outcome:
      - if: shown > 0
        fail: "{names} are shown"
      - if: shown > 0
        warn: "{nam} are shown"
      - pass: none
    findings:
      - from: shown
        message: "{names} {lab}"
"#;
    std::fs::write(cat.join("scoped.yaml"), rule).unwrap();
    let out = rendered(&["rules", "check", dir.path().to_str().unwrap()]);
    // `nme` in the second computed field, not `name` in the first.
    assert!(out.contains("scoped.yaml:9:"), "{out}");
    // `gt` on a text field in the second condition (line 17), not the
    // same field in the first.
    assert!(out.contains("scoped.yaml:17:"), "{out}");
    // `{nam}` in the second branch (line 22), not `{names}` of the first.
    assert!(out.contains("scoped.yaml:22:"), "{out}");
    // `{lab}` in the finding (line 26), not `{label}` of the list (line 10).
    assert!(out.contains("scoped.yaml:26:"), "{out}");
}

/// A shared condition named wrong, or written beside another test, is an
/// error at its `is:` with the name it meant; a definition of the pack's own
/// that refers to itself is refused too.
#[test]
fn a_shared_condition_mistake_points_at_its_is() {
    let dir = tempfile::tempdir().unwrap();
    let rule = "title: Overhead lines\n\
                severity: low\n\
                rationale: r\n\
                remediation: r\n\
                references: [{ convention: c }]\n\
                check:\n  plan:\n    let:\n\
                \x20     lines: { rows: { from: budget, where: { is: overhead_lines } } }\n\
                \x20     n: { count: { from: lines } }\n\
                \x20   value: n\n    warn_above: 0\n    message: \"{n}\"\n";
    write_files(dir.path(), &[("strategic/typo.yaml", rule)]);
    let out = rendered(&["rules", "check", dir.path().to_str().unwrap()]);
    assert!(out.contains("no definition named `overhead_lines`"), "{out}");
    assert!(out.contains("did you mean `overhead_line`?"), "{out}");
    assert!(out.contains("typo.yaml:9:"), "{out}");

    let looped = "own_loop:\n  description: x\n  where: { not: { is: own_loop } }\n";
    let rule = rule.replace("is: overhead_lines", "is: own_loop");
    write_files(
        dir.path(),
        &[("definitions.yaml", looped), ("strategic/typo.yaml", &rule)],
    );
    let out = rendered(&["rules", "check", dir.path().to_str().unwrap()]);
    assert!(
        out.contains("definitions refer to each other in a loop: own_loop -> own_loop"),
        "{out}"
    );
    assert!(out.contains("typo.yaml:9:"), "{out}");

    // The default pack's name, with another meaning, in the user's pack.
    let clash = "overhead_line:\n  description: x\n  where: { field: category, equals: People }\n";
    write_files(dir.path(), &[("definitions.yaml", clash)]);
    let out = rendered(&["rules", "check", dir.path().to_str().unwrap()]);
    assert!(
        out.contains("definition `overhead_line` is defined differently by two packs"),
        "{out}"
    );
    assert!(out.contains("definitions.yaml:1:1"), "{out}");
}
