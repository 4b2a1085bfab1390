// The worst requests inside the documented limits (README, "Bounded work"): each one's time natively
// (`portfolio-margin bench <file> 3`: JSON text in and out, median of 3) and in WebAssembly under
// node (the full build, JS object in and out, median of 3). Every figure must stay within 2 s
// natively and 3 s in WebAssembly. Needs pkg/ and target/release/portfolio-margin (npm run build).
//   node bench/worst-cases.mjs            # all cases, a markdown table on stdout
import { readFileSync, writeFileSync, mkdtempSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as full from "../pkg/full/portfolio_margin.js";

full.initSync({ module: readFileSync(new URL("../pkg/full/portfolio_margin_bg.wasm", import.meta.url)) });
const CLI = fileURLToPath(new URL("../target/release/portfolio-margin", import.meta.url));

// src/input/bookgen.rs, the same book: BTC and ETH on 8 expiries, options, futures, perpetuals
function generatedBook(n) {
  const E = ["27NOV26", "4DEC26", "25DEC26", "29JAN27", "26FEB27", "26MAR27", "25JUN27", "24SEP27"];
  const M = (1n << 64n) - 1n;
  let s = 0x9e3779b97f4a7c15n;
  const out = [];
  for (let i = 0; i < n; i++) {
    s ^= s >> 12n; s ^= (s << 25n) & M; s ^= s >> 27n;
    const r = (s * 0x2545f4914f6cdd1dn) & M;
    const [coin, spot, step] = r % 3n === 0n ? ["ETH", 3412.5, 100] : ["BTC", 94250, 5000];
    const e = E[Number((r >> 8n) % 8n)];
    let q = Number((r >> 16n) % 200n) / 10 - 10;
    if (q === 0) q = 1;
    const kind = Number((r >> 32n) % 10n);
    const strike = Math.round((spot * (0.6 + Number((r >> 40n) % 80n) / 100)) / step) * step;
    const cp = (r & 1n) === 0n ? "C" : "P";
    out.push(kind === 0 ? `${coin}-${e} ${q * 10000}` : kind === 1 ? `${coin}-PERPETUAL ${q * 10000}`
      : kind === 2 ? `${coin}_USDC-${e}-${strike}-${cp} ${q}` : `${coin}-${e}-${strike}-${cp} ${q}`);
  }
  return out;
}
const book20k = generatedBook(20000);
const manyUnderlyings = (n, f) => ({ asOf: "2026-11-24T08:00:00Z", underlyings: Object.fromEntries(Array.from({ length: n }, (_, i) => [`U${i}`, { index: 100 + i, iv: 0.8 }])) });
const funded = { collateral: { BTC: 1e6, ETH: 1e7, USDC: 1e12 } };
const lines = (n, f) => Array.from({ length: n }, (_, i) => f(i)).join("\n");
const returns = (days) => Array.from({ length: days }, (_, i) => 0.03 * Math.sin(i * 1.7));

const cases = [
  ["20 000 positions (BTC, ETH; 8 expiries), deribit-pm", { positions: book20k.join("\n") }],
  ["same, with a funded account (liquidation: NOT_COMPUTED over 80 positions)", { positions: book20k.join("\n"), account: funded }],
  ["same, cross mode", { positions: book20k.join("\n"), model: { preset: "deribit-pm", overrides: { mode: "cross" } }, account: funded }],
  ["same, span", { positions: book20k.join("\n"), model: "span" }],
  ["20 000 linear options on 200 underlyings", { positions: lines(20000, (j) => `U${j % 200}_USDC-25DEC26-${80 + ((j / 200) | 0) % 40}-${j % 2 ? "C" : "P"} ${j % 2 ? 1 : -1}`), market: manyUnderlyings(200) }],
  ["liquidation search: 80 options on BTC at 80 strikes, funded", { positions: lines(80, (i) => `BTC-25DEC26-${50000 + i * 1000}-${i % 2 ? "C" : "P"} ${i % 2 ? 1 : -1}`), account: { collateral: { BTC: 1e6 } } }],
  ["liquidation search: 80 linear perpetuals on 80 underlyings, funded", { positions: lines(80, (i) => `U${i}_USDC-PERPETUAL 1`), market: manyUnderlyings(200), account: { collateral: { USDC: 1e9 } } }],
  ["liquidation search: 80 linear options on 80 underlyings, cross, funded", { positions: lines(80, (i) => `U${i}_USDC-25DEC26-${90 + i}-C -1`), market: manyUnderlyings(200), model: { preset: "deribit-pm", overrides: { mode: "cross" } }, account: { collateral: { USDC: 1e9 } } }],
  ["Monte Carlo VaR/ES, 10 000 paths × 5 000 positions (the 5·10⁷ bound)", { positions: book20k.slice(0, 5000).join("\n"), analysis: { var: { paths: 10000 } } }],
  ["Monte Carlo VaR/ES, 200 000 paths × 250 positions (the most paths)", { positions: book20k.slice(0, 250).join("\n"), analysis: { var: { paths: 200000 } } }],
  ["Monte Carlo, full revaluation, 10 000 paths × 1 000 positions (the 10⁷ bound)", { positions: book20k.slice(0, 1000).join("\n"), analysis: { var: { paths: 10000, revaluation: "full" } } }],
  ["es-margin, 5 000 positions (10 000 paths)", { positions: book20k.slice(0, 5000).join("\n"), model: "es-margin" }],
  ["historical VaR/ES, 2 500 days × 2 000 positions (the 5·10⁶ bound)", { positions: book20k.slice(0, 2000).join("\n"), analysis: { var: { method: "historical", returns: { BTC: returns(2500), ETH: returns(2500) } } } }],
  ["payoff, 201 points × 9 950 positions (the 2·10⁶ bound)", { positions: book20k.slice(0, 9950).join("\n"), analysis: { payoff: { points: 201 } } }],
  ["stress library, 20 000 positions", { positions: book20k.join("\n"), analysis: { stress: true } }],
];

const dir = mkdtempSync(join(tmpdir(), "pm-worst-"));
const median = (v) => v.sort((a, b) => a - b)[v.length >> 1];
console.log("| request | native | WebAssembly (node) |\n|---|---|---|");
let over = 0;
for (const [name, request] of cases) {
  const file = join(dir, "request.json");
  writeFileSync(file, JSON.stringify(request));
  const run = spawnSync(CLI, ["bench", file, "3"], { encoding: "utf8", maxBuffer: 64 << 20 });
  if (run.status !== 0) throw new Error(`${name}: ${run.stderr.slice(0, 300)}`);
  const native = JSON.parse(run.stdout).medianMsJson / 1000;
  const t = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    full.computeReport(request);
    t.push((performance.now() - t0) / 1000);
  }
  const wasm = median(t);
  if (native > 2 || wasm > 3) over++;
  console.log(`| ${name} | ${native.toFixed(2)} s | ${wasm.toFixed(2)} s |`);
}
if (over) {
  console.error(`${over} case(s) over the bound`);
  process.exitCode = 1;
}
