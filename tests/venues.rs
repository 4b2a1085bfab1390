//! Other venues (issue #13): OKX's and Bybit's published examples through the CLI, the laws of
//! `okx-pm`, `compareModels` against single-model reports, books across venues, and inverse books
//! in cross mode against an independent computation from SPEC §3.5.
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::report;
use serde_json::{json, Value};

fn cli(args: &[&str], stdin: &str) -> Value {
    let (code, out, err) = common::run_cli(args, stdin.as_bytes());
    assert_eq!(code, 0, "{}", String::from_utf8_lossy(&err));
    serde_json::from_slice(&out).unwrap()
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

fn close(a: f64, b: f64, tol: f64, what: &str) {
    assert!((a - b).abs() <= tol, "{what}: {a} vs {b} (tolerance {tol})");
}

/// MR1 (the 21 grid cells) and MR6 (the two extreme cells, at their 50 % weight) of an okx-pm
/// risk unit, as losses.
fn mr1_mr6(pool: &Value) -> (f64, usize, f64) {
    let pnl: Vec<f64> = pool["scenarios"]["pnl"]
        .as_array()
        .unwrap()
        .iter()
        .map(f)
        .collect();
    assert_eq!(pnl.len(), 23, "7 moves × 3 vol states + 2 extreme moves");
    let (mut worst, mut at) = (f64::INFINITY, 0);
    for (i, v) in pnl[..21].iter().enumerate() {
        if *v < worst {
            worst = *v;
            at = i;
        }
    }
    let mr6 = -pnl[21].min(pnl[22]).min(0.0);
    (-worst.min(0.0), at, mr6)
}

#[test]
fn okx_position_builder_example_through_the_cli() {
    let fx = common::load("tests/fixtures/okx-position-builder-2025.json");
    let tol = f(&fx["tolerance"]);
    let r = cli(&["report", "-"], &fx["request"].to_string());
    let pools = r["margin"]["pools"].as_array().unwrap();
    assert_eq!(pools.len(), 2, "one risk unit per underlying");
    for unit in ["BTC", "LTC"] {
        let exp = &fx["expected"][unit];
        let pool = pools.iter().find(|p| p["pool"] == unit).unwrap();
        assert_eq!(pool["currency"], "USD");
        let (mr1, at, mr6) = mr1_mr6(pool);
        close(mr1, f(&exp["mr1"]), tol, &format!("{unit} MR1"));
        close(mr6, f(&exp["mr6"]), tol, &format!("{unit} MR6"));
        close(
            -2.0 * f(&pool["scenarios"]["pnl"][if unit == "BTC" { 21 } else { 22 }]),
            -f(&exp["mr6Pnl"]),
            2.0 * tol,
            &format!("{unit} MR6 loss at the extreme move"),
        );
        let sc = &pool["scenarios"];
        close(f(&sc["basisCharge"]), f(&exp["mr4"]), tol, "MR4");
        close(f(&sc["minimumCharge"]), f(&exp["mr7"]), tol, "MR7");
        close(f(&pool["maintenance"]), f(&exp["mmr"]), tol, "MMR");
        close(f(&pool["initial"]), f(&exp["imr"]), tol, "IMR");
        // where MR1 binds: +12 % for the short BTC swap, −18 % for the long LTC one
        let move_at = f(&sc["priceMoves"][at]);
        let want = f(&exp["mr1Scenario"]["spotShock"]);
        close(move_at, want, 1e-12, &format!("{unit} MR1 spot shock"));
        if unit == "BTC" {
            let label = sc["labels"][at].as_str().unwrap();
            assert!(label.contains("vol up"), "{label}");
        }
    }
    // the printed deltas are the swaps' cash deltas
    for (i, unit) in ["BTC", "LTC"].iter().enumerate() {
        let p = &r["positions"][i];
        assert_eq!(p["venue"], "okx");
        let cash = f(&p["greeks"]["deltaForward"]) * f(&p["forward"]);
        close(
            cash,
            f(&fx["inputs"]["deltaUsdPrinted"][unit]),
            1e-4,
            "cash delta",
        );
    }
}

#[test]
fn bybit_examples_through_the_cli() {
    for name in ["bybit-bear-put-spread.json", "bybit-short-call.json"] {
        let fx = common::load(format!("tests/fixtures/{name}"));
        let r = cli(&["report"], &fx["request"].to_string());
        let pool = &r["margin"]["pools"][0];
        assert_eq!(pool["pool"], fx["expected"]["pool"], "{name}");
        for k in ["initial", "maintenance"] {
            if let Some(want) = fx["expected"].get(k) {
                close(
                    f(&pool[k]),
                    f(want),
                    f(&fx["tolerance"]) * f(want),
                    &format!("{name} {k}"),
                );
            }
        }
    }
}

/// A small xorshift, for random books.
fn rng(seed: u64) -> impl FnMut() -> f64 {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        (s >> 11) as f64 / (1u64 << 53) as f64
    }
}

const COINS: [(&str, f64, f64); 5] = [
    // coin, index, OKX MR1 range
    ("BTC", 94250.0, 0.12),
    ("ETH", 3412.5, 0.12),
    ("SOL", 238.4, 0.18),
    ("XRP", 2.31, 0.18),
    ("AVAX", 41.2, 0.25),
];

fn market() -> Value {
    let mut u = serde_json::Map::new();
    for (coin, index, _) in COINS {
        u.insert(
            coin.into(),
            json!({ "index": index, "iv": 0.6, "carry": 0.04 }),
        );
    }
    json!({ "asOf": "2026-11-24T08:00:00Z", "rate": 0, "underlyings": u })
}

/// Random delta-one books: linear perpetuals and futures in coin, inverse perpetuals in USD.
fn delta_one_book(seed: u64) -> (String, Vec<(usize, f64)>) {
    let mut next = rng(seed);
    let mut coins = Vec::new();
    let lines = (0..(3 + (next() * 8.0) as usize))
        .map(|_| {
            let c = (next() * COINS.len() as f64) as usize % COINS.len();
            let (coin, index, _) = COINS[c];
            let q = ((next() - 0.5) * 40.0).round() / 4.0 + 0.125;
            match (next() * 3.0) as usize {
                0 => {
                    coins.push((c, q));
                    format!("{coin}_USDT-PERPETUAL {q}")
                }
                1 => {
                    coins.push((c, q));
                    format!("{coin}_USDC-26MAR27 {q}")
                }
                _ => {
                    let usd = (q * index).round();
                    coins.push((c, usd / index));
                    format!("{coin}-PERPETUAL {usd}")
                }
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    (lines, coins)
}

#[test]
fn okx_laws_on_random_books() {
    for seed in 1..40 {
        let (book, coins) = delta_one_book(seed);
        let r = report(&json!({ "positions": book, "market": market(), "model": "okx-pm" }));
        for pool in r["margin"]["pools"].as_array().unwrap() {
            // IMR = 1.3 × MMR
            close(
                f(&pool["initial"]),
                1.3 * f(&pool["maintenance"]),
                1e-9 * f(&pool["initial"]).max(1.0),
                "IMR = 1.3 MMR",
            );
            // a delta-one unit's MR1 is |delta| × index × the largest move (the index moves,
            // every price keeps its basis)
            let c = COINS.iter().position(|x| x.0 == pool["pool"]).unwrap();
            let (_, index, range) = COINS[c];
            let delta: f64 = coins.iter().filter(|x| x.0 == c).map(|x| x.1).sum();
            let (mr1, _, mr6) = mr1_mr6(pool);
            let want = delta.abs() * index * range;
            close(mr1, want, 1e-9 * want.max(1.0), &format!("seed {seed} MR1"));
            // MR6 at twice the range, counted at 50 %: the same as MR1 for a delta-one unit
            close(mr6, want, 1e-9 * want.max(1.0), &format!("seed {seed} MR6"));
        }
    }
}

#[test]
fn compare_models_gives_each_model_the_figures_of_its_own_report() {
    for seed in [3u64, 11] {
        let (book, _) = delta_one_book(seed);
        let opts =
            "BTC-25DEC26-100000-C -2 @0.03\nETH-25DEC26-3000-P 10\nBTC_USDC-25DEC26-90000-P -1";
        let request = json!({ "positions": format!("{book}\n{opts}"), "market": market() });
        let cmp = cli(&["compare"], &request.to_string());
        let models = cmp["models"].as_array().unwrap();
        assert_eq!(models.len(), 7, "every preset of the native build");
        let mut cheapest = (f64::INFINITY, String::new());
        for m in models {
            let name = m["model"].as_str().unwrap();
            let mut single = request.clone();
            single["model"] = json!(name);
            let r = report(&single);
            // the same numbers, to the bit
            assert_eq!(
                m["initialUsd"], r["margin"]["totalUsd"]["initial"],
                "{name}"
            );
            assert_eq!(
                m["maintenanceUsd"], r["margin"]["totalUsd"]["maintenance"],
                "{name}"
            );
            assert_eq!(m["savingUsd"], r["margin"]["totalUsd"]["saving"], "{name}");
            let pools = r["margin"]["pools"].as_array().unwrap();
            assert_eq!(m["pools"].as_array().unwrap().len(), pools.len(), "{name}");
            for (a, b) in m["pools"].as_array().unwrap().iter().zip(pools) {
                assert_eq!(a["initialUsd"], b["initialUsd"], "{name} {}", b["pool"]);
            }
            if let Some(w) = m.get("worst") {
                let pool = pools.iter().find(|p| p["pool"] == w["pool"]).unwrap();
                let to_usd = f(&pool["initialUsd"]) / f(&pool["initial"]).max(1e-300);
                if f(&pool["initial"]) > 0.0 {
                    close(
                        f(&w["lossUsd"]),
                        f(&pool["worstCase"]) * to_usd,
                        1e-9 * f(&w["lossUsd"]).max(1.0),
                        name,
                    );
                }
            }
            let im = f(&m["initialUsd"]);
            if im < cheapest.0 {
                cheapest = (im, name.to_string());
            }
        }
        assert_eq!(cmp["cheapest"], cheapest.1.as_str());
        assert!(cmp.get("venues").is_none(), "no position names a venue");
    }
}

#[test]
fn a_book_across_venues_is_the_sum_of_each_venue_under_its_model() {
    let book = "BTC-25DEC26-100000-C -2 @0.03\nBTC-PERPETUAL 50000\n\
                BTC-USDT-SWAP 20\nBTC-USD-261225-110000-C -100\n\
                BTC-25DEC26-90000-P -1 venue=bybit @3500\nBTCUSDT 0.5\nETH-25DEC26-3000-P 10 venue=deribit";
    let request = json!({ "positions": book, "market": market() });
    let cmp = cli(&["compare", "--models", "deribit-pm"], &request.to_string());
    let v = &cmp["venues"];
    let venues = v["venues"].as_array().unwrap();
    assert_eq!(
        venues
            .iter()
            .map(|x| x["venue"].clone())
            .collect::<Vec<_>>(),
        ["deribit", "okx", "bybit"]
    );
    let mut sum = 0.0;
    for (venue, lines, n) in [
        (
            "deribit",
            "BTC-25DEC26-100000-C -2 @0.03\nBTC-PERPETUAL 50000\nETH-25DEC26-3000-P 10",
            3,
        ),
        ("okx", "BTC-USDT-SWAP 20\nBTC-USD-261225-110000-C -100", 2),
        (
            "bybit",
            "BTC-25DEC26-90000-P -1 venue=bybit @3500\nBTCUSDT 0.5",
            2,
        ),
    ] {
        let model = format!("{venue}-pm");
        let alone = report(&json!({ "positions": lines, "market": market(), "model": model }));
        let x = venues.iter().find(|x| x["venue"] == venue).unwrap();
        assert_eq!(x["positions"], n);
        assert_eq!(x["model"], model.as_str());
        assert_eq!(
            x["initialUsd"], alone["margin"]["totalUsd"]["initial"],
            "{venue}"
        );
        sum += f(&x["initialUsd"]);
    }
    close(
        f(&v["initialUsd"]),
        sum,
        1e-9 * sum,
        "the sum of the venues",
    );
    // the whole book as one account: Deribit cross mode and es-margin
    let cross = report(&json!({ "positions": book, "market": market(),
        "model": { "preset": "deribit-pm", "overrides": { "mode": "cross" } } }));
    let one = &v["oneAccount"][0];
    assert_eq!(one["model"], "deribit-pm cross");
    assert_eq!(one["initialUsd"], cross["margin"]["totalUsd"]["initial"]);
    close(
        f(&one["savingUsd"]),
        sum - f(&one["initialUsd"]),
        1e-9 * sum,
        "saving",
    );
    assert_eq!(v["oneAccount"][1]["model"], "es-margin");
}

#[test]
fn a_name_of_one_venue_under_another_is_refused_at_its_place() {
    let e = portfolio_margin::report_json(
        &json!({ "positions": "BTC-PERPETUAL 10\nBTC-USDT-SWAP 5 venue=bybit" }).to_string(),
    )
    .unwrap_err();
    assert_eq!(e.issues[0].code.as_str(), "UNKNOWN_INSTRUMENT");
    assert_eq!((e.issues[0].line, e.issues[0].column), (Some(2), Some(1)));
    let e = portfolio_margin::report_json(&json!({ "positions": "PEPE-USDT-SWAP 5" }).to_string())
        .unwrap_err();
    assert_eq!(e.issues[0].code.as_str(), "BAD_NUMBER");
    assert!(
        e.issues[0].message.contains("5PEPE"),
        "{}",
        e.issues[0].message
    );
    // with a unit it is read as written
    let r = report(&json!({ "positions": "PEPE-USDT-SWAP 5000000PEPE",
        "market": { "asOf": "2026-11-24T08:00:00Z", "underlyings": { "PEPE": { "index": 0.00002 } } } }));
    assert_eq!(r["positions"][0]["quantityCoin"], 5000000.0);
    // JSON positions: contracts unless a unit is given
    let r = report(&json!({ "positions": [
        { "instrument": "BTC-USDT-SWAP", "quantity": -10 },
        { "instrument": "BTC-USDT-SWAP", "quantity": -0.1, "unit": "coin" },
        { "instrument": "BTC-25DEC26-100000-C", "quantity": 1, "venue": "bybit" } ] }));
    assert_eq!(
        r["positions"][0]["quantityCoin"],
        r["positions"][1]["quantityCoin"]
    );
    assert_eq!(r["positions"][2]["pool"], "BTC_USDC");
    let e = portfolio_margin::report_json(
        &json!({ "positions": "BTC-PERPETUAL 10 venue=kraken" }).to_string(),
    )
    .unwrap_err();
    assert_eq!(e.issues[0].column, Some(18));
}

/// SPEC §3.5 for inverse books, computed here from the report's own per-pool cells: each pool's
/// cell (after the dampener) × S(1 + m) (standard) or × S(1 + sign(m)·R) (extended), gains at the
/// currency's pnlOffset, the worst of the sum; roll and delta shocks at today's index.
#[test]
fn inverse_books_in_cross_mode_convert_at_the_shocked_coin_price() {
    for seed in 1..12u64 {
        let mut next = rng(seed);
        let lines: Vec<String> = (0..6)
            .map(|_| {
                let (coin, index, step) =
                    [("BTC", 94250.0, 5000.0), ("ETH", 3412.5, 100.0)][(next() * 2.0) as usize % 2];
                let k = ((index * (0.8 + 0.4 * next())) / step).round() * step;
                let q = ((next() - 0.5) * 20.0).round() + 0.5;
                match (next() * 3.0) as usize {
                    0 => format!("{coin}-25DEC26-{k}-C {q}"),
                    1 => format!("{coin}-26MAR27-{k}-P {q}"),
                    _ => format!("{coin}-PERPETUAL {}", (q * 1000.0).round()),
                }
            })
            .collect();
        let positions = lines.join("\n");
        let seg = report(&json!({ "positions": positions, "market": market() }));
        let cross = report(&json!({ "positions": positions, "market": market(),
            "model": { "preset": "deribit-pm", "overrides": { "mode": "cross" } } }));
        let params = &seg["model"]["params"];
        let pools = seg["margin"]["pools"].as_array().unwrap();
        let n_std = 27;
        let n_ext = 8;
        let mut joint = vec![0.0; n_std + n_ext];
        let (mut roll, mut delta) = (0.0, 0.0);
        for pool in pools {
            let coin = pool["pool"].as_str().unwrap();
            let s = f(&pool["index"]);
            let r = f(&params["underlyings"][coin]["priceRange"]);
            let damp = f(&params["currencies"][coin]["extendedDampener"]);
            let offset = f(&params["currencies"][coin]["pnlOffset"]);
            let moves: Vec<f64> = pool["riskMatrix"]["priceMoves"]
                .as_array()
                .unwrap()
                .iter()
                .map(f)
                .collect();
            let mut cells = vec![0.0; n_std + n_ext];
            for v in 0..3 {
                for (p, m) in moves.iter().enumerate() {
                    let raw = f(&pool["riskMatrix"]["pnlRaw"][v][p]);
                    cells[v * 9 + p] = raw * s * (1.0 + m);
                }
            }
            for (i, m) in pool["extended"]["priceMoves"]
                .as_array()
                .unwrap()
                .iter()
                .map(f)
                .enumerate()
            {
                let raw = f(&pool["extended"]["pnlRaw"][i]);
                let by = (m.abs() / r - 1.0) * damp / ((1.0 + m.signum() * r) * s);
                let dampened = raw.signum() * (raw.abs() - by.min(raw.abs()));
                cells[n_std + i] = dampened * s * (1.0 + m.signum() * r);
            }
            // one currency per pool here: its gains at pnlOffset
            for (j, c) in cells.iter().enumerate() {
                joint[j] += if *c > 0.0 { c * offset } else { *c };
            }
            roll += f(&pool["rollShock"]) * s;
            delta += f(&pool["deltaShock"]) * s;
        }
        let worst = (-joint.iter().cloned().fold(f64::INFINITY, f64::min)).max(0.0);
        assert!(worst > 0.0, "seed {seed}: a book with a loss somewhere");
        let c = &cross["margin"]["cross"];
        let tol = 1e-9 * worst.max(1.0);
        close(
            f(&c["worstCase"]),
            worst,
            tol,
            &format!("seed {seed} worst case"),
        );
        close(f(&c["rollShock"]), roll, tol, "roll shock");
        close(f(&c["deltaShock"]), delta, tol, "delta shock");
        close(
            f(&c["initial"]),
            worst + roll + delta,
            tol,
            "cross initial margin",
        );
    }
}
