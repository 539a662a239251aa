//! `Serialize` → `Value`.

use ::serde::ser::{self, Serialize};

use super::ToValueError;
use crate::pickle::value::Value;

type Result<T> = std::result::Result<T, ToValueError>;

/// The serializer behind [`to_value`](super::to_value).
pub(super) struct ValueSerializer;

fn variant_dict(variant: &str, value: Value) -> Value {
    Value::dict([(variant.into(), value)])
}

impl ser::Serializer for ValueSerializer {
    type Ok = Value;
    type Error = ToValueError;
    type SerializeSeq = SeqSer;
    type SerializeTuple = SeqSer;
    type SerializeTupleStruct = SeqSer;
    type SerializeTupleVariant = SeqSer;
    type SerializeMap = MapSer;
    type SerializeStruct = MapSer;
    type SerializeStructVariant = MapSer;

    fn serialize_bool(self, v: bool) -> Result<Value> {
        Ok(Value::Bool(v))
    }
    fn serialize_i8(self, v: i8) -> Result<Value> {
        Ok(v.into())
    }
    fn serialize_i16(self, v: i16) -> Result<Value> {
        Ok(v.into())
    }
    fn serialize_i32(self, v: i32) -> Result<Value> {
        Ok(v.into())
    }
    fn serialize_i64(self, v: i64) -> Result<Value> {
        Ok(v.into())
    }
    fn serialize_i128(self, v: i128) -> Result<Value> {
        Ok(v.into())
    }
    fn serialize_u8(self, v: u8) -> Result<Value> {
        Ok(v.into())
    }
    fn serialize_u16(self, v: u16) -> Result<Value> {
        Ok(v.into())
    }
    fn serialize_u32(self, v: u32) -> Result<Value> {
        Ok(v.into())
    }
    fn serialize_u64(self, v: u64) -> Result<Value> {
        Ok(v.into())
    }
    fn serialize_u128(self, v: u128) -> Result<Value> {
        Ok(v.into())
    }
    fn serialize_f32(self, v: f32) -> Result<Value> {
        Ok(Value::Float(v.into()))
    }
    fn serialize_f64(self, v: f64) -> Result<Value> {
        Ok(Value::Float(v))
    }
    fn serialize_char(self, v: char) -> Result<Value> {
        Ok(Value::Str(v.to_string()))
    }
    fn serialize_str(self, v: &str) -> Result<Value> {
        Ok(v.into())
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<Value> {
        Ok(Value::Bytes(v.to_vec()))
    }
    fn serialize_none(self) -> Result<Value> {
        Ok(Value::None)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Value> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<Value> {
        Ok(Value::None)
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<Value> {
        Ok(Value::None)
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<Value> {
        Ok(variant.into())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<Value> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<Value> {
        Ok(variant_dict(variant, value.serialize(ValueSerializer)?))
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<SeqSer> {
        Ok(SeqSer::new(Kind::List, len))
    }
    fn serialize_tuple(self, len: usize) -> Result<SeqSer> {
        Ok(SeqSer::new(Kind::Tuple, Some(len)))
    }
    fn serialize_tuple_struct(self, _name: &'static str, len: usize) -> Result<SeqSer> {
        Ok(SeqSer::new(Kind::Tuple, Some(len)))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<SeqSer> {
        Ok(SeqSer::new(Kind::Variant(variant), Some(len)))
    }
    fn serialize_map(self, len: Option<usize>) -> Result<MapSer> {
        Ok(MapSer::new(None, len))
    }
    fn serialize_struct(self, _name: &'static str, len: usize) -> Result<MapSer> {
        Ok(MapSer::new(None, Some(len)))
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<MapSer> {
        Ok(MapSer::new(Some(variant), Some(len)))
    }
}

enum Kind {
    List,
    Tuple,
    Variant(&'static str),
}

/// Collects sequence elements; `Kind` says what they become.
pub(super) struct SeqSer {
    kind: Kind,
    items: Vec<Value>,
}

impl SeqSer {
    fn new(kind: Kind, len: Option<usize>) -> SeqSer {
        // The length comes from Rust code, not from input; still, cap the preallocation.
        SeqSer {
            kind,
            items: Vec::with_capacity(len.unwrap_or(0).min(4096)),
        }
    }

    fn push<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        self.items.push(value.serialize(ValueSerializer)?);
        Ok(())
    }

    fn finish(self) -> Value {
        match self.kind {
            Kind::List => Value::List(self.items),
            Kind::Tuple => Value::Tuple(self.items),
            Kind::Variant(v) => variant_dict(v, Value::Tuple(self.items)),
        }
    }
}

// serde asks for one trait per sequence shape; all four push the element and finish alike.
macro_rules! seq_ser {
    ($($trait:ident :: $method:ident),+) => {$(
        impl ser::$trait for SeqSer {
            type Ok = Value;
            type Error = ToValueError;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
                self.push(value)
            }
            fn end(self) -> Result<Value> {
                Ok(self.finish())
            }
        }
    )+};
}

seq_ser!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

/// Collects map entries or struct fields; a variant name wraps the result in `{variant: ...}`.
pub(super) struct MapSer {
    variant: Option<&'static str>,
    pairs: Vec<(Value, Value)>,
    key: Option<Value>,
}

impl MapSer {
    fn new(variant: Option<&'static str>, len: Option<usize>) -> MapSer {
        MapSer {
            variant,
            pairs: Vec::with_capacity(len.unwrap_or(0).min(4096)),
            key: None,
        }
    }

    fn field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<()> {
        self.pairs
            .push((key.into(), value.serialize(ValueSerializer)?));
        Ok(())
    }

    fn finish(self) -> Value {
        let d = Value::Dict(self.pairs);
        match self.variant {
            Some(v) => variant_dict(v, d),
            None => d,
        }
    }
}

impl ser::SerializeMap for MapSer {
    type Ok = Value;
    type Error = ToValueError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<()> {
        self.key = Some(key.serialize(ValueSerializer)?);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        let key = self
            .key
            .take()
            .ok_or_else(|| <ToValueError as ser::Error>::custom("map value without a key"))?;
        self.pairs.push((key, value.serialize(ValueSerializer)?));
        Ok(())
    }
    fn end(self) -> Result<Value> {
        Ok(self.finish())
    }
}

// A struct and a struct variant both collect named fields (the variant name is in `MapSer`).
macro_rules! struct_ser {
    ($($trait:ident),+) => {$(
        impl ser::$trait for MapSer {
            type Ok = Value;
            type Error = ToValueError;
            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                key: &'static str,
                value: &T,
            ) -> Result<()> {
                self.field(key, value)
            }
            fn end(self) -> Result<Value> {
                Ok(self.finish())
            }
        }
    )+};
}

struct_ser!(SerializeStruct, SerializeStructVariant);
