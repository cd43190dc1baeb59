//! Judging a plan: its `when:`, minimum sample, branches, thresholds and
//! parts, then the findings and the formula shown in words.

use super::*;
use crate::rules::plan::expr::BinOp;

/// The outcome of one judge (the plan, or one of its parts).
pub(super) struct Judged {
    pub(super) status: Status,
    pub(super) message: String,
    pub(super) value: Option<f64>,
    pub(super) threshold: Option<f64>,
    pub(super) formula: Option<String>,
    pub(super) findings: Vec<PlanFinding>,
    pub(super) unlisted: usize,
}

impl Ctx<'_> {
    pub(super) fn num(&self, e: &Expr) -> Option<f64> {
        e.eval(self).as_num()
    }

    pub(super) fn judge(&self, j: &Judge) -> Judged {
        let mut out = Judged {
            status: Status::Pass,
            message: String::new(),
            value: None,
            threshold: j.threshold.as_ref().and_then(|t| self.num(t)),
            formula: None,
            findings: Vec::new(),
            unlisted: 0,
        };
        if let Some((w, otherwise)) = &j.when
            && !w.eval(self).truthy()
        {
            out.status = Status::NotApplicable;
            out.message = self.render(otherwise, &|_| None);
            return out;
        }
        if let Some((v, at_least, reason)) = &j.min_sample
            && self.num(v).unwrap_or(0.0) < self.num(at_least).unwrap_or(f64::INFINITY)
        {
            out.status = Status::NotAssessed;
            out.message = self.render(reason, &|_| None);
            return out;
        }
        out.value = j.value.as_ref().and_then(|(v, _)| self.num(v));
        out.formula = j.value.as_ref().map(|(v, src)| formula(v, src, self));
        let value = out.value;
        let with_value = |name: &str| match name {
            "value" => Some(value.map_or(Value::Null, Value::Number)),
            _ => None,
        };
        let chosen = j
            .branches
            .iter()
            .find(|b| b.cond.as_ref().is_none_or(|c| c.eval(self).truthy()));
        if let Some(b) = chosen {
            out.status = b.status;
            if let Some(t) = b.threshold.as_ref().and_then(|t| self.num(t)) {
                out.threshold = Some(t);
            }
            if let Some((v, src)) = &b.value {
                out.value = self.num(v);
                out.formula = Some(formula(v, src, self));
            }
            let (threshold, value) = (out.threshold, out.value);
            out.message = self.render(&b.message, &|n| match n {
                "value" => Some(value.map_or(Value::Null, Value::Number)),
                "threshold" => Some(threshold.map_or(Value::Null, Value::Number)),
                _ => None,
            });
            if !b.status.assessed() {
                // Nothing was measured: no value, and no threshold unless the branch names one.
                out.value = None;
                out.formula = None;
                out.threshold = b.threshold.as_ref().and_then(|t| self.num(t));
                return out;
            }
        }
        match &j.body {
            _ if chosen.is_some() => {}
            Body::Branches => {}
            Body::Thresholds {
                fail_below,
                warn_below,
                fail_above,
                warn_above,
                message,
            } => {
                let t = |e: &Option<Expr>| e.as_ref().and_then(|e| self.num(e));
                let (fb, wb, fa, wa) = (t(fail_below), t(warn_below), t(fail_above), t(warn_above));
                let Some(v) = value else {
                    out.status = Status::NotAssessed;
                    out.message = "the value cannot be computed from the data (e.g. a share of zero records)".into();
                    return out;
                };
                let (status, threshold) = if let Some(t) = fb.filter(|t| v < *t) {
                    (Status::Fail, Some(t))
                } else if let Some(t) = fa.filter(|t| v > *t) {
                    (Status::Fail, Some(t))
                } else if let Some(t) = wb.filter(|t| v < *t) {
                    (Status::Warn, Some(t))
                } else if let Some(t) = wa.filter(|t| v > *t) {
                    (Status::Warn, Some(t))
                } else {
                    (Status::Pass, wb.or(fb).or(wa).or(fa))
                };
                out.status = status;
                out.threshold = threshold;
                out.message = self.render(message, &|n| {
                    with_value(n).or_else(|| (n == "threshold").then(|| threshold.map_or(Value::Null, Value::Number)))
                });
            }
            Body::Parts(parts) => {
                let results: Vec<(Option<&str>, Judged)> =
                    parts.iter().map(|p| (p.name.as_deref(), self.judge(p))).collect();
                let assessed: Vec<&Judged> = results.iter().map(|(_, r)| r).filter(|r| r.status.assessed()).collect();
                if assessed.is_empty() {
                    let missing: Vec<String> = results
                        .iter()
                        .filter(|(_, r)| r.status == Status::NotAssessed)
                        .map(|(n, r)| format!("{}: {}", n.unwrap_or("part"), r.message))
                        .collect();
                    if missing.is_empty() {
                        out.status = Status::NotApplicable;
                        out.message = results
                            .iter()
                            .map(|(_, r)| r.message.clone())
                            .collect::<Vec<_>>()
                            .join("; ");
                    } else {
                        out.status = Status::NotAssessed;
                        out.message = missing.join("; ");
                    }
                    return out;
                }
                let worst = assessed.iter().map(|r| r.status).max().unwrap_or(Status::Pass);
                let unassessed: Vec<String> = results
                    .iter()
                    .filter(|(_, r)| r.status == Status::NotAssessed)
                    .map(|(n, r)| format!("{}: {}", n.unwrap_or("part"), r.message))
                    .collect();
                // A part that could not be judged might have failed: only a
                // failure is certain without it. Passing or warning on the
                // rest would let withholding one part's data lift the rule.
                if worst != Status::Fail && !unassessed.is_empty() {
                    let judged: Vec<String> = results
                        .iter()
                        .filter(|(_, r)| r.status.assessed())
                        .map(|(n, r)| format!("{} {} ({})", n.unwrap_or("part"), r.status.as_str(), r.message))
                        .collect();
                    out.status = Status::NotAssessed;
                    out.message = format!("{}; judged without it: {}", unassessed.join("; "), judged.join("; "));
                    return out;
                }
                out.status = worst;
                out.message = capitalise(
                    &assessed
                        .iter()
                        .map(|r| r.message.as_str())
                        .filter(|m| !m.is_empty())
                        .collect::<Vec<_>>()
                        .join("; "),
                );
                let lead = assessed.iter().find(|r| r.status == worst).expect("one is the worst");
                if out.value.is_none() {
                    out.value = lead.value;
                    out.formula = lead.formula.clone();
                }
                if out.threshold.is_none() {
                    out.threshold = lead.threshold;
                }
                for (_, r) in results {
                    out.findings.extend(r.findings);
                    out.unlisted += r.unlisted;
                }
            }
        }
        for spec in &j.findings {
            self.findings(spec, out.status, &mut out);
        }
        out
    }

    fn findings(&self, spec: &FindingSpec, status: Status, out: &mut Judged) {
        let wanted = match &spec.cond {
            Some(c) => c.eval(self).truthy(),
            None => matches!(status, Status::Warn | Status::Fail),
        };
        if !wanted {
            return;
        }
        let limit = spec.limit.unwrap_or(usize::MAX).min(self.max_findings);
        match spec.from.as_deref().and_then(|f| self.slot(f).map(|s| (f, s))) {
            Some((from, Slot::Rows { dataset, rows, .. })) => {
                let Some(ds) = self.table(from, dataset) else { return };
                let shown = match &spec.sort {
                    Some((s, desc)) => top_rows(ds, rows, s, *desc, limit),
                    None => rows.iter().take(limit).copied().collect(),
                };
                out.unlisted += rows.len().saturating_sub(limit);
                let looked = self.looked_up_all(spec, |key| {
                    shown
                        .iter()
                        .map(|r| ds.has_field(key).then(|| ds.value(key, *r as usize)))
                        .collect()
                });
                for (i, r) in shown.into_iter().map(|r| r as usize).enumerate() {
                    out.findings.push(PlanFinding {
                        message: self.render(&spec.message, &|name| {
                            super::shown::shown_value(&looked, name, i)
                                .or_else(|| ds.has_field(name).then(|| ds.value(name, r)))
                        }),
                        dataset: Some(dataset.clone()),
                        row: Some(r),
                        key: None,
                        rows: Vec::new(),
                    });
                }
            }
            Some((
                _,
                Slot::Keys {
                    dataset, keys, values, ..
                },
            )) => {
                out.unlisted += keys.len().saturating_sub(limit);
                let mut keys: Vec<&String> = keys.iter().collect();
                if let Some((s, desc)) = &spec.sort {
                    sort_keys(&mut keys, |k| self.group_value(values, k, s), *desc);
                }
                keys.truncate(limit);
                let looked = self.looked_up_all(spec, |name| {
                    keys.iter()
                        .map(|k| match name {
                            "key" => Some(Value::Text(k.to_string())),
                            _ => self.group_value(values, k, name),
                        })
                        .collect()
                });
                for (i, k) in keys.into_iter().enumerate() {
                    let is_month = k.len() == 7 && k.as_bytes()[4] == b'-';
                    out.findings.push(PlanFinding {
                        message: match &looked[..] {
                            [] => self.render_key(&spec.message, values, k),
                            _ => self.render(&spec.message, &|name| {
                                super::shown::shown_value(&looked, name, i).or_else(|| match name {
                                    "key" => Some(Value::Text(k.to_string())),
                                    _ => self.group_value(values, k, name),
                                })
                            }),
                        },
                        dataset: dataset.clone(),
                        row: None,
                        rows: values.cited(k).iter().map(|r| *r as usize).collect(),
                        key: Some(if is_month {
                            format!("month:{k}")
                        } else {
                            format!("group:{k}")
                        }),
                    });
                }
            }
            _ => out.findings.push(PlanFinding {
                message: self.render(&spec.message, &|_| None),
                dataset: None,
                row: None,
                key: None,
                rows: Vec::new(),
            }),
        }
    }
}

/// Keys by one value of their group: numbers by size, texts as words, the
/// missing last either way; ties keep key order.
fn sort_keys(keys: &mut [&String], value: impl Fn(&str) -> Option<Value>, desc: bool) {
    let key = |k: &String| -> (u8, f64, String) {
        match value(k) {
            None | Some(Value::Null) => (1, 0.0, String::new()),
            Some(v) => match v.as_f64() {
                Some(n) => (0, n, String::new()),
                None => (0, 0.0, normalize(&v.to_text())),
            },
        }
    };
    let mut keyed: Vec<((u8, f64, String), &String)> = keys.iter().map(|k| (key(k), *k)).collect();
    keyed.sort_by(|(ka, _), (kb, _)| {
        ka.0.cmp(&kb.0).then_with(|| {
            let o = ka.1.total_cmp(&kb.1).then_with(|| ka.2.cmp(&kb.2));
            if desc { o.reverse() } else { o }
        })
    });
    for (slot, (_, k)) in keys.iter_mut().zip(keyed) {
        *slot = k;
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// `attended / meetings` -> `attended / meetings = 3 / 10`.
fn formula(e: &Expr, src: &str, ctx: &Ctx<'_>) -> String {
    fn show(e: &Expr, ctx: &Ctx<'_>, out: &mut String) {
        match e {
            Expr::Name(_) | Expr::Param(_) => {
                out.push_str(&crate::template::format_value(&to_value(&e.eval(ctx)), None))
            }
            Expr::Lit(v) => out.push_str(&crate::template::format_value(&to_value(v), None)),
            Expr::Neg(x) => {
                out.push('-');
                show(x, ctx, out);
            }
            Expr::Not(x) => {
                out.push_str("not ");
                show(x, ctx, out);
            }
            Expr::Bin(op, a, b) => {
                out.push('(');
                show(a, ctx, out);
                out.push_str(match op {
                    BinOp::Add => " + ",
                    BinOp::Sub => " - ",
                    BinOp::Mul => " × ",
                    BinOp::Div => " / ",
                    BinOp::Lt => " < ",
                    BinOp::Lte => " <= ",
                    BinOp::Gt => " > ",
                    BinOp::Gte => " >= ",
                    BinOp::Eq => " == ",
                    BinOp::Ne => " != ",
                    BinOp::And => " and ",
                    BinOp::Or => " or ",
                    BinOp::Coalesce => " ?? ",
                });
                show(b, ctx, out);
                out.push(')');
            }
            Expr::Call(f, args) => {
                out.push_str(f);
                out.push('(');
                // The branch `if` did not take is not computed (it may be a
                // pass over a million rows): shown as `…`.
                let skipped = match (f.as_str(), args.first()) {
                    ("if", Some(cond)) => Some(if cond.eval(ctx).truthy() { 2 } else { 1 }),
                    _ => None,
                };
                for (i, a) in args.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    if skipped == Some(i) {
                        out.push('…');
                    } else {
                        show(a, ctx, out);
                    }
                }
                out.push(')');
            }
        }
    }
    if matches!(e, Expr::Name(_) | Expr::Lit(_) | Expr::Param(_)) {
        return src.to_string();
    }
    let mut numbers = String::new();
    show(e, ctx, &mut numbers);
    let numbers = numbers
        .strip_prefix('(')
        .and_then(|s| s.strip_suffix(')'))
        .unwrap_or(&numbers)
        .to_string();
    format!("{src} = {numbers}")
}
