//! Keys numbered by first appearance without a hash table: the grouping of
//! `groups:` and the count of `distinct:` over a million mostly distinct
//! ids.
//!
//! A hash table of a million keys is tens of megabytes, and each key lands
//! in it at random: a miss to memory per key, whatever the hash. Here each
//! key is hashed once into a `u64` that also carries its position, the
//! `u64`s are sorted (a radix sort: a few sequential passes), and equal keys
//! are then next to each other; texts are compared only where hashes meet,
//! so two keys whose hashes collide stay apart. An export is often sorted by
//! its id already: a first pass that finds the keys in order numbers them
//! without hashing or sorting at all.

use crate::rules::textset::hash;
use std::cmp::Ordering;

/// A position with no key.
pub(super) const NONE: u32 = u32::MAX;

/// Below this many keys a hash table stays in cache and is as fast.
pub(super) const SORT_FROM: usize = 4096;

/// Each position's key number, 0, 1, ... in order of first appearance
/// ([`NONE`] where `key` writes no key), and how many keys there are.
/// `key(i, buf)` writes position `i`'s key into `buf` (replacing what it
/// holds) or returns false; it is called more than once per position and
/// must give the same key each time. `n` must be below `u32::MAX`.
pub(super) fn number(n: usize, mut key: impl FnMut(usize, &mut String) -> bool) -> (Vec<u32>, usize) {
    debug_assert!(n < NONE as usize);
    if let Some(numbered) = number_if_sorted(n, &mut key) {
        return numbered;
    }
    number_by_sorting(n, &mut key, hash)
}

/// The numbering when the keys come in order (equal keys then sit together,
/// and each new key is a new number); None as soon as a key is smaller than
/// the one before.
fn number_if_sorted(n: usize, key: &mut impl FnMut(usize, &mut String) -> bool) -> Option<(Vec<u32>, usize)> {
    let mut number_of = Vec::with_capacity(n);
    let (mut prev, mut cur) = (String::new(), String::new());
    let mut count = 0u32;
    for i in 0..n {
        if !key(i, &mut cur) {
            number_of.push(NONE);
            continue;
        }
        if count > 0 {
            match crate::value::compare_bytes(cur.as_bytes(), prev.as_bytes()) {
                Ordering::Less => return None,
                Ordering::Equal => {
                    number_of.push(count - 1);
                    continue;
                }
                Ordering::Greater => {}
            }
        }
        number_of.push(count);
        count += 1;
        std::mem::swap(&mut prev, &mut cur);
    }
    Some((number_of, count as usize))
}

/// The numbering of keys in any order: (hash, position) sorted, equal texts
/// found among equal hashes.
fn number_by_sorting(
    n: usize,
    key: &mut impl FnMut(usize, &mut String) -> bool,
    hash: impl Fn(&str) -> u64,
) -> (Vec<u32>, usize) {
    // The position fills the low bits, the hash the rest: sorting the u64s
    // brings equal hashes together (a hash cut to 32 bits or more: texts are
    // compared within a run anyway).
    let pos_bits = usize::BITS - n.leading_zeros();
    let mask = (1u64 << pos_bits) - 1;
    let mut lead: Vec<u32> = vec![NONE; n];
    let mut packed: Vec<u64> = Vec::with_capacity(n);
    let mut buf = String::new();
    for i in 0..n {
        if key(i, &mut buf) {
            packed.push((hash(&buf) << pos_bits) | i as u64);
        }
    }
    // The low bytes that hold only position bits are in order already.
    radix_sort(&mut packed, pos_bits as usize / 8);
    // Each position's lead: the first position with the same text.
    let mut scratch = String::new();
    let mut spans: Vec<(usize, usize, u32)> = Vec::new();
    for run in packed.chunk_by(|a, b| a >> pos_bits == b >> pos_bits) {
        if let [one] = run {
            lead[(one & mask) as usize] = (one & mask) as u32;
            continue;
        }
        // Mostly one text (a key repeated): the others, texts whose hashes
        // collide with it, are sorted by text to find their own leads.
        let first = (run[0] & mask) as u32;
        key(first as usize, &mut scratch);
        let first_len = scratch.len();
        spans.clear();
        for x in &run[1..] {
            let p = (x & mask) as u32;
            key(p as usize, &mut buf);
            if buf == scratch[..first_len] {
                lead[p as usize] = first;
            } else {
                spans.push((scratch.len(), buf.len(), p));
                scratch.push_str(&buf);
            }
        }
        lead[first as usize] = first;
        let text = |s: &(usize, usize, u32)| &scratch[s.0..s.0 + s.1];
        spans.sort_unstable_by(|a, b| text(a).cmp(text(b)).then(a.2.cmp(&b.2)));
        for same in spans.chunk_by(|a, b| text(a) == text(b)) {
            for s in same {
                lead[s.2 as usize] = same[0].2;
            }
        }
    }
    drop(packed);
    // Numbers in order of first appearance, written over the leads: a lead
    // comes before the positions that follow it, so its number is ready.
    let mut count = 0u32;
    for i in 0..n {
        let l = lead[i];
        if l == NONE {
            continue;
        }
        lead[i] = if l as usize == i {
            count += 1;
            count - 1
        } else {
            lead[l as usize]
        };
    }
    (lead, count as usize)
}

/// Sorts by a byte at a time from the lowest (LSD radix sort): up to eight
/// sequential passes over the values, skipping a byte that all share. The
/// values must be in order already by their lowest `sorted` bytes (each
/// pass keeps the order of values with the same byte).
fn radix_sort(v: &mut Vec<u64>, sorted: usize) {
    if v.len() < 256 {
        v.sort_unstable();
        return;
    }
    let mut counts = [[0usize; 256]; 8];
    for x in v.iter() {
        for (b, c) in counts.iter_mut().enumerate() {
            c[((x >> (8 * b)) & 0xff) as usize] += 1;
        }
    }
    let mut other = vec![0u64; v.len()];
    for (b, c) in counts.iter().enumerate().skip(sorted) {
        if c.contains(&v.len()) {
            continue;
        }
        let mut next = [0usize; 256];
        let mut at = 0;
        for (slot, n) in next.iter_mut().zip(c) {
            *slot = at;
            at += n;
        }
        for x in v.iter() {
            let d = ((x >> (8 * b)) & 0xff) as usize;
            other[next[d]] = *x;
            next[d] += 1;
        }
        std::mem::swap(v, &mut other);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The numbering worked out with a map: each text's number is how many
    /// different texts came before its first appearance.
    fn expected(keys: &[Option<String>]) -> (Vec<u32>, usize) {
        let mut seen: Vec<&String> = Vec::new();
        let numbers = keys
            .iter()
            .map(|k| match k {
                None => NONE,
                Some(k) => match seen.iter().position(|s| *s == k) {
                    Some(n) => n as u32,
                    None => {
                        seen.push(k);
                        seen.len() as u32 - 1
                    }
                },
            })
            .collect();
        (numbers, seen.len())
    }

    fn key_of(keys: &[Option<String>]) -> impl FnMut(usize, &mut String) -> bool + '_ {
        |i, buf| {
            buf.clear();
            keys[i].as_ref().map(|k| buf.push_str(k)).is_some()
        }
    }

    #[test]
    fn keys_in_order_are_numbered_without_sorting() {
        let keys: Vec<Option<String>> = ["a", "a", "", "b", "c", "c"]
            .iter()
            .map(|k| (!k.is_empty()).then(|| k.to_string()))
            .collect();
        let numbered = number_if_sorted(keys.len(), &mut key_of(&keys));
        assert_eq!(numbered, Some((vec![0, 0, NONE, 1, 2, 2], 3)));
        let unsorted: Vec<Option<String>> = vec![Some("b".into()), None, Some("a".into())];
        assert_eq!(number_if_sorted(unsorted.len(), &mut key_of(&unsorted)), None);
        assert_eq!(number(unsorted.len(), key_of(&unsorted)), (vec![0, NONE, 1], 2));
    }

    #[test]
    fn the_radix_sort_sorts() {
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let mut v: Vec<u64> = (0..5000)
            .map(|i| {
                x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                // Some values share their high or low bytes, some repeat.
                match i % 3 {
                    0 => x >> 40,
                    1 => x << 24,
                    _ => x % 97,
                }
            })
            .collect();
        let mut want = v.clone();
        want.sort_unstable();
        radix_sort(&mut v, 0);
        assert_eq!(v, want);
        // Values in order by their low two bytes (a position) need no pass over them.
        let mut v: Vec<u64> = want.iter().enumerate().map(|(i, x)| (x << 16) | i as u64).collect();
        v.reverse();
        v.sort_unstable_by_key(|x| x & 0xffff);
        let mut want = v.clone();
        want.sort_unstable();
        radix_sort(&mut v, 2);
        assert_eq!(v, want);
    }

    proptest::proptest! {
        /// Sorted or not, both ways number as a map of first appearances does.
        #[test]
        fn keys_are_numbered_by_first_appearance(
            keys in proptest::collection::vec(proptest::option::of("[ab]{0,3}"), 0..300),
            sort in proptest::bool::ANY,
        ) {
            let mut keys = keys;
            if sort {
                keys.sort_by(|a, b| a.as_deref().unwrap_or("").cmp(b.as_deref().unwrap_or("")));
            }
            let want = expected(&keys);
            proptest::prop_assert_eq!(number(keys.len(), key_of(&keys)), want.clone());
            proptest::prop_assert_eq!(number_by_sorting(keys.len(), &mut key_of(&keys), hash), want.clone());
            // Texts whose hashes collide stay apart: here every hash is one.
            proptest::prop_assert_eq!(number_by_sorting(keys.len(), &mut key_of(&keys), |_| 7), want);
        }
    }
}
