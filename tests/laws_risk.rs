//! Laws of the risk measures (SPEC §4), on books unlike the published examples: closed forms,
//! coherence, Euler contributions, delta-normal limits, exact stress P&L, breakevens by evaluation,
//! the grid against full revaluation, seeds.
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::report;
use serde_json::{json, Value};
use statrs::function::erf::erfc_inv;

fn norm_inv(p: f64) -> f64 {
    -std::f64::consts::SQRT_2 * erfc_inv(2.0 * p)
}
fn norm_cdf(x: f64) -> f64 {
    0.5 * statrs::function::erf::erfc(-x / std::f64::consts::SQRT_2)
}
fn norm_pdf(x: f64) -> f64 {
    (-0.5 * x * x).exp() / (2.0 * std::f64::consts::PI).sqrt()
}

fn market() -> Value {
    json!({ "asOf": "2026-11-24T08:00:00Z",
        "underlyings": {
            "BTC": { "index": 95000, "futures": { "2026-12-25": 95600, "2027-03-26": 97100 },
                     "smiles": { "2026-12-25": [[80000, 0.62], [95000, 0.52], [110000, 0.55]],
                                 "2027-03-26": [[80000, 0.60], [95000, 0.54], [110000, 0.56]] } },
            "ETH": { "index": 3400, "carry": 0.04, "iv": 0.7 },
            "SOL": { "index": 180, "carry": 0.02, "iv": 0.9 } },
        "correlations": { "BTC/ETH": 0.8, "BTC/SOL": 0.6, "ETH/SOL": 0.7 } })
}

fn var_of(positions: &str, var: Value) -> Value {
    let r =
        report(&json!({ "positions": positions, "market": market(), "analysis": { "var": var } }));
    r["var"].clone()
}

fn f(v: &Value, key: &str) -> f64 {
    v[key].as_f64().unwrap_or_else(|| panic!("{key} in {v}"))
}

#[test]
fn monte_carlo_of_one_linear_position_is_the_lognormal_closed_form() {
    // 1 BTC linear perpetual: P&L = S (e^x − 1), x ~ N(−s²/2, s²), s = σ sqrt(h/365), σ = 0.52
    let (s0, sigma, h, n) = (95_000.0, 0.52, 2.0, 200_000usize);
    let s = sigma * (h / 365.0f64).sqrt();
    for conf in [0.99, 0.975] {
        let v = var_of(
            "BTC_USDC-PERPETUAL 1",
            json!({ "paths": n, "horizonDays": h, "varConfidence": conf, "esConfidence": conf }),
        );
        let alpha = 1.0 - conf;
        let z = norm_inv(alpha);
        let var = s0 * (1.0 - (-s * s / 2.0 + z * s).exp());
        let es = s0 * (1.0 - norm_cdf(z - s) / alpha);
        // sampling errors: of a quantile, sqrt(α(1−α)/N)/pdf; of the ES, the tail's spread over sqrt(αN)
        let x_q = -s * s / 2.0 + z * s;
        let pdf = norm_pdf(z) / (s * s0 * x_q.exp());
        let se_var = (alpha * (1.0 - alpha) / n as f64).sqrt() / pdf;
        let se_es = s0 * s * 1.0 / (alpha * n as f64).sqrt() + se_var * alpha.sqrt();
        let (got_var, got_es) = (f(&v, "varUsd"), f(&v, "esUsd"));
        assert!(
            (got_var - var).abs() < 4.0 * se_var,
            "VaR {conf}: {got_var} vs {var} (se {se_var})"
        );
        assert!(
            (got_es - es).abs() < 4.0 * se_es,
            "ES {conf}: {got_es} vs {es} (se {se_es})"
        );
    }
}

/// A random book over BTC/ETH/SOL (options, futures, perpetuals, coins), from a small LCG.
fn random_book(seed: u64, n: usize) -> String {
    let mut state = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let mut next = move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut lines = Vec::new();
    for _ in 0..n {
        let (coin, index) =
            [("BTC", 95_000.0), ("ETH", 3400.0), ("SOL", 180.0)][(next() * 3.0) as usize % 3];
        let q = ((next() - 0.5) * 20.0).round() / 2.0 + 0.5;
        let expiry = ["25DEC26", "26MAR27", "4DEC26"][(next() * 3.0) as usize % 3];
        let strike = (index * (0.7 + 0.6 * next()) / (index / 20.0)).round() * (index / 20.0);
        let line = match (next() * 5.0) as usize {
            0 => format!("{coin}-{expiry}-{strike}-C {q}"),
            1 => format!("{coin}_USDC-{expiry}-{strike}-P {q}"),
            2 => format!("{coin}_USDC-PERPETUAL {q}"),
            3 => format!("{coin}-PERPETUAL {}", (q * index).round()),
            _ => format!("{coin}_USDC-{expiry}-{strike}-C {q}"),
        };
        lines.push(line.replace(".0-", "-"));
    }
    lines.join("\n")
}

#[test]
fn es_is_at_least_var_sums_its_contributions_and_is_subadditive() {
    for seed in 1..=6u64 {
        let book = random_book(seed, 24);
        for var in [
            json!({ "paths": 4000, "varConfidence": 0.99, "esConfidence": 0.99 }),
            json!({ "paths": 4000, "tails": { "studentT": 4 }, "varConfidence": 0.975, "esConfidence": 0.975, "spotVolBeta": -2 }),
            json!({ "paths": 3000, "revaluation": "full", "horizonDays": 3, "varConfidence": 0.95, "esConfidence": 0.95 }),
        ] {
            let v = var_of(&book, var.clone());
            let (var_usd, es) = (f(&v, "varUsd"), f(&v, "esUsd"));
            assert!(
                es >= var_usd - 1e-9 * var_usd.abs(),
                "seed {seed} {var}: ES {es} < VaR {var_usd}"
            );
            let sum: f64 = v["contributions"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| f(c, "esUsd"))
                .sum();
            assert!(
                (sum - es).abs() <= 1e-9 * es.abs().max(1.0),
                "seed {seed}: contributions {sum} vs ES {es}"
            );
            // standalone ES per underlying on the same paths: the sum is at least the joint ES
            assert!(
                f(&v, "diversificationUsd") >= -1e-9 * es.abs(),
                "seed {seed}: {}",
                v["diversificationUsd"]
            );
            for (u, t) in v["byUnderlying"].as_object().unwrap() {
                assert!(
                    f(t, "esUsd") >= f(t, "varUsd") - 1e-9 * f(t, "varUsd").abs(),
                    "{u}"
                );
            }
        }
        // two halves of the book on the same paths (every half holds every underlying)
        let lines: Vec<&str> = book.lines().collect();
        let pad = "\nBTC_USDC-PERPETUAL 0\nETH_USDC-PERPETUAL 0\nSOL_USDC-PERPETUAL 0";
        let half = |part: &[&str]| format!("{}{pad}", part.join("\n"));
        let settings = json!({ "paths": 4000, "esConfidence": 0.99 });
        let joint = f(&var_of(&half(&lines), settings.clone()), "esUsd");
        let a = f(&var_of(&half(&lines[..12]), settings.clone()), "esUsd");
        let b = f(&var_of(&half(&lines[12..]), settings), "esUsd");
        assert!(
            joint <= a + b + 1e-9 * joint.abs(),
            "seed {seed}: ES(A+B) {joint} > ES(A) + ES(B) {}",
            a + b
        );
    }
}

#[test]
fn the_revaluation_grid_agrees_with_full_revaluation() {
    for seed in [3u64, 8, 13] {
        let book = random_book(seed, 60);
        for extra in [
            json!({}),
            json!({ "tails": { "studentT": 3 }, "spotVolBeta": 1.5, "horizonDays": 10 }),
        ] {
            let mut grid = json!({ "paths": 5000, "esConfidence": 0.99 });
            grid.as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            let mut full = grid.clone();
            full["revaluation"] = json!("full");
            let (g, x) = (var_of(&book, grid), var_of(&book, full));
            for key in ["varUsd", "esUsd"] {
                let (a, b) = (f(&g, key), f(&x, key));
                // measured: about 1e-9 relative; the documented bound is 0.5 %
                assert!(
                    (a - b).abs() <= 1e-6 * b.abs().max(1.0),
                    "seed {seed} {key}: grid {a} vs full {b}"
                );
            }
        }
    }
}

#[test]
fn positions_split_over_lines_give_the_same_monte_carlo_figures() {
    // the grid revalues one instrument once for its net quantity; the figures must not depend on
    // how the quantity is spread over lines (nor on hours-to-expiry options: 4DEC26 is 10 days)
    for seed in [5u64, 21] {
        let book = random_book(seed, 40);
        let split: String = book
            .lines()
            .flat_map(|l| {
                let (ins, q) = l.rsplit_once(' ').unwrap();
                let q: f64 = q.parse().unwrap();
                [format!("{ins} {}", q * 0.25), format!("{ins} {}", q * 0.75)]
            })
            .collect::<Vec<_>>()
            .join("\n");
        for extra in [
            json!({}),
            json!({ "horizonDays": 9.5, "spotVolBeta": -0.8 }),
        ] {
            let mut settings = json!({ "paths": 4000, "esConfidence": 0.99 });
            settings
                .as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            let (a, b) = (var_of(&book, settings.clone()), var_of(&split, settings));
            for key in ["varUsd", "esUsd"] {
                let (x, y) = (f(&a, key), f(&b, key));
                assert!(
                    (x - y).abs() <= 1e-10 * x.abs().max(1.0),
                    "seed {seed} {key}: {x} vs {y}"
                );
            }
            // each line's contribution is its share of the instrument's
            let (ca, cb) = (
                a["contributions"].as_array().unwrap(),
                b["contributions"].as_array().unwrap(),
            );
            for (i, c) in ca.iter().enumerate() {
                let whole = f(c, "esUsd");
                let parts = f(&cb[2 * i], "esUsd") + f(&cb[2 * i + 1], "esUsd");
                assert!(
                    (whole - parts).abs() <= 1e-9 * f(&a, "esUsd").abs().max(1.0),
                    "seed {seed} line {i}: {whole} vs {parts}"
                );
            }
        }
    }
}

#[test]
fn a_delta_one_book_has_delta_gamma_var_equal_to_delta_normal() {
    let book = "BTC_USDC-PERPETUAL 2\nETH-PERPETUAL -50000\nSOL_USDC-PERPETUAL 300\nETH 4";
    for h in [1.0, 5.0] {
        let v = var_of(book, json!({ "method": "delta-gamma", "horizonDays": h }));
        let (a, b) = (f(&v, "varUsd"), f(&v, "deltaNormalVarUsd"));
        assert!((a - b).abs() <= 1e-12 * b, "{a} vs {b}");
        assert!(v["moments"]["cornishFisherInDomain"].as_bool().unwrap());
    }
}

#[test]
fn the_cornish_fisher_warning_fires_on_a_short_gamma_book() {
    let r = report(
        &json!({ "positions": "BTC_USDC-4DEC26-95000-C -50\nBTC_USDC-4DEC26-95000-P -50",
        "market": market(), "analysis": { "var": { "method": "delta-gamma" } } }),
    );
    assert!(
        r["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w["code"] == "CF_OUT_OF_DOMAIN"),
        "{}",
        r["warnings"]
    );
    assert!(!r["var"]["moments"]["cornishFisherInDomain"]
        .as_bool()
        .unwrap());
}

#[test]
fn stress_pnl_of_linear_positions_is_q_s_move_exactly() {
    let r = report(
        &json!({ "positions": "BTC_USDC-PERPETUAL 2.5\nETH_USDC-PERPETUAL -40\nSOL 100\nSOL_USDC-PERPETUAL 7",
        "market": market(), "account": { "collateral": { "ETH": 3, "USDC": 1000 } },
        "analysis": { "stress": { "include": ["ftx-2022", "rally-2021-01"],
            "custom": [{ "name": "split", "moves": { "BTC": -0.1, "default": 0.25 }, "vol": { "default": 0.5 } }] } } }),
    );
    let stress = &r["stress"];
    let moves = |name: &str| -> (f64, f64, f64) {
        match name {
            "ftx-2022" => (-0.26, -0.328, -0.622),
            "rally-2021-01" => (0.414, 0.624, 1.085),
            _ => (-0.1, 0.25, 0.25),
        }
    };
    let mut worst = ("", f64::INFINITY);
    for s in stress["scenarios"].as_array().unwrap() {
        let (b, e, so) = moves(s["name"].as_str().unwrap());
        let want = 2.5 * 95_000.0 * b + (-40.0 + 3.0) * 3400.0 * e + (100.0 + 7.0) * 180.0 * so;
        // exact up to the rounding of q·(S(1+m) − S) against q·S·m
        assert!(
            (f(s, "pnlUsd") - want).abs() <= 1e-12 * want.abs(),
            "{}: {} vs {want}",
            s["name"],
            s["pnlUsd"]
        );
        let by_u: f64 = s["byUnderlying"]
            .as_object()
            .unwrap()
            .values()
            .map(|x| x.as_f64().unwrap())
            .sum();
        let by_pool: f64 = s["byPool"]
            .as_object()
            .unwrap()
            .values()
            .map(|x| x.as_f64().unwrap())
            .sum();
        assert!(
            (by_u - want).abs() < 1e-9 * want.abs() && (by_pool - want).abs() < 1e-9 * want.abs()
        );
        if want < worst.1 {
            worst = (s["name"].as_str().unwrap(), want);
        }
    }
    assert_eq!(stress["worst"], worst.0);
    // without `include`, every library scenario runs
    let all = report(
        &json!({ "positions": "BTC_USDC-PERPETUAL 1", "market": market(), "analysis": { "stress": true } }),
    );
    assert_eq!(all["stress"]["scenarios"].as_array().unwrap().len(), 11);
    assert_eq!(all["stress"]["worst"], "covid-2020");
}

#[test]
fn payoff_breakevens_are_zeros_of_the_curve_by_evaluation() {
    let books = [
        "BTC_USDC-25DEC26-90000-P -1\nBTC_USDC-25DEC26-100000-C -1",
        "BTC-25DEC26-90000-P 2\nBTC-26MAR27-100000-C -1\nBTC-PERPETUAL -30000",
        "ETH_USDC-25DEC26-3000-P 10\nETH_USDC-25DEC26-3800-C 10\nETH_USDC-PERPETUAL -6",
    ];
    for book in books {
        // the `at` date is today (08:00 UTC of asOf): breakevens are checked by instantaneous stress
        let r = report(&json!({ "positions": book, "market": market(),
            "analysis": { "payoff": { "at": "2026-11-24", "points": 301, "range": [0.3, 2.0] } } }));
        for (u, curve) in r["payoff"].as_object().unwrap() {
            let index = f(curve, "index");
            let scale = f(curve, "maxLossUsd").max(f(curve, "maxGainUsd")).max(1.0);
            let bes = curve["breakevens"].as_array().unwrap();
            assert!(!bes.is_empty(), "{book}: no breakeven");
            let custom: Vec<Value> = bes.iter().enumerate()
                .map(|(i, b)| json!({ "name": format!("be{i}"), "moves": { u.as_str(): b.as_f64().unwrap() / index - 1.0 } }))
                .collect();
            let s = report(
                &json!({ "positions": book, "market": market(), "analysis": { "stress": { "include": [], "custom": custom } } }),
            );
            for sc in s["stress"]["scenarios"].as_array().unwrap() {
                assert!(
                    f(sc, "pnlUsd").abs() < 1e-6 * scale,
                    "{book}: P&L {} at a breakeven",
                    sc["pnlUsd"]
                );
            }
            let today = curve["pnlTodayUsd"].as_array().unwrap();
            let at = curve["pnlAtUsd"].as_array().unwrap();
            assert_eq!(today, at);
        }
    }
    // a short call is an unbounded loss, a long call an unbounded gain; a put is bounded
    let r = report(
        &json!({ "positions": "BTC_USDC-25DEC26-100000-C -1\nETH_USDC-25DEC26-3000-P 1\nSOL_USDC-25DEC26-200-C 1",
        "market": market(), "analysis": { "payoff": true } }),
    );
    let p = &r["payoff"];
    assert!(
        p["BTC"]["unboundedLoss"].as_bool().unwrap()
            && !p["BTC"]["unboundedGain"].as_bool().unwrap()
    );
    assert!(
        !p["ETH"]["unboundedLoss"].as_bool().unwrap()
            && !p["ETH"]["unboundedGain"].as_bool().unwrap()
    );
    assert!(p["SOL"]["unboundedGain"].as_bool().unwrap());
    assert_eq!(p["BTC"]["at"], "2026-12-25");
    // a long put's largest gain is at price 0: the strike less the premium paid
    let put = &p["ETH"];
    assert!(f(put, "maxGainUsd") > 3000.0 * 0.5 && f(put, "maxGainUsd") < 3000.0);
    let prices = put["prices"].as_array().unwrap();
    assert_eq!(prices.len(), 201);
    assert!((prices[100].as_f64().unwrap() - 3400.0).abs() < 1e-9);
}

#[test]
fn the_same_seed_gives_the_same_figures_and_another_seed_others() {
    let book = random_book(5, 30);
    let a = var_of(&book, json!({ "paths": 2000, "seed": 7 }));
    let b = var_of(&book, json!({ "paths": 2000, "seed": 7 }));
    let c = var_of(&book, json!({ "paths": 2000, "seed": 8 }));
    assert_eq!(a, b);
    assert_ne!(f(&a, "esUsd"), f(&c, "esUsd"));
    assert_eq!(a["seed"], 7);
    let fresh = report(
        &json!({ "positions": book, "market": market(), "analysis": { "var": { "paths": 500, "seed": null } } }),
    );
    assert!(fresh["var"]["seed"].is_u64());
    assert!(fresh["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|w| w["code"] == "FRESH_SEED"));
}

#[test]
fn bad_analysis_input_is_a_clear_error_at_its_path() {
    let cases = [
        (
            json!({ "var": { "paths": 5 } }),
            "LIMIT_EXCEEDED",
            "analysis.var.paths",
        ),
        (
            json!({ "var": { "varConfidence": 1.0 } }),
            "BAD_NUMBER",
            "analysis.var.varConfidence",
        ),
        (
            json!({ "var": { "method": "historical" } }),
            "BAD_REQUEST",
            "analysis.var.returns",
        ),
        (
            json!({ "var": { "method": "historical", "returns": { "BTC": [0.01, -0.02], "ETH": [0.01] } } }),
            "BAD_REQUEST",
            "analysis.var.returns.ETH",
        ),
        (
            json!({ "var": { "method": "historical", "returns": { "ETH": [0.01, -0.02] } } }),
            "MISSING_MARKET",
            "analysis.var.returns",
        ),
        (
            json!({ "var": { "method": "historical", "returns": { "BTC": [0.01, -1.5] } } }),
            "BAD_NUMBER",
            "analysis.var.returns.BTC[1]",
        ),
        (
            json!({ "var": { "tails": { "studentT": 2 } } }),
            "BAD_NUMBER",
            "analysis.var.tails.studentT",
        ),
        (
            json!({ "var": { "confidence": 0.99 } }),
            "BAD_REQUEST",
            "analysis.var.confidence",
        ),
        (
            json!({ "stress": { "include": ["nope"] } }),
            "BAD_REQUEST",
            "analysis.stress.include[0]",
        ),
        (
            json!({ "stress": { "custom": [{ "name": "ftx-2022" }] } }),
            "BAD_REQUEST",
            "analysis.stress.custom[0].name",
        ),
        (
            json!({ "stress": { "custom": [{ "name": "x", "moves": { "BTC": -1.2 } }] } }),
            "BAD_NUMBER",
            "analysis.stress.custom[0].moves.BTC",
        ),
        (
            json!({ "payoff": { "points": 2 } }),
            "LIMIT_EXCEEDED",
            "analysis.payoff.points",
        ),
        (
            json!({ "payoff": { "at": "2020-01-01" } }),
            "BAD_DATE",
            "analysis.payoff.at",
        ),
        (
            json!({ "payoff": { "underlying": "DOGE" } }),
            "BAD_REQUEST",
            "analysis.payoff.underlying",
        ),
    ];
    for (analysis, code, path) in cases {
        let req = json!({ "positions": "BTC_USDC-PERPETUAL 1", "market": market(), "analysis": analysis });
        let e = portfolio_margin::report_json(&req.to_string()).expect_err(&analysis.to_string());
        assert_eq!(
            (e.code.as_str(), e.path.as_deref()),
            (code, Some(path)),
            "{analysis}: {}",
            e.message
        );
    }
    // correlations that no joint distribution has
    let mut m = market();
    m["correlations"] = json!({ "BTC/ETH": 0.9, "BTC/SOL": -0.9, "ETH/SOL": 0.9 });
    let req = json!({ "positions": "BTC_USDC-PERPETUAL 1\nETH_USDC-PERPETUAL 1\nSOL_USDC-PERPETUAL 1", "market": m, "analysis": { "var": true } });
    let e = portfolio_margin::report_json(&req.to_string()).unwrap_err();
    assert_eq!(
        (e.code.as_str(), e.path.as_deref()),
        ("BAD_CORRELATION", Some("market.correlations"))
    );
    m["correlations"] = json!({ "BTC/ETH": 0.9, "ETH/BTC": 0.8 });
    let req = json!({ "positions": "BTC_USDC-PERPETUAL 1", "market": m });
    assert_eq!(
        portfolio_margin::report_json(&req.to_string())
            .unwrap_err()
            .code
            .as_str(),
        "BAD_CORRELATION"
    );
}

fn es_margin(positions: &str, model: Value) -> Value {
    let mut m = market();
    m["correlations"] = json!({ "BTC/ETH": 0.8, "BTC/SOL": 0.6, "ETH/SOL": 0.7 });
    report(&json!({ "positions": positions, "market": m, "model": model }))
}

#[test]
fn es_margin_is_direction_and_correlation_aware() {
    // the same notionals, ρ 0.8: long BTC + short ETH needs far less than long BTC + long ETH
    let long_long = es_margin(
        "BTC_USDC-PERPETUAL 10\nETH_USDC-PERPETUAL 280",
        json!("es-margin"),
    );
    let long_short = es_margin(
        "BTC_USDC-PERPETUAL 10\nETH_USDC-PERPETUAL -280",
        json!("es-margin"),
    );
    let im = |r: &Value| f(&r["margin"]["totalUsd"], "initial");
    assert!(
        im(&long_short) < 0.55 * im(&long_long),
        "{} vs {}",
        im(&long_short),
        im(&long_long)
    );
    let pools = long_long["margin"]["pools"].as_array().unwrap();
    assert_eq!(
        (
            pools.len(),
            pools[0]["pool"].as_str(),
            pools[0]["currency"].as_str()
        ),
        (1, Some("ACCOUNT"), Some("USD"))
    );
    // initial = ES + roll shock, maintenance = 0.8 × initial, the total equals the pool
    let p = &pools[0];
    assert!(
        (f(p, "initial") - f(p, "worstCase") - f(p, "rollShock")).abs() < 1e-9 * f(p, "initial")
    );
    assert!((f(p, "maintenance") - 0.8 * f(p, "initial")).abs() < 1e-9 * f(p, "initial"));
    assert_eq!(
        f(&long_long["margin"]["totalUsd"], "maintenance"),
        f(p, "maintenance")
    );
    // the ES is the analysis engine's, with the model's settings
    let v = report(
        &json!({ "positions": "BTC_USDC-PERPETUAL 10\nETH_USDC-PERPETUAL 280", "market": es_margin_market(),
        "analysis": { "var": { "horizonDays": 2, "esConfidence": 0.99, "varConfidence": 0.99, "tails": { "studentT": 4 }, "paths": 10000, "seed": 42, "includeCollateral": false } } }),
    );
    assert!((f(&v["var"], "esUsd") - f(p, "worstCase")).abs() < 1e-9 * f(p, "worstCase"));
    // a flat book needs none
    let flat = es_margin(
        "BTC_USDC-PERPETUAL 10\nBTC_USDC-PERPETUAL -10",
        json!("es-margin"),
    );
    assert_eq!(f(&flat["margin"]["totalUsd"], "initial"), 0.0);
    // overrides are read strictly
    let e = portfolio_margin::report_json(&json!({ "positions": "BTC_USDC-PERPETUAL 1", "model": { "preset": "es-margin", "overrides": { "pathz": 10 } } }).to_string()).unwrap_err();
    assert_eq!(
        (e.code.as_str(), e.path.as_deref()),
        ("BAD_REQUEST", Some("model.overrides.pathz"))
    );
    let e = portfolio_margin::report_json(&json!({ "positions": "BTC_USDC-PERPETUAL 1", "model": { "preset": "es-margin", "overrides": { "esConfidence": 1.5 } } }).to_string()).unwrap_err();
    assert_eq!(e.code.as_str(), "BAD_MODEL");
}

fn es_margin_market() -> Value {
    let mut m = market();
    m["correlations"] = json!({ "BTC/ETH": 0.8, "BTC/SOL": 0.6, "ETH/SOL": 0.7 });
    m
}

#[test]
fn es_margin_impact_is_the_margin_of_the_book_with_the_order() {
    let book = "BTC_USDC-25DEC26-100000-C -5\nETH-PERPETUAL 200000\nSOL_USDC-PERPETUAL 400";
    let order = "BTC_USDC-PERPETUAL 2";
    let req = json!({ "positions": book, "market": es_margin_market(), "model": "es-margin", "account": { "collateral": { "USDC": 500000, "BTC": 1 } } });
    let session = portfolio_margin::api::session(
        &portfolio_margin::api::parse_request(&req.to_string()).unwrap(),
    )
    .unwrap();
    let impact = portfolio_margin::api::impact(&session, &json!(order)).unwrap();
    let after = report(
        &json!({ "positions": format!("{book}\n{order}"), "market": es_margin_market(), "model": "es-margin" }),
    );
    assert!(
        (impact.after.initial - f(&after["margin"]["totalUsd"], "initial")).abs()
            < 1e-9 * impact.after.initial
    );
    let r = report(&req);
    assert_eq!(r["account"]["mode"], "cross");
    let acct = &r["account"]["accounts"].as_array().unwrap()[0];
    assert_eq!(acct["currency"], "USD");
    assert!((f(acct, "collateral") - (500000.0 + 95000.0)).abs() < 1e-6);
    assert!(r["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|w| w["code"] == "NOT_COMPUTED" && w["path"] == "account"));
}
