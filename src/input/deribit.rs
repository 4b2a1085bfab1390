//! A market from Deribit's public `public/get_book_summary_by_currency` response (the venue's
//! documented JSON-RPC answer: `{"jsonrpc", "id", "result": [summary, …], "usIn", "usOut", …}`).
//! What it reads (docs/CONVENTIONS.md, "A market from Deribit book summaries"):
//! - the index of each underlying: `estimated_delivery_price` of its futures and perpetuals (the
//!   venue's index), else `underlying_price` of an option whose `underlying_index` is `index_price`;
//! - futures marks per expiry: a future's `mark_price`; for an option expiry without a listed future,
//!   the options' `underlying_price` (the venue's forward for that expiry, synthetic or not);
//! - a smile per expiry: `[strike, mark_iv / 100]` of every option with a `mark_iv`; where a call and
//!   a put share a strike, the out-of-the-money one (call at or above the forward, put below);
//! - `asOf`: the latest `creation_timestamp` (milliseconds since 1970). Expired instruments, combos
//!   and spot pairs are skipped and counted in the description.
//!
//! The reader is strict like every input: every key of a summary must be one of the documented
//! fields, every number it uses must be finite and in range, and every error names its JSON path
//! (`result[3].mark_iv`). Full build only (`analysis`): the margin path keeps to its size budget.

use crate::error::{Error, ErrorCode, Result};
use crate::input::instrument::{Instrument, Kind, OptionType};
use crate::input::json::{as_array, expected, Obj};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// The documented fields of one book summary (futures, perpetuals, options, combos, spot).
const SUMMARY_KEYS: &[&str] = &[
    "instrument_name",
    "base_currency",
    "quote_currency",
    "counter_currency",
    "creation_timestamp",
    "mark_price",
    "mark_iv",
    "bid_iv",
    "ask_iv",
    "bid_price",
    "ask_price",
    "mid_price",
    "last",
    "high",
    "low",
    "price_change",
    "volume",
    "volume_usd",
    "volume_notional",
    "volume_btc",
    "open_interest",
    "open_interest_value",
    "estimated_delivery_price",
    "delivery_price",
    "underlying_price",
    "underlying_index",
    "interest_rate",
    "current_funding",
    "funding_8h",
];
/// The JSON-RPC envelope of a response.
const RESPONSE_KEYS: &[&str] = &[
    "jsonrpc", "id", "result", "usIn", "usOut", "usDiff", "testnet",
];

/// The market read from the summaries: the request's `market` shape (SPEC §2).
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeribitMarket {
    pub as_of: String,
    pub underlyings: BTreeMap<String, DeribitUnderlying>,
    pub description: String,
}

#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct DeribitUnderlying {
    pub index: f64,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub futures: BTreeMap<String, f64>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub smiles: BTreeMap<String, Vec<[f64; 2]>>,
}

/// One usable summary.
struct Summary {
    instrument: Instrument,
    at: String,
    mark: Option<f64>,
    mark_iv: Option<f64>,
    underlying_price: Option<f64>,
    on_index: bool,
    delivery_estimate: Option<f64>,
}

/// A price-like number in the documented range of prices [1e-8, 1e12].
fn price(o: &Obj, key: &str) -> Result<Option<f64>> {
    let Some(x) = o.opt_f64(key)? else {
        return Ok(None);
    };
    if !(1e-8..=1e12).contains(&x) {
        let here = o.at(key);
        return Err(Error::at_path(
            ErrorCode::BadNumber,
            &here,
            format!("{here}: {x} is not a price in [1e-8, 1e12]"),
        ));
    }
    Ok(Some(x))
}

/// The summaries of a response, of an array of summaries, or of an array of responses (one per
/// currency), each with its path.
fn summaries<'a>(v: &'a Value, path: &str, out: &mut Vec<(&'a Value, String)>) -> Result<()> {
    match v {
        Value::Object(_) => {
            let o = Obj::new(v, path, RESPONSE_KEYS)?;
            let Some(result) = o.get("result") else {
                let here = o.at("result");
                return Err(Error::at_path(
                    ErrorCode::BadRequest,
                    &here,
                    format!(
                        "{here}: missing field `result` (the response's list of book summaries)"
                    ),
                ));
            };
            let here = o.at("result");
            for (i, s) in as_array(result, &here)?.iter().enumerate() {
                out.push((s, format!("{here}[{i}]")));
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let at = format!("{path}[{i}]");
                if item.get("result").is_some() || item.get("jsonrpc").is_some() {
                    summaries(item, &at, out)?;
                } else {
                    out.push((item, at));
                }
            }
        }
        _ => {
            return Err(expected(
                path,
                "a response object or an array of book summaries",
                v,
            ))
        }
    }
    Ok(())
}

fn read_summary(v: &Value, path: &str) -> Result<(Option<Summary>, f64)> {
    let o = Obj::new(v, path, SUMMARY_KEYS)?;
    let name = o.str("instrument_name")?;
    let ms = o.f64("creation_timestamp")?;
    // 1970 … 2099, as every `asOf`
    if !(0.0..=4_102_444_800_000.0).contains(&ms) {
        let here = o.at("creation_timestamp");
        return Err(Error::at_path(
            ErrorCode::BadDate,
            &here,
            format!("{here}: {ms} is not a time in milliseconds between 1970 and 2099"),
        ));
    }
    // combos (`BTC-FS-…`, `BTC-CS-…`), spot pairs and names of other shapes are not market inputs
    let instrument = match Instrument::parse(name) {
        Ok(i) if i.kind != Kind::Spot => i,
        _ => return Ok((None, ms)),
    };
    let mark_iv = match o.opt_f64("mark_iv")? {
        // the venue writes 0 where it has no vol
        Some(0.0) => None,
        Some(x) if (0.01..=2000.0).contains(&x) => Some(x / 100.0),
        Some(x) => {
            let here = o.at("mark_iv");
            return Err(Error::at_path(
                ErrorCode::BadNumber,
                &here,
                format!("{here}: {x} is not an implied vol in percent in [0.01, 2000]"),
            ));
        }
        None => None,
    };
    let summary = Summary {
        at: crate::error::owned(path),
        mark: price(&o, "mark_price")?,
        mark_iv,
        underlying_price: price(&o, "underlying_price")?,
        on_index: o.opt_str("underlying_index")? == Some("index_price"),
        delivery_estimate: price(&o, "estimated_delivery_price")?,
        instrument,
    };
    Ok((Some(summary), ms))
}

/// Read the summaries (a response, its `result`, or several responses) into a market.
pub fn market_from_summaries(v: &Value) -> Result<DeribitMarket> {
    let mut items = Vec::new();
    summaries(v, "", &mut items)?;
    let mut read = Vec::new();
    let mut latest_ms: Option<f64> = None;
    let mut skipped = 0usize;
    for (item, at) in &items {
        let (summary, ms) = read_summary(item, at)?;
        latest_ms = Some(latest_ms.map_or(ms, |m: f64| m.max(ms)));
        match summary {
            Some(s) => read.push(s),
            None => skipped += 1,
        }
    }
    let Some(latest_ms) = latest_ms else {
        return Err(Error::new(
            ErrorCode::MissingMarket,
            "the response holds no book summaries",
        ));
    };
    let now = latest_ms / 1000.0;
    let as_of = crate::time::format_instant(now);

    // per underlying: index, futures marks, forwards of option expiries, smiles
    #[derive(Default)]
    struct Building {
        index: Option<f64>,
        index_from_option: Option<f64>,
        futures: BTreeMap<String, f64>,
        forwards: BTreeMap<String, f64>,
        // strike → (vol, out of the money), per expiry; strikes as bits for an exact key
        smiles: BTreeMap<String, BTreeMap<u64, (f64, bool)>>,
    }
    let mut by_underlying: Vec<(String, Building)> = Vec::new();
    let (mut futures, mut options, mut expired) = (0usize, 0usize, 0usize);
    for s in &read {
        let i = &s.instrument;
        if let Some(e) = i.expiry {
            if e.expiry_timestamp() <= now {
                expired += 1;
                continue;
            }
        }
        let n = match by_underlying.iter().position(|(u, _)| *u == i.underlying) {
            Some(n) => n,
            None => {
                by_underlying.push((i.underlying.clone(), Building::default()));
                by_underlying.len() - 1
            }
        };
        let Some((_, b)) = by_underlying.get_mut(n) else {
            continue;
        };
        if i.kind != Kind::Option {
            if b.index.is_none() {
                b.index = s.delivery_estimate;
            }
        } else if s.on_index && b.index_from_option.is_none() {
            b.index_from_option = s.underlying_price;
        }
        match (i.kind, i.expiry) {
            (Kind::Future, Some(e)) => {
                let Some(mark) = s.mark else {
                    return Err(Error::at_path(
                        ErrorCode::BadNumber,
                        format!("{}.mark_price", s.at),
                        format!("{}.mark_price: missing number `mark_price`", s.at),
                    ));
                };
                b.futures.insert(e.iso(), mark);
                futures += 1;
            }
            (Kind::Option, Some(e)) => {
                let (Some(iv), Some(strike)) = (s.mark_iv, i.strike) else {
                    continue;
                };
                let date = e.iso();
                if let Some(f) = s.underlying_price {
                    b.forwards.entry(date.clone()).or_insert(f);
                }
                let forward = s.underlying_price.or(b.forwards.get(&date).copied());
                let otm = match (forward, i.option_type) {
                    (Some(f), Some(OptionType::Call)) => strike >= f,
                    (Some(f), Some(OptionType::Put)) => strike < f,
                    _ => false,
                };
                let smile = b.smiles.entry(date).or_default();
                let keep = smile
                    .get(&strike.to_bits())
                    .is_none_or(|(_, was_otm)| otm && !was_otm);
                if keep {
                    smile.insert(strike.to_bits(), (iv, otm));
                }
                options += 1;
            }
            _ => {}
        }
    }
    let mut underlyings = BTreeMap::new();
    for (name, b) in by_underlying {
        let Some(index) = b.index.or(b.index_from_option) else {
            return Err(Error::new(
                ErrorCode::MissingMarket,
                format!("no index price for {name} in the response (a future's or perpetual's `estimated_delivery_price`, or an option's `underlying_price` on `index_price`)"),
            ));
        };
        let mut futures_marks = b.futures;
        for (date, f) in b.forwards {
            futures_marks.entry(date).or_insert(f);
        }
        // positive strikes: their bits sort as the numbers do, so each smile is in strike order
        let mut smiles = BTreeMap::new();
        for (date, points) in b.smiles {
            let pts: Vec<[f64; 2]> = points
                .into_iter()
                .map(|(k, (iv, _))| [f64::from_bits(k), iv])
                .collect();
            smiles.insert(date, pts);
        }
        underlyings.insert(
            name,
            DeribitUnderlying {
                index,
                futures: futures_marks,
                smiles,
            },
        );
    }
    let names: Vec<&str> = underlyings.keys().map(String::as_str).collect();
    let description = format!(
        "Deribit public/get_book_summary_by_currency at {as_of}: {} ({futures} futures, {options} options with a mark vol; {expired} expired and {skipped} other instruments skipped)",
        names.join(", ")
    );
    Ok(DeribitMarket {
        as_of,
        underlyings,
        description,
    })
}

/// [`market_from_summaries`] of JSON text.
pub fn market_from_deribit_json(json: &str) -> Result<DeribitMarket> {
    market_from_summaries(&crate::input::json::parse_json(
        json,
        "the Deribit response",
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIXTURE: &str = include_str!("../../tests/fixtures/deribit-book-summary-btc.json");

    #[test]
    fn reads_the_recorded_response() {
        let m = market_from_deribit_json(FIXTURE).unwrap();
        let btc = &m.underlyings["BTC"];
        assert!(btc.index > 1000.0);
        assert!(!btc.futures.is_empty());
        assert!(!btc.smiles.is_empty());
        for pts in btc.smiles.values() {
            assert!(
                pts.windows(2).all(|w| w[0][0] < w[1][0]),
                "strikes ascending, no repeats"
            );
            assert!(
                pts.iter().all(|p| p[1] > 0.05 && p[1] < 3.0),
                "vols as decimals"
            );
        }
        // the result reads as a request's market
        let text = serde_json::to_string(&m).unwrap();
        let v = crate::input::json::parse_json(&text, "market").unwrap();
        let market = crate::input::market::MarketInput::from_json(&v, "market").unwrap();
        assert_eq!(market.as_of, "2026-12-01T19:59:59.863Z");
    }

    #[test]
    fn errors_name_their_path() {
        let bad = r#"{"jsonrpc":"2.0","result":[{"instrument_name":"BTC-PERPETUAL","creation_timestamp":1,"mark_price":"x"}]}"#;
        let e = market_from_deribit_json(bad).unwrap_err();
        assert_eq!(e.path.as_deref(), Some("result[0].mark_price"));
        let unknown =
            r#"[{"instrument_name":"BTC-PERPETUAL","creation_timestamp":1,"markprice":1}]"#;
        let e = market_from_deribit_json(unknown).unwrap_err();
        assert_eq!(e.code, ErrorCode::BadRequest);
        assert_eq!(e.path.as_deref(), Some("[0].markprice"));
        let iv = r#"{"result":[{"instrument_name":"BTC-25DEC26-100000-C","creation_timestamp":1,"mark_iv":-3}]}"#;
        let e = market_from_deribit_json(iv).unwrap_err();
        assert_eq!(e.code, ErrorCode::BadNumber);
        assert_eq!(e.path.as_deref(), Some("result[0].mark_iv"));
        let none = r#"{"result":[]}"#;
        assert_eq!(
            market_from_deribit_json(none).unwrap_err().code,
            ErrorCode::MissingMarket
        );
    }
}
