//! The single core entry: request in, report out.

use crate::error::{Error, ErrorCode, Result};
use crate::instrument::{Kind, Settlement};
use crate::market::{Market, MarketInput};
use crate::models::risk_matrix::{standalone_initial, VOL_STATES};
use crate::models::ModelInput;
use crate::positions::{parse_text, positions_from_json, PositionInput};
use crate::report::*;
use crate::session::Session;
use crate::valuation::{PositionGreeks, ValuedPosition};
use serde::Deserialize;
use std::collections::BTreeMap;

/// Documented bound on the request JSON size (bytes).
pub const MAX_REQUEST_BYTES: usize = 16 * 1024 * 1024;

/// A request (SPEC §2). `positions` is pasted text or an array of position objects.
#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Request {
    /// Pasted text (line format, CSV or a JSON array) or an array of position objects.
    #[cfg_attr(feature = "typescript", ts(type = "string | PositionObject[]"))]
    pub positions: serde_json::Value,
    #[serde(default)]
    pub market: Option<MarketInput>,
    #[serde(default)]
    pub model: Option<ModelInput>,
    #[serde(default)]
    #[cfg_attr(feature = "typescript", ts(type = "AccountInput", optional))]
    pub account: Option<serde_json::Value>,
    #[serde(default)]
    pub analysis: Option<serde_json::Value>,
}

/// Parse JSON text into a value; syntax errors carry line and column.
pub fn parse_json(json: &str, what: &str) -> Result<serde_json::Value> {
    if json.len() > MAX_REQUEST_BYTES {
        return Err(Error::new(
            ErrorCode::LimitExceeded,
            format!(
                "{what} is larger than {} MB",
                MAX_REQUEST_BYTES / (1024 * 1024)
            ),
        ));
    }
    serde_json::from_str(json).map_err(|e| {
        let mut err = Error::new(
            ErrorCode::BadRequest,
            format!("{what} is not valid JSON: {e}"),
        );
        err.line = Some(e.line());
        err.column = Some(e.column());
        if let Some(issue) = err.issues.first_mut() {
            issue.line = err.line;
            issue.column = err.column;
        }
        err
    })
}

impl Request {
    /// Read a request from JSON; errors carry the JSON path of the problem.
    pub fn from_json(v: &serde_json::Value) -> Result<Request> {
        let o = crate::json::Obj::new(
            v,
            "",
            &["positions", "market", "model", "account", "analysis"],
        )?;
        let positions = o.map.get("positions").cloned().ok_or_else(|| {
            Error::at_path(
                ErrorCode::BadRequest,
                "positions",
                "positions: missing field `positions` (pasted text or an array)",
            )
        })?;
        Ok(Request {
            positions,
            market: o
                .get("market")
                .map(|m| MarketInput::from_json(m, "market"))
                .transpose()?,
            model: o.get("model").map(ModelInput::from_json).transpose()?,
            account: o.get("account").cloned(),
            analysis: o.get("analysis").cloned(),
        })
    }
}

/// Parse a request from JSON text; errors carry the JSON path (or line/column for bad JSON).
pub fn parse_request(json: &str) -> Result<Request> {
    Request::from_json(&parse_json(json, "the request")?)
}

/// The core entry for callers holding JSON text (the CLI and the wasm facade).
pub fn report_json(json: &str) -> Result<String> {
    let request = parse_request(json)?;
    let report = report(&request)?;
    serde_json::to_string(&report).map_err(|e| {
        Error::new(
            ErrorCode::Numeric,
            format!("could not write the report: {e}"),
        )
    })
}

/// Positions of a request: pasted text (every bad line reported) or a JSON array.
pub fn request_positions(value: &serde_json::Value) -> Result<Vec<PositionInput>> {
    match value {
        serde_json::Value::String(text) => {
            let parsed = parse_text(text);
            if parsed.errors.is_empty() {
                Ok(parsed.positions)
            } else {
                Err(Error::from_issues(parsed.errors))
            }
        }
        serde_json::Value::Array(_) => positions_from_json(value, "positions"),
        _ => Err(Error::at_path(
            ErrorCode::BadRequest,
            "positions",
            "positions must be pasted text (a string) or an array of positions",
        )),
    }
}

/// The market of a request, or the embedded default.
pub fn request_market(input: Option<&MarketInput>) -> Result<(Market, &'static str)> {
    match input {
        Some(m) => Ok((
            Market::from_input(m).map_err(|e| e.under("market"))?,
            "request",
        )),
        None => Ok((Market::embedded_default()?, "default")),
    }
}

/// Compute the report for a request (SPEC §6).
pub fn report(request: &Request) -> Result<Report> {
    Session::new(request)?.report()
}

/// Build the report from a session's valued, pooled book.
pub(crate) fn build_report(session: &Session) -> Result<Report> {
    let book = &session.book;
    let model = &session.model;
    let valued = &book.positions;
    let mut positions: Vec<PositionReport> = valued
        .iter()
        .zip(&book.standard)
        .map(|(p, (im, mm))| position_report(p, *im, *mm))
        .collect();
    // Greeks per underlying and expiry
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
    let mut pools = Vec::with_capacity(book.pools.len());
    let mut total = TotalUsd::default();
    for pool in &book.pools {
        let (initial, maintenance) = pool.margin();
        let mut report = PoolReport {
            pool: pool.pool.clone(),
            currency: pool.currency.clone(),
            underlying: pool.underlying.clone(),
            settlement: pool.settlement,
            index: pool.index,
            positions: pool.members.clone(),
            initial,
            maintenance,
            worst_case: None,
            worst_scenario: None,
            roll_shock: None,
            delta_shock: None,
            risk_matrix: None,
            extended: None,
            scenarios: None,
            hedge: None,
            standard: PoolStandard {
                initial: pool.standard.0,
                maintenance: pool.standard.1,
                saving: pool.standard.0 - initial,
            },
            initial_usd: initial * pool.to_usd(),
            maintenance_usd: maintenance * pool.to_usd(),
        };
        if let Some(m) = &pool.matrix {
            let risk = &m.risk;
            let n = m.scen.price_moves.len();
            let rows = |cells: &[f64]| {
                (0..3)
                    .map(|v| cells.get(v * n..(v + 1) * n).unwrap_or(&[]).to_vec())
                    .collect::<Vec<_>>()
            };
            report.worst_case = Some(risk.worst_case);
            report.worst_scenario = Some(m.scen.describe_cell(risk.worst_cell));
            report.roll_shock = Some(risk.roll_shock);
            report.delta_shock = Some(risk.delta_shock);
            report.risk_matrix = Some(RiskMatrixReport {
                price_moves: m.scen.price_moves.clone(),
                vol_states: VOL_STATES.to_vec(),
                pnl: rows(&risk.pnl),
                pnl_raw: rows(&risk.pnl_raw),
            });
            report.extended = Some(ExtendedReport {
                price_moves: m.scen.extended_moves.clone(),
                pnl: risk.pnl.get(3 * n..).unwrap_or(&[]).to_vec(),
                pnl_raw: risk.pnl_raw.get(3 * n..).unwrap_or(&[]).to_vec(),
            });
            report.hedge = crate::hedge::suggest(pool, valued, model);
            // attribution: each member's P&L in the worst cell, its share, its standalone margin
            let worst_raw = risk.pnl_raw.get(risk.worst_cell).copied().unwrap_or(0.0);
            let cells = m.cells();
            for (row, i) in pool.members.iter().enumerate() {
                let vector = m.vector(row);
                let pnl = vector.get(risk.worst_cell).copied().unwrap_or(0.0);
                let share = if risk.worst_case > 0.0 && worst_raw < 0.0 {
                    pnl / worst_raw
                } else {
                    0.0
                };
                let Some(p) = valued.get(*i) else { continue };
                let alone =
                    standalone_initial(&m.scen, &m.currency, &m.shock, pool.index, vector, p);
                debug_assert_eq!(vector.len(), cells);
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
        if let Some(g) = &pool.grid {
            let worst = g.cells.get(g.risk.worst_cell);
            report.worst_case = Some(g.risk.scan_risk);
            report.worst_scenario = worst.map(|c| crate::models::risk_matrix::WorstScenario {
                price_move: c.move_frac,
                vol: c.label.clone(),
                table: "scenarios".into(),
            });
            report.scenarios = Some(ScenarioReport {
                labels: g.cells.iter().map(|c| c.label.clone()).collect(),
                price_moves: g.cells.iter().map(|c| c.move_frac).collect(),
                weights: g.cells.iter().map(|c| c.weight).collect(),
                pnl: g.aggregated.clone(),
                scan_risk: g.risk.scan_risk,
                spread_charge: g.risk.spread_charge,
                short_option_minimum: g.risk.short_option_minimum,
            });
        }
        total.initial += report.initial_usd;
        total.maintenance += report.maintenance_usd;
        total.standard_initial += pool.standard.0 * pool.to_usd();
        total.standard_maintenance += pool.standard.1 * pool.to_usd();
        pools.push(report);
    }
    total.saving = total.standard_initial - total.initial;
    let cross_asset = cross_asset_offsets(&pools, &session.market);
    let account = match &session.account {
        Some(input) => Some(crate::account::account_report(
            book,
            &session.market,
            model,
            input,
        )?),
        None => None,
    };
    let report = Report {
        as_of: session.market.as_of_text.clone(),
        model: ModelReport {
            name: model.name.clone(),
            params: model.params_json.clone(),
        },
        market: MarketReport {
            source: session.market_source,
            description: session.market.description.clone(),
            index: session
                .market
                .underlyings
                .iter()
                .map(|(k, u)| (k.clone(), u.index))
                .collect(),
        },
        positions,
        greeks,
        margin: MarginReport {
            pools,
            total_usd: total,
            cross_asset,
        },
        account,
        warnings: session.warnings.clone(),
    };
    check_finite(&report)?;
    Ok(report)
}

/// SPEC §3.5 for every settlement currency with several underlyings, and for all pools together.
fn cross_asset_offsets(
    pools: &[PoolReport],
    market: &crate::market::Market,
) -> Vec<CrossAssetOffset> {
    let mut groups: BTreeMap<String, BTreeMap<String, f64>> = BTreeMap::new();
    for p in pools {
        *groups
            .entry(p.currency.clone())
            .or_default()
            .entry(p.underlying.clone())
            .or_default() += p.initial_usd;
        *groups
            .entry("ALL".into())
            .or_default()
            .entry(p.underlying.clone())
            .or_default() += p.initial_usd;
    }
    groups
        .into_iter()
        .filter(|(_, by)| by.len() >= 2)
        .map(|(group, by)| {
            let (underlyings, margins): (Vec<String>, Vec<f64>) = by.into_iter().unzip();
            let mut missing = Vec::new();
            let mut total = 0.0;
            for (i, a) in underlyings.iter().enumerate() {
                for (j, b) in underlyings.iter().enumerate() {
                    let rho = market.correlation(a, b).unwrap_or_else(|| {
                        if i < j {
                            missing.push(format!("{a}/{b}"));
                        }
                        1.0
                    });
                    total += rho.max(0.0) * margins[i] * margins[j];
                }
            }
            let sum: f64 = margins.iter().sum();
            let largest = margins.iter().copied().fold(0.0, f64::max);
            let offset = total.max(0.0).sqrt().max(largest).min(sum);
            CrossAssetOffset {
                group,
                underlyings,
                margins,
                sum,
                offset,
                saving: sum - offset,
                missing_correlations: missing,
            }
        })
        .collect()
}

fn position_report(
    p: &ValuedPosition,
    standard_initial: f64,
    standard_maintenance: f64,
) -> PositionReport {
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
        standard_margin: StandardMargin {
            initial: standard_initial,
            maintenance: standard_maintenance,
        },
        attribution: None,
        line: p.input.line,
    }
}

/// Guard: a report never carries NaN or Infinity. A non-finite figure is a bug or an input far
/// outside any market; either way the caller gets an error rather than a wrong number.
fn check_finite(report: &Report) -> Result<()> {
    let bad = |what: String| {
        Err(Error::new(
            ErrorCode::Numeric,
            format!("{what} is not a finite number; check the inputs for extreme values"),
        ))
    };
    let g_ok = |g: &PositionGreeks| {
        [
            g.delta,
            g.delta_usd,
            g.gamma,
            g.gamma_usd_1pct,
            g.vega,
            g.theta,
            g.rho,
            g.vanna,
            g.volga,
        ]
        .iter()
        .all(|v| v.is_finite())
            && [g.delta_coin_account, g.vega_coin, g.theta_coin, g.rho_coin]
                .iter()
                .flatten()
                .all(|v| v.is_finite())
    };
    for p in &report.positions {
        if !([
            p.quantity,
            p.quantity_coin,
            p.mark,
            p.mark_usd,
            p.forward,
            p.value_usd,
            p.value,
            p.standard_margin.initial,
            p.standard_margin.maintenance,
        ]
        .iter()
        .all(|v| v.is_finite())
            && g_ok(&p.greeks)
            && p.iv.is_none_or(f64::is_finite))
        {
            return bad(format!("a figure of {}", p.instrument));
        }
    }
    for (u, g) in &report.greeks {
        if !g_ok(&g.total) {
            return bad(format!("the Greeks of {u}"));
        }
    }
    for pool in &report.margin.pools {
        let mut all = vec![
            pool.initial,
            pool.maintenance,
            pool.standard.initial,
            pool.standard.maintenance,
            pool.initial_usd,
            pool.maintenance_usd,
        ];
        all.extend(pool.worst_case);
        all.extend(pool.roll_shock);
        all.extend(pool.delta_shock);
        if let Some(m) = &pool.risk_matrix {
            all.extend(m.pnl.iter().flatten());
        }
        if let Some(e) = &pool.extended {
            all.extend(&e.pnl);
        }
        if !all.iter().all(|v| v.is_finite()) {
            return bad(format!("the margin of pool {}", pool.pool));
        }
    }
    if let Some(a) = &report.account {
        let mut all = vec![a.equity, a.initial, a.maintenance, a.available_funds];
        all.extend(a.margin_ratio);
        for c in &a.currencies {
            all.extend([
                c.collateral,
                c.equity,
                c.initial,
                c.maintenance,
                c.available_funds,
                c.equity_usd,
            ]);
        }
        for l in a.liquidation.values() {
            all.extend(l.down.iter().chain(l.up.iter()));
        }
        if !all.iter().all(|v| v.is_finite()) {
            return bad("an account figure".into());
        }
    }
    let t = &report.margin.total_usd;
    if ![
        t.initial,
        t.maintenance,
        t.standard_initial,
        t.standard_maintenance,
    ]
    .iter()
    .all(|v| v.is_finite())
    {
        return bad("the total margin".into());
    }
    Ok(())
}

/// Inputs of a single-option calculation (`priceOption`, `impliedVol`).
#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OptionQuery {
    pub forward: f64,
    pub strike: f64,
    pub t_years: f64,
    #[serde(default)]
    pub sigma: Option<f64>,
    #[serde(default)]
    pub price: Option<f64>,
    #[serde(default)]
    pub rate: Option<f64>,
    pub call_put: crate::instrument::OptionType,
    #[serde(default)]
    pub settlement: Option<Settlement>,
}

fn option_query(json: &str) -> Result<OptionQuery> {
    let v = parse_json(json, "the option")?;
    let o = crate::json::Obj::new(
        &v,
        "",
        &[
            "forward",
            "strike",
            "tYears",
            "sigma",
            "price",
            "rate",
            "callPut",
            "settlement",
        ],
    )?;
    let q = OptionQuery {
        forward: o.f64("forward")?,
        strike: o.f64("strike")?,
        t_years: o.f64("tYears")?,
        sigma: o.opt_f64("sigma")?,
        price: o.opt_f64("price")?,
        rate: o.opt_f64("rate")?,
        call_put: o.enum_of("callPut", &crate::instrument::OPTION_TYPE_NAMES)?,
        settlement: o.opt_enum("settlement", &crate::instrument::SETTLEMENT_NAMES)?,
    };
    crate::error::positive(q.forward, "forward")?;
    crate::error::positive(q.strike, "strike")?;
    crate::error::finite(q.t_years, "tYears")?;
    crate::error::finite(q.rate.unwrap_or(0.0), "rate")?;
    Ok(q)
}

/// Black-76 price and Greeks per 1 coin (docs/CONVENTIONS.md), as JSON text.
pub fn price_option_json(json: &str) -> Result<String> {
    Ok(price_option(json)?.to_string())
}

/// Black-76 price and Greeks per 1 coin (docs/CONVENTIONS.md).
pub fn price_option(json: &str) -> Result<serde_json::Value> {
    let q = option_query(json)?;
    let sigma = q
        .sigma
        .ok_or_else(|| Error::at_path(ErrorCode::BadNumber, "sigma", "sigma is required"))?;
    if !(sigma.is_finite() && sigma > 0.0 && sigma <= 20.0) {
        return Err(Error::at_path(
            ErrorCode::BadNumber,
            "sigma",
            "sigma must be in (0, 20]",
        ));
    }
    if !(q.t_years > 0.0) {
        return Err(Error::at_path(
            ErrorCode::NoTimeLeft,
            "tYears",
            "tYears must be positive",
        ));
    }
    let is_call = q.call_put == crate::instrument::OptionType::Call;
    let g = crate::black76::greeks(
        q.forward,
        q.strike,
        q.t_years,
        sigma,
        q.rate.unwrap_or(0.0),
        is_call,
    );
    let mut out = serde_json::json!({
        "price": g.price, "delta": g.delta, "gamma": g.gamma, "vega": g.vega, "theta": g.theta,
        "rho": g.rho, "vanna": g.vanna, "volga": g.volga,
    });
    if q.settlement == Some(Settlement::Inverse) {
        out["priceCoin"] = (g.price / q.forward).into();
        out["deltaCoinAccount"] = (g.delta - g.price / q.forward).into();
        out["vegaCoin"] = (g.vega / q.forward).into();
        out["thetaCoin"] = (g.theta / q.forward).into();
    }
    if ![
        g.price, g.delta, g.gamma, g.vega, g.theta, g.rho, g.vanna, g.volga,
    ]
    .iter()
    .all(|v| v.is_finite())
    {
        return Err(Error::new(
            ErrorCode::Numeric,
            "the inputs are too extreme for a finite result",
        ));
    }
    Ok(out)
}

/// Implied volatility from a price (USD, or coin when `settlement` is inverse).
pub fn implied_vol_json(json: &str) -> Result<f64> {
    let q = option_query(json)?;
    let price = q
        .price
        .ok_or_else(|| Error::at_path(ErrorCode::BadNumber, "price", "price is required"))?;
    crate::error::finite(price, "price")?;
    let price_usd = if q.settlement == Some(Settlement::Inverse) {
        price * q.forward
    } else {
        price
    };
    let is_call = q.call_put == crate::instrument::OptionType::Call;
    crate::black76::implied_vol(
        price_usd,
        q.forward,
        q.strike,
        q.t_years,
        q.rate.unwrap_or(0.0),
        is_call,
    )
}
