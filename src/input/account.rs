//! The account as a request gives it (SPEC §5): collateral per currency.

use crate::error::Result;
use crate::input::json::Obj;
use std::collections::BTreeMap;

#[cfg_attr(
    feature = "typescript",
    derive(ts_rs::TS),
    ts(optional_fields, rename_all = "camelCase")
)]
#[derive(Debug, Clone, Default)]
pub struct AccountInput {
    /// Collateral per currency: coins (`BTC`) and quote currencies (`USDC`, `USDT`).
    #[cfg_attr(
        feature = "typescript",
        ts(as = "Option<BTreeMap<String, f64>>", optional)
    )]
    pub collateral: BTreeMap<String, f64>,
}

impl AccountInput {
    pub fn from_json(v: &serde_json::Value) -> Result<AccountInput> {
        let o = Obj::new(v, "account", &["collateral"])?;
        Ok(AccountInput {
            collateral: o.opt_f64_map("collateral")?.unwrap_or_default(),
        })
    }
}
