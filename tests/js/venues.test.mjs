// Other venues through the JS package (issue #13): OKX's and Bybit's published examples in both
// builds, compareModels (full build) giving each model its single-model report's figures to the
// bit, and the same comparison as the native CLI's.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import pm, { full, readJson } from "./pkg.mjs";

const native = (args, request) =>
  JSON.parse(execFileSync("target/release/portfolio-margin", args, { input: JSON.stringify(request) }).toString());

const close = (a, b, tol, what) => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

for (const [name, build] of [["margin path", pm], ["full build", full]]) {
  test(`OKX position builder (15 Jan 2025) in the ${name}`, () => {
    const fx = readJson("tests/fixtures/okx-position-builder-2025.json");
    const r = build.computeReport(fx.request);
    for (const unit of ["BTC", "LTC"]) {
      const exp = fx.expected[unit];
      const pool = r.margin.pools.find((p) => p.pool === unit);
      const pnl = pool.scenarios.pnl;
      const mr1 = -Math.min(0, ...pnl.slice(0, 21));
      const mr6 = -Math.min(0, pnl[21], pnl[22]);
      close(mr1, exp.mr1, fx.tolerance, `${unit} MR1`);
      close(mr6, exp.mr6, fx.tolerance, `${unit} MR6`);
      close(pool.scenarios.basisCharge, exp.mr4, fx.tolerance, `${unit} MR4`);
      close(pool.scenarios.minimumCharge, exp.mr7, fx.tolerance, `${unit} MR7`);
      close(pool.maintenance, exp.mmr, fx.tolerance, `${unit} MMR`);
      close(pool.initial, exp.imr, fx.tolerance, `${unit} IMR`);
      close(pool.initial, 1.3 * pool.maintenance, 1e-9 * pool.initial, `${unit} IMR = 1.3 MMR`);
    }
    assert.ok(r.positions.every((p) => p.venue === "okx"));
  });

  test(`Bybit regular margin examples in the ${name}`, () => {
    for (const file of ["bybit-bear-put-spread.json", "bybit-short-call.json"]) {
      const fx = readJson(`tests/fixtures/${file}`);
      const pool = build.computeReport(fx.request).margin.pools[0];
      assert.equal(pool.pool, fx.expected.pool);
      for (const k of ["initial", "maintenance"]) {
        if (k in fx.expected) close(pool[k], fx.expected[k], fx.tolerance * fx.expected[k], `${file} ${k}`);
      }
    }
  });
}

test("listModels names the venue presets in both builds", () => {
  for (const build of [pm, full]) {
    const names = build.listModels().map((m) => m.name);
    for (const n of ["okx-pm", "bybit-pm", "bybit-standard"]) assert.ok(names.includes(n), n);
  }
  assert.equal(typeof pm.compareModels, "undefined", "compareModels ships in the full build");
});

const book = [
  "BTC-25DEC26-100000-C -2 @0.03", "BTC-PERPETUAL 50000", "ETH-25DEC26-3000-P 10",
  "BTC-USDT-SWAP 20", "BTC-USD-261225-110000-C -100", "ETH-USDT-SWAP -50",
  "BTC-25DEC26-90000-P -1 venue=bybit @3500", "BTCUSDT 0.5", "SOL_USDC-PERPETUAL 40",
].join("\n");

test("compareModels gives each model the figures of its own report, to the bit", () => {
  const request = { positions: book };
  const cmp = full.compareModels(request);
  assert.equal(cmp.models.length, full.listModels().length);
  for (const m of cmp.models) {
    const r = full.computeReport({ ...request, model: m.model });
    assert.ok(Object.is(m.initialUsd, r.margin.totalUsd.initial), `${m.model} initial`);
    assert.ok(Object.is(m.maintenanceUsd, r.margin.totalUsd.maintenance), `${m.model} maintenance`);
    assert.ok(Object.is(m.savingUsd, r.margin.totalUsd.saving), `${m.model} saving`);
  }
  const cheapest = cmp.models.reduce((a, b) => (b.initialUsd < a.initialUsd ? b : a));
  assert.equal(cmp.cheapest, cheapest.model);
  // the book across venues: each venue under its model, summed, and the one-account figures
  const v = cmp.venues;
  assert.deepEqual(v.venues.map((x) => [x.venue, x.model]), [["deribit", "deribit-pm"], ["okx", "okx-pm"], ["bybit", "bybit-pm"]]);
  close(v.initialUsd, v.venues.reduce((s, x) => s + x.initialUsd, 0), 1e-9 * v.initialUsd, "sum");
  for (const a of v.oneAccount) close(a.savingUsd, v.initialUsd - a.initialUsd, 1e-9 * v.initialUsd, a.model);
});

test("compareModels agrees with the native CLI's compare bit for bit", () => {
  const request = { positions: book };
  const a = full.compareModels(request, ["deribit-pm", "okx-pm", "bybit-pm", "span"]);
  const b = native(["compare", "--models", "deribit-pm,okx-pm,bybit-pm,span"], request);
  assert.equal(JSON.stringify(a.models), JSON.stringify(b.models));
  assert.equal(JSON.stringify(a.venues), JSON.stringify(b.venues));
});

test("compareModels: overrides, venue models, and bad models at their path", () => {
  const request = { positions: book };
  const cmp = full.compareModels(request, [{ preset: "okx-pm", overrides: { initialFactor: 1.5 } }], { okx: "span" });
  assert.equal(cmp.models[0].model, "okx-pm (overridden)");
  assert.equal(cmp.venues.venues.find((x) => x.venue === "okx").model, "span");
  assert.throws(() => full.compareModels(request, ["deribit-pm", "okx-pmm"]), (e) => e.code === "BAD_MODEL" && e.path === "models[1]");
  assert.throws(() => full.compareModels(request, [{ preset: "okx-pm", overrides: { initialFactr: 2 } }]),
    (e) => e.code === "BAD_REQUEST" && e.path === "models[0].overrides.initialFactr");
  assert.throws(() => full.compareModels(request, null, { kraken: "span" }), (e) => e.code === "BAD_REQUEST" && e.path === "venueModels.kraken");
  assert.throws(() => full.compareModels(request, []), (e) => e.code === "LIMIT_EXCEEDED");
});
