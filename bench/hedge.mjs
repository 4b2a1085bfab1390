// The hedge optimisation's benchmark (issue 14): `optimizeHedge` over 40 candidates (the BTC
// perpetual, its 7 dated futures and 32 options around the money) on the 1 000-position bench book
// (bench/book.mjs), in WebAssembly under node (pkg/hedge/). Prints the median, min and max of the
// whole call (valuing the book, the LPs, rounding, the model's re-valuation); never fails on time.
//   node bench/hedge.mjs [RUNS]
import { readFileSync } from "node:fs";
import * as hedge from "../pkg/hedge/portfolio_margin.js";
import { benchBook } from "./book.mjs";

hedge.initSync({ module: new WebAssembly.Module(readFileSync(new URL("../pkg/hedge/portfolio_margin_bg.wasm", import.meta.url))) });
const runs = Number(process.argv[2] ?? 21);
const request = { positions: benchBook(1000) };

// the default candidates of the BTC pool (36) and 4 more strikes: 40
const defaults = hedge.optimizeHedge(request, { pool: "BTC" }).candidates;
const extra = ["BTC-25DEC26-70000-P", "BTC-25DEC26-130000-C", "BTC-26MAR27-80000-P", "BTC-26MAR27-130000-C"];
const candidates = [...defaults, ...extra.filter((c) => !defaults.includes(c))].slice(0, 40);
const options = { pool: "BTC", candidates, budget: 5 };

const ms = [];
let plan;
for (let i = 0; i < runs + 2; i++) {
  const t = performance.now();
  plan = hedge.optimizeHedge(request, options);
  if (i >= 2) ms.push(performance.now() - t);
}
ms.sort((a, b) => a - b);
const report = hedge.computeReport(request);
const t = performance.now();
for (let i = 0; i < 5; i++) hedge.computeReport(request);
const reportMs = (performance.now() - t) / 5;
console.log(JSON.stringify({
  positions: 1000, candidates: candidates.length, runs,
  medianMs: ms[Math.floor(ms.length / 2)], minMs: ms[0], maxMs: ms[ms.length - 1],
  reportMs, trades: plan.trades.length, initialBefore: plan.initialBefore, initialAfter: plan.initialAfter,
  premium: plan.premium, exact: plan.exact, rounding: plan.rounding,
  pools: report.margin.pools.length,
}, null, 1));
