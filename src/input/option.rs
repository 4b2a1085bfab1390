//! The single-option calculator's input (`priceOption`, `impliedVol`).

use crate::error::{finite, positive, Result};
use crate::input::instrument::{OptionType, Settlement, OPTION_TYPE_NAMES, SETTLEMENT_NAMES};
use crate::input::json::{parse_json, Obj};

/// Inputs of a single-option calculation (`priceOption`, `impliedVol`).
#[cfg_attr(
    feature = "typescript",
    derive(ts_rs::TS),
    ts(optional_fields, rename_all = "camelCase")
)]
#[derive(Debug, Clone)]
pub struct OptionQuery {
    pub forward: f64,
    pub strike: f64,
    pub t_years: f64,
    pub sigma: Option<f64>,
    pub price: Option<f64>,
    pub rate: Option<f64>,
    pub call_put: OptionType,
    pub settlement: Option<Settlement>,
}

pub fn option_query(json: &str) -> Result<OptionQuery> {
    let v = parse_json(json, "the option")?;
    let o = Obj::new(
        &v,
        "",
        &[
            "forward",
            "strike",
            "tYears",
            "sigma",
            "price",
            "rate",
            "callPut",
            "settlement",
        ],
    )?;
    let q = OptionQuery {
        forward: o.f64("forward")?,
        strike: o.f64("strike")?,
        t_years: o.f64("tYears")?,
        sigma: o.opt_f64("sigma")?,
        price: o.opt_f64("price")?,
        rate: o.opt_f64("rate")?,
        call_put: o.enum_of("callPut", &OPTION_TYPE_NAMES)?,
        settlement: o.opt_enum("settlement", &SETTLEMENT_NAMES)?,
    };
    positive(q.forward, "forward")?;
    positive(q.strike, "strike")?;
    finite(q.t_years, "tYears")?;
    finite(q.rate.unwrap_or(0.0), "rate")?;
    Ok(q)
}
