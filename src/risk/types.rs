//! The report blocks of risk beyond margin (SPEC §6: `var`, `stress`, `payoff`); the names are the
//! public contract.

use serde::Serialize;
use std::collections::BTreeMap;

/// What `analysis` computed.
#[derive(Debug, Clone, Default)]
pub struct AnalysisReport {
    pub var: Option<VarReport>,
    pub stress: Option<StressReport>,
    pub payoff: Option<BTreeMap<String, PayoffCurve>>,
}

#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TailFigures {
    pub var_usd: f64,
    pub es_usd: f64,
}

/// One position's (or one collateral coin's) share of the ES: minus its P&L averaged over the
/// tail with the ES weights. The contributions sum to `esUsd` (Euler).
#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Contribution {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    pub instrument: String,
    /// A coin of `account.collateral` (not a position line).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub collateral: bool,
    pub es_usd: f64,
}

/// The estimators, echoed (SPEC §4).
#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Estimator {
    pub var: &'static str,
    pub es: &'static str,
}

/// Moments of the delta-gamma P&L (USD), and whether Cornish-Fisher is inside its domain.
#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Moments {
    pub mean_usd: f64,
    pub std_usd: f64,
    pub skewness: f64,
    pub excess_kurtosis: f64,
    pub cornish_fisher_in_domain: bool,
}

#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VarReport {
    pub method: &'static str,
    pub horizon_days: f64,
    pub var_confidence: f64,
    pub es_confidence: f64,
    /// Number of joint scenarios (paths, or historical windows); 0 for delta-gamma.
    pub scenarios: usize,
    /// The seed used (Monte Carlo).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// `"normal"` or `"studentT(ν)"` (Monte Carlo).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tails: Option<String>,
    /// Monte Carlo: `"grid"` (interpolated on a fine grid of each underlying's log-return) or `"full"`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revaluation: Option<&'static str>,
    /// Historical: the age-weighting λ.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lambda: Option<f64>,
    pub include_collateral: bool,
    pub estimator: Estimator,
    pub var_usd: f64,
    pub es_usd: f64,
    /// `−Φ⁻¹(α)·sqrt(δᵀΣδ)` from the per-underlying deltas, market vols and correlations.
    pub delta_normal_var_usd: f64,
    pub by_underlying: BTreeMap<String, TailFigures>,
    /// Sum of the standalone ES minus the joint ES (Monte Carlo, historical).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diversification_usd: Option<f64>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub contributions: Vec<Contribution>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub moments: Option<Moments>,
}

#[cfg(feature = "analysis")]
impl VarReport {
    pub fn new(method: &'static str, var: &crate::input::analysis::VarInput) -> VarReport {
        VarReport {
            method,
            horizon_days: var.horizon_days,
            var_confidence: var.var_confidence,
            es_confidence: var.es_confidence,
            scenarios: 0,
            seed: None,
            tails: None,
            revaluation: None,
            lambda: None,
            include_collateral: var.include_collateral,
            estimator: Estimator {
                var: "order statistic L(k), k = ceil(alpha N), losses sorted worst first (weighted: first loss where the cumulative weight reaches alpha)",
                es: "Acerbi-Tasche: (sum of the k-1 worst + (alpha N - (k-1)) L(k)) / (alpha N)",
            },
            var_usd: 0.0,
            es_usd: 0.0,
            delta_normal_var_usd: 0.0,
            by_underlying: BTreeMap::new(),
            diversification_usd: None,
            contributions: Vec::new(),
            moments: None,
        }
    }
}

#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StressResult {
    pub name: String,
    pub label: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub window: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// `"measured"` (from a vol index) or `"estimated"`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vol_basis: Option<String>,
    /// `"library"` or `"custom"`.
    pub origin: &'static str,
    /// The price move and relative vol change applied to each underlying of the book.
    pub moves: BTreeMap<String, f64>,
    pub vol: BTreeMap<String, f64>,
    pub pnl_usd: f64,
    pub by_underlying: BTreeMap<String, f64>,
    pub by_pool: BTreeMap<String, f64>,
}

#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StressReport {
    pub scenarios: Vec<StressResult>,
    /// The name of the scenario with the lowest P&L.
    pub worst: String,
}

#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PayoffCurve {
    /// The date of the `pnlAtUsd` curve (08:00 UTC), ISO.
    pub at: String,
    pub index: f64,
    pub prices: Vec<f64>,
    pub pnl_at_usd: Vec<f64>,
    pub pnl_today_usd: Vec<f64>,
    /// Prices where the `at` curve crosses zero.
    pub breakevens: Vec<f64>,
    pub max_gain_usd: f64,
    pub max_loss_usd: f64,
    pub unbounded_gain: bool,
    pub unbounded_loss: bool,
}
