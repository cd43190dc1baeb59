//! Vocabularies: the words a rule interprets (who counts as leadership, which
//! meetings are forecasts, what a demand-creation purpose is), kept in one
//! file per pack (`vocabularies.yaml`) instead of inside each rule, and
//! extended per org in `mktaudit.yaml`.
//!
//! Terms match after [`normalize`]: case, punctuation, `_`/`-`/`/` and
//! camelCase do not matter, so `Board of Directors`, `board_of_directors`
//! and `boardOfDirectors` are one term.

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

/// The file in a pack's root folder that holds its vocabularies.
pub const FILE_NAME: &str = "vocabularies.yaml";

/// One named vocabulary as written in `vocabularies.yaml`.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawVocabulary {
    /// What a value in this vocabulary means, for `explain` and the docs.
    pub description: String,
    /// The values that belong to it, as real exports write them.
    pub terms: Vec<String>,
    /// Fields (`kpis.audience`) whose values this vocabulary also names, though
    /// no rule tests them with it: the values rules read as "none of these" on
    /// purpose (a `channel` audience, a `ceo` who is not in marketing), so
    /// they are not reported as values the audit did not understand.
    #[serde(default)]
    pub describes: Vec<String>,
    /// Names the vocabulary had in earlier versions of the pack: words an
    /// org's `mktaudit.yaml` adds under one of them go to this vocabulary,
    /// with a note, so a config written for the older pack keeps working.
    #[serde(default)]
    pub formerly: Vec<String>,
}

/// A vocabulary ready to match: its terms normalised into a set.
#[derive(Debug, Clone, Default)]
pub struct Vocabulary {
    pub description: String,
    /// The terms as written (for docs and reports).
    pub terms: Vec<String>,
    /// Fields whose values it names besides those rules test with it.
    pub describes: Vec<String>,
    /// Its names in earlier versions of the pack.
    pub formerly: Vec<String>,
    set: HashSet<String>,
    /// Multi-word terms with their words sorted, so `Review Pipeline` and
    /// `Team, Executive` match; terms with a negation are left out (word
    /// order matters in `not qualified`).
    bags: HashSet<String>,
}

impl Vocabulary {
    pub fn new(description: String, terms: Vec<String>) -> Self {
        let mut v = Self {
            description,
            terms: Vec::new(),
            describes: Vec::new(),
            formerly: Vec::new(),
            set: HashSet::new(),
            bags: HashSet::new(),
        };
        v.extend(&terms);
        v
    }

    /// Adds terms (an org's own words).
    pub fn extend(&mut self, terms: &[String]) {
        for t in terms {
            let n = normalize(t);
            if let Some(bag) = word_bag(&n) {
                self.bags.insert(bag);
            }
            if !n.is_empty() && self.set.insert(n) {
                self.terms.push(t.clone());
            }
        }
    }

    /// Takes terms out (an org whose definition is narrower than the pack's).
    /// A term is removed as it normalises, with its word-order form.
    pub fn remove(&mut self, terms: &[String]) {
        let gone: HashSet<String> = terms.iter().map(|t| normalize(t)).collect();
        self.set.retain(|t| !gone.contains(t));
        self.terms.retain(|t| !gone.contains(&normalize(t)));
        // Bags are rebuilt from what is left: two terms may share one.
        self.bags = self.set.iter().filter_map(|t| word_bag(t)).collect();
    }

    pub fn contains(&self, text: &str) -> bool {
        let n = normalize(text);
        self.set.contains(&n) || word_bag(&n).is_some_and(|b| self.bags.contains(&b))
    }

    pub fn normalized(&self) -> &HashSet<String> {
        &self.set
    }
}

/// Every vocabulary of a run, by name.
pub type Vocabularies = BTreeMap<String, Arc<Vocabulary>>;

/// Parses a pack's `vocabularies.yaml`.
pub fn parse(text: &str) -> Result<BTreeMap<String, RawVocabulary>, crate::yaml::Error> {
    crate::yaml::from_str(text)
}

/// The sorted words of a normalised multi-word term, or None where word
/// order is not safe to ignore (one word, or a negation).
fn word_bag(normalized: &str) -> Option<String> {
    let mut words: Vec<&str> = normalized.split(' ').filter(|w| !w.is_empty()).collect();
    if words.len() < 2
        || words
            .iter()
            .any(|w| matches!(*w, "not" | "no" | "non" | "without" | "un"))
    {
        return None;
    }
    words.sort_unstable();
    Some(words.join(" "))
}

/// Lower-case words separated by one space: `Exec-Team`, `exec_team`,
/// `execTeam` and ` EXEC  TEAM ` all read `exec team`; `&` reads `and`.
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 4);
    normalize_into(text, &mut out);
    out
}

pub use super::textset::TextSet;

/// [`normalize`] written into `out` (cleared first), so a pass over a
/// million cells reuses one buffer instead of allocating per cell.
pub fn normalize_into(text: &str, out: &mut String) {
    out.clear();
    if text.is_ascii() {
        normalize_ascii(text, out);
    } else {
        normalize_chars(text, out);
    }
}

// Thread-local scratch for `with_normalized`.
thread_local! {
    static SCRATCH: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
}

/// Calls `f` with the normalised text, without allocating (condition tests
/// run per row and cannot hold a buffer of their own: they are `Fn`).
pub fn with_normalized<T>(text: &str, f: impl FnOnce(&str) -> T) -> T {
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut buf) => {
            normalize_into(text, &mut buf);
            f(buf.as_str())
        }
        // Only if `f` itself normalises: fall back to a fresh string.
        Err(_) => f(&normalize(text)),
    })
}

/// The ASCII case of [`normalize_chars`], a run of lower-case letters and
/// digits at a time and byte by byte otherwise: ids and the values of
/// exports are ASCII, and this path needs no `Vec<char>`. For ASCII the char
/// predicates used there are exactly these byte predicates.
fn normalize_ascii(text: &str, out: &mut String) {
    let b = text.as_bytes();
    let plain = |c: &u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    let mut sep = false;
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        // A run of lowercase letters and digits is copied as it is: only an
        // uppercase letter can start a word inside a run of letters (the
        // digits of an id are most of what a grouping normalises).
        if plain(&c) {
            let end = b[i..].iter().position(|c| !plain(c)).map_or(b.len(), |n| i + n);
            if sep && !out.is_empty() {
                out.push(' ');
            }
            sep = false;
            out.push_str(&text[i..end]);
            i = end;
            continue;
        }
        if c.is_ascii_uppercase() {
            let boundary = i.checked_sub(1).map(|j| b[j]).is_some_and(|p| {
                p.is_ascii_lowercase()
                    || p.is_ascii_digit()
                    || (p.is_ascii_uppercase() && b.get(i + 1).is_some_and(u8::is_ascii_lowercase))
            });
            if (sep || boundary) && !out.is_empty() {
                out.push(' ');
            }
            sep = false;
            out.push(char::from(c.to_ascii_lowercase()));
        } else if c == b'&' {
            if !out.is_empty() {
                out.push_str(" and");
            }
            sep = true;
        } else if c != b'\'' {
            // (`CEO's` reads `ceos`, not `ceo s`.)
            sep = true;
        }
        i += 1;
    }
}

/// Any text, char by char.
fn normalize_chars(text: &str, out: &mut String) {
    let chars: Vec<char> = text.chars().collect();
    let mut sep = false;
    for (i, &c) in chars.iter().enumerate() {
        if c.is_alphanumeric() {
            let prev = i.checked_sub(1).map(|j| chars[j]);
            let next = chars.get(i + 1);
            // camelCase and PascalCase boundaries: `aB`, and `ABc` before the `B`.
            let boundary = c.is_uppercase()
                && prev.is_some_and(|p| {
                    p.is_lowercase()
                        || p.is_ascii_digit()
                        || (p.is_uppercase() && next.is_some_and(|n| n.is_lowercase()))
                });
            if (sep || boundary) && !out.is_empty() {
                out.push(' ');
            }
            sep = false;
            out.extend(c.to_lowercase());
        } else if c == '&' {
            if !out.is_empty() {
                out.push_str(" and");
            }
            sep = true;
        } else if c == '\'' || c == '’' {
            // `CEO's` reads `ceos`, not `ceo s`.
        } else {
            sep = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// The ASCII path reads every ASCII text as the general one does.
        #[test]
        fn the_ascii_path_normalises_like_the_general_one(text in "[ -~]{0,24}") {
            let (mut fast, mut general) = (String::new(), String::new());
            normalize_ascii(&text, &mut fast);
            normalize_chars(&text, &mut general);
            proptest::prop_assert_eq!(fast, general);
        }
    }

    #[test]
    fn spellings_of_one_term_normalise_alike() {
        for s in [
            "Board of Directors",
            "board_of_directors",
            "boardOfDirectors",
            "BoardOfDirectors",
            "  BOARD-of-directors ",
            "board / of / directors",
        ] {
            assert_eq!(normalize(s), "board of directors", "{s}");
        }
        assert_eq!(normalize("ELT"), "elt");
        assert_eq!(normalize("VPMarketing"), "vp marketing");
        assert_eq!(normalize("Sales & Marketing"), "sales and marketing");
        assert_eq!(normalize("CEO's staff"), "ceos staff");
        assert_eq!(normalize("Q3 2025"), "q3 2025");
        assert_eq!(normalize("campaignId"), "campaign id");
        assert_eq!(normalize(""), "");
    }

    #[test]
    fn a_vocabulary_matches_any_spelling_and_extends() {
        let mut v = Vocabulary::new("leadership".into(), vec!["board".into(), "Executive team".into()]);
        assert!(v.contains("BOARD"));
        assert!(v.contains("executive_team"));
        assert!(v.contains("executiveTeam"));
        assert!(!v.contains("Board of Directors"));
        v.extend(&["Board of Directors".into(), "board".into()]);
        assert!(v.contains("board-of-directors"));
        assert_eq!(v.terms.len(), 3, "a term already there is not added twice");
    }

    /// A budget line has one kind: a word in two of the budget vocabularies
    /// would count a line twice in STRAT-005's mix (rules/vocabularies.yaml,
    /// "budgets").
    #[test]
    fn the_budget_kinds_share_no_word() {
        let raw = parse(include_str!("../../rules/vocabularies.yaml")).unwrap();
        let kinds = [
            "overhead_budget",
            "demand_program",
            "event_program",
            "communications_program",
            "enablement_program",
            "brand_program",
            "program_budget",
            "budget_other_cost",
        ];
        let built: Vec<(&str, Vocabulary)> = kinds
            .iter()
            .map(|k| (*k, Vocabulary::new(String::new(), raw[*k].terms.clone())))
            .collect();
        for (i, (a, va)) in built.iter().enumerate() {
            for (b, vb) in &built[i + 1..] {
                for term in &va.terms {
                    assert!(!vb.contains(term), "`{term}` is in both {a} and {b}");
                }
            }
        }
    }

    #[test]
    fn word_order_is_ignored_where_safe() {
        let v = Vocabulary::new(
            "meetings".into(),
            vec!["pipeline review".into(), "not qualified".into()],
        );
        assert!(v.contains("Review - Pipeline"));
        assert!(v.contains("PipelineReview"));
        assert!(!v.contains("pipeline"), "a part of a term is not the term");
        assert!(v.contains("not qualified"));
        assert!(!v.contains("qualified not"), "a negation keeps its word order");
        assert!(!v.contains("review pipeline review"), "words are not counted loosely");
    }
}
