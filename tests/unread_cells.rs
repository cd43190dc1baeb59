//! A bad cell in a column no rule reads: `audit` and `inspect` decide what
//! is read from the same demand of the rules, and say the same of it (a note
//! naming file, line, column and the fix; exit 0). In a column a rule reads,
//! both stop with the same error (exit 2).

mod common;
use common::*;

/// A Salesforce-style opportunity export whose close dates are US dates
/// with a time, and one won flag that is not a boolean. The core fixture
/// pack reads amounts and sources, not close dates or won flags.
const OPPORTUNITIES: &str = "\
id,name,created_date,amount,source,close_date,is_won
O1,Globex line 3,2025-02-01,42000,Marketing,2/26/2025 19:58,true
O2,Initech pilot,2025-03-01,18000,Sales,3/27/2025 10:00,maybe
O3,Hooli rollout,2025-03-05,27000,Marketing,2025-04-01,false
O4,Stark renewal,2025-03-10,31000,Marketing,4/30/2025 09:15,true
";

fn bundle() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("opportunities.csv"), OPPORTUNITIES).unwrap();
    dir
}

/// The notes of a JSON report (`audit`) or inspection (`inspect`) about `file`.
fn notes(command: &str, dir: &std::path::Path, extra: &[&str]) -> Vec<String> {
    let mut args = vec![command, dir.to_str().unwrap(), "--format", "json"];
    args.extend_from_slice(extra);
    let o = mktaudit(&args);
    assert_eq!(o.status.code(), Some(0), "{command}: {}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let notes = if command == "audit" {
        &v["bundle"]["notes"]
    } else {
        &v["notes"]
    };
    notes
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["file"] == "opportunities.csv" && n["message"].as_str().unwrap().contains("nothing was judged"))
        .map(|n| n["message"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_bad_cell_in_a_column_no_rule_reads_is_the_same_note_in_audit_and_inspect() {
    let dir = bundle();
    let core = ["--no-default-rules", "--rules", CORE_PACK];
    let audit = notes("audit", dir.path(), &core);
    let inspect = notes("inspect", dir.path(), &core);
    assert_eq!(audit, inspect, "both commands report the unread column alike");
    assert_eq!(
        audit,
        [
            "line 2, column `close_date` (opportunities.close_date): expected a date (YYYY-MM-DD, optionally followed by a time), found `2/26/2025 19:58` (2 more cells like it); no rule of this run reads the column, so nothing was judged on it: to read it, add `date_format: \"%m/%d/%Y\"` under `datasets: opportunities:` in bundle.yaml",
            "line 3, column `is_won` (opportunities.is_won): expected true/false, yes/no or 1/0, found `maybe`; no rule of this run reads the column, so nothing was judged on it: correct the values (`opportunities.is_won` is true or false), or add `is_won: ignore` under `datasets: opportunities: columns:` in bundle.yaml to leave the column out",
        ]
    );
}

#[test]
fn the_date_format_the_note_names_reads_the_column() {
    let dir = bundle();
    std::fs::write(
        dir.path().join("bundle.yaml"),
        "datasets:\n  opportunities:\n    date_format: \"%m/%d/%Y\"\n",
    )
    .unwrap();
    let core = ["--no-default-rules", "--rules", CORE_PACK];
    let audit = notes("audit", dir.path(), &core);
    assert_eq!(audit.len(), 1, "only the won flag is left: {audit:?}");
    assert!(audit[0].contains("`maybe`"), "{audit:?}");
    assert_eq!(audit, notes("inspect", dir.path(), &core));
}

#[test]
fn a_bad_cell_in_a_column_a_rule_reads_stops_both_alike() {
    // The default rules read close dates and won flags.
    let dir = bundle();
    let path = dir.path().to_str().unwrap();
    let audit = mktaudit(&["audit", path]);
    let inspect = mktaudit(&["inspect", path]);
    assert_eq!(audit.status.code(), Some(2));
    assert_eq!(inspect.status.code(), Some(2));
    let err = stderr(&audit);
    assert_eq!(err, stderr(&inspect));
    assert!(err.contains("opportunities.csv:2:"), "{err}");
    assert!(err.contains("add `date_format: \"%m/%d/%Y\"`"), "{err}");
    assert!(err.contains("found `maybe`"), "{err}");
}
