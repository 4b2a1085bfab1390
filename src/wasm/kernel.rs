//! Kernel benchmarks, never in the shipped package: the scenario sweep of a book on its own, the
//! arithmetic limit of one cell, and the price-and-Greeks loop. Natively they are criterion benches
//! (`benches/pricing.rs`); in WebAssembly they are exported only by the bench build (cargo feature
//! `bench-kernel`, `pkg/bench/`, built by `scripts/bench.sh`), so the same code is timed in both.

use crate::api::Session;
use crate::error::Result;
use crate::margin::layout::PoolLayout;
use crate::pricing::black76;

/// A valued book whose scenario vectors are refilled on demand.
pub struct Sweep {
    session: Session,
    scratch: Vec<f64>,
}

impl Sweep {
    pub fn new(request_json: &str) -> Result<Sweep> {
        let request = crate::api::parse_request(request_json)?;
        Ok(Sweep {
            session: crate::api::session(&request)?,
            scratch: Vec::new(),
        })
    }

    /// Option cells priced by one sweep: each live option in a risk-matrix pool, once per cell of
    /// the standard and extended tables but the unchanged state at no move (which is 0 by definition).
    pub fn revaluations(&self) -> usize {
        let book = &self.session.book;
        book.pools
            .iter()
            .map(|pool| {
                let per_option = match &pool.layout {
                    PoolLayout::Matrix(m) => {
                        let zero = m.scen.price_moves.iter().filter(|x| **x == 0.0).count();
                        m.scen.cells() - zero
                    }
                    _ => 0,
                };
                let options = pool
                    .members
                    .iter()
                    .filter_map(|i| book.positions.get(*i))
                    .filter(|p| p.is_option() && !p.expired)
                    .count();
                per_option * options
            })
            .sum()
    }

    /// Fill every position's scenario vector once (the sweep of `Book::build`); a checksum.
    pub fn run(&mut self) -> f64 {
        let book = &self.session.book;
        let mut sum = 0.0;
        for pool in &book.pools {
            self.scratch.resize(pool.layout.width(), 0.0);
            for p in pool.members.iter().filter_map(|i| book.positions.get(*i)) {
                pool.layout.position_vector(p, &mut self.scratch);
                sum += self.scratch.first().copied().unwrap_or(0.0);
            }
        }
        sum
    }
}

/// Inputs of the tight loops: a spread of moneyness and total deviation.
fn spread(i: usize) -> (f64, f64) {
    let x = (i % 1024) as f64 / 1024.0;
    ((x - 0.5) * 0.6, 0.05 + 0.6 * (1.0 - x))
}

/// The arithmetic limit of one scenario cell: what is left of a revaluation once every shared term
/// is hoisted (`ln(F/K) + ln(1+m)` and `σ√T` given): `d1`, `d2`, two normal CDFs (`black76::norm_cdf`,
/// one `exp` each beyond |d| = 0.66) and the two products. `cells` cells; returns their sum.
pub fn arithmetic_limit(cells: usize) -> f64 {
    let (f, k) = (95_000.0, 100_000.0);
    let inputs: Vec<(f64, f64)> = (0..1024).map(spread).collect();
    let mut acc = 0.0;
    for c in 0..cells {
        let (ln_fk, sd) = inputs[c % 1024];
        let d1 = ln_fk / sd + 0.5 * sd;
        let d2 = d1 - sd;
        acc += f * black76::norm_cdf(d1) - k * black76::norm_cdf(d2);
    }
    acc
}

/// `n` evaluations of Black-76 price and all Greeks (`black76::greeks`) over a spread of 1 024 options.
pub fn price_greeks(n: usize) -> f64 {
    let inputs: Vec<(f64, f64, f64, bool)> = (0..1024)
        .map(|i| {
            let (m, sd) = spread(i);
            let t = 0.01 + 2.0 * (i as f64 / 1024.0);
            (95_000.0 * libm::exp(-m), t, sd / t.sqrt(), i % 2 == 0)
        })
        .collect();
    let mut acc = 0.0;
    for i in 0..n {
        let (strike, t, sigma, call) = inputs[i % 1024];
        let g = black76::greeks(95_000.0, strike, t, sigma, 0.0, call);
        acc += g.price + g.delta + g.gamma + g.vega + g.theta + g.rho + g.vanna + g.volga;
    }
    acc
}

#[cfg(all(target_arch = "wasm32", feature = "bench-kernel"))]
mod js {
    use wasm_bindgen::prelude::*;

    /// The scenario sweep of a book, kept in WebAssembly memory.
    #[wasm_bindgen]
    pub struct KernelSweep(super::Sweep);

    #[wasm_bindgen]
    impl KernelSweep {
        #[wasm_bindgen(constructor)]
        pub fn new(request_json: &str) -> Result<KernelSweep, JsValue> {
            super::Sweep::new(request_json)
                .map(KernelSweep)
                .map_err(|e| JsValue::from_str(&e.message))
        }
        /// `reps` sweeps; a checksum.
        pub fn run(&mut self, reps: u32) -> f64 {
            (0..reps).map(|_| self.0.run()).sum()
        }
        /// Option cells priced per sweep.
        pub fn revaluations(&self) -> f64 {
            self.0.revaluations() as f64
        }
    }

    #[wasm_bindgen(js_name = arithmeticLimit)]
    pub fn arithmetic_limit(cells: u32) -> f64 {
        super::arithmetic_limit(cells as usize)
    }

    #[wasm_bindgen(js_name = priceGreeksLoop)]
    pub fn price_greeks(n: u32) -> f64 {
        super::price_greeks(n as usize)
    }
}
