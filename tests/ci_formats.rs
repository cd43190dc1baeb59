//! SARIF 2.1.0 and JUnit XML reports (issue 19), for CI dashboards: the
//! structure their consumers require, and the content the report has.

mod common;
use common::*;

fn report(format: &str) -> (String, serde_json::Value) {
    let o = audit_mini(&["--format", format]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let json = audit_mini(&["--format", "json"]);
    (stdout(&o), serde_json::from_slice(&json.stdout).unwrap())
}

#[test]
fn sarif_has_the_required_structure_and_every_flagged_finding() {
    let (text, json_report) = report("sarif");
    let sarif: serde_json::Value = serde_json::from_str(&text).expect("SARIF is JSON");
    assert_eq!(sarif["version"], "2.1.0");
    assert!(sarif["$schema"].as_str().unwrap().contains("sarif-2.1.0"));
    let runs = sarif["runs"].as_array().expect("runs");
    assert_eq!(runs.len(), 1);
    let driver = &runs[0]["tool"]["driver"];
    assert_eq!(driver["name"], "mktaudit");
    let rules = driver["rules"].as_array().expect("tool.driver.rules");
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().expect("rule id")).collect();
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), ids.len(), "rule ids are unique");
    for r in rules {
        assert!(r["shortDescription"]["text"].is_string(), "{r}");
        assert!(
            ["error", "warning", "note"].contains(&r["defaultConfiguration"]["level"].as_str().unwrap()),
            "{r}"
        );
    }
    let results = runs[0]["results"].as_array().expect("results");
    for res in results {
        let rule = res["ruleId"].as_str().expect("ruleId");
        let index = res["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(ids[index], rule, "ruleIndex points at the rule");
        assert!(res["message"]["text"].as_str().is_some_and(|t| !t.is_empty()), "{res}");
        assert!(
            ["error", "warning", "note"].contains(&res["level"].as_str().unwrap()),
            "{res}"
        );
        for loc in res["locations"].as_array().into_iter().flatten() {
            let physical = &loc["physicalLocation"];
            assert!(physical["artifactLocation"]["uri"].is_string(), "{loc}");
            if let Some(line) = physical["region"].get("startLine") {
                assert!(line.as_u64().is_some_and(|l| l >= 1), "{loc}");
            }
        }
    }
    // Every finding of a rule that warns or fails is a result; the vanity KPI
    // is located at its line; the broken script is an error; a rule not
    // assessed is not reported as anything.
    let flagged: usize = json_report["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] == "fail" || r["status"] == "warn")
        .map(|r| r["findings"].as_array().unwrap().len().max(1))
        .sum();
    assert_eq!(
        results.iter().filter(|r| r["ruleId"] != "broken-script").count(),
        flagged
    );
    assert!(
        results.iter().any(|r| r["ruleId"] == "vanity-kpi"
            && r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "kpis.csv"
            && r["locations"][0]["physicalLocation"]["region"]["startLine"] == 2),
        "{text}"
    );
    assert!(
        results
            .iter()
            .any(|r| r["ruleId"] == "broken-script" && r["level"] == "error")
    );
    assert!(
        !results.iter().any(|r| r["ruleId"] == "leads-quality"),
        "not assessed is no result"
    );
}

#[test]
fn junit_parses_as_xml_with_a_case_per_rule_and_missing_data_skipped() {
    let (text, json_report) = report("junit");
    let mut reader = quick_xml::Reader::from_str(&text);
    let (mut cases, mut failures, mut errors, mut skipped, mut depth) = (0, 0, 0, 0, 0i32);
    let mut skipped_names = Vec::new();
    let mut last_case = String::new();
    loop {
        match reader.read_event().expect("well-formed XML") {
            quick_xml::events::Event::Eof => break,
            quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e) => {
                let name = String::from_utf8(e.name().as_ref().to_vec()).unwrap();
                for a in e.attributes() {
                    a.expect("a well-formed attribute")
                        .decode_and_unescape_value(reader.decoder())
                        .expect("escaped");
                }
                match name.as_str() {
                    "testcase" => {
                        cases += 1;
                        last_case = e
                            .try_get_attribute("name")
                            .unwrap()
                            .map(|a| a.decode_and_unescape_value(reader.decoder()).unwrap().into_owned())
                            .unwrap_or_default();
                    }
                    "failure" => failures += 1,
                    "error" => errors += 1,
                    "skipped" => {
                        skipped += 1;
                        skipped_names.push(last_case.clone());
                    }
                    _ => {}
                }
                depth += 1;
            }
            _ => {}
        }
    }
    assert!(depth > 0);
    let results = json_report["results"].as_array().unwrap();
    let with = |s: &[&str]| {
        results
            .iter()
            .filter(|r| s.contains(&r["status"].as_str().unwrap()))
            .count()
    };
    assert_eq!(cases, results.len(), "a test case per rule:\n{text}");
    assert_eq!(failures, with(&["fail", "warn"]));
    assert_eq!(errors, with(&["error"]));
    assert_eq!(skipped, with(&["not_assessed", "not_applicable"]));
    assert!(
        skipped_names.iter().any(|n| n.starts_with("leads-quality")),
        "{skipped_names:?}"
    );
    assert!(text.contains("[kpis.csv:2]"), "evidence with file and line:\n{text}");
}

#[test]
fn sarif_and_junit_follow_the_output_extension() {
    let dir = tempfile::tempdir().unwrap();
    let sarif = dir.path().join("r.sarif");
    let junit = dir.path().join("junit.xml");
    assert_eq!(audit_mini(&["-o", sarif.to_str().unwrap()]).status.code(), Some(0));
    assert_eq!(audit_mini(&["-o", junit.to_str().unwrap()]).status.code(), Some(0));
    assert!(
        std::fs::read_to_string(sarif)
            .unwrap()
            .contains("\"version\": \"2.1.0\"")
    );
    assert!(std::fs::read_to_string(junit).unwrap().starts_with("<?xml"));
}

/// Money at stake (issue 18) reaches CI dashboards too: SARIF carries each
/// rule's amount on its results, JUnit names it in the failure text; both the
/// amounts the JSON report gives, never a sum of them.
#[test]
fn money_at_stake_is_in_sarif_and_junit() {
    let run = |format: &str| {
        let o = mktaudit(&["audit", "examples/acme-vanity", "--format", format]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        stdout(&o)
    };
    let json: serde_json::Value = serde_json::from_str(&run("json")).unwrap();
    let staked: Vec<(&str, f64)> = json["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| Some((r["id"].as_str()?, r["at_stake"]["amount"].as_f64()?)))
        .collect();
    assert!(
        staked.len() >= 3,
        "acme puts money at stake on several rules: {staked:?}"
    );
    let sarif: serde_json::Value = serde_json::from_str(&run("sarif")).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let junit = run("junit");
    for (id, amount) in &staked {
        let of_rule: Vec<_> = results.iter().filter(|r| r["ruleId"] == *id).collect();
        assert!(!of_rule.is_empty(), "{id} flagged in SARIF");
        for r in of_rule {
            assert_eq!(r["properties"]["at_stake"]["amount"].as_f64(), Some(*amount), "{r}");
            assert_eq!(r["properties"]["at_stake"]["currency"], "USD");
        }
        let money = format!("At stake: ${}", thousands(*amount));
        assert!(junit.contains(&money), "{id}: {money} in\n{junit}");
    }
    let unstaked = results
        .iter()
        .filter(|r| !staked.iter().any(|(id, _)| r["ruleId"] == *id));
    assert!(unstaked.clone().count() > 0);
    assert!(unstaked.into_iter().all(|r| r["properties"].get("at_stake").is_none()));
}

fn thousands(amount: f64) -> String {
    let digits = format!("{}", amount.round() as u64);
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}
