//! The list of operations. The CLI (`src/bin/`) and the WebAssembly facade (`src/wasm/`) call only
//! this module, so they can never disagree.
//!
//! Results are Rust values; what hands them out (JSON text here, the tape for JavaScript) refuses
//! NaN and Infinity anywhere in them with `NUMERIC` and the JSON path (`report::finite`).

use crate::error::{Error, ErrorCode, Result};
use crate::input::positions::Parsed;
use crate::input::positions_of;
pub use crate::input::{parse_request, Request};
use crate::margin::model::ModelInfo;
pub use crate::margin::session::{Impact, Session};
pub use crate::pricing::calculator::OptionPrice;
pub use crate::report::finite::check_finite;
use crate::report::types::Report;
use serde::Serialize;

/// Compute the report for a request (SPEC §6).
pub fn report(request: &Request) -> Result<Report> {
    crate::report::build::build_report(&Session::new(request)?)
}

/// [`report`], with the fraction done of a long analysis (Monte Carlo, historical) reported to
/// `progress` as it goes (0 to 1).
pub fn report_with_progress(request: &Request, progress: &mut dyn FnMut(f64)) -> Result<Report> {
    crate::report::build::build_report_with_progress(&Session::new(request)?, progress)
}

/// A standing book for repeated pre-trade queries (values the book once).
pub fn session(request: &Request) -> Result<Session> {
    Session::new(request)
}

/// Number of positions in a session's standing book.
pub fn position_count(session: &Session) -> usize {
    session.book.positions.len()
}

/// The report of a session's standing book.
pub fn session_report(session: &Session) -> Result<Report> {
    crate::report::build::build_report(session)
}

/// Margin impact of `orders` (pasted text or an array of positions, as JSON) on a session's book.
pub fn impact(session: &Session, orders: &serde_json::Value) -> Result<Impact> {
    let orders = positions_of(orders, "orders")?;
    session.impact(&orders)
}

/// Orders given as JSON text, read by the strict reader (a duplicate key is `BAD_REQUEST` at its
/// path under `orders`); pass the value to [`impact`] or [`margin_impact`].
pub fn orders_json(json: &str) -> Result<serde_json::Value> {
    crate::input::json::parse_json_at(json, "the orders", "orders")
}

/// Margin impact of `orders` on a request's book, in one call.
pub fn margin_impact(request: &Request, orders: &serde_json::Value) -> Result<Impact> {
    impact(&Session::new(request)?, orders)
}

/// One book under several models side by side (`compareModels`; the full build and the CLI): `models` is an array of models
/// (preset names, presets with overrides, full models; default: every preset of this build);
/// `venue_models` (`{"okx": "okx-pm", …}`) sets the model of a venue in the book across venues.
#[cfg(feature = "analysis")]
pub fn compare(
    request: &Request,
    models: Option<&serde_json::Value>,
    venue_models: Option<&serde_json::Value>,
) -> Result<crate::report::compare::Comparison> {
    use crate::input::model::ModelInput;
    let models = match models.filter(|m| !m.is_null()) {
        None => crate::report::compare::default_models(),
        Some(v) => crate::input::json::as_array(v, "models")?
            .iter()
            .enumerate()
            .map(|(i, m)| {
                ModelInput::from_json(m).map_err(|e| e.rebased("model", &format!("models[{i}]")))
            })
            .collect::<Result<Vec<_>>>()?,
    };
    let mut by_venue = std::collections::BTreeMap::new();
    if let Some(v) = venue_models.filter(|m| !m.is_null()) {
        let names: Vec<&str> = crate::input::venue::VENUE_NAMES
            .iter()
            .map(|(n, _)| *n)
            .collect();
        let o = crate::input::json::Obj::new(v, "venueModels", &names)?;
        for (name, venue) in crate::input::venue::VENUE_NAMES {
            if let Some(m) = o.get(name) {
                let here = o.at(name);
                by_venue.insert(
                    venue,
                    ModelInput::from_json(m).map_err(|e| e.rebased("model", &here))?,
                );
            }
        }
    }
    // the session only values the book: position-by-position pools build no scenario vectors, and
    // each compared model pools the valued positions itself
    let valuing =
        crate::margin::model::Model::resolve(Some(&ModelInput::Name("deribit-standard".into())))?;
    crate::report::compare::compare(Session::under(request, valuing)?, &models, &by_venue)
}

/// The margin model presets shipped in the package.
pub fn list_models() -> Vec<ModelInfo> {
    crate::margin::model::list_models()
}

/// Parse pasted positions without valuing them: the good positions and every bad line.
pub fn parse_positions(text: &str) -> Parsed {
    crate::input::positions::parse_text(text)
}

/// The embedded default market snapshot, as JSON text.
pub fn default_market_json() -> &'static str {
    crate::input::market::DEFAULT_MARKET_JSON
}

/// The sample portfolio (pasted-text form) that goes with the default market.
pub fn sample_positions() -> &'static str {
    crate::input::positions::SAMPLE_POSITIONS
}

/// A deterministic generated book of `n` positions (benchmarks, scale tests).
pub fn generated_book(n: usize) -> String {
    crate::input::bookgen::generated_book(n)
}

/// Black-76 price and Greeks per 1 coin of a single option (JSON in).
pub fn price_option(json: &str) -> Result<OptionPrice> {
    crate::pricing::calculator::price_option(json)
}

/// Implied volatility from a single option's price (JSON in).
pub fn implied_vol(json: &str) -> Result<f64> {
    crate::pricing::calculator::implied_vol_json(json)
}

/// Black-76 price and Greeks of many options at once (`priceOptions`): see
/// [`crate::pricing::calculator::price_batch`].
pub fn price_options(
    forward: &[f64],
    strike: &[f64],
    t_years: &[f64],
    sigma: &[f64],
    rate: f64,
    is_call: &[u8],
) -> Result<Vec<f64>> {
    crate::pricing::calculator::price_batch(forward, strike, t_years, sigma, rate, is_call)
}

/// Implied volatilities of many options at once (`impliedVols`): see
/// [`crate::pricing::calculator::implied_vol_batch`].
pub fn implied_vols(
    price_usd: &[f64],
    forward: &[f64],
    strike: &[f64],
    t_years: &[f64],
    rate: f64,
    is_call: &[u8],
) -> Result<Vec<f64>> {
    crate::pricing::calculator::implied_vol_batch(
        price_usd, forward, strike, t_years, rate, is_call,
    )
}

/// A market (the request's `market` shape) from Deribit's public `get_book_summary_by_currency`
/// response, given as JSON text: the response, its `result` array, or an array of responses (one
/// per currency). Full build only (`analysis`). See [`crate::input::deribit`].
#[cfg(feature = "analysis")]
pub fn market_from_deribit(json: &str) -> Result<crate::input::deribit::DeribitMarket> {
    crate::input::deribit::market_from_deribit_json(json)
}

/// The margin-minimising trades over a set of instruments within a premium budget (issue 14;
/// docs/CONVENTIONS.md, "Hedge optimisation"): `options` is `{ pool?, candidates?, budget?, bounds? }`
/// (JSON; `null` for every default), read strictly with paths under `hedge`. Cargo feature `optimize`.
#[cfg(feature = "optimize")]
pub fn optimize_hedge(
    request: &Request,
    options: Option<&serde_json::Value>,
) -> Result<crate::margin::optimize::HedgePlan> {
    let input = crate::input::hedge::HedgeInput::from_json(options)?;
    let session = Session::new(request)?;
    crate::margin::optimize::optimize_hedge(&session, request.market.as_ref(), &input)
}

/// [`optimize_hedge`] of one JSON text: the request with the options under an extra key `hedge`
/// (what `portfolio-margin hedge` reads).
#[cfg(feature = "optimize")]
pub fn optimize_hedge_json(json: &str) -> Result<crate::margin::optimize::HedgePlan> {
    let mut value = crate::input::json::parse_json(json, "the request")?;
    let options = value.as_object_mut().and_then(|o| o.remove("hedge"));
    let request = Request::from_json(&value)?;
    optimize_hedge(&request, options.as_ref())
}

/// The core entry for callers holding JSON text (the CLI and the wasm facade).
pub fn report_json(json: &str) -> Result<String> {
    to_json(&report(&parse_request(json)?)?)
}

/// Any result as JSON text; `NUMERIC` with the path of the first NaN or Infinity in it, which
/// `serde_json` would otherwise write as `null`.
pub fn to_json<T: Serialize + ?Sized>(value: &T) -> Result<String> {
    write_json(value, UnsignedZero(serde_json::ser::CompactFormatter))
}

/// [`to_json`], indented.
pub fn to_json_pretty<T: Serialize + ?Sized>(value: &T) -> Result<String> {
    write_json(value, UnsignedZero(serde_json::ser::PrettyFormatter::new()))
}

fn write_json<T: Serialize + ?Sized, F: serde_json::ser::Formatter>(
    value: &T,
    formatter: F,
) -> Result<String> {
    check_finite(value)?;
    let mut out = Vec::with_capacity(4096);
    value
        .serialize(&mut serde_json::Serializer::with_formatter(
            &mut out, formatter,
        ))
        .map_err(write_error)?;
    String::from_utf8(out).map_err(|_| {
        Error::new(
            ErrorCode::BadRequest,
            "internal: the report is not UTF-8 text",
        )
    })
}

/// serde_json's formatter, except that a zero is written `0.0`, never `-0.0`. The sign of a zero
/// carries no meaning in a report, and it is where native code and WebAssembly differ (`f64::max`
/// of -0 and 0 may return either); the package's tape writes zeros the same way, so the two
/// reports are bit-identical (docs/CONVENTIONS.md).
struct UnsignedZero<F>(F);

impl<F: serde_json::ser::Formatter> serde_json::ser::Formatter for UnsignedZero<F> {
    fn write_f64<W: ?Sized + std::io::Write>(&mut self, w: &mut W, v: f64) -> std::io::Result<()> {
        self.0.write_f64(w, if v == 0.0 { 0.0 } else { v })
    }
    fn begin_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_array(w)
    }
    fn end_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_array(w)
    }
    fn begin_array_value<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.0.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_array_value(w)
    }
    fn begin_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_object(w)
    }
    fn end_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object(w)
    }
    fn begin_object_key<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.0.begin_object_key(w, first)
    }
    fn begin_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object_value(w)
    }
}

fn write_error(e: serde_json::Error) -> Error {
    Error::new(
        ErrorCode::Numeric,
        format!("could not write the result: {e}"),
    )
}

#[cfg(test)]
mod zero_tests {
    #[test]
    fn zeros_are_written_unsigned_in_both_layouts() {
        assert_eq!(
            super::to_json(&[-0.0f64, 0.0, -1.5]).unwrap(),
            "[0.0,0.0,-1.5]"
        );
        let pretty = super::to_json_pretty(&[[-0.0f64]]).unwrap();
        assert_eq!(pretty, "[\n  [\n    0.0\n  ]\n]");
    }
}
