//! The CSV corpus (tests/csv/): every file is parsed with the production entry and compared with
//! the `name.expected.json` beside it — signed quantities per instrument in order, and every
//! error and warning with its line (SPEC §2 "Pasted positions"; docs/CSV-EXPORTS.md).
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::*;
use portfolio_margin::api::parse_positions;
use portfolio_margin::input::positions::Parsed;
use serde_json::{json, Value};
use std::path::PathBuf;

fn corpus() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("tests/csv"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "csv"))
        .collect();
    files.sort();
    files
}

/// What a parse gave, in the form of the expected files (for the failure message).
fn summary(parsed: &Parsed) -> Value {
    json!({
        "positions": parsed.positions.iter().map(|p| json!({
            "instrument": p.instrument.name, "quantity": p.quantity, "line": p.line,
            "unit": p.unit, "mark": p.mark, "iv": p.iv, "entry": p.entry,
        })).collect::<Vec<_>>(),
        "errors": parsed.errors.iter().map(|e| json!({
            "code": e.code, "line": e.line, "column": e.column, "message": e.message,
        })).collect::<Vec<_>>(),
        "warnings": parsed.warnings.iter().map(|w| json!({
            "code": w.code, "line": w.line, "message": w.message,
        })).collect::<Vec<_>>(),
    })
}

/// JSON values equal, numbers by value (`-10` is `-10.0`).
fn same(a: &Value, b: &Value) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

/// Every key of `expected` must equal the actual's; `contains` lists substrings of the message.
fn matches(expected: &Value, actual: &Value) -> Result<(), String> {
    let (Some(want), Some(got)) = (expected.as_object(), actual.as_object()) else {
        return Err("not an object".into());
    };
    for (key, value) in want {
        if key == "contains" {
            let message = got["message"].as_str().unwrap_or("");
            for part in value.as_array().into_iter().flatten() {
                let part = part.as_str().unwrap_or("");
                if !message.contains(part) {
                    return Err(format!("message {message:?} does not contain {part:?}"));
                }
            }
        } else if !same(got.get(key).unwrap_or(&Value::Null), value) {
            return Err(format!("{key}: expected {value}, got {}", got[key]));
        }
    }
    Ok(())
}

fn check(file: &PathBuf) -> Result<(), String> {
    let text = std::fs::read_to_string(file).map_err(|e| e.to_string())?;
    let expected_path = file.with_extension("expected.json");
    let expected = load(&expected_path);
    let actual = summary(&parse_positions(&text));
    for list in ["positions", "errors", "warnings"] {
        let (want, got) = (expected[list].as_array(), actual[list].as_array());
        let (want, got) = (
            want.cloned().unwrap_or_default(),
            got.cloned().unwrap_or_default(),
        );
        if want.len() != got.len() {
            return Err(format!(
                "{list}: expected {}, got {}",
                want.len(),
                got.len()
            ));
        }
        for (i, (w, g)) in want.iter().zip(&got).enumerate() {
            matches(w, g).map_err(|m| format!("{list}[{i}]: {m}"))?;
        }
    }
    Ok(())
}

#[test]
fn every_corpus_file_parses_as_expected() {
    let files = corpus();
    assert!(files.len() >= 14, "the corpus is in tests/csv/");
    let mut failures = Vec::new();
    for file in &files {
        if let Err(why) = check(file) {
            let text = std::fs::read_to_string(file).unwrap_or_default();
            let actual = serde_json::to_string_pretty(&summary(&parse_positions(&text)));
            failures.push(format!(
                "{}: {why}\nactual: {}",
                file.display(),
                actual.unwrap_or_default()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn every_corpus_file_has_an_expected_file() {
    for file in corpus() {
        assert!(
            file.with_extension("expected.json").exists(),
            "{} has no expected file",
            file.display()
        );
    }
}

#[test]
fn the_alias_table_is_the_documented_one() {
    let doc = std::fs::read_to_string(root().join("docs/CSV-EXPORTS.md")).unwrap();
    for (alias, _) in portfolio_margin::input::csv::ALIASES {
        assert!(
            doc.contains(&format!("`{alias}`")),
            "docs/CSV-EXPORTS.md lacks `{alias}`"
        );
    }
    for (column, _) in portfolio_margin::input::csv::LEDGER_COLUMNS {
        assert!(
            doc.contains(&format!("`{column}`")),
            "docs/CSV-EXPORTS.md lacks `{column}`"
        );
    }
}

#[test]
fn issue_11_a_direction_column_signs_the_size() {
    let p = parse_positions("Instrument,Size,Direction\nBTC-25DEC26-100000-C,10,sell");
    assert!(p.errors.is_empty() && p.warnings.is_empty(), "{p:?}");
    assert_eq!(p.positions.len(), 1);
    assert_eq!(p.positions[0].instrument.name, "BTC-25DEC26-100000-C");
    assert_eq!(p.positions[0].quantity, -10.0);

    // and the report values the short: the same as the line format's -10
    let csv =
        report(&json!({ "positions": "Instrument,Size,Direction\nBTC-25DEC26-100000-C,10,sell" }));
    let line = report(&json!({ "positions": "BTC-25DEC26-100000-C -10" }));
    assert_eq!(csv["margin"], line["margin"]);
    assert_eq!(csv["positions"][0]["quantity"].as_f64(), Some(-10.0));
}

#[test]
fn an_unknown_column_is_one_ignored_column_warning_in_the_report() {
    let csv = "Account,Instrument,Qty,Strategy,Delta\n\
               main,BTC-25DEC26-100000-C,-10,covered call,-3.8\n\
               main,BTC-PERPETUAL,20000,hedge,0.21";
    let r = report(&json!({ "positions": csv }));
    let ignored: Vec<&Value> = r["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["code"] == "IGNORED_COLUMN")
        .collect();
    assert_eq!(ignored.len(), 1, "{}", r["warnings"]);
    let message = ignored[0]["message"].as_str().unwrap();
    for column in ["Account", "Strategy", "Delta"] {
        assert!(message.contains(column), "{message}");
    }
    assert_eq!(ignored[0]["line"], 1);
    // a CSV that uses every column has none
    let clean = report(&json!({ "positions": "instrument,quantity\nBTC-PERPETUAL,20000" }));
    assert!(!clean["warnings"].to_string().contains("IGNORED_COLUMN"));
}

#[test]
fn csv_errors_fail_the_report_naming_every_bad_line() {
    let e = portfolio_margin::report_json(
        &json!({ "positions": "instrument,size,side\nBTC-PERPETUAL,-10,buy\nBTC-USDT-SWAQ,1,sell" })
            .to_string(),
    )
    .unwrap_err();
    let got: Vec<_> = e.issues.iter().map(|i| (i.code.as_str(), i.line)).collect();
    assert_eq!(
        got,
        [("BAD_LINE", Some(2)), ("UNKNOWN_INSTRUMENT", Some(3))]
    );
}

use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Any text under a CSV header parses without a panic, and every row is a position or an error.
    #[test]
    fn any_csv_body_parses_without_panic(
        header in prop::sample::select(vec![
            "instrument,size,side", "\u{feff}Symbol,Qty,Direction,Mark Price", "\"instrument\",\"amount\",x,",
        ]),
        body in "[A-Za-z0-9_\\-,.\"% \u{feff}\t#:]{0,60}(\r?\n[A-Za-z0-9_\\-,.\"% \u{feff}\t#:]{0,60}){0,6}",
    ) {
        let text = format!("{header}\n{body}");
        let parsed = parse_positions(&text);
        prop_assert!(parsed.warnings.len() <= 1);
        for p in &parsed.positions {
            prop_assert!(p.quantity.is_finite());
            prop_assert!(p.line.is_some_and(|l| l >= 2));
        }
        for e in &parsed.errors {
            prop_assert!(e.line.is_some() && e.column.is_some(), "{e:?}");
        }
    }
}
