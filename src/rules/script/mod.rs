//! Rhai checks: one sandboxed engine for every script, and the host API a
//! script reads the bundle through.
//!
//! Rule packs may come from strangers. The engine is built from `new_raw()`
//! with only the pure packages (no file imports, no `print`, no `sleep`, no
//! clock, no `eval`) and hard limits on operations, depth and sizes, so a
//! hostile script ends as that rule's error and the audit goes on. Scripts
//! get aggregates computed natively (`org.count`, `org.sum`, …) and small
//! row sets, not million-row loops, which would be ~100x slower in Rhai.

mod host;

pub use host::{HOST_FUNCTIONS, Org, SCOPE_NAMES, value_to_dynamic};

use crate::error::SourceFile;
use crate::value::Value;
use host::register_host_api;
use rhai::{Array, Dynamic, Engine, EvalAltResult, Map, Position, Scope};
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// Longest message or reason a script may put in a report; a script that
/// returns megabytes of text would otherwise bloat every format.
pub const MAX_MESSAGE_CHARS: usize = 2_000;

fn clip(text: String) -> String {
    match text.char_indices().nth(MAX_MESSAGE_CHARS) {
        Some((at, _)) => format!("{}… (cut at {MAX_MESSAGE_CHARS} characters)", &text[..at]),
        None => text,
    }
}

/// Limits every script runs under. Rhai counts array, map and string sizes
/// over a whole value, nested parts included, so the size limits bound what
/// one value (e.g. every row `org.rows()` returns) may hold in total.
pub const MAX_OPERATIONS: u64 = super::budget::MAX_OPERATIONS;
/// Most rows `org.rows()` hands to a script; larger sets need aggregates.
pub const MAX_SCRIPT_ROWS: usize = 10_000;
pub const MAX_STRING: usize = 4 * 1024 * 1024;
pub const MAX_ARRAY: usize = 50_000;
pub const MAX_MAP: usize = 50_000;
/// Most groups `org.group_*` returns.
pub const MAX_GROUPS: usize = 10_000;
/// Longest pattern `matches(text, pattern)` compiles, and how many compiled
/// patterns a thread keeps: patterns come from params, so a handful per rule.
const MAX_PATTERN: usize = 2_000;
const MAX_CACHED_PATTERNS: usize = 256;

/// A compiled script and where its text came from.
#[derive(Debug)]
pub struct CompiledScript {
    pub ast: rhai::AST,
    /// The `.rhai` file, or the rule file for an inline script.
    pub source: SourceFile,
    /// Lines before the script's first line in `source` (inline scripts).
    pub line_offset: usize,
    /// Indentation of an inline script's lines in the rule file.
    pub column_offset: usize,
}

/// The engine every script runs in (production and tests alike).
pub fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(sandboxed_engine)
}

fn sandboxed_engine() -> Engine {
    use rhai::packages::{
        ArithmeticPackage, BasicArrayPackage, BasicIteratorPackage, BasicMapPackage, BasicMathPackage,
        BasicStringPackage, LogicPackage, MoreStringPackage, Package,
    };
    let mut engine = Engine::new_raw();
    // Not LanguageCorePackage: its `sleep` blocks without counting operations.
    ArithmeticPackage::new().register_into_engine(&mut engine);
    LogicPackage::new().register_into_engine(&mut engine);
    BasicStringPackage::new().register_into_engine(&mut engine);
    MoreStringPackage::new().register_into_engine(&mut engine);
    BasicArrayPackage::new().register_into_engine(&mut engine);
    BasicMapPackage::new().register_into_engine(&mut engine);
    BasicMathPackage::new().register_into_engine(&mut engine);
    BasicIteratorPackage::new().register_into_engine(&mut engine);
    super::budget::install(&mut engine);
    engine
        .set_max_operations(MAX_OPERATIONS)
        .set_max_call_levels(32)
        .set_max_expr_depths(64, 32)
        .set_max_string_size(MAX_STRING)
        .set_max_array_size(MAX_ARRAY)
        .set_max_map_size(MAX_MAP)
        .set_max_variables(1_000)
        .set_max_functions(200)
        .set_max_modules(0)
        .set_strict_variables(true)
        .set_fail_on_invalid_map_property(true);
    engine.set_module_resolver(rhai::module_resolvers::DummyModuleResolver::new());
    engine.on_print(|_| {});
    engine.on_debug(|_, _, _| {});
    for symbol in ["eval", "import", "export"] {
        engine.disable_symbol(symbol);
    }
    register_host_api(&mut engine);
    engine
}

/// What a script returned, before it becomes a rule result.
#[derive(Debug, Clone, PartialEq)]
pub struct ScriptOutcome {
    /// Pass, warn, fail or not assessed: the only ends a script may choose.
    pub status: super::Status,
    pub message: String,
    pub reason: Option<String>,
    pub value: Option<f64>,
    pub threshold: Option<f64>,
    pub findings: Vec<ScriptFinding>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ScriptFinding {
    pub message: String,
    pub dataset: Option<String>,
    pub row: Option<usize>,
}

/// A script failure, located in the script's file.
#[derive(Debug, Clone, PartialEq)]
pub struct ScriptError {
    pub message: String,
    /// `file:line:column` when known.
    pub location: Option<String>,
}

impl CompiledScript {
    fn locate(&self, pos: Position) -> Option<String> {
        let line = pos.line()?;
        Some(format!(
            "{}:{}:{}",
            self.source.name,
            line + self.line_offset,
            pos.position().unwrap_or(1) + self.column_offset
        ))
    }

    /// Runs the script against `org` with the rule's params in scope.
    pub fn run(
        &self,
        org: Org,
        params: &BTreeMap<String, Value>,
        as_of: chrono::NaiveDate,
    ) -> Result<ScriptOutcome, ScriptError> {
        let mut scope = Scope::new();
        let params: Map = params
            .iter()
            .map(|(k, v)| (k.as_str().into(), value_to_dynamic(v)))
            .collect();
        let profile: Map = org
            .allowed
            .get("org")
            .into_iter()
            .flatten()
            .map(|f| (f.as_str().into(), value_to_dynamic(&org.bundle.profile_value(f))))
            .collect();
        let mut period = Map::new();
        period.insert(
            "start".into(),
            Dynamic::from(org.period.start.format("%Y-%m-%d").to_string()),
        );
        period.insert(
            "end".into(),
            Dynamic::from(org.period.end.format("%Y-%m-%d").to_string()),
        );
        scope.push_constant("params", params);
        scope.push_constant("profile", profile);
        scope.push_constant("period", period);
        scope.push_constant("as_of", as_of.format("%Y-%m-%d").to_string());
        scope.push_constant("org", org);
        let _meter = super::budget::start();
        let result = engine()
            .eval_ast_with_scope::<Dynamic>(&mut scope, &self.ast)
            .map_err(|e| self.error(&e))?;
        self.read_outcome(result)
    }

    fn error(&self, e: &EvalAltResult) -> ScriptError {
        let message = match e {
            EvalAltResult::ErrorTooManyOperations(_) => {
                format!(
                    "the script exceeded {MAX_OPERATIONS} operations (an endless or too large loop?) and was stopped"
                )
            }
            EvalAltResult::ErrorDataTooLarge(what, _) => {
                format!("the script built a value too large ({what}) and was stopped")
            }
            EvalAltResult::ErrorStackOverflow(_) => "the script recursed too deeply and was stopped".to_string(),
            EvalAltResult::ErrorTerminated(token, _) => super::budget::message(&token.to_string()),
            other => {
                let s = other.to_string();
                s.split(" (line ").next().unwrap_or(&s).to_string()
            }
        };
        ScriptError {
            message,
            location: self.locate(e.position()),
        }
    }

    fn read_outcome(&self, result: Dynamic) -> Result<ScriptOutcome, ScriptError> {
        let bad = |m: String| ScriptError {
            message: m,
            location: Some(self.source.name.clone()),
        };
        let Some(map) = result.clone().try_cast::<Map>() else {
            return Err(bad(format!(
                "the script must end with an outcome map (e.g. `pass()`, `fail(\"…\")`), but returned {}",
                result.type_name()
            )));
        };
        let text = |k: &str| map.get(k).filter(|v| !v.is_unit()).map(|v| clip(v.to_string()));
        let number = |k: &str| -> Result<Option<f64>, ScriptError> {
            match map.get(k) {
                None => Ok(None),
                Some(v) if v.is_unit() => Ok(None),
                Some(v) => v
                    .as_float()
                    .or_else(|_| v.as_int().map(|i| i as f64))
                    .map(Some)
                    .map_err(|_| bad(format!("`{k}` must be a number, got {}", v.type_name()))),
            }
        };
        let status = text("status").unwrap_or_default();
        let status = match status.as_str() {
            "pass" => super::Status::Pass,
            "warn" => super::Status::Warn,
            "fail" => super::Status::Fail,
            "not_assessed" => super::Status::NotAssessed,
            _ => {
                return Err(bad(format!(
                    "`status` must be pass, warn, fail or not_assessed, got `{status}`"
                )));
            }
        };
        let mut findings = Vec::new();
        if let Some(list) = map.get("findings") {
            let list = list
                .clone()
                .try_cast::<Array>()
                .ok_or_else(|| bad("`findings` must be an array".into()))?;
            for item in list {
                let f = item
                    .try_cast::<Map>()
                    .ok_or_else(|| bad("each finding must be a map with a `message`".into()))?;
                let row = match f.get("row") {
                    Some(r) => Some(
                        r.as_int()
                            .ok()
                            .and_then(|i| usize::try_from(i).ok())
                            .ok_or_else(|| bad("a finding's `row` must come from org.rows()".into()))?,
                    ),
                    None => None,
                };
                findings.push(ScriptFinding {
                    message: f.get("message").map(|m| clip(m.to_string())).unwrap_or_default(),
                    dataset: f.get("dataset").map(|d| d.to_string()),
                    row,
                });
            }
        }
        Ok(ScriptOutcome {
            status,
            message: text("message").unwrap_or_default(),
            reason: text("reason"),
            value: number("value")?,
            threshold: number("threshold")?,
            findings,
        })
    }
}

/// Compiles a script with the sandboxed engine; errors carry their position.
pub fn compile(
    source: SourceFile,
    script: &str,
    line_offset: usize,
    column_offset: usize,
) -> Result<CompiledScript, (String, usize, usize)> {
    // Strict variables need the names a script may use known at compile time.
    // Pushed as variables, not constants: the optimiser folds a constant's
    // compile-time placeholder into the script, and `as_of` would read `()`.
    // At run time they are constants, so a script cannot reassign them.
    let mut scope = Scope::new();
    for name in SCOPE_NAMES {
        scope.push(*name, Dynamic::UNIT);
    }
    match engine().compile_with_scope(&scope, script) {
        Ok(ast) => Ok(CompiledScript {
            ast,
            source,
            line_offset,
            column_offset,
        }),
        Err(e) => {
            let pos = e.position();
            let msg = e.to_string();
            let msg = msg.split(" (line ").next().unwrap_or(&msg).to_string();
            Err((
                msg,
                pos.line().unwrap_or(1) + line_offset,
                pos.position().unwrap_or(1) + column_offset,
            ))
        }
    }
}
