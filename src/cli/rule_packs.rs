//! `mktaudit rules ...` and `mktaudit explain`: working with rule packs.

use super::*;

pub(super) fn load(packs: &PackArgs) -> Result<RulePack, Problems> {
    Ok(rules::load_rule_dirs(&packs.dirs())?.pack)
}

pub(super) fn list(packs: &PackArgs, format: &str) -> Result<u8, Problems> {
    let format = format_named(format, &[Format::Terminal, Format::Json], "rules list")?;
    let pack = load(packs)?;
    match format {
        Format::Json => {
            let rows: Vec<serde_json::Value> = pack
                .rules
                .iter()
                .map(|r| {
                    serde_json::json!({
                        "id": r.id, "title": r.title, "category": r.category, "severity": r.severity,
                        "weight": r.weight, "check": r.check.kind(), "requires": r.requires,
                    })
                })
                .collect();
            print(&format!(
                "{}\n",
                serde_json::to_string_pretty(&rows).expect("serialisable")
            ));
        }
        _ => {
            let mut out = format!(
                "{:<12} {:<12} {:<9} {:>6}  {:<9} {}\n",
                "ID", "CATEGORY", "SEVERITY", "WEIGHT", "CHECK", "TITLE"
            );
            for c in Category::ALL {
                for r in pack.rules.iter().filter(|r| r.category == c) {
                    out.push_str(&format!(
                        "{:<12} {:<12} {:<9} {:>6}  {:<9} {}\n",
                        r.id,
                        r.category,
                        r.severity,
                        crate::value::format_number(r.weight),
                        r.check.kind(),
                        r.title
                    ));
                }
            }
            out.push_str(&format!("{} rules\n", pack.rules.len()));
            print(&out);
        }
    }
    Ok(0)
}

pub(super) fn test(dirs: &[PathBuf], packs: &PackArgs, only: Option<&str>) -> Result<u8, Problems> {
    let pack = if dirs.is_empty() {
        load(packs)?
    } else {
        // The given packs are tested as they run: beside the default pack's
        // vocabularies (unless --no-default-rules), but only their own rules.
        let mut all = packs.dirs();
        all.extend(dirs.iter().cloned());
        let mut pack = rules::load_rule_dirs(&all)?.pack;
        pack.rules.retain(|r| dirs.iter().any(|d| r.path.starts_with(d)));
        pack
    };
    if let Some(id) = only
        && pack.get(id).is_none()
    {
        let ids: Vec<&str> = pack.rules.iter().map(|r| r.id.as_str()).collect();
        return Err(usage(
            format!("no rule `{id}` in the packs"),
            crate::error::suggest(id, &ids),
        ));
    }
    let results = ruletest::run_pack_tests(&pack, only);
    let mut out = String::new();
    let mut failed = 0;
    for r in &results {
        let label = match r.verdict {
            Verdict::Validated => "ok     ",
            Verdict::Noisy => "NOISY  ",
            Verdict::Missing => "MISSING",
            Verdict::Wrong => "WRONG  ",
        };
        if r.verdict != Verdict::Validated {
            failed += 1;
        }
        out.push_str(&format!(
            "{label} {} :: {} (expected {}, got {})\n",
            r.rule,
            r.case,
            r.expected.as_str(),
            r.actual.as_str()
        ));
        if r.verdict != Verdict::Validated {
            out.push_str(&format!("        {}\n", r.detail));
        }
    }
    let untested: Vec<_> = ruletest::incomplete_rules(&pack)
        .into_iter()
        .filter(|(id, _)| only.is_none_or(|o| o == id))
        .collect();
    for (id, lacking) in &untested {
        out.push_str(&format!("note    {id} has no test expecting {}\n", lacking.join(", ")));
    }
    out.push_str(&format!("\n{} passed, {failed} failed\n", results.len() - failed));
    print(&out);
    Ok(u8::from(failed > 0))
}

pub(super) fn check(dirs: Vec<PathBuf>) -> Result<u8, Problems> {
    let dirs = if dirs.is_empty() {
        vec![default_rules_dir()]
    } else {
        dirs
    };
    let loaded = rules::load_rule_dirs(&dirs)?;
    let mut out = format!(
        "{} rules in {} checked: no problems found.\n",
        loaded.pack.rules.len(),
        dirs.iter()
            .map(|d| d.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    );
    for n in &loaded.notes {
        out.push_str(&format!("note: {n}\n"));
    }
    print(&out);
    Ok(0)
}

pub(super) fn explain(packs: &PackArgs, id: &str) -> Result<u8, Problems> {
    let pack = load(packs)?;
    let Some(rule) = pack
        .get(id)
        .or_else(|| pack.rules.iter().find(|r| r.id.eq_ignore_ascii_case(id)))
    else {
        let ids: Vec<&str> = pack.rules.iter().map(|r| r.id.as_str()).collect();
        return Err(usage(
            format!("no rule `{id}` in the packs"),
            crate::error::suggest(id, &ids),
        ));
    };
    print(&crate::explain::explain_text(rule));
    Ok(0)
}

pub(super) fn new_rule(id: &str, category: &str, script: bool, dir: &Path) -> Result<u8, Problems> {
    let Some(cat) = Category::parse(category) else {
        let names: Vec<&str> = Category::ALL.iter().map(|c| c.as_str()).collect();
        return Err(usage(
            format!("`{category}` is not a category"),
            crate::error::suggest(category, &names),
        ));
    };
    let written =
        crate::scaffold::new_rule(dir, id, cat, script).map_err(|e| usage(e, "choose another id or folder"))?;
    let mut out = String::new();
    for p in &written {
        out.push_str(&format!("wrote {}\n", p.display()));
    }
    out.push_str(&format!(
        "next: edit it, then `mktaudit rules check {}`, `mktaudit rules test {} --rule {id}`, and audit with `--rules {}`\n",
        dir.display(),
        dir.display(),
        dir.display()
    ));
    if !ui::quiet() {
        print(&out);
    }
    Ok(0)
}
