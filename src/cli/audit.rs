//! `mktaudit audit`: one bundle, or a portfolio of bundles in parallel.

use super::*;

pub(super) fn audit(args: &AuditArgs) -> Result<u8, Problems> {
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
    let gates = Gates {
        fail_on: match &args.fail_on {
            None => None,
            Some(s) => Some(Severity::parse(s).ok_or_else(|| {
                usage(
                    format!("`{s}` is not a severity"),
                    "use one of: info, low, medium, high, critical",
                )
            })?),
        },
        fail_under: args.fail_under.as_deref().map(parse_fail_under).transpose()?,
    };
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
    if let Some(path) = &args.baseline {
        let old = crate::compare::read_report(path)?;
        let new = crate::compare::saved(&report);
        crate::compare::check_same_org(
            &[(path.as_path(), &old), (bundle.as_path(), &new)],
            args.allow_other_org,
        )?;
        report.baseline = Some(crate::compare::compare(&old, &new));
    }
    if let Some(dir) = &args.output_dir {
        write_reports(&report, &formats, dir, bundle, &opts)?;
    } else if let Some(path) = &args.output {
        write_report(path, &report::render(&report, formats[0], &opts)?, bundle, &opts)?;
    } else {
        opts.color = stdout_color();
        opts.width = Some(report::terminal::stdout_width());
        print(&report::render(&report, formats[0], &opts)?);
    }
    Ok(u8::from(gates.trip(&report)))
}

/// `--fail-on` and `--fail-under`: exit 1 when either trips.
#[derive(Debug, Clone, Copy)]
struct Gates {
    fail_on: Option<Severity>,
    fail_under: Option<FailUnder>,
}

impl Gates {
    fn trip(self, report: &report::Report) -> bool {
        self.fail_on.is_some_and(|s| report.reaches(s)) || self.fail_under.is_some_and(|g| g.trips(report))
    }
}

fn audit_options(args: &AuditArgs, bundle: &Path) -> AuditOptions {
    AuditOptions {
        bundle: bundle.to_path_buf(),
        rule_dirs: args.packs.dirs(),
        config: args.config.clone(),
        trust_bundle_config: args.trust_bundle_config,
        as_of: args.as_of,
        eval: None,
    }
}

/// Branding from the config that applies to `bundle`, and `--template`s.
fn render_options(args: &AuditArgs, bundle: &Path) -> Result<report::RenderOptions, Problems> {
    let mut opts = report::RenderOptions {
        color: false,
        width: None,
        branding: crate::config::load_config(args.config.as_deref(), bundle, args.trust_bundle_config)?.branding()?,
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

/// One file per format in `dir`, all rendered before any is written, and
/// written together or not at all (see `fsutil::write_all_atomic`).
fn write_reports(
    report: &report::Report,
    formats: &[Format],
    dir: &Path,
    bundle: &Path,
    opts: &report::RenderOptions,
) -> Result<(), Problems> {
    std::fs::create_dir_all(dir).map_err(|e| {
        usage(
            format!("cannot create `{}`: {e}", dir.display()),
            "check the path and permissions",
        )
    })?;
    let mut rendered = Vec::new();
    for f in formats {
        rendered.push((
            dir.join(format!("report.{}", f.extension())),
            report::render(report, *f, opts)?,
        ));
    }
    for (path, _) in &rendered {
        refuse_input(path, bundle, opts)?;
    }
    let files: Vec<(&Path, &[u8])> = rendered.iter().map(|(p, t)| (p.as_path(), t.as_bytes())).collect();
    crate::fsutil::write_all_atomic(&files).map_err(|e| {
        usage(
            format!(
                "cannot write the reports into `{}`: {e}; none was written",
                dir.display()
            ),
            "check the path and permissions",
        )
    })
}

/// Many bundles in parallel: each one's reports under `--output-dir/<name>/`,
/// a summary table of grades on stdout and `portfolio.json` beside the reports.
/// A bundle with bad input is reported in its row and the others go on.
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
        if std::io::stderr().is_terminal() {
            indicatif::ProgressDrawTarget::stderr()
        } else {
            indicatif::ProgressDrawTarget::hidden()
        },
    );
    progress.set_message("auditing");
    let results = crate::portfolio::audit_all(bundles, &audit_options(args, &bundles[0]), &|| progress.inc(1));
    progress.finish_and_clear();

    let mut entries = Vec::new();
    let (mut bad_input, mut tripped) = (false, false);
    let names = crate::portfolio::entry_names(bundles);
    for ((bundle, result), name) in results.into_iter().zip(names) {
        let outcome = result.and_then(|report| match &args.output_dir {
            Some(dir) => {
                let dir = dir.join(&name);
                render_options(args, &bundle)
                    .and_then(|o| write_reports(&report, &file_formats, &dir, &bundle, &o))
                    .map(|()| report)
            }
            None => Ok(report),
        });
        if let Err(p) = &outcome {
            bad_input = true;
            eprintln!("== {}", bundle.display());
            eprint!("{}", p.render(stderr_color()));
        }
        if let Ok(report) = &outcome {
            tripped |= gates.trip(report);
        }
        entries.push(crate::portfolio::entry(&bundle, &name, &outcome));
    }
    if let Some(dir) = &args.output_dir {
        let json = serde_json::to_string_pretty(&entries).expect("entries serialise") + "\n";
        crate::fsutil::write_atomic(&dir.join("portfolio.json"), json.as_bytes()).map_err(|e| {
            usage(
                format!("cannot write `{}`: {e}", dir.join("portfolio.json").display()),
                "check the path and permissions",
            )
        })?;
    } else {
        eprintln!("reports not kept: add --output-dir DIR to write each bundle's report and portfolio.json");
    }
    print(&crate::portfolio::summary_table(&entries));
    Ok(if bad_input { 2 } else { u8::from(tripped) })
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
            // A score that is not a number cannot clear a gate.
            (FailUnder::Score(min), Some(s), _) => !s.is_finite() || s < min,
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

/// Writes through a temporary file and a rename, so a crash never leaves a
/// half-written report, and refuses to replace a file of the bundle or a template.
fn write_report(path: &Path, text: &str, bundle: &Path, opts: &report::RenderOptions) -> Result<(), Problems> {
    refuse_input(path, bundle, opts)?;
    crate::fsutil::write_atomic(path, text.as_bytes()).map_err(|e| {
        usage(
            format!("cannot write `{}`: {e}", path.display()),
            "check the path and permissions",
        )
    })
}

/// Refuses `path` when it is (inside) the bundle or a template in use.
fn refuse_input(path: &Path, bundle: &Path, opts: &report::RenderOptions) -> Result<(), Problems> {
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
    Ok(())
}
