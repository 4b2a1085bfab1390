//! Writes the TypeScript declarations of the request and report types (generated from the Rust
//! types by ts-rs; the single source of truth). `scripts/build.sh` appends them to the package's
//! `.d.ts`. Run: `cargo run --quiet --features typescript --example gen_types`.
//!
//! Only the root types are listed: what the package's functions take and return. Every type they
//! use is declared by following ts-rs's dependency graph (`TS::visit_dependencies`), once each.

use std::any::TypeId;
use std::collections::HashSet;
use ts_rs::{Config, TypeVisitor, TS};

/// Declares each visited type once, then the types it depends on (depth first).
struct Declare<'a> {
    cfg: &'a Config,
    seen: HashSet<TypeId>,
    /// (TypeScript name, declaration), in the order first met.
    decls: Vec<(String, String)>,
}

impl TypeVisitor for Declare<'_> {
    fn visit<T: TS + 'static + ?Sized>(&mut self) {
        // primitives and containers have no declaration of their own
        if T::output_path().is_none() || !self.seen.insert(TypeId::of::<T>()) {
            return;
        }
        let name = T::ident(self.cfg);
        let mut decl = T::docs().unwrap_or_default();
        decl.push_str("export ");
        decl.push_str(&T::decl(self.cfg));
        match self.decls.iter().find(|(n, _)| *n == name) {
            // one TypeScript type for two Rust types (serde_json::Value and ts-rs's stand-in for it)
            Some((_, d)) if *d == decl => {}
            Some(_) => {
                eprintln!("gen_types: two different types are both named `{name}` in TypeScript");
                std::process::exit(1);
            }
            None => self.decls.push((name, decl)),
        }
        T::visit_dependencies(self);
    }
}

fn main() {
    use portfolio_margin::{error, input, margin, report};
    let cfg = Config::default();
    let mut v = Declare {
        cfg: &cfg,
        seen: HashSet::new(),
        decls: Vec::new(),
    };
    // computeReport, RiskSession: the request in, the report out
    v.visit::<input::RequestJson>();
    v.visit::<report::types::Report>();
    // marginImpact, RiskSession.impact
    v.visit::<margin::session::Impact>();
    // compareModels
    v.visit::<report::compare::Comparison>();
    v.visit::<input::model::ModelInput>();
    // optimizeHedge (full build)
    v.visit::<input::hedge::HedgeOptionsJson>();
    v.visit::<margin::optimize::HedgePlan>();
    // parsePositions, listModels, defaultMarket, priceOption / impliedVol
    v.visit::<input::positions::Parsed>();
    v.visit::<margin::model::ModelInfo>();
    v.visit::<input::market::MarketInput>();
    v.visit::<input::option::OptionQuery>();
    // marketFromDeribit (full build)
    v.visit::<input::deribit::DeribitMarket>();
    // what every function throws (PortfolioMarginError uses ErrorCode and Issue)
    v.visit::<error::Error>();
    // the parameters of each model kind: a full model object, and `ModelInfo.params`
    v.visit::<margin::risk_matrix::RiskMatrixParams>();
    v.visit::<margin::grid::GridParams>();
    v.visit::<margin::standard::StandardParams>();
    println!("// Generated from the Rust types by examples/gen_types.rs (ts-rs). Do not edit.");
    for (_, d) in v.decls {
        println!("{d}\n");
    }
}
