//! JSON Schemas generated from the Rust types that read each file, so the
//! schema an editor validates against cannot drift from what mktaudit accepts.
//! Rule and bundle files name them with a `yaml-language-server` comment;
//! the report schema documents what `--format json` writes.

use serde_json::{Value, json};

/// The kinds `mktaudit schema` knows.
pub const KINDS: &[&str] = &["rule", "bundle", "config", "report"];

pub fn schema(kind: &str) -> Option<String> {
    let schema = match kind {
        "rule" => schemars::schema_for!(crate::rules::format::RawRule).to_value(),
        "bundle" => schemars::schema_for!(crate::bundle::Manifest).to_value(),
        "config" => schemars::schema_for!(crate::config::Config).to_value(),
        // What `--format json` writes; tools that read reports validate against it.
        "report" => report_schema(),
        _ => return None,
    };
    let mut out = serde_json::to_string_pretty(&schema).expect("schemas serialise");
    out.push('\n');
    Some(out)
}

/// The report as written (the serialize contract: a field left out when
/// empty is optional, one always written is required), made strict: no
/// field the model does not write, and the ranges and formats the types
/// alone cannot say.
fn report_schema() -> Value {
    let generator = schemars::generate::SchemaSettings::draft2020_12()
        .for_serialize()
        .into_generator();
    let mut schema = generator.into_root_schema_for::<crate::report::Report>().to_value();
    deny_unknown_fields(&mut schema);
    let date = json!({ "format": "date", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$" });
    let share = json!({ "minimum": 0, "maximum": 1 });
    let score = json!({ "minimum": 0, "maximum": 100 });
    let non_negative = json!({ "minimum": 0 });
    let hash = json!({ "pattern": "^[0-9a-f]{64}$" });
    let patches: &[(&str, &str, &Value)] = &[
        ("AuditInfo", "as_of", &date),
        ("AuditInfo", "period_start", &date),
        ("AuditInfo", "period_end", &date),
        ("AuditInfo", "currency", &json!({ "pattern": "^[A-Z]{3}$" })),
        ("Overall", "score", &score),
        ("Overall", "coverage", &share),
        ("Overall", "assessed_weight", &non_negative),
        ("Overall", "total_weight", &non_negative),
        ("CategoryScore", "score", &score),
        ("CategoryScore", "coverage", &share),
        ("CategoryScore", "assessed_weight", &non_negative),
        ("CategoryScore", "total_weight", &non_negative),
        ("RuleReport", "weight", &non_negative),
        ("RuleReport", "points_recoverable", &score),
        ("RuleReport", "rule_hash", &hash),
        ("AtStake", "amount", &json!({ "exclusiveMinimum": 0 })),
        ("Methodology", "coverage_floor", &share),
        ("Methodology", "rule_pack_hash", &hash),
        ("WaivedFinding", "expires", &date),
        ("Side", "as_of", &date),
        ("Side", "score", &score),
        ("Side", "coverage", &share),
    ];
    for (def, field, patch) in patches {
        let property = schema
            .pointer_mut(&format!("/$defs/{def}/properties/{field}"))
            .unwrap_or_else(|| panic!("the report schema has no {def}.{field} to constrain"));
        let property = property.as_object_mut().expect("a property schema is an object");
        for (k, v) in patch.as_object().expect("a patch is an object") {
            property.insert(k.clone(), v.clone());
        }
    }
    let root = schema.as_object_mut().expect("the root schema is an object");
    root.insert(
        "properties".into(),
        {
            let mut props = root["properties"].clone();
            props["schema_version"] = json!({
                "description": "Major.minor: the major number changes when a field is renamed or removed, the minor when one is added.",
                "const": crate::report::SCHEMA_VERSION
            });
            props
        },
    );
    schema
}

/// Every object schema with named properties rejects any other property.
fn deny_unknown_fields(schema: &mut Value) {
    match schema {
        Value::Object(map) => {
            if map.contains_key("properties") && !map.contains_key("additionalProperties") {
                map.insert("additionalProperties".into(), Value::Bool(false));
            }
            map.values_mut().for_each(deny_unknown_fields);
        }
        Value::Array(items) => items.iter_mut().for_each(deny_unknown_fields),
        _ => {}
    }
}
