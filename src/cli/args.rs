//! The command line's shape: every command, argument and help text, as
//! clap reads them.

use super::{audit, ui};
use crate::audit::default_rules_dir;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

const AFTER_HELP: &str = "\
Examples:
  mktaudit init acme-2025/                            start a bundle: templates and what to gather
  mktaudit audit acme-2025/                           terminal report of a bundle folder
  mktaudit audit BUNDLE -o out/report.html            the format follows the extension
  mktaudit audit BUNDLE --fail-on high --fail-under C
                                                      a CI gate (exit 1, the reason on stderr)
  mktaudit audit BUNDLE --baseline last.json --fail-on-new
  mktaudit inspect BUNDLE                             what was read and what is missing
  mktaudit explain CRED-001                           why a rule matters and what to do
  mktaudit schema config                              the JSON Schema of mktaudit.yaml
  mktaudit docs rules                                 the rule language (`mktaudit docs` lists the pages)

Exit codes:
  0  the command ran; no gate tripped
  1  a gate tripped (--fail-on, --fail-under, --fail-on-new; the reason is on stderr),
     or `rules test` found a failing case
  2  bad input or usage: nothing to audit, a file that cannot be read or parsed, an unknown
     option; a diagnostic names the file, line and column, and nothing is written

Environment: NO_COLOR, CLICOLOR_FORCE, FORCE_COLOR and TERM=dumb are honoured (see --color).";

#[derive(Debug, Parser)]
#[command(
    name = "mktaudit",
    version,
    about = "Audit a marketing organisation's exports against rules for known anti-patterns, and get a graded, evidenced report.",
    after_help = AFTER_HELP
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    #[command(flatten)]
    pub ui: ui::UiArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Audit a bundle (a folder of exports) and print or write the report.
    #[command(after_help = audit::AFTER_HELP)]
    Audit(AuditArgs),
    /// List, test and check rule packs.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Compare two JSON reports of the same org: score changes and new, resolved and persisting findings.
    Diff {
        /// The earlier JSON report (`audit --format json`).
        old: PathBuf,
        /// The later JSON report of the same org.
        new: PathBuf,
        /// terminal or json (default: from the extension of --output, else terminal).
        #[arg(long, short)]
        format: Option<String>,
        /// Write to FILE instead of printing (folders are created).
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Compare reports of different orgs (e.g. after a rename); refused otherwise.
        #[arg(long)]
        allow_other_org: bool,
    },
    /// Overall and category scores over time, from JSON reports (any order).
    Trend {
        /// JSON reports of the same org (`audit --format json`), in any order: they are sorted by audit date.
        #[arg(required = true, value_name = "REPORT.json")]
        reports: Vec<PathBuf>,
        /// terminal, json, md or html (default: from the extension of --output, else terminal).
        #[arg(long, short)]
        format: Option<String>,
        /// Write to FILE instead of printing (folders are created).
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Chart reports of different orgs together; refused otherwise.
        #[arg(long)]
        allow_other_org: bool,
        /// Your own template for the md or html trend (`mktaudit templates export DIR` gives the built-in ones to start from).
        #[arg(long, value_name = "FILE")]
        template: Option<PathBuf>,
        /// Config with the `branding:` for md and html (default: mktaudit.yaml in the working folder).
        #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
        config: Option<PathBuf>,
        /// Read no config file.
        #[arg(long)]
        no_config: bool,
    },
    /// Print the JSON Schema of a file kind (rule, bundle, config, report) for editors and tools.
    Schema {
        /// rule, bundle (the bundle.yaml manifest), config (mktaudit.yaml) or report (the JSON report).
        kind: String,
    },
    /// Generate a realistic bundle of N leads and N opportunities (for benchmarks and tests).
    Gen {
        /// Leads and opportunities to write (each).
        #[arg(long, default_value_t = 10_000)]
        rows: u64,
        /// A new or empty folder to write the bundle into.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// The same seed always gives the same bytes.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// The org the data describes: `healthy` (every default rule passes) or `troubled` (most fail).
        #[arg(long, value_enum, default_value_t = crate::generator::Profile::Healthy)]
        profile: crate::generator::Profile,
    },
    /// Start a bundle folder: commented bundle.yaml, a template per dataset and GATHER.md (what to ask whom for).
    Init {
        /// A new or empty folder.
        dir: PathBuf,
        #[command(flatten)]
        packs: PackArgs,
    },
    /// Data readiness: what was read and how, which rules can be assessed, what is missing, joins.
    Inspect {
        /// The bundle folder.
        bundle: PathBuf,
        #[command(flatten)]
        packs: PackArgs,
        #[command(flatten)]
        config: ConfigArgs,
        /// terminal or json.
        #[arg(long, short, default_value = "terminal")]
        format: String,
    },
    /// Explain a rule: why it matters, what to do, its params and the data it needs.
    Explain {
        /// Rule id, e.g. CRED-001.
        id: String,
        #[command(flatten)]
        packs: PackArgs,
    },
    /// Print a reference page (rules, bundle, sources, reports, cli, ...); without TOPIC, list them.
    Docs {
        /// The page, e.g. `rules` or `bundle`.
        topic: Option<String>,
    },
    /// The built-in report templates, to start a custom one from.
    #[command(subcommand)]
    Templates(TemplatesCommand),
    /// Print a shell completion script, e.g. `mktaudit completions bash > /etc/bash_completion.d/mktaudit`.
    Completions {
        /// bash, zsh, fish, elvish or powershell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), e.g. `mktaudit man > ~/.local/share/man/man1/mktaudit.1`.
    Man,
}

#[derive(Debug, Subcommand)]
pub enum TemplatesCommand {
    /// Write the built-in templates (report.html, report.md, trend.html, trend.md) into DIR; existing files are never overwritten.
    Export {
        /// The folder to write into (created if missing).
        dir: PathBuf,
    },
}

#[derive(Debug, Args, Clone)]
pub struct PackArgs {
    /// A rule pack folder to add after the default pack (repeatable; later packs override rules with the same id).
    #[arg(long = "rules", value_name = "DIR")]
    pub rules: Vec<PathBuf>,
    /// Do not load the default pack: use only the --rules folders.
    #[arg(long)]
    pub no_default_rules: bool,
}

impl PackArgs {
    pub fn dirs(&self) -> Vec<PathBuf> {
        let mut dirs = Vec::new();
        if !self.no_default_rules {
            dirs.push(default_rules_dir());
        }
        dirs.extend(self.rules.iter().cloned());
        dirs
    }
}

/// Which config applies: the user's, the bundle's, or none.
#[derive(Debug, Args, Clone)]
pub struct ConfigArgs {
    /// Your config file (default: mktaudit.yaml in the working folder). A mktaudit.yaml inside the bundle may only set `profile:`.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Apply the bundle's own mktaudit.yaml in full (rules, weights, waivers, branding, ...), as if it were yours; without --config only.
    #[arg(long)]
    pub trust_bundle_config: bool,
    /// Read no config file at all: neither yours nor the bundle's (built-in defaults and command-line options only).
    #[arg(long, conflicts_with_all = ["config", "trust_bundle_config"])]
    pub no_config: bool,
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// The bundle folder; several, or a folder of bundle folders, audit a portfolio in parallel.
    #[arg(required = true, value_name = "BUNDLE")]
    pub bundles: Vec<PathBuf>,
    #[command(flatten)]
    pub packs: PackArgs,
    /// Output format(s), comma-separated: terminal, json, md, html, sarif, junit (default: from the extension of --output, else terminal).
    #[arg(long, short, value_name = "FORMAT")]
    pub format: Option<String>,
    /// Write the report to this file instead of standard output (one format; missing folders are created).
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Write one file per format into this folder (report.<ext>).
    #[arg(long, value_name = "DIR", conflicts_with = "output")]
    pub output_dir: Option<PathBuf>,
    /// The audit date, YYYY-MM-DD (default: the end of the bundle's period, or today if sooner).
    #[arg(long, value_name = "DATE", value_parser = audit_date)]
    pub as_of: Option<chrono::NaiveDate>,
    /// Exit 1 when a rule warns or fails at or above SEVERITY (info, low, medium, high, critical), or any rule ends as an error; `error`: only when a rule ends as an error.
    #[arg(long, value_name = "SEVERITY|error")]
    pub fail_on: Option<String>,
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Exit 1 when the overall score is below SCORE (0-100) or the grade worse than GRADE (A-F); no score at all trips it too.
    #[arg(long, value_name = "SCORE|GRADE")]
    pub fail_under: Option<String>,
    /// A previous JSON report of the same org: show score changes and new, resolved and persisting problems.
    #[arg(long, value_name = "REPORT.json")]
    pub baseline: Option<PathBuf>,
    /// Accept a --baseline of another org (e.g. after a rename); refused otherwise.
    #[arg(long, requires = "baseline")]
    pub allow_other_org: bool,
    /// Exit 1 when a rule warns or fails that did not in the --baseline report (a problem is its rule and subject, as in `diff`).
    #[arg(long, requires = "baseline")]
    pub fail_on_new: bool,
    /// Run only these rules: ids, id prefixes (STRAT, CRED-00) or categories (credible), comma-separated or repeated.
    #[arg(long, value_name = "RULES", value_delimiter = ',')]
    pub select: Vec<String>,
    /// Do not run these rules: ids, id prefixes or categories, comma-separated or repeated (applied after --select).
    #[arg(long, value_name = "RULES", value_delimiter = ',')]
    pub ignore: Vec<String>,
    /// Your own HTML (.html) or Markdown (.md) report template, replacing the built-in one (repeatable).
    #[arg(long, value_name = "FILE")]
    pub template: Vec<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// List the rules of the packs.
    List {
        #[command(flatten)]
        packs: PackArgs,
        /// terminal or json.
        #[arg(long, short, default_value = "terminal")]
        format: String,
    },
    /// Run every rule's inline tests and report noisy and missing rules.
    Test {
        /// Pack folders to test (default: the default pack and any --rules).
        dirs: Vec<PathBuf>,
        #[command(flatten)]
        packs: PackArgs,
        /// Only this rule.
        #[arg(long)]
        rule: Option<String>,
    },
    /// Validate rule files and scripts; report every problem with its line.
    Check {
        /// Pack folders (default: the default pack).
        dirs: Vec<PathBuf>,
    },
    /// Scaffold a new rule with every field explained and its pass / fail / missing-data tests.
    New {
        /// Rule id, e.g. ACME-001.
        id: String,
        /// competent, credible, accountable, strategic or integrated.
        #[arg(long)]
        category: String,
        /// Write a Rhai script rule (ID.yaml + ID.rhai) instead of a declarative one.
        #[arg(long)]
        script: bool,
        /// The pack folder to write into (created if missing); use it with `--rules DIR`.
        #[arg(long, default_value = "my-rules")]
        dir: PathBuf,
    },
}

/// `--as-of`: a date with a four-digit year, as bundles' periods are.
fn audit_date(text: &str) -> Result<chrono::NaiveDate, String> {
    use chrono::Datelike;
    let date: chrono::NaiveDate = text.parse().map_err(|e| format!("{e}; write it as YYYY-MM-DD"))?;
    if !(crate::bundle::MIN_YEAR..=crate::bundle::MAX_YEAR).contains(&date.year()) {
        return Err(format!(
            "the year must be from {} to {}",
            crate::bundle::MIN_YEAR,
            crate::bundle::MAX_YEAR
        ));
    }
    Ok(date)
}
