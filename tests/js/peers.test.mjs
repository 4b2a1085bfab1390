// The benchmark's JS peers (bench/peers/) compute what the package computes: the deribit-pm matrix,
// extended table, margin figures and net Greeks of the bench books agree with the report to 1e-9 in
// every figure (the agreement check of `npm run bench`, on small books and without timings).
import test from "node:test";
import assert from "node:assert/strict";
import pm from "./pkg.mjs";
import { benchBook } from "../../bench/book.mjs";
import { computeHand, erfc } from "../../bench/peers/hand.mjs";
import { computeNpm } from "../../bench/peers/npm.mjs";
import { agreement } from "../../bench/peers/agreement.mjs";

const books = [40, 250].map((n) => ({ n, text: benchBook(n) }));

test("the bench books span BTC, ETH and SOL, inverse and linear, options, futures and perpetuals", () => {
  const report = pm.computeReport({ positions: books[1].text });
  assert.deepEqual(Object.keys(report.greeks).sort(), ["BTC", "ETH", "SOL"]);
  const kinds = new Set(report.positions.map((p) => `${p.kind}/${p.settlement}`));
  for (const k of ["option/inverse", "option/linear", "future/inverse", "perpetual/inverse"]) assert.ok(kinds.has(k), k);
  assert.equal(report.positions.length, 250);
});

for (const [name, compute] of [["(b) hand-written Black-76", computeHand], ["(a) npm black-scholes + greeks", computeNpm]]) {
  test(`peer ${name} agrees with the report to 1e-9 in every figure`, () => {
    for (const { n, text } of books) {
      const report = pm.computeReport({ positions: text });
      const a = agreement(compute(text), report);
      assert.ok(a.cells > 300, `${n}: ${a.cells} figures compared`);
      assert.ok(a.max <= 1e-9, `${n} positions: ${a.max} at ${a.where}`);
    }
  });
}

test("the agreement check sees a wrong cell, a wrong Greek and a missing pool", () => {
  const text = books[0].text;
  const report = pm.computeReport({ positions: text });
  const off = (edit) => { const p = computeHand(text); edit(p); return agreement(p, report).max; };
  assert.ok(off(() => {}) <= 1e-9);
  assert.ok(off((p) => { p.pools.BTC.matrixRaw[3] *= 1 + 1e-7; }) > 1e-8);
  assert.ok(off((p) => { p.pools.ETH.extended[0] += 1e-3; }) > 1e-9);
  assert.ok(off((p) => { p.greeks.SOL.vega *= 1.001; }) > 1e-9);
  assert.equal(off((p) => { delete p.pools.BTC; }), Infinity);
});

test("peer (b)'s Cody erfc: reference values and symmetry", () => {
  // erfc at 0.5, 1, 2, 5 (Python math.erfc, correctly rounded to about 1 ulp)
  for (const [x, v] of [[0.5, 0.4795001221869535], [1, 0.15729920705028513], [2, 0.004677734981047265], [5, 1.5374597944280351e-12]]) {
    assert.ok(Math.abs(erfc(x) / v - 1) < 1e-14, `erfc(${x}) = ${erfc(x)}`);
    assert.ok(Math.abs(erfc(-x) - (2 - v)) < 1e-15, `erfc(${-x})`);
  }
  assert.equal(erfc(0), 1);
  assert.equal(erfc(30), 0);
});
