//! What every model kind shares: the name, kind, description and date of its figures, and the
//! (initial, maintenance) pair every model produces.

use crate::error::{Error, ErrorCode, Result};
use serde::{Deserialize, Serialize};

/// What every model carries besides its parameters.
#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ModelMeta {
    pub name: String,
    pub kind: String,
    #[serde(default)]
    #[cfg_attr(feature = "typescript", ts(as = "Option<String>", optional))]
    pub description: String,
    /// Where the figures come from, and their date.
    #[serde(default)]
    #[cfg_attr(feature = "typescript", ts(as = "Option<String>", optional))]
    pub figures_as_of: String,
}

impl ModelMeta {
    pub(crate) fn read(o: &crate::input::json::Obj) -> Result<ModelMeta> {
        Ok(ModelMeta {
            name: o.str("name")?.to_string(),
            kind: o.str("kind")?.to_string(),
            description: o.string_or("description")?,
            figures_as_of: o.string_or("figuresAsOf")?,
        })
    }
}

/// Problems in a model's parameters are `BAD_MODEL`.
/// A model parameter out of its range: `BAD_MODEL` at `path`.
pub(crate) fn bad_model<T>(path: String, msg: &str) -> Result<T> {
    Err(Error::at_path(ErrorCode::BadModel, path, msg.to_string()))
}

/// Unknown and repeated keys stay `BAD_REQUEST`, as everywhere (SPEC §2).
pub(crate) fn model_error(e: Error) -> Error {
    let mut e = e;
    let keep = |code: ErrorCode, message: &str| {
        code == ErrorCode::BadRequest && crate::input::json::is_key_error(message)
    };
    if !keep(e.code, &e.message) {
        e.code = ErrorCode::BadModel;
    }
    for issue in &mut e.issues {
        if !keep(issue.code, &issue.message) {
            issue.code = ErrorCode::BadModel;
        }
    }
    e
}

/// An initial and a maintenance margin, in one currency (the pool's, unless a name says otherwise).
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Margin {
    pub initial: f64,
    pub maintenance: f64,
}

impl Margin {
    pub fn new(initial: f64, maintenance: f64) -> Margin {
        Margin {
            initial,
            maintenance,
        }
    }
    /// Both figures multiplied by `k` (a currency conversion).
    pub fn scaled(self, k: f64) -> Margin {
        Margin::new(self.initial * k, self.maintenance * k)
    }
}

impl std::ops::Add for Margin {
    type Output = Margin;
    fn add(self, o: Margin) -> Margin {
        Margin::new(self.initial + o.initial, self.maintenance + o.maintenance)
    }
}

impl std::ops::AddAssign for Margin {
    fn add_assign(&mut self, o: Margin) {
        *self = *self + o;
    }
}

impl std::iter::Sum for Margin {
    fn sum<I: Iterator<Item = Margin>>(iter: I) -> Margin {
        iter.fold(Margin::default(), |a, b| a + b)
    }
}
