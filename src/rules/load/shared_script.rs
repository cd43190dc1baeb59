//! A pack's `shared.rhai`: the functions every script of the pack can call.

use super::super::script;
use super::{built_in_text, default_pack_dir, read_text};
use crate::error::ErrorCode;
use crate::error::{Problem, Problems, SourceFile};
use std::path::Path;

/// The file in a pack's root folder whose functions every script of the pack can call.
const SHARED_SCRIPT: &str = "shared.rhai";

/// The pack's `shared.rhai`: its text (for the pack hash) and its functions.
pub(super) fn load_shared_script(dir: &Path, problems: &mut Problems) -> Option<(String, rhai::AST)> {
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
