//! One position as given (before any market data), the result of parsing pasted text, and the
//! readers of a position's fields shared by the line format and CSV: numbers, a quantity with its
//! unit, and the documented ranges.

use crate::error::{ErrorCode, Issue, Warning};
use crate::input::instrument::{Instrument, QuantityUnit};
use crate::input::limits::valid_iv;
use serde::Serialize;

/// Documented bound: at most this many positions in one request.
pub const MAX_POSITIONS: usize = 20_000;
const _: () = assert!(MAX_POSITIONS == 20_000, "the messages name 20000");
/// Documented bound on pasted text (bytes).
pub const MAX_TEXT_BYTES: usize = 4 * 1024 * 1024;

/// One position as given, before any market data is applied.
#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PositionInput {
    pub instrument: Instrument,
    /// Signed quantity in `unit` (+ long, − short).
    pub quantity: f64,
    pub unit: QuantityUnit,
    /// Mark in the instrument's own quote unit (coin for inverse options, USD otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mark: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iv: Option<f64>,
    /// Entry price (USD per coin) for unrealised P&L of futures and perpetuals.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entry: Option<f64>,
    /// 1-based line in the pasted text, when it came from text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// Where the position sits (`venue=okx`, a `venue` column or field, or a venue's own name).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub venue: Option<crate::input::venue::Venue>,
}

// Clone, out of line: one call where a position is copied (as derived, field by field)
impl Clone for PositionInput {
    #[inline(never)]
    fn clone(&self) -> Self {
        PositionInput {
            instrument: self.instrument.clone(),
            quantity: self.quantity,
            unit: self.unit,
            mark: self.mark,
            iv: self.iv,
            entry: self.entry,
            line: self.line,
            venue: self.venue,
        }
    }
}

/// What the caller gets from parsing text: the good positions, every bad line, and what was
/// read but is worth a look (`IGNORED_COLUMN`: CSV columns the reader does not use).
#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Debug, Clone, Default, Serialize)]
pub struct Parsed {
    pub positions: Vec<PositionInput>,
    pub errors: Vec<Issue>,
    pub warnings: Vec<Warning>,
}

impl Parsed {
    /// Keep one line's outcome; false once more than `MAX_POSITIONS` positions are read (the limit
    /// is reported at `line_no` and reading stops).
    pub fn add(&mut self, outcome: Result<PositionInput, Issue>, line_no: usize) -> bool {
        match outcome {
            Ok(p) => self.positions.push(p),
            Err(issue) => self.errors.push(issue),
        }
        if self.positions.len() > MAX_POSITIONS {
            self.errors.push(
                Issue::new(ErrorCode::LimitExceeded, "more than 20000 positions")
                    .at_line(line_no, 1),
            );
            return false;
        }
        true
    }
}

/// A finite number: `+` signs and `_` separators allowed, `nan` and `inf` refused (they parse to
/// non-finite values, which are refused).
pub fn number(text: &str) -> Option<f64> {
    let t = text.trim().as_bytes();
    let plus = t.iter().take_while(|&&c| c == b'+').count();
    let mut digits = String::with_capacity(t.len());
    for &c in &t[plus..] {
        if !c.is_ascii() {
            return None; // f64 parsing refuses it too
        }
        if c != b'_' {
            digits.push(char::from(c));
        }
    }
    digits.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// Parse a quantity with an optional unit suffix (`-10`, `0.5BTC`, `20000USD`, `20000 usd`).
pub fn quantity_with_unit(
    text: &str,
    instrument: &Instrument,
) -> std::result::Result<(f64, QuantityUnit), String> {
    let t = text.trim();
    // the unit is the trailing run of letters ("-2ETH": the E is not an exponent; "1e3" has none)
    let letters = t.bytes().rev().take_while(u8::is_ascii_alphabetic).count();
    let split = t.len() - letters;
    let (num, unit) = t.split_at(split);
    let value = number(num).ok_or_else(|| format!("'{t}' is not a quantity"))?;
    if !check_quantity(value) {
        let value = crate::error::exponential(value);
        return Err(["quantity ", &value, " is outside ±1e12"].concat());
    }
    let unit = crate::error::ascii_case(unit, true);
    let unit = if unit.is_empty() {
        instrument.quantity_unit
    } else if unit == "USD" || unit == "USDC" || unit == "USDT" {
        QuantityUnit::Usd
    } else if unit == instrument.underlying || unit == "COIN" {
        QuantityUnit::Coin
    } else {
        return Err(format!(
            "unit '{unit}' does not fit {} (use {} or USD)",
            instrument.name, instrument.underlying
        ));
    };
    Ok((value, unit))
}

/// A size read from text in a venue's contracts when it has no unit of its own: `(value, unit)` as
/// [`quantity_with_unit`] read it, converted (`Err`: the contract value is unknown).
pub fn in_contracts(
    text: &str,
    read: (f64, QuantityUnit),
    contract: &Option<Result<(f64, QuantityUnit), String>>,
) -> std::result::Result<(f64, QuantityUnit), String> {
    let has_unit = text
        .trim()
        .bytes()
        .last()
        .is_some_and(|c| c.is_ascii_alphabetic());
    match contract {
        Some(c) if !has_unit => {
            let (per, unit) = c.clone()?;
            let v = read.0 * per;
            if !check_quantity(v) {
                return Err("the size in contracts is outside ±1e12 once converted".into());
            }
            Ok((v, unit))
        }
        _ => Ok(read),
    }
}

/// Documented input ranges: a quantity or price beyond these is a typo, not a position.
pub const MAX_ABS_QUANTITY: f64 = 1e12;
pub const MAX_PRICE: f64 = 1e12;

pub fn check_quantity(v: f64) -> bool {
    v.is_finite() && v.abs() <= MAX_ABS_QUANTITY
}
/// A mark: a price in [1e-8, 1e12] (an inverse option's in coin); 0 is not "no mark".
pub fn check_mark(v: f64) -> bool {
    crate::input::limits::valid_price(v)
}
pub fn check_iv(v: f64) -> bool {
    valid_iv(v)
}
pub fn check_entry(v: f64) -> bool {
    crate::input::limits::valid_price(v)
}

/// An issue of pasted text: `line N: why`, at the line and the (1-based, in characters) column.
#[inline(never)]
pub fn line_issue(code: ErrorCode, line: usize, column: usize, why: &str) -> Issue {
    Issue::new(code, format!("line {line}: {why}")).at_line(line, column)
}
