//! The model as a request gives it: a preset name, a preset with overrides, or a full model object.
//! Its parameters are read by the margin layer, which knows each model kind's fields.

use crate::error::Result;
use crate::input::json::{expected, Obj};
use serde_json::Value;

/// A model as the request gives it: a preset name, a preset with overrides, or a full model.
#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(untagged))]
#[derive(Debug, Clone)]
pub enum ModelInput {
    Name(String),
    Preset {
        preset: String,
        #[cfg_attr(feature = "typescript", ts(optional))]
        overrides: Option<Value>,
    },
    Full(Value),
}

impl ModelInput {
    /// `"deribit-pm"`, `{"preset": …, "overrides": {…}}`, or a full model object.
    pub fn from_json(v: &Value) -> Result<ModelInput> {
        match v {
            Value::String(name) => Ok(ModelInput::Name(name.clone())),
            Value::Object(map) if map.contains_key("preset") => {
                let o = Obj::new(v, "model", &["preset", "overrides"])?;
                Ok(ModelInput::Preset {
                    preset: crate::error::owned(o.str("preset")?),
                    overrides: o.get("overrides").cloned(),
                })
            }
            Value::Object(_) => Ok(ModelInput::Full(v.clone())),
            other => Err(expected("model", "a preset name or a model object", other)),
        }
    }
}
