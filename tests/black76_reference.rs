//! Black-76 price, Greeks and implied vol against the independent reference values in
//! tests/golden/black76.json (tests/reference/black76_reference.py: mpmath at 60 digits, cross-checked
//! with QuantLib). Run with `cargo test --test black76_reference -- --nocapture` to see the worst
//! errors.
//!
//! Tolerances. Price: 1e-9 relative, or 1e-12·F absolute for prices near zero. Greeks: 1e-7
//! relative with an absolute floor of 1e-12 × the Greek's natural scale, where the scale is the
//! largest the Greek can be for that (F, K, T, σ, r) up to an O(1) factor:
//!   delta 1; gamma 1/F; vega F√T/100;
//!   theta (Fσ/√T + |r|·max(F, K))/365     — the r·V term: V ≤ max(F, K) (a put is worth up to K);
//!   rho T·max(F, K)/100                    — same reason (the brief's F·T/100 is too small for puts with K > F);
//!   vanna 1/(100σ)                         — |φ(d1)·d2| ≤ 0.25 + σ√T·0.4;
//!   volga F√T(1 + σ√T)/(10⁴σ)              — volga = vega·d1·d2/(100σ) and |φ(d1)·d1·d2| ≤ 0.25(1 + σ√T);
//!                                            100× tighter than F√T/(100σ), and still passes.
//! The inverse (coin) fields are the USD ones divided by F, with the scales divided by F as well.
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::*;

use portfolio_margin::pricing::black76::{greeks, implied_vol, OptionGreeks};
use serde_json::{json, Value};

const SECONDS_PER_YEAR: f64 = 365.0 * 86400.0;

fn num(v: &Value, k: &str) -> f64 {
    v[k].as_f64()
        .unwrap_or_else(|| panic!("field {k} missing or not a number in {v}"))
}

/// Worst errors seen for one quantity.
#[derive(Default, Clone)]
struct Worst {
    name: &'static str,
    /// Largest |got − expected| / |expected| over values above their absolute floor.
    rel: f64,
    rel_id: i64,
    /// Largest |got − expected| / (allowed error): ≤ 1 passes.
    ratio: f64,
    ratio_id: i64,
    checked: usize,
}

struct Tally {
    rows: Vec<Worst>,
    failures: Vec<String>,
}

impl Tally {
    fn new() -> Self {
        Tally {
            rows: Vec::new(),
            failures: Vec::new(),
        }
    }

    /// Check `got` against `expected` with `rel` relative tolerance or `abs` absolute floor.
    fn check(&mut self, name: &'static str, id: i64, got: f64, expected: f64, rel: f64, abs: f64) {
        let err = (got - expected).abs();
        let allowed = (rel * expected.abs()).max(abs);
        let row = match self.rows.iter_mut().position(|r| r.name == name) {
            Some(i) => &mut self.rows[i],
            None => {
                self.rows.push(Worst {
                    name,
                    ..Worst::default()
                });
                self.rows.last_mut().unwrap()
            }
        };
        row.checked += 1;
        if expected.abs() * rel > abs {
            let r = err / expected.abs();
            if r > row.rel {
                row.rel = r;
                row.rel_id = id;
            }
        }
        let ratio = if allowed > 0.0 { err / allowed } else { err };
        if ratio > row.ratio || !got.is_finite() {
            row.ratio = ratio;
            row.ratio_id = id;
        }
        if !(got.is_finite() && err <= allowed) {
            self.failures.push(format!(
                "case {id} {name}: got {got:e}, expected {expected:e}, error {err:e} > allowed {allowed:e}"
            ));
        }
    }

    fn print(&self, title: &str) {
        eprintln!("{title}");
        eprintln!(
            "  {:<22} {:>7} {:>14} {:>6} {:>14} {:>6}",
            "quantity", "checked", "worst rel err", "case", "err/allowed", "case"
        );
        for r in &self.rows {
            eprintln!(
                "  {:<22} {:>7} {:>14.3e} {:>6} {:>14.3e} {:>6}",
                r.name, r.checked, r.rel, r.rel_id, r.ratio, r.ratio_id
            );
        }
    }

    fn assert_ok(&self) {
        assert!(
            self.failures.is_empty(),
            "{} failures:\n{}",
            self.failures.len(),
            self.failures.join("\n")
        );
    }
}

/// The rows of one section of tests/golden/black76.json with every number read exactly.
///
/// serde_json without its `float_roundtrip` feature rounds about 1 number in 10 of this file 1 ulp
/// away from the nearest double, e.g. 0.00011415525114155251 (see
/// `request_numbers_are_read_exactly`). The reference values were computed from the exact doubles,
/// so the numbers are re-read here with `str::parse` (correctly rounded), whatever the features. The generator
/// writes one row per line: `{"id": 1, "callPut": "call", "forward": 95000.0, …}`.
fn golden_rows(section: &str) -> Vec<Value> {
    let path = common::root().join("tests/golden/black76.json");
    let text = std::fs::read_to_string(&path).unwrap();
    let start = text
        .find(&format!("\"{section}\": [\n"))
        .unwrap_or_else(|| panic!("no section {section}"));
    let body = &text[start..];
    let body = &body[body.find('\n').unwrap() + 1..];
    let body = &body[..body.find("\n]").unwrap()];
    body.lines()
        .map(|line| {
            let line = line.trim().trim_end_matches(',');
            let mut row: Value = serde_json::from_str(line).unwrap();
            for (key, value) in row.as_object_mut().unwrap() {
                if value.is_f64() {
                    let tag = format!("\"{key}\": ");
                    let at = line.find(&tag).unwrap() + tag.len();
                    let token: String = line[at..]
                        .chars()
                        .take_while(|c| !matches!(c, ',' | '}'))
                        .collect();
                    let exact: f64 = token.trim().parse().unwrap();
                    *value = json!(exact);
                }
            }
            row
        })
        .collect()
}

struct Case {
    id: i64,
    call: bool,
    inverse: bool,
    f: f64,
    k: f64,
    t: f64,
    sigma: f64,
    r: f64,
    v: Value,
}

fn cases() -> Vec<Case> {
    golden_rows("cases")
        .iter()
        .map(|c| Case {
            id: c["id"].as_i64().unwrap(),
            call: match c["callPut"].as_str().unwrap() {
                "call" => true,
                "put" => false,
                other => panic!("callPut {other}"),
            },
            inverse: c["settlement"] == "inverse",
            f: num(c, "forward"),
            k: num(c, "strike"),
            t: num(c, "tYears"),
            sigma: num(c, "sigma"),
            r: num(c, "rate"),
            v: c.clone(),
        })
        .collect()
}

/// Absolute floors (1e-12 × natural scale) of price and the Greeks.
struct Floors {
    price: f64,
    delta: f64,
    gamma: f64,
    vega: f64,
    theta: f64,
    rho: f64,
    vanna: f64,
    volga: f64,
}

fn floors(f: f64, k: f64, t: f64, sigma: f64, r: f64) -> Floors {
    let sq = t.sqrt();
    let big = f.max(k);
    let u = 1e-12;
    Floors {
        price: u * f,
        delta: u,
        gamma: u / f,
        vega: u * f * sq / 100.0,
        theta: u * (f * sigma / sq + r.abs() * big) / 365.0,
        rho: u * t * big / 100.0,
        vanna: u / (100.0 * sigma),
        volga: u * f * sq * (1.0 + sigma * sq) / (1e4 * sigma),
    }
}

const PRICE_REL: f64 = 1e-9;
const GREEK_REL: f64 = 1e-7;

fn check_greeks(tally: &mut Tally, c: &Case, g: &OptionGreeks) {
    let fl = floors(c.f, c.k, c.t, c.sigma, c.r);
    let e = |k: &str| num(&c.v, k);
    tally.check("price", c.id, g.price, e("price"), PRICE_REL, fl.price);
    tally.check("delta", c.id, g.delta, e("delta"), GREEK_REL, fl.delta);
    tally.check("gamma", c.id, g.gamma, e("gamma"), GREEK_REL, fl.gamma);
    tally.check("vega", c.id, g.vega, e("vega"), GREEK_REL, fl.vega);
    tally.check("theta", c.id, g.theta, e("theta"), GREEK_REL, fl.theta);
    tally.check("rho", c.id, g.rho, e("rho"), GREEK_REL, fl.rho);
    tally.check("vanna", c.id, g.vanna, e("vanna"), GREEK_REL, fl.vanna);
    tally.check("volga", c.id, g.volga, e("volga"), GREEK_REL, fl.volga);
}

/// The coin fields of an inverse case from USD figures `g` at forward `f`.
fn check_coin(tally: &mut Tally, prefix: usize, c: &Case, coin: [f64; 5]) {
    const NAMES: [[&str; 5]; 2] = [
        [
            "priceCoin",
            "deltaCoinAccount",
            "vegaCoin",
            "thetaCoin",
            "rhoCoin",
        ],
        [
            "report mark (coin)",
            "report deltaCoinAcct",
            "report vegaCoin",
            "report thetaCoin",
            "report rhoCoin",
        ],
    ];
    let fl = floors(c.f, c.k, c.t, c.sigma, c.r);
    let e = |k: &str| num(&c.v, k);
    let names = NAMES[prefix];
    let f = c.f;
    // deltaCoinAccount = delta − price/F: both terms are O(1); floor of the delta's scale.
    tally.check(
        names[0],
        c.id,
        coin[0],
        e("priceCoin"),
        PRICE_REL,
        fl.price / f,
    );
    tally.check(
        names[1],
        c.id,
        coin[1],
        e("deltaCoinAccount"),
        GREEK_REL,
        fl.delta,
    );
    tally.check(
        names[2],
        c.id,
        coin[2],
        e("vegaCoin"),
        GREEK_REL,
        fl.vega / f,
    );
    tally.check(
        names[3],
        c.id,
        coin[3],
        e("thetaCoin"),
        GREEK_REL,
        fl.theta / f,
    );
    tally.check(names[4], c.id, coin[4], e("rhoCoin"), GREEK_REL, fl.rho / f);
}

#[test]
fn prices_and_greeks_match_the_reference() {
    let cases = cases();
    assert_eq!(cases.len(), 630, "the golden file should hold 630 cases");
    let mut tally = Tally::new();
    let mut inverse = 0;
    for c in &cases {
        let g = greeks(c.f, c.k, c.t, c.sigma, c.r, c.call);
        check_greeks(&mut tally, c, &g);
        if c.inverse {
            inverse += 1;
            let coin = [
                g.price / c.f,
                g.delta - g.price / c.f,
                g.vega / c.f,
                g.theta / c.f,
                g.rho / c.f,
            ];
            check_coin(&mut tally, 0, c, coin);
        }
    }
    assert_eq!(inverse, 315);
    tally.print(&format!(
        "black76::greeks vs tests/golden/black76.json ({} cases, {inverse} inverse)",
        cases.len()
    ));
    tally.assert_ok();
}

// ---------------------------------------------------------------------------------------------
// The inverse (coin) figures through a one-position report
// ---------------------------------------------------------------------------------------------

/// Days since 1970-01-01 → (year, month, day) (H. Hinnant's civil_from_days).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// Expiry used for the report path. An early date keeps timestamps small (~1e8 s), so that the
/// fractional seconds of `asOf` survive the f64 arithmetic with ~1.5e-8 s resolution.
const EXPIRY: &str = "1973-06-01";
const EXPIRY_DAYS: i64 = 1247; // 1973-06-01 is day 1247 after 1970-01-01

/// `asOf` such that (expiry 08:00 UTC − asOf)/(365·86400) = T, as ISO text with fractional seconds.
fn as_of_for(t_years: f64) -> String {
    let expiry = EXPIRY_DAYS * 86_400 + 8 * 3600;
    let before = t_years * SECONDS_PER_YEAR;
    let whole = before.ceil() as i64;
    let frac = whole as f64 - before; // asOf = (expiry − whole) + frac
    let at = expiry - whole;
    let (y, m, d) = civil_from_days(at.div_euclid(86_400));
    let sod = at.rem_euclid(86_400);
    let secs = (sod % 60) as f64 + frac;
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{secs:015.12}Z",
        sod / 3600,
        (sod % 3600) / 60
    )
}

#[test]
fn expiry_day_constant_is_right() {
    assert_eq!(civil_from_days(EXPIRY_DAYS), (1973, 6, 1));
    for t in [1.0 / 8760.0, 30.0 / 365.0, 0.123_456_789, 3.0] {
        let text = as_of_for(t);
        let at = portfolio_margin::time::parse_instant(&text).unwrap();
        let expiry = (EXPIRY_DAYS * 86_400 + 8 * 3600) as f64;
        let back = (expiry - at) / SECONDS_PER_YEAR;
        assert!((back - t).abs() <= 1e-12 * t, "{text}: T {back} vs {t}");
    }
}

#[test]
fn inverse_coin_figures_through_the_report() {
    let mut tally = Tally::new();
    let (mut reported, mut compared, mut worst_t) = (0, 0, 0.0f64);
    let mut wiring = Vec::new();
    for c in cases().iter().filter(|c| c.inverse) {
        let request = json!({
            "positions": [{
                "instrument": {
                    "underlying": "BTC", "kind": "option", "settlement": "inverse",
                    "expiry": EXPIRY, "strike": c.k,
                    "optionType": if c.call { "call" } else { "put" },
                },
                "quantity": 1, "iv": c.sigma,
            }],
            "market": {
                "asOf": as_of_for(c.t), "rate": c.r,
                "underlyings": { "BTC": { "index": c.f, "carry": 0 } },
            },
        });
        let report = report_exact(&request);
        let p = &report["positions"][0];
        reported += 1;
        let (f, t) = (num(p, "forward"), num(p, "tYears"));
        assert_eq!(f, c.f, "case {}: carry 0 must give forward = index", c.id);
        let t_err = (t - c.t).abs() / c.t;
        worst_t = worst_t.max(t_err);
        assert!(t_err < 1e-9, "case {}: T {t} vs {}", c.id, c.t);
        let gr = &p["greeks"];
        let coin = [
            num(p, "mark"),
            num(gr, "deltaCoinAccount"),
            num(gr, "vegaCoin"),
            num(gr, "thetaCoin"),
            num(gr, "rhoCoin"),
        ];
        // wiring: the report's coin figures are exactly the formulas at the report's own (F, T)
        let g = greeks(f, c.k, t, c.sigma, c.r, c.call);
        let want = [
            g.price / f,
            g.delta - g.price / f,
            g.vega / f,
            g.theta / f,
            g.rho / f,
        ];
        for (i, (a, b)) in coin.iter().zip(want).enumerate() {
            if (a - b).abs() > 1e-15 * b.abs().max(1e-300) {
                wiring.push(format!(
                    "case {} field {i}: report {a:e}, formula {b:e}",
                    c.id
                ));
            }
        }
        assert_eq!(
            num(p, "value"),
            coin[0],
            "case {}: value of 1 coin = mark",
            c.id
        );
        assert!(
            (num(p, "valueUsd") - g.price).abs() <= 1e-15 * g.price,
            "case {}: valueUsd {} vs price {}",
            c.id,
            num(p, "valueUsd"),
            g.price
        );
        // against the reference only where T's rounding (relative t_err) cannot matter:
        // ∂ln V/∂ln T is at most ~(1 + d1² + d2²)/2, so the perturbation is ≤ t_err·(1 + d1² + d2²),
        // kept ≤ 1e-10 (a tenth of the price tolerance).
        let sd = c.sigma * c.t.sqrt();
        let d1 = (c.f / c.k).ln() / sd + 0.5 * sd;
        let d2 = d1 - sd;
        if t_err * (1.0 + d1 * d1 + d2 * d2) <= 1e-10 {
            compared += 1;
            check_coin(&mut tally, 1, c, coin);
        }
    }
    assert!(wiring.is_empty(), "{}", wiring.join("\n"));
    tally.print(&format!(
        "one-position reports: {reported} inverse cases, {compared} compared with the reference \
         (worst relative T rounding {worst_t:.2e})"
    ));
    assert!(
        compared * 10 >= reported * 9,
        "only {compared} of {reported} cases reproduce T closely enough"
    );
    tally.assert_ok();
}

// ---------------------------------------------------------------------------------------------
// Implied volatility
// ---------------------------------------------------------------------------------------------

#[test]
fn implied_vol_matches_the_reference() {
    let rows = golden_rows("impliedVol");
    assert_eq!(rows.len(), 240);
    let mut failures = Vec::new();
    let (mut worst, mut worst_id) = (0.0f64, 0);
    for c in &rows {
        let id = c["id"].as_i64().unwrap();
        let call = c["callPut"] == "call";
        let want = num(c, "sigma");
        match implied_vol(
            num(c, "price"),
            num(c, "forward"),
            num(c, "strike"),
            num(c, "tYears"),
            num(c, "rate"),
            call,
        ) {
            Ok(s) => {
                let err = (s - want).abs();
                if err > worst || !s.is_finite() {
                    worst = err;
                    worst_id = id;
                }
                if err.is_nan() || err > 1e-10 {
                    failures.push(format!("case {id}: sigma {s} vs {want} (error {err:e})"));
                }
            }
            Err(e) => failures.push(format!(
                "case {id}: error {} {}",
                e.code.as_str(),
                e.message
            )),
        }
    }
    eprintln!(
        "implied_vol vs reference: {} cases, worst |σ − σ_ref| = {worst:.3e} (case {worst_id})",
        rows.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn implied_vol_errors_are_typed() {
    let rows = golden_rows("impliedVolErrors");
    assert_eq!(rows.len(), 11);
    for c in &rows {
        let id = c["id"].as_i64().unwrap();
        let got = implied_vol(
            num(c, "price"),
            num(c, "forward"),
            num(c, "strike"),
            num(c, "tYears"),
            num(c, "rate"),
            c["callPut"] == "call",
        );
        let want = c["error"].as_str().unwrap();
        match got {
            Ok(s) => panic!("case {id}: expected {want}, got sigma {s}"),
            Err(e) => assert_eq!(e.code.as_str(), want, "case {id}: {}", e.message),
        }
    }
}

/// Numbers in a request must be read as the nearest double. serde_json's default float parser is
/// not correctly rounded — about 1 number in 10 of tests/golden/black76.json comes back 1 ulp
/// off, e.g. 0.00011415525114155251 → 1.1415525114155252e-4 — and the engine would then price a
/// slightly different option than the one sent. Guards `features = ["float_roundtrip"]` on
/// serde_json in Cargo.toml.
#[test]
fn request_numbers_are_read_exactly() {
    let text = "0.00011415525114155251";
    let exact: f64 = text.parse().unwrap();
    let json = format!(
        r#"{{"positions": "BTC-25DEC26-100000-C 1 iv={text}",
            "market": {{"asOf": "2026-11-24T08:00:00Z",
                        "underlyings": {{"BTC": {{"index": 95000, "carry": {text}}}}}}}}}"#
    );
    let request = portfolio_margin::parse_request(&json).unwrap();
    let market = request.market.as_ref().unwrap();
    assert_eq!(
        market.underlyings["BTC"].carry,
        Some(exact),
        "market carry {text} was not read as the nearest double"
    );
    let report = portfolio_margin::report(&request).unwrap();
    assert_eq!(
        report.positions[0].iv,
        Some(exact),
        "iv={text} in pasted text is read with str::parse (exact)"
    );
}
