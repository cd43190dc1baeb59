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
        old: PathBuf,
        new: PathBuf,
        /// terminal or json.
        #[arg(long, short, default_value = "terminal")]
        format: String,
    },
    /// Overall and category scores over time, from JSON reports (any order).
    Trend {
        #[arg(required = true)]
        reports: Vec<PathBuf>,
        /// terminal, json, md or html.
        #[arg(long, short, default_value = "terminal")]
        format: String,
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
        /// Config file (default: mktaudit.yaml in the bundle folder, else in the working folder).
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
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
    /// The bundle folder.
    pub bundle: PathBuf,
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
    /// Config file (default: mktaudit.yaml in the bundle folder, else in the working folder).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Exit with code 1 when the overall score is below SCORE (0-100) or the grade worse than GRADE (A-F).
    #[arg(long, value_name = "SCORE|GRADE")]
    pub fail_under: Option<String>,
    /// A previous JSON report: show score changes and new, resolved and persisting findings.
    #[arg(long, value_name = "REPORT.json")]
    pub baseline: Option<PathBuf>,
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
            format,
        } => inspect(bundle, &packs, config, &format),
        Command::Diff { old, new, format } => diff(&old, &new, &format),
        Command::Trend {
            reports,
            format,
            template,
            config,
        } => trend(&reports, &format, template.as_deref(), config.as_deref()),
        Command::Gen { rows, out, seed } => generate(&out, rows, seed),
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
            let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            eprint!("{}", problems.render(color));
            ExitCode::from(2)
        }
    }
}

fn generate(out: &Path, rows: u64, seed: u64) -> Result<u8, Problems> {
    match crate::generator::generate(out, rows, seed) {
        Ok(g) => {
            eprintln!(
                "wrote {} files ({:.1} MB) into {}",
                g.files,
                g.bytes as f64 / 1e6,
                out.display()
            );
            Ok(0)
        }
        Err(e) => Err(Problems(vec![
            Problem::new("gen::write", format!("cannot generate into {}: {e}", out.display()))
                .help("name a new or empty folder, e.g. --out target/bench/1m"),
        ])),
    }
}

fn usage(message: impl Into<String>, help: impl Into<String>) -> Problems {
    Problems(vec![Problem::new("usage", message).help(help)])
}

fn stdout_color() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

fn print(text: &str) {
    let mut out = std::io::stdout().lock();
    // A closed pipe (e.g. `| head`) is not an error worth reporting.
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

fn audit(args: &AuditArgs) -> Result<u8, Problems> {
    let mut formats = Vec::new();
    for name in args.format.split(',') {
        match Format::parse(name) {
            Some(f) if !formats.contains(&f) => formats.push(f),
            Some(_) => {}
            None => {
                let known: Vec<&str> = Format::ALL.iter().map(|(n, _)| *n).collect();
                return Err(usage(
                    format!("`{name}` is not a known format"),
                    format!("formats: {}", known.join(", ")),
                ));
            }
        }
    }
    let fail_on = match &args.fail_on {
        None => None,
        Some(s) => Some(Severity::parse(s).ok_or_else(|| {
            usage(
                format!("`{s}` is not a severity"),
                "use one of: info, low, medium, high, critical",
            )
        })?),
    };
    let fail_under = args.fail_under.as_deref().map(parse_fail_under).transpose()?;
    if formats.len() > 1 && args.output_dir.is_none() {
        return Err(usage(
            "several formats need --output-dir",
            "e.g. --format terminal,json --output-dir reports/",
        ));
    }
    let mut opts = report::RenderOptions {
        color: false,
        branding: crate::config::load_config(args.config.as_deref(), &args.bundle)?.branding()?,
    };
    for t in &args.template {
        match Format::parse(&t.extension().unwrap_or_default().to_string_lossy()) {
            Some(Format::Html) => opts.branding.templates.html = Some(t.clone()),
            Some(Format::Markdown) => opts.branding.templates.md = Some(t.clone()),
            _ => {
                return Err(usage(
                    format!("`{}` is not an .html or .md template", t.display()),
                    "name the template after the format it renders: report.html or report.md",
                ));
            }
        }
    }
    let mut report = run_audit(&AuditOptions {
        bundle: args.bundle.clone(),
        rule_dirs: args.packs.dirs(),
        config: args.config.clone(),
        as_of: args.as_of,
        eval: None,
    })?;
    if let Some(path) = &args.baseline {
        let old = crate::compare::read_report(path)?;
        report.baseline = Some(crate::compare::compare(&old, &crate::compare::saved(&report)));
    }
    if let Some(dir) = &args.output_dir {
        std::fs::create_dir_all(dir).map_err(|e| {
            usage(
                format!("cannot create `{}`: {e}", dir.display()),
                "check the path and permissions",
            )
        })?;
        // Render every format before writing any, so a template error leaves no partial set.
        let mut rendered = Vec::new();
        for f in &formats {
            rendered.push((
                dir.join(format!("report.{}", f.extension())),
                report::render(&report, *f, &opts)?,
            ));
        }
        for (path, text) in rendered {
            write_report(&path, &text, &args.bundle, &opts)?;
        }
    } else if let Some(path) = &args.output {
        write_report(path, &report::render(&report, formats[0], &opts)?, &args.bundle, &opts)?;
    } else {
        opts.color = stdout_color();
        print(&report::render(&report, formats[0], &opts)?);
    }
    let under = fail_under.is_some_and(|gate| gate.trips(&report));
    Ok(u8::from(fail_on.is_some_and(|s| report.reaches(s)) || under))
}

/// `--fail-under`: a minimum score or grade.
#[derive(Debug, Clone, Copy)]
enum FailUnder {
    Score(f64),
    Grade(crate::score::Grade),
}

impl FailUnder {
    /// No score at all (nothing assessed) trips the gate: missing data is never a pass.
    fn trips(self, report: &report::Report) -> bool {
        match (self, report.summary.score, report.summary.grade) {
            (FailUnder::Score(min), Some(s), _) => s < min,
            (FailUnder::Grade(min), _, Some(g)) => g > min,
            _ => true,
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

fn diff(old: &Path, new: &Path, format: &str) -> Result<u8, Problems> {
    let c = crate::compare::compare(&crate::compare::read_report(old)?, &crate::compare::read_report(new)?);
    match format {
        "terminal" => print(&crate::compare::render_text(&c)),
        "json" => print(&format!(
            "{}\n",
            serde_json::to_string_pretty(&c).expect("serialisable")
        )),
        other => return Err(usage(format!("`{other}` is not a diff format"), "use terminal or json")),
    }
    Ok(0)
}

fn trend(paths: &[PathBuf], format: &str, template: Option<&Path>, config: Option<&Path>) -> Result<u8, Problems> {
    let mut reports = Vec::new();
    let mut problems = Problems::default();
    for p in paths {
        match crate::compare::read_report(p) {
            Ok(r) => reports.push(r),
            Err(e) => problems.extend(e),
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let t = crate::compare::trend(&reports);
    match format {
        "terminal" => print(&crate::compare::render_trend_text(&t)),
        "md" | "markdown" | "html" => {
            let branding = crate::config::load_config(config, Path::new("."))?.branding()?;
            print(&report::trend::render(&t, format == "html", &branding, template)?);
        }
        "json" => print(&format!(
            "{}\n",
            serde_json::to_string_pretty(&t).expect("serialisable")
        )),
        other => {
            return Err(usage(
                format!("`{other}` is not a trend format"),
                "use terminal, md, html or json",
            ));
        }
    }
    Ok(0)
}

/// Writes through a temporary file and a rename, so a crash never leaves a
/// half-written report, and refuses to replace a file of the bundle or a template.
fn write_report(path: &Path, text: &str, bundle: &Path, opts: &report::RenderOptions) -> Result<(), Problems> {
    let inputs = [
        ("a file of the bundle", Some(bundle)),
        ("a report template", opts.branding.templates.html.as_deref()),
        ("a report template", opts.branding.templates.md.as_deref()),
    ];
    if let Ok(target) = path.canonicalize()
        && let Some((what, _)) = inputs.into_iter().find(|(_, p)| {
            p.and_then(|p| p.canonicalize().ok())
                .is_some_and(|p| target.starts_with(p))
        })
    {
        return Err(usage(
            format!("`{}` is {what}; mktaudit never overwrites its input", path.display()),
            "write the report somewhere else",
        ));
    }
    crate::fsutil::write_atomic(path, text.as_bytes()).map_err(|e| {
        usage(
            format!("cannot write `{}`: {e}", path.display()),
            "check the path and permissions",
        )
    })
}

fn load(packs: &PackArgs) -> Result<RulePack, Problems> {
    Ok(rules::load_rule_dirs(&packs.dirs())?.pack)
}

fn list(packs: &PackArgs, format: &str) -> Result<u8, Problems> {
    let pack = load(packs)?;
    match format {
        "json" => {
            let rows: Vec<serde_json::Value> = pack
                .rules
                .iter()
                .map(|r| {
                    serde_json::json!({
                        "id": r.id, "title": r.title, "category": r.category, "severity": r.severity,
                        "weight": r.weight, "check": r.check.kind(), "requires": r.requires,
                    })
                })
                .collect();
            print(&format!(
                "{}\n",
                serde_json::to_string_pretty(&rows).expect("serialisable")
            ));
        }
        "table" => {
            let mut out = format!(
                "{:<12} {:<12} {:<9} {:>6}  {:<9} {}\n",
                "ID", "CATEGORY", "SEVERITY", "WEIGHT", "CHECK", "TITLE"
            );
            for c in Category::ALL {
                for r in pack.rules.iter().filter(|r| r.category == c) {
                    out.push_str(&format!(
                        "{:<12} {:<12} {:<9} {:>6}  {:<9} {}\n",
                        r.id,
                        r.category,
                        r.severity,
                        crate::value::format_number(r.weight),
                        r.check.kind(),
                        r.title
                    ));
                }
            }
            out.push_str(&format!("{} rules\n", pack.rules.len()));
            print(&out);
        }
        other => return Err(usage(format!("`{other}` is not a list format"), "use table or json")),
    }
    Ok(0)
}

fn test(dirs: &[PathBuf], packs: &PackArgs, only: Option<&str>) -> Result<u8, Problems> {
    let pack = if dirs.is_empty() {
        load(packs)?
    } else {
        let mut all = dirs.to_vec();
        all.extend(packs.rules.iter().cloned());
        rules::load_rule_dirs(&all)?.pack
    };
    if let Some(id) = only
        && pack.get(id).is_none()
    {
        let ids: Vec<&str> = pack.rules.iter().map(|r| r.id.as_str()).collect();
        return Err(usage(
            format!("no rule `{id}` in the packs"),
            crate::error::suggest(id, &ids),
        ));
    }
    let results = ruletest::run_pack_tests(&pack, only);
    let mut out = String::new();
    let mut failed = 0;
    for r in &results {
        let label = match r.verdict {
            Verdict::Validated => "ok     ",
            Verdict::Noisy => "NOISY  ",
            Verdict::Missing => "MISSING",
            Verdict::Wrong => "WRONG  ",
        };
        if r.verdict != Verdict::Validated {
            failed += 1;
        }
        out.push_str(&format!(
            "{label} {} :: {} (expected {}, got {})\n",
            r.rule,
            r.case,
            r.expected.as_str(),
            r.actual.as_str()
        ));
        if r.verdict != Verdict::Validated {
            out.push_str(&format!("        {}\n", r.detail));
        }
    }
    let untested: Vec<_> = ruletest::incomplete_rules(&pack)
        .into_iter()
        .filter(|(id, _)| only.is_none_or(|o| o == id))
        .collect();
    for (id, lacking) in &untested {
        out.push_str(&format!("note    {id} has no test expecting {}\n", lacking.join(", ")));
    }
    out.push_str(&format!("\n{} passed, {failed} failed\n", results.len() - failed));
    print(&out);
    Ok(u8::from(failed > 0))
}

fn check(dirs: Vec<PathBuf>) -> Result<u8, Problems> {
    let dirs = if dirs.is_empty() {
        vec![default_rules_dir()]
    } else {
        dirs
    };
    let loaded = rules::load_rule_dirs(&dirs)?;
    let mut out = format!(
        "{} rules in {} checked: no problems found.\n",
        loaded.pack.rules.len(),
        dirs.iter()
            .map(|d| d.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    );
    for n in &loaded.notes {
        out.push_str(&format!("note: {n}\n"));
    }
    print(&out);
    Ok(0)
}

fn explain(packs: &PackArgs, id: &str) -> Result<u8, Problems> {
    let pack = load(packs)?;
    let Some(rule) = pack
        .get(id)
        .or_else(|| pack.rules.iter().find(|r| r.id.eq_ignore_ascii_case(id)))
    else {
        let ids: Vec<&str> = pack.rules.iter().map(|r| r.id.as_str()).collect();
        return Err(usage(
            format!("no rule `{id}` in the packs"),
            crate::error::suggest(id, &ids),
        ));
    };
    print(&crate::explain::explain_text(rule));
    Ok(0)
}

fn init(dir: &Path, packs: &PackArgs) -> Result<u8, Problems> {
    let pack = load(packs)?;
    let written =
        crate::init::init(dir, &pack).map_err(|e| usage(e, "choose a new folder, e.g. `mktaudit init acme-2025`"))?;
    let mut out = String::new();
    for p in &written {
        out.push_str(&format!("wrote {}\n", p.display()));
    }
    out.push_str(&format!(
        "next: read {}/GATHER.md, drop the exports in the folder, then `mktaudit inspect {}`\n",
        dir.display(),
        dir.display()
    ));
    print(&out);
    Ok(0)
}

fn inspect(bundle: PathBuf, packs: &PackArgs, config: Option<PathBuf>, format: &str) -> Result<u8, Problems> {
    if !matches!(format, "text" | "json") {
        return Err(usage(
            format!("`{format}` is not an inspect format"),
            "use text or json",
        ));
    }
    let i = crate::inspect::run_inspect(&crate::inspect::InspectOptions {
        bundle,
        rule_dirs: packs.dirs(),
        config,
    })?;
    if format == "json" {
        print(&format!(
            "{}\n",
            serde_json::to_string_pretty(&i).expect("serialisable")
        ));
    } else {
        print(&crate::inspect::render_text(&i));
    }
    Ok(0)
}

fn new_rule(id: &str, category: &str, script: bool, dir: &Path) -> Result<u8, Problems> {
    let Some(cat) = Category::parse(category) else {
        let names: Vec<&str> = Category::ALL.iter().map(|c| c.as_str()).collect();
        return Err(usage(
            format!("`{category}` is not a category"),
            crate::error::suggest(category, &names),
        ));
    };
    let written =
        crate::scaffold::new_rule(dir, id, cat, script).map_err(|e| usage(e, "choose another id or folder"))?;
    let mut out = String::new();
    for p in &written {
        out.push_str(&format!("wrote {}\n", p.display()));
    }
    out.push_str(&format!(
        "next: edit it, then `mktaudit rules check {}` and `mktaudit rules test --rules {} --rule {id}`\n",
        dir.display(),
        dir.display()
    ));
    print(&out);
    Ok(0)
}
