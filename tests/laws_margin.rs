//! Laws of the deribit-pm risk matrix (SPEC §3.1) that hold for any book, checked with proptest
//! on random positions through the core entry (each report takes well under a millisecond).
//!
//! Parameters are the SPEC's (BTC R 0.16, volUp 0.5; ETH R 0.18, volUp 0.4; others R 0.20,
//! volUp 0.5; ETH pnlOffset 0.6 and dampener 200 000; USD pnlOffset 0.4 and dampener 25 000;
//! mmFactor 0.8), written here independently of the preset file so that the preset is checked too.
#![cfg(not(target_arch = "wasm32"))]

mod common;
mod random_book;
use common::*;
use random_book::*;

use portfolio_margin::pricing::black76;
use proptest::prelude::*;
use serde_json::{json, Value};

const EPS: f64 = f64::EPSILON;

/// SPEC §3.1 shock parameters of an underlying: (priceRange, volUp).
fn shock(coin: &str) -> (f64, f64) {
    match coin {
        "BTC" => (0.16, 0.5),
        "ETH" => (0.18, 0.4),
        _ => (0.20, 0.5),
    }
}

/// SPEC §3.1 settlement parameters of a pool: (pnlOffset, extendedDampener USD).
fn currency(pool: &str) -> (f64, f64) {
    match pool {
        "BTC" => (0.0, 100_000.0),
        "ETH" => (0.6, 200_000.0),
        p if p.contains('_') => (0.4, 25_000.0), // linear pools: USD
        _ => (0.0, 25_000.0),
    }
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(num).collect()
}

// ---------------------------------------------------------------------------------------------
// Cells (the random positions and markets are tests/random_book's)
// ---------------------------------------------------------------------------------------------

/// All cells of a pool as the margin uses them: standard (3 × n) then extended.
fn all_cells(pool: &Value, key: &str) -> Vec<f64> {
    let mut cells: Vec<f64> = pool["riskMatrix"][key]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(floats)
        .collect();
    cells.extend(floats(&pool["extended"][key]));
    cells
}

fn max_abs(cells: &[f64]) -> f64 {
    cells.iter().fold(0.0f64, |a, c| a.max(c.abs()))
}

// ---------------------------------------------------------------------------------------------
// Laws
// ---------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(proptest_config())]

    /// SPEC §3.1 step 3: for any delta-one position the weighted (and, in inverse pools,
    /// re-expressed) extended P&L equals its P&L at the range edge of the same sign; its three
    /// vol rows are equal.
    #[test]
    fn delta_one_extended_pnl_equals_edge_pnl(
        p in position(&DELTA_ONE, &[0, 1, 2], (0.5, 0.5), None),
        mkt in market(),
    ) {
        let report = report_exact(&request(std::slice::from_ref(&p), &mkt));
        let pool = &report["margin"]["pools"][0];
        let rows: Vec<Vec<f64>> = pool["riskMatrix"]["pnlRaw"].as_array().unwrap().iter().map(floats).collect();
        let moves = floats(&pool["riskMatrix"]["priceMoves"]);
        let coin = report["positions"][0]["underlying"].as_str().unwrap();
        let (range, _) = shock(coin);
        prop_assert!((moves[0] + range).abs() < 1e-15 && (moves[moves.len() - 1] - range).abs() < 1e-15,
            "{coin}: price moves {moves:?} are not ±{range}");
        prop_assert_eq!(&rows[0], &rows[1]);
        prop_assert_eq!(&rows[2], &rows[1]);
        let (down, up) = (rows[1][0], rows[1][moves.len() - 1]);
        let scale = max_abs(&rows[1]);
        let ext_moves = floats(&pool["extended"]["priceMoves"]);
        prop_assert_eq!(&ext_moves, &vec![-0.66, -0.33, 0.5, 1.0, 2.0, 3.0, 4.0, 5.0]);
        for (m, got) in ext_moves.iter().zip(floats(&pool["extended"]["pnlRaw"])) {
            let want = if *m < 0.0 { down } else { up };
            prop_assert!((got - want).abs() <= 16.0 * EPS * scale,
                "{}: extended {m}: {got:e} vs edge P&L {want:e}", p);
        }
    }

    /// A position plus its exact opposite: every cell 0, worst case 0, roll shock 0, margin 0.
    #[test]
    fn position_and_its_opposite_need_no_margin(
        p in position(&ALL, &[0, 1, 2], (0.05, 3.0), None),
        mkt in market(),
    ) {
        let mut opposite = p.clone();
        opposite["quantity"] = json!(-num(&p["quantity"]));
        let report = report_exact(&request(&[p.clone(), opposite], &mkt));
        let pools = report["margin"]["pools"].as_array().unwrap();
        prop_assert_eq!(pools.len(), 1);
        let pool = &pools[0];
        prop_assert!(all_cells(pool, "pnlRaw").iter().all(|c| *c == 0.0), "{}", pool);
        for k in ["worstCase", "rollShock", "deltaShock", "initial", "maintenance"] {
            prop_assert_eq!(num(&pool[k]), 0.0, "{} of {} and its opposite", k, p);
        }
    }

    /// SPEC §3.1 step 1: the vol-up state is max(σ(1 + volUp·s), minVolForShockUp). Overriding
    /// minVolForShockUp to X above σ(1 + volUp·s) reprices the vol-up row (and the extended
    /// table) at X; below it, the rows are those of the unfloored shock.
    #[test]
    fn vol_up_floor_binds_where_it_should(
        p in position(&OPTIONS, &[0, 1, 2], (0.05, 0.6), None),
        mkt in market(),
        above in log_uniform(1.01, 3.0),
        below in 0.0f64..0.99,
    ) {
        let coin = p["instrument"].as_str().unwrap().split(['-', '_']).next().unwrap().to_string();
        let (range, vol_up) = shock(&coin);
        let with_floor = |x: f64| {
            let mut r = request(std::slice::from_ref(&p), &mkt);
            let mut underlyings = serde_json::Map::new();
            underlyings.insert(coin.clone(), json!({ "minVolForShockUp": x }));
            r["model"] = json!({ "preset": "deribit-pm", "overrides": { "underlyings": underlyings } });
            report_exact(&r)
        };
        let base = with_floor(0.0);
        let pos = &base["positions"][0];
        let (fwd, t, sigma, q) = (num(&pos["forward"]), num(&pos["tYears"]), num(&pos["iv"]), num(&pos["quantity"]));
        let rate = num(&mkt["rate"]);
        let strike = num(&pos["strike"]);
        let call = pos["optionType"] == "call";
        let inverse = pos["settlement"] == "inverse";
        // SPEC §3.1 step 1
        let d = (t * 365.0).max(1.0);
        let power = if d < 30.0 { 0.30 } else { 0.13 };
        let s = (30.0 / d).powf(power);
        let unfloored = sigma * (1.0 + vol_up * s);
        // full revaluation P&L (pool currency) at move m and vol v
        let v0 = black76::price(fwd, strike, t, sigma, rate, call);
        let pnl = |m: f64, v: f64| {
            let f1 = fwd * (1.0 + m);
            let v1 = black76::price(f1, strike, t, v, rate, call);
            if inverse { q * (v1 / f1 - v0 / fwd) } else { q * (v1 - v0) }
        };
        let scale = q.abs() * if inverse { 1.0 } else { fwd } * 1e-13 + 1e-300;
        let check = |report: &Value, vol: f64, what: &str| -> Result<(), TestCaseError> {
            let pool = &report["margin"]["pools"][0];
            let moves = floats(&pool["riskMatrix"]["priceMoves"]);
            let up_row = floats(&pool["riskMatrix"]["pnlRaw"][0]);
            for (m, got) in moves.iter().zip(&up_row) {
                let want = pnl(*m, vol);
                prop_assert!((got - want).abs() <= scale + 1e-12 * want.abs(),
                    "{what}: vol-up cell at {m}: {got:e}, repricing at σ {vol}: {want:e} ({p})");
            }
            for (m, got) in floats(&pool["extended"]["priceMoves"]).iter().zip(floats(&pool["extended"]["pnlRaw"])) {
                let weight = range / m.abs() * if inverse { (1.0 + m) / (1.0 + m.signum() * range) } else { 1.0 };
                let want = pnl(*m, vol) * weight;
                prop_assert!((got - want).abs() <= scale * 10.0 + 1e-12 * want.abs(),
                    "{what}: extended cell at {m}: {got:e}, repricing at σ {vol}: {want:e} ({p})");
            }
            Ok(())
        };
        check(&base, unfloored, "no floor")?;
        let x_above = unfloored * above;
        check(&with_floor(x_above), x_above, "floor above the shocked vol")?;
        let x_below = unfloored * below;
        let low = with_floor(x_below);
        check(&low, unfloored, "floor below the shocked vol")?;
        prop_assert_eq!(&low["margin"]["pools"][0]["riskMatrix"]["pnlRaw"], &base["margin"]["pools"][0]["riskMatrix"]["pnlRaw"]);
        prop_assert_eq!(&low["margin"]["pools"][0]["extended"]["pnlRaw"], &base["margin"]["pools"][0]["extended"]["pnlRaw"]);
    }

    /// SPEC §3.1 steps 5–6 on ETH pools: positive cells are multiplied by pnlOffset (0.6 in the
    /// inverse ETH pool, 0.4 in the linear ETH_USDC pool), negative cells are kept; extended cells
    /// are first moved toward zero by the dampener, then haircut.
    #[test]
    fn gains_are_haircut_and_losses_are_not(
        book in prop::collection::vec(position(&ALL, &[1], (0.2, 1.5), None), 1..7),
        mkt in market(),
    ) {
        let report = report_exact(&request(&book, &mkt));
        let (range, _) = shock("ETH");
        for pool in report["margin"]["pools"].as_array().unwrap() {
            let name = pool["pool"].as_str().unwrap();
            let (offset, dampener) = currency(name);
            let inverse = pool["settlement"] == "inverse";
            prop_assert_eq!(offset, if inverse { 0.6 } else { 0.4 });
            let index = num(&pool["index"]);
            let haircut = |c: f64| if c > 0.0 { offset * c } else { c };
            let scale = max_abs(&all_cells(pool, "pnlRaw")) * 4.0 * EPS + 1e-300;
            for (v, (raw_row, row)) in pool["riskMatrix"]["pnlRaw"].as_array().unwrap().iter()
                .zip(pool["riskMatrix"]["pnl"].as_array().unwrap()).enumerate() {
                for (raw, got) in floats(raw_row).into_iter().zip(floats(row)) {
                    prop_assert!((got - haircut(raw)).abs() <= scale,
                        "{name} row {v}: raw {raw:e} → {got:e}, expected {:e}", haircut(raw));
                }
            }
            let moves = floats(&pool["extended"]["priceMoves"]);
            for ((m, raw), got) in moves.iter().zip(floats(&pool["extended"]["pnlRaw"])).zip(floats(&pool["extended"]["pnl"])) {
                let amount = if inverse {
                    (m.abs() / range - 1.0) * dampener / ((1.0 + m.signum() * range) * index)
                } else {
                    (m.abs() / range - 1.0) * dampener
                }.max(0.0);
                let dampened = raw.signum() * (raw.abs() - amount).max(0.0);
                let want = haircut(dampened);
                prop_assert!((got - want).abs() <= scale + 4.0 * EPS * amount,
                    "{name} extended {m}: raw {raw:e}, dampener {amount:e} → {got:e}, expected {want:e}");
                prop_assert!(got.abs() <= raw.abs(), "the dampener and haircut never enlarge a cell");
            }
        }
    }

    /// SPEC §3.1 steps 7 and 10 on any book: worstCase = max(0, −min of every cell of both tables)
    /// ≥ 0, it names a cell that has that loss, initial = worstCase + rollShock + deltaShock,
    /// maintenance = 0.8 × initial; the USD totals are the sums of the pools'.
    #[test]
    fn worst_case_is_the_largest_loss_over_both_tables(
        book in prop::collection::vec(position(&ALL, &[0, 1, 2], (0.05, 3.0), None), 1..9),
        mkt in market(),
    ) {
        let report = report_exact(&request(&book, &mkt));
        let (mut initial_usd, mut maintenance_usd) = (0.0, 0.0);
        for pool in report["margin"]["pools"].as_array().unwrap() {
            let name = pool["pool"].as_str().unwrap();
            let cells = all_cells(pool, "pnl");
            let min = cells.iter().copied().fold(f64::INFINITY, f64::min);
            let worst = num(&pool["worstCase"]);
            prop_assert!(worst >= 0.0, "{name}: worstCase {worst} < 0");
            prop_assert_eq!(worst, (-min).max(0.0), "{}: worstCase vs cells {:?}", name, cells);
            // the worst scenario is a cell with that loss
            let ws = &pool["worstScenario"];
            let (table, m) = (ws["table"].as_str().unwrap(), num(&ws["priceMove"]));
            let cell = if table == "standard" {
                let v = ["up", "unchanged", "down"].iter().position(|s| ws["vol"] == *s).unwrap();
                let j = floats(&pool["riskMatrix"]["priceMoves"]).iter().position(|x| *x == m).unwrap();
                num(&pool["riskMatrix"]["pnl"][v][j])
            } else {
                let j = floats(&pool["extended"]["priceMoves"]).iter().position(|x| *x == m).unwrap();
                num(&pool["extended"]["pnl"][j])
            };
            prop_assert_eq!(cell, min, "{}: worstScenario {} is not the minimum cell", name, ws);
            let (roll, delta) = (num(&pool["rollShock"]), num(&pool["deltaShock"]));
            prop_assert!(roll >= 0.0 && delta >= 0.0);
            let initial = num(&pool["initial"]);
            let sum = worst + roll + delta;
            prop_assert!((initial - sum).abs() <= 4.0 * EPS * sum, "{name}: initial {initial} vs {sum}");
            let mm = num(&pool["maintenance"]);
            prop_assert!((mm - 0.8 * initial).abs() <= 2.0 * EPS * initial, "{name}: maintenance {mm} vs 0.8 × {initial}");
            let to_usd = if pool["settlement"] == "inverse" { num(&pool["index"]) } else { 1.0 };
            prop_assert!((num(&pool["initialUsd"]) - initial * to_usd).abs() <= 4.0 * EPS * initial * to_usd);
            initial_usd += num(&pool["initialUsd"]);
            maintenance_usd += num(&pool["maintenanceUsd"]);
        }
        let total = &report["margin"]["totalUsd"];
        prop_assert!((num(&total["initial"]) - initial_usd).abs() <= 16.0 * EPS * initial_usd);
        prop_assert!((num(&total["maintenance"]) - maintenance_usd).abs() <= 16.0 * EPS * maintenance_usd);
    }

    /// A single long call or put (inverse or linear, any strike and expiry) can lose at most its
    /// premium, so its risk-matrix margin never exceeds its value in the pool's currency (SPEC §3.1
    /// step 10 caps it there, the delta shock included); its standard margin is 0.
    #[test]
    fn long_option_margin_never_exceeds_its_premium(
        p in position(&OPTIONS, &[0, 1, 2], (0.05, 3.0), Some(1.0)),
        mkt in market(),
    ) {
        let report = report_exact(&request(std::slice::from_ref(&p), &mkt));
        let pos = &report["positions"][0];
        let pool = &report["margin"]["pools"][0];
        let premium = num(&pos["value"]);
        prop_assert!(premium >= 0.0);
        prop_assert_eq!(num(&pool["rollShock"]), 0.0);
        let initial = num(&pool["initial"]);
        prop_assert!(initial <= premium * (1.0 + 8.0 * EPS) + 1e-300,
            "long option margin {initial:e} exceeds its premium {premium:e}: {p}");
        let mm = num(&pool["maintenance"]);
        prop_assert!((mm - 0.8 * initial).abs() <= 2.0 * EPS * initial);
        prop_assert_eq!(num(&pool["standard"]["initial"]), 0.0);
        prop_assert_eq!(num(&pool["standard"]["maintenance"]), 0.0);
        prop_assert_eq!(num(&pos["standardMargin"]["initial"]), 0.0);
        prop_assert_eq!(num(&pos["standardMargin"]["maintenance"]), 0.0);
    }
}

/// A fixed case of the haircut law with hand-checkable numbers: a long ETH call alone gains in
/// the up-moves; those cells are cut to 60 %, the down-move losses are kept.
#[test]
fn eth_long_call_gains_are_cut_to_sixty_percent() {
    let report = report_exact(&json!({
        "positions": "ETH-26MAR27-3400-C 10 iv=0.6",
        "market": { "asOf": "2026-11-24T08:00:00Z",
                    "underlyings": { "ETH": { "index": 3400, "iv": 0.6 } } },
    }));
    let pool = &report["margin"]["pools"][0];
    assert_eq!(pool["pool"], "ETH");
    let raw = floats(&pool["riskMatrix"]["pnlRaw"][1]);
    let cut = floats(&pool["riskMatrix"]["pnl"][1]);
    assert!(raw[0] < 0.0 && raw[8] > 0.0);
    assert_eq!(cut[0], raw[0]);
    assert!((cut[8] - 0.6 * raw[8]).abs() <= 4.0 * EPS * raw[8]);
}

proptest! {
    #![proptest_config(proptest_config())]

    /// Scaling a book by k scales every scenario P&L by k and, where the worst cell is in the
    /// standard table (no dampener, whose fixed amount does not scale), the worst case by k; margin
    /// is never negative.
    #[test]
    fn scaling_a_book_scales_its_scenarios_and_worst_case(
        ps in prop::collection::vec(position(&ALL, &[0], (0.05, 3.0), None), 1..4),
        mkt in market(),
        k in log_uniform(0.1, 10.0),
    ) {
        let scaled: Vec<Value> = ps.iter().map(|p| {
            let mut q = p.clone();
            q["quantity"] = json!(num(&p["quantity"]) * k);
            q
        }).collect();
        let a = report_exact(&request(&ps, &mkt));
        let b = report_exact(&request(&scaled, &mkt));
        for (pa, pb) in a["margin"]["pools"].as_array().unwrap().iter().zip(b["margin"]["pools"].as_array().unwrap()) {
            prop_assert!(num(&pa["initial"]) >= 0.0 && num(&pb["initial"]) >= 0.0);
            let (ca, cb) = (all_cells(pa, "pnlRaw"), all_cells(pb, "pnlRaw"));
            let scale = max_abs(&ca).max(1e-300);
            for (x, y) in ca.iter().zip(&cb) {
                prop_assert!((y - k * x).abs() <= 1e-9 * k * scale, "cell {y} vs {k} × {x}");
            }
            if pa["worstScenario"]["table"] == "standard" && pb["worstScenario"]["table"] == "standard" {
                let (wa, wb) = (num(&pa["worstCase"]), num(&pb["worstCase"]));
                prop_assert!((wb - k * wa).abs() <= 1e-9 * k * scale, "worst case {wb} vs {k} × {wa}");
            }
        }
    }

    /// SPEC §3.1 step 6: in a segregated pool the gains haircut cannot change the margin (the
    /// worst case is a loss, and losses are not haircut).
    #[test]
    fn the_gains_haircut_cannot_change_a_segregated_pool(
        ps in prop::collection::vec(position(&ALL, &[1], (0.05, 3.0), None), 1..4),
        mkt in market(),
    ) {
        let with_offset = |x: f64| {
            let mut r = request(&ps, &mkt);
            r["model"] = json!({ "preset": "deribit-pm", "overrides": { "currencies": { "ETH": { "pnlOffset": x }, "USD": { "pnlOffset": x } } } });
            report_exact(&r)
        };
        let (none, full) = (with_offset(0.0), with_offset(1.0));
        for (a, b) in none["margin"]["pools"].as_array().unwrap().iter().zip(full["margin"]["pools"].as_array().unwrap()) {
            prop_assert_eq!(num(&a["initial"]), num(&b["initial"]), "{}", a["pool"]);
        }
    }
}
