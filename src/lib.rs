//! portfolio-margin: a portfolio risk-margining engine for crypto derivatives.
//!
//! The core is pure Rust (no wasm-bindgen, no I/O). One entry, [`report`], serves the native CLI
//! (`src/bin/portfolio-margin.rs`) and the WebAssembly facade (`src/wasm.rs`) alike.
//!
//! ```
//! let json = r#"{"positions": "BTC-25DEC26-100000-C -10"}"#;
//! let report = portfolio_margin::report_json(json).unwrap();
//! assert!(report.contains("\"initial\""));
//! ```
#![cfg_attr(not(test), warn(clippy::unwrap_used, clippy::expect_used))]

pub mod account;
pub mod black76;
pub mod book;
pub mod bookgen;
pub mod engine;
pub mod error;
pub mod hedge;
pub mod instrument;
pub mod json;
pub mod market;
pub mod models;
pub mod positions;
pub mod report;
pub mod session;
pub mod tape;
pub mod time;
pub mod valuation;

#[cfg(target_arch = "wasm32")]
pub mod wasm;

pub use engine::{parse_request, report, report_json, Request};
pub use error::{Error, ErrorCode, Issue, Warning};
pub use report::Report;
