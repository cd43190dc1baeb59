//! The audit's gates (`--fail-on`, `--fail-under`, `--fail-on-new`): when
//! an audit that ran exits 1, and the one line on stderr that says why.

use super::*;

/// `--fail-on`: a severity, or rule errors only.
#[derive(Debug, Clone, Copy)]
pub(super) enum FailOn {
    Severity(Severity),
    Errors,
}

fn parse_fail_on(s: &str) -> Result<FailOn, Problems> {
    if s.trim().eq_ignore_ascii_case("error") {
        return Ok(FailOn::Errors);
    }
    Severity::parse(s).map(FailOn::Severity).ok_or_else(|| {
        usage(
            format!("`{s}` is not a severity"),
            "use one of: info, low, medium, high, critical, or error (rules that ended as an error)",
        )
    })
}

/// `--fail-on`, `--fail-under` and `--fail-on-new`: exit 1 when any trips.
#[derive(Debug, Clone, Copy)]
pub(super) struct Gates {
    pub fail_on: Option<FailOn>,
    fail_under: Option<FailUnder>,
    fail_on_new: bool,
}

/// At most this many rule ids or findings are named in an exit reason.
const NAMED: usize = 5;

fn some_of(items: &[String]) -> String {
    let mut text = items.iter().take(NAMED).cloned().collect::<Vec<_>>().join(", ");
    if items.len() > NAMED {
        text.push_str(&format!(" and {} more", items.len() - NAMED));
    }
    text
}

impl Gates {
    pub fn from_args(args: &AuditArgs) -> Result<Gates, Problems> {
        Ok(Gates {
            fail_on: args.fail_on.as_deref().map(parse_fail_on).transpose()?,
            fail_under: args.fail_under.as_deref().map(parse_fail_under).transpose()?,
            fail_on_new: args.fail_on_new,
        })
    }

    /// Why each tripped gate tripped, one line each; empty when none did.
    pub fn reasons(self, report: &report::Report) -> Vec<String> {
        use crate::eval::Status;
        let mut reasons = Vec::new();
        if let Some(FailOn::Severity(min)) = self.fail_on {
            let hits: Vec<String> = report
                .results
                .iter()
                .filter(|r| matches!(r.status, Status::Fail | Status::Warn) && r.severity >= min)
                .map(|r| format!("{} ({} {})", r.id, r.status.as_str(), r.severity))
                .collect();
            if !hits.is_empty() {
                reasons.push(format!(
                    "--fail-on {min}: {} rule(s) warn or fail at or above {min}: {}",
                    hits.len(),
                    some_of(&hits)
                ));
            }
        }
        if let Some(gate) = self.fail_on {
            let errors = rules_in_error(report);
            if !errors.is_empty() {
                let flag = match gate {
                    FailOn::Severity(s) => format!("--fail-on {s}"),
                    FailOn::Errors => "--fail-on error".to_string(),
                };
                reasons.push(format!(
                    "{flag}: {} rule(s) ended as an error and could not be judged: {}",
                    errors.len(),
                    some_of(&errors)
                ));
            }
        }
        if let Some(gate) = self.fail_under
            && let Some(why) = gate.trips(report)
        {
            reasons.push(why);
        }
        if self.fail_on_new
            && let Some(c) = &report.baseline
        {
            // A problem is its rule and subject (report::comparison): new is a
            // rule flagged now and not in the baseline.
            let new: Vec<String> = c
                .new_problems
                .iter()
                .chain(&c.methodology.problems_new)
                .map(|p| p.rule.clone())
                .collect();
            if !new.is_empty() {
                reasons.push(format!(
                    "--fail-on-new: {} problem(s) not in the baseline: {}",
                    new.len(),
                    some_of(&new)
                ));
            }
        }
        reasons
    }
}

/// `--fail-under`: a minimum score or grade.
#[derive(Debug, Clone, Copy)]
enum FailUnder {
    Score(f64),
    Grade(crate::score::Grade),
}

impl FailUnder {
    /// Why the gate trips, if it does. No score at all (nothing assessed)
    /// trips it: missing data is never a pass.
    fn trips(self, report: &report::Report) -> Option<String> {
        match (self, report.summary.score, report.summary.grade) {
            // A score that is not a number cannot clear a gate.
            (FailUnder::Score(min), Some(s), _) if !s.is_finite() || s < min => Some(format!(
                "--fail-under {}: the score {} is below {}",
                crate::value::format_number(min),
                crate::value::format_number((s * 10.0).round() / 10.0),
                crate::value::format_number(min)
            )),
            (FailUnder::Grade(min), _, Some(g)) if g > min => Some(format!(
                "--fail-under {}: the grade {} is worse than {}",
                min.as_str(),
                g.as_str(),
                min.as_str()
            )),
            (FailUnder::Score(_), Some(_), _) | (FailUnder::Grade(_), _, Some(_)) => None,
            (gate, _, _) => Some(format!(
                "--fail-under {}: there is no score (no rule could be assessed; see the report's coverage)",
                match gate {
                    FailUnder::Score(min) => crate::value::format_number(min),
                    FailUnder::Grade(g) => g.as_str().to_string(),
                }
            )),
        }
    }
}

fn parse_fail_under(s: &str) -> Result<FailUnder, Problems> {
    use crate::score::Grade;
    let grade = match s.trim().to_ascii_uppercase().as_str() {
        "A" => Some(Grade::A),
        "B" => Some(Grade::B),
        "C" => Some(Grade::C),
        "D" => Some(Grade::D),
        "F" => Some(Grade::F),
        _ => None,
    };
    if let Some(g) = grade {
        return Ok(FailUnder::Grade(g));
    }
    match s.trim().parse::<f64>() {
        Ok(n) if (0.0..=100.0).contains(&n) => Ok(FailUnder::Score(n)),
        _ => Err(usage(
            format!("`{s}` is not a score or a grade"),
            "use a score from 0 to 100 (e.g. 70) or a grade A-F",
        )),
    }
}

pub(super) fn rules_in_error(report: &report::Report) -> Vec<String> {
    report
        .results
        .iter()
        .filter(|r| r.status == crate::eval::Status::Error)
        .map(|r| r.id.clone())
        .collect()
}
