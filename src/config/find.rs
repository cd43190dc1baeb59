//! Which configs apply to an audit, and how far each is trusted.
//!
//! The user runs mktaudit with their own config: `--config FILE`, else a
//! `mktaudit.yaml` in the working folder (when that folder is not inside the
//! bundle). A `mktaudit.yaml` inside the bundle folder was written by whoever
//! sent the bundle, so by default only its description of the org
//! (`profile:`) applies: the same facts the bundle's own data already states.
//! Everything that judges the org (rules, weights, params, severity, grade
//! bands, waivers) or shapes the report (branding, logos, templates) is
//! ignored and listed as ignored in the report, unless the user passes
//! `--trust-bundle-config`, which makes the bundle's config count as their own.

use super::{CONFIG_NAMES, Config, LoadedConfig};
use crate::error::ErrorCode;
use crate::error::{Problem, Problems, SourceFile, unknown_key_help};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// Who wrote a config: the person running mktaudit, or the audited client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConfigOrigin {
    /// `--config`, or `mktaudit.yaml` in the working folder.
    User,
    /// `mktaudit.yaml` inside the bundle folder.
    Bundle,
}

/// One config file that an audit read: where from, the keys that applied and
/// the keys that were ignored (those of an untrusted bundle config).
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct ConfigUse {
    pub origin: ConfigOrigin,
    /// The path as given on the command line, or relative to the bundle or
    /// working folder where it was found (never made absolute).
    pub path: String,
    pub applied: Vec<String>,
    pub ignored: Vec<String>,
}

impl ConfigUse {
    /// One line for the report, e.g. `bundle config mktaudit.yaml: applied
    /// profile; ignored weight, branding (--trust-bundle-config applies them)`.
    pub fn describe(&self) -> String {
        let who = match self.origin {
            ConfigOrigin::User => "your config",
            ConfigOrigin::Bundle => "bundle config",
        };
        let applied = if self.applied.is_empty() {
            "nothing to apply".to_string()
        } else {
            format!("applied {}", self.applied.join(", "))
        };
        let mut line = format!("{who} {}: {applied}", self.path);
        if !self.ignored.is_empty() {
            line.push_str(&format!(
                "; ignored {} (a bundle's config may only describe the org; --trust-bundle-config applies the rest)",
                self.ignored.join(", ")
            ));
        }
        line
    }
}

/// The keys of `config` that are set, in the order of the file format.
fn keys_set(c: &Config) -> Vec<&'static str> {
    let set = [
        ("default_rules", c.default_rules.is_some()),
        ("rules", !c.rules.is_empty()),
        ("disable", !c.disable.is_empty()),
        ("severity", !c.severity.is_empty()),
        ("weight", !c.weight.is_empty()),
        ("params", !c.params.is_empty()),
        ("profile", !c.profile.is_empty()),
        ("vocabularies", !c.vocabularies.is_empty()),
        ("grades", c.grades.is_some()),
        ("waivers", !c.waivers.is_empty()),
        ("branding", c.branding.is_some()),
    ];
    set.into_iter().filter(|(_, s)| *s).map(|(k, _)| k).collect()
}

/// The keys a bundle's own config may set without `--trust-bundle-config`.
pub const BUNDLE_KEYS: &[&str] = &["profile", "vocabularies"];

/// The config file in `dir`, if any (`mktaudit.yaml`, then `mktaudit.yml`).
/// A symbolic link counts as present, so that it can be refused.
fn config_in(dir: &Path) -> Option<PathBuf> {
    CONFIG_NAMES
        .iter()
        .map(|n| dir.join(n))
        .find(|p| std::fs::symlink_metadata(p).is_ok())
}

use crate::fsutil::is_inside as inside;

/// The user's config alone (`trend`, which has no bundle): `--config FILE`,
/// else `mktaudit.yaml` in the working folder.
pub fn load_user_config(explicit: Option<&Path>) -> Result<LoadedConfig, Problems> {
    let path = match explicit {
        Some(p) => Some(p.to_path_buf()),
        None => config_in(Path::new(".")).map(|p| PathBuf::from(p.file_name().expect("a config name"))),
    };
    let Some(path) = path else {
        return Ok(LoadedConfig::none());
    };
    let mut loaded = read(&path, None)?;
    loaded.uses = vec![use_of(&path, ConfigOrigin::User, &loaded.config, &[])];
    Ok(loaded)
}

/// The configs that apply to an audit of `bundle` (see the module docs).
/// None found is not an error.
pub fn load_config(explicit: Option<&Path>, bundle: &Path, trust_bundle: bool) -> Result<LoadedConfig, Problems> {
    if let Some(p) = explicit
        && !p.is_file()
    {
        return Err(Problems(vec![
            Problem::new(
                ErrorCode::ConfigNotFound,
                format!("config file `{}` does not exist", p.display()),
            )
            .help("give the path of a mktaudit.yaml"),
        ]));
    }
    let bundle_file = config_in(bundle);
    // Run from inside the bundle, the working folder's config is the bundle's.
    let user_file = explicit.map(Path::to_path_buf).or_else(|| {
        config_in(Path::new("."))
            .filter(|p| !inside(p, bundle))
            .map(|p| PathBuf::from(p.file_name().expect("a config name")))
    });
    let same_file = |a: &Path, b: &Path| matches!((a.canonicalize(), b.canonicalize()), (Ok(x), Ok(y)) if x == y);
    let bundle_file = bundle_file.filter(|b| !user_file.as_deref().is_some_and(|u| same_file(u, b)));

    let bundle_config = match &bundle_file {
        Some(path) => Some(read(path, Some(bundle))?),
        None => None,
    };
    let bundle_label = |path: &Path| {
        format!(
            "{} (in the bundle)",
            path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default()
        )
    };
    match (user_file, bundle_config) {
        (None, Some(mut b)) if trust_bundle => {
            let path = b.path.clone().expect("read from a file");
            b.from_bundle = true;
            b.uses = vec![ConfigUse {
                path: bundle_label(&path),
                ..use_of(&path, ConfigOrigin::Bundle, &b.config, &[])
            }];
            Ok(b)
        }
        (user_file, bundle_config) => {
            let mut loaded = match &user_file {
                Some(path) => {
                    let mut u = read(path, None)?;
                    u.uses = vec![use_of(path, ConfigOrigin::User, &u.config, &[])];
                    u
                }
                None => LoadedConfig::none(),
            };
            if let Some(b) = bundle_config {
                let path = b.path.clone().expect("read from a file");
                let label = bundle_label(&path);
                let ignored: Vec<&str> = keys_set(&b.config)
                    .into_iter()
                    .filter(|k| !BUNDLE_KEYS.contains(k))
                    .collect();
                loaded.uses.push(ConfigUse {
                    path: label.clone(),
                    ..use_of(&path, ConfigOrigin::Bundle, &b.config, &ignored)
                });
                if !b.config.vocabularies.is_empty() {
                    loaded.bundle_vocabularies = Some((label.clone(), b.config.vocabularies));
                }
                if !b.config.profile.is_empty() {
                    loaded.bundle_profile = Some((label, b.config.profile));
                }
            }
            Ok(loaded)
        }
    }
}

fn use_of(path: &Path, origin: ConfigOrigin, config: &Config, ignored: &[&str]) -> ConfigUse {
    let keys = keys_set(config);
    ConfigUse {
        origin,
        path: path.display().to_string(),
        applied: keys
            .iter()
            .filter(|k| !ignored.contains(k))
            .map(|k| k.to_string())
            .collect(),
        ignored: ignored.iter().map(|k| k.to_string()).collect(),
    }
}

/// Reads and parses one config file. With `bundle`, the file must be a plain
/// file inside that folder: a link out of it is refused before it is opened,
/// so no diagnostic can quote a file the client pointed at.
fn read(path: &Path, bundle: Option<&Path>) -> Result<LoadedConfig, Problems> {
    if let Some(root) = bundle {
        let is_link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
        if is_link || !inside(path, root) {
            return Err(Problems(vec![
                Problem::new(
                    ErrorCode::ConfigOutside,
                    format!(
                        "`{}` in the bundle is a symbolic link; mktaudit reads only files inside the bundle",
                        path.display()
                    ),
                )
                .help("replace the link with the file itself, or delete it"),
            ]));
        }
    }
    let text = std::fs::read_to_string(path).map_err(|e| {
        Problems(vec![
            Problem::new(ErrorCode::ConfigRead, format!("cannot read `{}`: {e}", path.display())).in_file(path),
        ])
    })?;
    let src = SourceFile::new(path.display().to_string(), text);
    let config: Config = if src.text.trim().is_empty() {
        Config::default()
    } else {
        crate::yaml::from_str(&src.text).map_err(|e| {
            let msg = e.to_string();
            let at = e.offset(&src.text);
            let help = unknown_key_help(&msg).unwrap_or_else(config_keys_help);
            Problems(vec![
                Problem::new(
                    ErrorCode::ConfigParse,
                    format!("`{}` is not a valid config", path.display()),
                )
                .at(&src, at, 1, crate::error::short_serde_reason(&msg))
                .help(help),
            ])
        })?
    };
    Ok(LoadedConfig {
        config,
        path: Some(path.to_path_buf()),
        source: Some(src),
        from_bundle: false,
        bundle_profile: None,
        bundle_vocabularies: None,
        uses: Vec::new(),
    })
}

/// The config's keys, from its schema (so the list cannot miss one), and
/// where the schema is.
fn config_keys_help() -> String {
    let schema = schemars::schema_for!(super::Config).to_value();
    let keys: Vec<&str> = schema["properties"]
        .as_object()
        .map(|p| p.keys().map(String::as_str).collect())
        .unwrap_or_default();
    format!(
        "keys: {} (`mktaudit schema config` gives each one's form)",
        keys.join(", ")
    )
}
