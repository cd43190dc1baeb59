//! Auditing a portfolio: many bundles (a consultant's client folders) in
//! parallel, each independent of the others, with a summary of grades. One
//! bundle's bad input does not stop the others; it is reported in its row.

use crate::audit::{AuditOptions, run_audit};
use crate::error::Problems;
use crate::report::Report;
use rayon::prelude::*;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// The bundles a folder of bundles holds: its subfolders that contain a data
/// file (or a `bundle.yaml`), and those that cannot be read (so that they
/// are reported, not skipped), sorted by name. Empty when the folder is
/// itself a bundle, so `audit clients/` and `audit clients/acme` both do the obvious.
pub fn bundles_in(folder: &Path) -> Vec<PathBuf> {
    if holds_data(folder) {
        return Vec::new();
    }
    let Ok(entries) = std::fs::read_dir(folder) else {
        return Vec::new();
    };
    let mut found: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir() || t.is_symlink()))
        .map(|e| e.path())
        .filter(|p| !p.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.')))
        // A build or cache folder (Cargo's `target/`, ...) marks itself so:
        // it is never a client's bundle.
        .filter(|p| !p.join("CACHEDIR.TAG").is_file())
        // A link to a file is not a client folder; one to a folder, or a
        // broken one, is looked at (and a broken one reported).
        .filter(|p| !p.is_file())
        .filter(|p| holds_data(p) || std::fs::read_dir(p).is_err())
        .collect();
    found.sort();
    found
}

fn holds_data(folder: &Path) -> bool {
    std::fs::read_dir(folder).is_ok_and(|entries| {
        entries
            .filter_map(Result::ok)
            .any(|e| e.path().is_file() && crate::bundle::is_data_file(&e.path()))
    })
}

/// One row of the portfolio summary.
#[derive(Debug, Clone, Default, Serialize, schemars::JsonSchema)]
pub struct Entry {
    /// The bundle folder's name, used for its report files.
    pub name: String,
    pub bundle: String,
    pub org: Option<String>,
    pub score: Option<f64>,
    pub grade: Option<String>,
    pub coverage: Option<f64>,
    pub provisional: Option<bool>,
    pub failing_rules: Option<usize>,
    /// Why the bundle could not be audited (bad input), if so.
    pub error: Option<String>,
}

/// Audits every bundle with the same options, in parallel; `on_done` is
/// called as each finishes (for a progress bar). Results keep the input order.
pub fn audit_all(
    bundles: &[PathBuf],
    template: &AuditOptions,
    on_done: &(dyn Fn() + Sync),
) -> Vec<(PathBuf, Result<Report, Problems>)> {
    bundles
        .par_iter()
        .map(|bundle| {
            let opts = AuditOptions {
                bundle: bundle.clone(),
                ..template.clone()
            };
            let result = run_audit(&opts);
            on_done();
            (bundle.clone(), result)
        })
        .collect()
}

/// The folder name a bundle's reports are written under.
pub fn entry_name(bundle: &Path) -> String {
    bundle
        .file_name()
        .map_or_else(|| "bundle".to_string(), |n| n.to_string_lossy().into_owned())
}

/// A distinct folder name per bundle, in the order given: two clients in
/// folders of the same name (`a/acme`, `b/acme`) must not overwrite each
/// other's reports, so later ones get `-2`, `-3`, … (a name no other bundle has).
pub fn entry_names(bundles: &[PathBuf]) -> Vec<String> {
    let wanted: Vec<String> = bundles.iter().map(|b| entry_name(b)).collect();
    let all: std::collections::BTreeSet<&String> = wanted.iter().collect();
    let mut taken: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
    wanted
        .iter()
        .map(|name| {
            let mut candidate = name.clone();
            let mut k = 1;
            while taken.contains(&candidate) || (k > 1 && all.contains(&candidate)) {
                k += 1;
                candidate = format!("{name}-{k}");
            }
            taken.insert(candidate.clone());
            candidate
        })
        .collect()
}

pub fn entry(bundle: &Path, name: &str, result: &Result<Report, Problems>) -> Entry {
    let mut e = Entry {
        name: name.to_string(),
        bundle: bundle.display().to_string(),
        ..Default::default()
    };
    match result {
        Ok(r) => {
            e.org = Some(r.audit.org.clone());
            e.score = r.summary.score;
            e.grade = r.summary.grade.map(|g| format!("{g:?}"));
            e.coverage = Some(r.summary.coverage);
            e.provisional = Some(r.summary.provisional);
            e.failing_rules = Some(r.summary.counts.fail);
        }
        Err(p) => {
            let n = p.0.len();
            let first = p.0.first().map(crate::error::Problem::brief).unwrap_or_default();
            e.error = Some(if n > 1 {
                format!(
                    "{first} (and {} more {})",
                    n - 1,
                    if n == 2 { "problem" } else { "problems" }
                )
            } else {
                first
            });
        }
    }
    e
}

/// The summary as a terminal table, best first, errors last.
pub fn summary_table(entries: &[Entry]) -> String {
    let mut sorted: Vec<&Entry> = entries.iter().collect();
    sorted.sort_by(|a, b| {
        b.score
            .unwrap_or(-1.0)
            .total_cmp(&a.score.unwrap_or(-1.0))
            .then_with(|| a.name.cmp(&b.name))
    });
    let width = sorted.iter().map(|e| e.name.chars().count()).max().unwrap_or(6).max(6);
    let mut out = format!(
        "Portfolio: {} {}\n\n  {:<width$}  {:>6}  {:<5}  {:>8}  {:>5}  org\n",
        entries.len(),
        if entries.len() == 1 { "bundle" } else { "bundles" },
        "bundle",
        "score",
        "grade",
        "coverage",
        "fails"
    );
    for e in sorted {
        match &e.error {
            Some(err) => out.push_str(&format!("  {:<width$}  error: {err}\n", e.name)),
            None => {
                let grade = format!(
                    "{}{}",
                    e.grade.as_deref().unwrap_or("-"),
                    if e.provisional == Some(true) { "*" } else { "" }
                );
                out.push_str(&format!(
                    "  {:<width$}  {:>6}  {:<5}  {:>7.0}%  {:>5}  {}\n",
                    e.name,
                    e.score.map_or("-".to_string(), crate::value::format_number),
                    grade,
                    e.coverage.unwrap_or(0.0) * 100.0,
                    e.failing_rules.unwrap_or(0),
                    e.org.as_deref().unwrap_or_default()
                ));
            }
        }
    }
    if entries.iter().any(|e| e.provisional == Some(true)) {
        out.push_str(
            "\n  * provisional: data not assessed could change the grade (\"-\": below the coverage floor, no grade)\n",
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_folders_never_collide() {
        let paths: Vec<PathBuf> = ["a/acme", "b/acme", "c/acme-2", "d/acme", "e/zeta"]
            .iter()
            .map(PathBuf::from)
            .collect();
        assert_eq!(entry_names(&paths), ["acme", "acme-3", "acme-2", "acme-4", "zeta"]);
    }

    #[test]
    fn the_summary_counts_one_bundle_in_the_singular() {
        let one = |name: &str| Entry {
            name: name.into(),
            ..Entry::default()
        };
        assert!(summary_table(&[one("acme")]).starts_with("Portfolio: 1 bundle\n"));
        assert!(summary_table(&[one("acme"), one("zeta")]).starts_with("Portfolio: 2 bundles\n"));
    }
}
