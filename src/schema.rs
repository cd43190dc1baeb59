//! JSON Schemas generated from the Rust types that read each file, so the
//! schema an editor validates against cannot drift from what mktaudit accepts.
//! Rule and bundle files name them with a `yaml-language-server` comment;
//! the report schema documents what `--format json` writes.

/// The kinds `mktaudit schema` knows.
pub const KINDS: &[&str] = &["rule", "bundle", "config", "report"];

pub fn schema(kind: &str) -> Option<String> {
    let schema = match kind {
        "rule" => schemars::schema_for!(crate::rules::format::RawRule),
        "bundle" => schemars::schema_for!(crate::bundle::Manifest),
        "config" => schemars::schema_for!(crate::config::Config),
        // What `--format json` writes; tools that read reports validate against it.
        "report" => schemars::schema_for!(crate::report::Report),
        _ => return None,
    };
    let mut out = serde_json::to_string_pretty(&schema).expect("schemas serialise");
    out.push('\n');
    Some(out)
}
