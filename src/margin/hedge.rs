//! The hedge problem of one pool (issue 14; SPEC §5; docs/CONVENTIONS.md, "Hedge optimisation"):
//! one formulation, solved by dimension. Every build has it; the report's per-pool perpetual hedge
//! is its one-candidate case, and `optimizeHedge` (cargo feature `optimize`) builds the same
//! [`HedgeModel`] over its candidates.
//!
//! Every candidate's scenario P&L is linear in its quantity, so each aggregated cell is affine in
//! the trade vector `q`: `x_c = A_c + Σ_j q_j v_jc`; the dampener and the gains haircut apply per
//! cell as the model applies them. Besides the cells, the pool's margin has:
//! - risk matrices: the roll shock `Σ_b rate_b·|n_b + Σ_{j∈b} q_j coin_j|` and the delta shock of
//!   the net delta `D(q)` (0, then a convex quadratic, then linear in `|D|`: not convex);
//! - scenario grids: the spread charge `rate·min(long, short)` of the futures' nets per expiry,
//!   the short option minimum, basis risk `Σ_b rate_b·|cash_b(q)|` (okx-pm's MR4), the tiered
//!   minimum charge of the gross cash delta (MR7), the short option and delta-one charges
//!   (bybit-pm), combined as `factor·max(scan + spread + basis + charges, minimum, MR7)`.
//!
//! [`HedgeModel::solve`] dispatches by the number of free candidates (bounds of non-zero width):
//! one is solved exactly along its line (below), more by the LP of `src/margin/optimize.rs` (cargo
//! feature `optimize`, which alone brings the solver in), which its caller passes in.
//!
//! Along one candidate every term is piecewise convex in `h`, with breakpoints where a cell
//! crosses 0 or ±dampener, a bucket's net (coin, delta or cash) or the net short options cross 0,
//! the futures' total net crosses 0 (where `min(long, short)` switches side), the gross cash delta
//! crosses a tier of the minimum charge, and the delta shock's kinks (`D = 0`, the threshold, the
//! cap). We evaluate every breakpoint, and on each interval whose one-sided slopes show an interior
//! minimum we golden-section search the convex piece to machine precision; so the delta shock is
//! handled exactly, non-convex as it is.

use crate::error::{Error, ErrorCode, Result};
use crate::input::instrument::{Instrument, Kind, QuantityUnit, Settlement};
use crate::input::positions::PositionInput;
use crate::margin::book::PoolBook;
use crate::margin::grid::cash_delta;
#[cfg(feature = "optimize")]
use crate::margin::grid::{rate_of, MinimumCharge, RiskUnits};
use crate::margin::layout::PoolLayout;
use crate::margin::risk_matrix::{
    adjusted_cell, dampener_amounts, delta_shock, pool_delta, Contingency, CurrencyParams,
    UnderlyingShock,
};
use crate::pricing::valuation::ValuedPosition;
use crate::time::Date;
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

/// One candidate, valued at quantity 1 in its own unit.
pub struct Candidate {
    pub position: ValuedPosition,
    pub vector: Vec<f64>,
    pub min: f64,
    pub max: f64,
    pub lot: f64,
    /// Its value at the model's mark, pool currency.
    pub premium: f64,
    /// Its delta in the pool's terms (the delta shock's).
    pub delta: f64,
    /// What it adds to its bucket's net: coin (risk matrix, roll shock) or delta (grid, spread).
    pub net: f64,
    pub coin: f64,
    /// Cash delta, USD (grid basis risk and minimum charge).
    pub cash: f64,
    /// Index of its roll, spread and basis bucket: futures and perpetuals only.
    pub bucket: Option<usize>,
    pub is_option: bool,
}

/// One futures expiry (or the perpetuals) of the book and the candidates.
#[derive(Debug, Clone, Copy)]
pub struct Bucket {
    /// The book's net: coin (matrix) or delta (grid).
    pub net: f64,
    /// The book's net cash delta, USD (grids).
    pub cash: f64,
    /// Roll-shock rate (matrix) or basis-risk rate (grid; 0 without basis risk).
    pub rate: f64,
}

/// A scenario grid's terms besides the cells (`src/margin/grid.rs`, `grid_risk`). Compiled where a
/// grid pool can be hedged, the hedge build (cargo feature `optimize`): the report hedges risk-matrix
/// pools only, and the margin path's size budget has no room for terms it never reaches.
#[cfg(feature = "optimize")]
pub struct GridTerms {
    pub initial_factor: f64,
    pub spread_rate: f64,
    pub som_rate: f64,
    /// The book's short options, coin.
    pub short_options0: f64,
    /// USD terms (basis, minimum charge) to the pool's currency.
    pub usd_to_pool: f64,
    /// The minimum charge: its rate of the gross cash delta and its tiers.
    pub minimum: Option<(f64, MinimumCharge)>,
    /// The book's gross cash delta, USD.
    pub gross_cash0: f64,
    pub short_option_charge: f64,
    /// The book's net option quantity, coin.
    pub net_options0: f64,
    pub delta_one_charge: f64,
    /// The book's gross futures and perpetuals, coin.
    pub delta_one0: f64,
}

#[cfg(feature = "optimize")]
impl GridTerms {
    /// The tiered minimum charge of a gross cash delta, USD (`MinimumCharge::tiered`).
    pub fn minimum_at(&self, gross: f64) -> f64 {
        self.minimum
            .as_ref()
            .map_or(0.0, |(rate, m)| m.tiered(rate * gross))
    }
}

/// The model's terms besides the scenario cells.
pub enum Terms {
    Matrix {
        delta0: f64,
        index: f64,
        inverse: bool,
        currency: CurrencyParams,
        shock: UnderlyingShock,
        /// Whether the delta shock can be non-zero at all.
        delta_active: bool,
    },
    #[cfg(feature = "optimize")]
    Grid(GridTerms),
}

/// A pool's initial margin as a function of the trade vector.
pub struct HedgeModel {
    pub aggregated: Vec<f64>,
    /// Per cell the dampener (extended cells), 0 elsewhere.
    pub offsets: Vec<f64>,
    /// The gains haircut on positive cells (1 in grids).
    pub pnl_offset: f64,
    pub candidates: Vec<Candidate>,
    pub buckets: Vec<Bucket>,
    pub to_pool: f64,
    pub terms: Terms,
    /// The pool's money scale (margin and largest cell).
    pub scale: f64,
}

/// What [`HedgeModel::new`] takes from a pool's layout: terms, buckets and their expiries, per-cell
/// dampeners, the gains haircut, the pool-currency factor, what a candidate adds to its bucket.
type Parts = (
    Terms,
    Vec<Bucket>,
    Vec<Option<Date>>,
    Vec<f64>,
    f64,
    f64,
    fn(&ValuedPosition) -> f64,
);

/// A solver of the problem over more than one free candidate: the LP of the hedge build.
pub type ManySolver = fn(&HedgeModel, Option<f64>) -> Result<Solution>;

/// What a solve found: continuous solutions (each valued by the model afterwards), a lower bound
/// of every hedge, and whether the optimum is proven.
pub struct Solution {
    pub solutions: Vec<Vec<f64>>,
    pub lower_bound: f64,
    pub exact: bool,
}

impl HedgeModel {
    /// The hedge problem of `pool` (its `members`) over `candidates` (each valued at quantity 1
    /// in its own unit, with its bounds and lot); None for a model without scenarios.
    pub fn new(
        pool: &PoolBook,
        members: &[&ValuedPosition],
        candidates: Vec<(ValuedPosition, f64, f64, f64)>,
    ) -> Option<HedgeModel> {
        let width = pool.width();
        let mut all: Vec<&ValuedPosition> = members.to_vec();
        all.extend(candidates.iter().map(|c| &c.0));
        let (terms, buckets, keys, offsets, pnl_offset, to_pool, net_of): Parts = match &pool.layout
        {
            PoolLayout::Matrix(m) => {
                // roll buckets: the book's and the candidates' futures expiries
                let everything = Contingency::of(all.iter().copied(), &m.currency);
                let book = Contingency::of(members.iter().copied(), &m.currency);
                let buckets: Vec<Bucket> = everything
                    .roll_buckets
                    .iter()
                    .map(|b| Bucket {
                        net: book
                            .roll_buckets
                            .iter()
                            .find(|x| x.expiry == b.expiry)
                            .map_or(0.0, |x| x.coin),
                        cash: 0.0,
                        rate: b.rate,
                    })
                    .collect();
                let keys: Vec<Option<Date>> =
                    everything.roll_buckets.iter().map(|b| b.expiry).collect();
                let n = 3 * m.scen.price_moves.len();
                let damp = dampener_amounts(&m.scen, &m.currency, pool.index);
                let mut offsets = vec![0.0; width];
                for (o, d) in offsets.iter_mut().skip(n).zip(&damp) {
                    *o = *d;
                }
                let increment =
                    m.shock.delta_shock_per_coin / pool.index + m.shock.delta_shock_per_usd;
                let terms = Terms::Matrix {
                    delta0: book.delta,
                    index: pool.index,
                    inverse: m.scen.inverse,
                    currency: m.currency.clone(),
                    shock: m.shock.clone(),
                    delta_active: increment > 0.0 && m.currency.max_delta_shock > 0.0,
                };
                let to_pool = if m.scen.inverse { 1.0 } else { pool.index };
                let net_of: fn(&ValuedPosition) -> f64 = |p| p.quantity_coin;
                (
                    terms,
                    buckets,
                    keys,
                    offsets,
                    m.currency.pnl_offset,
                    to_pool,
                    net_of,
                )
            }
            #[cfg(feature = "optimize")]
            PoolLayout::Grid(g) => grid_parts(pool, g, members, &all),
            _ => return None,
        };
        let candidates: Vec<Candidate> = candidates
            .into_iter()
            .map(|(p, min, max, lot)| {
                let inst = &p.input.instrument;
                let bucket = match inst.kind {
                    Kind::Future | Kind::Perpetual => keys.iter().position(|k| *k == inst.expiry),
                    _ => None,
                };
                let mut vector = vec![0.0; width];
                pool.layout.position_vector(&p, &mut vector);
                let delta = pool_delta(&p);
                Candidate {
                    vector,
                    min,
                    max,
                    lot,
                    premium: p.value_pool,
                    delta,
                    net: net_of(&p),
                    coin: p.quantity_coin,
                    cash: cash_delta(&p),
                    bucket,
                    is_option: inst.kind == Kind::Option,
                    position: p,
                }
            })
            .collect();
        let scale = pool
            .aggregated
            .iter()
            .fold(pool.margin().initial, |m, a| m.max(a.abs()))
            .max(1e-300);
        Some(HedgeModel {
            aggregated: pool.aggregated.clone(),
            offsets,
            pnl_offset,
            candidates,
            buckets,
            to_pool,
            terms,
            scale,
        })
    }

    pub fn cells_at(&self, q: &[f64]) -> Vec<f64> {
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

    /// The worst case of the cells (after the dampener and the haircut, as the model has them).
    pub fn worst_of(&self, x: &[f64]) -> f64 {
        let mut min = f64::INFINITY;
        for (xi, d) in x.iter().zip(&self.offsets) {
            min = min.min(adjusted_cell(*xi, *d, self.pnl_offset));
        }
        (-min).max(0.0)
    }

    pub fn premium_at(&self, q: &[f64]) -> f64 {
        self.candidates
            .iter()
            .zip(q)
            .map(|(c, qj)| qj * c.premium)
            .sum()
    }

    /// Per bucket the book's figure plus the trades'.
    pub fn bucket_nets(
        &self,
        q: &[f64],
        book: impl Fn(&Bucket) -> f64,
        per_unit: impl Fn(&Candidate) -> f64,
    ) -> Vec<f64> {
        let mut nets: Vec<f64> = self.buckets.iter().map(book).collect();
        for (c, qj) in self.candidates.iter().zip(q) {
            if let Some(b) = c.bucket {
                if let Some(n) = nets.get_mut(b) {
                    *n += qj * per_unit(c);
                }
            }
        }
        nets
    }

    /// `Σ_b rate_b·|net_b|`: the roll shock (matrix) or basis risk (grid) of bucket nets.
    fn charged(&self, nets: &[f64]) -> f64 {
        nets.iter()
            .zip(&self.buckets)
            .map(|(n, b)| n.abs() * b.rate)
            .sum()
    }

    /// The net delta of the book and the trades (the delta shock's).
    pub fn delta_at(&self, q: &[f64]) -> f64 {
        let d0 = match &self.terms {
            Terms::Matrix { delta0, .. } => *delta0,
            #[cfg(feature = "optimize")]
            Terms::Grid(_) => 0.0,
        };
        d0 + self
            .candidates
            .iter()
            .zip(q)
            .map(|(c, qj)| qj * c.delta)
            .sum::<f64>()
    }

    /// The delta shock at `q` (0 for scenario grids).
    pub fn delta_shock_at(&self, q: &[f64]) -> f64 {
        match &self.terms {
            Terms::Matrix {
                index,
                inverse,
                currency,
                shock,
                ..
            } => delta_shock(self.delta_at(q), *index, currency, shock, *inverse),
            #[cfg(feature = "optimize")]
            Terms::Grid(_) => 0.0,
        }
    }

    /// The model's margin at `q` (long-option cap and the 1e-12 cleaning aside; the reported
    /// figure of a plan is the model's own).
    pub fn margin_at(&self, q: &[f64]) -> f64 {
        self.margin_with(q, &self.cells_at(q))
    }

    pub fn margin_with(&self, q: &[f64], cells: &[f64]) -> f64 {
        let worst = self.worst_of(cells);
        match &self.terms {
            Terms::Matrix { .. } => {
                let roll = self.charged(&self.bucket_nets(q, |b| b.net, |c| c.coin)) * self.to_pool;
                worst + roll + self.delta_shock_at(q)
            }
            #[cfg(feature = "optimize")]
            Terms::Grid(g) => {
                let nets = self.bucket_nets(q, |b| b.net, |c| c.net);
                let long: f64 = nets.iter().filter(|n| **n > 0.0).sum();
                let short: f64 = -nets.iter().filter(|n| **n < 0.0).sum::<f64>();
                let spread = g.spread_rate * long.min(short) * self.to_pool;
                let (mut shorts, mut options, mut delta_one, mut gross) = (0.0, 0.0, 0.0, 0.0);
                for (c, qj) in self.candidates.iter().zip(q) {
                    gross += (qj * c.cash).abs();
                    if c.is_option {
                        shorts += (-qj).max(0.0) * c.coin;
                        options += qj * c.coin;
                    } else if c.bucket.is_some() {
                        delta_one += (qj * c.coin).abs();
                    }
                }
                let som = g.som_rate * (g.short_options0 + shorts) * self.to_pool;
                let basis =
                    self.charged(&self.bucket_nets(q, |b| b.cash, |c| c.cash)) * g.usd_to_pool;
                let minimum = g.minimum_at(g.gross_cash0 + gross) * g.usd_to_pool;
                let charges = (g.short_option_charge * (-(g.net_options0 + options)).max(0.0)
                    + g.delta_one_charge * (g.delta_one0 + delta_one))
                    * self.to_pool;
                g.initial_factor * (worst + spread + basis + charges).max(som).max(minimum)
            }
        }
    }

    pub fn within_budget(&self, q: &[f64], budget: Option<f64>) -> bool {
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

    /// The margin-minimising trades within the budget and the bounds: the one entry point of the
    /// report's perpetual hedge and of `optimizeHedge`. One free candidate (bounds of non-zero
    /// width): exact, along its line; none: no trade; more: `many`, the LP
    /// (`margin::optimize::solve_lp`, hedge build), passed in so that the solver stays out of the
    /// builds without it (`BAD_MODEL` when there is none).
    pub fn solve(&self, budget: Option<f64>, many: Option<ManySolver>) -> Result<Solution> {
        let free: Vec<usize> = (0..self.candidates.len())
            .filter(|j| self.candidates[*j].min < self.candidates[*j].max)
            .collect();
        let mut q = vec![0.0; self.candidates.len()];
        match (free.as_slice(), many) {
            ([], _) => {}
            ([j], _) => q[*j] = self.solve_line(*j, budget).0,
            (_, Some(lp)) => return lp(self, budget),
            (_, None) => {
                return Err(Error::at_path(
                    ErrorCode::BadModel,
                    "hedge.candidates",
                    "more than one free candidate needs the LP (the hedge build)",
                ))
            }
        }
        let margin = self.margin_at(&q);
        Ok(Solution {
            solutions: vec![q],
            lower_bound: margin,
            exact: true,
        })
    }

    /// The margin with candidate `j` at `h` and no other trade.
    pub fn margin_along(&self, j: usize, h: f64) -> f64 {
        let mut q = vec![0.0; self.candidates.len()];
        q[j] = h;
        let c = &self.candidates[j];
        let cells: Vec<f64> = self
            .aggregated
            .iter()
            .zip(&c.vector)
            .map(|(a, v)| a + h * v)
            .collect();
        self.margin_with(&q, &cells)
    }

    /// Where the margin along candidate `j` may bend (see the module's documentation).
    fn breakpoints(&self, j: usize) -> Vec<f64> {
        let c = &self.candidates[j];
        let mut points = vec![0.0];
        for ((a, v), d) in self.aggregated.iter().zip(&c.vector).zip(&self.offsets) {
            if *v == 0.0 {
                continue;
            }
            points.push(-a / v);
            if *d > 0.0 {
                points.push((d - a) / v);
                points.push((-d - a) / v);
            }
        }
        let bucket = c.bucket.and_then(|b| self.buckets.get(b));
        match &self.terms {
            Terms::Matrix {
                delta0,
                index,
                currency,
                shock,
                ..
            } => {
                if let Some(b) = bucket {
                    if c.coin != 0.0 {
                        points.push(-b.net / c.coin);
                    }
                }
                if c.delta != 0.0 {
                    let threshold = currency.delta_total_liq_shock_threshold / index;
                    let increment = shock.delta_shock_per_coin / index + shock.delta_shock_per_usd;
                    let cap = if increment > 0.0 {
                        threshold + currency.max_delta_shock / increment / index
                    } else {
                        threshold
                    };
                    for level in [0.0, threshold, -threshold, cap, -cap] {
                        points.push((level - delta0) / c.delta);
                    }
                }
            }
            #[cfg(feature = "optimize")]
            Terms::Grid(g) => {
                if let Some(b) = bucket {
                    if c.net != 0.0 {
                        points.push(-b.net / c.net);
                        // min(long, short) changes side where the total net crosses 0
                        let total: f64 = self.buckets.iter().map(|b| b.net).sum();
                        points.push(-total / c.net);
                    }
                    if c.cash != 0.0 {
                        points.push(-b.cash / c.cash);
                    }
                }
                if c.is_option && c.coin != 0.0 {
                    points.push(-g.net_options0 / c.coin);
                }
                if let Some((rate, m)) = &g.minimum {
                    if *rate > 0.0 && c.cash != 0.0 {
                        for (from, _) in &m.tiers {
                            let h = (from / rate - g.gross_cash0) / c.cash.abs();
                            points.push(h);
                            points.push(-h);
                        }
                    }
                }
            }
        }
        points.retain(|p| p.is_finite());
        points.sort_unstable_by(f64::total_cmp);
        points.dedup();
        points
    }

    /// The exact minimum along candidate `j` within its bounds and the budget: the quantity and
    /// the margin there.
    pub fn solve_line(&self, j: usize, budget: Option<f64>) -> (f64, f64) {
        let c = &self.candidates[j];
        let (mut lo, mut hi) = (c.min, c.max);
        // the budget is a bound along one line
        if let Some(b) = budget {
            if c.premium > 0.0 {
                hi = hi.min(b / c.premium);
            } else if c.premium < 0.0 {
                lo = lo.max(b / c.premium);
            }
        }
        let at = |h: f64| self.margin_along(j, h);
        let points: Vec<f64> = self
            .breakpoints(j)
            .into_iter()
            .filter(|p| *p > lo && *p < hi)
            .collect();
        let (first, last) = match (points.first(), points.last()) {
            (Some(a), Some(b)) => (*a, *b),
            _ => (0.0, 0.0),
        };
        // beyond the outermost breakpoints the margin is convex and grows (roll and delta terms)
        let span = (last - first)
            .abs()
            .max(last.abs())
            .max(first.abs())
            .max(1.0);
        let mut bounds = Vec::with_capacity(points.len() + 2);
        bounds.push(if lo.is_finite() {
            lo
        } else {
            first - 4.0 * span
        });
        bounds.extend_from_slice(&points);
        bounds.push(if hi.is_finite() {
            hi
        } else {
            last + 4.0 * span
        });
        let mut best: (f64, f64) = (0.0, at(0.0));
        let mut consider = |h: f64, m: f64| {
            if m < best.1 || (m == best.1 && h.abs() < best.0.abs()) {
                best = (h, m);
            }
        };
        let values: Vec<f64> = bounds.iter().map(|h| at(*h)).collect();
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
            let slope_a = (at(a + eps) - values[w]) / eps;
            let slope_b = (values[w + 1] - at(b - eps)) / eps;
            if slope_a >= 0.0 || slope_b <= 0.0 {
                continue;
            }
            let (h, m) = golden_section(&at, a, b);
            consider(h, m);
        }
        best
    }
}

/// The parts of a grid pool's hedge problem ([`HedgeModel::new`]).
#[cfg(feature = "optimize")]
fn grid_parts(
    pool: &PoolBook,
    g: &crate::margin::layout::GridLayout,
    members: &[&ValuedPosition],
    all: &[&ValuedPosition],
) -> Parts {
    use crate::margin::risk_matrix::expiry_bucket;
    let p = &g.params;
    let unit = p.risk_units == RiskUnits::Underlying;
    let inverse = pool.settlement == Settlement::Inverse;
    let basis = p.basis_risk.as_ref().map(|b| {
        (
            rate_of(&b.annualised_move, &pool.underlying),
            rate_of(&b.floor, &pool.underlying),
        )
    });
    // per expiry bucket (grid_risk's): the book's net delta and cash delta; the first
    // position's years to expiry set the basis rate
    let mut keys: Vec<(bool, Option<Date>)> = Vec::new();
    let mut buckets: Vec<Bucket> = Vec::new();
    for (i, p) in all.iter().enumerate().filter(|(_, p)| !p.expired) {
        if !matches!(p.input.instrument.kind, Kind::Future | Kind::Perpetual) {
            continue;
        }
        let key = expiry_bucket(p.input.instrument.expiry);
        let b = match keys.iter().position(|k| *k == key) {
            Some(b) => b,
            None => {
                keys.push(key);
                let rate = basis.map_or(0.0, |(a, floor)| {
                    floor.max(libm::exp(a * p.t_years.max(0.0)) - 1.0)
                });
                buckets.push(Bucket {
                    net: 0.0,
                    cash: 0.0,
                    rate,
                });
                buckets.len() - 1
            }
        };
        if i < members.len() {
            buckets[b].net += if unit { p.greeks.delta } else { pool_delta(p) };
            buckets[b].cash += cash_delta(p);
        }
    }
    let mut terms = GridTerms {
        initial_factor: p.initial_factor.unwrap_or(1.0),
        spread_rate: p.intra_spread_rate,
        som_rate: p.short_option_minimum,
        short_options0: 0.0,
        usd_to_pool: if inverse { 1.0 / pool.index } else { 1.0 },
        minimum: p
            .minimum_charge
            .as_ref()
            .map(|m| (rate_of(&m.rates, &pool.underlying), m.clone())),
        gross_cash0: 0.0,
        short_option_charge: p.short_option_charge,
        net_options0: 0.0,
        delta_one_charge: p.delta_one_charge,
        delta_one0: 0.0,
    };
    for p in members.iter().filter(|p| !p.expired) {
        terms.gross_cash0 += cash_delta(p).abs();
        match p.input.instrument.kind {
            Kind::Future | Kind::Perpetual => terms.delta_one0 += p.quantity_coin.abs(),
            Kind::Option => {
                terms.net_options0 += p.quantity_coin;
                if p.quantity < 0.0 {
                    terms.short_options0 += p.quantity_coin.abs();
                }
            }
            _ => {}
        }
    }
    let keys = keys.into_iter().map(|k| k.1).collect();
    let to_pool = if inverse { 1.0 } else { pool.index };
    let net_of: fn(&ValuedPosition) -> f64 = if unit { |p| p.greeks.delta } else { pool_delta };
    (
        Terms::Grid(terms),
        buckets,
        keys,
        vec![0.0; pool.width()],
        1.0,
        to_pool,
        net_of,
    )
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

/// The margin-minimising perpetual hedge of a pool under a risk-matrix model (None otherwise): the
/// hedge problem with the pool's perpetual as its one candidate, unbounded.
pub fn suggest(pool: &PoolBook, members: &[&ValuedPosition]) -> Option<HedgeSuggestion> {
    pool.layout.matrix()?;
    let perp = unit_perpetual(pool);
    let instrument = perp.input.instrument.name.clone();
    let quantity_unit = perp.input.instrument.quantity_unit;
    let model = HedgeModel::new(
        pool,
        members,
        vec![(perp, f64::NEG_INFINITY, f64::INFINITY, 0.0)],
    )?;
    let q = model.solve(None, None).ok()?.solutions.pop()?;
    let (h, after) = (q[0], model.margin_at(&q));
    // the pool's margin as reported (a long-options-only pool is capped at its value, which any
    // hedge would end: then no trade is the best)
    let before = pool.margin().initial;
    let (h, after) = if after < before {
        (h, after)
    } else {
        (0.0, before)
    };
    Some(HedgeSuggestion {
        instrument,
        quantity: h,
        quantity_unit,
        initial_before: before,
        initial_after: after,
        saving: before - after,
    })
}
