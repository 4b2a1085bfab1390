//! Inputs end to end (SPEC §2): the three pasted formats agree, expired options, missing market.
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::*;
use serde_json::json;

fn market() -> serde_json::Value {
    json!({ "asOf": "2026-11-24T08:00:00Z", "underlyings": { "BTC": { "index": 95000.0, "carry": 0.03, "iv": 0.55 } } })
}

#[test]
fn line_csv_and_json_forms_give_the_same_report() {
    let m = market();
    let line = report(
        &json!({ "positions": "BTC-25DEC26-100000-C -10 iv=0.6\nBTC-PERPETUAL 20000USD entry=94000", "market": m }),
    );
    let csv = report(
        &json!({ "positions": "entry,iv,quantity,instrument\n,0.6,-10,BTC-25DEC26-100000-C\n94000,,20000USD,BTC-PERPETUAL", "market": m }),
    );
    let array = report(&json!({ "positions": [
        { "instrument": "BTC-25DEC26-100000-C", "quantity": -10, "iv": 0.6 },
        { "instrument": { "underlying": "BTC", "kind": "perpetual" }, "quantity": 20000, "unit": "usd", "entry": 94000 } ], "market": m }));
    for other in [&csv, &array] {
        assert_close(&other["margin"], &line["margin"], 1e-15, "margin");
        assert_close(&other["greeks"], &line["greeks"], 1e-15, "greeks");
    }
}

#[test]
fn an_expired_option_is_valued_at_intrinsic_with_a_warning() {
    let r = report(
        &json!({ "positions": "BTC-PERPETUAL 1000\nBTC-20NOV26-90000-C 2", "market": market() }),
    );
    let w = &r["warnings"][0];
    assert_eq!(
        (w["code"].as_str(), w["line"].as_u64()),
        (Some("EXPIRED"), Some(2))
    );
    let p = &r["positions"][1];
    assert!(
        close(
            p["valueUsd"].as_f64().unwrap(),
            2.0 * (95000.0 - 90000.0),
            1e-12
        ),
        "{}",
        p["valueUsd"]
    );
    assert_eq!(p["greeks"]["delta"], 2.0);
}

#[test]
fn a_missing_underlying_is_missing_market_naming_the_line() {
    let e = portfolio_margin::report_json(
        &json!({ "positions": "BTC-PERPETUAL 1\nETH-PERPETUAL 1", "market": market() }).to_string(),
    )
    .unwrap_err();
    assert_eq!((e.code_str(), e.line), ("MISSING_MARKET", Some(2)));
    assert!(e.message.contains("ETH"));
}

#[test]
fn option_marks_give_the_implied_vol_and_reprice_exactly() {
    let r = report(
        &json!({ "positions": "BTC-25DEC26-100000-C -1 @0.02\nBTC_USDC-25DEC26-100000-P 1 @7000", "market": market() }),
    );
    assert_eq!(r["positions"][0]["ivSource"], "mark");
    assert!(close(
        r["positions"][0]["mark"].as_f64().unwrap(),
        0.02,
        1e-12
    ));
    assert!(close(
        r["positions"][1]["markUsd"].as_f64().unwrap(),
        7000.0,
        1e-12
    ));
    let e = portfolio_margin::report_json(
        &json!({ "positions": "BTC_USDC-25DEC26-100000-P 1 @1", "market": market() }).to_string(),
    )
    .unwrap_err();
    assert_eq!((e.code_str(), e.line), ("BELOW_INTRINSIC", Some(1)));
}
