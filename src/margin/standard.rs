//! Deribit-style standard margin, position by position (SPEC §3.2).

use crate::error::{Error, ErrorCode, Result};
use crate::input::instrument::Kind;
use crate::input::json::Obj;
use crate::margin::params::Margin;
use crate::pricing::valuation::ValuedPosition;
use serde::Serialize;
use std::collections::BTreeMap;

/// The standard-margin rates of one underlying (SPEC §3.2).
#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StandardRates {
    /// Short options: IM `max(base − OTM/S, min) + mark`, per coin.
    pub short_option_initial_base: f64,
    pub short_option_initial_min: f64,
    /// Short options: MM `maintenance + mark` (puts: `max(maintenance, maintenance·mark) + mark`).
    pub short_option_maintenance: f64,
    /// Futures and perpetuals: IM rate `base + perCoin·|size in coin| + perUsd·|notional USD|` of notional.
    pub futures_initial_base: f64,
    /// MM rate: `maintenanceBase + perCoin·|size| + perUsd·|notional USD|`.
    pub futures_maintenance_base: f64,
    pub futures_per_coin: f64,
    pub futures_per_usd: f64,
    /// Short options: a liquidation fee per coin (of the index) added to MM (Bybit's 0.2 %).
    pub short_option_liquidation_fee: f64,
}

#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StandardParams {
    /// Name, kind, description and the date of the figures.
    #[serde(flatten)]
    pub meta: crate::margin::params::ModelMeta,
    /// Rates per underlying, with a `default` row for the others.
    pub underlyings: BTreeMap<String, StandardRates>,
    #[serde(skip)]
    pub default_rates: StandardRates,
}

const RATE_FIELDS: [&str; 8] = [
    "shortOptionInitialBase",
    "shortOptionInitialMin",
    "shortOptionMaintenance",
    "futuresInitialBase",
    "futuresMaintenanceBase",
    "futuresPerCoin",
    "futuresPerUsd",
    "shortOptionLiquidationFee",
];

impl StandardRates {
    fn read(v: &serde_json::Value, path: &str) -> Result<Self> {
        let o = Obj::new(v, path, &RATE_FIELDS)?;
        // the two slopes and the fee may be left out (0); every rate is in [0, 10]
        let mut r = [0.0; 8];
        for (i, f) in RATE_FIELDS.iter().enumerate() {
            r[i] = if i >= 5 { o.f64_or(f, 0.0)? } else { o.f64(f)? };
            if !(r[i].is_finite() && (0.0..=10.0).contains(&r[i])) {
                return Err(Error::at_path(
                    ErrorCode::BadModel,
                    format!("{path}.{f}"),
                    "must be a rate in [0, 10]",
                ));
            }
        }
        Ok(StandardRates {
            short_option_initial_base: r[0],
            short_option_initial_min: r[1],
            short_option_maintenance: r[2],
            futures_initial_base: r[3],
            futures_maintenance_base: r[4],
            futures_per_coin: r[5],
            futures_per_usd: r[6],
            short_option_liquidation_fee: r[7],
        })
    }

    /// Short option (initial, maintenance) per coin of underlying, in coin.
    fn short_option(&self, call: bool, otm_frac: f64, mark: f64) -> (f64, f64) {
        let im =
            (self.short_option_initial_base - otm_frac).max(self.short_option_initial_min) + mark;
        let base_mm = self.short_option_maintenance;
        let fee = self.short_option_liquidation_fee;
        if call {
            (im, base_mm + mark + fee)
        } else {
            let mm = base_mm.max(base_mm * mark) + mark + fee;
            (im.max(mm), mm)
        }
    }

    /// Futures (initial, maintenance) rates of notional.
    fn futures(&self, size_coin: f64, notional_usd: f64) -> (f64, f64) {
        let slope = self.futures_per_coin * size_coin + self.futures_per_usd * notional_usd;
        (
            self.futures_initial_base + slope,
            self.futures_maintenance_base + slope,
        )
    }
}

impl StandardParams {
    pub fn from_json(value: &serde_json::Value) -> Result<Self> {
        let read = || -> Result<StandardParams> {
            let o = Obj::new(
                value,
                "model",
                &["name", "kind", "description", "figuresAsOf", "underlyings"],
            )?;
            let rows = Obj::map(
                o.get("underlyings").unwrap_or(&serde_json::Value::Null),
                &o.at("underlyings"),
            )?;
            let underlyings = rows
                .map
                .iter()
                .map(|(k, v)| Ok::<_, Error>((k.clone(), StandardRates::read(v, &rows.at(k))?)));
            let underlyings = crate::collections::try_collect_map(underlyings)?;
            let default_rates = underlyings.get("default").cloned().ok_or_else(|| {
                Error::at_path(
                    ErrorCode::BadModel,
                    "model.underlyings",
                    "standard margin needs a 'default' row in underlyings",
                )
            })?;
            Ok(StandardParams {
                meta: crate::margin::params::ModelMeta::read(&o)?,
                underlyings,
                default_rates,
            })
        };
        read().map_err(crate::margin::params::model_error)
    }

    /// The rates of an underlying (its own row, else `default`).
    pub fn rates(&self, underlying: &str) -> &StandardRates {
        self.underlyings
            .get(underlying)
            .unwrap_or(&self.default_rates)
    }

    /// Initial and maintenance margin of one position, in its pool's currency. Settled (expired)
    /// positions and long options need none.
    pub fn position_margin(&self, p: &ValuedPosition) -> Margin {
        let s = p.index;
        let inverse = p.is_inverse();
        let rates = self.rates(&p.input.instrument.underlying);
        match p.input.instrument.kind {
            _ if p.expired => Margin::default(),
            Kind::Option if p.quantity < 0.0 => {
                let k = p.strike();
                // mark per coin of underlying, in coin
                let mark = if inverse {
                    p.unit_price_usd / p.forward
                } else {
                    p.unit_price_usd / s
                };
                let otm = if p.is_call() { k - s } else { s - k }.max(0.0);
                let (im, mm) = rates.short_option(p.is_call(), otm / s, mark);
                let size = p.quantity.abs();
                let scale = if inverse { size } else { size * s };
                Margin::new(im * scale, mm * scale)
            }
            Kind::Option => Margin::default(),
            Kind::Spot if p.quantity >= 0.0 => Margin::default(),
            _ => {
                let size = p.quantity_coin.abs();
                let notional_usd = size * p.forward;
                let notional = if inverse { size } else { notional_usd };
                let (im, mm) = rates.futures(size, notional_usd);
                Margin::new(notional * im, notional * mm)
            }
        }
    }
}
