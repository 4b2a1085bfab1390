//! A valued book split into margin pools, with every position's scenario P&L vector kept
//! (structure of arrays: one row of `cells` per member). The report, attribution, the
//! incremental pre-trade impact, the hedge solver and the liquidation search all start here.

use crate::input::instrument::Settlement;
use crate::margin::grid::{grid_risk, GridCell, GridRisk};
use crate::margin::model::{Model, ModelKind};
use crate::margin::risk_matrix::{
    pool_risk, CurrencyParams, PoolRisk, PoolScenarios, UnderlyingShock,
};
use crate::pricing::valuation::ValuedPosition;
use std::collections::BTreeMap;

/// One margin pool of a book.
#[derive(Debug, Clone)]
pub struct PoolBook {
    pub pool: String,
    pub currency: String,
    pub underlying: String,
    pub settlement: Settlement,
    pub index: f64,
    /// Indexes of the pool's positions in the book.
    pub members: Vec<usize>,
    /// The risk-matrix layout and parameters (None for the standard model).
    pub matrix: Option<PoolMatrix>,
    /// The scenario-grid cells, vectors and margin (SPAN-style and custom models).
    pub grid: Option<PoolGrid>,
    /// Standard margin (initial, maintenance), summed over members, in the pool's currency.
    pub standard: (f64, f64),
    /// Sum of the members' values in the pool's currency (equity contribution).
    pub value: f64,
}

#[derive(Debug, Clone)]
pub struct PoolMatrix {
    pub scen: PoolScenarios,
    pub shock: UnderlyingShock,
    pub currency: CurrencyParams,
    /// `members.len() × cells`, row per member, in member order.
    pub vectors: Vec<f64>,
    /// Column sums of `vectors` (in member order, so appending a leg reproduces a full recompute).
    pub aggregated: Vec<f64>,
    pub risk: PoolRisk,
}

#[derive(Debug, Clone)]
pub struct PoolGrid {
    pub cells: Vec<GridCell>,
    pub vectors: Vec<f64>,
    pub aggregated: Vec<f64>,
    pub risk: GridRisk,
}

impl PoolMatrix {
    pub fn cells(&self) -> usize {
        self.scen.cells()
    }
    pub fn vector(&self, member: usize) -> &[f64] {
        let c = self.cells();
        self.vectors
            .get(member * c..(member + 1) * c)
            .unwrap_or(&[])
    }
}

impl PoolBook {
    /// (initial, maintenance) under the book's model.
    pub fn margin(&self) -> (f64, f64) {
        match (&self.matrix, &self.grid) {
            (Some(m), _) => (m.risk.initial, m.risk.maintenance),
            (None, Some(g)) => (g.risk.initial, g.risk.maintenance),
            _ => self.standard,
        }
    }
    /// Multiply pool-currency amounts by this to get USD.
    pub fn to_usd(&self) -> f64 {
        if self.settlement == Settlement::Inverse {
            self.index
        } else {
            1.0
        }
    }
}

/// Positions, valued and pooled, under one model.
#[derive(Debug, Clone)]
pub struct Book {
    pub positions: Vec<ValuedPosition>,
    /// Standalone standard margin per position (initial, maintenance), pool currency.
    pub standard: Vec<(f64, f64)>,
    pub pools: Vec<PoolBook>,
}

/// The scenario layout and parameters of a pool under a risk-matrix model.
pub fn pool_layout(
    model: &Model,
    underlying: &str,
    settlement: Settlement,
) -> Option<(PoolScenarios, UnderlyingShock, CurrencyParams)> {
    let ModelKind::RiskMatrix(params) = &model.kind else {
        return None;
    };
    let shock = params.shock_for(underlying).clone();
    let currency = params.currency_for(settlement, underlying).clone();
    let scen = PoolScenarios::new(
        params.price_moves(shock.price_range),
        params.extended_moves.clone(),
        shock.price_range,
        settlement == Settlement::Inverse,
    );
    Some((scen, shock, currency))
}

/// Fill `out` with a position's scenario vector under the pool's layout.
pub fn position_vector(
    model: &Model,
    scen: &PoolScenarios,
    shock: &UnderlyingShock,
    p: &ValuedPosition,
    out: &mut [f64],
) {
    if let ModelKind::RiskMatrix(params) = &model.kind {
        scen.position_vector(params, shock, p, out);
    }
}

impl Book {
    pub fn build(positions: Vec<ValuedPosition>, model: &Model) -> Book {
        let standard: Vec<(f64, f64)> = positions
            .iter()
            .map(|p| model.standard.position_margin(p))
            .collect();
        let mut members_of: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (i, p) in positions.iter().enumerate() {
            members_of.entry(p.pool.clone()).or_default().push(i);
        }
        let mut pools = Vec::with_capacity(members_of.len());
        for (pool, members) in members_of {
            let Some(first) = members.first().and_then(|i| positions.get(*i)) else {
                continue;
            };
            let inst = &first.input.instrument;
            let mut book = PoolBook {
                pool,
                currency: inst.settlement_currency.clone(),
                underlying: inst.underlying.clone(),
                settlement: inst.settlement,
                index: first.index,
                members: members.clone(),
                matrix: None,
                grid: None,
                standard: (0.0, 0.0),
                value: 0.0,
            };
            for i in &members {
                if let (Some(s), Some(p)) = (standard.get(*i), positions.get(*i)) {
                    book.standard.0 += s.0;
                    book.standard.1 += s.1;
                    book.value += p.value_pool;
                }
            }
            if let Some((scen, shock, currency)) =
                pool_layout(model, &book.underlying, book.settlement)
            {
                let cells = scen.cells();
                let mut vectors = vec![0.0; members.len() * cells];
                let mut aggregated = vec![0.0; cells];
                for (row, i) in vectors.chunks_exact_mut(cells).zip(&members) {
                    if let Some(p) = positions.get(*i) {
                        position_vector(model, &scen, &shock, p, row);
                        for (a, v) in aggregated.iter_mut().zip(row.iter()) {
                            *a += v;
                        }
                    }
                }
                let refs: Vec<&ValuedPosition> =
                    members.iter().filter_map(|i| positions.get(*i)).collect();
                let risk = pool_risk(&scen, &currency, &shock, book.index, &aggregated, &refs);
                book.matrix = Some(PoolMatrix {
                    scen,
                    shock,
                    currency,
                    vectors,
                    aggregated,
                    risk,
                });
            }
            if let ModelKind::Grid(params) = &model.kind {
                let cells = params.cells();
                let width = cells.len().max(1);
                let mut vectors = vec![0.0; members.len() * width];
                let mut aggregated = vec![0.0; cells.len()];
                for (row, i) in vectors.chunks_exact_mut(width).zip(&members) {
                    if let Some(p) = positions.get(*i) {
                        params.position_vector(&cells, p, row);
                        for (a, v) in aggregated.iter_mut().zip(row.iter()) {
                            *a += v;
                        }
                    }
                }
                let inverse = book.settlement == Settlement::Inverse;
                let members_iter = members.iter().filter_map(|i| positions.get(*i));
                let risk = grid_risk(params, &aggregated, members_iter, book.index, inverse);
                book.grid = Some(PoolGrid {
                    cells,
                    vectors,
                    aggregated,
                    risk,
                });
            }
            pools.push(book);
        }
        Book {
            positions,
            standard,
            pools,
        }
    }

    pub fn pool(&self, name: &str) -> Option<&PoolBook> {
        self.pools.iter().find(|p| p.pool == name)
    }
}
