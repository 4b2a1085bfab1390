// Load the built package (pkg/, --target web) in node: the same .wasm the browser gets.
import { readFileSync, readdirSync, existsSync } from "node:fs";
import * as pm from "../../pkg/portfolio_margin.js";

import * as full from "../../pkg/full/portfolio_margin.js";
import * as hedge from "../../pkg/hedge/portfolio_margin.js";

pm.initSync({ module: readFileSync(new URL("../../pkg/portfolio_margin_bg.wasm", import.meta.url)) });
full.initSync({ module: readFileSync(new URL("../../pkg/full/portfolio_margin_bg.wasm", import.meta.url)) });
hedge.initSync({ module: readFileSync(new URL("../../pkg/hedge/portfolio_margin_bg.wasm", import.meta.url)) });
export default pm;
/** The full build (pkg/full/): the margin path plus VaR/ES, stress and payoff. */
export { full };
/** The hedge build (pkg/hedge/): the margin path plus `optimizeHedge`. */
export { hedge };

const root = new URL("../../", import.meta.url);
export const readJson = (rel) => JSON.parse(readFileSync(new URL(rel, root), "utf8"));
export const fixture = (name) => {
  const shared = new URL(`../shared/fixtures/${name}`, root);
  return existsSync(shared) ? JSON.parse(readFileSync(shared, "utf8")) : readJson(`tests/fixtures/${name}`);
};
export const goldenMarginFiles = () =>
  readdirSync(new URL("tests/golden/margin/", root)).filter((f) => f.endsWith(".json")).sort();

/** |actual − expected| ≤ tol · max(1, |expected|), recursively over the expected object. */
export function assertClose(assert, actual, expected, tol, what) {
  if (typeof expected === "number") {
    assert.equal(typeof actual, "number", `${what}: not a number (${actual})`);
    assert.ok(Math.abs(actual - expected) <= tol * Math.max(1, Math.abs(expected)), `${what}: got ${actual}, expected ${expected}`);
  } else if (Array.isArray(expected)) {
    assert.equal(actual.length, expected.length, `${what}: length`);
    expected.forEach((e, i) => assertClose(assert, actual[i], e, tol, `${what}[${i}]`));
  } else if (expected && typeof expected === "object") {
    for (const [k, e] of Object.entries(expected)) {
      assert.ok(actual && k in actual, `${what}.${k} missing`);
      assertClose(assert, actual[k], e, tol, `${what}.${k}`);
    }
  } else {
    assert.deepEqual(actual, expected, what);
  }
}

/** Deterministic PRNG (mulberry32) for the fuzz suites: each iteration reproduces alone. */
export function prng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (n) => Math.floor(next() * n), pick: (xs) => xs[Math.floor(next() * xs.length)], chance: (p) => next() < p };
}

/** The seed of iteration `i` of a fuzz run seeded `seed`. */
export const iterationSeed = (seed, i) => (Math.imul(seed ^ 0x9e3779b9, 2654435761) + Math.imul(i + 1, 0x85ebca6b)) >>> 0;
