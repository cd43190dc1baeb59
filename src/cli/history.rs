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
fn pick_format<'a>(format: Option<&'a str>, output: Option<&Path>) -> &'a str {
    format.unwrap_or_else(|| match output.and_then(|p| p.extension()).and_then(|e| e.to_str()) {
        Some(e) if e.eq_ignore_ascii_case("json") => "json",
        Some(e) if e.eq_ignore_ascii_case("html") || e.eq_ignore_ascii_case("htm") => "html",
        Some(e) if e.eq_ignore_ascii_case("md") => "md",
        _ => "terminal",
    })
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
    let reports = read_all(&[old, new], allow_other_org)?;
    let c = compare::compare(&reports[0], &reports[1]);
    let text = match pick_format(format, output) {
        "terminal" => report::changes::render_text(&c),
        "json" => format!("{}\n", serde_json::to_string_pretty(&c).expect("serialisable")),
        other => return Err(usage(format!("`{other}` is not a diff format"), "use terminal or json")),
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
}

pub(super) fn trend(paths: &[PathBuf], o: &TrendOptions<'_>) -> Result<u8, Problems> {
    let inputs: Vec<&Path> = paths.iter().map(PathBuf::as_path).collect();
    let reports = read_all(&inputs, o.allow_other_org)?;
    let t = compare::trend(&reports);
    let text = match pick_format(o.format, o.output) {
        "terminal" => report::trend::render_text(&t),
        format @ ("md" | "markdown" | "html") => {
            let branding = crate::config::load_user_config(o.config)?.branding()?;
            report::trend::render(&t, format == "html", &branding, o.template)?
        }
        "json" => format!("{}\n", serde_json::to_string_pretty(&t).expect("serialisable")),
        other => {
            return Err(usage(
                format!("`{other}` is not a trend format"),
                "use terminal, md, html or json",
            ));
        }
    };
    emit(&text, o.output, &inputs)?;
    Ok(0)
}
