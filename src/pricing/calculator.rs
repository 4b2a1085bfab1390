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

/// The most options in one batch call (8 MB of inputs per array, 64 MB of figures out).
pub const MAX_BATCH: usize = 1_000_000;

/// Figures per option in a [`price_batch`] result, in this order.
pub const BATCH_FIELDS: [&str; 8] = [
    "price", "delta", "gamma", "vega", "theta", "rho", "vanna", "volga",
];

/// One option's inputs in a batch, checked as [`price_option`] checks them, with the batch path
/// (`forward[3]`) in the error.
fn batch_option(forward: f64, strike: f64, t_years: f64, i: usize) -> Result<()> {
    // the paths are built only for an error: a batch checks millions of options
    let ok = |v: f64| (1e-8..=1e12).contains(&v);
    if !ok(forward) {
        crate::error::positive(forward, &format!("forward[{i}]"))?;
    }
    if !ok(strike) {
        crate::error::positive(strike, &format!("strike[{i}]"))?;
    }
    if !(t_years.is_finite() && t_years > 0.0) {
        crate::error::finite(t_years, &format!("tYears[{i}]"))?;
        return Err(Error::at_path(
            ErrorCode::NoTimeLeft,
            format!("tYears[{i}]"),
            "tYears must be positive",
        ));
    }
    Ok(())
}

/// Every array of a batch must be as long as the first.
fn same_lengths(lengths: &[(&str, usize)]) -> Result<usize> {
    let n = lengths[0].1;
    for (name, len) in lengths {
        if *len != n {
            return Err(Error::at_path(
                ErrorCode::BadRequest,
                *name,
                format!("{name} has {len} values where {} has {n}", lengths[0].0),
            ));
        }
    }
    if n > MAX_BATCH {
        return Err(Error::at_path(
            ErrorCode::LimitExceeded,
            lengths[0].0,
            format!("more than {} options in one batch", MAX_BATCH),
        ));
    }
    Ok(n)
}

/// Black-76 price and Greeks of many long options on 1 coin each (USD, linear; docs/CONVENTIONS.md):
/// arrays in, [`BATCH_FIELDS`] per option out, option after option. `is_call[i]` is 1 for a call,
/// 0 for a put; `rate` is shared. The first bad input fails the batch with its index in the path.
pub fn price_batch(
    forward: &[f64],
    strike: &[f64],
    t_years: &[f64],
    sigma: &[f64],
    rate: f64,
    is_call: &[u8],
) -> Result<Vec<f64>> {
    let n = same_lengths(&[
        ("forward", forward.len()),
        ("strike", strike.len()),
        ("tYears", t_years.len()),
        ("sigma", sigma.len()),
        ("isCall", is_call.len()),
    ])?;
    crate::error::finite(rate, "rate")?;
    let mut out = Vec::with_capacity(n * BATCH_FIELDS.len());
    for i in 0..n {
        batch_option(forward[i], strike[i], t_years[i], i)?;
        if !valid_iv(sigma[i]) {
            return Err(Error::at_path(
                ErrorCode::BadNumber,
                format!("sigma[{i}]"),
                format!("sigma must be in (0, {MAX_IV}]"),
            ));
        }
        let g = crate::pricing::black76::greeks(
            forward[i],
            strike[i],
            t_years[i],
            sigma[i],
            rate,
            is_call[i] != 0,
        );
        // zeros unsigned, as every report writes them (docs/CONVENTIONS.md)
        for v in [
            g.price, g.delta, g.gamma, g.vega, g.theta, g.rho, g.vanna, g.volga,
        ] {
            out.push(if v == 0.0 { 0.0 } else { v });
        }
    }
    Ok(out)
}

/// Implied volatilities of many options from their discounted USD prices (linear), as
/// [`implied_vol_json`] solves one; the first option without a volatility fails the batch with its
/// code (`BELOW_INTRINSIC`, `ABOVE_MAXIMUM`) and index.
pub fn implied_vol_batch(
    price_usd: &[f64],
    forward: &[f64],
    strike: &[f64],
    t_years: &[f64],
    rate: f64,
    is_call: &[u8],
) -> Result<Vec<f64>> {
    let n = same_lengths(&[
        ("price", price_usd.len()),
        ("forward", forward.len()),
        ("strike", strike.len()),
        ("tYears", t_years.len()),
        ("isCall", is_call.len()),
    ])?;
    crate::error::finite(rate, "rate")?;
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        batch_option(forward[i], strike[i], t_years[i], i)?;
        if !price_usd[i].is_finite() {
            crate::error::finite(price_usd[i], &format!("price[{i}]"))?;
        }
        let vol = crate::pricing::black76::implied_vol(
            price_usd[i],
            forward[i],
            strike[i],
            t_years[i],
            rate,
            is_call[i] != 0,
        )
        .map_err(|e| Error {
            path: Some(format!("price[{i}]")),
            ..e
        })?;
        out.push(if vol == 0.0 { 0.0 } else { vol });
    }
    Ok(out)
}

#[cfg(test)]
mod batch_tests {
    use super::*;

    #[test]
    fn a_batch_is_the_single_calls_option_by_option() {
        let forward = [95_000.0, 3_400.0, 240.0];
        let strike = [100_000.0, 3_000.0, 260.0];
        let t = [0.1, 0.5, 1.0 / 365.0];
        let sigma = [0.55, 0.7, 1.2];
        let is_call = [1u8, 0, 1];
        let out = price_batch(&forward, &strike, &t, &sigma, 0.03, &is_call).unwrap();
        assert_eq!(out.len(), 3 * BATCH_FIELDS.len());
        for i in 0..3 {
            let cp = if is_call[i] == 1 { "call" } else { "put" };
            let one = price_option(&format!(
                r#"{{"forward":{},"strike":{},"tYears":{},"sigma":{},"rate":0.03,"callPut":"{cp}"}}"#,
                forward[i], strike[i], t[i], sigma[i]
            ))
            .unwrap();
            let row = &out[i * 8..i * 8 + 8];
            let want = [
                one.price, one.delta, one.gamma, one.vega, one.theta, one.rho, one.vanna, one.volga,
            ];
            assert_eq!(row, want.as_slice());
            let prices = [row[0]];
            let vol = implied_vol_batch(
                &prices,
                &forward[i..=i],
                &strike[i..=i],
                &t[i..=i],
                0.03,
                &is_call[i..=i],
            )
            .unwrap();
            assert!(
                (vol[0] - sigma[i]).abs() < 1e-10,
                "{} vs {}",
                vol[0],
                sigma[i]
            );
        }
    }

    #[test]
    fn a_bad_option_names_its_index() {
        let e = price_batch(
            &[1.0, -1.0],
            &[1.0, 1.0],
            &[1.0, 1.0],
            &[0.5, 0.5],
            0.0,
            &[1, 1],
        )
        .unwrap_err();
        assert_eq!(e.path.as_deref(), Some("forward[1]"));
        let e = price_batch(&[1.0], &[1.0, 1.0], &[1.0], &[0.5], 0.0, &[1]).unwrap_err();
        assert_eq!(
            (e.code, e.path.as_deref()),
            (ErrorCode::BadRequest, Some("strike"))
        );
        let e = price_batch(&[1.0], &[1.0], &[1.0], &[0.0], 0.0, &[1]).unwrap_err();
        assert_eq!(e.path.as_deref(), Some("sigma[0]"));
        let e = implied_vol_batch(
            &[0.5, 1e-9],
            &[100.0, 100.0],
            &[90.0, 90.0],
            &[1.0, 1.0],
            0.0,
            &[1, 1],
        )
        .unwrap_err();
        assert_eq!(
            (e.code, e.path.as_deref()),
            (ErrorCode::BelowIntrinsic, Some("price[0]"))
        );
    }
}
