//! What every model kind's parameters share: the name, kind, description and date of the figures.

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
pub(crate) fn model_error(e: Error) -> Error {
    let mut e = e;
    e.code = ErrorCode::BadModel;
    for issue in &mut e.issues {
        issue.code = ErrorCode::BadModel;
    }
    e
}
