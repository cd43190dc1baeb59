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
