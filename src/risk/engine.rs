//! The risk engine (feature `analysis`): the items of an account, the sample of joint scenarios
//! and the orchestration of VaR/ES, stress and payoff.

#[path = "correlation.rs"]
pub mod correlation;
#[path = "delta_gamma.rs"]
pub mod delta_gamma;
#[path = "estimators.rs"]
pub mod estimators;
#[path = "historical.rs"]
pub mod historical;
#[path = "montecarlo.rs"]
pub mod montecarlo;
#[path = "payoff.rs"]
pub mod payoff;
#[path = "stress.rs"]
pub mod stress;

use crate::error::{Error, ErrorCode, Result, Warning};
use crate::input::analysis::{AnalysisInput, VarInput, VarMethod};
use crate::market::Market;
use crate::pricing::valuation::{is_stablecoin, ValuedPosition};
use crate::risk::types::{AnalysisReport, Contribution, TailFigures, VarReport};
use estimators::TailEstimate;
use std::collections::BTreeMap;

/// Something whose USD value moves with one underlying: a position, or a coin of collateral.
#[derive(Debug, Clone)]
pub struct Item<'a> {
    pub position: Option<&'a ValuedPosition>,
    /// Collateral amount (coin) when `position` is `None`.
    pub amount: f64,
    /// Index into [`RiskBook::underlyings`]; `None` for stablecoins (they do not move).
    pub underlying: Option<usize>,
    /// Borrowed from the position; owned for a collateral coin (upper-cased).
    pub instrument: std::borrow::Cow<'a, str>,
    pub pool: std::borrow::Cow<'a, str>,
    pub line: Option<usize>,
    pub path: Option<String>,
    /// Spot value of a coin (collateral or a bare coin line): counted only with `includeCollateral`.
    pub is_collateral: bool,
    /// Whether its P&L counts (collateral with `includeCollateral: false` is listed, at 0).
    pub counted: bool,
}

impl Item<'_> {
    /// USD P&L when the underlying's index moves by `s_mult`, its vols by `vol_mult`, after
    /// `horizon_years` (SPEC §4).
    #[inline]
    pub fn pnl(&self, index: f64, s_mult: f64, vol_mult: f64, horizon_years: f64) -> f64 {
        if !self.counted {
            return 0.0;
        }
        match self.position {
            Some(p) => p.pnl_usd_at(s_mult, vol_mult, horizon_years),
            None => self.amount * index * (s_mult - 1.0),
        }
    }

    /// [`pnl`](Self::pnl) at one horizon with every term that does not depend on the move
    /// computed once (the Monte Carlo engine's per-path and per-node loops).
    pub fn at_horizon(&self, index: f64, horizon_years: f64) -> ItemPnl {
        match (self.counted, self.position) {
            (false, _) => ItemPnl::Zero,
            (true, Some(p)) => ItemPnl::Position(p.at_horizon(horizon_years)),
            (true, None) => ItemPnl::Coin(self.amount * index),
        }
    }
}

/// An item's USD P&L at one horizon as a function of its underlying's move ([`Item::at_horizon`]).
#[derive(Debug, Clone, Copy)]
pub enum ItemPnl {
    Zero,
    /// A collateral coin's value (USD).
    Coin(f64),
    Position(crate::pricing::valuation::HorizonPnl),
}

impl ItemPnl {
    /// USD P&L when the index moves by `s_mult` (`ln_s_mult = ln(s_mult)`) and σ by `vol_mult`.
    #[inline]
    pub fn pnl_usd(&self, s_mult: f64, ln_s_mult: f64, vol_mult: f64) -> f64 {
        match self {
            ItemPnl::Zero => 0.0,
            ItemPnl::Coin(value) => value * (s_mult - 1.0),
            ItemPnl::Position(h) => h.pnl_usd(s_mult, ln_s_mult, vol_mult),
        }
    }
}

/// The account as the risk engine sees it: every item, the underlyings they move with (sorted),
/// and each underlying's index and σ (the ATM vol of its first expiry).
pub struct RiskBook<'a> {
    pub market: &'a Market,
    pub items: Vec<Item<'a>>,
    pub underlyings: Vec<String>,
    pub index: Vec<f64>,
}

impl<'a> RiskBook<'a> {
    /// Positions in input order (bare coin lines included), then the coins of the account's
    /// collateral in key order. `include_collateral: false` leaves coin holdings out.
    pub fn new(
        market: &'a Market,
        positions: &[&'a ValuedPosition],
        collateral: &BTreeMap<String, f64>,
        include_collateral: bool,
    ) -> Result<RiskBook<'a>> {
        let mut items = Vec::with_capacity(positions.len() + collateral.len());
        for (i, &p) in positions.iter().enumerate() {
            let inst = &p.input.instrument;
            let holding = inst.kind == crate::input::instrument::Kind::Spot;
            items.push(Item {
                position: Some(p),
                amount: 0.0,
                underlying: None,
                instrument: std::borrow::Cow::Borrowed(inst.name.as_str()),
                pool: std::borrow::Cow::Borrowed(p.pool.as_str()),
                line: p.input.line,
                path: p.input.line.is_none().then(|| format!("positions[{i}]")),
                is_collateral: holding,
                counted: include_collateral || !holding,
            });
        }
        {
            for (coin, &amount) in collateral {
                let coin = coin.to_ascii_uppercase();
                if is_stablecoin(&coin) {
                    continue;
                }
                if include_collateral && market.underlying(&coin).is_none() {
                    return Err(Error::at_path(
                        ErrorCode::MissingMarket,
                        format!("account.collateral.{coin}"),
                        format!("collateral in {coin} needs its index: add market.underlyings.{coin} (or set includeCollateral to false)"),
                    ));
                }
                items.push(Item {
                    position: None,
                    amount,
                    underlying: None,
                    instrument: coin.clone().into(),
                    pool: coin.into(),
                    line: None,
                    path: None,
                    is_collateral: true,
                    counted: include_collateral,
                });
            }
        }
        let mut underlyings: Vec<String> = Vec::new();
        for item in items.iter().filter(|i| i.counted) {
            let u = item_underlying(item);
            if !is_stablecoin(u) && !underlyings.iter().any(|x| x == u) {
                underlyings.push(u.to_string());
            }
        }
        underlyings.sort();
        for item in &mut items {
            item.underlying = underlyings.iter().position(|u| *u == item_underlying(item));
        }
        let index = underlyings
            .iter()
            .map(|u| market.underlying(u).map_or(1.0, |m| m.index))
            .collect();
        Ok(RiskBook {
            market,
            items,
            underlyings,
            index,
        })
    }

    /// σ per underlying: the ATM implied vol of its first expiry, or its flat iv (SPEC §4).
    pub fn sigmas(&self, path: &str) -> Result<Vec<f64>> {
        self.underlyings
            .iter()
            .map(|u| {
                self.market
                    .underlying(u)
                    .and_then(|m| m.atm_vol_first_expiry())
                    .ok_or_else(|| {
                        Error::at_path(
                            ErrorCode::MissingMarket,
                            path,
                            format!("{path}: {u} has no volatility: give market.underlyings.{u} an iv or smiles"),
                        )
                    })
            })
            .collect()
    }

    /// The correlation matrix of the underlyings (absent pairs 0).
    pub fn correlation_matrix(&self) -> Vec<Vec<f64>> {
        let n = self.underlyings.len();
        let mut c = vec![vec![0.0; n]; n];
        for i in 0..n {
            for j in 0..n {
                c[i][j] = self
                    .market
                    .correlation(&self.underlyings[i], &self.underlyings[j])
                    .unwrap_or(0.0);
            }
        }
        c
    }
}

fn item_underlying<'b>(item: &'b Item) -> &'b str {
    match item.position {
        Some(p) => &p.input.instrument.underlying,
        None => &item.instrument,
    }
}

/// A sample of joint scenarios, revalued: the account's P&L per scenario, each underlying's
/// standalone P&L per scenario, and optional scenario weights.
#[derive(Debug, Clone, Default)]
pub struct Revalued {
    pub total: Vec<f64>,
    /// P&L of each underlying's items, per scenario.
    pub by_underlying: Vec<Vec<f64>>,
    pub weights: Option<Vec<f64>>,
}

impl Revalued {
    /// `scenarios` zeros for each of `underlyings`; `total` is filled by [`Revalued::sum`].
    pub fn new(underlyings: usize, scenarios: usize, weights: Option<Vec<f64>>) -> Revalued {
        Revalued {
            total: vec![0.0; scenarios],
            by_underlying: vec![vec![0.0; scenarios]; underlyings],
            weights,
        }
    }

    /// The account's P&L: the sum over underlyings.
    pub fn sum(&mut self) {
        for row in &self.by_underlying {
            for (t, v) in self.total.iter_mut().zip(row) {
                *t += v;
            }
        }
    }
}

/// A revalued sample, and the per-item P&L of any scenario on request (for the ES contributions
/// of the tail only).
pub trait Sample {
    fn revalued(&self) -> &Revalued;
    /// Each item's P&L summed over `tail` (scenario, weight) with those weights.
    fn item_tail_pnl(&self, tail: &[(usize, f64)]) -> Vec<f64>;
}

/// Tail figures, per-underlying standalone figures, diversification and Euler contributions of a
/// revalued sample (SPEC §4).
pub fn sample_report(
    book: &RiskBook,
    sample: &dyn Sample,
    var: &VarInput,
    mut report: VarReport,
) -> VarReport {
    let (alpha_var, alpha_es) = (1.0 - var.var_confidence, 1.0 - var.es_confidence);
    let r = sample.revalued();
    let losses: Vec<f64> = r.total.iter().map(|p| -p).collect();
    let joint: TailEstimate =
        estimators::estimate(&losses, r.weights.as_deref(), alpha_var, alpha_es);
    let mut standalone_es = 0.0;
    for (u, name) in book.underlyings.iter().enumerate() {
        let losses: Vec<f64> = r.by_underlying[u].iter().map(|p| -p).collect();
        let t = estimators::estimate(&losses, r.weights.as_deref(), alpha_var, alpha_es);
        standalone_es += t.es;
        report.by_underlying.insert(
            name.clone(),
            TailFigures {
                var_usd: t.var,
                es_usd: t.es,
            },
        );
    }
    let tail_pnl = sample.item_tail_pnl(&joint.es_weights);
    report.contributions = book
        .items
        .iter()
        .zip(tail_pnl)
        .map(|(item, pnl)| Contribution {
            line: item.line,
            path: item.path.clone(),
            instrument: item.instrument.to_string(),
            collateral: item.position.is_none(),
            es_usd: -pnl,
        })
        .collect();
    report.scenarios = r.total.len();
    report.var_usd = joint.var;
    report.es_usd = joint.es;
    report.diversification_usd = Some(standalone_es - joint.es);
    report
}

/// Everything `analysis` asks for, computed; `progress` hears the fraction done (0 to 1).
pub fn analyse(
    market: &Market,
    positions: &[ValuedPosition],
    collateral: &BTreeMap<String, f64>,
    analysis: &AnalysisInput,
    warnings: &mut Vec<Warning>,
    progress: &mut dyn FnMut(f64),
) -> Result<AnalysisReport> {
    let mut out = AnalysisReport::default();
    let positions: Vec<&ValuedPosition> = positions.iter().collect();
    if let Some(var) = &analysis.var {
        let book = RiskBook::new(market, &positions, collateral, var.include_collateral)?;
        out.var = Some(match var.method {
            VarMethod::MonteCarlo => montecarlo::run(&book, var, warnings, progress)?,
            VarMethod::Historical => historical::run(&book, var, progress)?,
            VarMethod::DeltaGamma => delta_gamma::run(&book, var, warnings)?,
        });
    }
    let book = RiskBook::new(market, &positions, collateral, true)?;
    if let Some(stress) = &analysis.stress {
        out.stress = Some(stress::run(&book, stress)?);
    }
    if let Some(payoff) = &analysis.payoff {
        out.payoff = Some(payoff::run(&book, payoff)?);
    }
    progress(1.0);
    Ok(out)
}
