//! `marketFromDeribit`: a recorded-format `get_book_summary_by_currency` response becomes a market
//! that margins a book (tests/fixtures/deribit-book-summary-btc.json, made by make_deribit_fixture.py).
#![cfg(feature = "analysis")]

use portfolio_margin::api;

const FIXTURE: &str = include_str!("fixtures/deribit-book-summary-btc.json");

#[test]
fn the_imported_market_margins_a_book() {
    let m = api::market_from_deribit(FIXTURE).unwrap();
    let btc = &m.underlyings["BTC"];
    assert_eq!(
        btc.index, 91523.47,
        "the index is the venue's estimated delivery price"
    );
    assert_eq!(
        btc.futures["2026-12-25"], 91883.63,
        "a listed future's mark"
    );
    assert!(
        btc.futures.contains_key("2026-12-02"),
        "a synthetic forward from the options"
    );
    assert_eq!(btc.smiles.len(), 4);
    let market = api::to_json(&m).unwrap();
    let request = format!(
        r#"{{"positions":"BTC-PERPETUAL 10000\nBTC-25DEC26-100000-C -1","market":{market}}}"#
    );
    let report: serde_json::Value =
        serde_json::from_str(&api::report_json(&request).unwrap()).unwrap();
    assert_eq!(report["market"]["index"]["BTC"], 91523.47);
    assert_eq!(report["asOf"], "2026-12-01T19:59:59.863Z");
    let iv = report["positions"][1]["iv"].as_f64().unwrap();
    assert!(
        iv > 0.3 && iv < 0.7,
        "the option's vol comes from the imported smile: {iv}"
    );
    assert!(report["margin"]["totalUsd"]["initial"].as_f64().unwrap() > 0.0);
}

#[test]
fn several_responses_and_bare_arrays_are_read() {
    let one: serde_json::Value = serde_json::from_str(FIXTURE).unwrap();
    let bare = serde_json::to_string(&one["result"]).unwrap();
    let both = format!("[{FIXTURE}]");
    let a = api::to_json(&api::market_from_deribit(&bare).unwrap()).unwrap();
    let b = api::to_json(&api::market_from_deribit(&both).unwrap()).unwrap();
    assert_eq!(a, b);
}
