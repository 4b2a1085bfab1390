//! Account and solvency (SPEC §5): equity per settlement currency, margin ratio, available funds,
//! and liquidation prices by full revaluation along each underlying's price axis.

use crate::error::{Error, ErrorCode, Result};
use crate::input::account::AccountInput;
use crate::input::instrument::Kind;
use crate::input::positions::PositionInput;
use crate::margin::book::Book;
use crate::margin::model::Model;
use crate::market::Market;
use crate::pricing::valuation::{value_positions, ValuedPosition};
use serde::Serialize;
use std::collections::BTreeMap;

/// One settlement currency's account: inverse pools of a coin, or the linear pools of a quote currency.
#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CurrencyAccount {
    pub currency: String,
    pub pools: Vec<String>,
    pub collateral: f64,
    /// collateral + option mark values + futures P&L against entry (SPEC §5).
    pub equity: f64,
    pub initial: f64,
    pub maintenance: f64,
    /// `maintenance / equity`; null when equity ≤ 0.
    pub margin_ratio: Option<f64>,
    pub available_funds: f64,
    /// USD per unit of this currency.
    pub usd_rate: f64,
    pub equity_usd: f64,
}

#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Liquidation {
    /// Underlying index price below today's at which some account's MM reaches its equity.
    pub down: Option<f64>,
    pub up: Option<f64>,
    /// Which settlement account liquidates first in each direction.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub down_currency: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub up_currency: Option<String>,
}

#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountReport {
    pub equity: f64,
    pub initial: f64,
    pub maintenance: f64,
    pub margin_ratio: Option<f64>,
    pub available_funds: f64,
    pub currencies: Vec<CurrencyAccount>,
    pub liquidation: BTreeMap<String, Liquidation>,
    /// The nearest liquidation of all: which underlying, direction, price and account.
    pub liquidates_first: Option<LiquidatesFirst>,
}

#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LiquidatesFirst {
    /// The pool whose underlying's move liquidates the account (e.g. `BTC`, `BTC_USDC`).
    pub pool: String,
    pub underlying: String,
    pub direction: &'static str,
    pub price: f64,
    pub currency: String,
    /// price / index − 1.
    pub move_frac: f64,
}

fn usd_rate(currency: &str, market: &Market) -> Option<f64> {
    match currency {
        "USD" | "USDC" | "USDT" => Some(1.0),
        coin => market.underlying(coin).map(|u| u.index),
    }
}

/// Equity, margin and funds per settlement currency.
pub fn currency_accounts(
    book: &Book,
    market: &Market,
    collateral: &BTreeMap<String, f64>,
) -> Result<Vec<CurrencyAccount>> {
    let mut accounts: BTreeMap<String, CurrencyAccount> = BTreeMap::new();
    for (name, amount) in collateral {
        let currency = name.trim().to_ascii_uppercase();
        let path = format!("account.collateral.{name}");
        if !(amount.is_finite() && amount.abs() <= 1e15) {
            return Err(Error::at_path(
                ErrorCode::BadNumber,
                path,
                "collateral must be a finite number within ±1e15",
            ));
        }
        let rate = usd_rate(&currency, market).ok_or_else(|| {
            Error::at_path(ErrorCode::MissingMarket, &path, format!("no market for collateral currency {currency} (add underlyings.{currency} with an index)"))
        })?;
        let entry = accounts
            .entry(currency.clone())
            .or_insert_with(|| empty_account(&currency, rate));
        entry.collateral += amount;
    }
    for pool in &book.pools {
        let currency = pool.currency.clone();
        let rate = usd_rate(&currency, market).unwrap_or(pool.to_usd());
        let entry = accounts
            .entry(currency.clone())
            .or_insert_with(|| empty_account(&currency, rate));
        let margin = pool.margin();
        entry.pools.push(pool.pool.clone());
        entry.equity += pool.value;
        entry.initial += margin.initial;
        entry.maintenance += margin.maintenance;
    }
    Ok(accounts
        .into_values()
        .map(|mut a| {
            a.equity += a.collateral;
            a.margin_ratio = (a.equity > 0.0).then(|| a.maintenance / a.equity);
            a.available_funds = a.equity - a.initial;
            a.equity_usd = a.equity * a.usd_rate;
            a
        })
        .collect())
}

fn empty_account(currency: &str, usd_rate: f64) -> CurrencyAccount {
    CurrencyAccount {
        currency: currency.to_string(),
        pools: Vec::new(),
        collateral: 0.0,
        equity: 0.0,
        initial: 0.0,
        maintenance: 0.0,
        margin_ratio: None,
        available_funds: 0.0,
        usd_rate,
        equity_usd: 0.0,
    }
}

/// Inputs that reproduce `valued` exactly but can be revalued at another price: native
/// quantities, option vols fixed at today's (marks dropped), futures marks kept to be scaled,
/// and entries defaulting to today's price (so the P&L of a move counts in equity).
fn revaluable_inputs(valued: &[ValuedPosition]) -> Vec<PositionInput> {
    valued
        .iter()
        .map(|p| {
            let mut input = p.input.clone();
            input.quantity = p.quantity;
            input.unit = p.input.instrument.quantity_unit;
            match p.input.instrument.kind {
                Kind::Option => {
                    if let Some(s) = p.sigma {
                        input.iv = Some(s);
                    }
                    input.mark = None;
                }
                Kind::Future | Kind::Perpetual => {
                    input.entry = Some(input.entry.unwrap_or(p.forward));
                    if p.input.mark.is_some() {
                        input.mark = Some(p.forward);
                    }
                }
                Kind::Spot => {}
            }
            input
        })
        .collect()
}

/// A revaluation of the book with every price of `underlying` multiplied by `x`.
struct Revaluer<'a> {
    inputs: Vec<PositionInput>,
    market: &'a Market,
    model: &'a Model,
    collateral: &'a BTreeMap<String, f64>,
}

impl Revaluer<'_> {
    /// equity − maintenance of each currency account, at price multiple `x` of `underlying`.
    fn surplus(&self, underlying: &str, x: f64) -> Result<BTreeMap<String, f64>> {
        let mut market = self.market.clone();
        if let Some(u) = market.underlyings.get_mut(underlying) {
            u.index *= x;
        }
        let mut inputs = self.inputs.clone();
        for input in &mut inputs {
            if input.instrument.underlying == underlying {
                if let Some(m) = input.mark.as_mut() {
                    *m *= x;
                }
            }
        }
        let mut warnings = Vec::new();
        let valued = value_positions(&inputs, &market, &mut warnings)?;
        let book = Book::build(valued, self.model);
        let accounts = currency_accounts(&book, &market, self.collateral)?;
        Ok(accounts
            .into_iter()
            .map(|a| (a.currency, a.equity - a.maintenance))
            .collect())
    }
}

/// Liquidation prices of every underlying (SPEC §5), within ×0.01 … ×100 of today's index.
pub fn liquidation_prices(
    book: &Book,
    market: &Market,
    model: &Model,
    collateral: &BTreeMap<String, f64>,
) -> Result<BTreeMap<String, Liquidation>> {
    let revaluer = Revaluer {
        inputs: revaluable_inputs(&book.positions),
        market,
        model,
        collateral,
    };
    let mut out = BTreeMap::new();
    let mut underlyings: Vec<String> = book.pools.iter().map(|p| p.underlying.clone()).collect();
    underlyings.sort();
    underlyings.dedup();
    for u in underlyings {
        let Some(index) = market.underlying(&u).map(|m| m.index) else {
            continue;
        };
        // the accounts this underlying's price moves
        let affected: Vec<String> = book
            .pools
            .iter()
            .filter(|p| p.underlying == u)
            .map(|p| p.currency.clone())
            .collect();
        let today = revaluer.surplus(&u, 1.0)?;
        let mut result = Liquidation {
            down: None,
            up: None,
            down_currency: None,
            up_currency: None,
        };
        for (direction, limit) in [(-1.0f64, 0.01f64), (1.0, 100.0)] {
            let mut found: Option<(f64, String)> = None;
            for currency in &affected {
                let now = today.get(currency).copied().unwrap_or(0.0);
                let at = |x: f64| -> Result<f64> {
                    Ok(revaluer
                        .surplus(&u, x)?
                        .get(currency)
                        .copied()
                        .unwrap_or(0.0))
                };
                let x = if now <= 0.0 {
                    Some(1.0)
                } else {
                    find_crossing(&at, limit)?
                };
                if let Some(x) = x {
                    let nearer = found
                        .as_ref()
                        .is_none_or(|(fx, _)| (x.ln()).abs() < (fx.ln()).abs());
                    if nearer {
                        found = Some((x, currency.clone()));
                    }
                }
            }
            if let Some((x, currency)) = found {
                if direction < 0.0 {
                    result.down = Some(index * x);
                    result.down_currency = Some(currency);
                } else {
                    result.up = Some(index * x);
                    result.up_currency = Some(currency);
                }
            }
        }
        out.insert(u, result);
    }
    Ok(out)
}

/// The first multiple `x` (from 1 toward `limit`, 64 log-spaced steps) where `surplus(x) ≤ 0`, refined by bisection in
/// log-price to 1e-12 relative; None if the surplus stays positive all the way to the limit.
fn find_crossing(surplus: &dyn Fn(f64) -> Result<f64>, limit: f64) -> Result<Option<f64>> {
    const STEPS: usize = 64;
    let span = limit.ln();
    let mut prev = 0.0f64; // log x
    for k in 1..=STEPS {
        let lx = span * k as f64 / STEPS as f64;
        if surplus(lx.exp())? <= 0.0 {
            let (mut good, mut bad) = (prev, lx);
            for _ in 0..100 {
                if (bad - good).abs() < 1e-13 {
                    break;
                }
                let mid = 0.5 * (good + bad);
                if surplus(mid.exp())? <= 0.0 {
                    bad = mid;
                } else {
                    good = mid;
                }
            }
            return Ok(Some(bad.exp()));
        }
        prev = lx;
    }
    Ok(None)
}

/// Totals in USD and the nearest liquidation.
pub fn account_report(
    book: &Book,
    market: &Market,
    model: &Model,
    input: &AccountInput,
) -> Result<AccountReport> {
    let currencies = currency_accounts(book, market, &input.collateral)?;
    let liquidation = liquidation_prices(book, market, model, &input.collateral)?;
    let equity: f64 = currencies.iter().map(|c| c.equity * c.usd_rate).sum();
    let initial: f64 = currencies.iter().map(|c| c.initial * c.usd_rate).sum();
    let maintenance: f64 = currencies.iter().map(|c| c.maintenance * c.usd_rate).sum();
    let mut liquidates_first: Option<LiquidatesFirst> = None;
    for (u, l) in &liquidation {
        let index = market.underlying(u).map(|m| m.index).unwrap_or(1.0);
        for (direction, price, currency) in [
            ("down", l.down, &l.down_currency),
            ("up", l.up, &l.up_currency),
        ] {
            if let (Some(price), Some(currency)) = (price, currency) {
                let move_frac = price / index - 1.0;
                if liquidates_first
                    .as_ref()
                    .is_none_or(|f| (1.0 + move_frac).ln().abs() < (1.0 + f.move_frac).ln().abs())
                {
                    let pool = book
                        .pools
                        .iter()
                        .find(|p| &p.underlying == u && &p.currency == currency)
                        .map_or_else(|| u.clone(), |p| p.pool.clone());
                    liquidates_first = Some(LiquidatesFirst {
                        pool,
                        underlying: u.clone(),
                        direction,
                        price,
                        currency: currency.clone(),
                        move_frac,
                    });
                }
            }
        }
    }
    Ok(AccountReport {
        equity,
        initial,
        maintenance,
        margin_ratio: (equity > 0.0).then(|| maintenance / equity),
        available_funds: equity - initial,
        currencies,
        liquidation,
        liquidates_first,
    })
}
