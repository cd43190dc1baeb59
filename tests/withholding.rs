//! Withholding data never raises a grade (docs/scoring.md, method 2): every
//! example bundle is audited again less each of its data files, less each
//! column of each file, and with each file emptied of its rows; no overall or
//! category grade, and no graded score, may rise.
//!
//! Dropping single rows is not tried: removing a flagged row (a vanity KPI
//! taken off the board's list) is what fixing it looks like, so a grade may
//! rightly rise.

use mktaudit::testing::audit::{AuditOptions, default_rules_dir, run_audit};
use mktaudit::testing::score::Grade;
use rayon::prelude::*;
use std::path::{Path, PathBuf};

/// A letter's rank, best highest; no letter ranks below F.
fn rank(g: Option<Grade>) -> u8 {
    match g {
        None => 0,
        Some(Grade::F) => 1,
        Some(Grade::D) => 2,
        Some(Grade::C) => 3,
        Some(Grade::B) => 4,
        Some(Grade::A) => 5,
    }
}

/// What is compared: overall, then each category, as (name, grade, score).
type Grades = Vec<(String, Option<Grade>, Option<f64>)>;

fn audit(bundle: &Path, as_of: &str, config: Option<&str>) -> Option<Grades> {
    let opts = AuditOptions {
        bundle: bundle.to_path_buf(),
        rule_dirs: vec![default_rules_dir()],
        config: config.map(PathBuf::from),
        as_of: Some(as_of.parse().unwrap()),
        ..AuditOptions::default()
    };
    // A variant the loader refuses has no grade to compare (it is an error, exit 2).
    let report = run_audit(&opts).ok()?;
    let mut grades = vec![("overall".to_string(), report.summary.grade, report.summary.score)];
    grades.extend(
        report
            .categories
            .iter()
            .map(|c| (c.category.as_str().to_string(), c.grade, c.score)),
    );
    Some(grades)
}

/// One way of withholding data: a description and the change to the copy.
struct Variant {
    what: String,
    file: String,
    change: Change,
}

enum Change {
    DropFile,
    DropColumn(usize),
    DropKey(String),
    Empty,
}

fn variants(dir: &Path) -> Vec<Variant> {
    let mut out = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|f| f != "bundle.yaml" && f != "README.md" && f != "mktaudit.yaml")
        .collect();
    files.sort();
    for file in files {
        let path = dir.join(&file);
        out.push(Variant {
            what: format!("without {file}"),
            file: file.clone(),
            change: Change::DropFile,
        });
        if file.ends_with(".csv") {
            let mut reader = csv::Reader::from_path(&path).unwrap();
            let headers = reader.headers().unwrap().clone();
            for (i, h) in headers.iter().enumerate() {
                out.push(Variant {
                    what: format!("{file} without column `{h}`"),
                    file: file.clone(),
                    change: Change::DropColumn(i),
                });
            }
            out.push(Variant {
                what: format!("{file} emptied of rows"),
                file: file.clone(),
                change: Change::Empty,
            });
        } else if file.ends_with(".json") {
            let value: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            let mut keys = std::collections::BTreeSet::new();
            for record in records(&value) {
                keys.extend(record.as_object().into_iter().flat_map(|o| o.keys().cloned()));
            }
            for key in keys {
                out.push(Variant {
                    what: format!("{file} without key `{key}`"),
                    file: file.clone(),
                    change: Change::DropKey(key),
                });
            }
            out.push(Variant {
                what: format!("{file} emptied of records"),
                file: file.clone(),
                change: Change::Empty,
            });
        } else if file.ends_with(".yaml") {
            for line in std::fs::read_to_string(&path).unwrap().lines() {
                if let Some((key, _)) = line.split_once(':').filter(|_| !line.starts_with([' ', '#', '-'])) {
                    out.push(Variant {
                        what: format!("{file} without `{key}`"),
                        file: file.clone(),
                        change: Change::DropKey(key.to_string()),
                    });
                }
            }
        }
    }
    out
}

/// The records of a JSON export: the array itself, or the first array under the top object.
fn records(value: &serde_json::Value) -> Vec<&serde_json::Value> {
    match value {
        serde_json::Value::Array(a) => a.iter().collect(),
        serde_json::Value::Object(o) => o
            .values()
            .find_map(|v| v.as_array())
            .map(|a| a.iter().collect())
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

fn apply(change: &Change, path: &Path) {
    match change {
        Change::DropFile => std::fs::remove_file(path).unwrap(),
        Change::DropColumn(col) => {
            let mut reader = csv::Reader::from_path(path).unwrap();
            let mut rows: Vec<csv::StringRecord> = vec![reader.headers().unwrap().clone()];
            rows.extend(reader.records().map(Result::unwrap));
            let mut writer = csv::Writer::from_path(path).unwrap();
            for row in rows {
                let kept: Vec<&str> = row
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| i != col)
                    .map(|(_, v)| v)
                    .collect();
                writer.write_record(kept).unwrap();
            }
            writer.flush().unwrap();
        }
        Change::Empty if path.extension().is_some_and(|e| e == "csv") => {
            let header = std::fs::read_to_string(path)
                .unwrap()
                .lines()
                .next()
                .unwrap_or("")
                .to_string();
            std::fs::write(path, header + "\n").unwrap();
        }
        Change::Empty => {
            let mut value: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
            match &mut value {
                serde_json::Value::Array(a) => a.clear(),
                serde_json::Value::Object(o) => o.values_mut().filter_map(|v| v.as_array_mut()).for_each(Vec::clear),
                _ => {}
            }
            std::fs::write(path, value.to_string()).unwrap();
        }
        Change::DropKey(key) if path.extension().is_some_and(|e| e == "json") => {
            let mut value: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
            let arrays: Vec<&mut Vec<serde_json::Value>> = match &mut value {
                serde_json::Value::Array(a) => vec![a],
                serde_json::Value::Object(o) => o.values_mut().filter_map(|v| v.as_array_mut()).collect(),
                _ => Vec::new(),
            };
            for record in arrays.into_iter().flatten() {
                if let Some(o) = record.as_object_mut() {
                    o.remove(key);
                }
            }
            std::fs::write(path, value.to_string()).unwrap();
        }
        Change::DropKey(key) => {
            // A top-level YAML key and its indented continuation lines.
            let text = std::fs::read_to_string(path).unwrap();
            let mut out = String::new();
            let mut skipping = false;
            for line in text.lines() {
                if !line.starts_with([' ', '-']) {
                    skipping = line.split_once(':').is_some_and(|(k, _)| k == key);
                }
                if !skipping {
                    out.push_str(line);
                    out.push('\n');
                }
            }
            std::fs::write(path, out).unwrap();
        }
    }
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_file() {
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
}

/// Every way of withholding data from `dir` that raised a grade or a graded score.
fn raised(dir: &str, as_of: &str, config: Option<&str>) -> Vec<String> {
    let before = audit(Path::new(dir), as_of, config).expect("the example audits");
    variants(Path::new(dir))
        .par_iter()
        .with_max_len(1)
        .flat_map_iter(|v| {
            let tmp = tempfile::tempdir().unwrap();
            copy_dir(Path::new(dir), tmp.path());
            apply(&v.change, &tmp.path().join(&v.file));
            let Some(after) = audit(tmp.path(), as_of, config) else {
                return Vec::new();
            };
            before
                .iter()
                .zip(after)
                .filter(|((_, bg, bs), (_, ag, as_))| {
                    rank(*ag) > rank(*bg) || as_.unwrap_or(0.0) > bs.unwrap_or(0.0) + 1e-9
                })
                .map(|((name, bg, bs), (_, ag, as_))| {
                    format!("{dir}, {}: {name} {bg:?} ({bs:?}) -> {ag:?} ({as_:?})", v.what)
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

fn assert_none_raised(dir: &str, as_of: &str, config: Option<&str>) {
    let raised = raised(dir, as_of, config);
    assert!(
        raised.is_empty(),
        "withholding data raised a grade:\n{}",
        raised.join("\n")
    );
}

#[test]
fn withholding_never_raises_acme() {
    assert_none_raised("examples/acme-vanity", "2025-12-31", None);
}

#[test]
fn withholding_never_raises_northwind() {
    assert_none_raised("examples/northwind-healthy", "2025-12-31", None);
}

#[test]
fn withholding_never_raises_seedling() {
    assert_none_raised("examples/seedling-startup", "2025-12-31", None);
}

#[test]
fn withholding_never_raises_harbor_quarters() {
    let config = Some("examples/quarterly/mktaudit.yaml");
    for (q, as_of) in [("q2", "2025-06-30"), ("q4", "2025-12-31")] {
        assert_none_raised(&format!("examples/quarterly/{q}"), as_of, config);
    }
}
