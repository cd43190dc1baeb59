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
