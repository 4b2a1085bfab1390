//! Where a position sits (`venue=okx`, a `venue` column or field) and the venues' own instrument
//! names, parsed into the same explicit [`Instrument`] as a Deribit-style name:
//! - OKX: `BTC-USD-261225-100000-C` (coin-settled option), `BTC-USD-SWAP`, `BTC-USD-261225`
//!   (inverse), `BTC-USDT-SWAP`, `BTC-USDT-261225` (linear). OKX counts in contracts: a bare size
//!   is a number of contracts, converted by [`okx_contract`] (docs/CONVENTIONS.md, "Venues").
//! - Bybit: `BTCUSDT`, `BTCUSDC`, `BTCPERP` (linear perpetuals), `BTCUSD` (inverse perpetual),
//!   `BTCUSDT-27DEC26` (USDT future), `BTC-27DEC26-100000-C-USDT` (USDT option), and with
//!   `venue=bybit` the Deribit-looking `BTC-27DEC26-100000-C` and `BTC-27DEC26` (Bybit's are USDC
//!   linear). Bybit sizes are in coin (USD for the inverse perpetual), as ours.

use crate::error::{ascii_case, owned, ErrorCode, Issue};
use crate::input::instrument::{dash_parts, Instrument, Kind, OptionType, QuantityUnit};
use crate::time::Date;
use serde::Serialize;

#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Venue {
    Deribit,
    Okx,
    Bybit,
}

pub const VENUE_NAMES: [(&str, Venue); 3] = [
    ("deribit", Venue::Deribit),
    ("okx", Venue::Okx),
    ("bybit", Venue::Bybit),
];

impl Venue {
    /// `deribit`, `okx` or `bybit` (any case).
    pub fn parse(text: &str) -> Option<Venue> {
        let lower = ascii_case(text.trim(), false);
        VENUE_NAMES
            .iter()
            .find(|(n, _)| *n == lower)
            .map(|(_, v)| *v)
    }

    pub fn name(self) -> &'static str {
        match self {
            Venue::Deribit => "deribit",
            Venue::Okx => "okx",
            Venue::Bybit => "bybit",
        }
    }

    /// The venue's own spelling: `Deribit`, `OKX`, `Bybit`.
    pub fn title(self) -> &'static str {
        match self {
            Venue::Deribit => "Deribit",
            Venue::Okx => "OKX",
            Venue::Bybit => "Bybit",
        }
    }

    /// The model a venue's positions are margined under in a book across venues.
    pub fn default_model(self) -> &'static str {
        match self {
            Venue::Deribit => "deribit-pm",
            Venue::Okx => "okx-pm",
            Venue::Bybit => "bybit-pm",
        }
    }
}

/// An instrument read from a name, the venue the name belongs to, and what one of the venue's
/// contracts is when the venue counts in contracts (`None`: sizes are in the instrument's unit).
#[derive(Debug, Clone)]
pub struct Named {
    pub instrument: Instrument,
    pub venue: Option<Venue>,
    /// Venue's contract → (size per contract, its unit); `Err` names why it is unknown.
    pub contract: Option<Result<(f64, QuantityUnit), String>>,
}

/// Parse a name of any supported venue. `venue` (from `venue=`, a column or a field) decides the
/// names that look alike (`BTC-27DEC26-100000-C` is inverse on Deribit, USDC-linear on Bybit); a
/// name that can only be one venue's gets that venue, and contradicting it is an error.
pub fn parse_name(name: &str, venue: Option<Venue>) -> Result<Named, Issue> {
    let upper = ascii_case(name.trim(), true);
    let found = okx(&upper)
        .map(|r| (Venue::Okx, r))
        .or_else(|| bybit(&upper, venue == Some(Venue::Bybit)).map(|r| (Venue::Bybit, r)));
    match found {
        None => Ok(Named {
            instrument: Instrument::parse(name)?,
            venue,
            contract: None,
        }),
        Some((own, _)) if venue.is_some_and(|v| v != own) => {
            let message = [
                "'",
                name.trim(),
                "' is ",
                if own == Venue::Okx {
                    "an OKX"
                } else {
                    "a Bybit"
                },
                " name but the position's venue is ",
                venue.map_or("", Venue::name),
            ]
            .concat();
            Err(Issue::new(ErrorCode::UnknownInstrument, message).at_line(0, 1))
        }
        Some((own, Err((col, why)))) => {
            let message = ["unknown instrument '", name.trim(), "': ", &why].concat();
            let _ = own;
            Err(Issue::new(ErrorCode::UnknownInstrument, message).at_line(0, col))
        }
        Some((own, Ok((instrument, contract)))) => Ok(Named {
            instrument,
            venue: Some(own),
            contract,
        }),
    }
}

/// The venue a name can only belong to (OKX's dashed names, Bybit's undashed ones and its
/// `-USDT` options), if any.
pub fn own_venue(name: &str) -> Option<Venue> {
    let upper = ascii_case(name.trim(), true);
    if okx(&upper).is_some() {
        Some(Venue::Okx)
    } else if bybit(&upper, false).is_some() {
        Some(Venue::Bybit)
    } else {
        None
    }
}

type Parsed = Result<(Instrument, Option<Result<(f64, QuantityUnit), String>>), (usize, String)>;

fn is_coin(text: &str) -> bool {
    let b = text.as_bytes();
    (2..=10).contains(&b.len())
        && b[0].is_ascii_uppercase()
        && b.iter()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

fn option_type(t: &str) -> Option<OptionType> {
    match t {
        "C" => Some(OptionType::Call),
        "P" => Some(OptionType::Put),
        _ => None,
    }
}

/// OKX's `YYMMDD` expiry.
fn okx_date(text: &str) -> Option<Date> {
    let b = text.as_bytes();
    if b.len() != 6 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n = |i: usize| u32::from(b[i] - b'0') * 10 + u32::from(b[i + 1] - b'0');
    Date::new(2000 + n(0) as i32, n(2), n(4))
}

/// OKX's contract values (its public instrument list, `ctVal × ctMult`): linear swaps and futures
/// in coin, inverse ones in USD, coin-settled options in coin. Others are not in the table: their
/// size must carry a unit.
pub fn okx_contract(coin: &str, kind: Kind, linear: bool) -> Result<(f64, QuantityUnit), String> {
    let known = match (kind, linear) {
        (Kind::Option, _) => match coin {
            "BTC" => Some(0.01),
            "ETH" => Some(0.1),
            _ => None,
        }
        .map(|v| (v, QuantityUnit::Coin)),
        (_, false) => Some((if coin == "BTC" { 100.0 } else { 10.0 }, QuantityUnit::Usd)),
        (_, true) => match coin {
            "BTC" => Some(0.01),
            "ETH" | "BCH" => Some(0.1),
            "BNB" => Some(0.01),
            "SOL" | "LTC" | "DOT" | "AVAX" | "LINK" => Some(1.0),
            "XRP" | "ADA" | "TRX" => Some(100.0),
            "DOGE" => Some(1000.0),
            _ => None,
        }
        .map(|v| (v, QuantityUnit::Coin)),
    };
    known.ok_or_else(|| {
        [
            "OKX sizes are in contracts and the contract value of ",
            coin,
            " is not in our table: give the size with its unit (e.g. 5",
            coin,
            ")",
        ]
        .concat()
    })
}

/// An OKX name, if the text is one (`COIN-QUOTE-…` with quote USD, USDT or USDC).
fn okx(upper: &str) -> Option<Parsed> {
    let parts = dash_parts(upper);
    let (coin, quote) = match parts.as_slice() {
        [c, q @ ("USD" | "USDT" | "USDC"), _, ..] if is_coin(c) => (*c, *q),
        _ => return None,
    };
    let linear = quote != "USD";
    let col_of = |i: usize| 1 + parts[..i].iter().map(|p| p.len() + 1).sum::<usize>();
    let date = |i: usize| {
        okx_date(parts[i]).ok_or_else(|| {
            (
                col_of(i),
                ["'", parts[i], "' is not an OKX expiry like 261225 (YYMMDD)"].concat(),
            )
        })
    };
    let q = linear.then_some(quote);
    let read = || -> Parsed {
        let (kind, e, k, t) = match parts.as_slice() {
            [_, _, "SWAP"] => (Kind::Perpetual, None, None, None),
            [_, _, _] => (Kind::Future, Some(date(2)?), None, None),
            [_, _, _, strike, t] => {
                let e = date(2)?;
                let k = crate::input::instrument::parse_strike(strike)
                    .ok_or_else(|| (col_of(3), ["'", strike, "' is not a strike"].concat()))?;
                let t = option_type(t)
                    .ok_or_else(|| (col_of(4), ["'", t, "' is not C or P"].concat()))?;
                (Kind::Option, Some(e), Some(k), Some(t))
            }
            _ => {
                let why =
                    "an OKX name is e.g. BTC-USDT-SWAP, BTC-USD-261225 or BTC-USD-261225-100000-C";
                return Err((1, owned(why)));
            }
        };
        let inst = Instrument::explicit(coin, q, kind, e, k, t);
        Ok((inst, Some(okx_contract(coin, kind, linear))))
    };
    Some(read())
}

/// A Bybit name, if the text is one. With `venue=bybit`, Deribit-looking names are Bybit's too.
fn bybit(upper: &str, declared: bool) -> Option<Parsed> {
    let parts = dash_parts(upper);
    let option = |coin: &str, e: &str, k: &str, t: &str, quote: &str| -> Option<Parsed> {
        let e = Date::parse_deribit(e)?;
        let k = crate::input::instrument::parse_strike(k)?;
        let t = option_type(t)?;
        let inst = Instrument::explicit(coin, Some(quote), Kind::Option, Some(e), Some(k), Some(t));
        Some(Ok((inst, None)))
    };
    match parts.as_slice() {
        [coin, e, k, t, quote @ ("USDT" | "USDC")] if is_coin(coin) => option(coin, e, k, t, quote),
        [coin, e, k, t] if declared && is_coin(coin) => option(coin, e, k, t, "USDC"),
        [head, e] => {
            let (coin, quote) = match head.strip_suffix("USDT") {
                Some(c) if is_coin(c) => (c, "USDT"),
                _ if declared && is_coin(head) => (*head, "USDC"),
                _ => return None,
            };
            let e = Date::parse_deribit(e)?;
            Some(Ok((
                Instrument::explicit(coin, Some(quote), Kind::Future, Some(e), None, None),
                None,
            )))
        }
        [single] => {
            for (suffix, quote) in [("USDT", "USDT"), ("USDC", "USDC"), ("PERP", "USDC")] {
                if let Some(coin) = single.strip_suffix(suffix).filter(|c| is_coin(c)) {
                    let inst =
                        Instrument::explicit(coin, Some(quote), Kind::Perpetual, None, None, None);
                    return Some(Ok((inst, None)));
                }
            }
            let coin = single
                .strip_suffix("USD")
                .filter(|c| is_coin(c) && c.len() >= 3)?;
            Some(Ok((
                Instrument::explicit(coin, None, Kind::Perpetual, None, None, None),
                None,
            )))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::instrument::Settlement;

    #[test]
    fn okx_names() {
        let n = parse_name("BTC-USDT-SWAP", None).unwrap();
        assert_eq!(n.instrument.name, "BTC_USDT-PERPETUAL");
        assert_eq!(n.venue, Some(Venue::Okx));
        assert_eq!(n.contract, Some(Ok((0.01, QuantityUnit::Coin))));
        let n = parse_name("btc-usd-261225-100000-c", None).unwrap();
        assert_eq!(n.instrument.name, "BTC-25DEC26-100000-C");
        assert_eq!(n.instrument.settlement, Settlement::Inverse);
        let n = parse_name("BTC-USD-SWAP", None).unwrap();
        assert_eq!(
            (n.instrument.name.as_str(), n.contract),
            ("BTC-PERPETUAL", Some(Ok((100.0, QuantityUnit::Usd))))
        );
        assert_eq!(
            parse_name("ETH-USDT-261225", None).unwrap().instrument.name,
            "ETH_USDT-25DEC26"
        );
        assert!(parse_name("PEPE-USDT-SWAP", None)
            .unwrap()
            .contract
            .unwrap()
            .is_err());
        assert_eq!(
            parse_name("BTC-USD-261332", None).unwrap_err().column,
            Some(9)
        );
        assert!(parse_name("BTC-USDT-SWAP", Some(Venue::Bybit)).is_err());
    }

    #[test]
    fn bybit_names() {
        let name = |n: &str, v| parse_name(n, v).unwrap().instrument.name;
        assert_eq!(name("BTCUSDT", None), "BTC_USDT-PERPETUAL");
        assert_eq!(name("BTCPERP", None), "BTC_USDC-PERPETUAL");
        assert_eq!(name("ETHUSD", None), "ETH-PERPETUAL");
        assert_eq!(name("BTCUSDT-27DEC26", None), "BTC_USDT-27DEC26");
        assert_eq!(
            name("BTC-27DEC26-100000-C-USDT", None),
            "BTC_USDT-27DEC26-100000-C"
        );
        assert_eq!(
            name("BTC-27DEC26-100000-C", Some(Venue::Bybit)),
            "BTC_USDC-27DEC26-100000-C"
        );
        assert_eq!(name("BTC-27DEC26-100000-C", None), "BTC-27DEC26-100000-C");
        assert_eq!(name("BTC-27DEC26", Some(Venue::Bybit)), "BTC_USDC-27DEC26");
        assert_eq!(
            parse_name("BTCUSDT", None).unwrap().venue,
            Some(Venue::Bybit)
        );
        // Deribit names, and coins, stay as they are
        for n in [
            "BTC-PERPETUAL",
            "BTC_USDC-PERPETUAL",
            "ETH",
            "USDC",
            "FDUSD",
            "BTC",
        ] {
            assert_eq!(parse_name(n, None).unwrap().venue, None, "{n}");
        }
    }
}
