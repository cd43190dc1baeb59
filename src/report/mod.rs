//! The audit report: one serialisable model that every output format
//! renders, so all formats carry the same content. JSON is this model as is;
//! its `schema_version` changes whenever a field is renamed or removed.
//!
//! Adding a format: one new file here with a `render` function, and a
//! `Format` variant below.

pub mod branding;
mod build;
pub mod changes;
pub mod comparison;
mod engine;
/// The built-in templates (file name, text), for `mktaudit templates export`.
pub(crate) use engine::BUILT_IN as BUILT_IN_TEMPLATES;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
mod readings;
mod rule_view;
pub mod sarif;
pub mod story;
pub mod svg;
pub mod terminal;
pub mod trend;
pub mod view;
pub mod wording;

use crate::bundle::{Bundle, Note};
use crate::eval::{Finding, RuleResult, Status};
use crate::rules::{Category, RulePack, Severity};
use crate::score::{self, CategoryScore, Overall, Scorecard};
use serde::Serialize;
use std::collections::BTreeMap;

pub use build::{ReportInput, build};

pub const SCHEMA_VERSION: &str = "2.1";

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Report {
    pub schema_version: &'static str,
    pub tool: Tool,
    pub audit: AuditInfo,
    pub summary: Overall,
    pub categories: Vec<CategoryScore>,
    /// One entry per rule, worst first within each category.
    pub results: Vec<RuleResult>,
    /// Rules that could not be assessed, and the data that would fix that.
    pub not_assessed: Vec<NotAssessed>,
    pub methodology: Methodology,
    pub bundle: BundleInfo,
    /// Findings accepted as exceptions, and warnings about expired or unused waivers.
    pub waivers: crate::waivers::WaiverOutcome,
    /// The comparison with a previous audit (`--baseline`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<comparison::Comparison>,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Tool {
    pub name: &'static str,
    pub version: &'static str,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct AuditInfo {
    pub org: String,
    pub as_of: String,
    pub period_start: String,
    pub period_end: String,
    pub currency: String,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct NotAssessed {
    pub rule: String,
    pub title: String,
    pub category: Category,
    pub reason: String,
    /// Datasets and fields to gather.
    pub missing: Vec<String>,
    /// The data the rule reads (`dataset: field, field`): where the records it
    /// lacked belong, when nothing is missing outright.
    pub needs: Vec<String>,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Methodology {
    pub scoring_method_version: &'static str,
    pub coverage_floor: f64,
    pub grade_bands: Vec<(String, f64)>,
    pub rule_pack_dirs: Vec<String>,
    pub rule_pack_hash: String,
    pub rules: usize,
    /// Params whose value in this audit differs from the rule's default.
    pub changed_params: Vec<ChangedParam>,
    pub notes: Vec<String>,
    /// Every config that applied (yours, or the bundle's), and what of a
    /// bundle's config was ignored. Empty: built-in defaults only.
    pub configs: Vec<crate::config::ConfigUse>,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ChangedParam {
    pub rule: String,
    pub param: String,
    pub value: crate::value::Value,
    pub default: crate::value::Value,
    pub origin: crate::rules::params::ParamOrigin,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct BundleInfo {
    pub datasets: Vec<DatasetInfo>,
    pub notes: Vec<Note>,
    /// Each field the rules read through a vocabulary: its distinct values
    /// (most frequent first), what each was read as (vocabulary names; none
    /// when no word of the pack knew it) and the rules that read it.
    pub values: Vec<crate::rules::unrecognised::FieldReading>,
    /// Coverage of the two tiers of rules: those that run on the CRM and ad
    /// exports alone, and those that need the documents (KPI list, plans,
    /// targets, meetings), so an exports-only audit says what documents add.
    pub tiers: Vec<TierCoverage>,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct TierCoverage {
    /// `exports` or `documents`.
    pub tier: String,
    /// How the report names it: "from your exports", "from the documents you gave us".
    pub label: String,
    pub rules: usize,
    /// Rules of the tier that were assessed (pass, warn or fail).
    pub assessed: usize,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct DatasetInfo {
    pub name: String,
    pub file: String,
    pub rows: usize,
    pub fields: Vec<String>,
}

impl Report {
    /// Rules with failures or warnings, most points recoverable first; among
    /// equal points, quick wins first (a rule that does not say its effort
    /// after those that do), then the more severe, then by id.
    pub fn remediation_plan(&self) -> Vec<&RuleResult> {
        let mut plan: Vec<&RuleResult> = self
            .results
            .iter()
            .filter(|r| matches!(r.status, Status::Fail | Status::Warn))
            .collect();
        let effort_rank = |r: &RuleResult| r.effort.map_or(u8::MAX, |e| e as u8);
        plan.sort_by(|a, b| {
            // Points are shown to one decimal: ties are ties as the reader sees them.
            let shown = |r: &RuleResult| (r.points_recoverable * 10.0).round() as i64;
            shown(b)
                .cmp(&shown(a))
                .then(effort_rank(a).cmp(&effort_rank(b)))
                .then(b.severity.cmp(&a.severity))
                .then(a.id.cmp(&b.id))
        });
        plan
    }

    /// Whether any warn or fail outcome is at or above `severity`.
    pub fn reaches(&self, severity: Severity) -> bool {
        self.results
            .iter()
            .any(|r| matches!(r.status, Status::Fail | Status::Warn) && r.severity >= severity)
    }
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Format {
    Terminal,
    Json,
    Markdown,
    Html,
    Sarif,
    Junit,
}

impl Format {
    pub const ALL: &'static [(&'static str, Format)] = &[
        ("terminal", Format::Terminal),
        ("json", Format::Json),
        ("md", Format::Markdown),
        ("markdown", Format::Markdown),
        ("html", Format::Html),
        ("sarif", Format::Sarif),
        ("junit", Format::Junit),
    ];

    pub fn parse(s: &str) -> Option<Format> {
        Format::ALL
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(s.trim()))
            .map(|(_, f)| *f)
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Terminal => "txt",
            Format::Json => "json",
            Format::Markdown => "md",
            Format::Html => "html",
            Format::Sarif => "sarif",
            Format::Junit => "xml",
        }
    }
}

/// How to render: colour for the terminal; branding and own templates for HTML and Markdown.
#[derive(Debug, Clone, Default)]
pub struct RenderOptions {
    pub color: bool,
    /// Columns the terminal report wraps to (`terminal::DEFAULT_WIDTH` when unset).
    pub width: Option<usize>,
    pub branding: branding::Branding,
}

impl RenderOptions {
    /// The user's template for `format`, if config or `--template` chose one.
    pub fn template(&self, format: Format) -> Option<&std::path::Path> {
        match format {
            Format::Html => self.branding.templates.html.as_deref(),
            Format::Markdown => self.branding.templates.md.as_deref(),
            Format::Terminal | Format::Json | Format::Sarif | Format::Junit => None,
        }
    }
}

/// Renders the report. Only a user template can fail (a diagnostic at its line).
pub fn render(report: &Report, format: Format, opts: &RenderOptions) -> Result<String, crate::error::Problems> {
    match format {
        Format::Terminal => {
            let width = opts.width.unwrap_or(terminal::DEFAULT_WIDTH);
            Ok(crate::safe_text::for_terminal(&terminal::render(report, opts.color, width), opts.color).into_owned())
        }
        Format::Json => Ok(json::render(report)),
        Format::Sarif => Ok(sarif::render(report)),
        Format::Junit => Ok(junit::render(report)),
        Format::Markdown => markdown::render(report, &opts.branding, opts.template(format)),
        Format::Html => html::render(report, &opts.branding, opts.template(format)),
    }
}
