//! The margin-minimising hedge over any set of instruments, within a premium budget (issue 14;
//! docs/CONVENTIONS.md, "Hedge optimisation"). Full build only (cargo feature `optimize`).
//!
//! Every candidate's scenario P&L is linear in its quantity, so each aggregated cell of the pool is
//! affine in the trade vector `q`: `x_c = A_c + Σ_j q_j v_jc`. The model's pieces are then:
//! - worst case `max(0, max_c (−x_c − d_c))` (`d_c` the dampener of an extended cell, 0 for a
//!   standard one; the gains haircut only scales positive cells, which never set a segregated
//!   worst case): an epigraph variable `t ≥ 0`, `t ≥ −x_c − d_c`;
//! - roll shock `Σ_b rate_b·|n_b + Σ_{j∈b} q_j coin_j|` (× index in linear pools): two rows per bucket;
//! - delta shock: zero while `|D(q)|·S ≤ threshold`, not convex beyond. It is handled exactly where
//!   it is zero: one LP keeps `D(q)` inside that band, a second drops the term (a lower bound of
//!   every hedge), and each solution is then valued with the full formula;
//! - scenario grids: scan risk as above, the short option minimum as a sum of positive parts, and
//!   the spread charge `rate·min(long, short)`, the minimum of two convex functions: one LP with
//!   `long` and one with `short`, the better of the two is the exact optimum;
//! - the premium budget `Σ q_j·premium_j ≤ B` and the bounds are linear.
//!
//! The LP is solved by `minilp` (pure Rust, builds for wasm32; microlp, its maintained fork, costs 151 KB gzipped of WebAssembly against minilp's few, docs/CONVENTIONS.md). The LP solution is rounded to lot
//! sizes (every floor/ceil combination of the fractional quantities when at most
//! [`MAX_ENUMERATED`] are fractional, else nearest lot and a one-lot descent), each choice checked
//! against the budget and valued by the model; the chosen trades are finally valued with the
//! model itself (the book plus the trades, as `marginImpact` does), so the reported margin is the
//! model's own figure.

use crate::error::{Error, ErrorCode, Result};
use crate::input::hedge::{HedgeInput, MAX_CANDIDATES};
use crate::input::instrument::{Instrument, Kind, QuantityUnit, Settlement};
use crate::input::market::MarketInput;
use crate::input::positions::PositionInput;
use crate::margin::book::PoolBook;
use crate::margin::layout::PoolLayout;
use crate::margin::risk_matrix::{
    dampener_amounts, delta_shock, expiry_bucket, pool_delta, Contingency, CurrencyParams,
    ScenarioTable, UnderlyingShock, VOL_STATES,
};
use crate::margin::session::Session;
use crate::pricing::valuation::{value_positions, ValuedPosition};
use crate::time::{year_fraction, Date};
use minilp::{ComparisonOp, OptimizationDirection, Problem, Variable};
use serde::Serialize;

/// At most this many fractional quantities are rounded by trying every floor/ceil combination.
pub const MAX_ENUMERATED: usize = 10;
/// Default candidates: this many listed strikes below the forward (puts) and at or above it (calls),
/// per expiry.
pub const STRIKES_EACH_SIDE: usize = 2;

/// One trade of the hedge.
#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HedgeTrade {
    pub instrument: String,
    /// Signed quantity in `quantityUnit`, a whole number of lots.
    pub quantity: f64,
    pub quantity_unit: QuantityUnit,
    /// The lot size the quantity was rounded to (0: not rounded).
    pub lot: f64,
    /// The LP's quantity before rounding.
    pub lp_quantity: f64,
    /// Premium paid for this trade at the model's mark, pool currency (negative: received).
    pub premium: f64,
}

/// A scenario cell that sets the worst case after the hedge.
#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BindingScenario {
    pub table: ScenarioTable,
    pub row: usize,
    pub column: usize,
    pub price_move: f64,
    /// The vol state (`up`, `unchanged`, `down`) or, in a scenario grid, the vol shift.
    pub vol: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// The cell's P&L after the hedge (after the dampener), pool currency.
    pub pnl: f64,
}

/// The result of `optimizeHedge`.
#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HedgePlan {
    pub pool: String,
    pub currency: String,
    pub model: String,
    /// The instruments the solver could trade.
    pub candidates: Vec<String>,
    /// The trades (quantity ≠ 0), in candidate order.
    pub trades: Vec<HedgeTrade>,
    /// The trades as pasted positions, one per line (for `marginImpact` or the book).
    pub orders: String,
    pub initial_before: f64,
    /// The model's own initial margin of the book plus the trades.
    pub initial_after: f64,
    /// `initialBefore − initialAfter`.
    pub saving: f64,
    /// The LP optimum before rounding to lots (what any hedge in continuous quantities, inside
    /// the delta-shock-free band where the LP chose it, can reach).
    pub lp_bound: f64,
    /// The LP solved with the delta shock left out: no hedge of these candidates, budget and bounds
    /// margins less (a lower bound; the long-option cap aside).
    pub lower_bound: f64,
    /// True when the continuous optimum is proven: `lpBound` equals `lowerBound`.
    pub exact: bool,
    /// Net premium paid, pool currency (negative: received).
    pub premium: f64,
    pub budget: Option<f64>,
    /// `saving / premium` where premium is paid (> 0), else null.
    pub saving_per_premium: Option<f64>,
    /// The cells at the worst case after the hedge (empty when the worst case is 0).
    pub binding_scenarios: Vec<BindingScenario>,
    /// How quantities were brought to lots: `none` (no fractional lot), `enumeration` or `descent`.
    pub rounding: &'static str,
}

/// One candidate, valued at quantity 1 in its own unit.
struct Candidate {
    position: ValuedPosition,
    vector: Vec<f64>,
    min: f64,
    max: f64,
    lot: f64,
    premium: f64,
    delta: f64,
    coin: f64,
    /// Index of its roll (and spread) bucket, futures and perpetuals only.
    bucket: Option<usize>,
    is_option: bool,
}

/// The model's terms besides the scenario cells.
enum Terms {
    Matrix {
        delta0: f64,
        index: f64,
        inverse: bool,
        currency: CurrencyParams,
        shock: UnderlyingShock,
        /// Whether the delta shock can be non-zero at all.
        delta_active: bool,
    },
    Grid {
        initial_factor: f64,
        spread_rate: f64,
        som_rate: f64,
        short_options0: f64,
    },
}

/// A pool's initial margin as a function of the trade vector.
struct HedgeModel {
    aggregated: Vec<f64>,
    /// Per cell the dampener (extended cells), 0 elsewhere.
    offsets: Vec<f64>,
    candidates: Vec<Candidate>,
    /// Per roll bucket: (net coin of the book, rate); grids: (net delta of the book, unused).
    buckets: Vec<(f64, f64)>,
    to_pool: f64,
    terms: Terms,
    scale: f64,
}

/// Which LP to solve.
#[derive(Clone, Copy, PartialEq)]
enum Variant {
    /// Risk matrix; `true`: the net delta kept where the delta shock is zero.
    Matrix(bool),
    /// Scenario grid; `true`: the spread charge counted on the long side, `false` the short side.
    Grid(bool),
}

impl HedgeModel {
    fn cells_at(&self, q: &[f64]) -> Vec<f64> {
        let mut x = self.aggregated.clone();
        for (c, qj) in self.candidates.iter().zip(q) {
            if *qj != 0.0 {
                for (xi, v) in x.iter_mut().zip(&c.vector) {
                    *xi += qj * v;
                }
            }
        }
        x
    }

    fn worst_of(&self, x: &[f64]) -> f64 {
        x.iter()
            .zip(&self.offsets)
            .fold(0.0f64, |w, (xi, d)| w.max(-xi - d))
    }

    fn premium_at(&self, q: &[f64]) -> f64 {
        self.candidates
            .iter()
            .zip(q)
            .map(|(c, qj)| qj * c.premium)
            .sum()
    }

    fn bucket_nets(&self, q: &[f64], per_unit: impl Fn(&Candidate) -> f64) -> Vec<f64> {
        let mut nets: Vec<f64> = self.buckets.iter().map(|b| b.0).collect();
        for (c, qj) in self.candidates.iter().zip(q) {
            if let Some(b) = c.bucket {
                if let Some(n) = nets.get_mut(b) {
                    *n += qj * per_unit(c);
                }
            }
        }
        nets
    }

    /// The model's margin at `q` (long-option cap and the 1e-12 cleaning aside; the reported
    /// figure is the model's own).
    fn margin_at(&self, q: &[f64]) -> f64 {
        self.margin_with(q, &self.cells_at(q))
    }

    /// Polish an LP solution to machine precision: along each traded candidate in turn, a golden
    /// section over ±0.1 % of its quantity (the margin is convex along it inside the delta band),
    /// kept where the model's margin falls and the budget holds. The LP's tolerance (1e-8 of its
    /// scaled rows) would otherwise show in the trades' last digits.
    fn polish(&self, q: &mut [f64], budget: Option<f64>) {
        let mut x = self.cells_at(q);
        let mut best = self.margin_with(q, &x);
        for j in 0..q.len() {
            let c = &self.candidates[j];
            if q[j] == 0.0 {
                continue;
            }
            let r = 1e-3 * q[j].abs();
            let (lo, hi) = ((q[j] - r).max(c.min), (q[j] + r).min(c.max));
            let start = q[j];
            let mut trial = q.to_vec();
            let mut cells = x.clone();
            let mut at = |s: f64| {
                trial[j] = s;
                for ((y, x0), v) in cells.iter_mut().zip(&x).zip(&c.vector) {
                    *y = x0 + (s - start) * v;
                }
                self.margin_with(&trial, &cells)
            };
            let (s, m) = crate::margin::hedge::golden_section(&mut at, lo, hi);
            let mut moved = q.to_vec();
            moved[j] = s;
            if m < best && self.within_budget(&moved, budget) {
                best = m;
                q[j] = s;
                for (y, v) in x.iter_mut().zip(&c.vector) {
                    *y += (s - start) * v;
                }
            }
        }
    }

    /// The delta shock at `q` (0 for scenario grids).
    fn delta_shock_at(&self, q: &[f64]) -> f64 {
        match &self.terms {
            Terms::Matrix {
                delta0,
                index,
                inverse,
                currency,
                shock,
                ..
            } => {
                let d = delta0
                    + self
                        .candidates
                        .iter()
                        .zip(q)
                        .map(|(c, qj)| qj * c.delta)
                        .sum::<f64>();
                delta_shock(d, *index, currency, shock, *inverse)
            }
            Terms::Grid { .. } => 0.0,
        }
    }

    fn margin_with(&self, q: &[f64], cells: &[f64]) -> f64 {
        let worst = self.worst_of(cells);
        match &self.terms {
            Terms::Matrix {
                delta0,
                index,
                inverse,
                currency,
                shock,
                ..
            } => {
                let nets = self.bucket_nets(q, |c| c.coin);
                let roll: f64 = nets
                    .iter()
                    .zip(&self.buckets)
                    .map(|(n, b)| n.abs() * b.1)
                    .sum::<f64>()
                    * self.to_pool;
                let d = delta0
                    + self
                        .candidates
                        .iter()
                        .zip(q)
                        .map(|(c, qj)| qj * c.delta)
                        .sum::<f64>();
                worst + roll + delta_shock(d, *index, currency, shock, *inverse)
            }
            Terms::Grid {
                initial_factor,
                spread_rate,
                som_rate,
                short_options0,
            } => {
                let nets = self.bucket_nets(q, |c| c.delta);
                let long: f64 = nets.iter().filter(|n| **n > 0.0).sum();
                let short: f64 = -nets.iter().filter(|n| **n < 0.0).sum::<f64>();
                let spread = spread_rate * long.min(short) * self.to_pool;
                let shorts: f64 = self
                    .candidates
                    .iter()
                    .zip(q)
                    .filter(|(c, _)| c.is_option)
                    .map(|(c, qj)| (-qj).max(0.0) * c.coin)
                    .sum();
                let som = som_rate * (short_options0 + shorts) * self.to_pool;
                initial_factor * (worst + spread).max(som)
            }
        }
    }

    fn within_budget(&self, q: &[f64], budget: Option<f64>) -> bool {
        match budget {
            None => true,
            Some(b) => {
                let gross: f64 = self
                    .candidates
                    .iter()
                    .zip(q)
                    .map(|(c, qj)| (qj * c.premium).abs())
                    .sum();
                self.premium_at(q) <= b + 1e-12 * gross
            }
        }
    }

    /// Money per unit of each candidate: the largest of its cell P&L and premium sizes.
    fn unit_size(c: &Candidate) -> f64 {
        c.vector.iter().fold(c.premium.abs(), |m, v| m.max(v.abs()))
    }

    /// Solve one LP, then once more centred on its solution (iterative refinement: the second
    /// solve finds a small step, so its rounding error is small against the trades); the trades
    /// and the LP's margin, None when infeasible (or the solver failed).
    fn solve(&self, variant: Variant, budget: Option<f64>) -> Option<(Vec<f64>, f64)> {
        let zero = vec![0.0; self.candidates.len()];
        let mut best = self.solve_at(variant, budget, &zero, self.scale)?;
        let mut best_margin = self.margin_at(&best.0);
        // the step in units a million times finer: the solver's absolute tolerance (1e-8) then
        // stands for 1e-14 of the pool's margin; kept where the model says it is better
        for _ in 0..2 {
            match self.solve_at(variant, budget, &best.0, 1e-6 * self.scale) {
                Some(refined) if self.margin_at(&refined.0) < best_margin => {
                    best_margin = self.margin_at(&refined.0);
                    best = refined;
                }
                _ => break,
            }
        }
        Some(best)
    }

    /// The LP in the step `δ` from `base` (every row's right-hand side is the model at `base`).
    fn solve_at(
        &self,
        variant: Variant,
        budget: Option<f64>,
        base: &[f64],
        unit: f64,
    ) -> Option<(Vec<f64>, f64)> {
        let m0 = unit;
        let at_base = self.cells_at(base);
        let mut lp = Problem::new(OptimizationDirection::Minimize);
        // q_j = x_j · m0 / size_j: every column's coefficients in [−1, 1]
        let sizes: Vec<f64> = self.candidates.iter().map(Self::unit_size).collect();
        let xs: Vec<Option<Variable>> = self
            .candidates
            .iter()
            .zip(&sizes)
            .zip(base)
            .map(|((c, s), b)| {
                (*s > 0.0).then(|| lp.add_var(0.0, ((c.min - b) * s / m0, (c.max - b) * s / m0)))
            })
            .collect();
        let per_x = |j: usize| m0 / sizes[j];
        let grid = matches!(variant, Variant::Grid(_));
        // worst case (objective directly for the matrix; through z for grids)
        let t = lp.add_var(if grid { 0.0 } else { 1.0 }, (0.0, f64::INFINITY));
        for (c, (a, d)) in at_base.iter().zip(&self.offsets).enumerate() {
            let mut row: Vec<(Variable, f64)> = vec![(t, 1.0)];
            for (j, x) in xs.iter().enumerate() {
                if let Some(x) = x {
                    let coef = self.candidates[j].vector[c] / sizes[j];
                    if coef.abs() > 1e-13 {
                        row.push((*x, coef));
                    }
                }
            }
            lp.add_constraint(row.as_slice(), ComparisonOp::Ge, (-a - d) / m0);
        }
        let mut constant = 0.0;
        // premium budget
        if let Some(b) = budget {
            let row = normalised(
                xs.iter()
                    .enumerate()
                    .filter_map(|(j, x)| x.map(|x| (x, self.candidates[j].premium * per_x(j)))),
            );
            if let Some((row, k)) = row {
                lp.add_constraint(
                    row.as_slice(),
                    ComparisonOp::Le,
                    (b - self.premium_at(base)) / k,
                );
            }
        }
        match (&self.terms, variant) {
            (
                Terms::Matrix {
                    delta0,
                    index,
                    currency,
                    delta_active,
                    ..
                },
                Variant::Matrix(zone),
            ) => {
                let nets = self.bucket_nets(base, |c| c.coin);
                for (b, (n, (_, rate))) in nets.iter().zip(&self.buckets).enumerate() {
                    let members: Vec<(Variable, f64)> = xs
                        .iter()
                        .enumerate()
                        .filter(|(j, _)| self.candidates[*j].bucket == Some(b))
                        .filter_map(|(j, x)| {
                            x.map(|x| (x, rate * self.to_pool * self.candidates[j].coin / sizes[j]))
                        })
                        .collect();
                    let fixed = rate * self.to_pool * n / m0;
                    if members.is_empty() {
                        constant += fixed.abs();
                        continue;
                    }
                    let r = lp.add_var(1.0, (0.0, f64::INFINITY));
                    let mut up = vec![(r, 1.0)];
                    let mut down = vec![(r, 1.0)];
                    for (x, k) in &members {
                        up.push((*x, -k));
                        down.push((*x, *k));
                    }
                    lp.add_constraint(up.as_slice(), ComparisonOp::Ge, fixed);
                    lp.add_constraint(down.as_slice(), ComparisonOp::Ge, -fixed);
                }
                let delta0 = delta0
                    + self
                        .candidates
                        .iter()
                        .zip(base)
                        .map(|(c, b)| b * c.delta)
                        .sum::<f64>();
                if zone && *delta_active {
                    let band = currency.delta_total_liq_shock_threshold / index;
                    let row =
                        normalised(xs.iter().enumerate().filter_map(|(j, x)| {
                            x.map(|x| (x, self.candidates[j].delta * per_x(j)))
                        }));
                    match row {
                        Some((row, k)) => {
                            lp.add_constraint(
                                row.as_slice(),
                                ComparisonOp::Le,
                                (band - delta0) / k,
                            );
                            lp.add_constraint(
                                row.as_slice(),
                                ComparisonOp::Ge,
                                (-band - delta0) / k,
                            );
                        }
                        None if delta0.abs() > band => return None,
                        None => {}
                    }
                }
            }
            (
                Terms::Grid {
                    initial_factor,
                    spread_rate,
                    som_rate,
                    short_options0,
                },
                Variant::Grid(long_side),
            ) => {
                let z = lp.add_var(*initial_factor, (0.0, f64::INFINITY));
                // z ≥ t + spread
                let mut first = vec![(z, 1.0), (t, -1.0)];
                if *spread_rate > 0.0 {
                    let sign = if long_side { 1.0 } else { -1.0 };
                    let nets = self.bucket_nets(base, |c| c.delta);
                    for (b, n) in nets.iter().enumerate() {
                        let u = lp.add_var(0.0, (0.0, f64::INFINITY));
                        let k = spread_rate * self.to_pool;
                        let mut row = vec![(u, 1.0)];
                        for (j, x) in xs.iter().enumerate() {
                            if let (Some(x), Some(bj)) = (x, self.candidates[j].bucket) {
                                if bj == b {
                                    row.push((*x, -sign * k * self.candidates[j].delta / sizes[j]));
                                }
                            }
                        }
                        lp.add_constraint(row.as_slice(), ComparisonOp::Ge, sign * k * n / m0);
                        first.push((u, -1.0));
                    }
                }
                lp.add_constraint(first.as_slice(), ComparisonOp::Ge, 0.0);
                // z ≥ short option minimum
                let mut second = vec![(z, 1.0)];
                if *som_rate > 0.0 {
                    for (j, x) in xs.iter().enumerate() {
                        let c = &self.candidates[j];
                        if let (Some(x), true) = (x, c.is_option) {
                            let k = som_rate * self.to_pool * c.coin / sizes[j];
                            let w = lp.add_var(0.0, (0.0, f64::INFINITY));
                            let shift = -k * base[j] * sizes[j] / m0;
                            lp.add_constraint([(w, 1.0), (*x, k)], ComparisonOp::Ge, shift);
                            second.push((w, -1.0));
                        }
                    }
                }
                lp.add_constraint(
                    second.as_slice(),
                    ComparisonOp::Ge,
                    som_rate * short_options0 * self.to_pool / m0,
                );
            }
            _ => return None,
        }
        let solution = lp.solve().ok()?;
        let q: Vec<f64> = xs
            .iter()
            .enumerate()
            .map(|(j, x)| match x {
                Some(x) => {
                    let v = *solution.var_value(*x);
                    let q = (base[j] + v * per_x(j))
                        .clamp(self.candidates[j].min, self.candidates[j].max);
                    // below the solver's resolution: no trade
                    if (q * sizes[j] / self.scale).abs() < 1e-10 {
                        0.0
                    } else {
                        q
                    }
                }
                None => base[j],
            })
            .collect();
        Some((q, solution.objective() * m0 + constant * m0))
    }

    /// Bring continuous trades within the budget (the LP meets it to its tolerance): the bought
    /// trades without a lot are cut back, the dearest first.
    fn trim_to_budget(&self, q: &mut [f64], budget: Option<f64>) {
        let Some(b) = budget else { return };
        let mut order: Vec<usize> = (0..q.len())
            .filter(|j| self.candidates[*j].lot == 0.0)
            .collect();
        order.sort_by(|a, c| {
            let pa = q[*a] * self.candidates[*a].premium;
            let pc = q[*c] * self.candidates[*c].premium;
            pc.total_cmp(&pa)
        });
        for j in order {
            let excess = self.premium_at(q) - b;
            let paid = q[j] * self.candidates[j].premium;
            if excess <= 0.0 || paid <= 0.0 {
                break;
            }
            let cut = excess.min(paid) / paid;
            q[j] -= q[j] * cut;
            if excess >= paid {
                q[j] = 0.0;
            }
        }
    }

    /// Round to lots (documented method); the trades, and how.
    fn round(&self, lp: &[f64], budget: Option<f64>) -> (Vec<f64>, &'static str) {
        let mut q = lp.to_vec();
        self.trim_to_budget(&mut q, budget);
        let mut fractional = Vec::new();
        for (j, c) in self.candidates.iter().enumerate() {
            if c.lot <= 0.0 {
                continue;
            }
            let k = q[j] / c.lot;
            let nearest = k.round();
            if (k - nearest).abs() <= 1e-9 * nearest.abs().max(1.0) {
                q[j] = lots(nearest, c.lot);
            } else {
                let lo = (c.min / c.lot).ceil();
                let hi = (c.max / c.lot).floor();
                let down = lots(k.floor().clamp(lo, hi), c.lot);
                let up = lots(k.ceil().clamp(lo, hi), c.lot);
                q[j] = lots(nearest.clamp(lo, hi), c.lot);
                fractional.push((j, down, up));
            }
        }
        let ok = |q: &[f64]| self.within_budget(q, budget);
        if fractional.is_empty() {
            return (if ok(&q) { q } else { vec![0.0; lp.len()] }, "none");
        }
        if fractional.len() <= MAX_ENUMERATED {
            let mut best: Option<(f64, Vec<f64>)> = None;
            let mut trial = q.clone();
            for mask in 0u32..(1u32 << fractional.len()) {
                for (bit, (j, down, up)) in fractional.iter().enumerate() {
                    trial[*j] = if mask & (1 << bit) != 0 { *up } else { *down };
                }
                if !ok(&trial) {
                    continue;
                }
                let m = self.margin_at(&trial);
                if best.as_ref().is_none_or(|(bm, _)| m < *bm) {
                    best = Some((m, trial.clone()));
                }
            }
            let q = best.map(|(_, q)| q).unwrap_or_else(|| vec![0.0; lp.len()]);
            return (q, "enumeration");
        }
        // nearest lots, toward zero where the budget needs it, then one-lot descent
        if !ok(&q) {
            for (j, down, up) in &fractional {
                q[*j] = if down.abs() <= up.abs() { *down } else { *up };
            }
        }
        if !ok(&q) {
            return (vec![0.0; lp.len()], "descent");
        }
        let mut best = self.margin_at(&q);
        for _ in 0..3 {
            let mut improved = false;
            for (j, down, up) in &fractional {
                let keep = q[*j];
                q[*j] = if keep == *down { *up } else { *down };
                let m = self.margin_at(&q);
                if m < best && ok(&q) {
                    best = m;
                    improved = true;
                } else {
                    q[*j] = keep;
                }
            }
            if !improved {
                break;
            }
        }
        (q, "descent")
    }
}

/// `count` lots of `lot`, as the decimal a trader writes: a lot of 0.1 makes 1.4, not
/// 1.4000000000000001 (a whole count times the lot's decimal digits, divided once).
fn lots(count: f64, lot: f64) -> f64 {
    let mut scale = 1.0;
    for _ in 0..12 {
        let digits = lot * scale;
        if (digits - digits.round()).abs() <= 1e-9 * digits.abs().max(1.0) {
            return count * digits.round() / scale;
        }
        scale *= 10.0;
    }
    count * lot
}

/// A row scaled so that its largest coefficient is 1, and the factor; None when all are 0.
fn normalised(row: impl Iterator<Item = (Variable, f64)>) -> Option<(Vec<(Variable, f64)>, f64)> {
    let row: Vec<(Variable, f64)> = row.filter(|(_, k)| *k != 0.0).collect();
    let k = row.iter().fold(0.0f64, |m, (_, c)| m.max(c.abs()));
    (k > 0.0).then(|| (row.into_iter().map(|(x, c)| (x, c / k)).collect(), k))
}

/// The venue's contract size of an instrument, in its own unit (docs/CONVENTIONS.md): Deribit's
/// minimum order sizes.
pub fn default_lot(inst: &Instrument) -> f64 {
    let btc = inst.underlying == "BTC";
    let eth = inst.underlying == "ETH";
    match (inst.kind, inst.settlement) {
        (Kind::Future | Kind::Perpetual, Settlement::Inverse) => {
            if btc {
                10.0
            } else {
                1.0
            }
        }
        (Kind::Future | Kind::Perpetual, Settlement::Linear) => {
            if btc {
                0.0001
            } else if eth {
                0.001
            } else {
                0.1
            }
        }
        (Kind::Option, Settlement::Inverse) => {
            if btc {
                0.1
            } else {
                1.0
            }
        }
        (Kind::Option, Settlement::Linear) => {
            if btc {
                0.01
            } else if eth {
                0.1
            } else {
                1.0
            }
        }
        (Kind::Spot, _) => 0.0,
    }
}

/// The default candidates of a pool (docs/CONVENTIONS.md): its perpetual, each dated future of the
/// market's `futures`, and per smile expiry the [`STRIKES_EACH_SIDE`] listed strikes nearest below
/// the forward (puts) and at or above it (calls); expiries already past are left out.
pub fn default_candidates(
    pool: &PoolBook,
    session: &Session,
    market: &MarketInput,
) -> Vec<Instrument> {
    // a USD risk unit (okx-pm, bybit-pm) holds every settlement: its candidates are USDT-linear
    let quote = match pool.currency.as_str() {
        "USD" => Some("USDT"),
        c => (pool.settlement == Settlement::Linear).then_some(c),
    };
    let prefix = match quote {
        Some(q) => format!("{}_{q}", pool.underlying),
        None => pool.underlying.clone(),
    };
    let mut out = vec![Instrument::perpetual(&pool.underlying, quote)];
    let Some(u) = market.underlyings.get(&pool.underlying) else {
        return out;
    };
    let live = |text: &str| {
        Date::parse_iso(text)
            .filter(|d| year_fraction(session.market.as_of, d.expiry_timestamp()) > 0.0)
    };
    let parse = |name: String| Instrument::parse(&name).ok();
    for date in u
        .futures
        .iter()
        .flat_map(|f| f.keys())
        .filter_map(|d| live(d))
    {
        out.extend(parse(format!("{prefix}-{}", date.deribit_code())));
    }
    let curve = session.market.underlying(&pool.underlying);
    for (text, points) in u.smiles.iter().flat_map(|s| s.iter()) {
        let Some(date) = live(text) else { continue };
        let t = year_fraction(session.market.as_of, date.expiry_timestamp());
        let forward = curve.map_or(u.index, |c| c.forward(t));
        let mut strikes: Vec<f64> = points.iter().map(|p| p[0]).collect();
        strikes.sort_by(f64::total_cmp);
        strikes.dedup();
        let below: Vec<f64> = strikes.iter().copied().filter(|k| *k < forward).collect();
        let above: Vec<f64> = strikes.iter().copied().filter(|k| *k >= forward).collect();
        let code = date.deribit_code();
        for k in below.iter().rev().take(STRIKES_EACH_SIDE).rev() {
            out.extend(parse(format!("{prefix}-{code}-{}-P", strike_text(*k))));
        }
        for k in above.iter().take(STRIKES_EACH_SIDE) {
            out.extend(parse(format!("{prefix}-{code}-{}-C", strike_text(*k))));
        }
    }
    out.truncate(MAX_CANDIDATES);
    out
}

/// A strike as a name writes it (`d` for a decimal point).
fn strike_text(k: f64) -> String {
    let text = format!("{k}");
    text.replace('.', "d")
}

/// The pool to hedge: named, else the candidates' pool, else the largest initial margin (USD).
fn pool_to_hedge<'a>(session: &'a Session, input: &HedgeInput) -> Result<&'a PoolBook> {
    let book = &session.book;
    let by_name = |name: &str, path: &str| {
        book.pool(name).ok_or_else(|| {
            let pools: Vec<&str> = book.pools.iter().map(|p| p.pool.as_str()).collect();
            Error::at_path(
                ErrorCode::BadRequest,
                path,
                format!(
                    "{path}: the book has no pool '{name}' (its pools: {})",
                    pools.join(", ")
                ),
            )
        })
    };
    if let Some(name) = &input.pool {
        return by_name(name, "hedge.pool");
    }
    if let Some(first) = input.candidates.as_ref().and_then(|c| c.first()) {
        // a risk unit per underlying (okx-pm, bybit-pm) holds every settlement of its coin
        let pool = if session.model.is_unit_per_underlying() {
            first.underlying.clone()
        } else {
            first.pool()
        };
        return by_name(&pool, "hedge.candidates[0]");
    }
    book.pools
        .iter()
        .max_by(|a, b| {
            (a.margin().initial * a.to_usd()).total_cmp(&(b.margin().initial * b.to_usd()))
        })
        .ok_or_else(|| {
            Error::at_path(
                ErrorCode::BadRequest,
                "positions",
                "the book has no positions to hedge",
            )
        })
}

/// The margin-minimising trades over the candidates (issue 14).
pub fn optimize_hedge(
    session: &Session,
    market_input: Option<&MarketInput>,
    input: &HedgeInput,
) -> Result<HedgePlan> {
    if session.model.cross().is_some() || session.model.is_account_wide() {
        return Err(Error::at_path(
            ErrorCode::BadModel,
            "model",
            "the hedge optimisation minimises one segregated pool's margin: use a segregated risk-matrix or scenario-grid model",
        ));
    }
    let pool = pool_to_hedge(session, input)?;
    // the venue terms of okx-pm and bybit-pm (basis risk, the tiered minimum charge, the additive
    // contingencies) are not in the LP: refused rather than optimised against part of the model
    if let PoolLayout::Grid(g) = &pool.layout {
        let p = &g.params;
        if p.basis_risk.is_some()
            || p.minimum_charge.is_some()
            || p.short_option_charge > 0.0
            || p.delta_one_charge > 0.0
        {
            return Err(Error::at_path(
                ErrorCode::BadModel,
                "model",
                "the hedge optimisation does not model basis risk, a minimum charge or additive contingencies (okx-pm's MR4 and MR7, bybit-pm's contingencies) yet: use deribit-pm, span or a custom grid without them",
            ));
        }
    }
    if matches!(pool.layout, PoolLayout::Standard) {
        return Err(Error::at_path(
            ErrorCode::BadModel,
            "model",
            "the hedge optimisation needs a scenario model (risk matrix or scenario grid), not position-by-position margin",
        ));
    }
    let default_market;
    let instruments = match &input.candidates {
        Some(c) => c.clone(),
        None => {
            let market = match market_input {
                Some(m) => m,
                None => {
                    default_market = MarketInput::embedded_default()?;
                    &default_market
                }
            };
            default_candidates(pool, session, market)
        }
    };
    let names_given = input.candidates.is_some();
    let path_of = |i: usize| {
        if names_given {
            format!("hedge.candidates[{i}]")
        } else {
            format!("hedge.candidates (default {i})")
        }
    };
    for name in input.bounds.keys() {
        if !instruments.iter().any(|i| &i.name == name) {
            let here = format!("hedge.bounds.{name}");
            return Err(Error::at_path(
                ErrorCode::BadRequest,
                &here,
                format!("{here}: {name} is not one of the candidates"),
            ));
        }
    }
    let members = session.book.members(pool);
    let gross_coin: f64 = members.iter().map(|p| p.quantity_coin.abs()).sum();
    // default bound: twice the pool's gross size in coin (at least 1 coin), in the unit's terms
    let default_coin = (2.0 * gross_coin).max(1.0);
    let width = pool.width();
    let mut valued = Vec::with_capacity(instruments.len());
    for (i, inst) in instruments.iter().enumerate() {
        let here = path_of(i);
        let leg = PositionInput {
            instrument: inst.clone(),
            quantity: 1.0,
            unit: inst.quantity_unit,
            mark: None,
            iv: None,
            entry: None,
            line: None,
            venue: None,
        };
        let mut warnings = Vec::new();
        let p = value_positions(std::slice::from_ref(&leg), &session.market, &mut warnings)
            .map_err(|e| {
                let issue = e.issues.first();
                let message = issue.map_or(e.message.as_str(), |i| i.message.as_str());
                let message = message.split_once(": ").map_or(message, |(_, m)| m);
                Error::at_path(e.code, &here, format!("{here}: {}: {message}", inst.name))
            })?
            .pop()
            .ok_or_else(|| Error::at_path(ErrorCode::BadRequest, &here, "no candidate"))?;
        if session.model.pool_of(&p) != pool.pool {
            return Err(Error::at_path(
                ErrorCode::BadRequest,
                &here,
                format!(
                    "{here}: {} is margined in pool {}, not in the hedged pool {}",
                    inst.name,
                    session.model.pool_of(&p),
                    pool.pool
                ),
            ));
        }
        if p.expired {
            return Err(Error::at_path(
                ErrorCode::BadRequest,
                &here,
                format!("{here}: {} has expired", inst.name),
            ));
        }
        valued.push(p);
    }
    // roll / spread buckets: the book's and the candidates' futures expiries
    let mut all: Vec<&ValuedPosition> = members.clone();
    all.extend(valued.iter());
    let mut candidates = Vec::with_capacity(valued.len());
    let (terms, buckets, offsets, to_pool) = match &pool.layout {
        PoolLayout::Matrix(m) => {
            let everything = Contingency::of(all.iter().copied(), &m.currency);
            let book = Contingency::of(members.iter().copied(), &m.currency);
            let buckets: Vec<(f64, f64)> = everything
                .roll_buckets
                .iter()
                .map(|b| {
                    let n = book
                        .roll_buckets
                        .iter()
                        .find(|x| x.expiry == b.expiry)
                        .map_or(0.0, |x| x.coin);
                    (n, b.rate)
                })
                .collect();
            let keys: Vec<_> = everything.roll_buckets.iter().map(|b| b.expiry).collect();
            let n = 3 * m.scen.price_moves.len();
            let damp = dampener_amounts(&m.scen, &m.currency, pool.index);
            let mut offsets = vec![0.0; width];
            for (o, d) in offsets.iter_mut().skip(n).zip(&damp) {
                *o = *d;
            }
            let increment = m.shock.delta_shock_per_coin / pool.index + m.shock.delta_shock_per_usd;
            let terms = Terms::Matrix {
                delta0: book.delta,
                index: pool.index,
                inverse: m.scen.inverse,
                currency: m.currency.clone(),
                shock: m.shock.clone(),
                delta_active: increment > 0.0 && m.currency.max_delta_shock > 0.0,
            };
            for p in &valued {
                candidates.push((p, bucket_of(p, &keys)));
            }
            let to_pool = if m.scen.inverse { 1.0 } else { pool.index };
            (terms, buckets, offsets, to_pool)
        }
        PoolLayout::Grid(g) => {
            let mut keys: Vec<(bool, Option<Date>)> = Vec::new();
            let mut nets: Vec<f64> = Vec::new();
            let mut short_options0 = 0.0;
            for p in all.iter().filter(|p| !p.expired) {
                if matches!(p.input.instrument.kind, Kind::Future | Kind::Perpetual) {
                    let key = expiry_bucket(p.input.instrument.expiry);
                    if !keys.contains(&key) {
                        keys.push(key);
                        nets.push(0.0);
                    }
                }
            }
            for p in members.iter().filter(|p| !p.expired) {
                match p.input.instrument.kind {
                    Kind::Future | Kind::Perpetual => {
                        let key = expiry_bucket(p.input.instrument.expiry);
                        if let Some(i) = keys.iter().position(|k| *k == key) {
                            nets[i] += pool_delta(p);
                        }
                    }
                    Kind::Option if p.quantity < 0.0 => short_options0 += p.quantity_coin.abs(),
                    _ => {}
                }
            }
            let expiries: Vec<Option<Date>> = keys.iter().map(|k| k.1).collect();
            for p in &valued {
                candidates.push((p, bucket_of(p, &expiries)));
            }
            let terms = Terms::Grid {
                initial_factor: g.params.initial_factor.unwrap_or(1.0),
                spread_rate: g.params.intra_spread_rate,
                som_rate: g.params.short_option_minimum,
                short_options0,
            };
            let to_pool = if pool.settlement == Settlement::Inverse {
                1.0
            } else {
                pool.index
            };
            let buckets = nets.into_iter().map(|n| (n, 0.0)).collect();
            (terms, buckets, vec![0.0; width], to_pool)
        }
        _ => unreachable_layout()?,
    };
    let candidates: Vec<Candidate> = candidates
        .into_iter()
        .map(|(p, bucket)| {
            let inst = &p.input.instrument;
            let bounds = input.bounds.get(&inst.name).copied().unwrap_or_default();
            // coin per unit: the default bound in the instrument's own unit
            let per_unit = p.quantity_coin.abs().max(1e-300);
            let limit = default_coin / per_unit;
            let mut vector = vec![0.0; width];
            pool.layout.position_vector(p, &mut vector);
            Candidate {
                vector,
                min: bounds.min.unwrap_or(-limit),
                max: bounds.max.unwrap_or(limit),
                lot: bounds.lot.unwrap_or_else(|| default_lot(inst)),
                premium: p.value_pool,
                delta: pool_delta(p),
                coin: p.quantity_coin,
                bucket,
                is_option: inst.kind == Kind::Option,
                position: (*p).clone(),
            }
        })
        .collect();
    let before = pool.margin().initial;
    let scale = pool
        .aggregated
        .iter()
        .fold(before, |m, a| m.max(a.abs()))
        .max(1e-300);
    let model = HedgeModel {
        aggregated: pool.aggregated.clone(),
        offsets,
        candidates,
        buckets,
        to_pool,
        terms,
        scale,
    };
    let budget = input.budget;
    let variants: Vec<Variant> = match &model.terms {
        Terms::Matrix { delta_active, .. } if *delta_active => {
            vec![Variant::Matrix(true), Variant::Matrix(false)]
        }
        Terms::Matrix { .. } => vec![Variant::Matrix(false)],
        Terms::Grid { .. } => vec![Variant::Grid(true), Variant::Grid(false)],
    };
    let solved: Vec<(Variant, Vec<f64>, f64)> = variants
        .iter()
        .filter_map(|v| model.solve(*v, budget).map(|(q, m)| (*v, q, m)))
        .collect();
    // the lower bound: the delta-free matrix LP, or the better grid side (exact)
    let lower_bound = solved
        .iter()
        .filter(|(v, _, _)| *v != Variant::Matrix(true))
        .map(|(_, _, m)| *m)
        .fold(f64::INFINITY, f64::min);
    // each LP solution rounded to lots and valued by the model; the best one
    let mut best: Option<(f64, Vec<f64>, Vec<f64>, f64, &'static str)> = None;
    // proven: a grid's two sides are solved exactly; for a matrix, the delta-free LP (a relaxation)
    // landed where the delta shock is zero
    let mut exact = matches!(model.terms, Terms::Grid { .. });
    for (variant, lp_q, _) in &solved {
        let mut lp_q = lp_q.clone();
        model.polish(&mut lp_q, budget);
        let lp_q = &lp_q;
        if *variant == Variant::Matrix(false) {
            exact = model.delta_shock_at(lp_q) == 0.0;
        }
        let (q, how) = model.round(lp_q, budget);
        let m = model.margin_at(&q);
        if best.as_ref().is_none_or(|b| m < b.0) {
            // the LP bound of this solution: the model's margin at its continuous quantities
            best = Some((m, q, lp_q.clone(), model.margin_at(lp_q), how));
        }
    }
    let zero = vec![0.0; model.candidates.len()];
    let (_, mut q, lp_q, lp_bound, rounding) =
        best.unwrap_or((before, zero.clone(), zero.clone(), before, "none"));
    // the model's own figure for the book plus the trades
    let mut after = initial_with(session, pool, &model, &q)?;
    if !(after < before) {
        q = zero;
        after = before;
    }
    let x = model.cells_at(&q);
    let worst = model.worst_of(&x);
    let binding_scenarios = if worst > 0.0 {
        binding(pool, &model, &x, worst)
    } else {
        Vec::new()
    };
    let premium = model.premium_at(&q);
    let saving = before - after;
    let trades: Vec<HedgeTrade> = model
        .candidates
        .iter()
        .zip(q.iter().zip(&lp_q))
        .filter(|(_, (qj, _))| **qj != 0.0)
        .map(|(c, (qj, lpj))| HedgeTrade {
            instrument: c.position.input.instrument.name.clone(),
            quantity: *qj,
            quantity_unit: c.position.input.instrument.quantity_unit,
            lot: c.lot,
            lp_quantity: *lpj,
            premium: qj * c.premium,
        })
        .collect();
    let orders = trades
        .iter()
        .map(|t| format!("{} {}", t.instrument, t.quantity))
        .collect::<Vec<_>>()
        .join("\n");
    let lower_bound = lower_bound.min(lp_bound);
    Ok(HedgePlan {
        pool: pool.pool.clone(),
        currency: pool.currency.clone(),
        model: session.model.name.clone(),
        candidates: model
            .candidates
            .iter()
            .map(|c| c.position.input.instrument.name.clone())
            .collect(),
        trades,
        orders,
        initial_before: before,
        initial_after: after,
        saving,
        lp_bound,
        lower_bound,
        exact,
        premium,
        budget,
        saving_per_premium: (premium > 0.0).then(|| saving / premium),
        binding_scenarios,
        rounding,
    })
}

fn unreachable_layout<T>() -> Result<T> {
    Err(Error::at_path(
        ErrorCode::BadModel,
        "model",
        "the hedge optimisation needs a scenario model",
    ))
}

fn bucket_of(p: &ValuedPosition, keys: &[Option<Date>]) -> Option<usize> {
    match p.input.instrument.kind {
        Kind::Future | Kind::Perpetual => keys.iter().position(|k| *k == p.input.instrument.expiry),
        _ => None,
    }
}

/// The trades as positions (their own unit, at the model's marks).
pub fn trades_as_positions(candidates: &[Instrument], q: &[f64]) -> Vec<PositionInput> {
    candidates
        .iter()
        .zip(q)
        .filter(|(_, qj)| **qj != 0.0)
        .map(|(inst, qj)| PositionInput {
            instrument: inst.clone(),
            quantity: *qj,
            unit: inst.quantity_unit,
            mark: None,
            iv: None,
            entry: None,
            line: None,
            venue: None,
        })
        .collect()
}

/// The pool's initial margin with the trades added, as the model computes it (`marginImpact`).
fn initial_with(session: &Session, pool: &PoolBook, model: &HedgeModel, q: &[f64]) -> Result<f64> {
    let instruments: Vec<Instrument> = model
        .candidates
        .iter()
        .map(|c| c.position.input.instrument.clone())
        .collect();
    let orders = trades_as_positions(&instruments, q);
    if orders.is_empty() {
        return Ok(pool.margin().initial);
    }
    let impact = session.impact(&orders)?;
    Ok(impact
        .pools
        .iter()
        .find(|p| p.pool == pool.pool)
        .map_or(pool.margin().initial, |p| p.initial_after))
}

/// The cells within 1e-9 (relative to the pool's scale) of the worst case.
fn binding(pool: &PoolBook, model: &HedgeModel, x: &[f64], worst: f64) -> Vec<BindingScenario> {
    let tol = 1e-9 * model.scale;
    let mut out = Vec::new();
    for (i, (xi, d)) in x.iter().zip(&model.offsets).enumerate() {
        if -xi - d < worst - tol {
            continue;
        }
        let pnl = if *d > 0.0 {
            xi.signum() * (xi.abs() - d).max(0.0)
        } else {
            *xi
        };
        match &pool.layout {
            PoolLayout::Matrix(m) => {
                let cell = m.scen.cell_ref(i);
                out.push(BindingScenario {
                    table: cell.table,
                    row: cell.row,
                    column: cell.column,
                    price_move: m.scen.cell_move(cell),
                    vol: match cell.table {
                        ScenarioTable::Standard => VOL_STATES[cell.row.min(2)],
                        _ => "up",
                    }
                    .to_string(),
                    label: None,
                    pnl,
                });
            }
            PoolLayout::Grid(g) => {
                if let Some(c) = g.cells.get(i) {
                    let at = g.cell_ref(i);
                    out.push(BindingScenario {
                        table: at.table,
                        row: at.row,
                        column: at.column,
                        price_move: c.move_frac,
                        vol: c.vol.label(),
                        label: Some(c.label.clone()),
                        pnl,
                    });
                }
            }
            _ => {}
        }
    }
    out
}
