//! Text from data on its way to a terminal. A cell, a file name or a rule's
//! message can hold control characters that a terminal obeys: clear the
//! screen, set the window title, turn text into a link (OSC 8), move the
//! cursor back over what was printed, or reorder text (bidi overrides). Every
//! terminal-bound output (the terminal report, `inspect`, diagnostics and
//! anything else printed to stdout) passes through [`for_terminal`], which
//! shows them escaped, e.g. `\u{1b}`.

use std::borrow::Cow;

/// Whether `c` would be obeyed rather than shown: C0 and C1 controls (but
/// newline and tab), DEL, and the bidirectional overrides and isolates.
fn is_hazard(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t') || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `text` with every hazardous character written as `\u{…}`. With
/// `keep_colors`, colour and style sequences (`ESC [ digits ; m`, which can
/// do nothing but colour text) are kept, so a coloured report stays coloured.
pub fn for_terminal(text: &str, keep_colors: bool) -> Cow<'_, str> {
    if !text.chars().any(is_hazard) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if keep_colors && c == '\u{1b}' {
            let sgr = rest[1..]
                .strip_prefix('[')
                .and_then(|r| r.find(|c: char| !(c.is_ascii_digit() || c == ';')).map(|n| (r, n)))
                .filter(|(r, n)| r[*n..].starts_with('m'))
                .map(|(_, n)| n + 3);
            if let Some(len) = sgr {
                out.push_str(&rest[..len]);
                rest = &rest[len..];
                continue;
            }
        }
        if is_hazard(c) {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
        rest = &rest[c.len_utf8()..];
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_are_shown_escaped() {
        let hostile = "a\x1b[2Jb\x1b]0;title\x07c\x1b]8;;https://x.example\x1b\\link\rd\u{202e}e\u{9b}f\tg\nh";
        assert_eq!(
            for_terminal(hostile, false),
            "a\\u{1b}[2Jb\\u{1b}]0;title\\u{7}c\\u{1b}]8;;https://x.example\\u{1b}\\link\\u{d}d\\u{202e}e\\u{9b}f\tg\nh"
        );
        assert!(matches!(for_terminal("plain é ✓\n", false), Cow::Borrowed(_)));
    }

    #[test]
    fn colours_are_kept_only_when_asked_and_nothing_else_is() {
        let coloured = "\x1b[31;1mFAIL\x1b[0m \x1b[2J\x1b[";
        assert_eq!(for_terminal(coloured, true), "\x1b[31;1mFAIL\x1b[0m \\u{1b}[2J\\u{1b}[");
        assert_eq!(
            for_terminal(coloured, false),
            "\\u{1b}[31;1mFAIL\\u{1b}[0m \\u{1b}[2J\\u{1b}["
        );
        // Escaping twice changes nothing more.
        let once = for_terminal(coloured, true).into_owned();
        assert_eq!(for_terminal(&once, true), once);
    }
}
