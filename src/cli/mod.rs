//! The command line: parses arguments, runs the library, prints, and maps
//! outcomes to exit codes (0 ran clean, 1 a gate tripped, 2 bad input/usage).

use crate::audit::{AuditOptions, default_rules_dir, run_audit};
use crate::error::{Problem, Problems};
use crate::report::{self, Format};
use crate::rules::{self, Category, RulePack, Severity};
use crate::ruletest::{self, Verdict};
use clap::{Args, Parser, Subcommand};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

mod audit;
mod data;
mod history;
mod rule_packs;

use audit::audit;
use data::{generate, init, inspect};
use history::{TrendOptions, diff, trend};
use rule_packs::{check, explain, list, load, new_rule, test};

#[derive(Debug, Parser)]
#[command(
    name = "mktaudit",
    version,
    about = "Audit a marketing organisation's exports against rules for known anti-patterns, and get a graded, evidenced report."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Audit a bundle (a folder of exports) and print or write the report.
    Audit(AuditArgs),
    /// List, test and check rule packs.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Compare two JSON reports of the same org: score changes and new, resolved and persisting findings.
    Diff {
        /// The earlier JSON report.
        old: PathBuf,
        /// The later JSON report.
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
        /// JSON reports of the same org, in any order.
        #[arg(required = true)]
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
        /// Your own template for the md or html trend (see docs/reports.md).
        #[arg(long, value_name = "FILE")]
        template: Option<PathBuf>,
        /// Config with the `branding:` for md and html (default: mktaudit.yaml in the working folder).
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
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
        /// Your config file (default: mktaudit.yaml in the working folder). A mktaudit.yaml inside the bundle may only set `profile:`.
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// Apply the bundle's own mktaudit.yaml in full, as if it were yours (see `audit --help`).
        #[arg(long)]
        trust_bundle_config: bool,
        /// text or json.
        #[arg(long, short, default_value = "text")]
        format: String,
    },
    /// Explain a rule: why it matters, what to do, its params and the data it needs.
    Explain {
        /// Rule id, e.g. CRED-001.
        id: String,
        #[command(flatten)]
        packs: PackArgs,
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

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// The bundle folder; several, or a folder of bundle folders, audit a portfolio in parallel.
    #[arg(required = true, value_name = "BUNDLE")]
    pub bundles: Vec<PathBuf>,
    #[command(flatten)]
    pub packs: PackArgs,
    /// Output format(s), comma-separated: terminal, json, md, html.
    #[arg(long, short, default_value = "terminal", value_name = "FORMAT")]
    pub format: String,
    /// Write the report to this file instead of standard output (one format).
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Write one file per format into this folder (report.<ext>).
    #[arg(long, value_name = "DIR", conflicts_with = "output")]
    pub output_dir: Option<PathBuf>,
    /// The audit date, YYYY-MM-DD (default: the end of the bundle's period, or today if sooner).
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<chrono::NaiveDate>,
    /// Exit with code 1 when a warning or failure at or above this severity is found (info, low, medium, high, critical).
    #[arg(long, value_name = "SEVERITY")]
    pub fail_on: Option<String>,
    /// Your config file (default: mktaudit.yaml in the working folder). A mktaudit.yaml inside the bundle may only set `profile:`.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Apply the bundle's own mktaudit.yaml in full (rules, weights, waivers, branding, ...), as if it were yours; without --config only.
    #[arg(long)]
    pub trust_bundle_config: bool,
    /// Exit with code 1 when the overall score is below SCORE (0-100) or the grade worse than GRADE (A-F).
    #[arg(long, value_name = "SCORE|GRADE")]
    pub fail_under: Option<String>,
    /// A previous JSON report of the same org: show score changes and new, resolved and persisting problems.
    #[arg(long, value_name = "REPORT.json")]
    pub baseline: Option<PathBuf>,
    /// Accept a --baseline of another org (e.g. after a rename); refused otherwise.
    #[arg(long, requires = "baseline")]
    pub allow_other_org: bool,
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
        /// table or json.
        #[arg(long, default_value = "table")]
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
        /// The pack folder to write into.
        #[arg(long, default_value = "rules")]
        dir: PathBuf,
    },
}

/// Parses the process arguments and runs; the binary's whole `main`.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    run(cli)
}

pub fn run(cli: Cli) -> ExitCode {
    let result = match cli.command {
        Command::Audit(args) => audit(&args),
        Command::Rules(RulesCommand::List { packs, format }) => list(&packs, &format),
        Command::Rules(RulesCommand::Test { dirs, packs, rule }) => test(&dirs, &packs, rule.as_deref()),
        Command::Rules(RulesCommand::Check { dirs }) => check(dirs),
        Command::Rules(RulesCommand::New {
            id,
            category,
            script,
            dir,
        }) => new_rule(&id, &category, script, &dir),
        Command::Explain { id, packs } => explain(&packs, &id),
        Command::Init { dir, packs } => init(&dir, &packs),
        Command::Inspect {
            bundle,
            packs,
            config,
            trust_bundle_config,
            format,
        } => inspect(bundle, &packs, config, trust_bundle_config, &format),
        Command::Diff {
            old,
            new,
            format,
            output,
            allow_other_org,
        } => diff(&old, &new, format.as_deref(), output.as_deref(), allow_other_org),
        Command::Trend {
            reports,
            format,
            output,
            allow_other_org,
            template,
            config,
        } => trend(
            &reports,
            &TrendOptions {
                format: format.as_deref(),
                output: output.as_deref(),
                allow_other_org,
                template: template.as_deref(),
                config: config.as_deref(),
            },
        ),
        Command::Gen {
            rows,
            out,
            seed,
            profile,
        } => generate(&out, rows, seed, profile),
        Command::Schema { kind } => match crate::schema::schema(&kind) {
            Some(s) => {
                print(&s);
                Ok(0)
            }
            None => Err(usage(
                format!("no schema for `{kind}`"),
                format!("kinds: {}", crate::schema::KINDS.join(", ")),
            )),
        },
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(problems) => {
            let color = stderr_color();
            eprint!("{}", problems.render(color));
            ExitCode::from(2)
        }
    }
}

pub(super) fn usage(message: impl Into<String>, help: impl Into<String>) -> Problems {
    Problems(vec![Problem::new("usage", message).help(help)])
}

pub(super) fn stdout_color() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

pub(super) fn stderr_color() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

/// Writes to stdout, control characters from data shown escaped (see `safe_text`).
pub(super) fn print(text: &str) {
    let text = crate::safe_text::for_terminal(text, stdout_color());
    let mut out = std::io::stdout().lock();
    // A closed pipe (e.g. `| head`) is not an error worth reporting.
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}
