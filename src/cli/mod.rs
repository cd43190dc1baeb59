//! The command line: parses arguments, runs the library, prints, and maps
//! outcomes to exit codes (0 ran clean, 1 a gate tripped, 2 bad input/usage).

use crate::audit::{AuditOptions, default_rules_dir, run_audit};
use crate::error::ErrorCode;
use crate::error::{Problem, Problems};
use crate::report::{self, Format};
use crate::rules::{self, Category, RulePack, Severity};
use crate::ruletest::{self, Verdict};
use clap::{CommandFactory, FromArgMatches};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

mod args;
mod audit;
mod data;
mod formats;
mod gates;
mod history;
mod report_files;
mod rule_packs;
mod tools;
mod ui;

use args::{AuditArgs, Cli, Command, ConfigArgs, PackArgs, RulesCommand, TemplatesCommand};
use audit::audit;
use data::{generate, init, inspect};
use formats::format_named;
use history::{TrendOptions, diff, trend};
use rule_packs::{check, explain, list, load, new_rule, test};
use ui::{note, stderr_color, stdout_color, verbose};

/// The clap definition with the long `--version`: the number, the default
/// pack's hash and the scoring method, so a report can be traced to a build.
fn command() -> clap::Command {
    let cmd = Cli::command();
    let asks_version = std::env::args_os().skip(1).any(|a| a == "--version" || a == "-V");
    if !asks_version {
        return cmd;
    }
    let pack = match rules::load_rule_dirs(&[default_rules_dir()]) {
        Ok(l) => format!(
            "{} ({} rules)",
            &l.pack.hash[..l.pack.hash.len().min(12)],
            l.pack.rules.len()
        ),
        Err(_) => "unreadable".to_string(),
    };
    let long = format!(
        "{}\ndefault rule pack {pack}\nscoring method v{}\nreport schema {}",
        env!("CARGO_PKG_VERSION"),
        crate::score::METHOD_VERSION,
        report::SCHEMA_VERSION
    );
    // Computed once per process, when asked for: clap keeps `'static` text.
    let long: &'static str = Box::leak(long.into_boxed_str());
    cmd.long_version(long).version(long)
}

/// Parses the process arguments and runs; the binary's whole `main`.
pub fn main() -> ExitCode {
    let parsed = command().try_get_matches().and_then(|m| Cli::from_arg_matches(&m));
    let cli = match parsed {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    run(cli)
}

pub fn run(cli: Cli) -> ExitCode {
    ui::set(&cli.ui);
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
            format,
        } => inspect(bundle, &packs, &config, &format),
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
            no_config,
        } => trend(
            &reports,
            &TrendOptions {
                format: format.as_deref(),
                output: output.as_deref(),
                allow_other_org,
                template: template.as_deref(),
                config: config.as_deref(),
                no_config,
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
        Command::Docs { topic } => tools::docs(topic.as_deref()),
        Command::Templates(TemplatesCommand::Export { dir }) => tools::export_templates(&dir),
        Command::Completions { shell } => tools::completions(shell, command()),
        Command::Man => tools::man(command()),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(problems) => {
            eprint!("{}", problems.render(stderr_color()));
            ExitCode::from(problems.exit_code())
        }
    }
}

pub(super) fn usage(message: impl Into<String>, help: impl Into<String>) -> Problems {
    Problems(vec![Problem::new(ErrorCode::Usage, message).help(help)])
}

/// Writes to stdout, control characters from data shown escaped (see `safe_text`).
pub(super) fn print(text: &str) {
    let text = crate::safe_text::for_terminal(text, stdout_color());
    let mut out = std::io::stdout().lock();
    // A closed pipe (e.g. `| head`) is not an error worth reporting.
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}
