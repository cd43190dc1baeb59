//! All YAML parsing of the project: rule files, vocabularies, `bundle.yaml`,
//! mapping files, `mktaudit.yaml` and a bundle's YAML datasets.
//!
//! The parser is serde-saphyr (pure Rust, no `unsafe`). Before a text that
//! may hold an alias (a `*` anywhere) is deserialised, [`check_bounds`] walks
//! its event stream once (linear time, constant stack) and refuses:
//! - a text over [`MAX_BYTES`];
//! - nesting deeper than [`MAX_DEPTH`] (checked as each collection opens, so no
//!   later stage ever recurses deeper);
//! - aliases that would expand the document by more than [`MAX_ALIAS_GROWTH`]
//!   (each node counts [`NODE_WEIGHT`] bytes plus its text; an alias counts the
//!   whole of what it repeats, nested aliases included), so a billion-laughs
//!   document or a big list repeated many times stops before anything is built.
//!
//! Without a `*` only the size is checked first: the parser's own budget
//! holds the depth at [`MAX_DEPTH`] as each collection opens (a big dataset is
//! not walked twice).
//!
//! Errors carry a 1-based line and column; [`Error::offset`] turns them into
//! a byte offset of the source for diagnostics.

use serde::de::DeserializeOwned;

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
    if memchr::memchr(b'*', text.as_bytes()).is_some() {
        check_bounds(text)?;
    } else {
        // No alias: the size is all to check here; the parser's own budget
        // holds the depth at MAX_DEPTH as each collection opens.
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

/// A key of the document's top-level mapping: where the key is written and
/// the bytes its value spans (up to the next top-level key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub key: String,
    pub key_at: usize,
    pub value: std::ops::Range<usize>,
}

/// The top-level keys of a YAML mapping document, in file order, for pointing
/// a diagnostic into the right part of a file. Empty when the text is not a
/// mapping; cut short at a syntax error.
pub fn sections(text: &str) -> Vec<Section> {
    use serde_saphyr::granit_parser::{Event, Parser};
    let at = |m: &serde_saphyr::granit_parser::Marker| m.byte_offset().unwrap_or(m.index()).min(text.len());
    let mut out: Vec<Section> = Vec::new();
    // Open collections below the document; for mappings, whether a key comes next.
    let mut open: Vec<Option<bool>> = Vec::new();
    for item in Parser::new_from_str(text) {
        let Ok((event, span)) = item else { break };
        let start = at(&span.start);
        let at_root_key = open.len() == 1 && open[0] == Some(true);
        let is_node = matches!(
            event,
            Event::Scalar(..) | Event::SequenceStart(..) | Event::MappingStart(..) | Event::Alias(_)
        );
        if is_node {
            if at_root_key {
                if let Some(last) = out.last_mut() {
                    last.value.end = start;
                }
                let key = match &event {
                    Event::Scalar(k, ..) => k.to_string(),
                    _ => String::new(),
                };
                out.push(Section {
                    key,
                    key_at: start,
                    value: text.len()..text.len(),
                });
            } else if open.len() == 1
                && let Some(last) = out.last_mut()
                && last.value.start == text.len()
            {
                last.value.start = start;
            }
            // A node fills the slot of its parent mapping: key, then value.
            if let Some(Some(next_is_key)) = open.last_mut() {
                *next_is_key = !*next_is_key;
            }
        }
        match event {
            Event::SequenceStart(..) => open.push(None),
            Event::MappingStart(..) => open.push(Some(true)),
            Event::SequenceEnd | Event::MappingEnd => {
                open.pop();
            }
            _ => {}
        }
    }
    for s in &mut out {
        if s.value.start > s.value.end {
            s.value.start = s.value.end;
        }
    }
    out
}

/// The bytes of the value at `path` (mapping keys, and sequence indices as
/// numbers) in a YAML document, for pointing a diagnostic at the part of a
/// file it is about rather than at the first place its words appear.
pub fn value_span(text: &str, path: &[&str]) -> Option<std::ops::Range<usize>> {
    use serde_saphyr::granit_parser::{Event, Parser};
    enum Frame {
        Map { next_is_key: bool, key: String },
        Seq { index: usize },
    }
    let at = |m: &serde_saphyr::granit_parser::Marker| m.byte_offset().unwrap_or(m.index()).min(text.len());
    let mut frames: Vec<Frame> = Vec::new();
    // The path of the node each open frame belongs to.
    let mut here: Vec<String> = Vec::new();
    // Depth of the collection that is the target, once found; and its start.
    let mut found: Option<(usize, usize)> = None;
    for item in Parser::new_from_str(text) {
        let Ok((event, span)) = item else { return None };
        let is_node = matches!(
            event,
            Event::Scalar(..) | Event::SequenceStart(..) | Event::MappingStart(..) | Event::Alias(_)
        );
        if is_node && found.is_none() {
            // Where this node sits: a key, or the value at `here` + its slot.
            let slot = match frames.last_mut() {
                Some(Frame::Map { next_is_key, key }) => {
                    let is_key = *next_is_key;
                    *next_is_key = !is_key;
                    if is_key {
                        if let Event::Scalar(k, ..) = &event {
                            *key = k.to_string();
                        }
                        None
                    } else {
                        Some(key.clone())
                    }
                }
                Some(Frame::Seq { index }) => {
                    *index += 1;
                    Some((*index - 1).to_string())
                }
                None => Some(String::new()),
            };
            if let Some(slot) = slot {
                let depth = frames.len();
                let node_path: Vec<&str> = here
                    .iter()
                    .map(String::as_str)
                    .chain(std::iter::once(slot.as_str()))
                    .skip(1)
                    .collect();
                let is_target = depth > 0 && node_path == path || depth == 0 && path.is_empty();
                let opens = matches!(event, Event::SequenceStart(..) | Event::MappingStart(..));
                if is_target {
                    if !opens {
                        return Some(at(&span.start)..at(&span.end));
                    }
                    found = Some((depth, at(&span.start)));
                }
                if opens {
                    here.push(slot);
                }
            } else if matches!(event, Event::SequenceStart(..) | Event::MappingStart(..)) {
                // A collection as a key: keep `here` in step with the frames.
                here.push(String::new());
            }
        } else if is_node && matches!(event, Event::SequenceStart(..) | Event::MappingStart(..)) {
            here.push(String::new());
        }
        match event {
            Event::SequenceStart(..) => frames.push(Frame::Seq { index: 0 }),
            Event::MappingStart(..) => frames.push(Frame::Map {
                next_is_key: true,
                key: String::new(),
            }),
            Event::SequenceEnd | Event::MappingEnd => {
                frames.pop();
                here.pop();
                if let Some((depth, start)) = found
                    && frames.len() == depth
                {
                    return Some(start..at(&span.end));
                }
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_keep_their_types() {
        let v =
            value_from_str("a: 1\nb: 1.5\nc: x\nd: true\ne: null\nf: 2025-01-01\ng: [1, two]\nh: {k: v}\n").unwrap();
        assert_eq!(v["a"], serde_json::json!(1));
        assert_eq!(v["b"], serde_json::json!(1.5));
        assert_eq!(v["c"], serde_json::json!("x"));
        assert_eq!(v["d"], serde_json::json!(true));
        assert_eq!(v["e"], Value::Null);
        assert_eq!(v["f"], serde_json::json!("2025-01-01"));
        let w = value_from_str("a: yes\nb: no\nc: on\nd: 007\ne: 1_000\nf: True\ng: 0x1F\n").unwrap();
        assert_eq!(
            w,
            serde_json::json!({"a": "yes", "b": "no", "c": "on", "d": "007", "e": "1_000", "f": true, "g": 31})
        );
        let e = value_from_str("a: 1\na: 2\n").unwrap_err();
        assert_eq!((e.message.as_str(), e.line), ("duplicate mapping key: a", 2));
        assert_eq!(scalar_text(&v["g"]), "[1, two]");
        assert_eq!(scalar_text(&v["h"]), "{k: v}");
    }

    #[test]
    fn errors_have_a_position() {
        #[derive(serde::Deserialize, Debug)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct S {
            id: String,
            n: u32,
        }
        let e = from_str::<S>("id: x\nnn: 3\n").unwrap_err();
        eprintln!("{e:?}");
        assert_eq!((e.line, e.column), (2, 1));
        let e = from_str::<S>("id: x\nn: three\n").unwrap_err();
        eprintln!("{e:?}");
        assert_eq!(e.line, 2);
        let e = from_str::<S>("id: [x\nn: 3\n").unwrap_err();
        eprintln!("{e:?}");
        assert!(e.line > 0);
    }

    #[test]
    fn bombs_and_depth_are_refused() {
        let mut yaml = String::from("a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for n in b'b'..=b'z' {
            let prev = (n - 1) as char;
            let n = n as char;
            yaml.push_str(&format!("{n}: &{n} [{}]\n", vec![format!("*{prev}"); 9].join(",")));
        }
        let e = value_from_str(&yaml).unwrap_err();
        assert!(e.message.contains("alias"), "{e}");
        let deep = format!("a: {}{}\n", "[".repeat(100_000), "]".repeat(100_000));
        let e = value_from_str(&deep).unwrap_err();
        assert!(
            e.message.contains("nesting") || e.message.contains("recursion limit"),
            "{e}"
        );
    }

    #[test]
    fn the_deepest_document_accepted_parses_on_a_small_stack() {
        let n = MAX_DEPTH;
        let flow = format!("{}{}", "[".repeat(n), "]".repeat(n));
        let block: String = (0..n).map(|i| format!("{}k:\n", "  ".repeat(i))).collect();
        let maps = format!("{}1{}", "{k: ".repeat(n), "}".repeat(n - 1) + "}");
        for text in [flow, block, maps] {
            let parsed = std::thread::Builder::new()
                .stack_size(2 << 20)
                .spawn(move || value_from_str(&text).map(|_| ()))
                .unwrap()
                .join();
            assert!(matches!(parsed, Ok(Ok(()))), "{parsed:?}");
        }
        let deeper: String = (0..=n).map(|i| format!("{}k:\n", "  ".repeat(i))).collect();
        let e = value_from_str(&deeper).unwrap_err();
        assert_eq!(e.message, format!("nesting deeper than {MAX_DEPTH} levels"));
        let deeper = format!("{}{}", "[".repeat(n + 1), "]".repeat(n + 1));
        let e = value_from_str(&deeper).unwrap_err();
        assert!(e.message.starts_with("nesting deeper than 64 levels"), "{e}");
        assert_eq!((e.line, e.column), (1, n + 1));
    }

    #[test]
    fn each_limit_holds_at_its_edge() {
        let two_mib = format!("a: {}\n", "x".repeat(2 << 20));
        let e = check_bounds_within(&two_mib, 1 << 20, 8, 1 << 20).unwrap_err();
        assert_eq!(e.message, "3 MiB of YAML; the limit is 1 MiB");
        assert_eq!(e.offset(&two_mib), 0);
        assert!(check_bounds_within(&two_mib, 4 << 20, 8, 1 << 20).is_ok());
        let deep = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        assert!(check_bounds_within(&deep(8), 1 << 20, 8, 1 << 20).is_ok());
        let e = check_bounds_within(&deep(9), 1 << 20, 8, 1 << 20).unwrap_err();
        assert_eq!((e.line, e.column), (1, 9));
        // One alias of a 100-item list grows the document by about 100 nodes.
        let list = format!("a: &a [{}]\nb: *a\n", vec!["1"; 100].join(","));
        assert!(check_bounds_within(&list, 1 << 20, 8, 100 * (NODE_WEIGHT + 1) + 2 * NODE_WEIGHT).is_ok());
        let e = check_bounds_within(&list, 1 << 20, 8, 100 * NODE_WEIGHT).unwrap_err();
        assert_eq!((e.line, e.column), (2, 4));
        // Nested aliases count what they repeat, expanded.
        let nested = format!("{list}c: [*a, *a]\nd: [*c, *c]\n").replace("c: [", "c: &c [");
        let one = 100 * (NODE_WEIGHT + 1) + NODE_WEIGHT;
        // b: one; c: two; d: twice c (two and its own node).
        let total = one + 2 * one + 2 * (2 * one + NODE_WEIGHT);
        assert!(check_bounds_within(&nested, 1 << 20, 8, total).is_ok());
        assert!(check_bounds_within(&nested, 1 << 20, 8, total - 1).is_err());
    }

    #[test]
    fn value_spans_follow_keys_and_indices() {
        let text = "title: a\ncheck:\n  plan:\n    let:\n      dated: { rows: { from: x } }\n      n: count(dated)\n    findings:\n      - from: dated\n        message: hi\n";
        let at = |p: &[&str]| value_span(text, p).map(|r| &text[r]);
        assert_eq!(at(&["title"]), Some("a"));
        assert_eq!(at(&["check", "plan", "let", "dated"]), Some("{ rows: { from: x } }"));
        assert_eq!(at(&["check", "plan", "let", "dated", "rows", "from"]), Some("x"));
        assert_eq!(at(&["check", "plan", "let", "n"]), Some("count(dated)"));
        assert_eq!(at(&["check", "plan", "findings", "0", "message"]), Some("hi"));
        assert!(
            at(&["check", "plan", "findings", "0"])
                .unwrap()
                .starts_with("from: dated")
        );
        assert_eq!(at(&["check", "plan", "let", "missing"]), None);
        assert_eq!(at(&["title", "x"]), None);
    }

    #[test]
    fn sections_span_the_top_level_values() {
        let text = "id: X\nreferences:\n  - weight: no\ncheck:\n  rows: { weight: 1 }\n\"quoted\": [1]\n";
        let s = sections(text);
        let keys: Vec<&str> = s.iter().map(|s| s.key.as_str()).collect();
        assert_eq!(keys, ["id", "references", "check", "quoted"]);
        assert_eq!(&text[s[0].key_at..s[0].key_at + 2], "id");
        assert_eq!(&text[s[0].value.clone()], "X\n");
        assert!(text[s[2].value.clone()].starts_with("rows: { weight: 1 }"));
        assert_eq!(&text[s[3].key_at..s[3].key_at + 8], "\"quoted\"");
        assert!(sections("[1, 2]").is_empty());
        assert!(sections("").is_empty());
    }
}
