//! A field test (`field` with one operator) compiled by its operator's
//! family: value tests, tests against the plan's other sets, date tests and
//! comparisons.

use super::compile::comparisons;
use super::*;

mod dated;

/// One field test being compiled (`field` with its one operator), and what
/// it may refer to.
pub(super) struct FieldTest<'a, 'n> {
    pub raw: &'a RawCondition,
    pub field: String,
    pub ty: FieldType,
    pub schema: &'a DatasetSchema,
    pub dataset: &'a str,
    pub params: &'a ParamValues,
    pub names: &'a Names<'n>,
}

impl FieldTest<'_, '_> {
    /// The param a value names, bound at run time inside a plan. The value
    /// itself was checked with the values in force when the rule compiles
    /// (the params' defaults for a plan): a bad default is an error at its line.
    fn bind(&self, s: &str) -> Option<String> {
        param_ref(s).filter(|_| self.names.in_plan).map(str::to_string)
    }

    /// Text and presence tests: matches, equals, in, present, in_period,
    /// in_vocab, mentions.
    pub(super) fn value(&self) -> Result<Condition, CheckError> {
        let FieldTest {
            raw, names, params, ty, ..
        } = *self;
        let field = self.field.clone();
        let cond = if let Some(re) = raw.matches.as_ref().or(raw.not_matches.as_ref()) {
            let pattern = text_param(re, params)?;
            let regex = crate::rules::bound::checked_regex(&pattern).map_err(|e| {
                CheckError::new(
                    format!("invalid regex for `{field}`: {}", first_line(&e.to_string())),
                    re.clone(),
                )
                .help("regex syntax: https://docs.rs/regex/#syntax; escape special characters with \\")
            })?;
            let regex = self.bind(re).map_or(ParamOr::Fixed(regex), ParamOr::Param);
            let c = Condition::Matches { field, regex };
            if raw.matches.is_some() { c } else { negated(c) }
        } else if let Some(v) = raw.equals.as_ref().or(raw.not_equals.as_ref()) {
            let c = Condition::OneOf {
                field,
                values: bind_list(v, list_param(v, params)?, names),
            };
            if raw.equals.is_some() { c } else { negated(c) }
        } else if let Some(v) = raw.is_in.as_ref().or(raw.not_in.as_ref()) {
            let c = Condition::OneOf {
                field,
                values: bind_list(v, list_param(v, params)?, names),
            };
            if raw.is_in.is_some() { c } else { negated(c) }
        } else if let Some(present) = raw.present {
            let c = Condition::Present { field };
            if present { c } else { negated(c) }
        } else if let Some(inside) = raw.in_period {
            if ty != FieldType::Date {
                return Err(CheckError::new(
                    format!("`in_period` needs a date field; `{field}` is not a date"),
                    &field,
                ));
            }
            let c = Condition::InPeriod { field };
            if inside { c } else { negated(c) }
        } else if let Some(vocab) = raw.in_vocab.as_ref().or(raw.not_in_vocab.as_ref()) {
            check_vocab(vocab, names)?;
            let c = Condition::InVocab {
                field,
                vocab: vocab.clone(),
            };
            if raw.in_vocab.is_some() { c } else { negated(c) }
        } else if let Some(re) = raw.mentions.as_ref().or(raw.not_mentions.as_ref()) {
            let pattern = text_param(re, params)?;
            let regex = crate::rules::bound::checked_regex(&pattern).map_err(|e| {
                CheckError::new(
                    format!("invalid regex for `{field}`: {}", first_line(&e.to_string())),
                    re.clone(),
                )
            })?;
            let regex = self.bind(re).map_or(ParamOr::Fixed(regex), ParamOr::Param);
            let c = Condition::Mentions { field, regex };
            if raw.mentions.is_some() { c } else { negated(c) }
        } else {
            unreachable!("compile_in sends only these operators here")
        };
        Ok(cond)
    }

    /// Tests against the plan's other sets: in_rows, in_keys.
    pub(super) fn join(&self) -> Result<Condition, CheckError> {
        let FieldTest { raw, names, ty, .. } = *self;
        let field = self.field.clone();
        let cond = if let Some(r) = raw.in_rows.as_ref().or(raw.not_in_rows.as_ref()) {
            // The rows of the groups a `groups` step keeps, kept for this.
            let grouped = names.group_rows.iter().find(|(n, _)| *n == r.from).map(|(_, d)| {
                if let Some(read) = names.members_read {
                    read.borrow_mut().push(r.from.clone());
                }
                d.as_str()
            });
            let from_ds = names
                .row_sets
                .iter()
                .find(|(n, _)| *n == r.from)
                .map(|(_, d)| d.as_str())
                .or(grouped)
                .or_else(|| {
                    crate::bundle::schema::Schema::get()
                        .dataset(&r.from)
                        .map(|_| r.from.as_str())
                });
            let Some(from_ds) = from_ds.filter(|_| names.in_plan) else {
                let mut known: Vec<&str> = names.row_sets.iter().map(|(n, _)| n.as_str()).collect();
                known.extend(names.group_rows.iter().map(|(n, _)| n.as_str()));
                known.extend(crate::bundle::schema::Schema::get().dataset_names());
                return Err(CheckError::new(
                    format!(
                        "`in_rows` names `{}`, which is neither a row set of the plan nor a dataset",
                        r.from
                    ),
                    r.from.clone(),
                )
                .help(if names.in_plan {
                    suggest(&r.from, &known)
                } else {
                    "`in_rows` works inside a `plan:` check".into()
                }));
            };
            let other = crate::bundle::schema::Schema::get()
                .dataset(from_ds)
                .expect("known dataset");
            for f in &r.fields {
                if !other.fields.contains_key(f) {
                    return Err(
                        CheckError::new(format!("dataset `{from_ds}` has no field `{f}`"), f.clone())
                            .help(suggest(f, &other.field_names())),
                    );
                }
            }
            if let Some(v) = &r.or_vocab {
                check_vocab(v, names)?;
            }
            let c = Condition::InRows {
                field,
                from: r.from.clone(),
                fields: r.fields.clone(),
                or_vocab: r.or_vocab.clone(),
            };
            if raw.in_rows.is_some() { c } else { negated(c) }
        } else if let Some(k) = raw.in_keys.as_ref().or(raw.not_in_keys.as_ref()) {
            let is_keys = matches!(k.as_str(), "period_months" | "elapsed_months") || names.values.contains(k);
            if !names.in_plan || !is_keys {
                let mut known: Vec<&str> = names.values.iter().map(String::as_str).collect();
                known.extend(["period_months", "elapsed_months"]);
                return Err(CheckError::new(
                    format!("`in_keys` names `{k}`, which is not a key set of the plan"),
                    k.clone(),
                )
                .help(if names.in_plan {
                    suggest(k, &known)
                } else {
                    "`in_keys` works inside a `plan:` check".into()
                }));
            }
            let c = Condition::InKeys {
                field,
                keys: k.clone(),
                month: ty == FieldType::Date,
            };
            if raw.in_keys.is_some() { c } else { negated(c) }
        } else {
            unreachable!("compile_in sends only these operators here")
        };
        Ok(cond)
    }

    /// Comparisons with a number, a param, another field or an expression:
    /// gt, gte, lt, lte, before, after, on_or_before, on_or_after.
    pub(super) fn compare(&self) -> Result<Condition, CheckError> {
        let FieldTest {
            raw,
            names,
            params,
            ty,
            schema,
            dataset,
            ..
        } = *self;
        let field = self.field.clone();
        let cond = {
            let (cmp, t) = comparisons(raw)
                .into_iter()
                .find_map(|(c, t)| t.as_ref().map(|t| (c, t)))
                .expect("one operator is set");
            let dated =
                raw.before.is_some() || raw.after.is_some() || raw.on_or_before.is_some() || raw.on_or_after.is_some();
            if dated {
                require_date(&field, ty, "before/after")?;
            } else if !matches!(
                ty,
                FieldType::Number | FieldType::Percent | FieldType::Bool | FieldType::Date
            ) {
                return Err(CheckError::new(
                    format!("`{field}` is not a number, so it cannot be compared with gt/lt"),
                    &field,
                ));
            }
            match t {
                Operand::Number(n) if !dated => Condition::Compare {
                    field,
                    cmp,
                    value: ParamOr::Fixed(*n),
                },
                Operand::Expr(s) if !dated && param_ref(s).is_some() => Condition::Compare {
                    field,
                    cmp,
                    value: {
                        let n = number_param(&Threshold::Param(s.clone()), params)?;
                        self.bind(s).map_or(ParamOr::Fixed(n), ParamOr::Param)
                    },
                },
                Operand::Number(n) => {
                    return Err(CheckError::new(
                        format!("compare the date `{field}` with a date, not the number {n}"),
                        &field,
                    )
                    .help("e.g. `before: as_of`, `after: period_start - 30` or `before: { field: end_date }`"));
                }
                Operand::Field(f) => {
                    let Some(other) = schema.fields.get(&f.field) else {
                        return Err(CheckError::new(
                            format!("dataset `{dataset}` has no field `{}`", f.field),
                            f.field.clone(),
                        )
                        .help(suggest(&f.field, &schema.field_names())));
                    };
                    if (other.ty == FieldType::Date) != (ty == FieldType::Date) {
                        return Err(CheckError::new(
                            format!(
                                "`{field}` and `{}` cannot be compared: one is a date, the other is not",
                                f.field
                            ),
                            f.field.clone(),
                        ));
                    }
                    Condition::Versus {
                        field,
                        cmp,
                        rhs: Rhs::Field(f.field.clone()),
                    }
                }
                Operand::Expr(s) => {
                    if !names.in_plan {
                        return Err(
                            CheckError::new(format!("`{s}` is not a number or a `$param`"), s.clone())
                                .help("expressions over dates and named values work inside a `plan:` check"),
                        );
                    }
                    let e =
                        expr::parse(s).map_err(|e| CheckError::new(format!("in `{s}`: {}", e.message), s.clone()))?;
                    check_expr_names(&e, s, params, names)?;
                    Condition::Versus {
                        field,
                        cmp,
                        rhs: Rhs::Expr(e),
                    }
                }
            }
        };
        Ok(cond)
    }
}

fn negated(c: Condition) -> Condition {
    Condition::Not(Box::new(c))
}

/// A list written in the rule, or a `$param` bound at run time inside a plan.
fn bind_list(raw: &crate::yaml::Value, fixed: Vec<String>, names: &Names<'_>) -> ParamOr<Vec<String>> {
    match raw {
        crate::yaml::Value::String(s) if names.in_plan && param_ref(s).is_some() => {
            ParamOr::Param(param_ref(s).expect("checked").to_string())
        }
        _ => ParamOr::Fixed(fixed),
    }
}

fn first_line(s: &str) -> String {
    s.lines()
        .rfind(|l| !l.trim().is_empty())
        .unwrap_or(s)
        .trim()
        .to_string()
}

fn check_vocab(name: &str, names: &Names<'_>) -> Result<(), CheckError> {
    match names.vocabs {
        Some(known) if !known.contains(name) => {
            let known: Vec<&str> = known.iter().map(String::as_str).collect();
            Err(
                CheckError::new(format!("no vocabulary is called `{name}`"), name).help(format!(
                    "{} (vocabularies live in the pack's vocabularies.yaml)",
                    suggest(name, &known)
                )),
            )
        }
        _ => Ok(()),
    }
}

pub(super) fn require_date(field: &str, ty: FieldType, op: &str) -> Result<(), CheckError> {
    if ty == FieldType::Date {
        Ok(())
    } else {
        Err(CheckError::new(
            format!("`{op}` needs a date field; `{field}` is not a date"),
            field,
        ))
    }
}

/// A number or `$param` threshold as an expression.
pub(super) fn threshold_expr(t: &Threshold) -> Result<Expr, CheckError> {
    Ok(match t {
        Threshold::Number(n) => Expr::Lit(expr::Val::Num(*n)),
        Threshold::Param(s) => match param_ref(s) {
            Some(p) => Expr::Param(p.to_string()),
            None => {
                return Err(CheckError::new(
                    format!("`{s}` is not a number or a `$param`"),
                    s.clone(),
                ));
            }
        },
    })
}
