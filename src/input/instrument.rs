//! Instruments: Deribit-style names parsed into one explicit object.

use crate::error::{ascii_case, owned, ErrorCode, Issue};
use crate::time::Date;
use serde::Serialize;

#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Hash)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Option,
    Future,
    Perpetual,
    Spot,
}

/// How an instrument settles: in the coin (inverse, coin-margined) or in a USD stablecoin (linear).
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Hash)]
#[serde(rename_all = "lowercase")]
pub enum Settlement {
    Inverse,
    Linear,
}

#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Hash)]
#[serde(rename_all = "lowercase")]
pub enum OptionType {
    Call,
    Put,
}

/// The unit a quantity is written in.
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum QuantityUnit {
    Coin,
    Usd,
}

/// One instrument, explicit. Every pasted name becomes one of these; JSON may give it directly.
#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Instrument {
    /// Canonical Deribit-style name, e.g. `BTC-27DEC26-100000-C`.
    pub name: String,
    /// The coin, e.g. `BTC`.
    pub underlying: String,
    pub kind: Kind,
    pub settlement: Settlement,
    /// Settlement currency: the coin (inverse) or `USDC`/`USDT` (linear).
    pub settlement_currency: String,
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "serialize_date"
    )]
    #[cfg_attr(feature = "typescript", ts(type = "string"))]
    pub expiry: Option<Date>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub strike: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub option_type: Option<OptionType>,
    /// The unit a bare quantity is in: coin, except USD notional for inverse futures and perpetuals.
    pub quantity_unit: QuantityUnit,
}

fn serialize_date<S: serde::Serializer>(date: &Option<Date>, s: S) -> Result<S::Ok, S::Error> {
    match date {
        Some(d) => s.serialize_str(&d.iso()),
        None => s.serialize_none(),
    }
}

/// JSON names of the enums, for the input reader (`src/json.rs`).
pub const KIND_NAMES: [(&str, Kind); 4] = [
    ("option", Kind::Option),
    ("future", Kind::Future),
    ("perpetual", Kind::Perpetual),
    ("spot", Kind::Spot),
];
pub const SETTLEMENT_NAMES: [(&str, Settlement); 2] = [
    ("inverse", Settlement::Inverse),
    ("linear", Settlement::Linear),
];
pub const OPTION_TYPE_NAMES: [(&str, OptionType); 2] =
    [("call", OptionType::Call), ("put", OptionType::Put)];

/// The explicit JSON form of an instrument (`{"underlying": "BTC", "kind": "option", …}`).
#[cfg_attr(
    feature = "typescript",
    derive(ts_rs::TS),
    ts(optional_fields, rename_all = "camelCase")
)]
#[derive(Debug, Clone)]
pub struct InstrumentSpec {
    pub underlying: String,
    pub kind: Kind,
    pub settlement: Option<Settlement>,
    /// For linear instruments: `USDC` (default) or `USDT`.
    pub quote: Option<String>,
    pub expiry: Option<String>,
    pub strike: Option<f64>,
    pub option_type: Option<OptionType>,
}

const LINEAR_QUOTES: [&str; 2] = ["USDC", "USDT"];

fn valid_coin(coin: &str) -> bool {
    let b = coin.as_bytes();
    (2..=10).contains(&b.len())
        && b[0].is_ascii_uppercase()
        && b.iter()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

/// Parse a strike: digits with an optional `d` or `.` decimal point (`0d625`, `100000`).
pub fn parse_strike(text: &str) -> Option<f64> {
    let mut normal = String::with_capacity(text.len());
    let mut points = 0;
    for &b in text.as_bytes() {
        let c = if b == b'd' || b == b'D' { b'.' } else { b };
        if c == b'.' {
            points += 1;
        } else if !c.is_ascii_digit() {
            return None;
        }
        normal.push(char::from(c));
    }
    if points > 1 {
        return None;
    }
    let strike: f64 = normal.parse().ok()?;
    (strike.is_finite() && (1e-8..=1e12).contains(&strike)).then_some(strike)
}

fn format_strike(strike: f64) -> String {
    if strike.fract() == 0.0 && strike < 1e15 {
        return (strike as u64).to_string(); // the usual case, without float formatting
    }
    format!("{strike}").replace('.', "d")
}

/// The parts of a name between dashes (`BTC-27DEC26` → `BTC`, `27DEC26`).
#[inline(never)]
pub(crate) fn dash_parts(name: &str) -> Vec<&str> {
    name.split('-').collect()
}

/// `BTC` or `BTC_USDC`: the coin and the linear quote; Err: (column, why).
fn coin_and_quote(head: &str) -> Result<(&str, Option<&str>), (usize, &'static str)> {
    let (coin, quote) = match head.split_once('_') {
        Some((c, q)) => (c, Some(q)),
        None => (head, None),
    };
    if !valid_coin(coin) {
        return Err((1, "expected a coin such as BTC, ETH or SOL at the start"));
    }
    match quote {
        Some(q) if !LINEAR_QUOTES.contains(&q) => Err((
            coin.len() + 2,
            "linear instruments are quoted in USDC or USDT (e.g. BTC_USDC-PERPETUAL)",
        )),
        _ => Ok((coin, quote)),
    }
}

impl Instrument {
    fn build(
        underlying: &str,
        linear_quote: Option<&str>,
        kind: Kind,
        expiry: Option<Date>,
        strike: Option<f64>,
        option_type: Option<OptionType>,
    ) -> Instrument {
        let settlement = if linear_quote.is_some() || kind == Kind::Spot {
            Settlement::Linear
        } else {
            Settlement::Inverse
        };
        let settlement_currency = match linear_quote {
            Some(q) => owned(q),
            None if kind == Kind::Spot => owned("USDC"),
            None => owned(underlying),
        };
        let mut name = owned(underlying);
        if let Some(q) = linear_quote {
            name.push_str("_");
            name.push_str(q);
        }
        match (kind, expiry, strike, option_type) {
            (Kind::Perpetual, ..) => name.push_str("-PERPETUAL"),
            (Kind::Future, Some(e), ..) => {
                name.push_str("-");
                name.push_str(&e.deribit_code());
            }
            (Kind::Option, Some(e), Some(k), Some(t)) => {
                name.push_str("-");
                name.push_str(&e.deribit_code());
                name.push_str("-");
                name.push_str(&format_strike(k));
                name.push_str(if t == OptionType::Call { "-C" } else { "-P" });
            }
            _ => {}
        }
        let quantity_unit = match (kind, settlement) {
            (Kind::Future | Kind::Perpetual, Settlement::Inverse) => QuantityUnit::Usd,
            _ => QuantityUnit::Coin,
        };
        Instrument {
            name,
            underlying: owned(underlying),
            kind,
            settlement,
            settlement_currency,
            expiry,
            strike,
            option_type,
            quantity_unit,
        }
    }

    /// An instrument from its parts (a venue's name read into them, `src/input/venue.rs`).
    pub fn explicit(
        underlying: &str,
        linear_quote: Option<&str>,
        kind: Kind,
        expiry: Option<Date>,
        strike: Option<f64>,
        option_type: Option<OptionType>,
    ) -> Instrument {
        Instrument::build(underlying, linear_quote, kind, expiry, strike, option_type)
    }

    /// The perpetual of `underlying`: inverse (`BTC-PERPETUAL`) or linear in `quote` (`BTC_USDC-PERPETUAL`).
    pub fn perpetual(underlying: &str, linear_quote: Option<&str>) -> Instrument {
        Instrument::build(underlying, linear_quote, Kind::Perpetual, None, None, None)
    }

    /// The margin pool: the coin for inverse instruments, `COIN_QUOTE` for linear ones.
    pub fn pool(&self) -> String {
        match self.settlement {
            Settlement::Inverse => self.underlying.clone(),
            Settlement::Linear => format!("{}_{}", self.underlying, self.settlement_currency),
        }
    }

    /// Parse a Deribit-style name. On failure the issue carries the 1-based column (within the
    /// name) of the part that is wrong; the caller shifts it to the line.
    pub fn parse(name: &str) -> Result<Instrument, Issue> {
        let name = name.trim();
        let upper = ascii_case(name, true);
        let parts = dash_parts(&upper);
        // column (1-based) where part i starts
        let col_of = |i: usize| 1 + parts[..i].iter().map(|p| p.len() + 1).sum::<usize>();
        let quoted = |i: usize, why: &str| (col_of(i), ["'", parts[i], why].concat());
        // Err: the column and why
        let read = || -> Result<Instrument, (usize, String)> {
            let (coin, quote) = coin_and_quote(parts[0]).map_err(|(c, w)| (c, owned(w)))?;
            let expiry = |i: usize| {
                Date::parse_deribit(parts[i])
                    .ok_or_else(|| quoted(i, "' is not an expiry date like 27DEC26"))
            };
            let (kind, e, k, t) = match parts.len() {
                1 => (Kind::Spot, None, None, None),
                2 if parts[1] == "PERPETUAL" || parts[1] == "PERP" => {
                    (Kind::Perpetual, None, None, None)
                }
                2 => (Kind::Future, Some(expiry(1)?), None, None),
                4 => {
                    let e = expiry(1)?;
                    let k = parse_strike(parts[2]).ok_or_else(|| {
                        quoted(2, "' is not a strike (use d for a decimal point: 0d625)")
                    })?;
                    let t = match parts[3] {
                        "C" | "CALL" => OptionType::Call,
                        "P" | "PUT" => OptionType::Put,
                        _ => return Err(quoted(3, "' is not C or P")),
                    };
                    (Kind::Option, Some(e), Some(k), Some(t))
                }
                3 => {
                    let why = "an option needs expiry, strike and C/P, e.g. BTC-27DEC26-100000-C";
                    return Err((col_of(2), owned(why)));
                }
                // `BTC-25DEC26--5000-C`: an empty part before a number is a minus sign
                _ if parts.len() == 5 && parts[2].is_empty() => {
                    let why = "a strike must be a positive number (no '-' before it)";
                    return Err((col_of(2), owned(why)));
                }
                _ => {
                    let why = "too many parts; expected e.g. BTC-27DEC26-100000-C";
                    return Err((col_of(4), owned(why)));
                }
            };
            Ok(Instrument::build(coin, quote, kind, e, k, t))
        };
        read().map_err(|(col, why)| {
            let message = ["unknown instrument '", name, "': ", &why].concat();
            Issue::new(ErrorCode::UnknownInstrument, message).at_line(0, col)
        })
    }

    /// Build from the explicit JSON form; errors carry paths relative to the object.
    pub fn from_spec(spec: &InstrumentSpec) -> Result<Instrument, Issue> {
        let coin = ascii_case(spec.underlying.trim(), true);
        if !valid_coin(&coin) {
            return Err(Issue::new(
                ErrorCode::UnknownInstrument,
                format!("'{}' is not a coin such as BTC", spec.underlying),
            )
            .at_path("underlying"));
        }
        let settlement = spec.settlement.unwrap_or(if spec.kind == Kind::Spot {
            Settlement::Linear
        } else {
            Settlement::Inverse
        });
        let quote = match settlement {
            Settlement::Inverse => {
                if spec.kind == Kind::Spot {
                    return Err(Issue::new(
                        ErrorCode::UnknownInstrument,
                        "a spot holding is linear (valued in USD)",
                    )
                    .at_path("settlement"));
                }
                None
            }
            Settlement::Linear => {
                let q = ascii_case(spec.quote.as_deref().unwrap_or("USDC"), true);
                if !LINEAR_QUOTES.contains(&q.as_str()) {
                    return Err(Issue::new(
                        ErrorCode::UnknownInstrument,
                        "quote must be USDC or USDT",
                    )
                    .at_path("quote"));
                }
                Some(q)
            }
        };
        let expiry = match (&spec.expiry, spec.kind) {
            (Some(text), Kind::Option | Kind::Future) => Some(
                Date::parse_iso(text)
                    .or_else(|| Date::parse_deribit(text))
                    .ok_or_else(|| {
                        Issue::new(
                            ErrorCode::BadDate,
                            format!("'{text}' is not a date (YYYY-MM-DD)"),
                        )
                        .at_path("expiry")
                    })?,
            ),
            (None, Kind::Option | Kind::Future) => {
                return Err(Issue::new(
                    ErrorCode::UnknownInstrument,
                    "an option or future needs an expiry",
                )
                .at_path("expiry"))
            }
            _ => None,
        };
        let (strike, option_type) = if spec.kind == Kind::Option {
            let strike = spec
                .strike
                .filter(|k| k.is_finite() && (1e-8..=1e12).contains(k))
                .ok_or_else(|| {
                    Issue::new(ErrorCode::BadNumber, "an option needs a positive strike")
                        .at_path("strike")
                })?;
            let t = spec.option_type.ok_or_else(|| {
                Issue::new(
                    ErrorCode::UnknownInstrument,
                    "an option needs optionType call or put",
                )
                .at_path("optionType")
            })?;
            (Some(strike), Some(t))
        } else {
            (None, None)
        };
        Ok(Instrument::build(
            &coin,
            quote.as_deref(),
            spec.kind,
            expiry,
            strike,
            option_type,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        let i = Instrument::parse("BTC-27DEC26-100000-C").unwrap();
        assert_eq!(
            (i.kind, i.settlement, i.strike, i.option_type),
            (
                Kind::Option,
                Settlement::Inverse,
                Some(100000.0),
                Some(OptionType::Call)
            )
        );
        assert_eq!(i.pool(), "BTC");
        let i = Instrument::parse("xrp_usdc-5jan27-0d625-p").unwrap();
        assert_eq!(i.name, "XRP_USDC-5JAN27-0d625-P");
        assert_eq!(
            (i.settlement, i.strike, i.pool().as_str()),
            (Settlement::Linear, Some(0.625), "XRP_USDC")
        );
        assert_eq!(
            Instrument::parse("BTC-PERPETUAL").unwrap().quantity_unit,
            QuantityUnit::Usd
        );
        assert_eq!(
            Instrument::parse("BTC_USDC-PERPETUAL")
                .unwrap()
                .quantity_unit,
            QuantityUnit::Coin
        );
        assert_eq!(Instrument::parse("ETH-28MAR25").unwrap().kind, Kind::Future);
        assert_eq!(Instrument::parse("BTC").unwrap().pool(), "BTC_USDC");
    }

    #[test]
    fn bad_names_point_at_the_part() {
        assert_eq!(
            Instrument::parse("BTC-32DEC26-1-C").unwrap_err().column,
            Some(5)
        );
        assert_eq!(
            Instrument::parse("BTC-27DEC26-abc-C").unwrap_err().column,
            Some(13)
        );
        assert_eq!(
            Instrument::parse("BTC-27DEC26-100-X").unwrap_err().column,
            Some(17)
        );
        assert_eq!(
            Instrument::parse("BTC_EUR-PERPETUAL").unwrap_err().column,
            Some(5)
        );
        assert_eq!(
            Instrument::parse("B").unwrap_err().code,
            ErrorCode::UnknownInstrument
        );
        assert!(Instrument::parse("BTC-27DEC26-100000").is_err());
    }
}

impl InstrumentSpec {
    pub fn from_json(v: &serde_json::Value, path: &str) -> crate::error::Result<InstrumentSpec> {
        let o = crate::input::json::Obj::new(
            v,
            path,
            &[
                "underlying",
                "kind",
                "settlement",
                "quote",
                "expiry",
                "strike",
                "optionType",
            ],
        )?;
        // every field read (in this order, for the first error) before anything is copied
        let underlying = o.str("underlying")?;
        let kind = o.enum_of("kind", &KIND_NAMES)?;
        let settlement = o.opt_enum("settlement", &SETTLEMENT_NAMES)?;
        let quote = o.opt_str("quote")?;
        let expiry = o.opt_str("expiry")?;
        let strike = o.opt_f64("strike")?;
        let option_type = o.opt_enum("optionType", &OPTION_TYPE_NAMES)?;
        Ok(InstrumentSpec {
            underlying: owned(underlying),
            kind,
            settlement,
            quote: quote.map(owned),
            expiry: expiry.map(owned),
            strike,
            option_type,
        })
    }
}
