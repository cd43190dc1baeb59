//! Forecasts and awards as a client writes them: a forecast's period as a
//! quarter label read into dates, a label that names no period refused at
//! its line, and the audit judging marketing's pipeline forecast.

mod common;
use common::*;
use mktaudit::testing::bundle::load_bundle;
use mktaudit::testing::value::Value;

const FORECASTS: &str = "Forecast ID,Quarter,Forecast Type,Forecast Amount,Forecaster,Actual\n\
    F1,Q1 2025,Marketing-sourced pipeline,100000,p-cmo,\n\
    F2,2025-Q2,Marketing-sourced pipeline,200000,p-cmo,90000\n\
    F3,Q3 FY2025,Marketing-sourced pipeline,150000,p-cmo,70000\n\
    F4,H2 2025,Commit,900000,p-cro,\n";

#[test]
fn a_quarter_label_is_read_into_the_period_dates() {
    let dir = folder_with(&[("forecasts.csv", FORECASTS)]);
    let b = load_bundle(dir.path(), None).unwrap_or_else(|p| panic!("{}", p.render(false)));
    let ds = b.dataset("forecasts").unwrap();
    let d = |s: &str| Value::Date(s.parse().unwrap());
    let got: Vec<(Value, Value)> = (0..4)
        .map(|r| (ds.value("period_start", r), ds.value("period_end", r)))
        .collect();
    assert_eq!(
        got,
        [
            (d("2025-01-01"), d("2025-03-31")),
            (d("2025-04-01"), d("2025-06-30")),
            (d("2025-07-01"), d("2025-09-30")),
            (d("2025-07-01"), d("2025-12-31")),
        ]
    );
    let o = mktaudit(&["inspect", dir.path().to_str().unwrap()]);
    let out = stdout(&o);
    assert!(
        out.contains("Quarter          -> period_start     read from the period label"),
        "{out}"
    );
}

#[test]
fn dates_given_win_over_the_label() {
    let dir = folder_with(&[(
        "forecasts.csv",
        "id,period,period_start,period_end,metric,amount\nF1,Q1 2025,2025-02-01,2025-04-30,MSP,1000\nF2,Q2 2025,,,MSP,1000\n",
    )]);
    let b = load_bundle(dir.path(), None).unwrap_or_else(|p| panic!("{}", p.render(false)));
    let ds = b.dataset("forecasts").unwrap();
    assert_eq!(ds.value("period_start", 0), Value::Date("2025-02-01".parse().unwrap()));
    assert_eq!(ds.value("period_end", 1), Value::Date("2025-06-30".parse().unwrap()));
}

#[test]
fn a_label_that_names_no_period_is_refused_at_its_line() {
    let dir = folder_with(&[(
        "forecasts.csv",
        "id,quarter,metric,amount\nF1,Q1 2025,MSP,1000\nF2,next quarter,MSP,2000\n",
    )]);
    let o = mktaudit(&["audit", dir.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    let err = stderr(&o);
    assert!(!err.contains("panicked"), "{err}");
    assert!(
        err.contains("`quarter` (forecasts.period): `next quarter` is not a period mktaudit can read"),
        "{err}"
    );
    assert!(err.contains("forecasts.csv:3:"), "names the line: {err}");
    assert!(err.contains("Q3 2025"), "says what would read: {err}");
}

#[test]
fn the_audit_judges_marketing_pipeline_forecast_from_labels_and_opportunities() {
    let dir = folder_with(&[
        ("forecasts.csv", FORECASTS),
        (
            "opportunities.csv",
            "id,created_date,source,amount\nO1,2025-02-01,Webinar,98000\n",
        ),
    ]);
    let report = audit_report(dir.path(), &["--select", "INTG-005"]);
    let r = &report["results"][0];
    assert_eq!(r["id"], "INTG-005", "{r}");
    assert_eq!(r["status"], "warn", "{r}");
    let message = r["message"].as_str().unwrap();
    assert!(
        message.contains("(2 of 3 missed: Q1 2025 off by 2%, 2025-Q2 off by 122%, Q3 FY2025 off by 114%)"),
        "{message}"
    );
    // Each missed period with its forecast, its actual and where the actual came from.
    let findings: Vec<&str> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert_eq!(
        findings,
        [
            "2025-Q2: forecast $200,000, actual $90,000 (as recorded), off by 122%",
            "Q3 FY2025: forecast $150,000, actual $70,000 (as recorded), off by 114%, the second miss running",
        ]
    );
    // Without a recorded actual, the finding says the actual was summed from the opportunities.
    let dir = folder_with(&[
        (
            "forecasts.csv",
            "id,quarter,metric,amount\nF1,Q1 2025,Marketing pipeline,300000\nF2,Q2 2025,Marketing pipeline,300000\n",
        ),
        (
            "opportunities.csv",
            "id,created_date,source,amount\nO1,2025-02-01,Webinar,98000\nO2,2025-05-01,Paid Search,50000\nO3,2025-05-02,Sales,900000\n",
        ),
    ]);
    let report = audit_report(dir.path(), &["--select", "INTG-005"]);
    let last = report["results"][0]["findings"][1]["message"]
        .as_str()
        .unwrap_or_default();
    assert_eq!(
        last,
        "Q2 2025: forecast $300,000, actual $50,000 (from 1 marketing-sourced opportunity), off by 500%, the second miss running"
    );
}
