//! The finite guard (SPEC §2: no NaN or Infinity in a result): both writers of results, native JSON
//! (`api::to_json`, `report_json`) and the WebAssembly tape (`wasm::tape::to_tape`), refuse a
//! non-finite number anywhere in any result with `NUMERIC` and its JSON path.
#![cfg(not(target_arch = "wasm32"))]

use portfolio_margin::api;
use portfolio_margin::wasm::tape::to_tape;
use portfolio_margin::{Error, ErrorCode};
use serde::Serialize;
use std::collections::BTreeMap;

const BOOK: &str = "BTC-25DEC26-100000-C -12 iv=0.55\nBTC-25DEC26-85000-P -6 iv=0.62\nBTC-26MAR27 -200000 entry=97100\nBTC-PERPETUAL 150000 entry=95000\nBTC_USDC-25DEC26-90000-P -3 iv=0.6\nETH-PERPETUAL 20000 entry=3400";

fn request() -> api::Request {
    let json = serde_json::json!({
        "positions": BOOK,
        "account": { "collateral": { "BTC": 4.0, "USDC": 80000.0, "ETH": 10.0 } },
    });
    api::parse_request(&json.to_string()).unwrap()
}

/// Both writers refuse `value` with `NUMERIC` at `path`, and say so in words.
fn refused_at<T: Serialize>(value: &T, path: &str) {
    let check = |e: Error, writer: &str| {
        assert_eq!(e.code, ErrorCode::Numeric, "{writer}: {e}");
        assert_eq!(e.path.as_deref(), Some(path), "{writer}: {e}");
        assert_eq!(
            e.message,
            format!("{path} is not a finite number; check the inputs for extreme values"),
            "{writer}"
        );
        assert_eq!(e.issues.len(), 1, "{writer}");
        assert_eq!(e.issues[0].path.as_deref(), Some(path), "{writer}");
    };
    check(api::to_json(value).unwrap_err(), "json");
    check(api::to_json_pretty(value).unwrap_err(), "pretty json");
    check(to_tape(value).unwrap_err(), "tape");
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Book {
    books: Vec<Pool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Pool {
    by_coin: BTreeMap<String, Vec<Option<f64>>>,
    risk: Option<Risk>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Risk {
    worst_case: f64,
    cells: [f64; 3],
}

fn book() -> Book {
    let pool = || Pool {
        by_coin: [("BTC".to_string(), vec![Some(1.0), None, Some(3.0)])]
            .into_iter()
            .collect(),
        risk: Some(Risk {
            worst_case: 1.0,
            cells: [1.0, 2.0, 3.0],
        }),
    };
    Book {
        books: vec![pool(), pool(), pool()],
        note: None,
    }
}

#[test]
fn a_small_value_names_the_path_through_vecs_maps_and_options() {
    api::to_json(&book()).unwrap();
    to_tape(&book()).unwrap();

    let mut b = book();
    b.books[2]
        .by_coin
        .insert("ETH".into(), vec![None, Some(f64::NAN)]);
    refused_at(&b, "books[2].byCoin.ETH[1]");

    let mut b = book();
    if let Some(r) = b.books[1].risk.as_mut() {
        r.cells[2] = f64::NEG_INFINITY;
    }
    refused_at(&b, "books[1].risk.cells[2]");

    let mut b = book();
    if let Some(r) = b.books[0].risk.as_mut() {
        r.worst_case = f64::INFINITY;
    }
    refused_at(&b, "books[0].risk.worstCase");
}

#[test]
fn a_report_with_one_number_gone_bad_is_refused_at_that_number() {
    let report = api::report(&request()).unwrap();
    let json = api::to_json(&report).unwrap();
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&json).unwrap(),
        serde_json::from_str::<serde_json::Value>(&serde_json::to_string(&report).unwrap())
            .unwrap()
    );
    to_tape(&report).unwrap();

    let mut r = report.clone();
    let matrix = r.margin.pools[0].risk_matrix.as_mut().unwrap();
    matrix.pnl[1][3] = f64::NAN;
    refused_at(&r, "margin.pools[0].riskMatrix.pnl[1][3]");

    let mut r = report.clone();
    r.margin.pools[0].worst_case = Some(f64::INFINITY);
    refused_at(&r, "margin.pools[0].worstCase");

    let mut r = report.clone();
    r.positions[2].greeks.delta = f64::NAN;
    refused_at(&r, "positions[2].greeks.delta");

    let mut r = report.clone();
    r.positions[0].greeks.vega_coin = Some(f64::NAN);
    refused_at(&r, "positions[0].greeks.vegaCoin");

    let mut r = report.clone();
    r.positions[4].attribution.as_mut().unwrap().share = f64::NAN;
    refused_at(&r, "positions[4].attribution.share");

    // the per-underlying Greeks are flattened into the object beside `byExpiry`
    let mut r = report.clone();
    let btc = r.greeks.get_mut("BTC").unwrap();
    btc.total.gamma = f64::NAN;
    refused_at(&r, "greeks.BTC.gamma");
    let mut r = report.clone();
    let btc = r.greeks.get_mut("BTC").unwrap();
    btc.by_expiry.get_mut("2026-12-25").unwrap().theta = f64::INFINITY;
    refused_at(&r, "greeks.BTC.byExpiry.2026-12-25.theta");

    let mut r = report.clone();
    let account = r.account.as_mut().unwrap();
    let btc = account
        .accounts
        .iter_mut()
        .find(|a| a.currency == "BTC")
        .unwrap();
    btc.liquidation.get_mut("BTC").unwrap().down = Some(f64::NAN);
    refused_at(&r, "account.accounts[0].liquidation.BTC.down");

    let mut r = report.clone();
    r.account.as_mut().unwrap().accounts[1].equity_usd = f64::NEG_INFINITY;
    refused_at(&r, "account.accounts[1].equityUsd");

    let mut r = report.clone();
    r.market.index.insert("BTC".into(), f64::NAN);
    refused_at(&r, "market.index.BTC");

    let mut r = report.clone();
    r.margin.total_usd.saving = f64::NAN;
    refused_at(&r, "margin.totalUsd.saving");
}

#[test]
fn impact_parsed_positions_and_option_price_are_guarded_too() {
    let session = api::session(&request()).unwrap();
    let orders = serde_json::Value::String("BTC-25DEC26-100000-C 5".into());
    let impact = api::impact(&session, &orders).unwrap();
    api::to_json(&impact).unwrap();
    to_tape(&impact).unwrap();
    let mut i = impact.clone();
    i.pools[0].initial_after = f64::NAN;
    refused_at(&i, "pools[0].initialAfter");
    let mut i = impact.clone();
    i.after.available_funds = Some(f64::INFINITY);
    refused_at(&i, "after.availableFunds");

    let mut parsed = api::parse_positions(BOOK);
    to_tape(&parsed).unwrap();
    parsed.positions[2].quantity = f64::NAN;
    refused_at(&parsed, "positions[2].quantity");

    let query = r#"{"forward": 100000, "strike": 90000, "tYears": 0.5, "sigma": 0.6, "callPut": "put", "settlement": "inverse"}"#;
    let mut price = api::price_option(query).unwrap();
    api::to_json(&price).unwrap();
    price.theta_coin = Some(f64::NAN);
    refused_at(&price, "thetaCoin");

    let models = api::list_models();
    api::to_json(&models).unwrap();
    to_tape(&models).unwrap();
}

#[test]
fn the_option_price_keeps_its_json_shape() {
    let query = r#"{"forward": 100000, "strike": 90000, "tYears": 0.5, "sigma": 0.6, "callPut": "put", "settlement": "inverse"}"#;
    let json = api::to_json(&api::price_option(query).unwrap()).unwrap();
    // the keys of the JSON object it used to be, in its (sorted) order
    let expected = [
        "delta",
        "deltaCoinAccount",
        "gamma",
        "price",
        "priceCoin",
        "rho",
        "theta",
        "thetaCoin",
        "vanna",
        "vega",
        "vegaCoin",
        "volga",
    ];
    let at: Vec<usize> = expected
        .iter()
        .map(|k| json.find(&format!("\"{k}\":")).unwrap())
        .collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "{json}");
    assert_eq!(json.matches("\":").count(), expected.len(), "{json}");
    let linear =
        r#"{"forward": 100000, "strike": 90000, "tYears": 0.5, "sigma": 0.6, "callPut": "call"}"#;
    let json = api::to_json(&api::price_option(linear).unwrap()).unwrap();
    assert!(!json.contains("Coin"), "{json}");
}
