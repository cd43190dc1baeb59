//! Compiling a raw condition against a dataset's schema and the params:
//! every field, operator, vocabulary and param checked where the rule
//! writes it, so that a bad condition is refused when its rule loads.

use super::field_test::FieldTest;
use super::*;

impl Condition {
    /// Compiles a raw condition against a dataset's schema and the params.
    pub fn compile(
        raw: &RawCondition,
        schema: &DatasetSchema,
        dataset: &str,
        params: &ParamValues,
    ) -> Result<Condition, CheckError> {
        Self::compile_in(raw, schema, dataset, params, &Names::default())
    }

    /// [`Condition::compile`] inside a plan, where conditions may name the
    /// plan's values and row sets.
    pub fn compile_in(
        raw: &RawCondition,
        schema: &DatasetSchema,
        dataset: &str,
        params: &ParamValues,
        names: &Names<'_>,
    ) -> Result<Condition, CheckError> {
        // A plan's `is:` was expanded when its rule loaded; the older checks do not expand.
        if let Some(name) = &raw.is {
            return Err(
                CheckError::new(format!("`is: {name}` is read in `plan:` checks only"), "is:")
                    .help("write the condition inline here, or move the check into a `plan:`"),
            );
        }
        let combinators = [raw.all.is_some(), raw.any.is_some(), raw.not.is_some()];
        let ops = operator_names(raw);
        let n_comb = combinators.iter().filter(|b| **b).count();
        if n_comb > 0 {
            if raw.field.is_some() || !ops.is_empty() || n_comb > 1 {
                return Err(CheckError::new(
                    "a condition is either `field` with one operator, or one of `all`, `any`, `not`",
                    raw.field.clone().unwrap_or_else(|| "all:".into()),
                )
                .help("split it: put the field test inside `all: [...]`"));
            }
            // An error below names its place in the condition (`all, 1`), so
            // the diagnostic finds its words there and not in a sibling.
            let within = |mut e: CheckError, keys: &[&str]| {
                e.scope.splice(0..0, keys.iter().map(|k| k.to_string()));
                e
            };
            let compile_all = |key: &str, list: &Vec<RawCondition>| {
                list.iter()
                    .enumerate()
                    .map(|(i, c)| {
                        Condition::compile_in(c, schema, dataset, params, names)
                            .map_err(|e| within(e, &[key, &i.to_string()]))
                    })
                    .collect::<Result<Vec<_>, _>>()
            };
            return Ok(if let Some(list) = &raw.all {
                Condition::All(compile_all("all", list)?)
            } else if let Some(list) = &raw.any {
                Condition::Any(compile_all("any", list)?)
            } else {
                Condition::Not(Box::new(
                    Condition::compile_in(raw.not.as_ref().expect("checked"), schema, dataset, params, names)
                        .map_err(|e| within(e, &["not"]))?,
                ))
            });
        }
        let Some(field) = raw.field.clone() else {
            return Err(CheckError::new(
                "a condition needs `field` (or `all`, `any`, `not`)",
                ops.first().copied().unwrap_or("where"),
            ));
        };
        let Some(fs) = schema.fields.get(&field) else {
            return Err(
                CheckError::new(format!("dataset `{dataset}` has no field `{field}`"), &field)
                    .help(suggest(&field, &schema.field_names())),
            );
        };
        if ops.len() != 1 {
            return Err(CheckError::new(
                format!(
                    "the condition on `{field}` needs exactly one operator, found {}",
                    ops.len()
                ),
                &field,
            )
            .help(
                "operators: matches, not_matches, mentions, not_mentions, equals, not_equals, in, not_in, in_vocab, not_in_vocab, in_rows, not_in_rows, in_keys, not_in_keys, follows, gt, gte, lt, lte, before, after, on_or_before, on_or_after, within_days, age_days, present, in_period, overlaps_period",
            ));
        }
        let test = FieldTest {
            raw,
            field,
            ty: fs.ty,
            schema,
            dataset,
            params,
            names,
        };
        // Exactly one operator is set (checked above): its family compiles it.
        if [&raw.in_rows, &raw.not_in_rows].iter().any(|o| o.is_some())
            || [&raw.in_keys, &raw.not_in_keys].iter().any(|o| o.is_some())
        {
            test.join()
        } else if raw.follows.is_some()
            || raw.within_days.is_some()
            || raw.age_days.is_some()
            || raw.overlaps_period.is_some()
        {
            test.dated()
        } else if comparisons(raw).iter().any(|(_, o)| o.is_some()) {
            test.compare()
        } else {
            test.value()
        }
    }

    /// Fields a raw condition reads (for the rule's data needs).
    pub fn fields_of(raw: &RawCondition, out: &mut Vec<String>) {
        if let Some(f) = &raw.field {
            out.push(f.clone());
        }
        for (_, op) in comparisons(raw) {
            if let Some(Operand::Field(f)) = op {
                out.push(f.field.clone());
            }
        }
        if let Some(end) = raw.overlaps_period.as_ref().and_then(|o| o.end.as_ref()) {
            out.push(end.clone());
        }
        for list in [&raw.all, &raw.any].into_iter().flatten() {
            for c in list {
                Condition::fields_of(c, out);
            }
        }
        if let Some(c) = &raw.not {
            Condition::fields_of(c, out);
        }
    }
}

/// The comparison operators and what each tests (`before` is `<` on dates).
pub(super) fn comparisons(raw: &RawCondition) -> [(Cmp, &Option<Operand>); 8] {
    [
        (Cmp::Gt, &raw.gt),
        (Cmp::Gte, &raw.gte),
        (Cmp::Lt, &raw.lt),
        (Cmp::Lte, &raw.lte),
        (Cmp::Lt, &raw.before),
        (Cmp::Gt, &raw.after),
        (Cmp::Lte, &raw.on_or_before),
        (Cmp::Gte, &raw.on_or_after),
    ]
}

fn operator_names(raw: &RawCondition) -> Vec<&'static str> {
    let set = [
        ("matches", raw.matches.is_some()),
        ("not_matches", raw.not_matches.is_some()),
        ("equals", raw.equals.is_some()),
        ("not_equals", raw.not_equals.is_some()),
        ("in", raw.is_in.is_some()),
        ("not_in", raw.not_in.is_some()),
        ("gt", raw.gt.is_some()),
        ("gte", raw.gte.is_some()),
        ("lt", raw.lt.is_some()),
        ("lte", raw.lte.is_some()),
        ("present", raw.present.is_some()),
        ("in_period", raw.in_period.is_some()),
        ("in_vocab", raw.in_vocab.is_some()),
        ("not_in_vocab", raw.not_in_vocab.is_some()),
        ("mentions", raw.mentions.is_some()),
        ("not_mentions", raw.not_mentions.is_some()),
        ("in_rows", raw.in_rows.is_some()),
        ("not_in_rows", raw.not_in_rows.is_some()),
        ("in_keys", raw.in_keys.is_some()),
        ("not_in_keys", raw.not_in_keys.is_some()),
        ("follows", raw.follows.is_some()),
        ("before", raw.before.is_some()),
        ("after", raw.after.is_some()),
        ("on_or_before", raw.on_or_before.is_some()),
        ("on_or_after", raw.on_or_after.is_some()),
        ("within_days", raw.within_days.is_some()),
        ("age_days", raw.age_days.is_some()),
        ("overlaps_period", raw.overlaps_period.is_some()),
    ];
    set.into_iter().filter(|(_, on)| *on).map(|(n, _)| n).collect()
}

/// Every name an expression reads is a plan value, a built-in or a param.
pub fn check_expr_names(e: &Expr, src: &str, params: &ParamValues, names: &Names<'_>) -> Result<(), CheckError> {
    let (mut used, mut used_params) = (Vec::new(), Vec::new());
    e.names(&mut used, &mut used_params);
    for p in used_params {
        lookup(p, params)?;
    }
    for n in used {
        if crate::rules::plan::is_builtin(n) || names.values.iter().any(|v| v == n) {
            continue;
        }
        let mut known: Vec<&str> = names.values.iter().map(String::as_str).collect();
        known.extend(crate::rules::plan::BUILTINS);
        return Err(CheckError::new(
            format!("`{n}` in `{src}` is not a named value, a built-in or a `$param`"),
            src,
        )
        .help(suggest(n, &known)));
    }
    Ok(())
}
