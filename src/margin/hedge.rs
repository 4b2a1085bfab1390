//! Margin-minimising perpetual hedge per pool (SPEC §5), found exactly.
//!
//! With a hedge of `h` perpetual units, every aggregated cell is affine in `h`
//! (`A_c + h·v_c`); the dampener and the gains haircut make each cell's margin contribution
//! piecewise affine with breakpoints where `A_c + h·v_c ∈ {0, ±dampener}`; the roll shock is
//! `|n + h·c|·rate` (one kink); the delta shock is 0, then a convex quadratic, then linear in
//! `|D(h)|` (kinks at `D = 0`, at the threshold and where the cap starts). Between consecutive
//! breakpoints the margin is therefore convex: a maximum of affine functions plus convex terms.
//! We evaluate every breakpoint, and on each interval whose one-sided slopes show an interior
//! minimum we golden-section search the convex piece to machine precision.

use crate::input::instrument::{Instrument, QuantityUnit, Settlement};
use crate::input::positions::PositionInput;
use crate::margin::book::PoolBook;
use crate::margin::risk_matrix::{
    adjusted_cell, dampener_amounts, delta_shock, pool_delta, Contingency, CurrencyParams,
    UnderlyingShock,
};
use crate::pricing::valuation::ValuedPosition;
use serde::Serialize;

#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HedgeSuggestion {
    /// The perpetual to trade, e.g. `BTC-PERPETUAL` (inverse pools) or `BTC_USDC-PERPETUAL`.
    pub instrument: String,
    /// Signed quantity in the perpetual's unit (USD notional for inverse, coin for linear).
    pub quantity: f64,
    pub quantity_unit: QuantityUnit,
    pub initial_before: f64,
    pub initial_after: f64,
    /// `initialBefore − initialAfter`, in the pool's currency.
    pub saving: f64,
}

/// The pool's initial margin as a function of a perpetual hedge size.
pub struct HedgeProblem {
    aggregated: Vec<f64>,
    unit: Vec<f64>,
    dampeners: Vec<f64>,
    standard_cells: usize,
    pnl_offset: f64,
    contingency: Contingency,
    perp_coin_per_unit: f64,
    perp_delta_per_unit: f64,
    perp_rate: f64,
    index: f64,
    inverse: bool,
    shock: UnderlyingShock,
    currency: CurrencyParams,
}

impl HedgeProblem {
    /// Margin at hedge `h`.
    pub fn initial_at(&self, h: f64) -> f64 {
        let mut min = f64::INFINITY;
        for (i, (a, v)) in self.aggregated.iter().zip(&self.unit).enumerate() {
            let damp = if i >= self.standard_cells {
                self.dampeners
                    .get(i - self.standard_cells)
                    .copied()
                    .unwrap_or(0.0)
            } else {
                0.0
            };
            min = min.min(adjusted_cell(a + h * v, damp, self.pnl_offset));
        }
        let worst = (-min).max(0.0);
        let roll = self.contingency.roll_shock(
            h * self.perp_coin_per_unit,
            self.perp_rate,
            self.index,
            self.inverse,
        );
        let delta = delta_shock(
            self.contingency.delta + h * self.perp_delta_per_unit,
            self.index,
            &self.currency,
            &self.shock,
            self.inverse,
        );
        worst + roll + delta
    }

    fn breakpoints(&self) -> Vec<f64> {
        let mut points = vec![0.0];
        for (i, (a, v)) in self.aggregated.iter().zip(&self.unit).enumerate() {
            if *v == 0.0 {
                continue;
            }
            points.push(-a / v);
            if i >= self.standard_cells {
                let d = self
                    .dampeners
                    .get(i - self.standard_cells)
                    .copied()
                    .unwrap_or(0.0);
                points.push((d - a) / v);
                points.push((-d - a) / v);
            }
        }
        if self.perp_coin_per_unit != 0.0 {
            points.push(-self.contingency.perpetual_coin() / self.perp_coin_per_unit);
        }
        if self.perp_delta_per_unit != 0.0 {
            let d0 = self.contingency.delta;
            let k = self.perp_delta_per_unit;
            let threshold = self.currency.delta_total_liq_shock_threshold / self.index;
            let increment =
                self.shock.delta_shock_per_coin / self.index + self.shock.delta_shock_per_usd;
            let cap = if increment > 0.0 {
                threshold + self.currency.max_delta_shock / increment / self.index
            } else {
                threshold
            };
            for level in [0.0, threshold, -threshold, cap, -cap] {
                points.push((level - d0) / k);
            }
        }
        points.retain(|p| p.is_finite());
        points.sort_unstable_by(f64::total_cmp);
        points.dedup();
        points
    }

    /// The hedge minimising the margin, and the margin there.
    pub fn solve(&self) -> (f64, f64) {
        let points = self.breakpoints();
        let (lo, hi) = match (points.first(), points.last()) {
            (Some(lo), Some(hi)) => (*lo, *hi),
            _ => return (0.0, self.initial_at(0.0)),
        };
        // beyond the outermost breakpoints the margin is convex and grows (roll and delta terms)
        let span = (hi - lo).abs().max(hi.abs()).max(lo.abs()).max(1.0);
        let mut bounds = Vec::with_capacity(points.len() + 2);
        bounds.push(lo - 4.0 * span);
        bounds.extend_from_slice(&points);
        bounds.push(hi + 4.0 * span);
        let mut best: (f64, f64) = (0.0, self.initial_at(0.0));
        let mut consider = |h: f64, m: f64| {
            if m < best.1 || (m == best.1 && h.abs() < best.0.abs()) {
                best = (h, m);
            }
        };
        let values: Vec<f64> = bounds.iter().map(|h| self.initial_at(*h)).collect();
        for (h, m) in bounds.iter().zip(&values) {
            consider(*h, *m);
        }
        for w in 0..bounds.len().saturating_sub(1) {
            let (a, b) = (bounds[w], bounds[w + 1]);
            let width = b - a;
            if !(width > 0.0) {
                continue;
            }
            // one-sided slopes just inside the interval: an interior minimum needs f'(a+) < 0 < f'(b−)
            let eps = width * 1e-7;
            let slope_a = (self.initial_at(a + eps) - values[w]) / eps;
            let slope_b = (values[w + 1] - self.initial_at(b - eps)) / eps;
            if slope_a >= 0.0 || slope_b <= 0.0 {
                continue;
            }
            let (h, m) = golden_section(|h| self.initial_at(h), a, b);
            consider(h, m);
        }
        best
    }
}

/// Minimum of a convex function on [a, b] to machine precision.
pub fn golden_section(mut f: impl FnMut(f64) -> f64, mut a: f64, mut b: f64) -> (f64, f64) {
    const INV_PHI: f64 = 0.618_033_988_749_894_9;
    let mut c = b - INV_PHI * (b - a);
    let mut d = a + INV_PHI * (b - a);
    let (mut fc, mut fd) = (f(c), f(d));
    for _ in 0..200 {
        if (b - a).abs() <= 1e-15 * (a.abs() + b.abs()).max(1e-300) {
            break;
        }
        if fc <= fd {
            b = d;
            d = c;
            fd = fc;
            c = b - INV_PHI * (b - a);
            fc = f(c);
        } else {
            a = c;
            c = d;
            fc = fd;
            d = a + INV_PHI * (b - a);
            fd = f(d);
        }
    }
    if fc <= fd {
        (c, fc)
    } else {
        (d, fd)
    }
}

/// The perpetual of a pool, valued on the pool's index, quantity 1 in its own unit.
fn unit_perpetual(pool: &PoolBook) -> ValuedPosition {
    let quote = (pool.settlement == Settlement::Linear).then_some(pool.currency.as_str());
    let instrument = Instrument::perpetual(&pool.underlying, quote);
    let unit = instrument.quantity_unit;
    let inverse = pool.settlement == Settlement::Inverse;
    let quantity_coin = if inverse { 1.0 / pool.index } else { 1.0 };
    ValuedPosition {
        input: PositionInput {
            instrument,
            quantity: 1.0,
            unit,
            mark: None,
            iv: None,
            entry: None,
            line: None,
            venue: None,
        },
        pool: pool.pool.clone(),
        quantity: 1.0,
        quantity_coin,
        index: pool.index,
        forward: pool.index,
        t_years: 0.0,
        sigma: None,
        iv_source: None,
        rate: 0.0,
        expired: false,
        unit_price_usd: 0.0,
        value_usd: 0.0,
        value_pool: 0.0,
        greeks: crate::pricing::valuation::PositionGreeks {
            delta: quantity_coin,
            delta_usd: quantity_coin * pool.index,
            delta_forward: Some(quantity_coin),
            delta_coin_account: inverse.then_some(quantity_coin),
            ..Default::default()
        },
    }
}

/// The margin-minimising perpetual hedge of a pool under a risk-matrix model (None otherwise).
pub fn suggest(pool: &PoolBook, members: &[&ValuedPosition]) -> Option<HedgeSuggestion> {
    let matrix = pool.layout.matrix()?;
    let perp = unit_perpetual(pool);
    let mut unit = vec![0.0; pool.width()];
    pool.layout.position_vector(&perp, &mut unit);
    let problem = HedgeProblem {
        aggregated: pool.aggregated.clone(),
        unit,
        dampeners: dampener_amounts(&matrix.scen, &matrix.currency, pool.index),
        standard_cells: 3 * matrix.scen.price_moves.len(),
        pnl_offset: matrix.currency.pnl_offset,
        contingency: Contingency::of(members.iter().copied(), &matrix.currency),
        perp_coin_per_unit: perp.quantity_coin,
        perp_delta_per_unit: pool_delta(&perp),
        perp_rate: matrix.currency.min_annualised_move,
        index: pool.index,
        inverse: matrix.scen.inverse,
        shock: matrix.shock.clone(),
        currency: matrix.currency.clone(),
    };
    // the pool's margin as reported (a long-options-only pool is capped at its value, which any
    // hedge would end: then no trade is the best)
    let before = pool.margin().initial;
    let (h, after) = match problem.solve() {
        (h, after) if after < before => (h, after),
        _ => (0.0, before),
    };
    Some(HedgeSuggestion {
        instrument: perp.input.instrument.name.clone(),
        quantity: h,
        quantity_unit: perp.input.instrument.quantity_unit,
        initial_before: before,
        initial_after: after,
        saving: before - after,
    })
}
