// optimizeHedge (issue 14) in the hedge build (pkg/hedge/: the margin path plus the solver): the plan (risk matrix, SPAN, okx-pm, bybit-pm) natively and in WebAssembly carry
// the same bits; its margin after is what marginImpact says of the book plus its orders; bad options
// fail with their code and path under `hedge`; neither the margin path (pkg/) nor the full build
// (pkg/full/) carries the solver (their size budgets).
import test from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import pm, { full, hedge } from "./pkg.mjs";

const cli = new URL("../../target/release/portfolio-margin", import.meta.url).pathname;
const native = (request, hedge) =>
  JSON.parse(execFileSync(cli, ["hedge", "-"], { input: JSON.stringify({ ...request, hedge }), encoding: "utf8" }));

const strangle = { positions: "BTC-25DEC26-110000-C -10\nBTC-25DEC26-80000-P -10" };
const cases = [
  [strangle, { candidates: ["BTC-25DEC26-130000-C", "BTC-25DEC26-70000-P", "BTC-PERPETUAL"], budget: 0.05 }],
  [strangle, { budget: 0 }],
  [{ positions: pm.samplePositions() }, { pool: "ETH" }],
  [{ positions: pm.samplePositions(), model: "span" }, { pool: "BTC_USDC", budget: 500 }],
  [{ positions: "BTC-25DEC26-100000-C -5\nBTC-25DEC26-100000-P -5" }, { candidates: ["BTC-26MAR27-100000-C", "BTC-26MAR27-100000-P"] }],
  // the venue grids: okx-pm's basis risk and tiered minimum charge, bybit-pm's contingencies, in the LP
  [{ ...strangle, model: "okx-pm" }, { budget: 500 }],
  [{ ...strangle, model: "bybit-pm" }, { candidates: ["BTC_USDT-25DEC26-130000-C", "BTC_USDT-25DEC26-70000-P", "BTC_USDT-PERPETUAL"], budget: 500 }],
  // one candidate: the exact solve along its line
  [strangle, { candidates: ["BTC-PERPETUAL"] }],
];

test("optimizeHedge is in the hedge build only", () => {
  assert.equal(typeof hedge.optimizeHedge, "function");
  assert.equal(pm.optimizeHedge, undefined);
  assert.equal(full.optimizeHedge, undefined);
});

test("the plan is the same natively and in WebAssembly, bit for bit", () => {
  for (const [request, options] of cases) {
    assert.deepEqual(hedge.optimizeHedge(request, options), native(request, options), JSON.stringify(options));
  }
});

test("the margin after is marginImpact of the book plus the plan's orders", () => {
  for (const [request, options] of cases) {
    const plan = hedge.optimizeHedge(request, options);
    assert.ok(plan.initialAfter <= plan.initialBefore);
    if (!plan.orders) continue;
    const impact = hedge.marginImpact(request, plan.orders);
    const pool = impact.pools.find((p) => p.pool === plan.pool);
    assert.ok(Math.abs(pool.initialAfter - plan.initialAfter) <= 1e-9 * Math.max(1e-9, plan.initialAfter), `${plan.pool}: ${pool.initialAfter} vs ${plan.initialAfter}`);
    if (options.budget !== undefined) assert.ok(plan.premium <= options.budget, `premium ${plan.premium} over ${options.budget}`);
  }
});

test("bad options fail with their code and path", () => {
  const bad = [
    [{ candidates: ["BTC-PERPETUAL", "ETH-PERPETUAL"] }, "BAD_REQUEST", "hedge.candidates[1]"],
    [{ budget: -1 }, "BAD_NUMBER", "hedge.budget"],
    [{ bogus: 1 }, "BAD_REQUEST", "hedge.bogus"],
    [{ candidates: ["BTC-PERPETUAL"], bounds: { "BTC-PERPETUAL": { lot: -1 } } }, "BAD_NUMBER", "hedge.bounds.BTC-PERPETUAL.lot"],
  ];
  for (const [options, code, path] of bad) {
    assert.throws(() => hedge.optimizeHedge(strangle, options), (e) => e.code === code && e.path === path, JSON.stringify(options));
  }
});
