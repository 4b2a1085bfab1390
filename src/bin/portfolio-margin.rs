//! Native CLI: `portfolio-margin report [FILE|-]` — request JSON in, report JSON out.
//! On bad input: a JSON error on stderr and exit code 2.

use std::io::Read;
use std::process::ExitCode;

const USAGE: &str = "usage: portfolio-margin report [FILE|-]     request JSON from FILE or stdin, report JSON on stdout
       portfolio-margin models                  list the margin model presets (JSON)
       portfolio-margin sample                  print a sample request (embedded market and portfolio)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("report") => {
            let source = args.get(1).map(String::as_str).unwrap_or("-");
            let text = if source == "-" {
                let mut s = String::new();
                if let Err(e) = std::io::stdin().read_to_string(&mut s) {
                    return fail_io(&format!("cannot read stdin: {e}"));
                }
                s
            } else {
                match std::fs::read_to_string(source) {
                    Ok(s) => s,
                    Err(e) => return fail_io(&format!("cannot read {source}: {e}")),
                }
            };
            match portfolio_margin::report_json(&text) {
                Ok(json) => {
                    println!("{json}");
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("{}", e.to_json());
                    ExitCode::from(2)
                }
            }
        }
        Some("models") => {
            println!(
                "{}",
                serde_json::to_string_pretty(&portfolio_margin::models::list_models())
                    .unwrap_or_default()
            );
            ExitCode::SUCCESS
        }
        Some("sample") => {
            let request = serde_json::json!({ "positions": portfolio_margin::market::SAMPLE_POSITIONS, "model": "deribit-pm" });
            println!(
                "{}",
                serde_json::to_string_pretty(&request).unwrap_or_default()
            );
            ExitCode::SUCCESS
        }
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(64)
        }
    }
}

fn fail_io(message: &str) -> ExitCode {
    eprintln!(
        "{}",
        serde_json::json!({ "code": "IO", "message": message })
    );
    ExitCode::from(2)
}
