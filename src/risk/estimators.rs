//! VaR and ES from a sample of losses, exactly as SPEC §4 defines them: VaR the order statistic
//! `L(⌈αN⌉)`, ES the Acerbi–Tasche fractional tail mean; weighted versions for age weighting. Each
//! estimate also gives the ES weight of every tail scenario, so that ES contributions sum to ES.

/// A tail estimate: VaR at one tail probability, ES at another, and the ES weights (scenario,
/// weight) whose weighted loss sum is the ES (the weights sum to 1).
#[derive(Debug, Clone, PartialEq)]
pub struct TailEstimate {
    pub var: f64,
    pub es: f64,
    pub es_weights: Vec<(usize, f64)>,
}

/// Scenario indices sorted worst loss first; ties keep the earlier scenario first.
fn worst_first(losses: &[f64]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..losses.len()).collect();
    sort_worst_first(&mut order, losses);
    order
}

fn sort_worst_first(order: &mut [usize], losses: &[f64]) {
    order.sort_unstable_by(|&a, &b| losses[b].total_cmp(&losses[a]).then(a.cmp(&b)));
}

/// The first `k` of [`worst_first`] (at least; all of it when that is as cheap). A large sample
/// sorts only the scenarios at or above a threshold read off every 16th loss and set below the
/// `k`-th worst with room to spare: each of the `k` worst is at or above it, so the prefix is
/// exactly the full order's (ties included). Falls back to the full order if fewer pass.
fn worst_k(losses: &[f64], k: usize) -> Vec<usize> {
    const STEP: usize = 16;
    let n = losses.len();
    if n < 64 * STEP || k * 8 > n {
        return worst_first(losses);
    }
    let mut sub: Vec<usize> = (0..n).step_by(STEP).collect();
    sort_worst_first(&mut sub, losses);
    // a rank in the subsample about twice the tail's, plus a margin for sampling noise
    let rank = (2 * k / STEP + 16).min(sub.len() - 1);
    let threshold = losses[sub[rank]];
    let mut order: Vec<usize> = (0..n)
        .filter(|&i| losses[i].total_cmp(&threshold).is_ge())
        .collect();
    if order.len() < k {
        return worst_first(losses);
    }
    sort_worst_first(&mut order, losses);
    order
}

/// `k = ⌈αN⌉`, computed as `ceil(αN − 1e-9)` and at least 1.
pub fn tail_count(alpha: f64, n: usize) -> usize {
    ((alpha * n as f64 - 1e-9).ceil() as usize).clamp(1, n.max(1))
}

/// The ES weights of the `⌈αN⌉` worst of `order` (the `n` scenarios worst first, at least
/// that prefix; equal scenario weights).
fn equal_es_weights(order: &[usize], n: usize, alpha: f64) -> Vec<(usize, f64)> {
    let an = alpha * n as f64;
    let k = tail_count(alpha, n);
    (0..k)
        .map(|i| {
            let w = if i + 1 < k { 1.0 } else { an - (k - 1) as f64 };
            (order[i], w / an)
        })
        .collect()
}

/// The ES weights at `alpha` of weighted scenarios `w` (sum 1), sorted by `order`; and the index
/// into `order` of the VaR scenario (the first at which the cumulative weight reaches `alpha`).
fn weighted_es_weights(order: &[usize], w: &[f64], alpha: f64) -> (Vec<(usize, f64)>, usize) {
    let mut out = Vec::new();
    let mut before = 0.0;
    for (i, &s) in order.iter().enumerate() {
        if before + w[s] >= alpha - 1e-12 || i + 1 == order.len() {
            out.push((s, (alpha - before).max(0.0) / alpha));
            return (out, i);
        }
        out.push((s, w[s] / alpha));
        before += w[s];
    }
    (out, 0)
}

/// VaR at tail probability `alpha_var` and ES at `alpha_es` of `losses` (loss positive), equally
/// weighted, or with `weights` (summing to 1) when given.
pub fn estimate(
    losses: &[f64],
    weights: Option<&[f64]>,
    alpha_var: f64,
    alpha_es: f64,
) -> TailEstimate {
    let n = losses.len();
    let order = match weights {
        None => worst_k(
            losses,
            tail_count(alpha_var, n).max(tail_count(alpha_es, n)),
        ),
        Some(_) => worst_first(losses),
    };
    if order.is_empty() {
        return TailEstimate {
            var: 0.0,
            es: 0.0,
            es_weights: Vec::new(),
        };
    }
    let (var, es_weights) = match weights {
        None => {
            let k = tail_count(alpha_var, n);
            (losses[order[k - 1]], equal_es_weights(&order, n, alpha_es))
        }
        Some(w) => {
            let (_, at) = weighted_es_weights(&order, w, alpha_var);
            (
                losses[order[at]],
                weighted_es_weights(&order, w, alpha_es).0,
            )
        }
    };
    let es = es_weights.iter().map(|&(s, w)| w * losses[s]).sum();
    TailEstimate {
        var,
        es,
        es_weights,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hull's four-index portfolio: 500 scenarios whose six worst losses ($000s) are published with
    /// their scenario numbers (1-based); the other 494 are smaller losses or gains.
    fn hull() -> Vec<f64> {
        let mut losses: Vec<f64> = (0..500)
            .map(|i| 200.0 - (i as f64 * 0.7531).sin().abs() * 400.0)
            .collect();
        for (scenario, loss) in [
            (494, 477.841),
            (339, 345.435),
            (349, 282.204),
            (329, 277.041),
            (487, 253.385),
            (227, 217.974),
        ] {
            losses[scenario - 1] = loss;
        }
        losses
    }

    #[test]
    fn hull_var_and_es_at_99() {
        let t = estimate(&hull(), None, 0.01, 0.01);
        assert!((t.var - 253.385).abs() < 1e-12, "{}", t.var);
        assert!((t.es - 327.181).abs() < 5e-4, "{}", t.es);
        let w: f64 = t.es_weights.iter().map(|x| x.1).sum();
        assert!((w - 1.0).abs() < 1e-15);
    }

    #[test]
    fn hull_age_weighted_at_99() {
        let (n, lambda) = (500usize, 0.995f64);
        let w: Vec<f64> = (1..=n)
            .map(|i| lambda.powi((n - i) as i32) * (1.0 - lambda) / (1.0 - lambda.powi(n as i32)))
            .collect();
        let t = estimate(&hull(), Some(&w), 0.01, 0.01);
        assert!((t.var - 282.204).abs() < 1e-12, "{}", t.var);
        assert!((t.es - 400.914).abs() < 5e-4, "{}", t.es);
    }

    #[test]
    fn fractional_tail_and_ties() {
        // αN = 2.5: ES = (L1 + L2 + 0.5 L3) / 2.5
        let losses = [1.0, 5.0, 3.0, 4.0, 2.0, 0.0, -1.0, -2.0, -3.0, -4.0];
        let t = estimate(&losses, None, 0.25, 0.25);
        assert_eq!(t.var, 3.0);
        assert!((t.es - (5.0 + 4.0 + 0.5 * 3.0) / 2.5).abs() < 1e-15);
        // a negative VaR is kept (the tail still gains)
        let gains = [-1.0, -2.0, -3.0];
        assert_eq!(estimate(&gains, None, 0.5, 0.5).var, -2.0);
        // ties: the earlier scenario first, and the figures do not depend on it
        let tied = estimate(&[2.0, 2.0, 1.0, 2.0], None, 0.5, 0.5);
        assert_eq!((tied.var, tied.es), (2.0, 2.0));
        assert_eq!(
            tied.es_weights.iter().map(|w| w.0).collect::<Vec<_>>(),
            [0, 1]
        );
        assert!(estimate(&[7.0], None, 0.01, 0.01).es == 7.0);
    }

    #[test]
    fn the_partial_order_is_the_full_orders_prefix() {
        // pseudo-random losses with heavy ties (rounded) and a few huge ones, and sorted inputs
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let noisy: Vec<f64> = (0..20_000)
            .map(|_| (next() * 50.0).round() - 25.0)
            .collect();
        let fat: Vec<f64> = (0..12_345)
            .map(|_| {
                let u = next().max(1e-12);
                (1.0 / u).min(1e9) * if next() < 0.5 { -1.0 } else { 1.0 }
            })
            .collect();
        let rising: Vec<f64> = (0..5_000).map(f64::from).collect();
        let flat = vec![3.0; 4_000];
        for losses in [&noisy, &fat, &rising, &flat] {
            let full = worst_first(losses);
            for k in [1, 7, 50, 100, 123, 400, 1_000] {
                let part = worst_k(losses, k);
                assert!(part.len() >= k);
                assert_eq!(part[..k], full[..k], "k {k}");
                for alpha in [0.01, 0.025, 0.05] {
                    let a = estimate(losses, None, alpha, alpha);
                    let n = losses.len();
                    let b = (
                        losses[full[tail_count(alpha, n) - 1]],
                        equal_es_weights(&full, n, alpha),
                    );
                    assert_eq!(a.var, b.0);
                    assert_eq!(a.es_weights, b.1);
                }
            }
        }
    }
}
