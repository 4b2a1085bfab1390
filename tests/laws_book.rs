//! Laws of the margin on random books (issue #17), through the core entry: adding a long option
//! never raises the deribit-pm initial margin by more than its premium; scaling a book by k ≥ 1
//! never lowers its margin; a pool's risk matrix before the haircut is the sum of its positions'
//! matrices; the margin does not depend on the order of the positions or on splitting one in two.
//! (The random positions are tests/random_book's, shared with tests/laws_margin.rs.)
#![cfg(not(target_arch = "wasm32"))]

mod common;
mod random_book;
use common::*;
use random_book::*;

use proptest::prelude::*;
use serde_json::{json, Value};

fn floats(v: &Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(num).collect()
}

fn total_initial(report: &Value) -> f64 {
    num(&report["margin"]["totalUsd"]["initial"])
}

fn pools(report: &Value) -> &Vec<Value> {
    report["margin"]["pools"].as_array().unwrap()
}

/// The standard and extended cells of a pool before the haircut (`pnlRaw`).
fn raw_cells(pool: &Value) -> Vec<f64> {
    let mut cells: Vec<f64> = pool["riskMatrix"]["pnlRaw"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(floats)
        .collect();
    cells.extend(floats(&pool["extended"]["pnlRaw"]));
    cells
}

fn close(a: f64, b: f64, scale: f64) -> bool {
    (a - b).abs() <= 1e-9 * scale.abs().max(a.abs()).max(b.abs()).max(1e-6)
}

proptest! {
    #![proptest_config(proptest_config())]

    /// A long option loses at most its premium in every cell, so adding one to any book raises the
    /// book's deribit-pm initial margin by at most its premium: its value in the pool's currency
    /// (coin for inverse options), in USD at the index like the pool's margin. The delta shock is
    /// not linear in the net delta; the law checks that its step stays within the premium too.
    #[test]
    fn adding_a_long_option_raises_margin_by_at_most_its_premium(
        book in prop::collection::vec(position(&ALL, &[0, 1], (0.05, 3.0), None), 0..6),
        option in position(&OPTIONS, &[0, 1], (0.05, 3.0), Some(1.0)),
        mkt in market(),
    ) {
        let before = report_exact(&request(&book, &mkt));
        let mut with = book.clone();
        with.push(option.clone());
        let after = report_exact(&request(&with, &mkt));
        // the premium as the margin counts it: in the pool's currency (an inverse option's coin
        // value), converted to USD like the pool's margin, at the index (docs/CONVENTIONS.md)
        let added = &after["positions"][book.len()];
        let pool = pools(&after).iter().find(|p| p["pool"] == added["pool"]).unwrap();
        let to_usd = if pool["settlement"] == "inverse" { num(&pool["index"]) } else { 1.0 };
        let premium = num(&added["value"]) * to_usd;
        let (a, b) = (total_initial(&before), total_initial(&after));
        prop_assert!(b - a <= premium + 1e-9 * a.max(b).max(1.0),
            "margin {a} -> {b} (+{}) exceeds the premium {premium} of {option}", b - a);
    }

    /// Every cell, the roll shock and the delta shock grow with the size of the book, the dampener
    /// is fixed: scaling every position by k ≥ 1 never lowers the margin.
    #[test]
    fn scaling_a_book_up_never_lowers_its_margin(
        book in prop::collection::vec(position(&ALL, &[0, 1, 2], (0.05, 3.0), None), 1..6),
        mkt in market(),
        k in log_uniform(1.0, 20.0),
    ) {
        let scaled: Vec<Value> = book.iter().map(|p| {
            let mut q = p.clone();
            q["quantity"] = json!(num(&p["quantity"]) * k);
            q
        }).collect();
        let (a, b) = (report_exact(&request(&book, &mkt)), report_exact(&request(&scaled, &mkt)));
        prop_assert!(total_initial(&b) >= total_initial(&a) * (1.0 - 1e-12),
            "×{k}: {} -> {}", total_initial(&a), total_initial(&b));
        for (pa, pb) in pools(&a).iter().zip(pools(&b)) {
            prop_assert!(num(&pb["initial"]) >= num(&pa["initial"]) * (1.0 - 1e-12), "{}", pa["pool"]);
        }
    }

    /// A pool's matrix before the haircut (standard and extended `pnlRaw`) is the cell-by-cell sum
    /// of its positions' own matrices (each position alone in a request).
    #[test]
    fn a_pools_raw_matrix_is_the_sum_of_its_positions_matrices(
        book in prop::collection::vec(position(&ALL, &[0, 1], (0.05, 3.0), None), 1..6),
        mkt in market(),
    ) {
        let whole = report_exact(&request(&book, &mkt));
        for pool in pools(&whole) {
            let name = pool["pool"].as_str().unwrap();
            let cells = raw_cells(pool);
            let mut sum = vec![0.0; cells.len()];
            let mut gross = vec![0.0; cells.len()];
            for p in book.iter() {
                let alone = report_exact(&request(std::slice::from_ref(p), &mkt));
                let Some(own) = pools(&alone).iter().find(|q| q["pool"] == name) else { continue };
                for ((s, g), c) in sum.iter_mut().zip(gross.iter_mut()).zip(raw_cells(own)) {
                    *s += c;
                    *g += c.abs();
                }
            }
            for (j, (c, s)) in cells.iter().zip(&sum).enumerate() {
                prop_assert!((c - s).abs() <= 1e-12 * gross[j].max(1e-300) * 16.0,
                    "{name} cell {j}: {c} vs sum {s} (gross {})", gross[j]);
            }
        }
    }

    /// The margin of a book does not depend on the order of its positions, nor on splitting a
    /// position into two of the same instrument.
    #[test]
    fn margin_is_invariant_to_order_and_to_splitting_a_position(
        book in prop::collection::vec(position(&ALL, &[0, 1, 2], (0.05, 3.0), None), 2..7),
        mkt in market(),
        split in 0usize..7,
        part in 0.05f64..0.95,
        seed in any::<u64>(),
    ) {
        let base = report_exact(&request(&book, &mkt));
        // a permutation from the seed
        let mut order: Vec<usize> = (0..book.len()).collect();
        let mut s = seed | 1;
        for i in (1..order.len()).rev() {
            s ^= s << 13; s ^= s >> 7; s ^= s << 17;
            order.swap(i, (s % (i as u64 + 1)) as usize);
        }
        let shuffled: Vec<Value> = order.iter().map(|&i| book[i].clone()).collect();
        let i = split % book.len();
        let mut halves = book.clone();
        let q = num(&book[i]["quantity"]);
        halves[i]["quantity"] = json!(q * part);
        let mut other = book[i].clone();
        other["quantity"] = json!(q - q * part);
        halves.push(other);
        for (what, variant) in [("order", shuffled), ("split", halves)] {
            let r = report_exact(&request(&variant, &mkt));
            for key in ["initial", "maintenance"] {
                let (a, b) = (num(&base["margin"]["totalUsd"][key]), num(&r["margin"]["totalUsd"][key]));
                let gross: f64 = pools(&base).iter().map(|p| raw_cells(p).iter().fold(0.0f64, |m, c| m.max(c.abs())) * num(&p["index"]).max(1.0)).sum();
                prop_assert!(close(a, b, gross), "{what}: {key} {a} vs {b}");
            }
        }
    }
}
