//! Native CLI: `portfolio-margin report [FILE|-]` — request JSON in, report JSON out.
//! On bad input: a JSON error on stderr and exit code 2.

use portfolio_margin::api;
use std::io::Read;
use std::process::ExitCode;

const USAGE: &str = "usage: portfolio-margin report [--progress] [FILE|-]
                                                request JSON from FILE or stdin, report JSON on stdout
                                                (--progress: the fraction done of a long analysis on stderr)
       portfolio-margin report --lines [FILE|-] one request per line (JSON Lines) in, one line out per
                                                request: the report, or {\"error\": …}; exit code 0
       portfolio-margin compare [--models A,B,…] [FILE|-]
                                                the request's book under several models side by side
                                                (default: every preset), and across venues when
                                                positions name theirs (JSON)
       portfolio-margin market-from-deribit [FILE|-]
                                                a market (the request's `market`) from Deribit's public
                                                get_book_summary_by_currency response JSON
       portfolio-margin hedge [FILE|-]          the margin-minimising trades (full build): the request JSON
                                                with an optional key \"hedge\": { pool, candidates, budget,
                                                bounds }, the plan JSON on stdout
       portfolio-margin models                  list the margin model presets (JSON)
       portfolio-margin sample [--generated N]  print a sample request (embedded market and portfolio,
                                                or a generated N-position BTC/ETH book)
       portfolio-margin bench [FILE|-] [RUNS]   time the report natively: median, min and max milliseconds as JSON
       portfolio-margin bench --kernel [FILE|-] [RUNS]
                                                time the kernels alone (src/wasm/kernel.rs): the scenario sweep
                                                of the book, the arithmetic limit of a cell, price and Greeks";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize| args.get(i).map(String::as_str);
    match arg(0) {
        Some("report") if arg(1) == Some("--progress") => report(arg(2).unwrap_or("-"), true),
        Some("report") if arg(1) == Some("--lines") => report_lines(arg(2).unwrap_or("-")),
        Some("report") => report(arg(1).unwrap_or("-"), false),
        Some("compare") if arg(1) == Some("--models") => compare(arg(3).unwrap_or("-"), arg(2)),
        Some("compare") => compare(arg(1).unwrap_or("-"), None),
        Some("market-from-deribit") => match read_source(arg(1).unwrap_or("-")) {
            Ok(text) => {
                print_json(api::market_from_deribit(&text).and_then(|m| api::to_json_pretty(&m)))
            }
            Err(code) => code,
        },
        #[cfg(feature = "optimize")]
        Some("hedge") => hedge(arg(1).unwrap_or("-")),
        Some("models") => print_json(api::to_json_pretty(&api::list_models())),
        Some("sample") => sample(arg(1), arg(2)),
        #[cfg(not(target_arch = "wasm32"))]
        Some("bench") if arg(1) == Some("--kernel") => bench_kernel(arg(2).unwrap_or("-"), arg(3)),
        Some("bench") => bench(arg(1).unwrap_or("-"), arg(2)),
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        _ => usage(),
    }
}

fn usage() -> ExitCode {
    eprintln!("{USAGE}");
    ExitCode::from(64)
}

/// A core error as JSON on stderr, exit code 2.
fn fail(e: &portfolio_margin::Error) -> ExitCode {
    eprintln!("{}", e.to_json());
    ExitCode::from(2)
}

/// `compare [--models a,b] [FILE|-]`: the book under each model (names separated by commas).
fn compare(source: &str, models: Option<&str>) -> ExitCode {
    let text = match read_source(source) {
        Ok(t) => t,
        Err(code) => return code,
    };
    let models = models.map(|m| {
        serde_json::Value::Array(
            m.split(',')
                .filter(|n| !n.trim().is_empty())
                .map(|n| serde_json::Value::String(n.trim().to_string()))
                .collect(),
        )
    });
    let result = api::parse_request(&text)
        .and_then(|request| api::compare(&request, models.as_ref(), None))
        .and_then(|c| api::to_json_pretty(&c));
    print_json(result)
}

fn report(source: &str, progress: bool) -> ExitCode {
    let text = match read_source(source) {
        Ok(t) => t,
        Err(code) => return code,
    };
    if !progress {
        return print_json(api::report_json(&text));
    }
    // whole percents, each once, as `progress 0.42` lines
    let mut last = -1i64;
    let mut tell = |f: f64| {
        let pct = (f * 100.0).floor() as i64;
        if pct > last {
            last = pct;
            eprintln!("progress {:.2}", pct as f64 / 100.0);
        }
    };
    let report = api::parse_request(&text).and_then(|r| api::report_with_progress(&r, &mut tell));
    print_json(report.and_then(|r| api::to_json(&r)))
}

/// `hedge`: the request with its `hedge` options in, the hedge plan out.
#[cfg(feature = "optimize")]
fn hedge(source: &str) -> ExitCode {
    match read_source(source) {
        Ok(text) => {
            print_json(api::optimize_hedge_json(&text).and_then(|p| api::to_json_pretty(&p)))
        }
        Err(code) => code,
    }
}

/// `report --lines`: a batch of requests, one JSON text per line, each answered on its own line (a
/// report, or `{"error": …}` with the error's JSON), so that one process serves thousands.
fn report_lines(source: &str) -> ExitCode {
    let text = match read_source(source) {
        Ok(t) => t,
        Err(code) => return code,
    };
    use std::io::Write;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let answer = match api::report_json(line) {
            Ok(json) => json,
            Err(e) => format!("{{\"error\":{}}}", e.to_json()),
        };
        if writeln!(out, "{answer}").is_err() {
            return ExitCode::from(74);
        }
    }
    match out.flush() {
        Ok(()) => ExitCode::SUCCESS,
        Err(_) => ExitCode::from(74),
    }
}

/// A result as JSON on stdout, or its error as JSON on stderr (exit code 2).
fn print_json(json: portfolio_margin::error::Result<String>) -> ExitCode {
    match json {
        Ok(json) => {
            println!("{json}");
            ExitCode::SUCCESS
        }
        Err(e) => fail(&e),
    }
}

fn sample(flag: Option<&str>, count: Option<&str>) -> ExitCode {
    let positions = match (flag, count.and_then(|n| n.parse::<usize>().ok())) {
        (Some("--generated"), Some(n)) => api::generated_book(n),
        (None, _) => api::sample_positions().to_string(),
        _ => return usage(),
    };
    let request = serde_json::json!({ "positions": positions, "model": "deribit-pm" });
    print_json(api::to_json_pretty(&request))
}

fn bench(source: &str, runs: Option<&str>) -> ExitCode {
    let text = match read_source(source) {
        Ok(t) => t,
        Err(code) => return code,
    };
    let runs: usize = runs.and_then(|n| n.parse().ok()).unwrap_or(50).max(1);
    let request = match api::parse_request(&text) {
        Ok(r) => r,
        Err(e) => return fail(&e),
    };
    // the full report (core value out; JSON text in and out) and the margin-only path (the
    // stateless impact of no orders, as `marginImpact(request, "")` in JS), each run in turn
    let no_orders = serde_json::Value::String(String::new());
    let (mut core, mut json, mut margin) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..runs {
        let t = std::time::Instant::now();
        let _ = std::hint::black_box(api::report(&request));
        core.push(t.elapsed().as_secs_f64() * 1e3);
        let t = std::time::Instant::now();
        let _ = std::hint::black_box(api::report_json(&text));
        json.push(t.elapsed().as_secs_f64() * 1e3);
        let t = std::time::Instant::now();
        let _ = std::hint::black_box(api::margin_impact(&request, &no_orders));
        margin.push(t.elapsed().as_secs_f64() * 1e3);
    }
    let stats = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        (v[v.len() / 2], v[0], v[v.len() - 1])
    };
    let (core, json, margin) = (stats(&mut core), stats(&mut json), stats(&mut margin));
    println!(
        "{}",
        serde_json::json!({
            "runs": runs,
            "medianMsCore": core.0, "minMsCore": core.1, "maxMsCore": core.2,
            "medianMsJson": json.0, "minMsJson": json.1, "maxMsJson": json.2,
            "medianMsMargin": margin.0, "minMsMargin": margin.1, "maxMsMargin": margin.2,
        })
    );
    ExitCode::SUCCESS
}

/// Median, min and max milliseconds of `runs` calls of `f`.
fn timed(runs: usize, mut f: impl FnMut() -> f64) -> serde_json::Value {
    let mut ms: Vec<f64> = (0..runs.max(1))
        .map(|_| {
            let t = std::time::Instant::now();
            std::hint::black_box(f());
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    ms.sort_by(f64::total_cmp);
    serde_json::json!({ "median": ms[ms.len() / 2], "min": ms[0], "max": ms[ms.len() - 1] })
}

/// The kernels (src/wasm/kernel.rs, native in every build but WebAssembly's) timed alone.
#[cfg(not(target_arch = "wasm32"))]
fn bench_kernel(source: &str, runs: Option<&str>) -> ExitCode {
    use portfolio_margin::wasm::kernel;
    let text = match read_source(source) {
        Ok(t) => t,
        Err(code) => return code,
    };
    let runs: usize = runs.and_then(|n| n.parse().ok()).unwrap_or(50).max(1);
    let mut sweep = match kernel::Sweep::new(&text) {
        Ok(s) => s,
        Err(e) => return fail(&e),
    };
    let cells = 1_000_000;
    println!(
        "{}",
        serde_json::json!({
            "runs": runs,
            "revaluations": sweep.revaluations(),
            "sweepMs": timed(runs, || sweep.run()),
            "loopCells": cells,
            "limitMs": timed(runs, || kernel::arithmetic_limit(std::hint::black_box(cells))),
            "priceGreeksMs": timed(runs, || kernel::price_greeks(std::hint::black_box(cells))),
        })
    );
    ExitCode::SUCCESS
}

/// The request text from a file, or stdin for `-`.
fn read_source(source: &str) -> Result<String, ExitCode> {
    let bytes = if source == "-" {
        let mut b = Vec::new();
        std::io::stdin()
            .read_to_end(&mut b)
            .map_err(|e| fail_io(&format!("cannot read stdin: {e}")))?;
        b
    } else {
        std::fs::read(source).map_err(|e| fail_io(&format!("cannot read {source}: {e}")))?
    };
    String::from_utf8(bytes).map_err(|e| {
        // not UTF-8: BAD_REQUEST at the line and column (1-based, in characters) of the bad byte
        let good = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let text = std::str::from_utf8(good).unwrap_or("");
        let line = 1 + text.matches('\n').count();
        let column = 1 + text.rsplit('\n').next().unwrap_or("").chars().count();
        let err = portfolio_margin::error::Error::from(
            portfolio_margin::error::Issue::new(
                portfolio_margin::error::ErrorCode::BadRequest,
                format!("the request is not UTF-8 text (an invalid byte at line {line}, column {column}); save it as UTF-8"),
            )
            .at_line(line, column),
        );
        eprintln!("{}", err.to_json());
        ExitCode::from(2)
    })
}

/// A file or stdin that cannot be read (CLI only): code `IO`, with the one issue.
fn fail_io(message: &str) -> ExitCode {
    let issue = serde_json::json!({ "code": "IO", "message": message });
    eprintln!(
        "{}",
        serde_json::json!({ "code": "IO", "message": message, "issues": [issue] })
    );
    ExitCode::from(2)
}
