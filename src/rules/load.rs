//! Reads rule packs: every `*.yaml` under the given folders becomes a `Rule`
//! after validation. All problems in all files are gathered before failing,
//! each pointing at the line in the rule file (or script) at fault.

use super::condition::{CheckError, Condition, number_param};
use super::format::{RawCheck, RawRule, Threshold};
use super::metric::Metric;
use super::params::{ParamValues, yaml_to_value};
use super::script;
use super::vocab::{Vocabularies, Vocabulary};
use super::{Category, Check, Param, Rule, RulePack};
use crate::bundle::schema::Schema;
use crate::error::ErrorCode;
use crate::error::{Problem, Problems, SourceFile, suggest};
use crate::value::FieldType;
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The name the default pack goes by: its files are built into the binary
/// (build.rs) and read from there, so it needs no source tree and cannot be
/// replaced by a folder that happens to be called `rules`.
pub const DEFAULT_PACK: &str = "(default pack)";

mod built_in {
    include!(concat!(env!("OUT_DIR"), "/default_pack.rs"));
}

/// The folder name standing for the default pack in `--rules` lists.
pub fn default_pack_dir() -> PathBuf {
    PathBuf::from(DEFAULT_PACK)
}

/// The text of a default-pack file, by its path under [`DEFAULT_PACK`].
fn built_in_text(path: &Path) -> Option<&'static str> {
    let rel = path.strip_prefix(DEFAULT_PACK).ok()?;
    let rel: Vec<_> = rel.components().map(|c| c.as_os_str().to_string_lossy()).collect();
    let rel = rel.join("/");
    built_in::FILES.iter().find(|(p, _)| *p == rel).map(|(_, text)| *text)
}

/// A rule or script file's text, from the built-in pack or the disk.
fn read_text(path: &Path) -> std::io::Result<String> {
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

/// The text with a top-level `tests:` block blanked out (line breaks kept,
/// so every position the parser reports is still right).
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
    out.extend(text[start..end].chars().map(|c| if c == '\n' { '\n' } else { ' ' }));
    out.push_str(&text[end..]);
    std::borrow::Cow::Owned(out)
}

fn load_dirs(dirs: &[PathBuf], with_tests: bool) -> Result<LoadedRules, Problems> {
    let mut problems = Problems::default();
    // Vocabularies first: a pack's rules may use another pack's words.
    let mut vocabularies = Vocabularies::new();
    // Shared scripts' texts, for the pack hash.
    let mut pack_texts = Vec::new();
    // The default pack's words are there for every pack, with or without its rules.
    let default_dir = default_pack_dir();
    let vocab_dirs = (!dirs.contains(&default_dir)).then_some(&default_dir);
    for dir in vocab_dirs.into_iter().chain(dirs) {
        if let Some((_, raw)) = load_vocabularies(dir, &mut problems) {
            for (name, v) in raw {
                match vocabularies.get_mut(&name) {
                    // A later pack adds words to a vocabulary of the same name.
                    Some(existing) => Arc::make_mut(existing).extend(&v.terms),
                    None => {
                        let mut vocabulary = Vocabulary::new(v.description, v.terms);
                        vocabulary.describes = v.describes;
                        vocabularies.insert(name, Arc::new(vocabulary));
                    }
                }
            }
        }
    }
    let vocab_names: BTreeSet<String> = vocabularies.keys().cloned().collect();
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
        // Files parse and compile in parallel; their problems and rules are
        // taken in file order, so the result does not depend on threads.
        let loaded: Vec<(PathBuf, Option<Rule>, Problems)> = rule_files(dir, &mut problems)
            .into_par_iter()
            .map(|path| {
                let mut file_problems = Problems::default();
                let context = PackContext {
                    vocabs: &vocab_names,
                    shared: shared.as_ref(),
                    with_tests,
                };
                let rule = load_rule_file(dir, &path, &context, &mut file_problems);
                (path, rule, file_problems)
            })
            .collect();
        for (path, rule, file_problems) in loaded {
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
    path != dir.join(super::vocab::FILE_NAME)
}

fn rule_files(dir: &Path, problems: &mut Problems) -> Vec<PathBuf> {
    if *dir == default_pack_dir() {
        return built_in::FILES
            .iter()
            .filter(|(p, _)| (p.ends_with(".yaml") || p.ends_with(".yml")) && *p != super::vocab::FILE_NAME)
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

fn pack_hash(rules: &[Rule], vocabularies: &[String]) -> String {
    let mut h = Sha256::new();
    for v in vocabularies {
        h.update(v.as_bytes());
        h.update([0]);
    }
    for r in rules {
        h.update(r.id.as_bytes());
        h.update([0]);
        h.update(r.hash.as_bytes());
        h.update([0]);
    }
    hex(&h.finalize())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Hash of a rule's own definition: its file and, for a script file, the script.
fn rule_hash(source: &SourceFile, check: &Check) -> String {
    let mut h = Sha256::new();
    h.update(source.text.as_bytes());
    if let Check::Script(s) = check
        && s.source.name != source.name
    {
        h.update([0]);
        h.update(s.source.text.as_bytes());
    }
    hex(&h.finalize())
}

/// Byte offset of the first occurrence of `needle` (0 when absent).
fn find(text: &str, needle: &str) -> usize {
    if needle.is_empty() {
        return 0;
    }
    text.find(needle).unwrap_or(0)
}

/// Byte offset of `needle` in the value of the top-level key `section`, so
/// that a word also written elsewhere (a reference, a test) is not taken
/// for it; else its first occurrence in the file (0 when absent).
fn find_in(text: &str, section: &str, needle: &str) -> usize {
    if !needle.is_empty()
        && let Some(s) = crate::yaml::sections(text).into_iter().find(|s| s.key == section)
        && let Some(i) = text[s.value.clone()].find(needle)
    {
        return s.value.start + i;
    }
    find(text, needle)
}

/// Byte offset of the top-level key `key` as the parser read it.
fn find_key(text: &str, key: &str) -> usize {
    crate::yaml::sections(text)
        .into_iter()
        .find(|s| s.key == key)
        .map_or_else(|| find(text, &format!("{key}:")), |s| s.key_at)
}

/// Byte offset and length of a check error: its needle within the part of
/// the check it was found in (a plan's step), else within `check:`.
fn locate(text: &str, e: &CheckError) -> (usize, usize) {
    let len = e.needle.len().max(1);
    if !e.scope.is_empty() {
        let path: Vec<&str> = std::iter::once("check")
            .chain(e.scope.iter().map(String::as_str))
            .collect();
        if let Some(span) = crate::yaml::value_span(text, &path) {
            return match text[span.clone()].find(&e.needle) {
                Some(i) if !e.needle.is_empty() => (span.start + i, len),
                // The step itself, up to the end of its first line.
                _ => (span.start, text[span.clone()].find('\n').unwrap_or(span.len()).max(1)),
            };
        }
    }
    let at = find_in(text, "check", &e.needle);
    if at == 0 && !text.starts_with(&e.needle) {
        (at, 1)
    } else {
        (at, len)
    }
}

fn check_problem(src: &SourceFile, e: CheckError, code: ErrorCode) -> Problem {
    let (at, len) = locate(&src.text, &e);
    let p = Problem::new(code, e.message.clone()).at(src, at, len, "here");
    match e.help {
        Some(h) => p.help(h),
        None => p,
    }
}

/// What every rule of a pack may use besides its own file.
struct PackContext<'a> {
    vocabs: &'a BTreeSet<String>,
    /// The functions of the pack's `shared.rhai`.
    shared: Option<&'a rhai::AST>,
    /// Whether to read the rules' inline tests.
    with_tests: bool,
}

/// The file in a pack's root folder whose functions every script of the pack can call.
pub const SHARED_SCRIPT: &str = "shared.rhai";

/// The pack's `shared.rhai`: its text (for the pack hash) and its functions.
fn load_shared_script(dir: &Path, problems: &mut Problems) -> Option<(String, rhai::AST)> {
    let path = dir.join(SHARED_SCRIPT);
    if built_in_text(&path).is_none() && (*dir == default_pack_dir() || !path.is_file()) {
        return None;
    }
    let text = match read_text(&path) {
        Ok(t) => t,
        Err(e) => {
            problems
                .push(Problem::new(ErrorCode::RulesRead, format!("cannot read the shared script: {e}")).in_file(&path));
            return None;
        }
    };
    let src = SourceFile::new(path.display().to_string(), text.clone());
    match script::compile(src.clone(), &text, 0, 0) {
        Ok(compiled) => {
            let functions = compiled.ast.clone_functions_only();
            if let Some(line) = top_level_statement(&text) {
                problems.push(
                    Problem::new(
                        ErrorCode::RulesSharedScript,
                        "the shared script may hold only `fn` definitions",
                    )
                    .at(&src, src.offset(line, 1), 1, "a statement outside any function")
                    .help("move statements into the rule's own script; keep helpers here as functions"),
                );
                return None;
            }
            Some((text, functions))
        }
        Err((msg, line, col)) => {
            let at = src.offset(line, col);
            problems.push(
                Problem::new(
                    ErrorCode::RulesScriptSyntax,
                    format!("shared script does not compile: {msg}"),
                )
                .at(&src, at, 1, msg),
            );
            None
        }
    }
}

/// The first line (1-based) of a statement outside any `fn` body: comments,
/// blank lines and function definitions are all a shared script may hold.
fn top_level_statement(text: &str) -> Option<usize> {
    let mut depth = 0i32;
    for (i, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or_default().trim();
        if depth == 0 && !code.is_empty() && !code.starts_with("fn ") && !code.starts_with("private fn ") {
            return Some(i + 1);
        }
        depth += code.matches('{').count() as i32 - code.matches('}').count() as i32;
    }
    None
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

fn validate(
    pack_dir: &Path,
    path: &Path,
    src: &SourceFile,
    raw: RawRule,
    context: &PackContext<'_>,
    problems: &mut Problems,
) -> Option<Rule> {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let id = raw.id.clone().unwrap_or(stem);
    // The id names report files and anchors: `..` or `.x` must not pass.
    if !id.starts_with(|c: char| c.is_ascii_alphanumeric())
        || !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        problems.push(
            Problem::new(
                ErrorCode::RulesId,
                format!(
                    "rule id `{id}` must start with a letter or digit and use only letters, digits, `-`, `_` and `.`"
                ),
            )
            .at(src, find_key(&src.text, "id"), 3, "here")
            .help("e.g. `CRED-001` or `kpi-click-rate`"),
        );
    }

    // Category: from the key, else from the folder name.
    let folder = path
        .parent()
        .and_then(|p| p.file_name())
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    let folder_category = Category::parse(&folder);
    let category = match (raw.category, folder_category) {
        (Some(c), Some(f)) if c != f => {
            problems.push(
                Problem::new(
                    ErrorCode::RulesCategory,
                    format!("the rule says category `{c}` but sits in folder `{folder}`"),
                )
                .at(src, find_key(&src.text, "category"), 9, "conflicts with the folder")
                .help("move the file to the folder of its category, or remove `category:`"),
            );
            c
        }
        (Some(c), _) => c,
        (None, Some(f)) => f,
        (None, None) => {
            let names: Vec<&str> = Category::ALL.iter().map(|c| c.as_str()).collect();
            problems.push(
                Problem::new(ErrorCode::RulesCategory, format!("rule `{id}` has no category"))
                    .at(src, 0, 1, "no `category:` key, and the folder is not a category")
                    .help(format!(
                        "add `category: …` or put the file in a folder named after one of: {}",
                        names.join(", ")
                    )),
            );
            Category::Competent
        }
    };

    let weight = raw.weight.unwrap_or_else(|| raw.severity.default_weight());
    if !(weight.is_finite() && (0.0..=crate::score::MAX_WEIGHT).contains(&weight)) {
        problems.push(
            Problem::new(
                ErrorCode::RulesWeight,
                format!("weight must be a number from 0 to {}", crate::score::MAX_WEIGHT),
            )
            .at(src, find_key(&src.text, "weight"), 7, "here"),
        );
    }

    // Params and their default values.
    let mut params = indexmap::IndexMap::new();
    let org_schema = Schema::get().dataset("org").expect("org dataset");
    for (name, p) in &raw.params {
        let at = find_in(&src.text, "params", &format!("{name}:"));
        let mut bad_values = Vec::new();
        let mut convert = |v: &crate::yaml::Value| match yaml_to_value(v) {
            Ok(v) => Some(v),
            Err(e) => {
                bad_values.push(Problem::new(ErrorCode::RulesParam, format!("param `{name}`: {e}")).at(
                    src,
                    at,
                    name.len(),
                    "here",
                ));
                None
            }
        };
        let default = convert(&p.default).unwrap_or(crate::value::Value::Null);
        let mut by_profile = BTreeMap::new();
        for (field, values) in &p.by_profile {
            if !org_schema.fields.contains_key(field) {
                problems.push(
                    Problem::new(
                        ErrorCode::RulesParam,
                        format!(
                            "param `{name}` depends on profile field `{field}`, which the org profile does not have"
                        ),
                    )
                    .at(
                        src,
                        find_in(&src.text, "params", &format!("{field}:")),
                        field.len(),
                        "unknown profile field",
                    )
                    .help(suggest(field, &org_schema.field_names())),
                );
                continue;
            }
            let converted: BTreeMap<String, crate::value::Value> = values
                .iter()
                .filter_map(|(k, v)| convert(v).map(|v| (k.clone(), v)))
                .collect();
            by_profile.insert(field.clone(), converted);
        }
        for p in bad_values {
            problems.push(p);
        }
        params.insert(
            name.clone(),
            Param {
                default,
                description: p.description.clone(),
                by_profile,
            },
        );
    }
    let defaults: ParamValues = params.iter().map(|(k, p)| (k.clone(), p.default.clone())).collect();

    // Data needs: declared, plus what the check reads.
    let mut requires: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut optional: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (section, declared, into) in [
        ("requires", &raw.requires, &mut requires),
        ("optional", &raw.optional, &mut optional),
    ] {
        for (ds, fields) in declared {
            let Some(schema) = Schema::get().dataset(ds) else {
                problems.push(
                    Problem::new(ErrorCode::RulesDataset, format!("unknown dataset `{ds}`"))
                        .at(
                            src,
                            find_in(&src.text, section, &format!("{ds}:")),
                            ds.len(),
                            "not a dataset of the bundle format",
                        )
                        .help(suggest(ds, &Schema::get().dataset_names())),
                );
                continue;
            };
            for f in fields {
                if !schema.fields.contains_key(f) {
                    problems.push(
                        Problem::new(ErrorCode::RulesField, format!("dataset `{ds}` has no field `{f}`"))
                            .at(src, find_in(&src.text, section, f), f.len(), "unknown field")
                            .help(suggest(f, &schema.field_names())),
                    );
                }
            }
            into.entry(ds.clone()).or_default().extend(fields.iter().cloned());
        }
    }

    let check = validate_check(
        pack_dir,
        path,
        src,
        &raw.check,
        &defaults,
        context,
        (&mut requires, &mut optional),
        problems,
    )?;

    for test in &raw.tests {
        for ds in test.data.keys() {
            if Schema::get().dataset(ds).is_none() {
                problems.push(
                    Problem::new(
                        ErrorCode::RulesTest,
                        format!("test `{}` has data for unknown dataset `{ds}`", test.name),
                    )
                    .at(
                        src,
                        find_in(&src.text, "tests", &format!("{ds}:")),
                        ds.len(),
                        "unknown dataset",
                    )
                    .help(suggest(ds, &Schema::get().dataset_names())),
                );
            }
        }
        for p in test.params.keys() {
            if !params.contains_key(p) {
                problems.push(
                    Problem::new(
                        ErrorCode::RulesTest,
                        format!("test `{}` sets param `{p}`, which the rule does not declare", test.name),
                    )
                    .at(
                        src,
                        find_in(&src.text, "tests", &format!("{p}:")),
                        p.len(),
                        "undeclared param",
                    ),
                );
            }
        }
    }
    // What a rule cannot do without is not also listed as read when present.
    for (ds, fields) in &requires {
        if let Some(opt) = optional.get_mut(ds) {
            opt.retain(|f| !fields.contains(f));
        }
    }
    optional.retain(|ds, fields| !fields.is_empty() || !requires.contains_key(ds));
    let hash = rule_hash(src, &check);
    let mut rule = Rule {
        hash,
        id,
        title: raw.title,
        pass_title: raw.pass_title,
        category,
        severity: raw.severity,
        weight,
        rationale: raw.rationale,
        remediation: raw.remediation,
        effort: raw.effort,
        references: raw.references,
        params,
        requires,
        optional,
        interprets: BTreeMap::new(),
        period: raw.period,
        check,
        tests: raw.tests,
        source: src.clone(),
        path: path.to_path_buf(),
    };
    let vocabulary_reads = rule.vocabulary_reads();
    if matches!(rule.check, Check::Rows(_) | Check::Aggregate(_)) && !vocabulary_reads.is_empty() {
        // The older check kinds bind conditions without the run's vocabularies:
        // an `in_vocab` there would match nothing, in silence.
        let at = find_in(&src.text, "check", "in_vocab");
        problems.push(
            Problem::new(
                ErrorCode::RulesCheck,
                "`in_vocab` works in `plan:` checks, not in `rows:` or `aggregate:`",
            )
            .at(src, at, "in_vocab".len(), "here")
            .help("write the check as a `plan:` (`mktaudit docs rules` shows how)"),
        );
        return None;
    }
    for (ds, field) in vocabulary_reads.into_keys() {
        let declared = |m: &BTreeMap<String, Vec<String>>| m.get(&ds).is_some_and(|f| f.contains(&field));
        if !declared(&raw.optional) && !declared(&raw.requires) {
            rule.interprets.entry(ds).or_default().insert(field);
        }
    }
    Some(rule)
}

/// Datasets and fields a rule needs, and those it reads when present.
type DataNeeds<'a> = (
    &'a mut BTreeMap<String, BTreeSet<String>>,
    &'a mut BTreeMap<String, BTreeSet<String>>,
);

#[allow(clippy::too_many_arguments)]
fn validate_check(
    pack_dir: &Path,
    path: &Path,
    src: &SourceFile,
    check: &RawCheck,
    defaults: &ParamValues,
    context: &PackContext<'_>,
    (requires, optional): DataNeeds<'_>,
    problems: &mut Problems,
) -> Option<Check> {
    let kinds = [
        check.rows.is_some(),
        check.aggregate.is_some(),
        check.script.is_some(),
        check.script_file.is_some(),
        check.plan.is_some(),
    ];
    if kinds.iter().filter(|k| **k).count() != 1 {
        problems.push(
            Problem::new(
                ErrorCode::RulesCheck,
                "`check` needs exactly one of `plan`, `rows`, `aggregate`, `script`, `script_file`",
            )
            .at(src, find_key(&src.text, "check"), 6, "here")
            .help("`mktaudit docs rules` describes the kinds of check"),
        );
        return None;
    }
    if let Some(plan) = &check.plan {
        let compiled = match super::plan::Plan::compile(plan, defaults, Some(context.vocabs)) {
            Ok(c) => c,
            Err(errors) => {
                for e in errors {
                    problems.push(check_problem(src, e, ErrorCode::RulesPlan));
                }
                return None;
            }
        };
        // What a plan names is read when present; `requires:` says what it cannot do without.
        for (ds, f) in super::plan::reads(plan) {
            let entry = optional.entry(ds).or_default();
            if let Some(f) = f {
                entry.insert(f);
            }
        }
        return Some(Check::Plan(Box::new(super::PlanCheck {
            compiled: Arc::new(compiled),
            vocab_uses: super::unrecognised::vocab_uses(plan),
        })));
    }
    let mut need = |ds: &str, field: Option<&str>| {
        let entry = requires.entry(ds.to_string()).or_default();
        if let Some(f) = field {
            entry.insert(f.to_string());
        }
    };
    let mut report = |e: CheckError| problems.push(check_problem(src, e, ErrorCode::RulesCheck));

    if let Some(rows) = &check.rows {
        let Some(schema) = Schema::get().dataset(&rows.dataset) else {
            report(
                CheckError::new(format!("unknown dataset `{}`", rows.dataset), rows.dataset.clone())
                    .help(suggest(&rows.dataset, &Schema::get().dataset_names())),
            );
            return None;
        };
        need(&rows.dataset, None);
        for cond in std::iter::once(&rows.flag).chain(rows.filter.as_ref()) {
            if let Err(e) = Condition::compile(cond, schema, &rows.dataset, defaults) {
                report(e);
            }
            let mut fields = Vec::new();
            Condition::fields_of(cond, &mut fields);
            for f in fields {
                need(&rows.dataset, Some(&f));
            }
        }
        for t in [&rows.fail_above, &rows.warn_above].into_iter().flatten() {
            if let Err(e) = number_param(t, defaults) {
                report(e);
            }
        }
        let mut allowed: Vec<&str> = schema.field_names();
        allowed.extend(defaults.keys().map(String::as_str));
        allowed.push("count");
        check_placeholders(&rows.message, &allowed, &mut report);
        return Some(Check::Rows(Box::new(rows.clone())));
    }

    if let Some(agg) = &check.aggregate {
        let metric = match Metric::compile(&agg.value, defaults) {
            Ok(m) => m,
            Err(e) => {
                report(e);
                return None;
            }
        };
        let mut reads = Vec::new();
        Metric::reads_of(&agg.value, &mut reads);
        for (ds, f) in &reads {
            need(ds, f.as_deref());
        }
        if let Some(month_field) = &agg.per_month {
            let mut datasets = BTreeSet::new();
            metric.datasets(&mut datasets);
            for ds in datasets.iter().filter(|d| *d != "org") {
                let ok = Schema::get()
                    .dataset(ds)
                    .and_then(|s| s.fields.get(month_field))
                    .is_some_and(|f| f.ty == FieldType::Date);
                if ok {
                    need(ds, Some(month_field));
                } else {
                    report(CheckError::new(
                        format!("`per_month: {month_field}` needs a date field `{month_field}` in `{ds}`"),
                        month_field.clone(),
                    ));
                }
            }
        }
        let thresholds: Vec<&Threshold> = [&agg.fail_below, &agg.warn_below, &agg.fail_above, &agg.warn_above]
            .into_iter()
            .flatten()
            .collect();
        if thresholds.is_empty() {
            report(CheckError::new(
                "an aggregate check needs at least one of fail_below, warn_below, fail_above, warn_above",
                "aggregate:",
            ));
        }
        for t in thresholds {
            if let Err(e) = number_param(t, defaults) {
                report(e);
            }
        }
        let mut allowed: Vec<&str> = vec!["value", "threshold", "month", "warn", "fail"];
        allowed.extend(defaults.keys().map(String::as_str));
        check_placeholders(&agg.message, &allowed, &mut report);
        return Some(Check::Aggregate(Box::new(agg.clone())));
    }

    // Scripts: inline (positions shift by the script's line in the rule file) or a sibling file.
    let (script_src, text, offset, indent) = if let Some(inline) = &check.script {
        let first_line = inline.lines().find(|l| !l.trim().is_empty()).unwrap_or_default().trim();
        let at = find_in(&src.text, "check", first_line);
        let (line, column) = src.line_col(at);
        (
            src.clone(),
            inline.clone(),
            line.saturating_sub(1),
            column.saturating_sub(1),
        )
    } else {
        let file = check.script_file.as_ref().expect("one kind is set");
        let script_path = path.parent().unwrap_or(Path::new(".")).join(file);
        let built_in = built_in_text(&script_path).is_some();
        let inside = built_in
            || match (script_path.canonicalize(), pack_dir.canonicalize()) {
                (Ok(s), Ok(p)) => s.starts_with(p),
                _ => false,
            };
        let exists = built_in || (*pack_dir != default_pack_dir() && script_path.is_file());
        if !exists || !inside {
            let why = if exists {
                "is outside the rule pack folder"
            } else {
                "does not exist"
            };
            problems.push(
                Problem::new(ErrorCode::RulesScriptFile, format!("script file `{file}` {why}"))
                    .at(src, find_in(&src.text, "check", file), file.len(), "here")
                    .help("name a .rhai file next to the rule file, inside the pack folder"),
            );
            return None;
        }
        match read_text(&script_path) {
            Ok(t) => (SourceFile::new(script_path.display().to_string(), t.clone()), t, 0, 0),
            Err(e) => {
                problems.push(
                    Problem::new(ErrorCode::RulesScriptFile, format!("cannot read `{file}`: {e}"))
                        .in_file(&script_path),
                );
                return None;
            }
        }
    };
    match script::compile(script_src.clone(), &text, offset, indent) {
        Ok(mut compiled) => {
            if let Some(shared) = context.shared {
                // A helper is defined once, in the pack's shared script.
                let own: Vec<(String, usize)> = compiled
                    .ast
                    .iter_functions()
                    .map(|f| (f.name.to_string(), f.params.len()))
                    .collect();
                for f in shared.iter_functions() {
                    if own.iter().any(|(n, arity)| n == f.name && *arity == f.params.len()) {
                        let needle = format!("fn {}", f.name);
                        problems.push(
                            Problem::new(
                                ErrorCode::RulesScriptHelper,
                                format!(
                                    "`{}` is defined in the pack's shared.rhai; the script defines it again",
                                    f.name
                                ),
                            )
                            .at(
                                &script_src,
                                find(&script_src.text, &needle),
                                needle.len(),
                                "defined twice",
                            )
                            .help("delete this copy and call the shared one, or rename it if it differs"),
                        );
                        return None;
                    }
                }
                compiled.ast = shared.merge(&compiled.ast);
            }
            Some(Check::Script(Arc::new(compiled)))
        }
        Err((msg, line, col)) => {
            let at = script_src.offset(line, col);
            problems.push(
                Problem::new(ErrorCode::RulesScriptSyntax, format!("script does not compile: {msg}"))
                    .at(&script_src, at, 1, msg)
                    .help("`mktaudit docs rhai-api` lists the script API"),
            );
            None
        }
    }
}

/// `{name}` and `{name:format}` must name something the message can show.
fn check_placeholders(message: &str, allowed: &[&str], report: &mut impl FnMut(CheckError)) {
    for name in crate::template::placeholders(message) {
        if !allowed.contains(&name.as_str()) {
            report(
                CheckError::new(
                    format!("message placeholder `{{{name}}}` names nothing the message can show"),
                    format!("{{{name}"),
                )
                .help(suggest(&name, allowed)),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn tests_are_blanked_in_place() {
        let text = "id: X\ntests:\n  - name: a\n    expect: pass\n# note\ncheck: { plan: {} }\n";
        let out = super::without_tests(text);
        assert_eq!(out.len(), text.len(), "positions stay where they were");
        assert!(!out.contains("expect") && out.contains("check: { plan: {} }") && out.starts_with("id: X\n"));
        assert_eq!(out.matches('\n').count(), text.matches('\n').count());
        assert_eq!(super::without_tests("id: X\nlatests: 1\n"), "id: X\nlatests: 1\n");
    }
}
