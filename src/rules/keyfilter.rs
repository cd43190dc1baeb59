//! A quick "surely not" for a raw cell against a small set of normalised
//! keys, asked before the cell is normalised.
//!
//! A semi-join or lookup from a few thousand keys into a million ids
//! normalises every id to compare it, and almost none is a key. Normalising
//! (see [`crate::rules::vocab::normalize`]) lower-cases the letters and digits
//! of an ASCII text and turns what lies between them into single spaces, so
//! a text and its normal form end in the same letters and digits. The last
//! eight of them, read backwards from the raw bytes, tell most ids apart
//! from the keys (ids differ at their end); only the few that pass (the
//! keys, and about one in sixty others) are normalised and looked up.

use super::textset::TextSet;

/// Bits of the filter per key. Each key sets two bits of one word (a
/// blocked Bloom filter: one read per test): about one miss in sixty
/// passes it, where one bit per key let one in seventeen through, and each
/// of those cost a lookup that missed the cache (COMP-007 tests a million
/// deal ids against 96,000 lead links).
const BITS_PER_KEY: usize = 16;

pub(crate) struct KeyFilter {
    words: Vec<u64>,
    /// The number of words, less one (a power of two).
    mask: u64,
}

impl KeyFilter {
    /// A filter for `keys` (normalised texts) when it pays: when the texts
    /// to test (`probes` of them) are several times as many as the keys.
    pub fn for_probes(keys: &TextSet, probes: usize) -> Option<KeyFilter> {
        if keys.len().saturating_mul(4) > probes {
            return None;
        }
        let words = (keys.len() * BITS_PER_KEY / 64).next_power_of_two().max(1);
        let mut filter = KeyFilter {
            words: vec![0; words],
            mask: words as u64 - 1,
        };
        for key in keys.texts() {
            // A key is letters and digits between single spaces.
            filter.set(tail_hash(key.bytes().rev().filter(|b| *b != b' ')));
        }
        Some(filter)
    }

    fn set(&mut self, h: u64) {
        let (word, bits) = self.place(h);
        self.words[word] |= bits;
    }

    /// The word a hash falls in, and its two bits there: the word from the
    /// low bits, the bits from the high ones (apart from those).
    #[inline]
    fn place(&self, h: u64) -> (usize, u64) {
        let bits = (1 << (h >> 58)) | (1 << ((h >> 52) & 63));
        ((h & self.mask) as usize, bits)
    }

    /// False only when `raw`, normalised, is surely none of the keys.
    #[inline]
    pub fn may_hold(&self, raw: &str) -> bool {
        // `&` reads `and`, and other scripts have letters of their own: a
        // text with either among its last letters is normalised and looked up.
        let mut packed: u64 = 0;
        let mut n = 0;
        for &b in raw.as_bytes().iter().rev() {
            if b.is_ascii_alphanumeric() {
                packed |= u64::from(b | 0x20) << (8 * n);
                n += 1;
                if n == TAIL {
                    break;
                }
            } else if b >= 0x80 || b == b'&' {
                return true;
            }
        }
        let (word, bits) = self.place(mix(packed));
        self.words[word] & bits == bits
    }
}

/// Letters and digits a text is told apart by, from its end.
const TAIL: usize = 8;

/// The hash of a key's last letters and digits, given from the end.
fn tail_hash(from_end: impl Iterator<Item = u8>) -> u64 {
    let mut packed: u64 = 0;
    for (n, b) in from_end.take(TAIL).enumerate() {
        // Lower-case letters and digits already have this bit.
        packed |= u64::from(b | 0x20) << (8 * n);
    }
    mix(packed)
}

#[inline]
fn mix(packed: u64) -> u64 {
    let h = packed.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    h ^ (h >> 29)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::vocab::normalize;

    #[test]
    fn a_key_in_any_spelling_passes_and_most_others_do_not() {
        let keys: TextSet = (0..1000).map(|i| normalize(&format!("O-{i:07}"))).collect();
        let filter = KeyFilter::for_probes(&keys, 100_000).unwrap();
        for i in 0..1000 {
            for spelling in [format!("O-{i:07}"), format!("o_{i:07}"), format!(" O {i:07} ")] {
                assert!(filter.may_hold(&spelling), "{spelling}");
            }
        }
        let passed = (1000..101_000)
            .filter(|i| filter.may_hold(&format!("O-{i:07}")))
            .count();
        assert!(passed < 100_000 / 25, "{passed} of 100,000 others pass");
        // Too many keys for the texts tested: no filter.
        assert!(KeyFilter::for_probes(&keys, 3000).is_none());
    }

    proptest::proptest! {
        /// Whatever the text, its normal form among the keys means it passes.
        #[test]
        fn never_turns_away_a_key(texts in proptest::collection::vec("[a-zA-Z0-9 _&'.-]{0,12}|.{0,6}", 1..30)) {
            let keys: TextSet = texts.iter().map(|t| normalize(t)).collect();
            let filter = KeyFilter::for_probes(&keys, usize::MAX).unwrap();
            for t in &texts {
                proptest::prop_assert!(filter.may_hold(t), "{:?} normalised {:?}", t, normalize(t));
            }
        }
    }
}
