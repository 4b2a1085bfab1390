// marketFromDeribit (full build) and the package's market-edit.js, in node: the same market as the
// native CLI's `market-from-deribit`, strict errors with their JSON paths, and edits that the engine accepts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import pm, { full } from "./pkg.mjs";
import { editMarket, mergeMarkets, shiftMarket } from "../../pkg/market-edit.js";

const FIXTURE = readFileSync(new URL("../fixtures/deribit-book-summary-btc.json", import.meta.url), "utf8");
const CLI = new URL("../../target/release/portfolio-margin", import.meta.url).pathname;

test("marketFromDeribit: the package and the CLI read the response alike; text, object and result array agree", () => {
  const m = full.marketFromDeribit(FIXTURE);
  assert.equal(m.underlyings.BTC.index, 91523.47);
  assert.equal(m.asOf, "2026-12-01T19:59:59.863Z");
  assert.deepEqual(full.marketFromDeribit(JSON.parse(FIXTURE)), m);
  assert.deepEqual(full.marketFromDeribit(JSON.parse(FIXTURE).result), m);
  const native = JSON.parse(execFileSync(CLI, ["market-from-deribit", "-"], { input: FIXTURE, encoding: "utf8" }));
  assert.deepEqual(native, m);
  assert.equal(typeof pm.marketFromDeribit, "undefined", "the margin path does not carry it");
});

test("marketFromDeribit: strict, with the code and the JSON path", () => {
  const cases = [
    [{ result: [{ instrument_name: "BTC-PERPETUAL", creation_timestamp: 1, mark_price: "x" }] }, "BAD_REQUEST", "result[0].mark_price"],
    [{ result: [{ instrument_name: "BTC-PERPETUAL", creation_timestamp: 1, markprice: 1 }] }, "BAD_REQUEST", "result[0].markprice"],
    [{ jsonrpc: "2.0", reslt: [] }, "BAD_REQUEST", "reslt"],
    [{ result: [{ instrument_name: "BTC-25DEC26-100000-C", creation_timestamp: 1, mark_iv: 1e6 }] }, "BAD_NUMBER", "result[0].mark_iv"],
    [[{ instrument_name: "BTC-PERPETUAL", creation_timestamp: -5 }], "BAD_DATE", "[0].creation_timestamp"],
  ];
  for (const [input, code, path] of cases) {
    assert.throws(() => full.marketFromDeribit(input), (e) => e.code === code && e.path === path, `${code} at ${path}`);
  }
  assert.throws(() => full.marketFromDeribit({ result: [] }), (e) => e.code === "MISSING_MARKET");
  assert.throws(() => full.marketFromDeribit("{"), (e) => e.code === "BAD_REQUEST" && e.line === 1);
});

test("market-edit.js: an edited index keeps each basis; shifts and merges are markets the engine accepts", () => {
  const base = pm.defaultMarket();
  const edited = editMarket(base, { index: { BTC: 120000 }, iv: { ETH: 0.6 }, add: { XRP: { index: 2.31, iv: 0.8 } } });
  const b0 = base.underlyings.BTC;
  const b1 = edited.underlyings.BTC;
  for (const d of Object.keys(b0.futures)) assert.ok(Math.abs(b1.futures[d] / 120000 - b0.futures[d] / b0.index) < 1e-12, d);
  assert.equal(edited.underlyings.ETH.iv, 0.6);
  assert.equal(edited.underlyings.ETH.smiles, undefined);
  assert.deepEqual(base.underlyings.BTC, b0, "the base is not touched");
  const r = pm.computeReport({ positions: "BTC-PERPETUAL 1000\nETH-25DEC26-3600-C -1\nXRP_USDC-PERPETUAL 100", market: edited });
  assert.equal(r.market.index.BTC, 120000);
  const shifted = shiftMarket(base, { spot: -0.2, vol: 0.5 });
  assert.equal(shifted.underlyings.SOL.index, base.underlyings.SOL.index * 0.8);
  pm.computeReport({ positions: pm.samplePositions(), market: shifted });
  const merged = mergeMarkets(base, full.marketFromDeribit(FIXTURE));
  assert.equal(merged.asOf, "2026-12-01T19:59:59.863Z");
  assert.deepEqual(Object.keys(merged.underlyings).sort(), ["BTC", "ETH", "SOL"]);
  assert.equal(pm.computeReport({ positions: pm.samplePositions(), market: merged }).market.index.BTC, 91523.47);
});

test("market-edit.js: futures marks and a skew edit give a market the engine accepts, and move the figures", () => {
  const base = pm.defaultMarket();
  const positions = "BTC-26MAR27 -150000\nBTC-25DEC26-80000-P -10\nBTC-25DEC26-120000-C -10\nETH-25DEC26-3000-P -20";
  const before = pm.computeReport({ positions, market: base });
  // a futures mark: that expiry only (the others keep the snapshot's), and the book's future is valued on it
  const edited = editMarket(base, { futures: { BTC: { "2027-03-26": 99000 } } });
  assert.equal(edited.underlyings.BTC.futures["2027-03-26"], 99000);
  assert.equal(edited.underlyings.BTC.futures["2026-12-25"], base.underlyings.BTC.futures["2026-12-25"]);
  const withFuture = pm.computeReport({ positions, market: edited });
  const mark = (r, name) => r.positions.find((p) => p.instrument === name).mark;
  assert.ok(Math.abs(mark(withFuture, "BTC-26MAR27") - 99000) < 1e-6, "the future is marked at the edit");
  assert.notEqual(withFuture.margin.totalUsd.initial, before.margin.totalUsd.initial);
  // a skew tilts every smile point by skew·ln(K/S): puts richer, calls cheaper for a negative skew
  const skewed = editMarket(base, { skew: { BTC: -0.3 } });
  const [k0, v0] = base.underlyings.BTC.smiles["2026-12-25"][0];
  assert.ok(Math.abs(skewed.underlyings.BTC.smiles["2026-12-25"][0][1] - (v0 - 0.3 * Math.log(k0 / base.underlyings.BTC.index))) < 1e-12);
  const r = pm.computeReport({ positions, market: skewed });
  const iv = (rep, name) => rep.positions.find((p) => p.instrument === name).iv;
  assert.ok(iv(r, "BTC-25DEC26-80000-P") > iv(before, "BTC-25DEC26-80000-P"), "the put's vol rises");
  assert.ok(iv(r, "BTC-25DEC26-120000-C") < iv(before, "BTC-25DEC26-120000-C"), "the call's vol falls");
  // a flat vol with a skew becomes a smile at each futures expiry (keys the engine reads, nothing else)
  const flat = editMarket(base, { iv: { ETH: 0.6 }, skew: { ETH: -0.2 } });
  const eth = flat.underlyings.ETH;
  assert.equal(eth.iv, undefined);
  assert.deepEqual(Object.keys(eth.smiles), Object.keys(eth.futures));
  assert.deepEqual(Object.keys(eth).sort(), ["futures", "index", "smiles"]);
  assert.ok(eth.smiles["2026-12-25"].every(([k, v]) => Math.abs(v - (0.6 - 0.2 * Math.log(k / eth.index))) < 1e-9 || v === 0.01));
  const rf = pm.computeReport({ positions, market: flat });
  assert.ok(iv(rf, "ETH-25DEC26-3000-P") > 0.6);
  // a mark the engine refuses is refused at its path
  assert.throws(() => pm.computeReport({ positions, market: editMarket(base, { futures: { BTC: { "2027-03-26": -1 } } }) }),
    (e) => e.path === "market.underlyings.BTC.futures.2027-03-26");
});
