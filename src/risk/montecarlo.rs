//! Monte Carlo joint scenarios (SPEC §4): log-returns over the horizon from the Cholesky factor of
//! the market's correlations, normal or multivariate Student-t shocks (capped at ±10 standard
//! deviations), an optional spot–vol link, and every item revalued at `asOf + horizon`.
//!
//! Revaluation. Every item's scenario P&L depends on its own underlying's move only (the vol link
//! is a function of it too), so by default each item is revalued exactly on a grid of the index
//! multiplier `e^x` spanning the simulated range — a base of `GRID_NODES` nodes, or a coarser or
//! finer level chosen by how sharply the item's P&L bends ([`SPACINGS_PER_SCALE`]) — and each path
//! reads the sums by interpolation. Every step is linear in the node values, so the per-item
//! figures sum exactly to the account's, and the ES contributions sum to the ES.
//! `"revaluation": "full"` revalues every item in every path instead (the check of the grid).
//!
//! Random numbers: xoshiro256++ (`rand_xoshiro`), normals by `rand_distr`'s ziggurat, the
//! Student-t mixing variable by its chi-squared: the same stream natively and in WebAssembly.

use crate::collections::KeyTable;
use crate::error::{Error, ErrorCode, Result, Warning, WarningCode};
use crate::input::analysis::{Revaluation, Seed, Tails, VarInput};
use crate::risk::correlation::cholesky;
use crate::risk::types::VarReport;
use crate::risk::{sample_report, ItemPnl, Revalued, RiskBook, Sample};
use rand_distr::{ChiSquared, Distribution, StandardNormal};
use rand_xoshiro::rand_core::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

/// Nodes of the base revaluation grid per underlying: uniform in the index multiplier `e^x` over
/// the simulated range, so that every delta-one item (linear in the index) is read exactly.
pub const GRID_NODES: usize = 401;
/// Coarser levels: every 2nd, 4th, 8th and 16th base node, for options whose P&L is smooth on a
/// wider scale (long-dated); they are refined onto the base grid before the paths read it.
pub const COARSE_LEVELS: i32 = 4;
/// Finer levels: 2, 4 and 8 nodes per base spacing, for options nearer a kink (short-dated).
pub const FINE_LEVELS: i32 = 3;
const LEVELS: usize = (COARSE_LEVELS + FINE_LEVELS + 1) as usize;
/// An option sits on the coarsest level whose spacing is at most `1/SPACINGS_PER_SCALE` of the
/// scale on which its P&L bends: `σ·sqrt(T − h)` in log terms (with the vol link, also `1/|β|`),
/// times the lowest index multiplier of the range. An option that would need more nodes than
/// the finest level has, or than there are paths, or which expires within the horizon, is
/// revalued in every path instead (its P&L has a kink at the strike, which a grid would smooth).
pub const SPACINGS_PER_SCALE: f64 = 4.0;
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

/// Nodes of a grid level (`l` > 0 coarser, `l` < 0 finer than the base).
fn level_nodes(l: i32) -> usize {
    if l >= 0 {
        ((GRID_NODES - 1) >> l) + 1
    } else {
        ((GRID_NODES - 1) << -l) + 1
    }
}

/// `2^l`, exactly, for the levels' small `l` (no `exp2`: its table would add 4 KB of WebAssembly).
fn pow2(l: i32) -> f64 {
    if l >= 0 {
        (1u64 << l) as f64
    } else {
        1.0 / (1u64 << -l) as f64
    }
}

/// Slot of level `l` in the per-underlying arrays.
fn slot(l: i32) -> usize {
    (l + FINE_LEVELS) as usize
}

/// Where an item's scenario P&L comes from.
#[derive(Clone, Copy, PartialEq)]
enum Place {
    /// It never moves (a stablecoin, uncounted collateral).
    Skip,
    /// Revalued in every path.
    Exact,
    /// Read from its underlying's grid level.
    Level(i32),
}

/// The revalued paths.
struct Paths<'a, 'b> {
    book: &'a RiskBook<'b>,
    years: f64,
    beta: f64,
    /// Base grid per underlying: (index multiplier of node 0, node spacing, the vol multiplier's
    /// lowest value over the grid's range); `None` in full revaluation.
    grid: Option<Vec<(f64, f64, f64)>>,
    revalued: Revalued,
    /// Each item's P&L at the horizon, prepared once.
    evals: Vec<ItemPnl>,
    /// Each item's place (all `Exact` in full revaluation).
    place: Vec<Place>,
    /// The move at every node of every level in use, per underlying and level slot.
    node_moves: Vec<Vec<Vec<Move>>>,
    /// Every path's move, per underlying (grid revaluation).
    path_moves: Vec<Vec<Move>>,
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
            vol_mult: vol_mult(beta, x),
        }
    }

    /// The move to the index multiplier `s` (a grid node).
    fn to(s: f64, beta: f64) -> Move {
        let x = libm::log(s);
        Move {
            x,
            s_mult: s,
            vol_mult: vol_mult(beta, x),
        }
    }
}

/// An item's P&L at a move: the one place the Monte Carlo inlines the price kernel (every loop
/// calls it, so the WebAssembly holds one copy).
#[inline(never)]
fn pnl_moved(e: &ItemPnl, m: &Move) -> f64 {
    e.pnl_usd(m.s_mult, m.x, m.vol_mult)
}

/// `e^{βx}` (exactly 1 without a spot–vol link).
#[inline]
fn vol_mult(beta: f64, x: f64) -> f64 {
    if beta == 0.0 {
        1.0
    } else {
        libm::exp(beta * x)
    }
}

impl Paths<'_, '_> {
    /// Item `i`'s place on a grid whose base level is `(s0, ds)` (see [`SPACINGS_PER_SCALE`]).
    fn place_of(&self, i: usize, paths: usize) -> Place {
        let item = &self.book.items[i];
        let (Some(u), Some(grid)) = (item.underlying, &self.grid) else {
            return if item.underlying.is_none() {
                Place::Skip
            } else {
                Place::Exact
            };
        };
        if matches!(self.evals[i], ItemPnl::Zero) {
            return Place::Skip;
        }
        let Some(p) = item.position else {
            // a coin: linear in the index, exact on any level
            return Place::Level(COARSE_LEVELS);
        };
        if p.input.instrument.kind != crate::input::instrument::Kind::Option || p.expired {
            // delta-one (linear in the index) or settled
            return Place::Level(COARSE_LEVELS);
        }
        let t_left = p.t_years - self.years;
        if t_left <= 0.0 {
            return Place::Exact;
        }
        let (s0, ds, vol_low) = grid[u];
        let mut scale = p.sigma.unwrap_or(0.0) * t_left.sqrt() * vol_low;
        if self.beta != 0.0 {
            scale = scale.min(1.0 / self.beta.abs());
        }
        let ratio = scale * s0 / (SPACINGS_PER_SCALE * ds);
        if ratio.is_nan() || ratio <= 0.0 {
            return Place::Exact;
        }
        // the largest l with 2^l ≤ ratio (at most the coarsest, at least one finer than the finest)
        let mut l = 0;
        while l < COARSE_LEVELS && pow2(l + 1) <= ratio {
            l += 1;
        }
        while l >= -FINE_LEVELS && pow2(l) > ratio {
            l -= 1;
        }
        if l < -FINE_LEVELS || level_nodes(l) >= paths {
            Place::Exact
        } else {
            Place::Level(l)
        }
    }

    #[inline]
    fn item_pnl_moved(&self, item: usize, m: &Move) -> f64 {
        pnl_moved(&self.evals[item], m)
    }

    /// (index multiplier of node 0, spacing) of level `l` of underlying `u`.
    fn level_grid(&self, u: usize, l: i32) -> (f64, f64) {
        let (s0, ds, _) = self.grid.as_ref().expect("grid")[u];
        (s0, ds * pow2(l))
    }

    /// The stencil of path `p` of underlying `u` on level `l`.
    #[inline]
    fn path_stencil(&self, u: usize, p: usize, l: i32) -> [(usize, f64); 4] {
        let (s0, h) = self.level_grid(u, l);
        stencil(
            (self.path_moves[u][p].s_mult - s0) * (1.0 / h),
            level_nodes(l),
        )
    }
}

/// Six-point Lagrange weights of the point `t` (in node units, 0 ≤ t ≤ n − 1) on a uniform grid
/// of `n` ≥ 6 nodes: the window of the six nodes nearest `t`, shifted inwards at the ends. Exact
/// for polynomials of degree 5 (so for lines), and at a node it is that node's value exactly.
pub fn lagrange6(t: f64, n: usize) -> [(usize, f64); 6] {
    let i0 = ((t.floor() as i64) - 2).clamp(0, n as i64 - 6) as usize;
    let u = t - i0 as f64;
    let mut w = [(0, 0.0); 6];
    for (k, wk) in w.iter_mut().enumerate() {
        let mut c = 1.0;
        for j in 0..6 {
            if j != k {
                c *= (u - j as f64) / (k as f64 - j as f64);
            }
        }
        *wk = (i0 + k, c);
    }
    w
}

/// The weights that refine level `l` onto the finer level `f`, one set per node of `f`: six-point
/// Lagrange, as accurate for the smooth P&L of the options on `l` as a grid of `f`'s spacing
/// (Catmull-Rom there would leave about 10⁻⁶ of each long-dated option's scale).
fn refinement(l: i32, f: i32) -> impl Iterator<Item = (usize, [(usize, f64); 6])> {
    let (n, step) = (level_nodes(l), pow2(f - l));
    // away from the ends the window's weights repeat every `period` fine nodes: computed once
    let period = 1usize << (l - f);
    let inner: Vec<[(usize, f64); 6]> = (0..period)
        .map(|r| lagrange6(2.0 + r as f64 * step, 6))
        .collect();
    (0..level_nodes(f)).map(move |g| match (g / period).checked_sub(2) {
        Some(i0) if i0 + 6 <= n => (g, inner[g % period].map(|(j, c)| (i0 + j, c))),
        _ => (g, lagrange6(g as f64 * step, n)),
    })
}

/// The level the paths of underlying `u` read, every other level being refined onto it: the
/// finest that holds an item, or the base when that is coarser (read by Catmull-Rom, a coarse
/// level would leave about 10⁻⁵ of an option's scale). `None` when no item is on the grid.
fn finest(node_moves: &[Vec<Move>]) -> Option<i32> {
    (-FINE_LEVELS..=COARSE_LEVELS)
        .find(|&l| !node_moves[slot(l)].is_empty())
        .map(|l| l.min(0))
}

impl Sample for Paths<'_, '_> {
    fn revalued(&self) -> &Revalued {
        &self.revalued
    }
    fn item_tail_pnl(&self, tail: &[(usize, f64)]) -> Vec<f64> {
        let items = &self.book.items;
        let exact = |i: usize, u: usize| -> f64 {
            tail.iter()
                .map(|&(p, w)| w * self.item_pnl_moved(i, &self.path_moves[u][p]))
                .sum()
        };
        // the tail's weight on every node of each level in use: on the finest from the paths'
        // stencils, on the others through their refinement onto it
        let mut weight = zeros_like(&self.node_moves);
        for (u, levels) in weight.iter_mut().enumerate() {
            let Some(f) = finest(&self.node_moves[u]) else {
                continue;
            };
            let mut fine = std::mem::take(&mut levels[slot(f)]);
            fine.resize(level_nodes(f), 0.0);
            for &(p, w) in tail {
                for (g, c) in self.path_stencil(u, p, f) {
                    fine[g] += w * c;
                }
            }
            for l in f + 1..=COARSE_LEVELS {
                if !levels[slot(l)].is_empty() {
                    for (g, st) in refinement(l, f) {
                        for (j, c) in st {
                            levels[slot(l)][j] += fine[g] * c;
                        }
                    }
                }
            }
            levels[slot(f)] = fine;
        }
        (0..items.len())
            .map(|i| match (self.place[i], items[i].underlying) {
                (Place::Exact, Some(u)) => exact(i, u),
                (Place::Level(l), Some(u)) => weight[u][slot(l)]
                    .iter()
                    .zip(&self.node_moves[u][slot(l)])
                    .filter(|(w, _)| **w != 0.0)
                    .map(|(w, m)| w * self.item_pnl_moved(i, m))
                    .sum(),
                _ => 0.0,
            })
            .collect()
    }
}

/// A zero per node of every level, shaped as `node_moves` (per underlying and level slot).
fn zeros_like(node_moves: &[Vec<Vec<Move>>]) -> Vec<Vec<Vec<f64>>> {
    node_moves
        .iter()
        .map(|levels| levels.iter().map(|m| vec![0.0; m.len()]).collect())
        .collect()
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
    let beta = var.spot_vol_beta;
    let mut out = Paths {
        book,
        years: var.horizon_days / 365.0,
        beta,
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
        place: Vec::new(),
        node_moves: Vec::new(),
        path_moves: Vec::new(),
    };
    // every path's move, per underlying, once (not per item)
    out.path_moves = x
        .iter()
        .map(|xs| xs.iter().map(|&x| Move::new(x, beta)).collect())
        .collect();
    if var.revaluation == Revaluation::Grid && paths > 0 {
        out.grid = Some(
            out.path_moves
                .iter()
                .map(|ms| {
                    let lo = ms.iter().map(|m| m.s_mult).fold(f64::INFINITY, f64::min);
                    let hi = ms
                        .iter()
                        .map(|m| m.s_mult)
                        .fold(f64::NEG_INFINITY, f64::max);
                    let pad = (1e-9 + (hi - lo) * 1e-6).min(0.5 * lo);
                    let (s0, s1) = (lo - pad, hi + pad);
                    let vol_low =
                        libm::exp(beta * libm::log(s0)).min(libm::exp(beta * libm::log(s1)));
                    (s0, (s1 - s0) / (GRID_NODES - 1) as f64, vol_low)
                })
                .collect(),
        );
    }
    out.place = (0..book.items.len())
        .map(|i| out.place_of(i, paths))
        .collect();
    // the node moves of every level that holds an item
    out.node_moves = vec![vec![Vec::new(); LEVELS]; nu];
    for (i, item) in book.items.iter().enumerate() {
        if let (Place::Level(l), Some(u)) = (out.place[i], item.underlying) {
            if out.node_moves[u][slot(l)].is_empty() {
                let (s0, h) = out.level_grid(u, l);
                out.node_moves[u][slot(l)] = (0..level_nodes(l))
                    .map(|j| Move::to(s0 + h * j as f64, beta))
                    .collect();
            }
        }
    }
    let mut sums = zeros_like(&out.node_moves);
    // positions in one instrument are revalued once on the grid, for their net quantity: `nets`
    // by (underlying, level, per-unit P&L), the net of each distinct key at `net_of[key]`
    let mut nets: Vec<(usize, i32, ItemPnl)> = Vec::new();
    let mut net_of: Vec<usize> = Vec::new();
    let mut table = KeyTable::<10>::new(book.items.len());
    let items = book.items.len().max(1);
    let mut by_underlying = std::mem::take(&mut out.revalued.by_underlying);
    for (i, item) in book.items.iter().enumerate() {
        match (out.place[i], item.underlying) {
            (Place::Exact, Some(u)) => {
                for (total, m) in by_underlying[u].iter_mut().zip(&out.path_moves[u]) {
                    *total += out.item_pnl_moved(i, m);
                }
            }
            (Place::Level(l), Some(u)) => match out.evals[i] {
                ItemPnl::Position(h) => {
                    let mut key = h.unit_key();
                    key[0] |= (u as u64) << 40 | ((l + FINE_LEVELS) as u64) << 32;
                    match table.index(&key) {
                        (k, true) => {
                            if let ItemPnl::Position(net) = &mut nets[net_of[k]].2 {
                                *net = net.with_quantity(net.quantity() + h.quantity());
                            }
                        }
                        _ => {
                            net_of.push(nets.len());
                            nets.push((u, l, out.evals[i]));
                        }
                    }
                }
                // a coin, its own net
                eval => nets.push((u, l, eval)),
            },
            _ => {}
        }
        if i % 16 == 0 {
            progress(0.45 * i as f64 / items as f64);
        }
    }
    for (n, &(u, l, net)) in nets.iter().enumerate() {
        for (v, m) in sums[u][slot(l)].iter_mut().zip(&out.node_moves[u][slot(l)]) {
            *v += pnl_moved(&net, m);
        }
        if n % 16 == 0 {
            progress(0.45 + 0.45 * n as f64 / nets.len() as f64);
        }
    }
    for (u, levels) in sums.iter_mut().enumerate() {
        // every level refined onto the finest, which each path reads
        let Some(f) = finest(&out.node_moves[u]) else {
            continue;
        };
        let mut fine = std::mem::take(&mut levels[slot(f)]);
        fine.resize(level_nodes(f), 0.0);
        for l in f + 1..=COARSE_LEVELS {
            let coarse = &levels[slot(l)];
            if !coarse.is_empty() {
                for (g, st) in refinement(l, f) {
                    fine[g] += st.iter().map(|&(j, c)| c * coarse[j]).sum::<f64>();
                }
            }
        }
        let (s0, h) = out.level_grid(u, f);
        let inv_h = 1.0 / h;
        for (total, m) in by_underlying[u].iter_mut().zip(&out.path_moves[u]) {
            *total += stencil((m.s_mult - s0) * inv_h, fine.len())
                .iter()
                .map(|&(g, c)| c * fine[g])
                .sum::<f64>();
        }
    }
    out.revalued.by_underlying = by_underlying;
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

    #[test]
    fn lagrange6_reproduces_quintics_and_node_values() {
        let n = 26;
        let f = |x: f64| 0.01 * x.powi(5) - 0.2 * x.powi(4) + x * x * x - 3.0 * x + 2.0;
        let nodes: Vec<f64> = (0..n).map(|i| f(i as f64)).collect();
        for t in [0.0, 0.4, 1.5, 7.25, 12.0, 23.9, 24.5, 25.0] {
            let w = lagrange6(t, n);
            let v: f64 = w.iter().map(|&(i, c)| c * nodes[i]).sum();
            assert!(
                (v - f(t)).abs() <= 1e-9 * f(t).abs().max(1.0),
                "{t}: {v} vs {}",
                f(t)
            );
            let s: f64 = w.iter().map(|x| x.1).sum();
            assert!((s - 1.0).abs() < 1e-12);
            assert!(w.iter().all(|&(i, _)| i < n));
        }
        // at a node: that node's value exactly (what refinement relies on at shared nodes)
        for g in 0..n {
            let v: f64 = lagrange6(g as f64, n)
                .iter()
                .map(|&(i, c)| c * nodes[i])
                .sum();
            assert_eq!(v, nodes[g]);
        }
    }

    #[test]
    fn the_refinement_weights_are_lagrange6s_bit_for_bit() {
        for (l, f) in [(1, 0), (4, 0), (4, -3), (2, -1), (0, -3)] {
            let (n, step) = (level_nodes(l), pow2(f - l));
            for (g, w) in refinement(l, f) {
                assert_eq!(
                    w,
                    lagrange6(g as f64 * step, n),
                    "level {l} onto {f}, node {g}"
                );
            }
        }
    }

    #[test]
    fn level_sizes_nest_on_the_base() {
        for l in 1..=COARSE_LEVELS {
            assert_eq!((level_nodes(l) - 1) << l, GRID_NODES - 1);
        }
        for l in 1..=FINE_LEVELS {
            assert_eq!(level_nodes(-l) - 1, (GRID_NODES - 1) << l);
        }
    }
}
