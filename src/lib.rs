//! mktaudit: a rule-based marketing health audit engine.
//!
//! The library's API is what the `mktaudit` binary needs: [`cli_main`], the
//! whole command line. Everything else is crate-private, so that the
//! compiler reports code nothing uses.
//!
//! Inside, data flows one way: `bundle` (load the org's exports) -> `rules`
//! (load rule packs) -> `eval` (evaluate) -> `score` -> `report` (render);
//! `audit::run_audit` runs the whole pipeline.

/// Parses the process arguments, runs the command and returns its exit code
/// (0 ran, 1 a gate tripped, 2 bad input or usage).
pub use cli::main as cli_main;

/// Counts the bytes each thread holds, so a script run can be held to a
/// memory budget (`rules::budget`); otherwise the system allocator.
#[global_allocator]
static ALLOCATOR: rules::budget::CountingAlloc = rules::budget::CountingAlloc;

pub(crate) mod audit;
pub(crate) mod bundle;
mod cli;
pub(crate) mod compare;
pub(crate) mod config;
pub(crate) mod error;
pub(crate) mod eval;
pub(crate) mod explain;
pub(crate) mod fsutil;
pub(crate) mod generator;
pub(crate) mod init;
pub(crate) mod inspect;
pub(crate) mod portfolio;
pub(crate) mod report;
pub(crate) mod rules;
pub(crate) mod ruletest;
pub(crate) mod safe_text;
pub(crate) mod scaffold;
pub(crate) mod schema;
pub(crate) mod score;
pub(crate) mod template;
pub(crate) mod value;
pub(crate) mod waivers;
pub(crate) mod yaml;

#[doc(hidden)]
pub mod testing;
