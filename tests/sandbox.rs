//! Hostile Rhai scripts end as that rule's error with a clear message, and
//! the rest of the audit completes. Scripts that reach for files, the clock,
//! eval or imports do not even load.

mod common;
use common::*;
use mktaudit::testing::audit::{AuditOptions, run_audit};
use std::path::Path;

fn audit_with(pack: &Path) -> mktaudit::testing::report::Report {
    run_audit(&AuditOptions {
        bundle: MINI.into(),
        rule_dirs: vec![CORE_PACK.into(), pack.to_path_buf()],
        as_of: chrono::NaiveDate::from_ymd_opt(2025, 12, 31),
        ..Default::default()
    })
    .expect("the audit completes")
}

#[test]
fn runaway_scripts_end_as_errors_and_the_audit_completes() {
    let cases: &[(&str, &str, &str)] = &[
        ("endless-loop", "loop { }\npass()", "exceeded"),
        ("deep-recursion", "fn f(x) { f(x + 1) }\nf(1)", "recursed too deeply"),
        ("string-growth", "let s = \"x\";\nloop { s += s; }\npass()", "too large"),
        ("array-growth", "let a = [];\nloop { a.push(1); }\npass()", "too large"),
        (
            "map-growth",
            "let m = #{};\nlet i = 0;\nloop { m[`k${i}`] = i; i += 1; }\npass()",
            "too large",
        ),
        (
            "huge-rows",
            "org.rows(\"kpis\", #{ name: () }).len();\nlet x = \"y\".pad(10000000, \"y\");\npass()",
            "too large",
        ),
        ("no-sleep", "sleep(10);\npass()", "Function not found: sleep"),
        (
            "no-clock",
            "let t = timestamp();\npass()",
            "Function not found: timestamp",
        ),
        ("bad-return", "42", "outcome map"),
        ("undeclared-data", "org.count(\"leads\");\npass()", "not declared"),
    ];
    let scripts: Vec<(&str, &str)> = cases.iter().map(|(id, s, _)| (*id, *s)).collect();
    let pack = script_pack("{ kpis: [name] }", &scripts);
    let report = audit_with(pack.path());
    for (id, _, expected) in cases {
        let r = report
            .results
            .iter()
            .find(|r| r.id == *id)
            .unwrap_or_else(|| panic!("{id} missing"));
        assert_eq!(r.status, mktaudit::testing::eval::Status::Error, "{id}: {}", r.message);
        let reason = r.reason.as_deref().unwrap_or_default();
        assert!(reason.contains(expected), "{id}: expected `{expected}` in `{reason}`");
    }
    // The other rules were still evaluated.
    let vanity = report.results.iter().find(|r| r.id == "vanity-kpi").unwrap();
    assert_eq!(vanity.status, mktaudit::testing::eval::Status::Fail);
}

#[test]
fn eval_import_and_files_are_refused_at_load() {
    for (id, script, expected) in [
        ("uses-eval", "eval(\"1\")", "eval"),
        ("uses-import", "import \"secrets\" as s;\npass()", "import"),
    ] {
        let pack = script_pack("{ kpis: [name] }", &[(id, script)]);
        let err = mktaudit::testing::rules::load_rule_dirs(&[pack.path().to_path_buf()]).expect_err(id);
        let text = err.to_string();
        assert!(
            text.contains("script does not compile") && text.contains(expected),
            "{id}: {text}"
        );
    }
}

#[test]
fn findings_per_rule_are_capped_with_a_total() {
    let pack = script_pack(
        "{ kpis: [name] }",
        &[(
            "many-findings",
            "let r = fail(\"many\");\nlet k = org.rows(\"kpis\", #{ name: [\"Email click rate\"] });\nfor i in 0..500 { r.findings.push(finding(k[0], `finding ${i}`)); }\nr",
        )],
    );
    let report = audit_with(pack.path());
    let r = report.results.iter().find(|r| r.id == "many-findings").unwrap();
    assert_eq!(r.findings_total, 500);
    assert_eq!(r.findings.len(), mktaudit::testing::eval::DEFAULT_MAX_FINDINGS);
}

#[test]
fn scope_values_optional_fields_and_regex_work_as_documented() {
    let dir = tempfile::tempdir().unwrap();
    let cat = dir.path().join("credible");
    std::fs::create_dir_all(&cat).unwrap();
    // `cadence` is declared optional but absent from the export: it
    // must read as `()`, not stop the script.
    std::fs::write(
        cat.join("scope-check.yaml"),
        r#"title: scope values are readable whole
severity: low
rationale: r
remediation: r
params:
  vanity: { default: '(?i)\bclick' }
requires: { kpis: [name] }
optional: { kpis: [cadence] }
check:
  script: |
    let problems = [];
    if as_of != "2025-12-31" { problems.push(`as_of is ${as_of}`); }
    if type_of(period) != "map" || period.end != "2025-12-31" { problems.push("period"); }
    if type_of(params) != "map" { problems.push("params"); }
    let clicks = 0;
    for k in org.rows("kpis") {
        if k.cadence != () { problems.push("absent column is not ()"); }
        if matches(k.name, params.vanity) { clicks += 1; }
    }
    if matches((), params.vanity) { problems.push("() matched"); }
    if clicks == 0 { problems.push("matches() found no click KPI"); }
    if problems.is_empty() { pass("ok") } else { fail(problems.reduce(|a, b| a + "; " + b, "")) }
"#,
    )
    .unwrap();
    let report = audit_with(dir.path());
    let r = report.results.iter().find(|r| r.id == "scope-check").unwrap();
    assert_eq!(
        r.status,
        mktaudit::testing::eval::Status::Pass,
        "{} {:?}",
        r.message,
        r.reason
    );
}

#[test]
fn huge_returned_messages_are_cut_on_the_rust_side() {
    let pack = script_pack(
        "{ kpis: [name] }",
        &[(
            "huge-message",
            "let m = \"x\";\nm.pad(1000000, \"x\");\nlet r = fail(m);\nlet k = org.rows(\"kpis\");\nr.findings.push(finding(k[0], m));\nr",
        )],
    );
    let report = audit_with(pack.path());
    let r = report.results.iter().find(|r| r.id == "huge-message").unwrap();
    assert_eq!(r.status, mktaudit::testing::eval::Status::Fail, "{:?}", r.reason);
    let limit = mktaudit::testing::rules::script::MAX_MESSAGE_CHARS + 100;
    assert!(r.message.chars().count() < limit, "{}", r.message.len());
    assert!(r.findings[0].message.chars().count() < limit);
    assert!(r.message.contains("cut at"));
}

/// A declarative check flagging thousands of rows keeps the first 50 in file
/// order as findings, with the total and the rule's value counting them all.
#[test]
fn a_rows_check_over_many_rows_keeps_a_sample_and_the_full_count() {
    let bundle = tempfile::tempdir().unwrap();
    mktaudit::testing::generator::generate(bundle.path(), 3000, 5).unwrap();
    let pack = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(pack.path().join("competent")).unwrap();
    std::fs::write(
        pack.path().join("competent/MANY-ROWS.yaml"),
        "title: many rows\nseverity: low\nrationale: r\nremediation: r\nrequires: { leads: [id, stage] }\n\
         check:\n  rows:\n    dataset: leads\n    flag: { field: stage, equals: inquiry }\n    message: \"{id} of {count} is an inquiry\"\n",
    )
    .unwrap();
    let report = run_audit(&AuditOptions {
        bundle: bundle.path().into(),
        rule_dirs: vec![pack.path().into()],
        as_of: chrono::NaiveDate::from_ymd_opt(2025, 12, 31),
        ..Default::default()
    })
    .expect("the audit completes");
    let r = report.results.iter().find(|r| r.id == "MANY-ROWS").unwrap();

    let leads = std::fs::read_to_string(bundle.path().join("leads.csv")).unwrap();
    let inquiries: Vec<(usize, &str)> = leads
        .lines()
        .enumerate()
        .filter(|(_, l)| l.split(',').nth(4) == Some("inquiry"))
        .map(|(i, l)| (i + 1, l.split(',').next().unwrap()))
        .collect();
    assert!(inquiries.len() > 1000, "the generator makes most leads inquiries");
    assert_eq!(r.findings_total, inquiries.len());
    assert_eq!(r.value, Some(inquiries.len() as f64));
    assert_eq!(r.findings.len(), mktaudit::testing::eval::DEFAULT_MAX_FINDINGS);
    // Messages write counts as a client reads them: 12,345.
    let total = inquiries.len().to_string();
    let total = format!("{},{}", &total[..total.len() - 3], &total[total.len() - 3..]);
    for (finding, (line, id)) in r.findings.iter().zip(&inquiries) {
        assert_eq!(finding.message, format!("{id} of {total} is an inquiry"));
        assert_eq!(finding.evidence[0].line, Some(*line as u32), "{finding:?}");
    }
}
