//! Rules: the validated form of rule files, and the rule pack they make up.
//!
//! `format.rs` is the file format as serde reads it, `load.rs` turns files
//! into `Rule`s (collecting every problem), `condition.rs` and `metric.rs`
//! evaluate the declarative checks and `script/` runs Rhai checks.

pub(crate) mod bound;
pub mod budget;
pub mod condition;
pub mod definitions;
mod demand;
mod filter;
pub mod format;
mod group;
pub(crate) mod keyfilter;
mod load;
pub mod metric;
pub(crate) mod ordered_keys;
pub mod params;
pub(crate) mod pattern;
pub mod plan;
pub mod script;
pub(crate) mod select;
pub(crate) mod shared;
pub mod textset;
pub mod unrecognised;
mod validate;
mod validate_check;
pub mod vocab;

pub use load::{LoadedRules, default_pack_dir, load_rule_dirs, load_rule_dirs_for_audit};

use crate::error::SourceFile;
use crate::value::Value;
use format::{RawAggregateCheck, RawRowsCheck, RawTest, Reference};
use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

/// The five characteristics of high-performance marketing (SiriusDecisions),
/// which are the scoring categories.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    Competent,
    Credible,
    Accountable,
    Strategic,
    Integrated,
}

impl Category {
    pub const ALL: [Category; 5] = [
        Category::Competent,
        Category::Credible,
        Category::Accountable,
        Category::Strategic,
        Category::Integrated,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::Competent => "competent",
            Category::Credible => "credible",
            Category::Accountable => "accountable",
            Category::Strategic => "strategic",
            Category::Integrated => "integrated",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Category::Competent => "Competent",
            Category::Credible => "Credible",
            Category::Accountable => "Accountable",
            Category::Strategic => "Strategic",
            Category::Integrated => "Integrated",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            Category::Competent => {
                "Marketing has the skills and processes to deliver quality demand before asking sales to act on it."
            }
            Category::Credible => {
                "Marketing reports KPIs that show business health, and claims no more credit than it earned."
            }
            Category::Accountable => {
                "Marketing owns pipeline and revenue numbers and reports its contribution regularly."
            }
            Category::Strategic => "Marketing brings its own plan, grounded in facts, instead of reacting to requests.",
            Category::Integrated => "Marketing works hand in hand with sales, product and the CEO.",
        }
    }

    pub fn parse(s: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::Info,
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// The weight a rule gets when it does not set one.
    pub fn default_weight(self) -> f64 {
        match self {
            Severity::Info => 0.0,
            Severity::Low => 1.0,
            Severity::Medium => 2.0,
            Severity::High => 3.0,
            Severity::Critical => 5.0,
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        Severity::ALL.into_iter().find(|v| v.as_str() == s.to_ascii_lowercase())
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// A declared param: its default and its profile-dependent defaults.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Param {
    pub default: Value,
    pub description: Option<String>,
    pub by_profile: BTreeMap<String, BTreeMap<String, Value>>,
}

/// A validated rule, ready to evaluate.
#[derive(Debug, Clone)]
pub struct Rule {
    pub id: String,
    pub title: String,
    pub pass_title: Option<String>,
    pub category: Category,
    pub severity: Severity,
    pub weight: f64,
    pub rationale: String,
    pub remediation: String,
    pub effort: Option<format::Effort>,
    pub references: Vec<Reference>,
    pub params: IndexMap<String, Param>,
    /// Datasets and fields the rule needs: declared plus those its check names.
    pub requires: BTreeMap<String, BTreeSet<String>>,
    /// Datasets and fields read when present (scripts).
    pub optional: BTreeMap<String, BTreeSet<String>>,
    /// Fields the check reads through a vocabulary that it cannot do without
    /// when their dataset is there: read as "none of these" on every row, an
    /// absent column would decide the rule. Those the rule declares in
    /// `optional:` are left out (it handles their absence on purpose).
    pub interprets: BTreeMap<String, BTreeSet<String>>,
    /// Whether the rule's dated datasets must cover the whole audit period.
    pub period: format::PeriodNeed,
    pub check: Check,
    pub tests: Vec<RawTest>,
    /// The rule file (for diagnostics and the pack hash).
    pub source: SourceFile,
    /// sha256 of the rule file and its script: tells a changed rule from a changed org.
    pub hash: String,
    pub path: PathBuf,
}

impl Rule {
    /// The datasets the rule reads, needed or when present.
    pub fn datasets(&self) -> BTreeSet<&str> {
        self.requires
            .keys()
            .chain(self.optional.keys())
            .map(String::as_str)
            .collect()
    }

    /// The fields the rule reads through a vocabulary, each with the
    /// vocabularies: `(dataset, field) -> vocabularies`. Their values are
    /// interpreted, so an absent column cannot read as "none of these".
    pub fn vocabulary_reads(&self) -> BTreeMap<(String, String), BTreeSet<String>> {
        let mut uses = Vec::new();
        match &self.check {
            Check::Plan(p) => uses.extend(p.vocab_uses.iter().cloned()),
            Check::Rows(r) => {
                for c in std::iter::once(&r.flag).chain(&r.filter) {
                    unrecognised::condition_vocab_uses(c, &r.dataset, &mut uses);
                }
            }
            Check::Aggregate(a) => metric_vocab_uses(&a.value, &mut uses),
            Check::Script(_) => {}
        }
        let mut out: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
        for (dataset, field, vocab) in uses {
            out.entry((dataset, field)).or_default().insert(vocab);
        }
        out
    }
}

fn metric_vocab_uses(m: &format::RawMetric, out: &mut Vec<unrecognised::VocabUse>) {
    for a in [&m.count, &m.sum, &m.avg, &m.min, &m.max, &m.distinct]
        .into_iter()
        .flatten()
    {
        if let Some(c) = &a.filter {
            unrecognised::condition_vocab_uses(c, &a.dataset, out);
        }
    }
    if let Some(s) = &m.share {
        for c in std::iter::once(&s.filter).chain(&s.within) {
            unrecognised::condition_vocab_uses(c, &s.dataset, out);
        }
    }
    if let Some(r) = &m.ratio {
        metric_vocab_uses(&r.of, out);
        metric_vocab_uses(&r.to, out);
    }
    for list in [&m.sub, &m.mul].into_iter().flatten() {
        list.iter().for_each(|m| metric_vocab_uses(m, out));
    }
}

#[derive(Debug, Clone)]
pub enum Check {
    Rows(Box<RawRowsCheck>),
    Aggregate(Box<RawAggregateCheck>),
    Script(Arc<script::CompiledScript>),
    Plan(Box<PlanCheck>),
}

/// A declarative plan as loaded: compiled once, run with each audit's params.
#[derive(Debug, Clone)]
pub struct PlanCheck {
    pub compiled: Arc<plan::Plan>,
    /// (dataset, field, vocabulary) the plan's conditions read with
    /// `in_vocab`: what the notes on unrecognised values look at.
    pub vocab_uses: Vec<unrecognised::VocabUse>,
    /// The definitions the plan uses (`is:`), each as it read when the rule
    /// loaded: part of the rule's hash, as its own text is.
    pub definitions: Vec<definitions::Used>,
    /// Fields the plan reads only to show them in the findings shown (see
    /// [`plan::reads_and_shown`]), and the rule declares no need of.
    pub shown: BTreeMap<String, BTreeSet<String>>,
}

impl Check {
    pub fn kind(&self) -> &'static str {
        match self {
            Check::Rows(_) => "rows",
            Check::Aggregate(_) => "aggregate",
            Check::Script(_) => "script",
            Check::Plan(_) => "plan",
        }
    }
}

/// The rules of one run, from one or more packs, in id order.
#[derive(Debug, Clone, Default)]
pub struct RulePack {
    pub rules: Vec<Rule>,
    /// sha256 over every rule file and script (sorted by id): identifies the
    /// exact rules behind a report.
    pub hash: String,
    /// The pack folders, as given.
    pub dirs: Vec<String>,
    /// The words rules interpret, from the packs' `vocabularies.yaml` (and the org's config).
    pub vocabularies: vocab::Vocabularies,
}

impl RulePack {
    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }

    /// Datasets read by rules that judge the whole period.
    pub fn whole_period_datasets(&self) -> BTreeSet<&str> {
        self.rules
            .iter()
            .filter(|r| r.period == format::PeriodNeed::Whole)
            .flat_map(Rule::datasets)
            .collect()
    }

    /// Every dataset a rule of the pack reads, needed or when present.
    pub fn datasets(&self) -> BTreeSet<&str> {
        self.rules.iter().flat_map(Rule::datasets).collect()
    }
}

// What a rule ends as: pass, warn, fail, not assessed (its data is missing:
// never a pass), not applicable, waived, or error (the rule itself broke; the
// audit goes on). No doc comment: it would become the report schema's
// description, and the schema keeps its bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Pass,
    Warn,
    Fail,
    NotAssessed,
    /// The rule's subject is absent (no SLA to judge): neither a pass nor missing data.
    NotApplicable,
    /// Every finding is an accepted exception (a waiver in force): out of the
    /// score and its coverage, shown as waived, never a pass.
    Waived,
    Error,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Warn => "warn",
            Status::Fail => "fail",
            Status::NotAssessed => "not_assessed",
            Status::NotApplicable => "not_applicable",
            Status::Waived => "waived",
            Status::Error => "error",
        }
    }
    /// Whether the rule was assessed (and so counts in the score).
    pub fn assessed(self) -> bool {
        matches!(self, Status::Pass | Status::Warn | Status::Fail)
    }
}
