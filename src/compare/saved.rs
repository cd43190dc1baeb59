//! The parts of a saved JSON report that comparisons read, and reading
//! them: a report of another major version or of another org is refused.

use crate::error::ErrorCode;
use crate::error::Problems;
use crate::eval::Status;
use crate::rules::{Category, Severity};
use crate::score::Grade;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The major versions of the report JSON a comparison can read: they all
/// carry the fields below with the same meaning.
const READABLE_MAJORS: &[&str] = &["1", "2"];

/// The parts of a saved JSON report that comparisons read, typed as the
/// report writes them. Unknown fields are ignored so newer minor versions
/// still compare; another major version is refused (`read_report`).
#[derive(Debug, Clone, Deserialize)]
pub struct SavedReport {
    pub schema_version: String,
    pub audit: SavedAudit,
    pub summary: SavedSummary,
    pub categories: Vec<SavedCategory>,
    pub results: Vec<SavedResult>,
    pub methodology: SavedMethodology,
    #[serde(default)]
    pub waivers: SavedWaivers,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct SavedWaivers {
    #[serde(default)]
    pub waived: Vec<SavedWaived>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SavedWaived {
    pub rule: String,
    pub key: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SavedAudit {
    pub org: String,
    pub as_of: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SavedSummary {
    pub score: Option<f64>,
    pub grade: Option<Grade>,
    pub coverage: f64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SavedCategory {
    pub category: Category,
    pub score: Option<f64>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SavedResult {
    pub id: String,
    pub title: String,
    pub category: Category,
    pub severity: Severity,
    pub status: Status,
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub findings: Vec<SavedFinding>,
    #[serde(default)]
    pub rule_hash: String,
    #[serde(default)]
    pub weight: Option<f64>,
    #[serde(default)]
    pub params: BTreeMap<String, SavedParam>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct SavedParam {
    pub value: serde_json::Value,
}

impl SavedResult {
    /// Whether the rule was judged differently: another definition, weight or param values.
    pub(super) fn judged_differently(&self, other: &SavedResult) -> bool {
        (!self.rule_hash.is_empty() && self.rule_hash != other.rule_hash)
            || self.weight != other.weight
            || self.params != other.params
    }

    pub(super) fn flagged(&self) -> bool {
        matches!(self.status, Status::Warn | Status::Fail)
    }

    pub(super) fn keys(&self) -> BTreeSet<&str> {
        self.findings.iter().map(|f| f.key.as_str()).collect()
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct SavedFinding {
    pub key: String,
    pub message: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SavedMethodology {
    pub scoring_method_version: String,
    pub rule_pack_hash: String,
}

fn read_problem(message: String, help: &str) -> Problems {
    Problems(vec![
        crate::error::Problem::new(ErrorCode::CompareRead, message).help(help.to_string()),
    ])
}

/// Reads a JSON report written by `mktaudit audit --format json`.
pub fn read_report(path: &Path) -> Result<SavedReport, Problems> {
    let help = "pass a report written with `mktaudit audit BUNDLE --format json --output FILE`";
    let text = std::fs::read_to_string(path)
        .map_err(|e| read_problem(format!("cannot read report `{}`: {e}", path.display()), help))?;
    let report: SavedReport = serde_json::from_str(&text).map_err(|e| {
        let src = crate::error::SourceFile::new(path.display().to_string(), text.clone());
        let at = src.offset(e.line(), e.column());
        Problems(vec![
            crate::error::Problem::new(
                ErrorCode::CompareParse,
                format!("`{}` is not a mktaudit JSON report", path.display()),
            )
            .at(&src, at, 1, e.to_string())
            .help("pass a report written with `--format json`"),
        ])
    })?;
    let major = report.schema_version.split('.').next().unwrap_or_default();
    if !READABLE_MAJORS.contains(&major) {
        return Err(read_problem(
            format!(
                "`{}` is a report of schema version {}, which this mktaudit cannot compare (it reads {})",
                path.display(),
                report.schema_version,
                READABLE_MAJORS
                    .iter()
                    .map(|m| format!("{m}.x"))
                    .collect::<Vec<_>>()
                    .join(" and ")
            ),
            "audit the bundle again with this mktaudit, or compare with the mktaudit version that wrote the report",
        ));
    }
    Ok(report)
}

/// Refuses to compare reports of different orgs, unless `allow` (a flag the user gave).
pub fn check_same_org(reports: &[(&Path, &SavedReport)], allow: bool) -> Result<(), Problems> {
    let Some((first_path, first)) = reports.first() else {
        return Ok(());
    };
    if allow {
        return Ok(());
    }
    match reports.iter().find(|(_, r)| r.audit.org != first.audit.org) {
        None => Ok(()),
        Some((path, other)) => Err(Problems(vec![
            crate::error::Problem::new(
                ErrorCode::CompareOtherOrg,
                format!(
                    "`{}` is an audit of {:?} but `{}` is of {:?}: a comparison across organisations is not a change of either",
                    first_path.display(),
                    first.audit.org,
                    path.display(),
                    other.audit.org
                ),
            )
            .help("compare reports of the same org, or pass --allow-other-org if the org was renamed"),
        ])),
    }
}

/// Report JSON -> the saved form (for comparing with a fresh audit).
pub fn saved(report: &crate::report::Report) -> SavedReport {
    let value = serde_json::to_value(report).expect("the report model serialises");
    serde_json::from_value(value).expect("a fresh report has every field a saved one needs")
}
