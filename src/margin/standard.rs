//! Deribit-style standard margin, position by position (SPEC §3.2).

use crate::error::Result;
use crate::input::instrument::Kind;
use crate::margin::params::Margin;
use crate::pricing::valuation::ValuedPosition;
use serde::Serialize;

#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StandardParams {
    /// Name, kind, description and the date of the figures.
    #[serde(flatten)]
    pub meta: crate::margin::params::ModelMeta,
    pub short_call_initial_base: f64,
    pub short_call_initial_min: f64,
    pub short_option_maintenance: f64,
    pub futures_initial_base: f64,
    pub futures_maintenance_base: f64,
    pub futures_per_coin: f64,
}

impl StandardParams {
    pub fn from_json(value: &serde_json::Value) -> Result<Self> {
        let read = || -> Result<StandardParams> {
            let o = crate::input::json::Obj::new(
                value,
                "model",
                &[
                    "name",
                    "kind",
                    "description",
                    "figuresAsOf",
                    "shortCallInitialBase",
                    "shortCallInitialMin",
                    "shortOptionMaintenance",
                    "futuresInitialBase",
                    "futuresMaintenanceBase",
                    "futuresPerCoin",
                ],
            )?;
            Ok(StandardParams {
                meta: crate::margin::params::ModelMeta::read(&o)?,
                short_call_initial_base: o.f64("shortCallInitialBase")?,
                short_call_initial_min: o.f64("shortCallInitialMin")?,
                short_option_maintenance: o.f64("shortOptionMaintenance")?,
                futures_initial_base: o.f64("futuresInitialBase")?,
                futures_maintenance_base: o.f64("futuresMaintenanceBase")?,
                futures_per_coin: o.f64("futuresPerCoin")?,
            })
        };
        let p = read().map_err(crate::margin::params::model_error)?;
        for (f, v) in [
            ("shortCallInitialBase", p.short_call_initial_base),
            ("shortCallInitialMin", p.short_call_initial_min),
            ("shortOptionMaintenance", p.short_option_maintenance),
            ("futuresInitialBase", p.futures_initial_base),
            ("futuresMaintenanceBase", p.futures_maintenance_base),
            ("futuresPerCoin", p.futures_per_coin),
        ] {
            if !(v.is_finite() && (0.0..=10.0).contains(&v)) {
                return Err(crate::error::Error::at_path(
                    crate::error::ErrorCode::BadModel,
                    format!("model.{f}"),
                    "must be a rate in [0, 10]",
                ));
            }
        }
        Ok(p)
    }

    /// Initial and maintenance margin of one position, in its pool's currency.
    pub fn position_margin(&self, p: &ValuedPosition) -> Margin {
        let s = p.index;
        let inverse = p.is_inverse();
        match p.input.instrument.kind {
            Kind::Option if p.quantity < 0.0 => {
                let k = p.strike();
                // mark per coin of underlying, in coin
                let mark = if inverse {
                    p.unit_price_usd / p.forward
                } else {
                    p.unit_price_usd / s
                };
                let (im, mm) = if p.is_call() {
                    let otm = (k - s).max(0.0);
                    let im = (self.short_call_initial_base - otm / s)
                        .max(self.short_call_initial_min)
                        + mark;
                    (im, self.short_option_maintenance + mark)
                } else {
                    let otm = (s - k).max(0.0);
                    let mm = self
                        .short_option_maintenance
                        .max(self.short_option_maintenance * mark)
                        + mark;
                    let im = ((self.short_call_initial_base - otm / s)
                        .max(self.short_call_initial_min)
                        + mark)
                        .max(mm);
                    (im, mm)
                };
                let size = p.quantity.abs();
                let scale = if inverse { size } else { size * s };
                Margin::new(im * scale, mm * scale)
            }
            Kind::Option => Margin::default(),
            Kind::Spot if p.quantity >= 0.0 => Margin::default(),
            _ => {
                let size = p.quantity_coin.abs();
                let notional = if inverse { size } else { size * p.forward };
                Margin::new(
                    notional * (self.futures_initial_base + self.futures_per_coin * size),
                    notional * (self.futures_maintenance_base + self.futures_per_coin * size),
                )
            }
        }
    }
}
