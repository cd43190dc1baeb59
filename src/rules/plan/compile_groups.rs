//! Compiling what a `groups:` step computes per group (`let:`), and the
//! aggregates over a key set of groups.

use super::*;

impl Compiler<'_> {
    /// An aggregate over a key set of groups: of one value computed per
    /// group (`sum: { from: over, field: excess }`), or its keys (`count`).
    pub(super) fn key_agg(
        &mut self,
        name: &str,
        kind: &str,
        agg: Agg,
        a: &format::RawAgg,
        own: &[String],
    ) -> Option<(Step, Kind)> {
        if a.filter.is_some() {
            self.error(CheckError::new(
                format!(
                    "`{kind}` over the groups of `{}` takes no `where`: filter the groups with `having`",
                    a.from
                ),
                "where:",
            ));
            return None;
        }
        match &a.field {
            Some(f) if !own.contains(f) => {
                let known: Vec<&str> = own.iter().map(String::as_str).collect();
                self.error(
                    CheckError::new(format!("the groups of `{}` compute no value `{f}`", a.from), f.clone())
                        .help(suggest(f, &known)),
                );
                return None;
            }
            None if agg != Agg::Count => {
                self.error(CheckError::new(format!("`{kind}` needs a `field`"), format!("{name}:")));
                return None;
            }
            _ => {}
        }
        Some((
            Step::KeyAgg {
                agg,
                from: a.from.clone(),
                field: a.field.clone(),
            },
            Kind::Scalar,
        ))
    }

    /// One value of `groups`' `let:`: an aggregate, the `first` value of a
    /// field, or a `list` of the group's rows.
    pub(super) fn group_let(
        &mut self,
        n: &str,
        a: &format::RawGroupAgg,
        schema: &DatasetSchema,
        ds: &str,
    ) -> Option<GroupLet> {
        let aggs = [
            (Agg::Count, &a.count, "count"),
            (Agg::Sum, &a.sum, "sum"),
            (Agg::Avg, &a.avg, "avg"),
            (Agg::Min, &a.min, "min"),
            (Agg::Max, &a.max, "max"),
        ];
        let found = aggs.iter().filter(|(_, f, _)| f.is_some()).count()
            + usize::from(a.first.is_some())
            + usize::from(a.list.is_some());
        if found != 1 {
            self.error(CheckError::new(
                format!("group value `{n}` needs exactly one of count, sum, avg, min, max, first, list"),
                format!("{n}:"),
            ));
            return None;
        }
        let sort_field = |c: &mut Self, s: &Option<String>, desc: bool| {
            s.as_ref().map(|s| {
                c.field(schema, ds, s, None);
                (s.clone(), desc)
            })
        };
        if let Some(f) = &a.first {
            self.field(schema, ds, &f.field, None);
            let sort = sort_field(self, &f.sort_by, f.desc);
            let filter = self.cond(f.filter.as_ref(), schema, ds, &["groups", "let", n, "first", "where"]);
            return Some(GroupLet {
                name: n.to_string(),
                how: GroupHow::First {
                    field: f.field.clone(),
                    sort,
                },
                filter,
            });
        }
        if let Some(l) = &a.list {
            if let Some(show) = &l.show {
                self.row_template(show, schema, ds);
            }
            let sort = sort_field(self, &l.sort_by, l.desc);
            let filter = self.cond(l.filter.as_ref(), schema, ds, &["groups", "let", n, "list", "where"]);
            return Some(GroupLet {
                name: n.to_string(),
                how: GroupHow::List {
                    show: l.show.clone(),
                    limit: l.limit,
                    sort,
                    sep: l.sep.clone().unwrap_or_else(|| ", ".into()),
                    distinct: l.distinct,
                },
                filter,
            });
        }
        let (agg, f, kind) = aggs
            .into_iter()
            .find_map(|(k, f, kind)| f.as_ref().map(|f| (k, f, kind)))?;
        if let Some(field) = &f.field {
            let want = (agg != Agg::Count).then_some(FieldType::Number);
            self.field(schema, ds, field, want);
        }
        let filter = self.cond(f.filter.as_ref(), schema, ds, &["groups", "let", n, kind, "where"]);
        Some(GroupLet {
            name: n.to_string(),
            how: GroupHow::Agg(agg, f.field.clone()),
            filter,
        })
    }
}
