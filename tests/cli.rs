//! The native CLI: request JSON in (file or stdin), report JSON out; bad input → JSON error on stderr, exit 2.
#![cfg(not(target_arch = "wasm32"))]

mod common;

fn run(args: &[&str], stdin: &str) -> (i32, String, String) {
    let (code, out, err) = common::run_cli(args, stdin.as_bytes());
    (
        code,
        String::from_utf8(out).unwrap(),
        String::from_utf8(err).unwrap(),
    )
}

#[test]
fn fixture_through_the_cli_from_a_file_and_stdin() {
    let fx = common::fixture("deribit-pm-btc.json");
    let path = std::env::temp_dir().join(format!("pm-cli-{}.json", std::process::id()));
    std::fs::write(&path, fx["request"].to_string()).unwrap();
    for (args, stdin) in [
        (vec!["report", path.to_str().unwrap()], String::new()),
        (vec!["report", "-"], fx["request"].to_string()),
        (vec!["report"], fx["request"].to_string()),
    ] {
        let (code, out, err) = run(&args, &stdin);
        assert_eq!(code, 0, "{err}");
        let report: serde_json::Value = serde_json::from_str(&out).unwrap();
        let pool = &report["margin"]["pools"][0];
        for k in ["worstCase", "rollShock", "initial", "maintenance"] {
            common::assert_close(
                &pool[k],
                &fx["expected"][k],
                fx["tolerance"].as_f64().unwrap(),
                k,
            );
        }
    }
    let _ = std::fs::remove_file(path);
}

#[test]
fn bad_line_gives_json_error_and_exit_2() {
    let (code, out, err) = run(
        &["report", "-"],
        r#"{"positions": "BTC-PERPETUAL 100\nBTC-31FEB27-90000-C 1"}"#,
    );
    assert_eq!(code, 2);
    assert!(out.is_empty());
    let e: serde_json::Value = serde_json::from_str(err.trim()).unwrap();
    assert_eq!(e["code"], "UNKNOWN_INSTRUMENT");
    assert_eq!(e["line"], 2);
    assert_eq!(e["column"], 5);
    assert!(e["message"].as_str().unwrap().contains("31FEB27"));
}

#[test]
fn invalid_json_and_missing_file() {
    let (code, _, err) = run(&["report", "-"], "{\"positions\": ");
    assert_eq!(code, 2);
    let e: serde_json::Value = serde_json::from_str(err.trim()).unwrap();
    assert_eq!(e["code"], "BAD_REQUEST");
    assert_eq!(e["line"], 1);
    let (code, _, err) = run(&["report", "/nonexistent/request.json"], "");
    assert_eq!(code, 2);
    assert!(err.contains("cannot read"));
    let (code, _, _) = run(&["frobnicate"], "");
    assert_eq!(code, 64);
}

#[test]
fn sample_request_round_trips() {
    let (code, sample, _) = run(&["sample"], "");
    assert_eq!(code, 0);
    let (code, out, err) = run(&["report", "-"], &sample);
    assert_eq!(code, 0, "{err}");
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(report["margin"]["totalUsd"]["initial"].as_f64().unwrap() > 0.0);
}

#[test]
fn report_computes_analysis_and_progress_goes_to_stderr() {
    let request = r#"{"positions": "BTC_USDC-PERPETUAL 1\nETH-25DEC26-3000-P -5", "analysis": {"var": {"paths": 20000}, "stress": true, "payoff": true}}"#;
    let (code, out, err) = run(&["report", "--progress", "-"], request);
    assert_eq!(code, 0, "{err}");
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(report["var"]["esUsd"].as_f64().unwrap() > 0.0);
    assert_eq!(report["stress"]["scenarios"].as_array().unwrap().len(), 11);
    assert!(report["payoff"]["ETH"]["breakevens"].is_array());
    let fractions: Vec<f64> = err
        .lines()
        .map(|l| {
            l.strip_prefix("progress ")
                .unwrap_or_else(|| panic!("unexpected stderr line {l}"))
                .parse()
                .unwrap()
        })
        .collect();
    assert!(
        fractions.len() >= 3 && fractions.windows(2).all(|w| w[1] > w[0]),
        "{fractions:?}"
    );
    assert_eq!(fractions.last(), Some(&1.0));
    // without --progress: the same report and nothing on stderr
    let (code, quiet, err) = run(&["report", "-"], request);
    assert_eq!((code, err.as_str()), (0, ""));
    assert_eq!(quiet, out);
}
