//! Identical options netted before the sweep (issue #16, `src/margin/netting.rs`): a pool's stored
//! vectors, built with each distinct option priced once, are the same bits as each position's
//! vector priced alone, under every scenario model (risk matrix, segregated and cross; SPAN grid,
//! also time-shifted; OKX's basis-held and Bybit's USD risk units); and the netting does happen.
#![cfg(not(target_arch = "wasm32"))]

mod common;
mod random_book;
use common::*;
use random_book::*;

use portfolio_margin::margin::netting::UnitCache;
use proptest::prelude::*;
use serde_json::{json, Value};

fn models() -> Vec<Value> {
    vec![
        json!("deribit-pm"),
        json!({ "preset": "deribit-pm", "overrides": { "mode": "cross" } }),
        json!("span"),
        json!({ "preset": "span", "overrides": { "timeShiftDays": 2 } }),
        json!("okx-pm"),
        json!("bybit-pm"),
    ]
}

/// The book with copies of some positions at other quantities (the same instrument and vol, so
/// the same option), and of some at another vol (a different option).
fn with_copies(book: &[Value], picks: &[(usize, f64, bool)]) -> Vec<Value> {
    let mut out = book.to_vec();
    for (i, scale, other_vol) in picks {
        let mut p = book[i % book.len()].clone();
        p["quantity"] = json!(p["quantity"].as_f64().unwrap() * scale);
        if *other_vol {
            if let Some(iv) = p["iv"].as_f64() {
                p["iv"] = json!(iv * 1.25);
            }
        }
        out.push(p);
    }
    out
}

fn check(positions: &[Value], mkt: &Value) -> Result<usize, TestCaseError> {
    let mut netted = 0;
    for model in models() {
        let mut request = request(positions, mkt);
        request["model"] = model.clone();
        let request = portfolio_margin::Request::from_json(&request).unwrap();
        let session = portfolio_margin::api::session(&request)
            .unwrap_or_else(|e| panic!("{model}: {}", e.to_json()));
        for pool in &session.book.pools {
            let width = pool.width();
            let members = session.book.members(pool);
            let mut cache = UnitCache::new(members.len(), width);
            let mut alone = vec![0.0; width];
            for (row, p) in members.iter().enumerate() {
                pool.layout.position_vector(p, &mut alone);
                let stored: Vec<u64> = pool.vector(row).iter().map(|v| v.to_bits()).collect();
                let fresh: Vec<u64> = alone.iter().map(|v| v.to_bits()).collect();
                prop_assert_eq!(
                    stored,
                    fresh,
                    "{} pool {} row {} ({})",
                    model,
                    pool.pool,
                    row,
                    p.input.instrument.name
                );
                pool.layout.netted_vector(p, &mut alone, Some(&mut cache));
            }
            let options = members
                .iter()
                .filter(|p| p.is_option() && !p.expired)
                .count();
            netted += options - cache.distinct();
        }
    }
    Ok(netted)
}

proptest! {
    #![proptest_config(proptest_config())]

    #[test]
    fn netted_vectors_are_each_positions_own_bit_for_bit(
        book in prop::collection::vec(position(&ALL, &[0, 1, 2], (0.05, 3.0), None), 1..10),
        picks in prop::collection::vec((0usize..10, -3.0f64..3.0, any::<bool>()), 0..8),
        mkt in market(),
    ) {
        let picks: Vec<_> = picks.into_iter().filter(|(_, s, _)| s.abs() > 1e-3).collect();
        check(&with_copies(&book, &picks), &mkt)?;
    }
}

/// A book of one option held five times, at five quantities, and once at another vol: every
/// model prices it twice per pool, not six times, and the vectors still match.
#[test]
fn five_copies_of_one_option_are_priced_once() {
    let copies: Vec<Value> = [1.0, -2.5, 0.1, 7.0, -0.3]
        .iter()
        .map(|q| json!({ "instrument": "BTC-25DEC26-100000-C", "quantity": q, "iv": 0.55 }))
        .chain([json!({ "instrument": "BTC-25DEC26-100000-C", "quantity": 1.0, "iv": 0.6 })])
        .collect();
    let mkt = json!({
        "asOf": "2026-11-24T08:00:00Z",
        "rate": 0.01,
        "underlyings": { "BTC": { "index": 95000.0, "carry": 0.05, "iv": 0.6 } }
    });
    let netted = check(&copies, &mkt).unwrap();
    // six models, one pool each, six options of two distinct kinds
    assert_eq!(netted, models().len() * 4);
}
