//! Pointing a problem at a key of a YAML file of the bundle (the manifest,
//! a mapping) or where its parser stopped.

use crate::error::ErrorCode;
use crate::error::{Problem, SourceFile};
use crate::value::normalize_name;

/// A problem at the location the YAML parser reports.
pub(crate) fn yaml_problem(code: ErrorCode, src: &SourceFile, e: &crate::yaml::Error, message: &str) -> Problem {
    let reason = crate::error::short_serde_reason(&e.to_string());
    let p = Problem::new(code, message.to_string());
    p.at(src, e.offset(&src.text), 1, reason)
}

/// Byte offset of `key:` in a YAML text (for pointing at manifest keys).
pub(crate) fn find_key(text: &str, key: &str) -> usize {
    find_key_from(text, 0, key).unwrap_or(0)
}

/// Byte offset of the last key of `path`, each key looked for after the one
/// before (`[datasets, leads, columns, Orign]`), so a key that appears under
/// several datasets is found under the right one; else of the deepest found.
pub(crate) fn find_key_path(text: &str, path: &[&str]) -> usize {
    let mut at = 0;
    for key in path {
        match find_key_from(text, at, key) {
            Some(found) => at = found,
            None => break,
        }
    }
    at
}

fn find_key_from(text: &str, start: usize, key: &str) -> Option<usize> {
    let normalized = normalize_name(key);
    let start = text.get(start..).map_or(text.len(), |_| start);
    let mut offset = start;
    for line in text[start..].split_inclusive('\n') {
        let content = line.trim_start();
        let k = content
            .split(':')
            .next()
            .unwrap_or_default()
            .trim()
            .trim_matches(['"', '\'']);
        if content.contains(':') && (k == key || normalize_name(k) == normalized) {
            return Some(offset + (line.len() - content.len()));
        }
        offset += line.len();
    }
    None
}
