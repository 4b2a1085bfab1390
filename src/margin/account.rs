//! Accounts and solvency (SPEC §5): in segregated mode one account per settlement currency, never
//! summed as if fungible; each has its equity, margin, margin ratio, available funds and its
//! liquidation prices, found by full revaluation along each underlying's price axis so that no
//! crossing is missed.

use crate::error::{Error, ErrorCode, Result};
use crate::input::account::AccountInput;
use crate::input::instrument::Kind;
use crate::input::positions::PositionInput;
use crate::margin::book::Book;
use crate::margin::model::Model;
use crate::margin::risk_matrix::CLEAN_RELATIVE;
use crate::market::Market;
use crate::pricing::valuation::{value_positions, ValuedPosition};
use serde::Serialize;
use std::collections::BTreeMap;

/// One settlement currency's account: the inverse pools of a coin, or the linear pools of a quote
/// currency, with its collateral.
#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CurrencyAccount {
    pub currency: String,
    pub pools: Vec<String>,
    pub collateral: f64,
    /// collateral + option mark values + futures P&L against entry (SPEC §5), in `currency`.
    pub equity: f64,
    pub initial: f64,
    pub maintenance: f64,
    /// `maintenance / equity`; null when equity ≤ 0.
    pub margin_ratio: Option<f64>,
    pub available_funds: f64,
    /// USD per unit of this currency.
    pub usd_rate: f64,
    pub equity_usd: f64,
    /// Per underlying that moves this account: the index prices below and above today's where
    /// its maintenance margin meets its equity (null: none within ×0.01 … ×100).
    pub liquidation: BTreeMap<String, Liquidation>,
}

#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Liquidation {
    pub down: Option<f64>,
    pub up: Option<f64>,
}

/// USD totals, for information only: segregated accounts are not fungible.
#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountTotalsUsd {
    pub equity: f64,
    pub initial: f64,
    pub maintenance: f64,
}

#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountReport {
    /// `segregated`: one account per settlement currency.
    pub mode: &'static str,
    /// The account with the highest margin ratio (an account with equity ≤ 0 before all others).
    pub closest_to_liquidation: Option<String>,
    pub accounts: Vec<CurrencyAccount>,
    pub total_usd: AccountTotalsUsd,
    /// The nearest liquidation of all: which account, underlying, direction and price.
    pub liquidates_first: Option<LiquidatesFirst>,
    /// Set when the book is over [`LIQUIDATION_MAX_POSITIONS`]: no liquidation price was
    /// searched (the report warns `NOT_COMPUTED`); the number of positions.
    #[serde(skip)]
    #[cfg_attr(feature = "typescript", ts(skip))]
    pub not_searched: Option<usize>,
}

/// Documented bound: liquidation prices are searched for books of at most this many positions in
/// pools. The search revalues the moved underlying's positions at up to ~4 000 prices (2 000
/// log-spaced points each way, every strike ±0.5 %, then a bisection), so its cost is about
/// 4 000 × positions × 40 scenario cells; over the bound it would not finish within 2 s natively
/// and 3 s in WebAssembly, and the report says `NOT_COMPUTED` instead.
pub const LIQUIDATION_MAX_POSITIONS: usize = 80;

#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LiquidatesFirst {
    pub currency: String,
    pub underlying: String,
    /// The pool whose underlying's move liquidates the account (e.g. `BTC`, `BTC_USDC`).
    pub pool: String,
    pub direction: &'static str,
    pub price: f64,
    /// price / index − 1.
    pub move_frac: f64,
}

fn usd_rate(currency: &str, market: &Market) -> Option<f64> {
    match currency {
        "USD" | "USDC" | "USDT" => Some(1.0),
        coin => market.underlying(coin).map(|u| u.index),
    }
}

/// A collateral entry's currency (upper-cased) and USD rate; a non-finite or out-of-range amount
/// is `BAD_NUMBER`, a currency without a market `MISSING_MARKET`, both at its path.
fn collateral_rate(name: &str, amount: f64, market: &Market) -> Result<(String, f64)> {
    let currency = name.trim().to_ascii_uppercase();
    let path = format!("account.collateral.{name}");
    if !(amount.is_finite() && amount.abs() <= crate::input::limits::MAX_COLLATERAL) {
        return Err(Error::at_path(
            ErrorCode::BadNumber,
            &path,
            format!(
                "{path}: collateral must be a finite number within ±1e15, got {}",
                crate::error::exponential(amount)
            ),
        ));
    }
    let rate = usd_rate(&currency, market).ok_or_else(|| {
        Error::at_path(ErrorCode::MissingMarket, &path, format!("no market for collateral currency {currency} (add underlyings.{currency} with an index)"))
    })?;
    Ok((currency, rate))
}

/// Equity, margin and funds per settlement currency (liquidation prices not yet searched).
pub fn currency_accounts(
    book: &Book,
    market: &Market,
    collateral: &BTreeMap<String, f64>,
) -> Result<Vec<CurrencyAccount>> {
    let mut accounts: BTreeMap<String, CurrencyAccount> = BTreeMap::new();
    // es-margin, okx-pm and bybit-pm margin the whole account in USD: every collateral counts
    // there at its index
    let account_wide = book.pools.iter().any(|p| p.currency == "USD");
    for (name, amount) in collateral {
        let (currency, rate) = collateral_rate(name, *amount, market)?;
        let (currency, amount, rate) = if account_wide {
            ("USD".to_string(), amount * rate, 1.0)
        } else {
            (currency, *amount, rate)
        };
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
            a.margin_ratio = margin_ratio(a.maintenance, a.equity);
            a.available_funds = a.equity - a.initial;
            a.equity_usd = a.equity * a.usd_rate;
            a
        })
        .collect())
}

/// `maintenance / equity`; None when equity ≤ 0, or so close to 0 that the ratio is not a finite
/// number (the account is then as good as liquidated; `closestToLiquidation` ranks it first).
fn margin_ratio(maintenance: f64, equity: f64) -> Option<f64> {
    Some(maintenance / equity).filter(|r| equity > 0.0 && r.is_finite())
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
        liquidation: BTreeMap::new(),
    }
}

/// Inputs that reproduce `valued` exactly but can be revalued at another price: native
/// quantities, option vols fixed at today's (marks dropped), futures marks kept to be scaled,
/// and entries defaulting to today's price (so the P&L of a move counts in equity).
fn revaluable_inputs(valued: &[&ValuedPosition]) -> Vec<PositionInput> {
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

/// One account's `equity − maintenance` as a function of the price multiple `x` of one
/// underlying: the pools of that underlying are revalued in full, the account's other pools and
/// its collateral are constant. Public so that tests can scan it densely.
///
/// Each evaluation costs the moving positions only: the surplus keeps a market of the moved
/// underlying alone (plus, in cross mode, the collateral coins), and in cross mode the other
/// underlyings' cells summed once, so the search over U underlyings is linear in U.
pub struct Surplus<'a> {
    underlying: &'a str,
    inputs: Vec<PositionInput>,
    /// The market restricted to what a revaluation reads (the moved underlying; in cross mode
    /// also the collateral coins): cloning all of it at every point made the search O(U²).
    market: Market,
    model: &'a Model,
    /// Equity and maintenance of everything that does not move with the underlying.
    fixed_equity: f64,
    fixed_maintenance: f64,
    /// Cross mode: the one USD account's pools that do not move, and its collateral.
    cross: Option<CrossPart<'a>>,
}

/// What a cross-mode surplus keeps fixed: the other underlyings' pools (their cells summed once),
/// and the collateral (which is revalued at the shocked index).
struct CrossPart<'a> {
    params: &'a crate::margin::risk_matrix::RiskMatrixParams,
    fixed: crate::margin::cross::CrossPartial,
    collateral: &'a BTreeMap<String, f64>,
}

/// `market` with only the named underlyings (and no correlations): what a revaluation of the
/// moved underlying's positions reads.
fn restricted_market(market: &Market, keep: &[&str]) -> Market {
    let mut underlyings = BTreeMap::new();
    for name in keep {
        if let Some(u) = market.underlyings.get(*name) {
            underlyings.insert((*name).to_string(), u.clone());
        }
    }
    Market {
        as_of: market.as_of,
        as_of_text: market.as_of_text.clone(),
        rate: market.rate,
        underlyings,
        correlations: BTreeMap::new(),
        description: None,
    }
}

impl<'a> Surplus<'a> {
    /// The surplus of `account` along the price axis of `underlying`.
    pub fn new(
        book: &'a Book,
        market: &'a Market,
        model: &'a Model,
        account: &CurrencyAccount,
        underlying: &'a str,
    ) -> Surplus<'a> {
        let moving: Vec<_> = book
            .pools
            .iter()
            .filter(|p| p.currency == account.currency && p.underlying == underlying)
            .collect();
        let members: Vec<&ValuedPosition> = moving.iter().flat_map(|p| book.members(p)).collect();
        let value_now: f64 = moving.iter().map(|p| p.value).sum();
        let maintenance_now: f64 = moving.iter().map(|p| p.margin().maintenance).sum();
        Surplus {
            underlying,
            inputs: revaluable_inputs(&members),
            market: restricted_market(market, &[underlying]),
            model,
            fixed_equity: account.equity - value_now,
            fixed_maintenance: account.maintenance - maintenance_now,
            cross: None,
        }
    }

    /// The surplus of the one cross-mode USD account along the price axis of `underlying`: its
    /// pools are revalued, the cross margin recomputed with the other pools as they are, and the
    /// coin collateral revalued.
    fn cross(
        book: &'a Book,
        market: &'a Market,
        model: &'a Model,
        params: &'a crate::margin::risk_matrix::RiskMatrixParams,
        collateral: &'a BTreeMap<String, f64>,
        underlying: &'a str,
    ) -> Surplus<'a> {
        let (moving, fixed): (Vec<_>, Vec<_>) =
            book.pools.iter().partition(|p| p.underlying == underlying);
        let members: Vec<&ValuedPosition> = moving.iter().flat_map(|p| book.members(p)).collect();
        let mut keep: Vec<&str> = vec![underlying];
        keep.extend(collateral.keys().map(|k| k.as_str()));
        let upper: Vec<String> = collateral
            .keys()
            .map(|k| k.trim().to_ascii_uppercase())
            .collect();
        keep.extend(upper.iter().map(String::as_str));
        Surplus {
            underlying,
            inputs: revaluable_inputs(&members),
            market: restricted_market(market, &keep),
            model,
            fixed_equity: fixed.iter().map(|p| p.value * p.to_usd()).sum(),
            fixed_maintenance: 0.0,
            cross: Some(CrossPart {
                params,
                fixed: crate::margin::cross::CrossPartial::of(&fixed, params),
                collateral,
            }),
        }
    }

    /// `equity − maintenance` with every price of the underlying multiplied by `x`: not positive
    /// where the account is liquidated (MM ≥ equity with a margin to meet, or equity below 0; an
    /// account that needs no margin and has no equity is empty, not liquidated).
    pub fn at(&self, x: f64) -> Result<f64> {
        let mut market = self.market.clone();
        if let Some(u) = market.underlyings.get_mut(self.underlying) {
            u.index *= x;
        }
        let mut inputs = self.inputs.clone();
        for input in &mut inputs {
            if let Some(m) = input.mark.as_mut() {
                *m *= x;
            }
        }
        let valued = value_positions(&inputs, &market, &mut Vec::new())?;
        let book = Book::build(valued, self.model, &market);
        let (equity, maintenance) = match &self.cross {
            None => (
                self.fixed_equity + book.pools.iter().map(|p| p.value).sum::<f64>(),
                self.fixed_maintenance
                    + book
                        .pools
                        .iter()
                        .map(|p| p.margin().maintenance)
                        .sum::<f64>(),
            ),
            Some(c) => {
                let collateral_usd: f64 = c
                    .collateral
                    .iter()
                    .filter_map(|(k, a)| {
                        usd_rate(&k.trim().to_ascii_uppercase(), &market).map(|r| a * r)
                    })
                    .sum();
                let moving: Vec<&crate::margin::book::PoolBook> = book.pools.iter().collect();
                (
                    self.fixed_equity
                        + collateral_usd
                        + book.pools.iter().map(|p| p.value * p.to_usd()).sum::<f64>(),
                    c.fixed
                        .maintenance_with(&moving, c.params, &market, c.collateral),
                )
            }
        };
        let surplus = equity - maintenance;
        // equity and margin equal to within rounding (1e-12 of their size, and at least of one
        // unit of the currency, as every aggregate is cleaned) is not a liquidation, nor is an
        // empty account
        let dust = surplus.abs() <= CLEAN_RELATIVE * (equity.abs() + maintenance).max(1.0);
        Ok(if (maintenance > 0.0 || equity < 0.0) && !dust {
            surplus
        } else {
            f64::MIN_POSITIVE
        })
    }
}

/// Documented search grid: log-spaced points over ×0.01 … ×100 of today's index.
pub const LIQUIDATION_SCAN_POINTS: usize = 2000;
const LIQUIDATION_RANGE: (f64, f64) = (0.01, 100.0);

/// The price multiples to try, outward from 1 in `direction` (−1 down, +1 up): the log-spaced
/// grid plus every strike of the account's options on the underlying and ±0.5 % around it.
fn scan_points(direction: f64, strikes: &[f64]) -> Vec<f64> {
    let (lo, hi) = LIQUIDATION_RANGE;
    let n = LIQUIDATION_SCAN_POINTS;
    let span = libm::log(hi / lo);
    let mut points: Vec<f64> = (0..=n)
        .map(|k| lo * libm::exp(span * k as f64 / n as f64))
        .chain(strikes.iter().flat_map(|k| [k * 0.995, *k, k * 1.005]))
        .filter(|x| {
            if direction < 0.0 {
                *x < 1.0 && *x >= lo
            } else {
                *x > 1.0 && *x <= hi
            }
        })
        .collect();
    points.sort_unstable_by(f64::total_cmp);
    points.dedup();
    if direction < 0.0 {
        points.reverse();
    }
    points
}

/// The nearest `x` past 1 in `direction` where the surplus reaches 0, to 1e-9 relative; None if
/// it stays positive over the whole grid. A sign change between two grid points is first narrowed
/// on a finer grid (so that a window narrower than the grid's step is not skipped by bisecting
/// toward a farther crossing), then bisected.
fn nearest_crossing(surplus: &Surplus, direction: f64, strikes: &[f64]) -> Result<Option<f64>> {
    let mut good: f64 = 1.0; // the last multiple with a positive surplus
    for x in scan_points(direction, strikes) {
        if surplus.at(x)? <= 0.0 {
            let (a, b) = first_nonpositive(surplus, good, x)?;
            return bisect(surplus, a, b).map(Some);
        }
        good = x;
    }
    Ok(None)
}

/// Points between the grid points subdividing a bracket (positive at `good`, not at `bad`).
const REFINE_POINTS: usize = 16;

/// The first of `REFINE_POINTS` log-spaced points from `good` toward `bad` where the surplus is not
/// positive, with the positive point before it.
fn first_nonpositive(surplus: &Surplus, good: f64, bad: f64) -> Result<(f64, f64)> {
    let (lg, lb) = (libm::log(good), libm::log(bad));
    let mut last = good;
    for k in 1..REFINE_POINTS {
        let x = libm::exp(lg + (lb - lg) * k as f64 / REFINE_POINTS as f64);
        if surplus.at(x)? <= 0.0 {
            return Ok((last, x));
        }
        last = x;
    }
    Ok((last, bad))
}

/// Bisection in log price between a positive `good` and a non-positive `bad`, to 1e-10 in log.
fn bisect(surplus: &Surplus, good: f64, bad: f64) -> Result<f64> {
    let (mut a, mut b) = (libm::log(good), libm::log(bad));
    for _ in 0..200 {
        if (b - a).abs() <= 1e-10 {
            break;
        }
        let mid = 0.5 * (a + b);
        if surplus.at(libm::exp(mid))? <= 0.0 {
            b = mid;
        } else {
            a = mid;
        }
    }
    Ok(libm::exp(b))
}

/// The liquidation prices of one account for each underlying that moves it.
fn account_liquidation(
    book: &Book,
    market: &Market,
    model: &Model,
    account: &CurrencyAccount,
) -> Result<BTreeMap<String, Liquidation>> {
    let mut out = BTreeMap::new();
    let today = account.equity - account.maintenance;
    let pools: Vec<_> = book
        .pools
        .iter()
        .filter(|p| p.currency == account.currency)
        .collect();
    let mut underlyings: Vec<&str> = pools.iter().map(|p| p.underlying.as_str()).collect();
    underlyings.dedup();
    for u in underlyings {
        let Some(index) = market.underlying(u).map(|m| m.index) else {
            continue;
        };
        let surplus = Surplus::new(book, market, model, account, u);
        let strikes: Vec<f64> = pools
            .iter()
            .filter(|p| p.underlying == u)
            .flat_map(|p| book.members(p))
            .filter_map(|p| p.input.instrument.strike.map(|k| k / index))
            .collect();
        let liquidation = if today <= 0.0 {
            Liquidation {
                down: Some(index),
                up: Some(index),
            }
        } else {
            Liquidation {
                down: nearest_crossing(&surplus, -1.0, &strikes)?.map(|x| index * x),
                up: nearest_crossing(&surplus, 1.0, &strikes)?.map(|x| index * x),
            }
        };
        out.insert(u.to_string(), liquidation);
    }
    Ok(out)
}

/// The account closest to liquidation: equity ≤ 0 first (the lowest), else the highest MM/equity.
fn closest_to_liquidation(accounts: &[CurrencyAccount]) -> Option<String> {
    let key = |a: &CurrencyAccount| match a.margin_ratio {
        None => (1, -a.equity_usd),
        Some(r) => (0, r),
    };
    accounts
        .iter()
        .filter(|a| a.maintenance > 0.0 || a.equity <= 0.0)
        .max_by(|a, b| {
            let (ka, kb) = (key(a), key(b));
            ka.0.cmp(&kb.0).then(ka.1.total_cmp(&kb.1))
        })
        .map(|a| a.currency.clone())
}

/// The nearest liquidation over every account and underlying.
fn liquidates_first(
    book: &Book,
    market: &Market,
    accounts: &[CurrencyAccount],
) -> Option<LiquidatesFirst> {
    let mut first: Option<LiquidatesFirst> = None;
    for a in accounts {
        for (u, l) in &a.liquidation {
            let index = market.underlying(u).map_or(1.0, |m| m.index);
            for (direction, price) in [("down", l.down), ("up", l.up)] {
                let Some(price) = price else { continue };
                let move_frac = price / index - 1.0;
                let nearer = first.as_ref().is_none_or(|f| {
                    libm::log(1.0 + move_frac).abs() < libm::log(1.0 + f.move_frac).abs()
                });
                if nearer {
                    let pool = book
                        .pools
                        .iter()
                        .find(|p| &p.underlying == u && p.currency == a.currency)
                        .map_or_else(|| u.clone(), |p| p.pool.clone());
                    first = Some(LiquidatesFirst {
                        currency: a.currency.clone(),
                        underlying: u.clone(),
                        pool,
                        direction,
                        price,
                        move_frac,
                    });
                }
            }
        }
    }
    first
}

/// The account block of the report.
pub fn account_report(
    book: &Book,
    market: &Market,
    model: &Model,
    input: &AccountInput,
) -> Result<AccountReport> {
    if let Some(params) = model.cross() {
        return cross_account_report(book, market, model, params, &input.collateral);
    }
    let mut accounts = currency_accounts(book, market, &input.collateral)?;
    let pooled: usize = book.pools.iter().map(|p| p.members.len()).sum();
    let not_searched = (pooled > LIQUIDATION_MAX_POSITIONS).then_some(pooled);
    if not_searched.is_none() {
        for a in &mut accounts {
            a.liquidation = account_liquidation(book, market, model, a)?;
        }
    }
    let total_usd = AccountTotalsUsd {
        equity: accounts.iter().map(|c| c.equity * c.usd_rate).sum(),
        initial: accounts.iter().map(|c| c.initial * c.usd_rate).sum(),
        maintenance: accounts.iter().map(|c| c.maintenance * c.usd_rate).sum(),
    };
    Ok(AccountReport {
        mode: if book.pools.iter().any(|p| p.currency == "USD") {
            "cross"
        } else {
            "segregated"
        },
        closest_to_liquidation: closest_to_liquidation(&accounts),
        liquidates_first: liquidates_first(book, market, &accounts),
        accounts,
        total_usd,
        not_searched,
    })
}

/// Cross mode (SPEC §3.5): one USD account holding every pool and the collateral at its index; its
/// margin is the cross margin, its liquidation prices per underlying (collateral coins included).
fn cross_account_report(
    book: &Book,
    market: &Market,
    model: &Model,
    params: &crate::margin::risk_matrix::RiskMatrixParams,
    collateral: &BTreeMap<String, f64>,
) -> Result<AccountReport> {
    let mut account = empty_account("USD", 1.0);
    for (name, amount) in collateral {
        let (_, rate) = collateral_rate(name, *amount, market)?;
        account.collateral += amount * rate;
    }
    let cross = crate::margin::cross::cross_margin(book, params, market, collateral);
    account.pools = book.pools.iter().map(|p| p.pool.clone()).collect();
    account.equity =
        account.collateral + book.pools.iter().map(|p| p.value * p.to_usd()).sum::<f64>();
    account.initial = cross.initial;
    account.maintenance = cross.maintenance;
    account.margin_ratio = margin_ratio(account.maintenance, account.equity);
    account.available_funds = account.equity - account.initial;
    account.equity_usd = account.equity;
    // sorted and distinct by insertion (a handful of names; a sort of Strings compiled to 1 KB)
    let mut underlyings: Vec<String> = Vec::new();
    let names = book.pools.iter().map(|p| p.underlying.clone()).chain(
        collateral
            .keys()
            .map(|k| k.trim().to_ascii_uppercase())
            .filter(|c| !crate::pricing::valuation::is_stablecoin(c)),
    );
    for name in names {
        if let Err(at) = underlyings.binary_search(&name) {
            underlyings.insert(at, name);
        }
    }
    let today = account.equity - account.maintenance;
    let pooled: usize = book.pools.iter().map(|p| p.members.len()).sum();
    let not_searched = (pooled > LIQUIDATION_MAX_POSITIONS).then_some(pooled);
    if not_searched.is_some() {
        underlyings.clear();
    }
    for u in &underlyings {
        let Some(index) = market.underlying(u).map(|m| m.index) else {
            continue;
        };
        let surplus = Surplus::cross(book, market, model, params, collateral, u);
        let strikes: Vec<f64> = book
            .pools
            .iter()
            .filter(|p| &p.underlying == u)
            .flat_map(|p| book.members(p))
            .filter_map(|p| p.input.instrument.strike.map(|k| k / index))
            .collect();
        let liquidation = if today <= 0.0 {
            Liquidation {
                down: Some(index),
                up: Some(index),
            }
        } else {
            Liquidation {
                down: nearest_crossing(&surplus, -1.0, &strikes)?.map(|x| index * x),
                up: nearest_crossing(&surplus, 1.0, &strikes)?.map(|x| index * x),
            }
        };
        account.liquidation.insert(u.clone(), liquidation);
    }
    let accounts = vec![account];
    let total_usd = AccountTotalsUsd {
        equity: accounts[0].equity,
        initial: accounts[0].initial,
        maintenance: accounts[0].maintenance,
    };
    Ok(AccountReport {
        mode: "cross",
        closest_to_liquidation: closest_to_liquidation(&accounts),
        liquidates_first: liquidates_first(book, market, &accounts),
        accounts,
        total_usd,
        not_searched,
    })
}
