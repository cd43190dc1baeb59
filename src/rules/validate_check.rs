//! Validates a rule's `check:` (a plan, the older rows and aggregate forms,
//! or a script) against the rule's params and the bundle schema, and
//! gathers the datasets and fields it reads.

use super::Check;
use super::condition::{CheckError, Condition, number_param};
use super::format::{RawCheck, Threshold};
use super::load::PackContext;
use super::load::{built_in_text, default_pack_dir, read_text};
use super::metric::Metric;
use super::params::ParamValues;
use super::plan::format::RawPlan;
use super::script;
use super::validate::{check_problem, find, find_in, find_key};
use crate::bundle::schema::Schema;
use crate::error::ErrorCode;
use crate::error::{Problem, Problems, SourceFile, suggest};
use crate::value::FieldType;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;

/// Datasets and fields a rule needs, and those it reads when present.
pub(super) type DataNeeds<'a> = (
    &'a mut BTreeMap<String, BTreeSet<String>>,
    &'a mut BTreeMap<String, BTreeSet<String>>,
);

#[allow(clippy::too_many_arguments)]
pub(super) fn validate_check(
    pack_dir: &Path,
    path: &Path,
    src: &SourceFile,
    check: &mut RawCheck,
    defaults: &ParamValues,
    context: &PackContext<'_>,
    (requires, optional): DataNeeds<'_>,
    problems: &mut Problems,
) -> Option<Check> {
    let kinds = [
        check.rows.is_some(),
        check.aggregate.is_some(),
        check.script.is_some(),
        check.script_file.is_some(),
        check.plan.is_some(),
    ];
    if kinds.iter().filter(|k| **k).count() != 1 {
        problems.push(
            Problem::new(
                ErrorCode::RulesCheck,
                "`check` needs exactly one of `plan`, `rows`, `aggregate`, `script`, `script_file`",
            )
            .at(src, find_key(&src.text, "check"), 6, "here")
            .help("`mktaudit docs rules` describes the kinds of check"),
        );
        return None;
    }
    if let Some(plan) = &mut check.plan {
        let used = match super::definitions::expand_plan(plan, context.definitions) {
            Ok(e) => e,
            Err(e) => {
                let error = CheckError::new(e.message, format!("is: {}", e.name)).help(e.help);
                problems.push(check_problem(src, error, ErrorCode::RulesPlan));
                return None;
            }
        };
        let plan: &RawPlan = plan;
        let definitions = used.map_or_else(Vec::new, |used| super::definitions::used(&used, context.definitions));
        let compiled = match super::plan::Plan::compile(plan, defaults, Some(context.vocabs)) {
            Ok(c) => c,
            Err(errors) => {
                for e in errors {
                    problems.push(check_problem(src, e, ErrorCode::RulesPlan));
                }
                return None;
            }
        };
        let (reads, shown_only) = super::plan::reads_and_shown(plan);
        // Shown only, unless the rule declares it reads the field.
        let mut shown: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (ds, f) in shown_only {
            let declared = |needs: &BTreeMap<String, BTreeSet<String>>| needs.get(&ds).is_some_and(|s| s.contains(&f));
            if !declared(requires) && !declared(optional) {
                shown.entry(ds).or_default().insert(f);
            }
        }
        // What a plan names is read when present; `requires:` says what it cannot do without.
        for (ds, f) in reads {
            let entry = optional.entry(ds).or_default();
            if let Some(f) = f {
                entry.insert(f);
            }
        }
        return Some(Check::Plan(Box::new(super::PlanCheck {
            compiled: Arc::new(compiled),
            vocab_uses: super::unrecognised::vocab_uses(plan),
            definitions,
            shown,
        })));
    }
    let mut need = |ds: &str, field: Option<&str>| {
        let entry = requires.entry(ds.to_string()).or_default();
        if let Some(f) = field {
            entry.insert(f.to_string());
        }
    };
    let mut report = |e: CheckError| problems.push(check_problem(src, e, ErrorCode::RulesCheck));

    if let Some(rows) = &check.rows {
        let Some(schema) = Schema::get().dataset(&rows.dataset) else {
            report(
                CheckError::new(format!("unknown dataset `{}`", rows.dataset), rows.dataset.clone())
                    .help(suggest(&rows.dataset, &Schema::get().dataset_names())),
            );
            return None;
        };
        need(&rows.dataset, None);
        for cond in std::iter::once(&rows.flag).chain(rows.filter.as_ref()) {
            if let Err(e) = Condition::compile(cond, schema, &rows.dataset, defaults) {
                report(e);
            }
            let mut fields = Vec::new();
            Condition::fields_of(cond, &mut fields);
            for f in fields {
                need(&rows.dataset, Some(&f));
            }
        }
        for t in [&rows.fail_above, &rows.warn_above].into_iter().flatten() {
            if let Err(e) = number_param(t, defaults) {
                report(e);
            }
        }
        let mut allowed: Vec<&str> = schema.field_names();
        allowed.extend(defaults.keys().map(String::as_str));
        allowed.push("count");
        check_placeholders(&rows.message, &allowed, &mut report);
        return Some(Check::Rows(Box::new(rows.clone())));
    }

    if let Some(agg) = &check.aggregate {
        let metric = match Metric::compile(&agg.value, defaults) {
            Ok(m) => m,
            Err(e) => {
                report(e);
                return None;
            }
        };
        let mut reads = Vec::new();
        Metric::reads_of(&agg.value, &mut reads);
        for (ds, f) in &reads {
            need(ds, f.as_deref());
        }
        if let Some(month_field) = &agg.per_month {
            let mut datasets = BTreeSet::new();
            metric.datasets(&mut datasets);
            for ds in datasets.iter().filter(|d| *d != "org") {
                let ok = Schema::get()
                    .dataset(ds)
                    .and_then(|s| s.fields.get(month_field))
                    .is_some_and(|f| f.ty == FieldType::Date);
                if ok {
                    need(ds, Some(month_field));
                } else {
                    report(CheckError::new(
                        format!("`per_month: {month_field}` needs a date field `{month_field}` in `{ds}`"),
                        month_field.clone(),
                    ));
                }
            }
        }
        let thresholds: Vec<&Threshold> = [&agg.fail_below, &agg.warn_below, &agg.fail_above, &agg.warn_above]
            .into_iter()
            .flatten()
            .collect();
        if thresholds.is_empty() {
            report(CheckError::new(
                "an aggregate check needs at least one of fail_below, warn_below, fail_above, warn_above",
                "aggregate:",
            ));
        }
        for t in thresholds {
            if let Err(e) = number_param(t, defaults) {
                report(e);
            }
        }
        let mut allowed: Vec<&str> = vec!["value", "threshold", "month", "warn", "fail"];
        allowed.extend(defaults.keys().map(String::as_str));
        check_placeholders(&agg.message, &allowed, &mut report);
        return Some(Check::Aggregate(Box::new(agg.clone())));
    }

    // Scripts: inline (positions shift by the script's line in the rule file) or a sibling file.
    let (script_src, text, offset, indent) = if let Some(inline) = &check.script {
        let first_line = inline.lines().find(|l| !l.trim().is_empty()).unwrap_or_default().trim();
        let at = find_in(&src.text, "check", first_line);
        let (line, column) = src.line_col(at);
        (
            src.clone(),
            inline.clone(),
            line.saturating_sub(1),
            column.saturating_sub(1),
        )
    } else {
        let file = check.script_file.as_ref().expect("one kind is set");
        let script_path = path.parent().unwrap_or(Path::new(".")).join(file);
        let built_in = built_in_text(&script_path).is_some();
        let inside = built_in
            || match (script_path.canonicalize(), pack_dir.canonicalize()) {
                (Ok(s), Ok(p)) => s.starts_with(p),
                _ => false,
            };
        let exists = built_in || (*pack_dir != default_pack_dir() && script_path.is_file());
        if !exists || !inside {
            let why = if exists {
                "is outside the rule pack folder"
            } else {
                "does not exist"
            };
            problems.push(
                Problem::new(ErrorCode::RulesScriptFile, format!("script file `{file}` {why}"))
                    .at(src, find_in(&src.text, "check", file), file.len(), "here")
                    .help("name a .rhai file next to the rule file, inside the pack folder"),
            );
            return None;
        }
        match read_text(&script_path) {
            Ok(t) => (SourceFile::new(script_path.display().to_string(), t.clone()), t, 0, 0),
            Err(e) => {
                problems.push(
                    Problem::new(ErrorCode::RulesScriptFile, format!("cannot read `{file}`: {e}"))
                        .in_file(&script_path),
                );
                return None;
            }
        }
    };
    match script::compile(script_src.clone(), &text, offset, indent) {
        Ok(mut compiled) => {
            if let Some(shared) = context.shared {
                // A helper is defined once, in the pack's shared script.
                let own: Vec<(String, usize)> = compiled
                    .ast
                    .iter_functions()
                    .map(|f| (f.name.to_string(), f.params.len()))
                    .collect();
                for f in shared.iter_functions() {
                    if own.iter().any(|(n, arity)| n == f.name && *arity == f.params.len()) {
                        let needle = format!("fn {}", f.name);
                        problems.push(
                            Problem::new(
                                ErrorCode::RulesScriptHelper,
                                format!(
                                    "`{}` is defined in the pack's shared.rhai; the script defines it again",
                                    f.name
                                ),
                            )
                            .at(
                                &script_src,
                                find(&script_src.text, &needle),
                                needle.len(),
                                "defined twice",
                            )
                            .help("delete this copy and call the shared one, or rename it if it differs"),
                        );
                        return None;
                    }
                }
                compiled.ast = shared.merge(&compiled.ast);
            }
            Some(Check::Script(Arc::new(compiled)))
        }
        Err((msg, line, col)) => {
            let at = script_src.offset(line, col);
            problems.push(
                Problem::new(ErrorCode::RulesScriptSyntax, format!("script does not compile: {msg}"))
                    .at(&script_src, at, 1, msg)
                    .help("`mktaudit docs rhai-api` lists the script API"),
            );
            None
        }
    }
}

/// `{name}` and `{name:format}` must name something the message can show.
fn check_placeholders(message: &str, allowed: &[&str], report: &mut impl FnMut(CheckError)) {
    for name in crate::template::placeholders(message) {
        if !allowed.contains(&name.as_str()) {
            report(
                CheckError::new(
                    format!("message placeholder `{{{name}}}` names nothing the message can show"),
                    format!("{{{name}"),
                )
                .help(suggest(&name, allowed)),
            );
        }
    }
}
