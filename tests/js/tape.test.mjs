// Results reach JS as a tape (src/wasm/tape.rs → src/wasm/tape.js), not as JSON text. These tests hold the
// package's values to the CLI's JSON report: same keys in the same order, same strings, and numbers
// with identical bits (both builds call the `libm` crate for every transcendental function:
// tests/portable_math.rs), and check the decoder's edge cases on hand-written tapes.
import test from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";
import pm, { full, fixture, readJson, goldenMarginFiles } from "./pkg.mjs";
import { decodeTape } from "../../src/wasm/tape.js";

const cli = new URL("../../target/release/portfolio-margin", import.meta.url).pathname;
const cliReport = (request) => JSON.parse(execFileSync(cli, ["report", "-"], { input: JSON.stringify(request), encoding: "utf8", maxBuffer: 64 << 20 }));

/** Same structure and key order; the same f64 bits in every number (JSON text from serde_json is
 * the shortest round-trip form, so JSON.parse recovers them exactly). */
function assertSameValue(actual, expected, path = "$") {
  if (typeof expected === "number") {
    assert.equal(typeof actual, "number", `${path}: ${actual}`);
    assert.ok(Object.is(actual, expected), `${path}: got ${actual}, expected ${expected} (native)`);
  } else if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual), `${path}: not an array`);
    assert.equal(actual.length, expected.length, `${path}: length`);
    expected.forEach((e, i) => assertSameValue(actual[i], e, `${path}[${i}]`));
  } else if (expected !== null && typeof expected === "object") {
    assert.equal(Object.getPrototypeOf(actual), Object.prototype, `${path}: not a plain object`);
    assert.deepEqual(Object.keys(actual), Object.keys(expected), `${path}: keys`);
    for (const k of Object.keys(expected)) assertSameValue(actual[k], expected[k], `${path}.${k}`);
  } else {
    assert.equal(actual, expected, path);
  }
}

test("every golden report, the fixture and a 1 000-position book are bit-identical to the CLI's JSON report", () => {
  const requests = goldenMarginFiles().map((f) => readJson(`tests/golden/margin/${f}`).request);
  requests.push(fixture("deribit-pm-btc.json").request);
  requests.push(JSON.parse(execFileSync(cli, ["sample", "--generated", "1000"], { encoding: "utf8" })));
  requests.push(JSON.parse(execFileSync(cli, ["sample"], { encoding: "utf8" })));
  for (const request of requests) assertSameValue(pm.computeReport(request), cliReport(request));
});

test("the full build is bit-identical to the CLI on every risk golden, Monte Carlo (normal and t4 tails) and es-margin", () => {
  // the Monte Carlo draws come from rand_distr and statrs, which call the platform's maths: identity
  // there is observed on these books, not guaranteed by construction (docs/CONVENTIONS.md)
  const requests = readdirSync(new URL("../golden/risk/", import.meta.url))
    .filter((f) => f.endsWith(".json"))
    .map((f) => readJson(`tests/golden/risk/${f}`).request)
    .filter(Boolean);
  assert.ok(requests.length >= 10);
  const book = JSON.parse(execFileSync(cli, ["sample", "--generated", "300"], { encoding: "utf8" }));
  requests.push({ ...book, analysis: { var: true, stress: true } });
  requests.push({ ...book, analysis: { var: { paths: 3000, tails: { studentT: 4 }, spotVolBeta: 1.5, seed: 7 } } });
  requests.push({ ...book, model: "es-margin" });
  for (const request of requests) assertSameValue(full.computeReport(request), cliReport(request));
});

test("listModels and priceOption carry the same values as JSON would", () => {
  const models = pm.listModels();
  assert.deepEqual(JSON.parse(JSON.stringify(models)), models);
  assert.ok(models.length >= 3 && models.every((m) => typeof m.name === "string"));
  const g = pm.priceOption({ forward: 100000, strike: 90000, tYears: 0.5, sigma: 0.6, callPut: "put", settlement: "inverse" });
  for (const k of ["price", "delta", "gamma", "vega", "theta", "rho", "vanna", "volga", "priceCoin", "deltaCoinAccount", "vegaCoin", "thetaCoin"]) {
    assert.equal(typeof g[k], "number", k);
  }
});

// ---- the decoder on hand-written tapes (layout: src/wasm/tape.rs) ----
const NULL = 0, FALSE = 1, TRUE = 2, NUMBER = 3, STRING = 4, ARRAY = 5, OBJECT = 6;
function tape(strings, shapes, ops, nums = []) {
  let text = "", ends = [];
  for (const s of strings) { text += s; ends.push(text.length); }
  const flat = shapes.flatMap((keys) => [keys.length, ...keys]);
  return decodeTape(Uint32Array.from(ops), Float64Array.from(nums), text, Uint32Array.from(ends), Uint32Array.from(flat));
}

test("decoder: scalars, empty containers, nesting", () => {
  assert.equal(tape([], [], [NULL]), null);
  assert.equal(tape([], [], [TRUE]), true);
  assert.equal(tape([], [], [FALSE]), false);
  assert.ok(Object.is(tape([], [], [NUMBER], [-0]), -0));
  assert.deepEqual(tape([], [[]], [OBJECT, 0]), {});
  assert.deepEqual(tape([], [], [ARRAY, 0]), []);
  assert.deepEqual(
    tape(["a", "b", "x"], [[0, 1]], [ARRAY, 2, OBJECT, 0, NUMBER, STRING, 2, OBJECT, 0, ARRAY, 1, NULL, TRUE], [1.5]),
    [{ a: 1.5, b: "x" }, { a: [null], b: true }],
  );
});

test("decoder: a spanned array field is read on first access, then is a plain property", () => {
  // {"n": [1, {"a": 2}, "x"], "k": 3}: the array at op 2 spans ops [2, 11) and nums [0, 2)
  const strings = ["n", "k", "a", "x"];
  let text = "", ends = [];
  for (const s of strings) { text += s; ends.push(text.length); }
  const ops = [OBJECT, 0, ARRAY, 3, NUMBER, OBJECT, 1, NUMBER, STRING, 3, NUMBER];
  const nums = [1, 2, 3];
  const shapes = [2, 0, 1, 1, 2];
  const views = [Uint32Array.from(ops), Float64Array.from(nums)];
  const v = decodeTape(views[0], views[1], text, Uint32Array.from(ends), Uint32Array.from(shapes), Uint32Array.from([2, 10, 2]));
  assert.equal(Object.getOwnPropertyDescriptor(v, "n").get !== undefined, true, "unread until asked");
  assert.equal(v.k, 3, "the fields after it are read");
  views[0].fill(99); // the tape's memory is reused after the call: the field kept its own copy
  views[1].fill(NaN);
  assert.deepStrictEqual(v, { n: [1, { a: 2 }, "x"], k: 3 });
  assert.equal(Object.getOwnPropertyDescriptor(v, "n").value.length, 3, "a data property once read");
  assert.deepStrictEqual(structuredClone(v), { n: [1, { a: 2 }, "x"], k: 3 });
  const w = decodeTape(Uint32Array.from(ops), Float64Array.from(nums), text, Uint32Array.from(ends), Uint32Array.from(shapes), Uint32Array.from([2, 10, 2]));
  w.n = "replaced";
  assert.deepStrictEqual(w, { n: "replaced", k: 3 }, "assignable before it is read");
  assert.equal(JSON.stringify(decodeTape(Uint32Array.from(ops), Float64Array.from(nums), text, Uint32Array.from(ends), Uint32Array.from(shapes), Uint32Array.from([2, 10, 2]))), '{"n":[1,{"a":2},"x"],"k":3}');
});

test("a 1 000-position report's positions are read lazily and equal the CLI's", () => {
  const request = JSON.parse(execFileSync(cli, ["sample", "--generated", "1000"], { encoding: "utf8" }));
  const r = pm.computeReport(request);
  assert.ok(Object.getOwnPropertyDescriptor(r, "positions").get, "positions is a lazy field");
  assert.deepStrictEqual(r.positions, cliReport(request).positions);
});

test("decoder: strings are cut by UTF-16 offsets (astral characters, accents)", () => {
  assert.deepEqual(tape(["𝄞", "é", "ok"], [], [ARRAY, 3, STRING, 0, STRING, 1, STRING, 2]), ["𝄞", "é", "ok"]);
});

test("decoder: integer-like keys and __proto__ behave as in JSON.parse", () => {
  const text = '{"b":1,"2":2,"a":3,"1":4}';
  assert.deepEqual(Object.entries(tape(["b", "2", "a", "1"], [[0, 1, 2, 3]], [OBJECT, 0, NUMBER, NUMBER, NUMBER, NUMBER], [1, 2, 3, 4])), Object.entries(JSON.parse(text)));
  const proto = tape(["__proto__", "x"], [[0, 1], [1]], [OBJECT, 0, OBJECT, 1, NUMBER, NUMBER], [1, 2]);
  const viaJson = JSON.parse('{"__proto__":{"x":1},"x":2}');
  assert.deepEqual(Object.keys(proto), Object.keys(viaJson));
  assert.equal(Object.getPrototypeOf(proto), Object.prototype, "the prototype is untouched");
  assert.deepEqual(proto["__proto__"], { x: 1 });
});

test("decoder: a corrupt tape throws instead of returning garbage", () => {
  assert.throws(() => tape([], [], [9]), /corrupt/);
});
