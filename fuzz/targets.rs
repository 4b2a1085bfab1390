//! The fuzz targets' bodies, shared by the coverage-guided campaigns (`fuzz/fuzz_targets/*.rs`,
//! cargo-fuzz on nightly) and the time-boxed stable run in `npm test` (`tests/fuzz_stable.rs`).
//!
//! Each takes arbitrary bytes and must return normally: any panic is a bug. On top of "no panic",
//! each checks what the engine promises of every outcome (README, "Errors"): a result's numbers are
//! finite (the JSON writer refuses NaN and Infinity with `NUMERIC`, which counts as a failure
//! here), and an error names where it is (a line and 1-based column, or a JSON path), except the
//! whole-request limits.
#![allow(dead_code)]

use portfolio_margin::error::{Error, ErrorCode, Issue};

/// A small book for the market and model targets (two pools, an option, a future, a perpetual).
const BOOK: &str =
    "BTC-25DEC26-100000-C -10\nBTC-PERPETUAL 50000\nETH-26JUN26-3000-P 20\nETH-26JUN26 -5000";

fn located(code: ErrorCode, line: Option<usize>, column: Option<usize>, _path: &Option<String>) {
    if let (Some(line), Some(column)) = (line, column) {
        assert!(
            line >= 1 && column >= 1,
            "{code:?} at line {line}, column {column}: locations are 1-based"
        );
    }
}

/// [`located`], for the runner's self-test.
pub fn located_for_test(code: ErrorCode, line: Option<usize>, column: Option<usize>) {
    located(code, line, column, &None);
}

fn check_error(e: &Error) {
    assert_ne!(
        e.code,
        ErrorCode::Numeric,
        "NaN or Infinity reached a result: {e}"
    );
    located(e.code, e.line, e.column, &e.path);
    for Issue {
        code,
        line,
        column,
        path,
        ..
    } in &e.issues
    {
        located(*code, *line, *column, path);
    }
}

fn check<T>(outcome: &portfolio_margin::error::Result<T>) {
    if let Err(e) = outcome {
        check_error(e);
    }
}

/// Pasted positions text (lines, CSV exports, a JSON array).
pub fn positions(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let parsed = portfolio_margin::api::parse_positions(text);
    for issue in &parsed.errors {
        located(issue.code, issue.line, issue.column, &issue.path);
    }
    if parsed.errors.is_empty() && !parsed.positions.is_empty() && parsed.positions.len() <= 200 {
        // the positions that read cleanly go through a whole report on the embedded market
        let request = serde_json::json!({ "positions": text }).to_string();
        check(&portfolio_margin::api::report_json(&request));
    }
}

/// A market object (JSON) under a fixed book.
pub fn market(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(market) = portfolio_margin::input::json::parse_json(text, "the market") else {
        return;
    };
    let request = serde_json::json!({ "positions": BOOK, "market": market }).to_string();
    check(&portfolio_margin::api::report_json(&request));
}

/// A model (a preset name, a preset with overrides, or custom parameters) under a fixed book.
pub fn model(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(model) = portfolio_margin::input::json::parse_json(text, "the model") else {
        return;
    };
    // es-margin runs 10 000 Monte Carlo paths per call: far too slow for a fuzz loop
    if model.to_string().contains("es-margin") || model.get("kind").is_some_and(|k| k == "es") {
        return;
    }
    let request = serde_json::json!({ "positions": BOOK, "model": model }).to_string();
    check(&portfolio_margin::api::report_json(&request));
}

/// A whole request, as text, the way the CLI and the package read it.
pub fn request(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // analysis and es-margin are Monte Carlo runs of up to a second each: the margin path here
    if text.contains("analysis") || text.contains("es-margin") || text.contains("\"es\"") {
        return;
    }
    let outcome = portfolio_margin::api::report_json(text);
    if let Ok(json) = &outcome {
        assert!(
            serde_json::from_str::<serde_json::Value>(json).is_ok(),
            "the report is not JSON"
        );
    }
    check(&outcome);
}

/// The targets by name, for the stable runner.
pub const TARGETS: [(&str, fn(&[u8])); 4] = [
    ("positions", positions),
    ("market", market),
    ("model", model),
    ("request", request),
];
