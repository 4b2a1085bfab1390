//! A valued book split into margin pools, with every position's scenario P&L vector kept
//! (structure of arrays: one row of `width` cells per member). The report, attribution, the
//! incremental pre-trade impact, the hedge solver and the liquidation search all start here.

use crate::error::owned;
use crate::input::instrument::Settlement;
use crate::margin::layout::{PoolAssessment, PoolFacts, PoolLayout};
use crate::margin::model::Model;
use crate::margin::netting::UnitCache;
use crate::margin::params::Margin;
use crate::market::Market;
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
    /// How the model margins this pool.
    pub layout: PoolLayout,
    /// `members.len() × width`, row per member, in member order.
    pub vectors: Vec<f64>,
    /// Column sums of `vectors` (in member order, so appending a leg reproduces a full recompute).
    pub aggregated: Vec<f64>,
    /// Column sums of the vectors' absolute values: what an aggregate is small against.
    pub gross: Vec<f64>,
    /// The margin the aggregate implies.
    pub assessment: PoolAssessment,
    /// Standard margin, summed over members, in the pool's currency.
    pub standard: Margin,
    /// Sum of the members' values in the pool's currency (equity contribution).
    pub value: f64,
}

impl PoolBook {
    /// Initial and maintenance margin under the book's model, pool currency.
    pub fn margin(&self) -> Margin {
        self.assessment.margin()
    }
    /// Multiply pool-currency amounts by this to get USD.
    pub fn to_usd(&self) -> f64 {
        if self.settlement == Settlement::Inverse {
            self.index
        } else {
            1.0
        }
    }
    /// Cells per position vector.
    pub fn width(&self) -> usize {
        self.layout.width()
    }
    /// The scenario vector of the `row`-th member.
    pub fn vector(&self, row: usize) -> &[f64] {
        let c = self.width();
        self.vectors.get(row * c..(row + 1) * c).unwrap_or(&[])
    }
}

/// Positions, valued and pooled, under one model.
#[derive(Debug, Clone)]
pub struct Book {
    pub positions: Vec<ValuedPosition>,
    /// Standalone standard margin per position, pool currency.
    pub standard: Vec<Margin>,
    pub pools: Vec<PoolBook>,
}

/// Add `vector` into `aggregated` and its absolute values into `gross`, cell by cell.
pub fn accumulate(aggregated: &mut [f64], gross: &mut [f64], vector: &[f64]) {
    for ((a, g), v) in aggregated.iter_mut().zip(gross.iter_mut()).zip(vector) {
        *a += v;
        *g += v.abs();
    }
}

impl Book {
    pub fn build(positions: Vec<ValuedPosition>, model: &Model, market: &Market) -> Book {
        let standard: Vec<Margin> = positions
            .iter()
            .map(|p| model.standard.position_margin(p))
            .collect();
        // pool names borrowed from the positions: one String per pool, not per position
        let mut members_of: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (i, p) in positions.iter().enumerate() {
            members_of.entry(model.pool_of(p)).or_default().push(i);
        }
        let pools = members_of
            .into_iter()
            .filter_map(|(pool, members)| {
                build_pool(owned(pool), members, &positions, &standard, model, market)
            })
            .collect();
        Book {
            positions,
            standard,
            pools,
        }
    }

    pub fn pool(&self, name: &str) -> Option<&PoolBook> {
        self.pools.iter().find(|p| p.pool == name)
    }

    /// The standing positions of a pool, in member order.
    pub fn members(&self, pool: &PoolBook) -> Vec<&ValuedPosition> {
        pool.members
            .iter()
            .filter_map(|i| self.positions.get(*i))
            .collect()
    }
}

fn build_pool(
    pool: String,
    members: Vec<usize>,
    positions: &[ValuedPosition],
    standard: &[Margin],
    model: &Model,
    market: &Market,
) -> Option<PoolBook> {
    let first = positions.get(*members.first()?)?;
    let inst = &first.input.instrument;
    let layout = model.layout(&inst.underlying, inst.settlement);
    let account_wide = model.is_account_wide();
    // every pool in USD: the account's (es-margin), or one risk unit per underlying
    let usd = model.is_usd_account();
    let width = layout.width();
    let refs: Vec<&ValuedPosition> = members.iter().filter_map(|i| positions.get(*i)).collect();
    let mut vectors = vec![0.0; refs.len() * width];
    let mut aggregated = vec![0.0; width];
    let mut gross = vec![0.0; width];
    if width > 0 {
        // identical options priced once (crate::margin::netting)
        let mut cache = UnitCache::new(refs.len(), width);
        for (row, p) in vectors.chunks_exact_mut(width).zip(&refs) {
            layout.netted_vector(p, row, Some(&mut cache));
            accumulate(&mut aggregated, &mut gross, row);
        }
    }
    // a USD pool: each member's standard margin converted
    let to_usd = |i: &usize| match positions.get(*i) {
        Some(p) if usd && p.is_inverse() => p.index,
        _ => 1.0,
    };
    let pool_standard: Margin = members
        .iter()
        .filter_map(|i| {
            standard
                .get(*i)
                .map(|m| Margin::new(m.initial * to_usd(i), m.maintenance * to_usd(i)))
        })
        .sum();
    let facts = PoolFacts {
        index: first.index,
        inverse: !usd && inst.settlement == Settlement::Inverse,
        members: &refs,
        gross: &gross,
        standard: pool_standard,
        market,
    };
    let assessment = layout.assess(&aggregated, &facts);
    let (currency, underlying, settlement, index) = if account_wide {
        (
            "USD".to_string(),
            "ALL".to_string(),
            Settlement::Linear,
            1.0,
        )
    } else if usd {
        (
            "USD".to_string(),
            inst.underlying.clone(),
            Settlement::Linear,
            first.index,
        )
    } else {
        (
            inst.settlement_currency.clone(),
            inst.underlying.clone(),
            inst.settlement,
            first.index,
        )
    };
    Some(PoolBook {
        pool,
        currency,
        underlying,
        settlement,
        index,
        value: refs
            .iter()
            .map(|p| if usd { p.value_usd } else { p.value_pool })
            .sum(),
        members,
        layout,
        vectors,
        aggregated,
        gross,
        assessment,
        standard: pool_standard,
    })
}
