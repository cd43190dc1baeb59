//! The `groups:` step: rows grouped by a key, each group judged by its own
//! values, kept per key for messages, sorts and aggregates over the key set;
//! and a `distinct:` count that shares its grouping.

use super::super::bind::{At, Scope, bind};
use super::super::rows::aggregate_column;
use super::*;
use crate::rules::bound::Bound;
use crate::rules::select::Mask;

/// The values of each kept group of a `groups` set, for templates, sorts
/// and aggregates over its keys, and the rows behind it. Thousands of
/// groups may be kept (CRED-003 keeps 13,000 deals counted twice): each
/// is a place in flat lists, not a map entry of its own per list, and its
/// values stay as the step computed them (a short text is no allocation).
#[derive(Debug, Default)]
pub(super) struct GroupValues {
    /// The values' names: `count`, then the `let:` values computed with it.
    pub names: Vec<String>,
    /// Key -> the kept group's place.
    place: KeyMap<u32>,
    /// Each kept group's values, `names.len()` of them, by place.
    values: Vec<Val>,
    /// Each kept group's first rows (at most [`GROUP_EVIDENCE_ROWS`]), the
    /// records cited as evidence of its finding.
    cited: Vec<FirstRows>,
    /// The `groups` step whose lists (`let: x: { list: … }`) are shown only
    /// when read, and every row of each kept group by place: a report shows
    /// a few dozen of thousands of lists.
    lists: Option<(usize, Vec<Vec<u32>>)>,
}

impl GroupValues {
    /// The value at `place` among the names of the group `key`.
    fn value(&self, key: &str, place: usize) -> Option<&Val> {
        let at = *self.place.get(key)? as usize;
        self.values.get(at * self.names.len() + place)
    }

    /// The records cited as evidence of the group `key`'s finding.
    pub fn cited(&self, key: &str) -> &[u32] {
        self.place
            .get(key)
            .and_then(|at| self.cited.get(*at as usize))
            .map_or(&[], FirstRows::rows)
    }
}

/// Per key of a key set, looked up by key only: the set's own order
/// (`BTreeSet`) is the order anything is shown in, so these maps are hashed
/// (a sorted map compared each of thousands of keys a dozen times).
pub(super) type KeyMap<T> = HashMap<String, T, foldhash::fast::RandomState>;

/// Records cited as evidence of one group's finding: enough to check the
/// finding in the export; the finding's message gives the counts.
pub(super) const GROUP_EVIDENCE_ROWS: usize = 5;

/// A group's lowest rows, at most [`GROUP_EVIDENCE_ROWS`], held in place.
#[derive(Debug, Clone, Copy, Default)]
struct FirstRows {
    rows: [u32; GROUP_EVIDENCE_ROWS],
    len: u8,
}

impl FirstRows {
    /// The `GROUP_EVIDENCE_ROWS` lowest of `rows` in order: a group's first
    /// rows in the export (a grouping need not keep row order), found in
    /// one pass without copying or sorting the group (a kept group may
    /// hold a million rows).
    fn of(rows: &[u32]) -> FirstRows {
        let mut first = FirstRows::default();
        for &r in rows {
            let n = usize::from(first.len);
            let at = first.rows[..n].partition_point(|x| *x < r);
            if at == GROUP_EVIDENCE_ROWS {
                continue;
            }
            first.rows.copy_within(at..GROUP_EVIDENCE_ROWS - 1, at + 1);
            first.rows[at] = r;
            first.len = (n + 1).min(GROUP_EVIDENCE_ROWS) as u8;
        }
        first
    }

    fn rows(&self) -> &[u32] {
        &self.rows[..usize::from(self.len)]
    }
}

impl Ctx<'_> {
    /// A distinct count of a text field that a later `groups:` of the same
    /// rows groups by: the number of groups (both compare words), and the
    /// grouping kept for that step. None where the plan has no such step.
    pub(super) fn distinct_by_grouping(
        &self,
        from: &str,
        field: &str,
        table: Table<'_>,
        rows: &[u32],
    ) -> Option<usize> {
        let grouped_later = self
            .steps
            .iter()
            .any(|(_, s)| matches!(s, Step::Groups { from: f, by, by_month: false, .. } if f == from && by.as_slice() == [field]));
        let col = table.column(field).filter(|c| c.ty == FieldType::Text)?;
        if !grouped_later {
            return None;
        }
        // Ordered ids are each their own group: counted without grouping
        // them (the later step groups them if it is asked for).
        if crate::rules::ordered_keys::IdKeys::of(col).is_some() {
            return Some(rows.len());
        }
        let grouping = Grouping::count(col, rows, false);
        let n = grouping.len();
        self.groupings
            .borrow_mut()
            .insert((self.rows_named(from), field.to_string()), grouping);
        Some(n)
    }

    /// What `from` names as seen from the step being computed.
    pub(super) fn rows_named(&self, from: &str) -> RowsOf {
        let step = self.index.get(from).copied().filter(|i| *i < self.visible.get());
        (step, from.to_string())
    }

    /// `rows` of `from` grouped by `by` (the columns of its fields): the
    /// grouping a distinct count of the same field built, or a new one.
    fn grouping(
        &self,
        from: &str,
        key_cols: &[Option<&crate::bundle::Column>],
        rows: &[u32],
        (by, by_month): (&[String], bool),
    ) -> Grouping {
        match (by, key_cols) {
            ([field], [Some(col)]) if !by_month => self
                .groupings
                .borrow_mut()
                .remove(&(self.rows_named(from), field.clone()))
                .map_or_else(|| Grouping::build(col, rows, false), |c| c.lay_out(col, rows)),
            (_, [Some(col)]) => Grouping::build(col, rows, by_month),
            _ => Grouping::build_by(key_cols, rows),
        }
    }

    /// The kept groups' keys, values and first rows (the evidence), and
    /// all their rows, in order, if the step keeps them (`members`).
    pub(super) fn groups(
        &self,
        (from, dataset): (&str, &str),
        (by, by_month, members): (&[String], bool, bool),
        any: &Option<Condition>,
        none: &Option<Condition>,
        lets: &[GroupLet],
        having: Option<&Expr>,
    ) -> (BTreeSet<String>, GroupValues, Vec<u32>) {
        let (ds, rows) = self.rows_of(from, dataset);
        let Some(ds) = ds else {
            return Default::default();
        };
        // Grouped by the first field's values: without its column, no group.
        let key_cols: Vec<Option<&crate::bundle::Column>> = by.iter().map(|f| ds.column(f)).collect();
        if key_cols.first().is_none_or(Option::is_none) {
            return Default::default();
        }
        let grouping = self.grouping(from, &key_cols, &rows, (by, by_month));
        let mut kept: Vec<u32> = Vec::new();
        // Groups are judged one by one and kept keys go into sorted sets, so
        // the order groups are numbered in reaches no report.
        let groups = (0..grouping.len()).map(|g| (g, grouping.rows(g)));
        let any = any.as_ref().map(|c| c.bind_cols(&ds, self));
        let none = none.as_ref().map(|c| c.bind_cols(&ds, self));
        let filters: Vec<Option<LetFilter>> = lets
            .iter()
            .map(|l| {
                l.filter.as_ref().map(|f| {
                    if rows.len() < MARK_FROM {
                        return LetFilter::Rowwise(f.bind_cols(&ds, self));
                    }
                    LetFilter::Marked(Mask::of_rows(ds.ds.rows, &self.filtered(from, dataset, Some(f)).1))
                })
            })
            .collect();
        let mut judged: Vec<&str> = Vec::new();
        if let Some(h) = having {
            h.names(&mut judged, &mut Vec::new());
        }
        // Each value's place among the group's values (a `let:` named
        // `count` replaces the count), worked out once for all groups;
        // lists no `having:` reads are shown when read (see GroupValues).
        let mut names: Vec<String> = vec!["count".to_string()];
        let places: Vec<Option<usize>> = lets
            .iter()
            .map(|l| {
                let later =
                    matches!(l.how, GroupHow::List { .. }) && l.name != "count" && !judged.contains(&l.name.as_str());
                (!later).then(|| {
                    names.iter().position(|n| *n == l.name).unwrap_or_else(|| {
                        names.push(l.name.clone());
                        names.len() - 1
                    })
                })
            })
            .collect();
        let is_judged: Vec<bool> = lets.iter().map(|l| judged.contains(&l.name.as_str())).collect();
        // `having` reads the group's values by position, bound before the
        // first group (a million groups of one id each may be judged).
        let value_names: Vec<&str> = names.iter().map(String::as_str).collect();
        let having = having.map(|h| {
            bind(
                h,
                &Scope {
                    table: ds,
                    fields: &[],
                    earlier: &value_names,
                    around: self,
                },
            )
        });
        // Each aggregate's column, found once.
        let columns: Vec<Option<&crate::bundle::Column>> = lets
            .iter()
            .map(|l| match &l.how {
                GroupHow::Agg(_, Some(f)) => ds.column(f),
                _ => None,
            })
            .collect();
        // The kept keys, each once, sorted at the end (a sort, then a tree
        // built from it: fewer compares than inserting one by one).
        let mut out: Vec<String> = Vec::new();
        let mut shown = GroupValues {
            lists: places
                .iter()
                .any(Option::is_none)
                .then(|| (self.visible.get(), Vec::new())),
            names: names.clone(),
            ..GroupValues::default()
        };
        // One list of values, reset per group (a million groups, most
        // judged and dropped).
        let mut values: Vec<Val> = vec![Val::Null; shown.names.len()];
        for (g, rows) in groups {
            if any.as_ref().is_some_and(|c| !rows.iter().any(|r| c.eval(*r as usize))) {
                continue;
            }
            if none.as_ref().is_some_and(|c| rows.iter().any(|r| c.eval(*r as usize))) {
                continue;
            }
            values.fill(Val::Null);
            values[0] = Val::Num(rows.len() as f64);
            // The values `having` reads first; the others (a list of the
            // group's rows, shown) only for the groups it keeps.
            let compute = |judged: bool, values: &mut [Val]| {
                for (i, l) in lets.iter().enumerate() {
                    if let Some(place) = places[i].filter(|_| is_judged[i] == judged) {
                        values[place] = self.let_value(ds, (l, columns[i]), filters[i].as_ref(), rows);
                    }
                }
            };
            compute(true, &mut values);
            if let Some(h) = &having
                && !h
                    .eval(&At {
                        row: 0,
                        local: &values,
                        around: self,
                    })
                    .truthy()
            {
                continue;
            }
            compute(false, &mut values);
            let key = grouping.key(&key_cols, g);
            // Groups by several fields may read alike when a value holds
            // ` / ` (`A / B` and none, `A` and `B`): each keeps a key of
            // its own, numbered in the order the groups come.
            let key = if shown.place.contains_key(key.as_ref()) {
                (2..)
                    .map(|n| format!("{key} ({n})"))
                    .find(|k| !shown.place.contains_key(k))
                    .unwrap_or_default()
            } else {
                key.to_string()
            };
            if members {
                kept.extend_from_slice(rows);
            }
            shown.place.insert(key.clone(), shown.cited.len() as u32);
            shown.values.extend_from_slice(&values);
            shown.cited.push(FirstRows::of(rows));
            if let Some((_, listed)) = &mut shown.lists {
                listed.push(rows.to_vec());
            }
            out.push(key);
        }
        kept.sort_unstable();
        (out.into_iter().collect(), shown, kept)
    }

    /// The value `name` of the group `key`: computed with the others, or a
    /// list worked out now from the group's rows, as its step saw them.
    pub(super) fn group_value(&self, values: &GroupValues, key: &str, name: &str) -> Option<Value> {
        if let Some(place) = values.names.iter().position(|n| n == name) {
            return values.value(key, place).map(to_value);
        }
        self.listed_value(values, key, name).map(|v| to_value(&v))
    }

    /// A list (`let: x: { list: … }`) of the group `key`, worked out from
    /// its rows when read.
    fn listed_value(&self, values: &GroupValues, key: &str, name: &str) -> Option<Val> {
        let (step, listed) = values.lists.as_ref()?;
        let Step::Groups {
            from, dataset, lets, ..
        } = &self.steps[*step].1
        else {
            return None;
        };
        let l = lets.iter().find(|l| l.name == name)?;
        let rows = listed.get(*values.place.get(key)? as usize)?;
        // The names the step read, not those of later steps.
        let outer = self.visible.replace(*step);
        let value = self.table(from, dataset).map(|ds| {
            let filter = l.filter.as_ref().map(|f| LetFilter::Rowwise(f.bind_cols(&ds, self)));
            let column = match &l.how {
                GroupHow::Agg(_, Some(f)) => ds.column(f),
                _ => None,
            };
            self.let_value(ds, (l, column), filter.as_ref(), rows)
        });
        self.visible.set(outer);
        value
    }

    /// `count`, `sum`, … of one value of each group of a key set.
    pub(super) fn key_agg(&self, agg: Agg, from: &str, field: Option<&str>) -> Val {
        let Some(Slot::Keys { keys, values, .. }) = self.slot(from) else {
            return if agg == Agg::Count { Val::Num(0.0) } else { Val::Null };
        };
        let Some(field) = field else {
            return Val::Num(keys.len() as f64);
        };
        // Read where they are (a sum over thousands of groups copies no
        // value); a list shown only when read is worked out here.
        let worked_out: Vec<Val>;
        let vals: Vec<&Val> = match values.names.iter().position(|n| n == field) {
            Some(place) => keys.iter().filter_map(|k| values.value(k, place)).collect(),
            None => {
                worked_out = keys
                    .iter()
                    .filter_map(|k| self.listed_value(values, k, field))
                    .collect();
                worked_out.iter().collect()
            }
        };
        // As the values would read once shown (a date beyond the calendar is none).
        let vals = vals.into_iter().filter(|v| !shows_as_null(v));
        match agg {
            Agg::Count => Val::Num(vals.count() as f64),
            Agg::Distinct => {
                let mut seen = TextSet::default();
                let mut buf = String::new();
                for v in vals {
                    match v {
                        Val::Text(t) => normalize_into(t, &mut buf),
                        v => normalize_into(&to_value(v).to_text(), &mut buf),
                    }
                    seen.insert(&buf);
                }
                Val::Num(seen.len() as f64)
            }
            _ => super::super::rows::reduce(agg, vals.filter_map(Val::as_num)),
        }
    }

    /// One `let:` value of a group, over its rows (those `filter` keeps);
    /// `column`: the aggregated field's, if any.
    fn let_value(
        &self,
        ds: Table<'_>,
        (l, column): (&GroupLet, Option<&crate::bundle::Column>),
        filter: Option<&LetFilter>,
        rows: &[u32],
    ) -> Val {
        if let (GroupHow::Agg(Agg::Count, None), Some(f)) = (&l.how, filter) {
            return Val::Num(rows.iter().filter(|r| f.keeps(**r)).count() as f64);
        }
        let kept: Vec<u32>;
        let rows: &[u32] = match filter {
            Some(f) => {
                kept = rows.iter().copied().filter(|r| f.keeps(*r)).collect();
                &kept
            }
            None => rows,
        };
        match &l.how {
            GroupHow::Agg(agg, field) => aggregate_column(*agg, column, field.is_some(), rows),
            GroupHow::First { field, sort } => {
                let first = match sort {
                    Some((s, desc)) => first_row(ds, rows, s, *desc),
                    None => rows.first().copied(),
                };
                first.map_or(Val::Null, |r| to_val(&ds.value(field, r as usize)))
            }
            GroupHow::List {
                show,
                limit,
                sort,
                sep,
                distinct,
            } => {
                let items = self.show_rows(ds, rows.to_vec(), show.as_deref(), sort.as_ref());
                Val::Text(join_items(items, *limit, sep, *distinct).into())
            }
        }
    }
}

/// Groups over at least this many rows have their values' filters answered
/// for all the rows at once: a column at a time, and shared with the other
/// rules that filter the whole dataset alike (ACCT-006 counts converted
/// leads per source over the million leads another rule has just judged).
const MARK_FROM: usize = 10_000;

/// A group value's filter (`count: { where: … }`), answered row by row, or
/// read from the marks of the rows it keeps.
enum LetFilter<'a> {
    Rowwise(Bound<'a>),
    Marked(Mask),
}

impl LetFilter<'_> {
    fn keeps(&self, r: u32) -> bool {
        match self {
            LetFilter::Rowwise(b) => b.eval(r as usize),
            LetFilter::Marked(kept) => kept.contains(r),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::FirstRows;

    #[test]
    fn first_rows_are_the_lowest_in_order() {
        assert_eq!(FirstRows::of(&[9, 3, 7, 1, 8, 2, 6, 0, 5]).rows(), [0, 1, 2, 3, 5]);
        assert_eq!(FirstRows::of(&[4, 5]).rows(), [4, 5]);
        assert_eq!(FirstRows::of(&[]).rows(), [0u32; 0]);
    }

    proptest::proptest! {
        /// The lowest rows of a group, in order, however they come.
        #[test]
        fn first_rows_are_the_sorted_prefix(rows in proptest::collection::hash_set(0u32..1000, 0..40)) {
            let rows: Vec<u32> = rows.into_iter().collect();
            let mut sorted = rows.clone();
            sorted.sort_unstable();
            sorted.truncate(super::GROUP_EVIDENCE_ROWS);
            let first = FirstRows::of(&rows);
            proptest::prop_assert_eq!(first.rows(), &sorted[..]);
        }
    }
}
