//! Black-76 on the forward: price and Greeks per 1 coin of a long option, in USD terms
//! (docs/CONVENTIONS.md, "Valuation and Greeks"), and implied volatility with typed outcomes.

use crate::error::{Error, ErrorCode, Result};
#[cfg(all(test, not(target_arch = "wasm32")))]
use implied_vol::{DefaultSpecialFn, ImpliedBlackVolatility};

const INV_SQRT_2PI: f64 = 0.398_942_280_401_432_7;

/// Standard normal cdf, accurate to about 1 ulp through `erfc` (musl's, via `libm`).
#[inline]
pub fn norm_cdf(x: f64) -> f64 {
    0.5 * libm::erfc(-x * std::f64::consts::FRAC_1_SQRT_2)
}

#[inline]
pub fn norm_pdf(x: f64) -> f64 {
    INV_SQRT_2PI * libm::exp(-0.5 * x * x)
}

/// Price and Greeks of one long option on 1 coin, USD terms. Units as in docs/CONVENTIONS.md:
/// `delta` ∂V/∂F (coin), `gamma` 1/USD, `vega` per vol point, `theta` per calendar day,
/// `rho` per 1 % of rate, `vanna`/`volga` per vol point.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct OptionGreeks {
    pub price: f64,
    pub delta: f64,
    pub gamma: f64,
    pub vega: f64,
    pub theta: f64,
    pub rho: f64,
    pub vanna: f64,
    pub volga: f64,
}

/// Black-76 price only. `t_years > 0`, `sigma > 0`.
#[inline]
pub fn price(forward: f64, strike: f64, t_years: f64, sigma: f64, rate: f64, is_call: bool) -> f64 {
    let discount = libm::exp(-rate * t_years);
    price_prepared(
        forward,
        strike,
        libm::log(forward / strike),
        sigma * t_years.sqrt(),
        discount,
        is_call,
    )
}

/// The scenario sweep's inner loop: the price with `ln(F/K)`, `σ√T` and the discount factor
/// already computed, so a cell costs two `erfc` calls and no other transcendental function.
#[inline]
pub fn price_prepared(
    forward: f64,
    strike: f64,
    ln_f_over_k: f64,
    sd: f64,
    discount: f64,
    is_call: bool,
) -> f64 {
    let d1 = ln_f_over_k / sd + 0.5 * sd;
    let d2 = d1 - sd;
    // Value the out-of-the-money side directly and reach the other by parity: no cancellation.
    let otm_call = forward <= strike;
    let otm = if otm_call {
        forward * norm_cdf(d1) - strike * norm_cdf(d2)
    } else {
        strike * norm_cdf(-d2) - forward * norm_cdf(-d1)
    };
    let undiscounted = if is_call == otm_call {
        otm
    } else if is_call {
        otm + (forward - strike)
    } else {
        otm + (strike - forward)
    };
    discount * undiscounted.max(0.0)
}

/// Price and all Greeks.
pub fn greeks(
    forward: f64,
    strike: f64,
    t_years: f64,
    sigma: f64,
    rate: f64,
    is_call: bool,
) -> OptionGreeks {
    let sqrt_t = t_years.sqrt();
    let sd = sigma * sqrt_t;
    let ln_fk = libm::log(forward / strike);
    let d1 = ln_fk / sd + 0.5 * sd;
    let d2 = d1 - sd;
    let discount = libm::exp(-rate * t_years);
    let pdf = norm_pdf(d1);
    // the same terms `price` computes, computed once (the same bits)
    let value = price_prepared(forward, strike, ln_fk, sd, discount, is_call);
    let delta = if is_call {
        discount * norm_cdf(d1)
    } else {
        -discount * norm_cdf(-d1)
    };
    let gamma = discount * pdf / (forward * sd);
    let vega_raw = discount * forward * pdf * sqrt_t; // ∂V/∂σ per unit vol
    let vega = vega_raw / 100.0;
    let theta = (rate * value - discount * forward * pdf * sigma / (2.0 * sqrt_t)) / 365.0;
    let rho = -t_years * value / 100.0;
    let vanna = -discount * pdf * d2 / sigma / 100.0;
    let volga = vega * d1 * d2 / sigma / 100.0;
    OptionGreeks {
        price: value,
        delta,
        gamma,
        vega,
        theta,
        rho,
        vanna,
        volga,
    }
}

/// Value of an option at (or past) expiry: its intrinsic value.
pub fn intrinsic(forward: f64, strike: f64, is_call: bool) -> f64 {
    if is_call {
        (forward - strike).max(0.0)
    } else {
        (strike - forward).max(0.0)
    }
}

/// Implied volatility from a discounted USD price. Typed outcomes: `NO_TIME_LEFT` (T ≤ 0),
/// `BELOW_INTRINSIC` (no time value), `ABOVE_MAXIMUM` (call ≥ D·F, put ≥ D·K).
/// Solved in log-price space on the out-of-the-money part (see `solve_total_deviation`).
pub fn implied_vol(
    price_usd: f64,
    forward: f64,
    strike: f64,
    t_years: f64,
    rate: f64,
    is_call: bool,
) -> Result<f64> {
    for (v, what) in [
        (price_usd, "price"),
        (forward, "forward"),
        (strike, "strike"),
        (t_years, "time to expiry"),
        (rate, "rate"),
    ] {
        if !v.is_finite() {
            return Err(Error::new(
                ErrorCode::BadNumber,
                format!("{what} must be a finite number"),
            ));
        }
    }
    if forward <= 0.0 || strike <= 0.0 {
        return Err(Error::new(
            ErrorCode::BadNumber,
            "forward and strike must be positive",
        ));
    }
    if t_years <= 0.0 {
        return Err(Error::new(
            ErrorCode::NoTimeLeft,
            "the option has no time left: no implied volatility",
        ));
    }
    let discount = libm::exp(-rate * t_years);
    let undiscounted = price_usd / discount;
    let maximum = if is_call { forward } else { strike };
    if undiscounted >= maximum {
        return Err(Error::new(
            ErrorCode::AboveMaximum,
            format!(
                "price {price_usd} is at or above the most the option can be worth ({})",
                maximum * discount
            ),
        ));
    }
    if undiscounted <= intrinsic(forward, strike, is_call) {
        return Err(Error::new(
            ErrorCode::BelowIntrinsic,
            format!(
                "price {price_usd} leaves no time value above intrinsic {}",
                intrinsic(forward, strike, is_call) * discount
            ),
        ));
    }
    let sigma = solve_total_deviation(undiscounted, forward, strike, is_call)
        .map(|sd| sd / t_years.sqrt())
        .filter(|s| s.is_finite() && *s > 0.0)
        .ok_or_else(|| {
            Error::new(
                ErrorCode::AboveMaximum,
                format!("price {price_usd} is too close to the most the option can be worth"),
            )
        })?;
    Ok(sigma)
}

/// Implied volatility with the `implied-vol` crate (Jäckel's "Let's Be Rational"), kept for comparison in tests.
#[cfg(all(test, not(target_arch = "wasm32")))]
pub fn implied_vol_lbr(
    price_usd: f64,
    forward: f64,
    strike: f64,
    t_years: f64,
    rate: f64,
    is_call: bool,
) -> Option<f64> {
    let undiscounted = price_usd / libm::exp(-rate * t_years);
    let sigma = ImpliedBlackVolatility::builder()
        .forward(forward)
        .strike(strike)
        .expiry(t_years)
        .is_call(is_call)
        .option_price(undiscounted)
        .build()
        .and_then(|iv| iv.calculate::<DefaultSpecialFn>());
    sigma
}

/// Normalised out-of-the-money call `b(s) = e^(x/2)Φ(x/s + s/2) − e^(−x/2)Φ(x/s − s/2)` for
/// `x = ln(F/K) ≤ 0` (the price over √(FK)), and its slope `∂b/∂s = e^(x/2)φ(x/s + s/2)`.
#[inline]
fn normalised_otm_call(x: f64, s: f64) -> (f64, f64) {
    let d1 = x / s + 0.5 * s;
    let half = libm::exp(0.5 * x);
    let b = half * norm_cdf(d1) - norm_cdf(d1 - s) / half;
    (b.max(0.0), half * norm_pdf(d1))
}

/// The total deviation `σ√T` at which the undiscounted Black price equals `price`.
///
/// After parity and the call/put symmetry the problem is a normalised out-of-the-money call
/// `b(s) = target` with `x = −|ln(F/K)|` (Jäckel's set-up). `b` has its inflection at
/// `s_c = √(2|x|)`. Below it (`ln b ≈ −x²/2s²`) Newton runs on `ln b` as a function of `1/s²`,
/// which is nearly linear, from the asymptotic start `|x|/√(−2 ln b)`; above it `b` is concave,
/// so Newton on `b` from the left converges monotonically, and close to the maximum `e^(x/2)`
/// Newton runs on `ln(e^(x/2) − b)` as a function of `s²`. A bracket kept by bisection guards
/// every step. Quadratic convergence: a step below 1e-12 relative leaves an error below an ulp.
/// None when the price cannot be told apart from the maximum.
fn solve_total_deviation(price: f64, forward: f64, strike: f64, is_call: bool) -> Option<f64> {
    let otm_call = forward <= strike;
    let time_value = if is_call == otm_call {
        price
    } else if is_call {
        price - (forward - strike)
    } else {
        price - (strike - forward)
    };
    if !(time_value > 0.0) {
        return None;
    }
    let x = -libm::log(forward / strike).abs();
    let target = time_value / (forward * strike).sqrt();
    let b_max = libm::exp(0.5 * x);
    const MAX_SD: f64 = 60.0; // Φ(−30): the price equals its maximum to machine precision
    if normalised_otm_call(x, MAX_SD).0 < target {
        return None;
    }
    let s_c = (-2.0 * x).sqrt();
    let left_branch = s_c > 0.0 && target <= normalised_otm_call(x, s_c).0;
    let near_max = !left_branch && b_max - target < 0.5 * b_max;
    let ln_target = libm::log(target);
    let mut s = if left_branch {
        (x.abs() / (-2.0 * ln_target).sqrt()).min(s_c)
    } else if near_max {
        (-8.0 * libm::log(0.5 * (b_max - target) / b_max))
            .sqrt()
            .max(s_c)
    } else {
        s_c.max(target * 2.506_628_274_631_000_5)
    }
    .clamp(1e-12, MAX_SD - 1.0);
    let (mut lo, mut hi) = (0.0f64, MAX_SD);
    for _ in 0..100 {
        let (b, slope) = normalised_otm_call(x, s);
        if b < target {
            lo = s;
        } else {
            hi = s;
        }
        let newton = if !(slope > 0.0) {
            f64::NAN
        } else if left_branch {
            // ln b against w = 1/s²: d ln b / dw = (slope/b)·(−s³/2)
            let w = 1.0 / (s * s) - (libm::log(b) - ln_target) / (slope / b * (-0.5 * s * s * s));
            1.0 / w.sqrt()
        } else if near_max && b < b_max {
            // ln(b_max − b) against u = s²: d/du = −slope/(b_max − b)/(2s)
            let rest = b_max - b;
            let u =
                s * s - (libm::log(rest) - libm::log(b_max - target)) / (-slope / rest / (2.0 * s));
            u.sqrt()
        } else {
            s - (b - target) / slope
        };
        let next = if newton.is_finite() && newton > lo && newton < hi {
            newton
        } else if lo > 0.0 {
            (lo * hi).sqrt()
        } else {
            0.5 * hi
        };
        if (next - s).abs() <= 1e-12 * s {
            return Some(next);
        }
        s = next;
    }
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parity_and_known_value() {
        // F = K = 100, T = 1, σ = 0.2: ATM call = F(2Φ(σ/2) − 1) = 7.965567455405804
        let c = price(100.0, 100.0, 1.0, 0.2, 0.0, true);
        assert!((c - 7.965_567_455_405_804).abs() < 1e-12, "{c}");
        let (f, k, t, s, r) = (95_000.0, 120_000.0, 0.3, 0.7, 0.03);
        let parity = price(f, k, t, s, r, true) - price(f, k, t, s, r, false);
        assert!((parity - (-r * t).exp() * (f - k)).abs() < 1e-9);
    }

    #[test]
    #[cfg(not(target_arch = "wasm32"))]
    fn agrees_with_lets_be_rational_on_a_wide_grid() {
        let mut worst = 0.0f64;
        for &f in &[0.6, 240.0, 3400.0, 95_000.0] {
            for &m in &[0.3, 0.6, 0.9, 0.99, 1.0, 1.01, 1.1, 1.5, 2.5, 3.0] {
                for &t in &[1.0 / 8760.0, 0.01, 0.1, 0.5, 1.0, 3.0] {
                    for &sigma in &[0.05, 0.2, 0.6, 1.0, 2.0, 5.0] {
                        for call in [true, false] {
                            let k = f * m;
                            let p = price(f, k, t, sigma, 0.0, call);
                            let tv = p - intrinsic(f, k, call);
                            if tv < 1e-8 * f || p > (if call { f } else { k }) * (1.0 - 1e-8) {
                                continue;
                            }
                            let ours = implied_vol(p, f, k, t, 0.0, call).unwrap();
                            let lbr = implied_vol_lbr(p, f, k, t, 0.0, call).unwrap();
                            // both solve the same rounded price; they agree where the problem is well posed
                            let tol = 1e-10
                                + 4.0 * f64::EPSILON * p
                                    / greeks(f, k, t, sigma, 0.0, call).vega.max(1e-300)
                                    / 100.0;
                            assert!(
                                (ours - lbr).abs() <= tol,
                                "F {f} K {k} T {t} σ {sigma} call {call}: {ours} vs {lbr}"
                            );
                            worst = worst.max((ours - sigma).abs());
                        }
                    }
                }
            }
        }
        eprintln!("worst |IV - σ| on the grid: {worst:e}");
    }

    #[test]
    fn implied_vol_round_trip_and_outcomes() {
        let p = price(3400.0, 3000.0, 0.1, 0.8, 0.0, false);
        let iv = implied_vol(p, 3400.0, 3000.0, 0.1, 0.0, false).unwrap();
        assert!((iv - 0.8).abs() < 1e-12);
        assert_eq!(
            implied_vol(1.0, 100.0, 90.0, 0.1, 0.0, true)
                .unwrap_err()
                .code,
            ErrorCode::BelowIntrinsic
        );
        assert_eq!(
            implied_vol(100.0, 100.0, 90.0, 0.1, 0.0, true)
                .unwrap_err()
                .code,
            ErrorCode::AboveMaximum
        );
        assert_eq!(
            implied_vol(5.0, 100.0, 90.0, 0.0, 0.0, true)
                .unwrap_err()
                .code,
            ErrorCode::NoTimeLeft
        );
    }
}
