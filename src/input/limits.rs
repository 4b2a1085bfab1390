//! Documented input ranges shared by several readers.

/// The largest implied volatility accepted anywhere (a decimal: 20 is 2 000 %).
pub const MAX_IV: f64 = 20.0;

/// An implied vol in (0, MAX_IV].
pub fn valid_iv(v: f64) -> bool {
    v.is_finite() && v > 0.0 && v <= MAX_IV
}
