//! The quarterly workflow: waivers with expiry, baselines, diff, trend and CI gates.

mod common;
use common::*;

fn write(dir: &std::path::Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_str().unwrap().to_string()
}

const WAIVERS: &str = "waivers:\n  - { rule: vanity-kpi, record: K1, reason: Board keeps it until Q2, owner: cmo, expires: 2026-03-31 }\n";

fn json(o: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(o)))
}

fn status(report: &serde_json::Value, id: &str) -> serde_json::Value {
    report["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == id)
        .unwrap()["status"]
        .clone()
}

#[test]
fn a_waiver_past_its_expiry_brings_its_finding_back() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(dir.path(), "cfg.yaml", WAIVERS);
    let before = json(&audit_mini_as_of("2026-03-31", &["--config", &cfg, "--format", "json"]));
    assert_eq!(status(&before, "vanity-kpi"), "waived", "a waived rule is not a pass");
    assert_eq!(before["waivers"]["waived"][0]["owner"], "cmo");
    let after = json(&audit_mini_as_of("2026-04-01", &["--config", &cfg, "--format", "json"]));
    assert_eq!(status(&after, "vanity-kpi"), "fail");
    let warning = after["waivers"]["warnings"][0].as_str().unwrap();
    assert!(warning.contains("expired on 2026-03-31"), "{warning}");
}

#[test]
fn baseline_diff_and_trend() {
    let dir = tempfile::tempdir().unwrap();
    let q3 = dir.path().join("q3.json");
    let q4 = dir.path().join("q4.json");
    let (q3s, q4s) = (q3.to_str().unwrap(), q4.to_str().unwrap());
    assert_eq!(
        audit_mini_as_of("2025-09-30", &["--format", "json", "-o", q3s])
            .status
            .code(),
        Some(0)
    );
    // Q4: the click-rate KPI is waived and the sourced-share floor tuned down for the business.
    let cfg = write(
        dir.path(),
        "cfg.yaml",
        &format!("{WAIVERS}params: {{ sourced-share: {{ min_share: 0.1 }} }}\n"),
    );
    let o = audit_mini_as_of(
        "2025-12-31",
        &["--config", &cfg, "--baseline", q3s, "--format", "json", "-o", q4s],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let report: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&q4).unwrap()).unwrap();
    let base = &report["baseline"];
    // 13.6 -> 43.8: the waived rule leaves the score, the tuned one passes.
    assert_eq!(base["overall_delta"], 30.2);
    assert_eq!(
        base["newly_waived"][0]["key"], "kpis:K1",
        "a waived finding is not resolved"
    );
    assert!(
        base["resolved_problems"].as_array().unwrap().is_empty(),
        "a tuned threshold is not progress"
    );
    assert_eq!(base["methodology"]["rules_changed"][0], "sourced-share");
    assert_eq!(base["methodology"]["problems_gone"][0]["rule"], "sourced-share");

    insta::assert_snapshot!("diff", stdout(&mktaudit(&["diff", q3s, q4s])));
    insta::assert_snapshot!("trend", stdout(&mktaudit(&["trend", q4s, q3s])));
    let md = stdout(&mktaudit(&["trend", q3s, q4s, "--format", "md"]));
    assert!(md.contains("| 2025-12-31 | 43.8 | F |"), "{md}");
}

/// A finding waived last quarter whose waiver has since expired is an old
/// problem back on the books, not a new one.
#[test]
fn a_finding_back_from_an_expired_waiver_is_not_new() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(dir.path(), "cfg.yaml", WAIVERS);
    let q1 = dir.path().join("q1.json");
    let q1s = q1.to_str().unwrap();
    let o = audit_mini_as_of("2026-03-31", &["--config", &cfg, "--format", "json", "-o", q1s]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let q2 = json(&audit_mini_as_of(
        "2026-06-30",
        &["--config", &cfg, "--baseline", q1s, "--format", "json"],
    ));
    let base = &q2["baseline"];
    assert_eq!(base["back_from_waiver"][0]["key"], "kpis:K1", "{base:#}");
    assert!(
        base["new_problems"].as_array().unwrap().iter().all(|p| p["records"]
            .as_array()
            .unwrap()
            .iter()
            .all(|k| k != "kpis:K1")),
        "{base:#}"
    );
    let md = stdout(&audit_mini_as_of(
        "2026-06-30",
        &["--config", &cfg, "--baseline", q1s, "--format", "md"],
    ));
    assert!(md.contains("Back from a waiver (expired or removed)"), "{md}");
}

#[test]
fn a_changed_rule_is_methodology_not_progress() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("old.json");
    audit_mini(&["--format", "json", "-o", old.to_str().unwrap()]);
    // Same org, but the vanity rule is edited in a later pack.
    let pack = dir.path().join("pack/credible");
    std::fs::create_dir_all(&pack).unwrap();
    std::fs::write(
        pack.join("vanity-kpi.yaml"),
        "title: Vanity metric (narrower)\nseverity: high\nrationale: r\nremediation: r\n\
         check:\n  rows: { dataset: kpis, flag: { field: name, matches: impressions }, message: x }\n",
    )
    .unwrap();
    let later = dir.path().join("pack");
    let report = json(&audit_mini(&[
        "--rules",
        later.to_str().unwrap(),
        "--baseline",
        old.to_str().unwrap(),
        "--format",
        "json",
    ]));
    let m = &report["baseline"]["methodology"];
    assert_eq!(m["rule_pack_changed"], true);
    assert_eq!(m["rules_changed"][0], "vanity-kpi");
    assert_eq!(m["problems_gone"][0]["rule"], "vanity-kpi");
    assert!(
        report["baseline"]["resolved_problems"].as_array().unwrap().is_empty(),
        "not counted as progress"
    );
}

#[test]
fn ci_gates() {
    // The mini audit scores 13.6 (grade F).
    assert_eq!(audit_mini(&["--fail-under", "10"]).status.code(), Some(0));
    assert_eq!(audit_mini(&["--fail-under", "20"]).status.code(), Some(1));
    assert_eq!(audit_mini(&["--fail-under", "F"]).status.code(), Some(0));
    assert_eq!(audit_mini(&["--fail-under", "D"]).status.code(), Some(1));
    let bad = audit_mini(&["--fail-under", "excellent"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("not a score or a grade"));
    assert_eq!(
        mktaudit(&["diff", "no-such.json", "nor-this.json"]).status.code(),
        Some(2)
    );
}

/// Harbor Q3 -> Q4: marketing misses forecasts and product planning in both
/// quarters (other meetings each time). A problem is its rule and subject,
/// so both persist, with the meetings as detail; neither is new or resolved.
#[test]
fn a_problem_that_persists_with_other_records_is_persisting() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = "examples/quarterly/mktaudit.yaml";
    let q3 = dir.path().join("q3.json");
    let q3s = q3.to_str().unwrap();
    let o = mktaudit(&[
        "audit",
        "examples/quarterly/q3",
        "--as-of",
        "2025-09-30",
        "--config",
        cfg,
        "--format",
        "json",
        "-o",
        q3s,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let q4 = json(&mktaudit(&[
        "audit",
        "examples/quarterly/q4",
        "--as-of",
        "2025-12-31",
        "--config",
        cfg,
        "--baseline",
        q3s,
        "--format",
        "json",
    ]));
    let base = &q4["baseline"];
    let rules = |list: &str| -> Vec<String> {
        base[list]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["rule"].as_str().unwrap().to_string())
            .collect()
    };
    let persisting = rules("persisting_problems");
    for id in ["INTG-001", "INTG-003"] {
        assert!(persisting.contains(&id.to_string()), "{id} persists: {base:#}");
        assert!(!rules("new_problems").contains(&id.to_string()), "{id} is not new");
        assert!(
            !rules("resolved_problems").contains(&id.to_string()),
            "{id} is not resolved"
        );
    }
    let intg1 = base["persisting_problems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["rule"] == "INTG-001")
        .unwrap();
    assert_eq!(intg1["old_status"], "fail");
    assert_eq!(intg1["new_status"], "fail");
    assert!(
        !intg1["records"].as_array().unwrap().is_empty(),
        "the meetings are its detail"
    );
    assert!(
        !intg1["records_added"].as_array().unwrap().is_empty(),
        "Q4's meetings are new records"
    );
}

#[test]
fn reports_of_another_org_are_compared_only_on_request() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("acme.json"), dir.path().join("north.json"));
    for (bundle, out) in [("examples/acme-vanity", &a), ("examples/northwind-healthy", &b)] {
        let o = mktaudit(&[
            "audit",
            bundle,
            "--as-of",
            "2025-12-31",
            "--format",
            "json",
            "-o",
            out.to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    }
    let (a, b) = (a.to_str().unwrap(), b.to_str().unwrap());
    for args in [vec!["diff", a, b], vec!["trend", a, b]] {
        let o = mktaudit(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?} is refused");
        assert!(
            stderr(&o).contains("Acme Robotics") && stderr(&o).contains("--allow-other-org"),
            "{}",
            stderr(&o)
        );
    }
    let baseline = mktaudit(&[
        "audit",
        "examples/northwind-healthy",
        "--as-of",
        "2025-12-31",
        "--baseline",
        a,
        "--format",
        "json",
    ]);
    assert_eq!(baseline.status.code(), Some(2), "a baseline of another org is refused");
    let o = mktaudit(&["diff", a, b, "--allow-other-org"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("compared on request"), "{}", stdout(&o));
}

#[test]
fn diff_and_trend_write_files_in_the_format_of_their_extension() {
    let dir = tempfile::tempdir().unwrap();
    let (q3, q4) = (dir.path().join("q3.json"), dir.path().join("q4.json"));
    audit_mini_as_of("2025-09-30", &["--format", "json", "-o", q3.to_str().unwrap()]);
    audit_mini(&["--format", "json", "-o", q4.to_str().unwrap()]);
    let (q3s, q4s) = (q3.to_str().unwrap(), q4.to_str().unwrap());
    let html = dir.path().join("out/trend.html");
    let o = mktaudit(&["trend", q3s, q4s, "-o", html.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(o.stdout.is_empty(), "written, not printed");
    let text = std::fs::read_to_string(&html).unwrap();
    assert!(text.starts_with("<!DOCTYPE html>") && text.contains("<svg"), "{text}");
    let diff = dir.path().join("diff.json");
    let o = mktaudit(&["diff", q3s, q4s, "-o", diff.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let written: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&diff).unwrap()).unwrap();
    assert!(written["overall_delta"].is_number(), "{written:#}");
    // Never over one of the reports read.
    let o = mktaudit(&["diff", q3s, q4s, "--format", "terminal", "-o", q4s]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        std::fs::read_to_string(&q4).unwrap().starts_with('{'),
        "the input is intact"
    );
}
