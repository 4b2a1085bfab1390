// Bad input through the JS API: an Error with a stable code and the place; never a crash.
import test from "node:test";
import assert from "node:assert/strict";
import pm from "./pkg.mjs";

const throwsWith = (fn, check) => {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof Error, "an Error");
    for (const [k, v] of Object.entries(check)) assert.deepEqual(e[k], v, `${k} (message: ${e.message})`);
    return e;
  }
  assert.fail("expected an error");
};

test("a bad pasted line names its line and column", () => {
  const e = throwsWith(() => pm.computeReport({ positions: "BTC-25DEC26-100000-C -10\nBTC-25DEX26-90000-P 5" }), { code: "UNKNOWN_INSTRUMENT", line: 2, column: 5 });
  assert.match(e.message, /line 2/);
});

test("every bad line is reported, not only the first", () => {
  const e = throwsWith(() => pm.computeReport({ positions: "BTC-NOPE 1\nBTC-PERPETUAL 1\nBTC-PERPETUAL x\nETH-PERPETUAL" }), { code: "UNKNOWN_INSTRUMENT", line: 1 });
  assert.deepEqual(e.issues.map((i) => [i.code, i.line]), [["UNKNOWN_INSTRUMENT", 1], ["BAD_NUMBER", 3], ["BAD_LINE", 4]]);
});

test("parsePositions returns good positions and per-line errors for live validation", () => {
  const r = pm.parsePositions("BTC-PERPETUAL 1000\nNOPE-X 1\n# comment\nETH-25DEC26-3000-P -2 iv=0.6");
  assert.equal(r.positions.length, 2);
  assert.deepEqual(r.errors.map((e) => e.line), [2]);
});

test("bad request fields carry a JSON path", () => {
  throwsWith(() => pm.computeReport({ positions: "BTC-PERPETUAL 1", market: { asOf: "2026-11-24T08:00:00Z", underlyings: { BTC: { index: "high" } } } }),
    { code: "BAD_REQUEST", path: "market.underlyings.BTC.index" });
  throwsWith(() => pm.computeReport({ positions: "BTC-PERPETUAL 1", market: { asOf: "2026-11-24T08:00:00Z", underlyings: { BTC: { index: -5 } } } }),
    { code: "BAD_NUMBER", path: "market.underlyings.BTC.index" });
  throwsWith(() => pm.computeReport({ positions: [{ instrument: "BTC-PERPETUAL", quantity: "lots" }] }), { code: "BAD_REQUEST", path: "positions[0].quantity" });
  throwsWith(() => pm.computeReport({ positions: "SOL-PERPETUAL 5", market: { asOf: "2026-11-24", underlyings: { BTC: { index: 1, iv: 0.5 } } } }), { code: "MISSING_MARKET", line: 1 });
  throwsWith(() => pm.computeReport({ positions: "", model: "cme-span-2099" }), { code: "BAD_MODEL" });
  throwsWith(() => pm.computeReport({ positions: "", unknownField: 1 }), { code: "BAD_REQUEST" });
});

test("values JSON cannot carry become clear errors, and the module keeps working", () => {
  throwsWith(() => pm.computeReport({ positions: [{ instrument: "BTC-PERPETUAL", quantity: NaN }] }), { code: "BAD_NUMBER", path: "positions[0].quantity" });
  throwsWith(() => pm.computeReport({ positions: "BTC-PERPETUAL 1", big: 10n }), { code: "BAD_REQUEST" });
  const cyclic = { positions: "BTC-PERPETUAL 1" };
  cyclic.self = cyclic;
  throwsWith(() => pm.computeReport(cyclic), { code: "BAD_REQUEST" });
  throwsWith(() => pm.computeReport(undefined), { code: "BAD_REQUEST" });
  throwsWith(() => pm.computeReport("{not json"), { code: "BAD_REQUEST" });
  assert.ok(pm.computeReport({ positions: "BTC-PERPETUAL 1000" }).margin.pools.length === 1);
});
