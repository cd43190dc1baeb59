//! How much the command line says, and whether in colour: `--quiet`,
//! `--verbose`, `--color`, and the environment conventions of clig.dev
//! (NO_COLOR, CLICOLOR_FORCE, FORCE_COLOR, TERM=dumb).

use clap::{Args, ValueEnum};
use std::io::IsTerminal;
use std::sync::OnceLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum ColorChoice {
    /// Colour on a terminal, unless NO_COLOR is set or TERM=dumb; CLICOLOR_FORCE or FORCE_COLOR force it.
    #[default]
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, Args)]
pub struct UiArgs {
    /// Print only the output and errors: no notes, no progress (the reason for exit 1 is still given).
    #[arg(long, short, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Also say on stderr which config(s), rule packs and datasets an audit used.
    #[arg(long, short, global = true)]
    pub verbose: bool,
    /// Colour: auto, always or never.
    #[arg(long, global = true, value_enum, value_name = "WHEN", default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

static UI: OnceLock<UiArgs> = OnceLock::new();

pub(super) fn set(args: &UiArgs) {
    let _ = UI.set(*args);
}

fn get() -> UiArgs {
    UI.get().copied().unwrap_or(UiArgs {
        quiet: false,
        verbose: false,
        color: ColorChoice::Auto,
    })
}

/// Whether a stream that `is_terminal` (or not) gets colour.
fn color_for(is_terminal: bool) -> bool {
    let set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty() && v != "0");
    match get().color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        // NO_COLOR wins over everything but an explicit --color always.
        ColorChoice::Auto if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) => false,
        ColorChoice::Auto if set("CLICOLOR_FORCE") || set("FORCE_COLOR") => true,
        ColorChoice::Auto => {
            is_terminal
                && std::env::var_os("TERM").is_none_or(|t| t != "dumb")
                && std::env::var_os("CLICOLOR").is_none_or(|v| v != "0")
        }
    }
}

pub(super) fn stdout_color() -> bool {
    color_for(std::io::stdout().is_terminal())
}

pub(super) fn stderr_color() -> bool {
    color_for(std::io::stderr().is_terminal())
}

/// Whether progress bars may be drawn (a terminal, and not --quiet).
pub(super) fn progress() -> bool {
    !get().quiet && std::io::stderr().is_terminal() && std::env::var_os("TERM").is_none_or(|t| t != "dumb")
}

/// A remark on stderr, left out with --quiet.
pub(super) fn note(text: &str) {
    if !get().quiet {
        eprintln!("{}", crate::safe_text::for_terminal(text, false));
    }
}

/// A detail on stderr, shown only with --verbose.
pub(super) fn verbose(text: &str) {
    if get().verbose {
        eprintln!("{}", crate::safe_text::for_terminal(text, false));
    }
}

pub(super) fn quiet() -> bool {
    get().quiet
}
