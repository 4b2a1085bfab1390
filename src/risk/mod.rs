//! Risk beyond margin (SPEC §4): one joint-scenario engine over every underlying of the account
//! (Monte Carlo, historical), parametric delta-gamma, the stress library and the payoff curves.
//! Scenario P&L is the full revaluation of `pricing::valuation`, in USD, collateral included.
//! The engine is the cargo feature `analysis` (on by default; the package's margin-path
//! WebAssembly build leaves it out); the report types are always there.

pub mod types;

#[cfg(feature = "analysis")]
mod engine;
#[cfg(feature = "analysis")]
pub use engine::*;
