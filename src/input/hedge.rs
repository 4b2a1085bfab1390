//! The options of a hedge optimisation (`optimizeHedge(request, options)`, the CLI's `hedge` key),
//! read strictly with paths under `hedge` (docs/CONVENTIONS.md, "Hedge optimisation").

use crate::error::{Error, ErrorCode, Result};
use crate::input::instrument::Instrument;
use crate::input::json::{as_array, as_str, Obj};
use std::collections::BTreeMap;

/// Documented bound: at most this many candidate instruments in one optimisation.
pub const MAX_CANDIDATES: usize = 100;

/// Quantity bounds and lot size of one candidate, in the instrument's own unit (USD notional for
/// inverse futures and perpetuals, coin otherwise).
#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CandidateBounds {
    /// Smallest signed quantity (≤ 0); default: minus the pool's default bound.
    pub min: Option<f64>,
    /// Largest signed quantity (≥ 0); default: the pool's default bound.
    pub max: Option<f64>,
    /// Lot (contract) size: quantities are whole multiples of it; 0 trades any quantity.
    /// Default: the venue's contract size (docs/CONVENTIONS.md).
    pub lot: Option<f64>,
}

/// What `optimizeHedge` takes besides the request.
#[derive(Debug, Clone, Default)]
pub struct HedgeInput {
    /// The pool to hedge; default: the candidates' pool, else the pool with the largest initial margin.
    pub pool: Option<String>,
    /// Instruments that may be traded (names); default: the documented rule.
    pub candidates: Option<Vec<Instrument>>,
    /// Net premium paid at most, in the pool's currency (≥ 0); default: no budget.
    pub budget: Option<f64>,
    /// Per instrument name (canonical or as given in `candidates`).
    pub bounds: BTreeMap<String, CandidateBounds>,
}

/// The JSON shape of the options (TypeScript declarations only).
#[cfg(feature = "typescript")]
#[derive(ts_rs::TS)]
#[ts(rename = "HedgeOptions", optional_fields)]
pub struct HedgeOptionsJson {
    /// The pool to hedge (`BTC`, `BTC_USDC`, …).
    pub pool: Option<String>,
    /// Instrument names that may be traded; omitted: the default candidates.
    pub candidates: Option<Vec<String>>,
    /// Net premium paid at most, in the pool's currency.
    pub budget: Option<f64>,
    /// Per instrument name: `{ min, max, lot }`.
    pub bounds: Option<BTreeMap<String, CandidateBounds>>,
}

fn bad(path: String, message: String) -> Error {
    Error::at_path(ErrorCode::BadRequest, path, message)
}

impl HedgeInput {
    /// Read the options; `null` or absent means every default. Errors carry paths under `hedge`.
    pub fn from_json(v: Option<&serde_json::Value>) -> Result<HedgeInput> {
        let Some(v) = v.filter(|v| !v.is_null()) else {
            return Ok(HedgeInput::default());
        };
        let o = Obj::new(v, "hedge", &["pool", "candidates", "budget", "bounds"])?;
        let candidates = match o.get("candidates") {
            None => None,
            Some(list) => {
                let items = as_array(list, &o.at("candidates"))?;
                if items.is_empty() || items.len() > MAX_CANDIDATES {
                    return Err(Error::at_path(
                        ErrorCode::LimitExceeded,
                        o.at("candidates"),
                        format!("hedge.candidates: give 1 to {MAX_CANDIDATES} instrument names"),
                    ));
                }
                let mut out = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    let here = format!("hedge.candidates[{i}]");
                    let name = as_str(item, &here)?;
                    // a venue's name too (`BTC-USDT-SWAP`): the instrument, not its contract size
                    let inst = crate::input::venue::parse_name(name, None)
                        .map(|n| n.instrument)
                        .map_err(|issue| {
                            Error::at_path(issue.code, &here, format!("{here}: {}", issue.message))
                        })?;
                    if inst.kind == crate::input::instrument::Kind::Spot {
                        return Err(bad(
                            here.clone(),
                            format!(
                                "{here}: '{name}' is a coin holding, not a tradable instrument"
                            ),
                        ));
                    }
                    if let Some(j) = out.iter().position(|c: &Instrument| c.name == inst.name) {
                        return Err(bad(
                            here.clone(),
                            format!("{here}: {} is already hedge.candidates[{j}]", inst.name),
                        ));
                    }
                    out.push(inst);
                }
                Some(out)
            }
        };
        let budget = o.opt_f64("budget")?;
        if let Some(b) = budget {
            if !(b.is_finite() && b >= 0.0) {
                return Err(Error::at_path(
                    ErrorCode::BadNumber,
                    o.at("budget"),
                    "hedge.budget: a premium budget is a number ≥ 0 in the pool's currency",
                ));
            }
        }
        let mut bounds = BTreeMap::new();
        if let Some(b) = o.get("bounds") {
            let m = Obj::map(b, &o.at("bounds"))?;
            for (name, value) in m.map {
                let here = m.at(name);
                let e = Obj::new(value, &here, &["min", "max", "lot"])?;
                let read = CandidateBounds {
                    min: e.opt_f64("min")?,
                    max: e.opt_f64("max")?,
                    lot: e.opt_f64("lot")?,
                };
                let number = |key: &str, v: Option<f64>, ok: bool, what: &str| match v {
                    Some(x) if !(x.is_finite() && ok) => Err(Error::at_path(
                        ErrorCode::BadNumber,
                        e.at(key),
                        format!("{}: {what}", e.at(key)),
                    )),
                    _ => Ok(()),
                };
                let min = read.min.unwrap_or(0.0);
                let max = read.max.unwrap_or(0.0);
                number(
                    "min",
                    read.min,
                    (-1e15..=0.0).contains(&min),
                    "min must be ≤ 0 (no trade is always allowed) and ≥ -1e15",
                )?;
                number(
                    "max",
                    read.max,
                    (0.0..=1e15).contains(&max),
                    "max must be ≥ 0 (no trade is always allowed) and ≤ 1e15",
                )?;
                let lot = read.lot.unwrap_or(0.0);
                number(
                    "lot",
                    read.lot,
                    (0.0..=1e9).contains(&lot),
                    "lot must be 0 (any quantity) or a positive contract size",
                )?;
                let key = crate::input::venue::parse_name(name, None)
                    .map(|n| n.instrument.name)
                    .unwrap_or_else(|_| name.clone());
                bounds.insert(key, read);
            }
        }
        Ok(HedgeInput {
            pool: o.opt_str("pool")?.map(str::to_string),
            candidates,
            budget,
            bounds,
        })
    }
}
