//! The market as a request gives it (SPEC §2), read strictly with JSON paths.

use crate::error::{Error, ErrorCode, Result};
use std::collections::BTreeMap;

/// The embedded default market snapshot (see data/README.md for what it is modelled on).
pub const DEFAULT_MARKET_JSON: &str = include_str!("../../data/default-market.json");

/// Market as given in a request (SPEC §2).
#[cfg_attr(
    feature = "typescript",
    derive(ts_rs::TS),
    ts(optional_fields, rename_all = "camelCase")
)]
#[derive(Debug, Clone)]
pub struct MarketInput {
    pub as_of: String,
    pub rate: Option<f64>,
    pub underlyings: BTreeMap<String, UnderlyingInput>,
    #[cfg_attr(
        feature = "typescript",
        ts(as = "Option<BTreeMap<String, f64>>", optional)
    )]
    pub correlations: BTreeMap<String, f64>,
    /// Free text: where the numbers come from.
    pub description: Option<String>,
}

#[cfg_attr(
    feature = "typescript",
    derive(ts_rs::TS),
    ts(optional_fields, rename_all = "camelCase")
)]
#[derive(Debug, Clone)]
pub struct UnderlyingInput {
    pub index: f64,
    pub futures: Option<BTreeMap<String, f64>>,
    pub carry: Option<f64>,
    pub iv: Option<f64>,
    pub smiles: Option<BTreeMap<String, Vec<[f64; 2]>>>,
    /// Delivery (settlement) prices of past expiries, `{"2026-11-24": 94800}` (SPEC §3.1 step 11).
    pub delivery: Option<BTreeMap<String, f64>>,
}

impl MarketInput {
    /// The embedded default snapshot, read like any request's market.
    pub fn embedded_default() -> Result<MarketInput> {
        MarketInput::from_json(
            &crate::input::json::parse_json(DEFAULT_MARKET_JSON, "the embedded market")?,
            "defaultMarket",
        )
    }

    /// Read a market from JSON; errors carry paths under `path` (e.g. `market.underlyings.BTC.index`).
    pub fn from_json(v: &serde_json::Value, path: &str) -> Result<MarketInput> {
        use crate::input::json::{as_array, as_f64, Obj};
        let o = Obj::new(
            v,
            path,
            &["asOf", "rate", "underlyings", "correlations", "description"],
        )?;
        let underlyings_obj = Obj::map(
            o.get("underlyings").unwrap_or(&serde_json::Value::Null),
            &o.at("underlyings"),
        )?;
        let mut underlyings = BTreeMap::new();
        for (name, u) in underlyings_obj.map {
            let u = Obj::new(
                u,
                &underlyings_obj.at(name),
                &["index", "futures", "carry", "iv", "smiles", "delivery"],
            )?;
            let smiles = match u.get("smiles") {
                None => None,
                Some(sv) => {
                    let sm = Obj::map(sv, &u.at("smiles"))?;
                    let mut out = BTreeMap::new();
                    for (date, points) in sm.map {
                        let here = sm.at(date);
                        let mut pts = Vec::new();
                        for (i, p) in as_array(points, &here)?.iter().enumerate() {
                            let at = format!("{here}[{i}]");
                            let pair = as_array(p, &at)?;
                            let (Some(k), Some(iv), 2) = (pair.first(), pair.get(1), pair.len())
                            else {
                                return Err(Error::at_path(
                                    ErrorCode::BadRequest,
                                    &at,
                                    format!("{at}: expected a [strike, iv] pair"),
                                ));
                            };
                            pts.push([
                                as_f64(k, &format!("{at}[0]"))?,
                                as_f64(iv, &format!("{at}[1]"))?,
                            ]);
                        }
                        out.insert(date.clone(), pts);
                    }
                    Some(out)
                }
            };
            underlyings.insert(
                name.clone(),
                UnderlyingInput {
                    index: match u.get("index") {
                        Some(v) => as_f64(v, &u.at("index"))?,
                        None => {
                            let here = u.at("index");
                            return Err(Error::at_path(
                                ErrorCode::MissingMarket,
                                &here,
                                format!("{here}: no index price for {name} (every underlying needs `index`)"),
                            ));
                        }
                    },
                    futures: u.opt_f64_map("futures")?,
                    delivery: u.opt_f64_map("delivery")?,
                    carry: u.opt_f64("carry")?,
                    iv: u.opt_f64("iv")?,
                    smiles,
                },
            );
        }
        Ok(MarketInput {
            as_of: crate::error::owned(o.str("asOf")?),
            rate: o.opt_f64("rate")?,
            underlyings,
            correlations: o.opt_f64_map("correlations")?.unwrap_or_default(),
            description: o.opt_str("description")?.map(crate::error::owned),
        })
    }
}
