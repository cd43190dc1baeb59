//! A set of texts kept in one buffer. Semi-joins and distinct counts hold up
//! to a million ids per audit; as a `HashSet<String>` each id was its own
//! allocation, and building and freeing a million of them cost more than
//! reading the file they came from (freeing them showed in the next rule's
//! time, as the allocator consolidated).

use std::collections::HashMap;
use std::hash::{BuildHasher, BuildHasherDefault, Hasher};

/// The texts back to back, found by their hash, each numbered in the order
/// it was first inserted (a group-by numbers its groups so). Exact: a text
/// whose hash another text already has is kept in `more`, so two texts never
/// count as one. Nothing iterates the set, so its layout reaches no report.
#[derive(Debug, Clone, Default)]
pub struct TextSet {
    text: String,
    /// Hash -> where the first text with that hash sits in `text` (start,
    /// length), and its number.
    first: HashMap<u64, (usize, u32, u32), BuildHasherDefault<Passthrough>>,
    /// Texts whose hash an earlier, different text has (rare), and texts
    /// too long for `first`, with their numbers.
    more: HashMap<String, u32, foldhash::fast::RandomState>,
    len: usize,
}

/// The keys of `first` are already hashes: they are used as they are.
#[derive(Default)]
pub struct Passthrough(u64);

impl Hasher for Passthrough {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        // Only `write_u64` is used; anything else still hashes.
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

pub(crate) fn hash(text: &str) -> u64 {
    // A fixed seed: the hash only places texts, and a fixed one keeps runs alike.
    foldhash::fast::FixedState::with_seed(0x6d6b_7461_7564_6974).hash_one(text)
}

impl TextSet {
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn contains(&self, text: &str) -> bool {
        self.contains_hashed(hash(text), text)
    }

    /// Adds a text; false when it was there already.
    pub fn insert(&mut self, text: &str) -> bool {
        self.number_hashed(hash(text), text).1
    }

    /// The text's number (0, 1, ... in order of first insertion), and
    /// whether it was new.
    pub fn number(&mut self, text: &str) -> (u32, bool) {
        self.number_hashed(hash(text), text)
    }

    /// The text's number, if the set has it.
    pub fn find(&self, text: &str) -> Option<u32> {
        self.find_hashed(hash(text), text)
    }

    /// Every text, in no set order: for uses that do not depend on one
    /// (a filter's bits are the same whatever order sets them).
    #[allow(clippy::iter_over_hash_type, reason = "the order reaches nothing: see above")]
    pub fn texts(&self) -> impl Iterator<Item = &str> {
        let first = self
            .first
            .values()
            .map(|&(start, len, _)| &self.text[start..start + len as usize]);
        first.chain(self.more.keys().map(String::as_str))
    }

    /// Every text with its number, in no set order (see [`TextSet::texts`]).
    #[allow(clippy::iter_over_hash_type, reason = "the order reaches nothing: see above")]
    pub fn numbered(&self) -> impl Iterator<Item = (u32, &str)> {
        let first = self
            .first
            .values()
            .map(|&(start, len, n)| (n, &self.text[start..start + len as usize]));
        first.chain(self.more.iter().map(|(text, n)| (*n, text.as_str())))
    }

    /// The texts whose number `keep` takes, in a set of their own (numbered
    /// anew, in no set order).
    #[allow(clippy::iter_over_hash_type, reason = "the order reaches nothing: see above")]
    pub fn numbered_only(&self, keep: impl Fn(u32) -> bool) -> TextSet {
        let mut out = TextSet::default();
        for &(start, len, n) in self.first.values() {
            if keep(n) {
                out.insert(&self.text[start..start + len as usize]);
            }
        }
        for (text, &n) in &self.more {
            if keep(n) {
                out.insert(text);
            }
        }
        out
    }

    fn find_hashed(&self, h: u64, text: &str) -> Option<u32> {
        match self.first.get(&h) {
            Some(&(start, len, n)) if &self.text[start..start + len as usize] == text => Some(n),
            _ if self.more.is_empty() => None,
            _ => self.more.get(text).copied(),
        }
    }

    fn contains_hashed(&self, h: u64, text: &str) -> bool {
        match self.first.get(&h) {
            Some(&(start, len, _)) if &self.text[start..start + len as usize] == text => true,
            _ => !self.more.is_empty() && self.more.contains_key(text),
        }
    }

    fn number_hashed(&mut self, h: u64, text: &str) -> (u32, bool) {
        // Past u32::MAX texts numbers would repeat: the last number is
        // reused, which no export comes near (a group-by caps its groups).
        let next = u32::try_from(self.len).unwrap_or(u32::MAX);
        match (self.first.get(&h), u32::try_from(text.len())) {
            (Some(&(start, len, n)), _) if &self.text[start..start + len as usize] == text => return (n, false),
            (None, Ok(len)) => {
                let start = self.text.len();
                self.text.push_str(text);
                self.first.insert(h, (start, len, next));
            }
            _ => match self.more.get(text) {
                Some(n) => return (*n, false),
                None => {
                    self.more.insert(text.to_string(), next);
                }
            },
        }
        self.len += 1;
        (next, true)
    }
}

impl<S: AsRef<str>> Extend<S> for TextSet {
    fn extend<I: IntoIterator<Item = S>>(&mut self, iter: I) {
        for t in iter {
            self.insert(t.as_ref());
        }
    }
}

impl<S: AsRef<str>> FromIterator<S> for TextSet {
    fn from_iter<I: IntoIterator<Item = S>>(iter: I) -> Self {
        let mut set = TextSet::default();
        set.extend(iter);
        set
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_are_kept_once_and_found_exactly() {
        let mut set = TextSet::default();
        assert!(set.insert("l 0000001"));
        assert!(set.insert(""));
        assert!(!set.insert("l 0000001"));
        assert!(set.insert("l 000000"));
        assert_eq!(set.len(), 3);
        assert!(set.contains("l 0000001") && set.contains("") && set.contains("l 000000"));
        assert!(!set.contains("l 00000011") && !set.contains("L 0000001"));
    }

    #[test]
    fn texts_sharing_a_hash_stay_apart() {
        // Every text filed under one hash, as if they all collided.
        let mut set = TextSet::default();
        let inserted: Vec<bool> = ["a", "b", "c", "b", "a"]
            .iter()
            .map(|t| set.number_hashed(7, t).1)
            .collect();
        assert_eq!(inserted, [true, true, true, false, false]);
        assert_eq!(set.number_hashed(7, "c"), (2, false));
        assert_eq!(set.number_hashed(7, "d"), (3, true));
        assert_eq!(set.number_hashed(7, "b"), (1, false));
        assert_eq!(set.len(), 4);
        assert!(["a", "b", "c"].iter().all(|t| set.contains_hashed(7, t)));
        assert!(set.contains_hashed(7, "d") && !set.contains_hashed(7, "e") && !set.contains_hashed(8, "a"));
        assert_eq!(["b", "d", "e"].map(|t| set.find_hashed(7, t)), [Some(1), Some(3), None]);
    }

    proptest::proptest! {
        /// Whatever is inserted, the set answers as a `HashSet<String>` does.
        #[test]
        fn answers_as_a_hash_set(texts in proptest::collection::vec("[a-c ]{0,3}", 0..40), probes in proptest::collection::vec("[a-c ]{0,3}", 0..20)) {
            let mut set = TextSet::default();
            let mut reference = std::collections::HashSet::new();
            for t in &texts {
                proptest::prop_assert_eq!(set.insert(t), reference.insert(t.clone()));
            }
            proptest::prop_assert_eq!(set.len(), reference.len());
            // Numbers follow first insertion, whatever the hashes.
            let mut order: Vec<&String> = Vec::new();
            for t in &texts {
                if !order.contains(&t) {
                    order.push(t);
                }
            }
            for t in &texts {
                let n = order.iter().position(|o| *o == t).unwrap();
                proptest::prop_assert_eq!(set.number(t), (u32::try_from(n).unwrap(), false));
                proptest::prop_assert_eq!(set.find(t), Some(u32::try_from(n).unwrap()));
            }
            for p in probes.iter().chain(&texts) {
                proptest::prop_assert_eq!(set.contains(p), reference.contains(p));
                proptest::prop_assert_eq!(set.find(p).is_some(), reference.contains(p));
            }
        }
    }
}
