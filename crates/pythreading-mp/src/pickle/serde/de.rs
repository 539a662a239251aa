//! `Value` → `Deserialize`.

use ::serde::de::{self, DeserializeSeed, IntoDeserializer, Visitor};
use ::serde::forward_to_deserialize_any;

use super::FromValueError;
use crate::pickle::value::Value;

type Result<T> = std::result::Result<T, FromValueError>;

fn error(msg: String) -> FromValueError {
    <FromValueError as de::Error>::custom(msg)
}

/// The deserializer behind [`from_value`](super::from_value): borrows the value.
pub(super) struct ValueDeserializer<'de>(pub(super) &'de Value);

impl<'de> ValueDeserializer<'de> {
    fn unexpected(&self) -> de::Unexpected<'de> {
        match self.0 {
            Value::None => de::Unexpected::Unit,
            Value::Bool(b) => de::Unexpected::Bool(*b),
            Value::Int(i) => de::Unexpected::Signed(*i),
            Value::Float(f) => de::Unexpected::Float(*f),
            Value::Str(s) => de::Unexpected::Str(s),
            Value::Bytes(b) | Value::ByteArray(b) => de::Unexpected::Bytes(b),
            Value::Tuple(_) | Value::List(_) | Value::Set(_) | Value::FrozenSet(_) => {
                de::Unexpected::Seq
            }
            Value::Dict(_) => de::Unexpected::Map,
            other => de::Unexpected::Other(other.type_name()),
        }
    }
}

impl<'de> de::Deserializer<'de> for ValueDeserializer<'de> {
    type Error = FromValueError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.0 {
            Value::None => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Int(i) => visitor.visit_i64(*i),
            Value::BigInt(b) => match (b.to_i128(), b.to_u128()) {
                // i64 < n <= u64::MAX: the u64 visitors (serde's own included) want visit_u64
                (_, Some(u)) => match u64::try_from(u) {
                    Ok(u) => visitor.visit_u64(u),
                    Err(_) => visitor.visit_u128(u),
                },
                (Some(i), _) => visitor.visit_i128(i),
                _ => Err(error(format!("int {b} does not fit in 128 bits"))),
            },
            Value::Float(f) => visitor.visit_f64(*f),
            Value::Str(s) => visitor.visit_borrowed_str(s),
            Value::Bytes(b) | Value::ByteArray(b) => visitor.visit_borrowed_bytes(b),
            Value::Tuple(items)
            | Value::List(items)
            | Value::Set(items)
            | Value::FrozenSet(items) => visitor.visit_seq(SeqAccess(items.iter())),
            Value::Dict(pairs) => visitor.visit_map(MapAccess {
                pairs: pairs.iter(),
                value: None,
            }),
            other @ (Value::SurrogateStr(_)
            | Value::Global { .. }
            | Value::Reduce(_)
            | Value::Object(_)) => Err(error(format!(
                "a python {} has no serde equivalent",
                other.type_name()
            ))),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.0 {
            Value::None => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        match self.0 {
            Value::Str(s) => visitor.visit_enum(s.as_str().into_deserializer()),
            Value::Dict(pairs) => match pairs.as_slice() {
                [(Value::Str(variant), value)] => visitor.visit_enum(EnumAccess { variant, value }),
                _ => Err(error("an enum dict must have exactly one str key".into())),
            },
            _ => Err(de::Error::invalid_type(
                self.unexpected(),
                &"str or {variant: value}",
            )),
        }
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map struct identifier ignored_any
    }
}

struct SeqAccess<'de>(std::slice::Iter<'de, Value>);

impl<'de> de::SeqAccess<'de> for SeqAccess<'de> {
    type Error = FromValueError;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>> {
        self.0
            .next()
            .map(|v| seed.deserialize(ValueDeserializer(v)))
            .transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

struct MapAccess<'de> {
    pairs: std::slice::Iter<'de, (Value, Value)>,
    value: Option<&'de Value>,
}

impl<'de> de::MapAccess<'de> for MapAccess<'de> {
    type Error = FromValueError;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>> {
        match self.pairs.next() {
            Some((k, v)) => {
                self.value = Some(v);
                seed.deserialize(ValueDeserializer(k)).map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value> {
        let v = self
            .value
            .take()
            .ok_or_else(|| error("map value requested before its key".into()))?;
        seed.deserialize(ValueDeserializer(v))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.pairs.len())
    }
}

struct EnumAccess<'de> {
    variant: &'de str,
    value: &'de Value,
}

impl<'de> de::EnumAccess<'de> for EnumAccess<'de> {
    type Error = FromValueError;
    type Variant = VariantAccess<'de>;

    fn variant_seed<V: DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, VariantAccess<'de>)> {
        let de: de::value::BorrowedStrDeserializer<'de, FromValueError> =
            de::value::BorrowedStrDeserializer::new(self.variant);
        Ok((seed.deserialize(de)?, VariantAccess(self.value)))
    }
}

struct VariantAccess<'de>(&'de Value);

impl<'de> de::VariantAccess<'de> for VariantAccess<'de> {
    type Error = FromValueError;

    fn unit_variant(self) -> Result<()> {
        match self.0 {
            Value::None => Ok(()),
            _ => Err(error("a unit variant carries no value".into())),
        }
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value> {
        seed.deserialize(ValueDeserializer(self.0))
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value> {
        de::Deserializer::deserialize_seq(ValueDeserializer(self.0), visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        de::Deserializer::deserialize_map(ValueDeserializer(self.0), visitor)
    }
}
