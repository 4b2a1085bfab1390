//! The golden VaR / ES books (tests/golden/risk/*.json, computed by tests/reference/risk_reference.py,
//! an independent implementation of SPEC §4 in Python + numpy) through the core entry.
//!
//! Every number in a golden's `expected` (a subset of the report: `expected.var` against the report's
//! `var`, recursively; lists element by element, and of the same length) must match to the golden's
//! relative `tolerance`, with an absolute floor of `tolerance × max(1, |varUsd|, |esUsd|)` for the USD
//! figures (keys ending in `Usd`, so that a contribution or a diversification benefit near 0 is
//! judged on the scale of the book) and `tolerance × 1` for the others (scenario counts, confidences,
//! skewness, kurtosis). Strings and booleans must be equal. All mismatches of all goldens are listed
//! (golden name and JSON path) before the test fails.
#![cfg(not(target_arch = "wasm32"))]

use serde_json::Value;
use std::path::PathBuf;

fn golden_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden/risk")
}

fn num(v: &Value) -> Option<f64> {
    v.as_f64()
}

/// The USD scale of a golden: max(1, |expected.var.varUsd|, |expected.var.esUsd|).
fn usd_scale(expected: &Value) -> f64 {
    let mut scale = 1.0f64;
    for k in ["varUsd", "esUsd"] {
        if let Some(x) = expected.get("var").and_then(|v| v.get(k)).and_then(num) {
            scale = scale.max(x.abs());
        }
    }
    scale
}

struct Cmp<'a> {
    name: &'a str,
    tol: f64,
    usd_scale: f64,
    mismatches: Vec<String>,
}

impl Cmp<'_> {
    fn fail(&mut self, path: &str, msg: String) {
        self.mismatches
            .push(format!("{}: {path}: {msg}", self.name));
    }

    /// `key` is the last object key on the path (list elements inherit their parent's key).
    fn compare(&mut self, got: Option<&Value>, exp: &Value, path: &str, key: &str) {
        let Some(got) = got else {
            self.fail(path, "missing from the report".to_string());
            return;
        };
        match exp {
            Value::Number(e) => {
                let e = e.as_f64().unwrap();
                let Some(g) = num(got) else {
                    self.fail(path, format!("expected the number {e}, got {got}"));
                    return;
                };
                let floor = if key.ends_with("Usd") {
                    self.usd_scale
                } else {
                    1.0
                };
                let allowed = self.tol * e.abs().max(floor);
                if !g.is_finite() || (g - e).abs() > allowed {
                    let rel = (g - e).abs() / e.abs().max(f64::MIN_POSITIVE);
                    self.fail(
                        path,
                        format!(
                            "got {g}, expected {e} (diff {:e}, rel {rel:e}, allowed {allowed:e})",
                            g - e
                        ),
                    );
                }
            }
            Value::Array(e) => {
                let Some(g) = got.as_array() else {
                    self.fail(path, format!("expected a list, got {got}"));
                    return;
                };
                if g.len() != e.len() {
                    self.fail(path, format!("length {} instead of {}", g.len(), e.len()));
                }
                for (i, x) in e.iter().enumerate() {
                    self.compare(g.get(i), x, &format!("{path}[{i}]"), key);
                }
            }
            Value::Object(e) => {
                if !got.is_object() {
                    self.fail(path, format!("expected an object, got {got}"));
                    return;
                }
                for (k, x) in e {
                    self.compare(got.get(k), x, &format!("{path}.{k}"), k);
                }
            }
            other => {
                if got != other {
                    self.fail(path, format!("got {got}, expected {other}"));
                }
            }
        }
    }
}

#[test]
fn golden_risk_cases() {
    let mut files: Vec<_> = std::fs::read_dir(golden_dir())
        .unwrap_or_else(|e| panic!("{}: {e}", golden_dir().display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 12,
        "expected at least 12 golden risk books, found {}",
        files.len()
    );
    let mut mismatches = Vec::new();
    for file in &files {
        let name = file.file_name().unwrap().to_string_lossy().to_string();
        let case: Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let tol = case["tolerance"].as_f64().unwrap();
        let expected = &case["expected"];
        let request = serde_json::to_string(&case["request"]).unwrap();
        let report: Value = match portfolio_margin::api::report_json(&request) {
            Ok(json) => serde_json::from_str(&json).unwrap(),
            Err(e) => {
                mismatches.push(format!("{name}: error {e}: {}", e.to_json()));
                continue;
            }
        };
        let mut cmp = Cmp {
            name: &name,
            tol,
            usd_scale: usd_scale(expected),
            mismatches: Vec::new(),
        };
        cmp.compare(Some(&report), expected, "$", "");
        mismatches.extend(cmp.mismatches);
    }
    assert!(
        mismatches.is_empty(),
        "{} mismatch(es) in {} golden risk books:\n{}",
        mismatches.len(),
        files.len(),
        mismatches.join("\n")
    );
}
