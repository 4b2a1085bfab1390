//! The documented input ranges (README, "Input ranges") compute: at every corner of every range,
//! alone and combined with the other extremes, the report is finite (the `NUMERIC` guard never
//! fires), and just outside each range the reader refuses the value with `BAD_NUMBER`/`BAD_DATE`/
//! `BAD_MODEL` at its place.

use portfolio_margin::api;
use serde_json::{json, Value};

fn outcome(request: &Value) -> Result<Value, (String, Option<String>, String)> {
    api::report_json(&request.to_string())
        .map(|r| serde_json::from_str(&r).unwrap())
        .map_err(|e| (e.code_str().to_string(), e.path.clone(), e.message.clone()))
}

fn market(as_of: &str, index: f64, iv: f64, carry: f64, rate: f64) -> Value {
    json!({ "asOf": as_of, "rate": rate, "underlyings": {
        "BTC": { "index": index, "iv": iv, "carry": carry } } })
}

/// Every finite figure of a report: serde_json cannot hold a non-finite number, so a report that
/// parsed is finite; this also checks a few figures exist.
fn assert_computes(request: &Value, what: &str) {
    match outcome(request) {
        Ok(report) => {
            assert!(
                report["margin"]["totalUsd"]["initial"].is_number(),
                "{what}"
            );
        }
        Err(e) => panic!("{what}: {e:?}\n{request}"),
    }
}

#[test]
fn every_corner_of_the_numeric_ranges_computes() {
    let mut n = 0;
    // asOf 1970…2099 and expiries up to 2099: T from hours to ~130 years
    for (as_of, expiries) in [
        ("1970-01-01T00:00:00Z", ["3JAN00", "31DEC99"]),
        ("2099-12-31T07:00:00Z", ["31DEC99", "31DEC99"]),
        ("2026-11-24T08:00:00Z", ["25NOV26", "31DEC99"]),
    ] {
        for index in [1e-8, 1.0, 1e12] {
            for iv in [1e-4, 20.0] {
                for (carry, rate) in [(1.0, 1.0), (-1.0, -1.0), (1.0, -1.0)] {
                    for strike in ["0d00000001", "1000000000000"] {
                        for q in ["1000000000000", "-1000000000000"] {
                            let positions: Vec<String> = expiries
                                .iter()
                                .flat_map(|e| {
                                    [
                                        format!("BTC-{e}-{strike}-C {q}"),
                                        format!("BTC-{e}-{strike}-P {q}"),
                                        format!("BTC_USDC-{e}-{strike}-C {q}"),
                                        format!("BTC-{e} {q}"),
                                        format!("BTC_USDC-{e} {q}"),
                                    ]
                                })
                                .chain([
                                    format!("BTC-PERPETUAL {q}"),
                                    format!("BTC_USDC-PERPETUAL {q}"),
                                ])
                                .collect();
                            let request = json!({
                                "positions": positions.join("\n"),
                                "market": market(as_of, index, iv, carry, rate),
                                "account": { "collateral": { "BTC": 1e15, "USDC": -1e15 } },
                            });
                            assert_computes(
                                &request,
                                &format!(
                                    "{as_of} S={index} iv={iv} carry={carry} K={strike} q={q}"
                                ),
                            );
                            n += 1;
                        }
                    }
                }
            }
        }
    }
    assert_eq!(n, 3 * 3 * 2 * 3 * 2 * 2);
}

#[test]
fn marks_entries_and_small_amounts_at_their_corners_compute() {
    for price in ["0.00000001", "1000000000000"] {
        for index in [1e-8, 1e12] {
            let positions = format!(
                "BTC-PERPETUAL 1000000000000 @{price} entry={price}\nBTC-25DEC26 -1000000000000 @{price} entry={price}\nBTC_USDC-PERPETUAL 1000000000000 @{price} entry={price}\nBTC-25DEC26-100000-C 1 iv=0.0001 entry={price}"
            );
            for collateral in [5e-324, 0.0, -1e15, 1e15] {
                let request = json!({ "positions": positions, "market": market("2026-11-24", index, 0.5, 0.0, 0.0),
                    "account": { "collateral": { "BTC": collateral } } });
                assert_computes(
                    &request,
                    &format!("price {price} index {index} collateral {collateral}"),
                );
            }
        }
    }
    // futures marks at the basis bound ±3, smiles at both vol bounds
    let request = json!({ "positions": "BTC-25DEC26-100000-C -1\nBTC-26MAR27-1-P 1",
        "market": { "asOf": "2026-11-24", "underlyings": { "BTC": { "index": 94250,
            "futures": { "2026-12-25": 94250.0 * (2.45 * 31.0 / 365.0f64).exp(), "2027-03-26": 94250.0 * (-2.45 * 122.0 / 365.0f64).exp() },
            "smiles": { "2026-12-25": [[1e-8, 20], [1e12, 0.0001]], "2027-03-26": [[94250, 0.0001]] } } } } });
    assert_computes(&request, "futures basis ±2.45, smiles at both vol bounds");
}

#[test]
fn model_parameters_at_their_bounds_compute() {
    let currencies = json!({ "BTC": { "annualisedMoveRisk": 1, "minAnnualisedMove": 1e15, "extendedDampener": 1e15,
        "deltaTotalLiqShockThreshold": 0, "maxOffsetablePnl": 1e15, "pnlOffset": 1, "mmFactor": 1, "maxDeltaShock": 1 } });
    for mode in ["segregated", "cross"] {
        let request = json!({ "positions": "BTC-31DEC99 1000000000000\nBTC-PERPETUAL -1000000000000\nBTC-31DEC99-1000000000000-C -1000000000000",
            "market": market("1970-01-01", 1e12, 20.0, 1.0, 1.0),
            "model": { "preset": "deribit-pm", "overrides": { "mode": mode, "currencies": currencies } },
            "account": { "collateral": { "BTC": 1e15 } } });
        assert_computes(&request, mode);
    }
}

#[test]
fn just_outside_each_range_is_refused_at_its_place() {
    let base = |f: &dyn Fn(&mut Value)| {
        let mut r = json!({ "positions": "BTC-25DEC26-100000-C 1", "market": market("2026-11-24", 94250.0, 0.5, 0.0, 0.0) });
        f(&mut r);
        r
    };
    let cases: Vec<(Value, &str, &str)> = vec![
        (
            base(&|r| r["market"]["underlyings"]["BTC"]["iv"] = json!(0.000099)),
            "BAD_NUMBER",
            "market.underlyings.BTC.iv",
        ),
        (
            base(&|r| r["market"]["underlyings"]["BTC"]["iv"] = json!(20.001)),
            "BAD_NUMBER",
            "market.underlyings.BTC.iv",
        ),
        (
            base(&|r| r["market"]["underlyings"]["BTC"]["iv"] = json!(1e-320)),
            "BAD_NUMBER",
            "market.underlyings.BTC.iv",
        ),
        (
            base(&|r| r["market"]["underlyings"]["BTC"]["index"] = json!(0.9e-8)),
            "BAD_NUMBER",
            "market.underlyings.BTC.index",
        ),
        (
            base(&|r| r["market"]["underlyings"]["BTC"]["index"] = json!(1.0001e12)),
            "BAD_NUMBER",
            "market.underlyings.BTC.index",
        ),
        (
            base(&|r| r["market"]["underlyings"]["BTC"]["carry"] = json!(1.0001)),
            "BAD_NUMBER",
            "market.underlyings.BTC.carry",
        ),
        (
            base(&|r| r["market"]["underlyings"]["BTC"]["carry"] = json!(5)),
            "BAD_NUMBER",
            "market.underlyings.BTC.carry",
        ),
        (
            base(&|r| r["market"]["rate"] = json!(-1.0001)),
            "BAD_NUMBER",
            "market.rate",
        ),
        (
            base(&|r| r["market"]["asOf"] = json!("1969-12-31T23:59:59Z")),
            "BAD_DATE",
            "market.asOf",
        ),
        (
            base(&|r| r["market"]["asOf"] = json!("2100-01-01")),
            "BAD_DATE",
            "market.asOf",
        ),
        (
            base(&|r| r["account"] = json!({ "collateral": { "BTC": 1.0001e15 } })),
            "BAD_NUMBER",
            "account.collateral.BTC",
        ),
        (
            base(&|r| {
                r["positions"] = json!([{ "instrument": "BTC-PERPETUAL", "quantity": 1.0001e12 }])
            }),
            "BAD_NUMBER",
            "positions[0].quantity",
        ),
        (
            base(&|r| {
                r["positions"] =
                    json!([{ "instrument": "BTC-PERPETUAL", "quantity": 1, "mark": 0.9e-8 }])
            }),
            "BAD_NUMBER",
            "positions[0].mark",
        ),
        (
            base(&|r| {
                r["positions"] =
                    json!([{ "instrument": "BTC-PERPETUAL", "quantity": 1, "entry": 1.0001e12 }])
            }),
            "BAD_NUMBER",
            "positions[0].entry",
        ),
        (
            base(&|r| {
                r["positions"] =
                    json!([{ "instrument": "BTC-PERPETUAL", "quantity": 1, "iv": 20.5 }])
            }),
            "BAD_NUMBER",
            "positions[0].iv",
        ),
        (
            base(&|r| {
                r["market"]["underlyings"]["BTC"]["futures"] =
                    json!({ "2026-12-25": 94250.0 * (2.55 * 31.0 / 365.0f64).exp() })
            }),
            "BAD_NUMBER",
            "market.underlyings.BTC.futures.2026-12-25",
        ),
        (
            base(
                &|r| r["model"] = json!({ "preset": "deribit-pm", "overrides": { "currencies": { "BTC": { "annualisedMoveRisk": 1.0001 } } } }),
            ),
            "BAD_MODEL",
            "model.currencies.BTC.annualisedMoveRisk",
        ),
        (
            base(
                &|r| r["model"] = json!({ "preset": "deribit-pm", "overrides": { "currencies": { "BTC": { "annualisedMoveRisk": 10 } } } }),
            ),
            "BAD_MODEL",
            "model.currencies.BTC.annualisedMoveRisk",
        ),
    ];
    for (request, code, path) in cases {
        let e = outcome(&request).expect_err(&request.to_string());
        assert_eq!(
            (e.0.as_str(), e.1.as_deref()),
            (code, Some(path)),
            "{}",
            e.2
        );
    }
    // pasted text: the same ranges
    for (text, column) in [
        ("BTC-PERPETUAL 1 @0.000000009", 17),
        ("BTC-25DEC26-100000-C 1 iv=0.00009", 24),
        ("BTC-PERPETUAL 1000000000001", 15),
    ] {
        let e = outcome(&json!({ "positions": text })).expect_err(text);
        assert_eq!(e.0, "BAD_NUMBER", "{text}: {}", e.2);
        let full = api::report_json(&json!({ "positions": text }).to_string()).unwrap_err();
        assert_eq!(full.column, Some(column), "{text}");
    }
}
