//! Data set against the audit period: what an export covers decides whether a
//! rule that judges the whole period can judge it, and rows outside the period
//! or with no date are counted in the report's notes.

mod common;

use common::*;

const PERIOD: &str = "org: Period test\nperiod: { start: 2025-01-01, end: 2025-12-31 }\n";

/// A Google Ads campaign report as the UI downloads it: title, date range, header.
fn ads_report(range: &str) -> String {
    format!(
        "Campaign report\n\"{range}\"\n\
         Campaign status,Campaign,Campaign ID,Campaign type,Impr.,Cost,Conversions,Start date,End date\n\
         Enabled,Brand - Search,20123456789,Search,\"45,210\",\"2,853.84\",118.00,2025-03-01,2025-03-31\n\
         Enabled,PMax - Automation,20123456791,Performance Max,\"233,019\",\"7,558.20\",61.50,2025-03-01,2025-03-31\n"
    )
}

#[test]
fn a_one_month_ads_report_cannot_show_a_year_in_market() {
    let dir = folder_with(&[
        ("bundle.yaml", PERIOD),
        ("Campaign report.csv", &ads_report("March 1, 2025 - March 31, 2025")),
    ]);
    let report = audit_report(dir.path(), &[]);
    let r = rule_result(&report, "STRAT-007");
    assert_eq!(r["status"], "not_assessed", "{r}");
    let message = r["message"].as_str().unwrap();
    assert!(
        message.contains(
            "judges the whole period (2025-01-01 to 2025-12-31), but the campaigns export covers only \
             2025-03-01 to 2025-03-31 (its title reads \"March 1, 2025 - March 31, 2025\")"
        ),
        "{message}"
    );
    assert_eq!(
        r["missing"],
        serde_json::json!(["campaigns from 2025-01-01 to 2025-12-31"])
    );

    // The same campaigns in a report of the whole year are judged: two in March is sporadic.
    let dir = folder_with(&[
        ("bundle.yaml", PERIOD),
        (
            "Campaign report.csv",
            &ads_report("January 1, 2025 - December 31, 2025"),
        ),
    ]);
    let report = audit_report(dir.path(), &[]);
    let r = rule_result(&report, "STRAT-007");
    assert_eq!(r["status"], "fail", "{r}");
    assert!(
        r["message"].as_str().unwrap().contains("in market in 1 of 12 months"),
        "{r}"
    );
}

#[test]
fn covers_in_bundle_yaml_says_what_an_export_holds() {
    let campaigns = "id,name,start_date,end_date\nC1,Spring,2025-04-01,2025-04-30\nC2,Autumn,2025-10-07,2025-10-09\n";
    // Undeclared, the rows are judged as the whole calendar (a sporadic one), with a hint.
    let dir = folder_with(&[("bundle.yaml", PERIOD), ("campaigns.csv", campaigns)]);
    let report = audit_report(dir.path(), &[]);
    assert_eq!(rule_result(&report, "STRAT-007")["status"], "fail");
    let hint = bundle_notes(&report)
        .into_iter()
        .find(|n| n.contains("covers:"))
        .expect("a hint to declare what the export covers");
    assert!(
        hint.contains(
            "its dates run only from 2025-04-01 to 2025-10-09, within the audit period (2025-01-01 to 2025-12-31)"
        ),
        "{hint}"
    );
    assert!(
        hint.contains("`covers: { start: 2025-04-01, end: 2025-10-09 }`"),
        "{hint}"
    );

    // Declared as the hint says, the rule is not assessed, and the hint is gone.
    let manifest = format!(
        "{PERIOD}datasets:\n  campaigns:\n    file: campaigns.csv\n    covers: {{ start: 2025-04-01, end: 2025-10-09 }}\n"
    );
    let dir = folder_with(&[("bundle.yaml", &manifest), ("campaigns.csv", campaigns)]);
    let report = audit_report(dir.path(), &[]);
    let r = rule_result(&report, "STRAT-007");
    assert_eq!(r["status"], "not_assessed", "{r}");
    assert!(
        r["message"].as_str().unwrap().contains("(declared in bundle.yaml)"),
        "{r}"
    );
    assert!(bundle_notes(&report).iter().all(|n| !n.contains("covers:")));
}

#[test]
fn rows_outside_the_period_or_undated_are_counted_and_left_out() {
    let campaigns = "id,name,start_date,end_date\n\
                     C1,Old launch,2017-03-01,2017-04-01\n\
                     C2,Undated,,\n\
                     C3,Next year,2026-02-01,2026-02-28\n\
                     C4,All year,2025-01-01,2025-12-31\n";
    let dir = folder_with(&[("bundle.yaml", PERIOD), ("campaigns.csv", campaigns)]);
    let report = audit_report(dir.path(), &[]);
    let note = bundle_notes(&report)
        .into_iter()
        .find(|n| n.contains("rows are dated before"))
        .expect("a note on rows outside the period");
    assert_eq!(
        note,
        "1 of 4 rows are dated before the audit period (2025-01-01 to 2025-12-31); \
         1 of 4 rows are dated after the audit period (2025-01-01 to 2025-12-31); \
         1 of 4 rows have neither `start_date` nor `end_date`, so they are not placed in the period; \
         measures of the period leave them out"
    );
    // Only the campaign of the period puts the org in market: 12 of 12 months, not more.
    let r = rule_result(&report, "STRAT-007");
    assert!(
        r["message"].as_str().unwrap().contains("in market in 12 of 12 months"),
        "{r}"
    );
    assert!(
        r["message"].as_str().unwrap().contains("1 undated campaign not placed"),
        "{r}"
    );
}
