//! Commands about the tool itself: its documentation, templates to start
//! from, shell completions and the manual page (both generated from the clap
//! definition).

use super::*;

/// The reference pages, built into the binary so an installed mktaudit, which
/// has no source tree, can show what its help and errors point at.
pub(super) const DOCS: &[(&str, &str, &str)] = &[
    (
        "cli",
        "the command line: exit codes, gates, formats, error codes",
        include_str!("../../docs/cli.md"),
    ),
    (
        "bundle",
        "the bundle format: datasets and their fields, bundle.yaml",
        include_str!("../../docs/bundle.md"),
    ),
    (
        "sources",
        "CRM and ad-platform exports read as they are, and mappings",
        include_str!("../../docs/sources.md"),
    ),
    (
        "rules",
        "the rule language, with runnable examples",
        include_str!("../../docs/rules.md"),
    ),
    (
        "rule-authoring",
        "writing a rule step by step",
        include_str!("../../docs/rule-authoring.md"),
    ),
    (
        "rhai-api",
        "the API of scripted rules",
        include_str!("../../docs/rhai-api.md"),
    ),
    (
        "scoring",
        "how scores, grades and coverage are computed",
        include_str!("../../docs/scoring.md"),
    ),
    (
        "reports",
        "report formats, branding and templates",
        include_str!("../../docs/reports.md"),
    ),
    (
        "report-json",
        "the JSON report's fields",
        include_str!("../../docs/report-json.md"),
    ),
    (
        "quarterly",
        "audits every quarter: baselines, diff, trend, waivers",
        include_str!("../../docs/quarterly.md"),
    ),
    (
        "security",
        "what a bundle and a rule pack may and may not do",
        include_str!("../../docs/security.md"),
    ),
];

/// `mktaudit docs [TOPIC]`: a page, or the list of pages.
pub(super) fn docs(topic: Option<&str>) -> Result<u8, Problems> {
    let Some(topic) = topic else {
        let mut out = String::from("mktaudit docs TOPIC prints a reference page:\n\n");
        for (name, what, _) in DOCS {
            out.push_str(&format!("  {name:<15} {what}\n"));
        }
        print(&out);
        return Ok(0);
    };
    let wanted = topic.trim().trim_end_matches(".md").trim_start_matches("docs/");
    match DOCS.iter().find(|(name, _, _)| name.eq_ignore_ascii_case(wanted)) {
        Some((_, _, text)) => {
            print(text);
            Ok(0)
        }
        None => {
            let names: Vec<&str> = DOCS.iter().map(|(n, _, _)| *n).collect();
            Err(usage(
                format!("no documentation page `{topic}`"),
                crate::error::suggest(topic, &names),
            ))
        }
    }
}

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
