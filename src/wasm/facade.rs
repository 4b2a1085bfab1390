//! The WebAssembly facade: JS value in → core → JS value out. No risk logic lives here.
//!
//! Inputs cross the boundary as JSON text (`JSON.stringify`, native in the JS engine), so the core
//! sees exactly what the CLI sees. Results cross as a tape (src/wasm/tape.rs, decoded by src/wasm/tape.js): the
//! same value as the CLI's JSON, without decimal text on either side. Errors become JS `Error`s carrying `code`,
//! `line`, `column`, `path` and `issues`.

use crate::error::{Error, ErrorCode};
use wasm_bindgen::prelude::*;

fn js_error(e: &Error) -> JsValue {
    let err = js_sys::Error::new(&e.message);
    err.set_name("PortfolioMarginError");
    let obj: &JsValue = err.as_ref();
    let set = |k: &str, v: JsValue| {
        let _ = js_sys::Reflect::set(obj, &JsValue::from_str(k), &v);
    };
    set("code", JsValue::from_str(e.code.as_str()));
    if let Some(line) = e.line {
        set("line", JsValue::from_f64(line as f64));
    }
    if let Some(column) = e.column {
        set("column", JsValue::from_f64(column as f64));
    }
    if let Some(path) = &e.path {
        set("path", JsValue::from_str(path));
    }
    let issues = crate::wasm::tape::to_tape(&e.issues)
        .map(|t| tape_to_js(&t))
        .unwrap_or(JsValue::NULL);
    set("issues", issues);
    err.into()
}

/// A JS value as JSON text: strings are taken as JSON text already. The text crosses as UTF-8 bytes
/// encoded by the JS engine (`TextEncoder`), which is much faster than the generated glue's
/// character loop for long text.
fn to_json_text(value: &JsValue, what: &str) -> Result<String, JsValue> {
    let bad = || {
        js_error(&Error::new(
            ErrorCode::BadRequest,
            format!("{what} must be a JSON-compatible object"),
        ))
    };
    let bytes = json_utf8(value).map_err(|_| bad())?.ok_or_else(bad)?;
    String::from_utf8(bytes.to_vec()).map_err(|_| bad())
}

fn to_js(json: &str) -> Result<JsValue, JsValue> {
    js_sys::JSON::parse(json).map_err(|_| {
        js_error(&Error::new(
            ErrorCode::Numeric,
            "internal: could not hand the result to JavaScript",
        ))
    })
}

#[wasm_bindgen(module = "/src/wasm/tape.js")]
extern "C" {
    #[wasm_bindgen(js_name = jsonUtf8, catch)]
    fn json_utf8(value: &JsValue) -> Result<Option<js_sys::Uint8Array>, JsValue>;
    #[wasm_bindgen(js_name = decodeTape)]
    fn decode_tape(
        ops: &[u32],
        nums: &[f64],
        text: &str,
        string_ends: &[u32],
        shapes: &[u32],
        spans: &[u32],
    ) -> JsValue;
}

fn tape_to_js(t: &crate::wasm::tape::Tape) -> JsValue {
    decode_tape(
        &t.ops,
        &t.nums,
        &t.text,
        &t.string_ends,
        &t.shapes,
        &t.spans,
    )
}

/// A core result as a plain JS value, by way of the tape (src/wasm/tape.rs): deep-equal to `JSON.parse`
/// of its JSON text, without writing or parsing decimal text. NaN or Infinity anywhere in it is a
/// `NUMERIC` error naming its path.
fn serialize<T: serde::Serialize>(value: &T) -> Result<JsValue, JsValue> {
    let tape = crate::wasm::tape::to_tape(value).map_err(|e| js_error(&e))?;
    Ok(tape_to_js(&tape))
}

#[wasm_bindgen(typescript_custom_section)]
const ERROR_TYPES: &'static str = r#"
/** What every function throws on bad input: an Error with a stable code and the place. */
export interface PortfolioMarginError extends Error {
  name: "PortfolioMarginError";
  code: ErrorCode;
  /** 1-based line and column in pasted text. */
  line?: number;
  column?: number;
  /** JSON path in the request, e.g. "market.underlyings.BTC.index"; for NUMERIC, in the result ("margin.pools[0].worstCase"). */
  path?: string;
  /** Every problem found (pasted text reports all bad lines). */
  issues: Issue[];
}
/** Price and Greeks per 1 coin (docs/CONVENTIONS.md); coin fields for inverse settlement. */
export type OptionPrice = { price: number, delta: number, gamma: number, vega: number, theta: number, rho: number,
  vanna: number, volga: number, priceCoin?: number, deltaCoinAccount?: number, vegaCoin?: number, thetaCoin?: number };
"#;

#[wasm_bindgen(start)]
pub fn start() {
    #[cfg(feature = "panic-hook")]
    console_error_panic_hook::set_once();
}

/// Compute the full report for a request (SPEC §2 in, SPEC §6 out). `onProgress(fraction)`, when
/// given, hears the fraction done (0 to 1, in steps of at least 1 %) of a long analysis.
#[wasm_bindgen(js_name = computeReport, unchecked_return_type = "Report")]
pub fn compute_report(
    #[wasm_bindgen(unchecked_param_type = "Request | string")] request: JsValue,
    #[wasm_bindgen(js_name = onProgress)] on_progress: Option<js_sys::Function>,
) -> Result<JsValue, JsValue> {
    let request = parse_request_js(&request)?;
    let report = match &on_progress {
        None => crate::api::report(&request),
        Some(f) => {
            let mut last = -1.0;
            crate::api::report_with_progress(&request, &mut |x: f64| {
                let step = (x * 100.0).floor() / 100.0;
                if step > last {
                    last = step;
                    let _ = f.call1(&JsValue::NULL, &JsValue::from_f64(step));
                }
            })
        }
    };
    serialize(&report.map_err(|e| js_error(&e))?)
}

/// Parse pasted positions without valuing them: `{ positions, errors }`, every bad line listed.
#[wasm_bindgen(js_name = parsePositions, unchecked_return_type = "Parsed")]
pub fn parse_positions(text: &str) -> Result<JsValue, JsValue> {
    serialize(&crate::api::parse_positions(text))
}

/// The margin model presets shipped in the package.
#[wasm_bindgen(js_name = listModels, unchecked_return_type = "ModelInfo[]")]
pub fn list_models() -> Result<JsValue, JsValue> {
    serialize(&crate::api::list_models())
}

/// The embedded default market snapshot.
#[wasm_bindgen(js_name = defaultMarket, unchecked_return_type = "MarketInput")]
pub fn default_market() -> Result<JsValue, JsValue> {
    to_js(crate::api::default_market_json())
}

/// The sample portfolio (pasted-text form) that goes with the default market.
#[wasm_bindgen(js_name = samplePositions)]
pub fn sample_positions() -> String {
    crate::api::sample_positions().to_string()
}

/// Black-76 price and Greeks of one long option on 1 coin: `{forward, strike, tYears, sigma, rate?, callPut}`.
#[wasm_bindgen(js_name = priceOption, unchecked_return_type = "OptionPrice")]
pub fn price_option(
    #[wasm_bindgen(unchecked_param_type = "OptionQuery")] params: JsValue,
) -> Result<JsValue, JsValue> {
    let text = to_json_text(&params, "the option")?;
    serialize(&crate::api::price_option(&text).map_err(|e| js_error(&e))?)
}

/// Implied volatility from a price: `{price, forward, strike, tYears, rate?, callPut, settlement?}`
/// (`settlement: "inverse"` means the price is in coin). Throws with code `BELOW_INTRINSIC`,
/// `ABOVE_MAXIMUM` or `NO_TIME_LEFT` where no volatility exists.
#[wasm_bindgen(js_name = impliedVol)]
pub fn implied_vol(
    #[wasm_bindgen(unchecked_param_type = "OptionQuery")] params: JsValue,
) -> Result<f64, JsValue> {
    let text = to_json_text(&params, "the option")?;
    let vol = crate::api::implied_vol(&text).map_err(|e| js_error(&e))?;
    crate::api::check_finite(&vol).map_err(|e| js_error(&e))?;
    Ok(vol)
}

/// Black-76 price and Greeks of many long options on 1 coin each, USD (linear), in one call:
/// typed arrays in (`isCall`: 1 call, 0 put; `rate` shared), 8 figures per option out, option after
/// option: price, delta, gamma, vega, theta, rho, vanna, volga (the fields of `priceOption`).
/// Throws like `priceOption`, with the option's index in the path (`sigma[3]`). In the full build
/// (`portfolio-margin/full`): bulk pricing is analytics, and the margin path keeps to its size budget.
#[cfg(feature = "analysis")]
#[wasm_bindgen(js_name = priceOptions)]
pub fn price_options(
    forward: &[f64],
    strike: &[f64],
    #[wasm_bindgen(js_name = tYears)] t_years: &[f64],
    sigma: &[f64],
    rate: f64,
    #[wasm_bindgen(js_name = isCall)] is_call: &[u8],
) -> Result<Vec<f64>, JsValue> {
    crate::api::price_options(forward, strike, t_years, sigma, rate, is_call)
        .map_err(|e| js_error(&e))
}

/// Implied volatilities of many options from their discounted USD prices (linear), in one call:
/// typed arrays in, one volatility per option out. Throws like `impliedVol` at the first option
/// without one, with its index in the path (`price[3]`). In the hedge build (`portfolio-margin/hedge`).
#[cfg(feature = "analysis")]
#[wasm_bindgen(js_name = impliedVols)]
pub fn implied_vols(
    price: &[f64],
    forward: &[f64],
    strike: &[f64],
    #[wasm_bindgen(js_name = tYears)] t_years: &[f64],
    rate: f64,
    #[wasm_bindgen(js_name = isCall)] is_call: &[u8],
) -> Result<Vec<f64>, JsValue> {
    crate::api::implied_vols(price, forward, strike, t_years, rate, is_call)
        .map_err(|e| js_error(&e))
}

/// A market for `request.market` from Deribit's public `get_book_summary_by_currency` response
/// (the response object, its `result` array, several responses in an array, or their JSON text):
/// index, futures marks per expiry, a smile per expiry from the options' `mark_iv`. Strict, with
/// JSON paths in its errors (`result[3].mark_iv`). In the full build.
#[cfg(feature = "analysis")]
#[wasm_bindgen(js_name = marketFromDeribit, unchecked_return_type = "DeribitMarket")]
pub fn market_from_deribit(
    #[wasm_bindgen(unchecked_param_type = "unknown")] summaries: JsValue,
) -> Result<JsValue, JsValue> {
    let text = match summaries.as_string() {
        Some(text) => text,
        None => to_json_text(&summaries, "the Deribit response")?,
    };
    serialize(&crate::api::market_from_deribit(&text).map_err(|e| js_error(&e))?)
}

/// The margin-minimising trades over a set of instruments within a premium budget (issue 14):
/// `options` is `{ pool?, candidates?, budget?, bounds? }` (docs/CONVENTIONS.md, "Hedge
/// optimisation"); errors name their place under `hedge` (`hedge.candidates[2]`). In the hedge build (`portfolio-margin/hedge`).
#[cfg(feature = "optimize")]
#[wasm_bindgen(js_name = optimizeHedge, unchecked_return_type = "HedgePlan")]
pub fn optimize_hedge(
    #[wasm_bindgen(unchecked_param_type = "Request | string")] request: JsValue,
    #[wasm_bindgen(unchecked_param_type = "HedgeOptions")] options: JsValue,
) -> Result<JsValue, JsValue> {
    let request = parse_request_js(&request)?;
    let options = if options.is_undefined() || options.is_null() {
        None
    } else {
        let text = to_json_text(&options, "the hedge options")?;
        Some(
            crate::input::json::parse_json_at(&text, "the hedge options", "hedge")
                .map_err(|e| js_error(&e))?,
        )
    };
    serialize(&crate::api::optimize_hedge(&request, options.as_ref()).map_err(|e| js_error(&e))?)
}

/// The package version.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

/// JS orders (pasted text or an array of positions) as the core's JSON value.
fn orders_value(orders: &JsValue) -> Result<serde_json::Value, JsValue> {
    if let Some(text) = orders.as_string() {
        return Ok(serde_json::Value::String(text));
    }
    let text = to_json_text(orders, "the orders")?;
    crate::api::orders_json(&text).map_err(|e| js_error(&e))
}

fn parse_request_js(request: &JsValue) -> Result<crate::api::Request, JsValue> {
    let text = to_json_text(request, "the request")?;
    crate::api::parse_request(&text).map_err(|e| js_error(&e))
}

/// Margin impact of hypothetical orders on a request's book, in one stateless call:
/// `{ before, after, change, pools, canAfford, orders }`.
#[wasm_bindgen(js_name = marginImpact, unchecked_return_type = "Impact")]
pub fn margin_impact(
    #[wasm_bindgen(unchecked_param_type = "Request | string")] request: JsValue,
    #[wasm_bindgen(unchecked_param_type = "string | PositionObject[]")] orders: JsValue,
) -> Result<JsValue, JsValue> {
    let request = parse_request_js(&request)?;
    let orders = orders_value(&orders)?;
    serialize(&crate::api::margin_impact(&request, &orders).map_err(|e| js_error(&e))?)
}

/// One book under several models side by side, valued once: for each model IM, MM, the worst
/// scenario and the saving against standard margin (`models`: preset names, presets with
/// overrides or full models; default every preset), and across venues when positions name theirs
/// (`venueModels`: `{ okx: "okx-pm", … }` sets a venue's model).
/// In the full build (`portfolio-margin/full`): it runs every preset, es-margin's Monte Carlo too.
#[cfg(feature = "analysis")]
#[wasm_bindgen(js_name = compareModels, unchecked_return_type = "Comparison")]
pub fn compare_models(
    #[wasm_bindgen(unchecked_param_type = "Request | string")] request: JsValue,
    #[wasm_bindgen(unchecked_param_type = "ModelInput[] | null")] models: JsValue,
    #[wasm_bindgen(js_name = venueModels, unchecked_param_type = "Partial<Record<Venue, ModelInput>> | null")]
    venue_models: JsValue,
) -> Result<JsValue, JsValue> {
    let request = parse_request_js(&request)?;
    let read = |v: &JsValue, what: &str| -> Result<Option<serde_json::Value>, JsValue> {
        if v.is_null() || v.is_undefined() {
            return Ok(None);
        }
        let text = to_json_text(v, what)?;
        crate::input::json::parse_json_at(&text, what, what.trim_start_matches("the "))
            .map(Some)
            .map_err(|e| js_error(&e))
    };
    let models = read(&models, "the models")?;
    let venue_models = read(&venue_models, "the venueModels")?;
    serialize(
        &crate::api::compare(&request, models.as_ref(), venue_models.as_ref())
            .map_err(|e| js_error(&e))?,
    )
}

/// A standing book kept in WebAssembly memory: `impact(orders)` values only the new legs.
/// Freed automatically when garbage-collected; `free()` releases it at once.
#[wasm_bindgen]
pub struct RiskSession {
    inner: crate::api::Session,
}

#[wasm_bindgen]
impl RiskSession {
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "Request | string")] request: JsValue,
    ) -> Result<RiskSession, JsValue> {
        let request = parse_request_js(&request)?;
        Ok(RiskSession {
            inner: crate::api::session(&request).map_err(|e| js_error(&e))?,
        })
    }

    /// The full report of the standing book.
    #[wasm_bindgen(unchecked_return_type = "Report")]
    pub fn report(&self) -> Result<JsValue, JsValue> {
        serialize(&crate::api::session_report(&self.inner).map_err(|e| js_error(&e))?)
    }

    /// Margin impact of adding `orders` (pasted text or an array of positions) at their marks.
    #[wasm_bindgen(unchecked_return_type = "Impact")]
    pub fn impact(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string | PositionObject[]")] orders: JsValue,
    ) -> Result<JsValue, JsValue> {
        let orders = orders_value(&orders)?;
        serialize(&crate::api::impact(&self.inner, &orders).map_err(|e| js_error(&e))?)
    }

    /// Number of positions in the standing book.
    #[wasm_bindgen(getter, js_name = positionCount)]
    pub fn position_count(&self) -> usize {
        crate::api::position_count(&self.inner)
    }
}
