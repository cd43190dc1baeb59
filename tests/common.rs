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
