// priceOptions / impliedVols (full build): typed arrays in, typed arrays out, each option the same
// bits as priceOption / impliedVol give it one at a time; bad input names its index.
import test from "node:test";
import assert from "node:assert/strict";
import { full, prng } from "./pkg.mjs";

const FIELDS = ["price", "delta", "gamma", "vega", "theta", "rho", "vanna", "volga"];

test("a batch is priceOption and impliedVol option by option, bit for bit", () => {
  const r = prng(5);
  const n = 500;
  const F = new Float64Array(n), K = new Float64Array(n), T = new Float64Array(n), S = new Float64Array(n), C = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    F[i] = [95000, 3400, 240, 1.5][i % 4] * (0.9 + 0.2 * r.next());
    K[i] = F[i] * (0.5 + r.next());
    T[i] = [1 / 365 / 24, 1 / 365, 0.1, 1, 3][r.int(5)];
    S[i] = 0.1 + 2 * r.next();
    C[i] = r.int(2);
  }
  const out = full.priceOptions(F, K, T, S, 0.03, C);
  assert.ok(out instanceof Float64Array);
  assert.equal(out.length, 8 * n);
  const prices = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const one = full.priceOption({ forward: F[i], strike: K[i], tYears: T[i], sigma: S[i], rate: 0.03, callPut: C[i] ? "call" : "put" });
    FIELDS.forEach((f, j) => assert.ok(Object.is(out[8 * i + j], one[f]), `option ${i} ${f}: ${out[8 * i + j]} vs ${one[f]}`));
    prices[i] = out[8 * i];
  }
  // implied vols where the price carries time value well above rounding
  const keep = [...prices.keys()].filter((i) => {
    const intrinsic = Math.max(0, C[i] ? F[i] - K[i] : K[i] - F[i]) * Math.exp(-0.03 * T[i]);
    return prices[i] - intrinsic > 1e-6 * F[i];
  });
  const pick = (a) => a.constructor.from(keep.map((i) => a[i]));
  const vols = full.impliedVols(pick(prices), pick(F), pick(K), pick(T), 0.03, pick(C));
  keep.forEach((i, k) => {
    const one = full.impliedVol({ price: prices[i], forward: F[i], strike: K[i], tYears: T[i], rate: 0.03, callPut: C[i] ? "call" : "put" });
    assert.ok(Object.is(vols[k], one), `option ${i}`);
    assert.ok(Math.abs(vols[k] - S[i]) < 1e-7 * S[i], `option ${i}: ${vols[k]} vs ${S[i]}`);
  });
  assert.ok(keep.length > 300);
});

test("bad input in a batch throws with the code and the option's index", () => {
  const one = new Float64Array([1]);
  const code = (f) => { try { f(); return null; } catch (e) { return [e.code, e.path]; } };
  assert.deepEqual(code(() => full.priceOptions([100, -5], [100, 100], [1, 1], [0.5, 0.5], 0, [1, 1])), ["BAD_NUMBER", "forward[1]"]);
  assert.deepEqual(code(() => full.priceOptions(one, one, [0], [0.5], 0, [1])), ["NO_TIME_LEFT", "tYears[0]"]);
  assert.deepEqual(code(() => full.priceOptions(one, one, one, [NaN], 0, [1])), ["BAD_NUMBER", "sigma[0]"]);
  assert.deepEqual(code(() => full.priceOptions(one, [1, 2], one, one, 0, [1])), ["BAD_REQUEST", "strike"]);
  assert.deepEqual(code(() => full.priceOptions(one, one, one, [0.5], NaN, [1])), ["BAD_NUMBER", "rate"]);
  assert.deepEqual(code(() => full.impliedVols([0.5], [100], [90], [1], 0, [1])), ["BELOW_INTRINSIC", "price[0]"]);
  assert.equal(full.priceOptions([], [], [], [], 0, []).length, 0);
});
