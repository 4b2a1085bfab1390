// Pre-trade impact through the package: the stateless call and the RiskSession agree with two full reports.
import test from "node:test";
import assert from "node:assert/strict";
import pm from "./pkg.mjs";

const request = {
  positions: "BTC-25DEC26-100000-C -12\nBTC-PERPETUAL 150000 entry=94000\nETH-25DEC26-3600-C -30",
  account: { collateral: { BTC: 4, ETH: 20 } },
};
const order = "BTC-26MAR27-120000-C -5";

test("marginImpact equals the difference of two full reports", () => {
  const impact = pm.marginImpact(request, order);
  const before = pm.computeReport(request).margin.totalUsd.initial;
  const after = pm.computeReport({ ...request, positions: `${request.positions}\n${order}` }).margin.totalUsd.initial;
  assert.ok(Math.abs(impact.before.initial - before) <= 1e-12 * before);
  assert.ok(Math.abs(impact.after.initial - after) <= 1e-12 * after);
  assert.ok(Math.abs(impact.change.initial - (after - before)) <= 1e-12 * after);
  assert.equal(typeof impact.canAfford, "boolean");
  assert.deepEqual(impact.orders, ["BTC-26MAR27-120000-C"]);
});

test("RiskSession answers impact queries incrementally and frees", () => {
  const session = new pm.RiskSession(request);
  assert.equal(session.positionCount, 3);
  const a = session.impact(order);
  const b = pm.marginImpact(request, order);
  assert.deepEqual(a, b);
  const orders = [{ instrument: "BTC-PERPETUAL", quantity: -50000 }, { instrument: "ETH-PERPETUAL", quantity: 10000 }];
  const c = session.impact(orders);
  assert.equal(c.pools.length, 2);
  assert.deepEqual(session.report(), pm.computeReport(request));
  assert.throws(() => session.impact("BTC-PERPETUAL 1\nNOPE-X 1"), (e) => e.code === "UNKNOWN_INSTRUMENT" && e.line === 2);
  session.free();
  assert.throws(() => session.impact(order)); // freed
});

test("the report carries account, liquidation, hedge and attribution", () => {
  const r = pm.computeReport(request);
  assert.ok(r.account.totalUsd.equity > 0);
  assert.ok(r.account.accounts.some((a) => "BTC" in a.liquidation));
  for (const pool of r.margin.pools) {
    assert.ok(pool.hedge.initialAfter <= pool.hedge.initialBefore + 1e-12);
    const sum = pool.positions.reduce((s, i) => s + r.positions[i].attribution.worstCaseContribution, 0);
    assert.ok(Math.abs(sum - pool.worstCase) <= 1e-9 * Math.max(1, pool.worstCase));
  }
});
