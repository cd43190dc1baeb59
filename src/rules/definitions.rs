//! Named conditions a pack's rules share, in one file per pack
//! (`definitions.yaml`): what a program budget line is is said once, and
//! every rule that asks writes `where: { is: program_line }`.
//!
//! A definition is expanded into the rule's plan when the rule loads, before
//! it is compiled, so it is checked against the fields of the rows it filters
//! there, its words are read through vocabularies as if written inline, and
//! a rule's hash covers the definitions it uses.

use super::format::RawCondition;
use super::load::{built_in_text, default_pack_dir, read_text};
use super::plan::format::{RawComputed, RawPlan, RawStep};
use super::validate::find_key;
use crate::error::{ErrorCode, Problem, Problems, SourceFile};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::PathBuf;

pub const FILE_NAME: &str = "definitions.yaml";

/// How deep definitions may refer to definitions: deeper is taken for a loop.
const MAX_DEPTH: usize = 16;

/// How many named conditions one plan may expand: a stranger's pack whose
/// definitions each use the next several times must not grow a plan without bound.
const MAX_EXPANSIONS: usize = 1_000;

/// One named condition as written in `definitions.yaml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDefinition {
    /// What the condition picks out, for a reader of the rules.
    pub description: String,
    #[serde(rename = "where")]
    pub condition: RawCondition,
}

/// The definitions of every loaded pack, by name.
pub type Definitions = BTreeMap<String, RawDefinition>;

/// Parses a pack's `definitions.yaml`.
pub fn parse(text: &str) -> Result<Definitions, crate::yaml::Error> {
    if text.trim().is_empty() {
        return Ok(Definitions::new());
    }
    crate::yaml::from_str(text)
}

/// Every loaded pack's `definitions.yaml` (the default pack's always, as for
/// vocabularies: another pack's rules may use its definitions), and the
/// conditions in force for the pack hash (not the files they came from). A
/// name two packs define differently is an error.
pub(super) fn load(dirs: &[PathBuf], problems: &mut Problems) -> (Definitions, Vec<String>) {
    let mut defs = Definitions::new();
    let mut from: BTreeMap<String, PathBuf> = BTreeMap::new();
    let default_dir = default_pack_dir();
    let extra = (!dirs.contains(&default_dir)).then_some(&default_dir);
    for dir in extra.into_iter().chain(dirs) {
        let path = dir.join(FILE_NAME);
        let text = match built_in_text(&path) {
            Some(t) => t.to_string(),
            None if *dir == default_dir || !path.is_file() => continue,
            None => match read_text(&path) {
                Ok(t) => t,
                Err(e) => {
                    problems.push(
                        Problem::new(ErrorCode::RulesRead, format!("cannot read definitions: {e}")).in_file(&path),
                    );
                    continue;
                }
            },
        };
        let src = SourceFile::new(path.display().to_string(), text.clone());
        match parse(&text) {
            Ok(parsed) => {
                for (name, def) in parsed {
                    // The same definition read twice (the built-in pack and its
                    // source folder) is one definition.
                    let same = defs
                        .get(&name)
                        .is_some_and(|d| condition_text(d) == condition_text(&def));
                    if same {
                        continue;
                    }
                    if let Some(first) = from.get(&name).filter(|f| **f != path) {
                        problems.push(
                            Problem::new(
                                ErrorCode::RulesVocabularies,
                                format!("definition `{name}` is defined differently by two packs"),
                            )
                            .at(
                                &src,
                                find_key(&text, &name),
                                name.len(),
                                format!("also in {}", first.display()),
                            )
                            .help("packs share their definitions: rename yours (a rule of yours may use the other)"),
                        );
                        continue;
                    }
                    from.insert(name.clone(), path.clone());
                    defs.insert(name, def);
                }
            }
            Err(e) => {
                let msg = e.to_string();
                problems.push(
                    Problem::new(
                        ErrorCode::RulesVocabularies,
                        format!("`{}` is not a valid definitions file", path.display()),
                    )
                    .at(&src, e.offset(&src.text), 1, crate::error::short_serde_reason(&msg))
                    .help("each definition is `name: { description: ..., where: { field: ..., ... } }`"),
                );
            }
        }
    }
    let in_force = defs
        .iter()
        .map(|(n, d)| format!("{n}: {}", condition_text(d)))
        .collect();
    (defs, in_force)
}

fn condition_text(d: &RawDefinition) -> String {
    serde_json::to_string(&d.condition).unwrap_or_default()
}

/// A definition a plan uses, as it read when the rule loaded.
#[derive(Debug, Clone, PartialEq)]
pub struct Used {
    pub name: String,
    pub description: String,
    /// The condition, serialised: part of the rule's hash.
    pub condition: String,
}

/// The definitions named in `used`, as the plan uses them.
pub(super) fn used(names: &[String], defs: &Definitions) -> Vec<Used> {
    names
        .iter()
        .filter_map(|n| defs.get(n).map(|d| (n, d)))
        .map(|(n, d)| Used {
            name: n.clone(),
            description: d.description.trim().to_string(),
            condition: condition_text(d),
        })
        .collect()
}

/// Why a plan's `is:` could not be expanded, and the text to point at.
#[derive(Debug, Clone, PartialEq)]
pub struct ExpandError {
    pub message: String,
    pub help: String,
    /// The `is:` value written in the rule.
    pub name: String,
}

/// Replaces every `is: NAME` of the plan by the named condition, in place,
/// and gives the names used (sorted, for the rule's hash); `None` when it
/// uses none. After an error the plan is half expanded: its rule is refused.
pub fn expand_plan(plan: &mut RawPlan, defs: &Definitions) -> Result<Option<Vec<String>>, ExpandError> {
    let mut uses = false;
    each_condition(plan, &mut |c| uses |= mentions_is(c));
    if !uses {
        return Ok(None);
    }
    let mut used = Vec::new();
    let mut first_error = None;
    each_condition(plan, &mut |c| {
        if first_error.is_none()
            && let Err(e) = expand(c, defs, &mut Vec::new(), &mut used)
        {
            first_error = Some(e);
        }
    });
    if let Some(e) = first_error {
        return Err(e);
    }
    used.sort();
    used.dedup();
    Ok(Some(used))
}

fn mentions_is(c: &RawCondition) -> bool {
    c.is.is_some() || c.all.iter().chain(&c.any).flatten().any(mentions_is) || c.not.as_deref().is_some_and(mentions_is)
}

fn expand(
    c: &mut RawCondition,
    defs: &Definitions,
    chain: &mut Vec<String>,
    used: &mut Vec<String>,
) -> Result<(), ExpandError> {
    if let Some(name) = c.is.take() {
        let alone = serde_json::to_value(&*c).ok() == serde_json::to_value(RawCondition::default()).ok();
        if !alone {
            return Err(ExpandError {
                message: format!("`is: {name}` stands alone in its condition"),
                help: format!("to add a test beside it, write `all: [{{ is: {name} }}, {{ field: ..., ... }}]`"),
                name,
            });
        }
        if chain.contains(&name) || chain.len() >= MAX_DEPTH {
            chain.push(name.clone());
            return Err(ExpandError {
                message: format!("definitions refer to each other in a loop: {}", chain.join(" -> ")),
                help: format!("a definition in {FILE_NAME} may use another, but not itself"),
                name,
            });
        }
        let Some(def) = defs.get(&name) else {
            let known: Vec<&str> = defs.keys().map(String::as_str).collect();
            return Err(ExpandError {
                message: format!("no definition named `{name}`"),
                help: if known.is_empty() {
                    format!("no pack has a {FILE_NAME}: define the condition there, or write it inline")
                } else {
                    format!(
                        "{} (definitions live in the pack's {FILE_NAME})",
                        crate::error::suggest(&name, &known)
                    )
                },
                name,
            });
        };
        used.push(name.clone());
        if used.len() > MAX_EXPANSIONS {
            return Err(ExpandError {
                message: format!("the plan's definitions expand to more than {MAX_EXPANSIONS} conditions"),
                help: "a definition that uses another many times multiplies it: use it once, inside `any:` or `all:`"
                    .into(),
                name,
            });
        }
        *c = def.condition.clone();
        chain.push(name);
        let expanded = expand(c, defs, chain, used);
        chain.pop();
        return expanded;
    }
    for sub in c.all.iter_mut().chain(c.any.iter_mut()).flatten() {
        expand(sub, defs, chain, used)?;
    }
    if let Some(not) = c.not.as_deref_mut() {
        expand(not, defs, chain, used)?;
    }
    Ok(())
}

/// Calls `f` on every top-level condition of a plan (and of its parts): each
/// `where`, and a group's `any` and `none`.
fn each_condition(plan: &mut RawPlan, f: &mut dyn FnMut(&mut RawCondition)) {
    for step in plan.lets.values_mut() {
        let RawStep::Step(m) = step else { continue };
        if let Some(r) = &mut m.rows {
            r.filter.iter_mut().for_each(&mut *f);
            for computed in r.with.values_mut() {
                if let RawComputed::Related(l) = computed {
                    for a in [&mut l.count, &mut l.sum, &mut l.avg, &mut l.min, &mut l.max]
                        .into_iter()
                        .flatten()
                    {
                        a.filter.iter_mut().for_each(&mut *f);
                    }
                }
            }
        }
        for a in [
            &mut m.count,
            &mut m.sum,
            &mut m.avg,
            &mut m.min,
            &mut m.max,
            &mut m.distinct,
            &mut m.median,
        ]
        .into_iter()
        .flatten()
        {
            a.filter.iter_mut().for_each(&mut *f);
        }
        if let Some(mo) = &mut m.months {
            mo.filter.iter_mut().for_each(&mut *f);
        }
        if let Some(g) = &mut m.groups {
            g.any.iter_mut().chain(g.none.iter_mut()).for_each(&mut *f);
            for a in g.lets.values_mut() {
                for field in [&mut a.count, &mut a.sum, &mut a.avg, &mut a.min, &mut a.max]
                    .into_iter()
                    .flatten()
                {
                    field.filter.iter_mut().for_each(&mut *f);
                }
                if let Some(first) = &mut a.first {
                    first.filter.iter_mut().for_each(&mut *f);
                }
                if let Some(list) = &mut a.list {
                    list.filter.iter_mut().for_each(&mut *f);
                }
            }
        }
    }
    for part in plan.parts.iter_mut().flatten() {
        each_condition(part, f);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defs(text: &str) -> Definitions {
        parse(text).unwrap()
    }

    fn plan(text: &str) -> RawPlan {
        crate::yaml::from_str(text).unwrap()
    }

    const DEFS: &str = "overhead_line:\n  description: People, tools and agencies.\n  where: { any: [{ field: category, in_vocab: overhead_budget }, { field: purpose, in_vocab: overhead_budget }] }\nprogram_line:\n  description: Not overhead.\n  where: { not: { is: overhead_line } }\n";

    #[test]
    fn a_name_is_replaced_by_its_condition_everywhere_it_is_used() {
        let mut expanded = plan(
            "let:\n  programs: { rows: { from: budget, where: { is: program_line } } }\n  spend: { sum: { from: budget, field: amount, where: { all: [{ is: overhead_line }, { field: amount, gt: 0 }] } } }\n",
        );
        let used = expand_plan(&mut expanded, &defs(DEFS)).unwrap().unwrap();
        assert_eq!(used, ["overhead_line", "program_line"]);
        // Written inline, the same plan serialises to the same value.
        let inline = plan(
            "let:\n  programs: { rows: { from: budget, where: { not: { any: [{ field: category, in_vocab: overhead_budget }, { field: purpose, in_vocab: overhead_budget }] } } } }\n  spend: { sum: { from: budget, field: amount, where: { all: [{ any: [{ field: category, in_vocab: overhead_budget }, { field: purpose, in_vocab: overhead_budget }] }, { field: amount, gt: 0 }] } } }\n",
        );
        assert_eq!(
            serde_json::to_value(&expanded).unwrap(),
            serde_json::to_value(&inline).unwrap()
        );
    }

    #[test]
    fn a_plan_without_is_is_left_as_it_is() {
        let mut p = plan("let:\n  all_lines: { rows: { from: budget } }\n");
        let before = serde_json::to_value(&p).unwrap();
        assert_eq!(expand_plan(&mut p, &defs(DEFS)).unwrap(), None);
        assert_eq!(serde_json::to_value(&p).unwrap(), before);
    }

    #[test]
    fn an_unknown_name_a_loop_and_a_test_beside_is_are_refused() {
        let mut unknown = plan("let:\n  x: { rows: { from: budget, where: { is: overhead_lines } } }\n");
        let e = expand_plan(&mut unknown, &defs(DEFS)).unwrap_err();
        assert_eq!(e.message, "no definition named `overhead_lines`");
        assert!(e.help.contains("did you mean `overhead_line`?"), "{}", e.help);

        let looped =
            defs("a:\n  description: x\n  where: { is: b }\nb:\n  description: y\n  where: { not: { is: a } }\n");
        let mut p = plan("let:\n  x: { rows: { from: budget, where: { is: a } } }\n");
        let e = expand_plan(&mut p, &looped).unwrap_err();
        assert_eq!(e.message, "definitions refer to each other in a loop: a -> b -> a");

        let mut beside =
            plan("let:\n  x: { rows: { from: budget, where: { is: overhead_line, field: amount, gt: 0 } } }\n");
        let e = expand_plan(&mut beside, &defs(DEFS)).unwrap_err();
        assert_eq!(e.message, "`is: overhead_line` stands alone in its condition");
    }

    #[test]
    fn definitions_that_multiply_each_other_stop_at_a_bound() {
        // Each level uses the next four times: 4^8 conditions if expanded.
        let text: String = (0..8)
            .map(|i| format!("d{i}:\n  description: x\n  where: {{ any: [{{ is: d{n} }}, {{ is: d{n} }}, {{ is: d{n} }}, {{ is: d{n} }}] }}\n", n = i + 1))
            .chain(["d8:\n  description: x\n  where: { field: category, present: true }\n".to_string()])
            .collect();
        let mut p = plan("let:\n  x: { rows: { from: budget, where: { is: d0 } } }\n");
        let e = expand_plan(&mut p, &defs(&text)).unwrap_err();
        assert_eq!(e.message, "the plan's definitions expand to more than 1000 conditions");
    }

    #[test]
    fn conditions_inside_parts_and_group_lets_are_expanded() {
        let mut expanded = plan(
            "parts:\n  - let:\n      g: { groups: { from: budget, by: category, any: { is: overhead_line }, let: { n: { count: { where: { is: program_line } } } } } }\n",
        );
        expand_plan(&mut expanded, &defs(DEFS)).unwrap().unwrap();
        let text = serde_json::to_string(&expanded).unwrap();
        assert!(!text.contains("\"is\":\""), "{text}");
        assert_eq!(text.matches("overhead_budget").count(), 4, "{text}");
    }
}
