//! What a plan reads, found from its raw form when the rule loads: the
//! datasets and fields it needs when present, and the row conditions with
//! the dataset each filters (for the vocabulary notes).

use super::expr;
use super::format::{RawComputed, RawPlan, RawStep, RawStepMap};
use crate::bundle::schema::Schema;
use crate::rules::condition::Condition;
use crate::rules::format::RawCondition;

mod strings;

/// Every row condition of a plan's values, with the dataset it filters: a
/// named row set (or a `pick` of two) stands for its dataset.
pub fn conditions(raw: &RawPlan) -> Vec<(String, &RawCondition)> {
    let mut out = Vec::new();
    let mut datasets: Vec<(&str, String)> = Vec::new();
    let dataset_of = |from: &str, datasets: &[(&str, String)]| {
        datasets
            .iter()
            .find(|(n, _)| *n == from)
            .map_or_else(|| from.to_string(), |(_, d)| d.clone())
    };
    for (name, step) in &raw.lets {
        let RawStep::Step(m) = step else { continue };
        if let Some(r) = &m.rows {
            let from = groups_from(&r.from, raw);
            let ds = dataset_of(from, &datasets);
            out.extend(r.filter.iter().map(|c| (ds.clone(), c)));
            for l in r.with.values().filter_map(related_of) {
                out.extend(l.filter.iter().map(|c| (dataset_of(&l.from, &datasets), c)));
            }
            datasets.push((name, ds));
        }
        if let Some(p) = &m.pick {
            let ds = dataset_of(&p.then, &datasets);
            datasets.push((name, ds));
        }
        for a in [&m.count, &m.sum, &m.avg, &m.min, &m.max, &m.distinct, &m.median]
            .into_iter()
            .flatten()
        {
            out.extend(a.filter.iter().map(|c| (dataset_of(&a.from, &datasets), c)));
        }
        if let Some(mo) = &m.months {
            out.extend(mo.filter.iter().map(|c| (dataset_of(&mo.from, &datasets), c)));
        }
        if let Some(g) = &m.groups {
            let ds = dataset_of(&g.from, &datasets);
            out.extend([&g.any, &g.none].into_iter().flatten().map(|c| (ds.clone(), c)));
            for a in g.lets.values() {
                for f in [&a.count, &a.sum, &a.avg, &a.min, &a.max].into_iter().flatten() {
                    out.extend(f.filter.iter().map(|c| (ds.clone(), c)));
                }
                let first = a.first.as_ref().and_then(|f| f.filter.as_ref());
                let list = a.list.as_ref().and_then(|l| l.filter.as_ref());
                out.extend([first, list].into_iter().flatten().map(|c| (ds.clone(), c)));
            }
        }
    }
    out
}

/// Datasets, and fields of them (None: the dataset itself).
pub type Reads = Vec<(String, Option<String>)>;

/// The datasets and fields a plan may read (its optional data needs), and
/// the fields among them it reads only to show them in findings (a
/// message's placeholder, a finding's looked-up field), for the findings
/// shown: the loader may read those from the file for those rows instead of
/// keeping them for every row. One walk of the plan for both.
pub fn reads_and_shown(raw: &RawPlan) -> (Reads, Vec<(String, String)>) {
    let (walked, lets) = walk_reads(raw);
    // `org.prospects`, `has(budget.purpose)`: what expressions and messages name.
    let mut dotted: Reads = Vec::new();
    strings::each_string(raw, &mut |text| {
        dotted.extend(dotted_names(text).map(|(d, f)| (d.to_string(), Some(f.to_string()))));
    });
    let finish = |shown: bool| {
        let mut out = walked.clone();
        judge_reads(raw, &lets, shown, &mut out);
        out.extend(dotted.iter().cloned());
        out.sort();
        out.dedup();
        // Only the schema's fields: a template's `{name}` may be a plan value.
        out.retain(|(ds, f)| {
            Schema::get()
                .dataset(ds)
                .is_some_and(|s| f.as_ref().is_none_or(|f| s.fields.contains_key(f)))
        });
        out
    };
    let (all, computed) = (finish(true), finish(false));
    let shown = all
        .iter()
        .filter(|r| computed.binary_search(r).is_err())
        .filter_map(|(ds, f)| Some((ds.clone(), f.clone()?)))
        .collect();
    (all, shown)
}

/// What the plan's values read (not its findings), and each row set's dataset.
fn walk_reads(raw: &RawPlan) -> (Reads, Vec<(String, String)>) {
    let mut out = Vec::new();
    let mut lets: Vec<(String, String)> = Vec::new();
    let dataset_of = |from: &str, lets: &[(String, String)]| {
        lets.iter()
            .find(|(n, _)| n == from)
            .map(|(_, d)| d.clone())
            .unwrap_or_else(|| from.to_string())
    };
    let cond = |ds: &str, c: &RawCondition, out: &mut Vec<(String, Option<String>)>, lets: &[(String, String)]| {
        let mut fields = Vec::new();
        Condition::fields_of(c, &mut fields);
        out.extend(fields.into_iter().map(|f| (ds.to_string(), Some(f))));
        in_rows_reads(c, out, lets, raw);
    };
    for (name, step) in &raw.lets {
        let RawStep::Step(m) = step else { continue };
        let m: &RawStepMap = m;
        let from_field = |from: &str,
                          fields: &[Option<&String>],
                          filter: Option<&RawCondition>,
                          out: &mut Vec<_>,
                          lets: &mut Vec<(String, String)>,
                          keep: bool| {
            let ds = dataset_of(from, lets);
            out.push((ds.clone(), None));
            for f in fields.iter().flatten() {
                out.push((ds.clone(), Some((*f).clone())));
            }
            if let Some(c) = filter {
                cond(&ds, c, out, lets);
            }
            if keep {
                lets.push((name.clone(), ds));
            }
        };
        if let Some(r) = &m.rows {
            let from = groups_from(&r.from, raw);
            let ds = dataset_of(from, &lets);
            let with = r.with.values().filter_map(|c| match c {
                RawComputed::Expr(e) => Some(e.as_str()),
                _ => None,
            });
            for e in r
                .test
                .iter()
                .map(String::as_str)
                .chain(with)
                .filter_map(|t| expr::parse(t).ok())
            {
                let (mut used, mut params) = (Vec::new(), Vec::new());
                e.names(&mut used, &mut params);
                out.extend(used.into_iter().map(|n| (ds.clone(), Some(n.to_string()))));
            }
            for c in r.with.values() {
                match c {
                    RawComputed::Text(t) => template_reads(&t.text, &ds, &mut out),
                    RawComputed::Lookup(l) => {
                        let other = dataset_of(&l.lookup.from, &lets);
                        out.push((other.clone(), None));
                        out.push((other.clone(), Some(l.lookup.field.clone())));
                        for (on, key) in &l.lookup.on {
                            out.push((ds.clone(), Some(key.clone())));
                            out.push((other.clone(), Some(on.clone())));
                        }
                    }
                    _ => {}
                }
            }
            for l in r.with.values().filter_map(related_of) {
                let other = dataset_of(&l.from, &lets);
                out.push((other.clone(), None));
                let theirs = l.on.keys().chain(&l.field).chain(l.within.as_ref().map(|w| &w.date));
                out.extend(theirs.map(|f| (other.clone(), Some(f.clone()))));
                out.extend(l.on.values().map(|f| (ds.clone(), Some(f.clone()))));
                if let Some(c) = &l.filter {
                    cond(&other, c, &mut out, &lets);
                }
                for e in l
                    .within
                    .iter()
                    .flat_map(|w| [&w.start, &w.end])
                    .filter_map(|t| expr::parse(t).ok())
                {
                    let (mut used, mut params) = (Vec::new(), Vec::new());
                    e.names(&mut used, &mut params);
                    out.extend(used.into_iter().map(|n| (ds.clone(), Some(n.to_string()))));
                }
            }
            from_field(from, &[], r.filter.as_ref(), &mut out, &mut lets, true);
        }
        if let Some(p) = &m.pick {
            let ds = dataset_of(&p.then, &lets);
            lets.push((name.clone(), ds));
        }
        for a in [&m.count, &m.sum, &m.avg, &m.min, &m.max, &m.distinct, &m.median]
            .into_iter()
            .flatten()
        {
            from_field(
                &a.from,
                &[a.field.as_ref()],
                a.filter.as_ref(),
                &mut out,
                &mut lets,
                false,
            );
        }
        if let Some(mo) = &m.months {
            from_field(
                &mo.from,
                &[Some(&mo.date), mo.end.as_ref()],
                mo.filter.as_ref(),
                &mut out,
                &mut lets,
                false,
            );
        }
        if let Some(g) = &m.groups {
            let ds = dataset_of(&g.from, &lets);
            from_field(
                &g.from,
                &g.by
                    .iter()
                    .flat_map(|b| b.fields())
                    .chain(g.by_month.as_ref())
                    .map(Some)
                    .collect::<Vec<_>>(),
                None,
                &mut out,
                &mut lets,
                false,
            );
            for c in [&g.any, &g.none].into_iter().flatten() {
                cond(&ds, c, &mut out, &lets);
            }
            for a in g.lets.values() {
                for f in [&a.count, &a.sum, &a.avg, &a.min, &a.max].into_iter().flatten() {
                    if let Some(field) = &f.field {
                        out.push((ds.clone(), Some(field.clone())));
                    }
                    if let Some(c) = &f.filter {
                        cond(&ds, c, &mut out, &lets);
                    }
                }
                if let Some(f) = &a.first {
                    out.extend(
                        [Some(&f.field), f.sort_by.as_ref()]
                            .into_iter()
                            .flatten()
                            .map(|x| (ds.clone(), Some(x.clone()))),
                    );
                    if let Some(c) = &f.filter {
                        cond(&ds, c, &mut out, &lets);
                    }
                }
                if let Some(l) = &a.list {
                    out.extend(l.sort_by.iter().map(|x| (ds.clone(), Some(x.clone()))));
                    if let Some(show) = &l.show {
                        template_reads(show, &ds, &mut out);
                    }
                    if let Some(c) = &l.filter {
                        cond(&ds, c, &mut out, &lets);
                    }
                }
            }
        }
        for (from, field, sort) in [
            m.first.as_ref().map(|f| (&f.from, Some(&f.field), f.sort_by.as_ref())),
            m.list.as_ref().map(|l| (&l.from, None, l.sort_by.as_ref())),
        ]
        .into_iter()
        .flatten()
        {
            let ds = dataset_of(from, &lets);
            for f in [field, sort].into_iter().flatten() {
                out.push((ds.clone(), Some(f.clone())));
            }
            if let Some(show) = m.list.as_ref().and_then(|l| l.show.as_ref()) {
                template_reads(show, &ds, &mut out);
            }
        }
    }
    (out, lets)
}

/// What `rows: { from }` reads: the rows a `groups` step groups when `from`
/// names one (the rows of its kept groups), else `from` itself.
fn groups_from<'a>(from: &'a str, raw: &'a RawPlan) -> &'a str {
    match raw.lets.get(from) {
        Some(RawStep::Step(m)) => m.groups.as_ref().map_or(from, |g| g.from.as_str()),
        _ => from,
    }
}

/// The aggregate of a computed field that looks into another set, if it is one.
fn related_of(c: &RawComputed) -> Option<&super::format::RawRelatedAgg> {
    let RawComputed::Related(l) = c else { return None };
    [&l.count, &l.sum, &l.avg, &l.min, &l.max].into_iter().flatten().next()
}

/// Every `name.field` in a text (kept when it names a dataset's field).
fn dotted_names(text: &str) -> impl Iterator<Item = (&str, &str)> {
    // Names are ASCII: a byte of a longer character is never part of one.
    let ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let mut pairs = Vec::new();
    let mut start = None;
    for (i, c) in text.bytes().enumerate().chain(std::iter::once((text.len(), b' '))) {
        match (ident(c) || c == b'.', start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                let word = &text[s..i];
                if let Some((d, f)) = word.split_once('.')
                    && !f.contains('.')
                    && !d.is_empty()
                    && !f.is_empty()
                {
                    pairs.push((d, f));
                }
                start = None;
            }
            _ => {}
        }
    }
    pairs.into_iter()
}

/// The fields `in_rows` reads, of the dataset behind the row set it names
/// (a `groups` step stands for the rows it groups).
fn in_rows_reads(c: &RawCondition, out: &mut Vec<(String, Option<String>)>, lets: &[(String, String)], raw: &RawPlan) {
    for r in [&c.in_rows, &c.not_in_rows].into_iter().flatten() {
        let from = groups_from(&r.from, raw);
        let ds = lets
            .iter()
            .find(|(n, _)| n == from)
            .map_or_else(|| from.to_string(), |(_, d)| d.clone());
        out.extend(r.fields.iter().map(|f| (ds.clone(), Some(f.clone()))));
    }
    for list in [&c.all, &c.any].into_iter().flatten() {
        list.iter().for_each(|c| in_rows_reads(c, out, lets, raw));
    }
    if let Some(n) = &c.not {
        in_rows_reads(n, out, lets, raw);
    }
}

fn template_reads(template: &str, ds: &str, out: &mut Vec<(String, Option<String>)>) {
    for name in crate::template::placeholders(template) {
        for alt in name.split('|') {
            out.push((ds.to_string(), Some(alt.trim().to_string())));
        }
    }
}

/// What findings read: the fields they sort by and match lookups on, and
/// with `shown`, those their messages show and their lookups fetch.
fn judge_reads(raw: &RawPlan, lets: &[(String, String)], shown: bool, out: &mut Vec<(String, Option<String>)>) {
    for f in &raw.findings {
        let ds = f.from.as_ref().and_then(|from| lets.iter().find(|(n, _)| n == from));
        if let Some(ds) = ds {
            if shown {
                template_reads(&f.message, &ds.1, out);
            }
            if let Some(s) = &f.sort_by {
                out.push((ds.1.clone(), Some(s.clone())));
            }
        }
        // Looked up for the findings shown: from rows, or from groups' values.
        for l in f.with.values() {
            let other = lets
                .iter()
                .find(|(n, _)| *n == l.lookup.from)
                .map_or_else(|| l.lookup.from.clone(), |(_, d)| d.clone());
            out.push((other.clone(), None));
            if shown {
                out.push((other.clone(), Some(l.lookup.field.clone())));
            }
            for (on, key) in &l.lookup.on {
                out.push((other.clone(), Some(on.clone())));
                if let Some(ds) = ds {
                    out.push((ds.1.clone(), Some(key.clone())));
                }
            }
        }
    }
    for p in raw.parts.iter().flatten() {
        judge_reads(p, lets, shown, out);
    }
}
