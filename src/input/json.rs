//! A small reader over `serde_json::Value` that tracks the JSON path of every field, so input
//! errors name their place (`market.underlyings.BTC.index`). All request parsing goes through
//! it: one code path instead of a serde visitor per type keeps the WebAssembly small.
//!
//! JSON text is parsed by [`parse_json`], the one strict parser of every input: it builds the
//! `serde_json::Value` itself and rejects an object with the same key twice (`BAD_REQUEST` at the
//! key's path), which `serde_json::from_str::<Value>` would silently collapse to the last value.

use crate::error::{owned, Error, ErrorCode, Result};
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};
use std::cell::Cell;
use std::fmt;

/// Documented bound on the request JSON size (bytes).
pub const MAX_REQUEST_BYTES: usize = 16 * 1024 * 1024;
const _: () = assert!(MAX_REQUEST_BYTES == 16 << 20, "the message names 16 MB");

/// Parse JSON text into a value; syntax errors carry line and column, a duplicate key its path.
pub fn parse_json(json: &str, what: &str) -> Result<Value> {
    parse_json_at(json, what, "")
}

/// [`parse_json`] for text whose value sits at `root` (e.g. `orders`): paths are under it.
pub fn parse_json_at(json: &str, what: &str, root: &str) -> Result<Value> {
    if json.len() > MAX_REQUEST_BYTES {
        return Err(Error::new(
            ErrorCode::LimitExceeded,
            [what, " is larger than 16 MB"].concat(),
        ));
    }
    let duplicate = Cell::new(None);
    let mut de = serde_json::Deserializer::from_str(json);
    let parsed = Strict {
        at: Step::Root(root),
        duplicate: &duplicate,
    }
    .deserialize(&mut de)
    .and_then(|v| de.end().map(|()| v));
    parsed.map_err(|e| match duplicate.take() {
        Some((path, key)) => Error::at_path(
            ErrorCode::BadRequest,
            &path,
            format!(
                "{path}: duplicate key `{key}` (line {}, column {})",
                e.line(),
                e.column()
            ),
        ),
        None => {
            let mut err = Error::new(
                ErrorCode::BadRequest,
                format!("{what} is not valid JSON: {e}"),
            );
            // locations are 1-based: serde_json says column 0 at the start of a line (an empty request)
            err.line = Some(e.line().max(1));
            err.column = Some(e.column().max(1));
            if let Some(issue) = err.issues.first_mut() {
                issue.line = err.line;
                issue.column = err.column;
            }
            err
        }
    })
}

/// Where a value being parsed sits: a chain of parents, rendered only for an error.
#[derive(Clone, Copy)]
enum Step<'a> {
    Root(&'a str),
    Key(&'a Step<'a>, &'a str),
    Index(&'a Step<'a>, usize),
}

impl Step<'_> {
    fn render(&self) -> String {
        match self {
            Step::Root(root) => owned(root),
            Step::Key(parent, key) => join(&parent.render(), key),
            Step::Index(parent, i) => format!("{}[{i}]", parent.render()),
        }
    }
}

/// serde_json's private key of a number under `arbitrary_precision` (its `Value` visitor reads a
/// number as a one-entry map with this key and the number's text as the value).
const NUMBER_TOKEN: &str = "$serde_json::private::Number";

/// The strict parser: a `serde_json::Value`, built like serde_json's own visitor does (numbers
/// kept exactly), except that a repeated key in an object is an error naming its path.
struct Strict<'a> {
    at: Step<'a>,
    /// Set on a duplicate key: (path, key), for [`parse_json_at`] to build the error.
    duplicate: &'a Cell<Option<(String, String)>>,
}

impl<'de> DeserializeSeed<'de> for Strict<'_> {
    type Value = Value;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> std::result::Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Strict<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, b: bool) -> std::result::Result<Value, E> {
        Ok(Value::Bool(b))
    }
    fn visit_i64<E>(self, n: i64) -> std::result::Result<Value, E> {
        Ok(Value::Number(n.into()))
    }
    fn visit_u64<E>(self, n: u64) -> std::result::Result<Value, E> {
        Ok(Value::Number(n.into()))
    }
    fn visit_f64<E>(self, f: f64) -> std::result::Result<Value, E> {
        // (numbers arrive as text under `arbitrary_precision`; this is the same `Number` as
        // `Number::from_f64` without its float formatter, a second one in the WebAssembly)
        Ok(match f.is_finite() {
            true => Value::Number(Number::from_string_unchecked(f.to_string())),
            false => Value::Null,
        })
    }
    fn visit_str<E>(self, s: &str) -> std::result::Result<Value, E> {
        Ok(Value::String(s.to_owned()))
    }
    fn visit_string<E>(self, s: String) -> std::result::Result<Value, E> {
        Ok(Value::String(s))
    }
    fn visit_unit<E>(self) -> std::result::Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> std::result::Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<Value, A::Error> {
        let mut out = Vec::new();
        while let Some(v) = seq.next_element_seed(Strict {
            at: Step::Index(&self.at, out.len()),
            duplicate: self.duplicate,
        })? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<Value, A::Error> {
        let mut key: Option<String> = map.next_key()?;
        if key.as_deref() == Some(NUMBER_TOKEN) {
            // serde_json hands a number over as its text; read with this visitor (not `String`'s,
            // whose type errors format floats with a second float formatter, 17 KB of tables)
            let text = map.next_value_seed(Strict {
                at: self.at,
                duplicate: self.duplicate,
            })?;
            return match text {
                Value::String(text) if is_json_number(&text) => {
                    Ok(Value::Number(Number::from_string_unchecked(text)))
                }
                _ => Err(de::Error::custom("invalid number")),
            };
        }
        let mut out = Map::new();
        while let Some(k) = key {
            let at = Step::Key(&self.at, &k);
            if out.contains_key(&k) {
                self.duplicate.set(Some((at.render(), k)));
                return Err(de::Error::custom("duplicate key"));
            }
            let v = map.next_value_seed(Strict {
                at,
                duplicate: self.duplicate,
            })?;
            out.insert(k, v);
            key = map.next_key()?;
        }
        Ok(Value::Object(out))
    }
}

/// JSON's number grammar: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
fn is_json_number(text: &str) -> bool {
    fn digits(b: &[u8]) -> usize {
        b.iter().take_while(|c| c.is_ascii_digit()).count()
    }
    let b = text.as_bytes();
    let mut i = usize::from(b.first() == Some(&b'-'));
    match b.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => i += digits(&b[i..]),
        _ => return false,
    }
    if b.get(i) == Some(&b'.') {
        let n = digits(&b[i + 1..]);
        if n == 0 {
            return false;
        }
        i += 1 + n;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let n = digits(&b[i..]);
        if n == 0 {
            return false;
        }
        i += n;
    }
    i == b.len()
}

/// Join a path and a key: `market` + `asOf` → `market.asOf`.
#[inline(never)]
pub fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        owned(key)
    } else {
        format!("{path}.{key}")
    }
}

fn shown(path: &str) -> &str {
    if path.is_empty() {
        "the request"
    } else {
        path
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::String(s) if s.starts_with(NON_FINITE_MARK) => "a non-finite number",
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Whether an error message is about a key (unknown or repeated): such errors are `BAD_REQUEST`
/// wherever they occur, the model's parameters included.
pub fn is_key_error(message: &str) -> bool {
    message.contains(": unknown field `") || message.contains(": duplicate key `")
}

/// A type error at `path`.
#[inline(never)]
pub fn expected(path: &str, what: &str, got: &Value) -> Error {
    Error::at_path(
        ErrorCode::BadRequest,
        path,
        format!("{}: expected {what}, got {}", shown(path), kind_of(got)),
    )
}

/// What the package's JSON encoding writes for a JS number JSON cannot carry (`NaN`, `Infinity`,
/// `-Infinity`): this prefix and the number's name, as a string (src/wasm/tape.js). The readers
/// report it as a non-finite number (`BAD_NUMBER`) instead of JSON.stringify's `null` (absent).
pub const NON_FINITE_MARK: &str = "\u{0}non-finite:";

#[inline(never)]
pub fn as_f64(v: &Value, path: &str) -> Result<f64> {
    match v {
        Value::Number(n) => match n.as_f64() {
            Some(x) if x.is_finite() => Ok(x),
            // under arbitrary_precision `1e309` is a number that no f64 holds
            _ => Err(not_finite(path, &n.to_string())),
        },
        Value::String(s) if s.starts_with(NON_FINITE_MARK) => {
            Err(not_finite(path, &s[NON_FINITE_MARK.len()..]))
        }
        _ => Err(expected(path, "a number", v)),
    }
}

/// A finite JSON number; None for anything `as_f64` would reject.
fn finite(v: &Value) -> Option<f64> {
    v.as_f64().filter(|x| x.is_finite())
}

#[inline(never)]
fn not_finite(path: &str, text: &str) -> Error {
    Error::at_path(
        ErrorCode::BadNumber,
        path,
        format!(
            "{}: {text} is not a finite number (numbers are within ±1.7e308, and each field has its own range)",
            shown(path)
        ),
    )
}

#[inline(never)]
pub fn as_str<'a>(v: &'a Value, path: &str) -> Result<&'a str> {
    v.as_str().ok_or_else(|| expected(path, "a string", v))
}

#[inline(never)]
pub fn as_array<'a>(v: &'a Value, path: &str) -> Result<&'a Vec<Value>> {
    v.as_array().ok_or_else(|| expected(path, "an array", v))
}

/// One of a fixed set of strings.
#[inline(never)]
pub fn as_enum<T: Copy>(v: &Value, path: &str, options: &[(&str, T)]) -> Result<T> {
    let s = as_str(v, path)?;
    options
        .iter()
        .find(|(name, _)| *name == s)
        .map(|(_, t)| *t)
        .ok_or_else(|| {
            let names: Vec<&str> = options.iter().map(|(n, _)| *n).collect();
            Error::at_path(
                ErrorCode::BadRequest,
                path,
                format!("{}: '{s}' is not one of {}", shown(path), names.join(", ")),
            )
        })
}

/// A JSON object being read, with its path.
pub struct Obj<'a> {
    pub map: &'a Map<String, Value>,
    pub path: String,
}

impl<'a> Obj<'a> {
    /// `v` must be an object whose keys are all in `allowed` (an unknown key is almost always a typo).
    #[inline(never)]
    pub fn new(v: &'a Value, path: &str, allowed: &[&str]) -> Result<Obj<'a>> {
        let map = v
            .as_object()
            .ok_or_else(|| expected(path, "an object", v))?;
        for key in map.keys() {
            if !allowed.contains(&key.as_str()) {
                let here = join(path, key);
                return Err(Error::at_path(
                    ErrorCode::BadRequest,
                    &here,
                    format!(
                        "{here}: unknown field `{key}`, expected one of {}",
                        allowed.join(", ")
                    ),
                ));
            }
        }
        Ok(Obj {
            map,
            path: owned(path),
        })
    }

    /// An object with any keys (a map).
    #[inline(never)]
    pub fn map(v: &'a Value, path: &str) -> Result<Obj<'a>> {
        let map = v
            .as_object()
            .ok_or_else(|| expected(path, "an object", v))?;
        Ok(Obj {
            map,
            path: owned(path),
        })
    }

    #[inline(never)]
    pub fn at(&self, key: &str) -> String {
        join(&self.path, key)
    }

    /// The value of `key`; JSON `null` counts as absent.
    #[inline(never)]
    pub fn get(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key).filter(|v| !v.is_null())
    }

    #[inline(never)]
    fn required(&self, key: &str) -> Result<&'a Value> {
        self.get(key).ok_or_else(|| {
            let here = self.at(key);
            Error::at_path(
                ErrorCode::BadRequest,
                &here,
                format!("{here}: missing field `{key}`"),
            )
        })
    }

    /// A required number: absent (or null) is `BAD_NUMBER`, "a number missing".
    #[inline(never)]
    pub fn f64(&self, key: &str) -> Result<f64> {
        let v = self.get(key).ok_or_else(|| {
            let here = self.at(key);
            Error::at_path(
                ErrorCode::BadNumber,
                &here,
                format!("{here}: missing number `{key}`"),
            )
        })?;
        self.number(v, key)
    }
    #[inline(never)]
    pub fn opt_f64(&self, key: &str) -> Result<Option<f64>> {
        self.get(key).map(|v| self.number(v, key)).transpose()
    }
    /// `as_f64` at `key`, its path written only for an error.
    fn number(&self, v: &Value, key: &str) -> Result<f64> {
        finite(v).map_or_else(|| as_f64(v, &self.at(key)), Ok)
    }
    #[inline(never)]
    pub fn f64_or(&self, key: &str, default: f64) -> Result<f64> {
        Ok(self.opt_f64(key)?.unwrap_or(default))
    }
    #[inline(never)]
    pub fn str(&self, key: &str) -> Result<&'a str> {
        as_str(self.required(key)?, &self.at(key))
    }
    #[inline(never)]
    pub fn opt_str(&self, key: &str) -> Result<Option<&'a str>> {
        self.get(key).map(|v| as_str(v, &self.at(key))).transpose()
    }
    #[inline(never)]
    pub fn string_or(&self, key: &str) -> Result<String> {
        Ok(owned(self.opt_str(key)?.unwrap_or("")))
    }
    #[inline(never)]
    pub fn bool_or(&self, key: &str, default: bool) -> Result<bool> {
        match self.get(key) {
            None => Ok(default),
            Some(v) => v
                .as_bool()
                .ok_or_else(|| expected(&self.at(key), "true or false", v)),
        }
    }
    #[inline(never)]
    pub fn usize(&self, key: &str) -> Result<usize> {
        let v = self.required(key)?;
        v.as_u64()
            .map(|n| n as usize)
            .ok_or_else(|| expected(&self.at(key), "a whole number", v))
    }
    #[inline(never)]
    pub fn opt_enum<T: Copy>(&self, key: &str, options: &[(&str, T)]) -> Result<Option<T>> {
        self.get(key)
            .map(|v| as_enum(v, &self.at(key), options))
            .transpose()
    }
    #[inline(never)]
    pub fn enum_of<T: Copy>(&self, key: &str, options: &[(&str, T)]) -> Result<T> {
        as_enum(self.required(key)?, &self.at(key), options)
    }
    #[inline(never)]
    pub fn f64_vec(&self, key: &str) -> Result<Vec<f64>> {
        let here = self.at(key);
        as_array(self.required(key)?, &here)?
            .iter()
            .enumerate()
            .map(|(i, v)| finite(v).map_or_else(|| as_f64(v, &format!("{here}[{i}]")), Ok))
            .collect()
    }
    /// A map of numbers (`{"BTC": 2.0}`), in key order.
    #[inline(never)]
    pub fn opt_f64_map(
        &self,
        key: &str,
    ) -> Result<Option<std::collections::BTreeMap<String, f64>>> {
        let Some(v) = self.get(key) else {
            return Ok(None);
        };
        let m = Obj::map(v, &self.at(key))?;
        let mut out = std::collections::BTreeMap::new();
        for (k, x) in m.map {
            out.insert(k.clone(), m.number(x, k)?);
        }
        Ok(Some(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_those_of_serde_json() {
        let text = r#"{"a": [1, -2, 3.50, 1e400, -0, 0.1000000000000000055511151231257827, 18446744073709551616,
            -9223372036854775809, 2.5E-3, true, false, null, "x\u00e9\n", {}, [], {"b": {"c": [[{}]]}}],
            "$serde_json::private::Number": 1, "": {"": 1}}"#;
        let ours = parse_json(text, "the test").unwrap();
        let theirs: Value = serde_json::from_str(text).unwrap();
        assert_eq!(ours, theirs);
        assert_eq!(ours.to_string(), theirs.to_string());
        for scalar in ["1.50", "-0", "1e400", "\"s\"", "null", "true", "[]", "{}"] {
            assert_eq!(
                parse_json(scalar, "the test").unwrap(),
                serde_json::from_str::<Value>(scalar).unwrap(),
                "{scalar}"
            );
        }
    }

    #[test]
    fn the_number_grammar_is_json_s() {
        for ok in [
            "0", "-0", "1", "12", "1.5", "-0.25", "1e9", "1E+9", "2.5e-3", "10.00",
        ] {
            assert!(is_json_number(ok), "{ok}");
            assert!(serde_json::from_str::<Value>(ok).is_ok(), "{ok}");
        }
        for bad in [
            "", "-", "01", "1.", ".5", "1e", "1e+", "+1", "1.5.2", "inf", "NaN", "1 ", "0x1",
        ] {
            assert!(!is_json_number(bad), "{bad}");
        }
        // the token key written by a user: a number only when its value is a number's text
        let parsed = parse_json(r#"{"$serde_json::private::Number": "2.5"}"#, "t").unwrap();
        assert_eq!(parsed.as_f64(), Some(2.5));
        for bad in [
            r#"{"$serde_json::private::Number": "abc"}"#,
            r#"{"$serde_json::private::Number": 2}"#,
        ] {
            assert!(parse_json(bad, "t").is_err(), "{bad}");
        }
    }

    #[test]
    fn a_duplicate_key_is_bad_request_at_its_path() {
        for (text, root, path) in [
            (r#"{"market": 1, "market": 2}"#, "", "market"),
            (r#"{"a": {"b": [0, {"c": 1, "c": 1}]}}"#, "", "a.b[1].c"),
            (
                r#"[{"quantity": 1}, {"quantity": 1, "quantity": 2}]"#,
                "",
                "[1].quantity",
            ),
            (
                r#"[{"quantity": 1, "iv": 0.5, "quantity": 2}]"#,
                "orders",
                "orders[0].quantity",
            ),
            (r#"{"m": {"x": {"y": null, "y": null}}}"#, "", "m.x.y"),
        ] {
            let e = parse_json_at(text, "the test", root).unwrap_err();
            assert_eq!(
                (e.code, e.path.as_deref(), e.line),
                (ErrorCode::BadRequest, Some(path), None),
                "{text}: {e:?}"
            );
            assert!(e.message.contains("duplicate key"), "{}", e.message);
        }
        // the same key in two different objects is not a duplicate
        assert!(parse_json(
            r#"{"a": {"k": 1}, "b": {"k": 1}, "k": [{"k": 1}, {"k": 2}]}"#,
            "t"
        )
        .is_ok());
    }

    #[test]
    fn syntax_errors_keep_line_and_column() {
        let e = parse_json("{\n  \"a\": 1,\n  \"b\": }", "the request").unwrap_err();
        assert_eq!(
            (e.code, e.line, e.column, e.path.as_deref()),
            (ErrorCode::BadRequest, Some(3), Some(8), None)
        );
        assert!(parse_json("{} x", "the request").is_err());
        let deep = "[".repeat(10_000) + &"]".repeat(10_000);
        assert_eq!(
            parse_json(&deep, "the request").unwrap_err().code,
            ErrorCode::BadRequest
        );
    }
}
