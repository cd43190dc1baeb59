//! Compiling a plan's findings: where they come from, their message, the
//! order and number shown, and the fields looked up for those shown only.

use super::*;

/// A field looked up for the findings shown, with its type for the message.
struct Shown {
    name: String,
    ty: FieldType,
    lookup: ShownLookup,
}

impl Compiler<'_> {
    pub(super) fn findings(&mut self, raw: &RawPlan, path: &[String]) -> Option<Vec<FindingSpec>> {
        let mut findings = Vec::new();
        for (j, f) in raw.findings.iter().enumerate() {
            self.at_in(path, &["findings", &j.to_string()]);
            let mut shown: Vec<Shown> = Vec::new();
            let cond = match &f.cond {
                Some(c) => Some(self.expr(c)?),
                None => None,
            };
            match f.from.as_deref() {
                Some(from) => {
                    match self.kinds.iter().find(|(n, _)| n == from).map(|(_, k)| k.clone()) {
                        Some(Kind::Rows(ds)) => {
                            let Some((_, schema)) = self.source(from, "findings") else {
                                continue;
                            };
                            if let Some(s) = &f.sort_by {
                                self.field(&schema, &ds, s, None);
                            }
                            let names: Vec<String> = schema.field_names().iter().map(|n| n.to_string()).collect();
                            shown = self.shown_lookups(&f.with, &names, &|c, key| c.field(&schema, &ds, key, None));
                            let extra: Vec<(String, FieldType)> =
                                shown.iter().map(|l| (l.name.clone(), l.ty)).collect();
                            self.row_template(&f.message, &table::extend_schema(&schema, &extra), &ds);
                        }
                        Some(Kind::Keys(_)) => {
                            let mut names: Vec<String> = vec!["key".into()];
                            names.extend(self.group_values.iter().cloned());
                            shown = self.shown_lookups(&f.with, &names, &|c, key| {
                                let known = names.iter().any(|n| n == key);
                                if !known {
                                    let known: Vec<&str> = names.iter().map(String::as_str).collect();
                                    c.error(
                                        CheckError::new(
                                            format!("`lookup` matches on `{key}`, which is no value of the groups"),
                                            key,
                                        )
                                        .help(suggest(key, &known)),
                                    );
                                }
                                known
                            });
                            let before = self.group_values.len();
                            self.group_values.extend(shown.iter().map(|l| l.name.clone()));
                            self.key_template(&f.message);
                            self.group_values.truncate(before);
                            // Groups sort by a value computed per group; months by themselves.
                            if let Some(s) = &f.sort_by {
                                let own = self.key_values.iter().find(|(n, _)| n == from).map(|(_, v)| v.clone());
                                if !own.as_ref().is_some_and(|v| v.contains(s)) {
                                    let known: Vec<&str> = own.iter().flatten().map(String::as_str).collect();
                                    self.error(
                                    CheckError::new(
                                        format!("findings from `{from}` sort by a value computed per group; `{s}` is none"),
                                        s.clone(),
                                    )
                                    .help(suggest(s, &known)),
                                );
                                }
                            }
                        }
                        _ => {
                            let known: Vec<&str> = self
                                .kinds
                                .iter()
                                .filter(|(_, k)| !matches!(k, Kind::Scalar))
                                .map(|(n, _)| n.as_str())
                                .collect();
                            self.error(
                                CheckError::new(
                                    format!("findings come from a row or key set; `{from}` is neither"),
                                    from,
                                )
                                .help(suggest(from, &known)),
                            );
                        }
                    }
                }
                None => self.message(&f.message),
            }
            if f.from.is_none() && !f.with.is_empty() {
                self.error(CheckError::new(
                    "a finding about the org has no rows to look anything up for: `with:` needs `from:`",
                    "with:",
                ));
            }
            findings.push(FindingSpec {
                from: f.from.clone(),
                message: f.message.clone(),
                cond,
                limit: f.limit,
                sort: f.sort_by.clone().map(|s| (s, f.desc)),
                shown: shown.into_iter().map(|l| l.lookup).collect(),
            });
        }
        Some(findings)
    }

    /// A finding's `with:` lookups. `names` are the names its message may
    /// already use (which a looked-up field may not hide); `key_ok` checks
    /// the name a lookup matches on, and says what is wrong.
    fn shown_lookups(
        &mut self,
        with: &IndexMap<String, format::RawLookupField>,
        names: &[String],
        key_ok: &dyn Fn(&mut Self, &str) -> bool,
    ) -> Vec<Shown> {
        let outer = self.at.clone();
        let mut out = Vec::new();
        for (name, l) in with {
            self.at_in(&outer, &["with", name]);
            let l = &l.lookup;
            if names.iter().any(|n| n == name) || out.iter().any(|s: &Shown| &s.name == name) {
                self.error(
                    CheckError::new(
                        format!("`{name}` is already a name of these findings: give the looked-up field another name"),
                        format!("{name}:"),
                    )
                    .help("a looked-up field may not hide a field or value of the rows"),
                );
                continue;
            }
            let [(on, key)] = l.on.iter().collect::<Vec<_>>()[..] else {
                self.error(
                    CheckError::new("`lookup` matches on exactly one pair of fields", "on:")
                        .help("e.g. on: { id: deal } (the id of `from` equals the finding's deal)"),
                );
                continue;
            };
            if !key_ok(self, key) {
                continue;
            }
            let Some((dataset, schema)) = self.source(&l.from, "lookup") else {
                continue;
            };
            if !(self.field(&schema, &dataset, on, None) & self.field(&schema, &dataset, &l.field, None)) {
                continue;
            }
            let ty = match schema.fields[&l.field].ty {
                FieldType::Percent => FieldType::Number,
                FieldType::List => FieldType::Text,
                t => t,
            };
            out.push(Shown {
                name: name.clone(),
                ty,
                lookup: ShownLookup {
                    name: name.clone(),
                    from: l.from.clone(),
                    dataset,
                    key: key.clone(),
                    on: on.clone(),
                    field: l.field.clone(),
                },
            });
        }
        self.at = outer;
        out
    }
}
