//! SPAN-style, custom grids and overrides (SPEC §3.3–3.4), by law.
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::*;
use serde_json::{json, Value};

fn market() -> Value {
    json!({ "asOf": "2026-11-24T08:00:00Z", "correlations": { "BTC/ETH": 0.8 },
            "underlyings": { "BTC": { "index": 95000.0, "futures": { "2026-12-25": 95600.0, "2027-03-26": 97100.0 }, "iv": 0.55 },
                             "ETH": { "index": 3400.0, "carry": 0.05, "iv": 0.7 },
                             "SOL": { "index": 240.0, "iv": 0.8 } } })
}

fn pool<'a>(r: &'a Value, name: &str) -> &'a Value {
    r["margin"]["pools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["pool"] == name)
        .unwrap()
}

#[test]
fn span_has_16_scenarios_and_extremes_count_at_35_percent() {
    let r = report(
        &json!({ "positions": "BTC_USDC-PERPETUAL 2", "market": market(), "model": "span" }),
    );
    let p = pool(&r, "BTC_USDC");
    let s = &p["scenarios"];
    let labels = s["labels"].as_array().unwrap();
    assert_eq!(labels.len(), 16);
    let moves = s["priceMoves"].as_array().unwrap();
    let pnl = s["pnl"].as_array().unwrap();
    let weights = s["weights"].as_array().unwrap();
    for i in 0..16 {
        let m = moves[i].as_f64().unwrap();
        let w = weights[i].as_f64().unwrap();
        // a delta-one linear book: P&L = q·F·m, counted at the scenario's weight
        let expected = w * 2.0 * 95000.0 * m;
        assert!(
            close(pnl[i].as_f64().unwrap(), expected, 1e-12),
            "{}: {} vs {expected}",
            labels[i],
            pnl[i]
        );
        if m.abs() > 0.15 + 1e-12 {
            assert_eq!(w, 0.35, "extreme scenario {}", labels[i]);
        }
    }
    // scan risk: the largest loss, −15 % (28 500) beats 0.35 × −30 % (19 950)
    assert!(close(
        p["worstCase"].as_f64().unwrap(),
        2.0 * 95000.0 * 0.15,
        1e-12
    ));
    assert!(close(
        p["maintenance"].as_f64().unwrap(),
        p["initial"].as_f64().unwrap() / 1.1,
        1e-12
    ));
}

#[test]
fn span_spread_charge_and_short_option_minimum() {
    // offsetting futures deltas across expiries: charge 1 % of the offsetting coin amount, in
    // perpetual-equivalent deltas (q·F/S: the March leg's −2 coin at 97 100 is −2·97 100/95 000)
    let r = report(
        &json!({ "positions": "BTC_USDC-25DEC26 3\nBTC_USDC-26MAR27 -2", "market": market(), "model": "span" }),
    );
    let s = &pool(&r, "BTC_USDC")["scenarios"];
    assert!(close(
        s["spreadCharge"].as_f64().unwrap(),
        0.01 * 2.0 * 97100.0,
        1e-12
    ));
    // a far out-of-the-money short option: the short option minimum (1 % of S per coin) binds
    let r = report(
        &json!({ "positions": "BTC_USDC-25DEC26-300000-C -4", "market": market(), "model": "span" }),
    );
    let p = pool(&r, "BTC_USDC");
    let minimum = 0.01 * 95000.0 * 4.0;
    assert!(close(
        p["scenarios"]["shortOptionMinimum"].as_f64().unwrap(),
        minimum,
        1e-12
    ));
    assert!(p["scenarios"]["scanRisk"].as_f64().unwrap() < minimum);
    // the SPAN requirement is the maintenance margin; initial is 110 % of it (SPEC §3.3)
    assert!(close(p["maintenance"].as_f64().unwrap(), minimum, 1e-12));
    assert!(close(p["initial"].as_f64().unwrap(), 1.1 * minimum, 1e-12));
}

#[test]
fn custom_grid_with_a_time_shift_is_theta_aware() {
    let model = json!({ "name": "one-day-theta", "kind": "scenario-grid", "priceMoves": [0.0], "volShifts": [{ "relative": 0.0 }],
                        "timeShiftDays": 1, "maintenanceFactor": 0.8 });
    let r = report(
        &json!({ "positions": "BTC_USDC-26MAR27-100000-C 1", "market": market(), "model": model }),
    );
    let theta = r["positions"][0]["greeks"]["theta"].as_f64().unwrap();
    let pnl = pool(&r, "BTC_USDC")["scenarios"]["pnl"][0]
        .as_f64()
        .unwrap();
    // one day of decay at unchanged price and vol ≈ theta (per calendar day), to second order
    assert!(
        (pnl - theta).abs() <= 0.01 * theta.abs(),
        "1-day P&L {pnl} vs theta {theta}"
    );
    assert_eq!(r["model"]["name"], "one-day-theta");
}

#[test]
fn preset_overrides_field_by_field_and_typos_are_errors() {
    // an unknown key is BAD_REQUEST at its path everywhere (SPEC §2), in a model's overrides too
    let model = json!({ "preset": "deribit-pm", "overrides": { "underlyings": { "BTC": { "priceRange": 0.2 } } } });
    let r =
        report(&json!({ "positions": "BTC-PERPETUAL 100000", "market": market(), "model": model }));
    assert_eq!(
        r["model"]["params"]["underlyings"]["BTC"]["priceRange"],
        0.2
    );
    assert_eq!(r["model"]["params"]["underlyings"]["BTC"]["volUp"], 0.5); // untouched fields stay
    assert_eq!(r["margin"]["pools"][0]["riskMatrix"]["priceMoves"][0], -0.2);
    let bad = json!({ "positions": "", "model": { "preset": "deribit-pm", "overrides": { "underlyings": { "BTC": { "priceRnage": 0.2 } } } } });
    let e = portfolio_margin::report_json(&bad.to_string()).unwrap_err();
    assert_eq!(
        (e.code_str(), e.path.as_deref()),
        (
            "BAD_REQUEST",
            Some("model.overrides.underlyings.BTC.priceRnage")
        )
    );
    let names: Vec<String> = portfolio_margin::api::list_models()
        .into_iter()
        .map(|m| m.name)
        .collect();
    assert_eq!(
        names,
        [
            "deribit-pm",
            "deribit-standard",
            "span",
            "es-margin",
            "okx-pm",
            "bybit-pm",
            "bybit-standard"
        ]
    );
}

#[test]
fn standard_model_reports_standard_margin_as_the_pool_margin() {
    let r = report(
        &json!({ "positions": "BTC-25DEC26-100000-C -10\nBTC-PERPETUAL 100000", "market": market(), "model": "deribit-standard" }),
    );
    let p = pool(&r, "BTC");
    assert_eq!(p["initial"], p["standard"]["initial"]);
    assert!(p.get("riskMatrix").is_none());
}
