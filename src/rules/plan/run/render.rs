//! Messages: templates filled with the plan's values, a row's fields or a
//! group's values, and lists of rows shown.

use super::*;

impl Ctx<'_> {
    /// A template rendered for one key of a key set: `{key}`, and the
    /// group's own values when the set comes from `groups`.
    pub(super) fn render_key(&self, template: &str, values: &GroupValues, key: &str) -> String {
        self.render(template, &|n| {
            if n == "key" {
                return Some(Value::Text(key.to_string()));
            }
            self.group_value(values, key, n)
        })
    }

    pub(super) fn list(
        &self,
        from: &str,
        show: Option<&str>,
        limit: Option<usize>,
        sort: Option<&(String, bool)>,
        sep: &str,
        distinct: bool,
    ) -> String {
        let items: Vec<String> = match self.slot(from) {
            Some(Slot::Rows { dataset, rows, .. }) => {
                let Some(ds) = self.table(from, dataset) else {
                    return String::new();
                };
                self.show_rows(ds, rows.to_vec(), show, sort)
            }
            Some(Slot::Keys { keys, values, .. }) => match show {
                Some(t) => keys.iter().map(|k| self.render_key(t, values, k)).collect(),
                None => keys.iter().cloned().collect(),
            },
            _ => self.keys(from).into_iter().collect(),
        };
        join_items(items, limit, sep, distinct)
    }

    /// Rows shown by a template (or by their ids), in order.
    pub(super) fn show_rows(
        &self,
        ds: Table<'_>,
        mut rows: Vec<u32>,
        show: Option<&str>,
        sort: Option<&(String, bool)>,
    ) -> Vec<String> {
        if let Some((s, desc)) = sort {
            sort_rows(ds, &mut rows, s, *desc);
        }
        rows.iter()
            .map(|r| match show {
                Some(t) => self.render_row(t, ds, *r as usize),
                None => ds.record_id(*r as usize),
            })
            .collect()
    }

    /// A plan-level name as a template value: row sets show their count, key sets their keys.
    pub(super) fn template_value(&self, name: &str) -> Option<Value> {
        if let Some(slot) = self.slot(name) {
            return Some(match slot {
                Slot::Val(v) => to_value(v),
                Slot::Rows { rows, .. } => Value::Number(rows.len() as f64),
                Slot::Keys { keys, .. } => Value::List(keys.iter().cloned().collect()),
            });
        }
        if matches!(name, "period_months" | "elapsed_months") {
            return Some(Value::List(self.keys(name).into_iter().collect()));
        }
        if let Some(v) = self.params.get(name) {
            return Some(v.clone());
        }
        let v = self.builtin(name);
        (v != Val::Null || crate::rules::plan::is_builtin(name)).then(|| to_value(&v))
    }

    pub(super) fn render(&self, template: &str, extra: &dyn Fn(&str) -> Option<Value>) -> String {
        crate::template::render_in(
            template,
            &|name| extra(name).or_else(|| self.template_value(name)),
            Some(self.bundle.manifest.currency()),
        )
    }

    pub(super) fn render_row(&self, template: &str, ds: Table<'_>, row: usize) -> String {
        self.render(template, &|name| ds.has_field(name).then(|| ds.value(name, row)))
    }
}
