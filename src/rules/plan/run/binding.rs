//! What a condition reads while it is bound: the plan's semi-join sets,
//! key sets, params and dates (see [`crate::rules::bound::BindEnv`]).

use super::*;

impl Ctx<'_> {
    /// The rows a semi-join reads its values from (a row set's, a groups
    /// set's kept rows, or None: every row of the dataset) and their table,
    /// when it has one of `fields`.
    fn join_source(&self, from: &str, fields: &[String]) -> Option<(Table<'_>, Option<&Arc<Vec<u32>>>)> {
        let (table, set_rows) = match self.slot(from) {
            Some(Slot::Rows { dataset, rows, .. }) => (self.table(from, dataset), Some(rows)),
            // The rows of the groups a `groups` step keeps (it keeps them
            // when a condition reads them, see the plan's compiler).
            Some(Slot::Keys {
                dataset: Some(dataset),
                members: Some((rows, _)),
                ..
            }) => (self.table(from, dataset), Some(rows)),
            Some(Slot::Keys { .. }) => return None,
            _ => (self.table(from, from), None),
        };
        // No field to read the values of (ACCT-006: opportunities exported
        // without lead_id): nothing to hash on the tested side either.
        table
            .filter(|t| fields.iter().any(|f| t.column(f).is_some()))
            .map(|t| (t, set_rows))
    }

    /// A semi-join's key in the run's caches (see [`JoinKey`]).
    fn join_key(&self, from: &str, fields: &[String], probe: Option<(Probe<'_>, &str)>) -> JoinKey {
        (
            self.rows_named(from),
            fields.to_vec(),
            probe.map(|(p, f)| (self.rows_named(p.from), f.to_string())),
        )
    }

    /// A semi-join's set: the normalised values of `fields` in the row set
    /// (or dataset) `from`, built once per run. With `probe` (the rows a
    /// filter tests, and their field) fewer than the rows read, only the
    /// values those rows name are kept (see [`super::join`]).
    pub(super) fn join_set(&self, from: &str, fields: &[String], probe: Option<(Probe<'_>, &str)>) -> Arc<TextSet> {
        let Some((table, set_rows)) = self.join_source(from, fields) else {
            return Arc::default();
        };
        let read = set_rows.map_or(table.ds.rows, |r| r.len());
        let probe = probe.filter(|(p, _)| p.len() < read);
        let key = self.join_key(from, fields, probe);
        if let Some(set) = self.joins.borrow().get(&key) {
            return Arc::clone(set);
        }
        let only = probe.map(|(p, field)| p.values(field));
        let set = if only.as_ref().is_some_and(TextSet::is_empty) {
            TextSet::default()
        } else {
            let rows = set_rows.map(|r| r.as_slice());
            crate::rules::plan::join::values(table, rows, fields, only)
        };
        let set = Arc::new(set);
        self.joins.borrow_mut().insert(key, Arc::clone(&set));
        set
    }

    /// The tested rows whose `field` is among the values of `fields` in
    /// `from`, as a bitmap of their dataset, when the semi-join is built
    /// from the tested side over a column of ids: each row's key is
    /// numbered as it is read, so no row is normalised and looked up again
    /// when tested (COMP-007 tests 96,000 lead links twice, found and not).
    /// None where the set answers instead ([`Ctx::join_set`]).
    pub(super) fn join_rows(
        &self,
        from: &str,
        fields: &[String],
        (probe, field): (Probe<'_>, &str),
    ) -> Option<Arc<Mask>> {
        let (table, set_rows) = self.join_source(from, fields)?;
        if probe.len() >= set_rows.map_or(table.ds.rows, |r| r.len()) {
            return None;
        }
        let key = self.join_key(from, fields, Some((probe, field)));
        if let Some(rows) = self.join_rows.borrow().get(&key) {
            return Some(Arc::clone(rows));
        }
        let col = probe.id_column(field)?;
        let rows = probe.rows.map_or_else(
            || (0..crate::rules::plan::row_id(probe.table.ds.rows)).collect(),
            <[u32]>::to_vec,
        );
        // Each tested row's key, numbered as a lookup numbers its keys.
        let (keys, of_row) = super::compute::lookup_keys(col, &rows);
        let found = crate::rules::plan::join::found(table, set_rows.map(|r| r.as_slice()), fields, &keys);
        let mut matched: Vec<u32> = Vec::new();
        for (r, key) in rows.into_iter().zip(of_row) {
            if key.is_some_and(|k| found[k as usize]) {
                matched.push(r);
            }
        }
        let mask = Arc::new(Mask::of_rows(probe.table.ds.rows, &matched));
        self.join_rows.borrow_mut().insert(key, Arc::clone(&mask));
        Some(mask)
    }
}

/// A filter's environment while it is bound for a pass over known rows: a
/// semi-join in it can be built from the side of the rows it tests.
pub(super) struct Probing<'c, 'a> {
    pub(super) ctx: &'c Ctx<'a>,
    pub(super) probe: Probe<'c>,
}

impl BindEnv for Probing<'_, '_> {
    fn period(&self) -> Period {
        self.ctx.period
    }
    fn vocabulary(&self, name: &str) -> Option<Arc<Vocabulary>> {
        self.ctx.vocabulary(name)
    }
    fn values_of(&self, from: &str, fields: &[String], probe: &str) -> Arc<TextSet> {
        self.ctx.join_set(from, fields, Some((self.probe, probe)))
    }
    fn rows_in(&self, from: &str, fields: &[String], probe: &str) -> Option<Arc<Mask>> {
        self.ctx.join_rows(from, fields, (self.probe, probe))
    }
    fn value(&self, e: &Expr) -> Val {
        self.ctx.value(e)
    }
    fn keys_of(&self, name: &str) -> HashSet<String> {
        self.ctx.keys_of(name)
    }
    fn param_value(&self, name: &str) -> Value {
        self.ctx.param_value(name)
    }
    fn dates_of(&self, from: &str, field: &str) -> Vec<i32> {
        self.ctx.dates_of(from, field)
    }
}

impl BindEnv for Ctx<'_> {
    fn period(&self) -> Period {
        self.period
    }
    fn vocabulary(&self, name: &str) -> Option<Arc<Vocabulary>> {
        self.vocabs.get(name).cloned()
    }
    fn values_of(&self, from: &str, fields: &[String], _: &str) -> Arc<TextSet> {
        self.join_set(from, fields, None)
    }
    fn value(&self, e: &Expr) -> Val {
        e.eval(self)
    }
    fn keys_of(&self, name: &str) -> HashSet<String> {
        self.keys(name).into_iter().collect()
    }
    fn param_value(&self, name: &str) -> Value {
        self.params.get(name).cloned().unwrap_or(Value::Null)
    }
    fn dates_of(&self, from: &str, field: &str) -> Vec<i32> {
        let Some(Slot::Rows { dataset, rows, .. }) = self.slot(from) else {
            return Vec::new();
        };
        let Some(col) = self.table(from, dataset).and_then(|d| d.column(field)) else {
            return Vec::new();
        };
        let mut dates: Vec<i32> = rows.iter().filter_map(|r| col.days(*r as usize)).collect();
        dates.sort_unstable();
        dates
    }
}
