//! One rule's outcome as the HTML, Markdown and terminal reports show it:
//! its title for the outcome, status label, money at stake, client wording
//! and evidence rows.

use super::RuleResult;
use super::wording::client_text;
use crate::eval::Status;
use crate::rules::format::Reference;
use crate::value::format_number;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct RuleView {
    pub id: String,
    /// The title for this outcome: what is working for a pass, the problem otherwise.
    pub title: String,
    pub category: &'static str,
    pub severity: &'static str,
    /// Serialises as the JSON report's status word (`fail`), which templates compare against.
    pub status: Status,
    pub status_label: &'static str,
    pub flagged: bool,
    pub points: String,
    /// The money at stake in the bundle's currency ("$48,200 of ad spend with
    /// no conversion"), or empty when the rule names none or the data has no amounts.
    pub at_stake: String,
    /// "quick win", "moderate", "major", or empty when the rule does not say.
    pub effort: &'static str,
    pub message: String,
    pub rationale: String,
    pub remediation: String,
    /// Published sources (title, link when it is http(s)).
    pub references: Vec<ReferenceView>,
    /// How the rule's thresholds were set where no source sets them.
    pub conventions: Vec<String>,
    /// One row per piece of evidence (a finding without evidence gets one row).
    pub evidence: Vec<EvidenceRow>,
    /// Findings beyond those listed (the report keeps at most 50 per rule).
    pub more_findings: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct EvidenceRow {
    /// Empty on a finding's further records (`continued`).
    pub finding: String,
    /// Another record of the finding in the row above.
    pub continued: bool,
    pub file: String,
    pub line: String,
    pub record: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReferenceView {
    pub text: String,
    /// Set only for http(s) links: a rule pack is not trusted to choose the scheme.
    pub url: Option<String>,
}

pub fn status_label(s: Status) -> &'static str {
    match s {
        Status::Pass => "PASS",
        Status::Warn => "WARN",
        Status::Fail => "FAIL",
        Status::NotAssessed => "NOT ASSESSED",
        Status::NotApplicable => "NOT APPLICABLE",
        Status::Waived => "WAIVED",
        Status::Error => "RULE ERROR",
    }
}

fn reference(r: &Reference) -> ReferenceView {
    match r {
        Reference::Text(t) => ReferenceView {
            text: t.clone(),
            url: None,
        },
        Reference::Entry(e) => {
            // A convention is not a source: it is listed apart (`conventions`).
            let text = e.title.clone().unwrap_or_default();
            let url = e
                .url
                .clone()
                .filter(|u| u.starts_with("https://") || u.starts_with("http://"));
            ReferenceView {
                text: if text.is_empty() {
                    url.clone().unwrap_or_default()
                } else {
                    text
                },
                url,
            }
        }
    }
}

pub(super) fn rule_view(r: &RuleResult, currency: &str) -> RuleView {
    let mut evidence = Vec::new();
    for f in &r.findings {
        if f.evidence.is_empty() {
            evidence.push(EvidenceRow {
                finding: client_text(&f.message),
                continued: false,
                file: "-".into(),
                line: "-".into(),
                record: "-".into(),
            });
        }
        for (i, e) in f.evidence.iter().enumerate() {
            evidence.push(EvidenceRow {
                // A finding's further records sit under it, its text not repeated.
                finding: if i == 0 { client_text(&f.message) } else { String::new() },
                continued: i > 0,
                file: e.file.clone(),
                line: e.line.map_or_else(|| "-".to_string(), |l| l.to_string()),
                record: e.record.clone().unwrap_or_else(|| "-".into()),
            });
        }
    }
    RuleView {
        id: r.id.clone(),
        title: if r.status == Status::Pass {
            super::story::pass_title(r)
        } else {
            r.title.clone()
        },
        category: r.category.title(),
        severity: r.severity.as_str(),
        status: r.status,
        status_label: status_label(r.status),
        flagged: matches!(r.status, Status::Fail | Status::Warn),
        points: format!("+{}", format_number(r.points_recoverable)),
        at_stake: at_stake_text(r, currency),
        effort: r.effort.map_or("", |e| e.label()),
        message: if r.status == Status::Error {
            r.message.clone()
        } else {
            client_text(&r.message)
        },
        rationale: client_text(&r.rationale),
        remediation: client_text(&r.remediation),
        // A reference to an internal seed article alone means nothing to a client.
        references: r
            .references
            .iter()
            .map(reference)
            .filter(|v| !v.text.is_empty())
            .collect(),
        conventions: r
            .references
            .iter()
            .filter_map(|r| match r {
                Reference::Entry(e) => e.convention.as_deref().map(client_text),
                Reference::Text(_) => None,
            })
            .collect(),
        evidence,
        more_findings: r.findings_total.saturating_sub(r.findings.len()),
    }
}

/// "$48,200 of ad spend with no conversion": the amount a rule puts at stake.
pub fn at_stake_text(r: &RuleResult, currency: &str) -> String {
    r.at_stake.as_ref().map_or_else(String::new, |a| {
        format!(
            "{} {}",
            crate::template::format_currency(a.amount, currency),
            client_text(&a.label)
        )
    })
}
