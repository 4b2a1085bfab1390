//! Laws of Black-76 pricing that hold for any inputs (proptest, 256 cases each), and laws of the
//! report's per-position figures.
//!
//! Input ranges: F log-uniform in [0.01, 1e6], K/F log-uniform in [0.2, 5], T log-uniform in
//! [1 hour, 3 years], σ log-uniform in [0.05, 5], r uniform in [−0.05, 0.1].
//!
//! Finite-difference tolerances are derived, not tuned (see `check_fd`): the analytic Greek is
//! compared with the central difference at step h/2; allowed are its truncation error, estimated
//! by step halving as |D(h) − D(h/2)| (three times D(h/2)'s own O(h²) error), plus its round-off
//! δ/(h/2), plus 1e-9 relative. The round-off δ of one evaluation is bounded from how the price is
//! computed: d1 carries an absolute error δd ≈ ε·(1 + |ln(F/K)|/(σ√T) + σ√T) (ln(F/K) rounded,
//! then divided by σ√T), so   δV ≈ ε·(F + K) + F·φ(d1)·δd,   δΔ ≈ ε + φ(d1)·δd,
//! δvega ≈ vega·(ε + |d1|·δd);  each bound is multiplied by a safety factor of 16. A Greek off by
//! 1e-7 relative fails (checked by mutation while writing these tests).
//!
//! `PROPTEST_CASES=20000 cargo test --release --test laws_pricing` runs a longer search.
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::*;

use portfolio_margin::pricing::black76::{greeks, implied_vol, price};
use portfolio_margin::ErrorCode;
use proptest::prelude::*;
use serde_json::{json, Value};

const EPS: f64 = f64::EPSILON;
const HOUR: f64 = 1.0 / 8760.0;
/// Absolute floor for products that may be subnormal (the relative ulp is lost below this).
const TINY: f64 = f64::MIN_POSITIVE;

#[derive(Debug, Clone, Copy)]
struct Inputs {
    f: f64,
    k: f64,
    t: f64,
    sigma: f64,
    r: f64,
    call: bool,
}

fn inputs() -> impl Strategy<Value = Inputs> {
    (
        log_uniform(0.01, 1e6),
        log_uniform(0.2, 5.0),
        log_uniform(HOUR, 3.0),
        log_uniform(0.05, 5.0),
        -0.05f64..=0.1,
        any::<bool>(),
    )
        .prop_map(|(f, m, t, sigma, r, call)| Inputs {
            f,
            k: f * m,
            t,
            sigma,
            r,
            call,
        })
}

impl Inputs {
    fn v(&self, f: f64, t: f64, sigma: f64, r: f64) -> f64 {
        price(f, self.k, t, sigma, r, self.call)
    }
    fn sd(&self) -> f64 {
        self.sigma * self.t.sqrt()
    }
    fn d1(&self) -> f64 {
        (self.f / self.k).ln() / self.sd() + 0.5 * self.sd()
    }
    /// Absolute error bound of d1 as computed.
    fn dd(&self) -> f64 {
        EPS * (1.0 + (self.f / self.k).ln().abs() / self.sd() + self.sd())
    }
    fn phi(&self) -> f64 {
        (-0.5 * self.d1() * self.d1()).exp() / (2.0 * std::f64::consts::PI).sqrt()
    }
    /// Round-off bounds (× 16) of one evaluation of price, delta and vega (per vol point).
    fn err_price(&self) -> f64 {
        16.0 * (EPS * (self.f + self.k) + self.f * self.phi() * self.dd())
    }
    fn err_delta(&self) -> f64 {
        16.0 * (EPS + self.phi() * self.dd())
    }
    fn err_vega(&self) -> f64 {
        let vega_scale = self.f * self.t.sqrt() / 100.0 * self.phi();
        16.0 * vega_scale * (EPS + self.d1().abs() * self.dd())
    }
    /// The OTM option's undiscounted price: the time value of either option.
    fn time_value(&self) -> f64 {
        let otm_call = self.k >= self.f;
        price(self.f, self.k, self.t, self.sigma, 0.0, otm_call)
    }
}

#[track_caller]
fn close(
    what: &str,
    inp: &Inputs,
    analytic: f64,
    fd: f64,
    rel: f64,
    abs: f64,
) -> Result<(), TestCaseError> {
    let err = (analytic - fd).abs();
    let allowed = rel * analytic.abs() + abs;
    prop_assert!(
        err <= allowed,
        "{what}: analytic {analytic:e}, finite difference {fd:e}, error {err:e} > allowed {allowed:e} for {inp:?}"
    );
    Ok(())
}

/// Compare an analytic Greek with the central difference `fd(h)`. The truncation error is
/// estimated by step halving: D(h/2) is compared, and |D(h) − D(h/2)| (three times D(h/2)'s own
/// O(h²) error) is allowed, plus the round-off of D(h/2): `err` (the round-off of one evaluation)
/// × `unit` / (h/2), plus 1e-9 relative. A wrong formula stays wrong as h → 0 and still fails.
#[track_caller]
fn check_fd(
    what: &str,
    inp: &Inputs,
    analytic: f64,
    h: f64,
    err: f64,
    unit: f64,
    fd: impl Fn(f64) -> f64,
) -> Result<(), TestCaseError> {
    let coarse = fd(h);
    let fine = fd(h / 2.0);
    // (+1e-300: below it the Greek and its difference are subnormal noise)
    let allowed = (coarse - fine).abs() + err * unit / (h / 2.0) + 1e-9 * analytic.abs() + 1e-300;
    let error = (analytic - fine).abs();
    prop_assert!(
        error <= allowed,
        "{what}: analytic {analytic:e}, finite difference {fine:e} (step h/2; {coarse:e} at h), \
         error {error:e} > allowed {allowed:e} for {inp:?}"
    );
    Ok(())
}

proptest! {
    #![proptest_config(proptest_config())]

    /// C − P = e^(−rT)(F − K), to a few ulps of max(F, K).
    #[test]
    fn put_call_parity(inp in inputs()) {
        let c = price(inp.f, inp.k, inp.t, inp.sigma, inp.r, true);
        let p = price(inp.f, inp.k, inp.t, inp.sigma, inp.r, false);
        let want = (-inp.r * inp.t).exp() * (inp.f - inp.k);
        close("parity C − P", &inp, c - p, want, 0.0, 16.0 * EPS * (inp.f + inp.k))?;
        prop_assert!(c >= 0.0 && p >= 0.0);
    }

    /// Γ, vega, vanna and volga do not depend on call/put; theta and rho differ by the parity terms.
    #[test]
    fn call_and_put_share_second_order_greeks(inp in inputs()) {
        let c = greeks(inp.f, inp.k, inp.t, inp.sigma, inp.r, true);
        let p = greeks(inp.f, inp.k, inp.t, inp.sigma, inp.r, false);
        prop_assert_eq!(c.gamma, p.gamma);
        prop_assert_eq!(c.vega, p.vega);
        prop_assert_eq!(c.vanna, p.vanna);
        prop_assert_eq!(c.volga, p.volga);
        let fwd = (-inp.r * inp.t).exp() * (inp.f - inp.k);
        close("delta_c − delta_p = D", &inp, c.delta - p.delta, (-inp.r * inp.t).exp(), 0.0, 4.0 * EPS)?;
        close("theta_c − theta_p", &inp, c.theta - p.theta, inp.r * fwd / 365.0, 0.0,
              16.0 * EPS * (inp.f + inp.k) * inp.r.abs() / 365.0 + 4.0 * EPS * c.theta.abs().max(p.theta.abs()))?;
        close("rho_c − rho_p", &inp, c.rho - p.rho, -inp.t * fwd / 100.0, 0.0,
              16.0 * EPS * (inp.f + inp.k) * inp.t / 100.0)?;
    }

    /// Every Greek is the central finite difference of the price (or of delta/vega for the cross
    /// and second derivatives). Skipped only where the price is below 1e-10·F: there every Greek
    /// is below ~1e-9 of its scale and the differences measure round-off, not the derivative.
    #[test]
    fn greeks_are_derivatives_of_the_price(inp in inputs()) {
        let Inputs { f, k, t, sigma, r, call } = inp;
        let g = greeks(f, k, t, sigma, r, call);
        if g.price < 1e-10 * f {
            return Ok(());
        }
        // steps of 1e-4 in the natural variable: F in units of F·σ√T, σ and T relative, r absolute
        let hf = 1e-4 * inp.sd().min(1.0) * f;
        let hs = 1e-4 * sigma;
        let ht = 1e-4 * t;
        let hr = 1e-4;
        let gk = |x: f64, tt: f64, s: f64| greeks(x, k, tt, s, r, call);
        check_fd("delta", &inp, g.delta, hf, inp.err_price(), 1.0,
                 |h| (inp.v(f + h, t, sigma, r) - inp.v(f - h, t, sigma, r)) / (2.0 * h))?;
        check_fd("gamma (from delta)", &inp, g.gamma, hf, inp.err_delta(), 1.0,
                 |h| (gk(f + h, t, sigma).delta - gk(f - h, t, sigma).delta) / (2.0 * h))?;
        // the second difference of the price, step 1e-2 sd: round-off 4δV/h²
        let h2 = 1e2 * hf;
        check_fd("gamma (second difference)", &inp, g.gamma, h2, 4.0 * inp.err_price() / h2, 1.0,
                 |h| (inp.v(f + h, t, sigma, r) - 2.0 * g.price + inp.v(f - h, t, sigma, r)) / (h * h))?;
        check_fd("vega", &inp, g.vega, hs, inp.err_price(), 0.01,
                 |h| (inp.v(f, t, sigma + h, r) - inp.v(f, t, sigma - h, r)) / (2.0 * h) / 100.0)?;
        check_fd("theta", &inp, g.theta, ht, inp.err_price(), 1.0 / 365.0,
                 |h| -(inp.v(f, t + h, sigma, r) - inp.v(f, t - h, sigma, r)) / (2.0 * h) / 365.0)?;
        check_fd("rho", &inp, g.rho, hr, inp.err_price(), 0.01,
                 |h| (inp.v(f, t, sigma, r + h) - inp.v(f, t, sigma, r - h)) / (2.0 * h) / 100.0)?;
        check_fd("vanna", &inp, g.vanna, hs, inp.err_delta(), 0.01,
                 |h| (gk(f, t, sigma + h).delta - gk(f, t, sigma - h).delta) / (2.0 * h) / 100.0)?;
        check_fd("volga", &inp, g.volga, hs, inp.err_vega(), 0.01,
                 |h| (gk(f, t, sigma + h).vega - gk(f, t, sigma - h).vega) / (2.0 * h) / 100.0)?;
    }

    /// IV(price(σ)) = σ to 1e-10 wherever the undiscounted time value is ≥ 1e-8·F; below that
    /// the solver either refuses with a typed code or returns a σ that reprices to 1e-12·F.
    ///
    /// For an in-the-money option the price handed to the solver is itself a rounded double,
    /// intrinsic + time value: its last-bit error ε·V moves the σ it implies by ε·V/(∂V/∂σ),
    /// which exceeds 1e-10 when the time value is small (e.g. F = 1, K = 3.56, T = 0.007,
    /// σ = 3.06: ∂V/∂σ ≈ 3e-7, V ≈ 2.6, so the exact inverse of the double V is ~2e-9 from σ).
    /// No solver can do better, so the 1e-10 law is asserted on the out-of-the-money price of the
    /// same (F, K, T, σ) — the same time value, well conditioned — and on the in-the-money
    /// price with 1e-10 + 4ε·V/(∂V/∂σ).
    #[test]
    fn implied_vol_inverts_the_price(inp in inputs()) {
        let Inputs { f, k, t, sigma, r, call } = inp;
        let tv = inp.time_value();
        let otm_call = k >= f;
        for is_call in [call, !call] {
            let g = greeks(f, k, t, sigma, r, is_call);
            let v = g.price;
            let got = implied_vol(v, f, k, t, r, is_call);
            let vega_raw = 100.0 * g.vega;
            if tv >= 1e-8 * f {
                let tol = if is_call == otm_call { 1e-10 } else { 1e-10 + 4.0 * EPS * v / vega_raw };
                match got {
                    Ok(s) => prop_assert!((s - sigma).abs() <= tol,
                        "implied vol {s} vs σ {sigma} (error {:e} > {tol:e}), call {is_call}, {inp:?}",
                        (s - sigma).abs()),
                    Err(e) => prop_assert!(false, "{}: {} for {inp:?} (time value {tv:e})",
                        e.code.as_str(), e.message),
                }
            } else {
                match got {
                    Ok(s) => {
                        prop_assert!(s.is_finite() && s > 0.0, "σ {s} for {inp:?}");
                        let back = price(f, k, t, s, r, is_call);
                        prop_assert!((back - v).abs() <= 1e-12 * f,
                            "implied vol {s} reprices to {back:e}, not {v:e}, call {is_call}, {inp:?}");
                    }
                    Err(e) => prop_assert!(
                        matches!(e.code, ErrorCode::BelowIntrinsic | ErrorCode::AboveMaximum),
                        "untyped outcome {} for {inp:?}", e.code.as_str()
                    ),
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Laws of the report's position figures
// ---------------------------------------------------------------------------------------------

const UNDERLYINGS: [(&str, f64); 3] = [("BTC", 95_000.0), ("ETH", 3_400.0), ("SOL", 240.0)];
/// Expiry codes after the market's asOf (2026-11-24 08:00 UTC): 3 days to 13 months.
const EXPIRIES: [&str; 6] = [
    "27NOV26", "4DEC26", "25DEC26", "26MAR27", "25JUN27", "31DEC27",
];

#[derive(Debug, Clone)]
struct PositionCase {
    /// Position object without its quantity.
    position: Value,
    quantity: f64,
    market: Value,
    inverse: bool,
    option: bool,
}

fn position_case() -> impl Strategy<Value = PositionCase> {
    (
        0usize..3,           // underlying
        0usize..6,           // kind: inverse/linear option, inverse/linear future, inverse/linear perp
        0usize..EXPIRIES.len(),
        log_uniform(0.5, 2.0), // strike / index
        any::<bool>(),       // call
        log_uniform(0.1, 3.0), // iv
        log_uniform(1e-3, 1e3), // |quantity| in coin
        any::<bool>(),       // short
        -0.05f64..0.2,       // carry
        -0.02f64..0.08,      // rate
        log_uniform(0.8, 1.25), // entry / index
    )
        .prop_map(|(u, kind, e, m, call, iv, size, short, carry, rate, entry)| {
            let (coin, index) = UNDERLYINGS[u];
            let expiry = EXPIRIES[e];
            let strike = (index * m).round().max(1.0);
            let cp = if call { "C" } else { "P" };
            let (name, inverse, option) = match kind {
                0 => (format!("{coin}-{expiry}-{strike}-{cp}"), true, true),
                1 => (format!("{coin}_USDC-{expiry}-{strike}-{cp}"), false, true),
                2 => (format!("{coin}-{expiry}"), true, false),
                3 => (format!("{coin}_USDC-{expiry}"), false, false),
                4 => (format!("{coin}-PERPETUAL"), true, false),
                5 => (format!("{coin}_USDC-PERPETUAL"), false, false),
                _ => (format!("{coin}_USDC-PERPETUAL"), false, false),
            };
            // inverse futures and perpetuals are sized in USD notional
            let quantity = if inverse && !option { size * index } else { size } * if short { -1.0 } else { 1.0 };
            let mut position = json!({ "instrument": name });
            if option {
                position["iv"] = json!(iv);
            } else {
                position["entry"] = json!((index * entry).round());
            }
            let mut underlyings = serde_json::Map::new();
            for (c, s) in UNDERLYINGS {
                underlyings.insert(c.into(), json!({ "index": s, "carry": carry, "iv": 0.6 }));
            }
            let market = json!({ "asOf": "2026-11-24T08:00:00Z", "rate": rate, "underlyings": underlyings });
            PositionCase { position, quantity, market, inverse, option }
        })
}

impl PositionCase {
    fn report(&self, quantity: f64) -> Value {
        let mut position = self.position.clone();
        position["quantity"] = json!(quantity);
        report_exact(&json!({ "positions": [position], "market": self.market }))
    }
}

/// Figures of a position that scale with its quantity.
const LINEAR_FIELDS: [&str; 4] = ["quantity", "quantityCoin", "value", "valueUsd"];
const LINEAR_GREEKS: [&str; 14] = [
    "delta",
    "deltaUsd",
    "gamma",
    "gammaUsd1pct",
    "vega",
    "theta",
    "rho",
    "vanna",
    "volga",
    "deltaForward",
    "deltaCoinAccount",
    "vegaCoin",
    "thetaCoin",
    "rhoCoin",
];
/// Figures that do not depend on the quantity.
const UNIT_FIELDS: [&str; 6] = ["mark", "markUsd", "forward", "iv", "tYears", "pool"];

fn scaled(what: &str, base: &Value, other: &Value, factor: f64) -> Result<(), TestCaseError> {
    match (base.as_f64(), other.as_f64()) {
        (Some(a), Some(b)) => {
            let want = factor * a;
            prop_assert!(
                (b - want).abs() <= 4.0 * EPS * want.abs() + TINY,
                "{what}: {b:e} is not {factor} × {a:e}"
            );
        }
        _ => prop_assert_eq!(
            base.is_null(),
            other.is_null(),
            "{}: present in one report only",
            what
        ),
    }
    Ok(())
}

proptest! {
    #![proptest_config(proptest_config())]

    /// 2× the position → 2× every Greek and value; the short is the exact negative; the figures
    /// per unit (mark, forward, iv, T) do not move.
    #[test]
    fn position_figures_are_linear_in_quantity(case in position_case()) {
        let one = case.report(case.quantity);
        let two = case.report(2.0 * case.quantity);
        let neg = case.report(-case.quantity);
        let (p1, p2, pn) = (&one["positions"][0], &two["positions"][0], &neg["positions"][0]);
        for k in LINEAR_FIELDS {
            scaled(k, &p1[k], &p2[k], 2.0)?;
            scaled(k, &p1[k], &pn[k], -1.0)?;
        }
        for k in LINEAR_GREEKS {
            scaled(k, &p1["greeks"][k], &p2["greeks"][k], 2.0)?;
            scaled(k, &p1["greeks"][k], &pn["greeks"][k], -1.0)?;
        }
        for k in UNIT_FIELDS {
            prop_assert_eq!(&p1[k], &p2[k], "{} changed with the quantity", k);
            prop_assert_eq!(&p1[k], &pn[k], "{} changed with the sign", k);
        }
        // the per-underlying totals of a one-position book are the position's Greeks
        // (the USD Greeks only: the per-underlying totals carry no …Coin fields)
        let coin = p1["underlying"].as_str().unwrap();
        for k in &LINEAR_GREEKS[..9] {
            // compared as numbers: the total of one -0.0 is 0.0
            prop_assert_eq!(one["greeks"][coin][k].as_f64(), p1["greeks"][k].as_f64(), "greeks.{}.{}", coin, k);
        }
        prop_assert_eq!(case.inverse, p1["settlement"] == "inverse");
        prop_assert_eq!(case.option, p1["kind"] == "option");
    }

    /// An inverse position's coin value is its USD value divided by its reference price; an
    /// inverse option's coin mark is its USD mark divided by the forward. Linear: value = valueUsd.
    #[test]
    fn inverse_value_is_usd_value_over_forward(case in position_case()) {
        let report = case.report(case.quantity);
        let p = &report["positions"][0];
        let f = p["forward"].as_f64().unwrap();
        let value = p["value"].as_f64().unwrap();
        let value_usd = p["valueUsd"].as_f64().unwrap();
        if case.inverse {
            let want = value_usd / f;
            prop_assert!((value - want).abs() <= 4.0 * EPS * want.abs() + TINY,
                "value {value:e} vs valueUsd/forward {want:e} for {p}");
            if case.option {
                let mark = p["mark"].as_f64().unwrap();
                let mark_usd = p["markUsd"].as_f64().unwrap();
                prop_assert!((mark - mark_usd / f).abs() <= 4.0 * EPS * mark.abs() + TINY);
                // an option's value is quantity × mark
                let q = p["quantity"].as_f64().unwrap();
                prop_assert!((value - q * mark).abs() <= 4.0 * EPS * value.abs() + TINY,
                    "value {value:e} vs quantity × mark {:e} for {p}", q * mark);
                prop_assert!((value_usd - q * mark_usd).abs() <= 4.0 * EPS * value_usd.abs() + TINY);
            }
        } else {
            prop_assert_eq!(value, value_usd);
        }
    }
}
