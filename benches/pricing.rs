//! Native benchmarks: Black-76 price+Greeks throughput, the kernels of `src/wasm/kernel.rs` (the
//! scenario sweep of the generated 1 000-position book alone and the arithmetic limit of one cell;
//! the same code is timed in WebAssembly by bench/bench.mjs), and the full deribit-pm report of that
//! book (BTC and ETH, 8 expiries). `npm run bench` reads the samples (target/criterion) into its table.

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use portfolio_margin::pricing::black76;

fn pricing(c: &mut Criterion) {
    // a spread of realistic inputs, evaluated in a tight loop
    let n = 1024;
    let inputs: Vec<(f64, f64, f64, f64, bool)> = (0..n)
        .map(|i| {
            let x = i as f64 / n as f64;
            (
                95_000.0,
                60_000.0 + 80_000.0 * x,
                0.01 + 2.0 * x,
                0.3 + 0.9 * (1.0 - x),
                i % 2 == 0,
            )
        })
        .collect();
    let mut g = c.benchmark_group("black76");
    g.throughput(Throughput::Elements(n as u64));
    g.bench_function("price+greeks x1024", |b| {
        b.iter(|| {
            let mut acc = 0.0;
            for &(f, k, t, s, call) in &inputs {
                let r = black76::greeks(black_box(f), k, t, s, 0.0, call);
                acc += r.price + r.delta + r.gamma + r.vega + r.theta + r.rho + r.vanna + r.volga;
            }
            acc
        })
    });
    g.bench_function("price only x1024", |b| {
        b.iter(|| {
            inputs
                .iter()
                .map(|&(f, k, t, s, call)| black76::price(black_box(f), k, t, s, 0.0, call))
                .sum::<f64>()
        })
    });
    g.finish();
}

fn full_report(c: &mut Criterion) {
    let book = portfolio_margin::api::generated_book(1000);
    let request_json = serde_json::json!({ "positions": book, "model": "deribit-pm" }).to_string();
    let request = portfolio_margin::parse_request(&request_json).unwrap();
    let mut g = c.benchmark_group("report");
    g.sample_size(30);
    g.bench_function("deribit-pm 1000 positions (core)", |b| {
        b.iter(|| portfolio_margin::report(black_box(&request)).unwrap())
    });
    g.bench_function("deribit-pm 1000 positions (JSON in, JSON out)", |b| {
        b.iter(|| portfolio_margin::report_json(black_box(&request_json)).unwrap())
    });
    g.finish();
}

fn kernels(c: &mut Criterion) {
    use portfolio_margin::wasm::kernel;
    let book = portfolio_margin::api::generated_book(1000);
    let request_json = serde_json::json!({ "positions": book, "model": "deribit-pm" }).to_string();
    let mut sweep = kernel::Sweep::new(&request_json).unwrap();
    let mut g = c.benchmark_group("kernel");
    g.throughput(Throughput::Elements(sweep.revaluations() as u64));
    g.bench_function("sweep 1000 positions", |b| b.iter(|| sweep.run()));
    let cells = 100_000;
    g.throughput(Throughput::Elements(cells as u64));
    g.bench_function("arithmetic limit x100000", |b| {
        b.iter(|| kernel::arithmetic_limit(black_box(cells)))
    });
    g.bench_function("price+greeks x100000", |b| {
        b.iter(|| kernel::price_greeks(black_box(cells)))
    });
    g.finish();
}

criterion_group!(benches, pricing, kernels, full_report);
criterion_main!(benches);
