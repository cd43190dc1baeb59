//! Waivers: a known exception accepted for a while, with a reason, an owner
//! and an expiry date. A waived finding is listed apart and scored neither
//! as a failure nor as a pass; after its expiry the finding comes back with a warning; a waiver
//! that matches nothing is reported, so stale waivers do not pile up.

use crate::eval::{Finding, RuleResult, Status};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Waiver {
    /// The rule id.
    pub rule: String,
    /// Which finding: a record id (`K-03`), a finding key (`kpis:K-03`, `month:2025-03`).
    /// Absent: every finding of the rule.
    #[serde(default)]
    pub record: Option<String>,
    /// Why the exception is accepted.
    pub reason: String,
    /// Who answers for it.
    pub owner: String,
    /// Last day the waiver applies (YYYY-MM-DD).
    pub expires: NaiveDate,
}

impl Waiver {
    fn matches(&self, rule: &str, finding: &Finding) -> bool {
        if self.rule != rule {
            return false;
        }
        match &self.record {
            None => true,
            Some(sel) => {
                finding.key == *sel
                    || finding.key.split_once(':').is_some_and(|(_, id)| id == sel)
                    || finding
                        .evidence
                        .iter()
                        .any(|e| e.record.as_deref() == Some(sel.as_str()))
            }
        }
    }

    fn describe(&self) -> String {
        match &self.record {
            Some(r) => format!("{} ({r})", self.rule),
            None => self.rule.clone(),
        }
    }
}

/// A finding taken out of the score by a waiver.
#[derive(Debug, Clone, Serialize, PartialEq, schemars::JsonSchema)]
pub struct WaivedFinding {
    pub rule: String,
    pub key: String,
    pub message: String,
    pub reason: String,
    pub owner: String,
    pub expires: String,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq, schemars::JsonSchema)]
pub struct WaiverOutcome {
    pub waived: Vec<WaivedFinding>,
    /// Expired waivers and waivers that match no finding.
    pub warnings: Vec<String>,
}

/// Applies waivers in force on `as_of`. A rule whose every finding is waived
/// ends as waived (outside the score, never a pass); one with findings left
/// keeps its status.
pub fn apply(results: &mut [RuleResult], waivers: &[Waiver], as_of: NaiveDate) -> WaiverOutcome {
    let mut outcome = WaiverOutcome::default();
    let mut used = vec![false; waivers.len()];
    for result in results
        .iter_mut()
        .filter(|r| matches!(r.status, Status::Warn | Status::Fail))
    {
        let mut kept = Vec::new();
        let mut waived_here = 0;
        for finding in std::mem::take(&mut result.findings) {
            let matching = waivers
                .iter()
                .enumerate()
                .find(|(_, w)| w.matches(&result.id, &finding));
            match matching {
                Some((i, w)) => {
                    used[i] = true;
                    if w.expires < as_of {
                        outcome.warnings.push(format!(
                            "waiver for {} expired on {} (owner {}): the finding is back: {}",
                            w.describe(),
                            w.expires,
                            w.owner,
                            finding.message
                        ));
                        kept.push(finding);
                    } else {
                        waived_here += 1;
                        outcome.waived.push(WaivedFinding {
                            rule: result.id.clone(),
                            key: finding.key.clone(),
                            message: finding.message.clone(),
                            reason: w.reason.clone(),
                            owner: w.owner.clone(),
                            expires: w.expires.to_string(),
                        });
                    }
                }
                None => kept.push(finding),
            }
        }
        result.findings = kept;
        result.findings_total -= waived_here.min(result.findings_total);
        if waived_here > 0 {
            // The rule's amount counts the accepted exceptions too: no honest figure is left.
            result.at_stake = None;
        }
        if waived_here > 0 && result.findings_total == 0 {
            result.status = Status::Waived;
            result.message = if waived_here == 1 {
                "Waived: 1 finding accepted as an exception (see waivers).".to_string()
            } else {
                format!("Waived: {waived_here} findings accepted as exceptions (see waivers).")
            };
        }
    }
    for (w, used) in waivers.iter().zip(used) {
        if !used {
            outcome.warnings.push(format!(
                "waiver for {} matches no finding in this audit; remove it from the config",
                w.describe()
            ));
        }
    }
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::Evidence;

    fn result(rule: &str, records: &[&str]) -> RuleResult {
        RuleResult {
            id: rule.into(),
            title: "t".into(),
            pass_title: None,
            category: crate::rules::Category::ALL[0],
            severity: crate::rules::Severity::High,
            weight: 1.0,
            status: Status::Fail,
            message: "m".into(),
            value: None,
            threshold: None,
            formula: None,
            reason: None,
            at_stake: None,
            missing: vec![],
            findings: records
                .iter()
                .map(|r| Finding {
                    message: format!("finding {r}"),
                    key: format!("kpis:{r}"),
                    value: None,
                    threshold: None,
                    evidence: vec![Evidence {
                        dataset: "kpis".into(),
                        file: "kpis.csv".into(),
                        line: Some(2),
                        record: Some(r.to_string()),
                    }],
                })
                .collect(),
            points_recoverable: 0.0,
            findings_total: records.len(),
            rationale: String::new(),
            remediation: String::new(),
            effort: None,
            references: vec![],
            params: Default::default(),
            rule_hash: String::new(),
        }
    }

    fn waiver(rule: &str, record: Option<&str>, expires: &str) -> Waiver {
        Waiver {
            rule: rule.into(),
            record: record.map(str::to_string),
            reason: "agreed with the board".into(),
            owner: "cmo".into(),
            expires: expires.parse().unwrap(),
        }
    }

    #[test]
    fn waived_findings_leave_the_score_and_expired_ones_come_back() {
        let as_of: NaiveDate = "2025-12-31".parse().unwrap();
        let mut results = vec![result("A", &["K1"]), result("B", &["K1", "K2"]), result("C", &["K9"])];
        let waivers = vec![
            waiver("A", Some("K1"), "2026-03-31"),
            waiver("B", Some("kpis:K2"), "2026-03-31"),
            waiver("C", None, "2025-06-30"),
            waiver("D", None, "2026-06-30"),
        ];
        let out = apply(&mut results, &waivers, as_of);
        assert_eq!(
            results[0].status,
            Status::Waived,
            "all findings waived: waived, not a pass"
        );
        assert_eq!(results[1].status, Status::Fail, "one finding left");
        assert_eq!(results[1].findings_total, 1);
        assert_eq!(results[2].status, Status::Fail, "expired waiver: finding back");
        assert_eq!(out.waived.len(), 2);
        assert!(
            out.warnings.iter().any(|w| w.contains("C expired on 2025-06-30")),
            "{:?}",
            out.warnings
        );
        assert!(
            out.warnings.iter().any(|w| w.contains("D matches no finding")),
            "{:?}",
            out.warnings
        );
    }
}
