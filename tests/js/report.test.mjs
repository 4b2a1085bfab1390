// The JS package against the same fixture and golden vectors as the Rust tests.
import test from "node:test";
import assert from "node:assert/strict";
import pm, { fixture, readJson, goldenMarginFiles, assertClose } from "./pkg.mjs";

test("published Deribit fixture: worst case, roll shock, maintenance", () => {
  const fx = fixture("deribit-pm-btc.json");
  const report = pm.computeReport(fx.request);
  const pool = report.margin.pools[0];
  const exp = fx.expected;
  assert.equal(pool.pool, exp.pool);
  for (const k of ["worstCase", "rollShock", "deltaShock", "initial", "maintenance"]) {
    assertClose(assert, pool[k], exp[k], fx.tolerance, k);
  }
  assert.equal(pool.worstScenario.priceMove, exp.worstScenario.priceMove);
  assertClose(assert, pool.riskMatrix.priceMoves, exp.priceMoves, 1e-12, "priceMoves");
});

test("the request may also be given as JSON text", () => {
  const fx = fixture("deribit-pm-btc.json");
  const a = pm.computeReport(fx.request);
  const b = pm.computeReport(JSON.stringify(fx.request));
  assert.deepEqual(a, b);
});

for (const file of goldenMarginFiles()) {
  test(`golden margin case ${file}`, () => {
    const c = readJson(`tests/golden/margin/${file}`);
    const report = pm.computeReport(c.request);
    assert.equal(report.margin.pools.length, c.expected.pools.length);
    c.expected.pools.forEach((exp, i) => assertClose(assert, report.margin.pools[i], exp, c.tolerance, `${file} ${exp.pool}`));
    assertClose(assert, report.margin.totalUsd, c.expected.totalUsd, c.tolerance, `${file} totalUsd`);
    if (c.expected.greeks) assertClose(assert, report.greeks, c.expected.greeks, c.tolerance, `${file} greeks`);
    (c.expected.positions ?? []).forEach((exp, i) => {
      assert.equal(report.positions[i].instrument, exp.instrument, `${file} positions[${i}]`);
      assertClose(assert, report.positions[i], exp, c.tolerance, `${file} positions[${i}]`);
    });
  });
}

test("Black-76 reference cases (QuantLib/mpmath) through priceOption", () => {
  const ref = readJson("tests/golden/black76.json");
  let worstPrice = 0;
  for (const c of ref.cases) {
    const g = pm.priceOption({ forward: c.forward, strike: c.strike, tYears: c.tYears, sigma: c.sigma, rate: c.rate, callPut: c.callPut, settlement: c.settlement });
    const errPrice = Math.abs(g.price - c.price);
    assert.ok(errPrice <= Math.max(1e-9 * Math.abs(c.price), 1e-12 * c.forward), `case ${c.id} price ${g.price} vs ${c.price}`);
    if (c.price > 1e-6 * c.forward) worstPrice = Math.max(worstPrice, errPrice / c.price);
    const sqrtT = Math.sqrt(c.tYears);
    const scale = { delta: 1, gamma: 1 / c.forward, vega: (c.forward * sqrtT) / 100, theta: (c.forward * c.sigma) / sqrtT / 365 + (Math.abs(c.rate) * c.forward) / 365,
      rho: (c.forward * c.tYears) / 100, vanna: 1 / (100 * c.sigma), volga: (c.forward * sqrtT) / (100 * c.sigma) };
    for (const [k, s] of Object.entries(scale)) {
      assert.ok(Math.abs(g[k] - c[k]) <= 1e-7 * Math.abs(c[k]) + 1e-12 * s, `case ${c.id} ${k}: ${g[k]} vs ${c[k]}`);
    }
    if (c.settlement === "inverse") {
      assert.ok(Math.abs(g.priceCoin - c.priceCoin) <= Math.max(1e-9 * c.priceCoin, 1e-12), `case ${c.id} priceCoin`);
      assert.ok(Math.abs(g.deltaCoinAccount - c.deltaCoinAccount) <= 1e-7 * Math.abs(c.deltaCoinAccount) + 1e-12, `case ${c.id} deltaCoinAccount`);
    }
  }
  console.log(`# worst relative price error vs reference: ${worstPrice.toExponential(2)}`);
});

test("implied vol reference cases and typed outcomes", () => {
  const ref = readJson("tests/golden/black76.json");
  for (const c of ref.impliedVol) {
    const iv = pm.impliedVol({ price: c.price, forward: c.forward, strike: c.strike, tYears: c.tYears, rate: c.rate, callPut: c.callPut });
    assert.ok(Math.abs(iv - c.sigma) <= 1e-10, `case ${c.id}: ${iv} vs ${c.sigma}`);
  }
  for (const c of ref.impliedVolErrors) {
    assert.throws(() => pm.impliedVol({ price: c.price, forward: c.forward, strike: c.strike, tYears: c.tYears, rate: c.rate, callPut: c.callPut }),
      (e) => e instanceof Error && e.code === c.error, `case ${c.id} should throw ${c.error}`);
  }
});

test("the embedded default market and sample portfolio give a full report", () => {
  const report = pm.computeReport({ positions: pm.samplePositions() });
  assert.equal(report.market.source, "default");
  assert.deepEqual(Object.keys(report.greeks).sort(), ["BTC", "ETH", "SOL"]);
  assert.ok(report.margin.totalUsd.initial > 0);
  for (const pool of report.margin.pools) {
    assert.equal(pool.riskMatrix.pnl.length, 3);
    assert.equal(pool.riskMatrix.pnl[0].length, 9);
    assert.ok(pool.initial >= pool.worstCase);
  }
  const models = pm.listModels().map((m) => m.name);
  assert.ok(models.includes("deribit-pm") && models.includes("deribit-standard"));
  assert.equal(pm.defaultMarket().asOf, report.asOf);
});
