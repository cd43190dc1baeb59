//! Integrity checks over a loaded bundle that both `inspect` and `audit`
//! report, so a bundle checked before the audit says the same as the audit.

use super::Bundle;
use rayon::prelude::*;
use std::collections::{BTreeMap, HashSet};

/// Ids that more than one row of a dataset carries: a campaign listed twice
/// counts its cost and pipeline twice in every rule that sums them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateIds {
    /// Ids that appear more than once.
    pub ids: usize,
    /// Rows beyond the first of each such id.
    pub extra_rows: usize,
    /// The first few, `C-01 (2x)`.
    pub examples: Vec<String>,
}

const EXAMPLES: usize = 5;

/// The duplicate ids of one dataset (none for a single-record dataset or one
/// without its id column).
pub fn duplicate_ids(bundle: &Bundle, dataset: &str) -> Option<DuplicateIds> {
    let schema = super::schema::Schema::get().dataset(dataset)?;
    let ds = bundle.dataset(dataset)?;
    if schema.single {
        return None;
    }
    let col = ds.column(&ds.id_field)?;
    // Ordered ids (found once per column, and shared with the rules that
    // look ids up) repeat none.
    if col.ordered_ids().is_some() {
        return None;
    }
    let ids = || (0..ds.rows).filter_map(|r| col.text(r).filter(|t| !t.is_empty()));
    // Exports are usually sorted by id: strictly increasing ids repeat none,
    // and checking that costs no hashing over a million-row export.
    let mut previous: Option<&str> = None;
    if ids().all(|t| {
        previous
            .replace(t)
            .is_none_or(|p| crate::value::compare_bytes(p.as_bytes(), t.as_bytes()).is_lt())
    }) {
        return None;
    }
    let mut once: HashSet<&str> = HashSet::with_capacity(ds.rows);
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    for t in ids() {
        if !once.insert(t) {
            *seen.entry(t).or_insert(1) += 1;
        }
    }
    let dups: Vec<(&str, usize)> = seen.into_iter().collect();
    (!dups.is_empty()).then(|| DuplicateIds {
        ids: dups.len(),
        extra_rows: dups.iter().map(|(_, n)| n - 1).sum(),
        examples: dups
            .iter()
            .take(EXAMPLES)
            .map(|(id, n)| format!("{id} ({n}x)"))
            .collect(),
    })
}

/// The notes an audit adds for the datasets it read: each dataset whose ids repeat.
pub fn notes<'a>(bundle: &Bundle, datasets: impl Iterator<Item = &'a str>) -> Vec<super::Note> {
    // Each dataset's ids checked on their own, in parallel (a million leads
    // and a million deals); the notes keep the datasets' order.
    let datasets: Vec<&str> = datasets.collect();
    datasets
        .par_iter()
        .filter_map(|&name| {
            let d = duplicate_ids(bundle, name)?;
            let ds = bundle.dataset(name)?;
            Some(super::Note {
                file: ds.file.clone(),
                message: format!(
                    "{} {name} id{} appear{} on more than one row ({} extra row{}, e.g. {}): rules that count or sum {name} count each row, so check whether they are one record exported twice",
                    d.ids,
                    if d.ids == 1 { "" } else { "s" },
                    if d.ids == 1 { "s" } else { "" },
                    d.extra_rows,
                    if d.extra_rows == 1 { "" } else { "s" },
                    d.examples.join(", ")
                ),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bundle(csv: &str) -> (tempfile::TempDir, Bundle) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("campaigns.csv"), csv).unwrap();
        let b = crate::bundle::load_bundle(dir.path(), None).unwrap();
        (dir, b)
    }

    #[test]
    fn repeated_ids_are_counted_sorted_or_not() {
        let (_d, b) = bundle("id,name\nC-1,a\nC-2,b\nC-3,c\n");
        assert_eq!(duplicate_ids(&b, "campaigns"), None);
        let (_d, b) = bundle("id,name\nC-2,a\nC-1,b\nC-2,c\nC-1,d\nC-2,e\nC-3,f\n");
        let d = duplicate_ids(&b, "campaigns").unwrap();
        assert_eq!((d.ids, d.extra_rows), (2, 3));
        assert_eq!(d.examples, ["C-1 (2x)", "C-2 (3x)"]);
        // Sorted with a repeat: not strictly increasing, so still found.
        let (_d, b) = bundle("id,name\nC-1,a\nC-1,b\nC-2,c\n");
        assert_eq!(duplicate_ids(&b, "campaigns").unwrap().extra_rows, 1);
        let notes = notes(&b, ["campaigns"].into_iter());
        assert!(
            notes[0]
                .message
                .starts_with("1 campaigns id appears on more than one row (1 extra row, e.g. C-1 (2x))"),
            "{}",
            notes[0].message
        );
    }
}
