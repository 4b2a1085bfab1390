//! Identical options priced once per pool (issue #16: identical instruments netted before the
//! sweep). Two live options whose pricing inputs are the same bits have the same per-unit P&L in
//! every cell, so a pool's sweep prices one of them and scales the cached per-unit vector by each
//! position's quantity. The cached values are exactly what the unnetted sweep computes before it
//! multiplies by the quantity, so every figure is the same bit for bit (`tests/netting.rs`).
//!
//! A small open-addressing table keyed by the inputs' bits: std's `HashMap` was measured at
//! +2.3 KB of WebAssembly, more than the margin path's size budget allows.

use crate::pricing::valuation::ValuedPosition;

/// Every input an option's per-unit cell P&L depends on, as bits: forward, strike, time, vol,
/// rate, mark price, index, and call/inverse flags. The pool's scenarios are the rest.
pub type UnitKey = [u64; 8];

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
    ]
}

/// Per-unit vectors of one pool's distinct options, `width` cells each.
pub struct UnitCache {
    width: usize,
    /// Open addressing, linear probing: 1 + the index of a distinct option, or 0 for empty.
    slots: Vec<u32>,
    keys: Vec<UnitKey>,
    units: Vec<f64>,
}

impl UnitCache {
    /// A cache for a pool of `members` positions (a load factor of at most 1/2).
    pub fn new(members: usize, width: usize) -> UnitCache {
        let capacity = (2 * members).next_power_of_two().max(2);
        UnitCache {
            width,
            slots: vec![0; capacity],
            keys: Vec::new(),
            units: Vec::new(),
        }
    }

    /// Copy the cached vector of `key` into `out` and return None; or, for a new key, return
    /// the slot its vector is to be written to (then copied to `out` by the caller).
    pub fn fetch(&mut self, key: &UnitKey, out: &mut [f64]) -> Option<&mut [f64]> {
        let mask = self.slots.len() - 1;
        // FxHash's multiply-rotate over the words; the top bits pick the slot
        let h = key.iter().fold(0u64, |h, w| {
            (h.rotate_left(5) ^ w).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95)
        });
        let mut slot = (h >> 32) as usize & mask;
        let w = self.width;
        for _ in 0..self.slots.len() {
            match self.slots[slot] as usize {
                0 => break,
                at if self.keys[at - 1] == *key => {
                    let units = &self.units[(at - 1) * w..at * w];
                    for (o, u) in out.iter_mut().zip(units) {
                        *o = *u;
                    }
                    return None;
                }
                _ => slot = (slot + 1) & mask,
            }
        }
        // an empty slot, or (a table fuller than `new` sized it for) an occupied one taken
        // over: its key then misses and is priced again, never answered wrongly
        self.keys.push(*key);
        self.slots[slot] = self.keys.len() as u32;
        self.units.resize(self.keys.len() * w, 0.0);
        self.units.get_mut((self.keys.len() - 1) * w..)
    }

    /// Distinct options priced so far.
    pub fn distinct(&self) -> usize {
        self.keys.len()
    }
}
