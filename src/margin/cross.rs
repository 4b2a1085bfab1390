//! Cross margin (SPEC §3.5; Deribit's X:PM shape): every pool of a `deribit-pm` book and the coin
//! collateral form one USD account. Each cell of both tables is one joint scenario; a pool's cell
//! (after the dampener, before the haircut) is converted to USD at the scenario's shocked coin price,
//! summed per currency with that currency's collateral, and a currency's gain counts at its
//! `pnlOffset`, at most `maxOffsetablePnl` USD; roll and delta shocks are added in USD.

use crate::collections::CollectMap;
use crate::margin::book::{Book, PoolBook};
use crate::margin::layout::PoolAssessment;
use crate::margin::risk_matrix::{
    adjusted_cell, dampener_amount, CellRef, CurrencyParams, RiskMatrixParams, ScenarioTable,
};
use crate::market::Market;
use crate::pricing::valuation::is_stablecoin;
use serde::Serialize;
use std::collections::BTreeMap;

/// The account's cross-margin figures, USD.
#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CrossMargin {
    pub initial: f64,
    pub maintenance: f64,
    pub worst_case: f64,
    /// The worst joint cell: its table, row (vol state) and column (price point), and the P&L of
    /// each currency in it (after the haircut), USD.
    pub worst_scenario: CrossCell,
    pub roll_shock: f64,
    pub delta_shock: f64,
}

#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CrossCell {
    pub table: ScenarioTable,
    pub row: usize,
    pub column: usize,
    /// The cell's price move per underlying of the account.
    pub price_moves: BTreeMap<String, f64>,
    pub pnl_by_currency: BTreeMap<String, f64>,
}

/// The cell layout shared by every pool: 3 rows of `points` price points, then the extended moves.
struct Cells<'a> {
    params: &'a RiskMatrixParams,
    points: usize,
}

impl Cells<'_> {
    fn width(&self) -> usize {
        3 * self.points + self.params.extended_moves.len()
    }
    fn cell_ref(&self, j: usize) -> CellRef {
        if j < 3 * self.points {
            CellRef {
                table: ScenarioTable::Standard,
                row: j / self.points,
                column: j % self.points,
            }
        } else {
            CellRef {
                table: ScenarioTable::Extended,
                row: 0,
                column: j - 3 * self.points,
            }
        }
    }
    /// The price move of `underlying` in cell `j`.
    fn move_of(&self, underlying: &str, j: usize) -> f64 {
        let c = self.cell_ref(j);
        match c.table {
            ScenarioTable::Extended => self.params.extended_moves[c.column],
            _ => self
                .params
                .price_moves(self.params.shock_for(underlying).price_range)[c.column],
        }
    }
}

/// The cross margin of a `deribit-pm` book with `collateral` (SPEC §3.5).
pub fn cross_margin(
    book: &Book,
    params: &RiskMatrixParams,
    market: &Market,
    collateral: &BTreeMap<String, f64>,
) -> CrossMargin {
    let pools: Vec<&PoolBook> = book.pools.iter().collect();
    cross_margin_of(&pools, params, market, collateral)
}

/// [`cross_margin`] of a set of pools (the liquidation search moves one underlying's pools only).
pub fn cross_margin_of(
    pools: &[&PoolBook],
    params: &RiskMatrixParams,
    market: &Market,
    collateral: &BTreeMap<String, f64>,
) -> CrossMargin {
    let mut partial = CrossPartial::of(pools, params);
    partial.add_collateral(params, market, collateral);
    // inserted one by one: `BTreeSet: FromIterator` sorts with a stable sort of its own
    // (src/collections.rs)
    let mut underlyings = std::collections::BTreeSet::new();
    for p in pools.iter().filter(|p| {
        matches!(p.assessment, PoolAssessment::Matrix(_)) && p.layout.matrix().is_some()
    }) {
        underlyings.insert(p.underlying.clone());
    }
    for name in collateral.keys() {
        let coin = name.trim().to_ascii_uppercase();
        if market.underlying(&coin).is_some() && !is_stablecoin(&coin) {
            underlyings.insert(coin);
        }
    }
    partial.finish(params, Some(underlyings))
}

/// The pools' part of a cross margin, summed in pool order: each currency's cells (USD) and the
/// roll and delta shocks. The liquidation search sums the pools that do not move once and adds
/// the moved ones at every point, in the same order, so the figures are those of
/// [`cross_margin_of`] to the bit.
#[derive(Debug, Clone)]
pub struct CrossPartial {
    by_currency: BTreeMap<String, Vec<f64>>,
    roll_shock: f64,
    delta_shock: f64,
}

impl CrossPartial {
    /// The part of `pools`.
    pub fn of(pools: &[&PoolBook], params: &RiskMatrixParams) -> CrossPartial {
        let mut partial = CrossPartial {
            by_currency: BTreeMap::new(),
            roll_shock: 0.0,
            delta_shock: 0.0,
        };
        for pool in pools {
            partial.add_pool(pool, params);
        }
        partial
    }

    fn add_pool(&mut self, pool: &PoolBook, params: &RiskMatrixParams) {
        let width = Cells {
            params,
            points: params.price_points,
        }
        .width();
        let (PoolAssessment::Matrix(risk), Some(layout)) = (&pool.assessment, pool.layout.matrix())
        else {
            return;
        };
        let inverse = layout.scen.inverse;
        let key = if inverse {
            pool.currency.clone()
        } else {
            "USD".to_string()
        };
        let row = self
            .by_currency
            .entry(key)
            .or_insert_with(|| vec![0.0; width]);
        let n = 3 * layout.scen.price_moves.len();
        let r = layout.scen.range;
        for (j, slot) in row.iter_mut().enumerate() {
            let raw = risk.pnl_raw.get(j).copied().unwrap_or(0.0);
            let (cell, to_usd) = if j < n {
                let m = layout.scen.price_moves[j % layout.scen.price_moves.len()];
                (raw, pool.index * (1.0 + m))
            } else {
                let m = layout.scen.extended_moves[j - n];
                let damp = dampener_amount(&layout.scen, &layout.currency, pool.index, m);
                (
                    adjusted_cell(raw, damp, 1.0),
                    pool.index * (1.0 + m.signum() * r),
                )
            };
            *slot += if inverse { cell * to_usd } else { cell };
        }
        self.roll_shock += risk.roll_shock * pool.to_usd();
        self.delta_shock += risk.delta_shock * pool.to_usd();
    }

    /// Coin collateral moves with its coin: `c × S × m`.
    fn add_collateral(
        &mut self,
        params: &RiskMatrixParams,
        market: &Market,
        collateral: &BTreeMap<String, f64>,
    ) {
        let cells = Cells {
            params,
            points: params.price_points,
        };
        let width = cells.width();
        for (name, amount) in collateral {
            let coin = name.trim().to_ascii_uppercase();
            let Some(index) = market
                .underlying(&coin)
                .map(|u| u.index)
                .filter(|_| !is_stablecoin(&coin))
            else {
                continue;
            };
            let row = self
                .by_currency
                .entry(coin.clone())
                .or_insert_with(|| vec![0.0; width]);
            for (j, slot) in row.iter_mut().enumerate() {
                *slot += amount * index * cells.move_of(&coin, j);
            }
        }
    }

    /// The cross maintenance margin of these pools plus `moving`, with the collateral at `market`.
    pub fn maintenance_with(
        &self,
        moving: &[&PoolBook],
        params: &RiskMatrixParams,
        market: &Market,
        collateral: &BTreeMap<String, f64>,
    ) -> f64 {
        let mut partial = self.clone();
        for pool in moving {
            partial.add_pool(pool, params);
        }
        partial.add_collateral(params, market, collateral);
        // `finish`'s figures without the report's worst-cell description
        let width = Cells {
            params,
            points: params.price_points,
        }
        .width();
        let rows: Vec<(&CurrencyParams, &Vec<f64>)> = partial
            .by_currency
            .iter()
            .map(|(c, row)| {
                (
                    params.currencies.get(c).unwrap_or(&params.default_currency),
                    row,
                )
            })
            .collect();
        let mut worst: Option<f64> = None;
        for j in 0..width {
            let total: f64 = rows
                .iter()
                .map(|(c, row)| {
                    let pnl = row[j];
                    if pnl > 0.0 {
                        (pnl * c.pnl_offset).min(c.max_offsetable_pnl)
                    } else {
                        pnl
                    }
                })
                .sum();
            if worst.is_none_or(|w| total < w) {
                worst = Some(total);
            }
        }
        let worst_case = worst.map_or(0.0, |t| (-t).max(0.0));
        let initial = worst_case + partial.roll_shock + partial.delta_shock;
        params
            .currencies
            .get("USD")
            .unwrap_or(&params.default_currency)
            .mm_factor
            * initial
    }

    /// The margin: per currency, gains at `pnlOffset` capped at `maxOffsetablePnl`, losses in full;
    /// the worst joint cell; `underlyings` (sorted) names the cell's moves (None: not reported).
    fn finish(
        self,
        params: &RiskMatrixParams,
        underlyings: Option<std::collections::BTreeSet<String>>,
    ) -> CrossMargin {
        let cells = Cells {
            params,
            points: params.price_points,
        };
        let width = cells.width();
        let by_currency = self.by_currency;
        let (roll_shock, delta_shock) = (self.roll_shock, self.delta_shock);
        // per currency: gains at pnlOffset, capped at maxOffsetablePnl; losses in full
        let haircut = |currency: &str, pnl: f64| {
            let c = params
                .currencies
                .get(currency)
                .unwrap_or(&params.default_currency);
            if pnl > 0.0 {
                (pnl * c.pnl_offset).min(c.max_offsetable_pnl)
            } else {
                pnl
            }
        };
        let totals: Vec<f64> = (0..width)
            .map(|j| by_currency.iter().map(|(c, row)| haircut(c, row[j])).sum())
            .collect();
        let worst = (0..width).fold(0, |w, j| if totals[j] < totals[w] { j } else { w });
        let worst_case = totals.get(worst).map_or(0.0, |t| (-t).max(0.0));
        let c = cells.cell_ref(worst);
        let initial = worst_case + roll_shock + delta_shock;
        let mm_factor = params
            .currencies
            .get("USD")
            .unwrap_or(&params.default_currency)
            .mm_factor;
        CrossMargin {
            initial,
            maintenance: mm_factor * initial,
            worst_case,
            worst_scenario: CrossCell {
                table: c.table,
                row: c.row,
                column: c.column,
                price_moves: underlyings
                    .unwrap_or_default()
                    .iter()
                    .map(|u| (u.clone(), cells.move_of(u, worst)))
                    .collect_map(),
                pnl_by_currency: by_currency
                    .iter()
                    .map(|(k, row)| (k.clone(), haircut(k, row[worst])))
                    .collect_map(),
            },
            roll_shock,
            delta_shock,
        }
    }
}
