//! White-label: the consultant's firm, logo and accent colour, and their own
//! templates, from the `branding:` section of `mktaudit.yaml`.
//!
//! The logo is read once here and embedded as a `data:` URI, so the HTML
//! report stays one self-contained file that makes no request.

use crate::error::{Problem, Problems};
use base64::Engine;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Logos above this size are refused: the report must stay small enough to mail.
pub const MAX_LOGO_BYTES: u64 = 256 * 1024;

pub const DEFAULT_ACCENT: &str = "#1f4e79";

#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BrandingConfig {
    /// The firm that prepared the report, shown in the header and footer.
    #[serde(default)]
    pub firm: Option<String>,
    /// A PNG, JPEG or SVG file (at most 256 KiB), relative to mktaudit.yaml.
    #[serde(default)]
    pub logo: Option<PathBuf>,
    /// Accent colour as `#RRGGBB`.
    #[serde(default)]
    pub accent: Option<String>,
    /// Who the report is for, e.g. "Board of Acme Robotics".
    #[serde(default)]
    pub prepared_for: Option<String>,
    /// A line at the foot of every report, e.g. a confidentiality notice.
    #[serde(default)]
    pub footer: Option<String>,
    /// Own templates replacing the built-in ones, relative to mktaudit.yaml.
    #[serde(default)]
    pub templates: Option<TemplatesConfig>,
}

#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TemplatesConfig {
    #[serde(default)]
    pub html: Option<PathBuf>,
    #[serde(default)]
    pub md: Option<PathBuf>,
}

/// Branding ready to render: every field checked, the logo embedded.
#[derive(Debug, Clone, Serialize)]
pub struct Branding {
    pub firm: Option<String>,
    /// `data:image/...;base64,...`, never a path or URL.
    pub logo: Option<String>,
    pub accent: String,
    pub prepared_for: Option<String>,
    pub footer: Option<String>,
    #[serde(skip)]
    pub templates: Templates,
}

/// Template files chosen by config (resolved paths); `--template` overrides them.
#[derive(Debug, Clone, Default)]
pub struct Templates {
    pub html: Option<PathBuf>,
    pub md: Option<PathBuf>,
}

impl Default for Branding {
    fn default() -> Self {
        Branding {
            firm: None,
            logo: None,
            accent: DEFAULT_ACCENT.to_string(),
            prepared_for: None,
            footer: None,
            templates: Templates::default(),
        }
    }
}

/// Whether `s` is exactly `#RRGGBB`: anything else could break out of the CSS it is written into.
pub fn valid_accent(s: &str) -> bool {
    s.len() == 7 && s.starts_with('#') && s[1..].bytes().all(|b| b.is_ascii_hexdigit())
}

/// Builds a problem pointing at the config text that names `needle`.
pub type ProblemAt<'a> = dyn Fn(&str, String, String) -> Problem + 'a;

pub fn resolve(cfg: Option<&BrandingConfig>, base: &Path, problem_at: &ProblemAt<'_>) -> Result<Branding, Problems> {
    let Some(cfg) = cfg else {
        return Ok(Branding::default());
    };
    let mut problems = Problems::default();
    let mut branding = Branding {
        firm: cfg.firm.clone(),
        prepared_for: cfg.prepared_for.clone(),
        footer: cfg.footer.clone(),
        ..Branding::default()
    };
    if let Some(accent) = &cfg.accent {
        if valid_accent(accent) {
            branding.accent = accent.to_ascii_lowercase();
        } else {
            problems.push(problem_at(
                accent,
                format!("accent `{accent}` is not a colour of the form #RRGGBB"),
                "e.g. accent: \"#1f4e79\" (quote it: YAML reads # as a comment)".into(),
            ));
        }
    }
    if let Some(logo) = &cfg.logo {
        let needle = logo.to_string_lossy().into_owned();
        match read_logo(&base.join(logo)) {
            Ok(uri) => branding.logo = Some(uri),
            Err((message, help)) => problems.push(problem_at(&needle, message, help)),
        }
    }
    if let Some(t) = &cfg.templates {
        branding.templates = Templates {
            html: t.html.as_ref().map(|p| base.join(p)),
            md: t.md.as_ref().map(|p| base.join(p)),
        };
    }
    problems.into_result(branding)
}

fn read_logo(path: &Path) -> Result<String, (String, String)> {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let mime = match ext.as_str() {
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "svg" => "image/svg+xml",
        _ => {
            return Err((
                format!("logo `{}` is not a PNG, JPEG or SVG file", path.display()),
                "use a .png, .jpg or .svg file".into(),
            ));
        }
    };
    let size = std::fs::metadata(path)
        .map_err(|e| {
            (
                format!("cannot read logo `{}`: {e}", path.display()),
                "the path is relative to mktaudit.yaml".into(),
            )
        })?
        .len();
    if size > MAX_LOGO_BYTES {
        return Err((
            format!(
                "logo `{}` is {size} bytes, over the {MAX_LOGO_BYTES}-byte limit",
                path.display()
            ),
            "use a smaller or compressed image; the report embeds it".into(),
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| {
        (
            format!("cannot read logo `{}`: {e}", path.display()),
            "the path is relative to mktaudit.yaml".into(),
        )
    })?;
    Ok(format!(
        "data:{mime};base64,{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    ))
}
