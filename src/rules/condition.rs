//! Row conditions (`where`, `flag`): compiled once per audit with the params
//! in force, then tested against rows straight from the typed columns.
//!
//! A missing value matches no value: `equals`, `in`, `matches`, `gt`… are
//! false on it, and each `not_*` operator is the exact negation of its pair.

use super::format::{RawCondition, Threshold};
use super::params::ParamValues;
use crate::bundle::Dataset;
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
}

impl CheckError {
    pub fn new(message: impl Into<String>, needle: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            needle: needle.into(),
            help: None,
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

#[derive(Debug, Clone)]
pub enum Condition {
    Matches { field: String, regex: Regex },
    OneOf { field: String, values: Vec<String> },
    Compare { field: String, cmp: Cmp, value: f64 },
    Present { field: String },
    InPeriod { field: String },
    All(Vec<Condition>),
    Any(Vec<Condition>),
    Not(Box<Condition>),
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
            let compile_all = |list: &Vec<RawCondition>| {
                list.iter()
                    .map(|c| Condition::compile(c, schema, dataset, params))
                    .collect::<Result<Vec<_>, _>>()
            };
            return Ok(if let Some(list) = &raw.all {
                Condition::All(compile_all(list)?)
            } else if let Some(list) = &raw.any {
                Condition::Any(compile_all(list)?)
            } else {
                Condition::Not(Box::new(Condition::compile(
                    raw.not.as_ref().expect("checked"),
                    schema,
                    dataset,
                    params,
                )?))
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
                "operators: matches, not_matches, equals, not_equals, in, not_in, gt, gte, lt, lte, present, in_period",
            ));
        }
        let not = |c: Condition| Condition::Not(Box::new(c));
        let cond = if let Some(re) = raw.matches.as_ref().or(raw.not_matches.as_ref()) {
            let pattern = text_param(re, params)?;
            let regex = Regex::new(&pattern).map_err(|e| {
                CheckError::new(
                    format!("invalid regex for `{field}`: {}", first_line(&e.to_string())),
                    re.clone(),
                )
                .help("regex syntax: https://docs.rs/regex/#syntax; escape special characters with \\")
            })?;
            let c = Condition::Matches { field, regex };
            if raw.matches.is_some() { c } else { not(c) }
        } else if let Some(v) = raw.equals.as_ref().or(raw.not_equals.as_ref()) {
            let c = Condition::OneOf {
                field,
                values: list_param(v, params)?,
            };
            if raw.equals.is_some() { c } else { not(c) }
        } else if let Some(v) = raw.is_in.as_ref().or(raw.not_in.as_ref()) {
            let c = Condition::OneOf {
                field,
                values: list_param(v, params)?,
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
        } else {
            let (cmp, t) = [
                (Cmp::Gt, &raw.gt),
                (Cmp::Gte, &raw.gte),
                (Cmp::Lt, &raw.lt),
                (Cmp::Lte, &raw.lte),
            ]
            .into_iter()
            .find_map(|(c, t)| t.as_ref().map(|t| (c, t)))
            .expect("one operator is set");
            if !matches!(fs.ty, FieldType::Number | FieldType::Percent | FieldType::Bool) {
                return Err(CheckError::new(
                    format!("`{field}` is not a number, so it cannot be compared with gt/lt"),
                    &field,
                ));
            }
            Condition::Compare {
                field,
                cmp,
                value: number_param(t, params)?,
            }
        };
        Ok(cond)
    }

    /// Fields a raw condition reads (for the rule's data needs).
    pub fn fields_of(raw: &RawCondition, out: &mut Vec<String>) {
        if let Some(f) = &raw.field {
            out.push(f.clone());
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

    /// Whether one row meets the condition. Over many rows, [`Condition::bind`]
    /// once and evaluate the bound condition instead.
    pub fn eval(&self, ds: &Dataset, row: usize, period: &Period) -> bool {
        self.bind(ds, period).eval(row)
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
    ];
    set.into_iter().filter(|(_, on)| *on).map(|(n, _)| n).collect()
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

fn list_param(v: &serde_yaml::Value, params: &ParamValues) -> Result<Vec<String>, CheckError> {
    let value = match v {
        serde_yaml::Value::String(s) if param_ref(s).is_some() => {
            lookup(param_ref(s).expect("checked"), params)?.clone()
        }
        other => super::params::yaml_to_value(other).map_err(|e| CheckError::new(e, "in:"))?,
    };
    Ok(match value {
        Value::List(items) => items,
        Value::Null => Vec::new(),
        other => vec![other.to_text()],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::Column;
    use crate::bundle::schema::Schema;

    fn kpis() -> Dataset {
        let schema = Schema::get().dataset("kpis").unwrap();
        let mut ds = Dataset {
            name: "kpis".into(),
            file: "kpis.csv".into(),
            rows: 3,
            columns: Default::default(),
            lines: vec![2, 3, 4],
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
        let raw: RawCondition = serde_yaml::from_str(yaml).unwrap();
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
        (0..ds.rows).filter(|r| c.eval(&ds, *r, &period)).collect()
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
