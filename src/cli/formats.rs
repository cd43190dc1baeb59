//! One set of format names for every command: terminal, json, md, html.
//! Older names (`text` of inspect, `table` of rules list, `markdown`, `txt`)
//! are still read, so scripts written for them keep working.

use super::*;

/// Older names kept readable: name -> the name it stands for.
const ALIASES: &[(&str, &str)] = &[("text", "terminal"), ("table", "terminal"), ("txt", "terminal")];

/// `name` as one of `allowed`, or a usage error listing them.
pub(super) fn format_named(name: &str, allowed: &[Format], command: &str) -> Result<Format, Problems> {
    let trimmed = name.trim();
    let canonical = ALIASES
        .iter()
        .find(|(old, _)| old.eq_ignore_ascii_case(trimmed))
        .map_or(trimmed, |(_, new)| new);
    match Format::parse(canonical) {
        Some(f) if allowed.contains(&f) => Ok(f),
        _ => {
            let names: Vec<&str> = allowed.iter().map(|f| name_of(*f)).collect();
            Err(usage(
                format!("`{name}` is not a format of `{command}`"),
                format!("use {}", names.join(", ")),
            ))
        }
    }
}

/// The name a format is given by on the command line.
pub(super) fn name_of(format: Format) -> &'static str {
    Format::ALL
        .iter()
        .find(|(_, f)| *f == format)
        .map_or("terminal", |(n, _)| n)
}

/// The format a report file's name asks for: `.html`, `.md`, `.json`, `.txt`.
/// None for a name with no extension; an error for one mktaudit does not write.
pub(super) fn from_extension(path: &Path) -> Result<Option<Format>, Problems> {
    let Some(ext) = path.extension().map(|e| e.to_string_lossy().to_lowercase()) else {
        return Ok(None);
    };
    let format = match ext.as_str() {
        "htm" => Some(Format::Html),
        "markdown" => Some(Format::Markdown),
        "txt" | "text" => Some(Format::Terminal),
        other => Format::ALL
            .iter()
            .find(|(_, f)| f.extension() == other)
            .map(|(_, f)| *f),
    };
    match format {
        Some(f) => Ok(Some(f)),
        None => Err(usage(
            format!("cannot tell the report format from `{}`", path.display()),
            "name the file .html, .md, .json or .txt, or give --format",
        )),
    }
}
