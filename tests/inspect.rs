//! `mktaudit inspect` says what was read and what is missing; `mktaudit init`
//! starts a bundle with templates and the checklist of what to gather.

mod common;
use common::*;

const NEWUSER: &str = "tests/fixtures/exports/newuser";

#[test]
fn inspect_json_names_every_mapping_and_reason() {
    let o = with_starter(&["inspect", NEWUSER, "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let i: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(i["org"], "Acme Robotics");
    let ds = |name: &str| {
        i["datasets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["name"] == name)
            .unwrap_or_else(|| panic!("no {name}"))
            .clone()
    };
    let opps = ds("opportunities");
    assert_eq!(opps["source"], "salesforce-opportunity");
    assert_eq!(opps["source_by"], "bundle.yaml");
    assert_eq!(opps["rows"], 6);
    assert_eq!(opps["footer_dropped"], 5);
    let col = |d: &serde_json::Value, field: &str| {
        d["columns"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["field"] == field)
            .unwrap()
            .clone()
    };
    assert_eq!(col(&opps, "amount")["header"], "Amount");
    assert_eq!(col(&opps, "amount")["origin"]["by"], "source");
    assert_eq!(col(&opps, "is_won")["header"], "Stage");
    assert_eq!(col(&opps, "is_won")["origin"]["by"], "derived");
    assert_eq!(opps["date_ranges"][0]["field"], "close_date");
    assert_eq!(opps["date_ranges"][0]["from"], "2025-03-28");
    let camps = ds("campaigns");
    assert_eq!(camps["source_by"], "recognised by its header");
    assert_eq!(camps["header_line"], 3);
    assert_eq!(camps["totals_dropped"], 2);
    assert_eq!(col(&camps, "type")["origin"]["by"], "constant");
    let kpis = ds("kpis");
    assert_eq!(kpis["sheet"], "KPIs");
    assert_eq!(col(&kpis, "audience")["header"], "Reported to");
    assert_eq!(col(&kpis, "audience")["origin"]["by"], "alias");
    assert_eq!(col(&kpis, "id")["origin"]["by"], "field_name");
    assert!(i["rules"].as_array().unwrap().iter().all(|r| r["assessable"] == true));
    let joins = i["joins"].as_array().unwrap();
    assert!(
        joins
            .iter()
            .any(|j| j["kind"] == "unknown_reference" && j["examples"][0] == "Automate 2025 booth"),
        "{joins:?}"
    );
    assert!(
        joins
            .iter()
            .any(|j| j["kind"] == "outside_period" && j["field"] == "close_date" && j["count"] == 2),
        "{joins:?}"
    );
}

#[test]
fn inspect_says_what_is_missing_and_who_has_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("opportunities.csv"),
        "id,created_date,amount\nO1,2025-02-01,100\n",
    )
    .unwrap();
    let o = with_starter(&["inspect", dir.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("Rules: 0 of 3 can be assessed"), "{text}");
    assert!(text.contains("missing: opportunities.source"), "{text}");
    assert!(text.contains("kpis (unlocks CRED-001): ask CMO's office."), "{text}");
    assert!(text.contains("id            -> id"), "{text}");
    assert!(
        text.contains("opportunities.source: not in opportunities.csv (unlocks ACCT-004)"),
        "{text}"
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("kpis.csv"), "id,name,audience\nK1,Pipeline,board\n").unwrap();
    let text = stdout(&with_starter(&["inspect", dir.path().to_str().unwrap()]));
    assert!(
        text.contains("exports read as they are: hubspot-deals, maven-crm-opportunities, salesforce-opportunity"),
        "{text}"
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("opportunities.csv"),
        "id,created_date,amount,source\nO1,2025-02-01,100,\n",
    )
    .unwrap();
    let text = stdout(&with_starter(&["inspect", dir.path().to_str().unwrap()]));
    assert!(
        text.contains("opportunities.source: empty in every row of opportunities.csv"),
        "{text}"
    );
}

#[test]
fn init_writes_templates_and_a_checklist_that_load() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("acme-2025");
    let o = mktaudit(&["init", dir.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    for f in [
        "bundle.yaml",
        "GATHER.md",
        "bundle.schema.json",
        "org.yaml",
        "kpis.csv",
        "opportunities.csv",
        "campaign_members.csv",
    ] {
        assert!(dir.join(f).is_file(), "{f} written");
    }
    let kpis = std::fs::read_to_string(dir.join("kpis.csv")).unwrap();
    assert_eq!(kpis, "id,name,definition,owner,target,actual,unit,audience,cadence\n");
    let manifest = std::fs::read_to_string(dir.join("bundle.yaml")).unwrap();
    assert!(manifest.starts_with("# yaml-language-server: $schema=bundle.schema.json\n"));
    assert!(manifest.contains("source: salesforce-opportunity"));
    // Uncommented, the example settings and entries are a valid manifest.
    let lines: Vec<&str> = manifest.lines().collect();
    let start = lines.iter().position(|l| *l == "# datasets:").unwrap();
    let end = start + lines[start..].iter().position(|l| *l == "#").unwrap();
    let settings = lines
        .iter()
        .filter(|l| ["# org:", "# period:", "# currency:"].iter().any(|k| l.starts_with(k)));
    let uncommented: String = settings
        .chain(&lines[start..end])
        .map(|l| format!("{}\n", &l[2..]))
        .collect();
    let parsed: Result<mktaudit::testing::bundle::Manifest, _> = mktaudit::testing::yaml::from_str(&uncommented);
    assert!(parsed.is_ok(), "{uncommented}\n{parsed:?}");
    let gather = std::fs::read_to_string(dir.join("GATHER.md")).unwrap();
    assert!(gather.contains("## [ ] `opportunities`"), "{gather}");
    assert!(gather.contains("- **Ask:** CRM admin or sales operations"), "{gather}");
    assert!(
        gather.contains("  - ACCT-004: Marketing-sourced pipeline is outside the band"),
        "{gather}"
    );
    assert!(gather.contains("`hubspot-deals` (HubSpot deals export)"), "{gather}");
    let first_item = &gather[gather.find("## [ ]").unwrap()..];
    let first_item = &first_item[..first_item[3..].find("## ").map_or(first_item.len(), |i| i + 3)];
    assert!(
        first_item.contains("- **Unlocks:**\n  - "),
        "datasets that unlock rules come first:\n{first_item}"
    );

    // The untouched scaffold loads; with no rows nothing can be assessed (never a pass).
    let o = with_starter(&["audit", dir.to_str().unwrap(), "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    for r in report["results"].as_array().unwrap() {
        assert_eq!(r["status"], "not_assessed", "{r}");
    }
    let o = with_starter(&["inspect", dir.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(
        text.contains("rows: 0, header on line 1 (no rows: treated as missing)"),
        "{text}"
    );
    assert!(
        !text.contains("GATHER.md"),
        "scaffold files are not reported as data: {text}"
    );
}

#[test]
fn init_refuses_a_folder_that_is_not_empty() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.txt"), "mine").unwrap();
    let o = mktaudit(&["init", dir.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("is not empty"), "{}", stderr(&o));
    let entries: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(entries.len(), 1, "nothing written");
}

#[test]
fn inspect_of_a_broken_bundle_is_a_diagnostic() {
    let o = with_starter(&["inspect", "tests/fixtures/broken/bundle-bad-cell"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("opportunities.csv:2:15"), "{}", stderr(&o));
    let o = with_starter(&["inspect", NEWUSER, "--format", "xml"]);
    assert_eq!(o.status.code(), Some(2));
}
