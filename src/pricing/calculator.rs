//! The single-option calculator: Black-76 price and Greeks per coin, and implied vol from a price.

use crate::error::{Error, ErrorCode, Result};
use crate::input::instrument::{OptionType, Settlement};
use crate::input::limits::{valid_iv, MAX_IV};
use crate::input::option::option_query;

/// Black-76 price and Greeks per 1 coin (docs/CONVENTIONS.md), as JSON text.
pub fn price_option_json(json: &str) -> Result<String> {
    Ok(price_option(json)?.to_string())
}

/// Black-76 price and Greeks per 1 coin (docs/CONVENTIONS.md).
pub fn price_option(json: &str) -> Result<serde_json::Value> {
    let q = option_query(json)?;
    let sigma = q
        .sigma
        .ok_or_else(|| Error::at_path(ErrorCode::BadNumber, "sigma", "sigma is required"))?;
    if !valid_iv(sigma) {
        return Err(Error::at_path(
            ErrorCode::BadNumber,
            "sigma",
            format!("sigma must be in (0, {MAX_IV}]"),
        ));
    }
    if !(q.t_years > 0.0) {
        return Err(Error::at_path(
            ErrorCode::NoTimeLeft,
            "tYears",
            "tYears must be positive",
        ));
    }
    let is_call = q.call_put == OptionType::Call;
    let g = crate::pricing::black76::greeks(
        q.forward,
        q.strike,
        q.t_years,
        sigma,
        q.rate.unwrap_or(0.0),
        is_call,
    );
    let mut out = serde_json::json!({
        "price": g.price, "delta": g.delta, "gamma": g.gamma, "vega": g.vega, "theta": g.theta,
        "rho": g.rho, "vanna": g.vanna, "volga": g.volga,
    });
    if q.settlement == Some(Settlement::Inverse) {
        out["priceCoin"] = (g.price / q.forward).into();
        out["deltaCoinAccount"] = (g.delta - g.price / q.forward).into();
        out["vegaCoin"] = (g.vega / q.forward).into();
        out["thetaCoin"] = (g.theta / q.forward).into();
    }
    if ![
        g.price, g.delta, g.gamma, g.vega, g.theta, g.rho, g.vanna, g.volga,
    ]
    .iter()
    .all(|v| v.is_finite())
    {
        return Err(Error::new(
            ErrorCode::Numeric,
            "the inputs are too extreme for a finite result",
        ));
    }
    Ok(out)
}

/// Implied volatility from a price (USD, or coin when `settlement` is inverse).
pub fn implied_vol_json(json: &str) -> Result<f64> {
    let q = option_query(json)?;
    let price = q
        .price
        .ok_or_else(|| Error::at_path(ErrorCode::BadNumber, "price", "price is required"))?;
    crate::error::finite(price, "price")?;
    let price_usd = if q.settlement == Some(Settlement::Inverse) {
        price * q.forward
    } else {
        price
    };
    let is_call = q.call_put == OptionType::Call;
    crate::pricing::black76::implied_vol(
        price_usd,
        q.forward,
        q.strike,
        q.t_years,
        q.rate.unwrap_or(0.0),
        is_call,
    )
}
