//! A rule explained in plain text (for `mktaudit explain`) and as a Markdown
//! reference page (for `docs/rules/`). Both come from the rule file itself.

use crate::rules::format::Reference;
use crate::rules::{Check, Rule};
use crate::template::format_value;
use crate::value::format_number;
use std::fmt::Write;

fn reference_text(r: &Reference) -> String {
    match r {
        Reference::Text(t) => t.clone(),
        Reference::Entry(e) => {
            let mut parts = Vec::new();
            if let Some(s) = &e.seed {
                parts.push(format!("source article: {s}"));
            }
            if let Some(t) = &e.title {
                parts.push(t.clone());
            }
            if let Some(u) = &e.url {
                parts.push(u.clone());
            }
            if let Some(c) = &e.convention {
                parts.push(format!("convention: {c}"));
            }
            parts.join(", ")
        }
    }
}

fn params_lines(rule: &Rule) -> Vec<String> {
    rule.params
        .iter()
        .map(|(name, p)| {
            let mut line = format!("{name} = {}", format_value(&p.default, None));
            for (field, values) in &p.by_profile {
                let by: Vec<String> = values
                    .iter()
                    .map(|(k, v)| format!("{k}: {}", format_value(v, None)))
                    .collect();
                let _ = write!(line, " (by {field}: {})", by.join(", "));
            }
            if let Some(d) = &p.description {
                let _ = write!(line, " — {}", d.trim());
            }
            line
        })
        .collect()
}

fn data_lines(rule: &Rule) -> Vec<String> {
    let mut lines: Vec<String> = rule
        .requires
        .iter()
        .map(|(ds, fields)| {
            if fields.is_empty() {
                ds.clone()
            } else {
                format!("{ds}: {}", fields.iter().cloned().collect::<Vec<_>>().join(", "))
            }
        })
        .collect();
    lines.extend(rule.optional.iter().map(|(ds, fields)| {
        format!(
            "{ds} (optional): {}",
            fields.iter().cloned().collect::<Vec<_>>().join(", ")
        )
    }));
    lines
}

fn check_words(rule: &Rule) -> &'static str {
    match rule.check {
        Check::Rows(_) => "row check (flags records)",
        Check::Aggregate(_) => "aggregate check (compares a computed value with thresholds)",
        Check::Script(_) => "Rhai script",
        Check::Plan(_) => "declarative plan (named values, then an outcome)",
    }
}

pub fn explain_text(rule: &Rule) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}  {}", rule.id, rule.title);
    let _ = writeln!(
        out,
        "category {} · severity {} · weight {} · {}\n",
        rule.category,
        rule.severity,
        format_number(rule.weight),
        check_words(rule)
    );
    let _ = writeln!(
        out,
        "Why it matters\n  {}\n",
        rule.rationale.trim().replace('\n', "\n  ")
    );
    let _ = writeln!(out, "What to do\n  {}\n", rule.remediation.trim().replace('\n', "\n  "));
    let params = params_lines(rule);
    if !params.is_empty() {
        let _ = writeln!(out, "Params (override in config)");
        for p in params {
            let _ = writeln!(out, "  {p}");
        }
        out.push('\n');
    }
    if let Check::Plan(plan) = &rule.check
        && !plan.definitions.is_empty()
    {
        let _ = writeln!(out, "Definitions used (definitions.yaml)");
        for d in &plan.definitions {
            let _ = writeln!(out, "  {}: {}", d.name, d.description);
        }
        out.push('\n');
    }
    let _ = writeln!(out, "Data needed");
    for d in data_lines(rule) {
        let _ = writeln!(out, "  {d}");
    }
    if !rule.references.is_empty() {
        let _ = writeln!(out, "\nReferences");
        for r in &rule.references {
            let _ = writeln!(out, "  - {}", reference_text(r));
        }
    }
    let _ = writeln!(out, "\nDefined in {}", rule.path.display());
    out
}

/// The generated reference page of a rule (`docs/rules/<ID>.md`).
pub fn rule_page(rule: &Rule) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<!-- Generated from {} by `UPDATE_DOCS=1 cargo test --test docs`; do not edit. -->\n",
        rule.path.display()
    );
    let _ = writeln!(out, "# {}: {}\n", rule.id, rule.title);
    let _ = writeln!(
        out,
        "| category | severity | weight | check |\n|---|---|---|---|\n| {} | {} | {} | {} |\n",
        rule.category,
        rule.severity,
        format_number(rule.weight),
        check_words(rule)
    );
    let _ = writeln!(out, "## Why it matters\n\n{}\n", rule.rationale.trim());
    let _ = writeln!(out, "## What to do\n\n{}\n", rule.remediation.trim());
    if !rule.params.is_empty() {
        let _ = writeln!(
            out,
            "## Params\n\nOverride any of them in `mktaudit.yaml` under `params: {{ {}: {{ NAME: VALUE }} }}`.\n",
            rule.id
        );
        let _ = writeln!(out, "| param | default | by org profile | meaning |\n|---|---|---|---|");
        for (name, p) in &rule.params {
            let by: Vec<String> = p
                .by_profile
                .iter()
                .flat_map(|(field, values)| {
                    values
                        .iter()
                        .map(move |(k, v)| format!("{field} {k}: {}", format_value(v, None)))
                })
                .collect();
            let _ = writeln!(
                out,
                "| `{name}` | `{}` | {} | {} |",
                md_cell(&format_value(&p.default, None)),
                md_cell(&by.join("; ")),
                md_cell(p.description.as_deref().unwrap_or_default().trim())
            );
        }
        out.push('\n');
    }
    let _ = writeln!(out, "## Data needed\n");
    for d in data_lines(rule) {
        let _ = writeln!(out, "- {d}");
    }
    if !rule.references.is_empty() {
        let _ = writeln!(out, "\n## References\n");
        for r in &rule.references {
            let _ = writeln!(out, "- {}", reference_text(r));
        }
    }
    out
}

/// Text safe inside a Markdown table cell: pipes and newlines would break the row.
fn md_cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}
