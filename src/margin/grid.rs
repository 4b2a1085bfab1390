//! Scenario-grid models (SPEC §3.3 SPAN-style and §3.4 custom): any grid of price moves × vol
//! shifts, optional term scaling, weights, a time shift, extra (e.g. extreme) scenarios counted at
//! a weight, and the contingency terms: intra-commodity spread charge and short option minimum.

use crate::error::{Error, ErrorCode, Result};
use crate::input::instrument::Kind;
use crate::margin::netting::{unit_key, UnitCache};
use crate::margin::params::bad_model;
use crate::margin::risk_matrix::{cleaned, expiry_bucket, pool_delta};
use crate::pricing::black76;
use crate::pricing::valuation::ValuedPosition;
use serde::Serialize;
use std::collections::BTreeMap;

/// A vol shift: relative (`σ(1+x)`) or absolute (`σ + x`), floored at 1 vol point.
#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VolShift {
    pub relative: Option<f64>,
    pub absolute: Option<f64>,
}

#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExtraScenario {
    #[serde(rename = "move")]
    pub move_frac: f64,
    pub vol: VolShift,
    #[cfg_attr(feature = "typescript", ts(as = "Option<f64>", optional))]
    pub weight: f64,
    pub label: Option<String>,
}

#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GridParams {
    /// Name, kind, description and the date of the figures.
    #[serde(flatten)]
    pub meta: crate::margin::params::ModelMeta,
    pub price_moves: Vec<f64>,
    pub vol_shifts: Vec<VolShift>,
    /// Scale relative vol shifts by `termScaling` (as deribit-pm scales its vol shocks).
    #[cfg_attr(feature = "typescript", ts(as = "Option<bool>", optional))]
    pub term_scaled: bool,
    /// `(referenceDays/max(DTE,1))^p`, p = `powerShort` below `cutoffDays`, else `powerLong`;
    /// required when `termScaled`.
    pub term_scaling: Option<TermScaling>,
    /// Weights per price move (same length as `priceMoves`); default 1.
    pub weights: Option<Vec<f64>>,
    /// Revalue this many days later (theta-aware scenarios).
    #[cfg_attr(feature = "typescript", ts(as = "Option<f64>", optional))]
    pub time_shift_days: f64,
    #[cfg_attr(
        feature = "typescript",
        ts(as = "Option<Vec<ExtraScenario>>", optional)
    )]
    pub extra_scenarios: Vec<ExtraScenario>,
    /// Charge per coin of offsetting delta between expiries (fraction of the index).
    #[cfg_attr(feature = "typescript", ts(as = "Option<f64>", optional))]
    pub intra_spread_rate: f64,
    /// Floor per coin of short options (fraction of the index).
    #[cfg_attr(feature = "typescript", ts(as = "Option<f64>", optional))]
    pub short_option_minimum: f64,
    /// The requirement is the initial margin and maintenance is this share of it …
    pub maintenance_factor: Option<f64>,
    /// … or (SPAN, CME convention) the requirement is the maintenance margin and initial is this
    /// multiple of it. Exactly one of the two is given.
    pub initial_factor: Option<f64>,
    /// Per underlying (`default` for others): when given, every price move of the grid is a
    /// multiple of the underlying's price scan range.
    pub scan_ranges: Option<BTreeMap<String, f64>>,
    /// Every vol shift times a factor of the option's days to expiry: `[[days, factor], …]`, days
    /// ascending, linear between rows, flat beyond the ends (OKX's vol-shock term table).
    pub term_table: Option<Vec<(f64, f64)>>,
    /// Under a move `m`, every price of the underlying moves by `index × m` USD, its basis to the
    /// index held (OKX's spot shock), instead of by `m` of itself.
    #[cfg_attr(feature = "typescript", ts(as = "Option<bool>", optional))]
    pub basis_held: bool,
    /// `underlying`: one risk unit per underlying in USD, inverse and linear positions together
    /// (OKX, Bybit); `pool` (the default): one per settlement pool, in its currency.
    #[cfg_attr(feature = "typescript", ts(as = "Option<String>", optional))]
    pub risk_units: RiskUnits,
    /// Basis risk (OKX MR4): per expiry, `|net cash delta| × max(floor, e^(annualisedMove·T) − 1)`.
    pub basis_risk: Option<BasisRisk>,
    /// A floor on the requirement (OKX MR7): `rate × Σ|cash delta|`, multiplied tier by tier.
    pub minimum_charge: Option<MinimumCharge>,
    /// Added to the requirement: this × net short options (coin) × index (Bybit's contingency).
    #[cfg_attr(feature = "typescript", ts(as = "Option<f64>", optional))]
    pub short_option_charge: f64,
    /// Added to the requirement: this × Σ|futures and perpetuals| (coin) × index (Bybit's).
    #[cfg_attr(feature = "typescript", ts(as = "Option<f64>", optional))]
    pub delta_one_charge: f64,
}

/// How positions form the units a grid margins.
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RiskUnits {
    Pool,
    Underlying,
}

/// Rates per underlying, with a `default` row.
pub fn rate_of(map: &BTreeMap<String, f64>, underlying: &str) -> f64 {
    map.get(underlying)
        .or_else(|| map.get("default"))
        .copied()
        .unwrap_or(0.0)
}

#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BasisRisk {
    pub annualised_move: BTreeMap<String, f64>,
    pub floor: BTreeMap<String, f64>,
}

#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MinimumCharge {
    /// Per underlying (`default` for others), of the summed absolute cash delta (USD).
    pub rates: BTreeMap<String, f64>,
    /// `[[fromUsd, multiplier], …]`: the raw charge's part above `fromUsd` (up to the next row)
    /// counts `multiplier` times; the first row starts at 0.
    pub tiers: Vec<(f64, f64)>,
}

impl MinimumCharge {
    /// The tiered charge of a raw charge (USD), each part at its tier's multiplier.
    pub fn tiered(&self, raw: f64) -> f64 {
        let mut total = 0.0;
        for (i, (from, mult)) in self.tiers.iter().enumerate() {
            let to = self.tiers.get(i + 1).map_or(f64::INFINITY, |t| t.0);
            total += mult * (raw.min(to) - from).max(0.0);
        }
        total
    }
}

/// The term scaling of relative vol shifts (data in the model, like every figure).
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TermScaling {
    pub reference_days: f64,
    pub cutoff_days: f64,
    pub power_short: f64,
    pub power_long: f64,
}

impl TermScaling {
    /// `(referenceDays / max(DTE, 1))^p`.
    pub fn factor(&self, dte_days: f64) -> f64 {
        let d = dte_days.max(1.0);
        let p = if d < self.cutoff_days {
            self.power_short
        } else {
            self.power_long
        };
        libm::pow(self.reference_days / d, p)
    }

    fn read(v: &serde_json::Value, path: &str) -> Result<Self> {
        let o = crate::input::json::Obj::new(
            v,
            path,
            &["referenceDays", "cutoffDays", "powerShort", "powerLong"],
        )?;
        let t = TermScaling {
            reference_days: o.f64("referenceDays")?,
            cutoff_days: o.f64("cutoffDays")?,
            power_short: o.f64("powerShort")?,
            power_long: o.f64("powerLong")?,
        };
        let days_ok = |d: f64| d.is_finite() && d > 0.0 && d <= 3650.0;
        let power_ok = |p: f64| p.is_finite() && (0.0..=2.0).contains(&p);
        if !(days_ok(t.reference_days) && days_ok(t.cutoff_days))
            || !(power_ok(t.power_short) && power_ok(t.power_long))
        {
            return Err(Error::at_path(
                ErrorCode::BadModel,
                path,
                "term scaling needs days in (0, 3650] and powers in [0, 2]",
            ));
        }
        Ok(t)
    }
}

/// One cell of the grid.
#[derive(Debug, Clone)]
pub struct GridCell {
    pub move_frac: f64,
    /// `ln(1 + move)` (the move floored at −99.9 %), shared by every option of the pool.
    pub ln_mult: f64,
    pub vol: VolShift,
    pub weight: f64,
    pub label: String,
}

impl GridParams {
    pub fn from_json(value: &serde_json::Value) -> Result<Self> {
        let p = GridParams::read(value).map_err(crate::margin::params::model_error)?;
        p.validate_scenarios()?;
        p.validate_terms()?;
        Ok(p)
    }

    /// Moves, vol shifts, weights, extra scenarios and the time shift within their ranges.
    fn validate_scenarios(&self) -> Result<()> {
        let p = self;
        let bad = |path: &str, msg: &str| bad_model(format!("model.{path}"), msg);
        // moves are fractions, or multiples of a scan range (checked against the ranges below)
        let scaled = p.scan_ranges.is_some();
        let ok_move = |m: f64| m.is_finite() && (m > -1.0 || scaled) && m.abs() <= 100.0;
        if p.price_moves.is_empty()
            || p.price_moves.len() > 101
            || !p.price_moves.iter().all(|m| ok_move(*m))
        {
            return bad("priceMoves", "1 to 101 moves, each in (-1, 100]");
        }
        if p.vol_shifts.is_empty() || p.vol_shifts.len() > 21 {
            return bad("volShifts", "1 to 21 vol shifts");
        }
        let ok_shift = |v: &VolShift| {
            v.relative
                .is_none_or(|x| x.is_finite() && (-1.0..=10.0).contains(&x))
                && v.absolute
                    .is_none_or(|x| x.is_finite() && (-5.0..=5.0).contains(&x))
        };
        if !p.vol_shifts.iter().all(ok_shift) || !p.extra_scenarios.iter().all(|e| ok_shift(&e.vol))
        {
            return bad(
                "volShifts",
                "relative shifts in [-1, 10], absolute in [-5, 5]",
            );
        }
        if let Some(w) = &p.weights {
            if w.len() != p.price_moves.len()
                || !w.iter().all(|x| x.is_finite() && (0.0..=100.0).contains(x))
            {
                return bad("weights", "one weight in [0, 100] per price move");
            }
        }
        if p.extra_scenarios.len() > 40
            || !p.extra_scenarios.iter().all(|e| {
                ok_move(e.move_frac) && e.weight.is_finite() && (0.0..=100.0).contains(&e.weight)
            })
        {
            return bad(
                "extraScenarios",
                "at most 40, moves in (-1, 100], weights in [0, 100]",
            );
        }
        if p.term_scaled && p.term_scaling.is_none() {
            return bad(
                "termScaling",
                "termScaled needs termScaling {referenceDays, cutoffDays, powerShort, powerLong}",
            );
        }
        if !(p.time_shift_days.is_finite() && (0.0..=3650.0).contains(&p.time_shift_days)) {
            return bad("timeShiftDays", "days in [0, 3650]");
        }
        for (f, v) in [
            ("intraSpreadRate", p.intra_spread_rate),
            ("shortOptionMinimum", p.short_option_minimum),
            ("maintenanceFactor", p.maintenance_factor.unwrap_or(1.0)),
        ] {
            if !(v.is_finite() && (0.0..=1.0).contains(&v)) {
                return bad(f, "must be in [0, 1]");
            }
        }
        Ok(())
    }

    /// The contingency terms, the requirement's factor and the scan ranges.
    fn validate_terms(&self) -> Result<()> {
        let p = self;
        let bad = |path: &str, msg: &str| bad_model(format!("model.{path}"), msg);
        match (p.maintenance_factor, p.initial_factor) {
            (Some(_), None) => {}
            (None, Some(f)) if f.is_finite() && (1.0..=10.0).contains(&f) => {}
            (None, Some(_)) => return bad("initialFactor", "must be in [1, 10]"),
            _ => {
                return bad(
                    "maintenanceFactor",
                    "give exactly one of maintenanceFactor (initial = requirement) and initialFactor (maintenance = requirement)",
                )
            }
        }
        if let Some(ranges) = &p.scan_ranges {
            if !ranges.contains_key("default") {
                return bad("scanRanges", "scanRanges needs a 'default' entry");
            }
            for (k, r) in ranges {
                if !(r.is_finite() && *r > 0.0 && *r < 1.0) {
                    return bad(
                        &format!("scanRanges.{k}"),
                        "a price scan range is in (0, 1)",
                    );
                }
            }
            // the largest move must stay inside (-1, 100]
            let largest = p
                .price_moves
                .iter()
                .chain(p.extra_scenarios.iter().map(|e| &e.move_frac))
                .fold(0.0f64, |a, m| a.max(m.abs()));
            if ranges.values().any(|r| largest * r >= 1.0) {
                return bad(
                    "scanRanges",
                    "a move of the grid times the scan range reaches -100 %",
                );
            }
        }
        self.validate_venue_terms()
    }

    /// The term table, basis risk, minimum charge and the additive charges within their ranges.
    fn validate_venue_terms(&self) -> Result<()> {
        let p = self;
        let bad = |path: &str, msg: &str| bad_model(format!("model.{path}"), msg);
        let ascending = |rows: &[(f64, f64)], max_x: f64, max_y: f64| {
            !rows.is_empty()
                && rows.len() <= 50
                && rows.iter().all(|(x, y)| {
                    x.is_finite()
                        && (0.0..=max_x).contains(x)
                        && y.is_finite()
                        && (0.0..=max_y).contains(y)
                })
                && rows.windows(2).all(|w| w[0].0 < w[1].0)
        };
        if let Some(t) = &p.term_table {
            if !ascending(t, 3650.0, 10.0) {
                return bad(
                    "termTable",
                    "1 to 50 rows [days, factor], days ascending in [0, 3650], factors in [0, 10]",
                );
            }
        }
        let rates_ok = |m: &BTreeMap<String, f64>, max: f64| {
            m.contains_key("default")
                && m.values().all(|r| r.is_finite() && (0.0..=max).contains(r))
        };
        if let Some(b) = &p.basis_risk {
            if !rates_ok(&b.annualised_move, 1.0) || !rates_ok(&b.floor, 1.0) {
                return bad(
                    "basisRisk",
                    "annualisedMove and floor: rates in [0, 1] per underlying, with a 'default' row",
                );
            }
        }
        if let Some(m) = &p.minimum_charge {
            let starts_at_zero = m.tiers.first().is_some_and(|t| t.0 == 0.0);
            if !rates_ok(&m.rates, 1.0) || !starts_at_zero || !ascending(&m.tiers, 1e15, 100.0) {
                return bad(
                    "minimumCharge",
                    "rates in [0, 1] with a 'default' row; tiers [[fromUsd, multiplier], …] from 0, ascending, multipliers in [0, 100]",
                );
            }
        }
        for (f, v) in [
            ("shortOptionCharge", p.short_option_charge),
            ("deltaOneCharge", p.delta_one_charge),
        ] {
            if !(v.is_finite() && (0.0..=1.0).contains(&v)) {
                return bad(f, "must be in [0, 1]");
            }
        }
        Ok(())
    }

    /// The term table's factor at `dte_days` (1 without a table).
    fn term_factor(&self, dte_days: f64) -> f64 {
        let Some(rows) = &self.term_table else {
            return 1.0;
        };
        let (Some(first), Some(last)) = (rows.first(), rows.last()) else {
            return 1.0;
        };
        if dte_days <= first.0 {
            return first.1;
        }
        for w in rows.windows(2) {
            let ((x0, y0), (x1, y1)) = (w[0], w[1]);
            if dte_days <= x1 {
                return y0 + (y1 - y0) * (dte_days - x0) / (x1 - x0);
            }
        }
        last.1
    }

    /// The price scan range of an underlying (1 when moves are plain fractions).
    pub fn scan_range(&self, underlying: &str) -> f64 {
        self.scan_ranges.as_ref().map_or(1.0, |r| {
            r.get(underlying)
                .or_else(|| r.get("default"))
                .copied()
                .unwrap_or(1.0)
        })
    }

    /// The cells of the grid for `underlying`, moves scaled by its scan range.
    pub fn cells(&self, underlying: &str) -> Vec<GridCell> {
        let range = self.scan_range(underlying);
        let pct = |m: f64| format!("{:+}%", (m * 1000.0).round() / 10.0);
        // a term-tabled shift's size depends on the option: name its direction only
        let tabled = self.term_table.is_some();
        let vol_label = |v: &VolShift| {
            let x = v.relative.unwrap_or(0.0) + v.absolute.unwrap_or(0.0);
            match tabled {
                true if x > 0.0 => "vol up (term table)".to_string(),
                true if x < 0.0 => "vol down (term table)".to_string(),
                _ => v.label(),
            }
        };
        let mut cells = Vec::new();
        for v in &self.vol_shifts {
            for (j, m) in self.price_moves.iter().enumerate() {
                let m = &(m * range);
                let weight = self
                    .weights
                    .as_ref()
                    .and_then(|w| w.get(j).copied())
                    .unwrap_or(1.0);
                cells.push(GridCell {
                    move_frac: *m,
                    ln_mult: libm::log(1.0 + m.max(MIN_MOVE)),
                    vol: *v,
                    weight,
                    label: format!("{}, {}", pct(*m), vol_label(v)),
                });
            }
        }
        for e in &self.extra_scenarios {
            let m = e.move_frac * range;
            let label = e
                .label
                .clone()
                .unwrap_or_else(|| format!("{}, {}", pct(m), vol_label(&e.vol)));
            cells.push(GridCell {
                move_frac: m,
                ln_mult: libm::log(1.0 + m.max(MIN_MOVE)),
                vol: e.vol,
                weight: e.weight,
                label,
            });
        }
        cells
    }

    /// σ in vol state `v`, with the position's term factors (`scale`: the term scaling of a
    /// relative shift, `table`: the term table's factor) computed once per position.
    fn shifted_sigma(sigma: f64, scale: f64, table: f64, v: &VolShift) -> f64 {
        let s = sigma * (1.0 + v.relative.unwrap_or(0.0) * scale * table)
            + v.absolute.unwrap_or(0.0) * table;
        s.max(0.01)
    }

    /// A position's weighted P&L in every cell, pool currency. A live option's per-unit P&L
    /// comes from `cache` when an identical option was priced before (`crate::margin::netting`);
    /// the figures are the same either way.
    pub fn position_vector(
        &self,
        cells: &[GridCell],
        p: &ValuedPosition,
        out: &mut [f64],
        cache: Option<&mut UnitCache>,
    ) {
        let t_left = p.t_years - self.time_shift_days / 365.0;
        let prepared = p.input.instrument.kind == Kind::Option && !p.expired && t_left > 0.0;
        let sigma = p.sigma.unwrap_or(0.0);
        let dte = p.dte_days();
        let scale = match (self.term_scaled, &self.term_scaling) {
            (true, Some(t)) => t.factor(dte),
            _ => 1.0,
        };
        let table = self.term_factor(dte);
        // basis held: the position's own price moves by index × m, i.e. by m × index / price
        let own_move = if self.basis_held && p.forward > 0.0 {
            p.index / p.forward
        } else {
            1.0
        };
        let terms = (sigma, scale, table, own_move, t_left);
        // a USD risk unit holds inverse positions at the shocked coin price:
        // (V₀ + pnl)·S(1+m) − V₀·S, coin value V₀
        let to_usd = self.risk_units == RiskUnits::Underlying && p.is_inverse();
        let finish = |c: &GridCell, pnl: f64| {
            let pnl = if to_usd {
                p.index * (pnl * (1.0 + c.move_frac) + p.value_pool * c.move_frac)
            } else {
                pnl
            };
            c.weight * pnl
        };
        if !prepared {
            for (o, c) in out.iter_mut().zip(cells) {
                let s = Self::shifted_sigma(sigma, scale, table, &c.vol);
                let m = (c.move_frac * own_move).max(MIN_MOVE);
                *o = finish(c, p.pnl_at_time(m, s, t_left));
            }
            return;
        }
        match cache {
            None => Self::option_vector(cells, p, terms, p.quantity, out, finish),
            Some(cache) => {
                cache.units(&unit_key(p), out, |units| {
                    Self::option_vector(cells, p, terms, 1.0, units, |_, pnl| pnl)
                });
                for (o, c) in out.iter_mut().zip(cells) {
                    *o = finish(c, p.quantity * *o);
                }
            }
        }
    }

    /// A live option's P&L in every cell for `q` units, `finish`ed (weighted and converted): `q ×
    /// (per-unit P&L)`, so that `q = 1` and no finish give the per-unit vector that `q × it`
    /// reproduces bit for bit.
    ///
    /// Priced by the sweep's prepared kernel: `ln(F/K)`, `√T` and the discount once per
    /// position, the term factors once per position, `ln(1+m)` once per cell of the pool (per
    /// position only when its basis is held); a cell costs one `exp` (`black76::price_prepared`).
    fn option_vector(
        cells: &[GridCell],
        p: &ValuedPosition,
        (sigma, scale, table, own_move, t_left): (f64, f64, f64, f64, f64),
        q: f64,
        out: &mut [f64],
        finish: impl Fn(&GridCell, f64) -> f64,
    ) {
        let inverse = p.is_inverse();
        let (f, k, call, base) = (p.forward, p.strike(), p.is_call(), p.unit_price_usd);
        let sqrt_t = libm::sqrt(t_left);
        let discount = libm::exp(-p.rate * t_left);
        let ln_fk = libm::log(f / k);
        for (o, c) in out.iter_mut().zip(cells) {
            let s = Self::shifted_sigma(sigma, scale, table, &c.vol);
            let m = (c.move_frac * own_move).max(MIN_MOVE);
            let ln_mult = if own_move == 1.0 {
                c.ln_mult
            } else {
                libm::log(1.0 + m)
            };
            let fm = f * (1.0 + m);
            let value = black76::price_prepared(fm, k, ln_fk + ln_mult, s * sqrt_t, discount, call);
            let pnl = if inverse {
                value / fm - base / f
            } else {
                value - base
            };
            *o = finish(c, q * pnl);
        }
    }
}

/// The largest fall a price may take in a scenario (a basis-held move of a price far above its
/// index could otherwise pass −100 %).
const MIN_MOVE: f64 = -0.999;

/// A position's cash delta (USD): `deltaForward × F`, the venues' delta of the instrument's own
/// price (a swap's quantity × its mark), else `delta × S`.
pub fn cash_delta(p: &ValuedPosition) -> f64 {
    match p.greeks.delta_forward {
        Some(d) => d * p.forward,
        None => p.greeks.delta_usd,
    }
}

/// A grid pool's margin, pool currency.
#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GridRisk {
    pub scan_risk: f64,
    pub worst_cell: usize,
    pub spread_charge: f64,
    pub short_option_minimum: f64,
    /// Basis risk (OKX MR4), when the model has it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub basis_charge: Option<f64>,
    /// The tiered minimum charge (OKX MR7), when the model has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub minimum_charge: Option<f64>,
    /// The additive short-option and futures charges (Bybit's contingencies), when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contingency_charge: Option<f64>,
    pub initial: f64,
    pub maintenance: f64,
}

/// SPEC §3.3: margin = max(scan risk + spread charge, short option minimum), with the venue terms
/// where the model has them: max(scan risk + spread + basis + contingencies, short option
/// minimum, minimum charge).
pub fn grid_risk<'a>(
    params: &GridParams,
    aggregated: &[f64],
    positions: impl IntoIterator<Item = &'a ValuedPosition>,
    index: f64,
    inverse: bool,
) -> GridRisk {
    let mut worst_cell = 0;
    for (i, v) in aggregated.iter().enumerate() {
        if *v < aggregated[worst_cell] {
            worst_cell = i;
        }
    }
    let scan_risk = aggregated.get(worst_cell).map_or(0.0, |v| (-v).max(0.0));
    // intra-commodity spread: offsetting futures and perpetual delta between expiries, in the
    // pool's own terms (SPEC §3.3); options count only toward the short option minimum
    let unit = params.risk_units == RiskUnits::Underlying;
    // per expiry of futures and perpetuals: net and gross delta (coin), net and gross cash delta
    // (USD), years to expiry
    let mut by_expiry = BTreeMap::new();
    let mut short_options = 0.0;
    let mut net_options = 0.0;
    let mut delta_one_coin = 0.0;
    let mut gross_cash = 0.0;
    let mut underlying = "";
    for p in positions.into_iter().filter(|p| !p.expired) {
        underlying = &p.input.instrument.underlying;
        let cash = cash_delta(p);
        gross_cash += cash.abs();
        match p.input.instrument.kind {
            Kind::Future | Kind::Perpetual => {
                let key = expiry_bucket(p.input.instrument.expiry);
                // a USD unit counts every leg's delta in coin of exposure
                let d = if unit { p.greeks.delta } else { pool_delta(p) };
                let e = by_expiry
                    .entry(key)
                    .or_insert([0.0, 0.0, 0.0, 0.0, p.t_years]);
                e[0] += d;
                e[1] += d.abs();
                e[2] += cash;
                e[3] += cash.abs();
                delta_one_coin += p.quantity_coin.abs();
            }
            Kind::Option => {
                net_options += p.quantity_coin;
                if p.quantity < 0.0 {
                    short_options += p.quantity_coin.abs()
                }
            }
            _ => {}
        }
    }
    let nets: Vec<f64> = by_expiry.values().map(|e| cleaned(e[0], e[1])).collect();
    let long: f64 = nets.iter().filter(|d| **d > 0.0).sum();
    let short: f64 = -nets.iter().filter(|d| **d < 0.0).sum::<f64>();
    let to_pool = if inverse { 1.0 } else { index };
    let spread_charge = params.intra_spread_rate * long.min(short) * to_pool;
    let short_option_minimum = params.short_option_minimum * short_options * to_pool;
    // the venue terms are in USD; an inverse pool holds them in coin
    let usd_to_pool = if inverse { 1.0 / index } else { 1.0 };
    let basis_charge = params.basis_risk.as_ref().map(|b| {
        let (a, floor) = (
            rate_of(&b.annualised_move, underlying),
            rate_of(&b.floor, underlying),
        );
        let usd: f64 = by_expiry
            .values()
            .map(|e| cleaned(e[2], e[3]).abs() * floor.max(libm::exp(a * e[4].max(0.0)) - 1.0))
            .sum();
        usd * usd_to_pool
    });
    let minimum_charge = params
        .minimum_charge
        .as_ref()
        .map(|m| m.tiered(rate_of(&m.rates, underlying) * gross_cash) * usd_to_pool);
    let contingency_charge = (params.short_option_charge > 0.0 || params.delta_one_charge > 0.0)
        .then(|| {
            let net_short = (-net_options).max(0.0);
            (params.short_option_charge * net_short + params.delta_one_charge * delta_one_coin)
                * to_pool
        });
    let requirement = (scan_risk
        + spread_charge
        + basis_charge.unwrap_or(0.0)
        + contingency_charge.unwrap_or(0.0))
    .max(short_option_minimum)
    .max(minimum_charge.unwrap_or(0.0));
    let (initial, maintenance) = match (params.initial_factor, params.maintenance_factor) {
        (Some(f), _) => (f * requirement, requirement),
        (None, f) => (requirement, f.unwrap_or(1.0) * requirement),
    };
    GridRisk {
        scan_risk,
        worst_cell,
        spread_charge,
        short_option_minimum,
        basis_charge,
        minimum_charge,
        contingency_charge,
        initial,
        maintenance,
    }
}

impl VolShift {
    /// `vol +25%`, `vol -5 pts` or `vol unchanged`.
    pub fn label(&self) -> String {
        match (self.relative, self.absolute) {
            (Some(r), _) if r != 0.0 => format!("vol {:+}%", (r * 1000.0).round() / 10.0),
            (_, Some(a)) if a != 0.0 => format!("vol {:+} pts", (a * 1000.0).round() / 10.0),
            _ => "vol unchanged".to_string(),
        }
    }

    fn read(v: &serde_json::Value, path: &str) -> Result<Self> {
        let o = crate::input::json::Obj::new(v, path, &["relative", "absolute"])?;
        Ok(VolShift {
            relative: o.opt_f64("relative")?,
            absolute: o.opt_f64("absolute")?,
        })
    }
}

impl GridParams {
    fn read(v: &serde_json::Value) -> Result<Self> {
        use crate::input::json::{as_array, Obj};
        let o = Obj::new(
            v,
            "model",
            &[
                "name",
                "kind",
                "description",
                "figuresAsOf",
                "priceMoves",
                "volShifts",
                "termScaled",
                "termScaling",
                "weights",
                "timeShiftDays",
                "extraScenarios",
                "intraSpreadRate",
                "shortOptionMinimum",
                "maintenanceFactor",
                "initialFactor",
                "scanRanges",
                "termTable",
                "basisHeld",
                "riskUnits",
                "basisRisk",
                "minimumCharge",
                "shortOptionCharge",
                "deltaOneCharge",
            ],
        )?;
        let pairs = |v: &serde_json::Value, path: &str| -> Result<Vec<(f64, f64)>> {
            as_array(v, path)?
                .iter()
                .enumerate()
                .map(|(i, row)| {
                    let here = format!("{path}[{i}]");
                    match row.as_array().map(Vec::as_slice) {
                        Some([a, b]) => Ok((
                            crate::input::json::as_f64(a, &format!("{here}[0]"))?,
                            crate::input::json::as_f64(b, &format!("{here}[1]"))?,
                        )),
                        _ => bad_model(here, "expected a pair [number, number]"),
                    }
                })
                .collect()
        };
        let list = |key: &str| -> Result<Vec<(&serde_json::Value, String)>> {
            match o.get(key) {
                None => Ok(Vec::new()),
                Some(v) => Ok(as_array(v, &o.at(key))?
                    .iter()
                    .enumerate()
                    .map(|(i, x)| (x, format!("{}[{i}]", o.at(key))))
                    .collect()),
            }
        };
        let extra = list("extraScenarios")?
            .into_iter()
            .map(|(x, path)| {
                let e = Obj::new(x, &path, &["move", "vol", "weight", "label"])?;
                Ok(ExtraScenario {
                    move_frac: e.f64("move")?,
                    vol: VolShift::read(
                        e.get("vol").unwrap_or(&serde_json::Value::Null),
                        &e.at("vol"),
                    )?,
                    weight: e.f64_or("weight", 1.0)?,
                    label: e.opt_str("label")?.map(str::to_string),
                })
            })
            .collect::<Result<_>>()?;
        Ok(GridParams {
            meta: crate::margin::params::ModelMeta::read(&o)?,
            price_moves: o.f64_vec("priceMoves")?,
            vol_shifts: list("volShifts")?
                .into_iter()
                .map(|(x, path)| VolShift::read(x, &path))
                .collect::<Result<_>>()?,
            term_scaled: o.bool_or("termScaled", false)?,
            term_scaling: o
                .get("termScaling")
                .map(|t| TermScaling::read(t, &o.at("termScaling")))
                .transpose()?,
            weights: match o.get("weights") {
                None => None,
                Some(_) => Some(o.f64_vec("weights")?),
            },
            time_shift_days: o.f64_or("timeShiftDays", 0.0)?,
            extra_scenarios: extra,
            intra_spread_rate: o.f64_or("intraSpreadRate", 0.0)?,
            short_option_minimum: o.f64_or("shortOptionMinimum", 0.0)?,
            maintenance_factor: o.opt_f64("maintenanceFactor")?,
            initial_factor: o.opt_f64("initialFactor")?,
            scan_ranges: o.opt_f64_map("scanRanges")?,
            term_table: o
                .get("termTable")
                .map(|t| pairs(t, &o.at("termTable")))
                .transpose()?,
            basis_held: o.bool_or("basisHeld", false)?,
            risk_units: o
                .opt_enum(
                    "riskUnits",
                    &[
                        ("pool", RiskUnits::Pool),
                        ("underlying", RiskUnits::Underlying),
                    ],
                )?
                .unwrap_or(RiskUnits::Pool),
            basis_risk: match o.get("basisRisk") {
                None => None,
                Some(b) => {
                    let b = Obj::new(b, &o.at("basisRisk"), &["annualisedMove", "floor"])?;
                    Some(BasisRisk {
                        annualised_move: b.opt_f64_map("annualisedMove")?.unwrap_or_default(),
                        floor: b.opt_f64_map("floor")?.unwrap_or_default(),
                    })
                }
            },
            minimum_charge: match o.get("minimumCharge") {
                None => None,
                Some(m) => {
                    let m = Obj::new(m, &o.at("minimumCharge"), &["rates", "tiers"])?;
                    Some(MinimumCharge {
                        rates: m.opt_f64_map("rates")?.unwrap_or_default(),
                        tiers: match m.get("tiers") {
                            None => vec![(0.0, 1.0)],
                            Some(t) => pairs(t, &m.at("tiers"))?,
                        },
                    })
                }
            },
            short_option_charge: o.f64_or("shortOptionCharge", 0.0)?,
            delta_one_charge: o.f64_or("deltaOneCharge", 0.0)?,
        })
    }
}
