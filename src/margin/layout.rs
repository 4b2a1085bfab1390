//! How one pool is margined under the model: its scenario layout (which cells a position's P&L
//! vector has) and the margin an aggregated vector implies. `Model::layout` is the one `match` on
//! the model kind; the book, the session, the hedge and the report use these types.

use crate::margin::grid::{grid_risk, GridCell, GridParams, GridRisk};
use crate::margin::netting::UnitCache;
use crate::margin::params::Margin;
use crate::margin::risk_matrix::{
    cleaned, pool_risk, CellRef, CurrencyParams, PoolRisk, PoolScenarios, UnderlyingShock,
    VolShockTerms,
};
use crate::pricing::valuation::ValuedPosition;

/// A risk-matrix pool: its scenarios and the parameters of its underlying and currency.
#[derive(Debug, Clone)]
pub struct MatrixLayout {
    pub scen: PoolScenarios,
    pub shock: UnderlyingShock,
    pub currency: CurrencyParams,
    pub terms: VolShockTerms,
}

/// A scenario-grid pool (SPAN-style or custom): the grid and its cells.
#[derive(Debug, Clone)]
pub struct GridLayout {
    pub params: GridParams,
    pub cells: Vec<GridCell>,
}

/// The scenario layout of one pool under the model.
#[derive(Debug, Clone)]
pub enum PoolLayout {
    Matrix(MatrixLayout),
    Grid(GridLayout),
    /// Position-by-position margin: no scenarios.
    Standard,
    /// `es-margin`: one account pool, its ES over joint Monte Carlo paths (no stored vectors).
    #[cfg(feature = "analysis")]
    Es(crate::margin::es::EsParams),
}

/// The margin one layout implies for an aggregated vector, in the pool's currency.
#[derive(Debug, Clone)]
pub enum PoolAssessment {
    Matrix(PoolRisk),
    Grid(GridRisk),
    /// The sum of the members' standard margins.
    Standard(Margin),
    #[cfg(feature = "analysis")]
    Es(crate::margin::es::EsRisk),
}

/// What a pool's assessment needs besides its vector.
pub struct PoolFacts<'a> {
    pub index: f64,
    pub inverse: bool,
    pub members: &'a [&'a ValuedPosition],
    /// Per cell, the sum of the members' absolute P&L (aggregates within 1e-12 of it are 0).
    pub gross: &'a [f64],
    /// The members' standard margin, summed.
    pub standard: Margin,
    pub market: &'a crate::market::Market,
}

impl PoolLayout {
    /// Cells in a position vector.
    pub fn width(&self) -> usize {
        match self {
            PoolLayout::Matrix(m) => m.scen.cells(),
            PoolLayout::Grid(g) => g.cells.len(),
            PoolLayout::Standard => 0,
            #[cfg(feature = "analysis")]
            PoolLayout::Es(_) => 0,
        }
    }

    /// Fill `out` (length `width()`) with a position's P&L in every cell, pool currency.
    pub fn position_vector(&self, p: &ValuedPosition, out: &mut [f64]) {
        self.netted_vector(p, out, None)
    }

    /// `position_vector`, pricing an option identical to one in `cache` only once.
    pub fn netted_vector(
        &self,
        p: &ValuedPosition,
        out: &mut [f64],
        cache: Option<&mut UnitCache>,
    ) {
        match self {
            PoolLayout::Matrix(m) => m.scen.position_vector(m.terms, &m.shock, p, out, cache),
            PoolLayout::Grid(g) => g.params.position_vector(&g.cells, p, out, cache),
            PoolLayout::Standard => {}
            #[cfg(feature = "analysis")]
            PoolLayout::Es(_) => {}
        }
    }

    /// The margin of an aggregated vector.
    pub fn assess(&self, aggregated: &[f64], facts: &PoolFacts) -> PoolAssessment {
        let cells: Vec<f64> = aggregated
            .iter()
            .zip(facts.gross.iter().chain(std::iter::repeat(&0.0)))
            .map(|(a, g)| cleaned(*a, *g))
            .collect();
        let aggregated = cells.as_slice();
        match self {
            PoolLayout::Matrix(m) => PoolAssessment::Matrix(pool_risk(
                &m.scen,
                &m.currency,
                &m.shock,
                facts.index,
                aggregated,
                facts.members,
            )),
            PoolLayout::Grid(g) => PoolAssessment::Grid(grid_risk(
                &g.params,
                aggregated,
                facts.members.iter().copied(),
                facts.index,
                facts.inverse,
            )),
            PoolLayout::Standard => PoolAssessment::Standard(facts.standard),
            // the session checked the market (vols, correlations) for every member beforehand
            #[cfg(feature = "analysis")]
            PoolLayout::Es(params) => {
                PoolAssessment::Es(params.assess(facts.members, facts.market).unwrap_or(
                    crate::margin::es::EsRisk {
                        expected_shortfall: f64::NAN,
                        roll_shock: f64::NAN,
                        initial: f64::NAN,
                        maintenance: f64::NAN,
                    },
                ))
            }
        }
    }

    /// The risk-matrix layout, where the model has one.
    pub fn matrix(&self) -> Option<&MatrixLayout> {
        match self {
            PoolLayout::Matrix(m) => Some(m),
            _ => None,
        }
    }
}

impl PoolAssessment {
    pub fn margin(&self) -> Margin {
        match self {
            PoolAssessment::Matrix(r) => Margin::new(r.initial, r.maintenance),
            PoolAssessment::Grid(g) => Margin::new(g.initial, g.maintenance),
            PoolAssessment::Standard(m) => *m,
            #[cfg(feature = "analysis")]
            PoolAssessment::Es(r) => r.margin(),
        }
    }

    /// The worst cell's index in the vector (None for standard margin).
    pub fn worst_cell(&self) -> Option<usize> {
        match self {
            PoolAssessment::Matrix(r) => Some(r.worst_cell),
            PoolAssessment::Grid(g) => Some(g.worst_cell),
            PoolAssessment::Standard(_) => None,
            #[cfg(feature = "analysis")]
            PoolAssessment::Es(_) => None,
        }
    }
}

impl GridLayout {
    /// A grid cell's place: one row of scenarios.
    pub fn cell_ref(&self, cell: usize) -> CellRef {
        CellRef {
            table: crate::margin::risk_matrix::ScenarioTable::Scenarios,
            row: 0,
            column: cell,
        }
    }
}
