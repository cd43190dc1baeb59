//! The written part of a report: an executive summary and a short paragraph
//! per category, put together from the results alone (no network, no
//! model), so the same results always read the same. Sentences name
//! numbers the tables also show; nothing here judges beyond the rules.

use super::{Report, RuleResult};
use crate::eval::Status;
use crate::score::CategoryScore;
use crate::template::format_percent;
use crate::value::format_number;

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// "a, b and c".
fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

fn flagged(r: &RuleResult) -> bool {
    matches!(r.status, Status::Fail | Status::Warn)
}

/// The executive summary: three to six sentences, as paragraphs.
pub fn executive_summary(report: &Report) -> Vec<String> {
    let s = &report.summary;
    let org = &report.audit.org;
    let c = &s.counts;
    let assessed = c.pass + c.warn + c.fail;
    let total = report.results.len();
    let mut out = Vec::new();
    let Some(score) = s.score else {
        out.push(format!(
            "None of the {} could be assessed for {org}, so this report has no score: the data it needs was not in the exports. The section on data to gather lists what would let the checks run.",
            plural(total, "check", "checks")
        ));
        return out;
    };
    // Below the coverage floor scoring gives no letter: say so rather than print a dash.
    let grade = s
        .grade
        .map_or_else(|| "no grade yet".to_string(), |g| format!("grade {}", g.as_str()));
    let checked = if assessed == total {
        format!("all {total} checks")
    } else {
        format!("{assessed} of {total} checks")
    };
    let mut first = format!(
        "{org} scores {} out of 100 ({grade}{}) on {checked} of marketing health: {} passed, {} and {}.",
        format_number(score),
        s.maturity.map(|m| format!(", maturity {m}")).unwrap_or_default(),
        c.pass,
        plural(c.warn, "needs attention", "need attention"),
        plural(c.fail, "failed", "failed"),
    );
    if s.provisional {
        first.push_str(&format!(
            " Only {} of the audit could be assessed, below the {} needed to stand behind a grade, so the result is provisional.",
            format_percent(s.coverage),
            format_percent(report.methodology.coverage_floor)
        ));
    } else if assessed < total {
        first.push_str(&format!(
            " {} of the audit could be assessed.",
            format_percent(s.coverage)
        ));
    }
    out.push(first);
    let scored: Vec<&CategoryScore> = report.categories.iter().filter(|c| c.score.is_some()).collect();
    if scored.len() > 1 {
        let lowest = scored
            .iter()
            .map(|c| c.score.unwrap_or(0.0))
            .fold(f64::INFINITY, f64::min);
        let highest = scored
            .iter()
            .map(|c| c.score.unwrap_or(0.0))
            .fold(f64::NEG_INFINITY, f64::max);
        let named = |v: f64| -> Vec<String> {
            scored
                .iter()
                .filter(|c| c.score == Some(v))
                .map(|c| c.category.title().to_string())
                .collect()
        };
        if highest > lowest {
            let (best, worst) = (named(highest), named(lowest));
            out.push(format!(
                "The strongest {} {} ({}); the weakest {} {} ({}).",
                if best.len() == 1 { "area is" } else { "areas are" },
                and_list(&best),
                format_number(highest),
                if worst.len() == 1 { "is" } else { "are" },
                and_list(&worst),
                format_number(lowest)
            ));
        } else {
            out.push(format!(
                "Every assessed area scores the same ({}).",
                format_number(highest)
            ));
        }
    }
    let plan = report.remediation_plan();
    if let Some(top) = plan.first() {
        let mut fix = format!(
            "The fix worth most is \u{201c}{}\u{201d} (+{} points).",
            top.title,
            format_number(top.points_recoverable)
        );
        let quick: Vec<&&RuleResult> = plan
            .iter()
            .filter(|r| r.effort == Some(crate::rules::format::Effort::Quick))
            .collect();
        if !quick.is_empty() {
            let gain: f64 = quick.iter().map(|r| r.points_recoverable).sum();
            fix.push_str(&format!(
                " {} in the plan {} quick {}, worth {} points together.",
                plural(quick.len(), "fix", "fixes"),
                if quick.len() == 1 { "is a" } else { "are" },
                if quick.len() == 1 { "win" } else { "wins" },
                format_number((gain * 10.0).round() / 10.0)
            ));
        }
        out.push(fix);
        if let Some(money) = money_at_stake(&plan, &report.audit.currency) {
            out.push(money);
        }
    } else if assessed > 0 {
        out.push("No assessed check warned or failed: the remediation plan is empty.".to_string());
    }
    if let Some(b) = &report.baseline {
        let delta = b.overall_delta.map_or_else(
            || "could not be compared".to_string(),
            |d| super::changes::delta_text(Some(d)),
        );
        out.push(format!(
            "Since the audit of {}, the score moved {delta}: {} resolved, {} new, {} persisting.",
            b.old.as_of,
            plural(b.resolved_problems.len(), "problem", "problems"),
            b.new_problems.len(),
            b.persisting_problems.len()
        ));
    }
    let gather = c.not_assessed + c.error;
    if gather > 0 {
        out.push(format!(
            "{} could not be assessed; the section on data to gather says what would let {} run.",
            plural(gather, "check", "checks"),
            if gather == 1 { "it" } else { "them" }
        ));
    }
    out
}

/// How many amounts at stake the summary names; the plan shows the rest.
const MONEY_NAMED: usize = 3;

/// The money the flagged rules put at stake, as the data records it,
/// largest first. Never a total: the amounts are of different kinds (spend,
/// pipeline) and may count the same campaign twice.
fn money_at_stake(plan: &[&RuleResult], currency: &str) -> Option<String> {
    // Largest first; the plan's order breaks ties, so the text is the same every run.
    let mut staked: Vec<(f64, &&RuleResult)> = plan
        .iter()
        .filter_map(|r| r.at_stake.as_ref().map(|a| (a.amount, r)))
        .collect();
    staked.sort_by(|a, b| b.0.total_cmp(&a.0));
    let named: Vec<String> = staked
        .iter()
        .map(|(_, r)| super::view::at_stake_text(r, currency))
        .collect();
    if named.is_empty() {
        return None;
    }
    let shown: Vec<String> = named.iter().take(MONEY_NAMED).cloned().collect();
    // Semicolons: a label may hold commas or an "or" of its own.
    let mut text = format!("Money at stake, as the exports record it: {}.", shown.join("; "));
    if named.len() > MONEY_NAMED {
        text.push_str(&format!(" The plan names {} more.", named.len() - MONEY_NAMED));
    }
    if named.len() > 1 {
        text.push_str(" They can overlap, so they are not added up.");
    }
    Some(text)
}

/// A short paragraph on one category: its score, what fails, what works.
pub fn category_paragraph(report: &Report, cat: &CategoryScore) -> String {
    let rules: Vec<&RuleResult> = report.results.iter().filter(|r| r.category == cat.category).collect();
    if rules.is_empty() {
        return String::new();
    }
    let Some(score) = cat.score else {
        return if rules.len() == 1 {
            "The one check here could not be assessed.".to_string()
        } else {
            format!("None of the {} checks here could be assessed.", rules.len())
        };
    };
    let failing: Vec<&&RuleResult> = rules.iter().filter(|r| flagged(r)).collect();
    let passing: Vec<&&RuleResult> = rules.iter().filter(|r| r.status == Status::Pass).collect();
    let mut text = format!(
        "{} scores {} with {} of {} assessed checks passing.",
        cat.category.title(),
        format_number(score),
        passing.len(),
        cat.counts.pass + cat.counts.warn + cat.counts.fail
    );
    if let Some(worst) = failing.iter().max_by(|a, b| {
        a.points_recoverable
            .total_cmp(&b.points_recoverable)
            .then(b.id.cmp(&a.id))
    }) {
        text.push_str(&format!(
            " The biggest gap: {} (+{} points if fixed).",
            sentence(&worst.title),
            format_number(worst.points_recoverable)
        ));
    }
    if let Some(good) = passing.first() {
        text.push_str(&format!(" Working: {}.", sentence(&pass_title(good))));
    }
    text
}

/// What a passing rule shows, in its own words when it has them.
pub fn pass_title(r: &RuleResult) -> String {
    r.pass_title.clone().unwrap_or_else(|| format!("checked: {}", r.title))
}

/// A title inside a sentence: its first letter lowered unless it starts an
/// acronym or a name the rule wrote in capitals (CMO, KPI).
fn sentence(title: &str) -> String {
    let mut chars = title.chars();
    match (chars.next(), chars.next()) {
        (Some(a), Some(b)) if a.is_uppercase() && b.is_lowercase() => {
            format!("{}{}{}", a.to_lowercase(), b, chars.as_str())
        }
        _ => title.to_string(),
    }
}
