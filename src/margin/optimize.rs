//! The margin-minimising hedge over any set of instruments, within a premium budget (issue 14;
//! docs/CONVENTIONS.md, "Hedge optimisation"). Hedge build only (cargo feature `optimize`).
//!
//! The problem is [`HedgeModel`] (`src/margin/hedge.rs`, every build): each aggregated cell is
//! affine in the trade vector `q`, `x_c = A_c + Σ_j q_j v_jc`. One free candidate is solved exactly
//! there; more by the LP here, whose rows are the model's convex pieces:
//! - worst case `max(0, max_c (−x_c − d_c))` (`d_c` the dampener of an extended cell, 0 for a
//!   standard one; the gains haircut only scales positive cells, which never set a segregated
//!   worst case): an epigraph variable `t ≥ 0`, `t ≥ −x_c − d_c`;
//! - roll shock `Σ_b rate_b·|n_b + Σ_{j∈b} q_j coin_j|` (× index in linear pools): two rows per bucket;
//! - delta shock: zero while `|D(q)|·S ≤ threshold`, not convex beyond. It is handled exactly where
//!   it is zero: one LP keeps `D(q)` inside that band, a second drops the term (a lower bound of
//!   every hedge), and each solution is then valued with the full formula;
//! - scenario grids: scan risk as above, the short option minimum as a sum of positive parts, basis
//!   risk (okx-pm's MR4) as two rows per expiry bucket, the short option charge (bybit-pm) as a
//!   positive part, the delta-one charge and the tiered minimum charge (MR7) on `|q_j|` (two rows
//!   per candidate; the tiers, with non-decreasing multipliers, as the maximum of their affine
//!   pieces), and the spread charge `rate·min(long, short)`, the minimum of two convex functions:
//!   one LP with `long` and one with `short`, the better of the two is the exact optimum;
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
use crate::margin::hedge::{Candidate, HedgeModel, Solution, Terms};
use crate::margin::layout::PoolLayout;
use crate::margin::risk_matrix::{ScenarioTable, VOL_STATES};
use crate::margin::session::Session;
use crate::pricing::valuation::value_positions;
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

/// Which LP to solve.
#[derive(Clone, Copy, PartialEq)]
enum Variant {
    /// Risk matrix; `true`: the net delta kept where the delta shock is zero.
    Matrix(bool),
    /// Scenario grid; `true`: the spread charge counted on the long side, `false` the short side.
    Grid(bool),
}

/// The LPs of a model with more than one free candidate ([`HedgeModel::solve`] dispatches here):
/// each LP's solution refined and polished, the lower bound, whether the optimum is proven.
pub fn solve_lp(model: &HedgeModel, budget: Option<f64>) -> Result<Solution> {
    let variants: Vec<Variant> = match &model.terms {
        Terms::Matrix { delta_active, .. } if *delta_active => {
            vec![Variant::Matrix(true), Variant::Matrix(false)]
        }
        Terms::Matrix { .. } => vec![Variant::Matrix(false)],
        Terms::Grid(g) => {
            // the tiers as a maximum of affine pieces: convex when the multipliers never fall
            if let Some((_, m)) = &g.minimum {
                if m.tiers.windows(2).any(|w| w[1].1 < w[0].1) {
                    return Err(Error::at_path(
                        ErrorCode::BadModel,
                        "model.minimumCharge.tiers",
                        "model.minimumCharge.tiers: the hedge optimisation over several candidates needs multipliers that never fall from tier to tier (a convex minimum charge)",
                    ));
                }
            }
            if g.spread_rate > 0.0 {
                vec![Variant::Grid(true), Variant::Grid(false)]
            } else {
                vec![Variant::Grid(true)]
            }
        }
    };
    let solved: Vec<(Variant, Vec<f64>, f64)> = variants
        .iter()
        .filter_map(|v| model.solve_refined(*v, budget).map(|(q, m)| (*v, q, m)))
        .collect();
    // the lower bound: the delta-free matrix LP, or the better grid side (exact)
    let lower_bound = solved
        .iter()
        .filter(|(v, _, _)| *v != Variant::Matrix(true))
        .map(|(_, _, m)| *m)
        .fold(f64::INFINITY, f64::min);
    // proven: a grid's sides are solved exactly; for a matrix, the delta-free LP (a relaxation)
    // landed where the delta shock is zero
    let mut exact = matches!(model.terms, Terms::Grid(_));
    let mut solutions = Vec::with_capacity(solved.len());
    for (variant, mut q, _) in solved {
        model.polish(&mut q, budget);
        if variant == Variant::Matrix(false) {
            exact = model.delta_shock_at(&q) == 0.0;
        }
        solutions.push(q);
    }
    Ok(Solution {
        solutions,
        lower_bound,
        exact,
    })
}

impl HedgeModel {
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

    /// Money per unit of each candidate: the largest of its cell P&L and premium sizes.
    fn unit_size(c: &Candidate) -> f64 {
        c.vector.iter().fold(c.premium.abs(), |m, v| m.max(v.abs()))
    }

    /// Solve one LP, then once more centred on its solution (iterative refinement: the second
    /// solve finds a small step, so its rounding error is small against the trades); the trades
    /// and the LP's margin, None when infeasible (or the solver failed).
    fn solve_refined(&self, variant: Variant, budget: Option<f64>) -> Option<(Vec<f64>, f64)> {
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
        // q_j = base_j + x_j · m0 / size_j: every column's coefficients in [−1, 1]
        let sizes: Vec<f64> = self.candidates.iter().map(Self::unit_size).collect();
        let xs: Vec<Option<Variable>> = self
            .candidates
            .iter()
            .zip(&sizes)
            .zip(base)
            .map(|((c, s), b)| {
                (*s > 0.0 && c.min < c.max)
                    .then(|| lp.add_var(0.0, ((c.min - b) * s / m0, (c.max - b) * s / m0)))
            })
            .collect();
        let per_x = |j: usize| m0 / sizes[j];
        // an affine function of q with slope `slope(j)` per unit of q_j, as row terms in units of m0
        let row_of = |slope: &dyn Fn(usize) -> f64| -> Vec<(Variable, f64)> {
            xs.iter()
                .enumerate()
                .filter_map(|(j, x)| {
                    let k = slope(j) / sizes[j];
                    x.filter(|_| k != 0.0 && k.is_finite()).map(|x| (x, k))
                })
                .collect()
        };
        // `k ×` a per-unit figure of the candidates in bucket `b`, as row terms
        let bucket_row = |b: usize, k: f64, per_unit: &dyn Fn(&Candidate) -> f64| {
            row_of(&|j| {
                let c = &self.candidates[j];
                if c.bucket == Some(b) {
                    k * per_unit(c)
                } else {
                    0.0
                }
            })
        };
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
        // `r ≥ |value + row|` (value at base, units of m0): r's variable, or None with the row empty
        let abs_var = |lp: &mut Problem,
                       cost: f64,
                       row: Vec<(Variable, f64)>,
                       value: f64|
         -> Option<Variable> {
            if row.is_empty() {
                return None;
            }
            let r = lp.add_var(cost, (0.0, f64::INFINITY));
            let mut up = vec![(r, 1.0)];
            let mut down = vec![(r, 1.0)];
            for (x, k) in &row {
                up.push((*x, -k));
                down.push((*x, *k));
            }
            lp.add_constraint(up.as_slice(), ComparisonOp::Ge, value);
            lp.add_constraint(down.as_slice(), ComparisonOp::Ge, -value);
            Some(r)
        };
        match (&self.terms, variant) {
            (
                Terms::Matrix {
                    index,
                    currency,
                    delta_active,
                    ..
                },
                Variant::Matrix(zone),
            ) => {
                let nets = self.bucket_nets(base, |b| b.net, |c| c.coin);
                for (b, (n, bucket)) in nets.iter().zip(&self.buckets).enumerate() {
                    let k = bucket.rate * self.to_pool;
                    let row = bucket_row(b, k, &|c| c.coin);
                    let fixed = k * n / m0;
                    if abs_var(&mut lp, 1.0, row, fixed).is_none() {
                        constant += fixed.abs();
                    }
                }
                let delta0 = self.delta_at(base);
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
            (Terms::Grid(g), Variant::Grid(long_side)) => {
                let z = lp.add_var(g.initial_factor, (0.0, f64::INFINITY));
                // z ≥ t + spread + basis + charges
                let mut first = vec![(z, 1.0), (t, -1.0)];
                let mut first_rhs = 0.0;
                if g.spread_rate > 0.0 {
                    let sign = if long_side { 1.0 } else { -1.0 };
                    let k = g.spread_rate * self.to_pool;
                    let nets = self.bucket_nets(base, |b| b.net, |c| c.net);
                    for (b, n) in nets.iter().enumerate() {
                        let u = lp.add_var(0.0, (0.0, f64::INFINITY));
                        let mut row = vec![(u, 1.0)];
                        for (x, kj) in bucket_row(b, k, &|c| c.net) {
                            row.push((x, -sign * kj));
                        }
                        lp.add_constraint(row.as_slice(), ComparisonOp::Ge, sign * k * n / m0);
                        first.push((u, -1.0));
                    }
                }
                // basis risk (MR4): |net cash delta| per expiry bucket
                let cash = self.bucket_nets(base, |b| b.cash, |c| c.cash);
                for (b, (n, bucket)) in cash.iter().zip(&self.buckets).enumerate() {
                    if bucket.rate <= 0.0 {
                        continue;
                    }
                    let k = bucket.rate * g.usd_to_pool;
                    let row = bucket_row(b, k, &|c| c.cash);
                    match abs_var(&mut lp, 0.0, row, k * n / m0) {
                        Some(r) => first.push((r, -1.0)),
                        None => first_rhs += (k * n / m0).abs(),
                    }
                }
                // the short option charge: the positive part of the net short options
                if g.short_option_charge > 0.0 {
                    let k = g.short_option_charge * self.to_pool;
                    let net: f64 = g.net_options0
                        + self
                            .candidates
                            .iter()
                            .zip(base)
                            .filter(|(c, _)| c.is_option)
                            .map(|(c, b)| b * c.coin)
                            .sum::<f64>();
                    let row = row_of(&|j| {
                        let c = &self.candidates[j];
                        if c.is_option {
                            k * c.coin
                        } else {
                            0.0
                        }
                    });
                    if row.is_empty() {
                        first_rhs += (-k * net / m0).max(0.0);
                    } else {
                        let s = lp.add_var(0.0, (0.0, f64::INFINITY));
                        let mut r = vec![(s, 1.0)];
                        r.extend(row);
                        lp.add_constraint(r.as_slice(), ComparisonOp::Ge, -k * net / m0);
                        first.push((s, -1.0));
                    }
                }
                // |q_j| (units of x_j) where the delta-one charge or the minimum charge needs it
                let rate = g.minimum.as_ref().map_or(0.0, |m| m.0);
                let mut magnitudes: Vec<(usize, Variable)> = Vec::new();
                for (j, x) in xs.iter().enumerate() {
                    let c = &self.candidates[j];
                    let delta_one = g.delta_one_charge > 0.0 && c.bucket.is_some();
                    let Some(x) = x else { continue };
                    if !(delta_one || (rate > 0.0 && c.cash != 0.0)) {
                        continue;
                    }
                    if let Some(a) = abs_var(&mut lp, 0.0, vec![(*x, 1.0)], base[j] / per_x(j)) {
                        magnitudes.push((j, a));
                    }
                }
                // delta-one charge: Σ|futures| (coin)
                if g.delta_one_charge > 0.0 {
                    let k = g.delta_one_charge * self.to_pool;
                    first_rhs += k * g.delta_one0 / m0;
                    for (j, a) in &magnitudes {
                        let c = &self.candidates[*j];
                        if c.bucket.is_some() {
                            first.push((*a, -k * c.coin.abs() / sizes[*j]));
                        }
                    }
                    // a fixed candidate's own position counts at its base
                    for (j, c) in self.candidates.iter().enumerate() {
                        if c.bucket.is_some() && xs[j].is_none() {
                            first_rhs += k * (base[j] * c.coin).abs() / m0;
                        }
                    }
                }
                lp.add_constraint(first.as_slice(), ComparisonOp::Ge, first_rhs);
                // z ≥ short option minimum
                let mut second = vec![(z, 1.0)];
                if g.som_rate > 0.0 {
                    for (j, x) in xs.iter().enumerate() {
                        let c = &self.candidates[j];
                        if let (Some(x), true) = (x, c.is_option) {
                            let k = g.som_rate * self.to_pool * c.coin / sizes[j];
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
                    g.som_rate * g.short_options0 * self.to_pool / m0,
                );
                // z ≥ the minimum charge (MR7): every tier's affine piece of the gross cash delta
                if let Some((rate, m)) = &g.minimum {
                    let tiers = &m.tiers;
                    let mut gross0 = g.gross_cash0;
                    for (j, c) in self.candidates.iter().enumerate() {
                        if !magnitudes.iter().any(|(i, _)| *i == j) {
                            gross0 += (base[j] * c.cash).abs();
                        }
                    }
                    let mut cumulative = 0.0;
                    for (i, (from, mult)) in tiers.iter().enumerate() {
                        let slope = mult * rate * g.usd_to_pool;
                        let mut row = vec![(z, 1.0)];
                        for (j, a) in &magnitudes {
                            let k = slope * self.candidates[*j].cash.abs() * per_x(*j) / m0;
                            if k != 0.0 {
                                row.push((*a, -k));
                            }
                        }
                        let value = (cumulative + mult * (rate * gross0 - from)) * g.usd_to_pool;
                        lp.add_constraint(row.as_slice(), ComparisonOp::Ge, value / m0);
                        if let Some(next) = tiers.get(i + 1) {
                            cumulative += mult * (next.0 - from);
                        }
                    }
                }
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
    if !matches!(pool.layout, PoolLayout::Matrix(_) | PoolLayout::Grid(_)) {
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
        let bounds = input.bounds.get(&inst.name).copied().unwrap_or_default();
        // coin per unit: the default bound in the instrument's own unit
        let limit = default_coin / p.quantity_coin.abs().max(1e-300);
        let (min, max) = (bounds.min.unwrap_or(-limit), bounds.max.unwrap_or(limit));
        let lot = bounds.lot.unwrap_or_else(|| default_lot(inst));
        valued.push((p, min, max, lot));
    }
    let model = HedgeModel::new(pool, &members, valued).ok_or_else(|| {
        Error::at_path(
            ErrorCode::BadModel,
            "model",
            "the hedge optimisation needs a scenario model",
        )
    })?;
    let before = pool.margin().initial;
    let budget = input.budget;
    // the same entry point as the report's perpetual hedge: exact along one free candidate, the LP
    // over more
    let solved = model.solve(budget, Some(solve_lp))?;
    // each continuous solution rounded to lots and valued by the model; the best one
    let mut best: Option<(f64, Vec<f64>, Vec<f64>, f64, &'static str)> = None;
    for lp_q in &solved.solutions {
        let (q, how) = model.round(lp_q, budget);
        let m = model.margin_at(&q);
        if best.as_ref().is_none_or(|b| m < b.0) {
            // the LP bound of this solution: the model's margin at its continuous quantities
            best = Some((m, q, lp_q.clone(), model.margin_at(lp_q), how));
        }
    }
    let exact = solved.exact;
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
    let lower_bound = solved.lower_bound.min(lp_bound);
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
