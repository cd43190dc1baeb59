//! Writing an audit's reports: never over the bundle or a template in use,
//! never half-written, and all formats of one bundle together or none.

use super::*;

/// One file per format in `dir`, all rendered before any is written, and
/// written together or not at all (see `fsutil::write_all_atomic`).
pub(super) fn write_reports(
    report: &report::Report,
    formats: &[Format],
    dir: &Path,
    bundle: &Path,
    opts: &report::RenderOptions,
) -> Result<(), Problems> {
    create_folder(dir)?;
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
    })?;
    for (path, _) in &rendered {
        verbose(&format!("wrote {}", path.display()));
    }
    Ok(())
}

pub(super) fn create_folder(dir: &Path) -> Result<(), Problems> {
    std::fs::create_dir_all(dir).map_err(|e| {
        usage(
            format!("cannot create `{}`: {e}", dir.display()),
            "check the path and permissions",
        )
    })
}

/// Writes through a temporary file and a rename, so a crash never leaves a
/// half-written report, and refuses to replace a file of the bundle or a template.
pub(super) fn write_report(
    path: &Path,
    text: &str,
    bundle: &Path,
    opts: &report::RenderOptions,
) -> Result<(), Problems> {
    refuse_input(path, bundle, opts)?;
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        create_folder(parent)?;
    }
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
