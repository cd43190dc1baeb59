//! Every JSON report validates against `mktaudit schema report`: the
//! samples, each example bundle (the quarterly ones with a baseline), and the
//! schema is strict enough to refuse what no report writes.

mod common;
use common::*;
use serde_json::{Value, json};
use std::path::Path;

fn schema() -> Value {
    let o = mktaudit(&["schema", "report"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    serde_json::from_slice(&o.stdout).unwrap()
}

fn validator() -> jsonschema::Validator {
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema())
        .expect("the report schema is a valid JSON Schema")
}

fn problems(v: &jsonschema::Validator, report: &Value) -> Vec<String> {
    v.iter_errors(report)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn every_sample_report_validates() {
    let v = validator();
    let mut seen = 0;
    for entry in std::fs::read_dir("reports/samples").unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") {
            let report = read_json(&path);
            assert_eq!(problems(&v, &report), Vec::<String>::new(), "{}", path.display());
            seen += 1;
        }
    }
    assert!(seen >= 3, "the three example samples at least, found {seen}");
}

#[test]
fn every_example_report_validates_the_quarters_with_their_baselines() {
    let v = validator();
    let dir = tempfile::tempdir().unwrap();
    let mut checked = 0;
    for bundle in ["acme-vanity", "northwind-healthy", "seedling-startup"] {
        let o = mktaudit(&[
            "audit",
            &format!("examples/{bundle}"),
            "--as-of",
            "2025-12-31",
            "--format",
            "json",
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let report: Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(problems(&v, &report), Vec::<String>::new(), "{bundle}");
        checked += 1;
    }
    let mut previous: Option<String> = None;
    for (q, as_of) in [
        ("q1", "2025-03-31"),
        ("q2", "2025-06-30"),
        ("q3", "2025-09-30"),
        ("q4", "2025-12-31"),
    ] {
        let out = dir.path().join(format!("{q}.json")).to_str().unwrap().to_string();
        let bundle = format!("examples/quarterly/{q}");
        let mut args = vec![
            "audit",
            &bundle,
            "--as-of",
            as_of,
            "--config",
            "examples/quarterly/mktaudit.yaml",
            "--format",
            "json",
            "-o",
            &out,
        ];
        if let Some(p) = &previous {
            args.extend(["--baseline", p.as_str()]);
        }
        let o = mktaudit(&args);
        assert_eq!(o.status.code(), Some(0), "{q}: {}", stderr(&o));
        let report = read_json(Path::new(&out));
        assert_eq!(problems(&v, &report), Vec::<String>::new(), "{q}");
        assert_eq!(report["baseline"].is_object(), previous.is_some(), "{q}");
        previous = Some(out);
        checked += 1;
    }
    assert_eq!(checked, 7);
}

type Breakage = fn(&mut Value);

/// A real report, broken one way at a time: each must be refused.
#[test]
fn the_schema_refuses_what_no_report_writes() {
    let v = validator();
    let o = mktaudit(&[
        "audit",
        "examples/acme-vanity",
        "--as-of",
        "2025-12-31",
        "--format",
        "json",
    ]);
    let report: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(problems(&v, &report), Vec::<String>::new());
    let breakages: [(&str, Breakage); 11] = [
        ("an unknown top-level field", |r| r["surprise"] = json!(1)),
        ("an unknown field in a result", |r| {
            r["results"][0]["extra"] = json!("x")
        }),
        ("coverage above 1", |r| r["summary"]["coverage"] = json!(5)),
        ("a negative score", |r| r["summary"]["score"] = json!(-40)),
        ("a category score above 100", |r| {
            r["categories"][0]["score"] = json!(140)
        }),
        ("an as_of that is not a date", |r| {
            r["audit"]["as_of"] = json!("not-a-date")
        }),
        ("another schema version", |r| r["schema_version"] = json!("0.9")),
        ("an unknown status", |r| r["results"][0]["status"] = json!("passed")),
        ("a required field missing", |r| {
            r["results"][0].as_object_mut().unwrap().remove("rule_hash");
        }),
        ("nothing at stake written as an amount of 0", |r| {
            r["results"][0]["at_stake"] = json!({ "amount": 0, "label": "of spend" })
        }),
        ("an amount at stake without its label", |r| {
            r["results"][0]["at_stake"] = json!({ "amount": 1200 })
        }),
    ];
    for (what, break_it) in breakages {
        let mut broken = report.clone();
        break_it(&mut broken);
        assert!(!problems(&v, &broken).is_empty(), "the schema accepts {what}");
    }
}
