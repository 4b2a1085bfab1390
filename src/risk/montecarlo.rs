//! Monte Carlo joint scenarios (SPEC §4): log-returns over the horizon from the Cholesky factor of
//! the market's correlations, normal or multivariate Student-t shocks (capped at ±10 standard
//! deviations), an optional spot–vol link, and every item revalued at `asOf + horizon`.
//!
//! Revaluation. Every item's scenario P&L depends on its own underlying's log-return only (the
//! vol link is a function of it too), so by default each item is revalued exactly on a fine
//! uniform grid of that log-return spanning the simulated range (`GRID_NODES` nodes), and each
//! path reads it by Catmull-Rom interpolation. Interpolation is linear in the node values, so the
//! per-item figures sum exactly to the account's, and the ES contributions sum to the ES.
//! `"revaluation": "full"` revalues every item in every path instead (the check of the grid).
//!
//! Random numbers: xoshiro256++ (`rand_xoshiro`), normals by `rand_distr`'s ziggurat, the
//! Student-t mixing variable by its chi-squared: the same stream natively and in WebAssembly.

use crate::error::{Error, ErrorCode, Result, Warning, WarningCode};
use crate::input::analysis::{Revaluation, Seed, Tails, VarInput};
use crate::risk::correlation::cholesky;
use crate::risk::types::VarReport;
use crate::risk::{sample_report, ItemPnl, Revalued, RiskBook, Sample};
use rand_distr::{ChiSquared, Distribution, StandardNormal};
use rand_xoshiro::rand_core::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

/// Nodes of the revaluation grid per underlying.
pub const GRID_NODES: usize = 401;
/// An option whose remaining standard deviation at the horizon, `σ·sqrt(T − h)`, is below this
/// many grid spacings (or which expires within the horizon) is revalued in every path instead:
/// its P&L has a kink (intrinsic value) or nearly one, which the grid would smooth.
pub const EXACT_BELOW_SPACINGS: f64 = 20.0;
/// Shocks are capped at this many standard deviations (keeps every ES finite under fat tails).
pub const SHOCK_CAP_SD: f64 = 10.0;

/// The seed to use: the request's, or a fresh one from the platform's generator.
fn seed_of(var: &VarInput, warnings: &mut Vec<Warning>) -> Result<u64> {
    match var.seed {
        Seed::Fixed(s) => Ok(s),
        Seed::Fresh => {
            let mut bytes = [0u8; 8];
            getrandom::fill(&mut bytes).map_err(|e| {
                Error::at_path(
                    ErrorCode::BadRequest,
                    "analysis.var.seed",
                    format!(
                        "analysis.var.seed: no fresh seed from the platform ({e}); give a seed"
                    ),
                )
            })?;
            warnings.push(Warning {
                code: WarningCode::FreshSeed,
                message: "Monte Carlo from a fresh seed: the figures change from run to run; var.seed is the one used".into(),
                line: None,
                path: Some("analysis.var.seed".into()),
            });
            Ok(u64::from_le_bytes(bytes))
        }
    }
}

/// Log-returns per underlying and path: `x = −σ²h/730 + σ·sqrt(h/365)·(L·z)`, z normal or
/// multivariate t scaled to unit variance, `L·z` capped at ±10.
pub fn simulate(l: &[Vec<f64>], sigmas: &[f64], var: &VarInput, seed: u64) -> Vec<Vec<f64>> {
    let (n, paths) = (sigmas.len(), var.paths);
    let years = var.horizon_days / 365.0;
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let chi = match var.tails {
        Tails::StudentT(nu) => Some((ChiSquared::new(nu).expect("ν > 2 checked on input"), nu)),
        Tails::Normal => None,
    };
    let mut x = vec![vec![0.0; paths]; n];
    let mut z = vec![0.0; n];
    for p in 0..paths {
        for zi in z.iter_mut() {
            *zi = StandardNormal.sample(&mut rng);
        }
        let scale = match &chi {
            Some((chi, nu)) => ((nu - 2.0) / chi.sample(&mut rng)).sqrt(),
            None => 1.0,
        };
        for i in 0..n {
            let y: f64 = (0..=i).map(|k| l[i][k] * z[k]).sum::<f64>() * scale;
            let y = y.clamp(-SHOCK_CAP_SD, SHOCK_CAP_SD);
            let s = sigmas[i];
            x[i][p] = -s * s * years / 2.0 + s * years.sqrt() * y;
        }
    }
    x
}

/// Catmull-Rom weights of the point `t` (in node units, 0 ≤ t ≤ g − 1) on a uniform grid of `g`
/// nodes; the end intervals use linear ghost nodes. Linear in the node values.
#[inline]
pub fn stencil(t: f64, g: usize) -> [(usize, f64); 4] {
    let i = (t.floor().max(0.0) as usize).min(g - 2);
    let u = t - i as f64;
    let (u2, u3) = (u * u, u * u * u);
    let c = [
        (-u3 + 2.0 * u2 - u) * 0.5,
        (3.0 * u3 - 5.0 * u2 + 2.0) * 0.5,
        (-3.0 * u3 + 4.0 * u2 + u) * 0.5,
        (u3 - u2) * 0.5,
    ];
    let mut w = [
        (i.saturating_sub(1), c[0]),
        (i, c[1]),
        (i + 1, c[2]),
        ((i + 2).min(g - 1), c[3]),
    ];
    if i == 0 {
        // f(−1) = 2 f(0) − f(1)
        w[0] = (0, 0.0);
        w[1].1 += 2.0 * c[0];
        w[2].1 -= c[0];
    }
    if i + 2 == g {
        // f(g) = 2 f(g−1) − f(g−2)
        w[3] = (g - 1, 0.0);
        w[2].1 += 2.0 * c[3];
        w[1].1 -= c[3];
    }
    w
}

/// The revalued paths.
struct Paths<'a, 'b> {
    book: &'a RiskBook<'b>,
    /// Log-return per underlying and path.
    x: Vec<Vec<f64>>,
    years: f64,
    beta: f64,
    /// Grid per underlying: (x of node 0, node spacing); `None` in full revaluation.
    grid: Option<Vec<(f64, f64)>>,
    revalued: Revalued,
    /// Each item's P&L at the horizon, prepared once.
    evals: Vec<ItemPnl>,
    /// The move at every grid node, per underlying (empty in full revaluation).
    node_moves: Vec<Vec<Move>>,
}

/// A move of an underlying: its log-return, `e^x` and the vol multiplier `e^{βx}`.
#[derive(Clone, Copy)]
struct Move {
    x: f64,
    s_mult: f64,
    vol_mult: f64,
}

impl Move {
    fn new(x: f64, beta: f64) -> Move {
        Move {
            x,
            s_mult: libm::exp(x),
            vol_mult: libm::exp(beta * x),
        }
    }
}

impl Paths<'_, '_> {
    /// Whether item `i` is read from its underlying's grid (else revalued in every path).
    fn on_grid(&self, i: usize) -> bool {
        let (Some(grid), item) = (&self.grid, &self.book.items[i]) else {
            return false;
        };
        let dx = item.underlying.map_or(0.0, |u| grid[u].1);
        item.position.is_none_or(|p| {
            let t_left = p.t_years - self.years;
            p.input.instrument.kind != crate::input::instrument::Kind::Option
                || p.expired
                || t_left > 0.0
                    && p.sigma.unwrap_or(0.0) * t_left.sqrt() >= EXACT_BELOW_SPACINGS * dx
        })
    }

    #[inline]
    fn item_pnl_at(&self, item: usize, x: f64) -> f64 {
        self.item_pnl_moved(item, &Move::new(x, self.beta))
    }

    #[inline]
    fn item_pnl_moved(&self, item: usize, m: &Move) -> f64 {
        self.evals[item].pnl_usd(m.s_mult, m.x, m.vol_mult)
    }

    fn node_x(&self, u: usize, g: usize) -> f64 {
        let (x0, dx) = self.grid.as_ref().expect("grid")[u];
        x0 + dx * g as f64
    }
}

impl Sample for Paths<'_, '_> {
    fn revalued(&self) -> &Revalued {
        &self.revalued
    }
    fn item_tail_pnl(&self, tail: &[(usize, f64)]) -> Vec<f64> {
        let items = &self.book.items;
        let Some(grid) = &self.grid else {
            return (0..items.len())
                .map(|i| match items[i].underlying {
                    Some(u) => tail
                        .iter()
                        .map(|&(p, w)| w * self.item_pnl_at(i, self.x[u][p]))
                        .sum(),
                    None => 0.0,
                })
                .collect();
        };
        // the tail's weight on every node of each underlying, then each item at those nodes only
        let mut node_weight = vec![vec![0.0; GRID_NODES]; grid.len()];
        for (u, &(x0, dx)) in grid.iter().enumerate() {
            for &(p, w) in tail {
                for (g, c) in stencil((self.x[u][p] - x0) / dx, GRID_NODES) {
                    node_weight[u][g] += w * c;
                }
            }
        }
        (0..items.len())
            .map(|i| match items[i].underlying {
                Some(u) if !self.on_grid(i) => tail
                    .iter()
                    .map(|&(p, w)| w * self.item_pnl_at(i, self.x[u][p]))
                    .sum(),
                Some(u) => node_weight[u]
                    .iter()
                    .enumerate()
                    .filter(|(_, w)| **w != 0.0)
                    .map(|(g, w)| w * self.item_pnl_moved(i, &self.node_moves[u][g]))
                    .sum(),
                None => 0.0,
            })
            .collect()
    }
}

/// Revalue the account along simulated log-returns `x` (per underlying and path).
fn revalue<'a, 'b>(
    book: &'a RiskBook<'b>,
    x: Vec<Vec<f64>>,
    var: &VarInput,
    progress: &mut dyn FnMut(f64),
) -> Paths<'a, 'b> {
    let nu = book.underlyings.len();
    let paths = x.first().map_or(0, Vec::len);
    let mut out = Paths {
        book,
        x,
        years: var.horizon_days / 365.0,
        beta: var.spot_vol_beta,
        grid: None,
        revalued: Revalued::new(nu, paths, None),
        evals: book
            .items
            .iter()
            .map(|it| match it.underlying {
                Some(u) => it.at_horizon(book.index[u], var.horizon_days / 365.0),
                None => ItemPnl::Zero,
            })
            .collect(),
        node_moves: Vec::new(),
    };
    // every path's move, per underlying, once (not per item)
    let moves = |out: &Paths| -> Vec<Vec<Move>> {
        out.x
            .iter()
            .map(|xs| xs.iter().map(|&x| Move::new(x, out.beta)).collect())
            .collect()
    };
    let items = book.items.len().max(1);
    match var.revaluation {
        Revaluation::Full => {
            let moves = moves(&out);
            for (i, item) in book.items.iter().enumerate() {
                if let Some(u) = item.underlying {
                    for (p, m) in moves[u].iter().enumerate() {
                        let pnl = out.item_pnl_moved(i, m);
                        out.revalued.by_underlying[u][p] += pnl;
                    }
                }
                if i % 16 == 0 {
                    progress(0.9 * i as f64 / items as f64);
                }
            }
        }
        Revaluation::Grid => {
            let grid: Vec<(f64, f64)> = out
                .x
                .iter()
                .map(|xs| {
                    let lo = xs.iter().copied().fold(f64::INFINITY, f64::min);
                    let hi = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                    let pad = 1e-9 + (hi - lo) * 1e-6;
                    (lo - pad, (hi - lo + 2.0 * pad) / (GRID_NODES - 1) as f64)
                })
                .collect();
            out.grid = Some(grid);
            let mut nodes = vec![vec![0.0; GRID_NODES]; nu];
            let mut exact = vec![vec![0.0; paths]; nu];
            out.node_moves = (0..nu)
                .map(|u| {
                    (0..GRID_NODES)
                        .map(|g| Move::new(out.node_x(u, g), out.beta))
                        .collect()
                })
                .collect();
            let any_exact = book
                .items
                .iter()
                .enumerate()
                .any(|(i, it)| it.underlying.is_some() && !out.on_grid(i));
            let path_moves = if any_exact { moves(&out) } else { Vec::new() };
            for (i, item) in book.items.iter().enumerate() {
                if let Some(u) = item.underlying.filter(|_| !out.on_grid(i)) {
                    for (e, m) in exact[u].iter_mut().zip(&path_moves[u]) {
                        *e += out.item_pnl_moved(i, m);
                    }
                } else if let Some(u) = item.underlying {
                    for (node, m) in nodes[u].iter_mut().zip(&out.node_moves[u]) {
                        *node += out.item_pnl_moved(i, m);
                    }
                }
                if i % 16 == 0 {
                    progress(0.9 * i as f64 / items as f64);
                }
            }
            let grid = out.grid.as_ref().expect("grid");
            for u in 0..nu {
                let (x0, dx) = grid[u];
                for p in 0..paths {
                    out.revalued.by_underlying[u][p] = exact[u][p]
                        + stencil((out.x[u][p] - x0) / dx, GRID_NODES)
                            .iter()
                            .map(|&(g, c)| c * nodes[u][g])
                            .sum::<f64>();
                }
            }
        }
    }
    out.revalued.sum();
    progress(0.95);
    out
}

/// Documented bound: paths × items (positions and collateral coins) of one Monte Carlo run. Each
/// path reads every item's P&L (and revalues the options near a kink), so above it a run would not
/// answer within 2 s natively and 3 s in WebAssembly (10 000 paths on 20 000 positions: 2.0–7 s,
/// es-margin on them 4.1 s).
pub const MAX_PATH_ITEMS: usize = 50_000_000;
/// The same bound with `"revaluation": "full"` (a full option revaluation per path and position;
/// 10 000 paths on 1 000 positions took 1.3 s in WebAssembly).
pub const MAX_PATH_ITEMS_FULL: usize = 10_000_000;

/// `LIMIT_EXCEEDED` at `path` when `paths × items` is over [`MAX_PATH_ITEMS`].
pub fn check_work(paths: usize, items: usize, path: &str) -> Result<()> {
    check_work_at(paths, items, path, MAX_PATH_ITEMS, "5·10⁷")
}

fn check_work_at(paths: usize, items: usize, path: &str, max: usize, shown: &str) -> Result<()> {
    if paths.saturating_mul(items) > max {
        return Err(crate::error::Error::at_path(
            crate::error::ErrorCode::LimitExceeded,
            path,
            format!("{path}: {paths} paths × {items} positions is more than the limit of {max} path revaluations ({shown}): fewer paths or a smaller book"),
        ));
    }
    Ok(())
}

/// Monte Carlo VaR/ES of the account (SPEC §4).
pub fn run(
    book: &RiskBook,
    var: &VarInput,
    warnings: &mut Vec<Warning>,
    progress: &mut dyn FnMut(f64),
) -> Result<VarReport> {
    match var.revaluation {
        Revaluation::Grid => check_work(var.paths, book.items.len(), "analysis.var.paths")?,
        Revaluation::Full => check_work_at(
            var.paths,
            book.items.len(),
            "analysis.var.paths",
            MAX_PATH_ITEMS_FULL,
            "10⁷ with full revaluation",
        )?,
    }
    let sigmas = book.sigmas("analysis.var")?;
    let c = book.correlation_matrix();
    let l = cholesky(&c, &book.underlyings)?;
    let seed = seed_of(var, warnings)?;
    let x = simulate(&l, &sigmas, var, seed);
    let paths = revalue(book, x, var, progress);
    let mut report = VarReport::new("monte-carlo", var);
    report.seed = Some(seed);
    report.tails = Some(match var.tails {
        Tails::Normal => "normal".into(),
        Tails::StudentT(nu) => format!("studentT({nu})"),
    });
    report.revaluation = Some(match var.revaluation {
        Revaluation::Grid => "grid",
        Revaluation::Full => "full",
    });
    report.delta_normal_var_usd =
        crate::risk::delta_gamma::delta_normal_var(book, &sigmas, &c, var);
    Ok(sample_report(book, &paths, var, report))
}

/// The ES of the account's P&L over Monte Carlo paths (the `es-margin` model, SPEC §3.6), with
/// the same engine as [`run`].
pub fn expected_shortfall(book: &RiskBook, var: &VarInput) -> Result<f64> {
    let sigmas = book.sigmas("model")?;
    let l = cholesky(&book.correlation_matrix(), &book.underlyings)?;
    let seed = match var.seed {
        Seed::Fixed(s) => s,
        Seed::Fresh => 42,
    };
    let x = simulate(&l, &sigmas, var, seed);
    let paths = revalue(book, x, var, &mut |_| {});
    let losses: Vec<f64> = paths.revalued.total.iter().map(|p| -p).collect();
    let alpha = 1.0 - var.es_confidence;
    Ok(crate::risk::estimators::estimate(&losses, None, alpha, alpha).es)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stencil_reproduces_cubics_inside_and_lines_at_the_ends() {
        let g = 11;
        let f = |x: f64| 0.3 * x * x * x - x * x + 2.0 * x - 1.0;
        let nodes: Vec<f64> = (0..g).map(|i| f(i as f64)).collect();
        for t in [2.0, 3.25, 5.5, 7.9] {
            let v: f64 = stencil(t, g).iter().map(|&(i, c)| c * nodes[i]).sum();
            // Catmull-Rom is exact for quadratics; for a cubic the error is small and bounded
            assert!((v - f(t)).abs() < 0.1, "{t}: {v} vs {}", f(t));
        }
        let line: Vec<f64> = (0..g).map(|i| 3.0 * i as f64 - 2.0).collect();
        for t in [0.0, 0.3, 9.7, 10.0] {
            let v: f64 = stencil(t, g).iter().map(|&(i, c)| c * line[i]).sum();
            assert!((v - (3.0 * t - 2.0)).abs() < 1e-12, "{t}: {v}");
        }
        for t in [0.0, 0.5, 4.2, 10.0] {
            let s: f64 = stencil(t, g).iter().map(|w| w.1).sum();
            assert!((s - 1.0).abs() < 1e-12);
        }
    }
}
