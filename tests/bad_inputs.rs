//! The bad-input corpus (`tests/bad-inputs/cases.jsonl`, written by `make_cases.py`): every case's
//! error code and place, or its warning, through the core's JSON entry (what the CLI runs); the
//! same file runs through the JS package in `tests/js/bad-inputs.test.mjs`, which also compares
//! the package's outcome with the native CLI's, case by case.

mod common;
use portfolio_margin::api;
use serde_json::{json, Value};

/// The request text of a case (`raw`, `request`, or one of the generators the JS test shares).
pub fn request_text(case: &Value) -> String {
    if let Some(raw) = case.get("raw").and_then(Value::as_str) {
        return raw.to_string();
    }
    if let Some(request) = case.get("request") {
        return request.to_string();
    }
    let generator = case["generate"].as_str().expect("raw, request or generate");
    match generator {
        "text-10mb" => {
            let line = "BTC-PERPETUAL 1\n";
            json!({ "positions": line.repeat(10 * 1024 * 1024 / line.len() + 1) }).to_string()
        }
        "request-17mb" => format!(
            "{{\"positions\": \"\", \"pad\": \"{}\"}}",
            "x".repeat(17 * 1024 * 1024)
        ),
        "positions-20001" => json!({ "positions": "BTC-PERPETUAL 1\n".repeat(20_001) }).to_string(),
        "objects-20001" => {
            let one = json!({ "instrument": "BTC-PERPETUAL", "quantity": 1 });
            json!({ "positions": vec![one; 20_001] }).to_string()
        }
        "underlyings-201" => {
            let u: serde_json::Map<String, Value> = (0..201)
                .map(|i| (format!("U{i}"), json!({ "index": 1 })))
                .collect();
            json!({ "positions": "", "market": { "asOf": "2026-11-24", "underlyings": u } })
                .to_string()
        }
        "smile-501" => {
            let pts: Vec<Value> = (0..501).map(|i| json!([1000 + 100 * i, 0.5])).collect();
            json!({ "positions": "", "market": { "asOf": "2026-11-24",
                "underlyings": { "BTC": { "index": 94250, "smiles": { "2026-12-25": pts } } } } })
            .to_string()
        }
        "deep-nesting" => "[".repeat(100_000),
        "book-81-account" => json!({ "positions": "BTC-PERPETUAL 1\n".repeat(81),
            "account": { "collateral": { "BTC": 1 } } })
        .to_string(),
        "mc-5001" => json!({ "positions": "BTC-PERPETUAL 1\n".repeat(5001),
            "analysis": { "var": { "paths": 10_000 } } })
        .to_string(),
        "es-5001" => json!({ "positions": "BTC-PERPETUAL 1\n".repeat(5001), "model": "es-margin" })
            .to_string(),
        "payoff-10000" => json!({ "positions": "BTC-PERPETUAL 1\n".repeat(10000),
            "analysis": { "payoff": { "points": 201 } } })
        .to_string(),
        other => panic!("unknown generator {other}"),
    }
}

/// A case's outcome: `{ "error": {code, line, column, path} }` or `{ "warnings": [...] }`.
fn outcome(text: &str) -> Result<Value, Value> {
    match api::report_json(text) {
        Ok(report) => Ok(serde_json::from_str::<Value>(&report).unwrap()["warnings"].clone()),
        Err(e) => Err(serde_json::to_value(&e).unwrap()),
    }
}

/// Whether `got` carries every field of `want` with the same value.
fn matches(got: &Value, want: &Value) -> bool {
    want.as_object()
        .unwrap()
        .iter()
        .all(|(k, v)| got.get(k) == Some(v))
}

#[test]
fn every_case_of_the_corpus_has_its_outcome() {
    let corpus = include_str!("bad-inputs/cases.jsonl");
    let cases: Vec<Value> = corpus
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(cases.len() >= 150, "{} cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let name = case["name"].as_str().unwrap();
        let text = request_text(case);
        let start = std::time::Instant::now();
        let got = outcome(&text);
        let elapsed = start.elapsed().as_secs_f64();
        // bounded work: even the largest case answers well within the 2 s bound
        if elapsed > 2.0 {
            failures.push(format!("{name}: {elapsed:.2} s"));
        }
        match (got, case.get("error"), case.get("warning")) {
            (Err(e), Some(want), _) => {
                if !matches(&e, want) {
                    failures.push(format!("{name}: expected {want}, got {e}"));
                }
                // every issue has a code and a place, and no message is empty
                let issues = e["issues"].as_array().unwrap();
                assert!(!issues.is_empty(), "{name}: no issues");
                for issue in issues {
                    assert!(!issue["message"].as_str().unwrap().is_empty(), "{name}");
                    if let Some(c) = issue.get("column") {
                        assert!(c.as_u64().unwrap() >= 1, "{name}: column {c}");
                    }
                }
            }
            (Ok(warnings), None, Some(want)) => {
                if !warnings
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|w| matches(w, want))
                {
                    failures.push(format!("{name}: expected warning {want}, got {warnings}"));
                }
            }
            (got, _, _) => failures.push(format!("{name}: unexpected outcome {got:?}")),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases fail:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

/// The CLI reads bytes: text that is not UTF-8 is `BAD_REQUEST` at the line and column of the
/// first bad byte (not an undocumented `IO` error without issues); an unreadable file is `IO`.
#[test]
fn the_cli_reports_invalid_utf8_with_its_place() {
    let run = |input: &[u8], args: &[&str]| {
        let (code, _, err) = common::run_cli(args, input);
        assert_eq!(code, 2);
        serde_json::from_slice::<Value>(&err).unwrap()
    };
    let e = run(
        b"{\"positions\":\n\"BTC-PERPETUAL 1 \xff\"}",
        &["report", "-"],
    );
    assert_eq!(
        (&e["code"], &e["line"], &e["column"]),
        (&json!("BAD_REQUEST"), &json!(2), &json!(18)),
        "{e}"
    );
    assert_eq!(e["issues"][0]["line"], json!(2));
    let e = run(b"", &["report", "/nonexistent/request.json"]);
    assert_eq!(e["code"], json!("IO"));
    assert_eq!(e["issues"][0]["code"], json!("IO"));
}
