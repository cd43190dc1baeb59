//! `reports/samples/` holds the reports of the example bundles, committed so
//! a visitor can read a real report without running anything. This test
//! fails when they are stale; `UPDATE_SAMPLES=1 cargo test --test
//! report_samples` rewrites them.

mod common;
use common::*;
use std::path::{Path, PathBuf};

pub const AS_OF: &str = "2025-12-31";
const FORMATS: [&str; 3] = ["html", "md", "json"];

/// Every folder of `examples/` that holds a bundle (rule packs and series of quarters do not).
fn example_bundles() -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir("examples")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("bundle.yaml").is_file())
        .collect();
    found.sort();
    found
}

fn render(bundle: &Path, out: &Path) {
    let o = mktaudit(&[
        "audit",
        bundle.to_str().unwrap(),
        "--as-of",
        AS_OF,
        "--format",
        &FORMATS.join(","),
        "--output-dir",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}: {}", bundle.display(), stderr(&o));
}

#[test]
fn samples_are_the_reports_of_the_examples() {
    let bundles = example_bundles();
    assert!(!bundles.is_empty(), "no example bundle found");
    let update = std::env::var_os("UPDATE_SAMPLES").is_some();
    let samples = Path::new("reports/samples");
    let mut stale = Vec::new();
    for bundle in &bundles {
        let name = bundle.file_name().unwrap().to_string_lossy().into_owned();
        let tmp = tempfile::tempdir().unwrap();
        render(bundle, tmp.path());
        for ext in FORMATS {
            let fresh = std::fs::read_to_string(tmp.path().join(format!("report.{ext}"))).unwrap();
            let committed = samples.join(format!("{name}.{ext}"));
            if std::fs::read_to_string(&committed).ok().as_deref() == Some(fresh.as_str()) {
                continue;
            }
            if update {
                std::fs::create_dir_all(samples).unwrap();
                std::fs::write(&committed, fresh).unwrap();
            } else {
                stale.push(committed.display().to_string());
            }
        }
    }
    assert!(
        stale.is_empty(),
        "stale samples: {}\nrun `UPDATE_SAMPLES=1 cargo test --test report_samples`, review the diff and commit it",
        stale.join(", ")
    );
}

#[test]
fn reports_are_the_same_bytes_from_another_working_folder() {
    // Samples must not depend on where or when they are generated: no
    // absolute path, no clock. Render twice into different folders and compare.
    let bundle = &example_bundles()[0];
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    render(bundle, a.path());
    render(bundle, b.path());
    for ext in FORMATS {
        let read = |d: &Path| std::fs::read_to_string(d.join(format!("report.{ext}"))).unwrap();
        let text = read(a.path());
        assert_eq!(text, read(b.path()), "report.{ext} differs between runs");
        let cwd = std::env::current_dir().unwrap();
        assert!(
            !text.contains(cwd.to_str().unwrap()),
            "report.{ext} names an absolute path"
        );
        assert!(
            !text.contains(a.path().to_str().unwrap()),
            "report.{ext} names its output folder"
        );
    }
}
