//! SARIF 2.1.0, for code-scanning dashboards: each rule of the pack is a
//! `tool.driver.rules` entry, each finding of a rule that warns or fails a
//! `result` located at its evidence (the bundle file and line, relative to
//! the bundle). Rules that err are results too, with level `error` and no
//! location; rules not assessed are left out (SARIF has no "not judged").

use super::Report;
use crate::eval::Status;
use crate::rules::Severity;
use serde_json::{Value, json};

/// How a dashboard ranks a result: the rule's severity.
fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium | Severity::Low => "warning",
        Severity::Info => "note",
    }
}

pub fn render(report: &Report) -> String {
    let rules: Vec<Value> = report
        .results
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "name": r.title,
                "shortDescription": { "text": r.title },
                "fullDescription": { "text": r.rationale.trim() },
                "help": { "text": r.remediation.trim() },
                "defaultConfiguration": { "level": level(r.severity) },
                "properties": {
                    "category": r.category.as_str(),
                    "severity": r.severity.as_str(),
                    "weight": r.weight,
                },
            })
        })
        .collect();
    let mut results = Vec::new();
    for (index, r) in report.results.iter().enumerate() {
        match r.status {
            Status::Warn | Status::Fail => {
                // A failing rule with no row-level finding still gets one result.
                let findings: Vec<(&str, &str, &[crate::eval::Evidence])> = if r.findings.is_empty() {
                    vec![(r.message.as_str(), "", &[])]
                } else {
                    r.findings
                        .iter()
                        .map(|f| (f.message.as_str(), f.key.as_str(), f.evidence.as_slice()))
                        .collect()
                };
                for (message, key, evidence) in findings {
                    let locations: Vec<Value> = evidence
                        .iter()
                        .map(|e| {
                            let mut physical = json!({ "artifactLocation": { "uri": e.file, "uriBaseId": "BUNDLE" } });
                            if let Some(line) = e.line {
                                physical["region"] = json!({ "startLine": line });
                            }
                            json!({ "physicalLocation": physical })
                        })
                        .collect();
                    let mut properties = json!({ "status": r.status.as_str(), "key": key });
                    // The rule's whole amount, repeated on each of its findings: a
                    // dashboard shows one result at a time and must not add them up.
                    if let Some(stake) = &r.at_stake {
                        properties["at_stake"] = json!({
                            "amount": stake.amount,
                            "currency": report.audit.currency,
                            "label": stake.label,
                            "text": super::view::at_stake_text(r, &report.audit.currency),
                        });
                    }
                    results.push(json!({
                        "ruleId": r.id,
                        "ruleIndex": index,
                        "level": if r.status == Status::Fail { level(r.severity) } else { "warning" },
                        "message": { "text": message },
                        "locations": locations,
                        // The identity `diff` matches findings by: rule and entity.
                        "partialFingerprints": { "mktaudit/finding/v1": format!("{}|{key}", r.id) },
                        "properties": properties,
                    }));
                }
            }
            Status::Error => results.push(json!({
                "ruleId": r.id,
                "ruleIndex": index,
                "level": "error",
                "kind": "fail",
                "message": { "text": format!("the rule could not run: {}", r.message) },
                "properties": { "status": "error" },
            })),
            _ => {}
        }
    }
    let sarif = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": report.tool.name,
                "version": report.tool.version,
                "rules": rules,
                "properties": { "rule_pack_hash": report.methodology.rule_pack_hash },
            }},
            "automationDetails": { "id": format!("mktaudit/{}/{}", report.audit.org, report.audit.as_of) },
            "results": results,
            "properties": {
                "org": report.audit.org,
                "as_of": report.audit.as_of,
                "score": report.summary.score,
                "grade": report.summary.grade.map(|g| g.as_str()),
                "coverage": report.summary.coverage,
            },
        }],
    });
    serde_json::to_string_pretty(&sarif).expect("SARIF serialises") + "\n"
}
