//! The report (SPEC §6): the names here are the public contract.

use crate::error::Warning;
use crate::input::instrument::{Kind, OptionType, QuantityUnit, Settlement};
use crate::margin::params::Margin;
use crate::margin::risk_matrix::ScenarioTable;
use crate::pricing::valuation::{IvSource, PositionGreeks};
use serde::Serialize;
use std::collections::BTreeMap;

#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    pub as_of: String,
    pub model: ModelReport,
    pub market: MarketReport,
    pub positions: Vec<PositionReport>,
    pub greeks: BTreeMap<String, UnderlyingGreeks>,
    pub margin: MarginReport,
    /// Present when the request has an `account` (SPEC §5).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<crate::margin::account::AccountReport>,
    /// VaR and ES (SPEC §4), when `analysis.var` asks for them.
    #[cfg(feature = "analysis")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub var: Option<crate::risk::types::VarReport>,
    /// Stress scenarios, when `analysis.stress` asks for them.
    #[cfg(feature = "analysis")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stress: Option<crate::risk::types::StressReport>,
    /// Payoff curves per underlying, when `analysis.payoff` asks for them.
    #[cfg(feature = "analysis")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payoff: Option<BTreeMap<String, crate::risk::types::PayoffCurve>>,
    pub warnings: Vec<Warning>,
}

#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ModelReport {
    pub name: String,
    pub params: serde_json::Value,
}

#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MarketReport {
    /// `"default"` (the embedded snapshot) or `"request"`.
    pub source: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Index per underlying used.
    pub index: BTreeMap<String, f64>,
}

#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PositionReport {
    pub instrument: String,
    pub underlying: String,
    pub kind: Kind,
    pub settlement: Settlement,
    pub pool: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expiry: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub strike: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub option_type: Option<OptionType>,
    /// Signed quantity in `quantityUnit` (coin, or USD notional for inverse futures/perpetuals).
    pub quantity: f64,
    pub quantity_unit: QuantityUnit,
    pub quantity_coin: f64,
    /// Mark in the instrument's quote unit: coin for inverse options, USD otherwise.
    pub mark: f64,
    pub mark_usd: f64,
    /// The reference price: the forward of the expiry, or the future's/perpetual's own mark.
    pub forward: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iv: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iv_source: Option<IvSource>,
    pub t_years: f64,
    pub dte_days: f64,
    /// Options: premium value (long +, short −). Futures/perpetuals: unrealised P&L against `entry`.
    /// Spot: holding value.
    pub value_usd: f64,
    /// The same in the pool's currency (coin for inverse pools).
    pub value: f64,
    pub greeks: PositionGreeks,
    /// Standalone standard margin of this position, in the pool's currency.
    pub standard_margin: Margin,
    /// Risk-matrix models: the position's part in its pool's worst case.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attribution: Option<Attribution>,
    /// Where the position sits, when the input says (or its name is a venue's).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub venue: Option<crate::input::venue::Venue>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
}

/// A position's part in its pool's worst case (SPEC §5 attribution).
#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Attribution {
    /// Its P&L in the pool's worst cell (before the haircut and dampener), pool currency.
    pub worst_cell_pnl: f64,
    /// `share × worstCase`; the contributions of a pool sum to its worst case.
    pub worst_case_contribution: f64,
    /// Its P&L as a fraction of the worst cell's aggregate (negative: it offsets).
    pub share: f64,
    /// The initial margin of the position alone, pool currency.
    pub standalone_initial: f64,
}

/// Which cell of a pool's tables is worst, and where it sits, so that a reader can mark it
/// without searching (`riskMatrix.pnl[row][column]`, `extended.pnl[column]`, `scenarios.pnl[column]`).
#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WorstScenario {
    pub price_move: f64,
    /// The vol state (`up`, `unchanged`, `down`) or, in a scenario grid, the vol shift.
    pub vol: String,
    pub table: ScenarioTable,
    /// The cell's row: the vol state's index in the standard table, 0 in one-row tables.
    pub row: usize,
    /// The cell's column: the price move's index, or the scenario's in a grid.
    pub column: usize,
    /// Scenario grids: the scenario's label.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UnderlyingGreeks {
    #[serde(flatten)]
    pub total: PositionGreeks,
    pub by_expiry: BTreeMap<String, PositionGreeks>,
}

#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MarginReport {
    pub pools: Vec<PoolReport>,
    /// In cross mode, the account's requirement; `pools` then hold each pool's segregated figures.
    pub total_usd: TotalUsd,
    /// Cross mode (SPEC §3.5): the account's figures in USD.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cross: Option<crate::margin::cross::CrossMargin>,
}

#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TotalUsd {
    pub initial: f64,
    pub maintenance: f64,
    pub standard_initial: f64,
    pub standard_maintenance: f64,
    /// `standardInitial − initial`: what portfolio margining saves.
    pub saving: f64,
}

#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PoolReport {
    pub pool: String,
    /// The pool's money: the coin (inverse) or USDC/USDT (linear).
    pub currency: String,
    pub underlying: String,
    pub settlement: Settlement,
    pub index: f64,
    /// Indexes into `positions`.
    pub positions: Vec<usize>,
    pub initial: f64,
    pub maintenance: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub worst_case: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub worst_scenario: Option<WorstScenario>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub roll_shock: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delta_shock: Option<f64>,
    /// A pool of long options only: the initial margin is capped at their value (SPEC §3.1 step 10).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub long_option_cap: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub risk_matrix: Option<RiskMatrixReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extended: Option<ExtendedReport>,
    /// Scenario-grid models (SPAN-style, custom): every scenario's weighted P&L and the terms.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scenarios: Option<ScenarioReport>,
    /// The perpetual quantity that minimises this pool's initial margin.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hedge: Option<crate::margin::hedge::HedgeSuggestion>,
    pub standard: PoolStandard,
    /// Pool figures converted to USD (inverse pools at the coin's index).
    pub initial_usd: f64,
    pub maintenance_usd: f64,
}

#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PoolStandard {
    pub initial: f64,
    pub maintenance: f64,
    /// `standard.initial − initial` in the pool's currency.
    pub saving: f64,
}

#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RiskMatrixReport {
    pub price_moves: Vec<f64>,
    pub vol_states: Vec<&'static str>,
    /// `pnl[v][p]`: vol state v, price move p; after the gains haircut (as the margin uses them).
    pub pnl: Vec<Vec<f64>>,
    /// The plain aggregated P&L.
    pub pnl_raw: Vec<Vec<f64>>,
}

#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExtendedReport {
    pub price_moves: Vec<f64>,
    /// Weighted, re-denominated, dampened, haircut — as the margin uses them.
    pub pnl: Vec<f64>,
    /// Weighted and re-denominated sums, before dampener and haircut.
    pub pnl_raw: Vec<f64>,
}

/// A scenario-grid pool: labels, weighted P&L per scenario and the margin terms (pool currency).
#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScenarioReport {
    pub labels: Vec<String>,
    pub price_moves: Vec<f64>,
    pub weights: Vec<f64>,
    /// Weighted aggregate P&L per scenario.
    pub pnl: Vec<f64>,
    pub scan_risk: f64,
    pub spread_charge: f64,
    pub short_option_minimum: f64,
    /// Basis risk (OKX MR4), where the model has it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub basis_charge: Option<f64>,
    /// The tiered minimum charge (OKX MR7), where the model has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub minimum_charge: Option<f64>,
    /// Additive short-option and futures charges (Bybit's contingencies), where given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contingency_charge: Option<f64>,
}
