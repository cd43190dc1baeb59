//! `mktaudit audit`: one bundle, or a portfolio of bundles in parallel.

use super::gates::{Gates, rules_in_error};
use super::report_files::{create_folder, write_report, write_reports};
use super::*;
use crate::error::ErrorCode;

/// The audit's own help: the gates and what a rule error does to the exit code.
pub(super) const AFTER_HELP: &str = "\
Examples:
  mktaudit audit acme-2025/
  mktaudit audit BUNDLE -o out/report.html             the format follows the extension
  mktaudit audit BUNDLE -o mktaudit.sarif              SARIF 2.1.0 for code-scanning dashboards
  mktaudit audit BUNDLE -o junit.xml                   JUnit XML for CI test reports
  mktaudit audit BUNDLE --format html,json --output-dir out/
  mktaudit audit BUNDLE --select CRED,strategic --ignore STRAT-004
  mktaudit audit clients/ --output-dir out/            a portfolio: each subfolder is a bundle

Gates (exit 1, and one line on stderr says why):
  --fail-on SEVERITY   a rule warns or fails at or above SEVERITY, or any rule ends as an error
                       (a rule that could not run cannot clear a gate)
  --fail-on error      a rule ends as an error (broken script, budget exceeded)
  --fail-under B|70    the grade is worse than B or the score below 70; no score trips it too
  --fail-on-new        a warning or failure that the --baseline report does not have
Without a gate, rule errors are listed in the report and noted on stderr; the exit code stays 0.
A rule that cannot be assessed (its data is missing) never trips --fail-on: see the report's coverage.

Exit codes: 0 ran, no gate tripped; 1 a gate tripped; 2 bad input or usage, including a folder
with no data mktaudit recognises (nothing is written).";

pub(super) fn audit(args: &AuditArgs) -> Result<u8, Problems> {
    // Before anything else, so that naming a bundle file is answered as such.
    if let Some(path) = &args.output
        && args.bundles.iter().any(|b| crate::fsutil::is_inside(path, b))
    {
        return Err(usage(
            format!(
                "`{}` is a file of the bundle; mktaudit never overwrites its input",
                path.display()
            ),
            "write the report somewhere else",
        ));
    }
    let formats = report_formats(args)?;
    let gates = Gates::from_args(args)?;
    for t in &args.template {
        if !matches!(
            Format::parse(&t.extension().unwrap_or_default().to_string_lossy()),
            Some(Format::Html | Format::Markdown)
        ) {
            return Err(usage(
                format!("`{}` is not an .html or .md template", t.display()),
                "name the template after the format it renders: report.html or report.md",
            ));
        }
    }
    let bundles = match args.bundles.as_slice() {
        [one] => crate::portfolio::bundles_in(one),
        many => many.to_vec(),
    };
    if !bundles.is_empty() {
        return audit_portfolio(args, &bundles, &formats, gates);
    }
    let bundle = &args.bundles[0];
    if formats.len() > 1 && args.output_dir.is_none() {
        return Err(usage(
            "several formats need --output-dir",
            "e.g. --format terminal,json --output-dir reports/",
        ));
    }
    let mut opts = render_options(args, bundle)?;
    let mut report = run_audit(&audit_options(args, bundle))?;
    something_to_audit(&report, bundle)?;
    if let Some(path) = &args.baseline {
        let old = crate::compare::read_report(path)?;
        let new = crate::compare::saved(&report);
        crate::compare::check_same_org(
            &[(path.as_path(), &old), (bundle.as_path(), &new)],
            args.allow_other_org,
        )?;
        report.baseline = Some(crate::compare::compare(&old, &new));
    }
    tell_what_applied(&report);
    if let Some(dir) = &args.output_dir {
        write_reports(&report, &formats, dir, bundle, &opts)?;
    } else if let Some(path) = &args.output {
        write_report(path, &report::render(&report, formats[0], &opts)?, bundle, &opts)?;
        verbose(&format!("wrote {}", path.display()));
    } else {
        opts.color = stdout_color();
        opts.width = Some(report::terminal::stdout_width());
        print(&report::render(&report, formats[0], &opts)?);
    }
    let reasons = gates.reasons(&report);
    for r in &reasons {
        eprintln!("mktaudit: exit 1: {r}");
    }
    if gates.fail_on.is_none() {
        let errors = rules_in_error(&report);
        if !errors.is_empty() {
            note(&format!(
                "note: {} rule(s) ended as an error ({}); the exit code stays 0 without --fail-on (--fail-on error gates on them)",
                errors.len(),
                errors.join(", ")
            ));
        }
    }
    Ok(u8::from(!reasons.is_empty()))
}

/// The formats asked for: `--format`, else the one `-o`'s extension names, else terminal.
fn report_formats(args: &AuditArgs) -> Result<Vec<Format>, Problems> {
    const ALL: &[Format] = &[
        Format::Terminal,
        Format::Json,
        Format::Markdown,
        Format::Html,
        Format::Sarif,
        Format::Junit,
    ];
    let Some(names) = &args.format else {
        let inferred = match &args.output {
            Some(path) => formats::from_extension(path)?,
            None => None,
        };
        return Ok(vec![inferred.unwrap_or(Format::Terminal)]);
    };
    let mut formats = Vec::new();
    for name in names.split(',') {
        let f = format_named(name, ALL, "audit")?;
        if !formats.contains(&f) {
            formats.push(f);
        }
    }
    Ok(formats)
}

/// A folder with no data mktaudit recognises is not an org with nothing
/// wrong: it is the wrong folder, and saying "every rule passed" would be a lie.
fn something_to_audit(report: &report::Report, bundle: &Path) -> Result<(), Problems> {
    if !report.bundle.datasets.is_empty() {
        return Ok(());
    }
    // What was seen and set aside (unknown names, links), so the user sees why.
    let notes = &report.bundle.notes;
    let seen: Vec<String> = notes
        .iter()
        .take(2)
        .map(|n| format!("{}: {}", n.file, n.message))
        .collect();
    let found = match notes.len() {
        0 => String::new(),
        1 | 2 => format!(" (found: {})", seen.join("; ")),
        n => format!(" (found: {}; and {} more)", seen.join("; "), n - 2),
    };
    Err(Problems(vec![
        Problem::new(
            ErrorCode::BundleEmpty,
            format!(
                "nothing to audit: `{}` holds no data file that mktaudit recognises{found}",
                bundle.display()
            ),
        )
        .help(format!(
            "pass the folder of the org's exports (CSV, XLSX, JSON or YAML files named after their dataset, or listed in bundle.yaml); `mktaudit inspect {}` shows what was found, `mktaudit init DIR` starts a bundle",
            bundle.display()
        )),
    ]))
}

/// With --verbose: the configs, packs and datasets the audit used.
fn tell_what_applied(report: &report::Report) {
    let m = &report.methodology;
    if m.configs.is_empty() {
        verbose("config: none (built-in defaults and command-line options only)");
    }
    for c in &m.configs {
        verbose(&format!("config: {}", c.describe()));
    }
    verbose(&format!(
        "rules: {} from {} (pack {})",
        m.rules,
        m.rule_pack_dirs.join(", "),
        m.rule_pack_hash.get(..12).unwrap_or(&m.rule_pack_hash)
    ));
    for d in &report.bundle.datasets {
        verbose(&format!("data: {} from {} ({} rows)", d.name, d.file, d.rows));
    }
}

fn audit_options(args: &AuditArgs, bundle: &Path) -> AuditOptions {
    AuditOptions {
        bundle: bundle.to_path_buf(),
        rule_dirs: args.packs.dirs(),
        config: args.config.config.clone(),
        trust_bundle_config: args.config.trust_bundle_config,
        no_config: args.config.no_config,
        selection: crate::audit::Selection {
            select: args.select.clone(),
            ignore: args.ignore.clone(),
        },
        as_of: args.as_of,
        eval: None,
    }
}

/// Branding from the config that applies to `bundle`, and `--template`s.
fn render_options(args: &AuditArgs, bundle: &Path) -> Result<report::RenderOptions, Problems> {
    let config = crate::audit::load_config(
        args.config.config.as_deref(),
        bundle,
        args.config.trust_bundle_config,
        args.config.no_config,
    )?;
    let mut opts = report::RenderOptions {
        color: false,
        width: None,
        branding: config.branding()?,
    };
    for t in &args.template {
        match Format::parse(&t.extension().unwrap_or_default().to_string_lossy()) {
            Some(Format::Html) => opts.branding.templates.html = Some(t.clone()),
            Some(Format::Markdown) => opts.branding.templates.md = Some(t.clone()),
            _ => {}
        }
    }
    Ok(opts)
}

/// Many bundles in parallel: each one's reports under `--output-dir/<name>/`,
/// a summary of grades on stdout (a table, or JSON with `--format json`) and
/// `portfolio.json` beside the reports. A bundle with bad input is reported
/// in its row and the others go on.
fn audit_portfolio(args: &AuditArgs, bundles: &[PathBuf], formats: &[Format], gates: Gates) -> Result<u8, Problems> {
    if args.baseline.is_some() || args.output.is_some() {
        return Err(usage(
            "--baseline and --output take one bundle, not a portfolio",
            "audit the portfolio with --output-dir DIR; compare one client's reports with `mktaudit diff`",
        ));
    }
    // The terminal report is for one reader; a portfolio keeps JSON per bundle.
    let file_formats: Vec<Format> = formats.iter().copied().filter(|f| *f != Format::Terminal).collect();
    let file_formats = if file_formats.is_empty() {
        vec![Format::Json]
    } else {
        file_formats
    };
    let progress = indicatif::ProgressBar::with_draw_target(
        Some(bundles.len() as u64),
        if ui::progress() {
            indicatif::ProgressDrawTarget::stderr()
        } else {
            indicatif::ProgressDrawTarget::hidden()
        },
    );
    progress.set_message("auditing");
    let results = crate::portfolio::audit_all(bundles, &audit_options(args, &bundles[0]), &|| progress.inc(1));
    progress.finish_and_clear();

    let mut entries = Vec::new();
    let (mut bad_input, mut tripped) = (0usize, false);
    let names = crate::portfolio::entry_names(bundles);
    for ((bundle, result), name) in results.into_iter().zip(names) {
        let outcome = result
            .and_then(|report| something_to_audit(&report, &bundle).map(|()| report))
            .and_then(|report| match &args.output_dir {
                Some(dir) => {
                    let dir = dir.join(&name);
                    render_options(args, &bundle)
                        .and_then(|o| write_reports(&report, &file_formats, &dir, &bundle, &o))
                        .map(|()| report)
                }
                None => Ok(report),
            });
        match &outcome {
            Err(p) => {
                bad_input += 1;
                eprintln!("== {}", bundle.display());
                eprint!("{}", p.render_items(stderr_color()));
                eprintln!("this bundle was not audited and none of its reports was written; the others go on.\n");
            }
            Ok(report) => {
                let reasons = gates.reasons(report);
                for r in &reasons {
                    eprintln!("mktaudit: exit 1: {}: {r}", bundle.display());
                }
                tripped |= !reasons.is_empty();
            }
        }
        entries.push(crate::portfolio::entry(&bundle, &name, &outcome));
    }
    let json = serde_json::to_string_pretty(&entries).expect("entries serialise") + "\n";
    if let Some(dir) = &args.output_dir {
        create_folder(dir)?;
        crate::fsutil::write_atomic(&dir.join("portfolio.json"), json.as_bytes()).map_err(|e| {
            usage(
                format!("cannot write `{}`: {e}", dir.join("portfolio.json").display()),
                "check the path and permissions",
            )
        })?;
    } else {
        note("reports not kept: add --output-dir DIR to write each bundle's report and portfolio.json");
    }
    if formats == [Format::Json] {
        print(&json);
    } else {
        print(&crate::portfolio::summary_table(&entries));
    }
    if bad_input > 0 {
        let done = bundles.len() - bad_input;
        eprintln!(
            "mktaudit: exit 2: {bad_input} of {} bundle(s) could not be audited (above); {done} {} audited{}",
            bundles.len(),
            if done == 1 { "was" } else { "were" },
            match &args.output_dir {
                Some(dir) if done > 0 => format!(" and written into {}", dir.display()),
                _ => String::new(),
            }
        );
    }
    Ok(if bad_input > 0 { 2 } else { u8::from(tripped) })
}
