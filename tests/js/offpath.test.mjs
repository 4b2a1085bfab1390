// Issue #11's reproductions that are not margin goldens, through the package (the Rust twins are
// in tests/account.rs and tests/csv.rs): accounts, liquidation, coin lines, CSV sides.
import test from "node:test";
import assert from "node:assert/strict";
import pm from "./pkg.mjs";

const account = (r, currency) => r.account.accounts.find((a) => a.currency === currency);

test("a narrow liquidation window of a linear butterfly is found", () => {
  const market = { asOf: "2026-11-24T08:00:00Z", underlyings: { BTC: { index: 95000, iv: 0.2 } } };
  const positions = "BTC_USDC-25NOV26-97000-C -100\nBTC_USDC-25NOV26-98000-C 200\nBTC_USDC-25NOV26-99000-C -100";
  const r = pm.computeReport({ positions, market, account: { collateral: { USDC: 63469.46 } } });
  const up = account(r, "USDC").liquidation.BTC.up;
  assert.ok(up > 97700 && up < 97900, `up ${up}`);
});

test("segregated accounts are not fungible: a short USDC put with BTC collateral is liquidated today", () => {
  const market = { asOf: "2026-11-24T08:00:00Z", underlyings: { BTC: { index: 95000, iv: 0.55 } } };
  const r = pm.computeReport({ positions: "BTC_USDC-25DEC26-90000-P -1", market, account: { collateral: { BTC: 2 } } });
  const usdc = account(r, "USDC");
  assert.ok(usdc.equity < 0);
  assert.equal(usdc.marginRatio, null);
  assert.equal(usdc.liquidation.BTC.down, 95000);
  assert.equal(r.account.closestToLiquidation, "USDC");
  assert.equal(account(r, "BTC").equity, 2);
});

test("a coin line is collateral: a covered call margins like the naked call", () => {
  const covered = pm.computeReport({ positions: "ETH 10\nETH-25DEC26-3800-C -10" });
  const naked = pm.computeReport({ positions: "ETH-25DEC26-3800-C -10" });
  assert.deepEqual(covered.margin.totalUsd, naked.margin.totalUsd);
  assert.equal(account(covered, "ETH").collateral, 10);
});

test("a CSV export's sell side makes the quantity negative", () => {
  const r = pm.computeReport({ positions: "Instrument,Size,Direction\nBTC-25DEC26-100000-C,10,sell" });
  assert.equal(r.positions[0].quantity, -10);
  const line = pm.computeReport({ positions: "BTC-25DEC26-100000-C -10" });
  assert.deepEqual(r.margin.totalUsd, line.margin.totalUsd);
});

test("an expired option is settled: no margin, no Greeks, a warning", () => {
  const market = { asOf: "2026-11-24T09:00:00Z", underlyings: { BTC: { index: 95000, iv: 0.5 } } };
  const r = pm.computeReport({ positions: "BTC-24NOV26-90000-C -3", market });
  assert.equal(r.margin.totalUsd.initial, 0);
  assert.equal(r.positions[0].greeks.delta, 0);
  assert.equal(r.warnings[0].code, "EXPIRED");
});

test("a book plus its opposite needs exactly 0", () => {
  const book = ["BTC-25DEC26-100000-C -3", "BTC-PERPETUAL 50000", "ETH_USDC-25DEC26-3000-P 7"];
  const opposite = book.map((l) => l.replace(/ (-?)(\d)/, (_, s, d) => ` ${s ? "" : "-"}${d}`));
  const r = pm.computeReport({ positions: [...book, ...opposite].join("\n") });
  for (const p of r.margin.pools) assert.equal(p.initial, 0, p.pool);
});

test("the gains haircut cannot change a segregated pool's margin", () => {
  const positions = "ETH-25DEC26-3800-C -10\nETH-25DEC26-3000-P 5\nETH-PERPETUAL 20000";
  const im = (pnlOffset) =>
    pm.computeReport({ positions, model: { preset: "deribit-pm", overrides: { currencies: { ETH: { pnlOffset } } } } }).margin.pools[0].initial;
  assert.equal(im(0), im(1));
  assert.equal(im(0), im(0.6));
});

test("SOL and other coins use their own standard futures rates", () => {
  const market = { asOf: "2026-11-24T08:00:00Z", underlyings: { SOL: { index: 200, iv: 0.8 }, ETH: { index: 3400, iv: 0.6 } } };
  const sol = pm.computeReport({ positions: "SOL_USDC-PERPETUAL 6000", market, model: "deribit-standard" });
  assert.ok(Math.abs(sol.margin.totalUsd.initial - 84000) < 1e-6, `${sol.margin.totalUsd.initial}`);
  const eth = pm.computeReport({ positions: "ETH-PERPETUAL 3400000", market, model: "deribit-standard" });
  assert.ok(Math.abs(eth.margin.pools[0].initial - 24) < 1e-9, `${eth.margin.pools[0].initial}`);
});
