//! `mktaudit init`, `inspect` and `gen`: preparing and checking bundles.

use super::*;
use crate::error::ErrorCode;

pub(super) fn generate(out: &Path, rows: u64, seed: u64, profile: crate::generator::Profile) -> Result<u8, Problems> {
    match crate::generator::generate_profile(out, rows, seed, profile) {
        Ok(g) => {
            // Like `init`: what was written is the command's output, on stdout.
            if !ui::quiet() {
                print(&format!(
                    "wrote {} files ({:.1} MB) into {}\nnext: `mktaudit audit {}`\n",
                    g.files,
                    g.bytes as f64 / 1e6,
                    out.display(),
                    out.display()
                ));
            }
            Ok(0)
        }
        Err(e) => Err(Problems(vec![
            Problem::new(
                ErrorCode::GenWrite,
                format!("cannot generate into {}: {e}", out.display()),
            )
            .help("name a new or empty folder, e.g. --out target/bench/1m"),
        ])),
    }
}

pub(super) fn init(dir: &Path, packs: &PackArgs) -> Result<u8, Problems> {
    let pack = load(packs)?;
    let written =
        crate::init::init(dir, &pack).map_err(|e| usage(e, "choose a new folder, e.g. `mktaudit init acme-2025`"))?;
    let mut out = String::new();
    for p in &written {
        out.push_str(&format!("wrote {}\n", p.display()));
    }
    out.push_str(&format!(
        "next: read {}/GATHER.md, drop the exports in the folder, then `mktaudit inspect {}`\n",
        dir.display(),
        dir.display()
    ));
    if !ui::quiet() {
        print(&out);
    }
    Ok(0)
}

pub(super) fn inspect(bundle: PathBuf, packs: &PackArgs, config: &ConfigArgs, format: &str) -> Result<u8, Problems> {
    let format = format_named(format, &[Format::Terminal, Format::Json], "inspect")?;
    let i = crate::inspect::run_inspect(&crate::inspect::InspectOptions {
        bundle,
        rule_dirs: packs.dirs(),
        config: config.config.clone(),
        trust_bundle_config: config.trust_bundle_config,
        no_config: config.no_config,
    })?;
    if format == Format::Json {
        print(&format!(
            "{}\n",
            serde_json::to_string_pretty(&i).expect("serialisable")
        ));
    } else {
        print(&crate::inspect::render_text(&i));
    }
    Ok(0)
}
