//! The margin model of a request: a preset (data in `presets/`) with overrides, resolved to one
//! typed model kind.

use crate::error::{Error, ErrorCode, Result};
use serde::Serialize;
use serde_json::Value;

use crate::input::instrument::Settlement;
use crate::input::json::parse_json;
use crate::input::model::ModelInput;
use crate::margin::grid::GridParams;
use crate::margin::layout::{GridLayout, MatrixLayout, PoolLayout};
use crate::margin::risk_matrix::PoolScenarios;
use crate::margin::risk_matrix::RiskMatrixParams;
use crate::margin::standard::StandardParams;

/// The presets shipped inside the package: (name, JSON).
pub const PRESETS: [(&str, &str); 7] = [
    ("deribit-pm", include_str!("presets/deribit-pm.json")),
    (
        "deribit-standard",
        include_str!("presets/deribit-standard.json"),
    ),
    ("span", include_str!("presets/span.json")),
    ("es-margin", include_str!("presets/es-margin.json")),
    ("okx-pm", include_str!("presets/okx-pm.json")),
    ("bybit-pm", include_str!("presets/bybit-pm.json")),
    (
        "bybit-standard",
        include_str!("presets/bybit-standard.json"),
    ),
];

/// The pool of the whole account under `es-margin`.
pub const ACCOUNT_POOL: &str = "ACCOUNT";

/// A resolved model: its name, the full parameter JSON used (reported), and the typed parameters.
#[derive(Debug, Clone)]
pub struct Model {
    pub name: String,
    pub params_json: Value,
    pub kind: ModelKind,
    /// Standard margin is shown beside every report; its parameters are the standard preset's.
    pub standard: StandardParams,
}

/// The kinds of margin model. [`Model::layout`] is the one place that matches on it.
#[derive(Debug, Clone)]
pub enum ModelKind {
    RiskMatrix(RiskMatrixParams),
    /// SPAN-style and custom scenario grids.
    Grid(GridParams),
    Standard,
    /// Expected shortfall of the whole account (`es-margin`, SPEC §3.6).
    #[cfg(feature = "analysis")]
    Es(crate::margin::es::EsParams),
}

#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ModelInfo {
    pub name: String,
    pub kind: String,
    pub description: String,
    pub params: Value,
}

fn preset_json(name: &str) -> Result<Value> {
    preset_ref(name).cloned()
}

/// A preset's parameters, parsed once per process (or WebAssembly instance) and borrowed.
fn preset_ref(name: &str) -> Result<&'static Value> {
    static PARSED: std::sync::OnceLock<Vec<(&'static str, Value)>> = std::sync::OnceLock::new();
    let parsed = PARSED.get_or_init(|| {
        PRESETS
            .iter()
            .filter_map(|(n, text)| Some((*n, parse_json(text, "the preset").ok()?)))
            .collect()
    });
    parsed
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v)
        .ok_or_else(|| {
            Error::at_path(
                ErrorCode::BadModel,
                "model",
                format!("unknown model '{name}' (known: {})", preset_names()),
            )
        })
}

fn preset_names() -> String {
    PRESETS
        .iter()
        .map(|(n, _)| *n)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Merge `overrides` into `base` field by field (objects recursively; anything else replaces).
/// An override naming a field the base does not have is an error: it is almost always a typo.
pub fn merge(base: &mut Value, overrides: &Value, path: &str) -> Result<()> {
    match (base, overrides) {
        (Value::Object(b), Value::Object(o)) => {
            for (key, value) in o {
                let here = format!("{path}.{key}");
                if let Some(slot) = b.get_mut(key) {
                    merge(slot, value, &here)?;
                } else if key != "default" && b.contains_key("default") {
                    // a new underlying/currency row: start from the preset's default row
                    let mut row = b.get("default").cloned().unwrap_or(Value::Null);
                    merge(&mut row, value, &here)?;
                    b.insert(key.clone(), row);
                } else {
                    return Err(Error::at_path(
                        ErrorCode::BadRequest,
                        &here,
                        format!("{here}: unknown field `{key}`: the model has no such field"),
                    ));
                }
            }
            Ok(())
        }
        (slot, value) => {
            *slot = value.clone();
            Ok(())
        }
    }
}

impl Model {
    /// How a pool of `underlying` settled `settlement` is margined under this model.
    pub fn layout(&self, underlying: &str, settlement: Settlement) -> PoolLayout {
        match &self.kind {
            ModelKind::RiskMatrix(params) => {
                let shock = params.shock_for(underlying).clone();
                let currency = params.currency_for(settlement, underlying).clone();
                let scen = PoolScenarios::new(
                    params.price_moves(shock.price_range),
                    params.extended_moves.clone(),
                    shock.price_range,
                    settlement == Settlement::Inverse,
                );
                PoolLayout::Matrix(MatrixLayout {
                    scen,
                    shock,
                    currency,
                    terms: params.terms(),
                })
            }
            ModelKind::Grid(params) => PoolLayout::Grid(GridLayout {
                cells: params.cells(underlying),
                params: params.clone(),
            }),
            ModelKind::Standard => PoolLayout::Standard,
            #[cfg(feature = "analysis")]
            ModelKind::Es(params) => PoolLayout::Es(params.clone()),
        }
    }

    /// The risk-matrix parameters of a model in cross mode (SPEC §3.5).
    pub fn cross(&self) -> Option<&RiskMatrixParams> {
        match &self.kind {
            ModelKind::RiskMatrix(p) if p.cross => Some(p),
            _ => None,
        }
    }

    /// Whether the model margins the whole account as one pool (`es-margin`).
    pub fn is_account_wide(&self) -> bool {
        #[cfg(feature = "analysis")]
        if let ModelKind::Es(_) = self.kind {
            return true;
        }
        false
    }

    /// Whether the model margins one USD risk unit per underlying, inverse and linear positions
    /// together (`okx-pm`, `bybit-pm`).
    pub fn is_unit_per_underlying(&self) -> bool {
        matches!(&self.kind, ModelKind::Grid(g) if g.risk_units == crate::margin::grid::RiskUnits::Underlying)
    }

    /// Whether every pool of the model is in USD (the account's, or one per underlying).
    pub fn is_usd_account(&self) -> bool {
        self.is_account_wide() || self.is_unit_per_underlying()
    }

    /// The pool a position is margined in: its settlement pool, its underlying's risk unit, or
    /// the account's.
    pub fn pool_of<'a>(&self, p: &'a crate::pricing::valuation::ValuedPosition) -> &'a str {
        if self.is_account_wide() {
            ACCOUNT_POOL
        } else if self.is_unit_per_underlying() {
            &p.input.instrument.underlying
        } else {
            &p.pool
        }
    }
}

/// A preset with `overrides` merged in, renamed `… (overridden)`.
fn overridden(mut base: Value, overrides: &Value) -> Result<Value> {
    if !overrides.is_object() {
        return Err(Error::at_path(
            ErrorCode::BadModel,
            "model.overrides",
            "overrides must be an object",
        ));
    }
    merge(&mut base, overrides, "model.overrides")?;
    if let (Some(n), Value::Object(map)) = (
        base.get("name")
            .and_then(Value::as_str)
            .map(|n| format!("{n} (overridden)")),
        &mut base,
    ) {
        map.insert("name".into(), Value::String(n));
    }
    Ok(base)
}

/// All presets, for `listModels()`.
pub fn list_models() -> Vec<ModelInfo> {
    PRESETS
        .iter()
        .filter_map(|(name, text)| {
            let params = parse_json(text, "the preset").ok()?;
            Some(ModelInfo {
                name: name.to_string(),
                kind: params.get("kind")?.as_str()?.to_string(),
                description: params
                    .get("description")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
                params,
            })
        })
        .collect()
}

impl Model {
    pub fn resolve(input: Option<&ModelInput>) -> Result<Model> {
        let params_json = match input {
            None => preset_json("deribit-pm")?,
            Some(ModelInput::Name(name)) => preset_json(name)?,
            Some(ModelInput::Preset { preset, overrides }) => {
                let base = preset_json(preset).map_err(|e| Error {
                    path: Some("model.preset".into()),
                    ..e
                })?;
                match overrides {
                    Some(o) => overridden(base, o)?,
                    None => base,
                }
            }
            Some(ModelInput::Full(value)) => value.clone(),
        };
        Model::from_params(params_json)
    }

    /// The typed model of a full parameter object (a preset's, overridden or not, or the user's).
    fn from_params(params_json: Value) -> Result<Model> {
        let kind_name = params_json
            .get("kind")
            .and_then(Value::as_str)
            .unwrap_or("");
        let name = params_json
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("custom")
            .to_string();
        // (read in place: a comparison resolves every preset, each reading these)
        let standard = StandardParams::from_json(if kind_name == "standard" {
            &params_json
        } else {
            preset_ref("deribit-standard")?
        })?;
        let kind = match kind_name {
            "risk-matrix" => ModelKind::RiskMatrix(RiskMatrixParams::from_json(&params_json)?),
            "scenario-grid" => ModelKind::Grid(GridParams::from_json(&params_json)?),
            "standard" => ModelKind::Standard,
            #[cfg(feature = "analysis")]
            "es" => ModelKind::Es(crate::margin::es::EsParams::from_json(
                &params_json,
                RiskMatrixParams::from_json(preset_ref("deribit-pm")?)?,
            )?),
            #[cfg(not(feature = "analysis"))]
            "es" => {
                return Err(Error::at_path(
                    ErrorCode::BadModel,
                    "model",
                    "es-margin runs Monte Carlo scenarios: it is in the full build of the package (portfolio-margin/full, or the worker helper), not in this margin-path build",
                ))
            }
            other => {
                return Err(Error::at_path(
                    ErrorCode::BadModel,
                    "model.kind",
                    format!(
                    "unknown model kind '{other}' (known: risk-matrix, scenario-grid, standard, es)"
                ),
                ))
            }
        };
        Ok(Model {
            name,
            params_json,
            kind,
            standard,
        })
    }
}
