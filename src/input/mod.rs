//! Input: JSON and pasted text to a fully typed [`Request`] (positions, market, model, account,
//! analysis). Nothing here knows about prices or margin; every error names its line/column or path.

pub mod account;
#[cfg(feature = "analysis")]
pub mod analysis;
#[cfg(not(feature = "analysis"))]
#[path = "analysis_stub.rs"]
pub mod analysis;
pub mod bookgen;
pub mod csv;
#[cfg(feature = "analysis")]
pub mod deribit;
#[cfg(feature = "optimize")]
pub mod hedge;
pub mod instrument;
pub mod json;
pub mod limits;
pub mod market;
pub mod model;
pub mod option;
pub mod position;
pub mod positions;
pub mod venue;

use crate::error::{Error, ErrorCode, Result, Warning};
use account::AccountInput;
pub use analysis::AnalysisInput;
use json::{parse_json, Obj};
use market::MarketInput;
use model::ModelInput;
use positions::{parse_text, positions_from_json, PositionInput};

/// A request (SPEC §2), fully read: every field typed and checked for shape. Values that need the
/// market (a position's vol, a model's parameters against a pool) are checked by the layers above.
/// Its JSON shape, for TypeScript, is [`RequestJson`].
#[derive(Debug, Clone)]
pub struct Request {
    /// Pasted text (line format, CSV or a JSON array) or an array of position objects, read.
    pub positions: Vec<PositionInput>,
    /// What reading the pasted positions found worth a look (e.g. `IGNORED_COLUMN`).
    pub warnings: Vec<Warning>,
    pub market: Option<MarketInput>,
    pub model: Option<ModelInput>,
    pub account: Option<AccountInput>,
    pub analysis: Option<AnalysisInput>,
}

// The JSON shape of a request, for the TypeScript declarations only (exported as `Request`);
// `Request::from_json` reads it into the typed `Request`.
/// A request (SPEC §2): what `computeReport`, `marginImpact` and `RiskSession` take.
#[cfg(feature = "typescript")]
#[derive(ts_rs::TS)]
#[ts(rename = "Request", optional_fields)]
pub struct RequestJson {
    /// Pasted text (line format, CSV or a JSON array) or an array of position objects.
    #[ts(inline)]
    pub positions: PositionsJson,
    /// Omitted: the embedded default snapshot.
    pub market: Option<MarketInput>,
    /// Omitted: `"deribit-pm"`.
    pub model: Option<ModelInput>,
    pub account: Option<AccountInput>,
    pub analysis: Option<AnalysisJson>,
}

/// A request's `analysis` (SPEC §6; TypeScript declarations only): `true` asks for the defaults.
#[cfg(feature = "typescript")]
#[derive(ts_rs::TS)]
#[ts(rename = "AnalysisRequest", optional_fields)]
pub struct AnalysisJson {
    #[ts(
        type = "boolean | { method?: \"monte-carlo\" | \"historical\" | \"delta-gamma\", horizonDays?: number, varConfidence?: number, esConfidence?: number, paths?: number, seed?: number | null, tails?: \"normal\" | { studentT: number }, spotVolBeta?: number, includeCollateral?: boolean, returns?: Record<string, number[]>, volReturns?: Record<string, number[]>, lambda?: number, revaluation?: \"grid\" | \"full\" }"
    )]
    pub var: Option<()>,
    #[ts(
        type = "boolean | { include?: string[], custom?: { name: string, label?: string, moves?: Record<string, number>, vol?: Record<string, number> }[] }"
    )]
    pub stress: Option<()>,
    #[ts(
        type = "boolean | { underlying?: string, at?: string, range?: [number, number], points?: number }"
    )]
    pub payoff: Option<()>,
}

/// A request's `positions`: pasted text or position objects (TypeScript declarations only).
#[cfg(feature = "typescript")]
#[derive(ts_rs::TS)]
#[ts(untagged)]
pub enum PositionsJson {
    Text(String),
    Objects(Vec<positions::PositionObject>),
}

impl Request {
    /// Read a request from JSON; errors carry the JSON path of the problem.
    pub fn from_json(v: &serde_json::Value) -> Result<Request> {
        let o = Obj::new(
            v,
            "",
            &["positions", "market", "model", "account", "analysis"],
        )?;
        let market = o
            .get("market")
            .map(|m| MarketInput::from_json(m, "market"))
            .transpose()?;
        let model = o.get("model").map(ModelInput::from_json).transpose()?;
        let positions = o.get("positions").ok_or_else(|| {
            Error::at_path(
                ErrorCode::BadRequest,
                "positions",
                "positions: missing field `positions` (pasted text or an array)",
            )
        })?;
        let (positions, warnings) = positions_and_warnings_of(positions, "positions")?;
        Ok(Request {
            positions,
            warnings,
            market,
            model,
            account: o.get("account").map(AccountInput::from_json).transpose()?,
            analysis: o
                .get("analysis")
                .map(AnalysisInput::from_json)
                .transpose()?,
        })
    }
}

/// Parse a request from JSON text; errors carry the JSON path (or line/column for bad JSON).
pub fn parse_request(json: &str) -> Result<Request> {
    Request::from_json(&parse_json(json, "the request")?)
}

/// Positions (of a request, or pre-trade orders) from pasted text (every bad line reported) or a
/// JSON array (every bad element reported with its path under `path`).
pub fn positions_of(value: &serde_json::Value, path: &str) -> Result<Vec<PositionInput>> {
    positions_and_warnings_of(value, path).map(|(positions, _)| positions)
}

/// [`positions_of`], with the warnings of reading pasted text (`IGNORED_COLUMN`).
pub fn positions_and_warnings_of(
    value: &serde_json::Value,
    path: &str,
) -> Result<(Vec<PositionInput>, Vec<Warning>)> {
    match value {
        serde_json::Value::String(text) => {
            let parsed = parse_text(text);
            if parsed.errors.is_empty() {
                Ok((parsed.positions, parsed.warnings))
            } else {
                Err(Error::from_issues(parsed.errors))
            }
        }
        serde_json::Value::Array(_) => Ok((positions_from_json(value, path)?, Vec::new())),
        _ => Err(Error::at_path(
            ErrorCode::BadRequest,
            path,
            format!("{path} must be pasted text (a string) or an array of positions"),
        )),
    }
}
