//! Dependencies run one way: a lower layer never names a higher one, so a
//! change to the config or the comparison cannot break loading or rendering.
//! Checked on the source text, as a reviewer would grep it.

use std::path::Path;

fn rust_files(path: &Path, out: &mut Vec<std::path::PathBuf>) {
    if path.is_dir() {
        for entry in std::fs::read_dir(path).unwrap() {
            rust_files(&entry.unwrap().path(), out);
        }
    } else if path.extension().is_some_and(|e| e == "rs") {
        out.push(path.to_path_buf());
    }
}

/// Lines of `layer` (a file or folder under src/) that name `higher`.
fn arrows(layer: &str, higher: &str) -> Vec<String> {
    let mut files = Vec::new();
    rust_files(&Path::new("src").join(layer), &mut files);
    assert!(!files.is_empty(), "src/{layer} has Rust files");
    let mut found = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for (i, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or_default();
            if code.contains(&format!("crate::{higher}")) {
                found.push(format!("{}:{}: {}", file.display(), i + 1, line.trim()));
            }
        }
    }
    found
}

#[test]
fn lower_layers_do_not_name_higher_ones() {
    let mut wrong = Vec::new();
    for (layer, higher) in [
        ("bundle", "config"),
        ("value.rs", "bundle"),
        ("value.rs", "config"),
        ("report", "compare"),
        ("rules", "eval"),
        ("eval", "report"),
        ("score.rs", "report"),
    ] {
        wrong.extend(arrows(layer, higher));
    }
    assert!(wrong.is_empty(), "arrows that run backwards:\n{}", wrong.join("\n"));
}

#[test]
fn the_scan_sees_a_real_arrow() {
    // compare reads the report's model: the scan must find that, or it finds nothing.
    assert!(!arrows("compare", "report").is_empty());
}

/// The library's API is the binary's entry point: a module made `pub` again
/// would put its items in the docs and hide its dead code from the compiler.
#[test]
fn the_library_exports_only_the_entry_point_and_the_hidden_test_facade() {
    let lib = std::fs::read_to_string("src/lib.rs").unwrap();
    let mut public = Vec::new();
    let mut hidden = false;
    for line in lib.lines().map(str::trim) {
        if line == "#[doc(hidden)]" {
            hidden = true;
            continue;
        }
        if line.starts_with("pub ") && !(hidden && line == "pub mod testing;") {
            public.push(line.to_string());
        }
        hidden = false;
    }
    assert_eq!(
        public,
        ["pub use cli::main as cli_main;"],
        "src/lib.rs exports more than the entry point"
    );
}
