//! Compiling a plan: the checks every part of a plan shares (expressions,
//! sources, fields, conditions, messages), each error pointed at its node.

use super::*;

impl Compiler<'_> {
    pub(super) fn error(&mut self, mut e: CheckError) {
        if e.scope.is_empty() {
            e.scope = self.at.clone();
        }
        self.errors.push(e);
    }

    /// The scope below the judge at `base`: `base` + `keys`.
    pub(super) fn at_in(&mut self, base: &[String], keys: &[&str]) {
        self.at = base.iter().cloned().chain(keys.iter().map(|k| k.to_string())).collect();
    }

    pub(super) fn names(&self) -> Names<'_> {
        Names {
            row_sets: &self.row_sets,
            group_rows: &self.group_rows,
            members_read: Some(&self.members_read),
            values: &self.value_names,
            vocabs: self.vocabs,
            in_plan: true,
        }
    }

    /// A template shown per key of a key set: `{key}` and, for groups, the
    /// values computed per group (`{count}`, `{won}`).
    pub(super) fn key_template(&mut self, template: &str) {
        let before = self.value_names.len();
        self.value_names.push("key".into());
        self.value_names.extend(self.group_values.clone());
        self.message(template);
        self.value_names.truncate(before);
    }

    pub(super) fn expr(&mut self, src: &str) -> Option<Expr> {
        match expr::parse(src) {
            Ok(e) => match check_expr_names(&e, src, self.params, &self.names()) {
                Ok(()) if self.vocab_calls(&e, src) => Some(e),
                Ok(()) => None,
                Err(err) => {
                    self.error(err);
                    None
                }
            },
            Err(e) => {
                self.error(
                    CheckError::new(format!("in `{src}`: {} (column {})", e.message, e.at + 1), src)
                        .help("expressions: + - * /, < <= > >= == !=, and, or, not, ??, functions min, max, abs, round, days, has, is_null, month"),
                );
                None
            }
        }
    }

    /// Each `in_vocab(x, 'name')` names a vocabulary of the pack, as a text.
    pub(super) fn vocab_calls(&mut self, e: &Expr, src: &str) -> bool {
        match e {
            Expr::Call(f, args) if f == "in_vocab" => {
                let known = |v: &str| self.vocabs.is_none_or(|k| k.contains(v));
                match args.as_slice() {
                    [x, Expr::Lit(Val::Text(v))] if known(v) => self.vocab_calls(x, src),
                    [_, Expr::Lit(Val::Text(v))] => {
                        let names: Vec<&str> = self.vocabs.into_iter().flatten().map(String::as_str).collect();
                        let help = suggest(v, &names);
                        self.error(
                            CheckError::new(format!("in `{src}`: no vocabulary is called `{v}`"), src).help(help),
                        );
                        false
                    }
                    _ => {
                        self.error(CheckError::new(
                            format!("in `{src}`: `in_vocab` takes a value and a vocabulary's name in quotes, e.g. in_vocab(metric, 'market_share_metric')"),
                            src,
                        ));
                        false
                    }
                }
            }
            Expr::Call(_, args) => args.iter().all(|a| self.vocab_calls(a, src)),
            Expr::Neg(x) | Expr::Not(x) => self.vocab_calls(x, src),
            Expr::Bin(_, a, b) => self.vocab_calls(a, src) && self.vocab_calls(b, src),
            Expr::Lit(_) | Expr::Name(_) | Expr::Param(_) => true,
        }
    }

    /// An expression over one row: the dataset's fields are names too (they
    /// win over plan values of the same name). Returns the fields it reads.
    pub(super) fn row_expr(&mut self, src: &str, schema: &DatasetSchema) -> Option<(Expr, Vec<String>)> {
        self.row_expr_with(src, schema, &[])
    }

    /// [`Compiler::row_expr`] with the fields a `with:` computed before this one.
    pub(super) fn row_expr_with(
        &mut self,
        src: &str,
        schema: &DatasetSchema,
        extra: &[(String, FieldType)],
    ) -> Option<(Expr, Vec<String>)> {
        let before = self.value_names.len();
        self.value_names.extend(schema.fields.keys().cloned());
        self.value_names.extend(extra.iter().map(|(n, _)| n.clone()));
        let e = self.expr(src);
        self.value_names.truncate(before);
        let e = e?;
        let (mut used, mut params) = (Vec::new(), Vec::new());
        e.names(&mut used, &mut params);
        let mut fields: Vec<String> = used
            .into_iter()
            .filter(|n| schema.fields.contains_key(*n) || extra.iter().any(|(x, _)| x == n))
            .map(str::to_string)
            .collect();
        fields.sort();
        fields.dedup();
        Some((e, fields))
    }

    pub(super) fn threshold(&mut self, t: &Threshold) -> Option<Expr> {
        match t {
            Threshold::Number(n) => Some(Expr::Lit(Val::Num(*n))),
            Threshold::Param(s) => self.expr(s),
        }
    }

    /// The dataset behind `from`: a named row set, or a dataset of the schema.
    pub(super) fn source(&mut self, from: &str, what: &str) -> Option<(String, SchemaRef)> {
        // The rows of the groups a `groups` step keeps, with the fields of
        // the rows it grouped (only `rows` reads them so).
        if what == "rows"
            && let Some((_, grouped)) = self.group_sources.iter().find(|(n, _)| n == from).cloned()
        {
            self.members_read.borrow_mut().push(from.to_string());
            return self.source(&grouped, what);
        }
        if let Some((_, s)) = self.schemas.iter().find(|(n, _)| n == from) {
            let ds = self.row_sets.iter().find(|(n, _)| n == from).map(|(_, d)| d.clone())?;
            return Some((ds, SchemaRef::Computed(Arc::clone(s))));
        }
        let ds = match self.kinds.iter().find(|(n, _)| n == from) {
            Some((_, Kind::Rows(ds))) => ds.clone(),
            Some(_) => {
                self.error(CheckError::new(
                    format!("`{what}` needs rows, and `{from}` is not a row set"),
                    from,
                ));
                return None;
            }
            None => from.to_string(),
        };
        match Schema::get().dataset(&ds) {
            Some(s) => Some((ds, SchemaRef::Dataset(s))),
            None => {
                let mut known: Vec<&str> = self.row_sets.iter().map(|(n, _)| n.as_str()).collect();
                known.extend(Schema::get().dataset_names());
                self.error(
                    CheckError::new(format!("`{from}` is neither a row set of the plan nor a dataset"), from)
                        .help(suggest(from, &known)),
                );
                None
            }
        }
    }

    pub(super) fn field(&mut self, schema: &DatasetSchema, ds: &str, field: &str, want: Option<FieldType>) -> bool {
        match schema.fields.get(field) {
            None => {
                self.error(
                    CheckError::new(format!("dataset `{ds}` has no field `{field}`"), field)
                        .help(suggest(field, &schema.field_names())),
                );
                false
            }
            Some(f) => match want {
                Some(FieldType::Date) if f.ty != FieldType::Date => {
                    self.error(CheckError::new(format!("`{ds}.{field}` is not a date"), field));
                    false
                }
                Some(FieldType::Number)
                    if !matches!(f.ty, FieldType::Number | FieldType::Percent | FieldType::Bool) =>
                {
                    self.error(CheckError::new(format!("`{ds}.{field}` is not a number"), field));
                    false
                }
                _ => true,
            },
        }
    }

    /// A condition of the step being compiled, written under `keys` in it
    /// (`rows, where`): an error points inside that condition.
    pub(super) fn cond(
        &mut self,
        raw: Option<&RawCondition>,
        schema: &DatasetSchema,
        ds: &str,
        keys: &[&str],
    ) -> Option<Condition> {
        let raw = raw?;
        match Condition::compile_in(raw, schema, ds, self.params, &self.names()) {
            Ok(c) => Some(c),
            Err(mut e) => {
                let path: Vec<String> = self
                    .at
                    .iter()
                    .cloned()
                    .chain(keys.iter().map(|k| k.to_string()))
                    .collect();
                e.scope.splice(0..0, path);
                self.error(e);
                None
            }
        }
    }

    pub(super) fn keys_name(&mut self, name: &str) {
        let ok = matches!(name, "period_months" | "elapsed_months")
            || self.kinds.iter().any(|(n, k)| n == name && matches!(k, Kind::Keys(_)));
        if !ok {
            let known: Vec<&str> = self
                .kinds
                .iter()
                .filter(|(_, k)| matches!(k, Kind::Keys(_)))
                .map(|(n, _)| n.as_str())
                .chain(["period_months", "elapsed_months"])
                .collect();
            self.error(
                CheckError::new(format!("`{name}` is not a set of months or groups"), name).help(suggest(name, &known)),
            );
        }
    }

    pub(super) fn plan_name(&self, n: &str) -> bool {
        is_builtin(n)
            || self.value_names.iter().any(|v| v == n)
            || self.params.contains_key(n)
            || matches!(n, "value" | "threshold")
    }

    pub(super) fn message(&mut self, template: &str) {
        for name in crate::template::placeholders(template) {
            for alt in name.split('|').map(str::trim) {
                if alt.starts_with('"') || self.plan_name(alt) {
                    continue;
                }
                let mut known: Vec<&str> = self.value_names.iter().map(String::as_str).collect();
                known.extend(self.params.keys().map(String::as_str));
                known.extend(BUILTINS);
                self.error(
                    CheckError::new(
                        format!("message placeholder `{{{alt}}}` names no plan value, param or built-in"),
                        format!("{{{name}"),
                    )
                    .help(suggest(alt, &known)),
                );
            }
        }
    }
}
