// Package benchmarks (WebAssembly in node): size, cold instantiate, full report of a generated
// 1 000-position book, beside the native figure of the same request. Prints figures; never fails on time.
import { readFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { gzipSync } from "node:zlib";
import { cpus } from "node:os";
import * as pm from "../pkg/portfolio_margin.js";

const root = new URL("../", import.meta.url);
const wasmBytes = readFileSync(new URL("pkg/portfolio_margin_bg.wasm", root));
const cli = new URL("target/release/portfolio-margin", root).pathname;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const time = (fn, runs) => {
  const out = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    fn();
    out.push(performance.now() - t);
  }
  return median(out);
};

console.log(`machine: ${cpus()[0]?.model ?? "unknown"} (${cpus().length} cores), node ${process.version}`);
console.log(`wasm size: ${(wasmBytes.length / 1024).toFixed(1)} KB raw, ${(gzipSync(wasmBytes, { level: 9 }).length / 1024).toFixed(1)} KB gzipped`);

// cold instantiate: compile + instantiate + init in a fresh node process each time (within one
// process V8 reuses the compiled code of identical bytes), median of 20; and the first report after it
const probe = `
  const { readFileSync } = await import("node:fs");
  const pm = await import(${JSON.stringify(new URL("pkg/portfolio_margin.js", root).href)});
  const bytes = readFileSync(${JSON.stringify(new URL("pkg/portfolio_margin_bg.wasm", root).pathname)});
  const t0 = performance.now();
  pm.initSync({ module: new WebAssembly.Module(bytes) });
  const t1 = performance.now();
  pm.computeReport({ positions: "BTC-25DEC26-100000-C -10" });
  const t2 = performance.now();
  console.log(JSON.stringify([t1 - t0, t2 - t1]));`;
const colds = [];
for (let i = 0; i < 20; i++) colds.push(JSON.parse(execFileSync(process.execPath, ["--input-type=module", "-e", probe], { encoding: "utf8" })));
console.log(`cold instantiate (compile + init, fresh process), median of 20: ${median(colds.map((c) => c[0])).toFixed(2)} ms; first report after it: ${median(colds.map((c) => c[1])).toFixed(2)} ms`);

pm.initSync({ module: new WebAssembly.Module(wasmBytes) });
const requestJson = execFileSync(cli, ["sample", "--generated", "1000"], { encoding: "utf8" });
const request = JSON.parse(requestJson);
for (let i = 0; i < 20; i++) pm.computeReport(request); // warm up
const wasmMs = time(() => pm.computeReport(request), 100);
const wasmTextMs = time(() => pm.computeReport(requestJson), 100);
const native = JSON.parse(execFileSync(cli, ["bench", "-", "100"], { input: requestJson, encoding: "utf8" }));
console.log(`full deribit-pm report, 1 000 positions (BTC+ETH, 8 expiries), median of 100:`);
console.log(`  wasm (node), JS object in/out: ${wasmMs.toFixed(3)} ms   [target <= 5 ms]`);
console.log(`  wasm (node), JSON text in:     ${wasmTextMs.toFixed(3)} ms`);
console.log(`  native core:                   ${native.medianMsCore.toFixed(3)} ms   [target <= 3 ms]`);
console.log(`  native JSON in/out:            ${native.medianMsJson.toFixed(3)} ms`);
console.log(`  ratio wasm/native: ${(wasmMs / native.medianMsCore).toFixed(2)} (JS object out vs native Rust value out); ` +
  `${(wasmTextMs / native.medianMsJson).toFixed(2)} (JSON text in, vs native JSON text in and out)`);

const small = { positions: "BTC-25DEC26-100000-C -10\nBTC-PERPETUAL 250000" };
console.log(`small report (2 positions), median of 1000: ${(time(() => pm.computeReport(small), 1000) * 1000).toFixed(1)} µs`);

// pre-trade impact of a one-leg order on the standing 1 000-position book (session path)
const session = new pm.RiskSession(request);
const leg = "BTC-26MAR27-120000-C -5";
for (let i = 0; i < 200; i++) session.impact(leg);
const n = 2000;
const impactMs = time(() => session.impact(leg), n);
const statelessMs = time(() => pm.marginImpact(request, leg), 20);
console.log(`pre-trade impact, one leg on the 1 000-position book, median:`);
console.log(`  session path (RiskSession.impact): ${(impactMs * 1000).toFixed(1)} µs   [target <= 50 µs]`);
console.log(`  stateless marginImpact (revalues the book): ${statelessMs.toFixed(3)} ms;  full report: ${wasmMs.toFixed(3)} ms`);
session.free();

// Risk beyond margin (full build, pkg/full/): Monte Carlo ES, 10 000 paths, 1-day 99 %, on a 1 000-position
// book over BTC, ETH and SOL (the generated book with every fourth line a SOL linear option), beside native.
const full = await import("../pkg/full/portfolio_margin.js");
const fullBytes = readFileSync(new URL("pkg/full/portfolio_margin_bg.wasm", root));
full.initSync({ module: new WebAssembly.Module(fullBytes) });
console.log(`full build (margin + analytics) size: ${(fullBytes.length / 1024).toFixed(1)} KB raw, ${(gzipSync(fullBytes, { level: 9 }).length / 1024).toFixed(1)} KB gzipped   [budget: margin path <= 200 KB, everything <= 280 KB]`);
const expiries = ["27NOV26", "4DEC26", "25DEC26", "29JAN27", "26MAR27", "25JUN27", "24SEP27"];
const lines3 = request.positions.split("\n").map((l, i) => (i % 4 === 3
  ? `SOL_USDC-${expiries[i % expiries.length]}-${160 + 10 * (i % 17)}-${i % 2 ? "C" : "P"} ${((i % 21) - 10) || 1}`
  : l));
const riskRequest = { positions: lines3.join("\n"), analysis: { var: { method: "monte-carlo", paths: 10000, esConfidence: 0.99 } } };
const marginOnly = { positions: riskRequest.positions };
for (let i = 0; i < 3; i++) full.computeReport(riskRequest);
const mcMs = time(() => full.computeReport(riskRequest), 15);
const baseMs = time(() => full.computeReport(marginOnly), 30);
const fullMcMs = time(() => full.computeReport({ ...riskRequest, analysis: { var: { ...riskRequest.analysis.var, revaluation: "full" } } }), 3);
const nativeMc = JSON.parse(execFileSync(cli, ["bench", "-", "15"], { input: JSON.stringify(riskRequest), encoding: "utf8" }));
const nativeBase = JSON.parse(execFileSync(cli, ["bench", "-", "30"], { input: JSON.stringify(marginOnly), encoding: "utf8" }));
const g = full.computeReport(riskRequest).var;
const f = full.computeReport({ ...riskRequest, analysis: { var: { ...riskRequest.analysis.var, revaluation: "full" } } }).var;
console.log(`Monte Carlo ES, 10 000 paths, 1 000 positions on BTC/ETH/SOL, median (report with the analysis − report without):`);
console.log(`  wasm (node): ${(mcMs - baseMs).toFixed(1)} ms (report with it ${mcMs.toFixed(1)} ms)   [target <= 250 ms]`);
console.log(`  native core: ${(nativeMc.medianMsCore - nativeBase.medianMsCore).toFixed(1)} ms (report with it ${nativeMc.medianMsCore.toFixed(1)} ms)   [target <= 100 ms]`);
console.log(`  full revaluation of every position in every path instead of the grid: ${(fullMcMs - baseMs).toFixed(0)} ms in wasm`);
console.log(`  grid against full revaluation: VaR ${(Math.abs(g.varUsd / f.varUsd - 1) * 100).toExponential(2)} %, ES ${(Math.abs(g.esUsd / f.esUsd - 1) * 100).toExponential(2)} % apart   [bound 0.5 %]`);
