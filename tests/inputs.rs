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
    // settled (SPEC §3.1 step 11): no Greeks, no standard margin
    assert_eq!(p["greeks"]["delta"], 0.0);
    assert_eq!(p["standardMargin"]["initial"], 0.0);
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

/// The error of a request given as JSON text (duplicates need the text: a `Value` cannot hold them).
fn request_error(text: &str) -> portfolio_margin::Error {
    portfolio_margin::parse_request(text).unwrap_err()
}

#[test]
fn a_duplicate_key_is_bad_request_at_its_path_at_every_depth() {
    let m =
        r#"{"asOf": "2026-11-24T08:00:00Z", "underlyings": {"BTC": {"index": 95000, "iv": 0.55}}}"#;
    for (text, path) in [
        (
            format!(r#"{{"positions": "BTC-PERPETUAL 1", "market": {m}, "market": {m}}}"#),
            "market",
        ),
        (
            r#"{"positions": "BTC-PERPETUAL 1", "market": {"asOf": "2026-11-24T08:00:00Z", "underlyings": {"BTC": {"index": 95000, "iv": 0.5}, "BTC": {"index": 1}}}}"#.to_string(),
            "market.underlyings.BTC",
        ),
        (
            r#"{"positions": "BTC-PERPETUAL 1", "market": {"asOf": "2026-11-24T08:00:00Z", "underlyings": {"BTC": {"index": 95000, "iv": 0.5, "index": 95000}}}}"#.to_string(),
            "market.underlyings.BTC.index",
        ),
        (
            r#"{"positions": [{"instrument": "BTC-PERPETUAL", "quantity": 1}, {"instrument": "BTC-PERPETUAL", "quantity": 1, "quantity": -1}]}"#.to_string(),
            "positions[1].quantity",
        ),
        (
            r#"{"positions": [{"instrument": {"underlying": "BTC", "kind": "perpetual", "kind": "future"}, "quantity": 1}]}"#.to_string(),
            "positions[0].instrument.kind",
        ),
        (
            r#"{"positions": "BTC-PERPETUAL 1", "model": {"preset": "deribit-pm", "overrides": {"currencies": {"BTC": {"pnlOffset": 0, "pnlOffset": 0}}}}}"#.to_string(),
            "model.overrides.currencies.BTC.pnlOffset",
        ),
        (
            r#"{"positions": "BTC-PERPETUAL 1", "account": {"collateral": {"BTC": 1, "USDC": 5, "BTC": 2}}}"#.to_string(),
            "account.collateral.BTC",
        ),
        (
            r#"{"positions": "BTC-PERPETUAL 1", "analysis": {"var": {}, "var": {}}}"#.to_string(),
            "analysis.var",
        ),
    ] {
        let e = request_error(&text);
        assert_eq!(
            (e.code_str(), e.path.as_deref()),
            ("BAD_REQUEST", Some(path)),
            "{text}: {}",
            e.to_json()
        );
    }
    // in pasted JSON-array text the path is the one its other errors use
    let e = request_error(
        r#"{"positions": "[{\"instrument\": \"BTC-PERPETUAL\", \"quantity\": 1, \"quantity\": 2}]"}"#,
    );
    assert_eq!(
        (e.code_str(), e.path.as_deref()),
        ("BAD_REQUEST", Some("[0].quantity"))
    );
    // and in orders
    let orders = portfolio_margin::api::orders_json(
        r#"[{"instrument": "BTC-PERPETUAL", "quantity": 1, "quantity": 2}]"#,
    )
    .unwrap_err();
    assert_eq!(orders.path.as_deref(), Some("orders[0].quantity"));
}

#[test]
fn unknown_keys_are_bad_request_and_null_is_absent() {
    for (request, path) in [
        (
            json!({ "positions": "BTC-PERPETUAL 1", "model": { "preset": "deribit-pm", "typo": 1 } }),
            "model.typo",
        ),
        (
            json!({ "positions": "BTC-PERPETUAL 1", "account": { "collateral": { "BTC": 1 }, "typo": null } }),
            "account.typo",
        ),
        (
            json!({ "positions": [{ "instrument": "BTC-PERPETUAL", "quantity": 1, "mark": 90000, "price": 90000 }], "market": market() }),
            "positions[0].price",
        ),
    ] {
        let e = request_error(&request.to_string());
        assert_eq!(
            (e.code_str(), e.path.as_deref()),
            ("BAD_REQUEST", Some(path)),
            "{}",
            e.to_json()
        );
    }
    // JSON null is an absent field, everywhere
    let mut m = market();
    m["correlations"] = serde_json::Value::Null;
    m["rate"] = serde_json::Value::Null;
    m["underlyings"]["BTC"]["futures"] = serde_json::Value::Null;
    let with_nulls = report(&json!({
        "positions": [{ "instrument": "BTC-PERPETUAL", "quantity": 1000, "mark": null, "price": 95000, "iv": null }],
        "market": m, "model": { "preset": "deribit-pm", "overrides": null }, "account": null, "analysis": null }));
    let plain = report(&json!({
        "positions": [{ "instrument": "BTC-PERPETUAL", "quantity": 1000, "price": 95000 }], "market": market() }));
    assert_close(&with_nulls["margin"], &plain["margin"], 0.0, "margin");
}
