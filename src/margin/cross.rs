//! Cross margin (SPEC §3.5; Deribit's X:PM shape): every pool of a `deribit-pm` book and the coin
//! collateral form one USD account. Each cell of both tables is one joint scenario; a pool's cell
//! (after the dampener, before the haircut) is converted to USD at the scenario's shocked coin price,
//! summed per currency with that currency's collateral, and a currency's gain counts at its
//! `pnlOffset`, at most `maxOffsetablePnl` USD; roll and delta shocks are added in USD.

use crate::collections::CollectMap;
use crate::margin::book::{Book, PoolBook};
use crate::margin::layout::PoolAssessment;
use crate::margin::risk_matrix::{
    adjusted_cell, dampener_amount, CellRef, RiskMatrixParams, ScenarioTable,
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
    let cells = Cells {
        params,
        points: params.price_points,
    };
    let width = cells.width();
    let mut by_currency: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    let mut underlyings: Vec<String> = Vec::new();
    let (mut roll_shock, mut delta_shock) = (0.0, 0.0);
    for pool in pools {
        let (PoolAssessment::Matrix(risk), Some(layout)) = (&pool.assessment, pool.layout.matrix())
        else {
            continue;
        };
        if !underlyings.contains(&pool.underlying) {
            underlyings.push(pool.underlying.clone());
        }
        let inverse = layout.scen.inverse;
        let key = if inverse {
            pool.currency.clone()
        } else {
            "USD".to_string()
        };
        let row = by_currency.entry(key).or_insert_with(|| vec![0.0; width]);
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
        roll_shock += risk.roll_shock * pool.to_usd();
        delta_shock += risk.delta_shock * pool.to_usd();
    }
    // coin collateral moves with its coin: c × S × m
    for (name, amount) in collateral {
        let coin = name.trim().to_ascii_uppercase();
        let Some(index) = market
            .underlying(&coin)
            .map(|u| u.index)
            .filter(|_| !is_stablecoin(&coin))
        else {
            continue;
        };
        if !underlyings.contains(&coin) {
            underlyings.push(coin.clone());
        }
        let row = by_currency
            .entry(coin.clone())
            .or_insert_with(|| vec![0.0; width]);
        for (j, slot) in row.iter_mut().enumerate() {
            *slot += amount * index * cells.move_of(&coin, j);
        }
    }
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
    underlyings.sort_unstable();
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
