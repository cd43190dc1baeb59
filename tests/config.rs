//! mktaudit.yaml: overrides change the audit and show in the methodology.

mod common;
use common::*;

fn with_config(yaml: &str) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mktaudit.yaml");
    std::fs::write(&path, yaml).unwrap();
    let o = audit_mini(&["--format", "json", "--config", path.to_str().unwrap()]);
    drop(dir);
    o
}

fn result<'a>(report: &'a serde_json::Value, id: &str) -> Option<&'a serde_json::Value> {
    report["results"].as_array().unwrap().iter().find(|r| r["id"] == id)
}

#[test]
fn overrides_apply_and_are_reported() {
    let o = with_config(
        "disable: [broken-script]\nseverity: { vanity-kpi: critical }\nweight: { cmo-absent: 1 }\n\
         params: { sourced-share: { min_share: 0.1 } }\nprofile: { sales_motion: enterprise }\n",
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(result(&report, "broken-script").is_none(), "disabled rule does not run");
    assert_eq!(result(&report, "vanity-kpi").unwrap()["severity"], "critical");
    assert_eq!(result(&report, "cmo-absent").unwrap()["weight"], 1.0);
    let share = result(&report, "sourced-share").unwrap();
    assert_eq!(share["params"]["min_share"]["value"], 0.1);
    assert_eq!(share["params"]["min_share"]["origin"], "config");
    assert_eq!(share["status"], "pass", "16.7% clears a 10% floor");
    let notes: Vec<&str> = report["methodology"]["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    assert!(notes.iter().any(|n| n.contains("broken-script disabled")), "{notes:?}");
    assert!(
        notes.iter().any(|n| n.contains("vanity-kpi severity high -> critical")),
        "{notes:?}"
    );
    assert!(
        notes.iter().any(|n| n.contains("sales_motion set to enterprise")),
        "{notes:?}"
    );
    let changed = report["methodology"]["changed_params"].as_array().unwrap();
    assert!(
        changed
            .iter()
            .any(|c| c["rule"] == "sourced-share" && c["origin"] == "config"),
        "{changed:?}"
    );
}

#[test]
fn profile_override_changes_profile_dependent_thresholds() {
    let o = with_config("profile: { sales_motion: enterprise }\n");
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let share = result(&report, "sourced-share").unwrap();
    assert_eq!(share["params"]["min_share"]["value"], 0.05);
    assert_eq!(share["params"]["min_share"]["origin"], "profile");
}

#[test]
fn typos_are_errors_with_suggestions() {
    let o = with_config("disabel: [x]\n");
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("did you mean `disable`?"), "{}", stderr(&o));
    let o = with_config("disable: [vanity-kp]\n");
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("names rule `vanity-kp`") && err.contains("did you mean `vanity-kpi`?"),
        "{err}"
    );
    let o = with_config("params: { sourced-share: { min_shar: 0.1 } }\n");
    assert!(stderr(&o).contains("did you mean `min_share`?"), "{}", stderr(&o));
}

/// A value of the wrong form says what the key takes, and the help lists
/// every key of the config (from its schema).
#[test]
fn a_value_of_the_wrong_form_says_what_it_takes() {
    let o = with_config("vocabularies:\n  marketing_source: { add: [partner], remov: [referral] }\n");
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("a list of words to add, or `{ add: [...], remove: [...] }`"),
        "{err}"
    );
    assert!(err.contains("mktaudit.yaml:2:21]"), "{err}");
    for key in ["default_rules", "waivers", "branding", "vocabularies"] {
        assert!(err.contains(key), "{key}: {err}");
    }
}

/// A copy of the mini bundle in `root/bundle`, with `mktaudit.yaml` inside it.
fn bundle_with_config(root: &std::path::Path, yaml: &str) -> std::path::PathBuf {
    let bundle = root.join("bundle");
    std::fs::create_dir_all(&bundle).unwrap();
    for entry in std::fs::read_dir(MINI).unwrap() {
        let p = entry.unwrap().path();
        std::fs::copy(&p, bundle.join(p.file_name().unwrap())).unwrap();
    }
    std::fs::write(bundle.join("mktaudit.yaml"), yaml).unwrap();
    bundle
}

/// What a client could put in its own mktaudit.yaml to grade itself and
/// read the auditor's files: every key but `profile` is ignored.
const HOSTILE_BUNDLE_CONFIG: &str = "profile: { sales_motion: enterprise }\n\
    weight: { vanity-kpi: 0 }\ndisable: [cmo-absent]\ngrades: { A: 17.2, B: 10, C: 5, D: 1 }\n\
    waivers: [{ rule: sourced-share, reason: trust us, owner: ceo, expires: 2099-01-01 }]\n\
    branding: { firm: Evil, logo: ../secret.png, templates: { html: ../secret.html } }\n";

fn secret_files(root: &std::path::Path) {
    std::fs::write(root.join("secret.png"), b"\x89PNG\r\n\x1a\nTOP-SECRET-LOGO").unwrap();
    std::fs::write(
        root.join("secret.html"),
        "<script>fetch('https://beacon.example/x')</script>SECRET-TEMPLATE",
    )
    .unwrap();
}

#[test]
fn a_bundle_config_may_only_describe_the_org() {
    let dir = tempfile::tempdir().unwrap();
    secret_files(dir.path());
    let bundle = bundle_with_config(dir.path(), HOSTILE_BUNDLE_CONFIG);
    let out = dir.path().join("out");
    let o = mktaudit(&[
        "audit",
        bundle.to_str().unwrap(),
        "--no-default-rules",
        "--rules",
        CORE_PACK,
        "--as-of",
        "2025-12-31",
        "--format",
        "json,html,md,terminal",
        "--output-dir",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    assert_eq!(
        result(&report, "vanity-kpi").unwrap()["weight"],
        3.0,
        "weight not applied"
    );
    assert!(result(&report, "cmo-absent").is_some(), "disable not applied");
    assert_eq!(report["methodology"]["grade_bands"][0][1], 90.0, "grades not applied");
    assert!(
        report["waivers"]["waived"].as_array().unwrap().is_empty(),
        "waiver not applied"
    );
    let share = result(&report, "sourced-share").unwrap();
    assert_eq!(
        share["params"]["min_share"]["value"], 0.05,
        "the bundle's enterprise profile applies"
    );
    let configs = &report["methodology"]["configs"];
    assert_eq!(configs.as_array().unwrap().len(), 1, "{configs}");
    assert_eq!(configs[0]["origin"], "bundle");
    assert_eq!(configs[0]["applied"], serde_json::json!(["profile"]));
    assert_eq!(
        configs[0]["ignored"],
        serde_json::json!(["disable", "weight", "grades", "waivers", "branding"])
    );
    for ext in ["html", "md", "txt"] {
        let text = std::fs::read_to_string(out.join(format!("report.{ext}"))).unwrap();
        assert!(
            text.contains("bundle config mktaudit.yaml (in the bundle): applied profile; ignored disable"),
            "report.{ext} lists the bundle config and what was ignored"
        );
        assert!(!text.contains("SECRET") && !text.contains("beacon"), "report.{ext}");
    }
}

#[test]
fn trusting_a_bundle_config_still_confines_its_files() {
    let dir = tempfile::tempdir().unwrap();
    secret_files(dir.path());
    let bundle = bundle_with_config(dir.path(), HOSTILE_BUNDLE_CONFIG);
    let o = audit_bundle(&bundle, &["--trust-bundle-config", "--format", "html"]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    let err = stderr(&o);
    assert!(err.contains("logo `../secret.png` is outside the bundle"), "{err}");
    assert!(err.contains("template `../secret.html` is outside the bundle"), "{err}");
    assert!(!err.contains("SECRET"), "{err}");

    // Trusted and confined, its settings apply and the report says so.
    std::fs::write(
        bundle.join("mktaudit.yaml"),
        "weight: { vanity-kpi: 0 }\ngrades: { A: 17.2, B: 10, C: 5, D: 1 }\n",
    )
    .unwrap();
    let o = audit_bundle(&bundle, &["--trust-bundle-config", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(result(&report, "vanity-kpi").unwrap()["weight"], 0.0);
    assert_eq!(report["methodology"]["grade_bands"][0][1], 17.2);
    assert_eq!(report["methodology"]["configs"][0]["origin"], "bundle");
    assert_eq!(
        report["methodology"]["configs"][0]["applied"],
        serde_json::json!(["weight", "grades"])
    );
}

fn audit_bundle(bundle: &std::path::Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "audit",
        bundle.to_str().unwrap(),
        "--no-default-rules",
        "--rules",
        CORE_PACK,
        "--as-of",
        "2025-12-31",
    ];
    args.extend_from_slice(extra);
    mktaudit(&args)
}

#[test]
fn the_users_config_applies_beside_the_bundles_profile() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = bundle_with_config(
        dir.path(),
        "profile: { sales_motion: enterprise }\nweight: { cmo-absent: 0 }\n",
    );
    let user = dir.path().join("mine.yaml");
    std::fs::write(&user, "weight: { cmo-absent: 5 }\n").unwrap();
    let o = audit_bundle(&bundle, &["--format", "json", "--config", user.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(result(&report, "cmo-absent").unwrap()["weight"], 5.0);
    assert_eq!(
        result(&report, "sourced-share").unwrap()["params"]["min_share"]["value"],
        0.05,
        "enterprise profile from the bundle's config"
    );
    let origins: Vec<&str> = report["methodology"]["configs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["origin"].as_str().unwrap())
        .collect();
    assert_eq!(origins, ["user", "bundle"]);
}

#[cfg(unix)]
#[test]
fn a_linked_bundle_config_is_refused_without_showing_its_target() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = bundle_with_config(dir.path(), "");
    std::fs::remove_file(bundle.join("mktaudit.yaml")).unwrap();
    std::fs::write(dir.path().join("secret.txt"), "password: SECRET-VALUE\n").unwrap();
    std::os::unix::fs::symlink(dir.path().join("secret.txt"), bundle.join("mktaudit.yaml")).unwrap();
    let o = audit_bundle(&bundle, &["--format", "json"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("is a symbolic link"), "{err}");
    assert!(!err.contains("SECRET"), "{err}");
}

#[test]
fn a_logo_must_be_an_image_not_just_named_like_one() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("logo.png"), "id_rsa: not an image").unwrap();
    let o = with_config_in(dir.path(), "branding: { logo: logo.png }\n", &["--format", "html"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("is not a png image"), "{}", stderr(&o));
}

fn with_config_in(dir: &std::path::Path, yaml: &str, extra: &[&str]) -> std::process::Output {
    let path = dir.join("mktaudit.yaml");
    std::fs::write(&path, yaml).unwrap();
    let mut args = vec!["--config", path.to_str().unwrap()];
    args.extend_from_slice(extra);
    audit_mini(&args)
}

#[test]
fn numbers_must_be_finite_and_in_range() {
    for (yaml, needle) in [
        ("weight: { vanity-kpi: 1e308 }\n", "must be a number from 0 to 1000"),
        ("weight: { vanity-kpi: .nan }\n", "must be a number from 0 to 1000"),
        ("grades: { A: .nan, B: 80, C: 70, D: 60 }\n", "grade thresholds"),
        ("grades: { A: .inf, B: 80, C: 70, D: 60 }\n", "grade thresholds"),
        (
            "params: { sourced-share: { min_share: .nan } }\n",
            "not a finite number",
        ),
        ("params: { sourced-share: { min_share: 1e300 } }\n", "out of range"),
        (
            "params: { sourced-share: { min_share: lots } }\n",
            "not of the same kind",
        ),
    ] {
        let o = with_config(yaml);
        assert_eq!(o.status.code(), Some(2), "{yaml}");
        assert!(stderr(&o).contains(needle), "{yaml}: {}", stderr(&o));
    }
}

#[test]
fn huge_rule_weights_are_refused_and_a_score_is_never_nan() {
    let dir = tempfile::tempdir().unwrap();
    let pack = dir.path().join("credible");
    std::fs::create_dir_all(&pack).unwrap();
    std::fs::write(
        pack.join("heavy.yaml"),
        "title: heavy\nseverity: low\nweight: 1e308\nrationale: r\nremediation: r\n\
         check:\n  rows:\n    dataset: kpis\n    flag: { field: name, matches: x }\n    message: m\n",
    )
    .unwrap();
    let o = audit_mini(&["--rules", dir.path().to_str().unwrap(), "--fail-under", "90"]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    assert!(
        stderr(&o).contains("weight must be a number from 0 to 1000"),
        "{}",
        stderr(&o)
    );
}
