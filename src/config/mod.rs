//! `mktaudit.yaml`: tune the audit to an organisation. Rule packs, disabled
//! rules, severity, weight and param overrides, grade bands, waivers,
//! branding and profile corrections. Every override is written into the
//! report's methodology so a reader sees what was changed.
//!
//! Who may change what is decided in [`find`]: the user's own config (given
//! with `--config` or found in the working folder) applies in full; a
//! `mktaudit.yaml` inside the bundle comes from the audited client, so only
//! its description of the org (`profile:`) applies, unless the user passes
//! `--trust-bundle-config`. docs/security.md explains the trust model.

mod find;
pub mod profile;
pub use find::{ConfigUse, load_config, load_user_config};

use crate::error::ErrorCode;
use crate::error::{Problem, Problems, SourceFile, suggest};
use crate::rules::params::yaml_to_value;
use crate::rules::{RulePack, Severity};
use crate::value::Value;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub use crate::bundle::CONFIG_NAMES;

#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Load the default pack (default true).
    #[serde(default)]
    pub default_rules: Option<bool>,
    /// Rule pack folders added after the default pack, relative to this file.
    #[serde(default)]
    pub rules: Vec<PathBuf>,
    /// Rule ids not to run.
    #[serde(default)]
    pub disable: Vec<String>,
    /// Rule id -> severity.
    #[serde(default)]
    pub severity: BTreeMap<String, Severity>,
    /// Rule id -> weight.
    #[serde(default)]
    pub weight: BTreeMap<String, f64>,
    /// Rule id -> param -> value.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, BTreeMap<String, serde_json::Value>>")]
    pub params: BTreeMap<String, BTreeMap<String, crate::yaml::Value>>,
    /// Org profile fields that replace (or supply) the bundle's, e.g. `sales_motion: enterprise`.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, serde_json::Value>")]
    pub profile: BTreeMap<String, crate::yaml::Value>,
    /// Lowest score for each grade: `{ A: 90, B: 80, C: 70, D: 60 }`.
    #[serde(default)]
    pub grades: Option<GradesConfig>,
    /// Accepted exceptions, each with a reason, an owner and an expiry date.
    #[serde(default)]
    pub waivers: Vec<crate::waivers::Waiver>,
    /// White-label for the HTML and Markdown reports: firm, logo, accent colour, templates.
    #[serde(default)]
    pub branding: Option<crate::report::branding::BrandingConfig>,
    /// The org's own words for a vocabulary of the rule packs, e.g.
    /// `leadership_audience: [Führungskreis]` (added to the pack's terms), or
    /// `marketing_source: { add: [Field Events], remove: [Referrals] }`.
    #[serde(default)]
    pub vocabularies: BTreeMap<String, VocabularyWords>,
}

/// An org's change to a vocabulary: words to add (a list), or words to add
/// and words to remove, for an org whose definition differs from the pack's
/// (its "marketing-sourced" leaves out referrals).
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(untagged)]
pub enum VocabularyWords {
    Add(Vec<String>),
    Edit(VocabularyEdit),
}

#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VocabularyEdit {
    #[serde(default)]
    pub add: Vec<String>,
    #[serde(default)]
    pub remove: Vec<String>,
}

impl VocabularyWords {
    pub fn added(&self) -> &[String] {
        match self {
            Self::Add(words) => words,
            Self::Edit(e) => &e.add,
        }
    }

    pub fn removed(&self) -> &[String] {
        match self {
            Self::Add(_) => &[],
            Self::Edit(e) => &e.remove,
        }
    }
}

#[derive(Debug, Clone, Copy, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[allow(non_snake_case)]
pub struct GradesConfig {
    pub A: f64,
    pub B: f64,
    pub C: f64,
    pub D: f64,
}

/// The config in force: the user's (or a trusted bundle's) file in full,
/// plus the org profile a bundle's own config describes.
#[derive(Debug, Clone)]
pub struct LoadedConfig {
    pub config: Config,
    pub path: Option<PathBuf>,
    source: Option<SourceFile>,
    /// Whether `path` is the bundle's own config, trusted by the user.
    from_bundle: bool,
    /// `profile:` of the bundle's own config when it is not trusted in full,
    /// and where it was read from; the user's `profile:` wins field by field.
    bundle_profile: Option<(String, BTreeMap<String, crate::yaml::Value>)>,
    /// `vocabularies:` of the bundle's own config when it is not trusted in
    /// full: the org's words for its own data, added to the user's.
    bundle_vocabularies: Option<(String, BTreeMap<String, VocabularyWords>)>,
    /// Every config that applied, where from, and what was ignored.
    pub uses: Vec<ConfigUse>,
}

impl LoadedConfig {
    pub fn none() -> Self {
        Self {
            config: Config::default(),
            path: None,
            source: None,
            from_bundle: false,
            bundle_profile: None,
            bundle_vocabularies: None,
            uses: Vec::new(),
        }
    }

    /// Rule pack folders, resolved against the config file's folder.
    pub fn rule_dirs(&self) -> Vec<PathBuf> {
        let base = self.path.as_ref().and_then(|p| p.parent()).unwrap_or(Path::new("."));
        self.config
            .rules
            .iter()
            .map(|d| if d.is_absolute() { d.clone() } else { base.join(d) })
            .collect()
    }

    /// The bundle config's profile fields, then the user's over them.
    fn profile_fields(&self) -> Vec<(&String, &crate::yaml::Value, String)> {
        let mut fields: BTreeMap<&String, (&crate::yaml::Value, String)> = BTreeMap::new();
        if let Some((path, profile)) = &self.bundle_profile {
            for (k, v) in profile {
                fields.insert(k, (v, path.clone()));
            }
        }
        for (k, v) in &self.config.profile {
            fields.insert(k, (v, self.where_()));
        }
        fields.into_iter().map(|(k, (v, w))| (k, v, w)).collect()
    }

    pub fn profile_overrides(&self) -> BTreeMap<String, Value> {
        self.profile_fields()
            .into_iter()
            .filter_map(|(k, v, _)| yaml_to_value(v).ok().map(|v| (k.clone(), v)))
            .collect()
    }

    fn where_(&self) -> String {
        self.path
            .as_ref()
            .map_or_else(|| "config".to_string(), |p| p.display().to_string())
    }

    pub fn param_overrides(&self) -> BTreeMap<String, BTreeMap<String, Value>> {
        self.config
            .params
            .iter()
            .map(|(rule, ps)| {
                let values = ps
                    .iter()
                    .filter_map(|(k, v)| yaml_to_value(v).ok().map(|v| (k.clone(), v)))
                    .collect();
                (rule.clone(), values)
            })
            .collect()
    }

    /// The branding in force, its logo read and checked (see `report::branding`).
    pub fn branding(&self) -> Result<crate::report::branding::Branding, Problems> {
        let base = self.path.as_ref().and_then(|p| p.parent()).unwrap_or(Path::new("."));
        // A trusted bundle config still reads its logo and templates only
        // from the bundle: trust covers its settings, not the rest of the disk.
        let confine = self.from_bundle.then_some(base);
        crate::report::branding::resolve(
            self.config.branding.as_ref(),
            base,
            confine,
            &|needle, message, help| {
                let mut p = self.problem_at(needle, message, help);
                p.code = ErrorCode::ConfigBranding;
                p
            },
        )
    }

    fn problem_at(&self, needle: &str, message: String, help: String) -> Problem {
        let p = Problem::new(ErrorCode::ConfigRule, message).help(help);
        match &self.source {
            Some(src) => {
                let at = src.text.find(needle).unwrap_or(0);
                p.at(src, at, needle.len().max(1), "here")
            }
            None => p,
        }
    }
    /// The grade bands in force.
    pub fn grade_bands(&self) -> crate::score::GradeBands {
        use crate::score::Grade;
        match self.config.grades {
            Some(g) => [(Grade::A, g.A), (Grade::B, g.B), (Grade::C, g.C), (Grade::D, g.D)],
            None => crate::score::GRADE_BANDS,
        }
    }

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
pub const MAX_PARAM_MAGNITUDE: f64 = 1e15;

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
