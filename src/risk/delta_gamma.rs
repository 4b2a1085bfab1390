//! Parametric delta-gamma VaR/ES (SPEC §4): the exact first four cumulants of
//! `ΔP = Σ δᵢΔSᵢ + ½ Σ ΓᵢΔSᵢ²` under correlated normal moves, Cornish-Fisher at the lower tail,
//! Maillard's domain check, and the delta-normal VaR. No revaluation, no time decay.

use crate::error::{Result, Warning, WarningCode};
use crate::input::analysis::VarInput;
use crate::pricing::black76::norm_pdf;
use crate::risk::correlation::cholesky;
use crate::risk::types::{Moments, TailFigures, VarReport};
use crate::risk::RiskBook;

/// `Φ⁻¹(p)` (statrs' inverse complementary error function).
pub fn norm_inv(p: f64) -> f64 {
    -std::f64::consts::SQRT_2 * statrs::function::erf::erfc_inv(2.0 * p)
}

/// The Cornish-Fisher quantile of a standardised variable with skewness `s` and excess kurtosis
/// `k` at the standard normal quantile `z`.
pub fn cornish_fisher(z: f64, s: f64, k: f64) -> f64 {
    z + (z * z - 1.0) * s / 6.0 + (z * z * z - 3.0 * z) * k / 24.0
        - (2.0 * z * z * z - 5.0 * z) * s * s / 36.0
}

/// `(1/α)∫₀^α w(Φ⁻¹(u)) du`, the tail mean of the Cornish-Fisher quantile, in closed form:
/// with `a = Φ⁻¹(α)`, `−φ(a)/α · [1 + aS/6 − (1 − a²)K/24 + (1 − 2a²)S²/36]` (the truncated normal
/// moments of z, z², z³ below a).
pub fn cornish_fisher_tail_mean(alpha: f64, s: f64, k: f64) -> f64 {
    let a = norm_inv(alpha);
    -norm_pdf(a) / alpha
        * (1.0 + a * s / 6.0 - (1.0 - a * a) * k / 24.0 + (1.0 - 2.0 * a * a) * s * s / 36.0)
}

/// Whether the Cornish-Fisher expansion is monotone in p for every p (Maillard 2012): `w′(z)`
/// is the quadratic `(K/8 − S²/6)z² + (S/3)z + (1 − K/8 + 5S²/36)`, which must not go negative.
pub fn cornish_fisher_in_domain(s: f64, k: f64) -> bool {
    let (a, b, c) = (
        k / 8.0 - s * s / 6.0,
        s / 3.0,
        1.0 - k / 8.0 + 5.0 * s * s / 36.0,
    );
    if a.abs() < 1e-12 && b.abs() < 1e-12 {
        return c > 0.0;
    }
    a > 0.0 && b * b - 4.0 * a * c <= 0.0
}

/// The exact cumulants (κ1…κ4) of `δᵀu + ½uᵀΓu`, u ~ N(0, Σ), Γ diagonal.
pub fn cumulants(delta: &[f64], gamma: &[f64], cov: &[Vec<f64>]) -> [f64; 4] {
    let n = delta.len();
    let m: Vec<Vec<f64>> = (0..n)
        .map(|i| (0..n).map(|j| gamma[i] * cov[i][j]).collect())
        .collect();
    let mul = |a: &[Vec<f64>], b: &[Vec<f64>]| -> Vec<Vec<f64>> {
        (0..n)
            .map(|i| {
                (0..n)
                    .map(|j| (0..n).map(|k| a[i][k] * b[k][j]).sum())
                    .collect()
            })
            .collect()
    };
    let trace = |a: &[Vec<f64>]| (0..n).map(|i| a[i][i]).sum::<f64>();
    let m2 = mul(&m, &m);
    let m3 = mul(&m2, &m);
    let m4 = mul(&m2, &m2);
    let v: Vec<f64> = (0..n)
        .map(|i| (0..n).map(|j| cov[i][j] * delta[j]).sum())
        .collect();
    let gv: Vec<f64> = (0..n).map(|i| gamma[i] * v[i]).collect();
    let a2: f64 = (0..n).map(|i| delta[i] * v[i]).sum();
    let a3: f64 = (0..n).map(|i| gamma[i] * v[i] * v[i]).sum();
    let a4: f64 = (0..n)
        .map(|i| (0..n).map(|j| gv[i] * cov[i][j] * gv[j]).sum::<f64>())
        .sum();
    [
        0.5 * trace(&m),
        a2 + 0.5 * trace(&m2),
        trace(&m3) + 3.0 * a3,
        3.0 * trace(&m4) + 12.0 * a4,
    ]
}

/// Per-underlying delta (coin: USD per USD of index) and gamma (1/USD) of the book's items,
/// collateral included (SPEC §1).
fn deltas_and_gammas(book: &RiskBook) -> (Vec<f64>, Vec<f64>) {
    let n = book.underlyings.len();
    let (mut d, mut g) = (vec![0.0; n], vec![0.0; n]);
    for item in book.items.iter().filter(|i| i.counted) {
        if let Some(u) = item.underlying {
            match item.position {
                Some(p) => {
                    d[u] += p.greeks.delta;
                    g[u] += p.greeks.gamma;
                }
                None => d[u] += item.amount,
            }
        }
    }
    (d, g)
}

/// The covariance of the index moves over the horizon: `SᵢσᵢSⱼσⱼρᵢⱼ h/365`.
fn covariance(book: &RiskBook, sigmas: &[f64], corr: &[Vec<f64>], var: &VarInput) -> Vec<Vec<f64>> {
    let n = sigmas.len();
    let h = var.horizon_days / 365.0;
    let sd: Vec<f64> = (0..n).map(|i| book.index[i] * sigmas[i]).collect();
    (0..n)
        .map(|i| (0..n).map(|j| sd[i] * sd[j] * corr[i][j] * h).collect())
        .collect()
}

/// The delta-normal VaR `−Φ⁻¹(α)·sqrt(δᵀΣδ)` at the VaR confidence.
pub fn delta_normal_var(book: &RiskBook, sigmas: &[f64], corr: &[Vec<f64>], var: &VarInput) -> f64 {
    let (d, _) = deltas_and_gammas(book);
    let cov = covariance(book, sigmas, corr, var);
    let n = d.len();
    let q: f64 = (0..n)
        .map(|i| (0..n).map(|j| d[i] * cov[i][j] * d[j]).sum::<f64>())
        .sum();
    -norm_inv(1.0 - var.var_confidence) * q.max(0.0).sqrt()
}

/// VaR and ES of a P&L with cumulants `k` by Cornish-Fisher at tail probabilities `alpha_var`
/// and `alpha_es`; and the moments.
pub fn cornish_fisher_figures(k: [f64; 4], alpha_var: f64, alpha_es: f64) -> (f64, f64, Moments) {
    let (mean, sd) = (k[0], k[1].max(0.0).sqrt());
    let (s, kurt) = if sd > 0.0 {
        (k[2] / sd.powi(3), k[3] / (sd * sd * sd * sd))
    } else {
        (0.0, 0.0)
    };
    let var = -(mean + sd * cornish_fisher(norm_inv(alpha_var), s, kurt));
    let es = -(mean + sd * cornish_fisher_tail_mean(alpha_es, s, kurt));
    let moments = Moments {
        mean_usd: mean,
        std_usd: sd,
        skewness: s,
        excess_kurtosis: kurt,
        cornish_fisher_in_domain: cornish_fisher_in_domain(s, kurt),
    };
    (var, es, moments)
}

/// Delta-gamma (Cornish-Fisher) VaR/ES of the account, and per underlying.
pub fn run(book: &RiskBook, var: &VarInput, warnings: &mut Vec<Warning>) -> Result<VarReport> {
    let sigmas = book.sigmas("analysis.var")?;
    let corr = book.correlation_matrix();
    cholesky(&corr, &book.underlyings)?;
    let (d, g) = deltas_and_gammas(book);
    let cov = covariance(book, &sigmas, &corr, var);
    let (alpha_var, alpha_es) = (1.0 - var.var_confidence, 1.0 - var.es_confidence);
    let (var_usd, es_usd, moments) =
        cornish_fisher_figures(cumulants(&d, &g, &cov), alpha_var, alpha_es);
    let mut report = VarReport::new("delta-gamma", var);
    report.estimator.var = "Cornish-Fisher quantile of the delta-gamma P&L at the lower tail, from its exact cumulants";
    report.estimator.es = "Cornish-Fisher tail mean (1/alpha) * integral of the quantile over (0, alpha), in closed form";
    for (u, name) in book.underlyings.iter().enumerate() {
        let k = cumulants(&d[u..=u], &g[u..=u], &[vec![cov[u][u]]]);
        let (v, e, _) = cornish_fisher_figures(k, alpha_var, alpha_es);
        report.by_underlying.insert(
            name.clone(),
            TailFigures {
                var_usd: v,
                es_usd: e,
            },
        );
    }
    if !moments.cornish_fisher_in_domain {
        warnings.push(Warning {
            code: WarningCode::CfOutOfDomain,
            message: format!(
                "delta-gamma: skewness {} and excess kurtosis {} are outside Cornish-Fisher's domain (the expansion is not monotone): the VaR and ES are unreliable; use monte-carlo",
                (moments.skewness * 1000.0).round() / 1000.0,
                (moments.excess_kurtosis * 1000.0).round() / 1000.0
            ),
            line: None,
            path: Some("analysis.var".into()),
        });
    }
    report.var_usd = var_usd;
    report.es_usd = es_usd;
    report.delta_normal_var_usd = delta_normal_var(book, &sigmas, &corr, var);
    report.moments = Some(moments);
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_cornish_fisher_quantiles() {
        let z = norm_inv(0.99);
        for (k, want) in [(0.0, 2.396116), (1.0, 2.629904), (-1.0, 2.162328)] {
            assert!((cornish_fisher(z, 0.1, k) - want).abs() < 5e-7, "K {k}");
        }
        let z = norm_inv(0.01);
        for (k, want) in [(0.0, -2.249053), (1.0, -2.482841), (-1.0, -2.015265)] {
            assert!((cornish_fisher(z, 0.1, k) - want).abs() < 5e-7, "K {k}");
        }
        assert!((norm_inv(0.975) - 1.959963984540054).abs() < 1e-14);
    }

    #[test]
    fn the_short_gamma_case_where_cornish_fisher_fails() {
        // ORE testNegativeGamma: δ 0, Γ −10 000, Ω 1: τ = −2√2, κ = 12; CF 0.99-quantile −4707.882,
        // the exact quantile ½Γχ²₁⁻¹(0.01) is −0.785
        let k = cumulants(&[0.0], &[-10_000.0], &[vec![1.0]]);
        let sd = k[1].sqrt();
        let (s, kurt) = (k[2] / sd.powi(3), k[3] / sd.powi(4));
        assert!((s + 2.0 * 2f64.sqrt()).abs() < 1e-12 && (kurt - 12.0).abs() < 1e-12);
        let q99 = k[0] + sd * cornish_fisher(norm_inv(0.99), s, kurt);
        assert!((q99 + 4707.882).abs() < 1e-3, "{q99}");
        assert!(!cornish_fisher_in_domain(s, kurt));
        assert!(cornish_fisher_in_domain(0.0, 0.0) && cornish_fisher_in_domain(0.1, 1.0));
    }

    #[test]
    fn normal_es_closed_forms_and_the_tail_mean_by_quadrature() {
        for (c, want) in [(0.95, 2.0627128), (0.975, 2.3378028), (0.99, 2.6652142)] {
            let es = -cornish_fisher_tail_mean(1.0 - c, 0.0, 0.0);
            assert!((es - want).abs() < 5e-8, "{c}: {es}");
        }
        // the closed form against a midpoint rule in z-space
        for (s, k) in [(0.3, 1.5), (-0.8, 4.0), (0.0, 2.0)] {
            let alpha = 0.025;
            let a = norm_inv(alpha);
            let n = 200_000;
            let lo = -12.0;
            let dz = (a - lo) / n as f64;
            let num: f64 = (0..n)
                .map(|i| {
                    let z = lo + (i as f64 + 0.5) * dz;
                    cornish_fisher(z, s, k) * norm_pdf(z) * dz
                })
                .sum();
            let closed = cornish_fisher_tail_mean(alpha, s, k);
            assert!(
                (num / alpha - closed).abs() < 1e-8 * closed.abs(),
                "{s} {k}"
            );
        }
    }
}
