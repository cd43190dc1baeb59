//! The same inputs give byte-identical reports, whatever the number of
//! threads that parse files and evaluate rules, and however often it runs.

mod common;
use common::*;
use std::process::Command;

/// Every file-based format the binary writes.
const FORMATS: &[&str] = &["json", "terminal", "md", "html"];

fn audit_bytes(bundle: &str, format: &str, threads: &str) -> Vec<u8> {
    let o = Command::new(env!("CARGO_BIN_EXE_mktaudit"))
        .args(["audit", bundle, "--as-of", "2025-12-31", "--format", format])
        .env("NO_COLOR", "1")
        .env("RAYON_NUM_THREADS", threads)
        .output()
        .expect("the binary runs");
    assert!(
        matches!(o.status.code(), Some(0 | 1)),
        "{bundle} {format}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(!o.stdout.is_empty());
    o.stdout
}

#[test]
fn reports_are_identical_across_runs_and_thread_counts() {
    for bundle in ["examples/acme-vanity", MINI] {
        for format in FORMATS {
            let reference = audit_bytes(bundle, format, "1");
            for threads in ["1", "2", "8"] {
                assert!(
                    audit_bytes(bundle, format, threads) == reference,
                    "{bundle} as {format} differs with {threads} threads"
                );
            }
        }
    }
}
