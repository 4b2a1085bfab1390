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

// cold instantiate: compile + instantiate + init, median of 20 (fresh module each time)
const cold = [];
for (let i = 0; i < 20; i++) {
  const t = performance.now();
  const module = new WebAssembly.Module(wasmBytes);
  pm.initSync({ module });
  cold.push(performance.now() - t);
}
console.log(`cold instantiate (compile + init), median of 20: ${median(cold).toFixed(2)} ms`);

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
console.log(`  ratio wasm/native (JSON in/out both): ${(wasmTextMs / native.medianMsJson).toFixed(2)}`);

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
