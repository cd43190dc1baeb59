//! mktaudit: a rule-based marketing health audit engine.
//!
//! Data flows one way: [`bundle`] (load the org's exports) -> [`rules`]
//! (load rule packs) -> [`eval`] (evaluate) -> [`score`] -> [`report`]
//! (render). [`audit::run_audit`] runs the whole pipeline; [`cli_main`] is
//! the command line, the binary's whole `main`.

pub mod audit;

/// Parses the process arguments, runs the command and returns its exit code
/// (0 ran, 1 a gate tripped, 2 bad input or usage).
pub use cli::main as cli_main;

/// Counts the bytes each thread holds, so a script run can be held to a
/// memory budget (`rules::budget`); otherwise the system allocator.
#[global_allocator]
static ALLOCATOR: rules::budget::CountingAlloc = rules::budget::CountingAlloc;

pub mod bundle;
mod cli;
pub mod compare;
pub mod config;
pub mod error;
pub mod eval;
pub mod explain;
pub mod fsutil;
pub mod generator;
pub mod init;
pub mod inspect;
pub mod portfolio;
pub mod report;
pub mod rules;
pub mod ruletest;
pub mod safe_text;
pub mod scaffold;
pub mod schema;
pub mod score;
pub mod template;
pub mod value;
pub mod waivers;
pub mod yaml;
