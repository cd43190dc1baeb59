//! Compiling computed fields (`with:`): expressions, text templates,
//! `lookup:` of one related row and aggregates over related rows.

use super::*;

impl Compiler<'_> {
    /// The fields of a `with:`, in order: each name is new to the row set,
    /// and each value may use the row's fields and the fields before it.
    pub(super) fn computed(
        &mut self,
        raw: &IndexMap<String, RawComputed>,
        schema: &DatasetSchema,
        ds: &str,
    ) -> Vec<ComputedField> {
        let mut out: Vec<ComputedField> = Vec::new();
        let mut extra: Vec<(String, FieldType)> = Vec::new();
        let outer = self.at.clone();
        for (name, c) in raw {
            self.at_in(&outer, &["rows", "with", name]);
            if schema.fields.contains_key(name) || extra.iter().any(|(n, _)| n == name) {
                self.error(
                    CheckError::new(
                        format!("`{name}` is already a field of this row set of `{ds}`: give the computed field another name"),
                        format!("{name}:"),
                    )
                    .help("a computed field may not hide a field of the data"),
                );
                continue;
            }
            let compiled = match c {
                RawComputed::Number(n) => Some((
                    Computation::Expr(Expr::Lit(Val::Num(*n)), Vec::new()),
                    FieldType::Number,
                )),
                RawComputed::Expr(src) => self.row_expr_with(src, schema, &extra).map(|(e, fields)| {
                    let ty = table::infer(&e, &|n| {
                        schema
                            .fields
                            .get(n)
                            .map(|f| f.ty)
                            .or_else(|| extra.iter().find(|(x, _)| x == n).map(|(_, t)| *t))
                            .or_else(|| self.scalar_types.iter().find(|(x, _)| x == n).map(|(_, t)| *t))
                    });
                    (Computation::Expr(e, fields), ty)
                }),
                RawComputed::Text(t) => {
                    let extended = table::extend_schema(schema, &extra);
                    self.row_template(&t.text, &extended, ds);
                    Some((Computation::Text(t.text.clone()), FieldType::Text))
                }
                RawComputed::Lookup(l) => self.lookup(&l.lookup, schema, ds, &extra),
                RawComputed::Related(l) => self
                    .related(name, l, schema, &extra)
                    .map(|l| (Computation::Related(Box::new(l)), FieldType::Number)),
            };
            // Named even when broken, so later uses do not repeat the error.
            let ty = compiled.as_ref().map_or(FieldType::Text, |(_, t)| *t);
            extra.push((name.clone(), ty));
            if let Some((how, ty)) = compiled {
                out.push(ComputedField {
                    name: name.clone(),
                    ty,
                    how,
                });
            }
        }
        self.at = outer;
        out
    }

    /// `{ lookup: { from, on: { other: key }, field } }`: this row's `key`
    /// (a field, or one computed before) is matched to `other` in `from`.
    pub(super) fn lookup(
        &mut self,
        l: &format::RawLookup,
        schema: &DatasetSchema,
        ds: &str,
        extra: &[(String, FieldType)],
    ) -> Option<(Computation, FieldType)> {
        let [(on, key)] = l.on.iter().collect::<Vec<_>>()[..] else {
            self.error(
                CheckError::new("`lookup` matches on exactly one pair of fields", "on:")
                    .help("e.g. on: { id: opportunity_id } (the id of `from` equals this row's opportunity_id)"),
            );
            return None;
        };
        if !schema.fields.contains_key(key) && !extra.iter().any(|(n, _)| n == key) {
            let mut known = schema.field_names();
            known.extend(extra.iter().map(|(n, _)| n.as_str()));
            self.error(
                CheckError::new(
                    format!("`lookup` matches on `{key}`, which is no field of `{ds}`"),
                    key.clone(),
                )
                .help(suggest(key, &known)),
            );
            return None;
        }
        let (other, other_schema) = self.source(&l.from, "lookup")?;
        let ok = self.field(&other_schema, &other, on, None) & self.field(&other_schema, &other, &l.field, None);
        if !ok {
            return None;
        }
        let ty = match other_schema.fields[&l.field].ty {
            FieldType::Percent => FieldType::Number,
            FieldType::List => FieldType::Text,
            t => t,
        };
        Some((
            Computation::Lookup {
                from: l.from.clone(),
                dataset: other,
                key: key.clone(),
                on: on.clone(),
                field: l.field.clone(),
            },
            ty,
        ))
    }

    /// A computed field aggregating the rows of another set that match the
    /// row: `on` keys that agree, a date `within` the row's range.
    pub(super) fn related(
        &mut self,
        name: &str,
        raw: &format::RawRelated,
        schema: &DatasetSchema,
        extra: &[(String, FieldType)],
    ) -> Option<Related> {
        let found: Vec<(Agg, &format::RawRelatedAgg, &str)> = [
            (Agg::Count, &raw.count, "count"),
            (Agg::Sum, &raw.sum, "sum"),
            (Agg::Avg, &raw.avg, "avg"),
            (Agg::Min, &raw.min, "min"),
            (Agg::Max, &raw.max, "max"),
        ]
        .into_iter()
        .filter_map(|(a, r, k)| r.as_ref().map(|r| (a, r, k)))
        .collect();
        let [(agg, l, key)] = found.as_slice() else {
            self.error(CheckError::new(
                format!("computed field `{name}` needs exactly one of count, sum, avg, min, max (or an expression, or `text:`)"),
                format!("{name}:"),
            ));
            return None;
        };
        let (ds, other) = self.source(&l.from, key)?;
        match (&l.field, agg) {
            (Some(f), Agg::Count) => {
                self.field(&other, &ds, f, None);
            }
            (Some(f), _) => {
                self.field(&other, &ds, f, Some(FieldType::Number));
            }
            (None, Agg::Count) => {}
            (None, _) => self.error(CheckError::new(format!("`{key}` needs a `field`"), format!("{name}:"))),
        }
        let filter = self.cond(l.filter.as_ref(), &other, &ds, &[key, "where"]);
        let mut on = Vec::new();
        for (theirs, mine) in &l.on {
            self.field(&other, &ds, theirs, None);
            if !schema.fields.contains_key(mine) && !extra.iter().any(|(n, _)| n == mine) {
                let mut known = schema.field_names();
                known.extend(extra.iter().map(|(n, _)| n.as_str()));
                self.error(
                    CheckError::new(
                        format!("`on:` compares `{theirs}` with `{mine}`, which is not a field of this row set"),
                        mine.clone(),
                    )
                    .help(suggest(mine, &known)),
                );
            }
            on.push((theirs.clone(), mine.clone()));
        }
        let within = match &l.within {
            Some(w) => {
                self.field(&other, &ds, &w.date, Some(FieldType::Date));
                let start = self.row_expr_with(&w.start, schema, extra);
                let end = self.row_expr_with(&w.end, schema, extra);
                Some(Within {
                    date: w.date.clone(),
                    start: start?,
                    end: end?,
                })
            }
            None => None,
        };
        if on.is_empty() && within.is_none() {
            self.error(
                CheckError::new(
                    format!("computed field `{name}` aggregates `{}` with nothing to match this row: give `on:` or `within:`", l.from),
                    format!("{name}:"),
                )
                .help("for one total over the whole set, name a plan value instead: `total: { sum: { from, field } }`"),
            );
        }
        Some(Related {
            agg: *agg,
            from: l.from.clone(),
            dataset: ds,
            field: l.field.clone(),
            filter,
            on,
            within,
        })
    }

    /// A per-row template names the row's fields, plan values or params.
    pub(super) fn row_template(&mut self, template: &str, schema: &DatasetSchema, ds: &str) {
        for name in crate::template::placeholders(template) {
            for alt in name.split('|').map(str::trim) {
                if alt.starts_with('"') || schema.fields.contains_key(alt) || self.plan_name(alt) {
                    continue;
                }
                let mut known = schema.field_names();
                known.extend(self.value_names.iter().map(String::as_str));
                self.error(
                    CheckError::new(
                        format!("`{{{alt}}}` names no field of `{ds}`, plan value or param"),
                        format!("{{{name}"),
                    )
                    .help(suggest(alt, &known)),
                );
            }
        }
    }
}
