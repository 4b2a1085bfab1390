//! Black-76 on the forward: price and Greeks per 1 coin of a long option, in USD terms
//! (docs/CONVENTIONS.md, "Valuation and Greeks"), and implied volatility with typed outcomes.

use crate::error::{Error, ErrorCode, Result};
#[cfg(all(test, not(target_arch = "wasm32")))]
use implied_vol::{DefaultSpecialFn, ImpliedBlackVolatility};

const INV_SQRT_2PI: f64 = 0.398_942_280_401_432_7;

// erf(y)/y on |y| ≤ 0.46875 (in y²) and erfcx(y) = e^(y²)·erfc(y) on y ≥ 4 (in 1/y²): W. J. Cody,
// "Rational Chebyshev approximations for the error function", Math. Comp. 23 (1969), with the
// coefficients of his CALERF (netlib specfun). In between, `ERFCX_MID`.
const ERF_SMALL: f64 = 0.46875;
/// From here on `½ erfc(y)` is below the smallest subnormal: 0 (`Φ` 0 or 1).
const ERFC_ZERO: f64 = 28.0;
const FRAC_1_SQRT_PI: f64 = 0.564_189_583_547_756_3;
#[allow(clippy::excessive_precision)]
const CODY_A: [f64; 5] = [
    3.161_123_743_870_565_6,
    113.864_154_151_050_156,
    377.485_237_685_302_021,
    3_209.377_589_138_469_47,
    0.185_777_706_184_603_153,
];
#[allow(clippy::excessive_precision)]
const CODY_B: [f64; 4] = [
    23.601_290_952_344_120_9,
    244.024_637_934_444_173,
    1_282.616_526_077_372_28,
    2_844.236_833_439_170_62,
];
#[allow(clippy::excessive_precision)]
const CODY_P: [f64; 6] = [
    0.305_326_634_961_232_344,
    0.360_344_899_949_804_439,
    0.125_781_726_111_229_246,
    0.016_083_785_148_742_276_6,
    6.587_491_615_298_378_03e-4,
    0.016_315_387_137_302_097_8,
];
#[allow(clippy::excessive_precision)]
const CODY_Q: [f64; 5] = [
    2.568_520_192_289_822_42,
    1.872_952_849_923_460_47,
    0.527_905_102_951_428_412,
    0.060_518_341_312_441_319_1,
    0.002_335_204_976_268_691_85,
];

/// `erfcx` on `0.46875 < y < 4`: row `max(⌊2y⌋, 1) − 1` holds `y₀` and the 14 coefficients
/// (constant first) of a degree-13 polynomial in `t = y − y₀`: Chebyshev fits at 200 bits by
/// `scripts/erfcx_fit.py`, rounded to doubles, `y₀` chosen where `erfcx(y₀)` is within 1.4e-4 ulp
/// of a double. Row 0 is one fit on [0.46875, 1]. Approximation error below 3.5e-17 relative.
#[allow(clippy::excessive_precision)]
const ERFCX_MID: [[f64; 15]; 7] = [
    [
        0.7499918937683105,
        0.5069406331802153,
        -0.36797643608164055,
        0.23096128902122726,
        -0.1298382276941956,
        0.06679183537577789,
        -0.03189795704981401,
        0.014289541956072075,
        -0.00605168968455644,
        0.0024377100845183845,
        -0.0009385591256097891,
        0.0003466676884299459,
        -0.00012310534781199113,
        4.341521952116015e-05,
        -1.5504688249897438e-05,
    ],
    [
        1.249551773071289,
        0.36791653750101394,
        -0.2089176435422298,
        0.10686312558694479,
        -0.0502577569927485,
        0.022031728113124278,
        -0.009091188826114831,
        0.003557272323461658,
        -0.0013274836779086675,
        0.00047462857751542014,
        -0.00016320255670486007,
        5.413049007910337e-05,
        -1.7371077416358043e-05,
        5.511380850844958e-06,
        -1.6610767030625112e-06,
    ],
    [
        1.7506320476531982,
        0.2848894737167015,
        -0.13090588164049036,
        0.05572144209056261,
        -0.022238759583532986,
        0.008394778431798847,
        -0.0030170365711662712,
        0.0010376858393719675,
        -0.00034298013759385374,
        0.00010931350433987225,
        -3.369168729958943e-05,
        1.0065186393793074e-05,
        -2.9212635247895958e-06,
        8.387443637191847e-07,
        -2.3131132443809953e-07,
    ],
    [
        2.2494428157806396,
        0.23113657194753406,
        -0.08852216463242171,
        0.032011024677782,
        -0.011010130096805472,
        0.003622183315358086,
        -0.0011448943442544934,
        0.00034893631911730907,
        -0.00010285201361715994,
        2.9394156546778738e-05,
        -8.162568884162595e-06,
        2.206407710111435e-06,
        -5.816046864944632e-07,
        1.517501167187345e-07,
        -3.8093997572624824e-08,
    ],
    [
        2.750462532043457,
        0.19363285107182943,
        -0.0632193634038774,
        0.01975036072982532,
        -0.005931157481433591,
        0.0017184671527467957,
        -0.00048183118610292935,
        0.00013106950950475372,
        -3.4665545999387596e-05,
        8.93080733633771e-06,
        -2.2448223631289205e-06,
        5.512706195122566e-07,
        -1.324434779124634e-07,
        3.152439197185638e-08,
        -7.279738484278512e-09,
    ],
    [
        3.24930477142334,
        0.16636816905441754,
        -0.04721739605254511,
        0.012944458766697151,
        -0.0034379362789489164,
        0.0008867780058295776,
        -0.00022260970936550505,
        5.4483738335190526e-05,
        -1.3021553831468199e-05,
        3.0431856017489483e-06,
        -6.962927216402514e-07,
        1.561374001179943e-07,
        -3.435105270079874e-08,
        7.49303554082221e-09,
        -1.586936266709577e-09,
    ],
    [
        3.7493467330932617,
        0.14561354073129262,
        -0.03646786062548338,
        0.008882886632236122,
        -0.002108559100314045,
        0.0004885837289698086,
        -0.000110675716903446,
        2.4540697120383347e-05,
        -5.332609806457335e-06,
        1.1367235514239858e-06,
        -2.3791984618854665e-07,
        4.8934490145652626e-08,
        -9.89843950127968e-09,
        1.986839567032853e-09,
        -3.886928977136085e-10,
    ],
];

/// `erf(y)/y` for `|y| ≤ 0.46875`, from `z = y²`.
#[inline(always)]
fn erf_over_y(z: f64) -> f64 {
    let a = &CODY_A;
    let b = &CODY_B;
    let num = (((a[4] * z + a[0]) * z + a[1]) * z + a[2]) * z + a[3];
    let den = (((z + b[0]) * z + b[1]) * z + b[2]) * z + b[3];
    num / den
}

/// `erfcx(y) = e^(y²)·erfc(y)` for `y > 0.46875` (any larger `y`, +∞ included: 0).
#[inline(always)]
fn erfcx_tail(y: f64) -> f64 {
    let shifted = y + 4.0; // in [4, 8): its top three fraction bits are ⌊2y⌋
    if shifted < 8.0 {
        let row = &ERFCX_MID[((shifted.to_bits() >> 49) as usize & 7).max(1) - 1];
        let c = &row[1..];
        // t exact (Sterbenz), |t| ≤ 0.29; the even and odd parts side by side (two short
        // chains), the constant term added last
        let t = y - row[0];
        let u = t * t;
        let (mut even, mut odd) = (c[12], c[13]);
        for k in (0..6).rev() {
            even = even * u + c[2 * k];
            odd = odd * u + c[2 * k + 1];
        }
        even + t * odd
    } else {
        erfcx_large(y)
    }
}

/// `erfcx(y)` for `y ≥ 4` (Cody): out of line, the sweep's cells rarely reach it and the
/// WebAssembly carries one copy of its coefficients.
#[inline(never)]
fn erfcx_large(y: f64) -> f64 {
    let (p, q) = (&CODY_P, &CODY_Q);
    let z = 1.0 / (y * y);
    let num = z * (((((p[5] * z + p[0]) * z + p[1]) * z + p[2]) * z + p[3]) * z + p[4]);
    let den = ((((z + q[0]) * z + q[1]) * z + q[2]) * z + q[3]) * z + q[4];
    (FRAC_1_SQRT_PI - num / den) / y
}

/// `e^(−y²)·r` for `0 ≤ y < 28` with one `exp`: `y² = s + e` exactly (Dekker's product on a
/// Veltkamp split, no fused multiply-add), `e^(−y²) = e^(−s)·(1 − e)` (`|e| ≤ 2⁻⁵³ s`, the dropped
/// `e²/2` below 1e-26). `r` is applied before the exponential so that a subnormal result is
/// rounded once.
#[inline(always)]
fn exp_neg_square_times(y: f64, r: f64) -> f64 {
    let s = y * y;
    let c = 134_217_729.0 * y; // 2^27 + 1
    let hi = c - (c - y);
    let lo = y - hi;
    let e = ((hi * hi - s) + 2.0 * hi * lo) + lo * lo;
    libm::exp(-s) * (r - r * e)
}

/// Standard normal cdf `Φ(x) = ½ erfc(−x/√2)`, with `erfc` from Cody's rationals and `ERFCX_MID`
/// and one `exp` (docs/CONVENTIONS.md, "Valuation and Greeks"): within 6.6e-16 relative of
/// `½ libm::erfc(−x/√2)` (a unit test sweeps the real line), monotone, in [0, 1], NaN for NaN.
/// Out of line in the WebAssembly: one copy.
#[cfg_attr(not(target_arch = "wasm32"), inline)]
#[cfg_attr(target_arch = "wasm32", inline(never))]
pub fn norm_cdf(x: f64) -> f64 {
    let y = -x * std::f64::consts::FRAC_1_SQRT_2;
    let a = y.abs();
    if a <= ERF_SMALL {
        return 0.5 - 0.5 * (y * erf_over_y(y * y));
    }
    if !(a < ERFC_ZERO) {
        return if y > 0.0 {
            0.0
        } else if y < 0.0 {
            1.0
        } else {
            x
        };
    }
    let half_erfc = exp_neg_square_times(a, 0.5 * erfcx_tail(a));
    if y > 0.0 {
        half_erfc
    } else {
        1.0 - half_erfc
    }
}

/// The former `norm_cdf`, `½ libm::erfc(−x/√2)` (musl's `erfc`: 2.6 ulp at worst against
/// 200-bit mpmath at the same argument): the reference of the tests.
#[cfg(test)]
pub fn norm_cdf_libm(x: f64) -> f64 {
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
/// already computed, so a cell costs at most one `exp` (two only when `σ√T` exceeds about 1.3).
///
/// The out-of-the-money side `A·Φ(u) − B·Φ(v)` (call `F, d1, K, d2`; put `K, −d2, F, −d1`;
/// `v < u`, `v ≤ −σ√T/2`) is valued directly and the other side reached by parity: no
/// cancellation. Once `u < −0.66` both normal CDFs are tails `½e^(−y²)erfcx(y)` (`y = −d/√2`) and
/// the densities agree, `B·e^(−y_v²) = A·e^(−y_u²)` (`y_v² − y_u² = ln(A/B)`), so one exponential
/// serves both: `½A·e^(−y_u²)·(erfcx(y_u) − erfcx(y_v))`.
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
    let otm_call = forward <= strike;
    let (a, u, b, v) = if otm_call {
        (forward, d1, strike, d2)
    } else {
        (strike, -d2, forward, -d1)
    };
    let y_u = -u * std::f64::consts::FRAC_1_SQRT_2;
    let otm = if y_u > ERF_SMALL {
        if y_u < ERFC_ZERO {
            let y_v = -v * std::f64::consts::FRAC_1_SQRT_2;
            let gap = erfcx_tail(y_u) - erfcx_tail(y_v);
            exp_neg_square_times(y_u, 0.5 * a * gap)
        } else {
            0.0
        }
    } else {
        a * norm_cdf(u) - b * norm_cdf(v)
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

/// The former `price_prepared` (two `½ libm::erfc`): the reference of the tests.
#[cfg(test)]
pub fn price_prepared_libm(
    forward: f64,
    strike: f64,
    ln_f_over_k: f64,
    sd: f64,
    discount: f64,
    is_call: bool,
) -> f64 {
    let d1 = ln_f_over_k / sd + 0.5 * sd;
    let d2 = d1 - sd;
    let otm_call = forward <= strike;
    let otm = if otm_call {
        forward * norm_cdf_libm(d1) - strike * norm_cdf_libm(d2)
    } else {
        strike * norm_cdf_libm(-d2) - forward * norm_cdf_libm(-d1)
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

    /// A reproducible stream of uniform numbers in [0, 1) (xorshift64*).
    fn uniforms(mut state: u64) -> impl FnMut() -> f64 {
        move || {
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            (state.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64
        }
    }

    /// Relative difference of `ours` from `reference`; for a subnormal reference, in units of
    /// the smallest normal number (a subnormal carries fewer bits).
    fn rel(ours: f64, reference: f64) -> f64 {
        if ours == reference {
            0.0
        } else {
            (ours - reference).abs() / reference.abs().max(f64::MIN_POSITIVE)
        }
    }

    #[test]
    fn norm_cdf_agrees_with_libm_erfc_over_the_real_line() {
        let mut points: Vec<f64> = (-4_000_000..=4_000_000).map(|i| i as f64 * 1e-5).collect();
        let mut u = uniforms(0x9e37_79b9_7f4a_7c15);
        for _ in 0..1_000_000 {
            points.push(80.0 * u() - 40.0);
            // magnitudes 1e-300 to 1e300, both signs
            let m = libm::pow(10.0, 600.0 * u() - 300.0);
            points.push(if u() < 0.5 { -m } else { m });
        }
        let sqrt2 = std::f64::consts::SQRT_2;
        for edge in [
            0.0,
            f64::MIN_POSITIVE,
            5e-324,
            1e-17,
            ERF_SMALL * sqrt2,
            4.0 * sqrt2,
            ERFC_ZERO * sqrt2,
            37.5,
            38.5,
            39.0,
            1e10,
            1e300,
            f64::MAX,
            f64::INFINITY,
        ] {
            for d in [-2.0, -1.0, 0.0, 1.0, 2.0] {
                let e = f64::from_bits((edge.to_bits() as i64 + d as i64).max(0) as u64);
                if !e.is_nan() {
                    points.extend([e, -e]);
                }
            }
        }
        let (mut worst, mut worst_at) = (0.0f64, 0.0);
        let mut worst_sub = 0.0f64;
        for &x in &points {
            let (ours, reference) = (norm_cdf(x), norm_cdf_libm(x));
            assert!((0.0..=1.0).contains(&ours), "Φ({x}) = {ours}");
            let r = rel(ours, reference);
            if reference >= f64::MIN_POSITIVE {
                if r > worst {
                    (worst, worst_at) = (r, x);
                }
            } else {
                worst_sub = worst_sub.max((ours - reference).abs());
            }
        }
        eprintln!("norm_cdf vs ½ libm::erfc: worst relative {worst:e} at x = {worst_at}, worst absolute below the normal range {worst_sub:e}");
        assert!(worst <= 8e-16, "worst relative {worst:e} at x = {worst_at}");
        assert!(worst_sub <= 4.0 * 5e-324, "{worst_sub:e}");
        assert!(norm_cdf(f64::NAN).is_nan());
        assert_eq!(
            (norm_cdf(f64::NEG_INFINITY), norm_cdf(f64::INFINITY)),
            (0.0, 1.0)
        );
        assert_eq!((norm_cdf(-f64::MAX), norm_cdf(f64::MAX)), (0.0, 1.0));
        assert_eq!((norm_cdf(-39.0), norm_cdf(9.0)), (0.0, 1.0));
        assert!(norm_cdf(-38.4) > 0.0 && norm_cdf(-38.4) < f64::MIN_POSITIVE);
        assert_eq!(norm_cdf(0.0), 0.5);
        // monotone on the dense grid (sorted), and the tails symmetric to within the rounding of 1 − t
        let grid = &points[..8_000_001];
        for w in grid.windows(2) {
            assert!(norm_cdf(w[0]) <= norm_cdf(w[1]), "not monotone at {}", w[0]);
        }
        for &x in grid.iter().step_by(997) {
            assert!(
                (norm_cdf(x) + norm_cdf(-x) - 1.0).abs() <= 2.0 * f64::EPSILON,
                "{x}"
            );
        }
    }

    #[test]
    fn price_prepared_is_accurate_where_the_tails_cancel() {
        // σ√T ≪ |d|: the time value is a small difference of two tails. 200-bit mpmath values of
        // 0.97·(F·Φ(d1) − K·Φ(d2)) at these (F, K, ln F/K, σ√T) doubles.
        let cells = [
            (
                93_386.274_229_102_99,
                95_000.0,
                -1.713_251_402_681_398_3e-2,
                3.311_311_214_825_911_3e-3,
                6.274_872_035_364_542e-6,
            ),
            (
                94_843.964_617_023_26,
                95_000.0,
                -1.643_828_060_878_316_2e-3,
                2.884_031_503_126_605_5e-4,
                2.644_529_124_463_621_3e-8,
            ),
            (
                3_398.005_836_551_219_5,
                3_400.0,
                -5.866_907_307_605_553e-4,
                1.230_268_770_812_381e-4,
                7.305_380_398_727_756e-8,
            ),
        ];
        for (f, k, ln_fk, sd, exact) in cells {
            let ours = (price_prepared(f, k, ln_fk, sd, 0.97, true) - exact).abs() / exact;
            let old = (price_prepared_libm(f, k, ln_fk, sd, 0.97, true) - exact).abs() / exact;
            eprintln!("relative error: {ours:e} (two libm erfc: {old:e})");
            assert!(ours <= 2e-11 && ours * 5.0 < old, "{ours:e} {old:e}");
        }
    }

    #[test]
    fn price_prepared_agrees_with_the_libm_kernel() {
        // Where the time value is a small difference of two tails (σ√T ≪ |d|) the old kernel's
        // independent erfc errors are amplified (1e-10 relative at prices near 1e-10 K, 10× the
        // new kernel's error against 200-bit mpmath): there the bound is absolute.
        let mut worst = 0.0f64; // relative, where the two terms are within 10× the time value
        let mut worst_abs = 0.0f64; // in strikes, everywhere
        let mut u = uniforms(42);
        let mut cells = 0usize;
        for i in 0..=600 {
            let x = -3.0 + 0.01 * i as f64; // ln(F/K) in ±3
            for j in 0..=400 {
                let sd = libm::pow(10.0, -4.0 + 0.01 * j as f64); // 1e-4 to 1
                let sd = if j == 400 { 1.0 + 14.0 * u() } else { sd }; // and up to 15
                for &strike in &[1.0, 3400.0, 95_000.0] {
                    // as the sweep (src/margin/grid.rs): a base forward and a move, each with its log
                    let f = strike * libm::exp(x);
                    let m = u() - 0.5;
                    let forward = f * (1.0 + m);
                    let ln_fk = libm::log(f / strike) + libm::log(1.0 + m);
                    for call in [true, false] {
                        let ours = price_prepared(forward, strike, ln_fk, sd, 0.97, call);
                        let reference = price_prepared_libm(forward, strike, ln_fk, sd, 0.97, call);
                        assert!(ours >= 0.0 && ours.is_finite());
                        let d = (ours - reference).abs();
                        worst_abs = worst_abs.max(d / strike);
                        // the old kernel's own error: a few ulp of the two terms it subtracts, each
                        // with the rounding of d/√2 amplified by d² in e^(−d²/2)
                        let (a, u, b, v) = if forward <= strike {
                            (
                                forward,
                                ln_fk / sd + 0.5 * sd,
                                strike,
                                ln_fk / sd - 0.5 * sd,
                            )
                        } else {
                            (
                                strike,
                                0.5 * sd - ln_fk / sd,
                                forward,
                                -ln_fk / sd - 0.5 * sd,
                            )
                        };
                        let terms = 0.97
                            * (a * norm_cdf_libm(u) * (1.0 + u * u)
                                + b * norm_cdf_libm(v) * (1.0 + v * v));
                        assert!(
                            d <= 1e-13 * reference + 8.0 * f64::EPSILON * terms + 1e-300,
                            "F {forward} K {strike} ln {ln_fk} sd {sd} call {call}: {ours:e} vs {reference:e}"
                        );
                        assert!(d <= 1e-13 * reference || d <= 1e-13 * strike);
                        if terms <= 10.0 * reference && reference > 1e-290 {
                            worst = worst.max(d / reference);
                        }
                        cells += 1;
                    }
                }
            }
        }
        eprintln!("price_prepared vs libm on {cells} cells: worst relative {worst:e} (where the terms, d² included, are below 10× the time value), worst absolute {worst_abs:e} K");
        assert!(
            worst <= 1e-13 && worst_abs <= 1e-14,
            "{worst:e} {worst_abs:e}"
        );
    }

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
