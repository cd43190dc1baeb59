//! Generated documentation stays in sync with the code it describes.
//! Regenerate with `UPDATE_DOCS=1 cargo test --test docs`.

use std::path::Path;

const MARKER: &str = "<!-- Generated from src/bundle/datasets.yaml by `UPDATE_DOCS=1 cargo test --test docs`; do not edit below. -->\n\n";

fn check_or_update(path: &Path, expected: &str) {
    let actual = std::fs::read_to_string(path).unwrap_or_default();
    if actual == expected {
        return;
    }
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(path, expected).unwrap();
    } else {
        panic!(
            "{} is stale; run `UPDATE_DOCS=1 cargo test --test docs` and commit the result",
            path.display()
        );
    }
}

#[test]
fn bundle_reference_matches_the_schema() {
    let path = Path::new("docs/bundle.md");
    let current = std::fs::read_to_string(path).unwrap_or_default();
    let head = current.split(MARKER).next().unwrap_or_default();
    assert!(
        head.contains("# The bundle format"),
        "docs/bundle.md lost its hand-written introduction"
    );
    let expected = format!("{head}{MARKER}{}", mktaudit::bundle::schema::reference_markdown());
    check_or_update(path, &expected);
}

#[test]
fn rhai_api_doc_lists_every_host_function() {
    let doc = std::fs::read_to_string("docs/rhai-api.md").expect("docs/rhai-api.md exists");
    for f in mktaudit::rules::script::HOST_FUNCTIONS {
        assert!(
            doc.contains(&format!("`{f}`")),
            "docs/rhai-api.md does not document `{f}`"
        );
    }
}
