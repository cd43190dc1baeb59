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
