//! Builds the default rule pack (`rules/`) into the binary, so an installed
//! `mktaudit` needs no source tree and every report names the pack it ran.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    // Read when the script runs, not when it was compiled: a target folder
    // shared by two checkouts reuses the compiled script.
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let root = Path::new(&manifest_dir).join("rules");
    // A folder here makes cargo rebuild when any file under it changes,
    // is added or is removed.
    println!("cargo::rerun-if-changed=rules");
    let mut files = Vec::new();
    collect(&root, &mut files);
    files.sort();
    let mut out = String::from(
        "/// The default pack's files: path under `rules/`, text.\npub static FILES: &[(&str, &str)] = &[\n",
    );
    for file in &files {
        let rel = file.strip_prefix(&root).expect("under rules/");
        let rel: Vec<_> = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        // Read from the crate being compiled, not from the path this script
        // ran in: a target folder shared by two checkouts keeps this output.
        let _ = writeln!(
            out,
            "    ({0:?}, include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/rules/\", {0:?}))),",
            rel.join("/"),
        );
    }
    out.push_str("];\n");
    let dest = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("default_pack.rs");
    std::fs::write(dest, out).expect("OUT_DIR is writable");
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("a readable folder entry").path();
        if path.is_dir() {
            collect(&path, files);
        } else if matches!(path.extension().and_then(|e| e.to_str()), Some("yaml" | "yml" | "rhai")) {
            files.push(path);
        }
    }
}
