//! Date tests of a field (follows, within_days, age_days, overlaps_period),
//! compiled.

use super::super::*;
use super::{FieldTest, require_date, threshold_expr};

impl FieldTest<'_, '_> {
    /// Date tests: follows, within_days, age_days, overlaps_period.
    pub(in crate::rules::condition) fn dated(&self) -> Result<Condition, CheckError> {
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
        let cond = if let Some(f) = &raw.follows {
            require_date(&field, ty, "follows")?;
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
                            Threshold::Param(s) => self.bind(s),
                            Threshold::Number(_) => None,
                        };
                        Some(param.map_or(ParamOr::Fixed(n), ParamOr::Param))
                    }
                    None => None,
                },
            }
        } else if let Some(days) = &raw.within_days {
            require_date(&field, ty, "within_days")?;
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
            require_date(&field, ty, "age_days")?;
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
            require_date(&field, ty, "overlaps_period")?;
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
            unreachable!("compile_in sends only these operators here")
        };
        Ok(cond)
    }
}
