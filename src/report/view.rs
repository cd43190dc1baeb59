//! What the HTML and Markdown templates see: the report model, with numbers
//! already formatted and sections already ordered, so both formats show the
//! same content and a template holds layout only. Values here are plain
//! text; the template engine escapes them for the format.

use super::Report;
use super::branding::Branding;
use super::rule_view::rule_view;
pub use super::rule_view::{RuleView, at_stake_text, status_label};
pub use super::wording::client_text;
use crate::eval::Status;
use crate::score::Counts;
use crate::template::format_percent;
use crate::value::format_number;
use serde::Serialize;

/// How many flagged rules the executive summary lists as top risks.
pub const TOP_RISKS: usize = 5;

#[derive(Debug, Clone, Serialize)]
pub struct View {
    pub org: String,
    pub as_of: String,
    pub period_start: String,
    pub period_end: String,
    pub currency: String,
    pub tool_version: &'static str,
    /// The running footer of a printed page, escaped for a CSS string.
    pub print_title: String,
    pub branding: Branding,
    pub summary: SummaryView,
    /// The executive summary in words, one paragraph per entry.
    pub story: Vec<String>,
    pub categories: Vec<CategoryView>,
    pub top_risks: Vec<RuleView>,
    /// Passed rules, in their pass wording: what is working.
    pub working: Vec<RuleView>,
    /// Warned and failed rules, most points recoverable first.
    pub plan: Vec<RuleView>,
    pub not_assessed: Vec<NotAssessedView>,
    pub waived: Vec<crate::waivers::WaivedFinding>,
    pub waiver_warnings: Vec<String>,
    pub baseline: Option<super::changes::BaselineView>,
    pub methodology: MethodologyView,
    pub datasets: Vec<super::DatasetInfo>,
    pub bundle_notes: Vec<crate::bundle::Note>,
    pub field_values: Vec<super::readings::FieldValuesView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SummaryView {
    pub has_score: bool,
    pub score: String,
    pub grade: String,
    /// CSS class of the grade: `grade-a` .. `grade-f`, `grade-none`.
    pub grade_class: String,
    pub maturity: String,
    pub coverage: String,
    pub coverage_floor: String,
    pub provisional: bool,
    /// "C to A, 64% assessed", or "no grade, 26% assessed".
    pub range: String,
    /// Why the grade is provisional or missing (empty when it is neither).
    pub provisional_text: String,
    /// Which category held the overall letter down (empty when none did).
    pub capped_text: String,
    pub counts: Counts,
    pub flagged: usize,
    /// "From your exports: 9 of 13 rules assessed; from the documents you gave us: 0 of 21".
    pub tiers: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct CategoryView {
    pub key: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    pub score: String,
    pub grade: String,
    pub grade_class: String,
    pub coverage: String,
    pub counts: Counts,
    /// A short paragraph on the category, in words.
    pub story: String,
    pub rules: Vec<RuleView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct NotAssessedView {
    pub rule: String,
    pub title: String,
    pub category: &'static str,
    pub status_label: &'static str,
    pub reason: String,
    pub missing: Vec<String>,
    /// The data that would let the rule run, always named.
    pub data_needed: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct MethodologyView {
    pub scoring_method_version: &'static str,
    pub rule_pack_hash: String,
    pub rule_pack_hash_short: String,
    pub rule_pack_dirs: String,
    pub rules: usize,
    pub coverage_floor: String,
    pub grade_bands: Vec<(String, String)>,
    pub changed_params: Vec<ChangedParamView>,
    pub notes: Vec<String>,
    /// One line per config that applied; "none" when only defaults did.
    pub configs: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ChangedParamView {
    pub rule: String,
    pub param: String,
    pub value: String,
    pub default: String,
    pub origin: &'static str,
}

/// The sentence behind "provisional" on the grade card.
pub(super) fn provisional_text(s: &crate::score::Overall, floor: f64) -> String {
    match (s.grade, s.grade_range) {
        _ if !s.provisional => String::new(),
        (None, _) => format!(
            "Only {} of the audit could be assessed, below the {} floor, so there is no grade",
            format_percent(s.coverage),
            format_percent(floor)
        ),
        (Some(_), range) => format!(
            "The grade is the low end of {}: every rule not assessed counts as failed until its data is gathered",
            crate::score::range_text(range, s.coverage)
        ),
    }
}

/// The sentence naming the category that held the overall letter down.
pub(super) fn capped_text(report: &Report) -> String {
    let Some(category) = report.summary.capped_by else {
        return String::new();
    };
    let worst = report
        .categories
        .iter()
        .find(|c| c.category == category)
        .and_then(|c| c.grade_range)
        .map_or("-", |r| r.low.as_str());
    format!(
        "The overall grade is held at {}: {} grades {worst}, and the overall grade is at most one letter above the weakest category",
        report.summary.grade.map_or("-", |g| g.as_str()),
        category.title()
    )
}

pub(super) fn score_text(s: Option<f64>) -> String {
    s.map_or_else(|| "-".to_string(), format_number)
}

fn grade_class(g: Option<&str>) -> String {
    format!("grade-{}", g.map_or("none".to_string(), str::to_ascii_lowercase))
}

/// What to gather for a rule that could not run: what is missing outright,
/// else the records its data lacked (the reason says which), in the data it reads.
fn data_needed(n: &super::NotAssessed, status: Status) -> String {
    if status == Status::Error {
        "none: the rule itself broke, not the data; its author can fix it".to_string()
    } else if !n.missing.is_empty() {
        n.missing.join(", ")
    } else if !n.needs.is_empty() {
        format!("the records the reason names, in {}", n.needs.join("; "))
    } else {
        "none named by the rule: its reason says what it lacked".to_string()
    }
}

/// `text` as a CSS string body: every character that is not a letter,
/// digit or space written as a CSS escape, so no name can end the string.
/// Each escape ends with a space: CSS reads one whitespace after a hex
/// escape as its end, so without it "audit: Acme" printed "audit:Acme".
fn css_string(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == ' ' {
                c.to_string()
            } else {
                format!("\\{:06x} ", c as u32)
            }
        })
        .collect()
}

pub fn build(report: &Report, branding: &Branding) -> View {
    let s = &report.summary;
    let plan: Vec<RuleView> = report
        .remediation_plan()
        .into_iter()
        .map(|r| rule_view(r, &report.audit.currency))
        .collect();
    let categories = report
        .categories
        .iter()
        .map(|c| CategoryView {
            key: c.category.as_str(),
            title: c.category.title(),
            description: c.category.description(),
            score: score_text(c.score),
            grade: c.grade.map_or("-", |g| g.as_str()).to_string(),
            grade_class: grade_class(c.grade.map(|g| g.as_str())),
            coverage: format_percent(c.coverage),
            counts: c.counts.clone(),
            story: super::story::category_paragraph(report, c),
            rules: report
                .results
                .iter()
                .filter(|r| r.category == c.category)
                .map(|r| rule_view(r, &report.audit.currency))
                .collect(),
        })
        .collect();
    let m = &report.methodology;
    let status_of = |n: &super::NotAssessed| {
        report
            .results
            .iter()
            .find(|r| r.id == n.rule)
            .map_or(Status::NotAssessed, |r| r.status)
    };
    View {
        org: report.audit.org.clone(),
        as_of: report.audit.as_of.clone(),
        period_start: report.audit.period_start.clone(),
        period_end: report.audit.period_end.clone(),
        currency: report.audit.currency.clone(),
        tool_version: report.tool.version,
        print_title: css_string(&format!(
            "Marketing health audit: {} \u{b7} as of {}",
            report.audit.org, report.audit.as_of
        )),
        branding: branding.clone(),
        summary: SummaryView {
            has_score: s.score.is_some(),
            score: score_text(s.score),
            grade: s.grade.map_or("-", |g| g.as_str()).to_string(),
            grade_class: grade_class(s.grade.map(|g| g.as_str())),
            maturity: s.maturity.unwrap_or("-").to_string(),
            coverage: format_percent(s.coverage),
            coverage_floor: format_percent(m.coverage_floor),
            provisional: s.provisional,
            range: crate::score::range_text(s.grade_range, s.coverage),
            provisional_text: provisional_text(s, m.coverage_floor),
            capped_text: capped_text(report),
            counts: s.counts.clone(),
            flagged: plan.len(),
            tiers: tiers_text(&report.bundle.tiers),
        },
        story: super::story::executive_summary(report),
        categories,
        top_risks: plan.iter().take(TOP_RISKS).cloned().collect(),
        working: report
            .results
            .iter()
            .filter(|r| r.status == Status::Pass)
            .map(|r| rule_view(r, &report.audit.currency))
            .collect(),
        plan,
        not_assessed: report
            .not_assessed
            .iter()
            .map(|n| NotAssessedView {
                rule: n.rule.clone(),
                title: n.title.clone(),
                category: n.category.title(),
                status_label: status_label(status_of(n)),
                // A rule error names code (functions, files): shown as written.
                reason: if status_of(n) == Status::Error {
                    n.reason.clone()
                } else {
                    client_text(&n.reason)
                },
                missing: n.missing.clone(),
                data_needed: data_needed(n, status_of(n)),
            })
            .collect(),
        waived: report.waivers.waived.clone(),
        waiver_warnings: report.waivers.warnings.clone(),
        baseline: report.baseline.as_ref().map(super::changes::baseline_view),
        methodology: MethodologyView {
            scoring_method_version: m.scoring_method_version,
            rule_pack_hash: m.rule_pack_hash.clone(),
            rule_pack_hash_short: m.rule_pack_hash.chars().take(12).collect(),
            rule_pack_dirs: m.rule_pack_dirs.join(", "),
            rules: m.rules,
            coverage_floor: format_percent(m.coverage_floor),
            grade_bands: m
                .grade_bands
                .iter()
                .map(|(g, from)| (g.clone(), format_number(*from)))
                .collect(),
            changed_params: m
                .changed_params
                .iter()
                .map(|p| ChangedParamView {
                    rule: p.rule.clone(),
                    param: p.param.clone(),
                    value: p.value.to_text(),
                    default: p.default.to_text(),
                    origin: match p.origin {
                        crate::rules::params::ParamOrigin::Default => "default",
                        crate::rules::params::ParamOrigin::Profile => "org profile",
                        crate::rules::params::ParamOrigin::Config => "mktaudit.yaml",
                    },
                })
                .collect(),
            notes: m.notes.clone(),
            configs: config_lines(&m.configs),
        },
        datasets: report.bundle.datasets.clone(),
        bundle_notes: report.bundle.notes.clone(),
        field_values: super::readings::field_values(&report.bundle.values),
    }
}

/// The category bar chart of the executive summary.
pub fn category_chart(report: &Report) -> String {
    let bars: Vec<super::svg::Bar<'_>> = report
        .categories
        .iter()
        .map(|c| super::svg::Bar {
            label: c.category.title(),
            score: c.score,
            grade: c.grade.map(|g| g.as_str()),
        })
        .collect();
    super::svg::category_bars(&bars, &report.methodology.grade_bands)
}

/// The configs of an audit as lines for the reports.
pub fn config_lines(configs: &[crate::config::ConfigUse]) -> Vec<String> {
    if configs.is_empty() {
        return vec!["none: built-in defaults and command-line options only".to_string()];
    }
    configs.iter().map(crate::config::ConfigUse::describe).collect()
}

/// The two tiers' coverage in one sentence.
pub(crate) fn tiers_text(tiers: &[super::TierCoverage]) -> String {
    let parts: Vec<String> = tiers
        .iter()
        .filter(|t| t.rules > 0)
        .map(|t| {
            format!(
                "{}: {} of {} {} assessed",
                t.label,
                t.assessed,
                t.rules,
                if t.rules == 1 { "rule" } else { "rules" }
            )
        })
        .collect();
    let mut text = parts.join("; ");
    if let Some(first) = text.get(..1) {
        text = first.to_uppercase() + &text[1..];
    }
    text
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_css_escape_keeps_the_space_after_it() {
        assert_eq!(super::css_string("a: b\""), "a\\00003a  b\\000022 ");
    }
}
