//! The host API: what a script sees as `org`, limited to the data its rule
//! declared, and the functions it may call. Every function charges the
//! rows and bytes it touches to the run's budget.

use super::{MAX_CACHED_PATTERNS, MAX_GROUPS, MAX_MAP, MAX_PATTERN, MAX_SCRIPT_ROWS};
use crate::bundle::{Bundle, Dataset};
use crate::rules::budget::{charge_bytes, charge_rows};
use crate::rules::condition::Period;
use crate::rules::filter::RowFilter;
use crate::value::Value;
use rhai::{Array, Dynamic, Engine, EvalAltResult, Map, Position};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// Variables every script has in scope.
pub const SCOPE_NAMES: &[&str] = &["org", "params", "profile", "period", "as_of"];

/// What a script sees as `org`: the bundle, limited to the data its rule declared.
#[derive(Clone)]
pub struct Org {
    pub(super) bundle: Arc<Bundle>,
    pub(super) period: Period,
    /// Dataset -> fields the rule declared (required or optional).
    pub(super) allowed: Arc<BTreeMap<String, BTreeSet<String>>>,
    /// The pack's vocabularies (`org.in_vocab`).
    vocabularies: Arc<crate::rules::vocab::Vocabularies>,
}

impl Org {
    pub fn new(bundle: Arc<Bundle>, period: Period, allowed: BTreeMap<String, BTreeSet<String>>) -> Self {
        Self {
            bundle,
            period,
            allowed: Arc::new(allowed),
            vocabularies: Arc::default(),
        }
    }

    /// The vocabularies `org.in_vocab` reads.
    pub fn with_vocabularies(mut self, vocabularies: &crate::rules::vocab::Vocabularies) -> Self {
        self.vocabularies = Arc::new(vocabularies.clone());
        self
    }

    fn dataset(&self, name: &str) -> Result<Option<&Dataset>, Box<EvalAltResult>> {
        if !self.allowed.contains_key(name) {
            return Err(runtime(format!(
                "dataset `{name}` is not declared in the rule's `requires` or `optional`; declare it to read it"
            )));
        }
        Ok(self.bundle.dataset(name))
    }

    fn check_field(&self, ds: &str, field: &str) -> Result<(), Box<EvalAltResult>> {
        if self.allowed.get(ds).is_some_and(|f| f.contains(field)) {
            Ok(())
        } else {
            Err(runtime(format!(
                "field `{ds}.{field}` is not declared in the rule's `requires` or `optional`; add it to read it"
            )))
        }
    }

    /// Rows of `ds` matching `filter` (field -> value, or array of values).
    /// Every caller visits all the dataset's rows, so the visit is charged here.
    fn matching(&self, ds_name: &str, filter: &Map) -> Result<RowFilter<'_>, Box<EvalAltResult>> {
        let Some(ds) = self.dataset(ds_name)? else {
            return Ok(RowFilter::none());
        };
        charge_rows(ds.rows);
        let mut tests = Vec::new();
        for (field, wanted) in filter {
            self.check_field(ds_name, field)?;
            let wanted: Vec<Option<String>> = if wanted.is_array() {
                wanted
                    .clone()
                    .into_array()
                    .unwrap_or_default()
                    .iter()
                    .map(dynamic_text)
                    .collect()
            } else {
                vec![dynamic_text(wanted)]
            };
            tests.push((ds.column(field), crate::rules::filter::Wanted::new(wanted)));
        }
        Ok(RowFilter::new(ds.rows, tests))
    }

    fn row_map(&self, ds: &Dataset, row: usize) -> Map {
        let mut m = Map::new();
        // Every declared field is a key, `()` when the export lacks the
        // column, so `row.field` on an optional field never errors.
        for field in self.allowed.get(&ds.name).into_iter().flatten() {
            m.insert(field.as_str().into(), value_to_dynamic(&ds.value(field, row)));
        }
        m.insert("_dataset".into(), Dynamic::from(ds.name.clone()));
        m.insert("_row".into(), Dynamic::from(row as i64));
        m
    }
}

fn dynamic_text(d: &Dynamic) -> Option<String> {
    if d.is_unit() { None } else { Some(d.to_string()) }
}

pub fn value_to_dynamic(v: &Value) -> Dynamic {
    match v {
        Value::Null => Dynamic::UNIT,
        Value::Bool(b) => Dynamic::from(*b),
        Value::Number(n) => Dynamic::from(*n),
        Value::Text(s) => Dynamic::from(s.clone()),
        Value::Date(d) => Dynamic::from(crate::value::iso_date(*d)),
        Value::List(items) => Dynamic::from(items.iter().map(|i| Dynamic::from(i.clone())).collect::<Array>()),
    }
}

fn runtime(message: String) -> Box<EvalAltResult> {
    Box::new(EvalAltResult::ErrorRuntime(message.into(), Position::NONE))
}

fn parse_date(s: &str) -> Result<chrono::NaiveDate, Box<EvalAltResult>> {
    crate::value::parse_date(s).ok_or_else(|| runtime(format!("`{s}` is not a date (YYYY-MM-DD)")))
}

fn outcome(status: &str, message: &str) -> Map {
    let mut m = Map::new();
    m.insert("status".into(), Dynamic::from(status.to_string()));
    m.insert("message".into(), Dynamic::from(message.to_string()));
    m.insert("findings".into(), Dynamic::from(Array::new()));
    m
}

/// The functions scripts may call. `docs/rhai-api.md` documents each one, and
/// a test checks that document against this list.
pub const HOST_FUNCTIONS: &[&str] = &[
    "org.has(dataset)",
    "org.has_field(dataset, field)",
    "org.count(dataset)",
    "org.count(dataset, filter)",
    "org.sum(dataset, field)",
    "org.sum(dataset, field, filter)",
    "org.rows(dataset)",
    "org.rows(dataset, filter)",
    "org.group_count(dataset, field)",
    "org.group_count(dataset, field, filter)",
    "org.group_sum(dataset, key_field, value_field)",
    "org.group_sum(dataset, key_field, value_field, filter)",
    "org.profile(field)",
    "org.in_period(date)",
    "org.in_vocab(value, vocabulary)",
    "matches(text, pattern)",
    "days_between(from, to)",
    "month_of(date)",
    "fmt(value, format)",
    "org.money(amount)",
    "pass()",
    "pass(message)",
    "warn(message)",
    "fail(message)",
    "not_assessed(reason)",
    "finding(row, message)",
];

type R<T> = Result<T, Box<EvalAltResult>>;

/// `matches(text, pattern)`: the regex dialect of YAML checks, so a param
/// pattern means the same in a script. The regex crate runs in linear time,
/// so a hostile pattern cannot stall the audit; its size is capped too.
fn matches(text: &str, pattern: &str) -> R<bool> {
    charge_bytes(text.len() + pattern.len());
    thread_local! {
        static CACHE: std::cell::RefCell<BTreeMap<String, regex::Regex>> = const { std::cell::RefCell::new(BTreeMap::new()) };
    }
    if pattern.len() > MAX_PATTERN {
        return Err(runtime(format!(
            "a pattern of {} bytes; the limit is {MAX_PATTERN}",
            pattern.len()
        )));
    }
    CACHE.with(|cache| {
        let mut cache = cache.borrow_mut();
        if !cache.contains_key(pattern) {
            let re = regex::RegexBuilder::new(pattern)
                .size_limit(1 << 20)
                .build()
                .map_err(|e| runtime(format!("`{pattern}` is not a valid regex: {e}")))?;
            if cache.len() >= MAX_CACHED_PATTERNS {
                cache.clear();
            }
            cache.insert(pattern.to_string(), re);
        }
        Ok(cache[pattern].is_match(text))
    })
}

/// A number shown by a template format (`pct`, `pct0`, `pct1`, `num`, `int`,
/// `n noun`); an unknown format shows the number as it is.
fn fmt(v: Value, format: &str) -> String {
    charge_bytes(format.len());
    crate::template::format_value(&v, Some(format))
}

pub(super) fn register_host_api(engine: &mut Engine) {
    engine.register_type_with_name::<Org>("Org");
    engine.register_fn("has", |org: &mut Org, ds: &str| -> R<bool> {
        Ok(org.dataset(ds)?.is_some())
    });
    engine.register_fn("has_field", |org: &mut Org, ds: &str, field: &str| -> R<bool> {
        org.check_field(ds, field)?;
        let d = org.dataset(ds)?;
        charge_rows(d.map_or(0, |d| d.rows));
        Ok(d.is_some_and(|d| d.has_field(field) && d.has_values(field)))
    });
    engine.register_fn("count", |org: &mut Org, ds: &str| -> R<i64> {
        Ok(org.dataset(ds)?.map_or(0, |d| d.rows as i64))
    });
    engine.register_fn("count", |org: &mut Org, ds: &str, filter: Map| -> R<i64> {
        Ok(org.matching(ds, &filter)?.rows().count() as i64)
    });
    fn sum(org: &Org, ds: &str, field: &str, filter: &Map) -> R<f64> {
        org.check_field(ds, field)?;
        let filter = org.matching(ds, filter)?;
        let Some(d) = org.dataset(ds)? else { return Ok(0.0) };
        let Some(column) = d.column(field) else { return Ok(0.0) };
        Ok(filter.rows().filter_map(|r| column.number(r)).sum())
    }
    engine.register_fn("sum", |org: &mut Org, ds: &str, field: &str| {
        sum(org, ds, field, &Map::new())
    });
    engine.register_fn("sum", |org: &mut Org, ds: &str, field: &str, filter: Map| {
        sum(org, ds, field, &filter)
    });
    fn rows(org: &Org, ds: &str, filter: &Map) -> R<Array> {
        let matching: Vec<usize> = org.matching(ds, filter)?.rows().collect();
        if matching.len() > MAX_SCRIPT_ROWS {
            return Err(runtime(format!(
                "org.rows(\"{ds}\") would return {} rows (limit {MAX_SCRIPT_ROWS}); use org.count, org.sum or org.group_count, or a narrower filter",
                matching.len()
            )));
        }
        let Some(d) = org.dataset(ds)? else {
            return Ok(Array::new());
        };
        // Rhai would stop the script at its map limit with a vaguer message.
        let keys_per_row = org.allowed.get(ds).map_or(0, BTreeSet::len) + 2;
        if matching.len() * keys_per_row > MAX_MAP {
            return Err(runtime(format!(
                "org.rows(\"{ds}\") would return {} rows of {keys_per_row} fields, more than a script value may hold ({MAX_MAP} fields); use org.count, org.sum or org.group_count, a narrower filter, or declare fewer fields",
                matching.len()
            )));
        }
        charge_rows(matching.len() * keys_per_row * crate::rules::budget::ROWS_PER_OPERATION as usize);
        Ok(matching.into_iter().map(|r| Dynamic::from(org.row_map(d, r))).collect())
    }
    engine.register_fn("rows", |org: &mut Org, ds: &str| rows(org, ds, &Map::new()));
    engine.register_fn("rows", |org: &mut Org, ds: &str, filter: Map| rows(org, ds, &filter));
    fn group(org: &Org, ds: &str, key: &str, value: Option<&str>, filter: &Map) -> R<Map> {
        org.check_field(ds, key)?;
        if let Some(v) = value {
            org.check_field(ds, v)?;
        }
        let matching = org.matching(ds, filter)?;
        let Some(d) = org.dataset(ds)? else {
            return Ok(Map::new());
        };
        let value_col = value.map(|f| d.column(f));
        let Ok(groups) = crate::rules::group::totals(d.column(key), value_col, matching.rows(), MAX_GROUPS) else {
            return Err(runtime(format!(
                "`{ds}.{key}` has more than {MAX_GROUPS} distinct values; group by a coarser field, or filter to the keys you need"
            )));
        };
        Ok(groups
            .into_iter()
            .map(|(k, v)| {
                let total = if value.is_none() {
                    Dynamic::from(v as i64)
                } else {
                    Dynamic::from(v)
                };
                (k.into(), total)
            })
            .collect())
    }
    engine.register_fn("group_count", |org: &mut Org, ds: &str, key: &str| {
        group(org, ds, key, None, &Map::new())
    });
    engine.register_fn("group_count", |org: &mut Org, ds: &str, key: &str, filter: Map| {
        group(org, ds, key, None, &filter)
    });
    engine.register_fn("group_sum", |org: &mut Org, ds: &str, key: &str, field: &str| {
        group(org, ds, key, Some(field), &Map::new())
    });
    engine.register_fn(
        "group_sum",
        |org: &mut Org, ds: &str, key: &str, field: &str, filter: Map| group(org, ds, key, Some(field), &filter),
    );
    engine.register_fn("profile", |org: &mut Org, field: &str| -> R<Dynamic> {
        org.check_field("org", field)?;
        Ok(value_to_dynamic(&org.bundle.profile_value(field)))
    });
    engine.register_fn("in_vocab", |org: &mut Org, value: Dynamic, vocab: &str| -> R<bool> {
        let Some(v) = org.vocabularies.get(vocab) else {
            let known: Vec<&str> = org.vocabularies.keys().map(String::as_str).collect();
            return Err(runtime(format!(
                "no vocabulary is called `{vocab}`: {}",
                crate::error::suggest(vocab, &known)
            )));
        };
        if value.is_unit() {
            return Ok(false);
        }
        let text = value.to_string();
        charge_bytes(text.len());
        Ok(v.contains(&text))
    });
    engine.register_fn("in_period", |org: &mut Org, date: &str| -> R<bool> {
        Ok(org.period.contains(parse_date(date)?))
    });
    engine.register_fn("matches", |text: &str, pattern: &str| matches(text, pattern));
    engine.register_fn("matches", |_: (), pattern: &str| matches("", pattern).map(|_| false));
    engine.register_fn("days_between", |from: &str, to: &str| -> R<i64> {
        Ok((parse_date(to)? - parse_date(from)?).num_days())
    });
    engine.register_fn("month_of", |date: &str| -> R<String> {
        Ok(parse_date(date)?.format("%Y-%m").to_string())
    });
    // The message templates' formatters, so a script's numbers read as a
    // plan's do: `fmt(0.125, "pct")` is what `{x:pct}` shows, "12.5%".
    engine.register_fn("fmt", |x: f64, format: &str| fmt(Value::Number(x), format));
    engine.register_fn("fmt", |x: i64, format: &str| fmt(Value::Number(x as f64), format));
    engine.register_fn("fmt", |_: (), format: &str| fmt(Value::Null, format));
    engine.register_fn("money", |org: &mut Org, x: f64| {
        crate::template::format_currency(x, org.bundle.manifest.currency())
    });
    engine.register_fn("money", |org: &mut Org, x: i64| {
        crate::template::format_currency(x as f64, org.bundle.manifest.currency())
    });
    engine.register_fn("pass", || outcome("pass", ""));
    engine.register_fn("pass", |m: &str| outcome("pass", m));
    engine.register_fn("warn", |m: &str| outcome("warn", m));
    engine.register_fn("fail", |m: &str| outcome("fail", m));
    engine.register_fn("not_assessed", |reason: &str| {
        let mut m = outcome("not_assessed", "");
        m.insert("reason".into(), Dynamic::from(reason.to_string()));
        m
    });
    engine.register_fn("finding", |row: Map, message: &str| -> R<Map> {
        let mut f = Map::new();
        for key in ["_dataset", "_row"] {
            let v = row.get(key).cloned().ok_or_else(|| {
                runtime(format!(
                    "finding(row, …) needs a row from org.rows(); `{key}` is missing"
                ))
            })?;
            f.insert(key.trim_start_matches('_').into(), v);
        }
        f.insert("message".into(), Dynamic::from(message.to_string()));
        Ok(f)
    });
}
