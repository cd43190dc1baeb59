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
    let expected = format!(
        "{head}{MARKER}{}",
        mktaudit::testing::bundle::schema::reference_markdown()
    );
    check_or_update(path, &expected);
}

/// The error-code table is made from the enum that every diagnostic takes its
/// code from, so a new code cannot ship without its line in docs/cli.md.
#[test]
fn error_code_table_is_the_enum() {
    let path = Path::new("docs/cli.md");
    let current = std::fs::read_to_string(path).unwrap();
    let heading = current
        .find("## Error codes")
        .expect("docs/cli.md has an Error codes section");
    let start = heading
        + current[heading..]
            .find("\n| code |")
            .expect("the section has its table")
        + 1;
    let end = current[start..].find("\n\n").map_or(current.len(), |i| start + i + 1);
    let table = mktaudit::testing::error::ErrorCode::docs_table();
    assert!(table.contains("| `bundle::csv` | 2 |"), "{table}");
    let expected = format!("{}{table}{}", &current[..start], &current[end..]);
    check_or_update(path, &expected);
}

#[test]
fn rhai_api_doc_lists_every_host_function() {
    let doc = std::fs::read_to_string("docs/rhai-api.md").expect("docs/rhai-api.md exists");
    for f in mktaudit::testing::rules::script::HOST_FUNCTIONS {
        assert!(
            doc.contains(&format!("`{f}`")),
            "docs/rhai-api.md does not document `{f}`"
        );
    }
}

#[test]
fn json_schemas_match_the_types() {
    for kind in mktaudit::testing::schema::KINDS {
        let expected = mktaudit::testing::schema::schema(kind).unwrap();
        check_or_update(&Path::new("docs/schema").join(format!("{kind}.schema.json")), &expected);
    }
}

#[test]
fn tutorial_quotes_the_tested_pack_verbatim() {
    let doc = std::fs::read_to_string("docs/rule-authoring.md").unwrap();
    let pack = Path::new("examples/packs/tutorial");
    for file in [
        "accountable/TUT-001.yaml",
        "competent/TUT-002.yaml",
        "strategic/TUT-003.yaml",
        "strategic/TUT-003.rhai",
    ] {
        let text = std::fs::read_to_string(pack.join(file)).unwrap();
        assert!(
            doc.contains(text.trim_end()),
            "docs/rule-authoring.md no longer quotes {file} as it is"
        );
    }
    let loaded = mktaudit::testing::rules::load_rule_dirs(&[pack.to_path_buf()])
        .map_err(|p| p.to_string())
        .unwrap();
    for case in mktaudit::testing::ruletest::run_pack_tests(&loaded.pack, None) {
        assert_eq!(
            case.verdict,
            mktaudit::testing::ruletest::Verdict::Validated,
            "{} {}: {}",
            case.rule,
            case.case,
            case.detail
        );
    }
    assert!(mktaudit::testing::ruletest::incomplete_rules(&loaded.pack).is_empty());
}

/// One reference page per rule of the default pack, and an index, so a
/// consultant can cite a rule's rationale and thresholds by link.
#[test]
fn rule_reference_pages_match_the_default_pack() {
    let loaded = mktaudit::testing::rules::load_rule_dirs(&[Path::new("rules").to_path_buf()])
        .map_err(|p| p.to_string())
        .unwrap();
    let dir = Path::new("docs/rules");
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::create_dir_all(dir).unwrap();
    }
    let mut index = String::from(
        "<!-- Generated from rules/ by `UPDATE_DOCS=1 cargo test --test docs`; do not edit. -->\n\n\
         # The default rule pack\n\n\
         One page per rule: why it matters, what to do, its params with their defaults, the data \
         it needs and its sources. `mktaudit explain ID` prints the same in a terminal.\n",
    );
    for category in mktaudit::testing::rules::Category::ALL {
        index.push_str(&format!(
            "\n## {category}\n\n| rule | title | severity |\n|---|---|---|\n"
        ));
        for rule in loaded.pack.rules.iter().filter(|r| r.category == category) {
            index.push_str(&format!(
                "| [{id}]({id}.md) | {} | {} |\n",
                rule.title.replace('|', "\\|"),
                rule.severity,
                id = rule.id
            ));
            let page = dir.join(format!("{}.md", rule.id));
            check_or_update(&page, &mktaudit::testing::explain::rule_page(rule));
        }
    }
    check_or_update(&dir.join("README.md"), &index);
    // A page whose rule was removed or renamed is stale too.
    for entry in std::fs::read_dir(dir).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        let id = name.trim_end_matches(".md");
        assert!(
            name == "README.md" || loaded.pack.get(id).is_some(),
            "docs/rules/{name} documents no rule of the default pack; delete it"
        );
    }
}

/// Every complete rule in docs/rules.md (a YAML block with an `id: DOC-…`
/// and tests) loads beside the default pack and passes its own tests.
#[test]
fn the_rule_language_reference_examples_run() {
    let doc = std::fs::read_to_string("docs/rules.md").unwrap();
    let blocks: Vec<&str> = doc
        .split("```yaml\n")
        .skip(1)
        .filter_map(|b| b.split("```").next())
        .filter(|b| b.starts_with("id: DOC-") && b.contains("\ntests:"))
        .collect();
    assert!(
        blocks.len() >= 6,
        "docs/rules.md shows a runnable example per primitive"
    );
    let dir = tempfile::tempdir().unwrap();
    for block in &blocks {
        let id = block.lines().next().unwrap().trim_start_matches("id: ").trim();
        let category = block
            .lines()
            .find_map(|l| l.strip_prefix("category: "))
            .unwrap_or_else(|| panic!("{id} names its category"));
        let path = dir.path().join(category).join(format!("{id}.yaml"));
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, block).unwrap();
    }
    let loaded = mktaudit::testing::rules::load_rule_dirs(&[
        mktaudit::testing::rules::default_pack_dir(),
        dir.path().to_path_buf(),
    ])
    .unwrap_or_else(|p| panic!("the examples load:\n{p}"));
    let mut ran = 0;
    for rule in loaded.pack.rules.iter().filter(|r| r.id.starts_with("DOC-")) {
        let cases = mktaudit::testing::ruletest::run_rule_tests(rule, &loaded.pack);
        assert!(cases.len() >= 2, "{} has a passing and a failing case", rule.id);
        for c in cases {
            assert_eq!(
                c.verdict,
                mktaudit::testing::ruletest::Verdict::Validated,
                "{} :: {}: {}",
                c.rule,
                c.case,
                c.detail
            );
            ran += 1;
        }
    }
    assert_eq!(
        loaded.pack.rules.iter().filter(|r| r.id.starts_with("DOC-")).count(),
        blocks.len()
    );
    assert!(ran > 10);
}
