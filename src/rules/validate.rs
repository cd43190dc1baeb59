//! Validates one rule file read by `load`: its id, category, params,
//! references, data needs and check, each problem located at its line, and
//! builds the `Rule`. The check itself is validated in `validate_check`.

use super::condition::CheckError;
use super::format::RawRule;
use super::load::{PackContext, rule_hash};
use super::params::{ParamValues, yaml_to_value};
use super::validate_check::validate_check;
use super::{Category, Check, Param, Rule};
use crate::bundle::schema::Schema;
use crate::error::ErrorCode;
use crate::error::{Problem, Problems, SourceFile, suggest};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Byte offset of the first occurrence of `needle` (0 when absent).
pub(super) fn find(text: &str, needle: &str) -> usize {
    if needle.is_empty() {
        return 0;
    }
    text.find(needle).unwrap_or(0)
}

/// Byte offset of `needle` in the value of the top-level key `section`, so
/// that a word also written elsewhere (a reference, a test) is not taken
/// for it; else its first occurrence in the file (0 when absent).
pub(super) fn find_in(text: &str, section: &str, needle: &str) -> usize {
    if !needle.is_empty()
        && let Some(s) = crate::yaml::sections(text).into_iter().find(|s| s.key == section)
        && let Some(i) = text[s.value.clone()].find(needle)
    {
        return s.value.start + i;
    }
    find(text, needle)
}

/// Byte offset of the top-level key `key` as the parser read it.
pub(super) fn find_key(text: &str, key: &str) -> usize {
    crate::yaml::sections(text)
        .into_iter()
        .find(|s| s.key == key)
        .map_or_else(|| find(text, &format!("{key}:")), |s| s.key_at)
}

/// Byte offset and length of a check error: its needle within the part of
/// the check it was found in (a plan's step), else within `check:`.
pub(super) fn locate(text: &str, e: &CheckError) -> (usize, usize) {
    let len = e.needle.len().max(1);
    if !e.scope.is_empty() {
        let path: Vec<&str> = std::iter::once("check")
            .chain(e.scope.iter().map(String::as_str))
            .collect();
        if let Some(span) = crate::yaml::value_span(text, &path) {
            return match text[span.clone()].find(&e.needle) {
                Some(i) if !e.needle.is_empty() => (span.start + i, len),
                // The step itself, up to the end of its first line.
                _ => (span.start, text[span.clone()].find('\n').unwrap_or(span.len()).max(1)),
            };
        }
    }
    let at = find_in(text, "check", &e.needle);
    if at == 0 && !text.starts_with(&e.needle) {
        (at, 1)
    } else {
        (at, len)
    }
}

pub(super) fn check_problem(src: &SourceFile, e: CheckError, code: ErrorCode) -> Problem {
    let (at, len) = locate(&src.text, &e);
    let p = Problem::new(code, e.message.clone()).at(src, at, len, "here");
    match e.help {
        Some(h) => p.help(h),
        None => p,
    }
}

pub(super) fn validate(
    pack_dir: &Path,
    path: &Path,
    src: &SourceFile,
    mut raw: RawRule,
    context: &PackContext<'_>,
    problems: &mut Problems,
) -> Option<Rule> {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let id = raw.id.clone().unwrap_or(stem);
    // The id names report files and anchors: `..` or `.x` must not pass.
    if !id.starts_with(|c: char| c.is_ascii_alphanumeric())
        || !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        problems.push(
            Problem::new(
                ErrorCode::RulesId,
                format!(
                    "rule id `{id}` must start with a letter or digit and use only letters, digits, `-`, `_` and `.`"
                ),
            )
            .at(src, find_key(&src.text, "id"), 3, "here")
            .help("e.g. `CRED-001` or `kpi-click-rate`"),
        );
    }

    // Category: from the key, else from the folder name.
    let folder = path
        .parent()
        .and_then(|p| p.file_name())
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    let folder_category = Category::parse(&folder);
    let category = match (raw.category, folder_category) {
        (Some(c), Some(f)) if c != f => {
            problems.push(
                Problem::new(
                    ErrorCode::RulesCategory,
                    format!("the rule says category `{c}` but sits in folder `{folder}`"),
                )
                .at(src, find_key(&src.text, "category"), 9, "conflicts with the folder")
                .help("move the file to the folder of its category, or remove `category:`"),
            );
            c
        }
        (Some(c), _) => c,
        (None, Some(f)) => f,
        (None, None) => {
            let names: Vec<&str> = Category::ALL.iter().map(|c| c.as_str()).collect();
            problems.push(
                Problem::new(ErrorCode::RulesCategory, format!("rule `{id}` has no category"))
                    .at(src, 0, 1, "no `category:` key, and the folder is not a category")
                    .help(format!(
                        "add `category: …` or put the file in a folder named after one of: {}",
                        names.join(", ")
                    )),
            );
            Category::Competent
        }
    };

    let weight = raw.weight.unwrap_or_else(|| raw.severity.default_weight());
    if !(weight.is_finite() && (0.0..=crate::score::MAX_WEIGHT).contains(&weight)) {
        problems.push(
            Problem::new(
                ErrorCode::RulesWeight,
                format!("weight must be a number from 0 to {}", crate::score::MAX_WEIGHT),
            )
            .at(src, find_key(&src.text, "weight"), 7, "here"),
        );
    }

    // Params and their default values.
    let mut params = indexmap::IndexMap::new();
    let org_schema = Schema::get().dataset("org").expect("org dataset");
    for (name, p) in &raw.params {
        // Found only for an error: each search parses the rule file again.
        let at = || find_in(&src.text, "params", &format!("{name}:"));
        let mut bad_values = Vec::new();
        let mut convert = |v: &crate::yaml::Value| match yaml_to_value(v) {
            Ok(v) => Some(v),
            Err(e) => {
                bad_values.push(Problem::new(ErrorCode::RulesParam, format!("param `{name}`: {e}")).at(
                    src,
                    at(),
                    name.len(),
                    "here",
                ));
                None
            }
        };
        let default = convert(&p.default).unwrap_or(crate::value::Value::Null);
        let mut by_profile = BTreeMap::new();
        for (field, values) in &p.by_profile {
            if !org_schema.fields.contains_key(field) {
                problems.push(
                    Problem::new(
                        ErrorCode::RulesParam,
                        format!(
                            "param `{name}` depends on profile field `{field}`, which the org profile does not have"
                        ),
                    )
                    .at(
                        src,
                        find_in(&src.text, "params", &format!("{field}:")),
                        field.len(),
                        "unknown profile field",
                    )
                    .help(suggest(field, &org_schema.field_names())),
                );
                continue;
            }
            let converted: BTreeMap<String, crate::value::Value> = values
                .iter()
                .filter_map(|(k, v)| convert(v).map(|v| (k.clone(), v)))
                .collect();
            by_profile.insert(field.clone(), converted);
        }
        for p in bad_values {
            problems.push(p);
        }
        params.insert(
            name.clone(),
            Param {
                default,
                description: p.description.clone(),
                by_profile,
            },
        );
    }
    let defaults: ParamValues = params.iter().map(|(k, p)| (k.clone(), p.default.clone())).collect();

    // Data needs: declared, plus what the check reads.
    let mut requires: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut optional: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (section, declared, into) in [
        ("requires", &raw.requires, &mut requires),
        ("optional", &raw.optional, &mut optional),
    ] {
        for (ds, fields) in declared {
            let Some(schema) = Schema::get().dataset(ds) else {
                problems.push(
                    Problem::new(ErrorCode::RulesDataset, format!("unknown dataset `{ds}`"))
                        .at(
                            src,
                            find_in(&src.text, section, &format!("{ds}:")),
                            ds.len(),
                            "not a dataset of the bundle format",
                        )
                        .help(suggest(ds, &Schema::get().dataset_names())),
                );
                continue;
            };
            for f in fields {
                if !schema.fields.contains_key(f) {
                    problems.push(
                        Problem::new(ErrorCode::RulesField, format!("dataset `{ds}` has no field `{f}`"))
                            .at(src, find_in(&src.text, section, f), f.len(), "unknown field")
                            .help(suggest(f, &schema.field_names())),
                    );
                }
            }
            into.entry(ds.clone()).or_default().extend(fields.iter().cloned());
        }
    }

    let check = validate_check(
        pack_dir,
        path,
        src,
        &mut raw.check,
        &defaults,
        context,
        (&mut requires, &mut optional),
        problems,
    )?;

    for test in &raw.tests {
        for ds in test.data.keys() {
            if Schema::get().dataset(ds).is_none() {
                problems.push(
                    Problem::new(
                        ErrorCode::RulesTest,
                        format!("test `{}` has data for unknown dataset `{ds}`", test.name),
                    )
                    .at(
                        src,
                        find_in(&src.text, "tests", &format!("{ds}:")),
                        ds.len(),
                        "unknown dataset",
                    )
                    .help(suggest(ds, &Schema::get().dataset_names())),
                );
            }
        }
        for p in test.params.keys() {
            if !params.contains_key(p) {
                problems.push(
                    Problem::new(
                        ErrorCode::RulesTest,
                        format!("test `{}` sets param `{p}`, which the rule does not declare", test.name),
                    )
                    .at(
                        src,
                        find_in(&src.text, "tests", &format!("{p}:")),
                        p.len(),
                        "undeclared param",
                    ),
                );
            }
        }
    }
    // What a rule cannot do without is not also listed as read when present.
    for (ds, fields) in &requires {
        if let Some(opt) = optional.get_mut(ds) {
            opt.retain(|f| !fields.contains(f));
        }
    }
    optional.retain(|ds, fields| !fields.is_empty() || !requires.contains_key(ds));
    let hash = rule_hash(src, &check);
    let mut rule = Rule {
        hash,
        id,
        title: raw.title,
        pass_title: raw.pass_title,
        category,
        severity: raw.severity,
        weight,
        rationale: raw.rationale,
        remediation: raw.remediation,
        effort: raw.effort,
        references: raw.references,
        params,
        requires,
        optional,
        interprets: BTreeMap::new(),
        period: raw.period,
        check,
        tests: raw.tests,
        source: src.clone(),
        path: path.to_path_buf(),
    };
    let vocabulary_reads = rule.vocabulary_reads();
    if matches!(rule.check, Check::Rows(_) | Check::Aggregate(_)) && !vocabulary_reads.is_empty() {
        // The older check kinds bind conditions without the run's vocabularies:
        // an `in_vocab` there would match nothing, in silence.
        let at = find_in(&src.text, "check", "in_vocab");
        problems.push(
            Problem::new(
                ErrorCode::RulesCheck,
                "`in_vocab` works in `plan:` checks, not in `rows:` or `aggregate:`",
            )
            .at(src, at, "in_vocab".len(), "here")
            .help("write the check as a `plan:` (`mktaudit docs rules` shows how)"),
        );
        return None;
    }
    for (ds, field) in vocabulary_reads.into_keys() {
        let declared = |m: &BTreeMap<String, Vec<String>>| m.get(&ds).is_some_and(|f| f.contains(&field));
        if !declared(&raw.optional) && !declared(&raw.requires) {
            rule.interprets.entry(ds).or_default().insert(field);
        }
    }
    Some(rule)
}
