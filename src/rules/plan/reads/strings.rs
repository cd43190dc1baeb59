//! Every string a serialisable value holds (map keys and enum variant names
//! included), handed to a callback in order without writing the value out:
//! a rule's raw plan serialised to JSON was 15 KB of mostly `null`s, built
//! only to be searched for `dataset.field` names.

use serde::Serialize;
use serde::ser;

/// Calls `f` with each string in `value`, in the order serde visits them.
pub(super) fn each_string<T: Serialize + ?Sized>(value: &T, f: &mut dyn FnMut(&str)) {
    // Visiting cannot fail: every method returns Ok.
    let _ = value.serialize(&mut Strings(f));
}

struct Strings<'f>(&'f mut dyn FnMut(&str));

/// The error type serde requires; never made.
#[derive(Debug)]
pub(super) struct Never;

impl std::fmt::Display for Never {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a string walk does not fail")
    }
}

impl std::error::Error for Never {}

impl ser::Error for Never {
    fn custom<T: std::fmt::Display>(_: T) -> Self {
        Never
    }
}

type Done = Result<(), Never>;

/// Numbers, bools and bytes hold no name: passed over.
macro_rules! skip {
    ($($method:ident ($ty:ty)),* $(,)?) => {$(
        fn $method(self, _: $ty) -> Done {
            Ok(())
        }
    )*};
}

impl ser::Serializer for &mut Strings<'_> {
    type Ok = ();
    type Error = Never;
    type SerializeSeq = Self;
    type SerializeTuple = Self;
    type SerializeTupleStruct = Self;
    type SerializeTupleVariant = Self;
    type SerializeMap = Self;
    type SerializeStruct = Self;
    type SerializeStructVariant = Self;

    fn serialize_str(self, v: &str) -> Done {
        (self.0)(v);
        Ok(())
    }
    fn serialize_char(self, v: char) -> Done {
        self.serialize_str(v.encode_utf8(&mut [0; 4]))
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Done {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, value: &T) -> Done {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Done {
        (self.0)(variant);
        value.serialize(self)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Done {
        value.serialize(self)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self, Never> {
        Ok(self)
    }
    fn serialize_tuple(self, _: usize) -> Result<Self, Never> {
        Ok(self)
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Self, Never> {
        Ok(self)
    }
    fn serialize_tuple_variant(self, _: &'static str, _: u32, variant: &'static str, _: usize) -> Result<Self, Never> {
        (self.0)(variant);
        Ok(self)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self, Never> {
        Ok(self)
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self, Never> {
        Ok(self)
    }
    fn serialize_struct_variant(self, _: &'static str, _: u32, variant: &'static str, _: usize) -> Result<Self, Never> {
        (self.0)(variant);
        Ok(self)
    }
    skip!(
        serialize_bool(bool),
        serialize_i8(i8),
        serialize_i16(i16),
        serialize_i32(i32),
        serialize_i64(i64),
        serialize_u8(u8),
        serialize_u16(u16),
        serialize_u32(u32),
        serialize_u64(u64),
        serialize_f32(f32),
        serialize_f64(f64),
        serialize_bytes(&[u8]),
        serialize_unit_struct(&'static str),
    );
    fn serialize_none(self) -> Done {
        Ok(())
    }
    fn serialize_unit(self) -> Done {
        Ok(())
    }
}

/// The compound forms: each of their parts is walked in turn. (The part's
/// name, where the form has one, is a Rust field name, never a string.)
macro_rules! walk_parts {
    ($($form:ident :: $part:ident ($($name:ty)?)),* $(,)?) => {$(
        impl ser::$form for &mut Strings<'_> {
            type Ok = ();
            type Error = Never;
            fn $part<T: Serialize + ?Sized>(&mut self, $(_: $name,)? value: &T) -> Done {
                value.serialize(&mut **self)
            }
            fn end(self) -> Done {
                Ok(())
            }
        }
    )*};
}

walk_parts!(
    SerializeSeq::serialize_element(),
    SerializeTuple::serialize_element(),
    SerializeTupleStruct::serialize_field(),
    SerializeTupleVariant::serialize_field(),
    SerializeStruct::serialize_field(&'static str),
    SerializeStructVariant::serialize_field(&'static str),
);

impl ser::SerializeMap for &mut Strings<'_> {
    type Ok = ();
    type Error = Never;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Done {
        key.serialize(&mut **self)
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Done {
        value.serialize(&mut **self)
    }
    fn end(self) -> Done {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::each_string;
    use std::collections::BTreeMap;

    #[derive(serde::Serialize)]
    enum Shape {
        Unit,
        Wrapped(String),
        Pair(String, u8),
        Named { label: String },
    }

    #[derive(serde::Serialize)]
    struct Doc {
        title: String,
        size: f64,
        note: Option<String>,
        none: Option<String>,
        tags: Vec<String>,
        by_key: BTreeMap<String, char>,
        shapes: Vec<Shape>,
    }

    #[test]
    fn every_string_key_and_variant_is_visited_in_order() {
        let doc = Doc {
            title: "a.b".into(),
            size: 1.5,
            note: Some("n".into()),
            none: None,
            tags: vec!["t1".into(), "t2".into()],
            by_key: [("k".to_string(), 'c')].into_iter().collect(),
            shapes: vec![
                Shape::Unit,
                Shape::Wrapped("w".into()),
                Shape::Pair("p".into(), 2),
                Shape::Named { label: "l".into() },
            ],
        };
        let mut seen = Vec::new();
        each_string(&doc, &mut |s| seen.push(s.to_string()));
        assert_eq!(
            seen,
            [
                "a.b", "n", "t1", "t2", "k", "c", "Unit", "Wrapped", "w", "Pair", "p", "Named", "l"
            ]
        );
    }
}
