//! `mktaudit diff` and `mktaudit trend`: reading saved JSON reports.

use super::*;

pub(super) fn diff(old: &Path, new: &Path, format: &str) -> Result<u8, Problems> {
    let format = format_named(format, &[Format::Terminal, Format::Json], "diff")?;
    let c = crate::compare::compare(&crate::compare::read_report(old)?, &crate::compare::read_report(new)?);
    if format == Format::Json {
        print(&format!(
            "{}\n",
            serde_json::to_string_pretty(&c).expect("serialisable")
        ));
    } else {
        print(&crate::compare::render_text(&c));
    }
    Ok(0)
}

pub(super) fn trend(
    paths: &[PathBuf],
    format: &str,
    template: Option<&Path>,
    config: Option<&Path>,
    no_config: bool,
) -> Result<u8, Problems> {
    let format = format_named(
        format,
        &[Format::Terminal, Format::Json, Format::Markdown, Format::Html],
        "trend",
    )?;
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
        Format::Markdown | Format::Html => {
            let config = if no_config {
                crate::config::LoadedConfig::none()
            } else {
                crate::config::load_user_config(config)?
            };
            print(&report::trend::render(
                &t,
                format == Format::Html,
                &config.branding()?,
                template,
            )?);
        }
        Format::Json => print(&format!(
            "{}\n",
            serde_json::to_string_pretty(&t).expect("serialisable")
        )),
        _ => print(&crate::compare::render_trend_text(&t)),
    }
    Ok(0)
}
