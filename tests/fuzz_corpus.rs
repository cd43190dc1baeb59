//! Replays the committed fuzz corpora (`fuzz/corpus/<target>/`) through the
//! same harness the libFuzzer targets run, on stable Rust, so every input
//! that once crashed mktaudit stays a regression test. New crashes found by
//! `scripts/fuzz.sh` are copied into the corpus with the fix.

#[path = "../fuzz/harness.rs"]
mod harness;

use std::path::Path;

fn replay(target: &str, run: fn(&[u8])) {
    let dir = Path::new("fuzz/corpus").join(target);
    let mut inputs: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    inputs.sort();
    assert!(
        inputs.len() >= 10,
        "{target}: the seed corpus is too small to mean anything"
    );
    for input in inputs {
        let data = std::fs::read(&input).unwrap();
        let outcome = std::panic::catch_unwind(|| run(&data));
        assert!(outcome.is_ok(), "{target} panicked on {}", input.display());
    }
}

#[test]
fn bundle_loader_corpus() {
    replay("bundle_loader", harness::bundle_loader);
}

#[test]
fn rule_loader_corpus() {
    replay("rule_loader", harness::rule_loader);
}

#[test]
fn check_eval_corpus() {
    replay("check_eval", harness::check_eval);
}

#[test]
fn workbook_corpus() {
    replay("workbook", harness::workbook);
}

#[test]
fn report_template_corpus() {
    replay("report_template", harness::report_template);
}

#[test]
fn yaml_corpus() {
    replay("yaml", harness::yaml);
}

#[test]
fn period_eval_corpus() {
    replay("period_eval", harness::period_eval);
}
