//! Scenario-grid models (SPEC §3.3 SPAN-style and §3.4 custom): any grid of price moves × vol
//! shifts, optional term scaling, weights, a time shift, extra (e.g. extreme) scenarios counted at
//! a weight, and the contingency terms: intra-commodity spread charge and short option minimum.

use crate::error::{Error, ErrorCode, Result};
use crate::input::instrument::Kind;
use crate::margin::params::bad_model;
use crate::margin::risk_matrix::{cleaned, expiry_bucket, pool_delta};
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
        Ok(())
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
        let vol_label = VolShift::label;
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
                vol: e.vol,
                weight: e.weight,
                label,
            });
        }
        cells
    }

    fn shifted_sigma(&self, sigma: f64, dte_days: f64, v: &VolShift) -> f64 {
        let scale = match (self.term_scaled, &self.term_scaling) {
            (true, Some(t)) => t.factor(dte_days),
            _ => 1.0,
        };
        let s = sigma * (1.0 + v.relative.unwrap_or(0.0) * scale) + v.absolute.unwrap_or(0.0);
        s.max(0.01)
    }

    /// A position's weighted P&L in every cell, pool currency.
    pub fn position_vector(&self, cells: &[GridCell], p: &ValuedPosition, out: &mut [f64]) {
        let shift_years = self.time_shift_days / 365.0;
        let sigma = p.sigma.unwrap_or(0.0);
        for (o, c) in out.iter_mut().zip(cells) {
            let s = self.shifted_sigma(sigma, p.dte_days(), &c.vol);
            *o = c.weight * p.pnl_at_time(c.move_frac, s, p.t_years - shift_years);
        }
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
    pub initial: f64,
    pub maintenance: f64,
}

/// SPEC §3.3: margin = max(scan risk + spread charge, short option minimum).
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
    let mut by_expiry = BTreeMap::new();
    let mut short_options = 0.0;
    for p in positions.into_iter().filter(|p| !p.expired) {
        match p.input.instrument.kind {
            Kind::Future | Kind::Perpetual => {
                let key = expiry_bucket(p.input.instrument.expiry);
                let e = by_expiry.entry(key).or_insert((0.0, 0.0));
                e.0 += pool_delta(p);
                e.1 += pool_delta(p).abs();
            }
            Kind::Option if p.quantity < 0.0 => short_options += p.quantity_coin.abs(),
            _ => {}
        }
    }
    let nets: Vec<f64> = by_expiry.values().map(|(n, g)| cleaned(*n, *g)).collect();
    let long: f64 = nets.iter().filter(|d| **d > 0.0).sum();
    let short: f64 = -nets.iter().filter(|d| **d < 0.0).sum::<f64>();
    let to_pool = if inverse { 1.0 } else { index };
    let spread_charge = params.intra_spread_rate * long.min(short) * to_pool;
    let short_option_minimum = params.short_option_minimum * short_options * to_pool;
    let requirement = (scan_risk + spread_charge).max(short_option_minimum);
    let (initial, maintenance) = match (params.initial_factor, params.maintenance_factor) {
        (Some(f), _) => (f * requirement, requirement),
        (None, f) => (requirement, f.unwrap_or(1.0) * requirement),
    };
    GridRisk {
        scan_risk,
        worst_cell,
        spread_charge,
        short_option_minimum,
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
            ],
        )?;
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
        })
    }
}
