//! `mktaudit gen`: the bundles benchmarks and demos are made of. They must be
//! the same bytes for a seed, describe the org their profile promises when
//! the default pack audits them, and never write over a user's files.

mod common;
use common::*;
use std::path::Path;

fn generate(out: &Path, rows: &str, seed: &str, profile: &str) -> std::process::Output {
    let out = out.to_str().unwrap();
    mktaudit(&[
        "gen",
        "--rows",
        rows,
        "--out",
        out,
        "--seed",
        seed,
        "--profile",
        profile,
    ])
}

fn files_of(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

/// Audits `dir` with the default pack; returns (grade, statuses by rule).
fn audit(dir: &Path) -> (String, Vec<(String, String)>) {
    let o = mktaudit(&[
        "audit",
        dir.to_str().unwrap(),
        "--as-of",
        "2025-12-31",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let statuses = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["id"].as_str().unwrap().to_string(),
                r["status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    (report["summary"]["grade"].as_str().unwrap().to_string(), statuses)
}

#[test]
fn a_seed_gives_the_same_bytes_and_another_seed_other_data() {
    let root = tempfile::tempdir().unwrap();
    for profile in ["healthy", "troubled"] {
        let [a, b, c] = ["a", "b", "c"].map(|n| root.path().join(format!("{profile}-{n}")));
        for (dir, seed) in [(&a, "3"), (&b, "3"), (&c, "4")] {
            let o = generate(dir, "2000", seed, profile);
            assert!(o.status.success(), "{}", stderr(&o));
        }
        assert_eq!(files_of(&a), files_of(&b), "{profile}: the same seed, the same bytes");
        assert_ne!(files_of(&a), files_of(&c), "{profile}: another seed, other data");
        let leads = std::fs::read_to_string(a.join("leads.csv")).unwrap();
        assert_eq!(leads.lines().count(), 2001, "{profile}: a header and 2000 leads");
    }
}

#[test]
fn the_healthy_org_passes_every_assessed_rule_and_the_troubled_one_fails_most() {
    let root = tempfile::tempdir().unwrap();
    let healthy = root.path().join("healthy");
    let troubled = root.path().join("troubled");
    assert!(generate(&healthy, "5000", "1", "healthy").status.success());
    assert!(generate(&troubled, "5000", "1", "troubled").status.success());

    let (grade, statuses) = audit(&healthy);
    // The generator leaves one strategic rule without data (one marketer for
    // the request effort); STRAT-004 judges the new ARR target against the
    // market at the profile's average deal size, and with STRAT-009 passing
    // on the same target the grade is A.
    assert_eq!(grade, "A");
    let not_passing: Vec<_> = statuses
        .iter()
        .filter(|(_, s)| !matches!(s.as_str(), "pass" | "not_assessed" | "not_applicable"))
        .collect();
    assert!(not_passing.is_empty(), "the healthy org should pass: {not_passing:?}");

    let (grade, statuses) = audit(&troubled);
    assert_eq!(grade, "F");
    let failing = statuses.iter().filter(|(_, s)| s == "fail" || s == "warn").count();
    assert!(
        failing * 4 >= statuses.len() * 3,
        "most rules should find the troubled org's anti-patterns: {statuses:?}"
    );
    for big in ["COMP-001", "COMP-002", "ACCT-004", "CRED-003", "CRED-005", "STRAT-007"] {
        let status = &statuses.iter().find(|(id, _)| id == big).unwrap().1;
        assert_ne!(
            status, "pass",
            "{big} reads the big datasets and should find the troubled org out"
        );
    }
}

#[test]
fn gen_never_writes_into_a_folder_with_files() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("leads.csv"), "mine").unwrap();
    let o = generate(dir.path(), "100", "1", "healthy");
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("not empty"), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(dir.path().join("leads.csv")).unwrap(), "mine");
}

/// No default rule ends as an error on a generated org, healthy or troubled,
/// whatever the audit date: inside the period, at its end, after it, or
/// before it has started (where a rule needing the period says so).
#[test]
fn no_rule_errors_on_a_generated_org_at_any_audit_date() {
    let dir = tempfile::tempdir().unwrap();
    for profile in ["healthy", "troubled"] {
        let out = dir.path().join(profile);
        assert!(generate(&out, "12000", "7", profile).status.success());
        for as_of in ["2024-06-30", "2025-01-15", "2025-07-31", "2025-12-31", "2026-06-30"] {
            let o = mktaudit(&["audit", out.to_str().unwrap(), "--as-of", as_of, "--format", "json"]);
            assert!(o.status.code().is_some_and(|c| c < 2), "{}", stderr(&o));
            let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
            let errors: Vec<String> = report["results"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|r| r["status"] == "error")
                .map(|r| format!("{}: {}", r["id"], r["message"]))
                .collect();
            assert!(errors.is_empty(), "{profile} as of {as_of}: {errors:?}");
            assert_eq!(
                report["results"].as_array().unwrap().len() as u64,
                report["methodology"]["rules"].as_u64().unwrap()
            );
        }
    }
}
