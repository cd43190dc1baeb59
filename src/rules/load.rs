//! Reads rule packs: every `*.yaml` under the given folders becomes a `Rule`
//! after validation. All problems in all files are gathered before failing,
//! each pointing at the line in the rule file (or script) at fault.

use super::format::RawRule;
use super::validate::{find_key, validate};
use super::vocab::{Vocabularies, Vocabulary};
use super::{Rule, RulePack};
use crate::error::ErrorCode;
use crate::error::{Problem, Problems, SourceFile};
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The name the default pack goes by: its files are built into the binary
/// (build.rs) and read from there, so it needs no source tree and cannot be
/// replaced by a folder that happens to be called `rules`.
pub const DEFAULT_PACK: &str = "(default pack)";

mod hash;
use hash::pack_hash;
pub(in crate::rules) use hash::rule_hash;
mod shared_script;
use shared_script::load_shared_script;

mod built_in {
    include!(concat!(env!("OUT_DIR"), "/default_pack.rs"));
}

/// The folder name standing for the default pack in `--rules` lists.
pub fn default_pack_dir() -> PathBuf {
    PathBuf::from(DEFAULT_PACK)
}

/// The text of a default-pack file, by its path under [`DEFAULT_PACK`].
pub(super) fn built_in_text(path: &Path) -> Option<&'static str> {
    let rel = path.strip_prefix(DEFAULT_PACK).ok()?;
    let rel: Vec<_> = rel.components().map(|c| c.as_os_str().to_string_lossy()).collect();
    let rel = rel.join("/");
    built_in::FILES.iter().find(|(p, _)| *p == rel).map(|(_, text)| *text)
}

/// The length of a rule file's text, from the built-in pack or the disk (0
/// when it cannot be read: its reading reports why).
fn text_len(path: &Path) -> usize {
    built_in_text(path).map_or_else(
        || std::fs::metadata(path).map_or(0, |m| usize::try_from(m.len()).unwrap_or(usize::MAX)),
        str::len,
    )
}

/// A rule or script file's text, from the built-in pack or the disk.
pub(super) fn read_text(path: &Path) -> std::io::Result<String> {
    match built_in_text(path) {
        Some(text) => Ok(text.to_string()),
        None => std::fs::read_to_string(path),
    }
}

/// The rules of a run and what the user should know about how they combined.
#[derive(Debug, Default, Clone)]
pub struct LoadedRules {
    pub pack: RulePack,
    /// e.g. "rule CRED-001 from custom/ overrides the one from rules/".
    pub notes: Vec<String>,
}

/// Loads every rule under `dirs`, in order: a rule in a later folder replaces
/// a rule with the same id from an earlier one.
pub fn load_rule_dirs(dirs: &[PathBuf]) -> Result<LoadedRules, Problems> {
    load_dirs(dirs, true)
}

/// [`load_rule_dirs`] for an audit: the rules' inline tests are not parsed
/// (they are most of a rule file's text, and an audit never runs them).
pub fn load_rule_dirs_for_audit(dirs: &[PathBuf]) -> Result<LoadedRules, Problems> {
    load_dirs(dirs, false)
}

/// The text with a top-level `tests:` block cut down to its line breaks:
/// every line keeps its number and every line after the block its columns,
/// so the positions the parser reports are still right (the blanks the
/// parser would have skipped were a tenth of its time).
fn without_tests(text: &str) -> std::borrow::Cow<'_, str> {
    let Some(start) = text
        .match_indices("tests:")
        .map(|(i, _)| i)
        .find(|i| *i == 0 || text.as_bytes()[i - 1] == b'\n')
    else {
        return std::borrow::Cow::Borrowed(text);
    };
    // The block runs to the next line that starts a top-level key.
    let mut end = text.len();
    let mut at = start;
    for (n, line) in text[start..].split_inclusive('\n').enumerate() {
        let first = line.as_bytes().first().copied().unwrap_or(b' ');
        if n > 0 && !matches!(first, b' ' | b'\t' | b'\n' | b'\r' | b'#' | b'-') {
            end = at;
            break;
        }
        at += line.len();
    }
    let mut out = String::with_capacity(text.len());
    out.push_str(&text[..start]);
    out.extend(std::iter::repeat_n('\n', text[start..end].matches('\n').count()));
    out.push_str(&text[end..]);
    std::borrow::Cow::Owned(out)
}

fn load_dirs(dirs: &[PathBuf], with_tests: bool) -> Result<LoadedRules, Problems> {
    let mut problems = Problems::default();
    // Vocabularies and definitions before the rules, which use them: read
    // side by side, with the bundle schema every rule is checked against
    // (each was a stretch of the load with one thread busy).
    let ((vocabularies, vocab_problems), ((definitions, definition_texts), definition_problems)) = rayon::join(
        || {
            let mut problems = Problems::default();
            (load_all_vocabularies(dirs, &mut problems), problems)
        },
        || {
            crate::bundle::schema::Schema::get();
            let mut problems = Problems::default();
            (super::definitions::load(dirs, &mut problems), problems)
        },
    );
    problems.extend(vocab_problems);
    problems.extend(definition_problems);
    // Shared scripts' texts, for the pack hash.
    let mut pack_texts = Vec::new();
    let vocab_names: BTreeSet<String> = vocabularies.keys().cloned().collect();
    pack_texts.extend(definition_texts);
    let mut by_id: BTreeMap<String, (Rule, usize)> = BTreeMap::new();
    let mut notes = Vec::new();
    for (pack_index, dir) in dirs.iter().enumerate() {
        if *dir != default_pack_dir() && !dir.is_dir() {
            problems.push(
                Problem::new(
                    ErrorCode::RulesNotFound,
                    format!("rule folder `{}` does not exist", dir.display()),
                )
                .help("pass a folder of rule files with --rules (the default pack is built in and always loaded, unless --no-default-rules)"),
            );
            continue;
        }
        let mut seen_here: BTreeMap<String, PathBuf> = BTreeMap::new();
        let shared = load_shared_script(dir, &mut problems);
        if let Some((text, _)) = &shared {
            pack_texts.push(text.clone());
        }
        let shared = shared.map(|(_, ast)| ast);
        // Files parse and compile in parallel, the longest first (so no long
        // one is left to a thread alone at the end); their problems and
        // rules are taken in file order, so the result does not depend on
        // threads.
        let files = rule_files(dir, &mut problems);
        let mut longest_first: Vec<usize> = (0..files.len()).collect();
        longest_first.sort_by_key(|i| std::cmp::Reverse(text_len(&files[*i])));
        let mut loaded: Vec<(usize, PathBuf, Option<Rule>, Problems)> = longest_first
            .into_par_iter()
            .map(|i| {
                let path = files[i].clone();
                let mut file_problems = Problems::default();
                let context = PackContext {
                    vocabs: &vocab_names,
                    definitions: &definitions,
                    shared: shared.as_ref(),
                    with_tests,
                };
                let rule = load_rule_file(dir, &path, &context, &mut file_problems);
                (i, path, rule, file_problems)
            })
            .collect();
        loaded.sort_by_key(|(i, ..)| *i);
        for (_, path, rule, file_problems) in loaded {
            problems.extend(file_problems);
            let Some(rule) = rule else {
                continue;
            };
            if let Some(first) = seen_here.get(&rule.id) {
                let at = find_key(&rule.source.text, "id");
                problems.push(
                    Problem::new(
                        ErrorCode::RulesDuplicateId,
                        format!("rule id `{}` is defined twice in `{}`", rule.id, dir.display()),
                    )
                    .at(&rule.source, at, 3, format!("first defined in {}", first.display()))
                    .help("ids must be unique within a pack; rename one (ids default to the file name)"),
                );
                continue;
            }
            seen_here.insert(rule.id.clone(), path.clone());
            if let Some((old, old_pack)) = by_id.get(&rule.id)
                && *old_pack != pack_index
            {
                notes.push(format!(
                    "rule {} from {} overrides the one from {}",
                    rule.id,
                    rule.path.display(),
                    old.path.display()
                ));
            }
            by_id.insert(rule.id.clone(), (rule, pack_index));
        }
    }
    let rules: Vec<Rule> = by_id.into_values().map(|(r, _)| r).collect();
    // The words in force, not the files they came from: the same vocabulary
    // read twice (the built-in pack and its source folder) hashes the same.
    for (name, v) in &vocabularies {
        let mut terms: Vec<String> = v.normalized().iter().cloned().collect();
        terms.sort();
        pack_texts.push(format!("{name}: {}", terms.join("|")));
    }
    let hash = pack_hash(&rules, &pack_texts);
    problems.into_result(LoadedRules {
        pack: RulePack {
            rules,
            hash,
            vocabularies,
            dirs: dirs.iter().map(|d| d.display().to_string()).collect(),
        },
        notes,
    })
}

/// Every pack's vocabularies, merged: the default pack's words are there for
/// every pack, with or without its rules, and a later pack adds words to a
/// vocabulary of the same name.
fn load_all_vocabularies(dirs: &[PathBuf], problems: &mut Problems) -> Vocabularies {
    let mut vocabularies = Vocabularies::new();
    let default_dir = default_pack_dir();
    let vocab_dirs = (!dirs.contains(&default_dir)).then_some(&default_dir);
    for dir in vocab_dirs.into_iter().chain(dirs) {
        if let Some((_, raw)) = load_vocabularies(dir, problems) {
            for (name, v) in raw {
                match vocabularies.get_mut(&name) {
                    // A later pack adds words to a vocabulary of the same name.
                    Some(existing) => Arc::make_mut(existing).extend(&v.terms),
                    None => {
                        let mut vocabulary = Vocabulary::new(v.description, v.terms);
                        vocabulary.describes = v.describes;
                        vocabulary.formerly = v.formerly;
                        vocabularies.insert(name, Arc::new(vocabulary));
                    }
                }
            }
        }
    }
    vocabularies
}

/// The pack's `vocabularies.yaml`, if it has one: its text (for the pack
/// hash) and its vocabularies.
fn load_vocabularies(
    dir: &Path,
    problems: &mut Problems,
) -> Option<(String, BTreeMap<String, super::vocab::RawVocabulary>)> {
    let path = dir.join(super::vocab::FILE_NAME);
    if built_in_text(&path).is_none() && (*dir == default_pack_dir() || !path.is_file()) {
        return None;
    }
    let text = match read_text(&path) {
        Ok(t) => t,
        Err(e) => {
            problems.push(Problem::new(ErrorCode::RulesRead, format!("cannot read vocabularies: {e}")).in_file(&path));
            return None;
        }
    };
    let src = SourceFile::new(path.display().to_string(), text.clone());
    match super::vocab::parse(&text) {
        Ok(v) => Some((text, v)),
        Err(e) => {
            let msg = e.to_string();
            let at = e.offset(&src.text);
            problems.push(
                Problem::new(
                    ErrorCode::RulesVocabularies,
                    format!("`{}` is not a valid vocabulary file", path.display()),
                )
                .at(&src, at, 1, crate::error::short_serde_reason(&msg))
                .help("each vocabulary is `name: { description: ..., terms: [...] }`"),
            );
            None
        }
    }
}

/// Whether a file in a pack is a rule (not the pack's vocabularies).
fn is_rule_file(dir: &Path, path: &Path) -> bool {
    path != dir.join(super::vocab::FILE_NAME) && path != dir.join(super::definitions::FILE_NAME)
}

fn rule_files(dir: &Path, problems: &mut Problems) -> Vec<PathBuf> {
    if *dir == default_pack_dir() {
        return built_in::FILES
            .iter()
            .filter(|(p, _)| {
                (p.ends_with(".yaml") || p.ends_with(".yml"))
                    && *p != super::vocab::FILE_NAME
                    && *p != super::definitions::FILE_NAME
            })
            .map(|(p, _)| dir.join(p))
            .collect();
    }
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(dir).follow_links(false).sort_by_file_name() {
        match entry {
            Ok(e) if e.file_type().is_file() => {
                let ext = e.path().extension().map(|x| x.to_string_lossy().to_lowercase());
                if matches!(ext.as_deref(), Some("yaml" | "yml")) && is_rule_file(dir, e.path()) {
                    files.push(e.into_path());
                }
            }
            Ok(_) => {}
            Err(e) => problems.push(Problem::new(
                ErrorCode::RulesWalk,
                format!("cannot read rule folder: {e}"),
            )),
        }
    }
    files
}

/// What every rule of a pack may use besides its own file.
pub(super) struct PackContext<'a> {
    pub(super) vocabs: &'a BTreeSet<String>,
    /// The named conditions of every loaded pack's `definitions.yaml`.
    pub(super) definitions: &'a super::definitions::Definitions,
    /// The functions of the pack's `shared.rhai`.
    pub(super) shared: Option<&'a rhai::AST>,
    /// Whether to read the rules' inline tests.
    pub(super) with_tests: bool,
}

fn load_rule_file(pack_dir: &Path, path: &Path, context: &PackContext<'_>, problems: &mut Problems) -> Option<Rule> {
    let text = match read_text(path) {
        Ok(t) => t,
        Err(e) => {
            problems.push(Problem::new(ErrorCode::RulesRead, format!("cannot read rule file: {e}")).in_file(path));
            return None;
        }
    };
    let src = SourceFile::new(path.display().to_string(), text);
    let parsed = if context.with_tests {
        std::borrow::Cow::Borrowed(&src.text[..])
    } else {
        without_tests(&src.text)
    };
    let raw: RawRule = match crate::yaml::from_str(&parsed) {
        Ok(r) => r,
        Err(e) => {
            let msg = e.to_string();
            let reason = crate::error::short_serde_reason(&msg);
            let at = e.offset(&src.text);
            let mut p = Problem::new(
                ErrorCode::RulesParse,
                format!("`{}` is not a valid rule", path.display()),
            )
            .at(&src, at, 1, reason);
            p = match crate::error::unknown_key_help(&msg) {
                Some(h) => p.help(h),
                None => p.help("`mktaudit docs rules` describes the rule format; `mktaudit rules new ID --category C` writes a commented example"),
            };
            problems.push(p);
            return None;
        }
    };
    let before = problems.len();
    let rule = validate(pack_dir, path, &src, raw, context, problems);
    if problems.len() > before { None } else { rule }
}

#[cfg(test)]
mod tests {
    #[test]
    fn tests_are_cut_to_their_line_breaks() {
        let text = "id: X\ntests:\n  - name: a\n    expect: pass\n# note\ncheck: { plan: {} }\n";
        let out = super::without_tests(text);
        assert_eq!(
            out, "id: X\n\n\n\n\ncheck: { plan: {} }\n",
            "every line keeps its number"
        );
        assert_eq!(super::without_tests("id: X\nlatests: 1\n"), "id: X\nlatests: 1\n");
    }

    #[test]
    fn problems_come_in_file_order_whatever_order_the_files_are_read_in() {
        // The longest file is read first: its problem must still come last.
        let dir = tempfile::tempdir().unwrap();
        let cat = dir.path().join("credible");
        std::fs::create_dir_all(&cat).unwrap();
        std::fs::write(cat.join("A-1.yaml"), "title: short\nbogus: 1\n").unwrap();
        let long = format!("title: long\n{}bogus: 2\n", "# padding\n".repeat(500));
        std::fs::write(cat.join("B-2.yaml"), long).unwrap();
        let problems = super::load_rule_dirs(&[dir.path().to_path_buf()]).unwrap_err();
        let files: Vec<String> = problems.0.iter().filter_map(|p| p.location()).collect();
        assert_eq!(files.len(), 2, "{files:?}");
        assert!(
            files[0].contains("A-1.yaml") && files[1].contains("B-2.yaml"),
            "{files:?}"
        );
    }
}
