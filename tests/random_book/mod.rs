//! Random positions and markets for the margin laws (tests/laws_margin.rs, tests/laws_book.rs):
//! one position object of any kind over BTC, ETH and SOL, expiries from 3 days to 13 months after
//! the market's asOf (2026-11-24 08:00 UTC), and a market with random carries and rate.
#![allow(dead_code)]

use crate::common::log_uniform;
use proptest::prelude::*;
use serde_json::{json, Value};

pub const UNDERLYINGS: [(&str, f64); 3] = [("BTC", 95_000.0), ("ETH", 3_400.0), ("SOL", 240.0)];
/// Expiry codes after the market's asOf (2026-11-24 08:00 UTC): 3 days to 13 months.
pub const EXPIRIES: [&str; 6] = [
    "27NOV26", "4DEC26", "25DEC26", "26MAR27", "25JUN27", "31DEC27",
];

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    InverseOption,
    LinearOption,
    InverseFuture,
    LinearFuture,
    InversePerpetual,
    LinearPerpetual,
}
pub use Kind::*;

// (a bare coin line is collateral, not a position of a pool: SPEC §2, §5)
pub const ALL: [Kind; 6] = [
    InverseOption,
    LinearOption,
    InverseFuture,
    LinearFuture,
    InversePerpetual,
    LinearPerpetual,
];
pub const DELTA_ONE: [Kind; 4] = [
    InverseFuture,
    LinearFuture,
    InversePerpetual,
    LinearPerpetual,
];
pub const OPTIONS: [Kind; 2] = [InverseOption, LinearOption];

/// One position object: `kinds` and `coins` (indexes into UNDERLYINGS) to draw from; `iv` range.
pub fn position(
    kinds: &'static [Kind],
    coins: &'static [usize],
    iv: (f64, f64),
    sign: Option<f64>,
) -> impl Strategy<Value = Value> {
    (
        prop::sample::select(kinds),
        prop::sample::select(coins),
        0usize..EXPIRIES.len(),
        log_uniform(0.4, 2.5),                   // strike / index
        any::<bool>(),                           // call
        log_uniform(iv.0, iv.1),                 // iv
        log_uniform(1e-3, 150.0),                // |size| in coin (BTC: < 15 M USD)
        any::<bool>(),                           // short
        prop::option::of(log_uniform(0.9, 1.1)), // futures/perpetual own mark / index
    )
        .prop_map(move |(kind, u, e, m, call, iv, size, short, mark)| {
            let (coin, index) = UNDERLYINGS[u];
            let expiry = EXPIRIES[e];
            let strike = (index * m).round().max(1.0);
            let cp = if call { "C" } else { "P" };
            let name = match kind {
                InverseOption => format!("{coin}-{expiry}-{strike}-{cp}"),
                LinearOption => format!("{coin}_USDC-{expiry}-{strike}-{cp}"),
                InverseFuture => format!("{coin}-{expiry}"),
                LinearFuture => format!("{coin}_USDC-{expiry}"),
                InversePerpetual => format!("{coin}-PERPETUAL"),
                LinearPerpetual => format!("{coin}_USDC-PERPETUAL"),
            };
            let sign = sign.unwrap_or(if short { -1.0 } else { 1.0 });
            let inverse_notional = matches!(kind, InverseFuture | InversePerpetual);
            let quantity = sign
                * if inverse_notional {
                    (size * index).round().max(1.0)
                } else {
                    size
                };
            let mut p = json!({ "instrument": name, "quantity": quantity });
            if matches!(kind, InverseOption | LinearOption) {
                p["iv"] = json!(iv);
            } else if let Some(mark) = mark {
                p["mark"] = json!((index * mark * 100.0).round() / 100.0);
            }
            p
        })
}

pub fn market() -> impl Strategy<Value = Value> {
    (prop::collection::vec(-0.05f64..0.2, 3), -0.01f64..0.05).prop_map(|(carry, rate)| {
        let mut underlyings = serde_json::Map::new();
        for ((c, s), carry) in UNDERLYINGS.iter().zip(carry) {
            underlyings.insert(
                c.to_string(),
                json!({ "index": s, "carry": carry, "iv": 0.6 }),
            );
        }
        json!({ "asOf": "2026-11-24T08:00:00Z", "rate": rate, "underlyings": underlyings })
    })
}

pub fn request(positions: &[Value], market: &Value) -> Value {
    json!({ "positions": positions, "market": market, "model": "deribit-pm" })
}
