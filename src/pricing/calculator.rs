//! The single-option calculator: Black-76 price and Greeks per coin, and implied vol from a price.

use crate::error::{Error, ErrorCode, Result};
use crate::input::instrument::{OptionType, Settlement};
use crate::input::limits::{valid_iv, MAX_IV};
use crate::input::option::option_query;
use serde::Serialize;

/// Price and Greeks of one long option on 1 coin (docs/CONVENTIONS.md); the coin fields for
/// inverse settlement. Fields in alphabetical order, as the JSON object always had them.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OptionPrice {
    pub delta: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delta_coin_account: Option<f64>,
    pub gamma: f64,
    pub price: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price_coin: Option<f64>,
    pub rho: f64,
    pub theta: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub theta_coin: Option<f64>,
    pub vanna: f64,
    pub vega: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vega_coin: Option<f64>,
    pub volga: f64,
}

/// Black-76 price and Greeks per 1 coin (docs/CONVENTIONS.md).
pub fn price_option(json: &str) -> Result<OptionPrice> {
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
    let inverse = q.settlement == Some(Settlement::Inverse);
    let coin = |v: f64| inverse.then(|| v / q.forward);
    Ok(OptionPrice {
        delta: g.delta,
        delta_coin_account: inverse.then(|| g.delta - g.price / q.forward),
        gamma: g.gamma,
        price: g.price,
        price_coin: coin(g.price),
        rho: g.rho,
        theta: g.theta,
        theta_coin: coin(g.theta),
        vanna: g.vanna,
        vega: g.vega,
        vega_coin: coin(g.vega),
        volga: g.volga,
    })
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
