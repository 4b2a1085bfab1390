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
