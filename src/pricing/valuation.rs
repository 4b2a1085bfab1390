//! Positions valued on a market: reference price, time, volatility, value and Greeks, and the
//! scenario revaluation every margin model uses (`pnl_at`).

use crate::error::{Error, ErrorCode, Issue, Result, Warning, WarningCode};
use crate::input::instrument::{Kind, OptionType, QuantityUnit, Settlement};
use crate::input::positions::PositionInput;
use crate::market::{Market, UnderlyingMarket};
use crate::pricing::black76::{self, OptionGreeks};
use crate::time::year_fraction;
use serde::Serialize;

/// Where a position's volatility came from.
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum IvSource {
    /// `iv=` on the position.
    Position,
    /// Implied from the position's `@mark`.
    Mark,
    /// The market's smile or flat iv.
    Surface,
}

/// Greeks of one position (quantity applied), USD terms; `…Coin` for inverse positions.
#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PositionGreeks {
    /// Perpetual-equivalent delta (SPEC §1): `Σ (∂V/∂F_i)·F_i/S`, coin; what a small move of the
    /// index moves when every forward moves in proportion.
    pub delta: f64,
    pub delta_usd: f64,
    pub gamma: f64,
    pub gamma_usd_1pct: f64,
    pub vega: f64,
    pub theta: f64,
    pub rho: f64,
    pub vanna: f64,
    pub volga: f64,
    /// `∂V/∂F` of the instrument's own forward (the option delta venues quote), coin; per position.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delta_forward: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delta_coin_account: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vega_coin: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub theta_coin: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rho_coin: Option<f64>,
}

impl PositionGreeks {
    pub fn add(&mut self, o: &PositionGreeks) {
        self.delta += o.delta;
        self.delta_usd += o.delta_usd;
        self.gamma += o.gamma;
        self.gamma_usd_1pct += o.gamma_usd_1pct;
        self.vega += o.vega;
        self.theta += o.theta;
        self.rho += o.rho;
        self.vanna += o.vanna;
        self.volga += o.volga;
    }
}

/// A position valued on the market. All the state a scenario needs, precomputed once.
#[derive(Debug, Clone)]
pub struct ValuedPosition {
    pub input: PositionInput,
    pub pool: String,
    /// Quantity in the instrument's native unit: coin, or USD notional for inverse futures/perpetuals.
    pub quantity: f64,
    /// Coin equivalent of the quantity at the reference price.
    pub quantity_coin: f64,
    /// Index of the underlying.
    pub index: f64,
    /// Reference price: the forward of the expiry (options), the mark or forward (futures), mark or
    /// index (perpetuals), index (spot, expired instruments).
    pub forward: f64,
    pub t_years: f64,
    pub sigma: Option<f64>,
    pub iv_source: Option<IvSource>,
    pub rate: f64,
    pub expired: bool,
    /// Per-coin option price in USD (discounted), 0 for delta-one instruments.
    pub unit_price_usd: f64,
    /// Value in USD and in the pool's currency (options: premium value; futures: P&L vs entry).
    pub value_usd: f64,
    pub value_pool: f64,
    pub greeks: PositionGreeks,
}

impl ValuedPosition {
    pub fn is_option(&self) -> bool {
        self.input.instrument.kind == Kind::Option
    }
    pub fn is_inverse(&self) -> bool {
        self.input.instrument.settlement == Settlement::Inverse
    }
    pub fn is_call(&self) -> bool {
        self.input.instrument.option_type == Some(OptionType::Call)
    }
    pub fn strike(&self) -> f64 {
        self.input.instrument.strike.unwrap_or(0.0)
    }
    pub fn dte_days(&self) -> f64 {
        self.t_years * 365.0
    }

    /// Option value per coin in USD at forward `f` and vol `sigma` (intrinsic when expired).
    #[inline]
    fn option_unit_value(&self, f: f64, sigma: f64) -> f64 {
        if self.expired {
            black76::intrinsic(f, self.strike(), self.is_call())
        } else {
            black76::price(
                f,
                self.strike(),
                self.t_years,
                sigma,
                self.rate,
                self.is_call(),
            )
        }
    }

    /// P&L when prices move by `1 + move_frac`, the vol is `sigma` and the option has `t_years`
    /// left (a time-shifted scenario); at or past expiry an option is worth its intrinsic value.
    pub fn pnl_at_time(&self, move_frac: f64, sigma: f64, t_years: f64) -> f64 {
        if self.expired {
            return 0.0; // settled: no scenario P&L (SPEC §3.1 step 11)
        }
        if self.input.instrument.kind != Kind::Option || (t_years == self.t_years && !self.expired)
        {
            return self.pnl_at(move_frac, sigma);
        }
        let mult = 1.0 + move_frac;
        let f = self.forward * mult;
        let unit = if self.expired || t_years <= 0.0 {
            black76::intrinsic(f, self.strike(), self.is_call())
        } else {
            black76::price(f, self.strike(), t_years, sigma, self.rate, self.is_call())
        };
        if self.is_inverse() {
            self.quantity * (unit / f - self.unit_price_usd / self.forward)
        } else {
            self.quantity * (unit - self.unit_price_usd)
        }
    }

    /// P&L in USD against today's value, fully revalued, when the index moves to `index × s_mult`,
    /// every σ is multiplied by `vol_mult` and `horizon_years` pass (SPEC §4): option time shrinks
    /// by the horizon; each forward keeps its annualised basis over the remaining time on the
    /// shocked index (a perpetual keeps its ratio to the index); at or past expiry an instrument is
    /// worth its intrinsic value at the shocked index. Inverse pool P&L is converted at the shocked
    /// index; a coin holding moves with its coin; stablecoins and settled positions do not move.
    pub fn pnl_usd_at(&self, s_mult: f64, vol_mult: f64, horizon_years: f64) -> f64 {
        self.at_horizon(horizon_years)
            .pnl_usd(s_mult, libm::log(s_mult), vol_mult)
    }

    /// [`pnl_usd_at`](Self::pnl_usd_at) at one horizon with every term that does not depend on the
    /// move computed once: the risk engine evaluates it per path and per grid node.
    pub fn at_horizon(&self, horizon_years: f64) -> HorizonPnl {
        let kind = self.input.instrument.kind;
        let zero = HorizonPnl {
            shape: HorizonShape::Zero,
            index: self.index,
            quantity: 0.0,
            f: self.forward,
            f_base: self.forward,
            strike: 0.0,
            call: false,
            base: 0.0,
            ln_fk: 0.0,
            sd: 0.0,
            discount: 1.0,
        };
        if self.expired || kind == Kind::Spot && is_stablecoin(&self.input.instrument.underlying) {
            return zero;
        }
        let t_left = self.t_years - horizon_years;
        // the reference price at the horizon on an unmoved index
        let f_base = match kind {
            Kind::Spot => self.index,
            Kind::Perpetual => self.forward,
            _ if t_left <= 0.0 => self.index,
            _ => {
                self.index * libm::exp(libm::log(self.forward / self.index) / self.t_years * t_left)
            }
        };
        let mut h = HorizonPnl { f_base, ..zero };
        h.shape = match (kind, self.is_inverse()) {
            (Kind::Spot, _) => {
                h.quantity = self.quantity_coin;
                HorizonShape::Coin
            }
            (Kind::Option, inverse) => {
                h.quantity = self.quantity;
                h.strike = self.strike();
                h.call = self.is_call();
                h.base = self.unit_price_usd;
                if t_left > 0.0 {
                    h.ln_fk = libm::log(f_base / h.strike);
                    h.sd = self.sigma.unwrap_or(0.0) * libm::sqrt(t_left);
                    h.discount = libm::exp(-self.rate * t_left);
                }
                match (t_left > 0.0, inverse) {
                    (true, false) => HorizonShape::Option,
                    (true, true) => HorizonShape::InverseOption,
                    (false, false) => HorizonShape::Intrinsic,
                    (false, true) => HorizonShape::InverseIntrinsic,
                }
            }
            (_, true) => {
                h.quantity = self.quantity;
                HorizonShape::InverseLinear
            }
            (_, false) => {
                h.quantity = self.quantity;
                HorizonShape::Linear
            }
        };
        h
    }

    /// P&L in the pool's currency when every price moves by `1 + move_frac` and the vol is `sigma`
    /// (SPEC §3.1 step 2; the per-instrument formulas are in docs/CONVENTIONS.md).
    #[inline]
    pub fn pnl_at(&self, move_frac: f64, sigma: f64) -> f64 {
        if self.expired {
            return 0.0; // settled: no scenario P&L (SPEC §3.1 step 11)
        }
        let mult = 1.0 + move_frac;
        let f = self.forward;
        match (self.input.instrument.kind, self.is_inverse()) {
            (Kind::Option, true) => {
                let shocked = self.option_unit_value(f * mult, sigma) / (f * mult);
                self.quantity * (shocked - self.unit_price_usd / f)
            }
            (Kind::Option, false) => {
                self.quantity * (self.option_unit_value(f * mult, sigma) - self.unit_price_usd)
            }
            // N (1/F − 1/F'), written without cancellation
            (_, true) => self.quantity / f * (move_frac / mult),
            (_, false) => self.quantity * f * move_frac,
        }
    }
}

/// A position's USD P&L at one horizon (SPEC §4) as a function of the index move, prepared by
/// [`ValuedPosition::at_horizon`]: an option costs one `exp` per move (`black76::price_prepared`),
/// none when the move leaves it more than [`FAR_SD`] standard deviations from its strike.
#[derive(Debug, Clone, Copy)]
pub struct HorizonPnl {
    shape: HorizonShape,
    index: f64,
    quantity: f64,
    /// Today's reference price.
    f: f64,
    /// The reference price at the horizon on an unmoved index.
    f_base: f64,
    strike: f64,
    call: bool,
    /// Today's per-coin option price (USD).
    base: f64,
    /// `ln(f_base / K)`.
    ln_fk: f64,
    /// `σ·sqrt(T − h)` before the vol move.
    sd: f64,
    discount: f64,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum HorizonShape {
    Zero,
    Coin,
    Linear,
    InverseLinear,
    Option,
    InverseOption,
    Intrinsic,
    InverseIntrinsic,
}

/// Beyond this many standard deviations from its strike an option's time value is below
/// `N(−10)·K ≈ 8·10⁻²⁴·K` and is taken as 0: the price is its discounted intrinsic value.
pub const FAR_SD: f64 = 10.0;

impl HorizonPnl {
    /// The same instrument's P&L for another quantity (the P&L is proportional to it).
    pub fn with_quantity(&self, quantity: f64) -> HorizonPnl {
        HorizonPnl { quantity, ..*self }
    }

    pub fn quantity(&self) -> f64 {
        self.quantity
    }

    /// What fixes the P&L per unit of quantity, bit for bit: equal for positions in one
    /// instrument on one market, so that the risk engine revalues them once.
    pub fn unit_key(&self) -> [u64; 10] {
        [
            self.shape as u64,
            self.index.to_bits(),
            self.f.to_bits(),
            self.f_base.to_bits(),
            self.strike.to_bits(),
            self.call as u64,
            self.base.to_bits(),
            self.ln_fk.to_bits(),
            self.sd.to_bits(),
            self.discount.to_bits(),
        ]
    }

    /// USD P&L when the index moves by `s_mult` (`ln_s_mult = ln(s_mult)`) and σ by `vol_mult`.
    #[inline]
    pub fn pnl_usd(&self, s_mult: f64, ln_s_mult: f64, vol_mult: f64) -> f64 {
        let index = self.index * s_mult;
        let f_new = self.f_base * s_mult;
        let q = self.quantity;
        match self.shape {
            HorizonShape::Zero => 0.0,
            HorizonShape::Coin => q * (index - self.index),
            HorizonShape::Linear => q * (f_new - self.f),
            // N (1/F − 1/F′) coin, at the shocked index
            HorizonShape::InverseLinear => q * (index / self.f - index / f_new),
            HorizonShape::Intrinsic => {
                q * (black76::intrinsic(f_new, self.strike, self.call) - self.base)
            }
            HorizonShape::InverseIntrinsic => {
                let unit = black76::intrinsic(f_new, self.strike, self.call);
                q * (unit / f_new - self.base / self.f) * index
            }
            HorizonShape::Option | HorizonShape::InverseOption => {
                let sd = self.sd * vol_mult;
                let ln_fk = self.ln_fk + ln_s_mult;
                let unit = if (ln_fk.abs() - 0.5 * sd * sd) > FAR_SD * sd {
                    // |d1| and |d2| both beyond FAR_SD, on the same side
                    self.discount * black76::intrinsic(f_new, self.strike, self.call)
                } else {
                    black76::price_prepared(f_new, self.strike, ln_fk, sd, self.discount, self.call)
                };
                if self.shape == HorizonShape::InverseOption {
                    q * (unit / f_new - self.base / self.f) * index
                } else {
                    q * (unit - self.base)
                }
            }
        }
    }
}

/// Value every position on the market. Errors (missing market, bad mark) name the position's line
/// or JSON path; all of them are reported together.
pub fn value_positions(
    inputs: &[PositionInput],
    market: &Market,
    warnings: &mut Vec<Warning>,
) -> Result<Vec<ValuedPosition>> {
    let mut out = Vec::with_capacity(inputs.len());
    let mut issues = Vec::new();
    for (i, input) in inputs.iter().enumerate() {
        match value_position(input, market, warnings) {
            Ok(v) => out.push(v),
            Err(mut issue) => {
                match input.line {
                    Some(line) => {
                        issue.line = Some(line);
                        issue.column.get_or_insert(1);
                        issue.message = format!("line {line}: {}", issue.message);
                    }
                    None => {
                        issue.path = Some(format!("positions[{i}]"));
                        issue.message = format!("positions[{i}]: {}", issue.message);
                    }
                }
                issues.push(issue);
            }
        }
    }
    if issues.is_empty() {
        Ok(out)
    } else {
        Err(Error::from_issues(issues))
    }
}

fn value_position(
    input: &PositionInput,
    market: &Market,
    warnings: &mut Vec<Warning>,
) -> std::result::Result<ValuedPosition, Issue> {
    let inst = &input.instrument;
    if inst.kind == Kind::Spot && is_stablecoin(&inst.underlying) {
        return Ok(stablecoin_holding(input, market));
    }
    let und = market.underlying(&inst.underlying).ok_or_else(|| {
        Issue::new(
            ErrorCode::MissingMarket,
            format!(
                "no market for {} (add underlyings.{} with an index)",
                inst.name, inst.underlying
            ),
        )
    })?;
    let index = und.index;
    let t_years = inst
        .expiry
        .map_or(0.0, |e| year_fraction(market.as_of, e.expiry_timestamp()));
    let expired = matches!(inst.kind, Kind::Option | Kind::Future) && t_years <= 0.0;
    if expired {
        warnings.push(Warning {
            code: WarningCode::Expired,
            message: format!(
                "{} expired before {}: settled at intrinsic against its delivery price {}, no margin",
                inst.name,
                market.as_of_text,
                und.delivery_price(inst.expiry)
            ),
            line: input.line,
            path: None,
        });
    }
    let forward = reference_price(input, und, t_years, expired);
    if !(forward.is_finite() && forward > 0.0) {
        return Err(Issue::new(
            ErrorCode::BadNumber,
            format!("{}: the forward price is not usable", inst.name),
        ));
    }
    let (quantity, quantity_coin) = native_quantity(input, forward);
    let mut v = ValuedPosition {
        input: input.clone(),
        pool: inst.pool(),
        quantity,
        quantity_coin,
        index,
        forward,
        t_years,
        sigma: None,
        iv_source: None,
        rate: market.rate,
        expired,
        unit_price_usd: 0.0,
        value_usd: 0.0,
        value_pool: 0.0,
        greeks: PositionGreeks::default(),
    };
    if inst.kind == Kind::Option {
        value_option(&mut v, und)?;
    } else {
        value_delta_one(&mut v);
    }
    Ok(v)
}

/// USD and the stablecoins counted at 1 USD.
pub fn is_stablecoin(currency: &str) -> bool {
    matches!(currency, "USD" | "USDC" | "USDT")
}

/// A stablecoin line (`USDC 5000`): a holding worth 1 USD a unit, needing no market (SPEC §2: a
/// bare coin line is collateral of that currency's account).
fn stablecoin_holding(input: &PositionInput, market: &Market) -> ValuedPosition {
    ValuedPosition {
        input: input.clone(),
        pool: input.instrument.pool(),
        quantity: input.quantity,
        quantity_coin: input.quantity,
        index: 1.0,
        forward: 1.0,
        t_years: 0.0,
        sigma: None,
        iv_source: None,
        rate: market.rate,
        expired: false,
        unit_price_usd: 0.0,
        value_usd: input.quantity,
        value_pool: input.quantity,
        greeks: PositionGreeks::default(),
    }
}

/// The reference price: the forward of the expiry (options), the mark or forward (futures), the
/// mark or index (perpetuals), the index (spot, expired instruments).
fn reference_price(
    input: &PositionInput,
    und: &UnderlyingMarket,
    t_years: f64,
    expired: bool,
) -> f64 {
    let index = und.index;
    match input.instrument.kind {
        _ if expired => und.delivery_price(input.instrument.expiry),
        Kind::Spot => index,
        Kind::Perpetual => input.mark.filter(|m| *m > 0.0).unwrap_or(index),
        Kind::Future => input
            .mark
            .filter(|m| *m > 0.0)
            .unwrap_or_else(|| und.forward(t_years)),
        Kind::Option => und.forward(t_years),
    }
}

/// The quantity in the instrument's native unit and its coin equivalent at `forward`.
fn native_quantity(input: &PositionInput, forward: f64) -> (f64, f64) {
    match (input.instrument.quantity_unit, input.unit) {
        (QuantityUnit::Usd, QuantityUnit::Usd) => (input.quantity, input.quantity / forward),
        (QuantityUnit::Usd, QuantityUnit::Coin) => (input.quantity * forward, input.quantity),
        (QuantityUnit::Coin, QuantityUnit::Coin) => (input.quantity, input.quantity),
        (QuantityUnit::Coin, QuantityUnit::Usd) => {
            (input.quantity / forward, input.quantity / forward)
        }
    }
}

/// The vol of an option and where it came from: `iv=`, implied from `@mark`, or the surface.
fn option_sigma(
    v: &ValuedPosition,
    und: &UnderlyingMarket,
) -> std::result::Result<(f64, IvSource), Issue> {
    let input = &v.input;
    let inst = &input.instrument;
    let (forward, strike, t_years, rate, is_call) =
        (v.forward, v.strike(), v.t_years, v.rate, v.is_call());
    if let Some(iv) = input.iv {
        return Ok((iv, IvSource::Position));
    }
    if let Some(mark) = input.mark {
        let price_usd = if v.is_inverse() { mark * forward } else { mark };
        let iv = black76::implied_vol(price_usd, forward, strike, t_years, rate, is_call).map_err(
            |e| {
                Issue::new(
                    e.code,
                    format!(
                        "{}: mark {mark} gives no implied vol: {}",
                        inst.name, e.message
                    ),
                )
            },
        )?;
        return Ok((iv, IvSource::Mark));
    }
    let iv = und.vol(t_years, strike, forward).ok_or_else(|| {
        Issue::new(
            ErrorCode::MissingMarket,
            format!("no volatility for {} (give the market an iv or smiles, or the position iv= or @mark)", inst.name),
        )
    })?;
    Ok((iv, IvSource::Surface))
}

/// Price and Greeks of an option position (intrinsic, with a 0/±1 delta, once expired).
fn value_option(v: &mut ValuedPosition, und: &UnderlyingMarket) -> std::result::Result<(), Issue> {
    let (strike, is_call) = (v.strike(), v.is_call());
    let unit: OptionGreeks = if v.expired {
        // settled at intrinsic against the delivery price (the reference price): no Greeks
        OptionGreeks {
            price: black76::intrinsic(v.forward, strike, is_call),
            ..OptionGreeks::default()
        }
    } else {
        let (sigma, source) = option_sigma(v, und)?;
        v.sigma = Some(sigma);
        v.iv_source = Some(source);
        black76::greeks(v.forward, strike, v.t_years, sigma, v.rate, is_call)
    };
    let (q, forward, index) = (v.quantity, v.forward, v.index);
    v.unit_price_usd = unit.price;
    v.value_usd = q * unit.price;
    v.value_pool = if v.is_inverse() {
        v.value_usd / forward
    } else {
        v.value_usd
    };
    let inverse = v.is_inverse();
    if v.expired {
        // settled: no Greeks (all +0), the coin delta included
        v.greeks = PositionGreeks {
            delta_forward: Some(0.0),
            delta_coin_account: inverse.then_some(0.0),
            vega_coin: inverse.then_some(0.0),
            theta_coin: inverse.then_some(0.0),
            rho_coin: inverse.then_some(0.0),
            ..PositionGreeks::default()
        };
        return Ok(());
    }
    // every forward moves in proportion to the index: dF/dS = F/S (SPEC §1)
    let f_per_s = forward / index;
    let g = &mut v.greeks;
    g.delta_forward = Some(q * unit.delta);
    g.delta = q * unit.delta * f_per_s;
    g.delta_usd = g.delta * index;
    g.gamma = q * unit.gamma * f_per_s * f_per_s;
    g.gamma_usd_1pct = g.gamma * index * index / 100.0;
    g.vega = q * unit.vega;
    g.theta = q * unit.theta;
    g.rho = q * unit.rho;
    g.vanna = q * unit.vanna * f_per_s;
    g.volga = q * unit.volga;
    if inverse {
        g.delta_coin_account = Some(q * (unit.delta - unit.price / forward));
        g.vega_coin = Some(g.vega / forward);
        g.theta_coin = Some(g.theta / forward);
        g.rho_coin = Some(g.rho / forward);
    }
    Ok(())
}

/// Delta and value of a future, perpetual or spot holding (futures: P&L against `entry`).
fn value_delta_one(v: &mut ValuedPosition) {
    let (quantity, forward, index) = (v.quantity, v.forward, v.index);
    // own-forward delta: q coin (linear), N/F (inverse); in index terms × F/S (SPEC §1); none
    // once settled
    let delta_forward = if v.expired { 0.0 } else { v.quantity_coin };
    v.greeks.delta_forward = Some(delta_forward);
    v.greeks.delta = delta_forward * forward / index;
    v.greeks.delta_usd = v.greeks.delta * index;
    if v.is_inverse() {
        v.greeks.delta_coin_account = Some(delta_forward);
    }
    match (v.input.instrument.kind, v.input.entry) {
        (Kind::Spot, _) => {
            v.value_usd = quantity * index;
            v.value_pool = v.value_usd;
        }
        (_, Some(entry)) if v.is_inverse() => {
            v.value_pool = quantity * (1.0 / entry - 1.0 / forward);
            v.value_usd = v.value_pool * forward;
        }
        (_, Some(entry)) => {
            v.value_usd = quantity * (forward - entry);
            v.value_pool = v.value_usd;
        }
        _ => {}
    }
}
