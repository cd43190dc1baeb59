//! `mktaudit diff` and `mktaudit trend`: reading saved JSON reports.

use super::*;

pub(super) fn diff(old: &Path, new: &Path, format: &str) -> Result<u8, Problems> {
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

pub(super) fn trend(
    paths: &[PathBuf],
    format: &str,
    template: Option<&Path>,
    config: Option<&Path>,
) -> Result<u8, Problems> {
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
            let branding = crate::config::load_user_config(config)?.branding()?;
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
