//! The finite guard, complete by construction: no result leaves the core with NaN or Infinity in
//! it (SPEC §2). It is a serde `Serializer` that writes nothing: it walks any `Serialize` value (a
//! report, an impact, parsed positions, the model list, an option price…) and refuses the first
//! non-finite number, naming its JSON path in the syntax of input errors
//! (`margin.pools[0].riskMatrix.pnl[1][3]`, `account.liquidation.BTC.down`). No list of fields to
//! keep up to date: a field added to a result type is checked because it is serialized.
//!
//! Native JSON (`api::to_json`) walks it before `serde_json`. The WebAssembly tape (`wasm::tape`)
//! is a writer of its own and guards itself the same way — one comparison per number, the path
//! assembled as the error unwinds — so that this walk stays out of the wasm (8 KB of code).
//!
//! The path costs nothing on the happy path: it is assembled while the error unwinds, each level
//! adding its field name, index or map key (a key is turned into text only then, where serde hands
//! key and value together, as every map and `serde_json::Value` does).

use crate::error::{Error, ErrorCode, Result};
use serde::ser::{self, Serialize};
use std::fmt;

/// serde_json's private marker for numbers kept as text (`arbitrary_precision`).
const JSON_NUMBER_TOKEN: &str = "$serde_json::private::Number";

/// `Err(NUMERIC)` naming the path of the first NaN or Infinity in `value`, if it has one.
pub fn check_finite<T: Serialize + ?Sized>(value: &T) -> Result<()> {
    value
        .serialize(Walker { digits: false })
        .map_err(Fail::into_error)
}

/// Why the walk stopped: a non-finite number (`message` empty) at `path`, whose segments are
/// collected innermost first, or a `Serialize` impl's own error. Boxed: the walk's `Result` is one
/// word, which keeps the code of every `Serialize` impl it runs small (the wasm budget).
#[derive(Debug)]
pub struct Fail(Box<Failure>);

#[derive(Debug)]
struct Failure {
    path: Vec<String>,
    message: Option<String>,
}

impl Fail {
    #[cold]
    #[inline(never)]
    fn not_finite() -> Fail {
        Fail(Box::new(Failure {
            path: Vec::new(),
            message: None,
        }))
    }

    /// Add the segment of the level the error passes through on its way out.
    #[cold]
    #[inline(never)]
    fn at(mut self, segment: String) -> Fail {
        self.0.path.push(segment);
        self
    }

    fn into_error(self) -> Error {
        let Failure { path, message } = *self.0;
        writer_error(&path, message)
    }
}

/// The `NUMERIC` error of a writer of results: its own `message`, or a non-finite number at the
/// path whose segments (`.key`, `[i]`) were collected innermost first. Shared by this guard and
/// the WebAssembly tape.
pub fn writer_error(segments: &[String], message: Option<String>) -> Error {
    if let Some(m) = message {
        return Error::new(
            ErrorCode::Numeric,
            format!("could not write the result: {m}"),
        );
    }
    let path: String = segments.iter().rev().map(String::as_str).collect();
    let path = path.strip_prefix('.').unwrap_or(&path).to_string();
    if path.is_empty() {
        return Error::new(
            ErrorCode::Numeric,
            "the result is not a finite number; check the inputs for extreme values",
        );
    }
    let message = format!("{path} is not a finite number; check the inputs for extreme values");
    Error::at_path(ErrorCode::Numeric, path, message)
}

impl fmt::Display for Fail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.message.as_deref().unwrap_or("not a finite number"))
    }
}

impl std::error::Error for Fail {}

impl ser::Error for Fail {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Fail(Box::new(Failure {
            path: Vec::new(),
            message: Some(msg.to_string()),
        }))
    }
}

type Res = std::result::Result<(), Fail>;

fn field(name: &str) -> String {
    format!(".{name}")
}

/// A map key as JSON writes it (serde_json's rule: strings, numbers and booleans become text).
/// Only on the error path.
#[cold]
fn key_text<K: Serialize + ?Sized>(key: &K) -> String {
    match key.serialize(serde_json::value::Serializer) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => "?".into(),
    }
}

/// The walker. `digits`: inside serde_json's text-kept number, whose one string field is checked
/// as the number it holds.
#[derive(Clone, Copy)]
struct Walker {
    digits: bool,
}

/// A sequence, map or struct being walked: the next element's index, the enum variant wrapping it
/// (tuple and struct variants are `{ variant: … }` in JSON), and a map key given on its own.
struct Compound {
    index: usize,
    variant: Option<&'static str>,
    key: Option<String>,
    digits: bool,
}

impl Compound {
    fn new(variant: Option<&'static str>) -> Compound {
        Compound {
            index: 0,
            variant,
            key: None,
            digits: false,
        }
    }

    /// An error from inside this compound, given the segment of the element it came from.
    #[cold]
    #[inline(never)]
    fn wrap(&self, e: Fail, segment: String) -> Fail {
        let e = e.at(segment);
        match self.variant {
            Some(v) => e.at(field(v)),
            None => e,
        }
    }

    #[cold]
    #[inline(never)]
    fn at_index(&self, e: Fail) -> Fail {
        self.wrap(e, format!("[{}]", self.index - 1))
    }

    #[cold]
    #[inline(never)]
    fn at_field(&self, e: Fail, key: &str) -> Fail {
        if self.digits {
            return e; // the number is the segment of the field holding it
        }
        self.wrap(e, field(key))
    }

    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Res {
        self.index += 1;
        value
            .serialize(Walker { digits: false })
            .map_err(|e| self.at_index(e))
    }

    fn field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Res {
        value
            .serialize(Walker {
                digits: self.digits,
            })
            .map_err(|e| self.at_field(e, key))
    }
}

impl ser::Serializer for Walker {
    type Ok = ();
    type Error = Fail;
    type SerializeSeq = Compound;
    type SerializeTuple = Compound;
    type SerializeTupleStruct = Compound;
    type SerializeTupleVariant = Compound;
    type SerializeMap = Compound;
    type SerializeStruct = Compound;
    type SerializeStructVariant = Compound;

    fn serialize_bool(self, _v: bool) -> Res {
        Ok(())
    }
    fn serialize_i8(self, _v: i8) -> Res {
        Ok(())
    }
    fn serialize_i16(self, _v: i16) -> Res {
        Ok(())
    }
    fn serialize_i32(self, _v: i32) -> Res {
        Ok(())
    }
    fn serialize_i64(self, _v: i64) -> Res {
        Ok(())
    }
    fn serialize_u8(self, _v: u8) -> Res {
        Ok(())
    }
    fn serialize_u16(self, _v: u16) -> Res {
        Ok(())
    }
    fn serialize_u32(self, _v: u32) -> Res {
        Ok(())
    }
    fn serialize_u64(self, _v: u64) -> Res {
        Ok(())
    }
    fn serialize_f32(self, v: f32) -> Res {
        self.serialize_f64(v.into())
    }
    fn serialize_f64(self, v: f64) -> Res {
        if v.is_finite() {
            Ok(())
        } else {
            Err(Fail::not_finite())
        }
    }
    fn serialize_char(self, _v: char) -> Res {
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Res {
        if self.digits {
            // JSON text read without a limit on range (`1e400`): what a JS reader makes of it
            return self.serialize_f64(v.parse().unwrap_or(f64::NAN));
        }
        Ok(())
    }
    fn serialize_bytes(self, _v: &[u8]) -> Res {
        Ok(())
    }
    fn serialize_none(self) -> Res {
        Ok(())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Res {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Res {
        Ok(())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Res {
        Ok(())
    }
    fn serialize_unit_variant(self, _name: &'static str, _i: u32, _variant: &'static str) -> Res {
        Ok(())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Res {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _i: u32,
        variant: &'static str,
        value: &T,
    ) -> Res {
        value.serialize(self).map_err(|e| e.at(field(variant)))
    }
    fn serialize_seq(self, _len: Option<usize>) -> std::result::Result<Compound, Fail> {
        Ok(Compound::new(None))
    }
    fn serialize_tuple(self, _len: usize) -> std::result::Result<Compound, Fail> {
        Ok(Compound::new(None))
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> std::result::Result<Compound, Fail> {
        Ok(Compound::new(None))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _i: u32,
        variant: &'static str,
        _len: usize,
    ) -> std::result::Result<Compound, Fail> {
        Ok(Compound::new(Some(variant)))
    }
    fn serialize_map(self, _len: Option<usize>) -> std::result::Result<Compound, Fail> {
        Ok(Compound::new(None))
    }
    fn serialize_struct(
        self,
        name: &'static str,
        _len: usize,
    ) -> std::result::Result<Compound, Fail> {
        let mut c = Compound::new(None);
        c.digits = name == JSON_NUMBER_TOKEN;
        Ok(c)
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _i: u32,
        variant: &'static str,
        _len: usize,
    ) -> std::result::Result<Compound, Fail> {
        Ok(Compound::new(Some(variant)))
    }
}

impl ser::SerializeSeq for Compound {
    type Ok = ();
    type Error = Fail;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Res {
        self.element(value)
    }
    fn end(self) -> Res {
        Ok(())
    }
}

impl ser::SerializeTuple for Compound {
    type Ok = ();
    type Error = Fail;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Res {
        self.element(value)
    }
    fn end(self) -> Res {
        Ok(())
    }
}

impl ser::SerializeTupleStruct for Compound {
    type Ok = ();
    type Error = Fail;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Res {
        self.element(value)
    }
    fn end(self) -> Res {
        Ok(())
    }
}

impl ser::SerializeTupleVariant for Compound {
    type Ok = ();
    type Error = Fail;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Res {
        self.element(value)
    }
    fn end(self) -> Res {
        Ok(())
    }
}

impl ser::SerializeMap for Compound {
    type Ok = ();
    type Error = Fail;
    /// A key on its own (a flattened map): kept as text for the value's path.
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Res {
        self.key = Some(key_text(key));
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Res {
        value
            .serialize(Walker { digits: false })
            .map_err(|e| self.at_field(e, self.key.as_deref().unwrap_or("?")))
    }
    /// Key and value together (every map and `serde_json::Value`): the key becomes text only if
    /// the value fails.
    fn serialize_entry<K: Serialize + ?Sized, V: Serialize + ?Sized>(
        &mut self,
        key: &K,
        value: &V,
    ) -> Res {
        value
            .serialize(Walker { digits: false })
            .map_err(|e| self.at_field(e, &key_text(key)))
    }
    fn end(self) -> Res {
        Ok(())
    }
}

impl ser::SerializeStruct for Compound {
    type Ok = ();
    type Error = Fail;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Res {
        self.field(key, value)
    }
    fn end(self) -> Res {
        Ok(())
    }
}

impl ser::SerializeStructVariant for Compound {
    type Ok = ();
    type Error = Fail;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Res {
        self.field(key, value)
    }
    fn end(self) -> Res {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Serialize;
    use std::collections::BTreeMap;

    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Outer {
        name: &'static str,
        pools: Vec<Inner>,
        #[serde(skip_serializing_if = "Option::is_none")]
        extra: Option<Tagged>,
    }

    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Inner {
        risk_matrix: Option<Vec<Vec<f64>>>,
        by_coin: BTreeMap<String, (f64, f32)>,
        #[serde(flatten)]
        flat: BTreeMap<String, f64>,
    }

    #[derive(Serialize)]
    enum Tagged {
        New(f64),
        Tuple(u8, f64),
        Struct { a: f64 },
    }

    fn inner() -> Inner {
        Inner {
            risk_matrix: Some(vec![vec![1.0, 2.0], vec![3.0, 4.0]]),
            by_coin: [("BTC".to_string(), (1.0, 2.0))].into_iter().collect(),
            flat: [("k".to_string(), 1.0)].into_iter().collect(),
        }
    }

    fn outer() -> Outer {
        Outer {
            name: "x",
            pools: vec![inner(), inner()],
            extra: None,
        }
    }

    fn path_of<T: Serialize>(v: &T) -> Option<String> {
        let e = check_finite(v).unwrap_err();
        assert_eq!(e.code, ErrorCode::Numeric);
        e.path
    }

    #[test]
    fn finite_values_pass() {
        check_finite(&outer()).unwrap();
        check_finite(&serde_json::json!({"a": [1, 2.5, 1e300, null, "NaN"]})).unwrap();
        check_finite(&Tagged::Struct { a: -0.0 }).unwrap();
    }

    #[test]
    fn the_path_names_the_first_non_finite_number() {
        let mut v = outer();
        if let Some(m) = v.pools[1].risk_matrix.as_mut() {
            m[1][0] = f64::NAN;
        }
        let e = check_finite(&v).unwrap_err();
        assert_eq!(e.path.as_deref(), Some("pools[1].riskMatrix[1][0]"));
        assert_eq!(
            e.message,
            "pools[1].riskMatrix[1][0] is not a finite number; check the inputs for extreme values"
        );
        assert_eq!(
            e.issues[0].path.as_deref(),
            Some("pools[1].riskMatrix[1][0]")
        );

        let mut v = outer();
        v.pools[0]
            .by_coin
            .insert("ETH".into(), (1.0, f32::INFINITY));
        assert_eq!(path_of(&v).as_deref(), Some("pools[0].byCoin.ETH[1]"));

        let mut v = outer();
        v.pools[1].flat.insert("flatKey".into(), f64::NEG_INFINITY);
        assert_eq!(path_of(&v).as_deref(), Some("pools[1].flatKey"));
    }

    #[test]
    fn enum_variants_are_segments_as_in_json() {
        let mut v = outer();
        v.extra = Some(Tagged::New(f64::NAN));
        assert_eq!(path_of(&v).as_deref(), Some("extra.New"));
        v.extra = Some(Tagged::Tuple(1, f64::NAN));
        assert_eq!(path_of(&v).as_deref(), Some("extra.Tuple[1]"));
        v.extra = Some(Tagged::Struct { a: f64::INFINITY });
        assert_eq!(path_of(&v).as_deref(), Some("extra.Struct.a"));
    }

    #[test]
    fn top_level_values_and_map_keys_of_every_kind() {
        assert_eq!(path_of(&f64::NAN), None);
        assert_eq!(path_of(&vec![1.0, f64::NAN]).as_deref(), Some("[1]"));
        let by_number: BTreeMap<u32, f64> = [(7, f64::NAN)].into_iter().collect();
        assert_eq!(path_of(&by_number).as_deref(), Some("7"));
    }

    #[test]
    fn json_numbers_kept_as_text_are_checked_as_numbers() {
        // arbitrary_precision keeps the digits; JSON text like 1e400 is Infinity to a JS reader
        let v: serde_json::Value = serde_json::from_str(r#"{"a": {"b": [1, 1e400]}}"#).unwrap();
        assert_eq!(path_of(&v).as_deref(), Some("a.b[1]"));
    }

    #[test]
    fn a_serialize_error_is_numeric_without_a_path() {
        struct Refuses;
        impl Serialize for Refuses {
            fn serialize<S: serde::Serializer>(
                &self,
                _s: S,
            ) -> std::result::Result<S::Ok, S::Error> {
                Err(ser::Error::custom("no"))
            }
        }
        let e = check_finite(&vec![Refuses]).unwrap_err();
        assert_eq!(e.code, ErrorCode::Numeric);
        assert_eq!(e.path, None);
    }
}
