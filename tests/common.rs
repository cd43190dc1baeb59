//! Helpers shared by the integration tests: run the real binary.
#![allow(dead_code)]

use std::process::{Command, Output};

pub const MINI: &str = "tests/fixtures/bundles/mini";
pub const CORE_PACK: &str = "tests/fixtures/packs/core";

pub fn mktaudit(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mktaudit"))
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("CI")
        .output()
        .expect("the binary runs")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Audits the mini bundle with the core fixture pack only.
pub fn audit_mini(extra: &[&str]) -> Output {
    audit_mini_as_of("2025-12-31", extra)
}

/// `audit_mini` on another audit date (a quarter of a trend).
pub fn audit_mini_as_of(as_of: &str, extra: &[&str]) -> Output {
    let mut args = vec![
        "audit",
        MINI,
        "--no-default-rules",
        "--rules",
        CORE_PACK,
        "--as-of",
        as_of,
    ];
    args.extend_from_slice(extra);
    mktaudit(&args)
}

/// The first three default rules, frozen: for tests that count rules.
pub const STARTER_PACK: &str = "tests/fixtures/packs/starter";

/// Runs `audit` or `inspect` with the starter pack only.
pub fn with_starter(args: &[&str]) -> Output {
    let mut all = args.to_vec();
    all.extend_from_slice(&["--no-default-rules", "--rules", STARTER_PACK]);
    mktaudit(&all)
}

/// A temporary bundle folder holding `files` (name, text); names may have folders.
pub fn folder_with(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write_files(dir.path(), files);
    dir
}

/// Writes `files` (name, text) under `dir`, making folders as needed.
pub fn write_files(dir: &std::path::Path, files: &[(&str, &str)]) {
    for (name, text) in files {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

/// A rule pack of `files` (`credible/T-001.yaml`, text) in a temporary
/// folder, loaded as a user's pack is (beside the default pack's
/// vocabularies and definitions); the folder lives as long as the result.
pub fn pack_of(files: &[(&str, &str)]) -> (tempfile::TempDir, Result<mktaudit::testing::rules::LoadedRules, String>) {
    let dir = folder_with(files);
    let loaded = mktaudit::testing::rules::load_rule_dirs(&[dir.path().to_path_buf()]).map_err(|p| p.to_string());
    (dir, loaded)
}

/// Audits `bundle` with the default pack on 2025-12-31 and returns the JSON
/// report; the audit must have run (exit 0, or 1 for failing rules).
pub fn audit_report(bundle: impl AsRef<std::path::Path>, extra: &[&str]) -> serde_json::Value {
    let bundle = bundle.as_ref().to_str().unwrap();
    let mut args = vec!["audit", bundle, "--as-of", "2025-12-31", "--format", "json"];
    args.extend_from_slice(extra);
    let o = mktaudit(&args);
    assert!(matches!(o.status.code(), Some(0 | 1)), "{bundle}: {}", stderr(&o));
    serde_json::from_slice(&o.stdout).unwrap()
}

/// One rule's result in a JSON report.
pub fn rule_result<'a>(report: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    report["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("no {id} in the report"))
}

/// The messages of the report's notes on the bundle.
pub fn bundle_notes(report: &serde_json::Value) -> Vec<String> {
    report["bundle"]["notes"]
        .as_array()
        .map(|n| n.iter().map(|n| n["message"].as_str().unwrap().to_string()).collect())
        .unwrap_or_default()
}

/// A rule pack of Rhai-scripted rules, one per (id, script), each requiring
/// `requires` (e.g. `{ kpis: [name] }`).
pub fn script_pack(requires: &str, scripts: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let cat = dir.path().join("competent");
    std::fs::create_dir_all(&cat).unwrap();
    for (id, script) in scripts {
        let indented: String = script.lines().map(|l| format!("    {l}\n")).collect();
        std::fs::write(
            cat.join(format!("{id}.yaml")),
            format!(
                "title: {id}\nseverity: low\nrationale: r\nremediation: r\nrequires: {requires}\ncheck:\n  script: |\n{indented}"
            ),
        )
        .unwrap();
    }
    dir
}

/// Audits `dir` with the core fixture pack only (JSON on stdout), whatever
/// the outcome: for tests of what a bundle may and may not do.
pub fn audit_core(dir: &std::path::Path) -> Output {
    mktaudit(&[
        "audit",
        dir.to_str().unwrap(),
        "--no-default-rules",
        "--rules",
        CORE_PACK,
        "--as-of",
        "2025-12-31",
        "--format",
        "json",
    ])
}
