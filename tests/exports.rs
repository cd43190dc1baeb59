//! Real exports read as they come: Salesforce, HubSpot, Google Ads, Meta Ads
//! Manager and spreadsheets, from fixtures that reproduce each format byte
//! for byte, and the real third-party pipeline in `../shared/data`.

mod common;
use common::*;
use mktaudit::testing::bundle::{Bundle, Origin, load_bundle};
use mktaudit::testing::value::Value;
use std::path::{Path, PathBuf};

const FORMATS: &str = "tests/fixtures/exports/formats";
const NEWUSER: &str = "tests/fixtures/exports/newuser";

/// A bundle in a temporary folder: fixture files copied byte for byte under
/// the given names, plus an optional bundle.yaml.
fn bundle_of(files: &[(&str, &str)], manifest: Option<&str>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (fixture, name) in files {
        std::fs::copy(Path::new(FORMATS).join(fixture), dir.path().join(name)).unwrap();
    }
    if let Some(m) = manifest {
        std::fs::write(dir.path().join("bundle.yaml"), m).unwrap();
    }
    dir
}

fn load(dir: &Path) -> Bundle {
    load_bundle(dir, None).unwrap_or_else(|p| panic!("{}", p.render(false)))
}

fn value(b: &Bundle, ds: &str, field: &str, row: usize) -> Value {
    b.dataset(ds).unwrap_or_else(|| panic!("no {ds}")).value(field, row)
}

fn num(n: f64) -> Value {
    Value::Number(n)
}

fn text(s: &str) -> Value {
    Value::Text(s.into())
}

fn date(s: &str) -> Value {
    Value::Date(s.parse().unwrap())
}

#[test]
fn new_user_folder_audits_without_cleaning() {
    let b = load(Path::new(NEWUSER));
    let names: Vec<&str> = b.datasets.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        ["campaigns", "kpis", "leads", "meetings", "opportunities", "people"]
    );
    // Salesforce opportunity report: labels, US dates, footer dropped, won/closed from the stage.
    let o = "opportunities";
    assert_eq!(b.dataset(o).unwrap().rows, 6);
    assert_eq!(value(&b, o, "id", 0), text("0065g00000AbC1DAAV"));
    assert_eq!(value(&b, o, "amount", 0), num(85000.0));
    assert_eq!(value(&b, o, "close_date", 0), date("2025-03-28"));
    assert_eq!(value(&b, o, "created_date", 0), date("2025-01-15"));
    assert_eq!(value(&b, o, "source", 0), text("Webinar"));
    assert_eq!(value(&b, o, "is_won", 0), Value::Bool(true));
    assert_eq!(value(&b, o, "is_closed", 1), Value::Bool(true));
    assert_eq!(value(&b, o, "is_won", 1), Value::Bool(false));
    assert_eq!(value(&b, o, "is_closed", 2), Value::Bool(false));
    assert_eq!(value(&b, o, "campaign_id", 1), Value::Null);
    // HubSpot contacts: lifecycle stages in our vocabulary, datetimes as dates.
    let l = "leads";
    assert_eq!(value(&b, l, "id", 0), text("51"));
    assert_eq!(value(&b, l, "stage", 0), text("won"));
    assert_eq!(value(&b, l, "stage", 1), text("sql"));
    assert_eq!(value(&b, l, "stage", 2), text("mql"));
    assert_eq!(value(&b, l, "stage", 4), text("inquiry"));
    assert_eq!(value(&b, l, "source", 1), text("Paid Search"));
    assert_eq!(value(&b, l, "created_date", 0), date("2025-01-08"));
    assert_eq!(value(&b, l, "mql_date", 3), Value::Null);
    // Google Ads: recognised by its header, preamble and totals dropped, "--" missing.
    let c = "campaigns";
    assert_eq!(b.dataset(c).unwrap().rows, 3);
    assert_eq!(value(&b, c, "name", 0), text("Brand - Search"));
    assert_eq!(value(&b, c, "cost", 0), num(2853.84));
    assert_eq!(value(&b, c, "leads", 1), Value::Null);
    assert_eq!(value(&b, c, "channel", 1), text("paid_display"));
    assert_eq!(value(&b, c, "channel", 2), text("paid_search"));
    assert_eq!(value(&b, c, "type", 0), text("paid"));
    // The KPI workbook: one dataset per sheet, Excel dates as dates.
    assert_eq!(value(&b, "kpis", "name", 0), text("Email click rate"));
    assert_eq!(value(&b, "kpis", "audience", 0), text("Board"));
    assert_eq!(value(&b, "kpis", "actual", 2), num(5_400_000.0));
    assert_eq!(value(&b, "meetings", "date", 1), date("2025-04-08"));
    assert_eq!(
        value(&b, "meetings", "attendees", 1),
        Value::List(vec!["p-ceo".into(), "p-cro".into(), "p-cmo".into()])
    );
    assert_eq!(value(&b, "people", "function", 3), text("marketing"));
    assert_eq!(b.reads["kpis"].sheet.as_deref(), Some("KPIs"));

    let o = with_starter(&["audit", NEWUSER, "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let status = |id: &str| {
        report["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .map(|r| r["status"].as_str().unwrap().to_string())
            .unwrap()
    };
    assert_eq!(status("CRED-001"), "fail", "the vanity KPIs in the workbook are found");
    assert_eq!(status("STRAT-003"), "fail", "the CMO missed 3 of 4 strategy meetings");
    assert_eq!(status("ACCT-004"), "pass");
}

#[test]
fn the_real_maven_pipeline_loads_and_attribution_is_not_assessed() {
    let data = Path::new("../shared/data");
    if !data.join("crm_sales_pipeline.csv").is_file() {
        assert!(
            std::env::var_os("CI").is_none(),
            "../shared/data/crm_sales_pipeline.csv is missing in CI"
        );
        eprintln!("skipped: ../shared/data is absent (it sits beside the clone in CI)");
        return;
    }
    let b = load(data);
    let o = b.dataset("opportunities").unwrap();
    assert_eq!(o.rows, 8800);
    assert_eq!(
        b.reads["opportunities"].source.as_deref(),
        Some("maven-crm-opportunities")
    );
    assert_eq!(o.value("id", 0), text("1C1I7A6R"));
    assert_eq!(o.value("stage", 0), text("Won"));
    assert_eq!(o.value("is_won", 0), Value::Bool(true));
    assert_eq!(o.value("amount", 0), num(1054.0));
    assert_eq!(o.value("created_date", 0), date("2016-10-20"));
    let won = (0..o.rows)
        .filter(|r| o.value("is_won", *r) == Value::Bool(true))
        .count();
    let closed = (0..o.rows)
        .filter(|r| o.value("is_closed", *r) == Value::Bool(true))
        .count();
    assert_eq!(won, 4238);
    assert_eq!(closed, 6711);
    assert!(!o.has_field("source"));

    let out = with_starter(&["audit", "../shared/data", "--as-of", "2017-12-31", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let acct = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "ACCT-004")
        .unwrap();
    assert_eq!(acct["status"], "not_assessed");
    assert!(acct["missing"].to_string().contains("opportunities.source"), "{acct}");
    // The exports tier of the default pack judges what the pipeline export alone can show.
    let out = mktaudit(&["audit", "../shared/data", "--as-of", "2017-12-31", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let status = |id: &str| {
        let r = report["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .unwrap();
        (
            r["status"].as_str().unwrap().to_string(),
            r["message"].as_str().unwrap().to_string(),
        )
    };
    let (s, m) = status("COMP-006");
    assert_eq!(s, "warn", "{m}");
    // Maven leaves close_value empty on the 2,089 deals still open.
    assert!(m.contains("2,089 of 8,800 have no amount or no stage"), "{m}");
    assert_eq!(status("CRED-006").0, "pass");
    let (s, m) = status("STRAT-008");
    assert_eq!(s, "pass", "{m}");
    assert!(m.starts_with("0 of 4,238 won deals"), "{m}");
    assert_eq!(status("ACCT-007").0, "not_assessed");
    let tiers = &report["bundle"]["tiers"];
    assert_eq!(
        (tiers[0]["tier"].as_str(), tiers[0]["assessed"].as_u64()),
        (Some("exports"), Some(3))
    );

    let out = with_starter(&["inspect", "../shared/data"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("rows: 8800"), "{text}");
    assert!(
        text.contains("maven-crm-opportunities (recognised by its header)"),
        "{text}"
    );
    assert!(text.contains("engage_date     -> created_date"), "{text}");
    assert!(text.contains("NOT   ACCT-004"), "{text}");
    assert!(text.contains("missing: opportunities.source"), "{text}");
    assert!(
        text.contains("opportunities.source: not in crm_sales_pipeline.csv (unlocks ACCT-004)"),
        "{text}"
    );
}

#[test]
fn salesforce_data_loader_exports() {
    let dir = bundle_of(
        &[
            ("salesforce-dataloader-opportunity.csv", "extract.csv"),
            ("salesforce-dataloader-campaign.csv", "campaigns.csv"),
            ("salesforce-dataloader-campaignmember.csv", "extract (2).csv"),
        ],
        None,
    );
    let b = load(dir.path());
    let o = "opportunities";
    assert_eq!(b.reads[o].source.as_deref(), Some("salesforce-opportunity"));
    assert_eq!(value(&b, o, "stage", 0), text("Closed Won"));
    assert_eq!(value(&b, o, "is_won", 0), Value::Bool(true));
    assert_eq!(value(&b, o, "is_won", 1), Value::Bool(false));
    assert_eq!(value(&b, o, "created_date", 0), date("2025-01-15"));
    assert_eq!(value(&b, o, "amount", 3), Value::Null);
    let origin = |ds: &str, field: &str| {
        b.reads[ds]
            .columns
            .iter()
            .find(|c| c.field == field)
            .map(|c| (c.header.clone(), c.origin.clone()))
            .unwrap()
    };
    let sf = Origin::Source {
        source: "salesforce-opportunity".into(),
    };
    assert_eq!(
        origin(o, "is_won"),
        ("ISWON".into(), sf),
        "the column wins over the derivation"
    );
    let c = "campaigns";
    assert_eq!(b.reads[c].source.as_deref(), Some("salesforce-campaign"));
    assert_eq!(value(&b, c, "cost", 0), num(12850.5));
    assert_eq!(value(&b, c, "budgeted_cost", 0), num(15000.0));
    assert_eq!(value(&b, c, "type", 1), text("event"));
    assert_eq!(value(&b, c, "channel", 1), text("events"));
    assert_eq!(value(&b, c, "attendees", 1), Value::Null);
    let m = "campaign_members";
    assert_eq!(value(&b, m, "campaign_id", 0), text("7015g000000XyZaAAK"));
    assert_eq!(value(&b, m, "responded", 1), Value::Bool(false));
    assert_eq!(value(&b, m, "first_responded_date", 0), date("2025-02-05"));

    // Joins: one opportunity names a campaign not in the export, one id is duplicated.
    let out = with_starter(&["inspect", dir.path().to_str().unwrap(), "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let i: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let joins = i["joins"].as_array().unwrap();
    let find = |kind: &str, ds: &str| {
        joins
            .iter()
            .find(|j| j["kind"] == kind && j["dataset"] == ds)
            .unwrap_or_else(|| panic!("no {kind} for {ds}: {joins:?}"))
    };
    let unknown = find("unknown_reference", "opportunities");
    assert_eq!(unknown["count"], 1);
    assert_eq!(unknown["examples"][0], "7015g000000XyZzAAK");
    let dup = find("duplicate_id", "opportunities");
    assert_eq!(dup["examples"][0], "0065g00000AbC1FAAV (2x)");
    assert_eq!(find("not_checked", "campaign_members")["field"], "lead_id");
}

#[test]
fn salesforce_campaign_influence_names_the_deals_counted_twice() {
    let dir = bundle_of(
        &[
            ("salesforce-dataloader-opportunity.csv", "extract.csv"),
            ("salesforce-dataloader-campaigninfluence.csv", "extract (3).csv"),
        ],
        None,
    );
    let b = load(dir.path());
    let i = "campaign_influence";
    assert_eq!(b.reads[i].source.as_deref(), Some("salesforce-campaign-influence"));
    assert_eq!(b.dataset(i).unwrap().rows, 6);
    assert_eq!(value(&b, i, "opportunity_id", 0), text("0065g00000AbC1DAAV"));
    assert_eq!(value(&b, i, "campaign_name", 2), text("Automate 2025 booth"));
    // The model's label, not its record id (MODELID comes after it and is a duplicate).
    assert_eq!(value(&b, i, "model", 1), text("Even Distribution"));
    // Influence is a percentage of the deal, RevenueShare that share in money.
    assert_eq!(value(&b, i, "share", 1), num(0.5));
    assert_eq!(value(&b, i, "amount", 1), num(42500.0));
    assert_eq!(value(&b, i, "share", 5), Value::Null);

    // The deal that two campaigns each claim in full under Even Distribution is named,
    // with its campaigns; the deal split 50/50 and the Primary Campaign Source credits are not.
    let out = mktaudit(&[
        "audit",
        dir.path().to_str().unwrap(),
        "--as-of",
        "2025-12-31",
        "--select",
        "CRED-003",
        "--format",
        "json",
    ]);
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(&out)));
    let res = r["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == "CRED-003")
        .unwrap();
    assert_eq!(res["status"], "fail", "{res}");
    let msg = res["message"].as_str().unwrap();
    assert!(
        msg.starts_with("Campaign influence counts 1 deal more than once: $120,000 of pipeline is credited $240,000 under Even Distribution"),
        "{msg}"
    );
    let findings = res["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{findings:?}");
    let f = findings[0]["message"].as_str().unwrap();
    assert!(
        f.contains("Umbrella packaging cell")
            && f.contains("200% under Even Distribution")
            && f.contains("Automate 2025 booth"),
        "{f}"
    );
    // Its evidence is the credits behind it: the influence records of that deal
    // under that model, each at its line of the export.
    let csv = std::fs::read_to_string(dir.path().join("extract (3).csv")).unwrap();
    let want: Vec<(usize, String)> = csv
        .lines()
        .enumerate()
        .skip(1)
        .filter(|(_, l)| l.contains("\"0065g00000AbC1FAAV\"") && l.contains("\"Even Distribution\""))
        .map(|(i, l)| (i + 1, l.split(',').next().unwrap().trim_matches('"').to_string()))
        .collect();
    assert_eq!(want.len(), 2, "the fixture credits the deal twice");
    let got: Vec<(usize, String)> = findings[0]["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            assert_eq!(e["file"], "extract (3).csv", "{e}");
            (
                e["line"].as_u64().unwrap() as usize,
                e["record"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(got, want);
}

#[test]
fn salesforce_lead_report_with_footer_and_us_dates() {
    let dir = bundle_of(
        &[("salesforce-lead-report.csv", "report1767200000000.csv")],
        Some("datasets:\n  leads:\n    file: report1767200000000.csv\n    source: salesforce-lead\n"),
    );
    let b = load(dir.path());
    let l = "leads";
    assert_eq!(b.dataset(l).unwrap().rows, 4);
    assert_eq!(value(&b, l, "stage", 0), text("opportunity"));
    assert_eq!(value(&b, l, "stage", 1), text("sal"));
    assert_eq!(value(&b, l, "stage", 3), text("disqualified"));
    assert_eq!(value(&b, l, "created_date", 1), date("2025-02-11"));
    assert_eq!(value(&b, l, "opportunity_id", 0), text("0065g00000AbC1D"));
    assert_eq!(b.reads[l].footer_dropped, 5);
    assert_eq!(b.reads[l].totals_dropped, 1);
    assert_eq!(b.reads[l].source_by.as_deref(), Some("bundle.yaml"));
}

#[test]
fn hubspot_deals_and_meta_ads() {
    let dir = bundle_of(
        &[
            (
                "hubspot-crm-exports-all-deals-2025-12-31.csv",
                "hubspot-crm-exports-all-deals-2025-12-31.csv",
            ),
            (
                "Acme-Campaigns-Jan-1-2025-Dec-31-2025.csv",
                "Acme-Campaigns-Jan-1-2025-Dec-31-2025.csv",
            ),
        ],
        None,
    );
    let b = load(dir.path());
    let o = "opportunities";
    assert_eq!(b.reads[o].source.as_deref(), Some("hubspot-deals"));
    assert_eq!(value(&b, o, "is_won", 0), Value::Bool(true));
    assert_eq!(value(&b, o, "is_closed", 1), Value::Bool(true));
    assert_eq!(value(&b, o, "is_closed", 2), Value::Bool(false));
    assert_eq!(value(&b, o, "close_date", 0), date("2025-03-28"));
    assert_eq!(value(&b, o, "source", 2), text("Paid Search"));
    assert_eq!(value(&b, o, "amount", 3), Value::Null);
    let c = "campaigns";
    assert_eq!(b.reads[c].source.as_deref(), Some("meta-ads-campaigns"));
    assert_eq!(value(&b, c, "cost", 0), num(4500.86));
    assert_eq!(value(&b, c, "leads", 0), num(182.0));
    assert_eq!(value(&b, c, "end_date", 0), Value::Null, "`Ongoing` is no end date");
    assert_eq!(value(&b, c, "end_date", 1), date("2025-06-30"));
    assert_eq!(value(&b, c, "channel", 0), text("paid_social"));
}

#[test]
fn google_ads_excel_csv_is_utf16_and_tab_separated() {
    let dir = bundle_of(&[("google-ads-excel.csv", "Campaign report.csv")], None);
    let b = load(dir.path());
    let c = "campaigns";
    assert_eq!(b.dataset(c).unwrap().rows, 2);
    assert_eq!(value(&b, c, "cost", 0), num(2853.84));
    assert_eq!(value(&b, c, "id", 1), text("20123456790"));
    assert_eq!(b.reads[c].header_line, 3);
    assert_eq!(b.reads[c].skipped_above.len(), 2);
    assert_eq!(b.reads[c].totals_dropped, 1);
}

#[test]
fn spreadsheet_csv_quirks_bom_semicolons_decimal_commas_cr_only() {
    let dir = bundle_of(&[("kpis-semicolon.csv", "kpis.csv")], None);
    let b = load(dir.path());
    assert_eq!(
        value(&b, "kpis", "id", 0),
        text("K-01"),
        "the BOM is not part of the header"
    );
    assert_eq!(value(&b, "kpis", "target", 0), num(0.035));
    assert_eq!(value(&b, "kpis", "actual", 1), num(5_400_000.0));
    assert_eq!(value(&b, "kpis", "audience", 1), text("Executive"));

    // Windows-1252, as older Excel saves it: 0x80 is the euro sign.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("kpis.csv"),
        b"id;name;target\r\nK1;Pipeline;\x801.234,50\r\n",
    )
    .unwrap();
    let b = load(dir.path());
    assert_eq!(value(&b, "kpis", "target", 0), num(1234.5));

    let dir = bundle_of(&[("kpis-cr.csv", "kpis.csv")], None);
    let b = load(dir.path());
    let k = b.dataset("kpis").unwrap();
    assert_eq!(k.rows, 2, "a lone CR ends a line");
    assert_eq!(k.line(1), Some(3));
    assert_eq!(value(&b, "kpis", "actual", 1), num(5_400_000.0));
}

#[test]
fn manifest_overrides_win_and_show_in_inspect() {
    let dir = bundle_of(
        &[("salesforce-lead-report.csv", "leads-export.csv")],
        Some(concat!(
            "datasets:\n  leads:\n    file: leads-export.csv\n    source: salesforce-lead\n",
            "    columns:\n      Company / Account: ignore\n      Lead Status: ignore\n      First Name: ignore\n      Last Name: ignore\n",
        )),
    );
    let b = load(dir.path());
    assert!(!b.dataset("leads").unwrap().has_field("stage"));
    assert!(b.reads["leads"].dropped.contains(&"Lead Status".to_string()));
    let out = with_starter(&["inspect", dir.path().to_str().unwrap()]);
    let text = stdout(&out);
    assert!(
        text.contains("dropped by bundle.yaml: First Name, Last Name, Company / Account, Lead Status"),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.trim_start().starts_with("Lead Source ")
                && l.ends_with("-> source           source salesforce-lead")),
        "{text}"
    );
}

#[test]
fn a_mapping_of_your_own() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("pipedrive.csv"),
        "Deal ID;Title;Status;Value;Won time;Deal created\n1;Globex;won;85.000,00;2025-03-28;2025-01-15\n2;Initech;open;42.000,00;;2025-02-03\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("my-crm.yaml"),
        "title: Pipedrive deals\ndataset: opportunities\ncolumns:\n  id: [Deal ID]\n  name: [Title]\n  stage: [Status]\n  amount: [Value]\n  close_date: [Won time]\n  created_date: [Deal created]\nderive:\n  is_won: { from: stage, map: { won: true }, otherwise: false }\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("bundle.yaml"),
        "datasets:\n  opportunities:\n    file: pipedrive.csv\n    mapping: my-crm.yaml\n",
    )
    .unwrap();
    let b = load(dir.path());
    assert_eq!(value(&b, "opportunities", "amount", 0), num(85000.0));
    assert_eq!(value(&b, "opportunities", "is_won", 1), Value::Bool(false));
    assert_eq!(b.reads["opportunities"].source.as_deref(), Some("my-crm"));
    assert_eq!(
        b.reads["opportunities"].source_by.as_deref(),
        Some("mapping file my-crm.yaml")
    );
    assert!(
        !b.notes.iter().any(|n| n.file == "my-crm.yaml"),
        "the mapping file is not data: {:?}",
        b.notes
    );
}

/// Runs `command` (audit or inspect) on a bundle that must be refused.
fn bad_with(command: &str, files: &[(&str, &[u8])]) -> String {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in files {
        std::fs::write(dir.path().join(name), bytes).unwrap();
    }
    let o = mktaudit(&[command, dir.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    let err = stderr(&o);
    assert!(!err.contains("panicked"), "{err}");
    err
}

fn bad(files: &[(&str, &[u8])]) -> String {
    bad_with("audit", files)
}

#[test]
fn unknown_sources_and_bad_mappings_are_diagnosed() {
    let err = bad(&[
        ("opps.csv", b"id\n1\n"),
        (
            "bundle.yaml",
            b"datasets:\n  opportunities:\n    file: opps.csv\n    source: salesforce-oportunity\n",
        ),
    ]);
    assert!(err.contains("unknown source `salesforce-oportunity`"), "{err}");
    assert!(err.contains("did you mean `salesforce-opportunity`?"), "{err}");
    assert!(err.contains("bundle.yaml:4:"), "{err}");

    let err = bad(&[
        ("opps.csv", b"id\n1\n"),
        (
            "bundle.yaml",
            b"datasets:\n  leads:\n    file: opps.csv\n    source: hubspot-deals\n",
        ),
    ]);
    assert!(
        err.contains("`hubspot-deals` maps an export onto `opportunities`"),
        "{err}"
    );

    let err = bad(&[
        ("opps.csv", b"id\n1\n"),
        ("map.yaml", b"dataset: opportunities\ncolumns:\n  amont: [Value]\n"),
        (
            "bundle.yaml",
            b"datasets:\n  opportunities:\n    file: opps.csv\n    mapping: map.yaml\n",
        ),
    ]);
    assert!(err.contains("`amont` is not a field of `opportunities`"), "{err}");
    assert!(err.contains("did you mean `amount`?"), "{err}");
    assert!(err.contains("map.yaml:3:"), "{err}");
}

#[test]
fn a_bad_spreadsheet_cell_is_named_by_sheet_and_cell() {
    let bytes = std::fs::read(PathBuf::from(FORMATS).join("kpis-bad-cell.xlsx")).unwrap();
    // No default rule reads `kpis.actual`: a note in both commands, named by sheet and cell.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("kpis.xlsx"), &bytes).unwrap();
    for command in ["audit", "inspect"] {
        let o = mktaudit(&[command, dir.path().to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(0), "{command}: {}", stderr(&o));
        let out = stdout(&o).split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            out.contains("[Sheet1] D3, column `Actual` (kpis.actual): expected a number"),
            "{command}: {out}"
        );
        assert!(out.contains("about a thousand"), "{command}: {out}");
    }
    // A column the rules read is an error, named the same way. The sheet also
    // has a `Target` column: the user's `columns:` line wins over it.
    let err = bad_with(
        "audit",
        &[
            ("kpis.xlsx", &bytes),
            ("bundle.yaml", b"datasets:\n  kpis:\n    columns: { Actual: target }\n"),
        ],
    );
    assert!(err.contains("kpis.xlsx [Sheet1] D3"), "{err}");
}

/// A header named like a field loses to the column bundle.yaml maps to that
/// field, wherever it sits in the file, and the report says which was read.
#[test]
fn a_columns_line_wins_over_a_header_named_like_the_field() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("leads.csv"),
        "id,source,Original Source Drill-Down 1\nL1,Unknown,Webinar\nL2,,Paid Search\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("bundle.yaml"),
        "datasets:\n  leads:\n    columns: { Original Source Drill-Down 1: source }\n",
    )
    .unwrap();
    let o = mktaudit(&["inspect", dir.path().to_str().unwrap(), "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(
        text.contains("source (duplicate of `source`, read from `Original Source Drill-Down 1`)"),
        "{text}"
    );
    let o = mktaudit(&[
        "audit",
        dir.path().to_str().unwrap(),
        "--format",
        "json",
        "--select",
        "ACCT-006",
    ]);
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let read: Vec<&str> = report["bundle"]["values"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["dataset"] == "leads" && r["field"] == "source")
        .flat_map(|r| r["values"].as_array().unwrap())
        .map(|v| v["value"].as_str().unwrap())
        .collect();
    assert_eq!(read, ["Paid Search", "Webinar"], "{report}");
}

#[test]
fn a_short_row_in_the_middle_is_still_an_error() {
    let err = bad(&[("kpis.csv", b"id,name,audience\nK1\nK2,Pipeline,board\n")]);
    assert!(err.contains("row has 1 fields but the header has 3"), "{err}");
    assert!(err.contains("kpis.csv:2:1"), "{err}");
}

#[test]
fn sources_reference_matches_the_mapping_files() {
    const MARKER: &str = "<!-- Generated from src/bundle/sources/*.yaml by `UPDATE_DOCS=1 cargo test --test exports`; do not edit below. -->\n\n";
    let path = Path::new("docs/sources.md");
    let current = std::fs::read_to_string(path).unwrap_or_default();
    let head = current.split(MARKER).next().unwrap_or_default();
    assert!(
        head.contains("# Reading exports as they come"),
        "docs/sources.md lost its introduction"
    );
    let expected = format!(
        "{head}{MARKER}{}",
        mktaudit::testing::bundle::source::reference_markdown()
    );
    if current != expected {
        if std::env::var_os("UPDATE_DOCS").is_some() {
            std::fs::write(path, expected).unwrap();
        } else {
            panic!("docs/sources.md is stale; run `UPDATE_DOCS=1 cargo test --test exports` and commit it");
        }
    }
}

#[test]
fn the_documented_mapping_example_is_valid() {
    let doc = std::fs::read_to_string("docs/sources.md").unwrap();
    let section = doc.split("## Writing a mapping").nth(1).unwrap();
    let yaml = section.split("```yaml\n").nth(1).unwrap().split("```").next().unwrap();
    let def: mktaudit::testing::bundle::source::SourceDef = mktaudit::testing::yaml::from_str(yaml).unwrap();
    assert_eq!(def.validate(), Vec::<String>::new());
}

#[test]
fn sheets_named_in_the_manifest() {
    let book = std::fs::read(Path::new(NEWUSER).join("Leadership scorecard.xlsx")).unwrap();
    let err = bad(&[
        ("book.xlsx", &book),
        (
            "bundle.yaml",
            b"datasets:\n  meetings:\n    file: book.xlsx\n    sheet: Meeting\n",
        ),
    ]);
    assert!(err.contains("`book.xlsx` has no sheet `Meeting`"), "{err}");
    assert!(err.contains("did you mean `Meetings`?"), "{err}");

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("book.xlsx"), &book).unwrap();
    std::fs::write(
        dir.path().join("bundle.yaml"),
        "datasets:\n  kpis:\n    file: book.xlsx\n    sheet: KPIs\n  people:\n    file: book.xlsx\n    sheet: people\n",
    )
    .unwrap();
    let b = load(dir.path());
    assert_eq!(b.datasets.keys().collect::<Vec<_>>(), ["kpis", "people"]);
    assert_eq!(b.reads["people"].sheet.as_deref(), Some("People"));
}

#[test]
fn a_mapping_value_that_cannot_be_read_is_refused() {
    let err = bad(&[
        ("opps.csv", b"Status\nwon\n"),
        (
            "map.yaml",
            b"dataset: opportunities\ncolumns:\n  stage: [Status]\nderive:\n  is_won: { from: stage, map: { won: yes please } }\n",
        ),
        ("bundle.yaml", b"datasets:\n  opportunities:\n    file: opps.csv\n    mapping: map.yaml\n"),
    ]);
    assert!(err.contains("value for `is_won`: expected true/false"), "{err}");
}

#[test]
fn a_source_applies_to_json_records_too() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("deals.json"),
        r#"[{"Record ID": "9001", "Deal Stage": "Closed Won", "Amount": 85000}, {"Record ID": "9002", "Deal Stage": "Contract Sent", "Amount": 1000}]"#,
    )
    .unwrap();
    std::fs::write(
        dir.path().join("bundle.yaml"),
        "datasets:\n  opportunities:\n    file: deals.json\n    source: hubspot-deals\n",
    )
    .unwrap();
    let b = load(dir.path());
    assert_eq!(value(&b, "opportunities", "is_won", 0), Value::Bool(true));
    assert_eq!(value(&b, "opportunities", "is_closed", 1), Value::Bool(false));
    assert_eq!(value(&b, "opportunities", "amount", 0), num(85000.0));
}

/// Issue 17's "done when": a leads export and an opportunities export
/// carrying `lead_id`, no bundle.yaml: at least 8 rules assessed, and the
/// report shows conversion by lead source with the unknown-source share.
#[test]
fn leads_and_opportunities_alone_make_an_audit() {
    let dir = Path::new("tests/fixtures/exports/crm-only");
    assert!(!dir.join("bundle.yaml").exists());
    let o = mktaudit(&[
        "audit",
        dir.to_str().unwrap(),
        "--as-of",
        "2025-12-31",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let r: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let results = r["results"].as_array().unwrap();
    let assessed: Vec<&str> = results
        .iter()
        .filter(|x| matches!(x["status"].as_str(), Some("pass" | "warn" | "fail")))
        .map(|x| x["id"].as_str().unwrap())
        .collect();
    assert!(assessed.len() >= 8, "only {} assessed: {assessed:?}", assessed.len());
    let conversion = results.iter().find(|x| x["id"] == "ACCT-006").unwrap();
    let message = conversion["message"].as_str().unwrap();
    // 39 of the 120 leads have a blank source or "Other"; 30 became deals.
    assert!(
        message.starts_with("39 of 120 leads (33%) have a blank or unknown source"),
        "{message}"
    );
    assert!(
        message.contains("Converted to an opportunity: 30 of 120 (25%)"),
        "{message}"
    );
    assert!(message.contains("by source: Employee Referral 4 of 13;"), "{message}");
    assert_eq!(conversion["status"], "fail");
    // The join is checked: every lead id on an opportunity is in the leads export.
    let join = results.iter().find(|x| x["id"] == "COMP-007").unwrap();
    assert_eq!(join["status"], "pass", "{join}");
    assert!(
        join["message"].as_str().unwrap().starts_with("30 of 30 links"),
        "{join}"
    );
}

/// `inspect` calls a rule assessable exactly when `audit` assesses it:
/// both decide by evaluating the rule (ACCT-001 has no `requires:` and ends
/// not assessed from its plan; inspect once called it ready).
#[test]
fn inspect_and_audit_agree_on_what_is_assessed() {
    let dir = "tests/fixtures/exports/crm-only";
    let i = mktaudit(&["inspect", dir, "--format", "json"]);
    assert_eq!(i.status.code(), Some(0), "{}", stderr(&i));
    let i: serde_json::Value = serde_json::from_str(&stdout(&i)).unwrap();
    let a = mktaudit(&["audit", dir, "--format", "json"]);
    let a: serde_json::Value = serde_json::from_str(&stdout(&a)).unwrap();
    let ready: std::collections::BTreeMap<&str, bool> = i["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["id"].as_str().unwrap(), r["assessable"].as_bool().unwrap()))
        .collect();
    for r in a["results"].as_array().unwrap() {
        let id = r["id"].as_str().unwrap();
        let assessed = !matches!(r["status"].as_str(), Some("not_assessed" | "error"));
        assert_eq!(
            ready[id], assessed,
            "{id}: inspect and audit disagree ({})",
            r["status"]
        );
    }
    assert!(!ready["ACCT-001"], "ACCT-001 has no targets or KPIs to judge");
    let tiers: Vec<(&str, &str)> = i["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["id"].as_str().unwrap(), r["tier"].as_str().unwrap()))
        .collect();
    assert!(tiers.contains(&("ACCT-006", "exports")) && tiers.contains(&("CRED-001", "documents")));
    // The join of opportunities to leads, with its match rate.
    let rates = i["match_rates"].as_array().unwrap();
    assert_eq!(rates.len(), 1, "{rates:?}");
    assert_eq!(rates[0]["join"], "opportunities.lead_id -> leads");
    assert_eq!(
        (rates[0]["linked"].as_u64(), rates[0]["matched"].as_u64()),
        (Some(30), Some(30))
    );
}

/// Ad-platform headers, camelCase JSON keys, constants in bundle.yaml and a
/// hint for a near-miss header, each read without editing the export.
#[test]
fn exports_map_without_traps() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("campaigns.csv"),
        "Campaign name,Spent,Impr.,Conv.\nSpring promo,\"1,200.50\",\"34,000\",12\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("leads.json"),
        r#"[{"leadId": "L1", "LeadSource": "Webinar", "campaignId": "C1", "createdDate": "2025-03-01", "Lead Sourse Detail": "x", "Emial": "a@b.c"}]"#,
    )
    .unwrap();
    std::fs::write(dir.path().join("deals.csv"), "Deal ID,Amount\nD1,100\n").unwrap();
    std::fs::write(
        dir.path().join("bundle.yaml"),
        "datasets:\n  opportunities:\n    constants:\n      source: marketing\n",
    )
    .unwrap();
    let b = load(dir.path());
    assert_eq!(value(&b, "campaigns", "cost", 0), num(1200.5));
    assert_eq!(value(&b, "campaigns", "impressions", 0), num(34000.0));
    assert_eq!(value(&b, "campaigns", "leads", 0), num(12.0));
    assert_eq!(value(&b, "leads", "id", 0), text("L1"));
    assert_eq!(value(&b, "leads", "source", 0), text("Webinar"));
    assert_eq!(value(&b, "leads", "campaign_id", 0), text("C1"));
    assert_eq!(value(&b, "leads", "created_date", 0), date("2025-03-01"));
    assert_eq!(value(&b, "opportunities", "source", 0), text("marketing"));
    let hint = b
        .notes
        .iter()
        .find(|n| n.message.contains("`Emial`"))
        .unwrap_or_else(|| panic!("no hint for Emial in {:?}", b.notes));
    assert!(
        hint.message
            .contains("add `Emial: email` under `datasets: leads: columns:`"),
        "{}",
        hint.message
    );
}

#[test]
fn marketo_list_export_and_bulk_lead_extract() {
    // A list export: column labels, CRLF, US dates with a time, a blank source.
    let dir = bundle_of(&[("marketo-people-export.csv", "Webinar leads Q1-Q2.csv")], None);
    let b = load(dir.path());
    let l = "leads";
    assert_eq!(
        b.reads[l].source.as_deref(),
        Some("marketo-leads"),
        "recognised by its header"
    );
    assert_eq!(b.dataset(l).unwrap().rows, 4);
    assert_eq!(value(&b, l, "created_date", 0), date("2025-03-14"));
    assert_eq!(value(&b, l, "stage", 0), text("mql"));
    assert_eq!(value(&b, l, "stage", 2), text("opportunity"));
    assert_eq!(value(&b, l, "stage", 3), text("recycled"));
    assert_eq!(value(&b, l, "source", 3), Value::Null);
    assert_eq!(value(&b, l, "email", 1), text("ben@initech.com"));
    assert_eq!(value(&b, l, "campaign_id", 1), text("2025-04 TPM Booth"));

    // The REST Bulk Lead Extract: API names and ISO timestamps.
    let dir = bundle_of(&[("marketo-bulk-lead-extract.csv", "leads.csv")], None);
    let b = load(dir.path());
    assert_eq!(b.reads[l].source.as_deref(), Some("marketo-leads"));
    assert_eq!(value(&b, l, "created_date", 1), date("2025-06-04"));
    assert_eq!(value(&b, l, "stage", 1), text("sal"));
    assert_eq!(value(&b, l, "source", 1), text("Content Syndication"));
    assert_eq!(value(&b, l, "campaign_id", 0), text("1188"));
}
