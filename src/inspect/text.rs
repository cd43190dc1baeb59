//! The inspection as text for people: per dataset the file, source, rows,
//! date ranges and column -> field with the reason; then the rules, what to
//! gather, joins and notes.

use super::Inspection;
use std::fmt::Write;

/// Values listed per field in the text output (JSON has them all).
const VALUES_SHOWN: usize = 12;

/// The human-readable inspection.
pub fn render_text(i: &Inspection) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Bundle {} ({})", i.bundle, i.org);
    match &i.period {
        Some(p) => {
            let _ = writeln!(out, "Period {p}");
        }
        None => out.push_str("Period not set in bundle.yaml: rules use the 12 months up to the audit date\n"),
    }
    let _ = writeln!(out, "\nDatasets read ({}):", i.datasets.len());
    for d in &i.datasets {
        let sheet = d.sheet.as_ref().map(|s| format!(" [{s}]")).unwrap_or_default();
        let _ = writeln!(out, "\n  {}  <- {}{sheet}", d.name, d.file);
        if let Some(s) = &d.source {
            let _ = writeln!(out, "    source: {s} ({})", d.source_by.as_deref().unwrap_or_default());
        }
        let empty = if d.rows == 0 {
            " (no rows: treated as missing)"
        } else {
            ""
        };
        let header = if d.header_line > 0 {
            format!(", header on line {}", d.header_line)
        } else {
            String::new()
        };
        let _ = writeln!(out, "    rows: {}{header}{empty}", d.rows);
        for r in &d.date_ranges {
            let _ = writeln!(out, "    {}: {} to {} ({} values)", r.field, r.from, r.to, r.values);
        }
        let width = d.columns.iter().map(|c| c.header.chars().count()).max().unwrap_or(0);
        for c in &d.columns {
            let _ = writeln!(
                out,
                "    {:<width$}  -> {:<16} {}",
                c.header,
                c.field,
                c.origin.describe(),
            );
        }
        if !d.ignored.is_empty() {
            let _ = writeln!(out, "    ignored: {}", d.ignored.join(", "));
        }
        if !d.dropped.is_empty() {
            let _ = writeln!(out, "    dropped by bundle.yaml: {}", d.dropped.join(", "));
        }
        if !d.skipped_above.is_empty() {
            let _ = writeln!(out, "    skipped above the header: {}", d.skipped_above.join(" | "));
        }
        if d.totals_dropped > 0 {
            let _ = writeln!(out, "    totals rows dropped: {}", d.totals_dropped);
        }
        if d.footer_dropped > 0 {
            let _ = writeln!(out, "    footer lines dropped: {}", d.footer_dropped);
        }
    }
    let ready = i.rules.iter().filter(|r| r.assessable).count();
    let _ = writeln!(out, "\nRules: {ready} of {} can be assessed", i.rules.len());
    for r in &i.rules {
        if r.assessable {
            let _ = writeln!(out, "  ok    {:<10} {}", r.id, r.title);
        }
    }
    for r in i.rules.iter().filter(|r| !r.assessable) {
        let _ = writeln!(
            out,
            "  NOT   {:<10} {}\n        missing: {}",
            r.id,
            r.title,
            r.missing.join(", ")
        );
    }
    if !i.to_gather.is_empty() {
        out.push_str("\nTo gather:\n");
        for g in &i.to_gather {
            let _ = writeln!(
                out,
                "  {} (unlocks {}): ask {}. {}",
                g.dataset,
                g.unlocks.join(", "),
                g.who,
                g.what
            );
            if !g.sources.is_empty() {
                let _ = writeln!(out, "    exports read as they are: {}", g.sources.join(", "));
            }
        }
    }
    if !i.missing_fields.is_empty() {
        out.push_str(
            "\nMissing fields (add the column to the export, or map a column to it in bundle.yaml `columns:`):\n",
        );
        for m in &i.missing_fields {
            let (field, where_) = match m.field.strip_suffix(" (every value empty)") {
                Some(f) => (f, "empty in every row of"),
                None => (m.field.as_str(), "not in"),
            };
            let _ = writeln!(out, "  {field}: {where_} {} (unlocks {})", m.file, m.unlocks.join(", "));
        }
    }
    out.push_str("\nJoins and checks:\n");
    if i.joins.is_empty() {
        out.push_str("  no unknown references, duplicate ids or dates outside the period\n");
    }
    for j in &i.joins {
        let examples = if j.examples.is_empty() {
            String::new()
        } else {
            format!(" (e.g. {})", j.examples.join(", "))
        };
        let _ = writeln!(out, "  {}{examples}", j.message);
    }
    if !i.vocabulary_values.is_empty() {
        out.push_str("\nValues the rules interpret (value (count): read as):\n");
        for f in &i.vocabulary_values {
            let _ = writeln!(
                out,
                "  {}.{} ({}; rules {}):",
                f.dataset,
                f.field,
                f.file,
                f.rules.join(", ")
            );
            for v in f.values.iter().take(VALUES_SHOWN) {
                let read_as = if v.read_as.is_empty() {
                    "none of these (not recognised)".to_string()
                } else {
                    v.read_as.join(", ")
                };
                let _ = writeln!(out, "    \"{}\" ({}): {read_as}", v.value, v.count);
            }
            if f.values.len() > VALUES_SHOWN {
                let _ = writeln!(out, "    ... and {} more values", f.values.len() - VALUES_SHOWN);
            }
        }
    }
    if !i.notes.is_empty() {
        out.push_str("\nNotes:\n");
        for n in &i.notes {
            let _ = writeln!(out, "  {}: {}", n.file, n.message);
        }
    }
    if !i.configs.is_empty() {
        out.push_str("\nConfigs:\n");
        for c in &i.configs {
            let _ = writeln!(out, "  {}", c.describe());
        }
    }
    out
}
