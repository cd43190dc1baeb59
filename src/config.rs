//! `mktaudit.yaml`: tune the audit to an organisation once and keep it with
//! the bundle (or the working folder). Rule packs, disabled rules, severity,
//! weight and param overrides, and profile corrections. Every override is
//! written into the report's methodology so a reader sees what was changed.

use crate::error::{Problem, Problems, SourceFile, suggest, unknown_key_help};
use crate::rules::params::yaml_to_value;
use crate::rules::{RulePack, Severity};
use crate::value::Value;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const CONFIG_NAMES: &[&str] = &["mktaudit.yaml", "mktaudit.yml"];

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
    pub params: BTreeMap<String, BTreeMap<String, serde_yaml::Value>>,
    /// Org profile fields that replace (or supply) the bundle's, e.g. `sales_motion: enterprise`.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, serde_json::Value>")]
    pub profile: BTreeMap<String, serde_yaml::Value>,
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
    /// `leadership_audience: [Führungskreis]`: added to the pack's terms.
    #[serde(default)]
    pub vocabularies: BTreeMap<String, Vec<String>>,
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

/// A config file and where it was found.
#[derive(Debug, Clone)]
pub struct LoadedConfig {
    pub config: Config,
    pub path: Option<PathBuf>,
    source: Option<SourceFile>,
}

impl LoadedConfig {
    pub fn none() -> Self {
        Self {
            config: Config::default(),
            path: None,
            source: None,
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

    pub fn profile_overrides(&self) -> BTreeMap<String, Value> {
        self.config
            .profile
            .iter()
            .filter_map(|(k, v)| yaml_to_value(v).ok().map(|v| (k.clone(), v)))
            .collect()
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
        crate::report::branding::resolve(self.config.branding.as_ref(), base, &|needle, message, help| {
            let mut p = self.problem_at(needle, message, help);
            p.code = "config::branding";
            p
        })
    }

    fn problem_at(&self, needle: &str, message: String, help: String) -> Problem {
        let p = Problem::new("config::rule", message).help(help);
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
            && !(g.A > g.B && g.B > g.C && g.C > g.D && g.D >= 0.0 && g.A <= 100.0)
        {
            problems.push(self.problem_at(
                "grades",
                "grade thresholds must fall from A to D, between 0 and 100".into(),
                "e.g. grades: { A: 90, B: 80, C: 70, D: 60 }".into(),
            ));
        }
        let vocab_names: Vec<&str> = pack.vocabularies.keys().map(String::as_str).collect();
        for name in self.config.vocabularies.keys() {
            if !pack.vocabularies.contains_key(name) {
                problems.push(self.problem_at(
                    name,
                    format!("mktaudit.yaml adds words to vocabulary `{name}`, which no loaded pack has"),
                    suggest(name, &vocab_names),
                ));
            }
        }
        for (id, w) in &self.config.weight {
            if !(w.is_finite() && *w >= 0.0) {
                problems.push(self.problem_at(id, format!("weight for `{id}` must be zero or more"), "e.g. 3".into()));
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        let where_ = self
            .path
            .as_ref()
            .map_or_else(|| "config".to_string(), |p| p.display().to_string());
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
        for (name, terms) in &self.config.vocabularies {
            if let Some(v) = pack.vocabularies.get_mut(name) {
                std::sync::Arc::make_mut(v).extend(terms);
                notes.push(format!(
                    "vocabulary {name} extended with {} by {where_}",
                    terms.join(", ")
                ));
            }
        }
        for (field, value) in &self.config.profile {
            notes.push(format!(
                "org profile {field} set to {} by {where_}",
                serde_yaml::to_string(value).unwrap_or_default().trim()
            ));
        }
        Ok(notes)
    }
}

/// Finds the config: `--config FILE`, else `mktaudit.yaml` in the bundle
/// folder, else in the working folder. None found is not an error.
pub fn load_config(explicit: Option<&Path>, bundle: &Path) -> Result<LoadedConfig, Problems> {
    let path = match explicit {
        Some(p) if !p.is_file() => {
            return Err(Problems(vec![
                Problem::new(
                    "config::not_found",
                    format!("config file `{}` does not exist", p.display()),
                )
                .help("give the path of a mktaudit.yaml"),
            ]));
        }
        Some(p) => Some(p.to_path_buf()),
        None => [bundle, Path::new(".")]
            .iter()
            .flat_map(|dir| CONFIG_NAMES.iter().map(move |n| dir.join(n)))
            .find(|p| p.is_file()),
    };
    let Some(path) = path else {
        return Ok(LoadedConfig::none());
    };
    let text = std::fs::read_to_string(&path).map_err(|e| {
        Problems(vec![
            Problem::new("config::read", format!("cannot read `{}`: {e}", path.display())).in_file(&path),
        ])
    })?;
    let src = SourceFile::new(path.display().to_string(), text);
    let config: Config = if src.text.trim().is_empty() {
        Config::default()
    } else {
        serde_yaml::from_str(&src.text).map_err(|e| {
            let msg = e.to_string();
            let at = e.location().map_or(0, |l| l.index());
            let help = unknown_key_help(&msg).unwrap_or_else(|| {
                "keys: default_rules, rules, disable, severity, weight, params, profile, grades, waivers, branding"
                    .into()
            });
            Problems(vec![
                Problem::new("config::parse", format!("`{}` is not a valid config", path.display()))
                    .at(&src, at, 1, crate::error::short_serde_reason(&msg))
                    .help(help),
            ])
        })?
    };
    Ok(LoadedConfig {
        config,
        path: Some(path),
        source: Some(src),
    })
}
