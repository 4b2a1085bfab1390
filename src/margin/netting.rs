//! Identical options priced once per pool (issue #16: identical instruments netted before the
//! sweep). Two live options whose pricing inputs are the same bits have the same per-unit P&L in
//! every cell, so a pool's sweep prices one of them and scales the cached per-unit vector by each
//! position's quantity. The cached values are exactly what the unnetted sweep computes before it
//! multiplies by the quantity, so every figure is the same bit for bit (`tests/netting.rs`).
//! The table is `crate::collections::KeyTable`, keyed by the inputs' bits.

use crate::collections::KeyTable;
use crate::pricing::valuation::ValuedPosition;

/// Every input an option's per-unit cell P&L depends on, as bits: forward, strike, time, vol,
/// rate, mark price, index, and call/inverse flags (and two zeros: the Monte Carlo grid's keys
/// have ten words, so both share one table type). The pool's scenarios are the rest.
pub type UnitKey = [u64; 10];

pub fn unit_key(p: &ValuedPosition) -> UnitKey {
    [
        p.forward.to_bits(),
        p.strike().to_bits(),
        p.t_years.to_bits(),
        p.sigma.unwrap_or(0.0).to_bits(),
        p.rate.to_bits(),
        p.unit_price_usd.to_bits(),
        p.index.to_bits(),
        u64::from(p.is_call()) | u64::from(p.is_inverse()) << 1,
        0,
        0,
    ]
}

/// Per-unit vectors of one pool's distinct options, `width` cells each.
pub struct UnitCache {
    width: usize,
    table: KeyTable<10>,
    units: Vec<f64>,
}

impl UnitCache {
    /// A cache for a pool of `members` positions.
    pub fn new(members: usize, width: usize) -> UnitCache {
        UnitCache {
            width,
            table: KeyTable::new(members),
            units: Vec::new(),
        }
    }

    /// Fill `out` with the per-unit vector of `key`: the cached one, or the first time the one
    /// `price` writes (then kept).
    pub fn units(&mut self, key: &UnitKey, out: &mut [f64], price: impl FnOnce(&mut [f64])) {
        let w = self.width;
        let (i, known) = self.table.index(key);
        if !known {
            self.units.resize((i + 1) * w, 0.0);
            price(&mut self.units[i * w..]);
        }
        for (o, u) in out.iter_mut().zip(&self.units[i * w..(i + 1) * w]) {
            *o = *u;
        }
    }

    /// Distinct options priced so far.
    pub fn distinct(&self) -> usize {
        self.table.len()
    }
}
