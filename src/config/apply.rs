//! Applying a config to the loaded rule packs: disabled rules, severity,
//! weight, params and vocabulary edits, each checked against the packs and
//! written into the methodology notes.

use super::LoadedConfig;
use crate::error::{Problems, suggest};
use crate::rules::RulePack;
use crate::rules::params::yaml_to_value;
use crate::value::Value;

impl LoadedConfig {
    /// Applies disable/severity/weight to the pack, checks every rule id and
    /// param named in the config, and returns what changed (for the report).
    pub fn apply(&self, pack: &mut RulePack) -> Result<Vec<String>, Problems> {
        let mut problems = Problems::default();
        let mut notes = Vec::new();
        let ids: Vec<String> = pack.rules.iter().map(|r| r.id.clone()).collect();
        let id_refs: Vec<&str> = ids.iter().map(String::as_str).collect();
        let named = self
            .config
            .disable
            .iter()
            .chain(self.config.severity.keys())
            .chain(self.config.weight.keys())
            .chain(self.config.params.keys());
        for id in named {
            if !ids.contains(id) {
                problems.push(self.problem_at(
                    id,
                    format!("mktaudit.yaml names rule `{id}`, which no loaded pack has"),
                    suggest(id, &id_refs),
                ));
            }
        }
        for (id, params) in &self.config.params {
            if let Some(rule) = pack.get(id) {
                let known: Vec<&str> = rule.params.keys().map(String::as_str).collect();
                for p in params.keys().filter(|p| !rule.params.contains_key(*p)) {
                    problems.push(self.problem_at(p, format!("rule `{id}` has no param `{p}`"), suggest(p, &known)));
                }
            }
        }
        for w in &self.config.waivers {
            if !ids.contains(&w.rule) {
                problems.push(self.problem_at(
                    &w.rule,
                    format!("waiver for rule `{}`, which no loaded pack has", w.rule),
                    suggest(&w.rule, &id_refs),
                ));
            }
        }
        if let Some(g) = self.config.grades
            && !([g.A, g.B, g.C, g.D].iter().all(|x| x.is_finite())
                && g.A > g.B
                && g.B > g.C
                && g.C > g.D
                && g.D >= 0.0
                && g.A <= 100.0)
        {
            problems.push(self.problem_at(
                "grades",
                "grade thresholds must fall from A to D, between 0 and 100".into(),
                "e.g. grades: { A: 90, B: 80, C: 70, D: 60 }".into(),
            ));
        }
        let vocab_names: Vec<&str> = pack.vocabularies.keys().map(String::as_str).collect();
        let bundle_vocabularies = self.bundle_vocabularies.iter().flat_map(|(_, v)| v.keys());
        for name in self.config.vocabularies.keys().chain(bundle_vocabularies) {
            if current_name(pack, name).is_none() {
                problems.push(self.problem_at(
                    name,
                    format!("mktaudit.yaml adds words to vocabulary `{name}`, which no loaded pack has"),
                    suggest(name, &vocab_names),
                ));
            }
        }
        for (id, w) in &self.config.weight {
            if !(w.is_finite() && (0.0..=crate::score::MAX_WEIGHT).contains(w)) {
                problems.push(self.problem_at(
                    id,
                    format!(
                        "weight for `{id}` must be a number from 0 to {}, not {w}",
                        crate::score::MAX_WEIGHT
                    ),
                    "e.g. 3 (the default pack weighs rules 1 to 5)".into(),
                ));
            }
        }
        for (id, params) in &self.config.params {
            let Some(rule) = pack.get(id) else { continue };
            for (name, raw) in params {
                let Some(param) = rule.params.get(name) else { continue };
                if let Err(why) = check_param(raw, &param.default) {
                    problems.push(self.problem_at(
                        name,
                        format!("param `{name}` of `{id}`: {why}"),
                        format!("give a value like its default, {}", param.default.to_text()),
                    ));
                }
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        let where_ = self.where_();
        pack.rules.retain(|r| {
            let keep = !self.config.disable.contains(&r.id);
            if !keep {
                notes.push(format!("rule {} disabled by {where_}", r.id));
            }
            keep
        });
        for rule in &mut pack.rules {
            if let Some(s) = self.config.severity.get(&rule.id) {
                notes.push(format!("rule {} severity {} -> {s} ({where_})", rule.id, rule.severity));
                rule.severity = *s;
            }
            if let Some(w) = self.config.weight.get(&rule.id) {
                notes.push(format!("rule {} weight {} -> {w} ({where_})", rule.id, rule.weight));
                rule.weight = *w;
            }
        }
        // The bundle's words first, then the user's: what the user's config
        // adds, a bundle's config cannot remove. A bundle's config may not
        // remove the pack's words either: taking `board` out of the
        // leadership audiences would hide the vanity KPIs shown to the board.
        let bundle = self
            .bundle_vocabularies
            .iter()
            .flat_map(|(by, v)| v.iter().map(move |(n, t)| (n, t, by.clone(), false)));
        let own = self
            .config
            .vocabularies
            .iter()
            .map(|(n, t)| (n, t, self.where_(), true));
        for (name, words, by, may_remove) in bundle.chain(own) {
            let Some(current) = current_name(pack, name) else {
                continue;
            };
            if current != *name {
                notes.push(format!(
                    "vocabulary {name} (asked by {by}) is called {current} in this rule pack: its words are read there"
                ));
            }
            let name = &current;
            let Some(v) = pack.vocabularies.get_mut(name) else {
                continue;
            };
            let v = std::sync::Arc::make_mut(v);
            if !words.removed().is_empty() && may_remove {
                v.remove(words.removed());
                notes.push(format!(
                    "vocabulary {name}: {} removed by {by}",
                    words.removed().join(", ")
                ));
            } else if !words.removed().is_empty() {
                notes.push(format!(
                    "vocabulary {name}: removing {} asked by {by} was ignored: only your own mktaudit.yaml may remove words",
                    words.removed().join(", ")
                ));
            }
            if !words.added().is_empty() {
                v.extend(words.added());
                notes.push(format!(
                    "vocabulary {name} extended with {} by {by}",
                    words.added().join(", ")
                ));
            }
        }
        for (field, value, by) in self.profile_fields() {
            notes.push(format!(
                "org profile {field} set to {} by {by}",
                crate::yaml::scalar_text(value)
            ));
        }
        Ok(notes)
    }
}

/// The vocabulary a config's name stands for: itself, or the vocabulary
/// that was called so in an earlier version of the pack (`formerly:`).
fn current_name(pack: &RulePack, name: &str) -> Option<String> {
    if pack.vocabularies.contains_key(name) {
        return Some(name.to_string());
    }
    pack.vocabularies
        .iter()
        .find(|(_, v)| v.formerly.iter().any(|f| f == name))
        .map(|(n, _)| n.clone())
}

/// Largest magnitude a number param may be set to: far beyond any real
/// threshold (counts, amounts, shares), and far from where sums overflow.
const MAX_PARAM_MAGNITUDE: f64 = 1e15;

/// A config's value for a param: finite, within range, and of the same kind
/// as the rule's default (a number stays a number).
fn check_param(raw: &crate::yaml::Value, default: &Value) -> Result<(), String> {
    let value = yaml_to_value(raw)?;
    match (&value, default) {
        (Value::Number(n), _) if !n.is_finite() => Err(format!("{n} is not a finite number")),
        (Value::Number(n), _) if n.abs() > MAX_PARAM_MAGNITUDE => Err(format!(
            "{n} is out of range (at most {MAX_PARAM_MAGNITUDE:e} either way)"
        )),
        (Value::Number(_), Value::Number(_)) | (_, Value::Null) => Ok(()),
        (v, d) if std::mem::discriminant(v) == std::mem::discriminant(d) => Ok(()),
        (v, d) => Err(format!(
            "`{}` is not of the same kind as its default `{}`",
            v.to_text(),
            d.to_text()
        )),
    }
}
