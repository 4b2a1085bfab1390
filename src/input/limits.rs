//! Documented input ranges shared by several readers (README, "Input ranges"): every value inside
//! them yields finite figures (tests/ranges.rs drives their corners).

/// The largest implied volatility accepted anywhere (a decimal: 20 is 2 000 %).
pub const MAX_IV: f64 = 20.0;
/// The smallest implied volatility accepted anywhere (0.01 %): far below it σ√T underflows for
/// short expiries (1e-320) and the figures stop being finite.
pub const MIN_IV: f64 = 1e-4;
/// Prices, strikes, marks, entries, index and delivery prices: [MIN_PRICE, MAX_PRICE] USD (an
/// inverse option's mark: coin, same range).
pub const MIN_PRICE: f64 = 1e-8;
pub const MAX_PRICE: f64 = 1e12;
/// |collateral| ≤ this (any finite amount inside: a margin ratio too large for f64 is reported as
/// null, like an account with no equity).
pub const MAX_COLLATERAL: f64 = 1e15;
/// |carry| and |rate| ≤ this; the annualised basis of futures marks within ±[`MAX_BASIS`].
pub const MAX_CARRY: f64 = 1.0;
pub const MAX_BASIS: f64 = 2.5;

/// An implied vol in [MIN_IV, MAX_IV].
pub fn valid_iv(v: f64) -> bool {
    v.is_finite() && (MIN_IV..=MAX_IV).contains(&v)
}

/// A price in [MIN_PRICE, MAX_PRICE].
pub fn valid_price(v: f64) -> bool {
    v.is_finite() && (MIN_PRICE..=MAX_PRICE).contains(&v)
}
