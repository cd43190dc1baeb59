//! Compiling a plan's judgement: `when`, `min_sample`, the ordered
//! `outcome` branches or thresholds, `parts`, the headline value and findings.

use super::*;

impl Compiler<'_> {
    /// A judge: the plan itself (`path` is `[plan]`) or one of its parts
    /// (`[plan, parts, 1]`).
    pub(super) fn judge(&mut self, raw: &RawPlan, path: &[String]) -> Option<Judge> {
        let top = path.len() == 1;
        self.at = path.to_vec();
        if !top && !raw.lets.is_empty() {
            self.error(CheckError::new(
                "a part cannot have its own `let`: name values at the top of the plan",
                "let:",
            ));
        }
        if !top && raw.name.is_none() {
            self.error(CheckError::new("each part needs a `name`", "parts:"));
        }
        self.at_in(path, &["at_stake"]);
        // One amount per rule: parts' amounts may count the same money twice.
        if !top && raw.at_stake.is_some() {
            self.error(CheckError::new(
                "a part cannot have its own `at_stake`: name the amount at the top of the plan",
                "at_stake:",
            ));
        }
        let at_stake = match raw.at_stake.as_ref().filter(|_| top) {
            Some(a) => {
                self.message(&a.label);
                Some((self.expr(&a.amount)?, a.label.clone()))
            }
            None => None,
        };
        self.at_in(path, &["when"]);
        let when = match (&raw.when, &raw.otherwise) {
            (Some(w), Some(o)) => {
                self.message(o);
                Some((self.expr(w)?, o.clone()))
            }
            (Some(w), None) => {
                self.error(
                    CheckError::new(
                        "`when:` needs `otherwise:`, the message shown when the rule does not apply",
                        w,
                    )
                    .help("e.g. otherwise: \"No follow-up SLA is in force, so there is nothing to judge\""),
                );
                None
            }
            (None, Some(o)) => {
                self.error(CheckError::new("`otherwise:` goes with `when:`", o));
                None
            }
            (None, None) => None,
        };
        self.at_in(path, &["min_sample"]);
        let min_sample = match &raw.min_sample {
            Some(m) => {
                self.message(&m.reason);
                Some((self.expr(&m.value)?, self.threshold(&m.at_least)?, m.reason.clone()))
            }
            None => None,
        };
        let has_thresholds = [&raw.fail_below, &raw.warn_below, &raw.fail_above, &raw.warn_above]
            .iter()
            .any(|t| t.is_some());
        let at = if top {
            "plan:"
        } else {
            raw.name.as_deref().unwrap_or("parts:")
        };
        self.at = path.to_vec();
        if has_thresholds && raw.parts.is_some() {
            self.error(CheckError::new(
                "a plan decides with `parts:` or with thresholds on `value`, not both",
                at,
            ));
            return None;
        }
        self.at_in(path, &["value"]);
        let value = match &raw.value {
            Some(v) => Some((self.expr(v)?, v.clone())),
            None => None,
        };
        self.at_in(path, &["threshold"]);
        let threshold = match &raw.threshold {
            Some(t) => Some(self.threshold(t)?),
            None => None,
        };
        let mut branches = Vec::new();
        for (i, b) in raw.outcome.iter().flatten().enumerate() {
            self.at_in(path, &["outcome", &i.to_string()]);
            let set = [
                (Status::Pass, &b.pass),
                (Status::Warn, &b.warn),
                (Status::Fail, &b.fail),
                (Status::NotAssessed, &b.not_assessed),
                (Status::NotApplicable, &b.not_applicable),
            ];
            let set: Vec<_> = set
                .into_iter()
                .filter_map(|(s, m)| m.as_ref().map(|m| (s, m)))
                .collect();
            let [(status, message)] = set.as_slice() else {
                self.error(CheckError::new(
                    "each outcome needs exactly one of pass, warn, fail, not_assessed, not_applicable (with its message)",
                    b.cond.clone().unwrap_or_else(|| "outcome:".into()),
                ));
                continue;
            };
            self.message(message);
            let cond = match &b.cond {
                Some(c) => Some(self.expr(c)?),
                None => None,
            };
            let threshold = match &b.threshold {
                Some(t) => Some(self.threshold(t)?),
                None => None,
            };
            let value = match &b.value {
                Some(v) => Some((self.expr(v)?, v.clone())),
                None => None,
            };
            branches.push(Branch {
                cond,
                status: *status,
                message: (*message).clone(),
                threshold,
                value,
            });
        }
        self.at = path.to_vec();
        if let Some(pos) = branches.iter().position(|b| b.cond.is_none())
            && pos + 1 < branches.len()
        {
            self.error(CheckError::new(
                "an outcome without `if` decides everything after it: make it the last one",
                "outcome:",
            ));
        }
        let decided = branches.last().is_some_and(|b| b.cond.is_none());
        let body = if let Some(parts) = &raw.parts {
            let mut judged = Vec::new();
            for (k, p) in parts.iter().enumerate() {
                let part: Vec<String> = path.iter().cloned().chain(["parts".into(), k.to_string()]).collect();
                judged.extend(self.judge(p, &part));
            }
            self.at = path.to_vec();
            Body::Parts(judged)
        } else if has_thresholds {
            let Some(message) = &raw.message else {
                self.error(CheckError::new("thresholds need a `message`", at));
                return None;
            };
            if value.is_none() {
                self.error(CheckError::new("thresholds need a `value` to compare", at));
            }
            self.at_in(path, &["message"]);
            self.message(message);
            let mut t = |key: &str, x: &Option<Threshold>| {
                self.at_in(path, &[key]);
                x.as_ref().and_then(|t| self.threshold(t))
            };
            let body = Body::Thresholds {
                fail_below: t("fail_below", &raw.fail_below),
                warn_below: t("warn_below", &raw.warn_below),
                fail_above: t("fail_above", &raw.fail_above),
                warn_above: t("warn_above", &raw.warn_above),
                message: message.clone(),
            };
            self.at = path.to_vec();
            body
        } else if decided {
            if raw.message.is_some() {
                self.error(CheckError::new(
                    "`message` goes with thresholds; each outcome carries its own message",
                    at,
                ));
            }
            Body::Branches
        } else {
            self.error(
                CheckError::new(
                    "the plan does not always decide: end `outcome:` with a branch without `if`, or add thresholds on `value` (fail_below, warn_below, fail_above, warn_above) or `parts:`",
                    at,
                )
                .help("e.g. `- pass: \"...\"` as the last outcome"),
            );
            return None;
        };
        let findings = self.findings(raw, path)?;
        Some(Judge {
            name: raw.name.clone(),
            at_stake,
            when,
            min_sample,
            branches,
            body,
            value,
            threshold,
            findings,
        })
    }
}
