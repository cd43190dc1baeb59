//! Commands about the tool itself: templates to start from, shell
//! completions and the manual page (both generated from the clap definition).

use super::*;

/// Writes the built-in templates into `dir`, refusing before writing
/// anything when one of them is already there: a customised template is
/// the user's work.
pub(super) fn export_templates(dir: &Path) -> Result<u8, Problems> {
    let existing: Vec<String> = report::BUILT_IN_TEMPLATES
        .iter()
        .map(|(name, _)| dir.join(name))
        .filter(|p| std::fs::symlink_metadata(p).is_ok())
        .map(|p| p.display().to_string())
        .collect();
    if !existing.is_empty() {
        return Err(usage(
            format!(
                "{} already exist(s); mktaudit never overwrites a file",
                existing.join(", ")
            ),
            "export into a new folder, or move those files away first",
        ));
    }
    std::fs::create_dir_all(dir).map_err(|e| {
        usage(
            format!("cannot create `{}`: {e}", dir.display()),
            "check the path and permissions",
        )
    })?;
    let mut out = String::new();
    for (name, text) in report::BUILT_IN_TEMPLATES {
        let path = dir.join(name);
        // create_new: a file that appeared since the check is still not replaced.
        let written = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .and_then(|mut f| f.write_all(text.as_bytes()));
        if let Err(e) = written {
            return Err(usage(
                format!("cannot write `{}`: {e}", path.display()),
                "check the path and permissions",
            ));
        }
        out.push_str(&format!("wrote {}\n", path.display()));
    }
    out.push_str(&format!(
        "next: edit them, then `mktaudit audit BUNDLE --format html --template {}`\n",
        dir.join("report.html").display()
    ));
    if !ui::quiet() {
        print(&out);
    }
    Ok(0)
}

pub(super) fn completions(shell: clap_complete::Shell, mut cmd: clap::Command) -> Result<u8, Problems> {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, "mktaudit", &mut out);
    let _ = std::io::stdout().lock().write_all(&out);
    Ok(0)
}

pub(super) fn man(cmd: clap::Command) -> Result<u8, Problems> {
    let mut out = Vec::new();
    clap_mangen::Man::new(cmd)
        .render(&mut out)
        .map_err(|e| usage(format!("cannot render the manual page: {e}"), "report this as a bug"))?;
    let _ = std::io::stdout().lock().write_all(&out);
    Ok(0)
}
