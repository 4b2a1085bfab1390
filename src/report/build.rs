//! Building the report (SPEC §6) from a valued, pooled, margined session.

use crate::collections::CollectMap;
use crate::error::Result;
use crate::input::instrument::Kind;
use crate::margin::book::{Book, PoolBook};
use crate::margin::grid::GridRisk;
use crate::margin::layout::{GridLayout, MatrixLayout, PoolAssessment, PoolLayout};
use crate::margin::params::Margin;
use crate::margin::risk_matrix::{standalone_initial, PoolRisk, VOL_STATES};
use crate::margin::session::Session;
use crate::pricing::valuation::ValuedPosition;
use crate::report::types::*;
use std::collections::BTreeMap;

/// Build the report from a session's valued, pooled book.
pub(crate) fn build_report(session: &Session) -> Result<Report> {
    build_report_with_progress(session, &mut |_| {})
}

/// [`build_report`]; `progress` hears the fraction of a long analysis done (0 to 1).
pub(crate) fn build_report_with_progress(
    session: &Session,
    progress: &mut dyn FnMut(f64),
) -> Result<Report> {
    let book = &session.book;
    let mut positions: Vec<PositionReport> = book
        .positions
        .iter()
        .zip(&book.standard)
        .map(|(p, standard)| position_report(p, *standard))
        .collect();
    let pools: Vec<PoolReport> = book
        .pools
        .iter()
        .map(|pool| pool_report(book, pool, &mut positions))
        .collect();
    let (total, cross) = margin_totals(
        book,
        &session.model,
        &session.market,
        &session.collateral_with_holdings(),
    );
    let account = match &session.account {
        Some(input) => Some(crate::margin::account::account_report(
            book,
            &session.market,
            &session.model,
            input,
        )?),
        None => None,
    };
    let mut warnings = session.warnings.clone();
    if let Some(n) = account.as_ref().and_then(|a| a.not_searched) {
        warnings.push(crate::error::Warning {
            code: crate::error::WarningCode::NotComputed,
            message: format!(
                "liquidation prices are searched for books of at most {} positions (this one has {n}): the search revalues the book at about 4 000 prices per underlying",
                crate::margin::account::LIQUIDATION_MAX_POSITIONS
            ),
            line: None,
            path: Some("account".into()),
        });
    }
    if session.model.is_account_wide() && session.account.is_some() {
        warnings.push(crate::error::Warning {
            code: crate::error::WarningCode::NotComputed,
            message: "es-margin: liquidation prices are not searched (every price would need its own Monte Carlo run)".into(),
            line: None,
            path: Some("account".into()),
        });
    }
    #[allow(unused_variables)]
    let analysis = analysis(session, &mut warnings, progress)?;
    let report = Report {
        as_of: session.market.as_of_text.clone(),
        model: ModelReport {
            name: session.model.name.clone(),
            params: session.model.params_json.clone(),
        },
        market: market_report(session),
        positions,
        greeks: greeks_by_underlying(&book.positions),
        margin: MarginReport {
            pools,
            total_usd: total,
            cross,
        },
        account,
        #[cfg(feature = "analysis")]
        var: analysis.var,
        #[cfg(feature = "analysis")]
        stress: analysis.stress,
        #[cfg(feature = "analysis")]
        payoff: analysis.payoff,
        warnings,
    };
    Ok(report)
}

/// The book's margin in USD (the sum of its pools, or in cross mode the account's one
/// requirement), standard margin beside it, and the cross block: what every report and every
/// model of a comparison states.
pub(crate) fn margin_totals(
    book: &Book,
    model: &crate::margin::model::Model,
    market: &crate::market::Market,
    collateral: &BTreeMap<String, f64>,
) -> (TotalUsd, Option<crate::margin::cross::CrossMargin>) {
    let mut total = TotalUsd::default();
    for pool in &book.pools {
        let margin = pool.margin();
        total.initial += margin.initial * pool.to_usd();
        total.maintenance += margin.maintenance * pool.to_usd();
        total.standard_initial += pool.standard.initial * pool.to_usd();
        total.standard_maintenance += pool.standard.maintenance * pool.to_usd();
    }
    // cross mode: the account's one USD requirement (the pools' own figures stay for information)
    let cross = model
        .cross()
        .map(|params| crate::margin::cross::cross_margin(book, params, market, collateral));
    if let Some(c) = &cross {
        total.initial = c.initial;
        total.maintenance = c.maintenance;
    }
    total.saving = total.standard_initial - total.initial;
    (total, cross)
}

/// A pool's worst scenario in words and its loss in the pool's currency (None: standard margin).
pub(crate) fn worst_of(pool: &PoolBook) -> Option<(String, f64)> {
    let pct = |m: f64| format!("{:+}%", (m * 1000.0).round() / 10.0);
    match (&pool.layout, &pool.assessment) {
        (PoolLayout::Matrix(layout), PoolAssessment::Matrix(risk)) => {
            let scen = &layout.scen;
            let cell = scen.cell_ref(risk.worst_cell);
            let label = match cell.table {
                crate::margin::risk_matrix::ScenarioTable::Standard => {
                    let vol = VOL_STATES[cell.row.min(2)];
                    format!("{}, vol {vol}", pct(scen.cell_move(cell)))
                }
                _ => format!("extended {}, vol up", pct(scen.cell_move(cell))),
            };
            Some((label, risk.worst_case))
        }
        (PoolLayout::Grid(layout), PoolAssessment::Grid(risk)) => layout
            .cells
            .get(risk.worst_cell)
            .map(|c| (c.label.clone(), risk.scan_risk)),
        #[cfg(feature = "analysis")]
        (PoolLayout::Es(_), PoolAssessment::Es(risk)) => {
            Some(("expected shortfall".to_string(), risk.expected_shortfall))
        }
        _ => None,
    }
}

/// What `analysis` asks for (feature `analysis`).
#[cfg(feature = "analysis")]
fn analysis(
    session: &Session,
    warnings: &mut Vec<crate::error::Warning>,
    progress: &mut dyn FnMut(f64),
) -> Result<crate::risk::types::AnalysisReport> {
    match &session.analysis {
        Some(a) if !a.is_empty() => crate::risk::analyse(
            &session.market,
            &session.all_positions,
            &session.collateral,
            a,
            warnings,
            progress,
        ),
        _ => Ok(Default::default()),
    }
}

/// A build without the risk engine (the package's margin-path WebAssembly) reads `analysis`
/// strictly and says it did not compute it.
#[cfg(not(feature = "analysis"))]
fn analysis(
    session: &Session,
    warnings: &mut Vec<crate::error::Warning>,
    _progress: &mut dyn FnMut(f64),
) -> Result<crate::risk::types::AnalysisReport> {
    if session.analysis.as_ref().is_some_and(|a| !a.is_empty()) {
        warnings.push(crate::error::Warning {
            code: crate::error::WarningCode::NotComputed,
            message: "'analysis' (VaR, stress, payoff) is computed by the full build of the package (portfolio-margin/full, or the worker helper); this margin-path build leaves it out".into(),
            line: None,
            path: Some("analysis".into()),
        });
    }
    Ok(Default::default())
}

fn market_report(session: &Session) -> MarketReport {
    MarketReport {
        source: session.market_source,
        description: session.market.description.clone(),
        index: session
            .market
            .underlyings
            .iter()
            .map(|(k, u)| (k.clone(), u.index))
            .collect_map(),
    }
}

/// Greeks per underlying, and per expiry (`PERPETUAL` and `SPOT` for undated instruments).
fn greeks_by_underlying(valued: &[ValuedPosition]) -> BTreeMap<String, UnderlyingGreeks> {
    let mut greeks: BTreeMap<String, UnderlyingGreeks> = BTreeMap::new();
    for p in valued {
        let entry = greeks
            .entry(p.input.instrument.underlying.clone())
            .or_default();
        entry.total.add(&p.greeks);
        let key = match (p.input.instrument.kind, p.input.instrument.expiry) {
            (Kind::Spot, _) => "SPOT".to_string(),
            (_, Some(e)) => e.iso(),
            _ => "PERPETUAL".to_string(),
        };
        entry.by_expiry.entry(key).or_default().add(&p.greeks);
    }
    greeks
}

/// One pool's block, with the attribution of its members written into `positions`.
fn pool_report(book: &Book, pool: &PoolBook, positions: &mut [PositionReport]) -> PoolReport {
    let margin = pool.margin();
    let mut report = PoolReport {
        pool: pool.pool.clone(),
        currency: pool.currency.clone(),
        underlying: pool.underlying.clone(),
        settlement: pool.settlement,
        index: pool.index,
        positions: pool.members.clone(),
        initial: margin.initial,
        maintenance: margin.maintenance,
        worst_case: None,
        worst_scenario: None,
        roll_shock: None,
        delta_shock: None,
        long_option_cap: None,
        risk_matrix: None,
        extended: None,
        scenarios: None,
        hedge: None,
        standard: PoolStandard {
            initial: pool.standard.initial,
            maintenance: pool.standard.maintenance,
            saving: pool.standard.initial - margin.initial,
        },
        initial_usd: margin.initial * pool.to_usd(),
        maintenance_usd: margin.maintenance * pool.to_usd(),
    };
    match (&pool.layout, &pool.assessment) {
        (PoolLayout::Matrix(layout), PoolAssessment::Matrix(risk)) => {
            matrix_blocks(&mut report, layout, risk);
            report.hedge = crate::margin::hedge::suggest(pool, &book.members(pool));
            attribute(book, pool, layout, risk, positions);
        }
        (PoolLayout::Grid(layout), PoolAssessment::Grid(risk)) => {
            grid_blocks(&mut report, layout, risk, &pool.aggregated);
        }
        #[cfg(feature = "analysis")]
        (PoolLayout::Es(_), PoolAssessment::Es(risk)) => {
            report.worst_case = Some(risk.expected_shortfall);
            report.roll_shock = Some(risk.roll_shock);
            report.delta_shock = Some(0.0);
        }
        _ => {}
    }
    report
}

/// The risk-matrix blocks of a pool: the tables, the worst cell, roll and delta shocks.
fn matrix_blocks(report: &mut PoolReport, layout: &MatrixLayout, risk: &PoolRisk) {
    let scen = &layout.scen;
    let n = scen.price_moves.len();
    let rows = |cells: &[f64]| {
        (0..3)
            .map(|v| cells.get(v * n..(v + 1) * n).unwrap_or(&[]).to_vec())
            .collect::<Vec<_>>()
    };
    let cell = scen.cell_ref(risk.worst_cell);
    report.worst_case = Some(risk.worst_case);
    report.worst_scenario = Some(WorstScenario {
        price_move: scen.cell_move(cell),
        vol: match cell.table {
            crate::margin::risk_matrix::ScenarioTable::Standard => VOL_STATES[cell.row.min(2)],
            _ => "up",
        }
        .to_string(),
        table: cell.table,
        row: cell.row,
        column: cell.column,
        label: None,
    });
    report.roll_shock = Some(risk.roll_shock);
    report.delta_shock = Some(risk.delta_shock);
    report.long_option_cap = risk.long_option_cap;
    report.risk_matrix = Some(RiskMatrixReport {
        price_moves: scen.price_moves.clone(),
        vol_states: VOL_STATES.to_vec(),
        pnl: rows(&risk.pnl),
        pnl_raw: rows(&risk.pnl_raw),
    });
    report.extended = Some(ExtendedReport {
        price_moves: scen.extended_moves.clone(),
        pnl: risk.pnl.get(3 * n..).unwrap_or(&[]).to_vec(),
        pnl_raw: risk.pnl_raw.get(3 * n..).unwrap_or(&[]).to_vec(),
    });
}

/// Each member's P&L in the worst cell, its share of the worst case, its standalone margin.
fn attribute(
    book: &Book,
    pool: &PoolBook,
    layout: &MatrixLayout,
    risk: &PoolRisk,
    positions: &mut [PositionReport],
) {
    let worst_raw = risk.pnl_raw.get(risk.worst_cell).copied().unwrap_or(0.0);
    for (row, i) in pool.members.iter().enumerate() {
        let vector = pool.vector(row);
        let pnl = vector.get(risk.worst_cell).copied().unwrap_or(0.0);
        let share = if risk.worst_case > 0.0 && worst_raw < 0.0 {
            pnl / worst_raw
        } else {
            0.0
        };
        let Some(p) = book.positions.get(*i) else {
            continue;
        };
        let alone = standalone_initial(
            &layout.scen,
            &layout.currency,
            &layout.shock,
            pool.index,
            vector,
            p,
        );
        if let Some(pr) = positions.get_mut(*i) {
            pr.attribution = Some(Attribution {
                worst_cell_pnl: pnl,
                worst_case_contribution: share * risk.worst_case,
                share,
                standalone_initial: alone,
            });
        }
    }
}

/// The scenario-grid blocks of a pool: every scenario's weighted P&L, the worst, the terms.
fn grid_blocks(report: &mut PoolReport, layout: &GridLayout, risk: &GridRisk, aggregated: &[f64]) {
    let cells = &layout.cells;
    report.worst_case = Some(risk.scan_risk);
    report.worst_scenario = cells.get(risk.worst_cell).map(|c| {
        let at = layout.cell_ref(risk.worst_cell);
        WorstScenario {
            price_move: c.move_frac,
            vol: c.vol.label(),
            table: at.table,
            row: at.row,
            column: at.column,
            label: Some(c.label.clone()),
        }
    });
    report.scenarios = Some(ScenarioReport {
        labels: cells.iter().map(|c| c.label.clone()).collect(),
        price_moves: cells.iter().map(|c| c.move_frac).collect(),
        weights: cells.iter().map(|c| c.weight).collect(),
        pnl: aggregated.to_vec(),
        scan_risk: risk.scan_risk,
        spread_charge: risk.spread_charge,
        short_option_minimum: risk.short_option_minimum,
        basis_charge: risk.basis_charge,
        minimum_charge: risk.minimum_charge,
        contingency_charge: risk.contingency_charge,
    });
}

fn position_report(p: &ValuedPosition, standard: Margin) -> PositionReport {
    let inst = &p.input.instrument;
    let (mark, mark_usd) = match inst.kind {
        Kind::Option if p.is_inverse() => (p.unit_price_usd / p.forward, p.unit_price_usd),
        Kind::Option => (p.unit_price_usd, p.unit_price_usd),
        _ => (p.forward, p.forward),
    };
    PositionReport {
        instrument: inst.name.clone(),
        underlying: inst.underlying.clone(),
        kind: inst.kind,
        settlement: inst.settlement,
        pool: p.pool.clone(),
        expiry: inst.expiry.map(|e| e.iso()),
        strike: inst.strike,
        option_type: inst.option_type,
        quantity: p.quantity,
        quantity_unit: inst.quantity_unit,
        quantity_coin: p.quantity_coin,
        mark,
        mark_usd,
        forward: p.forward,
        iv: p.sigma,
        iv_source: p.iv_source,
        t_years: p.t_years,
        dte_days: p.dte_days(),
        value_usd: p.value_usd,
        value: p.value_pool,
        greeks: p.greeks,
        standard_margin: standard,
        attribution: None,
        venue: p.input.venue,
        line: p.input.line,
    }
}
