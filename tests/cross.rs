//! Cross margin (SPEC §3.5): laws on books unlike the examples.
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::report;
use serde_json::{json, Value};

fn cross(overrides: Value) -> Value {
    let mut o = json!({ "mode": "cross" });
    o.as_object_mut()
        .unwrap()
        .extend(overrides.as_object().unwrap().clone());
    json!({ "preset": "deribit-pm", "overrides": o })
}

fn f(v: &Value, key: &str) -> f64 {
    v[key].as_f64().unwrap_or_else(|| panic!("{key} in {v}"))
}

/// Linear books over BTC/ETH/SOL from a small LCG (options, futures, perpetuals).
fn linear_book(seed: u64, n: usize) -> String {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        (s >> 11) as f64 / (1u64 << 53) as f64
    };
    let expiries = ["4DEC26", "25DEC26", "26MAR27"];
    (0..n)
        .map(|_| {
            let (coin, index, step) = [
                ("BTC", 94250.0, 5000.0),
                ("ETH", 3412.5, 100.0),
                ("SOL", 238.4, 10.0),
            ][(next() * 3.0) as usize % 3];
            let q = ((next() - 0.5) * 16.0).round() / 2.0 + 0.25;
            let k = ((index * (0.75 + 0.5 * next())) / step).round() * step;
            let e = expiries[(next() * 3.0) as usize % 3];
            match (next() * 4.0) as usize {
                0 => format!("{coin}_USDC-{e}-{k}-C {q}"),
                1 => format!("{coin}_USDC-{e}-{k}-P {q}"),
                2 => format!("{coin}_USDC-{e} {q}"),
                _ => format!("{coin}_USDC-PERPETUAL {q}"),
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn one_underlying_linear_book_margins_as_segregated_when_gains_count_in_full() {
    for seed in 1..=8u64 {
        let book: String = linear_book(seed, 12)
            .lines()
            .filter(|l| l.starts_with("BTC"))
            .collect::<Vec<_>>()
            .join("\n");
        if book.is_empty() {
            continue;
        }
        let account = json!({ "collateral": { "USDC": 1_000_000 } });
        let full_gains =
            json!({ "currencies": { "USD": { "pnlOffset": 1, "maxOffsetablePnl": 1e15 } } });
        let seg = report(
            &json!({ "positions": book, "account": account, "model": { "preset": "deribit-pm", "overrides": full_gains } }),
        );
        let x = report(
            &json!({ "positions": book, "account": account, "model": cross(full_gains.clone()) }),
        );
        let (a, b) = (
            f(&seg["margin"]["totalUsd"], "initial"),
            f(&x["margin"]["cross"], "initial"),
        );
        assert!(
            (a - b).abs() <= 1e-9 * a.max(1.0),
            "seed {seed}: segregated {a} vs cross {b}\n{book}"
        );
    }
}

#[test]
fn cross_margin_never_exceeds_the_sum_of_segregated_margins() {
    // SPEC §3.5's law is for linear books with USD collateral (coin pools are converted at the
    // shocked price, and coin collateral moves: either can make the account need more)
    for seed in 1..=12u64 {
        let book = linear_book(seed, 20);
        let account =
            json!({ "collateral": { "USDC": 200_000, "USDT": (seed % 3) as f64 * 5000.0 } });
        let seg = report(&json!({ "positions": book, "account": account }));
        let x =
            report(&json!({ "positions": book, "account": account, "model": cross(json!({})) }));
        let sum: f64 = seg["margin"]["pools"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| f(p, "initialUsd"))
            .sum();
        let c = &x["margin"]["cross"];
        assert!(
            f(c, "initial") <= sum + 1e-9 * sum,
            "seed {seed}: cross {} > Σ segregated {sum}",
            c["initial"]
        );
        // the pools keep their segregated figures; the totals are the account's
        assert_eq!(x["margin"]["pools"], seg["margin"]["pools"]);
        assert_eq!(f(&x["margin"]["totalUsd"], "initial"), f(c, "initial"));
        assert!(
            (f(c, "initial") - f(c, "worstCase") - f(c, "rollShock") - f(c, "deltaShock")).abs()
                < 1e-6
        );
        assert_eq!(x["account"]["mode"], "cross");
        assert_eq!(x["account"]["accounts"].as_array().unwrap().len(), 1);
    }
}

#[test]
fn cross_liquidation_prices_are_where_maintenance_meets_equity() {
    // the perpetual's entry is today's price: its P&L along the axis is part of the equity
    let book = "BTC_USDC-PERPETUAL 0.5 entry=94250\nBTC_USDC-25DEC26-90000-P -3\nETH_USDC-25DEC26-3000-P -20\nBTC-25DEC26-110000-C -1";
    let account = json!({ "collateral": { "USDC": 60_000, "BTC": 0.3 } });
    // flat vols: moving the index leaves every option's σ as it was (the search holds σ fixed)
    let market = |btc: f64, eth: f64| {
        json!({ "asOf": "2026-11-24T08:00:00Z",
        "underlyings": { "BTC": { "index": btc, "carry": 0.06, "iv": 0.55 }, "ETH": { "index": eth, "carry": 0.05, "iv": 0.7 } } })
    };
    let r = report(
        &json!({ "positions": book, "account": account, "market": market(94250.0, 3412.5), "model": cross(json!({})) }),
    );
    let acct = &r["account"]["accounts"][0];
    let mut checked = 0;
    for (u, l) in acct["liquidation"].as_object().unwrap() {
        for dir in ["down", "up"] {
            let Some(price) = l[dir].as_f64() else {
                continue;
            };
            // re-run with the index (and every forward) of `u` moved to the liquidation price
            let moved = if u == "BTC" {
                market(price, 3412.5)
            } else {
                market(94250.0, price)
            };
            let again = report(
                &json!({ "positions": book, "account": account, "market": moved, "model": cross(json!({})) }),
            );
            let a = &again["account"]["accounts"][0];
            let (mm, eq) = (f(a, "maintenance"), f(a, "equity"));
            assert!(
                (mm - eq).abs() <= 1e-6 * eq.abs().max(mm).max(1.0),
                "{u} {dir} at {price}: MM {mm} vs equity {eq}"
            );
            checked += 1;
        }
    }
    assert!(checked >= 1, "{}", acct["liquidation"]);
}

#[test]
fn cross_impact_is_the_difference_of_two_reports() {
    let book = "BTC_USDC-25DEC26-100000-C -3\nETH_USDC-PERPETUAL 10\nBTC-PERPETUAL 50000";
    let order = "ETH_USDC-PERPETUAL -10";
    let account = json!({ "collateral": { "USDC": 100_000 } });
    let req = json!({ "positions": book, "account": account, "model": cross(json!({})) });
    let session = portfolio_margin::api::session(
        &portfolio_margin::api::parse_request(&req.to_string()).unwrap(),
    )
    .unwrap();
    let impact = portfolio_margin::api::impact(&session, &json!(order)).unwrap();
    let before = report(&req);
    let after = report(
        &json!({ "positions": format!("{book}\n{order}"), "account": account, "model": cross(json!({})) }),
    );
    assert!(
        (impact.before.initial - f(&before["margin"]["cross"], "initial")).abs()
            < 1e-9 * impact.before.initial
    );
    assert!(
        (impact.after.initial - f(&after["margin"]["cross"], "initial")).abs()
            < 1e-9 * impact.after.initial.max(1.0)
    );
    assert!(impact.can_afford.unwrap());
    // a bad mode is a model error at its path
    let e = portfolio_margin::report_json(&json!({ "positions": book, "model": { "preset": "deribit-pm", "overrides": { "mode": "crosss" } } }).to_string()).unwrap_err();
    assert_eq!(
        (e.code.as_str(), e.path.as_deref()),
        ("BAD_MODEL", Some("model.mode"))
    );
}
