//! Row conditions (`where`, `flag`): compiled once per audit with the params
//! in force, then tested against rows straight from the typed columns.
//!
//! A missing value matches no value: `equals`, `in`, `matches`, `gt`… are
//! false on it, and each `not_*` operator is the exact negation of its pair.

use super::format::{Operand, RawCondition, Threshold};
use super::params::ParamValues;
use super::plan::expr::{self, Expr};
use crate::bundle::schema::DatasetSchema;
use crate::error::suggest;
use crate::value::{FieldType, Value};
use chrono::NaiveDate;
use regex::Regex;

/// A problem in a check, located by a piece of text to find in the rule file.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckError {
    pub message: String,
    /// Text in the rule file to point at.
    pub needle: String,
    pub help: Option<String>,
    /// Where below `check:` the error was found (`plan`, `let`, `dated`): the
    /// needle is looked for there first, not at its first use in the file.
    pub scope: Vec<String>,
}

impl CheckError {
    pub fn new(message: impl Into<String>, needle: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            needle: needle.into(),
            help: None,
            scope: Vec::new(),
        }
    }
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    Gt,
    Gte,
    Lt,
    Lte,
}

/// A value a condition compares with: written in the rule, or a param's,
/// bound when the condition is bound for a pass (a plan is compiled once,
/// with the params' defaults, and each audit supplies its own values).
#[derive(Debug, Clone)]
pub enum ParamOr<T> {
    Fixed(T),
    Param(String),
}

/// What a param bound at run time must be, for [`param_uses`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamUse {
    Regex,
    Number,
    List,
}

#[derive(Debug, Clone)]
pub enum Condition {
    Matches {
        field: String,
        regex: ParamOr<Regex>,
    },
    OneOf {
        field: String,
        values: ParamOr<Vec<String>>,
    },
    Compare {
        field: String,
        cmp: Cmp,
        value: ParamOr<f64>,
    },
    Present {
        field: String,
    },
    InPeriod {
        field: String,
    },
    /// The text (or a list item) is a term of a vocabulary.
    InVocab {
        field: String,
        vocab: String,
    },
    /// A regex over the text with separators and camelCase read as spaces.
    Mentions {
        field: String,
        regex: ParamOr<Regex>,
    },
    /// The text (or a list item) is among the values of `fields` in a row set.
    InRows {
        field: String,
        from: String,
        fields: Vec<String>,
        or_vocab: Option<String>,
    },
    /// The value (a date: its month) is a key of a key set of the plan.
    InKeys {
        field: String,
        keys: String,
        month: bool,
    },
    /// The date is later than the same field in some row of a row set (less
    /// than `within` days later than the latest of them, when set).
    Follows {
        field: String,
        from: String,
        within: Option<ParamOr<f64>>,
    },
    /// A number or date compared with an expression or another field.
    Versus {
        field: String,
        cmp: Cmp,
        rhs: Rhs,
    },
    All(Vec<Condition>),
    Any(Vec<Condition>),
    Not(Box<Condition>),
}

/// The right side of [`Condition::Versus`].
#[derive(Debug, Clone)]
pub enum Rhs {
    Expr(Expr),
    Field(String),
}

/// What a condition may refer to besides the dataset's fields and params:
/// the plan's named values and the pack's vocabularies.
#[derive(Default, Clone, Copy)]
pub struct Names<'a> {
    /// Named row sets and their dataset (for `in_rows`).
    pub row_sets: &'a [(String, String)],
    /// Every named value (for expressions).
    pub values: &'a [String],
    /// Known vocabularies (None: not checked here).
    pub vocabs: Option<&'a std::collections::BTreeSet<String>>,
    /// Whether plan-only operators (expressions, row sets) are allowed;
    /// inside a plan, params are also bound at run time ([`ParamOr`]).
    pub in_plan: bool,
}

/// The audited period, inclusive.
#[derive(Debug, Clone, Copy)]
pub struct Period {
    pub start: NaiveDate,
    pub end: NaiveDate,
}

impl Period {
    pub fn contains(&self, d: NaiveDate) -> bool {
        self.start <= d && d <= self.end
    }
}

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
        let not = |c: Condition| Condition::Not(Box::new(c));
        // Checked with the values in force when the rule compiles (the
        // params' defaults for a plan): a bad default is an error at its line.
        let bind = |s: &str| param_ref(s).filter(|_| names.in_plan).map(str::to_string);
        let cond = if let Some(re) = raw.matches.as_ref().or(raw.not_matches.as_ref()) {
            let pattern = text_param(re, params)?;
            let regex = crate::rules::bound::checked_regex(&pattern).map_err(|e| {
                CheckError::new(
                    format!("invalid regex for `{field}`: {}", first_line(&e.to_string())),
                    re.clone(),
                )
                .help("regex syntax: https://docs.rs/regex/#syntax; escape special characters with \\")
            })?;
            let regex = bind(re).map_or(ParamOr::Fixed(regex), ParamOr::Param);
            let c = Condition::Matches { field, regex };
            if raw.matches.is_some() { c } else { not(c) }
        } else if let Some(v) = raw.equals.as_ref().or(raw.not_equals.as_ref()) {
            let c = Condition::OneOf {
                field,
                values: bind_list(v, list_param(v, params)?, names),
            };
            if raw.equals.is_some() { c } else { not(c) }
        } else if let Some(v) = raw.is_in.as_ref().or(raw.not_in.as_ref()) {
            let c = Condition::OneOf {
                field,
                values: bind_list(v, list_param(v, params)?, names),
            };
            if raw.is_in.is_some() { c } else { not(c) }
        } else if let Some(present) = raw.present {
            let c = Condition::Present { field };
            if present { c } else { not(c) }
        } else if let Some(inside) = raw.in_period {
            if fs.ty != FieldType::Date {
                return Err(CheckError::new(
                    format!("`in_period` needs a date field; `{field}` is not a date"),
                    &field,
                ));
            }
            let c = Condition::InPeriod { field };
            if inside { c } else { not(c) }
        } else if let Some(vocab) = raw.in_vocab.as_ref().or(raw.not_in_vocab.as_ref()) {
            check_vocab(vocab, names)?;
            let c = Condition::InVocab {
                field,
                vocab: vocab.clone(),
            };
            if raw.in_vocab.is_some() { c } else { not(c) }
        } else if let Some(re) = raw.mentions.as_ref().or(raw.not_mentions.as_ref()) {
            let pattern = text_param(re, params)?;
            let regex = crate::rules::bound::checked_regex(&pattern).map_err(|e| {
                CheckError::new(
                    format!("invalid regex for `{field}`: {}", first_line(&e.to_string())),
                    re.clone(),
                )
            })?;
            let regex = bind(re).map_or(ParamOr::Fixed(regex), ParamOr::Param);
            let c = Condition::Mentions { field, regex };
            if raw.mentions.is_some() { c } else { not(c) }
        } else if let Some(r) = raw.in_rows.as_ref().or(raw.not_in_rows.as_ref()) {
            let from_ds = names
                .row_sets
                .iter()
                .find(|(n, _)| *n == r.from)
                .map(|(_, d)| d.as_str())
                .or_else(|| {
                    crate::bundle::schema::Schema::get()
                        .dataset(&r.from)
                        .map(|_| r.from.as_str())
                });
            let Some(from_ds) = from_ds.filter(|_| names.in_plan) else {
                let mut known: Vec<&str> = names.row_sets.iter().map(|(n, _)| n.as_str()).collect();
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
            if raw.in_rows.is_some() { c } else { not(c) }
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
                month: fs.ty == FieldType::Date,
            };
            if raw.in_keys.is_some() { c } else { not(c) }
        } else if let Some(f) = &raw.follows {
            require_date(&field, fs.ty, "follows")?;
            if !names.in_plan || !names.row_sets.iter().any(|(n, d)| *n == f.from && d == dataset) {
                let known: Vec<&str> = names
                    .row_sets
                    .iter()
                    .filter(|(_, d)| d == dataset)
                    .map(|(n, _)| n.as_str())
                    .collect();
                return Err(CheckError::new(
                    format!(
                        "`follows` names `{}`, which is not a row set of `{dataset}` in the plan",
                        f.from
                    ),
                    f.from.clone(),
                )
                .help(suggest(&f.from, &known)));
            }
            Condition::Follows {
                field,
                from: f.from.clone(),
                within: match &f.within_days {
                    Some(t) => {
                        let n = number_param(t, params)?;
                        let param = match t {
                            Threshold::Param(s) => bind(s),
                            Threshold::Number(_) => None,
                        };
                        Some(param.map_or(ParamOr::Fixed(n), ParamOr::Param))
                    }
                    None => None,
                },
            }
        } else if let Some(days) = &raw.within_days {
            require_date(&field, fs.ty, "within_days")?;
            let n = threshold_expr(days)?;
            let as_of = || Expr::Name("as_of".into());
            let from = Expr::Bin(expr::BinOp::Sub, Box::new(as_of()), Box::new(n));
            Condition::All(vec![
                Condition::Versus {
                    field: field.clone(),
                    cmp: Cmp::Gte,
                    rhs: Rhs::Expr(from),
                },
                Condition::Versus {
                    field,
                    cmp: Cmp::Lte,
                    rhs: Rhs::Expr(as_of()),
                },
            ])
        } else if let Some(age) = &raw.age_days {
            require_date(&field, fs.ty, "age_days")?;
            // age > n  <=>  date < as_of - n (and so on for each operator).
            let ops = [
                (Cmp::Lt, &age.gt),
                (Cmp::Lte, &age.gte),
                (Cmp::Gt, &age.lt),
                (Cmp::Gte, &age.lte),
            ];
            let mut parts = Vec::new();
            for (cmp, t) in ops {
                if let Some(t) = t {
                    let n = threshold_expr(t)?;
                    let at = Expr::Bin(expr::BinOp::Sub, Box::new(Expr::Name("as_of".into())), Box::new(n));
                    parts.push(Condition::Versus {
                        field: field.clone(),
                        cmp,
                        rhs: Rhs::Expr(at),
                    });
                }
            }
            if parts.is_empty() {
                return Err(CheckError::new("`age_days` needs one of gt, gte, lt, lte", &field));
            }
            Condition::All(parts)
        } else if let Some(o) = &raw.overlaps_period {
            require_date(&field, fs.ty, "overlaps_period")?;
            let end = o.end.clone().unwrap_or_else(|| field.clone());
            match schema.fields.get(&end) {
                Some(e) if e.ty == FieldType::Date => {}
                _ => {
                    return Err(CheckError::new(
                        format!("`overlaps_period` needs `end` to be a date field of `{dataset}`"),
                        end,
                    ));
                }
            }
            let open_or = |f: &str, cmp: Cmp, at: &str| {
                Condition::Any(vec![
                    Condition::Not(Box::new(Condition::Present { field: f.to_string() })),
                    Condition::Versus {
                        field: f.to_string(),
                        cmp,
                        rhs: Rhs::Expr(Expr::Name(at.into())),
                    },
                ])
            };
            Condition::All(vec![
                open_or(&field, Cmp::Lte, "period_end"),
                open_or(&end, Cmp::Gte, "period_start"),
            ])
        } else {
            let (cmp, t) = [
                (Cmp::Gt, &raw.gt),
                (Cmp::Gte, &raw.gte),
                (Cmp::Lt, &raw.lt),
                (Cmp::Lte, &raw.lte),
                (Cmp::Lt, &raw.before),
                (Cmp::Gt, &raw.after),
                (Cmp::Lte, &raw.on_or_before),
                (Cmp::Gte, &raw.on_or_after),
            ]
            .into_iter()
            .find_map(|(c, t)| t.as_ref().map(|t| (c, t)))
            .expect("one operator is set");
            let dated =
                raw.before.is_some() || raw.after.is_some() || raw.on_or_before.is_some() || raw.on_or_after.is_some();
            if dated {
                require_date(&field, fs.ty, "before/after")?;
            } else if !matches!(
                fs.ty,
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
                        bind(s).map_or(ParamOr::Fixed(n), ParamOr::Param)
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
                    if (other.ty == FieldType::Date) != (fs.ty == FieldType::Date) {
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

    /// Fields a raw condition reads (for the rule's data needs).
    pub fn fields_of(raw: &RawCondition, out: &mut Vec<String>) {
        if let Some(f) = &raw.field {
            out.push(f.clone());
        }
        for op in [
            &raw.gt,
            &raw.gte,
            &raw.lt,
            &raw.lte,
            &raw.before,
            &raw.after,
            &raw.on_or_before,
            &raw.on_or_after,
        ] {
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

/// A list written in the rule, or a `$param` bound at run time inside a plan.
fn bind_list(raw: &crate::yaml::Value, fixed: Vec<String>, names: &Names<'_>) -> ParamOr<Vec<String>> {
    match raw {
        crate::yaml::Value::String(s) if names.in_plan && param_ref(s).is_some() => {
            ParamOr::Param(param_ref(s).expect("checked").to_string())
        }
        _ => ParamOr::Fixed(fixed),
    }
}

/// The params a condition binds at run time, and what each must be.
pub fn param_uses(c: &Condition, out: &mut Vec<(String, ParamUse)>) {
    match c {
        Condition::Matches {
            regex: ParamOr::Param(p),
            ..
        }
        | Condition::Mentions {
            regex: ParamOr::Param(p),
            ..
        } => out.push((p.clone(), ParamUse::Regex)),
        Condition::OneOf {
            values: ParamOr::Param(p),
            ..
        } => out.push((p.clone(), ParamUse::List)),
        Condition::Compare {
            value: ParamOr::Param(p),
            ..
        }
        | Condition::Follows {
            within: Some(ParamOr::Param(p)),
            ..
        } => out.push((p.clone(), ParamUse::Number)),
        Condition::All(list) | Condition::Any(list) => list.iter().for_each(|c| param_uses(c, out)),
        Condition::Not(c) => param_uses(c, out),
        _ => {}
    }
}

/// A param's value as a list to match: a list, or one value.
pub fn value_list(value: &Value) -> Vec<String> {
    match value {
        Value::List(items) => items.clone(),
        Value::Null => Vec::new(),
        other => vec![other.to_text()],
    }
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

fn require_date(field: &str, ty: FieldType, op: &str) -> Result<(), CheckError> {
    if ty == FieldType::Date {
        Ok(())
    } else {
        Err(CheckError::new(
            format!("`{op}` needs a date field; `{field}` is not a date"),
            field,
        ))
    }
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

/// A number or `$param` threshold as an expression.
fn threshold_expr(t: &Threshold) -> Result<Expr, CheckError> {
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

fn first_line(s: &str) -> String {
    s.lines()
        .rfind(|l| !l.trim().is_empty())
        .unwrap_or(s)
        .trim()
        .to_string()
}

/// `$name` -> the name, when a string refers to a param.
pub fn param_ref(s: &str) -> Option<&str> {
    s.strip_prefix('$').filter(|n| !n.is_empty() && !n.starts_with('$'))
}

fn lookup<'a>(name: &str, params: &'a ParamValues) -> Result<&'a Value, CheckError> {
    params.get(name).ok_or_else(|| {
        let known: Vec<&str> = params.keys().map(String::as_str).collect();
        CheckError::new(
            format!("param `${name}` is used but not declared under `params:`"),
            format!("${name}"),
        )
        .help(if known.is_empty() {
            format!("declare it:\nparams:\n  {name}:\n    default: …")
        } else {
            suggest(name, &known)
        })
    })
}

pub fn text_param(s: &str, params: &ParamValues) -> Result<String, CheckError> {
    match param_ref(s) {
        Some(name) => Ok(lookup(name, params)?.to_text()),
        None => Ok(s
            .strip_prefix("$$")
            .map_or_else(|| s.to_string(), |rest| format!("${rest}"))),
    }
}

pub fn number_param(t: &Threshold, params: &ParamValues) -> Result<f64, CheckError> {
    match t {
        Threshold::Number(n) => Ok(*n),
        Threshold::Param(s) => {
            let Some(name) = param_ref(s) else {
                return Err(CheckError::new(
                    format!("`{s}` is not a number or a `$param`"),
                    s.clone(),
                ));
            };
            lookup(name, params)?
                .as_f64()
                .ok_or_else(|| CheckError::new(format!("param `${name}` must be a number here"), s.clone()))
        }
    }
}

fn list_param(v: &crate::yaml::Value, params: &ParamValues) -> Result<Vec<String>, CheckError> {
    let value = match v {
        crate::yaml::Value::String(s) if param_ref(s).is_some() => {
            lookup(param_ref(s).expect("checked"), params)?.clone()
        }
        other => super::params::yaml_to_value(other).map_err(|e| CheckError::new(e, "in:"))?,
    };
    Ok(value_list(&value))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::schema::Schema;
    use crate::bundle::{Column, Dataset};

    fn kpis() -> Dataset {
        let schema = Schema::get().dataset("kpis").unwrap();
        let mut ds = Dataset {
            name: "kpis".into(),
            file: "kpis.csv".into(),
            rows: 3,
            columns: Default::default(),
            lines: [2, 3, 4].into_iter().collect(),
            mapped_from: Default::default(),
            unloaded: vec![],
            id_field: "id".into(),
        };
        let cols: [(&str, [&str; 3]); 3] = [
            ("name", ["Email click rate", "Marketing-sourced pipeline", "Awards won"]),
            ("audience", ["Board", "board", ""]),
            ("actual", ["0.031", "5400000", "--"]),
        ];
        for (field, cells) in cols {
            let mut c = Column::new(schema.fields[field].ty);
            for cell in cells {
                c.push_text(cell).unwrap();
            }
            ds.columns.insert(field.into(), c);
        }
        ds
    }

    fn cond(yaml: &str, params: &ParamValues) -> Result<Condition, CheckError> {
        let raw: RawCondition = crate::yaml::from_str(yaml).unwrap();
        Condition::compile(&raw, Schema::get().dataset("kpis").unwrap(), "kpis", params)
    }

    fn rows_matching(yaml: &str) -> Vec<usize> {
        let mut params = ParamValues::new();
        params.insert("vanity".into(), Value::Text("(?i)click|award".into()));
        params.insert("big".into(), Value::Number(1000.0));
        let c = cond(yaml, &params).unwrap();
        let ds = kpis();
        let period = Period {
            start: NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(),
            end: NaiveDate::from_ymd_opt(2025, 12, 31).unwrap(),
        };
        let bound = c.bind(&ds, &period);
        (0..ds.rows).filter(|r| bound.eval(*r)).collect()
    }

    #[test]
    fn operators_on_rows() {
        assert_eq!(rows_matching("{field: name, matches: $vanity}"), vec![0, 2]);
        assert_eq!(rows_matching("{field: name, not_matches: $vanity}"), vec![1]);
        assert_eq!(rows_matching("{field: audience, equals: board}"), vec![0, 1]);
        assert_eq!(rows_matching("{field: audience, in: [executive, BOARD]}"), vec![0, 1]);
        assert_eq!(rows_matching("{field: audience, not_in: [board]}"), vec![2]);
        assert_eq!(rows_matching("{field: actual, gt: $big}"), vec![1]);
        assert_eq!(rows_matching("{field: actual, lt: 1}"), vec![0]);
        assert_eq!(rows_matching("{field: actual, present: false}"), vec![2]);
        assert_eq!(
            rows_matching("{all: [{field: audience, equals: board}, {not: {field: name, matches: pipeline}}]}"),
            vec![0]
        );
        assert_eq!(
            rows_matching("{any: [{field: actual, gt: 1000}, {field: audience, present: false}]}"),
            vec![1, 2]
        );
    }

    #[test]
    fn compile_errors_explain() {
        let p = ParamValues::new();
        let e = cond("{field: nmae, present: true}", &p).unwrap_err();
        assert_eq!(e.message, "dataset `kpis` has no field `nmae`");
        assert_eq!(e.help.as_deref(), Some("did you mean `name`?"));
        let e = cond("{field: name, matches: '(unclosed'}", &p).unwrap_err();
        assert!(e.message.starts_with("invalid regex for `name`"), "{}", e.message);
        assert_eq!(e.needle, "(unclosed");
        let e = cond("{field: name, matches: $nope}", &p).unwrap_err();
        assert_eq!(e.message, "param `$nope` is used but not declared under `params:`");
        let e = cond("{field: name, gt: 3}", &p).unwrap_err();
        assert!(e.message.contains("not a number"));
        let e = cond("{field: name, present: true, equals: x}", &p).unwrap_err();
        assert!(e.message.contains("exactly one operator"));
    }

    #[test]
    fn a_bound_condition_answers_repeated_texts_like_the_first_time() {
        let mut ds = kpis();
        // The same names again, so the bound condition answers from memory.
        let names = ["Email click rate", "Marketing-sourced pipeline", "Awards won"];
        let mut column = Column::new(FieldType::Text);
        for name in names.iter().cycle().take(9) {
            column.push_text(name).unwrap();
        }
        ds.columns.insert("name".into(), column);
        ds.rows = 9;
        let mut params = ParamValues::new();
        params.insert("vanity".into(), Value::Text("(?i)click|award".into()));
        let period = Period {
            start: NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(),
            end: NaiveDate::from_ymd_opt(2025, 12, 31).unwrap(),
        };
        for (yaml, expected) in [
            ("{field: name, matches: $vanity}", [true, false, true]),
            ("{field: name, not_matches: $vanity}", [false, true, false]),
        ] {
            let c = cond(yaml, &params).unwrap();
            let bound = c.bind(&ds, &period);
            let got: Vec<bool> = (0..9).map(|r| bound.eval(r)).collect();
            let want: Vec<bool> = expected.iter().cycle().take(9).copied().collect();
            assert_eq!(got, want, "{yaml}");
        }
    }
}
