//! `mktaudit diff` and `mktaudit trend`: reading saved JSON reports.

use super::*;
use crate::compare::{self, SavedReport};

fn read_all(paths: &[&Path], allow_other_org: bool) -> Result<Vec<SavedReport>, Problems> {
    let mut reports = Vec::new();
    let mut problems = Problems::default();
    for p in paths {
        match compare::read_report(p) {
            Ok(r) => reports.push(r),
            Err(e) => problems.extend(e),
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let pairs: Vec<(&Path, &SavedReport)> = paths.iter().copied().zip(&reports).collect();
    compare::check_same_org(&pairs, allow_other_org)?;
    Ok(reports)
}

/// The format asked for, else the one `--output`'s extension names, else terminal.
fn pick_format(
    format: Option<&str>,
    output: Option<&Path>,
    allowed: &[Format],
    command: &str,
) -> Result<Format, Problems> {
    let format = match (format, output) {
        (Some(name), _) => format_named(name, allowed, command)?,
        (None, Some(path)) => formats::from_extension(path)?.unwrap_or(Format::Terminal),
        (None, None) => Format::Terminal,
    };
    if allowed.contains(&format) {
        Ok(format)
    } else {
        format_named(formats::name_of(format), allowed, command)
    }
}

/// Prints `text`, or writes it to `output` (never over one of the reports read).
fn emit(text: &str, output: Option<&Path>, inputs: &[&Path]) -> Result<(), Problems> {
    let Some(path) = output else {
        print(text);
        return Ok(());
    };
    if let Ok(target) = path.canonicalize()
        && inputs.iter().any(|i| i.canonicalize().is_ok_and(|i| i == target))
    {
        return Err(usage(
            format!(
                "`{}` is one of the reports read; mktaudit never overwrites its input",
                path.display()
            ),
            "write the output somewhere else",
        ));
    }
    let cannot = |e: std::io::Error| {
        usage(
            format!("cannot write `{}`: {e}", path.display()),
            "check the path and permissions",
        )
    };
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(cannot)?;
    }
    crate::fsutil::write_atomic(path, text.as_bytes()).map_err(cannot)
}

pub(super) fn diff(
    old: &Path,
    new: &Path,
    format: Option<&str>,
    output: Option<&Path>,
    allow_other_org: bool,
) -> Result<u8, Problems> {
    let format = pick_format(format, output, &[Format::Terminal, Format::Json], "diff")?;
    let reports = read_all(&[old, new], allow_other_org)?;
    let c = compare::compare(&reports[0], &reports[1]);
    let text = if format == Format::Json {
        format!("{}\n", serde_json::to_string_pretty(&c).expect("serialisable"))
    } else {
        report::changes::render_text(&c)
    };
    emit(&text, output, &[old, new])?;
    Ok(0)
}

pub(super) struct TrendOptions<'a> {
    pub format: Option<&'a str>,
    pub output: Option<&'a Path>,
    pub allow_other_org: bool,
    pub template: Option<&'a Path>,
    pub config: Option<&'a Path>,
    pub no_config: bool,
}

pub(super) fn trend(paths: &[PathBuf], o: &TrendOptions<'_>) -> Result<u8, Problems> {
    let format = pick_format(
        o.format,
        o.output,
        &[Format::Terminal, Format::Json, Format::Markdown, Format::Html],
        "trend",
    )?;
    let inputs: Vec<&Path> = paths.iter().map(PathBuf::as_path).collect();
    let reports = read_all(&inputs, o.allow_other_org)?;
    let t = compare::trend(&reports);
    let text = match format {
        Format::Markdown | Format::Html => {
            let config = if o.no_config {
                crate::config::LoadedConfig::none()
            } else {
                crate::config::load_user_config(o.config)?
            };
            report::trend::render(&t, format == Format::Html, &config.branding()?, o.template)?
        }
        Format::Json => format!("{}\n", serde_json::to_string_pretty(&t).expect("serialisable")),
        _ => report::trend::render_text(&t),
    };
    emit(&text, o.output, &inputs)?;
    Ok(0)
}
