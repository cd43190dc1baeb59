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

mod apply;
mod find;
pub mod profile;
pub use find::{ConfigUse, load_config, load_user_config};

use crate::error::ErrorCode;
use crate::error::{Problem, Problems, SourceFile};
use crate::rules::Severity;
use crate::rules::params::yaml_to_value;
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
#[serde(
    untagged,
    expecting = "a vocabulary's change is a list of words to add, or `{ add: [...], remove: [...] }`"
)]
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
}
