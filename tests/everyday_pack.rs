//! The pack of five everyday checks (examples/packs/everyday) on a generated
//! org: each rule's value equals the same figure computed here, straight
//! from the CSV files with none of the engine's code.

use chrono::{Datelike, NaiveDate};
use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::process::Command;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_mktaudit"))
}

fn read_csv(path: &Path) -> Vec<HashMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap();
    let headers = r.headers().unwrap().clone();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            headers
                .iter()
                .map(String::from)
                .zip(rec.iter().map(String::from))
                .collect()
        })
        .collect()
}

fn date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()
}

fn num(s: &str) -> Option<f64> {
    s.trim().parse().ok()
}

/// Lower-case words: the vocabulary file's terms and the data compared alike.
fn words(s: &str) -> String {
    let mut out = String::new();
    let mut prev_lower = false;
    for c in s.chars() {
        if c.is_uppercase() && prev_lower {
            out.push(' ');
        }
        prev_lower = c.is_lowercase();
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else {
            out.push(' ');
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn vocabulary(name: &str) -> BTreeSet<String> {
    let text = std::fs::read_to_string("rules/vocabularies.yaml").unwrap();
    let all: mktaudit::testing::yaml::Value = mktaudit::testing::yaml::from_str(&text).unwrap();
    all[name]["terms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| words(t.as_str().unwrap()))
        .collect()
}

fn param(rule: &str, name: &str) -> String {
    let path = std::fs::read_dir("examples/packs/everyday")
        .unwrap()
        .flat_map(|d| std::fs::read_dir(d.unwrap().path()).into_iter().flatten())
        .map(|e| e.unwrap().path())
        .find(|p| p.file_stem().is_some_and(|s| s == rule))
        .unwrap();
    let rule: mktaudit::testing::yaml::Value =
        mktaudit::testing::yaml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let v = &rule["params"][name]["default"];
    v.as_str().map_or_else(|| v.as_f64().unwrap().to_string(), String::from)
}

#[test]
fn every_value_matches_an_independent_computation() {
    let dir = tempfile::tempdir().unwrap();
    let org = dir.path().join("org");
    let o = bin()
        .args(["gen", "--rows", "3000", "--seed", "7", "--profile", "troubled", "--out"])
        .arg(&org)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = bin()
        .args(["audit"])
        .arg(&org)
        .args([
            "--no-default-rules",
            "--rules",
            "examples/packs/everyday",
            "--format",
            "json",
        ])
        .args(["--as-of", "2025-12-31"])
        .output()
        .unwrap();
    assert!(
        o.status.code().is_some_and(|c| c < 2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let result = |id: &str| {
        report["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .unwrap_or_else(|| panic!("{id} ran"))
            .clone()
    };
    let start = date(report["audit"]["period_start"].as_str().unwrap()).unwrap();
    let end = date(report["audit"]["period_end"].as_str().unwrap()).unwrap();
    let in_period = |s: &str| date(s).is_some_and(|d| start <= d && d <= end);

    // EVERY-001: vanity KPIs among those reported to leadership.
    let leadership = vocabulary("leadership_audience");
    let vanity = regex::Regex::new(&param("EVERY-001", "vanity_pattern")).unwrap();
    let kpis = read_csv(&org.join("kpis.csv"));
    let board: Vec<_> = kpis
        .iter()
        .filter(|k| leadership.contains(&words(&k["audience"])))
        .collect();
    let flagged = board
        .iter()
        .filter(|k| vanity.is_match(&k["name"].replace(['_', '-', '/'], " ")))
        .count();
    let r = result("EVERY-001");
    assert_eq!(r["value"], flagged as f64, "{r}");
    assert!(flagged > 0, "the troubled org reports a vanity metric");

    // EVERY-002: marketing's share of the period's new pipeline.
    let sources = regex::Regex::new(&param("EVERY-002", "marketing_sources")).unwrap();
    let opps = read_csv(&org.join("opportunities.csv"));
    let new: Vec<_> = opps.iter().filter(|o| in_period(&o["created_date"])).collect();
    let total: f64 = new.iter().filter_map(|o| num(&o["amount"])).sum();
    let sourced: f64 = new
        .iter()
        .filter(|o| sources.is_match(&o["source"]))
        .filter_map(|o| num(&o["amount"]))
        .sum();
    let r = result("EVERY-002");
    assert!(
        (r["value"].as_f64().unwrap() - sourced / total).abs() < 1e-9,
        "{r} vs {}",
        sourced / total
    );

    // EVERY-003: leads of the period that became opportunities.
    let converted_stages = vocabulary("converted_stage");
    let leads = read_csv(&org.join("leads.csv"));
    let period_leads: Vec<_> = leads.iter().filter(|l| in_period(&l["created_date"])).collect();
    let converted = period_leads
        .iter()
        .filter(|l| !l["opportunity_id"].trim().is_empty() || converted_stages.contains(&words(&l["stage"])))
        .count();
    let r = result("EVERY-003");
    let rate = converted as f64 / period_leads.len() as f64;
    assert!((r["value"].as_f64().unwrap() - rate).abs() < 1e-9, "{r} vs {rate}");

    // EVERY-004: costed campaigns with no pipeline.
    let campaigns = read_csv(&org.join("campaigns.csv"));
    let costed: Vec<_> = campaigns
        .iter()
        .filter(|c| num(&c["cost"]).is_some_and(|x| x > 0.0))
        .collect();
    let idle = costed
        .iter()
        .filter(|c| num(&c["pipeline"]).is_none_or(|p| p <= 0.0))
        .count();
    let r = result("EVERY-004");
    let share = idle as f64 / costed.len() as f64;
    assert!((r["value"].as_f64().unwrap() - share).abs() < 1e-9, "{r} vs {share}");
    assert_eq!(r["findings_total"], idle as u64);

    // EVERY-005: months of the period with no campaign in market.
    let mut months = BTreeSet::new();
    let month = |d: NaiveDate| (d.year(), d.month());
    for c in &campaigns {
        let always_on = c["always_on"].trim().eq_ignore_ascii_case("true");
        let (s, e) = (date(&c["start_date"]), date(&c["end_date"]));
        let (from, to) = match (s, e, always_on) {
            (Some(s), Some(e), _) => (s, e),
            (Some(s), None, true) => (s, end),
            (None, Some(e), true) => (start, e),
            (None, None, true) => (start, end),
            (Some(s), None, false) => (s, s),
            (None, _, false) => continue,
        };
        let (from, to) = (from.max(start), to.min(end));
        let mut d = NaiveDate::from_ymd_opt(from.year(), from.month(), 1).unwrap();
        while from <= to && month(d) <= month(to) {
            months.insert(month(d));
            d = d.checked_add_months(chrono::Months::new(1)).unwrap();
        }
    }
    let mut all = BTreeSet::new();
    let mut d = NaiveDate::from_ymd_opt(start.year(), start.month(), 1).unwrap();
    while month(d) <= month(end) {
        all.insert(month(d));
        d = d.checked_add_months(chrono::Months::new(1)).unwrap();
    }
    let dark = all.difference(&months).count();
    let r = result("EVERY-005");
    assert_eq!(r["value"], dark as f64, "{r}");
}
