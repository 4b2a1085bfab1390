// The package's benchmarks in one run, one table (issue #16): the full report and the margin-only
// path of generated books of 100, 1 000 and 10 000 positions over BTC/ETH/SOL (bench/book.mjs), in
// WebAssembly under node and natively (`portfolio-margin bench`); two JS peers computing the same
// figures (bench/peers/), checked against the report cell by cell; throughput beside the arithmetic
// limit of a cell (src/wasm/kernel.rs, the same code natively and in the bench build pkg/bench/);
// pre-trade impact, Monte Carlo ES, cold start, sizes; the growth exponent. Every time is a median
// with its min and max. Prints figures; never fails on time. The table is also written to
// target/bench/latest.md, from which scripts/readme-bench.mjs rewrites the README's section.
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { gzipSync } from "node:zlib";
import { cpus, loadavg } from "node:os";
import * as pm from "../pkg/portfolio_margin.js";
import * as full from "../pkg/full/portfolio_margin.js";
import * as kernel from "../pkg/bench/portfolio_margin.js";
import { benchBook, CLI } from "./book.mjs";
import { computeHand } from "./peers/hand.mjs";
import { computeNpm } from "./peers/npm.mjs";
import { agreement } from "./peers/agreement.mjs";

const root = new URL("../", import.meta.url);
const wasmBytes = readFileSync(new URL("pkg/portfolio_margin_bg.wasm", root));
const fullBytes = readFileSync(new URL("pkg/full/portfolio_margin_bg.wasm", root));
pm.initSync({ module: new WebAssembly.Module(wasmBytes) });
full.initSync({ module: new WebAssembly.Module(fullBytes) });
kernel.initSync({ module: new WebAssembly.Module(readFileSync(new URL("pkg/bench/portfolio_margin_bg.wasm", root))) });

const started = performance.now();
const log = (s) => process.stderr.write(`[bench ${((performance.now() - started) / 1000).toFixed(0)} s] ${s}\n`);
const load0 = loadavg()[0];

const stats = (ms) => {
  ms.sort((a, b) => a - b);
  return { median: ms[Math.floor(ms.length / 2)], min: ms[0], max: ms[ms.length - 1] };
};
/** { median, min, max } of `runs` timed calls (ms), after `warm` untimed ones. */
function measure(fn, runs, warm = Math.min(3, runs)) {
  return measureTogether([fn], runs, warm)[0];
}
/** The same for several functions timed in turn, round by round, so that a busy moment of the
 * machine falls on all of them alike (their ratios are what the table compares). */
function measureTogether(fns, runs, warm = Math.min(3, runs)) {
  for (let i = 0; i < warm; i++) fns.forEach((f) => f());
  const ms = fns.map(() => []);
  for (let i = 0; i < runs; i++) {
    fns.forEach((f, j) => {
      const t = performance.now();
      f();
      ms[j].push(performance.now() - t);
    });
  }
  return ms.map(stats);
}
const native = (args, input) => JSON.parse(execFileSync(CLI, args, { input, encoding: "utf8", maxBuffer: 1 << 28 }));
const nativeStats = (o, key) => ({ median: o[`medianMs${key}`], min: o[`minMs${key}`], max: o[`maxMs${key}`] });

// number formatting: 3 significant figures, thin grouping of thousands
const sig = (x) => {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  const s = a >= 1000 ? Math.round(x).toString() : a >= 100 ? x.toFixed(0) : a >= 10 ? x.toFixed(1) : a >= 1 ? x.toFixed(2) : x.toPrecision(2);
  const [int, frac] = s.split(".");
  return int.replace(/\B(?=(\d{3})+(?!\d))/g, " ") + (frac === undefined ? "" : `.${frac}`);
};
const ms = (s) => `${sig(s.median)} (${sig(s.min)}–${sig(s.max)})`;
const us = (s) => ms({ median: s.median * 1000, min: s.min * 1000, max: s.max * 1000 });
const ratio = (a, b) => `${sig(a / b)}×`;
const perSecond = (count, s) => `${sig(count / s.median / 1e3)} M/s (${sig(count / s.max / 1e3)}–${sig(count / s.min / 1e3)})`;

// BENCH_QUICK=1: a smoke run while developing (fewer runs, 10 000 replaced by 2 000); not for figures
const QUICK = !!process.env.BENCH_QUICK;
const SIZES = QUICK ? [100, 1000, 2000] : [100, 1000, 10000];
// runs per size: ours and peer (b), timed in turn; peer (a) (seconds per call on the big books)
const RUNS = QUICK ? { 100: [10, 1], 1000: [5, 1], 2000: [3, 1] } : { 100: [200, 10], 1000: [100, 5], 10000: [25, 3] };
const rows = []; // [what, per-size cells or one value, target]
const per = {};

for (const n of SIZES) {
  const text = benchBook(n);
  const request = { positions: text };
  const json = JSON.stringify(request);
  const [runs, runsA] = RUNS[n];
  log(`${n} positions: agreement of the peers`);
  const report = pm.computeReport(request);
  const r = { devB: agreement(computeHand(text), report), devA: agreement(computeNpm(text), report) };
  log(`${n} positions: wasm and peer (b), in turn`);
  [r.wasmFull, r.wasmMargin, r.peerB] = measureTogether([() => pm.computeReport(request), () => pm.marginImpact(request, ""), () => computeHand(text)], runs);
  log(`${n} positions: peer (a)`);
  r.peerA = measure(() => computeNpm(text), runsA, n >= 10000 ? 0 : 1);
  log(`${n} positions: native`);
  const nat = native(["bench", "-", String(runs)], json);
  r.nativeFull = nativeStats(nat, "Core");
  r.nativeMargin = nativeStats(nat, "Margin");
  log(`${n} positions: pre-trade impact`);
  const session = new pm.RiskSession(request);
  const leg = "BTC-26MAR27-120000-C -5";
  r.impact = measure(() => session.impact(leg), n >= 10000 ? 200 : 1000, 100);
  session.free();
  r.stateless = measure(() => pm.marginImpact(request, leg), Math.min(runs, 20));
  r.options = report.positions.filter((p) => p.kind === "option").length;
  per[n] = r;
}

const cols = (f) => SIZES.map((n) => f(per[n], n));
rows.push(["full `computeReport`, WebAssembly under node, ms", cols((r) => ms(r.wasmFull)), "≤ 3 ms (1 000)"]);
rows.push(["margin only (`marginImpact(request, \"\")`), WebAssembly, ms", cols((r) => ms(r.wasmMargin)), ""]);
rows.push(["full report, native core (`portfolio-margin bench`), ms", cols((r) => ms(r.nativeFull)), ""]);
rows.push(["margin only, native core, ms", cols((r) => ms(r.nativeMargin)), ""]);
rows.push(["wasm / native, full report (medians)", cols((r) => ratio(r.wasmFull.median, r.nativeFull.median)), "≤ 1.4"]);
rows.push(["wasm / native, margin only", cols((r) => ratio(r.wasmMargin.median, r.nativeMargin.median)), "≤ 1.4"]);
rows.push(["peer (b): hand-written Black-76 JS (Cody erfc, shared terms, typed arrays), ms", cols((r) => ms(r.peerB)), ""]);
rows.push(["peer (a): npm `black-scholes` + `greeks`, ms", cols((r) => ms(r.peerA)), ""]);
rows.push(["peer (b) / ours, full report", cols((r) => ratio(r.peerB.median, r.wasmFull.median)), "≥ 2"]);
rows.push(["peer (b) / ours, margin only", cols((r) => ratio(r.peerB.median, r.wasmMargin.median)), "≥ 4"]);
rows.push(["peer (a) / ours, full report", cols((r) => ratio(r.peerA.median, r.wasmFull.median)), "≥ 300"]);
rows.push(["peer (a) / ours, margin only", cols((r) => ratio(r.peerA.median, r.wasmMargin.median)), ""]);
rows.push([`peer (b): largest deviation from the report (relative; ${per[1000].devB.cells} figures at 1 000)`, cols((r) => r.devB.max.toExponential(1)), "≤ 1e-9"]);
rows.push(["peer (a): largest deviation from the report", cols((r) => r.devA.max.toExponential(1)), "≤ 1e-9"]);
rows.push(["pre-trade impact of one leg, `RiskSession.impact`, wasm, µs", cols((r) => us(r.impact)), "≤ 50 µs"]);
rows.push(["stateless `marginImpact(request, leg)`, wasm, ms", cols((r) => ms(r.stateless)), ""]);
rows.push(["option positions in the book (each revalued in 34 cells)", cols((r) => String(r.options)), ""]);

// growth exponent: least-squares slope of ln(time) on ln(positions), of the medians and of the mins
// (the min is the figure a busy machine disturbs least)
const slope = (key, at = "median") => {
  const xs = SIZES.map(Math.log), ys = SIZES.map((n) => Math.log(per[n][key][at]));
  const mx = xs.reduce((a, b) => a + b) / xs.length, my = ys.reduce((a, b) => a + b) / ys.length;
  return xs.reduce((s, x, i) => s + (x - mx) * (ys[i] - my), 0) / xs.reduce((s, x) => s + (x - mx) ** 2, 0);
};
const one = (value) => ["", value, ""];
const slopes = (at) => ["wasmFull", "wasmMargin", "nativeFull"].map((key) => slope(key, at).toFixed(2)).join(" / ");
rows.push([`growth exponent, log-log fit ${sig(SIZES[0])} → ${sig(SIZES[2])}: full report wasm / margin only wasm / native full`, one(`medians ${slopes("median")}; mins ${slopes("min")}`), "≤ 1.05"]);

// throughput beside the arithmetic limit (src/wasm/kernel.rs; the sweep of the 1 000-position book)
log("kernels");
const json1000 = JSON.stringify({ positions: benchBook(1000) });
const nk = native(["bench", "--kernel", "-", "30"], json1000);
const sweep = new kernel.KernelSweep(json1000);
const revals = sweep.revaluations();
const LOOP = 1_000_000;
const k = {};
[k.sweep, k.limit, k.greeks] = measureTogether([() => sweep.run(1), () => kernel.arithmeticLimit(LOOP), () => kernel.priceGreeksLoop(LOOP)], 25);
sweep.free();
const q = { forward: 95000, strike: 100000, tYears: 0.25, sigma: 0.55, callPut: "call" };
const price = pm.priceOption(q).price;
const qv = { forward: 95000, strike: 100000, tYears: 0.25, callPut: "call", price };
const CALLS = 1000;
const [priceOne, ivOne] = measureTogether([() => { for (let i = 0; i < CALLS; i++) pm.priceOption(q); }, () => { for (let i = 0; i < CALLS; i++) pm.impliedVol(qv); }], 20);
const nkS = (key) => ({ median: nk[key].median, min: nk[key].min, max: nk[key].max });
rows.push(["price + all Greeks, core loop (`black76::greeks`): native / wasm", one(`${perSecond(LOOP, nkS("priceGreeksMs"))} / ${perSecond(LOOP, k.greeks)}`), ""]);
rows.push(["`priceOption()` / `impliedVol()` one call at a time, wasm", one(`${perSecond(CALLS, priceOne)} / ${perSecond(CALLS, ivOne)}`), ""]);
// the batch entry points (full build): 100 000 options over a spread of strikes, expiries and vols
const NB = 100_000;
const bF = new Float64Array(NB).fill(95000), bK = new Float64Array(NB), bT = new Float64Array(NB), bS = new Float64Array(NB), bC = new Uint8Array(NB);
for (let i = 0; i < NB; i++) { bK[i] = 60000 + (i % 80) * 1000; bT[i] = 0.01 + (i % 8) * 0.1; bS[i] = 0.4 + (i % 5) * 0.1; bC[i] = i & 1; }
const bOut = full.priceOptions(bF, bK, bT, bS, 0.03, bC);
const bP = Float64Array.from({ length: NB }, (_, i) => bOut[8 * i]);
const [priceBatch, ivBatch] = measureTogether([() => full.priceOptions(bF, bK, bT, bS, 0.03, bC), () => full.impliedVols(bP, bF, bK, bT, 0.03, bC)], 15);
rows.push([`\`priceOptions()\` / \`impliedVols()\` batches of ${sig(NB)} options (typed arrays in and out), wasm`, one(`${perSecond(NB, priceBatch)} / ${perSecond(NB, ivBatch)}`), "≥ 10 M/s"]);
rows.push([`scenario revaluations in the sweep alone (${revals} option cells of the 1 000 book): native / wasm`, one(`${perSecond(revals, nkS("sweepMs"))} / ${perSecond(revals, k.sweep)}`), "≥ 60 M/s wasm"]);
rows.push(["arithmetic limit of a cell (d1, d2, two normal CDFs, shared terms hoisted): native / wasm", one(`${perSecond(LOOP, nkS("limitMs"))} / ${perSecond(LOOP, k.limit)}`), ""]);
rows.push(["achieved / limit, the sweep: native / wasm", one(`${sig((revals / nk.sweepMs.median) / (LOOP / nk.limitMs.median))} / ${sig((revals / k.sweep.median) / (LOOP / k.limit.median))}`), ""]);
rows.push(["scenario revaluations per second of the full report (option cells / report time), wasm", one(perSecond(per[1000].options * 34, per[1000].wasmFull)), ""]);

// Monte Carlo ES, 10 000 paths, 1-day 99 % (full build), on the 1 000-position book, beside native
log("Monte Carlo ES");
const riskRequest = { positions: benchBook(1000), analysis: { var: { method: "monte-carlo", paths: 10000, esConfidence: 0.99 } } };
const marginOnly = { positions: riskRequest.positions };
const mc = measure(() => full.computeReport(riskRequest), 15, 2);
const base = measure(() => full.computeReport(marginOnly), 15, 2);
const mcFullReval = { ...riskRequest, analysis: { var: { ...riskRequest.analysis.var, revaluation: "full" } } };
const mcFull = measure(() => full.computeReport(mcFullReval), 3, 0);
const nmc = native(["bench", "-", "15"], JSON.stringify(riskRequest));
const nbase = native(["bench", "-", "15"], JSON.stringify(marginOnly));
const g = full.computeReport(riskRequest).var, f = full.computeReport(mcFullReval).var;
rows.push(["Monte Carlo ES, 10 000 paths, 1 000 positions (full build; report with it − without): wasm / native, ms",
  one(`${sig(mc.median - base.median)} (report ${ms(mc)}) / ${sig(nmc.medianMsCore - nbase.medianMsCore)}`), "≤ 250 / ≤ 100 ms"]);
rows.push(["the same with every position revalued in every path (`revaluation: \"full\"`), wasm, ms; grid vs full: VaR / ES apart",
  one(`${sig(mcFull.median - base.median)}; ${Math.abs(g.varUsd / f.varUsd - 1).toExponential(1)} / ${Math.abs(g.esUsd / f.esUsd - 1).toExponential(1)}`), "≤ 0.5 %"]);

// compareModels (full build) on the 1 000-position book against one deribit-pm report
log("compareModels");
{
  const request = { positions: benchBook(1000) };
  const scenarioPresets = full.listModels().map((m) => m.name).filter((n) => n !== "es-margin");
  const [single, cmp, cmpAll] = measureTogether([
    () => full.computeReport(request),
    () => full.compareModels(request, scenarioPresets),
    () => full.compareModels(request),
  ], QUICK ? 3 : 15);
  rows.push([`\`compareModels\`, 1 000 positions, full build: the ${scenarioPresets.length} scenario and standard presets / all ${scenarioPresets.length + 1} with es-margin's Monte Carlo, ms (× one deribit-pm report)`,
    one(`${ms(cmp)} (${ratio(cmp.median, single.median)}) / ${ms(cmpAll)} (${ratio(cmpAll.median, single.median)})`), "< 1.5 ×"]);
}

// cold start: compile + init, and the first report, in a fresh node process each time
log("cold start");
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
const colds = Array.from({ length: 15 }, () => JSON.parse(execFileSync(process.execPath, ["--input-type=module", "-e", probe], { encoding: "utf8" })));
const coldStats = (i) => { const xs = colds.map((c) => c[i]).sort((a, b) => a - b); return { median: xs[7], min: xs[0], max: xs[14] }; };
rows.push(["cold start in a fresh node process (15): compile + init / first small report, ms", one(`${ms(coldStats(0))} / ${ms(coldStats(1))}`), ""]);
const gz = (b) => gzipSync(b, { level: 9 }).length;
// the budget's measure is `gzip -9` (scripts/build.sh prints it); node's zlib deflates a little worse
const gzip9 = (rel) => {
  try { return execFileSync("sh", ["-c", `gzip -9c "${new URL(rel, root).pathname}" | wc -c`], { encoding: "utf8" }).trim(); } catch { return "—"; }
};
rows.push(["`.wasm` gzipped, bytes: margin path `pkg/` / full build `pkg/full/`: `gzip -9` (the budget's measure); node zlib level 9", one(`${sig(Number(gzip9("pkg/portfolio_margin_bg.wasm")))} / ${sig(Number(gzip9("pkg/full/portfolio_margin_bg.wasm")))}; zlib ${sig(gz(wasmBytes))} / ${sig(gz(fullBytes))}`), "≤ 204 800 / ≤ 286 720"]);

// the table
const date = new Date().toISOString().slice(0, 16).replace("T", " ") + " UTC";
const machine = `${cpus()[0]?.model?.trim() ?? "unknown"}, ${cpus().length} cores, node ${process.version}; load average ${load0.toFixed(1)} at the start, ${loadavg()[0].toFixed(1)} at the end`;
const lines = [
  `Measured ${date} on ${machine}; the bench took ${((performance.now() - started) / 1000).toFixed(0)} s.`,
  "Times: median (min–max) of the runs; ours and peer (b) timed in turn, round by round. Books: bench/book.mjs (the generated book with every fourth line a SOL_USDC option).",
  "",
  `| what | ${SIZES.map((n) => `${sig(n)} positions`).join(" | ")} | target |`,
  "|---|---|---|---|---|",
  ...rows.map(([what, v, target]) => `| ${what} | ${(Array.isArray(v) ? v : ["", v, ""]).join(" | ")} | ${target} |`),
];
const worst = (key) => SIZES.map((n) => `${n}: ${per[n][key].where}`).join("\n  ");
lines.push("", `Largest deviations, where: peer (b)\n  ${worst("devB")}\npeer (a)\n  ${worst("devA")}`);
const out = lines.join("\n");
console.log(out);
mkdirSync(new URL("target/bench/", root), { recursive: true });
writeFileSync(new URL("target/bench/latest.md", root), out + "\n");
