//! Compiling a plan's named steps (`rows`, aggregates, `groups`, `keys`,
//! `list`, ...) into `Step`s, each checked against the schema of its rows.

use super::*;

impl Compiler<'_> {
    pub(super) fn step(&mut self, name: &str, raw: &RawStep) -> Option<(Step, Kind)> {
        let m = match raw {
            RawStep::Expr(s) => return Some((Step::Expr(self.expr(s)?), Kind::Scalar)),
            RawStep::Number(n) => return Some((Step::Expr(Expr::Lit(Val::Num(*n))), Kind::Scalar)),
            RawStep::Step(m) => m,
        };
        let keys = step_keys(m);
        if keys.len() != 1 {
            self.error(CheckError::new(
                format!(
                    "`{name}` needs exactly one of rows, count, sum, avg, min, max, median, distinct, months, groups, keys, list, first, pick, text; found {}",
                    if keys.is_empty() { "none".to_string() } else { keys.join(", ") }
                ),
                format!("{name}:"),
            ));
            return None;
        }
        if let Some(r) = &m.rows {
            let (ds, schema) = self.source(&r.from, "rows")?;
            let filter = self.cond(r.filter.as_ref(), &schema, &ds, &["rows", "where"]);
            let test = match &r.test {
                Some(t) => Some(self.row_expr(t, &schema)?),
                None => None,
            };
            let with = self.computed(&r.with, &schema, &ds);
            // The row set's own schema: its source's, with the fields computed here.
            let own = if with.is_empty() {
                schema
            } else {
                let extra: Vec<(String, FieldType)> = with.iter().map(|f| (f.name.clone(), f.ty)).collect();
                SchemaRef::Computed(Arc::new(table::extend_schema(&schema, &extra)))
            };
            if let SchemaRef::Computed(s) = own {
                self.schemas.push((name.to_string(), s));
            }
            return Some((
                Step::Rows {
                    from: r.from.clone(),
                    dataset: ds.clone(),
                    filter,
                    test,
                    with,
                },
                Kind::Rows(ds),
            ));
        }
        let aggs = [
            (Agg::Count, &m.count),
            (Agg::Sum, &m.sum),
            (Agg::Avg, &m.avg),
            (Agg::Min, &m.min),
            (Agg::Max, &m.max),
            (Agg::Distinct, &m.distinct),
            (Agg::Median, &m.median),
        ];
        if let Some((agg, a)) = aggs.into_iter().find_map(|(k, a)| a.as_ref().map(|a| (k, a))) {
            if let Some(own) = self
                .key_values
                .iter()
                .find(|(n, _)| *n == a.from)
                .map(|(_, v)| v.clone())
            {
                return self.key_agg(name, keys[0], agg, a, &own);
            }
            let (ds, schema) = self.source(&a.from, keys[0])?;
            match (&a.field, agg) {
                (Some(f), Agg::Count | Agg::Distinct) => {
                    self.field(&schema, &ds, f, None);
                }
                (Some(f), _) => {
                    self.field(&schema, &ds, f, Some(FieldType::Number));
                }
                (None, Agg::Count) => {}
                (None, _) => self.error(CheckError::new(
                    format!("`{}` needs a `field`", keys[0]),
                    format!("{name}:"),
                )),
            }
            let filter = self.cond(a.filter.as_ref(), &schema, &ds, &[keys[0], "where"]);
            return Some((
                Step::Agg {
                    agg,
                    from: a.from.clone(),
                    dataset: ds,
                    field: a.field.clone(),
                    filter,
                },
                Kind::Scalar,
            ));
        }
        if let Some(mo) = &m.months {
            let (ds, schema) = self.source(&mo.from, "months")?;
            self.field(&schema, &ds, &mo.date, Some(FieldType::Date));
            if let Some(e) = &mo.end {
                self.field(&schema, &ds, e, Some(FieldType::Date));
            }
            let filter = self.cond(mo.filter.as_ref(), &schema, &ds, &["months", "where"]);
            return Some((
                Step::Months {
                    from: mo.from.clone(),
                    dataset: ds.clone(),
                    date: mo.date.clone(),
                    end: mo.end.clone(),
                    open: mo.open.unwrap_or(OpenRange::StartMonth),
                    filter,
                },
                Kind::Keys(Some(ds)),
            ));
        }
        if let Some(g) = &m.groups {
            let (ds, schema) = self.source(&g.from, "groups")?;
            let (by, by_month) = match (&g.by, &g.by_month) {
                (Some(b), None) if b.fields().is_empty() => {
                    self.error(CheckError::new("`by` names no field: name one or more", "by:"));
                    return None;
                }
                (Some(b), None) => {
                    for f in b.fields() {
                        self.field(&schema, &ds, f, None);
                    }
                    (b.fields().to_vec(), false)
                }
                (None, Some(f)) => {
                    self.field(&schema, &ds, f, Some(FieldType::Date));
                    (vec![f.clone()], true)
                }
                _ => {
                    self.error(CheckError::new(
                        "`groups` needs exactly one of `by`, `by_month`",
                        format!("{name}:"),
                    ));
                    return None;
                }
            };
            let any = self.cond(g.any.as_ref(), &schema, &ds, &["groups", "any"]);
            let none = self.cond(g.none.as_ref(), &schema, &ds, &["groups", "none"]);
            let mut lets: Vec<GroupLet> = Vec::new();
            for (n, a) in &g.lets {
                if let Some(l) = self.group_let(n, a, &schema, &ds) {
                    lets.push(l);
                }
            }
            self.group_values.extend(lets.iter().map(|l| l.name.clone()));
            let mut own: Vec<String> = vec!["count".into()];
            own.extend(lets.iter().map(|l| l.name.clone()));
            self.key_values.push((name.to_string(), own));
            self.group_sources.push((name.to_string(), g.from.clone()));
            self.group_rows.push((name.to_string(), ds.clone()));
            let having = match &g.having {
                Some(h) => {
                    // A group's own values are names in `having`.
                    let before = self.value_names.len();
                    self.value_names.extend(lets.iter().map(|l| l.name.clone()));
                    self.value_names.push("count".into());
                    let e = self.expr(h);
                    self.value_names.truncate(before);
                    Some(e?)
                }
                None => None,
            };
            return Some((
                Step::Groups {
                    from: g.from.clone(),
                    dataset: ds.clone(),
                    by,
                    by_month,
                    members: false,
                    any,
                    none,
                    lets,
                    having,
                },
                Kind::Keys(Some(ds)),
            ));
        }
        if let Some(k) = &m.keys {
            self.keys_name(&k.of);
            let ops = [(SetOp::Minus, &k.minus), (SetOp::And, &k.and), (SetOp::Or, &k.or)];
            let ops: Vec<(SetOp, &String)> = ops
                .into_iter()
                .filter_map(|(o, n)| n.as_ref().map(|n| (o, n)))
                .collect();
            if ops.len() > 1 {
                self.error(CheckError::new(
                    "`keys` takes one of `minus`, `and`, `or`",
                    format!("{name}:"),
                ));
            }
            let op = ops.first().map(|(o, n)| (*o, (*n).clone()));
            if let Some((_, n)) = &op {
                self.keys_name(n);
            }
            let ds = self
                .kinds
                .iter()
                .find(|(n, _)| *n == k.of)
                .and_then(|(_, kind)| match kind {
                    Kind::Keys(ds) => ds.clone(),
                    _ => None,
                });
            if let Some(own) = self.key_values.iter().find(|(n, _)| *n == k.of).map(|(_, v)| v.clone()) {
                self.key_values.push((name.to_string(), own));
            }
            return Some((Step::Keys { of: k.of.clone(), op }, Kind::Keys(ds)));
        }
        if let Some(l) = &m.list {
            let is_keys = matches!(l.from.as_str(), "period_months" | "elapsed_months")
                || self
                    .kinds
                    .iter()
                    .any(|(n, k)| *n == l.from && matches!(k, Kind::Keys(_)));
            if is_keys {
                if let Some(show) = &l.show {
                    self.key_template(show);
                }
            } else {
                let (ds, schema) = self.source(&l.from, "list")?;
                if let Some(s) = &l.sort_by {
                    self.field(&schema, &ds, s, None);
                }
                if let Some(show) = &l.show {
                    self.row_template(show, &schema, &ds);
                }
            }
            return Some((
                Step::List {
                    from: l.from.clone(),
                    show: l.show.clone(),
                    limit: l.limit,
                    sort: l.sort_by.clone().map(|s| (s, l.desc)),
                    sep: l.sep.clone().unwrap_or_else(|| ", ".into()),
                    distinct: l.distinct,
                },
                Kind::Scalar,
            ));
        }
        if let Some(p) = &m.pick {
            let cond = self.expr(&p.cond);
            let mut dataset = None;
            for set in [&p.then, &p.otherwise] {
                match self.kinds.iter().find(|(n, _)| n == set) {
                    Some((_, Kind::Rows(ds))) if dataset.as_ref().is_none_or(|d| d == ds) => dataset = Some(ds.clone()),
                    Some((_, Kind::Rows(_))) => self.error(CheckError::new(
                        format!(
                            "`pick` chooses between row sets of one dataset; `{}` and `{}` are not",
                            p.then, p.otherwise
                        ),
                        set.clone(),
                    )),
                    _ => {
                        let known: Vec<&str> = self.row_sets.iter().map(|(n, _)| n.as_str()).collect();
                        self.error(
                            CheckError::new(
                                format!("`pick` needs row sets of the plan; `{set}` is not one"),
                                set.clone(),
                            )
                            .help(suggest(set, &known)),
                        );
                    }
                }
            }
            // A pick of two row sets with the same computed fields has them too.
            let computed_of = |n: &str| self.schemas.iter().find(|(x, _)| x == n).map(|(_, s)| Arc::clone(s));
            if let (Some(a), Some(b)) = (computed_of(&p.then), computed_of(&p.otherwise))
                && a.fields.keys().eq(b.fields.keys())
            {
                self.schemas.push((name.to_string(), a));
            }
            return Some((
                Step::Pick {
                    cond: cond?,
                    then: p.then.clone(),
                    otherwise: p.otherwise.clone(),
                },
                Kind::Rows(dataset?),
            ));
        }
        if let Some(t) = &m.text {
            self.message(t);
            return Some((Step::Text(t.clone()), Kind::Scalar));
        }
        let f = m.first.as_ref().expect("one key is set");
        let (ds, schema) = self.source(&f.from, "first")?;
        if self.field(&schema, &ds, &f.field, None) {
            self.scalar_types.push((name.to_string(), schema.fields[&f.field].ty));
        }
        if let Some(s) = &f.sort_by {
            self.field(&schema, &ds, s, None);
        }
        Some((
            Step::First {
                from: f.from.clone(),
                field: f.field.clone(),
                sort: f.sort_by.clone().map(|s| (s, f.desc)),
            },
            Kind::Scalar,
        ))
    }
}

fn step_keys(m: &RawStepMap) -> Vec<&'static str> {
    [
        ("rows", m.rows.is_some()),
        ("count", m.count.is_some()),
        ("sum", m.sum.is_some()),
        ("avg", m.avg.is_some()),
        ("min", m.min.is_some()),
        ("max", m.max.is_some()),
        ("distinct", m.distinct.is_some()),
        ("median", m.median.is_some()),
        ("months", m.months.is_some()),
        ("groups", m.groups.is_some()),
        ("keys", m.keys.is_some()),
        ("list", m.list.is_some()),
        ("first", m.first.is_some()),
        ("pick", m.pick.is_some()),
        ("text", m.text.is_some()),
    ]
    .into_iter()
    .filter(|(_, on)| *on)
    .map(|(k, _)| k)
    .collect()
}
