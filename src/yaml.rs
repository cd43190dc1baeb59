//! All YAML parsing of the project: rule files, vocabularies, `bundle.yaml`,
//! mapping files, `mktaudit.yaml` and a bundle's YAML datasets.
//!
//! The parser is serde-saphyr (pure Rust, no `unsafe`). Before a text that
//! may hold an alias (a `*` and an `&` anywhere: an alias repeats an anchor,
//! and one naming no anchor is an error) is deserialised, [`check_bounds`] walks
//! its event stream once (linear time, constant stack) and refuses:
//! - a text over [`MAX_BYTES`];
//! - nesting deeper than [`MAX_DEPTH`] (checked as each collection opens, so no
//!   later stage ever recurses deeper);
//! - aliases that would expand the document by more than [`MAX_ALIAS_GROWTH`]
//!   (each node counts [`NODE_WEIGHT`] bytes plus its text; an alias counts the
//!   whole of what it repeats, nested aliases included), so a billion-laughs
//!   document or a big list repeated many times stops before anything is built.
//!
//! Otherwise only the size is checked first: the parser's own budget holds
//! the depth at [`MAX_DEPTH`] as each collection opens (a big dataset, or a
//! rule whose expressions multiply, is not walked twice).
//!
//! Errors carry a 1-based line and column; [`Error::offset`] turns them into
//! a byte offset of the source for diagnostics.

use serde::de::DeserializeOwned;

mod spans;
#[cfg(test)]
mod tests;

pub use spans::{sections, value_span};

/// The untyped YAML value (params, profile facts, mapping values, datasets).
/// Numbers, strings, bools, null, sequences and mappings (string keys, in file
/// order). A YAML date such as `2025-01-01` is a string.
pub type Value = serde_json::Value;

/// Largest YAML text parsed (a rule file, a config or a bundle's YAML dataset).
pub const MAX_BYTES: usize = 256 << 20;

/// Deepest nesting of sequences and mappings accepted.
pub const MAX_DEPTH: usize = 64;

/// How many bytes aliases may add to a document, counted as expanded.
pub const MAX_ALIAS_GROWTH: usize = 16 << 20;

/// What one node (scalar, sequence or mapping) weighs in the expanded size,
/// beside its text: about what it costs once deserialised.
pub const NODE_WEIGHT: usize = 16;

/// A YAML error: what is wrong, and where (1-based line and column) if known.
#[derive(Debug, Clone)]
pub struct Error {
    pub message: String,
    pub line: usize,
    pub column: usize,
}

impl Error {
    /// Byte offset of the error in `text` (0 when the position is unknown).
    pub fn offset(&self, text: &str) -> usize {
        if self.line == 0 {
            return 0;
        }
        crate::error::line_col_to_offset(text, self.line, self.column.max(1))
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line == 0 {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{} at line {} column {}", self.message, self.line, self.column)
        }
    }
}

impl std::error::Error for Error {}

/// Parses one YAML document into `T`, within the limits above.
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, Error> {
    let bytes = text.as_bytes();
    if memchr::memchr(b'*', bytes).is_some() && memchr::memchr(b'&', bytes).is_some() {
        check_bounds(text)?;
    } else {
        // No anchor or no alias: nothing repeats, so the size is all to
        // check here; the parser's own budget holds the depth at MAX_DEPTH
        // as each collection opens.
        check_size(text, MAX_BYTES)?;
    }
    serde_saphyr::from_str_with_options(text, options()).map_err(|e| convert(&e))
}

/// Parses one YAML document into an untyped [`Value`].
pub fn value_from_str(text: &str) -> Result<Value, Error> {
    from_str(text)
}

/// The text of a scalar as written (a string as is, null as empty); other
/// values in flow YAML (`[a, b]`, `{k: v}`).
pub fn scalar_text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::Array(items) => format!("[{}]", items.iter().map(flow_text).collect::<Vec<_>>().join(", ")),
        Value::Object(map) => format!(
            "{{{}}}",
            map.iter()
                .map(|(k, v)| format!("{k}: {}", flow_text(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn flow_text(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        other => scalar_text(other),
    }
}

fn options() -> serde_saphyr::Options {
    // The bounds were checked by `check_bounds`; the parser's own budget is
    // kept as a second line, sized for big datasets (its node and event
    // counts are linear in the text, which is bounded by the file size).
    serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_depth: MAX_DEPTH,
            flow_nesting_limit: MAX_DEPTH,
            max_events: usize::MAX,
            max_nodes: usize::MAX,
            max_aliases: usize::MAX,
            max_anchors: usize::MAX,
            max_total_scalar_bytes: usize::MAX,
            enforce_alias_anchor_ratio: false,
        },
        // YAML 1.2 core, as serde_yaml read it: `yes`, `no`, `on` stay text,
        // and so do `007` (an id, a postcode) and `1_000`.
        strict_booleans: true,
        leading_zero_numbers_as_strings: true,
        underscored_numbers_as_strings: true,
    }
}

fn convert(e: &serde_saphyr::Error) -> Error {
    let (line, column) = e
        .location()
        .filter(|l| l.line() > 0)
        .map_or((0, 0), |l| (l.line() as usize, l.column() as usize));
    let inner = e.without_snippet();
    let mut message = inner.to_string();
    // The position is ours to show: drop the parser's own suffix.
    for cut in [" at line ", "\n"] {
        if let Some(i) = message.find(cut) {
            message.truncate(i);
        }
    }
    // Worded for the user, not for the parser's configuration.
    if message.starts_with("budget breached: Depth") {
        message = format!("nesting deeper than {MAX_DEPTH} levels");
    } else if message == "recursion limit exceeded" {
        message = format!("nesting deeper than {MAX_DEPTH} levels (recursion limit exceeded)");
    }
    if let Some(i) = message.find(", set DuplicateKeyPolicy") {
        message.truncate(i);
    }
    if let Some(rest) = message.strip_prefix("non-finite float ")
        && let Some(value) = rest.strip_suffix(" rejected by the configured policy")
    {
        message = format!("{value} is not a finite number");
    }
    Error {
        message: message.trim().to_string(),
        line,
        column,
    }
}

fn check_size(text: &str, max_bytes: usize) -> Result<(), Error> {
    if text.len() > max_bytes {
        return Err(Error {
            message: format!(
                "{} MiB of YAML; the limit is {} MiB",
                text.len().div_ceil(1 << 20),
                max_bytes >> 20
            ),
            line: 0,
            column: 0,
        });
    }
    Ok(())
}

/// Walks the event stream of `text` once and refuses nesting deeper than
/// [`MAX_DEPTH`] and alias expansions past [`MAX_ALIAS_GROWTH`]. Syntax errors
/// are left to the deserialiser, which words them.
pub fn check_bounds(text: &str) -> Result<(), Error> {
    check_bounds_within(text, MAX_BYTES, MAX_DEPTH, MAX_ALIAS_GROWTH)
}

fn check_bounds_within(text: &str, max_bytes: usize, max_depth: usize, max_growth: usize) -> Result<(), Error> {
    check_size(text, max_bytes)?;
    use serde_saphyr::granit_parser::{Event, Parser};
    let at = |span: &serde_saphyr::granit_parser::Span| (span.start.line(), span.start.col() + 1);
    // Expanded weight of the document so far, and of each anchor once closed.
    let mut total: usize = 0;
    let mut growth: usize = 0;
    let mut anchors: Vec<usize> = Vec::new();
    // Open collections: (anchor id, total when opened).
    let mut open: Vec<(usize, usize)> = Vec::new();
    let set_anchor = |anchors: &mut Vec<usize>, id: usize, weight: usize| {
        if id >= anchors.len() {
            anchors.resize(id + 1, 0);
        }
        anchors[id] = weight;
    };
    for item in Parser::new_from_str(text) {
        let Ok((event, span)) = item else { return Ok(()) };
        match event {
            Event::SequenceStart(_, anchor, _) | Event::MappingStart(_, anchor, _) => {
                total = total.saturating_add(NODE_WEIGHT);
                open.push((anchor, total));
                if open.len() > max_depth {
                    let (line, column) = at(&span);
                    return Err(Error {
                        message: format!("nesting deeper than {max_depth} levels"),
                        line,
                        column,
                    });
                }
            }
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some((anchor, start)) = open.pop()
                    && anchor != 0
                {
                    set_anchor(&mut anchors, anchor, total - start + NODE_WEIGHT);
                }
            }
            Event::Scalar(value, _, anchor, _) => {
                let weight = NODE_WEIGHT.saturating_add(value.len());
                total = total.saturating_add(weight);
                if anchor != 0 {
                    set_anchor(&mut anchors, anchor, weight);
                }
            }
            Event::Alias(id) => {
                let weight = anchors.get(id).copied().unwrap_or(NODE_WEIGHT);
                total = total.saturating_add(weight);
                growth = growth.saturating_add(weight);
                if growth > max_growth {
                    let (line, column) = at(&span);
                    return Err(Error {
                        message: format!(
                            "aliases expand this document by more than {} MiB (an alias bomb?)",
                            max_growth >> 20
                        ),
                        line,
                        column,
                    });
                }
            }
            _ => {}
        }
    }
    Ok(())
}
