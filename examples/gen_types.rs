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
        decl::<portfolio_margin::report::Report>(&cfg),
        decl::<portfolio_margin::report::ModelReport>(&cfg),
        decl::<portfolio_margin::report::MarketReport>(&cfg),
        decl::<portfolio_margin::report::PositionReport>(&cfg),
        decl::<portfolio_margin::report::Attribution>(&cfg),
        decl::<portfolio_margin::report::StandardMargin>(&cfg),
        decl::<portfolio_margin::report::UnderlyingGreeks>(&cfg),
        decl::<portfolio_margin::report::MarginReport>(&cfg),
        decl::<portfolio_margin::report::CrossAssetOffset>(&cfg),
        decl::<portfolio_margin::report::TotalUsd>(&cfg),
        decl::<portfolio_margin::report::PoolReport>(&cfg),
        decl::<portfolio_margin::report::PoolStandard>(&cfg),
        decl::<portfolio_margin::report::RiskMatrixReport>(&cfg),
        decl::<portfolio_margin::report::ExtendedReport>(&cfg),
        decl::<portfolio_margin::report::ScenarioReport>(&cfg),
        decl::<portfolio_margin::error::ErrorCode>(&cfg),
        decl::<portfolio_margin::error::Issue>(&cfg),
        decl::<portfolio_margin::error::Error>(&cfg),
        decl::<portfolio_margin::error::Warning>(&cfg),
        decl::<portfolio_margin::valuation::IvSource>(&cfg),
        decl::<portfolio_margin::valuation::PositionGreeks>(&cfg),
        decl::<portfolio_margin::instrument::Kind>(&cfg),
        decl::<portfolio_margin::instrument::Settlement>(&cfg),
        decl::<portfolio_margin::instrument::OptionType>(&cfg),
        decl::<portfolio_margin::instrument::QuantityUnit>(&cfg),
        decl::<portfolio_margin::instrument::Instrument>(&cfg),
        decl::<portfolio_margin::instrument::InstrumentSpec>(&cfg),
        decl::<portfolio_margin::positions::PositionInput>(&cfg),
        decl::<portfolio_margin::positions::PositionObject>(&cfg),
        decl::<portfolio_margin::positions::InstrumentField>(&cfg),
        decl::<portfolio_margin::positions::Parsed>(&cfg),
        decl::<portfolio_margin::market::MarketInput>(&cfg),
        decl::<portfolio_margin::market::UnderlyingInput>(&cfg),
        decl::<portfolio_margin::account::AccountInput>(&cfg),
        decl::<portfolio_margin::account::CurrencyAccount>(&cfg),
        decl::<portfolio_margin::account::Liquidation>(&cfg),
        decl::<portfolio_margin::account::AccountReport>(&cfg),
        decl::<portfolio_margin::account::LiquidatesFirst>(&cfg),
        decl::<portfolio_margin::hedge::HedgeSuggestion>(&cfg),
        decl::<portfolio_margin::session::MarginState>(&cfg),
        decl::<portfolio_margin::session::PoolImpact>(&cfg),
        decl::<portfolio_margin::session::Impact>(&cfg),
        decl::<portfolio_margin::engine::Request>(&cfg),
        decl::<portfolio_margin::engine::OptionQuery>(&cfg),
        decl::<portfolio_margin::models::ModelMeta>(&cfg),
        decl::<portfolio_margin::models::ModelInput>(&cfg),
        decl::<portfolio_margin::models::ModelInfo>(&cfg),
        decl::<portfolio_margin::models::risk_matrix::UnderlyingShock>(&cfg),
        decl::<portfolio_margin::models::risk_matrix::CurrencyParams>(&cfg),
        decl::<portfolio_margin::models::risk_matrix::RiskMatrixParams>(&cfg),
        decl::<portfolio_margin::models::risk_matrix::WorstScenario>(&cfg),
        decl::<portfolio_margin::models::grid::VolShift>(&cfg),
        decl::<portfolio_margin::models::grid::ExtraScenario>(&cfg),
        decl::<portfolio_margin::models::grid::GridParams>(&cfg),
        decl::<portfolio_margin::models::grid::GridRisk>(&cfg),
        decl::<portfolio_margin::models::standard::StandardParams>(&cfg),
    ];
    println!("// Generated from the Rust types by examples/gen_types.rs (ts-rs). Do not edit.");
    println!("export type JsonValue = number | string | boolean | null | JsonValue[] | {{ [key: string]: JsonValue }};");
    for d in decls {
        println!("{d}\n");
    }
}
