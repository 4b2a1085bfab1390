//! Market data: index, forward curve (futures marks or carry), volatility (flat or smiles).

use crate::error::{finite, positive, Error, ErrorCode, Result};
use crate::input::limits::{valid_iv, MAX_IV};
use crate::input::market::{MarketInput, UnderlyingInput};
use crate::time::{parse_instant, year_fraction, Date, Timestamp};
use std::collections::BTreeMap;

/// One expiry's smile: points in log-moneyness `k = ln(K/F)`, sorted.
#[derive(Debug, Clone)]
struct SmileSlice {
    t_years: f64,
    points: Vec<(f64, f64)>,
}

impl SmileSlice {
    fn vol_at(&self, k: f64) -> f64 {
        let pts = &self.points;
        let first = pts[0];
        let last = pts[pts.len() - 1];
        if k <= first.0 {
            return first.1;
        }
        if k >= last.0 {
            return last.1;
        }
        let i = pts.partition_point(|p| p.0 <= k).clamp(1, pts.len() - 1);
        let (a, b) = (pts[i - 1], pts[i]);
        a.1 + (b.1 - a.1) * (k - a.0) / (b.0 - a.0)
    }
}

/// One underlying's market, validated and ready for lookups.
#[derive(Debug, Clone)]
pub struct UnderlyingMarket {
    pub index: f64,
    /// (T, annualised basis ln(F/S)/T), sorted by T, only T > 0.
    basis: Vec<(f64, f64)>,
    carry: f64,
    flat_iv: Option<f64>,
    smiles: Vec<SmileSlice>,
    /// Delivery prices of past expiries.
    delivery: BTreeMap<Date, f64>,
}

impl UnderlyingMarket {
    /// Forward for time `t_years` (SPEC §1): basis interpolated linearly in T, flat outside.
    pub fn forward(&self, t_years: f64) -> f64 {
        if t_years <= 0.0 {
            return self.index;
        }
        let b = if self.basis.is_empty() {
            self.carry
        } else {
            let first = self.basis[0];
            let last = self.basis[self.basis.len() - 1];
            if t_years <= first.0 {
                first.1
            } else if t_years >= last.0 {
                last.1
            } else {
                let i = self
                    .basis
                    .partition_point(|p| p.0 <= t_years)
                    .clamp(1, self.basis.len() - 1);
                let (a, c) = (self.basis[i - 1], self.basis[i]);
                a.1 + (c.1 - a.1) * (t_years - a.0) / (c.0 - a.0)
            }
        };
        self.index * libm::exp(b * t_years)
    }

    /// The price an instrument of `expiry` settled at: its delivery price, else the index.
    pub fn delivery_price(&self, expiry: Option<Date>) -> f64 {
        expiry
            .and_then(|e| self.delivery.get(&e).copied())
            .unwrap_or(self.index)
    }

    /// The ATM implied vol of the first expiry (log-moneyness 0 of the earliest smile), else the
    /// flat iv: the σ of an underlying in VaR and `es-margin` (SPEC §4).
    pub fn atm_vol_first_expiry(&self) -> Option<f64> {
        self.smiles.first().map(|s| s.vol_at(0.0)).or(self.flat_iv)
    }

    pub fn has_vol(&self) -> bool {
        !self.smiles.is_empty() || self.flat_iv.is_some()
    }

    /// Implied vol for strike `strike` at `t_years` (forward `forward`): smile in log-moneyness,
    /// total variance across expiries, flat vol outside the slices; else the flat iv.
    pub fn vol(&self, t_years: f64, strike: f64, forward: f64) -> Option<f64> {
        if self.smiles.is_empty() {
            return self.flat_iv;
        }
        let k = libm::log(strike / forward);
        let first = &self.smiles[0];
        let last = &self.smiles[self.smiles.len() - 1];
        if t_years <= first.t_years {
            return Some(first.vol_at(k));
        }
        if t_years >= last.t_years {
            return Some(last.vol_at(k));
        }
        let i = self
            .smiles
            .partition_point(|s| s.t_years <= t_years)
            .clamp(1, self.smiles.len() - 1);
        let (a, b) = (&self.smiles[i - 1], &self.smiles[i]);
        let wa = a.vol_at(k).powi(2) * a.t_years;
        let wb = b.vol_at(k).powi(2) * b.t_years;
        let w = wa + (wb - wa) * (t_years - a.t_years) / (b.t_years - a.t_years);
        Some((w / t_years).sqrt())
    }
}

/// Documented bound on the underlyings of one market.
pub const MAX_UNDERLYINGS: usize = 200;
/// Documented bound on the points of one smile.
pub const MAX_SMILE_POINTS: usize = 500;

/// An expiry date written `YYYY-MM-DD` (or Deribit's `25DEC26`).
fn expiry_date(text: &str, path: &str) -> Result<Date> {
    Date::parse_iso(text)
        .or_else(|| Date::parse_deribit(text))
        .ok_or_else(|| {
            Error::at_path(
                ErrorCode::BadDate,
                path,
                format!("'{text}' is not an expiry date (YYYY-MM-DD)"),
            )
        })
}

/// One underlying, validated; `at(field)` is a field's path.
fn underlying_market(
    u: &UnderlyingInput,
    as_of: Timestamp,
    at: impl Fn(&str) -> String,
) -> Result<UnderlyingMarket> {
    let index = positive(u.index, &at("index"))?;
    let basis = match &u.futures {
        Some(futures) => basis_curve(futures, index, as_of, &at("futures"))?,
        None => Vec::new(),
    };
    let carry = finite(u.carry.unwrap_or(0.0), &at("carry"))?;
    if carry.abs() > crate::input::limits::MAX_CARRY {
        return Err(Error::at_path(
            ErrorCode::BadNumber,
            at("carry"),
            "carry is an annualised decimal rate; |carry| must be ≤ 1 (5 % is 0.05)",
        ));
    }
    let flat_iv = match u.iv {
        Some(v) if valid_iv(v) => Some(v),
        Some(_) => {
            return Err(Error::at_path(
                ErrorCode::BadNumber,
                at("iv"),
                format!("iv must be a decimal in [0.0001, {MAX_IV}] (55 % is 0.55)"),
            ))
        }
        None => None,
    };
    let mut delivery = BTreeMap::new();
    for (date_text, price) in u.delivery.iter().flatten() {
        let here = format!("{}.{date_text}", at("delivery"));
        let date = expiry_date(date_text, &here)?;
        delivery.insert(date, positive(*price, &here)?);
    }
    let mut market = UnderlyingMarket {
        index,
        basis,
        carry,
        flat_iv,
        smiles: Vec::new(),
        delivery,
    };
    if let Some(map) = &u.smiles {
        market.smiles = smile_slices(map, &market, as_of, &at("smiles"))?;
    }
    Ok(market)
}

/// (T, annualised basis) of every futures mark still to expire, sorted by T.
fn basis_curve(
    futures: &BTreeMap<String, f64>,
    index: f64,
    as_of: Timestamp,
    path: &str,
) -> Result<Vec<(f64, f64)>> {
    let mut basis = Vec::new();
    for (date_text, mark) in futures {
        let here = format!("{path}.{date_text}");
        let date = expiry_date(date_text, &here)?;
        let mark = positive(*mark, &here)?;
        let t = year_fraction(as_of, date.expiry_timestamp());
        if t > 0.0 {
            let b = libm::log(mark / index) / t;
            if !b.is_finite() || b.abs() > crate::input::limits::MAX_BASIS {
                return Err(Error::at_path(
                    ErrorCode::BadNumber,
                    &here,
                    format!("futures mark {mark} is implausibly far from the index {index} (its annualised basis ln(F/S)/T must be within ±2.5)"),
                ));
            }
            insert_sorted(&mut basis, (t, b), |p| p.0);
        }
    }
    Ok(basis)
}

/// Insert `x` after the elements whose key is at most its own (a stable insertion sort: the lists
/// are short, at most [`MAX_SMILE_POINTS`], and a `sort_unstable_by` per element type compiled
/// to about 1 KB of WebAssembly each).
fn insert_sorted<T>(v: &mut Vec<T>, x: T, key: impl Fn(&T) -> f64) {
    let k = key(&x);
    let at = v.partition_point(|e| key(e).total_cmp(&k).is_le());
    v.insert(at, x);
}

/// The smiles still to expire, strikes in log-moneyness against each slice's own forward (the
/// curve of `market`), sorted by T.
fn smile_slices(
    map: &BTreeMap<String, Vec<[f64; 2]>>,
    market: &UnderlyingMarket,
    as_of: Timestamp,
    path: &str,
) -> Result<Vec<SmileSlice>> {
    let mut slices = Vec::new();
    for (date_text, points) in map {
        let here = format!("{path}.{date_text}");
        let date = expiry_date(date_text, &here)?;
        let t = year_fraction(as_of, date.expiry_timestamp());
        if t <= 0.0 {
            continue;
        }
        if points.is_empty() || points.len() > MAX_SMILE_POINTS {
            return Err(Error::at_path(
                ErrorCode::BadNumber,
                &here,
                format!("a smile needs 1 to {MAX_SMILE_POINTS} [strike, iv] points"),
            ));
        }
        let f = market.forward(t);
        let mut slice = SmileSlice {
            t_years: t,
            points: Vec::with_capacity(points.len()),
        };
        for (i, [strike, iv]) in points.iter().enumerate() {
            let p = format!("{here}[{i}]");
            positive(*strike, &p)?;
            if let Some(j) = points[..i]
                .iter()
                .position(|q| q[0] == *strike && q[1] != *iv)
            {
                return Err(Error::at_path(
                    ErrorCode::BadRequest,
                    format!("{p}[0]"),
                    format!(
                        "{p}: strike {strike} is given twice with two vols ({} at {here}[{j}] and {iv}); give each strike once",
                        points[j][1]
                    ),
                ));
            }
            if !valid_iv(*iv) {
                return Err(Error::at_path(
                    ErrorCode::BadNumber,
                    p,
                    format!("smile iv must be a decimal in [0.0001, {MAX_IV}]"),
                ));
            }
            insert_sorted(&mut slice.points, (libm::log(*strike / f), *iv), |p| p.0);
        }
        slice.points.dedup_by(|a, b| a.0 == b.0);
        insert_sorted(&mut slices, slice, |s| s.t_years);
    }
    Ok(slices)
}

/// Pairwise correlations keyed by the sorted pair.
fn correlations(input: &BTreeMap<String, f64>) -> Result<BTreeMap<(String, String), f64>> {
    let mut correlations = BTreeMap::new();
    for (pair, rho) in input {
        let here = format!("correlations.{pair}");
        let (a, b) = pair.split_once('/').ok_or_else(|| {
            Error::at_path(
                ErrorCode::BadRequest,
                &here,
                "a correlation key is a pair like \"BTC/ETH\"",
            )
        })?;
        if !(rho.is_finite() && (-1.0..=1.0).contains(rho)) {
            return Err(Error::at_path(
                ErrorCode::BadCorrelation,
                here,
                "a correlation must be between -1 and 1",
            ));
        }
        let (a, b) = (a.trim().to_ascii_uppercase(), b.trim().to_ascii_uppercase());
        if a == b && *rho != 1.0 {
            return Err(Error::at_path(
                ErrorCode::BadCorrelation,
                here,
                "the correlation of an underlying with itself is 1",
            ));
        }
        let key = if a <= b { (a, b) } else { (b, a) };
        if let Some(before) = correlations.insert(key, *rho) {
            if before != *rho {
                return Err(Error::at_path(
                    ErrorCode::BadCorrelation,
                    here,
                    "the pair is given twice with different correlations (a correlation matrix is symmetric)",
                ));
            }
        }
    }
    Ok(correlations)
}

/// A validated market.
#[derive(Debug, Clone)]
pub struct Market {
    pub as_of: Timestamp,
    pub as_of_text: String,
    pub rate: f64,
    pub underlyings: BTreeMap<String, UnderlyingMarket>,
    /// Pairwise correlations keyed by sorted pair `("BTC","ETH")`.
    pub correlations: BTreeMap<(String, String), f64>,
    pub description: Option<String>,
}

impl Market {
    /// The embedded default, validated once per process (or WebAssembly instance).
    pub fn embedded_default() -> Result<Market> {
        static DEFAULT: std::sync::OnceLock<Result<Market>> = std::sync::OnceLock::new();
        DEFAULT
            .get_or_init(|| Market::from_input(&MarketInput::embedded_default()?))
            .clone()
    }

    /// Validate a market input. Error paths are relative to the market object.
    pub fn from_input(input: &MarketInput) -> Result<Market> {
        let as_of = parse_instant(&input.as_of).ok_or_else(|| {
            Error::at_path(
                ErrorCode::BadDate,
                "asOf",
                format!(
                    "'{}' is not an ISO 8601 time such as 2026-11-24T08:00:00Z",
                    input.as_of
                ),
            )
        })?;
        // expiries are written with two-digit years (20YY): T stays within 130 years, and the
        // forwards, discount factors and roll shocks within f64
        if !(0.0..4_102_444_800.0).contains(&as_of) {
            return Err(Error::at_path(
                ErrorCode::BadDate,
                "asOf",
                format!(
                    "asOf '{}' must be between 1970-01-01 and 2099-12-31",
                    input.as_of
                ),
            ));
        }
        let rate = finite(input.rate.unwrap_or(0.0), "rate")?;
        if rate.abs() > 1.0 {
            return Err(Error::at_path(
                ErrorCode::BadNumber,
                "rate",
                "rate must be a decimal between -1 and 1 (5 % is 0.05)",
            ));
        }
        if input.underlyings.len() > MAX_UNDERLYINGS {
            return Err(Error::at_path(
                ErrorCode::LimitExceeded,
                "underlyings",
                format!("more than {MAX_UNDERLYINGS} underlyings"),
            ));
        }
        let mut underlyings = BTreeMap::new();
        for (name, u) in &input.underlyings {
            let at = |field: &str| format!("underlyings.{name}.{field}");
            underlyings.insert(name.to_ascii_uppercase(), underlying_market(u, as_of, at)?);
        }
        Ok(Market {
            as_of,
            as_of_text: input.as_of.clone(),
            rate,
            underlyings,
            correlations: correlations(&input.correlations)?,
            description: input.description.clone(),
        })
    }

    pub fn underlying(&self, name: &str) -> Option<&UnderlyingMarket> {
        self.underlyings.get(name)
    }

    pub fn correlation(&self, a: &str, b: &str) -> Option<f64> {
        if a == b {
            return Some(1.0);
        }
        let key = if a <= b {
            (a.to_string(), b.to_string())
        } else {
            (b.to_string(), a.to_string())
        };
        self.correlations.get(&key).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::json::parse_json;

    fn market(json: &str) -> Market {
        Market::from_input(
            &MarketInput::from_json(&parse_json(json, "the market").unwrap(), "").unwrap(),
        )
        .unwrap()
    }

    #[test]
    fn forward_interpolates_basis_linearly_in_t() {
        let m = market(
            r#"{"asOf":"2026-11-24T08:00:00Z","underlyings":{"BTC":{"index":95000,"futures":{"2026-12-24":95600,"2027-03-24":97100}}}}"#,
        );
        let u = m.underlying("BTC").unwrap();
        let (t1, t2) = (30.0 / 365.0, 120.0 / 365.0);
        assert!((u.forward(t1) - 95600.0).abs() < 1e-8);
        assert!((u.forward(t2) - 97100.0).abs() < 1e-8);
        let (b1, b2) = (
            (95600f64 / 95000.0).ln() / t1,
            (97100f64 / 95000.0).ln() / t2,
        );
        let tm = 75.0 / 365.0;
        assert!((u.forward(tm) - 95000.0 * ((b1 + b2) / 2.0 * tm).exp()).abs() < 1e-8);
        // flat basis outside
        assert!((u.forward(1.0) - 95000.0 * b2.exp()).abs() < 1e-8);
    }

    #[test]
    fn smile_interpolation() {
        let m = market(
            r#"{"asOf":"2026-11-24T08:00:00Z","underlyings":{"ETH":{"index":3400,"carry":0,"smiles":{"2026-12-24":[[3000,0.7],[3400,0.6],[3800,0.65]],"2027-03-24":[[3400,0.5]]}}}}"#,
        );
        let u = m.underlying("ETH").unwrap();
        let t1 = 30.0 / 365.0;
        assert!((u.vol(t1, 3400.0, 3400.0).unwrap() - 0.6).abs() < 1e-12);
        assert!(
            (u.vol(t1, 3200.0, 3400.0).unwrap()
                - (0.7 + (0.6 - 0.7) * ((3200f64 / 3000.0).ln() / (3400f64 / 3000.0).ln())))
            .abs()
                < 1e-12
        );
        assert!((u.vol(t1, 1000.0, 3400.0).unwrap() - 0.7).abs() < 1e-12); // flat extrapolation
        let t2 = 120.0 / 365.0;
        let tm = 75.0 / 365.0;
        let w = 0.36 * t1 + (0.25 * t2 - 0.36 * t1) * (tm - t1) / (t2 - t1);
        assert!((u.vol(tm, 3400.0, 3400.0).unwrap() - (w / tm).sqrt()).abs() < 1e-12);
    }

    #[test]
    fn bad_market_has_a_path() {
        let e = Market::from_input(
            &MarketInput::from_json(
                &parse_json(
                    r#"{"asOf":"2026-11-24","underlyings":{"BTC":{"index":-1}}}"#,
                    "the market",
                )
                .unwrap(),
                "",
            )
            .unwrap(),
        )
        .unwrap_err();
        assert_eq!(
            (e.code, e.path.as_deref()),
            (ErrorCode::BadNumber, Some("underlyings.BTC.index"))
        );
    }

    #[test]
    fn default_market_loads() {
        let m = Market::from_input(&MarketInput::embedded_default().unwrap()).unwrap();
        for coin in ["BTC", "ETH", "SOL"] {
            assert!(m.underlying(coin).unwrap().has_vol());
        }
    }
}

/// The market of a request, or the embedded default; the second value says which (`request`/`default`).
pub fn market_of(input: Option<&MarketInput>) -> Result<(Market, &'static str)> {
    match input {
        Some(m) => Ok((
            Market::from_input(m).map_err(|e| e.under("market"))?,
            "request",
        )),
        None => Ok((Market::embedded_default()?, "default")),
    }
}
