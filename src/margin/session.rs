//! A risk session: the standing book valued once, its pools' scenario vectors kept, so that a
//! pre-trade impact query values only the new legs (SPEC §5).

use crate::error::{Result, Warning, WarningCode};
use crate::input::account::AccountInput;
use crate::input::positions::PositionInput;
use crate::input::Request;
use crate::margin::account::currency_accounts;
use crate::margin::book::{pool_layout, position_vector, Book};
use crate::margin::model::Model;
use crate::margin::risk_matrix::pool_risk;
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
    pub fn new(request: &Request) -> Result<Session> {
        let inputs = &request.positions;
        let (market, market_source) = market_of(request.market.as_ref())?;
        let model = Model::resolve(request.model.as_ref())?;
        let account = request.account.clone();
        let mut warnings = Vec::new();
        if request.analysis.is_some() {
            warnings.push(Warning {
                code: WarningCode::NotComputed,
                message: "'analysis' (VaR, stress, payoff) is accepted but not computed by this version; see the README".into(),
                line: None,
                path: Some("analysis".into()),
            });
        }
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
        let book = Book::build(valued, &model);
        Ok(Session {
            market,
            market_source,
            model,
            book,
            account,
            warnings,
        })
    }

    /// The standing positions of a pool, in member order.
    fn members(&self, pool: Option<&crate::margin::book::PoolBook>) -> Vec<&ValuedPosition> {
        pool.map(|p| {
            p.members
                .iter()
                .filter_map(|i| self.book.positions.get(*i))
                .collect()
        })
        .unwrap_or_default()
    }

    /// Margin impact of adding `orders` at their marks.
    pub fn impact(&self, orders: &[PositionInput]) -> Result<Impact> {
        let mut warnings = Vec::new();
        let legs =
            value_positions(orders, &self.market, &mut warnings).map_err(|e| e.under("orders"))?;
        // pools touched by the orders, legs in order
        let mut legs_of: BTreeMap<String, Vec<&ValuedPosition>> = BTreeMap::new();
        for leg in &legs {
            legs_of.entry(leg.pool.clone()).or_default().push(leg);
        }
        let mut pools = Vec::new();
        let mut before = MarginState::default();
        let mut after = MarginState::default();
        // per account currency: (equity-relevant IM before, IM after)
        let mut im_by_currency: BTreeMap<String, (f64, f64)> = BTreeMap::new();
        let mut names: Vec<&String> = self.book.pools.iter().map(|p| &p.pool).collect();
        for name in legs_of.keys() {
            if !names.contains(&name) {
                names.push(name);
            }
        }
        for name in names {
            let standing = self.book.pool(name);
            let legs_here = legs_of.get(name).map(Vec::as_slice).unwrap_or(&[]);
            let first_leg = legs_here.first().copied();
            let (currency, settlement, underlying, index) = match (standing, first_leg) {
                (Some(p), _) => (
                    p.currency.clone(),
                    p.settlement,
                    p.underlying.clone(),
                    p.index,
                ),
                (None, Some(l)) => (
                    l.input.instrument.settlement_currency.clone(),
                    l.input.instrument.settlement,
                    l.input.instrument.underlying.clone(),
                    l.index,
                ),
                (None, None) => continue,
            };
            let to_usd = if settlement == crate::input::instrument::Settlement::Inverse {
                index
            } else {
                1.0
            };
            let (im0, mm0) = standing.map(|p| p.margin()).unwrap_or((0.0, 0.0));
            let std0 = standing.map(|p| p.standard.0).unwrap_or(0.0);
            let std1 = std0
                + legs_here
                    .iter()
                    .map(|l| self.model.standard.position_margin(l).0)
                    .sum::<f64>();
            let (im1, mm1) = if legs_here.is_empty() {
                (im0, mm0)
            } else if let Some((scen, shock, currency_params)) =
                pool_layout(&self.model, &underlying, settlement)
            {
                let cells = scen.cells();
                let standing_cells = standing
                    .and_then(|p| p.matrix.as_ref())
                    .map(|m| m.aggregated.as_slice());
                let aggregated = with_legs(standing_cells, cells, legs_here, |leg, out| {
                    position_vector(&self.model, &scen, &shock, leg, out)
                });
                let mut refs = self.members(standing);
                refs.extend_from_slice(legs_here);
                let risk = pool_risk(&scen, &currency_params, &shock, index, &aggregated, &refs);
                (risk.initial, risk.maintenance)
            } else if let crate::margin::model::ModelKind::Grid(params) = &self.model.kind {
                let cells = params.cells();
                let standing_cells = standing
                    .and_then(|p| p.grid.as_ref())
                    .map(|g| g.aggregated.as_slice());
                let aggregated = with_legs(standing_cells, cells.len(), legs_here, |leg, out| {
                    params.position_vector(&cells, leg, out)
                });
                let members = self.members(standing);
                let inverse = settlement == crate::input::instrument::Settlement::Inverse;
                let all = members.into_iter().chain(legs_here.iter().copied());
                let risk = crate::margin::grid::grid_risk(params, &aggregated, all, index, inverse);
                (risk.initial, risk.maintenance)
            } else {
                let extra_mm: f64 = legs_here
                    .iter()
                    .map(|l| self.model.standard.position_margin(l).1)
                    .sum();
                (std1, mm0 + extra_mm)
            };
            before.initial += im0 * to_usd;
            before.maintenance += mm0 * to_usd;
            before.standard_initial += std0 * to_usd;
            after.initial += im1 * to_usd;
            after.maintenance += mm1 * to_usd;
            after.standard_initial += std1 * to_usd;
            let e = im_by_currency.entry(currency.clone()).or_insert((0.0, 0.0));
            e.0 += im0;
            e.1 += im1;
            pools.push(PoolImpact {
                pool: name.clone(),
                currency,
                initial_before: im0,
                initial_after: im1,
                maintenance_before: mm0,
                maintenance_after: mm1,
                initial_change: im1 - im0,
                maintenance_change: mm1 - mm0,
            });
        }
        let mut can_afford = None;
        if let Some(account) = &self.account {
            // orders trade at their marks: premium moves collateral by what the position is worth,
            // so equity is unchanged by the trade itself
            let accounts = currency_accounts(&self.book, &self.market, &account.collateral)?;
            let equity: f64 = accounts.iter().map(|a| a.equity_usd).sum();
            before.equity = Some(equity);
            after.equity = Some(equity);
            before.available_funds = Some(equity - before.initial);
            after.available_funds = Some(equity - after.initial);
            let mut ok = true;
            for (currency, (im0, im1)) in &im_by_currency {
                let eq = accounts
                    .iter()
                    .find(|a| &a.currency == currency)
                    .map_or(0.0, |a| a.equity);
                if im1 > im0 && eq - im1 < 0.0 {
                    ok = false;
                }
            }
            can_afford = Some(ok);
        }
        let change = MarginState {
            initial: after.initial - before.initial,
            maintenance: after.maintenance - before.maintenance,
            standard_initial: after.standard_initial - before.standard_initial,
            equity: before.equity.map(|_| 0.0),
            available_funds: match (before.available_funds, after.available_funds) {
                (Some(b), Some(a)) => Some(a - b),
                _ => None,
            },
        };
        let orders = legs
            .iter()
            .map(|l| l.input.instrument.name.clone())
            .collect();
        Ok(Impact {
            before,
            after,
            change,
            pools,
            can_afford,
            orders,
        })
    }
}

/// A pool's aggregate with the legs' vectors added in order (so it equals a full recompute with
/// the legs appended to the book).
fn with_legs(
    standing: Option<&[f64]>,
    width: usize,
    legs: &[&ValuedPosition],
    vector_of: impl Fn(&ValuedPosition, &mut [f64]),
) -> Vec<f64> {
    let mut aggregated = standing
        .map(<[f64]>::to_vec)
        .unwrap_or_else(|| vec![0.0; width]);
    let mut vector = vec![0.0; width];
    for leg in legs {
        vector_of(leg, &mut vector);
        for (a, v) in aggregated.iter_mut().zip(&vector) {
            *a += v;
        }
    }
    aggregated
}
