//! Param values: a rule's defaults, made specific by the org profile and
//! overridden by config. Every threshold a rule uses goes through here, so the
//! report can say exactly which values were in force and which were changed.

use super::{Param, Rule};
use crate::value::{Value, normalize_name};
use std::collections::BTreeMap;

/// The values in force for one rule in one audit.
pub type ParamValues = BTreeMap<String, Value>;

/// Where a param's value came from, for the methodology appendix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ParamOrigin {
    Default,
    Profile,
    Config,
}

/// Resolves every param of `rule`: config override, else the profile-specific
/// default, else the default.
pub fn resolve(
    rule: &Rule,
    profile: &dyn Fn(&str) -> Value,
    overrides: Option<&BTreeMap<String, Value>>,
) -> (ParamValues, BTreeMap<String, ParamOrigin>) {
    let mut values = ParamValues::new();
    let mut origins = BTreeMap::new();
    for (name, param) in &rule.params {
        let (value, origin) = match overrides.and_then(|o| o.get(name)) {
            Some(v) => (v.clone(), ParamOrigin::Config),
            None => match profile_default(param, profile) {
                Some(v) => (v, ParamOrigin::Profile),
                None => (param.default.clone(), ParamOrigin::Default),
            },
        };
        values.insert(name.clone(), value);
        origins.insert(name.clone(), origin);
    }
    (values, origins)
}

fn profile_default(param: &Param, profile: &dyn Fn(&str) -> Value) -> Option<Value> {
    param.by_profile.iter().find_map(|(field, by_value)| {
        let actual = profile(field);
        if actual.is_null() {
            return None;
        }
        let key = normalize_name(&actual.to_text());
        by_value
            .iter()
            .find(|(k, _)| normalize_name(k) == key)
            .map(|(_, v)| v.clone())
    })
}

/// Converts a YAML value (param default, test param) to a `Value`.
pub fn yaml_to_value(v: &crate::yaml::Value) -> Result<Value, String> {
    Ok(match v {
        crate::yaml::Value::Null => Value::Null,
        crate::yaml::Value::Bool(b) => Value::Bool(*b),
        crate::yaml::Value::Number(n) => Value::Number(n.as_f64().ok_or("number out of range")?),
        crate::yaml::Value::String(s) => Value::Text(s.clone()),
        crate::yaml::Value::Array(items) => Value::List(
            items
                .iter()
                .map(|i| match i {
                    crate::yaml::Value::String(s) => Ok(s.clone()),
                    crate::yaml::Value::Number(n) => Ok(n.to_string()),
                    crate::yaml::Value::Bool(b) => Ok(b.to_string()),
                    _ => Err("a list param may hold only text, numbers or booleans".to_string()),
                })
                .collect::<Result<_, _>>()?,
        ),
        crate::yaml::Value::Object(_) => return Err("a param value cannot be a mapping".into()),
    })
}
