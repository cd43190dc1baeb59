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

/// The lightest background accent-coloured text sits on (the report's header band).
const LIGHTEST_BACKGROUND: (u8, u8, u8) = (0xf4, 0xf6, 0xf8);
/// WCAG 2 contrast for normal text (success criterion 1.4.3, level AA).
pub const MIN_CONTRAST: f64 = 4.5;

fn rgb(hex: &str) -> (u8, u8, u8) {
    let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).unwrap_or(0);
    (byte(1), byte(3), byte(5))
}

/// WCAG relative luminance of an sRGB colour.
fn luminance((r, g, b): (u8, u8, u8)) -> f64 {
    let channel = |c: u8| {
        let c = f64::from(c) / 255.0;
        if c <= 0.039_28 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
}

/// WCAG contrast ratio of two colours (1 to 21).
fn contrast(a: (u8, u8, u8), b: (u8, u8, u8)) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

/// The contrast of accent-coloured text (`#RRGGBB`) on the report's lightest background.
pub fn accent_contrast(accent: &str) -> f64 {
    contrast(rgb(accent), LIGHTEST_BACKGROUND)
}

/// The same hue darkened just enough to reach `MIN_CONTRAST`: what to suggest instead.
fn darker_accent(accent: &str) -> String {
    let (r, g, b) = rgb(accent);
    let mut f = 1.0;
    loop {
        let scaled = |c: u8| (f64::from(c) * f).round() as u8;
        let c = (scaled(r), scaled(g), scaled(b));
        if contrast(c, LIGHTEST_BACKGROUND) >= MIN_CONTRAST || f <= 0.0 {
            return format!("#{:02x}{:02x}{:02x}", c.0, c.1, c.2);
        }
        f -= 0.01;
    }
}

/// Builds a problem pointing at the config text that names `needle`.
pub type ProblemAt<'a> = dyn Fn(&str, String, String) -> Problem + 'a;

/// Checks and loads `cfg`, its paths relative to `base`. With `confine`,
/// every file it names (after resolving links) must lie inside that folder.
pub fn resolve(
    cfg: Option<&BrandingConfig>,
    base: &Path,
    confine: Option<&Path>,
    problem_at: &ProblemAt<'_>,
) -> Result<Branding, Problems> {
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
        if valid_accent(accent) && accent_contrast(accent) < MIN_CONTRAST {
            // Headings, points and the firm name are written in the accent.
            problems.push(problem_at(
                accent,
                format!(
                    "accent `{accent}` is too light to read as text: {:.2}:1 against the report's background, below the {MIN_CONTRAST}:1 that WCAG asks of text",
                    accent_contrast(accent)
                ),
                format!(
                    "use a darker shade of it, e.g. accent: \"{}\" ({:.1}:1)",
                    darker_accent(accent),
                    accent_contrast(&darker_accent(accent))
                ),
            ));
        } else if valid_accent(accent) {
            branding.accent = accent.to_ascii_lowercase();
        } else {
            problems.push(problem_at(
                accent,
                format!("accent `{accent}` is not a colour of the form #RRGGBB"),
                "e.g. accent: \"#1f4e79\" (quote it: YAML reads # as a comment)".into(),
            ));
        }
    }
    let outside = |file: &Path| confine.is_some_and(|root| !crate::fsutil::is_inside(file, root));
    let outside_problem = |needle: &str, what: &str| {
        problem_at(
            needle,
            format!("{what} `{needle}` is outside the bundle (or a link out of it)"),
            "a bundle's config may name only files inside the bundle; give the file in your own config instead".into(),
        )
    };
    if let Some(logo) = &cfg.logo {
        let needle = logo.to_string_lossy().into_owned();
        let path = base.join(logo);
        if outside(&path) {
            problems.push(outside_problem(&needle, "logo"));
        } else {
            match read_logo(&path) {
                Ok(uri) => branding.logo = Some(uri),
                Err((message, help)) => problems.push(problem_at(&needle, message, help)),
            }
        }
    }
    if let Some(t) = &cfg.templates {
        for p in [&t.html, &t.md].into_iter().flatten() {
            if outside(&base.join(p)) {
                problems.push(outside_problem(&p.to_string_lossy(), "template"));
            }
        }
        branding.templates = Templates {
            html: t.html.as_ref().map(|p| base.join(p)),
            md: t.md.as_ref().map(|p| base.join(p)),
        };
    }
    problems.into_result(branding)
}

/// Whether `bytes` start like an image of `mime`: the extension alone would
/// let any file be embedded in the report as a "logo".
fn looks_like(mime: &str, bytes: &[u8]) -> bool {
    match mime {
        "image/png" => bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
        "image/jpeg" => bytes.starts_with(&[0xFF, 0xD8, 0xFF]),
        _ => std::str::from_utf8(bytes).is_ok_and(|t| {
            let t = t.trim_start_matches('\u{feff}').trim_start();
            (t.starts_with('<') && t.contains("<svg")) || t.starts_with("<svg")
        }),
    }
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
    if !looks_like(mime, &bytes) {
        return Err((
            format!("logo `{}` is not a {} image", path.display(), &mime[6..]),
            "use a real .png, .jpg or .svg file".into(),
        ));
    }
    Ok(format!(
        "data:{mime};base64,{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn light_accents_are_refused_with_a_darker_shade_that_passes() {
        assert!((contrast((0, 0, 0), (255, 255, 255)) - 21.0).abs() < 1e-9);
        assert!(accent_contrast("#f5d90a") < 1.6, "the yellow of the issue");
        assert!(accent_contrast(DEFAULT_ACCENT) >= MIN_CONTRAST);
        let suggested = darker_accent("#f5d90a");
        assert!(valid_accent(&suggested));
        assert!(accent_contrast(&suggested) >= MIN_CONTRAST, "{suggested}");
        assert!(
            accent_contrast(&suggested) < MIN_CONTRAST + 0.5,
            "no darker than needed: {suggested}"
        );
    }
}
