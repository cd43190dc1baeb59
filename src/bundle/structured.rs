//! YAML and JSON datasets: a list of records (or one record for the org
//! profile), with best-effort line numbers for evidence.

use super::Dataset;
use super::table::{DatasetBuilder, Loc};
use super::yaml_at::yaml_problem;
use crate::error::ErrorCode;
use crate::error::Problem;
use crate::value::{FieldType, Value};

pub(super) enum Structured {
    Json,
    Yaml,
}

impl DatasetBuilder<'_> {
    pub(super) fn structured(&mut self, kind: Structured) -> Option<Dataset> {
        let parsed: Result<serde_json::Value, Box<Problem>> = match kind {
            Structured::Json => serde_json::from_str(&self.src.text).map_err(|e| {
                let at = self.src.offset(e.line(), e.column());
                Box::new(
                    Problem::new(ErrorCode::BundleJson, format!("`{}` is not valid JSON", self.rel))
                        .at(&self.src, at, 1, e.to_string())
                        .help("check brackets, commas and quotes near here"),
                )
            }),
            Structured::Yaml => crate::yaml::value_from_str(&self.src.text).map_err(|e| {
                Box::new(yaml_problem(
                    ErrorCode::BundleYaml,
                    &self.src,
                    &e,
                    &format!("`{}` is not valid YAML", self.rel),
                ))
            }),
        };
        let doc = match parsed {
            Ok(d) => d,
            Err(p) => {
                self.problems.push(*p);
                return None;
            }
        };
        self.records_from(&doc, true)
    }

    /// Builds the dataset from a parsed YAML/JSON document. `locate` says
    /// whether line numbers can be found in the source text.
    pub(super) fn records_from(&mut self, doc: &serde_json::Value, locate: bool) -> Option<Dataset> {
        let items: Vec<&serde_json::Map<String, serde_json::Value>> = match doc {
            serde_json::Value::Null => Vec::new(),
            serde_json::Value::Object(m) if self.schema.single => vec![m],
            serde_json::Value::Object(m) => match wrapped_list(m, self.name) {
                Some(list) => list,
                None => {
                    self.problems.push(
                        Problem::new(
                            ErrorCode::BundleShape,
                            format!("`{}` should hold a list of `{}` records", self.rel, self.name),
                        )
                        .at(&self.src, 0, 1, "a mapping was found")
                        .help(format!(
                            "write `- {{…}}` items, or `{}:` followed by the list",
                            self.name
                        )),
                    );
                    return None;
                }
            },
            serde_json::Value::Array(a) => {
                let objects: Vec<_> = a.iter().filter_map(|v| v.as_object()).collect();
                if objects.len() != a.len() {
                    self.problems.push(
                        Problem::new(
                            ErrorCode::BundleShape,
                            format!("every item of `{}` must be a record (key: value)", self.rel),
                        )
                        .at(&self.src, 0, 1, "a list item is not a record")
                        .help("write each item as `- name: …` with one key per field"),
                    );
                    return None;
                }
                objects
            }
            _ => {
                self.problems.push(
                    Problem::new(
                        ErrorCode::BundleShape,
                        format!("`{}` holds a single value, not records", self.rel),
                    )
                    .at(&self.src, 0, 1, "here")
                    .help("`mktaudit docs bundle` gives the shape of each dataset"),
                );
                return None;
            }
        };
        let lines = if locate {
            item_lines(&self.src.text, items.len(), self.schema.single)
        } else {
            vec![0; items.len()]
        };
        let mut ds = self.empty_dataset();
        let mut keys: Vec<String> = Vec::new();
        for item in &items {
            for k in item.keys() {
                if !keys.contains(k) {
                    keys.push(k.clone());
                }
            }
        }
        let plan = self.plan(&keys, &mut ds);
        // Kept columns, and columns no rule reads whose cells can fail to
        // read (checked in a scratch column, reported as a note).
        let mut kept: Vec<(usize, String, Option<super::Column>)> = plan
            .columns
            .iter()
            .filter(|c| self.keep(&c.field) || !matches!(c.ty, FieldType::Text | FieldType::List))
            .map(|c| {
                let scratch = (!self.keep(&c.field)).then(|| super::Column::new(c.ty));
                (c.index, c.field.clone(), scratch)
            })
            .collect();
        let mut unread: Vec<super::noticed::UnreadCells> = kept.iter().map(|_| Default::default()).collect();
        for (row, item) in items.iter().enumerate() {
            let line = lines.get(row).copied().unwrap_or(0);
            for (k, (i, field, scratch)) in kept.iter_mut().enumerate() {
                let value = item.get(&keys[*i]).map_or(Value::Null, json_to_value);
                let col = match scratch {
                    Some(s) => s,
                    None => ds.columns.get_mut(field.as_str()).expect("kept fields have columns"),
                };
                if let Err(e) = col.push_value(&value) {
                    let loc = Loc::Line(line.max(1));
                    if self.reads(field) {
                        let header = keys[*i].clone();
                        self.cell_problem(loc, &value.to_text(), field, &header, &e);
                    } else {
                        unread[k].add(|| super::noticed::CellIssue {
                            loc,
                            index: *i,
                            cell: value.to_text(),
                            field: field.clone(),
                            error: e,
                        });
                    }
                }
            }
            for d in &plan.derived {
                if let Some(col) = ds.columns.get_mut(&d.field) {
                    let raw = item
                        .get(&keys[d.from_index])
                        .map_or(Value::Null, json_to_value)
                        .to_text();
                    let t = raw.trim();
                    let value = match d.map.iter().find(|(k, _)| k.eq_ignore_ascii_case(t)) {
                        _ if t.is_empty() || plan.is_null(t) => "",
                        Some((_, v)) => v.as_str(),
                        None => d.otherwise.as_str(),
                    };
                    // Derived values are checked when the mapping is read.
                    let _ = col.push_text(value);
                }
            }
            for (field, _, value, _) in &plan.constants {
                if let Some(col) = ds.columns.get_mut(field) {
                    let _ = col.push_text(value);
                }
            }
            ds.lines.push(u32::try_from(line).unwrap_or(0));
            ds.rows += 1;
        }
        for u in &unread {
            if let Some(first) = &u.first {
                let note = super::unread::note(self, first, u.count, &keys[first.index]);
                self.notes.push(note);
            }
        }
        Some(ds)
    }
}

/// `{kpis: [...]}` or any mapping with exactly one list of records.
pub(super) fn wrapped_list<'a>(
    m: &'a serde_json::Map<String, serde_json::Value>,
    name: &str,
) -> Option<Vec<&'a serde_json::Map<String, serde_json::Value>>> {
    let list = m
        .get(name)
        .or_else(|| (m.len() == 1).then(|| m.values().next()).flatten())?
        .as_array()?;
    list.iter().map(|v| v.as_object()).collect()
}

pub(super) fn json_to_value(v: &serde_json::Value) -> Value {
    match v {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => n.as_f64().map_or(Value::Null, Value::Number),
        serde_json::Value::String(s) => Value::Text(s.clone()),
        serde_json::Value::Array(a) => Value::List(
            a.iter()
                .map(|x| match x {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect(),
        ),
        serde_json::Value::Object(_) => Value::Text(v.to_string()),
    }
}

/// Best-effort first line of each top-level record in a YAML or JSON text,
/// so evidence can point at `kpis.yaml:14`. Records of a single-record file
/// start on line 1.
fn item_lines(text: &str, count: usize, single: bool) -> Vec<usize> {
    if single {
        return vec![1; count];
    }
    let trimmed = text.trim_start();
    let lines = if trimmed.starts_with('[') || trimmed.starts_with('{') {
        json_item_lines(text)
    } else {
        yaml_item_lines(text)
    };
    if lines.len() == count { lines } else { vec![0; count] }
}

fn yaml_item_lines(text: &str) -> Vec<usize> {
    let mut indent: Option<usize> = None;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let content = line.trim_start();
        if content.starts_with('#') {
            continue;
        }
        let this_indent = line.len() - content.len();
        if content == "-" || content.starts_with("- ") {
            let level = *indent.get_or_insert(this_indent);
            if this_indent == level {
                out.push(i + 1);
            }
        }
    }
    out
}

fn json_item_lines(text: &str) -> Vec<usize> {
    let mut out = Vec::new();
    let mut stack: Vec<u8> = Vec::new();
    let mut list_depth: Option<usize> = None;
    let (mut in_string, mut escaped, mut line) = (false, false, 1);
    for b in text.bytes() {
        if b == b'\n' {
            line += 1;
        }
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' => {
                stack.push(b);
                list_depth.get_or_insert(stack.len());
            }
            b'{' => {
                if Some(stack.len()) == list_depth && stack.last() == Some(&b'[') {
                    out.push(line);
                }
                stack.push(b);
            }
            b']' | b'}' => {
                stack.pop();
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_and_json_item_lines() {
        let yaml = "# KPIs\n- name: a\n  owner: x\n- name: b\n  tags:\n    - t\n";
        assert_eq!(yaml_item_lines(yaml), vec![2, 4]);
        let json = "[\n {\"name\": \"a{\"},\n {\"name\": \"b\", \"x\": {\"y\": 1}}\n]";
        assert_eq!(json_item_lines(json), vec![2, 3]);
        let wrapped = "{\"kpis\": [\n {\"a\": 1},\n {\"a\": 2}]}";
        assert_eq!(json_item_lines(wrapped), vec![2, 3]);
    }
}
