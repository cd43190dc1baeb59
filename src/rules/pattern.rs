//! The regex of a `matches:` or `mentions:` test, built without the literal
//! prefilters `regex::Regex` searches for when it compiles.
//!
//! The rule pack's patterns are case-insensitive alternations of words
//! (`(?i)\b(clicks?|ctr|open rates?|...)\b`): finding their literal
//! prefixes, suffixes and inner literals was 45 of the 62 million
//! instructions of compiling the pack's 14 patterns, a fifth of every
//! audit's rule loading. The texts they test are names and definitions of a
//! few hundred KPIs and targets, or each distinct value of a column once,
//! where a prefilter gains nothing. Which texts match is the same either way:
//! a prefilter only skips text that cannot match.

use regex_automata::meta;
use regex_automata::util::syntax;
use std::sync::Arc;

#[derive(Clone, Debug)]
pub struct Pattern {
    regex: meta::Regex,
    text: Arc<str>,
}

impl Pattern {
    /// Compiles `pattern` as `regex::Regex::new` would (same syntax, same
    /// limits, same errors), without the prefilters.
    pub fn new(pattern: &str) -> Result<Self, regex::Error> {
        // The configuration of `regex::Regex::new` (regex 1.x's builder
        // defaults), with automatic prefilters off.
        let config = meta::Config::new()
            .nfa_size_limit(Some(10 * (1 << 20)))
            .hybrid_cache_capacity(2 * (1 << 20))
            .match_kind(regex_automata::MatchKind::LeftmostFirst)
            .utf8_empty(true)
            .auto_prefilter(false);
        match meta::Builder::new()
            .configure(config)
            .syntax(syntax::Config::default().utf8(true))
            .build(pattern)
        {
            Ok(regex) => Ok(Self {
                regex,
                text: Arc::from(pattern),
            }),
            // The error as the regex crate words it.
            Err(_) => Err(regex::Regex::new(pattern)
                .err()
                .unwrap_or_else(|| regex::Error::Syntax(format!("`{pattern}` cannot be compiled")))),
        }
    }

    pub fn is_match(&self, text: &str) -> bool {
        self.regex.is_match(text)
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

#[cfg(test)]
mod tests {
    use super::Pattern;
    use proptest::prelude::*;

    #[test]
    fn errors_read_as_the_regex_crate_words_them() {
        // A param's value, as a rule author might mistype it.
        let unclosed = String::from("(?i)\\b(clicks");
        let ours = Pattern::new(&unclosed).unwrap_err().to_string();
        let theirs = regex::Regex::new(&unclosed).unwrap_err().to_string();
        assert_eq!(ours, theirs);
        assert!(ours.contains("unclosed group"), "{ours}");
    }

    proptest! {
        /// Pack-like patterns answer every text as `regex::Regex` does.
        #[test]
        fn matches_as_the_regex_crate_does(
            words in proptest::collection::vec("[a-zé ]{1,8}", 1..5),
            case_insensitive in any::<bool>(),
            bounded in any::<bool>(),
            text in "[a-zA-ZéÉ _.-]{0,40}",
        ) {
            let alternation = words.iter().map(|w| regex::escape(w)).collect::<Vec<_>>().join("|");
            let pattern = format!(
                "{}{b}({alternation}){b}",
                if case_insensitive { "(?i)" } else { "" },
                b = if bounded { "\\b" } else { "" },
            );
            let ours = Pattern::new(&pattern).unwrap();
            let theirs = regex::Regex::new(&pattern).unwrap();
            prop_assert_eq!(ours.is_match(&text), theirs.is_match(&text), "{} on {:?}", pattern, text);
        }
    }

    #[test]
    fn the_default_packs_patterns_answer_as_the_regex_crate_does() {
        let pattern = "(?i)\\b(clicks?|click.through( rates?)?|ctr|open rates?|page ?views?|awards?|award.winning)\\b";
        let ours = Pattern::new(pattern).unwrap();
        let theirs = regex::Regex::new(pattern).unwrap();
        for text in [
            "Click-through rate",
            "CTR",
            "ctrl",
            "Award-winning website",
            "Awardee",
            "Pageviews per session",
            "Page views",
            "Überclicks",
            "clicks",
            "",
        ] {
            assert_eq!(ours.is_match(text), theirs.is_match(text), "{text}");
        }
        assert!(ours.is_match("CTR") && !ours.is_match("ctrl"));
        assert_eq!(ours.as_str(), pattern);
    }
}
