//! The default rule pack (`rules/`): every anti-pattern of the catalog has a
//! rule, every rule's own tests pass, and every rule says where it comes from.

use mktaudit::testing::rules::format::Reference;
use mktaudit::testing::rules::{RulePack, load_rule_dirs};
use mktaudit::testing::ruletest::{Verdict, incomplete_rules, run_pack_tests};
use std::path::PathBuf;

/// The rows of `shared/domain/anti-patterns.md`: one rule each. Ids are
/// stable once shipped, so they are spelled out here rather than parsed.
const CATALOG: &[&str] = &[
    "CRED-001",
    "CRED-002",
    "CRED-003",
    "CRED-004",
    "CRED-005",
    "COMP-001",
    "COMP-002",
    "COMP-003",
    "COMP-004",
    "ACCT-001",
    "ACCT-002",
    "ACCT-003",
    "ACCT-004",
    "ACCT-005",
    "STRAT-001",
    "STRAT-002",
    "STRAT-003",
    "STRAT-004",
    "STRAT-005",
    "STRAT-006",
    "STRAT-007",
    "INTG-001",
    "INTG-002",
    "INTG-003",
    "INTG-004",
];

fn default_pack() -> RulePack {
    load_rule_dirs(&[PathBuf::from("rules")])
        .unwrap_or_else(|p| panic!("the default pack loads:\n{p}"))
        .pack
}

#[test]
fn every_catalog_anti_pattern_has_a_rule() {
    let pack = default_pack();
    let missing: Vec<&str> = CATALOG.iter().copied().filter(|id| pack.get(id).is_none()).collect();
    assert!(missing.is_empty(), "no rule for {missing:?}");
    for rule in &pack.rules {
        let prefix = rule.id.split('-').next().unwrap_or_default();
        let expected = match rule.category.to_string().as_str() {
            "competent" => "COMP",
            "credible" => "CRED",
            "accountable" => "ACCT",
            "strategic" => "STRAT",
            "integrated" => "INTG",
            other => panic!("unknown category {other}"),
        };
        assert_eq!(prefix, expected, "{} sits in {}", rule.id, rule.category);
    }
}

#[test]
fn every_rule_passes_its_own_tests() {
    let pack = default_pack();
    let failures: Vec<String> = run_pack_tests(&pack, None)
        .into_iter()
        .filter(|c| c.verdict != Verdict::Validated)
        .map(|c| format!("{} :: {} ({:?}): {}", c.rule, c.case, c.verdict, c.detail))
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(
        incomplete_rules(&pack),
        Vec::<(String, Vec<&str>)>::new(),
        "every rule ships a passing, a failing and a missing-data case"
    );
}

#[test]
fn every_rule_cites_its_seed_and_the_source_of_its_thresholds() {
    for rule in &default_pack().rules {
        let entries: Vec<_> = rule
            .references
            .iter()
            .filter_map(|r| match r {
                Reference::Entry(e) => Some(e),
                Reference::Text(_) => None,
            })
            .collect();
        assert!(
            entries.iter().any(|e| e.seed.is_some()),
            "{} names no seed article",
            rule.id
        );
        let numeric_params = rule
            .params
            .values()
            .any(|p| matches!(p.default, mktaudit::testing::value::Value::Number(_)));
        if numeric_params {
            assert!(
                entries.iter().any(|e| e.url.is_some() || e.convention.is_some()),
                "{} has thresholds but cites no source and marks none as convention",
                rule.id
            );
        }
        for text in [&rule.title, &rule.rationale, &rule.remediation] {
            assert!(text.trim().len() >= 20, "{}: `{text}` is too thin", rule.id);
        }
    }
}

/// The default pack is built into the binary: it is the `rules/` folder's
/// pack to the byte (same hash, same rules), and it is used from any working
/// folder, even one holding a `rules/` folder of its own.
#[test]
fn the_built_in_pack_is_the_rules_folder_and_works_from_anywhere() {
    let built_in = load_rule_dirs(&[mktaudit::testing::rules::default_pack_dir()])
        .unwrap_or_else(|p| panic!("the built-in pack loads:\n{p}"))
        .pack;
    let folder = default_pack();
    assert_eq!(
        built_in.hash, folder.hash,
        "rebuild: the built-in pack differs from rules/"
    );
    assert_eq!(built_in.rules.len(), folder.rules.len());

    let elsewhere = tempfile::tempdir().unwrap();
    // A user's own `rules/` folder must not stand in for the default pack.
    std::fs::create_dir_all(elsewhere.path().join("rules/credible")).unwrap();
    std::fs::write(elsewhere.path().join("rules/credible/MINE.yaml"), "not: a rule").unwrap();
    let example = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/acme-vanity");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_mktaudit"))
        .args([
            "audit",
            example.to_str().unwrap(),
            "--as-of",
            "2025-12-31",
            "--format",
            "json",
        ])
        .current_dir(elsewhere.path())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(report["methodology"]["rule_pack_hash"], folder.hash.as_str());
    assert_eq!(report["methodology"]["rules"], folder.rules.len());
}
