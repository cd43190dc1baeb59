//! Joins on a key named in bundle.yaml (`join_on:`): a HubSpot deals export
//! that carries its contact's email instead of a lead id, and Salesforce
//! leads that share only an account name with the opportunities. The
//! exports are written here the way the CRMs write them; the figures the
//! audit reports are checked against a computation of their own below.

mod common;
use common::*;
use std::collections::{BTreeMap, BTreeSet};

/// HubSpot contacts export (CRM > Contacts > Export): property labels,
/// datetimes. Ana was exported twice (two records share her email); Di's
/// email is written in capitals on the deal.
const HUBSPOT_CONTACTS: &str = "\
Record ID,First Name,Last Name,Email,Company Name,Original Source,Lifecycle Stage,Create Date
101,Ana,Souza,ana@globex.com,Globex,Organic Search,Lead,2025-01-10 09:00
102,Bo,Li,bo@initech.com,Initech,Paid Search,Lead,2025-01-12 10:00
103,Cy,Ng,cy@umbrella.com,Umbrella,Paid Search,Marketing Qualified Lead,2025-01-14 11:30
104,Di,Ro,di@hooli.com,Hooli,Email Marketing,Lead,2025-01-20 08:15
105,Ed,Yu,ed@acme.com,Acme,Organic Search,Subscriber,2025-02-02 14:00
106,Fay,Oh,fay@stark.com,Stark,Paid Search,Lead,2025-02-03 09:45
107,Gus,Am,gus@wayne.com,Wayne,Offline Sources,Lead,2025-02-10 16:20
108,Hal,Ek,hal@tyrell.com,Tyrell,,Lead,2025-02-11 10:00
109,Ivy,Po,ivy@cyberdyne.com,Cyberdyne,Paid Social,Marketing Qualified Lead,2025-02-20 13:10
110,Jo,Ma,jo@soylent.com,Soylent,Paid Social,Lead,2025-03-01 09:00
111,Kim,Su,kim@oscorp.com,Oscorp,Organic Search,Lead,2025-03-04 11:00
112,Ana,Souza,ana@globex.com,Globex,Email Marketing,Lead,2025-03-09 12:00
";

/// HubSpot deals export with the associated contact's email (a property
/// the sales team added); one deal names a contact who is not in the
/// contacts export, one (sales-sourced) has none.
const HUBSPOT_DEALS: &str = "\
Record ID,Deal Name,Deal Stage,Amount,Create Date,Close Date,Associated Company,Contact Email
9001,Globex line 3,Closed Won,42000,2025-02-01 10:00,2025-05-01 10:00,Globex,ana@globex.com
9002,Initech pilot,Closed Lost,18000,2025-02-15 10:00,2025-06-01 10:00,Initech,bo@initech.com
9003,Hooli rollout,Contract Sent,27000,2025-03-01 10:00,2025-08-01 10:00,Hooli,DI@Hooli.com
9004,Stark renewal,Closed Won,31000,2025-03-10 10:00,2025-04-30 10:00,Stark,fay@stark.com
9005,Wayne retrofit,Appointment Scheduled,12000,2025-03-20 10:00,2025-09-01 10:00,Wayne,bruce@wayne.com
9006,Oscorp expansion,Qualified To Buy,15000,2025-04-01 10:00,2025-10-01 10:00,Oscorp,
9007,Soylent trial,Closed Won,8000,2025-04-02 10:00,2025-05-15 10:00,Soylent,jo@soylent.com
";

const EMAIL_MANIFEST: &str = "\
period: { start: 2025-01-01, end: 2025-12-31 }
datasets:
  opportunities:
    file: deals.csv
    columns: { Contact Email: lead_id }
    join_on: { lead_id: email }
";

/// The cells of a CSV without quoted commas, by header.
fn rows(csv: &str) -> Vec<BTreeMap<String, String>> {
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    lines
        .map(|l| {
            header
                .iter()
                .zip(l.split(','))
                .map(|(h, c)| (h.to_string(), c.to_string()))
                .collect()
        })
        .collect()
}

/// ACCT-006's "by source" list from a set of converted lead row indexes:
/// `Source converted of leads`, sources in alphabetical order, blank left out
/// of the list as the rule's groups leave it.
fn by_source(leads: &[BTreeMap<String, String>], converted: &BTreeSet<usize>) -> String {
    let mut groups: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for (i, l) in leads.iter().enumerate() {
        let source = &l["Original Source"];
        if source.is_empty() {
            continue;
        }
        let g = groups.entry(source.clone()).or_default();
        g.1 += 1;
        if converted.contains(&i) {
            g.0 += 1;
        }
    }
    groups
        .iter()
        .map(|(s, (c, n))| format!("{s} {c} of {n}"))
        .collect::<Vec<_>>()
        .join("; ")
}

#[test]
fn deals_carrying_the_contact_email_join_to_leads_and_give_conversion_by_source() {
    let dir = folder_with(&[
        ("contacts.csv", HUBSPOT_CONTACTS),
        ("deals.csv", HUBSPOT_DEALS),
        ("bundle.yaml", EMAIL_MANIFEST),
    ]);
    // The join computed here: a deal's email (any case) names the earliest
    // created contact with that email.
    let leads = rows(HUBSPOT_CONTACTS);
    let deals = rows(HUBSPOT_DEALS);
    let mut converted = BTreeSet::new();
    let (mut linked, mut matched, mut ambiguous) = (0, 0, 0);
    let mut unmatched = Vec::new();
    for d in &deals {
        let email = d["Contact Email"].to_lowercase();
        if email.is_empty() {
            continue;
        }
        linked += 1;
        let holders: Vec<usize> = (0..leads.len())
            .filter(|i| leads[*i]["Email"].to_lowercase() == email)
            .collect();
        match holders.iter().min_by_key(|i| &leads[**i]["Create Date"]) {
            Some(first) => {
                matched += 1;
                converted.insert(*first);
                if holders.len() > 1 {
                    ambiguous += 1;
                }
            }
            None => unmatched.push(d["Contact Email"].clone()),
        }
    }
    assert_eq!(
        (linked, matched, ambiguous),
        (6, 5, 1),
        "the fixture is what this test says"
    );

    let report = audit_report(dir.path(), &[]);
    // Conversion by lead source, through the email key.
    let acct = rule_result(&report, "ACCT-006");
    let message = acct["message"].as_str().unwrap();
    let expected = format!("Converted to an opportunity: {} of {}", converted.len(), leads.len());
    assert!(message.contains(&expected), "{message}");
    assert!(
        message.ends_with(&format!("by source: {}", by_source(&leads, &converted))),
        "{message}\nexpected by source: {}",
        by_source(&leads, &converted)
    );
    assert!(
        message.contains("Email Marketing 1 of 2"),
        "Di's capitalised email still finds her: {message}"
    );
    // The match rate is judged, and the email that found no lead is named.
    let comp = rule_result(&report, "COMP-007");
    assert!(
        comp["message"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{matched} of {linked} links between leads and opportunities")),
        "{comp}"
    );
    assert_eq!(comp["status"], "pass", "5 of 6 is above the 80% warning line");
    // The report's notes say which key joined, with its rate and the
    // ambiguous link.
    let note = bundle_notes(&report)
        .into_iter()
        .find(|n| n.starts_with("opportunities.lead_id -> leads.email"))
        .expect("a note on the keyed join");
    assert!(
        note.contains(&format!("{matched} of {linked} find their record")),
        "{note}"
    );
    assert!(note.contains(&format!("e.g. {}", unmatched.join(", "))), "{note}");
    assert!(
        note.contains(&format!("{ambiguous} matches more than one leads record")),
        "{note}"
    );

    // inspect reports the same join with its key.
    let o = mktaudit(&["inspect", dir.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(
        text.contains(&format!(
            "opportunities.lead_id -> leads.email: {matched} of {linked} (83%) find their record"
        )),
        "{text}"
    );
    assert!(text.contains("(e.g. bruce@wayne.com)"), "{text}");
}

#[test]
fn a_low_match_rate_through_the_key_is_a_finding_naming_the_values() {
    // Half of the deals name contacts from another export.
    let deals = HUBSPOT_DEALS
        .replace("bo@initech.com", "bo@initech.example")
        .replace("fay@stark.com", "f.oh@stark.com");
    let dir = folder_with(&[
        ("contacts.csv", HUBSPOT_CONTACTS),
        ("deals.csv", &deals),
        ("bundle.yaml", EMAIL_MANIFEST),
    ]);
    let report = audit_report(dir.path(), &[]);
    let comp = rule_result(&report, "COMP-007");
    assert_eq!(comp["status"], "warn", "{comp}");
    assert!(comp["message"].as_str().unwrap().starts_with("3 of 6 links"), "{comp}");
    let named: BTreeSet<&str> = comp["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert_eq!(
        named,
        BTreeSet::from([
            "Initech pilot names lead bo@initech.example, which is not in the leads export",
            "Stark renewal names lead f.oh@stark.com, which is not in the leads export",
            "Wayne retrofit names lead bruce@wayne.com, which is not in the leads export",
        ])
    );
}

/// Salesforce leads report (labels, US dates) with the lead's Company, and
/// an opportunity report with the Account Name: no id links them.
const SALESFORCE_LEADS: &str = "\
Lead ID,First Name,Last Name,Title,Company,Email,Lead Source,Lead Status,Create Date
00Q5g00000A1,Ana,Souza,CFO,Globex,ana@globex.com,Web,Working - Contacted,1/10/2025
00Q5g00000A2,Bo,Li,COO,Initech,bo@initech.com,Trade Show,Open - Not Contacted,1/12/2025
00Q5g00000A3,Cy,Ng,CTO,Umbrella,cy@umbrella.com,Web,Open - Not Contacted,1/14/2025
00Q5g00000A4,Di,Ro,VP Ops,globex,di@globex.com,Partner,Working - Contacted,1/20/2025
00Q5g00000A5,Ed,Yu,Buyer,Acme,ed@acme.com,Web,Open - Not Contacted,2/2/2025
00Q5g00000A6,Fay,Oh,Director,Stark,fay@stark.com,Trade Show,Working - Contacted,2/3/2025
00Q5g00000A7,Gus,Am,Engineer,Wayne,gus@wayne.com,Web,Open - Not Contacted,2/10/2025
00Q5g00000A8,Hal,Ek,Manager,Tyrell,hal@tyrell.com,Partner,Open - Not Contacted,2/11/2025
00Q5g00000A9,Ivy,Po,Analyst,Cyberdyne,ivy@cyberdyne.com,Web,Open - Not Contacted,2/20/2025
00Q5g00000B1,Jo,Ma,Head of IT,Soylent,jo@soylent.com,Trade Show,Working - Contacted,3/1/2025
";

const SALESFORCE_OPPORTUNITIES: &str = "\
Opportunity ID,Opportunity Name,Account Name,Stage,Amount,Close Date,Created Date
0065g00000O1,Globex line 3,Globex,Closed Won,42000,5/1/2025,2/1/2025
0065g00000O2,Globex spares,Globex,Prospecting,5000,9/1/2025,1/25/2025
0065g00000O3,Stark renewal,Stark,Closed Won,31000,4/30/2025,3/10/2025
0065g00000O4,Soylent trial,Soylent  ,Closed Lost,8000,5/15/2025,4/2/2025
0065g00000O5,Hooli rollout,Hooli,Negotiation/Review,27000,8/1/2025,3/1/2025
";

#[test]
fn leads_link_to_their_accounts_opportunity() {
    let dir = folder_with(&[
        ("leads.csv", SALESFORCE_LEADS),
        ("opportunities.csv", SALESFORCE_OPPORTUNITIES),
        (
            "bundle.yaml",
            "datasets:\n  leads:\n    join_on:\n      opportunity_id: { on: account, from: account }\n",
        ),
    ]);
    let leads = rows(SALESFORCE_LEADS);
    let opps = rows(SALESFORCE_OPPORTUNITIES);
    let accounts: Vec<String> = opps.iter().map(|o| o["Account Name"].trim().to_lowercase()).collect();
    let mut converted = BTreeSet::new();
    let mut ambiguous = 0;
    for (i, l) in leads.iter().enumerate() {
        let n = accounts.iter().filter(|a| **a == l["Company"].to_lowercase()).count();
        if n > 0 {
            converted.insert(i);
        }
        if n > 1 {
            ambiguous += 1;
        }
    }
    assert_eq!(
        (converted.len(), ambiguous),
        (4, 2),
        "the fixture is what this test says"
    );

    let report = audit_report(dir.path(), &[]);
    let acct = rule_result(&report, "ACCT-006");
    let message = acct["message"].as_str().unwrap();
    assert!(
        message.contains(&format!(
            "Converted to an opportunity: {} of {}",
            converted.len(),
            leads.len()
        )),
        "{message}"
    );
    let mut groups: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for (i, l) in leads.iter().enumerate() {
        let g = groups.entry(l["Lead Source"].as_str()).or_default();
        g.1 += 1;
        g.0 += usize::from(converted.contains(&i));
    }
    let expected: Vec<String> = groups.iter().map(|(s, (c, n))| format!("{s} {c} of {n}")).collect();
    assert!(message.ends_with(&expected.join("; ")), "{message}\n{expected:?}");
    // Leads whose account has no deal did not convert: no broken link.
    let comp = rule_result(&report, "COMP-007");
    assert_eq!(comp["status"], "pass", "{comp}");
    let note = bundle_notes(&report)
        .into_iter()
        .find(|n| n.starts_with("leads.account -> opportunities.account (as leads.opportunity_id)"))
        .expect("a note on the keyed join");
    assert!(
        note.contains(&format!("{} of {} find their record", converted.len(), leads.len())),
        "{note}"
    );
    assert!(
        note.contains(&format!("{ambiguous} match more than one opportunities record")),
        "{note}"
    );
}

/// The Globex leads link to the earliest created of Globex's two
/// opportunities, whatever the order of the file.
#[test]
fn a_shared_account_links_to_the_earliest_opportunity() {
    let dir = folder_with(&[
        ("leads.csv", SALESFORCE_LEADS),
        ("opportunities.csv", SALESFORCE_OPPORTUNITIES),
        (
            "bundle.yaml",
            "datasets:\n  leads:\n    join_on:\n      opportunity_id: { on: account, from: account }\n",
        ),
    ]);
    let b = mktaudit::testing::bundle::load_bundle(dir.path(), None).unwrap_or_else(|p| panic!("{}", p.render(false)));
    let l = b.dataset("leads").unwrap();
    let id = |row| l.value("opportunity_id", row).to_text();
    assert_eq!(id(0), "0065g00000O2", "Globex spares was created first (1/25)");
    assert_eq!(id(3), "0065g00000O2", "`globex` is Globex");
    assert_eq!(id(9), "0065g00000O4", "`Soylent  ` is Soylent");
    assert_eq!(l.value("opportunity_id", 1), mktaudit::testing::value::Value::Null);
}
