//! Writes the TypeScript declarations of every request and report type (generated from the Rust
//! types by ts-rs; the single source of truth). `scripts/build.sh` appends them to the package's
//! `.d.ts`. Run: `cargo run --quiet --features typescript --example gen_types`.

use ts_rs::{Config, TS};

fn decl<T: TS>(cfg: &Config) -> String {
    let mut out = String::new();
    if let Some(docs) = T::docs() {
        out.push_str(&docs);
    }
    out.push_str("export ");
    out.push_str(&T::decl(cfg));
    out
}

fn main() {
    let cfg = Config::default();
    let decls = [
        decl::<portfolio_margin::report::types::Report>(&cfg),
        decl::<portfolio_margin::report::types::ModelReport>(&cfg),
        decl::<portfolio_margin::report::types::MarketReport>(&cfg),
        decl::<portfolio_margin::report::types::PositionReport>(&cfg),
        decl::<portfolio_margin::report::types::Attribution>(&cfg),
        decl::<portfolio_margin::margin::params::Margin>(&cfg),
        decl::<portfolio_margin::report::types::WorstScenario>(&cfg),
        decl::<portfolio_margin::margin::risk_matrix::ScenarioTable>(&cfg),
        decl::<portfolio_margin::report::types::UnderlyingGreeks>(&cfg),
        decl::<portfolio_margin::report::types::MarginReport>(&cfg),
        decl::<portfolio_margin::report::types::CrossAssetOffset>(&cfg),
        decl::<portfolio_margin::report::types::TotalUsd>(&cfg),
        decl::<portfolio_margin::report::types::PoolReport>(&cfg),
        decl::<portfolio_margin::report::types::PoolStandard>(&cfg),
        decl::<portfolio_margin::report::types::RiskMatrixReport>(&cfg),
        decl::<portfolio_margin::report::types::ExtendedReport>(&cfg),
        decl::<portfolio_margin::report::types::ScenarioReport>(&cfg),
        decl::<portfolio_margin::error::ErrorCode>(&cfg),
        decl::<portfolio_margin::error::Issue>(&cfg),
        decl::<portfolio_margin::error::Error>(&cfg),
        decl::<portfolio_margin::error::Warning>(&cfg),
        decl::<portfolio_margin::pricing::valuation::IvSource>(&cfg),
        decl::<portfolio_margin::pricing::valuation::PositionGreeks>(&cfg),
        decl::<portfolio_margin::input::instrument::Kind>(&cfg),
        decl::<portfolio_margin::input::instrument::Settlement>(&cfg),
        decl::<portfolio_margin::input::instrument::OptionType>(&cfg),
        decl::<portfolio_margin::input::instrument::QuantityUnit>(&cfg),
        decl::<portfolio_margin::input::instrument::Instrument>(&cfg),
        decl::<portfolio_margin::input::instrument::InstrumentSpec>(&cfg),
        decl::<portfolio_margin::input::positions::PositionInput>(&cfg),
        decl::<portfolio_margin::input::positions::PositionObject>(&cfg),
        decl::<portfolio_margin::input::positions::InstrumentField>(&cfg),
        decl::<portfolio_margin::input::positions::Parsed>(&cfg),
        decl::<portfolio_margin::input::market::MarketInput>(&cfg),
        decl::<portfolio_margin::input::market::UnderlyingInput>(&cfg),
        decl::<portfolio_margin::input::account::AccountInput>(&cfg),
        decl::<portfolio_margin::margin::account::CurrencyAccount>(&cfg),
        decl::<portfolio_margin::margin::account::Liquidation>(&cfg),
        decl::<portfolio_margin::margin::account::AccountReport>(&cfg),
        decl::<portfolio_margin::margin::account::LiquidatesFirst>(&cfg),
        decl::<portfolio_margin::margin::hedge::HedgeSuggestion>(&cfg),
        decl::<portfolio_margin::margin::session::MarginState>(&cfg),
        decl::<portfolio_margin::margin::session::PoolImpact>(&cfg),
        decl::<portfolio_margin::margin::session::Impact>(&cfg),
        decl::<portfolio_margin::input::Request>(&cfg),
        decl::<portfolio_margin::input::option::OptionQuery>(&cfg),
        decl::<portfolio_margin::margin::params::ModelMeta>(&cfg),
        decl::<portfolio_margin::input::model::ModelInput>(&cfg),
        decl::<portfolio_margin::margin::model::ModelInfo>(&cfg),
        decl::<portfolio_margin::margin::risk_matrix::UnderlyingShock>(&cfg),
        decl::<portfolio_margin::margin::risk_matrix::CurrencyParams>(&cfg),
        decl::<portfolio_margin::margin::risk_matrix::RiskMatrixParams>(&cfg),
        decl::<portfolio_margin::margin::grid::VolShift>(&cfg),
        decl::<portfolio_margin::margin::grid::ExtraScenario>(&cfg),
        decl::<portfolio_margin::margin::grid::GridParams>(&cfg),
        decl::<portfolio_margin::margin::grid::GridRisk>(&cfg),
        decl::<portfolio_margin::margin::standard::StandardParams>(&cfg),
    ];
    println!("// Generated from the Rust types by examples/gen_types.rs (ts-rs). Do not edit.");
    println!("export type JsonValue = number | string | boolean | null | JsonValue[] | {{ [key: string]: JsonValue }};");
    for d in decls {
        println!("{d}\n");
    }
}
