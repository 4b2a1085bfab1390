//! Shared helpers for the integration tests (loaded with `mod common;`).
#![allow(dead_code)]

#[cfg(not(target_arch = "wasm32"))]
use proptest::prelude::*;
use serde_json::Value;
use std::path::{Path, PathBuf};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn load(path: impl AsRef<Path>) -> Value {
    let p = root().join(path);
    serde_json::from_str(
        &std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display())),
    )
    .unwrap()
}

/// The published fixtures live in ../shared/fixtures (beside the repo); a copy is kept in tests/fixtures.
pub fn fixture(name: &str) -> Value {
    let shared = root().join("../shared/fixtures").join(name);
    if shared.exists() {
        serde_json::from_str(&std::fs::read_to_string(shared).unwrap()).unwrap()
    } else {
        load(format!("tests/fixtures/{name}"))
    }
}

pub fn report(request: &Value) -> Value {
    let json = portfolio_margin::report_json(&request.to_string())
        .unwrap_or_else(|e| panic!("{e}: {}", e.to_json()));
    serde_json::from_str(&json).unwrap()
}

pub fn close(actual: f64, expected: f64, tol: f64) -> bool {
    (actual - expected).abs() <= tol * expected.abs().max(1.0)
}

#[track_caller]
pub fn assert_close(actual: &Value, expected: &Value, tol: f64, what: &str) {
    match (actual, expected) {
        (Value::Number(a), Value::Number(e)) => {
            let (a, e) = (a.as_f64().unwrap(), e.as_f64().unwrap());
            assert!(
                close(a, e, tol),
                "{what}: got {a}, expected {e} (tolerance {tol})"
            );
        }
        (Value::Array(a), Value::Array(e)) => {
            assert_eq!(a.len(), e.len(), "{what}: length");
            for (i, (x, y)) in a.iter().zip(e).enumerate() {
                assert_close(x, y, tol, &format!("{what}[{i}]"));
            }
        }
        (Value::Object(a), Value::Object(e)) => {
            for (k, y) in e {
                let x = a
                    .get(k)
                    .unwrap_or_else(|| panic!("{what}.{k} missing from the report"));
                assert_close(x, y, tol, &format!("{what}.{k}"));
            }
        }
        (a, e) => assert_eq!(a, e, "{what}"),
    }
}

/// The core entry without JSON text on either side (the production reader on a `Value`, the report
/// back as a `Value`): no number goes through a float parser, so laws compare the exact doubles.
pub fn report_exact(request: &Value) -> Value {
    let request = portfolio_margin::Request::from_json(request).unwrap();
    let report = portfolio_margin::report(&request).unwrap_or_else(|e| panic!("{}", e.to_json()));
    serde_json::to_value(&report).unwrap()
}

/// A JSON number as f64.
pub fn num(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("{v} is not a number"))
}

/// Property-test settings: 256 cases, or `PROPTEST_CASES` (e.g. 20000 for a long run).
#[cfg(not(target_arch = "wasm32"))]
pub fn proptest_config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Uniform in log space on [lo, hi].
#[cfg(not(target_arch = "wasm32"))]
pub fn log_uniform(lo: f64, hi: f64) -> impl Strategy<Value = f64> {
    (lo.ln()..=hi.ln()).prop_map(f64::exp)
}

/// Run the native CLI with `args` and `stdin`: (exit code, stdout, stderr). (It compiles for wasm32
/// too, where the suites that call it do not run.)
pub fn run_cli(args: &[&str], stdin: &[u8]) -> (i32, Vec<u8>, Vec<u8>) {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_portfolio-margin"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    let out = child.wait_with_output().unwrap();
    (out.status.code().unwrap_or(-1), out.stdout, out.stderr)
}
