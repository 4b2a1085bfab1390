//! A small reader over `serde_json::Value` that tracks the JSON path of every field, so input
//! errors name their place (`market.underlyings.BTC.index`). All request parsing goes through
//! it: one code path instead of a serde visitor per type keeps the WebAssembly small.

use crate::error::{Error, ErrorCode, Result};
use serde_json::{Map, Value};

/// Documented bound on the request JSON size (bytes).
pub const MAX_REQUEST_BYTES: usize = 16 * 1024 * 1024;

/// Parse JSON text into a value; syntax errors carry line and column.
pub fn parse_json(json: &str, what: &str) -> Result<Value> {
    if json.len() > MAX_REQUEST_BYTES {
        return Err(Error::new(
            ErrorCode::LimitExceeded,
            format!(
                "{what} is larger than {} MB",
                MAX_REQUEST_BYTES / (1024 * 1024)
            ),
        ));
    }
    serde_json::from_str(json).map_err(|e| {
        let mut err = Error::new(
            ErrorCode::BadRequest,
            format!("{what} is not valid JSON: {e}"),
        );
        err.line = Some(e.line());
        err.column = Some(e.column());
        if let Some(issue) = err.issues.first_mut() {
            issue.line = err.line;
            issue.column = err.column;
        }
        err
    })
}

/// Join a path and a key: `market` + `asOf` → `market.asOf`.
pub fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
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
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A type error at `path`.
pub fn expected(path: &str, what: &str, got: &Value) -> Error {
    Error::at_path(
        ErrorCode::BadRequest,
        path,
        format!("{}: expected {what}, got {}", shown(path), kind_of(got)),
    )
}

pub fn as_f64(v: &Value, path: &str) -> Result<f64> {
    v.as_f64().ok_or_else(|| expected(path, "a number", v))
}

pub fn as_str<'a>(v: &'a Value, path: &str) -> Result<&'a str> {
    v.as_str().ok_or_else(|| expected(path, "a string", v))
}

pub fn as_array<'a>(v: &'a Value, path: &str) -> Result<&'a Vec<Value>> {
    v.as_array().ok_or_else(|| expected(path, "an array", v))
}

/// One of a fixed set of strings.
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
            path: path.to_string(),
        })
    }

    /// An object with any keys (a map).
    pub fn map(v: &'a Value, path: &str) -> Result<Obj<'a>> {
        let map = v
            .as_object()
            .ok_or_else(|| expected(path, "an object", v))?;
        Ok(Obj {
            map,
            path: path.to_string(),
        })
    }

    pub fn at(&self, key: &str) -> String {
        join(&self.path, key)
    }

    /// The value of `key`; JSON `null` counts as absent.
    pub fn get(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key).filter(|v| !v.is_null())
    }

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

    pub fn f64(&self, key: &str) -> Result<f64> {
        as_f64(self.required(key)?, &self.at(key))
    }
    pub fn opt_f64(&self, key: &str) -> Result<Option<f64>> {
        self.get(key).map(|v| as_f64(v, &self.at(key))).transpose()
    }
    pub fn f64_or(&self, key: &str, default: f64) -> Result<f64> {
        Ok(self.opt_f64(key)?.unwrap_or(default))
    }
    pub fn str(&self, key: &str) -> Result<&'a str> {
        as_str(self.required(key)?, &self.at(key))
    }
    pub fn opt_str(&self, key: &str) -> Result<Option<&'a str>> {
        self.get(key).map(|v| as_str(v, &self.at(key))).transpose()
    }
    pub fn string_or(&self, key: &str) -> Result<String> {
        Ok(self.opt_str(key)?.unwrap_or("").to_string())
    }
    pub fn bool_or(&self, key: &str, default: bool) -> Result<bool> {
        match self.get(key) {
            None => Ok(default),
            Some(v) => v
                .as_bool()
                .ok_or_else(|| expected(&self.at(key), "true or false", v)),
        }
    }
    pub fn usize(&self, key: &str) -> Result<usize> {
        let v = self.required(key)?;
        v.as_u64()
            .map(|n| n as usize)
            .ok_or_else(|| expected(&self.at(key), "a whole number", v))
    }
    pub fn opt_enum<T: Copy>(&self, key: &str, options: &[(&str, T)]) -> Result<Option<T>> {
        self.get(key)
            .map(|v| as_enum(v, &self.at(key), options))
            .transpose()
    }
    pub fn enum_of<T: Copy>(&self, key: &str, options: &[(&str, T)]) -> Result<T> {
        as_enum(self.required(key)?, &self.at(key), options)
    }
    pub fn f64_vec(&self, key: &str) -> Result<Vec<f64>> {
        let here = self.at(key);
        as_array(self.required(key)?, &here)?
            .iter()
            .enumerate()
            .map(|(i, v)| as_f64(v, &format!("{here}[{i}]")))
            .collect()
    }
    /// A map of numbers (`{"BTC": 2.0}`), in key order.
    pub fn opt_f64_map(
        &self,
        key: &str,
    ) -> Result<Option<std::collections::BTreeMap<String, f64>>> {
        let Some(v) = self.get(key) else {
            return Ok(None);
        };
        let m = Obj::map(v, &self.at(key))?;
        m.map
            .iter()
            .map(|(k, x)| Ok((k.clone(), as_f64(x, &m.at(k))?)))
            .collect::<Result<_>>()
            .map(Some)
    }
}
