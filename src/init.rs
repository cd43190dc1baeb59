//! `mktaudit init DIR`: a new bundle folder with a commented `bundle.yaml`,
//! an empty template per dataset and `GATHER.md`, the checklist of what to
//! ask for, from whom, and which rules each item unlocks. Everything is
//! derived from datasets.yaml, the source mappings and the rule pack.

use crate::bundle::schema::Schema;
use crate::bundle::source;
use crate::rules::RulePack;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::{Path, PathBuf};

/// Writes the scaffold into `dir`, which must be missing or empty. Nothing
/// is written when it is not.
pub fn init(dir: &Path, pack: &RulePack) -> Result<Vec<PathBuf>, String> {
    if dir.exists() {
        if !dir.is_dir() {
            return Err(format!("`{}` is a file, not a folder", dir.display()));
        }
        let mut entries = std::fs::read_dir(dir).map_err(|e| format!("cannot read `{}`: {e}", dir.display()))?;
        if entries.next().is_some() {
            return Err(format!(
                "`{}` is not empty; mktaudit init only writes into a new or empty folder",
                dir.display()
            ));
        }
    }
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create `{}`: {e}", dir.display()))?;
    let mut files: Vec<(String, String)> = vec![
        ("bundle.yaml".into(), manifest_template()),
        ("GATHER.md".into(), gather_markdown(pack)),
        (
            crate::bundle::SCHEMA_FILE.into(),
            crate::schema::schema("bundle").unwrap_or_default(),
        ),
    ];
    for (name, ds) in &Schema::get().datasets {
        if ds.single {
            files.push((format!("{name}.yaml"), single_template(name)));
        } else {
            let header: Vec<&str> = ds.fields.keys().map(String::as_str).collect();
            files.push((format!("{name}.csv"), format!("{}\n", header.join(","))));
        }
    }
    let mut written = Vec::new();
    for (name, text) in files {
        let path = dir.join(&name);
        crate::fsutil::write_atomic(&path, text.as_bytes())
            .map_err(|e| format!("cannot write `{}`: {e}", path.display()))?;
        written.push(path);
    }
    Ok(written)
}

fn manifest_template() -> String {
    let mut out = String::from(
        "# yaml-language-server: $schema=bundle.schema.json\n\
         # The bundle manifest (`mktaudit docs bundle`). Everything here is optional: uncomment\n\
         # what you need.\n\
         \n\
         # org: Your Company                               # name shown in the report\n\
         # period: { start: 2025-01-01, end: 2025-12-31 }  # the audited period\n\
         # currency: USD                                   # ISO code of every amount\n\
         \n\
         # Drop exports in this folder as they come. Files named like a dataset\n\
         # (opportunities.csv, kpis.xlsx…) and known exports (recognised by their\n\
         # header) are read without any entry here. For any other file, say which\n\
         # dataset it holds and which export it is (`mktaudit docs sources`):\n\
         # datasets:\n\
         #   opportunities:\n\
         #     file: exports/report1767196800000.csv     # any path inside this folder\n\
         #     source: salesforce-opportunity           # or `mapping: my-crm.yaml`, a mapping of your own\n\
         #     columns:                                 # column header -> field, wins over the source\n\
         #       Deal Size (USD): amount\n\
         #       Internal Notes: ignore                 # drop a column without a note\n\
         #       Contact Email: lead_id\n\
         #     join_on: { lead_id: email }              # lead_id holds the lead's email, not its id\n\
         #   kpis:\n\
         #     file: Leadership scorecard.xlsx\n\
         #     sheet: KPIs                              # default: the sheet named like the dataset, else the first\n\
         #   leads:\n\
         #     file: contacts.csv\n\
         #     source: hubspot-contacts\n\
         #     date_format: \"%d/%m/%Y\"                  # dates that are not YYYY-MM-DD\n\
         #\n\
         # Sources: ",
    );
    out.push_str(&source::builtin_names().join(", "));
    out.push('\n');
    out
}

fn single_template(name: &str) -> String {
    let ds = &Schema::get().datasets[name];
    let mut out = format!("# {}\n# Fill in what you know; leave the rest empty.\n", ds.description);
    for (field, f) in &ds.fields {
        let example = match &f.example {
            crate::yaml::Value::String(s) => s.clone(),
            other => crate::yaml::scalar_text(other),
        };
        let _ = writeln!(out, "{field}:    # {} e.g. {example}", f.description);
    }
    out
}

/// The checklist: one item per dataset, the ones that unlock most rules first.
pub fn gather_markdown(pack: &RulePack) -> String {
    let schema = Schema::get();
    let mut unlocks: BTreeMap<&str, Vec<(&str, &str)>> = BTreeMap::new();
    for rule in &pack.rules {
        for ds in rule.requires.keys() {
            unlocks.entry(ds.as_str()).or_default().push((&rule.id, &rule.title));
        }
    }
    let mut order: Vec<&String> = schema.datasets.keys().collect();
    // Stable sort: datasets.yaml order among equals.
    order.sort_by_key(|name| std::cmp::Reverse(unlocks.get(name.as_str()).map_or(0, Vec::len)));
    let mut out = String::from(
        "# What to gather for the marketing audit\n\n\
         Ask for each item below, tick it off when it arrives, and drop the file in this folder\n\
         as it comes: exports from Salesforce, HubSpot, Google Ads and Meta Ads Manager are\n\
         recognised as they are (see `bundle.yaml` for other names). Or fill in the empty\n\
         template of the same name. Then run `mktaudit inspect .` to see what was read and which\n\
         rules can be assessed, and `mktaudit audit .` for the report.\n\n\
         An item no rule needs yet is still worth having: the report lists the data it lacked.\n",
    );
    for name in order {
        let ds = &schema.datasets[name];
        let _ = writeln!(out, "\n## [ ] `{name}`: {}\n", ds.description);
        if let Some(g) = &ds.gather {
            let _ = writeln!(out, "- **Ask:** {}\n- **For:** {}", g.who, g.what);
        }
        let sources: Vec<String> = source::builtin()
            .values()
            .filter(|s| s.dataset == *name)
            .map(|s| format!("`{}` ({})", s.name, s.title))
            .collect();
        if !sources.is_empty() {
            let _ = writeln!(out, "- **Exports read as they are:** {}", sources.join("; "));
        }
        let template = if ds.single {
            format!("{name}.yaml")
        } else {
            format!("{name}.csv")
        };
        let fields: Vec<String> = ds.fields.keys().map(|f| format!("`{f}`")).collect();
        let _ = writeln!(out, "- **Template:** `{template}` with {}", fields.join(", "));
        match unlocks.get(name.as_str()) {
            Some(rules) => {
                let _ = writeln!(out, "- **Unlocks:**");
                for (id, title) in rules {
                    let _ = writeln!(out, "  - {id}: {title}");
                }
            }
            None => out.push_str("- **Unlocks:** no rule of the current pack yet\n"),
        }
    }
    out
}
