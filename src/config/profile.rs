//! Org profile values that pick a rule's band (`by_profile`, e.g.
//! `sales_motion: enterprise`): read through the pack's vocabularies named
//! `<field>_<band>` (`sales_motion_enterprise` knows "Enterprise (named
//! accounts)"), and refused with a suggestion when none knows them, so an
//! unrecognised motion never falls back to the default band in silence.

use crate::bundle::Bundle;
use crate::error::ErrorCode;
use crate::error::{Problem, Problems, SourceFile, suggest};
use crate::rules::RulePack;
use crate::rules::vocab::{Vocabularies, normalize};
use crate::value::{Value, normalize_name};
use std::collections::{BTreeMap, BTreeSet};

/// Profile fields checked even when no loaded rule reads them by band
/// (docs/bundle.md lists their values).
const DOCUMENTED: &[&str] = &["sales_motion", "stage"];

/// The band a profile value stands for: itself when it names one, else the
/// band whose vocabulary (`<field>_<band>`) holds it; None when unknown.
pub fn band(field: &str, value: &str, bands: &BTreeSet<String>, vocabs: &Vocabularies) -> Option<String> {
    let key = normalize_name(value);
    if let Some(b) = bands.iter().find(|b| normalize_name(b) == key) {
        return Some(b.clone());
    }
    let prefix = format!("{field}_");
    vocabs
        .iter()
        .filter_map(|(name, v)| Some((name.strip_prefix(&prefix)?, v)))
        .find(|(_, v)| v.contains(value))
        .map(|(b, _)| b.to_string())
}

/// The profile value of `field` as the rules read it: the band it stands for
/// when a vocabulary knows it, else as written.
pub fn read(bundle: &Bundle, field: &str, vocabs: &Vocabularies) -> Value {
    let value = bundle.profile_value(field);
    match &value {
        Value::Text(t) => band(field, t, &BTreeSet::new(), vocabs).map_or(value, Value::Text),
        _ => value,
    }
}

/// Every banded profile field: its bands from the rules' `by_profile` and
/// from the vocabularies named after it.
fn banded_fields(pack: &RulePack) -> BTreeMap<String, BTreeSet<String>> {
    let mut fields: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for rule in &pack.rules {
        for param in rule.params.values() {
            for (field, by_value) in &param.by_profile {
                fields
                    .entry(field.clone())
                    .or_default()
                    .extend(by_value.keys().cloned());
            }
        }
    }
    for field in DOCUMENTED {
        let prefix = format!("{field}_");
        let bands: BTreeSet<String> = pack
            .vocabularies
            .keys()
            .filter_map(|n| n.strip_prefix(&prefix).map(str::to_string))
            .collect();
        if !bands.is_empty() {
            fields.entry(field.to_string()).or_default().extend(bands);
        }
    }
    fields
}

/// An error for each banded profile value no band or vocabulary recognises.
pub fn check(pack: &RulePack, bundle: &Bundle) -> Problems {
    let mut problems = Problems::default();
    for (field, bands) in banded_fields(pack) {
        let Value::Text(text) = bundle.profile_value(&field) else {
            continue;
        };
        if normalize(&text).is_empty() || band(&field, &text, &bands, &pack.vocabularies).is_some() {
            continue;
        }
        let names: Vec<&str> = bands.iter().map(String::as_str).collect();
        // Compare spellings as written in the band names (`mid_market`).
        let hint = suggest(&normalize(&text).replace(' ', "_"), &names);
        let example = names.first().copied().unwrap_or("enterprise");
        let mut problem = Problem::new(
            ErrorCode::BundleProfileValue,
            format!(
                "the org profile's `{field}` is \"{text}\", which is none of the values the rules know ({})",
                names.join(", ")
            ),
        )
        .help(format!(
            "{hint} Write one of them, or teach the org's word in mktaudit.yaml: `vocabularies: {{ {field}_{example}: [\"{text}\"] }}`"
        ));
        problem = locate(problem, bundle, &field, &text);
        problems.push(problem);
    }
    problems
}

/// Points the problem at the value in `org.yaml` when it was read from there.
fn locate(problem: Problem, bundle: &Bundle, field: &str, text: &str) -> Problem {
    if bundle.profile_overrides.contains_key(field) {
        return problem;
    }
    let Some(org) = bundle.dataset("org") else {
        return problem;
    };
    let path = bundle.root.join(&org.file);
    let Ok(source) = std::fs::read_to_string(&path) else {
        return problem.in_file(&path);
    };
    let span = if org.file.ends_with(".yaml") || org.file.ends_with(".yml") {
        crate::yaml::value_span(&source, &[field])
    } else {
        source.find(text).map(|at| at..at + text.len())
    };
    let file = SourceFile::new(org.file.clone(), source);
    match span {
        Some(r) => problem.at(&file, r.start, r.end - r.start, format!("not a known {field}")),
        None => problem.in_file(&path),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::vocab::Vocabulary;
    use std::sync::Arc;

    #[test]
    fn a_value_reads_as_its_band_through_the_vocabularies() {
        let mut vocabs = Vocabularies::new();
        vocabs.insert(
            "sales_motion_enterprise".into(),
            Arc::new(Vocabulary::new("e".into(), vec!["enterprise named accounts".into()])),
        );
        let bands: BTreeSet<String> = ["enterprise", "mid_market", "smb"].map(String::from).into();
        let band = |v: &str| band("sales_motion", v, &bands, &vocabs);
        assert_eq!(band("Enterprise (named accounts)").as_deref(), Some("enterprise"));
        assert_eq!(band("Mid-Market").as_deref(), Some("mid_market"));
        assert_eq!(band("Enterprize"), None);
    }
}
