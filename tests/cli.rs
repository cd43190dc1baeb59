//! The command line as a user meets it: exit codes, packs, outputs.

mod common;
use common::*;

#[test]
fn audit_prints_grade_categories_coverage_and_evidence() {
    let o = audit_mini(&[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("grade F"), "{out}");
    assert!(out.contains("coverage 72.7%"), "{out}");
    for cat in ["Competent", "Credible", "Accountable", "Strategic", "Integrated"] {
        assert!(out.contains(cat), "category {cat} missing:\n{out}");
    }
    assert!(
        out.contains("at kpis.csv:2 (K1)"),
        "row evidence with file, line and record:\n{out}"
    );
    assert!(
        !out.contains('\x1b'),
        "no colour codes when NO_COLOR is set / not a terminal"
    );
}

#[test]
fn fail_on_sets_exit_code_one_only_when_reached() {
    assert_eq!(audit_mini(&["--fail-on", "high"]).status.code(), Some(1));
    // The mini pack's broken script ends as an error, which trips any
    // --fail-on; without it nothing reaches critical.
    assert_eq!(audit_mini(&["--fail-on", "critical"]).status.code(), Some(1));
    assert_eq!(
        audit_mini(&["--fail-on", "critical", "--ignore", "broken-script"])
            .status
            .code(),
        Some(0)
    );
    let bad = audit_mini(&["--fail-on", "severe"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("`severe` is not a severity"), "{}", stderr(&bad));
}

#[test]
fn missing_dataset_is_not_assessed_never_pass() {
    let o = audit_mini(&["--format", "json"]);
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let leads = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "leads-quality")
        .unwrap();
    assert_eq!(leads["status"], "not_assessed");
    assert_eq!(leads["missing"], serde_json::json!(["leads"]));
    let na = report["not_assessed"].as_array().unwrap();
    assert!(na.iter().any(|n| n["rule"] == "leads-quality"));
}

#[test]
fn broken_script_is_an_error_and_the_audit_continues() {
    let o = audit_mini(&["--format", "json"]);
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let broken = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "broken-script")
        .unwrap();
    assert_eq!(broken["status"], "error");
    let reason = broken["reason"].as_str().unwrap();
    assert!(reason.contains("no_such_function"), "{reason}");
    assert!(
        reason.contains("broken-script.yaml:10:15"),
        "rule file, line and column: {reason}"
    );
    assert_eq!(report["summary"]["counts"]["error"], 1);
    assert_eq!(report["summary"]["counts"]["fail"], 2);
}

#[test]
fn a_dropped_in_rule_runs_beside_the_default_pack() {
    let dir = tempfile::tempdir().unwrap();
    let pack = dir.path().join("my-pack/credible");
    std::fs::create_dir_all(&pack).unwrap();
    std::fs::write(
        pack.join("no-owner.yaml"),
        "title: KPI without an owner\nseverity: low\nrationale: Someone must own each KPI.\nremediation: Name an owner.\n\
         check:\n  rows:\n    dataset: kpis\n    flag: { field: owner, present: false }\n    message: \"{name} has no owner\"\n",
    )
    .unwrap();
    let o = mktaudit(&[
        "audit",
        MINI,
        "--rules",
        dir.path().join("my-pack").to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let ids: Vec<&str> = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"no-owner"), "{ids:?}");
    assert!(ids.contains(&"CRED-001"), "default pack still loaded: {ids:?}");
}

#[test]
fn a_later_pack_overrides_a_rule_with_the_same_id() {
    let dir = tempfile::tempdir().unwrap();
    let pack = dir.path().join("credible");
    std::fs::create_dir_all(&pack).unwrap();
    std::fs::write(
        pack.join("vanity-kpi.yaml"),
        "title: Overridden vanity rule\nseverity: info\nrationale: r\nremediation: r\n\
         check:\n  rows: { dataset: kpis, flag: { field: name, equals: nothing }, message: x }\n",
    )
    .unwrap();
    let o = mktaudit(&[
        "audit",
        MINI,
        "--no-default-rules",
        "--rules",
        CORE_PACK,
        "--rules",
        dir.path().to_str().unwrap(),
        "--format",
        "json",
    ]);
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let r = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "vanity-kpi")
        .unwrap();
    assert_eq!(r["title"], "Overridden vanity rule");
    assert_eq!(r["status"], "pass");
    let notes = report["methodology"]["notes"].as_array().unwrap();
    assert!(
        notes.iter().any(|n| n.as_str().unwrap().contains("overrides")),
        "{notes:?}"
    );
}

#[test]
fn output_is_written_atomically_and_never_over_the_bundle() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report.json");
    let o = audit_mini(&["--format", "json", "--output", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let written: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(written["schema_version"], "2.1");
    assert!(stdout(&o).is_empty());
    let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(leftovers.len(), 1, "no temporary files left behind");

    let before = std::fs::read(format!("{MINI}/kpis.csv")).unwrap();
    let o = audit_mini(&["--output", &format!("{MINI}/kpis.csv")]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("never overwrites"), "{}", stderr(&o));
    assert_eq!(std::fs::read(format!("{MINI}/kpis.csv")).unwrap(), before);
}

#[test]
fn same_inputs_give_the_same_bytes() {
    let a = audit_mini(&["--format", "json"]);
    let b = audit_mini(&["--format", "json"]);
    assert_eq!(a.stdout, b.stdout);
    let a = audit_mini(&[]);
    let b = audit_mini(&[]);
    assert_eq!(a.stdout, b.stdout);
}

#[test]
fn usage_errors_exit_two() {
    assert_eq!(mktaudit(&["audit"]).status.code(), Some(2));
    assert_eq!(mktaudit(&["frobnicate"]).status.code(), Some(2));
    let o = audit_mini(&["--format", "pdf"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("`pdf` is not a format of `audit`"),
        "{}",
        stderr(&o)
    );
    let o = mktaudit(&["audit", "no/such/folder"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("does not exist"));
}

#[test]
fn a_mistyped_bundle_folder_is_told_before_the_rules_are_read() {
    // A pack that would not load: the folder's problem comes first, alone.
    let pack = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(pack.path().join("credible")).unwrap();
    std::fs::write(pack.path().join("credible/BAD-1.yaml"), "title: x\nbogus: 1\n").unwrap();
    let o = mktaudit(&["audit", "no/such/folder", "--rules", pack.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("bundle folder `no/such/folder` does not exist"), "{err}");
    assert!(!err.contains("BAD-1"), "the rules were read first:\n{err}");
}

#[test]
fn explain_and_list_describe_rules() {
    let o = mktaudit(&["explain", "vanity-kpi", "--no-default-rules", "--rules", CORE_PACK]);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    for section in [
        "Why it matters",
        "What to do",
        "Params",
        "Data needed",
        "kpis: audience, name",
    ] {
        assert!(out.contains(section), "{section} missing:\n{out}");
    }
    let o = mktaudit(&["explain", "vanity-kp", "--no-default-rules", "--rules", CORE_PACK]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("did you mean `vanity-kpi`?"), "{}", stderr(&o));
    let o = mktaudit(&[
        "rules",
        "list",
        "--no-default-rules",
        "--rules",
        CORE_PACK,
        "--format",
        "json",
    ]);
    let list: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 5);
}

#[test]
fn bundle_notes_say_what_was_ignored() {
    let out = stdout(&audit_mini(&[]));
    assert!(
        out.contains("holiday_photos.csv: not a known dataset name; ignored"),
        "{out}"
    );
    assert!(out.contains("README.txt: not a data file"), "{out}");
    assert!(
        !out.contains("Internal Notes"),
        "a column mapped to `ignore` is dropped silently:\n{out}"
    );
}

#[test]
fn a_folder_of_bundles_is_audited_as_a_portfolio() {
    let root = tempfile::tempdir().unwrap();
    let clients = root.path().join("clients");
    for (name, src) in [
        ("acme", "examples/acme-vanity"),
        ("northwind", "examples/northwind-healthy"),
    ] {
        let dst = clients.join(name);
        std::fs::create_dir_all(&dst).unwrap();
        for f in std::fs::read_dir(src).unwrap() {
            let f = f.unwrap().path();
            std::fs::copy(&f, dst.join(f.file_name().unwrap())).unwrap();
        }
    }
    std::fs::create_dir_all(clients.join("broken")).unwrap();
    std::fs::write(
        clients.join("broken/opportunities.csv"),
        "id,created_date\nO1,2025-02-30\n",
    )
    .unwrap();
    let out = root.path().join("out");
    let o = mktaudit(&[
        "audit",
        clients.to_str().unwrap(),
        "--as-of",
        "2025-12-31",
        "--output-dir",
        out.to_str().unwrap(),
    ]);
    // One bundle's bad input is exit 2, after the others were audited.
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let table = stdout(&o);
    assert!(table.contains("Portfolio: 3 bundles"), "{table}");
    let northwind = table.lines().position(|l| l.contains("northwind")).unwrap();
    let acme = table.lines().position(|l| l.contains("acme")).unwrap();
    assert!(northwind < acme, "best first:\n{table}");
    assert!(table.contains("broken") && table.contains("error:"), "{table}");
    // The summary says what is wrong with the broken client, and where.
    let broken = table.lines().find(|l| l.contains("broken")).unwrap();
    assert!(
        broken.contains("2025-02-30") && broken.contains("(line 2, column 4)"),
        "{broken}"
    );
    assert!(stderr(&o).contains("broken/opportunities.csv:2:"), "{}", stderr(&o));
    // The wording after a partial failure says the others were audited and written.
    assert!(!stderr(&o).contains("nothing was audited"), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("1 of 3 bundle(s) could not be audited (above); 2 were audited and written into"),
        "{}",
        stderr(&o)
    );
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("portfolio.json")).unwrap()).unwrap();
    assert_eq!(summary.as_array().unwrap().len(), 3);
    let error = summary
        .as_array()
        .unwrap()
        .iter()
        .find_map(|e| e["error"].as_str())
        .unwrap();
    assert!(error.ends_with("(line 2, column 4)"), "{error}");
    let acme_report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("acme/report.json")).unwrap()).unwrap();
    assert_eq!(acme_report["audit"]["org"], "Acme Robotics");
    // Without the broken client, the same portfolio exits 0.
    std::fs::remove_dir_all(clients.join("broken")).unwrap();
    let o = mktaudit(&["audit", clients.to_str().unwrap(), "--as-of", "2025-12-31"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // And --fail-under gates the portfolio: Acme is below C.
    let o = mktaudit(&[
        "audit",
        clients.to_str().unwrap(),
        "--as-of",
        "2025-12-31",
        "--fail-under",
        "C",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
}

#[test]
fn a_case_can_pin_the_score_of_its_category() {
    let dir = tempfile::tempdir().unwrap();
    let cat = dir.path().join("credible");
    std::fs::create_dir_all(&cat).unwrap();
    // Two equally weighted rules: on this data one fails and one passes, so
    // the category scores 50 whatever this rule alone says.
    let rule = |id: &str, pattern: &str, score: f64| {
        let lines = [
            "title: {id} flags KPIs named {pattern}",
            "severity: medium",
            "rationale: r",
            "remediation: r",
            "check:",
            "  rows:",
            "    dataset: kpis",
            "    flag: { field: name, matches: '{pattern}' }",
            "    message: \"{name}\"",
            "tests:",
            "  - name: mixed KPI list",
            "    expect: {expect}",
            "    expect_score: {score}",
            "    data: { kpis: [ { id: K1, name: Email click rate } ] }",
            "  - name: no data",
            "    expect: not_assessed",
            "    data: {}",
            "  - name: clean",
            "    expect: pass",
            "    data: { kpis: [ { id: K2, name: Pipeline } ] }",
        ];
        lines
            .join("\n")
            .replace("{id}", id)
            .replace("{pattern}", pattern)
            .replace("{score}", &score.to_string())
            .replace("{expect}", if pattern == "click" { "fail" } else { "pass" })
    };
    std::fs::write(cat.join("A-001.yaml"), rule("A-001", "click", 50.0)).unwrap();
    std::fs::write(cat.join("A-002.yaml"), rule("A-002", "award", 60.0)).unwrap();
    let o = mktaudit(&["rules", "test", dir.path().to_str().unwrap()]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}{}", stderr(&o));
    assert!(out.contains("ok      A-001 :: mixed KPI list"), "{out}");
    assert!(out.contains("expected a credible score of 60, got 50"), "{out}");
}
