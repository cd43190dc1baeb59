//! Computed fields (`with:` on a `rows` step): per-row values kept beside a
//! row set as columns of their own, so that later filters, sorts,
//! aggregates and message templates read them exactly as they read the
//! dataset's fields.
//!
//! The bundle's datasets are never copied: a [`Table`] is a dataset seen
//! together with the computed columns of one row set, and only those
//! columns are built (dense over the dataset's rows, missing outside the
//! set, so a row keeps its index and its evidence).

use super::expr::{Expr, Val};
use super::row_id;
use crate::bundle::schema::{DatasetSchema, FieldSchema};
use crate::bundle::{Column, ColumnData, Dataset, NULL_DATE, days_to_date};
use crate::rules::bound::Columns;
use crate::value::{FieldType, Value};
use std::collections::BTreeMap;
use std::sync::Arc;

/// A row set's computed columns, by name.
pub(crate) type Computed = BTreeMap<String, Arc<Column>>;

/// A dataset as one row set sees it: its columns and the set's computed ones.
#[derive(Clone, Copy)]
pub(crate) struct Table<'a> {
    pub ds: &'a Dataset,
    pub computed: Option<&'a Computed>,
}

impl<'a> Table<'a> {
    /// A computed column first: a computed name never shadows a field (the
    /// plan refuses one), so the order only saves a lookup.
    pub fn column(&self, field: &str) -> Option<&'a Column> {
        self.computed
            .and_then(|c| c.get(field))
            .map(Arc::as_ref)
            .or_else(|| self.ds.column(field))
    }

    pub fn value(&self, field: &str, row: usize) -> Value {
        match self.column(field) {
            Some(c) => c.value(row),
            // A field only shown is read from the file (`bundle/shown.rs`).
            None => self.ds.value(field, row),
        }
    }

    /// Whether a template may show the field: the file has it, or it is computed.
    pub fn has_field(&self, field: &str) -> bool {
        self.ds.has_field(field) || self.computed.is_some_and(|c| c.contains_key(field))
    }

    pub fn record_id(&self, row: usize) -> String {
        self.ds.record_id(row)
    }
}

impl<'a> Columns<'a> for Table<'a> {
    fn column(&self, field: &str) -> Option<&'a Column> {
        Table::column(self, field)
    }
}

/// The type a computed field's values take, known when the plan compiles so
/// that conditions, sorts and aggregates on it are checked there.
pub(crate) fn infer(e: &Expr, field_type: &dyn Fn(&str) -> Option<FieldType>) -> FieldType {
    use super::expr::BinOp::*;
    match e {
        Expr::Lit(Val::Text(_)) => FieldType::Text,
        Expr::Lit(Val::Bool(_)) => FieldType::Bool,
        Expr::Lit(Val::Date(_)) => FieldType::Date,
        Expr::Lit(_) | Expr::Param(_) | Expr::Neg(_) => FieldType::Number,
        Expr::Name(n) => match field_type(n) {
            Some(FieldType::Percent) => FieldType::Number,
            Some(FieldType::List) => FieldType::Text,
            Some(t) => t,
            // Plan values and built-ins: the dates are named, the rest are numbers or text.
            None if matches!(n.as_str(), "as_of" | "period_start" | "period_end") => FieldType::Date,
            None if n == "currency" || n.starts_with("org.") => FieldType::Text,
            None => FieldType::Number,
        },
        Expr::Not(_) => FieldType::Bool,
        Expr::Bin(Lt | Lte | Gt | Gte | Eq | Ne | And | Or, ..) => FieldType::Bool,
        Expr::Bin(Coalesce, a, _) => infer(a, field_type),
        Expr::Bin(op, a, b) => match (infer(a, field_type), infer(b, field_type), op) {
            (FieldType::Date, FieldType::Date, Sub) => FieldType::Number,
            (FieldType::Date, _, Add | Sub) | (_, FieldType::Date, Add) => FieldType::Date,
            _ => FieldType::Number,
        },
        Expr::Call(f, args) => match f.as_str() {
            "is_null" | "has" | "in_vocab" => FieldType::Bool,
            "month" | "join" => FieldType::Text,
            "if" => args.get(1).map_or(FieldType::Number, |a| infer(a, field_type)),
            _ => FieldType::Number,
        },
    }
}

/// `base` with computed fields added: what conditions and templates on a
/// row set with `with:` are checked against.
pub(crate) fn extend_schema(base: &DatasetSchema, extra: &[(String, FieldType)]) -> DatasetSchema {
    let copy = |f: &FieldSchema| FieldSchema {
        ty: f.ty,
        description: f.description.clone(),
        example: f.example.clone(),
        aliases: Vec::new(),
        references: f.references.clone(),
    };
    let mut fields: indexmap::IndexMap<String, FieldSchema> =
        base.fields.iter().map(|(n, f)| (n.clone(), copy(f))).collect();
    for (name, ty) in extra {
        fields.insert(
            name.clone(),
            FieldSchema {
                ty: *ty,
                description: "computed by the plan (`with:`)".into(),
                example: crate::yaml::Value::Null,
                aliases: Vec::new(),
                references: None,
            },
        );
    }
    DatasetSchema {
        description: base.description.clone(),
        files: Vec::new(),
        single: base.single,
        id: base.id.clone(),
        dates: None,
        gather: None,
        export: base.export,
        fields,
    }
}

/// Where a column's text buffer ends, as the 32-bit offset text columns
/// keep (loaded ones too: see `Column::push_text`).
fn end_of(buf: &str) -> u32 {
    u32::try_from(buf.len()).unwrap_or(u32::MAX)
}

/// A computed column of `len` rows, filled value by value (missing where
/// no value is set), straight into its typed storage: a text is copied into
/// the column's buffer, not kept as a value of its own until the end.
pub(crate) struct Builder {
    col: Column,
    len: usize,
    /// For text: each value's row and where its text ends in the buffer
    /// (32 bits each, as a column's text ends are: 8 bytes a value, not 16).
    spans: Vec<(u32, u32)>,
}

impl Builder {
    pub fn new(ty: FieldType, len: usize) -> Self {
        let mut col = Column::new(ty);
        match &mut col.data {
            ColumnData::Number(v) => *v = crate::bundle::Figures::missing(len),
            ColumnData::Date(v) => v.wide().resize(len, NULL_DATE),
            ColumnData::Bool(v) => v.resize(len, 2),
            ColumnData::Text { .. } | ColumnData::Coded(_) => {}
        }
        Builder {
            col,
            len,
            spans: Vec::new(),
        }
    }

    pub fn set(&mut self, row: usize, x: &Val) {
        match &mut self.col.data {
            ColumnData::Number(v) => v.set(row, x.as_num().unwrap_or(f64::NAN)),
            ColumnData::Date(v) => {
                if let Val::Date(d) = x {
                    v.wide()[row] = *d;
                }
            }
            ColumnData::Bool(v) => {
                v[row] = match x {
                    Val::Null => 2,
                    x => u8::from(x.truthy()),
                }
            }
            ColumnData::Text { buf, .. } => {
                match x {
                    Val::Text(t) => buf.push_str(t),
                    x => buf.push_str(&text(x)),
                }
                self.spans.push((row_id(row), end_of(buf)));
            }
            // A new column is plain text, never numbered (Column::new).
            ColumnData::Coded(_) => {}
        }
    }

    pub fn finish(mut self) -> Column {
        if let ColumnData::Text { buf, ends } = &mut self.col.data {
            // The texts in row order (a row set's rows are; else sorted here).
            if !self.spans.is_sorted_by_key(|(r, _)| *r) {
                let mut at: Vec<(u32, u32, u32)> = Vec::with_capacity(self.spans.len());
                let mut start = 0;
                for &(r, end) in &self.spans {
                    at.push((r, start, end));
                    start = end;
                }
                at.sort_by_key(|(r, ..)| *r);
                let mut sorted = String::with_capacity(buf.len());
                self.spans.clear();
                for (r, start, end) in at {
                    sorted.push_str(&buf[start as usize..end as usize]);
                    self.spans.push((r, end_of(&sorted)));
                }
                *buf = sorted;
            }
            ends.reserve(self.len);
            let mut next = self.spans.iter().peekable();
            let mut end = 0;
            for r in 0..self.len {
                if let Some((_, e)) = next.next_if(|(at, _)| *at as usize == r) {
                    end = *e;
                }
                ends.push(end);
            }
            // The text grew by doubling: the room beyond it would stay
            // taken for as long as the rule runs.
            buf.shrink_to_fit();
        }
        self.col
    }
}

/// A value as a text cell: what a template would show, without a format.
pub(crate) fn text(v: &Val) -> std::borrow::Cow<'_, str> {
    match v {
        Val::Null => "".into(),
        Val::Text(t) => t.as_str().into(),
        Val::Num(n) => crate::value::format_number(*n).into(),
        Val::Bool(b) => b.to_string().into(),
        Val::Date(d) => days_to_date(*d).map_or_else(|| "".into(), |d| d.to_string().into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(ty: FieldType, len: usize, values: Vec<(usize, Val)>) -> Column {
        let mut b = Builder::new(ty, len);
        for (r, x) in values {
            b.set(r, &x);
        }
        b.finish()
    }

    #[test]
    fn a_computed_column_holds_each_value_at_its_row_and_nothing_elsewhere() {
        let text = column(
            FieldType::Text,
            5,
            vec![
                (2, Val::Text("b".into())),
                (0, Val::Text("a".into())),
                (4, Val::Num(1.5)),
            ],
        );
        let got: Vec<Value> = (0..5).map(|r| text.value(r)).collect();
        assert_eq!(
            got,
            [
                Value::Text("a".into()),
                Value::Null,
                Value::Text("b".into()),
                Value::Null,
                Value::Text("1.5".into())
            ]
        );
        let in_order = column(FieldType::Text, 3, vec![(1, Val::Text("x".into())), (2, Val::Null)]);
        assert_eq!(
            (0..3).map(|r| in_order.value(r)).collect::<Vec<_>>(),
            [Value::Null, Value::Text("x".into()), Value::Null]
        );
        let days = column(FieldType::Date, 2, vec![(1, Val::Date(0))]);
        assert_eq!((days.days(0), days.days(1)), (None, Some(0)));
        let flags = column(FieldType::Bool, 3, vec![(0, Val::Bool(true)), (1, Val::Null)]);
        assert_eq!(
            (flags.value(0), flags.value(1), flags.value(2)),
            (Value::Bool(true), Value::Null, Value::Null)
        );
        let numbers = column(FieldType::Number, 3, vec![(2, Val::Num(4.0)), (0, Val::Bool(true))]);
        assert_eq!(
            (0..3).map(|r| numbers.number(r)).collect::<Vec<_>>(),
            [Some(1.0), None, Some(4.0)]
        );
    }
}
