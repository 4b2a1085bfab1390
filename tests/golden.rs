//! The published fixture and the golden margin cases (computed by tests/reference/margin_reference.py,
//! an independent implementation) through the core entry.
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::*;
use serde_json::Value;

#[test]
fn deribit_pm_fixture() {
    let fx = fixture("deribit-pm-btc.json");
    let tol = fx["tolerance"].as_f64().unwrap();
    let report = report(&fx["request"]);
    let exp = &fx["expected"];
    let pool = &report["margin"]["pools"][0];
    assert_eq!(pool["pool"], exp["pool"]);
    for k in [
        "worstCase",
        "rollShock",
        "deltaShock",
        "initial",
        "maintenance",
    ] {
        assert_close(&pool[k], &exp[k], tol, k);
    }
    assert_close(
        &pool["worstScenario"]["priceMove"],
        &exp["worstScenario"]["priceMove"],
        tol,
        "worst move",
    );
    assert_close(
        &pool["riskMatrix"]["priceMoves"],
        &exp["priceMoves"],
        1e-12,
        "priceMoves",
    );
    // per-position P&L along the price axis, vol unchanged: the position's own vector equals the
    // pool's when it is alone in the pool
    for (name, vector) in exp["pnlByPosition"].as_object().unwrap() {
        let line = fx["request"]["positions"]
            .as_str()
            .unwrap()
            .lines()
            .find(|l| l.starts_with(name.as_str()))
            .unwrap();
        let mut single = fx["request"].clone();
        single["positions"] = Value::String(line.to_string());
        let r = common::report(&single);
        assert_close(
            &r["margin"]["pools"][0]["riskMatrix"]["pnlRaw"][1],
            vector,
            tol,
            name,
        );
    }
}

#[test]
fn golden_margin_cases() {
    let dir = root().join("tests/golden/margin");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 60,
        "expected at least 60 golden cases, found {}",
        files.len()
    );
    for file in files {
        let case: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        let name = file.file_name().unwrap().to_string_lossy().to_string();
        let tol = case["tolerance"].as_f64().unwrap();
        let report = report(&case["request"]);
        let pools = report["margin"]["pools"].as_array().unwrap();
        let expected = case["expected"]["pools"].as_array().unwrap();
        assert_eq!(pools.len(), expected.len(), "{name}: pool count");
        for (got, exp) in pools.iter().zip(expected) {
            let what = format!("{name} {}", exp["pool"]);
            assert_eq!(got["pool"], exp["pool"], "{what}");
            assert_eq!(got["currency"], exp["currency"], "{what}");
            assert_close(got, exp, tol, &what);
        }
        assert_close(
            &report["margin"]["totalUsd"],
            &case["expected"]["totalUsd"],
            tol,
            &format!("{name} totalUsd"),
        );
        if let Some(greeks) = case["expected"].get("greeks") {
            assert_close(&report["greeks"], greeks, tol, &format!("{name} greeks"));
        }
        if let Some(positions) = case["expected"]["positions"].as_array() {
            let got = report["positions"].as_array().unwrap();
            assert_eq!(got.len(), positions.len(), "{name}: position count");
            for (i, (g, e)) in got.iter().zip(positions).enumerate() {
                assert_eq!(g["instrument"], e["instrument"], "{name} positions[{i}]");
                assert_close(g, e, tol, &format!("{name} positions[{i}]"));
            }
        }
    }
}

/// Numbers as f64 (JS has one number type), so `1` and `1.0` compare equal.
fn as_js_numbers(v: Value) -> Value {
    match v {
        Value::Number(n) => n
            .as_f64()
            .and_then(serde_json::Number::from_f64)
            .map_or(Value::Null, Value::Number),
        Value::Array(a) => Value::Array(a.into_iter().map(as_js_numbers).collect()),
        Value::Object(o) => {
            Value::Object(o.into_iter().map(|(k, v)| (k, as_js_numbers(v))).collect())
        }
        v => v,
    }
}

/// The package hands reports to JS as a tape (src/wasm/tape.rs), not as JSON text: the value it carries
/// must be exactly the CLI's JSON report, bit for bit, for every golden book and the 1 000-position
/// benchmark book.
#[test]
fn the_tape_carries_every_report_exactly() {
    let mut requests: Vec<Value> = std::fs::read_dir(root().join("tests/golden/margin"))
        .unwrap()
        .map(|e| load(e.unwrap().path())["request"].clone())
        .collect();
    requests.push(fixture("deribit-pm-btc.json")["request"].clone());
    requests.push(serde_json::json!({ "positions": portfolio_margin::api::generated_book(1000) }));
    for request in requests {
        let parsed = portfolio_margin::parse_request(&request.to_string()).unwrap();
        let report = portfolio_margin::report(&parsed).unwrap();
        let via_json: Value =
            serde_json::from_str(&portfolio_margin::api::to_json(&report).unwrap()).unwrap();
        let via_tape = portfolio_margin::wasm::tape::to_tape(&report)
            .unwrap()
            .to_value()
            .unwrap();
        assert_eq!(as_js_numbers(via_tape), as_js_numbers(via_json));
    }
}
