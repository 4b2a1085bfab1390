//! The analysis block of a request (SPEC §6): VaR/ES, stress tests and payoff, read strictly into
//! typed values with their documented defaults and bounds. `true` means "the defaults".

use crate::error::{Error, ErrorCode, Result};
use crate::input::json::{as_array, as_f64, as_str, expected, Obj};
use crate::time::{Date, Timestamp};
use serde_json::Value;
use std::collections::BTreeMap;

/// Most Monte Carlo paths in one request (documented bound: bounded time).
pub const MAX_PATHS: usize = 200_000;
/// Most days of returns per underlying in one historical request.
pub const MAX_RETURN_DAYS: usize = 20_000;
/// Most custom stress scenarios in one request.
pub const MAX_CUSTOM_SCENARIOS: usize = 1_000;
/// Most points of one payoff curve.
pub const MAX_PAYOFF_POINTS: usize = 10_001;
/// Longest horizon, days.
pub const MAX_HORIZON_DAYS: f64 = 365.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VarMethod {
    MonteCarlo,
    Historical,
    DeltaGamma,
}

impl VarMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            VarMethod::MonteCarlo => "monte-carlo",
            VarMethod::Historical => "historical",
            VarMethod::DeltaGamma => "delta-gamma",
        }
    }
}

/// The distribution of the Monte Carlo shocks.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Tails {
    Normal,
    /// Multivariate Student-t with ν degrees of freedom (ν > 2), scaled to unit variance.
    StudentT(f64),
}

/// How Monte Carlo paths are revalued: every position in every path, or (the default) every
/// position on a fine grid of its underlying's log-return, interpolated (docs/CONVENTIONS.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Revaluation {
    Grid,
    Full,
}

/// The seed of a Monte Carlo run: given (default 42), or fresh from the platform (`"seed": null`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seed {
    Fixed(u64),
    Fresh,
}

/// `analysis.var`, read.
#[derive(Debug, Clone)]
pub struct VarInput {
    pub method: VarMethod,
    pub horizon_days: f64,
    pub var_confidence: f64,
    pub es_confidence: f64,
    pub paths: usize,
    pub seed: Seed,
    pub tails: Tails,
    pub spot_vol_beta: f64,
    pub include_collateral: bool,
    /// Daily simple returns per underlying, oldest first.
    pub returns: BTreeMap<String, Vec<f64>>,
    /// Daily relative vol changes per underlying, aligned with `returns`.
    pub vol_returns: BTreeMap<String, Vec<f64>>,
    /// Age weighting (Hull): `λ` in (0, 1).
    pub lambda: Option<f64>,
    pub revaluation: Revaluation,
}

impl VarInput {
    /// The defaults of SPEC §4 for `method`.
    pub fn defaults(method: VarMethod) -> VarInput {
        VarInput {
            method,
            horizon_days: 1.0,
            var_confidence: 0.99,
            es_confidence: 0.975,
            paths: 10_000,
            seed: Seed::Fixed(42),
            tails: Tails::Normal,
            spot_vol_beta: 0.0,
            include_collateral: true,
            returns: BTreeMap::new(),
            vol_returns: BTreeMap::new(),
            lambda: None,
            revaluation: Revaluation::Grid,
        }
    }

    fn from_json(v: &Value, path: &str) -> Result<VarInput> {
        if v == &Value::Bool(true) {
            return Ok(VarInput::defaults(VarMethod::MonteCarlo));
        }
        let o = Obj::new(
            v,
            path,
            &[
                "method",
                "horizonDays",
                "varConfidence",
                "esConfidence",
                "paths",
                "seed",
                "tails",
                "spotVolBeta",
                "includeCollateral",
                "returns",
                "volReturns",
                "lambda",
                "revaluation",
            ],
        )?;
        let method = o
            .opt_enum(
                "method",
                &[
                    ("monte-carlo", VarMethod::MonteCarlo),
                    ("historical", VarMethod::Historical),
                    ("delta-gamma", VarMethod::DeltaGamma),
                ],
            )?
            .unwrap_or(VarMethod::MonteCarlo);
        let mut var = VarInput::defaults(method);
        var.horizon_days = in_range(
            &o,
            "horizonDays",
            1.0,
            |h| h > 0.0 && h <= MAX_HORIZON_DAYS,
            "a number of days in (0, 365]",
        )?;
        if method == VarMethod::Historical && var.horizon_days.fract() != 0.0 {
            return Err(bad_number(
                &o.at("horizonDays"),
                "a historical horizon is a whole number of days (overlapping h-day windows)",
            ));
        }
        let confidence = |h: f64| (0.5..1.0).contains(&h);
        var.var_confidence = in_range(
            &o,
            "varConfidence",
            0.99,
            confidence,
            "a confidence in [0.5, 1), such as 0.99",
        )?;
        var.es_confidence = in_range(
            &o,
            "esConfidence",
            0.975,
            confidence,
            "a confidence in [0.5, 1), such as 0.975",
        )?;
        if let Some(p) = o.get("paths") {
            let n = p.as_u64().filter(|n| (100..=MAX_PATHS as u64).contains(n));
            var.paths = n.ok_or_else(|| {
                Error::at_path(
                    ErrorCode::LimitExceeded,
                    o.at("paths"),
                    format!(
                        "{}: the number of paths must be a whole number from 100 to {MAX_PATHS}",
                        o.at("paths")
                    ),
                )
            })? as usize;
        }
        var.seed = match o.map.get("seed") {
            None => Seed::Fixed(42),
            Some(Value::Null) => Seed::Fresh,
            Some(s) => Seed::Fixed(s.as_u64().ok_or_else(|| {
                expected(
                    &o.at("seed"),
                    "a whole number from 0 to 2^64−1, or null for a fresh seed",
                    s,
                )
            })?),
        };
        var.tails = match o.get("tails") {
            None => Tails::Normal,
            Some(Value::String(s)) if s == "normal" => Tails::Normal,
            Some(t @ Value::Object(_)) => {
                let to = Obj::new(t, &o.at("tails"), &["studentT"])?;
                let nu = to.f64("studentT")?;
                if !(nu > 2.0 && nu <= 1e6) {
                    return Err(bad_number(&to.at("studentT"), "Student-t degrees of freedom must be above 2 (unit variance) and at most 1e6"));
                }
                Tails::StudentT(nu)
            }
            Some(other) => {
                return Err(expected(
                    &o.at("tails"),
                    "\"normal\" or {\"studentT\": ν}",
                    other,
                ))
            }
        };
        var.spot_vol_beta = in_range(
            &o,
            "spotVolBeta",
            0.0,
            |b| b.abs() <= 20.0,
            "a number in [−20, 20]",
        )?;
        var.include_collateral = o.bool_or("includeCollateral", true)?;
        var.returns = series(
            &o,
            "returns",
            |r| r > -1.0 && r <= 100.0,
            "a daily simple return above −1 (−100 %)",
        )?;
        var.vol_returns = series(
            &o,
            "volReturns",
            |r| r > -1.0 && r <= 100.0,
            "a relative vol change above −1",
        )?;
        var.lambda = o.opt_f64("lambda")?;
        if let Some(l) = var.lambda {
            if !(l > 0.0 && l < 1.0) {
                return Err(bad_number(
                    &o.at("lambda"),
                    "the age-weighting λ must be in (0, 1), such as 0.995",
                ));
            }
        }
        var.revaluation = o
            .opt_enum(
                "revaluation",
                &[("grid", Revaluation::Grid), ("full", Revaluation::Full)],
            )?
            .unwrap_or(Revaluation::Grid);
        if method == VarMethod::Historical && var.returns.is_empty() {
            return Err(Error::at_path(
                ErrorCode::BadRequest,
                o.at("returns"),
                format!("{}: historical VaR needs daily returns per underlying, e.g. {{\"BTC\": [0.012, -0.034, …]}}", o.at("returns")),
            ));
        }
        Ok(var)
    }
}

fn bad_number(path: &str, what: &str) -> Error {
    Error::at_path(ErrorCode::BadNumber, path, format!("{path}: {what}"))
}

/// An optional number with a default, checked against its documented range.
fn in_range(o: &Obj, key: &str, default: f64, ok: impl Fn(f64) -> bool, what: &str) -> Result<f64> {
    let v = o.f64_or(key, default)?;
    if v.is_finite() && ok(v) {
        Ok(v)
    } else {
        Err(bad_number(&o.at(key), &format!("expected {what}, got {v}")))
    }
}

/// `{"BTC": [r1, r2, …], …}`: aligned series per underlying (names upper-cased).
fn series(
    o: &Obj,
    key: &str,
    ok: impl Fn(f64) -> bool,
    what: &str,
) -> Result<BTreeMap<String, Vec<f64>>> {
    let Some(v) = o.get(key) else {
        return Ok(BTreeMap::new());
    };
    let m = Obj::map(v, &o.at(key))?;
    let mut out = BTreeMap::new();
    let mut length: Option<(usize, String)> = None;
    for (name, values) in m.map {
        let here = m.at(name);
        let values = as_array(values, &here)?;
        if values.len() > MAX_RETURN_DAYS {
            return Err(Error::at_path(
                ErrorCode::LimitExceeded,
                &here,
                format!("{here}: more than {MAX_RETURN_DAYS} days of returns"),
            ));
        }
        let mut xs = Vec::with_capacity(values.len());
        for (i, x) in values.iter().enumerate() {
            let at = format!("{here}[{i}]");
            let r = as_f64(x, &at)?;
            if !(r.is_finite() && ok(r)) {
                return Err(bad_number(&at, &format!("expected {what}, got {r}")));
            }
            xs.push(r);
        }
        match &length {
            Some((n, first)) if *n != xs.len() => {
                return Err(Error::at_path(
                    ErrorCode::BadRequest,
                    &here,
                    format!("{here}: {} days, but {first} has {n}: the series must be aligned day by day", xs.len()),
                ));
            }
            None => length = Some((xs.len(), name.clone())),
            _ => {}
        }
        out.insert(name.to_ascii_uppercase(), xs);
    }
    Ok(out)
}

/// One stress scenario: relative price moves and relative vol changes per underlying
/// (`default` for the others).
#[derive(Debug, Clone, PartialEq)]
pub struct StressScenario {
    pub name: String,
    pub label: String,
    pub window: Option<String>,
    pub source: Option<String>,
    /// How the vol figure was obtained: `"measured"` (from a vol index) or `"estimated"`.
    pub vol_basis: Option<String>,
    pub moves: BTreeMap<String, f64>,
    pub vol: BTreeMap<String, f64>,
}

impl StressScenario {
    /// A scenario object (`name`, `label`, `moves`, `vol`, and in the library `window`, `source`,
    /// `volBasis`).
    pub fn from_json(v: &Value, path: &str) -> Result<StressScenario> {
        let o = Obj::new(
            v,
            path,
            &[
                "name", "label", "window", "source", "volBasis", "moves", "vol",
            ],
        )?;
        let name = o.str("name")?.to_string();
        if name.is_empty() || name.len() > 100 {
            return Err(Error::at_path(
                ErrorCode::BadRequest,
                o.at("name"),
                format!("{}: a scenario name of 1 to 100 characters", o.at("name")),
            ));
        }
        let moves = moves_of(
            &o,
            "moves",
            "a relative price move above −1 (−100 %), such as −0.3",
        )?;
        let vol = moves_of(
            &o,
            "vol",
            "a relative vol change above −1, such as 0.5 (+50 %)",
        )?;
        Ok(StressScenario {
            label: o.opt_str("label")?.unwrap_or(&name).to_string(),
            name,
            window: o.opt_str("window")?.map(str::to_string),
            source: o.opt_str("source")?.map(str::to_string),
            vol_basis: o.opt_str("volBasis")?.map(str::to_string),
            moves,
            vol,
        })
    }

    /// The price move of `underlying` (its own, else `default`, else 0).
    pub fn move_of(&self, underlying: &str) -> f64 {
        lookup(&self.moves, underlying)
    }
    /// The relative vol change of `underlying` (its own, else `default`, else 0).
    pub fn vol_of(&self, underlying: &str) -> f64 {
        lookup(&self.vol, underlying)
    }
}

fn lookup(map: &BTreeMap<String, f64>, underlying: &str) -> f64 {
    map.get(underlying)
        .or_else(|| map.get("default"))
        .copied()
        .unwrap_or(0.0)
}

fn moves_of(o: &Obj, key: &str, what: &str) -> Result<BTreeMap<String, f64>> {
    let Some(map) = o.opt_f64_map(key)? else {
        return Ok(BTreeMap::new());
    };
    let mut out = BTreeMap::new();
    for (k, v) in map {
        let here = format!("{}.{k}", o.at(key));
        if !(v.is_finite() && v > -1.0 && v <= 100.0) {
            return Err(bad_number(&here, &format!("expected {what}, got {v}")));
        }
        let k = if k == "default" {
            k
        } else {
            k.to_ascii_uppercase()
        };
        out.insert(k, v);
    }
    Ok(out)
}

/// `analysis.stress`, read: which library scenarios (all when `include` is absent) and custom ones.
#[derive(Debug, Clone, Default)]
pub struct StressInput {
    pub include: Option<Vec<String>>,
    pub custom: Vec<StressScenario>,
}

impl StressInput {
    fn from_json(v: &Value, path: &str) -> Result<StressInput> {
        if v == &Value::Bool(true) {
            return Ok(StressInput::default());
        }
        let o = Obj::new(v, path, &["include", "custom"])?;
        let include = match o.get("include") {
            None => None,
            Some(list) => Some(
                as_array(list, &o.at("include"))?
                    .iter()
                    .enumerate()
                    .map(|(i, s)| {
                        as_str(s, &format!("{}[{i}]", o.at("include"))).map(str::to_string)
                    })
                    .collect::<Result<Vec<_>>>()?,
            ),
        };
        let mut custom = Vec::new();
        if let Some(list) = o.get("custom") {
            let list = as_array(list, &o.at("custom"))?;
            if list.len() > MAX_CUSTOM_SCENARIOS {
                return Err(Error::at_path(
                    ErrorCode::LimitExceeded,
                    o.at("custom"),
                    format!(
                        "{}: more than {MAX_CUSTOM_SCENARIOS} custom scenarios",
                        o.at("custom")
                    ),
                ));
            }
            for (i, s) in list.iter().enumerate() {
                custom.push(StressScenario::from_json(
                    s,
                    &format!("{}[{i}]", o.at("custom")),
                )?);
            }
        }
        Ok(StressInput { include, custom })
    }
}

/// `analysis.payoff`, read.
#[derive(Debug, Clone)]
pub struct PayoffInput {
    /// One underlying, or every underlying of the book.
    pub underlying: Option<String>,
    /// The date of the "at" curve (08:00 UTC); default the book's first expiry.
    pub at: Option<(Date, Timestamp)>,
    /// Price range as multiples of the index.
    pub range: (f64, f64),
    pub points: usize,
}

impl Default for PayoffInput {
    fn default() -> Self {
        PayoffInput {
            underlying: None,
            at: None,
            range: (0.5, 1.5),
            points: 201,
        }
    }
}

impl PayoffInput {
    fn from_json(v: &Value, path: &str) -> Result<PayoffInput> {
        if v == &Value::Bool(true) {
            return Ok(PayoffInput::default());
        }
        let o = Obj::new(v, path, &["underlying", "at", "range", "points"])?;
        let mut p = PayoffInput {
            underlying: o.opt_str("underlying")?.map(|s| s.to_ascii_uppercase()),
            ..PayoffInput::default()
        };
        if let Some(at) = o.opt_str("at")? {
            let date = Date::parse_iso(at)
                .or_else(|| Date::parse_deribit(at))
                .ok_or_else(|| {
                    Error::at_path(
                        ErrorCode::BadDate,
                        o.at("at"),
                        format!("{}: '{at}' is not a date (YYYY-MM-DD)", o.at("at")),
                    )
                })?;
            p.at = Some((date, date.expiry_timestamp()));
        }
        if o.get("range").is_some() {
            let r = o.f64_vec("range")?;
            if r.len() != 2 || !(r[0] > 0.0 && r[0] < r[1] && r[1] <= 100.0) {
                return Err(bad_number(&o.at("range"), "the range is [low, high] as multiples of the index, 0 < low < high ≤ 100, such as [0.5, 1.5]"));
            }
            p.range = (r[0], r[1]);
        }
        if let Some(n) = o.get("points") {
            p.points = n
                .as_u64()
                .filter(|n| (3..=MAX_PAYOFF_POINTS as u64).contains(n))
                .ok_or_else(|| {
                    Error::at_path(
                        ErrorCode::LimitExceeded,
                        o.at("points"),
                        format!(
                            "{}: a whole number of points from 3 to {MAX_PAYOFF_POINTS}",
                            o.at("points")
                        ),
                    )
                })? as usize;
        }
        Ok(p)
    }
}

/// The analysis block, read.
#[derive(Debug, Clone, Default)]
pub struct AnalysisInput {
    pub var: Option<VarInput>,
    pub stress: Option<StressInput>,
    pub payoff: Option<PayoffInput>,
}

impl AnalysisInput {
    pub fn from_json(v: &Value) -> Result<AnalysisInput> {
        let o = Obj::new(v, "analysis", &["var", "stress", "payoff"])?;
        let off = |x: &&Value| **x != Value::Bool(false);
        Ok(AnalysisInput {
            var: o
                .get("var")
                .filter(off)
                .map(|x| VarInput::from_json(x, &o.at("var")))
                .transpose()?,
            stress: o
                .get("stress")
                .filter(off)
                .map(|x| StressInput::from_json(x, &o.at("stress")))
                .transpose()?,
            payoff: o
                .get("payoff")
                .filter(off)
                .map(|x| PayoffInput::from_json(x, &o.at("payoff")))
                .transpose()?,
        })
    }

    pub fn is_empty(&self) -> bool {
        self.var.is_none() && self.stress.is_none() && self.payoff.is_none()
    }
}
