//! The terminal report below the plan: the findings with their evidence,
//! rules in error, rules not assessed, waivers, notes and the methodology.

use super::Paint;
use crate::eval::Status;
use crate::report::wording::client_text;
use crate::report::{Report, RuleResult};
use crate::value::format_number;
use std::fmt::Write;

pub(super) fn write(out: &mut String, report: &Report, p: &Paint) {
    let flagged: Vec<&RuleResult> = report
        .results
        .iter()
        .filter(|r| matches!(r.status, Status::Fail | Status::Warn))
        .collect();
    out.push('\n');
    if flagged.is_empty() {
        let _ = writeln!(out, "{}", p.bold("No findings: every assessed rule passed."));
    } else {
        let _ = writeln!(out, "{}", p.bold(&format!("Findings ({})", flagged.len())));
    }
    for r in flagged {
        let _ = writeln!(
            out,
            "\n  {} {}  {}  {}",
            p.status(r.status),
            p.bold(&r.id),
            r.title,
            p.dim(&format!(
                "[{}, {}, +{} pts if fixed]",
                r.category,
                r.severity,
                format_number(r.points_recoverable)
            ))
        );
        let _ = writeln!(out, "      {}", client_text(&r.message));
        let stake = crate::report::view::at_stake_text(r, &report.audit.currency);
        if !stake.is_empty() {
            let _ = writeln!(out, "      At stake: {stake}.");
        }
        let shown = r.findings.iter().take(5);
        for f in shown {
            if r.findings_total > 1 || f.message != r.message {
                let _ = writeln!(out, "      - {}", client_text(&f.message));
            }
            for e in &f.evidence {
                let loc = match e.line {
                    Some(l) => format!("{}:{l}", e.file),
                    None => e.file.clone(),
                };
                let rec = e.record.as_ref().map(|r| format!(" ({r})")).unwrap_or_default();
                let _ = writeln!(out, "        {}", p.dim(&format!("at {loc}{rec}")));
            }
        }
        if r.findings_total > 5 {
            let _ = writeln!(out, "      {}", p.dim(&format!("… and {} more", r.findings_total - 5)));
        }
    }

    let errors: Vec<&RuleResult> = report.results.iter().filter(|r| r.status == Status::Error).collect();
    if !errors.is_empty() {
        let _ = writeln!(
            out,
            "\n{}",
            p.bold(&format!(
                "Rule errors ({}): these rules broke and were not scored",
                errors.len()
            ))
        );
        for r in errors {
            let _ = writeln!(
                out,
                "  {} {}  {}",
                p.status(r.status),
                p.bold(&r.id),
                r.reason.as_deref().unwrap_or("")
            );
        }
    }

    let na: Vec<&RuleResult> = report
        .results
        .iter()
        .filter(|r| r.status == Status::NotAssessed)
        .collect();
    if !na.is_empty() {
        let _ = writeln!(
            out,
            "\n{}",
            p.bold(&format!("Not assessed ({}): data to gather", na.len()))
        );
        for r in na {
            let _ = writeln!(
                out,
                "  {} {}  {}: {}",
                p.status(r.status),
                p.bold(&r.id),
                r.title,
                client_text(r.reason.as_deref().unwrap_or(""))
            );
        }
    }
    if !report.waivers.waived.is_empty() {
        let _ = writeln!(
            out,
            "\n{}",
            p.bold(&format!(
                "Waived ({}): accepted exceptions, not scored",
                report.waivers.waived.len()
            ))
        );
        for w in &report.waivers.waived {
            let _ = writeln!(out, "  {} {}  {}", p.dim("~ WAIVED"), p.bold(&w.rule), w.message);
            let _ = writeln!(
                out,
                "        {}",
                p.dim(&format!("{} (owner {}, until {})", w.reason, w.owner, w.expires))
            );
        }
    }
    for w in &report.waivers.warnings {
        let _ = writeln!(out, "  {}", p.wrap("33", &format!("waiver: {w}")));
    }

    let passed = report.results.iter().filter(|r| r.status == Status::Pass).count();
    let _ = writeln!(
        out,
        "\n{}",
        p.dim(&format!(
            "{passed} {} passed. `mktaudit explain <ID>` shows why a rule matters and what to do.",
            if passed == 1 { "rule" } else { "rules" }
        ))
    );
    if !report.bundle.notes.is_empty() {
        let _ = writeln!(out, "\n{}", p.bold("Read with remarks"));
        for n in &report.bundle.notes {
            let _ = writeln!(out, "  {}", p.dim(&format!("{}: {}", n.file, n.message)));
        }
    }
    for n in &report.methodology.notes {
        let _ = writeln!(out, "  {}", p.dim(n));
    }
    if !report.bundle.values.is_empty() {
        let _ = writeln!(
            out,
            "  {}",
            p.dim("Every value of the fields the rules interpret, and what it was read as: the HTML or Markdown report, or `mktaudit inspect`.")
        );
    }

    let _ = writeln!(
        out,
        "\n{}",
        p.dim(&format!(
            "rule pack {} ({} {}), scoring method v{}",
            &report.methodology.rule_pack_hash[..12.min(report.methodology.rule_pack_hash.len())],
            report.methodology.rules,
            if report.methodology.rules == 1 { "rule" } else { "rules" },
            report.methodology.scoring_method_version
        ))
    );
    for c in crate::report::view::config_lines(&report.methodology.configs) {
        let _ = writeln!(out, "{}", p.dim(&format!("config: {c}")));
    }
}
