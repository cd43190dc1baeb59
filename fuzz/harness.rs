//! What each fuzz target does with its input, shared by the libFuzzer
//! targets (`fuzz/fuzz_targets/`) and the stable replay of the committed
//! corpora (`tests/fuzz_corpus.rs`), so `cargo test` re-checks every input
//! that once found a bug. Each function must return without panicking,
//! whatever the bytes; a load error is an expected outcome.

#![allow(dead_code)] // each fuzz target uses one of these

use std::path::Path;

/// The file an input becomes: its first byte picks the kind, so one corpus
/// reaches the CSV, YAML, JSON and manifest parsers.
const BUNDLE_FILES: &[&str] = &[
    "opportunities.csv",
    "kpis.yaml",
    "meetings.json",
    "bundle.yaml",
    "leads.tsv",
];

fn split(data: &[u8]) -> (&'static str, &[u8]) {
    match data.split_first() {
        Some((first, rest)) => (BUNDLE_FILES[usize::from(*first) % BUNDLE_FILES.len()], rest),
        None => (BUNDLE_FILES[0], data),
    }
}

fn write_bundle(data: &[u8]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let (name, bytes) = split(data);
    std::fs::write(dir.path().join(name), bytes).expect("the input is written");
    dir
}

/// The bundle loader on one file of any kind.
pub fn bundle_loader(data: &[u8]) {
    let dir = write_bundle(data);
    if let Err(problems) = mktaudit::testing::bundle::load_bundle(dir.path(), None) {
        // A refusal must say what is wrong, not be an empty error.
        assert!(!problems.to_string().trim().is_empty(), "an empty diagnostic");
    }
}

/// The rule loader on one rule file; when it loads, its inline tests run,
/// which evaluates its (fuzzed) check on its (fuzzed) inline data.
pub fn rule_loader(data: &[u8]) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let category = dir.path().join("competent");
    std::fs::create_dir_all(&category).expect("a category folder");
    std::fs::write(category.join("FUZZ-001.yaml"), data).expect("the input is written");
    if let Ok(loaded) = mktaudit::testing::rules::load_rule_dirs(&[dir.path().to_path_buf()]) {
        let _ = mktaudit::testing::ruletest::run_pack_tests(&loaded.pack, None);
    }
}

/// The declarative checks of the test pack evaluated over a fuzzed bundle file.
pub fn check_eval(data: &[u8]) {
    let dir = write_bundle(data);
    let pack = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/packs/core");
    let pack = if pack.is_dir() {
        pack
    } else {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/packs/core")
    };
    let _ = mktaudit::testing::audit::run_audit(&mktaudit::testing::audit::AuditOptions {
        bundle: dir.path().to_path_buf(),
        rule_dirs: vec![pack],
        as_of: chrono::NaiveDate::from_ymd_opt(2025, 12, 31),
        ..Default::default()
    });
}

/// The workbook reader (zip sizing, inflation counting, calamine) on one
/// fuzzed `.xlsx` file of a bundle.
pub fn workbook(data: &[u8]) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    std::fs::write(dir.path().join("kpis.xlsx"), data).expect("the input is written");
    if let Err(problems) = mktaudit::testing::bundle::load_bundle(dir.path(), None) {
        assert!(!problems.to_string().trim().is_empty(), "an empty diagnostic");
    }
}

/// A fuzzed user template rendering the report of the mini bundle, as HTML
/// (its first byte even) or Markdown: it must render or fail with a
/// diagnostic, within the template fuel and output limits.
pub fn report_template(data: &[u8]) {
    use mktaudit::testing::report::{Format, RenderOptions};
    static REPORT: std::sync::OnceLock<mktaudit::testing::report::Report> = std::sync::OnceLock::new();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let root = if root.join("../tests/fixtures").is_dir() {
        root.join("..")
    } else {
        root.to_path_buf()
    };
    let report = REPORT.get_or_init(|| {
        mktaudit::testing::audit::run_audit(&mktaudit::testing::audit::AuditOptions {
            bundle: root.join("tests/fixtures/bundles/mini"),
            rule_dirs: vec![root.join("tests/fixtures/packs/core")],
            as_of: chrono::NaiveDate::from_ymd_opt(2025, 12, 31),
            ..Default::default()
        })
        .expect("the mini bundle audits")
    });
    let (html, text) = match data.split_first() {
        Some((first, rest)) => (first % 2 == 0, rest),
        None => (true, data),
    };
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join(if html { "t.html" } else { "t.md" });
    std::fs::write(&path, text).expect("the input is written");
    let mut opts = RenderOptions::default();
    let format = if html {
        opts.branding.templates.html = Some(path);
        Format::Html
    } else {
        opts.branding.templates.md = Some(path);
        Format::Markdown
    };
    match mktaudit::testing::report::render(report, format, &opts) {
        Ok(out) => assert!(
            !html || out.contains("Content-Security-Policy"),
            "an HTML report without its policy"
        ),
        Err(problems) => assert!(!problems.to_string().trim().is_empty(), "an empty diagnostic"),
    }
}

/// The YAML layer alone (`src/yaml.rs`): bounds, parse into a value, the
/// top-level sections, and the error's position, which must lie in the text.
pub fn yaml(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match mktaudit::testing::yaml::value_from_str(text) {
        Ok(value) => {
            let _ = mktaudit::testing::yaml::scalar_text(&value);
        }
        Err(e) => {
            assert!(!e.message.trim().is_empty(), "an empty YAML error");
            assert!(e.offset(text) <= text.len(), "an error past the end");
        }
    }
    for s in mktaudit::testing::yaml::sections(text) {
        assert!(s.key_at <= text.len() && s.value.start <= s.value.end && s.value.end <= text.len());
        assert!(text.is_char_boundary(s.value.start) && text.is_char_boundary(s.value.end));
    }
}

/// The default pack (its month-by-month and period checks) over a bundle
/// whose period and audit date are fuzzed: the input's first three lines are
/// the period's start and end and the audit date, the rest a campaigns.csv.
/// Hostile dates (years at the calendar's ends, end before start) must give
/// a diagnostic or a report, never a panic.
pub fn period_eval(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let mut lines = text.splitn(4, '\n');
    let (start, end, as_of) = (
        lines.next().unwrap_or_default(),
        lines.next().unwrap_or_default(),
        lines.next().unwrap_or_default(),
    );
    let campaigns = lines.next().unwrap_or_default();
    let dir = tempfile::tempdir().expect("a temporary folder");
    let manifest = format!("org: Fuzz\nperiod:\n  start: {start}\n  end: {end}\n");
    std::fs::write(dir.path().join("bundle.yaml"), manifest).expect("the input is written");
    std::fs::write(dir.path().join("campaigns.csv"), campaigns).expect("the input is written");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let root = if root.join("../tests/fixtures").is_dir() {
        root.join("..")
    } else {
        root.to_path_buf()
    };
    let _ = mktaudit::testing::audit::run_audit(&mktaudit::testing::audit::AuditOptions {
        bundle: dir.path().to_path_buf(),
        // The default pack's period rules, and a check run month by month.
        rule_dirs: vec![
            mktaudit::testing::audit::default_rules_dir(),
            root.join("tests/fixtures/packs/per-month"),
        ],
        as_of: as_of.trim().parse::<chrono::NaiveDate>().ok(),
        ..Default::default()
    });
}
