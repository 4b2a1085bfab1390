//! `es-margin` (SPEC §3.6): the margin of the whole account as the expected shortfall of its
//! positions' USD P&L over joint Monte Carlo scenarios of every underlying at a margin period of
//! risk (the risk engine of `risk::montecarlo`), plus the roll shock of §3.1 per pool.
//! Correlation-aware and direction-aware: long BTC + short ETH needs far less than long + long.

use crate::error::Result;
use crate::input::analysis::{Revaluation, Seed, Tails, VarInput, VarMethod};
use crate::input::json::Obj;
use crate::margin::params::{bad_model, model_error, Margin};
use crate::margin::risk_matrix::{Contingency, RiskMatrixParams};
use crate::market::Market;
use crate::pricing::valuation::ValuedPosition;
use std::collections::BTreeMap;

/// The parameters of an `es` model.
#[derive(Debug, Clone)]
pub struct EsParams {
    pub horizon_days: f64,
    pub es_confidence: f64,
    pub paths: usize,
    pub seed: u64,
    pub tails: Tails,
    pub spot_vol_beta: f64,
    pub mm_factor: f64,
    /// The roll-shock rates: the deribit-pm preset's currency rows.
    pub roll: RiskMatrixParams,
}

/// The margin an `es` model gives the account, USD.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EsRisk {
    pub expected_shortfall: f64,
    pub roll_shock: f64,
    pub initial: f64,
    pub maintenance: f64,
}

impl EsParams {
    /// The parameters of `v`; `roll` holds the roll-shock rates (the deribit-pm preset's).
    pub fn from_json(v: &serde_json::Value, roll: RiskMatrixParams) -> Result<EsParams> {
        let o = Obj::new(
            v,
            "model",
            &[
                "name",
                "kind",
                "description",
                "figuresAsOf",
                "horizonDays",
                "esConfidence",
                "paths",
                "seed",
                "tails",
                "spotVolBeta",
                "mmFactor",
            ],
        )
        .map_err(model_error)?;
        let num = |key: &str, default: f64, ok: &dyn Fn(f64) -> bool, what: &str| -> Result<f64> {
            let x = o.f64_or(key, default).map_err(model_error)?;
            if x.is_finite() && ok(x) {
                Ok(x)
            } else {
                bad_model(o.at(key), &format!("{}: {what}", o.at(key)))
            }
        };
        let horizon_days = num(
            "horizonDays",
            2.0,
            &|h| h > 0.0 && h <= 365.0,
            "a margin period of risk in days, in (0, 365]",
        )?;
        let es_confidence = num(
            "esConfidence",
            0.99,
            &|c| (0.5..1.0).contains(&c),
            "a confidence in [0.5, 1), such as 0.99",
        )?;
        let paths = num(
            "paths",
            10_000.0,
            &|n| {
                n.fract() == 0.0 && (100.0..=crate::input::analysis::MAX_PATHS as f64).contains(&n)
            },
            "a whole number of paths from 100 to 200 000",
        )? as usize;
        let seed = num(
            "seed",
            42.0,
            &|s| s.fract() == 0.0 && (0.0..=9.007e15).contains(&s),
            "a whole-number seed",
        )? as u64;
        let spot_vol_beta = num(
            "spotVolBeta",
            0.0,
            &|b| b.abs() <= 20.0,
            "a number in [−20, 20]",
        )?;
        let mm_factor = num(
            "mmFactor",
            0.8,
            &|m| m > 0.0 && m <= 1.0,
            "a factor in (0, 1]",
        )?;
        let tails = match o.get("tails") {
            None => Tails::StudentT(4.0),
            Some(serde_json::Value::String(s)) if s == "normal" => Tails::Normal,
            Some(t) => {
                let to = Obj::new(t, &o.at("tails"), &["studentT"]).map_err(model_error)?;
                let nu = to.f64("studentT").map_err(model_error)?;
                if !(nu > 2.0 && nu <= 1e6) {
                    return bad_model(
                        to.at("studentT"),
                        "Student-t degrees of freedom must be above 2 and at most 1e6",
                    );
                }
                Tails::StudentT(nu)
            }
        };
        Ok(EsParams {
            horizon_days,
            es_confidence,
            paths,
            seed,
            tails,
            spot_vol_beta,
            mm_factor,
            roll,
        })
    }

    /// The Monte Carlo settings of the ES (SPEC §4's engine).
    pub fn var_input(&self) -> VarInput {
        VarInput {
            horizon_days: self.horizon_days,
            var_confidence: self.es_confidence,
            es_confidence: self.es_confidence,
            paths: self.paths,
            seed: Seed::Fixed(self.seed),
            tails: self.tails,
            spot_vol_beta: self.spot_vol_beta,
            include_collateral: false,
            revaluation: Revaluation::Grid,
            ..VarInput::defaults(VarMethod::MonteCarlo)
        }
    }

    /// Whether the market can run the scenarios of these positions (every underlying has a vol,
    /// the correlations are positive semi-definite): checked before any assessment.
    pub fn check(&self, positions: &[ValuedPosition], market: &Market) -> Result<()> {
        let refs: Vec<&ValuedPosition> = positions
            .iter()
            .filter(|p| p.input.instrument.kind != crate::input::instrument::Kind::Spot)
            .collect();
        let book = crate::risk::RiskBook::new(market, &refs, &BTreeMap::new(), false)?;
        crate::risk::montecarlo::check_work(self.paths, book.items.len(), "model")?;
        book.sigmas("model")?;
        crate::risk::correlation::cholesky(&book.correlation_matrix(), &book.underlyings)?;
        Ok(())
    }

    /// ES of the members' P&L plus the roll shock of their pools, USD.
    pub fn assess(&self, members: &[&ValuedPosition], market: &Market) -> Result<EsRisk> {
        let book = crate::risk::RiskBook::new(market, members, &BTreeMap::new(), false)?;
        let es = if book.underlyings.is_empty() {
            0.0
        } else {
            crate::risk::montecarlo::expected_shortfall(&book, &self.var_input())?.max(0.0)
        };
        // roll shock per settlement pool (SPEC §3.1 step 8), converted at today's index
        let mut pools: BTreeMap<&str, Vec<&ValuedPosition>> = BTreeMap::new();
        for p in members {
            pools.entry(p.pool.as_str()).or_default().push(p);
        }
        let roll_shock: f64 = pools
            .values()
            .map(|ps| {
                let inst = &ps[0].input.instrument;
                let currency = self.roll.currency_for(inst.settlement, &inst.underlying);
                let inverse = inst.settlement == crate::input::instrument::Settlement::Inverse;
                let pool = Contingency::of(ps.iter().copied(), currency).roll_shock(
                    0.0,
                    currency.min_annualised_move,
                    ps[0].index,
                    inverse,
                );
                if inverse {
                    pool * ps[0].index
                } else {
                    pool
                }
            })
            .sum();
        let initial = es + roll_shock;
        Ok(EsRisk {
            expected_shortfall: es,
            roll_shock,
            initial,
            maintenance: self.mm_factor * initial,
        })
    }
}

impl EsRisk {
    pub fn margin(&self) -> Margin {
        Margin::new(self.initial, self.maintenance)
    }
}
