//! Payoff curves (SPEC §4): per underlying, the USD P&L of its positions against today's marks
//! along the index price, at a date (default the first expiry of that underlying's positions)
//! and today; breakevens by bracketing and bisection, extremes and unboundedness.

use crate::error::{Error, ErrorCode, Result};
use crate::input::analysis::PayoffInput;
use crate::risk::types::PayoffCurve;
use crate::risk::{Item, RiskBook};
use crate::time::{format_instant, Date, SECONDS_PER_YEAR};
use std::collections::BTreeMap;

/// Relative precision of a breakeven price.
const BREAKEVEN_TOL: f64 = 1e-9;
/// Slope (USD per USD of index, i.e. coin) above which the top of the grid counts as unbounded.
const SLOPE_TOL: f64 = 1e-7;

fn pnl(items: &[&Item], index: f64, price: f64, years: f64) -> f64 {
    items
        .iter()
        .map(|it| it.pnl(index, price / index, 1.0, years))
        .sum()
}

/// Breakevens of `f` on the grid: exact zeros at nodes, and every sign change refined by bisection.
fn breakevens(prices: &[f64], values: &[f64], f: &dyn Fn(f64) -> f64) -> Vec<f64> {
    let mut out = Vec::new();
    for i in 0..prices.len() {
        if values[i] == 0.0 {
            if i == 0 || values[i - 1] != 0.0 {
                out.push(prices[i]);
            }
            continue;
        }
        if i + 1 < prices.len()
            && values[i + 1] != 0.0
            && (values[i] < 0.0) != (values[i + 1] < 0.0)
        {
            let (mut lo, mut hi, lo_neg) = (prices[i], prices[i + 1], values[i] < 0.0);
            for _ in 0..200 {
                if hi - lo <= BREAKEVEN_TOL * hi {
                    break;
                }
                let mid = 0.5 * (lo + hi);
                if (f(mid) < 0.0) == lo_neg {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            out.push(0.5 * (lo + hi));
        }
    }
    out
}

/// The payoff of one underlying's positions.
fn curve(items: &[&Item], index: f64, at: (String, f64), input: &PayoffInput) -> PayoffCurve {
    let (at_text, years) = at;
    let n = input.points;
    let (lo, hi) = input.range;
    let prices: Vec<f64> = (0..n)
        .map(|i| index * (lo + (hi - lo) * i as f64 / (n - 1) as f64))
        .collect();
    let at_curve: Vec<f64> = prices
        .iter()
        .map(|&p| pnl(items, index, p, years))
        .collect();
    let today: Vec<f64> = prices.iter().map(|&p| pnl(items, index, p, 0.0)).collect();
    let f = |p: f64| pnl(items, index, p, years);
    let at_zero = f(index * 1e-12);
    let max = at_curve.iter().copied().fold(at_zero, f64::max);
    let min = at_curve.iter().copied().fold(at_zero, f64::min);
    let slope = (at_curve[n - 1] - at_curve[n - 2]) / (prices[n - 1] - prices[n - 2]);
    PayoffCurve {
        at: at_text,
        index,
        breakevens: breakevens(&prices, &at_curve, &f),
        max_gain_usd: max.max(0.0),
        max_loss_usd: (-min).max(0.0),
        unbounded_gain: slope > SLOPE_TOL,
        unbounded_loss: slope < -SLOPE_TOL,
        prices,
        pnl_at_usd: at_curve,
        pnl_today_usd: today,
    }
}

/// Payoff curves of every underlying of the book (or the one asked for).
/// Documented bound: payoff points × positions (each point revalues every position twice, at the
/// date and today); above it the curves would not answer within 2 s natively and 3 s in
/// WebAssembly (201 points on 20 000 positions: 2.2–5.8 s).
pub const MAX_POINT_ITEMS: usize = 2_000_000;

pub fn run(book: &RiskBook, input: &PayoffInput) -> Result<BTreeMap<String, PayoffCurve>> {
    let market = book.market;
    if input.points.saturating_mul(book.items.len()) > MAX_POINT_ITEMS {
        return Err(Error::at_path(
            ErrorCode::LimitExceeded,
            "analysis.payoff.points",
            format!(
                "analysis.payoff.points: {} points × {} positions is more than the limit of {MAX_POINT_ITEMS} revaluations (2·10⁶): fewer points, one underlying, or a smaller book",
                input.points,
                book.items.len()
            ),
        ));
    }
    if let Some(u) = &input.underlying {
        if !book.underlyings.contains(u) {
            return Err(Error::at_path(
                ErrorCode::BadRequest,
                "analysis.payoff.underlying",
                format!(
                    "analysis.payoff.underlying: the book has no positions in {u} (it has {})",
                    book.underlyings.join(", ")
                ),
            ));
        }
    }
    if let Some((_, ts)) = input.at {
        if ts < market.as_of {
            return Err(Error::at_path(
                ErrorCode::BadDate,
                "analysis.payoff.at",
                "analysis.payoff.at: the date is before the market's asOf",
            ));
        }
    }
    let mut out = BTreeMap::new();
    for (u, name) in book.underlyings.iter().enumerate() {
        if input.underlying.as_ref().is_some_and(|w| w != name) {
            continue;
        }
        let items: Vec<&Item> = book
            .items
            .iter()
            .filter(|it| it.underlying == Some(u) && !it.is_collateral)
            .collect();
        if items.is_empty() {
            continue;
        }
        let first_expiry: Option<Date> = items
            .iter()
            .filter_map(|it| {
                it.position
                    .filter(|p| !p.expired)
                    .and_then(|p| p.input.instrument.expiry)
            })
            .min();
        let at = match (input.at, first_expiry) {
            (Some((d, ts)), _) => (d.iso(), ts),
            (None, Some(d)) => (d.iso(), d.expiry_timestamp()),
            (None, None) => (format_instant(market.as_of), market.as_of),
        };
        let years = (at.1 - market.as_of) / SECONDS_PER_YEAR;
        out.insert(
            name.clone(),
            curve(&items, book.index[u], (at.0, years), input),
        );
    }
    Ok(out)
}
