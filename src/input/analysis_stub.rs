//! The analysis block in a build without the risk engine (the package's margin-path WebAssembly):
//! its shape is checked (an object of `var`, `stress`, `payoff`), and the report says it was not
//! computed. The full reader is `analysis.rs` (feature `analysis`).

use crate::error::Result;
use crate::input::json::Obj;

/// The analysis block: only whether it asks for anything.
#[derive(Debug, Clone, Default)]
pub struct AnalysisInput {
    asks: bool,
}

impl AnalysisInput {
    pub fn from_json(v: &serde_json::Value) -> Result<AnalysisInput> {
        let o = Obj::new(v, "analysis", &["var", "stress", "payoff"])?;
        let asks = ["var", "stress", "payoff"].iter().any(|k| {
            o.get(k)
                .is_some_and(|x| *x != serde_json::Value::Bool(false))
        });
        Ok(AnalysisInput { asks })
    }

    pub fn is_empty(&self) -> bool {
        !self.asks
    }
}
