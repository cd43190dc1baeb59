//! An org that writes its exports in its own and its CRM's words
//! (tests/fixtures/bundles/real-words): the rules read them as meant, a
//! profile value no band knows is refused with a suggestion, and the
//! bundle's own mktaudit.yaml may teach its words.

mod common;
use common::*;
use serde_json::Value;

const BUNDLE: &str = "tests/fixtures/bundles/real-words";

fn audit(bundle: &str) -> Value {
    let o = mktaudit(&["audit", bundle, "--as-of", "2025-12-31", "--format", "json"]);
    assert!(matches!(o.status.code(), Some(0 | 1)), "{}", stderr(&o));
    serde_json::from_slice(&o.stdout).unwrap()
}

fn result<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("no {id}"))
}

#[test]
fn a_board_written_board_of_directors_is_leadership() {
    let r = audit(BUNDLE);
    let cred1 = result(&r, "CRED-001");
    assert_eq!(cred1["status"], "fail", "{cred1}");
    // Board of Directors, ELT, Exec Team, and the bundle's own word Verwaltungsrat.
    assert_eq!(cred1["findings_total"], 4, "{cred1}");
    let notes = r["methodology"]["notes"].to_string();
    assert!(
        notes.contains("vocabulary leadership_audience extended with Verwaltungsrat by mktaudit.yaml (in the bundle)"),
        "{notes}"
    );
}

#[test]
fn hubspot_sources_count_as_the_orgs_definition_and_the_motion_is_enterprise() {
    let r = audit(BUNDLE);
    let acct4 = result(&r, "ACCT-004");
    // Everything but Offline Sources: 49,000 of 100,000.
    assert_eq!(acct4["value"], 0.49, "{acct4}");
    // "Enterprise (named accounts)" picks the enterprise band (5% floor, 30% ceiling).
    assert_eq!(acct4["params"]["min_share"]["value"], 0.05, "{acct4}");
    assert_eq!(acct4["params"]["min_share"]["origin"], "profile");
    assert_eq!(acct4["status"], "warn", "49% is far above the enterprise band: {acct4}");
}

#[test]
fn an_unknown_sales_motion_is_an_error_with_a_suggestion() {
    let dir = tempfile::tempdir().unwrap();
    for f in std::fs::read_dir(BUNDLE).unwrap() {
        let f = f.unwrap();
        std::fs::copy(f.path(), dir.path().join(f.file_name())).unwrap();
    }
    std::fs::write(
        dir.path().join("org.yaml"),
        "name: Wordsmith GmbH\nsales_motion: Enterprize\n",
    )
    .unwrap();
    let o = mktaudit(&["audit", dir.path().to_str().unwrap(), "--as-of", "2025-12-31"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("`sales_motion` is \"Enterprize\""), "{err}");
    assert!(err.contains("did you mean `enterprise`?"), "{err}");
    assert!(err.contains("org.yaml:2:15"), "{err}");
    assert!(o.stdout.is_empty(), "nothing audited");
    // `inspect` says the same, where a user checks a bundle before auditing it.
    let o = mktaudit(&["inspect", dir.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("did you mean `enterprise`?") && err.contains("org.yaml:2:15"),
        "{err}"
    );
}
