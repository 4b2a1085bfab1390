//! portfolio-margin: a portfolio risk-margining engine for crypto derivatives.
//!
//! The core is pure Rust (no wasm-bindgen, no I/O). Data flows one way through layers, and no
//! module imports one above it (checked by `tests/layers.rs`):
//!
//! `error`, `time`, `collections` (foundation) → [`input`] → [`market`] → [`pricing`] → [`margin`] → [`report`]
//! → [`api`] → [`wasm`] (the JS edge) and `src/bin/` (the CLI).
//!
//! [`api`] is the list of operations; the CLI and the WebAssembly facade call only it.
//!
//! ```
//! let json = r#"{"positions": "BTC-25DEC26-100000-C -10"}"#;
//! let report = portfolio_margin::api::report_json(json).unwrap();
//! assert!(report.contains("\"initial\""));
//! ```
#![cfg_attr(not(test), warn(clippy::unwrap_used, clippy::expect_used))]

pub mod api;
pub mod collections;
pub mod error;
pub mod input;
pub mod margin;
pub mod market;
pub mod pricing;
pub mod report;
pub mod risk;
pub mod time;
pub mod wasm;

pub use api::{report, report_json};
pub use error::{Error, ErrorCode, Issue, Warning};
pub use input::{parse_request, Request};
pub use report::types::Report;
