//! Where things are written in a YAML text (top-level sections, the value
//! at a key path), for pointing a diagnostic at the right bytes.

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
