//! The Deribit-style risk matrix (SPEC §3.1): per-position scenario P&L vectors in one sweep
//! (structure of arrays), aggregated per pool, with dampener, gains haircut, roll and delta shocks.

use crate::error::{Error, ErrorCode, Result};
use crate::input::instrument::{Kind, Settlement};
use crate::input::limits::MAX_IV;
use crate::margin::netting::{unit_key, UnitCache};
use crate::margin::params::bad_model;
use crate::pricing::black76;
use crate::pricing::valuation::ValuedPosition;
use crate::time::Date;
use serde::Serialize;
use std::collections::BTreeMap;

#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UnderlyingShock {
    pub price_range: f64,
    pub vol_up: f64,
    pub vol_down: f64,
    pub vega_power_short: f64,
    pub vega_power_long: f64,
    pub min_vol_for_shock_up: f64,
    /// Delta-shock increment per coin of excess delta (`mInc`, venue figures: the coin's futures slope).
    pub delta_shock_per_coin: f64,
    /// Delta-shock increment per USD of excess delta (`mIncUsd`, price-invariant; our choice for
    /// coins without a venue figure).
    pub delta_shock_per_usd: f64,
}

#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CurrencyParams {
    pub annualised_move_risk: f64,
    pub min_annualised_move: f64,
    pub extended_dampener: f64,
    pub pnl_offset: f64,
    pub mm_factor: f64,
    pub delta_total_liq_shock_threshold: f64,
    pub max_delta_shock: f64,
    /// Cross mode: the most a currency's gains may offset, USD (SPEC §3.5).
    pub max_offsetable_pnl: f64,
}

#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RiskMatrixParams {
    /// Name, kind, description and the date of the figures.
    #[serde(flatten)]
    pub meta: crate::margin::params::ModelMeta,
    pub price_points: usize,
    pub extended_moves: Vec<f64>,
    pub vol_shock_reference_days: f64,
    pub vega_power_cutoff_days: f64,
    pub min_vol_down_factor: f64,
    pub underlyings: BTreeMap<String, UnderlyingShock>,
    pub currencies: BTreeMap<String, CurrencyParams>,
    /// `segregated` (a margin per pool) or `cross` (one USD account, SPEC §3.5).
    pub cross: bool,
    /// The `default` rows, for underlyings and currencies without their own.
    #[serde(skip)]
    pub default_shock: UnderlyingShock,
    #[serde(skip)]
    pub default_currency: CurrencyParams,
}

/// The term scaling of the vol shocks (SPEC §3.1 step 1), copied out of the model for each pool.
#[derive(Debug, Clone, Copy)]
pub struct VolShockTerms {
    pub reference_days: f64,
    pub cutoff_days: f64,
    pub min_down_factor: f64,
}

impl RiskMatrixParams {
    pub fn from_json(value: &serde_json::Value) -> Result<Self> {
        let p = RiskMatrixParams::read(value).map_err(crate::margin::params::model_error)?;
        p.validate()?;
        Ok(p)
    }

    fn validate(&self) -> Result<()> {
        let bad = |path: String, msg: &str| {
            Err(Error::at_path(ErrorCode::BadModel, path, msg.to_string()))
        };
        if !(3..=41).contains(&self.price_points) || self.price_points % 2 == 0 {
            return bad(
                "model.pricePoints".into(),
                "pricePoints must be odd, between 3 and 41",
            );
        }
        if self.extended_moves.len() > 40
            || self
                .extended_moves
                .iter()
                .any(|m| !m.is_finite() || *m <= -1.0 || m.abs() < 0.01 || *m > 100.0)
        {
            // an extended cell is weighted R/|m|: a move near 0 would weigh without bound
            // (found by the fuzzer: a move of 1e-320 overflowed the extended table)
            return bad(
                "model.extendedMoves".into(),
                "extended moves must be at most 40 moves, each in (-1, 100] and at least 1 % in size",
            );
        }
        for (k, v) in [
            ("volShockReferenceDays", self.vol_shock_reference_days),
            ("vegaPowerCutoffDays", self.vega_power_cutoff_days),
        ] {
            if !(v.is_finite() && v > 0.0 && v <= 3650.0) {
                return bad(
                    format!("model.{k}"),
                    "must be a number of days in (0, 3650]",
                );
            }
        }
        if !(self.min_vol_down_factor.is_finite()
            && (0.0..=1.0).contains(&self.min_vol_down_factor))
        {
            return bad("model.minVolDownFactor".into(), "must be in [0, 1]");
        }
        for (name, u) in &self.underlyings {
            u.validate(&format!("model.underlyings.{name}"))?;
        }
        for (name, c) in &self.currencies {
            c.validate(&format!("model.currencies.{name}"))?;
        }
        Ok(())
    }

    pub fn shock_for(&self, underlying: &str) -> &UnderlyingShock {
        self.underlyings
            .get(underlying)
            .unwrap_or(&self.default_shock)
    }

    /// Settlement parameters: the coin for inverse pools, `USD` for linear ones.
    pub fn currency_for(&self, settlement: Settlement, coin: &str) -> &CurrencyParams {
        let key = if settlement == Settlement::Linear {
            "USD"
        } else {
            coin
        };
        self.currencies.get(key).unwrap_or(&self.default_currency)
    }

    pub fn terms(&self) -> VolShockTerms {
        VolShockTerms {
            reference_days: self.vol_shock_reference_days,
            cutoff_days: self.vega_power_cutoff_days,
            min_down_factor: self.min_vol_down_factor,
        }
    }

    /// The standard table's price moves: −R … +R in `pricePoints` steps.
    pub fn price_moves(&self, range: f64) -> Vec<f64> {
        let half = (self.price_points / 2) as f64;
        (0..self.price_points)
            .map(|j| (j as f64 - half) * range / half)
            .collect()
    }
}

impl VolShockTerms {
    /// Term-scaled vol shocks (SPEC §3.1 step 1): (σ_up, σ_down).
    pub fn vol_shocks(self, shock: &UnderlyingShock, sigma: f64, dte_days: f64) -> (f64, f64) {
        let d = dte_days.max(1.0);
        let p = if d < self.cutoff_days {
            shock.vega_power_short
        } else {
            shock.vega_power_long
        };
        let s = libm::pow(self.reference_days / d, p);
        let up = (sigma * (1.0 + shock.vol_up * s)).max(shock.min_vol_for_shock_up);
        let down = sigma * (1.0 - shock.vol_down * s).max(self.min_down_factor);
        (up, down)
    }
}

/// The scenario layout of one pool: 3 × n standard cells (vol up, unchanged, down), then the
/// extended moves. Each position's vector has `cells()` entries in this order.
#[derive(Debug, Clone)]
pub struct PoolScenarios {
    pub price_moves: Vec<f64>,
    pub extended_moves: Vec<f64>,
    pub range: f64,
    pub inverse: bool,
    /// `ln(1 + m)` of each move, shared by every option of the pool.
    ln_price_mults: Vec<f64>,
    ln_extended_mults: Vec<f64>,
}

pub const VOL_STATES: [&str; 3] = ["up", "unchanged", "down"];

impl PoolScenarios {
    pub fn new(price_moves: Vec<f64>, extended_moves: Vec<f64>, range: f64, inverse: bool) -> Self {
        let ln = |moves: &[f64]| moves.iter().map(|&m| libm::log1p(m)).collect();
        PoolScenarios {
            ln_price_mults: ln(&price_moves),
            ln_extended_mults: ln(&extended_moves),
            price_moves,
            extended_moves,
            range,
            inverse,
        }
    }

    pub fn cells(&self) -> usize {
        3 * self.price_moves.len() + self.extended_moves.len()
    }

    /// Fill `out` (length `cells()`) with the position's P&L in the pool's currency. A live
    /// option's per-unit vector comes from `cache` when an identical option was priced before
    /// (`crate::margin::netting`); the figures are the same either way.
    pub fn position_vector(
        &self,
        terms: VolShockTerms,
        shock: &UnderlyingShock,
        p: &ValuedPosition,
        out: &mut [f64],
        cache: Option<&mut UnitCache>,
    ) {
        let n = self.price_moves.len();
        let r = self.range;
        if p.input.instrument.kind == Kind::Option && !p.expired {
            let q = p.quantity;
            match cache {
                None => self.option_vector(terms, shock, p, q, out),
                Some(c) => {
                    c.units(&unit_key(p), out, |units| {
                        self.option_vector(terms, shock, p, 1.0, units)
                    });
                    // the unchanged cell stays 0 exactly, whatever the quantity's sign
                    let zero = self
                        .price_moves
                        .iter()
                        .position(|m| *m == 0.0)
                        .map(|j| n + j);
                    for (i, o) in out.iter_mut().enumerate() {
                        if Some(i) != zero {
                            *o *= q;
                        }
                    }
                }
            }
        } else {
            // delta-one (or expired): vol does not matter
            for (j, m) in self.price_moves.iter().enumerate() {
                let pnl = p.pnl_at(*m, 0.0);
                out[j] = pnl;
                out[n + j] = pnl;
                out[2 * n + j] = pnl;
            }
            for (e, m) in self.extended_moves.iter().enumerate() {
                out[3 * n + e] = p.pnl_at(*m, 0.0) * self.extended_factor(*m, r);
            }
        }
    }

    /// A live option's P&L in every cell for `q` units: `q × (per-unit P&L)`, and in the
    /// extended table `q × (per-unit P&L × weight)`, so that `q = 1` gives the per-unit vector
    /// that `q × it` reproduces bit for bit.
    fn option_vector(
        &self,
        terms: VolShockTerms,
        shock: &UnderlyingShock,
        p: &ValuedPosition,
        q: f64,
        out: &mut [f64],
    ) {
        let (n, r) = (self.price_moves.len(), self.range);
        // Per-position terms computed once; per cell only ln(1+m) (shared by the pool) changes.
        let sigma = p.sigma.unwrap_or(0.0);
        let (up, down) = terms.vol_shocks(shock, sigma, p.dte_days());
        let (f, k, call) = (p.forward, p.strike(), p.is_call());
        let sqrt_t = p.t_years.sqrt();
        let discount = libm::exp(-p.rate * p.t_years);
        let ln_fk = libm::log(f / k);
        let base = p.unit_price_usd;
        let cell_unit = |m: f64, ln_mult: f64, sd: f64| {
            let fm = f * (1.0 + m);
            let value = black76::price_prepared(fm, k, ln_fk + ln_mult, sd, discount, call);
            if self.inverse {
                value / fm - base / f
            } else {
                value - base
            }
        };
        for (v, s) in [up, sigma, down].into_iter().enumerate() {
            let sd = s * sqrt_t;
            for (j, (m, ln_mult)) in self
                .price_moves
                .iter()
                .zip(&self.ln_price_mults)
                .enumerate()
            {
                out[v * n + j] = if v == 1 && *m == 0.0 {
                    0.0
                } else {
                    q * cell_unit(*m, *ln_mult, sd)
                };
            }
        }
        let sd_up = up * sqrt_t;
        for (e, (m, ln_mult)) in self
            .extended_moves
            .iter()
            .zip(&self.ln_extended_mults)
            .enumerate()
        {
            out[3 * n + e] = q * (cell_unit(*m, *ln_mult, sd_up) * self.extended_factor(*m, r));
        }
    }

    /// Weight `R/|m|`, and in inverse pools the re-expression at the edge price `(1+m)/(1+sign(m)R)`.
    #[inline]
    pub fn extended_factor(&self, m: f64, r: f64) -> f64 {
        let weight = r / m.abs();
        if self.inverse {
            weight * (1.0 + m) / (1.0 + m.signum() * r)
        } else {
            weight
        }
    }
}

/// The tables a worst cell can sit in (SPEC §3.1 steps 2–3; `scenarios` for scenario grids).
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ScenarioTable {
    Standard,
    Extended,
    Scenarios,
}

/// A cell's place: its table, row (the vol state in the standard table; 0 in one-row tables) and
/// column (the price move, or the scenario in a grid).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CellRef {
    pub table: ScenarioTable,
    pub row: usize,
    pub column: usize,
}

/// A pool's aggregated matrix and the margin it implies, all in the pool's currency.
#[derive(Debug, Clone)]
pub struct PoolRisk {
    pub pnl_raw: Vec<f64>,
    pub pnl: Vec<f64>,
    pub worst_case: f64,
    pub worst_cell: usize,
    pub roll_shock: f64,
    pub delta_shock: f64,
    /// Set when the pool holds only long options whose value is below the risk-matrix margin:
    /// the initial margin is that value (SPEC §3.1 step 10).
    pub long_option_cap: Option<f64>,
    pub initial: f64,
    pub maintenance: f64,
}

/// One futures expiry's net position for the roll shock (SPEC §3.1 step 8); perpetuals are one
/// bucket without an expiry.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RollBucket {
    pub expiry: Option<Date>,
    /// Net position in coin.
    pub coin: f64,
    /// `max(minAnnualisedMove, e^(annualisedMoveRisk·T) − 1)`, the floor for perpetuals.
    pub rate: f64,
}

impl RollBucket {
    pub fn is_perpetual(&self) -> bool {
        self.expiry.is_none()
    }
}

/// Futures before perpetuals, then by expiry: the order in which buckets are summed.
pub fn expiry_bucket(expiry: Option<Date>) -> (bool, Option<Date>) {
    (expiry.is_none(), expiry)
}

/// A pool's contingency inputs besides the matrix: roll buckets and net delta.
#[derive(Debug, Clone, Default)]
pub struct Contingency {
    /// Per futures expiry, then one perpetual bucket.
    pub roll_buckets: Vec<RollBucket>,
    /// The pool's net delta in its own terms (SPEC §3.1 step 9): the summed `deltaCoinAccount` in
    /// inverse pools, the summed `delta` in linear pools; coin.
    pub delta: f64,
}

impl Contingency {
    /// Roll buckets and delta of a set of positions (SPEC §3.1 steps 8–9 inputs).
    pub fn of<'a>(
        positions: impl IntoIterator<Item = &'a ValuedPosition>,
        currency: &CurrencyParams,
    ) -> Contingency {
        let mut buckets: BTreeMap<(bool, Option<Date>), (f64, f64, f64)> = BTreeMap::new();
        let (mut delta, mut delta_gross) = (0.0, 0.0);
        for p in positions {
            delta += pool_delta(p);
            delta_gross += pool_delta(p).abs();
            if p.expired || !matches!(p.input.instrument.kind, Kind::Future | Kind::Perpetual) {
                continue;
            }
            let key = expiry_bucket(p.input.instrument.expiry);
            let entry = buckets.entry(key).or_insert((0.0, 0.0, p.t_years.max(0.0)));
            entry.0 += p.quantity_coin;
            entry.1 += p.quantity_coin.abs();
        }
        let roll_buckets = buckets
            .into_iter()
            .map(|((_, expiry), (coin, gross, t))| RollBucket {
                expiry,
                coin: cleaned(coin, gross),
                rate: match expiry {
                    None => currency.min_annualised_move,
                    Some(_) => currency
                        .min_annualised_move
                        .max(libm::exp(currency.annualised_move_risk * t) - 1.0),
                },
            })
            .collect();
        Contingency {
            roll_buckets,
            delta: cleaned(delta, delta_gross),
        }
    }

    /// Net perpetual position in coin.
    pub fn perpetual_coin(&self) -> f64 {
        self.roll_buckets
            .iter()
            .filter(|b| b.is_perpetual())
            .map(|b| b.coin)
            .sum()
    }

    /// Roll shock in the pool's currency, with `extra_perp_coin` added to the perpetual bucket.
    pub fn roll_shock(
        &self,
        extra_perp_coin: f64,
        perp_rate: f64,
        index: f64,
        inverse: bool,
    ) -> f64 {
        let mut has_perp = false;
        let mut total = 0.0;
        for b in &self.roll_buckets {
            if b.is_perpetual() {
                has_perp = true;
                total += (b.coin + extra_perp_coin).abs() * b.rate;
            } else {
                total += b.coin.abs() * b.rate;
            }
        }
        if !has_perp {
            total += extra_perp_coin.abs() * perp_rate;
        }
        if inverse {
            total
        } else {
            total * index
        }
    }
}

/// A position's delta in its pool's own terms: `deltaCoinAccount` for inverse positions (the coin
/// equity's delta), the perpetual-equivalent `delta` for linear ones.
pub fn pool_delta(p: &ValuedPosition) -> f64 {
    p.greeks.delta_coin_account.unwrap_or(p.greeks.delta)
}

/// Delta shock (SPEC §3.1 step 9) for net delta `delta` coin, in the pool's currency.
pub fn delta_shock(
    delta: f64,
    index: f64,
    currency: &CurrencyParams,
    shock: &UnderlyingShock,
    inverse: bool,
) -> f64 {
    let excess = (delta.abs() * index - currency.delta_total_liq_shock_threshold).max(0.0);
    let increment = shock.delta_shock_per_coin / index + shock.delta_shock_per_usd;
    let rate = currency.max_delta_shock.min(increment * excess);
    let charge = rate * delta.abs();
    if inverse {
        charge
    } else {
        charge * index
    }
}

/// The dampener amount of an extended move `m` (SPEC §3.1 step 5), in the pool's currency.
#[inline]
pub fn dampener_amount(scen: &PoolScenarios, currency: &CurrencyParams, index: f64, m: f64) -> f64 {
    let r = scen.range;
    let usd = (m.abs() / r - 1.0) * currency.extended_dampener;
    if scen.inverse {
        usd / ((1.0 + m.signum() * r) * index)
    } else {
        usd
    }
    .max(0.0)
}

/// The dampener amount of each extended cell, in the pool's currency.
pub fn dampener_amounts(scen: &PoolScenarios, currency: &CurrencyParams, index: f64) -> Vec<f64> {
    scen.extended_moves
        .iter()
        .map(|m| dampener_amount(scen, currency, index, *m))
        .collect()
}

/// One aggregated cell as the margin uses it: dampened (extended cells) then haircut.
#[inline]
pub fn adjusted_cell(raw: f64, dampener: f64, pnl_offset: f64) -> f64 {
    let damped = if dampener > 0.0 {
        raw.signum() * (raw.abs() - dampener).max(0.0) + 0.0
    } else {
        raw
    };
    if damped > 0.0 {
        damped * pnl_offset
    } else {
        damped
    }
}

/// Initial margin of one position alone (its vector is the whole pool), without allocating.
pub fn standalone_initial(
    scen: &PoolScenarios,
    currency: &CurrencyParams,
    shock: &UnderlyingShock,
    index: f64,
    vector: &[f64],
    p: &ValuedPosition,
) -> f64 {
    let n = 3 * scen.price_moves.len();
    let mut min = f64::INFINITY;
    for (i, v) in vector.iter().enumerate() {
        let damp = match scen.extended_moves.get(i.wrapping_sub(n)) {
            Some(m) if i >= n => dampener_amount(scen, currency, index, *m),
            _ => 0.0,
        };
        min = min.min(adjusted_cell(*v, damp, currency.pnl_offset));
    }
    let worst = if min.is_finite() {
        (-min).max(0.0)
    } else {
        0.0
    };
    let roll = match p.input.instrument.kind {
        Kind::Future => {
            p.quantity_coin.abs()
                * currency
                    .min_annualised_move
                    .max(libm::exp(currency.annualised_move_risk * p.t_years.max(0.0)) - 1.0)
        }
        Kind::Perpetual => p.quantity_coin.abs() * currency.min_annualised_move,
        _ => 0.0,
    } * if scen.inverse { 1.0 } else { index };
    worst + roll + delta_shock(pool_delta(p), index, currency, shock, scen.inverse)
}

/// Aggregate the pool's position vectors (SPEC §3.1 steps 4–10).
pub fn pool_risk(
    scen: &PoolScenarios,
    currency: &CurrencyParams,
    shock: &UnderlyingShock,
    index: f64,
    aggregated: &[f64],
    positions: &[&ValuedPosition],
) -> PoolRisk {
    let n = 3 * scen.price_moves.len();
    let damp = dampener_amounts(scen, currency, index);
    let pnl_raw = aggregated.to_vec();
    // 5.–6. dampener on the extended cells, then the gains haircut on every positive cell
    let pnl: Vec<f64> = pnl_raw
        .iter()
        .enumerate()
        .map(|(i, v)| {
            adjusted_cell(
                *v,
                if i >= n {
                    damp.get(i - n).copied().unwrap_or(0.0)
                } else {
                    0.0
                },
                currency.pnl_offset,
            )
        })
        .collect();
    // 7. worst case
    let worst_cell = worst_cell(&pnl, scen.price_moves.len());
    let worst_case = pnl.get(worst_cell).map_or(0.0, |v| (-v).max(0.0));
    // 8.–9.
    let contingency = Contingency::of(positions.iter().copied(), currency);
    let roll_shock = contingency.roll_shock(0.0, currency.min_annualised_move, index, scen.inverse);
    let delta_shock = delta_shock(contingency.delta, index, currency, shock, scen.inverse);
    // 10. (a pool of long options only never needs more than their value)
    let uncapped = worst_case + roll_shock + delta_shock;
    let long_option_cap = long_options_value(positions).filter(|cap| *cap < uncapped);
    let initial = long_option_cap.unwrap_or(uncapped);
    PoolRisk {
        pnl_raw,
        pnl,
        worst_case,
        worst_cell,
        roll_shock,
        delta_shock,
        long_option_cap,
        initial,
        maintenance: currency.mm_factor * initial,
    }
}

/// The first minimum in table order (standard table by vol state up, unchanged, down; then the
/// extended table); where the three vol states tie at that price move, the unchanged one.
fn worst_cell(pnl: &[f64], n: usize) -> usize {
    let mut worst = 0;
    for (i, v) in pnl.iter().enumerate() {
        if *v < pnl[worst] {
            worst = i;
        }
    }
    if n > 0 && worst < 3 * n {
        let column = worst % n;
        let at = |row: usize| pnl.get(row * n + column).copied();
        if at(0) == at(1) && at(1) == at(2) {
            return n + column;
        }
    }
    worst
}

/// The mark value of a pool that holds only long options (live ones), pool currency; None when
/// it holds anything else.
fn long_options_value(positions: &[&ValuedPosition]) -> Option<f64> {
    let live: Vec<&&ValuedPosition> = positions.iter().filter(|p| !p.expired).collect();
    let only_long_options = !live.is_empty()
        && live
            .iter()
            .all(|p| p.input.instrument.kind == Kind::Option && p.quantity > 0.0);
    only_long_options.then(|| live.iter().map(|p| p.value_pool).sum())
}

/// An aggregate whose size is within 1e-12 of the gross of what was summed is 0 (a book plus its
/// opposite margins nothing, not 2.8e-17).
pub fn cleaned(net: f64, gross: f64) -> f64 {
    if net.abs() <= CLEAN_RELATIVE * gross {
        0.0
    } else {
        net
    }
}

/// The relative size below which an aggregate counts as exactly 0.
pub const CLEAN_RELATIVE: f64 = 1e-12;

impl PoolScenarios {
    /// The table, row and column of a cell of a position vector.
    pub fn cell_ref(&self, cell: usize) -> CellRef {
        let n = self.price_moves.len().max(1);
        if cell < 3 * n {
            CellRef {
                table: ScenarioTable::Standard,
                row: cell / n,
                column: cell % n,
            }
        } else {
            CellRef {
                table: ScenarioTable::Extended,
                row: 0,
                column: cell - 3 * n,
            }
        }
    }

    /// The price move of a cell.
    pub fn cell_move(&self, cell: CellRef) -> f64 {
        let moves = match cell.table {
            ScenarioTable::Extended => &self.extended_moves,
            _ => &self.price_moves,
        };
        moves.get(cell.column).copied().unwrap_or(0.0)
    }
}

impl UnderlyingShock {
    fn validate(&self, path: &str) -> Result<()> {
        let p = |f: &str| format!("{path}.{f}");
        if !(self.price_range.is_finite() && self.price_range > 0.0 && self.price_range < 1.0) {
            return bad_model(p("priceRange"), "priceRange must be in (0, 1)");
        }
        // bounds keep every shocked vol finite: s = (ref/d)^p ≤ 3650², σ_up ≤ MAX_IV·(1 + 10·s)
        for (f, v, max) in [
            ("volUp", self.vol_up, 10.0),
            ("volDown", self.vol_down, 10.0),
            ("vegaPowerShort", self.vega_power_short, 2.0),
            ("vegaPowerLong", self.vega_power_long, 2.0),
            ("minVolForShockUp", self.min_vol_for_shock_up, MAX_IV),
            ("deltaShockPerCoin", self.delta_shock_per_coin, 1.0),
            ("deltaShockPerUsd", self.delta_shock_per_usd, 1e-3),
        ] {
            if !(v.is_finite() && (0.0..=max).contains(&v)) {
                return bad_model(p(f), &format!("must be a number in [0, {max}]"));
            }
        }
        Ok(())
    }

    fn read(v: &serde_json::Value, path: &str) -> Result<Self> {
        let o = crate::input::json::Obj::new(
            v,
            path,
            &[
                "priceRange",
                "volUp",
                "volDown",
                "vegaPowerShort",
                "vegaPowerLong",
                "minVolForShockUp",
                "deltaShockPerCoin",
                "deltaShockPerUsd",
            ],
        )?;
        Ok(UnderlyingShock {
            price_range: o.f64("priceRange")?,
            vol_up: o.f64("volUp")?,
            vol_down: o.f64("volDown")?,
            vega_power_short: o.f64("vegaPowerShort")?,
            vega_power_long: o.f64("vegaPowerLong")?,
            min_vol_for_shock_up: o.f64("minVolForShockUp")?,
            delta_shock_per_coin: o.f64_or("deltaShockPerCoin", 0.0)?,
            delta_shock_per_usd: o.f64_or("deltaShockPerUsd", 0.0)?,
        })
    }
}

impl CurrencyParams {
    fn validate(&self, path: &str) -> Result<()> {
        let p = |f: &str| format!("{path}.{f}");
        // e^(annualisedMoveRisk·T) − 1 over T ≤ 100 years stays finite for rates up to 1
        if !(self.annualised_move_risk.is_finite()
            && (0.0..=1.0).contains(&self.annualised_move_risk))
        {
            return bad_model(
                p("annualisedMoveRisk"),
                "must be in [0, 1] (an annualised rate)",
            );
        }
        for (f, v) in [
            ("minAnnualisedMove", self.min_annualised_move),
            ("extendedDampener", self.extended_dampener),
            (
                "deltaTotalLiqShockThreshold",
                self.delta_total_liq_shock_threshold,
            ),
            ("maxOffsetablePnl", self.max_offsetable_pnl),
        ] {
            if !(v.is_finite() && (0.0..=1e15).contains(&v)) {
                return bad_model(p(f), "must be a finite number ≥ 0");
            }
        }
        for (f, v) in [
            ("pnlOffset", self.pnl_offset),
            ("mmFactor", self.mm_factor),
            ("maxDeltaShock", self.max_delta_shock),
        ] {
            if !(v.is_finite() && (0.0..=1.0).contains(&v)) {
                return bad_model(p(f), "must be in [0, 1]");
            }
        }
        Ok(())
    }

    fn read(v: &serde_json::Value, path: &str) -> Result<Self> {
        let o = crate::input::json::Obj::new(
            v,
            path,
            &[
                "annualisedMoveRisk",
                "minAnnualisedMove",
                "extendedDampener",
                "pnlOffset",
                "mmFactor",
                "deltaTotalLiqShockThreshold",
                "maxDeltaShock",
                "maxOffsetablePnl",
            ],
        )?;
        Ok(CurrencyParams {
            annualised_move_risk: o.f64("annualisedMoveRisk")?,
            min_annualised_move: o.f64("minAnnualisedMove")?,
            extended_dampener: o.f64("extendedDampener")?,
            pnl_offset: o.f64("pnlOffset")?,
            mm_factor: o.f64("mmFactor")?,
            delta_total_liq_shock_threshold: o.f64("deltaTotalLiqShockThreshold")?,
            max_delta_shock: o.f64("maxDeltaShock")?,
            max_offsetable_pnl: o.f64_or("maxOffsetablePnl", 1e15)?,
        })
    }
}

impl RiskMatrixParams {
    fn read(v: &serde_json::Value) -> Result<Self> {
        let o = crate::input::json::Obj::new(
            v,
            "model",
            &[
                "name",
                "kind",
                "description",
                "figuresAsOf",
                "pricePoints",
                "extendedMoves",
                "volShockReferenceDays",
                "vegaPowerCutoffDays",
                "minVolDownFactor",
                "underlyings",
                "currencies",
                "mode",
            ],
        )?;
        let cross = match o.opt_str("mode")? {
            None | Some("segregated") => false,
            Some("cross") => true,
            Some(other) => {
                return Err(Error::at_path(
                    ErrorCode::BadModel,
                    o.at("mode"),
                    format!(
                        "{}: '{other}' is not a margin mode (segregated or cross)",
                        o.at("mode")
                    ),
                ))
            }
        };
        let rows = |key: &str| -> Result<Vec<(String, &serde_json::Value, String)>> {
            let m = crate::input::json::Obj::map(
                o.get(key).unwrap_or(&serde_json::Value::Null),
                &o.at(key),
            )?;
            Ok(m.map.iter().map(|(k, v)| (k.clone(), v, m.at(k))).collect())
        };
        let underlyings: BTreeMap<String, UnderlyingShock> = crate::collections::try_collect_map(
            rows("underlyings")?
                .into_iter()
                .map(|(k, v, p)| Ok::<_, Error>((k, UnderlyingShock::read(v, &p)?))),
        )?;
        let currencies: BTreeMap<String, CurrencyParams> = crate::collections::try_collect_map(
            rows("currencies")?
                .into_iter()
                .map(|(k, v, p)| Ok::<_, Error>((k, CurrencyParams::read(v, &p)?))),
        )?;
        let missing_default = || {
            Error::at_path(
                ErrorCode::BadModel,
                "model",
                "a risk-matrix model needs 'default' rows in underlyings and currencies",
            )
        };
        Ok(RiskMatrixParams {
            meta: crate::margin::params::ModelMeta::read(&o)?,
            price_points: o.usize("pricePoints")?,
            extended_moves: o.f64_vec("extendedMoves")?,
            vol_shock_reference_days: o.f64("volShockReferenceDays")?,
            vega_power_cutoff_days: o.f64("vegaPowerCutoffDays")?,
            min_vol_down_factor: o.f64("minVolDownFactor")?,
            default_shock: underlyings
                .get("default")
                .cloned()
                .ok_or_else(missing_default)?,
            default_currency: currencies
                .get("default")
                .cloned()
                .ok_or_else(missing_default)?,
            underlyings,
            currencies,
            cross,
        })
    }
}
