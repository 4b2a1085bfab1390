//! Historical simulation (SPEC §4): the user's aligned daily returns (oldest first), overlapping
//! compounded h-day windows, optional relative vol changes and Hull's age weights, every item fully
//! revalued at `asOf + horizon` in every window.

use crate::error::{Error, ErrorCode, Result};
use crate::input::analysis::VarInput;
use crate::risk::types::VarReport;
use crate::risk::{sample_report, Revalued, RiskBook, Sample};

/// Most item revaluations of one historical run (windows × items): bounded time.
pub const MAX_REVALUATIONS: usize = 5_000_000;

/// Compounded overlapping windows of `h` days: `Π (1 + r) − 1` over days t … t+h−1.
pub fn windows(daily: &[f64], h: usize) -> Vec<f64> {
    if daily.len() < h {
        return Vec::new();
    }
    (0..=daily.len() - h)
        .map(|t| daily[t..t + h].iter().fold(1.0, |acc, r| acc * (1.0 + r)) - 1.0)
        .collect()
}

/// Hull's age weights of `n` scenarios (the newest last): `λ^(n−i)(1−λ)/(1−λⁿ)`.
pub fn age_weights(n: usize, lambda: f64) -> Vec<f64> {
    let norm = (1.0 - lambda) / (1.0 - lambda.powi(n as i32));
    (1..=n)
        .map(|i| lambda.powi((n - i) as i32) * norm)
        .collect()
}

struct Windows<'a, 'b> {
    book: &'a RiskBook<'b>,
    /// Price and vol multipliers per underlying and window.
    s_mult: Vec<Vec<f64>>,
    vol_mult: Vec<Vec<f64>>,
    years: f64,
    revalued: Revalued,
}

impl Windows<'_, '_> {
    fn item_pnl(&self, item: usize, window: usize) -> f64 {
        let it = &self.book.items[item];
        match it.underlying {
            Some(u) => it.pnl(
                self.book.index[u],
                self.s_mult[u][window],
                self.vol_mult[u][window],
                self.years,
            ),
            None => 0.0,
        }
    }
}

impl Sample for Windows<'_, '_> {
    fn revalued(&self) -> &Revalued {
        &self.revalued
    }
    fn item_tail_pnl(&self, tail: &[(usize, f64)]) -> Vec<f64> {
        (0..self.book.items.len())
            .map(|i| tail.iter().map(|&(s, w)| w * self.item_pnl(i, s)).sum())
            .collect()
    }
}

/// Historical VaR/ES of the account (SPEC §4).
pub fn run(book: &RiskBook, var: &VarInput, progress: &mut dyn FnMut(f64)) -> Result<VarReport> {
    let h = var.horizon_days as usize;
    let mut s_mult = Vec::new();
    let mut vol_mult = Vec::new();
    for u in &book.underlyings {
        let daily = var.returns.get(u).ok_or_else(|| {
            Error::at_path(
                ErrorCode::MissingMarket,
                "analysis.var.returns",
                format!("analysis.var.returns: the book moves with {u}, but there are no returns for {u}"),
            )
        })?;
        s_mult.push(
            windows(daily, h)
                .iter()
                .map(|r| 1.0 + r)
                .collect::<Vec<_>>(),
        );
        vol_mult.push(match var.vol_returns.get(u) {
            Some(v) if v.len() != daily.len() => {
                return Err(Error::at_path(
                    ErrorCode::BadRequest,
                    format!("analysis.var.volReturns.{u}"),
                    format!("analysis.var.volReturns.{u}: {} days, but returns.{u} has {}: they must be aligned", v.len(), daily.len()),
                ))
            }
            Some(v) => windows(v, h).iter().map(|r| 1.0 + r).collect(),
            None => vec![1.0; s_mult[s_mult.len() - 1].len()],
        });
    }
    let n = s_mult.first().map_or_else(
        || {
            var.returns
                .values()
                .next()
                .map_or(0, |r| (r.len() + 1).saturating_sub(h))
        },
        Vec::len,
    );
    if n == 0 {
        return Err(Error::at_path(
            ErrorCode::BadRequest,
            "analysis.var.returns",
            format!("analysis.var.returns: a {h}-day horizon needs at least {h} days of returns"),
        ));
    }
    if n.saturating_mul(book.items.len()) > MAX_REVALUATIONS {
        return Err(Error::at_path(
            ErrorCode::LimitExceeded,
            "analysis.var.returns",
            format!("analysis.var.returns: {n} windows × {} positions is more than {MAX_REVALUATIONS} revaluations", book.items.len()),
        ));
    }
    let nu = book.underlyings.len();
    let mut w = Windows {
        book,
        s_mult,
        vol_mult,
        years: var.horizon_days / 365.0,
        revalued: Revalued::new(nu, n, var.lambda.map(|l| age_weights(n, l))),
    };
    for i in 0..book.items.len() {
        if let Some(u) = book.items[i].underlying {
            for s in 0..n {
                let pnl = w.item_pnl(i, s);
                w.revalued.by_underlying[u][s] += pnl;
            }
        }
        if i % 16 == 0 {
            progress(0.9 * i as f64 / book.items.len() as f64);
        }
    }
    w.revalued.sum();
    let mut report = VarReport::new("historical", var);
    report.lambda = var.lambda;
    let sigmas = book.sigmas("analysis.var");
    if let Ok(sigmas) = sigmas {
        report.delta_normal_var_usd = crate::risk::delta_gamma::delta_normal_var(
            book,
            &sigmas,
            &book.correlation_matrix(),
            var,
        );
    }
    Ok(sample_report(book, &w, var, report))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_compound_and_weights_sum_to_one() {
        let w = windows(&[0.1, -0.1, 0.2], 2);
        assert_eq!(w.len(), 2);
        assert!((w[0] - (1.1 * 0.9 - 1.0)).abs() < 1e-15);
        assert!((w[1] - (0.9 * 1.2 - 1.0)).abs() < 1e-15);
        assert!(windows(&[0.1], 2).is_empty());
        let a = age_weights(500, 0.995);
        assert!((a.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert!((a[493] - 0.005283).abs() < 5e-7, "{}", a[493]);
    }
}
