//! A risk session: the standing book valued once, its pools' scenario vectors kept, so that a
//! pre-trade impact query values only the new legs (SPEC §5).

use crate::error::{Result, Warning, WarningCode};
use crate::input::account::AccountInput;
use crate::input::instrument::{Kind, Settlement};
use crate::input::positions::PositionInput;
use crate::input::{AnalysisInput, Request};
use crate::margin::account::currency_accounts;
use crate::margin::book::{accumulate, Book, PoolBook};
use crate::margin::layout::PoolFacts;
use crate::margin::model::Model;
use crate::margin::params::Margin;
use crate::market::{market_of, Market};
use crate::pricing::valuation::{value_positions, ValuedPosition};
use serde::Serialize;
use std::collections::BTreeMap;

/// The standing book and everything needed to answer impact queries incrementally.
#[derive(Debug, Clone)]
pub struct Session {
    pub market: Market,
    pub market_source: &'static str,
    pub model: Model,
    pub book: Book,
    pub account: Option<AccountInput>,
    pub warnings: Vec<Warning>,
    /// Every position valued, in input order (bare coin lines included): the risk engine's book.
    pub all_positions: Vec<ValuedPosition>,
    /// The request's own `account.collateral` (without the bare coin lines).
    pub collateral: BTreeMap<String, f64>,
    pub analysis: Option<AnalysisInput>,
}

#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MarginState {
    pub initial: f64,
    pub maintenance: f64,
    pub standard_initial: f64,
    /// Present when the request has an account.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub equity: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub available_funds: Option<f64>,
}

#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PoolImpact {
    pub pool: String,
    pub currency: String,
    pub initial_before: f64,
    pub initial_after: f64,
    pub maintenance_before: f64,
    pub maintenance_after: f64,
    pub initial_change: f64,
    pub maintenance_change: f64,
}

/// Before, after and the difference (all USD), per pool in the pool's currency, and whether the
/// account can afford it (every touched currency keeps `equity − IM ≥ 0`, or its IM does not rise).
#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Impact {
    pub before: MarginState,
    pub after: MarginState,
    pub change: MarginState,
    pub pools: Vec<PoolImpact>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub can_afford: Option<bool>,
    pub orders: Vec<String>,
}

impl Session {
    /// The account's collateral per currency, bare coin lines included (empty without an account).
    pub fn collateral_with_holdings(&self) -> BTreeMap<String, f64> {
        self.account
            .as_ref()
            .map(|a| a.collateral.clone())
            .unwrap_or_default()
    }

    pub fn new(request: &Request) -> Result<Session> {
        Session::under(request, Model::resolve(request.model.as_ref())?)
    }

    /// The session of `request`'s book under `model` (instead of the request's own).
    // (one caller on the margin path: inlined there, so that build keeps its size)
    #[cfg_attr(not(feature = "analysis"), inline(always))]
    pub fn under(request: &Request, model: Model) -> Result<Session> {
        let inputs = &request.positions;
        let (market, market_source) = market_of(request.market.as_ref())?;
        let account = request.account.clone();
        let mut warnings = request.warnings.clone();
        let valued = value_positions(inputs, &market, &mut warnings)?;
        for (i, p) in valued.iter().enumerate() {
            if p.quantity == 0.0 {
                warnings.push(Warning {
                    code: WarningCode::ZeroQuantity,
                    message: format!("{} has quantity 0", p.input.instrument.name),
                    line: p.input.line,
                    path: p.input.line.is_none().then(|| format!("positions[{i}]")),
                });
            }
        }
        let all_positions = if request.analysis.as_ref().is_some_and(|a| !a.is_empty()) {
            valued.clone()
        } else {
            Vec::new()
        };
        let collateral = account
            .as_ref()
            .map(|a| a.collateral.clone())
            .unwrap_or_default();
        let (holdings, valued): (Vec<ValuedPosition>, Vec<ValuedPosition>) = valued
            .into_iter()
            .partition(|p| p.input.instrument.kind == Kind::Spot);
        let account = with_holdings(account, &holdings);
        #[cfg(feature = "analysis")]
        if let crate::margin::model::ModelKind::Es(params) = &model.kind {
            params.check(&valued, &market)?;
        }
        let book = Book::build(valued, &model, &market);
        Ok(Session {
            market,
            market_source,
            model,
            book,
            account,
            warnings,
            all_positions,
            collateral,
            analysis: request.analysis.clone(),
        })
    }

    /// Margin impact of adding `orders` at their marks.
    pub fn impact(&self, orders: &[PositionInput]) -> Result<Impact> {
        let mut warnings = Vec::new();
        let legs =
            value_positions(orders, &self.market, &mut warnings).map_err(|e| e.under("orders"))?;
        // pools touched by the orders, legs in order; standing pools first, then new ones
        let mut legs_of: BTreeMap<&str, Vec<&ValuedPosition>> = BTreeMap::new();
        #[cfg(feature = "analysis")]
        if let crate::margin::model::ModelKind::Es(params) = &self.model.kind {
            let mut all: Vec<ValuedPosition> = self.book.positions.clone();
            all.extend(legs.iter().cloned());
            params
                .check(&all, &self.market)
                .map_err(|e| e.under("orders"))?;
        }
        for leg in &legs {
            legs_of
                .entry(self.model.pool_of(leg))
                .or_default()
                .push(leg);
        }
        let mut names: Vec<&str> = self.book.pools.iter().map(|p| p.pool.as_str()).collect();
        for name in legs_of.keys() {
            if !names.contains(name) {
                names.push(name);
            }
        }
        let changes: Vec<PoolChange> = names
            .into_iter()
            .filter_map(|name| {
                let legs_here = legs_of.get(name).map(Vec::as_slice).unwrap_or(&[]);
                self.pool_change(name, legs_here)
            })
            .collect();
        let mut impact = Impact::of(&changes);
        // cross mode: the account's one requirement before and after (the book rebuilt with the
        // orders; the pools' figures stay segregated, for information)
        let cross = self.model.cross().map(|params| {
            let collateral = self.collateral_with_holdings();
            let before =
                crate::margin::cross::cross_margin(&self.book, params, &self.market, &collateral);
            let mut all = self.book.positions.clone();
            all.extend(legs.iter().cloned());
            let book = Book::build(all, &self.model, &self.market);
            let after =
                crate::margin::cross::cross_margin(&book, params, &self.market, &collateral);
            (before, after)
        });
        if let Some((before, after)) = &cross {
            impact.before.initial = before.initial;
            impact.before.maintenance = before.maintenance;
            impact.after.initial = after.initial;
            impact.after.maintenance = after.maintenance;
            impact.change.initial = after.initial - before.initial;
            impact.change.maintenance = after.maintenance - before.maintenance;
        }
        if let Some(account) = &self.account {
            self.afford(&account.collateral, &changes, &mut impact)?;
            if cross.is_some() {
                let equity = impact.after.equity.unwrap_or(0.0);
                impact.can_afford = Some(
                    !(impact.after.initial > impact.before.initial
                        && equity - impact.after.initial < 0.0),
                );
            }
        }
        impact.orders = legs
            .iter()
            .map(|l| l.input.instrument.name.clone())
            .collect();
        Ok(impact)
    }

    /// One pool's margin before and after its legs (None: neither standing nor traded).
    fn pool_change(&self, name: &str, legs: &[&ValuedPosition]) -> Option<PoolChange> {
        let standing = self.book.pool(name);
        let (currency, settlement, underlying, index) = match (standing, legs.first()) {
            (Some(p), _) => (
                p.currency.clone(),
                p.settlement,
                p.underlying.as_str(),
                p.index,
            ),
            // a new USD pool (a risk unit per underlying, or the account's)
            (None, Some(l)) if self.model.is_usd_account() => {
                let index = if self.model.is_account_wide() {
                    1.0
                } else {
                    l.index
                };
                let u = l.input.instrument.underlying.as_str();
                ("USD".to_string(), Settlement::Linear, u, index)
            }
            (None, Some(l)) => {
                let inst = &l.input.instrument;
                let currency = inst.settlement_currency.clone();
                (currency, inst.settlement, inst.underlying.as_str(), l.index)
            }
            (None, None) => return None,
        };
        let before = standing.map(PoolBook::margin).unwrap_or_default();
        let standard_before = standing.map(|p| p.standard).unwrap_or_default();
        // in a USD pool an inverse leg's standard margin (coin) is converted at its index
        let usd = currency == "USD";
        let legs_standard: Margin = legs
            .iter()
            .map(|l| {
                let m = self.model.standard.position_margin(l);
                let r = if usd && l.is_inverse() { l.index } else { 1.0 };
                Margin::new(m.initial * r, m.maintenance * r)
            })
            .sum();
        let standard_after = standard_before + legs_standard;
        let after = if legs.is_empty() {
            before
        } else {
            let layout = match standing {
                Some(p) => p.layout.clone(),
                None => self.model.layout(underlying, settlement),
            };
            let mut members = standing.map(|p| self.book.members(p)).unwrap_or_default();
            members.extend_from_slice(legs);
            let (aggregated, gross) = with_legs(standing, layout.width(), legs, |leg, out| {
                layout.position_vector(leg, out)
            });
            let facts = PoolFacts {
                index,
                inverse: settlement == Settlement::Inverse,
                members: &members,
                gross: &gross,
                standard: standard_after,
                market: &self.market,
            };
            layout.assess(&aggregated, &facts).margin()
        };
        Some(PoolChange {
            pool: name.to_string(),
            currency,
            to_usd: if settlement == Settlement::Inverse {
                index
            } else {
                1.0
            },
            before,
            after,
            standard_before: standard_before.initial,
            standard_after: standard_after.initial,
        })
    }

    /// Equity and whether the account can afford the orders: every currency whose IM rises keeps
    /// `equity − IM ≥ 0`. Orders trade at their marks, so the trade itself leaves equity unchanged.
    fn afford(
        &self,
        collateral: &BTreeMap<String, f64>,
        changes: &[PoolChange],
        impact: &mut Impact,
    ) -> Result<()> {
        let accounts = currency_accounts(&self.book, &self.market, collateral)?;
        let equity: f64 = accounts.iter().map(|a| a.equity_usd).sum();
        impact.before.equity = Some(equity);
        impact.after.equity = Some(equity);
        impact.before.available_funds = Some(equity - impact.before.initial);
        impact.after.available_funds = Some(equity - impact.after.initial);
        impact.change.equity = Some(0.0);
        impact.change.available_funds =
            Some((equity - impact.after.initial) - (equity - impact.before.initial));
        let mut im_by_currency: BTreeMap<&str, (f64, f64)> = BTreeMap::new();
        for c in changes {
            let e = im_by_currency
                .entry(c.currency.as_str())
                .or_insert((0.0, 0.0));
            e.0 += c.before.initial;
            e.1 += c.after.initial;
        }
        let ok = im_by_currency.iter().all(|(currency, (im0, im1))| {
            let equity = accounts
                .iter()
                .find(|a| a.currency == *currency)
                .map_or(0.0, |a| a.equity);
            !(im1 > im0 && equity - im1 < 0.0)
        });
        impact.can_afford = Some(ok);
        Ok(())
    }
}

/// The request's account with the pasted coin holdings (`ETH 10`) added to the collateral of each
/// coin's account (SPEC §2, §5); an account is made for holdings when the request has none.
fn with_holdings(
    account: Option<AccountInput>,
    holdings: &[ValuedPosition],
) -> Option<AccountInput> {
    if holdings.is_empty() {
        return account;
    }
    let mut account = account.unwrap_or_default();
    for h in holdings {
        *account
            .collateral
            .entry(h.input.instrument.underlying.clone())
            .or_insert(0.0) += h.quantity_coin;
    }
    Some(account)
}

/// One pool's margin before and after the orders, pool currency.
struct PoolChange {
    pool: String,
    currency: String,
    to_usd: f64,
    before: Margin,
    after: Margin,
    standard_before: f64,
    standard_after: f64,
}

impl Impact {
    /// Totals in USD and the per-pool figures; the account's part is filled in by `afford`.
    fn of(changes: &[PoolChange]) -> Impact {
        let mut before = MarginState::default();
        let mut after = MarginState::default();
        for c in changes {
            before.initial += c.before.initial * c.to_usd;
            before.maintenance += c.before.maintenance * c.to_usd;
            before.standard_initial += c.standard_before * c.to_usd;
            after.initial += c.after.initial * c.to_usd;
            after.maintenance += c.after.maintenance * c.to_usd;
            after.standard_initial += c.standard_after * c.to_usd;
        }
        let change = MarginState {
            initial: after.initial - before.initial,
            maintenance: after.maintenance - before.maintenance,
            standard_initial: after.standard_initial - before.standard_initial,
            equity: None,
            available_funds: None,
        };
        let pools = changes
            .iter()
            .map(|c| PoolImpact {
                pool: c.pool.clone(),
                currency: c.currency.clone(),
                initial_before: c.before.initial,
                initial_after: c.after.initial,
                maintenance_before: c.before.maintenance,
                maintenance_after: c.after.maintenance,
                initial_change: c.after.initial - c.before.initial,
                maintenance_change: c.after.maintenance - c.before.maintenance,
            })
            .collect();
        Impact {
            before,
            after,
            change,
            pools,
            can_afford: None,
            orders: Vec::new(),
        }
    }
}

/// A pool's aggregate (and gross) with the legs' vectors added in order (so it equals a full recompute with
/// the legs appended to the book).
fn with_legs(
    standing: Option<&PoolBook>,
    width: usize,
    legs: &[&ValuedPosition],
    vector_of: impl Fn(&ValuedPosition, &mut [f64]),
) -> (Vec<f64>, Vec<f64>) {
    let (mut aggregated, mut gross) = match standing {
        Some(p) => (p.aggregated.clone(), p.gross.clone()),
        None => (vec![0.0; width], vec![0.0; width]),
    };
    let mut vector = vec![0.0; width];
    for leg in legs {
        vector_of(leg, &mut vector);
        accumulate(&mut aggregated, &mut gross, &vector);
    }
    (aggregated, gross)
}
